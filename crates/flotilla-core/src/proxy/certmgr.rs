//! The proxy's ACME manager (I/O around pure decisions): keeps a certificate for every vhost
//! that asks for one, renews it ahead of expiry, and backs off after failures.
//!
//! * **When**: a host without a stored certificate is ordered at once; a stored one is renewed
//!   once less than a third of its lifetime remains ([`renew_at`]: day 60 of Let's Encrypt's 90,
//!   the point their own clients use, and proportionally for short-lived test certificates).
//! * **Failures** wait [`backoff`] (5 s doubling to an hour) before the next attempt. A failed
//!   order never touches what is served: the vhost keeps its previous certificate, or stays on
//!   plain HTTP (a vhost without a certificate is rendered HTTP-only whatever its
//!   `HTTPS_METHOD`). The last error and the next attempt are in `proxy status`.
//! * **Challenges** are published through the watcher (a [`AcmeMsg::Publish`] that the watcher
//!   answers once the data plane serves the answer), so they work on every data plane.
//!
//! One order at a time: orders are rare, and this keeps the challenge reloads serialised.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;

use super::status::now;
use crate::acme::{AcmeConfig, CertStore, ChallengeSink, Client};

/// The manager's view of one host, for `proxy status`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HostState {
    /// Why the last attempt failed (cleared by a success).
    pub error: Option<String>,
    /// Consecutive failures.
    pub failures: u32,
    /// Unix seconds of the next attempt (renewal or retry).
    pub next: Option<u64>,
}

/// What the manager asks of the watcher.
#[derive(Debug)]
pub enum AcmeMsg {
    /// Serve `key_auth` at `/.well-known/acme-challenge/TOKEN`; answer once nginx does.
    Publish {
        /// The vhost being validated (the HTTP-01 request arrives with this `Host`).
        host: String,
        /// The challenge token: the last path segment of the URL.
        token: String,
        /// The exact body to answer with.
        key_auth: String,
        /// Answered `Ok` once the data plane serves the answer, `Err` with why it cannot.
        done: oneshot::Sender<Result<(), String>>,
    },
    /// Stop serving `token`.
    Withdraw {
        /// A token earlier given in [`AcmeMsg::Publish`].
        token: String,
    },
    /// A certificate was stored: read the store again and reload.
    Stored {
        /// The vhost whose certificate is new.
        host: String,
    },
    /// The per-host state changed.
    State(BTreeMap<String, HostState>),
}

/// When a certificate valid from `not_before` to `not_after` is renewed: once a third of its
/// lifetime remains.
pub fn renew_at(not_before: u64, not_after: u64) -> u64 {
    let life = not_after.saturating_sub(not_before);
    not_after.saturating_sub(life / 3)
}

/// The wait after `failures` consecutive failures (at least 1): 5 s doubling, at most an hour.
pub fn backoff(failures: u32) -> Duration {
    let exp = failures.saturating_sub(1).min(20);
    Duration::from_secs(5u64.saturating_mul(1u64 << exp).min(3600))
}

struct Sink {
    tx: mpsc::UnboundedSender<AcmeMsg>,
}

#[async_trait::async_trait]
impl ChallengeSink for Sink {
    async fn publish(&self, host: &str, token: &str, key_auth: &str) -> Result<(), String> {
        let (done, rx) = oneshot::channel();
        self.tx
            .send(AcmeMsg::Publish {
                host: host.to_string(),
                token: token.to_string(),
                key_auth: key_auth.to_string(),
                done,
            })
            .map_err(|_| "the watcher stopped".to_string())?;
        rx.await
            .map_err(|_| "the watcher stopped".to_string())
            .and_then(|r| r)
    }

    async fn withdraw(&self, token: &str) {
        let _ = self.tx.send(AcmeMsg::Withdraw {
            token: token.to_string(),
        });
    }
}

