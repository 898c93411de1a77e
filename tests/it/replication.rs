//! Several managers, one leader (`manage --replication`), on a real etcd the test starts, over two
//! of the testbed's engines (only read, and given a few containers removed afterwards).

use std::time::{Duration, Instant};

use crate::cluster::{Cleanup, suffix};
use crate::manager::{Manager, docker_via};
use crate::model::{eventually, free_port, join, raw, token, via};
use crate::support::*;
use crate::support_discovery::Etcd;

/// `Role` (and `Primary`) of a manager's `/info`; `None` when it does not answer.
fn role(s: &TestStore, port: u16) -> Option<(String, String)> {
    let (code, body) = raw(s, port, &["-m", "3"], "/v1.41/info");
    if code != 200 {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(&body).ok()?;
    let pairs = v["SystemStatus"].as_array()?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|p| p[0] == k)
            .and_then(|p| p[1].as_str())
            .map(str::to_string)
            .unwrap_or_default()
    };
    Some((get("Role"), get("Primary")))
}

fn start(s: &TestStore, port: u16, store_url: &str) -> Manager {
    let mut c = std::process::Command::new(bin());
    c.args([
        "manage",
        "--swarm",
        "swarm-master",
        "-H",
        &format!("tcp://127.0.0.1:{port}"),
        "--engine-refresh-min-interval",
        "1s",
        "--engine-refresh-max-interval",
        "2s",
        "--timeout",
        "3s",
        "--replication",
        "--advertise",
        &format!("127.0.0.1:{port}"),
        "--replication-ttl",
        "2s",
        "--replication-store",
        store_url,
    ]);
    Manager::spawn(s, c, &format!("127.0.0.1:{port}"))
}

