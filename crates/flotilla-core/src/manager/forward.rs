//! Passing a Docker API request through to the engine that owns its object.
//!
//! Container-scoped calls (`start`, `logs`, `attach`, `wait`, `exec`, `DELETE`, …) need no
//! cluster logic: the manager finds the engine and relays the request to a path it rebuilt
//! (the resolved ID and an allowed sub-resource, never the client's raw path), streaming the
//! response back. A hijacked connection (`attach`, `exec start`: `Upgrade: tcp`, answered with
//! `101`) is relayed too: once both sides have switched, bytes are copied both ways until either
//! closes.

use std::pin::Pin;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use hyper_util::rt::TokioIo;

use crate::cluster::members::Member;
use crate::engine::{EngineAddr, EngineIo, client_tls_config, dial};

/// Why a request could not be relayed.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    /// No connection to the member's engine: the client gets an error naming the node, as
    /// classic Swarm answered.
    #[error("cannot reach the engine of {node} at {addr}: {message}")]
    Connect {
        /// The member the call was for.
        node: String,
        /// The engine's address.
        addr: String,
        /// The connection error.
        message: String,
    },
    /// The engine's connection failed mid-request or mid-answer.
    #[error("the engine of {node} broke off: {message}")]
    Exchange {
        /// The member the call was for.
        node: String,
        /// What failed.
        message: String,
    },
}

/// How long connecting to an engine (TCP and TLS) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

async fn connect(member: &Member) -> Result<(Pin<Box<dyn EngineIo>>, String), ForwardError> {
    let fail = |message: String| ForwardError::Connect {
        node: member.name.clone(),
        addr: member.addr.to_string(),
        message,
    };
    let tls = match (&member.addr, &member.tls) {
        (EngineAddr::Tcp { .. }, Some(files)) => {
            Some(client_tls_config(files).map_err(|e| fail(e.to_string()))?)
        }
        _ => None,
    };
    tokio::time::timeout(CONNECT_TIMEOUT, dial(&member.addr, tls))
        .await
        .map_err(|_| fail(format!("timed out after {}s", CONNECT_TIMEOUT.as_secs())))?
        .map_err(|e| fail(e.to_string()))
}

fn wants_upgrade(req: &Request<Body>) -> bool {
    req.headers().contains_key(header::UPGRADE)
}

/// Relay `req` to `member`'s engine at `target` (origin form: path and query) and its answer
/// back, upgrades included.
pub async fn forward(
    member: &Member,
    mut req: Request<Body>,
    target: &str,
) -> Result<Response<Body>, ForwardError> {
    let exchange = |message: String| ForwardError::Exchange {
        node: member.name.clone(),
        message,
    };
    let client_upgrade = wants_upgrade(&req).then(|| hyper::upgrade::on(&mut req));
    let (io, host) = connect(member).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| exchange(e.to_string()))?;
    tokio::spawn(async move {
        if let Err(e) = conn.with_upgrades().await {
            tracing::debug!("engine connection: {e}");
        }
    });
    // Origin-form target and the engine's own Host.
    *req.uri_mut() = target.parse().map_err(|e| exchange(format!("{e}")))?;
    if let Ok(h) = HeaderValue::from_str(&host) {
        req.headers_mut().insert(header::HOST, h);
    }
    let mut resp = sender
        .send_request(req)
        .await
        .map_err(|e| exchange(e.to_string()))?;
    if resp.status() == StatusCode::SWITCHING_PROTOCOLS {
        let engine_upgrade = hyper::upgrade::on(&mut resp);
        match client_upgrade {
            Some(client_upgrade) => {
                let node = member.name.clone();
                tokio::spawn(async move {
                    match tokio::try_join!(client_upgrade, engine_upgrade) {
                        Ok((client, engine)) => {
                            let mut client = TokioIo::new(client);
                            let mut engine = TokioIo::new(engine);
                            if let Err(e) =
                                tokio::io::copy_bidirectional(&mut client, &mut engine).await
                            {
                                tracing::debug!("hijacked stream with {node}: {e}");
                            }
                        }
                        Err(e) => tracing::debug!("upgrade with {node}: {e}"),
                    }
                });
            }
            None => return Err(exchange("switched protocols unasked".into())),
        }
        let (parts, _) = resp.into_parts();
        return Ok(Response::from_parts(parts, Body::empty()));
    }
    Ok(resp.map(Body::new))
}
