//! One simulated engine at run time: its state behind a lock, a change signal for event
//! streams and waits, its request counts, and its mode (answering, hung like a SIGSTOPped
//! dockerd, or refusing connections like a stopped one).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::counts::Counts;
use crate::model::EngineState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Accepts and answers.
    Up,
    /// Accepts nothing (the kernel still completes TCP handshakes into the backlog) and
    /// answers nothing on open connections until it is up again, as a SIGSTOPped dockerd.
    Hung,
    /// Its port is closed (connections are refused) and open connections are dropped, as
    /// when dockerd is stopped.
    Refusing,
}

pub struct Engine {
    pub index: usize,
    pub addr: SocketAddr,
    pub latency: Duration,
    pub counts: Counts,
    state: Mutex<EngineState>,
    /// The event log's next number, published after every change.
    changed: watch::Sender<u64>,
    mode: watch::Sender<Mode>,
    /// A listener bound by `come_back` for the accept loop to take.
    rebound: Mutex<Option<TcpListener>>,
    /// Whether the accept loop holds the listening socket (so `refuse` can wait until the
    /// port is really closed, and `come_back` until it is open again).
    listening: watch::Sender<bool>,
}

impl Engine {
    pub fn new(index: usize, addr: SocketAddr, latency: Duration, state: EngineState) -> Engine {
        let next = state.log.next_seq();
        Engine {
            index,
            addr,
            latency,
            counts: Counts::default(),
            state: Mutex::new(state),
            changed: watch::Sender::new(next),
            mode: watch::Sender::new(Mode::Up),
            rebound: Mutex::new(None),
            listening: watch::Sender::new(true),
        }
    }

    /// The state, for reading or for a change that publishes no event.
    pub fn lock(&self) -> MutexGuard<'_, EngineState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs a change and wakes event streams and waits when it logged events.
    pub fn change<R>(&self, f: impl FnOnce(&mut EngineState) -> R) -> R {
        let (r, next) = {
            let mut g = self.lock();
            let r = f(&mut g);
            (r, g.log.next_seq())
        };
        self.changed.send_if_modified(|v| {
            let moved = *v != next;
            *v = next;
            moved
        });
        r
    }

    pub fn changes(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    pub fn mode(&self) -> Mode {
        *self.mode.borrow()
    }

    pub fn modes(&self) -> watch::Receiver<Mode> {
        self.mode.subscribe()
    }

    /// Stops answering (see [`Mode::Hung`]). From `Refusing` the port is bound again first.
    pub async fn hang(&self) -> std::io::Result<()> {
        self.set(Mode::Hung).await
    }

    /// Closes the port and drops open connections (see [`Mode::Refusing`]); returns once the
    /// port is closed.
    pub async fn refuse(&self) {
        self.mode.send_replace(Mode::Refusing);
        let mut rx = self.listening.subscribe();
        let _ = rx.wait_for(|l| !*l).await;
    }

    /// Back to answering. From `Refusing` the port is bound again first (with
    /// `SO_REUSEADDR`); that fails if another process took it meanwhile.
    pub async fn come_back(&self) -> std::io::Result<()> {
        self.set(Mode::Up).await
    }

    async fn set(&self, mode: Mode) -> std::io::Result<()> {
        let was_closed = self.mode() == Mode::Refusing;
        if was_closed {
            let l = bind(self.addr)?;
            *self.rebound.lock().unwrap_or_else(|p| p.into_inner()) = Some(l);
        }
        self.mode.send_replace(mode);
        if was_closed {
            let mut rx = self.listening.subscribe();
            let _ = rx.wait_for(|l| *l).await;
        }
        Ok(())
    }

    /// Refuses at once without waiting (for shutting the simulator down).
    pub fn shut(&self) {
        self.mode.send_replace(Mode::Refusing);
    }

    /// The accept loop reports whether it holds the listening socket.
    pub(crate) fn set_listening(&self, on: bool) {
        self.listening.send_if_modified(|l| {
            let moved = *l != on;
            *l = on;
            moved
        });
    }

    pub(crate) fn take_rebound(&self) -> Option<TcpListener> {
        self.rebound
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    /// Waits while the engine is hung; true when it may answer, false when it refuses.
    pub async fn gate(&self) -> bool {
        let mut rx = self.modes();
        loop {
            match *rx.borrow_and_update() {
                Mode::Up => return true,
                Mode::Refusing => return false,
                Mode::Hung => {}
            }
            if rx.changed().await.is_err() {
                return false;
            }
        }
    }
}

/// A loopback listener with `SO_REUSEADDR`, so an engine can take its port back at once.
pub fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

pub type SharedEngine = Arc<Engine>;
