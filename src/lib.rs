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
//! - Pure decisions (env rendering in [`shellenv`], `ls` filters in
//!   [`ops::filter`]) are separate from I/O and tested exhaustively.

pub mod certs;
pub mod cli;
pub mod commands;
pub mod driver;
pub mod engine;
pub mod ops;
pub mod output;
pub mod provision;
pub mod remote;
pub mod shellenv;
pub mod store;
