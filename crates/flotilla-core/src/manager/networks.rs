//! Networks through the manager: create, inspect, remove, connect, disconnect, prune.
//!
//! Classic Swarm defaulted a new network's driver to `overlay`, which needed the engines'
//! cluster store; modern engines have none, so the manager does what makes a Compose project
//! work on a swarm:
//!
//! * `docker network create NAME` (no driver, or a local one: `bridge`, `macvlan`, `ipvlan`)
//!   creates a local network of that name **on every Healthy node**, so a project's default
//!   network exists wherever the scheduler puts its containers;
//! * `docker network create NODE/NAME` creates it on that node only;
//! * any other driver (`-d overlay`, a plugin) is passed to one node (the first Healthy by name)
//!   and reported as that engine answers.
//!
//! Inspect finds the network on the nodes (a local one shown as `NODE/NAME`, as listed); remove
//! removes it from every Healthy node that has it; connect and disconnect go to the container's
//! node. A call done on some nodes and refused by others answers an error naming each failed
//! node, and the nodes where it was done.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{Method, Response, StatusCode};
use serde_json::{Value, json};

use super::fanout::{self, Call, Head};
use super::per_node::Kind;
use super::{Manager, error};
use crate::cluster::live::Health;
use crate::cluster::model::Found;

/// Largest create or connect body (a few KiB of JSON).
const MAX_BODY: usize = 1 << 20;

/// Drivers whose networks live on one engine: created on every Healthy node.
const LOCAL_DRIVERS: &[&str] = &["bridge", "macvlan", "ipvlan"];

/// `/networks/…` after the list (`segments` follow `networks`).
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
        (&Method::POST, ["create"]) => create(m, version, req, body).await,
        (&Method::POST, ["prune"]) => {
            fanout::prune(m, &req, version, "networks", "NetworksDeleted").await
        }
        (&Method::POST, [name @ .., op @ ("connect" | "disconnect")]) if !name.is_empty() => {
            connect(m, version, &name.join("/"), op, req, body).await
        }
        (&Method::GET, name) if !name.is_empty() => {
            NETWORKS.inspect(m, version, &name.join("/"), &req).await
        }
        (&Method::DELETE, name) if !name.is_empty() => {
            NETWORKS.remove(m, version, &name.join("/"), &req).await
        }
        _ => error(
            StatusCode::NOT_FOUND,
            format!(
                "flotilla manager: {method} /networks/{} is not a network call",
                segments.join("/")
            ),
        ),
    }
}

/// Networks for [`per_node`]: a `local`-scope network lives on its node.
const NETWORKS: Kind = Kind {
    path: "networks",
    noun: "network",
    is_local: |v| v.get("Scope").and_then(Value::as_str) == Some("local"),
};

/// `POST /networks/create`.
async fn create(m: &Manager, version: &str, req: Head, body: Body) -> Response<Body> {
    if let Err(e) = super::create::json_content(&req) {
        return error(StatusCode::BAD_REQUEST, e);
    }
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("reading the body: {e}")),
    };
    let Ok(Value::Object(mut spec)) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "the body is not a JSON object");
    };
    let name = spec
        .get("Name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let (mut nodes, rest) = match NETWORKS.resolve(m, &name) {
        Ok(t) => t,
        Err(r) => return *r,
    };
    let driver = spec
        .get("Driver")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if !driver.is_empty() && !LOCAL_DRIVERS.contains(&driver.as_str()) {
        // A swarm-scope or plugin driver: one engine decides, as it answers.
        nodes.truncate(1);
    }
    spec.insert("Name".into(), json!(rest));
    NETWORKS.create(version, &req, &name, &nodes, spec).await
}

/// `POST /networks/{name}/connect|disconnect`: on the container's node, the container named by
/// its ID there.
async fn connect(
    m: &Manager,
    version: &str,
    name: &str,
    op: &str,
    req: Head,
    body: Body,
) -> Response<Body> {
    if !fanout::safe_name(name) {
        return *NETWORKS.bad_name(name);
    }
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("reading the body: {e}")),
    };
    let Ok(Value::Object(mut spec)) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "the body is not a JSON object");
    };
    let key = spec
        .get("Container")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let (node, id) = match m.model.find(&key) {
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
    let rest = match fanout::split_node(m, name) {
        (Some(on), rest) if on.name() == node => rest,
        (Some(on), _) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!(
                    "network {name} is on node {}, container {key} on node {node}",
                    on.name()
                ),
            );
        }
        (None, rest) => rest,
    };
    spec.insert("Container".into(), json!(id));
    let call = Call::like(
        &req,
        Method::POST,
        format!("{version}/networks/{rest}/{op}"),
        Bytes::from(Value::Object(spec).to_string()),
    );
    let r = fanout::send_read(&n, &call).await;
    if r.status.is_success() {
        m.model.refresh_container(&node, &id).await;
    }
    fanout::relay(&r)
}
