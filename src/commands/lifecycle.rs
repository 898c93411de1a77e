//! start, stop, restart, kill, provision, regenerate-certs, upgrade.

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use super::{AlreadyReported, Ctx, hinted};
use crate::cli::{NamesArgs, RegenerateCertsArgs};
use crate::output::progress::MachineProgress;
use flotilla_core::driver::handle::{self, MachineError};
use flotilla_core::ops::lifecycle::{self, Action, Outcome};

fn report(ctx: &Ctx, progress: &MachineProgress, outcomes: Vec<Outcome>) -> anyhow::Result<()> {
    let mut failed = 0;
    for o in outcomes {
        match o.result {
            Ok(msg) => progress.finish(&o.name, &msg),
            Err(e) => {
                failed += 1;
                progress.finish(&o.name, "failed");
                ctx.printer.error(&e.to_string());
                if let MachineError::Provision { source, .. } = &e
                    && let Some(h) = source.hint()
                {
                    ctx.printer.hint(&h);
                }
            }
        }
    }
    if failed > 0 {
        return Err(AlreadyReported.into());
    }
    Ok(())
}

async fn fan_out(ctx: &Ctx, names: Vec<String>, action: Action) -> anyhow::Result<()> {
    let progress = Arc::new(MachineProgress::new(&ctx.printer, &names));
    let p = progress.clone();
    let f: lifecycle::ProgressFn = Arc::new(move |m: &str, msg: &str| p.step(m, msg));
    let outcomes = lifecycle::run(&ctx.store, &names, action, f).await;
    report(ctx, &progress, outcomes)
}

pub async fn run(ctx: &Ctx, a: NamesArgs, action: Action) -> anyhow::Result<()> {
    let names = handle::resolve_names(&ctx.store, &a.names)
        .map_err(|e| hinted(e, "name a machine; `flotilla ls` lists them"))?;
    fan_out(ctx, names, action).await
}

pub async fn regenerate(ctx: &Ctx, a: RegenerateCertsArgs) -> anyhow::Result<()> {
    let names = handle::resolve_names(&ctx.store, &a.names)
        .map_err(|e| hinted(e, "name a machine; `flotilla ls` lists them"))?;
    if !a.force {
        if !std::io::stdin().is_terminal() {
            return Err(hinted(
                anyhow::anyhow!(
                    "refusing to regenerate certificates without confirmation: stdin is not a terminal"
                ),
                "pass -f to regenerate without asking",
            ));
        }
        eprint!("Regenerate TLS machine certs? The engines restart. (y/n): ");
        let _ = std::io::stderr().flush();
        let line = super::read_answer()?;
        if !matches!(line.trim(), "y" | "Y" | "yes") {
            anyhow::bail!("aborted");
        }
    }
    if a.client_certs {
        let updated = lifecycle::rotate_client_certs(&ctx.store)?;
        ctx.printer.info(&format!(
            "Replaced the client certificate (copies updated in {} machine(s))",
            updated.len()
        ));
    }
    fan_out(ctx, names, Action::RegenerateCerts).await
}
