//! The manager: a Docker Engine API server in front of a swarm, so the plain `docker` CLI drives
//! the cluster (`eval "$(flotilla env --swarm MASTER)"`), as classic `swarm manage` did.
//!
//! It runs on the swarm's long-lived model ([`crate::cluster::model`]): the lists that span the
//! swarm come from memory; only the calls classic Swarm sent to several engines (pull, network
//! and volume create, image remove, prune, …) ask them, through `fanout`.
//!
//! * `/_ping`, `/version` (`system`);
//! * `/info`: the swarm's totals, and classic Swarm's node block (with each node's health) in
//!   `SystemStatus`, from the model;
//! * `GET /containers/json`, `GET /images/json`, `GET /networks`, `GET /volumes` (`lists`):
//!   from the model, names as `/NODE/NAME`, an Unhealthy node's containers with their last
//!   known state;
//! * `GET /events` (`events`): the model's buffer and broadcast, each event tagged with its
//!   node, plus classic's `engine_connect` / `engine_disconnect` / `engine_reconnect`;
//! * `POST /containers/create` (`create`): decided on the model's kept scheduler snapshot
//!   under the swarm's decision lock (so `flotilla run` processes and the manager never
//!   double-book), created on the chosen node, the image pulled there when missing.
//!
//! Calls about one container (`/containers/{id}/…`, `DELETE /containers/{id}`) and about an exec
//! instance (`/exec/{id}/…`) are found in the model and relayed to the engine that holds it
//! (`containers`, [`forward`]) at a path rebuilt from the resolved ID and an allow-listed
//! sub-resource, hijacked streams included, so `start`, `logs`, `attach`, `wait`, `exec`, `stop`,
//! `rm`, `inspect` work as on one engine; a container on a node that is not Healthy is answered
//! at once ("running on unhealthy node").
//!
//! Networks, volumes and images (`networks`, `volumes`, `images`): created, removed,
//! tagged, pruned on every Healthy node or on the one a `NODE/NAME` names, inspected where they
//! are; pulls and loads stream every node's progress with its name (`fanout`). `POST /build`
//! (`build`) on the node the scheduler picks from `constraint:` build args; `commit`,
//! `containers/prune`, `system/df`, `auth`, `distribution` (`rest`). Anything else answers 404
//! with a message listing what is served.
//!
//! Clients authenticate with a certificate of the store's CA (the one `env` points at); the
//! manager's own certificate is issued from that CA when it starts.

mod build;
mod containers;
mod create;
mod events;
mod fanout;
pub mod forward;
mod images;
mod lists;
mod networks;
mod per_node;
mod replica;
mod reschedule;
mod rest;
mod system;
mod view;
mod volumes;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, Response, StatusCode};

use crate::certs::{self, StoreCerts};
use crate::cluster::members::{self, ClusterError, Member};
use crate::cluster::model::{Model, ModelOptions};
use crate::cluster::swarm_dir::ManagerRecord;
use crate::engine::EngineAddr;
use crate::serve::Limits;
use crate::store::Store;

pub use replica::ReplicationOptions;

/// The API version the manager speaks (Docker 20.10); clients negotiate down to it.
pub const API_VERSION: &str = "1.41";

/// How the manager runs.
#[derive(Debug, Clone)]
pub struct ManagerOptions {
    /// `--swarm`, or the only swarm.
    pub selector: Option<String>,
    /// Where to listen.
    pub listen: SocketAddr,
    /// Extra names and IPs for the manager's certificate.
    pub sans: Vec<String>,
    /// How long each engine may take to answer.
    pub timeout: Duration,
    /// How long a pending entry counts if a create hangs.
    pub pending_ttl: Duration,
    /// What one client may cost ([`Limits::MANAGER`] by default).
    pub limits: Limits,
    /// How the model follows the engines (refresh intervals, failure retry).
    pub model: ModelOptions,
    /// The manager's certificate and key as files (a manager deployed on a master, whose small
    /// store holds the CA certificate but not its key); `None`: issued from the store's CA.
    pub server_cert: Option<(std::path::PathBuf, std::path::PathBuf)>,
}

