//! The I/O of cluster files: read what exists ([`current`]), carry out a plan through the same
//! operations the commands use ([`up`]), remove what `up` made ([`down`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bollard::Docker;
use bollard::query_parameters::{
    ImportImageOptions, ListContainersOptions, RemoveContainerOptions,
};
use futures_util::StreamExt;
use futures_util::future::join_all;
use serde::{Deserialize, Serialize};

use super::file::{Expanded, WantContainer, WantMachine, WantProxy};
use super::plan::{self, Action, Current, HaveContainer, HaveMachine, Kind, Plan};
use crate::cluster::members;
use crate::discovery;
use crate::driver::State;
use crate::driver::handle;
use crate::engine;
use crate::ops::create::{self, CreateOptions};
use crate::ops::lifecycle::{self, Action as Lifecycle};
use crate::ops::master::{self, Deployed, ProxyService};
use crate::ops::run::{self, Mode, RunOptions, RunOutcome, RunProgress};
use crate::ops::{rm, run_spec};
use crate::store::machine::SwarmOptions;
use crate::store::{self, Store};

/// The label naming a container's cluster.
pub const LABEL_CLUSTER: &str = "flotilla.cluster";
/// The label holding a container's definition hash.
pub const LABEL_HASH: &str = "flotilla.spec.hash";

/// Why `up`, `down` or `status` stopped.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// Steps failed (every failure of the phase, one a line), the local engine could not
    /// export an image, or the containers depend on each other in a circle. Running `up` again
    /// continues from what exists.
    #[error("{0}")]
    Steps(String),
    /// `<store>/clusters/NAME.json` could not be read, parsed or written.
    #[error("cluster state {path}: {message}")]
    State {
        /// The state file.
        path: PathBuf,
        /// What went wrong with it.
        message: String,
    },
    /// Creating the swarm's discovery token failed.
    #[error(transparent)]
    Discovery(#[from] discovery::DiscoveryError),
}

/// Told while `up` and `down` proceed; `object` is `KIND NAME`.
pub trait Progress: Send + Sync {
    /// The object is at a new step (`creating`, `placing`, `removing`, …).
    fn step(&self, object: &str, message: &str);
    /// The object is finished, with its outcome (`running on NODE`, `removed`, …).
    fn done(&self, object: &str, message: &str);
    /// Something about the object the user should see that does not stop `up`.
    fn warn(&self, object: &str, message: &str);
}

/// How `up`, `down`, `status` and the plan read and act.
#[derive(Debug, Clone)]
pub struct UpOptions {
    /// Remove what an earlier `up` made that the file no longer has (`--prune`).
    pub prune: bool,
    /// Each engine's time to answer.
    pub timeout: Duration,
    /// How discovery URLs are reached and tokens created and deleted (`--discovery-url`).
    pub discovery: discovery::Settings,
}

/// What `up` remembers of a cluster between runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterState {
    /// The swarm's discovery URL.
    #[serde(default)]
    pub discovery: Option<String>,
    /// The token was created by `up` (so `down` deletes it).
    #[serde(default)]
    pub token_created: bool,
    /// Machines `up` made or adopted, with their create hash.
    #[serde(default)]
    pub machines: BTreeMap<String, String>,
}

fn state_path(store: &Store, name: &str) -> PathBuf {
    store.root().join("clusters").join(format!("{name}.json"))
}

impl ClusterState {
    /// The state of cluster `name`; empty (the default) when `up` never ran for it or `down`
    /// removed it.
    pub fn read(store: &Store, name: &str) -> Result<ClusterState, ApplyError> {
        let path = state_path(store, name);
        match std::fs::read(&path) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| ApplyError::State {
                path,
                message: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ClusterState::default()),
            Err(e) => Err(ApplyError::State {
                path,
                message: e.to_string(),
            }),
        }
    }

    fn write(&self, store: &Store, name: &str) -> Result<(), ApplyError> {
        let path = state_path(store, name);
        let fail = |message: String| ApplyError::State {
            path: path.clone(),
            message,
        };
        if let Some(dir) = path.parent() {
            store::create_private_dir_all(dir).map_err(|e| fail(e.to_string()))?;
        }
        let text = serde_json::to_vec_pretty(self).map_err(|e| fail(e.to_string()))?;
        store::write_atomic(&path, &text, 0o600).map_err(|e| fail(e.to_string()))
    }

    fn remove(store: &Store, name: &str) {
        let _ = std::fs::remove_file(state_path(store, name));
    }
}

