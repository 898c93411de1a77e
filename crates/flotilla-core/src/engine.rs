//! Reaching a Docker engine: addresses, mutual-TLS configuration, a fast
//! probe (`GET /_ping`, else `GET /version`) and full bollard clients.
//!
//! The probe is used by `ls`, `env`, `config` and `active`: it builds one
//! rustls configuration per certificate set and speaks a single HTTP/1.1
//! request through hyper, so listing many machines costs little more than
//! their network round trips. Everything else goes through bollard.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use serde::Deserialize;
use tokio::net::{TcpStream, UnixStream};

use crate::store::TlsFiles;

/// The port Docker engines listen on with TLS.
pub const DEFAULT_TLS_PORT: u16 = 2376;

/// Where an engine listens: `tcp://HOST:PORT` or `unix:///path`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EngineAddr {
    /// A TCP engine, reached with mutual TLS when certificates are given.
    Tcp {
        /// An IP address (IPv6 without brackets) or a DNS name.
        host: String,
        /// The port, [`DEFAULT_TLS_PORT`] when the URL names none.
        port: u16,
    },
    /// A local socket, reached without TLS; the absolute path, at most 107 bytes.
    Unix(PathBuf),
}

/// A string that is not an engine URL flotilla accepts (see [`EngineAddr`]'s `FromStr`).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid engine URL {url:?}: {reason}")]
pub struct AddrError {
    /// The URL as given.
    pub url: String,
    /// What is wrong with it, for the user.
    pub reason: String,
}

/// The longest path a unix socket address holds (`sun_path` less its NUL).
const MAX_SOCKET_PATH: usize = 107;

fn is_socket_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '/' | '.' | '_' | '-' | '+' | '@' | ',' | '=' | ':' | '~')
}

impl FromStr for EngineAddr {
    type Err = AddrError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| AddrError {
            url: s.to_string(),
            reason: reason.to_string(),
        };
        if let Some(path) = s.strip_prefix("unix://") {
            if !path.starts_with('/') {
                return Err(err(
                    "a unix URL needs an absolute path, as in unix:///var/run/docker.sock",
                ));
            }
            // The URL becomes DOCKER_HOST in `env` output and `-H=` in
            // `config` output, which shells read: keep it to characters no
            // shell, no word splitting and no URL parser treats specially.
            if let Some(c) = path.chars().find(|c| !is_socket_path_char(*c)) {
                return Err(err(&format!(
                    "the unix socket path may hold only letters, digits and / . _ - + @ , = : ~, not {c:?}"
                )));
            }
            if path.len() > MAX_SOCKET_PATH {
                return Err(err(&format!(
                    "a unix socket path has at most {MAX_SOCKET_PATH} bytes (sockaddr_un)"
                )));
            }
            return Ok(EngineAddr::Unix(PathBuf::from(path)));
        }
        let rest = s
            .strip_prefix("tcp://")
            .ok_or_else(|| err("expected tcp://HOST:PORT or unix:///PATH"))?;
        let rest = rest.trim_end_matches('/');
        if rest.is_empty() {
            return Err(err("missing host"));
        }
        if rest.contains('/') || rest.contains('?') || rest.contains('@') {
            return Err(err("expected tcp://HOST:PORT with nothing after the port"));
        }
        let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
            let (h, after) = v6
                .split_once(']')
                .ok_or_else(|| err("unclosed [ in IPv6 address"))?;
            let port = match after.strip_prefix(':') {
                Some(p) => Some(p),
                None if after.is_empty() => None,
                None => return Err(err("unexpected text after the IPv6 address")),
            };
            h.parse::<std::net::Ipv6Addr>()
                .map_err(|_| err("invalid IPv6 address"))?;
            (h.to_string(), port)
        } else {
            match rest.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (rest.to_string(), None),
            }
        };
        let port = match port {
            None => DEFAULT_TLS_PORT,
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| err("the port must be a number from 1 to 65535"))?,
        };
        if host.is_empty() {
            return Err(err("missing host"));
        }
        let valid_host = host.parse::<IpAddr>().is_ok()
            || host
                .split('.')
                .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        if !valid_host {
            return Err(err("the host must be an IP address or a DNS name"));
        }
        Ok(EngineAddr::Tcp { host, port })
    }
}

