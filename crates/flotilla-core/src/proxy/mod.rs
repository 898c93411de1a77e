//! The proxy: keep nginx configured for every container that sets `VIRTUAL_HOST`, across engines.
//!
//! Data flow (only the last step does I/O):
//!
//! ```text
//! docker inspect (every engine)
//!   └─ source::ProxyContainer::from_inspect      plain data: engine, IPs, env, labels, ports, health
//!        └─ routes::build(&[ProxyContainer])     pure: RouteTable { vhosts, skipped, warnings }
//!             └─ nginx::render(&table, &opts)     pure: a complete nginx.conf, byte-identical per table
//!                  └─ apply::validate_and_swap   temp file → nginx -t → atomic rename → reload
//! ```
//!
//! The watcher (engine events → debounce → resync) and the `flotilla proxy` command sit on top:
//!
//! ```no_run
//! use flotilla_core::proxy::{apply, nginx, routes, source::ProxyContainer};
//! # fn containers() -> Vec<ProxyContainer> { Vec::new() }
//! let table = routes::build(&containers());
//! for s in &table.skipped {
//!     eprintln!("warning: skipped {s}");
//! }
//! let conf = nginx::render(&table, &nginx::RenderOptions::new("/var/lib/flotilla/proxy"));
//! let opts = apply::ApplyOptions::new("/var/lib/flotilla/proxy");
//! let changed = apply::validate_and_swap(&conf, "/var/lib/flotilla/proxy/nginx.conf".as_ref(), &opts)?;
//! # Ok::<(), apply::ProxyError>(())
//! ```
//!
//! The container contract and the conflict rule are documented in [`routes`]; the shape of the
//! configuration in [`nginx`].

pub mod apply;
pub mod certmgr;
pub mod dataplane;
pub mod engines;
pub mod files;
pub mod filter;
pub mod isolate;
pub mod serving;
pub mod status;
pub mod watch;

pub use flotilla_routes::{nginx, regex_check, routes, source};

pub use apply::{ApplyOptions, Changed, ProxyError, Reload, validate_and_swap};
pub use nginx::{RenderOptions, render};
pub use routes::{RouteTable, build};
pub use source::{EngineContext, ProxyContainer};
