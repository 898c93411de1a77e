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
    use flotilla_core::proxy::status::{ApplyStatus, EngineStatus, STATUS_VERSION};
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
}
