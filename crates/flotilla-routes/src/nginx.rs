//! Route table → complete `nginx.conf` (pure).
//!
//! The output is a whole configuration (main, `events` and `http` contexts) for a private nginx
//! started with `-c FILE -p PREFIX`. It follows nginx-proxy's `nginx.tmpl` where it matters:
//!
//! * `map`s for `$proxy_x_forwarded_proto/host/port/ssl`, `$host_port` and the websocket
//!   `$http_upgrade` → `$proxy_connection` map (an empty `Connection` towards upstreams kept
//!   alive, `close` otherwise); headers `Host`, `Upgrade`, `Connection`, `X-Real-IP`,
//!   `X-Forwarded-For`, `X-Forwarded-Host/Proto/Ssl/Port`, `X-Original-URI`, and `Proxy ""`
//!   (httpoxy). [`RenderOptions::trust_downstream_proxy`] decides whether the client's
//!   `X-Forwarded-*` headers are kept or overwritten.
//! * Fallback servers, first in the file, answer **503** for unknown hosts (over HTTPS with
//!   `certs/default.crt` when there is one, otherwise the handshake is refused with
//!   `ssl_reject_handshake`), unless [`RenderOptions::default_host`] names an exact vhost: that
//!   vhost then gets `default_server`.
//! * TLS: the certificate of each vhost is chosen by [`certificate_for`] (nginx-proxy's order),
//!   and `HTTPS_METHOD` decides the servers: `redirect` (an HTTP server that answers 301, or a
//!   configurable 307/308 for methods other than GET and HEAD, plus the HTTPS server with HSTS),
//!   `noredirect` (one server on both ports, no HSTS), `nohttp` (HTTPS only, with HSTS),
//!   `nohttps` (HTTP only). A vhost without a certificate is served over HTTP only. The TLS
//!   policy is Mozilla's "intermediate" (TLS 1.2 and 1.3). Each certificate's fingerprint is
//!   written in a comment, so a renewed file changes the configuration and triggers a reload.
//! * One `upstream` per (vhost, path), with the `loadbalance` directive and `keepalive`. An
//!   upstream without a server gets `server 127.0.0.1:9 down;`, so nginx still loads and the
//!   vhost answers **502**.
//! * One `location` per path (`proxy_pass`, `grpc_pass`, `uwsgi_pass` or `fastcgi_pass`);
//!   `VIRTUAL_DEST` is appended to `proxy_pass` (the matched prefix is replaced, as in
//!   nginx-proxy). A vhost without a `/` path gets `location / { return 404; }`
//!   ([`RenderOptions::default_root`]).
//! * ACME HTTP-01 answers are part of the configuration (a `map` from the challenge path to the
//!   key authorisation), so every data plane answers them without files to copy.
//! * Regex server names are quoted (`"~^a\\.b$"`, backslashes escaped for nginx's quoting).
//! * `server_names_hash_bucket_size` is sized from the longest name, so a valid 253-character
//!   host name does not make `nginx -t` fail.
//!
//! Upstream names are `<sanitised host>-<12 hex digits of FNV-1a(host, path)>`: deterministic,
//! valid nginx tokens, and distinct per path. The same table always renders the same bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::routes::{
    HostKind, HttpsMethod, Keepalive, Location, NetworkAccess, Proto, RouteTable, VHost, sanitize,
};

/// Mozilla's "intermediate" ciphers for TLS 1.2 (TLS 1.3 suites are not configurable in nginx).
pub const MOZILLA_INTERMEDIATE_CIPHERS: &str = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

/// The path prefix of ACME HTTP-01 challenges.
pub const ACME_CHALLENGE_PREFIX: &str = "/.well-known/acme-challenge/";

/// A certificate and its key, as nginx will read them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CertFile {
    /// Path of the certificate chain (PEM) as nginx sees it.
    pub crt: String,
    /// Path of the private key as nginx sees it.
    pub key: String,
    /// A digest of both files' contents: a change (a renewal) changes the configuration.
    pub fingerprint: String,
}

/// The certificates the data plane can use.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Certs {
    /// The certificates directory: file stem (`example.com` for `example.com.crt` +
    /// `example.com.key`, `default`) → files. Only stems with both files.
    pub files: BTreeMap<String, CertFile>,
    /// Certificates issued by the built-in ACME client: host → files.
    pub acme: BTreeMap<String, CertFile>,
}

/// Where a vhost's certificate comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CertSource {
    /// `CERT_NAME`.
    CertName,
    /// `certs/HOST.crt`.
    File,
    /// The built-in ACME client.
    Acme,
    /// The parent domain's `certs/PARENT.crt` (a subdomain or a wildcard).
    Parent,
    /// `certs/default.crt`.
    Default,
}

impl CertSource {
    /// The name the status file and warnings use.
    pub fn as_str(self) -> &'static str {
        match self {
            CertSource::CertName => "cert-name",
            CertSource::File => "file",
            CertSource::Acme => "acme",
            CertSource::Parent => "parent",
            CertSource::Default => "default",
        }
    }
}

/// The certificate chosen for a vhost: its source, the stem (or host) it was found under, and
/// the files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen<'a> {
    /// Where it came from (nginx-proxy's order of preference).
    pub source: CertSource,
    /// The stem or host it was found under.
    pub name: String,
    /// The certificate and key.
    pub files: &'a CertFile,
}

/// Per-vhost include files (nginx-proxy's `vhost.d`) and basic-auth files (`htpasswd`), by
/// name, as nginx sees their paths.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Snippets {
    /// `vhost.d`: `HOST`, `HOST_location`, `default`, `default_location` → path.
    pub vhost_d: BTreeMap<String, String>,
    /// `htpasswd`: `HOST` → path.
    pub htpasswd: BTreeMap<String, String>,
}

/// Settings of the proxy itself (not of the containers). These come from the operator and are
/// written as given (`worker_processes`, `default_root`); `nginx -t` checks them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// HTTP port nginx listens on.
    pub listen_port: u16,
    /// Address to listen on; `None`: all addresses (IPv4).
    pub listen_addr: Option<IpAddr>,
    /// HTTPS port nginx listens on; `None`: no TLS at all.
    pub https_port: Option<u16>,
    /// The HTTPS port clients reach (the redirect target) when it differs from `https_port`
    /// (a node's container listens on 443 and the node publishes another port).
    pub public_https_port: Option<u16>,
    /// `DEFAULT_HOST`: the exact vhost that answers unknown hosts instead of the 503 fallback.
    pub default_host: Option<String>,
    /// Directory for the pid file and the temp directories (must exist and be writable).
    pub prefix: PathBuf,
    /// `error_log` target, e.g. `stderr` or a file path.
    pub error_log: String,
    /// Access log file (format `vhost`, as nginx-proxy's); `None`: access logging off.
    pub access_log: Option<String>,
    /// `worker_processes` value.
    pub worker_processes: String,
    /// `TRUST_DOWNSTREAM_PROXY`: keep the client's `X-Forwarded-*` headers (true) or overwrite
    /// them with this proxy's view (false; `X-Forwarded-For` is then `$remote_addr`).
    pub trust_downstream_proxy: bool,
    /// `DEFAULT_ROOT`: `return` argument for `/` on vhosts without a `/` path; `None`: no such location.
    pub default_root: Option<String>,
    /// `HTTPS_METHOD` of vhosts that do not set one.
    pub https_method: HttpsMethod,
    /// `HSTS` of vhosts that do not set one (`off` disables it).
    pub hsts: String,
    /// `NON_GET_REDIRECT`: 301, 307 or 308.
    pub non_get_redirect: u16,
    /// `TRUST_DEFAULT_CERT`: vhosts may be served with `certs/default.crt`.
    pub trust_default_cert: bool,
    /// `ENABLE_HTTP2` on the HTTPS listeners.
    pub http2: bool,
    /// The certificates found in the certificates directory and the ACME store.
    pub certs: Certs,
    /// Answer ACME HTTP-01 challenges (in the fallback and in vhosts that use ACME).
    pub acme: bool,
    /// Pending HTTP-01 challenges: token → key authorisation.
    pub acme_challenges: BTreeMap<String, String>,
    /// The `vhost.d` includes and `htpasswd` files found.
    pub snippets: Snippets,
}

