//! The watcher (I/O): engine events → inventory → debounce → routes → render → apply.
//!
//! ```text
//! engine task (one per engine)            coordinator (one)
//!   connect, ping, read engine time         keeps every engine's inventory
//!   subscribe to events since that time     debounces (min quiet, max delay)
//!   full resync: list + inspect             routes::build → nginx::render (pure)
//!   per event: inspect that container       DataPlane::apply (validate, swap, reload)
//!   on error: back off, reconnect, resync   writes status.json; logs skipped containers
//! ```
//!
//! Each engine has its own reconnect loop with exponential backoff (200 ms doubling to 5 s),
//! and every (re)connect is followed by a full resync, so an event lost while the stream was
//! down cannot leave a stale route. The event subscription starts at the engine's own clock
//! read *before* the listing, so an event that happens between the listing and the
//! subscription is replayed rather than lost. A periodic resync (`--resync`) and SIGHUP also
//! resync in full; a resync that fails (a dead TCP connection that never saw a FIN) triggers a
//! reconnect.
//!
//! While an engine is unreachable its last known containers stay routed: a network blip should
//! not take sites down, and nginx fails over to the other servers of an upstream when one does
//! not answer. The status file says which engines are disconnected and since when.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::{EventMessage, EventMessageTypeEnum};
use bollard::query_parameters::{EventsOptionsBuilder, ListContainersOptionsBuilder};
use futures_util::StreamExt;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::apply::Changed;
use super::certmgr::{self, AcmeMsg, HostState};
use super::dataplane::DataPlane;
use super::files::FileDirs;
use super::routes::{self, LABEL_HOST, RouteTable};
use super::serving::{Outcome, ProxySettings, Serving};
use super::source::{EngineContext, ProxyContainer};
use super::status::{self, ApplyStatus, EngineStatus, Status};
use crate::acme::AcmeConfig;
use crate::engine::{self, EngineAddr};
use crate::store::TlsFiles;

/// The debounce window: apply once events pause for `min`, but at most `max` after the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    pub min: Duration,
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
    pub name: String,
    pub addr: EngineAddr,
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
    pub engines: Vec<WatchTarget>,
    pub wait: Wait,
    pub resync: Duration,
    pub timeout: Duration,
    /// Where status.json goes.
    pub conf_dir: PathBuf,
    /// For the status file: `local`, `reload-cmd` or `node`.
    pub mode: String,
    pub node: Option<String>,
    /// For the status file: where the configuration lives.
    pub config: String,
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

/// Actions that can change a container's routing.
fn relevant(ev: &EventMessage) -> Option<String> {
    let action = ev.action.as_deref().unwrap_or_default();
    let actor = ev.actor.as_ref()?;
    match ev.typ {
        Some(EventMessageTypeEnum::CONTAINER) => {
            let base = action.split(':').next().unwrap_or_default().trim();
            matches!(
                base,
                "start"
                    | "restart"
                    | "die"
                    | "stop"
                    | "kill"
                    | "pause"
                    | "unpause"
                    | "destroy"
                    | "rename"
                    | "update"
                    | "health_status"
            )
            .then(|| actor.id.clone())
            .flatten()
        }
        Some(EventMessageTypeEnum::NETWORK) if action == "connect" || action == "disconnect" => {
            actor.attributes.as_ref()?.get("container").cloned()
        }
        _ => None,
    }
}

/// Unix time (seconds, fraction) from Docker's `SystemTime` (RFC 3339 with nanoseconds).
fn parse_rfc3339(s: &str) -> Option<f64> {
    let (date, rest) = s.split_once('T')?;
    let mut d = date.split('-');
    let y: i64 = d.next()?.parse().ok()?;
    let m: i64 = d.next()?.parse().ok()?;
    let day: i64 = d.next()?.parse().ok()?;
    // split the offset off: Z, +hh:mm or -hh:mm
    let (time, offset) = if let Some(t) = rest.strip_suffix('Z') {
        (t, 0i64)
    } else {
        let pos = rest.rfind(['+', '-'])?;
        let (t, o) = rest.split_at(pos);
        let sign = if o.starts_with('-') { -1 } else { 1 };
        let (oh, om) = o[1..].split_once(':')?;
        (
            t,
            sign * (oh.parse::<i64>().ok()? * 3600 + om.parse::<i64>().ok()? * 60),
        )
    };
    let mut t = time.split(':');
    let hh: i64 = t.next()?.parse().ok()?;
    let mm: i64 = t.next()?.parse().ok()?;
    let ss: f64 = t.next()?.parse().ok()?;
    // days from civil (Howard Hinnant)
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    Some((days * 86400 + hh * 3600 + mm * 60 - offset) as f64 + ss)
}

