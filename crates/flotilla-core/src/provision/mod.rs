//! Provisioning: make a host's Docker engine listen on TCP with mutual TLS,
//! with the machine's labels and options, installing the engine only when
//! it is missing. Written once against [`Remote`], so the same steps run
//! over SSH and `docker exec`.
//!
//! Every step is idempotent: a second provision writes no file (the
//! contents are compared first) and only restarts the engine. Images and
//! containers survive because the storage driver is changed only when
//! `--engine-storage-driver` asks for it.

pub mod boot2docker;
pub mod daemon;
pub mod os;
pub mod service;
pub mod tls;

use std::time::{Duration, Instant};

use crate::certs;
use crate::engine::{self, EngineAddr};
use crate::remote::{Output, Remote, RemoteError, sh_quote};
use crate::store::{Machine, Store};
use os::{Family, InitSystem, OsRelease};

/// Why provisioning failed; [`ProvisionError::step`] names the step for the machine's
/// recorded error, [`ProvisionError::hint`] what to do.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    /// The runner failed (SSH connection or key, `docker exec`), not a command on the host.
    #[error("{step}: {source}")]
    Remote {
        /// The step that was running.
        step: &'static str,
        /// The runner's error.
        source: RemoteError,
    },
    /// A command on the host failed, or gave an answer flotilla cannot use.
    #[error("{step}: {message}")]
    Step {
        /// The step that was running.
        step: &'static str,
        /// What failed, with the command's error output.
        message: String,
    },
    /// The user is not root and `sudo -n` wants a password: flotilla never prompts.
    #[error("checking sudo: user {user:?} is not root and sudo needs a password ({detail})")]
    SudoPassword {
        /// The remote user.
        user: String,
        /// What `sudo -n true` printed.
        detail: String,
    },
    /// A distribution flotilla cannot install or configure an engine on.
    #[error("detecting the operating system: unsupported operating system {pretty:?} (ID={id})")]
    Unsupported {
        /// The system's `PRETTY_NAME` (or `NAME VERSION_ID`).
        pretty: String,
        /// Its `ID`.
        id: String,
    },
    /// The host's daemon.json is not a JSON object, or an `--engine-opt` conflicts with it.
    #[error("configuring the engine: {0}")]
    Daemon(#[from] daemon::DaemonError),
    /// The engine's server certificate cannot be issued or saved.
    #[error("issuing the server certificate: {0}")]
    Certs(#[from] certs::CertError),
    /// An engine option boot2docker's profile cannot carry.
    #[error("configuring the engine: {0}")]
    Boot2Docker(#[from] boot2docker::ProfileError),
}

impl ProvisionError {
    /// The failing step's name, for the machine's recorded error.
    pub fn step(&self) -> &'static str {
        match self {
            ProvisionError::Remote { step, .. } | ProvisionError::Step { step, .. } => step,
            ProvisionError::SudoPassword { .. } => "checking sudo",
            ProvisionError::Unsupported { .. } => "detecting the operating system",
            ProvisionError::Daemon(_) | ProvisionError::Boot2Docker(_) => "configuring the engine",
            ProvisionError::Certs(_) => "issuing the server certificate",
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            ProvisionError::SudoPassword { user, .. } => Some(format!(
                "allow {user} to run sudo without a password (a NOPASSWD rule), or connect as root"
            )),
            ProvisionError::Unsupported { .. } => Some(
                "supported: Debian/Ubuntu, RHEL/CentOS/Fedora/Rocky/Alma, Alpine, Arch, SUSE, boot2docker; or adopt the engine with `-d none`"
                    .into(),
            ),
            ProvisionError::Remote {
                source: RemoteError::KeyPermissions { path, .. },
                ..
            } => Some(format!("chmod 600 {}", path.display())),
            ProvisionError::Remote {
                source: RemoteError::Connect { .. },
                ..
            } => Some("check the address, port, user and key, and that sshd runs on the host".into()),
            _ => None,
        }
    }
}

/// What provisioning needs to know besides the runner.
pub struct Request<'a> {
    /// The store holding the CA and the machine's certificates.
    pub store: &'a Store,
    /// The record whose engine options are applied.
    pub machine: &'a Machine,
    /// The address the engine will be reached at (its IP is a SAN).
    pub addr: EngineAddr,
    /// Issue a new server certificate even if the current one fits.
    pub new_server_cert: bool,
    /// A container node: no init system, no hostname change.
    pub container: bool,
    /// How long to wait for the engine to answer over TLS.
    pub engine_timeout: Duration,
    /// The port the engine listens on inside the host when `addr`'s port
    /// is a forward to it (see `Driver::engine_listen_port`).
    pub listen_port: Option<u16>,
}

