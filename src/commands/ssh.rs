//! `ssh` and `scp`: run the system tools with the terminal attached and
//! pass their exit code through.

use std::io::IsTerminal;

use super::{Ctx, ExitStatus, hinted};
use crate::cli::{ScpArgs, SshArgs};
use flotilla_core::ops::ssh::{self, Invocation, ScpOptions};

async fn exec(inv: Invocation) -> anyhow::Result<()> {
    tracing::debug!("running {} {}", inv.program, inv.args.join(" "));
    let status = tokio::process::Command::new(&inv.program)
        .args(&inv.args)
        .status()
        .await
        .map_err(|e| {
            hinted(
                anyhow::anyhow!("cannot run {}: {e}", inv.program),
                format!("install {} (it must be on PATH)", inv.program),
            )
        })?;
    match status.code() {
        Some(0) => Ok(()),
        Some(c) => Err(ExitStatus(c.clamp(1, 255) as u8).into()),
        None => Err(ExitStatus(1).into()),
    }
}

pub async fn ssh(ctx: &Ctx, a: SshArgs) -> anyhow::Result<()> {
    let mut cmd = a.command;
    if cmd.first().is_some_and(|c| c == "--") {
        cmd.remove(0);
    }
    let tty = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let inv = ssh::ssh(&ctx.store, &a.name, &cmd, tty).await?;
    exec(inv).await
}

pub async fn scp(ctx: &Ctx, a: ScpArgs) -> anyhow::Result<()> {
    let inv = ssh::scp(
        &ctx.store,
        &a.src,
        &a.dst,
        ScpOptions {
            recursive: a.recursive,
            delta: a.delta,
        },
    )
    .await?;
    exec(inv).await
}
