//! The cluster file's types (what `flotilla.yaml` may say), its parsing with line and column in
//! every error, its checks, and its expansion into named objects. Pure.
//!
//! The types are the schema: `flotilla up --schema` prints the JSON schema derived from them,
//! and `docs/cluster-file.md` documents the same fields. Unknown keys are errors.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::driver::{DriverOptions, docker, generic, none, virtualbox};
use crate::engine::EngineAddr;
use crate::ops::run_spec::DockerRunOptions;
use crate::store::machine::EngineOptions;

/// A cluster: machines, the swarm they form, the proxy in front, and the containers on it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterFile {
    /// The cluster's name: containers carry the label `flotilla.cluster=NAME` and the store keeps
    /// what `up` made under it [default: the file's name without its extension]
    #[serde(default)]
    pub name: Option<String>,
    /// Images copied from the local engine into every machine that lacks them before any
    /// container starts (no registry needed)
    #[serde(default)]
    pub images: Vec<String>,
    /// Settings every machine starts from; a machine's own settings win
    #[serde(default)]
    pub defaults: Option<MachineSpec>,
    /// The machines, by name (or by group name with `count`)
    #[serde(default)]
    pub machines: BTreeMap<String, MachineSpec>,
    /// The swarm the machines form
    #[serde(default)]
    pub swarm: Option<SwarmSpec>,
    /// nginx in front of the swarm, routing every container's `VIRTUAL_HOST`
    #[serde(default)]
    pub proxy: Option<ProxySpec>,
    /// Containers placed on the swarm by its scheduler, by name
    #[serde(default)]
    pub containers: BTreeMap<String, ContainerSpec>,
}

/// One machine, or a group of alike machines with `count`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MachineSpec {
    /// Driver: docker, generic, none, virtualbox or a plugin's name [default: docker]
    #[serde(default)]
    pub driver: Option<String>,
    /// How many machines of this kind [default: 1]
    #[serde(default)]
    pub count: Option<u32>,
    /// Name pattern for a group: `{n}` is the machine's number from 1 [default: KEY-{n} with a
    /// count above 1, else KEY]
    #[serde(default)]
    pub name: Option<String>,
    /// Engine labels (`--engine-label KEY=VALUE`), what `constraint:` rules match
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Engine options (`--engine-*`)
    #[serde(default)]
    pub engine: Option<EngineSpec>,
    /// More names and IPs for the engine's certificate (`--tls-san`)
    #[serde(default)]
    pub tls_san: Vec<String>,
    /// Address registered in discovery instead of the engine's (`--swarm-addr`)
    #[serde(default)]
    pub swarm_addr: Option<String>,
    /// docker driver options
    #[serde(default)]
    pub docker: Option<DockerSpec>,
    /// generic driver options
    #[serde(default)]
    pub generic: Option<GenericSpec>,
    /// none driver options
    #[serde(default)]
    pub none: Option<NoneSpec>,
    /// virtualbox driver options
    #[serde(default)]
    pub virtualbox: Option<VirtualboxSpec>,
    /// A plugin driver's flags, by flag name
    #[serde(default)]
    pub plugin: BTreeMap<String, serde_json::Value>,
}

/// `--engine-*` options.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EngineSpec {
    /// Daemon flags `flag=value` (`--engine-opt`)
    #[serde(default)]
    pub opts: Vec<String>,
    /// Daemon environment `KEY=VALUE` (`--engine-env`)
    #[serde(default)]
    pub env: Vec<String>,
    /// Registries the daemon may reach without TLS verification (`--engine-insecure-registry`)
    #[serde(default)]
    pub insecure_registry: Vec<String>,
    /// Registry mirrors for the daemon (`--engine-registry-mirror`)
    #[serde(default)]
    pub registry_mirror: Vec<String>,
    /// The daemon's storage driver (`--engine-storage-driver`) [default: keep the host's]
    #[serde(default)]
    pub storage_driver: Option<String>,
    /// Install script URL when the host has no engine
    #[serde(default)]
    pub install_url: Option<String>,
    /// Engine version for a new install
    #[serde(default)]
    pub version: Option<String>,
}

/// The docker driver: a machine is a container running its own engine.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DockerSpec {
    /// Engine that runs the node containers [default: unix:///var/run/docker.sock]
    #[serde(default)]
    pub host: Option<String>,
    /// Node image; it must contain dockerd [default: docker:dind]
    #[serde(default)]
    pub image: Option<String>,
    /// Network the node joins [default: bridge]
    #[serde(default)]
    pub network: Option<String>,
    /// `--privileged` instead of the capability set
    #[serde(default)]
    pub privileged: Option<bool>,
}

/// The generic driver: an existing host over SSH.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GenericSpec {
    /// The host's address; with `count`, a list with one address per machine
    #[serde(default)]
    pub ip_address: Option<OneOrMany>,
    /// SSH user; other than root it needs passwordless sudo [default: root]
    #[serde(default)]
    pub ssh_user: Option<String>,
    /// Private key (copied into the store) [default: ssh-agent and ~/.ssh]
    #[serde(default)]
    pub ssh_key: Option<PathBuf>,
    /// SSH port [default: 22]
    #[serde(default)]
    pub ssh_port: Option<u16>,
    /// Port the engine listens on with TLS [default: 2376]
    #[serde(default)]
    pub engine_port: Option<u16>,
}

