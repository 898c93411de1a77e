//! The machine lifecycle: start, stop, restart, kill, provision,
//! regenerate-certs and upgrade, on several machines at once. Every
//! machine runs concurrently and every failure is reported (docker-machine
//! did the same fan-out); each machine's record is saved afterwards, since
//! a driver may learn new state (an IP, a container id).

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::ProvisionFailure;
use crate::certs;
use crate::driver::handle::{self, MachineError, MachineHandle};
use crate::driver::{DriverError, State};
use crate::provision::{self, ProvisionError};
use crate::store::Store;

/// The lifecycle command to run on each machine. The state changes wait up to two minutes for
/// the driver to report the new state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Start the machine (nothing to do when it runs), then wait until its engine answers with
    /// the machine's certificates (not for an adopted engine).
    Start,
    /// Stop the machine gracefully and wait until it is `Stopped`.
    Stop,
    /// Restart a running machine, start a stopped one, then wait as [`Action::Start`] does.
    Restart,
    /// Stop the machine at once (the driver's hard stop) and wait until it is `Stopped`.
    Kill,
    /// Configure the engine again from the record, and redeploy the swarm manager on a master;
    /// refused for an adopted engine.
    Provision,
    /// Provision with a newly issued server certificate.
    RegenerateCerts,
    /// Upgrade the engine with the host's package manager, starting the machine first if needed.
    Upgrade,
}

impl Action {
    /// The action as a verb, for messages and the log (`regenerate certificates for` for
    /// [`Action::RegenerateCerts`]).
    pub fn verb(self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Stop => "stop",
            Action::Restart => "restart",
            Action::Kill => "kill",
            Action::Provision => "provision",
            Action::RegenerateCerts => "regenerate certificates for",
            Action::Upgrade => "upgrade",
        }
    }
}

/// One machine's result: a message for the user, or the error.
#[derive(Debug)]
pub struct Outcome {
    /// The machine's name, as given.
    pub name: String,
    /// What was done (`Started "a"; …`), or why it failed.
    pub result: Result<String, MachineError>,
}

/// Progress lines: `(machine, message)`.
pub type ProgressFn = Arc<dyn Fn(&str, &str) + Send + Sync>;

/// How long to wait for a state change or for the engine.
const WAIT: Duration = Duration::from_secs(120);

/// Runs `action` on every machine concurrently; one [`Outcome`] per name, in the order given.
/// Each machine's record is saved after a success.
pub async fn run(
    store: &Store,
    names: &[String],
    action: Action,
    progress: ProgressFn,
) -> Vec<Outcome> {
    let mut set = tokio::task::JoinSet::new();
    for (i, name) in names.iter().enumerate() {
        let store = store.clone();
        let name = name.clone();
        let progress = progress.clone();
        set.spawn(async move {
            let started = Instant::now();
            let result = one(&store, &name, action, &progress).await;
            tracing::debug!(machine = %name, action = action.verb(), ms = started.elapsed().as_millis() as u64, "action done");
            (i, Outcome { name, result })
        });
    }
    let mut out = Vec::new();
    while let Some(r) = set.join_next().await {
        match r {
            Ok(r) => out.push(r),
            Err(e) => tracing::error!("a task failed: {e}"),
        }
    }
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, o)| o).collect()
}

fn wrap(name: &str) -> impl Fn(DriverError) -> MachineError + '_ {
    move |source| MachineError::Driver {
        machine: name.to_string(),
        source,
    }
}

fn from_provision(name: &str, e: ProvisionFailure) -> MachineError {
    match e {
        ProvisionFailure::Provision(source) => MachineError::Provision {
            machine: name.to_string(),
            source,
        },
        ProvisionFailure::Driver(source) => MachineError::Driver {
            machine: name.to_string(),
            source,
        },
    }
}

