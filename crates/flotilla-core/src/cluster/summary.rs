//! The classic Swarm summary of a live swarm: totals and one block per node, as data. `flotilla
//! info` prints it and the manager's `/info` answers its node block as `SystemStatus` (the pairs
//! classic Swarm sent, which `docker info` prints).

use crate::cluster::live::{Health, Live, NodeView};
use crate::scheduler::filter::DEFAULT_FILTERS;
use crate::scheduler::strategy::Usage;
use crate::store::natural_cmp;

/// go-units `BytesSize`: binary units, four significant digits
/// (`0 B`, `20 MiB`, `2.053 GiB`), as classic `docker info` printed.
pub fn bytes_size(n: u64) -> String {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < UNITS.len() {
        v /= 1024.0;
        i += 1;
    }
    format!("{} {}", sig4(v), UNITS[i])
}

/// `%.4g` without the exponent form (values here are below 1024).
fn sig4(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let digits = v.abs().log10().floor() as i32 + 1;
    let decimals = (4 - digits).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// CPUs with at most two decimals (`0`, `0.5`, `2.1`).
pub fn cpus_text(nano: u64) -> String {
    let s = format!("{:.2}", nano as f64 / 1e9);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Containers by state, as `docker info` counts them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Every container, whatever its state.
    pub total: usize,
    /// Running or restarting.
    pub running: usize,
    /// Paused.
    pub paused: usize,
    /// Every other state (exited, created, dead, …, or none reported).
    pub stopped: usize,
}

/// One node's containers by state, from its engine's own list.
pub fn counts(view: &NodeView) -> Counts {
    let mut c = Counts::default();
    for s in &view.containers {
        c.total += 1;
        match s.state.map(|s| s.to_string()).as_deref() {
            Some("running") | Some("restarting") => c.running += 1,
            Some("paused") => c.paused += 1,
            _ => c.stopped += 1,
        }
    }
    c
}

/// One node's block.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeSummary {
    /// The member's name.
    pub name: String,
    /// `host:port` as classic Swarm showed it (`unix://PATH` for a socket), or `(unknown)`.
    pub addr: String,
    /// The engine's ID, or `(unknown)` for an engine that never answered.
    pub id: String,
    /// Classic's node state.
    pub health: Health,
    /// The node's containers by state (the status prints only the total unless Healthy).
    pub containers: Counts,
    /// Reserved CPUs in nano-CPUs.
    pub cpus_used: u64,
    /// The node's CPUs in nano-CPUs, with the overcommit.
    pub cpus_total: u64,
    /// Reserved memory in bytes.
    pub memory_used: u64,
    /// The node's memory in bytes, with the overcommit.
    pub memory_total: u64,
    /// Node labels (record, daemon and built-in ones), in key order.
    pub labels: Vec<(String, String)>,
    /// Why the node is not Healthy; printed as `└ Error` only when set.
    pub error: Option<String>,
    /// When the engine last answered (RFC 3339, UTC).
    pub updated_at: String,
    /// The engine's version; empty for an engine that never answered.
    pub server_version: String,
}

/// What the manager answering is among the swarm's managers (classic's `Role` line).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Role {
    /// Decides (creates, reschedules): the only manager, or the one elected.
    #[default]
    Primary,
    /// Relays what it does not answer itself to the primary, when one is elected.
    Replica {
        /// The elected primary's advertised address; `None` (`none elected`) while no manager
        /// leads.
        primary: Option<String>,
    },
}

/// A swarm's summary, nodes in natural name order.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Every node's containers, added up.
    pub containers: Counts,
    /// Tagged images on every node, added up (an image on two nodes counts twice).
    pub images: usize,
    /// [`Role::Primary`] from [`Summary::of`]; a replica manager sets its own.
    pub role: Role,
    /// The placement strategy (`spread`, `binpack`, `random`).
    pub strategy: String,
    /// The scheduler's filters, in the order they apply.
    pub filters: Vec<&'static str>,
    /// One block per node.
    pub nodes: Vec<NodeSummary>,
    /// Nano-CPUs of the nodes that are not Pending, with the overcommit.
    pub cpus: u64,
    /// Bytes of memory of the nodes that are not Pending, with the overcommit.
    pub memory: u64,
    /// The master's name, or the discovery URL when no machine is the master.
    pub name: String,
    /// The swarm's discovery URL.
    pub discovery: String,
}

