//! Route table → complete `nginx.conf` (pure).
//!
//! The output is a whole configuration (main, `events` and `http` contexts) for a private nginx
//! started with `-c FILE -p PREFIX`. It follows nginx-proxy's `nginx.tmpl` where it matters:
//!
//! * `map`s for `$proxy_x_forwarded_proto/host/port/ssl`, `$host_port` and the websocket
//!   `$http_upgrade` → `$proxy_connection` map; headers `Host`, `Upgrade`, `Connection`,
//!   `X-Real-IP`, `X-Forwarded-For` (appended with `$proxy_add_x_forwarded_for`),
//!   `X-Forwarded-Host/Proto/Ssl/Port`, `X-Original-URI`, and `Proxy ""` (httpoxy).
//! * A fallback server, first in the file, answers **503** for unknown hosts, unless
//!   [`RenderOptions::default_host`] names an exact vhost: that vhost then gets `default_server`.
//! * One `upstream` per (vhost, path). An upstream without a server gets
//!   `server 127.0.0.1:9 down;`, so nginx still loads and the vhost answers **502**.
//! * One `location` per path; `VIRTUAL_DEST` is appended to `proxy_pass` (the matched prefix is
//!   replaced, as in nginx-proxy). A vhost without a `/` path gets `location / { return 404; }`
//!   ([`RenderOptions::default_root`]).
//! * Regex server names are quoted (`"~^a\\.b$"`, backslashes escaped for nginx's quoting).
//!
//! Upstream names are `<sanitised host>-<12 hex digits of FNV-1a(host, path)>`: deterministic,
//! valid nginx tokens, and distinct per path. The same table always renders the same bytes.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;

use super::routes::{HostKind, Location, RouteTable, VHost, sanitize};

/// Settings of the proxy itself (not of the containers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// HTTP port nginx listens on.
    pub listen_port: u16,
    /// Address to listen on; `None`: all addresses (IPv4).
    pub listen_addr: Option<IpAddr>,
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
}

impl RenderOptions {
    /// Defaults: port 80 on all addresses, no default host, errors to stderr, no access log,
    /// `worker_processes auto`, trusted downstream proxy, `DEFAULT_ROOT` 404.
    pub fn new(prefix: impl Into<PathBuf>) -> Self {
        RenderOptions {
            listen_port: 80,
            listen_addr: None,
            default_host: None,
            prefix: prefix.into(),
            error_log: "stderr".to_string(),
            access_log: None,
            worker_processes: "auto".to_string(),
            trust_downstream_proxy: true,
            default_root: Some("404".to_string()),
        }
    }
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

/// The upstream name for `host` and `path`.
pub fn upstream_name(host: &str, path: &str) -> String {
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
    let hash = fnv1a(&[host, path]);
    format!("{base}-{:012x}", hash >> 16)
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

fn listen(opts: &RenderOptions) -> String {
    match opts.listen_addr {
        Some(IpAddr::V4(ip)) => format!("{ip}:{}", opts.listen_port),
        Some(IpAddr::V6(ip)) => format!("[{ip}]:{}", opts.listen_port),
        None => opts.listen_port.to_string(),
    }
}

/// Renders the complete configuration. Pure: the same table and options give the same bytes.
pub fn render(table: &RouteTable, opts: &RenderOptions) -> String {
    let mut out = String::with_capacity(4096 + table.vhosts.len() * 512);
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

    let default_vhost = opts.default_host.as_deref().and_then(|d| {
        let d = d.trim().to_ascii_lowercase();
        table
            .vhosts
            .iter()
            .find(|v| v.kind == HostKind::Exact && v.host == d)
            .map(|v| v.host.as_str())
    });
    if let (Some(d), None) = (opts.default_host.as_deref(), default_vhost) {
        let _ = writeln!(
            o,
            "# warning: DEFAULT_HOST {} matches no vhost; unknown hosts get 503",
            sanitize(d)
        );
    }

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
    let names = table.vhosts.len() + 1;
    let _ = writeln!(o, "    server_names_hash_bucket_size 128;");
    let _ = writeln!(
        o,
        "    server_names_hash_max_size {};",
        (names * 4).next_power_of_two().max(512)
    );
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

    # websocket upgrade passthrough
    map $http_upgrade $proxy_connection {
        default upgrade;
        '' close;
    }

    # a non-standard listen port is part of the Host header the backend sees
    map $server_port $host_port {
        default :$server_port;
        80 '';
        443 '';
    }

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

    let listen = listen(opts);
    if default_vhost.is_none() {
        let _ = write!(
            o,
            "
    # unknown hosts
    server {{
        listen {listen};
        server_name _;
        location ^~ / {{
            return 503;
        }}
    }}
"
        );
    }

    let mut used: BTreeSet<String> = BTreeSet::new();
    for v in &table.vhosts {
        let _ = write!(o, "\n    # vhost {} ({:?})\n", sanitize(&v.host), v.kind);
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
        let default = if default_vhost == Some(v.host.as_str()) {
            " default_server"
        } else {
            ""
        };
        let _ = write!(
            o,
            "    server {{\n        listen {listen}{default};\n        server_name {};\n",
            server_name(v)
        );
        for (loc, up) in v.locations.iter().zip(&upstreams) {
            let _ = write!(
                o,
                "        location {} {{\n            proxy_pass {}://{up}{};\n        }}\n",
                loc.path, loc.proto, loc.dest
            );
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
    o.push_str("}\n");
    out
}

fn render_upstream(o: &mut String, name: &str, loc: &Location) {
    let _ = writeln!(o, "    upstream {name} {{");
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
    o.push_str("    }\n");
}
