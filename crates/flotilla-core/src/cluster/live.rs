//! The live view of a swarm: every member engine queried concurrently (mutual
//! TLS with the store's certificates, one timeout per engine) and turned into
//! the [`ClusterState`] the scheduler decides over, plus what `info` and `ps`
//! show beyond it (status, versions, the engines' own container summaries).
//!
//! An engine that cannot be reached, or whose `/info` fails, is **Pending**
//! (never validated, as upstream); one that answered `/info` but failed a
//! later query is **Unhealthy**. Both are in the state with `healthy: false`
//! and their error, so the health filter removes them and `info` shows why.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bollard::Docker;
use bollard::models::{ContainerInspectResponse, ContainerSummary, SystemInfo};
use bollard::query_parameters::{ListContainersOptions, ListImagesOptions};
use futures_util::StreamExt;
use futures_util::future::join_all;
use serde::{Deserialize, Serialize};

use crate::cluster::members::{self, ClusterError, Member, Swarm};
use crate::cluster::state::{ClusterState, Container, DEFAULT_OVERCOMMIT, Image, Node, Port};
use crate::cluster::swarm_dir::ensure_swarm_dir;
use crate::engine::{self, ClientError, EngineAddr};
use crate::store::{Durability, Store, replace_file};

/// Inspections in flight per engine: a few connections amortise their
/// handshakes over many containers without opening one per container.
const INSPECT_CONCURRENCY: usize = 4;

/// How much to fetch per container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// The engines' container lists only (`ps`): no reservations, no requested
    /// bindings of stopped containers.
    Summary,
    /// Every container inspected as well (`info`, `run`): what the scheduler needs.
    Full,
}

/// What to fetch and how long to wait.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// Per engine, for all of its queries together.
    pub timeout: Duration,
    /// Containers listed or inspected.
    pub detail: Detail,
    /// The directory (the swarm's) whose `containers.json` keeps inspected containers between
    /// commands (see [`InspectCache`]); `None`, or [`Detail::Summary`], keeps nothing and
    /// inspects every container every time.
    pub cache: Option<PathBuf>,
}

/// How long an inspected container's reservations are reused.
pub const INSPECT_CACHE_TTL: Duration = Duration::from_secs(60);

/// What only an inspect tells about a container, kept between commands so a
/// burst of `run`s does not re-inspect every container of every engine each
/// time. Everything else (name, state, labels, actual ports) comes fresh from
/// the engine's list. Only `docker update` changes what is cached, so an
/// updated reservation is seen within [`INSPECT_CACHE_TTL`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InspectCache {
    /// Container ID → facts.
    pub containers: HashMap<String, Inspected>,
    /// Member name → engine facts.
    #[serde(default)]
    pub nodes: HashMap<String, EngineFacts>,
}

/// What `/info` says about an engine, kept like inspected containers:
/// labels, CPUs and memory change only when the daemon is reconfigured
/// (upstream re-read them every 5 minutes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineFacts {
    /// The address it was read from (a member that moved is asked again).
    pub addr: String,
    /// The engine's ID (`ID`); cloned VMs may share one, so nodes are never keyed by it.
    pub id: String,
    /// CPUs (`NCPU`).
    pub cpus: f64,
    /// Memory in bytes (`MemTotal`).
    pub memory: u64,
    /// Daemon and built-in labels (the record's are merged at use).
    pub labels: BTreeMap<String, String>,
    /// The engine's version (`ServerVersion`).
    pub server_version: String,
    /// Unix seconds when read.
    pub at: u64,
}

/// How long an engine's `/info` answer is reused.
pub const SPEC_CACHE_TTL: Duration = Duration::from_secs(30);

/// The cached facts of one container.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inspected {
    /// CPU reservation in CPUs: `NanoCpus`, or `CpuShares` read as whole CPUs as classic Swarm
    /// did, whichever is larger.
    pub cpus: f64,
    /// Memory reservation in bytes (`HostConfig.Memory`).
    pub memory: u64,
    /// Requested host bindings (they hold a port even while stopped).
    pub ports: Vec<Port>,
    /// Exposed port keys (`6379/tcp`).
    pub exposed_ports: Vec<String>,
    /// `HostConfig.NetworkMode`; empty for the engine's default.
    pub network_mode: String,
    /// Unix seconds when inspected.
    pub at: u64,
}

