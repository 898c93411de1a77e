//! flotilla: Docker hosts, discovery, placement and a proxy across engines.

pub mod cluster;
pub mod scheduler;