impl Summary {
    /// The summary of a view, as the primary manager (or a one-off `info`) reports it.
    pub fn of(live: &Live) -> Summary {
        let overcommit = live.state.overcommit;
        let mut order: Vec<usize> = (0..live.views.len()).collect();
        order.sort_by(|&a, &b| natural_cmp(&live.views[a].name, &live.views[b].name));
        let mut total = Counts::default();
        let mut images = 0;
        let mut cpus = 0u64;
        let mut memory = 0u64;
        let mut nodes = Vec::with_capacity(order.len());
        for &i in &order {
            let view = &live.views[i];
            let node = &live.state.nodes[i];
            let c = counts(view);
            total.total += c.total;
            total.running += c.running;
            total.paused += c.paused;
            total.stopped += c.stopped;
            images += view.images;
            let u = Usage::of(node, overcommit);
            if view.health != Health::Pending {
                cpus += u.total_cpu;
                memory += u.total_mem;
            }
            let or_unknown = |s: &str| {
                if s.is_empty() {
                    "(unknown)".to_string()
                } else {
                    s.to_string()
                }
            };
            nodes.push(NodeSummary {
                name: view.name.clone(),
                addr: or_unknown(&node.addr),
                id: or_unknown(&node.id),
                health: view.health,
                containers: c,
                cpus_used: u.used_cpu,
                cpus_total: u.total_cpu,
                memory_used: u.used_mem,
                memory_total: u.total_mem,
                labels: node
                    .labels
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                error: view.error.clone(),
                updated_at: view.updated_at.clone(),
                server_version: view.server_version.clone(),
            });
        }
        Summary {
            containers: total,
            images,
            role: Role::Primary,
            strategy: live.state.strategy.to_string(),
            filters: DEFAULT_FILTERS.iter().map(|f| f.name()).collect(),
            nodes,
            cpus,
            memory,
            name: live
                .swarm
                .master
                .clone()
                .unwrap_or_else(|| live.swarm.discovery.clone()),
            discovery: live.swarm.discovery.clone(),
        }
    }

    /// Classic Swarm's `SystemStatus`: `Role` through the node lines (`" NODE"`, `"  └ ID"`, …),
    /// as (key, value) pairs; `docker info` prints each as `KEY: VALUE`.
    pub fn status_pairs(&self) -> Vec<[String; 2]> {
        let pair = |k: &str, v: String| [k.to_string(), v];
        let mut out = match &self.role {
            Role::Primary => vec![pair("Role", "primary".into())],
            Role::Replica { primary } => vec![
                pair("Role", "replica".into()),
                pair(
                    "Primary",
                    primary.clone().unwrap_or_else(|| "none elected".into()),
                ),
            ],
        };
        out.extend([
            pair("Strategy", self.strategy.clone()),
            pair("Filters", self.filters.join(", ")),
            pair("Nodes", self.nodes.len().to_string()),
        ]);
        for n in &self.nodes {
            let c = n.containers;
            out.push([format!(" {}", n.name), n.addr.clone()]);
            out.push(pair("  └ ID", n.id.clone()));
            out.push(pair("  └ Status", n.health.to_string()));
            out.push(pair(
                "  └ Containers",
                if n.health == Health::Healthy {
                    format!(
                        "{} ({} Running, {} Paused, {} Stopped)",
                        c.total, c.running, c.paused, c.stopped
                    )
                } else {
                    c.total.to_string()
                },
            ));
            out.push(pair(
                "  └ Reserved CPUs",
                format!("{} / {}", cpus_text(n.cpus_used), cpus_text(n.cpus_total)),
            ));
            out.push(pair(
                "  └ Reserved Memory",
                format!(
                    "{} / {}",
                    bytes_size(n.memory_used),
                    bytes_size(n.memory_total)
                ),
            ));
            let labels: Vec<String> = n.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            out.push(pair("  └ Labels", labels.join(", ")));
            if let Some(e) = &n.error {
                out.push(pair("  └ Error", e.clone()));
            }
            out.push(pair("  └ UpdatedAt", n.updated_at.clone()));
            out.push(pair("  └ ServerVersion", n.server_version.clone()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(role: Role) -> Summary {
        Summary {
            containers: Counts::default(),
            images: 0,
            role,
            strategy: "spread".into(),
            filters: vec!["health"],
            nodes: Vec::new(),
            cpus: 0,
            memory: 0,
            name: "swarm-master".into(),
            discovery: "token://abc".into(),
        }
    }

    #[test]
    fn the_role_leads_the_status_and_a_replica_names_its_primary() {
        let head = |s: Summary| s.status_pairs().into_iter().take(3).collect::<Vec<_>>();
        let p = |k: &str, v: &str| [k.to_string(), v.to_string()];
        assert_eq!(
            head(summary(Role::Primary)),
            vec![
                p("Role", "primary"),
                p("Strategy", "spread"),
                p("Filters", "health")
            ]
        );
        assert_eq!(
            head(summary(Role::Replica {
                primary: Some("10.0.0.1:3376".into())
            })),
            vec![
                p("Role", "replica"),
                p("Primary", "10.0.0.1:3376"),
                p("Strategy", "spread")
            ]
        );
        assert_eq!(
            head(summary(Role::Replica { primary: None }))[1],
            p("Primary", "none elected")
        );
    }
}
