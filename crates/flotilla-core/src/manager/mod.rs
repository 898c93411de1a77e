//! The manager: a Docker Engine API server in front of a swarm, so the plain `docker` CLI drives
//! the cluster (`eval "$(flotilla env --swarm MASTER)"`), as classic `swarm manage` did.
//!
//! What it answers itself:
//!
//! * `/_ping`, `/version`;
//! * `/info`: the swarm's totals, and classic Swarm's node block in `SystemStatus`;
//! * `GET /containers/json`: every member's list, names as `/NODE/NAME`;
//! * `GET /events`: every member's stream, merged, each event tagged with its node;
//! * `GET /networks`, `GET /volumes`: local ones as `NODE/NAME`, the others once;
//!   `GET /images/json`: the union grouped by image ID;
//! * `POST /containers/create`: the scheduler picks the node ([`crate::ops::run`], the same
//!   pipeline, lock and pending entries as `flotilla run`), the image is pulled there when missing.
//!
//! Calls about one container (`/containers/{id}/…`, `DELETE /containers/{id}`) and about an exec
//! instance (`/exec/{id}/…`) are relayed to the engine that holds it ([`forward`]), hijacked
//! streams included, so `start`, `logs`, `attach`, `wait`, `exec`, `stop`, `rm`, `inspect` work
//! as on one engine. Anything else answers 404 with a message naming the call.
//!
//! Clients authenticate with a certificate of the store's CA (the one `env` points at); the
//! manager's own certificate is issued from that CA when it starts.

mod api;
pub mod forward;

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
use crate::cluster::swarm_dir::ManagerRecord;
use crate::engine::EngineAddr;
use crate::store::Store;
use crate::tls_listener::TlsListener;

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
    /// The manager's certificate and key as files (a manager deployed on a master, whose small
    /// store holds the CA certificate but not its key); `None`: issued from the store's CA.
    pub server_cert: Option<(std::path::PathBuf, std::path::PathBuf)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ManagerError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error("certificates: {0}")]
    Certs(String),
    #[error("cannot listen on {addr}: {message}")]
    Listen { addr: SocketAddr, message: String },
    #[error("serving: {0}")]
    Serve(String),
}

/// What the handlers share.
pub(crate) struct Manager {
    store: Store,
    opts: ManagerOptions,
    /// Exec instances created through the manager, and the member that holds them.
    execs: Mutex<HashMap<String, Member>>,
    /// Containers created through the manager (full IDs), so the calls that follow a create
    /// (`attach`, `start`, `wait`) need no lookup.
    containers: Mutex<HashMap<String, Member>>,
}

/// A bound manager, not yet serving.
pub struct Bound {
    listener: tokio::net::TcpListener,
    tls: Arc<rustls::ServerConfig>,
    manager: Arc<Manager>,
    /// The swarm's discovery URL and master, for the startup line.
    pub swarm: members::Swarm,
    pub local: SocketAddr,
    /// Where this manager is, in the swarm's directory from the moment it listens (a client
    /// that sees the port open finds the record) until it stops.
    record: Recorded,
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
    let record = Recorded::write(store, &swarm.discovery, local);
    Ok(Bound {
        record,
        listener,
        tls,
        manager: Arc::new(Manager {
            store: store.clone(),
            opts,
            execs: Mutex::new(HashMap::new()),
            containers: Mutex::new(HashMap::new()),
        }),
        swarm,
        local,
    })
}

impl Bound {
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
            ..
        } = self;
        let served = Bound::serve(listener, tls, manager, shutdown).await;
        drop(record);
        served
    }

    async fn serve(
        listener: tokio::net::TcpListener,
        tls: Arc<rustls::ServerConfig>,
        manager: Arc<Manager>,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), ManagerError> {
        let app = Router::new().fallback(dispatch).with_state(manager);
        let listener =
            TlsListener::spawn(listener, tls).map_err(|e| ManagerError::Serve(e.to_string()))?;
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(|e| ManagerError::Serve(e.to_string()))
    }
}

/// `/v1.41/containers/json` → `/containers/json`.
fn unversioned(path: &str) -> &str {
    if let Some(rest) = path.strip_prefix("/v")
        && let Some(slash) = rest.find('/')
        && rest[..slash]
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.')
        && !rest[..slash].is_empty()
    {
        return &rest[slash..];
    }
    path
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
    let path = unversioned(req.uri().path()).to_string();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let method = req.method().clone();
    let mut resp = match (&method, segments.as_slice()) {
        (&Method::GET | &Method::HEAD, ["_ping"]) => api::ping(),
        (&Method::GET, ["version"]) => api::version(),
        (&Method::GET, ["info"]) => api::info(&m).await,
        (&Method::GET, ["containers", "json"]) => api::list(&m, req).await,
        (&Method::GET, ["events"]) => api::events(&m, req).await,
        (&Method::GET, ["networks"]) => api::networks(&m, req).await,
        (&Method::GET, ["volumes"]) => api::volumes(&m, req).await,
        (&Method::GET, ["images", "json"]) => api::images(&m, req).await,
        (&Method::POST, ["containers", "create"]) => api::create(&m, req).await,
        (_, ["containers", rest @ ..]) if !rest.is_empty() => {
            let rest: Vec<String> = rest.iter().map(|x| x.to_string()).collect();
            api::container_call(&m, &rest, req).await
        }
        (_, ["exec", id, ..]) => {
            let id = id.to_string();
            api::relay_exec(&m, &id, req).await
        }
        _ => error(
            StatusCode::NOT_FOUND,
            format!(
                "flotilla manager: {method} {path} is not supported (supported: ping, version, info, events, the network, volume, image and container lists, container create and every call about one container or exec instance)"
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
    use super::unversioned;

    #[test]
    fn version_prefixes_are_stripped() {
        assert_eq!(unversioned("/v1.41/containers/json"), "/containers/json");
        assert_eq!(unversioned("/containers/json"), "/containers/json");
        assert_eq!(unversioned("/v1/x"), "/x");
        assert_eq!(unversioned("/version"), "/version");
        assert_eq!(unversioned("/vx/y"), "/vx/y");
        assert_eq!(unversioned("/v/y"), "/v/y");
    }
}