impl InspectCache {
    fn load(path: &Path) -> InspectCache {
        std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Written with a rename so concurrent readers see whole files; a lost
    /// update between two writers only costs a later inspect.
    fn save(&self, path: &Path) {
        let Ok(bytes) = serde_json::to_vec(self) else {
            return;
        };
        if let Err(e) = replace_file(path, &bytes, 0o600, Durability::Ephemeral) {
            tracing::debug!("cannot write {}: {e}", path.display());
        }
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A container's own name among the names the engine lists: a container that others link to
/// is also listed as `/OTHER/ALIAS`, in no promised order; its own name has no inner `/`.
fn own_name(names: &[String]) -> &str {
    let trimmed = names.iter().map(|n| n.trim_start_matches('/'));
    trimmed
        .clone()
        .find(|n| !n.contains('/'))
        .or_else(|| trimmed.clone().next())
        .unwrap_or_default()
}

/// A container from its list entry and its cached inspect facts.
pub fn container_from_cached(summary: &ContainerSummary, cached: &Inspected) -> Container {
    let mut c = container_from_summary(summary);
    c.cpus = cached.cpus;
    c.memory = cached.memory;
    for p in &cached.ports {
        if !c.ports.contains(p) {
            c.ports.push(p.clone());
        }
    }
    c.exposed_ports = cached.exposed_ports.clone();
    c.network_mode = cached.network_mode.clone();
    c
}

fn inspected_of(c: &Container, at: u64) -> Inspected {
    Inspected {
        cpus: c.cpus,
        memory: c.memory,
        ports: c.ports.clone(),
        exposed_ports: c.exposed_ports.clone(),
        network_mode: c.network_mode.clone(),
        at,
    }
}

/// A node's state in the classic sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Health {
    /// Answered in full: the only state the scheduler chooses.
    Healthy,
    /// Validated once, then failing: a query after `/info` in the one-off view;
    /// `--engine-failure-retry` failed attempts in a row in a manager's model.
    Unhealthy,
    /// Never validated: unreachable, or its `/info` failed or reported no CPUs or memory
    /// (classic kept retrying such an engine).
    Pending,
}

impl fmt::Display for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Health::Healthy => "Healthy",
            Health::Unhealthy => "Unhealthy",
            Health::Pending => "Pending",
        })
    }
}

/// A member to query: its address and certificates, and the labels its record
/// declares (`create --engine-label`). Those count as node labels under the
/// daemon's own: an engine adopted with `-d none` was never configured by
/// flotilla, so its record is where the user describes it.
#[derive(Debug, Clone)]
pub struct Target {
    /// The engine and the certificates that reach it.
    pub member: Member,
    /// The `--engine-label` pairs of the member's machine record; empty for an address only
    /// the discovery backend lists.
    pub record_labels: BTreeMap<String, String>,
}

/// Loads the record labels of each member (a member without a readable
/// record simply has none).
pub fn targets(store: &Store, members: Vec<Member>) -> Vec<Target> {
    members
        .into_iter()
        .map(|member| {
            let record_labels = store
                .load(&member.name)
                .map(|m| {
                    m.engine()
                        .label_pairs()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect()
                })
                .unwrap_or_default();
            Target {
                member,
                record_labels,
            }
        })
        .collect()
}

/// What `info` and `ps` show about a node beyond the state document.
#[derive(Debug, Clone)]
pub struct NodeView {
    /// The member's name ([`Member::name`]), also the node's name in the state.
    pub name: String,
    /// Where the engine listens.
    pub addr: EngineAddr,
    /// Classic's node state.
    pub health: Health,
    /// The last failure's message; `None` once the engine answered in full.
    pub error: Option<String>,
    /// The engine's version (`ServerVersion`); empty for an engine that never answered.
    pub server_version: String,
    /// When the engine answered (RFC 3339, UTC).
    pub updated_at: String,
    /// The engine's own container list (all states).
    pub containers: Vec<ContainerSummary>,
    /// Tagged images on the engine.
    pub images: usize,
}

impl NodeView {
    /// The engine's host (IP or name), which replaces `0.0.0.0` in ports.
    pub fn ip(&self) -> String {
        self.addr.host().unwrap_or("").to_string()
    }
}

/// A swarm as its engines describe it right now.
pub struct Live {
    /// The swarm viewed, as resolved.
    pub swarm: Swarm,
    /// The scheduler's input; node `i` is `views[i]`.
    pub state: ClusterState,
    /// What `info` and `ps` show per node, in the order of `state.nodes`.
    pub views: Vec<NodeView>,
    clients: Vec<Option<Docker>>,
}

impl Live {
    /// The connected client of a node, reused so a `run` after the fetch pays
    /// no second TLS handshake.
    pub fn client(&self, node: &str) -> Option<&Docker> {
        let i = self.state.nodes.iter().position(|n| n.name == node)?;
        self.clients.get(i)?.as_ref()
    }

