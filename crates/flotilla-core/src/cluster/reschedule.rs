//! Rescheduling on node failure, the decisions (pure: no clock, no I/O). Classic Swarm's watchdog
//! (`cluster/watchdog.go`) recreated a container that asked for it (`-e
//! reschedule:on-node-failure`, or the label `com.docker.swarm.reschedule-policies`) on another
//! node when its node was lost, and removed the stale copy when the node came back. This module
//! says what to do; `ops::reschedule` does it and the manager's rescheduler drives it.
//!
//! Where flotilla goes past classic (its users' complaints, reference §4.7):
//!
//! * what is rescheduled is kept as [`Tracked`] records (the create body, the node, the swarm ID,
//!   whether it ran) and persisted in the swarm's directory ([`Ledger`]), so a node lost while no
//!   manager led is noticed by the next leader, which never listed that node (#2092);
//! * a container its owner stopped before the failure is left alone, not resurrected; one that
//!   stopped in the moments before the failure (an orderly engine shutdown stops its containers
//!   first) is recreated *and started* (#1651);
//! * the swarm ID decides: a copy already running on a Healthy node is not made again (a second
//!   leader, a repeated event), and on a node's return every copy of a swarm ID that lives on
//!   another Healthy node is removed (#1810);
//! * only a health *transition* triggers ([`Trigger::of`]): a node that fails fewer than
//!   `--engine-failure-retry` times in a row never emits one, so a flapping node moves nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use bollard::models::{ContainerCreateBody, ContainerInspectResponse};
use serde::{Deserialize, Serialize};

use super::model::{Health, ModelChange, NodeData, Transition};
use super::pending::LABEL_SWARM_ID;
use crate::scheduler::expr::{Expr, Op};
use crate::scheduler::request::{LABEL_CONSTRAINTS, LABEL_RESCHEDULE};
use crate::store::{Store, write_atomic};

/// The one policy that moves a container.
pub const ON_NODE_FAILURE: &str = "on-node-failure";

/// A container that stopped at most this long before its node stopped answering is taken as
/// stopped by the failure (an orderly shutdown stops containers just before the engine goes),
/// not by its owner.
pub const STOPPED_BY_FAILURE_GRACE_S: i64 = 5;

/// Whether a container asks to be rescheduled: the label (what flotilla's create writes) or the
/// env entry (a container created on an engine directly with `-e reschedule:on-node-failure`).
pub fn has_policy(labels: &BTreeMap<String, String>, env: &[String]) -> bool {
    let by_label = labels
        .get(LABEL_RESCHEDULE)
        .and_then(|v| serde_json::from_str::<Vec<String>>(v).ok())
        .is_some_and(|l| l.iter().any(|p| p == ON_NODE_FAILURE));
    by_label
        || env
            .iter()
            .any(|e| e.strip_prefix("reschedule:") == Some(ON_NODE_FAILURE))
}

/// What is kept about one container with the policy: enough to make it again on another node
/// without its engine (which may never answer again).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tracked {
    /// The `com.docker.swarm.id` label: the container's identity across copies.
    pub swarm_id: String,
    /// The node it is on.
    pub node: String,
    /// Its engine ID there.
    pub id: String,
    /// Its name, without the slash.
    pub name: String,
    /// Whether it ran when last seen.
    pub running: bool,
    /// When it last stopped (unix seconds; 0 when it never did or it is unknown).
    pub finished_at: i64,
    /// The create body: its configuration and host configuration as inspected.
    pub body: ContainerCreateBody,
}

fn unix_of(rfc3339: Option<&str>) -> i64 {
    rfc3339
        .and_then(super::model::convert::parse_rfc3339)
        .map(|t| t as i64)
        .filter(|t| *t > 0)
        .unwrap_or(0)
}

