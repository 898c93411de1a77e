//! Finding a container by what a client calls it (pure), as classic Swarm did
//! (`cluster/container.go Containers.Get`), with the holes of a plain port closed:
//!
//! 1. an exact container ID or swarm ID (`com.docker.swarm.id`);
//! 2. a name (`name`, `/name`), or `NODE/NAME` — only when `NODE` is a node **and** `NAME` names a
//!    container there; otherwise the whole string is a name (a container may be named like a
//!    node: `docker logs web` with a node `web` finds the container `web`);
//! 3. a unique ID prefix, then a unique swarm-ID prefix.
//!
//! An empty key matches nothing (a prefix of every ID is no way to name one). Several matches at
//! one step are not a match: the client must say more.

use std::sync::Arc;

use super::node::NodeData;
use crate::cluster::pending::LABEL_SWARM_ID;

/// Where a container is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// Node name and full container ID.
    One {
        /// The node's name.
        node: String,
        /// The container's full ID.
        id: String,
    },
    /// No container matches.
    None,
    /// Several containers match; the message names the way out.
    Many,
}

/// Finds `key` among the nodes' containers.
pub fn find(nodes: &[Arc<NodeData>], key: &str) -> Found {
    let key = key.strip_prefix('/').unwrap_or(key);
    if key.is_empty() {
        return Found::None;
    }
    let all = || {
        nodes
            .iter()
            .flat_map(|n| n.containers.values().map(move |c| (n, c)))
    };
    let swarm_id = |c: &super::node::ContainerRecord| {
        c.container
            .labels
            .get(LABEL_SWARM_ID)
            .cloned()
            .unwrap_or_default()
    };
    // Several hits of which one only is on a Healthy node: that one (a rescheduled container's
    // old copy on a failed node shares its name and swarm ID until the node returns and the
    // copy is removed).
    let healthy = |node: &str| {
        nodes
            .iter()
            .any(|n| n.name() == node && n.health.health == super::Health::Healthy)
    };
    let pick = |hits: Vec<(String, String)>| match hits.len() {
        0 => None,
        1 => hits
            .into_iter()
            .next()
            .map(|(node, id)| Found::One { node, id }),
        _ => {
            let mut live: Vec<(String, String)> =
                hits.into_iter().filter(|(n, _)| healthy(n)).collect();
            match (live.pop(), live.is_empty()) {
                (Some((node, id)), true) => Some(Found::One { node, id }),
                _ => Some(Found::Many),
            }
        }
    };
    let hit = |n: &Arc<NodeData>, c: &Arc<super::node::ContainerRecord>| {
        (n.name().to_string(), c.id().to_string())
    };
    // 1. exact ID, then exact swarm ID
    if let Some(f) = pick(
        all()
            .filter(|(_, c)| c.id() == key)
            .map(|(n, c)| hit(n, c))
            .collect(),
    ) {
        return f;
    }
    if let Some(f) = pick(
        all()
            .filter(|(_, c)| swarm_id(c) == key)
            .map(|(n, c)| hit(n, c))
            .collect(),
    ) {
        return f;
    }
    // 2. NODE/NAME when both parts exist, else the whole string as a name
    if let Some((node, name)) = key.split_once('/')
        && let Some(n) = nodes.iter().find(|n| n.name() == node)
        && let Some(c) = n.containers.values().find(|c| c.name() == name)
    {
        return Found::One {
            node: n.name().to_string(),
            id: c.id().to_string(),
        };
    }
    if let Some(f) = pick(
        all()
            .filter(|(_, c)| c.name() == key)
            .map(|(n, c)| hit(n, c))
            .collect(),
    ) {
        return f;
    }
    // 3. unique ID prefix, then unique swarm-ID prefix
    if let Some(f) = pick(
        all()
            .filter(|(_, c)| c.id().starts_with(key))
            .map(|(n, c)| hit(n, c))
            .collect(),
    ) {
        return f;
    }
    pick(
        all()
            .filter(|(_, c)| {
                let s = swarm_id(c);
                !s.is_empty() && s.starts_with(key)
            })
            .map(|(n, c)| hit(n, c))
            .collect(),
    )
    .unwrap_or(Found::None)
}

/// What a call about one container may ask of it, after `/containers/{id}`: the Engine API's
/// container sub-resources, and nothing else. The relayed path is rebuilt from the resolved ID
/// and one of these, never from the client's raw path.
const SUB_RESOURCES: &[&str] = &[
    "json", "logs", "top", "changes", "export", "stats", "resize", "start", "stop", "restart",
    "kill", "update", "rename", "pause", "unpause", "attach", "wait", "exec", "archive",
];

/// A call about one container: the container as named, and the sub-resource (`""` for the
/// container itself, as `DELETE /containers/{id}`; `attach/ws` for the websocket attach).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerCall {
    /// The container as the client named it (`NODE/NAME` when both exist), for [`find`].
    pub key: String,
    /// One of the allowed sub-resources, `attach/ws`, or `""` for the container itself.
    pub sub: String,
}

