//! Serialised placement across processes, and pending containers.
//!
//! Classic Swarm had one manager process: a mutex around "decide + record a
//! pending container" was enough. flotilla's `run` is a short-lived process,
//! so the same section is guarded by an advisory file lock per swarm,
//! `<store>/swarms/<hash of the discovery URL>/lock`, and the pending
//! containers live next to it in `pending.json`:
//!
//! 1. lock; fetch the live state; add the pending containers to it; decide;
//!    record this run's container as pending; unlock;
//! 2. create and start on the chosen engine (slow: maybe a pull) — unlocked;
//! 3. remove the pending entry (under the lock, briefly).
//!
//! A pending entry counts like a container (ports, slots, resources, name and
//! label affinity) until the container it stands for exists: entries carry
//! the container's `com.docker.swarm.id`, and an entry whose ID is already on
//! a live container is not added twice. An entry stops counting when it
//! expires, or at once when the process that wrote it is gone (checked
//! through `/proc`), so a crashed run never blocks a slot for long.
//!
//! A long-lived decider (the manager's model) learns of a new container from its engine's event
//! a moment after the engine created it. So an entry is not dropped when its container is
//! created: it is *settled* ([`settle`]) and keeps counting for a deciding model for
//! [`SETTLED_GRACE`], or until that model holds the swarm ID, whichever comes first, whether or
//! not its process still runs. A one-off decider lists the engines after taking the lock, which
//! is after the settling, so it skips settled entries ([`apply`]).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::cluster::state::{ClusterState, Container};
use crate::cluster::swarm_dir::{alive, swarm_dir};
use crate::store::{
    Durability, Store, create_private_dir_all, open_lock_file, replace_file, write_atomic,
};

/// The label holding a container's cluster-unique swarm ID.
pub const LABEL_SWARM_ID: &str = "com.docker.swarm.id";

/// Why the swarm's decision lock or its pending entries could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PendingError {
    /// The lock file could not be opened or locked.
    #[error("cannot lock {path}: {source}")]
    Lock {
        /// The lock file (`lock` alone when the waiting task itself failed).
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The swarm's directory could not be created, or `pending.json` not written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The directory or file.
        path: PathBuf,
        /// What the system (or the JSON encoder) said.
        source: std::io::Error,
    },
    /// A file of the swarm's directory could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
}

/// A container decided but not created yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingEntry {
    /// The container's swarm ID (also in `container.labels`).
    pub swarm_id: String,
    /// The node it was placed on.
    pub node: String,
    /// What the scheduler should count: name, labels, reservations, ports.
    pub container: Container,
    /// The `run` process that recorded it.
    pub pid: u32,
    /// Unix seconds after which the entry no longer counts.
    pub expires_at: u64,
    /// The container was created ([`settle`]): the entry counts only for deciders whose view
    /// may lag the engines (a model), and no longer needs its process.
    #[serde(default)]
    pub settled: bool,
}

/// How long a settled entry keeps counting for a model that has not seen its container yet
/// (an engine's event reaches the model in milliseconds; this is a generous bound).
pub const SETTLED_GRACE: Duration = Duration::from_secs(10);

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The entries that still count at `now` (Unix seconds): not expired, and settled or still
/// written by a process that `alive` says runs.
pub fn live_entries(
    entries: Vec<PendingEntry>,
    now: u64,
    alive: impl Fn(u32) -> bool,
) -> Vec<PendingEntry> {
    entries
        .into_iter()
        .filter(|e| e.expires_at > now && (e.settled || alive(e.pid)))
        .collect()
}