impl RenderOptions {
    /// Defaults: port 80 on all addresses, no TLS, no default host, errors to stderr, no access
    /// log, `worker_processes auto`, trusted downstream proxy, `DEFAULT_ROOT` 404, and
    /// nginx-proxy's TLS defaults (redirect, HSTS one year, 301, trusted default certificate,
    /// HTTP/2).
    pub fn new(prefix: impl Into<PathBuf>) -> Self {
        RenderOptions {
            listen_port: 80,
            listen_addr: None,
            https_port: None,
            public_https_port: None,
            default_host: None,
            prefix: prefix.into(),
            error_log: "stderr".to_string(),
            access_log: None,
            worker_processes: "auto".to_string(),
            trust_downstream_proxy: true,
            default_root: Some("404".to_string()),
            https_method: HttpsMethod::Redirect,
            hsts: "max-age=31536000".to_string(),
            non_get_redirect: 301,
            trust_default_cert: true,
            http2: true,
            certs: Certs::default(),
            acme: false,
            acme_challenges: BTreeMap::new(),
            snippets: Snippets::default(),
        }
    }
}

/// The certificate nginx-proxy would choose for `v`: `CERT_NAME` (and nothing else when those
/// files are missing), then `HOST.crt`, then an ACME certificate, then the parent domain's
/// `PARENT.crt` (one level up, for a subdomain or a `*.` wildcard), then `default.crt` when
/// trusted, else none. Regex hosts only use `CERT_NAME` or the default.
pub fn certificate_for<'a>(v: &VHost, opts: &'a RenderOptions) -> Option<Chosen<'a>> {
    let certs = &opts.certs;
    let file = |stem: &str, source: CertSource| {
        certs.files.get(stem).map(|files| Chosen {
            source,
            name: stem.to_string(),
            files,
        })
    };
    if let Some(name) = &v.settings.cert_name {
        return file(name, CertSource::CertName);
    }
    if v.kind != HostKind::Regex {
        if v.kind == HostKind::Exact
            && let Some(c) = file(&v.host, CertSource::File)
        {
            return Some(c);
        }
        if let Some(files) = certs.acme.get(&v.host) {
            return Some(Chosen {
                source: CertSource::Acme,
                name: v.host.clone(),
                files,
            });
        }
        let base = v.host.strip_prefix("*.").unwrap_or(&v.host);
        let parent = if v.host.starts_with("*.") {
            Some(base)
        } else {
            base.split_once('.').map(|(_, p)| p)
        };
        if let Some(p) = parent.filter(|p| p.contains('.'))
            && let Some(c) = file(p, CertSource::Parent)
        {
            return Some(c);
        }
    }
    if v.settings
        .trust_default_cert
        .unwrap_or(opts.trust_default_cert)
    {
        return file("default", CertSource::Default);
    }
    None
}

/// FNV-1a, 64 bits: stable across platforms and releases (unlike `std`'s hasher).
fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h ^= 0xff;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        for b in p.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// The upstream name for `host` and `path`: `<sanitised host>-<hash>`, or `regex-<hash>` for a
/// regex host.
pub fn upstream_name(host: &str, path: &str) -> String {
    let hash = fnv1a(&[host, path]) >> 16;
    if host.starts_with('~') {
        return format!("regex-{hash:012x}");
    }
    let mut base: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(48)
        .collect();
    let base_trimmed = base.trim_matches(|c| c == '.' || c == '_').to_string();
    base = if base_trimmed.is_empty() {
        "vhost".to_string()
    } else {
        base_trimmed
    };
    format!("{base}-{hash:012x}")
}

/// Quotes a string for nginx (`"…"` with `\` and `"` escaped).
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        if ch == '\\' || ch == '"' {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('"');
    out
}

fn server_name(v: &VHost) -> String {
    match v.kind {
        HostKind::Regex => quote(&v.host),
        HostKind::Exact | HostKind::Wildcard => v.host.clone(),
    }
}

fn kind_name(k: HostKind) -> &'static str {
    match k {
        HostKind::Exact => "exact",
        HostKind::Wildcard => "wildcard",
        HostKind::Regex => "regex",
    }
}

fn listen_on(opts: &RenderOptions, port: u16) -> String {
    match opts.listen_addr {
        Some(IpAddr::V4(ip)) => format!("{ip}:{port}"),
        Some(IpAddr::V6(ip)) => format!("[{ip}]:{port}"),
        None => port.to_string(),
    }
}

/// `server_names_hash_bucket_size` that fits `longest` (nginx: an element takes the name, two
/// bytes of length and a pointer, aligned to a pointer, plus a terminating pointer per bucket).
pub fn bucket_size(longest: usize) -> usize {
    let elt = (8 + 2 + longest).div_ceil(8) * 8;
    (elt + 8).next_power_of_two().max(128)
}

/// True when a token or key authorisation can be written into the configuration as is
/// (base64url and `.`: what ACME uses).
fn acme_safe(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 512
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

const FASTCGI_PARAMS: &[(&str, &str)] = &[
    ("QUERY_STRING", "$query_string"),
    ("REQUEST_METHOD", "$request_method"),
    ("CONTENT_TYPE", "$content_type"),
    ("CONTENT_LENGTH", "$content_length"),
    ("SCRIPT_NAME", "$fastcgi_script_name"),
    ("SCRIPT_FILENAME", "$document_root$fastcgi_script_name"),
    ("REQUEST_URI", "$request_uri"),
    ("DOCUMENT_URI", "$document_uri"),
    ("DOCUMENT_ROOT", "$document_root"),
    ("SERVER_PROTOCOL", "$server_protocol"),
    ("REQUEST_SCHEME", "$scheme"),
    ("HTTPS", "$https if_not_empty"),
    ("GATEWAY_INTERFACE", "CGI/1.1"),
    ("SERVER_SOFTWARE", "nginx"),
    ("REMOTE_ADDR", "$remote_addr"),
    ("REMOTE_PORT", "$remote_port"),
    ("SERVER_ADDR", "$server_addr"),
    ("SERVER_PORT", "$server_port"),
    ("SERVER_NAME", "$server_name"),
    ("REDIRECT_STATUS", "200"),
];

const UWSGI_PARAMS: &[(&str, &str)] = &[
    ("QUERY_STRING", "$query_string"),
    ("REQUEST_METHOD", "$request_method"),
    ("CONTENT_TYPE", "$content_type"),
    ("CONTENT_LENGTH", "$content_length"),
    ("REQUEST_URI", "$request_uri"),
    ("PATH_INFO", "$document_uri"),
    ("DOCUMENT_ROOT", "$document_root"),
    ("SERVER_PROTOCOL", "$server_protocol"),
    ("REQUEST_SCHEME", "$scheme"),
    ("HTTPS", "$https if_not_empty"),
    ("REMOTE_ADDR", "$remote_addr"),
    ("REMOTE_PORT", "$remote_port"),
    ("SERVER_PORT", "$server_port"),
    ("SERVER_NAME", "$server_name"),
];

/// nginx-proxy's `network_internal.conf`: loopback and private ranges.
const INTERNAL_NETWORKS: &[&str] = &[
    "127.0.0.0/8",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "::1",
    "fc00::/7",
    "fe80::/10",
];

/// How one vhost is served, decided from its certificate and `HTTPS_METHOD`.
struct Plan<'a> {
    cert: Option<Chosen<'a>>,
    http: bool,
    https: bool,
    redirect: bool,
    hsts: Option<String>,
    http_port: u16,
    https_port: u16,
    /// The `:PORT` of redirects to HTTPS (empty for 443).
    redirect_port: String,
    non_get_redirect: u16,
}