impl Tracked {
    /// The record of an inspected container of `node`, when it has the policy and a swarm ID.
    pub fn of(inspect: &ContainerInspectResponse, node: &str) -> Option<Tracked> {
        let config = inspect.config.as_ref()?;
        let labels: BTreeMap<String, String> = config
            .labels
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect();
        let env = config.env.clone().unwrap_or_default();
        if !has_policy(&labels, &env) {
            return None;
        }
        let swarm_id = labels.get(LABEL_SWARM_ID)?.clone();
        let id = inspect.id.clone().unwrap_or_default();
        let mut v = serde_json::to_value(config).ok()?;
        if let Some(o) = v.as_object_mut() {
            // The engine sets the hostname to the short ID when none was asked for: the new
            // copy gets its own.
            if o.get("Hostname")
                .and_then(|h| h.as_str())
                .is_some_and(|h| !h.is_empty() && id.starts_with(h))
            {
                o.remove("Hostname");
            }
            if let Some(hc) = &inspect.host_config {
                o.insert("HostConfig".into(), serde_json::to_value(hc).ok()?);
            }
        }
        let body: ContainerCreateBody = serde_json::from_value(v).ok()?;
        let state = inspect.state.as_ref();
        Some(Tracked {
            swarm_id,
            node: node.to_string(),
            id,
            name: inspect
                .name
                .clone()
                .unwrap_or_default()
                .trim_start_matches('/')
                .to_string(),
            running: state.and_then(|s| s.running).unwrap_or(false),
            finished_at: unix_of(state.and_then(|s| s.finished_at.as_deref())),
            body,
        })
    }

    /// The hard `node==X` constraint that pins it to its node, if it has one (a soft one,
    /// `node==~X`, lets it move).
    pub fn pinned_by(&self) -> Option<String> {
        let labels = self.body.labels.as_ref()?;
        let list: Vec<String> = serde_json::from_str(labels.get(LABEL_CONSTRAINTS)?).ok()?;
        list.iter().find_map(|text| {
            let e = Expr::parse(text).ok()?;
            (e.key() == "node" && e.op() == Op::Eq && !e.is_soft() && e.value_matches(&self.node))
                .then(|| text.clone())
        })
    }
}

/// What a health change asks of the rescheduler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// The node was declared failed (`engine_disconnect`) or left the swarm: move its
    /// containers.
    Failed(String),
    /// The node answers again (`engine_connect`, `engine_reconnect`): remove its stale copies.
    Returned(String),
}

impl Trigger {
    /// The trigger in a model change; only transitions count (a failure below the retry count
    /// is no transition, so a flapping node triggers nothing).
    pub fn of(change: &ModelChange) -> Option<Trigger> {
        match change {
            ModelChange::Health {
                node,
                transition: Some(Transition::Disconnect),
                ..
            } => Some(Trigger::Failed(node.clone())),
            ModelChange::Health {
                node,
                transition: Some(Transition::Connect | Transition::Reconnect),
                ..
            } => Some(Trigger::Returned(node.clone())),
            ModelChange::NodeRemoved(node) => Some(Trigger::Failed(node.clone())),
            _ => None,
        }
    }
}

/// What to do with one tracked container of a failed node.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Recreate it elsewhere (and start it when `start`).
    Move {
        /// The container as last known.
        tracked: Tracked,
        /// Start the new copy: it ran, or it stopped with the failure.
        start: bool,
    },
    /// A hard `node==X` constraint keeps it where it is.
    Pinned {
        /// The container.
        tracked: Tracked,
        /// The constraint as written.
        constraint: String,
    },
    /// Its owner stopped it before the failure: it stays stopped where it was.
    StoppedByOwner(Tracked),
}

/// The steps for node `failed`, which stopped answering at `failed_at` (unix seconds: when its
/// connection was first lost, or when it was declared failed): each of its tracked containers
/// whose swarm ID is not already on a Healthy node (`healthy_ids`).
pub fn plan_failure(
    failed: &str,
    tracked: &[Tracked],
    healthy_ids: &BTreeSet<String>,
    failed_at: i64,
) -> Vec<Step> {
    tracked
        .iter()
        .filter(|t| t.node == failed && !healthy_ids.contains(&t.swarm_id))
        .map(|t| {
            let stopped_with_failure = t.finished_at > 0
                && t.finished_at >= failed_at.saturating_sub(STOPPED_BY_FAILURE_GRACE_S);
            if !t.running && !stopped_with_failure {
                Step::StoppedByOwner(t.clone())
            } else if let Some(constraint) = t.pinned_by() {
                Step::Pinned {
                    tracked: t.clone(),
                    constraint,
                }
            } else {
                Step::Move {
                    tracked: t.clone(),
                    start: true,
                }
            }
        })
        .collect()
}

