//! Operations: the library core behind each command. A command turns its
//! arguments into an options struct, calls one function here and prints
//! the result.

pub mod create;
pub mod env;
pub mod filter;
pub mod ls;
pub mod rm;
pub mod run;
pub mod run_spec;
pub mod swarm_view;

use std::time::Duration;

use crate::driver::{self, Driver, DriverContext, DriverError};
use crate::engine::{self, EngineAddr, EngineVersion, ProbeError};
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
    let machine = store.load(name)?;
    let driver =
        driver::load(&machine, driver_context(store, name)).map_err(|source| OpError::Driver {
            machine: name.to_string(),
            source,
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
            EngineAddr::Tcp { .. } => Some(
                engine::client_tls_config(&self.machine.tls_files(store.root())).map_err(wrap)?,
            ),
            EngineAddr::Unix(_) => None,
        };
        engine::probe(addr, tls, timeout).await.map_err(wrap)
    }
}
