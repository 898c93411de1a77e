//! Cluster files (`flotilla up -f flotilla.yaml`): machines, the swarm, the proxy and the
//! containers of a cluster in one YAML file, converged by `up`, shown by `status`, removed by
//! `down`.
//!
//! ```text
//! file::parse (YAML → types; line:column errors, unknown keys refused)
//!   └─ file::expand (groups → names, defaults, checks, hashes)       pure
//!        └─ plan::plan(expanded, current, prune) → Plan               pure
//!             └─ apply::apply: the same ops as the commands           I/O
//!                  (ops::create, lifecycle provision, ops::master, ops::run, ops::rm)
//! ```
//!
//! What `up` made is remembered per cluster in `<store>/clusters/NAME.json` (the token it
//! created, the machines with the hash of what only a new machine can change); each container
//! carries its definition's hash as the label `flotilla.spec.hash` and the cluster's name as
//! `flotilla.cluster`, so the engines themselves say what is there.

pub mod apply;
pub mod file;
pub mod plan;

pub use file::{ClusterFile, Expanded, FileError};
pub use plan::{Current, Plan, Step};
