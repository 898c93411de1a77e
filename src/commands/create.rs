use std::time::Instant;

use super::{Ctx, hinted};
use crate::cli::CreateArgs;
use crate::ops::create::{self, CreateError, CreateOptions, Progress, TlsSet};
use crate::store::StoreError;
use crate::store::machine::{EngineOptions, SwarmOptions};

struct Log<'a> {
    ctx: &'a Ctx,
    started: Instant,
}

impl Progress for Log<'_> {
    fn step(&self, machine: &str, message: &str) {
        tracing::debug!(
            machine,
            elapsed_ms = self.started.elapsed().as_millis() as u64,
            "{message}"
        );
        self.ctx.printer.info(&format!("({machine}) {message}"));
    }

    fn warn(&self, machine: &str, message: &str) {
        self.ctx.printer.warn(&format!("({machine}) {message}"));
    }
}

pub fn options(a: CreateArgs) -> CreateOptions {
    let e = a.engine;
    let s = a.swarm;
    let tls = match (
        a.tls.tls_ca_cert,
        a.tls.tls_client_cert,
        a.tls.tls_client_key,
    ) {
        (Some(ca), Some(cert), Some(key)) => Some(TlsSet { ca, cert, key }),
        _ => None,
    };
    CreateOptions {
        name: a.name,
        driver: a.driver,
        driver_flags: a.drivers,
        engine: EngineOptions {
            arbitrary_flags: e.opts,
            env: e.env,
            insecure_registry: e.insecure_registry,
            labels: e.labels,
            registry_mirror: e.registry_mirror,
            storage_driver: e.storage_driver.unwrap_or_default(),
            install_url: e.install_url,
            version: e.engine_version.unwrap_or_default(),
            tls_verify: true,
        },
        swarm: SwarmOptions {
            is_swarm: s.swarm || s.swarm_master,
            master: s.swarm_master,
            agent: s.swarm,
            discovery: s.swarm_discovery.unwrap_or_default(),
            strategy: s.swarm_strategy,
            host: s.swarm_host,
            address: s.swarm_addr.unwrap_or_default(),
            arbitrary_flags: s.swarm_opt,
            arbitrary_join_flags: s.swarm_join_opt,
        },
        tls_san: a.tls.tls_san,
        tls,
        check_timeout: a.tls.check_timeout,
        discovery: super::discovery::settings_for(std::path::PathBuf::new(), &a.discovery),
    }
}

pub async fn run(ctx: &Ctx, a: CreateArgs) -> anyhow::Result<()> {
    let mut opts = options(a);
    opts.discovery.store_root = ctx.store.root().to_path_buf();
    let log = Log {
        ctx,
        started: Instant::now(),
    };
    match create::create(&ctx.store, &opts, &log).await {
        Ok(m) => {
            ctx.printer.info(&format!(
                "To point your Docker client at it, run: flotilla env {}",
                m.name
            ));
            Ok(())
        }
        Err(e @ CreateError::Store(StoreError::AlreadyExists(_))) => Err(hinted(
            e,
            format!(
                "pick another name, or remove it first with `flotilla rm {}`",
                opts.name
            ),
        )),
        Err(e @ CreateError::Step { .. }) => Err(hinted(
            e,
            format!(
                "the record is kept: `flotilla ls` shows it, `flotilla rm {}` removes it",
                opts.name
            ),
        )),
        Err(CreateError::Discovery(e)) => Err(super::discovery::user_error(e)),
        Err(e) => Err(e.into()),
    }
}
