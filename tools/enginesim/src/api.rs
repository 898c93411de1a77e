//! The Engine API of one simulated engine over HTTP: versioned paths, dockerd's headers and
//! errors, the routes served, the streaming `/events` and `/wait`, and a 404 naming anything
//! else. Requests that arrive over the network pass the engine's gate (hung engines answer
//! nothing), are counted, and wait the configured latency; the control port's pass-through
//! skips all three.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty, Full, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue, SERVER};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{Value, json};

use crate::engine::{Engine, Mode};
use crate::events::EventFilter;
use crate::filters::{Filters, Query};
use crate::model::{ApiError, Outcome, Spec};
use crate::timefmt::{now_nanos, parse_timestamp};
use crate::{list, render};

pub type Body = UnsyncBoxBody<Bytes, Infallible>;

/// Largest request body read (a create body is a few KiB).
const MAX_BODY: usize = 4 << 20;

/// How much of an unsimulated path is kept as its count's key.
const MAX_COUNTED_PATH: usize = 200;

/// Where a request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A client over TLS: gated, counted, delayed.
    Network,
    /// The control port acting "directly on the engine": none of that.
    Control,
}

pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed_unsync()
}

pub fn empty() -> Body {
    Empty::new().boxed_unsync()
}

pub fn json_response(status: u16, v: &Value) -> Response<Body> {
    let mut r = Response::new(full(v.to_string()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

pub fn error_response(e: &ApiError) -> Response<Body> {
    json_response(e.status, &json!({ "message": e.message }))
}

fn status_only(status: StatusCode) -> Response<Body> {
    let mut r = Response::new(empty());
    *r.status_mut() = status;
    r
}

/// The routes served, each with the key it is counted under.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    Ping,
    Version,
    Info,
    List,
    Create,
    Inspect(String),
    Start(String),
    Stop(String),
    Kill(String),
    Delete(String),
    Wait(String),
    Images,
    ImageInspect(String),
    Networks,
    Volumes,
    Events,
    NotFound,
}

impl Route {
    fn key(&self, method: &Method) -> &'static str {
        match self {
            Route::Ping if method == Method::HEAD => "HEAD /_ping",
            Route::Ping => "GET /_ping",
            Route::Version => "GET /version",
            Route::Info => "GET /info",
            Route::List => "GET /containers/json",
            Route::Create => "POST /containers/create",
            Route::Inspect(_) => "GET /containers/{id}/json",
            Route::Start(_) => "POST /containers/{id}/start",
            Route::Stop(_) => "POST /containers/{id}/stop",
            Route::Kill(_) => "POST /containers/{id}/kill",
            Route::Delete(_) => "DELETE /containers/{id}",
            Route::Wait(_) => "POST /containers/{id}/wait",
            Route::Images => "GET /images/json",
            Route::ImageInspect(_) => "GET /images/{name}/json",
            Route::Networks => "GET /networks",
            Route::Volumes => "GET /volumes",
            Route::Events => "GET /events",
            Route::NotFound => "",
        }
    }
}

fn route(method: &Method, path: &str) -> Route {
    let trimmed = path.trim_end_matches('/');
    let segs: Vec<&str> = trimmed.trim_start_matches('/').split('/').collect();
    let get = method == Method::GET;
    let post = method == Method::POST;
    match segs.as_slice() {
        ["_ping"] if get || method == Method::HEAD => Route::Ping,
        ["version"] if get => Route::Version,
        ["info"] if get => Route::Info,
        ["events"] if get => Route::Events,
        ["networks"] if get => Route::Networks,
        ["volumes"] if get => Route::Volumes,
        ["containers", "json"] if get => Route::List,
        ["containers", "create"] if post => Route::Create,
        ["containers", id, "json"] if get => Route::Inspect(id.to_string()),
        ["containers", id, "start"] if post => Route::Start(id.to_string()),
        ["containers", id, "stop"] if post => Route::Stop(id.to_string()),
        ["containers", id, "kill"] if post => Route::Kill(id.to_string()),
        ["containers", id, "wait"] if post => Route::Wait(id.to_string()),
        ["containers", id] if method == Method::DELETE => Route::Delete(id.to_string()),
        ["images", "json"] if get => Route::Images,
        ["images", name @ .., "json"] if get && !name.is_empty() => {
            Route::ImageInspect(name.join("/"))
        }
        _ => Route::NotFound,
    }
}

/// `/v1.41/info` → (`/info`, Some((1, 41))).
fn split_version(path: &str) -> (&str, Option<&str>) {
    if let Some(rest) = path.strip_prefix("/v")
        && let Some(slash) = rest.find('/')
    {
        let v = &rest[..slash];
        if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return (&rest[slash..], Some(v));
        }
    }
    (path, None)
}

