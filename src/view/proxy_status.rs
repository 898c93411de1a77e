//! `proxy status` as a person reads it: the watcher, the last apply, every engine and every
//! virtual host with its backends (pure; `now` in unix seconds).

use flotilla_core::proxy::status::{Liveness, Status};

use crate::output::table;

fn ago(then: u64, now: u64) -> String {
    let s = now.saturating_sub(then);
    match s {
        0..=59 => format!("{s}s ago"),
        60..=3599 => format!("{}m ago", s / 60),
        3600..=86399 => format!("{}h ago", s / 3600),
        _ => format!("{}d ago", s / 86400),
    }
}

/// `in 5m` or `5m ago`.
fn until(then: u64, now: u64) -> String {
    if then >= now {
        let s = then - now;
        match s {
            0..=59 => format!("in {s}s"),
            60..=3599 => format!("in {}m", s / 60),
            3600..=86399 => format!("in {}h", s / 3600),
            _ => format!("in {}d", s / 86400),
        }
    } else {
        ago(then, now)
    }
}

/// The human view of a status (pure; `now` in unix seconds).
pub fn render_text(s: &Status, live: Liveness, now: u64) -> String {
    let mut out = String::new();
    let state = match live {
        Liveness::Running => format!("running (pid {})", s.pid),
        Liveness::Stopped => format!("stopped {}", ago(s.updated_at, now)),
        Liveness::Dead => format!(
            "not running (pid {} is gone; last update {})",
            s.pid,
            ago(s.updated_at, now)
        ),
    };
    let mode = match &s.node {
        Some(n) => format!("{} on {n}", s.mode),
        None => s.mode.clone(),
    };
    out.push_str(&format!("watcher: {state}, mode {mode}\n"));
    out.push_str(&format!("config: {}\n", s.config));
    match &s.last_apply {
        Some(a) => {
            out.push_str(&format!(
                "last apply: {} {} ({} ms); {} reloads, {} failures\n",
                a.result,
                ago(a.at, now),
                a.millis,
                s.reloads,
                s.failures
            ));
            if let Some(e) = &a.error {
                for line in e.lines() {
                    out.push_str(&format!("  {line}\n"));
                }
            }
        }
        None => out.push_str("last apply: none yet\n"),
    }

    out.push('\n');
    let mut rows = vec![vec![
        "ENGINE".to_string(),
        "ADDRESS".into(),
        "STATE".into(),
        "CONTAINERS".into(),
        "RESYNCS".into(),
        "ERROR".into(),
    ]];
    for e in &s.engines {
        rows.push(vec![
            e.name.clone(),
            e.addr.clone(),
            if e.connected {
                format!("connected {}", ago(e.since, now))
            } else {
                format!("disconnected {}", ago(e.since, now))
            },
            e.containers.to_string(),
            e.resyncs.to_string(),
            e.error.clone().unwrap_or_default(),
        ]);
    }
    out.push_str(&table::render(&rows));

    out.push('\n');
    let mut rows = vec![vec!["VHOST".to_string(), "PATH".into(), "BACKENDS".into()]];
    for v in &s.table.vhosts {
        for l in &v.locations {
            let backends = if l.servers.is_empty() {
                "(none: 502)".to_string()
            } else {
                l.servers
                    .iter()
                    .map(|srv| format!("{} ({}/{})", srv.addr, srv.engine, srv.container))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            rows.push(vec![v.host.clone(), l.path.clone(), backends]);
        }
    }
    out.push_str(&table::render(&rows));

    if !s.certificates.is_empty() {
        out.push('\n');
        let mut rows = vec![vec![
            "CERTIFICATE".to_string(),
            "SOURCE".into(),
            "EXPIRES".into(),
            "ACME".into(),
        ]];
        for c in &s.certificates {
            let source = match &c.name {
                Some(n) if c.source == "parent" || c.source == "cert-name" => {
                    format!("{} ({n})", c.source)
                }
                _ => c.source.clone(),
            };
            let expires = c.not_after.map_or_else(String::new, |t| until(t, now));
            let acme = if !c.acme {
                String::new()
            } else {
                match (&c.acme_error, c.acme_next) {
                    (Some(e), Some(n)) => format!("failed, retry {}: {e}", until(n, now)),
                    (Some(e), None) => format!("failed: {e}"),
                    (None, Some(n)) if c.source == "none" => {
                        format!("ordering ({})", until(n, now))
                    }
                    (None, Some(n)) => format!("renews {}", until(n, now)),
                    (None, None) => "ordering".to_string(),
                }
            };
            rows.push(vec![c.host.clone(), source, expires, acme]);
        }
        out.push_str(&table::render(&rows));
    }
    if !s.rejected.is_empty() {
        out.push_str("\nrejected vhosts (nginx refused them; every other vhost is served):\n");
        for r in &s.rejected {
            out.push_str(&format!(
                "  {} (from {}):\n",
                r.host,
                r.containers.join(", ")
            ));
            for line in r.error.lines() {
                out.push_str(&format!("    {line}\n"));
            }
        }
    }
    if !s.table.skipped.is_empty() {
        out.push_str("\nskipped containers:\n");
        for k in &s.table.skipped {
            out.push_str(&format!("  {k}\n"));
        }
    }
    if !s.table.warnings.is_empty() {
        out.push_str("\nwarnings:\n");
        for w in &s.table.warnings {
            out.push_str(&format!("  {w}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use flotilla_core::proxy::routes::build;
    use flotilla_core::proxy::status::{
        ApplyStatus, CertStatus, EngineStatus, RejectedVhost, STATUS_VERSION,
    };
    use flotilla_routes::fixtures::{local, remote};

    fn sample() -> Status {
        let table = build(&[
            local("web-1", 2, &["VIRTUAL_HOST=app.test"]),
            remote(
                "node-2",
                "web-2",
                &["VIRTUAL_HOST=app.test"],
                &[(80, 32768)],
            ),
            remote("node-2", "hidden", &["VIRTUAL_HOST=hidden.test"], &[]),
        ]);
        Status {
            version: STATUS_VERSION,
            pid: u32::MAX,
            mode: "local".into(),
            node: None,
            config: "/x/nginx.conf".into(),
            started_at: 100,
            updated_at: 150,
            stopped: false,
            engines: vec![EngineStatus {
                name: "node-2".into(),
                addr: "tcp://192.168.1.2:2376".into(),
                connected: false,
                since: 140,
                error: Some("cannot connect".into()),
                containers: 2,
                resyncs: 3,
                events: 7,
            }],
            pending: false,
            reloads: 4,
            failures: 1,
            last_apply: Some(ApplyStatus {
                at: 149,
                result: "failed".into(),
                error: Some("nginx rejected\nline 2".into()),
                millis: 12,
            }),
            table,
            rejected: vec![RejectedVhost {
                host: "~^(?<host>.+)\\.dup\\.test$".into(),
                containers: vec!["node-1/dup".into()],
                error: "nginx: [emerg] duplicate variable \"host\"".into(),
            }],
            certificates: vec![
                CertStatus {
                    host: "app.test".into(),
                    source: "acme".into(),
                    name: Some("app.test".into()),
                    not_after: Some(160 + 90 * 86400),
                    acme: true,
                    acme_error: None,
                    acme_next: Some(160 + 60 * 86400),
                },
                CertStatus {
                    host: "new.test".into(),
                    source: "none".into(),
                    name: None,
                    not_after: None,
                    acme: true,
                    acme_error: Some("validation of new.test: connection refused".into()),
                    acme_next: Some(170),
                },
                CertStatus {
                    host: "www.app.test".into(),
                    source: "parent".into(),
                    name: Some("app.test".into()),
                    not_after: Some(100),
                    acme: false,
                    acme_error: None,
                    acme_next: None,
                },
            ],
        }
    }

    #[test]
    fn text_lists_engines_backends_and_skipped_with_reasons() {
        let text = render_text(&sample(), Liveness::Running, 160);
        assert!(text.contains("watcher: running (pid"), "{text}");
        assert!(
            text.contains("last apply: failed 11s ago (12 ms); 4 reloads, 1 failures"),
            "{text}"
        );
        assert!(text.contains("  line 2"), "{text}");
        assert!(text.contains("disconnected 20s ago"), "{text}");
        assert!(
            text.contains("10.0.0.2:80 (node-1/web-1), 192.168.1.2:32768 (node-2/web-2)"),
            "{text}"
        );
        assert!(text.contains("hidden.test   /      (none: 502)"), "{text}");
        assert!(
            text.contains("node-2/hidden: not reachable on the data plane network and port 80/tcp is not published"),
            "{text}"
        );
    }

    #[test]
    fn text_shows_certificates_and_rejected_vhosts() {
        let text = render_text(&sample(), Liveness::Running, 160);
        let certs = text
            .split("CERTIFICATE")
            .nth(1)
            .and_then(|t| t.split("\n\n").next())
            .unwrap_or_default();
        insta::assert_snapshot!("certificates", format!("CERTIFICATE{certs}"));
        assert!(
            text.contains("rejected vhosts (nginx refused them; every other vhost is served):\n  ~^(?<host>.+)\\.dup\\.test$ (from node-1/dup):\n    nginx: [emerg] duplicate variable \"host\""),
            "{text}"
        );
    }
}
