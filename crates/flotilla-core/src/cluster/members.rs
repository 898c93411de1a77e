//! Which engines make up a swarm.
//!
//! A swarm is named by its discovery URL, or by the machine that is its
//! master. Its members are the store's machines that joined with that URL
//! (reached with their own certificates), plus any address the discovery
//! backend lists that no machine owns (reached with the store's client
//! certificate).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::discovery;
use crate::engine::EngineAddr;
use crate::store::{Machine, Store, StoreError, TlsFiles};

/// One engine of a swarm, with what it takes to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The machine's name in the store; for an address only the discovery backend lists,
    /// that address as `host:port` (`[v6]:port`).
    pub name: String,
    /// Where the member's engine listens.
    pub addr: EngineAddr,
    /// Client certificates for a TCP engine: the machine's own, or the store's for an
    /// address from the discovery backend; `None` for an engine not reached over TCP.
    pub tls: Option<TlsFiles>,
}

/// Why a swarm could not be chosen or resolved.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The store's machines could not be listed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No machine in the store joined a swarm, and no selector was given.
    #[error(
        "no swarm in the store; create machines with --swarm --swarm-discovery URL, or name one with --swarm"
    )]
    NoSwarm,
    /// No selector, and the store's machines joined several swarms: their list, each as
    /// `MASTER (URL)` or the bare URL.
    #[error("several swarms in the store ({0}); choose one with --swarm MASTER-NAME|DISCOVERY-URL")]
    Ambiguous(String),
    /// The selector names a machine that joined no swarm.
    #[error("machine {0:?} is not part of a swarm")]
    NotInSwarm(String),
    /// The selector is neither a machine's name nor a URL (it has no `://`).
    #[error("no machine named {0:?} and not a discovery URL")]
    Unknown(String),
    /// No machine of the swarm could be reached, and its discovery backend listed nobody or
    /// could not be read (the discovery URL).
    #[error("swarm {0} has no members")]
    Empty(String),
}

/// A swarm as chosen on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Swarm {
    /// The discovery URL, which names the swarm (`token://…`, `etcd://…`, `nodes://…`).
    pub discovery: String,
    /// The master's name, when a machine in the store is the master.
    pub master: Option<String>,
    /// The master's `--swarm-strategy` (`spread`, `binpack`, `random`); `None` without a
    /// master in the store.
    pub strategy: Option<String>,
}

fn swarm_machines(store: &Store) -> Result<Vec<Machine>, StoreError> {
    Ok(store
        .list_names()?
        .iter()
        .filter_map(|n| store.load(n).ok())
        .filter(|m| !m.swarm().discovery.is_empty())
        .collect())
}

