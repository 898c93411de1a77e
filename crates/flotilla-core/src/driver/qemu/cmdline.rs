//! The QEMU command line of a VM, decided from its settings alone (pure, so
//! it is tested without QEMU).

use std::path::PathBuf;

/// The guest port the engine listens on behind a user-network forward.
pub const GUEST_ENGINE_PORT: u16 = 2376;

/// How the VM's one network card reaches the outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Nic {
    /// User networking with loopback forwards to the guest's SSH and
    /// engine ports.
    User {
        /// The host's loopback port forwarded to the guest's port 22.
        ssh_port: u16,
        /// The host's loopback port forwarded to [`GUEST_ENGINE_PORT`].
        engine_port: u16,
    },
    /// A tap QEMU opens itself (root): `script` attaches it to the bridge.
    /// The tap is not persistent, so it goes away with QEMU, even on SIGKILL.
    Tap {
        /// The ifup script ([`ifup_script`]) QEMU runs with the tap's name.
        script: PathBuf,
    },
    /// A tap made by qemu-bridge-helper, for users who may not make taps
    /// (the bridge must be allowed in /etc/qemu/bridge.conf).
    Helper {
        /// The host bridge the tap joins.
        bridge: String,
    },
}

/// Everything the command line depends on; paths are usually in the machine's directory.
#[derive(Debug, Clone)]
pub struct VmSpec {
    /// The machine's name; QEMU's process is named `flotilla-<name>`.
    pub name: String,
    /// KVM (`-cpu host`) rather than TCG (`-cpu max`).
    pub kvm: bool,
    /// TCG's translation cache in MB; 0 leaves QEMU's default.
    pub tb_size_mb: u32,
    /// vCPUs (`-smp`).
    pub cpus: u32,
    /// Memory in MB (`-m`).
    pub memory_mb: u32,
    /// The qcow2 disk (the overlay over the base image).
    pub disk: PathBuf,
    /// The cloud-init `cidata` seed ISO, attached read-only.
    pub seed: PathBuf,
    /// The network card's backend.
    pub nic: Nic,
    /// The network card's MAC address, chosen at create and kept (a bridge's static address
    /// is matched to it by the seed).
    pub mac: String,
    /// The QMP control socket QEMU listens on.
    pub qmp: PathBuf,
    /// The file the serial console is written to.
    pub console: PathBuf,
    /// Where QEMU writes its PID once daemonized.
    pub pidfile: PathBuf,
    /// Where QEMU writes its messages once daemonized (`-D`): without it
    /// they go to /dev/null, "KVM internal error" among them.
    pub log: PathBuf,
    /// A file holding the serial port SeaBIOS should also print on
    /// ([`SERCON_PORT`]), so a disk that does not boot says so in the
    /// console log.
    pub sercon: PathBuf,
}

/// `etc/sercon-port`'s contents: COM1 (0x3f8), little-endian.
pub const SERCON_PORT: [u8; 2] = [0xf8, 0x03];

/// The arguments after the binary. QEMU daemonizes once the VM is set up:
/// the command returns then, with a non-zero status and the reason on
/// stderr when something was wrong (a port taken, a missing tap, KVM).
pub fn args(s: &VmSpec) -> Vec<String> {
    let mut a: Vec<String> = vec![];
    let mut push = |xs: &[&str]| a.extend(xs.iter().map(|x| x.to_string()));
    push(&[
        "-name",
        &format!("flotilla-{},process=flotilla-{}", s.name, s.name),
    ]);
    push(&["-nodefaults", "-machine", "q35"]);
    if s.kvm {
        push(&["-accel", "kvm", "-cpu", "host"]);
    } else {
        let accel = if s.tb_size_mb > 0 {
            format!("tcg,thread=multi,tb-size={}", s.tb_size_mb)
        } else {
            "tcg,thread=multi".to_string()
        };
        push(&["-accel", &accel, "-cpu", "max"]);
    }
    push(&["-smp", &s.cpus.to_string(), "-m", &s.memory_mb.to_string()]);
    push(&[
        "-drive",
        &format!(
            "file={},if=virtio,format=qcow2,discard=unmap",
            opt_path(&s.disk)
        ),
    ]);
    push(&[
        "-drive",
        &format!(
            "file={},if=virtio,format=raw,readonly=on",
            opt_path(&s.seed)
        ),
    ]);
    let netdev = match &s.nic {
        Nic::User {
            ssh_port,
            engine_port,
        } => format!(
            "user,id=net0,hostfwd=tcp:127.0.0.1:{ssh_port}-:22,hostfwd=tcp:127.0.0.1:{engine_port}-:{GUEST_ENGINE_PORT}"
        ),
        Nic::Tap { script } => format!("tap,id=net0,script={},downscript=no", opt_path(script)),
        Nic::Helper { bridge } => format!("bridge,id=net0,br={bridge}"),
    };
    push(&["-netdev", &netdev]);
    push(&[
        "-device",
        // no iPXE option ROM: the VM boots from its disk
        &format!("virtio-net-pci,netdev=net0,mac={},romfile=", s.mac),
    ]);
    // Entropy at boot: sshd and dockerd do not wait for it.
    push(&["-device", "virtio-rng-pci"]);
    push(&[
        "-qmp",
        &format!("unix:{},server=on,wait=off", opt_path(&s.qmp)),
    ]);
    push(&["-serial", &format!("file:{}", opt_path(&s.console))]);
    push(&[
        "-fw_cfg",
        &format!("name=etc/sercon-port,file={}", opt_path(&s.sercon)),
    ]);
    push(&["-display", "none", "-vga", "none"]);
    push(&["-D", &s.log.display().to_string()]);
    push(&["-daemonize", "-pidfile", &s.pidfile.display().to_string()]);
    a
}

