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

/// What `flotilla proxy` last wrote to `status.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// The writer's [`STATUS_VERSION`]; [`Status::read`] refuses a newer one.
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
    /// Unix seconds of the last write.
    pub updated_at: u64,
    /// True once the watcher stopped on SIGTERM/SIGINT.
    #[serde(default)]
    pub stopped: bool,
    /// One entry per watched engine, in the order they were given.
    pub engines: Vec<EngineStatus>,
    /// True while a change waits for the debounce (`--wait`) to end; false once it was
    /// applied. With the engines' resync counters it tells a reader the watcher is quiet: every
    /// inventory it counted has been applied.
    #[serde(default)]
    pub pending: bool,
    /// Configurations applied (validated, swapped, reloaded).
    pub reloads: u64,
    /// Applies that failed (the previous configuration kept serving).
    pub failures: u64,
    /// The last attempt to apply a configuration, whatever its result; `None` before the first.
    #[serde(default)]
    pub last_apply: Option<ApplyStatus>,
    /// The routes of the configuration being served (after the last successful apply).
    pub table: RouteTable,
    /// Vhosts nginx rejected on their own: left out of the configuration being served.
    #[serde(default)]
    pub rejected: Vec<RejectedVhost>,
    /// The certificate of every vhost served over HTTPS or asking for one.
    #[serde(default)]
    pub certificates: Vec<CertStatus>,
}

/// A vhost left out because nginx rejected it (`nginx -t` on a configuration with it alone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedVhost {
    /// The vhost, as in the route table.
    pub host: String,
    /// `engine/container` of the containers that declare it.
    pub containers: Vec<String>,
    /// nginx's message.
    pub error: String,
}

/// One vhost's certificate: where it comes from and until when it is valid, or why an ACME
/// certificate is missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertStatus {
    /// The vhost, as in the route table.
    pub host: String,
    /// `cert-name`, `file`, `acme`, `parent`, `default`, or `none`.
    pub source: String,
    /// The file stem or host the certificate was found under.
    #[serde(default)]
    pub name: Option<String>,
    /// Unix seconds.
    #[serde(default)]
    pub not_after: Option<u64>,
    /// The vhost asks for an ACME certificate.
    #[serde(default)]
    pub acme: bool,
    /// The last ACME failure for this host (the vhost keeps its previous certificate or HTTP).
    #[serde(default)]
    pub acme_error: Option<String>,
    /// Unix seconds of the next ACME attempt (issuance, renewal or retry).
    #[serde(default)]
    pub acme_next: Option<u64>,
}

/// One watched engine: its connection and what the watcher counted on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineStatus {
    /// The engine's name: the machine's, or for `--docker-host` its URL's host (`local` for a
    /// unix socket).
    pub name: String,
    /// The engine's URL (`tcp://HOST:PORT` or `unix:///PATH`).
    pub addr: String,
    /// Whether the session to the engine is up now (its last known containers stay routed
    /// while it is not).
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

/// One attempt to render and apply a configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyStatus {
    /// Unix seconds.
    pub at: u64,
    /// `updated`, `unchanged` or `failed`.
    pub result: String,
    /// Why it failed; `None` unless `result` is `failed`.
    #[serde(default)]
    pub error: Option<String>,
    /// How long applying took (including finding rejected vhosts), in milliseconds.
    pub millis: u64,
}

/// Whether the watcher that wrote a status file still runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    /// A process with the writer's pid runs (checked through `/proc`; assumed without it).
    Running,
    /// The watcher recorded a clean stop (SIGTERM/SIGINT).
    Stopped,
    /// The pid is gone but the watcher did not record a clean stop (killed or crashed).
    Dead,
}

/// Unix seconds now, as every timestamp of the status file (0 if the clock is before 1970).
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Why the status file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    /// There is no status file: no watcher has written one in that directory.
    #[error("no proxy status in {dir}: is `flotilla proxy` running with this --conf-dir?")]
    Missing {
        /// The `--conf-dir` that was looked in.
        dir: PathBuf,
    },
    /// The file exists but could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The status file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file could not be written (the previous one, if any, is left whole).
    #[error("cannot write {path}: {source}")]
    Write {
        /// The status file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a status this flotilla reads: bad JSON, or a newer version.
    #[error("corrupt status file {path}: {message}")]
    Corrupt {
        /// The status file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
}

impl Status {
    /// Whether the writer still runs; only meaningful on the host that runs it (pids are local).
    pub fn liveness(&self) -> Liveness {
        if self.stopped {
            Liveness::Stopped
        } else if crate::cluster::swarm_dir::alive(self.pid) {
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

    /// Reads `dir/status.json`: [`StatusError::Missing`] when there is none,
    /// [`StatusError::Corrupt`] when it does not parse or is newer than [`STATUS_VERSION`].
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::routes::build;
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
                host: "~^(?<x>.+)$".into(),
                containers: vec!["node-1/bad".into()],
                error: "nginx: [emerg] …".into(),
            }],
            certificates: vec![CertStatus {
                host: "app.test".into(),
                source: "acme".into(),
                name: Some("app.test".into()),
                not_after: Some(200),
                acme: true,
                acme_error: None,
                acme_next: Some(180),
            }],
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
}
