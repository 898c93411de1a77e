//! Discovery: where a cluster's engine addresses live.
//!
//! One [`Discovery`] trait, one backend per URL scheme ([`open`] chooses):
//!
//! | URL | backend |
//! |---|---|
//! | `token://TOKEN` | the store's embedded registry ([`embedded`]), or the token service named by `--discovery-url` / `FLOTILLA_DISCOVERY_URL` ([`service`]) |
//! | `token://HOST[:PORT][/PATH]/TOKEN` | the token service at `https://HOST[:PORT][/PATH]` |
//! | `file:///path` | a file, one address per line (`file`) |
//! | `nodes://a:2376,b:2376` (or bare) | a fixed list ([`nodes`]) |
//! | `etcd://h1:2379,h2:2379/prefix` | etcd v3 through its JSON gateway ([`etcd`]) |
//!
//! `[from:to]` ranges expand in `file` and `nodes` entries. The token
//! service itself is [`server`]; the `join` agent is [`agent`]; what
//! `create --swarm` registers and `rm` removes is [`membership`].
//!
//! Pure parsing lives in [`addr`], [`url`] and [`registry`]; the rest is I/O.

pub mod addr;
pub mod agent;
pub mod election;
pub mod embedded;
pub mod etcd;
pub mod file;
pub mod membership;
pub mod nodes;
pub mod registry;
pub mod server;
pub mod service;
pub mod url;

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::mpsc;

pub use addr::Addr;
pub use url::{DiscoveryUrl, UrlError};

/// Default for every network call discovery makes (connect and answer).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// How a discovery URL is resolved and reached.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `--discovery-url`: the token service `token://TOKEN` means, instead
    /// of the store's embedded registry.
    pub service: Option<String>,
    /// An extra CA certificate (PEM) trusted for HTTPS token services.
    pub ca: Option<PathBuf>,
    /// A file holding the secret of the service `service` names, sent as a bearer token when
    /// creating or deleting a cluster there (never to a service a `token://HOST/…` URL names).
    pub secret_file: Option<PathBuf>,
    /// Bound on each network call.
    pub timeout: Duration,
    /// The store, for the embedded registry.
    pub store_root: PathBuf,
}

/// Why a discovery operation failed; every variant names the discovery URL as given.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    /// The URL does not parse (found before any I/O).
    #[error(transparent)]
    Url(#[from] UrlError),
    /// The backend cannot do this: registering in a `nodes://` list, a TTL in a `file://` list.
    #[error("{url}: {op} is not supported: {why}")]
    Unsupported {
        /// The discovery URL.
        url: String,
        /// What was asked (`register`, `registering with a TTL`…).
        op: &'static str,
        /// Why this backend cannot, and what to use instead.
        why: String,
    },
    /// The backend could not be reached: connection refused, DNS, TLS.
    #[error("{url}: cannot reach {target}: {message}")]
    Unreachable {
        /// The discovery URL.
        url: String,
        /// What was being reached (`the token service …`, `etcd at …`).
        target: String,
        /// The error and its causes.
        message: String,
    },
    /// No answer within [`Settings::timeout`].
    #[error("{url}: {target} did not answer within {secs}s")]
    Timeout {
        /// The discovery URL.
        url: String,
        /// What did not answer (`the token service …`, `etcd at …`).
        target: String,
        /// The timeout, in seconds.
        secs: f64,
    },
    /// The token service or the embedded registry does not know the token (never created, or
    /// deleted).
    #[error("{url}: unknown token {token} in {place}")]
    UnknownToken {
        /// The discovery URL.
        url: String,
        /// The cluster token.
        token: String,
        /// Where it was looked up: the service, or the store's registry directory.
        place: String,
        /// Whether that was the store's embedded registry: the token may belong to a service that
        /// `--discovery-url` should name.
        embedded: bool,
    },
    /// Any other failure: an error answer, a malformed listing, a file that cannot be read or
    /// written.
    #[error("{url}: {message}")]
    Failed {
        /// The discovery URL.
        url: String,
        /// What failed, naming the file, service or endpoint.
        message: String,
    },
}

