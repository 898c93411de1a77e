//! The boot2docker provisioner: boot2docker (`ID=boot2docker` in
//! `/etc/os-release`, TinyCore underneath) ships its engine in the ISO, so
//! nothing is installed; the engine is configured the way boot2docker's own
//! init script (`/etc/init.d/docker`) reads it, through docker-machine's
//! profile `/var/lib/boot2docker/profile`, which the script sources before
//! it starts `dockerd $EXTRA_ARGS $DOCKER_HOST --tlsverify --tlscacert=$CACERT
//! --tlscert=$SERVERCERT --tlskey=$SERVERKEY`.
//!
//! Differences from docker-machine, deliberate:
//! - `DOCKER_STORAGE` is written only with `--engine-storage-driver`;
//!   docker-machine always forced one (`overlay2`), which hid the images of
//!   an engine that had used another driver. Without it the init script
//!   keeps the image's default (`auto`).
//! - A value the init script would split or glob (whitespace, `*?[`) in
//!   `EXTRA_ARGS` is refused with a clear error, instead of a profile that
//!   starts the engine with the wrong arguments.
//!
//! The profile is the only file flotilla owns there, so it is written
//! whole (as docker-machine did); a second provision writes the same bytes,
//! which [`Host::write`] then skips.

use super::{Host, ProvisionError, Report, Request, Timer, daemon};
use crate::remote::sh_quote;

/// The profile boot2docker's init script sources.
pub const PROFILE: &str = "/var/lib/boot2docker/profile";
/// Where docker-machine put the certificates on boot2docker (persistent).
pub const CA_PEM: &str = "/var/lib/boot2docker/ca.pem";
/// The engine's server certificate, where docker-machine put it.
pub const SERVER_PEM: &str = "/var/lib/boot2docker/server.pem";
/// The engine's server key.
pub const SERVER_KEY_PEM: &str = "/var/lib/boot2docker/server-key.pem";
/// boot2docker restores the hostname from here at boot.
pub const HOSTNAME_FILE: &str = "/var/lib/boot2docker/etc/hostname";
/// boot2docker's tool that sets the hostname (and `/etc/hosts`).
pub const SETHOSTNAME: &str = "/usr/bin/sethostname";
/// boot2docker's init script: it sources [`PROFILE`] and starts the engine.
pub const INIT_SCRIPT: &str = "/etc/init.d/docker";
/// The init script's log (boot2docker ≥ 18.09).
pub const LOG: &str = "/var/lib/boot2docker/log/docker.log";

/// What the profile holds: the machine's engine options, plain data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    /// The TCP port the engine listens on, with TLS.
    pub port: u16,
    /// `k=v` labels, `provider=<driver>` included.
    pub labels: Vec<String>,
    /// `--engine-insecure-registry` values.
    pub insecure_registries: Vec<String>,
    /// `--engine-registry-mirror` values.
    pub registry_mirrors: Vec<String>,
    /// `--engine-opt` values (`flag=value`).
    pub engine_opts: Vec<String>,
    /// `--engine-env` values (`K=V`).
    pub env: Vec<String>,
    /// `--engine-storage-driver`; `None` keeps boot2docker's default.
    pub storage_driver: Option<String>,
}

/// An engine option boot2docker's profile cannot carry.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ProfileError {
    /// A value the init script would split or glob (whitespace, `*?[`), or an empty one.
    #[error(
        "{what} {value:?} cannot go into boot2docker's EXTRA_ARGS: its init script splits and globs them (no whitespace or *?[)"
    )]
    Unsplittable {
        /// The option it came from (`--engine-label`, `--engine-opt`…).
        what: &'static str,
        /// The value as given.
        value: String,
    },
    /// A storage driver name with characters other than letters, digits and `-_.`.
    #[error("--engine-storage-driver {0:?} is not a storage driver name")]
    StorageDriver(String),
}

