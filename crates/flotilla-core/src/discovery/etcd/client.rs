//! A small etcd v3 client over etcd's JSON gateway (`/v3/…` on the client port, etcd 3.4+):
//! the calls the discovery backend and the managers' leader election need — range, put, delete,
//! a create-if-absent transaction, lease grant / keep-alive / revoke, and a streaming watch.
//!
//! Endpoints are tried in order, starting with the last one that answered. Every call is bounded
//! by the timeout; a watch only by its connect timeout, since it is meant to stay open.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};

use crate::discovery::{Addr, DiscoveryError, Result};

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
pub(crate) fn int(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

/// One key as etcd stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    /// The key, decoded from the gateway's base64.
    pub key: String,
    /// The value, decoded (invalid UTF-8 replaced).
    pub value: String,
    /// The revision that created the key; 0 when the answer does not say.
    pub create_revision: i64,
    /// The revision of its last change: a watch from the next one misses nothing.
    pub mod_revision: i64,
    /// The lease the key is attached to; 0 for none.
    pub lease: i64,
}

/// The keys of a range (or transaction range) response (pure).
pub fn key_values(range: &Value) -> std::result::Result<Vec<KeyValue>, String> {
    let mut out = Vec::new();
    if let Some(kvs) = range.get("kvs").and_then(Value::as_array) {
        for kv in kvs {
            out.push(key_value(kv)?);
        }
    }
    Ok(out)
}

fn decode(v: Option<&Value>) -> std::result::Result<String, String> {
    let s = v.and_then(Value::as_str).unwrap_or_default();
    let raw = B64
        .decode(s)
        .map_err(|e| format!("bad value encoding: {e}"))?;
    Ok(String::from_utf8_lossy(&raw).into_owned())
}

fn key_value(kv: &Value) -> std::result::Result<KeyValue, String> {
    Ok(KeyValue {
        key: decode(kv.get("key"))?,
        value: decode(kv.get("value"))?,
        create_revision: kv.get("create_revision").and_then(int).unwrap_or(0),
        mod_revision: kv.get("mod_revision").and_then(int).unwrap_or(0),
        lease: kv.get("lease").and_then(int).unwrap_or(0),
    })
}

/// What a watch reported about one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEvent {
    /// The key was created or changed.
    Put(KeyValue),
    /// The key was deleted, or went with its lease.
    Delete {
        /// The deleted key.
        key: String,
    },
}

/// The events of one watch message (pure); `Err` when etcd says the watch is over.
pub fn watch_events(msg: &Value) -> std::result::Result<Vec<WatchEvent>, String> {
    if let Some(err) = msg.get("error") {
        return Err(format!("etcd watch error: {err}"));
    }
    if msg.pointer("/result/canceled").and_then(Value::as_bool) == Some(true) {
        let reason = msg
            .pointer("/result/cancel_reason")
            .and_then(Value::as_str)
            .unwrap_or("no reason given");
        return Err(format!("etcd canceled the watch: {reason}"));
    }
    let mut out = Vec::new();
    for e in msg
        .pointer("/result/events")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let kv = e.get("kv").cloned().unwrap_or(Value::Null);
        // The gateway omits `type` for PUT, the default of the enum.
        if e.get("type").and_then(Value::as_str) == Some("DELETE") {
            out.push(WatchEvent::Delete {
                key: decode(kv.get("key"))?,
            });
        } else {
            out.push(WatchEvent::Put(key_value(&kv)?));
        }
    }
    Ok(out)
}

/// An etcd v3 client over the JSON gateway, for one discovery URL (see the module docs).
pub struct Client {
    /// The discovery URL, for error messages.
    url: String,
    endpoints: Vec<String>,
    http: reqwest::Client,
    stream_http: reqwest::Client,
    timeout: Duration,
    preferred: AtomicUsize,
}

/// An open watch: messages arrive as etcd sends them.
pub struct Watch<'a> {
    client: &'a Client,
    endpoint: String,
    resp: reqwest::Response,
    buf: Vec<u8>,
}