/// Runs the manager until `shutdown`: `wants` holds the hosts that ask for a certificate.
pub async fn run(
    cfg: AcmeConfig,
    mut wants: watch::Receiver<BTreeSet<String>>,
    tx: mpsc::UnboundedSender<AcmeMsg>,
    shutdown: CancellationToken,
) {
    let store = CertStore::new(&cfg);
    let sink = Sink { tx: tx.clone() };
    let mut client: Option<Client> = None;
    let mut state: BTreeMap<String, HostState> = BTreeMap::new();
    loop {
        let wanted = wants.borrow_and_update().clone();
        state.retain(|h, _| wanted.contains(h));
        let stored = store.load_all();
        let t = now();
        // the next attempt of every wanted host
        for host in &wanted {
            let s = state.entry(host.clone()).or_default();
            if s.failures == 0 {
                s.next = Some(match stored.get(host) {
                    Some(c) => renew_at(c.not_before, c.not_after),
                    None => t,
                });
            }
        }
        let _ = tx.send(AcmeMsg::State(state.clone()));
        let due = wanted
            .iter()
            .find(|h| state.get(*h).and_then(|s| s.next).is_some_and(|n| n <= t))
            .cloned();
        if let Some(host) = due {
            let result = async {
                if client.is_none() {
                    client = Some(Client::connect(&cfg).await?);
                }
                match &client {
                    Some(c) => c.issue(&host, &sink, &store).await,
                    None => unreachable_client(),
                }
            };
            let result = tokio::select! {
                r = result => r,
                () = shutdown.cancelled() => return,
            };
            let s = state.entry(host.clone()).or_default();
            match result {
                Ok(c) => {
                    tracing::info!(
                        "ACME: certificate for {host} issued, valid until {} (unix)",
                        c.not_after
                    );
                    *s = HostState {
                        error: None,
                        failures: 0,
                        next: Some(renew_at(c.not_before, c.not_after)),
                    };
                    let _ = tx.send(AcmeMsg::Stored { host: host.clone() });
                }
                Err(e) => {
                    s.failures += 1;
                    let wait = backoff(s.failures);
                    s.error = Some(e.to_string());
                    s.next = Some(now() + wait.as_secs());
                    tracing::warn!(
                        "ACME: no certificate for {host}: {e}; retrying in {}s (the vhost keeps what it serves)",
                        wait.as_secs()
                    );
                    // a stale account or connection is rebuilt on the next attempt
                    client = None;
                }
            }
            let _ = tx.send(AcmeMsg::State(state.clone()));
            continue;
        }
        let next = state.values().filter_map(|s| s.next).min();
        let sleep = match next {
            Some(n) => Duration::from_secs(n.saturating_sub(now()).clamp(1, 3600)),
            None => Duration::from_secs(3600),
        };
        tokio::select! {
            () = tokio::time::sleep(sleep) => {}
            r = wants.changed() => if r.is_err() { return },
            () = shutdown.cancelled() => return,
        }
    }
}

/// The client was just set; this keeps the borrow checker happy without an `unwrap`.
fn unreachable_client() -> Result<crate::acme::StoredCert, crate::acme::AcmeError> {
    Err(crate::acme::AcmeError::Invalid(
        "the ACME client is not connected".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_starts_when_a_third_of_the_lifetime_remains() {
        let day = 86400;
        assert_eq!(renew_at(0, 90 * day), 60 * day);
        assert_eq!(renew_at(1000, 1030), 1020);
        assert_eq!(renew_at(50, 40), 40);
    }

    #[test]
    fn failures_back_off_to_an_hour() {
        assert_eq!(backoff(1), Duration::from_secs(5));
        assert_eq!(backoff(2), Duration::from_secs(10));
        assert_eq!(backoff(5), Duration::from_secs(80));
        assert_eq!(backoff(20), Duration::from_secs(3600));
        assert_eq!(backoff(u32::MAX), Duration::from_secs(3600));
    }
}
