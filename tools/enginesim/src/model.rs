//! One simulated engine's state: its images, networks, volumes and containers, and the
//! container lifecycle (create, start, stop, kill, remove) with the events dockerd publishes
//! for each step. Pure apart from the clock and random IDs; the HTTP layer is in `api`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::events::{Event, EventLog};

/// A Docker API error: the status and the `message` of the JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }

    fn no_such_container(key: &str) -> ApiError {
        ApiError::new(404, format!("No such container: {key}"))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status, self.message)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Proto {
    Tcp,
    Udp,
    Sctp,
}

impl Proto {
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Sctp => "sctp",
        }
    }
}

/// A container port: `80/tcp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortSpec {
    pub port: u16,
    pub proto: Proto,
}

impl PortSpec {
    pub fn tcp(port: u16) -> PortSpec {
        PortSpec {
            port,
            proto: Proto::Tcp,
        }
    }

    /// `80`, `80/tcp`, `53/udp`.
    pub fn parse(s: &str) -> Option<PortSpec> {
        let (port, proto) = s.split_once('/').unwrap_or((s, "tcp"));
        let proto = match proto.to_ascii_lowercase().as_str() {
            "tcp" | "" => Proto::Tcp,
            "udp" => Proto::Udp,
            "sctp" => Proto::Sctp,
            _ => return None,
        };
        Some(PortSpec {
            port: port.parse().ok()?,
            proto,
        })
    }

    pub fn key(self) -> String {
        format!("{}/{}", self.port, self.proto.as_str())
    }
}

/// A requested publication (`HostConfig.PortBindings`): an empty or "0" host port means any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub port: PortSpec,
    pub host_ip: String,
    pub host_port: String,
}

/// An actual publication of a running container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    pub port: PortSpec,
    /// As requested: empty means every address (dockerd lists 0.0.0.0 and ::).
    pub host_ip: Option<std::net::IpAddr>,
    pub host_port: u16,
}

#[derive(Debug, Clone)]
pub struct Image {
    pub id: String,
    pub tags: Vec<String>,
    pub created: i64,
    pub size: i64,
    pub cmd: Vec<String>,
    pub env: Vec<String>,
    pub exposed: Vec<PortSpec>,
}

const PATH_ENV: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

impl Image {
    /// An image for a tag: the same ID on every engine (a digest of the normalised tag), a
    /// command and exposed ports that suit its name (`nginx` serves port 80).
    pub fn named(tag: &str, created: i64) -> Image {
        let tag = normalise(tag);
        let digest = ring::digest::digest(&ring::digest::SHA256, tag.as_bytes());
        let id = format!("sha256:{}", hex(digest.as_ref()));
        let web = tag.contains("nginx") || tag.contains("httpd") || tag.contains("web");
        Image {
            id,
            cmd: if web {
                vec!["nginx".into(), "-g".into(), "daemon off;".into()]
            } else {
                vec!["sh".into()]
            },
            env: vec![PATH_ENV.into()],
            exposed: if web { vec![PortSpec::tcp(80)] } else { vec![] },
            size: 1_985_472 + i64::from(digest.as_ref()[0]) * 65_536,
            created,
            tags: vec![tag],
        }
    }
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random 64-hex-digit ID.
pub fn random_id() -> String {
    let bytes: [u8; 32] = rand::random();
    hex(&bytes)
}

/// An image reference as dockerd stores tags: no `docker.io/library/`, `:latest` added.
pub fn normalise(reference: &str) -> String {
    let r = reference
        .strip_prefix("docker.io/library/")
        .or_else(|| reference.strip_prefix("docker.io/"))
        .or_else(|| reference.strip_prefix("library/"))
        .unwrap_or(reference);
    let last = r.rsplit('/').next().unwrap_or(r);
    if last.contains(':') || r.contains('@') {
        r.to_string()
    } else {
        format!("{r}:latest")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Created,
    Running,
    Exited,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Running => "running",
            Status::Exited => "exited",
        }
    }
}