/// The containers of a returning node to remove: those with the policy whose swarm ID lives on
/// another Healthy node (the copy made while it was away), as (container ID, swarm ID). `others`
/// maps swarm ID → the nodes that hold it.
pub fn stale_copies(
    returned: &NodeData,
    others: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<(String, String)> {
    returned
        .containers
        .values()
        .filter_map(|c| {
            let t = Tracked::of(&c.inspect, returned.name())?;
            let elsewhere = others
                .get(&t.swarm_id)
                .is_some_and(|nodes| nodes.iter().any(|n| n != returned.name()));
            elsewhere.then(|| (t.id.clone(), t.swarm_id.clone()))
        })
        .collect()
}

/// Swarm ID → the Healthy nodes holding a container with it.
pub fn healthy_swarm_ids(nodes: &[std::sync::Arc<NodeData>]) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for n in nodes.iter().filter(|n| n.health.health == Health::Healthy) {
        for c in n.containers.values() {
            if let Some(id) = c.container.labels.get(LABEL_SWARM_ID) {
                out.entry(id.clone())
                    .or_default()
                    .insert(n.name().to_string());
            }
        }
    }
    out
}

/// The nodes a new leader treats as failed although it saw no transition: Unhealthy ones, and
/// Pending ones (never listed by this model) that failed `retry` times, when the ledger holds
/// containers for them. A node the ledger knows but the model does not (it left the swarm)
/// counts too.
pub fn missed_failures(
    nodes: &[std::sync::Arc<NodeData>],
    ledger: &[Tracked],
    retry: u32,
) -> BTreeSet<String> {
    let known: BTreeSet<&str> = ledger.iter().map(|t| t.node.as_str()).collect();
    known
        .into_iter()
        .filter(|name| match nodes.iter().find(|n| n.name() == *name) {
            None => true,
            Some(n) => match n.health.health {
                Health::Unhealthy => true,
                Health::Pending => n.health.failures >= retry.max(1),
                Health::Healthy => false,
            },
        })
        .map(str::to_string)
        .collect()
}

/// The tracked containers, kept in step with the model and persisted in the swarm's directory
/// (`reschedule.json`), keyed by node and swarm ID.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ledger {
    entries: BTreeMap<(String, String), Tracked>,
}

impl Ledger {
    /// Every record.
    pub fn all(&self) -> Vec<Tracked> {
        self.entries.values().cloned().collect()
    }

    /// Replaces what is known of one node by what the model lists for it. A node the model never
    /// listed (Pending: its engine did not answer this manager yet) keeps its persisted records:
    /// they are all that is known of it. `true` when a record changed (the ledger is worth
    /// saving).
    pub fn refresh_node(&mut self, node: &NodeData) -> bool {
        if node.facts.is_none() && node.health.health == Health::Pending {
            return false;
        }
        let name = node.name().to_string();
        let fresh: BTreeMap<(String, String), Tracked> = node
            .containers
            .values()
            .filter_map(|c| Tracked::of(&c.inspect, &name))
            .map(|t| ((name.clone(), t.swarm_id.clone()), t))
            .collect();
        let before = self.entries.len();
        let mut changed = false;
        self.entries.retain(|k, v| {
            if k.0 != name {
                return true;
            }
            let keep = fresh.get(k) == Some(v);
            changed |= !keep;
            keep
        });
        for (k, v) in fresh {
            if let std::collections::btree_map::Entry::Vacant(e) = self.entries.entry(k) {
                changed = true;
                e.insert(v);
            }
        }
        changed || before != self.entries.len()
    }

    /// Forgets one record (its container was removed).
    pub fn forget(&mut self, node: &str, swarm_id: &str) {
        self.entries
            .remove(&(node.to_string(), swarm_id.to_string()));
    }

