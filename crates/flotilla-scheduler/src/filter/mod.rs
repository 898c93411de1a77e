//! The filters, one module each, applied in classic Swarm's default order:
//! health, port, containerslots, dependency, affinity, constraint, whitelist.
//!
//! Every filter is a per-node predicate: whether a node passes does not depend on the other nodes.
//! Upstream narrowed the node list expression by expression and failed at the first empty list; with
//! per-node predicates the set of survivors and the failing filter are the same, and the same
//! predicate can explain, node by node, why it was rejected (`run --explain`).

pub mod affinity;
pub mod constraint;
pub mod containerslots;
pub mod dependency;
pub mod health;
pub mod port;
pub mod whitelist;

use std::collections::BTreeMap;
use std::fmt;

use crate::expr::Expr;
use crate::index::NodeIndex;
use crate::request::{Binding, Prepared};
use crate::state::Node;

/// One filter of the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FilterKind {
    /// Drop unhealthy nodes.
    Health,
    /// Drop nodes where a requested host port is taken.
    Port,
    /// Drop nodes whose `containerslots` label is used up.
    ContainerSlots,
    /// Keep nodes holding every linked / volumes-from / `container:` network container.
    Dependency,
    /// `affinity:` expressions over containers, images and container labels.
    Affinity,
    /// `constraint:` expressions over node name/ID and node labels.
    Constraint,
    /// `whitelist:` node-name lists.
    Whitelist,
}

/// Classic Swarm's default filter chain, in order.
pub const DEFAULT_FILTERS: [FilterKind; 7] = [
    FilterKind::Health,
    FilterKind::Port,
    FilterKind::ContainerSlots,
    FilterKind::Dependency,
    FilterKind::Affinity,
    FilterKind::Constraint,
    FilterKind::Whitelist,
];

/// A filter name that is not one of the seven.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("filter not supported: '{0}'")]
pub struct UnknownFilter(pub String);

impl std::str::FromStr for FilterKind {
    type Err = UnknownFilter;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DEFAULT_FILTERS
            .iter()
            .copied()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownFilter(s.to_string()))
    }
}

impl FilterKind {
    /// The name used by `--filter` and in `docker info`.
    pub fn name(self) -> &'static str {
        match self {
            FilterKind::Health => "health",
            FilterKind::Port => "port",
            FilterKind::ContainerSlots => "containerslots",
            FilterKind::Dependency => "dependency",
            FilterKind::Affinity => "affinity",
            FilterKind::Constraint => "constraint",
            FilterKind::Whitelist => "whitelist",
        }
    }

    /// What the filter requires of this request, one entry per rule: upstream's `GetFilters`,
    /// printed as one `[a b]` line of the "Unable to find a node…" error.
    pub fn lines(self, req: &Prepared) -> Vec<String> {
        match self {
            FilterKind::Health => Vec::new(),
            FilterKind::Port => port::lines(req),
            FilterKind::ContainerSlots => vec!["available container slots".to_string()],
            FilterKind::Dependency => dependency::lines(req),
            FilterKind::Affinity => req
                .affinities
                .iter()
                .map(Expr::describe_with_softness)
                .collect(),
            FilterKind::Constraint => req.constraints.iter().map(Expr::describe).collect(),
            FilterKind::Whitelist => req
                .whitelists
                .iter()
                .map(Expr::describe_with_softness)
                .collect(),
        }
    }

    /// Whether the filter has nothing to check for this request (every node passes), so the
    /// pipeline can skip it.
    pub(crate) fn is_noop(self, req: &Prepared, soft: bool) -> bool {
        let exprs_noop = |list: &[Expr]| list.iter().all(|e| !soft && e.is_soft());
        match self {
            FilterKind::Health | FilterKind::ContainerSlots => false,
            FilterKind::Port => {
                if req.host_mode() {
                    req.exposed_ports.is_empty()
                } else {
                    req.bindings.iter().all(|b| b.host_ports.is_none())
                }
            }
            FilterKind::Dependency => {
                req.links.is_empty() && req.volumes_from.is_empty() && req.net_container().is_none()
            }
            FilterKind::Affinity => exprs_noop(&req.affinities),
            FilterKind::Constraint => exprs_noop(&req.constraints),
            FilterKind::Whitelist => exprs_noop(&req.whitelists),
        }
    }

    /// Check one node: `None` when it passes, otherwise why it is rejected. In the fallback pass
    /// (`soft == false`) soft rules are skipped.
    pub fn check<'a>(self, req: &'a Prepared, node: &'a Node, soft: bool) -> Option<Reject<'a>> {
        match self {
            FilterKind::Health => health::check(node),
            FilterKind::Port => port::check(req, node),
            FilterKind::ContainerSlots => containerslots::check(node),
            FilterKind::Dependency => dependency::check(req, node),
            FilterKind::Affinity => affinity::check(req, node, soft),
            FilterKind::Constraint => constraint::check(req, node, soft),
            FilterKind::Whitelist => whitelist::check(req, node, soft),
        }
    }
}

