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

/// Why a command could not act on a stored machine; every variant but `Store` and `NoDefault`
/// names the machine.
#[derive(Debug, thiserror::Error)]
pub enum MachineError {
    /// The machine's record could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Its driver could not be loaded or refused or failed the action.
    #[error("machine {machine:?}: {source}")]
    Driver {
        /// The machine's name.
        machine: String,
        /// What the driver reported.
        source: DriverError,
    },
    /// No name was given and there is no machine called `default` to fall back on.
    #[error("no machine name given and no \"default\" machine exists")]
    NoDefault,
    /// Its engine did not answer the version probe (unreachable, TLS refused, timed out).
    #[error("machine {machine:?}: {source}")]
    Probe {
        /// The machine's name.
        machine: String,
        /// Why the probe failed.
        source: ProbeError,
    },
    /// A refusal or failure specific to one command (e.g. `ssh` to a stopped machine, `env
    /// --swarm` on a machine that is no swarm master, a URL that does not parse).
    #[error("machine {machine:?}: {message}")]
    Other {
        /// The machine's name (empty when `scp` named none).
        machine: String,
        /// What went wrong, for the user.
        message: String,
    },
    /// Provisioning (installing or configuring its engine on the host) failed.
    #[error("machine {machine:?}: {source}")]
    Provision {
        /// The machine's name.
        machine: String,
        /// What went wrong, and at which step.
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

/// The context a driver of machine `name` in `store` is given (its name and directories);
/// the machine need not exist yet.
pub fn context(store: &Store, name: &str) -> DriverContext {
    DriverContext {
        machine_name: name.to_string(),
        machine_dir: store.machine_dir(name),
        store_root: store.root().to_path_buf(),
    }
}

/// A stored machine with its driver.
pub struct MachineHandle {
    /// The record as read from `config.json`.
    pub machine: Machine,
    /// The driver named by the record, configured from its stored `Driver` object.
    pub driver: Box<dyn Driver>,
}

/// Reads machine `name`'s record and loads its driver.
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

    /// The engine URL, as the driver reports it.
    pub async fn url(&self) -> Result<String, MachineError> {
        self.driver.url().await.map_err(|e| self.wrap(e))
    }

    /// The engine URL parsed; `Other` when the driver reported one that is not a valid
    /// `tcp://` or `unix://` URL.
    pub async fn addr(&self) -> Result<EngineAddr, MachineError> {
        let url = self.url().await?;
        url.parse()
            .map_err(|e: engine::AddrError| MachineError::Other {
                machine: self.machine.name.clone(),
                message: e.to_string(),
            })
    }

    /// The host's address, as the driver reports it.
    pub async fn ip(&self) -> Result<String, MachineError> {
        self.driver.ip().await.map_err(|e| self.wrap(e))
    }

    /// The host's state, as the driver reports it.
    pub async fn state(&self) -> Result<State, MachineError> {
        self.driver.state().await.map_err(|e| self.wrap(e))
    }

    /// Asks the engine at `addr` (normally the machine's own URL) for its version, over
    /// mutual TLS with the machine's certificates for `tcp://` (none for `unix://`).
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
