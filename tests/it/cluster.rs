//! Swarm commands on the testbed's real engines: info, ps, run (placement,
//! ports, links, explain, dry-run, attach, parallel runs) and plan.
//!
//! Every container is named with a random suffix, labelled
//! `flotilla-testbed=1` and removed by a guard, since other tests use the
//! same engines at the same time.

use std::process::{Command as StdCommand, Output};
use std::time::{Duration, Instant};

use rand::Rng;

use crate::support::*;

pub(crate) fn suffix() -> String {
    format!("{:08x}", rand::rng().random::<u32>())
}

/// A store holding the testbed's four engines as one swarm, as in the seed
/// post (`swarm-master` is the master).
pub(crate) fn swarm_store() -> (TestStore, String) {
    let s = TestStore::with_testbed_certs();
    let token = new_token(&s);
    for e in engines() {
        join(&s, &e, &e.name, &token, e.name == "swarm-master", &[]);
    }
    (s, token)
}

/// A cluster token in the store's embedded discovery registry.
fn new_token(s: &TestStore) -> String {
    let o = s.run(&["token", "create"]);
    assert!(o.status.success(), "token create: {}", stderr(&o));
    format!("token://{}", stdout(&o).trim())
}

fn join(s: &TestStore, e: &Engine, name: &str, token: &str, master: bool, extra: &[&str]) {
    let mut args = vec![
        "create".to_string(),
        "-d".into(),
        "none".into(),
        "--url".into(),
        e.url(),
        "--swarm".into(),
        "--swarm-discovery".into(),
        token.to_string(),
    ];
    if master {
        args.push("--swarm-master".into());
    }
    args.extend(e.label_flags());
    args.extend(extra.iter().map(|x| x.to_string()));
    args.push(name.to_string());
    let out = s.cmd().args(&args).output().expect("run flotilla");
    assert!(out.status.success(), "create {name}: {}", stderr(&out));
}

pub(crate) fn docker(e: &Engine) -> StdCommand {
    let certs = testbed_dir().join("store/certs");
    let mut c = StdCommand::new("docker");
    c.arg("--tlsverify")
        .arg("--tlscacert")
        .arg(certs.join("ca.pem"))
        .arg("--tlscert")
        .arg(certs.join("cert.pem"))
        .arg("--tlskey")
        .arg(certs.join("key.pem"))
        .arg("-H")
        .arg(e.url())
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT");
    c
}

/// Removes the named containers from every engine when dropped.
pub(crate) struct Cleanup(Vec<String>);

impl Cleanup {
    pub(crate) fn new() -> Cleanup {
        Cleanup(Vec::new())
    }

    pub(crate) fn name(&mut self, base: &str) -> String {
        let n = format!("{base}-{}", suffix());
        self.0.push(n.clone());
        n
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if self.0.is_empty() {
            return;
        }
        for e in engines() {
            let _ = docker(&e).arg("rm").arg("-f").args(&self.0).output();
        }
    }
}

fn run_ok(s: &TestStore, args: &[&str]) -> String {
    let mut a = vec!["run"];
    a.extend_from_slice(args);
    let o = s.run(&a);
    assert!(o.status.success(), "run {args:?}: {}", stderr(&o));
    stdout(&o)
}

