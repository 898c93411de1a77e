//! What one client may cost the servers (issue 16, item 3), the token service's secret, start
//! and stop (item 3 of the same issue's list for this round), and the bounds on user input
//! (items 4 and 7): each reproduces a finding that held on the code before the fix.
//!
//! The slow clients here are real sockets on loopback that stop mid-request; the servers are the
//! built binary. Waits are on conditions (a socket closed by the server, a descriptor count),
//! with deadlines far above the timeouts configured, never on fixed sleeps.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command as StdCommand, Stdio};
use std::time::Duration;

use crate::proxy_kit::{free_port, wait_until};
use crate::support::*;

/// A server process, killed when dropped.
struct Server {
    child: Option<Child>,
    log: std::path::PathBuf,
}

impl Server {
    /// `flotilla ARGS…` with a descriptor limit, waiting until `addr` accepts.
    fn start(store: &Path, args: &[&str], addr: SocketAddr, fd_limit: Option<u32>) -> Server {
        let log = store.join(format!("server-{}.log", addr.port()));
        std::fs::create_dir_all(store).expect("store dir");
        let mut c = match fd_limit {
            Some(n) => {
                let mut c = StdCommand::new("sh");
                c.arg("-c")
                    .arg(format!("ulimit -n {n} && exec \"$0\" \"$@\""))
                    .arg(bin());
                c
            }
            None => StdCommand::new(bin()),
        };
        let child = c
            .args(args)
            .env("FLOTILLA_STORAGE_PATH", store)
            .env("NO_COLOR", "1")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("start the server");
        let mut s = Server {
            child: Some(child),
            log,
        };
        let up = wait_until(Duration::from_secs(60), || {
            if let Some(c) = s.child.as_mut()
                && let Ok(Some(status)) = c.try_wait()
            {
                panic!("the server exited ({status}): {}", s.log());
            }
            TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
        });
        assert!(up, "the server did not listen: {}", s.log());
        s
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    fn fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM; the exit status.
    fn stop(mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("running");
        let _ = StdCommand::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        child.wait().expect("wait")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn loopback() -> SocketAddr {
    format!("127.0.0.1:{}", free_port()).parse().expect("addr")
}

/// Whether the server has closed this connection (EOF or reset), without blocking.
fn closed(s: &mut TcpStream) -> bool {
    let _ = s.set_nonblocking(true);
    let mut b = [0u8; 64];
    let r = match s.read(&mut b) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => false,
        Err(_) => true,
    };
    let _ = s.set_nonblocking(false);
    r
}

/// One request on a new connection; the answer's status line and body. The read timeout keeps
/// a broken server from hanging the test; the assertion is on what came back.
fn request(addr: SocketAddr, raw: &str) -> (String, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    s.write_all(raw.as_bytes()).expect("send");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text.lines().next().unwrap_or_default().to_string();
    let body = text.split_once("\r\n\r\n").map(|x| x.1).unwrap_or_default();
    (status, body.to_string())
}

fn get(addr: SocketAddr, path: &str) -> (String, String) {
    request(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    )
}

fn post(addr: SocketAddr, path: &str, body: &str, auth: Option<&str>) -> (String, String) {
    let auth = auth
        .map(|a| format!("Authorization: Bearer {a}\r\n"))
        .unwrap_or_default();
    request(
        addr,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{auth}Content-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
}

fn serve_args<'a>(addr: &'a str, data: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["discovery", "serve", "--addr", addr, "--data", data];
    v.extend_from_slice(extra);
    v
}

#[test]
fn the_token_service_cuts_slow_clients_while_serving_a_normal_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let addr = loopback();
    let (a, d) = (addr.to_string(), tmp.path().join("data"));
    let d = d.to_str().expect("utf-8");
    let server = Server::start(
        tmp.path(),
        // Long enough that all 300 are still open when counted on a loaded machine (with 2 s the
        // first were already cut before the last were accepted), short enough for a test.
        &serve_args(&a, d, &["--header-timeout", "10s", "--body-timeout", "10s"]),
        addr,
        None,
    );
    let baseline = server.fds();
    // 300 connections whose request head never ends, and one whose body stalls.
    let mut slow: Vec<TcpStream> = (0..300)
        .map(|_| {
            let mut s = TcpStream::connect(addr).expect("connect");
            s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
                .expect("send");
            s
        })
        .collect();
    let (_, token) = post(addr, "/clusters", "", None);
    let token = token.trim().to_string();
    let mut stalled = TcpStream::connect(addr).expect("connect");
    stalled
        .write_all(
            format!(
                "POST /clusters/{token} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n10.0"
            )
            .as_bytes(),
        )
        .expect("send");
    slow.push(stalled);
    assert!(
        wait_until(Duration::from_secs(30), || server.fds() > baseline + 250),
        "the slow connections were not accepted"
    );
    // A normal client is served meanwhile.
    let (status, body) = get(addr, "/health");
    assert_eq!(status, "HTTP/1.1 200 OK", "{body}");
    // Every slow one is cut, and the descriptors come back.
    assert!(
        wait_until(Duration::from_secs(60), || slow.iter_mut().all(closed)),
        "{} slow connections still open",
        slow.iter_mut().map(closed).filter(|c| !c).count()
    );
    assert!(
        wait_until(Duration::from_secs(10), || server.fds() <= baseline + 2),
        "descriptors: {} (was {baseline})",
        server.fds()
    );
}

#[test]
fn a_flood_of_silent_connections_does_not_lock_out_a_client_under_a_low_descriptor_limit() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let addr = loopback();
    let (a, d) = (addr.to_string(), tmp.path().join("data"));
    let d = d.to_str().expect("utf-8");
    // Timeouts far above the client's patience: only making room serves it.
    let server = Server::start(
        tmp.path(),
        &serve_args(&a, d, &["--header-timeout", "10m", "--idle-timeout", "10m"]),
        addr,
        Some(64),
    );
    let mut flood: Vec<TcpStream> = (0..200)
        .filter_map(|_| TcpStream::connect(addr).ok())
        .collect();
    assert!(
        wait_until(Duration::from_secs(10), || server.fds() > 50),
        "the flood was not accepted"
    );
    let (status, body) = get(addr, "/health");
    assert_eq!(status, "HTTP/1.1 200 OK", "{body}; log: {}", server.log());
    // Room was made by closing flood connections that never sent a request.
    assert!(flood.iter_mut().any(closed));
}

