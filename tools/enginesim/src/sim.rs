//! Starting the simulator: the engines (state seeded, listeners bound, TLS ready), the control
//! port and the discovery file. [`Sim`] is what `main` runs and what tests start in-process.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::task::JoinHandle;

use crate::control::{self, Shared};
use crate::engine::{self, Engine};
use crate::model::{ApiError, EngineState, Facts, Image, Spec, Status};
use crate::pattern::Pattern;
use crate::timefmt::now_nanos;
use crate::{fdlimit, server, tls};

#[derive(Debug, Clone)]
pub struct SimConfig {
    pub engines: usize,
    /// Engine `i` listens on `port + i`; 0 lets the system pick each port.
    pub port: u16,
    /// The flotilla store whose CA signs the server certificate and the accepted clients.
    pub store: PathBuf,
    pub containers_per_engine: usize,
    /// Image tags every engine has (the seeded containers use them in turn).
    pub images: Vec<String>,
    /// `/info` name of engine `i`.
    pub name: Pattern,
    /// `/info` labels (`k=v`) of engine `i`.
    pub labels: Vec<Pattern>,
    pub ncpu: i64,
    pub memory: i64,
    /// Added before every answer.
    pub latency: Duration,
    pub control: SocketAddr,
    pub discovery_file: Option<PathBuf>,
}

impl SimConfig {
    /// A small simulator for tests: `engines` engines on ports the system picks.
    pub fn new(store: impl Into<PathBuf>, engines: usize) -> SimConfig {
        SimConfig {
            engines,
            port: 0,
            store: store.into(),
            containers_per_engine: 30,
            images: DEFAULT_IMAGES.iter().map(|s| s.to_string()).collect(),
            name: Pattern::parse("enginesim-{i}")
                .unwrap_or_else(|_| unreachable!("a valid pattern")),
            labels: Vec::new(),
            ncpu: 4,
            memory: 8 << 30,
            latency: Duration::ZERO,
            control: SocketAddr::from(([127, 0, 0, 1], 0)),
            discovery_file: None,
        }
    }
}

pub const DEFAULT_IMAGES: &[&str] = &[
    "flotilla-busybox:latest",
    "flotilla-nginx:latest",
    "enginesim/app:1.0",
];

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("{0}")]
    FdLimit(String),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("engine {index} would need port {port}, past 65535; lower --engines or --port")]
    PortRange { index: usize, port: u64 },
    #[error("cannot write the discovery file {path}: {source}")]
    DiscoveryFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("at least one image is needed")]
    NoImages,
    #[error("cannot seed engine {index}: {error}")]
    Seed { index: usize, error: ApiError },
}

/// A running simulator; dropping it closes every port.
pub struct Sim {
    shared: Arc<Shared>,
    control: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
}

