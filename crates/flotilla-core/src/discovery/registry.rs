//! The membership model shared by the embedded registry (in the store) and
//! the token service: one [`Cluster`] per token, members with an optional
//! TTL. Pure: time is passed in as milliseconds since the Unix epoch, so
//! expiry is tested without sleeping.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::addr::Addr;

/// The most members one cluster may hold; a bound against a runaway or
/// hostile client filling the service's memory and disk.
pub const MAX_MEMBERS: usize = 10_000;

/// Milliseconds since the Unix epoch, the time every [`Cluster`] method takes (0 if the clock
/// is set before 1970).
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// One cluster as it is stored (`<token>.json`, in the store's `discovery/`
/// directory or the service's data directory).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cluster {
    /// The cluster token, also the file's name (the service trusts the name over this field).
    pub token: String,
    /// When the token was created, ms since the epoch.
    pub created_ms: u64,
    /// When this copy was written; members that had expired by then were
    /// already gone (see [`Cluster::after_restart`]).
    #[serde(default)]
    pub saved_ms: u64,
    /// Members by address (`host:port`, as [`Addr`] prints it); expired ones stay until swept.
    #[serde(default)]
    pub members: BTreeMap<String, Registration>,
}

/// One member's registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    /// Seconds; `None` for a member that stays until deregistered (what
    /// `create --swarm` registers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_s: Option<u64>,
    /// When it lapses, ms since the epoch; `None` without a TTL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_ms: Option<u64>,
}

/// A new member refused: the cluster already has [`MAX_MEMBERS`] live members.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cluster {token} already has {MAX_MEMBERS} members")]
pub struct Full {
    /// The cluster's token.
    pub token: String,
}

impl Registration {
    fn live(&self, now: u64) -> bool {
        self.expires_ms.is_none_or(|e| e > now)
    }
}

impl Cluster {
    /// An empty cluster, created at `now` (ms since the epoch).
    pub fn new(token: &str, now: u64) -> Self {
        Cluster {
            token: token.to_string(),
            created_ms: now,
            saved_ms: now,
            members: BTreeMap::new(),
        }
    }

    /// Adds or refreshes a member (the last registration's TTL wins).
    /// Returns whether the membership changed in a way worth persisting
    /// right away: a new or returning member, or a changed TTL. A plain
    /// heartbeat only moves the expiry, which stays in memory (see
    /// [`Cluster::after_restart`]).
    pub fn register(&mut self, addr: &Addr, ttl: Option<Duration>, now: u64) -> Result<bool, Full> {
        let ttl_s = ttl.map(|t| t.as_secs().max(1));
        let m = Registration {
            ttl_s,
            expires_ms: ttl_s.map(|s| now.saturating_add(s.saturating_mul(1000))),
        };
        let key = addr.to_string();
        match self.members.get_mut(&key) {
            Some(old) => {
                let changed = !old.live(now) || old.ttl_s != ttl_s;
                *old = m;
                Ok(changed)
            }
            None => {
                if self.members.len() >= MAX_MEMBERS {
                    self.sweep(now);
                    if self.members.len() >= MAX_MEMBERS {
                        return Err(Full {
                            token: self.token.clone(),
                        });
                    }
                }
                self.members.insert(key, m);
                Ok(true)
            }
        }
    }

    /// Whether a live member was removed.
    pub fn deregister(&mut self, addr: &Addr, now: u64) -> bool {
        self.members
            .remove(&addr.to_string())
            .is_some_and(|m| m.live(now))
    }

