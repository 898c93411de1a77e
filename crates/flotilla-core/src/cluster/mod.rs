//! The cluster: which engines belong to it (`members`) and what runs on
//! them, as plain data (`state`: the document that `info --format json`
//! prints and `plan --state` reads; the live view fills the same types so the
//! scheduler sees one shape).

pub mod live;
pub mod members;
pub mod model;
pub mod pending;
pub mod reschedule;
pub mod summary;
pub mod swarm_dir;
pub use flotilla_scheduler::state;