/// Docker-style engine ID: twelve groups of four base-32 characters.
fn engine_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    (0..12)
        .map(|_| {
            (0..4)
                .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(":")
}

/// The inventory engine `i` starts with: `containers` containers named `<engine>-c<j>`, most
/// running, every tenth exited and every tenth created; every third publishes port 80 on host
/// port 20000+j and reserves 64 MiB; labels `app=app<j%5>` and `enginesim.engine=<i>`.
fn seed(
    state: &mut EngineState,
    index: usize,
    containers: usize,
    now: i64,
) -> Result<(), SimError> {
    let images: Vec<String> = state.images.iter().map(|i| i.tags[0].clone()).collect();
    let engine_name = state.facts.name.clone();
    for j in 0..containers {
        let mut body = json!({
            "Image": images[j % images.len()],
            "Labels": {"app": format!("app{}", j % 5), "enginesim.engine": index.to_string()},
            "HostConfig": {},
        });
        if j % 3 == 0 {
            body["HostConfig"] = json!({
                "PortBindings": {"80/tcp": [{"HostIp": "", "HostPort": (20000 + j).to_string()}]},
                "Memory": 64 << 20,
            });
        }
        let mut spec = Spec::from_body(&body).map_err(|error| SimError::Seed { index, error })?;
        // Seeded containers echo nothing raw: their inspect is rebuilt from the model, which
        // keeps 30,000 of them small.
        spec.raw_config = None;
        spec.raw_host_config = None;
        let status = match j % 10 {
            9 => Status::Exited,
            8 => Status::Created,
            _ => Status::Running,
        };
        let age = (containers - j) as i64 * 60_000_000_000 + index as i64 * 1_000_000;
        state
            .seed(&format!("{engine_name}-c{j}"), spec, status, now - age)
            .map_err(|error| SimError::Seed { index, error })?;
    }
    Ok(())
}

impl Sim {
    pub async fn start(cfg: SimConfig) -> Result<Sim, SimError> {
        fdlimit::ensure(cfg.engines).map_err(SimError::FdLimit)?;
        if cfg.images.is_empty() {
            return Err(SimError::NoImages);
        }
        let tls = tokio_rustls::TlsAcceptor::from(tls::server_config(&cfg.store, cfg.engines * 4)?);
        let now = now_nanos();
        let images: Arc<Vec<Image>> = Arc::new(
            cfg.images
                .iter()
                .map(|t| Image::named(t, now - 30 * 86_400_000_000_000))
                .collect(),
        );
        let mut engines = Vec::with_capacity(cfg.engines);
        let mut tasks = Vec::with_capacity(cfg.engines + 1);
        for index in 0..cfg.engines {
            let port = if cfg.port == 0 {
                0
            } else {
                let p = u64::from(cfg.port) + index as u64;
                u16::try_from(p).map_err(|_| SimError::PortRange { index, port: p })?
            };
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let listener = engine::bind(addr).map_err(|source| SimError::Bind { addr, source })?;
            let addr = listener
                .local_addr()
                .map_err(|source| SimError::Bind { addr, source })?;
            let facts = Facts {
                index,
                name: cfg.name.expand(index),
                id: engine_id(),
                ncpu: cfg.ncpu,
                mem_total: cfg.memory,
                labels: cfg.labels.iter().map(|l| l.expand(index)).collect(),
            };
            let mut state = EngineState::new(facts, images.clone(), now);
            seed(&mut state, index, cfg.containers_per_engine, now)?;
            let engine = Arc::new(Engine::new(index, addr, cfg.latency, state));
            tasks.push(server::spawn_engine(engine.clone(), listener, tls.clone()));
            engines.push(engine);
        }
        let control_listener =
            tokio::net::TcpListener::bind(cfg.control)
                .await
                .map_err(|source| SimError::Bind {
                    addr: cfg.control,
                    source,
                })?;
        let control = control_listener
            .local_addr()
            .map_err(|source| SimError::Bind {
                addr: cfg.control,
                source,
            })?;
        let shared = Arc::new(Shared {
            engines,
            discovery_file: cfg.discovery_file.clone(),
        });
        tasks.push(control::spawn(shared.clone(), control_listener));
        let sim = Sim {
            shared,
            control,
            tasks,
        };
        if let Some(path) = &cfg.discovery_file {
            sim.write_discovery_file(path)
                .map_err(|source| SimError::DiscoveryFile {
                    path: path.clone(),
                    source,
                })?;
        }
        Ok(sim)
    }

    /// One `127.0.0.1:PORT` per line (a `file://` discovery list), replaced atomically.
    fn write_discovery_file(&self, path: &std::path::Path) -> std::io::Result<()> {
        let mut text = String::new();
        for a in self.addresses() {
            text.push_str(&a.to_string());
            text.push('\n');
        }
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        std::fs::create_dir_all(dir)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "addresses".into());
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, path)
    }

    pub fn addresses(&self) -> Vec<SocketAddr> {
        self.shared.engines.iter().map(|e| e.addr).collect()
    }

    pub fn control_addr(&self) -> SocketAddr {
        self.control
    }

    pub fn engines(&self) -> &[Arc<Engine>] {
        &self.shared.engines
    }

    /// Requests per path over every engine.
    pub fn total_counts(&self) -> BTreeMap<String, u64> {
        let mut total = crate::counts::Snapshot::default();
        for e in self.engines() {
            total.add(&e.counts.snapshot());
        }
        total.paths
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        for e in self.engines() {
            e.shut();
        }
        for t in &self.tasks {
            t.abort();
        }
    }
}