/// A string, or a list of strings (one per machine of a group).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One value, for a single machine
    One(String),
    /// One value per machine of the group, in the order of their numbers
    Many(Vec<String>),
}

/// The none driver: adopt an engine as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoneSpec {
    /// tcp://HOST:PORT or unix:///PATH; with `count`, a list
    #[serde(default)]
    pub url: Option<OneOrMany>,
}

/// The virtualbox driver.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VirtualboxSpec {
    /// Memory in MB
    #[serde(default)]
    pub memory: Option<u32>,
    /// Number of CPUs; 0 uses all of the host's, at most 32 [default: 1]
    #[serde(default)]
    pub cpu_count: Option<i32>,
    /// Disk size in MB
    #[serde(default)]
    pub disk_size: Option<u64>,
    /// Boot ISO: http(s) URL (downloaded once into the store's cache), file:// URL or local path [default: boot2docker v19.03.12]
    #[serde(default)]
    pub boot2docker_url: Option<String>,
    /// Host-only network as the host's address and prefix [default: 192.168.56.1/24]
    #[serde(default)]
    pub hostonly_cidr: Option<String>,
    /// Folder to share as DIR:NAME (the name is after the last ':') [default: /home:hosthome]
    #[serde(default)]
    pub share_folder: Option<String>,
    /// Do not share a folder with the VM [default: false]
    #[serde(default)]
    pub no_share: Option<bool>,
}

/// The swarm: its discovery, strategy and master(s).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SwarmSpec {
    /// A discovery URL (`token://…`, `etcd://…`, `file://…`, `nodes://…`) or `token` for a
    /// token `up` creates in the store and keeps [default: token]
    #[serde(default)]
    pub discovery: Option<String>,
    /// spread, binpack or random [default: spread]
    #[serde(default)]
    pub strategy: Option<String>,
    /// The master: a machine's name, or a group's (its first `replicas` machines are masters)
    pub master: String,
    /// How many managers: masters, each running `flotilla manage` [default: 1]
    #[serde(default)]
    pub replicas: Option<u32>,
    /// Where the managers listen [default: tcp://0.0.0.0:3376]
    #[serde(default)]
    pub host: Option<String>,
    /// Options passed to the managers (`--swarm-opt KEY=VALUE`)
    #[serde(default)]
    pub opts: Vec<String>,
    /// Machines left out of the swarm
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// The proxy: nginx as a container on a node, configured by a watcher next to the manager.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProxySpec {
    /// The machine that runs nginx (the public one)
    pub node: String,
    /// Port published for HTTP [default: 80]
    #[serde(default)]
    pub http: Option<u16>,
    /// Port published for 443; 0: none [default: 443]
    #[serde(default)]
    pub https: Option<u16>,
    /// nginx image [default: nginx]
    #[serde(default)]
    pub image: Option<String>,
    /// The vhost that answers requests for unknown hosts
    #[serde(default)]
    pub default_host: Option<String>,
    /// The nginx container's name [default: flotilla-proxy]
    #[serde(default)]
    pub container: Option<String>,
}

/// A container (or `replicas` of them), with `docker run`'s options.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContainerSpec {
    /// The image to run; list it in `images` too to copy it from the local engine (no registry)
    pub image: String,
    /// The command and its arguments
    #[serde(default)]
    pub command: Vec<String>,
    /// Overrides the image's entrypoint
    #[serde(default)]
    pub entrypoint: Option<String>,
    /// `KEY=VALUE`; `constraint:…`, `affinity:…` and `reschedule:…` entries are placement rules
    #[serde(default)]
    pub env: Vec<String>,
    /// Placement constraints without the `constraint:` prefix (`model==high-memory`)
    #[serde(default)]
    pub constraints: Vec<String>,
    /// Affinities without the `affinity:` prefix (`container==*redis*`)
    #[serde(default)]
    pub affinities: Vec<String>,
    /// Reschedule policy: off or on-node-failure
    #[serde(default)]
    pub reschedule: Option<String>,
    /// Container labels (`flotilla.cluster` and `flotilla.spec.hash` are added by `up`)
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// `[IP:][HOST_PORT:]CONTAINER_PORT[/PROTO]`
    #[serde(default)]
    pub ports: Vec<String>,
    /// Ports or ranges exposed without publishing them
    #[serde(default)]
    pub expose: Vec<String>,
    /// `NAME[:ALIAS]`; the container is placed next to it
    #[serde(default)]
    pub links: Vec<String>,
    /// Containers whose volumes are mounted; the container is placed next to them
    #[serde(default)]
    pub volumes_from: Vec<String>,
    /// `SRC:DST[:OPTS]` or a container path
    #[serde(default)]
    pub volumes: Vec<String>,
    /// Network mode: bridge, host, none, container:NAME or a network name
    #[serde(default)]
    pub network: Option<String>,
    /// Memory limit and reservation (512m, 1g)
    #[serde(default)]
    pub memory: Option<String>,
    /// CPU limit and reservation, in CPUs (0.5)
    #[serde(default)]
    pub cpus: Option<String>,
    /// no, always, unless-stopped, on-failure[:MAX] [default: unless-stopped]
    #[serde(default)]
    pub restart: Option<String>,
    /// Working directory inside the container
    #[serde(default)]
    pub workdir: Option<String>,
    /// NAME|UID[:GROUP|GID] inside the container
    #[serde(default)]
    pub user: Option<String>,
    /// How many alike containers, named NAME-1…NAME-N [default: 1, named NAME]
    #[serde(default)]
    pub replicas: Option<u32>,
}

