//! Test helpers: a flotilla-style store with its CA and client certificate (and a foreign CA
//! for refusal tests), a TLS Engine API client and a control-port client.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use serde_json::Value;

/// A store directory laid out as flotilla's (`certs/ca.pem`, `ca-key.pem`, `cert.pem`,
/// `key.pem`).
pub struct Store {
    pub dir: tempfile::TempDir,
}

impl Store {
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn certs(&self) -> PathBuf {
        self.dir.path().join("certs")
    }
}

pub fn store() -> Store {
    let dir = tempfile::tempdir().expect("temp dir");
    let certs = dir.path().join("certs");
    std::fs::create_dir_all(&certs).expect("certs dir");
    let ca_key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "test CA");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = params.self_signed(&ca_key).expect("CA");
    std::fs::write(certs.join("ca.pem"), ca.pem()).expect("write");
    std::fs::write(certs.join("ca-key.pem"), ca_key.serialize_pem()).expect("write");
    let issuer = Issuer::from_ca_cert_pem(&ca.pem(), ca_key).expect("issuer");
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "test client");
    params.distinguished_name = dn;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params.signed_by(&key, &issuer).expect("client cert");
    std::fs::write(certs.join("cert.pem"), cert.pem()).expect("write");
    std::fs::write(certs.join("key.pem"), key.serialize_pem()).expect("write");
    Store { dir }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A client configuration trusting `server_ca` (the store whose CA signed the engines) and
/// presenting `client`'s certificate (None: no certificate).
pub fn client_config(server_ca: &Store, client: Option<&Store>) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    let ca = std::fs::read(server_ca.certs().join("ca.pem")).expect("ca");
    for c in CertificateDer::pem_slice_iter(&ca) {
        roots.add(c.expect("pem")).expect("root");
    }
    let b = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots);
    let cfg = match client {
        None => b.with_no_client_auth(),
        Some(s) => {
            let chain: Vec<CertificateDer<'static>> =
                CertificateDer::pem_file_iter(s.certs().join("cert.pem"))
                    .expect("cert")
                    .collect::<Result<_, _>>()
                    .expect("cert");
            let key = PrivateKeyDer::from_pem_file(s.certs().join("key.pem")).expect("key");
            b.with_client_auth_cert(chain, key).expect("client auth")
        }
    };
    Arc::new(cfg)
}

/// One HTTP/1.1 connection to an engine over TLS (requests reuse it, as clients do).
pub struct Conn {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
}

pub async fn connect(addr: SocketAddr, cfg: Arc<rustls::ClientConfig>) -> std::io::Result<Conn> {
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    let tls = tokio_rustls::TlsConnector::from(cfg)
        .connect(ServerName::IpAddress(addr.ip().into()), tcp)
        .await?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .map_err(std::io::Error::other)?;
    tokio::spawn(conn);
    Ok(Conn { sender })
}

impl Conn {
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> hyper::Result<Response<Incoming>> {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header("Host", "docker");
        let body = match body {
            Some(v) => {
                b = b.header("Content-Type", "application/json");
                Full::new(Bytes::from(v.to_string()))
            }
            None => Full::new(Bytes::new()),
        };
        self.sender.ready().await?;
        self.sender
            .send_request(b.body(body).expect("request"))
            .await
    }

    /// A request answered in full: status, headers and the body parsed as JSON (Null when
    /// empty, a string when not JSON).
    pub async fn call(&mut self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let resp = self.send(method, path, body).await.expect("request");
        Answer::read(resp).await
    }
}

pub struct Answer {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub async fn read(resp: Response<Incoming>) -> Answer {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Answer {
            status,
            headers,
            body,
        }
    }
}

/// One call to the control port (plain HTTP, a new connection each time).
pub async fn control(addr: SocketAddr, method: &str, path: &str, body: Option<Value>) -> Answer {
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("control");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let body = body
        .map(|v| Full::new(Bytes::from(v.to_string())))
        .unwrap_or_default();
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("Host", "control")
        .body(body)
        .expect("request");
    Answer::read(sender.send_request(req).await.expect("control call")).await
}

/// Reads a streamed body until `want` JSON lines have arrived.
pub async fn lines(body: &mut Incoming, buf: &mut Vec<u8>, want: usize) -> Vec<Value> {
    let mut out = Vec::new();
    loop {
        while let Some(end) = buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buf.drain(..=end).collect();
            out.push(serde_json::from_slice(&line).expect("JSON line"));
            if out.len() == want {
                return out;
            }
        }
        match body.frame().await {
            Some(Ok(f)) => {
                if let Ok(d) = f.into_data() {
                    buf.extend_from_slice(&d);
                }
            }
            other => panic!("stream ended after {} lines: {other:?}", out.len()),
        }
    }
}

/// A short wait that must pass without an answer (a lower bound, never an upper one).
pub const QUIET: Duration = Duration::from_millis(400);
