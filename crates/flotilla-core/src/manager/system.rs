//! `/_ping`, `/version`, `/info`: answered by the manager itself, `/info` from the model.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Response, StatusCode, header};
use serde_json::json;

use super::{API_VERSION, Manager, json_response};
use crate::cluster::live::Health;
use crate::cluster::summary::{Role, Summary};
use crate::scheduler::strategy::Usage;

pub(super) fn ping() -> Response<Body> {
    let mut r = Response::new(Body::from("OK"));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r.headers_mut().insert(
        "Docker-Experimental",
        header::HeaderValue::from_static("false"),
    );
    r
}

pub(super) fn version() -> Response<Body> {
    json_response(
        StatusCode::OK,
        &json!({
            "Version": format!("flotilla/{}", env!("CARGO_PKG_VERSION")),
            "ApiVersion": API_VERSION,
            "MinAPIVersion": "1.24",
            "Os": std::env::consts::OS,
            "Arch": match std::env::consts::ARCH { "x86_64" => "amd64", "aarch64" => "arm64", a => a },
            "GitCommit": "",
            "GoVersion": "",
            "KernelVersion": "",
            "BuildTime": "",
        }),
    )
}

/// `GET /info`: the swarm's totals and classic's node block, from the model (no engine asked);
/// derived again only when the model changed since the last time. When only nodes' `UpdatedAt`
/// moved, the answer kept is served and derived again in the background, so no call waits for a
/// derivation (tens of milliseconds at 1,000 engines) that only `UpdatedAt` asked for.
pub(super) fn info(m: &Arc<Manager>) -> Response<Body> {
    let key = InfoKey {
        generation: m.model.generation(),
        touched: m.model.touched(),
        role: m.replication.as_ref().map(|r| r.role()).unwrap_or_default(),
    };
    let now = std::time::Instant::now();
    let (cached, refresh) = match m.info.lock() {
        Ok(mut c) => match c.as_mut() {
            Some(c) => match c.freshness(&key, now) {
                Freshness::Fresh => (Some(c.value.clone()), false),
                Freshness::UpdatedAtOnly => {
                    let start = !c.refreshing;
                    c.refreshing = true;
                    (Some(c.value.clone()), start)
                }
                Freshness::Stale => (None, false),
            },
            None => (None, false),
        },
        Err(_) => (None, false),
    };
    if refresh {
        let m = m.clone();
        let key = key.clone();
        tokio::task::spawn_blocking(move || store_info(&m, key));
    }
    let mut v = match cached {
        Some(v) => v,
        None => store_info(m, key),
    };
    v["NEventsListener"] = json!(m.model.listeners());
    v["SystemTime"] = json!(crate::cluster::live::rfc3339_now());
    json_response(StatusCode::OK, &v)
}

/// Derives `/info` for `key` and keeps it (unless a newer one was kept meanwhile).
fn store_info(m: &Manager, key: InfoKey) -> serde_json::Value {
    let v = derive_info(m, key.role.clone());
    if let Ok(mut c) = m.info.lock() {
        let newer = c
            .as_ref()
            .is_some_and(|c| c.key.generation > key.generation && c.key.role == key.role);
        if !newer {
            *c = Some(CachedInfo {
                key,
                at: std::time::Instant::now(),
                value: v.clone(),
                refreshing: false,
            });
        }
    }
    v
}

/// What a derived `/info` was derived from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct InfoKey {
    generation: u64,
    touched: u64,
    /// A replica's role changes with elections, not with the model.
    role: Role,
}

/// A derived `/info`, kept until the model changes.
#[derive(Debug)]
pub(super) struct CachedInfo {
    key: InfoKey,
    at: std::time::Instant,
    value: serde_json::Value,
    /// A background derivation for newer `UpdatedAt` values is under way.
    refreshing: bool,
}

/// How a kept `/info` may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Freshness {
    /// As it is.
    Fresh,
    /// Served, and derived again in the background: only nodes' `UpdatedAt` moved, for longer
    /// than [`UPDATED_AT_LAG`].
    UpdatedAtOnly,
    /// Derived again before answering: the model or the role changed.
    Stale,
}

