//! The watcher (I/O): the swarm's model → inventory → debounce → routes → render → apply.
//!
//! ```text
//! model (one session per engine)          coordinator (one)
//!   connect, /info + engine clock           keeps every engine's inventory
//!   subscribe to events since that clock    debounces (min quiet, max delay)
//!   full resync: list + inspect             routes::build → nginx::render (pure)
//!   per event: inspect that container       DataPlane::apply (validate, swap, reload)
//!   on error: back off, reconnect, resync   writes status.json; logs skipped containers
//! ```
//!
//! The engines are followed by the same model the manager runs on
//! ([`crate::cluster::model`]): one event pipeline per engine in a process, not two
//! implementations. Its sessions keep the guarantees the proxy needs: exponential backoff per
//! engine, a full resync after every (re)connect so an event lost while the stream was down
//! cannot leave a stale route, an event subscription from the engine's own clock read *before*
//! the listing (an event between listing and subscription is replayed, never lost), a periodic
//! refresh (`--resync`), and SIGHUP resyncing every engine. The coordinator turns the model's
//! change notifications into each engine's inventory: running containers that ask for a route.
//!
//! While an engine is unreachable its last known containers stay routed (the model keeps them):
//! a network blip should not take sites down, and nginx fails over to the other servers of an
//! upstream when one does not answer. The status file says which engines are disconnected and
//! since when.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::apply::Changed;
use super::certmgr::{self, AcmeMsg, HostState};
use super::dataplane::DataPlane;
use super::files::FileDirs;
use super::filter::ContainerFilter;
use super::routes::{self, LABEL_HOST, RouteTable};
use super::serving::{Outcome, ProxySettings, Serving};
use super::source::{EngineContext, ProxyContainer};
use super::status::{self, ApplyStatus, EngineStatus, Status};
use crate::acme::AcmeConfig;
use crate::cluster::live::Target;
use crate::cluster::members::{Member, Swarm};
use crate::cluster::model::{Model, ModelChange, ModelOptions, NodeData};
use crate::engine::EngineAddr;
use crate::store::TlsFiles;

/// The debounce window: apply once events pause for `min`, but at most `max` after the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    /// Quiet time: apply once no event arrived for this long (`--wait`'s MIN, 100 ms by default).
    pub min: Duration,
    /// Longest delay after the first pending change, however busy the engines (MAX, 500 ms).
    pub max: Duration,
}

impl Default for Wait {
    fn default() -> Self {
        Wait {
            min: Duration::from_millis(100),
            max: Duration::from_millis(500),
        }
    }
}

impl FromStr for Wait {
    type Err = String;

    /// `MIN:MAX` (`100ms:500ms`, docker-gen's syntax) or a single `MIN` (then MAX = MIN).
    /// `0` or `0ms` for MIN applies on the next event loop turn.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let one = |v: &str| -> Result<Duration, String> {
            let v = v.trim();
            if v == "0" || v == "0ms" || v == "0s" {
                return Ok(Duration::ZERO);
            }
            crate::duration::parse_positive(v)
        };
        let (min, max) = match s.split_once(':') {
            Some((a, b)) => (one(a)?, one(b)?),
            None => {
                let d = one(s)?;
                (d, d)
            }
        };
        if max < min {
            return Err(format!(
                "invalid wait {s:?}: MAX must not be shorter than MIN"
            ));
        }
        Ok(Wait { min, max })
    }
}

/// One engine to watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchTarget {
    /// The engine's name (a machine's, or the host of `--docker-host`): in routes as
    /// `engine/container` and in the status.
    pub name: String,
    /// Where its API is reached.
    pub addr: EngineAddr,
    /// Client certificates for a TLS engine; `None`: plain TCP or a unix socket.
    pub tls: Option<TlsFiles>,
    /// The address the data plane reaches this engine's published ports on.
    pub ip: Option<IpAddr>,
    /// True when the data plane reaches this engine's containers at their own IP (it runs on
    /// this engine, or on the same host as a local socket's engine).
    pub data_plane: bool,
    /// The network those containers must be on to be reached by IP (`None`: their first).
    pub network: Option<String>,
}

