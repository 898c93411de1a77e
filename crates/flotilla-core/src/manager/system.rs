//! `/_ping`, `/version`, `/info`: answered by the manager itself, `/info` from the model.

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
/// derived again only when the model changed since the last time.
pub(super) fn info(m: &Manager) -> Response<Body> {
    let key = InfoKey {
        generation: m.model.generation(),
        touched: m.model.touched(),
        role: m.replication.as_ref().map(|r| r.role()).unwrap_or_default(),
    };
    let cached = m.info.lock().ok().and_then(|c| {
        c.as_ref()
            .filter(|c| c.fresh_for(&key, std::time::Instant::now()))
            .map(|c| c.value.clone())
    });
    let mut v = match cached {
        Some(v) => v,
        None => {
            let v = derive_info(m, key.role.clone());
            if let Ok(mut c) = m.info.lock() {
                *c = Some(CachedInfo {
                    key,
                    at: std::time::Instant::now(),
                    value: v.clone(),
                });
            }
            v
        }
    };
    v["NEventsListener"] = json!(m.model.listeners());
    v["SystemTime"] = json!(crate::cluster::live::rfc3339_now());
    json_response(StatusCode::OK, &v)
}

/// What a derived `/info` was derived from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct InfoKey {
    generation: u64,
    touched: u64,
    /// A replica's role changes with elections, not with the model.
    role: Role,
}

/// A derived `/info`, kept until the model changes. Refreshes that only move nodes' `UpdatedAt`
/// make it stale at most [`UPDATED_AT_LAG`] later, so at 1,000 engines (about 20 such refreshes
/// a second) `/info` is derived about once a second instead of on every call.
#[derive(Debug)]
pub(super) struct CachedInfo {
    key: InfoKey,
    at: std::time::Instant,
    value: serde_json::Value,
}

/// How long `/info`'s `UpdatedAt` values may lag behind refreshes that changed nothing else.
const UPDATED_AT_LAG: std::time::Duration = std::time::Duration::from_secs(1);

impl CachedInfo {
    fn fresh_for(&self, key: &InfoKey, now: std::time::Instant) -> bool {
        self.key.generation == key.generation
            && self.key.role == key.role
            && (self.key.touched == key.touched || now.duration_since(self.at) < UPDATED_AT_LAG)
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
    fn a_cached_info_is_kept_until_a_change_and_briefly_across_refreshes() {
        let t0 = std::time::Instant::now();
        let c = CachedInfo {
            key: InfoKey {
                generation: 5,
                touched: 9,
                role: Role::Primary,
            },
            at: t0,
            value: serde_json::Value::Null,
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
        assert!(c.fresh_for(&same, later));
        assert!(c.fresh_for(&refreshed, t0));
        assert!(!c.fresh_for(&refreshed, later));
        assert!(!c.fresh_for(&changed, t0));
        // An election changes the role, not the model.
        let demoted = InfoKey {
            role: Role::Replica {
                primary: Some("10.0.0.1:3376".into()),
            },
            ..same
        };
        assert!(!c.fresh_for(&demoted, t0));
    }
}
