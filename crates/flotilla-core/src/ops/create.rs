//! `create`: reserve the name, bootstrap certificates, run the driver, and
//! leave a record that tells the truth at every step.

use std::path::PathBuf;
use std::time::Duration;

use crate::certs;
use crate::discovery::{self, DiscoveryError, DiscoveryUrl, membership};
use crate::driver::{self, DriverError, DriverOptions, handle};
use crate::store::machine::{EngineOptions, SwarmOptions};
use crate::store::{self, Machine, Store, StoreError};

/// An explicit certificate set to use instead of the store's own.
#[derive(Debug, Clone)]
pub struct TlsSet {
    /// The CA the engine's server certificate is signed by (`--tls-ca-cert`), copied as `ca.pem`.
    pub ca: PathBuf,
    /// The client certificate the engine accepts (`--tls-client-cert`), copied as `cert.pem`.
    pub cert: PathBuf,
    /// The client certificate's key (`--tls-client-key`), copied as `key.pem` (mode 0600).
    pub key: PathBuf,
}

/// One machine to create: `create`'s flags, or a machine of a cluster file.
#[derive(Debug, Clone)]
pub struct CreateOptions {
    /// The machine's name, checked by [`store::validate_name`]; it must not exist yet.
    pub name: String,
    /// The driver's name (`generic`, `none`, `docker`, `virtualbox`, `qemu`, …).
    pub driver: String,
    /// The `--DRIVER-*` flags, read by the driver.
    pub driver_options: DriverOptions,
    /// The `--engine-*` flags, recorded and applied when the engine is provisioned.
    pub engine: EngineOptions,
    /// The `--swarm*` flags; `is_swarm` needs a `discovery` URL.
    pub swarm: SwarmOptions,
    /// Extra subject alternative names for the engine's server certificate (`--tls-san`).
    pub tls_san: Vec<String>,
    /// Certificates to use instead of the store's CA and client certificate; `None`: the store's.
    pub tls: Option<TlsSet>,
    /// How long the connection check of an engine that is not provisioned (adopted) may take;
    /// a failed check only warns.
    pub check_timeout: Duration,
    /// How `--swarm-discovery token://TOKEN` is resolved and reached.
    pub discovery: discovery::Settings,
}

/// Why a create failed. Once the name is reserved, the machine's record stays with the error
/// (see [`create`]).
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// The name is invalid or taken, or the record could not be written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The store's CA and client certificate could not be created or read.
    #[error(transparent)]
    Certs(#[from] certs::CertError),
    /// The driver refused before anything was created (exit code 3).
    #[error("machine {machine:?}: {source}")]
    PreCreate {
        /// The machine being created.
        machine: String,
        /// The driver's reason.
        source: DriverError,
    },
    /// The driver name or its flags are unusable.
    #[error("machine {machine:?}: {source}")]
    Driver {
        /// The machine being created.
        machine: String,
        /// The driver's reason.
        source: DriverError,
    },
    /// A step after the name was reserved failed; the record carries `step: message` as its
    /// error.
    #[error("machine {machine:?}: {step}: {message}")]
    Step {
        /// The machine being created.
        machine: String,
        /// What was being done (`creating the machine`, `registering in discovery`, …).
        step: &'static str,
        /// Why it failed.
        message: String,
    },
    /// The `--swarm-discovery` URL is malformed, or its discovery does not answer or does not
    /// know the token; checked before a machine exists.
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    /// `--swarm` or `--swarm-master` was given without `--swarm-discovery`.
    #[error(
        "--swarm and --swarm-master need --swarm-discovery URL (for example token://$(flotilla token create))"
    )]
    NoDiscovery,
    /// Provisioning failed at a named step.
    #[error("machine {machine:?}: {source}")]
    Provision {
        /// The machine being created.
        machine: String,
        /// The step and its cause.
        source: crate::provision::ProvisionError,
    },
}

/// Something worth telling the user while a create runs.
pub trait Progress: Send + Sync {
    /// A step begins or succeeds (`Creating machine...`).
    fn step(&self, machine: &str, message: &str);
    /// Something is wrong but the create goes on.
    fn warn(&self, machine: &str, message: &str);
}

