//! One call on several nodes at once, and the answers merged: what the manager does for the
//! calls classic Swarm sent to every engine (pull, network and volume create, image remove,
//! prune, load).
//!
//! The rule for every such call: nothing is left half-done silently. When some nodes answer
//! with an error, the client gets an error (so the docker CLI exits non-zero) that names each
//! failed node with its engine's message, and the nodes where it was done.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, Method, Response, StatusCode, header};
use futures_util::future::join_all;
use http_body_util::BodyExt;
use serde_json::{Value, json};

use super::forward::forward;
use super::{Manager, error, json_response};
use crate::cluster::live::Health;
use crate::cluster::model::NodeData;

/// A request's head (method, URI, headers) without its body: what the handlers keep across
/// awaits (a body is not `Sync`).
pub(super) type Head = Request<()>;

/// Largest answer read from one node to merge (lists of deleted images, an inspect).
const MAX_ANSWER: usize = 64 << 20;

/// The nodes a swarm-wide call goes to: the Healthy ones, by name.
pub(super) fn healthy(m: &Manager) -> Vec<Arc<NodeData>> {
    let mut nodes: Vec<Arc<NodeData>> = m
        .model
        .nodes()
        .into_iter()
        .filter(|n| n.health.health == Health::Healthy)
        .collect();
    nodes.sort_by(|a, b| a.name().cmp(b.name()));
    nodes
}

/// `NODE/REST` when `NODE` is a node of the swarm: classic Swarm's way of naming one node's
/// network, volume or image. Anything else is a plain name.
pub(super) fn split_node<'a>(m: &Manager, name: &'a str) -> (Option<Arc<NodeData>>, &'a str) {
    if let Some((node, rest)) = name.split_once('/')
        && !rest.is_empty()
        && let Some(n) = m.model.node(node)
    {
        return (Some(n), rest);
    }
    (None, name)
}

/// An answer given instead of doing the call (boxed: it is large).
pub(super) type Refused = Box<Response<Body>>;

/// The nodes for a call naming `name`: its node when it is `NODE/NAME` (refused when that node
/// is not Healthy), else every Healthy node.
pub(super) fn targets<'a>(
    m: &Manager,
    name: &'a str,
) -> Result<(Vec<Arc<NodeData>>, &'a str), Refused> {
    match split_node(m, name) {
        (Some(n), rest) if n.health.health == Health::Healthy => Ok((vec![n], rest)),
        (Some(n), _) => Err(Box::new(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("node {} is {}", n.name(), n.health.health),
        ))),
        (None, rest) => {
            let nodes = healthy(m);
            if nodes.is_empty() {
                return Err(Box::new(error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "no healthy node in the swarm",
                )));
            }
            Ok((nodes, rest))
        }
    }
}

/// A request to send to several nodes: the same method, target, headers and body for each.
#[derive(Clone)]
pub(super) struct Call {
    pub method: Method,
    /// Origin form: the version prefix, path and query, rebuilt by the manager.
    pub target: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Call {
    /// A call with the client's headers that matter to an engine (`X-Registry-Auth`,
    /// `Content-Type`, …), minus those about the client's own connection.
    pub fn like(req: &Head, method: Method, target: String, body: Bytes) -> Call {
        let mut headers = req.headers().clone();
        for h in [
            header::HOST,
            header::CONTENT_LENGTH,
            header::TRANSFER_ENCODING,
            header::CONNECTION,
            header::UPGRADE,
            header::EXPECT,
        ] {
            headers.remove(h);
        }
        Call {
            method,
            target,
            headers,
            body,
        }
    }

    fn request(&self) -> Request {
        let mut r = Request::new(Body::from(self.body.clone()));
        *r.method_mut() = self.method.clone();
        *r.headers_mut() = self.headers.clone();
        if !self.body.is_empty()
            && let Ok(v) = self.body.len().to_string().parse()
        {
            r.headers_mut().insert(header::CONTENT_LENGTH, v);
        }
        r
    }
}

/// One node's whole answer.
pub(super) struct Reply {
    pub node: Arc<NodeData>,
    pub status: StatusCode,
    pub body: Bytes,
}

impl Reply {
    /// The engine's error message (`{"message": …}`), or the body as text.
    pub fn message(&self) -> String {
        message(&self.body)
    }

