use std::sync::Arc;
use std::time::Instant;

use super::{AlreadyReported, Ctx, ExitStatus, hinted};
use crate::cli::CreateArgs;
use crate::output::progress::MachineProgress;
use flotilla_core::ops::create::{self, CreateError, CreateOptions, Progress, TlsSet};
use flotilla_core::store::StoreError;
use flotilla_core::store::machine::{EngineOptions, SwarmOptions};

struct Log {
    bars: Arc<MachineProgress>,
    started: Instant,
}

impl Progress for Log {
    fn step(&self, machine: &str, message: &str) {
        tracing::debug!(
            machine,
            elapsed_ms = self.started.elapsed().as_millis() as u64,
            "{message}"
        );
        self.bars.step(machine, message);
    }

    fn warn(&self, machine: &str, message: &str) {
        self.bars.warn(machine, message);
    }
}

/// One set of options per name given.
pub fn options_each(a: CreateArgs) -> Vec<CreateOptions> {
    let names = a.names.clone();
    let base = options(a);
    names
        .into_iter()
        .map(|n| CreateOptions {
            name: n,
            ..base.clone()
        })
        .collect()
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
        name: a.names.first().cloned().unwrap_or_default(),
        driver: a.driver,
        driver_options: a.drivers.into(),
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

fn explain(e: CreateError, name: &str) -> anyhow::Error {
    match e {
        e @ CreateError::Store(StoreError::AlreadyExists(_)) => hinted(
            e,
            format!("pick another name, or remove it first with `flotilla rm {name}`"),
        ),
        CreateError::Provision { machine, source } => {
            let hint = source.hint().unwrap_or_else(|| {
                format!("fix the cause, then `flotilla provision {name}`; or `flotilla rm {name}`")
            });
            hinted(CreateError::Provision { machine, source }, hint)
        }
        e @ CreateError::Step { .. } => hinted(
            e,
            format!("the record is kept: `flotilla ls` shows it, `flotilla rm {name}` removes it"),
        ),
        CreateError::Discovery(e) => super::discovery::user_error(e),
        e => e.into(),
    }
}

/// Creates every named machine concurrently and reports every failure.
/// On Ctrl-C the records of unfinished machines stay, marked with their
/// error, so `ls` shows them and `rm` removes them.
pub async fn run(ctx: &Ctx, a: CreateArgs) -> anyhow::Result<()> {
    let all = options_each(a);
    let names: Vec<String> = all.iter().map(|o| o.name.clone()).collect();
    let bars = Arc::new(MachineProgress::new(&ctx.printer, &names));
    let log = Arc::new(Log {
        bars: bars.clone(),
        started: Instant::now(),
    });
    let mut set = tokio::task::JoinSet::new();
    for (i, mut opts) in all.into_iter().enumerate() {
        opts.discovery.store_root = ctx.store.root().to_path_buf();
        let store = ctx.store.clone();
        let log = log.clone();
        set.spawn(async move {
            let r = create::create(&store, &opts, log.as_ref()).await;
            (i, opts.name, r)
        });
    }
    let mut results = vec![];
    let interrupted = loop {
        tokio::select! {
            next = set.join_next() => match next {
                Some(Ok(r)) => results.push(r),
                Some(Err(e)) => tracing::error!("a create task failed: {e}"),
                None => break false,
            },
            _ = tokio::signal::ctrl_c() => break true,
        }
    };
    if interrupted {
        set.abort_all();
        ctx.printer
            .error("interrupted: unfinished machines are kept with their error");
        ctx.printer
            .hint("`flotilla ls` shows them, `flotilla rm NAME` removes them");
        return Err(ExitStatus(130).into());
    }
    results.sort_by_key(|(i, _, _)| *i);
    let single = results.len() == 1;
    let mut errors = vec![];
    for (_, name, r) in results {
        match r {
            Ok(m) => bars.finish(
                &m.name,
                &format!(
                    "created; point your Docker client at it with: eval \"$(flotilla env {})\"",
                    m.name
                ),
            ),
            Err(e) => {
                bars.finish(&name, "failed");
                errors.push(explain(e, &name));
            }
        }
    }
    if single && let Some(e) = errors.pop() {
        return Err(e);
    }
    let failed = errors.len();
    for e in errors {
        ctx.printer.error(&format!("{e:#}"));
        if let Some(h) = e.downcast_ref::<super::Hinted>() {
            ctx.printer.hint(&h.hint);
        }
    }
    if failed > 0 {
        return Err(AlreadyReported.into());
    }
    Ok(())
}
