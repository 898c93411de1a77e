//! The rescheduler: classic Swarm's watchdog on the live model. It follows the model's changes,
//! keeps the ledger of containers with the `on-node-failure` policy in step (persisted in the
//! swarm's directory), and, while this manager leads, acts on health transitions: a node
//! declared failed has its containers recreated elsewhere ([`crate::ops::reschedule`]), a node
//! that answers again loses its stale copies. The decisions are
//! [`crate::cluster::reschedule`]'s; this module only sequences them and does the I/O.
//!
//! On becoming the leader (at start for a single manager) it catches up: a node that failed
//! while no leader served (Unhealthy, or never reached by this manager with its failures past
//! the retry count, or gone from the swarm) is handled as if the transition had just been seen,
//! from the persisted ledger; every Healthy node is cleared of stale copies. Losing leadership
//! stops it before its next step. Every step is logged and put on the swarm's event stream
//! (`Type: swarm`, actions `reschedule`, `reschedule_start`, `reschedule_kept`,
//! `reschedule_skipped`, `reschedule_failed`, `reschedule_stale_removed`).

use std::collections::BTreeSet;
use std::time::Duration;

use bollard::query_parameters::RemoveContainerOptions;
use serde_json::json;
use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;

use crate::cluster::live::Health;
use crate::cluster::model::{Model, ModelChange, SwarmEvent};
use crate::cluster::reschedule::{
    Ledger, Step, Trigger, healthy_swarm_ids, missed_failures, plan_failure, stale_copies,
};
use crate::store::Store;

/// How often failed reschedules are tried again.
const TICK: Duration = Duration::from_secs(2);

/// What the rescheduler needs.
pub(crate) struct Rescheduler {
    pub store: Store,
    pub model: Model,
    /// True while this manager leads (always, for a single manager).
    pub leader: watch::Receiver<bool>,
    /// `--engine-failure-retry`.
    pub retry: u32,
    /// How long a decision's pending entry counts.
    pub pending_ttl: Duration,
    /// How long a new leader waits for the nodes to answer (or fail) before catching up.
    pub settle: Duration,
    /// While a failure is handled: when that node's connection was first lost.
    pub down_since: Option<i64>,
}

fn now_nano() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

impl Rescheduler {
    fn leading(&self) -> bool {
        *self.leader.borrow()
    }

    fn emit(&self, action: &str, attrs: serde_json::Value) {
        let t = now_nano();
        self.model.publish(SwarmEvent {
            time_nano: t,
            doc: json!({
                "status": action,
                "id": attrs.get("container.id").cloned().unwrap_or(json!("")),
                "from": "swarm",
                "Type": "swarm",
                "Action": action,
                "Actor": {"ID": attrs.get("container.id").cloned().unwrap_or(json!("")), "Attributes": attrs},
                "time": t / 1_000_000_000,
                "timeNano": t,
            }),
        });
    }

