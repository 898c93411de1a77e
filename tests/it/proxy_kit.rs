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
/// A loopback TCP port nothing listens on, never handed out twice in this test process: two
/// tests asking at once could get the same port back from the kernel, and the second then found
/// the first's server on it.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<std::collections::BTreeSet<u16>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        if GIVEN.lock().unwrap_or_else(|e| e.into_inner()).insert(port) {
            return port;
        }
    }
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

/// A certificate authority for TLS tests: issues leaf certificates for host names, written as
/// nginx-proxy's `HOST.crt` + `HOST.key`.
pub struct TestCa {
    key: rcgen::KeyPair,
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    pub pem: String,
}

impl TestCa {
    pub fn new(name: &str) -> TestCa {
        let key = rcgen::KeyPair::generate().expect("ca key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("ca params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let cert = params.self_signed(&key).expect("ca cert");
        let pem = cert.pem();
        let issuer_key = rcgen::KeyPair::from_pem(&key.serialize_pem()).expect("ca key copy");
        let issuer = rcgen::Issuer::new(params, issuer_key);
        TestCa { key, issuer, pem }
    }

    /// A leaf for `names` (DNS names or IP addresses): (certificate PEM, key PEM).
    pub fn leaf(&self, names: &[&str], serial: u64) -> (String, String) {
        let _ = &self.key;
        let key = rcgen::KeyPair::generate().expect("leaf key");
        let mut params =
            rcgen::CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .expect("leaf params");
        params.serial_number = Some(rcgen::SerialNumber::from(serial));
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let cert = params.signed_by(&key, &self.issuer).expect("leaf cert");
        (cert.pem(), key.serialize_pem())
    }

    /// Writes `dir/STEM.crt` and `dir/STEM.key` for `names`.
    pub fn write(&self, dir: &Path, stem: &str, names: &[&str], serial: u64) {
        std::fs::create_dir_all(dir).expect("certs dir");
        let (crt, key) = self.leaf(names, serial);
        // key first, as a renewal tool would; the watcher reads both
        std::fs::write(dir.join(format!("{stem}.key")), key).expect("write key");
        std::fs::write(dir.join(format!("{stem}.crt")), crt).expect("write crt");
    }
}

/// What curl saw: its exit code (0 ok, 35 handshake failure, 60 untrusted certificate), the
/// status, the response headers (lower-cased names) and the body.
#[derive(Debug, Clone, Default)]
pub struct Curl {
    pub exit: i32,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub http_version: String,
}

impl Curl {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `curl` to `scheme://host:port/path` with `host` resolved to 127.0.0.1, trusting `ca`
/// (none for plain HTTP). `extra`: more curl arguments (`-X POST`, `--http2`).
pub fn curl(
    scheme: &str,
    host: &str,
    port: u16,
    path: &str,
    ca: Option<&Path>,
    extra: &[&str],
) -> Curl {
    curl_at("127.0.0.1", scheme, host, port, path, ca, extra)
}

/// [`curl`] with `host` resolved to `ip`.
pub fn curl_at(
    ip: &str,
    scheme: &str,
    host: &str,
    port: u16,
    path: &str,
    ca: Option<&Path>,
    extra: &[&str],
) -> Curl {
    let dir = tempfile::tempdir().expect("tempdir");
    let headers = dir.path().join("headers");
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "--max-time", "10", "--noproxy", "*"])
        .arg("--resolve")
        .arg(format!("{host}:{port}:{ip}"))
        .arg("-D")
        .arg(&headers)
        .args(["-o", "-", "-w", "\n%{http_code} %{http_version}"]);
    if let Some(ca) = ca {
        cmd.arg("--cacert").arg(ca);
    }
    cmd.args(extra);
    cmd.arg(format!("{scheme}://{host}:{port}{path}"));
    let out = cmd.output().expect("run curl (apt-get install curl)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, tail) = text.rsplit_once('\n').unwrap_or(("", &text));
    let mut tail = tail.split_whitespace();
    let status = tail.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let http_version = tail.next().unwrap_or_default().to_string();
    let headers = std::fs::read_to_string(&headers)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Curl {
        exit: out.status.code().unwrap_or(-1),
        status,
        headers,
        body: body.trim().to_string(),
        http_version,
    }
}

/// The serial number (hex, as openssl prints it) of the certificate served for `host`, or
/// `None` when the handshake fails.
pub fn served_serial(port: u16, host: &str) -> Option<String> {
    served_serial_at("127.0.0.1", port, host)
}

/// [`served_serial`] of `ip:port`.
pub fn served_serial_at(ip: &str, port: u16, host: &str) -> Option<String> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "openssl s_client -connect {ip}:{port} -servername {host} </dev/null 2>/dev/null | openssl x509 -noout -serial -issuer"
        ))
        .output()
        .expect("run openssl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix("serial="))
        .map(|s| s.trim().to_string())
}

/// The issuer line of the certificate served for `host`.
pub fn served_issuer(port: u16, host: &str) -> Option<String> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "openssl s_client -connect 127.0.0.1:{port} -servername {host} </dev/null 2>/dev/null | openssl x509 -noout -issuer"
        ))
        .output()
        .expect("run openssl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix("issuer="))
        .map(|s| s.trim().to_string())
}

