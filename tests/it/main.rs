//! flotilla's integration tests: one binary, one module per area. They drive
//! the built `flotilla` binary against the real testbed (`scripts/testbed up`).

mod support;

mod cluster;
mod docs;
mod machines;
