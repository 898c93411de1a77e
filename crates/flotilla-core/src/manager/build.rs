//! `POST /build`: on a node the scheduler chooses, as classic Swarm built: constraints and
//! affinities come as build args (`--build-arg constraint:node==web1`, which the CLI sends as
//! `{"constraint:node": "=web1"}`), `memory` counts as the reservation; the build context is
//! streamed to that node and its output streamed back; the image ends up there.
//!
//! The scheduling build args are taken out before the engine sees them (they are not the
//! Dockerfile's). Only the classic builder is served: BuildKit's `/session` and `/grpc` are not.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Response, StatusCode};

use super::fanout::{self, Head};
use super::forward::forward;
use super::{Manager, error};
use crate::scheduler::{CreateRequest, Options};

/// The build args that are scheduling rules, as `env`-style entries (`constraint:node==web1`),
/// and the build args left for the engine.
pub(super) fn split_rules(
    args: BTreeMap<String, String>,
) -> (Vec<String>, BTreeMap<String, String>) {
    let mut rules = Vec::new();
    let mut rest = BTreeMap::new();
    for (k, v) in args {
        if k.starts_with("constraint:") || k.starts_with("affinity:") {
            rules.push(format!("{k}={v}"));
        } else {
            rest.insert(k, v);
        }
    }
    (rules, rest)
}

/// `POST /build`.
pub(super) async fn build(m: &Manager, version: &str, req: Request) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let head: Head = Request::from_parts(parts.clone(), ());
    let mut pairs = fanout::query_pairs(&head);
    let args: BTreeMap<String, String> = match pairs.iter().find(|(k, _)| k == "buildargs") {
        Some((_, v)) if !v.is_empty() => match serde_json::from_str(v) {
            Ok(a) => a,
            Err(e) => return error(StatusCode::BAD_REQUEST, format!("invalid buildargs: {e}")),
        },
        _ => BTreeMap::new(),
    };
    let (rules, rest) = split_rules(args);
    let memory = pairs
        .iter()
        .find(|(k, _)| k == "memory")
        .and_then(|(_, v)| v.parse::<i64>().ok())
        .unwrap_or(0);
    let mut request = CreateRequest {
        env: rules,
        ..CreateRequest::default()
    };
    request.host_config.memory = memory;
    let decision = m
        .model
        .with_snapshot(|snap| snap.schedule(&request, &Options::from_state(snap.state())));
    let node = match decision {
        Ok(d) => d.node,
        Err(e) => {
            // The CLI is still sending the context: read it to the end (within the server's
            // body limits) so it reads the answer instead of a reset connection.
            drain(body).await;
            return error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
        }
    };
    let Some(n) = m.model.node(&node) else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("node {node} left the swarm"),
        );
    };
    match serde_json::to_string(&rest) {
        Ok(text) => {
            pairs.retain(|(k, _)| k != "buildargs");
            pairs.push(("buildargs".into(), text));
        }
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("invalid buildargs: {e}")),
    }
    tracing::info!("building on {node}");
    let target = format!("{version}/build?{}", fanout::query_string(&pairs));
    match forward(&n.member, Request::from_parts(parts, body), &target).await {
        Ok(r) => r,
        Err(e) => error(StatusCode::BAD_GATEWAY, e.to_string()),
    }
}

/// Reads a request body to its end, dropping it.
async fn drain(body: Body) {
    use http_body_util::BodyExt;
    let mut body = body;
    while let Some(Ok(_)) = body.frame().await {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheduling_build_args_become_rules() {
        let args: BTreeMap<String, String> = [
            ("constraint:node".to_string(), "=backend1".to_string()),
            ("affinity:image".to_string(), "=~busybox".to_string()),
            ("VERSION".to_string(), "1".to_string()),
        ]
        .into_iter()
        .collect();
        let (rules, rest) = split_rules(args);
        assert_eq!(
            rules,
            ["affinity:image==~busybox", "constraint:node==backend1"]
        );
        assert_eq!(rest.len(), 1);
        assert_eq!(rest.get("VERSION").map(String::as_str), Some("1"));
    }
}
