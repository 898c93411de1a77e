//! Containers → route table (pure).
//!
//! # Container contract
//!
//! A container opts in by setting `VIRTUAL_HOST` (or the label `flotilla.proxy.host`). Each
//! setting can come from an environment variable or from a label; a few of nginx-proxy's
//! label-only settings also answer to nginx-proxy's own label name
//! (`com.github.nginx-proxy.nginx-proxy.*`). The full table, with defaults, is in
//! `docs/proxy.md`; in short:
//!
//! | env var | label | scope | meaning |
//! |---|---|---|---|
//! | `VIRTUAL_HOST` | `flotilla.proxy.host` | container | comma list of host names; `*.x` / `x.*` wildcards; `~regex` |
//! | `VIRTUAL_PORT` | `flotilla.proxy.port` | container | backend port; default: the single exposed TCP port, else 80 |
//! | `VIRTUAL_PROTO` | `flotilla.proxy.proto` | path | `http` (default), `https`, `uwsgi`, `fastcgi`, `grpc`, `grpcs` |
//! | `VIRTUAL_ROOT` | `flotilla.proxy.root` | path | document root for `fastcgi` (default `/var/www/public`) |
//! | `VIRTUAL_PATH` | `flotilla.proxy.path` | container | location, default `/`; `~ REGEX` / `~* REGEX` for a regex location |
//! | `VIRTUAL_DEST` | `flotilla.proxy.dest` | path | URI that replaces the matched prefix (`proxy_pass …/dest`) |
//! | `NETWORK_ACCESS` | `flotilla.proxy.network_access` | path | `external` (default) or `internal` (private addresses only, else 403) |
//! | `HTTPS_METHOD` | `flotilla.proxy.https_method` | vhost | `redirect`, `noredirect`, `nohttp`, `nohttps` (default: the proxy's) |
//! | `HSTS` | `flotilla.proxy.hsts` | vhost | `Strict-Transport-Security` value or `off` (default: the proxy's) |
//! | `CERT_NAME` | `flotilla.proxy.cert_name` | vhost | use `certs/NAME.crt`/`.key`, skipping the selection |
//! | `LETSENCRYPT_HOST` | `flotilla.proxy.acme` | vhost | hosts to get an ACME certificate for (label: a list, `true` or `false`) |
//! | `EXTERNAL_HTTP_PORT` | `flotilla.proxy.external_http_port` | vhost | this vhost's HTTP port instead of the proxy's |
//! | `EXTERNAL_HTTPS_PORT` | `flotilla.proxy.external_https_port` | vhost | this vhost's HTTPS port instead of the proxy's |
//! | `NON_GET_REDIRECT` | `flotilla.proxy.non_get_redirect` | vhost | 301 (default), 307 or 308 for non-GET requests redirected to HTTPS |
//! | `TRUST_DEFAULT_CERT` | `flotilla.proxy.trust_default_cert` | vhost | whether `certs/default.crt` may serve this vhost (default true) |
//! | `CLIENT_MAX_BODY_SIZE` | `flotilla.proxy.client_max_body_size` | vhost | nginx's `client_max_body_size` (e.g. `50m`) |
//! | — | `flotilla.proxy.loadbalance` | path | `least_conn`, `ip_hash`, `random [two [least_conn]]`, `hash KEY [consistent]` |
//! | — | `flotilla.proxy.keepalive` | path | `auto` (default: 2 × servers), a number, or `disabled` (`Connection: close`) |
//!
//! When a container sets both the label and the env var, **the label wins** and a warning is
//! recorded if the two differ. Empty values count as unset. Host names are trimmed, empty items
//! dropped, and exact and wildcard names lower-cased (nginx matches them case-insensitively).
//!
//! # What happens to each container
//!
//! * Not running (stopped, exited, paused): ignored, as if it did not exist. If it was the only
//!   container of a vhost the vhost disappears (the fallback server answers 503).
//! * Invalid setting (host name, regex that does not compile or breaks [`crate::regex_check`]'s
//!   rules, port outside 1..65535, a path or dest that does not start with `/` or contains
//!   whitespace, `;`, `{`, `}`, quotes, `\`, `#`, `$`, an unknown value of an enumerated
//!   setting): the whole container is dropped and listed in [`RouteTable::skipped`]; the other
//!   containers are not affected.
//! * Health `unhealthy`: listed in `skipped` and not used as a server until it is healthy again
//!   (`starting` and `healthy` are used). Its vhost and path stay declared, so a vhost whose only
//!   backend is unhealthy answers 502 instead of disappearing.
//! * Addressing: a `local` container (data plane engine and network) is reached at
//!   `ip_address:port`. Any other container is reached at `engine_ip:host_port` where `host_port`
//!   is published for `port/tcp` (a binding on a specific non-loopback host IP uses that IP). A
//!   container with no usable address is listed in `skipped` with the reason; its vhost stays
//!   declared (502).
//!
//! Regex hosts and paths are checked with Rust's `regex` crate, nginx uses PCRE: a pattern using
//! PCRE-only syntax (look-around, back-references) is rejected here, named captures that would
//! redefine an nginx variable and nested repetitions are refused ([`crate::regex_check`]), and
//! the rare pattern that one accepts and the other does not is isolated by
//! `flotilla_core::proxy`, which validates vhosts one by one when the whole configuration fails.
//!
//! # Conflict rule
//!
//! All running, valid containers with the same host and path share one location and one upstream.
//! Per-path settings (`VIRTUAL_PROTO`, `VIRTUAL_DEST`, …) and per-vhost settings (`HTTPS_METHOD`,
//! `HSTS`, …) are taken from the containers that set them explicitly; when those disagree, **the
//! value of the container with the lowest `(engine, name, id)` wins** (byte-wise string order)
//! and a warning names the losers. Each container keeps its own port. The result does not
//! depend on the input order.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::regex_check;
use super::source::ProxyContainer;

/// nginx-proxy's opt-in variable: the container wants these host names routed to it. Its
/// presence is what makes the watcher keep a container at all.
pub const ENV_HOST: &str = "VIRTUAL_HOST";
/// nginx-proxy's choice among several exposed ports (the only way to pick one that is not 80).
pub const ENV_PORT: &str = "VIRTUAL_PORT";
/// nginx-proxy's backend protocol (`http` or `https`), for backends that only speak TLS.
pub const ENV_PROTO: &str = "VIRTUAL_PROTO";
/// nginx-proxy's location prefix: several containers share one host under different paths.
pub const ENV_PATH: &str = "VIRTUAL_PATH";
/// nginx-proxy's rewrite target for `VIRTUAL_PATH` (the URI `proxy_pass` sends upstream).
pub const ENV_DEST: &str = "VIRTUAL_DEST";
/// Label form of `VIRTUAL_HOST`, for images whose environment cannot be changed; the
/// variable wins when both are set.
pub const LABEL_HOST: &str = "flotilla.proxy.host";
/// Label form of `VIRTUAL_PORT`.
pub const LABEL_PORT: &str = "flotilla.proxy.port";
/// Label form of `VIRTUAL_PROTO`.
pub const LABEL_PROTO: &str = "flotilla.proxy.proto";
/// Label form of `VIRTUAL_PATH`.
pub const LABEL_PATH: &str = "flotilla.proxy.path";
/// Label form of `VIRTUAL_DEST`.
pub const LABEL_DEST: &str = "flotilla.proxy.dest";
/// nginx-proxy's label prefix, accepted for its label-only settings.
pub const NGINX_PROXY_LABEL: &str = "com.github.nginx-proxy.nginx-proxy.";

/// One setting: its env var (if it has one), its flotilla label, and nginx-proxy's label name
/// for the label-only ones.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// The environment variable, as nginx-proxy reads it (`None`: label only).
    pub env: Option<&'static str>,
    /// flotilla's label.
    pub label: &'static str,
    /// nginx-proxy's label suffix after [`NGINX_PROXY_LABEL`], for its label-only settings.
    pub nginx_proxy_label: Option<&'static str>,
}

