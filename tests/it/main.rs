//! The integration test binary: drives the built `flotilla` against real
//! parts (sshd and dockerd in containers, the local engine, the `docker`
//! CLI). Prerequisites are checked up front and a missing one FAILS the
//! test with a message naming the fix; nothing is skipped.

mod drivers;
mod support;
