//! The swarm's long-lived model, through the manager and the real docker CLI: it follows what
//! happens on the engines (containers started or removed behind its back, an engine that hangs,
//! dies and comes back, a member added to discovery), and the manager's lookups.
//!
//! Tests that stop or kill an engine start their own dockerd (`scripts/testbed private-up`, in
//! a network namespace of its own): the shared four are only read.

use std::process::{Command as StdCommand, Output, Stdio};
use std::time::{Duration, Instant};

use crate::cluster::{Cleanup, docker as engine_docker, suffix};
use crate::manager::Manager;
use crate::support::*;

/// Waits for `f`, polling; the deadline only turns a hang into a failure.
pub(crate) fn eventually(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<String>) {
    let deadline = Instant::now() + timeout;
    let mut last = String::new();
    while Instant::now() < deadline {
        match f() {
            None => return,
            Some(s) => last = s,
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what}: still not so after {timeout:?}; last seen:\n{last}");
}

pub(crate) use crate::support::free_port;

/// A dockerd of the test's own, in its own network namespace.
pub(crate) struct PrivateEngine {
    idx: u32,
    pub(crate) name: String,
    ip: String,
    dir: tempfile::TempDir,
}

fn testbed_script(args: &[&str]) -> Output {
    StdCommand::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/testbed"))
        .args(args)
        .env("FLOTILLA_BIN", bin())
        .output()
        .expect("scripts/testbed")
}

impl PrivateEngine {
    pub(crate) fn up(idx: u32, name: &str, labels: &str) -> PrivateEngine {
        let e = PrivateEngine {
            idx,
            name: name.to_string(),
            ip: format!("10.77.0.{}", 100 + idx),
            dir: tempfile::tempdir().expect("tempdir"),
        };
        e.start(labels);
        e
    }

    pub(crate) fn start(&self, labels: &str) {
        let dir = self.dir.path().join("engine");
        let o = testbed_script(&[
            "private-up",
            &self.idx.to_string(),
            &self.name,
            &self.ip,
            &dir.to_string_lossy(),
            labels,
        ]);
        assert!(o.status.success(), "private engine: {}", stderr(&o));
    }

    pub(crate) fn url(&self) -> String {
        format!("tcp://{}:2376", self.ip)
    }

    fn pid(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("engine/pid"))
            .expect("pid file")
            .trim()
            .to_string()
    }

    pub(crate) fn signal(&self, sig: &str) {
        let o = StdCommand::new("kill")
            .args([&format!("-{sig}"), &self.pid()])
            .output()
            .expect("kill");
        assert!(o.status.success(), "kill -{sig}: {}", stderr(&o));
    }

    /// The docker CLI on its local socket.
    pub(crate) fn docker(&self) -> StdCommand {
        let mut c = StdCommand::new("docker");
        c.env_remove("DOCKER_HOST")
            .env_remove("DOCKER_CONTEXT")
            .arg("-H")
            .arg(format!(
                "unix://{}/engine/docker.sock",
                self.dir.path().display()
            ));
        c
    }
}

impl Drop for PrivateEngine {
    fn drop(&mut self) {
        let dir = self.dir.path().join("engine");
        let _ = testbed_script(&[
            "private-down",
            &self.idx.to_string(),
            &dir.to_string_lossy(),
        ]);
    }
}

/// Adopts an engine into the swarm `token` (as its master when `master`).
pub(crate) fn join(
    s: &TestStore,
    url: &str,
    name: &str,
    token: &str,
    master: bool,
    extra: &[&str],
) {
    let mut args = vec![
        "create",
        "-d",
        "none",
        "--url",
        url,
        "--swarm",
        "--swarm-discovery",
        token,
    ];
    if master {
        args.push("--swarm-master");
    }
    args.extend(extra);
    args.push(name);
    let o = s.run(&args);
    assert!(o.status.success(), "create {name}: {}", stderr(&o));
}

