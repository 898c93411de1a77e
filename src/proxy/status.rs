//! The watcher's state, as a file another process can read.
//!
//! `flotilla proxy` writes `status.json` into its `--conf-dir` (atomically: temp file, fsync,
//! rename) after every apply and every engine connect or disconnect; `flotilla proxy status`
//! reads it. A file rather than a socket because it also answers after the watcher stopped or
//! crashed: the last routes and errors stay readable, and [`Status::liveness`] tells whether
//! the writer is still alive (its pid) or stopped cleanly.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::routes::RouteTable;

/// File name inside the conf dir.
pub const STATUS_FILE: &str = "status.json";

/// Bumped when a field changes meaning; readers refuse newer files.
pub const STATUS_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub version: u32,
    /// The watcher's process id.
    pub pid: u32,
    /// `local` (flotilla runs nginx), `reload-cmd` (flotilla writes the file and runs a
    /// command) or `node` (nginx runs as a container on a machine).
    pub mode: String,
    /// With `node`: the machine.
    #[serde(default)]
    pub node: Option<String>,
    /// Where the configuration lives: a path, or `MACHINE:CONTAINER:PATH` in node mode.
    pub config: String,
    /// Unix seconds.
    pub started_at: u64,
    pub updated_at: u64,
    /// True once the watcher stopped on SIGTERM/SIGINT.
    #[serde(default)]
    pub stopped: bool,
    pub engines: Vec<EngineStatus>,
    /// Configurations applied (validated, swapped, reloaded).
    pub reloads: u64,
    /// Applies that failed (the previous configuration kept serving).
    pub failures: u64,
    #[serde(default)]
    pub last_apply: Option<ApplyStatus>,
    /// The routes of the configuration being served (after the last successful apply).
    pub table: RouteTable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineStatus {
    pub name: String,
    pub addr: String,
    pub connected: bool,
    /// Unix seconds of the last connect or disconnect.
    pub since: u64,
    /// Why the last connection failed or ended.
    #[serde(default)]
    pub error: Option<String>,
    /// Running containers that opt in (`VIRTUAL_HOST` or the label).
    pub containers: usize,
    /// Full resynchronisations (connects, periodic, SIGHUP).
    pub resyncs: u64,
    /// Container events handled.
    pub events: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyStatus {
    /// Unix seconds.
    pub at: u64,
    /// `updated`, `unchanged` or `failed`.
    pub result: String,
    #[serde(default)]
    pub error: Option<String>,
    pub millis: u64,
}

/// Whether the watcher that wrote a status file still runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    Running,
    Stopped,
    /// The pid is gone but the watcher did not record a clean stop (killed or crashed).
    Dead,
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error("no proxy status in {dir}: is `flotilla proxy` running with this --conf-dir?")]
    Missing { dir: PathBuf },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("corrupt status file {path}: {message}")]
    Corrupt { path: PathBuf, message: String },
}

impl Status {
    pub fn liveness(&self) -> Liveness {
        if self.stopped {
            Liveness::Stopped
        } else if crate::cluster::pending::alive(self.pid) {
            Liveness::Running
        } else {
            Liveness::Dead
        }
    }

    /// Writes `dir/status.json` atomically.
    pub fn write(&self, dir: &Path) -> Result<(), StatusError> {
        let path = dir.join(STATUS_FILE);
        let mut json = serde_json::to_vec_pretty(self).map_err(|e| StatusError::Corrupt {
            path: path.clone(),
            message: e.to_string(),
        })?;
        json.push(b'\n');
        crate::store::write_atomic(&path, &json, 0o644)
            .map_err(|source| StatusError::Write { path, source })
    }

    pub fn read(dir: &Path) -> Result<Status, StatusError> {
        let path = dir.join(STATUS_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StatusError::Missing {
                    dir: dir.to_path_buf(),
                });
            }
            Err(source) => return Err(StatusError::Read { path, source }),
        };
        let status: Status = serde_json::from_slice(&bytes).map_err(|e| StatusError::Corrupt {
            path: path.clone(),
            message: e.to_string(),
        })?;
        if status.version > STATUS_VERSION {
            return Err(StatusError::Corrupt {
                path,
                message: format!(
                    "version {} is newer than this flotilla understands ({STATUS_VERSION})",
                    status.version
                ),
            });
        }
        Ok(status)
    }
}

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
    use crate::output::table;
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
    use crate::proxy::routes::build;
    use crate::proxy::routes::tests::{local, remote};

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
    fn round_trips_through_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(matches!(
            Status::read(dir.path()),
            Err(StatusError::Missing { .. })
        ));
        let s = sample();
        s.write(dir.path()).expect("write");
        assert_eq!(Status::read(dir.path()).expect("read"), s);
        // pid u32::MAX does not exist
        assert_eq!(s.liveness(), Liveness::Dead);
        let stopped = Status {
            stopped: true,
            ..s.clone()
        };
        assert_eq!(stopped.liveness(), Liveness::Stopped);
        let me = Status {
            pid: std::process::id(),
            ..s
        };
        assert_eq!(me.liveness(), Liveness::Running);
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
