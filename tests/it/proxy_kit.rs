//! Helpers for the proxy's real-parts tests and benchmarks (also used by
//! `benches/proxy_latency.rs` through `#[path]`): backend containers on the
//! testbed engines, a `flotilla proxy` process, a tiny HTTP client, and a unix
//! socket forwarder that can drop every connection (a lost event stream).

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The testbed directory (`scripts/testbed up`).
pub fn testbed() -> PathBuf {
    std::env::var_os("FLOTILLA_TESTBED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/flotilla-testbed"))
}

/// (name, ip, unix socket) of a testbed engine. Fails clearly when the testbed is down.
pub fn engine(name: &str) -> (String, String, PathBuf) {
    let path = testbed().join("engines");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the testbed is not up ({}: {e}); run `scripts/testbed up` (scripts/test does)",
            path.display()
        )
    });
    for (i, line) in text.lines().enumerate() {
        let mut parts = line.split_whitespace();
        if parts.next() == Some(name) {
            let ip = parts.next().unwrap_or_default().to_string();
            let sock = testbed().join(format!("e{}", i + 1)).join("docker.sock");
            return (name.to_string(), ip, sock);
        }
    }
    panic!("no testbed engine {name} in {}", path.display());
}

/// A unique suffix for names and vhosts of one test.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}-{}-{:x}", std::process::id(), nanos)
}

pub fn docker(sock: &Path) -> Command {
    let mut c = Command::new("docker");
    c.arg("-H").arg(format!("unix://{}", sock.display()));
    c.env_remove("DOCKER_HOST")
        .env_remove("DOCKER_TLS_VERIFY")
        .env_remove("DOCKER_CERT_PATH");
    c
}

/// The label that ties a container to the test (or benchmark run) that made it.
pub const TEST_LABEL: &str = "flotilla-test";

/// Containers created by a test, removed on drop (also when the test fails).
#[derive(Default)]
pub struct Containers {
    made: Mutex<Vec<(PathBuf, String)>>,
    /// With `labelled`: the value of `TEST_LABEL` every container carries.
    label: Option<String>,
}

/// A busybox web server answering `NAME PORT` on `/` and `NAME PORT api` on `/api/` for
/// each port in `ports`.
pub struct Backend<'a> {
    pub sock: &'a Path,
    pub name: &'a str,
    pub env: &'a [&'a str],
    pub ports: &'a [u16],
    /// Container ports to publish on random host ports.
    pub publish: &'a [u16],
}

impl Containers {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every container carries `TEST_LABEL=id`, so a watcher started with `filter_args` sees
    /// only this test's containers, whatever else runs on the shared engines.
    pub fn labelled(id: &str) -> Self {
        Containers {
            made: Mutex::default(),
            label: Some(id.to_string()),
        }
    }

    /// `flotilla proxy` arguments that restrict it to this set's containers.
    pub fn filter_args(&self) -> Vec<String> {
        match &self.label {
            Some(id) => vec![
                "--container-filter".into(),
                format!("label={TEST_LABEL}={id}"),
            ],
            None => Vec::new(),
        }
    }

