//! Containers → route table (pure).
//!
//! # Container contract
//!
//! A container opts in by setting `VIRTUAL_HOST` (or the label `flotilla.proxy.host`). Each
//! setting can come from an environment variable or from a label:
//!
//! | env var         | label                  | meaning                                               |
//! |-----------------|------------------------|-------------------------------------------------------|
//! | `VIRTUAL_HOST`  | `flotilla.proxy.host`  | comma list of host names; `*.x` / `x.*` wildcards; `~regex` |
//! | `VIRTUAL_PORT`  | `flotilla.proxy.port`  | backend port; default: the single exposed TCP port, else 80 |
//! | `VIRTUAL_PROTO` | `flotilla.proxy.proto` | `http` (default) or `https` towards the backend       |
//! | `VIRTUAL_PATH`  | `flotilla.proxy.path`  | location prefix, default `/`                          |
//! | `VIRTUAL_DEST`  | `flotilla.proxy.dest`  | URI that replaces the matched prefix (`proxy_pass …/dest`) |
//!
//! When a container sets both the label and the env var, **the label wins** and a warning is
//! recorded if the two differ. Empty values count as unset. Host names are trimmed, empty items
//! dropped, and exact and wildcard names lower-cased (nginx matches them case-insensitively).
//!
//! # What happens to each container
//!
//! * Not running (stopped, exited, paused): ignored, as if it did not exist. If it was the only
//!   container of a vhost the vhost disappears (the fallback server answers 503).
//! * Invalid setting (host name, regex that does not compile, port outside 1..65535, a path or
//!   dest that does not start with `/` or contains whitespace, `;`, `{`, `}`, quotes, `\`, `#`, `$`,
//!   unsupported proto): the whole container is dropped and listed in [`RouteTable::skipped`];
//!   the other containers are not affected.
//! * Health `unhealthy`: listed in `skipped` and not used as a server until it is healthy again
//!   (`starting` and `healthy` are used). Its vhost and path stay declared, so a vhost whose only
//!   backend is unhealthy answers 502 instead of disappearing.
//! * Addressing: a `local` container (data plane engine and network) is reached at
//!   `ip_address:port`. Any other container is reached at `engine_ip:host_port` where `host_port`
//!   is published for `port/tcp` (a binding on a specific non-loopback host IP uses that IP). A
//!   container with no usable address is listed in `skipped` with the reason; its vhost stays
//!   declared (502).
//!
//! Regex hosts are checked with Rust's `regex` crate, nginx uses PCRE: a pattern using PCRE-only
//! syntax (look-around, back-references) is rejected here, and the rare pattern that one accepts
//! and the other does not is still caught by `nginx -t` in `flotilla_core::proxy::apply`.
//!
//! # Conflict rule
//!
//! All running, valid containers with the same host and path share one location and one upstream.
//! The per-location settings `VIRTUAL_PROTO` and `VIRTUAL_DEST` are taken from the containers that
//! set them explicitly; when those disagree, **the value of the container with the lowest
//! `(engine, name, id)` wins** (byte-wise string order) and a warning names the losers. Each
//! container keeps its own port. The result does not depend on the input order.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

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
}

impl Proto {
    /// The scheme as written in `VIRTUAL_PROTO` and in `proxy_pass`.
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Http => "http",
            Proto::Https => "https",
        }
    }
}

impl fmt::Display for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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
}

/// One `location` of a vhost: its upstream and how requests are passed to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// Location prefix, starts with `/`.
    pub path: String,
    /// Replacement URI for `proxy_pass` (empty: none).
    pub dest: String,
    /// Agreed by every container of the location (a conflict is resolved and warned about).
    pub proto: Proto,
    /// Sorted by (address, engine, container), no duplicates. May be empty (→ 502).
    pub servers: Vec<Server>,
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

/// A container's settings after validation.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Settings {
    hosts: Vec<(String, HostKind)>,
    port: u16,
    proto: Option<Proto>,
    path: String,
    dest: Option<String>,
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
    /// (key, explicit proto, explicit dest) of every container that declared this location.
    decls: Vec<(Key, Option<Proto>, Option<String>)>,
    servers: BTreeSet<Server>,
}

