//! Arguments of the machine commands.

use std::path::PathBuf;
use std::time::Duration;

use super::drivers::DriverFlags;
use flotilla_core::shellenv::Shell;

use super::parse_duration;

#[derive(Debug, Clone, clap::Args)]
pub struct NameArg {
    /// Machine name [default: "default" when it exists]
    pub name: Option<String>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct NamesArgs {
    /// Machine names [default: "default" when it exists]
    pub names: Vec<String>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ActiveArgs {
    /// How long to wait for each machine
    #[arg(short = 't', long, default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ConfigArgs {
    /// Machine name [default: "default" when it exists]
    pub name: Option<String>,
    /// Point at the machine's swarm manager instead of its engine
    #[arg(long)]
    pub swarm: bool,
    /// How long the connection check may take
    #[arg(short = 't', long, default_value = "5s", value_parser = parse_duration)]
    pub timeout: Duration,
}

#[derive(Debug, Clone, clap::Args)]
pub struct EnvArgs {
    /// Machine name [default: "default" when it exists]
    pub name: Option<String>,
    /// Point at the machine's swarm manager (the port of its --swarm-host, 3376 by default)
    #[arg(long)]
    pub swarm: bool,
    /// Shell to print for [default: from $SHELL, else bash]
    #[arg(long, value_enum)]
    pub shell: Option<ShellArg>,
    /// Print the commands that unset the variables instead
    #[arg(short = 'u', long)]
    pub unset: bool,
    /// Add the machine's IP to NO_PROXY
    #[arg(long)]
    pub no_proxy: bool,
    /// How long the connection check may take
    #[arg(short = 't', long, default_value = "5s", value_parser = parse_duration)]
    pub timeout: Duration,
}

#[derive(Debug, Clone, clap::Args)]
pub struct InspectArgs {
    /// Machine name [default: "default" when it exists]
    pub name: Option<String>,
    /// Go template applied to the record, e.g. '{{.Driver.IPAddress}}'
    #[arg(short = 'f', long, value_name = "TEMPLATE")]
    pub format: Option<String>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct LsArgs {
    /// Print only machine names (no network access)
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Filter: driver=, state=, name= (regex), swarm=, label=KEY[=VALUE]; repeatable
    #[arg(long = "filter", value_name = "KEY=VALUE")]
    pub filter: Vec<String>,
    /// How long to wait for each machine (they are queried concurrently)
    #[arg(short = 't', long, default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// `json`, a Go template ('{{.Name}}'), or `table` + template
    #[arg(short = 'f', long, value_name = "FORMAT")]
    pub format: Option<String>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct RmArgs {
    /// Machines to remove
    #[arg(required = true)]
    pub names: Vec<String>,
    /// Remove the local record even if removing the host fails (implies -y)
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Do not ask for confirmation
    #[arg(short = 'y')]
    pub yes: bool,
    /// Also remove flotilla's engine configuration from generic hosts (the host's own is restored)
    #[arg(long)]
    pub generic_cleanup: bool,
}

#[derive(Debug, Clone, clap::Args)]
pub struct VersionArgs {
    /// Machine whose engine version to print
    pub name: Option<String>,
    /// How long to wait for the engine
    #[arg(short = 't', long, default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
}

#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Create options")]
pub struct CreateArgs {
    /// Machine names; several names create several machines concurrently
    #[arg(required = true, value_name = "NAME")]
    pub names: Vec<String>,

    /// Driver that creates the machine (built-in: docker, generic, none, qemu, virtualbox; others: a flotilla-driver-NAME plugin on PATH)
    #[arg(short = 'd', long, env = "FLOTILLA_DRIVER", value_name = "DRIVER")]
    pub driver: String,

    #[command(flatten)]
    pub engine: EngineArgs,

    #[command(flatten)]
    pub swarm: SwarmArgs,

    #[command(flatten)]
    pub tls: TlsArgs,

    #[command(flatten)]
    pub discovery: super::DiscoveryArgs,

    #[command(flatten)]
    pub drivers: DriverFlags,
}

#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Engine options")]
pub struct EngineArgs {
    /// Engine label KEY=VALUE (repeatable)
    #[arg(long = "engine-label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
    /// Daemon flag FLAG=VALUE, passed as --FLAG=VALUE (repeatable)
    #[arg(long = "engine-opt", value_name = "FLAG=VALUE")]
    pub opts: Vec<String>,
    /// Environment variable for the daemon KEY=VALUE (repeatable)
    #[arg(long = "engine-env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Insecure registry for the daemon (repeatable)
    #[arg(long = "engine-insecure-registry", value_name = "REGISTRY")]
    pub insecure_registry: Vec<String>,
    /// Registry mirror for the daemon (repeatable)
    #[arg(long = "engine-registry-mirror", value_name = "URL")]
    pub registry_mirror: Vec<String>,
    /// Storage driver for the daemon [default: keep the host's]
    #[arg(long = "engine-storage-driver", value_name = "DRIVER")]
    pub storage_driver: Option<String>,
    /// Script that installs the engine when it is missing
    #[arg(
        long = "engine-install-url",
        env = "FLOTILLA_DOCKER_INSTALL_URL",
        default_value = "https://get.docker.com",
        value_name = "URL"
    )]
    pub install_url: String,
    /// Engine version to install when it is missing [default: the installer's]
    #[arg(long = "engine-version", value_name = "VERSION")]
    pub engine_version: Option<String>,
}

#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Swarm options")]
pub struct SwarmArgs {
    /// Make the machine a member of a swarm
    #[arg(long)]
    pub swarm: bool,
    /// Make the machine the swarm's master
    #[arg(long)]
    pub swarm_master: bool,
    /// Discovery URL of the swarm (token://, file://, nodes://, etcd://)
    #[arg(long, value_name = "URL")]
    pub swarm_discovery: Option<String>,
    /// Scheduling strategy of the swarm
    #[arg(long, default_value = "spread", value_parser = ["spread", "binpack", "random"])]
    pub swarm_strategy: String,
    /// Where the swarm manager listens
    #[arg(long, default_value = "tcp://0.0.0.0:3376", value_name = "URL")]
    pub swarm_host: String,
    /// Address to advertise for the swarm [default: the machine's IP]
    #[arg(long, value_name = "ADDR")]
    pub swarm_addr: Option<String>,
    /// Manager option FLAG=VALUE (repeatable)
    #[arg(long = "swarm-opt", value_name = "FLAG=VALUE")]
    pub swarm_opt: Vec<String>,
    /// Agent option FLAG=VALUE (repeatable)
    #[arg(long = "swarm-join-opt", value_name = "FLAG=VALUE")]
    pub swarm_join_opt: Vec<String>,
}

#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "TLS options")]
pub struct TlsArgs {
    /// Extra subject alternative name for the server certificate (repeatable)
    #[arg(long = "tls-san", value_name = "IP|NAME")]
    pub tls_san: Vec<String>,
    /// CA certificate the engine's server certificate is signed by [default: the store's CA]
    #[arg(long, value_name = "FILE", requires_all = ["tls_client_cert", "tls_client_key"])]
    pub tls_ca_cert: Option<PathBuf>,
    /// Client certificate the engine accepts [default: the store's]
    #[arg(long, value_name = "FILE", requires_all = ["tls_ca_cert", "tls_client_key"])]
    pub tls_client_cert: Option<PathBuf>,
    /// Key of the client certificate [default: the store's]
    #[arg(long, value_name = "FILE", requires_all = ["tls_ca_cert", "tls_client_cert"])]
    pub tls_client_key: Option<PathBuf>,
    /// How long the final connection check may take
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    pub check_timeout: Duration,
}

/// The shells `env --shell` names, with their aliases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ShellArg {
    /// bash, sh, zsh and other POSIX shells
    #[value(alias = "sh", alias = "zsh", alias = "dash", alias = "ksh")]
    Bash,
    Fish,
    #[value(alias = "pwsh")]
    Powershell,
    Cmd,
    #[value(alias = "csh")]
    Tcsh,
    Emacs,
    /// nushell
    #[value(alias = "nushell")]
    Nu,
}

impl From<ShellArg> for Shell {
    fn from(s: ShellArg) -> Shell {
        match s {
            ShellArg::Bash => Shell::Bash,
            ShellArg::Fish => Shell::Fish,
            ShellArg::Powershell => Shell::Powershell,
            ShellArg::Cmd => Shell::Cmd,
            ShellArg::Tcsh => Shell::Tcsh,
            ShellArg::Emacs => Shell::Emacs,
            ShellArg::Nu => Shell::Nu,
        }
    }
}
