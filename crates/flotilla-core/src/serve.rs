//! Serving HTTP/1.1 with bounds: what one client can cost the token service and the manager.
//!
//! Both servers accept connections from the network, the token service from anyone (plain HTTP by
//! default). Without bounds a client that never finishes its request headers, never sends the
//! next request, or stalls in the middle of a body holds a task and a file descriptor forever,
//! and a flood of connections that never finish the TLS handshake uses up the descriptors so a
//! legitimate client is never accepted. [`serve`] bounds each of these:
//!
//! * **handshake** (TLS only): the handshake must finish within [`Limits::handshake_timeout`];
//! * **request head**: from the connection's start (after the handshake) or the first byte of a
//!   request, the whole head must arrive within [`Limits::header_timeout`];
//! * **keep-alive**: a connection with no request in flight is closed after
//!   [`Limits::idle_timeout`];
//! * **request body**: each part must follow the previous one within [`Limits::body_timeout`]
//!   (nginx's `client_body_timeout`: an upload may be long, it may not stall), and the whole body
//!   is at most [`Limits::max_body`] bytes (`413`, at once when `Content-Length` says so);
//! * **count**: at most [`Limits::max_connections`] connections, counting those still in the
//!   handshake. A connection is *unproven* until it has finished the handshake and sent the
//!   complete head of its first request; when the cap is reached, or the process runs out of
//!   descriptors, the oldest unproven connection is closed to admit the new one. Proven
//!   connections are never evicted: when all connections are proven, new ones wait in the
//!   kernel's backlog until one ends.
//!
//! What the API legitimately keeps open is not cut: a response in flight has no time bound
//! (`docker events`, `logs -f`), and a connection switched to another protocol (`attach` and
//! `exec` hijacks) keeps its slot until it closes, with no timeout.
//!
//! A `GET` or `HEAD` request's body is not passed on: neither service defines one, and a client
//! that announces `Transfer-Encoding: chunked` without sending the end of its body would
//! otherwise hold the request (the manager relays the request to an engine, body and all).
//!
//! On shutdown the server stops accepting, lets requests in flight finish and closes idle
//! connections; whatever is still open after [`Limits::drain_timeout`] is dropped.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, Response, StatusCode, header};
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::time::{Instant, Sleep};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt as _;

/// What one client may cost a server. Each service has its own defaults
/// ([`Limits::MANAGER`], [`Limits::TOKEN_SERVICE`]), shown by its command's `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How long the TLS handshake may take (ignored without TLS).
    pub handshake_timeout: Duration,
    /// How long a request head may take to arrive, from its first byte (or from the
    /// connection's start for the first request).
    pub header_timeout: Duration,
    /// How long a connection with no request in flight stays open.
    pub idle_timeout: Duration,
    /// How long a request body may stall between two reads.
    pub body_timeout: Duration,
    /// The largest request body, in bytes.
    pub max_body: u64,
    /// The most connections at once, those in the TLS handshake included.
    pub max_connections: usize,
    /// How long a shutdown waits for requests in flight.
    pub drain_timeout: Duration,
}

impl Limits {
    /// The manager: bodies are container create requests (bounded again, smaller, where they
    /// are read) and `docker cp` uploads relayed to an engine.
    pub const MANAGER: Limits = Limits {
        handshake_timeout: Duration::from_secs(10),
        header_timeout: Duration::from_secs(30),
        idle_timeout: Duration::from_secs(60),
        body_timeout: Duration::from_secs(60),
        max_body: 1 << 30,
        max_connections: 512,
        drain_timeout: Duration::from_secs(10),
    };

    /// The token service: bodies are one address.
    pub const TOKEN_SERVICE: Limits = Limits {
        handshake_timeout: Duration::from_secs(10),
        header_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(30),
        body_timeout: Duration::from_secs(10),
        max_body: 1024,
        max_connections: 512,
        drain_timeout: Duration::from_secs(10),
    };
}

