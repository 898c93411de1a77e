//! The cluster state document: nodes, their resources, labels, images and containers.
//!
//! This is the one shape the scheduler decides over, whether it came from live engines or from a
//! file given to `flotilla plan --state`. Every field but a node's `name` is optional so that a
//! hand-written document can stay short (`{"nodes":[{"name":"node-0"}]}` is valid).
//!
//! Unknown fields are **accepted and ignored** (no `deny_unknown_fields`): a document written by a
//! newer flotilla, or an `info --format json` with extra fields, must stay readable by an older
//! `plan`. Fields that are present but have the wrong shape are rejected, and [`ClusterState::from_json`]
//! names the offending field by its path (`nodes[2].containers[0].memory`).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

/// Default overcommit fraction on CPUs and memory, as in classic Swarm (`swarm.overcommit=0.05`).
pub const DEFAULT_OVERCOMMIT: f64 = 0.05;

/// How the scheduler ranks the nodes that passed every filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// Least-reserved node first; ties go to the node with fewer containers.
    #[default]
    Spread,
    /// Most-reserved node that still fits first; ties go to the node with more containers.
    /// `binpacking` is the legacy alias classic Swarm accepted.
    #[serde(alias = "binpacking")]
    Binpack,
    /// A node chosen at random (seeded, so tests are deterministic) among those that fit.
    Random,
}

impl Strategy {
    /// The lowercase name used on the command line and in documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Spread => "spread",
            Strategy::Binpack => "binpack",
            Strategy::Random => "random",
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A strategy name that is none of `spread`, `binpack` (`binpacking`) or `random`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown strategy '{0}' (expected spread, binpack or random)")]
pub struct UnknownStrategy(pub String);

impl FromStr for Strategy {
    type Err = UnknownStrategy;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "spread" => Ok(Strategy::Spread),
            "binpack" | "binpacking" => Ok(Strategy::Binpack),
            "random" => Ok(Strategy::Random),
            other => Err(UnknownStrategy(other.to_string())),
        }
    }
}

/// The whole cluster: what `info --format json` prints and `plan --state` reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterState {
    /// Ranking strategy; `plan --strategy` overrides it.
    #[serde(default)]
    pub strategy: Strategy,
    /// Overcommit fraction on CPUs and memory (0.05 = 5 %); `plan --overcommit` overrides it.
    #[serde(default = "default_overcommit")]
    pub overcommit: f64,
    /// The engines of the cluster, in any order (decisions never depend on this order).
    #[serde(default, deserialize_with = "null_default")]
    pub nodes: Vec<Node>,
}

impl Default for ClusterState {
    fn default() -> Self {
        ClusterState {
            strategy: Strategy::Spread,
            overcommit: DEFAULT_OVERCOMMIT,
            nodes: Vec::new(),
        }
    }
}

fn default_overcommit() -> f64 {
    DEFAULT_OVERCOMMIT
}

fn default_true() -> bool {
    true
}

/// Deserialize `null` as the type's default: engines and hand-written files both use `null` for
/// "nothing here" (`"Links": null`), and that must not be a schema error.
pub(crate) fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// One engine of the cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Engine name (the engine's hostname); the only required field.
    pub name: String,
    /// Engine ID; the `node` constraint key matches it as well as the name.
    #[serde(default, deserialize_with = "null_default")]
    pub id: String,
    /// `host:port` of the engine API.
    #[serde(default, deserialize_with = "null_default")]
    pub addr: String,
    /// Whether the engine answers; unhealthy nodes are removed by the `health` filter.
    #[serde(default = "default_true")]
    pub healthy: bool,
    /// Last error seen talking to the engine (set by the live view along with `healthy: false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Number of CPUs. A node without `cpus` has no capacity for CPU reservations (as upstream).
    #[serde(default, deserialize_with = "null_default")]
    pub cpus: f64,
    /// Total memory in bytes. A node without `memory` has no capacity for memory reservations.
    #[serde(default, deserialize_with = "null_default")]
    pub memory: u64,
    /// Engine labels (`storagedriver`, `ostype`, daemon `--label`s, `containerslots`, …).
    #[serde(default, deserialize_with = "null_default")]
    pub labels: BTreeMap<String, String>,
    /// Images present on the engine; they matter only to `image` affinities.
    #[serde(default, deserialize_with = "null_default")]
    pub images: Vec<Image>,
    /// Every container of the engine, in any state (stopped and pending ones count too).
    #[serde(default, deserialize_with = "null_default")]
    pub containers: Vec<Container>,
}

