//! The token service (`flotilla discovery serve`): Docker Hub's discovery
//! API, self-hosted.
//!
//! | request | answer |
//! |---|---|
//! | `POST /v1/clusters` | `200` a new token (text) |
//! | `POST /v1/clusters/TOKEN?ttl=SECONDS`, body `host:port` | `200 OK`; without `ttl` the entry stays until deleted |
//! | `GET /v1/clusters/TOKEN` | `200` JSON array of `host:port` |
//! | `DELETE /v1/clusters/TOKEN` | `200 OK`, the cluster is gone |
//! | `DELETE /v1/clusters/TOKEN/ADDR` | `200 OK`, one member is gone (flotilla's extension) |
//! | `GET /health` | `200` `{"status":"ok","clusters":N,"members":M}` |
//!
//! The same routes answer without the `/v1` prefix, so both
//! `token://HOST/v1/TOKEN` (classic tooling) and `token://HOST/TOKEN` work.
//! Unknown tokens are `404`, malformed input `400`, bodies over 1 KiB `413`.
//!
//! **Durability.** Membership lives in memory and in `DATA/clusters/TOKEN.json`.
//! A new token, a permanent member (no `ttl`, what `create --swarm`
//! registers) and every removal are answered only after the cluster file is
//! written and fsynced. A TTL member is soft state its agent re-sends every
//! heartbeat, so its first registration is written behind (the writer runs
//! at once, without the request waiting on the fsync) and a plain heartbeat,
//! which only moves an expiry, stays in memory: a crash can forget at most
//! the TTL joins of the last write round, and their agents put them back at
//! their next heartbeat. Writes are group-committed by one writer task, so a
//! burst costs one write per cluster, not one per request. On restart every
//! TTL member that was live at the last write gets one full TTL from the
//! restart (see `Cluster::after_restart`), so a restart loses neither
//! tokens nor members. SIGTERM/SIGINT stop accepting,
//! finish requests in flight and write everything once more.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

use super::addr::{self, Addr};
use super::registry::{self, Cluster};

/// Bodies are one address; anything bigger is not a registration.
pub const MAX_BODY: usize = 1024;
/// A bound on the number of clusters one service keeps.
pub const MAX_CLUSTERS: usize = 100_000;
/// The longest TTL accepted (a year); longer is a typo.
pub const MAX_TTL_S: u64 = 365 * 24 * 3600;
/// How long a changing request waits for its write before answering 503.
const PERSIST_WAIT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot use data directory {path}: {message}")]
    Data { path: PathBuf, message: String },
    #[error("data directory {0} is in use by another token service")]
    Locked(PathBuf),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("TLS: {0}")]
    Tls(String),
    #[error("the server failed: {0}")]
    Serve(std::io::Error),
}

pub struct ServeOptions {
    pub addr: String,
    pub data: PathBuf,
    /// Certificate chain and key (PEM) to serve HTTPS.
    pub tls: Option<(PathBuf, PathBuf)>,
}

struct Inner {
    clusters: HashMap<String, Cluster>,
    dirty: HashSet<String>,
    generation: u64,
}

struct AppState {
    inner: Mutex<Inner>,
    kick: Notify,
    committed: watch::Sender<u64>,
    last_error: Mutex<Option<String>>,
    data: PathBuf,
}

impl AppState {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A poisoned lock means a handler panicked mid-update; the data is
        // still the best we have.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Marks `token` dirty and returns the generation to wait for.
    fn touch(inner: &mut Inner, token: &str) -> u64 {
        inner.dirty.insert(token.to_string());
        inner.generation += 1;
        inner.generation
    }

    /// Waits until `generation` is on disk; `Some` is the error answer.
    async fn persisted(&self, generation: u64) -> Option<Response> {
        self.kick.notify_one();
        let mut rx = self.committed.subscribe();
        match tokio::time::timeout(PERSIST_WAIT, rx.wait_for(|c| *c >= generation)).await {
            Ok(Ok(_)) => None,
            _ => {
                let why = self
                    .last_error
                    .lock()
                    .map(|e| e.clone())
                    .unwrap_or_default()
                    .unwrap_or_else(|| "the write did not finish in time".into());
                Some(text(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!("cannot persist the change: {why}"),
                ))
            }
        }
    }
}

fn text(status: StatusCode, body: impl Into<String>) -> Response {
    let mut b = body.into();
    if !status.is_success() {
        b.push('\n');
    }
    (status, b).into_response()
}

fn clusters_dir(data: &Path) -> PathBuf {
    data.join("clusters")
}

