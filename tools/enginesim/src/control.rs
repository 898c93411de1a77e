//! The control port (plain HTTP on loopback, JSON answers) a benchmark drives:
//!
//! * `GET /` — a summary; `GET /engines` — every engine's index, address, name and mode;
//! * `GET /counts` — requests in total, per path and per engine; `POST /counts/reset` — the
//!   same, then zero (one step per engine, so no request is lost in between);
//!   `GET /engines/{i}/counts` — one engine's;
//! * `POST /engines/{i}/hang`, `/refuse`, `/up` — see [`crate::engine::Mode`];
//! * `POST /engines/{i}/run?name=N` with a `POST /containers/create` body — create and start a
//!   container as if done on the engine directly; answers its ID and the start event's time;
//! * `/engines/{i}/docker/<Engine API path>` — any Engine API call on engine `i`, uncounted,
//!   ungated and without latency (e.g. `DELETE /engines/3/docker/containers/web?force=1`).

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::api::{self, Body, Via, error_response, json_response};
use crate::counts::Snapshot;
use crate::engine::Engine;
use crate::model::{ApiError, Spec};
use crate::timefmt::now_nanos;

pub struct Shared {
    pub engines: Vec<Arc<Engine>>,
    pub discovery_file: Option<PathBuf>,
}

pub fn spawn(shared: Arc<Shared>, listener: TcpListener) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let (sock, _) = match listener.accept().await {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!("control: accept: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            let shared = shared.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| {
                    let shared = shared.clone();
                    async move { Ok::<_, Infallible>(handle(&shared, req).await) }
                });
                if let Err(e) = http1::Builder::new()
                    .serve_connection(TokioIo::new(sock), service)
                    .await
                {
                    tracing::debug!("control connection: {e}");
                }
            });
        }
    })
}

fn not_found(what: String) -> Response<Body> {
    error_response(&ApiError::new(404, what))
}

fn engine_json(e: &Engine) -> Value {
    json!({
        "index": e.index,
        "addr": e.addr.to_string(),
        "name": e.lock().facts.name,
        "mode": api::mode_name(e.mode()),
    })
}

fn counts_json(per_engine: Vec<(usize, Snapshot)>) -> Value {
    let mut total = Snapshot::default();
    let mut engines = serde_json::Map::new();
    for (i, s) in &per_engine {
        total.add(s);
        if s.total > 0 {
            engines.insert(i.to_string(), json!(s.total));
        }
    }
    json!({"total": total.total, "paths": total.paths, "engines": engines})
}

async fn handle(shared: &Shared, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (&method, segs.as_slice()) {
        (&Method::GET, [""]) => json_response(
            200,
            &json!({
                "engines": shared.engines.len(),
                "discovery_file": shared.discovery_file,
                "requests": shared.engines.iter().map(|e| e.counts.snapshot().total).sum::<u64>(),
            }),
        ),
        (&Method::GET, ["engines"]) => json_response(
            200,
            &Value::Array(shared.engines.iter().map(|e| engine_json(e)).collect()),
        ),
        (&Method::GET, ["counts"]) => json_response(
            200,
            &counts_json(
                shared
                    .engines
                    .iter()
                    .map(|e| (e.index, e.counts.snapshot()))
                    .collect(),
            ),
        ),
        (&Method::POST, ["counts", "reset"]) => json_response(
            200,
            &counts_json(
                shared
                    .engines
                    .iter()
                    .map(|e| (e.index, e.counts.take()))
                    .collect(),
            ),
        ),
        (_, ["engines", index, rest @ ..]) => {
            let Some(engine) = index
                .parse::<usize>()
                .ok()
                .and_then(|i| shared.engines.get(i))
            else {
                return not_found(format!(
                    "no engine {index} (there are {}, numbered from 0)",
                    shared.engines.len()
                ));
            };
            engine_call(engine, &method, rest, req).await
        }
        _ => not_found(format!(
            "control: {method} {path} is not a control call (see the enginesim README)"
        )),
    }
}

async fn engine_call(
    engine: &Arc<Engine>,
    method: &Method,
    rest: &[&str],
    mut req: Request<Incoming>,
) -> Response<Body> {
    let io_error = |e: std::io::Error| {
        error_response(&ApiError::new(
            500,
            format!("cannot bind {} again: {e}", engine.addr),
        ))
    };
    match (method, rest) {
        (&Method::GET, []) => {
            let mut v = engine_json(engine);
            v["counts"] = json!(engine.counts.snapshot());
            json_response(200, &v)
        }
        (&Method::GET, ["counts"]) => json_response(200, &json!(engine.counts.snapshot())),
        (&Method::POST, ["hang"]) => match engine.hang().await {
            Ok(()) => json_response(200, &engine_json(engine)),
            Err(e) => io_error(e),
        },
        (&Method::POST, ["refuse"]) => {
            engine.refuse().await;
            json_response(200, &engine_json(engine))
        }
        (&Method::POST, ["up"]) => match engine.come_back().await {
            Ok(()) => json_response(200, &engine_json(engine)),
            Err(e) => io_error(e),
        },
        (&Method::POST, ["run"]) => run(engine, req).await,
        (_, ["docker", api_path @ ..]) => {
            let q = req
                .uri()
                .query()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            let uri = format!("/{}{q}", api_path.join("/"));
            match uri.parse() {
                Ok(u) => {
                    *req.uri_mut() = u;
                    api::handle(engine.clone(), req, Via::Control).await
                }
                Err(e) => error_response(&ApiError::new(400, format!("bad path: {e}"))),
            }
        }
        _ => not_found(format!(
            "control: {method} /engines/{}/{} is not a control call",
            engine.index,
            rest.join("/")
        )),
    }
}

/// Create + start in one step, "directly on the engine": the answer carries the start event's
/// time so a benchmark can measure how long the change takes to show elsewhere.
async fn run(engine: &Arc<Engine>, req: Request<Incoming>) -> Response<Body> {
    let name = crate::filters::Query::of(req.uri().query())
        .get("name")
        .map(str::to_string);
    let bytes: Bytes = match Limited::new(req.into_body(), 4 << 20).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => return error_response(&ApiError::new(400, format!("cannot read body: {e}"))),
    };
    let body: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => return error_response(&ApiError::new(400, format!("invalid JSON: {e}"))),
    };
    let spec = match Spec::from_body(&body) {
        Ok(s) => s,
        Err(e) => return error_response(&e),
    };
    let now = now_nanos();
    let done = engine.change(|s| {
        let id = s.create(name.as_deref(), spec, now)?;
        s.start(&id, now)?;
        let name = s.find(&id).map(|c| c.name.clone())?;
        Ok::<_, ApiError>((id, name))
    });
    match done {
        Ok((id, name)) => json_response(
            201,
            &json!({"Id": id, "Name": name, "Engine": engine.index, "Addr": engine.addr.to_string(), "TimeNano": now}),
        ),
        Err(e) => error_response(&e),
    }
}