fn proxy_service(p: &WantProxy) -> ProxyService {
    ProxyService {
        node: p.node.clone(),
        http_port: p.http,
        https_port: p.https,
        image: p.image.clone(),
        default_host: p.default_host.clone(),
        container: p.container.clone(),
    }
}

fn want_proxy(p: &ProxyService) -> WantProxy {
    WantProxy {
        node: p.node.clone(),
        http: p.http_port,
        https: p.https_port,
        image: p.image.clone(),
        default_host: p.default_host.clone(),
        container: p.container.clone(),
    }
}

/// A machine's engine client (its own certificates).
async fn machine_client(store: &Store, name: &str, timeout: Duration) -> Option<Docker> {
    let h = handle::load(store, name).ok()?;
    let addr = h.addr().await.ok()?;
    let tls = h.machine.tls_files(store.root()).ok();
    engine::client(&addr, tls.as_ref(), timeout).ok()
}

/// The containers of cluster `name` on every member of the swarm.
async fn cluster_containers(
    store: &Store,
    discovery: &str,
    name: &str,
    timeout: Duration,
) -> BTreeMap<String, (HaveContainer, String)> {
    let mut out = BTreeMap::new();
    let Ok((_, members)) = members::resolve(store, Some(discovery)).await else {
        return out;
    };
    let lists = join_all(members.iter().map(|m| async move {
        let docker = engine::client(&m.addr, m.tls.as_ref(), timeout).ok()?;
        let opts = ListContainersOptions {
            all: true,
            filters: Some(HashMap::from([(
                "label".to_string(),
                vec![format!("{LABEL_CLUSTER}={name}")],
            )])),
            ..Default::default()
        };
        let list = tokio::time::timeout(timeout, docker.list_containers(Some(opts)))
            .await
            .ok()?
            .ok()?;
        Some((m.name.clone(), list))
    }))
    .await;
    for (node, list) in lists.into_iter().flatten() {
        for c in list {
            let own = c
                .names
                .unwrap_or_default()
                .into_iter()
                .map(|n| n.trim_start_matches('/').to_string())
                .find(|n| !n.contains('/'))
                .unwrap_or_default();
            let labels = c.labels.unwrap_or_default();
            let hash = labels.get(LABEL_HASH).cloned().unwrap_or_default();
            let running = c.state.map(|s| s.to_string() == "running").unwrap_or(false);
            out.insert(
                own,
                (
                    HaveContainer {
                        node: node.clone(),
                        hash,
                        running,
                    },
                    c.id.unwrap_or_default(),
                ),
            );
        }
    }
    out
}

/// What exists now, as the planner needs it; also the state file and container IDs.
pub async fn current(
    store: &Store,
    want: &Expanded,
    timeout: Duration,
) -> Result<(Current, ClusterState, BTreeMap<String, String>), ApplyError> {
    let state = ClusterState::read(store, &want.name)?;
    let mut cur = Current {
        owned: state.machines.keys().cloned().collect(),
        ..Default::default()
    };
    cur.discovery = want
        .swarm
        .as_ref()
        .and_then(|s| s.discovery.clone())
        .or_else(|| state.discovery.clone());
    let wanted: BTreeSet<&str> = want.machines.iter().map(|m| m.name.as_str()).collect();
    let names = store.list_names().unwrap_or_default();
    let wanted = &wanted;
    let loaded = join_all(names.iter().map(|n| async move {
        let m = store.load(n).ok()?;
        let stopped = if wanted.contains(n.as_str()) && m.error.is_none() {
            match handle::with_driver(store, m.clone()) {
                Ok(h) => matches!(h.state().await, Ok(State::Stopped)),
                Err(_) => false,
            }
        } else {
            false
        };
        Some((m, stopped))
    }))
    .await;
    for (m, stopped) in loaded.into_iter().flatten() {
        cur.machines.insert(
            m.name.clone(),
            HaveMachine {
                driver: m.driver_name.clone(),
                engine: m.engine().clone(),
                master: m.swarm().master,
                discovery: m.swarm().discovery.clone(),
                create_hash: state.machines.get(&m.name).cloned(),
                error: m.error.clone(),
                stopped,
            },
        );
    }
    let mut ids = BTreeMap::new();
    if let Some(d) = &cur.discovery
        && cur.machines.values().any(|m| &m.discovery == d)
    {
        for (n, (c, id)) in cluster_containers(store, d, &want.name, timeout).await {
            ids.insert(n.clone(), id);
            cur.containers.insert(n, c);
        }
    }
    // Managers: deployed with this binary, and answering.
    if let Some(s) = &want.swarm {
        let sha = master::local_binary()
            .ok()
            .and_then(|p| master::binary_digest(&p).ok());
        let checks = join_all(s.masters.iter().map(|m| {
            let sha = sha.clone();
            async move {
                let d = Deployed::read(store, m)?;
                let ok = sha.as_deref() == Some(d.binary_sha256.as_str())
                    && master::answers(store, m, timeout).await;
                Some((m.clone(), ok, d))
            }
        }))
        .await;
        for (m, ok, d) in checks.into_iter().flatten() {
            if ok {
                cur.managers_ok.insert(m.clone());
            }
            if s.masters.first() == Some(&m) {
                cur.proxy = d.proxy.as_ref().map(want_proxy);
            }
        }
    }
    // Images the file lists, per machine.
    if !want.images.is_empty() {
        let found = join_all(
            want.machines
                .iter()
                .filter(|m| cur.machines.contains_key(&m.name))
                .map(|m| async move {
                    let Some(docker) = machine_client(store, &m.name, timeout).await else {
                        return (m.name.clone(), BTreeSet::new());
                    };
                    let mut have = BTreeSet::new();
                    for img in &want.images {
                        if docker.inspect_image(img).await.is_ok() {
                            have.insert(img.clone());
                        }
                    }
                    (m.name.clone(), have)
                }),
        )
        .await;
        cur.images = found.into_iter().collect();
    }
    Ok((cur, state, ids))
}