const fn both(env: &'static str, label: &'static str) -> Setting {
    Setting {
        env: Some(env),
        label,
        nginx_proxy_label: None,
    }
}

/// `VIRTUAL_HOST`: the vhosts a container serves.
pub const HOST: Setting = both(ENV_HOST, LABEL_HOST);
/// `VIRTUAL_PORT`: the backend port when the container exposes several.
pub const PORT: Setting = both(ENV_PORT, LABEL_PORT);
/// `VIRTUAL_PROTO`: how nginx talks to the backend.
pub const PROTO: Setting = both(ENV_PROTO, LABEL_PROTO);
/// `VIRTUAL_ROOT`: the document root for fastcgi.
pub const ROOT: Setting = both("VIRTUAL_ROOT", "flotilla.proxy.root");
/// `VIRTUAL_PATH`: the location a container serves.
pub const PATH: Setting = both(ENV_PATH, LABEL_PATH);
/// `VIRTUAL_DEST`: the URI `proxy_pass` rewrites the path to.
pub const DEST: Setting = both(ENV_DEST, LABEL_DEST);
/// `NETWORK_ACCESS`: `internal` limits a vhost to private addresses.
pub const NETWORK_ACCESS: Setting = both("NETWORK_ACCESS", "flotilla.proxy.network_access");
/// `HTTPS_METHOD`: redirect, noredirect, nohttp or nohttps.
pub const HTTPS_METHOD: Setting = both("HTTPS_METHOD", "flotilla.proxy.https_method");
/// `HSTS`: the Strict-Transport-Security header, or `off`.
pub const HSTS: Setting = both("HSTS", "flotilla.proxy.hsts");
/// `CERT_NAME`: the certificate stem to use instead of the host.
pub const CERT_NAME: Setting = both("CERT_NAME", "flotilla.proxy.cert_name");
/// `LETSENCRYPT_HOST`: the hosts the built-in ACME client orders certificates for.
pub const ACME: Setting = both("LETSENCRYPT_HOST", "flotilla.proxy.acme");
/// `EXTERNAL_HTTP_PORT`: the port clients reach HTTP on (for redirects).
pub const EXTERNAL_HTTP_PORT: Setting =
    both("EXTERNAL_HTTP_PORT", "flotilla.proxy.external_http_port");
/// `EXTERNAL_HTTPS_PORT`: the port clients reach HTTPS on (for redirects).
pub const EXTERNAL_HTTPS_PORT: Setting =
    both("EXTERNAL_HTTPS_PORT", "flotilla.proxy.external_https_port");
/// `NON_GET_REDIRECT`: the status of HTTPS redirects for methods other than GET.
pub const NON_GET_REDIRECT: Setting = Setting {
    env: Some("NON_GET_REDIRECT"),
    label: "flotilla.proxy.non_get_redirect",
    nginx_proxy_label: Some("non-get-redirect"),
};
/// `TRUST_DEFAULT_CERT`: whether `certs/default.crt` may serve a vhost.
pub const TRUST_DEFAULT_CERT: Setting = Setting {
    env: Some("TRUST_DEFAULT_CERT"),
    label: "flotilla.proxy.trust_default_cert",
    nginx_proxy_label: Some("trust-default-cert"),
};
/// `CLIENT_MAX_BODY_SIZE`: nginx's request body limit for the vhost.
pub const CLIENT_MAX_BODY_SIZE: Setting = both(
    "CLIENT_MAX_BODY_SIZE",
    "flotilla.proxy.client_max_body_size",
);
/// The upstream's balancing directive (label only).
pub const LOADBALANCE: Setting = Setting {
    env: None,
    label: "flotilla.proxy.loadbalance",
    nginx_proxy_label: Some("loadbalance"),
};
/// Upstream keepalive connections (label only).
pub const KEEPALIVE: Setting = Setting {
    env: None,
    label: "flotilla.proxy.keepalive",
    nginx_proxy_label: Some("keepalive"),
};

/// How nginx matches a `server_name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HostKind {
    /// A plain name, IPv4 address or bracketed IPv6 address.
    Exact,
    /// `*.example.com` or `example.*`.
    Wildcard,
    /// `~regex` (kept verbatim, `~` included).
    Regex,
}

/// Protocol towards the backend.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    /// Plain HTTP, nginx-proxy's default.
    #[default]
    Http,
    /// TLS to the backend (`proxy_pass https://…`); nginx does not verify its certificate, as
    /// in nginx-proxy.
    Https,
    /// `uwsgi_pass`.
    Uwsgi,
    /// `fastcgi_pass`.
    Fastcgi,
    /// `grpc_pass` over plain HTTP/2.
    Grpc,
    /// `grpc_pass` over TLS.
    Grpcs,
}

impl Proto {
    /// The scheme as written in `VIRTUAL_PROTO` and in `proxy_pass`.
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Http => "http",
            Proto::Https => "https",
            Proto::Uwsgi => "uwsgi",
            Proto::Fastcgi => "fastcgi",
            Proto::Grpc => "grpc",
            Proto::Grpcs => "grpcs",
        }
    }
}

impl fmt::Display for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `HTTPS_METHOD`: how a vhost with a certificate treats plain HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HttpsMethod {
    /// HTTP answers 301 to HTTPS; HSTS on.
    Redirect,
    /// Both served; no HSTS.
    Noredirect,
    /// HTTPS only; HTTP reaches the fallback (503).
    Nohttp,
    /// HTTP only, even with a certificate.
    Nohttps,
}

impl HttpsMethod {
    /// The value as `HTTPS_METHOD` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpsMethod::Redirect => "redirect",
            HttpsMethod::Noredirect => "noredirect",
            HttpsMethod::Nohttp => "nohttp",
            HttpsMethod::Nohttps => "nohttps",
        }
    }
}

impl fmt::Display for HttpsMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for HttpsMethod {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "redirect" => Ok(HttpsMethod::Redirect),
            "noredirect" => Ok(HttpsMethod::Noredirect),
            "nohttp" => Ok(HttpsMethod::Nohttp),
            "nohttps" => Ok(HttpsMethod::Nohttps),
            _ => Err(format!(
                "invalid HTTPS_METHOD \"{}\": use redirect, noredirect, nohttp or nohttps",
                sanitize(s)
            )),
        }
    }
}

/// `NETWORK_ACCESS`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum NetworkAccess {
    /// Every client (the default).
    #[default]
    External,
    /// Only loopback and private addresses; others get 403.
    Internal,
}

impl fmt::Display for NetworkAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NetworkAccess::External => "external",
            NetworkAccess::Internal => "internal",
        })
    }
}

/// Upstream keepalive (nginx-proxy's `keepalive` label).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Keepalive {
    /// Twice the number of servers.
    #[default]
    Auto,
    /// `Connection: close` to the backend, no idle connections kept.
    Disabled,
    /// This many idle connections per worker.
    Connections(u32),
}

impl fmt::Display for Keepalive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Keepalive::Auto => f.write_str("auto"),
            Keepalive::Disabled => f.write_str("disabled"),
            Keepalive::Connections(n) => write!(f, "{n}"),
        }
    }
}

/// The complete routing decision for a set of containers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RouteTable {
    /// Sorted by host name (byte order).
    pub vhosts: Vec<VHost>,
    /// Running containers that asked for a route but got no server, sorted by (engine, container, reason).
    pub skipped: Vec<Skipped>,
    /// Non-fatal findings (conflicts, overridden settings, guessed ports), sorted, no duplicates.
    pub warnings: Vec<String>,
}

/// One `server` block: a host name and the locations under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VHost {
    /// The `server_name`: lower-cased for exact and wildcard names, verbatim for regexes.
    pub host: String,
    /// Decides how nginx matches `host` (exact names win over wildcards, wildcards over regexes).
    pub kind: HostKind,
    /// Sorted by path.
    pub locations: Vec<Location>,
    /// Per-vhost settings; `None`: the proxy's default.
    #[serde(default)]
    pub settings: VHostSettings,
    /// The containers that declared this vhost, as `engine/name`, sorted.
    #[serde(default)]
    pub containers: Vec<String>,
}

