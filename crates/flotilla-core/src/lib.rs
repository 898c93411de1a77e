//! flotilla: Docker hosts, discovery, placement and a proxy across engines,
//! in one binary.
//!
//! The architecture in a page (see `design.md` in the project's shared docs):
//!
//! - [`cli`] holds the clap types only; [`commands`] turns them into options
//!   and calls one operation in [`ops`], then prints through [`output`].
//! - [`store`] keeps machine records (`config.json`, paths relative to the
//!   store) and [`certs`] the CA, client and server certificates.
//! - [`driver`] is how machines come to exist (`none` adopts an engine);
//!   [`engine`] reaches engines over mutual TLS.
//! - [`discovery`] keeps a cluster's engine addresses: cluster tokens (in
//!   the store or on the self-hosted token service), files, node lists, etcd.
//! - [`cluster`] is the live view of a swarm's engines; [`manager`] serves the
//!   Docker Engine API over it (create through the [`scheduler`], the rest
//!   relayed to the engine that holds the container), behind a
//!   [`tls_listener`].
//! - Pure decisions (env rendering in [`shellenv`], `ls` filters in
//!   [`ops::filter`], placement in [`scheduler`], routes and nginx config in
//!   [`proxy`]) are separate from I/O and tested exhaustively.

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
pub mod store;
pub mod tls_listener;

pub use flotilla_scheduler as scheduler;
pub use flotilla_shellenv as shellenv;