impl DiscoveryError {
    /// A suggestion for the user, printed as `hint: …`.
    pub fn hint(&self) -> Option<String> {
        match self {
            DiscoveryError::UnknownToken { embedded: true, .. } => Some(
                "create the token with `flotilla token create`; if it came from a token service, name the service with --discovery-url or FLOTILLA_DISCOVERY_URL".into(),
            ),
            DiscoveryError::UnknownToken { .. } => Some(
                "create the token on this service with `flotilla token create --discovery-url URL`".into(),
            ),
            DiscoveryError::Unreachable { url, .. } | DiscoveryError::Timeout { url, .. }
                if url.starts_with("etcd://") =>
            {
                Some("check that etcd runs and listens on the URL's endpoints".into())
            }
            DiscoveryError::Unreachable { .. } | DiscoveryError::Timeout { .. } => Some(
                "check that the token service runs (`flotilla discovery serve`) and the URL is right".into(),
            ),
            _ => None,
        }
    }
}

/// Discovery's result: the error is a [`DiscoveryError`] unless said otherwise.
pub type Result<T, E = DiscoveryError> = std::result::Result<T, E>;

/// A cluster's membership, whatever keeps it.
#[async_trait]
pub trait Discovery: Send + Sync {
    /// The URL the backend was opened with (named in every error).
    fn url(&self) -> &str;

    /// Adds `addr`, or refreshes it. With a TTL the entry disappears unless
    /// registered again in time (what `join` does every heartbeat); without
    /// one it stays until [`Discovery::deregister`].
    async fn register(&self, addr: &Addr, ttl: Option<Duration>) -> Result<()>;

    /// Removes `addr`; removing an absent address is not an error.
    async fn deregister(&self, addr: &Addr) -> Result<()>;

    /// The current addresses.
    async fn list(&self) -> Result<Vec<Addr>>;

    /// Sends the address set whenever it changes (the first set at once),
    /// and errors as they happen without stopping, until `tx` is closed.
    /// The default polls [`Discovery::list`] every `poll`; etcd overrides it
    /// with a real watch.
    async fn watch(&self, poll: Duration, tx: mpsc::Sender<Result<Vec<Addr>>>) {
        let mut last: Option<Vec<Addr>> = None;
        loop {
            let item = match self.list().await {
                Ok(set) if last.as_ref() == Some(&set) => None,
                Ok(set) => {
                    last = Some(set.clone());
                    Some(Ok(set))
                }
                Err(e) => Some(Err(e)),
            };
            if let Some(item) = item
                && tx.send(item).await.is_err()
            {
                return;
            }
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = tx.closed() => return,
            }
        }
    }
}

/// Opens the backend a discovery URL names. Parsing errors come back before
/// any I/O; nothing here touches the network.
pub fn open(url: &str, settings: &Settings) -> Result<Box<dyn Discovery>> {
    match DiscoveryUrl::parse(url)? {
        DiscoveryUrl::Token {
            token,
            service: Some(base),
        } => Ok(Box::new(service::TokenBackend::new(
            url, &token, &base, settings,
        )?)),
        DiscoveryUrl::Token {
            token,
            service: None,
        } => match &settings.service {
            Some(s) => {
                let base = url::service_base(s)?;
                Ok(Box::new(service::TokenBackend::new(
                    url, &token, &base, settings,
                )?))
            }
            None => Ok(Box::new(embedded::Embedded::new(
                url,
                &token,
                &settings.store_root,
            ))),
        },
        DiscoveryUrl::File { path } => Ok(Box::new(file::FileBackend::new(url, &path))),
        DiscoveryUrl::Nodes { addrs } => Ok(Box::new(nodes::Nodes::new(url, addrs))),
        DiscoveryUrl::Etcd { endpoints, prefix } => Ok(Box::new(etcd::Etcd::new(
            url,
            &endpoints,
            &prefix,
            settings.timeout,
        )?)),
    }
}

/// Creates a new cluster token: in the embedded registry, or on the token
/// service `settings.service` names.
pub async fn create_token(settings: &Settings) -> Result<String> {
    match &settings.service {
        Some(s) => {
            let base = url::service_base(s)?;
            service::Client::new(s, &base, settings)?
                .with_secret(settings)?
                .create()
                .await
        }
        None => embedded::create_token(&settings.store_root).await,
    }
}

/// Deletes a cluster token and its members.
pub async fn delete_token(settings: &Settings, token: &str) -> Result<()> {
    let url = format!("token://{token}");
    let DiscoveryUrl::Token { token, service } = DiscoveryUrl::parse(&url)? else {
        unreachable!("token:// always parses as a token URL")
    };
    match (&settings.service, service) {
        (_, Some(base)) => {
            service::Client::new(&url, &base, settings)?
                .delete(&token)
                .await
        }
        (Some(s), None) => {
            let base = url::service_base(s)?;
            service::Client::new(&url, &base, settings)?
                .with_secret(settings)?
                .delete(&token)
                .await
        }
        (None, None) => embedded::delete_token(&settings.store_root, &token).await,
    }
}