/// Everything the watcher needs.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// The engines whose containers are routed (from [`super::engines::specs`]).
    pub engines: Vec<WatchTarget>,
    /// The debounce between a change and the apply.
    pub wait: Wait,
    /// How often every engine is listed in full, as a safety net for lost events (`--resync`).
    pub resync: Duration,
    /// Limit for connecting to an engine and for each API call; the first apply also waits at
    /// most this long (plus a second) for every engine to answer.
    pub timeout: Duration,
    /// Where status.json goes.
    pub conf_dir: PathBuf,
    /// For the status file: `local`, `reload-cmd` or `node`.
    pub mode: String,
    /// For the status file: the machine nginx runs on in node mode.
    pub node: Option<String>,
    /// For the status file: where the configuration lives.
    pub config: String,
    /// Which containers this proxy routes (`--container-filter`), so one engine can carry
    /// containers for several proxies. Empty: every container.
    pub container_filter: ContainerFilter,
    /// The operator's settings for every vhost.
    pub settings: ProxySettings,
    /// The certificates directory, `vhost.d` and `htpasswd`.
    pub files: FileDirs,
    /// The built-in ACME client; `None`: off.
    pub acme: Option<AcmeConfig>,
}

/// A message from an engine task to the coordinator.
#[derive(Debug)]
enum Update {
    Connected {
        engine: usize,
    },
    Disconnected {
        engine: usize,
        error: String,
    },
    Inventory {
        engine: usize,
        containers: Vec<ProxyContainer>,
        resync: bool,
    },
}

/// True when a container asks for a route (the only ones the inventory keeps).
fn opts_in(c: &ProxyContainer) -> bool {
    c.env_var(routes::ENV_HOST).is_some() || c.labels.contains_key(LABEL_HOST)
}

/// An engine's inventory as the model holds it: its running containers that ask for a route.
fn inventory_of(
    node: &NodeData,
    spec: &WatchTarget,
    filter: &ContainerFilter,
) -> Vec<ProxyContainer> {
    let ctx = EngineContext {
        name: &spec.name,
        ip: spec.ip,
        is_data_plane: spec.data_plane,
        network: spec.network.as_deref(),
    };
    node.containers
        .values()
        .map(|c| ProxyContainer::from_inspect(&c.inspect, ctx))
        .filter(|c| c.running && opts_in(c) && filter.selects(c))
        .collect()
}

