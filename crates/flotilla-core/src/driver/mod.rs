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
    #[serde(rename = "")]
    None,
    Running,
    Paused,
    Saved,
    Stopped,
    Stopping,
    Starting,
    Error,
    Timeout,
}

impl State {
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

#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    #[error("host is not running")]
    NotRunning,
    #[error("the {driver} driver does not support {action}")]
    Unsupported {
        driver: &'static str,
        action: &'static str,
    },
    #[error("pre-create check failed: {0}")]
    PreCreate(String),
    #[error(
        "driver {name:?} not found: it is not built in ({builtin}) and no flotilla-driver-{name} plugin is on PATH"
    )]
    Unknown { name: String, builtin: String },
    #[error("invalid {driver} driver configuration: {message}")]
    Config {
        driver: &'static str,
        message: String,
    },
    #[error("{0}")]
    Failed(String),
}

/// What a driver needs to know about its machine.
#[derive(Debug, Clone)]
pub struct DriverContext {
    pub machine_name: String,
    pub machine_dir: PathBuf,
    pub store_root: PathBuf,
}

#[async_trait]
pub trait Driver: Send + Sync {
    fn name(&self) -> &'static str;

    /// The configuration persisted as `config.json`'s `Driver` object.
    fn config(&self) -> serde_json::Value;

    /// Checks that can fail before anything is created (exit code 3).
    async fn pre_create_check(&self) -> Result<(), DriverError> {
        Ok(())
    }

    async fn create(&mut self) -> Result<(), DriverError>;

    async fn state(&self) -> Result<State, DriverError>;

    async fn ip(&self) -> Result<String, DriverError>;

    /// The engine URL (`tcp://IP:2376`); `NotRunning` when the host is down.
    async fn url(&self) -> Result<String, DriverError>;

    async fn start(&mut self) -> Result<(), DriverError> {
        Err(self.unsupported("start"))
    }

    async fn stop(&mut self) -> Result<(), DriverError> {
        Err(self.unsupported("stop"))
    }

    async fn restart(&mut self) -> Result<(), DriverError> {
        Err(self.unsupported("restart"))
    }

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
    pub none: none::NoneOptions,
    pub generic: generic::GenericOptions,
    pub docker: docker::DockerOptions,
    pub virtualbox: virtualbox::VirtualboxOptions,
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
