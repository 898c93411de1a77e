//! An ACME client (RFC 8555) for the proxy's certificates, and where they are kept (I/O).
//!
//! The protocol is `instant-acme`'s; keys and CSRs are rcgen's (ECDSA P-256, through
//! instant-acme's `rcgen` feature). Only HTTP-01 is used: the caller publishes each challenge's
//! answer (the proxy writes it into its nginx configuration) through a [`ChallengeSink`], and
//! withdraws it when the order is settled, whatever the outcome.
//!
//! Everything lives in the store, one directory per ACME directory URL (so staging and
//! production never mix): `<store>/acme/<sha256(url)[..16]>/account.json` (the account's
//! credentials) and `certs/HOST.crt` + `certs/HOST.key`, every file 0600 and every directory
//! 0700, written atomically. A certificate is replaced only by a complete new one, so a failed
//! renewal leaves the previous certificate in place.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use instant_acme::{
    Account, AccountCredentials, AuthorizationStatus, ChallengeType, Identifier, NewAccount,
    NewOrder, OrderStatus, RetryPolicy,
};

use crate::store;

/// Let's Encrypt's production directory.
pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";
/// Let's Encrypt's staging directory (untrusted certificates, generous rate limits).
pub const LETS_ENCRYPT_STAGING: &str = "https://acme-staging-v02.api.letsencrypt.org/directory";

/// Why an ACME account or certificate could not be had.
#[derive(Debug, thiserror::Error)]
pub enum AcmeError {
    /// Reading or writing the store's `acme/` directory failed.
    #[error("{context}: {source}")]
    Store {
        /// What was being done, with the path.
        context: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The ACME server refused or failed a step.
    #[error("{what}: {message}")]
    Protocol {
        /// The step (account, order, authorisation, finalize…).
        what: String,
        /// The server's or the client's reason.
        message: String,
    },
    /// The HTTP-01 answer could not be served.
    #[error("the challenge for {host} could not be published: {message}")]
    Publish {
        /// The host being validated.
        host: String,
        /// Why the sink refused it.
        message: String,
    },
    /// A bad configuration or host name.
    #[error("{0}")]
    Invalid(String),
}

fn protocol(what: &str) -> impl FnOnce(instant_acme::Error) -> AcmeError + '_ {
    move |e| AcmeError::Protocol {
        what: what.to_string(),
        message: e.to_string(),
    }
}

fn store_err(context: String) -> impl FnOnce(std::io::Error) -> AcmeError {
    move |source| AcmeError::Store { context, source }
}

/// Where and how to reach the ACME server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcmeConfig {
    /// The directory URL.
    pub directory: String,
    /// Contact address for the account (`mailto:` is added).
    pub email: Option<String>,
    /// A PEM CA certificate to trust for the directory's HTTPS instead of the system's roots
    /// (a test CA such as pebble's).
    pub ca_file: Option<PathBuf>,
    /// The store's root: files go under `<root>/acme/`.
    pub store_root: PathBuf,
    /// Limit for each wait on the server (an order becoming ready, a certificate being issued).
    pub timeout: Duration,
}

impl AcmeConfig {
    /// This directory's files: `<store>/acme/<first 16 hex digits of sha256(url)>`.
    pub fn dir(&self) -> PathBuf {
        let digest = ring::digest::digest(&ring::digest::SHA256, self.directory.as_bytes());
        let hex: String = digest
            .as_ref()
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect();
        self.store_root.join("acme").join(hex)
    }
}

/// Where a challenge's answer is published while the server validates it.
#[async_trait::async_trait]
pub trait ChallengeSink: Send + Sync {
    /// Makes `http://HOST/.well-known/acme-challenge/TOKEN` answer `key_auth`; returns once it
    /// does.
    async fn publish(&self, host: &str, token: &str, key_auth: &str) -> Result<(), String>;
    /// Stops answering `token`.
    async fn withdraw(&self, token: &str);
}

/// A certificate in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCert {
    /// The certificate chain (PEM).
    pub crt: PathBuf,
    /// Its private key (PEM, mode 0600).
    pub key: PathBuf,
    /// Unix seconds.
    pub not_before: u64,
    /// Unix seconds; renewal is due a while before.
    pub not_after: u64,
}

/// The certificates kept for one ACME directory.
#[derive(Debug, Clone)]
pub struct CertStore {
    dir: PathBuf,
}

fn validity(pem: &[u8]) -> Option<(u64, u64)> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem).ok()?;
    let cert = pem.parse_x509().ok()?;
    let v = cert.validity();
    Some((
        u64::try_from(v.not_before.timestamp()).ok()?,
        u64::try_from(v.not_after.timestamp()).ok()?,
    ))
}

/// Host names the store accepts as file names (what the proxy orders: exact DNS names).
fn valid_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && !host.starts_with('.')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

