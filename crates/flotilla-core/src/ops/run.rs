//! `run`: place a container on a swarm and create + start it there.
//!
//! Under the swarm's decision lock ([`crate::cluster::pending`]): fetch the
//! live state, add the pending containers of other runs, check the name,
//! decide, record this container as pending. Then, unlocked: create on the
//! chosen engine (pulling the image when it is missing), start, and drop the
//! pending entry. `--dry-run` and `--explain` stop after the decision and
//! take no lock.

use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::query_parameters::{
    AttachContainerOptions, CreateContainerOptions, CreateImageOptions, RemoveContainerOptions,
    WaitContainerOptions,
};
use futures_util::StreamExt;
use rand::RngCore;

use crate::cluster::live::{self, Detail, Live};
use crate::cluster::members::{self, ClusterError};
use crate::cluster::model::Model;
use crate::cluster::pending::{self, DecisionLock, LABEL_SWARM_ID, PendingError};
use crate::cluster::state::ClusterState;
use crate::ops::run_spec::{Spec, SpecError};
use crate::scheduler::{
    self, Decision, Explanation, Options, PlanResult, Prepared, ScheduleError, planned_container,
};
use crate::store::Store;

/// Why a container could not be placed, created or started.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The swarm could not be chosen (none, several without `--swarm`, unknown, empty).
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    /// The container's configuration cannot be turned into a scheduling request.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A malformed constraint or affinity, or no node fits.
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    /// A container of the swarm already has this name; classic Swarm's message, word for word.
    #[error(
        "Conflict: The name {0} is already assigned. You have to delete (or rename) that container to be able to assign {0} to a container again."
    )]
    NameConflict(String),
    /// The swarm's decision lock or its pending entries could not be used.
    #[error(transparent)]
    Pending(#[from] PendingError),
    /// The chosen engine refused or did not answer; nothing was retried elsewhere.
    #[error("node {node}: {step}: {message}")]
    Engine {
        /// The chosen node.
        node: String,
        /// The call that failed: `connect`, `create`, `attach`, `start`, `wait` or `remove`.
        step: &'static str,
        /// The engine's message.
        message: String,
    },
    /// The image was missing on the chosen node and pulling it failed.
    #[error("node {node}: cannot pull image {image}: {message}")]
    Pull {
        /// The chosen node.
        node: String,
        /// The image as the request names it.
        image: String,
        /// The engine's or the registry's message.
        message: String,
    },
}

/// What `run` should do after deciding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Decide under the decision lock, then create (and with `start`, start) the container.
    Create,
    /// `--dry-run`: only say which node would be chosen (other runs' pending containers
    /// count); nothing is created and the lock is held only to read the pending entries.
    DryRun,
    /// `--explain`: as [`Mode::DryRun`], with the scheduler's verdict on each node, pass by pass.
    Explain,
}

/// How `run` reaches the swarm and what it does there.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// `--swarm`, or the only swarm.
    pub selector: Option<String>,
    /// The bound on each engine's answer while the swarm's state is fetched.
    pub timeout: Duration,
    /// How long a pending entry counts if this process hangs.
    pub pending_ttl: Duration,
    /// Create, or only decide.
    pub mode: Mode,
    /// Start the container once created (`run`); the manager's `create` leaves it created, as
    /// the Engine API does, and the client starts it with a second call.
    pub start: bool,
    /// The size (columns, rows) a new TTY starts with: the caller's terminal, when it has one.
    pub console_size: Option<(u16, u16)>,
}

/// Told while a run proceeds.
pub trait RunProgress {
    /// A pull status line (`Downloading`, …) for an image on a node.
    fn pull(&self, node: &str, image: &str, status: &str);
    /// The pull is over.
    fn pulled(&self, node: &str, image: &str);
}

/// A container created on its node (and started, with [`RunOptions::start`]).
pub struct Started {
    /// The container's ID, as its engine gave it.
    pub id: String,
    /// The node it was placed on.
    pub node: String,
    /// A client of that node's engine (bounded by [`CREATE_TIMEOUT`] per call), for the
    /// caller's streams and [`wait_exit`].
    pub docker: Docker,
    /// The attached streams when not detached.
    pub attached: Option<bollard::container::AttachContainerResults>,
    /// `--rm`: pass it to [`wait_exit`], which removes the container once it stops.
    pub remove_after: bool,
    /// `-i`: forward our stdin.
    pub interactive: bool,
    /// `-t`: the container has a TTY; ours goes raw and lends it its size.
    pub tty: bool,
    /// Milliseconds spent before the engine's create call (lock, fetch,
    /// decision, pending entry), for `--debug` and the benchmark.
    pub overhead_ms: u128,
}