    /// A view assembled from parts, without connections (tests, benchmarks).
    pub fn from_parts(swarm: Swarm, state: ClusterState, views: Vec<NodeView>) -> Live {
        let clients = vec![None; views.len()];
        Live {
            swarm,
            state,
            views,
            clients,
        }
    }

    /// The view of a node by name.
    pub fn view(&self, node: &str) -> Option<&NodeView> {
        self.views.iter().find(|v| v.name == node)
    }
}

/// A [`Live`] as a document: what a running manager answers on `/_flotilla/view`, so `info`
/// and `ps` show its model's health states without asking every engine.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ViewDoc {
    /// [`Swarm::discovery`].
    pub discovery: String,
    /// [`Swarm::master`].
    pub master: Option<String>,
    /// [`Swarm::strategy`].
    pub strategy: Option<String>,
    /// [`Live::state`]; node `i` is `views[i]`.
    pub state: ClusterState,
    /// [`Live::views`], one per node of `state`.
    pub views: Vec<ViewNode>,
}

/// One [`NodeView`] of a [`ViewDoc`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ViewNode {
    /// [`NodeView::name`].
    pub name: String,
    /// [`NodeView::addr`] as it prints (`tcp://HOST:PORT`, `unix://PATH`), parsed back by
    /// [`ViewDoc::into_live`].
    pub addr: String,
    /// [`NodeView::health`].
    pub health: Health,
    /// [`NodeView::error`].
    pub error: Option<String>,
    /// [`NodeView::server_version`].
    pub server_version: String,
    /// [`NodeView::updated_at`] (RFC 3339, UTC).
    pub updated_at: String,
    /// [`NodeView::containers`]: the engine's container list entries.
    pub containers: Vec<ContainerSummary>,
    /// [`NodeView::images`]: tagged images on the engine.
    pub images: usize,
}

impl ViewDoc {
    /// The document of a view, as a manager answers it.
    pub fn of(live: &Live) -> ViewDoc {
        ViewDoc {
            discovery: live.swarm.discovery.clone(),
            master: live.swarm.master.clone(),
            strategy: live.swarm.strategy.clone(),
            state: live.state.clone(),
            views: live
                .views
                .iter()
                .map(|v| ViewNode {
                    name: v.name.clone(),
                    addr: v.addr.to_string(),
                    health: v.health,
                    error: v.error.clone(),
                    server_version: v.server_version.clone(),
                    updated_at: v.updated_at.clone(),
                    containers: v.containers.clone(),
                    images: v.images,
                })
                .collect(),
        }
    }

    /// Back to a [`Live`] (without connections); `None` when an address does not parse or the
    /// nodes and views do not line up.
    pub fn into_live(self) -> Option<Live> {
        if self.state.nodes.len() != self.views.len() {
            return None;
        }
        let mut views = Vec::with_capacity(self.views.len());
        for v in self.views {
            views.push(NodeView {
                name: v.name,
                addr: v.addr.parse().ok()?,
                health: v.health,
                error: v.error,
                server_version: v.server_version,
                updated_at: v.updated_at,
                containers: v.containers,
                images: v.images,
            });
        }
        Some(Live::from_parts(
            Swarm {
                discovery: self.discovery,
                master: self.master,
                strategy: self.strategy,
            },
            self.state,
            views,
        ))
    }
}

/// The view a running manager of `swarm` keeps (its model), or `None` when no manager runs or
/// none answers within `timeout` (the caller fetches one-off then). Asked with the store's
/// client certificate, as `env --swarm` points the docker CLI.
pub async fn from_manager(store: &Store, swarm: &Swarm, timeout: Duration) -> Option<Live> {
    use http_body_util::BodyExt;
    for record in crate::cluster::swarm_dir::ManagerRecord::running(store, &swarm.discovery) {
        let Ok(addr) = record.url.parse::<EngineAddr>() else {
            continue;
        };
        let certs = crate::certs::StoreCerts::of(store);
        let files = crate::store::TlsFiles {
            ca: certs.ca,
            cert: certs.cert,
            key: certs.key,
        };
        let ask = async {
            let tls = engine::client_tls_config(&files).ok()?;
            let (io, host) = engine::dial(&addr, Some(tls)).await.ok()?;
            let (mut sender, conn) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(io))
                    .await
                    .ok()?;
            tokio::spawn(conn);
            let req = hyper::Request::get("/_flotilla/view")
                .header(hyper::header::HOST, host)
                .body(http_body_util::Empty::<bytes::Bytes>::new())
                .ok()?;
            let resp = sender.send_request(req).await.ok()?;
            if !resp.status().is_success() {
                return None;
            }
            let body = resp.into_body().collect().await.ok()?.to_bytes();
            let doc: ViewDoc = serde_json::from_slice(&body).ok()?;
            doc.into_live()
        };
        match tokio::time::timeout(timeout, ask).await {
            Ok(Some(live)) => return Some(live),
            _ => tracing::debug!("the manager at {} did not answer", record.url),
        }
    }
    None
}

