//! The model's shared state: every node's data, the scheduler snapshot kept in step with it,
//! the event buffer and the change notifications. One lock, held only to swap a node's data and
//! edit the snapshot (microseconds); readers copy out `Arc`s and build their answers unlocked.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::broadcast;

use super::events::{Recent, SwarmEvent, health_event};
use super::health::{Health, Transition};
use super::node::NodeData;
use crate::cluster::members::Swarm;
use crate::scheduler::Snapshot;

/// A change in the model, for whoever follows it (the proxy, the manager's create, a
/// rescheduler). Receivers that fall behind get `Lagged` and should re-read the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelChange {
    /// A node's health changed; `transition` is the classic event it emitted, if any.
    Health {
        /// The node's name.
        node: String,
        /// Its health now.
        health: Health,
        /// The classic `engine_*` event the change emitted, if any.
        transition: Option<Transition>,
        /// The last failure's message; `None` after a success.
        error: Option<String>,
    },
    /// A node's event stream came up or went down (its health changes only after
    /// `--engine-failure-retry` failures; this changes at once).
    Connection {
        /// The node's name.
        node: String,
        /// Whether its stream is up now; a failed attempt is told with `false` even when the
        /// stream was already down.
        connected: bool,
        /// Why the attempt failed or the stream went down, when known.
        error: Option<String>,
    },
    /// Containers of a node changed (`ids`: added, updated or removed); `resync` after a full
    /// listing.
    Containers {
        /// The node's name.
        node: String,
        /// Full IDs of the containers added, updated or removed.
        ids: Vec<String>,
        /// The node was listed in full: its images, networks and volumes were replaced too.
        /// `ids` still names every container that changed.
        resync: bool,
    },
    /// A node joined the swarm (Pending until its engine answers); its name.
    NodeAdded(String),
    /// A node left the swarm (it left discovery); its name.
    NodeRemoved(String),
}

pub(crate) struct Inner {
    pub nodes: BTreeMap<String, Arc<NodeData>>,
    pub snapshot: Snapshot,
    /// Node name → its index in the snapshot.
    pub slot: HashMap<String, usize>,
}

pub(crate) struct Shared {
    pub swarm: Swarm,
    pub inner: RwLock<Inner>,
    pub changes: broadcast::Sender<ModelChange>,
    pub events: broadcast::Sender<Arc<SwarmEvent>>,
    pub recent: Mutex<Recent>,
    /// Each node's connected Engine API client (pooled), shared by its session and by callers
    /// that talk to that one engine (the manager's create).
    pub clients: Mutex<HashMap<String, bollard::Docker>>,
    /// Bumped by every change: a reader may keep what it derived from the model until it moves.
    pub generation: std::sync::atomic::AtomicU64,
    /// Bumped when a refresh found nothing new and only moved a node's `UpdatedAt`. At 1,000
    /// engines refreshing every 30–60 s that happens ~20 times a second; a reader that shows
    /// `UpdatedAt` (`/info`) may keep its answer a moment longer for these instead of deriving it
    /// again on every call.
    pub touched: std::sync::atomic::AtomicU64,
}

/// Nanoseconds since the epoch, now.
pub(crate) fn now_nano() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

impl Shared {
    pub fn new(swarm: Swarm) -> Shared {
        let mut state = crate::cluster::state::ClusterState::default();
        if let Some(s) = swarm.strategy.as_deref().and_then(|s| s.parse().ok()) {
            state.strategy = s;
        }
        Shared {
            swarm,
            inner: RwLock::new(Inner {
                nodes: BTreeMap::new(),
                snapshot: Snapshot::new(state),
                slot: HashMap::new(),
            }),
            changes: broadcast::channel(4096).0,
            events: broadcast::channel(super::events::BUFFER).0,
            recent: Mutex::new(Recent::default()),
            clients: Mutex::new(HashMap::new()),
            generation: std::sync::atomic::AtomicU64::new(0),
            touched: std::sync::atomic::AtomicU64::new(0),
        }
    }

    pub fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The lock for a change (which bumps the generation).
    pub fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    pub fn notify(&self, change: ModelChange) {
        let _ = self.changes.send(change);
    }

    pub fn publish(&self, ev: SwarmEvent) {
        let ev = Arc::new(ev);
        // Buffered and broadcast under one lock: a client that reads the buffer and subscribes
        // under it too (`Model::events`) sees each event exactly once.
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        recent.push(ev.clone());
        let _ = self.events.send(ev);
    }