impl Watch<'_> {
    /// The next batch of events; `Err` when the stream ends or etcd cancels it.
    pub async fn next(&mut self) -> Result<Vec<WatchEvent>> {
        loop {
            while let Some(nl) = self.buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=nl).collect();
                let Ok(v) = serde_json::from_slice::<Value>(&line) else {
                    continue;
                };
                let events = watch_events(&v).map_err(|m| self.client.failed(m))?;
                if !events.is_empty() {
                    return Ok(events);
                }
            }
            let chunk = self
                .resp
                .chunk()
                .await
                .map_err(|e| self.client.net_error(&self.endpoint, &e))?;
            match chunk {
                Some(c) => self.buf.extend_from_slice(&c),
                None => {
                    return Err(self
                        .client
                        .failed(format!("etcd at {} closed the watch", self.endpoint)));
                }
            }
        }
    }
}

impl Client {
    /// `url` is what errors name; `endpoints` are reached over plain HTTP; `timeout` bounds each
    /// call (a watch only while it connects). No request is made here.
    pub fn new(url: &str, endpoints: &[Addr], timeout: Duration) -> Result<Self> {
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
        Ok(Client {
            url: url.to_string(),
            endpoints: endpoints.iter().map(|a| format!("http://{a}")).collect(),
            http,
            stream_http,
            timeout,
            preferred: AtomicUsize::new(0),
        })
    }

    /// The URL this client was made for (`etcd://…`).
    pub fn url(&self) -> &str {
        &self.url
    }