    /// The body as JSON (`Null` when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// The message of an engine's error body.
pub(super) fn message(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_string())
}

/// Sends `call` to one node and returns its answer as it streams.
pub(super) async fn send(n: &NodeData, call: &Call) -> Result<Response<Body>, String> {
    forward(&n.member, call.request(), &call.target)
        .await
        .map_err(|e| e.to_string())
}

/// Sends `call` to one node and reads its whole answer.
pub(super) async fn send_read(n: &Arc<NodeData>, call: &Call) -> Reply {
    match send(n, call).await {
        Ok(resp) => {
            let status = resp.status();
            match axum::body::to_bytes(resp.into_body(), MAX_ANSWER).await {
                Ok(body) => Reply {
                    node: n.clone(),
                    status,
                    body,
                },
                Err(e) => Reply {
                    node: n.clone(),
                    status: StatusCode::BAD_GATEWAY,
                    body: Bytes::from(json!({"message": e.to_string()}).to_string()),
                },
            }
        }
        Err(e) => Reply {
            node: n.clone(),
            status: StatusCode::BAD_GATEWAY,
            body: Bytes::from(json!({ "message": e }).to_string()),
        },
    }
}

/// Sends `call` to every node of `nodes` at once; the answers in the nodes' order.
pub(super) async fn each(nodes: &[Arc<NodeData>], call: &Call) -> Vec<Reply> {
    join_all(nodes.iter().map(|n| send_read(n, call))).await
}

/// The answers of a call on several nodes, sorted: done, not there (404), failed.
pub(super) struct Outcome {
    pub ok: Vec<Reply>,
    pub missing: Vec<Reply>,
    pub failed: Vec<Reply>,
}

impl Outcome {
    pub fn of(replies: Vec<Reply>) -> Outcome {
        let mut o = Outcome {
            ok: Vec::new(),
            missing: Vec::new(),
            failed: Vec::new(),
        };
        for r in replies {
            if r.status.is_success() {
                o.ok.push(r)
            } else if r.status == StatusCode::NOT_FOUND {
                o.missing.push(r)
            } else {
                o.failed.push(r)
            }
        }
        o
    }

    /// The error for the failed nodes (each with its engine's message, once) and where the
    /// call was done anyway; `None` when nothing failed.
    pub fn failure(&self, what: &str) -> Option<Response<Body>> {
        let first = self.failed.first()?;
        let mut text = failed_text(what, &self.failed);
        let done: Vec<&str> = self.ok.iter().map(|r| r.node.name()).collect();
        if !done.is_empty() {
            text.push_str(&format!(" (done on {})", done.join(", ")));
        }
        Some(error(first.status, text))
    }

