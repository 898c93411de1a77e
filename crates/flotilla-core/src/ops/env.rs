//! `env` and `config`: the variables that point a Docker client at a
//! machine, after checking that the connection really works.

use std::time::Duration;

use crate::cluster::swarm_dir::ManagerRecord;
use crate::driver::handle::{self, MachineError};
use crate::engine::EngineAddr;
use crate::store::Store;

#[derive(Debug, Clone)]
pub struct EnvOptions {
    pub name: String,
    pub swarm: bool,
    pub timeout: Duration,
}

/// What a client needs to reach a machine.
#[derive(Debug, Clone)]
pub struct Connection {
    pub name: String,
    pub url: String,
    pub ip: String,
    pub cert_path: String,
    pub tls: bool,
}

/// Resolves and checks the connection to a machine's engine (or its swarm
/// manager with `swarm`), failing with the probe's error when the engine
/// does not answer or the certificates do not fit.
pub async fn connection(store: &Store, opts: &EnvOptions) -> Result<Connection, MachineError> {
    let loaded = handle::load(store, &opts.name)?;
    if let Some(e) = &loaded.machine.error {
        return Err(MachineError::Other {
            machine: opts.name.clone(),
            message: format!("the machine is in error: {e}"),
        });
    }
    let engine_addr = loaded.addr().await?;
    let mut addr = if opts.swarm {
        let s = loaded.machine.swarm();
        if !s.master {
            return Err(MachineError::Other {
                machine: opts.name.clone(),
                message: "not a swarm master; --swarm is for swarm masters".into(),
            });
        }
        engine_addr.with_port(s.host_port())
    } else {
        engine_addr.clone()
    };
    if let Err(e) = loaded.probe(store, &addr, opts.timeout).await {
        // A manager running here rather than on the master (`flotilla manage` on a laptop).
        let mut local = None;
        if opts.swarm {
            let discovery = &loaded.machine.swarm().discovery;
            for r in ManagerRecord::running(store, discovery) {
                if let Ok(a) = r.url.parse::<EngineAddr>()
                    && loaded.probe(store, &a, opts.timeout).await.is_ok()
                {
                    local = Some(a);
                    break;
                }
            }
        }
        if let Some(local) = local {
            addr = local;
        } else {
            if opts.swarm
                && loaded
                    .probe(store, &engine_addr, opts.timeout)
                    .await
                    .is_ok()
            {
                return Err(MachineError::Other {
                    machine: opts.name.clone(),
                    message: format!(
                        "the swarm manager at {addr} does not answer, but the engine and its certificates are fine; is the manager started (`flotilla manage --swarm {}`)?",
                        opts.name
                    ),
                });
            }
            return Err(e);
        }
    }
    let ip = loaded.ip().await.unwrap_or_default();
    Ok(Connection {
        name: opts.name.clone(),
        tls: matches!(addr, EngineAddr::Tcp { .. }),
        url: addr.to_string(),
        ip,
        cert_path: store.machine_dir(&opts.name).to_string_lossy().into_owned(),
    })
}

/// The variables to set, in docker-machine's order.
pub fn variables(c: &Connection) -> Vec<(String, String)> {
    let mut v = Vec::new();
    if c.tls {
        v.push(("DOCKER_TLS_VERIFY".to_string(), "1".to_string()));
    }
    v.push(("DOCKER_HOST".into(), c.url.clone()));
    if c.tls {
        v.push(("DOCKER_CERT_PATH".into(), c.cert_path.clone()));
    }
    v.push(("DOCKER_MACHINE_NAME".into(), c.name.clone()));
    v
}

/// The variables `--unset` removes.
pub const UNSET: [&str; 4] = [
    "DOCKER_TLS_VERIFY",
    "DOCKER_HOST",
    "DOCKER_CERT_PATH",
    "DOCKER_MACHINE_NAME",
];