/// A vhost's own settings (each `None` when no container set it).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VHostSettings {
    /// `HTTPS_METHOD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub https_method: Option<HttpsMethod>,
    /// `off` or the header value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hsts: Option<String>,
    /// `CERT_NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_name: Option<String>,
    /// A container asked for an ACME certificate for this (exact) host.
    #[serde(default)]
    pub acme: bool,
    /// `NON_GET_REDIRECT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_get_redirect: Option<u16>,
    /// `TRUST_DEFAULT_CERT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_default_cert: Option<bool>,
    /// `EXTERNAL_HTTP_PORT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_http_port: Option<u16>,
    /// `EXTERNAL_HTTPS_PORT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_https_port: Option<u16>,
    /// `CLIENT_MAX_BODY_SIZE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_max_body_size: Option<String>,
}

/// One `location` of a vhost: its upstream and how requests are passed to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// The location: a prefix starting with `/`, or `~ REGEX` / `~* REGEX`.
    pub path: String,
    /// Replacement URI for `proxy_pass` (empty: none).
    pub dest: String,
    /// Agreed by every container of the location (a conflict is resolved and warned about).
    pub proto: Proto,
    /// Sorted by (address, engine, container), no duplicates. May be empty (→ 502).
    pub servers: Vec<Server>,
    /// `NETWORK_ACCESS`.
    #[serde(default)]
    pub network_access: NetworkAccess,
    /// An upstream balancing directive (`least_conn`, `hash $remote_addr`, …), without `;`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loadbalance: Option<String>,
    /// Upstream keepalive connections.
    #[serde(default)]
    pub keepalive: Keepalive,
    /// `VIRTUAL_ROOT` for fastcgi.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
}

impl Location {
    /// True for a regex location (`~ …` or `~* …`).
    pub fn is_regex(&self) -> bool {
        self.path.starts_with('~')
    }
}

/// One upstream server: where nginx connects, and which container that is (for the comment
/// in the configuration and for `proxy status`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Server {
    /// The container's own IP on the data plane's engine, or its host's IP and published port.
    pub addr: SocketAddr,
    /// The engine (machine) the container runs on.
    pub engine: String,
    /// The container's name (its ID when it has none).
    pub container: String,
}

/// A running container that asked for a route but got none, kept so the reason can be shown
/// instead of the container silently missing from the configuration.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Skipped {
    /// The engine (machine) the container runs on.
    pub engine: String,
    /// The container's name (its ID when it has none).
    pub container: String,
    /// What to change, in words (an invalid `VIRTUAL_HOST` item, an unpublished port, …).
    pub reason: String,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}: {}", self.engine, self.container, self.reason)
    }
}

/// Per-path settings one container declares (each `None`: not set by it).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
struct LocDecl {
    proto: Option<Proto>,
    dest: Option<String>,
    network_access: Option<NetworkAccess>,
    loadbalance: Option<String>,
    keepalive: Option<Keepalive>,
    root: Option<String>,
}

/// Per-vhost settings one container declares.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
struct VhDecl {
    https_method: Option<HttpsMethod>,
    hsts: Option<String>,
    cert_name: Option<String>,
    non_get_redirect: Option<u16>,
    trust_default_cert: Option<bool>,
    external_http_port: Option<u16>,
    external_https_port: Option<u16>,
    client_max_body_size: Option<String>,
}

/// What the container's ACME setting asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum AcmeAsk {
    /// Every exact host of the container.
    All,
    /// These hosts (lower-cased).
    Hosts(BTreeSet<String>),
    /// Explicitly none (`flotilla.proxy.acme=false`).
    Off,
}

/// A container's settings after validation.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Settings {
    hosts: Vec<(String, HostKind)>,
    port: u16,
    path: String,
    loc: LocDecl,
    vh: VhDecl,
    acme: Option<AcmeAsk>,
}

/// The ordering key that decides conflicts: lowest wins.
type Key = (String, String, String);

fn key(c: &ProxyContainer) -> Key {
    (c.engine.clone(), c.name.clone(), c.id.clone())
}

fn display_name(c: &ProxyContainer) -> String {
    if c.name.is_empty() {
        c.id.chars().take(12).collect()
    } else {
        c.name.clone()
    }
}

#[derive(Default)]
struct Group {
    /// (key, declared settings) of every container that declared this location.
    decls: Vec<(Key, LocDecl)>,
    servers: BTreeSet<Server>,
}

#[derive(Default)]
struct HostEntry {
    kind: Option<HostKind>,
    paths: BTreeMap<String, Group>,
    decls: Vec<(Key, VhDecl)>,
    acme: bool,
    containers: BTreeSet<String>,
}

/// Builds the route table. Pure and deterministic: any permutation of `containers` gives an
/// identical table.
pub fn build(containers: &[ProxyContainer]) -> RouteTable {
    let mut skipped: BTreeSet<Skipped> = BTreeSet::new();
    let mut warnings: BTreeSet<String> = BTreeSet::new();
    let mut hosts: BTreeMap<String, HostEntry> = BTreeMap::new();
    // Replicas repeat the same VIRTUAL_HOST items; compiling a regex is the costly part.
    let mut host_cache: HostCache = BTreeMap::new();

    for c in containers {
        if !c.running {
            continue;
        }
        let who = format!("{}/{}", c.engine, display_name(c));
        let skip = |reason: String| Skipped {
            engine: c.engine.clone(),
            container: display_name(c),
            reason,
        };
        let settings = match settings(c, &who, &mut warnings, &mut host_cache) {
            Ok(Some(s)) => s,
            Ok(None) => continue,
            Err(reason) => {
                skipped.insert(skip(reason));
                continue;
            }
        };
        let server = if c.health.as_deref() == Some("unhealthy") {
            skipped.insert(skip("health check reports unhealthy".to_string()));
            None
        } else {
            match address(c, settings.port) {
                Ok(addr) => Some(Server {
                    addr,
                    engine: c.engine.clone(),
                    container: display_name(c),
                }),
                Err(reason) => {
                    skipped.insert(skip(reason));
                    None
                }
            }
        };
        if let Some(AcmeAsk::Hosts(asked)) = &settings.acme {
            for h in asked {
                if !settings
                    .hosts
                    .iter()
                    .any(|(x, k)| x == h && *k == HostKind::Exact)
                {
                    warnings.insert(format!(
                        "{who}: LETSENCRYPT_HOST {} is not an exact host of its VIRTUAL_HOST; ignored",
                        sanitize(h)
                    ));
                }
            }
        }
        for (host, kind) in &settings.hosts {
            let entry = hosts.entry(host.clone()).or_default();
            entry.kind.get_or_insert(*kind);
            entry.containers.insert(who.clone());
            let group = entry.paths.entry(settings.path.clone()).or_default();
            group.decls.push((key(c), settings.loc.clone()));
            if let Some(s) = &server {
                group.servers.insert(s.clone());
            }
            entry.decls.push((key(c), settings.vh.clone()));
            let acme = match &settings.acme {
                Some(AcmeAsk::All) => true,
                Some(AcmeAsk::Hosts(h)) => h.contains(host),
                Some(AcmeAsk::Off) | None => false,
            };
            if acme && *kind == HostKind::Exact && !is_ip_host(host) {
                entry.acme = true;
            }
        }
    }

    let mut vhosts = Vec::with_capacity(hosts.len());
    for (host, entry) in hosts {
        let mut locations = Vec::with_capacity(entry.paths.len());
        for (path, mut group) in entry.paths {
            group.decls.sort();
            group.decls.dedup();
            let mut pick = Picker {
                host: &host,
                path: Some(&path),
                warnings: &mut warnings,
            };
            let d = &group.decls;
            let proto = pick
                .pick(d, |x| x.proto, "VIRTUAL_PROTO")
                .unwrap_or_default();
            let dest = pick
                .pick(d, |x| x.dest.clone(), "VIRTUAL_DEST")
                .unwrap_or_default();
            let network_access = pick
                .pick(d, |x| x.network_access, "NETWORK_ACCESS")
                .unwrap_or_default();
            let loadbalance = pick.pick(d, |x| x.loadbalance.clone(), "loadbalance");
            let keepalive = pick
                .pick(d, |x| x.keepalive, "keepalive")
                .unwrap_or_default();
            let root = pick.pick(d, |x| x.root.clone(), "VIRTUAL_ROOT");
            locations.push(Location {
                path,
                dest,
                proto,
                servers: group.servers.into_iter().collect(),
                network_access,
                loadbalance,
                keepalive,
                root,
            });
        }
        let mut decls = entry.decls;
        decls.sort();
        decls.dedup();
        let mut pick = Picker {
            host: &host,
            path: None,
            warnings: &mut warnings,
        };
        let settings = VHostSettings {
            https_method: pick.pick(&decls, |x| x.https_method, "HTTPS_METHOD"),
            hsts: pick.pick(&decls, |x| x.hsts.clone(), "HSTS"),
            cert_name: pick.pick(&decls, |x| x.cert_name.clone(), "CERT_NAME"),
            acme: entry.acme,
            non_get_redirect: pick.pick(&decls, |x| x.non_get_redirect, "NON_GET_REDIRECT"),
            trust_default_cert: pick.pick(&decls, |x| x.trust_default_cert, "TRUST_DEFAULT_CERT"),
            external_http_port: pick.pick(&decls, |x| x.external_http_port, "EXTERNAL_HTTP_PORT"),
            external_https_port: pick.pick(
                &decls,
                |x| x.external_https_port,
                "EXTERNAL_HTTPS_PORT",
            ),
            client_max_body_size: pick.pick(
                &decls,
                |x| x.client_max_body_size.clone(),
                "CLIENT_MAX_BODY_SIZE",
            ),
        };
        vhosts.push(VHost {
            host,
            kind: entry.kind.unwrap_or(HostKind::Exact),
            locations,
            settings,
            containers: entry.containers.into_iter().collect(),
        });
    }
    RouteTable {
        vhosts,
        skipped: skipped.into_iter().collect(),
        warnings: warnings.into_iter().collect(),
    }
}