/// Creates one machine. On failure after the name was reserved, the record
/// stays with its error so `ls` shows it and `rm` removes it.
pub async fn create(
    store: &Store,
    opts: &CreateOptions,
    progress: &dyn Progress,
) -> Result<Machine, CreateError> {
    let mut m = create_engine(store, opts, progress).await?;
    if m.host_options.swarm_options.is_swarm
        && let Err(message) = join_swarm(store, &m, opts, progress).await
    {
        let step = "registering in discovery";
        m.error = Some(format!("{step}: {message}"));
        let _ = store.save(&m);
        return Err(CreateError::Step {
            machine: m.name.clone(),
            step,
            message,
        });
    }
    let swarm = m.host_options.swarm_options.clone();
    if swarm.master {
        let provisions = handle::load(store, &m.name).is_ok_and(|h| h.driver.provisions());
        if !provisions {
            progress.warn(
                &m.name,
                &format!(
                    "an adopted engine is not changed: run the manager yourself (`flotilla manage --swarm {}`)",
                    m.name
                ),
            );
        } else {
            let say = |msg: &str| progress.step(&m.name, msg);
            if let Err(e) = super::master::deploy(store, &m.name, None, &say).await {
                let step = "starting the swarm manager";
                let message = match e {
                    super::master::MasterError::Other { message, .. } => message,
                    e => e.to_string(),
                };
                m.error = Some(format!("{step}: {message}"));
                let _ = store.save(&m);
                return Err(CreateError::Step {
                    machine: m.name.clone(),
                    step,
                    message,
                });
            }
            // Masters deployed before this one decided alone; from now on they are elected.
            match super::master::redeploy_peers(store, &m.name, &say).await {
                Ok(peers) if !peers.is_empty() => progress.step(
                    &m.name,
                    &format!("Managers on {} now elected with this one", peers.join(", ")),
                ),
                Ok(_) => {}
                // Left as it is, that manager would decide alone beside the elected one.
                Err(e) => {
                    return Err(CreateError::Step {
                        machine: m.name.clone(),
                        step: "switching the swarm's other masters to leader election",
                        message: format!(
                            "{e}; run `flotilla provision` on that master before using the swarm"
                        ),
                    });
                }
            }
        }
    } else if swarm.is_swarm {
        // The masters' managers learn of the new member.
        match super::master::sync_members(store, &swarm.discovery).await {
            Ok(masters) if !masters.is_empty() => progress.step(
                &m.name,
                &format!("Added to the manager on {}", masters.join(", ")),
            ),
            Ok(_) => {}
            Err(e) => progress.warn(
                &m.name,
                &format!("the manager on the master does not know this member yet: {e}"),
            ),
        }
    }
    Ok(m)
}