/// The `ps -a` line of a container (by exact name suffix `/NAME`).
fn ps_line(s: &TestStore, name: &str) -> String {
    let o = s.run(&[
        "ps",
        "-a",
        "--no-trunc",
        "--filter",
        &format!("name={name}"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
        .lines()
        .find(|l| {
            l.split_whitespace()
                .last()
                .unwrap_or_default()
                .split(',')
                .any(|n| n.ends_with(&format!("/{name}")) && n.matches('/').count() == 1)
        })
        .unwrap_or_else(|| panic!("no ps line for {name}: {}", stdout(&o)))
        .to_string()
}

pub(crate) fn node_of(s: &TestStore, name: &str) -> String {
    let line = ps_line(s, name);
    let names = line
        .split_whitespace()
        .last()
        .unwrap_or_default()
        .to_string();
    names
        .split(',')
        .find(|n| n.ends_with(&format!("/{name}")))
        .and_then(|n| n.split('/').next())
        .unwrap_or_default()
        .to_string()
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn seed_placements_constraints_links_and_affinity() {
    let (s, _) = swarm_store();
    let mut c = Cleanup::new();
    let redis = c.name("redis");
    let postgres = c.name("postgres");
    let rc = c.name("redis-counter");
    let pc = c.name("postgres-counter");
    for (name, model) in [(&redis, "high-memory"), (&postgres, "large-disk")] {
        run_ok(
            &s,
            &[
                "-d",
                "--name",
                name,
                "-l",
                "flotilla-testbed=1",
                "--env",
                "constraint:public!=yes",
                "--env",
                &format!("constraint:model=={model}"),
                "flotilla-busybox",
                "sleep",
                "300",
            ],
        );
    }
    assert_eq!(node_of(&s, &redis), "backend1");
    assert_eq!(node_of(&s, &postgres), "backend2");
    // The counters: `-p 80`, linked; the redis one also with an explicit affinity.
    run_ok(
        &s,
        &[
            "-d",
            "--name",
            &rc,
            "-l",
            "flotilla-testbed=1",
            "-p",
            "80",
            "--link",
            &redis,
            "--env",
            &format!("affinity:container==*{redis}*"),
            "--env",
            "VIRTUAL_HOST=redis-counter.docker",
            "flotilla-busybox",
            "httpd",
            "-f",
            "-p",
            "80",
        ],
    );
    run_ok(
        &s,
        &[
            "-d",
            "--name",
            &pc,
            "-l",
            "flotilla-testbed=1",
            "-p",
            "80",
            "--link",
            &postgres,
            "flotilla-busybox",
            "httpd",
            "-f",
            "-p",
            "80",
        ],
    );
    assert_eq!(node_of(&s, &rc), "backend1");
    assert_eq!(node_of(&s, &pc), "backend2");
    // ps: node/name, and the engine's IP instead of 0.0.0.0 in the ports.
    let line = ps_line(&s, &rc);
    let port = regex::Regex::new(r"10\.77\.0\.13:\d+->80/tcp").unwrap();
    assert!(port.is_match(&line), "{line}");
    assert!(!line.contains("0.0.0.0"), "{line}");
    assert!(line.contains(&format!("backend1/{rc}")), "{line}");
    // The link alias shows too, under the linking container.
    let line = ps_line(&s, &redis);
    assert!(line.contains(&format!("backend1/{rc}/{redis}")), "{line}");
    // The rules are stored on the container, out of its environment.
    let out = docker(&engine("backend1"))
        .args([
            "inspect",
            "-f",
            "{{json .Config.Env}} {{json .Config.Labels}}",
            &rc,
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("affinity:"), "{text}");
    assert!(
        text.contains(r#""com.docker.swarm.affinities":"[\"container==*"#),
        "{text}"
    );
    assert!(text.contains("com.docker.swarm.id"), "{text}");
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn a_host_port_clash_fails_with_the_classic_message() {
    let (s, _) = swarm_store();
    let mut c = Cleanup::new();
    let a = c.name("port-a");
    let b = c.name("port-b");
    let port = 20000 + rand::rng().random_range(0..9000);
    let publish = format!("{port}:80");
    let args = |name: &str| {
        vec![
            "-d".to_string(),
            "--name".into(),
            name.to_string(),
            "-l".into(),
            "flotilla-testbed=1".into(),
            "-p".into(),
            publish.clone(),
            "-e".into(),
            "constraint:node==frontend".into(),
            "flotilla-busybox".into(),
            "httpd".into(),
            "-f".into(),
            "-p".into(),
            "80".into(),
        ]
    };
    let a_args = args(&a);
    run_ok(&s, &a_args.iter().map(String::as_str).collect::<Vec<_>>());
    let mut b_args = vec!["run".to_string()];
    b_args.extend(args(&b));
    let o = s.cmd().args(&b_args).output().unwrap();
    assert_clean_failure(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "error: Unable to find a node that satisfies the following conditions \n[port {port} (Bridge mode)]\n[available container slots]\n[node==frontend]"
        )),
        "{err}"
    );
    // The published port answers on the node's address.
    let line = ps_line(&s, &a);
    assert!(
        line.contains(&format!("10.77.0.12:{port}->80/tcp")),
        "{line}"
    );
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn info_text_and_json_state_document() {
    let (s, _) = swarm_store();
    // how long `info` takes is a figure of `cargo bench --bench run`
    let o = s.run(&["info", "--timeout", "30s"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Role: primary\nStrategy: spread\nFilters: health, port, containerslots, dependency, affinity, constraint, whitelist\nNodes: 4\n"), "{out}");
    for e in engines() {
        assert!(
            out.contains(&format!("\n {}: {}:2376\n  └ ID: ", e.name, e.ip)),
            "{out}"
        );
    }
    assert_eq!(out.matches("  └ Status: Healthy\n").count(), 4, "{out}");
    assert!(out.contains("  └ Reserved CPUs: "), "{out}");
    assert!(out.contains("model=high-memory"), "{out}");
    assert!(out.contains("storagedriver="), "{out}");
    assert!(out.contains("Name: swarm-master\n"), "{out}");

    let o = s.run(&["info", "--timeout", "30s", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let nodes = doc["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 4);
    let b1 = nodes.iter().find(|n| n["name"] == "backend1").unwrap();
    assert_eq!(b1["healthy"], true);
    assert_eq!(b1["labels"]["model"], "high-memory");
    assert_eq!(b1["labels"]["ostype"], "linux");
    assert_eq!(b1["addr"], "10.77.0.13:2376");
    assert!(b1["cpus"].as_f64().unwrap() >= 1.0);
    assert!(b1["images"].as_array().unwrap().iter().any(|i| {
        i["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "flotilla-busybox:latest")
    }));
    // The same document is what `plan --state` reads.
    let state = s.path().join("state.json");
    std::fs::write(&state, &o.stdout).unwrap();
    let o = s.run(&[
        "plan",
        "--state",
        state.to_str().unwrap(),
        "-e",
        "constraint:public!=yes",
        "-e",
        "constraint:model==large-disk",
        "--name",
        "postgres",
        "postgres",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["node"], "backend2");
    assert_eq!(r["candidates"], serde_json::json!(["backend2"]));
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn explain_and_dry_run_decide_without_creating() {
    let (s, _) = swarm_store();
    let name = format!("dry-{}", suffix());
    let o = s.run(&[
        "run",
        // Under a loaded machine an engine may take longer than the default 5 s.
        "--timeout",
        "30s",
        "--explain",
        "--name",
        &name,
        "-e",
        "constraint:public!=yes",
        "-e",
        "constraint:model==high-memory",
        "flotilla-busybox",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("pass 1 (soft rules applied):\n"), "{out}");
    let line = |node: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(&format!("{node} ")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line("backend1").contains("chosen"), "{out}");
    assert!(
        line("frontend").contains("rejected by constraint: constraint public!=yes does not hold"),
        "{out}"
    );
    assert!(
        line("backend2")
            .contains("rejected by constraint: constraint model==high-memory does not hold"),
        "{out}"
    );
    assert!(out.ends_with("decision: backend1\n"), "{out}");

    let o = s.run(&[
        "run",
        // Under a loaded machine an engine may take longer than the default 5 s.
        "--timeout",
        "30s",
        "--dry-run",
        "--name",
        &name,
        "-e",
        "constraint:model==large-disk",
        "flotilla-busybox",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        r,
        serde_json::json!({"name": name, "node": "backend2", "candidates": ["backend2"], "error": null})
    );

    // Nothing was created.
    let o = s.run(&["ps", "-a", "-q", "--filter", &format!("name={name}")]);
    assert!(o.status.success());
    assert_eq!(stdout(&o), "");

    // An impossible placement: explained, exit 1, the classic message once on stderr.
    let o = s.run(&[
        "run",
        // Under a loaded machine an engine may take longer than the default 5 s.
        "--timeout",
        "30s",
        "--explain",
        "-e",
        "constraint:model==tiny",
        "flotilla-busybox",
    ]);
    assert_clean_failure(&o, 1);
    assert!(
        stdout(&o)
            .contains("no node: Unable to find a node that satisfies the following conditions"),
        "{}",
        stdout(&o)
    );
    assert!(stderr(&o).contains("[model==tiny]"), "{}", stderr(&o));
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn run_in_the_foreground_passes_output_and_exit_code() {
    let (s, _) = swarm_store();
    let mut c = Cleanup::new();
    let name = c.name("fg");
    let o = s.run(&[
        "run",
        "--rm",
        "--name",
        &name,
        "-l",
        "flotilla-testbed=1",
        "-e",
        "constraint:node==backend2",
        "-e",
        "GREETING=hello",
        "flotilla-busybox",
        "sh",
        "-c",
        "echo $GREETING out; echo err >&2; exit 3",
    ]);
    assert_eq!(o.status.code(), Some(3), "stderr: {}", stderr(&o));
    assert_eq!(stdout(&o), "hello out\n");
    assert!(stderr(&o).contains("err"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("error:"), "{}", stderr(&o));
    // --rm removed it.
    let o = s.run(&["ps", "-a", "-q", "--filter", &format!("name={name}")]);
    assert_eq!(stdout(&o), "");
    // Exit 0 is 0.
    let name = c.name("fg0");
    let o = s.run(&[
        "run",
        "--name",
        &name,
        "-l",
        "flotilla-testbed=1",
        "-e",
        "constraint:node==backend2",
        "flotilla-busybox",
        "true",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// `run -it` in a real pseudo-terminal (util-linux `script`): the container's TTY gets the local
/// terminal's size, keys reach the container (raw mode: the shell inside reads `exit 5` typed at
/// the local terminal), and the local terminal is back in canonical mode afterwards.
#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn run_it_lends_the_terminal_and_restores_it() {
    let (s, _) = swarm_store();
    let mut c = Cleanup::new();
    let name = c.name("tty");
    let inner = format!(
        "stty cols 123 rows 45; {bin} run -it --rm --name {name} -l flotilla-testbed=1 \
         -e constraint:node==backend2 flotilla-busybox sh -c \
         'for i in $(seq 50); do s=$(stty -F $(tty) size 2>/dev/null); \
          case $s in [1-9]*) break;; esac; sleep 0.1; done; \
          echo size=$s; read line; exit $line'; \
         echo \"code=$?\"; stty -a",
        bin = bin().display()
    );
    let mut child = StdCommand::new("script")
        .args(["-qfec", &inner, "/dev/null"])
        .env("FLOTILLA_STORAGE_PATH", s.path())
        .env("TERM", "xterm")
        .env("NO_COLOR", "1")
        .env_remove("DOCKER_HOST")
        .env_remove("RUST_LOG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("script");
    // Type the answer once the container's shell has printed its size (so `run` is attached and
    // the terminal raw) and waits for a line.
    let mut stdin = child.stdin.take().expect("stdin");
    let mut output = child.stdout.take().expect("stdout");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    let reader = {
        let seen = seen.clone();
        std::thread::spawn(move || {
            use std::io::Read;
            let mut buf = [0u8; 4096];
            while let Ok(n) = output.read(&mut buf) {
                if n == 0 {
                    break;
                }
                seen.lock().expect("output").extend_from_slice(&buf[..n]);
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while !String::from_utf8_lossy(&seen.lock().expect("output")).contains("size=") {
        assert!(Instant::now() < deadline, "no size line from the container");
        std::thread::sleep(Duration::from_millis(50));
    }
    {
        use std::io::Write;
        stdin.write_all(b"5\r").expect("type");
        stdin.flush().expect("type");
    }
    let status = child.wait().expect("script");
    drop(stdin);
    reader.join().expect("reader");
    let out = String::from_utf8_lossy(&seen.lock().expect("output")).into_owned();
    assert!(status.success(), "script: {out:?}");
    // Engines before API 1.42 ignore the size given at create; the resize after start sets it.
    assert!(
        out.contains("size=45 123"),
        "the container sees the terminal size: {out:?}"
    );
    assert!(
        out.contains("code=5"),
        "the typed line reached the container: {out:?}"
    );
    // Raw mode: only the container's TTY echoes the typed line; a cooked local terminal would
    // echo it a second time.
    let echoes = out.split("\r\n").filter(|l| l.trim() == "5").count();
    assert_eq!(echoes, 1, "one echo of the typed line: {out:?}");
    let after = out.rsplit("code=5").next().unwrap_or_default();
    assert!(
        after.split_whitespace().any(|w| w == "icanon")
            && after.split_whitespace().any(|w| w == "echo"),
        "the terminal is canonical again: {after:?}"
    );
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn parallel_runs_race_for_one_container_slot() {
    let frontend = engine("frontend");
    // The slot count is relative to the containers already on the engine,
    // which other tests change; retry when they did during the race.
    for attempt in 0..4 {
        let count = || -> usize {
            let o = docker(&frontend).args(["ps", "-aq"]).output().unwrap();
            String::from_utf8_lossy(&o.stdout).lines().count()
        };
        let before = count();
        let s = TestStore::with_testbed_certs();
        let token = new_token(&s);
        let slots = format!("containerslots={}", before + 1);
        join(
            &s,
            &frontend,
            "frontend",
            &token,
            true,
            &["--engine-label", &slots],
        );
        let mut c = Cleanup::new();
        let names: Vec<String> = (0..3).map(|i| c.name(&format!("slot{i}"))).collect();
        let children: Vec<_> = names
            .iter()
            .map(|n| {
                StdCommand::new(bin())
                    .env("FLOTILLA_STORAGE_PATH", s.path())
                    .env("NO_COLOR", "1")
                    .env_remove("FLOTILLA_SWARM")
                    .args([
                        "run",
                        "-d",
                        "--name",
                        n,
                        "-l",
                        "flotilla-testbed=1",
                        "flotilla-busybox",
                        "sleep",
                        "60",
                    ])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let outs: Vec<Output> = children
            .into_iter()
            .map(|ch| ch.wait_with_output().unwrap())
            .collect();
        let won = outs.iter().filter(|o| o.status.success()).count();
        let after_ours = count();
        if won != 1 && after_ours != before + won {
            eprintln!(
                "attempt {attempt}: other tests changed the engine during the race; retrying"
            );
            continue;
        }
        assert_eq!(
            won,
            1,
            "exactly one wins: {:?}",
            outs.iter().map(stderr).collect::<Vec<_>>()
        );
        for o in outs.iter().filter(|o| !o.status.success()) {
            assert_clean_failure(o, 1);
            let err = stderr(o);
            assert!(
                err.contains("Unable to find a node that satisfies the following conditions \n[available container slots]"),
                "{err}"
            );
        }
        // Once the container exists its pending entry is settled: it counts only for a
        // manager's model that has not seen the container yet, and expires soon.
        let pending = std::fs::read_dir(s.path().join("swarms"))
            .unwrap()
            .filter_map(Result::ok)
            .map(|d| d.path().join("pending.json"))
            .find(|p| p.exists());
        if let Some(p) = pending {
            let v: serde_json::Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
            let entries = v.as_array().expect("entries");
            assert!(entries.len() <= 1, "{v}");
            assert!(entries.iter().all(|e| e["settled"] == true), "{v}");
        }
        return;
    }
    panic!("the engine kept changing under the race");
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn a_missing_image_fails_cleanly_on_the_chosen_node() {
    let (s, _) = swarm_store();
    let mut c = Cleanup::new();
    let name = c.name("noimg");
    let image = format!("flotilla-no-such-image-{}", suffix());
    let o = s.run(&[
        "run",
        "-d",
        "--name",
        &name,
        "-e",
        "constraint:node==backend2",
        &image,
    ]);
    assert_clean_failure(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains(&format!("node backend2: cannot pull image {image}")),
        "{err}"
    );
    assert_eq!(stdout(&o), "");
    let o = s.run(&["ps", "-a", "-q", "--filter", &format!("name={name}")]);
    assert_eq!(stdout(&o), "");
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn names_are_unique_across_the_swarm() {
    let (s, _) = swarm_store();
    let mut c = Cleanup::new();
    let name = c.name("uniq");
    run_ok(
        &s,
        &[
            "-d",
            "--name",
            &name,
            "-l",
            "flotilla-testbed=1",
            "-e",
            "constraint:node==backend1",
            "flotilla-busybox",
            "sleep",
            "60",
        ],
    );
    let o = s.run(&[
        "run",
        "-d",
        "--name",
        &name,
        "-e",
        "constraint:node==backend2",
        "flotilla-busybox",
        "sleep",
        "60",
    ]);
    assert_clean_failure(&o, 1);
    assert!(
        stderr(&o).contains(&format!("Conflict: The name {name} is already assigned.")),
        "{}",
        stderr(&o)
    );
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn bad_run_options_are_one_clear_error() {
    let (s, _) = swarm_store();
    for (args, code, text) in [
        (
            vec!["run", "-e", "constraint:region=us", "flotilla-busybox"],
            1,
            "invalid constraint 'region=us': One of operator ==, != is expected",
        ),
        (
            vec!["run", "-e", "affinity:container==a,b", "flotilla-busybox"],
            1,
            "invalid affinity 'container==a,b'",
        ),
        (
            vec!["run", "-e", "reschedule:always", "flotilla-busybox"],
            1,
            "invalid reschedule policy: always",
        ),
        (
            vec!["run", "-p", "80:http", "flotilla-busybox"],
            2,
            "invalid --publish '80:http'",
        ),
        (
            vec!["run", "-m", "lots", "flotilla-busybox"],
            2,
            "invalid --memory 'lots'",
        ),
        (
            vec!["run", "--swarm", "nowhere", "flotilla-busybox"],
            1,
            "no machine named \"nowhere\"",
        ),
        (vec!["run"], 2, "IMAGE"),
    ] {
        let o = s.run(&args);
        assert_clean_failure(&o, code);
        assert!(stderr(&o).contains(text), "{args:?}: {}", stderr(&o));
    }
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn ps_filters_quiet_and_json() {
    let (s, _) = swarm_store();
    let mut c = Cleanup::new();
    let name = c.name("psq");
    let id = run_ok(
        &s,
        &[
            "-d",
            "--name",
            &name,
            "-l",
            "flotilla-testbed=1",
            "-l",
            &format!("run={name}"),
            "-e",
            "constraint:node==backend2",
            "flotilla-busybox",
            "sleep",
            "60",
        ],
    );
    let id = id.trim();
    assert_eq!(id.len(), 64, "{id}");
    let o = s.run(&["ps", "-q", "--filter", &format!("label=run={name}")]);
    assert_eq!(stdout(&o), format!("{}\n", &id[..12]));
    let o = s.run(&[
        "ps",
        "-q",
        "--filter",
        &format!("label=run={name}"),
        "--filter",
        "node=backend1",
    ]);
    assert_eq!(stdout(&o), "");
    let o = s.run(&[
        "ps",
        "--format",
        "json",
        "--filter",
        &format!("name={name}"),
    ]);
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rows[0]["Names"], format!("backend2/{name}"));
    assert_eq!(rows[0]["Node"], "backend2");
    assert_eq!(rows[0]["State"], "running");
    let o = s.run(&[
        "ps",
        "--format",
        "{{.Names}} {{.Status}}",
        "--filter",
        &format!("name={name}"),
    ]);
    assert!(
        stdout(&o).starts_with(&format!("backend2/{name} Up")),
        "{}",
        stdout(&o)
    );
    let o = s.run(&["ps", "--filter", "colour=red"]);
    assert_clean_failure(&o, 1);
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn an_unreachable_member_is_pending_and_hidden_from_ps() {
    let s = TestStore::with_testbed_certs();
    let token = new_token(&s);
    let b2 = engine("backend2");
    join(&s, &b2, "backend2", &token, true, &[]);
    // A member whose engine port is closed: create records it, with its error.
    let dead = Engine {
        name: "dead".into(),
        ip: b2.ip.clone(),
        labels: vec![],
    };
    let _ = s
        .cmd()
        .args([
            "create",
            "-d",
            "none",
            "--url",
            &format!("tcp://{}:2399", dead.ip),
            "--swarm",
            "--swarm-discovery",
            &token,
            "dead",
        ])
        .output()
        .unwrap();
    if !s.path().join("machines/dead").exists() {
        eprintln!("create refused an unreachable engine; nothing to check");
        return;
    }
    let o = s.run(&["info", "--timeout", "30s"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains(&format!(" dead: {}:2399\n", b2.ip)), "{out}");
    assert!(out.contains("  └ Status: Pending\n"), "{out}");
    assert!(out.contains("  └ Error: "), "{out}");
    let o = s.run(&[
        "run",
        // Under a loaded machine an engine may take longer than the default 5 s.
        "--timeout",
        "30s",
        "--dry-run",
        "-e",
        "constraint:node==dead",
        "flotilla-busybox",
    ]);
    assert_clean_failure(&o, 1);
    assert!(
        stderr(&o).contains("Unable to find a node"),
        "{}",
        stderr(&o)
    );
    let o = s.run(&["ps"]);
    assert!(o.status.success());
    assert!(
        stderr(&o).contains("node dead is Pending"),
        "{}",
        stderr(&o)
    );
}

// ---- plan: no engine at all ----

const STATE: &str = r#"{"nodes":[
  {"name":"node-0","cpus":2,"memory":2147483648,"labels":{"region":"us-east"}},
  {"name":"node-1","cpus":2,"memory":2147483648,"labels":{"region":"us-west","containerslots":"1"},
   "containers":[{"name":"web","ports":[{"host_port":80,"container_port":80}]}]}]}"#;

fn plan_files(s: &TestStore, state: &str, requests: Option<&str>) -> (String, Option<String>) {
    let sp = s.path().join("state.json");
    std::fs::write(&sp, state).unwrap();
    let rp = requests.map(|r| {
        let p = s.path().join("requests.json");
        std::fs::write(&p, r).unwrap();
        p.display().to_string()
    });
    (sp.display().to_string(), rp)
}

#[test]
fn plan_single_request_from_run_options() {
    let s = TestStore::empty();
    let (state, _) = plan_files(&s, STATE, None);
    let o = s.run(&[
        "plan", "--state", &state, "--name", "c1", "-p", "80:80", "redis",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        r,
        serde_json::json!({"name":"c1","node":"node-0","candidates":["node-0"],"error":null})
    );
    // Unplaceable: the result object, and exit 1.
    let o = s.run(&[
        "plan",
        "--state",
        &state,
        "-e",
        "constraint:region==eu",
        "redis",
    ]);
    assert_clean_failure(&o, 1);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["node"], serde_json::Value::Null);
    assert!(r["error"].as_str().unwrap().contains("[region==eu]"), "{r}");
    // A malformed expression: exit 1, the expression in the message.
    let o = s.run(&[
        "plan",
        "--state",
        &state,
        "-e",
        "constraint:region=eu",
        "redis",
    ]);
    assert_clean_failure(&o, 1);
    assert!(
        stderr(&o).contains("invalid constraint 'region=eu'"),
        "{}",
        stderr(&o)
    );
    // Strategy override: binpack goes to the fuller node.
    let o = s.run(&[
        "plan",
        "--state",
        &state,
        "--strategy",
        "binpack",
        "--overcommit",
        "0",
        "-e",
        "constraint:region==us-*",
        "redis",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn plan_requests_file_exit_codes() {
    let s = TestStore::empty();
    let reqs = r#"[{"Name":"a","Image":"redis","HostConfig":{"PortBindings":{"80/tcp":[{"HostPort":"80"}]}}},
                   {"Name":"b","Image":"redis","HostConfig":{"PortBindings":{"80/tcp":[{"HostPort":"80"}]}}}]"#;
    let (state, requests) = plan_files(&s, STATE, Some(reqs));
    let requests = requests.unwrap();
    let o = s.run(&["plan", "--state", &state, "--requests", &requests]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r[0]["node"], "node-0");
    assert_eq!(r[1]["node"], serde_json::Value::Null);
    assert!(
        r[1]["error"]
            .as_str()
            .unwrap()
            .contains("[port 80 (Bridge mode)]"),
        "{r}"
    );

    let (state, requests) = plan_files(&s, STATE, Some(r#"[{"Name":"a"},{"Name":"b"}]"#));
    let o = s.run(&["plan", "--state", &state, "--requests", &requests.unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r.as_array().unwrap().len(), 2);
}

#[test]
fn plan_unusable_input_is_exit_2_with_the_offending_text() {
    let s = TestStore::empty();
    let (good_state, _) = plan_files(&s, STATE, None);
    let bad_state = s.path().join("bad-state.json");
    std::fs::write(&bad_state, r#"{"nodes":[{"name":"a","cpus":"four"}]}"#).unwrap();
    let not_array = s.path().join("obj.json");
    std::fs::write(&not_array, r#"{"Name":"c1"}"#).unwrap();
    let bad = bad_state.display().to_string();
    let obj = not_array.display().to_string();
    for (args, text) in [
        (
            vec!["plan", "--state", &bad, "redis"],
            "state file is not a flotilla state document: nodes[0].cpus: invalid type: string \"four\"",
        ),
        (
            vec!["plan", "--state", &good_state, "--requests", &obj],
            "requests file must be a JSON array of create requests, found an object: {\"Name\":\"c1\"}",
        ),
        (
            vec!["plan", "--state", "/nonexistent/state.json", "redis"],
            "cannot read state file /nonexistent/state.json",
        ),
        (
            vec![
                "plan",
                "--state",
                &good_state,
                "--strategy",
                "fastest",
                "redis",
            ],
            "unknown strategy 'fastest' (expected spread, binpack or random)",
        ),
        (
            vec![
                "plan",
                "--state",
                &good_state,
                "--overcommit",
                "-2",
                "redis",
            ],
            "invalid --overcommit -2",
        ),
        (
            vec!["plan", "--state", &good_state],
            "the following required arguments were not provided",
        ),
    ] {
        let o = s.run(&args);
        assert_clean_failure(&o, 2);
        assert!(stderr(&o).contains(text), "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), "", "{args:?}");
    }
}
