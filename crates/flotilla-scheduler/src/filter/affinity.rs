//! `affinity`: expressions over what is already on the node.
//!
//! * `container`: the full ID and the name (without `/`) of every named container of the node, in
//!   any state, pending ones included;
//! * `image`: the ID, every tag and every repository (tag stripped) of every image on the node;
//! * any other key: that label's value on every container of the node (`""` when missing).
//!
//! `==` holds when any candidate matches, `!=` when none does; so on an empty node `!=` holds and
//! `==` does not. Soft rules are skipped in the fallback pass.

use super::dependency::name_is_bytes;
use super::{Reject, first_failing, label};
use crate::expr::{Expr, Op};
use crate::request::Prepared;
use crate::state::Node;

/// Split a repo tag into repository and tag (upstream's `ParseRepositoryTag`):
/// `host:5000/x:1` → `host:5000/x`, `x@sha256:…` → `x`.
pub fn repository(reference: &str) -> &str {
    if let Some((repo, _)) = reference.split_once('@') {
        return repo;
    }
    match reference.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => repo,
        _ => reference,
    }
}

/// Whether one affinity holds on the node.
pub fn holds(expr: &Expr, node: &Node) -> bool {
    if let ("container", Some(v)) = (expr.key(), expr.exact_value()) {
        let any = has_container(node, v);
        return match expr.op() {
            Op::Eq => any,
            Op::Ne => !any,
        };
    }
    holds_scan(expr, node)
}

/// Whether a named container of the node has ID `v` or name `v` (without its leading `/`s): the
/// exact-value `container` affinity, reading a string's bytes only when its length allows a match.
/// Same answer as [`holds_scan`] (a property test checks it).
fn has_container(node: &Node, v: &str) -> bool {
    let v = v.as_bytes();
    if v.is_empty() {
        return false;
    }
    // A name without its leading `/`s never starts with `/`.
    let by_name = v[0] != b'/';
    node.containers.iter().any(|c| {
        let (id, n) = (c.id.as_bytes(), c.name.as_bytes());
        !n.is_empty() && ((id.len() == v.len() && id == v) || (by_name && name_is_bytes(n, v)))
    })
}

/// [`holds`] by evaluating the expression over every candidate string of the node.
pub(crate) fn holds_scan(expr: &Expr, node: &Node) -> bool {
    match expr.key() {
        "container" => expr.matches(
            node.containers
                .iter()
                .filter(|c| !c.name.is_empty())
                .flat_map(|c| [c.id.as_str(), c.name.trim_start_matches('/')])
                .filter(|s| !s.is_empty()),
        ),
        "image" => expr.matches(node.images.iter().flat_map(|i| {
            std::iter::once(i.id.as_str())
                .filter(|s| !s.is_empty())
                .chain(i.tags.iter().map(String::as_str))
                .chain(i.tags.iter().map(|t| repository(t)))
        })),
        key => expr.matches(node.containers.iter().map(|c| label(&c.labels, key))),
    }
}

/// Whether the cluster-wide tables decide the rule for every node at once (any `container` rule;
/// see [`Owners::mark_container_matches`](crate::index::Owners)), so that the per-node
/// check with tables skips it.
pub(crate) fn decided_by_tables(expr: &Expr) -> bool {
    expr.key() == "container"
}

/// [`check`] with the node's lookup tables, for a pass that has decided the rules
/// [`decided_by_tables`] selects for the whole cluster already: those are skipped here.
pub(crate) fn check_indexed<'a>(
    req: &'a Prepared,
    node: &'a Node,
    soft: bool,
) -> Option<Reject<'a>> {
    first_failing(&req.affinities, soft, |e| {
        decided_by_tables(e) || holds(e, node)
    })
    .map(|expr| Reject::Expr {
        kind: "affinity",
        expr,
    })
}

/// Reject the node when an affinity does not hold.
pub fn check<'a>(req: &'a Prepared, node: &'a Node, soft: bool) -> Option<Reject<'a>> {
    first_failing(&req.affinities, soft, |e| holds(e, node)).map(|expr| Reject::Expr {
        kind: "affinity",
        expr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::testutil::{container, env, node};
    use crate::state::Image;

    fn e(s: &str) -> Expr {
        Expr::parse(s).unwrap()
    }

    #[test]
    fn repositories_are_split_like_upstream() {
        assert_eq!(repository("redis:7"), "redis");
        assert_eq!(repository("redis"), "redis");
        assert_eq!(repository("host:5000/x:1"), "host:5000/x");
        assert_eq!(repository("host:5000/x"), "host:5000/x");
        assert_eq!(repository("x@sha256:abc"), "x");
    }

    #[test]
    fn container_affinity_uses_names_and_ids_of_every_state() {
        let mut n = node("a");
        let mut c = container("/redis");
        c.state = "exited".into();
        c.id = "0123456789abcdef".into();
        n.containers.push(c);
        let mut pending = container("web");
        pending.id.clear();
        pending.state = "pending".into();
        n.containers.push(pending);
        assert!(holds(&e("container==redis"), &n));
        assert!(holds(&e("container==web"), &n));
        assert!(holds(&e("container==0123456789abcdef"), &n));
        assert!(holds(&e("container==0123*"), &n));
        assert!(!holds(&e("container==0123"), &n), "globs are anchored");
        assert!(holds(&e("container==/dis/"), &n));
        assert!(!holds(&e("container!=redis"), &n));
        assert!(holds(&e("container!=db"), &n));
        let empty = node("b");
        assert!(!holds(&e("container==redis"), &empty));
        assert!(holds(&e("container!=redis"), &empty));
    }

    #[test]
    fn image_affinity_uses_ids_tags_and_repositories() {
        let mut n = node("a");
        n.images.push(Image {
            id: "sha256:06a1f00d".into(),
            tags: vec!["redis:7".into(), "reg:5000/app:1".into()],
        });
        for ok in [
            "image==redis",
            "image==redis:7",
            "image==sha256:06a1*",
            "image==reg:5000/app",
            "image==reg:5000/app:1",
            "image!=nginx",
        ] {
            assert!(holds(&e(ok), &n), "{ok}");
        }
        for no in [
            "image==06a1",
            "image==nginx",
            "image!=redis",
            "image==Redis",
        ] {
            assert!(!holds(&e(no), &n), "{no}");
        }
    }

    #[test]
    fn label_affinity_treats_missing_labels_as_empty() {
        let mut n = node("a");
        let mut c = container("x");
        c.labels.insert("test.label".into(), "true".into());
        n.containers.push(c);
        n.containers.push(container("y"));
        assert!(holds(&e("test.label==true"), &n));
        assert!(!holds(&e("test.label!=true"), &n));
        assert!(holds(&e("other==/^$/"), &n), "missing label is \"\"");
        assert!(holds(&e("test.label!=false"), &node("empty")));
    }

    #[test]
    fn soft_affinities_are_skipped_in_the_fallback_pass() {
        let req = env(&["affinity:container==~nothere"]);
        let n = node("a");
        assert!(check(&req, &n, true).is_some());
        assert!(check(&req, &n, false).is_none());
        assert_eq!(
            check(&req, &n, true).unwrap().to_string(),
            "affinity container==~nothere does not hold"
        );
    }
}