/// True for an IPv4 address or a bracketed IPv6 address (no ACME certificate for those).
fn is_ip_host(host: &str) -> bool {
    host.starts_with('[') || host.parse::<std::net::Ipv4Addr>().is_ok()
}

/// Applies the conflict rule to one setting of a vhost or a path.
struct Picker<'a> {
    host: &'a str,
    path: Option<&'a str>,
    warnings: &'a mut BTreeSet<String>,
}

impl Picker<'_> {
    /// The first (lowest key) explicit value wins; a warning names the disagreeing others.
    fn pick<D, T: PartialEq + fmt::Display>(
        &mut self,
        decls: &[(Key, D)],
        get: impl Fn(&D) -> Option<T>,
        what: &str,
    ) -> Option<T> {
        let mut explicit = decls.iter().filter_map(|d| get(&d.1).map(|v| (&d.0, v)));
        let (wkey, winner) = explicit.next()?;
        let losers: Vec<String> = explicit
            .filter(|(_, v)| *v != winner)
            .map(|(k, v)| format!("{}/{}={}", k.0, k.1, sanitize(&v.to_string())))
            .collect();
        if !losers.is_empty() {
            let place = match self.path {
                Some(p) => format!("vhost {} path {}", self.host, p),
                None => format!("vhost {}", self.host),
            };
            self.warnings.insert(format!(
                "{place}: containers disagree on {what}; using {} from {}/{} (lowest engine/name), ignoring {}",
                sanitize(&winner.to_string()),
                wkey.0,
                wkey.1,
                losers.join(", ")
            ));
        }
        Some(winner)
    }
}

/// Reads one setting: the flotilla label wins over nginx-proxy's label, which wins over the env
/// var. Empty (after trim) counts as unset.
fn setting<'a>(
    c: &'a ProxyContainer,
    s: Setting,
    who: &str,
    warnings: &mut BTreeSet<String>,
) -> Option<&'a str> {
    let label_value = |name: &str| {
        c.labels
            .get(name)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    };
    let mut from_label = label_value(s.label).map(|v| (s.label.to_string(), v));
    if from_label.is_none()
        && let Some(n) = s.nginx_proxy_label
    {
        let full = format!("{NGINX_PROXY_LABEL}{n}");
        from_label = label_value(&full).map(|v| (full, v));
    }
    let from_env = s
        .env
        .and_then(|e| c.env_var(e))
        .map(str::trim)
        .filter(|s| !s.is_empty());
    match (from_label, from_env) {
        (Some((label, l)), Some(e)) if l != e => {
            warnings.insert(format!(
                "{who}: label {label}={} overrides {}={}",
                sanitize(l),
                s.env.unwrap_or_default(),
                sanitize(e)
            ));
            Some(l)
        }
        (Some((_, l)), _) => Some(l),
        (None, e) => e,
    }
}

/// Parses and validates a container's settings. `Ok(None)`: the container does not opt in.
type HostCache = BTreeMap<String, Result<(String, HostKind), String>>;

fn settings(
    c: &ProxyContainer,
    who: &str,
    warnings: &mut BTreeSet<String>,
    cache: &mut HostCache,
) -> Result<Option<Settings>, String> {
    let Some(raw_hosts) = setting(c, HOST, who, warnings) else {
        return Ok(None);
    };
    let mut hosts: Vec<(String, HostKind)> = Vec::new();
    for item in raw_hosts
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let parsed = match cache.get(item) {
            Some(r) => r.clone()?,
            None => {
                let r = parse_host(item);
                cache.insert(item.to_string(), r.clone());
                r?
            }
        };
        if !hosts.contains(&parsed) {
            hosts.push(parsed);
        }
    }
    if hosts.is_empty() {
        return Ok(None);
    }
    let mut get = |s: Setting| setting(c, s, who, warnings);
    let port = match get(PORT) {
        Some(p) => parse_port(p)?,
        None => {
            let tcp: BTreeSet<u16> = c
                .exposed_ports
                .iter()
                .filter(|p| p.proto == "tcp")
                .map(|p| p.port)
                .collect();
            match tcp.len() {
                1 => tcp.into_iter().next().unwrap_or(80),
                0 => 80,
                _ => {
                    warnings.insert(format!(
                        "{who}: exposes several ports and sets no VIRTUAL_PORT; using port 80"
                    ));
                    80
                }
            }
        }
    };
    let mut get = |s: Setting| setting(c, s, who, warnings);
    let path = match get(PATH) {
        Some(p) => parse_path(p)?,
        None => "/".to_string(),
    };
    let dest = get(DEST)
        .map(|d| validate_uri(d, "VIRTUAL_DEST").map(|()| d.to_string()))
        .transpose()?;
    if dest.is_some() && path.starts_with('~') {
        return Err(format!(
            "invalid VIRTUAL_DEST with the regex VIRTUAL_PATH \"{}\": nginx cannot replace a regex match",
            sanitize(&path)
        ));
    }
    let loc = LocDecl {
        proto: get(PROTO).map(parse_proto).transpose()?,
        dest,
        network_access: get(NETWORK_ACCESS).map(parse_network_access).transpose()?,
        loadbalance: get(LOADBALANCE).map(parse_loadbalance).transpose()?,
        keepalive: get(KEEPALIVE).map(parse_keepalive).transpose()?,
        root: get(ROOT)
            .map(|d| validate_uri(d, "VIRTUAL_ROOT").map(|()| d.to_string()))
            .transpose()?,
    };
    let vh = VhDecl {
        https_method: get(HTTPS_METHOD).map(str::parse).transpose()?,
        hsts: get(HSTS).map(parse_hsts).transpose()?,
        cert_name: get(CERT_NAME).map(parse_cert_name).transpose()?,
        non_get_redirect: get(NON_GET_REDIRECT)
            .map(parse_non_get_redirect)
            .transpose()?,
        trust_default_cert: get(TRUST_DEFAULT_CERT)
            .map(|v| parse_bool(v, "TRUST_DEFAULT_CERT"))
            .transpose()?,
        external_http_port: get(EXTERNAL_HTTP_PORT)
            .map(|p| parse_port_named(p, "EXTERNAL_HTTP_PORT"))
            .transpose()?,
        external_https_port: get(EXTERNAL_HTTPS_PORT)
            .map(|p| parse_port_named(p, "EXTERNAL_HTTPS_PORT"))
            .transpose()?,
        client_max_body_size: get(CLIENT_MAX_BODY_SIZE).map(parse_body_size).transpose()?,
    };
    let acme = get(ACME).map(parse_acme);
    Ok(Some(Settings {
        hosts,
        port,
        path,
        loc,
        vh,
        acme,
    }))
}