/// What a container was created with (the subset of `Config` and `HostConfig` the simulator
/// models); API-created containers also keep the raw objects, echoed back by inspect. `cmd`,
/// `env` and `labels` move into the [`Container`] (resolved against the image) at creation.
#[derive(Debug, Clone, Default)]
pub struct Spec {
    pub image: String,
    pub cmd: Option<Vec<String>>,
    pub entrypoint: Option<Vec<String>>,
    pub env: Vec<String>,
    pub labels: BTreeMap<String, String>,
    pub exposed: Vec<PortSpec>,
    pub bindings: Vec<Binding>,
    pub publish_all: bool,
    pub memory: i64,
    pub nano_cpus: i64,
    pub cpu_shares: i64,
    pub network_mode: String,
    pub restart_policy: String,
    pub auto_remove: bool,
    pub raw_config: Option<Box<Value>>,
    pub raw_host_config: Option<Box<Value>>,
}

fn strings(v: Option<&Value>, field: &str) -> Result<Option<Vec<String>>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(vec![s.clone()])),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| ApiError::new(400, format!("{field}: not a list of strings")))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(ApiError::new(
            400,
            format!("{field}: not a list of strings"),
        )),
    }
}

fn int(v: Option<&Value>, field: &str) -> Result<i64, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => n
            .as_i64()
            .ok_or_else(|| ApiError::new(400, format!("{field}: not an integer"))),
        Some(_) => Err(ApiError::new(400, format!("{field}: not an integer"))),
    }
}

impl Spec {
    /// A `POST /containers/create` body.
    pub fn from_body(body: &Value) -> Result<Spec, ApiError> {
        let Value::Object(cfg) = body else {
            return Err(ApiError::new(
                400,
                "config cannot be empty in order to create a container",
            ));
        };
        let image = cfg
            .get("Image")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let labels = match cfg.get("Labels") {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| {
                    v.as_str()
                        .map(|v| (k.clone(), v.to_string()))
                        .ok_or_else(|| ApiError::new(400, "Labels: values must be strings"))
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(ApiError::new(400, "Labels: not an object")),
        };
        let mut exposed: Vec<PortSpec> = Vec::new();
        if let Some(Value::Object(m)) = cfg.get("ExposedPorts") {
            for k in m.keys() {
                exposed.push(
                    PortSpec::parse(k)
                        .ok_or_else(|| ApiError::new(400, format!("invalid port {k:?}")))?,
                );
            }
        }
        let empty = serde_json::Map::new();
        let hc = match cfg.get("HostConfig") {
            Some(Value::Object(m)) => m,
            None | Some(Value::Null) => &empty,
            Some(_) => return Err(ApiError::new(400, "HostConfig: not an object")),
        };
        let mut bindings = Vec::new();
        if let Some(Value::Object(m)) = hc.get("PortBindings") {
            for (k, list) in m {
                let port = PortSpec::parse(k)
                    .ok_or_else(|| ApiError::new(400, format!("invalid port {k:?}")))?;
                for b in list.as_array().into_iter().flatten() {
                    let field = |f: &str| {
                        b.get(f)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string()
                    };
                    let host_port = field("HostPort");
                    if !host_port.is_empty() && host_port.parse::<u16>().is_err() {
                        return Err(ApiError::new(
                            400,
                            format!("invalid host port {host_port:?}"),
                        ));
                    }
                    bindings.push(Binding {
                        port,
                        host_ip: field("HostIp"),
                        host_port,
                    });
                }
            }
        }
        let network_mode = hc
            .get("NetworkMode")
            .and_then(Value::as_str)
            .filter(|m| !m.is_empty())
            .unwrap_or("default")
            .to_string();
        Ok(Spec {
            image,
            cmd: strings(cfg.get("Cmd"), "Cmd")?,
            entrypoint: strings(cfg.get("Entrypoint"), "Entrypoint")?,
            env: strings(cfg.get("Env"), "Env")?.unwrap_or_default(),
            labels,
            exposed,
            bindings,
            publish_all: hc
                .get("PublishAllPorts")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            memory: int(hc.get("Memory"), "HostConfig.Memory")?,
            nano_cpus: int(hc.get("NanoCpus"), "HostConfig.NanoCpus")?,
            cpu_shares: int(hc.get("CpuShares"), "HostConfig.CpuShares")?,
            network_mode,
            restart_policy: hc
                .get("RestartPolicy")
                .and_then(|r| r.get("Name"))
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .unwrap_or("no")
                .to_string(),
            auto_remove: hc
                .get("AutoRemove")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            raw_host_config: Some(Box::new(Value::Object(hc.clone()))),
            raw_config: Some(Box::new(body.clone())),
        })
    }
}

#[derive(Debug, Clone)]
pub struct Container {
    pub id: String,
    /// Without the leading `/`.
    pub name: String,
    pub image_index: usize,
    pub spec: Spec,
    pub path: String,
    pub args: Vec<String>,
    /// `Config.Cmd`, `Config.Env`, `Config.Labels`, `Config.ExposedPorts` after the image's
    /// defaults are applied.
    pub cmd: Vec<String>,
    pub env: Vec<String>,
    pub labels: BTreeMap<String, String>,
    pub exposed: Vec<PortSpec>,
    pub created: i64,
    pub status: Status,
    pub started_at: i64,
    pub finished_at: i64,
    pub exit_code: i64,
    pub error: String,
    pub pid: u32,
    /// 172.17.x.y as x*256+y while running on the bridge.
    pub ip: Option<u16>,
    pub published: Vec<Published>,
    pub endpoint_id: String,
}

impl Container {
    pub fn running(&self) -> bool {
        self.status == Status::Running
    }

