//! The long-lived model of a swarm: what every member engine runs, kept current by the engines'
//! own event streams, as classic Swarm's in-memory cluster was. The manager answers from it and
//! decides on it; the proxy routes from it; a rescheduler or a second manager can follow it.
//!
//! ```text
//!  membership (discovery watch / poll) ──▶ one session per engine ──▶ shared state ──▶ readers
//!                                           connect, /info + clock     nodes (Arc, copy on write)
//!                                           subscribe since clock      scheduler Snapshot in step
//!                                           list + inspect              event buffer + broadcast
//!                                           event → one change          change notifications
//!                                           randomised refresh
//!                                           backoff, full resync
//! ```
//!
//! * `session`: one per engine (connect, subscribe from the engine's clock read before the
//!   listing, full resync after every reconnect, refresh every `refresh_min..refresh_max` at
//!   random, backoff with jitter). An event costs at most one request to its engine
//!   ([`rules`]).
//! * [`health`]: classic's node states (Pending → Healthy → Unhealthy → Healthy) and the
//!   `engine_connect` / `engine_disconnect` / `engine_reconnect` events.
//! * [`shared`]: the state and its lock; [`node`]: one node's data; [`lookup`]: finding a
//!   container by ID, name or `NODE/NAME`; [`convert`]: list entries derived from inspect
//!   answers; [`events`]: the swarm's event stream (tagging, filters, the bounded buffer).
//! * `membership`: following discovery live.
//!
//! **Read API** ([`Model`]): [`Model::nodes`] / [`Model::node`] (each an `Arc<NodeData>`: health,
//! facts, containers with their inspect answers, images, networks, volumes — copied out without
//! holding a lock), [`Model::find`], [`Model::with_snapshot`] (the scheduler snapshot, kept in
//! step: decide, add pending containers, take them back), [`Model::live`] (the one-off view's
//! types, for `info` and `ps`), [`Model::subscribe`] (changes: node health transitions,
//! connection, containers changed, nodes added/removed) and [`Model::events`] (the swarm's
//! event stream with a replay of the bounded buffer).
//!
//! Memory is bounded by what the engines hold: a removed container leaves the model, a node
//! that leaves discovery leaves it, events are kept only in the bounded buffer.

pub mod convert;
pub mod events;
pub mod health;
pub mod lookup;
mod membership;
pub mod node;
pub mod rules;
mod session;
pub mod shared;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;

pub use events::SwarmEvent;
pub use health::{Health, HealthState, Transition};
pub use lookup::Found;
pub use node::{ContainerRecord, Facts, NodeData};
pub use shared::ModelChange;

use crate::cluster::live::{Live, NodeView, Target};
use crate::cluster::members::{self, ClusterError, Swarm};
use crate::cluster::state::{ClusterState, Container, DEFAULT_OVERCOMMIT};
use crate::scheduler::Snapshot;
use crate::store::Store;

/// How the model follows its engines (classic `swarm manage`'s flags).
#[derive(Debug, Clone)]
pub struct ModelOptions {
    /// `--engine-refresh-min-interval` / `--engine-refresh-max-interval`: each engine is
    /// re-listed after a random delay in this range (so a thousand engines do not refresh in
    /// step). Default 30 s.
    pub refresh_min: Duration,
    /// The upper end of that range; default 60 s, never below `refresh_min`.
    pub refresh_max: Duration,
    /// `--engine-failure-retry`: failures in a row before a Healthy node is Unhealthy
    /// (default 3).
    pub failure_retry: u32,
    /// How long one request to an engine may take (default 10 s).
    pub timeout: Duration,
    /// How often membership is re-read when the discovery backend has no watch (default
    /// 10 s).
    pub discovery_poll: Duration,
}

impl Default for ModelOptions {
    fn default() -> Self {
        ModelOptions {
            refresh_min: Duration::from_secs(30),
            refresh_max: Duration::from_secs(60),
            failure_retry: 3,
            timeout: Duration::from_secs(10),
            discovery_poll: Duration::from_secs(10),
        }
    }
}

impl ModelOptions {
    /// Classic's checks: intervals above zero, max not below min, retry above zero.
    pub fn validate(&self) -> Result<(), String> {
        if self.refresh_min.is_zero() {
            return Err("--engine-refresh-min-interval must be above zero".into());
        }
        if self.refresh_max < self.refresh_min {
            return Err(
                "--engine-refresh-max-interval must not be below --engine-refresh-min-interval"
                    .into(),
            );
        }
        if self.failure_retry == 0 {
            return Err("--engine-failure-retry must be above zero".into());
        }
        Ok(())
    }
}

/// A running model; clones share it. Dropping the last clone does not stop it: [`Model::stop`]
/// does (the sessions end with the runtime too).
#[derive(Clone)]
pub struct Model {
    shared: Arc<shared::Shared>,
    cancel: CancellationToken,
    resync: Arc<watch::Sender<u64>>,
}