/// Feeds the coordinator from the model: connections, and an engine's inventory whenever its
/// containers change. A receiver that fell behind re-reads every engine.
async fn follow(
    model: Model,
    engines: Vec<WatchTarget>,
    filter: ContainerFilter,
    mut changes: broadcast::Receiver<ModelChange>,
    tx: mpsc::UnboundedSender<Update>,
    shutdown: CancellationToken,
) {
    let index: HashMap<String, usize> = engines
        .iter()
        .enumerate()
        .map(|(i, e)| (e.name.clone(), i))
        .collect();
    let send_inventory = |engine: usize, resync: bool| {
        if let Some(node) = model.node(&engines[engine].name) {
            let _ = tx.send(Update::Inventory {
                engine,
                containers: inventory_of(&node, &engines[engine], &filter),
                resync,
            });
        }
    };
    let everything = || {
        for (i, e) in engines.iter().enumerate() {
            if let Some(node) = model.node(&e.name)
                && node.connected
            {
                let _ = tx.send(Update::Connected { engine: i });
                send_inventory(i, true);
            }
        }
    };
    // Whatever happened before the subscription.
    everything();
    loop {
        let change = tokio::select! {
            c = changes.recv() => c,
            () = shutdown.cancelled() => return,
        };
        match change {
            Ok(ModelChange::Connection {
                node,
                connected,
                error,
            }) => {
                let Some(&engine) = index.get(&node) else {
                    continue;
                };
                let msg = if connected {
                    Update::Connected { engine }
                } else {
                    let error = error.unwrap_or_else(|| "disconnected".into());
                    tracing::warn!("engine {node}: {error}; reconnecting");
                    Update::Disconnected { engine, error }
                };
                let _ = tx.send(msg);
            }
            Ok(ModelChange::Containers { node, ids, resync }) => {
                let Some(&engine) = index.get(&node) else {
                    continue;
                };
                if !resync {
                    tracing::debug!("engine {node}: {} container(s) changed", ids.len());
                }
                send_inventory(engine, resync);
            }
            Ok(_) => {}
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::debug!("the watcher lagged {n} model changes; re-reading every engine");
                everything();
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// Runs the watcher until `shutdown` is cancelled. `resync` triggers a full resync of every
/// engine when its value changes (SIGHUP).
pub async fn run(
    opts: WatchOptions,
    plane: DataPlane,
    resync: watch::Receiver<u64>,
    shutdown: CancellationToken,
) {
    let mut serving = Serving::new(
        plane,
        opts.settings.clone(),
        opts.files.clone(),
        opts.acme.as_ref(),
    );
    let (acme_tx, mut acme_rx) = mpsc::unbounded_channel::<AcmeMsg>();
    let (wants_tx, wants_rx) = watch::channel(std::collections::BTreeSet::<String>::new());
    let mut acme_state: BTreeMap<String, HostState> = BTreeMap::new();
    let acme_task = opts.acme.clone().map(|cfg| {
        tokio::spawn(certmgr::run(
            cfg,
            wants_rx,
            acme_tx.clone(),
            shutdown.child_token(),
        ))
    });
    drop(acme_tx);
    let mut files_tick = tokio::time::interval(super::files::SCAN_EVERY);
    files_tick.tick().await;
    // the table last applied, for re-applying when a challenge is published
    let mut served: Option<RouteTable> = None;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let targets = opts
        .engines
        .iter()
        .map(|e| Target {
            member: Member {
                name: e.name.clone(),
                addr: e.addr.clone(),
                tls: e.tls.clone(),
            },
            record_labels: Default::default(),
        })
        .collect();
    let model_opts = ModelOptions {
        refresh_min: opts.resync,
        refresh_max: opts.resync,
        timeout: opts.timeout,
        ..ModelOptions::default()
    };
    let swarm = Swarm {
        discovery: "proxy".into(),
        master: None,
        strategy: None,
    };
    let model = Model::for_targets(swarm, targets, model_opts);
    let changes = model.subscribe();
    let follower = tokio::spawn(follow(
        model.clone(),
        opts.engines.clone(),
        opts.container_filter.clone(),
        changes,
        tx,
        shutdown.child_token(),
    ));
    let mut resync = resync;
    let resyncer = {
        let model = model.clone();
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    r = resync.changed() => {
                        if r.is_err() {
                            return;
                        }
                        model.resync();
                    }
                    () = shutdown.cancelled() => return,
                }
            }
        })
    };

    let now = status::now();
    let mut st = Status {
        version: status::STATUS_VERSION,
        pid: std::process::id(),
        mode: opts.mode.clone(),
        node: opts.node.clone(),
        config: opts.config.clone(),
        started_at: now,
        updated_at: now,
        stopped: false,
        engines: opts
            .engines
            .iter()
            .map(|e| EngineStatus {
                name: e.name.clone(),
                addr: e.addr.to_string(),
                connected: false,
                since: now,
                error: None,
                containers: 0,
                resyncs: 0,
                events: 0,
            })
            .collect(),
        pending: false,
        reloads: 0,
        failures: 0,
        last_apply: None,
        table: RouteTable::default(),
        rejected: Vec::new(),
        certificates: Vec::new(),
    };
    write_status(&opts, &mut st);

    let mut inventories: Vec<Vec<ProxyContainer>> = vec![Vec::new(); opts.engines.len()];
    // Until every engine answered once (or the timeout passed), do not render: a first
    // configuration without the slower engines would drop their routes for a moment.
    let mut heard = vec![false; opts.engines.len()];
    let initial_deadline = Instant::now() + opts.timeout + Duration::from_secs(1);
    let mut dirty_since: Option<Instant> = None;
    let mut last_change = Instant::now();
    let mut retry_at: Option<Instant> = None;
    let mut applied_once = false;
    let mut last_table: Option<RouteTable> = None;
    let mut supervise = tokio::time::interval(Duration::from_secs(1));

    loop {
        let initial_done = heard.iter().all(|h| *h) || Instant::now() >= initial_deadline;
        let deadline = if !initial_done {
            Some(initial_deadline.into())
        } else if let Some(first) = dirty_since {
            Some(tokio::time::Instant::from(
                (last_change + opts.wait.min).min(first + opts.wait.max),
            ))
        } else if !applied_once {
            Some(tokio::time::Instant::now())
        } else {
            retry_at.map(tokio::time::Instant::from)
        };
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            msg = rx.recv() => {
                let Some(msg) = msg else { break };
                let now = status::now();
                match msg {
                    Update::Connected { engine } => {
                        if let Some(e) = st.engines.get_mut(engine) {
                            e.connected = true;
                            e.since = now;
                            e.error = None;
                        }
                        write_status(&opts, &mut st);
                    }
                    Update::Disconnected { engine, error } => {
                        heard[engine] = true;
                        if let Some(e) = st.engines.get_mut(engine) {
                            if e.connected {
                                e.since = now;
                            }
                            e.connected = false;
                            e.error = Some(error);
                        }
                        write_status(&opts, &mut st);
                    }
                    Update::Inventory { engine, containers, resync } => {
                        heard[engine] = true;
                        if let Some(e) = st.engines.get_mut(engine) {
                            e.containers = containers.len();
                            if resync {
                                e.resyncs += 1;
                            } else {
                                e.events += 1;
                            }
                        }
                        if inventories[engine] != containers {
                            inventories[engine] = containers;
                            last_change = Instant::now();
                            if dirty_since.is_none() {
                                dirty_since = Some(last_change);
                                st.pending = true;
                                write_status(&opts, &mut st);
                            }
                        } else if resync {
                            // nothing changed; a resync still re-checks the served file
                            write_status(&opts, &mut st);
                        }
                    }
                }
            }
            () = sleep => {
                if !(initial_done || heard.iter().all(|h| *h) || Instant::now() >= initial_deadline) {
                    continue;
                }
                if dirty_since.is_none() && applied_once && retry_at.is_none() {
                    continue;
                }
                dirty_since = None;
                st.pending = false;
                retry_at = None;
                let containers: Vec<ProxyContainer> =
                    inventories.iter().flat_map(|v| v.iter().cloned()).collect();
                let table = routes::build(&containers);
                log_changes(last_table.as_ref(), &table);
                let started = Instant::now();
                let out = serving.apply(&table).await;
                let millis = started.elapsed().as_millis() as u64;
                applied_once = true;
                last_table = Some(table.clone());
                if record(&mut st, &out, millis, &serving, &acme_state) {
                    served = Some(out.served.clone());
                    let wants: std::collections::BTreeSet<String> = out
                        .served
                        .vhosts
                        .iter()
                        .filter(|v| v.settings.acme)
                        .map(|v| v.host.clone())
                        .collect();
                    wants_tx.send_if_modified(|w| {
                        let changed = *w != wants;
                        *w = wants;
                        changed
                    });
                } else {
                    retry_at = Some(Instant::now() + Duration::from_secs(5));
                    // forget the table so the next attempt logs its findings again
                    last_table = None;
                }
                write_status(&opts, &mut st);
            }
            _ = supervise.tick() => {
                if let Some(msg) = serving.plane.supervise().await {
                    tracing::warn!("{msg}");
                }
            }
            _ = files_tick.tick() => {
                if serving.rescan() {
                    tracing::info!("certificates or snippets changed; applying");
                    last_change = Instant::now();
                    dirty_since.get_or_insert(last_change);
                }
            }
            Some(msg) = acme_rx.recv() => match msg {
                AcmeMsg::Publish { host, token, key_auth, done } => {
                    serving.challenges.insert(token.clone(), key_auth.clone());
                    let reply = match &served {
                        Some(table) => {
                            let out = serving.apply(table).await;
                            match &out.result {
                                // nginx's old workers may answer for a moment after a reload:
                                // reply once the new configuration serves the answer
                                Ok(_) => serving.wait_served(&host, &token, &key_auth).await,
                                Err(e) => Err(e.to_string()),
                            }
                        }
                        None => Err("no configuration is served yet".to_string()),
                    };
                    let _ = done.send(reply);
                }
                AcmeMsg::Withdraw { token } => {
                    serving.challenges.remove(&token);
                    last_change = Instant::now();
                    dirty_since.get_or_insert(last_change);
                }
                AcmeMsg::Stored { host } => {
                    tracing::info!("ACME: serving the new certificate of {host}");
                    serving.rescan();
                    last_change = Instant::now();
                    dirty_since.get_or_insert(last_change);
                }
                AcmeMsg::State(state) => {
                    acme_state = state;
                    st.certificates = serving.certificates(&st.table, &acme_state);
                    write_status(&opts, &mut st);
                }
            },
            () = shutdown.cancelled() => break,
        }
    }
    model.stop();
    follower.abort();
    resyncer.abort();
    if let Some(t) = acme_task {
        t.abort();
    }
    serving.plane.shutdown().await;
    st.stopped = true;
    write_status(&opts, &mut st);
}