#[test]
fn a_get_with_an_unfinished_chunked_body_is_answered_and_an_oversized_body_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let addr = loopback();
    let (a, d) = (addr.to_string(), tmp.path().join("data"));
    let d = d.to_str().expect("utf-8");
    let _server = Server::start(tmp.path(), &serve_args(&a, d, &[]), addr, None);
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        .expect("send");
    let mut b = [0u8; 15];
    s.read_exact(&mut b).expect("an answer");
    assert_eq!(&b, b"HTTP/1.1 200 OK");
    // A body larger than --max-body-size (1 KiB here) is refused before it is read.
    let (status, _) = request(
        addr,
        "POST /clusters HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n",
    );
    assert_eq!(status, "HTTP/1.1 413 Payload Too Large");
}

#[test]
fn the_token_service_secret_guards_creating_and_deleting_clusters_only() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let secret = tmp.path().join("secret");
    std::fs::write(&secret, "0123456789abcdef0123456789abcdef\n").expect("secret");
    let addr = loopback();
    let (a, d) = (addr.to_string(), tmp.path().join("data"));
    let d = d.to_str().expect("utf-8");
    let _server = Server::start(
        tmp.path(),
        &serve_args(&a, d, &["--secret-file", secret.to_str().expect("utf-8")]),
        addr,
        None,
    );
    let (status, body) = post(addr, "/v1/clusters", "", None);
    assert_eq!(status, "HTTP/1.1 401 Unauthorized", "{body}");
    let (status, _) = post(addr, "/v1/clusters", "", Some("wrong"));
    assert_eq!(status, "HTTP/1.1 401 Unauthorized");
    // flotilla sends it from --discovery-secret-file.
    let s = TestStore::empty();
    let url = format!("http://{addr}");
    let o = s.run(&["token", "create", "--discovery-url", &url]);
    assert_clean_failure(&o, 1);
    assert!(stderr(&o).contains("401"), "{}", stderr(&o));
    let o = s.run(&[
        "token",
        "create",
        "--discovery-url",
        &url,
        "--discovery-secret-file",
        secret.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let token = stdout(&o).trim().to_string();
    // Docker Hub's v1 API for agents and managers: the token is the capability.
    let (status, _) = post(
        addr,
        &format!("/v1/clusters/{token}?ttl=60"),
        "10.0.0.1:2376",
        None,
    );
    assert_eq!(status, "HTTP/1.1 200 OK");
    let (status, body) = get(addr, &format!("/v1/clusters/{token}"));
    assert_eq!(
        (status.as_str(), body.as_str()),
        ("HTTP/1.1 200 OK", "[\"10.0.0.1:2376\"]")
    );
    let o = s.run(&["token", "rm", &token, "--discovery-url", &url]);
    assert_clean_failure(&o, 1);
    let o = s.run(&[
        "token",
        "rm",
        &token,
        "--discovery-url",
        &url,
        "--discovery-secret-file",
        secret.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// The inode of each cluster file: a rewrite (write, fsync, rename) gives a file a new one.
fn inodes(data: &Path) -> std::collections::BTreeMap<String, u64> {
    use std::os::unix::fs::MetadataExt;
    std::fs::read_dir(data.join("clusters"))
        .expect("clusters dir")
        .filter_map(|e| e.ok())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                e.metadata().expect("metadata").ino(),
            )
        })
        .collect()
}

#[test]
fn the_token_service_stops_without_rewriting_unchanged_clusters_and_starts_past_a_corrupt_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let (d, addr) = (data.to_str().expect("utf-8"), loopback());
    let a = addr.to_string();
    let server = Server::start(tmp.path(), &serve_args(&a, d, &[]), addr, None);
    let tokens: Vec<String> = (0..20)
        .map(|_| post(addr, "/clusters", "", None).1.trim().to_string())
        .collect();
    for t in &tokens {
        let (status, _) = post(addr, &format!("/clusters/{t}"), "10.0.0.9:2376", None);
        assert_eq!(status, "HTTP/1.1 200 OK");
    }
    assert!(server.stop().success());
    let before = inodes(&data);
    assert_eq!(before.len(), 20);
    // One corrupt file next to them.
    let corrupt = data
        .join("clusters")
        .join("0123456789abcdef0123456789abcdef.json");
    std::fs::write(&corrupt, "{\"token\": ").expect("corrupt file");

    let addr = loopback();
    let a = addr.to_string();
    let server = Server::start(tmp.path(), &serve_args(&a, d, &[]), addr, None);
    let (status, body) = get(addr, &format!("/clusters/{}", tokens[0]));
    assert_eq!(
        (status.as_str(), body.as_str()),
        ("HTTP/1.1 200 OK", "[\"10.0.0.9:2376\"]")
    );
    let (status, _) = get(addr, "/clusters/0123456789abcdef0123456789abcdef");
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    // One cluster changes; only its file is written at the stop.
    let (status, _) = post(
        addr,
        &format!("/clusters/{}", tokens[1]),
        "10.0.0.8:2376",
        None,
    );
    assert_eq!(status, "HTTP/1.1 200 OK");
    let log_path = server.log.clone();
    assert!(server.stop().success());
    let log = std::fs::read_to_string(log_path).expect("log");
    assert!(
        log.contains(&format!(
            "warning: skipped cluster file {}",
            corrupt.display()
        )),
        "{log}"
    );
    assert_eq!(
        std::fs::read_to_string(&corrupt).expect("the corrupt file is kept"),
        "{\"token\": "
    );
    let after = inodes(&data);
    let rewritten: Vec<&String> = before
        .iter()
        .filter(|(f, ino)| after.get(*f) != Some(ino))
        .map(|(f, _)| f)
        .collect();
    assert_eq!(rewritten, [&format!("{}.json", tokens[1])]);
}

