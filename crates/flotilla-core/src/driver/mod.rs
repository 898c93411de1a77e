//! Drivers: how a machine comes to exist and how its state is read.
//!
//! Each built-in driver takes a plain options struct (collected in
//! [`DriverOptions`]; the binary maps its `--<driver>-…` flags onto them) and
//! stores its configuration as opaque JSON in the machine record. The core
//! never looks inside it.

pub mod docker;
pub mod generic;
pub mod handle;
pub mod none;
pub mod plugin;
pub mod qemu;
pub mod virtualbox;

use std::fmt;
use std::path::PathBuf;

use async_trait::async_trait;
use serde::Serialize;

use crate::remote::RemoteTarget;
use crate::store::Machine;

/// Machine states, with docker-machine's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum State {
    /// No known state: the backend reported none, or one docker-machine has no name for
    /// (shown empty, as docker-machine did).
    #[serde(rename = "")]
    None,
    /// The host is up (its engine may still be starting).
    Running,
    /// Suspended in memory (a paused VM or container); `start` resumes it.
    Paused,
    /// Suspended to disk (VirtualBox's saved state).
    Saved,
    /// Powered off or exited; `start` brings it back.
    Stopped,
    /// Shutting down.
    Stopping,
    /// Booting.
    Starting,
    /// The state query failed or the host reports a fault.
    Error,
    /// `ls` gave up waiting for the answer (never returned by a driver).
    Timeout,
}

impl State {
    /// docker-machine's spelling, as `ls` prints it and `--filter state=` matches it; `""`
    /// for `None`.
    pub fn as_str(self) -> &'static str {
        match self {
            State::None => "",
            State::Running => "Running",
            State::Paused => "Paused",
            State::Saved => "Saved",
            State::Stopped => "Stopped",
            State::Stopping => "Stopping",
            State::Starting => "Starting",
            State::Error => "Error",
            State::Timeout => "Timeout",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a driver could not answer or act.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// The host is down, so it has no URL, IP or shell; not a fault in itself.
    #[error("host is not running")]
    NotRunning,
    /// The driver cannot do this (e.g. `stop` on `generic`).
    #[error("the {driver} driver does not support {action}")]
    Unsupported {
        /// The driver's name.
        driver: &'static str,
        /// The refused action, named as its command (`stop`, `ssh`, …).
        action: &'static str,
    },
    /// A check before anything was created failed; `create` then exits with code 3, as
    /// docker-machine did.
    #[error("pre-create check failed: {0}")]
    PreCreate(String),
    /// No driver of that name: neither built in nor a `flotilla-driver-<name>` plugin on `PATH`.
    #[error(
        "driver {name:?} not found: it is not built in ({builtin}) and no flotilla-driver-{name} plugin is on PATH"
    )]
    Unknown {
        /// The name asked for.
        name: String,
        /// The built-in drivers' names, comma-separated, for the message.
        builtin: String,
    },
    /// The driver's flags or stored configuration are invalid.
    #[error("invalid {driver} driver configuration: {message}")]
    Config {
        /// The driver's name.
        driver: &'static str,
        /// What is wrong, for the user.
        message: String,
    },
    /// Anything else the driver or its backend (VBoxManage, QEMU, the Docker API, a plugin)
    /// reported.
    #[error("{0}")]
    Failed(String),
}

/// What a driver needs to know about its machine.
#[derive(Debug, Clone)]
pub struct DriverContext {
    /// The machine's name, as its store directory is named.
    pub machine_name: String,
    /// The machine's directory in the store (`<store>/machines/<name>`), where the driver
    /// keeps its disks, keys and sockets.
    pub machine_dir: PathBuf,
    /// The store's root, for what machines share (the image cache, other machines' directories).
    pub store_root: PathBuf,
}

/// One machine's backend: how it is created, started, stopped, removed and reached.
/// Actions a driver cannot perform keep the default, which answers [`DriverError::Unsupported`].
#[async_trait]
pub trait Driver: Send + Sync {
    /// The driver's name, as `--driver` takes it and `config.json`'s `DriverName` stores it.
    fn name(&self) -> &'static str;

    /// The configuration persisted as `config.json`'s `Driver` object.
    fn config(&self) -> serde_json::Value;

    /// Checks that can fail before anything is created (exit code 3).
    async fn pre_create_check(&self) -> Result<(), DriverError> {
        Ok(())
    }

    /// Creates the host (VM, container or adopted host) and leaves it running; the engine is
    /// provisioned afterwards, by the caller, when [`Driver::provisions`] says so.
    async fn create(&mut self) -> Result<(), DriverError>;

    /// Asks the backend for the host's current state.
    async fn state(&self) -> Result<State, DriverError>;

    /// The address the host is reached at (what `flotilla ip` prints); `NotRunning` when it
    /// has none.
    async fn ip(&self) -> Result<String, DriverError>;

    /// The engine URL (`tcp://IP:2376`); `NotRunning` when the host is down.
    async fn url(&self) -> Result<String, DriverError>;

    /// Boots a stopped host (or resumes a paused one); unsupported by default.
    async fn start(&mut self) -> Result<(), DriverError> {
        Err(self.unsupported("start"))
    }

