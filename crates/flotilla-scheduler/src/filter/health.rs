//! `health`: only healthy nodes can take containers. When none is left the scheduler answers
//! "No healthy node available in the cluster", unwrapped (as upstream).

use super::Reject;
use crate::state::Node;

/// Reject the node when it is not healthy.
pub fn check(node: &Node) -> Option<Reject<'_>> {
    (!node.healthy).then_some(Reject::Unhealthy {
        error: node.error.as_deref(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::testutil::node;

    #[test]
    fn unhealthy_nodes_are_rejected_with_their_error() {
        let mut n = node("a");
        assert!(check(&n).is_none());
        n.healthy = false;
        n.error = Some("connection refused".into());
        assert_eq!(
            check(&n).unwrap().to_string(),
            "node is unhealthy: connection refused"
        );
    }
}
