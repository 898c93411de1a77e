//! Volumes through the manager, as classic Swarm served them: `docker volume create NAME` on
//! every Healthy node (a service's named volume exists wherever it lands), `NODE/NAME` on that
//! node only, no name a random one (the same on every node); inspect from the first Healthy
//! node that has it (a `local` volume as `NODE/NAME`, as listed); remove from every Healthy node
//! that has it; prune on every Healthy node. A call done on some nodes and refused by others
//! answers an error naming each failed node.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, Response, StatusCode};
use rand::Rng;
use serde_json::{Value, json};

use super::fanout::{self, Head};
use super::per_node::Kind;
use super::{Manager, error};

/// Largest create body (a few KiB of JSON).
const MAX_BODY: usize = 1 << 20;

/// `/volumes/…` after the list (`segments` follow `volumes`).
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
            fanout::prune(m, &req, version, "volumes", "VolumesDeleted").await
        }
        (&Method::GET, name) if !name.is_empty() => {
            VOLUMES.inspect(m, version, &name.join("/"), &req).await
        }
        (&Method::DELETE, name) if !name.is_empty() => {
            VOLUMES.remove(m, version, &name.join("/"), &req).await
        }
        _ => error(
            StatusCode::NOT_FOUND,
            format!(
                "flotilla manager: {method} /volumes/{} is not a volume call",
                segments.join("/")
            ),
        ),
    }
}

/// Volumes for [`per_node`]: a `local` volume lives on its node.
const VOLUMES: Kind = Kind {
    path: "volumes",
    noun: "volume",
    is_local: |v| v.get("Driver").and_then(Value::as_str) == Some("local"),
};

/// A name like the engine's own for an anonymous volume (64 hex digits).
fn random_name() -> String {
    let mut rng = rand::rng();
    (0..32)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

/// `POST /volumes/create`.
async fn create(m: &Manager, version: &str, req: Head, body: Body) -> Response<Body> {
    if let Err(e) = super::create::json_content(&req) {
        return error(StatusCode::BAD_REQUEST, e);
    }
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("reading the body: {e}")),
    };
    let mut spec = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(o)) => o,
        Ok(Value::Null) => serde_json::Map::new(),
        _ if body.is_empty() => serde_json::Map::new(),
        _ => return error(StatusCode::BAD_REQUEST, "the body is not a JSON object"),
    };
    let name = match spec.get("Name").and_then(Value::as_str) {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => random_name(),
    };
    let (nodes, rest) = match VOLUMES.resolve(m, &name) {
        Ok(t) => t,
        Err(r) => return *r,
    };
    spec.insert("Name".into(), json!(rest));
    VOLUMES.create(version, &req, &name, &nodes, spec).await
}
