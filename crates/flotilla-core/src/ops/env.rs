//! `env` and `config`: the variables that point a Docker client at a
//! machine, after checking that the connection really works.

use std::time::Duration;

use crate::cluster::swarm_dir::ManagerRecord;
use crate::driver::handle::{self, MachineError};
use crate::engine::EngineAddr;
use crate::store::Store;
use crate::store::machine::SwarmOptions;

/// Which machine `env` (or `config`) points at, and how long the check may take.
#[derive(Debug, Clone)]
pub struct EnvOptions {
    /// The machine's name.
    pub name: String,
    /// Point at the swarm's manager rather than the engine (`--swarm`); the machine must be a
    /// swarm master.
    pub swarm: bool,
    /// The bound on each probe and on each etcd store's read.
    pub timeout: Duration,
}

/// What a client needs to reach a machine.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The machine's name (`DOCKER_MACHINE_NAME`).
    pub name: String,
    /// The address that answered (`DOCKER_HOST`): the engine's, or with `swarm` a manager's.
    pub url: String,
    /// The machine's IP as its driver reports it; empty when the driver cannot say.
    pub ip: String,
    /// The machine's directory in the store, holding `ca.pem`, `cert.pem` and `key.pem`
    /// (`DOCKER_CERT_PATH`).
    pub cert_path: String,
    /// The address is TCP, hence TLS with client certificates; false for a Unix socket.
    pub tls: bool,
}

/// What an etcd store says about a swarm's managers (`manage --replication`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ManagersView {
    /// Every manager's advertised address (`IP:PORT`), as the managers wrote them.
    pub managers: Vec<String>,
    /// The leader's advertised address, when one is elected.
    pub leader: Option<String>,
}

/// An advertised `IP:PORT` as an address to dial; `None` for what is not one (the store's
/// values are read from the network).
fn advertised(addr: &str) -> Option<EngineAddr> {
    format!("tcp://{addr}")
        .parse::<EngineAddr>()
        .ok()
        .filter(|a| matches!(a, EngineAddr::Tcp { .. }))
}

/// Where `env --swarm` looks for a manager, best first (pure): the leader of each store, then
/// the other managers the stores know, then the master's address, then the managers recorded
/// on this machine. An address appears once, at its best rank.
pub fn swarm_candidates(
    views: &[ManagersView],
    master: &EngineAddr,
    local: &[EngineAddr],
) -> Vec<EngineAddr> {
    let leaders = views
        .iter()
        .filter_map(|v| v.leader.as_deref())
        .filter_map(advertised);
    let others = views
        .iter()
        .flat_map(|v| v.managers.iter())
        .filter_map(|m| advertised(m));
    let mut out: Vec<EngineAddr> = Vec::new();
    for a in leaders
        .chain(others)
        .chain(std::iter::once(master.clone()))
        .chain(local.iter().cloned())
    {
        if !out.contains(&a) {
            out.push(a);
        }
    }
    out
}

/// The `etcd://` stores a swarm's managers are elected through: the master's
/// ([`SwarmOptions::election_store`], what its deployed manager is given), and the
/// `--replication-store` of the managers recorded on this machine, each once (pure).
pub fn replication_stores(swarm: &SwarmOptions, records: &[ManagerRecord]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let from_records = records
        .iter()
        .filter_map(|r| r.replication_store.as_deref());
    for url in swarm
        .election_store()
        .into_iter()
        .chain(from_records)
        .filter(|u| u.starts_with("etcd://"))
    {
        if !out.iter().any(|o| o == url) {
            out.push(url.to_string());
        }
    }
    out
}

/// Reads each store's managers and leader, all at once, each read bounded by `timeout` (so an
/// unreachable store costs `timeout` once, not once per store); a store that fails or does not
/// answer in time is skipped (`env` then falls back to the other addresses). In the stores'
/// order.
async fn managers_views(stores: &[String], timeout: Duration) -> Vec<ManagersView> {
    use crate::discovery::DiscoveryUrl;
    let reads = stores.iter().map(|url| async move {
        let Ok(DiscoveryUrl::Etcd { endpoints, prefix }) = DiscoveryUrl::parse(url) else {
            return None;
        };
        let read = crate::discovery::election::managers(url, &endpoints, &prefix, timeout);
        match tokio::time::timeout(timeout, read).await {
            Ok(Ok((managers, leader))) => Some(ManagersView { managers, leader }),
            Ok(Err(e)) => {
                tracing::debug!("the swarm's managers are not known from {url}: {e}");
                None
            }
            Err(_) => {
                tracing::debug!("{url} did not answer within {timeout:?}");
                None
            }
        }
    });
    futures_util::future::join_all(reads)
        .await
        .into_iter()
        .flatten()
        .collect()
}

