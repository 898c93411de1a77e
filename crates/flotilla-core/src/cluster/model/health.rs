//! A node's health, as classic Swarm kept it (pure: no clock, no I/O).
//!
//! ```text
//!   Pending ──first full refresh──▶ Healthy ──failure-retry failures──▶ Unhealthy
//!      ▲                              ▲                                    │
//!      └── (never validated)          └────────── first success ───────────┘
//! ```
//!
//! A *failure* is one failed attempt to talk to the engine: a refresh, a reconnection after the
//! event stream was lost, a connection that never came up. The first success resets the count.
//! Each transition is returned so the caller logs it and emits classic's event for it
//! (`engine_connect`, `engine_disconnect`, `engine_reconnect`). A Pending node stays Pending
//! while it fails (it was never validated: classic kept retrying it), and a node that leaves
//! discovery while Healthy emits `engine_disconnect` too.

pub use crate::cluster::live::Health;

/// A change of health worth an event on the manager's stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Pending → Healthy: validated for the first time.
    Connect,
    /// Healthy → Unhealthy (or removed while Healthy).
    Disconnect,
    /// Unhealthy → Healthy.
    Reconnect,
}

impl Transition {
    /// The action classic Swarm put on its event stream (`Type: swarm`).
    pub fn action(self) -> &'static str {
        match self {
            Transition::Connect => "engine_connect",
            Transition::Disconnect => "engine_disconnect",
            Transition::Reconnect => "engine_reconnect",
        }
    }
}

/// A node's health and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthState {
    /// Where the node is in classic's cycle; Pending until its first full answer.
    pub health: Health,
    /// Failed attempts since the last success.
    pub failures: u32,
    /// The last failure's message; cleared by a success.
    pub error: Option<String>,
}

impl Default for HealthState {
    fn default() -> Self {
        HealthState {
            health: Health::Pending,
            failures: 0,
            error: None,
        }
    }
}

impl HealthState {
    /// The engine answered in full (connected, listed, subscribed, or refreshed).
    pub fn succeeded(&mut self) -> Option<Transition> {
        self.failures = 0;
        self.error = None;
        let t = match self.health {
            Health::Pending => Some(Transition::Connect),
            Health::Unhealthy => Some(Transition::Reconnect),
            Health::Healthy => None,
        };
        self.health = Health::Healthy;
        t
    }

    /// One failed attempt; `retry` is `--engine-failure-retry` (at least 1).
    pub fn failed(&mut self, error: impl Into<String>, retry: u32) -> Option<Transition> {
        self.failures = self.failures.saturating_add(1);
        self.error = Some(error.into());
        if self.health == Health::Healthy && self.failures >= retry.max(1) {
            self.health = Health::Unhealthy;
            return Some(Transition::Disconnect);
        }
        None
    }

    /// The node left the swarm.
    pub fn removed(&self) -> Option<Transition> {
        (self.health == Health::Healthy).then_some(Transition::Disconnect)
    }

    /// Whether the scheduler may choose the node: Healthy, as classic's health filter.
    pub fn schedulable(&self) -> bool {
        self.health == Health::Healthy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_becomes_healthy_on_the_first_success() {
        let mut h = HealthState::default();
        assert_eq!(h.health, Health::Pending);
        assert_eq!(h.failed("refused", 3), None);
        assert_eq!(h.failed("refused", 3), None);
        assert_eq!(
            h.failed("refused", 3),
            None,
            "a Pending node never validated stays Pending"
        );
        assert_eq!(h.health, Health::Pending);
        assert_eq!(h.error.as_deref(), Some("refused"));
        assert_eq!(h.succeeded(), Some(Transition::Connect));
        assert_eq!(
            (h.health, h.failures, h.error.clone()),
            (Health::Healthy, 0, None)
        );
        assert_eq!(h.succeeded(), None, "no event while it stays Healthy");
    }

    #[test]
    fn retry_failures_make_it_unhealthy_and_one_success_heals_it() {
        let mut h = HealthState::default();
        h.succeeded();
        assert_eq!(h.failed("timed out", 3), None);
        assert_eq!(h.failed("timed out", 3), None);
        assert!(h.schedulable(), "below the retry count it is still chosen");
        assert_eq!(h.failed("timed out", 3), Some(Transition::Disconnect));
        assert_eq!(h.health, Health::Unhealthy);
        assert!(!h.schedulable());
        assert_eq!(h.failed("timed out", 3), None, "one event per transition");
        assert_eq!(h.failures, 4);
        assert_eq!(h.succeeded(), Some(Transition::Reconnect));
        assert_eq!(h.health, Health::Healthy);
        // A success between failures resets the count.
        h.failed("x", 2);
        h.succeeded();
        assert_eq!(h.failed("x", 2), None);
        assert_eq!(h.failed("x", 2), Some(Transition::Disconnect));
        // A retry of 0 counts as 1.
        let mut h = HealthState::default();
        h.succeeded();
        assert_eq!(h.failed("x", 0), Some(Transition::Disconnect));
    }

    #[test]
    fn leaving_while_healthy_is_a_disconnect() {
        let mut h = HealthState::default();
        assert_eq!(h.removed(), None);
        h.succeeded();
        assert_eq!(h.removed(), Some(Transition::Disconnect));
        assert_eq!(Transition::Connect.action(), "engine_connect");
        assert_eq!(Transition::Reconnect.action(), "engine_reconnect");
    }
}
