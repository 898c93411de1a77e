use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;

use super::Ctx;
use crate::cli::{Cli, CompletionsArgs, GenerateDocsArgs};

pub fn completions(_ctx: &Ctx, a: CompletionsArgs) -> anyhow::Result<()> {
    let mut cmd = Cli::command();
    clap_complete::generate(a.shell, &mut cmd, "flotilla", &mut std::io::stdout());
    Ok(())
}

/// Writes `completions/flotilla.<shell>` and `man/*.1` (one page per
/// command) under `out_dir`. A test regenerates them and compares with the
/// committed copies.
pub fn generate_docs(_ctx: &Ctx, a: GenerateDocsArgs) -> anyhow::Result<()> {
    write_docs(&a.out_dir)
}

pub fn write_docs(out: &Path) -> anyhow::Result<()> {
    use clap_complete::Shell;
    let comp = out.join("completions");
    let man = out.join("man");
    std::fs::create_dir_all(&comp).with_context(|| format!("cannot create {}", comp.display()))?;
    std::fs::create_dir_all(&man).with_context(|| format!("cannot create {}", man.display()))?;
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::PowerShell,
        Shell::Elvish,
    ] {
        let mut cmd = Cli::command();
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut cmd, "flotilla", &mut buf);
        let path = comp.join(format!("flotilla.{shell}"));
        std::fs::write(&path, buf).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let cmd = Cli::command();
    clap_mangen::generate_to(cmd, &man)
        .with_context(|| format!("cannot write man pages in {}", man.display()))?;
    Ok(())
}
