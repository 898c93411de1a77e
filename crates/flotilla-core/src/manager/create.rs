//! `POST /containers/create`: decided on the model's kept snapshot, created on the chosen node.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Query, Request};
use axum::http::{Response, StatusCode, header};
use bollard::models::ContainerCreateBody;
use serde_json::json;

use super::{Manager, error, json_response};
use crate::ops::run::{self, RunError, RunProgress};
use crate::ops::run_spec::Spec;
use crate::scheduler::ScheduleError;

/// Largest create body accepted (a container config is a few KiB).
const MAX_BODY: usize = 4 << 20;

/// Pulls are not reported to API clients; they go to the manager's log.
struct LogProgress;

impl RunProgress for LogProgress {
    fn pull(&self, node: &str, image: &str, status: &str) {
        tracing::debug!("pulling {image} on {node}: {status}");
    }
    fn pulled(&self, node: &str, image: &str) {
        tracing::info!("pulled {image} on {node}");
    }
}

fn run_error(e: RunError) -> Response<Body> {
    let status = match &e {
        RunError::NameConflict(_) => StatusCode::CONFLICT,
        RunError::Spec(_) | RunError::Schedule(ScheduleError::InvalidRequest(_)) => {
            StatusCode::BAD_REQUEST
        }
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    error(status, e.to_string())
}

/// dockerd's `CheckForJSON`: a body must come as `application/json` (parameters allowed); no
/// content type is accepted only without a body. A browser holding the client certificate can
/// send a form, not JSON, without a preflight: this keeps it from creating containers.
pub(super) fn json_content<B>(req: &axum::http::Request<B>) -> Result<(), String> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("?").to_string())
        .unwrap_or_default();
    let empty_body = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() == "0");
    if ct.is_empty() && empty_body {
        return Ok(());
    }
    let media = ct.split(';').next().unwrap_or_default().trim();
    if media.eq_ignore_ascii_case("application/json") {
        return Ok(());
    }
    Err(format!(
        "unsupported Content-Type header ({ct}): must be 'application/json'"
    ))
}

pub(super) async fn create(m: &Manager, req: Request) -> Response<Body> {
    if let Err(e) = json_content(&req) {
        return error(StatusCode::BAD_REQUEST, e);
    }
    let name = Query::<HashMap<String, String>>::try_from_uri(req.uri())
        .ok()
        .and_then(|q| q.get("name").cloned())
        .unwrap_or_default();
    let bytes = match axum::body::to_bytes(req.into_body(), MAX_BODY).await {
        Ok(b) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("reading the body: {e}")),
    };
    if bytes.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "config cannot be empty in order to create a container",
        );
    }
    let body: ContainerCreateBody = match serde_json::from_slice(&bytes) {
        Ok(b) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("invalid create body: {e}")),
    };
    let spec = Spec {
        name: name.trim_start_matches('/').to_string(),
        body,
        remove_after: false,
        detach: true,
    };
    match run::create_on_model(&m.store, &m.model, &spec, m.opts.pending_ttl, &LogProgress).await {
        Ok((id, node)) => {
            tracing::info!(node = %node, "created {id}");
            json_response(StatusCode::CREATED, &json!({"Id": id, "Warnings": []}))
        }
        Err(e) => run_error(e),
    }
}

#[cfg(test)]
mod tests {
    use super::json_content;
    use axum::body::Body;
    use axum::http::Request;

    fn req(ct: Option<&str>, len: Option<&str>) -> axum::extract::Request {
        let mut b = Request::builder().method("POST").uri("/containers/create");
        if let Some(ct) = ct {
            b = b.header("Content-Type", ct);
        }
        if let Some(len) = len {
            b = b.header("Content-Length", len);
        }
        b.body(Body::empty()).expect("request")
    }

    #[test]
    fn create_takes_json_only() {
        assert!(json_content(&req(Some("application/json"), Some("2"))).is_ok());
        assert!(json_content(&req(Some("application/json; charset=utf-8"), None)).is_ok());
        assert!(json_content(&req(None, Some("0"))).is_ok());
        let e = json_content(&req(Some("text/plain"), Some("2"))).unwrap_err();
        assert_eq!(
            e,
            "unsupported Content-Type header (text/plain): must be 'application/json'"
        );
        assert!(json_content(&req(Some("application/x-www-form-urlencoded"), None)).is_err());
        assert!(json_content(&req(None, Some("2"))).is_err());
        assert!(json_content(&req(None, None)).is_err());
    }
}