    /// `docker create` (not started); returns the id.
    pub fn create(&self, b: &Backend) -> String {
        let mut script = String::new();
        for p in b.ports {
            script.push_str(&format!(
                "mkdir -p /w{p}/api && echo \"$NAME {p}\" > /w{p}/index.html && echo \"$NAME {p} api\" > /w{p}/api/index.html && httpd -p {p} -h /w{p}; "
            ));
        }
        script.push_str("exec sleep 2147483647");
        let mut cmd = docker(b.sock);
        cmd.args(["create", "--name", b.name, "--label", "flotilla-testbed=1"])
            .args(["-e", &format!("NAME={}", b.name)]);
        if let Some(id) = &self.label {
            cmd.args(["--label", &format!("{TEST_LABEL}={id}")]);
        }
        for e in b.env {
            cmd.args(["-e", e]);
        }
        for p in b.publish {
            cmd.args(["-p", &p.to_string()]);
        }
        cmd.args(["flotilla-busybox:latest", "sh", "-c", &script]);
        self.made
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((b.sock.to_path_buf(), b.name.to_string()));
        let out = cmd.output().expect("run docker create");
        assert!(
            out.status.success(),
            "docker create {}: {}",
            b.name,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Removes `name` on `sock` at the end, like the containers this made.
    pub fn track(&self, sock: &Path, name: &str) {
        self.made
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((sock.to_path_buf(), name.to_string()));
    }

    pub fn start_existing(&self, sock: &Path, name: &str) {
        let out = docker(sock)
            .args(["start", name])
            .output()
            .expect("docker start");
        assert!(
            out.status.success(),
            "docker start {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn run(&self, b: &Backend) -> String {
        let id = self.create(b);
        self.start_existing(b.sock, b.name);
        id
    }

    pub fn remove(&self, sock: &Path, name: &str) {
        let _ = docker(sock).args(["rm", "-f", name]).output();
    }
}

impl Drop for Containers {
    fn drop(&mut self) {
        let made = std::mem::take(&mut *self.made.lock().unwrap_or_else(|e| e.into_inner()));
        // one `docker rm -f` per engine
        let mut by_engine: std::collections::BTreeMap<PathBuf, Vec<String>> = Default::default();
        for (sock, name) in made {
            by_engine.entry(sock).or_default().push(name);
        }
        for (sock, names) in by_engine {
            let _ = docker(&sock)
                .args(["rm", "-f"])
                .args(&names)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// One HTTP/1.0 GET: (status, body). Status 0 when the connection failed.
pub fn get(addr: &str, host: &str, path: &str) -> (u16, String) {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return (0, String::new());
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = s.set_write_timeout(Some(Duration::from_secs(5)));
    let req = format!("GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return (0, String::new());
    }
    let mut resp = Vec::new();
    if s.read_to_end(&mut resp).is_err() && resp.is_empty() {
        return (0, String::new());
    }
    let resp = String::from_utf8_lossy(&resp).into_owned();
    let code = resp
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = resp
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.trim().to_string())
        .unwrap_or_default();
    (code, body)
}

/// Polls `f` every 20 ms until it returns true or `timeout` passes.
pub fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if f() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A running `flotilla proxy`; SIGTERM on drop (so it stops its nginx).
pub struct Watcher {
    pub child: Option<Child>,
    pub conf_dir: PathBuf,
    pub log: PathBuf,
}

impl Watcher {
    /// Starts `flotilla -s STORE proxy --conf-dir DIR ARGS…` with stderr to DIR/watcher.log.
    pub fn start(bin: &Path, store: &Path, conf_dir: &Path, args: &[String]) -> Watcher {
        std::fs::create_dir_all(conf_dir).expect("conf dir");
        let log = conf_dir.join("watcher.log");
        let child = Command::new(bin)
            .arg("-s")
            .arg(store)
            .arg("proxy")
            .arg("--conf-dir")
            .arg(conf_dir)
            .args(args)
            .env("RUST_LOG", "flotilla=debug")
            .env("NO_COLOR", "1")
            .env_remove("DOCKER_HOST")
            .env_remove("DOCKER_TLS_VERIFY")
            .env_remove("DOCKER_CERT_PATH")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("start flotilla proxy");
        Watcher {
            child: Some(child),
            conf_dir: conf_dir.to_path_buf(),
            log,
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn status(&self) -> serde_json::Value {
        std::fs::read(self.conf_dir.join("status.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(serde_json::Value::Null)
    }

    pub fn config(&self) -> String {
        std::fs::read_to_string(self.conf_dir.join("nginx.conf")).unwrap_or_default()
    }

    pub fn signal(&self, sig: &str) {
        if let Some(c) = &self.child {
            let _ = Command::new("kill")
                .arg(format!("-{sig}"))
                .arg(c.id().to_string())
                .status();
        }
    }

    /// SIGTERM and wait (60 s at most, a hang guard); returns whether it exited successfully.
    pub fn stop(&mut self) -> bool {
        let Some(mut child) = self.child.take() else {
            return false;
        };
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        false
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A unix socket that forwards to another one, and can drop every connection and refuse new
/// ones (`cut`) until `restore`: what an engine restart or a network failure looks like to the
/// watcher, without restarting a shared testbed engine.
pub struct Forwarder {
    pub path: PathBuf,
    up: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<UnixStream>>>,
}

impl Forwarder {
    pub fn start(path: &Path, target: &Path) -> Forwarder {
        let listener = UnixListener::bind(path).expect("bind forwarder");
        listener.set_nonblocking(true).expect("nonblocking");
        let up = Arc::new(AtomicBool::new(true));
        let stop = Arc::new(AtomicBool::new(false));
        let conns: Arc<Mutex<Vec<UnixStream>>> = Arc::default();
        let (up2, stop2, conns2, target) = (
            up.clone(),
            stop.clone(),
            conns.clone(),
            target.to_path_buf(),
        );
        std::thread::spawn(move || {
            while !stop2.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        if !up2.load(Ordering::SeqCst) {
                            drop(client);
                            continue;
                        }
                        let _ = client.set_nonblocking(false);
                        let Ok(server) = UnixStream::connect(&target) else {
                            continue;
                        };
                        let mut list = conns2.lock().unwrap_or_else(|e| e.into_inner());
                        for s in [&client, &server] {
                            if let Ok(c) = s.try_clone() {
                                list.push(c);
                            }
                        }
                        drop(list);
                        pipe(&client, &server);
                        pipe(&server, &client);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Forwarder {
            path: path.to_path_buf(),
            up,
            stop,
            conns,
        }
    }

    /// Drops every open connection and refuses new ones.
    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for c in self
            .conns
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            let _ = c.shutdown(Shutdown::Both);
        }
    }

    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        self.cut();
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn pipe(from: &UnixStream, to: &UnixStream) {
    let (Ok(mut from), Ok(mut to)) = (from.try_clone(), to.try_clone()) else {
        return;
    };
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut from, &mut to);
        let _ = to.shutdown(Shutdown::Write);
    });
}

/// Copies the testbed store's certificates into `store` and adopts `names` with
/// `flotilla create -d none`.
pub fn adopt(bin: &Path, store: &Path, names: &[&str]) {
    let from = testbed().join("store/certs");
    let to = store.join("certs");
    std::fs::create_dir_all(&to).expect("certs dir");
    for f in ["ca.pem", "ca-key.pem", "cert.pem", "key.pem"] {
        std::fs::copy(from.join(f), to.join(f)).unwrap_or_else(|e| {
            panic!("the testbed store is missing {f} ({e}); run `scripts/testbed up`")
        });
    }
    for name in names {
        let (_, ip, _) = engine(name);
        let out = Command::new(bin)
            .arg("-s")
            .arg(store)
            .args([
                "create",
                "-d",
                "none",
                "--url",
                &format!("tcp://{ip}:2376"),
                name,
            ])
            .env_remove("DOCKER_HOST")
            .output()
            .expect("run flotilla create");
        assert!(
            out.status.success(),
            "create {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
