//! Choosing between KVM and TCG.
//!
//! `/dev/kvm` opening is not enough: on a host without hardware
//! virtualisation (no `vmx`/`svm` CPU flag) the device can still be there,
//! for example PVM (`kvm_pvm`), which runs only guest kernels built for it.
//! A stock kernel then dies early with "KVM internal error ... emulation
//! failure". So `auto` asks for the CPU flag as well and otherwise uses TCG,
//! software emulation. The decision is made once per flotilla process (two
//! VMs created by one command ask once), and a KVM that still fails a guest
//! at boot marks KVM unusable for the rest of the process.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use super::options::Accel;

/// What the host offers, as read from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFacts {
    /// `Err(reason)` when `/dev/kvm` cannot be opened read-write.
    pub dev_kvm: Result<(), String>,
    /// The `flags` line of `/proc/cpuinfo`.
    pub cpu_flags: String,
    /// `kvm_pvm` is loaded.
    pub pvm: bool,
}

impl HostFacts {
    /// Reads `/dev/kvm`, `/proc/cpuinfo` and `/sys/module/kvm_pvm` of this host.
    pub fn read() -> HostFacts {
        let dev_kvm = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/kvm")
            .map(|_| ())
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => "/dev/kvm does not exist".to_string(),
                std::io::ErrorKind::PermissionDenied => {
                    "/dev/kvm is not writable for this user (join the kvm group)".to_string()
                }
                _ => format!("/dev/kvm cannot be opened: {e}"),
            });
        let cpu_flags = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|t| {
                t.lines()
                    .find(|l| l.starts_with("flags"))
                    .map(|l| l.split_once(':').map_or("", |(_, f)| f).trim().to_string())
            })
            .unwrap_or_default();
        HostFacts {
            dev_kvm,
            cpu_flags,
            pvm: std::path::Path::new("/sys/module/kvm_pvm").exists(),
        }
    }
}

/// `Ok` when KVM can run a stock guest here, else why not.
pub fn kvm_usable(h: &HostFacts) -> Result<(), String> {
    h.dev_kvm.clone()?;
    if h.pvm {
        return Err(
            "/dev/kvm is PVM (kvm_pvm), which runs only PVM guest kernels; a stock kernel dies under it"
                .into(),
        );
    }
    let hw = h
        .cpu_flags
        .split_whitespace()
        .any(|f| f == "vmx" || f == "svm");
    if !hw {
        return Err(
            "/dev/kvm opens but the CPU has no hardware virtualisation (no vmx/svm flag), so it cannot run a stock kernel"
                .into(),
        );
    }
    Ok(())
}

/// The accelerator a boot uses and, when `auto` fell back, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// KVM rather than TCG.
    pub kvm: bool,
    /// Why `auto` chose TCG, for a warning; `None` when nothing fell back.
    pub fallback_reason: Option<String>,
}

/// The pure decision: `requested` with the host's facts.
pub fn decide(requested: Accel, kvm: &Result<(), String>) -> Choice {
    match requested {
        Accel::Kvm => Choice {
            kvm: true,
            fallback_reason: None,
        },
        Accel::Tcg => Choice {
            kvm: false,
            fallback_reason: None,
        },
        Accel::Auto => match kvm {
            Ok(()) => Choice {
                kvm: true,
                fallback_reason: None,
            },
            Err(why) => Choice {
                kvm: false,
                fallback_reason: Some(why.clone()),
            },
        },
    }
}

static DETECTED: OnceLock<Result<(), String>> = OnceLock::new();
static KVM_FAILED: AtomicBool = AtomicBool::new(false);

/// The choice for this process: the host is read once.
pub fn choose(requested: Accel) -> Choice {
    let detected = DETECTED.get_or_init(|| kvm_usable(&HostFacts::read()));
    if requested == Accel::Auto && KVM_FAILED.load(Ordering::SeqCst) {
        return Choice {
            kvm: false,
            fallback_reason: Some("KVM failed to run a guest earlier in this command".into()),
        };
    }
    decide(requested, detected)
}

/// Remembers that KVM could not run a guest, so later `auto` boots of this
/// process go straight to TCG.
pub fn mark_kvm_failed() {
    KVM_FAILED.store(true, Ordering::SeqCst);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(dev: Result<(), String>, flags: &str, pvm: bool) -> HostFacts {
        HostFacts {
            dev_kvm: dev,
            cpu_flags: flags.into(),
            pvm,
        }
    }

    #[test]
    fn kvm_needs_the_device_and_hardware_virtualisation() {
        assert_eq!(kvm_usable(&facts(Ok(()), "fpu vme vmx sse", false)), Ok(()));
        assert_eq!(kvm_usable(&facts(Ok(()), "fpu svm", false)), Ok(()));
        let e = kvm_usable(&facts(Ok(()), "fpu sse hypervisor", false)).unwrap_err();
        assert!(e.contains("no vmx/svm"), "{e}");
        // this project's machines: PVM, and no vmx either
        let e = kvm_usable(&facts(Ok(()), "fpu hypervisor", true)).unwrap_err();
        assert!(e.contains("PVM"), "{e}");
        let e = kvm_usable(&facts(Err("/dev/kvm does not exist".into()), "vmx", false));
        assert_eq!(e, Err("/dev/kvm does not exist".into()));
        // "vmxnet" is not "vmx"
        assert!(kvm_usable(&facts(Ok(()), "vmxnet", false)).is_err());
    }

    #[test]
    fn auto_falls_back_with_the_reason_and_explicit_choices_stand() {
        let no = Err("no vmx".to_string());
        assert_eq!(
            decide(Accel::Auto, &no),
            Choice {
                kvm: false,
                fallback_reason: Some("no vmx".into())
            }
        );
        assert!(decide(Accel::Auto, &Ok(())).kvm);
        assert!(decide(Accel::Kvm, &no).kvm);
        assert!(!decide(Accel::Tcg, &Ok(())).kvm);
    }
}