/// Pure: picks the swarm from the stored machines and the selector (a discovery URL, a
/// machine's name, or `None` for the only swarm in the store).
pub fn choose(machines: &[Machine], selector: Option<&str>) -> Result<Swarm, ClusterError> {
    let swarm_of = |url: &str| {
        let master = machines
            .iter()
            .find(|m| m.swarm().discovery == url && m.swarm().master);
        Swarm {
            discovery: url.to_string(),
            master: master.map(|m| m.name.clone()),
            strategy: master.map(|m| m.swarm().strategy.clone()),
        }
    };
    match selector {
        Some(s) if s.contains("://") => Ok(swarm_of(s)),
        Some(name) => {
            let m = machines
                .iter()
                .find(|m| m.name == name)
                .ok_or_else(|| ClusterError::Unknown(name.to_string()))?;
            if m.swarm().discovery.is_empty() {
                return Err(ClusterError::NotInSwarm(name.to_string()));
            }
            Ok(swarm_of(&m.swarm().discovery))
        }
        None => {
            let mut urls: BTreeMap<&str, Option<&str>> = BTreeMap::new();
            for m in machines.iter().filter(|m| !m.swarm().discovery.is_empty()) {
                let e = urls.entry(m.swarm().discovery.as_str()).or_default();
                if m.swarm().master {
                    *e = Some(m.name.as_str());
                }
            }
            match urls.len() {
                0 => Err(ClusterError::NoSwarm),
                1 => Ok(swarm_of(urls.keys().next().copied().unwrap_or_default())),
                _ => Err(ClusterError::Ambiguous(
                    urls.iter()
                        .map(|(u, m)| match m {
                            Some(m) => format!("{m} ({u})"),
                            None => u.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                )),
            }
        }
    }
}

/// Discovery settings from the environment (`FLOTILLA_DISCOVERY_URL`,
/// `FLOTILLA_DISCOVERY_CA`, `FLOTILLA_DISCOVERY_SECRET_FILE`), as the discovery commands read
/// them, with a 10-second timeout.
pub fn discovery_settings(store: &Store) -> discovery::Settings {
    discovery::Settings {
        service: std::env::var("FLOTILLA_DISCOVERY_URL")
            .ok()
            .filter(|s| !s.is_empty()),
        ca: std::env::var_os("FLOTILLA_DISCOVERY_CA").map(Into::into),
        secret_file: std::env::var_os("FLOTILLA_DISCOVERY_SECRET_FILE").map(Into::into),
        timeout: Duration::from_secs(10),
        store_root: store.root().to_path_buf(),
    }
}

/// Resolves a swarm and its members, with discovery settings from the
/// environment.
pub async fn resolve(
    store: &Store,
    selector: Option<&str>,
) -> Result<(Swarm, Vec<Member>), ClusterError> {
    resolve_with(store, selector, &discovery_settings(store)).await
}

/// Resolves a swarm: the store's machines that joined it, plus every
/// address its discovery backend lists that no machine owns (reached with
/// the store's client certificate). A backend that cannot be read leaves
/// the store's machines, with a warning.
pub async fn resolve_with(
    store: &Store,
    selector: Option<&str>,
    settings: &discovery::Settings,
) -> Result<(Swarm, Vec<Member>), ClusterError> {
    let machines = swarm_machines(store)?;
    let swarm = choose(&machines, selector)?;
    let mut members = Vec::new();
    for m in machines
        .iter()
        .filter(|m| m.swarm().discovery == swarm.discovery)
    {
        let Ok(loaded) = crate::driver::handle::with_driver(store, m.clone()) else {
            continue;
        };
        let Ok(addr) = loaded.addr().await else {
            continue;
        };
        let tls = match matches!(addr, EngineAddr::Tcp { .. })
            .then(|| m.tls_files(store.root()))
            .transpose()
        {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!("leaving {} out of the swarm: {e}", m.name);
                continue;
            }
        };
        members.push(Member {
            name: m.name.clone(),
            addr,
            tls,
        });
    }
    match discovery::open(&swarm.discovery, settings) {
        Ok(backend) => match backend.list().await {
            Ok(addrs) => {
                let store_tls = {
                    let c = crate::certs::StoreCerts::of(store);
                    TlsFiles {
                        ca: c.ca,
                        cert: c.cert,
                        key: c.key,
                    }
                };
                for a in addrs {
                    let addr = EngineAddr::Tcp {
                        host: a.host.clone(),
                        port: a.port,
                    };
                    if !members.iter().any(|m| m.addr == addr) {
                        members.push(Member {
                            name: a.to_string(),
                            addr,
                            tls: Some(store_tls.clone()),
                        });
                    }
                }
            }
            Err(e) => tracing::warn!("cannot list {}: {e}", swarm.discovery),
        },
        Err(e) => tracing::warn!("cannot open {}: {e}", swarm.discovery),
    }
    if members.is_empty() {
        return Err(ClusterError::Empty(swarm.discovery.clone()));
    }
    members.sort_by(|a, b| a.name.cmp(&b.name));
    Ok((swarm, members))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(name: &str, url: &str, master: bool) -> Machine {
        let mut m = Machine::new(name, "none");
        m.host_options.swarm_options.discovery = url.into();
        m.host_options.swarm_options.master = master;
        m.host_options.swarm_options.is_swarm = !url.is_empty();
        m
    }

    #[test]
    fn the_only_swarm_is_the_default() {
        let ms = vec![
            m("a", "token://x", true),
            m("b", "token://x", false),
            m("c", "", false),
        ];
        let s = choose(&ms, None).unwrap();
        assert_eq!(s.discovery, "token://x");
        assert_eq!(s.master.as_deref(), Some("a"));
        assert_eq!(choose(&ms, Some("b")).unwrap().discovery, "token://x");
        assert!(matches!(
            choose(&ms, Some("c")),
            Err(ClusterError::NotInSwarm(_))
        ));
        assert!(matches!(
            choose(&ms, Some("zz")),
            Err(ClusterError::Unknown(_))
        ));
        assert_eq!(choose(&ms, Some("nodes://h:1")).unwrap().master, None);
    }

    #[test]
    fn several_swarms_need_a_choice() {
        let ms = vec![m("a", "token://x", true), m("b", "token://y", false)];
        let e = choose(&ms, None).unwrap_err().to_string();
        assert!(
            e.contains("a (token://x)") && e.contains("token://y"),
            "{e}"
        );
        assert!(matches!(choose(&[], None), Err(ClusterError::NoSwarm)));
    }
}