/// What provisioning found and did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// How the host names its system (`PRETTY_NAME`).
    pub os: String,
    /// What starts the engine: `systemd`, `sysv`, `openrc`, `direct` or `boot2docker`.
    pub init: String,
    /// Whether the engine was missing and this run installed it.
    pub installed: bool,
    /// Remote files whose contents changed.
    pub changed: Vec<String>,
    /// The version the engine reported over TLS at the end.
    pub engine_version: String,
}

/// Runs commands as root: directly, or through `sudo -n` (never prompts;
/// a password requirement is reported as such).
pub struct Host<'a> {
    remote: &'a dyn Remote,
    sudo: bool,
}

impl<'a> Host<'a> {
    /// Checks who we are and whether sudo works without a password.
    pub async fn new(remote: &'a dyn Remote) -> Result<Host<'a>, ProvisionError> {
        let step = "checking the user";
        let out = remote
            .run("id -u; id -un")
            .await
            .map_err(|source| ProvisionError::Remote { step, source })?;
        let text = out.stdout_str();
        let mut lines = text.lines();
        let uid = lines.next().unwrap_or("").trim().to_string();
        let user = lines.next().unwrap_or("").trim().to_string();
        if !out.success() || uid.is_empty() {
            return Err(ProvisionError::Step {
                step,
                message: format!("`id -u` failed: {}", out.error_text()),
            });
        }
        if uid == "0" {
            return Ok(Host {
                remote,
                sudo: false,
            });
        }
        let out = remote
            .run("sudo -n true")
            .await
            .map_err(|source| ProvisionError::Remote {
                step: "checking sudo",
                source,
            })?;
        if !out.success() {
            return Err(ProvisionError::SudoPassword {
                user,
                detail: out.error_text(),
            });
        }
        Ok(Host { remote, sudo: true })
    }

    fn wrap(&self, script: &str) -> String {
        if self.sudo {
            format!("sudo -n sh -c {}", sh_quote(script))
        } else {
            script.to_string()
        }
    }

    /// Runs a script as root; a non-zero exit is returned, not an error.
    pub async fn try_sh(&self, step: &'static str, script: &str) -> Result<Output, ProvisionError> {
        tracing::trace!(step, script, "remote command");
        self.remote
            .run(&self.wrap(script))
            .await
            .map_err(|source| ProvisionError::Remote { step, source })
    }

    /// Runs a script as root; a non-zero exit is an error of `step`.
    pub async fn sh(&self, step: &'static str, script: &str) -> Result<Output, ProvisionError> {
        let out = self.try_sh(step, script).await?;
        if !out.success() {
            return Err(ProvisionError::Step {
                step,
                message: format!(
                    "command failed (exit {}): {}",
                    out.code.map(|c| c.to_string()).unwrap_or("signal".into()),
                    out.error_text()
                ),
            });
        }
        Ok(out)
    }

    /// A file's contents; `None` when it does not exist.
    pub async fn read(
        &self,
        step: &'static str,
        path: &str,
    ) -> Result<Option<String>, ProvisionError> {
        let p = sh_quote(path);
        let out = self
            .try_sh(
                step,
                &format!("if [ -e {p} ]; then cat {p}; else exit 3; fi"),
            )
            .await?;
        match out.code {
            Some(0) => Ok(Some(out.stdout_str())),
            Some(3) => Ok(None),
            _ => Err(ProvisionError::Step {
                step,
                message: format!("cannot read {path}: {}", out.error_text()),
            }),
        }
    }

    /// Writes a file (atomically, via a temp file) unless it already has
    /// these contents. Returns whether it changed. No SFTP: the bytes go
    /// through the command's stdin.
    pub async fn write(
        &self,
        step: &'static str,
        path: &str,
        contents: &[u8],
        mode: u32,
    ) -> Result<bool, ProvisionError> {
        if let Some(cur) = self.read(step, path).await?
            && cur.as_bytes() == contents
        {
            return Ok(false);
        }
        let p = sh_quote(path);
        let tmp = sh_quote(&format!("{path}.flotilla-tmp"));
        let dir = sh_quote(
            std::path::Path::new(path)
                .parent()
                .and_then(|d| d.to_str())
                .unwrap_or("/"),
        );
        let script = format!(
            "umask 077 && mkdir -p {dir} && cat > {tmp} && chmod {mode:o} {tmp} && mv -f {tmp} {p}"
        );
        let out = self
            .remote
            .run_with_input(&self.wrap(&script), contents)
            .await
            .map_err(|source| ProvisionError::Remote { step, source })?;
        if !out.success() {
            return Err(ProvisionError::Step {
                step,
                message: format!("cannot write {path}: {}", out.error_text()),
            });
        }
        Ok(true)
    }

    /// Writes a file of any size (a binary): by the runner's own means when it has one, else
    /// through a command's stdin; always to a temp file first, renamed over `path` as root.
    /// Unlike [`Host::write`] it does not read the file back to compare (the caller compares
    /// a digest).
    pub async fn upload(
        &self,
        step: &'static str,
        path: &str,
        contents: &[u8],
        mode: u32,
    ) -> Result<(), ProvisionError> {
        let tmp = format!("{path}.flotilla-tmp");
        let (p, t) = (sh_quote(path), sh_quote(&tmp));
        let dir = sh_quote(
            std::path::Path::new(path)
                .parent()
                .and_then(|d| d.to_str())
                .unwrap_or("/"),
        );
        // A container runner's own upload runs as root, so only the rename needs the shell.
        let direct = if self.sudo {
            None
        } else {
            self.remote.put_file(&tmp, contents, mode).await
        };
        match direct {
            Some(r) => {
                r.map_err(|source| ProvisionError::Remote { step, source })?;
                self.sh(step, &format!("chmod {mode:o} {t} && mv -f {t} {p}"))
                    .await?;
            }
            None => {
                let script = format!(
                    "umask 077 && mkdir -p {dir} && cat > {t} && chmod {mode:o} {t} && mv -f {t} {p}"
                );
                let out = self
                    .remote
                    .run_with_input(&self.wrap(&script), contents)
                    .await
                    .map_err(|source| ProvisionError::Remote { step, source })?;
                if !out.success() {
                    return Err(ProvisionError::Step {
                        step,
                        message: format!("cannot write {path}: {}", out.error_text()),
                    });
                }
            }
        }
        Ok(())
    }

    /// Removes a file or directory as root (`rm -rf`); whether there was one.
    pub async fn remove(&self, step: &'static str, path: &str) -> Result<bool, ProvisionError> {
        let p = sh_quote(path);
        let out = self
            .sh(
                step,
                &format!("if [ -e {p} ]; then rm -rf {p}; echo removed; fi"),
            )
            .await?;
        Ok(out.stdout_str().contains("removed"))
    }
}

/// The detected platform.
#[derive(Debug, Clone)]
pub struct Platform {
    /// The host's `/etc/os-release`.
    pub os: OsRelease,
    /// Which packages and file locations apply.
    pub family: Family,
    /// What starts the engine.
    pub init: InitSystem,
}

/// The host's `/etc/os-release`.
pub async fn os_release(host: &Host<'_>) -> Result<OsRelease, ProvisionError> {
    let step = "detecting the operating system";
    let text = host
        .read(step, "/etc/os-release")
        .await?
        .ok_or(ProvisionError::Step {
            step,
            message: "/etc/os-release is missing".into(),
        })?;
    Ok(OsRelease::parse(&text))
}

/// The package distribution and init system of a host whose os-release
/// is `os` (boot2docker is handled before, by its own provisioner).
pub async fn detect(
    host: &Host<'_>,
    os: OsRelease,
    container: bool,
) -> Result<Platform, ProvisionError> {
    let step = "detecting the operating system";
    let family = os.family().ok_or_else(|| ProvisionError::Unsupported {
        pretty: os.pretty(),
        id: os.id().to_string(),
    })?;
    let init = if container {
        InitSystem::Direct
    } else {
        os::parse_init(&host.sh(step, os::INIT_PROBE).await?.stdout_str())
    };
    Ok(Platform { os, family, init })
}

fn addr_port(a: &EngineAddr) -> u16 {
    match a {
        EngineAddr::Tcp { port, .. } => *port,
        EngineAddr::Unix(_) => engine::DEFAULT_TLS_PORT,
    }
}

/// The port the engine is configured to listen on.
fn listen_port(req: &Request<'_>) -> u16 {
    req.listen_port.unwrap_or_else(|| addr_port(&req.addr))
}

/// Times a step for `--debug`.
struct Timer {
    machine: String,
    at: Instant,
}

impl Timer {
    fn lap(&mut self, step: &str) {
        tracing::debug!(
            machine = %self.machine,
            step,
            ms = self.at.elapsed().as_millis() as u64,
            "step done"
        );
        self.at = Instant::now();
    }
}

/// Provisions a host. `progress` receives one line per step.
pub async fn provision(
    remote: &dyn Remote,
    req: &Request<'_>,
    progress: &(dyn Fn(&str) + Send + Sync),
) -> Result<Report, ProvisionError> {
    let m = req.machine;
    let mut t = Timer {
        machine: m.name.clone(),
        at: Instant::now(),
    };
    let mut report = Report::default();
    let host = Host::new(remote).await?;
    t.lap("checking the user");

    progress("Detecting the operating system...");
    let os = os_release(&host).await?;
    if os.is_boot2docker() {
        report.os = os.pretty();
        t.lap("detecting the operating system");
        return boot2docker::provision(&host, req, report, &mut t, progress).await;
    }
    let p = detect(&host, os, req.container).await?;
    report.os = p.os.pretty();
    report.init = p.init.to_string();
    t.lap("detecting the operating system");
    progress(&format!("Provisioning {} ({})...", report.os, p.init));

    if !req.container {
        set_hostname(&host, &m.name).await?;
        t.lap("setting the hostname");
    }

    report.installed = ensure_engine(&host, &p, m, progress).await?;
    t.lap("installing the engine");

    progress("Copying certificates to the host...");
    let changed = upload_certs(
        &host,
        req,
        [daemon::CA_PEM, daemon::SERVER_PEM, daemon::SERVER_KEY_PEM],
    )
    .await?;
    report.changed.extend(changed);
    t.lap("copying certificates");

    progress("Configuring the engine...");
    let changed = configure(&host, &p, m, listen_port(req), m.driver_name.as_str()).await?;
    report.changed.extend(changed);
    t.lap("configuring the engine");

    progress("Restarting the engine...");
    restart_engine(&host, p.init).await?;
    t.lap("restarting the engine");

    progress("Waiting for the engine to answer over TLS...");
    report.engine_version = wait_tls(&host, &log_command(p.init), req).await?;
    t.lap("waiting for the engine");
    Ok(report)
}

/// Uploads the CA certificate and the machine's server certificate and key
/// to `[ca, cert, key]` on the host (the server certificate is reused while
/// it fits, see [`tls::server_cert`]); returns the paths whose contents
/// changed, so an unchanged certificate is not rewritten.
async fn upload_certs(
    host: &Host<'_>,
    req: &Request<'_>,
    [ca_path, cert_path, key_path]: [&str; 3],
) -> Result<Vec<String>, ProvisionError> {
    let step = "copying certificates";
    let server = tls::server_cert(req.store, req.machine, &req.addr, req.new_server_cert)?;
    let ca =
        std::fs::read(certs::StoreCerts::of(req.store).ca).map_err(|e| ProvisionError::Step {
            step,
            message: format!("cannot read the CA certificate: {e}"),
        })?;
    let mut changed = vec![];
    for (path, bytes, mode) in [
        (ca_path, ca.as_slice(), 0o644),
        (cert_path, server.cert_pem.as_bytes(), 0o644),
        (key_path, server.key_pem.as_bytes(), 0o600),
    ] {
        if host.write(step, path, bytes, mode).await? {
            changed.push(path.to_string());
        }
    }
    Ok(changed)
}

/// Sets the hostname and its `127.0.1.1` line. `/etc/hosts` is rewritten in place, not replaced
/// (`sed -i` renames a new file over it, which fails where it is a bind mount: containers, WSL).
async fn set_hostname(host: &Host<'_>, name: &str) -> Result<(), ProvisionError> {
    let n = sh_quote(name);
    let script = format!(
        "if [ \"$(hostname)\" != {n} ]; then hostname {n} && echo {n} > /etc/hostname; fi; \
         if ! grep -q \"[[:space:]]{name}\\$\" /etc/hosts 2>/dev/null; then \
           if grep -q '^127.0.1.1[[:space:]]' /etc/hosts; then \
             sed 's/^127.0.1.1[[:space:]].*/127.0.1.1 {name}/' /etc/hosts > /etc/hosts.flotilla && \
             cat /etc/hosts.flotilla > /etc/hosts && rm -f /etc/hosts.flotilla; \
           else echo '127.0.1.1 {name}' >> /etc/hosts; fi; fi"
    );
    host.sh("setting the hostname", &script).await?;
    Ok(())
}

/// Installs the engine when `docker` is missing; leaves an installed one
/// alone (docker-machine's generic driver was destructive here).
async fn ensure_engine(
    host: &Host<'_>,
    p: &Platform,
    m: &Machine,
    progress: &(dyn Fn(&str) + Send + Sync),
) -> Result<bool, ProvisionError> {
    let step = "installing the engine";
    let present = host
        .try_sh(
            step,
            "command -v dockerd >/dev/null 2>&1 || command -v docker >/dev/null 2>&1",
        )
        .await?;
    let e = m.engine();
    if present.success() {
        if !e.version.is_empty() {
            tracing::info!(
                "({}) the engine is already installed; --engine-version {} applies to new installs only (see `flotilla upgrade`)",
                m.name,
                e.version
            );
        }
        return Ok(false);
    }
    progress(&format!("Installing the engine from {}...", e.install_url));
    let url = sh_quote(&e.install_url);
    let version = if e.version.is_empty() {
        String::new()
    } else {
        format!(" --version {}", sh_quote(&e.version))
    };
    let script = format!(
        "set -e; f=/tmp/flotilla-install-docker.sh; \
         if command -v curl >/dev/null 2>&1; then curl -fsSL {url} -o $f; \
         elif command -v wget >/dev/null 2>&1; then wget -qO $f {url}; \
         else echo 'neither curl nor wget is installed' >&2; exit 4; fi; \
         sh $f{version}; rm -f $f"
    );
    host.sh(step, &script).await?;
    if p.init == InitSystem::Systemd {
        host.sh(step, "systemctl enable docker >/dev/null 2>&1 || true")
            .await?;
    }
    Ok(true)
}

/// The labels flotilla sets: the user's plus `provider=<driver>`.
pub fn labels(m: &Machine, driver: &str) -> Vec<String> {
    let mut v: Vec<String> = m
        .engine()
        .labels
        .iter()
        .filter(|l| !l.starts_with("provider="))
        .cloned()
        .collect();
    v.push(format!("provider={driver}"));
    v
}

/// Writes daemon.json and the init system's files; returns the changed paths.
async fn configure(
    host: &Host<'_>,
    p: &Platform,
    m: &Machine,
    port: u16,
    driver: &str,
) -> Result<Vec<String>, ProvisionError> {
    let step = "configuring the engine";
    let e = m.engine();
    let desired = daemon::Desired {
        port,
        labels: labels(m, driver),
        insecure_registries: e.insecure_registry.clone(),
        registry_mirrors: e.registry_mirror.clone(),
        storage_driver: (!e.storage_driver.is_empty()).then(|| e.storage_driver.clone()),
    };
    let existing = host.read(step, daemon::DAEMON_JSON).await?;
    let managed = host.read(step, daemon::MANAGED_JSON).await?;
    let (json, record) = daemon::merge(existing.as_deref(), managed.as_deref(), &desired)?;
    daemon::check_opt_conflicts(&json, &e.arbitrary_flags)?;
    let mut changed = vec![];
    let record = serde_json::to_string_pretty(&record).unwrap_or_default() + "\n";
    // The record first: if the daemon.json write fails, the next run still
    // knows what to undo.
    if host
        .write(step, daemon::MANAGED_JSON, record.as_bytes(), 0o644)
        .await?
    {
        changed.push(daemon::MANAGED_JSON.to_string());
    }
    if host
        .write(step, daemon::DAEMON_JSON, json.as_bytes(), 0o644)
        .await?
    {
        changed.push(daemon::DAEMON_JSON.to_string());
    }
    match p.init {
        InitSystem::Systemd => {
            let cat = host
                .try_sh(step, "systemctl cat docker.service 2>/dev/null")
                .await?
                .stdout_str();
            let base = match daemon::unit_exec_start(&cat) {
                Some(b) => b,
                None => {
                    let path = host
                        .sh(step, "command -v dockerd || echo /usr/bin/dockerd")
                        .await?
                        .stdout_str();
                    path.lines()
                        .next()
                        .unwrap_or("/usr/bin/dockerd")
                        .trim()
                        .to_string()
                }
            };
            let dropin = daemon::systemd_dropin(&base, &e.arbitrary_flags, &e.env);
            if host
                .write(step, daemon::SYSTEMD_DROPIN, dropin.as_bytes(), 0o644)
                .await?
            {
                changed.push(daemon::SYSTEMD_DROPIN.to_string());
            }
        }
        InitSystem::SysV | InitSystem::OpenRc => {
            let file = p.family.options_file(p.init);
            let cur = host.read(step, file).await?.unwrap_or_default();
            let block = daemon::options_block(&e.arbitrary_flags, &e.env);
            let next = daemon::replace_block(&cur, block.as_deref());
            if next != cur && host.write(step, file, next.as_bytes(), 0o644).await? {
                changed.push(file.to_string());
            }
        }
        InitSystem::Direct => {
            let script = daemon::direct_script(&e.arbitrary_flags, &e.env);
            if host
                .write(step, daemon::DIRECT_SCRIPT, script.as_bytes(), 0o755)
                .await?
            {
                changed.push(daemon::DIRECT_SCRIPT.to_string());
            }
        }
    }
    Ok(changed)
}

/// The script that (re)starts the engine under an init system.
pub fn restart_script(init: InitSystem) -> String {
    match init {
        InitSystem::Systemd => {
            "systemctl daemon-reload && systemctl enable docker >/dev/null 2>&1; systemctl restart docker".into()
        }
        InitSystem::SysV => "(update-rc.d docker defaults || chkconfig docker on) >/dev/null 2>&1; \
             if command -v service >/dev/null 2>&1; then service docker stop >/dev/null 2>&1; service docker start; \
             else /etc/init.d/docker stop >/dev/null 2>&1; /etc/init.d/docker start; fi"
            .into(),
        InitSystem::OpenRc => {
            "rc-update add docker default >/dev/null 2>&1; rc-service docker restart".into()
        }
        InitSystem::Direct => format!(
            "if [ -f /var/run/docker.pid ]; then pid=$(cat /var/run/docker.pid); kill $pid 2>/dev/null; \
               i=0; while kill -0 $pid 2>/dev/null && [ $i -lt 100 ]; do sleep 0.2; i=$((i+1)); done; fi; \
             if [ -x {s} ]; then (setsid {s} </dev/null >/dev/null 2>&1 &) ; fi",
            s = daemon::DIRECT_SCRIPT
        ),
    }
}

async fn restart_engine(host: &Host<'_>, init: InitSystem) -> Result<(), ProvisionError> {
    host.sh("restarting the engine", &restart_script(init))
        .await?;
    Ok(())
}

/// The last lines of the engine's log, to explain a failed start.
fn log_command(init: InitSystem) -> String {
    match init {
        InitSystem::Systemd => "journalctl -u docker -n 15 --no-pager 2>/dev/null".into(),
        InitSystem::SysV | InitSystem::OpenRc => {
            "tail -n 15 /var/log/docker.log 2>/dev/null".into()
        }
        InitSystem::Direct => format!("tail -n 15 {} 2>/dev/null", daemon::DIRECT_LOG),
    }
}

/// Waits until the engine answers over mutual TLS; on timeout the error
/// carries the tail of the engine's log (`log` prints it).
async fn wait_tls(host: &Host<'_>, log: &str, req: &Request<'_>) -> Result<String, ProvisionError> {
    let step = "waiting for the engine";
    let files = req
        .machine
        .tls_files(req.store.root())
        .map_err(|e| ProvisionError::Step {
            step,
            message: e.to_string(),
        })?;
    let tls = engine::client_tls_config(&files).map_err(|e| ProvisionError::Step {
        step,
        message: e.to_string(),
    })?;
    let deadline = Instant::now() + req.engine_timeout;
    loop {
        match engine::probe(&req.addr, Some(tls.clone()), Duration::from_secs(5)).await {
            Ok(v) => return Ok(v.version),
            Err(e) if Instant::now() >= deadline => {
                let log = host
                    .try_sh(step, log)
                    .await
                    .map(|o| o.stdout_str())
                    .unwrap_or_default();
                let log = log.trim();
                return Err(ProvisionError::Step {
                    step,
                    message: if log.is_empty() {
                        e.to_string()
                    } else {
                        format!("{e}; the engine's log ends with:\n{log}")
                    },
                });
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(300)).await,
        }
    }
}

/// Removes flotilla's engine configuration from a host and restarts the
/// engine with the host's own configuration (`rm --generic-cleanup`).
pub async fn cleanup(remote: &dyn Remote, container: bool) -> Result<Vec<String>, ProvisionError> {
    let host = Host::new(remote).await?;
    let os = os_release(&host).await?;
    if os.is_boot2docker() {
        return boot2docker::cleanup(&host).await;
    }
    let p = detect(&host, os, container).await?;
    let step = "cleaning up the host";
    let mut changed = vec![];
    let existing = host.read(step, daemon::DAEMON_JSON).await?;
    let managed = host.read(step, daemon::MANAGED_JSON).await?;
    if managed.is_some() {
        match daemon::cleaned(existing.as_deref(), managed.as_deref())? {
            Some(json) => {
                if host
                    .write(step, daemon::DAEMON_JSON, json.as_bytes(), 0o644)
                    .await?
                {
                    changed.push(daemon::DAEMON_JSON.to_string());
                }
            }
            None => {
                if host.remove(step, daemon::DAEMON_JSON).await? {
                    changed.push(daemon::DAEMON_JSON.to_string());
                }
            }
        }
    }
    match p.init {
        InitSystem::Systemd => {
            if host.remove(step, daemon::SYSTEMD_DROPIN).await? {
                changed.push(daemon::SYSTEMD_DROPIN.to_string());
            }
        }
        InitSystem::SysV | InitSystem::OpenRc => {
            let file = p.family.options_file(p.init);
            if let Some(cur) = host.read(step, file).await? {
                let next = daemon::replace_block(&cur, None);
                if next != cur && host.write(step, file, next.as_bytes(), 0o644).await? {
                    changed.push(file.to_string());
                }
            }
        }
        InitSystem::Direct => {}
    }
    if host.remove(step, daemon::REMOTE_DIR).await? {
        changed.push(daemon::REMOTE_DIR.to_string());
    }
    if !changed.is_empty() && p.init != InitSystem::Direct {
        host.sh(step, &restart_script(p.init)).await?;
    }
    Ok(changed)
}

/// Upgrades the engine with the host's package manager (the package that
/// owns `dockerd`), then restarts it and waits for TLS.
pub async fn upgrade(
    remote: &dyn Remote,
    req: &Request<'_>,
    progress: &(dyn Fn(&str) + Send + Sync),
) -> Result<String, ProvisionError> {
    let host = Host::new(remote).await?;
    let step = "upgrading the engine";
    let os = os_release(&host).await?;
    if os.is_boot2docker() {
        return Err(ProvisionError::Step {
            step,
            message: "boot2docker's engine comes with its ISO; boot a newer ISO to upgrade it"
                .into(),
        });
    }
    let p = detect(&host, os, req.container).await?;
    let path = host.sh(step, "command -v dockerd").await?.stdout_str();
    let path = path.trim();
    let owner = host
        .sh(step, &p.family.owner_command(path))
        .await?
        .stdout_str();
    let pkg = owner.split_whitespace().next().unwrap_or("").to_string();
    if pkg.is_empty() {
        return Err(ProvisionError::Step {
            step,
            message: format!("no package owns {path}; upgrade it the way it was installed"),
        });
    }
    let pkgs = if pkg == "docker-ce" {
        "docker-ce docker-ce-cli containerd.io".to_string()
    } else {
        pkg
    };
    progress(&format!("Upgrading {pkgs}..."));
    host.sh(step, &p.family.upgrade_command(&pkgs)).await?;
    progress("Restarting the engine...");
    restart_engine(&host, p.init).await?;
    wait_tls(&host, &log_command(p.init), req).await
}
