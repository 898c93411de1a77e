//! `dependency`: links, `--volumes-from` and `--net=container:X` imply co-location. A node is kept
//! only when every named container is on it, found by ID, swarm ID or name (upstream's
//! `Containers.Get`, restricted to the node). There is no soft variant.

use super::Reject;
use crate::index::NodeIndex;
use crate::request::Prepared;
use crate::state::{Container, Node};

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

/// Every container the request depends on: `--volumes-from`, `--link` and `--net=container:`
/// targets, in the order they are checked.
pub(crate) fn targets(req: &Prepared) -> impl Iterator<Item = &str> {
    req.volumes_from
        .iter()
        .map(|v| target(v))
        .chain(req.links.iter().map(|l| target(l)))
        .chain(req.net_container())
}

/// The container part of a `--volumes-from` or `--link` entry (`c0:ro` → `c0`).
fn target(entry: &str) -> &str {
    entry.split_once(':').map_or(entry, |(t, _)| t)
}

/// `id` is `what`, or its 12-character truncation is. Compares lengths before bytes, so a
/// mismatch rarely touches the string's heap data (this runs for every container of every node).
#[cfg(test)]
fn id_is(id: &str, what: &str) -> bool {
    !id.is_empty()
        && ((id.len() == what.len() && id == what)
            || (what.len() == 12 && id.as_bytes().get(..12) == Some(what.as_bytes())))
}

/// `name` without its leading `/`s is `target`.
#[cfg(test)]
fn name_is(name: &str, target: &str) -> bool {
    let (n, t) = (name.as_bytes(), target.as_bytes());
    n.len() >= t.len() && {
        let k = n.len() - t.len();
        n[..k].iter().all(|&b| b == b'/') && &n[k..] == t
    }
}

/// The container name `what` designates on `node`: without leading `/`s and without a
/// `<node id>/` or `<node name>/` prefix.
pub(crate) fn target_name<'a>(node: &Node, what: &'a str) -> &'a str {
    let name = what.trim_start_matches('/');
    [node.id.as_str(), node.name.as_str()]
        .iter()
        .filter(|p| !p.is_empty())
        .find_map(|p| name.strip_prefix(*p).and_then(|r| r.strip_prefix('/')))
        .unwrap_or(name)
}

/// [`holds`] answered from the node's lookup tables. The tables key names without their leading
/// `/`s, which answers "is the name `/`s followed by `name`" only for a `name` that is not empty and
/// does not start with `/` itself; the rare others (`n1//a`, `n1/`) are answered by the scan.
fn holds_indexed(node: &Node, idx: &NodeIndex, what: &str) -> bool {
    let name = target_name(node, what);
    if name.is_empty() || name.starts_with('/') {
        return holds(node, what);
    }
    idx.holds(what, name)
}

#[cfg(test)]
fn swarm_id(c: &Container) -> &str {
    if c.labels.is_empty() {
        return "";
    }
    c.labels.get(SWARM_ID).map(String::as_str).unwrap_or("")
}

/// Whether `what` names a container of `node`, by upstream's `Containers.Get` rules restricted to
/// the node: exact or 12-char ID, exact or 12-char swarm ID, then exactly one name match (`name`,
/// `/name`, `<node id>/name`, `<node name>/name`; several matches mean not found), then exactly
/// one ID or swarm-ID prefix match. One pass over the containers.
///
/// This runs for every container of every node, so it touches as little memory as it can: a
/// string's bytes are read only when its length allows a match (and its first byte before the
/// rest), and the swarm ID label is found by key length before key bytes. The answer does not
/// depend on the order of the containers, so prefixes are counted throughout and used only when
/// no name matched (the same answer as `holds_scan`, which a property test checks).
pub fn holds(node: &Node, what: &str) -> bool {
    if what.is_empty() {
        return false;
    }
    let name = target_name(node, what).as_bytes();
    let w = what.as_bytes();
    let (mut named, mut prefixed) = (0usize, 0usize);
    for c in &node.containers {
        match id_match(c.id.as_bytes(), w) {
            IdMatch::Exact => return true,
            IdMatch::Prefix => prefixed += 1,
            IdMatch::No => {}
        }
        if let Some(swarm) = swarm_id_fast(c) {
            match id_match(swarm.as_bytes(), w) {
                IdMatch::Exact => return true,
                IdMatch::Prefix => prefixed += 1,
                IdMatch::No => {}
            }
        }
        let n = c.name.as_bytes();
        if !n.is_empty() && name_is_bytes(n, name) {
            named += 1;
        }
    }
    named == 1 || (named == 0 && prefixed == 1)
}

enum IdMatch {
    /// `id == what`, or `what` has 12 characters and is `id`'s truncation.
    Exact,
    /// `what` is a strict prefix of `id` (and not a 12-character one).
    Prefix,
    No,
}

/// [`id_is`] and the prefix test of [`holds_scan`] in one look at `id`; `w` is not empty.
#[inline]
fn id_match(id: &[u8], w: &[u8]) -> IdMatch {
    if id.len() < w.len() || id[0] != w[0] || &id[..w.len()] != w {
        return IdMatch::No;
    }
    if id.len() == w.len() || w.len() == 12 {
        IdMatch::Exact
    } else {
        IdMatch::Prefix
    }
}

