//! `up`, `down` and `status -f`: a cluster file → options → `flotilla_core::spec` → output.
//! The plan (dry run) and the status table are data (stdout); progress goes to stderr.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;

use super::{Ctx, UsageError, hinted};
use crate::cli::{DownArgs, NameArg, StatusArgs, UpArgs};
use crate::output::progress::MachineProgress;
use flotilla_core::cluster::members;
use flotilla_core::spec::apply::{self, Progress, UpOptions};
use flotilla_core::spec::file::{self, Expanded, FileError};
use flotilla_core::spec::plan::{Kind, Plan};

/// The file given, or ./flotilla.yaml, or ./flotilla.yml.
fn file_path(given: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = given {
        return Some(p.to_path_buf());
    }
    ["flotilla.yaml", "flotilla.yml"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// Reads, parses and expands a cluster file; every problem with the file is a usage error
/// (exit 2) with its place.
fn load(given: Option<&Path>) -> anyhow::Result<Expanded> {
    let path = file_path(given).ok_or_else(|| {
        hinted(
            UsageError("no cluster file: flotilla.yaml is not in this directory".into()),
            "name one with -f FILE (examples/seed.yaml is one)",
        )
    })?;
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| UsageError(format!("cannot read {shown}: {e}")))?;
    let default_name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("cluster")
        .to_string();
    let usage = |e: FileError| anyhow::Error::new(UsageError(e.to_string()));
    let mut parsed = file::parse(&shown, &text).map_err(usage)?;
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
        .canonicalize()
        .unwrap_or_else(|_| PathBuf::from("."));
    file::resolve_paths(&mut parsed, &home, &dir);
    let expanded = file::expand(&shown, &parsed, &default_name).map_err(usage)?;
    file::waves(&expanded.containers).map_err(|e| UsageError(format!("{shown}: {e}")))?;
    Ok(expanded)
}

fn options(ctx: &Ctx, timeout: std::time::Duration) -> UpOptions {
    UpOptions {
        prune: false,
        timeout,
        discovery: members::discovery_settings(&ctx.store),
    }
}

/// The progress line of each step of a plan.
fn objects(plan: &Plan) -> Vec<String> {
    plan.steps
        .iter()
        .map(|s| match s.kind {
            Kind::Image => format!(
                "image {} → {}",
                s.name,
                s.detail.trim_start_matches("copy onto ")
            ),
            k => format!("{k} {}", s.name),
        })
        .collect()
}

struct Bars(MachineProgress);

impl Progress for Bars {
    fn step(&self, object: &str, message: &str) {
        self.0.step(object, message);
    }
    fn done(&self, object: &str, message: &str) {
        self.0.finish(object, message);
    }
    fn warn(&self, object: &str, message: &str) {
        self.0.warn(object, message);
    }
}

pub async fn up(ctx: &Ctx, a: UpArgs) -> anyhow::Result<()> {
    if a.schema {
        ctx.printer
            .data(&serde_json::to_string_pretty(&file::schema())?);
        return Ok(());
    }
    let want = load(a.file.file.as_deref())?;
    let mut opts = options(ctx, a.file.timeout);
    opts.prune = a.prune;
    let plan = apply::plan(&ctx.store, &want, &opts).await?;
    if a.dry_run {
        ctx.printer.data_raw(&plan.render());
        return Ok(());
    }
    if plan.is_empty() {
        for (k, n) in &plan.kept {
            ctx.printer.info(&format!(
                "keep {k} {n}: not in the file (--prune removes it)"
            ));
        }
        ctx.printer
            .info(&format!("{}: nothing to change", want.name));
        return Ok(());
    }
    for s in &plan.steps {
        ctx.printer.info(&format!("plan: {s}"));
    }
    let bars = Arc::new(Bars(MachineProgress::new(&ctx.printer, &objects(&plan))));
    apply::up(&ctx.store, &want, &plan, &opts, bars)
        .await
        .map_err(|e| {
            hinted(
                e,
                "fix the cause and run `flotilla up` again: it continues from what exists",
            )
        })?;
    ctx.printer.info(&format!(
        "{}: up ({} step{} done)",
        want.name,
        plan.steps.len(),
        if plan.steps.len() == 1 { "" } else { "s" }
    ));
    Ok(())
}

pub async fn down(ctx: &Ctx, a: DownArgs) -> anyhow::Result<()> {
    let want = load(a.file.file.as_deref())?;
    let opts = options(ctx, a.file.timeout);
    let state = apply::ClusterState::read(&ctx.store, &want.name)?;
    let mut names: Vec<String> = state
        .machines
        .keys()
        .map(|n| format!("machine {n}"))
        .collect();
    names.extend(
        want.containers
            .iter()
            .map(|c| format!("container {}", c.name)),
    );
    if let Some(p) = &want.proxy {
        names.push(format!("proxy {}", p.node));
    }
    let bars = Arc::new(Bars(MachineProgress::new(&ctx.printer, &names)));
    let r = apply::down(&ctx.store, &want.name, a.keep_machines, &opts, bars)
        .await
        .context("down")?;
    ctx.printer.info(&format!(
        "{}: removed {} container(s){}, {} machine(s)",
        want.name,
        r.containers.len(),
        if r.proxy { " and the proxy" } else { "" },
        r.machines.len()
    ));
    Ok(())
}

pub async fn status_or_machine(ctx: &Ctx, a: StatusArgs) -> anyhow::Result<()> {
    let cluster = a.file.is_some()
        || (a.name.is_none() && !ctx.store.exists("default") && file_path(None).is_some());
    if !cluster {
        return super::machine_info::status(ctx, NameArg { name: a.name }).await;
    }
    let want = load(a.file.as_deref())?;
    let rows = apply::status(&ctx.store, &want, &options(ctx, a.timeout)).await?;
    if a.format == "json" {
        ctx.printer.data(&serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    let mut table = vec![vec![
        "KIND".to_string(),
        "NAME".into(),
        "STATE".into(),
        "DETAIL".into(),
    ]];
    for r in &rows {
        table.push(vec![
            r.kind.to_string(),
            r.name.clone(),
            r.state.clone(),
            r.detail.clone(),
        ]);
    }
    ctx.printer.data_raw(&crate::output::table::render(&table));
    Ok(())
}
