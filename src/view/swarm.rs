//! What `info` and `ps` print, from a live view. Pure: the clock is a
//! parameter, so the texts are unit tested byte for byte.

use serde::Serialize;

use flotilla_core::cluster::live::{Health, Live};
use flotilla_core::cluster::summary::{Summary, bytes_size, cpus_text};

/// The classic `docker info` block of a swarm, nodes in natural name order.
pub fn info_text(live: &Live) -> String {
    let s = Summary::of(live);
    let mut out = String::new();
    out.push_str(&format!("Containers: {}\n", s.containers.total));
    out.push_str(&format!(" Running: {}\n", s.containers.running));
    out.push_str(&format!(" Paused: {}\n", s.containers.paused));
    out.push_str(&format!(" Stopped: {}\n", s.containers.stopped));
    out.push_str(&format!("Images: {}\n", s.images));
    for [k, v] in s.status_pairs() {
        out.push_str(&format!("{k}: {v}\n"));
    }
    out.push_str(&format!("CPUs: {}\n", cpus_text(s.cpus)));
    out.push_str(&format!("Total Memory: {}\n", bytes_size(s.memory)));
    out.push_str(&format!("Name: {}\n", s.name));
    out.push_str(&format!("Discovery: {}\n", s.discovery));
    out
}

/// go-units `HumanDuration`, as `docker ps` shows ages.
pub fn human_duration(secs: i64) -> String {
    let s = secs.max(0);
    let (m, h, d) = (s / 60, s / 3600, s / 86400);
    if s < 1 {
        "Less than a second".into()
    } else if s == 1 {
        "1 second".into()
    } else if s < 60 {
        format!("{s} seconds")
    } else if m == 1 {
        "About a minute".into()
    } else if m < 60 {
        format!("{m} minutes")
    } else if h == 1 {
        "About an hour".into()
    } else if h < 48 {
        format!("{h} hours")
    } else if h < 24 * 7 * 2 {
        format!("{d} days")
    } else if h < 24 * 30 * 2 {
        format!("{} weeks", d / 7)
    } else if h < 24 * 365 * 2 {
        format!("{} months", d / 30)
    } else {
        format!("{} years", d / 365)
    }
}

/// One `ps` line; the field names are those of `docker ps --format`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PsRow {
    #[serde(rename = "ID")]
    pub id: String,
    pub image: String,
    pub command: String,
    pub created_at: i64,
    pub running_for: String,
    pub status: String,
    pub state: String,
    pub ports: String,
    /// `node/name`, with link aliases (`node/other/alias`), comma-separated.
    pub names: String,
    pub node: String,
    pub labels: String,
}

impl PsRow {
    /// Column titles for `--format 'table …'`.
    pub fn header() -> serde_json::Value {
        serde_json::json!({"ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND",
            "CreatedAt": "CREATED AT", "RunningFor": "CREATED", "Status": "STATUS", "State": "STATE",
            "Ports": "PORTS", "Names": "NAMES", "Node": "NODE", "Labels": "LABELS"})
    }

    pub const DEFAULT_TEMPLATE: &'static str =
        "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";
}

/// `ps` filters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PsFilters {
    pub node: Vec<String>,
    pub name: Vec<String>,
    pub label: Vec<(String, Option<String>)>,
    pub status: Vec<String>,
    pub id: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PsFilterError {
    #[error(
        "invalid filter '{0}': expected KEY=VALUE with KEY one of node, name, label, status, id"
    )]
    Syntax(String),
    #[error(
        "invalid filter 'status={0}': expected created, restarting, running, removing, paused, exited or dead"
    )]
    Status(String),
}

impl PsFilters {
    pub fn parse(args: &[String]) -> Result<PsFilters, PsFilterError> {
        let mut f = PsFilters::default();
        for a in args {
            let (k, v) = a
                .split_once('=')
                .ok_or_else(|| PsFilterError::Syntax(a.clone()))?;
            match k {
                "node" => f.node.push(v.to_string()),
                "name" => f.name.push(v.to_string()),
                "id" => f.id.push(v.to_string()),
                "label" => f.label.push(match v.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string())),
                    None => (v.to_string(), None),
                }),
                "status" => {
                    const OK: [&str; 7] = [
                        "created",
                        "restarting",
                        "running",
                        "removing",
                        "paused",
                        "exited",
                        "dead",
                    ];
                    if !OK.contains(&v) {
                        return Err(PsFilterError::Status(v.to_string()));
                    }
                    f.status.push(v.to_string());
                }
                _ => return Err(PsFilterError::Syntax(a.clone())),
            }
        }
        Ok(f)
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