/// Plans `up` without doing anything.
pub async fn plan(store: &Store, want: &Expanded, opts: &UpOptions) -> Result<Plan, ApplyError> {
    let (cur, _, _) = current(store, want, opts.timeout).await?;
    Ok(plan::plan(want, &cur, opts.prune))
}

fn obj(kind: Kind, name: &str) -> String {
    format!("{kind} {name}")
}

fn create_options(
    w: &WantMachine,
    discovery: &str,
    want: &Expanded,
    opts: &UpOptions,
) -> CreateOptions {
    let swarm = match (&want.swarm, w.in_swarm) {
        (Some(s), true) => SwarmOptions {
            is_swarm: true,
            master: w.master,
            agent: !w.master,
            discovery: discovery.to_string(),
            strategy: s.strategy.clone(),
            host: s.host.clone(),
            address: w.swarm_addr.clone(),
            arbitrary_flags: s.opts.clone(),
            arbitrary_join_flags: vec![],
        },
        _ => SwarmOptions::default(),
    };
    CreateOptions {
        name: w.name.clone(),
        driver: w.driver.clone(),
        driver_options: w.driver_options.clone(),
        engine: w.engine.clone(),
        swarm,
        tls_san: w.tls_san.clone(),
        tls: None,
        check_timeout: opts.timeout,
        discovery: opts.discovery.clone(),
    }
}

/// Forwards create's progress to the cluster's.
struct MachineSay(Arc<dyn Progress>);

impl create::Progress for MachineSay {
    fn step(&self, machine: &str, message: &str) {
        self.0.step(&obj(Kind::Machine, machine), message);
    }
    fn warn(&self, machine: &str, message: &str) {
        self.0.warn(&obj(Kind::Machine, machine), message);
    }
}

struct Quiet;

impl RunProgress for Quiet {
    fn pull(&self, _: &str, _: &str, _: &str) {}
    fn pulled(&self, _: &str, _: &str) {}
}

async fn remove_container(
    store: &Store,
    node: &str,
    id: &str,
    timeout: Duration,
) -> Result<(), String> {
    let docker = machine_client(store, node, timeout)
        .await
        .ok_or_else(|| format!("no connection to {node}"))?;
    match docker
        .remove_container(
            id,
            Some(RemoveContainerOptions {
                force: true,
                v: true,
                ..Default::default()
            }),
        )
        .await
    {
        Ok(()) => Ok(()),
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(()),
        Err(e) => Err(format!("removing it from {node}: {e}")),
    }
}

/// Reads `images` from the local engine (`DOCKER_HOST`, else the local socket), once each.
async fn export_images(images: &[String]) -> Result<Vec<(String, bytes::Bytes)>, String> {
    if images.is_empty() {
        return Ok(Vec::new());
    }
    let local_host = std::env::var("DOCKER_HOST")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| crate::driver::docker::DEFAULT_HOST.to_string());
    let local = crate::remote::exec::connect_docker_host(&local_host, Duration::from_secs(120))
        .map_err(|e| format!("the local engine {local_host}: {e}"))?;
    let mut out = Vec::new();
    for image in images {
        let mut bytes = Vec::new();
        let mut s = local.export_image(image);
        while let Some(chunk) = s.next().await {
            let c = chunk.map_err(|e| {
                format!("image {image}: cannot read it from the local engine ({local_host}): {e}")
            })?;
            bytes.extend_from_slice(&c);
        }
        out.push((image.clone(), bytes::Bytes::from(bytes)));
    }
    Ok(out)
}