    /// Shuts the host down gracefully; unsupported by default.
    async fn stop(&mut self) -> Result<(), DriverError> {
        Err(self.unsupported("stop"))
    }

    /// Reboots the host; unsupported by default.
    async fn restart(&mut self) -> Result<(), DriverError> {
        Err(self.unsupported("restart"))
    }

    /// Powers the host off at once; unsupported by default.
    async fn kill(&mut self) -> Result<(), DriverError> {
        Err(self.unsupported("kill"))
    }

    /// Removes what the driver created outside the store.
    async fn remove(&mut self) -> Result<(), DriverError>;

    /// How to run commands on the machine (provisioning, `ssh`, `scp`).
    async fn remote(&self) -> Result<RemoteTarget, DriverError> {
        Err(self.unsupported("ssh"))
    }

    /// How long a new or restarted machine may take until its runner
    /// connects (a booting VM needs longer than a reachable host).
    fn boot_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(20)
    }

    /// Whether `create` waits for the driver to report Running before
    /// connecting; false for hosts that are supposed to be up already
    /// (the connection attempt then explains a failure best).
    fn waits_for_running(&self) -> bool {
        true
    }

    /// Whether `create` installs and configures the engine; false for
    /// drivers that adopt an engine as it is.
    fn provisions(&self) -> bool {
        true
    }

    /// Whether the URL alone proves the host is running, so `ls` can skip
    /// the state query (docker-machine's shortcut).
    fn url_implies_running(&self) -> bool {
        true
    }

    /// The port the engine listens on inside the host when the URL's port
    /// only forwards to it (a VM on QEMU's user network); `None`: the
    /// URL's own port.
    fn engine_listen_port(&self) -> Option<u16> {
        None
    }

    #[doc(hidden)]
    fn unsupported(&self, action: &'static str) -> DriverError {
        DriverError::Unsupported {
            driver: self.name(),
            action,
        }
    }
}

/// Every driver's create options; `create` reads the ones of the driver it
/// was given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DriverOptions {
    /// `--url` of the `none` driver.
    pub none: none::NoneOptions,
    /// `--generic-*` flags.
    pub generic: generic::GenericOptions,
    /// `--docker-*` flags.
    pub docker: docker::DockerOptions,
    /// `--virtualbox-*` flags.
    pub virtualbox: virtualbox::VirtualboxOptions,
    /// `--qemu-*` flags.
    pub qemu: qemu::QemuOptions,
    /// Values of a plugin driver's flags, by flag name (the plugin
    /// declares its flags over the plugin protocol).
    pub plugin: std::collections::BTreeMap<String, serde_json::Value>,
}

/// Names of the built-in drivers.
pub const BUILTIN: &[&str] = &["docker", "generic", "none", "qemu", "virtualbox"];

fn unknown(name: &str) -> DriverError {
    DriverError::Unknown {
        name: name.to_string(),
        builtin: BUILTIN.join(", "),
    }
}

/// A new driver for `create`, configured from its flags.
pub fn for_create(
    name: &str,
    options: &DriverOptions,
    ctx: DriverContext,
) -> Result<Box<dyn Driver>, DriverError> {
    match name {
        "none" => Ok(Box::new(none::NoneDriver::from_options(
            &options.none,
            ctx,
        )?)),
        "generic" => Ok(Box::new(generic::GenericDriver::from_options(
            &options.generic,
            ctx,
        )?)),
        "docker" => Ok(Box::new(docker::DockerDriver::from_options(
            &options.docker,
            ctx,
        )?)),
        "virtualbox" => Ok(Box::new(virtualbox::VirtualboxDriver::from_options(
            &options.virtualbox,
            ctx,
        )?)),
        "qemu" => Ok(Box::new(qemu::QemuDriver::from_options(
            &options.qemu,
            ctx,
        )?)),
        other => match plugin::find(other) {
            Some(path) => Ok(Box::new(plugin::PluginDriver::for_create(
                other,
                path,
                options.plugin.clone(),
                ctx,
            ))),
            None => Err(unknown(other)),
        },
    }
}

/// The driver of a stored machine.
pub fn load(m: &Machine, ctx: DriverContext) -> Result<Box<dyn Driver>, DriverError> {
    match m.driver_name.as_str() {
        "none" => Ok(Box::new(none::NoneDriver::from_config(&m.driver, ctx)?)),
        "generic" => Ok(Box::new(generic::GenericDriver::from_config(
            &m.driver, ctx,
        )?)),
        "docker" => Ok(Box::new(docker::DockerDriver::from_config(&m.driver, ctx)?)),
        "virtualbox" => Ok(Box::new(virtualbox::VirtualboxDriver::from_config(
            &m.driver, ctx,
        )?)),
        "qemu" => Ok(Box::new(qemu::QemuDriver::from_config(&m.driver, ctx)?)),
        other => match plugin::find(other) {
            Some(path) => Ok(Box::new(plugin::PluginDriver::load(
                other,
                path,
                m.driver.clone(),
                ctx,
            ))),
            None => Err(unknown(other)),
        },
    }
}