impl Containers {
    /// A busybox web server whose `/cgi-bin/env` prints the CGI environment (the request
    /// headers as `HTTP_*`), on port 80.
    pub fn run_echo(&self, sock: &Path, name: &str, env: &[&str], publish: &[u16]) -> String {
        let script = "mkdir -p /w/cgi-bin && printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\nenv | sort\\n' > /w/cgi-bin/env && chmod +x /w/cgi-bin/env && echo \"$NAME\" > /w/index.html && httpd -p 80 -h /w; exec sleep 2147483647";
        let mut cmd = docker(sock);
        cmd.args(["create", "--name", name, "--label", "flotilla-testbed=1"])
            .args(["-e", &format!("NAME={name}")]);
        if let Some(id) = &self.label {
            cmd.args(["--label", &format!("{TEST_LABEL}={id}")]);
        }
        for e in env {
            cmd.args(["-e", e]);
        }
        for p in publish {
            cmd.args(["-p", &p.to_string()]);
        }
        cmd.args(["flotilla-busybox:latest", "sh", "-c", script]);
        self.track(sock, name);
        let out = cmd.output().expect("run docker create");
        assert!(
            out.status.success(),
            "docker create {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.start_existing(sock, name);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

/// pebble (Let's Encrypt's test ACME server) with pebble-challtestsrv as its DNS, which
/// resolves every name to 127.0.0.1: HTTP-01 validation reaches the proxy on `http_port`.
/// Killed on drop.
pub struct Pebble {
    children: Vec<Child>,
    pub directory: String,
    /// The CA that signed pebble's own HTTPS certificate (for `--acme-ca-file`).
    pub https_ca: PathBuf,
    pub management: u16,
    pub log: PathBuf,
}

impl Pebble {
    /// `validity`: the lifetime of the certificates pebble issues, in seconds. `blocked`:
    /// domains pebble refuses to issue for.
    pub fn start(dir: &Path, http_port: u16, validity: u64, blocked: &[&str]) -> Pebble {
        std::fs::create_dir_all(dir).expect("pebble dir");
        let ca = TestCa::new("pebble https test CA");
        let (crt, key) = ca.leaf(&["localhost", "127.0.0.1"], 1);
        let https_ca = dir.join("https-ca.pem");
        std::fs::write(&https_ca, &ca.pem).expect("ca");
        std::fs::write(dir.join("cert.pem"), crt).expect("cert");
        std::fs::write(dir.join("key.pem"), key).expect("key");
        let (listen, management, dns, tls) = (free_port(), free_port(), free_port(), free_port());
        let config = serde_json::json!({
            "pebble": {
                "listenAddress": format!("127.0.0.1:{listen}"),
                "managementListenAddress": format!("127.0.0.1:{management}"),
                "certificate": dir.join("cert.pem"),
                "privateKey": dir.join("key.pem"),
                "httpPort": http_port,
                "tlsPort": tls,
                "ocspResponderURL": "",
                "externalAccountBindingRequired": false,
                "domainBlocklist": blocked,
                "certificateValidityPeriod": validity,
            }
        });
        std::fs::write(dir.join("pebble.json"), config.to_string()).expect("config");
        let log = dir.join("pebble.log");
        let logfile = || {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log)
                .expect("log")
        };
        let dns_child = Command::new("pebble-challtestsrv")
            .args(["-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""])
            .arg("-dns01")
            .arg(format!("127.0.0.1:{dns}"))
            .args(["-http01", "", "-https01", "", "-tlsalpn01", ""])
            .arg("-management")
            .arg(format!("127.0.0.1:{}", free_port()))
            .stdout(logfile())
            .stderr(logfile())
            .spawn()
            .expect("start pebble-challtestsrv (apt-get install pebble)");
        let pebble = Command::new("pebble")
            .arg("-config")
            .arg(dir.join("pebble.json"))
            .arg("-dnsserver")
            .arg(format!("127.0.0.1:{dns}"))
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .env("PEBBLE_AUTHZREUSE", "0")
            .stdout(logfile())
            .stderr(logfile())
            .spawn()
            .expect("start pebble (apt-get install pebble)");
        let p = Pebble {
            children: vec![dns_child, pebble],
            directory: format!("https://127.0.0.1:{listen}/dir"),
            https_ca,
            management,
            log,
        };
        let up = wait_until(Duration::from_secs(20), || {
            let out = Command::new("curl")
                .args([
                    "-sS",
                    "--noproxy",
                    "*",
                    "--max-time",
                    "2",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_code}",
                ])
                .arg("--cacert")
                .arg(&p.https_ca)
                .arg(&p.directory)
                .output();
            out.is_ok_and(|o| o.stdout == b"200")
        });
        assert!(up, "pebble did not answer; log:\n{}", p.log());
        p
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// pebble's root CA for the certificates it issues (PEM), from its management interface.
    pub fn root(&self, to: &Path) {
        let out = Command::new("curl")
            .args(["-sS", "--noproxy", "*", "--max-time", "5", "-o"])
            .arg(to)
            .arg("--cacert")
            .arg(&self.https_ca)
            .arg(format!("https://127.0.0.1:{}/roots/0", self.management))
            .output()
            .expect("curl");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Pebble {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