/// How long `/info`'s `UpdatedAt` values may lag behind refreshes that changed nothing else
/// before a background derivation starts. At 1,000 engines refreshes that only move
/// `UpdatedAt` happen about 20 times a second.
const UPDATED_AT_LAG: std::time::Duration = std::time::Duration::from_secs(1);

impl CachedInfo {
    fn freshness(&self, key: &InfoKey, now: std::time::Instant) -> Freshness {
        if self.key.generation != key.generation || self.key.role != key.role {
            Freshness::Stale
        } else if self.key.touched == key.touched || now.duration_since(self.at) < UPDATED_AT_LAG {
            Freshness::Fresh
        } else {
            Freshness::UpdatedAtOnly
        }
    }
}

fn derive_info(m: &Manager, role: Role) -> serde_json::Value {
    let live = m.model.live(false);
    let (mut running, mut paused, mut stopped) = (0u64, 0u64, 0u64);
    for c in live.views.iter().flat_map(|v| &v.containers) {
        match c.state.map(|s| s.to_string()).as_deref() {
            Some("running") | Some("restarting") => running += 1,
            Some("paused") => paused += 1,
            _ => stopped += 1,
        }
    }
    let alive: Vec<usize> = (0..live.views.len())
        .filter(|&i| live.views[i].health == Health::Healthy)
        .collect();
    // Totals include the overcommit, as upstream's did.
    let usage = |i: usize| Usage::of(&live.state.nodes[i], live.state.overcommit);
    let ncpu: u64 = alive.iter().map(|&i| usage(i).total_cpu).sum::<u64>() / 1_000_000_000;
    let mem: u64 = alive.iter().map(|&i| usage(i).total_mem).sum();
    let images: usize = live.views.iter().map(|v| v.images).sum();
    let name = live
        .swarm
        .master
        .clone()
        .unwrap_or_else(|| live.swarm.discovery.clone());
    json!({
            "ID": format!("flotilla:{}", live.swarm.discovery),
            "Containers": running + paused + stopped,
            "ContainersRunning": running,
            "ContainersPaused": paused,
            "ContainersStopped": stopped,
            "Images": images,
            "Driver": "",
            "SystemStatus": Summary { role, ..Summary::of(&live) }.status_pairs(),
            "NCPU": ncpu,
            "MemTotal": mem,
            "Name": name,
            "NEventsListener": m.model.listeners(),
            "ServerVersion": format!("flotilla/{}", env!("CARGO_PKG_VERSION")),
            "OperatingSystem": "flotilla swarm",
            "OSType": "linux",
            "Architecture": std::env::consts::ARCH,
            "KernelVersion": "",
            "Labels": [],
            "SystemTime": crate::cluster::live::rfc3339_now(),
            "Swarm": {"LocalNodeState": "inactive"},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cached_info_is_kept_until_a_change_and_refreshed_in_the_background_for_updated_at() {
        let t0 = std::time::Instant::now();
        let c = CachedInfo {
            key: InfoKey {
                generation: 5,
                touched: 9,
                role: Role::Primary,
            },
            at: t0,
            value: serde_json::Value::Null,
            refreshing: false,
        };
        let same = InfoKey {
            generation: 5,
            touched: 9,
            role: Role::Primary,
        };
        let refreshed = InfoKey {
            generation: 5,
            touched: 10,
            role: Role::Primary,
        };
        let changed = InfoKey {
            generation: 6,
            touched: 9,
            role: Role::Primary,
        };
        let later = t0 + UPDATED_AT_LAG;
        assert_eq!(c.freshness(&same, later), Freshness::Fresh);
        assert_eq!(c.freshness(&refreshed, t0), Freshness::Fresh);
        // Only `UpdatedAt` moved, a while ago: served, derived again in the background.
        assert_eq!(c.freshness(&refreshed, later), Freshness::UpdatedAtOnly);
        assert_eq!(c.freshness(&changed, t0), Freshness::Stale);
        // An election changes the role, not the model.
        let demoted = InfoKey {
            role: Role::Replica {
                primary: Some("10.0.0.1:3376".into()),
            },
            ..same
        };
        assert_eq!(c.freshness(&demoted, t0), Freshness::Stale);
    }
}