    pub fn on_bridge(&self) -> bool {
        matches!(self.spec.network_mode.as_str(), "default" | "bridge")
    }
}

#[derive(Debug, Clone)]
pub struct Network {
    pub id: String,
    pub name: &'static str,
    pub driver: &'static str,
    pub created: i64,
}

/// The facts `/info` reports, distinct per engine.
#[derive(Debug, Clone)]
pub struct Facts {
    pub index: usize,
    pub name: String,
    pub id: String,
    pub ncpu: i64,
    pub mem_total: i64,
    pub labels: Vec<String>,
}

/// Signals by name, for `kill?signal=`.
const SIGNALS: &[(&str, i64)] = &[
    ("HUP", 1),
    ("INT", 2),
    ("QUIT", 3),
    ("ABRT", 6),
    ("KILL", 9),
    ("USR1", 10),
    ("USR2", 12),
    ("TERM", 15),
    ("CONT", 18),
    ("STOP", 19),
    ("WINCH", 28),
];

/// `KILL`, `SIGKILL`, `9` → 9.
pub fn parse_signal(s: &str) -> Result<i64, ApiError> {
    let bad = || ApiError::new(400, format!("Invalid signal: {s}"));
    if let Ok(n) = s.parse::<i64>() {
        return if (1..=64).contains(&n) {
            Ok(n)
        } else {
            Err(bad())
        };
    }
    let upper = s.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    SIGNALS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| *v)
        .ok_or_else(bad)
}

/// Does `signal` end the simulated process? (HUP, USR1, WINCH… are delivered and survived.)
fn terminates(signal: i64) -> bool {
    matches!(signal, 2 | 3 | 6 | 9 | 15)
}

const ADJECTIVES: &[&str] = &[
    "brave", "calm", "eager", "fervent", "gallant", "hopeful", "jolly", "keen", "lucid", "merry",
    "nimble", "placid", "quirky", "serene", "steady", "tender", "upbeat", "vivid", "witty",
    "zealous",
];
const SURNAMES: &[&str] = &[
    "babbage",
    "curie",
    "darwin",
    "euler",
    "fermi",
    "galois",
    "hopper",
    "kepler",
    "lamarr",
    "lovelace",
    "meitner",
    "noether",
    "pascal",
    "ramanujan",
    "shannon",
    "tesla",
    "turing",
    "volta",
    "wiles",
    "yalow",
];

/// What `start` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Already in that state: dockerd answers 304.
    Unchanged,
}

/// One engine: facts, images, networks, volumes, containers and the event log.
#[derive(Debug)]
pub struct EngineState {
    pub facts: Facts,
    pub images: Arc<Vec<Image>>,
    pub networks: Vec<Network>,
    pub volumes: Vec<String>,
    /// Boxed: a map node holds eleven entries, and a container is some 600 bytes.
    containers: BTreeMap<String, Box<Container>>,
    names: HashMap<String, String>,
    pub log: EventLog,
    next_ip: u16,
    next_pid: u32,
    next_host_port: u16,
}

