//! One node of the model: what its engine last said, and its health (plain data).

use std::collections::BTreeMap;
use std::sync::Arc;

use bollard::models::{ContainerInspectResponse, ImageSummary, Network, SystemInfo, Volume};

use super::health::HealthState;
use crate::cluster::live::{addr_text, container_from_inspect, node_labels};
use crate::cluster::members::Member;
use crate::cluster::state::{self, Image};

/// What `/info` says about an engine (re-read after a reconnect, a daemon `reload` and every
/// five minutes, as classic re-read its specs).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// The engine's ID (`ID`); cloned VMs may share one, so nodes are never keyed by it.
    pub id: String,
    /// CPUs (`NCPU`), above zero.
    pub cpus: f64,
    /// Memory in bytes (`MemTotal`), above zero.
    pub memory: u64,
    /// Daemon and built-in labels (the record's are merged in [`NodeData::labels`]).
    pub labels: BTreeMap<String, String>,
    /// The engine's version (`ServerVersion`).
    pub server_version: String,
}

impl Facts {
    /// From an `/info` answer; an engine without CPUs or memory is not a Docker Engine (a
    /// classic Swarm manager answers `/info` too), as classic's validation said. `shown` is the
    /// engine's address as the error names it; the error is that message.
    pub fn of(info: &SystemInfo, shown: &str) -> Result<Facts, String> {
        let cpus = info.ncpu.unwrap_or(0);
        let memory = info.mem_total.unwrap_or(0);
        if cpus <= 0 || memory <= 0 {
            return Err(format!(
                "cannot get resources for this engine, make sure {shown} is a Docker Engine, not a Swarm manager"
            ));
        }
        Ok(Facts {
            id: info.id.clone().unwrap_or_default(),
            cpus: cpus as f64,
            memory: memory as u64,
            labels: node_labels(info, &BTreeMap::new()),
            server_version: info.server_version.clone().unwrap_or_default(),
        })
    }
}

/// A container as the model keeps it: the engine's inspect answer, the scheduler's view of it
/// (reservations, ports, labels) and its `docker ps` row, all derived once when it changes.
#[derive(Debug, Clone)]
pub struct ContainerRecord {
    /// The engine's inspect answer, kept whole (the proxy's routes and the row's status read
    /// it).
    pub inspect: ContainerInspectResponse,
    /// What the scheduler counts, derived from `inspect`.
    pub container: state::Container,
    /// The list entry as JSON text around its `Status` (which is computed when asked: it says
    /// how long ago), so a list of 30,000 rows is a concatenation, not 30,000 documents built.
    pub row: Row,
}

/// A `GET /containers/json` entry, serialised, split where its `Status` goes.
#[derive(Debug, Clone, Default)]
pub struct Row {
    /// The JSON text up to where the `Status` string goes.
    pub before_status: String,
    /// The JSON text after the `Status` string; empty if the split failed, and then
    /// `before_status` is the whole row.
    pub after_status: String,
    /// `Created` (unix seconds), the list's sort key.
    pub created: i64,
}

/// What stands in for the status while the row is serialised once.
const STATUS_MARK: &str = "\u{1}flotilla-status\u{1}";

impl ContainerRecord {
    /// A record of a container of node `node`, whose engine is reached at `ip` (what replaces an
    /// unspecified port IP in its row).
    pub fn of(inspect: ContainerInspectResponse, node: &str, ip: &str) -> ContainerRecord {
        let container = container_from_inspect(&inspect);
        let mut v = super::convert::summary_json(&inspect, node, ip, true, 0.0);
        let created = v["Created"].as_i64().unwrap_or(0);
        v["Status"] = serde_json::Value::String(STATUS_MARK.into());
        let text = v.to_string();
        let mark = serde_json::Value::String(STATUS_MARK.into()).to_string();
        let row = match text.split_once(&mark) {
            Some((a, b)) => Row {
                before_status: a.to_string(),
                after_status: b.to_string(),
                created,
            },
            None => Row {
                before_status: text,
                after_status: String::new(),
                created,
            },
        };
        ContainerRecord {
            inspect,
            container,
            row,
        }
    }