    pub(crate) fn failed(&self, message: String) -> DiscoveryError {
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
    pub async fn call(&self, path: &str, body: Value) -> Result<Value> {
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

    /// Every key under `prefix`, and the store's revision.
    pub async fn range_prefix(&self, prefix: &str) -> Result<(Vec<KeyValue>, i64)> {
        let v = self
            .call(
                "/v3/kv/range",
                json!({
                    "key": B64.encode(prefix),
                    "range_end": B64.encode(prefix_end(prefix.as_bytes())),
                }),
            )
            .await?;
        let rev = v
            .pointer("/header/revision")
            .and_then(int)
            .unwrap_or_default();
        let kvs = key_values(&v).map_err(|e| self.failed(format!("etcd listed {e}")))?;
        Ok((kvs, rev))
    }

    /// One key, and the store's revision.
    pub async fn get(&self, key: &str) -> Result<(Option<KeyValue>, i64)> {
        let v = self
            .call("/v3/kv/range", json!({"key": B64.encode(key)}))
            .await?;
        let rev = v
            .pointer("/header/revision")
            .and_then(int)
            .unwrap_or_default();
        let kv = key_values(&v)
            .map_err(|e| self.failed(format!("etcd answered {e}")))?
            .into_iter()
            .next();
        Ok((kv, rev))
    }

    /// Sets `key` to `value`, attached to `lease` when given (the key then goes with the lease).
    pub async fn put(&self, key: &str, value: &str, lease: Option<i64>) -> Result<()> {
        let mut body = json!({"key": B64.encode(key), "value": B64.encode(value)});
        if let Some(id) = lease {
            body["lease"] = json!(id.to_string());
        }
        self.call("/v3/kv/put", body).await.map(|_| ())
    }

    /// Deletes `key`; an absent key is not an error.
    pub async fn delete(&self, key: &str) -> Result<()> {
        self.call("/v3/kv/deleterange", json!({"key": B64.encode(key)}))
            .await
            .map(|_| ())
    }

    /// Puts `key` only if it does not exist. `Ok(None)`: created; `Ok(Some(kv))`: it exists and
    /// holds `kv`.
    pub async fn create_if_absent(
        &self,
        key: &str,
        value: &str,
        lease: i64,
    ) -> Result<Option<KeyValue>> {
        let k = B64.encode(key);
        let v = self
            .call(
                "/v3/kv/txn",
                json!({
                    "compare": [{"key": k, "result": "EQUAL", "target": "CREATE", "create_revision": "0"}],
                    "success": [{"request_put": {"key": k, "value": B64.encode(value), "lease": lease.to_string()}}],
                    "failure": [{"request_range": {"key": k}}],
                }),
            )
            .await?;
        if v.get("succeeded").and_then(Value::as_bool) == Some(true) {
            return Ok(None);
        }
        let range = v
            .pointer("/responses/0/response_range")
            .cloned()
            .unwrap_or(Value::Null);
        let kv = key_values(&range)
            .map_err(|e| self.failed(format!("etcd answered {e}")))?
            .into_iter()
            .next();
        // The key vanished between the compare and the range: report it as someone else's,
        // with an empty value; the caller tries again.
        Ok(Some(kv.unwrap_or(KeyValue {
            key: key.to_string(),
            value: String::new(),
            create_revision: 0,
            mod_revision: 0,
            lease: 0,
        })))
    }

    /// Deletes `key` only while it holds `value` (a leader resigning never removes a successor).
    pub async fn delete_if(&self, key: &str, value: &str) -> Result<bool> {
        let k = B64.encode(key);
        let v = self
            .call(
                "/v3/kv/txn",
                json!({
                    "compare": [{"key": k, "result": "EQUAL", "target": "VALUE", "value": B64.encode(value)}],
                    "success": [{"request_delete_range": {"key": k}}],
                }),
            )
            .await?;
        Ok(v.get("succeeded").and_then(Value::as_bool) == Some(true))
    }

    /// Grants a lease of `ttl` (whole seconds, at least 1) and returns its ID.
    pub async fn grant(&self, ttl: Duration) -> Result<i64> {
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

    /// Refreshes a lease; `Ok(None)` when it has expired (etcd answers without a TTL), else the
    /// TTL etcd restarted it with.
    pub async fn keep_alive(&self, id: i64) -> Result<Option<Duration>> {
        let v = self
            .call("/v3/lease/keepalive", json!({"ID": id.to_string()}))
            .await?;
        Ok(v.pointer("/result/TTL")
            .and_then(int)
            .filter(|t| *t > 0)
            .map(|t| Duration::from_secs(t.unsigned_abs())))
    }

    /// Revokes a lease (its keys go with it); false when etcd did not answer (an expired
    /// lease is not an error: etcd answers).
    pub async fn revoke(&self, id: i64) -> bool {
        self.call("/v3/lease/revoke", json!({"ID": id.to_string()}))
            .await
            .is_ok()
    }

    /// Watches `key` (every key under it with `prefix`) from `start_revision`.
    pub async fn watch(&self, key: &str, prefix: bool, start_revision: i64) -> Result<Watch<'_>> {
        let mut req = json!({
            "key": B64.encode(key),
            "start_revision": start_revision.to_string(),
        });
        if prefix {
            req["range_end"] = json!(B64.encode(prefix_end(key.as_bytes())));
        }
        let body = json!({ "create_request": req });
        let ep =
            self.endpoints[self.preferred.load(Ordering::Relaxed) % self.endpoints.len()].clone();
        let resp = self
            .stream_http
            .post(format!("{ep}/v3/watch"))
            .json(&body)
            .send()
            .await
            .map_err(|e| self.net_error(&ep, &e))?;
        if !resp.status().is_success() {
            return Err(self.failed(format!("etcd at {ep} refused the watch: {}", resp.status())));
        }
        Ok(Watch {
            client: self,
            endpoint: ep,
            resp,
            buf: Vec::new(),
        })
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
    fn ints_come_as_strings_or_numbers() {
        assert_eq!(int(&json!("12")), Some(12));
        assert_eq!(int(&json!(12)), Some(12));
        assert_eq!(int(&json!(null)), None);
    }

    #[test]
    fn watch_messages_become_events() {
        let put = json!({"result": {"events": [
            {"kv": {"key": B64.encode("k"), "value": B64.encode("10.0.0.1:3376"),
                    "create_revision": "5", "mod_revision": "6", "lease": "77"}},
            {"type": "DELETE", "kv": {"key": B64.encode("k"), "mod_revision": "7"}}
        ]}});
        assert_eq!(
            watch_events(&put).unwrap(),
            vec![
                WatchEvent::Put(KeyValue {
                    key: "k".into(),
                    value: "10.0.0.1:3376".into(),
                    create_revision: 5,
                    mod_revision: 6,
                    lease: 77
                }),
                WatchEvent::Delete { key: "k".into() }
            ]
        );
        // the first message of a watch only says it was created
        assert!(
            watch_events(&json!({"result": {"created": true}}))
                .unwrap()
                .is_empty()
        );
        assert!(watch_events(&json!({"result": {"canceled": true}})).is_err());
        assert!(watch_events(&json!({"error": {"message": "x"}})).is_err());
    }
}
