//! One module per command: arguments → options → one `ops` call → output.

mod certs;
mod completions;
mod create;
mod env;
mod info;
mod ls;
mod plan;
mod ps;
mod rm;
mod run;
mod swarm_info;

use std::fmt;

use crate::cli::{Cli, Commands};
use crate::output::Printer;
use crate::store::Store;

/// What every command gets.
pub struct Ctx {
    pub store: Store,
    pub printer: Printer,
    /// The user's command line as typed, for usage hints.
    pub argv: Vec<String>,
}

/// An error with a suggestion printed after it as `hint: …`.
#[derive(Debug)]
pub struct Hinted {
    pub error: anyhow::Error,
    pub hint: String,
}

impl fmt::Display for Hinted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.error)
    }
}

impl std::error::Error for Hinted {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.error.source()
    }
}

pub fn hinted(error: impl Into<anyhow::Error>, hint: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Hinted {
        error: error.into(),
        hint: hint.into(),
    })
}

/// An error whose message was already printed (partial failures of
/// multi-machine commands); only the exit code remains.
#[derive(Debug)]
pub struct AlreadyReported;

impl fmt::Display for AlreadyReported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("failed")
    }
}

impl std::error::Error for AlreadyReported {}

/// A failure with its own exit code (a container's exit status, `plan`'s 2
/// for unusable files); the message, if any, is printed as usual.
#[derive(Debug)]
pub struct ExitWith {
    pub code: u8,
    pub error: Option<anyhow::Error>,
}

impl ExitWith {
    pub fn silent(code: u8) -> anyhow::Error {
        anyhow::Error::new(ExitWith { code, error: None })
    }

    pub fn error(code: u8, error: anyhow::Error) -> anyhow::Error {
        anyhow::Error::new(ExitWith {
            code,
            error: Some(error),
        })
    }
}

impl fmt::Display for ExitWith {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error {
            Some(e) => write!(f, "{e}"),
            None => write!(f, "exit status {}", self.code),
        }
    }
}

impl std::error::Error for ExitWith {}

pub async fn run(cli: Cli, ctx: Ctx) -> anyhow::Result<()> {
    match cli.command {
        Commands::Active(a) => info::active(&ctx, a).await,
        Commands::Config(a) => env::config(&ctx, a).await,
        Commands::Create(a) => create::run(&ctx, *a).await,
        Commands::Env(a) => env::env(&ctx, a).await,
        Commands::Inspect(a) => info::inspect(&ctx, a).await,
        Commands::Ip(a) => info::ip(&ctx, a).await,
        Commands::Ls(a) => ls::run(&ctx, a).await,
        Commands::Rm(a) => rm::run(&ctx, a).await,
        Commands::Status(a) => info::status(&ctx, a).await,
        Commands::Url(a) => info::url(&ctx, a).await,
        Commands::Version(a) => info::version(&ctx, a).await,
        Commands::Info(a) => swarm_info::run(&ctx, a).await,
        Commands::Ps(a) => ps::run(&ctx, a).await,
        Commands::Run(a) => run::run(&ctx, *a).await,
        Commands::Plan(a) => plan::run(&ctx, *a).await,
        Commands::Certs(c) => certs::run(&ctx, c).await,
        Commands::Completions(a) => completions::completions(&ctx, a),
        Commands::GenerateDocs(a) => completions::generate_docs(&ctx, a),
    }
}