impl Model {
    fn new(swarm: Swarm) -> (Model, watch::Receiver<u64>) {
        let (tx, rx) = watch::channel(0);
        (
            Model {
                shared: Arc::new(shared::Shared::new(swarm)),
                cancel: CancellationToken::new(),
                resync: Arc::new(tx),
            },
            rx,
        )
    }

    /// The model of the swarm `selector` names, following its membership (discovery and the
    /// store's machines) while it runs.
    pub async fn for_swarm(
        store: &Store,
        selector: Option<&str>,
        opts: ModelOptions,
    ) -> Result<Model, ClusterError> {
        let (swarm, members) = members::resolve(store, selector).await?;
        let (model, rx) = Model::new(swarm);
        let mut sessions =
            membership::Sessions::new(model.shared.clone(), opts.clone(), model.cancel.clone(), rx);
        sessions.set(crate::cluster::live::targets(store, members));
        tokio::spawn(membership::follow(
            sessions,
            store.clone(),
            selector.map(str::to_string),
            opts.discovery_poll,
            model.cancel.clone(),
        ));
        Ok(model)
    }

    /// A model of a fixed set of engines (the proxy's `--machine`/`--docker-host` engines).
    pub fn for_targets(swarm: Swarm, targets: Vec<Target>, opts: ModelOptions) -> Model {
        let (model, rx) = Model::new(swarm);
        let mut sessions =
            membership::Sessions::new(model.shared.clone(), opts, model.cancel.clone(), rx);
        sessions.set(targets);
        // The sessions live on in their tasks; the set is not changed again.
        drop(sessions);
        model
    }

    /// The swarm the model follows, as resolved when it started.
    pub fn swarm(&self) -> &Swarm {
        &self.shared.swarm
    }

    /// Stops every session.
    pub fn stop(&self) {
        self.cancel.cancel();
    }

    /// Every engine lists everything again (SIGHUP, `--resync`).
    pub fn resync(&self) {
        self.resync.send_modify(|v| *v += 1);
    }

    /// A number that changes whenever the model does (what a reader caches against).
    pub fn generation(&self) -> u64 {
        self.shared
            .generation
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A number that moves when only a node's `UpdatedAt` did (a refresh that found nothing
    /// new); [`Model::generation`] does not move for those.
    pub fn touched(&self) -> u64 {
        self.shared
            .touched
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Every node, by name.
    pub fn nodes(&self) -> Vec<Arc<NodeData>> {
        self.shared.read().nodes.values().cloned().collect()
    }

    /// One node by name; `None` when no member (or no longer one) has that name.
    pub fn node(&self, name: &str) -> Option<Arc<NodeData>> {
        self.shared.read().nodes.get(name).cloned()
    }

    /// Finds a container ([`lookup::find`]).
    pub fn find(&self, key: &str) -> Found {
        lookup::find(&self.nodes(), key)
    }

    /// Runs `f` on the scheduler snapshot under the model's lock: what it decides sees every
    /// change the engines reported so far, and no change lands halfway through. Keep `f` short
    /// (a decision, a pending container added or taken back).
    pub fn with_snapshot<R>(&self, f: impl FnOnce(&mut Snapshot) -> R) -> R {
        let mut inner = self.shared.write();
        f(&mut inner.snapshot)
    }

    /// Records a container the caller knows exists (it just created it) without waiting for
    /// the engine's event.
    pub fn put_container(&self, node: &str, inspect: bollard::models::ContainerInspectResponse) {
        let ip = self.node(node).map(|n| n.ip()).unwrap_or_default();
        let record = ContainerRecord::of(inspect, node, &ip);
        let id = record.id().to_string();
        self.shared.update(node, |n| {
            n.containers.insert(id.clone(), Arc::new(record));
        });
        self.shared.notify(ModelChange::Containers {
            node: node.to_string(),
            ids: vec![id],
            resync: false,
        });
    }

    /// Reads one container of a node again (after the caller changed it through the engine:
    /// started, stopped, removed), so the next answer from the model shows the change without
    /// waiting for the engine's event. Classic Swarm refreshed a container after such calls too.
    pub async fn refresh_container(&self, node: &str, id: &str) {
        let Some(docker) = self.client(node) else {
            return;
        };
        match docker.inspect_container(id, None).await {
            Ok(c) => self.put_container(node, c),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => {
                let mut had = false;
                self.shared
                    .update(node, |n| had = n.containers.remove(id).is_some());
                if had {
                    self.shared.notify(ModelChange::Containers {
                        node: node.to_string(),
                        ids: vec![id.to_string()],
                        resync: false,
                    });
                }
            }
            Err(e) => tracing::debug!("node {node}: inspect {id}: {e}"),
        }
    }

    /// The connected client of a node (the one its session uses), when it connected once.
    pub fn client(&self, node: &str) -> Option<bollard::Docker> {
        self.shared.clients.lock().ok()?.get(node).cloned()
    }

    /// Changes: health transitions, connections, containers, membership.
    pub fn subscribe(&self) -> broadcast::Receiver<ModelChange> {
        self.shared.changes.subscribe()
    }

    /// The swarm's events: those of the buffer at or after `since_nano` (none when `None`), and a
    /// receiver for the ones to come (subscribed before the buffer is read: nothing falls
    /// between; an event may come in both, and the caller skips by time).
    pub fn events(
        &self,
        since_nano: Option<i64>,
    ) -> (Vec<Arc<SwarmEvent>>, broadcast::Receiver<Arc<SwarmEvent>>) {
        // Under the lock `publish` holds: every event is either in `past` or comes on `rx`,
        // never both, never neither.
        let recent = self.shared.recent.lock().unwrap_or_else(|p| p.into_inner());
        let rx = self.shared.events.subscribe();
        let past = since_nano.map(|t| recent.since(t)).unwrap_or_default();
        (past, rx)
    }

    /// Puts an event of the manager's own (a rescheduling step) on the swarm's stream, after
    /// the engines' and the `engine_*` ones.
    pub fn publish(&self, ev: SwarmEvent) {
        self.shared.publish(ev);
    }

    /// Clients following the event stream (`NEventsListener`).
    pub fn listeners(&self) -> usize {
        self.shared.events.receiver_count()
    }

    /// True once no node is Pending.
    pub fn settled(&self) -> bool {
        self.shared
            .read()
            .nodes
            .values()
            .all(|n| n.health.health != Health::Pending)
    }

    /// Waits until `pred` holds for the nodes (checked at every change), or `timeout`.
    pub async fn wait_for(
        &self,
        timeout: Duration,
        pred: impl Fn(&[Arc<NodeData>]) -> bool,
    ) -> bool {
        let mut rx = self.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if pred(&self.nodes()) {
                return true;
            }
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Err(_) => return pred(&self.nodes()),
                Ok(Err(broadcast::error::RecvError::Closed)) => return pred(&self.nodes()),
                Ok(_) => {}
            }
        }
    }