impl Node {
    /// A healthy node with a name and nothing else, for building states in code and tests.
    pub fn named(name: impl Into<String>) -> Self {
        Node {
            name: name.into(),
            id: String::new(),
            addr: String::new(),
            healthy: true,
            error: None,
            cpus: 0.0,
            memory: 0,
            labels: BTreeMap::new(),
            images: Vec::new(),
            containers: Vec::new(),
        }
    }
}

/// An image on a node.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Image {
    /// Full image ID (`sha256:…` on modern engines).
    #[serde(default, deserialize_with = "null_default")]
    pub id: String,
    /// Repo tags (`redis:7`, `host:5000/x:tag`).
    #[serde(default, deserialize_with = "null_default")]
    pub tags: Vec<String>,
}

/// A container on a node, with what the scheduler needs: identity, labels, reservations, ports.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Container {
    /// Full container ID; empty for a container that is only planned or pending.
    #[serde(default, deserialize_with = "null_default")]
    pub id: String,
    /// Name, with or without the leading `/`.
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    /// Image reference the container was created from.
    #[serde(default, deserialize_with = "null_default")]
    pub image: String,
    /// `running`, `exited`, `created`, `pending`, …; every state counts for the scheduler.
    #[serde(default, deserialize_with = "null_default")]
    pub state: String,
    /// Container labels, including the `com.docker.swarm.*` ones.
    #[serde(default, deserialize_with = "null_default")]
    pub labels: BTreeMap<String, String>,
    /// CPU reservation in CPUs (`NanoCpus / 1e9`).
    #[serde(default, deserialize_with = "null_default")]
    pub cpus: f64,
    /// Memory reservation in bytes (`HostConfig.Memory`).
    #[serde(default, deserialize_with = "null_default")]
    pub memory: u64,
    /// Published ports (requested bindings and actual ones alike).
    #[serde(default, deserialize_with = "null_default")]
    pub ports: Vec<Port>,
    /// Exposed port keys (`6379/tcp`), used by the host-mode port check.
    #[serde(default, deserialize_with = "null_default")]
    pub exposed_ports: Vec<String>,
    /// `bridge`, `host`, `container:X`, a network name, or empty (the engine default, bridge).
    #[serde(default, deserialize_with = "null_default")]
    pub network_mode: String,
}

/// A published port of a container.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Port {
    /// Host interface; `""`, `0.0.0.0` and `::` mean every interface.
    #[serde(default, deserialize_with = "null_default")]
    pub host_ip: String,
    /// Host port; 0 means not published on the host (never conflicts).
    #[serde(default, deserialize_with = "null_default")]
    pub host_port: u16,
    /// Port inside the container.
    #[serde(default, deserialize_with = "null_default")]
    pub container_port: u16,
    /// `tcp` (default), `udp` or `sctp`; not compared by the port filter, as upstream.
    #[serde(default = "default_protocol")]
    pub protocol: String,
}

fn default_protocol() -> String {
    "tcp".to_string()
}

/// A state document that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StateError {
    /// Not JSON, or JSON of the wrong shape; `path` names the offending field.
    #[error("{path}: {message}")]
    Schema {
        /// Path of the offending field (`nodes[0].cpus`), or `.` for the document itself.
        path: String,
        /// serde's message, with line and column.
        message: String,
    },
    /// A value of the right type but out of range (negative CPUs, overcommit ≤ -1, …).
    #[error("{path}: {message}")]
    Invalid {
        /// Path of the offending field.
        path: String,
        /// What is wrong with it.
        message: String,
    },
}

