//! `etcd://h1:2379,h2:2379/prefix` on etcd v3, through its JSON gateway
//! (`/v3/…` on the client port, served by etcd 3.4 and later).
//!
//! Why the gateway and not the `etcd-client` crate: etcd-client compiles
//! etcd's protobufs at build time, which needs `protoc` on every build
//! machine and pulls tonic and prost in, for five calls (lease grant and
//! revoke, put, range, delete) and one streaming watch that are plain
//! JSON over HTTP with reqwest, which the project already has.
//!
//! Layout (classic swarm's): each node is the key
//! `<prefix>/docker/swarm/nodes/<host:port>` with the address as value; the
//! list is built from the values. A TTL registration grants a lease of that
//! TTL and attaches the key to it; each heartbeat grants a fresh lease,
//! re-puts the key with it and revokes the previous one, so an agent that
//! stops heartbeating disappears when its last lease expires. Registration
//! without a TTL puts the key with no lease. `watch` is a real etcd watch on
//! the directory (from the revision of the first listing, so nothing is
//! missed between the two) and re-lists on every event.
//!
//! Endpoints are tried in order; the first that answers is used. Every call
//! is bounded by the settings' timeout; the watch stream only by its
//! connect timeout, since it is meant to stay open. Plain HTTP only: etcd
//! over TLS is not supported yet.

pub mod client;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::mpsc;

use super::{Addr, Discovery, DiscoveryUrl, Result};
pub use client::prefix_end;
use client::{Client, KeyValue};

/// `etcd://` discovery (see the module docs). It remembers the lease of each address it
/// registered with a TTL, so the next heartbeat can revoke it.
pub struct Etcd {
    client: Client,
    /// `<prefix>/docker/swarm/nodes/`
    dir: String,
    leases: Mutex<HashMap<String, i64>>,
}

/// The addresses of a node directory's keys, from their values (pure).
pub fn entries(kvs: &[KeyValue]) -> std::result::Result<Vec<Addr>, String> {
    let mut out = Vec::new();
    for kv in kvs {
        let s = kv.value.trim();
        if s.is_empty() {
            continue;
        }
        out.push(s.parse::<Addr>().map_err(|e| e.to_string())?);
    }
    out.sort();
    Ok(out)
}

impl Etcd {
    /// `prefix` is the URL's path: nodes live under `<prefix>/docker/swarm/nodes/`. No request
    /// is made here.
    pub fn new(url: &str, endpoints: &[Addr], prefix: &str, timeout: Duration) -> Result<Self> {
        Ok(Etcd {
            client: Client::new(url, endpoints, timeout)?,
            dir: format!("{}/", DiscoveryUrl::etcd_dir(prefix)),
            leases: Mutex::new(HashMap::new()),
        })
    }

    fn key(&self, a: &Addr) -> String {
        format!("{}{a}", self.dir)
    }

    async fn range(&self) -> Result<(Vec<Addr>, i64)> {
        let (kvs, rev) = self.client.range_prefix(&self.dir).await?;
        let list = entries(&kvs).map_err(|e| self.client.failed(format!("etcd listed {e}")))?;
        Ok((list, rev))
    }

    fn take_lease(&self, key: &str) -> Option<i64> {
        self.leases.lock().ok().and_then(|mut l| l.remove(key))
    }

    /// One watch stream: sends the set on every change until the stream
    /// ends (error) or `tx` closes (Ok).
    async fn watch_once(
        &self,
        last: &mut Option<Vec<Addr>>,
        tx: &mpsc::Sender<Result<Vec<Addr>>>,
    ) -> Result<()> {
        let (set, rev) = self.range().await?;
        if last.as_ref() != Some(&set) {
            *last = Some(set.clone());
            if tx.send(Ok(set)).await.is_err() {
                return Ok(());
            }
        }
        let mut watch = self.client.watch(&self.dir, true, rev + 1).await?;
        loop {
            tokio::select! {
                events = watch.next() => { events?; }
                _ = tx.closed() => return Ok(()),
            }
            let (set, _) = self.range().await?;
            if last.as_ref() != Some(&set) {
                *last = Some(set.clone());
                if tx.send(Ok(set)).await.is_err() {
                    return Ok(());
                }
            }
        }
    }
}

#[async_trait]
impl Discovery for Etcd {
    fn url(&self) -> &str {
        self.client.url()
    }

    async fn register(&self, a: &Addr, ttl: Option<Duration>) -> Result<()> {
        let key = self.key(a);
        let new_lease = match ttl {
            Some(t) => Some(self.client.grant(t).await?),
            None => None,
        };
        let old = self.take_lease(&key);
        let put = self.client.put(&key, &a.to_string(), new_lease).await;
        if let Err(e) = put {
            if let Some(id) = new_lease {
                self.client.revoke(id).await;
            }
            if let (Some(id), Ok(mut l)) = (old, self.leases.lock()) {
                l.insert(key, id);
            }
            return Err(e);
        }
        if let Some(id) = old {
            self.client.revoke(id).await;
        }
        if let (Some(id), Ok(mut l)) = (new_lease, self.leases.lock()) {
            l.insert(key, id);
        }
        Ok(())
    }

    async fn deregister(&self, a: &Addr) -> Result<()> {
        let key = self.key(a);
        self.client.delete(&key).await?;
        if let Some(id) = self.take_lease(&key) {
            self.client.revoke(id).await;
        }
        Ok(())
    }

    async fn list(&self) -> Result<Vec<Addr>> {
        Ok(self.range().await?.0)
    }

    async fn watch(&self, poll: Duration, tx: mpsc::Sender<Result<Vec<Addr>>>) {
        let mut last = None;
        loop {
            match self.watch_once(&mut last, &tx).await {
                Ok(()) => return,
                Err(e) => {
                    if tx.send(Err(e)).await.is_err() {
                        return;
                    }
                }
            }
            // Classic swarm waits a heartbeat before re-creating the watch.
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = tx.closed() => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(value: &str) -> KeyValue {
        KeyValue {
            key: format!("docker/swarm/nodes/{value}"),
            value: value.into(),
            create_revision: 1,
            mod_revision: 1,
            lease: 0,
        }
    }

    #[test]
    fn range_entries_come_from_values() {
        let got: Vec<String> = entries(&[kv("b:2"), kv("a:1"), kv("")])
            .unwrap()
            .iter()
            .map(|a| a.to_string())
            .collect();
        assert_eq!(got, vec!["a:1", "b:2"]);
        assert!(entries(&[]).unwrap().is_empty());
        assert!(entries(&[kv("nope")]).is_err());
    }
}