/// What [`run`] did, by [`Mode`].
pub enum RunOutcome {
    /// The node that would be chosen, or why none would.
    DryRun(PlanResult),
    /// The scheduler's reasoning; a taken name clears its decision and becomes its error.
    Explain(Box<Explanation>),
    /// The container exists on its node (and runs, with [`RunOptions::start`]).
    Started(Box<Started>),
}

fn swarm_id() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn engine_err(node: &str, step: &'static str, e: &bollard::errors::Error) -> RunError {
    let message = match e {
        bollard::errors::Error::DockerResponseServerError { message, .. } => message.clone(),
        e => e.to_string(),
    };
    RunError::Engine {
        node: node.to_string(),
        step,
        message,
    }
}

fn name_taken(state: &ClusterState, name: &str) -> bool {
    !name.is_empty()
        && state
            .nodes
            .iter()
            .flat_map(|n| &n.containers)
            .any(|c| c.name.trim_start_matches('/') == name)
}

fn options_for(live: &Live) -> Options {
    Options::from_state(&live.state)
}

/// Decides on a state that already holds the pending containers.
fn decide(state: &ClusterState, prepared: &Prepared, opts: &Options) -> Result<Decision, RunError> {
    if name_taken(state, &prepared.name) {
        return Err(RunError::NameConflict(prepared.name.clone()));
    }
    Ok(scheduler::schedule_prepared(state, prepared, opts)?)
}

/// Runs a container on the swarm (or only decides, for the dry modes).
pub async fn run(
    store: &Store,
    spec: &Spec,
    opts: &RunOptions,
    progress: &(dyn RunProgress + Sync),
) -> Result<RunOutcome, RunError> {
    let started = Instant::now();
    let mut spec = spec.clone();
    let id = swarm_id();
    spec.body
        .labels
        .get_or_insert_with(Default::default)
        .entry(LABEL_SWARM_ID.to_string())
        .or_insert_with(|| id.clone());
    let request = spec.request()?;
    // Malformed rules fail here, before any engine is contacted.
    let prepared = request.prepare().map_err(ScheduleError::from)?;
    let swarm_id = prepared.labels.get(LABEL_SWARM_ID).cloned().unwrap_or(id);

    let (swarm, members) = members::resolve(store, opts.selector.as_deref()).await?;
    if opts.mode != Mode::Create {
        let mut live = live::fetch_members(
            store,
            swarm.clone(),
            members.clone(),
            opts.timeout,
            Detail::Full,
        )
        .await;
        // A snapshot is enough to answer "where would it go": the lock is
        // held only to read the entries.
        let lock = DecisionLock::acquire(store, &live.swarm.discovery).await?;
        let entries = lock.pending();
        lock.release();
        pending::apply(&mut live.state, &entries);
        let sopts = options_for(&live);
        return Ok(match opts.mode {
            Mode::Explain => {
                let mut e = scheduler::explain(&live.state, &request, &sopts)?;
                if name_taken(&live.state, &prepared.name) {
                    e.decision = None;
                    e.error = Some(RunError::NameConflict(prepared.name.clone()).to_string());
                }
                RunOutcome::Explain(Box::new(e))
            }
            _ => {
                let name = prepared.name.clone();
                RunOutcome::DryRun(match decide(&live.state, &prepared, &sopts) {
                    Ok(d) => PlanResult {
                        name,
                        node: Some(d.node),
                        candidates: d.candidates,
                        error: None,
                    },
                    Err(e) => PlanResult {
                        name,
                        node: None,
                        candidates: Vec::new(),
                        error: Some(e.to_string()),
                    },
                })
            }
        });
    }

    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "resolved the swarm"
    );
    let lock = DecisionLock::acquire(store, &swarm.discovery).await?;
    tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, "locked");
    let mut live = live::fetch_members(
        store,
        swarm.clone(),
        members.clone(),
        opts.timeout,
        Detail::Full,
    )
    .await;
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "fetched the state"
    );
    pending::apply(&mut live.state, &lock.pending());
    let decision = decide(&live.state, &prepared, &options_for(&live))?;
    lock.record(
        &swarm_id,
        &decision.node,
        planned_container(&prepared),
        opts.pending_ttl,
    )?;
    lock.release();
    let overhead_ms = started.elapsed().as_millis();
    tracing::debug!(node = %decision.node, overhead_ms, "decided");

    let node = decision.node.clone();
    let docker = live
        .client(&node)
        .cloned()
        .ok_or_else(|| RunError::Engine {
            node: node.to_string(),
            step: "connect",
            message: "no connection to the engine".into(),
        })?;
    let result = create_and_start(
        docker,
        &node,
        &spec,
        &prepared,
        opts.start,
        opts.console_size,
        progress,
    )
    .await;
    // The container exists now (it carries the swarm ID: settled, it keeps counting for a
    // manager's model until that model sees it) or never will (removed).
    let cleanup = match &result {
        Ok(_) => pending::settle(store, &swarm.discovery, &swarm_id).await,
        Err(_) => pending::remove(store, &swarm.discovery, &swarm_id).await,
    };
    let (id, docker, attached) = result?;
    if let Err(e) = cleanup {
        tracing::warn!("cannot remove the pending entry: {e}");
    }
    Ok(RunOutcome::Started(Box::new(Started {
        id,
        node,
        docker,
        attached,
        remove_after: spec.remove_after,
        interactive: spec.body.open_stdin == Some(true),
        tty: spec.body.tty == Some(true),
        overhead_ms,
    })))
}

