//! A stored machine with its driver: what every machine command acts on. Loading one reads its
//! record and picks its driver; the handle then answers the driver's questions (URL, IP, state)
//! and probes the engine with the machine's own certificates.

use std::time::Duration;

use super::{Driver, DriverContext, DriverError, State};
use crate::engine::{self, EngineAddr, EngineVersion, ProbeError};
use crate::provision::ProvisionError;
use crate::store::{Machine, Store, StoreError};

/// The name used when a command is given none, as docker-machine did.
pub const DEFAULT_MACHINE: &str = "default";

#[derive(Debug, thiserror::Error)]
pub enum MachineError {
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
pub fn resolve_name(store: &Store, name: Option<&str>) -> Result<String, MachineError> {
    match name {
        Some(n) => Ok(n.to_string()),
        None if store.exists(DEFAULT_MACHINE) => Ok(DEFAULT_MACHINE.to_string()),
        None => Err(MachineError::NoDefault),
    }
}

/// Names given, or `[default]` when none were given and it exists.
pub fn resolve_names(store: &Store, names: &[String]) -> Result<Vec<String>, MachineError> {
    if names.is_empty() {
        Ok(vec![resolve_name(store, None)?])
    } else {
        Ok(names.to_vec())
    }
}

pub fn context(store: &Store, name: &str) -> DriverContext {
    DriverContext {
        machine_name: name.to_string(),
        machine_dir: store.machine_dir(name),
        store_root: store.root().to_path_buf(),
    }
}

/// A stored machine with its driver.
pub struct MachineHandle {
    pub machine: Machine,
    pub driver: Box<dyn Driver>,
}

pub fn load(store: &Store, name: &str) -> Result<MachineHandle, MachineError> {
    with_driver(store, store.load(name)?)
}

/// A record already read (by `ls` or the swarm resolver) with its driver,
/// without reading `config.json` again.
pub fn with_driver(store: &Store, machine: Machine) -> Result<MachineHandle, MachineError> {
    let driver = super::load(&machine, context(store, &machine.name)).map_err(|source| {
        MachineError::Driver {
            machine: machine.name.clone(),
            source,
        }
    })?;
    Ok(MachineHandle { machine, driver })
}

impl MachineHandle {
    fn wrap(&self, source: DriverError) -> MachineError {
        MachineError::Driver {
            machine: self.machine.name.clone(),
            source,
        }
    }

    pub async fn url(&self) -> Result<String, MachineError> {
        self.driver.url().await.map_err(|e| self.wrap(e))
    }

    pub async fn addr(&self) -> Result<EngineAddr, MachineError> {
        let url = self.url().await?;
        url.parse()
            .map_err(|e: engine::AddrError| MachineError::Other {
                machine: self.machine.name.clone(),
                message: e.to_string(),
            })
    }

    pub async fn ip(&self) -> Result<String, MachineError> {
        self.driver.ip().await.map_err(|e| self.wrap(e))
    }

    pub async fn state(&self) -> Result<State, MachineError> {
        self.driver.state().await.map_err(|e| self.wrap(e))
    }

    /// Asks the engine (at `addr`, or the machine's own URL) for its
    /// version over mutual TLS with the machine's certificates.
    pub async fn probe(
        &self,
        store: &Store,
        addr: &EngineAddr,
        timeout: Duration,
    ) -> Result<EngineVersion, MachineError> {
        let wrap = |source| MachineError::Probe {
            machine: self.machine.name.clone(),
            source,
        };
        let tls = match addr {
            EngineAddr::Tcp { .. } => {
                let files = self
                    .machine
                    .tls_files(store.root())
                    .map_err(|e| MachineError::Store(e.into()))?;
                Some(engine::client_tls_config(&files).map_err(wrap)?)
            }
            EngineAddr::Unix(_) => None,
        };
        engine::probe(addr, tls, timeout).await.map_err(wrap)
    }
}
