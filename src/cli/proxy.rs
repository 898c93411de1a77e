//! `flotilla proxy`: clap types only.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use crate::cli::parse_duration;
use flotilla_core::proxy::filter::ContainerFilter;
use flotilla_core::proxy::routes::HttpsMethod;
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

    /// Where nginx terminates TLS: a port on --listen's address (with --node: the port the
    /// node publishes for the container's 443; 0: none) [default: none locally, 443 with --node]
    #[arg(long, value_name = "PORT")]
    pub listen_https: Option<u16>,

    /// The certificates directory: HOST.crt + HOST.key, default.crt + default.key, as
    /// nginx-proxy reads them (watched: a renewed file is served after a reload)
    /// [default: <conf-dir>/certs]
    #[arg(long, value_name = "DIR")]
    pub certs: Option<PathBuf>,

    /// How vhosts with a certificate treat HTTP unless they set HTTPS_METHOD: redirect,
    /// noredirect, nohttp or nohttps
    #[arg(long, value_name = "METHOD", env = "HTTPS_METHOD", default_value = "redirect", value_parser = parse_https_method)]
    pub https_method: HttpsMethod,

    /// Strict-Transport-Security value for vhosts that do not set HSTS (`off`: none)
    #[arg(
        long,
        value_name = "VALUE",
        env = "HSTS",
        default_value = "max-age=31536000"
    )]
    pub hsts: String,

    /// Redirect code for methods other than GET and HEAD: 301, 307 or 308
    #[arg(long, value_name = "CODE", env = "NON_GET_REDIRECT", default_value_t = 301, value_parser = parse_redirect)]
    pub non_get_redirect: u16,

    /// Whether vhosts without a certificate of their own may be served with certs/default.crt
    #[arg(long, value_name = "BOOL", env = "TRUST_DEFAULT_CERT", default_value_t = true, action = clap::ArgAction::Set)]
    pub trust_default_cert: bool,

    /// HTTP/2 on the HTTPS listener
    #[arg(long, value_name = "BOOL", env = "ENABLE_HTTP2", default_value_t = true, action = clap::ArgAction::Set)]
    pub http2: bool,

    /// What `/` answers on vhosts that have no `/` path (`return`'s argument, e.g. 404, 418,
    /// "301 https://example.com"); `none`: no such location
    #[arg(
        long,
        value_name = "RETURN",
        env = "DEFAULT_ROOT",
        default_value = "404"
    )]
    pub default_root: String,

    /// Keep the client's X-Forwarded-Proto/Host/Port (and append to X-Forwarded-For): true when
    /// another proxy in front of this one sets them; false overwrites them with this proxy's view
    #[arg(long, value_name = "BOOL", env = "TRUST_DOWNSTREAM_PROXY", default_value_t = true, action = clap::ArgAction::Set)]
    pub trust_downstream_proxy: bool,

    /// Write an access log (nginx-proxy's `vhost` format) to this file [default: off]
    #[arg(long, value_name = "PATH")]
    pub access_log: Option<PathBuf>,

    /// Built-in ACME: the account's contact address (turns ACME on, for vhosts that set
    /// LETSENCRYPT_HOST or the flotilla.proxy.acme label)
    #[arg(long, value_name = "EMAIL")]
    pub acme_email: Option<String>,

    /// Built-in ACME: the directory URL (turns ACME on) [default: Let's Encrypt's production
    /// directory]
    #[arg(long, value_name = "URL", conflicts_with = "acme_staging")]
    pub acme_directory: Option<String>,

    /// Built-in ACME against Let's Encrypt's staging directory
    #[arg(long)]
    pub acme_staging: bool,

    /// Built-in ACME: trust this PEM CA for the directory's HTTPS instead of the system's roots
    /// (a test CA such as pebble's)
    #[arg(long, value_name = "PEM")]
    pub acme_ca_file: Option<PathBuf>,
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

fn parse_https_method(s: &str) -> Result<HttpsMethod, String> {
    s.parse()
}

fn parse_redirect(s: &str) -> Result<u16, String> {
    match s {
        "301" => Ok(301),
        "307" => Ok(307),
        "308" => Ok(308),
        _ => Err(format!("invalid redirect code {s:?}: use 301, 307 or 308")),
    }
}
