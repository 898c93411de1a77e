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

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::{Addr, Discovery, DiscoveryError, DiscoveryUrl, Result};

pub struct Etcd {
    url: String,
    endpoints: Vec<String>,
    /// `<prefix>/docker/swarm/nodes/`
    dir: String,
    http: reqwest::Client,
    stream_http: reqwest::Client,
    timeout: Duration,
    preferred: AtomicUsize,
    leases: Mutex<HashMap<String, i64>>,
}

/// The smallest key greater than every key starting with `prefix` (etcd's
/// `range_end` for a prefix query).
pub fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    vec![0]
}

/// etcd's gateway writes int64 as strings; accept both.
fn int(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

/// The addresses in a range response, from the values (pure).
pub fn entries(range: &Value) -> Result<Vec<Addr>, String> {
    let mut out = Vec::new();
    if let Some(kvs) = range.get("kvs").and_then(Value::as_array) {
        for kv in kvs {
            let v = kv.get("value").and_then(Value::as_str).unwrap_or_default();
            let raw = B64
                .decode(v)
                .map_err(|e| format!("bad value encoding: {e}"))?;
            let s = String::from_utf8_lossy(&raw);
            if s.trim().is_empty() {
                continue;
            }
            out.push(s.trim().parse::<Addr>().map_err(|e| e.to_string())?);
        }
    }
    out.sort();
    Ok(out)
}

impl Etcd {
    pub fn new(url: &str, endpoints: &[Addr], prefix: &str, timeout: Duration) -> Result<Self> {
        let failed = |e: reqwest::Error| DiscoveryError::Failed {
            url: url.to_string(),
            message: format!("cannot build the HTTP client: {e}"),
        };
        let http = reqwest::Client::builder()
            .connect_timeout(timeout)
            .timeout(timeout)
            .build()
            .map_err(failed)?;
        let stream_http = reqwest::Client::builder()
            .connect_timeout(timeout)
            .build()
            .map_err(failed)?;
        Ok(Etcd {
            url: url.to_string(),
            endpoints: endpoints.iter().map(|a| format!("http://{a}")).collect(),
            dir: format!("{}/", DiscoveryUrl::etcd_dir(prefix)),
            http,
            stream_http,
            timeout,
            preferred: AtomicUsize::new(0),
            leases: Mutex::new(HashMap::new()),
        })
    }

    fn key(&self, a: &Addr) -> String {
        format!("{}{a}", self.dir)
    }

    fn failed(&self, message: String) -> DiscoveryError {
        DiscoveryError::Failed {
            url: self.url.clone(),
            message,
        }
    }

    fn net_error(&self, endpoint: &str, e: &reqwest::Error) -> DiscoveryError {
        if e.is_timeout() {
            DiscoveryError::Timeout {
                url: self.url.clone(),
                target: format!("etcd at {endpoint}"),
                secs: self.timeout.as_secs_f64(),
            }
        } else {
            let mut message = e.to_string();
            let mut src = std::error::Error::source(e);
            while let Some(s) = src {
                message = format!("{message}: {s}");
                src = s.source();
            }
            DiscoveryError::Unreachable {
                url: self.url.clone(),
                target: format!("etcd at {endpoint}"),
                message,
            }
        }
    }

    /// POSTs to the first endpoint that answers; returns the JSON answer.
    async fn call(&self, path: &str, body: Value) -> Result<Value> {
        let n = self.endpoints.len();
        let start = self.preferred.load(Ordering::Relaxed) % n.max(1);
        let mut last = None;
        for i in 0..n {
            let idx = (start + i) % n;
            let ep = &self.endpoints[idx];
            match self
                .http
                .post(format!("{ep}{path}"))
                .json(&body)
                .send()
                .await
            {
                Ok(resp) => {
                    self.preferred.store(idx, Ordering::Relaxed);
                    let status = resp.status();
                    let v: Value = resp.json().await.map_err(|e| self.net_error(ep, &e))?;
                    if !status.is_success() || v.get("error").is_some() {
                        let msg = v
                            .get("error")
                            .or_else(|| v.get("message"))
                            .and_then(Value::as_str)
                            .unwrap_or("no detail");
                        return Err(self.failed(format!("etcd at {ep} answered {status}: {msg}")));
                    }
                    return Ok(v);
                }
                Err(e) => last = Some(self.net_error(ep, &e)),
            }
        }
        Err(last.unwrap_or_else(|| self.failed("no etcd endpoint".into())))
    }

    async fn range(&self) -> Result<(Vec<Addr>, i64)> {
        let v = self
            .call(
                "/v3/kv/range",
                json!({
                    "key": B64.encode(&self.dir),
                    "range_end": B64.encode(prefix_end(self.dir.as_bytes())),
                }),
            )
            .await?;
        let rev = v
            .pointer("/header/revision")
            .and_then(int)
            .unwrap_or_default();
        let list = entries(&v).map_err(|e| self.failed(format!("etcd listed {e}")))?;
        Ok((list, rev))
    }

    async fn grant(&self, ttl: Duration) -> Result<i64> {
        let v = self
            .call(
                "/v3/lease/grant",
                json!({"TTL": ttl.as_secs().max(1).to_string()}),
            )
            .await?;
        v.get("ID")
            .and_then(int)
            .ok_or_else(|| self.failed("etcd granted a lease without an ID".into()))
    }

    async fn revoke(&self, id: i64) {
        // The lease may have expired already; nothing to do then.
        let _ = self
            .call("/v3/lease/revoke", json!({"ID": id.to_string()}))
            .await;
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
        let body = json!({"create_request": {
            "key": B64.encode(&self.dir),
            "range_end": B64.encode(prefix_end(self.dir.as_bytes())),
            "start_revision": (rev + 1).to_string(),
        }});
        let ep = &self.endpoints[self.preferred.load(Ordering::Relaxed) % self.endpoints.len()];
        let mut resp = self
            .stream_http
            .post(format!("{ep}/v3/watch"))
            .json(&body)
            .send()
            .await
            .map_err(|e| self.net_error(ep, &e))?;
        if !resp.status().is_success() {
            return Err(self.failed(format!("etcd at {ep} refused the watch: {}", resp.status())));
        }
        let mut buf: Vec<u8> = Vec::new();
        loop {
            let chunk = tokio::select! {
                c = resp.chunk() => c.map_err(|e| self.net_error(ep, &e))?,
                _ = tx.closed() => return Ok(()),
            };
            let Some(chunk) = chunk else {
                return Err(self.failed(format!("etcd at {ep} closed the watch")));
            };
            buf.extend_from_slice(&chunk);
            while let Some(nl) = buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = buf.drain(..=nl).collect();
                let Ok(v) = serde_json::from_slice::<Value>(&line) else {
                    continue;
                };
                if let Some(err) = v.get("error") {
                    return Err(self.failed(format!("etcd watch error: {err}")));
                }
                let has_events = v
                    .pointer("/result/events")
                    .and_then(Value::as_array)
                    .is_some_and(|e| !e.is_empty());
                if v.pointer("/result/canceled").and_then(Value::as_bool) == Some(true) {
                    return Err(self.failed("etcd canceled the watch".into()));
                }
                if has_events {
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
    }
}

#[async_trait]
impl Discovery for Etcd {
    fn url(&self) -> &str {
        &self.url
    }

    async fn register(&self, a: &Addr, ttl: Option<Duration>) -> Result<()> {
        let key = self.key(a);
        let mut body = json!({"key": B64.encode(&key), "value": B64.encode(a.to_string())});
        let new_lease = match ttl {
            Some(t) => {
                let id = self.grant(t).await?;
                body["lease"] = json!(id.to_string());
                Some(id)
            }
            None => None,
        };
        let old = self.take_lease(&key);
        let put = self.call("/v3/kv/put", body).await;
        if let Err(e) = put {
            if let Some(id) = new_lease {
                self.revoke(id).await;
            }
            if let (Some(id), Ok(mut l)) = (old, self.leases.lock()) {
                l.insert(key, id);
            }
            return Err(e);
        }
        if let Some(id) = old {
            self.revoke(id).await;
        }
        if let (Some(id), Ok(mut l)) = (new_lease, self.leases.lock()) {
            l.insert(key, id);
        }
        Ok(())
    }

    async fn deregister(&self, a: &Addr) -> Result<()> {
        let key = self.key(a);
        self.call("/v3/kv/deleterange", json!({"key": B64.encode(&key)}))
            .await?;
        if let Some(id) = self.take_lease(&key) {
            self.revoke(id).await;
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

    #[test]
    fn prefix_ends() {
        assert_eq!(prefix_end(b"a/"), b"a0".to_vec());
        assert_eq!(prefix_end(b"a\xff"), b"b".to_vec());
        assert_eq!(prefix_end(b"\xff\xff"), vec![0]);
    }

    #[test]
    fn range_entries_come_from_values() {
        let v = json!({"header": {"revision": "7"}, "kvs": [
            {"key": B64.encode("docker/swarm/nodes/b:2"), "value": B64.encode("b:2")},
            {"key": B64.encode("docker/swarm/nodes/a:1"), "value": B64.encode("a:1")},
            {"key": B64.encode("docker/swarm/nodes/"), "value": ""},
        ]});
        let got: Vec<String> = entries(&v).unwrap().iter().map(|a| a.to_string()).collect();
        assert_eq!(got, vec!["a:1", "b:2"]);
        assert!(entries(&json!({"header": {}})).unwrap().is_empty());
        let bad = json!({"kvs": [{"value": B64.encode("nope")}]});
        assert!(entries(&bad).is_err());
        assert_eq!(int(&json!("12")), Some(12));
        assert_eq!(int(&json!(12)), Some(12));
        assert_eq!(int(&json!(null)), None);
    }
}
