//! `run`: place, create and start a container on a swarm, like `docker run`
//! against a classic Swarm manager.

use std::sync::Mutex;

use super::{Ctx, ExitStatus, UsageError};
use crate::cli::RunArgs;
use crate::output::Printer;
use crate::view::swarm as swarm_view;
use flotilla_core::ops::run::{self, Mode, RunOptions, RunOutcome, RunProgress};
use flotilla_core::ops::run_spec;

/// Pull progress: a spinner with the latest status on a terminal, one line
/// otherwise.
struct Progress {
    printer: Printer,
    bar: Mutex<Option<indicatif::ProgressBar>>,
}

impl RunProgress for Progress {
    fn pull(&self, node: &str, image: &str, status: &str) {
        let Ok(mut bar) = self.bar.lock() else {
            return;
        };
        match bar.as_ref() {
            Some(b) => b.set_message(format!("pulling {image} on {node}: {status}")),
            None if self.printer.progress() => {
                let b = indicatif::ProgressBar::new_spinner();
                b.enable_steady_tick(std::time::Duration::from_millis(120));
                b.set_message(format!("pulling {image} on {node}: {status}"));
                *bar = Some(b);
            }
            None => {
                self.printer.info(&format!("pulling {image} on {node}"));
                *bar = Some(indicatif::ProgressBar::hidden());
            }
        }
    }

    fn pulled(&self, _node: &str, _image: &str) {
        if let Ok(mut bar) = self.bar.lock()
            && let Some(b) = bar.take()
        {
            b.finish_and_clear();
        }
    }
}

pub async fn run(ctx: &Ctx, a: RunArgs) -> anyhow::Result<()> {
    let mut env_files = Vec::new();
    for f in &a.flags.env_file {
        let text = super::read_input(f, "env", false)?;
        env_files.push((f.display().to_string(), text));
    }
    let lookup = |k: &str| std::env::var(k).ok();
    // A flag value docker would refuse is a usage error (exit 2).
    let spec = run_spec::build(
        &a.flags.clone().into(),
        &a.image,
        &a.command,
        &env_files,
        &lookup,
    )
    .map_err(|e| anyhow::Error::new(UsageError(e.to_string())))?;
    let mode = if a.explain {
        Mode::Explain
    } else if a.dry_run {
        Mode::DryRun
    } else {
        Mode::Create
    };
    let opts = RunOptions {
        selector: a.select.swarm.clone(),
        timeout: a.select.timeout,
        pending_ttl: a.pending_ttl,
        mode,
        start: true,
        console_size: crate::output::terminal::size(),
    };
    let progress = Progress {
        printer: ctx.printer.clone(),
        bar: Mutex::new(None),
    };
    match run::run(&ctx.store, &spec, &opts, &progress).await? {
        RunOutcome::DryRun(result) => {
            ctx.printer.data(&serde_json::to_string(&result)?);
            if let Some(e) = result.error {
                anyhow::bail!(e);
            }
        }
        RunOutcome::Explain(e) => {
            ctx.printer.data_raw(&swarm_view::explain_text(&e));
            if let Some(err) = e.error {
                anyhow::bail!(err);
            }
        }
        RunOutcome::Started(started) => {
            tracing::debug!(
                node = %started.node,
                overhead_ms = started.overhead_ms as u64,
                "started {}",
                started.id
            );
            if spec.detach {
                ctx.printer.data(&started.id);
                return Ok(());
            }
            let code = super::run_session::finish(*started).await?;
            if code != 0 {
                return Err(ExitStatus(u8::try_from(code).unwrap_or(1)).into());
            }
        }
    }
    Ok(())
}
