//! The plain input of the proxy: one [`ProxyContainer`] per container seen on any engine.
//!
//! The watcher builds these from `docker inspect` data with [`ProxyContainer::from_inspect`]; tests
//! build them by hand. Nothing here decides routing: that is [`crate::routes`].

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use bollard::models::{ContainerInspectResponse, HealthStatusEnum};
use serde::{Deserialize, Serialize};

/// A port a container exposes (`EXPOSE 8080/tcp`, `--expose`, or a key of `NetworkSettings.Ports`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ExposedPort {
    /// The container-side port: a candidate backend port when nothing publishes it.
    pub port: u16,
    /// `tcp`, `udp` or `sctp` (lowercase).
    pub proto: String,
}

/// A published port binding (`-p [host_ip:]host_port:container_port[/proto]`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PublishedPort {
    /// The port inside the container, matched against `VIRTUAL_PORT` or the exposed port.
    pub container_port: u16,
    /// `tcp`, `udp` or `sctp` (lowercase).
    pub proto: String,
    /// The host address the binding listens on; `None` when Docker reported none or an empty one.
    pub host_ip: Option<IpAddr>,
    /// The port on the engine's host: what a proxy on another host connects to.
    pub host_port: u16,
}

/// Everything the route builder needs to know about one container.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProxyContainer {
    /// Name of the engine (node) the container runs on.
    pub engine: String,
    /// The address other hosts reach that engine's published ports on.
    pub engine_ip: Option<IpAddr>,
    /// True when the container runs on the data plane's own engine and is attached to the data
    /// plane network, so the proxy reaches it by `ip_address` directly.
    pub local: bool,
    /// The full container ID: the inventory's key, and the name of a container without one.
    pub id: String,
    /// Container name without Docker's leading `/`.
    pub name: String,
    /// Only running containers get servers; a stopped one is dropped, not skipped.
    pub running: bool,
    /// Docker health status: `healthy`, `unhealthy`, `starting`; `None` without a health check.
    pub health: Option<String>,
    /// Environment, `K=V` strings as Docker reports them.
    pub env: Vec<String>,
    /// Labels: the `flotilla.proxy.*` forms of the settings, when the environment has none.
    pub labels: BTreeMap<String, String>,
    /// Ports the image or `--expose` declares, for guessing the backend port.
    pub exposed_ports: Vec<ExposedPort>,
    /// Port bindings: how a proxy on another host reaches the container.
    pub published: Vec<PublishedPort>,
    /// The container's IP on the data plane network (or its first network when none was named).
    pub ip_address: Option<IpAddr>,
    /// The network `ip_address` belongs to.
    pub network: Option<String>,
}

/// Where a container was inspected, for [`ProxyContainer::from_inspect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineContext<'a> {
    /// Engine (node) name.
    pub name: &'a str,
    /// The engine's address as seen from the proxy host.
    pub ip: Option<IpAddr>,
    /// True for the engine the proxy's data plane (nginx) runs on.
    pub is_data_plane: bool,
    /// The data plane network. On the data plane engine a container is `local` only when it is
    /// attached to this network. `None`: the first network by name (skipping `ingress`) is used.
    pub network: Option<&'a str>,
}

impl ProxyContainer {
    /// The value of environment variable `key` (the last definition wins, as in Docker).
    pub fn env_var(&self, key: &str) -> Option<&str> {
        self.env
            .iter()
            .rev()
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }

    /// Builds the input from `docker inspect` data. Never fails: missing or malformed fields
    /// become empty values (an unparsable port or address is ignored).
    pub fn from_inspect(inspect: &ContainerInspectResponse, engine: EngineContext<'_>) -> Self {
        let state = inspect.state.as_ref();
        let running = state.and_then(|s| s.running).unwrap_or(false)
            && !state.and_then(|s| s.paused).unwrap_or(false);
        let health = state
            .and_then(|s| s.health.as_ref())
            .and_then(|h| h.status)
            .and_then(|s| match s {
                HealthStatusEnum::EMPTY | HealthStatusEnum::NONE => None,
                other => Some(other.to_string()),
            });
        let config = inspect.config.as_ref();
        let env = config.and_then(|c| c.env.clone()).unwrap_or_default();
        let labels: BTreeMap<String, String> = config
            .and_then(|c| c.labels.as_ref())
            .map(|l| l.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();

        let mut exposed: BTreeSet<ExposedPort> = BTreeSet::new();
        for key in config
            .and_then(|c| c.exposed_ports.as_ref())
            .into_iter()
            .flatten()
        {
            if let Some(p) = parse_port_key(key) {
                exposed.insert(p);
            }
        }
        let settings = inspect.network_settings.as_ref();
        let mut published: BTreeSet<PublishedPort> = BTreeSet::new();
        if let Some(ports) = settings.and_then(|s| s.ports.as_ref()) {
            for (key, bindings) in ports {
                let Some(p) = parse_port_key(key) else {
                    continue;
                };
                for b in bindings.iter().flatten() {
                    let host_port = b.host_port.as_deref().and_then(|s| s.parse::<u16>().ok());
                    let Some(host_port) = host_port.filter(|p| *p != 0) else {
                        continue;
                    };
                    let host_ip = b
                        .host_ip
                        .as_deref()
                        .filter(|s| !s.is_empty())
                        .and_then(|s| s.parse::<IpAddr>().ok());
                    published.insert(PublishedPort {
                        container_port: p.port,
                        proto: p.proto.clone(),
                        host_ip,
                        host_port,
                    });
                }
                exposed.insert(p);
            }
        }

        // The container's address: on the named data plane network, or the first network by name.
        let mut ip_address = None;
        let mut network = None;
        if let Some(networks) = settings.and_then(|s| s.networks.as_ref()) {
            let mut names: Vec<&String> = networks.keys().collect();
            names.sort();
            for name in names {
                if name == "ingress" {
                    continue;
                }
                if let Some(want) = engine.network
                    && want != name
                {
                    continue;
                }
                let ip = networks
                    .get(name)
                    .and_then(|e| e.ip_address.as_deref())
                    .filter(|s| !s.is_empty())
                    .and_then(|s| s.parse::<IpAddr>().ok());
                if let Some(ip) = ip {
                    ip_address = Some(ip);
                    network = Some(name.clone());
                    break;
                }
            }
        }
        let local = engine.is_data_plane && ip_address.is_some();
        let name = inspect.name.as_deref().unwrap_or_default();
        ProxyContainer {
            engine: engine.name.to_string(),
            engine_ip: engine.ip,
            local,
            id: inspect.id.clone().unwrap_or_default(),
            name: name.strip_prefix('/').unwrap_or(name).to_string(),
            running,
            health,
            env,
            labels,
            exposed_ports: exposed.into_iter().collect(),
            published: published.into_iter().collect(),
            ip_address,
            network,
        }
    }
}

/// Parses Docker's `8080/tcp` port keys (a bare `8080` means tcp).
fn parse_port_key(key: &str) -> Option<ExposedPort> {
    let (port, proto) = key.split_once('/').unwrap_or((key, "tcp"));
    let port = port.trim().parse::<u16>().ok().filter(|p| *p != 0)?;
    Some(ExposedPort {
        port,
        proto: proto.trim().to_ascii_lowercase(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inspect_json() -> ContainerInspectResponse {
        let v = serde_json::json!({
            "Id": "abc123",
            "Name": "/web-1",
            "State": {"Running": true, "Paused": false, "Health": {"Status": "unhealthy"}},
            "Config": {
                "Env": ["PATH=/bin", "VIRTUAL_HOST=a.example", "VIRTUAL_HOST=b.example"],
                "Labels": {"flotilla.proxy.port": "8080"},
                "ExposedPorts": {"8080/tcp": {}, "53/udp": {}}
            },
            "NetworkSettings": {
                "Ports": {
                    "8080/tcp": [{"HostIp": "0.0.0.0", "HostPort": "32768"}, {"HostIp": "::", "HostPort": "32768"}],
                    "53/udp": null,
                    "bogus": [{"HostIp": "", "HostPort": "x"}]
                },
                "Networks": {
                    "zeta": {"IPAddress": "10.0.9.2"},
                    "ingress": {"IPAddress": "10.255.0.2"},
                    "alpha": {"IPAddress": ""},
                    "beta": {"IPAddress": "172.18.0.5"}
                }
            }
        });
        serde_json::from_value(v).expect("valid inspect fixture")
    }

    #[test]
    fn from_inspect_reads_everything() {
        let c = ProxyContainer::from_inspect(
            &inspect_json(),
            EngineContext {
                name: "node-1",
                ip: Some("192.168.99.101".parse().expect("ip")),
                is_data_plane: true,
                network: None,
            },
        );
        assert_eq!(c.name, "web-1");
        assert_eq!(c.id, "abc123");
        assert!(c.running);
        assert_eq!(c.health.as_deref(), Some("unhealthy"));
        assert_eq!(c.env_var("VIRTUAL_HOST"), Some("b.example"));
        assert_eq!(
            c.labels.get("flotilla.proxy.port").map(String::as_str),
            Some("8080")
        );
        assert_eq!(
            c.exposed_ports,
            vec![
                ExposedPort {
                    port: 53,
                    proto: "udp".into()
                },
                ExposedPort {
                    port: 8080,
                    proto: "tcp".into()
                }
            ]
        );
        assert_eq!(c.published.len(), 2);
        assert!(
            c.published
                .iter()
                .all(|p| p.host_port == 32768 && p.container_port == 8080)
        );
        // first network by name with an address, skipping ingress and empty addresses
        assert_eq!(c.network.as_deref(), Some("beta"));
        assert_eq!(c.ip_address, Some("172.18.0.5".parse().expect("ip")));
        assert!(c.local);
    }

    #[test]
    fn from_inspect_named_network_and_remote() {
        let ctx = EngineContext {
            name: "node-2",
            ip: None,
            is_data_plane: true,
            network: Some("zeta"),
        };
        let c = ProxyContainer::from_inspect(&inspect_json(), ctx);
        assert_eq!(c.network.as_deref(), Some("zeta"));
        assert!(c.local);
        let c = ProxyContainer::from_inspect(
            &inspect_json(),
            EngineContext {
                network: Some("nope"),
                ..ctx
            },
        );
        assert_eq!(c.ip_address, None);
        assert!(!c.local);
        let c = ProxyContainer::from_inspect(
            &inspect_json(),
            EngineContext {
                is_data_plane: false,
                ..ctx
            },
        );
        assert!(!c.local);
    }

    #[test]
    fn from_inspect_empty_is_not_running() {
        let c = ProxyContainer::from_inspect(
            &ContainerInspectResponse::default(),
            EngineContext {
                name: "n",
                ip: None,
                is_data_plane: false,
                network: None,
            },
        );
        assert!(!c.running);
        assert!(c.env.is_empty());
        assert_eq!(c.name, "");
    }
}