#[test]
fn user_input_is_bounded_and_any_argument_is_an_error_not_a_panic() {
    let s = TestStore::empty();
    // `plan --state /dev/zero` used to read forever.
    let o = s.run(&["plan", "--state", "/dev/zero", "busybox"]);
    assert_clean_failure(&o, 2);
    assert!(
        stderr(&o).contains("cannot read state file /dev/zero: larger than 67108864 bytes"),
        "{}",
        stderr(&o)
    );
    let o = StdCommand::new(bin())
        .env("FLOTILLA_STORAGE_PATH", s.path())
        .args(["plan", "--state", "-", "busybox"])
        .stdin(std::fs::File::open("/dev/zero").expect("/dev/zero"))
        .output()
        .expect("plan");
    assert_clean_failure(&o, 2);
    // A non-UTF-8 argument: one usage error (it panicked, exit 101).
    use std::os::unix::ffi::OsStrExt;
    let o = s
        .cmd()
        .arg("ls")
        .arg(std::ffi::OsStr::from_bytes(b"\xff"))
        .output()
        .expect("ls");
    assert_clean_failure(&o, 2);
    // A non-UTF-8 path is kept as it is.
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join(std::ffi::OsStr::from_bytes(b"st\xffore"));
    let o = s
        .cmd()
        .arg("-s")
        .arg(&store)
        .args(["token", "create"])
        .output()
        .expect("token create");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(store.join("discovery").exists() || store.exists());
}

