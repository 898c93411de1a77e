//! Command-line types only (clap derive). No logic lives here: commands in
//! `crate::commands` turn these into options for `flotilla_core::ops`.

mod cluster;
mod discovery;
mod drivers;
mod lifecycle;
mod limits;
mod machine;
pub mod plugin;
mod proxy;
mod qemu;
mod spec;

pub use cluster::*;
pub use discovery::*;
pub use lifecycle::*;
pub use limits::*;
pub use machine::*;
pub use proxy::*;
pub use spec::*;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::output::ColorChoice;

#[derive(Debug, Parser)]
#[command(
    name = "flotilla",
    version,
    about = "Provision Docker hosts, keep a cluster's membership, place containers across it and front it with nginx",
    long_about = None,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Commands,
}

#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]
    #[arg(
        short = 's',
        long,
        global = true,
        env = "FLOTILLA_STORAGE_PATH",
        value_name = "DIR"
    )]
    pub storage_path: Option<PathBuf>,

    /// Log debug details (with step timings) to stderr; RUST_LOG also works
    #[arg(short = 'D', long, global = true, env = "FLOTILLA_DEBUG")]
    pub debug: bool,

    /// Never draw progress bars (they are only drawn on a terminal anyway)
    #[arg(long, global = true, env = "FLOTILLA_NO_PROGRESS")]
    pub no_progress: bool,

    /// When to colour messages; NO_COLOR turns `auto` off
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Commands {
    /// Print which machine is active (the one DOCKER_HOST points at)
    Active(ActiveArgs),
    /// Print the docker client flags for a machine
    Config(ConfigArgs),
    /// Create a machine
    Create(Box<CreateArgs>),
    /// Print the commands that point a Docker client at a machine
    Env(EnvArgs),
    /// Print a machine's record as JSON, or through a template
    Inspect(InspectArgs),
    /// Print the IP address of machines
    Ip(NamesArgs),
    /// Kill machines (power off at once)
    Kill(NamesArgs),
    /// Provision machines again with their stored options (idempotent)
    Provision(NamesArgs),
    /// Issue new server certificates (and, with --client-certs, a new client certificate)
    RegenerateCerts(RegenerateCertsArgs),
    /// Restart machines
    Restart(NamesArgs),
    /// Copy files to, from or between machines
    Scp(ScpArgs),
    /// Log into a machine or run a command on it
    Ssh(SshArgs),
    /// Start machines
    Start(NamesArgs),
    /// Stop machines
    Stop(NamesArgs),
    /// Upgrade the engine of machines with the host's package manager
    Upgrade(NamesArgs),
    /// List machines
    Ls(LsArgs),
    /// Remove machines
    Rm(RmArgs),
    /// Print the state of a machine, or (with a cluster file) of each object of the file
    Status(StatusArgs),
    /// Print the engine URL of a machine
    Url(NameArg),
    /// Print flotilla's version, or a machine's engine version
    Version(VersionArgs),
    /// Cluster tokens: create one (in the store, or on a token service), delete one
    #[command(subcommand)]
    Token(TokenCommand),
    /// The token service
    #[command(subcommand)]
    Discovery(DiscoveryCommand),
    /// Keep an engine address registered in a cluster's discovery until stopped
    Join(Box<JoinArgs>),
    /// Print a cluster's addresses from its discovery URL
    List(Box<ListArgs>),
    /// Keep nginx routing to every container that sets VIRTUAL_HOST, on every engine watched
    Proxy(Box<ProxyArgs>),
    /// Show a swarm: its nodes, their health, reservations and labels
    Info(SwarmInfoArgs),
    /// List the containers of a swarm (NODE/NAME)
    Ps(PsArgs),
    /// Place a container on a swarm's best node, create and start it
    Run(Box<RunArgs>),
    /// Decide placements from a state document, without any engine
    Plan(Box<PlanArgs>),
    /// Serve the Docker Engine API for a swarm, so the plain `docker` CLI drives it
    Manage(Box<ManageArgs>),
    /// Make the cluster a file describes exist: machines, swarm, proxy and containers
    Up(Box<UpArgs>),
    /// Remove what `up` made for a cluster file
    Down(Box<DownArgs>),
    /// Certificates of the store
    #[command(subcommand)]
    Certs(CertsCommand),
    /// Print a shell completion script
    Completions(CompletionsArgs),
    /// Write completions and man pages (for packagers and the repository)
    #[command(hide = true)]
    GenerateDocs(GenerateDocsArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Clone, clap::Args)]
pub struct GenerateDocsArgs {
    /// Directory to write completions/ and man/ into
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,
}

#[derive(Debug, Clone, Subcommand)]
pub enum CertsCommand {
    /// Issue a server certificate signed by the store's CA, for an engine you
    /// then adopt with `create -d none`
    Server(CertsServerArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct CertsServerArgs {
    /// Subject alternative names: the engine's IP addresses and DNS names (localhost is always added)
    #[arg(long = "san", value_name = "IP|NAME", required = true)]
    pub sans: Vec<String>,
    /// Directory to write ca.pem, server.pem and server-key.pem into
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Durations on the command line: the one grammar of `flotilla_core::duration`.
pub use flotilla_core::duration::parse_positive as parse_duration;

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }
}