/// The bridge's first usable address (172.17.0.2) as x*256+y.
const FIRST_IP: u16 = 2;
/// dockerd's ephemeral host port range.
const EPHEMERAL: std::ops::RangeInclusive<u16> = 32768..=60999;

impl EngineState {
    pub fn new(facts: Facts, images: Arc<Vec<Image>>, now: i64) -> EngineState {
        let networks = [("bridge", "bridge"), ("host", "host"), ("none", "null")]
            .into_iter()
            .map(|(name, driver)| Network {
                id: random_id(),
                name,
                driver,
                created: now,
            })
            .collect();
        EngineState {
            volumes: vec![format!("{}-data", facts.name)],
            facts,
            images,
            networks,
            containers: BTreeMap::new(),
            names: HashMap::new(),
            log: EventLog::default(),
            next_ip: FIRST_IP,
            next_pid: 1000,
            next_host_port: *EPHEMERAL.start(),
        }
    }

    pub fn bridge(&self) -> &Network {
        &self.networks[0]
    }

    /// Containers, newest first (the list's order).
    pub fn containers(&self) -> Vec<&Container> {
        let mut all: Vec<&Container> = self.containers.values().map(|c| &**c).collect();
        all.sort_by(|a, b| b.created.cmp(&a.created).then(a.id.cmp(&b.id)));
        all
    }

    pub fn container_count(&self) -> usize {
        self.containers.len()
    }

    /// dockerd's lookup order: full ID, name, unique ID prefix.
    pub fn find(&self, key: &str) -> Result<&Container, ApiError> {
        let id = self.resolve(key)?;
        self.containers
            .get(&id)
            .map(|c| &**c)
            .ok_or_else(|| ApiError::no_such_container(key))
    }

    fn resolve(&self, key: &str) -> Result<String, ApiError> {
        if key.is_empty() {
            return Err(ApiError::no_such_container(key));
        }
        if self.containers.contains_key(key) {
            return Ok(key.to_string());
        }
        if let Some(id) = self.names.get(key.trim_start_matches('/')) {
            return Ok(id.clone());
        }
        let mut hits = self
            .containers
            .range::<str, _>((std::ops::Bound::Included(key), std::ops::Bound::Unbounded))
            .take_while(|(id, _)| id.starts_with(key));
        match (hits.next(), hits.next()) {
            (Some((id, _)), None) => Ok(id.clone()),
            (Some(_), Some(_)) => Err(ApiError::new(
                400,
                format!("multiple IDs found with provided prefix: {key}"),
            )),
            (None, _) => Err(ApiError::no_such_container(key)),
        }
    }

    /// An image by tag, ID or ID prefix.
    pub fn find_image(&self, reference: &str) -> Option<usize> {
        let r = reference.strip_prefix("sha256:").unwrap_or(reference);
        if r.len() >= 4 && r.chars().all(|c| c.is_ascii_hexdigit()) {
            let hits: Vec<usize> = (0..self.images.len())
                .filter(|&i| self.images[i].id["sha256:".len()..].starts_with(r))
                .collect();
            if hits.len() == 1 {
                return Some(hits[0]);
            }
        }
        let want = normalise(reference);
        self.images.iter().position(|img| img.tags.contains(&want))
    }

    fn generate_name(&self) -> String {
        for attempt in 0.. {
            let a = ADJECTIVES[rand::random_range(0..ADJECTIVES.len())];
            let s = SURNAMES[rand::random_range(0..SURNAMES.len())];
            let name = if attempt < 10 {
                format!("{a}_{s}")
            } else {
                format!("{a}_{s}{}", rand::random_range(0..10_000))
            };
            if !self.names.contains_key(&name) {
                return name;
            }
        }
        unreachable!("an infinite range ends only by returning")
    }