    /// Live members, sorted.
    pub fn live(&self, now: u64) -> Vec<String> {
        self.members
            .iter()
            .filter(|(_, m)| m.live(now))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Drops expired members; returns whether any were dropped.
    pub fn sweep(&mut self, now: u64) -> bool {
        let before = self.members.len();
        self.members.retain(|_, m| m.live(now));
        self.members.len() != before
    }

    /// After a restart, heartbeats received since the last write are not on
    /// disk: members that had expired when the file was written are dropped,
    /// and every other TTL member gets one full TTL from now, so a restart
    /// never drops agents that kept heartbeating.
    pub fn after_restart(&mut self, now: u64) {
        let saved = self.saved_ms;
        self.members
            .retain(|_, m| m.expires_ms.is_none_or(|e| e > saved));
        for m in self.members.values_mut() {
            if let (Some(ttl), Some(exp)) = (m.ttl_s, m.expires_ms) {
                m.expires_ms = Some(exp.max(now.saturating_add(ttl.saturating_mul(1000))));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> Addr {
        s.parse().unwrap()
    }

    #[test]
    fn ttl_members_expire_and_permanent_ones_stay() {
        let mut c = Cluster::new("t", 0);
        assert!(
            c.register(&a("h:1"), Some(Duration::from_secs(3)), 1000)
                .unwrap()
        );
        assert!(c.register(&a("h:2"), None, 1000).unwrap());
        assert_eq!(c.live(3999), vec!["h:1", "h:2"]);
        assert_eq!(c.live(4000), vec!["h:2"]);
        // A heartbeat is not a change; it moves the expiry.
        assert!(
            !c.register(&a("h:1"), Some(Duration::from_secs(3)), 3000)
                .unwrap()
        );
        assert_eq!(c.live(5999), vec!["h:1", "h:2"]);
        // Coming back after expiry, or with another TTL, is a change.
        assert!(
            c.register(&a("h:1"), Some(Duration::from_secs(3)), 7000)
                .unwrap()
        );
        assert!(
            c.register(&a("h:1"), Some(Duration::from_secs(9)), 7000)
                .unwrap()
        );
        assert!(c.register(&a("h:1"), None, 7000).unwrap());
        assert_eq!(c.live(1 << 40), vec!["h:1", "h:2"]);
    }

    #[test]
    fn deregister_and_sweep() {
        let mut c = Cluster::new("t", 0);
        c.register(&a("h:1"), Some(Duration::from_secs(1)), 0)
            .unwrap();
        c.register(&a("h:2"), None, 0).unwrap();
        assert!(c.deregister(&a("h:2"), 0));
        assert!(!c.deregister(&a("h:2"), 0));
        assert!(!c.sweep(999));
        assert!(c.sweep(1000));
        assert!(c.members.is_empty());
        assert!(!c.deregister(&a("h:1"), 0));
    }

    #[test]
    fn restart_grace_keeps_heartbeating_members() {
        let mut c = Cluster::new("t", 0);
        c.register(&a("h:1"), Some(Duration::from_secs(3)), 0)
            .unwrap();
        c.register(&a("h:2"), None, 0).unwrap();
        c.register(&a("h:3"), Some(Duration::from_secs(1)), 0)
            .unwrap();
        // Written at 1500 (h:3 dead by then); back at 10 000.
        c.saved_ms = 1500;
        c.after_restart(10_000);
        assert_eq!(c.live(12_999), vec!["h:1", "h:2"]);
        assert_eq!(c.live(13_000), vec!["h:2"]);
    }

    #[test]
    fn clusters_are_bounded() {
        let mut c = Cluster::new("t", 0);
        for i in 0..MAX_MEMBERS {
            let addr = Addr {
                host: format!("h{i}"),
                port: 1,
            };
            c.register(&addr, Some(Duration::from_secs(1)), 0).unwrap();
        }
        assert!(c.register(&a("x:1"), None, 0).is_err());
        // Expired members make room.
        assert!(c.register(&a("x:1"), None, 5000).unwrap());
        assert_eq!(c.members.len(), 1);
    }

    #[test]
    fn json_round_trip() {
        let mut c = Cluster::new("t", 5);
        c.register(&a("h:1"), Some(Duration::from_secs(3)), 0)
            .unwrap();
        c.register(&a("[::1]:2"), None, 0).unwrap();
        let j = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<Cluster>(&j).unwrap(), c);
    }
}