/// A client for a member: [`engine::client`] with the member's certificates.
pub fn client(member: &Member, timeout: Duration) -> Result<Docker, ClientError> {
    engine::client(&member.addr, member.tls.as_ref(), timeout)
}

/// `2026-01-02T03:04:05Z`, without pulling in time's formatting machinery.
pub fn rfc3339_now() -> String {
    let t = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// One line of an error and its causes (bollard nests the useful part).
pub fn error_text(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        let t = s.to_string();
        if !msg.contains(&t) {
            msg = format!("{msg}: {t}");
        }
        src = s.source();
    }
    msg
}

/// Whether an error says the engine only speaks an older API.
fn too_new(e: &bollard::errors::Error) -> bool {
    matches!(e, bollard::errors::Error::DockerResponseServerError { status_code: 400, message } if message.contains("too new"))
}

struct Fetched {
    node: Node,
    view: NodeView,
    client: Option<Docker>,
    /// Containers inspected by this fetch, for the cache.
    learned: Vec<(String, Inspected)>,
    /// The engine's `/info` facts when this fetch read them.
    learned_spec: Option<EngineFacts>,
}

fn pending(target: &Target, error: String) -> Fetched {
    let mut node = Node::named(&target.member.name);
    node.addr = addr_text(&target.member.addr);
    node.healthy = false;
    node.error = Some(error.clone());
    node.labels = target.record_labels.clone();
    Fetched {
        node,
        view: NodeView {
            name: target.member.name.clone(),
            addr: target.member.addr.clone(),
            health: Health::Pending,
            error: Some(error),
            server_version: String::new(),
            updated_at: rfc3339_now(),
            containers: Vec::new(),
            images: 0,
        },
        client: None,
        learned: Vec::new(),
        learned_spec: None,
    }
}

/// `host:port` as classic Swarm shows engine addresses.
pub fn addr_text(addr: &EngineAddr) -> String {
    match addr {
        EngineAddr::Tcp { host, port } if host.contains(':') => format!("[{host}]:{port}"),
        EngineAddr::Tcp { host, port } => format!("{host}:{port}"),
        EngineAddr::Unix(p) => format!("unix://{}", p.display()),
    }
}

/// Node labels: the record's, then the daemon's `--label`s over them, then the
/// built-in ones, which nothing overrides (as upstream). A daemon label
/// without `=`, or with the reserved key `node`, is skipped.
pub fn node_labels(
    info: &SystemInfo,
    record: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut labels: BTreeMap<String, String> = record
        .iter()
        .filter(|(k, _)| k.as_str() != "node")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for l in info.labels.iter().flatten() {
        if let Some((k, v)) = l.split_once('=')
            && k != "node"
        {
            labels.insert(k.to_string(), v.to_string());
        }
    }
    let builtins = [
        ("storagedriver", info.driver.clone()),
        ("kernelversion", info.kernel_version.clone()),
        ("operatingsystem", info.operating_system.clone()),
        ("ostype", info.os_type.clone()),
    ];
    for (k, v) in builtins {
        labels.insert(k.to_string(), v.unwrap_or_default());
    }
    labels
}

fn proto_of(key: &str) -> (u16, String) {
    let (port, proto) = key.split_once('/').unwrap_or((key, "tcp"));
    (port.parse().unwrap_or(0), proto.to_string())
}

