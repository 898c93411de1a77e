//! The engines' listeners and connections: TLS handshakes, HTTP/1.1 with keep-alive, and the
//! modes (a hung engine accepts nothing and answers nothing; a refusing one has its port
//! closed and its connections dropped).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::api::{self, Via};
use crate::engine::{Engine, Mode};

/// How long a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `engine` on `listener` until the simulator stops.
pub fn spawn_engine(
    engine: Arc<Engine>,
    listener: TcpListener,
    tls: TlsAcceptor,
) -> JoinHandle<()> {
    tokio::spawn(accept_loop(engine, listener, tls))
}

async fn accept_loop(engine: Arc<Engine>, listener: TcpListener, tls: TlsAcceptor) {
    let mut listener = Some(listener);
    let mut modes = engine.modes();
    loop {
        let mode = *modes.borrow_and_update();
        match mode {
            Mode::Refusing => listener = None,
            Mode::Up | Mode::Hung => {
                if let Some(l) = engine.take_rebound() {
                    listener = Some(l);
                }
            }
        }
        engine.set_listening(listener.is_some());
        match (mode, &listener) {
            (Mode::Up, Some(l)) => tokio::select! {
                r = l.accept() => match r {
                    Ok((sock, _)) => {
                        let _ = sock.set_nodelay(true);
                        tokio::spawn(connection(engine.clone(), sock, tls.clone()));
                    }
                    Err(e) => {
                        // EMFILE and the like: back off instead of spinning.
                        tracing::warn!("engine {}: accept: {e}", engine.index);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
                r = modes.changed() => if r.is_err() { return },
            },
            _ => {
                if modes.changed().await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Resolves when the engine starts refusing.
async fn refused(rx: &mut watch::Receiver<Mode>) {
    loop {
        if *rx.borrow_and_update() == Mode::Refusing {
            return;
        }
        if rx.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

async fn connection(engine: Arc<Engine>, sock: TcpStream, tls: TlsAcceptor) {
    let mut modes = engine.modes();
    // Accepted just before a hang: no handshake until the engine answers again.
    if !engine.gate().await {
        return;
    }
    let stream = tokio::select! {
        r = tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(sock)) => match r {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                tracing::debug!("engine {}: TLS handshake: {e}", engine.index);
                return;
            }
            Err(_) => {
                tracing::debug!("engine {}: TLS handshake timed out", engine.index);
                return;
            }
        },
        () = refused(&mut modes) => return,
    };
    let for_service = engine.clone();
    let service = service_fn(move |req| {
        let engine = for_service.clone();
        async move { Ok::<_, Infallible>(api::handle(engine, req, Via::Network).await) }
    });
    let conn = http1::Builder::new()
        .title_case_headers(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        r = conn => if let Err(e) = r {
            tracing::debug!("engine {}: connection: {e}", engine.index);
        },
        () = refused(&mut modes) => {}
    }
}
