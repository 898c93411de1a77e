//! The store's certificate authority, the client certificate and the
//! engines' server certificates.
//!
//! One CA per store signs everything; every engine trusts it and requires a
//! client certificate it signed (mutual TLS), as docker-machine did. Keys are
//! ECDSA P-256 (smaller and faster than docker-machine's RSA 2048, and
//! accepted by every Docker engine and client). Keys are written 0600 and
//! never printed or logged.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use time::{Duration, OffsetDateTime};

use crate::store::{self, Store, StoreError};

/// Certificates are valid for 1080 days, as docker-machine's were.
const VALIDITY_DAYS: i64 = 1080;

/// Why the store's certificates could not be read, made or written; each names the file, so
/// the user knows what to look at.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    /// A certificate or key file exists but cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A new certificate or key could not be stored.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A CA key without its certificate: making a new CA would silently orphan every machine
    /// that trusts the old one, so the user decides.
    #[error(
        "certificate authority key {0} exists but its certificate is missing; move the key away to create a new CA"
    )]
    OrphanCaKey(PathBuf),
    /// A file that does not parse as the PEM certificate or key it should hold.
    #[error("invalid certificate or key in {path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The parser's reason.
        message: String,
    },
    /// rcgen refused to build a certificate (a bad name or key).
    #[error("cannot generate certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// The store itself failed (its directories or lock).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Paths of the store-wide certificates.
#[derive(Debug, Clone)]
pub struct StoreCerts {
    /// The CA certificate every engine and client of the store trusts.
    pub ca: PathBuf,
    /// The CA's key: signs server certificates for new machines.
    pub ca_key: PathBuf,
    /// The client certificate flotilla (and `env`'s docker CLI) presents to engines.
    pub cert: PathBuf,
    /// The client certificate's key.
    pub key: PathBuf,
}

impl StoreCerts {
    /// Where the files live in `store` (docker-machine's names, so its users find them).
    pub fn of(store: &Store) -> Self {
        let d = store.certs_dir();
        StoreCerts {
            ca: d.join("ca.pem"),
            ca_key: d.join("ca-key.pem"),
            cert: d.join("cert.pem"),
            key: d.join("key.pem"),
        }
    }
}

fn organisation(suffix: &str) -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    if suffix.is_empty() {
        user
    } else {
        format!("{user}.{suffix}")
    }
}

fn validity(params: &mut CertificateParams) {
    // Five minutes of slack for clocks that disagree, as docker-machine did.
    let now = OffsetDateTime::now_utc() - Duration::minutes(5);
    params.not_before = now;
    params.not_after = now + Duration::days(VALIDITY_DAYS);
}

fn read(path: &Path) -> Result<String, CertError> {
    let bytes =
        store::read_file_bounded(path, store::MAX_PEM_FILE).map_err(|source| CertError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    String::from_utf8(bytes).map_err(|e| CertError::Read {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })
}

fn write(path: &Path, data: &str, mode: u32) -> Result<(), CertError> {
    store::write_atomic(path, data.as_bytes(), mode).map_err(|source| CertError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Is the PEM certificate at `path` unreadable or past (or near) its end?
fn needs_renewal(path: &Path) -> bool {
    let Ok(pem) = std::fs::read(path) else {
        return true;
    };
    let Ok((_, pem)) = x509_parser::pem::parse_x509_pem(&pem) else {
        return true;
    };
    let Ok(cert) = pem.parse_x509() else {
        return true;
    };
    let not_after = cert.validity().not_after.timestamp();
    not_after <= OffsetDateTime::now_utc().unix_timestamp() + 60
}

/// Creates the CA and the client certificate when they are missing or
/// expired. Safe to call from parallel processes: it runs under the store
/// lock and re-checks after taking it.
pub fn bootstrap(store: &Store) -> Result<StoreCerts, CertError> {
    let c = StoreCerts::of(store);
    if !needs_renewal(&c.ca) && !needs_renewal(&c.cert) && c.key.exists() && c.ca_key.exists() {
        return Ok(c);
    }
    let _lock = store.lock()?;
    let mut new_ca = false;
    if needs_renewal(&c.ca) {
        if c.ca_key.exists() && !c.ca.exists() {
            return Err(CertError::OrphanCaKey(c.ca_key.clone()));
        }
        tracing::info!("creating CA: {}", c.ca.display());
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::OrganizationName, organisation(""));
        dn.push(DnType::CommonName, "flotilla CA");
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        validity(&mut params);
        let cert = params.self_signed(&key)?;
        write(&c.ca_key, &key.serialize_pem(), 0o600)?;
        write(&c.ca, &cert.pem(), 0o644)?;
        new_ca = true;
    }
    if new_ca || needs_renewal(&c.cert) || !c.key.exists() {
        write_client_cert(&c)?;
    }
    Ok(c)
}

fn load_issuer(c: &StoreCerts) -> Result<Issuer<'static, KeyPair>, CertError> {
    let key_pem = read(&c.ca_key)?;
    let key = KeyPair::from_pem(&key_pem).map_err(|e| CertError::Invalid {
        path: c.ca_key.clone(),
        message: e.to_string(),
    })?;
    let ca_pem = read(&c.ca)?;
    Issuer::from_ca_cert_pem(&ca_pem, key).map_err(|e| CertError::Invalid {
        path: c.ca.clone(),
        message: e.to_string(),
    })
}

fn write_client_cert(c: &StoreCerts) -> Result<(), CertError> {
    tracing::info!("creating client certificate: {}", c.cert.display());
    let issuer = load_issuer(c)?;
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, organisation("<bootstrap>"));
    dn.push(DnType::CommonName, "flotilla client");
    params.distinguished_name = dn;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    validity(&mut params);
    let cert = params.signed_by(&key, &issuer)?;
    write(&c.key, &key.serialize_pem(), 0o600)?;
    write(&c.cert, &cert.pem(), 0o644)?;
    Ok(())
}