    /// `POST /containers/create`: the new container's ID.
    pub fn create(
        &mut self,
        name: Option<&str>,
        mut spec: Spec,
        now: i64,
    ) -> Result<String, ApiError> {
        let name = match name.filter(|n| !n.is_empty()) {
            Some(n) => {
                if !valid_name(n) {
                    return Err(ApiError::new(
                        400,
                        format!(
                            "Invalid container name ({n}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
                        ),
                    ));
                }
                let n = n.trim_start_matches('/').to_string();
                if let Some(id) = self.names.get(&n) {
                    return Err(ApiError::new(
                        409,
                        format!(
                            "Conflict. The container name \"/{n}\" is already in use by container \"{id}\". You have to remove (or rename) that container to be able to reuse that name."
                        ),
                    ));
                }
                n
            }
            None => self.generate_name(),
        };
        if spec.image.is_empty() {
            return Err(ApiError::new(
                400,
                "Config cannot be empty in order to create a container",
            ));
        }
        let image_index = self.find_image(&spec.image).ok_or_else(|| {
            ApiError::new(404, format!("No such image: {}", normalise(&spec.image)))
        })?;
        let image = &self.images[image_index];
        // The container keeps the resolved command, environment and labels; the spec's copies
        // are not kept twice (30,000 containers).
        let cmd = spec.cmd.take().unwrap_or_else(|| {
            if spec.entrypoint.is_some() {
                Vec::new()
            } else {
                image.cmd.clone()
            }
        });
        let mut line: Vec<String> = spec.entrypoint.clone().unwrap_or_default();
        line.extend(cmd.iter().cloned());
        let Some((path, args)) = line.split_first() else {
            return Err(ApiError::new(400, "No command specified"));
        };
        let mut env = std::mem::take(&mut spec.env);
        for e in &image.env {
            let key = e.split('=').next().unwrap_or_default();
            if !env.iter().any(|x| x.split('=').next() == Some(key)) {
                env.push(e.clone());
            }
        }
        let mut exposed = image.exposed.clone();
        exposed.extend(spec.exposed.iter().copied());
        exposed.extend(spec.bindings.iter().map(|b| b.port));
        exposed.sort();
        exposed.dedup();
        let id = random_id();
        let c = Container {
            id: id.clone(),
            name: name.clone(),
            image_index,
            path: path.clone(),
            args: args.to_vec(),
            cmd,
            env,
            labels: std::mem::take(&mut spec.labels),
            exposed,
            spec,
            created: now,
            status: Status::Created,
            started_at: 0,
            finished_at: 0,
            exit_code: 0,
            error: String::new(),
            pid: 0,
            ip: None,
            published: Vec::new(),
            endpoint_id: String::new(),
        };
        self.log.push(Event::container(
            "create",
            &id,
            &c.spec.image,
            &c.name,
            &c.labels,
            &[],
            now,
        ));
        self.names.insert(name, id.clone());
        self.containers.insert(id.clone(), Box::new(c));
        Ok(id)
    }

    fn host_port_taken(&self, port: u16, proto: Proto) -> bool {
        self.containers.values().any(|c| {
            c.published
                .iter()
                .any(|p| p.host_port == port && p.port.proto == proto)
        })
    }

    fn ip_taken(&self, ip: u16) -> bool {
        self.containers.values().any(|c| c.ip == Some(ip))
    }

    /// `POST /containers/{id}/start`.
    pub fn start(&mut self, key: &str, now: i64) -> Result<Outcome, ApiError> {
        let id = self.resolve(key)?;
        let c = &self.containers[&id];
        if c.running() {
            return Ok(Outcome::Unchanged);
        }
        let on_bridge = c.on_bridge();
        let mut wanted: Vec<(PortSpec, Option<u16>, Option<std::net::IpAddr>)> = Vec::new();
        if on_bridge {
            for b in &c.spec.bindings {
                let fixed = b.host_port.parse::<u16>().ok().filter(|p| *p != 0);
                wanted.push((b.port, fixed, b.host_ip.parse().ok()));
            }
            if c.spec.publish_all {
                for p in &c.exposed {
                    if !wanted.iter().any(|(w, _, _)| w == p) {
                        wanted.push((*p, None, None));
                    }
                }
            }
        }
        let name = c.name.clone();
        let mut published = Vec::new();
        for (port, fixed, host_ip) in wanted {
            let host_port = match fixed {
                Some(h) => {
                    if self.host_port_taken(h, port.proto)
                        || published
                            .iter()
                            .any(|p: &Published| p.host_port == h && p.port.proto == port.proto)
                    {
                        let endpoint = random_id();
                        let message = format!(
                            "driver failed programming external connectivity on endpoint {name} ({endpoint}): Bind for 0.0.0.0:{h} failed: port is already allocated"
                        );
                        if let Some(c) = self.containers.get_mut(&id) {
                            c.error = message.clone();
                            c.exit_code = 128;
                        }
                        return Err(ApiError::new(500, message));
                    }
                    h
                }
                None => self.ephemeral_port(port.proto, &published)?,
            };
            published.push(Published {
                port,
                host_ip,
                host_port,
            });
        }
        let ip = if on_bridge {
            Some(self.allocate_ip()?)
        } else {
            None
        };
        let pid = self.next_pid;
        self.next_pid = self.next_pid.wrapping_add(1).max(1000);
        let bridge = self.bridge().id.clone();
        let Some(c) = self.containers.get_mut(&id) else {
            return Err(ApiError::no_such_container(key));
        };
        c.status = Status::Running;
        c.started_at = now;
        c.pid = pid;
        c.ip = ip;
        c.published = published;
        c.error.clear();
        c.exit_code = 0;
        c.endpoint_id = if on_bridge {
            random_id()
        } else {
            String::new()
        };
        let start = Event::container("start", &id, &c.spec.image, &c.name, &c.labels, &[], now);
        if on_bridge {
            self.log.push(Event::network(
                "connect", &bridge, "bridge", "bridge", &id, now,
            ));
        }
        self.log.push(start);
        Ok(Outcome::Done)
    }