/// Splits the segments after `/containers/` into the container's key and an allowed
/// sub-resource. `NODE/NAME` takes two segments only when the model has that container on that
/// node ([`find`]'s rule 2); anything else is one segment. `None`: no such sub-resource.
pub fn container_call(nodes: &[Arc<NodeData>], segments: &[&str]) -> Option<ContainerCall> {
    let sub_of = |tail: &[&str]| -> Option<String> {
        match tail {
            [] => Some(String::new()),
            ["attach", "ws"] => Some("attach/ws".into()),
            [one] if SUB_RESOURCES.contains(one) => Some(one.to_string()),
            _ => None,
        }
    };
    if let [node, name, tail @ ..] = segments
        && nodes
            .iter()
            .any(|n| n.name() == *node && n.containers.values().any(|c| c.name() == *name))
        && let Some(sub) = sub_of(tail)
    {
        return Some(ContainerCall {
            key: format!("{node}/{name}"),
            sub,
        });
    }
    let (first, tail) = segments.split_first()?;
    Some(ContainerCall {
        key: first.to_string(),
        sub: sub_of(tail)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::members::Member;
    use crate::cluster::model::node::ContainerRecord;
    use serde_json::json;

    fn node(name: &str, containers: &[(&str, &str, &str)]) -> Arc<NodeData> {
        let mut n = NodeData::new(
            Member {
                name: name.into(),
                addr: "tcp://10.0.0.1:2376".parse().expect("addr"),
                tls: None,
            },
            Default::default(),
        );
        for (id, cname, swarm) in containers {
            let inspect = serde_json::from_value(json!({
                "Id": id, "Name": format!("/{cname}"),
                "Config": {"Labels": if swarm.is_empty() { json!({}) } else { json!({LABEL_SWARM_ID: swarm}) }}
            }))
            .expect("inspect");
            n.containers.insert(
                id.to_string(),
                Arc::new(ContainerRecord::of(inspect, name, "10.0.0.1")),
            );
        }
        Arc::new(n)
    }

    fn one(node: &str, id: &str) -> Found {
        Found::One {
            node: node.into(),
            id: id.into(),
        }
    }

    #[test]
    fn the_lookup_table() {
        let nodes = vec![
            node("web", &[("aaa111", "web", "s1"), ("aab222", "db", "")]),
            node("n2", &[("bbb333", "db", "s2"), ("ccc444", "n2", "")]),
        ];
        // An empty key is nobody, not everybody's prefix.
        assert_eq!(find(&nodes, ""), Found::None);
        assert_eq!(find(&nodes, "/"), Found::None);
        // Exact IDs and swarm IDs first.
        assert_eq!(find(&nodes, "aab222"), one("web", "aab222"));
        assert_eq!(find(&nodes, "s2"), one("n2", "bbb333"));
        // A container named like a node is found by its name.
        assert_eq!(find(&nodes, "web"), one("web", "aaa111"));
        assert_eq!(find(&nodes, "n2"), one("n2", "ccc444"));
        // NODE/NAME when that node has that container.
        assert_eq!(find(&nodes, "web/db"), one("web", "aab222"));
        assert_eq!(find(&nodes, "/n2/db"), one("n2", "bbb333"));
        assert_eq!(find(&nodes, "n2/web"), Found::None);
        // The same name on two nodes is ambiguous; a unique prefix is enough.
        assert_eq!(find(&nodes, "db"), Found::Many);
        assert_eq!(find(&nodes, "aa"), Found::Many);
        assert_eq!(find(&nodes, "bb"), one("n2", "bbb333"));
        assert_eq!(find(&nodes, "zz"), Found::None);
    }

    #[test]
    fn a_rescheduled_container_is_found_on_the_healthy_node() {
        let mut failed = (*node("n1", &[("aaa111", "web", "s1")])).clone();
        failed.health.health = crate::cluster::model::Health::Unhealthy;
        let mut moved = (*node("n2", &[("bbb222", "web", "s1")])).clone();
        moved.health.health = crate::cluster::model::Health::Healthy;
        let nodes = vec![Arc::new(failed.clone()), Arc::new(moved.clone())];
        assert_eq!(find(&nodes, "s1"), one("n2", "bbb222"));
        assert_eq!(find(&nodes, "web"), one("n2", "bbb222"));
        assert_eq!(find(&nodes, "n1/web"), one("n1", "aaa111"));
        // Both Healthy (the old node is back, its copy not yet removed): ambiguous.
        failed.health.health = crate::cluster::model::Health::Healthy;
        let nodes = vec![Arc::new(failed), Arc::new(moved)];
        assert_eq!(find(&nodes, "s1"), Found::Many);
    }

    #[test]
    fn container_calls_split_by_what_exists_and_allow_only_sub_resources() {
        let nodes = vec![
            node("web", &[("aaa111", "web", ""), ("aab222", "db", "")]),
            node("n2", &[("bbb333", "logs", "")]),
        ];
        let call = |s: &[&str]| container_call(&nodes, s).map(|c| (c.key, c.sub));
        let kv = |k: &str, s: &str| Some((k.to_string(), s.to_string()));
        // `docker logs web` with a node named web: the container, its logs.
        assert_eq!(call(&["web", "logs"]), kv("web", "logs"));
        assert_eq!(call(&["web", "db", "json"]), kv("web/db", "json"));
        assert_eq!(call(&["web", "db"]), kv("web/db", ""));
        // A node-named first segment whose second is no container there is a plain key.
        assert_eq!(call(&["n2", "json"]), kv("n2", "json"));
        assert_eq!(call(&["n2", "logs"]), kv("n2/logs", ""));
        assert_eq!(call(&["aaa111", "attach", "ws"]), kv("aaa111", "attach/ws"));
        assert_eq!(call(&["aaa111"]), kv("aaa111", ""));
        // Nothing outside the allow-list, no `..` reaching an engine.
        assert_eq!(call(&["aaa111", "..", "..", "images", "json"]), None);
        assert_eq!(call(&["aaa111", "json", "extra"]), None);
        assert_eq!(call(&["aaa111", "prune"]), None);
        assert_eq!(call(&[]), None);
    }
}