/// Adds pending containers to their nodes, unless a container with the same
/// swarm ID already exists somewhere (it was created: counting it twice would
/// make the swarm look fuller than it is). Entries for unknown nodes are
/// ignored, and so are settled ones: `state` was listed after they settled.
pub fn apply(state: &mut ClusterState, entries: &[PendingEntry]) {
    let entries: Vec<&PendingEntry> = entries.iter().filter(|e| !e.settled).collect();
    let existing: std::collections::HashSet<String> = state
        .nodes
        .iter()
        .flat_map(|n| &n.containers)
        .filter_map(|c| c.labels.get(LABEL_SWARM_ID).cloned())
        .collect();
    for e in entries {
        if existing.contains(&e.swarm_id) {
            continue;
        }
        if let Some(node) = state.nodes.iter_mut().find(|n| n.name == e.node) {
            node.containers.push(e.container.clone());
        }
    }
}

/// Held while deciding; released on drop (or by [`DecisionLock::release`]).
#[derive(Debug)]
pub struct DecisionLock {
    _file: File,
    dir: PathBuf,
}

impl DecisionLock {
    /// Waits for the swarm's decision lock (other `run`s hold it only while
    /// they fetch and decide).
    pub async fn acquire(store: &Store, discovery: &str) -> Result<DecisionLock, PendingError> {
        let dir = swarm_dir(store, discovery);
        let discovery = discovery.to_string();
        tokio::task::spawn_blocking(move || {
            create_private_dir_all(&dir).map_err(|source| PendingError::Write {
                path: dir.clone(),
                source,
            })?;
            let marker = dir.join("discovery");
            if !marker.exists() {
                // For humans looking at the store: which swarm this is.
                let _ = write_atomic(&marker, format!("{discovery}\n").as_bytes(), 0o600);
            }
            let path = dir.join("lock");
            let file = open_lock_file(&path).map_err(|source| PendingError::Lock {
                path: path.clone(),
                source,
            })?;
            file.lock()
                .map_err(|source| PendingError::Lock { path, source })?;
            Ok(DecisionLock { _file: file, dir })
        })
        .await
        .map_err(|e| PendingError::Lock {
            path: PathBuf::from("lock"),
            source: std::io::Error::other(e.to_string()),
        })?
    }

    fn path(&self) -> PathBuf {
        self.dir.join("pending.json")
    }

