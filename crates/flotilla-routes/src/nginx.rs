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

/// Settings of the proxy itself (not of the containers). These come from the operator and are
/// written as given (`worker_processes`, `default_root`); `nginx -t` checks them.
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
        assert!(conf.contains("server_name _;\n        location ^~ / {\n            return 503;"));
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
            "map $http_upgrade $proxy_connection {\n        default upgrade;\n        '' close;",
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
            "location /api/ {{\n            proxy_pass http://{api}/;"
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
            "\n        location /docs/ {{\n            proxy_pass http://{docs_up};"
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