/// A container of the state from the engine's inspect answer: reservations
/// (`NanoCpus / 1e9`, `Memory`), requested and actual host ports, exposed
/// ports, network mode, labels.
pub fn container_from_inspect(c: &ContainerInspectResponse) -> Container {
    let config = c.config.clone().unwrap_or_default();
    let hc = c.host_config.clone().unwrap_or_default();
    let mut ports: Vec<Port> = Vec::new();
    let mut add = |key: &str, ip: Option<&String>, hp: Option<&String>| {
        let (container_port, protocol) = proto_of(key);
        let host_port: u16 = hp.and_then(|p| p.parse().ok()).unwrap_or(0);
        if host_port == 0 {
            return;
        }
        let p = Port {
            host_ip: ip.cloned().unwrap_or_default(),
            host_port,
            container_port,
            protocol,
        };
        if !ports.contains(&p) {
            ports.push(p);
        }
    };
    for (key, list) in hc.port_bindings.iter().flatten() {
        for b in list.iter().flatten() {
            add(key, b.host_ip.as_ref(), b.host_port.as_ref());
        }
    }
    let actual = c.network_settings.as_ref().and_then(|n| n.ports.as_ref());
    for (key, list) in actual.into_iter().flatten() {
        for b in list.iter().flatten() {
            add(key, b.host_ip.as_ref(), b.host_port.as_ref());
        }
    }
    Container {
        id: c.id.clone().unwrap_or_default(),
        name: c
            .name
            .clone()
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_string(),
        image: config.image.clone().unwrap_or_default(),
        state: c
            .state
            .as_ref()
            .and_then(|s| s.status)
            .map(|s| s.to_string())
            .unwrap_or_default(),
        labels: config
            .labels
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect(),
        cpus: crate::scheduler::request::cpu_reservation(
            hc.nano_cpus.unwrap_or(0),
            hc.cpu_shares.unwrap_or(0),
        ) as f64
            / 1e9,
        memory: u64::try_from(hc.memory.unwrap_or(0)).unwrap_or(0),
        ports,
        exposed_ports: config.exposed_ports.clone().unwrap_or_default(),
        network_mode: hc.network_mode.clone().unwrap_or_default(),
    }
}

/// A container of the state from the engine's list entry alone (no
/// reservations; actual ports only).
pub fn container_from_summary(c: &ContainerSummary) -> Container {
    let ports = c
        .ports
        .iter()
        .flatten()
        .filter_map(|p| {
            Some(Port {
                host_ip: p.ip.clone().unwrap_or_default(),
                host_port: p.public_port.filter(|p| *p != 0)?,
                container_port: p.private_port,
                protocol: p.typ.map(|t| t.to_string()).unwrap_or_else(|| "tcp".into()),
            })
        })
        .collect();
    let mut exposed: Vec<String> = c
        .ports
        .iter()
        .flatten()
        .map(|p| {
            let proto = p.typ.map(|t| t.to_string()).unwrap_or_default();
            let proto = if proto.is_empty() {
                "tcp".to_string()
            } else {
                proto
            };
            format!("{}/{proto}", p.private_port)
        })
        .collect();
    exposed.sort();
    exposed.dedup();
    Container {
        id: c.id.clone().unwrap_or_default(),
        name: own_name(c.names.as_deref().unwrap_or_default()).to_string(),
        image: c.image.clone().unwrap_or_default(),
        state: c.state.map(|s| s.to_string()).unwrap_or_default(),
        labels: c.labels.clone().unwrap_or_default().into_iter().collect(),
        cpus: 0.0,
        memory: 0,
        ports,
        exposed_ports: exposed,
        network_mode: c
            .host_config
            .as_ref()
            .and_then(|h| h.network_mode.clone())
            .unwrap_or_default(),
    }
}