/// Serves `app` on `listener` (with TLS when `tls` is given) within `limits`, until `shutdown`
/// resolves and the connections have drained.
pub async fn serve(
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let slots = Arc::new(Slots::new(limits.max_connections.max(1)));
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    'accept: loop {
        // Room for one more: a free slot, or the oldest unproven connection evicted.
        loop {
            let freed = slots.freed.notified();
            if slots.make_room() {
                break;
            }
            tokio::select! {
                _ = &mut shutdown => break 'accept,
                _ = freed => {}
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            }
        }
        let accepted = tokio::select! {
            _ = &mut shutdown => break 'accept,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
            r = listener.accept() => r,
        };
        let (sock, peer) = match accepted {
            Ok(x) => x,
            Err(e) => {
                // Out of descriptors: an unproven connection gives its one up; otherwise
                // wait a little (the error repeats at once while the cause lasts).
                let out_of_fds = matches!(e.raw_os_error(), Some(24 | 23));
                if out_of_fds && slots.evict_oldest_unproven() {
                    // Give the evicted connection's task a moment to close its descriptor.
                    tokio::time::sleep(Duration::from_millis(1)).await;
                } else {
                    tracing::warn!("accept: {e}");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                continue;
            }
        };
        let _ = sock.set_nodelay(true);
        let slot = slots.register();
        let conn = Connection {
            app: app.clone(),
            limits,
            peer,
            stop: stop_rx.clone(),
        };
        tasks.spawn(conn.run(sock, acceptor.clone(), slot));
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let drained = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout(limits.drain_timeout, drained)
        .await
        .is_err()
    {
        tracing::info!(
            "{} connection(s) still open after {}s: closed",
            tasks.len(),
            limits.drain_timeout.as_secs()
        );
        tasks.abort_all();
    }
}

/// The connections, counted, and the unproven ones in the order they came.
struct Slots {
    max: usize,
    inner: Mutex<SlotsInner>,
    /// A connection ended.
    freed: Notify,
}

struct SlotsInner {
    next_id: u64,
    live: usize,
    unproven: BTreeMap<u64, CancellationToken>,
}

impl Slots {
    fn new(max: usize) -> Slots {
        Slots {
            max,
            inner: Mutex::new(SlotsInner {
                next_id: 0,
                live: 0,
                unproven: BTreeMap::new(),
            }),
            freed: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SlotsInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// True when one more connection may be accepted (evicting the oldest unproven one if the
    /// cap is reached).
    fn make_room(&self) -> bool {
        let live = self.lock().live;
        live < self.max || self.evict_oldest_unproven()
    }

    fn evict_oldest_unproven(&self) -> bool {
        let mut inner = self.lock();
        match inner.unproven.pop_first() {
            Some((_, token)) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    fn register(self: &Arc<Self>) -> Slot {
        let token = CancellationToken::new();
        let mut inner = self.lock();
        let id = inner.next_id;
        inner.next_id += 1;
        inner.live += 1;
        inner.unproven.insert(id, token.clone());
        Slot {
            id,
            slots: self.clone(),
            evicted: token,
        }
    }
}

/// One connection's place in [`Slots`]; given back when dropped (for a hijacked connection,
/// when the hijacked stream closes).
struct Slot {
    id: u64,
    slots: Arc<Slots>,
    evicted: CancellationToken,
}

impl Drop for Slot {
    fn drop(&mut self) {
        {
            let mut inner = self.slots.lock();
            inner.live = inner.live.saturating_sub(1);
            inner.unproven.remove(&self.id);
        }
        self.slots.freed.notify_one();
    }
}

/// Where a connection is between requests, for its timeouts.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Waiting for, or reading, a request head since then.
    Head(Instant),
    /// No request in flight since then.
    Idle(Instant),
    /// This many requests in flight: no connection-level deadline.
    Busy(usize),
}

/// A connection's phase, shared by its socket (reads), its requests and its watchdog.
struct Activity {
    phase: Mutex<Phase>,
    changed: Notify,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            phase: Mutex::new(Phase::Head(Instant::now())),
            changed: Notify::new(),
        }
    }

    fn update(&self, f: impl FnOnce(Phase) -> Phase) {
        let mut p = self.phase.lock().unwrap_or_else(|p| p.into_inner());
        *p = f(*p);
        drop(p);
        self.changed.notify_one();
    }

    fn phase(&self) -> Phase {
        *self.phase.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Bytes arrived: an idle connection starts a request head.
    fn on_read(&self) {
        if matches!(self.phase(), Phase::Idle(_)) {
            self.update(|p| match p {
                Phase::Idle(_) => Phase::Head(Instant::now()),
                other => other,
            });
        }
    }

    fn begin(self: &Arc<Self>) -> InFlight {
        self.update(|p| match p {
            Phase::Busy(n) => Phase::Busy(n + 1),
            _ => Phase::Busy(1),
        });
        InFlight(self.clone())
    }

    /// When the current phase runs out, if it can.
    fn deadline(&self, limits: &Limits) -> Option<Instant> {
        match self.phase() {
            Phase::Head(t) => Some(t + limits.header_timeout),
            Phase::Idle(t) => Some(t + limits.idle_timeout),
            Phase::Busy(_) => None,
        }
    }

    /// Resolves when the connection has overstayed its phase.
    async fn expired(&self, limits: &Limits) -> &'static str {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            match self.deadline(limits) {
                None => changed.await,
                Some(d) => {
                    tokio::select! {
                        _ = &mut changed => {}
                        _ = tokio::time::sleep_until(d) => {
                            if self.deadline(limits).is_some_and(|d| d <= Instant::now()) {
                                return match self.phase() {
                                    Phase::Idle(_) => "idle",
                                    _ => "request head",
                                };
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A request in flight; the connection is idle again when the last one is dropped (with its
/// response body, once that is sent).
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.update(|p| match p {
            Phase::Busy(n) if n > 1 => Phase::Busy(n - 1),
            _ => Phase::Idle(Instant::now()),
        });
    }
}

/// A byte stream to a client.
trait ClientIo: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> ClientIo for T {}

/// The client's socket (after TLS), reporting reads to the connection's [`Activity`] and
/// holding its [`Slot`] for as long as the socket lives, hijacked or not.
struct Tracked {
    io: Pin<Box<dyn ClientIo>>,
    activity: Arc<Activity>,
    _slot: Slot,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = self.io.as_mut().poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.on_read();
        }
        r
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.io.as_mut().poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.io.as_mut().poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.io.as_mut().poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        self.io.as_mut().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

/// One accepted connection.
struct Connection {
    app: Router,
    limits: Limits,
    peer: SocketAddr,
    stop: watch::Receiver<bool>,
}

impl Connection {
    async fn run(
        mut self,
        sock: TcpStream,
        acceptor: Option<tokio_rustls::TlsAcceptor>,
        slot: Slot,
    ) {
        let peer = self.peer;
        let evicted = slot.evicted.clone();
        let io: Pin<Box<dyn ClientIo>> = match acceptor {
            None => Box::pin(sock),
            Some(acceptor) => {
                let handshake =
                    tokio::time::timeout(self.limits.handshake_timeout, acceptor.accept(sock));
                tokio::select! {
                    _ = evicted.cancelled() => {
                        tracing::debug!("{peer}: closed in the TLS handshake to admit another connection");
                        return;
                    }
                    r = handshake => match r {
                        Ok(Ok(tls)) => Box::pin(tls),
                        Ok(Err(e)) => {
                            tracing::debug!("{peer}: TLS handshake: {e}");
                            return;
                        }
                        Err(_) => {
                            tracing::debug!("{peer}: TLS handshake timed out");
                            return;
                        }
                    }
                }
            }
        };
        let activity = Arc::new(Activity::new());
        // The slot moves into the socket; the first request proves it through its registry.
        let proven = Arc::new(ProveOnce(Mutex::new(Some(ProveHandle {
            slots: slot.slots.clone(),
            id: slot.id,
        }))));
        let tracked = Tracked {
            io,
            activity: activity.clone(),
            _slot: slot,
        };
        let service = RequestService {
            app: self.app.clone(),
            limits: self.limits,
            activity: activity.clone(),
            proven,
        };
        let conn = hyper::server::conn::http1::Builder::new()
            .keep_alive(true)
            .serve_connection(TokioIo::new(tracked), service)
            .with_upgrades();
        tokio::pin!(conn);
        let mut stopping = false;
        loop {
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!("{peer}: {e}");
                    }
                    return;
                }
                _ = evicted.cancelled() => {
                    tracing::debug!("{peer}: closed before its first request to admit another connection");
                    return;
                }
                what = activity.expired(&self.limits) => {
                    tracing::debug!("{peer}: {what} timeout: closed");
                    return;
                }
                _ = self.stop.wait_for(|s| *s), if !stopping => {
                    stopping = true;
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// Lets the first request prove its connection's slot.
struct ProveOnce(Mutex<Option<ProveHandle>>);

struct ProveHandle {
    slots: Arc<Slots>,
    id: u64,
}

impl ProveOnce {
    /// The connection has sent a complete request head: it is no longer evicted for others.
    fn prove(&self) {
        if let Some(h) = self.0.lock().unwrap_or_else(|p| p.into_inner()).take() {
            h.slots.lock().unproven.remove(&h.id);
        }
    }
}

/// The per-request wrapper around the router: body bounds, the in-flight count.
#[derive(Clone)]
struct RequestService {
    app: Router,
    limits: Limits,
    activity: Arc<Activity>,
    proven: Arc<ProveOnce>,
}

impl hyper::service::Service<Request<Incoming>> for RequestService {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        self.proven.prove();
        let in_flight = self.activity.begin();
        let app = self.app.clone();
        let limits = self.limits;
        Box::pin(async move {
            let req = match bounded_request(req, &limits) {
                Ok(r) => r,
                Err(resp) => return Ok((*resp).map(|b| Body::new(Finishing::new(b, in_flight)))),
            };
            let resp = match app.oneshot(req).await {
                Ok(r) => r,
                Err(never) => match never {},
            };
            Ok(resp.map(|b| Body::new(Finishing::new(b, in_flight))))
        })
    }
}

/// The request with its body bounded, or the answer when it cannot be served.
fn bounded_request(
    req: Request<Incoming>,
    limits: &Limits,
) -> Result<Request<Body>, Box<Response<Body>>> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.max_body) {
        let mut r = Response::new(Body::from(format!(
            "{{\"message\":\"the request body is larger than {} bytes\"}}\n",
            limits.max_body
        )));
        *r.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
        let h = r.headers_mut();
        h.insert(header::CONNECTION, HeaderValue::from_static("close"));
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return Err(Box::new(r));
    }
    let (mut parts, body) = req.into_parts();
    if matches!(parts.method, Method::GET | Method::HEAD) {
        // No body for these (see the module's doc): dropping it lets hyper discard what
        // arrives, and the connection's idle timeout ends a body that never does.
        drop(body);
        parts.headers.remove(header::TRANSFER_ENCODING);
        parts.headers.remove(header::CONTENT_LENGTH);
        return Ok(Request::from_parts(parts, Body::empty()));
    }
    let body = http_body_util::Limited::new(
        Stalling::new(body, limits.body_timeout),
        usize::try_from(limits.max_body).unwrap_or(usize::MAX),
    );
    Ok(Request::from_parts(parts, Body::new(body)))
}

/// A request body that fails when the client stalls for longer than the timeout between two
/// parts. The clock starts at the first read, so a handler that reads late is not penalised.
struct Stalling {
    inner: Incoming,
    timeout: Duration,
    timer: Option<Pin<Box<Sleep>>>,
}

/// The client stopped sending its request body.
#[derive(Debug, thiserror::Error)]
#[error("the request body stalled for more than {}s", .0.as_secs())]
pub struct BodyStalled(Duration);

impl Stalling {
    fn new(inner: Incoming, timeout: Duration) -> Stalling {
        Stalling {
            inner,
            timeout,
            timer: None,
        }
    }
}

impl HttpBody for Stalling {
    type Data = bytes::Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let timeout = self.timeout;
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(r) => {
                self.timer = None;
                Poll::Ready(r.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                let timer = self
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyStalled(timeout))))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A response body that keeps its request in flight until it is done (or dropped).
struct Finishing {
    inner: Body,
    _in_flight: InFlight,
}

impl Finishing {
    fn new(inner: Body, in_flight: InFlight) -> Finishing {
        Finishing {
            inner,
            _in_flight: in_flight,
        }
    }
}

impl HttpBody for Finishing {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_house_evicts_the_oldest_unproven_connection_and_never_a_proven_one() {
        let slots = Arc::new(Slots::new(3));
        let a = slots.register();
        let b = slots.register();
        let c = slots.register();
        // `a` sent a request: proven.
        slots.lock().unproven.remove(&a.id);
        assert!(slots.make_room());
        assert!(!a.evicted.is_cancelled());
        assert!(b.evicted.is_cancelled(), "the oldest unproven one goes");
        assert!(!c.evicted.is_cancelled());
        drop(b);
        let d = slots.register();
        assert_eq!(slots.lock().live, 3);
        // Only `c` and `d` can make room now; once they are proven, nothing can.
        slots.lock().unproven.clear();
        assert!(!slots.make_room());
        drop(c);
        assert!(slots.make_room(), "a connection that ends frees its slot");
        drop((a, d));
        assert_eq!(slots.lock().live, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_expires_by_phase() {
        let limits = Limits {
            header_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(20),
            ..Limits::TOKEN_SERVICE
        };
        let activity = Arc::new(Activity::new());
        let start = Instant::now();
        assert_eq!(activity.expired(&limits).await, "request head");
        assert_eq!(start.elapsed(), Duration::from_secs(5));
        // A request in flight has no deadline; when it is done, the idle clock runs.
        let in_flight = activity.begin();
        let idle = tokio::time::timeout(Duration::from_secs(3600), activity.expired(&limits));
        assert!(idle.await.is_err(), "a request in flight never expires");
        drop(in_flight);
        let t = Instant::now();
        assert_eq!(activity.expired(&limits).await, "idle");
        assert_eq!(t.elapsed(), Duration::from_secs(20));
    }
}
