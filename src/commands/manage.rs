//! `manage`: serve the Docker Engine API for a swarm until stopped.

use std::net::SocketAddr;

use anyhow::Context as _;

use super::{AlreadyReported, Ctx, hinted};
use crate::cli::{ManageArgs, ManageCommand, ManageStatusArgs};
use flotilla_core::cluster::members;
use flotilla_core::cluster::model::ModelOptions;
use flotilla_core::discovery::server::shutdown_signal;
use flotilla_core::engine::EngineAddr;
use flotilla_core::manager::{self, ManagerOptions, ReplicationOptions};
use flotilla_core::ops::master;

/// `tcp://IP:PORT` → a socket address (a host name is not a place to listen).
fn listen_addr(url: &str) -> anyhow::Result<SocketAddr> {
    match url.parse::<EngineAddr>()? {
        EngineAddr::Tcp { host, port } => format!("{host}:{port}")
            .parse::<SocketAddr>()
            .or_else(|_| format!("[{host}]:{port}").parse::<SocketAddr>())
            .with_context(|| {
                format!("cannot listen on {url}: give an IP address, as in tcp://0.0.0.0:3376")
            }),
        EngineAddr::Unix(_) => {
            anyhow::bail!("cannot listen on {url}: the manager listens on tcp://IP:PORT")
        }
    }
}

/// The master a `manage status` is about: the one named, or the only swarm's.
fn master_name(ctx: &Ctx, given: Option<&str>) -> anyhow::Result<String> {
    let machines: Vec<_> = ctx
        .store
        .list_names()?
        .iter()
        .filter_map(|n| ctx.store.load(n).ok())
        .collect();
    let swarm = members::choose(&machines, given)?;
    swarm.master.ok_or_else(|| {
        hinted(
            anyhow::anyhow!("swarm {} has no master in the store", swarm.discovery),
            "create one with `flotilla create --swarm-master --swarm-discovery URL NAME`",
        )
    })
}

async fn status(ctx: &Ctx, a: ManageStatusArgs) -> anyhow::Result<()> {
    let master = master_name(ctx, a.swarm.as_deref())?;
    let st = master::status(&ctx.store, &master, a.timeout).await?;
    if a.format == "json" {
        ctx.printer.data(&serde_json::to_string_pretty(&st)?);
    } else {
        let state = match (&st.version, &st.error) {
            (Some(v), _) => format!("answers ({v})"),
            (None, Some(e)) => format!("does not answer: {e}"),
            (None, None) => "does not answer".into(),
        };
        let by = if st.deployed {
            "installed on the master by flotilla"
        } else {
            "not installed by flotilla (started by hand, or not at all)"
        };
        let mut text = format!(
            "MASTER\t{}\nURL\t{}\nMANAGER\t{state}\nSERVICE\t{by}\n",
            st.master, st.url
        );
        if let Some(p) = &st.proxy {
            text.push_str(&format!(
                "PROXY\twatcher next to the manager, nginx on {} port {}\n",
                p.node, p.http_port
            ));
        }
        ctx.printer.data_raw(&text);
    }
    if st.error.is_some() {
        return Err(AlreadyReported.into());
    }
    Ok(())
}

pub async fn run(ctx: &Ctx, a: ManageArgs) -> anyhow::Result<()> {
    if let Some(ManageCommand::Status(s)) = a.command {
        return status(ctx, s).await;
    }
    let host = match &a.host {
        Some(h) => h.clone(),
        None => {
            // The master's record says where its manager listens (`--swarm-host`).
            let (swarm, _) = members::resolve(&ctx.store, a.select.swarm.as_deref()).await?;
            swarm
                .master
                .as_deref()
                .and_then(|m| ctx.store.load(m).ok())
                .map(|m| m.swarm().host.clone())
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| "tcp://0.0.0.0:3376".to_string())
        }
    };
    let opts = ManagerOptions {
        selector: a.select.swarm.clone(),
        listen: listen_addr(&host)?,
        sans: a.tls_san.clone(),
        timeout: a.select.timeout,
        pending_ttl: a.pending_ttl,
        limits: a.limits.to_limits(),
        model: ModelOptions {
            refresh_min: a.engine_refresh_min_interval,
            refresh_max: a.engine_refresh_max_interval,
            failure_retry: a.engine_failure_retry,
            timeout: a.select.timeout,
            discovery_poll: a.heartbeat,
        },
        server_cert: a.tls_cert.clone().zip(a.tls_key.clone()),
    };
    let mut opts = opts;
    if let Some(adv) = &a.advertise {
        // The advertised address is what replicas dial: the certificate must name it.
        let host = adv.rsplit_once(':').map(|(h, _)| h).unwrap_or(adv);
        opts.sans.push(
            host.trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
        );
    }
    opts.model.validate().map_err(super::UsageError)?;
    let mut bound = manager::bind(&ctx.store, opts).await?;
    if a.replication {
        let advertise = a.advertise.clone().unwrap_or_default();
        bound = bound.replicate(ReplicationOptions {
            store_url: a.replication_store.clone(),
            advertise,
            ttl: a.replication_ttl,
        })?;
    }
    ctx.printer.info(&format!(
        "manager of {} listening on tcp://{}; point the docker CLI at it with: eval \"$(flotilla env --swarm {})\"",
        bound.swarm.master.as_deref().unwrap_or(&bound.swarm.discovery),
        bound.local,
        bound.swarm.master.as_deref().unwrap_or("MASTER"),
    ));
    bound.run(shutdown_signal()).await?;
    ctx.printer.info("manager stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::listen_addr;

    #[test]
    fn listen_addresses() {
        assert_eq!(listen_addr("tcp://0.0.0.0:3376").unwrap().port(), 3376);
        assert!(listen_addr("tcp://[::1]:3376").is_ok() || listen_addr("tcp://::1:3376").is_ok());
        assert!(listen_addr("unix:///x.sock").is_err());
        assert!(listen_addr("tcp://example.com:3376").is_err());
    }
}
