//! Rescheduling on node failure, with the real docker CLI through the manager: a private dockerd
//! of the test's own (SIGKILLed, restarted) and the testbed's `swarm-master` (only read and
//! given the moved containers, removed afterwards).

use std::time::{Duration, Instant};

use crate::cluster::{Cleanup, docker as engine_docker, suffix};
use crate::model::{PrivateEngine, eventually, join, manage, token, unix_now, via};
use crate::support::*;

/// Names with their node (`NODE/NAME`) and status, from `docker ps -a` through the manager.
fn listing(docker: &impl Fn(&[&str]) -> std::process::Output) -> String {
    let o = docker(&["ps", "-a", "--format", "{{.Names}} {{.Status}}"]);
    stdout(&o)
}

fn line_of<'a>(listing: &'a str, name: &str) -> Vec<&'a str> {
    listing
        .lines()
        .filter(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|n| n.ends_with(&format!("/{name}")))
        })
        .collect()
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn containers_with_the_policy_move_when_their_node_fails_and_stale_copies_go() {
    let lost = PrivateEngine::up(31, &format!("rs{}", suffix()), "");
    let s = TestStore::with_testbed_certs();
    let token = token(&s);
    let master = engine("swarm-master");
    let labels = master.label_flags();
    let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
    join(&s, &master.url(), "swarm-master", &token, true, &labels);
    join(&s, &lost.url(), &lost.name, &token, false, &[]);
    let mut c = Cleanup::new();
    let (manager, port) = manage(&s, "swarm-master", &[]);
    let docker = via(&s, port);
    eventually("both nodes are Healthy", Duration::from_secs(30), || {
        let o = docker(&["info"]);
        let info = stdout(&o);
        (info.matches("Status: Healthy").count() != 2).then_some(info)
    });
    let on_lost = format!("constraint:node==~{}", lost.name);
    let hard = format!("constraint:node=={}", lost.name);
    let run = |name: &str, extra: &[&str]| {
        let mut args = vec!["run", "-d", "--name", name, "-l", "flotilla-testbed=1"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["flotilla-busybox", "sleep", "600"]);
        let o = docker(&args);
        assert!(o.status.success(), "run {name}: {}", stderr(&o));
    };
    // Stopped by its owner first: it must be long stopped when the node fails.
    let stopped = c.name("stopped");
    run(&stopped, &["-e", "reschedule:on-node-failure", "-e", &hard]);
    let o = docker(&["stop", "-t", "0", &stopped]);
    assert!(o.status.success(), "{}", stderr(&o));
    let stopped_at = Instant::now();
    let mover = c.name("mover");
    run(
        &mover,
        &["-e", "reschedule:on-node-failure", "-e", &on_lost],
    );
    let labelled = c.name("labelled");
    run(
        &labelled,
        &[
            "-l",
            "com.docker.swarm.reschedule-policies=[\"on-node-failure\"]",
            "-e",
            &on_lost,
        ],
    );
    let pinned = c.name("pinned");
    run(&pinned, &["-e", "reschedule:on-node-failure", "-e", &hard]);
    let plain = c.name("plain");
    run(&plain, &["-e", &hard]);
    // Compose (classic's reschedule.yml): the policy in a service's environment.
    let dir = tempfile::tempdir().expect("tempdir");
    let project = format!("rsc{}", suffix());
    let composed = c.name("composed");
    std::fs::write(
        dir.path().join("reschedule.yml"),
        format!(
            r#"version: "2"
services:
  app:
    image: flotilla-busybox
    container_name: {composed}
    command: sleep 600
    environment:
      - "reschedule:on-node-failure"
      - "{on_lost}"
    labels:
      flotilla-testbed: "1"
"#
        ),
    )
    .expect("compose file");
    /// The project's default network, which compose makes on every node, goes with the test.
    struct Network(String);
    impl Drop for Network {
        fn drop(&mut self) {
            let _ = engine_docker(&engine("swarm-master"))
                .args(["network", "rm", &self.0])
                .output();
        }
    }
    let _network = Network(format!("{project}_default"));
    let compose = |args: &[&str]| {
        let mut cmd = std::process::Command::new("docker-compose");
        // Its HTTP client (requests) lets REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE override
        // DOCKER_CERT_PATH's CA.
        cmd.env_remove("REQUESTS_CA_BUNDLE")
            .env_remove("CURL_CA_BUNDLE")
            .env_remove("DOCKER_CONTEXT")
            .env_remove("COMPOSE_FILE")
            .env("DOCKER_HOST", format!("tcp://127.0.0.1:{port}"))
            .env("DOCKER_TLS_VERIFY", "1")
            .env("DOCKER_CERT_PATH", s.path().join("certs"))
            .current_dir(dir.path())
            .args(["--no-ansi", "-p", &project, "-f", "reschedule.yml"])
            .args(args);
        cmd.output().expect("docker-compose (Debian's package)")
    };
    let o = compose(&["up", "-d"]);
    assert!(o.status.success(), "up -d: {} {}", stdout(&o), stderr(&o));
    let o = docker(&[
        "inspect",
        "-f",
        "{{index .Config.Labels \"com.docker.swarm.id\"}}",
        &mover,
    ]);
    let swarm_id = stdout(&o).trim().to_string();
    assert_eq!(swarm_id.len(), 64, "{}", stderr(&o));
    for n in [&stopped, &mover, &labelled, &pinned, &plain, &composed] {
        let o = docker(&["inspect", "-f", "{{.Node.Name}}", n]);
        assert_eq!(stdout(&o).trim(), lost.name, "{n}: {}", stderr(&o));
    }
    // The owner's stop is well before the failure (the grace is 5 s).
    let grace = Duration::from_secs(6);
    if let Some(left) = grace.checked_sub(stopped_at.elapsed()) {
        std::thread::sleep(left);
    }

    // The node dies: the three with the policy and no hard pin run on the master.
    lost.signal("KILL");
    let killed = Instant::now();
    eventually("rescheduled on the master", Duration::from_secs(60), || {
        let l = listing(&docker);
        let ok = [&mover, &labelled, &composed].iter().all(|n| {
            line_of(&l, n)
                .iter()
                .any(|x| x.starts_with(&format!("swarm-master/{n} Up")))
        });
        (!ok).then_some(l)
    });
    eprintln!("node failure -> running elsewhere: {:?}", killed.elapsed());
    // Same swarm ID: `docker inspect SWARM-ID` finds the new copy.
    let o = docker(&["inspect", "-f", "{{.Node.Name}} {{.Name}}", &swarm_id]);
    assert_eq!(
        stdout(&o).trim(),
        format!("swarm-master /{mover}"),
        "{}",
        stderr(&o)
    );
    let l = listing(&docker);
    for (n, why) in [
        (&pinned, "a hard node== constraint keeps it"),
        (&plain, "no policy"),
        (&stopped, "stopped by its owner"),
    ] {
        let lines = line_of(&l, n);
        assert_eq!(lines.len(), 1, "{n} ({why}): {l}");
        assert!(
            lines[0].starts_with(&format!("{}/{n} ", lost.name)),
            "{n} ({why}): {l}"
        );
    }
    let o = docker(&[
        "events",
        "--since",
        "0",
        "--until",
        &(unix_now() + 1).to_string(),
        "--filter",
        "type=swarm",
        "--format",
        "{{.Action}} {{.Actor.Attributes.name}}",
    ]);
    let events = stdout(&o);
    for e in [
        format!("reschedule {mover}"),
        format!("reschedule_start {mover}"),
        format!("reschedule {labelled}"),
        format!("reschedule {composed}"),
        format!("reschedule_kept {pinned}"),
        format!("reschedule_skipped {stopped}"),
    ] {
        assert!(events.contains(&e), "{e}: {events}");
    }

    // The node comes back: its stale copies are removed, exactly one of each remains.
    lost.start("");
    eventually("stale copies removed", Duration::from_secs(60), || {
        let o = lost
            .docker()
            .args(["ps", "-a", "--format", "{{.Names}}"])
            .output()
            .expect("docker");
        let names = stdout(&o);
        let gone = !names
            .lines()
            .any(|n| n == mover || n == labelled || n == composed);
        let kept = names.lines().any(|n| n == pinned) && names.lines().any(|n| n == plain);
        (!(gone && kept)).then(|| format!("{names}{}", stderr(&o)))
    });
    let l = listing(&docker);
    for n in [&mover, &labelled, &composed] {
        assert_eq!(line_of(&l, n).len(), 1, "{n}: {l}");
    }
    // Compose still owns the moved copy (same labels): `down` removes it.
    let o = compose(&["down"]);
    assert!(o.status.success(), "down: {} {}", stdout(&o), stderr(&o));
    let l = listing(&docker);
    assert!(line_of(&l, &composed).is_empty(), "after down: {l}");

    // A failure while no manager serves: the next one notices it from the persisted ledger.
    let late = c.name("late");
    run(&late, &["-e", "reschedule:on-node-failure", "-e", &on_lost]);
    let o = docker(&["inspect", "-f", "{{.Node.Name}}", &late]);
    assert_eq!(stdout(&o).trim(), lost.name, "{}", stderr(&o));
    let swarms = s.path().join("swarms");
    eventually("the ledger holds it", Duration::from_secs(20), || {
        let text: String = std::fs::read_dir(&swarms)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|d| std::fs::read_to_string(d.path().join("reschedule.json")).ok())
            .collect();
        let ledger: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap_or_default();
        let running = ledger
            .iter()
            .any(|t| t["name"] == late.as_str() && t["running"] == true);
        (!running).then_some(text)
    });
    let out = manager.stop();
    assert!(out.status.success(), "{}", stderr(&out));
    let log = stderr(&out);
    assert!(
        log.contains(&format!("Rescheduled container {mover}")),
        "{log}"
    );
    assert!(log.contains("its hard constraint"), "{log}");
    assert!(log.contains("removed the stale copy"), "{log}");
    lost.signal("KILL");
    let (manager, port) = manage(&s, "swarm-master", &[]);
    let docker = via(&s, port);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = String::new();
    while Instant::now() < deadline {
        seen = listing(&docker);
        if line_of(&seen, &late)
            .iter()
            .any(|x| x.starts_with(&format!("swarm-master/{late} Up")))
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = manager.stop();
    let log = stderr(&out);
    assert!(
        line_of(&seen, &late)
            .iter()
            .any(|x| x.starts_with(&format!("swarm-master/{late} Up"))),
        "not rescheduled by the next manager: {seen}\n{log}"
    );
    assert!(log.contains("failed while no leader watched it"), "{log}");
    drop(c);
}