/// The manager's create: decided on the model's kept snapshot (no engine asked), under the same
/// decision lock and pending entries as `flotilla run`, then created (not started) on the
/// chosen engine through the model's connection. The new container is put in the model at once
/// (one inspect), so the calls that follow (`start`, `attach`) and the next decision see it
/// before its engine's event arrives.
pub async fn create_on_model(
    store: &Store,
    model: &Model,
    spec: &Spec,
    pending_ttl: std::time::Duration,
    progress: &(dyn RunProgress + Sync),
) -> Result<(String, String), RunError> {
    let started = Instant::now();
    let mut spec = spec.clone();
    let id = swarm_id();
    spec.body
        .labels
        .get_or_insert_with(Default::default)
        .entry(LABEL_SWARM_ID.to_string())
        .or_insert_with(|| id.clone());
    let request = spec.request()?;
    let prepared = request.prepare().map_err(ScheduleError::from)?;
    let swarm_id = prepared.labels.get(LABEL_SWARM_ID).cloned().unwrap_or(id);
    let discovery = model.swarm().discovery.clone();
    let lock = DecisionLock::acquire(store, &discovery).await?;
    let entries = lock.pending();
    let decision = decide_on_model(model, &entries, &prepared, None)?;
    lock.record(
        &swarm_id,
        &decision.node,
        planned_container(&prepared),
        pending_ttl,
    )?;
    lock.release();
    tracing::debug!(node = %decision.node, overhead_ms = started.elapsed().as_millis() as u64, "decided on the model");
    let node = decision.node;
    let docker = model.client(&node).ok_or_else(|| RunError::Engine {
        node: node.clone(),
        step: "connect",
        message: "no connection to the engine".into(),
    })?;
    let result = create_and_start(
        docker.clone(),
        &node,
        &spec,
        &prepared,
        false,
        None,
        progress,
    )
    .await;
    if let Ok((id, _, _)) = &result
        && let Ok(inspect) = docker.inspect_container(id, None).await
    {
        model.put_container(&node, inspect);
    }
    // Settled (or removed) after the answer: until then the entry counts as pending, which is
    // as safe, and the client does not wait for a second turn of the lock.
    let (store, ok) = (store.clone(), result.is_ok());
    tokio::spawn(async move {
        let done = if ok {
            pending::settle(&store, &discovery, &swarm_id).await
        } else {
            pending::remove(&store, &discovery, &swarm_id).await
        };
        if let Err(e) = done {
            tracing::warn!("cannot settle the pending entry: {e}");
        }
    });
    let (id, _, _) = result?;
    Ok((id, node))
}