impl CertStore {
    /// The store of the given ACME directory's certificates (`<store>/acme/<dir>/certs`).
    pub fn new(cfg: &AcmeConfig) -> CertStore {
        CertStore {
            dir: cfg.dir().join("certs"),
        }
    }

    /// Every stored certificate whose files parse, by host.
    pub fn load_all(&self) -> BTreeMap<String, StoredCert> {
        let mut out = BTreeMap::new();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return out;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(host) = name.strip_suffix(".crt") else {
                continue;
            };
            if let Some(c) = self.load(host) {
                out.insert(host.to_string(), c);
            }
        }
        out
    }

    /// The stored certificate for `host`, if both files are there and the certificate parses.
    pub fn load(&self, host: &str) -> Option<StoredCert> {
        if !valid_host(host) {
            return None;
        }
        let crt = self.dir.join(format!("{host}.crt"));
        let key = self.dir.join(format!("{host}.key"));
        let pem = std::fs::read(&crt).ok()?;
        if !key.is_file() {
            return None;
        }
        let (not_before, not_after) = validity(&pem)?;
        Some(StoredCert {
            crt,
            key,
            not_before,
            not_after,
        })
    }

    /// Stores a new certificate for `host` (key first, so a reader never pairs a new
    /// certificate with an old key for long; both 0600).
    pub fn save(
        &self,
        host: &str,
        chain_pem: &str,
        key_pem: &str,
    ) -> Result<StoredCert, AcmeError> {
        if !valid_host(host) {
            return Err(AcmeError::Invalid(format!(
                "not a host name the store accepts: {host:?}"
            )));
        }
        let (not_before, not_after) = validity(chain_pem.as_bytes()).ok_or_else(|| {
            AcmeError::Invalid(format!("the certificate issued for {host} does not parse"))
        })?;
        create_private_dir(&self.dir)?;
        let crt = self.dir.join(format!("{host}.crt"));
        let key = self.dir.join(format!("{host}.key"));
        store::write_atomic(&key, key_pem.as_bytes(), 0o600)
            .map_err(store_err(format!("cannot write {}", key.display())))?;
        store::write_atomic(&crt, chain_pem.as_bytes(), 0o600)
            .map_err(store_err(format!("cannot write {}", crt.display())))?;
        Ok(StoredCert {
            crt,
            key,
            not_before,
            not_after,
        })
    }
}

fn create_private_dir(dir: &Path) -> Result<(), AcmeError> {
    std::fs::create_dir_all(dir).map_err(store_err(format!("cannot create {}", dir.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut d = Some(dir);
        // the acme/ directory and everything below it
        while let Some(p) = d {
            let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o700));
            if p.file_name().is_some_and(|n| n == "acme") {
                break;
            }
            d = p.parent();
        }
    }
    Ok(())
}

/// An ACME account, ready to order certificates.
pub struct Client {
    account: Account,
    cfg: AcmeConfig,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("directory", &self.cfg.directory)
            .finish()
    }
}