impl FilterKind {
    /// [`FilterKind::check`] using the node's lookup tables where a filter can.
    pub(crate) fn check_indexed<'a>(
        self,
        req: &'a Prepared,
        node: &'a Node,
        idx: Option<&NodeIndex>,
        soft: bool,
    ) -> Option<Reject<'a>> {
        match (self, idx) {
            (FilterKind::Dependency, Some(idx)) => dependency::check_indexed(req, node, idx),
            (FilterKind::Affinity, Some(_)) => affinity::check_indexed(req, node, soft),
            _ => self.check(req, node, soft),
        }
    }
}

impl fmt::Display for FilterKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a filter rejected a node; borrowed from the request and the node, so rejecting costs no
/// allocation on the hot path. `Display` gives the sentence `run --explain` shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Reject<'a> {
    /// The node is not healthy.
    Unhealthy {
        /// The node's last error, if known.
        error: Option<&'a str>,
    },
    /// A requested host port is bound by a container of the node (bridge mode).
    PortBridge {
        /// The requested binding.
        binding: &'a Binding,
        /// Name (or ID) of the container holding it.
        holder: &'a str,
    },
    /// A requested port is exposed by a host-mode container of the node.
    PortHost {
        /// The port key (`80/tcp`).
        port: &'a str,
        /// Name (or ID) of the container exposing it.
        holder: &'a str,
    },
    /// The node's `containerslots` are all used.
    NoSlots {
        /// The label value.
        slots: i64,
        /// Containers on the node, in any state.
        containers: usize,
    },
    /// A dependency is not on the node.
    Dependency {
        /// `--volumes-from`, `--link` or `--net`.
        flag: &'static str,
        /// The entry as written.
        entry: &'a str,
    },
    /// An expression does not hold on the node.
    Expr {
        /// `affinity`, `constraint` or `whitelist`.
        kind: &'static str,
        /// The expression.
        expr: &'a Expr,
    },
}

impl fmt::Display for Reject<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reject::Unhealthy { error: Some(e) } => write!(f, "node is unhealthy: {e}"),
            Reject::Unhealthy { error: None } => write!(f, "node is unhealthy"),
            Reject::PortBridge { binding, holder } => write!(
                f,
                "host port {} is already bound by container {holder}",
                binding.raw_host_port
            ),
            Reject::PortHost { port, holder } => write!(
                f,
                "port {port} is already exposed in host mode by container {holder}"
            ),
            Reject::NoSlots { slots, containers } => write!(
                f,
                "no open container slot (containerslots={slots}, {containers} containers)"
            ),
            Reject::Dependency { flag, entry } => {
                write!(f, "{flag}={entry}: no such container on this node")
            }
            Reject::Expr { kind, expr } => write!(f, "{kind} {expr} does not hold"),
        }
    }
}

/// A label's value, `""` when missing. Expression keys are lowercased (as upstream), so an exact
/// lookup is tried first and then a case-insensitive one (upstream never matched labels whose key
/// has capitals; we do, a documented difference).
pub(crate) fn label<'a>(labels: &'a BTreeMap<String, String>, key: &str) -> &'a str {
    if let Some(v) = labels.get(key) {
        return v;
    }
    labels
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// Whether the expression list holds on the node, skipping soft rules in the fallback pass;
/// returns the first expression that does not hold.
pub(crate) fn first_failing<F>(exprs: &[Expr], soft: bool, holds: F) -> Option<&Expr>
where
    F: Fn(&Expr) -> bool,
{
    exprs
        .iter()
        .filter(|e| soft || !e.is_soft())
        .find(|e| !holds(e))
}

/// The display name of a container: its name without `/`, or its ID when it has none.
pub(crate) fn container_label(c: &crate::state::Container) -> &str {
    let name = c.name.trim_start_matches('/');
    if name.is_empty() { &c.id } else { name }
}

#[cfg(test)]
pub(crate) mod testutil {
    use serde_json::json;

    use crate::request::{CreateRequest, Prepared};
    use crate::state::{Container, Node};

    pub fn node(name: &str) -> Node {
        Node::named(name)
    }

    pub fn container(name: &str) -> Container {
        Container {
            id: format!("{name}-id-0123456789abcdef"),
            name: name.to_string(),
            ..Container::default()
        }
    }

    pub fn prep(v: serde_json::Value) -> Prepared {
        CreateRequest::from_value(v).unwrap().prepare().unwrap()
    }

    pub fn env(rules: &[&str]) -> Prepared {
        prep(json!({"Image": "x", "Env": rules}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_names_parse() {
        for f in DEFAULT_FILTERS {
            assert_eq!(f.name().parse::<FilterKind>().unwrap(), f);
        }
        assert_eq!(
            "ports".parse::<FilterKind>().unwrap_err().to_string(),
            "filter not supported: 'ports'"
        );
    }

    #[test]
    fn label_lookup_falls_back_to_case_insensitive() {
        let mut m = BTreeMap::new();
        m.insert("Region".to_string(), "eu".to_string());
        assert_eq!(label(&m, "region"), "eu");
        assert_eq!(label(&m, "zone"), "");
    }
}