fn cluster_path(data: &Path, token: &str) -> PathBuf {
    clusters_dir(data).join(format!("{token}.json"))
}

/// Reads every cluster file. A corrupt file stops the start: silently
/// dropping a cluster is the one thing a token service must not do.
fn load(data: &Path) -> Result<HashMap<String, Cluster>, ServerError> {
    let dir = clusters_dir(data);
    let derr = |message: String| ServerError::Data {
        path: dir.clone(),
        message,
    };
    crate::store::create_private_dir_all(&dir).map_err(|e| derr(e.to_string()))?;
    let now = registry::now_ms();
    let mut out = HashMap::new();
    for entry in std::fs::read_dir(&dir).map_err(|e| derr(e.to_string()))? {
        let entry = entry.map_err(|e| derr(e.to_string()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(token) = name.strip_suffix(".json") else {
            continue;
        };
        if !addr::valid_token(token) {
            continue;
        }
        let p = entry.path();
        let bytes = std::fs::read(&p).map_err(|e| derr(format!("{}: {e}", p.display())))?;
        let mut c: Cluster = serde_json::from_slice(&bytes)
            .map_err(|e| derr(format!("corrupt cluster file {}: {e}", p.display())))?;
        c.token = token.to_string();
        c.after_restart(now);
        out.insert(token.to_string(), c);
    }
    Ok(out)
}

fn write_cluster(data: &Path, token: &str, c: Option<&Cluster>) -> std::io::Result<()> {
    let p = cluster_path(data, token);
    match c {
        Some(c) => {
            let mut c = c.clone();
            c.saved_ms = registry::now_ms();
            let mut json = serde_json::to_vec(&c).map_err(std::io::Error::other)?;
            json.push(b'\n');
            crate::store::write_atomic(&p, &json, 0o600)
        }
        None => match std::fs::remove_file(&p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        },
    }
}

/// The one writer: takes everything dirty, writes it, publishes the
/// generation it covered.
async fn writer(state: Arc<AppState>) {
    loop {
        state.kick.notified().await;
        loop {
            let (generation, batch) = {
                let mut inner = state.lock();
                if inner.dirty.is_empty() {
                    break;
                }
                let tokens: Vec<String> = inner.dirty.drain().collect();
                let batch: Vec<(String, Option<Cluster>)> = tokens
                    .into_iter()
                    .map(|t| {
                        let c = inner.clusters.get(&t).cloned();
                        (t, c)
                    })
                    .collect();
                (inner.generation, batch)
            };
            let data = state.data.clone();
            let tokens: Vec<String> = batch.iter().map(|(t, _)| t.clone()).collect();
            let res = tokio::task::spawn_blocking(move || {
                for (t, c) in &batch {
                    write_cluster(&data, t, c.as_ref())?;
                }
                Ok::<(), std::io::Error>(())
            })
            .await
            .map_err(std::io::Error::other)
            .and_then(|r| r);
            match res {
                Ok(()) => {
                    if let Ok(mut e) = state.last_error.lock() {
                        *e = None;
                    }
                    state.committed.send_replace(generation);
                }
                Err(e) => {
                    tracing::error!("cannot write cluster files: {e}");
                    if let Ok(mut le) = state.last_error.lock() {
                        *le = Some(e.to_string());
                    }
                    state.lock().dirty.extend(tokens);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
    }
}

/// Drops expired members once a second, so files and memory do not keep
/// agents that are gone.
async fn sweeper(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        let now = registry::now_ms();
        let mut changed = false;
        {
            let mut inner = state.lock();
            let expired: Vec<String> = inner
                .clusters
                .iter_mut()
                .filter_map(|(t, c)| c.sweep(now).then(|| t.clone()))
                .collect();
            for t in expired {
                AppState::touch(&mut inner, &t);
                changed = true;
            }
        }
        if changed {
            state.kick.notify_one();
        }
    }
}

/// `Some` is the error answer for a malformed token.
fn check_token(token: &str) -> Option<Response> {
    if addr::valid_token(token) {
        None
    } else {
        Some(text(
            StatusCode::BAD_REQUEST,
            "invalid token: expected 32 lowercase hexadecimal characters",
        ))
    }
}

fn unknown(token: &str) -> Response {
    text(StatusCode::NOT_FOUND, format!("unknown token {token}"))
}

async fn create_cluster(State(s): State<Arc<AppState>>) -> Response {
    let token = addr::new_token();
    let generation = {
        let mut inner = s.lock();
        if inner.clusters.len() >= MAX_CLUSTERS {
            return text(StatusCode::INSUFFICIENT_STORAGE, "too many clusters");
        }
        inner
            .clusters
            .insert(token.clone(), Cluster::new(&token, registry::now_ms()));
        AppState::touch(&mut inner, &token)
    };
    s.persisted(generation)
        .await
        .unwrap_or_else(|| text(StatusCode::OK, token))
}

async fn register(
    State(s): State<Arc<AppState>>,
    UrlPath(token): UrlPath<String>,
    Query(q): Query<HashMap<String, String>>,
    body: String,
) -> Response {
    if let Some(r) = check_token(&token) {
        return r;
    }
    let ttl = match q.get("ttl") {
        None => None,
        Some(v) => match v.parse::<u64>() {
            Ok(n) if (1..=MAX_TTL_S).contains(&n) => Some(Duration::from_secs(n)),
            _ => {
                return text(
                    StatusCode::BAD_REQUEST,
                    format!("invalid ttl {v:?}: expected whole seconds from 1 to {MAX_TTL_S}"),
                );
            }
        },
    };
    let a: Addr = match body.trim().parse() {
        Ok(a) => a,
        Err(e) => return text(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let generation = {
        let mut inner = s.lock();
        let Some(c) = inner.clusters.get_mut(&token) else {
            return unknown(&token);
        };
        match c.register(&a, ttl, registry::now_ms()) {
            Ok(false) => None,
            Ok(true) => Some(AppState::touch(&mut inner, &token)),
            Err(e) => return text(StatusCode::CONFLICT, e.to_string()),
        }
    };
    match generation {
        // A TTL entry is soft state its agent re-sends every heartbeat: it
        // is written behind (within one writer round), not waited for.
        Some(_) if ttl.is_some() => s.kick.notify_one(),
        Some(g) => {
            if let Some(r) = s.persisted(g).await {
                return r;
            }
        }
        None => {}
    }
    text(StatusCode::OK, "OK")
}

async fn list(State(s): State<Arc<AppState>>, UrlPath(token): UrlPath<String>) -> Response {
    if let Some(r) = check_token(&token) {
        return r;
    }
    let live = {
        let inner = s.lock();
        match inner.clusters.get(&token) {
            Some(c) => c.live(registry::now_ms()),
            None => return unknown(&token),
        }
    };
    axum::Json(live).into_response()
}

async fn delete_cluster(
    State(s): State<Arc<AppState>>,
    UrlPath(token): UrlPath<String>,
) -> Response {
    if let Some(r) = check_token(&token) {
        return r;
    }
    let generation = {
        let mut inner = s.lock();
        if inner.clusters.remove(&token).is_none() {
            return unknown(&token);
        }
        AppState::touch(&mut inner, &token)
    };
    s.persisted(generation)
        .await
        .unwrap_or_else(|| text(StatusCode::OK, "OK"))
}

async fn deregister(
    State(s): State<Arc<AppState>>,
    UrlPath((token, member)): UrlPath<(String, String)>,
) -> Response {
    if let Some(r) = check_token(&token) {
        return r;
    }
    let a: Addr = match member.parse() {
        Ok(a) => a,
        Err(e) => return text(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let generation = {
        let mut inner = s.lock();
        let Some(c) = inner.clusters.get_mut(&token) else {
            return unknown(&token);
        };
        let had = c.members.remove(&a.to_string()).is_some();
        had.then(|| AppState::touch(&mut inner, &token))
    };
    if let Some(g) = generation
        && let Some(r) = s.persisted(g).await
    {
        return r;
    }
    text(StatusCode::OK, "OK")
}

async fn health(State(s): State<Arc<AppState>>) -> Response {
    let (clusters, members) = {
        let inner = s.lock();
        let now = registry::now_ms();
        let m: usize = inner.clusters.values().map(|c| c.live(now).len()).sum();
        (inner.clusters.len(), m)
    };
    axum::Json(serde_json::json!({"status": "ok", "clusters": clusters, "members": members}))
        .into_response()
}

fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/clusters", post(create_cluster))
        .route(
            "/clusters/{token}",
            post(register).get(list).delete(delete_cluster),
        )
        .route("/clusters/{token}/{member}", delete(deregister));
    Router::new()
        .route("/health", get(health))
        .nest("/v1", api.clone())
        .merge(api)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

fn tls_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, ServerError> {
    let read = |p: &Path| {
        std::fs::read(p).map_err(|e| ServerError::Tls(format!("cannot read {}: {e}", p.display())))
    };
    crate::tls_listener::server_config(&read(cert)?, &read(key)?, None)
        .map_err(|e| ServerError::Tls(format!("{} / {}: {e}", cert.display(), key.display())))
}

/// A bound, loaded service, not yet serving: [`Bound::url`] is known (port
/// 0 picks a free port), so callers can print it before [`Bound::run`].
pub struct Bound {
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    state: Arc<AppState>,
    _lock: std::fs::File,
    local: SocketAddr,
}

/// Locks the data directory, loads it and binds the address.
pub async fn bind(opts: &ServeOptions) -> Result<Bound, ServerError> {
    crate::store::create_private_dir_all(&opts.data).map_err(|e| ServerError::Data {
        path: opts.data.clone(),
        message: e.to_string(),
    })?;
    let lock_path = opts.data.join(".lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| ServerError::Data {
            path: lock_path.clone(),
            message: e.to_string(),
        })?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            return Err(ServerError::Locked(opts.data.clone()));
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(ServerError::Data {
                path: lock_path,
                message: e.to_string(),
            });
        }
    }
    let clusters = load(&opts.data)?;
    let tls = match &opts.tls {
        Some((c, k)) => Some(tls_config(c, k)?),
        None => None,
    };
    let listener = TcpListener::bind(&opts.addr)
        .await
        .map_err(|source| ServerError::Bind {
            addr: opts.addr.clone(),
            source,
        })?;
    let local = listener.local_addr().map_err(ServerError::Serve)?;
    let (committed, _) = watch::channel(0);
    let state = Arc::new(AppState {
        inner: Mutex::new(Inner {
            clusters,
            dirty: HashSet::new(),
            generation: 0,
        }),
        kick: Notify::new(),
        committed,
        last_error: Mutex::new(None),
        data: opts.data.clone(),
    });
    Ok(Bound {
        listener,
        tls,
        state,
        _lock: lock,
        local,
    })
}

impl Bound {
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// `http://IP:PORT` or `https://…`: what `--discovery-url` takes.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.local)
    }

    /// Serves until `shutdown` resolves, then finishes requests in flight
    /// (at most 10 s) and writes every cluster once more.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let state = self.state.clone();
        let writer_task = tokio::spawn(writer(state.clone()));
        let sweeper_task = tokio::spawn(sweeper(state.clone()));
        let app = router(state.clone());
        let (stop_tx, stop_rx) = watch::channel(false);
        let signal = async move {
            shutdown.await;
            let _ = stop_tx.send(true);
        };
        let mut stopped = stop_rx.clone();
        let drain_deadline = async move {
            let _ = stopped.wait_for(|s| *s).await;
            tokio::time::sleep(Duration::from_secs(10)).await;
        };
        let served = match self.tls {
            None => {
                let server = axum::serve(self.listener, app).with_graceful_shutdown(signal);
                tokio::select! {
                    r = server.into_future() => r,
                    _ = drain_deadline => Ok(()),
                }
            }
            Some(cfg) => {
                let listener = crate::tls_listener::TlsListener::spawn(self.listener, cfg)
                    .map_err(|e| ServerError::Tls(e.to_string()))?;
                let server = axum::serve(listener, app).with_graceful_shutdown(signal);
                let r = tokio::select! {
                    r = server.into_future() => r,
                    _ = drain_deadline => Ok(()),
                };
                r
            }
        };
        writer_task.abort();
        sweeper_task.abort();
        // Final write: everything, with the expiries heartbeats moved.
        let snapshot: Vec<(String, Cluster)> = {
            let inner = state.lock();
            inner
                .clusters
                .iter()
                .map(|(t, c)| (t.clone(), c.clone()))
                .collect()
        };
        let data = state.data.clone();
        let written = tokio::task::spawn_blocking(move || {
            for (t, c) in &snapshot {
                write_cluster(&data, t, Some(c))?;
            }
            Ok::<(), std::io::Error>(())
        })
        .await
        .map_err(std::io::Error::other)
        .and_then(|r| r);
        // Deleted clusters whose removal the writer had not done yet.
        let pending: Vec<String> = state.lock().dirty.drain().collect();
        for t in pending {
            if !state.lock().clusters.contains_key(&t) {
                let _ = write_cluster(&state.data, &t, None);
            }
        }
        served.map_err(ServerError::Serve)?;
        written.map_err(|e| ServerError::Data {
            path: state.data.clone(),
            message: format!("final write failed: {e}"),
        })
    }
}

/// Resolves on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let term = async {
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = term => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
