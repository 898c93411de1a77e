//! Per-node lookup tables for long plans.
//!
//! [`plan_sequence`](super::plan_sequence) decides thousands of requests against the same, growing
//! state; scanning every container of every node for each `--link` or `affinity:container==name`
//! would cost O(containers) per decision. These tables answer the exact-name and ID questions in
//! O(log n) per node and are updated as containers are placed. They give the same answers as the
//! scans in [`filter::dependency`](super::filter::dependency) and
//! [`filter::affinity`](super::filter::affinity) (a property test checks it).

use std::collections::{BTreeMap, HashMap};

use crate::cluster::state::{Container, Node};

const SWARM_ID: &str = "com.docker.swarm.id";

/// Names and IDs of the containers of one node.
#[derive(Debug, Clone, Default)]
pub(crate) struct NodeIndex {
    /// Container names without leading `/`, with how many containers bear each.
    names: HashMap<String, u32>,
    /// Container IDs and swarm IDs (non-empty), with how many containers bear each.
    ids: BTreeMap<String, u32>,
    /// IDs of the containers that have a name (the `container` affinity candidates).
    named_ids: HashMap<String, u32>,
}

impl NodeIndex {
    pub(crate) fn of(node: &Node) -> NodeIndex {
        let mut idx = NodeIndex::default();
        for c in &node.containers {
            idx.add(c);
        }
        idx
    }

    pub(crate) fn add(&mut self, c: &Container) {
        let name = c.name.trim_start_matches('/');
        if !c.name.is_empty() {
            *self.names.entry(name.to_string()).or_default() += 1;
            if !c.id.is_empty() {
                *self.named_ids.entry(c.id.clone()).or_default() += 1;
            }
        }
        if !c.id.is_empty() {
            *self.ids.entry(c.id.clone()).or_default() += 1;
        }
        if let Some(s) = c.labels.get(SWARM_ID).filter(|s| !s.is_empty()) {
            *self.ids.entry(s.clone()).or_default() += 1;
        }
    }

    /// Whether a container name (without `/`) or a named container's ID equals `value`.
    pub(crate) fn has_name_or_named_id(&self, value: &str) -> bool {
        self.names.contains_key(value) || self.named_ids.contains_key(value)
    }

    /// Same answer as [`filter::dependency::holds`](super::filter::dependency::holds) for a
    /// `what` whose node prefix was already stripped into `name`.
    pub(crate) fn holds(&self, what: &str, name: &str) -> bool {
        if what.is_empty() {
            return false;
        }
        if self.ids.contains_key(what) {
            return true;
        }
        let mut with_prefix = self
            .ids
            .range::<str, _>((std::ops::Bound::Excluded(what), std::ops::Bound::Unbounded))
            .take_while(|(id, _)| id.starts_with(what));
        if what.len() == 12 && with_prefix.next().is_some() {
            return true;
        }
        match self.names.get(name).copied().unwrap_or(0) {
            0 => {}
            1 => return true,
            _ => return false,
        }
        let prefixed: u32 = self
            .ids
            .range::<str, _>((std::ops::Bound::Excluded(what), std::ops::Bound::Unbounded))
            .take_while(|(id, _)| id.starts_with(what))
            .map(|(_, n)| *n)
            .sum();
        prefixed == 1
    }
}