    fn ephemeral_port(&mut self, proto: Proto, also: &[Published]) -> Result<u16, ApiError> {
        let span = u32::from(EPHEMERAL.end() - EPHEMERAL.start()) + 1;
        for _ in 0..span {
            let p = self.next_host_port;
            self.next_host_port = if p >= *EPHEMERAL.end() {
                *EPHEMERAL.start()
            } else {
                p + 1
            };
            if !self.host_port_taken(p, proto)
                && !also
                    .iter()
                    .any(|x| x.host_port == p && x.port.proto == proto)
            {
                return Ok(p);
            }
        }
        Err(ApiError::new(
            500,
            "no free host port in the ephemeral range",
        ))
    }

    fn allocate_ip(&mut self) -> Result<u16, ApiError> {
        for _ in 0..u16::MAX {
            let ip = self.next_ip;
            self.next_ip = if ip >= u16::MAX - 1 { FIRST_IP } else { ip + 1 };
            if !self.ip_taken(ip) {
                return Ok(ip);
            }
        }
        Err(ApiError::new(500, "no free address on the bridge network"))
    }

    /// The process ends with `code`: `die`, the network `disconnect`, and removal if the
    /// container was created with `AutoRemove`.
    fn exit(&mut self, id: &str, code: i64, now: i64) {
        let bridge = self.bridge().id.clone();
        let Some(c) = self.containers.get_mut(id) else {
            return;
        };
        c.status = Status::Exited;
        c.exit_code = code;
        c.finished_at = now;
        c.pid = 0;
        let had_ip = c.ip.take().is_some();
        c.published.clear();
        c.endpoint_id.clear();
        let die = Event::container(
            "die",
            id,
            &c.spec.image,
            &c.name,
            &c.labels,
            &[("exitCode", code.to_string())],
            now,
        );
        self.log.push(die);
        if had_ip {
            self.log.push(Event::network(
                "disconnect",
                &bridge,
                "bridge",
                "bridge",
                id,
                now,
            ));
        }
    }

    fn kill_event(&mut self, id: &str, signal: i64, now: i64) {
        if let Some(c) = self.containers.get(id) {
            let e = Event::container(
                "kill",
                id,
                &c.spec.image,
                &c.name,
                &c.labels,
                &[("signal", signal.to_string())],
                now,
            );
            self.log.push(e);
        }
    }

    fn auto_remove(&mut self, id: &str, now: i64) {
        if self
            .containers
            .get(id)
            .is_some_and(|c| c.spec.auto_remove && !c.running())
        {
            self.destroy(id, now);
        }
    }