/// Decides on the model's kept snapshot under the decision lock: the other deciders' pending
/// containers that the model does not hold yet count while deciding and are taken out again (the
/// snapshot keeps only what the engines reported). The name must be free on every node but
/// `ignore` (a rescheduled container's old node, whose copy is the same container).
pub(crate) fn decide_on_model(
    model: &Model,
    entries: &[pending::PendingEntry],
    prepared: &Prepared,
    ignore: Option<&str>,
) -> Result<Decision, RunError> {
    model.with_snapshot(|snap| {
        // Other deciders' containers that the model does not hold yet count while deciding,
        // and are taken out again: the snapshot keeps only what the engines reported.
        let mut touched = Vec::new();
        // An entry this process settled stands for a container this model was given at once
        // (`put_container` after the create): when the model no longer holds it, it was
        // removed, and counting it again would block its name (compose `down` then `up`).
        let me = std::process::id();
        let unseen: Vec<&pending::PendingEntry> = entries
            .iter()
            .filter(|e| !(snap.has_id(&e.swarm_id) || (e.settled && e.pid == me)))
            .collect();
        for e in unseen {
            if let Some(i) = snap.state().nodes.iter().position(|n| n.name == e.node) {
                let mut c = e.container.clone();
                c.id.clear();
                snap.upsert_container(i, c);
                touched.push(i);
            }
        }
        let taken = match ignore {
            None => !prepared.name.is_empty() && snap.has_name(&prepared.name),
            Some(node) => {
                !prepared.name.is_empty()
                    && snap
                        .state()
                        .nodes
                        .iter()
                        .filter(|n| n.name != node)
                        .flat_map(|n| &n.containers)
                        .any(|c| c.name.trim_start_matches('/') == prepared.name)
            }
        };
        let result = if taken {
            Err(RunError::NameConflict(prepared.name.clone()))
        } else {
            snap.schedule_prepared(prepared, &Options::from_state(snap.state()))
                .map_err(RunError::from)
        };
        touched.sort_unstable();
        touched.dedup();
        for i in touched {
            snap.remove_container(i, "");
        }
        result
    })
}

fn is_missing_image(e: &bollard::errors::Error) -> bool {
    matches!(e, bollard::errors::Error::DockerResponseServerError { status_code: 404, message } if message.contains("image") || message.contains("No such"))
}

async fn pull(
    docker: &Docker,
    node: &str,
    image: &str,
    progress: &(dyn RunProgress + Sync),
) -> Result<(), RunError> {
    let (repo, tag) = split_tag(image);
    let opts = CreateImageOptions {
        from_image: Some(repo.to_string()),
        tag: Some(tag.to_string()),
        ..Default::default()
    };
    let puller = docker.clone().with_timeout(PULL_TIMEOUT);
    let mut stream = puller.create_image(Some(opts), None, None);
    let fail = |message: String| RunError::Pull {
        node: node.to_string(),
        image: image.to_string(),
        message,
    };
    while let Some(item) = stream.next().await {
        match item {
            Ok(info) => {
                if let Some(e) = info.error_detail.and_then(|d| d.message) {
                    progress.pulled(node, image);
                    return Err(fail(e));
                }
                if let Some(s) = info.status {
                    let detail = info
                        .progress_detail
                        .and_then(|d| Some((d.current?, d.total?)))
                        .filter(|(_, t)| *t > 0)
                        .map(|(c, t)| format!(" {}%", c * 100 / t))
                        .unwrap_or_default();
                    let line = match info.id {
                        Some(id) => format!("{id}: {s}{detail}"),
                        None => s,
                    };
                    progress.pull(node, image, &line);
                }
            }
            Err(e) => {
                progress.pulled(node, image);
                let message = match e {
                    bollard::errors::Error::DockerResponseServerError { message, .. } => message,
                    bollard::errors::Error::DockerStreamError { error } => error,
                    e => e.to_string(),
                };
                return Err(fail(message));
            }
        }
    }
    progress.pulled(node, image);
    Ok(())
}

/// `repo[:tag]` → (repo, tag), `latest` by default; a digest stays whole.
fn split_tag(image: &str) -> (&str, &str) {
    if image.contains('@') {
        return (image, "");
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        Some((_, tag)) => (&image[..image.len() - tag.len() - 1], tag),
        None => (image, "latest"),
    }
}

