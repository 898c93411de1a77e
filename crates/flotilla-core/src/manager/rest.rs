//! The remaining engine calls a `docker` CLI makes, as classic Swarm served them:
//!
//! * `POST /commit?container=…`: on the container's node (the container named by its ID there);
//! * `POST /containers/prune`: every Healthy node, the removed IDs merged as `NODE/ID`;
//! * `GET /system/df`: every Healthy node, the lists merged (containers and local volumes named
//!   `NODE/NAME`), the layers' size summed;
//! * `POST /auth`, `GET /distribution/{name}/json`: relayed to one Healthy node (the first by
//!   name), which checks the credentials or asks the registry.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{Method, Response, StatusCode};
use serde_json::{Value, json};

use super::fanout::{self, Call, Head, Outcome, Refused};
use super::forward::forward;
use super::{Manager, error, json_response};
use crate::cluster::live::Health;
use crate::cluster::model::Found;

/// The first Healthy node by name.
fn first_healthy(m: &Manager) -> Result<std::sync::Arc<crate::cluster::model::NodeData>, Refused> {
    fanout::healthy(m).into_iter().next().ok_or_else(|| {
        Box::new(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "no healthy node in the swarm",
        ))
    })
}

/// `POST /auth` and `GET /distribution/{name}/json`, relayed to one Healthy node.
pub(super) async fn to_one(m: &Manager, target: String, req: Request) -> Response<Body> {
    let n = match first_healthy(m) {
        Ok(n) => n,
        Err(r) => return *r,
    };
    match forward(&n.member, req, &target).await {
        Ok(r) => r,
        Err(e) => error(StatusCode::BAD_GATEWAY, e.to_string()),
    }
}

/// `GET /distribution/{name}/json` (`segments` are the name's).
pub(super) async fn distribution(
    m: &Manager,
    version: &str,
    segments: &[&str],
    req: Request,
) -> Response<Body> {
    let name = segments.join("/");
    if !fanout::safe_name(&name) {
        return error(
            StatusCode::BAD_REQUEST,
            format!("invalid image name {name:?}"),
        );
    }
    to_one(m, format!("{version}/distribution/{name}/json"), req).await
}

/// `POST /commit?container=…` on the container's node.
pub(super) async fn commit(m: &Manager, version: &str, req: Request) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let head: Head = Request::from_parts(parts.clone(), ());
    let mut pairs = fanout::query_pairs(&head);
    let Some((_, key)) = pairs.iter_mut().find(|(k, _)| k == "container") else {
        return error(StatusCode::BAD_REQUEST, "commit: no container given");
    };
    let (node, id) = match m.model.find(key) {
        Found::One { node, id } => (node, id),
        Found::None => return error(StatusCode::NOT_FOUND, format!("No such container: {key}")),
        Found::Many => {
            return error(
                StatusCode::NOT_FOUND,
                format!("multiple containers match {key}; use NODE/NAME or a longer ID"),
            );
        }
    };
    let Some(n) = m.model.node(&node) else {
        return error(StatusCode::NOT_FOUND, format!("No such container: {key}"));
    };
    if n.health.health != Health::Healthy {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("Container {key} running on unhealthy node {node}"),
        );
    }
    *key = id;
    let target = format!("{version}/commit?{}", fanout::query_string(&pairs));
    match forward(&n.member, Request::from_parts(parts, body), &target).await {
        Ok(r) => r,
        Err(e) => error(StatusCode::BAD_GATEWAY, e.to_string()),
    }
}

/// `GET /system/df`: every Healthy node's answer merged.
pub(super) async fn df(m: &Manager, version: &str, req: Request) -> Response<Body> {
    let (parts, _) = req.into_parts();
    let head: Head = Request::from_parts(parts, ());
    let mut target = format!("{version}/system/df");
    if let Some(q) = head.uri().query() {
        target.push('?');
        target.push_str(q);
    }
    let nodes = fanout::healthy(m);
    let call = Call::like(&head, Method::GET, target, Bytes::new());
    let o = Outcome::of(fanout::each(&nodes, &call).await);
    if let Some(f) = o.failure("system df") {
        return f;
    }
    let mut layers: u64 = 0;
    let mut merged = json!({"Images": [], "Containers": [], "Volumes": [], "BuildCache": []});
    for r in &o.ok {
        let v = r.json();
        layers += v.get("LayersSize").and_then(Value::as_u64).unwrap_or(0);
        for key in ["Images", "Containers", "Volumes", "BuildCache"] {
            for mut x in v
                .get(key)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
            {
                match key {
                    "Containers" => {
                        if let Some(names) = x.get_mut("Names").and_then(Value::as_array_mut) {
                            for name in names.iter_mut() {
                                if let Some(s) = name.as_str() {
                                    *name = json!(format!("/{}{s}", r.node.name()));
                                }
                            }
                        }
                    }
                    "Volumes" if x.get("Driver").and_then(Value::as_str) == Some("local") => {
                        if let Some(s) = x.get("Name").and_then(Value::as_str) {
                            x["Name"] = json!(format!("{}/{s}", r.node.name()));
                        }
                    }
                    _ => {}
                }
                if let Some(list) = merged[key].as_array_mut() {
                    list.push(x);
                }
            }
        }
    }
    merged["LayersSize"] = json!(layers);
    json_response(StatusCode::OK, &merged)
}
