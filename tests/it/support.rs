//! Shared fixtures: temporary stores, the built binary, the testbed engines.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// One engine of the testbed (`scripts/testbed up`).
#[derive(Debug, Clone)]
pub struct Engine {
    pub name: String,
    pub ip: String,
    pub labels: Vec<(String, String)>,
}

impl Engine {
    pub fn url(&self) -> String {
        format!("tcp://{}:2376", self.ip)
    }

    pub fn label_flags(&self) -> Vec<String> {
        self.labels
            .iter()
            .flat_map(|(k, v)| ["--engine-label".to_string(), format!("{k}={v}")])
            .collect()
    }
}

pub fn testbed_dir() -> PathBuf {
    std::env::var_os("FLOTILLA_TESTBED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/flotilla-testbed"))
}

/// The testbed's engines. A missing testbed fails the test: CI brings it
/// up with `scripts/test`, and a skipped test would hide that.
pub fn engines() -> Vec<Engine> {
    let path = testbed_dir().join("engines");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the testbed is not up ({}: {e}); run `scripts/testbed up` (scripts/test does)",
            path.display()
        )
    });
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut parts = l.split_whitespace();
            let name = parts.next().unwrap_or_default().to_string();
            let ip = parts.next().unwrap_or_default().to_string();
            let labels = parts
                .next()
                .unwrap_or_default()
                .split(',')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            Engine { name, ip, labels }
        })
        .collect()
}

pub fn engine(name: &str) -> Engine {
    engines()
        .into_iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no testbed engine {name}"))
}

/// A temporary store. With `testbed_certs`, it holds a copy of the
/// testbed store's CA and client certificate, so the engines accept it
/// (and a store copied between directories is exercised on every run).
pub struct TestStore {
    pub dir: tempfile::TempDir,
}

impl TestStore {
    pub fn empty() -> TestStore {
        TestStore {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn with_testbed_certs() -> TestStore {
        let s = TestStore::empty();
        let from = testbed_dir().join("store/certs");
        let to = s.path().join("certs");
        std::fs::create_dir_all(&to).expect("certs dir");
        for f in ["ca.pem", "ca-key.pem", "cert.pem", "key.pem"] {
            std::fs::copy(from.join(f), to.join(f)).unwrap_or_else(|e| {
                panic!("the testbed store is missing {f} ({e}); run `scripts/testbed up`")
            });
        }
        s
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The binary with this store, a clean environment for the variables
    /// flotilla reads, and no colour.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(bin());
        c.env("FLOTILLA_STORAGE_PATH", self.path())
            .env_remove("DOCKER_HOST")
            .env_remove("DOCKER_TLS_VERIFY")
            .env_remove("DOCKER_CERT_PATH")
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .env_remove("FLOTILLA_DRIVER")
            .env_remove("RUST_LOG")
            .env("NO_COLOR", "1");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run flotilla")
    }

    /// Adopts a testbed engine under `name`.
    pub fn adopt(&self, e: &Engine, name: &str) {
        let mut args = vec![
            "create".to_string(),
            "-d".into(),
            "none".into(),
            "--url".into(),
            e.url(),
        ];
        args.extend(e.label_flags());
        args.push(name.to_string());
        let out = self.cmd().args(&args).output().expect("run flotilla");
        assert!(out.status.success(), "create {name}: {}", stderr(&out));
    }
}

pub use crate::proxy_kit::free_port;

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_flotilla"))
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts a failure with exactly one `error:` line, no panic, no backtrace.
pub fn assert_clean_failure(o: &Output, code: i32) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "exit code; stderr: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    if code != 2 {
        let errors = err.lines().filter(|l| l.starts_with("error:")).count();
        assert_eq!(errors, 1, "expected one error line: {err}");
    }
}