/// A file that cannot be used, with where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    /// YAML that does not parse or does not fit the types.
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        /// The file as the caller named it.
        file: String,
        /// 1-based; 0 when the parser gave no place.
        line: usize,
        /// 1-based; 0 when the parser gave no place.
        column: usize,
        /// The parser's words, without its own repetition of the place.
        message: String,
    },
    /// A value that fits the types but not the cluster (a missing machine, a bad pattern).
    #[error("{file}: {message}")]
    Invalid {
        /// The file as the caller named it.
        file: String,
        /// What is wrong, naming the key where there is one (`machines.web: …`).
        message: String,
    },
}

/// Parses a cluster file; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<ClusterFile, FileError> {
    serde_saphyr::from_str::<ClusterFile>(text).map_err(|e| {
        let message = e.without_snippet().to_string();
        let (line, column) = e
            .location()
            .map(|l| (l.line() as usize, l.column() as usize))
            .unwrap_or((0, 0));
        // The message repeats the place ("line 3 column 12: …"): keep the words only.
        let message = message
            .strip_prefix("error: ")
            .unwrap_or(&message)
            .to_string();
        let message = match message.split_once(": ") {
            Some((head, rest)) if head.starts_with("line ") => rest.to_string(),
            _ => message,
        };
        let mut message = message.lines().next().unwrap_or("").trim().to_string();
        // …and serde's own suffix (" at line 3, column 5") once more.
        if let Some(i) = message.rfind(" at line ")
            && message[i..].contains(", column ")
        {
            message.truncate(i);
        }
        FileError::Syntax {
            file: file.to_string(),
            line,
            column,
            message,
        }
    })
}

/// Makes the file's key paths absolute: `~/…` against `home`, relative ones against `dir` (the
/// file's directory), so `up` works from any directory.
pub fn resolve_paths(f: &mut ClusterFile, home: &std::path::Path, dir: &std::path::Path) {
    let fix = |p: &mut PathBuf| {
        if let Ok(rest) = p.strip_prefix("~") {
            *p = home.join(rest);
        } else if p.is_relative() {
            *p = dir.join(&*p);
        }
    };
    for m in f.machines.values_mut().chain(f.defaults.iter_mut()) {
        if let Some(k) = m.generic.as_mut().and_then(|g| g.ssh_key.as_mut()) {
            fix(k);
        }
    }
}

/// The JSON schema of the cluster file, from the types.
pub fn schema() -> serde_json::Value {
    let s = schemars::schema_for!(ClusterFile);
    serde_json::to_value(s).unwrap_or(serde_json::Value::Null)
}

/// A machine the file asks for, with everything `create` needs.
#[derive(Debug, Clone, PartialEq)]
pub struct WantMachine {
    /// The machine's name in the store: a group's pattern with `{n}` filled in.
    pub name: String,
    /// The driver's name (`docker` unless the file or its defaults say otherwise).
    pub driver: String,
    /// The driver's options, each unset one at its command-line default.
    pub driver_options: DriverOptions,
    /// The engine options, with `labels` as `KEY=VALUE`: what `up` compares with the record and
    /// provisions again when they differ.
    pub engine: EngineOptions,
    /// Extra names and IPs for the engine's certificate (`--tls-san`).
    pub tls_san: Vec<String>,
    /// `--swarm-addr`; empty: the engine's own address is registered.
    pub swarm_addr: String,
    /// One of the swarm's masters (runs a manager).
    pub master: bool,
    /// Joins the swarm: false without a swarm, or when listed in `swarm.exclude`.
    pub in_swarm: bool,
    /// What only a new machine can change (driver and its options), hashed.
    pub create_hash: String,
}

/// A container the file asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct WantContainer {
    /// The container's name: the file's key, or `KEY-N` with `replicas`.
    pub name: String,
    /// The image, as the file gives it.
    pub image: String,
    /// The command and its arguments; empty: the image's.
    pub command: Vec<String>,
    /// `docker run`'s options: the placement rules joined into `env`, `restart` defaulting to
    /// `unless-stopped`, always detached.
    pub options: DockerRunOptions,
    /// The definition, hashed (the container carries it as a label).
    pub hash: String,
    /// Names of containers of the file it must follow (links, volumes-from, affinities).
    pub after: Vec<String>,
}

