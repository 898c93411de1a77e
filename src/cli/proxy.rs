//! `flotilla proxy`: clap types only.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use crate::cli::parse_duration;
use flotilla_core::proxy::filter::ContainerFilter;
use flotilla_core::proxy::watch::Wait;

#[derive(Debug, Clone, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ProxyArgs {
    #[command(subcommand)]
    pub command: Option<ProxyCommand>,

    #[command(flatten)]
    pub run: ProxyRunArgs,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ProxyCommand {
    /// Print what the running watcher routes: engines, vhosts, backends and skipped containers
    Status(ProxyStatusArgs),
}

/// Which engines to watch: a swarm, machines, or one Docker host.
#[derive(Debug, Clone, Args)]
pub struct ProxyRunArgs {
    /// Watch every engine of this swarm (a master's name or a discovery URL; empty: the only
    /// swarm in the store)
    #[arg(long, value_name = "MASTER|URL", num_args = 0..=1, default_missing_value = "", conflicts_with = "docker_host")]
    pub swarm: Option<String>,

    /// Watch this machine's engine (repeatable); combines with --swarm
    #[arg(long = "machine", value_name = "NAME", conflicts_with = "docker_host")]
    pub machines: Vec<String>,

    /// Watch one engine at this URL (tcp://HOST:PORT with DOCKER_CERT_PATH's certificates when
    /// DOCKER_TLS_VERIFY is set, or unix:///PATH) [default: DOCKER_HOST, else the local socket]
    #[arg(long, value_name = "URL")]
    pub docker_host: Option<String>,

    /// With --docker-host: the address other hosts reach that engine's published ports on
    /// [default: the host of a tcp:// URL; with a unix socket, containers are reached at their own IP]
    #[arg(long, value_name = "IP", requires = "docker_host")]
    pub engine_ip: Option<std::net::IpAddr>,

    /// Debounce: wait until events pause for MIN, but never longer than MAX after the first one
    #[arg(long, value_name = "MIN:MAX", default_value = "100ms:500ms", value_parser = parse_wait)]
    pub wait: Wait,

    /// Resynchronise every engine in full this often, as a safety net for lost events (SIGHUP
    /// also triggers one)
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub resync: Duration,

    /// Timeout for connecting to an engine and for each API call
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Directory for the configuration, nginx's pid and temp files, and status.json
    /// [default: <store>/proxy]
    #[arg(long, value_name = "DIR")]
    pub conf_dir: Option<PathBuf>,

    /// Where nginx listens: PORT or IP:PORT (with --node: the port published on the node)
    #[arg(long, value_name = "[IP:]PORT", default_value = "80")]
    pub listen: String,

    /// Route only the containers this filter selects, e.g. label=com.example.proxy=web; keys:
    /// label, name, id, health, as `docker ps --filter` reads them (repeatable; docker-gen's
    /// -container-filter)
    #[arg(long = "container-filter", value_name = "KEY=VALUE", value_parser = parse_container_filter)]
    pub container_filters: Vec<(String, String)>,

    /// The vhost that answers requests for unknown hosts (instead of 503)
    #[arg(long, value_name = "HOST", env = "DEFAULT_HOST")]
    pub default_host: Option<String>,

    /// Local mode: the nginx executable flotilla validates with (and runs, without --reload-cmd)
    #[arg(
        long,
        value_name = "PATH",
        env = "FLOTILLA_NGINX",
        default_value = "/usr/sbin/nginx"
    )]
    pub nginx: PathBuf,

    /// Local mode: do not run nginx; after each validated swap run this command (sh -c) instead
    #[arg(long, value_name = "COMMAND", conflicts_with = "node")]
    pub reload_cmd: Option<String>,

    /// Run the nginx data plane as a container on this machine (typically the public one)
    #[arg(long, value_name = "MACHINE")]
    pub node: Option<String>,

    /// With --node: the image of the data plane container
    #[arg(long, value_name = "IMAGE", default_value = "nginx", requires = "node")]
    pub proxy_image: String,

    /// With --node: the data plane container's name; an existing one is adopted
    #[arg(
        long,
        value_name = "NAME",
        default_value = "flotilla-proxy",
        requires = "node"
    )]
    pub proxy_name: String,

    /// With --node: host port published for 443 (nothing is rendered for TLS yet); 0: none
    #[arg(long, value_name = "PORT", default_value_t = 443, requires = "node")]
    pub listen_https: u16,
}

#[derive(Debug, Clone, Args)]
pub struct ProxyStatusArgs {
    /// The watcher's directory [default: <store>/proxy]
    #[arg(long, value_name = "DIR")]
    pub conf_dir: Option<PathBuf>,

    /// `json` prints the status file as written by the watcher
    #[arg(long, value_name = "FORMAT", value_parser = ["json", "table"], default_value = "table")]
    pub format: String,
}

/// `KEY=VALUE` as `docker ps --filter` takes it; the value may hold more `=` (label=K=V). The
/// key and value are checked here so a bad filter is a usage error.
fn parse_container_filter(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() && !v.is_empty() => {
            ContainerFilter::parse([(k, v)]).map_err(|e| e.to_string())?;
            Ok((k.to_string(), v.to_string()))
        }
        _ => Err(format!(
            "expected KEY=VALUE (e.g. label=com.example.proxy=web), got {s:?}"
        )),
    }
}

fn parse_wait(s: &str) -> Result<Wait, String> {
    s.parse()
}