    /// `404` naming `what` when no node has it: the first engine's own message.
    pub fn not_found(&self) -> Response<Body> {
        match self.missing.first() {
            Some(r) => error(StatusCode::NOT_FOUND, r.message()),
            None => error(StatusCode::NOT_FOUND, "not found on any healthy node"),
        }
    }
}

/// `WHAT failed on NODE: message; NODE: message`.
pub(super) fn failed_text(what: &str, failed: &[Reply]) -> String {
    let each: Vec<String> = failed
        .iter()
        .map(|r| format!("{}: {}", r.node.name(), r.message()))
        .collect();
    format!("{what} failed on {}", each.join("; "))
}

/// The first answer of `replies` as the client's answer (status, headers and body).
pub(super) fn relay(r: &Reply) -> Response<Body> {
    let mut resp = Response::new(Body::from(r.body.clone()));
    *resp.status_mut() = r.status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    resp
}

/// Prune on every Healthy node: the deleted objects' lists merged, names as `NODE/NAME`
/// (`list_key` such as `ImagesDeleted`), `SpaceReclaimed` summed.
pub(super) async fn prune(
    m: &Manager,
    req: &Head,
    version: &str,
    kind: &str,
    list_key: &str,
) -> Response<Body> {
    let mut target = format!("{version}/{kind}/prune");
    if let Some(q) = req.uri().query() {
        target.push('?');
        target.push_str(q);
    }
    let nodes = healthy(m);
    let call = Call::like(req, Method::POST, target, Bytes::new());
    let o = Outcome::of(each(&nodes, &call).await);
    if let Some(f) = o.failure(&format!("{kind} prune")) {
        return f;
    }
    let mut deleted: Vec<Value> = Vec::new();
    let mut space: u64 = 0;
    for r in &o.ok {
        let v = r.json();
        for x in v
            .get(list_key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match x.as_str() {
                // Networks, volumes and containers are named; images are objects.
                Some(s) => deleted.push(json!(format!("{}/{s}", r.node.name()))),
                None => deleted.push(x.clone()),
            }
        }
        space += v.get("SpaceReclaimed").and_then(Value::as_u64).unwrap_or(0);
    }
    let mut answer = json!({ list_key: deleted });
    if list_key != "NetworksDeleted" {
        answer["SpaceReclaimed"] = json!(space);
    }
    json_response(StatusCode::OK, &answer)
}

/// A JSON-lines progress stream (pull, load, import) from every node of `nodes`, merged: each
/// message's `id` prefixed with its node (`NODE: ID`, or `NODE` alone), as classic Swarm showed
/// each engine's progress. An engine's error message is held back and the stream ends with one
/// error naming every node that failed, so the CLI shows the others' progress and then exits
/// non-zero. When every node refuses at once, the answer is that error with the engines'
/// status.
pub(super) async fn progress(nodes: &[Arc<NodeData>], call: &Call, what: &str) -> Response<Body> {
    let started = join_all(
        nodes
            .iter()
            .map(|n| async move { (n.clone(), send(n, call).await) }),
    )
    .await;
    let mut failed: Vec<Reply> = Vec::new();
    let mut streams = Vec::new();
    for (n, r) in started {
        match r {
            Ok(resp) if resp.status().is_success() => streams.push((n, resp)),
            Ok(resp) => {
                let status = resp.status();
                let body = axum::body::to_bytes(resp.into_body(), MAX_ANSWER)
                    .await
                    .unwrap_or_default();
                failed.push(Reply {
                    node: n,
                    status,
                    body,
                });
            }
            Err(e) => failed.push(Reply {
                node: n,
                status: StatusCode::BAD_GATEWAY,
                body: Bytes::from(json!({ "message": e }).to_string()),
            }),
        }
    }
    if streams.is_empty() {
        let status = failed
            .first()
            .map(|r| r.status)
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return error(status, failed_text(what, &failed));
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(64);
    let mut tasks = Vec::new();
    for (n, resp) in streams {
        let tx = tx.clone();
        tasks.push(tokio::spawn(relay_progress(n, resp, tx)));
    }
    let what = what.to_string();
    tokio::spawn(async move {
        let mut errors: Vec<String> = failed
            .iter()
            .map(|r| format!("{}: {}", r.node.name(), r.message()))
            .collect();
        for t in tasks {
            if let Ok(Some(e)) = t.await {
                errors.push(e);
            }
        }
        if !errors.is_empty() {
            let msg = format!("{what} failed on {}", errors.join("; "));
            let line = json!({"errorDetail": {"message": msg}, "error": msg}).to_string() + "\n";
            let _ = tx.send(Bytes::from(line)).await;
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|b| (Ok::<Bytes, std::io::Error>(b), rx))
    });
    let mut resp = Response::new(Body::from_stream(stream));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    resp
}

/// Relays one node's progress lines with their node; returns `NODE: error` when the engine's
/// stream ended with an error (or broke off).
async fn relay_progress(
    n: Arc<NodeData>,
    resp: Response<Body>,
    tx: tokio::sync::mpsc::Sender<Bytes>,
) -> Option<String> {
    let node = n.name().to_string();
    let mut body = resp.into_body();
    let mut buf: Vec<u8> = Vec::new();
    let mut failure: Option<String> = None;
    loop {
        let frame = match body.frame().await {
            None => break,
            Some(Ok(f)) => f,
            Some(Err(e)) => {
                failure = Some(format!("{node}: {e}"));
                break;
            }
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        buf.extend_from_slice(&data);
        while let Some(pos) = buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buf.drain(..=pos).collect();
            if let Some(out) = relabel(&node, &line, &mut failure) {
                let _ = tx.send(out).await;
            }
        }
    }
    if !buf.is_empty()
        && let Some(out) = relabel(&node, &buf, &mut failure)
    {
        let _ = tx.send(out).await;
    }
    failure
}

/// One progress line with its node; an error line is kept back in `failure`.
fn relabel(node: &str, line: &[u8], failure: &mut Option<String>) -> Option<Bytes> {
    let text = String::from_utf8_lossy(line);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let Ok(mut v) = serde_json::from_str::<Value>(text) else {
        let v = json!({"id": node, "status": text});
        return Some(Bytes::from(v.to_string() + "\n"));
    };
    if let Some(e) = v
        .get("error")
        .and_then(Value::as_str)
        .or_else(|| v.pointer("/errorDetail/message").and_then(Value::as_str))
    {
        *failure = Some(format!("{node}: {e}"));
        return None;
    }
    let id = match v.get("id").and_then(Value::as_str) {
        Some(id) if !id.is_empty() => format!("{node}: {id}"),
        _ => node.to_string(),
    };
    v["id"] = Value::String(id);
    Some(Bytes::from(v.to_string() + "\n"))
}

/// Percent-encodes a query value (everything but RFC 3986's unreserved characters).
pub(super) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The query's pairs, decoded, in order (repeated keys kept: `names=a&names=b`).
pub(super) fn query_pairs(req: &Head) -> Vec<(String, String)> {
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(req.uri())
        .map(|q| q.0)
        .unwrap_or_default()
}

/// Pairs back into a query string.
pub(super) fn query_string(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A name that may go into an engine's path as it is: letters, digits and `_.-:@`, with `/`
/// only between non-empty parts that are not `.` or `..`. Anything else is refused, so the
/// relayed path is always the call the manager chose.
pub(super) fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b':' | b'@')
                })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_reach_an_engine_path_are_plain() {
        assert!(safe_name("proj_default"));
        assert!(safe_name("10.77.0.1:5000/flotilla/busybox:latest"));
        assert!(safe_name("sha256:abc"));
        assert!(safe_name("busybox@sha256:abc"));
        assert!(!safe_name(""));
        assert!(!safe_name("a/../b"));
        assert!(!safe_name("a//b"));
        assert!(!safe_name("a?b"));
        assert!(!safe_name("a%2Fb"));
        assert!(!safe_name("a b"));
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(encode("a b/c:d"), "a%20b%2Fc%3Ad");
        assert_eq!(
            query_string(&[
                ("fromImage".into(), "x/y".into()),
                ("tag".into(), "1".into())
            ]),
            "fromImage=x%2Fy&tag=1"
        );
    }

    #[test]
    fn progress_lines_carry_their_node_and_errors_are_held_back() {
        let mut failure = None;
        let out = relabel(
            "n1",
            br#"{"status":"Downloading","id":"abc"}"#,
            &mut failure,
        )
        .expect("a line");
        let v: Value = serde_json::from_slice(&out).expect("json");
        assert_eq!(v["id"], "n1: abc");
        let out = relabel("n1", br#"{"status":"Pulling from x"}"#, &mut failure).expect("a line");
        let v: Value = serde_json::from_slice(&out).expect("json");
        assert_eq!(v["id"], "n1");
        assert!(failure.is_none());
        assert!(
            relabel(
                "n2",
                br#"{"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"}"#,
                &mut failure
            )
            .is_none()
        );
        assert_eq!(failure.as_deref(), Some("n2: manifest unknown"));
    }
}
