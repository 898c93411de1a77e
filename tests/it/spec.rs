//! Cluster files (`flotilla up`) on the `docker` driver with the images of
//! `scripts/demo-images`, and the manager `create --swarm-master` installs on a generic SSH
//! host. Machines are containers on the local engine, named uniquely per test.

use std::io::{Read, Write};
use std::process::Command as StdCommand;
use std::time::Duration;

use crate::support::{TestStore, stderr, stdout};
use crate::support_drivers::{self as support, Env, SshHost, output_text, sh};

const IMAGES: [&str; 3] = [
    "flotilla-node:latest",
    "flotilla-nginx:latest",
    "flotilla-seed-app:latest",
];

fn require_images() {
    support::require_testbed();
    for i in IMAGES {
        let ok = StdCommand::new("docker")
            .args(["image", "inspect", i])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        assert!(
            ok,
            "prerequisite missing: image {i}; build it with scripts/demo-images (scripts/test does)"
        );
    }
}

/// A three-machine cluster: master, a public frontend with the proxy, a backend with a store
/// and a counter placed by constraint and link.
fn cluster_file(p: &str, backend_labels: &str, web_env: &str) -> String {
    format!(
        r#"name: {p}
images: [flotilla-seed-app:latest, flotilla-nginx:latest]
defaults:
  driver: docker
  docker: {{image: "flotilla-node:latest"}}
machines:
  {p}-m: {{labels: {{public: "no"}}}}
  {p}-f: {{labels: {{public: "yes"}}}}
  {p}-b: {{labels: {backend_labels}}}
swarm: {{master: {p}-m}}
proxy: {{node: {p}-f, image: "flotilla-nginx:latest", https: 0}}
containers:
  store:
    image: flotilla-seed-app:latest
    command: [store]
    constraints: ["model==high-memory"]
  web:
    image: flotilla-seed-app:latest
    command: [counter]
    ports: ["80"]
    links: ["store:redis"]
    env: [{web_env}]
"#
    )
}

/// One GET through nginx with a Host header; the body.
fn get(ip: &str, host: &str) -> String {
    let mut s = std::net::TcpStream::connect((ip, 80)).expect("connect to nginx");
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    write!(
        s,
        "GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    out
}

/// Engine events since `since` (a unix time) on a machine's own engine.
fn events_since(env: &TestStore, machine: &str, since: &str) -> String {
    let mut c = docker_env(env, machine, false);
    sh(c.args([
        "events",
        "--since",
        since,
        // A second past now: `--until` is whole seconds, and `since` may lie within the current one.
        "--until",
        &(crate::model::unix_now() + 2).to_string(),
        "--format",
        "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}",
    ]))
}

/// The docker CLI pointed at a machine (or, with `swarm`, its manager).
fn docker_env(env: &TestStore, machine: &str, swarm: bool) -> StdCommand {
    let mut args = vec!["env", machine, "--shell", "bash"];
    if swarm {
        args.insert(1, "--swarm");
    }
    let out = env.run(&args);
    assert!(out.status.success(), "env: {}", output_text(&out));
    let mut c = StdCommand::new("docker");
    for line in stdout(&out).lines() {
        if let Some(rest) = line.strip_prefix("export ")
            && let Some((k, v)) = rest.split_once('=')
        {
            c.env(k, v.trim_matches('"'));
        }
    }
    c
}

fn now(env: &TestStore, machine: &str) -> String {
    // The engine's clock (the node's), as docker events reads --since.
    let mut c = docker_env(env, machine, false);
    let t = sh(c.args(["info", "--format", "{{.SystemTime}}"]));
    t.trim().to_string()
}

fn ids(env: &TestStore, master: &str) -> Vec<String> {
    let mut c = docker_env(env, master, true);
    let mut v: Vec<String> = sh(c.args(["ps", "-a", "--format", "{{.Names}} {{.ID}}"]))
        .lines()
        .filter(|l| !l.contains("flotilla-proxy"))
        .map(String::from)
        .collect();
    v.sort();
    v
}

/// The ID of container `name` on the backend, from `NAMES ID` lines (names comma-separated).
fn id_of(lines: &[String], p: &str, name: &str) -> String {
    let want = format!("{p}-b/{name}");
    lines
        .iter()
        .filter_map(|l| l.split_once(' '))
        .find(|(names, _)| names.split(',').any(|n| n == want))
        .map(|(_, id)| id.to_string())
        .unwrap_or_default()
}

struct Down<'a> {
    env: &'a TestStore,
    file: std::path::PathBuf,
}