pub(crate) fn token(s: &TestStore) -> String {
    let o = s.run(&["token", "create"]);
    assert!(o.status.success(), "{}", stderr(&o));
    format!("token://{}", stdout(&o).trim())
}

/// The manager on loopback, with fast refreshes so failures show in seconds.
pub(crate) fn manage(s: &TestStore, swarm: &str, extra: &[&str]) -> (Manager, u16) {
    let port = free_port();
    let mut c = StdCommand::new(bin());
    c.args([
        "manage",
        "--swarm",
        swarm,
        "-H",
        &format!("tcp://127.0.0.1:{port}"),
        "--engine-refresh-min-interval",
        "1s",
        "--engine-refresh-max-interval",
        "2s",
        "--engine-failure-retry",
        "2",
        "--timeout",
        "2s",
        "--heartbeat",
        "1s",
    ])
    .args(extra);
    (Manager::spawn(s, c, &format!("127.0.0.1:{port}")), port)
}

/// The docker CLI pointed at the manager with the store's client certificate.
pub(crate) fn via(s: &TestStore, port: u16) -> impl Fn(&[&str]) -> Output + '_ {
    move |args: &[&str]| {
        StdCommand::new("docker")
            .env_remove("DOCKER_CONTEXT")
            .env("DOCKER_HOST", format!("tcp://127.0.0.1:{port}"))
            .env("DOCKER_TLS_VERIFY", "1")
            .env("DOCKER_CERT_PATH", s.path().join("certs"))
            .args(args)
            .output()
            .expect("docker")
    }
}

/// One raw HTTPS request to the manager (curl with the store's client certificate).
pub(crate) fn raw(s: &TestStore, port: u16, args: &[&str], path: &str) -> (u16, String) {
    let certs = s.path().join("certs");
    let o = StdCommand::new("curl")
        .args(["-s", "--path-as-is", "-o", "-", "-w", "\n%{http_code}"])
        .arg("--cacert")
        .arg(certs.join("ca.pem"))
        .arg("--cert")
        .arg(certs.join("cert.pem"))
        .arg("--key")
        .arg(certs.join("key.pem"))
        .args(args)
        .arg(format!("https://127.0.0.1:{port}{path}"))
        .output()
        .expect("curl (apt-get install curl)");
    let out = stdout(&o);
    let (body, code) = out.rsplit_once('\n').unwrap_or(("", "0"));
    (code.trim().parse().unwrap_or(0), body.to_string())
}