    /// Every recorded entry, counting or not (an unreadable file is empty:
    /// losing pending entries only loosens a safety margin).
    fn read_all(&self) -> Vec<PendingEntry> {
        std::fs::read(self.path())
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    fn write_all(&self, entries: &[PendingEntry]) -> Result<(), PendingError> {
        let path = self.path();
        let bytes = serde_json::to_vec(entries).map_err(|e| PendingError::Write {
            path: path.clone(),
            source: std::io::Error::other(e),
        })?;
        ephemeral(&path, &bytes).map_err(|source| PendingError::Write { path, source })
    }

    /// The entries that count now.
    pub fn pending(&self) -> Vec<PendingEntry> {
        live_entries(self.read_all(), now_secs(), alive)
    }

    /// Records a decided container, dropping entries that no longer count. The entry expires
    /// after `ttl` (at least one second), or sooner if this process ends first.
    pub fn record(
        &self,
        swarm_id: &str,
        node: &str,
        container: Container,
        ttl: Duration,
    ) -> Result<(), PendingError> {
        let mut entries = self.pending();
        entries.push(PendingEntry {
            swarm_id: swarm_id.to_string(),
            node: node.to_string(),
            container,
            pid: std::process::id(),
            expires_at: now_secs() + ttl.as_secs().max(1),
            settled: false,
        });
        self.write_all(&entries)
    }

    /// Marks an entry's container as created: it counts for [`SETTLED_GRACE`] more for
    /// deciders that may not have seen it yet.
    pub fn settle(&self, swarm_id: &str) -> Result<(), PendingError> {
        let mut entries = self.pending();
        for e in entries.iter_mut().filter(|e| e.swarm_id == swarm_id) {
            e.settled = true;
            e.expires_at = now_secs() + SETTLED_GRACE.as_secs();
        }
        self.write_all(&entries)
    }

    /// Removes an entry (the container now exists, or will never), dropping entries that no
    /// longer count; the file is left untouched when nothing changes.
    pub fn remove(&self, swarm_id: &str) -> Result<(), PendingError> {
        let before = self.read_all();
        let after: Vec<PendingEntry> = live_entries(before.clone(), now_secs(), alive)
            .into_iter()
            .filter(|e| e.swarm_id != swarm_id)
            .collect();
        if after != before {
            self.write_all(&after)?;
        }
        Ok(())
    }

    /// Unlocks (dropping does the same).
    pub fn release(self) {}
}

/// Takes the lock briefly to settle an entry (its container was created).
pub async fn settle(store: &Store, discovery: &str, swarm_id: &str) -> Result<(), PendingError> {
    let lock = DecisionLock::acquire(store, discovery).await?;
    lock.settle(swarm_id)
}

/// Takes the lock briefly to remove an entry.
pub async fn remove(store: &Store, discovery: &str, swarm_id: &str) -> Result<(), PendingError> {
    let lock = DecisionLock::acquire(store, discovery).await?;
    lock.remove(swarm_id)
}

/// Pending entries are worth nothing after a crash (their process is gone), and two fsyncs
/// per `run` would cost more than the decision.
fn ephemeral(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace_file(path, bytes, 0o600, Durability::Ephemeral)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::state::Node;

    fn entry(id: &str, node: &str, pid: u32, expires_at: u64) -> PendingEntry {
        let mut c = Container {
            name: format!("c-{id}"),
            state: "pending".into(),
            ..Container::default()
        };
        c.labels.insert(LABEL_SWARM_ID.into(), id.into());
        PendingEntry {
            swarm_id: id.into(),
            node: node.into(),
            container: c,
            pid,
            expires_at,
            settled: false,
        }
    }

    #[test]
    fn expired_and_orphaned_entries_do_not_count() {
        let es = vec![
            entry("a", "n", 1, 100),
            entry("b", "n", 2, 50),
            entry("c", "n", 3, 100),
        ];
        let live = live_entries(es, 60, |pid| pid != 3);
        assert_eq!(live.len(), 1);
        assert_eq!(live[0].swarm_id, "a");
        // A settled entry outlives its process until it expires.
        let mut settled = entry("d", "n", 3, 100);
        settled.settled = true;
        assert_eq!(live_entries(vec![settled.clone()], 60, |_| false).len(), 1);
        assert!(live_entries(vec![settled], 100, |_| true).is_empty());
    }

    #[test]
    fn one_off_deciders_skip_settled_entries() {
        let mut state = ClusterState::default();
        state.nodes.push(Node::named("n1"));
        let mut settled = entry("s", "n1", 1, 100);
        settled.settled = true;
        apply(&mut state, &[settled, entry("p", "n1", 1, 100)]);
        assert_eq!(state.nodes[0].containers.len(), 1);
        assert_eq!(state.nodes[0].containers[0].name, "c-p");
    }

    #[test]
    fn created_containers_are_not_counted_twice() {
        let mut state = ClusterState::default();
        state.nodes.push(Node::named("n1"));
        state.nodes.push(Node::named("n2"));
        let created = entry("x", "n1", 1, 100).container;
        state.nodes[1].containers.push(Container {
            state: "running".into(),
            ..created
        });
        apply(
            &mut state,
            &[
                entry("x", "n1", 1, 100),
                entry("y", "n1", 1, 100),
                entry("z", "gone", 1, 100),
            ],
        );
        assert_eq!(state.nodes[0].containers.len(), 1);
        assert_eq!(state.nodes[0].containers[0].name, "c-y");
        assert_eq!(state.nodes[1].containers.len(), 1);
    }

    #[tokio::test]
    async fn record_and_remove_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let lock = DecisionLock::acquire(&store, "token://t").await.unwrap();
        let c = entry("id1", "n1", 0, 0).container;
        lock.record("id1", "n1", c, Duration::from_secs(60))
            .unwrap();
        assert_eq!(lock.pending().len(), 1);
        lock.release();
        remove(&store, "token://t", "id1").await.unwrap();
        let lock = DecisionLock::acquire(&store, "token://t").await.unwrap();
        assert!(lock.pending().is_empty());
    }
}