/// Replaces control characters (and shortens) so container-supplied text is safe in logs and
/// in nginx comments (a newline would end a comment).
pub fn sanitize(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(200)
        .map(|ch| if ch.is_control() { '?' } else { ch })
        .collect();
    if s.chars().count() > 200 {
        out.push('…');
    }
    out
}

fn forbidden_char(ch: char) -> bool {
    ch.is_whitespace() || ch.is_control() || matches!(ch, ';' | '{' | '}' | '"' | '\'' | '`')
}

/// Validates one `VIRTUAL_HOST` item (already trimmed, non-empty).
pub fn parse_host(item: &str) -> Result<(String, HostKind), String> {
    let bad = || format!("invalid VIRTUAL_HOST item \"{}\"", sanitize(item));
    if let Some(re) = item.strip_prefix('~') {
        if re.is_empty() {
            return Err(format!("{}: empty regex", bad()));
        }
        // Regexes are rendered quoted, so ';', '{' and '}' are fine; quotes and whitespace are not.
        if re
            .chars()
            .any(|ch| ch.is_whitespace() || ch.is_control() || matches!(ch, '"' | '\'' | '`'))
        {
            return Err(format!("{}: whitespace and quotes are not allowed", bad()));
        }
        if let Err(e) = regex_check::check(re) {
            return Err(format!("{}: {}", bad(), sanitize(&e)));
        }
        return Ok((item.to_string(), HostKind::Regex));
    }
    let lower = item.to_ascii_lowercase();
    if let Some(inner) = lower.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        return match inner.parse::<std::net::Ipv6Addr>() {
            Ok(_) => Ok((lower, HostKind::Exact)),
            Err(_) => Err(format!("{}: not an IPv6 address", bad())),
        };
    }
    if lower.contains(':') {
        return Err(format!(
            "{}: a port in VIRTUAL_HOST is not supported (use VIRTUAL_PORT; write IPv6 addresses in brackets)",
            bad()
        ));
    }
    let (name, kind) = if let Some(rest) = lower.strip_prefix("*.") {
        (rest, HostKind::Wildcard)
    } else if let Some(rest) = lower.strip_suffix(".*") {
        (rest, HostKind::Wildcard)
    } else {
        (lower.as_str(), HostKind::Exact)
    };
    if name.len() > 253 {
        return Err(format!("{}: longer than 253 characters", bad()));
    }
    for label in name.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(format!(
                "{}: each dot-separated label must have 1 to 63 characters",
                bad()
            ));
        }
        if !label
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        {
            return Err(format!(
                "{}: only letters, digits, '-', '_', a leading \"*.\" or a trailing \".*\" are allowed",
                bad()
            ));
        }
    }
    Ok((lower, kind))
}

/// Validates a port setting: an integer in 1..=65535.
pub fn parse_port(s: &str) -> Result<u16, String> {
    parse_port_named(s, "VIRTUAL_PORT")
}

fn parse_port_named(s: &str, what: &str) -> Result<u16, String> {
    match s.parse::<u16>() {
        Ok(p) if p != 0 => Ok(p),
        _ => Err(format!(
            "invalid {what} \"{}\": must be a number from 1 to 65535",
            sanitize(s)
        )),
    }
}

fn parse_proto(s: &str) -> Result<Proto, String> {
    match s.to_ascii_lowercase().as_str() {
        "http" => Ok(Proto::Http),
        "https" => Ok(Proto::Https),
        "uwsgi" => Ok(Proto::Uwsgi),
        "fastcgi" => Ok(Proto::Fastcgi),
        "grpc" => Ok(Proto::Grpc),
        "grpcs" => Ok(Proto::Grpcs),
        _ => Err(format!(
            "unsupported VIRTUAL_PROTO \"{}\": use http, https, uwsgi, fastcgi, grpc or grpcs",
            sanitize(s)
        )),
    }
}

fn parse_network_access(s: &str) -> Result<NetworkAccess, String> {
    match s.to_ascii_lowercase().as_str() {
        "external" => Ok(NetworkAccess::External),
        "internal" => Ok(NetworkAccess::Internal),
        _ => Err(format!(
            "invalid NETWORK_ACCESS \"{}\": use external or internal",
            sanitize(s)
        )),
    }
}

/// nginx-proxy takes any upstream directive here; only the balancing methods nginx has are
/// accepted (a raw directive from a container could inject configuration).
fn parse_loadbalance(s: &str) -> Result<String, String> {
    let v = s.trim().trim_end_matches(';').trim();
    let words: Vec<&str> = v.split_whitespace().collect();
    let key_ok = |k: &str| {
        !k.is_empty()
            && k.len() <= 128
            && k.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '$' | '-'))
    };
    let ok = match words.as_slice() {
        ["least_conn"] | ["ip_hash"] | ["random"] | ["random", "two"] => true,
        ["random", "two", "least_conn"] => true,
        ["hash", k] => key_ok(k),
        ["hash", k, "consistent"] => key_ok(k),
        _ => false,
    };
    if ok {
        Ok(words.join(" "))
    } else {
        Err(format!(
            "invalid loadbalance \"{}\": use least_conn, ip_hash, random [two [least_conn]] or hash KEY [consistent]",
            sanitize(s)
        ))
    }
}

fn parse_keepalive(s: &str) -> Result<Keepalive, String> {
    match s.to_ascii_lowercase().as_str() {
        "auto" => Ok(Keepalive::Auto),
        "disabled" | "off" | "0" => Ok(Keepalive::Disabled),
        n => match n.parse::<u32>() {
            Ok(n) if (1..=10_000).contains(&n) => Ok(Keepalive::Connections(n)),
            _ => Err(format!(
                "invalid keepalive \"{}\": use auto, disabled or a number from 1 to 10000",
                sanitize(s)
            )),
        },
    }
}

/// `off` or a header value: printable ASCII without quotes, backslashes or `$` (it is written
/// quoted, and `$` would be read as a variable).
fn parse_hsts(s: &str) -> Result<String, String> {
    if s.eq_ignore_ascii_case("off") {
        return Ok("off".to_string());
    }
    if s.len() <= 256
        && s.chars()
            .all(|ch| (' '..='~').contains(&ch) && !matches!(ch, '"' | '\\' | '$'))
    {
        Ok(s.to_string())
    } else {
        Err(format!(
            "invalid HSTS \"{}\": printable ASCII without quotes, '\\' or '$', at most 256 characters (or off)",
            sanitize(s)
        ))
    }
}

/// A file stem in the certificates directory.
fn parse_cert_name(s: &str) -> Result<String, String> {
    let s = s.trim_end_matches(".crt");
    if !s.is_empty()
        && s.len() <= 255
        && !s.starts_with('.')
        && s.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '-' | '_' | '*'))
    {
        Ok(s.to_string())
    } else {
        Err(format!(
            "invalid CERT_NAME \"{}\": a file name in the certificates directory (letters, digits, '.', '-', '_')",
            sanitize(s)
        ))
    }
}