#[test]
fn the_model_follows_containers_changed_on_the_engines_and_lookups_hold() {
    let (s, _) = crate::cluster::swarm_store();
    let mut c = Cleanup::new();
    let (manager, port) = manage(&s, "swarm-master", &[]);
    let docker = via(&s, port);
    let backend2 = engine("backend2");

    // Started on the engine directly, not through the manager: in the manager's list.
    let direct = c.name("direct");
    let o = engine_docker(&backend2)
        .args([
            "run",
            "-d",
            "--name",
            &direct,
            "-l",
            "flotilla-testbed=1",
            "flotilla-busybox",
            "sleep",
            "300",
        ])
        .output()
        .expect("docker");
    assert!(o.status.success(), "{}", stderr(&o));
    let listed = |name: &str| {
        let o = docker(&["ps", "-a", "--format", "{{.Names}} {{.Status}}"]);
        stdout(&o)
            .lines()
            .find(|l| l.starts_with(&format!("backend2/{name} ")))
            .map(str::to_string)
    };
    eventually(
        "a container started on an engine is listed",
        Duration::from_secs(10),
        || match listed(&direct) {
            Some(l) if l.contains(" Up ") => None,
            other => Some(format!("{other:?}")),
        },
    );
    // Removed on the engine: gone from the list.
    let o = engine_docker(&backend2)
        .args(["rm", "-f", &direct])
        .output()
        .expect("docker");
    assert!(o.status.success(), "{}", stderr(&o));
    eventually(
        "a removed container leaves the list",
        Duration::from_secs(10),
        || listed(&direct).map(|l| l.to_string()),
    );

    // A container named like a node is found by its name (not taken as `NODE/…`).
    let o = docker(&[
        "run",
        "-d",
        "--name",
        "backend1",
        "-l",
        "flotilla-testbed=1",
        "-e",
        "constraint:node==backend2",
        "flotilla-busybox",
        "sh",
        "-c",
        "echo named-like-a-node; sleep 300",
    ]);
    let named_like_node = o.status.success();
    // Removed whatever happens below (the Cleanup only knows suffixed names).
    struct RmNodeNamed<'a>(&'a crate::support::Engine);
    impl Drop for RmNodeNamed<'_> {
        fn drop(&mut self) {
            let _ = engine_docker(self.0)
                .args(["rm", "-f", "backend1"])
                .output();
        }
    }
    let _rm = RmNodeNamed(&backend2);
    assert!(named_like_node, "{}", stderr(&o));
    eventually(
        "logs of a container named like a node",
        Duration::from_secs(10),
        || {
            let o = docker(&["logs", "backend1"]);
            (!stdout(&o).contains("named-like-a-node"))
                .then(|| format!("{} {}", stdout(&o), stderr(&o)))
        },
    );
    let o = docker(&["inspect", "-f", "{{.Node.Name}}", "backend2/backend1"]);
    assert_eq!(stdout(&o).trim(), "backend2", "{}", stderr(&o));

    // The lookup table through raw HTTP.
    let (code, body) = raw(&s, port, &[], "/containers//json");
    assert_eq!(code, 404, "an empty ID names nothing: {body}");
    assert!(
        body.contains("No such container") || body.contains("not a container call"),
        "{body}"
    );
    let (code, body) = raw(
        &s,
        port,
        &[],
        "/v1.41/containers/backend1/../../images/json",
    );
    assert_eq!(code, 404, "`..` segments never reach an engine: {body}");
    assert!(body.contains("is not a container call"), "{body}");
    let (code, body) = raw(&s, port, &["-X", "POST"], "/containers/backend1/prune");
    assert_eq!(code, 404, "{body}");
    let (code, body) = raw(
        &s,
        port,
        &[
            "-X",
            "POST",
            "-H",
            "Content-Type: text/plain",
            "--data",
            r#"{"Image":"flotilla-busybox"}"#,
        ],
        "/containers/create",
    );
    assert_eq!(code, 400, "create takes JSON only: {body}");
    assert!(body.contains("must be 'application/json'"), "{body}");
    let (code, body) = raw(
        &s,
        port,
        &[
            "-X",
            "POST",
            "-H",
            "Content-Type: application/x-www-form-urlencoded",
            "--data",
            "Image=flotilla-busybox",
        ],
        "/containers/create",
    );
    assert_eq!(code, 400, "{body}");
    let (code, body) = raw(&s, port, &[], "/containers/backend1/json");
    assert_eq!(code, 200, "{body}");

    // `flotilla ps` asks the running manager's model.
    let o = s.run(&["ps", "-a"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("backend1"), "{}", stdout(&o));
    assert!(manager.stop().status.success());
}

