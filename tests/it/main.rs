//! flotilla's integration tests: one binary, one module per area. They drive
//! the built `flotilla` binary against real parts: the testbed's engines
//! (`scripts/testbed up`), sshd and dockerd in containers, the local engine,
//! the `docker` CLI, etcd and nginx. Those tests are marked
//! `#[cfg_attr(not(feature = "testbed"), ignore = "needs the testbed: run scripts/test")]`,
//! so a plain `cargo test` runs only the ones that need no real service;
//! `scripts/test` enables the feature and fails if any test was ignored. With
//! the feature, a missing prerequisite FAILS a test with a message naming the
//! fix; nothing is skipped.

// The whole crate is test code: a failed unwrap is a failed test with its location
// (clippy.toml's allow-unwrap-in-tests covers only #[test] functions, not these helpers).
#![allow(clippy::unwrap_used)]

mod support;
mod support_discovery;
mod support_drivers;

mod boot2docker;
mod cluster;
mod discovery;
mod docs;
mod drivers;
mod limits;
mod machines;
mod manager;
mod manager_api;
mod model;
mod proxy;
mod proxy_kit;
mod qemu;
mod replication;
mod reschedule;
mod snapshots;
mod spec;
mod trust;
mod untrusted_text;
mod virtualbox;
