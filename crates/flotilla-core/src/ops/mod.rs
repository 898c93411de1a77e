//! Operations: the library core behind each command. A command turns its
//! arguments into an options struct, calls one function here and prints
//! the result.

pub mod create;
pub mod env;
pub mod filter;
pub mod lifecycle;
pub mod ls;
pub mod rm;
pub mod run;
pub mod run_spec;
pub mod ssh;

use std::time::{Duration, Instant};

use crate::driver::{self, Driver, DriverContext, DriverError, State};
use crate::engine::{self, EngineAddr, EngineVersion, ProbeError};
use crate::provision::{self, ProvisionError};
use crate::remote::{self, Remote, RemoteError, RemoteTarget};
use crate::store::{Machine, Store, StoreError};

/// The name used when a command is given none, as docker-machine did.
pub const DEFAULT_MACHINE: &str = "default";

#[derive(Debug, thiserror::Error)]
pub enum OpError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("machine {machine:?}: {source}")]
    Driver {
        machine: String,
        source: DriverError,
    },
    #[error("no machine name given and no \"default\" machine exists")]
    NoDefault,
    #[error("machine {machine:?}: {source}")]
    Probe { machine: String, source: ProbeError },
    #[error("machine {machine:?}: {message}")]
    Other { machine: String, message: String },
    #[error("machine {machine:?}: {source}")]
    Provision {
        machine: String,
        source: ProvisionError,
    },
}

/// The given name, or `default` when none was given and it exists.
pub fn resolve_name(store: &Store, name: Option<&str>) -> Result<String, OpError> {
    match name {
        Some(n) => Ok(n.to_string()),
        None if store.exists(DEFAULT_MACHINE) => Ok(DEFAULT_MACHINE.to_string()),
        None => Err(OpError::NoDefault),
    }
}

/// Names given, or `[default]` when none were given and it exists.
pub fn resolve_names(store: &Store, names: &[String]) -> Result<Vec<String>, OpError> {
    if names.is_empty() {
        Ok(vec![resolve_name(store, None)?])
    } else {
        Ok(names.to_vec())
    }
}

pub fn driver_context(store: &Store, name: &str) -> DriverContext {
    DriverContext {
        machine_name: name.to_string(),
        machine_dir: store.machine_dir(name),
        store_root: store.root().to_path_buf(),
    }
}

/// A stored machine with its driver.
pub struct Loaded {
    pub machine: Machine,
    pub driver: Box<dyn Driver>,
}

pub fn load(store: &Store, name: &str) -> Result<Loaded, OpError> {
    with_driver(store, store.load(name)?)
}

/// A record already read (by `ls` or the swarm resolver) with its driver,
/// without reading `config.json` again.
pub fn with_driver(store: &Store, machine: Machine) -> Result<Loaded, OpError> {
    let driver =
        driver::load(&machine, driver_context(store, &machine.name)).map_err(|source| {
            OpError::Driver {
                machine: machine.name.clone(),
                source,
            }
        })?;
    Ok(Loaded { machine, driver })
}

impl Loaded {
    fn wrap(&self, source: DriverError) -> OpError {
        OpError::Driver {
            machine: self.machine.name.clone(),
            source,
        }
    }

    pub async fn url(&self) -> Result<String, OpError> {
        self.driver.url().await.map_err(|e| self.wrap(e))
    }

    pub async fn addr(&self) -> Result<EngineAddr, OpError> {
        let url = self.url().await?;
        url.parse().map_err(|e: engine::AddrError| OpError::Other {
            machine: self.machine.name.clone(),
            message: e.to_string(),
        })
    }

    pub async fn ip(&self) -> Result<String, OpError> {
        self.driver.ip().await.map_err(|e| self.wrap(e))
    }

    pub async fn state(&self) -> Result<driver::State, OpError> {
        self.driver.state().await.map_err(|e| self.wrap(e))
    }

