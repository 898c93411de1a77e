//! Clap types for discovery: `token`, `discovery serve`, `join`, `list`,
//! and the settings they (and `create --swarm`) share.

use std::path::PathBuf;
use std::time::Duration;

use clap::Subcommand;

use super::parse_duration;

/// How `token://` URLs are resolved and token services reached.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Discovery options")]
pub struct DiscoveryArgs {
    /// Token service for `token://TOKEN` (http:// or https://; `/v1` is added to a URL without a path).
    /// Without it, `token://TOKEN` lives in the store's embedded registry (no server needed);
    /// `token://HOST[:PORT]/PATH/TOKEN` always names its own service (HTTPS)
    #[arg(long, env = "FLOTILLA_DISCOVERY_URL", value_name = "URL")]
    pub discovery_url: Option<String>,
    /// Extra CA certificate (PEM) to trust for an HTTPS token service
    #[arg(long, env = "FLOTILLA_DISCOVERY_CA", value_name = "FILE")]
    pub discovery_ca: Option<PathBuf>,
    /// File holding the secret of the --discovery-url token service, sent when creating or
    /// deleting a token there (never to a service a token://HOST/… URL names)
    #[arg(long, env = "FLOTILLA_DISCOVERY_SECRET_FILE", value_name = "FILE")]
    pub discovery_secret_file: Option<PathBuf>,
    /// Bound on each call to a token service or etcd
    #[arg(long, env = "FLOTILLA_DISCOVERY_TIMEOUT", default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    pub discovery_timeout: Duration,
}

#[derive(Debug, Clone, Subcommand)]
pub enum TokenCommand {
    /// Create a cluster token and print it (and nothing else) on stdout:
    /// token=$(flotilla token create)
    Create(TokenCreateArgs),
    /// Delete a cluster token and all its members
    Rm(TokenRmArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct TokenCreateArgs {
    #[command(flatten)]
    pub discovery: DiscoveryArgs,
}

#[derive(Debug, Clone, clap::Args)]
pub struct TokenRmArgs {
    /// The token to delete
    #[arg(value_name = "TOKEN")]
    pub token: String,
    #[command(flatten)]
    pub discovery: DiscoveryArgs,
}

#[derive(Debug, Clone, Subcommand)]
pub enum DiscoveryCommand {
    /// Run a token service (Docker Hub's discovery API, self-hosted).
    /// Prints its URL on stdout once it listens; stops on SIGTERM or Ctrl-C
    Serve(ServeArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port)
    #[arg(long, default_value = "127.0.0.1:8400", value_name = "HOST:PORT")]
    pub addr: String,
    /// Directory keeping tokens and members across restarts
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// Serve HTTPS with this certificate chain (PEM)
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// Key of --tls-cert (PEM)
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// File holding a secret (one line, 16+ characters) that creating and deleting clusters
    /// require as `Authorization: Bearer SECRET`; reads and members' registrations stay open
    /// to anyone holding the token, as Docker Hub's API had them
    #[arg(
        long,
        env = "FLOTILLA_DISCOVERY_SERVE_SECRET_FILE",
        value_name = "FILE"
    )]
    pub secret_file: Option<PathBuf>,
    #[command(flatten)]
    pub limits: super::TokenServiceLimitsArgs,
}

#[derive(Debug, Clone, clap::Args)]
pub struct JoinArgs {
    /// Address to keep registered: IP:PORT or HOSTNAME:PORT of the engine
    #[arg(
        long,
        visible_alias = "addr",
        env = "SWARM_ADVERTISE",
        value_name = "IP:PORT"
    )]
    pub advertise: Option<String>,
    /// How often to register again (at least 1s)
    #[arg(
        long,
        default_value = "60s",
        value_name = "DURATION",
        allow_hyphen_values = true
    )]
    pub heartbeat: String,
    /// How long an entry lives without a heartbeat (more than --heartbeat)
    #[arg(
        long,
        default_value = "180s",
        value_name = "DURATION",
        allow_hyphen_values = true
    )]
    pub ttl: String,
    /// Wait a random time up to this before the first registration, to spread out many agents
    #[arg(
        long,
        default_value = "0s",
        value_name = "DURATION",
        allow_hyphen_values = true
    )]
    pub delay: String,
    /// Discovery URL: token://TOKEN, token://HOST/PATH/TOKEN, etcd://H1,H2/PREFIX
    #[arg(env = "SWARM_DISCOVERY", value_name = "URL")]
    pub url: String,
    #[command(flatten)]
    pub discovery: DiscoveryArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ListFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    /// Give up when the backend has not answered within this time
    #[arg(
        long,
        default_value = "10s",
        value_name = "DURATION",
        allow_hyphen_values = true
    )]
    pub timeout: String,
    /// Output: one address per line, or a JSON array
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Keep running and print the list again whenever it changes (JSON: one array per line;
    /// text: a blank line after each list)
    #[arg(long)]
    pub watch: bool,
    /// How often --watch polls backends that cannot be watched (etcd is watched, not polled)
    #[arg(long, default_value = "1s", value_parser = parse_duration, value_name = "DURATION")]
    pub poll: Duration,
    /// Discovery URL: token://…, file:///PATH, nodes://A,B, etcd://H1,H2/PREFIX
    #[arg(env = "SWARM_DISCOVERY", value_name = "URL")]
    pub url: String,
    #[command(flatten)]
    pub discovery: DiscoveryArgs,
}
