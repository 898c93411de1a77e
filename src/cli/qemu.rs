//! The `--qemu-*` flags of `create`, with docker-machine style environment
//! fallbacks. Only this file knows clap: it turns into [`QemuOptions`].

use flotilla_core::driver::qemu::options::{self, Accel, Network, QemuOptions};

#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "qemu driver")]
pub struct QemuFlags {
    /// Base image, qcow2 or raw with cloud-init (NoCloud): a path, file:// URL, or http(s):// URL downloaded once into <store>/cache/qemu (qemu driver; required)
    #[arg(long = "qemu-image", env = "QEMU_IMAGE", value_name = "URL")]
    pub qemu_image: Option<String>,
    /// Expected SHA-256 of the image, as sha256:HEX or HEX; a download that does not match is discarded (qemu driver)
    #[arg(
        long = "qemu-image-checksum",
        env = "QEMU_IMAGE_CHECKSUM",
        value_name = "SHA256"
    )]
    pub qemu_image_checksum: Option<String>,
    /// Number of vCPUs (qemu driver)
    #[arg(
        long = "qemu-cpus",
        env = "QEMU_CPUS",
        default_value_t = options::DEFAULT_CPUS,
        value_name = "N"
    )]
    pub qemu_cpus: u32,
    /// Memory of the VM in MB (qemu driver)
    #[arg(
        long = "qemu-memory",
        env = "QEMU_MEMORY",
        default_value_t = options::DEFAULT_MEMORY_MB,
        value_name = "MB"
    )]
    pub qemu_memory: u32,
    /// Disk size in MB: a qcow2 overlay on the image, grown to this size; the guest grows its root file system at boot (qemu driver)
    #[arg(
        long = "qemu-disk-size",
        env = "QEMU_DISK_SIZE",
        default_value_t = options::DEFAULT_DISK_SIZE_MB,
        value_name = "MB"
    )]
    pub qemu_disk_size: u64,
    /// auto, kvm or tcg. auto uses KVM when /dev/kvm opens and the CPU has hardware virtualisation (vmx/svm), else TCG software emulation with a warning (a /dev/kvm without vmx/svm, as PVM or some nested hosts offer, cannot run a stock kernel); decided once per flotilla command, and a KVM that still fails at boot falls back to TCG (qemu driver)
    #[arg(
        long = "qemu-accel",
        env = "QEMU_ACCEL",
        default_value = "auto",
        value_name = "ACCEL",
        value_parser = clap::value_parser!(AccelArg)
    )]
    pub qemu_accel: AccelArg,
    /// user (forwarded loopback ports for SSH and the engine; no root needed) or bridge (a tap on --qemu-bridge with a static address, so VMs reach each other) (qemu driver)
    #[arg(
        long = "qemu-network",
        env = "QEMU_NETWORK",
        default_value = "user",
        value_name = "MODE",
        value_parser = clap::value_parser!(NetworkArg)
    )]
    pub qemu_network: NetworkArg,
    /// Host bridge for --qemu-network bridge; it must exist and have an IPv4 address, which is the VMs' gateway (qemu driver)
    #[arg(long = "qemu-bridge", env = "QEMU_BRIDGE", value_name = "BRIDGE")]
    pub qemu_bridge: Option<String>,
    /// The VM's address on the bridge [default: the next free one in the bridge's subnet] (qemu driver)
    #[arg(long = "qemu-ip-address", env = "QEMU_IP_ADDRESS", value_name = "ADDR")]
    pub qemu_ip_address: Option<String>,
    /// QEMU system emulator to run (qemu driver)
    #[arg(
        long = "qemu-binary",
        env = "QEMU_BINARY",
        default_value = options::DEFAULT_BINARY,
        value_name = "PATH"
    )]
    pub qemu_binary: String,
    /// User that cloud-init creates with the machine's SSH key and password-less sudo (qemu driver)
    #[arg(
        long = "qemu-ssh-user",
        env = "QEMU_SSH_USER",
        default_value = options::DEFAULT_SSH_USER,
        value_name = "USER"
    )]
    pub qemu_ssh_user: String,
    /// How long a boot may take until the guest accepts an SSH login (qemu driver)
    #[arg(
        long = "qemu-boot-timeout",
        env = "QEMU_BOOT_TIMEOUT",
        default_value_t = options::DEFAULT_BOOT_TIMEOUT_SECS,
        value_name = "SECS"
    )]
    pub qemu_boot_timeout: u64,
    /// TCG translation cache in MB; more trades host memory for speed (qemu driver)
    #[arg(
        long = "qemu-tcg-tb-size",
        env = "QEMU_TCG_TB_SIZE",
        default_value_t = options::DEFAULT_TB_SIZE_MB,
        value_name = "MB"
    )]
    pub qemu_tb_size: u32,
}

