//! The swarm master's own services: `flotilla manage` (and, for a cluster file's proxy, the
//! `flotilla proxy` watcher) installed on the master host and run by its init system, as
//! classic `docker-machine create --swarm-master` started the Swarm manager there.
//!
//! What reaches the host is only what the services need (see [`crate::provision::service`]
//! for the layout): this binary (after checking the host's architecture, and that it runs
//! there), the CA certificate without its key, the client certificate the members accept, the
//! manager's server certificate issued here from the CA, and one record per member (its
//! engine URL, labels and the certificates it is reached with). Members change when machines
//! are created or removed: [`sync_members`] rewrites the master's copy, and the manager reads
//! it per request, as a manager on this machine reads the local store.
//!
//! A marker in the master's machine directory (`manager.json`) says what was deployed, so `rm`
//! knows to stop it and `provision` upgrades it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::certs::{self, StoreCerts};
use crate::driver::handle::{self, MachineError, MachineHandle};
use crate::engine::EngineAddr;
use crate::provision::os::InitSystem;
use crate::provision::service::{self, MANAGER_CERT, MANAGER_KEY, REMOTE_BINARY, REMOTE_STORE};
use crate::provision::{self, Host, ProvisionError};
use crate::remote::{Remote, sh_quote};
use crate::store::{self, Machine, Store};

/// The manager's service name on the host.
pub const MANAGER_SERVICE: &str = "flotilla-manager";
/// The proxy watcher's service name on the host.
pub const PROXY_SERVICE: &str = "flotilla-proxy";
const MARKER: &str = "manager.json";
/// How long a (re)started manager may take to answer.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a master's services could not be deployed, synced, removed or asked.
#[derive(Debug, thiserror::Error)]
pub enum MasterError {
    /// The master's record, driver or engine address.
    #[error(transparent)]
    Machine(#[from] MachineError),
    /// Reaching the host, or a step run on it.
    #[error("machine {machine:?}: {source}")]
    Provision {
        /// The master.
        machine: String,
        /// The step and its cause.
        source: ProvisionError,
    },
    /// Anything else: not a master, no etcd store for election, a binary that cannot be read
    /// or does not run there, a manager that does not answer.
    #[error("machine {machine:?}: {message}")]
    Other {
        /// The master.
        machine: String,
        /// What went wrong.
        message: String,
    },
}

impl MasterError {
    fn other(machine: &str, message: impl Into<String>) -> Self {
        MasterError::Other {
            machine: machine.to_string(),
            message: message.into(),
        }
    }
}

/// The proxy watcher a cluster file asks for, run next to the manager.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProxyService {
    /// The machine whose engine runs the nginx container.
    pub node: String,
    /// The port the node publishes for nginx's HTTP (`--listen`).
    pub http_port: u16,
    /// The port the node publishes for nginx's HTTPS (`--listen-https`); 0: none.
    pub https_port: u16,
    /// The nginx image of the data plane container (`--proxy-image`).
    pub image: String,
    /// The virtual host that answers requests for unknown hosts, as nginx-proxy's
    /// `DEFAULT_HOST`; `None`: they get a 503.
    pub default_host: Option<String>,
    /// The data plane container's name.
    pub container: String,
}

/// What was deployed on a master, kept in its machine directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployed {
    /// The host's init system, as detected at deploy time (how the services are run and
    /// removed).
    pub init: String,
    /// SHA-256 of the uploaded binary, hex.
    pub binary_sha256: String,
    /// Where the manager answers.
    pub url: String,
    /// The proxy watcher deployed next to the manager; `None`: none.
    #[serde(default)]
    pub proxy: Option<ProxyService>,
}

impl Deployed {
    /// The master's marker; `None` when flotilla deployed nothing there (or the marker cannot
    /// be read).
    pub fn read(store: &Store, master: &str) -> Option<Deployed> {
        let text = std::fs::read(store.machine_dir(master).join(MARKER)).ok()?;
        serde_json::from_slice(&text).ok()
    }

    fn write(&self, store: &Store, master: &str) -> Result<(), MasterError> {
        let text = serde_json::to_vec_pretty(self).unwrap_or_default();
        store::write_atomic(&store.machine_dir(master).join(MARKER), &text, 0o600)
            .map_err(|e| MasterError::other(master, format!("cannot record the deployment: {e}")))
    }