    /// The model in the one-off view's types, so `info`, `ps` and the manager's `/info` share
    /// their texts with the one-off fetch. `full`: every container's list entry (`ps`); without
    /// it, entries carry only ID, names and state, and the state's containers only their
    /// reservations (enough for the counts and the reserved resources of `/info`, at a fraction
    /// of the cost).
    pub fn live(&self, full: bool) -> Live {
        let nodes = self.nodes();
        let now = shared::now_nano() as f64 / 1e9;
        let mut state = ClusterState {
            // A read, not `with_snapshot`: that takes the write lock, which counts as a change
            // (it made every `/info` invalidate the answer it had just derived).
            strategy: self.shared.read().snapshot.state().strategy,
            overcommit: DEFAULT_OVERCOMMIT,
            nodes: Vec::with_capacity(nodes.len()),
        };
        let mut views = Vec::with_capacity(nodes.len());
        for n in &nodes {
            let mut node = if full {
                n.scheduler_node()
            } else {
                let mut light = NodeData::clone(n);
                light.containers.clear();
                let mut node = light.scheduler_node();
                node.containers = n
                    .containers
                    .values()
                    .map(|c| Container {
                        cpus: c.container.cpus,
                        memory: c.container.memory,
                        ..Container::default()
                    })
                    .collect();
                node
            };
            node.error = n.health.error.clone();
            let containers = n
                .containers
                .values()
                .map(|c| {
                    if full {
                        convert::summary_of(&c.inspect, now)
                    } else {
                        bollard::models::ContainerSummary {
                            id: Some(c.id().to_string()),
                            names: Some(vec![format!("/{}", c.name())]),
                            state: c
                                .inspect
                                .state
                                .as_ref()
                                .and_then(|s| s.status)
                                .and_then(|s| s.to_string().parse().ok()),
                            ..Default::default()
                        }
                    }
                })
                .collect();
            views.push(NodeView {
                name: n.name().to_string(),
                addr: n.member.addr.clone(),
                health: n.health.health,
                error: n.health.error.clone(),
                server_version: n
                    .facts
                    .as_ref()
                    .map(|f| f.server_version.clone())
                    .unwrap_or_default(),
                updated_at: n.updated_at.clone(),
                containers,
                images: n.tagged_images(),
            });
            state.nodes.push(node);
        }
        Live::from_parts(self.shared.swarm.clone(), state, views)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Readers cache what they derive against the generation (`/info`): deriving must not move
    /// it, or every answer invalidates itself (it did: `live` read the strategy under the write
    /// lock, and `/info` at 1,000 engines was derived on every call, 60 ms each).
    #[test]
    fn reading_the_model_is_not_a_change() {
        let (m, _rx) = Model::new(Swarm {
            discovery: "token://abc".into(),
            master: None,
            strategy: Some("binpack".into()),
        });
        let g = m.generation();
        let live = m.live(false);
        let _ = m.live(true);
        let _ = m.nodes();
        assert_eq!(live.state.strategy.to_string(), "binpack");
        assert_eq!(m.generation(), g);
        // A scheduling decision may change the snapshot: it counts.
        m.with_snapshot(|_| ());
        assert!(m.generation() > g);
    }
}