impl Drop for Down<'_> {
    fn drop(&mut self) {
        let _ = self
            .env
            .cmd()
            .arg("down")
            .arg("-f")
            .arg(&self.file)
            .output();
    }
}

#[test]
fn up_converges_a_three_machine_cluster_and_down_removes_it() {
    require_images();
    let env = TestStore::empty();
    let p = support::unique("sp").replace('-', "");
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("cluster.yaml");
    let labels = r#"{public: "no", model: high-memory}"#;
    let host = format!("{p}.docker");
    let web_env = format!("STORE=redis:6379, VIRTUAL_HOST={host}");
    std::fs::write(&file, cluster_file(&p, labels, &web_env)).unwrap();
    let _down = Down {
        env: &env,
        file: file.clone(),
    };
    let f = file.to_str().unwrap();

    // From nothing: every machine, the manager, the proxy, both containers.
    let out = env.run(&["up", "-f", f]);
    assert!(out.status.success(), "up: {}", output_text(&out));
    let master = format!("{p}-m");
    let ls = stdout(&env.run(&["ls", "-q"]));
    for m in ["m", "f", "b"] {
        assert!(ls.lines().any(|l| l == format!("{p}-{m}")), "{ls}");
    }
    let fip = stdout(&env.run(&["ip", &format!("{p}-f")]))
        .trim()
        .to_string();
    let a = get(&fip, &host);
    let b = get(&fip, &host);
    assert!(a.contains(": 1 hits"), "{a}");
    assert!(b.contains(": 2 hits"), "{b}");
    let placed = ids(&env, &master);
    assert!(!id_of(&placed, &p, "store").is_empty(), "{placed:?}");
    assert!(!id_of(&placed, &p, "web").is_empty(), "{placed:?}");

    // Again: nothing to change, and no engine was asked to change anything.
    let since: Vec<(String, String)> = ["m", "f", "b"]
        .iter()
        .map(|m| (format!("{p}-{m}"), now(&env, &format!("{p}-{m}"))))
        .collect();
    let outer_since = sh(StdCommand::new("docker").args(["info", "--format", "{{.SystemTime}}"]));
    let out = env.run(&["up", "-f", f]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(
        stderr(&out).contains(&format!("{p}: nothing to change")),
        "{}",
        output_text(&out)
    );
    for (m, t) in &since {
        let ev = events_since(&env, m, t);
        assert!(
            ev.trim().is_empty(),
            "events on {m}'s engine during a no-op up: {ev}"
        );
    }
    let outer = sh(StdCommand::new("docker").args([
        "events",
        "--since",
        outer_since.trim(),
        // A second past now: `--until` is whole seconds, and `since` may lie within the current one.
        "--until",
        &(crate::model::unix_now() + 2).to_string(),
        "--filter",
        &format!("label=flotilla.store={}", env.path().display()),
        "--format",
        "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}",
    ]));
    assert!(
        outer.trim().is_empty(),
        "events on the node containers during a no-op up: {outer}"
    );

    // A label and an env changed: the dry run names exactly those two steps.
    let labels2 = r#"{public: "no", model: high-memory, zone: a}"#;
    let web_env2 = format!("STORE=redis:6379, VIRTUAL_HOST={host}, A=1");
    std::fs::write(&file, cluster_file(&p, labels2, &web_env2)).unwrap();
    let out = env.run(&["up", "-f", f, "--dry-run"]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "change machine {p}-b: provision again: labels +zone=a\nrecreate container web: its definition changed\n"
        )
    );
    let before = ids(&env, &master);
    let out = env.run(&["up", "-f", f]);
    assert!(out.status.success(), "{}", output_text(&out));
    let after = ids(&env, &master);
    assert_eq!(
        id_of(&before, &p, "store"),
        id_of(&after, &p, "store"),
        "the store was left alone"
    );
    assert_ne!(
        id_of(&before, &p, "web"),
        id_of(&after, &p, "web"),
        "web was recreated"
    );
    // The scheduler sees the new label.
    let out = env.run(&[
        "run",
        "--swarm",
        &master,
        "--dry-run",
        "-e",
        "constraint:zone==a",
        "flotilla-seed-app:latest",
    ]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(
        stdout(&out).contains(&format!("\"{p}-b\"")),
        "{}",
        output_text(&out)
    );
    let c = get(&fip, &host);
    assert!(
        c.contains(" hits"),
        "the recreated counter answers through the proxy: {c}"
    );

    // A broken file: one error with its place, exit 2, nothing touched.
    std::fs::write(
        &file,
        format!("name: {p}\nmachines:\n  x:\n    lables: {{}}\n"),
    )
    .unwrap();
    let out = env.run(&["up", "-f", f]);
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
    let err = stderr(&out);
    assert!(
        err.contains("cluster.yaml:4:5: unknown field `lables`"),
        "{err}"
    );
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{err}"
    );
    assert_eq!(stdout(&env.run(&["ls", "-q"])), ls, "nothing was touched");

    // Down removes everything up made.
    std::fs::write(&file, cluster_file(&p, labels2, &web_env2)).unwrap();
    let out = env.run(&["down", "-f", f]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(stdout(&env.run(&["ls", "-q"])), "");
    let left = sh(StdCommand::new("docker").args([
        "ps",
        "-a",
        "--filter",
        &format!("label=flotilla.store={}", env.path().display()),
        "--format",
        "{{.Names}}",
    ]));
    assert!(left.trim().is_empty(), "{left}");
}

#[test]
fn create_swarm_master_runs_the_manager_on_a_generic_host() {
    support::require_testbed();
    let env = Env::new();
    let key = support::keypair(env.dir.path(), "id_master");
    let host = SshHost::start("master", &key.with_extension("pub"));
    let token = stdout(&env.cmd().args(["token", "create"]).output().unwrap())
        .trim()
        .to_string();
    let out = env
        .cmd()
        .args(["create", "-d", "generic", "--generic-ip-address", &host.ip])
        .arg("--generic-ssh-key")
        .arg(&key)
        .args(["--swarm", "--swarm-master", "--swarm-discovery"])
        .arg(format!("token://{token}"))
        .args(["--engine-label", "public=no", "gm1"])
        .output()
        .unwrap();
    assert!(out.status.success(), "create: {}", output_text(&out));
    // The host's init system (SysV here) runs it, from the uploaded binary.
    let pid = host.exec("cat /var/run/flotilla-manager.pid");
    assert!(
        host.try_exec(&format!("kill -0 {}", pid.trim()))
            .status
            .success()
    );
    assert!(host.exec("ls /etc/init.d").contains("flotilla-manager"));
    assert!(
        host.try_exec("test -e /var/lib/flotilla/certs/ca-key.pem")
            .status
            .code()
            == Some(1),
        "the CA's key never leaves the store"
    );
    // No manual step: env --swarm and the real docker CLI reach it.
    let out = env.cmd().args(["env", "--swarm", "gm1"]).output().unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(
        stdout(&out).contains(&format!("DOCKER_HOST=\"tcp://{}:3376\"", host.ip)),
        "{}",
        output_text(&out)
    );
    let info = sh(env
        .docker_for("gm1")
        .env("DOCKER_HOST", format!("tcp://{}:3376", host.ip))
        .args([
            "info",
            "--format",
            "{{.ServerVersion}} {{json .SystemStatus}}",
        ]));
    assert!(info.starts_with("flotilla/"), "{info}");
    assert!(info.contains("gm1"), "{info}");
    let st = env.cmd().args(["manage", "status"]).output().unwrap();
    assert!(st.status.success(), "{}", output_text(&st));
    assert!(
        stdout(&st).contains("answers (flotilla/"),
        "{}",
        output_text(&st)
    );
    // A second provision uploads nothing new and keeps it answering.
    let out = env.cmd().args(["provision", "gm1"]).output().unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(
        !stderr(&out).contains("the manager's binary"),
        "{}",
        output_text(&out)
    );
    // rm stops it and removes its files.
    let out = env.cmd().args(["rm", "-y", "gm1"]).output().unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(
        !host
            .try_exec(&format!("kill -0 {}", pid.trim()))
            .status
            .success(),
        "stopped"
    );
    assert!(!host.try_exec("test -e /var/lib/flotilla").status.success());
    assert!(
        !host
            .try_exec("test -e /etc/init.d/flotilla-manager")
            .status
            .success()
    );
}

/// Issue 12, item 4: `create --swarm-master` on two generic hosts of one etcd swarm. The first
/// decides alone until the second joins; then both run elected managers (`--replication
/// --advertise IP:3376`): exactly one `Role: primary`, the other a replica naming it, and
/// `env --swarm` on either master points at the primary.
#[test]
fn two_masters_of_one_etcd_swarm_run_one_primary_and_one_replica() {
    support::require_testbed();
    support::ensure_network();
    // On the hosts' bridge: the managers on the hosts reach it there.
    let etcd = crate::support_discovery::Etcd::start_on("10.78.0.1");
    let env = Env::new();
    let key = support::keypair(env.dir.path(), "id_masters");
    let pubkey = key.with_extension("pub");
    let h1 = SshHost::start("ma", &pubkey);
    let h2 = SshHost::start("mb", &pubkey);
    let discovery = format!("etcd://{}/two-masters", etcd.endpoint);
    let create = |host: &SshHost, name: &str| {
        let out = env
            .cmd()
            .args(["create", "-d", "generic", "--generic-ip-address", &host.ip])
            .arg("--generic-ssh-key")
            .arg(&key)
            .args(["--swarm", "--swarm-master", "--swarm-discovery", &discovery])
            .arg(name)
            .output()
            .unwrap();
        assert!(out.status.success(), "create {name}: {}", output_text(&out));
        out
    };
    create(&h1, "ma1");
    let script = "cat /var/lib/flotilla/run-flotilla-manager.sh";
    assert!(!h1.exec(script).contains("--replication"), "alone at first");
    let out = create(&h2, "ma2");
    assert!(
        stderr(&out).contains("now elected with this one"),
        "{}",
        output_text(&out)
    );
    for (h, _) in [(&h1, "ma1"), (&h2, "ma2")] {
        let s = h.exec(script);
        assert!(
            s.contains("--replication") && s.contains(&format!("--advertise={}:3376", h.ip)),
            "{s}"
        );
    }
    // One primary, one replica naming it (the election settles within the TTL).
    let role = |h: &SshHost, name: &str| -> (String, String) {
        let o = env
            .docker_for(name)
            .env("DOCKER_HOST", format!("tcp://{}:3376", h.ip))
            .args(["info", "--format", "{{json .SystemStatus}}"])
            .output()
            .unwrap();
        let pairs: Vec<[String; 2]> = serde_json::from_slice(&o.stdout).unwrap_or_default();
        let get = |k: &str| {
            pairs
                .iter()
                .find(|p| p[0] == k)
                .map(|p| p[1].clone())
                .unwrap_or_default()
        };
        (get("Role"), get("Primary"))
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let leader = loop {
        let r1 = role(&h1, "ma1");
        let r2 = role(&h2, "ma2");
        let found = match (r1.0.as_str(), r2.0.as_str()) {
            ("primary", "replica") if r2.1 == format!("{}:3376", h1.ip) => Some(&h1),
            ("replica", "primary") if r1.1 == format!("{}:3376", h2.ip) => Some(&h2),
            _ => None,
        };
        if let Some(l) = found {
            break l;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no single primary: ma1 {r1:?}, ma2 {r2:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    for name in ["ma1", "ma2"] {
        let out = env.cmd().args(["env", "--swarm", name]).output().unwrap();
        assert!(
            stdout(&out).contains(&format!("DOCKER_HOST=\"tcp://{}:3376\"", leader.ip)),
            "env --swarm {name}: {}",
            output_text(&out)
        );
    }
    let out = env.cmd().args(["rm", "-y", "ma1", "ma2"]).output().unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
}