fn plan<'a>(v: &VHost, opts: &'a RenderOptions) -> Plan<'a> {
    let method = v.settings.https_method.unwrap_or(opts.https_method);
    let http_port = v.settings.external_http_port.unwrap_or(opts.listen_port);
    let cert = match opts.https_port {
        Some(_) if method != HttpsMethod::Nohttps => certificate_for(v, opts),
        _ => None,
    };
    let https_port = v
        .settings
        .external_https_port
        .or(opts.https_port)
        .unwrap_or(443);
    let public = v
        .settings
        .external_https_port
        .or(opts.public_https_port)
        .unwrap_or(https_port);
    let redirect_port = if public == 443 {
        String::new()
    } else {
        format!(":{public}")
    };
    let hsts_value = v.settings.hsts.clone().unwrap_or_else(|| opts.hsts.clone());
    let hsts = (!hsts_value.eq_ignore_ascii_case("off")).then_some(hsts_value);
    let non_get_redirect = v.settings.non_get_redirect.unwrap_or(opts.non_get_redirect);
    if cert.is_none() {
        // no certificate (or nohttps): plain HTTP only
        return Plan {
            cert,
            http: true,
            https: false,
            redirect: false,
            hsts: None,
            http_port,
            https_port,
            redirect_port,
            non_get_redirect,
        };
    }
    let (http, redirect, hsts) = match method {
        HttpsMethod::Redirect => (false, true, hsts),
        HttpsMethod::Noredirect => (true, false, None),
        HttpsMethod::Nohttp => (false, false, hsts),
        HttpsMethod::Nohttps => (true, false, None),
    };
    Plan {
        cert,
        http,
        https: true,
        redirect,
        hsts,
        http_port,
        https_port,
        redirect_port,
        non_get_redirect,
    }
}

/// The longest name nginx puts in its server name hash.
fn longest_name(table: &RouteTable) -> usize {
    table
        .vhosts
        .iter()
        .filter(|v| v.kind != HostKind::Regex)
        .map(|v| v.host.len())
        .max()
        .unwrap_or(0)
}

