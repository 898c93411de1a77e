use std::io::{IsTerminal, Write};

use super::{AlreadyReported, Ctx, hinted};
use crate::cli::RmArgs;
use flotilla_core::ops::rm;

pub async fn run(ctx: &Ctx, a: RmArgs) -> anyhow::Result<()> {
    if !(a.yes || a.force) {
        if !std::io::stdin().is_terminal() {
            return Err(hinted(
                anyhow::anyhow!(
                    "refusing to remove {} without confirmation: stdin is not a terminal",
                    a.names.join(", ")
                ),
                "pass -y to remove without asking",
            ));
        }
        eprintln!("About to remove {}", a.names.join(", "));
        eprintln!("WARNING: This action will delete both local reference and remote instance.");
        eprint!("Are you sure? (y/n): ");
        let _ = std::io::stderr().flush();
        let line = super::read_answer()?;
        if !matches!(line.trim(), "y" | "Y" | "yes") {
            anyhow::bail!("aborted");
        }
    }
    let outcomes = rm::remove_with(&ctx.store, &a.names, a.force, a.generic_cleanup).await;
    let mut failed = 0;
    for o in outcomes {
        if let Some(w) = &o.warning {
            ctx.printer.warn(w);
        }
        match o.result {
            Ok(()) => ctx
                .printer
                .info(&format!("Successfully removed {}", o.name)),
            Err(e) => {
                failed += 1;
                ctx.printer.error(&e.to_string());
                if let flotilla_core::driver::handle::MachineError::Provision { source, .. } = &e
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