impl fmt::Display for EngineAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineAddr::Tcp { host, port } if host.contains(':') => {
                write!(f, "tcp://[{host}]:{port}")
            }
            EngineAddr::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
            EngineAddr::Unix(p) => write!(f, "unix://{}", p.display()),
        }
    }
}

impl EngineAddr {
    /// The host part (IP or name) of a TCP address; `None` for unix sockets.
    pub fn host(&self) -> Option<&str> {
        match self {
            EngineAddr::Tcp { host, .. } => Some(host),
            EngineAddr::Unix(_) => None,
        }
    }

    /// The same host with another port (the swarm manager's, for example).
    pub fn with_port(&self, port: u16) -> EngineAddr {
        match self {
            EngineAddr::Tcp { host, .. } => EngineAddr::Tcp {
                host: host.clone(),
                port,
            },
            other => other.clone(),
        }
    }
}

/// Why an engine could not be reached. The variants let callers give the
/// right hint: a timeout or refused connection is a host problem, a TLS
/// failure a certificate problem.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("timed out after {}s waiting for {addr}", .after.as_secs_f32())]
    /// No answer within the timeout (host down, firewall, or an engine still starting).
    Timeout {
        /// The engine's URL.
        addr: String,
        /// The timeout that expired.
        after: Duration,
    },
    /// The TCP or unix connection was refused or reset (the host or engine is down).
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        /// The engine's URL.
        addr: String,
        /// The connection error.
        source: std::io::Error,
    },
    #[error("TLS handshake with {addr} failed: {message}")]
    /// The TLS handshake failed or the engine rejected the client certificate: the
    /// certificates do not match (`regenerate-certs` fixes an engine's).
    Tls {
        /// The engine's URL.
        addr: String,
        /// rustls's or the engine's complaint.
        message: String,
    },
    /// The store's CA, client certificate or key could not be read or parsed.
    #[error("cannot load TLS files: {0}")]
    TlsFiles(String),
    #[error("unexpected answer from {addr}: {message}")]
    /// The HTTP exchange failed, or its answer was not an engine's (an error status, a body
    /// that is not the version).
    Protocol {
        /// The engine's URL.
        addr: String,
        /// What was wrong with the answer.
        message: String,
    },
}

impl ProbeError {
    /// True when the failure is about certificates rather than reachability.
    pub fn is_certificate_problem(&self) -> bool {
        matches!(self, ProbeError::Tls { .. } | ProbeError::TlsFiles(_))
    }
}

/// What the probe learns about an engine: from `/_ping`'s headers when they name the version,
/// else from `GET /version`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct EngineVersion {
    /// The engine's version (`20.10.24`, `v` not included).
    pub version: String,
    /// The Engine API version it speaks (`1.41`).
    #[serde(default)]
    pub api_version: String,
    /// The engine's OS type (`linux`).
    #[serde(default)]
    pub os: String,
    /// The engine's architecture (`amd64`); empty when the answer came from `/_ping`.
    #[serde(default)]
    pub arch: String,
    /// The host's kernel version; empty when the answer came from `/_ping`.
    #[serde(default)]
    pub kernel_version: String,
}

/// Builds the client TLS configuration: trust only the given CA (never the
/// system roots: an engine must prove it belongs to this store) and present
/// the client certificate.
pub fn client_tls_config(files: &TlsFiles) -> Result<Arc<rustls::ClientConfig>, ProbeError> {
    let load = |p: &PathBuf| {
        crate::store::read_file_bounded(p, crate::store::MAX_PEM_FILE)
            .map_err(|e| ProbeError::TlsFiles(format!("{}: {e}", p.display())))
    };
    let ca = load(&files.ca)?;
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(&ca) {
        let c = c.map_err(|e| ProbeError::TlsFiles(format!("{}: {e}", files.ca.display())))?;
        roots
            .add(c)
            .map_err(|e| ProbeError::TlsFiles(format!("{}: {e}", files.ca.display())))?;
    }
    if roots.is_empty() {
        return Err(ProbeError::TlsFiles(format!(
            "{}: no certificate found",
            files.ca.display()
        )));
    }
    let cert_pem = load(&files.cert)?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| ProbeError::TlsFiles(format!("{}: {e}", files.cert.display())))?;
    let key_pem = load(&files.key)?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|e| ProbeError::TlsFiles(format!("{}: {e}", files.key.display())))?;
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .map_err(|e| ProbeError::TlsFiles(e.to_string()))?;
    Ok(Arc::new(config))
}

