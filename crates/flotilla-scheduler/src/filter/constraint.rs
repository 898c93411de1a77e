//! `constraint`: expressions over the node itself. The key `node` matches the node's name or ID;
//! any other key matches the node label of that name, `""` when missing (so `key!=x` passes on
//! nodes without the label). Soft rules are skipped in the fallback pass.

use super::{Reject, first_failing, label};
use crate::expr::Expr;
use crate::request::Prepared;
use crate::state::Node;

/// Whether one constraint holds on the node.
pub fn holds(expr: &Expr, node: &Node) -> bool {
    match expr.key() {
        "node" => expr.matches(
            [node.id.as_str(), node.name.as_str()]
                .into_iter()
                .filter(|s| !s.is_empty()),
        ),
        key => expr.matches([label(&node.labels, key)]),
    }
}

/// Reject the node when a constraint does not hold.
pub fn check<'a>(req: &'a Prepared, node: &'a Node, soft: bool) -> Option<Reject<'a>> {
    first_failing(&req.constraints, soft, |e| holds(e, node)).map(|expr| Reject::Expr {
        kind: "constraint",
        expr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::testutil::{env, node};

    fn e(s: &str) -> Expr {
        Expr::parse(s).unwrap()
    }

    fn labelled() -> Node {
        let mut n = node("node-1");
        n.id = "ENGINE-ID".into();
        n.labels.insert("region".into(), "us-west".into());
        n.labels.insert("storage".into(), "ssd".into());
        n
    }

    #[test]
    fn node_key_matches_name_or_id() {
        let n = labelled();
        assert!(holds(&e("node==node-1"), &n));
        assert!(holds(&e("node==ENGINE-ID"), &n));
        assert!(holds(&e("node==node-*"), &n));
        assert!(!holds(&e("node==node-2"), &n));
        assert!(!holds(&e("node!=ENGINE-ID"), &n));
        assert!(holds(&e("node!=node-2"), &n));
    }

    #[test]
    fn labels_globs_and_regexes() {
        let n = labelled();
        assert!(holds(&e("region==us-west"), &n));
        assert!(holds(&e("region==us-*"), &n));
        assert!(holds(&e("region==/west/"), &n));
        assert!(!holds(&e("region==/^west/"), &n));
        assert!(!holds(&e("region==US-WEST"), &n));
        assert!(holds(&e("region==/(?i)US-WEST/"), &n));
        assert!(holds(&e("region!=us-east"), &n));
        assert!(!holds(&e("region!=us-west"), &n));
    }

    #[test]
    fn missing_label_is_empty() {
        let n = labelled();
        assert!(holds(&e("zone!=a"), &n));
        assert!(!holds(&e("zone==a"), &n));
        assert!(holds(&e("zone==*"), &n));
    }

    #[test]
    fn soft_constraints_only_in_first_pass() {
        let req = env(&["constraint:region==~us-east", "constraint:storage==ssd"]);
        let n = labelled();
        assert!(check(&req, &n, true).is_some());
        assert!(check(&req, &n, false).is_none());
    }
}