    /// Adds a node (Pending) unless it is there.
    pub fn add_node(&self, data: NodeData) -> bool {
        let name = data.name().to_string();
        {
            let mut inner = self.write();
            if inner.nodes.contains_key(&name) {
                return false;
            }
            let i = inner.snapshot.push_node(data.scheduler_node());
            inner.slot.insert(name.clone(), i);
            inner.nodes.insert(name.clone(), Arc::new(data));
        }
        self.notify(ModelChange::NodeAdded(name));
        true
    }

    /// Removes a node (it left discovery); a Healthy one emits `engine_disconnect`.
    pub fn remove_node(&self, name: &str) {
        let removed = {
            let mut inner = self.write();
            let Some(data) = inner.nodes.remove(name) else {
                return;
            };
            if let Some(i) = inner.slot.remove(name) {
                inner.snapshot.remove_node(i);
                let slots: HashMap<String, usize> = inner
                    .snapshot
                    .state()
                    .nodes
                    .iter()
                    .enumerate()
                    .map(|(i, n)| (n.name.clone(), i))
                    .collect();
                inner.slot = slots;
            }
            data
        };
        if let Ok(mut c) = self.clients.lock() {
            c.remove(name);
        }
        if let Some(t) = removed.health.removed() {
            tracing::warn!("node {name} left the swarm: {}", t.action());
            self.publish(health_event(t.action(), &removed.member, now_nano()));
        } else {
            tracing::info!("node {name} left the swarm");
        }
        self.notify(ModelChange::NodeRemoved(name.to_string()));
    }

    /// Changes a node's data and brings the snapshot in step; `false` when the node is gone.
    pub fn update(&self, name: &str, change: impl FnOnce(&mut NodeData)) -> bool {
        let mut inner = self.write();
        let Some(data) = inner.nodes.get_mut(name) else {
            return false;
        };
        change(Arc::make_mut(data));
        let node = data.scheduler_node();
        if let Some(&i) = inner.slot.get(name) {
            inner.snapshot.replace_node(i, node);
        }
        true
    }

    /// Records a success or a failure of a node and emits what its health transition calls for.
    pub fn health(&self, name: &str, outcome: Result<(), String>, retry: u32) {
        // A success that changes nothing but `UpdatedAt` (the common refresh) only touches the
        // model; anything else is a change.
        let quiet = outcome.is_ok()
            && self.read().nodes.get(name).is_some_and(|n| {
                let mut h = n.health.clone();
                h.succeeded().is_none() && h == n.health
            });
        if quiet {
            {
                let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
                if let Some(data) = inner.nodes.get_mut(name) {
                    Arc::make_mut(data).updated_at = crate::cluster::live::rfc3339_now();
                }
            }
            self.touched
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return;
        }
        let mut result = None;
        self.update(name, |n| {
            let before = n.health.health;
            let t = match &outcome {
                Ok(()) => {
                    n.updated_at = crate::cluster::live::rfc3339_now();
                    n.health.succeeded()
                }
                Err(e) => n.health.failed(e.clone(), retry),
            };
            if before != n.health.health || t.is_some() {
                result = Some((n.health.clone(), t, n.member.clone()));
            }
        });
        let Some((h, t, member)) = result else {
            return;
        };
        match (&t, &h.error) {
            (Some(t), Some(e)) => tracing::warn!("node {name}: {} ({e})", t.action()),
            (Some(t), None) => tracing::info!("node {name}: {}", t.action()),
            (None, _) => {}
        }
        if let Some(t) = t {
            self.publish(health_event(t.action(), &member, now_nano()));
        }
        self.notify(ModelChange::Health {
            node: name.to_string(),
            health: h.health,
            transition: t,
            error: h.error,
        });
    }

    /// A node's stream came up, or an attempt failed (every failed attempt is told, so a
    /// follower hears of a node that never connected).
    pub fn connection(&self, name: &str, connected: bool, error: Option<String>) {
        // Unchanged, it is no change of the model (readers keep what they derived).
        let changed = self
            .read()
            .nodes
            .get(name)
            .is_some_and(|n| n.connected != connected);
        if changed {
            self.update(name, |n| n.connected = connected);
        }
        if changed || (!connected && error.is_some()) {
            self.notify(ModelChange::Connection {
                node: name.to_string(),
                connected,
                error,
            });
        }
    }
}