    fn init(&self) -> InitSystem {
        provision::os::parse_init(&self.init)
    }
}

/// What a deploy did.
#[derive(Debug, Clone, Default)]
pub struct DeployReport {
    /// Where the manager answers: the master's engine address with the `--swarm-host` port
    /// (`tcp://IP:3376` by default).
    pub url: String,
    /// The binary was uploaded (new or different).
    pub uploaded: bool,
    /// Files written on the host.
    pub changed: Vec<String>,
    /// The services were restarted.
    pub restarted: bool,
}

/// The binary to install on masters: `FLOTILLA_MANAGER_BINARY` (a build for another
/// architecture), else this very executable.
pub fn local_binary() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("FLOTILLA_MANAGER_BINARY").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))
}

/// SHA-256 of a binary file, hex; computed once per process and path.
pub fn binary_digest(path: &Path) -> Result<String, String> {
    static CACHE: std::sync::Mutex<Option<(PathBuf, String)>> = std::sync::Mutex::new(None);
    if let Ok(c) = CACHE.lock()
        && let Some((p, d)) = c.as_ref()
        && p == path
    {
        return Ok(d.clone());
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let d = sha256_hex(&bytes);
    if let Ok(mut c) = CACHE.lock() {
        *c = Some((path.to_path_buf(), d.clone()));
    }
    Ok(d)
}

fn sha256_hex(bytes: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, bytes);
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// A connected runner on a machine, with root.
struct Connected {
    remote: Box<dyn Remote>,
    container: bool,
}

async fn connect(loaded: &MachineHandle) -> Result<Connected, MasterError> {
    let name = &loaded.machine.name;
    let target = loaded
        .driver
        .remote()
        .await
        .map_err(|source| MachineError::Driver {
            machine: name.clone(),
            source,
        })?;
    let remote = super::connect_remote(&target, loaded.driver.boot_timeout())
        .await
        .map_err(|source| MasterError::Provision {
            machine: name.clone(),
            source: ProvisionError::Remote {
                step: "connecting to the host",
                source,
            },
        })?;
    Ok(Connected {
        remote,
        container: target.is_container(),
    })
}

fn prov(machine: &str) -> impl Fn(ProvisionError) -> MasterError + '_ {
    move |source| MasterError::Provision {
        machine: machine.to_string(),
        source,
    }
}

/// How a master's manager takes part in leader election (classic's `--replication`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replication {
    /// The swarm's only manager: it decides alone.
    Alone,
    /// One of several managers (several masters, or `--swarm-opt replication`): elected
    /// through etcd, advertised to the others at this `IP:PORT`.
    Elected {
        /// `IP:PORT`: `--swarm-opt advertise=…`, else the master's IP and manager port.
        advertise: String,
    },
}

/// Whether `m`'s manager is elected (pure): when the swarm has other masters in the store, or
/// its options ask for it. Election needs an etcd store: the discovery when it is `etcd://`, or
/// `--swarm-opt replication-store=etcd://…`; without one several masters are refused, since
/// two managers deciding alone would place containers twice.
pub fn replication(m: &Machine, other_masters: &[&str], ip: &str) -> Result<Replication, String> {
    let s = m.swarm();
    let asked = s.opt("replication").is_some();
    if other_masters.is_empty() && !asked {
        return Ok(Replication::Alone);
    }
    if s.election_store().is_none() {
        let why = if other_masters.is_empty() {
            "--swarm-opt replication".to_string()
        } else {
            format!("several masters (also {})", other_masters.join(", "))
        };
        return Err(format!(
            "{why} need leader election through etcd: use an etcd:// discovery or --swarm-opt replication-store=etcd://HOST:PORT/PATH"
        ));
    }
    let advertise = match s.opt("advertise").filter(|a| !a.is_empty()) {
        Some(a) => a.to_string(),
        None => format!("{ip}:{}", s.host_port()),
    };
    Ok(Replication::Elected { advertise })
}