fn version_number(v: &str) -> (u64, u64) {
    let mut parts = v.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// dockerd's version middleware: too new or too old is a 400 for any path.
fn check_version(v: &str) -> Result<(), ApiError> {
    let n = version_number(v);
    if n > version_number(render::API_VERSION) {
        return Err(ApiError::new(
            400,
            format!(
                "client version {v} is too new. Maximum supported API version is {}",
                render::API_VERSION
            ),
        ));
    }
    if n < version_number(render::MIN_API_VERSION) {
        return Err(ApiError::new(
            400,
            format!(
                "client version {v} is too old. Minimum supported API version is {}, please upgrade your client to a newer version",
                render::MIN_API_VERSION
            ),
        ));
    }
    Ok(())
}

/// Answers one request for `engine`.
pub async fn handle(engine: Arc<Engine>, req: Request<Incoming>, via: Via) -> Response<Body> {
    let method = req.method().clone();
    let raw_path = req.uri().path().to_string();
    let (path, version) = split_version(&raw_path);
    let path = crate::filters::percent_decode(path, false);
    let route = route(&method, &path);
    if via == Via::Network {
        if !engine.gate().await {
            // Refusing: the connection is being dropped; this answer is never read.
            return status_only(StatusCode::SERVICE_UNAVAILABLE);
        }
        let key = route.key(&method);
        if key.is_empty() {
            // Bounded: a client can send any path.
            let shown: String = path.chars().take(MAX_COUNTED_PATH).collect();
            engine
                .counts
                .record(Cow::Owned(format!("{method} {shown}")), false);
        } else {
            engine.counts.record(Cow::Borrowed(key), true);
        }
        if !engine.latency.is_zero() {
            tokio::time::sleep(engine.latency).await;
        }
    }
    let mut resp = match version.map(check_version) {
        Some(Err(e)) => error_response(&e),
        _ => answer(&engine, route, req, via, &method, &path).await,
    };
    let h = resp.headers_mut();
    h.insert("Api-Version", HeaderValue::from_static(render::API_VERSION));
    h.insert("Docker-Experimental", HeaderValue::from_static("false"));
    h.insert("Ostype", HeaderValue::from_static("linux"));
    h.insert(
        SERVER,
        HeaderValue::from_static(concat!("Docker/", "20.10.24-enginesim", " (linux)")),
    );
    resp
}

fn result(r: Result<Value, ApiError>, ok: u16) -> Response<Body> {
    match r {
        Ok(v) => json_response(ok, &v),
        Err(e) => error_response(&e),
    }
}

/// A JSON body already serialised.
fn bytes_result(r: Result<Vec<u8>, ApiError>) -> Response<Body> {
    match r {
        Ok(b) => {
            let mut resp = Response::new(full(b));
            resp.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            resp
        }
        Err(e) => error_response(&e),
    }
}

fn unchanged_or_done(r: Result<Outcome, ApiError>) -> Response<Body> {
    match r {
        Ok(Outcome::Done) => status_only(StatusCode::NO_CONTENT),
        Ok(Outcome::Unchanged) => status_only(StatusCode::NOT_MODIFIED),
        Err(e) => error_response(&e),
    }
}

async fn answer(
    engine: &Arc<Engine>,
    route: Route,
    req: Request<Incoming>,
    via: Via,
    method: &Method,
    path: &str,
) -> Response<Body> {
    let q = Query::of(req.uri().query());
    let now = now_nanos();
    match route {
        Route::Ping => {
            let mut r = Response::new(full("OK"));
            let h = r.headers_mut();
            h.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            h.insert(
                "Cache-Control",
                HeaderValue::from_static("no-cache, no-store, must-revalidate"),
            );
            h.insert("Pragma", HeaderValue::from_static("no-cache"));
            r
        }
        Route::Version => json_response(200, &render::version()),
        Route::Info => json_response(200, &render::info(&engine.lock(), now)),
        Route::List => bytes_result(list::list(&engine.lock(), &q, now)),
        Route::Inspect(id) => {
            let g = engine.lock();
            bytes_result(g.find(&id).and_then(|c| {
                serde_json::to_vec(&render::inspect(&g, c))
                    .map_err(|e| ApiError::new(500, e.to_string()))
            }))
        }
        Route::Create => create(engine, req, &q, now).await,
        Route::Start(id) => unchanged_or_done(engine.change(|s| s.start(&id, now))),
        Route::Stop(id) => {
            let t = q.get("t").and_then(|t| t.parse::<i64>().ok());
            unchanged_or_done(engine.change(|s| s.stop(&id, t, now)))
        }
        Route::Kill(id) => match engine.change(|s| s.kill(&id, q.get("signal"), now)) {
            Ok(()) => status_only(StatusCode::NO_CONTENT),
            Err(e) => error_response(&e),
        },
        Route::Delete(id) => match engine.change(|s| s.remove(&id, q.flag("force"), now)) {
            Ok(()) => status_only(StatusCode::NO_CONTENT),
            Err(e) => error_response(&e),
        },
        Route::Wait(id) => wait(engine, &id, &q, via),
        Route::Images => result(images(engine, &q), 200),
        Route::ImageInspect(name) => {
            let g = engine.lock();
            match g.find_image(&name) {
                Some(i) => json_response(200, &render::image_inspect(&g.images[i])),
                None => error_response(&ApiError::new(
                    404,
                    format!(
                        "no such image: {name}: No such image: {}",
                        crate::model::normalise(&name)
                    ),
                )),
            }
        }
        Route::Networks => result(networks(engine, &q), 200),
        Route::Volumes => result(volumes(engine, &q), 200),
        Route::Events => events(engine, &q, via, now),
        Route::NotFound => error_response(&ApiError::new(
            404,
            format!("page not found: {method} {path} is not simulated by flotilla-enginesim"),
        )),
    }
}

async fn create(
    engine: &Arc<Engine>,
    req: Request<Incoming>,
    q: &Query,
    now: i64,
) -> Response<Body> {
    let name = q.get("name").map(str::to_string);
    let bytes = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => return error_response(&ApiError::new(400, format!("cannot read body: {e}"))),
    };
    let body: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            // dockerd answers a body it cannot decode with a 500.
            Err(e) => return error_response(&ApiError::new(500, format!("invalid JSON: {e}"))),
        }
    };
    let created = Spec::from_body(&body)
        .and_then(|spec| engine.change(|s| s.create(name.as_deref(), spec, now)));
    result(created.map(|id| json!({"Id": id, "Warnings": []})), 201)
}

