//! `dependency`: links, `--volumes-from` and `--net=container:X` imply co-location. A node is kept
//! only when every named container is on it, found by ID, swarm ID or name (upstream's
//! `Containers.Get`, restricted to the node). There is no soft variant.

use super::Reject;
use crate::cluster::state::{Container, Node};
use crate::scheduler::request::Prepared;

const SWARM_ID: &str = "com.docker.swarm.id";

/// `--volumes-from=X`, `--link=X`, `--net=container:X` lines for the error message.
pub fn lines(req: &Prepared) -> Vec<String> {
    let mut out: Vec<String> = req
        .volumes_from
        .iter()
        .map(|v| format!("--volumes-from={v}"))
        .collect();
    out.extend(req.links.iter().map(|l| format!("--link={l}")));
    if req.net_container().is_some() {
        out.push(format!("--net={}", req.network_mode));
    }
    out
}

/// The container part of a `--volumes-from` or `--link` entry (`c0:ro` → `c0`).
fn target(entry: &str) -> &str {
    entry.split_once(':').map_or(entry, |(t, _)| t)
}

fn truncated(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// Whether `what` names a container of `node`: exact or 12-char ID, exact or 12-char swarm ID,
/// then a unique name (`name`, `/name`, `<node id>/name`, `<node name>/name`), then a unique ID
/// prefix, then a unique swarm-ID prefix.
pub fn find<'a>(node: &'a Node, what: &str) -> Option<&'a Container> {
    if what.is_empty() {
        return None;
    }
    let swarm_id = |c: &'a Container| c.labels.get(SWARM_ID).map(String::as_str).unwrap_or("");
    if let Some(c) = node
        .containers
        .iter()
        .find(|c| !c.id.is_empty() && (c.id == what || truncated(&c.id) == what))
    {
        return Some(c);
    }
    if let Some(c) = node.containers.iter().find(|c| {
        let s = swarm_id(c);
        !s.is_empty() && (s == what || truncated(s) == what)
    }) {
        return Some(c);
    }
    let name = what.trim_start_matches('/');
    let name = [node.id.as_str(), node.name.as_str()]
        .iter()
        .filter(|p| !p.is_empty())
        .find_map(|p| name.strip_prefix(*p).and_then(|r| r.strip_prefix('/')))
        .unwrap_or(name);
    let named = |c: &&Container| !c.name.is_empty() && c.name.trim_start_matches('/') == name;
    if node.containers.iter().any(|c| named(&c)) {
        // More than one match is "not found": no ambiguity resolution, as upstream.
        return unique(node.containers.iter().filter(named));
    }
    unique(
        node.containers
            .iter()
            .filter(|c| !c.id.is_empty() && c.id.starts_with(what)),
    )
    .or_else(|| {
        unique(node.containers.iter().filter(|c| {
            let s = swarm_id(c);
            !s.is_empty() && s.starts_with(what)
        }))
    })
}

/// The only item of the iterator, or `None` when it has none or several.
fn unique<T>(mut it: impl Iterator<Item = T>) -> Option<T> {
    let first = it.next()?;
    it.next().is_none().then_some(first)
}

/// Reject the node when a dependency is missing from it.
pub fn check<'a>(req: &'a Prepared, node: &'a Node) -> Option<Reject<'a>> {
    for v in &req.volumes_from {
        if find(node, target(v)).is_none() {
            return Some(Reject::Dependency {
                flag: "--volumes-from",
                entry: v,
            });
        }
    }
    for l in &req.links {
        if find(node, target(l)).is_none() {
            return Some(Reject::Dependency {
                flag: "--link",
                entry: l,
            });
        }
    }
    if let Some(c) = req.net_container()
        && find(node, c).is_none()
    {
        return Some(Reject::Dependency {
            flag: "--net",
            entry: &req.network_mode,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::filter::testutil::{container, node, prep};
    use serde_json::json;

    fn n() -> Node {
        let mut n = node("node-1");
        n.id = "ENGINE".into();
        let mut a = container("a");
        a.id = "aaaa1111bbbb2222cccc".into();
        a.labels.insert(SWARM_ID.into(), "5555666677778888".into());
        n.containers.push(a);
        let mut b = container("/b");
        b.id = "abcd0000".into();
        n.containers.push(b);
        n
    }

    #[test]
    fn lookup_by_id_swarm_id_name_and_prefix() {
        let n = n();
        for what in [
            "aaaa1111bbbb2222cccc",
            "aaaa1111bbbb",
            "5555666677778888",
            "a",
            "/a",
            "node-1/a",
            "ENGINE/a",
            "aaaa1",
            "55556",
            "b",
        ] {
            assert!(find(&n, what).is_some(), "{what}");
        }
        // "a" prefixes both IDs but names win; "ab" is a unique ID prefix; "aa"/"ab" ambiguity.
        assert_eq!(find(&n, "a").unwrap().name, "a");
        assert_eq!(find(&n, "ab").unwrap().name, "/b");
        for what in ["", "c", "other/a", "9"] {
            assert!(find(&n, what).is_none(), "{what}");
        }
    }

    #[test]
    fn duplicate_names_are_not_found() {
        let mut n = n();
        n.containers.push(container("a"));
        assert!(find(&n, "a").is_none());
    }

    #[test]
    fn every_dependency_kind_is_checked() {
        let n = n();
        let ok = prep(
            json!({"HostConfig":{"Links":["/a:alias"],"VolumesFrom":["b:ro"],"NetworkMode":"container:a"}}),
        );
        assert!(check(&ok, &n).is_none());
        assert_eq!(
            lines(&ok),
            vec![
                "--volumes-from=b:ro",
                "--link=/a:alias",
                "--net=container:a"
            ]
        );
        let bad = prep(json!({"HostConfig":{"VolumesFrom":["zz"]}}));
        assert_eq!(
            check(&bad, &n).unwrap().to_string(),
            "--volumes-from=zz: no such container on this node"
        );
        let bad = prep(json!({"HostConfig":{"Links":["zz:db"]}}));
        assert!(check(&bad, &n).is_some());
        let bad = prep(json!({"HostConfig":{"NetworkMode":"container:zz"}}));
        assert_eq!(
            check(&bad, &n).unwrap().to_string(),
            "--net=container:zz: no such container on this node"
        );
    }
}
