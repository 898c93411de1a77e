//! One leader among a swarm's managers, elected through etcd (classic Swarm's
//! `manage --replication`), and the list of the swarm's managers.
//!
//! Each manager keeps a **session**: an etcd lease of `ttl`, kept alive every `ttl / 3`, with its
//! advertised address under `<prefix>/docker/swarm/managers/<addr>`. It campaigns by creating
//! `<prefix>/docker/swarm/leader` (classic's key) with its address, attached to the session's
//! lease, only if the key does not exist (a transaction on the key's create revision). The winner
//! is the leader; the others follow: they watch the key and campaign again the moment it is
//! deleted (the leader resigned, or its lease expired because it died or lost etcd).
//!
//! **Never two deciders.** A leader decides only while [`Leadership::holds`] is true: until the
//! time its last successful keep-alive was *sent* plus the TTL etcd restarted the lease with,
//! minus a margin for a decision in flight. etcd cannot expire the lease before that moment, and
//! nobody else can create the key before the lease expires, so a leader cut off from etcd stops
//! deciding before anyone else can start. Leadership is checked when a decision starts, not read
//! from the last published [`Role`] (a task that is late to publish cannot extend it).
//!
//! etcd persists leases and extends them after its own restart. A session that ends keeps its
//! lease (only resigning revokes it): the next session resumes that lease when etcd still holds
//! it, so the leader before an etcd outage is the leader after it (no second election, no change
//! of primary for the clients). A manager that still finds the leader key holding its own address
//! under another lease (a previous process) deletes that stale key (only while it holds its own
//! address) and campaigns again.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::etcd::client::{Client, WatchEvent};
use super::{Addr, DiscoveryError, Result};

/// classic Swarm's leader key, under the swarm's prefix.
pub const LEADER_PATH: &str = "docker/swarm/leader";
/// Where each manager's advertised address lives while its session does.
pub const MANAGERS_PATH: &str = "docker/swarm/managers";

/// What this manager is, as last published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// No leader known: etcd cannot be reached, or an election is in progress.
    Candidate,
    /// This manager leads (decide only while [`Leadership::holds`]).
    Leader,
    /// Another manager leads, at this advertised address.
    Follower {
        /// The leader's advertised address (`IP:PORT`), as the leader key holds it.
        leader: String,
    },
}

/// Whether this manager may decide right now.
#[derive(Debug, Clone, Default)]
pub struct Leadership {
    valid_until: Arc<Mutex<Option<Instant>>>,
}

impl Leadership {
    /// True only while this manager's leadership is certain (see the module docs).
    pub fn holds(&self) -> bool {
        self.valid_until
            .lock()
            .ok()
            .and_then(|v| *v)
            .is_some_and(|t| Instant::now() < t)
    }

    fn set(&self, until: Option<Instant>) {
        if let Ok(mut v) = self.valid_until.lock() {
            *v = until;
        }
    }
}

/// Where and how to run for election.
#[derive(Debug, Clone)]
pub struct ElectionOptions {
    /// The `etcd://` URL, for messages.
    pub url: String,
    /// etcd's client endpoints, tried in turn from the last one that answered.
    pub endpoints: Vec<Addr>,
    /// The swarm's key prefix (the path of the `etcd://` URL).
    pub prefix: String,
    /// The address clients reach this manager at (`IP:PORT`).
    pub advertise: String,
    /// The session lease's TTL: how long a dead leader keeps the lead.
    pub ttl: Duration,
    /// Per etcd call.
    pub timeout: Duration,
}

fn key(prefix: &str, path: &str) -> String {
    if prefix.is_empty() {
        path.to_string()
    } else {
        format!("{prefix}/{path}")
    }
}

/// The swarm's managers (advertised addresses, sorted) and its leader, read once.
pub async fn managers(
    url: &str,
    endpoints: &[Addr],
    prefix: &str,
    timeout: Duration,
) -> Result<(Vec<String>, Option<String>)> {
    let client = Client::new(url, endpoints, timeout)?;
    let dir = format!("{}/", key(prefix, MANAGERS_PATH));
    let (kvs, _) = client.range_prefix(&dir).await?;
    let mut all: Vec<String> = kvs.into_iter().map(|kv| kv.value).collect();
    all.sort();
    let (leader, _) = client.get(&key(prefix, LEADER_PATH)).await?;
    Ok((all, leader.map(|kv| kv.value).filter(|v| !v.is_empty())))
}

