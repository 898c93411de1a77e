//! Which engines the proxy watches, and how each one's containers are reached.

use std::net::IpAddr;
use std::path::PathBuf;

use crate::engine::EngineAddr;
use crate::store::{Store, TlsFiles};

use super::watch::WatchTarget;

/// An engine to watch: a swarm member (or a machine, or `--docker-host`).
pub use crate::cluster::members::Member;

/// Why the engines to watch could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum EnginesError {
    /// A machine could not be loaded from the store, or its engine address not found.
    #[error(transparent)]
    Op(#[from] crate::driver::handle::MachineError),
    /// The `--docker-host` URL (or `DOCKER_HOST`) is not a `tcp://` or `unix://` address.
    #[error(transparent)]
    Addr(#[from] crate::engine::AddrError),
    /// A TCP engine's host name did not resolve.
    #[error("cannot resolve {host}: {message}")]
    Resolve {
        /// The engine's host name, as in its address.
        host: String,
        /// The resolver's error.
        message: String,
    },
}

/// The store's machines `names`, reached with their own certificates.
pub async fn machines(store: &Store, names: &[String]) -> Result<Vec<Member>, EnginesError> {
    let mut out = Vec::new();
    for name in names {
        let loaded = crate::driver::handle::load(store, name)?;
        let addr = loaded.addr().await?;
        let tls = matches!(addr, EngineAddr::Tcp { .. })
            .then(|| loaded.machine.tls_files(store.root()))
            .transpose()
            .map_err(|e| crate::driver::handle::MachineError::Store(e.into()))?;
        out.push(Member {
            name: name.clone(),
            addr,
            tls,
        });
    }
    Ok(out)
}

/// One engine named like the docker CLI does: `url` (or `DOCKER_HOST`, else the local socket),
/// with `DOCKER_CERT_PATH`'s `ca.pem`, `cert.pem`, `key.pem` for TCP when `DOCKER_TLS_VERIFY`
/// or `DOCKER_CERT_PATH` is set.
pub fn docker_host(
    url: Option<&str>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Member, EnginesError> {
    let url = url
        .map(str::to_string)
        .or_else(|| env("DOCKER_HOST").filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unix:///var/run/docker.sock".to_string());
    let addr: EngineAddr = url.parse()?;
    let verify = env("DOCKER_TLS_VERIFY").is_some_and(|v| !v.is_empty());
    let cert_path = env("DOCKER_CERT_PATH").filter(|v| !v.is_empty());
    let tls = match (&addr, verify || cert_path.is_some()) {
        (EngineAddr::Tcp { .. }, true) => {
            let dir = cert_path.map(PathBuf::from).unwrap_or_else(|| {
                dirs::home_dir()
                    .unwrap_or_else(|| PathBuf::from("."))
                    .join(".docker")
            });
            Some(TlsFiles {
                ca: dir.join("ca.pem"),
                cert: dir.join("cert.pem"),
                key: dir.join("key.pem"),
            })
        }
        _ => None,
    };
    let name = match &addr {
        EngineAddr::Tcp { host, .. } => host.clone(),
        EngineAddr::Unix(_) => "local".to_string(),
    };
    Ok(Member { name, addr, tls })
}

/// The IP of a TCP engine's host (resolving a DNS name); `None` for a unix socket.
pub async fn host_ip(addr: &EngineAddr) -> Result<Option<IpAddr>, EnginesError> {
    let EngineAddr::Tcp { host, port } = addr else {
        return Ok(None);
    };
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(Some(ip));
    }
    let mut addrs = tokio::net::lookup_host((host.as_str(), *port))
        .await
        .map_err(|e| EnginesError::Resolve {
            host: host.clone(),
            message: e.to_string(),
        })?;
    Ok(addrs.next().map(|a| a.ip()))
}

/// Where the data plane runs, for addressing decisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// nginx on this host. A unix-socket engine runs here too, so its containers are reached
    /// at their own IP (unless `engine_ip` says otherwise); TCP engines through published ports.
    Local {
        /// `--engine-ip`: the address the watched engines' published ports are reached on,
        /// instead of their URL's host; it also sends a unix-socket engine's containers
        /// through published ports. `None`: the URL's host, and own IPs on a unix socket.
        engine_ip: Option<IpAddr>,
    },
    /// nginx in a container on the machine `node`, attached to `network`: that engine's
    /// containers on that network are reached at their IP, everything else through published ports.
    Node {
        /// The machine (member name) that runs the nginx container.
        node: String,
        /// The docker network the nginx container is attached to.
        network: String,
    },
}

/// Builds the watch list.
pub async fn specs(
    members: &[Member],
    placement: &Placement,
) -> Result<Vec<WatchTarget>, EnginesError> {
    let mut out = Vec::new();
    for m in members {
        let mut ip = host_ip(&m.addr).await?;
        let (data_plane, network) = match placement {
            Placement::Local { engine_ip } => {
                if engine_ip.is_some() {
                    ip = *engine_ip;
                }
                (
                    matches!(m.addr, EngineAddr::Unix(_)) && engine_ip.is_none(),
                    None,
                )
            }
            Placement::Node { node, network } => {
                (m.name == *node, (m.name == *node).then(|| network.clone()))
            }
        };
        out.push(WatchTarget {
            name: m.name.clone(),
            addr: m.addr.clone(),
            tls: m.tls.clone(),
            ip,
            data_plane,
            network,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn docker_host_follows_the_docker_cli() {
        let m = docker_host(None, env(&[])).expect("default");
        assert_eq!(m.addr.to_string(), "unix:///var/run/docker.sock");
        assert_eq!(m.name, "local");
        assert!(m.tls.is_none());
        let m = docker_host(
            None,
            env(&[
                ("DOCKER_HOST", "tcp://10.0.0.5:2376"),
                ("DOCKER_TLS_VERIFY", "1"),
                ("DOCKER_CERT_PATH", "/certs"),
            ]),
        )
        .expect("env");
        assert_eq!(m.name, "10.0.0.5");
        assert_eq!(m.tls.expect("tls").cert, PathBuf::from("/certs/cert.pem"));
        let m = docker_host(
            Some("tcp://10.0.0.6:2375"),
            env(&[("DOCKER_HOST", "tcp://x:1")]),
        )
        .expect("flag wins");
        assert_eq!(m.addr.to_string(), "tcp://10.0.0.6:2375");
        assert!(m.tls.is_none());
        assert!(docker_host(Some("http://x"), env(&[])).is_err());
    }

    #[tokio::test]
    async fn placement_decides_addressing() {
        let members = vec![
            Member {
                name: "front".into(),
                addr: "tcp://10.0.0.2:2376".parse().expect("addr"),
                tls: None,
            },
            Member {
                name: "local".into(),
                addr: "unix:///run/docker.sock".parse().expect("addr"),
                tls: None,
            },
        ];
        let s = specs(&members, &Placement::Local { engine_ip: None })
            .await
            .expect("specs");
        assert_eq!(s[0].ip, Some("10.0.0.2".parse().expect("ip")));
        assert!(!s[0].data_plane);
        assert!(s[1].data_plane && s[1].ip.is_none());
        let s = specs(
            &members,
            &Placement::Local {
                engine_ip: Some("10.0.0.9".parse().expect("ip")),
            },
        )
        .await
        .expect("specs");
        assert!(!s[1].data_plane);
        assert_eq!(s[1].ip, Some("10.0.0.9".parse().expect("ip")));
        let s = specs(
            &members,
            &Placement::Node {
                node: "front".into(),
                network: "bridge".into(),
            },
        )
        .await
        .expect("specs");
        assert!(s[0].data_plane && s[0].network.as_deref() == Some("bridge"));
        assert!(!s[1].data_plane && s[1].network.is_none());
    }
}
