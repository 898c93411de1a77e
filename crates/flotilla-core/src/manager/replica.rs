//! Several managers, one leader (`manage --replication`, classic Swarm's `api/replica.go`):
//! every manager runs its own model of the swarm, but only the one elected through etcd
//! ([`crate::discovery::election`]) decides (creates, reschedules). A replica answers `/_ping`
//! and `/info` itself (with `Role: replica` and `Primary: ADDR`) and relays every other call to
//! the leader as it came (method, path and query, headers, body; hijacked streams included)
//! with the store's client certificate; with no leader known it waits up to the manager's
//! timeout, then answers 503 saying so. The leader's `/info` says `Role: primary`.
//!
//! Deciding is tied to [`Leadership::holds`], checked at each call, not to the last published
//! role: a leader cut off from etcd stops deciding before its lease can expire.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use tokio::sync::watch;

use super::{Manager, error};
use crate::certs::StoreCerts;
use crate::cluster::members::Member;
use crate::discovery::election::{Leadership, Role};
use crate::engine::EngineAddr;
use crate::store::TlsFiles;

/// How a manager takes part in replication.
#[derive(Debug, Clone)]
pub struct ReplicationOptions {
    /// `--replication-store etcd://…`; `None`: the swarm's own discovery URL (which must then
    /// be `etcd://`).
    pub store_url: Option<String>,
    /// `--advertise IP:PORT`: where the other managers and clients reach this one.
    pub advertise: String,
    /// `--replication-ttl`: how long a dead leader keeps the lead.
    pub ttl: Duration,
}

/// This manager's part in the election, as the handlers read it.
pub(crate) struct Replication {
    pub roles: watch::Receiver<Role>,
    pub leadership: Leadership,
    pub advertise: String,
}

impl Replication {
    /// Whether this manager may decide now.
    pub fn leads(&self) -> bool {
        self.leadership.holds()
    }

    /// The leader's advertised address, when one is known.
    pub fn primary(&self) -> Option<String> {
        match &*self.roles.borrow() {
            Role::Leader => Some(self.advertise.clone()),
            Role::Follower { leader } => Some(leader.clone()),
            Role::Candidate => None,
        }
    }

    /// This manager's role, for `/info`.
    pub fn role(&self) -> crate::cluster::summary::Role {
        use crate::cluster::summary::Role as R;
        if self.leads() {
            return R::Primary;
        }
        R::Replica {
            primary: self.primary(),
        }
    }
}

/// `/_ping` and `/info` are a replica's own answers (classic: paths ending so).
pub(crate) fn served_locally(path: &str) -> bool {
    path.ends_with("/_ping") || path.ends_with("/info")
}

/// `IP:PORT` → a manager to dial, with the store's client certificate.
fn leader_member(m: &Manager, addr: &str) -> Option<Member> {
    let (host, port) = addr.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    let certs = StoreCerts::of(&m.store);
    Some(Member {
        name: format!("primary {addr}"),
        addr: EngineAddr::Tcp {
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            port,
        },
        tls: Some(TlsFiles {
            ca: certs.ca,
            cert: certs.cert,
            key: certs.key,
        }),
    })
}

/// A replica's answer to `req`: relayed to the leader; `Err(req)` back when this manager leads
/// (the caller serves it).
pub(crate) async fn relay(
    m: &Manager,
    r: &Replication,
    req: Request<Body>,
) -> Result<Response<Body>, Request<Body>> {
    let deadline = tokio::time::Instant::now() + m.opts.timeout;
    let mut roles = r.roles.clone();
    let leader = loop {
        if r.leads() {
            return Err(req);
        }
        match r.primary() {
            Some(addr) if addr != r.advertise => break addr,
            _ => {}
        }
        // No leader known, or this one elected but not yet certain: wait for a change.
        let wait = tokio::time::timeout_at(deadline, async {
            tokio::select! {
                _ = roles.changed() => {}
                () = tokio::time::sleep(Duration::from_millis(100)) => {}
            }
        });
        if wait.await.is_err() {
            return Ok(error(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "No elected primary cluster manager: none within {:?}",
                    m.opts.timeout
                ),
            ));
        }
    };
    let Some(member) = leader_member(m, &leader) else {
        return Ok(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("Unable to reach primary cluster manager ({leader}): not an IP:PORT"),
        ));
    };
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    tracing::debug!("relaying {} {target} to the primary {leader}", req.method());
    match super::forward::forward(&member, req, &target).await {
        Ok(resp) => Ok(resp),
        Err(e) => Ok(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("Unable to reach primary cluster manager ({leader}): {e}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::served_locally;

    #[test]
    fn a_replica_serves_ping_and_info_only() {
        assert!(served_locally("/_ping"));
        assert!(served_locally("/v1.41/info"));
        assert!(!served_locally("/v1.41/containers/create"));
        assert!(!served_locally("/v1.41/containers/x/attach"));
    }
}
