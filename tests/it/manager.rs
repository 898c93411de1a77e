//! The manager with the real `docker` CLI: `flotilla manage` runs in the swarm master's network
//! namespace (as it would on the master host) and listens on 10.77.0.11:3376, where
//! `flotilla env --swarm swarm-master` points the CLI.

use std::process::{Child, Command as StdCommand, Output, Stdio};
use std::time::{Duration, Instant};

use crate::cluster::{Cleanup, docker as engine_docker, node_of, suffix, swarm_store};
use crate::support::*;

/// The manager process; stopped with SIGTERM when dropped.
pub(crate) struct Manager(Option<Child>);

impl Manager {
    /// In the master's namespace, on the address the master's record names.
    fn start(s: &TestStore) -> Manager {
        let mut c = StdCommand::new("ip");
        c.args(["netns", "exec", "fl-n1"]).arg(bin());
        c.args(["manage", "--swarm", "swarm-master"]);
        Manager::spawn(s, c, "10.77.0.11:3376")
    }

    /// Here, on loopback.
    pub(crate) fn start_local(s: &TestStore, port: u16) -> Manager {
        let mut c = StdCommand::new(bin());
        let host = format!("tcp://127.0.0.1:{port}");
        c.args(["manage", "--swarm", "swarm-master", "-H", &host]);
        Manager::spawn(s, c, &format!("127.0.0.1:{port}"))
    }

    pub(crate) fn spawn(s: &TestStore, mut c: StdCommand, listen: &str) -> Manager {
        let addr: std::net::SocketAddr = listen.parse().expect("addr");
        assert!(
            std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err(),
            "something already listens on {addr} (a manager left running?)"
        );
        let child = c
            .env("FLOTILLA_STORAGE_PATH", s.path())
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the manager");
        let mut m = Manager(Some(child));
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            // Listening, and this process (not a leftover one) is the listener.
            if let Some(status) = m.0.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                let out =
                    m.0.take()
                        .expect("child")
                        .wait_with_output()
                        .expect("output");
                panic!("the manager exited ({status}): {}", stderr(&out));
            }
            if std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                break;
            }
            assert!(Instant::now() < deadline, "the manager did not listen");
            std::thread::sleep(Duration::from_millis(100));
        }
        m
    }

    /// The process ID (the order `ManagerRecord`s list managers in).
    pub(crate) fn pid(&self) -> u32 {
        self.0.as_ref().map(Child::id).expect("running")
    }

    /// Sends a signal (`STOP`, `CONT`, …) to the manager.
    pub(crate) fn signal(&self, sig: &str) {
        let st = StdCommand::new("kill")
            .args([&format!("-{sig}"), &self.pid().to_string()])
            .status()
            .expect("kill");
        assert!(st.success(), "kill -{sig}");
    }

    /// SIGTERM, then the exit status and stderr.
    pub(crate) fn stop(mut self) -> Output {
        let child = self.0.take().expect("running");
        let _ = StdCommand::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        child.wait_with_output().expect("manager output")
    }
}