/// A manager running for election; see the module docs.
pub struct Election {
    client: Client,
    leader_key: String,
    manager_key: String,
    me: String,
    ttl: Duration,
    leadership: Leadership,
    roles: watch::Sender<Role>,
    /// The current session's lease, for resigning.
    lease: Mutex<Option<i64>>,
}

/// Why a session ended (it is then started again).
enum SessionEnd {
    Lost(String),
    Failed(DiscoveryError),
}

impl From<DiscoveryError> for SessionEnd {
    fn from(e: DiscoveryError) -> Self {
        SessionEnd::Failed(e)
    }
}

impl Election {
    /// Prepares a candidate, without I/O: the election to [`Election::run`], the channel its
    /// [`Role`] is published on (`Candidate` at first) and the [`Leadership`] to check before each
    /// decision. A TTL under 2 s is raised to 2 s.
    pub fn new(opts: &ElectionOptions) -> Result<(Election, watch::Receiver<Role>, Leadership)> {
        let client = Client::new(&opts.url, &opts.endpoints, opts.timeout)?;
        let (roles, rx) = watch::channel(Role::Candidate);
        let leadership = Leadership::default();
        Ok((
            Election {
                client,
                leader_key: key(&opts.prefix, LEADER_PATH),
                manager_key: format!("{}/{}", key(&opts.prefix, MANAGERS_PATH), opts.advertise),
                me: opts.advertise.clone(),
                ttl: opts.ttl.max(Duration::from_secs(2)),
                leadership: leadership.clone(),
                roles,
                lease: Mutex::new(None),
            },
            rx,
            leadership,
        ))
    }

    fn margin(&self) -> Duration {
        (self.ttl / 5).min(Duration::from_millis(500))
    }

    fn publish(&self, role: Role) {
        if role != Role::Leader {
            self.leadership.set(None);
        }
        self.roles.send_if_modified(|r| {
            if *r == role {
                false
            } else {
                tracing::info!(?role, "replication role changed");
                *r = role;
                true
            }
        });
    }