/// A path inside a `-drive`/`-netdev` option string, where a comma is
/// written twice.
fn opt_path(p: &std::path::Path) -> String {
    p.display().to_string().replace(',', ",,")
}

/// The shell script QEMU runs with the new tap's name to put it on the
/// bridge.
pub fn ifup_script(bridge: &str) -> String {
    format!(
        "#!/bin/sh\n# written by flotilla's qemu driver: attach the VM's tap to the bridge\nset -e\nip link set \"$1\" master {bridge}\nip link set \"$1\" up\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(nic: Nic, kvm: bool) -> VmSpec {
        VmSpec {
            name: "vm1".into(),
            kvm,
            tb_size_mb: 64,
            cpus: 2,
            memory_mb: 768,
            disk: "/s/machines/vm1/disk.qcow2".into(),
            seed: "/s/machines/vm1/seed,1.iso".into(),
            nic,
            mac: "52:54:00:aa:bb:cc".into(),
            qmp: "/s/machines/vm1/qmp.sock".into(),
            console: "/s/machines/vm1/console.log".into(),
            pidfile: "/s/machines/vm1/qemu.pid".into(),
            log: "/s/machines/vm1/qemu.log".into(),
            sercon: "/s/machines/vm1/sercon-port".into(),
        }
    }

    #[test]
    fn user_networking_under_tcg() {
        let a = args(&spec(
            Nic::User {
                ssh_port: 40022,
                engine_port: 42376,
            },
            false,
        ))
        .join(" ");
        assert!(
            a.contains("-accel tcg,thread=multi,tb-size=64 -cpu max"),
            "{a}"
        );
        assert!(a.contains("-smp 2 -m 768"), "{a}");
        assert!(
            a.starts_with("-name flotilla-vm1,process=flotilla-vm1 -nodefaults -machine q35"),
            "{a}"
        );
        assert!(
            a.contains("-fw_cfg name=etc/sercon-port,file=/s/machines/vm1/sercon-port"),
            "{a}"
        );
        assert!(
            a.contains("-netdev user,id=net0,hostfwd=tcp:127.0.0.1:40022-:22,hostfwd=tcp:127.0.0.1:42376-:2376"),
            "{a}"
        );
        assert!(
            a.contains("file=/s/machines/vm1/seed,,1.iso,if=virtio,format=raw,readonly=on"),
            "{a}"
        );
        assert!(
            a.contains("-qmp unix:/s/machines/vm1/qmp.sock,server=on,wait=off"),
            "{a}"
        );
        assert!(
            a.ends_with("-daemonize -pidfile /s/machines/vm1/qemu.pid"),
            "{a}"
        );
    }

    #[test]
    fn bridges_and_kvm() {
        let a = args(&spec(
            Nic::Tap {
                script: "/s/machines/vm1/qemu-ifup".into(),
            },
            true,
        ))
        .join(" ");
        assert!(a.contains("-accel kvm -cpu host"), "{a}");
        assert!(!a.contains("tb-size"), "{a}");
        assert!(
            a.contains("-netdev tap,id=net0,script=/s/machines/vm1/qemu-ifup,downscript=no"),
            "{a}"
        );
        assert!(
            a.contains("virtio-net-pci,netdev=net0,mac=52:54:00:aa:bb:cc"),
            "{a}"
        );
        let a = args(&spec(
            Nic::Helper {
                bridge: "br0".into(),
            },
            false,
        ))
        .join(" ");
        assert!(a.contains("-netdev bridge,id=net0,br=br0"), "{a}");
        assert!(ifup_script("fl0").contains("master fl0"));
    }
}
