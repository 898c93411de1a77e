//! Real processes for the discovery tests: the flotilla binary, its token
//! service and etcd, each on a random loopback port, each stopped by its own
//! pid when dropped. A missing prerequisite (etcd) is a failure that says so.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_flotilla")
}

/// `flotilla -s STORE ARGS…` with a clean discovery environment.
pub fn cmd(store: &Path) -> Command {
    let mut c = Command::new(bin());
    c.arg("-s").arg(store);
    for v in [
        "FLOTILLA_DISCOVERY_URL",
        "FLOTILLA_DISCOVERY_CA",
        "FLOTILLA_DISCOVERY_TIMEOUT",
        "SWARM_DISCOVERY",
        "SWARM_ADVERTISE",
        "DOCKER_HOST",
    ] {
        c.env_remove(v);
    }
    c.env("NO_COLOR", "1");
    c
}

pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(store: &Path, args: &[&str]) -> Run {
    let out: Output = cmd(store)
        .args(args)
        .output()
        .expect("cannot run the flotilla binary");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs and requires success; returns stdout.
pub fn ok(store: &Path, args: &[&str]) -> String {
    let r = run(store, args);
    assert_eq!(
        r.code,
        Some(0),
        "flotilla {args:?} failed\nstdout: {}\nstderr: {}",
        r.stdout,
        r.stderr
    );
    r.stdout
}

pub fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::to_string).collect()
}

pub fn sigterm(pid: u32) {
    let st = Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status()
        .expect("kill");
    assert!(st.success(), "kill -TERM {pid} failed");
}

/// Waits for a child to exit, at most `limit`.
pub fn wait_exit(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(st) = child.try_wait().expect("try_wait") {
            return st;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("process {} did not exit within {limit:?}", child.id());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Polls `f` until it returns true, at most `limit`.
pub fn eventually(limit: Duration, what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out after {limit:?} waiting for {what}");
}

/// A child whose stdout lines arrive on a channel.
pub struct Proc {
    pub child: Child,
    pub lines: mpsc::Receiver<String>,
    stderr_path: PathBuf,
}

impl Proc {
    pub fn spawn(mut c: Command, stderr_path: &Path) -> Proc {
        let err = std::fs::File::create(stderr_path).expect("stderr file");
        let mut child = c
            .stdout(Stdio::piped())
            .stderr(err)
            .stdin(Stdio::null())
            .spawn()
            .expect("cannot spawn");
        let out = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Proc {
            child,
            lines: rx,
            stderr_path: stderr_path.to_path_buf(),
        }
    }

    pub fn next_line(&self, limit: Duration) -> String {
        self.lines.recv_timeout(limit).unwrap_or_else(|_| {
            panic!("no output line within {limit:?}; stderr: {}", self.stderr())
        })
    }

    /// Reads lines until one satisfies `f`.
    pub fn line_where(&self, limit: Duration, f: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let left = limit.saturating_sub(start.elapsed());
            match self.lines.recv_timeout(left) {
                Ok(l) if f(&l) => return l,
                Ok(_) => continue,
                Err(_) => panic!(
                    "no matching output line within {limit:?}; stderr: {}",
                    self.stderr()
                ),
            }
        }
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn terminate(&mut self) -> std::process::ExitStatus {
        sigterm(self.child.id());
        wait_exit(&mut self.child, Duration::from_secs(15))
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `flotilla discovery serve` on 127.0.0.1:0 with `data` as its data dir.
pub struct TokenService {
    pub proc: Proc,
    pub url: String,
}

impl TokenService {
    pub fn start(store: &Path, data: &Path, tls: Option<(&Path, &Path)>) -> TokenService {
        let mut c = cmd(store);
        c.args(["discovery", "serve", "--addr", "127.0.0.1:0", "--data"])
            .arg(data);
        if let Some((cert, key)) = tls {
            c.arg("--tls-cert").arg(cert).arg("--tls-key").arg(key);
        }
        let proc = Proc::spawn(c, &data.with_extension("stderr"));
        let url = proc.next_line(Duration::from_secs(10));
        assert!(url.starts_with("http"), "unexpected first line {url:?}");
        TokenService { proc, url }
    }

    pub fn port(&self) -> u16 {
        self.url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("port in URL")
    }
}

use crate::support::free_port;

/// A real etcd on random loopback ports with a temporary data dir.
pub struct Etcd {
    child: Child,
    pub endpoint: String,
    peer: u16,
    dir: tempfile::TempDir,
}

impl Etcd {
    fn spawn(dir: &std::path::Path, ip: &str, client: u16, peer: u16) -> Child {
        let exe = std::env::var("ETCD_BIN").unwrap_or_else(|_| "etcd".into());
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("etcd.log"))
            .expect("log");
        Command::new(&exe)
            .arg("--name")
            .arg("flotilla-test")
            .arg("--data-dir")
            .arg(dir.join("data"))
            .arg("--listen-client-urls")
            .arg(format!("http://{ip}:{client}"))
            .arg("--advertise-client-urls")
            .arg(format!("http://{ip}:{client}"))
            .arg("--listen-peer-urls")
            .arg(format!("http://127.0.0.1:{peer}"))
            .arg("--initial-advertise-peer-urls")
            .arg(format!("http://127.0.0.1:{peer}"))
            .arg("--initial-cluster")
            .arg(format!("flotilla-test=http://127.0.0.1:{peer}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start etcd ({exe}): {e}; the discovery tests need etcd 3.4+ \
                     (apt-get install etcd-server, or set ETCD_BIN)"
                )
            })
    }

    pub fn start() -> Etcd {
        Etcd::start_on("127.0.0.1")
    }

    /// Clients served on `ip` (a testbed bridge's own address, for hosts on that bridge).
    pub fn start_on(ip: &str) -> Etcd {
        let dir = tempfile::tempdir().expect("tempdir");
        let client = free_port();
        let peer = free_port();
        let child = Etcd::spawn(dir.path(), ip, client, peer);
        let mut e = Etcd {
            child,
            endpoint: format!("{ip}:{client}"),
            peer,
            dir,
        };
        e.wait_ready();
        e
    }

    /// SIGKILLs etcd (its clients see connections refused until [`Etcd::restart`]).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts etcd again on the same ports with the same data (after [`Etcd::kill`]).
    pub fn restart(&mut self) {
        let (ip, client) = self.endpoint.rsplit_once(':').expect("IP:PORT");
        let client: u16 = client.parse().expect("client port");
        self.child = Etcd::spawn(self.dir.path(), ip, client, self.peer);
        self.wait_ready();
    }

    fn wait_ready(&mut self) {
        let start = Instant::now();
        loop {
            if std::net::TcpStream::connect(&self.endpoint).is_ok()
                && Command::new(bin())
                    .args(["list", "--timeout", "1s"])
                    .arg(format!("etcd://{}/probe", self.endpoint))
                    .output()
                    .map(|o| o.status.success())
                    .unwrap_or(false)
            {
                return;
            }
            if let Ok(Some(st)) = self.child.try_wait() {
                panic!("etcd exited during start-up ({st})");
            }
            if start.elapsed() > Duration::from_secs(20) {
                let _ = self.child.kill();
                panic!("etcd did not answer on {} within 20s", self.endpoint);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Etcd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
