//! Presentation of what the library returns: the texts `info`, `ps`, `run --explain` and
//! `proxy status` print. Pure: the clock is a parameter, so they are tested byte for byte.

pub mod proxy_status;
pub mod swarm;
