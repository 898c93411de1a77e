//! Calls about one container or exec instance: found in the model (no engine asked), refused at
//! once when the node is not Healthy (a hung engine delays only its own containers' calls), and
//! relayed to a path rebuilt from the resolved ID and an allowed sub-resource.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{Method, Response, StatusCode};
use futures_util::StreamExt as _;
use serde_json::{Value, json};

use super::forward::{ForwardError, forward};
use super::{Manager, error, json_response};
use crate::cluster::live::Health;
use crate::cluster::members::Member;
use crate::cluster::model::{Found, NodeData, lookup};

/// Largest exec-create answer read (it is a few bytes).
const MAX_BODY: usize = 1 << 20;

fn relay_failed(e: ForwardError) -> Response<Body> {
    error(StatusCode::BAD_GATEWAY, e.to_string())
}

/// The relayed target: `{version}/containers/{id}{/sub}?{query}`.
fn target(version: &str, id: &str, sub: &str, req: &Request) -> String {
    let mut t = format!("{version}/containers/{id}");
    if !sub.is_empty() {
        t.push('/');
        t.push_str(sub);
    }
    if let Some(q) = req.uri().query() {
        t.push('?');
        t.push_str(q);
    }
    t
}

/// Why a node's container cannot be relayed to, when its node is not Healthy.
fn unhealthy(n: &NodeData, key: &str) -> Option<Response<Body>> {
    // Classic Swarm's answer: the container exists, its node does not answer.
    (n.health.health != Health::Healthy).then(|| {
        error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!(
                "Container {key} running on unhealthy node {}{}",
                n.name(),
                n.health
                    .error
                    .as_deref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            ),
        )
    })
}

/// Any call about one container: `segments` are the path's after `/containers/`.
pub(super) async fn call(
    m: &Manager,
    version: &str,
    segments: &[&str],
    req: Request,
) -> Response<Body> {
    let nodes = m.model.nodes();
    let Some(call) = lookup::container_call(&nodes, segments) else {
        return error(
            StatusCode::NOT_FOUND,
            format!(
                "flotilla manager: {} /containers/{} is not a container call",
                req.method(),
                segments.join("/")
            ),
        );
    };
    let (node, id) = match lookup::find(&nodes, &call.key) {
        Found::One { node, id } => (node, id),
        Found::None => {
            return error(
                StatusCode::NOT_FOUND,
                format!("No such container: {}", call.key),
            );
        }
        Found::Many => {
            return error(
                StatusCode::NOT_FOUND,
                format!(
                    "multiple containers match {}; use NODE/NAME or a longer ID",
                    call.key
                ),
            );
        }
    };
    let Some(n) = nodes.iter().find(|n| n.name() == node) else {
        return error(
            StatusCode::NOT_FOUND,
            format!("No such container: {}", call.key),
        );
    };
    if let Some(r) = unhealthy(n, &call.key) {
        return r;
    }
    if req.method() == Method::POST
        && call.sub == "rename"
        && let Some(r) = rename_conflict(&nodes, &id, &req)
    {
        return r;
    }
    let member = n.member.clone();
    let to = target(version, &id, &call.sub, &req);
    if req.method() == Method::POST && call.sub == "exec" {
        return exec_create(m, member, req, &to).await;
    }
    if req.method() == Method::GET && call.sub == "json" {
        return inspect(n, member, req, &to).await;
    }
    let changes = req.method() != Method::GET
        && matches!(
            call.sub.as_str(),
            "" | "start" | "stop" | "restart" | "kill" | "pause" | "unpause" | "update" | "rename"
        );
    let endless = endless(req.method(), &call.sub, req.uri());
    let mut resp = forward(&member, req, &to)
        .await
        .unwrap_or_else(relay_failed);
    if changes && resp.status().is_success() {
        m.model.refresh_container(&node, &id).await;
    }
    if endless {
        // Ends when the manager stops, so a `logs -f` does not hold up its shutdown.
        let closing = m.closing.clone().cancelled_owned();
        let body = std::mem::replace(resp.body_mut(), Body::empty());
        *resp.body_mut() = Body::from_stream(body.into_data_stream().take_until(closing));
    }
    resp
}

/// Whether a relayed answer streams until the client leaves: `logs` that follow, `stats` that
/// stream (the default).
fn endless(method: &Method, sub: &str, uri: &axum::http::Uri) -> bool {
    if method != Method::GET {
        return false;
    }
    let q = axum::extract::Query::<std::collections::HashMap<String, String>>::try_from_uri(uri)
        .map(|q| q.0)
        .unwrap_or_default();
    let flag = |k: &str| {
        q.get(k)
            .map(|v| !matches!(v.as_str(), "" | "0" | "false" | "False"))
    };
    match sub {
        "logs" => flag("follow").unwrap_or(false),
        "stats" => flag("stream").unwrap_or(true),
        _ => false,
    }
}