/// Loads an exported image into a machine's engine.
async fn import_into(
    store: &Store,
    machine: &str,
    image: &str,
    bytes: bytes::Bytes,
    timeout: Duration,
    p: &Arc<dyn Progress>,
) -> Result<(), String> {
    let o = obj(Kind::Image, &format!("{image} → {machine}"));
    p.step(&o, "copying");
    let Some(docker) = machine_client(store, machine, timeout.max(Duration::from_secs(120))).await
    else {
        return Err(format!("image {image}: no connection to {machine}"));
    };
    let mut s = docker.import_image(
        ImportImageOptions {
            quiet: true,
            ..Default::default()
        },
        bollard::body_full(bytes),
        None,
    );
    while let Some(item) = s.next().await {
        match item {
            Ok(info) => {
                if let Some(e) = info.error_detail.and_then(|d| d.message) {
                    return Err(format!("image {image} onto {machine}: {e}"));
                }
            }
            Err(e) => return Err(format!("image {image} onto {machine}: {e}")),
        }
    }
    p.done(&o, "copied");
    Ok(())
}

fn fail_if(errors: Vec<String>) -> Result<(), ApplyError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApplyError::Steps(errors.join("\n")))
    }
}

/// Carries out `plan` (made by [`plan()`] from `want`): machines in parallel, then images, the
/// managers and the proxy, then containers in waves of independent ones. Stops after a phase
/// that failed, reporting every failure of it.
pub async fn up(
    store: &Store,
    want: &Expanded,
    the_plan: &Plan,
    opts: &UpOptions,
    progress: Arc<dyn Progress>,
) -> Result<(), ApplyError> {
    let (_, mut state, ids) = current(store, want, opts.timeout).await?;
    let steps = &the_plan.steps;
    let of = |k: Kind| steps.iter().filter(move |s| s.kind == k);

    // The token.
    let mut discovery = want
        .swarm
        .as_ref()
        .and_then(|s| s.discovery.clone())
        .or_else(|| state.discovery.clone())
        .unwrap_or_default();
    if of(Kind::Token).next().is_some() {
        progress.step("token swarm", "creating");
        let t = discovery::create_token(&opts.discovery).await?;
        discovery = format!("token://{t}");
        state.discovery = Some(discovery.clone());
        state.token_created = true;
        state.write(store, &want.name)?;
        progress.done("token swarm", &discovery);
    } else if want.swarm.is_some() && state.discovery.as_deref() != Some(discovery.as_str()) {
        state.discovery = Some(discovery.clone());
        state.write(store, &want.name)?;
    }

    // Containers that go: recreated ones, pruned ones, and those on replaced machines.
    let mut errors = Vec::new();
    for s in of(Kind::Container).filter(|s| matches!(s.action, Action::Recreate | Action::Remove)) {
        if let Some(id) = ids.get(&s.name) {
            let node = node_of(store, want, &discovery, &s.name, opts.timeout).await;
            let o = obj(Kind::Container, &s.name);
            progress.step(&o, "removing");
            match node {
                Some(node) => match remove_container(store, &node, id, opts.timeout).await {
                    Ok(()) if s.action == Action::Remove => progress.done(&o, "removed"),
                    Ok(()) => {}
                    Err(e) => errors.push(format!("container {}: {e}", s.name)),
                },
                None => errors.push(format!("container {}: cannot find its node", s.name)),
            }
        }
    }
    fail_if(std::mem::take(&mut errors))?;

    // Images to copy, read from the local engine once.
    let mut images_for: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in of(Kind::Image) {
        let target = s.detail.trim_start_matches("copy onto ").to_string();
        images_for.entry(target).or_default().push(s.name.clone());
    }
    let wanted_images: Vec<String> = of(Kind::Image)
        .map(|s| s.name.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let exported: Arc<Vec<(String, bytes::Bytes)>> = Arc::new(
        export_images(&wanted_images)
            .await
            .map_err(ApplyError::Steps)?,
    );
    let copy_images = |machine: String| {
        let exported = exported.clone();
        let list = images_for.get(&machine).cloned().unwrap_or_default();
        let store = store.clone();
        let p = progress.clone();
        let timeout = opts.timeout;
        async move {
            let jobs = exported
                .iter()
                .filter(|(i, _)| list.contains(i))
                .map(|(i, b)| import_into(&store, &machine, i, b.clone(), timeout, &p));
            join_all(jobs)
                .await
                .into_iter()
                .filter_map(Result::err)
                .collect::<Vec<String>>()
        }
    };

    // Machines, all at once; each gets its images as soon as it exists.
    let mut set = tokio::task::JoinSet::new();
    let mut image_jobs = Vec::new();
    for s in of(Kind::Machine) {
        let Some(w) = want.machines.iter().find(|m| m.name == s.name).cloned() else {
            // Pruned: after the containers.
            continue;
        };
        let store = store.clone();
        let p = progress.clone();
        let copts = create_options(&w, &discovery, want, opts);
        let action = s.action;
        let images = copy_images(w.name.clone());
        set.spawn(async move {
            let o = obj(Kind::Machine, &w.name);
            let r: Result<String, String> = match action {
                Action::Create | Action::Recreate => {
                    if action == Action::Recreate {
                        p.step(&o, "removing the old machine");
                        let out = rm::remove(&store, std::slice::from_ref(&w.name), true).await;
                        if let Some(Err(e)) = out.into_iter().next().map(|o| o.result) {
                            return (w, Err(e.to_string()));
                        }
                    }
                    match create::create(&store, &copts, &MachineSay(p.clone())).await {
                        Ok(_) => Ok("created".into()),
                        Err(e) => Err(e.to_string()),
                    }
                }
                Action::Change => {
                    // The record says what provisioning applies.
                    match store.load(&w.name) {
                        Ok(mut m) => {
                            m.host_options.engine_options = w.engine.clone();
                            if let Err(e) = store.save(&m) {
                                return (w, Err(e.to_string()));
                            }
                            let pp = p.clone();
                            let name = w.name.clone();
                            let f: lifecycle::ProgressFn =
                                Arc::new(move |_, msg| pp.step(&obj(Kind::Machine, &name), msg));
                            lifecycle::run(
                                &store,
                                std::slice::from_ref(&w.name),
                                Lifecycle::Provision,
                                f,
                            )
                            .await
                            .into_iter()
                            .next()
                            .map(|o| o.result.map_err(|e| e.to_string()))
                            .unwrap_or_else(|| Err("provision did not run".into()))
                        }
                        Err(e) => Err(e.to_string()),
                    }
                }
                Action::Start => {
                    let f: lifecycle::ProgressFn = Arc::new(|_, _| {});
                    lifecycle::run(&store, std::slice::from_ref(&w.name), Lifecycle::Start, f)
                        .await
                        .into_iter()
                        .next()
                        .map(|o| o.result.map_err(|e| e.to_string()))
                        .unwrap_or_else(|| Err("start did not run".into()))
                }
                Action::Remove => Ok(String::new()),
            };
            match &r {
                Ok(msg) => p.done(&o, msg),
                Err(_) => p.done(&o, "failed"),
            }
            let r = match r {
                Ok(m) => {
                    let errors = images.await;
                    if errors.is_empty() {
                        Ok(m)
                    } else {
                        Err(errors.join("; "))
                    }
                }
                Err(e) => Err(e),
            };
            (w, r)
        });
    }
    // Machines that stay as they are but lack an image.
    for m in images_for.keys() {
        if the_plan.has(Kind::Machine, m).is_none() {
            image_jobs.push(copy_images(m.clone()));
        }
    }
    while let Some(r) = set.join_next().await {
        match r {
            Ok((w, Ok(_))) => {
                state.machines.insert(w.name.clone(), w.create_hash.clone());
            }
            Ok((w, Err(e))) => errors.push(format!("machine {}: {e}", w.name)),
            Err(e) => errors.push(format!("a machine task failed: {e}")),
        }
    }
    // Machines the file names that existed before `up` knew them are adopted.
    for w in &want.machines {
        if store.exists(&w.name)
            && !state.machines.contains_key(&w.name)
            && !errors
                .iter()
                .any(|e| e.contains(&format!("machine {}:", w.name)))
        {
            state.machines.insert(w.name.clone(), w.create_hash.clone());
        }
    }
    for e in join_all(image_jobs).await {
        errors.extend(e);
    }
    state.write(store, &want.name)?;
    fail_if(std::mem::take(&mut errors))?;

    // The managers and the proxy next to the first one, while the containers start (they are
    // placed from here, not through the manager).
    let deploys = async {
        let mut errors: Vec<String> = Vec::new();
        if let Some(s) = &want.swarm {
            let proxy_step = of(Kind::Proxy).next();
            let first = s.masters.first().cloned().unwrap_or_default();
            let old_proxy = Deployed::read(store, &first).and_then(|d| d.proxy);
            let results = join_all(s.masters.iter().map(|m| {
                let p = progress.clone();
                let proxy = if *m == first && proxy_step.is_some() {
                    Some(want.proxy.as_ref().map(proxy_service))
                } else {
                    None
                };
                let needed = proxy.is_some() || of(Kind::Manager).any(|x| &x.name == m);
                async move {
                    if !needed {
                        return Ok(());
                    }
                    let o = obj(Kind::Manager, m);
                    let say = |msg: &str| p.step(&o, msg);
                    let proxy_node = proxy.clone().flatten().map(|x| x.node);
                    match master::deploy(store, m, proxy, &say).await {
                        Ok(r) => {
                            p.done(&o, &format!("answers at {}", r.url));
                            if let Some(n) = proxy_node {
                                p.done(&obj(Kind::Proxy, &n), &format!("watcher running on {m}"));
                            }
                            Ok(())
                        }
                        Err(e) => Err(format!("manager on {m}: {e}")),
                    }
                }
            }))
            .await;
            errors.extend(results.into_iter().filter_map(Result::err));
            // A proxy that moved or went: its old nginx container goes too.
            if proxy_step.is_some()
                && let Some(old) = old_proxy
                && want
                    .proxy
                    .as_ref()
                    .is_none_or(|p| p.node != old.node || p.container != old.container)
                && let Some(docker) = machine_client(store, &old.node, opts.timeout).await
            {
                let _ = docker
                    .remove_container(
                        &old.container,
                        Some(RemoveContainerOptions {
                            force: true,
                            ..Default::default()
                        }),
                    )
                    .await;
            }
        }
        errors
    };

    // Containers, wave after wave.
    let waves = super::file::waves(&want.containers).map_err(ApplyError::Steps)?;
    let selector = want.swarm.as_ref().and_then(|s| s.masters.first().cloned());
    let containers = async {
        let mut errors: Vec<String> = Vec::new();
        for wave in waves {
            let todo: Vec<&WantContainer> = wave
                .iter()
                .filter_map(|n| want.containers.iter().find(|c| &c.name == n))
                .filter(|c| the_plan.has(Kind::Container, &c.name).is_some())
                .collect();
            let results = join_all(todo.into_iter().map(|c| {
                let p = progress.clone();
                let selector = selector.clone();
                let action = the_plan.has(Kind::Container, &c.name).map(|s| s.action);
                let id = ids.get(&c.name).cloned();
                let discovery = discovery.clone();
                async move {
                    let o = obj(Kind::Container, &c.name);
                    if action == Some(Action::Start) {
                        p.step(&o, "starting");
                        let node = node_of(store, want, &discovery, &c.name, opts.timeout).await;
                        let docker = match node {
                            Some(n) => machine_client(store, &n, opts.timeout).await,
                            None => None,
                        };
                        let Some(docker) = docker else {
                            return Err(format!("container {}: cannot reach its node", c.name));
                        };
                        return docker
                            .start_container(id.as_deref().unwrap_or(&c.name), None)
                            .await
                            .map(|()| p.done(&o, "started"))
                            .map_err(|e| format!("container {}: {e}", c.name));
                    }
                    p.step(&o, "placing");
                    let mut spec =
                        run_spec::build(&c.options, &c.image, &c.command, &[], &|_| None)
                            .map_err(|e| format!("container {}: {e}", c.name))?;
                    let labels = spec.body.labels.get_or_insert_with(Default::default);
                    labels.insert(LABEL_CLUSTER.into(), want.name.clone());
                    labels.insert(LABEL_HASH.into(), c.hash.clone());
                    let ropts = RunOptions {
                        selector,
                        timeout: opts.timeout,
                        pending_ttl: Duration::from_secs(300),
                        mode: Mode::Create,
                        start: true,
                        console_size: None,
                    };
                    match run::run(store, &spec, &ropts, &Quiet).await {
                        Ok(RunOutcome::Started(s)) => {
                            p.done(&o, &format!("running on {}", s.node));
                            Ok(())
                        }
                        Ok(_) => Ok(()),
                        Err(e) => Err(format!("container {}: {e}", c.name)),
                    }
                }
            }))
            .await;
            errors.extend(results.into_iter().filter_map(Result::err));
            if !errors.is_empty() {
                break;
            }
        }
        errors
    };
    let (mut e1, e2) = tokio::join!(deploys, containers);
    e1.extend(e2);
    fail_if(e1)?;

    // Done means working: the proxy routes every vhost the file's containers ask for.
    if let Some(px) = &want.proxy {
        let hosts: BTreeSet<String> = want
            .containers
            .iter()
            .flat_map(|c| c.options.env.iter())
            .filter_map(|e| e.strip_prefix("VIRTUAL_HOST="))
            .flat_map(|v| v.split(',').map(|h| h.trim().to_string()))
            .filter(|h| !h.is_empty())
            .collect();
        let changed = of(Kind::Container).next().is_some() || of(Kind::Proxy).next().is_some();
        if changed && !hosts.is_empty() {
            let o = obj(Kind::Proxy, &px.node);
            progress.step(&o, "waiting for nginx to route every VIRTUAL_HOST");
            let ip = match handle::load(store, &px.node) {
                Ok(h) => h.ip().await.ok(),
                Err(_) => None,
            };
            match ip {
                Some(ip) => {
                    match wait_routes(&ip, px.http, &hosts, Duration::from_secs(60)).await {
                        Ok(()) => progress.done(
                            &o,
                            &format!(
                                "routes {}",
                                hosts.iter().cloned().collect::<Vec<_>>().join(", ")
                            ),
                        ),
                        Err(e) => progress.warn(&o, &e),
                    }
                }
                None => progress.warn(&o, "cannot find its address to check the routes"),
            }
        }
    }

    // Machines the file dropped (with --prune), last.
    let gone: Vec<String> = of(Kind::Machine)
        .filter(|s| s.action == Action::Remove)
        .map(|s| s.name.clone())
        .collect();
    if !gone.is_empty() {
        for o in rm::remove(store, &gone, false).await {
            match o.result {
                Ok(()) => {
                    state.machines.remove(&o.name);
                    progress.done(&obj(Kind::Machine, &o.name), "removed");
                }
                Err(e) => errors.push(e.to_string()),
            }
        }
    }
    state.write(store, &want.name)?;
    fail_if(errors)
}

/// The status code nginx gives a `HEAD /` for `host` (HEAD: the check must not count as a hit).
async fn head_status(ip: &str, port: u16, host: &str) -> Option<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::time::timeout(
        Duration::from_secs(2),
        tokio::net::TcpStream::connect((ip, port)),
    )
    .await
    .ok()?
    .ok()?;
    let req = format!("HEAD / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.ok()?;
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf))
        .await
        .ok()?
        .ok()?;
    let line = String::from_utf8_lossy(&buf[..n]);
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Waits until nginx at `ip:port` routes every host (neither 503, unknown host, nor 502, no
/// backend yet).
async fn wait_routes(
    ip: &str,
    port: u16,
    hosts: &BTreeSet<String>,
    within: Duration,
) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let mut missing = Vec::new();
        for h in hosts {
            match head_status(ip, port, h).await {
                Some(c) if c != 502 && c != 503 => {}
                other => missing.push(format!(
                    "{h} ({})",
                    other
                        .map(|c| c.to_string())
                        .unwrap_or_else(|| "no answer".into())
                )),
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(format!(
                "nginx on {ip}:{port} does not route yet after {}s: {}",
                within.as_secs(),
                missing.join(", ")
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The node a container of the cluster runs on.
async fn node_of(
    store: &Store,
    want: &Expanded,
    discovery: &str,
    name: &str,
    timeout: Duration,
) -> Option<String> {
    cluster_containers(store, discovery, &want.name, timeout)
        .await
        .remove(name)
        .map(|(c, _)| c.node)
}

/// What `down` removed.
#[derive(Debug, Default)]
pub struct DownReport {
    /// The containers removed, by name.
    pub containers: Vec<String>,
    /// The machines removed (none with `keep_machines`).
    pub machines: Vec<String>,
    /// Whether a proxy was found and removed.
    pub proxy: bool,
}

/// Removes what `up` made for cluster `name`: its containers, the proxy, and (unless
/// `keep_machines`) its machines and the token it created.
pub async fn down(
    store: &Store,
    name: &str,
    keep_machines: bool,
    opts: &UpOptions,
    progress: Arc<dyn Progress>,
) -> Result<DownReport, ApplyError> {
    let state = ClusterState::read(store, name)?;
    let mut report = DownReport::default();
    let mut errors = Vec::new();
    if let Some(d) = &state.discovery {
        for (n, (c, id)) in cluster_containers(store, d, name, opts.timeout).await {
            let o = obj(Kind::Container, &n);
            progress.step(&o, "removing");
            match remove_container(store, &c.node, &id, opts.timeout).await {
                Ok(()) => {
                    progress.done(&o, "removed");
                    report.containers.push(n);
                }
                Err(e) => errors.push(format!("container {n}: {e}")),
            }
        }
    }
    // The proxy: its watcher on the master, its nginx container on its node.
    for m in state.machines.keys() {
        let Some(d) = Deployed::read(store, m) else {
            continue;
        };
        let Some(p) = d.proxy else { continue };
        let o = obj(Kind::Proxy, &p.node);
        progress.step(&o, "removing");
        if keep_machines {
            let say = |msg: &str| progress.step(&o, msg);
            if let Err(e) = master::deploy(store, m, Some(None), &say).await {
                errors.push(format!("proxy: {e}"));
            }
        }
        if let Some(docker) = machine_client(store, &p.node, opts.timeout).await {
            let _ = docker
                .remove_container(
                    &p.container,
                    Some(RemoveContainerOptions {
                        force: true,
                        ..Default::default()
                    }),
                )
                .await;
        }
        progress.done(&o, "removed");
        report.proxy = true;
    }
    fail_if(std::mem::take(&mut errors))?;
    if keep_machines {
        return Ok(report);
    }
    let names: Vec<String> = state
        .machines
        .keys()
        .filter(|n| store.exists(n))
        .cloned()
        .collect();
    for n in &names {
        progress.step(&obj(Kind::Machine, n), "removing");
    }
    for o in rm::remove(store, &names, true).await {
        match o.result {
            Ok(()) => {
                progress.done(&obj(Kind::Machine, &o.name), "removed");
                report.machines.push(o.name);
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    if errors.is_empty() {
        if state.token_created
            && let Some(t) = state
                .discovery
                .as_deref()
                .and_then(|d| d.strip_prefix("token://"))
            && !t.contains('/')
        {
            let _ = discovery::delete_token(&opts.discovery, t).await;
        }
        ClusterState::remove(store, name);
    }
    fail_if(errors)?;
    Ok(report)
}

/// One object of the file and how it stands.
#[derive(Debug, Clone, Serialize)]
pub struct StatusRow {
    /// What the object is.
    pub kind: Kind,
    /// The object's name, as in the plan's steps.
    pub name: String,
    /// ok, missing, changed, stopped, not in the file
    pub state: String,
    /// The plan's reason when not ok; else what the object is (its driver, `on NODE`, the
    /// proxy's port).
    pub detail: String,
}

/// Each object of the file against what exists.
pub async fn status(
    store: &Store,
    want: &Expanded,
    opts: &UpOptions,
) -> Result<Vec<StatusRow>, ApplyError> {
    let (cur, _, _) = current(store, want, opts.timeout).await?;
    let p = plan::plan(want, &cur, false);
    let mut rows = Vec::new();
    let row = |kind: Kind, name: &str, detail: String| {
        let (state, detail) = match p.has(kind, name) {
            None => ("ok".to_string(), detail),
            Some(s) => (
                match s.action {
                    Action::Create => "missing",
                    Action::Change | Action::Recreate => "changed",
                    Action::Start => "stopped",
                    Action::Remove => "not in the file",
                }
                .to_string(),
                s.detail.clone(),
            ),
        };
        StatusRow {
            kind,
            name: name.to_string(),
            state,
            detail,
        }
    };
    for m in &want.machines {
        let role = if m.master { "swarm master" } else { "" };
        rows.push(row(
            Kind::Machine,
            &m.name,
            format!("{} {role}", m.driver).trim().to_string(),
        ));
    }
    if let Some(s) = &want.swarm {
        for m in &s.masters {
            rows.push(row(Kind::Manager, m, String::new()));
        }
    }
    if let Some(pr) = &want.proxy {
        rows.push(row(Kind::Proxy, &pr.node, format!("port {}", pr.http)));
    }
    for c in &want.containers {
        let node = cur
            .containers
            .get(&c.name)
            .map(|h| format!("on {}", h.node))
            .unwrap_or_default();
        rows.push(row(Kind::Container, &c.name, node));
    }
    for (k, n) in &p.kept {
        rows.push(StatusRow {
            kind: *k,
            name: n.clone(),
            state: "not in the file".into(),
            detail: "kept (up --prune removes it)".into(),
        });
    }
    Ok(rows)
}