/// Why the manager could not start or stopped serving.
#[derive(Debug, thiserror::Error)]
pub enum ManagerError {
    /// The swarm could not be resolved (members, discovery, the store).
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    /// The manager's TLS server certificate or the CA could not be loaded or made.
    #[error("certificates: {0}")]
    Certs(String),
    /// The address is taken or not ours.
    #[error("cannot listen on {addr}: {message}")]
    Listen {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's reason.
        message: String,
    },
    /// The server failed after it started.
    #[error("serving: {0}")]
    Serve(String),
    /// The options contradict each other (such as a refresh minimum above the maximum).
    #[error("{0}")]
    Options(String),
}

/// What the handlers share.
pub(crate) struct Manager {
    store: Store,
    opts: ManagerOptions,
    /// The swarm, kept current by its engines' events.
    model: Model,
    /// Exec instances created through the manager, and the member that holds them.
    execs: Mutex<HashMap<String, Member>>,
    /// `/info` as last derived, and the model generation it was derived at.
    info: Mutex<Option<system::CachedInfo>>,
    /// True while this manager leads the swarm (always, without replication): only then does it
    /// reschedule.
    leader: tokio::sync::watch::Receiver<bool>,
    /// With `--replication`: the election's view; `None` for a single manager.
    replication: Option<replica::Replication>,
    /// Cancelled when the manager begins to stop: responses that never end by themselves
    /// (`docker events`) end then, so the graceful shutdown does not wait for them.
    closing: tokio_util::sync::CancellationToken,
}

/// A bound manager, not yet serving.
pub struct Bound {
    listener: tokio::net::TcpListener,
    tls: Arc<rustls::ServerConfig>,
    manager: Arc<Manager>,
    /// The swarm's discovery URL and master, for the startup line.
    pub swarm: members::Swarm,
    /// The address actually bound (the port chosen when 0 was asked for).
    pub local: SocketAddr,
    /// Where this manager is, in the swarm's directory from the moment it listens (a client
    /// that sees the port open finds the record) until it stops.
    record: Recorded,
    /// With `--replication`: the election to run, and where to say whether this manager leads.
    election: Option<(
        crate::discovery::election::Election,
        tokio::sync::watch::Sender<bool>,
    )>,
}

/// A [`ManagerRecord`] that is removed when the manager stops, however it stops.
struct Recorded {
    record: ManagerRecord,
    store: Store,
    discovery: String,
}

impl Recorded {
    fn write(store: &Store, discovery: &str, local: SocketAddr) -> Recorded {
        let ip = if local.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else {
            local.ip().to_string()
        };
        let record = ManagerRecord {
            url: EngineAddr::Tcp {
                host: ip,
                port: local.port(),
            }
            .to_string(),
            pid: std::process::id(),
            replication_store: None,
        };
        if let Err(e) = record.write(store, discovery) {
            tracing::warn!("cannot record the manager in the store: {e}");
        }
        Recorded {
            record,
            store: store.clone(),
            discovery: discovery.to_string(),
        }
    }
}

impl Drop for Recorded {
    fn drop(&mut self) {
        self.record.remove(&self.store, &self.discovery);
    }
}

/// TLS for the manager: a certificate from the store's CA for `sans`, and client certificates
/// required and checked against that CA.
fn tls_config(
    store: &Store,
    sans: &[String],
    files: Option<&(std::path::PathBuf, std::path::PathBuf)>,
) -> Result<Arc<rustls::ServerConfig>, ManagerError> {
    let issued = match files {
        Some((cert, key)) => {
            let read = |p: &std::path::Path| {
                std::fs::read_to_string(p)
                    .map_err(|e| ManagerError::Certs(format!("{}: {e}", p.display())))
            };
            certs::ServerCert {
                cert_pem: read(cert)?,
                key_pem: read(key)?,
            }
        }
        None => certs::issue_server(store, "manager", sans, false)
            .map_err(|e| ManagerError::Certs(e.to_string()))?,
    };
    let ca_path = StoreCerts::of(store).ca;
    let ca = std::fs::read(&ca_path)
        .map_err(|e| ManagerError::Certs(format!("{}: {e}", ca_path.display())))?;
    crate::tls_listener::server_config(
        issued.cert_pem.as_bytes(),
        issued.key_pem.as_bytes(),
        Some(&ca),
    )
    .map_err(ManagerError::Certs)
}

