//! `GET /events`: the swarm's event stream from the model's buffer and broadcast. Every client
//! shares the model's one subscription per engine: a client costs the engines nothing.
//! `since` replays what the bounded buffer still holds, `until` ends the stream, `filters`
//! select (dockerd's keys plus classic's `node`). A stream ends when the manager stops, so a
//! connected `docker events` does not hold up its shutdown.

use std::collections::HashMap;

use axum::body::{Body, Bytes};
use axum::extract::{Query, Request};
use axum::http::{Response, StatusCode, header};
use tokio::sync::broadcast::error::RecvError;

use super::{Manager, error};
use crate::cluster::model::events::{matches, parse_filters};

/// A Docker timestamp parameter (`1700000000`, `1700000000.5`, or RFC 3339) → nanoseconds.
fn nanos(v: &str) -> Option<i64> {
    if let Ok(f) = v.parse::<f64>() {
        return Some((f * 1e9) as i64);
    }
    crate::cluster::model::convert::parse_rfc3339(v).map(|f| (f * 1e9) as i64)
}

pub(super) fn events(m: &Manager, req: &Request) -> Response<Body> {
    let q = Query::<HashMap<String, String>>::try_from_uri(req.uri())
        .map(|q| q.0)
        .unwrap_or_default();
    let filters = match parse_filters(q.get("filters").map_or("", String::as_str)) {
        Ok(f) => f,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let since = match q.get("since").filter(|s| !s.is_empty()) {
        Some(s) => match nanos(s) {
            Some(t) => Some(t),
            None => return error(StatusCode::BAD_REQUEST, format!("invalid since: {s}")),
        },
        None => None,
    };
    let until = match q.get("until").filter(|s| !s.is_empty()) {
        Some(s) => match nanos(s) {
            Some(t) => Some(t),
            None => return error(StatusCode::BAD_REQUEST, format!("invalid until: {s}")),
        },
        None => None,
    };
    let (past, mut rx) = m.model.events(since);
    let closing = m.closing.clone();
    let (tx, out) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(256);
    tokio::spawn(async move {
        let in_range = |t: i64| until.is_none_or(|u| t <= u);
        // The buffer is in the order events arrived, from engines whose streams interleave:
        // one past `until` does not end the replay.
        for ev in past {
            if !in_range(ev.time_nano) {
                continue;
            }
            if matches(&filters, &ev.doc) && tx.send(Ok(Bytes::from(ev.line()))).await.is_err() {
                return;
            }
        }
        if until.is_some_and(|u| u <= crate::cluster::model::shared::now_nano()) {
            return;
        }
        loop {
            let deadline = async {
                match until {
                    Some(u) => {
                        let wait = (u - crate::cluster::model::shared::now_nano()).max(0) as u64;
                        tokio::time::sleep(std::time::Duration::from_nanos(wait)).await;
                    }
                    None => std::future::pending().await,
                }
            };
            let ev = tokio::select! {
                ev = rx.recv() => ev,
                () = tx.closed() => return,
                () = deadline => return,
                // The manager stops: the stream ends, as dockerd's does when it shuts down.
                () = closing.cancelled() => return,
            };
            match ev {
                Ok(ev) => {
                    if !in_range(ev.time_nano) {
                        return;
                    }
                    if matches(&filters, &ev.doc)
                        && tx.send(Ok(Bytes::from(ev.line()))).await.is_err()
                    {
                        return;
                    }
                }
                // A client that cannot keep up loses the oldest events, not the stream.
                Err(RecvError::Lagged(n)) => tracing::debug!("an events client lagged {n} events"),
                Err(RecvError::Closed) => return,
            }
        }
    });
    let stream = futures_util::stream::unfold(out, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let mut r = Response::new(Body::from_stream(stream));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    r
}
