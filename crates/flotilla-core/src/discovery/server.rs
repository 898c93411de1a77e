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
//! tokens nor members. SIGTERM/SIGINT stop accepting, finish requests in
//! flight and write what is not on disk yet (only that: a service with
//! 10,000 clusters stops without rewriting 10,000 files).
//!
//! **Start.** A cluster file that cannot be read is skipped with a warning
//! ([`Bound::skipped`]) and left on disk untouched; every other cluster is
//! served.
//!
//! **Authentication.** With a secret ([`ServeOptions::secret`]), creating a
//! cluster (`POST /clusters`) and deleting one (`DELETE /clusters/TOKEN`)
//! require `Authorization: Bearer SECRET` (`401` otherwise). Reads and a
//! member's own registration stay as Docker Hub's v1 API had them: the token
//! (128 random bits) is the capability, and classic agents and managers,
//! which send no credentials, keep working (`docs/token-service.md`).
//!
//! **Bounds.** Connections are served by [`crate::serve`] within
//! [`ServeOptions::limits`].

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

use super::addr::{self, Addr};
use super::registry::{self, Cluster};
use crate::serve::Limits;

/// Bodies are one address; anything bigger is not a registration.
pub const MAX_BODY: usize = 1024;
/// A bound on the number of clusters one service keeps.
pub const MAX_CLUSTERS: usize = 100_000;
/// The longest TTL accepted (a year); longer is a typo.
pub const MAX_TTL_S: u64 = 365 * 24 * 3600;
/// How long a changing request waits for its write before answering 503.
const PERSIST_WAIT: Duration = Duration::from_secs(5);

/// Why the token service could not start, or failed while serving or stopping.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The data directory (or a file in it) cannot be created, read, locked or written.
    #[error("cannot use data directory {path}: {message}")]
    Data {
        /// The directory or file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// Another token service holds the data directory's lock.
    #[error("data directory {0} is in use by another token service")]
    Locked(PathBuf),
    /// The listen address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address as given.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The certificate chain or key cannot be read or used.
    #[error("TLS: {0}")]
    Tls(String),
    /// The bound listener failed (its local address cannot be read).
    #[error("the server failed: {0}")]
    Serve(std::io::Error),
}

/// How `flotilla discovery serve` runs.
pub struct ServeOptions {
    /// Where to listen, `HOST:PORT`; port 0 picks a free port (see [`Bound::url`]).
    pub addr: String,
    /// Keeps the clusters across restarts (`clusters/TOKEN.json`) and the lock that keeps a
    /// second service out; created when missing.
    pub data: PathBuf,
    /// Certificate chain and key (PEM) to serve HTTPS.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// What one client may cost ([`Limits::TOKEN_SERVICE`] by default).
    pub limits: Limits,
    /// The bearer secret `POST /clusters` and `DELETE /clusters/TOKEN` require; `None` leaves
    /// them open, as Docker Hub's service was.
    pub secret: Option<String>,
}

/// A cluster file that could not be read at start: skipped, kept on disk as it is.
#[derive(Debug, Clone)]
pub struct Skipped {
    /// The cluster file.
    pub path: PathBuf,
    /// Why it could not be read or parsed.
    pub reason: String,
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
    secret: Option<String>,
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

/// Reads every cluster file. A file that cannot be read or parsed is skipped and reported (the
/// caller warns), never deleted or rewritten: the service keeps serving every other cluster, and
/// the file stays for the operator to repair (its token answers 404 meanwhile).
fn load(data: &Path) -> Result<(HashMap<String, Cluster>, Vec<Skipped>), ServerError> {
    let dir = clusters_dir(data);
    let derr = |message: String| ServerError::Data {
        path: dir.clone(),
        message,
    };
    crate::store::create_private_dir_all(&dir).map_err(|e| derr(e.to_string()))?;
    let now = registry::now_ms();
    let mut out = HashMap::new();
    let mut skipped = Vec::new();
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
        let parsed = read_cluster(&p).and_then(|bytes| {
            serde_json::from_slice::<Cluster>(&bytes)
                .map_err(|e| format!("not a cluster file: {e}"))
        });
        match parsed {
            Ok(mut c) => {
                c.token = token.to_string();
                c.after_restart(now);
                out.insert(token.to_string(), c);
            }
            Err(reason) => skipped.push(Skipped { path: p, reason }),
        }
    }
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((out, skipped))
}

/// A cluster file holds at most [`registry::MAX_MEMBERS`] short entries; anything far larger is
/// not one (and is not read whole).
const MAX_CLUSTER_FILE: u64 = 8 << 20;

