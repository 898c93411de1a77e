//! One module per command: arguments → options → one `ops` call → output.

mod certs;
mod completions;
mod create;
mod discovery;
mod env;
mod lifecycle;
mod ls;
mod machine_info;
mod manage;
mod plan;
mod proxy;
mod ps;
mod rm;
mod run;
mod run_session;
mod spec;
mod ssh;
mod swarm_info;

use std::fmt;

use crate::cli::{Cli, Commands};
use crate::output::Printer;
use flotilla_core::ops::lifecycle::Action;
use flotilla_core::store::Store;

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

/// The most a user-given text file (`plan --state`/`--requests`, env files) or stdin may hold:
/// far more than any real one, and a bound, so `--state /dev/zero` is an error, not a hang.
pub const MAX_INPUT_FILE: u64 = 64 << 20;

/// Reads a user-given text file whole, within [`MAX_INPUT_FILE`]; `-` is stdin when
/// `dash_is_stdin`. The error names `what` and the path.
pub fn read_input(
    path: &std::path::Path,
    what: &str,
    dash_is_stdin: bool,
) -> anyhow::Result<String> {
    use flotilla_core::store::{read_bounded, read_file_bounded};
    let shown = path.display();
    let bytes = if dash_is_stdin && path.as_os_str() == "-" {
        read_bounded(std::io::stdin().lock(), MAX_INPUT_FILE)
    } else {
        read_file_bounded(path, MAX_INPUT_FILE)
    }
    .map_err(|e| anyhow::anyhow!("cannot read {what} file {shown}: {e}"))?;
    String::from_utf8(bytes)
        .map_err(|e| anyhow::anyhow!("cannot read {what} file {shown}: not UTF-8 text ({e})"))
}

/// One line of an answer on stdin (a confirmation), at most 1 KiB: more is not an answer.
pub fn read_answer() -> anyhow::Result<String> {
    use std::io::{BufRead, Read};
    let mut line = String::new();
    std::io::stdin().lock().take(1024).read_line(&mut line)?;
    Ok(line)
}

pub fn hinted(error: impl Into<anyhow::Error>, hint: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Hinted {
        error: error.into(),
        hint: hint.into(),
    })
}

/// A usage error found after parsing (a flag combination or value clap
/// cannot check); exits 2 like clap's own.
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

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

/// Exit with this code and print nothing more (`ssh NAME -- CMD` passes
/// the remote command's exit code through).
#[derive(Debug)]
pub struct ExitStatus(pub u8);

impl fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "exit status {}", self.0)
    }
}

impl std::error::Error for ExitStatus {}

pub async fn run(cli: Cli, ctx: Ctx) -> anyhow::Result<()> {
    match cli.command {
        Commands::Active(a) => machine_info::active(&ctx, a).await,
        Commands::Config(a) => env::config(&ctx, a).await,
        Commands::Create(a) => create::run(&ctx, *a).await,
        Commands::Env(a) => env::env(&ctx, a).await,
        Commands::Inspect(a) => machine_info::inspect(&ctx, a).await,
        Commands::Ip(a) => machine_info::ip(&ctx, a).await,
        Commands::Kill(a) => lifecycle::run(&ctx, a, Action::Kill).await,
        Commands::Provision(a) => lifecycle::run(&ctx, a, Action::Provision).await,
        Commands::RegenerateCerts(a) => lifecycle::regenerate(&ctx, a).await,
        Commands::Restart(a) => lifecycle::run(&ctx, a, Action::Restart).await,
        Commands::Scp(a) => ssh::scp(&ctx, a).await,
        Commands::Ssh(a) => ssh::ssh(&ctx, a).await,
        Commands::Start(a) => lifecycle::run(&ctx, a, Action::Start).await,
        Commands::Stop(a) => lifecycle::run(&ctx, a, Action::Stop).await,
        Commands::Upgrade(a) => lifecycle::run(&ctx, a, Action::Upgrade).await,
        Commands::Ls(a) => ls::run(&ctx, a).await,
        Commands::Proxy(a) => proxy::run(&ctx, *a).await,
        Commands::Rm(a) => rm::run(&ctx, a).await,
        Commands::Status(a) => spec::status_or_machine(&ctx, a).await,
        Commands::Up(a) => spec::up(&ctx, *a).await,
        Commands::Down(a) => spec::down(&ctx, *a).await,
        Commands::Url(a) => machine_info::url(&ctx, a).await,
        Commands::Version(a) => machine_info::version(&ctx, a).await,
        Commands::Info(a) => swarm_info::run(&ctx, a).await,
        Commands::Ps(a) => ps::run(&ctx, a).await,
        Commands::Run(a) => run::run(&ctx, *a).await,
        Commands::Plan(a) => plan::run(&ctx, *a).await,
        Commands::Manage(a) => manage::run(&ctx, *a).await,
        Commands::Certs(c) => certs::run(&ctx, c).await,
        Commands::Token(c) => discovery::token(&ctx, c).await,
        Commands::Discovery(c) => discovery::serve_cmd(&ctx, c).await,
        Commands::Join(a) => discovery::join(&ctx, *a).await,
        Commands::List(a) => discovery::list(&ctx, *a).await,
        Commands::Completions(a) => completions::completions(&ctx, a),
        Commands::GenerateDocs(a) => completions::generate_docs(&ctx, a),
    }
}
