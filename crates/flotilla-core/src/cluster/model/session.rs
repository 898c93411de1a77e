//! One engine's session: connect, read `/info` and the engine's clock, subscribe to its events
//! from that clock, list (and inspect) everything, then follow the stream, with a randomised
//! periodic refresh; on any failure back off, reconnect and resync in full.
//!
//! Counting for health ([`super::health`]): a failed connection, a failed refresh and a failed
//! change (an inspect that does not answer) are failures; a stream that ends is not by itself
//! (it is re-opened at once), but a re-open that fails is. So a SIGSTOPped engine becomes
//! Unhealthy after its next refresh and `--engine-failure-retry - 1` failed reconnections, and a
//! restarted daemon is Healthy again on the first reconnection that lists it.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::ContainerInspectResponse;
use bollard::query_parameters::{
    EventsOptionsBuilder, ListContainersOptions, ListImagesOptions, ListNetworksOptions,
    ListVolumesOptions,
};
use futures_util::StreamExt;
use rand::Rng;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::ModelOptions;
use super::convert::parse_rfc3339;
use super::events::tag;
use super::node::{ContainerRecord, Facts};
use super::rules::{Change, change_of};
use super::shared::{ModelChange, Shared};
use crate::cluster::members::Member;
use crate::engine;

/// Inspections in flight per engine during a listing.
const INSPECT_CONCURRENCY: usize = 4;

/// `/info` is re-read at least this often (classic: every 5 minutes).
const FACTS_EVERY: Duration = Duration::from_secs(300);

#[derive(Debug)]
enum SessionError {
    /// The engine did not answer as it should: counts for health.
    Failed(String),
    /// The event stream ended: re-open at once.
    Ended,
}

fn failed(what: &str) -> impl FnOnce(bollard::errors::Error) -> SessionError + '_ {
    move |e| SessionError::Failed(format!("{what}: {}", crate::cluster::live::error_text(&e)))
}