/// Everything up to an engine that answers: driver, certificates,
/// provisioning.
async fn create_engine(
    store: &Store,
    opts: &CreateOptions,
    progress: &dyn Progress,
) -> Result<Machine, CreateError> {
    let name = &opts.name;
    store::validate_name(name)?;
    if !opts.swarm.discovery.is_empty() {
        // A malformed URL fails before anything is created.
        DiscoveryUrl::parse(&opts.swarm.discovery).map_err(DiscoveryError::from)?;
    } else if opts.swarm.is_swarm {
        return Err(CreateError::NoDiscovery);
    }
    if store.exists(name) {
        return Err(StoreError::AlreadyExists(name.clone()).into());
    }
    if opts.swarm.is_swarm {
        // Check the discovery answers and knows the token before a machine
        // exists, so a typo does not cost a VM.
        membership::preflight(&opts.swarm.discovery, &opts.discovery).await?;
    }
    let ctx = handle::context(store, name);
    let mut drv =
        driver::for_create(&opts.driver, &opts.driver_options, ctx).map_err(|source| {
            CreateError::Driver {
                machine: name.clone(),
                source,
            }
        })?;
    progress.step(name, "Running pre-create checks...");
    drv.pre_create_check()
        .await
        .map_err(|source| CreateError::PreCreate {
            machine: name.clone(),
            source,
        })?;
    certs::bootstrap(store)?;

    let mut m = Machine::new(name, drv.name());
    m.host_options.engine_options = opts.engine.clone();
    m.host_options.swarm_options = opts.swarm.clone();
    m.host_options.auth_options.server_cert_sans = opts.tls_san.clone();
    m.created_at = Some(
        time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
    );
    m.error = Some("create did not finish".into());
    m.driver = drv.config();
    store.reserve(&m)?;

    let fail = |m: &mut Machine, step: &'static str, message: String| {
        m.error = Some(format!("{step}: {message}"));
        let _ = store.save(m);
        CreateError::Step {
            machine: m.name.clone(),
            step,
            message,
        }
    };

    let dir = store.machine_dir(name);
    let copied = match &opts.tls {
        Some(t) => certs::copy_set(&t.ca, &t.cert, &t.key, &dir),
        None => certs::install_client_copies(store, &dir),
    };
    if let Err(e) = copied {
        return Err(fail(&mut m, "copying certificates", e.to_string()));
    }

    progress.step(name, "Creating machine...");
    if let Err(e) = drv.create().await {
        m.driver = drv.config();
        return Err(fail(&mut m, "creating the machine", e.to_string()));
    }
    m.driver = drv.config();
    m.error = None;
    store.save(&m)?;

    if !drv.provisions() {
        // An adopted engine is not changed; say whether it answers, but do
        // not fail: it may simply be down right now.
        progress.step(name, "Checking connection to Docker...");
        if let Ok(loaded) = handle::load(store, name)
            && let Ok(addr) = loaded.addr().await
        {
            match loaded.probe(store, &addr, opts.check_timeout).await {
                Ok(v) => progress.step(name, &format!("Docker {} is up and running!", v.version)),
                Err(e) => progress.warn(name, &e.to_string()),
            }
        }
        return Ok(m);
    }

    m.error = Some("provisioning did not finish".into());
    store.save(&m)?;
    if drv.waits_for_running() {
        progress.step(name, "Waiting for the machine to be running...");
        if let Err(e) = super::wait_for_state(
            drv.as_ref(),
            crate::driver::State::Running,
            drv.boot_timeout(),
        )
        .await
        {
            return Err(fail(&mut m, "waiting for the machine", e.to_string()));
        }
    }
    let provisioned = super::provision_machine(store, &m, drv.as_ref(), false, &|msg: &str| {
        progress.step(name, msg)
    })
    .await;
    match provisioned {
        Ok(r) => {
            m.driver = drv.config();
            m.error = None;
            store.save(&m)?;
            progress.step(
                name,
                &format!("Docker {} is up and running!", r.engine_version),
            );
            Ok(m)
        }
        Err(super::ProvisionFailure::Provision(source)) => {
            m.driver = drv.config();
            m.error = Some(source.to_string());
            let _ = store.save(&m);
            Err(CreateError::Provision {
                machine: name.clone(),
                source,
            })
        }
        Err(super::ProvisionFailure::Driver(e)) => Err(fail(&mut m, "provisioning", e.to_string())),
    }
}

/// Registers the machine's engine address (or `--swarm-addr`) in its
/// swarm's discovery, without a TTL: it stays until `rm` deregisters it.
async fn join_swarm(
    store: &Store,
    m: &Machine,
    opts: &CreateOptions,
    progress: &dyn Progress,
) -> Result<(), String> {
    let s = &m.host_options.swarm_options;
    let loaded = handle::with_driver(store, m.clone()).map_err(|e| e.to_string())?;
    let engine = match loaded.addr().await {
        Ok(crate::engine::EngineAddr::Tcp { host, port }) => Some((host, port)),
        Ok(crate::engine::EngineAddr::Unix(_)) => None,
        Err(e) if s.address.is_empty() => return Err(e.to_string()),
        Err(_) => None,
    };
    let addr =
        membership::advertise_addr(&s.address, engine.as_ref().map(|(h, p)| (h.as_str(), *p)))?;
    progress.step(
        &m.name,
        &format!("Registering {addr} in {}...", s.discovery),
    );
    match membership::register(
        &store.machine_dir(&m.name),
        &s.discovery,
        &addr,
        &opts.discovery,
    )
    .await
    {
        Ok(membership::Outcome::Registered) => Ok(()),
        Ok(membership::Outcome::Static) => {
            progress.warn(
                &m.name,
                &format!(
                    "{} is a fixed list: nothing to register (list {addr} in it yourself)",
                    s.discovery
                ),
            );
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    }
}
