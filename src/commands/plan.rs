//! `plan`: placement decisions from a state document, with no engine.
//! Exit codes: 0 every request placed, 1 some not, 2 unusable files or
//! command line.

use super::{Ctx, ExitStatus, UsageError};
use crate::cli::PlanArgs;
use flotilla_core::ops::run_spec;
use flotilla_core::scheduler::plan::{self, PlanOverrides};

fn read(path: &std::path::Path, what: &str) -> anyhow::Result<String> {
    super::read_input(path, what, true).map_err(|e| UsageError(e.to_string()).into())
}

pub async fn run(ctx: &Ctx, a: PlanArgs) -> anyhow::Result<()> {
    let overrides = PlanOverrides {
        strategy: a.strategy,
        overcommit: a.overcommit,
        seed: a.seed,
    };
    let state = read(&a.state, "state")?;
    let usage = |e: plan::PlanError| anyhow::Error::new(UsageError(e.to_string()));
    if let Some(requests) = &a.requests {
        let requests = read(requests, "requests")?;
        let outcome = plan::plan_from_files(&state, &requests, &overrides).map_err(usage)?;
        let mut s = serde_json::to_string_pretty(&outcome.results)?;
        s.push('\n');
        ctx.printer.data_raw(&s);
        if !outcome.all_placed {
            return Err(ExitStatus(1).into());
        }
        return Ok(());
    }
    let image = a.image.clone().unwrap_or_default();
    let mut env_files = Vec::new();
    for f in &a.flags.env_file {
        env_files.push((f.display().to_string(), read(f, "env")?));
    }
    let lookup = |k: &str| std::env::var(k).ok();
    let request = run_spec::build(
        &a.flags.clone().into(),
        &image,
        &a.command,
        &env_files,
        &lookup,
    )
    .and_then(|s| s.request())
    .map_err(|e| anyhow::Error::new(UsageError(e.to_string())))?;
    let result = plan::plan_single(&state, &request, &overrides).map_err(usage)?;
    let mut s = serde_json::to_string_pretty(&result)?;
    s.push('\n');
    ctx.printer.data_raw(&s);
    if let Some(e) = result.error {
        anyhow::bail!(e);
    }
    Ok(())
}
