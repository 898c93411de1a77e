//! The `join` agent: keep one address registered with a TTL until stopped.
//!
//! Argument checks are pure ([`validate_join`], [`validate_timeout`]) and
//! give classic swarm's messages. Differences from classic on purpose: the
//! first registration must succeed (a wrong URL, an unknown token or an
//! unreachable service exits non-zero at once instead of logging forever;
//! a supervisor restarts it), later failures are logged and retried every
//! heartbeat, and stopping deregisters the address instead of leaving it
//! until its TTL runs out.

use std::future::Future;
use std::time::Duration;

use super::addr::{self, Addr};
use super::{Discovery, DiscoveryError};
use crate::duration;

/// `join`'s flags, checked and converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinPlan {
    /// The address kept registered (`--advertise`).
    pub advertise: Addr,
    /// How often it is registered again (`--heartbeat`, at least a second).
    pub heartbeat: Duration,
    /// How long each registration lasts (`--ttl`, longer than the heartbeat).
    pub ttl: Duration,
    /// The first registration waits a random time up to this (`--delay`), so agents started
    /// together do not register together.
    pub delay: Duration,
}

/// Checks `join`'s flags the way classic swarm did, in the same order.
pub fn validate_join(
    advertise: Option<&str>,
    heartbeat: &str,
    ttl: &str,
    delay: &str,
) -> Result<JoinPlan, String> {
    let advertise = advertise
        .filter(|a| !a.is_empty())
        .ok_or("missing mandatory --advertise flag")?;
    let advertise: Addr = advertise.parse().map_err(|e: addr::AddrError| {
        format!("--advertise should be of the form ip:port or hostname:port ({e})")
    })?;
    let hb = duration::parse_go_duration(heartbeat).map_err(|e| format!("--heartbeat: {e}"))?;
    if hb.nanos < 1_000_000_000 {
        return Err("--heartbeat should be at least one second".into());
    }
    let t = duration::parse_go_duration(ttl).map_err(|e| format!("--ttl: {e}"))?;
    if t <= hb {
        return Err("--ttl must be strictly superior to the heartbeat value".into());
    }
    let d = duration::parse_go_duration(delay).map_err(|e| format!("--delay: {e}"))?;
    if d.is_negative() {
        return Err("--delay should not be a negative number".into());
    }
    let std = |g: duration::GoDuration| g.to_std().unwrap_or_default();
    Ok(JoinPlan {
        advertise,
        heartbeat: std(hb),
        ttl: std(t),
        delay: std(d),
    })
}

/// `list --timeout`: must be positive.
pub fn validate_timeout(timeout: &str) -> Result<Duration, String> {
    let t = duration::parse_go_duration(timeout).map_err(|e| format!("--timeout: {e}"))?;
    match t.to_std() {
        Some(d) if !d.is_zero() => Ok(d),
        _ => Err("--timeout should be a positive number".into()),
    }
}

/// What the agent reports while it runs.
pub enum Event<'a> {
    /// A registration succeeded.
    Registered {
        /// Whether it was the first one.
        first: bool,
    },
    /// A later registration, or the deregistration on stop, failed; the agent goes on (a first
    /// registration's failure is returned by [`run`] instead).
    Failed(&'a DiscoveryError),
    /// The address was removed on stop.
    Deregistered,
}

/// Registers `plan.advertise` every heartbeat until `stop` resolves, then
/// deregisters it. Only the first registration's failure is returned.
pub async fn run(
    d: &dyn Discovery,
    plan: &JoinPlan,
    stop: impl Future<Output = ()>,
    report: &(dyn Fn(Event<'_>) + Sync),
) -> Result<(), DiscoveryError> {
    tokio::pin!(stop);
    if !plan.delay.is_zero() {
        let wait = plan.delay.mul_f64(rand::random::<f64>());
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = &mut stop => return Ok(()),
        }
    }
    d.register(&plan.advertise, Some(plan.ttl)).await?;
    report(Event::Registered { first: true });
    let mut tick = tokio::time::interval(plan.heartbeat);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tokio::select! {
            _ = tick.tick() => {
                match d.register(&plan.advertise, Some(plan.ttl)).await {
                    Ok(()) => report(Event::Registered { first: false }),
                    Err(e) => report(Event::Failed(&e)),
                }
            }
            _ = &mut stop => break,
        }
    }
    match d.deregister(&plan.advertise).await {
        Ok(()) => {
            report(Event::Deregistered);
            Ok(())
        }
        Err(e) => {
            report(Event::Failed(&e));
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(a: Option<&str>, hb: &str, ttl: &str, delay: &str) -> Result<JoinPlan, String> {
        validate_join(a, hb, ttl, delay)
    }

    #[test]
    fn defaults_pass() {
        let p = v(Some("10.0.0.1:2376"), "60s", "180s", "0s").unwrap();
        assert_eq!(p.advertise.to_string(), "10.0.0.1:2376");
        assert_eq!(p.heartbeat, Duration::from_secs(60));
        assert_eq!(p.ttl, Duration::from_secs(180));
        assert_eq!(p.delay, Duration::ZERO);
        assert!(v(Some("[::1]:2376"), "1s", "1001ms", "1m").is_ok());
    }

    #[test]
    fn classic_messages() {
        assert_eq!(
            v(None, "60s", "180s", "0s").unwrap_err(),
            "missing mandatory --advertise flag"
        );
        assert_eq!(
            v(Some(""), "60s", "180s", "0s").unwrap_err(),
            "missing mandatory --advertise flag"
        );
        for bad in ["10.0.0.1", "10.0.0.1:0", "10.0.0.1:65536", "h:x", ":1"] {
            let e = v(Some(bad), "60s", "180s", "0s").unwrap_err();
            assert!(
                e.starts_with("--advertise should be of the form ip:port or hostname:port"),
                "{e}"
            );
        }
        assert_eq!(
            v(Some("h:1"), "999ms", "180s", "0s").unwrap_err(),
            "--heartbeat should be at least one second"
        );
        assert_eq!(
            v(Some("h:1"), "-1s", "180s", "0s").unwrap_err(),
            "--heartbeat should be at least one second"
        );
        for ttl in ["60s", "59s", "-5s"] {
            assert_eq!(
                v(Some("h:1"), "60s", ttl, "0s").unwrap_err(),
                "--ttl must be strictly superior to the heartbeat value"
            );
        }
        assert_eq!(
            v(Some("h:1"), "60s", "180s", "-1s").unwrap_err(),
            "--delay should not be a negative number"
        );
        assert!(
            v(Some("h:1"), "soon", "180s", "0s")
                .unwrap_err()
                .starts_with("--heartbeat: invalid duration")
        );
    }

    #[test]
    fn timeouts() {
        assert_eq!(validate_timeout("10s").unwrap(), Duration::from_secs(10));
        for bad in ["0", "0s", "-1s"] {
            assert_eq!(
                validate_timeout(bad).unwrap_err(),
                "--timeout should be a positive number"
            );
        }
        assert!(validate_timeout("x").is_err());
    }
}