fn ports_text(c: &bollard::models::ContainerSummary, ip: &str) -> String {
    let mut seen = Vec::new();
    let mut ports: Vec<&bollard::models::PortSummary> = c.ports.iter().flatten().collect();
    ports.sort_by_key(|p| (p.private_port, p.public_port));
    for p in ports {
        let proto = p.typ.map(|t| t.to_string()).unwrap_or_default();
        let proto = if proto.is_empty() {
            "tcp".to_string()
        } else {
            proto
        };
        let text = match p.public_port {
            Some(pub_port) if pub_port != 0 => {
                let host = match p.ip.as_deref() {
                    None | Some("") | Some("0.0.0.0") | Some("::") => ip.to_string(),
                    Some(other) => other.to_string(),
                };
                format!("{host}:{pub_port}->{}/{proto}", p.private_port)
            }
            _ => format!("{}/{proto}", p.private_port),
        };
        if !seen.contains(&text) {
            seen.push(text);
        }
    }
    seen.join(", ")
}

/// The `ps` rows: newest first; running containers of healthy nodes unless
/// `all` (or a status filter) asks for more.
pub fn ps_rows(
    live: &Live,
    all: bool,
    filters: &PsFilters,
    no_trunc: bool,
    now: i64,
) -> Vec<PsRow> {
    let mut rows: Vec<(i64, PsRow)> = Vec::new();
    let all = all || !filters.status.is_empty();
    for view in &live.views {
        let healthy = view.health == Health::Healthy;
        if !healthy && !all {
            continue;
        }
        if !filters.node.is_empty() && !filters.node.contains(&view.name) {
            continue;
        }
        for c in &view.containers {
            let state = c.state.map(|s| s.to_string()).unwrap_or_default();
            if !all && state != "running" {
                continue;
            }
            if !filters.status.is_empty() && !filters.status.contains(&state) {
                continue;
            }
            let id = c.id.clone().unwrap_or_default();
            if !filters.id.is_empty() && !filters.id.iter().any(|p| id.starts_with(p.as_str())) {
                continue;
            }
            let names: Vec<String> = c
                .names
                .iter()
                .flatten()
                .map(|n| n.trim_start_matches('/').to_string())
                .collect();
            if !filters.name.is_empty()
                && !filters
                    .name
                    .iter()
                    .any(|f| names.iter().any(|n| n.contains(f.trim_start_matches('/'))))
            {
                continue;
            }
            let labels = c.labels.clone().unwrap_or_default();
            let label_ok = filters.label.iter().all(|(k, v)| match (labels.get(k), v) {
                (Some(_), None) => true,
                (Some(have), Some(want)) => have == want,
                (None, _) => false,
            });
            if !label_ok {
                continue;
            }
            let command = c.command.clone().unwrap_or_default();
            let command = if no_trunc {
                format!("\"{command}\"")
            } else {
                format!("\"{}\"", truncate(&command, 20))
            };
            let created = c.created.unwrap_or(0);
            let mut label_list: Vec<String> =
                labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            label_list.sort();
            rows.push((
                created,
                PsRow {
                    id: if no_trunc {
                        id.clone()
                    } else {
                        id.chars().take(12).collect()
                    },
                    image: c.image.clone().unwrap_or_default(),
                    command,
                    created_at: created,
                    running_for: format!("{} ago", human_duration(now - created)),
                    status: if healthy {
                        c.status.clone().unwrap_or_default()
                    } else {
                        "Host Down".into()
                    },
                    state,
                    ports: ports_text(c, &view.ip()),
                    names: names
                        .iter()
                        .map(|n| format!("{}/{n}", view.name))
                        .collect::<Vec<_>>()
                        .join(","),
                    node: view.name.clone(),
                    labels: label_list.join(","),
                },
            ));
        }
    }
    rows.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.names.cmp(&b.1.names)));
    rows.into_iter().map(|(_, r)| r).collect()
}

