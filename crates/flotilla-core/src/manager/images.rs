//! Images through the manager, as classic Swarm served them (shared/reference §4.1):
//!
//! * `POST /images/create` (pull, and import with `fromSrc`): on every Healthy node at once, or on
//!   one with `fromImage=NODE/IMAGE`; the progress merged with each line's node, the client's
//!   `X-Registry-Auth` passed to each engine, and an error at the end naming each node that
//!   failed;
//! * `POST /images/load`: the archive sent to every Healthy node, progress merged the same way;
//! * `GET /images/{name}/json`, `/history`, `/get`, `POST /images/{name}/push`: relayed to the
//!   first Healthy node (by name) that has the image; `GET /images/get` to one that has every
//!   image asked for;
//! * `POST /images/{name}/tag` and `DELETE /images/{name}`: on every Healthy node that has it,
//!   the answers merged, an error naming each node that refused;
//! * `GET /images/search`: relayed to one Healthy node; `POST /images/prune`: every Healthy
//!   node, merged.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{Method, Response, StatusCode};
use serde_json::Value;

use super::fanout::{self, Call, Head, Outcome};
use super::{Manager, error, json_response};
use crate::cluster::model::NodeData;

/// Largest archive or import body sent to several nodes (held in memory to send to each).
const MAX_UPLOAD: usize = 1 << 30;

/// `/images/…` other than the list (`segments` follow `images`).
pub(super) async fn call(
    m: &Manager,
    version: &str,
    segments: &[&str],
    req: Request,
) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let req: Head = Request::from_parts(parts, ());
    let method = req.method().clone();
    match (&method, segments) {
        (&Method::POST, ["create"]) => pull(m, version, req, body).await,
        (&Method::POST, ["load"]) => load(m, version, req, body).await,
        (&Method::POST, ["prune"]) => {
            fanout::prune(m, &req, version, "images", "ImagesDeleted").await
        }
        (&Method::GET, ["search"]) => {
            let nodes = fanout::healthy(m);
            let Some(n) = nodes.first() else {
                return error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "no healthy node in the swarm",
                );
            };
            let target = with_query(format!("{version}/images/search"), &req);
            stream_from(n, &req, Method::GET, target).await
        }
        (&Method::GET, ["get"]) => save_many(m, version, &req).await,
        (&Method::GET, [name @ .., sub @ ("json" | "history" | "get")]) if !name.is_empty() => {
            on_holder(m, version, &name.join("/"), sub, &req).await
        }
        (&Method::POST, [name @ .., "push"]) if !name.is_empty() => {
            on_holder(m, version, &name.join("/"), "push", &req).await
        }
        (&Method::POST, [name @ .., "tag"]) if !name.is_empty() => {
            tag(m, version, &name.join("/"), &req).await
        }
        (&Method::DELETE, name) if !name.is_empty() => {
            remove(m, version, &name.join("/"), &req).await
        }
        _ => error(
            StatusCode::NOT_FOUND,
            format!(
                "flotilla manager: {method} /images/{} is not an image call",
                segments.join("/")
            ),
        ),
    }
}

fn with_query(mut target: String, req: &Head) -> String {
    if let Some(q) = req.uri().query() {
        target.push('?');
        target.push_str(q);
    }
    target
}

fn bad_name(name: &str) -> Response<Body> {
    error(
        StatusCode::BAD_REQUEST,
        format!("invalid image name {name:?}"),
    )
}

/// Relays a call to one node, its answer streamed back as the engine sends it.
async fn stream_from(n: &NodeData, req: &Head, method: Method, target: String) -> Response<Body> {
    let call = Call::like(req, method, target, Bytes::new());
    match fanout::send(n, &call).await {
        Ok(r) => r,
        Err(e) => error(StatusCode::BAD_GATEWAY, e),
    }
}

/// The nodes (of `nodes`) whose engine has `image`, in order.
async fn holders(nodes: &[Arc<NodeData>], version: &str, image: &str, req: &Head) -> Outcome {
    let call = Call::like(
        req,
        Method::GET,
        format!("{version}/images/{image}/json"),
        Bytes::new(),
    );
    Outcome::of(fanout::each(nodes, &call).await)
}

/// `POST /images/create`: pull (or import) on every Healthy node, or on `NODE/` only.
async fn pull(m: &Manager, version: &str, req: Head, body: Body) -> Response<Body> {
    let mut pairs = fanout::query_pairs(&req);
    let mut nodes = fanout::healthy(m);
    let mut what = "import".to_string();
    if let Some((_, image)) = pairs.iter_mut().find(|(k, _)| k == "fromImage") {
        // A current CLI sends `NODE/REPO` normalised as `docker.io/NODE/REPO`.
        let named = image.strip_prefix("docker.io/").unwrap_or(image);
        let (node, rest) = fanout::split_node(m, named);
        if let Some(n) = node {
            if n.health.health != crate::cluster::live::Health::Healthy {
                return error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("node {} is {}", n.name(), n.health.health),
                );
            }
            nodes = vec![n];
            *image = rest.to_string();
        }
        what = format!("pull {image}");
    }
    if let Some((_, tag)) = pairs.iter().find(|(k, _)| k == "tag")
        && !tag.is_empty()
    {
        what.push(':');
        what.push_str(tag);
    }
    if nodes.is_empty() {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "no healthy node in the swarm",
        );
    }
    let target = format!("{version}/images/create?{}", fanout::query_string(&pairs));
    let body = match axum::body::to_bytes(body, MAX_UPLOAD).await {
        Ok(b) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("reading the body: {e}")),
    };
    let call = Call::like(&req, Method::POST, target, body);
    fanout::progress(&nodes, &call, &what).await
}

