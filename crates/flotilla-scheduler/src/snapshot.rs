//! A cluster state prepared for many decisions.
//!
//! A one-off decision ([`schedule`](super::schedule)) has to look at every container the filters
//! ask about: a `--link` or an `affinity:container==name` reads every container record of every
//! node, and a reservation sums them. That is O(containers) per decision, and at 30,000 containers
//! it is memory traffic, not computation. A [`Snapshot`] pays that once: it owns the state (so its
//! tables cannot go stale behind its back) and keeps, per node, the reservation sums, the rank of
//! the node's name and the name/ID lookup tables. Decisions against it read only what they need;
//! [`Snapshot::plan`] places a container and updates the tables in the same step, which is how
//! `flotilla plan --requests` decides a long list and how a long-lived manager would decide.

use std::fmt;

use serde_json::Value;

use super::index::{NodeIndex, Owners};
use super::request::Prepared;
use super::strategy::Usage;
use super::{
    CreateRequest, Decision, Options, PassOutcome, PlanResult, ScheduleError, View, decide,
    name_conflict, planned_container, pulled_tag,
};
use crate::state::{ClusterState, Container, Image, Node};

/// Per-node tables derived from the state; index `i` describes `state.nodes[i]`.
#[derive(Debug, Clone)]
pub(crate) struct Tables {
    /// Capacity (without overcommit) and reservation sums of every container, any state.
    pub(crate) usage: Vec<Usage>,
    /// Position of the node's name in ascending name order.
    pub(crate) name_rank: Vec<usize>,
    /// Names and IDs of the node's containers.
    pub(crate) index: Vec<NodeIndex>,
    /// Which nodes hold which names and IDs, across the cluster.
    pub(crate) owners: Owners,
}

impl Tables {
    pub(crate) fn of(state: &ClusterState) -> Tables {
        Tables {
            usage: state.nodes.iter().map(|n| Usage::of(n, 0.0)).collect(),
            name_rank: name_ranks(state),
            index: state.nodes.iter().map(NodeIndex::of).collect(),
            owners: Owners::of(&state.nodes),
        }
    }
}

/// The rank of each node's name in ascending name order.
fn name_ranks(state: &ClusterState) -> Vec<usize> {
    let mut order: Vec<usize> = (0..state.nodes.len()).collect();
    order.sort_by(|&a, &b| state.nodes[a].name.cmp(&state.nodes[b].name));
    let mut name_rank = vec![0; order.len()];
    for (rank, &i) in order.iter().enumerate() {
        name_rank[i] = rank;
    }
    name_rank
}

/// A [`ClusterState`] with the lookup tables that make each decision independent of the number of
/// containers. Built in one pass over the state; read-only access to the state keeps the tables
/// true.
#[derive(Debug, Clone)]
pub struct Snapshot {
    state: ClusterState,
    tables: Tables,
}

impl Snapshot {
    /// Prepare a state for decisions (one pass over every container).
    pub fn new(state: ClusterState) -> Snapshot {
        let tables = Tables::of(&state);
        Snapshot { state, tables }
    }

    /// Make room in the tables for `additional` more containers, so that a long plan does not stop
    /// to grow them (rehashing tens of thousands of names takes tens of milliseconds).
    pub fn reserve(&mut self, additional: usize) {
        self.tables.owners.reserve(additional);
    }

    /// The state, including every container placed by [`Snapshot::plan`].
    pub fn state(&self) -> &ClusterState {
        &self.state
    }

    /// Give the state back.
    pub fn into_state(self) -> ClusterState {
        self.state
    }

    /// Change node `i` in place (its containers, images, labels, health, capacity) and bring the
    /// tables in step with it: the node's old keys are taken out of the cluster-wide tables and
    /// its new ones put in, its usage and per-node index recomputed. The cost is that of the one
    /// node's containers, not of the cluster's: what a long-lived model calls for every change an
    /// engine reports, so a decision never waits for a rebuild.
    ///
    /// # Panics
    ///
    /// When `i` is not a node of the snapshot.
    pub fn update_node(&mut self, i: usize, change: impl FnOnce(&mut Node)) {
        let old_name = self.state.nodes[i].name.clone();
        self.tables.owners.remove_node(i, &self.state.nodes[i]);
        change(&mut self.state.nodes[i]);
        let node = &self.state.nodes[i];
        self.tables.owners.add_node(i, node);
        self.tables.usage[i] = Usage::of(node, 0.0);
        self.tables.index[i] = NodeIndex::of(node);
        if node.name != old_name {
            self.tables.name_rank = name_ranks(&self.state);
        }
    }

    /// Replace node `i` by `node` ([`Snapshot::update_node`]).
    pub fn replace_node(&mut self, i: usize, node: Node) {
        self.update_node(i, |n| *n = node);
    }

    /// Add or replace (same non-empty ID) a container of node `i`.
    pub fn upsert_container(&mut self, i: usize, container: Container) {
        self.update_node(i, |n| {
            match n
                .containers
                .iter_mut()
                .find(|c| !c.id.is_empty() && c.id == container.id)
            {
                Some(c) => *c = container,
                None => n.containers.push(container),
            }
        });
    }