/// The proxy the file asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WantProxy {
    /// The machine nginx runs on, a member of the swarm.
    pub node: String,
    /// Host port published for HTTP (80 unless set; never 0).
    pub http: u16,
    /// Host port published for HTTPS (443 unless set); 0: none.
    pub https: u16,
    /// The nginx image (`nginx` unless set).
    pub image: String,
    /// The vhost that answers unknown hosts; `None`: the 503 fallback.
    pub default_host: Option<String>,
    /// The nginx container's name (`flotilla-proxy` unless set); no container of the file may
    /// have it.
    pub container: String,
}

/// The swarm the file asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WantSwarm {
    /// A URL, or `None`: a token `up` creates and keeps.
    pub discovery: Option<String>,
    /// `spread`, `binpack` or `random` (`spread` unless set).
    pub strategy: String,
    /// Where the managers listen (`tcp://0.0.0.0:3376` unless set).
    pub host: String,
    /// `--swarm-opt KEY=VALUE` for the managers.
    pub opts: Vec<String>,
    /// The masters: the `master` machine, or the first `replicas` machines of the `master` group;
    /// the first one also runs the proxy's watcher.
    pub masters: Vec<String>,
    /// How many masters were asked for (the length of `masters`).
    pub replicas: u32,
}

/// The file with every group expanded and every default applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Expanded {
    /// The cluster's name: the file's, else the default the caller gave (the file's stem).
    pub name: String,
    /// Images copied from the local engine onto every machine that lacks them.
    pub images: Vec<String>,
    /// Every machine, groups expanded, in key order then by number.
    pub machines: Vec<WantMachine>,
    /// `None`: no swarm (and then neither a proxy nor containers).
    pub swarm: Option<WantSwarm>,
    /// `None`: no proxy.
    pub proxy: Option<WantProxy>,
    /// Every container, replicas expanded, in key order then by number.
    pub containers: Vec<WantContainer>,
}