/// Resolve the swarm, issue the certificate and bind the address.
pub async fn bind(store: &Store, opts: ManagerOptions) -> Result<Bound, ManagerError> {
    opts.model.validate().map_err(ManagerError::Options)?;
    let (swarm, members) = members::resolve(store, opts.selector.as_deref()).await?;
    // The names a client may use: the master's address (what `env --swarm` prints), the listen
    // address when it is a specific one, loopback, and the user's.
    let mut sans: Vec<String> = vec!["127.0.0.1".into(), "localhost".into()];
    if let Some(master) = &swarm.master
        && let Some(m) = members.iter().find(|m| &m.name == master)
        && let Some(host) = m.addr.host()
    {
        sans.push(host.to_string());
    }
    if !opts.listen.ip().is_unspecified() {
        sans.push(opts.listen.ip().to_string());
    }
    sans.extend(opts.sans.iter().cloned());
    let tls = tls_config(store, &sans, opts.server_cert.as_ref())?;
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(|e| ManagerError::Listen {
            addr: opts.listen,
            message: e.to_string(),
        })?;
    let local = listener.local_addr().map_err(|e| ManagerError::Listen {
        addr: opts.listen,
        message: e.to_string(),
    })?;
    // The model starts following the engines now; until a node's first listing it is Pending
    // (and `docker info` says so).
    let model = Model::for_swarm(store, opts.selector.as_deref(), opts.model.clone()).await?;
    let record = Recorded::write(store, &swarm.discovery, local);
    Ok(Bound {
        record,
        listener,
        tls,
        manager: Arc::new(Manager {
            store: store.clone(),
            opts,
            model,
            execs: Mutex::new(HashMap::new()),
            info: Mutex::new(None),
            leader: tokio::sync::watch::channel(true).1,
            replication: None,
            closing: tokio_util::sync::CancellationToken::new(),
        }),
        election: None,
        swarm,
        local,
    })
}

impl Bound {
    /// Takes part in replication: several managers of one swarm, one leader elected through
    /// etcd (`replica`). Only the leader decides; the others relay to it.
    pub fn replicate(mut self, r: ReplicationOptions) -> Result<Bound, ManagerError> {
        use crate::discovery::url::DiscoveryUrl;
        let url = match &r.store_url {
            Some(u) => u.clone(),
            None if self.swarm.discovery.starts_with("etcd://") => self.swarm.discovery.clone(),
            None => {
                return Err(ManagerError::Options(format!(
                    "--replication needs an etcd store: the swarm's discovery is {}; give --replication-store etcd://HOST:2379[/PREFIX]",
                    self.swarm.discovery
                )));
            }
        };
        let (endpoints, prefix) = match DiscoveryUrl::parse(&url) {
            Ok(DiscoveryUrl::Etcd { endpoints, prefix }) => (endpoints, prefix),
            Ok(_) => {
                return Err(ManagerError::Options(format!(
                    "--replication-store must be an etcd:// URL, not {url}"
                )));
            }
            Err(e) => return Err(ManagerError::Options(e.to_string())),
        };
        let opts = crate::discovery::election::ElectionOptions {
            url: url.clone(),
            endpoints,
            prefix,
            advertise: r.advertise.clone(),
            ttl: r.ttl,
            timeout: self.manager.opts.timeout,
        };
        let (election, roles, leadership) = crate::discovery::election::Election::new(&opts)
            .map_err(|e| ManagerError::Options(e.to_string()))?;
        let (tx, rx) = tokio::sync::watch::channel(false);
        let Some(m) = Arc::get_mut(&mut self.manager) else {
            return Err(ManagerError::Options(
                "the manager is already serving".into(),
            ));
        };
        m.leader = rx;
        // `env --swarm` on this machine finds the store, and through it the leader.
        self.record.record.replication_store = Some(url.clone());
        if let Err(e) = self
            .record
            .record
            .write(&self.record.store, &self.record.discovery)
        {
            tracing::warn!("cannot record the manager in the store: {e}");
        }
        m.replication = Some(replica::Replication {
            roles,
            leadership,
            advertise: r.advertise,
        });
        self.election = Some((election, tx));
        Ok(self)
    }

    /// The model the manager answers from (tests and benchmarks wait on it).
    pub fn model(&self) -> &Model {
        &self.manager.model
    }

