//! flotilla's integration tests: one binary, one module per area. They drive
//! the built `flotilla` binary against real parts: the testbed's engines
//! (`scripts/testbed up`), sshd and dockerd in containers, the local engine,
//! the `docker` CLI, etcd and nginx. A missing prerequisite FAILS a test with
//! a message naming the fix; nothing is skipped.

mod support;
mod support_discovery;
mod support_drivers;

mod boot2docker;
mod cluster;
mod discovery;
mod docs;
mod drivers;
mod machines;
mod manager;
mod proxy;
mod proxy_kit;
mod qemu;
mod spec;
mod untrusted_text;
mod virtualbox;
