//! Arguments of the cluster commands: `info`, `ps`, `run`, `plan`.

use std::path::PathBuf;
use std::time::Duration;

use super::parse_duration;
use flotilla_core::cluster::state::Strategy;
use flotilla_core::ops::run_spec;

fn parse_strategy(s: &str) -> Result<Strategy, String> {
    s.parse::<Strategy>().map_err(|e| e.to_string())
}

/// Which swarm a command talks to, and how long each engine may take.
#[derive(Debug, Clone, clap::Args)]
pub struct SwarmSelect {
    /// The swarm: its master's machine name or its discovery URL [default: the only swarm in the store]
    #[arg(long, env = "FLOTILLA_SWARM", value_name = "MASTER-NAME|DISCOVERY-URL")]
    pub swarm: Option<String>,
    /// How long each engine may take to answer (engines are queried concurrently)
    #[arg(long, default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    pub timeout: Duration,
}

#[derive(Debug, Clone, clap::Args)]
pub struct SwarmInfoArgs {
    #[command(flatten)]
    pub select: SwarmSelect,
    /// `json` prints the state document (what `plan --state` reads), or a Go template over it
    #[arg(short = 'f', long, value_name = "FORMAT")]
    pub format: Option<String>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct PsArgs {
    #[command(flatten)]
    pub select: SwarmSelect,
    /// Show every container (stopped ones, and those on unhealthy nodes)
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Print only container IDs
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Filter: node=, name= (substring), label=KEY[=VALUE], status=, id= (prefix); repeatable
    #[arg(long = "filter", value_name = "KEY=VALUE")]
    pub filter: Vec<String>,
    /// Do not truncate IDs and commands
    #[arg(long)]
    pub no_trunc: bool,
    /// `json`, a Go template ('{{.Names}}'), or `table` + template
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
}

/// `docker run`'s options, shared by `run` and `plan` (same names, same meaning).
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Container options")]
pub struct RunFlags {
    /// Run in the background and print the container ID
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Container name (unique across the swarm)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Environment variable KEY=VALUE (or KEY, from this environment); `constraint:EXPR`,
    /// `affinity:EXPR` and `reschedule:POLICY` are placement rules (repeatable)
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Read environment variables from a file, one KEY=VALUE a line (repeatable)
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_file: Vec<PathBuf>,
    /// Container label KEY=VALUE (repeatable)
    #[arg(short = 'l', long = "label", value_name = "KEY=VALUE")]
    pub label: Vec<String>,
    /// Publish a port: [IP:][HOST_PORT:]CONTAINER_PORT[/PROTO] (repeatable)
    #[arg(short = 'p', long = "publish", value_name = "PORTS")]
    pub publish: Vec<String>,
    /// Publish every exposed port on a random host port
    #[arg(short = 'P', long = "publish-all")]
    pub publish_all: bool,
    /// Expose a port or range without publishing it (repeatable)
    #[arg(long, value_name = "PORT[/PROTO]")]
    pub expose: Vec<String>,
    /// Link to a container NAME[:ALIAS]; the container is placed on the same node (repeatable)
    #[arg(long, value_name = "NAME[:ALIAS]")]
    pub link: Vec<String>,
    /// Mount the volumes of a container; the container is placed on the same node (repeatable)
    #[arg(long = "volumes-from", value_name = "CONTAINER[:ro|rw]")]
    pub volumes_from: Vec<String>,
    /// Bind mount or volume SRC:DST[:OPTS] (repeatable)
    #[arg(short = 'v', long = "volume", value_name = "SRC:DST[:OPTS]")]
    pub volume: Vec<String>,
    /// Network mode: bridge, host, none, container:NAME or a network name
    #[arg(long = "network", visible_alias = "net", value_name = "NETWORK")]
    pub network: Option<String>,
    /// Memory limit, which is also the reservation the scheduler counts (e.g. 512m, 1g)
    #[arg(short = 'm', long, value_name = "BYTES")]
    pub memory: Option<String>,
    /// CPU limit in CPUs, which is also the reservation the scheduler counts (e.g. 0.5)
    #[arg(long, value_name = "CPUS")]
    pub cpus: Option<String>,
    /// Restart policy: no, always, unless-stopped, on-failure[:MAX]
    #[arg(long, value_name = "POLICY")]
    pub restart: Option<String>,
    /// Override the image's entrypoint
    #[arg(long, value_name = "CMD")]
    pub entrypoint: Option<String>,
    /// Working directory inside the container
    #[arg(short = 'w', long = "workdir", value_name = "DIR")]
    pub workdir: Option<String>,
    /// User NAME|UID[:GROUP|GID]
    #[arg(short = 'u', long, value_name = "USER")]
    pub user: Option<String>,
    /// Remove the container when it exits
    #[arg(long)]
    pub rm: bool,
    /// Keep stdin open and forward it
    #[arg(short = 'i', long)]
    pub interactive: bool,
    /// Allocate a pseudo-TTY
    #[arg(short = 't', long)]
    pub tty: bool,
}
impl From<RunFlags> for run_spec::DockerRunOptions {
    fn from(f: RunFlags) -> Self {
        run_spec::DockerRunOptions {
            detach: f.detach,
            name: f.name,
            env: f.env,
            env_file: f.env_file,
            label: f.label,
            publish: f.publish,
            publish_all: f.publish_all,
            expose: f.expose,
            link: f.link,
            volumes_from: f.volumes_from,
            volume: f.volume,
            network: f.network,
            memory: f.memory,
            cpus: f.cpus,
            restart: f.restart,
            entrypoint: f.entrypoint,
            workdir: f.workdir,
            user: f.user,
            rm: f.rm,
            interactive: f.interactive,
            tty: f.tty,
        }
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub select: SwarmSelect,
    /// Print where the container would go (a plan result object) and create nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Print, node by node, which filter rejected the container and why; create nothing
    #[arg(long)]
    pub explain: bool,
    /// How long a pending placement holds its node for other runs if this run dies
    #[arg(long, default_value = "5m", value_parser = parse_duration, value_name = "DURATION", hide = true)]
    pub pending_ttl: Duration,
    #[command(flatten)]
    pub flags: RunFlags,
    /// Image to run
    pub image: String,
    /// Command and arguments
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    pub command: Vec<String>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct PlanArgs {
    /// State document (as `info --format json` prints it); `-` reads stdin
    #[arg(long, value_name = "FILE")]
    pub state: PathBuf,
    /// JSON array of create requests (Engine API bodies with a `Name`), decided in order
    #[arg(long, value_name = "FILE", conflicts_with = "image")]
    pub requests: Option<PathBuf>,
    /// Ranking strategy [default: the state document's]
    #[arg(long, value_name = "spread|binpack|random", value_parser = parse_strategy)]
    pub strategy: Option<Strategy>,
    /// Overcommit fraction on CPUs and memory, e.g. 0.05 [default: the state document's]
    #[arg(long, value_name = "FRACTION", allow_negative_numbers = true)]
    pub overcommit: Option<f64>,
    /// Seed of the random strategy
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub flags: RunFlags,
    /// Image of the one container to decide (instead of --requests)
    #[arg(required_unless_present = "requests")]
    pub image: Option<String>,
    /// Command and arguments (recorded, not used by the decision)
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    pub command: Vec<String>,
}

#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "\
The docker CLI reaches the manager with the swarm master's certificates:
  flotilla manage --swarm swarm-master &          # on the master host (listens on :3376)
  eval \"$(flotilla env --swarm swarm-master)\"
  docker info; docker run -d -e constraint:region==eu redis; docker ps")]
#[command(args_conflicts_with_subcommands = true)]
pub struct ManageArgs {
    #[command(subcommand)]
    pub command: Option<ManageCommand>,
    #[command(flatten)]
    pub select: SwarmSelect,
    /// Where to listen [default: the master's swarm host, tcp://0.0.0.0:3376]
    #[arg(short = 'H', long, value_name = "tcp://IP:PORT")]
    pub host: Option<String>,
    /// Another DNS name or IP for the manager's certificate (repeatable; the master's IP,
    /// the listen IP, 127.0.0.1 and localhost are always in it)
    #[arg(long = "tls-san", value_name = "NAME|IP")]
    pub tls_san: Vec<String>,
    /// How long a pending placement holds its node for other creates if a create dies
    #[arg(long, default_value = "5m", value_parser = parse_duration, value_name = "DURATION", hide = true)]
    pub pending_ttl: Duration,
    #[command(flatten)]
    pub limits: super::ManagerLimitsArgs,
    /// Shortest time between two refreshes of an engine (each engine waits a random time
    /// between the min and the max, so engines do not refresh in step)
    #[arg(long, default_value = "30s", value_parser = parse_duration, value_name = "DURATION")]
    pub engine_refresh_min_interval: Duration,
    /// Longest time between two refreshes of an engine
    #[arg(long, default_value = "60s", value_parser = parse_duration, value_name = "DURATION")]
    pub engine_refresh_max_interval: Duration,
    /// Failed attempts before a Healthy node is Unhealthy
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..), value_name = "N")]
    pub engine_failure_retry: u32,
    /// How often the discovery backend is read again when it cannot be watched
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    pub heartbeat: Duration,
    /// The manager's certificate (PEM) instead of one issued from the store's CA (what a
    /// manager deployed on a master uses: its store has the CA's certificate, not its key)
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// The key of --tls-cert
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,
    /// Run as one of several managers of the swarm with one leader elected through etcd; the
    /// others relay to it
    #[arg(long, requires = "advertise")]
    pub replication: bool,
    /// Where the other managers and clients reach this one (with --replication)
    #[arg(long, value_name = "IP:PORT", requires = "replication")]
    pub advertise: Option<String>,
    /// How long a dead leader keeps the lead (with --replication)
    #[arg(long, default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    pub replication_ttl: Duration,
    /// The etcd that elects the leader, for a swarm not discovered through etcd
    #[arg(
        long,
        value_name = "etcd://HOST:2379[/PREFIX]",
        requires = "replication"
    )]
    pub replication_store: Option<String>,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum ManageCommand {
    /// Say whether the manager of a swarm master answers (the one `create --swarm-master`
    /// installed on the master, or one started by hand); exit 1 when it does not
    Status(ManageStatusArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct ManageStatusArgs {
    /// The swarm master [default: the master of the only swarm]
    #[arg(long, env = "FLOTILLA_SWARM", value_name = "MASTER-NAME")]
    pub swarm: Option<String>,
    /// How long the manager may take to answer
    #[arg(long, default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    pub timeout: Duration,
    /// `json` prints the status as a JSON object
    #[arg(long, value_name = "FORMAT", value_parser = ["json", "table"], default_value = "table")]
    pub format: String,
}