/// Builds the route table. Pure and deterministic: any permutation of `containers` gives an
/// identical table.
pub fn build(containers: &[ProxyContainer]) -> RouteTable {
    let mut skipped: BTreeSet<Skipped> = BTreeSet::new();
    let mut warnings: BTreeSet<String> = BTreeSet::new();
    let mut hosts: BTreeMap<String, (HostKind, BTreeMap<String, Group>)> = BTreeMap::new();
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
        for (host, kind) in &settings.hosts {
            let entry = hosts
                .entry(host.clone())
                .or_insert_with(|| (*kind, BTreeMap::new()));
            let group = entry.1.entry(settings.path.clone()).or_default();
            group
                .decls
                .push((key(c), settings.proto, settings.dest.clone()));
            if let Some(s) = &server {
                group.servers.insert(s.clone());
            }
        }
    }

    let mut vhosts = Vec::with_capacity(hosts.len());
    for (host, (kind, paths)) in hosts {
        let mut locations = Vec::with_capacity(paths.len());
        for (path, mut group) in paths {
            group.decls.sort();
            group.decls.dedup();
            let proto = resolve(
                &group.decls,
                |d| d.1,
                &host,
                &path,
                "VIRTUAL_PROTO",
                &mut warnings,
            )
            .unwrap_or_default();
            let dest = resolve(
                &group.decls,
                |d| d.2.clone(),
                &host,
                &path,
                "VIRTUAL_DEST",
                &mut warnings,
            )
            .unwrap_or_default();
            locations.push(Location {
                path,
                dest,
                proto,
                servers: group.servers.into_iter().collect(),
            });
        }
        vhosts.push(VHost {
            host,
            kind,
            locations,
        });
    }
    RouteTable {
        vhosts,
        skipped: skipped.into_iter().collect(),
        warnings: warnings.into_iter().collect(),
    }
}

/// Applies the conflict rule: the first (lowest key) explicit value wins.
fn resolve<T: PartialEq + fmt::Display>(
    decls: &[(Key, Option<Proto>, Option<String>)],
    get: impl Fn(&(Key, Option<Proto>, Option<String>)) -> Option<T>,
    host: &str,
    path: &str,
    what: &str,
    warnings: &mut BTreeSet<String>,
) -> Option<T> {
    let mut explicit = decls.iter().filter_map(|d| get(d).map(|v| (&d.0, v)));
    let (wkey, winner) = explicit.next()?;
    let losers: Vec<String> = explicit
        .filter(|(_, v)| *v != winner)
        .map(|(k, v)| format!("{}/{}={}", k.0, k.1, v))
        .collect();
    if !losers.is_empty() {
        warnings.insert(format!(
            "vhost {host} path {path}: containers disagree on {what}; using {winner} from {}/{} (lowest engine/name), ignoring {}",
            wkey.0,
            wkey.1,
            losers.join(", ")
        ));
    }
    Some(winner)
}

/// Reads one setting: the label wins over the env var. Empty (after trim) counts as unset.
fn setting<'a>(
    c: &'a ProxyContainer,
    env: &str,
    label: &str,
    who: &str,
    warnings: &mut BTreeSet<String>,
) -> Option<&'a str> {
    let from_label = c
        .labels
        .get(label)
        .map(|s| s.trim())
        .filter(|s| !s.is_empty());
    let from_env = c.env_var(env).map(str::trim).filter(|s| !s.is_empty());
    match (from_label, from_env) {
        (Some(l), Some(e)) if l != e => {
            warnings.insert(format!(
                "{who}: label {label}={} overrides {env}={}",
                sanitize(l),
                sanitize(e)
            ));
            Some(l)
        }
        (Some(l), _) => Some(l),
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
    let Some(raw_hosts) = setting(c, ENV_HOST, LABEL_HOST, who, warnings) else {
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
    let port = match setting(c, ENV_PORT, LABEL_PORT, who, warnings) {
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
    let proto = setting(c, ENV_PROTO, LABEL_PROTO, who, warnings)
        .map(parse_proto)
        .transpose()?;
    let path = match setting(c, ENV_PATH, LABEL_PATH, who, warnings) {
        Some(p) => {
            validate_uri(p, "VIRTUAL_PATH")?;
            p.to_string()
        }
        None => "/".to_string(),
    };
    let dest = setting(c, ENV_DEST, LABEL_DEST, who, warnings)
        .map(|d| validate_uri(d, "VIRTUAL_DEST").map(|()| d.to_string()))
        .transpose()?;
    Ok(Some(Settings {
        hosts,
        port,
        proto,
        path,
        dest,
    }))
}

/// Replaces control characters (and shortens) so container-supplied text is safe in logs and
/// in nginx comments (a newline would end a comment).
pub(crate) fn sanitize(s: &str) -> String {
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
        if let Err(e) = regex::Regex::new(re) {
            let first = e.to_string().lines().last().unwrap_or_default().to_string();
            return Err(format!(
                "{}: regex does not compile: {}",
                bad(),
                sanitize(&first)
            ));
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
    match s.parse::<u16>() {
        Ok(p) if p != 0 => Ok(p),
        _ => Err(format!(
            "invalid VIRTUAL_PORT \"{}\": must be a number from 1 to 65535",
            sanitize(s)
        )),
    }
}

fn parse_proto(s: &str) -> Result<Proto, String> {
    match s.to_ascii_lowercase().as_str() {
        "http" => Ok(Proto::Http),
        "https" => Ok(Proto::Https),
        _ => Err(format!(
            "unsupported VIRTUAL_PROTO \"{}\": use http or https",
            sanitize(s)
        )),
    }
}

/// Validates a `VIRTUAL_PATH` or `VIRTUAL_DEST` value.
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

/// Where the proxy reaches container `c` for container port `port`.
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
            ("VIRTUAL_PROTO=uwsgi", None),
            ("VIRTUAL_PROTO=grpc", None),
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
            ("~ ^/(a|b)/", "", false),
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