    /// Runs until cancelled.
    pub async fn run(mut self, cancel: CancellationToken) {
        let discovery = self.model.swarm().discovery.clone();
        let mut ledger = Ledger::load(&self.store, &discovery);
        let mut changes = self.model.subscribe();
        let mut dirty = false;
        let mut unresolved: BTreeSet<String> = BTreeSet::new();
        let mut tick = tokio::time::interval(TICK);
        let mut caught_up = false;
        let mut leader_open = true;
        // When each node's connection was first lost (the failure's start, for telling a
        // container stopped by the failure from one its owner stopped).
        let mut lost_at: std::collections::HashMap<String, i64> = Default::default();
        loop {
            // Written as soon as it changed: a manager killed a moment later leaves the next
            // one what it knew.
            if dirty && self.leading() {
                if let Err(e) = ledger.save(&self.store, &discovery) {
                    tracing::warn!("rescheduler: cannot persist its ledger: {e}");
                }
                dirty = false;
            }
            if !caught_up && self.leading() {
                caught_up = true;
                self.catch_up(&mut ledger, &mut unresolved, &cancel).await;
                dirty = true;
            }
            tokio::select! {
                () = cancel.cancelled() => break,
                r = self.leader.changed(), if leader_open => {
                    if r.is_err() {
                        // No one can change it any more (a single manager): it stays as is.
                        leader_open = false;
                        continue;
                    }
                    if self.leading() {
                        tracing::info!("rescheduler: this manager leads: catching up");
                    } else {
                        tracing::info!("rescheduler: leadership lost: no more rescheduling here");
                    }
                    caught_up = false;
                }
                _ = tick.tick() => {
                    if self.leading() {
                        for node in std::mem::take(&mut unresolved) {
                            self.failed(&node, &mut ledger, &mut unresolved).await;
                        }
                    }
                }
                change = changes.recv() => {
                    let change = match change {
                        Ok(c) => c,
                        Err(broadcast::error::RecvError::Lagged(_)) => {
                            for n in self.model.nodes() {
                                dirty |= ledger.refresh_node(&n);
                            }
                            caught_up = false;
                            continue;
                        }
                        Err(broadcast::error::RecvError::Closed) => break,
                    };
                    if let ModelChange::Connection { node, connected, .. } = &change {
                        if *connected {
                            lost_at.remove(node);
                        } else {
                            lost_at.entry(node.clone()).or_insert(now_nano() / 1_000_000_000);
                        }
                    }
                    let node = match &change {
                        ModelChange::Health { node, .. }
                        | ModelChange::Containers { node, .. }
                        | ModelChange::NodeAdded(node) => Some(node.clone()),
                        _ => None,
                    };
                    if let Some(n) = node.and_then(|n| self.model.node(&n)) {
                        dirty |= ledger.refresh_node(&n);
                    }
                    if !self.leading() {
                        continue;
                    }
                    match Trigger::of(&change) {
                        Some(Trigger::Failed(node)) => {
                            self.down_since = lost_at.get(&node).copied();
                            self.failed(&node, &mut ledger, &mut unresolved).await;
                            self.down_since = None;
                            dirty = true;
                        }
                        Some(Trigger::Returned(node)) => {
                            self.returned(&node, &mut ledger).await;
                            dirty = true;
                        }
                        None => {}
                    }
                }
            }
        }
        if dirty
            && self.leading()
            && let Err(e) = ledger.save(&self.store, &discovery)
        {
            tracing::warn!("rescheduler: cannot persist its ledger: {e}");
        }
    }

    /// A new leader's catch-up: failures it did not see, stale copies on Healthy nodes.
    async fn catch_up(
        &self,
        ledger: &mut Ledger,
        unresolved: &mut BTreeSet<String>,
        cancel: &CancellationToken,
    ) {
        let retry = self.retry;
        // Every node answered once or failed past the retry count: only then is "not Healthy"
        // a failure and not a manager that just started.
        tokio::select! {
            _ = self.model.wait_for(self.settle, |nodes| {
                nodes.iter().all(|n| n.health.health != Health::Pending || n.health.failures >= retry.max(1))
            }) => {}
            () = cancel.cancelled() => return,
        }
        for n in self.model.nodes() {
            ledger.refresh_node(&n);
        }
        let missed = missed_failures(&self.model.nodes(), &ledger.all(), retry);
        for node in missed {
            tracing::warn!("rescheduler: node {node} failed while no leader watched it");
            self.failed(&node, ledger, unresolved).await;
        }
        for n in self.model.nodes() {
            if n.health.health == Health::Healthy {
                self.returned(n.name(), ledger).await;
            }
        }
    }

