//! `whitelist`: the value is a `|`-separated list of node names, compared exactly (no glob, no
//! regex); the key is ignored, as upstream. Difference, deliberate: upstream also ignored the
//! operator, so `!=` behaved like `==`; here `!=` excludes the listed nodes.

use super::{Reject, first_failing};
use crate::expr::{Expr, Op};
use crate::request::Prepared;
use crate::state::Node;

/// Whether one whitelist holds on the node.
pub fn holds(expr: &Expr, node: &Node) -> bool {
    let listed = expr.value().split('|').any(|n| n == node.name);
    match expr.op() {
        Op::Eq => listed,
        Op::Ne => !listed,
    }
}

/// Reject the node when a whitelist does not hold.
pub fn check<'a>(req: &'a Prepared, node: &'a Node, soft: bool) -> Option<Reject<'a>> {
    first_failing(&req.whitelists, soft, |e| holds(e, node)).map(|expr| Reject::Expr {
        kind: "whitelist",
        expr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::testutil::{env, node};

    #[test]
    fn names_are_exact_and_pipe_separated() {
        let e = Expr::parse("node==n1|n2").unwrap();
        assert!(holds(&e, &node("n1")));
        assert!(holds(&e, &node("n2")));
        assert!(!holds(&e, &node("n3")));
        assert!(!holds(&Expr::parse("anykey==n*").unwrap(), &node("n1")));
        assert!(holds(&Expr::parse("anykey==n1").unwrap(), &node("n1")));
        let ne = Expr::parse("node!=n1|n2").unwrap();
        assert!(!holds(&ne, &node("n1")));
        assert!(holds(&ne, &node("n3")));
    }

    #[test]
    fn soft_whitelists_only_in_first_pass() {
        let req = env(&["whitelist:node==~n9"]);
        assert!(check(&req, &node("n1"), true).is_some());
        assert!(check(&req, &node("n1"), false).is_none());
    }
}