    /// Appends the row to `out`, with its status at unix time `now` (seconds); a container on a
    /// node that is not Healthy shows `Host Down`, as classic did.
    pub fn write_row(&self, out: &mut Vec<u8>, now: f64, node_healthy: bool) {
        out.extend_from_slice(self.row.before_status.as_bytes());
        if self.row.after_status.is_empty() {
            // The mark was not found (it always is): the row as serialised.
            return;
        }
        let status = super::convert::status_text(&self.inspect, now, node_healthy);
        out.extend_from_slice(serde_json::Value::String(status).to_string().as_bytes());
        out.extend_from_slice(self.row.after_status.as_bytes());
    }

    /// The full container ID.
    pub fn id(&self) -> &str {
        &self.container.id
    }

    /// The container's name, without the leading `/`.
    pub fn name(&self) -> &str {
        self.container.name.trim_start_matches('/')
    }
}

/// Everything the model knows of one member engine. Shared read-only (`Arc`): a reader takes
/// the nodes it needs and builds its answer without holding the model's lock; a writer replaces
/// a node's `Arc` (copy on write), so a reader never sees half an update.
#[derive(Debug, Clone)]
pub struct NodeData {
    /// The engine and how to reach it; its name is the node's.
    pub member: Member,
    /// Labels the machine record declares (`create --engine-label`), under the daemon's.
    pub record_labels: BTreeMap<String, String>,
    /// Classic's node state, with the failure count and last error.
    pub health: HealthState,
    /// Whether the node's event stream is up right now (the proxy's `connected`): a node can be
    /// Healthy with its stream reconnecting, or Pending with none yet.
    pub connected: bool,
    /// When the engine last answered in full (RFC 3339, UTC); empty before the first time.
    pub updated_at: String,
    /// `None` until `/info` answered once.
    pub facts: Option<Facts>,
    /// Container ID → record, every state.
    pub containers: BTreeMap<String, Arc<ContainerRecord>>,
    /// The engine's image list, tagged or not.
    pub images: Arc<Vec<ImageSummary>>,
    /// The engine's networks.
    pub networks: Arc<Vec<Network>>,
    /// The engine's volumes.
    pub volumes: Arc<Vec<Volume>>,
}

impl NodeData {
    /// A node not heard from yet: Pending, not connected, no facts, nothing listed.
    pub fn new(member: Member, record_labels: BTreeMap<String, String>) -> NodeData {
        NodeData {
            member,
            record_labels,
            health: HealthState::default(),
            connected: false,
            updated_at: String::new(),
            facts: None,
            containers: BTreeMap::new(),
            images: Arc::new(Vec::new()),
            networks: Arc::new(Vec::new()),
            volumes: Arc::new(Vec::new()),
        }
    }

    /// The node's name: its member's.
    pub fn name(&self) -> &str {
        &self.member.name
    }

    /// The engine's host (IP or name): what replaces an unspecified port IP.
    pub fn ip(&self) -> String {
        self.member.addr.host().unwrap_or_default().to_string()
    }

    /// The record's labels, then the daemon's over them, then the built-in ones.
    pub fn labels(&self) -> BTreeMap<String, String> {
        let mut labels: BTreeMap<String, String> = self
            .record_labels
            .iter()
            .filter(|(k, _)| k.as_str() != "node")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some(f) = &self.facts {
            labels.extend(f.labels.clone());
        }
        labels
    }

    /// Tagged images (what `docker info` counts).
    pub fn tagged_images(&self) -> usize {
        self.images
            .iter()
            .filter(|i| i.repo_tags.iter().any(|t| t != "<none>:<none>"))
            .count()
    }

    /// The scheduler's node: capacity, labels, images, every container, and healthy only when
    /// Healthy (the health filter removes the rest, Pending included).
    pub fn scheduler_node(&self) -> state::Node {
        let mut n = state::Node::named(self.name());
        n.addr = addr_text(&self.member.addr);
        n.healthy = self.health.schedulable();
        n.error = self.health.error.clone();
        if let Some(f) = &self.facts {
            n.id = f.id.clone();
            n.cpus = f.cpus;
            n.memory = f.memory;
        }
        n.labels = self.labels();
        n.images = self
            .images
            .iter()
            .map(|i| Image {
                id: i.id.clone(),
                tags: i
                    .repo_tags
                    .iter()
                    .filter(|t| *t != "<none>:<none>")
                    .cloned()
                    .collect(),
            })
            .collect();
        n.containers = self
            .containers
            .values()
            .map(|c| c.container.clone())
            .collect();
        n
    }
}