/// `name_is` on bytes: `n` is `t` after `/`s.
#[inline]
pub(crate) fn name_is_bytes(n: &[u8], t: &[u8]) -> bool {
    n.len() >= t.len() && {
        let k = n.len() - t.len();
        ends_with(n, t) && n[..k].iter().all(|&b| b == b'/')
    }
}

/// `n.ends_with(t)` comparing from the last byte, where names (`web-1`, `web-2`) usually differ,
/// without a call to `memcmp`.
#[inline]
pub(crate) fn ends_with(n: &[u8], t: &[u8]) -> bool {
    n.len() >= t.len() && n.iter().rev().zip(t.iter().rev()).all(|(a, b)| a == b)
}

/// The container's non-empty swarm ID label. Keys are compared by length before their bytes are
/// read (same answer as `labels.get`, keys being unique).
#[inline]
fn swarm_id_fast(c: &Container) -> Option<&str> {
    let is_swarm = |k: &String| k.len() == SWARM_ID.len() && k.as_str() == SWARM_ID;
    let v = match c.labels.len() {
        0 => return None,
        // The common case, without setting up an iterator.
        1 => c.labels.first_key_value().filter(|(k, _)| is_swarm(k))?.1,
        _ => c.labels.iter().find(|(k, _)| is_swarm(k))?.1,
    };
    (!v.is_empty()).then_some(v.as_str())
}

/// The plain one-pass scan [`holds`] is checked against.
#[cfg(test)]
pub(crate) fn holds_scan(node: &Node, what: &str) -> bool {
    if what.is_empty() {
        return false;
    }
    let name = target_name(node, what);
    let (mut named, mut prefixed) = (0usize, 0usize);
    for c in &node.containers {
        if id_is(&c.id, what) {
            return true;
        }
        let swarm = swarm_id(c);
        if id_is(swarm, what) {
            return true;
        }
        if !c.name.is_empty() && name_is(&c.name, name) {
            named += 1;
        }
        if named == 0 {
            prefixed += usize::from(c.id.len() > what.len() && c.id.starts_with(what));
            prefixed += usize::from(swarm.len() > what.len() && swarm.starts_with(what));
        }
    }
    named == 1 || (named == 0 && prefixed == 1)
}

/// Reject the node when a dependency is missing from it.
pub fn check<'a>(req: &'a Prepared, node: &'a Node) -> Option<Reject<'a>> {
    check_with(req, node, holds)
}

/// [`check`] answered from the node's lookup tables.
pub(crate) fn check_indexed<'a>(
    req: &'a Prepared,
    node: &'a Node,
    idx: &NodeIndex,
) -> Option<Reject<'a>> {
    check_with(req, node, |n, w| holds_indexed(n, idx, w))
}

fn check_with<'a>(
    req: &'a Prepared,
    node: &'a Node,
    holds: impl Fn(&Node, &str) -> bool,
) -> Option<Reject<'a>> {
    for v in &req.volumes_from {
        if !holds(node, target(v)) {
            return Some(Reject::Dependency {
                flag: "--volumes-from",
                entry: v,
            });
        }
    }
    for l in &req.links {
        if !holds(node, target(l)) {
            return Some(Reject::Dependency {
                flag: "--link",
                entry: l,
            });
        }
    }
    if let Some(c) = req.net_container()
        && !holds(node, c)
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
    use crate::filter::testutil::{container, node, prep};
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
            assert!(holds(&n, what), "{what}");
        }
        // "a" prefixes both IDs but the name wins; "ab" is a unique ID prefix.
        assert!(holds(&n, "ab"));
        for what in ["", "c", "other/a", "9"] {
            assert!(!holds(&n, what), "{what}");
        }
    }

    #[test]
    fn duplicate_names_are_not_found() {
        let mut n = n();
        n.containers.push(container("a"));
        assert!(!holds(&n, "a"));
        // Two containers whose IDs share a prefix: ambiguous, not found.
        for id in ["dead0001", "dead0002"] {
            let mut c = container(id);
            c.id = id.into();
            c.name.clear();
            n.containers.push(c);
        }
        assert!(!holds(&n, "dead"));
        assert!(holds(&n, "dead0001"));
    }

    #[test]
    fn lookup_tables_agree_with_the_scan() {
        let mut n = n();
        for id in ["dead0001", "dead0002", "aaaa1111bbbb9999"] {
            let mut c = container(id);
            c.id = id.into();
            n.containers.push(c);
        }
        n.containers.push(container("a"));
        let idx = NodeIndex::of(&n);
        for what in [
            "",
            "a",
            "/a",
            "b",
            "node-1/b",
            "ENGINE/b",
            "aaaa1111bbbb",
            "aaaa1",
            "aaaa1111bbbb2",
            "5555",
            "5555666677778888",
            "dead",
            "dead0001",
            "dead0001-id",
            "ab",
            "zz",
            "abcd0000",
        ] {
            assert_eq!(holds_indexed(&n, &idx, what), holds(&n, what), "{what}");
        }
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
