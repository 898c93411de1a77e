//! `containerslots`: a node labelled `containerslots=N` takes at most N containers, counting every
//! container in any state (stopped and pending ones too). A missing or non-integer label means no
//! limit, as upstream.

use super::{Reject, label};
use crate::state::Node;

/// The node's slot limit, if its `containerslots` label is an integer.
pub fn slots(node: &Node) -> Option<i64> {
    let v = label(&node.labels, "containerslots");
    if v.is_empty() { None } else { v.parse().ok() }
}

/// Reject the node when its slots are used up.
pub fn check(node: &Node) -> Option<Reject<'static>> {
    let slots = slots(node)?;
    let containers = node.containers.len();
    let fits = i64::try_from(containers).is_ok_and(|n| n < slots);
    (!fits).then_some(Reject::NoSlots { slots, containers })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::testutil::{container, node};

    #[test]
    fn slots_limit_containers_of_every_state() {
        let mut n = node("a");
        n.labels.insert("containerslots".into(), "2".into());
        assert!(check(&n).is_none());
        n.containers.push(container("x"));
        let mut stopped = container("y");
        stopped.state = "exited".into();
        n.containers.push(stopped);
        assert_eq!(
            check(&n).unwrap().to_string(),
            "no open container slot (containerslots=2, 2 containers)"
        );
    }

    #[test]
    fn missing_or_invalid_label_is_unlimited() {
        let mut n = node("a");
        n.containers.push(container("x"));
        assert!(check(&n).is_none());
        n.labels.insert("containerslots".into(), "many".into());
        assert!(check(&n).is_none());
        n.labels.insert("containerslots".into(), "0".into());
        assert!(check(&n).is_some());
        n.containers.clear();
        assert!(check(&n).is_some(), "0 slots takes nothing");
    }
}
