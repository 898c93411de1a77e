//! The embedded registry: `token://TOKEN` with no service configured lives in
//! the store, as `<store>/discovery/<TOKEN>.json`, written atomically under
//! the store lock. A workstation that creates every machine runs the whole
//! seed workflow offline with it; no server, no network.
//!
//! Expiry works as in the service (a `join` agent's entry lapses when its
//! heartbeats stop), because each registration writes its deadline.

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;

use super::registry::{self, Cluster};
use super::{Addr, Discovery, DiscoveryError, Result, addr};
use crate::store::{self, Store};

/// Where the embedded registry keeps its clusters: `<store>/discovery`, one `<TOKEN>.json` per
/// cluster.
pub fn dir(store_root: &Path) -> PathBuf {
    store_root.join("discovery")
}

fn path(store_root: &Path, token: &str) -> PathBuf {
    dir(store_root).join(format!("{token}.json"))
}

const PLACE: &str = "the store's embedded registry";

/// `token://TOKEN` kept in the store's embedded registry (see the module docs).
pub struct Embedded {
    url: String,
    token: String,
    root: PathBuf,
}

impl Embedded {
    /// The cluster `token` in the registry of the store at `root`; `url` is what errors name.
    /// Nothing is read here: an unknown token fails at first use.
    pub fn new(url: &str, token: &str, root: &Path) -> Self {
        Embedded {
            url: url.to_string(),
            token: token.to_string(),
            root: root.to_path_buf(),
        }
    }

    fn failed(&self, message: String) -> DiscoveryError {
        DiscoveryError::Failed {
            url: self.url.clone(),
            message,
        }
    }

    /// Reads, changes and (when `f` says so) writes the cluster file under
    /// the store lock, off the async threads (the lock blocks).
    async fn update<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Cluster) -> Result<(T, bool)> + Send + 'static,
    ) -> Result<T> {
        let url = self.url.clone();
        let token = self.token.clone();
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || {
            let failed = |message: String| DiscoveryError::Failed {
                url: url.clone(),
                message,
            };
            let st = Store::new(&root);
            let _lock = st.lock().map_err(|e| failed(e.to_string()))?;
            let p = path(&root, &token);
            let mut c = read(&p)
                .map_err(failed)?
                .ok_or_else(|| DiscoveryError::UnknownToken {
                    url: url.clone(),
                    token: token.clone(),
                    place: format!("{PLACE} ({})", dir(&root).display()),
                    embedded: true,
                })?;
            let (out, write) = f(&mut c)?;
            if write {
                save(&p, &c).map_err(failed)?;
            }
            Ok(out)
        })
        .await
        .map_err(|e| self.failed(format!("registry task failed: {e}")))?
    }
}

fn read(p: &Path) -> Result<Option<Cluster>, String> {
    match std::fs::read(p) {
        Ok(b) => serde_json::from_slice(&b)
            .map(Some)
            .map_err(|e| format!("corrupt registry file {}: {e}", p.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", p.display())),
    }
}

fn save(p: &Path, c: &Cluster) -> Result<(), String> {
    let mut c = c.clone();
    c.saved_ms = registry::now_ms();
    let mut json = serde_json::to_vec_pretty(&c).map_err(|e| e.to_string())?;
    json.push(b'\n');
    store::write_atomic(p, &json, 0o600).map_err(|e| format!("cannot write {}: {e}", p.display()))
}

/// Creates a token in the store and returns it.
pub async fn create_token(root: &Path) -> Result<String> {
    let root = root.to_path_buf();
    let failed = |message: String| DiscoveryError::Failed {
        url: "token://".into(),
        message,
    };
    tokio::task::spawn_blocking(move || {
        let st = Store::new(&root);
        let _lock = st.lock().map_err(|e| failed(e.to_string()))?;
        let d = dir(&root);
        store::create_private_dir_all(&d)
            .map_err(|e| failed(format!("cannot create {}: {e}", d.display())))?;
        let token = addr::new_token();
        save(
            &path(&root, &token),
            &Cluster::new(&token, registry::now_ms()),
        )
        .map_err(failed)?;
        Ok(token)
    })
    .await
    .map_err(|e| DiscoveryError::Failed {
        url: "token://".into(),
        message: format!("registry task failed: {e}"),
    })?
}

/// Deletes a token and its members from the store.
pub async fn delete_token(root: &Path, token: &str) -> Result<()> {
    let url = format!("token://{token}");
    let p = path(root, token);
    let root = root.to_path_buf();
    let token = token.to_string();
    tokio::task::spawn_blocking(move || {
        let st = Store::new(&root);
        let _lock = st.lock().map_err(|e| DiscoveryError::Failed {
            url: url.clone(),
            message: e.to_string(),
        })?;
        match std::fs::remove_file(&p) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(DiscoveryError::UnknownToken {
                    url,
                    token,
                    place: format!("{PLACE} ({})", dir(&root).display()),
                    embedded: true,
                })
            }
            Err(e) => Err(DiscoveryError::Failed {
                url,
                message: format!("cannot remove {}: {e}", p.display()),
            }),
        }
    })
    .await
    .map_err(|e| DiscoveryError::Failed {
        url: "token://".into(),
        message: format!("registry task failed: {e}"),
    })?
}

#[async_trait]
impl Discovery for Embedded {
    fn url(&self) -> &str {
        &self.url
    }

    async fn register(&self, a: &Addr, ttl: Option<Duration>) -> Result<()> {
        let a = a.clone();
        let url = self.url.clone();
        self.update(move |c| {
            let now = registry::now_ms();
            c.sweep(now);
            c.register(&a, ttl, now)
                .map_err(|e| DiscoveryError::Failed {
                    url,
                    message: e.to_string(),
                })?;
            Ok(((), true))
        })
        .await
    }

    async fn deregister(&self, a: &Addr) -> Result<()> {
        let a = a.clone();
        self.update(move |c| {
            let now = registry::now_ms();
            let swept = c.sweep(now);
            let removed = c.deregister(&a, now);
            Ok(((), swept || removed))
        })
        .await
    }

    async fn list(&self) -> Result<Vec<Addr>> {
        let live = self
            .update(|c| Ok((c.live(registry::now_ms()), false)))
            .await?;
        live.iter()
            .map(|s| {
                s.parse::<Addr>()
                    .map_err(|e| self.failed(format!("stored entry: {e}")))
            })
            .collect()
    }
}