fn is_404(e: &bollard::errors::Error) -> bool {
    matches!(
        e,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

pub(crate) struct Session {
    pub shared: Arc<Shared>,
    pub member: Member,
    pub opts: ModelOptions,
    pub cancel: CancellationToken,
    pub resync: watch::Receiver<u64>,
    /// The newest event passed on, so a replay after a reconnect is not sent twice.
    last_event: i64,
    /// The current connection listed the engine in full: the next failure starts the backoff
    /// from its shortest step (a node that was Healthy and dies is declared failed within its
    /// retries' shortest waits, not after waits grown by an earlier outage).
    listed: bool,
}

impl Session {
    pub fn new(
        shared: Arc<Shared>,
        member: Member,
        opts: ModelOptions,
        cancel: CancellationToken,
        resync: watch::Receiver<u64>,
    ) -> Session {
        Session {
            shared,
            member,
            opts,
            cancel,
            resync,
            last_event: 0,
            listed: false,
        }
    }

    fn name(&self) -> &str {
        &self.member.name
    }

    /// Runs until cancelled.
    pub async fn run(mut self) {
        let mut backoff = Duration::from_millis(200);
        loop {
            let started = Instant::now();
            let cancel = self.cancel.clone();
            let result = tokio::select! {
                r = self.session() => r,
                () = cancel.cancelled() => return,
            };
            let name = self.name().to_string();
            let wait = match result {
                Ok(()) => return,
                Err(SessionError::Ended) => {
                    tracing::info!("node {name}: event stream ended; reconnecting");
                    self.shared
                        .connection(&name, false, Some("the event stream ended".into()));
                    Duration::ZERO
                }
                Err(SessionError::Failed(e)) => {
                    tracing::debug!("node {name}: {e}");
                    self.shared.connection(&name, false, Some(e.clone()));
                    self.shared.health(&name, Err(e), self.opts.failure_retry);
                    if std::mem::take(&mut self.listed)
                        || started.elapsed() > Duration::from_secs(30)
                    {
                        backoff = Duration::from_millis(200);
                    }
                    let w = backoff;
                    backoff = (backoff * 2).min(self.opts.refresh_max.max(Duration::from_secs(1)));
                    // Jitter: a thousand engines lost at once do not come back in step.
                    w + w.mul_f64(rand::rng().random_range(0.0..0.5))
                }
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = self.cancel.cancelled() => return,
            }
        }
    }

    async fn timed<T>(
        &self,
        what: &str,
        f: impl std::future::Future<Output = Result<T, bollard::errors::Error>>,
    ) -> Result<T, SessionError> {
        match tokio::time::timeout(self.opts.timeout, f).await {
            Ok(r) => r.map_err(failed(what)),
            Err(_) => Err(SessionError::Failed(format!(
                "{what}: no answer within {:?}",
                self.opts.timeout
            ))),
        }
    }

    fn refresh_delay(&self) -> Duration {
        let (min, max) = (
            self.opts.refresh_min,
            self.opts.refresh_max.max(self.opts.refresh_min),
        );
        if max == min {
            return min;
        }
        min + (max - min).mul_f64(rand::rng().random_range(0.0..1.0))
    }

    async fn info(&self, docker: &mut Docker) -> Result<(Facts, f64), SessionError> {
        let shown = self.member.addr.to_string();
        let info = match tokio::time::timeout(self.opts.timeout, docker.info()).await {
            Err(_) => {
                return Err(SessionError::Failed(format!(
                    "timed out after {:?} waiting for {shown}",
                    self.opts.timeout
                )));
            }
            Ok(Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 400,
                message,
            })) if message.contains("too new") => {
                // An engine that only speaks an older API: negotiate, then ask again.
                let d = self
                    .timed(
                        "negotiating the API version",
                        docker.clone().negotiate_version(),
                    )
                    .await?;
                *docker = d;
                self.timed("info", docker.info()).await?
            }
            Ok(r) => r.map_err(failed("info"))?,
        };
        let facts = Facts::of(&info, &shown).map_err(SessionError::Failed)?;
        let clock = info
            .system_time
            .as_deref()
            .and_then(parse_rfc3339)
            .unwrap_or_else(|| super::shared::now_nano() as f64 / 1e9);
        Ok((facts, clock))
    }

    /// One connection; `Ok` only when cancelled.
    async fn session(&mut self) -> Result<(), SessionError> {
        let mut docker = engine::client(
            &self.member.addr,
            self.member.tls.as_ref(),
            self.opts.timeout,
        )
        .map_err(|e| SessionError::Failed(format!("cannot connect: {e}")))?;
        let (facts, clock) = self.info(&mut docker).await?;
        let name = self.name().to_string();
        if let Ok(mut c) = self.shared.clients.lock() {
            c.insert(name.clone(), docker.clone());
        }
        self.shared.update(&name, |n| n.facts = Some(facts));
        // Subscribe from the engine's own clock read before the listing: an event between the
        // listing and the subscription is replayed, not lost (a replayed one only re-inspects).
        let opts = EventsOptionsBuilder::new()
            .since(&format!("{:.9}", clock - 1.0))
            .build();
        let mut events = docker.events(Some(opts));
        self.resync(&docker, true).await?;
        self.shared.connection(&name, true, None);
        self.shared.health(&name, Ok(()), self.opts.failure_retry);
        self.listed = true;
        let mut facts_at = Instant::now();
        let mut next = tokio::time::Instant::now() + self.refresh_delay();
        loop {
            tokio::select! {
                ev = events.next() => {
                    let ev = match ev {
                        None => return Err(SessionError::Ended),
                        Some(Err(e)) => return Err(SessionError::Failed(format!("event stream: {e}"))),
                        Some(Ok(ev)) => ev,
                    };
                    let t = ev.time_nano.or_else(|| ev.time.map(|t| t * 1_000_000_000)).unwrap_or(0);
                    if t > self.last_event {
                        self.last_event = t;
                        self.shared.publish(tag(&ev, &self.member));
                    }
                    self.apply(&docker, change_of(&ev)).await?;
                }
                () = tokio::time::sleep_until(next) => {
                    if facts_at.elapsed() >= FACTS_EVERY {
                        let (facts, _) = self.info(&mut docker).await?;
                        let same = self
                            .shared
                            .read()
                            .nodes
                            .get(&name)
                            .is_some_and(|n| n.facts.as_ref() == Some(&facts));
                        if !same {
                            self.shared.update(&name, |n| n.facts = Some(facts));
                        }
                        facts_at = Instant::now();
                    }
                    self.resync(&docker, false).await?;
                    self.shared.health(&name, Ok(()), self.opts.failure_retry);
                    next = tokio::time::Instant::now() + self.refresh_delay();
                }
                r = self.resync.changed() => {
                    if r.is_ok() {
                        self.resync(&docker, true).await?;
                    }
                }
            }
        }
    }

    /// What one event asks for: at most one request to this engine.
    async fn apply(&self, docker: &Docker, change: Change) -> Result<(), SessionError> {
        let name = self.name();
        match change {
            Change::None => {}
            Change::Container(id) => {
                let got =
                    tokio::time::timeout(self.opts.timeout, docker.inspect_container(&id, None))
                        .await;
                match got {
                    Ok(Ok(c)) => self.put(vec![c]),
                    Ok(Err(e)) if is_404(&e) => self.drop_container(&id),
                    Ok(Err(e)) => return Err(failed("inspect")(e)),
                    Err(_) => return Err(SessionError::Failed("inspect: no answer".into())),
                }
            }
            Change::Removed(id) => self.drop_container(&id),
            Change::Images => {
                let images = self
                    .timed(
                        "list images",
                        docker.list_images(Some(ListImagesOptions::default())),
                    )
                    .await?;
                self.shared.update(name, |n| n.images = Arc::new(images));
            }
            Change::Networks => {
                let nets = self
                    .timed(
                        "list networks",
                        docker.list_networks(None::<ListNetworksOptions>),
                    )
                    .await?;
                self.shared.update(name, |n| n.networks = Arc::new(nets));
            }
            Change::Volumes => {
                let vols = self
                    .timed(
                        "list volumes",
                        docker.list_volumes(None::<ListVolumesOptions>),
                    )
                    .await?;
                self.shared.update(name, |n| {
                    n.volumes = Arc::new(vols.volumes.unwrap_or_default())
                });
            }
            Change::Info => {
                let mut d = docker.clone();
                let (facts, _) = self.info(&mut d).await?;
                self.shared.update(name, |n| n.facts = Some(facts));
            }
        }
        Ok(())
    }

    fn put(&self, inspected: Vec<ContainerInspectResponse>) {
        let ids: Vec<String> = inspected.iter().filter_map(|c| c.id.clone()).collect();
        let ip = self.member.addr.host().unwrap_or_default().to_string();
        self.shared.update(self.name(), |n| {
            for c in inspected {
                let record = ContainerRecord::of(c, &self.member.name, &ip);
                n.containers
                    .insert(record.id().to_string(), Arc::new(record));
            }
        });
        self.shared.notify(ModelChange::Containers {
            node: self.name().to_string(),
            ids,
            resync: false,
        });
    }

    fn drop_container(&self, id: &str) {
        let mut had = false;
        self.shared
            .update(self.name(), |n| had = n.containers.remove(id).is_some());
        if had {
            self.shared.notify(ModelChange::Containers {
                node: self.name().to_string(),
                ids: vec![id.to_string()],
                resync: false,
            });
        }
    }

    /// Lists the engine; inspects every container (`full`) or only those that are new or whose
    /// state or name changed since they were inspected; then images, networks and volumes.
    async fn resync(&self, docker: &Docker, full: bool) -> Result<(), SessionError> {
        let list = self
            .timed(
                "list containers",
                docker.list_containers(Some(ListContainersOptions {
                    all: true,
                    ..Default::default()
                })),
            )
            .await?;
        let known = self
            .shared
            .read()
            .nodes
            .get(self.name())
            .map(|n| n.containers.clone())
            .unwrap_or_default();
        let mut todo = Vec::new();
        let mut keep: BTreeMap<String, Arc<ContainerRecord>> = BTreeMap::new();
        for s in &list {
            let Some(id) = s.id.clone() else { continue };
            let state = s.state.map(|x| x.to_string()).unwrap_or_default();
            let name = crate::cluster::live::container_from_summary(s).name;
            match known.get(&id) {
                Some(k)
                    if !full
                        && k.container.state == state
                        && k.name() == name.trim_start_matches('/') =>
                {
                    keep.insert(id, k.clone());
                }
                _ => todo.push(id),
            }
        }
        let timeout = self.opts.timeout;
        let inspected: Vec<Result<Option<ContainerInspectResponse>, SessionError>> =
            futures_util::stream::iter(todo.into_iter().map(|id| {
                let docker = docker.clone();
                async move {
                    match tokio::time::timeout(timeout, docker.inspect_container(&id, None)).await {
                        Ok(Ok(c)) => Ok(Some(c)),
                        // Removed since the listing: gone, not an error.
                        Ok(Err(e)) if is_404(&e) => Ok(None),
                        Ok(Err(e)) => Err(failed("inspect")(e)),
                        Err(_) => Err(SessionError::Failed("inspect: no answer".into())),
                    }
                }
            }))
            .buffered(INSPECT_CONCURRENCY)
            .collect()
            .await;
        let ip = self.member.addr.host().unwrap_or_default().to_string();
        for c in inspected {
            if let Some(c) = c? {
                let r = ContainerRecord::of(c, &self.member.name, &ip);
                keep.insert(r.id().to_string(), Arc::new(r));
            }
        }
        let images = self
            .timed(
                "list images",
                docker.list_images(Some(ListImagesOptions::default())),
            )
            .await?;
        let networks = self
            .timed(
                "list networks",
                docker.list_networks(None::<ListNetworksOptions>),
            )
            .await?;
        let volumes = self
            .timed(
                "list volumes",
                docker.list_volumes(None::<ListVolumesOptions>),
            )
            .await?;
        let volumes = volumes.volumes.unwrap_or_default();
        // A periodic resync that found what the model holds changes nothing: readers that keep
        // what they derived until the model moves (`/info`) keep it. A full one (after a
        // reconnect) is always announced.
        let same = !full
            && self.shared.read().nodes.get(self.name()).is_some_and(|n| {
                n.containers.len() == keep.len()
                    && keep
                        .iter()
                        .all(|(k, v)| n.containers.get(k).is_some_and(|o| Arc::ptr_eq(o, v)))
                    && *n.images == images
                    && *n.networks == networks
                    && *n.volumes == volumes
            });
        if same {
            return Ok(());
        }
        let mut changed: Vec<String> = Vec::new();
        self.shared.update(self.name(), |n| {
            let old = std::mem::take(&mut n.containers);
            let seen: HashMap<&String, ()> = keep.keys().map(|k| (k, ())).collect();
            changed.extend(old.keys().filter(|k| !seen.contains_key(k)).cloned());
            changed.extend(
                keep.iter()
                    .filter(|(k, v)| old.get(*k).is_none_or(|o| !Arc::ptr_eq(o, v)))
                    .map(|(k, _)| k.clone()),
            );
            n.containers = keep;
            n.images = Arc::new(images);
            n.networks = Arc::new(networks);
            n.volumes = Arc::new(volumes);
        });
        self.shared.notify(ModelChange::Containers {
            node: self.name().to_string(),
            ids: changed,
            resync: true,
        });
        Ok(())
    }
}
