//! The qemu driver's configuration as the library takes it: plain values
//! with their defaults, no command-line parsing (the binary's `--qemu-*`
//! flags turn into this).

use std::fmt;
use std::str::FromStr;

/// Memory of a VM in MB when none is given.
pub const DEFAULT_MEMORY_MB: u32 = 1024;
/// vCPUs when none are given: under software emulation one vCPU boots and
/// runs Docker about half as fast as two.
pub const DEFAULT_CPUS: u32 = 2;
/// Size of the VM's disk (the qcow2 overlay over the image) in MB.
pub const DEFAULT_DISK_SIZE_MB: u64 = 20000;
/// The QEMU system emulator run when `--qemu-binary` is not given, looked up on `PATH`.
pub const DEFAULT_BINARY: &str = "qemu-system-x86_64";
/// The user cloud-init creates with the machine's key and password-less sudo.
pub const DEFAULT_SSH_USER: &str = "flotilla";
/// How long a boot may take until the guest accepts an SSH login.
pub const DEFAULT_BOOT_TIMEOUT_SECS: u64 = 300;
/// TCG's translation cache in MB: QEMU's own default (a quarter of the
/// guest's memory and more) costs several hundred MB of host memory per VM
/// for little speed on a Docker host.
pub const DEFAULT_TB_SIZE_MB: u32 = 64;

/// How the VM's CPU runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Accel {
    /// KVM when the host's KVM can run a stock guest kernel, else TCG.
    #[default]
    Auto,
    /// KVM always; a `/dev/kvm` that cannot be opened fails the pre-create check.
    Kvm,
    /// TCG, QEMU's software emulation, always: slower, but it runs anywhere.
    Tcg,
}

impl Accel {
    /// The flag's and the stored configuration's spelling (`auto`, `kvm`, `tcg`).
    pub fn as_str(self) -> &'static str {
        match self {
            Accel::Auto => "auto",
            Accel::Kvm => "kvm",
            Accel::Tcg => "tcg",
        }
    }
}

impl fmt::Display for Accel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Accel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Accel::Auto),
            "kvm" => Ok(Accel::Kvm),
            "tcg" => Ok(Accel::Tcg),
            other => Err(format!("{other:?} is not one of auto, kvm, tcg")),
        }
    }
}

/// How the VM is networked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Network {
    /// QEMU's user-mode network: the VM reaches out through the host, and
    /// the host reaches the VM's SSH and engine through forwarded loopback
    /// ports. No root, no host configuration.
    #[default]
    User,
    /// A tap on a host bridge with a static address from the bridge's
    /// subnet: VMs reach each other (a swarm can span them).
    Bridge,
}

impl Network {
    /// The flag's and the stored configuration's spelling (`user`, `bridge`).
    pub fn as_str(self) -> &'static str {
        match self {
            Network::User => "user",
            Network::Bridge => "bridge",
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Network {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "user" => Ok(Network::User),
            "bridge" => Ok(Network::Bridge),
            other => Err(format!("{other:?} is not one of user, bridge")),
        }
    }
}

/// Everything `create -d qemu` can be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QemuOptions {
    /// The base image: a local path, a `file://` URL or an http(s) URL
    /// (downloaded once into the store's cache). Required.
    pub image: Option<String>,
    /// Expected SHA-256 of the image (`sha256:HEX` or `HEX`).
    pub image_checksum: Option<String>,
    /// vCPUs ([`DEFAULT_CPUS`]; 1 to 64).
    pub cpus: u32,
    /// Memory in MB ([`DEFAULT_MEMORY_MB`]; at least 256).
    pub memory_mb: u32,
    /// Disk size in MB ([`DEFAULT_DISK_SIZE_MB`]; at least 1000).
    pub disk_size_mb: u64,
    /// KVM or TCG; `Auto` by default.
    pub accel: Accel,
    /// User-mode networking (the default) or a host bridge.
    pub network: Network,
    /// The host bridge for `Network::Bridge`.
    pub bridge: Option<String>,
    /// A fixed address on the bridge (`A.B.C.D`, the bridge's prefix);
    /// by default the next free one in the bridge's subnet.
    pub ip_address: Option<String>,
    /// The QEMU executable, a path or a name on `PATH` ([`DEFAULT_BINARY`]).
    pub binary: String,
    /// The guest user cloud-init creates ([`DEFAULT_SSH_USER`]); not `root`.
    pub ssh_user: String,
    /// Seconds a boot may take until an SSH login succeeds ([`DEFAULT_BOOT_TIMEOUT_SECS`]).
    pub boot_timeout_secs: u64,
    /// TCG's translation cache in MB ([`DEFAULT_TB_SIZE_MB`]); 0 leaves QEMU's default. Unused
    /// under KVM.
    pub tb_size_mb: u32,
}

impl Default for QemuOptions {
    fn default() -> Self {
        QemuOptions {
            image: None,
            image_checksum: None,
            cpus: DEFAULT_CPUS,
            memory_mb: DEFAULT_MEMORY_MB,
            disk_size_mb: DEFAULT_DISK_SIZE_MB,
            accel: Accel::Auto,
            network: Network::User,
            bridge: None,
            ip_address: None,
            binary: DEFAULT_BINARY.to_string(),
            ssh_user: DEFAULT_SSH_USER.to_string(),
            boot_timeout_secs: DEFAULT_BOOT_TIMEOUT_SECS,
            tb_size_mb: DEFAULT_TB_SIZE_MB,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accel_and_network_parse_case_insensitively_and_reject_the_rest() {
        assert_eq!("KVM".parse::<Accel>(), Ok(Accel::Kvm));
        assert_eq!(" tcg ".parse::<Accel>(), Ok(Accel::Tcg));
        assert!(
            "hvf"
                .parse::<Accel>()
                .unwrap_err()
                .contains("auto, kvm, tcg")
        );
        assert_eq!("Bridge".parse::<Network>(), Ok(Network::Bridge));
        assert!("tap".parse::<Network>().is_err());
    }
}