/// `run --explain`: each pass, node by node, then the outcome.
pub fn explain_text(e: &flotilla_core::scheduler::Explanation) -> String {
    let mut out = String::new();
    for pass in &e.passes {
        out.push_str(if pass.soft {
            "pass 1 (soft rules applied):\n"
        } else {
            "pass 2 (soft rules skipped):\n"
        });
        let width = pass.nodes.iter().map(|n| n.node.len()).max().unwrap_or(0);
        for n in &pass.nodes {
            let what = match (&n.rejected_by, n.rank) {
                (Some(filter), _) => format!(
                    "rejected by {filter}: {}",
                    n.reason.as_deref().unwrap_or("").replace('\n', " ")
                ),
                (None, Some(0)) => format!("chosen (rank 0, weight {})", n.weight.unwrap_or(0)),
                (None, Some(r)) => {
                    format!("candidate (rank {r}, weight {})", n.weight.unwrap_or(0))
                }
                (None, None) => "candidate".to_string(),
            };
            out.push_str(&format!("  {:<width$}   {what}\n", n.node));
        }
        if let Some(err) = &pass.error {
            out.push_str(&format!("  => {}\n", err.replace('\n', " ")));
        }
    }
    match (&e.decision, &e.error) {
        (Some(d), _) => out.push_str(&format!("decision: {}\n", d.node)),
        (None, Some(err)) => out.push_str(&format!("no node: {err}\n")),
        (None, None) => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use flotilla_core::cluster::live::NodeView;
    use flotilla_core::cluster::members::Swarm;
    use flotilla_core::cluster::state::{ClusterState, Node};

    #[test]
    fn sizes_like_go_units() {
        assert_eq!(bytes_size(0), "0 B");
        assert_eq!(bytes_size(20 * 1024 * 1024), "20 MiB");
        assert_eq!(bytes_size(2_204_000_000), "2.053 GiB");
        assert_eq!(bytes_size(1_096_290_000), "1.021 GiB");
        assert_eq!(bytes_size(1023), "1023 B");
        assert_eq!(bytes_size(1024), "1 KiB");
    }

    #[test]
    fn durations_like_go_units() {
        assert_eq!(human_duration(0), "Less than a second");
        assert_eq!(human_duration(5), "5 seconds");
        assert_eq!(human_duration(90), "About a minute");
        assert_eq!(human_duration(600), "10 minutes");
        assert_eq!(human_duration(3 * 3600), "3 hours");
        assert_eq!(human_duration(3 * 86400), "3 days");
    }

    fn live_fixture() -> Live {
        let summary = |id: &str,
                       name: &str,
                       state: &str,
                       created: i64|
         -> bollard::models::ContainerSummary {
            serde_json::from_value(serde_json::json!({
                "Id": id, "Names": [format!("/{name}")], "Image": "busybox", "Command": "httpd -f -p 80 -h /www",
                "Created": created, "State": state, "Status": "Up 2 seconds",
                "Labels": {"flotilla-testbed": "1"},
                "Ports": [{"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
                          {"IP": "::", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
                          {"PrivatePort": 443, "Type": "tcp"}]
            }))
            .unwrap()
        };
        let mut state = ClusterState::default();
        let mut n = Node::named("backend1");
        n.id = "ENGINE1".into();
        n.addr = "10.77.0.13:2376".into();
        n.cpus = 2.0;
        n.memory = 2 * 1024 * 1024 * 1024;
        n.labels.insert("model".into(), "high-memory".into());
        n.containers.push(flotilla_core::cluster::state::Container {
            cpus: 0.5,
            memory: 20 * 1024 * 1024,
            ..Default::default()
        });
        state.nodes.push(n);
        let mut down = Node::named("frontend");
        down.healthy = false;
        down.addr = "10.77.0.12:2376".into();
        state.nodes.push(down);
        let views = vec![
            NodeView {
                name: "backend1".into(),
                addr: "tcp://10.77.0.13:2376".parse().unwrap(),
                health: Health::Healthy,
                error: None,
                server_version: "20.10.24".into(),
                updated_at: "2026-01-01T00:00:00Z".into(),
                containers: vec![
                    summary("aaaaaaaaaaaaaaaa", "web", "running", 100),
                    summary("bbbbbbbbbbbbbbbb", "old", "exited", 50),
                ],
                images: 2,
            },
            NodeView {
                name: "frontend".into(),
                addr: "tcp://10.77.0.12:2376".parse().unwrap(),
                health: Health::Pending,
                error: Some("cannot connect".into()),
                server_version: String::new(),
                updated_at: "2026-01-01T00:00:00Z".into(),
                containers: vec![summary("cccccccccccccccc", "lost", "running", 10)],
                images: 0,
            },
        ];
        Live::from_parts(
            Swarm {
                discovery: "token://t".into(),
                master: Some("swarm-master".into()),
                strategy: None,
            },
            state,
            views,
        )
    }

    #[test]
    fn info_block() {
        let text = info_text(&live_fixture());
        let expected = "\
Containers: 3
 Running: 2
 Paused: 0
 Stopped: 1
Images: 2
Role: primary
Strategy: spread
Filters: health, port, containerslots, dependency, affinity, constraint, whitelist
Nodes: 2
 backend1: 10.77.0.13:2376
  └ ID: ENGINE1
  └ Status: Healthy
  └ Containers: 2 (1 Running, 0 Paused, 1 Stopped)
  └ Reserved CPUs: 0.5 / 2.1
  └ Reserved Memory: 20 MiB / 2.1 GiB
  └ Labels: model=high-memory
  └ UpdatedAt: 2026-01-01T00:00:00Z
  └ ServerVersion: 20.10.24
 frontend: 10.77.0.12:2376
  └ ID: (unknown)
  └ Status: Pending
  └ Containers: 1
  └ Reserved CPUs: 0 / 0
  └ Reserved Memory: 0 B / 0 B
  └ Labels: 
  └ Error: cannot connect
  └ UpdatedAt: 2026-01-01T00:00:00Z
  └ ServerVersion: 
CPUs: 2.1
Total Memory: 2.1 GiB
Name: swarm-master
Discovery: token://t
";
        assert_eq!(text, expected);
    }

    #[test]
    fn ps_names_ports_and_hidden_nodes() {
        let live = live_fixture();
        let rows = ps_rows(&live, false, &PsFilters::default(), false, 160);
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(r.names, "backend1/web");
        assert_eq!(r.id, "aaaaaaaaaaaa");
        assert_eq!(r.ports, "10.77.0.13:8080->80/tcp, 443/tcp");
        assert_eq!(r.command, "\"httpd -f -p 80 -h /…\"");
        assert_eq!(
            r.running_for,
            "1 minutes ago".replace("1 minutes", "About a minute")
        );
        let rows = ps_rows(&live, true, &PsFilters::default(), false, 160);
        let names: Vec<&str> = rows.iter().map(|r| r.names.as_str()).collect();
        assert_eq!(names, vec!["backend1/web", "backend1/old", "frontend/lost"]);
        assert_eq!(rows[2].status, "Host Down");
        let f = PsFilters::parse(&["status=exited".into()]).unwrap();
        assert_eq!(ps_rows(&live, false, &f, false, 160).len(), 1);
        let f = PsFilters::parse(&["node=frontend".into(), "name=lo".into()]).unwrap();
        assert_eq!(
            ps_rows(&live, true, &f, false, 160)[0].names,
            "frontend/lost"
        );
        let f = PsFilters::parse(&["label=flotilla-testbed=1".into()]).unwrap();
        assert_eq!(ps_rows(&live, true, &f, false, 160).len(), 3);
        let f = PsFilters::parse(&["label=flotilla-testbed=2".into()]).unwrap();
        assert!(ps_rows(&live, true, &f, false, 160).is_empty());
        assert_eq!(
            PsFilters::parse(&["colour=red".into()])
                .unwrap_err()
                .to_string(),
            "invalid filter 'colour=red': expected KEY=VALUE with KEY one of node, name, label, status, id"
        );
        assert!(PsFilters::parse(&["status=asleep".into()]).is_err());
    }

    /// The manager answers `SystemStatus` with the same pairs `info` prints as `KEY: VALUE`.
    #[test]
    fn system_status_is_the_classic_node_block() {
        let live = live_fixture();
        let text = info_text(&live);
        let block: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.starts_with("Role:"))
            .take_while(|l| !l.starts_with("CPUs:"))
            .collect();
        let pairs: Vec<String> = Summary::of(&live)
            .status_pairs()
            .iter()
            .map(|[k, v]| format!("{k}: {v}"))
            .collect();
        assert_eq!(pairs, block);
        assert_eq!(pairs[0], "Role: primary");
        assert!(
            pairs.contains(&"  └ Labels: model=high-memory".to_string()),
            "{pairs:?}"
        );
    }
}