    /// `POST /containers/{id}/stop?t=N`: SIGTERM, which the simulated process obeys (exit
    /// 143); with `t=0` dockerd follows with SIGKILL at once (exit 137).
    pub fn stop(&mut self, key: &str, timeout: Option<i64>, now: i64) -> Result<Outcome, ApiError> {
        let id = self.resolve(key)?;
        if !self.containers[&id].running() {
            return Ok(Outcome::Unchanged);
        }
        self.kill_event(&id, 15, now);
        let code = if timeout == Some(0) {
            self.kill_event(&id, 9, now);
            137
        } else {
            143
        };
        self.exit(&id, code, now);
        if let Some(c) = self.containers.get(&id) {
            let e = Event::container("stop", &id, &c.spec.image, &c.name, &c.labels, &[], now);
            self.log.push(e);
        }
        self.auto_remove(&id, now);
        Ok(Outcome::Done)
    }

    /// `POST /containers/{id}/kill?signal=S`.
    pub fn kill(&mut self, key: &str, signal: Option<&str>, now: i64) -> Result<(), ApiError> {
        let signal = parse_signal(signal.filter(|s| !s.is_empty()).unwrap_or("KILL"))?;
        let id = self.resolve(key)?;
        if !self.containers[&id].running() {
            return Err(ApiError::new(
                409,
                format!("Cannot kill container: {key}: Container {id} is not running"),
            ));
        }
        self.kill_event(&id, signal, now);
        if terminates(signal) {
            self.exit(&id, 128 + signal, now);
            self.auto_remove(&id, now);
        }
        Ok(())
    }

    /// `DELETE /containers/{id}?force=`.
    pub fn remove(&mut self, key: &str, force: bool, now: i64) -> Result<(), ApiError> {
        let id = self.resolve(key)?;
        if self.containers[&id].running() {
            if !force {
                return Err(ApiError::new(
                    409,
                    format!(
                        "You cannot remove a running container {id}. Stop the container before attempting removal or force remove"
                    ),
                ));
            }
            self.kill_event(&id, 9, now);
            self.exit(&id, 137, now);
        }
        self.destroy(&id, now);
        Ok(())
    }

    fn destroy(&mut self, id: &str, now: i64) {
        if let Some(c) = self.containers.remove(id) {
            self.names.remove(&c.name);
            self.log.push(Event::container(
                "destroy",
                id,
                &c.spec.image,
                &c.name,
                &c.labels,
                &[],
                now,
            ));
        }
    }

    /// Puts a container in place without events (the pre-populated inventory an engine has
    /// when the simulator starts, as a restarted dockerd has its old containers).
    pub fn seed(
        &mut self,
        name: &str,
        spec: Spec,
        status: Status,
        created: i64,
    ) -> Result<String, ApiError> {
        self.log.mute(true);
        let r = self.create(Some(name), spec, created).and_then(|id| {
            if status != Status::Created {
                self.start(&id, created + 1_000_000_000)?;
                if status == Status::Exited {
                    self.exit(&id, 0, created + 30_000_000_000);
                }
            }
            Ok(id)
        });
        self.log.mute(false);
        r
    }
}