fn parse_non_get_redirect(s: &str) -> Result<u16, String> {
    match s {
        "301" => Ok(301),
        "307" => Ok(307),
        "308" => Ok(308),
        _ => Err(format!(
            "invalid NON_GET_REDIRECT \"{}\": use 301, 307 or 308",
            sanitize(s)
        )),
    }
}

fn parse_bool(s: &str, what: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(format!(
            "invalid {what} \"{}\": use true or false",
            sanitize(s)
        )),
    }
}

/// nginx's size syntax: a number with an optional `k`, `m` or `g`.
fn parse_body_size(s: &str) -> Result<String, String> {
    let digits = s.trim_end_matches(['k', 'K', 'm', 'M', 'g', 'G']);
    if !digits.is_empty()
        && digits.len() <= 12
        && digits.chars().all(|c| c.is_ascii_digit())
        && s.len() - digits.len() <= 1
    {
        Ok(s.to_string())
    } else {
        Err(format!(
            "invalid CLIENT_MAX_BODY_SIZE \"{}\": a size such as 0, 512k, 50m or 1g",
            sanitize(s)
        ))
    }
}

fn parse_acme(s: &str) -> AcmeAsk {
    match s.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => AcmeAsk::All,
        "false" | "0" | "no" | "off" => AcmeAsk::Off,
        list => AcmeAsk::Hosts(
            list.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        ),
    }
}

/// Validates `VIRTUAL_PATH`: a prefix (`/…`), or a regex location `~ REGEX` / `~* REGEX`.
/// Returns the normalised form (one space after the modifier).
fn parse_path(s: &str) -> Result<String, String> {
    for modifier in ["~*", "~"] {
        if let Some(re) = s.strip_prefix(modifier) {
            let re = re.trim();
            if re.is_empty()
                || re.len() > 1024
                || re
                    .chars()
                    .any(|ch| ch.is_control() || ch.is_whitespace() || matches!(ch, '"' | '\''))
            {
                return Err(format!(
                    "invalid VIRTUAL_PATH \"{}\": a regex location is `~ REGEX` or `~* REGEX` without whitespace or quotes",
                    sanitize(s)
                ));
            }
            regex_check::check(re)
                .map_err(|e| format!("invalid VIRTUAL_PATH \"{}\": {e}", sanitize(s)))?;
            return Ok(format!("{modifier} {re}"));
        }
    }
    validate_uri(s, "VIRTUAL_PATH")?;
    Ok(s.to_string())
}

/// Validates a `VIRTUAL_PATH`, `VIRTUAL_DEST` or `VIRTUAL_ROOT` value.
fn validate_uri(s: &str, what: &str) -> Result<(), String> {
    if !s.starts_with('/') {
        return Err(format!(
            "invalid {what} \"{}\": must start with '/'",
            sanitize(s)
        ));
    }
    if s.len() > 1024 {
        return Err(format!("invalid {what}: longer than 1024 characters"));
    }
    if s.chars()
        .any(|ch| forbidden_char(ch) || matches!(ch, '\\' | '#' | '$'))
    {
        return Err(format!(
            "invalid {what} \"{}\": whitespace, quotes, ';', '{{', '}}', '\\', '#' and '$' are not allowed",
            sanitize(s)
        ));
    }
    Ok(())
}

