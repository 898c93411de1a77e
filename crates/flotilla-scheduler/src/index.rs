//! Lookup tables of a [`Snapshot`](super::Snapshot): per node ([`NodeIndex`]) and across the
//! cluster ([`Owners`]).
//!
//! Without them a `--link`, a `container` affinity or a published port costs a scan of every
//! container of every node, per decision: at 30,000 containers that is milliseconds of memory
//! traffic. The cluster-wide tables say at once which few nodes can hold a container or a port
//! (or decide a rule outright), and the per-node tables answer the exact name and ID questions on
//! those. Both are updated as a plan places containers. They give the same answers as the scans
//! in [`filter::dependency`](super::filter::dependency), [`filter::affinity`](super::filter::affinity)
//! and [`filter::port`](super::filter::port); property tests check it.

use std::collections::{BTreeMap, HashMap};

use memchr::memmem::Finder;

use super::expr::Expr;
use crate::request::normalize_port_key;
use crate::state::{Container, Node};

const SWARM_ID: &str = "com.docker.swarm.id";

/// The container's name without its leading `/`s.
fn trimmed_name(c: &Container) -> &str {
    c.name.trim_start_matches('/')
}

/// The container's non-empty ID and swarm ID.
fn ids(c: &Container) -> impl Iterator<Item = &str> {
    [
        Some(c.id.as_str()),
        c.labels.get(SWARM_ID).map(String::as_str),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
}

/// Across the cluster, which nodes hold which container names, IDs and ports: a `--link db` asks
/// each node's [`NodeIndex`] only on the few nodes that can hold `db`, a `-p 80:80` checks only
/// the nodes where something publishes port 80, and a `container` affinity is decided for every
/// node with one lookup or one search.
#[derive(Debug, Clone, Default)]
pub(crate) struct Owners {
    /// Container names without leading `/` → the nodes (ascending, no repeats) with such a container.
    names: HashMap<String, Vec<usize>>,
    /// Container IDs and swarm IDs → the nodes with such a container.
    ids: BTreeMap<String, Vec<usize>>,
    /// Node names and engine IDs → the nodes so named (`<node>/name` references).
    nodes: HashMap<String, Vec<usize>>,
    /// Published host ports (non-zero) → the nodes with a container publishing them (any IP).
    published: BTreeMap<u16, Vec<usize>>,
    /// Exposed ports (normalised, `80/tcp`) of host-mode containers → their nodes.
    host_exposed: HashMap<String, Vec<usize>>,
    /// What `affinity:container==…` is matched against: the ID and the name (without `/`) of
    /// every named container, for exact values …
    affinity_exact: HashMap<String, Vec<usize>>,
    /// … and laid end to end for globs and regexes.
    affinity_keys: Keys,
}

/// Strings laid end to end in one buffer, each with the node it belongs to, so a pattern can be
/// searched in all of them at once instead of one heap string at a time.
#[derive(Debug, Clone, Default)]
struct Keys {
    buf: String,
    /// End of each string in `buf`; string `k` starts where string `k - 1` ends.
    ends: Vec<usize>,
    /// The node of each string; [`DEAD`] for a string whose container was removed (left in the
    /// buffer until more than half of it is dead, then the buffer is rebuilt).
    nodes: Vec<usize>,
    /// How many strings are dead.
    dead: usize,
}

/// The node of a removed string in [`Keys`].
const DEAD: usize = usize::MAX;

impl Keys {
    /// Append a string of node `i`; empty strings are never candidates and are left out.
    fn push(&mut self, s: &str, i: usize) {
        if !s.is_empty() {
            self.buf.push_str(s);
            self.ends.push(self.buf.len());
            self.nodes.push(i);
        }
    }

    /// Forget every string of node `i` (they are re-added from the node's containers).
    fn remove_node(&mut self, i: usize) {
        for n in self.nodes.iter_mut().filter(|n| **n == i) {
            *n = DEAD;
            self.dead += 1;
        }
        if self.dead > 0 && self.dead * 2 > self.nodes.len() {
            let mut next = Keys::default();
            for k in 0..self.nodes.len() {
                if self.nodes[k] != DEAD {
                    next.push(self.get(k), self.nodes[k]);
                }
            }
            *self = next;
        }
    }

    fn get(&self, k: usize) -> &str {
        let start = if k == 0 { 0 } else { self.ends[k - 1] };
        &self.buf[start..self.ends[k]]
    }

    /// Mark the node of every string the expression's value matches. With a text that every
    /// match contains, only the strings where that text occurs are tested: the buffer is searched
    /// once, each hit is tested against its whole string, and the search resumes after that string
    /// (a hit across two strings is tested against the first and fails there, so none is missed).
    fn mark_matching(&self, expr: &Expr, marks: &mut [bool]) {
        let mut test = |k: usize| {
            let node = self.nodes[k];
            if node != DEAD && !marks[node] && expr.value_matches(self.get(k)) {
                marks[node] = true;
            }
        };
        let Some(text) = expr.required_text() else {
            (0..self.ends.len()).for_each(test);
            return;
        };
        let finder = Finder::new(text.as_bytes());
        let buf = self.buf.as_bytes();
        let mut pos = 0;
        while let Some(at) = finder.find(&buf[pos..]) {
            let k = self.ends.partition_point(|&end| end <= pos + at);
            test(k);
            pos = self.ends[k];
        }
    }
}

/// Add node `i` to a sorted list of nodes, once.
fn insert(v: &mut Vec<usize>, i: usize) {
    if let Err(at) = v.binary_search(&i) {
        v.insert(at, i);
    }
}

/// The two map kinds of [`Owners`]: take node `i` out of the list under `key`, dropping the key
/// when no node is left.
trait Lists {
    fn remove_from(&mut self, key: &str, i: usize);
}

impl Lists for HashMap<String, Vec<usize>> {
    fn remove_from(&mut self, key: &str, i: usize) {
        if let Some(v) = self.get_mut(key) {
            v.retain(|&n| n != i);
            if v.is_empty() {
                self.remove(key);
            }
        }
    }
}

impl Lists for BTreeMap<String, Vec<usize>> {
    fn remove_from(&mut self, key: &str, i: usize) {
        if let Some(v) = self.get_mut(key) {
            v.retain(|&n| n != i);
            if v.is_empty() {
                self.remove(key);
            }
        }
    }
}

impl Owners {
    pub(crate) fn of(nodes: &[Node]) -> Owners {
        let mut o = Owners::default();
        for (i, n) in nodes.iter().enumerate() {
            o.add_node(i, n);
        }
        o
    }

    /// Record node `i` and every container of it.
    pub(crate) fn add_node(&mut self, i: usize, n: &Node) {
        for key in [&n.name, &n.id].into_iter().filter(|k| !k.is_empty()) {
            insert(self.nodes.entry(key.clone()).or_default(), i);
        }
        for c in &n.containers {
            self.add(i, c);
        }
    }

    /// Forget node `i` as `n` described it: every key its name, ID and containers gave it. The
    /// lists are sets of nodes, so taking `i` out of each key the node had and adding the node
    /// again as it is now ([`Owners::add_node`]) gives exactly the tables of the new state.
    pub(crate) fn remove_node(&mut self, i: usize, n: &Node) {
        for key in [&n.name, &n.id].into_iter().filter(|k| !k.is_empty()) {
            self.nodes.remove_from(key, i);
        }
        for c in &n.containers {
            if !c.name.is_empty() {
                self.names.remove_from(trimmed_name(c), i);
                for key in [c.id.as_str(), trimmed_name(c)] {
                    if !key.is_empty() {
                        self.affinity_exact.remove_from(key, i);
                    }
                }
            }
            for id in ids(c) {
                self.ids.remove_from(id, i);
            }
            for p in c.ports.iter().filter(|p| p.host_port != 0) {
                if let Some(v) = self.published.get_mut(&p.host_port) {
                    v.retain(|&n| n != i);
                    if v.is_empty() {
                        self.published.remove(&p.host_port);
                    }
                }
            }
            if c.network_mode == "host" {
                for p in &c.exposed_ports {
                    self.host_exposed.remove_from(&normalize_port_key(p), i);
                }
            }
        }
        self.affinity_keys.remove_node(i);
    }

    /// Record a container of node `i`.
    pub(crate) fn add(&mut self, i: usize, c: &Container) {
        if !c.name.is_empty() {
            insert(
                self.names.entry(trimmed_name(c).to_string()).or_default(),
                i,
            );
            for key in [c.id.as_str(), trimmed_name(c)] {
                if !key.is_empty() {
                    insert(self.affinity_exact.entry(key.to_string()).or_default(), i);
                    self.affinity_keys.push(key, i);
                }
            }
        }
        for id in ids(c) {
            insert(self.ids.entry(id.to_string()).or_default(), i);
        }
        for p in c.ports.iter().filter(|p| p.host_port != 0) {
            insert(self.published.entry(p.host_port).or_default(), i);
        }
        if c.network_mode == "host" {
            for p in &c.exposed_ports {
                insert(
                    self.host_exposed.entry(normalize_port_key(p)).or_default(),
                    i,
                );
            }
        }
    }

    /// Whether some container of the cluster is named `name` (without `/`).
    pub(crate) fn has_name(&self, name: &str) -> bool {
        self.names.contains_key(name)
    }

    /// Whether some container of the cluster has the ID or swarm ID `id`.
    pub(crate) fn has_id(&self, id: &str) -> bool {
        !id.is_empty() && self.ids.contains_key(id)
    }

    /// Room for `additional` more containers in the tables keyed by name (see
    /// [`Snapshot::reserve`](super::Snapshot::reserve)).
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.names.reserve(additional);
        self.affinity_exact.reserve(additional);
    }

    /// Mark every node with a host-mode container exposing `port` (normalised): exactly the nodes
    /// the host-mode port check rejects for it.
    pub(crate) fn mark_host_mode_exposing(&self, port: &str, marks: &mut [bool]) {
        for &i in self.host_exposed.get(port).into_iter().flatten() {
            marks[i] = true;
        }
    }

    /// Mark every node where some container publishes a host port in `lo..=hi` (on any
    /// interface): the only nodes where a bridge-mode binding of those ports can conflict.
    pub(crate) fn mark_publishing(&self, lo: u16, hi: u16, marks: &mut [bool]) {
        for (_, nodes) in self.published.range(lo..=hi) {
            for &i in nodes {
                marks[i] = true;
            }
        }
    }

    /// Mark every node with a named container whose ID or name (without `/`) the value of a
    /// `container` affinity matches: the same answer, node by node, as evaluating it over the
    /// node's containers.
    pub(crate) fn mark_container_matches(&self, expr: &Expr, marks: &mut [bool]) {
        match expr.exact_value() {
            Some(v) => {
                for &i in self.affinity_exact.get(v).into_iter().flatten() {
                    marks[i] = true;
                }
            }
            None => self.affinity_keys.mark_matching(expr, marks),
        }
    }

    /// Mark every node that may hold the container `what` names: a container named `what` (without
    /// leading `/`s), an ID or swarm ID starting with `what`, or a node whose name or ID prefixes
    /// `what` as `<node>/…`. A superset of the nodes where
    /// [`dependency::holds`](super::filter::dependency::holds) is true, which still decides.
    pub(crate) fn mark_candidates(&self, what: &str, marks: &mut [bool]) {
        if what.is_empty() {
            return;
        }
        let mut mark = |v: &Vec<usize>| {
            for &i in v {
                marks[i] = true;
            }
        };
        let name = what.trim_start_matches('/');
        if let Some(v) = self.names.get(name) {
            mark(v);
        }
        for (k, _) in name.match_indices('/') {
            if let Some(v) = self.nodes.get(&name[..k]) {
                mark(v);
            }
        }
        for (_, v) in self
            .ids
            .range::<str, _>((std::ops::Bound::Included(what), std::ops::Bound::Unbounded))
            .take_while(|(id, _)| id.starts_with(what))
        {
            mark(v);
        }
    }
}

