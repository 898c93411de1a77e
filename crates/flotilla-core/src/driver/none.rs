//! The `none` driver: adopt an engine that already runs, without touching it.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{Driver, DriverContext, DriverError, State};
use crate::engine::EngineAddr;

/// The `none` driver's create flags.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NoneOptions {
    /// URL of the engine to adopt (none driver): tcp://HOST:PORT or unix:///PATH
    pub url: Option<EngineAddr>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Config {
    #[serde(rename = "URL")]
    url: String,
    #[serde(rename = "IPAddress", default)]
    ip_address: String,
    #[serde(default)]
    machine_name: String,
}

/// Adopts the engine at a URL; flotilla neither creates, provisions nor removes anything.
pub struct NoneDriver {
    addr: EngineAddr,
    ctx: DriverContext,
}

impl NoneDriver {
    /// For `create`; `--url` is required.
    pub fn from_options(flags: &NoneOptions, ctx: DriverContext) -> Result<Self, DriverError> {
        let addr = flags.url.clone().ok_or_else(|| DriverError::Config {
            driver: "none",
            message: "--url is required (for example --url tcp://10.0.0.5:2376)".into(),
        })?;
        Ok(NoneDriver { addr, ctx })
    }

    /// From the stored `Driver` object (its `URL`).
    pub fn from_config(v: &serde_json::Value, ctx: DriverContext) -> Result<Self, DriverError> {
        let c: Config = serde_json::from_value(v.clone()).map_err(|e| DriverError::Config {
            driver: "none",
            message: e.to_string(),
        })?;
        let addr = c
            .url
            .parse()
            .map_err(|e: crate::engine::AddrError| DriverError::Config {
                driver: "none",
                message: e.to_string(),
            })?;
        Ok(NoneDriver { addr, ctx })
    }
}

#[async_trait]
impl Driver for NoneDriver {
    fn name(&self) -> &'static str {
        "none"
    }

    fn config(&self) -> serde_json::Value {
        serde_json::to_value(Config {
            url: self.addr.to_string(),
            ip_address: self.addr.host().unwrap_or_default().to_string(),
            machine_name: self.ctx.machine_name.clone(),
        })
        .unwrap_or(serde_json::Value::Null)
    }

    async fn create(&mut self) -> Result<(), DriverError> {
        Ok(())
    }

    /// An adopted engine is outside flotilla's control: it is taken to be
    /// running, and `ls` shows whether it answers.
    async fn state(&self) -> Result<State, DriverError> {
        Ok(State::Running)
    }

    async fn ip(&self) -> Result<String, DriverError> {
        match &self.addr {
            EngineAddr::Tcp { host, .. } => Ok(host.clone()),
            EngineAddr::Unix(_) => Ok("127.0.0.1".into()),
        }
    }

    async fn url(&self) -> Result<String, DriverError> {
        Ok(self.addr.to_string())
    }

    async fn remove(&mut self) -> Result<(), DriverError> {
        Ok(())
    }

    fn provisions(&self) -> bool {
        false
    }
}