    /// Node `node` was declared failed: move what it held.
    async fn failed(&self, node: &str, ledger: &mut Ledger, unresolved: &mut BTreeSet<String>) {
        let current = self.model.node(node);
        if current
            .as_ref()
            .is_some_and(|n| n.health.health == Health::Healthy)
        {
            // It came back before we acted (the transition was a moment's).
            return;
        }
        let gone = current.is_none();
        let healthy: BTreeSet<String> =
            healthy_swarm_ids(&self.model.nodes()).into_keys().collect();
        let failed_at = self
            .down_since
            .unwrap_or_else(|| now_nano() / 1_000_000_000);
        for step in plan_failure(node, &ledger.all(), &healthy, failed_at) {
            if !self.leading() {
                tracing::info!("rescheduler: leadership lost: stopping before the next step");
                unresolved.insert(node.to_string());
                return;
            }
            match step {
                Step::Pinned {
                    tracked,
                    constraint,
                } => {
                    tracing::warn!(
                        "rescheduler: container {} ({}) stays on failed node {node}: its hard constraint {constraint} keeps it there",
                        tracked.name,
                        tracked.swarm_id
                    );
                    self.emit(
                        "reschedule_kept",
                        json!({"name": tracked.name, "container.id": tracked.id, "com.docker.swarm.id": tracked.swarm_id, "node.name": node, "constraint": constraint}),
                    );
                }
                Step::StoppedByOwner(tracked) => {
                    tracing::info!(
                        "rescheduler: container {} ({}) on failed node {node} was stopped by its owner: not rescheduled",
                        tracked.name,
                        tracked.swarm_id
                    );
                    self.emit(
                        "reschedule_skipped",
                        json!({"name": tracked.name, "container.id": tracked.id, "com.docker.swarm.id": tracked.swarm_id, "node.name": node, "reason": "stopped by its owner"}),
                    );
                }
                Step::Move { tracked, start } => {
                    match crate::ops::reschedule::recreate(
                        &self.store,
                        &self.model,
                        &tracked,
                        start,
                        self.pending_ttl,
                    )
                    .await
                    {
                        Ok((id, to)) => {
                            tracing::warn!(
                                "Rescheduled container {} ({}) from {node} to {to} as {id}",
                                tracked.name,
                                tracked.swarm_id
                            );
                            self.emit(
                                "reschedule",
                                json!({"name": tracked.name, "container.id": id, "old.id": tracked.id, "com.docker.swarm.id": tracked.swarm_id, "node.name": to, "from.node": node}),
                            );
                            if start {
                                tracing::info!(
                                    "Container {} was running, starting container {id}",
                                    tracked.id
                                );
                                self.emit(
                                    "reschedule_start",
                                    json!({"name": tracked.name, "container.id": id, "com.docker.swarm.id": tracked.swarm_id, "node.name": to}),
                                );
                            }
                            if gone {
                                ledger.forget(node, &tracked.swarm_id);
                            }
                            if let Some(n) = self.model.node(&to) {
                                ledger.refresh_node(&n);
                            }
                        }
                        Err(e) => {
                            tracing::warn!(
                                "rescheduler: cannot reschedule container {} ({}) from {node}: {e} (tried again later)",
                                tracked.name,
                                tracked.swarm_id
                            );
                            self.emit(
                                "reschedule_failed",
                                json!({"name": tracked.name, "container.id": tracked.id, "com.docker.swarm.id": tracked.swarm_id, "node.name": node, "error": e.to_string()}),
                            );
                            unresolved.insert(node.to_string());
                        }
                    }
                }
            }
        }
    }

    /// Node `node` answers again: remove its copies of containers now living elsewhere.
    async fn returned(&self, node: &str, ledger: &mut Ledger) {
        let Some(n) = self.model.node(node) else {
            return;
        };
        let Some(docker) = self.model.client(node) else {
            return;
        };
        let ids = healthy_swarm_ids(&self.model.nodes());
        for (id, swarm_id) in stale_copies(&n, &ids) {
            if !self.leading() {
                return;
            }
            let opts = RemoveContainerOptions {
                force: true,
                v: true,
                ..Default::default()
            };
            match docker.remove_container(&id, Some(opts)).await {
                Ok(()) => {
                    tracing::warn!(
                        "rescheduler: removed the stale copy {id} of {swarm_id} from {node} (it runs elsewhere)"
                    );
                    self.emit(
                        "reschedule_stale_removed",
                        json!({"container.id": id, "com.docker.swarm.id": swarm_id, "node.name": node}),
                    );
                }
                Err(e) => {
                    tracing::warn!(
                        "rescheduler: cannot remove the stale copy {id} of {swarm_id} from {node}: {e}"
                    );
                }
            }
            self.model.refresh_container(node, &id).await;
        }
        if let Some(n) = self.model.node(node) {
            ledger.refresh_node(&n);
        }
    }
}
