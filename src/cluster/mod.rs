//! The cluster as plain data.
//!
//! `state` is the document that `info --format json` prints and `plan --state` reads; the live
//! view (engines, events, pending containers) fills the same types so the scheduler sees one shape.

pub mod state;