    /// Serve until `shutdown` resolves. While serving, a [`ManagerRecord`] in the swarm's
    /// directory says where this manager is.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), ManagerError> {
        let Bound {
            listener,
            tls,
            manager,
            record,
            election,
            ..
        } = self;
        let model = manager.model.clone();
        let stop_election = tokio_util::sync::CancellationToken::new();
        let mut election_task = None;
        if let (Some((election, leads)), Some(r)) = (election, &manager.replication) {
            let stop = stop_election.clone();
            election_task = Some(tokio::spawn(async move {
                election.run(stop.cancelled_owned()).await;
            }));
            // Whether this manager leads, for the rescheduler: re-read often, since leadership
            // also ends by the clock (a leader cut off from etcd), not only by a role change.
            let (leadership, stop) = (r.leadership.clone(), stop_election.clone());
            tokio::spawn(async move {
                loop {
                    let now = leadership.holds();
                    leads.send_if_modified(|v| std::mem::replace(v, now) != now);
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_millis(100)) => {}
                        () = stop.cancelled() => break,
                    }
                }
                leads.send_replace(false);
            });
        }
        let stop_rescheduler = tokio_util::sync::CancellationToken::new();
        let rescheduler = tokio::spawn(
            reschedule::Rescheduler {
                store: manager.store.clone(),
                model: model.clone(),
                leader: manager.leader.clone(),
                retry: manager.opts.model.failure_retry,
                pending_ttl: manager.opts.pending_ttl,
                settle: manager.opts.timeout * (manager.opts.model.failure_retry.max(1) + 1),
                down_since: None,
            }
            .run(stop_rescheduler.clone()),
        );
        // Connections wait in the listener's backlog until every node answered once (or the
        // timeout passed): a first `docker run` should not find the swarm empty.
        let timeout = manager.opts.timeout;
        model
            .wait_for(timeout, |nodes| {
                nodes
                    .iter()
                    .all(|n| n.health.health != crate::cluster::live::Health::Pending)
            })
            .await;
        let served = Bound::serve(listener, tls, manager, shutdown).await;
        stop_rescheduler.cancel();
        let _ = tokio::time::timeout(Duration::from_secs(2), rescheduler).await;
        // Resign: the leader key goes at once, and another manager takes over.
        stop_election.cancel();
        if let Some(t) = election_task {
            let _ = tokio::time::timeout(Duration::from_secs(2), t).await;
        }
        model.stop();
        drop(record);
        served
    }

    async fn serve(
        listener: tokio::net::TcpListener,
        tls: Arc<rustls::ServerConfig>,
        manager: Arc<Manager>,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), ManagerError> {
        let limits = manager.opts.limits;
        let closing = manager.closing.clone();
        let shutdown = async move {
            shutdown.await;
            closing.cancel();
        };
        let app = Router::new().fallback(dispatch).with_state(manager);
        crate::serve::serve(listener, Some(tls), app, limits, shutdown).await;
        Ok(())
    }
}

/// `/v1.41/containers/json` → `/containers/json`.
fn unversioned(path: &str) -> &str {
    &path[version_prefix(path).len()..]
}

/// `/v1.41/containers/json` → `/v1.41` (empty without a version).
fn version_prefix(path: &str) -> &str {
    if let Some(rest) = path.strip_prefix("/v")
        && let Some(slash) = rest.find('/')
        && rest[..slash]
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.')
        && !rest[..slash].is_empty()
    {
        return &path[..slash + 2];
    }
    ""
}