/// A word of `EXTRA_ARGS`, checked: the init script expands it unquoted.
fn word(what: &'static str, value: &str) -> Result<String, ProfileError> {
    if value.is_empty()
        || value
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '*' | '?' | '['))
    {
        return Err(ProfileError::Unsplittable {
            what,
            value: value.to_string(),
        });
    }
    // Inside the profile's single quotes; a quote survives as itself.
    Ok(value.replace('\'', r"'\''"))
}

/// Renders `/var/lib/boot2docker/profile` in docker-machine's format: one
/// daemon argument per line of `EXTRA_ARGS`, then the TLS files, the listen
/// address and `export "K=V"` per `--engine-env`.
pub fn render(p: &Profile) -> Result<String, ProfileError> {
    let mut s = String::from(
        "# managed by flotilla (docker-machine's boot2docker profile); rewritten by every provision\nEXTRA_ARGS='\n",
    );
    for (flag, what, values) in [
        ("--label", "--engine-label", &p.labels),
        (
            "--insecure-registry",
            "--engine-insecure-registry",
            &p.insecure_registries,
        ),
        (
            "--registry-mirror",
            "--engine-registry-mirror",
            &p.registry_mirrors,
        ),
    ] {
        for v in values {
            s.push_str(&format!("{flag} {}\n", word(what, v)?));
        }
    }
    for f in daemon::opt_flags(&p.engine_opts) {
        s.push_str(&word("--engine-opt", &f)?);
        s.push('\n');
    }
    s.push_str("'\n");
    s.push_str(&format!("CACERT={CA_PEM}\n"));
    s.push_str(&format!("DOCKER_HOST='-H tcp://0.0.0.0:{}'\n", p.port));
    if let Some(sd) = &p.storage_driver {
        if sd.is_empty()
            || !sd
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(ProfileError::StorageDriver(sd.clone()));
        }
        s.push_str(&format!("DOCKER_STORAGE={sd}\n"));
    }
    s.push_str("DOCKER_TLS=auto\n");
    s.push_str(&format!("SERVERKEY={SERVER_KEY_PEM}\n"));
    s.push_str(&format!("SERVERCERT={SERVER_PEM}\n"));
    if !p.env.is_empty() {
        s.push('\n');
        for e in &p.env {
            s.push_str(&format!("export {}\n", daemon::dq(e)));
        }
    }
    Ok(s)
}

/// The profile for a machine.
pub fn profile_for(m: &crate::store::Machine, port: u16, driver: &str) -> Profile {
    let e = m.engine();
    Profile {
        port,
        labels: super::labels(m, driver),
        insecure_registries: e.insecure_registry.clone(),
        registry_mirrors: e.registry_mirror.clone(),
        engine_opts: e.arbitrary_flags.clone(),
        env: e.env.clone(),
        storage_driver: (!e.storage_driver.is_empty()).then(|| e.storage_driver.clone()),
    }
}

/// The boot2docker flow (docker-machine's `Boot2DockerProvisioner`):
/// hostname, certificates, profile, restart, wait for TLS.
pub(super) async fn provision(
    host: &Host<'_>,
    req: &Request<'_>,
    mut report: Report,
    t: &mut Timer,
    progress: &(dyn Fn(&str) + Send + Sync),
) -> Result<Report, ProvisionError> {
    let m = req.machine;
    report.init = "boot2docker".into();
    progress(&format!("Provisioning {} (boot2docker)...", report.os));

    if !req.container {
        if set_hostname(host, &m.name).await? {
            report.changed.push(HOSTNAME_FILE.to_string());
        }
        t.lap("setting the hostname");
    }

    progress("Copying certificates to the host...");
    let changed = super::upload_certs(host, req, [CA_PEM, SERVER_PEM, SERVER_KEY_PEM]).await?;
    report.changed.extend(changed);
    t.lap("copying certificates");

    progress("Configuring the engine...");
    let text = render(&profile_for(
        m,
        super::listen_port(req),
        m.driver_name.as_str(),
    ))?;
    if host
        .write("configuring the engine", PROFILE, text.as_bytes(), 0o644)
        .await?
    {
        report.changed.push(PROFILE.to_string());
    }
    t.lap("configuring the engine");

    progress("Restarting the engine...");
    host.sh("restarting the engine", &restart_script()).await?;
    t.lap("restarting the engine");

    progress("Waiting for the engine to answer over TLS...");
    report.engine_version = super::wait_tls(host, &log_command(), req).await?;
    t.lap("waiting for the engine");
    Ok(report)
}