impl Default for QemuFlags {
    fn default() -> Self {
        let o = QemuOptions::default();
        QemuFlags {
            qemu_image: o.image,
            qemu_image_checksum: o.image_checksum,
            qemu_cpus: o.cpus,
            qemu_memory: o.memory_mb,
            qemu_disk_size: o.disk_size_mb,
            qemu_accel: AccelArg(o.accel),
            qemu_network: NetworkArg(o.network),
            qemu_bridge: o.bridge,
            qemu_ip_address: o.ip_address,
            qemu_binary: o.binary,
            qemu_ssh_user: o.ssh_user,
            qemu_boot_timeout: o.boot_timeout_secs,
            qemu_tb_size: o.tb_size_mb,
        }
    }
}

/// `--qemu-accel`'s value (a newtype so the options stay clap-free).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccelArg(pub Accel);

impl std::str::FromStr for AccelArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        s.parse().map(AccelArg)
    }
}

/// `--qemu-network`'s value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetworkArg(pub Network);

impl std::str::FromStr for NetworkArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        s.parse().map(NetworkArg)
    }
}

impl From<&QemuFlags> for QemuOptions {
    fn from(f: &QemuFlags) -> Self {
        QemuOptions {
            image: f.qemu_image.clone(),
            image_checksum: f.qemu_image_checksum.clone(),
            cpus: f.qemu_cpus,
            memory_mb: f.qemu_memory,
            disk_size_mb: f.qemu_disk_size,
            accel: f.qemu_accel.0,
            network: f.qemu_network.0,
            bridge: f.qemu_bridge.clone(),
            ip_address: f.qemu_ip_address.clone(),
            binary: f.qemu_binary.clone(),
            ssh_user: f.qemu_ssh_user.clone(),
            boot_timeout_secs: f.qemu_boot_timeout,
            tb_size_mb: f.qemu_tb_size,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        q: QemuFlags,
    }

    #[test]
    fn defaults_match_the_options_defaults() {
        let cli = Cli::try_parse_from(["x"]).unwrap();
        assert_eq!(QemuOptions::from(&cli.q), QemuOptions::default());
        assert_eq!(
            QemuOptions::from(&QemuFlags::default()),
            QemuOptions::default()
        );
    }

    #[test]
    fn flags_turn_into_options() {
        let cli = Cli::try_parse_from([
            "x",
            "--qemu-image",
            "/img.qcow2",
            "--qemu-accel",
            "tcg",
            "--qemu-network",
            "bridge",
            "--qemu-bridge",
            "br0",
            "--qemu-memory",
            "768",
        ])
        .unwrap();
        let o = QemuOptions::from(&cli.q);
        assert_eq!(o.image.as_deref(), Some("/img.qcow2"));
        assert_eq!(o.accel, Accel::Tcg);
        assert_eq!(o.network, Network::Bridge);
        assert_eq!(o.bridge.as_deref(), Some("br0"));
        assert_eq!(o.memory_mb, 768);
        let bad = Cli::try_parse_from(["x", "--qemu-accel", "hvf"]);
        assert!(bad.is_err());
    }
}