/// Records an apply in the status (and the log); true when the configuration is served.
fn record(
    st: &mut Status,
    out: &Outcome,
    millis: u64,
    serving: &Serving,
    acme_state: &BTreeMap<String, HostState>,
) -> bool {
    let at = status::now();
    for r in &out.rejected {
        if !st
            .rejected
            .iter()
            .any(|x| x.host == r.host && x.error == r.error)
        {
            tracing::error!(
                "nginx rejects vhost {} (from {}); it is left out, every other vhost is served:\n{}",
                routes::sanitize(&r.host),
                r.containers.join(", "),
                r.error
            );
        }
    }
    match &out.result {
        Ok(changed) => {
            if *changed == Changed::Updated {
                st.reloads += 1;
                tracing::info!(
                    "configuration applied: {} vhosts, {} skipped, {} rejected ({millis} ms)",
                    out.served.vhosts.len(),
                    out.served.skipped.len(),
                    out.rejected.len()
                );
            }
            st.table = out.served.clone();
            st.rejected = out.rejected.clone();
            st.certificates = serving.certificates(&st.table, acme_state);
            st.last_apply = Some(ApplyStatus {
                at,
                result: if *changed == Changed::Updated {
                    "updated"
                } else {
                    "unchanged"
                }
                .into(),
                error: None,
                millis,
            });
            true
        }
        Err(e) => {
            st.failures += 1;
            tracing::error!("{e}; the previous configuration keeps serving");
            st.last_apply = Some(ApplyStatus {
                at,
                result: "failed".into(),
                error: Some(e.to_string()),
                millis,
            });
            false
        }
    }
}

fn write_status(opts: &WatchOptions, st: &mut Status) {
    st.updated_at = status::now();
    if let Err(e) = st.write(&opts.conf_dir) {
        tracing::warn!("{e}");
    }
}

/// Logs skipped containers and warnings that are new since the previous table, once each.
fn log_changes(prev: Option<&RouteTable>, next: &RouteTable) {
    for s in &next.skipped {
        if prev.is_none_or(|p| !p.skipped.contains(s)) {
            tracing::warn!("skipped {s}");
        }
    }
    for w in &next.warnings {
        if prev.is_none_or(|p| !p.warnings.contains(w)) {
            tracing::warn!("{w}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_parses_min_max() {
        let w: Wait = "100ms:500ms".parse().expect("wait");
        assert_eq!(w, Wait::default());
        let w: Wait = "2s".parse().expect("wait");
        assert_eq!(
            (w.min, w.max),
            (Duration::from_secs(2), Duration::from_secs(2))
        );
        let w: Wait = "0:1s".parse().expect("wait");
        assert_eq!(w.min, Duration::ZERO);
        assert!("500ms:100ms".parse::<Wait>().is_err());
        assert!("x:1s".parse::<Wait>().is_err());
    }
}
