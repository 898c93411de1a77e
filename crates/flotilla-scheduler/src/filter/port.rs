//! `port`: a requested host port must be free on the node.
//!
//! * Host mode (`NetworkMode == "host"`): each exposed port of the request must not be exposed by a
//!   host-mode container of the node (running or stopped). Port keys are compared after
//!   normalisation (`80` = `80/tcp`), where upstream compared the raw keys.
//! * Bridge mode (anything else): each requested binding with a host port conflicts with a
//!   container's published port of the same number when the interfaces overlap (same IP, or either
//!   side binds every interface: `""`, `0.0.0.0`, `::`). The protocol is not compared, as upstream.
//!   Bindings without a host port (`-p 80`, `-P`) never conflict. A host port range conflicts with
//!   any published port inside it.

use super::{Reject, container_label};
use crate::request::{Binding, Prepared, normalize_port_key};
use crate::state::Node;

/// `port 80 (Bridge mode)` / `port 80/tcp (Host mode)` lines for the error message.
pub fn lines(req: &Prepared) -> Vec<String> {
    if req.host_mode() {
        req.exposed_ports
            .iter()
            .map(|p| format!("port {p} (Host mode)"))
            .collect()
    } else {
        req.bindings
            .iter()
            .filter(|b| b.host_ports.is_some())
            .map(|b| format!("port {} (Bridge mode)", b.raw_host_port))
            .collect()
    }
}

fn binds_all(ip: &str) -> bool {
    matches!(ip, "" | "0.0.0.0" | "::")
}

/// Reject the node when one of the requested ports is taken there.
pub fn check<'a>(req: &'a Prepared, node: &'a Node) -> Option<Reject<'a>> {
    if req.host_mode() {
        for port in &req.exposed_ports {
            for c in &node.containers {
                if c.network_mode == "host"
                    && c.exposed_ports
                        .iter()
                        .any(|p| normalize_port_key(p) == *port)
                {
                    return Some(Reject::PortHost {
                        port,
                        holder: container_label(c),
                    });
                }
            }
        }
        return None;
    }
    for binding in &req.bindings {
        if let Some(holder) = bridge_conflict(binding, node) {
            return Some(Reject::PortBridge { binding, holder });
        }
    }
    None
}

fn bridge_conflict<'a>(binding: &Binding, node: &'a Node) -> Option<&'a str> {
    let (lo, hi) = binding.host_ports?;
    node.containers.iter().find_map(|c| {
        c.ports
            .iter()
            .any(|p| {
                p.host_port != 0
                    && (lo..=hi).contains(&p.host_port)
                    && (p.host_ip == binding.host_ip
                        || binds_all(&p.host_ip)
                        || binds_all(&binding.host_ip))
            })
            .then(|| container_label(c))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::testutil::{container, node, prep};
    use crate::state::Port;
    use serde_json::json;

    fn bound(name: &str, ip: &str, port: u16) -> crate::state::Container {
        let mut c = container(name);
        c.ports.push(Port {
            host_ip: ip.into(),
            host_port: port,
            container_port: port,
            protocol: "tcp".into(),
        });
        c
    }

    fn bridge(ip: &str, port: &str) -> Prepared {
        prep(
            json!({"Image":"x","HostConfig":{"PortBindings":{"80/tcp":[{"HostIp":ip,"HostPort":port}]}}}),
        )
    }

    #[test]
    fn bridge_conflicts_on_same_port_and_overlapping_interfaces() {
        let mut n = node("a");
        n.containers.push(bound("web", "", 80));
        let r = bridge("", "80");
        assert_eq!(
            check(&r, &n).unwrap().to_string(),
            "host port 80 is already bound by container web"
        );
        assert!(check(&bridge("", "81"), &n).is_none());
        assert!(
            check(&bridge("10.0.0.1", "80"), &n).is_some(),
            "existing binds all"
        );
        let mut n = node("a");
        n.containers.push(bound("web", "10.0.0.1", 80));
        assert!(check(&bridge("10.0.0.1", "80"), &n).is_some());
        assert!(check(&bridge("10.0.0.2", "80"), &n).is_none());
        assert!(
            check(&bridge("0.0.0.0", "80"), &n).is_some(),
            "request binds all"
        );
        assert!(check(&bridge("", "70-90"), &n).is_some(), "ranges");
    }

    #[test]
    fn protocol_is_not_compared_and_stopped_containers_count() {
        let mut n = node("a");
        let mut c = bound("dns", "", 53);
        c.ports[0].protocol = "udp".into();
        c.state = "exited".into();
        n.containers.push(c);
        let r = prep(json!({"HostConfig":{"PortBindings":{"53/tcp":[{"HostPort":"53"}]}}}));
        assert!(check(&r, &n).is_some());
    }

    #[test]
    fn dynamic_ports_never_conflict() {
        let mut n = node("a");
        n.containers.push(bound("web", "", 80));
        n.containers.push(bound("unpublished", "", 0));
        assert!(check(&bridge("", ""), &n).is_none());
        assert!(lines(&bridge("", "")).is_empty());
        assert_eq!(lines(&bridge("", "80")), vec!["port 80 (Bridge mode)"]);
    }

    #[test]
    fn host_mode_compares_exposed_ports_of_host_containers() {
        let mut n = node("a");
        let mut c = container("h");
        c.network_mode = "host".into();
        c.exposed_ports.push("80".into());
        n.containers.push(c);
        let mut b = container("b");
        b.exposed_ports.push("81/tcp".into());
        n.containers.push(b);
        let r = prep(json!({"ExposedPorts":{"80/tcp":{}},"HostConfig":{"NetworkMode":"host"}}));
        assert_eq!(
            check(&r, &n).unwrap().to_string(),
            "port 80/tcp is already exposed in host mode by container h"
        );
        assert_eq!(lines(&r), vec!["port 80/tcp (Host mode)"]);
        let r = prep(json!({"ExposedPorts":{"81/tcp":{}},"HostConfig":{"NetworkMode":"host"}}));
        assert!(
            check(&r, &n).is_none(),
            "bridge containers do not block host mode"
        );
        let r = prep(json!({"ExposedPorts":{"80/udp":{}},"HostConfig":{"NetworkMode":"host"}}));
        assert!(check(&r, &n).is_none());
    }
}