/// Resolves and checks the connection to a machine's engine (or its swarm
/// manager with `swarm`), failing with the probe's error when the engine
/// does not answer or the certificates do not fit.
///
/// With `swarm`, the candidates of [`swarm_candidates`] are probed at once and the best one that
/// answers is chosen: the leader elected through etcd, another manager (a replica relays to the
/// leader), the master's address, a manager running on this machine.
pub async fn connection(store: &Store, opts: &EnvOptions) -> Result<Connection, MachineError> {
    use futures_util::StreamExt as _;
    let loaded = handle::load(store, &opts.name)?;
    if let Some(e) = &loaded.machine.error {
        return Err(MachineError::Other {
            machine: opts.name.clone(),
            message: format!("the machine is in error: {e}"),
        });
    }
    let engine_addr = loaded.addr().await?;
    let addr = if opts.swarm {
        let s = loaded.machine.swarm();
        if !s.master {
            return Err(MachineError::Other {
                machine: opts.name.clone(),
                message: "not a swarm master; --swarm is for swarm masters".into(),
            });
        }
        let master = engine_addr.with_port(s.host_port());
        let records = ManagerRecord::running(store, &s.discovery);
        let views = managers_views(&replication_stores(s, &records), opts.timeout).await;
        let local: Vec<EngineAddr> = records.iter().filter_map(|r| r.url.parse().ok()).collect();
        let candidates = swarm_candidates(&views, &master, &local);
        // Probed concurrently, answers taken in rank order: the first that answers is the best.
        let mut probes: futures_util::stream::FuturesOrdered<_> = candidates
            .iter()
            .map(|a| {
                let loaded = &loaded;
                async move { (a, loaded.probe(store, a, opts.timeout).await) }
            })
            .collect();
        let mut found = None;
        let mut master_error = None;
        while let Some((a, answer)) = probes.next().await {
            match answer {
                Ok(_) => {
                    found = Some(a.clone());
                    break;
                }
                Err(e) if *a == master => master_error = Some(e),
                Err(_) => {}
            }
        }
        drop(probes);
        match found {
            Some(a) => a,
            None => {
                if loaded
                    .probe(store, &engine_addr, opts.timeout)
                    .await
                    .is_ok()
                {
                    return Err(MachineError::Other {
                        machine: opts.name.clone(),
                        message: format!(
                            "the swarm manager at {master} does not answer ({}), but the engine and its certificates are fine; is the manager started (`flotilla manage --swarm {}`)?",
                            master_error
                                .as_ref()
                                .map_or_else(|| "no answer".to_string(), probe_cause),
                            opts.name
                        ),
                    });
                }
                return Err(master_error.unwrap_or_else(|| MachineError::Other {
                    machine: opts.name.clone(),
                    message: format!("no swarm manager answers (tried {master})"),
                }));
            }
        }
    } else {
        loaded.probe(store, &engine_addr, opts.timeout).await?;
        engine_addr.clone()
    };
    let ip = loaded.ip().await.unwrap_or_default();
    Ok(Connection {
        name: opts.name.clone(),
        tls: matches!(addr, EngineAddr::Tcp { .. }),
        url: addr.to_string(),
        ip,
        cert_path: store.machine_dir(&opts.name).to_string_lossy().into_owned(),
    })
}

/// The probe's own words, without the machine's name the error repeats.
fn probe_cause(e: &MachineError) -> String {
    match e {
        MachineError::Probe { source, .. } => source.to_string(),
        other => other.to_string(),
    }
}

/// The variables to set, in docker-machine's order.
pub fn variables(c: &Connection) -> Vec<(String, String)> {
    let mut v = Vec::new();
    if c.tls {
        v.push(("DOCKER_TLS_VERIFY".to_string(), "1".to_string()));
    }
    v.push(("DOCKER_HOST".into(), c.url.clone()));
    if c.tls {
        v.push(("DOCKER_CERT_PATH".into(), c.cert_path.clone()));
    }
    v.push(("DOCKER_MACHINE_NAME".into(), c.name.clone()));
    v
}

