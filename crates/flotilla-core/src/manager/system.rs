//! `/_ping`, `/version`, `/info`: answered by the manager itself, `/info` from the model.

use axum::body::Body;
use axum::http::{Response, StatusCode, header};
use serde_json::json;

use super::{API_VERSION, Manager, json_response};
use crate::cluster::live::Health;
use crate::cluster::summary::Summary;
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
    let generation = m.model.generation();
    let cached = m.info.lock().ok().and_then(|c| {
        c.as_ref()
            .filter(|(g, _)| *g == generation)
            .map(|(_, v)| v.clone())
    });
    let mut v = match cached {
        Some(v) => v,
        None => {
            let v = derive_info(m);
            if let Ok(mut c) = m.info.lock() {
                *c = Some((generation, v.clone()));
            }
            v
        }
    };
    if let Some(r) = &m.replication
        && let Some(status) = v["SystemStatus"].as_array_mut()
    {
        for (i, pair) in r.status_pairs().into_iter().enumerate() {
            status.insert(i, json!(pair));
        }
    }
    v["NEventsListener"] = json!(m.model.listeners());
    v["SystemTime"] = json!(crate::cluster::live::rfc3339_now());
    json_response(StatusCode::OK, &v)
}

fn derive_info(m: &Manager) -> serde_json::Value {
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
            "SystemStatus": Summary::of(&live).status_pairs(),
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