fn read_cluster(p: &Path) -> Result<Vec<u8>, String> {
    crate::store::read_file_bounded(p, MAX_CLUSTER_FILE).map_err(|e| e.to_string())
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
        if sweep(&state) {
            state.kick.notify_one();
        }
    }
}

/// One sweep: expired members dropped, their clusters marked for writing; whether any was.
fn sweep(state: &AppState) -> bool {
    let now = registry::now_ms();
    let mut inner = state.lock();
    let expired: Vec<String> = inner
        .clusters
        .iter_mut()
        .filter_map(|(t, c)| c.sweep(now).then(|| t.clone()))
        .collect();
    let changed = !expired.is_empty();
    for t in expired {
        AppState::touch(&mut inner, &t);
    }
    changed
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

/// Compares without an early exit, so the time taken says nothing about how much matched.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// `Some` is the `401` answer when the service has a secret and the request does not carry it
/// as `Authorization: Bearer SECRET`.
fn check_secret(s: &AppState, headers: &HeaderMap) -> Option<Response> {
    let expected = s.secret.as_deref()?;
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if given.is_some_and(|g| same_secret(g.as_bytes(), expected.as_bytes())) {
        return None;
    }
    let mut r = text(
        StatusCode::UNAUTHORIZED,
        "this token service requires its secret to create or delete clusters (flotilla: --discovery-secret-file)",
    );
    r.headers_mut().insert(
        axum::http::header::WWW_AUTHENTICATE,
        axum::http::HeaderValue::from_static("Bearer realm=\"flotilla token service\""),
    );
    Some(r)
}

async fn create_cluster(State(s): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if let Some(r) = check_secret(&s, &headers) {
        return r;
    }
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
    headers: HeaderMap,
) -> Response {
    if let Some(r) = check_secret(&s, &headers) {
        return r;
    }
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

fn router(state: Arc<AppState>, max_body: u64) -> Router {
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
        .layer(DefaultBodyLimit::max(
            usize::try_from(max_body).unwrap_or(usize::MAX),
        ))
        .with_state(state)
}

fn tls_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, ServerError> {
    let read = |p: &Path| {
        crate::store::read_file_bounded(p, crate::store::MAX_PEM_FILE)
            .map_err(|e| ServerError::Tls(format!("cannot read {}: {e}", p.display())))
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
    limits: Limits,
    skipped: Vec<Skipped>,
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
    let (clusters, skipped) = load(&opts.data)?;
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
        secret: opts.secret.clone(),
    });
    Ok(Bound {
        listener,
        tls,
        state,
        _lock: lock,
        local,
        limits: opts.limits,
        skipped,
    })
}

impl Bound {
    /// The address bound, with the port chosen when the options gave 0.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The cluster files that could not be read at start (kept on disk, not served).
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// `http://IP:PORT` or `https://…`: what `--discovery-url` takes.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.local)
    }

    /// Serves until `shutdown` resolves, then finishes requests in flight
    /// (at most the limits' drain timeout) and writes what is not on disk yet.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let state = self.state.clone();
        let writer_task = tokio::spawn(writer(state.clone()));
        let sweeper_task = tokio::spawn(sweeper(state.clone()));
        let app = router(state.clone(), self.limits.max_body);
        crate::serve::serve(self.listener, self.tls, app, self.limits, shutdown).await;
        sweeper_task.abort();
        // Members that expired since the last sweep must not come back after a restart (a file
        // written while they were live would give them a new TTL): sweep once more.
        sweep(&state);
        // Let the writer finish its round (it may hold a batch it took from `dirty`), then
        // write whatever is left.
        let target = state.lock().generation;
        state.kick.notify_one();
        let mut committed = state.committed.subscribe();
        let _ = tokio::time::timeout(PERSIST_WAIT, committed.wait_for(|c| *c >= target)).await;
        writer_task.abort();
        // Final write: only what the writer has not written yet. Expiries that heartbeats moved
        // need no write: `Cluster::after_restart` gives every member that was live at the last
        // write a full TTL from the restart, which is at least what the moved expiry was.
        let data = state.data.clone();
        let batch: Vec<(String, Option<Cluster>)> = {
            let mut inner = state.lock();
            let tokens: Vec<String> = inner.dirty.drain().collect();
            tokens
                .into_iter()
                .map(|t| {
                    let c = inner.clusters.get(&t).cloned();
                    (t, c)
                })
                .collect()
        };
        let written = tokio::task::spawn_blocking(move || {
            for (t, c) in &batch {
                write_cluster(&data, t, c.as_ref())?;
            }
            Ok::<(), std::io::Error>(())
        })
        .await
        .map_err(std::io::Error::other)
        .and_then(|r| r);
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