impl ClusterState {
    /// Parse and validate a state document, naming the offending field on error.
    pub fn from_json(text: &str) -> Result<Self, StateError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let state: ClusterState =
            serde_path_to_error::deserialize(de).map_err(|e| StateError::Schema {
                path: e.path().to_string(),
                message: e.inner().to_string(),
            })?;
        state.validate()?;
        Ok(state)
    }

    /// Check the values serde cannot: finite non-negative CPUs, overcommit above -1, unique
    /// non-empty node names (node names are how results and constraints refer to nodes).
    pub fn validate(&self) -> Result<(), StateError> {
        let invalid = |path: String, message: String| StateError::Invalid { path, message };
        if !self.overcommit.is_finite() || self.overcommit <= -1.0 {
            return Err(invalid(
                "overcommit".into(),
                format!("must be a number greater than -1, got {}", self.overcommit),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, node) in self.nodes.iter().enumerate() {
            if node.name.is_empty() {
                return Err(invalid(
                    format!("nodes[{i}].name"),
                    "must not be empty".into(),
                ));
            }
            if !seen.insert(node.name.as_str()) {
                return Err(invalid(
                    format!("nodes[{i}].name"),
                    format!("duplicate node name '{}'", node.name),
                ));
            }
            if !node.cpus.is_finite() || node.cpus < 0.0 {
                return Err(invalid(
                    format!("nodes[{i}].cpus"),
                    format!("must be a non-negative number, got {}", node.cpus),
                ));
            }
            for (j, c) in node.containers.iter().enumerate() {
                if !c.cpus.is_finite() || c.cpus < 0.0 {
                    return Err(invalid(
                        format!("nodes[{i}].containers[{j}].cpus"),
                        format!("must be a non-negative number, got {}", c.cpus),
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_document_gets_defaults() {
        let s = ClusterState::from_json(r#"{"nodes":[{"name":"n0"}]}"#).unwrap();
        assert_eq!(s.strategy, Strategy::Spread);
        assert_eq!(s.overcommit, 0.05);
        let n = &s.nodes[0];
        assert!(n.healthy);
        assert_eq!(n.cpus, 0.0);
        assert!(n.containers.is_empty() && n.labels.is_empty());
    }

    #[test]
    fn empty_object_is_an_empty_cluster() {
        let s = ClusterState::from_json("{}").unwrap();
        assert!(s.nodes.is_empty());
    }

    #[test]
    fn full_issue_example_parses() {
        let text = r#"{"strategy": "spread", "overcommit": 0.05,
         "nodes": [{"name": "node-0", "id": "ENGINE-ID", "addr": "10.0.0.1:2376",
                    "healthy": true, "cpus": 4, "memory": 4294967296,
                    "labels": {"region": "us-west"},
                    "images": [{"id": "sha256:abc", "tags": ["redis:7"]}],
                    "containers": [{"id": "c0ffee", "name": "redis", "image": "redis:7", "state": "running",
                                    "labels": {}, "cpus": 1.0, "memory": 1073741824,
                                    "ports": [{"host_ip": "", "host_port": 6379, "container_port": 6379, "protocol": "tcp"}],
                                    "exposed_ports": ["6379/tcp"], "network_mode": "bridge"}]}]}"#;
        let s = ClusterState::from_json(text).unwrap();
        assert_eq!(s.nodes[0].containers[0].ports[0].host_port, 6379);
        assert_eq!(s.nodes[0].cpus, 4.0);
        // Round trip through serialization.
        let again = ClusterState::from_json(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(again, s);
    }

    #[test]
    fn wrong_shape_names_the_field() {
        let err = ClusterState::from_json(r#"{"nodes":[{"name":"a"},{"name":"b","cpus":"four"}]}"#)
            .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("nodes[1].cpus: invalid type: string \"four\""),
            "{msg}"
        );
    }

    #[test]
    fn missing_name_is_an_error() {
        let msg = ClusterState::from_json(r#"{"nodes":[{"cpus":1}]}"#)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("missing field `name`"), "{msg}");
    }

    #[test]
    fn unknown_strategy_is_an_error() {
        let msg = ClusterState::from_json(r#"{"strategy":"fastest"}"#)
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with("strategy: unknown variant `fastest`"),
            "{msg}"
        );
        assert_eq!("binpacking".parse::<Strategy>().unwrap(), Strategy::Binpack);
        assert_eq!(
            "x".parse::<Strategy>().unwrap_err().to_string(),
            "unknown strategy 'x' (expected spread, binpack or random)"
        );
    }

    #[test]
    fn unknown_fields_are_ignored_for_forward_compatibility() {
        let s = ClusterState::from_json(r#"{"version":2,"nodes":[{"name":"a","zone":"z"}]}"#);
        assert!(s.is_ok());
    }

    #[test]
    fn out_of_range_values_are_rejected() {
        for (doc, path) in [
            (r#"{"overcommit":-1}"#, "overcommit"),
            (r#"{"nodes":[{"name":"a","cpus":-2}]}"#, "nodes[0].cpus"),
            (r#"{"nodes":[{"name":"a"},{"name":"a"}]}"#, "nodes[1].name"),
            (r#"{"nodes":[{"name":""}]}"#, "nodes[0].name"),
        ] {
            let msg = ClusterState::from_json(doc).unwrap_err().to_string();
            assert!(msg.starts_with(path), "{doc}: {msg}");
        }
    }

    #[test]
    fn not_json_is_an_error_with_position() {
        let msg = ClusterState::from_json("{\"nodes\": [")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("line 1"), "{msg}");
    }

    #[test]
    fn nulls_mean_defaults() {
        let s = ClusterState::from_json(
            r#"{"nodes":[{"name":"a","labels":null,"containers":[{"name":"x","ports":null}]}]}"#,
        )
        .unwrap();
        assert!(s.nodes[0].labels.is_empty());
    }
}