/// Replaces the client certificate with a new key pair, even when the old
/// one is still valid (docker-machine's `--client-certs` did not).
pub fn rotate_client(store: &Store) -> Result<StoreCerts, CertError> {
    let c = bootstrap(store)?;
    let _lock = store.lock()?;
    write_client_cert(&c)?;
    Ok(c)
}

/// A server certificate and its key, as PEM.
pub struct ServerCert {
    /// The certificate, signed by the store's CA.
    pub cert_pem: String,
    /// Its private key, which only the engine's host should keep.
    pub key_pem: String,
}

/// Issues a server certificate signed by the store's CA. `sans` are IPs or
/// DNS names; `localhost` is always added. `client_auth` adds the client
/// usage too, for a manager that talks to the engines with it.
pub fn issue_server(
    store: &Store,
    name: &str,
    sans: &[String],
    client_auth: bool,
) -> Result<ServerCert, CertError> {
    let c = bootstrap(store)?;
    let issuer = load_issuer(&c)?;
    let mut all: Vec<String> = Vec::new();
    for s in sans.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if !all.iter().any(|x| x == s) {
            all.push(s.to_string());
        }
    }
    if !all.iter().any(|x| x == "localhost") {
        all.push("localhost".into());
    }
    let mut params = CertificateParams::new(all)?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, organisation(name));
    params.distinguished_name = dn;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    if client_auth {
        params
            .extended_key_usages
            .push(ExtendedKeyUsagePurpose::ClientAuth);
    }
    validity(&mut params);
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, &issuer)?;
    Ok(ServerCert {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    })
}

/// Copies the store's CA and client certificate into a machine directory,
/// where `DOCKER_CERT_PATH` points.
pub fn install_client_copies(store: &Store, machine_dir: &Path) -> Result<(), CertError> {
    let c = bootstrap(store)?;
    copy_set(&c.ca, &c.cert, &c.key, machine_dir)
}

/// Copies an explicit CA / client cert / key triple into a machine directory.
pub fn copy_set(ca: &Path, cert: &Path, key: &Path, machine_dir: &Path) -> Result<(), CertError> {
    for (from, to, mode) in [
        (ca, "ca.pem", 0o644),
        (cert, "cert.pem", 0o644),
        (key, "key.pem", 0o600),
    ] {
        let pem = read(from)?;
        if !pem.contains("-----BEGIN") {
            return Err(CertError::Invalid {
                path: from.to_path_buf(),
                message: "not a PEM file".into(),
            });
        }
        write(&machine_dir.join(to), &pem, mode)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn bootstrap_is_idempotent_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let c = bootstrap(&store).unwrap();
        let ca1 = std::fs::read(&c.ca).unwrap();
        let c2 = bootstrap(&store).unwrap();
        assert_eq!(ca1, std::fs::read(&c2.ca).unwrap());
        for k in [&c.key, &c.ca_key] {
            let mode = std::fs::metadata(k).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{}", k.display());
        }
    }

    #[test]
    fn rotation_changes_the_client_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let c = bootstrap(&store).unwrap();
        let before = std::fs::read(&c.key).unwrap();
        rotate_client(&store).unwrap();
        assert_ne!(before, std::fs::read(&c.key).unwrap());
    }

    #[test]
    fn server_cert_has_sans() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let s = issue_server(
            &store,
            "n1",
            &["10.0.0.5".into(), "example.org".into()],
            false,
        )
        .unwrap();
        let (_, pem) = x509_parser::pem::parse_x509_pem(s.cert_pem.as_bytes()).unwrap();
        let cert = pem.parse_x509().unwrap();
        let san = cert.subject_alternative_name().unwrap().unwrap();
        let text = format!("{:?}", san.value.general_names);
        assert!(
            text.contains("example.org") && text.contains("localhost"),
            "{text}"
        );
        assert!(text.contains("[10, 0, 0, 5]"), "{text}");
    }

    #[test]
    fn orphan_ca_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let c = bootstrap(&store).unwrap();
        std::fs::remove_file(&c.ca).unwrap();
        assert!(matches!(bootstrap(&store), Err(CertError::OrphanCaKey(_))));
    }
}