    /// Asks the engine (at `addr`, or the machine's own URL) for its
    /// version over mutual TLS with the machine's certificates.
    pub async fn probe(
        &self,
        store: &Store,
        addr: &EngineAddr,
        timeout: Duration,
    ) -> Result<EngineVersion, OpError> {
        let wrap = |source| OpError::Probe {
            machine: self.machine.name.clone(),
            source,
        };
        let tls = match addr {
            EngineAddr::Tcp { .. } => {
                let files = self
                    .machine
                    .tls_files(store.root())
                    .map_err(|e| OpError::Store(e.into()))?;
                Some(engine::client_tls_config(&files).map_err(wrap)?)
            }
            EngineAddr::Unix(_) => None,
        };
        engine::probe(addr, tls, timeout).await.map_err(wrap)
    }
}

/// Polls the driver until the machine is in `want`, or `timeout` passes.
pub async fn wait_for_state(
    drv: &dyn Driver,
    want: State,
    timeout: Duration,
) -> Result<(), DriverError> {
    let deadline = Instant::now() + timeout;
    loop {
        let st = drv.state().await;
        match st {
            Ok(s) if s == want => return Ok(()),
            Ok(s) if Instant::now() >= deadline => {
                return Err(DriverError::Failed(format!(
                    "still {} after {}s (waiting for {want})",
                    if s == State::None {
                        "in an unknown state".to_string()
                    } else {
                        s.to_string()
                    },
                    timeout.as_secs()
                )));
            }
            Err(e) if Instant::now() >= deadline => return Err(e),
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}

/// Connects a runner, retrying while the host may still be booting. An
/// authentication or host-key failure is final at once: retrying cannot fix
/// it.
pub async fn connect_remote(
    target: &RemoteTarget,
    budget: Duration,
) -> Result<Box<dyn Remote>, RemoteError> {
    let deadline = Instant::now() + budget;
    loop {
        let per_try = Duration::from_secs(10).min(budget.max(Duration::from_secs(3)));
        match remote::connect(target, per_try).await {
            Ok(r) => return Ok(r),
            Err(e) => {
                let text = e.to_string();
                let fatal = !matches!(e, RemoteError::Connect { .. })
                    || text.contains("Permission denied")
                    || text.contains("Host key verification failed")
                    || text.contains("IDENTIFICATION HAS CHANGED")
                    || text.contains("Could not resolve");
                if fatal || Instant::now() >= deadline {
                    return Err(e);
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Why provisioning a machine failed.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionFailure {
    #[error(transparent)]
    Provision(#[from] ProvisionError),
    #[error(transparent)]
    Driver(#[from] DriverError),
}

/// Connects to a machine and provisions its engine (create, `provision`,
/// `regenerate-certs`).
pub async fn provision_machine(
    store: &Store,
    m: &Machine,
    drv: &dyn Driver,
    new_server_cert: bool,
    progress: &(dyn Fn(&str) + Send + Sync),
) -> Result<provision::Report, ProvisionFailure> {
    let started = Instant::now();
    let target = drv.remote().await?;
    let url = drv.url().await?;
    let addr: EngineAddr = url
        .parse()
        .map_err(|e: engine::AddrError| DriverError::Failed(e.to_string()))?;
    progress(match &target {
        RemoteTarget::Ssh(_) => "Waiting for SSH to be available...",
        RemoteTarget::Container { .. } => "Connecting to the container...",
    });
    let r = connect_remote(&target, drv.boot_timeout())
        .await
        .map_err(|source| ProvisionError::Remote {
            step: "connecting to the host",
            source,
        })?;
    tracing::debug!(machine = %m.name, step = "connecting to the host", ms = started.elapsed().as_millis() as u64, "step done");
    let req = provision::Request {
        store,
        machine: m,
        addr,
        new_server_cert,
        container: target.is_container(),
        engine_timeout: Duration::from_secs(90),
    };
    let out = provision::provision(r.as_ref(), &req, progress).await;
    r.close().await;
    tracing::debug!(machine = %m.name, total_ms = started.elapsed().as_millis() as u64, "provisioning done");
    Ok(out?)
}