impl Drop for Manager {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The docker CLI with the variables `flotilla env --swarm swarm-master` prints.
pub(crate) fn docker_via<'a>(
    s: &'a TestStore,
    expected_host: &str,
) -> impl Fn(&[&str]) -> StdCommand + 'a {
    let o = s.run(&["env", "--swarm", "swarm-master"]);
    assert!(o.status.success(), "env --swarm: {}", stderr(&o));
    let vars: Vec<(String, String)> = stdout(&o)
        .lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim_matches('"').to_string()))
        .collect();
    assert!(
        vars.iter()
            .any(|(k, v)| k == "DOCKER_HOST" && v == expected_host),
        "{vars:?}"
    );
    move |args: &[&str]| {
        let mut c = StdCommand::new("docker");
        c.env_remove("DOCKER_CONTEXT");
        for (k, v) in &vars {
            c.env(k, v);
        }
        c.args(args);
        c
    }
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn the_docker_cli_drives_the_swarm_through_the_manager() {
    let (s, _) = swarm_store();
    let mut c = Cleanup::new();
    let manager = Manager::start(&s);
    let docker_cmd = docker_via(&s, "tcp://10.77.0.11:3376");
    let docker = |args: &[&str]| docker_cmd(args).output().expect("docker");

    // `docker info`: the swarm, with classic Swarm's node block.
    let o = docker(&["info"]);
    let info = stdout(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(info.contains("Server Version: flotilla/"), "{info}");
    assert!(info.contains("Nodes: 4"), "{info}");
    assert!(info.contains("backend1: 10.77.0.13:2376"), "{info}");
    assert!(info.contains("Strategy: spread"), "{info}");

    // The seed post's placement, with the plain CLI.
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs()
    };
    let since = now().to_string();
    let redis = c.name("redis");
    let o = docker(&[
        "run",
        "-d",
        "--name",
        &redis,
        "-l",
        "flotilla-testbed=1",
        "-e",
        "constraint:public!=yes",
        "-e",
        "constraint:model==high-memory",
        "flotilla-busybox",
        "sh",
        "-c",
        "echo ready; sleep 300",
    ]);
    assert!(o.status.success(), "run -d: {}", stderr(&o));
    assert_eq!(
        stdout(&o).trim().len(),
        64,
        "the container ID: {}",
        stdout(&o)
    );
    assert_eq!(node_of(&s, &redis), "backend1");
    let o = docker(&[
        "ps",
        "--filter",
        &format!("name={redis}"),
        "--format",
        "{{.Names}}",
    ]);
    assert_eq!(
        stdout(&o).trim(),
        format!("backend1/{redis}"),
        "{}",
        stderr(&o)
    );

    // `docker events`: every engine's stream, each event with its node.
    let until = (now() + 1).to_string();
    let o = docker(&[
        "events",
        "--since",
        &since,
        "--until",
        &until,
        "--filter",
        &format!("container={redis}"),
        "--format",
        "{{.Action}} {{index .Actor.Attributes \"node.name\"}}",
    ]);
    let events = stdout(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(events.contains("create backend1"), "{events}");
    assert!(events.contains("start backend1"), "{events}");

    // `--link` / affinity: the counter goes beside it.
    let counter = c.name("counter");
    let o = docker(&[
        "run",
        "-d",
        "--name",
        &counter,
        "-l",
        "flotilla-testbed=1",
        "--link",
        &redis,
        "-p",
        "80",
        "-e",
        &format!("affinity:container==*{redis}*"),
        "flotilla-busybox",
        "sleep",
        "300",
    ]);
    assert!(o.status.success(), "run --link: {}", stderr(&o));
    assert_eq!(node_of(&s, &counter), "backend1");
    // Published on every interface: shown with the engine's IP, in ps and in inspect, which also
    // carries classic Swarm's Node object.
    let o = docker(&[
        "ps",
        "--filter",
        &format!("name={counter}"),
        "--format",
        "{{.Ports}}",
    ]);
    assert!(
        stdout(&o).contains("10.77.0.13:"),
        "{} {}",
        stdout(&o),
        stderr(&o)
    );
    let o = docker(&[
        "inspect",
        "-f",
        "{{.Node.Name}} {{.Node.IP}} {{(index (index .NetworkSettings.Ports \"80/tcp\") 0).HostIp}}",
        &counter,
    ]);
    assert_eq!(
        stdout(&o).trim(),
        "backend1 10.77.0.13 10.77.0.13",
        "{}",
        stderr(&o)
    );

    // Calls about one container go to its engine: logs, exec, inspect, by name or NODE/NAME.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let o = docker(&["logs", &redis]);
        if stdout(&o).contains("ready") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "logs: {} {}",
            stdout(&o),
            stderr(&o)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let o = docker(&["exec", &redis, "sh", "-c", "echo in-exec; exit 4"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert_eq!(stdout(&o), "in-exec\n");
    let o = docker(&[
        "inspect",
        "-f",
        "{{.State.Status}}",
        &format!("backend1/{redis}"),
    ]);
    assert_eq!(stdout(&o).trim(), "running", "{}", stderr(&o));

    // In the foreground: output, stdin and the exit code through the hijacked stream.
    let fg = c.name("fg");
    let o = docker(&[
        "run",
        "--rm",
        "--name",
        &fg,
        "-l",
        "flotilla-testbed=1",
        "-e",
        "constraint:node==backend2",
        "flotilla-busybox",
        "sh",
        "-c",
        "echo out; echo err >&2; exit 3",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(stdout(&o), "out\n");
    assert!(stderr(&o).contains("err"), "{}", stderr(&o));
    let o = {
        let mut p = docker_cmd(&[
            "run",
            "-i",
            "--rm",
            "-l",
            "flotilla-testbed=1",
            "flotilla-busybox",
            "tr",
            "a-z",
            "A-Z",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("docker run -i");
        use std::io::Write;
        p.stdin
            .take()
            .expect("stdin")
            .write_all(b"piped\n")
            .expect("write");
        p.wait_with_output().expect("output")
    };
    assert_eq!(stdout(&o), "PIPED\n", "{}", stderr(&o));

    // Errors come back as the engine's or the scheduler's, and the CLI exits 1 (125 for run).
    let o = docker(&["run", "-d", "--name", &redis, "flotilla-busybox", "true"]);
    assert!(!o.status.success(), "{}", stdout(&o));
    assert!(stderr(&o).contains("is already assigned"), "{}", stderr(&o));
    let o = docker(&[
        "run",
        "-d",
        "-e",
        "constraint:model==quantum",
        "flotilla-busybox",
        "true",
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("Unable to find a node that satisfies the following conditions"),
        "{}",
        stderr(&o)
    );
    let o = docker(&["plugin", "ls"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("is not supported"), "{}", stderr(&o));

    // Listings across the swarm, as classic Swarm answered them: local networks and volumes as
    // NODE/NAME, images once per image ID.
    let o = docker(&["network", "ls", "--format", "{{.Name}}"]);
    let nets = stdout(&o);
    assert!(
        nets.lines().any(|l| l == "backend1/bridge"),
        "{nets} {}",
        stderr(&o)
    );
    assert!(nets.lines().any(|l| l == "swarm-master/host"), "{nets}");
    let vol = format!("vol-{}", suffix());
    let backend2 = engines()
        .into_iter()
        .find(|e| e.name == "backend2")
        .expect("backend2");
    assert!(
        engine_docker(&backend2)
            .args(["volume", "create", &vol])
            .output()
            .expect("volume")
            .status
            .success()
    );
    // The model learns of it from backend2's event stream: a moment later.
    crate::model::eventually(
        "the volume made on backend2 listed",
        Duration::from_secs(10),
        || {
            let o = docker(&["volume", "ls", "--format", "{{.Name}}"]);
            let listed = stdout(&o).lines().any(|l| l == format!("backend2/{vol}"));
            (!listed).then(|| format!("{} {}", stdout(&o), stderr(&o)))
        },
    );
    let _ = engine_docker(&backend2)
        .args(["volume", "rm", &vol])
        .output();
    let o = docker(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    let busybox = stdout(&o)
        .lines()
        .filter(|l| *l == "flotilla-busybox:latest")
        .count();
    assert_eq!(
        busybox,
        1,
        "the same image on 4 engines is listed once: {}",
        stdout(&o)
    );

    // Removed through the manager.
    let o = docker(&["rm", "-f", &counter, &redis]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = s.run(&["ps", "-a", "-q", "--filter", &format!("name={redis}")]);
    assert_eq!(stdout(&o), "");

    let o = manager.stop();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("manager stopped"), "{}", stderr(&o));

    // A manager that does not run on the master (a laptop's, on loopback): `env --swarm`
    // finds it through the record it keeps in the store while it runs.
    let local = Manager::start_local(&s, 3377);
    let docker_cmd = docker_via(&s, "tcp://127.0.0.1:3377");
    let docker = |args: &[&str]| docker_cmd(args).output().expect("docker");
    let o = docker(&["info"]);
    assert!(
        stdout(&o).contains("Nodes: 4"),
        "{} {}",
        stdout(&o),
        stderr(&o)
    );
    assert!(local.stop().status.success());
    let o = s.run(&["env", "--swarm", "swarm-master"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("is the manager started"),
        "{}",
        stderr(&o)
    );
}