async fn fetch_node(target: &Target, opts: &LiveOptions, cache: &InspectCache) -> Fetched {
    let mut learned: Vec<(String, Inspected)> = Vec::new();
    let member = &target.member;
    let mut docker = match client(member, opts.timeout) {
        Ok(d) => d,
        Err(e) => return pending(target, error_text(&e)),
    };
    let shown = member.addr.to_string();
    let t0 = std::time::Instant::now();
    let cached_spec = cache
        .nodes
        .get(&member.name)
        .filter(|n| n.addr == shown && n.at + SPEC_CACHE_TTL.as_secs() > unix_now());
    let mut learned_spec = None;
    let spec = match cached_spec {
        Some(spec) => spec.clone(),
        None => {
            let mut negotiated_down = false;
            let info = match tokio::time::timeout(opts.timeout, docker.info()).await {
                Err(_) => {
                    return pending(
                        target,
                        format!("timed out after {:?} waiting for {shown}", opts.timeout),
                    );
                }
                Ok(Err(e)) if too_new(&e) => {
                    negotiated_down = true;
                    let negotiated = tokio::time::timeout(opts.timeout, async {
                        let d = docker.clone().negotiate_version().await?;
                        let info = d.info().await?;
                        Ok::<_, bollard::errors::Error>((d, info))
                    })
                    .await;
                    match negotiated {
                        Ok(Ok((d, info))) => {
                            docker = d;
                            info
                        }
                        Ok(Err(e)) => return pending(target, error_text(&e)),
                        Err(_) => {
                            return pending(
                                target,
                                format!("timed out after {:?} waiting for {shown}", opts.timeout),
                            );
                        }
                    }
                }
                Ok(Err(e)) => return pending(target, error_text(&e)),
                Ok(Ok(info)) => info,
            };
            tracing::debug!(node = %member.name, elapsed_ms = t0.elapsed().as_millis() as u64, "info");
            let cpus = info.ncpu.unwrap_or(0);
            let memory = info.mem_total.unwrap_or(0);
            if cpus <= 0 || memory <= 0 {
                return pending(
                    target,
                    format!(
                        "cannot get resources for this engine, make sure {shown} is a Docker Engine, not a Swarm manager"
                    ),
                );
            }
            let spec = EngineFacts {
                addr: shown.clone(),
                id: info.id.clone().unwrap_or_default(),
                cpus: cpus as f64,
                memory: memory as u64,
                labels: node_labels(&info, &BTreeMap::new()),
                server_version: info.server_version.clone().unwrap_or_default(),
                at: unix_now(),
            };
            // An engine that needed an older API is asked again next time
            // (the negotiated version is not cached).
            if !negotiated_down {
                learned_spec = Some(spec.clone());
            }
            spec
        }
    };
    let mut node = Node::named(&member.name);
    node.id = spec.id.clone();
    node.addr = addr_text(&member.addr);
    node.cpus = spec.cpus;
    node.memory = spec.memory;
    // The record's labels under the daemon's and the built-in ones.
    node.labels = target
        .record_labels
        .iter()
        .filter(|(k, _)| k.as_str() != "node")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    node.labels.extend(spec.labels.clone());
    let mut view = NodeView {
        name: member.name.clone(),
        addr: member.addr.clone(),
        health: Health::Healthy,
        error: None,
        server_version: spec.server_version.clone(),
        updated_at: rfc3339_now(),
        containers: Vec::new(),
        images: 0,
    };
    let rest = async {
        // One after the other on the connection `/info` opened: concurrent
        // requests would each open (and TLS-handshake) a connection of
        // their own, which costs more than the requests.
        let list = docker
            .list_containers(Some(ListContainersOptions {
                all: true,
                ..Default::default()
            }))
            .await?;
        let images = docker
            .list_images(Some(ListImagesOptions::default()))
            .await?;
        let containers = match opts.detail {
            Detail::Summary => list.iter().map(container_from_summary).collect(),
            Detail::Full => {
                let now = unix_now();
                let fresh = |id: &str| {
                    cache
                        .containers
                        .get(id)
                        .filter(|c| c.at + INSPECT_CACHE_TTL.as_secs() > now)
                };
                let todo: Vec<&ContainerSummary> = list
                    .iter()
                    .filter(|c| fresh(c.id.as_deref().unwrap_or_default()).is_none())
                    .collect();
                // Owned IDs and client clones: the futures borrow nothing, so the whole fetch
                // stays `Send` (the manager runs it on a multi-threaded runtime).
                let ids: Vec<String> = todo
                    .iter()
                    .map(|c| c.id.clone().unwrap_or_default())
                    .collect();
                let inspected: Vec<_> = futures_util::stream::iter(ids.into_iter().map(|id| {
                    let docker = docker.clone();
                    async move { docker.inspect_container(&id, None).await }
                }))
                .buffered(INSPECT_CONCURRENCY)
                .collect()
                .await;
                let mut by_id: HashMap<String, Option<Container>> = HashMap::new();
                for (summary, r) in todo.iter().zip(inspected) {
                    let id = summary.id.clone().unwrap_or_default();
                    match r {
                        Ok(c) => {
                            let c = container_from_inspect(&c);
                            learned.push((id.clone(), inspected_of(&c, now)));
                            by_id.insert(id, Some(c));
                        }
                        // Removed since the list: gone, not an error.
                        Err(bollard::errors::Error::DockerResponseServerError {
                            status_code: 404,
                            ..
                        }) => {
                            by_id.insert(id, None);
                        }
                        Err(_) => {
                            by_id.insert(id, Some(container_from_summary(summary)));
                        }
                    }
                }
                let mut out = Vec::with_capacity(list.len());
                for summary in &list {
                    let id = summary.id.as_deref().unwrap_or_default();
                    match by_id.remove(id) {
                        Some(Some(c)) => out.push(c),
                        Some(None) => {}
                        None => match fresh(id) {
                            Some(cached) => out.push(container_from_cached(summary, cached)),
                            None => out.push(container_from_summary(summary)),
                        },
                    }
                }
                out
            }
        };
        Ok::<_, bollard::errors::Error>((list, images, containers))
    };
    let rest = tokio::time::timeout(opts.timeout, rest).await;
    tracing::debug!(node = %member.name, elapsed_ms = t0.elapsed().as_millis() as u64, "containers and images");
    match rest {
        Ok(Ok((list, images, containers))) => {
            view.images = images
                .iter()
                .filter(|i| i.repo_tags.iter().any(|t| t != "<none>:<none>"))
                .count();
            node.images = images
                .into_iter()
                .map(|i| Image {
                    id: i.id,
                    tags: i
                        .repo_tags
                        .into_iter()
                        .filter(|t| t != "<none>:<none>")
                        .collect(),
                })
                .collect();
            node.containers = containers;
            view.containers = list;
        }
        Ok(Err(e)) => {
            let msg = error_text(&e);
            node.healthy = false;
            node.error = Some(msg.clone());
            view.health = Health::Unhealthy;
            view.error = Some(msg);
        }
        Err(_) => {
            let msg = format!(
                "timed out after {:?} listing containers on {shown}",
                opts.timeout
            );
            node.healthy = false;
            node.error = Some(msg.clone());
            view.health = Health::Unhealthy;
            view.error = Some(msg);
        }
    }
    Fetched {
        node,
        view,
        client: Some(docker),
        learned,
        learned_spec,
    }
}

