//! The live view of a cluster: which engines belong to it and what runs
//! on them.

pub mod members;