fn images(engine: &Engine, q: &Query) -> Result<Value, ApiError> {
    let f = Filters::parse(q.get("filters")).map_err(|m| ApiError::new(400, m))?;
    const ACCEPTED: &[&str] = &["before", "dangling", "label", "reference", "since"];
    if let Some(k) = f.keys().find(|k| !ACCEPTED.contains(k)) {
        return Err(ApiError::new(400, format!("Invalid filter '{k}'")));
    }
    let g = engine.lock();
    let out = g
        .images
        .iter()
        .filter(|_| f.get("dangling").iter().all(|d| d == "false" || d == "0"))
        .filter(|_| !f.contains("label"))
        .filter(|i| {
            !f.contains("reference")
                || f.get("reference").iter().any(|r| {
                    i.tags.iter().any(|t| {
                        t == &crate::model::normalise(r) || t.split(':').next() == Some(r.as_str())
                    })
                })
        })
        .map(render::image_summary)
        .collect();
    Ok(Value::Array(out))
}

fn regexes(f: &Filters, key: &str) -> Result<Vec<regex::Regex>, ApiError> {
    f.get(key)
        .iter()
        .map(|p| {
            regex::Regex::new(p)
                .map_err(|_| ApiError::new(400, format!("Invalid filter '{key}={p}'")))
        })
        .collect()
}