/// Sets the hostname with boot2docker's tool and records it where
/// boot2docker restores it from at boot. Returns whether the file changed.
async fn set_hostname(host: &Host<'_>, name: &str) -> Result<bool, ProvisionError> {
    let step = "setting the hostname";
    let n = sh_quote(name);
    host.sh(
        step,
        &format!("if [ \"$(hostname)\" != {n} ]; then {SETHOSTNAME} {n}; fi"),
    )
    .await?;
    host.write(step, HOSTNAME_FILE, format!("{name}\n").as_bytes(), 0o644)
        .await
}

/// docker-machine's `sudo /etc/init.d/docker restart`. Its stdin is
/// detached so the daemon it backgrounds does not hold the session open.
pub fn restart_script() -> String {
    format!("{INIT_SCRIPT} restart </dev/null")
}

fn log_command() -> String {
    format!("tail -n 15 {LOG} 2>/dev/null")
}

/// Removes flotilla's profile and certificates (`rm --generic-cleanup`);
/// boot2docker then starts its engine with its own defaults again.
pub(super) async fn cleanup(host: &Host<'_>) -> Result<Vec<String>, ProvisionError> {
    let step = "cleaning up the host";
    let mut changed = vec![];
    for path in [PROFILE, CA_PEM, SERVER_PEM, SERVER_KEY_PEM] {
        if host.remove(step, path).await? {
            changed.push(path.to_string());
        }
    }
    if !changed.is_empty() {
        host.sh(step, &restart_script()).await?;
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provision::os::OsRelease;

    /// boot2docker v19.03.12's `/etc/os-release`, as its Dockerfile writes it.
    pub const OS_RELEASE: &str = r#"NAME=Boot2Docker
VERSION=19.03.12
ID=boot2docker
ID_LIKE=tcl
VERSION_ID=19.03.12
PRETTY_NAME="Boot2Docker 19.03.12 (TCL 10.1)"
ANSI_COLOR="1;34"
HOME_URL="https://github.com/boot2docker/boot2docker"
SUPPORT_URL="https://blog.docker.com/2016/11/introducing-docker-community-directory-docker-community-slack/"
BUG_REPORT_URL="https://github.com/boot2docker/boot2docker/issues"
"#;

    #[test]
    fn detects_boot2docker() {
        let o = OsRelease::parse(OS_RELEASE);
        assert!(o.is_boot2docker());
        assert_eq!(o.pretty(), "Boot2Docker 19.03.12 (TCL 10.1)");
        // Not a package distribution: none of the distro provisioners.
        assert_eq!(o.family(), None);
        assert!(OsRelease::parse("ID=\"boot2docker\"").is_boot2docker());
        for other in ["ID=debian", "ID=tcl", "ID_LIKE=boot2docker", ""] {
            assert!(!OsRelease::parse(other).is_boot2docker(), "{other}");
        }
    }

    fn representative() -> Profile {
        Profile {
            port: 2376,
            labels: vec!["env=b2d".into(), "provider=virtualbox".into()],
            insecure_registries: vec!["10.0.0.1:5000".into()],
            registry_mirrors: vec!["https://mirror.example".into()],
            engine_opts: vec!["log-level=warn".into(), "--ipv6".into()],
            env: vec![
                "HTTP_PROXY=http://proxy:3128".into(),
                "GREETING=hello \"big\" world $HOME".into(),
            ],
            storage_driver: None,
        }
    }

    #[test]
    fn renders_docker_machines_profile() {
        assert_eq!(
            render(&representative()).unwrap(),
            r#"# managed by flotilla (docker-machine's boot2docker profile); rewritten by every provision
EXTRA_ARGS='
--label env=b2d
--label provider=virtualbox
--insecure-registry 10.0.0.1:5000
--registry-mirror https://mirror.example
--log-level=warn
--ipv6
'
CACERT=/var/lib/boot2docker/ca.pem
DOCKER_HOST='-H tcp://0.0.0.0:2376'
DOCKER_TLS=auto
SERVERKEY=/var/lib/boot2docker/server-key.pem
SERVERCERT=/var/lib/boot2docker/server.pem

export "HTTP_PROXY=http://proxy:3128"
export "GREETING=hello \"big\" world \$HOME"
"#
        );
    }

    #[test]
    fn storage_driver_only_when_asked() {
        let mut p = representative();
        assert!(!render(&p).unwrap().contains("DOCKER_STORAGE"));
        p.storage_driver = Some("overlay2".into());
        p.port = 2377;
        let s = render(&p).unwrap();
        assert!(
            s.contains(
                "DOCKER_HOST='-H tcp://0.0.0.0:2377'\nDOCKER_STORAGE=overlay2\nDOCKER_TLS=auto\n"
            ),
            "{s}"
        );
        p.storage_driver = Some("overlay2; reboot".into());
        assert_eq!(
            render(&p),
            Err(ProfileError::StorageDriver("overlay2; reboot".into()))
        );
    }

    #[test]
    fn minimal_profile_has_no_exports() {
        let p = Profile {
            port: 2376,
            labels: vec!["provider=generic".into()],
            ..Profile::default()
        };
        assert_eq!(
            render(&p).unwrap(),
            "# managed by flotilla (docker-machine's boot2docker profile); rewritten by every provision\nEXTRA_ARGS='\n--label provider=generic\n'\nCACERT=/var/lib/boot2docker/ca.pem\nDOCKER_HOST='-H tcp://0.0.0.0:2376'\nDOCKER_TLS=auto\nSERVERKEY=/var/lib/boot2docker/server-key.pem\nSERVERCERT=/var/lib/boot2docker/server.pem\n"
        );
    }

    #[test]
    fn refuses_what_the_init_script_would_split() {
        let mut p = representative();
        p.labels.push("team=a b".into());
        assert_eq!(
            render(&p),
            Err(ProfileError::Unsplittable {
                what: "--engine-label",
                value: "team=a b".into()
            })
        );
        let mut p = representative();
        p.engine_opts = vec!["dns-search=*.example".into()];
        assert!(matches!(
            render(&p),
            Err(ProfileError::Unsplittable {
                what: "--engine-opt",
                ..
            })
        ));
        // A single quote is kept, escaped for the profile's quotes.
        let mut p = representative();
        p.labels = vec!["owner=o'neil".into()];
        assert!(render(&p).unwrap().contains("--label owner=o'\\''neil\n"));
    }

    #[test]
    fn the_profile_is_valid_shell_that_yields_the_values() {
        // Source the rendered profile in a real sh and read the values back.
        let text = render(&representative()).unwrap();
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "{text}\nprintf '%s|' \"$EXTRA_ARGS\" \"$DOCKER_HOST\" \"$CACERT\" \"$GREETING\" \"$HTTP_PROXY\""
            ))
            .env("HOME", "/home/x")
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "\n--label env=b2d\n--label provider=virtualbox\n--insecure-registry 10.0.0.1:5000\n--registry-mirror https://mirror.example\n--log-level=warn\n--ipv6\n|-H tcp://0.0.0.0:2376|/var/lib/boot2docker/ca.pem|hello \"big\" world $HOME|http://proxy:3128|"
        );
    }
}