/// The variables `--unset` removes.
pub const UNSET: [&str; 4] = [
    "DOCKER_TLS_VERIFY",
    "DOCKER_HOST",
    "DOCKER_CERT_PATH",
    "DOCKER_MACHINE_NAME",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(host: &str, port: u16) -> EngineAddr {
        EngineAddr::Tcp {
            host: host.into(),
            port,
        }
    }

    #[test]
    fn the_leader_comes_first_then_the_other_managers_then_the_master_then_local_ones() {
        let master = tcp("10.77.0.2", 3376);
        let view = ManagersView {
            managers: vec![
                "10.0.0.1:3376".into(),
                "10.0.0.2:3376".into(),
                "10.0.0.3:3376".into(),
            ],
            leader: Some("10.0.0.2:3376".into()),
        };
        let local = [tcp("127.0.0.1", 4000), tcp("10.0.0.3", 3376)];
        assert_eq!(
            swarm_candidates(&[view], &master, &local),
            vec![
                tcp("10.0.0.2", 3376),
                tcp("10.0.0.1", 3376),
                tcp("10.0.0.3", 3376),
                master,
                tcp("127.0.0.1", 4000),
            ]
        );
    }

    #[test]
    fn without_a_store_it_is_the_master_then_local_managers() {
        let master = tcp("10.77.0.2", 3376);
        let local = [tcp("127.0.0.1", 4000)];
        assert_eq!(
            swarm_candidates(&[], &master, &local),
            vec![master.clone(), tcp("127.0.0.1", 4000)]
        );
        // No leader elected (an election in progress): the managers still come first.
        let view = ManagersView {
            managers: vec!["10.0.0.1:3376".into()],
            leader: None,
        };
        assert_eq!(
            swarm_candidates(&[view], &master, &[]),
            vec![tcp("10.0.0.1", 3376), master]
        );
    }

    #[test]
    fn values_that_are_not_addresses_are_skipped() {
        let master = tcp("10.77.0.2", 3376);
        let view = ManagersView {
            managers: vec![
                "".into(),
                "no port".into(),
                "a;b:1".into(),
                "10.0.0.1:x".into(),
            ],
            leader: Some("/etc/passwd".into()),
        };
        assert_eq!(swarm_candidates(&[view], &master, &[]), vec![master]);
    }

    #[test]
    fn stores_are_the_etcd_discovery_the_masters_swarm_opt_and_recorded_stores_once_each() {
        let record = |store: Option<&str>| ManagerRecord {
            url: "tcp://127.0.0.1:3376".into(),
            pid: 1,
            replication_store: store.map(str::to_string),
        };
        let swarm = |discovery: &str, opts: &[String]| SwarmOptions {
            discovery: discovery.into(),
            arbitrary_flags: opts.to_vec(),
            ..SwarmOptions::default()
        };
        let etcd = "etcd://10.0.0.9:2379/prod";
        assert_eq!(
            replication_stores(&swarm(etcd, &[]), &[]),
            vec![etcd.to_string()]
        );
        assert_eq!(
            replication_stores(&swarm(etcd, &[]), &[record(Some(etcd)), record(None)]),
            vec![etcd.to_string()]
        );
        assert_eq!(
            replication_stores(
                &swarm("token://abc", &[]),
                &[
                    record(None),
                    record(Some("etcd://h:2379/ha")),
                    record(Some("etcd://h:2379/ha"))
                ]
            ),
            vec!["etcd://h:2379/ha".to_string()]
        );
        assert!(replication_stores(&swarm("token://abc", &[]), &[record(None)]).is_empty());
        // The master's `--swarm-opt`s, as its deployed manager gets them.
        let opts = [
            "strategy=binpack".to_string(),
            "replication".into(),
            "--replication-store=etcd://h:2379/ha".into(),
            "replication-store=file:///not/etcd".into(),
        ];
        assert_eq!(
            replication_stores(
                &swarm("token://abc", &opts),
                &[record(Some("etcd://h:2379/ha"))]
            ),
            vec!["etcd://h:2379/ha".to_string()]
        );
    }
}