fn networks(engine: &Engine, q: &Query) -> Result<Value, ApiError> {
    let f = Filters::parse(q.get("filters")).map_err(|m| ApiError::new(400, m))?;
    const ACCEPTED: &[&str] = &["dangling", "driver", "id", "label", "name", "scope", "type"];
    if let Some(k) = f.keys().find(|k| !ACCEPTED.contains(k)) {
        return Err(ApiError::new(400, format!("Invalid filter '{k}'")));
    }
    let names = regexes(&f, "name")?;
    let g = engine.lock();
    let all = render::networks_list(&g);
    let keep = |n: &Value| {
        let s = |k: &str| {
            n.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        (names.is_empty() || names.iter().any(|r| r.is_match(&s("Name"))))
            && f.fuzzy_match("id", &s("Id"))
            && f.exact_match("driver", &s("Driver"))
            && f.exact_match("scope", "local")
            && f.exact_match("type", "builtin")
            && !f.contains("label")
            // The built-in networks are never dangling.
            && f.get("dangling").iter().all(|d| d == "false" || d == "0")
    };
    Ok(Value::Array(
        all.as_array()
            .into_iter()
            .flatten()
            .filter(|n| keep(n))
            .cloned()
            .collect(),
    ))
}

fn volumes(engine: &Engine, q: &Query) -> Result<Value, ApiError> {
    let f = Filters::parse(q.get("filters")).map_err(|m| ApiError::new(400, m))?;
    const ACCEPTED: &[&str] = &["dangling", "driver", "label", "name"];
    if let Some(k) = f.keys().find(|k| !ACCEPTED.contains(k)) {
        return Err(ApiError::new(400, format!("Invalid filter '{k}'")));
    }
    let names = regexes(&f, "name")?;
    let g = engine.lock();
    let mut v = render::volumes_list(&g);
    if let Some(Value::Array(list)) = v.get_mut("Volumes") {
        list.retain(|vol| {
            let name = vol.get("Name").and_then(Value::as_str).unwrap_or_default();
            (names.is_empty() || names.iter().any(|r| r.is_match(name)))
                && f.exact_match("driver", "local")
                && !f.contains("label")
                // No container mounts a volume: every volume is dangling.
                && f.get("dangling").iter().all(|d| d == "true" || d == "1")
        });
    }
    Ok(v)
}

/// Follows an engine's event log for one `GET /events` answer.
struct Follow {
    engine: Arc<Engine>,
    filter: EventFilter,
    pending: VecDeque<Bytes>,
    cursor: u64,
    until: Option<i64>,
    deadline: Option<tokio::time::Instant>,
    only_past: bool,
    changes: tokio::sync::watch::Receiver<u64>,
    via: Via,
}

impl Follow {
    /// The next chunk (every event ready, joined), or None when the answer ends.
    async fn next(&mut self) -> Option<Bytes> {
        loop {
            if !self.pending.is_empty() {
                if self.via == Via::Network && !self.engine.gate().await {
                    return None;
                }
                let mut chunk = Vec::new();
                for line in self.pending.drain(..) {
                    chunk.extend_from_slice(&line);
                }
                return Some(Bytes::from(chunk));
            }
            if self.only_past {
                return None;
            }
            self.changes.borrow_and_update();
            let (events, next) = self.engine.lock().log.since_seq(self.cursor);
            self.cursor = next;
            for e in events {
                if self.until.is_some_and(|u| e.time_nano > u) {
                    return None;
                }
                if self.filter.includes(&e) {
                    self.pending.push_back(e.line.clone());
                }
            }
            if !self.pending.is_empty() {
                continue;
            }
            match self.deadline {
                Some(d) => tokio::select! {
                    r = self.changes.changed() => if r.is_err() { return None },
                    () = tokio::time::sleep_until(d) => return None,
                },
                None => {
                    if self.changes.changed().await.is_err() {
                        return None;
                    }
                }
            }
        }
    }
}

fn streamed(stream: impl futures_util::Stream<Item = Bytes> + Send + 'static) -> Response<Body> {
    let body = StreamBody::new(stream.map(|b| Ok::<_, Infallible>(Frame::data(b))));
    let mut r = Response::new(body.boxed_unsync());
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// `GET /events` as dockerd's `getEvents`: past events from `since` (kept ones only), then live
/// ones until `until` (an `until` in the past ends after the replay).
fn events(engine: &Arc<Engine>, q: &Query, via: Via, now: i64) -> Response<Body> {
    let parse =
        |k: &str| parse_timestamp(q.get(k).unwrap_or_default()).map_err(|m| ApiError::new(400, m));
    let (since, until) = match (parse("since"), parse("until")) {
        (Ok(s), Ok(u)) => (s, u),
        (Err(e), _) | (_, Err(e)) => return error_response(&e),
    };
    if let (Some(s), Some(u)) = (since, until)
        && u < s
    {
        return error_response(&ApiError::new(
            400,
            format!(
                "`since` time ({}) cannot be after `until` time ({})",
                q.get("since").unwrap_or_default(),
                q.get("until").unwrap_or_default()
            ),
        ));
    }
    let filter = match Filters::parse(q.get("filters")) {
        Ok(f) => EventFilter(f),
        Err(m) => return error_response(&ApiError::new(400, m)),
    };
    let only_past = until.is_some_and(|u| u <= now);
    let deadline = until.filter(|_| !only_past).map(|u| {
        tokio::time::Instant::now() + std::time::Duration::from_nanos((u - now).max(0) as u64)
    });
    let changes = engine.changes();
    let (pending, cursor) = {
        let g = engine.lock();
        let past = if since.is_some() || until.is_some() {
            g.log.between(since, until)
        } else {
            Vec::new()
        };
        let pending: VecDeque<Bytes> = past
            .iter()
            .filter(|e| filter.includes(e))
            .map(|e| e.line.clone())
            .collect();
        (pending, g.log.next_seq())
    };
    let follow = Follow {
        engine: engine.clone(),
        filter,
        pending,
        cursor,
        until,
        deadline,
        only_past,
        changes,
        via,
    };
    streamed(futures_util::stream::unfold(follow, |mut f| async move {
        f.next().await.map(|b| (b, f))
    }))
}

fn wait_body(code: i64) -> Bytes {
    Bytes::from(format!("{{\"Error\":null,\"StatusCode\":{code}}}\n"))
}

/// `POST /containers/{id}/wait?condition=`: headers at once, the body when the condition holds
/// (`not-running`, the default; `next-exit`; `removed`), as dockerd does.
fn wait(engine: &Arc<Engine>, key: &str, q: &Query, via: Via) -> Response<Body> {
    // dockerd treats an unknown condition as the default.
    let condition = q
        .get("condition")
        .filter(|c| matches!(*c, "next-exit" | "removed"))
        .unwrap_or("not-running");
    let changes = engine.changes();
    let (id, running, exit, cursor) = {
        let g = engine.lock();
        match g.find(key) {
            Ok(c) => (c.id.clone(), c.running(), c.exit_code, g.log.next_seq()),
            Err(e) => return error_response(&e),
        }
    };
    if condition == "not-running" && !running {
        return streamed(futures_util::stream::iter([wait_body(exit)]));
    }
    let engine = engine.clone();
    let until_removed = condition == "removed";
    let fut = async move {
        let (mut changes, mut cursor, mut exit) = (changes, cursor, exit);
        let code = 'found: loop {
            changes.borrow_and_update();
            {
                let g = engine.lock();
                let (events, next) = g.log.since_seq(cursor);
                cursor = next;
                for e in events
                    .iter()
                    .filter(|e| e.kind == "container" && e.actor_id == id)
                {
                    match e.action.as_str() {
                        "die" => {
                            exit = e
                                .attributes
                                .get("exitCode")
                                .and_then(|c| c.parse().ok())
                                .unwrap_or(exit);
                            if !until_removed {
                                break 'found exit;
                            }
                        }
                        "destroy" => break 'found exit,
                        _ => {}
                    }
                }
                // Fell behind the log: judge by the state itself.
                if g.find(&id).is_err() {
                    break 'found exit;
                }
            }
            if changes.changed().await.is_err() {
                return None;
            }
        };
        if via == Via::Network && !engine.gate().await {
            return None;
        }
        Some(wait_body(code))
    };
    streamed(futures_util::stream::once(fut).filter_map(futures_util::future::ready))
}

/// Is the engine hung? (for the control port's view)
pub fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::Up => "up",
        Mode::Hung => "hung",
        Mode::Refusing => "refusing",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_and_keys() {
        let r = |m: Method, p: &str| route(&m, p);
        assert_eq!(r(Method::GET, "/containers/json"), Route::List);
        assert_eq!(
            r(Method::GET, "/containers/abc/json"),
            Route::Inspect("abc".into())
        );
        assert_eq!(
            r(Method::DELETE, "/containers/abc"),
            Route::Delete("abc".into())
        );
        assert_eq!(
            r(Method::GET, "/images/enginesim/app:1.0/json"),
            Route::ImageInspect("enginesim/app:1.0".into())
        );
        assert_eq!(r(Method::GET, "/images/json"), Route::Images);
        assert_eq!(r(Method::POST, "/containers/json"), Route::NotFound);
        assert_eq!(r(Method::GET, "/containers/abc/logs"), Route::NotFound);
        assert_eq!(Route::Ping.key(&Method::HEAD), "HEAD /_ping");
    }

    #[test]
    fn versions_are_checked_like_dockerd() {
        assert_eq!(split_version("/v1.41/info"), ("/info", Some("1.41")));
        assert_eq!(split_version("/info"), ("/info", None));
        assert_eq!(split_version("/volumes"), ("/volumes", None));
        assert!(check_version("1.41").is_ok());
        assert!(check_version("1.24").is_ok());
        assert_eq!(
            check_version("1.50").unwrap_err().message,
            "client version 1.50 is too new. Maximum supported API version is 1.41"
        );
        assert!(check_version("1.11").is_err());
    }
}