/// Renders the complete configuration. Pure: the same table and options give the same bytes.
pub fn render(table: &RouteTable, opts: &RenderOptions) -> String {
    let mut out = String::with_capacity(4096 + table.vhosts.len() * 768);
    // `write!` to a String cannot fail; results are ignored with `let _`.
    let o = &mut out;
    let prefix = opts.prefix.to_string_lossy();
    let prefix = prefix.trim_end_matches('/');
    let path_in = |name: &str| quote(&format!("{prefix}/{name}"));

    let servers: usize = table
        .vhosts
        .iter()
        .flat_map(|v| &v.locations)
        .map(|l| l.servers.len())
        .sum();
    o.push_str("# generated by flotilla proxy; do not edit\n");
    let _ = writeln!(
        o,
        "# {} vhosts, {} servers, {} skipped containers, {} warnings",
        table.vhosts.len(),
        servers,
        table.skipped.len(),
        table.warnings.len()
    );
    for s in &table.skipped {
        let _ = writeln!(o, "# skipped {}", sanitize(&s.to_string()));
    }
    for w in &table.warnings {
        let _ = writeln!(o, "# warning: {}", sanitize(w));
    }

    let plans: Vec<Plan> = table.vhosts.iter().map(|v| plan(v, opts)).collect();
    let default_idx = opts.default_host.as_deref().and_then(|d| {
        let d = d.trim().to_ascii_lowercase();
        table
            .vhosts
            .iter()
            .position(|v| v.kind == HostKind::Exact && v.host == d)
    });
    if let (Some(d), None) = (opts.default_host.as_deref(), default_idx) {
        let _ = writeln!(
            o,
            "# warning: DEFAULT_HOST {} matches no vhost; unknown hosts get 503",
            sanitize(d)
        );
    }
    // the default vhost takes over a fallback only on the proxy's own ports
    let default_http = default_idx.is_some_and(|i| {
        (plans[i].http || plans[i].redirect) && plans[i].http_port == opts.listen_port
    });
    let default_https =
        default_idx.is_some_and(|i| plans[i].https && Some(plans[i].https_port) == opts.https_port);

    let _ = writeln!(o, "\nworker_processes {};", opts.worker_processes);
    let _ = writeln!(o, "pid {};", path_in("nginx.pid"));
    let _ = writeln!(o, "error_log {};", quote(&opts.error_log));
    o.push_str("\nevents {\n    worker_connections 1024;\n}\n\nhttp {\n");
    for (dir, name) in [
        ("client_body_temp_path", "client_body_temp"),
        ("proxy_temp_path", "proxy_temp"),
        ("fastcgi_temp_path", "fastcgi_temp"),
        ("uwsgi_temp_path", "uwsgi_temp"),
        ("scgi_temp_path", "scgi_temp"),
    ] {
        let _ = writeln!(o, "    {dir} {};", path_in(name));
    }
    o.push_str("    server_tokens off;\n");
    let names = table.vhosts.len() + 1;
    let _ = writeln!(
        o,
        "    server_names_hash_bucket_size {};",
        bucket_size(longest_name(table))
    );
    let _ = writeln!(
        o,
        "    server_names_hash_max_size {};",
        (names * 4).next_power_of_two().max(512)
    );
    // set before the first map (nginx fixes it there); sized for ACME challenge paths
    let longest_key = opts
        .acme_challenges
        .keys()
        .map(|t| ACME_CHALLENGE_PREFIX.len() + t.len())
        .max()
        .unwrap_or(0);
    let _ = writeln!(o, "    map_hash_bucket_size {};", bucket_size(longest_key));
    o.push_str(
        "    log_format vhost '$host $remote_addr - $remote_user [$time_local] \"$request\" '\n\
         \x20                    '$status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" \"$upstream_addr\"';\n",
    );
    match &opts.access_log {
        Some(p) => {
            let _ = writeln!(o, "    access_log {} vhost;", quote(p));
        }
        None => o.push_str("    access_log off;\n"),
    }
    if opts.https_port.is_some() {
        let _ = write!(
            o,
            "
    # TLS: Mozilla's intermediate policy
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers {MOZILLA_INTERMEDIATE_CIPHERS};
    ssl_prefer_server_ciphers off;
    ssl_session_cache shared:flotilla_tls:10m;
    ssl_session_timeout 1d;
    ssl_session_tickets off;
"
        );
    }

    // maps, as nginx-proxy's template
    let trust = opts.trust_downstream_proxy;
    let fwd_map = |o: &mut String, header: &str, var: &str, fallback: &str| {
        let _ = writeln!(
            o,
            "\n    map $http_x_forwarded_{header} $proxy_x_forwarded_{var} {{"
        );
        if trust {
            let _ = writeln!(o, "        default $http_x_forwarded_{header};");
            let _ = writeln!(o, "        '' {fallback};");
        } else {
            let _ = writeln!(o, "        default {fallback};");
        }
        o.push_str("    }\n");
    };
    fwd_map(o, "proto", "proto", "$scheme");
    fwd_map(o, "host", "host", "$host");
    fwd_map(o, "port", "port", "$server_port");
    o.push_str(
        "
    # https on the client side, also behind a trusted TLS-terminating proxy
    map $proxy_x_forwarded_proto $proxy_x_forwarded_ssl {
        default off;
        https on;
    }

    # websocket upgrade passthrough; no `Connection: close` to upstreams kept alive
    map $http_upgrade $proxy_connection {
        default upgrade;
        '' $proxy_connection_noupgrade;
    }
    map $flotilla_keepalive $proxy_connection_noupgrade {
        default close;
        true '';
    }

    # a non-standard listen port is part of the Host header the backend sees
    map $server_port $host_port {
        default :$server_port;
        80 '';
        443 '';
    }
",
    );
    if opts.acme {
        o.push_str("\n    # ACME HTTP-01 answers: challenge path -> key authorisation\n    map $uri $flotilla_acme_answer {\n        default '';\n");
        for (token, answer) in &opts.acme_challenges {
            if acme_safe(token) && acme_safe(answer) {
                let _ = writeln!(
                    o,
                    "        {} {};",
                    quote(&format!("{ACME_CHALLENGE_PREFIX}{token}")),
                    quote(answer)
                );
            }
        }
        o.push_str("    }\n");
    }
    o.push_str(
        "
    proxy_http_version 1.1;
    proxy_set_header Host $host$host_port;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $proxy_connection;
    proxy_set_header X-Real-IP $remote_addr;
",
    );
    if trust {
        o.push_str("    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n");
    } else {
        o.push_str("    proxy_set_header X-Forwarded-For $remote_addr;\n");
    }
    o.push_str(
        "    proxy_set_header X-Forwarded-Host $proxy_x_forwarded_host;
    proxy_set_header X-Forwarded-Proto $proxy_x_forwarded_proto;
    proxy_set_header X-Forwarded-Ssl $proxy_x_forwarded_ssl;
    proxy_set_header X-Forwarded-Port $proxy_x_forwarded_port;
    proxy_set_header X-Original-URI $request_uri;
    proxy_set_header Proxy \"\";
",
    );
    let protos: BTreeSet<Proto> = table
        .vhosts
        .iter()
        .flat_map(|v| &v.locations)
        .map(|l| l.proto)
        .collect();
    for (proto, directive, params) in [
        (Proto::Fastcgi, "fastcgi_param", FASTCGI_PARAMS),
        (Proto::Uwsgi, "uwsgi_param", UWSGI_PARAMS),
    ] {
        if protos.contains(&proto) {
            o.push('\n');
            for (k, v) in params {
                let _ = writeln!(o, "    {directive} {k} {v};");
            }
        }
    }

    let http_listen = listen_on(opts, opts.listen_port);
    if !default_http {
        let _ = write!(
            o,
            "
    # unknown hosts
    server {{
        listen {http_listen};
        server_name _;
        set $flotilla_keepalive false;
"
        );
        if opts.acme {
            acme_location(o);
        }
        o.push_str("        location ^~ / {\n            return 503;\n        }\n    }\n");
    }
    if let Some(port) = opts.https_port
        && !default_https
    {
        let _ = write!(
            o,
            "
    # unknown hosts over HTTPS
    server {{
        listen {}{};
        server_name _;
        set $flotilla_keepalive false;
",
            listen_on(opts, port),
            ssl_params(opts)
        );
        match opts.certs.files.get("default") {
            Some(c) => cert_lines(o, "default", CertSource::Default, c),
            None => o.push_str("        ssl_reject_handshake on;\n"),
        }
        o.push_str("        location ^~ / {\n            return 503;\n        }\n    }\n");
    }

    let mut used: BTreeSet<String> = BTreeSet::new();
    for (i, (v, p)) in table.vhosts.iter().zip(&plans).enumerate() {
        let _ = write!(
            o,
            "\n    # vhost {} ({})\n",
            sanitize(&v.host),
            kind_name(v.kind)
        );
        let mut upstreams = Vec::with_capacity(v.locations.len());
        for loc in &v.locations {
            let mut name = upstream_name(&v.host, &loc.path);
            if used.contains(&name) {
                let mut n = 2;
                while used.contains(&format!("{name}-{n}")) {
                    n += 1;
                }
                name = format!("{name}-{n}");
            }
            used.insert(name.clone());
            render_upstream(o, &name, loc);
            upstreams.push(name);
        }
        let is_default = default_idx == Some(i);
        if p.redirect {
            render_redirect_server(o, v, p, opts, is_default && default_http);
        }
        render_main_server(
            o,
            v,
            p,
            opts,
            &upstreams,
            is_default && default_http,
            is_default && default_https,
        );
    }
    o.push_str("}\n");
    out
}

fn ssl_params(opts: &RenderOptions) -> &'static str {
    if opts.http2 { " ssl http2" } else { " ssl" }
}

fn cert_lines(o: &mut String, name: &str, source: CertSource, c: &CertFile) {
    let _ = writeln!(
        o,
        "        # certificate {} ({}): {}",
        sanitize(name),
        source.as_str(),
        sanitize(&c.fingerprint)
    );
    let _ = writeln!(o, "        ssl_certificate {};", quote(&c.crt));
    let _ = writeln!(o, "        ssl_certificate_key {};", quote(&c.key));
}

fn acme_location(o: &mut String) {
    let _ = write!(
        o,
        "        location ^~ {ACME_CHALLENGE_PREFIX} {{
            default_type text/plain;
            if ($flotilla_acme_answer = '') {{
                return 404;
            }}
            return 200 $flotilla_acme_answer;
        }}
"
    );
}

fn render_redirect_server(
    o: &mut String,
    v: &VHost,
    p: &Plan,
    opts: &RenderOptions,
    default: bool,
) {
    let _ = write!(
        o,
        "    server {{\n        listen {}{};\n        server_name {};\n",
        listen_on(opts, p.http_port),
        if default { " default_server" } else { "" },
        server_name(v)
    );
    if opts.acme && v.settings.acme {
        acme_location(o);
    }
    let target = format!("https://$host{}$request_uri", p.redirect_port);
    o.push_str("        location / {\n");
    if p.non_get_redirect != 301 {
        let _ = write!(
            o,
            "            if ($request_method !~ ^(GET|HEAD)$) {{\n                return {} {target};\n            }}\n",
            p.non_get_redirect
        );
    }
    let _ = write!(o, "            return 301 {target};\n        }}\n    }}\n");
}

fn render_main_server(
    o: &mut String,
    v: &VHost,
    p: &Plan,
    opts: &RenderOptions,
    upstreams: &[String],
    default_http: bool,
    default_https: bool,
) {
    o.push_str("    server {\n");
    if p.http {
        let _ = writeln!(
            o,
            "        listen {}{};",
            listen_on(opts, p.http_port),
            if default_http { " default_server" } else { "" }
        );
    }
    if p.https {
        let _ = writeln!(
            o,
            "        listen {}{}{};",
            listen_on(opts, p.https_port),
            ssl_params(opts),
            if default_https { " default_server" } else { "" }
        );
    }
    let _ = writeln!(o, "        server_name {};", server_name(v));
    if let Some(c) = &p.cert {
        cert_lines(o, &c.name, c.source, c.files);
    }
    if let Some(h) = &p.hsts {
        let _ = writeln!(
            o,
            "        add_header Strict-Transport-Security {} always;",
            quote(h)
        );
    }
    if let Some(size) = &v.settings.client_max_body_size {
        let _ = writeln!(o, "        client_max_body_size {size};");
    }
    let named = |suffix: &str| {
        let own = format!("{}{suffix}", v.host);
        let fallback = format!("default{suffix}");
        if v.kind == HostKind::Regex {
            opts.snippets.vhost_d.get(&fallback)
        } else {
            opts.snippets
                .vhost_d
                .get(&own)
                .or_else(|| opts.snippets.vhost_d.get(&fallback))
        }
    };
    if let Some(path) = named("") {
        let _ = writeln!(o, "        include {};", quote(path));
    }
    if p.http && opts.acme && v.settings.acme {
        acme_location(o);
    }
    let location_include = named("_location");
    let htpasswd = if v.kind == HostKind::Regex {
        None
    } else {
        opts.snippets.htpasswd.get(&v.host)
    };
    for (loc, up) in v.locations.iter().zip(upstreams) {
        render_location(o, v, loc, up, location_include, htpasswd);
    }
    if let Some(root) = &opts.default_root
        && !v.locations.iter().any(|l| l.path == "/")
    {
        let _ = write!(
            o,
            "        location / {{\n            return {root};\n        }}\n"
        );
    }
    o.push_str("    }\n");
}

fn render_location(
    o: &mut String,
    v: &VHost,
    loc: &Location,
    up: &str,
    include: Option<&String>,
    htpasswd: Option<&String>,
) {
    let path = match loc.path.split_once(' ') {
        Some((modifier, re)) if loc.is_regex() => format!("{modifier} {}", quote(re)),
        _ => loc.path.clone(),
    };
    let _ = writeln!(o, "        location {path} {{");
    if loc.network_access == NetworkAccess::Internal {
        for net in INTERNAL_NETWORKS {
            let _ = writeln!(o, "            allow {net};");
        }
        o.push_str("            deny all;\n");
    }
    if let Some(file) = htpasswd {
        let _ = writeln!(
            o,
            "            auth_basic {};\n            auth_basic_user_file {};",
            quote(&format!("Restricted {}", sanitize(&v.host))),
            quote(file)
        );
    }
    let keepalive = loc.keepalive != Keepalive::Disabled;
    let _ = writeln!(o, "            set $flotilla_keepalive {keepalive};");
    match loc.proto {
        Proto::Http | Proto::Https => {
            let _ = writeln!(
                o,
                "            proxy_pass {}://{up}{};",
                loc.proto, loc.dest
            );
        }
        Proto::Grpc | Proto::Grpcs => {
            let _ = writeln!(o, "            grpc_pass {}://{up};", loc.proto);
        }
        Proto::Uwsgi => {
            let _ = writeln!(o, "            uwsgi_pass uwsgi://{up};");
        }
        Proto::Fastcgi => {
            let root = loc.root.as_deref().unwrap_or("/var/www/public");
            let _ = writeln!(o, "            root {};", quote(root));
            let _ = writeln!(o, "            fastcgi_pass {up};");
        }
    }
    if let Some(file) = include {
        let _ = writeln!(o, "            include {};", quote(file));
    }
    o.push_str("        }\n");
}

fn render_upstream(o: &mut String, name: &str, loc: &Location) {
    let _ = writeln!(o, "    upstream {name} {{");
    if let Some(lb) = &loc.loadbalance {
        let _ = writeln!(o, "        {lb};");
    }
    if loc.servers.is_empty() {
        o.push_str(
            "        # no reachable backend: placeholder so nginx loads; requests get 502\n        server 127.0.0.1:9 down;\n",
        );
    }
    for s in &loc.servers {
        let _ = writeln!(
            o,
            "        server {}; # {}/{}",
            s.addr,
            sanitize(&s.engine),
            sanitize(&s.container)
        );
    }
    let keepalive = match loc.keepalive {
        Keepalive::Disabled => None,
        Keepalive::Auto if loc.servers.is_empty() => None,
        Keepalive::Auto => Some(2 * loc.servers.len()),
        Keepalive::Connections(n) => Some(n as usize),
    };
    if let Some(n) = keepalive {
        let _ = writeln!(o, "        keepalive {n};");
    }
    o.push_str("    }\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{local, remote, rich_containers};
    use crate::routes::build;
    use crate::source::ProxyContainer;
    use proptest::prelude::*;

    fn opts() -> RenderOptions {
        let mut o = RenderOptions::new("/run/flotilla-proxy");
        o.listen_port = 8080;
        o.listen_addr = Some(IpAddr::from([127, 0, 0, 1]));
        o
    }

    #[test]
    fn snapshot_rich_config() {
        let conf = render(&build(&rich_containers()), &opts());
        insta::assert_snapshot!("rich", conf);
    }

    #[test]
    fn fallback_503_unless_default_host() {
        let table = build(&[local("a", 2, &["VIRTUAL_HOST=a.com,*.b.com"])]);
        let conf = render(&table, &opts());
        assert!(conf.contains(
            "server_name _;\n        set $flotilla_keepalive false;\n        location ^~ / {\n            return 503;"
        ));
        assert!(!conf.contains("default_server"));

        let mut o = opts();
        o.default_host = Some("A.com".into());
        let conf = render(&table, &o);
        assert!(!conf.contains("return 503"));
        assert!(conf.contains("listen 127.0.0.1:8080 default_server;\n        server_name a.com;"));
        assert_eq!(conf.matches("default_server").count(), 1);

        // DEFAULT_HOST must name an exact vhost
        for d in ["nope.com", "*.b.com"] {
            o.default_host = Some(d.into());
            let conf = render(&table, &o);
            assert!(conf.contains("return 503"));
            assert!(conf.contains(&format!("# warning: DEFAULT_HOST {d} matches no vhost")));
            assert!(!conf.contains("default_server"));
        }
    }

    #[test]
    fn empty_upstream_gets_a_down_placeholder() {
        let mut c = local("a", 2, &["VIRTUAL_HOST=a.com"]);
        c.health = Some("unhealthy".into());
        let conf = render(&build(&[c]), &opts());
        assert!(conf.contains("server 127.0.0.1:9 down;"));
        assert!(conf.contains("# skipped node-1/a: health check reports unhealthy"));
    }

    #[test]
    fn headers_and_maps() {
        let conf = render(&RouteTable::default(), &opts());
        for line in [
            "proxy_set_header Host $host$host_port;",
            "proxy_set_header X-Real-IP $remote_addr;",
            "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
            "proxy_set_header X-Forwarded-Proto $proxy_x_forwarded_proto;",
            "proxy_set_header X-Forwarded-Host $proxy_x_forwarded_host;",
            "proxy_set_header X-Forwarded-Port $proxy_x_forwarded_port;",
            "proxy_set_header Upgrade $http_upgrade;",
            "proxy_set_header Connection $proxy_connection;",
            "proxy_set_header Proxy \"\";",
            "map $http_upgrade $proxy_connection {\n        default upgrade;\n        '' $proxy_connection_noupgrade;",
            "map $flotilla_keepalive $proxy_connection_noupgrade {\n        default close;\n        true '';",
            "server_tokens off;",
            "server_names_hash_bucket_size 128;",
            "map $http_x_forwarded_proto $proxy_x_forwarded_proto {\n        default $http_x_forwarded_proto;\n        '' $scheme;",
            "map $http_x_forwarded_port $proxy_x_forwarded_port {\n        default $http_x_forwarded_port;\n        '' $server_port;",
            "pid \"/run/flotilla-proxy/nginx.pid\";",
            "proxy_temp_path \"/run/flotilla-proxy/proxy_temp\";",
        ] {
            assert!(conf.contains(line), "missing {line}");
        }
        let mut o = opts();
        o.trust_downstream_proxy = false;
        let conf = render(&RouteTable::default(), &o);
        assert!(conf.contains("proxy_set_header X-Forwarded-For $remote_addr;"));
        assert!(conf.contains("map $http_x_forwarded_proto $proxy_x_forwarded_proto {\n        default $scheme;\n    }"));
    }

    #[test]
    fn server_names_locations_and_dest() {
        let table = build(&rich_containers());
        let conf = render(&table, &opts());
        assert!(conf.contains("server_name \"~^(?<name>[a-z]+)\\\\.nip\\\\.io$\";"));
        assert!(conf.contains("server_name *.apps.example.com;"));
        assert!(conf.contains("server_name example.*;"));
        let api = upstream_name("app.example.com", "/api/");
        assert!(conf.contains(&format!(
            "location /api/ {{\n            set $flotilla_keepalive true;\n            proxy_pass http://{api}/;"
        )));
        let secure = upstream_name("secure.example.com", "/");
        assert!(conf.contains(&format!("proxy_pass https://{secure};")));
        // docs.example.com has no "/" path: DEFAULT_ROOT
        let docs = conf
            .split("server_name docs.example.com;")
            .nth(1)
            .unwrap_or_default();
        let docs_up = upstream_name("docs.example.com", "/docs/");
        assert!(docs.starts_with(&format!(
            "\n        location /docs/ {{\n            set $flotilla_keepalive true;\n            proxy_pass http://{docs_up};"
        )));
        assert!(docs.contains("location / {\n            return 404;"));
        let mut o = opts();
        o.default_root = None;
        assert!(!render(&table, &o).contains("return 404"));
    }

    #[test]
    fn upstream_names_are_stable_valid_and_distinct() {
        let a = upstream_name("app.example.com", "/");
        assert_eq!(a, upstream_name("app.example.com", "/"));
        assert!(a.starts_with("app.example.com-"));
        assert_ne!(a, upstream_name("app.example.com", "/api/"));
        assert_ne!(upstream_name("a.b", "/c"), upstream_name("a.b/", "c"));
        for h in ["~^(a|b)\\.c$", "*.x.com", "x.*", "[::1]"] {
            let n = upstream_name(h, "/");
            assert!(
                n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)),
                "{n}"
            );
        }
        assert!(upstream_name("~^(a|b)\\.c$", "/").starts_with("regex-"));
        assert!(upstream_name("*.", "/").starts_with("vhost-"));
    }

    fn cert(stem: &str) -> CertFile {
        CertFile {
            crt: format!("/certs/{stem}.crt"),
            key: format!("/certs/{stem}.key"),
            fingerprint: format!("fp-{stem}"),
        }
    }

    fn tls_opts(stems: &[&str]) -> RenderOptions {
        let mut o = opts();
        o.https_port = Some(8443);
        for s in stems {
            o.certs.files.insert(s.to_string(), cert(s));
        }
        o
    }

    /// The text of the server blocks (`server {` … `    }`) whose `server_name` is `name`.
    fn servers_of(conf: &str, name: &str) -> Vec<String> {
        conf.split("    server {\n")
            .skip(1)
            .map(|b| b.split("\n    }\n").next().unwrap_or_default().to_string())
            .filter(|b| b.contains(&format!("server_name {name};")))
            .collect()
    }

    #[test]
    fn certificate_selection_follows_nginx_proxys_order() {
        let vh = |env: &[&str]| {
            let t = build(&[local("a", 2, env)]);
            t.vhosts.into_iter().next().expect("vhost")
        };
        let all = tls_opts(&["a.example.com", "example.com", "default", "named"]);
        let pick = |v: &VHost, o: &RenderOptions| {
            certificate_for(v, o).map(|c| (c.source, c.name.clone()))
        };
        let exact = vh(&["VIRTUAL_HOST=a.example.com"]);
        assert_eq!(
            pick(&exact, &all),
            Some((CertSource::File, "a.example.com".into()))
        );
        let named = vh(&["VIRTUAL_HOST=a.example.com", "CERT_NAME=named"]);
        assert_eq!(
            pick(&named, &all),
            Some((CertSource::CertName, "named".into()))
        );
        // CERT_NAME naming a missing file: no certificate at all (nginx-proxy)
        let missing = vh(&["VIRTUAL_HOST=a.example.com", "CERT_NAME=nope"]);
        assert_eq!(pick(&missing, &all), None);
        let sub = vh(&["VIRTUAL_HOST=b.example.com"]);
        assert_eq!(
            pick(&sub, &all),
            Some((CertSource::Parent, "example.com".into()))
        );
        let wild = vh(&["VIRTUAL_HOST=*.example.com"]);
        assert_eq!(
            pick(&wild, &all),
            Some((CertSource::Parent, "example.com".into()))
        );
        // one level only: c.b.example.com does not use example.com
        let deep = vh(&["VIRTUAL_HOST=c.b.example.com"]);
        assert_eq!(
            pick(&deep, &all),
            Some((CertSource::Default, "default".into()))
        );
        let untrusted = vh(&["VIRTUAL_HOST=c.b.example.com", "TRUST_DEFAULT_CERT=false"]);
        assert_eq!(pick(&untrusted, &all), None);
        let regex = vh(&["VIRTUAL_HOST=~^x\\.example\\.com$"]);
        assert_eq!(
            pick(&regex, &all),
            Some((CertSource::Default, "default".into()))
        );
        // ACME certificates come after the host's own file, before the parent's
        let mut o = tls_opts(&["example.com"]);
        o.certs.acme.insert("b.example.com".into(), cert("acme-b"));
        assert_eq!(
            pick(&sub, &o),
            Some((CertSource::Acme, "b.example.com".into()))
        );
        let mut o2 = o.clone();
        o2.certs
            .files
            .insert("b.example.com".into(), cert("b.example.com"));
        assert_eq!(
            pick(&sub, &o2),
            Some((CertSource::File, "b.example.com".into()))
        );
    }

    #[test]
    fn https_methods_shape_the_servers() {
        let o = tls_opts(&["a.test"]);
        let conf_for = |env: &[&str]| {
            let mut e = vec!["VIRTUAL_HOST=a.test"];
            e.extend_from_slice(env);
            render(&build(&[local("a", 2, &e)]), &o)
        };
        // redirect (default): HTTP answers 301 to the HTTPS port, HTTPS has HSTS and HTTP/2
        let conf = conf_for(&[]);
        let s = servers_of(&conf, "a.test");
        assert_eq!(s.len(), 2, "{conf}");
        assert!(s[0].contains("listen 127.0.0.1:8080;"), "{}", s[0]);
        assert!(
            s[0].contains("return 301 https://$host:8443$request_uri;"),
            "{}",
            s[0]
        );
        assert!(!s[0].contains("request_method"), "{}", s[0]);
        assert!(
            s[1].contains("listen 127.0.0.1:8443 ssl http2;"),
            "{}",
            s[1]
        );
        assert!(
            s[1].contains("ssl_certificate \"/certs/a.test.crt\";"),
            "{}",
            s[1]
        );
        assert!(
            s[1].contains("# certificate a.test (file): fp-a.test"),
            "{}",
            s[1]
        );
        assert!(
            s[1].contains("add_header Strict-Transport-Security \"max-age=31536000\" always;"),
            "{}",
            s[1]
        );
        assert!(conf.contains("ssl_protocols TLSv1.2 TLSv1.3;"));
        // non-GET redirect code, custom HSTS
        let conf = conf_for(&["NON_GET_REDIRECT=308", "HSTS=max-age=60; includeSubDomains"]);
        let s = servers_of(&conf, "a.test");
        assert!(
            s[0].contains("if ($request_method !~ ^(GET|HEAD)$) {\n                return 308 https://$host:8443$request_uri;"),
            "{}",
            s[0]
        );
        assert!(
            s[1].contains("\"max-age=60; includeSubDomains\" always;"),
            "{}",
            s[1]
        );
        // noredirect: one server on both ports, no HSTS
        let conf = conf_for(&["HTTPS_METHOD=noredirect"]);
        let s = servers_of(&conf, "a.test");
        assert_eq!(s.len(), 1);
        assert!(s[0].contains("listen 127.0.0.1:8080;\n        listen 127.0.0.1:8443 ssl http2;"));
        assert!(!s[0].contains("Strict-Transport-Security"));
        // nohttp: HTTPS only
        let conf = conf_for(&["HTTPS_METHOD=nohttp"]);
        let s = servers_of(&conf, "a.test");
        assert_eq!(s.len(), 1);
        assert!(!s[0].contains("8080"), "{}", s[0]);
        assert!(s[0].contains("Strict-Transport-Security"));
        // nohttps: HTTP only, no certificate used
        let conf = conf_for(&["HTTPS_METHOD=nohttps"]);
        let s = servers_of(&conf, "a.test");
        assert_eq!(s.len(), 1);
        assert!(!s[0].contains("8443") && !s[0].contains("ssl_certificate"));
        // HSTS=off
        let conf = conf_for(&["HSTS=off"]);
        assert!(!conf.contains("Strict-Transport-Security"));
        // no certificate: HTTP only, whatever the method
        let conf = render(&build(&[local("b", 2, &["VIRTUAL_HOST=b.test"])]), &o);
        let s = servers_of(&conf, "b.test");
        assert_eq!(s.len(), 1);
        assert!(s[0].contains("listen 127.0.0.1:8080;") && !s[0].contains("ssl"));
        // the public HTTPS port (node mode) is the redirect target; 443 is left out
        let mut node = o.clone();
        node.public_https_port = Some(443);
        let conf = render(&build(&[local("a", 2, &["VIRTUAL_HOST=a.test"])]), &node);
        assert!(
            conf.contains("return 301 https://$host$request_uri;"),
            "{conf}"
        );
        let mut no_h2 = o.clone();
        no_h2.http2 = false;
        let conf = render(&build(&[local("a", 2, &["VIRTUAL_HOST=a.test"])]), &no_h2);
        assert!(conf.contains("listen 127.0.0.1:8443 ssl;") && !conf.contains("http2"));
    }

    #[test]
    fn unknown_names_over_https_are_refused_or_get_the_default_certificate() {
        let conf = render(&RouteTable::default(), &tls_opts(&[]));
        let fallback = conf
            .split("# unknown hosts over HTTPS")
            .nth(1)
            .unwrap_or_default();
        assert!(fallback.contains("listen 127.0.0.1:8443 ssl http2;"));
        assert!(fallback.contains("ssl_reject_handshake on;"));
        let conf = render(&RouteTable::default(), &tls_opts(&["default"]));
        let fallback = conf
            .split("# unknown hosts over HTTPS")
            .nth(1)
            .unwrap_or_default();
        assert!(!fallback.contains("ssl_reject_handshake"));
        assert!(fallback.contains("ssl_certificate \"/certs/default.crt\";"));
        assert!(fallback.contains("return 503;"));
        // without an HTTPS port nothing about TLS is rendered
        let conf = render(&RouteTable::default(), &opts());
        assert!(
            !conf.contains(" ssl") && !conf.contains("ssl_protocols"),
            "{conf}"
        );
        // a default host with a certificate takes over both fallbacks
        let mut o = tls_opts(&["a.test"]);
        o.default_host = Some("a.test".into());
        let conf = render(&build(&[local("a", 2, &["VIRTUAL_HOST=a.test"])]), &o);
        assert!(!conf.contains("# unknown hosts"), "{conf}");
        assert!(conf.contains("listen 127.0.0.1:8080 default_server;"));
        assert!(conf.contains("listen 127.0.0.1:8443 ssl http2 default_server;"));
    }

    #[test]
    fn renewed_certificate_changes_the_configuration() {
        let table = build(&[local("a", 2, &["VIRTUAL_HOST=a.test"])]);
        let mut o = tls_opts(&["a.test"]);
        let before = render(&table, &o);
        if let Some(c) = o.certs.files.get_mut("a.test") {
            c.fingerprint = "renewed".into();
        }
        let after = render(&table, &o);
        assert_ne!(before, after);
        assert!(after.contains("# certificate a.test (file): renewed"));
    }

    #[test]
    fn acme_challenges_are_answered_from_the_configuration() {
        let mut o = tls_opts(&[]);
        o.acme = true;
        o.acme_challenges
            .insert("tok-1_x".into(), "tok-1_x.thumb".into());
        o.acme_challenges.insert("bad token".into(), "x".into());
        let table = build(&[
            local("a", 2, &["VIRTUAL_HOST=a.test", "LETSENCRYPT_HOST=a.test"]),
            local("b", 3, &["VIRTUAL_HOST=b.test"]),
        ]);
        assert!(table.vhosts[0].settings.acme && !table.vhosts[1].settings.acme);
        let conf = render(&table, &o);
        assert!(conf.contains(
            "map $uri $flotilla_acme_answer {\n        default '';\n        \"/.well-known/acme-challenge/tok-1_x\" \"tok-1_x.thumb\";\n    }"
        ), "{conf}");
        assert!(!conf.contains("bad token"));
        // in the fallback and in the ACME vhost, not in the other one
        assert!(
            conf.split("# unknown hosts\n")
                .nth(1)
                .unwrap_or_default()
                .contains("location ^~ /.well-known/acme-challenge/")
        );
        assert!(
            servers_of(&conf, "a.test")[0].contains("location ^~ /.well-known/acme-challenge/")
        );
        assert!(!servers_of(&conf, "b.test")[0].contains("acme-challenge"));
    }

    #[test]
    fn long_host_names_size_the_hash_bucket() {
        assert_eq!(bucket_size(0), 128);
        assert_eq!(bucket_size(100), 128);
        assert_eq!(bucket_size(110), 128);
        assert_eq!(bucket_size(111), 256);
        assert_eq!(bucket_size(253), 512);
        let long = format!("{}.test", vec!["a".repeat(62); 4].join("."));
        assert_eq!(long.len(), 256);
        let long = &long[3..];
        let table = build(&[local("a", 2, &[&format!("VIRTUAL_HOST={long}")])]);
        assert_eq!(table.vhosts.len(), 1, "{:?}", table.skipped);
        let conf = render(&table, &opts());
        assert!(conf.contains("server_names_hash_bucket_size 512;"));
    }

    #[test]
    fn location_settings_render() {
        let mut o = opts();
        o.snippets
            .vhost_d
            .insert("a.test".into(), "/vd/a.test".into());
        o.snippets
            .vhost_d
            .insert("default_location".into(), "/vd/default_location".into());
        o.snippets
            .htpasswd
            .insert("a.test".into(), "/htpasswd/a.test".into());
        let mut c = local(
            "a",
            2,
            &[
                "VIRTUAL_HOST=a.test",
                "NETWORK_ACCESS=internal",
                "CLIENT_MAX_BODY_SIZE=50m",
            ],
        );
        c.labels.insert(
            "flotilla.proxy.loadbalance".into(),
            "hash $remote_addr consistent;".into(),
        );
        c.labels.insert(
            "com.github.nginx-proxy.nginx-proxy.keepalive".into(),
            "disabled".into(),
        );
        let g = local("g", 3, &["VIRTUAL_HOST=g.test", "VIRTUAL_PROTO=grpc"]);
        let u = local("u", 4, &["VIRTUAL_HOST=u.test", "VIRTUAL_PROTO=uwsgi"]);
        let f = local(
            "f",
            5,
            &[
                "VIRTUAL_HOST=f.test",
                "VIRTUAL_PROTO=fastcgi",
                "VIRTUAL_ROOT=/srv/app",
            ],
        );
        let r = local(
            "r",
            6,
            &["VIRTUAL_HOST=r.test", "VIRTUAL_PATH=~* \\.(png|jpg)$"],
        );
        let table = build(&[c, g, u, f, r]);
        assert!(table.skipped.is_empty(), "{:?}", table.skipped);
        let conf = render(&table, &o);
        let a = &servers_of(&conf, "a.test")[0];
        for line in [
            "client_max_body_size 50m;",
            "include \"/vd/a.test\";",
            "allow 10.0.0.0/8;",
            "deny all;",
            "auth_basic \"Restricted a.test\";",
            "auth_basic_user_file \"/htpasswd/a.test\";",
            "set $flotilla_keepalive false;",
            "include \"/vd/default_location\";",
        ] {
            assert!(a.contains(line), "missing {line} in {a}");
        }
        let up = upstream_name("a.test", "/");
        assert!(conf.contains(&format!("upstream {up} {{\n        hash $remote_addr consistent;\n        server 10.0.0.2:80; # node-1/a\n    }}")), "{conf}");
        assert!(servers_of(&conf, "g.test")[0].contains("grpc_pass grpc://g.test-"));
        assert!(servers_of(&conf, "u.test")[0].contains("uwsgi_pass uwsgi://u.test-"));
        let f = &servers_of(&conf, "f.test")[0];
        assert!(
            f.contains("root \"/srv/app\";") && f.contains("fastcgi_pass f.test-"),
            "{f}"
        );
        assert!(
            conf.contains("    fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;")
        );
        assert!(conf.contains("    uwsgi_param PATH_INFO $document_uri;"));
        let r = &servers_of(&conf, "r.test")[0];
        assert!(r.contains("location ~* \"\\\\.(png|jpg)$\" {"), "{r}");
        // a regex path never matches "/": DEFAULT_ROOT applies
        assert!(r.contains("location / {\n            return 404;"), "{r}");
    }

    #[test]
    fn invalid_settings_skip_the_container() {
        for (env, label, reason) in [
            ("HTTPS_METHOD=sometimes", None, "invalid HTTPS_METHOD"),
            ("HSTS=max-age=\"1\"", None, "invalid HSTS"),
            ("HSTS=$x", None, "invalid HSTS"),
            ("CERT_NAME=../etc/passwd", None, "invalid CERT_NAME"),
            ("NON_GET_REDIRECT=302", None, "invalid NON_GET_REDIRECT"),
            ("EXTERNAL_HTTPS_PORT=0", None, "invalid EXTERNAL_HTTPS_PORT"),
            ("NETWORK_ACCESS=intranet", None, "invalid NETWORK_ACCESS"),
            (
                "CLIENT_MAX_BODY_SIZE=1m; include /etc/passwd",
                None,
                "invalid CLIENT_MAX_BODY_SIZE",
            ),
            (
                "X=1",
                Some(("flotilla.proxy.loadbalance", "least_conn; } server {")),
                "invalid loadbalance",
            ),
            (
                "X=1",
                Some(("flotilla.proxy.keepalive", "lots")),
                "invalid keepalive",
            ),
        ] {
            let mut c = local("bad", 2, &["VIRTUAL_HOST=bad.test", env]);
            if let Some((k, v)) = label {
                c.labels.insert(k.into(), v.into());
            }
            let t = build(&[c, local("ok", 3, &["VIRTUAL_HOST=ok.test"])]);
            assert_eq!(t.vhosts.len(), 1, "{env}");
            assert!(
                t.skipped[0].reason.contains(reason),
                "{env}: {}",
                t.skipped[0].reason
            );
        }
    }

    #[test]
    fn trust_downstream_proxy_off_overwrites_forwarded_headers() {
        let mut o = opts();
        o.trust_downstream_proxy = false;
        let conf = render(&RouteTable::default(), &o);
        for (h, v) in [
            ("proto", "$scheme"),
            ("host", "$host"),
            ("port", "$server_port"),
        ] {
            assert!(conf.contains(&format!(
                "map $http_x_forwarded_{h} $proxy_x_forwarded_{h} {{\n        default {v};\n    }}"
            )), "{h}");
        }
        assert!(!conf.contains("$proxy_add_x_forwarded_for"));
    }

    fn arb_container() -> impl Strategy<Value = ProxyContainer> {
        (
            0u8..3,
            0u8..6,
            prop::sample::select(vec![
                "a.com",
                "b.com",
                "*.w.com",
                "~^r\\d+\\.com$",
                "a.com,b.com",
                "bad host",
                "",
            ]),
            prop::option::of(prop::sample::select(vec!["80", "8080", "0", "x"])),
            prop::option::of(prop::sample::select(vec!["http", "https"])),
            prop::option::of(prop::sample::select(vec!["/", "/api/", "bad"])),
            prop::option::of(prop::sample::select(vec!["/", "/v1/"])),
            prop::option::of(prop::sample::select(vec![
                "healthy",
                "unhealthy",
                "starting",
            ])),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(
                |(engine, n, host, port, proto, path, dest, health, running, published)| {
                    let mut env = vec![format!("VIRTUAL_HOST={host}")];
                    let mut push = |k: &str, v: Option<&str>| {
                        if let Some(v) = v {
                            env.push(format!("{k}={v}"));
                        }
                    };
                    push("VIRTUAL_PORT", port);
                    push("VIRTUAL_PROTO", proto);
                    push("VIRTUAL_PATH", path);
                    push("VIRTUAL_DEST", dest);
                    let env: Vec<&str> = env.iter().map(String::as_str).collect();
                    let name = format!("c{engine}-{n}");
                    let mut c = match engine {
                        0 => local(&name, 2 + n, &env),
                        1 => remote(
                            "node-2",
                            &name,
                            &env,
                            if published {
                                &[(80, 30000), (8080, 30001)]
                            } else {
                                &[]
                            },
                        ),
                        _ => remote(
                            "node-3",
                            &name,
                            &env,
                            if published { &[(80, 31000)] } else { &[] },
                        ),
                    };
                    c.id = format!("id-{engine}-{n}-{}", host.len());
                    c.health = health.map(str::to_string);
                    c.running = running;
                    c
                },
            )
    }

    proptest! {
        #[test]
        fn rendering_is_independent_of_input_order(
            (containers, shuffled) in prop::collection::vec(arb_container(), 0..24)
                .prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle()))
        ) {
            let a = render(&build(&containers), &opts());
            let b = render(&build(&shuffled), &opts());
            prop_assert_eq!(a, b);
        }
    }
}
