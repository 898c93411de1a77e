//! The `generic` driver: an existing host reached over SSH. flotilla
//! provisions its engine; the host itself is not created or destroyed.
//!
//! Differences from docker-machine: the host key is checked (accept-new,
//! per-machine known_hosts), an installed engine is kept as it is (only
//! flotilla's settings are merged in), and `rm --generic-cleanup` removes
//! flotilla's configuration from the host instead of leaving it dirty.

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{Driver, DriverContext, DriverError, State};
use crate::remote::{self, RemoteTarget, SshTarget, sh_quote};

/// The `generic` driver's create flags (`--generic-*`); the defaults are docker-machine's
/// (`root`, port 22, engine port 2376).
#[derive(Debug, Clone, PartialEq)]
pub struct GenericOptions {
    /// IP address or host name of the host (generic driver; required)
    pub ip_address: Option<String>,
    /// SSH user (generic driver); non-root users need passwordless sudo
    pub ssh_user: String,
    /// SSH private key, copied into the store (generic driver) [default: ssh-agent and ~/.ssh]
    pub ssh_key: Option<PathBuf>,
    /// SSH port (generic driver)
    pub ssh_port: u16,
    /// Port the engine listens on with TLS (generic driver)
    pub engine_port: u16,
}

impl Default for GenericOptions {
    fn default() -> Self {
        GenericOptions {
            ip_address: Default::default(),
            ssh_user: "root".to_string(),
            ssh_key: Default::default(),
            ssh_port: 22,
            engine_port: 2376,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Config {
    #[serde(rename = "IPAddress")]
    ip_address: String,
    #[serde(rename = "SSHUser")]
    ssh_user: String,
    #[serde(rename = "SSHPort")]
    ssh_port: u16,
    /// The key's copy, relative to the store root; empty: agent/defaults.
    #[serde(rename = "SSHKeyPath", default)]
    ssh_key_path: String,
    engine_port: u16,
    #[serde(default)]
    machine_name: String,
}

/// A host that exists already, reached over SSH with a per-machine `known_hosts`.
pub struct GenericDriver {
    c: Config,
    /// The user's key, copied into the store by `create`.
    source_key: Option<PathBuf>,
    ctx: DriverContext,
}

fn config_err(message: String) -> DriverError {
    DriverError::Config {
        driver: "generic",
        message,
    }
}

impl GenericDriver {
    /// For `create`; `--generic-ip-address` is required. A given key is copied into the machine's
    /// directory by `create`, after `pre_create_check` has read it.
    pub fn from_options(f: &GenericOptions, ctx: DriverContext) -> Result<Self, DriverError> {
        let ip = f
            .ip_address
            .clone()
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| {
                config_err("--generic-ip-address is required (the host to provision)".into())
            })?;
        let ssh_key_path = match &f.ssh_key {
            Some(k) => {
                let base = k
                    .file_name()
                    .map(|b| b.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "id_rsa".into());
                format!("machines/{}/{base}", ctx.machine_name)
            }
            None => String::new(),
        };
        Ok(GenericDriver {
            c: Config {
                ip_address: ip.trim().to_string(),
                ssh_user: f.ssh_user.clone(),
                ssh_port: f.ssh_port,
                ssh_key_path,
                engine_port: f.engine_port,
                machine_name: ctx.machine_name.clone(),
            },
            source_key: f.ssh_key.clone(),
            ctx,
        })
    }

    /// From the stored `Driver` object.
    pub fn from_config(v: &serde_json::Value, ctx: DriverContext) -> Result<Self, DriverError> {
        let c: Config = serde_json::from_value(v.clone()).map_err(|e| config_err(e.to_string()))?;
        Ok(GenericDriver {
            c,
            source_key: None,
            ctx,
        })
    }

    fn target(&self) -> SshTarget {
        SshTarget {
            host: self.c.ip_address.clone(),
            port: self.c.ssh_port,
            user: self.c.ssh_user.clone(),
            key: (!self.c.ssh_key_path.is_empty())
                .then(|| self.ctx.store_root.join(&self.c.ssh_key_path)),
            known_hosts: self.ctx.machine_dir.join("known_hosts"),
        }
    }

    async fn port_open(&self, timeout: Duration) -> bool {
        let addr = format!("{}:{}", self.c.ip_address, self.c.ssh_port);
        matches!(
            tokio::time::timeout(timeout, tokio::net::TcpStream::connect(&addr)).await,
            Ok(Ok(_))
        )
    }
}

#[async_trait]
impl Driver for GenericDriver {
    fn name(&self) -> &'static str {
        "generic"
    }

    fn config(&self) -> serde_json::Value {
        serde_json::to_value(&self.c).unwrap_or(serde_json::Value::Null)
    }

    async fn pre_create_check(&self) -> Result<(), DriverError> {
        if let Some(k) = &self.source_key {
            remote::ssh::check_key(k).map_err(|e| DriverError::PreCreate(e.to_string()))?;
        }
        Ok(())
    }

    /// Copies the key (and its `.pub`, when present) into the machine
    /// directory, so the store is self-contained.
    async fn create(&mut self) -> Result<(), DriverError> {
        if let Some(src) = &self.source_key {
            let dst = self.ctx.store_root.join(&self.c.ssh_key_path);
            crate::store::copy_with_mode(src, &dst, 0o600).map_err(|e| {
                DriverError::Failed(format!("copying the ssh key {}: {e}", src.display()))
            })?;
            let mut pub_src = src.clone().into_os_string();
            pub_src.push(".pub");
            let pub_src = PathBuf::from(pub_src);
            if pub_src.exists() {
                let mut pub_dst = dst.into_os_string();
                pub_dst.push(".pub");
                let _ = crate::store::copy_with_mode(&pub_src, &PathBuf::from(pub_dst), 0o644);
            }
        }
        Ok(())
    }

    /// A TCP probe of the SSH port, as docker-machine did: a host that does
    /// not answer is Stopped.
    async fn state(&self) -> Result<State, DriverError> {
        Ok(if self.port_open(Duration::from_secs(5)).await {
            State::Running
        } else {
            State::Stopped
        })
    }

    async fn ip(&self) -> Result<String, DriverError> {
        Ok(self.c.ip_address.clone())
    }

    async fn url(&self) -> Result<String, DriverError> {
        let host = if self.c.ip_address.contains(':') {
            format!("[{}]", self.c.ip_address)
        } else {
            self.c.ip_address.clone()
        };
        Ok(format!("tcp://{host}:{}", self.c.engine_port))
    }

    /// Reboots the host and waits until its SSH port closes (or 30 s), so
    /// the caller's wait for Running sees the host come back.
    async fn restart(&mut self) -> Result<(), DriverError> {
        let r = remote::connect(&RemoteTarget::Ssh(self.target()), Duration::from_secs(10))
            .await
            .map_err(|e| DriverError::Failed(e.to_string()))?;
        let reboot = "(sleep 1; shutdown -r now || reboot) </dev/null >/dev/null 2>&1 &";
        let script = if self.c.ssh_user == "root" {
            reboot.to_string()
        } else {
            format!("sudo -n sh -c {}", sh_quote(reboot))
        };
        let out = r
            .run(&script)
            .await
            .map_err(|e| DriverError::Failed(e.to_string()))?;
        r.close().await;
        if !out.success() {
            return Err(DriverError::Failed(format!(
                "reboot failed: {}",
                out.error_text()
            )));
        }
        for _ in 0..60 {
            if !self.port_open(Duration::from_millis(500)).await {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        tracing::warn!(
            "({}) the host's SSH port stayed open after the reboot command",
            self.ctx.machine_name
        );
        Ok(())
    }

    /// Forgets the host; it is not ours to destroy. `rm --generic-cleanup`
    /// removes flotilla's configuration first (see `ops::rm`).
    async fn remove(&mut self) -> Result<(), DriverError> {
        Ok(())
    }

    async fn remote(&self) -> Result<RemoteTarget, DriverError> {
        Ok(RemoteTarget::Ssh(self.target()))
    }

    fn url_implies_running(&self) -> bool {
        false
    }

    fn waits_for_running(&self) -> bool {
        false
    }

    /// The host should be up: retry the connection briefly only.
    fn boot_timeout(&self) -> Duration {
        Duration::from_secs(10)
    }
}