/// Short SHA-256 of a JSON value (stable: serde_json keeps struct field order, maps are sorted).
pub fn hash_of(v: &impl Serialize) -> String {
    let bytes = serde_json::to_vec(v).unwrap_or_default();
    let d = ring::digest::digest(&ring::digest::SHA256, &bytes);
    d.as_ref()[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// `pattern` with `{n}` replaced.
fn name_for(pattern: &str, n: u32) -> String {
    pattern.replace("{n}", &n.to_string())
}

fn merged(defaults: &Option<MachineSpec>, m: &MachineSpec) -> MachineSpec {
    let Some(d) = defaults else {
        return m.clone();
    };
    let mut labels = d.labels.clone();
    labels.extend(m.labels.clone());
    let mut plugin = d.plugin.clone();
    plugin.extend(m.plugin.clone());
    MachineSpec {
        driver: m.driver.clone().or_else(|| d.driver.clone()),
        count: m.count,
        name: m.name.clone(),
        labels,
        engine: m.engine.clone().or_else(|| d.engine.clone()),
        tls_san: if m.tls_san.is_empty() {
            d.tls_san.clone()
        } else {
            m.tls_san.clone()
        },
        swarm_addr: m.swarm_addr.clone(),
        docker: m.docker.clone().or_else(|| d.docker.clone()),
        generic: m.generic.clone().or_else(|| d.generic.clone()),
        none: m.none.clone().or_else(|| d.none.clone()),
        virtualbox: m.virtualbox.clone().or_else(|| d.virtualbox.clone()),
        plugin,
    }
}

fn pick(v: &Option<OneOrMany>, i: usize, count: u32) -> Result<Option<String>, String> {
    match v {
        None => Ok(None),
        Some(OneOrMany::One(s)) if count <= 1 => Ok(Some(s.clone())),
        Some(OneOrMany::One(_)) => Err(format!(
            "a group of {count} machines needs a list of {count} addresses"
        )),
        Some(OneOrMany::Many(l)) if l.len() == count as usize => Ok(l.get(i).cloned()),
        Some(OneOrMany::Many(l)) => Err(format!(
            "{} addresses for a group of {count} machines",
            l.len()
        )),
    }
}

fn driver_options(m: &MachineSpec, i: usize, count: u32) -> Result<DriverOptions, String> {
    let mut o = DriverOptions::default();
    if let Some(d) = &m.docker {
        let def = docker::DockerOptions::default();
        o.docker = docker::DockerOptions {
            host: d.host.clone().unwrap_or(def.host),
            image: d.image.clone().unwrap_or(def.image),
            network: d.network.clone().unwrap_or(def.network),
            privileged: d.privileged.unwrap_or(def.privileged),
        };
    }
    if let Some(g) = &m.generic {
        let def = generic::GenericOptions::default();
        o.generic = generic::GenericOptions {
            ip_address: pick(&g.ip_address, i, count)?,
            ssh_user: g.ssh_user.clone().unwrap_or(def.ssh_user),
            ssh_key: g.ssh_key.clone(),
            ssh_port: g.ssh_port.unwrap_or(def.ssh_port),
            engine_port: g.engine_port.unwrap_or(def.engine_port),
        };
    }
    if let Some(n) = &m.none {
        let url = pick(&n.url, i, count)?;
        o.none = none::NoneOptions {
            url: url
                .map(|u| {
                    u.parse::<EngineAddr>()
                        .map_err(|e| format!("url {u:?}: {}", e.reason))
                })
                .transpose()?,
        };
    }
    if let Some(v) = &m.virtualbox {
        let def = virtualbox::VirtualboxOptions::default();
        o.virtualbox = virtualbox::VirtualboxOptions {
            memory: v.memory.unwrap_or(def.memory),
            cpu_count: v.cpu_count.unwrap_or(def.cpu_count),
            disk_size: v.disk_size.unwrap_or(def.disk_size),
            boot2docker_url: v.boot2docker_url.clone().or(def.boot2docker_url.clone()),
            hostonly_cidr: v.hostonly_cidr.clone().unwrap_or(def.hostonly_cidr.clone()),
            share_folder: v.share_folder.clone().or(def.share_folder.clone()),
            no_share: v.no_share.unwrap_or(def.no_share),
            ..def
        };
    }
    o.plugin = m.plugin.clone();
    Ok(o)
}

fn engine_options(m: &MachineSpec) -> EngineOptions {
    let mut e = EngineOptions::default();
    if let Some(s) = &m.engine {
        e.arbitrary_flags = s.opts.clone();
        e.env = s.env.clone();
        e.insecure_registry = s.insecure_registry.clone();
        e.registry_mirror = s.registry_mirror.clone();
        e.storage_driver = s.storage_driver.clone().unwrap_or_default();
        if let Some(u) = &s.install_url {
            e.install_url = u.clone();
        }
        e.version = s.version.clone().unwrap_or_default();
    }
    e.labels = m.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    e
}

/// The docker run options a container spec stands for.
fn run_options(name: &str, c: &ContainerSpec) -> DockerRunOptions {
    let mut env = c.env.clone();
    env.extend(c.constraints.iter().map(|x| format!("constraint:{x}")));
    env.extend(c.affinities.iter().map(|x| format!("affinity:{x}")));
    if let Some(r) = &c.reschedule {
        env.push(format!("reschedule:{r}"));
    }
    DockerRunOptions {
        detach: true,
        name: Some(name.to_string()),
        env,
        label: c.labels.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        publish: c.ports.clone(),
        expose: c.expose.clone(),
        link: c.links.clone(),
        volumes_from: c.volumes_from.clone(),
        volume: c.volumes.clone(),
        network: c.network.clone(),
        memory: c.memory.clone(),
        cpus: c.cpus.clone(),
        restart: Some(
            c.restart
                .clone()
                .unwrap_or_else(|| "unless-stopped".to_string()),
        ),
        entrypoint: c.entrypoint.clone(),
        workdir: c.workdir.clone(),
        user: c.user.clone(),
        ..Default::default()
    }
}

/// Whether a glob of classic Swarm's affinities (`*` and `?`) matches `name`.
fn glob_matches(glob: &str, name: &str) -> bool {
    fn go(p: &[u8], s: &[u8]) -> bool {
        match (p.first(), s.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], s) || (!s.is_empty() && go(p, &s[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &s[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &s[1..]),
            _ => false,
        }
    }
    go(glob.as_bytes(), name.as_bytes())
}

/// The names of other containers a container's placement depends on.
fn dependencies(opts: &DockerRunOptions, names: &[String], own: &str) -> Vec<String> {
    let mut after = BTreeSet::new();
    for l in opts.link.iter().chain(&opts.volumes_from) {
        let target = l.split(':').next().unwrap_or("");
        if names.iter().any(|n| n == target) {
            after.insert(target.to_string());
        }
    }
    for e in &opts.env {
        if let Some(rule) = e.strip_prefix("affinity:container")
            && let Some(pos) = rule.find("==")
        {
            let value = rule[pos + 2..].trim_start_matches('~');
            for n in names.iter().filter(|n| *n != own) {
                let m = if value.starts_with('/') {
                    false
                } else {
                    glob_matches(value, n)
                };
                if m {
                    after.insert(n.clone());
                }
            }
        }
    }
    after.into_iter().collect()
}

fn valid_name(n: &str) -> bool {
    let b = n.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// Expands groups, applies defaults and checks what the types cannot: names, references, the
/// master, counts. `default_name` is the cluster's name when the file gives none.
pub fn expand(file: &str, f: &ClusterFile, default_name: &str) -> Result<Expanded, FileError> {
    let bad = |message: String| FileError::Invalid {
        file: file.to_string(),
        message,
    };
    let name = f.name.clone().unwrap_or_else(|| default_name.to_string());
    if !valid_name(&name) {
        return Err(bad(format!(
            "name {name:?}: letters, digits, '-', '_' and '.' only"
        )));
    }
    let mut machines = Vec::new();
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (key, spec) in &f.machines {
        let m = merged(&f.defaults, spec);
        let count = m.count.unwrap_or(1);
        if count == 0 {
            return Err(bad(format!("machines.{key}: count must be at least 1")));
        }
        let pattern = match &m.name {
            Some(p) => p.clone(),
            None if count > 1 => format!("{key}-{{n}}"),
            None => key.clone(),
        };
        if count > 1 && !pattern.contains("{n}") {
            return Err(bad(format!(
                "machines.{key}: a group of {count} needs {{n}} in its name pattern ({pattern:?})"
            )));
        }
        let driver = m.driver.clone().unwrap_or_else(|| "docker".to_string());
        for i in 0..count {
            let n = name_for(&pattern, i + 1);
            crate::store::validate_name(&n).map_err(|e| bad(format!("machines.{key}: {e}")))?;
            let driver_options = driver_options(&m, i as usize, count)
                .map_err(|e| bad(format!("machines.{key}: {e}")))?;
            let create_hash = hash_of(&(
                &driver,
                &m.docker,
                &m.generic.as_ref().map(|g| {
                    (
                        pick(&g.ip_address, i as usize, count).ok().flatten(),
                        &g.ssh_user,
                        &g.ssh_key,
                        g.ssh_port,
                        g.engine_port,
                    )
                }),
                &driver_options.none.url.as_ref().map(|u| u.to_string()),
                &m.virtualbox,
                &m.plugin,
            ));
            machines.push(WantMachine {
                name: n.clone(),
                driver: driver.clone(),
                driver_options,
                engine: engine_options(&m),
                tls_san: m.tls_san.clone(),
                swarm_addr: m.swarm_addr.clone().unwrap_or_default(),
                master: false,
                in_swarm: false,
                create_hash,
            });
            groups.entry(key.clone()).or_default().push(n);
        }
    }
    let mut seen = BTreeSet::new();
    for m in &machines {
        if !seen.insert(m.name.clone()) {
            return Err(bad(format!("machine {:?} is named twice", m.name)));
        }
    }
    let known = |n: &str| machines.iter().any(|m| m.name == n);

    let swarm = match &f.swarm {
        None => None,
        Some(s) => {
            let replicas = s.replicas.unwrap_or(1);
            if replicas == 0 {
                return Err(bad("swarm.replicas must be at least 1".into()));
            }
            let candidates: Vec<String> = match groups.get(&s.master) {
                Some(g) => g.clone(),
                None if known(&s.master) => vec![s.master.clone()],
                None => {
                    return Err(bad(format!(
                        "swarm.master {:?} is not a machine of the file",
                        s.master
                    )));
                }
            };
            if candidates.len() < replicas as usize {
                return Err(bad(format!(
                    "swarm.replicas is {replicas} but {:?} has {} machine(s)",
                    s.master,
                    candidates.len()
                )));
            }
            let masters: Vec<String> = candidates.into_iter().take(replicas as usize).collect();
            for x in &s.exclude {
                if !known(x) {
                    return Err(bad(format!(
                        "swarm.exclude: {x:?} is not a machine of the file"
                    )));
                }
                if masters.contains(x) {
                    return Err(bad(format!("swarm.exclude: {x:?} is a master")));
                }
            }
            if let Some(d) = &s.discovery
                && d != "token"
            {
                crate::discovery::DiscoveryUrl::parse(d)
                    .map_err(|e| bad(format!("swarm.discovery: {e}")))?;
            }
            let strategy = s.strategy.clone().unwrap_or_else(|| "spread".into());
            if !matches!(strategy.as_str(), "spread" | "binpack" | "random") {
                return Err(bad(format!(
                    "swarm.strategy {strategy:?}: spread, binpack or random"
                )));
            }
            for m in machines.iter_mut() {
                m.in_swarm = !s.exclude.contains(&m.name);
                m.master = masters.contains(&m.name);
            }
            Some(WantSwarm {
                discovery: s.discovery.clone().filter(|d| d != "token"),
                strategy,
                host: s
                    .host
                    .clone()
                    .unwrap_or_else(|| "tcp://0.0.0.0:3376".into()),
                opts: s.opts.clone(),
                masters,
                replicas,
            })
        }
    };

    let proxy = match &f.proxy {
        None => None,
        Some(p) => {
            if swarm.is_none() {
                return Err(bad(
                    "proxy needs a swarm: its watcher runs next to the swarm's manager".into(),
                ));
            }
            if !machines.iter().any(|m| m.name == p.node && m.in_swarm) {
                return Err(bad(format!(
                    "proxy.node {:?} is not a machine of the swarm",
                    p.node
                )));
            }
            let container = p
                .container
                .clone()
                .unwrap_or_else(|| "flotilla-proxy".into());
            if !valid_name(&container) {
                return Err(bad(format!(
                    "proxy.container {container:?} is not a container name"
                )));
            }
            Some(WantProxy {
                node: p.node.clone(),
                http: p.http.unwrap_or(80),
                https: p.https.unwrap_or(443),
                image: p.image.clone().unwrap_or_else(|| "nginx".into()),
                default_host: p.default_host.clone(),
                container,
            })
        }
    };
    if proxy.as_ref().is_some_and(|p| p.http == 0) {
        return Err(bad("proxy.http must be a port (1-65535)".into()));
    }

    if !f.containers.is_empty() && swarm.is_none() {
        return Err(bad(
            "containers need a swarm: the scheduler places them on its machines".into(),
        ));
    }
    let mut containers = Vec::new();
    for (key, c) in &f.containers {
        let replicas = c.replicas.unwrap_or(1);
        if replicas == 0 {
            return Err(bad(format!(
                "containers.{key}: replicas must be at least 1"
            )));
        }
        if c.image.trim().is_empty() {
            return Err(bad(format!("containers.{key}: image is empty")));
        }
        for i in 1..=replicas {
            let n = if replicas == 1 {
                key.clone()
            } else {
                format!("{key}-{i}")
            };
            if !valid_name(&n) || n.len() < 2 {
                return Err(bad(format!(
                    "containers.{key}: {n:?} is not a container name (at least two of [a-zA-Z0-9_.-])"
                )));
            }
            let options = run_options(&n, c);
            // The spec must build (ports, memory, restart…): checked here, before anything runs.
            crate::ops::run_spec::build(&options, &c.image, &c.command, &[], &|_| None)
                .map_err(|e| bad(format!("containers.{key}: {e}")))?;
            let hash = hash_of(&(&c.image, &c.command, format!("{options:?}")));
            containers.push(WantContainer {
                name: n,
                image: c.image.clone(),
                command: c.command.clone(),
                options,
                hash,
                after: vec![],
            });
        }
    }
    let names: Vec<String> = containers.iter().map(|c| c.name.clone()).collect();
    for c in containers.iter_mut() {
        c.after = dependencies(&c.options, &names, &c.name);
    }
    if let Some(p) = &proxy
        && names.contains(&p.container)
    {
        return Err(bad(format!(
            "proxy.container {:?} is also a container of the file",
            p.container
        )));
    }
    Ok(Expanded {
        name,
        images: f.images.clone(),
        machines,
        swarm,
        proxy,
        containers,
    })
}

/// Containers in waves: each wave's containers depend only on earlier waves'. A cycle is an
/// error naming its members.
pub fn waves(containers: &[WantContainer]) -> Result<Vec<Vec<String>>, String> {
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut left: Vec<&WantContainer> = containers.iter().collect();
    let mut out = Vec::new();
    while !left.is_empty() {
        let (ready, rest): (Vec<&WantContainer>, Vec<&WantContainer>) = left
            .into_iter()
            .partition(|c| c.after.iter().all(|a| done.contains(a)));
        if ready.is_empty() {
            let names: Vec<&str> = rest.iter().map(|c| c.name.as_str()).collect();
            return Err(format!(
                "containers depend on each other in a circle: {}",
                names.join(", ")
            ));
        }
        let wave: Vec<String> = ready.iter().map(|c| c.name.clone()).collect();
        done.extend(wave.iter().cloned());
        out.push(wave);
        left = rest;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = r#"
name: seed
images: [flotilla-demo:latest]
defaults:
  driver: docker
  docker: {image: flotilla-node:latest}
machines:
  swarm-master: {labels: {public: "no"}}
  frontend: {labels: {public: "yes"}}
  backend1: {labels: {public: "no", model: high-memory}}
  worker: {count: 2, labels: {role: worker}}
swarm:
  master: swarm-master
proxy:
  node: frontend
  image: flotilla-nginx:latest
containers:
  redis:
    image: flotilla-demo:latest
    command: [store]
    constraints: ["public!=yes", "model==high-memory"]
  redis-counter:
    image: flotilla-demo:latest
    ports: ["80"]
    links: [redis]
    affinities: ["container==*redis*"]
    env: [VIRTUAL_HOST=redis-counter.docker]
"#;

    #[test]
    fn the_seed_expands() {
        let f = parse("seed.yaml", SEED).unwrap();
        let e = expand("seed.yaml", &f, "x").unwrap();
        assert_eq!(e.name, "seed");
        let names: Vec<&str> = e.machines.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "backend1",
                "frontend",
                "swarm-master",
                "worker-1",
                "worker-2"
            ]
        );
        let master = e.machines.iter().find(|m| m.master).unwrap();
        assert_eq!(master.name, "swarm-master");
        assert_eq!(master.driver_options.docker.image, "flotilla-node:latest");
        assert_eq!(master.engine.labels, vec!["public=no"]);
        let b = e.machines.iter().find(|m| m.name == "backend1").unwrap();
        assert_eq!(b.engine.labels, vec!["model=high-memory", "public=no"]);
        let rc = e
            .containers
            .iter()
            .find(|c| c.name == "redis-counter")
            .unwrap();
        assert_eq!(rc.after, vec!["redis"]);
        assert!(
            rc.options
                .env
                .contains(&"affinity:container==*redis*".to_string())
        );
        assert_eq!(
            waves(&e.containers).unwrap(),
            vec![vec!["redis".to_string()], vec!["redis-counter".to_string()]]
        );
        assert_eq!(e.proxy.as_ref().unwrap().http, 80);
    }

    #[test]
    fn errors_point_at_line_and_column() {
        let e = parse("f.yaml", "machines:\n  a:\n    lables: {}\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "f.yaml:3:5: unknown field `lables`, expected one of driver, count, name, labels, engine, tls_san, swarm_addr, docker, generic, none, virtualbox, plugin",
        );
        let e = parse("f.yaml", "machines:\n  a:\n    count: x\n").unwrap_err();
        assert!(e.to_string().starts_with("f.yaml:3:12: "), "{e}");
        let e = parse("f.yaml", "machines: [\n").unwrap_err();
        assert!(matches!(e, FileError::Syntax { line: 1, .. }), "{e:?}");
    }

    #[test]
    fn bad_references_are_named() {
        let f = parse("f", "machines: {a: {}}\nswarm: {master: b}\n").unwrap();
        assert!(
            expand("f", &f, "c")
                .unwrap_err()
                .to_string()
                .contains("swarm.master \"b\"")
        );
        let f = parse("f", "machines: {a: {count: 2, name: x}}\n").unwrap();
        assert!(
            expand("f", &f, "c")
                .unwrap_err()
                .to_string()
                .contains("{n}")
        );
        let f = parse("f", "machines: {a: {}}\ncontainers: {web: {image: x}}\n").unwrap();
        assert!(
            expand("f", &f, "c")
                .unwrap_err()
                .to_string()
                .contains("need a swarm")
        );
        let f = parse(
            "f",
            "machines: {a: {}}\nswarm: {master: a}\ncontainers: {web: {image: x, ports: [\"nope\"]}}\n",
        )
        .unwrap();
        let e = expand("f", &f, "c").unwrap_err().to_string();
        assert!(e.contains("containers.web") && e.contains("nope"), "{e}");
    }

    #[test]
    fn replicas_make_several_masters() {
        let f = parse(
            "f",
            "machines: {m: {count: 3}, w: {}}\nswarm: {master: m, replicas: 2}\n",
        )
        .unwrap();
        let e = expand("f", &f, "c").unwrap();
        let masters: Vec<&str> = e
            .machines
            .iter()
            .filter(|m| m.master)
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(masters, vec!["m-1", "m-2"]);
        let f = parse("f", "machines: {m: {}}\nswarm: {master: m, replicas: 2}\n").unwrap();
        assert!(expand("f", &f, "c").is_err());
    }

    #[test]
    fn hashes_follow_the_definition() {
        let f = parse("f", SEED).unwrap();
        let a = expand("f", &f, "x").unwrap();
        let mut g = f.clone();
        g.containers
            .get_mut("redis")
            .unwrap()
            .env
            .push("A=1".into());
        let b = expand("f", &g, "x").unwrap();
        let h = |e: &Expanded, n: &str| {
            e.containers
                .iter()
                .find(|c| c.name == n)
                .unwrap()
                .hash
                .clone()
        };
        assert_ne!(h(&a, "redis"), h(&b, "redis"));
        assert_eq!(h(&a, "redis-counter"), h(&b, "redis-counter"));
    }

    #[test]
    fn cycles_are_refused() {
        let f = parse(
            "f",
            "machines: {a: {}}\nswarm: {master: a}\ncontainers: {x1: {image: i, links: [y1]}, y1: {image: i, links: [x1]}}\n",
        )
        .unwrap();
        let e = expand("f", &f, "c").unwrap();
        assert!(waves(&e.containers).unwrap_err().contains("x1, y1"));
    }

    #[test]
    fn the_shipped_examples_expand() {
        for (name, text) in [
            ("seed.yaml", include_str!("../../../../examples/seed.yaml")),
            (
                "seed-generic.yaml",
                include_str!("../../../../examples/seed-generic.yaml"),
            ),
        ] {
            let f = parse(name, text).unwrap_or_else(|e| panic!("{e}"));
            let e = expand(name, &f, "x").unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(e.machines.len(), 4, "{name}");
            assert_eq!(e.containers.len(), 4, "{name}");
            let waves = waves(&e.containers).unwrap();
            assert_eq!(waves.len(), 2, "{name}: stores first, then the counters");
        }
    }

    /// `~/` and relative key paths, resolved against a home and the file's directory.
    #[test]
    fn key_paths_are_resolved() {
        let mut f = parse(
            "f",
            "machines: {a: {driver: generic, generic: {ip_address: h, ssh_key: ~/.ssh/k}}, b: {driver: generic, generic: {ip_address: h, ssh_key: keys/k}}}\n",
        )
        .unwrap();
        resolve_paths(
            &mut f,
            std::path::Path::new("/home/u"),
            std::path::Path::new("/work"),
        );
        let key = |n: &str| {
            f.machines[n]
                .generic
                .as_ref()
                .unwrap()
                .ssh_key
                .clone()
                .unwrap()
        };
        assert_eq!(key("a"), PathBuf::from("/home/u/.ssh/k"));
        assert_eq!(key("b"), PathBuf::from("/work/keys/k"));
    }

    #[test]
    fn the_schema_comes_from_the_types() {
        let s = schema();
        let text = s.to_string();
        assert!(text.contains("\"additionalProperties\":false"), "{text}");
        for field in [
            "machines",
            "swarm",
            "proxy",
            "containers",
            "replicas",
            "constraints",
        ] {
            assert!(text.contains(field), "{field}");
        }
    }
}
