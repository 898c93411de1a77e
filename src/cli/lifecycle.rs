//! Arguments of the lifecycle commands (`regenerate-certs`, `ssh`, `scp`).

#[derive(Debug, Clone, clap::Args)]
pub struct RegenerateCertsArgs {
    /// Machine names [default: "default" when it exists]
    pub names: Vec<String>,
    /// Do not ask for confirmation
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Also replace the client certificate (all machines keep working: they trust the CA)
    #[arg(long)]
    pub client_certs: bool,
}

#[derive(Debug, Clone, clap::Args)]
#[command(trailing_var_arg = true)]
pub struct SshArgs {
    /// Machine name
    pub name: String,
    /// Command to run instead of a login shell (after `--`); its exit code is flotilla's
    #[arg(allow_hyphen_values = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ScpArgs {
    /// Source: [[USER@]MACHINE:]PATH
    #[arg(value_name = "SRC")]
    pub src: String,
    /// Destination: [[USER@]MACHINE:]PATH
    #[arg(value_name = "DST")]
    pub dst: String,
    /// Copy directories recursively
    #[arg(short = 'r', long)]
    pub recursive: bool,
    /// Send only the differences (rsync; one side must be local)
    #[arg(short = 'd', long)]
    pub delta: bool,
}