impl Client {
    /// Loads the account from the store, or registers a new one and stores its credentials.
    pub async fn connect(cfg: &AcmeConfig) -> Result<Client, AcmeError> {
        let dir = cfg.dir();
        let path = dir.join("account.json");
        let builder = || match &cfg.ca_file {
            Some(pem) => {
                Account::builder_with_root(pem).map_err(protocol("cannot use --acme-ca-file"))
            }
            None => Account::builder().map_err(protocol("cannot set up the HTTPS client")),
        };
        let within = |what: &'static str| {
            let t = cfg.timeout;
            move |_| AcmeError::Protocol {
                what: what.to_string(),
                message: format!("no answer within {}s", t.as_secs()),
            }
        };
        match std::fs::read(&path) {
            Ok(bytes) => {
                let creds: AccountCredentials = serde_json::from_slice(&bytes).map_err(|e| {
                    AcmeError::Invalid(format!("corrupt ACME account {}: {e}", path.display()))
                })?;
                let account = tokio::time::timeout(cfg.timeout, builder()?.from_credentials(creds))
                    .await
                    .map_err(within("loading the ACME account"))?
                    .map_err(protocol("cannot load the ACME account"))?;
                return Ok(Client {
                    account,
                    cfg: cfg.clone(),
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(store_err(format!("cannot read {}", path.display()))(e)),
        }
        let contact = cfg.email.as_ref().map(|e| format!("mailto:{e}"));
        let contacts: Vec<&str> = contact.iter().map(String::as_str).collect();
        let (account, creds) = tokio::time::timeout(
            cfg.timeout,
            builder()?.create(
                &NewAccount {
                    contact: &contacts,
                    terms_of_service_agreed: true,
                    only_return_existing: false,
                },
                cfg.directory.clone(),
                None,
            ),
        )
        .await
        .map_err(within("registering an ACME account"))?
        .map_err(protocol(&format!(
            "cannot register an account at {}",
            cfg.directory
        )))?;
        let json = serde_json::to_vec_pretty(&creds)
            .map_err(|e| AcmeError::Invalid(format!("cannot serialise the account: {e}")))?;
        create_private_dir(&dir)?;
        store::write_atomic(&path, &json, 0o600)
            .map_err(store_err(format!("cannot write {}", path.display())))?;
        Ok(Client {
            account,
            cfg: cfg.clone(),
        })
    }

    /// Orders a certificate for `host` with HTTP-01 and stores it. Every published challenge
    /// is withdrawn before this returns.
    pub async fn issue(
        &self,
        host: &str,
        sink: &dyn ChallengeSink,
        store: &CertStore,
    ) -> Result<StoredCert, AcmeError> {
        let mut published = Vec::new();
        let result = self.order(host, sink, &mut published).await;
        for token in published {
            sink.withdraw(&token).await;
        }
        let (chain, key) = result?;
        store.save(host, &chain, &key)
    }

    async fn order(
        &self,
        host: &str,
        sink: &dyn ChallengeSink,
        published: &mut Vec<String>,
    ) -> Result<(String, String), AcmeError> {
        let timeout = self.cfg.timeout;
        let identifiers = [Identifier::Dns(host.to_string())];
        let mut order = tokio::time::timeout(
            timeout,
            self.account.new_order(&NewOrder::new(&identifiers)),
        )
        .await
        .map_err(|_| AcmeError::Protocol {
            what: format!("new order for {host}"),
            message: "no answer".into(),
        })?
        .map_err(protocol(&format!("new order for {host}")))?;
        let mut authorizations = order.authorizations();
        while let Some(authz) = authorizations.next().await {
            let mut authz = authz.map_err(protocol("authorization"))?;
            match authz.status {
                AuthorizationStatus::Pending => {}
                AuthorizationStatus::Valid => continue,
                other => {
                    return Err(AcmeError::Protocol {
                        what: format!("authorization for {host}"),
                        message: format!("status {other:?}"),
                    });
                }
            }
            let mut challenge =
                authz
                    .challenge(ChallengeType::Http01)
                    .ok_or_else(|| AcmeError::Protocol {
                        what: format!("authorization for {host}"),
                        message: "the server offers no http-01 challenge".into(),
                    })?;
            let token = challenge.token.clone();
            let key_auth = challenge.key_authorization().as_str().to_string();
            published.push(token.clone());
            sink.publish(host, &token, &key_auth)
                .await
                .map_err(|message| AcmeError::Publish {
                    host: host.to_string(),
                    message,
                })?;
            challenge
                .set_ready()
                .await
                .map_err(protocol("challenge ready"))?;
        }
        let retries = RetryPolicy::new()
            .initial_delay(Duration::from_millis(100))
            .backoff(1.5)
            .timeout(timeout);
        let status = order
            .poll_ready(&retries)
            .await
            .map_err(protocol(&format!("validation of {host}")))?;
        if status != OrderStatus::Ready {
            return Err(AcmeError::Protocol {
                what: format!("validation of {host}"),
                message: format!("order status {status:?}"),
            });
        }
        let key = order
            .finalize()
            .await
            .map_err(protocol(&format!("finalizing the order for {host}")))?;
        let chain = order
            .poll_certificate(&retries)
            .await
            .map_err(protocol(&format!("downloading the certificate for {host}")))?;
        Ok((chain, key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(root: &Path) -> AcmeConfig {
        AcmeConfig {
            directory: "https://acme.test/dir".into(),
            email: None,
            ca_file: None,
            store_root: root.to_path_buf(),
            timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn certificates_are_stored_private_and_read_back() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let c = cfg(tmp.path());
        assert!(c.dir().starts_with(tmp.path().join("acme")));
        let other = AcmeConfig {
            directory: LETS_ENCRYPT_STAGING.into(),
            ..c.clone()
        };
        assert_ne!(c.dir(), other.dir());
        let store = CertStore::new(&c);
        assert!(store.load_all().is_empty());
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = rcgen::CertificateParams::new(vec!["a.test".to_string()])
            .expect("params")
            .self_signed(&key)
            .expect("cert");
        let saved = store
            .save("a.test", &cert.pem(), &key.serialize_pem())
            .expect("save");
        assert!(saved.not_after > saved.not_before);
        assert_eq!(store.load_all().get("a.test"), Some(&saved));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for p in [&saved.crt, &saved.key] {
                let mode = std::fs::metadata(p).expect("meta").permissions().mode();
                assert_eq!(mode & 0o777, 0o600, "{}", p.display());
            }
            let mode = std::fs::metadata(tmp.path().join("acme"))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700);
        }
        assert!(store.save("../x", "", "").is_err());
        assert!(store.save("b.test", "not a certificate", "k").is_err());
        assert!(store.load("b.test").is_none());
    }
}