/// Names are the swarm's (a name on one node blocks it on every other, as classic Swarm
/// answered): `rename` to a name another container of any node has is a conflict.
fn rename_conflict(
    nodes: &[std::sync::Arc<NodeData>],
    id: &str,
    req: &Request,
) -> Option<Response<Body>> {
    let q =
        axum::extract::Query::<std::collections::HashMap<String, String>>::try_from_uri(req.uri())
            .ok()?;
    let want = q.0.get("name")?.trim_start_matches('/').to_string();
    nodes.iter().find_map(|n| {
        n.containers
            .values()
            .find(|c| c.name() == want && c.id() != id)
            .map(|c| {
                error(
                    StatusCode::CONFLICT,
                    format!(
                        "Conflict. The container name \"/{want}\" is already in use by container \"{}\" on node {}. You have to remove (or rename) that container to be able to reuse that name.",
                        c.id(),
                        n.name()
                    ),
                )
            })
    })
}

/// `GET /containers/{id}/json`, relayed, with classic Swarm's additions: a `Node` object (`ID`,
/// `IP`, `Addr`, `Name`, `Cpus`, `Memory`, `Labels`, so `docker inspect -f '{{.Node.Name}}'`
/// works) and the engine's IP in place of an unspecified `HostIp` of published ports.
async fn inspect(n: &NodeData, member: Member, req: Request, to: &str) -> Response<Body> {
    let resp = match forward(&member, req, to).await {
        Ok(r) => r,
        Err(e) => return relay_failed(e),
    };
    if !resp.status().is_success() {
        return resp;
    }
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 64 << 20)
        .await
        .unwrap_or_default();
    let Ok(mut v) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::new(Body::from(bytes));
    };
    let ip = n.ip();
    if let Some(ports) = v
        .pointer_mut("/NetworkSettings/Ports")
        .and_then(Value::as_object_mut)
    {
        for bindings in ports.values_mut().filter_map(Value::as_array_mut) {
            for binding in bindings.iter_mut() {
                if matches!(
                    binding.get("HostIp").and_then(Value::as_str),
                    Some("" | "0.0.0.0" | "::")
                ) {
                    binding["HostIp"] = Value::String(ip.clone());
                }
            }
            // Bound on `0.0.0.0` and `::`: one binding at the engine's IP, not two.
            let mut seen: Vec<Value> = Vec::new();
            bindings.retain(|b| {
                let new = !seen.contains(b);
                if new {
                    seen.push(b.clone());
                }
                new
            });
        }
    }
    let node = n.scheduler_node();
    v["Node"] = json!({
        "ID": node.id,
        "IP": ip,
        "Addr": node.addr,
        "Name": n.name(),
        "Cpus": node.cpus.round() as i64,
        "Memory": node.memory,
        "Labels": node.labels,
    });
    json_response(status, &v)
}

/// `POST /containers/{id}/exec`, relayed, remembering which engine holds the exec instance.
async fn exec_create(m: &Manager, member: Member, req: Request, to: &str) -> Response<Body> {
    let resp = match forward(&member, req, to).await {
        Ok(r) => r,
        Err(e) => return relay_failed(e),
    };
    let (parts, body) = resp.into_parts();
    let bytes: Bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .unwrap_or_default();
    if parts.status.is_success()
        && let Ok(v) = serde_json::from_slice::<Value>(&bytes)
        && let Some(exec) = v.get("Id").and_then(Value::as_str)
        && let Ok(mut execs) = m.execs.lock()
    {
        execs.insert(exec.to_string(), member);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Any call about an exec instance created through the manager (`start`, `resize`, `json`).
pub(super) async fn exec_call(
    m: &Manager,
    version: &str,
    segments: &[&str],
    req: Request,
) -> Response<Body> {
    let (id, sub) = match segments {
        [id, sub @ ("start" | "resize" | "json")] => (*id, *sub),
        _ => {
            return error(
                StatusCode::NOT_FOUND,
                format!(
                    "flotilla manager: {} /exec/{} is not an exec call",
                    req.method(),
                    segments.join("/")
                ),
            );
        }
    };
    let member = m.execs.lock().ok().and_then(|e| e.get(id).cloned());
    let Some(member) = member else {
        return error(
            StatusCode::NOT_FOUND,
            format!("No such exec instance: {id}"),
        );
    };
    let mut to = format!("{version}/exec/{id}/{sub}");
    if let Some(q) = req.uri().query() {
        to.push('?');
        to.push_str(q);
    }
    forward(&member, req, &to)
        .await
        .unwrap_or_else(relay_failed)
}

#[cfg(test)]
mod tests {
    use super::endless;
    use axum::http::{Method, Uri};

    fn uri(s: &str) -> Uri {
        s.parse().expect("uri")
    }

    #[test]
    fn followed_logs_and_streamed_stats_are_endless() {
        let get = Method::GET;
        assert!(endless(&get, "logs", &uri("/c/logs?follow=1&stdout=1")));
        assert!(!endless(&get, "logs", &uri("/c/logs?stdout=1")));
        assert!(!endless(&get, "logs", &uri("/c/logs?follow=0")));
        assert!(endless(&get, "stats", &uri("/c/stats")));
        assert!(!endless(&get, "stats", &uri("/c/stats?stream=0")));
        assert!(!endless(&get, "stats", &uri("/c/stats?stream=false")));
        assert!(!endless(&get, "json", &uri("/c/json?follow=1")));
        assert!(!endless(&Method::POST, "logs", &uri("/c/logs?follow=1")));
    }
}