fn address(c: &ProxyContainer, port: u16) -> Result<SocketAddr, String> {
    if c.local
        && let Some(ip) = c.ip_address
    {
        return Ok(SocketAddr::new(ip, port));
    }
    let bindings: Vec<_> = c
        .published
        .iter()
        .filter(|p| p.container_port == port && p.proto == "tcp")
        .collect();
    if bindings.is_empty() {
        return Err(if c.local {
            format!("no address on the data plane network and port {port}/tcp is not published")
        } else {
            format!(
                "not reachable on the data plane network and port {port}/tcp is not published (publish it, e.g. -p {port})"
            )
        });
    }
    // Prefer bindings on all interfaces (reached through the engine's IP), then specific IPs.
    let mut candidates: Vec<(bool, SocketAddr)> = Vec::new();
    let mut loopback_only = true;
    for b in &bindings {
        match b.host_ip {
            Some(ip) if ip.is_loopback() => {}
            Some(ip) if !ip.is_unspecified() => {
                loopback_only = false;
                candidates.push((true, SocketAddr::new(ip, b.host_port)));
            }
            _ => {
                loopback_only = false;
                if let Some(ip) = c.engine_ip {
                    candidates.push((false, SocketAddr::new(ip, b.host_port)));
                }
            }
        }
    }
    candidates.sort();
    match candidates.first() {
        Some((_, addr)) => Ok(*addr),
        None if loopback_only => Err(format!(
            "port {port}/tcp is published only on a loopback address of its engine"
        )),
        None => Err(format!(
            "port {port}/tcp is published but the address of engine {} is unknown",
            c.engine
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{local, remote};
    use crate::source::{ExposedPort, PublishedPort};
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test ip")
    }

    fn servers(t: &RouteTable, host: &str, path: &str) -> Vec<String> {
        t.vhosts
            .iter()
            .find(|v| v.host == host)
            .and_then(|v| v.locations.iter().find(|l| l.path == path))
            .map(|l| l.servers.iter().map(|s| s.addr.to_string()).collect())
            .unwrap_or_else(|| vec!["<missing>".into()])
    }

    fn hosts(t: &RouteTable) -> Vec<(String, HostKind)> {
        t.vhosts.iter().map(|v| (v.host.clone(), v.kind)).collect()
    }

    #[test]
    fn virtual_host_list_is_trimmed_lowercased_and_deduplicated() {
        let t = build(&[local(
            "a",
            2,
            &["VIRTUAL_HOST= B.example.com, ,a.example.com,,b.example.com "],
        )]);
        assert_eq!(
            hosts(&t),
            vec![
                ("a.example.com".into(), HostKind::Exact),
                ("b.example.com".into(), HostKind::Exact)
            ]
        );
        assert!(t.skipped.is_empty() && t.warnings.is_empty());
    }

    #[test]
    fn containers_without_a_host_are_ignored() {
        for env in [
            &[][..],
            &["VIRTUAL_HOST="][..],
            &["VIRTUAL_HOST= , ,"][..],
            &["OTHER=1"][..],
        ] {
            let t = build(&[local("a", 2, env)]);
            assert_eq!(t, RouteTable::default(), "{env:?}");
        }
    }

    #[test]
    fn host_kinds() {
        let cases = [
            ("foo.bar.com", "foo.bar.com", HostKind::Exact),
            ("*.bar.com", "*.bar.com", HostKind::Wildcard),
            ("foo.bar.*", "foo.bar.*", HostKind::Wildcard),
            (
                "~^foo\\.bar\\..*\\.nip\\.io$",
                "~^foo\\.bar\\..*\\.nip\\.io$",
                HostKind::Regex,
            ),
            (
                "~^(?<sub>[a-z]+)\\.x\\.com$",
                "~^(?<sub>[a-z]+)\\.x\\.com$",
                HostKind::Regex,
            ),
            ("~^a{2}\\.b;c$", "~^a{2}\\.b;c$", HostKind::Regex),
            ("127.0.0.1", "127.0.0.1", HostKind::Exact),
            ("[FD00::1]", "[fd00::1]", HostKind::Exact),
            ("_", "_", HostKind::Exact),
            ("Web_1.Local", "web_1.local", HostKind::Exact),
        ];
        for (input, host, kind) in cases {
            assert_eq!(parse_host(input), Ok((host.to_string(), kind)), "{input}");
        }
    }

    #[test]
    fn invalid_hosts_drop_only_their_container() {
        let long_label = format!("{}.com", "a".repeat(64));
        let long_name = format!("{}com", "abcdefghi.".repeat(26));
        let cases: Vec<(String, &str)> = vec![
            ("a b.com".into(), "only letters"),
            (
                "a.com:8080".into(),
                "a port in VIRTUAL_HOST is not supported",
            ),
            ("*.".into(), "1 to 63"),
            ("a.*.b".into(), "only letters"),
            ("*a.com".into(), "only letters"),
            ("a..b".into(), "1 to 63"),
            ("a.com.".into(), "1 to 63"),
            (long_label, "1 to 63"),
            (long_name, "longer than 253"),
            ("~(".into(), "regex does not compile"),
            (
                "~^(?<host>.+)\\.dup\\.test$".into(),
                "would redefine nginx's variable $host",
            ),
            ("~^(a|a)+$".into(), "exponential time"),
            ("~".into(), "empty regex"),
            ("~a\"b".into(), "whitespace and quotes"),
            ("~a\tb".into(), "whitespace and quotes"),
            ("[zz]".into(), "not an IPv6 address"),
            ("a;b.com".into(), "only letters"),
            ("a{b}".into(), "only letters"),
            ("ok.com,bad host".into(), "only letters"),
        ];
        for (host, reason) in cases {
            let t = build(&[
                local("bad", 2, &[&format!("VIRTUAL_HOST={host}")]),
                local("good", 3, &["VIRTUAL_HOST=good.com"]),
            ]);
            assert_eq!(
                hosts(&t),
                vec![("good.com".into(), HostKind::Exact)],
                "{host}"
            );
            assert_eq!(t.skipped.len(), 1, "{host}");
            assert_eq!(t.skipped[0].container, "bad");
            assert!(
                t.skipped[0].reason.contains(reason),
                "{host}: {}",
                t.skipped[0].reason
            );
            assert!(!t.skipped[0].reason.contains('\t'));
        }
    }

    #[test]
    fn port_selection() {
        let exposed = |ports: &[(u16, &str)]| -> Vec<ExposedPort> {
            ports
                .iter()
                .map(|(p, proto)| ExposedPort {
                    port: *p,
                    proto: proto.to_string(),
                })
                .collect()
        };
        // (env, exposed, expected server, expect warning)
        let cases: Vec<(Vec<&str>, Vec<ExposedPort>, &str, bool)> = vec![
            (
                vec!["VIRTUAL_PORT=8080"],
                exposed(&[(3000, "tcp")]),
                "10.0.0.2:8080",
                false,
            ),
            (vec![" VIRTUAL_PORT= 8080 "], vec![], "10.0.0.2:80", false), // key with space is another var
            (vec!["VIRTUAL_PORT= 8080 "], vec![], "10.0.0.2:8080", false),
            (vec![], exposed(&[(3000, "tcp")]), "10.0.0.2:3000", false),
            (
                vec![],
                exposed(&[(3000, "tcp"), (53, "udp")]),
                "10.0.0.2:3000",
                false,
            ),
            (vec![], exposed(&[(53, "udp")]), "10.0.0.2:80", false),
            (vec![], vec![], "10.0.0.2:80", false),
            (
                vec![],
                exposed(&[(8080, "tcp"), (9000, "tcp")]),
                "10.0.0.2:80",
                true,
            ),
            (
                vec!["VIRTUAL_PORT=9000"],
                exposed(&[(8080, "tcp"), (9000, "tcp")]),
                "10.0.0.2:9000",
                false,
            ),
        ];
        for (env, ports, want, warn) in cases {
            let mut e = vec!["VIRTUAL_HOST=a.com"];
            e.extend(env.iter().copied());
            let mut c = local("a", 2, &e);
            c.exposed_ports = ports;
            let t = build(&[c]);
            assert_eq!(servers(&t, "a.com", "/"), vec![want.to_string()], "{env:?}");
            assert_eq!(!t.warnings.is_empty(), warn, "{env:?} {:?}", t.warnings);
        }
    }

    #[test]
    fn invalid_ports_are_rejected() {
        for p in ["0", "65536", "abc", "-1", "80.5", "8080/tcp"] {
            let t = build(&[local(
                "a",
                2,
                &["VIRTUAL_HOST=a.com", &format!("VIRTUAL_PORT={p}")],
            )]);
            assert!(t.vhosts.is_empty(), "{p}");
            assert!(t.skipped[0].reason.contains("invalid VIRTUAL_PORT"), "{p}");
        }
        assert_eq!(parse_port("65535"), Ok(65535));
        assert_eq!(parse_port("1"), Ok(1));
    }

    #[test]
    fn proto() {
        let cases = [
            ("", Some(Proto::Http)),
            ("VIRTUAL_PROTO=http", Some(Proto::Http)),
            ("VIRTUAL_PROTO=https", Some(Proto::Https)),
            ("VIRTUAL_PROTO=HTTPS", Some(Proto::Https)),
            ("VIRTUAL_PROTO=uwsgi", Some(Proto::Uwsgi)),
            ("VIRTUAL_PROTO=grpc", Some(Proto::Grpc)),
            ("VIRTUAL_PROTO=GRPCS", Some(Proto::Grpcs)),
            ("VIRTUAL_PROTO=fastcgi", Some(Proto::Fastcgi)),
            ("VIRTUAL_PROTO=ftp", None),
        ];
        for (env, want) in cases {
            let t = build(&[local("a", 2, &["VIRTUAL_HOST=a.com", env])]);
            let got = t.vhosts.first().map(|v| v.locations[0].proto);
            assert_eq!(got, want, "{env}");
            if want.is_none() {
                assert!(t.skipped[0].reason.contains("unsupported VIRTUAL_PROTO"));
            }
        }
    }

    #[test]
    fn path_and_dest_validation() {
        // (path, dest, ok)
        let cases = [
            ("/api/", "", true),
            ("/api", "/", true),
            ("/", "/app/", true),
            ("/a-b_c.d/~x", "", true),
            ("api", "", false),
            ("/a b", "", false),
            ("/a;b", "", false),
            ("/a{", "", false),
            ("/a}", "", false),
            ("/a'b", "", false),
            ("/a\"b", "", false),
            ("/a\\b", "", false),
            ("/a$b", "", false),
            ("/a\nb", "", false),
            ("~ ^/(a|b)/", "", true),
            ("~* \\.php$", "", true),
            ("~ ^/(a|b)/", "/x/", false),
            ("~ ^/(a+)+$", "", false),
            ("~ ^/(?<uri>.*)$", "", false),
            ("/ok", "x", false),
            ("/ok", "/a;b", false),
            ("/ok", "/$host", false),
        ];
        for (path, dest, ok) in cases {
            let mut env = vec![
                "VIRTUAL_HOST=a.com".to_string(),
                format!("VIRTUAL_PATH={path}"),
            ];
            if !dest.is_empty() {
                env.push(format!("VIRTUAL_DEST={dest}"));
            }
            let env: Vec<&str> = env.iter().map(String::as_str).collect();
            let t = build(&[local("a", 2, &env)]);
            assert_eq!(t.vhosts.len() == 1, ok, "{path:?} {dest:?} {:?}", t.skipped);
            if ok {
                let l = &t.vhosts[0].locations[0];
                assert_eq!((l.path.as_str(), l.dest.as_str()), (path, dest));
            } else {
                assert!(
                    t.skipped[0].reason.starts_with("invalid VIRTUAL_"),
                    "{:?}",
                    t.skipped
                );
            }
        }
    }

    #[test]
    fn labels_are_an_alternative_and_win_over_env() {
        let mut c = local("a", 2, &[]);
        for (k, v) in [
            (LABEL_HOST, "l.com"),
            (LABEL_PORT, "3000"),
            (LABEL_PROTO, "https"),
            (LABEL_PATH, "/x/"),
            (LABEL_DEST, "/"),
        ] {
            c.labels.insert(k.into(), v.into());
        }
        let t = build(std::slice::from_ref(&c));
        let l = &t.vhosts[0].locations[0];
        assert_eq!(t.vhosts[0].host, "l.com");
        assert_eq!(
            (l.path.as_str(), l.dest.as_str(), l.proto),
            ("/x/", "/", Proto::Https)
        );
        assert_eq!(servers(&t, "l.com", "/x/"), vec!["10.0.0.2:3000"]);
        assert!(t.warnings.is_empty());

        c.env = vec!["VIRTUAL_HOST=e.com".into(), "VIRTUAL_PORT=3000".into()];
        let t = build(&[c]);
        assert_eq!(hosts(&t), vec![("l.com".into(), HostKind::Exact)]);
        assert_eq!(
            t.warnings,
            vec!["node-1/a: label flotilla.proxy.host=l.com overrides VIRTUAL_HOST=e.com"]
        );
    }

    #[test]
    fn same_host_and_path_are_load_balanced_in_one_upstream() {
        let t = build(&[
            local("b", 3, &["VIRTUAL_HOST=a.com", "VIRTUAL_PORT=81"]),
            local("a", 2, &["VIRTUAL_HOST=a.com"]),
            remote("node-2", "c", &["VIRTUAL_HOST=a.com"], &[(80, 32768)]),
            local("d", 4, &["VIRTUAL_HOST=a.com", "VIRTUAL_PATH=/api/"]),
        ]);
        assert_eq!(t.vhosts.len(), 1);
        assert_eq!(
            t.vhosts[0]
                .locations
                .iter()
                .map(|l| l.path.as_str())
                .collect::<Vec<_>>(),
            vec!["/", "/api/"]
        );
        assert_eq!(
            servers(&t, "a.com", "/"),
            vec!["10.0.0.2:80", "10.0.0.3:81", "192.168.1.2:32768"]
        );
        assert_eq!(servers(&t, "a.com", "/api/"), vec!["10.0.0.4:80"]);
    }

    #[test]
    fn stopped_containers_are_removed() {
        let mut c = local("a", 2, &["VIRTUAL_HOST=a.com"]);
        c.running = false;
        let t = build(&[c, local("b", 3, &["VIRTUAL_HOST=b.com"])]);
        assert_eq!(hosts(&t), vec![("b.com".into(), HostKind::Exact)]);
        assert!(t.skipped.is_empty());
    }

    #[test]
    fn unhealthy_containers_are_removed_until_healthy() {
        let with = |h: Option<&str>| {
            let mut c = local("a", 2, &["VIRTUAL_HOST=a.com"]);
            c.health = h.map(str::to_string);
            build(&[c, local("b", 3, &["VIRTUAL_HOST=a.com"])])
        };
        let t = with(Some("unhealthy"));
        assert_eq!(servers(&t, "a.com", "/"), vec!["10.0.0.3:80"]);
        assert_eq!(t.skipped[0].reason, "health check reports unhealthy");
        for h in [None, Some("healthy"), Some("starting")] {
            let t = with(h);
            assert_eq!(
                servers(&t, "a.com", "/"),
                vec!["10.0.0.2:80", "10.0.0.3:80"],
                "{h:?}"
            );
            assert!(t.skipped.is_empty());
        }
        // the only backend unhealthy: the vhost stays, with no server (nginx answers 502)
        let mut c = local("a", 2, &["VIRTUAL_HOST=a.com"]);
        c.health = Some("unhealthy".into());
        let t = build(&[c]);
        assert_eq!(servers(&t, "a.com", "/"), Vec::<String>::new());
    }

    #[test]
    fn multi_host_addressing() {
        let env = ["VIRTUAL_HOST=a.com", "VIRTUAL_PORT=8080"];
        let mut specific = remote("node-3", "s", &env, &[]);
        specific.published = vec![
            PublishedPort {
                container_port: 8080,
                proto: "tcp".into(),
                host_ip: Some(ip("10.9.9.9")),
                host_port: 4000,
            },
            PublishedPort {
                container_port: 8080,
                proto: "udp".into(),
                host_ip: None,
                host_port: 4001,
            },
        ];
        let mut loopback = remote("node-3", "lo", &env, &[]);
        loopback.published = vec![PublishedPort {
            container_port: 8080,
            proto: "tcp".into(),
            host_ip: Some(ip("127.0.0.1")),
            host_port: 4002,
        }];
        let mut no_engine_ip = remote("node-3", "noip", &env, &[(8080, 4003)]);
        no_engine_ip.engine_ip = None;
        let mut local_no_ip = local("lnoip", 9, &env);
        local_no_ip.ip_address = None;
        local_no_ip.published = remote("x", "x", &[], &[(8080, 4004)]).published;
        let mut local_nothing = local("lnothing", 9, &env);
        local_nothing.ip_address = None;
        let t = build(&[
            local("l", 2, &env),
            remote("node-2", "r", &env, &[(8080, 32768), (80, 32769)]),
            remote("node-2", "unpublished", &env, &[(80, 32770)]),
            specific,
            loopback,
            no_engine_ip,
            local_no_ip,
            local_nothing,
        ]);
        assert_eq!(
            servers(&t, "a.com", "/"),
            vec![
                "10.0.0.2:8080",
                "10.9.9.9:4000",
                "192.168.1.1:4004",
                "192.168.1.2:32768"
            ]
        );
        let reasons: Vec<String> = t.skipped.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            reasons,
            vec![
                "node-1/lnothing: no address on the data plane network and port 8080/tcp is not published",
                "node-2/unpublished: not reachable on the data plane network and port 8080/tcp is not published (publish it, e.g. -p 8080)",
                "node-3/lo: port 8080/tcp is published only on a loopback address of its engine",
                "node-3/noip: port 8080/tcp is published but the address of engine node-3 is unknown",
            ]
        );
    }

    #[test]
    fn conflicting_settings_resolve_to_lowest_engine_and_name() {
        let a = remote(
            "node-2",
            "a",
            &[
                "VIRTUAL_HOST=x.com",
                "VIRTUAL_PROTO=http",
                "VIRTUAL_DEST=/a/",
            ],
            &[(80, 1)],
        );
        let b = local("b", 3, &["VIRTUAL_HOST=x.com", "VIRTUAL_PROTO=https"]);
        let z = local("z", 4, &["VIRTUAL_HOST=x.com", "VIRTUAL_DEST=/z/"]);
        let n = local("n", 5, &["VIRTUAL_HOST=x.com"]); // sets nothing: does not count
        let t1 = build(&[a.clone(), b.clone(), z.clone(), n.clone()]);
        let t2 = build(&[n, z, b, a]);
        assert_eq!(t1, t2);
        let l = &t1.vhosts[0].locations[0];
        // node-1/b sets https and is lower than node-2/a; node-1/z is lower than node-2/a for dest
        assert_eq!((l.proto, l.dest.as_str()), (Proto::Https, "/z/"));
        assert_eq!(l.servers.len(), 4);
        assert_eq!(
            t1.warnings,
            vec![
                "vhost x.com path /: containers disagree on VIRTUAL_DEST; using /z/ from node-1/z (lowest engine/name), ignoring node-2/a=/a/",
                "vhost x.com path /: containers disagree on VIRTUAL_PROTO; using https from node-1/b (lowest engine/name), ignoring node-2/a=http",
            ]
        );
        // agreement: no warning
        let t = build(&[
            local("a", 2, &["VIRTUAL_HOST=x.com", "VIRTUAL_PROTO=https"]),
            local("b", 3, &["VIRTUAL_HOST=x.com", "VIRTUAL_PROTO=https"]),
        ]);
        assert!(t.warnings.is_empty());
    }

    #[test]
    fn skipped_use_id_when_name_is_empty() {
        let mut c = local("", 2, &["VIRTUAL_HOST=a b"]);
        c.id = "0123456789abcdef".into();
        let t = build(&[c]);
        assert_eq!(t.skipped[0].container, "0123456789ab");
    }
}
