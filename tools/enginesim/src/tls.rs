//! Mutual TLS from a flotilla store's CA (`STORE/certs/ca.pem` and `ca-key.pem`, the layout of
//! flotilla's `certs` module): one server certificate for 127.0.0.1/localhost issued at start,
//! and client certificates required and verified against that CA, as a dockerd started with
//! `--tlsverify` does.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid CA in {path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("cannot issue the server certificate: {0}")]
    Issue(#[from] rcgen::Error),
    #[error("TLS configuration: {0}")]
    Config(String),
}

/// The store's CA files.
pub fn ca_paths(store: &Path) -> (PathBuf, PathBuf) {
    let certs = store.join("certs");
    (certs.join("ca.pem"), certs.join("ca-key.pem"))
}

fn read(path: &Path) -> Result<String, TlsError> {
    std::fs::read_to_string(path).map_err(|source| TlsError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// The server configuration every simulated engine shares; `sessions` sizes the resumption
/// cache (one entry per client connection worth keeping).
pub fn server_config(store: &Path, sessions: usize) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let (ca_path, key_path) = ca_paths(store);
    let ca_pem = read(&ca_path)?;
    let key_pem = read(&key_path)?;
    let invalid = |path: &Path, message: String| TlsError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    let ca_key = KeyPair::from_pem(&key_pem).map_err(|e| invalid(&key_path, e.to_string()))?;
    let issuer =
        Issuer::from_ca_cert_pem(&ca_pem, ca_key).map_err(|e| invalid(&ca_path, e.to_string()))?;

    let mut params = CertificateParams::new(vec![
        "127.0.0.1".to_string(),
        "::1".to_string(),
        "localhost".to_string(),
    ])?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "flotilla-enginesim");
    params.distinguished_name = dn;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::minutes(5);
    params.not_after = now + time::Duration::days(30);
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, &issuer)?;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        let c = c.map_err(|e| invalid(&ca_path, e.to_string()))?;
        roots.add(c).map_err(|e| invalid(&ca_path, e.to_string()))?;
    }
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .map_err(|e| TlsError::Config(e.to_string()))?;
    let key_der = PrivateKeyDer::from_pem_slice(key.serialize_pem().as_bytes())
        .map_err(|e| TlsError::Config(e.to_string()))?;
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![cert.der().clone()], key_der)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    cfg.session_storage = rustls::server::ServerSessionMemoryCache::new(sessions.max(256));
    Ok(Arc::new(cfg))
}