    /// Runs for election until `shutdown` resolves, then resigns: the leader key (if ours) and
    /// this manager's address go with the session's lease.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut backoff = Duration::from_millis(200);
        loop {
            let end = tokio::select! {
                _ = &mut shutdown => break,
                e = self.session() => e,
            };
            self.publish(Role::Candidate);
            match end {
                SessionEnd::Lost(why) => {
                    tracing::warn!("replication session lost: {why}");
                    backoff = Duration::from_millis(200);
                }
                SessionEnd::Failed(e) => {
                    tracing::warn!("replication: {e}");
                    // At most a quarter of the TTL: once etcd is back (it extends leases by
                    // their TTL when it restarts), a leader retries in time to resume its lease
                    // before it expires and another manager takes the lead.
                    backoff = (backoff * 2).min(self.ttl / 4);
                }
            }
            // The lease is not revoked here: the next session resumes it while etcd still
            // holds it (after an etcd outage it does: etcd extends leases when it restarts), so
            // a leader that had to give up stays the leader instead of handing the lead to a
            // new election; an expired lease is replaced (`session_inner`).
            tokio::select! {
                _ = &mut shutdown => break,
                _ = tokio::time::sleep(backoff) => {}
            }
        }
        self.leadership.set(None);
        if let Some(id) = self.take_lease() {
            let _ = self.client.delete_if(&self.leader_key, &self.me).await;
            let _ = self.client.revoke(id).await;
        }
        self.publish(Role::Candidate);
    }

    fn take_lease(&self) -> Option<i64> {
        self.lease.lock().ok().and_then(|mut l| l.take())
    }

    fn current_lease(&self) -> Option<i64> {
        self.lease.lock().ok().and_then(|l| *l)
    }

    /// One session: a lease, this manager's address, then campaign and lead or follow until the
    /// lease is lost or etcd fails.
    async fn session(&self) -> SessionEnd {
        match self.session_inner().await {
            Ok(never) => match never {},
            Err(e) => e,
        }
    }

    async fn session_inner(&self) -> std::result::Result<std::convert::Infallible, SessionEnd> {
        let sent = Instant::now();
        // The last session's lease (never revoked when a session ends), while etcd still holds
        // it, holds this manager's keys, the leader key perhaps: resumed, a leader stays the
        // leader instead of handing the lead to a new election.
        let resumed = match self.current_lease() {
            Some(id) => self
                .client
                .keep_alive(id)
                .await?
                .map(|ttl| (id, sent + ttl)),
            None => None,
        };
        let (lease, mut alive_until) = match resumed {
            Some(r) => r,
            None => {
                let lease = self.client.grant(self.ttl).await?;
                if let Ok(mut l) = self.lease.lock() {
                    *l = Some(lease);
                }
                (lease, sent + self.ttl)
            }
        };
        self.client
            .put(&self.manager_key, &self.me, Some(lease))
            .await?;
        loop {
            match self
                .client
                .create_if_absent(&self.leader_key, &self.me, lease)
                .await?
            {
                None => self.lead(lease, alive_until).await?,
                Some(kv) if kv.value == self.me && kv.lease == lease => {
                    self.lead(lease, alive_until).await?
                }
                Some(kv) if kv.value == self.me => {
                    // Our own key from a previous session (etcd extended its lease).
                    self.client.delete_if(&self.leader_key, &self.me).await?;
                }
                Some(kv) if kv.value.is_empty() => {}
                Some(kv) => {
                    alive_until = self
                        .follow(lease, kv.value, kv.mod_revision, alive_until)
                        .await?;
                }
            }
        }
    }

    /// Keeps the lease alive once; the new moment it is certainly alive until.
    async fn refresh(
        &self,
        lease: i64,
        alive_until: Instant,
    ) -> std::result::Result<Instant, SessionEnd> {
        let sent = Instant::now();
        match self.client.keep_alive(lease).await {
            Ok(Some(ttl)) => Ok(sent + ttl),
            Ok(None) => Err(SessionEnd::Lost("the lease expired".into())),
            // One failed keep-alive is not the end while the lease is certainly alive.
            Err(e) if Instant::now() + self.ttl / 3 < alive_until => {
                tracing::debug!("replication keep-alive failed: {e}");
                Ok(alive_until)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Leads until the lease is lost; never returns Ok.
    async fn lead(
        &self,
        lease: i64,
        mut alive_until: Instant,
    ) -> std::result::Result<(), SessionEnd> {
        self.leadership.set(Some(alive_until - self.margin()));
        self.publish(Role::Leader);
        loop {
            let tick = Instant::now() + self.ttl / 3;
            tokio::time::sleep_until(tick.min(alive_until - self.margin()).into()).await;
            if Instant::now() >= alive_until - self.margin() {
                self.leadership.set(None);
                return Err(SessionEnd::Lost(
                    "no keep-alive confirmed in time; leadership given up".into(),
                ));
            }
            alive_until = self.refresh(lease, alive_until).await?;
            self.leadership.set(Some(alive_until - self.margin()));
        }
    }

    /// Follows `leader` until the leader key goes away (Ok: campaign again); keeps the session
    /// alive meanwhile.
    async fn follow(
        &self,
        lease: i64,
        leader: String,
        mod_revision: i64,
        mut alive_until: Instant,
    ) -> std::result::Result<Instant, SessionEnd> {
        self.publish(Role::Follower { leader });
        let mut watch = self
            .client
            .watch(&self.leader_key, false, mod_revision + 1)
            .await?;
        loop {
            let tick = Instant::now() + self.ttl / 3;
            tokio::select! {
                events = watch.next() => {
                    for e in events? {
                        match e {
                            WatchEvent::Delete { .. } => return Ok(alive_until),
                            WatchEvent::Put(kv) if !kv.value.is_empty() && kv.value != self.me => {
                                self.publish(Role::Follower { leader: kv.value });
                            }
                            WatchEvent::Put(_) => return Ok(alive_until),
                        }
                    }
                }
                _ = tokio::time::sleep_until(tick.into()) => {
                    alive_until = self.refresh(lease, alive_until).await?;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sit_under_the_prefix() {
        assert_eq!(key("", LEADER_PATH), "docker/swarm/leader");
        assert_eq!(key("prod", LEADER_PATH), "prod/docker/swarm/leader");
    }

    #[test]
    fn leadership_holds_only_until_its_deadline() {
        let l = Leadership::default();
        assert!(!l.holds());
        l.set(Some(Instant::now() + Duration::from_secs(60)));
        assert!(l.holds());
        l.set(Some(Instant::now() - Duration::from_millis(1)));
        assert!(!l.holds());
        l.set(None);
        assert!(!l.holds());
    }
}