#[test]
fn an_engine_that_hangs_or_dies_is_unhealthy_and_comes_back() {
    let lost = PrivateEngine::up(21, &format!("lost{}", suffix()), "");
    let s = TestStore::with_testbed_certs();
    let token = token(&s);
    let master = engine("swarm-master");
    join(
        &s,
        &master.url(),
        "swarm-master",
        &token,
        true,
        &master
            .label_flags()
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    join(&s, &lost.url(), &lost.name, &token, false, &[]);
    let mut c = Cleanup::new();
    let (manager, port) = manage(&s, "swarm-master", &[]);
    let docker = via(&s, port);
    let block = |info: &str, node: &str| -> String {
        // The node's lines of classic's block: from " NODE: addr" to the next node.
        let mut out = String::new();
        let mut on = false;
        for l in info.lines() {
            if l.trim_start().starts_with(&format!("{node}: ")) && !l.contains('└') {
                on = true;
            } else if on && !l.contains('└') {
                break;
            }
            if on {
                out.push_str(l);
                out.push('\n');
            }
        }
        out
    };
    let status_of = |node: &str| {
        let o = docker(&["info"]);
        block(&stdout(&o), node)
    };
    eventually(
        "the private engine is Healthy",
        Duration::from_secs(20),
        || {
            let b = status_of(&lost.name);
            (!b.contains("Status: Healthy")).then_some(b)
        },
    );

    // A container on it, started behind the manager's back.
    let kept = format!("kept-{}", suffix());
    let o = lost
        .docker()
        .args([
            "run",
            "-d",
            "--name",
            &kept,
            "flotilla-busybox",
            "sleep",
            "600",
        ])
        .output()
        .expect("docker");
    assert!(o.status.success(), "{}", stderr(&o));
    eventually("listed", Duration::from_secs(10), || {
        let o = docker(&["ps", "--format", "{{.Names}}"]);
        (!stdout(&o).contains(&format!("{}/{kept}", lost.name))).then(|| stdout(&o))
    });

    // SIGSTOP: the node goes Unhealthy within the retries, and says why.
    lost.signal("STOP");
    eventually("Unhealthy after SIGSTOP", Duration::from_secs(60), || {
        let b = status_of(&lost.name);
        (!(b.contains("Status: Unhealthy") && b.contains("Error:"))).then_some(b)
    });
    // Its containers stay listed with their last known state; calls about them say why.
    let o = docker(&["ps", "-a", "--format", "{{.Names}} {{.Status}}"]);
    assert!(
        stdout(&o).contains(&format!("{}/{kept} Host Down", lost.name)),
        "{}",
        stdout(&o)
    );
    let o = docker(&["inspect", &kept]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("running on unhealthy node"),
        "{}",
        stderr(&o)
    );
    let o = docker(&["logs", &kept]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains(&format!("running on unhealthy node {}", lost.name)),
        "{}",
        stderr(&o)
    );
    // The scheduler stops choosing it; the rest of the swarm answers as usual.
    let o = docker(&[
        "run",
        "-d",
        "-e",
        &format!("constraint:node=={}", lost.name),
        "flotilla-busybox",
        "true",
    ]);
    assert!(!o.status.success(), "placed on an Unhealthy node");
    let elsewhere = c.name("elsewhere");
    let o = docker(&[
        "run",
        "-d",
        "--name",
        &elsewhere,
        "-l",
        "flotilla-testbed=1",
        "flotilla-busybox",
        "sleep",
        "60",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = docker(&["inspect", "-f", "{{.Node.Name}}", &elsewhere]);
    assert_eq!(stdout(&o).trim(), "swarm-master", "{}", stderr(&o));
    let o = s.run(&["info"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("Unhealthy"),
        "flotilla info shows the model's states: {}",
        stdout(&o)
    );

    // SIGKILL, then a new dockerd on the same data: Healthy again, its containers back.
    lost.signal("KILL");
    lost.start("");
    eventually(
        "Healthy again after a restart",
        Duration::from_secs(60),
        || {
            let b = status_of(&lost.name);
            (!b.contains("Status: Healthy")).then_some(b)
        },
    );
    eventually("its containers are back", Duration::from_secs(20), || {
        let o = docker(&["ps", "-a", "--format", "{{.Names}} {{.Status}}"]);
        let line = stdout(&o)
            .lines()
            .find(|l| l.starts_with(&format!("{}/{kept} ", lost.name)))
            .map(str::to_string);
        match line {
            Some(l) if !l.contains("Host Down") => None,
            other => Some(format!("{other:?}")),
        }
    });
    // Classic's events for each transition.
    let o = docker(&[
        "events",
        "--since",
        "0",
        // A second past now: `--until` is whole seconds, and the reconnect may have happened
        // within the current one.
        "--until",
        &format!("{}", unix_now() + 2),
        "--filter",
        "type=swarm",
        "--format",
        "{{.Action}} {{index .Actor.Attributes \"node.name\"}}",
    ]);
    let events = stdout(&o);
    for action in ["engine_connect", "engine_disconnect", "engine_reconnect"] {
        assert!(
            events.contains(&format!("{action} {}", lost.name)),
            "{action}: {events} {}",
            stderr(&o)
        );
    }
    assert!(manager.stop().status.success());
}

pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

#[test]
fn a_member_added_to_file_discovery_becomes_a_node() {
    let s = TestStore::with_testbed_certs();
    let dir = tempfile::tempdir().expect("tempdir");
    let list = dir.path().join("members");
    std::fs::write(&list, "10.77.0.11:2376\n").expect("list");
    let url = format!("file://{}", list.display());
    let (manager, port) = manage(&s, &url, &[]);
    let docker = via(&s, port);
    let o = docker(&["info"]);
    assert!(stdout(&o).contains("Nodes: 1"), "{}", stdout(&o));
    std::fs::write(&list, "10.77.0.11:2376\n10.77.0.14:2376\n").expect("list");
    eventually(
        "the new member is a Healthy node",
        Duration::from_secs(30),
        || {
            let o = docker(&["info"]);
            let info = stdout(&o);
            (!(info.contains("Nodes: 2")
                && info.contains("10.77.0.14:2376")
                && info.matches("Status: Healthy").count() == 2))
                .then_some(info)
        },
    );
    std::fs::write(&list, "10.77.0.14:2376\n").expect("list");
    eventually("a removed member leaves", Duration::from_secs(30), || {
        let o = docker(&["info"]);
        let info = stdout(&o);
        (!info.contains("Nodes: 1")).then_some(info)
    });
    assert!(manager.stop().status.success());
}

#[test]
fn runs_and_manager_creates_race_for_one_container_slot() {
    let slot = PrivateEngine::up(22, &format!("slot{}", suffix()), "");
    let s = TestStore::with_testbed_certs();
    let token = token(&s);
    join(
        &s,
        &slot.url(),
        "slotted",
        &token,
        true,
        &["--engine-label", "containerslots=1"],
    );
    let (manager, port) = manage(&s, "slotted", &[]);
    let names: Vec<String> = (0..6).map(|i| format!("race{i}-{}", suffix())).collect();
    let mut children = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let mut cmd = if i % 2 == 0 {
            let mut c = StdCommand::new(bin());
            c.env("FLOTILLA_STORAGE_PATH", s.path())
                .env("NO_COLOR", "1")
                .env_remove("FLOTILLA_SWARM")
                .args([
                    "run",
                    "-d",
                    "--swarm",
                    "slotted",
                    "--name",
                    n,
                    "flotilla-busybox",
                    "sleep",
                    "60",
                ]);
            c
        } else {
            let mut c = StdCommand::new("docker");
            c.env_remove("DOCKER_CONTEXT")
                .env("DOCKER_HOST", format!("tcp://127.0.0.1:{port}"))
                .env("DOCKER_TLS_VERIFY", "1")
                .env("DOCKER_CERT_PATH", s.path().join("certs"))
                .args(["run", "-d", "--name", n, "flotilla-busybox", "sleep", "60"]);
            c
        };
        children.push(
            cmd.stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn"),
        );
    }
    let outs: Vec<Output> = children
        .into_iter()
        .map(|ch| ch.wait_with_output().expect("wait"))
        .collect();
    let won: Vec<usize> = (0..outs.len())
        .filter(|&i| outs[i].status.success())
        .collect();
    assert_eq!(
        won.len(),
        1,
        "exactly one of three `flotilla run` and three `docker run` wins: {:?}",
        outs.iter().map(stderr).collect::<Vec<_>>()
    );
    for o in outs.iter().filter(|o| !o.status.success()) {
        assert!(
            stderr(o).contains("available container slots"),
            "{}",
            stderr(o)
        );
    }
    let o = slot.docker().args(["ps", "-aq"]).output().expect("docker");
    assert_eq!(stdout(&o).lines().count(), 1, "one container on the engine");
    assert!(manager.stop().status.success());
}
