//! Volumes through the manager, as classic Swarm served them: `docker volume create NAME` on
//! every Healthy node (a service's named volume exists wherever it lands), `NODE/NAME` on that
//! node only, no name a random one (the same on every node); inspect from the first Healthy
//! node that has it (a `local` volume as `NODE/NAME`, as listed); remove from every Healthy node
//! that has it; prune on every Healthy node. A call done on some nodes and refused by others
//! answers an error naming each failed node.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{Method, Response, StatusCode};
use rand::Rng;
use serde_json::{Value, json};

use super::fanout::{self, Call, Head, Outcome};
use super::{Manager, error, json_response};

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
            inspect(m, version, &name.join("/"), &req).await
        }
        (&Method::DELETE, name) if !name.is_empty() => {
            remove(m, version, &name.join("/"), &req).await
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

fn bad_name(name: &str) -> Response<Body> {
    error(
        StatusCode::BAD_REQUEST,
        format!("invalid volume name {name:?}"),
    )
}

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
    if !fanout::safe_name(&name) {
        return bad_name(&name);
    }
    let (nodes, rest) = match fanout::targets(m, &name) {
        Ok(t) => t,
        Err(r) => return *r,
    };
    spec.insert("Name".into(), json!(rest));
    let call = Call::like(
        &req,
        Method::POST,
        format!("{version}/volumes/create"),
        Bytes::from(Value::Object(spec).to_string()),
    );
    let mut o = Outcome::of(fanout::each(&nodes, &call).await);
    o.failed.append(&mut o.missing);
    if let Some(f) = o.failure(&format!("volume create {name}")) {
        return f;
    }
    match o.ok.first() {
        Some(r) => fanout::relay(r),
        None => error(StatusCode::INTERNAL_SERVER_ERROR, "no node answered"),
    }
}

/// `GET /volumes/{name}`.
async fn inspect(m: &Manager, version: &str, name: &str, req: &Head) -> Response<Body> {
    if !fanout::safe_name(name) {
        return bad_name(name);
    }
    let (nodes, rest) = match fanout::targets(m, name) {
        Ok(t) => t,
        Err(r) => return *r,
    };
    let call = Call::like(
        req,
        Method::GET,
        format!("{version}/volumes/{rest}"),
        Bytes::new(),
    );
    let o = Outcome::of(fanout::each(&nodes, &call).await);
    match o.ok.first() {
        Some(r) => {
            let mut v = r.json();
            if v.get("Driver").and_then(Value::as_str) == Some("local")
                && let Some(n) = v.get("Name").and_then(Value::as_str)
            {
                v["Name"] = json!(format!("{}/{n}", r.node.name()));
            }
            json_response(StatusCode::OK, &v)
        }
        None => o
            .failure(&format!("volume inspect {name}"))
            .unwrap_or_else(|| o.not_found()),
    }
}

/// `DELETE /volumes/{name}`: from every Healthy node that has it.
async fn remove(m: &Manager, version: &str, name: &str, req: &Head) -> Response<Body> {
    if !fanout::safe_name(name) {
        return bad_name(name);
    }
    let (nodes, rest) = match fanout::targets(m, name) {
        Ok(t) => t,
        Err(r) => return *r,
    };
    let mut target = format!("{version}/volumes/{rest}");
    if let Some(q) = req.uri().query() {
        target.push('?');
        target.push_str(q);
    }
    let call = Call::like(req, Method::DELETE, target, Bytes::new());
    let o = Outcome::of(fanout::each(&nodes, &call).await);
    if let Some(f) = o.failure(&format!("volume rm {name}")) {
        return f;
    }
    if o.ok.is_empty() {
        return o.not_found();
    }
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    r
}