    /// Remove the containers of node `i` with ID `id`; true when one was there.
    pub fn remove_container(&mut self, i: usize, id: &str) -> bool {
        let mut found = false;
        self.update_node(i, |n| {
            let before = n.containers.len();
            n.containers.retain(|c| c.id != id);
            found = n.containers.len() != before;
        });
        found
    }

    /// Add a node at the end (index `self.state().nodes.len()` before the call); its tables are
    /// added, only the name order is recomputed.
    pub fn push_node(&mut self, node: Node) -> usize {
        let i = self.state.nodes.len();
        self.tables.usage.push(Usage::of(&node, 0.0));
        self.tables.index.push(NodeIndex::of(&node));
        self.tables.owners.add_node(i, &node);
        self.state.nodes.push(node);
        self.tables.name_rank = name_ranks(&self.state);
        i
    }

    /// Remove node `i`; the nodes after it move down by one. The tables are rebuilt (membership
    /// changes are rare; every other change is incremental).
    pub fn remove_node(&mut self, i: usize) -> Node {
        let node = self.state.nodes.remove(i);
        self.tables = Tables::of(&self.state);
        node
    }

    /// Whether some container of the snapshot is named `name` (without `/`).
    pub fn has_name(&self, name: &str) -> bool {
        self.tables.owners.has_name(name.trim_start_matches('/'))
    }

    /// Whether some container of the snapshot has the ID or swarm ID `id`.
    pub fn has_id(&self, id: &str) -> bool {
        self.tables.owners.has_id(id)
    }

    /// Set the ranking strategy (the swarm's, as its master says).
    pub fn set_strategy(&mut self, strategy: crate::state::Strategy) {
        self.state.strategy = strategy;
    }

    fn view(&self, opts: &Options) -> View<'_> {
        View {
            overcommit: opts.overcommit,
            tables: Some(&self.tables),
        }
    }

    /// Decide where one container goes; the same answer as [`schedule`](super::schedule) on
    /// [`Snapshot::state`].
    pub fn schedule(&self, req: &CreateRequest, opts: &Options) -> Result<Decision, ScheduleError> {
        opts.validate()?;
        self.schedule_prepared(&req.prepare()?, opts)
    }

    /// [`Snapshot::schedule`] for a request already prepared.
    pub fn schedule_prepared(
        &self,
        req: &Prepared,
        opts: &Options,
    ) -> Result<Decision, ScheduleError> {
        opts.validate()?;
        let view = self.view(opts);
        let outcome = decide(&self.state, &view, req, opts)?;
        Ok(Decision {
            node: self.state.nodes[outcome.chosen].name.clone(),
            candidates: view.sorted_names(&self.state, &outcome.alive),
        })
    }

    /// Decide one request of a plan (a create body with its `Name`) and, when it is placed, add the
    /// container to the state as `pending` (with its reservations, ports and labels, and its image
    /// on the node) before the next decision. A request that cannot be decided for any reason gets
    /// a result with `node: null` and the error.
    pub fn plan(&mut self, value: Value, opts: &Options) -> PlanResult {
        match self.plan_step(value, opts) {
            Err((name, error)) => PlanResult::failed(name, error),
            Ok((prepared, outcome)) => {
                let candidates = self.view(opts).sorted_names(&self.state, &outcome.alive);
                let node = self.place(outcome.chosen, &prepared);
                PlanResult {
                    name: prepared.name,
                    node: Some(node),
                    candidates,
                    error: None,
                }
            }
        }
    }

    /// Deserialize, prepare, check the name, decide.
    fn plan_step(
        &self,
        value: Value,
        opts: &Options,
    ) -> Result<(Prepared, PassOutcome), (String, String)> {
        let name = value
            .get("Name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim_start_matches('/')
            .to_string();
        let fail = |e: &dyn fmt::Display| (name.clone(), e.to_string());
        opts.validate().map_err(|e| fail(&e))?;
        let req = CreateRequest::from_value(value).map_err(|e| fail(&e))?;
        let prepared = req.prepare().map_err(|e| fail(&e))?;
        if !prepared.name.is_empty() && self.tables.owners.has_name(&prepared.name) {
            return Err(fail(&name_conflict(&prepared.name)));
        }
        let outcome =
            decide(&self.state, &self.view(opts), &prepared, opts).map_err(|e| fail(&e))?;
        Ok((prepared, outcome))
    }

    /// Add the container a request becomes to node `i` and to every table; returns the node's name.
    fn place(&mut self, i: usize, prepared: &Prepared) -> String {
        let container = planned_container(prepared);
        self.tables.usage[i].add(prepared.nano_cpus, prepared.memory);
        self.tables.index[i].add(&container);
        self.tables.owners.add(i, &container);
        let node = &mut self.state.nodes[i];
        if !prepared.image.is_empty() {
            let tag = pulled_tag(&prepared.image);
            if !node.images.iter().any(|im| im.tags.contains(&tag)) {
                node.images.push(Image {
                    id: String::new(),
                    tags: vec![tag],
                });
            }
        }
        node.containers.push(container);
        node.name.clone()
    }
}