/// Asks an engine for its version, within `timeout` for the whole exchange.
/// A TCP engine is reached with mutual TLS; a unix socket without.
pub async fn probe(
    addr: &EngineAddr,
    tls: Option<Arc<rustls::ClientConfig>>,
    timeout: Duration,
) -> Result<EngineVersion, ProbeError> {
    let shown = addr.to_string();
    match tokio::time::timeout(timeout, probe_inner(addr, tls)).await {
        Ok(r) => r,
        Err(_) => Err(ProbeError::Timeout {
            addr: shown,
            after: timeout,
        }),
    }
}

/// A byte stream to an engine: a unix socket, plain TCP or TCP with TLS.
pub trait EngineIo: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin> EngineIo for T {}

/// Opens a connection to an engine, with mutual TLS for a TCP engine when `tls` is given; also
/// returns the host to name in the `Host` header. Used by the probe and by the manager's relay.
pub async fn dial(
    addr: &EngineAddr,
    tls: Option<Arc<rustls::ClientConfig>>,
) -> Result<(std::pin::Pin<Box<dyn EngineIo>>, String), ProbeError> {
    let shown = addr.to_string();
    match addr {
        EngineAddr::Unix(path) => {
            let stream = UnixStream::connect(path)
                .await
                .map_err(|source| ProbeError::Connect {
                    addr: shown.clone(),
                    source,
                })?;
            Ok((Box::pin(stream), "localhost".to_string()))
        }
        EngineAddr::Tcp { host, port } => {
            let stream = TcpStream::connect((host.as_str(), *port))
                .await
                .map_err(|source| ProbeError::Connect {
                    addr: shown.clone(),
                    source,
                })?;
            let _ = stream.set_nodelay(true);
            let Some(config) = tls else {
                return Ok((Box::pin(stream), host.clone()));
            };
            let name = ServerName::try_from(host.clone()).map_err(|e| ProbeError::Tls {
                addr: shown.clone(),
                message: e.to_string(),
            })?;
            let tls_stream = tokio_rustls::TlsConnector::from(config)
                .connect(name, stream)
                .await
                .map_err(|e| {
                    // rustls reports its own failures as InvalidData. Any
                    // other error is the connection going away during the
                    // handshake, which is reachability: a port forward (a
                    // VM's user network) accepts before anything listens.
                    if e.kind() == std::io::ErrorKind::InvalidData {
                        ProbeError::Tls {
                            addr: shown.clone(),
                            message: e.to_string(),
                        }
                    } else {
                        ProbeError::Connect {
                            addr: shown.clone(),
                            source: e,
                        }
                    }
                })?;
            Ok((Box::pin(tls_stream), host.clone()))
        }
    }
}

async fn probe_inner(
    addr: &EngineAddr,
    tls: Option<Arc<rustls::ClientConfig>>,
) -> Result<EngineVersion, ProbeError> {
    let (io, host) = dial(addr, tls).await?;
    get_version(TokioIo::new(io), &addr.to_string(), &host).await
}