struct EngineTask {
    idx: usize,
    spec: WatchTarget,
    timeout: Duration,
    resync_every: Duration,
    tx: mpsc::UnboundedSender<Update>,
    resync_rx: watch::Receiver<u64>,
    shutdown: CancellationToken,
    inventory: BTreeMap<String, ProxyContainer>,
}

#[derive(Debug, thiserror::Error)]
enum SessionError {
    #[error("{0}")]
    Docker(String),
    #[error("the event stream ended")]
    Ended,
}

fn derr(what: &str) -> impl FnOnce(bollard::errors::Error) -> SessionError + '_ {
    move |e| SessionError::Docker(format!("{what}: {e}"))
}

impl EngineTask {
    fn ctx(&self) -> EngineContext<'_> {
        EngineContext {
            name: &self.spec.name,
            ip: self.spec.ip,
            is_data_plane: self.spec.data_plane,
            network: self.spec.network.as_deref(),
        }
    }

    async fn run(mut self) {
        let mut backoff = Duration::from_millis(200);
        loop {
            let started = Instant::now();
            let shutdown = self.shutdown.clone();
            let result = tokio::select! {
                r = self.session() => r,
                () = shutdown.cancelled() => return,
            };
            let error = match result {
                Ok(()) => return,
                Err(e) => e.to_string(),
            };
            tracing::warn!("engine {}: {error}; reconnecting", self.spec.name);
            let _ = self.tx.send(Update::Disconnected {
                engine: self.idx,
                error,
            });
            if started.elapsed() > Duration::from_secs(30) {
                backoff = Duration::from_millis(200);
            }
            tokio::select! {
                () = tokio::time::sleep(backoff) => {}
                () = self.shutdown.cancelled() => return,
            }
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    }

    async fn with_timeout<T>(
        &self,
        what: &str,
        f: impl std::future::Future<Output = Result<T, bollard::errors::Error>>,
    ) -> Result<T, SessionError> {
        match tokio::time::timeout(self.timeout, f).await {
            Ok(r) => r.map_err(derr(what)),
            Err(_) => Err(SessionError::Docker(format!(
                "{what}: no answer within {}s",
                self.timeout.as_secs_f32()
            ))),
        }
    }

    /// One connection: returns Ok only on shutdown.
    async fn session(&mut self) -> Result<(), SessionError> {
        let docker = engine::client(&self.spec.addr, self.spec.tls.as_ref(), self.timeout)
            .map_err(|e| SessionError::Docker(format!("cannot connect: {e}")))?;
        let info = self
            .with_timeout("cannot reach the engine", docker.info())
            .await?;
        let since = info
            .system_time
            .as_deref()
            .and_then(parse_rfc3339)
            .unwrap_or_else(|| status::now() as f64);
        // Subscribe from the engine's own clock before listing: events between the listing and
        // the subscription are replayed, never lost (replays are harmless: inspect is idempotent).
        let filters: HashMap<String, Vec<String>> = [(
            "type".to_string(),
            vec!["container".into(), "network".into()],
        )]
        .into();
        let opts = EventsOptionsBuilder::new()
            .since(&format!("{:.9}", since - 1.0))
            .filters(&filters)
            .build();
        let mut events = docker.events(Some(opts));
        self.resync(&docker).await?;
        let _ = self.tx.send(Update::Connected { engine: self.idx });
        tracing::info!(
            "engine {}: connected, {} containers with VIRTUAL_HOST",
            self.spec.name,
            self.inventory.len()
        );
        let mut ticker = tokio::time::interval(self.resync_every);
        ticker.tick().await;
        loop {
            tokio::select! {
                ev = events.next() => {
                    let ev = match ev {
                        None => return Err(SessionError::Ended),
                        Some(Err(e)) => return Err(SessionError::Docker(format!("event stream: {e}"))),
                        Some(Ok(ev)) => ev,
                    };
                    if let Some(id) = relevant(&ev) {
                        tracing::debug!(
                            "engine {}: {} {}",
                            self.spec.name,
                            ev.action.as_deref().unwrap_or_default(),
                            id.chars().take(12).collect::<String>()
                        );
                        if self.refresh(&docker, &id).await? {
                            self.send(false);
                        }
                    }
                }
                _ = ticker.tick() => {
                    self.resync(&docker).await?;
                }
                r = self.resync_rx.changed() => {
                    if r.is_ok() {
                        self.resync(&docker).await?;
                    }
                }
            }
        }
    }

    fn send(&self, resync: bool) {
        let _ = self.tx.send(Update::Inventory {
            engine: self.idx,
            containers: self.inventory.values().cloned().collect(),
            resync,
        });
    }

    /// Re-inspects one container; true when the inventory changed.
    async fn refresh(&mut self, docker: &Docker, id: &str) -> Result<bool, SessionError> {
        let inspected = match tokio::time::timeout(self.timeout, docker.inspect_container(id, None))
            .await
        {
            Ok(Ok(c)) => Some(c),
            Ok(Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            })) => None,
            Ok(Err(e)) => return Err(derr("inspect")(e)),
            Err(_) => return Err(SessionError::Docker("inspect: no answer".into())),
        };
        let before = self.inventory.get(id).cloned();
        let after = inspected
            .map(|c| ProxyContainer::from_inspect(&c, self.ctx()))
            .filter(|c| c.running && opts_in(c));
        match &after {
            Some(c) => {
                self.inventory.insert(id.to_string(), c.clone());
            }
            None => {
                self.inventory.remove(id);
            }
        }
        Ok(before != after)
    }

    /// Lists and inspects every running container, replacing the inventory.
    async fn resync(&mut self, docker: &Docker) -> Result<(), SessionError> {
        let opts = ListContainersOptionsBuilder::new().all(false).build();
        let list = self
            .with_timeout("list containers", docker.list_containers(Some(opts)))
            .await?;
        let ids: Vec<String> = list.into_iter().filter_map(|c| c.id).collect();
        let ctx = self.ctx();
        let timeout = self.timeout;
        let inspected: Vec<Result<Option<ProxyContainer>, SessionError>> =
            futures_util::stream::iter(ids)
                .map(|id| {
                    let docker = docker.clone();
                    async move {
                        match tokio::time::timeout(timeout, docker.inspect_container(&id, None))
                            .await
                        {
                            Ok(Ok(c)) => Ok(Some(ProxyContainer::from_inspect(&c, ctx))),
                            // removed between the listing and the inspect
                            Ok(Err(bollard::errors::Error::DockerResponseServerError {
                                status_code: 404,
                                ..
                            })) => Ok(None),
                            Ok(Err(e)) => Err(derr("inspect")(e)),
                            Err(_) => Err(SessionError::Docker("inspect: no answer".into())),
                        }
                    }
                })
                .buffer_unordered(8)
                .collect()
                .await;
        let mut inventory = BTreeMap::new();
        for c in inspected {
            if let Some(c) = c?
                && c.running
                && opts_in(&c)
            {
                inventory.insert(c.id.clone(), c);
            }
        }
        self.inventory = inventory;
        self.send(true);
        Ok(())
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
    let mut tasks = Vec::new();
    for (idx, spec) in opts.engines.iter().enumerate() {
        let task = EngineTask {
            idx,
            spec: spec.clone(),
            timeout: opts.timeout,
            resync_every: opts.resync,
            tx: tx.clone(),
            resync_rx: resync.clone(),
            shutdown: shutdown.child_token(),
            inventory: BTreeMap::new(),
        };
        tasks.push(tokio::spawn(task.run()));
    }
    drop(tx);

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
                            dirty_since.get_or_insert(last_change);
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
    for t in tasks {
        t.abort();
    }
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

    #[test]
    fn rfc3339_to_unix() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0.0));
        let t = parse_rfc3339("2024-02-29T12:34:56.5Z").expect("time");
        assert!((t - 1_709_210_096.5).abs() < 1e-6, "{t}");
        let t = parse_rfc3339("2024-02-29T14:34:56.5+02:00").expect("time");
        assert!((t - 1_709_210_096.5).abs() < 1e-6, "{t}");
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn relevant_events() {
        let ev = |typ, action: &str, id: &str, attrs: &[(&str, &str)]| EventMessage {
            typ: Some(typ),
            action: Some(action.into()),
            actor: Some(bollard::models::EventActor {
                id: Some(id.into()),
                attributes: Some(
                    attrs
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                ),
            }),
            ..Default::default()
        };
        use EventMessageTypeEnum::{CONTAINER, NETWORK};
        assert_eq!(
            relevant(&ev(CONTAINER, "start", "c1", &[])).as_deref(),
            Some("c1")
        );
        assert_eq!(
            relevant(&ev(CONTAINER, "health_status: healthy", "c1", &[])).as_deref(),
            Some("c1")
        );
        assert_eq!(relevant(&ev(CONTAINER, "exec_start: sh", "c1", &[])), None);
        assert_eq!(relevant(&ev(CONTAINER, "attach", "c1", &[])), None);
        assert_eq!(
            relevant(&ev(NETWORK, "connect", "n1", &[("container", "c2")])).as_deref(),
            Some("c2")
        );
        assert_eq!(relevant(&ev(NETWORK, "create", "n1", &[])), None);
    }
}