/// Waits until exactly one of `ports` is primary and the others replicas naming it.
fn one_primary(s: &TestStore, ports: &[u16]) -> u16 {
    let mut leader = 0;
    eventually("exactly one primary", Duration::from_secs(30), || {
        let roles: Vec<Option<(String, String)>> = ports.iter().map(|p| role(s, *p)).collect();
        let primaries: Vec<u16> = ports
            .iter()
            .zip(&roles)
            .filter(|(_, r)| r.as_ref().is_some_and(|r| r.0 == "primary"))
            .map(|(p, _)| *p)
            .collect();
        if let [p] = primaries.as_slice() {
            let named = format!("127.0.0.1:{p}");
            let replicas_agree = roles.iter().zip(ports).all(|(r, port)| {
                port == p || r.as_ref().is_some_and(|r| r.0 == "replica" && r.1 == named)
            });
            if replicas_agree {
                leader = *p;
                return None;
            }
        }
        Some(format!("{roles:?}"))
    });
    leader
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn three_managers_one_primary_replicas_relay_and_a_killed_leader_is_replaced() {
    let etcd = Etcd::start();
    let store_url = format!("etcd://{}/ha-{}", etcd.endpoint, suffix());
    let s = TestStore::with_testbed_certs();
    let token = token(&s);
    for (name, master) in [("swarm-master", true), ("backend2", false)] {
        let e = engine(name);
        let labels = e.label_flags();
        let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
        join(&s, &e.url(), name, &token, master, &labels);
    }
    let mut c = Cleanup::new();
    let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let mut managers: Vec<Option<Manager>> = ports
        .iter()
        .map(|p| Some(start(&s, *p, &store_url)))
        .collect();
    let leader = one_primary(&s, &ports);
    let replica = *ports.iter().find(|p| **p != leader).expect("a replica");
    // `env --swarm` points at the leader (read from etcd), not at the first manager recorded.
    let _ = docker_via(&s, &format!("tcp://127.0.0.1:{leader}"));

    // Through a replica: a detached create and start, then a hijacked attach.
    let name = c.name("ha");
    let o = via(&s, replica)(&[
        "run",
        "-d",
        "--name",
        &name,
        "-l",
        "flotilla-testbed=1",
        "flotilla-busybox",
        "sleep",
        "60",
    ]);
    assert!(o.status.success(), "run through a replica: {}", stderr(&o));
    let on_leader = via(&s, leader)(&["inspect", "-f", "{{.Node.Name}}", &name]);
    let on_replica = via(&s, replica)(&["inspect", "-f", "{{.Node.Name}}", &name]);
    assert!(on_leader.status.success(), "{}", stderr(&on_leader));
    assert_eq!(stdout(&on_leader), stdout(&on_replica));
    let echo = c.name("echo");
    let o = via(&s, replica)(&[
        "run",
        "--name",
        &echo,
        "-l",
        "flotilla-testbed=1",
        "flotilla-busybox",
        "echo",
        "relayed",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "relayed");

    // The leader dies (SIGKILL): another becomes primary and serves writes. The older replica
    // is paused meanwhile, so the younger one wins: `env --swarm` must then name the leader, not
    // the oldest manager recorded on this machine (which answers too, as a replica).
    let i = ports.iter().position(|p| *p == leader).expect("leader");
    let mut rest: Vec<u16> = ports.iter().copied().filter(|p| *p != leader).collect();
    let pid_of = |p: &u16| {
        let j = ports.iter().position(|q| q == p).expect("port");
        managers[j].as_ref().map(Manager::pid).expect("running")
    };
    rest.sort_by_key(pid_of);
    let (older, younger) = (rest[0], rest[1]);
    let older_manager = ports.iter().position(|p| *p == older).expect("older");
    managers[older_manager]
        .as_ref()
        .expect("running")
        .signal("STOP");
    let killed = Instant::now();
    drop(managers[i].take());
    assert_eq!(one_primary(&s, &[younger]), younger);
    eprintln!("leader killed -> new primary: {:?}", killed.elapsed());
    managers[older_manager]
        .as_ref()
        .expect("running")
        .signal("CONT");
    let new_leader = one_primary(&s, &rest);
    assert_eq!(new_leader, younger);
    let docker = docker_via(&s, &format!("tcp://127.0.0.1:{new_leader}"));
    let o = docker(&["info", "--format", "{{json .SystemStatus}}"])
        .output()
        .expect("docker info");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(r#"["Role","primary"]"#),
        "{}",
        stdout(&o)
    );
    let other = *rest.iter().find(|p| **p != new_leader).expect("replica");
    let after = c.name("after");
    let o = via(&s, other)(&[
        "run",
        "-d",
        "--name",
        &after,
        "-l",
        "flotilla-testbed=1",
        "flotilla-busybox",
        "sleep",
        "60",
    ]);
    assert!(o.status.success(), "run after the failover: {}", stderr(&o));

    // A manager started later sees the new primary.
    let late = free_port();
    managers.push(Some(start(&s, late, &store_url)));
    let mut all = rest.clone();
    all.push(late);
    assert_eq!(one_primary(&s, &all), new_leader);

    // etcd dies: once the TTL passed nobody is primary (never a leader cut off from the store);
    // etcd back with its data: exactly one primary and two replicas again.
    let mut etcd = etcd;
    etcd.kill();
    let down = Instant::now();
    eventually(
        "no primary while etcd is down",
        Duration::from_secs(10),
        || {
            let roles: Vec<_> = all.iter().map(|p| role(&s, *p)).collect();
            let none = roles
                .iter()
                .all(|r| r.as_ref().is_some_and(|r| r.0 == "replica"));
            (!none).then(|| format!("{roles:?}"))
        },
    );
    eprintln!("etcd killed -> no primary: {:?}", down.elapsed());
    etcd.restart();
    let back = Instant::now();
    let settled = one_primary(&s, &all);
    eprintln!("etcd restarted -> one primary: {:?}", back.elapsed());
    // `env --swarm` names it (retried: right after etcd's restart a read may not answer within
    // env's timeout, and env then falls back to a manager that answers; the first try is shown).
    let want = format!("DOCKER_HOST=\"tcp://127.0.0.1:{settled}\"");
    let mut first = true;
    eventually(
        "env --swarm names the settled leader",
        Duration::from_secs(20),
        || {
            let t = Instant::now();
            let o = s.run(&["env", "--swarm", "swarm-master"]);
            let out = format!("{}{} ({:?})", stdout(&o), stderr(&o), t.elapsed());
            if first {
                eprintln!("etcd restarted -> env --swarm (leader 127.0.0.1:{settled}): {out}");
                first = false;
            }
            (!stdout(&o).contains(&want)).then(|| {
                let roles: Vec<_> = all.iter().map(|p| (p, role(&s, *p))).collect();
                format!("{out}\nroles: {roles:?}")
            })
        },
    );
    for m in managers.into_iter().flatten() {
        let out = m.stop();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    drop(c);
}