async fn get_version<S>(
    io: TokioIo<S>,
    shown: &str,
    host: &str,
) -> Result<EngineVersion, ProbeError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    // With TLS 1.3 the server checks the client certificate after the
    // handshake; its rejection then surfaces here as an I/O error.
    let classify = |e: &dyn std::error::Error| {
        let mut msg = e.to_string();
        let mut src = e.source();
        while let Some(s) = src {
            msg = format!("{msg}: {s}");
            src = s.source();
        }
        if msg.contains("alert") || msg.contains("certificate") {
            ProbeError::Tls {
                addr: shown.to_string(),
                message: msg,
            }
        } else {
            ProbeError::Protocol {
                addr: shown.to_string(),
                message: msg,
            }
        }
    };
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| classify(&e))?;
    let driver = tokio::spawn(async move {
        let _ = conn.await;
    });
    let request = |path: &str| {
        hyper::Request::get(path)
            .header(hyper::header::HOST, host)
            .body(Empty::<Bytes>::new())
    };
    // `/_ping` names the version in its Server header and costs the engine
    // almost nothing; `/version` makes dockerd run `runc --version` and
    // friends. Fall back to it only when the header says nothing.
    let req = request("/_ping").map_err(|e| classify(&e))?;
    let resp = sender.send_request(req).await.map_err(|e| classify(&e))?;
    let status = resp.status();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let from_ping = parse_server_header(&header("server")).map(|version| EngineVersion {
        version,
        api_version: header("api-version"),
        os: header("ostype"),
        arch: String::new(),
        kernel_version: String::new(),
    });
    let _ = resp.into_body().collect().await;
    if !status.is_success() {
        driver.abort();
        return Err(ProbeError::Protocol {
            addr: shown.to_string(),
            message: format!("GET /_ping answered {status}"),
        });
    }
    if let Some(v) = from_ping {
        driver.abort();
        return Ok(v);
    }
    // The connection takes the next request only once it has finished with the last answer;
    // sent before that, hyper refuses it ("connection was not ready", 1 probe in 20 against
    // the manager, whose `/_ping` names no Docker version).
    sender.ready().await.map_err(|e| classify(&e))?;
    let req = request("/version").map_err(|e| classify(&e))?;
    let resp = sender.send_request(req).await.map_err(|e| classify(&e))?;
    let status = resp.status();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| classify(&e))?
        .to_bytes();
    driver.abort();
    if !status.is_success() {
        return Err(ProbeError::Protocol {
            addr: shown.to_string(),
            message: format!("GET /version answered {status}"),
        });
    }
    serde_json::from_slice(&body).map_err(|e| ProbeError::Protocol {
        addr: shown.to_string(),
        message: format!("GET /version: {e}"),
    })
}

/// `Docker/20.10.24+dfsg1 (linux)` → `20.10.24+dfsg1`.
fn parse_server_header(v: &str) -> Option<String> {
    let rest = v.strip_prefix("Docker/")?;
    let version = rest.split_whitespace().next()?;
    (!version.is_empty()).then(|| version.to_string())
}

/// The Engine API version flotilla speaks first: Docker 20.10's, which every
/// engine since accepts. Older engines are negotiated down on the first error,
/// so the common case costs no `/version` round trip.
const API_VERSION: bollard::ClientVersion = bollard::ClientVersion {
    major_version: 1,
    minor_version: 41,
};