#[test]
fn a_request_with_too_many_rules_or_too_big_a_regex_is_refused_by_plan() {
    let s = TestStore::empty();
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state.json");
    std::fs::write(
        &state,
        r#"{"strategy":"spread","nodes":[{"name":"n1","addr":"10.0.0.1:2376","healthy":true,"cpus":2,"memory":1073741824,"labels":{},"containers":[]}]}"#,
    )
    .expect("state");
    let rules = dir.path().join("rules.env");
    let many: String = (0..101)
        .map(|i| format!("constraint:node==/^(n1|x{i})$/\n"))
        .collect();
    std::fs::write(&rules, many).expect("rules");
    let st = state.to_str().expect("utf-8");
    let o = s.run(&[
        "plan",
        "--state",
        st,
        "--env-file",
        rules.to_str().expect("utf-8"),
        "busybox",
    ]);
    assert_clean_failure(&o, 1);
    assert!(
        stderr(&o).contains("too many scheduling rules: 101 (at most 100 constraints, affinities, whitelists and reschedule policies per request)"),
        "{}",
        stderr(&o)
    );
    let big = format!("constraint:node==/{}/", r"\w".repeat(300));
    let o = s.run(&["plan", "--state", st, "-e", &big, "busybox"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains(
            "it compiles to more than 1024 KiB, the limit for one rule's regular expression"
        ),
        "{}",
        stderr(&o)
    );
}

/// A TLS connection to the manager with the store's client certificate (blocking rustls).
fn tls_to(
    addr: SocketAddr,
    certs: &Path,
) -> rustls::StreamOwned<rustls::ClientConnection, TcpStream> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let pems = |p: &Path| -> Vec<CertificateDer<'static>> {
        CertificateDer::pem_file_iter(p)
            .expect("pem")
            .collect::<Result<_, _>>()
            .expect("certs")
    };
    let mut roots = rustls::RootCertStore::empty();
    for c in pems(&certs.join("ca.pem")) {
        roots.add(c).expect("ca");
    }
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_client_auth_cert(
            pems(&certs.join("cert.pem")),
            PrivateKeyDer::from_pem_file(certs.join("key.pem")).expect("key"),
        )
        .expect("client config");
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").expect("name");
    let conn = rustls::ClientConnection::new(std::sync::Arc::new(config), name).expect("tls");
    let sock = TcpStream::connect(addr).expect("connect");
    sock.set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let mut s = rustls::StreamOwned::new(conn, sock);
    while s.conn.is_handshaking() {
        s.conn.complete_io(&mut s.sock).expect("handshake");
    }
    s
}

