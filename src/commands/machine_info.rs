//! Small read-side commands: active, inspect, ip, status, url, version.

use serde::Serialize;

use super::{AlreadyReported, Ctx, hinted};
use crate::cli::{ActiveArgs, InspectArgs, NameArg, NamesArgs, VersionArgs};
use crate::output::template;
use flotilla_core::driver::State;
use flotilla_core::driver::handle::{self, MachineError};
use flotilla_core::ops::filter::Filters;
use flotilla_core::ops::ls::{self, LsOptions};

fn no_default(e: MachineError) -> anyhow::Error {
    match e {
        MachineError::NoDefault => hinted(e, "name a machine; `flotilla ls` lists them"),
        e => e.into(),
    }
}

pub async fn active(ctx: &Ctx, a: ActiveArgs) -> anyhow::Result<()> {
    let docker_host = std::env::var("DOCKER_HOST").ok();
    let opts = LsOptions {
        filters: Filters::default(),
        timeout: a.timeout,
        docker_host: docker_host.clone(),
    };
    let rows = ls::list(&ctx.store, &opts).await?;
    if let Some(r) = rows.iter().find(|r| r.active_host || r.active_swarm) {
        ctx.printer.data(&r.name);
        return Ok(());
    }
    if rows.iter().any(|r| r.state == State::Timeout) {
        anyhow::bail!("no active machine found, and some machines did not answer in time");
    }
    match docker_host {
        Some(h) if !h.is_empty() => {
            anyhow::bail!("no active machine found: no machine has the URL in DOCKER_HOST ({h})")
        }
        _ => Err(hinted(
            anyhow::anyhow!("no active machine found: DOCKER_HOST is not set"),
            "point your client at a machine with `eval \"$(flotilla env NAME)\"`",
        )),
    }
}

/// The record as `inspect` shows it: as stored, with certificate paths
/// made absolute so templates yield usable paths.
fn inspect_view(
    store: &flotilla_core::store::Store,
    m: &flotilla_core::store::Machine,
) -> serde_json::Value {
    let mut view = m.clone();
    view.host_options.auth_options = m.host_options.auth_options.resolved(store.root());
    serde_json::to_value(&view).unwrap_or(serde_json::Value::Null)
}

pub async fn inspect(ctx: &Ctx, a: InspectArgs) -> anyhow::Result<()> {
    let name = handle::resolve_name(&ctx.store, a.name.as_deref()).map_err(no_default)?;
    let m = ctx.store.load(&name)?;
    let view = inspect_view(&ctx.store, &m);
    match a.format {
        None => {
            let mut buf = Vec::new();
            let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
            let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
            view.serialize(&mut ser)?;
            ctx.printer.data(&String::from_utf8_lossy(&buf));
        }
        Some(f) => {
            let out = template::compile(&f)?.render(&view)?;
            ctx.printer.data(&out);
        }
    }
    Ok(())
}

pub async fn ip(ctx: &Ctx, a: NamesArgs) -> anyhow::Result<()> {
    let names = handle::resolve_names(&ctx.store, &a.names).map_err(no_default)?;
    let store = ctx.store.clone();
    let results = futures_util::future::join_all(names.iter().map(|n| {
        let store = store.clone();
        async move {
            let loaded = handle::load(&store, n)?;
            loaded.ip().await
        }
    }))
    .await;
    let mut failed = false;
    for r in results {
        match r {
            Ok(ip) => ctx.printer.data(&ip),
            Err(e) => {
                ctx.printer.error(&e.to_string());
                failed = true;
            }
        }
    }
    if failed {
        return Err(AlreadyReported.into());
    }
    Ok(())
}

pub async fn status(ctx: &Ctx, a: NameArg) -> anyhow::Result<()> {
    let name = handle::resolve_name(&ctx.store, a.name.as_deref()).map_err(no_default)?;
    let loaded = handle::load(&ctx.store, &name)?;
    if loaded.machine.error.is_some() {
        ctx.printer.data(State::Error.as_str());
        return Ok(());
    }
    let state = loaded.state().await?;
    ctx.printer.data(state.as_str());
    Ok(())
}

pub async fn url(ctx: &Ctx, a: NameArg) -> anyhow::Result<()> {
    let name = handle::resolve_name(&ctx.store, a.name.as_deref()).map_err(no_default)?;
    let loaded = handle::load(&ctx.store, &name)?;
    ctx.printer.data(&loaded.url().await?);
    Ok(())
}

pub async fn version(ctx: &Ctx, a: VersionArgs) -> anyhow::Result<()> {
    let Some(name) = a.name else {
        ctx.printer
            .data(&format!("flotilla version {}", env!("CARGO_PKG_VERSION")));
        return Ok(());
    };
    let loaded = handle::load(&ctx.store, &name)?;
    let addr = loaded.addr().await?;
    let v = loaded.probe(&ctx.store, &addr, a.timeout).await?;
    ctx.printer.data(&v.version);
    Ok(())
}
