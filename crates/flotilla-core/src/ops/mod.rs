//! Operations: the library core behind each command. A command turns its
//! arguments into an options struct, calls one function here and prints
//! the result. A stored machine with its driver is a
//! [`MachineHandle`](crate::driver::handle::MachineHandle); operations on several machines
//! report a [`MachineError`](crate::driver::handle::MachineError) per machine.

pub mod create;
pub mod env;
pub mod filter;
pub mod lifecycle;
pub mod ls;
pub mod master;
pub mod reschedule;
pub mod rm;
pub mod run;
pub mod run_spec;
pub mod ssh;

use std::time::{Duration, Instant};

use crate::driver::{Driver, DriverError, State};
use crate::engine::{self, EngineAddr};
use crate::provision::{self, ProvisionError};
use crate::remote::{self, Remote, RemoteError, RemoteTarget};
use crate::store::{Machine, Store};

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
    /// Reaching the host or configuring its engine failed.
    #[error(transparent)]
    Provision(#[from] ProvisionError),
    /// The driver could not say how to reach the machine (its SSH target or engine URL).
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
        listen_port: drv.engine_listen_port(),
    };
    let out = provision::provision(r.as_ref(), &req, progress).await;
    r.close().await;
    tracing::debug!(machine = %m.name, total_ms = started.elapsed().as_millis() as u64, "provisioning done");
    Ok(out?)
}
