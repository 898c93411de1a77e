//! flotilla's library core: Docker hosts, discovery, placement and a proxy across engines.
//!
//! The layers, what each owns and how data flows through `create`, `run`, the manager and the
//! proxy are in `docs/ARCHITECTURE.md` (a test, `tests/layers.rs`, keeps the layers honest).
//! In short, lowest first:
//!
//! - [`store`], [`duration`], [`tls_listener`], [`serve`]: records, the duration grammar, TLS
//!   server configuration, serving HTTP within bounds;
//! - [`engine`], [`certs`]: reaching engines (the one client builder), the store's CA;
//! - [`remote`], [`provision`]: running commands on hosts, configuring their engines;
//! - [`driver`] (and the machine handle), [`discovery`]: how machines and swarm members exist;
//! - [`cluster`]: a swarm's members, live view and decisions in progress;
//! - [`ops`]: one operation per command;
//! - [`manager`], [`proxy`]: the long-running services;
//! - [`spec`]: cluster files (`flotilla up`): the pure planner and the apply through the ops.
//!
//! Placement ([`scheduler`]), env rendering ([`shellenv`]) and the proxy's routes and nginx
//! configuration (`proxy::{routes, nginx}`) are pure crates re-exported here. Nothing in this
//! crate parses a command line or touches a terminal: that is the `flotilla` binary's.
//!
//! Every public item carries a doc comment (`missing_docs`, denied in CI).

pub mod acme;
pub mod certs;
pub mod cluster;
pub mod discovery;
pub mod driver;
pub mod duration;
pub mod engine;
pub mod manager;
pub mod ops;
pub mod provision;
pub mod proxy;
pub mod remote;
pub mod serve;
pub mod spec;
pub mod store;
pub mod tls_listener;

pub use flotilla_scheduler as scheduler;
pub use flotilla_shellenv as shellenv;