/// dockerd's `^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$`.
fn valid_name(n: &str) -> bool {
    let n = n.strip_prefix('/').unwrap_or(n);
    let mut chars = n.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && n.len() >= 2
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> EngineState {
        let images = Arc::new(vec![
            Image::named("flotilla-busybox", 1),
            Image::named("flotilla-nginx:latest", 1),
        ]);
        let facts = Facts {
            index: 0,
            name: "e0".into(),
            id: "X".into(),
            ncpu: 2,
            mem_total: 1 << 30,
            labels: vec![],
        };
        EngineState::new(facts, images, 1)
    }

    fn spec(image: &str) -> Spec {
        Spec::from_body(&serde_json::json!({"Image": image, "Labels": {"a": "b"}})).unwrap()
    }

    fn actions(e: &EngineState) -> Vec<String> {
        let (all, _) = e.log.since_seq(0);
        all.iter()
            .map(|e| format!("{}:{}", e.kind, e.action))
            .collect()
    }

    #[test]
    fn lifecycle_events_are_dockerds() {
        let mut e = engine();
        let id = e.create(Some("web"), spec("flotilla-busybox"), 10).unwrap();
        assert_eq!(e.start("web", 11).unwrap(), Outcome::Done);
        assert_eq!(e.start(&id[..8], 12).unwrap(), Outcome::Unchanged);
        assert_eq!(e.stop("web", Some(1), 13).unwrap(), Outcome::Done);
        assert_eq!(e.stop("web", Some(1), 14).unwrap(), Outcome::Unchanged);
        assert_eq!(e.find("web").unwrap().exit_code, 143);
        e.start("web", 15).unwrap();
        e.remove("/web", true, 16).unwrap();
        assert_eq!(
            actions(&e),
            [
                "container:create",
                "network:connect",
                "container:start",
                "container:kill",
                "container:die",
                "network:disconnect",
                "container:stop",
                "network:connect",
                "container:start",
                "container:kill",
                "container:die",
                "network:disconnect",
                "container:destroy"
            ]
        );
        assert!(e.find("web").is_err());
        assert_eq!(e.container_count(), 0);
    }

    #[test]
    fn conflicts_and_missing_things_answer_like_dockerd() {
        let mut e = engine();
        let id = e.create(Some("web"), spec("flotilla-busybox"), 1).unwrap();
        let err = e
            .create(Some("web"), spec("flotilla-busybox"), 2)
            .unwrap_err();
        assert_eq!(err.status, 409);
        assert!(err.message.contains(&id), "{}", err.message);
        let err = e.create(Some("xx"), spec("nosuch"), 2).unwrap_err();
        assert_eq!(err, ApiError::new(404, "No such image: nosuch:latest"));
        assert_eq!(
            e.create(Some("bad name"), spec("flotilla-busybox"), 2)
                .unwrap_err()
                .status,
            400
        );
        // One character is too short for dockerd's pattern too.
        assert_eq!(
            e.create(Some("q"), spec("flotilla-busybox"), 2)
                .unwrap_err()
                .status,
            400
        );
        assert_eq!(e.kill("web", None, 3).unwrap_err().status, 409);
        e.start("web", 3).unwrap();
        assert_eq!(e.remove("web", false, 4).unwrap_err().status, 409);
        assert_eq!(e.find("nope").unwrap_err().status, 404);
        e.kill("web", Some("SIGHUP"), 5).unwrap();
        assert!(e.find("web").unwrap().running());
        e.kill("web", Some("KILL"), 6).unwrap();
        assert_eq!(e.find("web").unwrap().exit_code, 137);
        assert_eq!(e.kill("web", Some("NOPE"), 6).unwrap_err().status, 400);
    }

    #[test]
    fn published_ports_conflict_and_ephemeral_ones_are_allocated() {
        let mut e = engine();
        let body = |n: &str| serde_json::json!({"Image": "flotilla-nginx", "HostConfig": {"PortBindings": {"80/tcp": [{"HostPort": n}]}}});
        e.create(Some("aa"), Spec::from_body(&body("8080")).unwrap(), 1)
            .unwrap();
        e.create(Some("bb"), Spec::from_body(&body("8080")).unwrap(), 1)
            .unwrap();
        e.create(Some("cc"), Spec::from_body(&body("")).unwrap(), 1)
            .unwrap();
        e.start("aa", 2).unwrap();
        let err = e.start("bb", 2).unwrap_err();
        assert_eq!(err.status, 500);
        assert!(err.message.contains("port is already allocated"));
        assert!(!e.find("bb").unwrap().running());
        e.start("cc", 2).unwrap();
        let c = e.find("cc").unwrap();
        assert_eq!(c.published[0].host_port, 32768);
        assert_ne!(c.ip, e.find("aa").unwrap().ip);
    }

    #[test]
    fn images_resolve_by_tag_and_id() {
        let e = engine();
        let id = e.images[1].id.clone();
        assert_eq!(e.find_image("flotilla-nginx"), Some(1));
        assert_eq!(
            e.find_image("docker.io/library/flotilla-nginx:latest"),
            Some(1)
        );
        assert_eq!(e.find_image(&id), Some(1));
        assert_eq!(e.find_image(&id[7..19]), Some(1));
        assert_eq!(e.find_image("flotilla-nginx:1.0"), None);
        assert_eq!(normalise("registry:5000/app"), "registry:5000/app:latest");
    }

    #[test]
    fn generated_names_are_unique() {
        let mut e = engine();
        for i in 0..500 {
            e.create(None, spec("flotilla-busybox"), i).unwrap();
        }
        assert_eq!(e.container_count(), 500);
    }
}