/// The view of a swarm chosen by `selector` (`--swarm`): a running manager's model when one
/// answers ([`from_manager`]), else the one-off view: its members resolved from the
/// store and its discovery backend, then every member fetched concurrently. What `info`, `ps`
/// and the manager's calls read when no long-lived model answers them.
pub async fn view(
    store: &Store,
    selector: Option<&str>,
    timeout: Duration,
    detail: Detail,
) -> Result<(Live, Vec<Member>), ClusterError> {
    let (swarm, members) = members::resolve(store, selector).await?;
    // A running manager's model knows each node's health history (Unhealthy, since when, why);
    // a one-off fetch only knows this moment.
    if let Some(live) = from_manager(store, &swarm, timeout).await {
        return Ok((live, members));
    }
    let live = fetch_members(store, swarm, members.clone(), timeout, detail).await;
    Ok((live, members))
}

/// The one-off view of members already resolved; full detail keeps inspected reservations in the
/// swarm's directory between commands.
pub async fn fetch_members(
    store: &Store,
    swarm: Swarm,
    members: Vec<Member>,
    timeout: Duration,
    detail: Detail,
) -> Live {
    let cache = if detail == Detail::Full {
        ensure_swarm_dir(store, &swarm.discovery)
    } else {
        None
    };
    let targets = targets(store, members);
    let opts = LiveOptions {
        timeout,
        detail,
        cache,
    };
    fetch(swarm, &targets, &opts).await
}