/// A JSON answer with a status.
pub(crate) fn json_response(status: StatusCode, v: &serde_json::Value) -> Response<Body> {
    let mut r = Response::new(Body::from(v.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// A Docker API error: `{"message": "..."}` with a status.
pub(crate) fn error(status: StatusCode, message: impl Into<String>) -> Response<Body> {
    json_response(status, &serde_json::json!({ "message": message.into() }))
}

async fn dispatch(State(m): State<Arc<Manager>>, req: Request) -> Response<Body> {
    let full = req.uri().path().to_string();
    let version = version_prefix(&full).to_string();
    let path = unversioned(&full).to_string();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let method = req.method().clone();
    // A replica relays what it does not answer itself to the leader.
    let req = match &m.replication {
        Some(r) if !replica::served_locally(&path) => match replica::relay(&m, r, req).await {
            Ok(resp) => return resp,
            Err(req) => req,
        },
        _ => req,
    };
    let mut resp = match (&method, segments.as_slice()) {
        (&Method::GET | &Method::HEAD, ["_ping"]) => system::ping(),
        (&Method::GET, ["version"]) => system::version(),
        (&Method::GET, ["info"]) => system::info(&m),
        (&Method::GET, ["containers", "json"]) => lists::containers(&m, &req),
        (&Method::GET, ["events"]) => events::events(&m, &req),
        (&Method::GET, ["networks"]) => lists::networks(&m, &req),
        (&Method::GET, ["volumes"]) => lists::volumes(&m, &req),
        (&Method::GET, ["images", "json"]) => lists::images(&m, &req),
        (&Method::GET, ["_flotilla", "view"]) => view::view(&m),
        (&Method::POST, ["containers", "create"]) => create::create(&m, req).await,
        (&Method::POST, ["containers", "prune"]) => {
            let (parts, _) = req.into_parts();
            let head = Request::from_parts(parts, ());
            fanout::prune(&m, &head, &version, "containers", "ContainersDeleted").await
        }
        (&Method::POST, ["commit"]) => rest::commit(&m, &version, req).await,
        (&Method::POST, ["build"]) => build::build(&m, &version, req).await,
        (&Method::POST, ["auth"]) => rest::to_one(&m, format!("{version}/auth"), req).await,
        (&Method::GET, ["system", "df"]) => rest::df(&m, &version, req).await,
        (&Method::GET, ["distribution", name @ .., "json"]) if !name.is_empty() => {
            let name: Vec<String> = name.iter().map(|x| x.to_string()).collect();
            let name: Vec<&str> = name.iter().map(String::as_str).collect();
            rest::distribution(&m, &version, &name, req).await
        }
        (_, ["networks", rest @ ..]) if !rest.is_empty() => {
            let rest: Vec<String> = rest.iter().map(|x| x.to_string()).collect();
            let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
            networks::call(&m, &version, &rest, req).await
        }
        (_, ["volumes", rest @ ..]) if !rest.is_empty() => {
            let rest: Vec<String> = rest.iter().map(|x| x.to_string()).collect();
            let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
            volumes::call(&m, &version, &rest, req).await
        }
        (_, ["images", rest @ ..]) if !rest.is_empty() => {
            let rest: Vec<String> = rest.iter().map(|x| x.to_string()).collect();
            let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
            images::call(&m, &version, &rest, req).await
        }
        (_, ["containers", rest @ ..]) if !rest.is_empty() => {
            let rest: Vec<String> = rest.iter().map(|x| x.to_string()).collect();
            let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
            containers::call(&m, &version, &rest, req).await
        }
        (_, ["exec", rest @ ..]) => {
            let rest: Vec<String> = rest.iter().map(|x| x.to_string()).collect();
            let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
            containers::exec_call(&m, &version, &rest, req).await
        }
        _ => error(
            StatusCode::NOT_FOUND,
            format!(
                "flotilla manager: {method} {path} is not supported (supported: /_ping, /version, /info, /events, /auth, /build, /system/df, /distribution/NAME/json, /commit, /containers (list, create, prune and the calls about one container), /exec/ID, /images (list, create, load, get, search, prune, NAME/json, history, get, tag, push, DELETE), /networks (list, create, prune, ID, connect, disconnect, DELETE), /volumes (list, create, prune, NAME, DELETE))"
            ),
        ),
    };
    let h = resp.headers_mut();
    h.insert("Api-Version", HeaderValue::from_static(API_VERSION));
    h.insert("Ostype", HeaderValue::from_static("linux"));
    if let Ok(v) = HeaderValue::from_str(&format!("flotilla/{}", env!("CARGO_PKG_VERSION"))) {
        h.entry(axum::http::header::SERVER).or_insert(v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::{unversioned, version_prefix};

    #[test]
    fn version_prefixes_are_stripped() {
        assert_eq!(version_prefix("/v1.41/containers/json"), "/v1.41");
        assert_eq!(version_prefix("/containers/json"), "");
        assert_eq!(unversioned("/v1.41/containers/json"), "/containers/json");
        assert_eq!(unversioned("/containers/json"), "/containers/json");
        assert_eq!(unversioned("/v1/x"), "/x");
        assert_eq!(unversioned("/version"), "/version");
        assert_eq!(unversioned("/vx/y"), "/vx/y");
        assert_eq!(unversioned("/v/y"), "/v/y");
    }
}