/// Why a member could not get a client.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The store's TLS files could not be loaded.
    #[error(transparent)]
    Tls(#[from] ProbeError),
    /// bollard refused to build the client.
    #[error(transparent)]
    Bollard(#[from] bollard::errors::Error),
}

/// The one way flotilla builds an Engine API client (bollard). TCP engines get mutual TLS that trusts
/// only the store's CA (never the system roots: an engine must prove it
/// belongs to this store) over a pooled connection, so the requests of one
/// command share one handshake. bollard's own `connect_with_ssl` reads the
/// system trust store on every call and disables pooling, which cost more
/// than the requests themselves.
pub fn client(
    addr: &EngineAddr,
    tls: Option<&TlsFiles>,
    timeout: Duration,
) -> Result<bollard::Docker, ClientError> {
    let secs = timeout.as_secs().max(1);
    match (addr, tls) {
        (EngineAddr::Unix(p), _) => Ok(bollard::Docker::connect_with_unix(
            &p.to_string_lossy(),
            secs,
            &API_VERSION,
        )?),
        (EngineAddr::Tcp { host, port }, Some(files)) => {
            let config = client_tls_config(files)?;
            let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
            http.enforce_http(false);
            http.set_nodelay(true);
            http.set_connect_timeout(Some(timeout));
            let https = hyper_rustls::HttpsConnectorBuilder::new()
                .with_tls_config((*config).clone())
                .https_only()
                .enable_http1()
                .wrap_connector(http);
            let pool =
                hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                    .build(https);
            let authority = if host.contains(':') {
                format!("[{host}]:{port}")
            } else {
                format!("{host}:{port}")
            };
            let transport = move |req: bollard::BollardRequest| {
                let pool = pool.clone();
                async move { Ok(pool.request(req).await?) }
            };
            Ok(bollard::Docker::connect_with_custom_transport(
                transport,
                Some(format!("https://{authority}")),
                secs,
                &API_VERSION,
            )?)
        }
        (EngineAddr::Tcp { .. }, None) => Ok(bollard::Docker::connect_with_http(
            &addr.to_string(),
            secs,
            &API_VERSION,
        )?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A forward that accepts and then drops the connection (QEMU's user
    /// network before the guest listens) is unreachable, not a
    /// certificate problem; a peer that answers something other than TLS
    /// is a TLS failure.
    #[tokio::test]
    async fn a_connection_lost_in_the_handshake_is_reachability() {
        use tokio::io::AsyncWriteExt;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = Arc::new(
            rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth(),
        );
        let dropping = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: EngineAddr = format!("tcp://{}", dropping.local_addr().unwrap())
            .parse()
            .unwrap();
        tokio::spawn(async move {
            while let Ok((s, _)) = dropping.accept().await {
                drop(s);
            }
        });
        let e = probe(&addr, Some(tls.clone()), Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(matches!(e, ProbeError::Connect { .. }), "{e:?}");
        assert!(!e.is_certificate_problem());

        let plain = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: EngineAddr = format!("tcp://{}", plain.local_addr().unwrap())
            .parse()
            .unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = plain.accept().await {
                let _ = s
                    .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                    .await;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        let e = probe(&addr, Some(tls), Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(e.is_certificate_problem(), "{e:?}");
    }

    /// A server whose `/_ping` names no Docker version (the manager) is asked `/version` on
    /// the same connection; that second request waits until the connection is ready for it.
    /// Without the wait, 1 probe in 20 failed with "connection was not ready".
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_second_request_on_the_probe_connection_never_races_the_first() {
        let app = axum::Router::new()
            .route("/_ping", axum::routing::get(|| async { "OK" }))
            .route(
                "/version",
                axum::routing::get(|| async {
                    r#"{"Version":"flotilla/0.1.0","ApiVersion":"1.41","Os":"linux","Arch":"amd64"}"#
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: EngineAddr = format!("tcp://{}", listener.local_addr().unwrap())
            .parse()
            .unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        for i in 0..300 {
            let v = probe(&addr, None, Duration::from_secs(5))
                .await
                .unwrap_or_else(|e| panic!("probe {i}: {e}"));
            assert_eq!(v.version, "flotilla/0.1.0");
        }
    }

    #[test]
    fn parses_addresses() {
        let a: EngineAddr = "tcp://10.0.0.1:2376".parse().unwrap();
        assert_eq!(a.to_string(), "tcp://10.0.0.1:2376");
        let a: EngineAddr = "tcp://host.example".parse().unwrap();
        assert_eq!(a.to_string(), "tcp://host.example:2376");
        let a: EngineAddr = "tcp://[::1]:2377".parse().unwrap();
        assert_eq!(a.to_string(), "tcp://[::1]:2377");
        assert_eq!(a.host(), Some("::1"));
        let a: EngineAddr = "unix:///var/run/docker.sock".parse().unwrap();
        assert_eq!(a.to_string(), "unix:///var/run/docker.sock");
        let a: EngineAddr = "unix:///run/user/1000/docker-1.sock".parse().unwrap();
        assert_eq!(a.to_string(), "unix:///run/user/1000/docker-1.sock");
        let longest = format!("unix:///{}", "a".repeat(106));
        assert!(longest.parse::<EngineAddr>().is_ok());
        assert_eq!(
            "tcp://10.0.0.1:2376"
                .parse::<EngineAddr>()
                .unwrap()
                .with_port(3376)
                .to_string(),
            "tcp://10.0.0.1:3376"
        );
    }

    #[test]
    fn server_header() {
        assert_eq!(
            parse_server_header("Docker/20.10.24+dfsg1 (linux)").as_deref(),
            Some("20.10.24+dfsg1")
        );
        assert_eq!(parse_server_header("nginx/1.22"), None);
        assert_eq!(parse_server_header("Docker/"), None);
    }

    #[test]
    fn rejects_bad_addresses() {
        for bad in [
            "10.0.0.1:2376",
            "http://x:1",
            "tcp://",
            "tcp://:2376",
            "tcp://h:0",
            "tcp://h:99999",
            "tcp://h:abc",
            "tcp://h:1/path",
            "tcp://bad host:1",
            "unix://relative",
            "unix:///tmp/a\"b$(x)",
            "unix:///tmp/a`id`",
            "unix:///tmp/a\nb",
            "unix:///tmp/a b",
            "unix:///tmp/a;b",
            "unix:///tmp/a%20b",
            "unix:///tmp/é",
            "tcp://[::1",
            format!("unix:///{}", "a".repeat(107)).as_str(),
        ] {
            assert!(bad.parse::<EngineAddr>().is_err(), "{bad}");
        }
    }
}
