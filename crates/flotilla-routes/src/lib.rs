//! The proxy's decisions, as pure functions over plain data: which containers become which
//! virtual hosts ([`routes`], nginx-proxy's rules), and the nginx configuration that serves them
//! ([`nginx`]). [`source`] is the plain input, one [`source::ProxyContainer`] per container seen
//! on any engine. Nothing here does I/O; the watcher, validation and reloads live in
//! `flotilla_core::proxy`.

#[cfg(any(test, feature = "fixtures"))]
#[doc(hidden)]
pub mod fixtures;
pub mod nginx;
pub mod regex_check;
pub mod routes;
pub mod source;