/// The manager's arguments on the host.
fn manager_service(m: &Machine, listen: &str, replication: &Replication) -> service::Service {
    let s = m.swarm();
    let mut args: Vec<String> = vec![
        "-s".into(),
        REMOTE_STORE.into(),
        "manage".into(),
        "--swarm".into(),
        s.discovery.clone(),
        "-H".into(),
        listen.to_string(),
        "--tls-cert".into(),
        MANAGER_CERT.into(),
        "--tls-key".into(),
        MANAGER_KEY.into(),
    ];
    // `--swarm-opt k=v` → `--k=v`, as docker-machine passed them to `swarm manage`.
    for (k, v) in s.opts().filter(|(k, _)| !k.is_empty()) {
        args.push(match v {
            Some(v) => format!("--{k}={v}"),
            None => format!("--{k}"),
        });
    }
    if let Replication::Elected { advertise } = replication {
        if s.opt("replication").is_none() {
            args.push("--replication".into());
        }
        if s.opt("advertise").is_none() {
            args.push(format!("--advertise={advertise}"));
        }
    }
    service::Service {
        name: MANAGER_SERVICE.into(),
        description: format!("flotilla swarm manager ({})", s.discovery),
        args,
    }
}

fn proxy_service(m: &Machine, p: &ProxyService) -> service::Service {
    let mut args: Vec<String> = vec![
        "-s".into(),
        REMOTE_STORE.into(),
        "--no-progress".into(),
        "proxy".into(),
        "--swarm".into(),
        m.swarm().discovery.clone(),
        "--node".into(),
        p.node.clone(),
        "--listen".into(),
        p.http_port.to_string(),
        "--listen-https".into(),
        p.https_port.to_string(),
        "--proxy-image".into(),
        p.image.clone(),
        "--proxy-name".into(),
        p.container.clone(),
        "--conf-dir".into(),
        format!("{REMOTE_STORE}/proxy"),
    ];
    if let Some(h) = &p.default_host {
        args.push("--default-host".into());
        args.push(h.clone());
    }
    service::Service {
        name: PROXY_SERVICE.into(),
        description: format!("flotilla proxy watcher ({})", m.swarm().discovery),
        args,
    }
}

/// Where the manager listens on the host: `--swarm-host`, with the port only (it listens on
/// every interface of the host, as classic Swarm's `0.0.0.0:3376`).
fn listen_url(m: &Machine) -> String {
    let h = &m.swarm().host;
    if h.is_empty() {
        "tcp://0.0.0.0:3376".into()
    } else {
        h.clone()
    }
}

/// The members' records as the master keeps them: the local record with the `none` driver and
/// its engine URL, reached with its own certificates (copied next to it).
async fn member_records(store: &Store, discovery: &str) -> Vec<(Machine, EngineAddr)> {
    let mut out = Vec::new();
    let Ok(names) = store.list_names() else {
        return out;
    };
    for n in names {
        let Ok(m) = store.load(&n) else { continue };
        if m.swarm().discovery != discovery || m.error.is_some() {
            continue;
        }
        let Ok(loaded) = handle::with_driver(store, m.clone()) else {
            continue;
        };
        match loaded.addr().await {
            Ok(addr @ EngineAddr::Tcp { .. }) => out.push((m, addr)),
            Ok(EngineAddr::Unix(_)) => tracing::warn!(
                "{n}: a unix-socket engine cannot be reached from the master; its manager leaves it out"
            ),
            Err(e) => tracing::warn!("{n}: not synced to the master: {e}"),
        }
    }
    out
}

fn mirror_record(m: &Machine, addr: &EngineAddr) -> Machine {
    let mut r = Machine::new(&m.name, "none");
    r.driver = serde_json::json!({
        "URL": addr.to_string(),
        "IPAddress": addr.host().unwrap_or_default(),
        "MachineName": m.name,
    });
    r.host_options.engine_options.labels = m.engine().labels.clone();
    r.host_options.swarm_options = m.swarm().clone();
    r.created_at = m.created_at.clone();
    r
}