/// Whether the server has closed this TLS connection, without blocking for long.
fn tls_closed(s: &mut rustls::StreamOwned<rustls::ClientConnection, TcpStream>) -> bool {
    let _ = s.sock.set_read_timeout(Some(Duration::from_millis(10)));
    let mut b = [0u8; 64];
    let r = match s.read(&mut b) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    };
    let _ = s.sock.set_read_timeout(Some(Duration::from_secs(60)));
    r
}

/// The docker CLI against the manager on loopback, with the store's certificates.
fn docker_at(addr: SocketAddr, certs: &Path) -> impl Fn(&[&str]) -> StdCommand {
    let certs = certs.to_path_buf();
    move |args: &[&str]| {
        let mut c = StdCommand::new("docker");
        c.env_remove("DOCKER_CONTEXT")
            .env_remove("DOCKER_HOST")
            .arg("--tlsverify")
            .arg("--tlscacert")
            .arg(certs.join("ca.pem"))
            .arg("--tlscert")
            .arg(certs.join("cert.pem"))
            .arg("--tlskey")
            .arg(certs.join("key.pem"))
            .args(["-H", &format!("tcp://{addr}")])
            .args(args);
        c
    }
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn the_manager_cuts_slow_clients_keeps_streams_and_answers_a_chunked_get() {
    let (s, _) = crate::cluster::swarm_store();
    let certs = s.path().join("certs");
    let addr = loopback();
    let host = format!("tcp://{addr}");
    let manager = Server::start(
        s.path(),
        &[
            "manage",
            "--swarm",
            "swarm-master",
            "-H",
            &host,
            "--handshake-timeout",
            "2s",
            "--header-timeout",
            "2s",
            "--idle-timeout",
            "2s",
            "--body-timeout",
            "2s",
        ],
        addr,
        None,
    );
    let docker = docker_at(addr, &certs);
    let name = crate::proxy_kit::unique("limits");
    let o = docker(&["create", "--name", &name, "flotilla-busybox", "true"])
        .output()
        .expect("docker create");
    assert!(o.status.success(), "{}", stderr(&o));
    let _cleanup = Cleanup(docker(&["rm", "-f", &name]));

    // An event stream outlives the idle timeout: it is a response in flight.
    let mut events = docker(&["events", "--format", "{{.Actor.Attributes.name}}"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("docker events");
    let baseline = manager.fds();
    // Slow clients: silent TCP (never a handshake), TLS with an unfinished head, and TLS that
    // never sends a request after its first one.
    let mut silent: Vec<TcpStream> = (0..100)
        .map(|_| TcpStream::connect(addr).expect("connect"))
        .collect();
    let mut heads: Vec<_> = (0..100)
        .map(|_| {
            let mut t = tls_to(addr, &certs);
            t.write_all(b"GET /_ping HTTP/1.1\r\nHost: x\r\n")
                .expect("send");
            t.flush().expect("flush");
            t
        })
        .collect();
    let mut idle = tls_to(addr, &certs);
    idle.write_all(b"GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("send");
    let mut b = [0u8; 15];
    idle.read_exact(&mut b).expect("pong");
    assert!(manager.fds() > baseline + 150, "{} fds", manager.fds());
    // A normal client is served meanwhile, and a GET that announces a chunked body it never
    // sends is answered (it used to hang: the relay waited for the body).
    let o = docker(&["version", "--format", "{{.Server.APIVersion}}"])
        .output()
        .expect("docker version");
    assert!(o.status.success(), "{}", stderr(&o));
    let mut chunked = tls_to(addr, &certs);
    chunked
        .write_all(
            format!(
                "GET /v1.41/containers/{name}/json HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            )
            .as_bytes(),
        )
        .expect("send");
    let mut b = [0u8; 15];
    chunked.read_exact(&mut b).expect("an answer");
    assert_eq!(&b, b"HTTP/1.1 200 OK");
    // Every slow one is cut within its timeout.
    assert!(
        wait_until(Duration::from_secs(60), || {
            silent.iter_mut().all(closed)
                && heads.iter_mut().all(tls_closed)
                && tls_closed(&mut idle)
        }),
        "slow connections still open: {} silent, {} heads",
        silent.iter_mut().map(closed).filter(|c| !c).count(),
        heads.iter_mut().map(tls_closed).filter(|c| !c).count()
    );
    // The event stream is still there: it reports what happens now.
    let o = docker(&["start", &name]).output().expect("docker start");
    assert!(o.status.success(), "{}", stderr(&o));
    let mut out = events.stdout.take().expect("events stdout");
    let mut seen = String::new();
    let mut buf = [0u8; 256];
    while !seen.contains(&name) {
        match out.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => seen.push_str(&String::from_utf8_lossy(&buf[..n])),
        }
    }
    let _ = events.kill();
    let _ = events.wait();
    assert!(seen.contains(&name), "the event stream ended: {seen:?}");
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn a_tls_flood_does_not_lock_a_docker_client_out_of_the_manager_under_a_low_descriptor_limit() {
    let (s, _) = crate::cluster::swarm_store();
    let certs = s.path().join("certs");
    let addr = loopback();
    let host = format!("tcp://{addr}");
    let manager = Server::start(
        s.path(),
        &[
            "manage",
            "--swarm",
            "swarm-master",
            "-H",
            &host,
            "--handshake-timeout",
            "10m",
        ],
        addr,
        Some(128),
    );
    let mut flood: Vec<TcpStream> = (0..300)
        .filter_map(|_| TcpStream::connect(addr).ok())
        .collect();
    assert!(
        wait_until(Duration::from_secs(10), || manager.fds() > 100),
        "the flood was not accepted"
    );
    let o = docker_at(addr, &certs)(&["info", "--format", "{{.Containers}}"])
        .output()
        .expect("docker info");
    assert!(o.status.success(), "{}; log: {}", stderr(&o), manager.log());
    assert!(flood.iter_mut().any(closed));
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn the_manager_refuses_a_create_with_too_many_rules() {
    let (s, _) = crate::cluster::swarm_store();
    let certs = s.path().join("certs");
    let addr = loopback();
    let host = format!("tcp://{addr}");
    let _manager = Server::start(
        s.path(),
        &["manage", "--swarm", "swarm-master", "-H", &host],
        addr,
        None,
    );
    let name = crate::proxy_kit::unique("limits-rules");
    let docker = docker_at(addr, &certs);
    let mut args: Vec<String> = vec!["create".into(), "--name".into(), name.clone()];
    for i in 0..101 {
        args.push("-e".into());
        // Distinct keys: the docker CLI keeps one value per variable name.
        args.push(format!("constraint:k{i}!=/^(x{i})$/"));
    }
    args.extend(["flotilla-busybox".to_string(), "true".to_string()]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let _cleanup = Cleanup(docker(&["rm", "-f", &name]));
    let o = docker(&refs).output().expect("docker create");
    assert!(!o.status.success(), "created: {}", stdout(&o));
    assert!(
        stderr(&o).contains("too many scheduling rules: 101"),
        "{}",
        stderr(&o)
    );
}

/// Runs a command when dropped (removing what a test created).
struct Cleanup(StdCommand);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = self.0.stdout(Stdio::null()).stderr(Stdio::null()).status();
    }
}