    /// Records a container just made.
    pub fn put(&mut self, t: Tracked) {
        self.entries.insert((t.node.clone(), t.swarm_id.clone()), t);
    }

    /// The file of a swarm.
    pub fn path(store: &Store, discovery: &str) -> PathBuf {
        super::swarm_dir::swarm_dir(store, discovery).join("reschedule.json")
    }

    /// Reads the persisted ledger; a missing or unreadable file is an empty ledger (logged).
    pub fn load(store: &Store, discovery: &str) -> Ledger {
        let path = Ledger::path(store, discovery);
        let Ok(bytes) = std::fs::read(&path) else {
            return Ledger::default();
        };
        match serde_json::from_slice::<Vec<Tracked>>(&bytes) {
            Ok(list) => {
                let mut l = Ledger::default();
                for t in list {
                    l.put(t);
                }
                l
            }
            Err(e) => {
                tracing::warn!("{}: unreadable, ignored: {e}", path.display());
                Ledger::default()
            }
        }
    }

    /// Writes it, whole and atomically.
    pub fn save(&self, store: &Store, discovery: &str) -> std::io::Result<()> {
        if super::swarm_dir::ensure_swarm_dir(store, discovery).is_none() {
            return Err(std::io::Error::other("cannot create the swarm's directory"));
        }
        let json = serde_json::to_vec_pretty(&self.all()).map_err(std::io::Error::other)?;
        write_atomic(&Ledger::path(store, discovery), &json, 0o600)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::model::HealthState;
    use bollard::models::{ContainerConfig, ContainerState};
    use std::collections::HashMap;

    fn inspect(
        id: &str,
        name: &str,
        labels: &[(&str, &str)],
        running: bool,
    ) -> ContainerInspectResponse {
        ContainerInspectResponse {
            id: Some(id.into()),
            name: Some(format!("/{name}")),
            config: Some(ContainerConfig {
                image: Some("busybox".into()),
                hostname: Some(id[..4].into()),
                labels: Some(
                    labels
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect::<HashMap<_, _>>(),
                ),
                ..Default::default()
            }),
            state: Some(ContainerState {
                running: Some(running),
                finished_at: Some(if running {
                    "0001-01-01T00:00:00Z".into()
                } else {
                    "2026-01-01T00:00:00Z".into()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    const POLICY: (&str, &str) = (LABEL_RESCHEDULE, "[\"on-node-failure\"]");

    fn tracked(node: &str, sid: &str, running: bool, extra: &[(&str, &str)]) -> Tracked {
        let mut labels = vec![POLICY, (LABEL_SWARM_ID, sid)];
        labels.extend_from_slice(extra);
        Tracked::of(&inspect(&format!("{sid}cafe"), sid, &labels, running), node).expect("tracked")
    }

    #[test]
    fn the_policy_comes_from_the_label_or_the_env() {
        let l = |v: &str| BTreeMap::from([(LABEL_RESCHEDULE.to_string(), v.to_string())]);
        assert!(has_policy(&l("[\"on-node-failure\"]"), &[]));
        assert!(!has_policy(&l("[\"off\"]"), &[]));
        assert!(!has_policy(&l("not json"), &[]));
        assert!(has_policy(
            &BTreeMap::new(),
            &["A=b".into(), "reschedule:on-node-failure".into()]
        ));
        assert!(!has_policy(&BTreeMap::new(), &["reschedule:off".into()]));
    }

    #[test]
    fn a_record_keeps_the_config_and_drops_the_generated_hostname() {
        let t = tracked("n1", "abcd", true, &[]);
        assert_eq!(
            (t.node.as_str(), t.name.as_str(), t.id.as_str(), t.running),
            ("n1", "abcd", "abcdcafe", true)
        );
        assert_eq!(t.finished_at, 0);
        assert_eq!(t.body.image.as_deref(), Some("busybox"));
        assert_eq!(t.body.hostname, None);
        assert_eq!(
            t.body
                .labels
                .as_ref()
                .and_then(|l| l.get(LABEL_SWARM_ID))
                .map(String::as_str),
            Some("abcd")
        );
        // No policy, or no swarm ID: not tracked.
        assert!(Tracked::of(&inspect("x1234", "x", &[(LABEL_SWARM_ID, "x")], true), "n").is_none());
        assert!(Tracked::of(&inspect("x1234", "x", &[POLICY], true), "n").is_none());
        // It survives the ledger's JSON.
        let back: Tracked =
            serde_json::from_str(&serde_json::to_string(&t).expect("json")).expect("parse");
        assert_eq!(back, t);
    }

    #[test]
    fn a_failed_node_moves_its_containers_unless_pinned_stopped_or_already_elsewhere() {
        let at = unix_of(Some("2026-06-01T00:00:00Z"));
        let running = tracked("n1", "aaaa", true, &[]);
        let pinned = tracked("n1", "bbbb", true, &[(LABEL_CONSTRAINTS, "[\"node==n1\"]")]);
        let soft = tracked(
            "n1",
            "cccc",
            true,
            &[(LABEL_CONSTRAINTS, "[\"node==~n1\"]")],
        );
        let stopped = tracked("n1", "dddd", false, &[]);
        let mut stopped_with_it = tracked("n1", "eeee", false, &[]);
        stopped_with_it.finished_at = at - 5;
        let moved_already = tracked("n1", "ffff", true, &[]);
        let other_node = tracked("n2", "9999", true, &[]);
        let all = vec![
            running.clone(),
            pinned.clone(),
            soft.clone(),
            stopped.clone(),
            stopped_with_it.clone(),
            moved_already,
            other_node,
        ];
        let healthy = BTreeSet::from(["ffff".to_string(), "9999".to_string()]);
        let steps = plan_failure("n1", &all, &healthy, at);
        assert_eq!(
            steps,
            vec![
                Step::Move {
                    tracked: running,
                    start: true
                },
                Step::Pinned {
                    tracked: pinned,
                    constraint: "node==n1".into()
                },
                Step::Move {
                    tracked: soft,
                    start: true
                },
                Step::StoppedByOwner(stopped),
                Step::Move {
                    tracked: stopped_with_it,
                    start: true
                },
            ]
        );
        assert!(plan_failure("n3", &all, &healthy, at).is_empty());
    }

    fn node(name: &str, health: Health, containers: &[ContainerInspectResponse]) -> NodeData {
        let member = crate::cluster::members::Member {
            name: name.into(),
            addr: "tcp://10.0.0.1:2376".parse().expect("addr"),
            tls: None,
        };
        let mut n = NodeData::new(member, BTreeMap::new());
        n.health = HealthState {
            health,
            failures: 0,
            error: None,
        };
        n.facts = Some(Default::default());
        for c in containers {
            let r = crate::cluster::model::ContainerRecord::of(c.clone(), name, "10.0.0.1");
            n.containers
                .insert(r.id().to_string(), std::sync::Arc::new(r));
        }
        n
    }

    #[test]
    fn a_returning_node_loses_the_copies_that_live_elsewhere() {
        let copy = inspect(
            "aaaa1111",
            "web",
            &[POLICY, (LABEL_SWARM_ID, "aaaa")],
            false,
        );
        let alone = inspect("bbbb1111", "db", &[POLICY, (LABEL_SWARM_ID, "bbbb")], false);
        let plain = inspect("cccc1111", "x", &[(LABEL_SWARM_ID, "cccc")], false);
        let back = node("n1", Health::Healthy, &[copy, alone, plain]);
        let moved = inspect("aaaa2222", "web", &[POLICY, (LABEL_SWARM_ID, "aaaa")], true);
        let plain2 = inspect("cccc2222", "x", &[(LABEL_SWARM_ID, "cccc")], true);
        let other = node("n2", Health::Healthy, &[moved, plain2]);
        let nodes = vec![
            std::sync::Arc::new(back.clone()),
            std::sync::Arc::new(other),
        ];
        let ids = healthy_swarm_ids(&nodes);
        assert_eq!(
            stale_copies(&back, &ids),
            vec![("aaaa1111".to_string(), "aaaa".to_string())],
            "only the policy's copies, and only those living elsewhere"
        );
        // An Unhealthy holder does not count.
        let mut sick = (*nodes[1]).clone();
        sick.health.health = Health::Unhealthy;
        let ids =
            healthy_swarm_ids(&[std::sync::Arc::new(back.clone()), std::sync::Arc::new(sick)]);
        assert!(stale_copies(&back, &ids).is_empty());
    }

    #[test]
    fn only_transitions_trigger_so_a_flapping_node_moves_nothing() {
        let mut h = HealthState::default();
        h.succeeded();
        let mut triggers = Vec::new();
        // Down and up again within the retry count (3), twice.
        for outcome in [Err("x"), Err("x"), Ok(()), Err("x"), Err("x"), Ok(())] {
            let t = match outcome {
                Ok(()) => h.succeeded(),
                Err(e) => h.failed(e, 3),
            };
            let change = ModelChange::Health {
                node: "n1".into(),
                health: h.health,
                transition: t,
                error: None,
            };
            triggers.extend(Trigger::of(&change));
        }
        assert!(triggers.is_empty(), "{triggers:?}");
        // Past the retry count: one failure, then one return.
        for outcome in [Err("x"), Err("x"), Err("x"), Err("x"), Ok(())] {
            let t = match outcome {
                Ok(()) => h.succeeded(),
                Err(e) => h.failed(e, 3),
            };
            triggers.extend(Trigger::of(&ModelChange::Health {
                node: "n1".into(),
                health: h.health,
                transition: t,
                error: None,
            }));
        }
        assert_eq!(
            triggers,
            vec![Trigger::Failed("n1".into()), Trigger::Returned("n1".into())]
        );
        assert_eq!(
            Trigger::of(&ModelChange::NodeRemoved("n2".into())),
            Some(Trigger::Failed("n2".into()))
        );
        assert_eq!(Trigger::of(&ModelChange::NodeAdded("n2".into())), None);
    }

    #[test]
    fn the_ledger_keeps_what_a_never_listed_node_had_and_finds_missed_failures() {
        let mut ledger = Ledger::default();
        let a = inspect("aaaa1111", "web", &[POLICY, (LABEL_SWARM_ID, "aaaa")], true);
        let n1 = node("n1", Health::Healthy, &[a]);
        assert!(ledger.refresh_node(&n1));
        assert!(!ledger.refresh_node(&n1), "no change, no write");
        assert_eq!(ledger.all().len(), 1);
        // A new manager: the node is Pending, never listed; the record stays.
        let mut fresh = NodeData::new(n1.member.clone(), BTreeMap::new());
        assert!(!ledger.refresh_node(&fresh));
        assert_eq!(ledger.all().len(), 1);
        fresh.health.failures = 3;
        let nodes = vec![std::sync::Arc::new(fresh.clone())];
        assert_eq!(
            missed_failures(&nodes, &ledger.all(), 3),
            BTreeSet::from(["n1".to_string()])
        );
        fresh.health.failures = 2;
        assert!(missed_failures(&[std::sync::Arc::new(fresh)], &ledger.all(), 3).is_empty());
        assert_eq!(
            missed_failures(&[], &ledger.all(), 3),
            BTreeSet::from(["n1".to_string()]),
            "a node gone from the swarm counts"
        );
        // Listed again without the container: forgotten.
        assert!(ledger.refresh_node(&node("n1", Health::Healthy, &[])));
        assert!(ledger.all().is_empty());
    }

    #[test]
    fn the_ledger_round_trips_through_the_swarm_dir() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::new(dir.path());
        let mut ledger = Ledger::default();
        ledger.put(tracked("n1", "aaaa", true, &[]));
        ledger.save(&store, "token://x").expect("save");
        assert_eq!(Ledger::load(&store, "token://x"), ledger);
        assert_eq!(Ledger::load(&store, "token://y"), Ledger::default());
        std::fs::write(Ledger::path(&store, "token://x"), "{").expect("write");
        assert_eq!(Ledger::load(&store, "token://x"), Ledger::default());
    }
}