/// Writes the members' records and certificates on the master and removes the records of
/// machines that left. Returns the paths that changed.
async fn write_members(
    host: &Host<'_>,
    store: &Store,
    discovery: &str,
) -> Result<Vec<String>, ProvisionError> {
    let step = "copying the members to the master";
    let members = member_records(store, discovery).await;
    let mut changed = Vec::new();
    for (m, addr) in &members {
        let dir = format!("{REMOTE_STORE}/machines/{}", m.name);
        let rec = mirror_record(m, addr);
        let json = serde_json::to_string_pretty(&rec).unwrap_or_default() + "\n";
        let files = m
            .tls_files(store.root())
            .map_err(|e| ProvisionError::Step {
                step,
                message: e.to_string(),
            })?;
        let read = |p: &Path| {
            std::fs::read(p).map_err(|e| ProvisionError::Step {
                step,
                message: format!("{}: {e}", p.display()),
            })
        };
        for (name, bytes, mode) in [
            ("ca.pem", read(&files.ca)?, 0o644),
            ("cert.pem", read(&files.cert)?, 0o644),
            ("key.pem", read(&files.key)?, 0o600),
            ("config.json", json.into_bytes(), 0o600),
        ] {
            let path = format!("{dir}/{name}");
            if host.write(step, &path, &bytes, mode).await? {
                changed.push(path);
            }
        }
    }
    // Records of machines that are no longer members.
    let keep: Vec<String> = members.iter().map(|(m, _)| sh_quote(&m.name)).collect();
    let script = format!(
        "cd {REMOTE_STORE}/machines 2>/dev/null || exit 0; for d in *; do [ -d \"$d\" ] || continue; \
         case \" {} \" in *\" $d \"*) ;; *) rm -rf \"./$d\"; echo \"$d\";; esac; done",
        keep.join(" ")
    );
    let out = host.sh(step, &script).await?;
    for gone in out.stdout_str().lines().filter(|l| !l.is_empty()) {
        changed.push(format!("{REMOTE_STORE}/machines/{gone} (removed)"));
    }
    Ok(changed)
}

/// The manager's server certificate: the one kept in the master's machine directory while it
/// still fits the names, else a new one from the store's CA.
fn manager_cert(
    store: &Store,
    m: &Machine,
    addr: &EngineAddr,
) -> Result<certs::ServerCert, MasterError> {
    let mut sans: Vec<String> = vec!["127.0.0.1".into(), "localhost".into()];
    if let Some(h) = addr.host() {
        sans.push(h.to_string());
    }
    sans.extend(m.host_options.auth_options.server_cert_sans.iter().cloned());
    let mut seen = std::collections::BTreeSet::new();
    sans.retain(|s| !s.trim().is_empty() && seen.insert(s.trim().to_string()));
    let dir = store.machine_dir(&m.name);
    let (cert_path, key_path) = (dir.join("manager.pem"), dir.join("manager-key.pem"));
    let ca = std::fs::read(StoreCerts::of(store).ca).unwrap_or_default();
    if let (Ok(cert), Ok(key)) = (
        std::fs::read(&cert_path),
        std::fs::read_to_string(&key_path),
    ) && provision::tls::reusable(&cert, &ca, &sans)
    {
        return Ok(certs::ServerCert {
            cert_pem: String::from_utf8_lossy(&cert).into_owned(),
            key_pem: key,
        });
    }
    let fail = |e: String| MasterError::other(&m.name, format!("the manager's certificate: {e}"));
    let issued =
        certs::issue_server(store, "manager", &sans, false).map_err(|e| fail(e.to_string()))?;
    store::write_atomic(&key_path, issued.key_pem.as_bytes(), 0o600)
        .map_err(|e| fail(e.to_string()))?;
    store::write_atomic(&cert_path, issued.cert_pem.as_bytes(), 0o644)
        .map_err(|e| fail(e.to_string()))?;
    Ok(issued)
}

/// Checks the host can run `binary` and uploads it unless the same bytes are there.
async fn install_binary(
    host: &Host<'_>,
    machine: &str,
    binary: &[u8],
    sha: &str,
) -> Result<bool, MasterError> {
    let step = "installing flotilla on the master";
    let local_arch = service::elf_arch(binary).ok_or_else(|| {
        MasterError::other(
            machine,
            format!("{step}: the flotilla binary is not a Linux executable (set FLOTILLA_MANAGER_BINARY to one)"),
        )
    })?;
    let uname = host
        .sh(step, "uname -m")
        .await
        .map_err(prov(machine))?
        .stdout_str();
    if !service::uname_matches(local_arch, &uname) {
        return Err(MasterError::other(
            machine,
            format!(
                "{step}: the host is {} but this flotilla binary is built for {local_arch}; set FLOTILLA_MANAGER_BINARY to a flotilla built for the host",
                uname.trim()
            ),
        ));
    }
    let there = host
        .try_sh(
            step,
            &format!("sha256sum {REMOTE_BINARY} 2>/dev/null | cut -d' ' -f1"),
        )
        .await
        .map_err(prov(machine))?
        .stdout_str();
    let uploaded = there.trim() != sha;
    if uploaded {
        host.upload(step, REMOTE_BINARY, binary, 0o755)
            .await
            .map_err(prov(machine))?;
    }
    let ran = host
        .try_sh(step, &format!("{REMOTE_BINARY} --version"))
        .await
        .map_err(prov(machine))?;
    if !ran.success() {
        return Err(MasterError::other(
            machine,
            format!(
                "{step}: the host cannot run this flotilla binary ({}); set FLOTILLA_MANAGER_BINARY to a build for the host (a static one for a musl system)",
                ran.error_text()
            ),
        ));
    }
    Ok(uploaded)
}