/// Queries every target concurrently and assembles the swarm's state.
/// Never fails: an engine that does not answer becomes a node with its error.
pub async fn fetch(swarm: Swarm, targets: &[Target], opts: &LiveOptions) -> Live {
    // Engines that share an engine ID (cloned VMs, copied `key.json`) are
    // still distinct nodes: upstream 1.2.7+ keyed engines by `ID|addr` for
    // this reason, and the testbed's engines do share one ID.
    let cache_path = opts
        .cache
        .as_ref()
        .filter(|_| opts.detail == Detail::Full)
        .map(|d| d.join("containers.json"));
    let cache = cache_path
        .as_deref()
        .map(InspectCache::load)
        .unwrap_or_default();
    let fetched = join_all(targets.iter().map(|t| fetch_node(t, opts, &cache))).await;
    if let Some(path) = &cache_path {
        // Keep the entries of containers that still exist, plus the new ones.
        let mut next = InspectCache::default();
        for f in &fetched {
            for c in &f.node.containers {
                if let Some(e) = cache.containers.get(&c.id) {
                    next.containers.insert(c.id.clone(), e.clone());
                }
            }
            for (id, e) in &f.learned {
                next.containers.insert(id.clone(), e.clone());
            }
            // A node's facts are kept while it answers; a node that failed
            // is asked again next time.
            if f.view.health == Health::Healthy {
                let spec = f
                    .learned_spec
                    .clone()
                    .or_else(|| cache.nodes.get(&f.node.name).cloned());
                if let Some(spec) = spec {
                    next.nodes.insert(f.node.name.clone(), spec);
                }
            }
        }
        if next != cache {
            next.save(path);
        }
    }
    let strategy = swarm
        .strategy
        .as_deref()
        .and_then(|s| s.parse().ok())
        .unwrap_or_default();
    let mut state = ClusterState {
        strategy,
        overcommit: DEFAULT_OVERCOMMIT,
        nodes: Vec::with_capacity(fetched.len()),
    };
    let mut views = Vec::with_capacity(fetched.len());
    let mut clients = Vec::with_capacity(fetched.len());
    for f in fetched {
        state.nodes.push(f.node);
        views.push(f.view);
        clients.push(f.client);
    }
    Live {
        swarm,
        state,
        views,
        clients,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builtin_labels_win_and_node_is_reserved() {
        let info: SystemInfo = serde_json::from_value(json!({
            "Driver": "overlay2", "KernelVersion": "6.1", "OperatingSystem": "Debian", "OSType": "linux",
            "Labels": ["public=no", "storagedriver=fake", "node=x", "noequals", "model=high-memory"]
        }))
        .unwrap();
        let record = BTreeMap::from([
            ("model".to_string(), "small".to_string()),
            ("containerslots".to_string(), "3".to_string()),
        ]);
        let l = node_labels(&info, &record);
        assert_eq!(l["storagedriver"], "overlay2");
        assert_eq!(l["model"], "high-memory", "daemon label over the record's");
        assert_eq!(l["containerslots"], "3");
        assert_eq!(l["ostype"], "linux");
        assert!(!l.contains_key("node") && !l.contains_key("noequals"));
    }

    #[test]
    fn inspect_gives_reservations_and_ports() {
        let c: ContainerInspectResponse = serde_json::from_value(json!({
            "Id": "abc", "Name": "/web",
            "State": {"Status": "exited"},
            "Config": {"Image": "nginx", "Labels": {"a": "b"}, "ExposedPorts": {"80/tcp": {}}},
            "HostConfig": {"NanoCpus": 500000000, "Memory": 1048576, "NetworkMode": "bridge",
                "PortBindings": {"80/tcp": [{"HostIp": "", "HostPort": "8080"}], "81/udp": [{"HostPort": ""}]}},
            "NetworkSettings": {"Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}}
        }))
        .unwrap();
        let s = container_from_inspect(&c);
        assert_eq!(s.name, "web");
        assert_eq!(s.state, "exited");
        assert_eq!(s.cpus, 0.5);
        assert_eq!(s.memory, 1048576);
        assert_eq!(s.exposed_ports, vec!["80/tcp"]);
        assert_eq!(s.ports.len(), 2, "{:?}", s.ports);
        assert!(
            s.ports
                .iter()
                .all(|p| p.host_port == 8080 && p.container_port == 80)
        );
    }

    #[test]
    fn cached_facts_fill_in_what_the_list_lacks() {
        let summary: ContainerSummary = serde_json::from_value(json!({
            "Id": "abc", "Names": ["/renamed"], "Image": "redis", "State": "exited",
            "Labels": {"a": "b"}, "Ports": [], "HostConfig": {"NetworkMode": "default"}
        }))
        .unwrap();
        let cached = Inspected {
            cpus: 0.5,
            memory: 42,
            ports: vec![Port {
                host_ip: String::new(),
                host_port: 8080,
                container_port: 80,
                protocol: "tcp".into(),
            }],
            exposed_ports: vec!["80/tcp".into()],
            network_mode: "bridge".into(),
            at: 0,
        };
        let c = container_from_cached(&summary, &cached);
        assert_eq!(c.name, "renamed", "names come fresh from the list");
        let linked = ["/counter/redis".to_string(), "/redis".to_string()];
        assert_eq!(own_name(&linked), "redis", "a link alias is not the name");
        assert_eq!(own_name(&["/a/b".to_string()]), "a/b");
        assert_eq!(own_name(&[]), "");
        assert_eq!(c.state, "exited");
        assert_eq!((c.cpus, c.memory), (0.5, 42));
        assert_eq!(
            c.ports.len(),
            1,
            "a stopped container still holds its requested port"
        );
        assert_eq!(c.network_mode, "bridge");
    }

    #[test]
    fn summary_gives_actual_ports() {
        let c: ContainerSummary = serde_json::from_value(json!({
            "Id": "abc", "Names": ["/db"], "Image": "redis", "State": "running",
            "Ports": [{"IP": "0.0.0.0", "PrivatePort": 6379, "PublicPort": 6379, "Type": "tcp"},
                      {"PrivatePort": 53, "Type": "udp"}],
            "HostConfig": {"NetworkMode": "default"}
        }))
        .unwrap();
        let s = container_from_summary(&c);
        assert_eq!(s.name, "db");
        assert_eq!(s.ports.len(), 1);
        assert_eq!(s.exposed_ports, vec!["53/udp", "6379/tcp"]);
        assert_eq!(s.network_mode, "default");
    }
}