/// `POST /images/load`: the archive onto every Healthy node.
async fn load(m: &Manager, version: &str, req: Head, body: Body) -> Response<Body> {
    let nodes = fanout::healthy(m);
    if nodes.is_empty() {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "no healthy node in the swarm",
        );
    }
    let target = with_query(format!("{version}/images/load"), &req);
    let body = match axum::body::to_bytes(body, MAX_UPLOAD).await {
        Ok(b) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("reading the body: {e}")),
    };
    let call = Call::like(&req, Method::POST, target, body);
    fanout::progress(&nodes, &call, "load").await
}

/// `GET|POST /images/{name}/{sub}` on the first Healthy node that has the image.
async fn on_holder(
    m: &Manager,
    version: &str,
    name: &str,
    sub: &str,
    req: &Head,
) -> Response<Body> {
    if !fanout::safe_name(name) {
        return bad_name(name);
    }
    let (nodes, image) = match fanout::targets(m, name) {
        Ok(t) => t,
        Err(r) => return *r,
    };
    // A push names the tag in its query (`/images/REPO/push?tag=T`).
    let tag = fanout::query_pairs(req)
        .into_iter()
        .find(|(k, v)| k == "tag" && !v.is_empty())
        .map(|(_, v)| v);
    let wanted = match (&tag, sub) {
        (Some(t), "push") if fanout::safe_name(t) => format!("{image}:{t}"),
        _ => image.to_string(),
    };
    let o = holders(&nodes, version, &wanted, req).await;
    let Some(holder) = o.ok.first() else {
        return o
            .failure(&format!("image inspect {name}"))
            .unwrap_or_else(|| o.not_found());
    };
    if sub == "json" {
        return fanout::relay(holder);
    }
    let target = with_query(format!("{version}/images/{image}/{sub}"), req);
    stream_from(&holder.node, req, req.method().clone(), target).await
}

/// `GET /images/get?names=…`: from one Healthy node that has every image asked for.
async fn save_many(m: &Manager, version: &str, req: &Head) -> Response<Body> {
    let pairs = fanout::query_pairs(req);
    let names: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "names")
        .map(|(_, v)| v.as_str())
        .collect();
    if names.is_empty() || names.iter().any(|n| !fanout::safe_name(n)) {
        return error(StatusCode::BAD_REQUEST, "names: one or more image names");
    }
    let mut nodes = fanout::healthy(m);
    for name in &names {
        let o = holders(&nodes, version, name, req).await;
        nodes = o.ok.iter().map(|r| r.node.clone()).collect();
    }
    let Some(n) = nodes.first() else {
        return error(
            StatusCode::NOT_FOUND,
            format!("no healthy node has all of {}", names.join(", ")),
        );
    };
    let target = with_query(format!("{version}/images/get"), req);
    stream_from(n, req, Method::GET, target).await
}

/// `POST /images/{name}/tag`: on every Healthy node that has the image.
async fn tag(m: &Manager, version: &str, name: &str, req: &Head) -> Response<Body> {
    if !fanout::safe_name(name) {
        return bad_name(name);
    }
    let (nodes, image) = match fanout::targets(m, name) {
        Ok(t) => t,
        Err(r) => return *r,
    };
    let target = with_query(format!("{version}/images/{image}/tag"), req);
    let call = Call::like(req, Method::POST, target, Bytes::new());
    let o = Outcome::of(fanout::each(&nodes, &call).await);
    if let Some(f) = o.failure(&format!("image tag {name}")) {
        return f;
    }
    if o.ok.is_empty() {
        return o.not_found();
    }
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::CREATED;
    r
}

/// `DELETE /images/{name}`: on every Healthy node that has it, the untagged and deleted
/// entries merged without repeats.
async fn remove(m: &Manager, version: &str, name: &str, req: &Head) -> Response<Body> {
    if !fanout::safe_name(name) {
        return bad_name(name);
    }
    let (nodes, image) = match fanout::targets(m, name) {
        Ok(t) => t,
        Err(r) => return *r,
    };
    let target = with_query(format!("{version}/images/{image}"), req);
    let call = Call::like(req, Method::DELETE, target, Bytes::new());
    let o = Outcome::of(fanout::each(&nodes, &call).await);
    if let Some(f) = o.failure(&format!("image rm {name}")) {
        return f;
    }
    if o.ok.is_empty() {
        return o.not_found();
    }
    let mut merged: Vec<Value> = Vec::new();
    for r in &o.ok {
        for x in r.json().as_array().into_iter().flatten() {
            if !merged.contains(x) {
                merged.push(x.clone());
            }
        }
    }
    json_response(StatusCode::OK, &Value::Array(merged))
}