/// Waits until the manager answers at `addr` with the master's certificates; on timeout the
/// error carries the service's log.
async fn wait_answer(
    host: &Host<'_>,
    store: &Store,
    loaded: &MachineHandle,
    addr: &EngineAddr,
    log: &str,
) -> Result<String, MasterError> {
    let name = &loaded.machine.name;
    let deadline = Instant::now() + ANSWER_TIMEOUT;
    loop {
        match loaded.probe(store, addr, Duration::from_secs(3)).await {
            Ok(v) => return Ok(v.version),
            Err(e) if Instant::now() >= deadline => {
                let log = host
                    .try_sh("reading the manager's log", log)
                    .await
                    .map(|o| o.stdout_str())
                    .unwrap_or_default();
                let log = log.trim();
                return Err(MasterError::other(
                    name,
                    if log.is_empty() {
                        format!("the manager does not answer: {e}")
                    } else {
                        format!("the manager does not answer: {e}; its log ends with:\n{log}")
                    },
                ));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// Installs (or upgrades) and starts the manager on a swarm master, plus the proxy watcher
/// when `proxy` is given (`Some(None)` removes it, `None` keeps what is there). Idempotent: a
/// second run uploads and restarts nothing when nothing changed.
pub async fn deploy(
    store: &Store,
    master: &str,
    proxy: Option<Option<ProxyService>>,
    progress: &(dyn Fn(&str) + Send + Sync),
) -> Result<DeployReport, MasterError> {
    let loaded = handle::load(store, master)?;
    let m = loaded.machine.clone();
    if !m.swarm().master {
        return Err(MasterError::other(master, "not a swarm master"));
    }
    let binary_path = local_binary().map_err(|e| MasterError::other(master, e))?;
    let binary = std::fs::read(&binary_path).map_err(|e| {
        MasterError::other(
            master,
            format!("cannot read {}: {e}", binary_path.display()),
        )
    })?;
    let sha = sha256_hex(&binary);
    let engine_addr = loaded.addr().await?;
    let url = engine_addr.with_port(m.swarm().host_port());
    let others = other_masters(store, &m);
    let others: Vec<&str> = others.iter().map(String::as_str).collect();
    let replication = replication(&m, &others, engine_addr.host().unwrap_or_default())
        .map_err(|e| MasterError::other(master, e))?;
    let previous = Deployed::read(store, master);
    let proxy = match proxy {
        Some(p) => p,
        None => previous.as_ref().and_then(|d| d.proxy.clone()),
    };

    progress("Connecting to the master...");
    let c = connect(&loaded).await?;
    let result = async {
        let host = Host::new(c.remote.as_ref()).await.map_err(prov(master))?;
        let os = provision::os_release(&host).await.map_err(prov(master))?;
        if os.is_boot2docker() {
            return Err(MasterError::other(
                master,
                "boot2docker keeps only /var/lib/boot2docker across reboots; run `flotilla manage` on another host for this swarm",
            ));
        }
        let platform = provision::detect(&host, os, c.container).await.map_err(prov(master))?;
        let init = platform.init;
        let mut report = DeployReport {
            url: url.to_string(),
            ..Default::default()
        };
        progress("Installing flotilla on the master...");
        report.uploaded = install_binary(&host, master, &binary, &sha).await?;

        progress("Copying the manager's certificates...");
        let step = "copying the manager's certificates";
        let sc = StoreCerts::of(store);
        let server = manager_cert(store, &m, &engine_addr)?;
        let read = |p: &Path| {
            std::fs::read(p).map_err(|e| MasterError::other(master, format!("{step}: {}: {e}", p.display())))
        };
        for (path, bytes, mode) in [
            (format!("{REMOTE_STORE}/certs/ca.pem"), read(&sc.ca)?, 0o644),
            (format!("{REMOTE_STORE}/certs/cert.pem"), read(&sc.cert)?, 0o644),
            (format!("{REMOTE_STORE}/certs/key.pem"), read(&sc.key)?, 0o600),
            (MANAGER_CERT.to_string(), server.cert_pem.into_bytes(), 0o644),
            (MANAGER_KEY.to_string(), server.key_pem.into_bytes(), 0o600),
        ] {
            if host.write(step, &path, &bytes, mode).await.map_err(prov(master))? {
                report.changed.push(path);
            }
        }
        progress("Copying the swarm's members...");
        report.changed.extend(
            write_members(&host, store, &m.swarm().discovery)
                .await
                .map_err(prov(master))?,
        );

        let mut services = vec![manager_service(&m, &listen_url(&m), &replication)];
        if let Some(p) = &proxy {
            services.push(proxy_service(&m, p));
        }
        let step = "installing the services";
        let mut files_changed: Vec<&str> = Vec::new();
        for svc in &services {
            for (path, text, mode) in svc.files(init) {
                if host.write(step, &path, text.as_bytes(), mode).await.map_err(prov(master))? {
                    files_changed.push(svc.name.as_str());
                    report.changed.push(path);
                }
            }
        }
        // A proxy the file no longer asks for.
        if proxy.is_none()
            && let Some(old) = previous.as_ref().and_then(|d| d.proxy.as_ref())
        {
            host.sh(step, &proxy_service(&m, old).remove_script(init))
                .await
                .map_err(prov(master))?;
            report.changed.push(format!("{PROXY_SERVICE} (removed)"));
        }
        // Certificates and records are read by the running services as they are needed; only a
        // new binary or new service definitions need a restart. A service that is not running
        // is started.
        for svc in &services {
            let running = host
                .try_sh(step, &svc.running_script(init))
                .await
                .map_err(prov(master))?
                .success();
            let certs_changed = report.changed.iter().any(|p| p.starts_with(&format!("{REMOTE_STORE}/manager")));
            if !running
                || report.uploaded
                || files_changed.contains(&svc.name.as_str())
                || (svc.name == MANAGER_SERVICE && certs_changed)
            {
                progress(&format!("Starting {}...", svc.name));
                host.sh(step, &svc.restart_script(init)).await.map_err(prov(master))?;
                report.restarted = true;
            }
        }
        progress("Waiting for the manager to answer...");
        let log = services[0].log_script(init);
        wait_answer(&host, store, &loaded, &url, &log).await?;
        Deployed {
            init: init.to_string(),
            binary_sha256: sha.clone(),
            url: url.to_string(),
            proxy: proxy.clone(),
        }
        .write(store, master)?;
        // Members whose create finished while this one ran (they saw no marker yet).
        write_members(&host, store, &m.swarm().discovery)
            .await
            .map_err(prov(master))?;
        Ok(report)
    }
    .await;
    c.remote.close().await;
    result
}

/// The swarm's masters in the store, by name.
fn masters(store: &Store, discovery: &str) -> Vec<String> {
    let Ok(names) = store.list_names() else {
        return Vec::new();
    };
    names
        .into_iter()
        .filter(|n| {
            store
                .load(n)
                .is_ok_and(|m| m.swarm().master && m.swarm().discovery == discovery)
        })
        .collect()
}

/// The other masters of `m`'s swarm.
fn other_masters(store: &Store, m: &Machine) -> Vec<String> {
    masters(store, &m.swarm().discovery)
        .into_iter()
        .filter(|n| *n != m.name)
        .collect()
}

/// The masters of a swarm whose services flotilla deployed.
fn deployed_masters(store: &Store, discovery: &str) -> Vec<String> {
    masters(store, discovery)
        .into_iter()
        .filter(|n| Deployed::read(store, n).is_some())
        .collect()
}

/// Deploys again the other deployed masters of `master`'s swarm, after `master` joined it: a
/// manager that decided alone is elected from now on (its arguments change, so it restarts).
/// Returns the masters redeployed.
pub async fn redeploy_peers(
    store: &Store,
    master: &str,
    progress: &(dyn Fn(&str) + Send + Sync),
) -> Result<Vec<String>, MasterError> {
    let m = store
        .load(master)
        .map_err(|e| MasterError::other(master, e.to_string()))?;
    let mut done = Vec::new();
    for peer in deployed_masters(store, &m.swarm().discovery) {
        if peer != master {
            deploy(store, &peer, None, progress).await?;
            done.push(peer);
        }
    }
    Ok(done)
}

/// Rewrites the swarm's members on each of its deployed masters (after a member was created or
/// removed). A swarm without a deployed manager needs nothing. Returns the masters synced.
pub async fn sync_members(store: &Store, discovery: &str) -> Result<Vec<String>, MasterError> {
    let mut synced = Vec::new();
    for master in deployed_masters(store, discovery) {
        let loaded = handle::load(store, &master)?;
        let c = connect(&loaded).await?;
        let r = async {
            let host = Host::new(c.remote.as_ref()).await.map_err(prov(&master))?;
            write_members(&host, store, discovery)
                .await
                .map_err(prov(&master))
        }
        .await;
        c.remote.close().await;
        r?;
        synced.push(master);
    }
    Ok(synced)
}

/// Stops and removes the master's services and their files (before `rm` of the master). A
/// master without a deployment needs nothing.
pub async fn remove(store: &Store, master: &str) -> Result<bool, MasterError> {
    let Some(d) = Deployed::read(store, master) else {
        return Ok(false);
    };
    let loaded = handle::load(store, master)?;
    let c = connect(&loaded).await?;
    let m = loaded.machine.clone();
    let r = async {
        let host = Host::new(c.remote.as_ref()).await.map_err(prov(master))?;
        let init = d.init();
        let step = "removing the master's services";
        let mut services = vec![manager_service(&m, &listen_url(&m), &Replication::Alone)];
        if let Some(p) = &d.proxy {
            services.push(proxy_service(&m, p));
        }
        for svc in &services {
            host.sh(step, &svc.remove_script(init))
                .await
                .map_err(prov(master))?;
        }
        host.remove(step, REMOTE_STORE)
            .await
            .map_err(prov(master))?;
        Ok::<(), MasterError>(())
    }
    .await;
    c.remote.close().await;
    r?;
    let _ = std::fs::remove_file(store.machine_dir(master).join(MARKER));
    Ok(true)
}

/// Whether a master's manager answers, and where.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// The master's name.
    pub master: String,
    /// Where the manager was asked: the master's engine address with the manager's port.
    pub url: String,
    /// Deployed by flotilla on the master (else started by hand, or not at all).
    pub deployed: bool,
    /// `flotilla/VERSION` from the manager's answer.
    pub version: Option<String>,
    /// Why the manager did not answer; `None` when it did.
    pub error: Option<String>,
    /// The proxy watcher deployed next to it.
    pub proxy: Option<ProxyService>,
}

/// Asks the master's manager whether it answers (with the master's certificates, as `env
/// --swarm` does).
pub async fn status(store: &Store, master: &str, timeout: Duration) -> Result<Status, MasterError> {
    let loaded = handle::load(store, master)?;
    let m = &loaded.machine;
    if !m.swarm().master {
        return Err(MasterError::other(master, "not a swarm master"));
    }
    let d = Deployed::read(store, master);
    let addr = loaded.addr().await?.with_port(m.swarm().host_port());
    let (version, error) = match loaded.probe(store, &addr, timeout).await {
        Ok(v) => (Some(v.version), None),
        Err(e) => (None, Some(e.to_string())),
    };
    Ok(Status {
        master: master.to_string(),
        url: addr.to_string(),
        deployed: d.is_some(),
        version,
        error,
        proxy: d.and_then(|d| d.proxy),
    })
}

/// The probe the status uses, for callers that only want a yes or no.
pub async fn answers(store: &Store, master: &str, timeout: Duration) -> bool {
    status(store, master, timeout)
        .await
        .is_ok_and(|s| s.error.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn master() -> Machine {
        let mut m = Machine::new("swarm-master", "docker");
        m.host_options.swarm_options.is_swarm = true;
        m.host_options.swarm_options.master = true;
        m.host_options.swarm_options.discovery = "token://abc".into();
        m.host_options.swarm_options.arbitrary_flags = vec!["strategy=binpack".into()];
        m
    }

    #[test]
    fn the_manager_runs_on_the_small_store_with_its_certificate() {
        let s = manager_service(&master(), "tcp://0.0.0.0:3376", &Replication::Alone);
        assert_eq!(
            s.args,
            vec![
                "-s",
                "/var/lib/flotilla",
                "manage",
                "--swarm",
                "token://abc",
                "-H",
                "tcp://0.0.0.0:3376",
                "--tls-cert",
                "/var/lib/flotilla/manager/server.pem",
                "--tls-key",
                "/var/lib/flotilla/manager/server-key.pem",
                "--strategy=binpack",
            ]
        );
    }

    fn etcd_master(opts: &[&str]) -> Machine {
        let mut m = master();
        m.host_options.swarm_options.discovery = "etcd://10.0.0.9:2379/swarm".into();
        m.host_options.swarm_options.arbitrary_flags = opts.iter().map(|o| o.to_string()).collect();
        m
    }

    #[test]
    fn a_lone_master_decides_alone_and_several_are_elected_through_etcd() {
        let elected = |a: &str| Replication::Elected {
            advertise: a.into(),
        };
        assert_eq!(
            replication(&etcd_master(&[]), &[], "10.0.0.5"),
            Ok(Replication::Alone)
        );
        assert_eq!(
            replication(&etcd_master(&[]), &["m2"], "10.0.0.5"),
            Ok(elected("10.0.0.5:3376"))
        );
        // Asked for on one master; an advertised address given is kept.
        assert_eq!(
            replication(
                &etcd_master(&["replication", "advertise=1.2.3.4:4000"]),
                &[],
                "10.0.0.5"
            ),
            Ok(elected("1.2.3.4:4000"))
        );
        // Another discovery needs an etcd replication store.
        let e = replication(&master(), &["m2"], "10.0.0.5").unwrap_err();
        assert!(
            e.contains("several masters (also m2)") && e.contains("replication-store"),
            "{e}"
        );
        let mut m = master();
        m.host_options.swarm_options.arbitrary_flags =
            vec!["replication-store=etcd://10.0.0.9:2379/s".into()];
        assert_eq!(
            replication(&m, &["m2"], "10.0.0.5"),
            Ok(elected("10.0.0.5:3376"))
        );
    }

    #[test]
    fn an_elected_manager_is_started_with_replication_and_its_address() {
        let s = manager_service(
            &etcd_master(&[]),
            "tcp://0.0.0.0:3376",
            &Replication::Elected {
                advertise: "10.0.0.5:3376".into(),
            },
        );
        assert_eq!(
            s.args[s.args.len() - 2..],
            ["--replication", "--advertise=10.0.0.5:3376"]
        );
        // Given as swarm options already: not repeated.
        let s = manager_service(
            &etcd_master(&["replication", "advertise=1.2.3.4:4000"]),
            "tcp://0.0.0.0:3376",
            &Replication::Elected {
                advertise: "1.2.3.4:4000".into(),
            },
        );
        assert_eq!(
            s.args[s.args.len() - 2..],
            ["--replication", "--advertise=1.2.3.4:4000"]
        );
    }

    #[test]
    fn mirrored_records_use_the_none_driver_and_keep_labels() {
        let mut m = master();
        m.host_options.engine_options.labels = vec!["public=no".into()];
        let addr: EngineAddr = "tcp://10.0.0.5:2376".parse().unwrap();
        let r = mirror_record(&m, &addr);
        assert_eq!(r.driver_name, "none");
        assert_eq!(r.driver["URL"], "tcp://10.0.0.5:2376");
        assert_eq!(r.engine().labels, vec!["public=no"]);
        assert!(r.swarm().master);
        assert_eq!(
            r.host_options.auth_options.ca_cert_path,
            "machines/swarm-master/ca.pem"
        );
        // The none driver reads it back.
        let loaded = crate::driver::load(
            &r,
            handle::context(&Store::new("/nonexistent"), "swarm-master"),
        );
        assert!(loaded.is_ok());
    }

    #[test]
    fn digests() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