/// Waits until the engine answers over TLS with the machine's certificates.
async fn wait_engine(store: &Store, loaded: &MachineHandle) -> Result<String, MachineError> {
    let addr = loaded.addr().await?;
    let deadline = Instant::now() + WAIT;
    loop {
        match loaded.probe(store, &addr, Duration::from_secs(5)).await {
            Ok(v) => return Ok(v.version),
            Err(MachineError::Probe { source, .. }) if source.is_certificate_problem() => {
                return Err(MachineError::Other {
                    machine: loaded.machine.name.clone(),
                    message: format!(
                        "{source}\nhint: the address may have changed; run `flotilla regenerate-certs -f {}`",
                        loaded.machine.name
                    ),
                });
            }
            Err(e) if Instant::now() >= deadline => return Err(e),
            Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}

async fn one(
    store: &Store,
    name: &str,
    action: Action,
    progress: &ProgressFn,
) -> Result<String, MachineError> {
    let mut loaded = handle::load(store, name)?;
    let say = |msg: &str| progress(name, msg);
    let w = wrap(name);
    let msg = match action {
        Action::Start => {
            if loaded.state().await? == State::Running {
                return Ok(format!("Machine {name:?} is already running"));
            }
            say("Starting...");
            loaded.driver.start().await.map_err(&w)?;
            super::wait_for_state(loaded.driver.as_ref(), State::Running, WAIT)
                .await
                .map_err(&w)?;
            if loaded.driver.provisions() {
                say("Waiting for the engine...");
                wait_engine(store, &loaded).await?;
            }
            format!("Started {name:?}; a restarted machine may have a new IP address")
        }
        Action::Stop => {
            say("Stopping...");
            loaded.driver.stop().await.map_err(&w)?;
            super::wait_for_state(loaded.driver.as_ref(), State::Stopped, WAIT)
                .await
                .map_err(&w)?;
            format!("Stopped {name:?}")
        }
        Action::Kill => {
            say("Killing...");
            loaded.driver.kill().await.map_err(&w)?;
            super::wait_for_state(loaded.driver.as_ref(), State::Stopped, WAIT)
                .await
                .map_err(&w)?;
            format!("Killed {name:?}")
        }
        Action::Restart => {
            if loaded.state().await? != State::Running {
                say("Starting...");
                loaded.driver.start().await.map_err(&w)?;
            } else {
                say("Restarting...");
                loaded.driver.restart().await.map_err(&w)?;
            }
            super::wait_for_state(loaded.driver.as_ref(), State::Running, WAIT)
                .await
                .map_err(&w)?;
            if loaded.driver.provisions() {
                say("Waiting for the engine...");
                wait_engine(store, &loaded).await?;
            }
            format!("Restarted {name:?}; a restarted machine may have a new IP address")
        }
        Action::Provision | Action::RegenerateCerts => {
            if !loaded.driver.provisions() {
                return Err(MachineError::Other {
                    machine: name.to_string(),
                    message: format!(
                        "the {} driver adopts an engine as it is; there is nothing to provision",
                        loaded.driver.name()
                    ),
                });
            }
            let renew = action == Action::RegenerateCerts;
            let report = super::provision_machine(
                store,
                &loaded.machine,
                loaded.driver.as_ref(),
                renew,
                &say,
            )
            .await
            .map_err(|e| from_provision(name, e))?;
            loaded.machine.error = None;
            let mut report = report;
            if loaded.machine.swarm().master {
                // The manager on the master follows the local binary's version.
                let d = super::master::deploy(store, name, None, &say)
                    .await
                    .map_err(|e| MachineError::Other {
                        machine: name.to_string(),
                        message: format!("starting the swarm manager: {e}"),
                    })?;
                if d.uploaded {
                    report.changed.push("the manager's binary".into());
                }
                report.changed.extend(d.changed);
            }
            if report.changed.is_empty() {
                format!("Provisioned {name:?} (no configuration changed; engine restarted)")
            } else {
                format!(
                    "Provisioned {name:?} (changed: {})",
                    report.changed.join(", ")
                )
            }
        }
        Action::Upgrade => {
            if loaded.state().await? != State::Running {
                say("Starting...");
                loaded.driver.start().await.map_err(&w)?;
                super::wait_for_state(loaded.driver.as_ref(), State::Running, WAIT)
                    .await
                    .map_err(&w)?;
            }
            let target = loaded.driver.remote().await.map_err(&w)?;
            let addr = loaded.addr().await?;
            let r = super::connect_remote(&target, loaded.driver.boot_timeout())
                .await
                .map_err(|source| MachineError::Provision {
                    machine: name.to_string(),
                    source: ProvisionError::Remote {
                        step: "connecting to the host",
                        source,
                    },
                })?;
            let req = provision::Request {
                store,
                machine: &loaded.machine,
                addr,
                new_server_cert: false,
                container: target.is_container(),
                engine_timeout: WAIT,
                listen_port: loaded.driver.engine_listen_port(),
            };
            let v = provision::upgrade(r.as_ref(), &req, &say).await;
            r.close().await;
            let v = v.map_err(|source| MachineError::Provision {
                machine: name.to_string(),
                source,
            })?;
            format!("Upgraded {name:?}: Docker {v}")
        }
    };
    loaded.machine.driver = loaded.driver.config();
    store.save(&loaded.machine)?;
    Ok(msg)
}

/// Replaces the store's client certificate and updates the copies in
/// every machine directory that uses the store's CA. Engines trust the CA,
/// not one client certificate, so they keep accepting the new one.
pub fn rotate_client_certs(store: &Store) -> Result<Vec<String>, MachineError> {
    let c = certs::rotate_client(store).map_err(|e| MachineError::Other {
        machine: String::new(),
        message: e.to_string(),
    })?;
    let ca = std::fs::read(&c.ca).unwrap_or_default();
    let mut updated = vec![];
    for name in store.list_names()? {
        let dir = store.machine_dir(&name);
        if std::fs::read(dir.join("ca.pem")).unwrap_or_default() == ca {
            certs::install_client_copies(store, &dir).map_err(|e| MachineError::Other {
                machine: name.clone(),
                message: e.to_string(),
            })?;
            updated.push(name);
        }
    }
    Ok(updated)
}