/// How long an engine may take to answer a create, an attach or a start. Longer than the
/// per-engine timeout of listings and health checks (`--timeout`): an engine looks up a volume or
/// network plugin before it answers a create (dockerd retries a missing plugin for 15 s).
pub const CREATE_TIMEOUT: Duration = Duration::from_secs(120);

/// How long an engine may take to begin answering a pull: it resolves and reaches the registry
/// (and authenticates) before its first progress line. The pull itself has no bound.
pub const PULL_TIMEOUT: Duration = Duration::from_secs(300);

pub(crate) type Created = (
    String,
    Docker,
    Option<bollard::container::AttachContainerResults>,
);

pub(crate) async fn create_and_start(
    docker: Docker,
    node: &str,
    spec: &Spec,
    prepared: &Prepared,
    start: bool,
    console_size: Option<(u16, u16)>,
    progress: &(dyn RunProgress + Sync),
) -> Result<Created, RunError> {
    // The client's timeout is the per-engine one, for listings: per operation here.
    let docker = docker.with_timeout(CREATE_TIMEOUT);
    let mut body = spec.body.clone();
    // What the engine gets: env without the rules, labels with them.
    body.env = (!prepared.env.is_empty()).then(|| prepared.env.clone());
    body.labels = Some(prepared.labels.clone().into_iter().collect());
    // A TTY starts with our terminal's size (API 1.42+; older engines ignore it), so a program
    // that asks for its size at once does not see 0x0 before the first resize arrives.
    if spec.body.tty == Some(true)
        && !spec.detach
        && let Some((w, h)) = console_size
    {
        body.host_config
            .get_or_insert_with(Default::default)
            .console_size = Some(vec![usize::from(h), usize::from(w)]);
    }
    let copts = || {
        (!spec.name.is_empty()).then(|| CreateContainerOptions {
            name: Some(spec.name.clone()),
            ..Default::default()
        })
    };
    let created = match docker.create_container(copts(), body.clone()).await {
        Ok(c) => c,
        Err(e) if is_missing_image(&e) => {
            pull(&docker, node, &prepared.image, progress).await?;
            docker
                .create_container(copts(), body)
                .await
                .map_err(|e| engine_err(node, "create", &e))?
        }
        Err(e) => return Err(engine_err(node, "create", &e)),
    };
    let id = created.id;
    let attached = if spec.detach {
        None
    } else {
        let interactive = spec.body.open_stdin == Some(true);
        let a = docker
            .attach_container(
                &id,
                Some(AttachContainerOptions {
                    stream: true,
                    stdin: interactive,
                    stdout: true,
                    stderr: true,
                    ..Default::default()
                }),
            )
            .await
            .map_err(|e| engine_err(node, "attach", &e))?;
        Some(a)
    };
    if start && let Err(e) = docker.start_container(&id, None).await {
        return Err(engine_err(node, "start", &e));
    }
    Ok((id, docker, attached))
}

/// Waits for a started container to stop and returns its exit code; removes it afterwards
/// for a foreground `--rm`. The caller has copied its streams (the terminal session is the
/// binary's business).
pub async fn wait_exit(
    docker: &Docker,
    node: &str,
    id: &str,
    remove_after: bool,
) -> Result<i64, RunError> {
    let mut wait = docker.wait_container(
        id,
        Some(WaitContainerOptions {
            condition: "not-running".into(),
        }),
    );
    let code = match wait.next().await {
        Some(Ok(r)) => r.status_code,
        Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => code,
        Some(Err(e)) => return Err(engine_err(node, "wait", &e)),
        None => 0,
    };
    if remove_after {
        docker
            .remove_container(
                id,
                Some(RemoveContainerOptions {
                    force: true,
                    ..Default::default()
                }),
            )
            .await
            .map_err(|e| engine_err(node, "remove", &e))?;
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        assert_eq!(split_tag("redis"), ("redis", "latest"));
        assert_eq!(split_tag("redis:7"), ("redis", "7"));
        assert_eq!(split_tag("host:5000/x"), ("host:5000/x", "latest"));
        assert_eq!(split_tag("host:5000/x:1"), ("host:5000/x", "1"));
    }

    #[test]
    fn swarm_ids_are_64_hex() {
        let a = swarm_id();
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, swarm_id());
    }
}