/// Names and IDs of the containers of one node.
#[derive(Debug, Clone, Default)]
pub(crate) struct NodeIndex {
    /// Container names without leading `/`, with how many containers bear each.
    names: HashMap<String, u32>,
    /// Container IDs and swarm IDs (non-empty), with how many containers bear each.
    ids: BTreeMap<String, u32>,
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
        if !c.name.is_empty() {
            *self.names.entry(trimmed_name(c).to_string()).or_default() += 1;
        }
        for id in ids(c) {
            *self.ids.entry(id.to_string()).or_default() += 1;
        }
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

#[cfg(test)]
mod tests {
    use super::Keys;
    use crate::expr::Expr;

    fn marked(keys: &[(&str, usize)], rule: &str, nodes: usize) -> Vec<bool> {
        let mut k = Keys::default();
        for (s, i) in keys {
            k.push(s, *i);
        }
        let mut marks = vec![false; nodes];
        k.mark_matching(&Expr::parse(rule).unwrap(), &mut marks);
        marks
    }

    #[test]
    fn a_hit_across_two_strings_does_not_hide_one_inside_the_next() {
        // The buffer is "aaa": the first hit of "aa" starts in "a" and runs into "aa".
        assert_eq!(
            marked(&[("a", 0), ("aa", 1)], "container==*aa*", 2),
            [false, true]
        );
        assert_eq!(
            marked(&[("xa", 0), ("ay", 1), ("zay", 2)], "container==*ay", 3),
            [false, true, true]
        );
        // No text to search for: every string is tested.
        assert_eq!(
            marked(&[("web", 0), ("db", 1)], "container==/^w/", 2),
            [true, false]
        );
        assert_eq!(
            marked(&[("", 0), ("db", 1)], "container==*", 2),
            [false, true]
        );
    }
}
