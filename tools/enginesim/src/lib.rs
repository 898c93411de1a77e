#![recursion_limit = "256"]

//! flotilla-enginesim: one process serving many simulated Docker engines, for benchmarking
//! flotilla's manager and proxy at scale (issue 10's 1,000 engines × 30 containers) on one
//! small machine.
//!
//! Each engine listens on its own loopback port with mutual TLS from a flotilla store's CA and
//! answers an in-memory subset of Engine API 1.41 as dockerd 20.10 does (`model` holds the
//! state and lifecycle, `render` the JSON, `list` the container list, `events` the event log
//! and its filters, `api` the HTTP routes). Requests are counted per engine and per path, and
//! engines can be made to hang or refuse connections (`engine`, `server`) through the plain-HTTP
//! control port (`control`). Not part of flotilla's command set: a benchmark support binary.
//!
//! Its modules are internal to the tool (the library exists for its own tests and bench), so
//! `missing_docs` is not asked of them item by item.
#![allow(
    missing_docs,
    reason = "a benchmark support tool's internals, not a published API"
)]

pub mod api;
pub mod control;
pub mod counts;
pub mod engine;
pub mod events;
pub mod fdlimit;
pub mod filters;
pub mod list;
pub mod model;
pub mod pattern;
pub mod render;
pub mod server;
pub mod sim;
pub mod timefmt;
pub mod tls;

pub use sim::{Sim, SimConfig, SimError};
