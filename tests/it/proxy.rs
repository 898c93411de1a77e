//! `flotilla proxy` against real engines and real nginx: Debian's nginx in local mode, the
//! locally built `flotilla-nginx` image in node mode (`scripts/testbed-nginx-image`).
//!
//! The tests share the testbed engines with each other and with every other test, so each
//! labels its containers with its own id and starts its watcher with
//! `--container-filter label=flotilla-test=ID` (`Containers::labelled`, `filter_args`): a
//! watcher routes only its own test's containers, and the tests run in parallel with the rest.
//! Every vhost has a unique name too. A lost event stream is simulated with a unix socket
//! forwarder (`Forwarder::cut`) rather than by restarting a shared engine.

use std::path::Path;
use std::time::Duration;

use crate::proxy_kit::*;
use crate::support::{bin, stderr, stdout};

/// Waits (60 s at most, a hang guard) until the watcher's status says no change waits for
/// the debounce and `also` holds; returns that status.
fn quiet(w: &Watcher, also: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let mut st = serde_json::Value::Null;
    let ok = wait_until(Duration::from_secs(60), || {
        st = w.status();
        st["pending"] == false && st["last_apply"].is_object() && also(&st)
    });
    assert!(ok, "the watcher did not settle: {st}\nlog:\n{}", w.log());
    st
}

fn vhost_names(st: &serde_json::Value) -> Vec<String> {
    st["table"]["vhosts"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v["host"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn engines_sum(st: &serde_json::Value, field: &str) -> u64 {
    st["engines"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e[field].as_u64()).sum())
        .unwrap_or(0)
}

fn web<'a>(sock: &'a Path, name: &'a str, env: &'a [&'a str], publish: &'a [u16]) -> Backend<'a> {
    Backend {
        sock,
        name,
        env,
        ports: &[80],
        publish,
    }
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn proxy_routes_by_host_wildcard_regex_port_and_path_across_engines() {
    let id = unique("pxr");
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("store");
    adopt(&bin(), &store, &["frontend", "backend1", "backend2"]);
    let (_, _, front) = engine("frontend");
    let (_, _, b1) = engine("backend1");
    let (_, _, b2) = engine("backend2");
    let cs = Containers::labelled(&id);
    let n = |s: &str| format!("{id}-{s}");
    let app = format!("app.{id}.test");
    let vh = |h: &str| format!("VIRTUAL_HOST={h}");

    // before the watcher starts: found by the initial resync
    let (a1, a2, api) = (n("a1"), n("a2"), n("api"));
    cs.run(&web(&b1, &a1, &[&vh(&app)], &[80]));
    cs.run(&web(&b2, &a2, &[&vh(&app)], &[80]));
    cs.run(&web(&b2, &api, &[&vh(&app), "VIRTUAL_PATH=/api/"], &[80]));
    let wild = n("wild");
    cs.run(&web(
        &b1,
        &wild,
        &[&vh(&format!("*.wild.{id}.test"))],
        &[80],
    ));
    let re = n("re");
    cs.run(&web(
        &front,
        &re,
        &[&vh(&format!("~^re-[0-9]+\\.{id}\\.test$"))],
        &[80],
    ));
    let port = n("port");
    cs.run(&Backend {
        sock: &b1,
        name: &port,
        env: &[&vh(&format!("port.{id}.test")), "VIRTUAL_PORT=8080"],
        ports: &[80, 8080],
        publish: &[80, 8080],
    });
    // published but nothing listens on 8081: 502
    let dead = n("dead");
    cs.run(&web(
        &b2,
        &dead,
        &[&vh(&format!("dead.{id}.test")), "VIRTUAL_PORT=8081"],
        &[8081],
    ));
    let bad = n("bad");
    cs.run(&web(
        &b1,
        &bad,
        &[&vh(&format!("bad host!.{id}.test"))],
        &[80],
    ));
    let hidden = n("hidden");
    cs.run(&web(
        &b2,
        &hidden,
        &[&vh(&format!("hidden.{id}.test"))],
        &[],
    ));

    let listen = free_port();
    let addr = format!("127.0.0.1:{listen}");
    let mut w = Watcher::start(
        &bin(),
        &store,
        &tmp.path().join("proxy"),
        &[
            "--machine".into(),
            "frontend".into(),
            "--machine".into(),
            "backend1".into(),
            "--machine".into(),
            "backend2".into(),
            "--listen".into(),
            addr.clone(),
        ]
        .into_iter()
        .chain(cs.filter_args())
        .collect::<Vec<_>>(),
    );
    assert!(
        wait_until(Duration::from_secs(60), || get(&addr, &app, "/").0 == 200),
        "app never answered; watcher log:\n{}",
        w.log()
    );

    // round-robin across the two hosts
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..20 {
        let (code, body) = get(&addr, &app, "/");
        assert_eq!(code, 200, "{body}");
        seen.insert(body);
    }
    let want: std::collections::BTreeSet<String> = [format!("{a1} 80"), format!("{a2} 80")].into();
    assert_eq!(seen, want);

    assert_eq!(get(&addr, &app, "/api/"), (200, format!("{api} 80 api")));
    assert_eq!(
        get(&addr, &format!("x.wild.{id}.test"), "/"),
        (200, format!("{wild} 80"))
    );
    assert_eq!(
        get(&addr, &format!("re-42.{id}.test"), "/"),
        (200, format!("{re} 80"))
    );
    assert_eq!(get(&addr, &format!("re-x.{id}.test"), "/").0, 503);
    assert_eq!(
        get(&addr, &format!("port.{id}.test"), "/"),
        (200, format!("{port} 8080"))
    );
    assert_eq!(get(&addr, &format!("nope.{id}.test"), "/").0, 503);
    assert_eq!(get(&addr, &format!("dead.{id}.test"), "/").0, 502);
    assert_eq!(get(&addr, &format!("hidden.{id}.test"), "/").0, 502);

    // skipped containers, with their reasons: in the log and in `proxy status` (nginx
    // answers a moment before the watcher records the apply)
    assert!(wait_until(
        Duration::from_secs(60),
        || w.status()["last_apply"]["result"] == "updated"
    ));
    let log = w.log();
    assert!(
        log.contains(&format!(
            "skipped backend1/{bad}: invalid VIRTUAL_HOST item"
        )),
        "{log}"
    );
    assert!(
        log.contains(&format!("skipped backend2/{hidden}: not reachable on the data plane network and port 80/tcp is not published")),
        "{log}"
    );
    let out = std::process::Command::new(bin())
        .arg("-s")
        .arg(&store)
        .args(["proxy", "status", "--conf-dir"])
        .arg(tmp.path().join("proxy"))
        .output()
        .expect("proxy status");
    let text = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(text.contains("watcher: running"), "{text}");
    assert!(
        text.contains(&format!("app.{id}.test")),
        "{text}\n{}",
        w.log()
    );
    assert!(text.contains(&format!("(backend1/{a1})")), "{text}");
    assert!(
        text.contains(&format!("backend1/{bad}: invalid VIRTUAL_HOST")),
        "{text}"
    );
    assert!(
        text.contains(&format!("backend2/{hidden}: not reachable")),
        "{text}"
    );
    let out = std::process::Command::new(bin())
        .arg("-s")
        .arg(&store)
        .args(["proxy", "status", "--format", "json", "--conf-dir"])
        .arg(tmp.path().join("proxy"))
        .output()
        .expect("proxy status json");
    let st: serde_json::Value = serde_json::from_slice(&out.stdout).expect("status json");
    let skipped = st["table"]["skipped"].as_array().expect("skipped");
    assert!(
        skipped.iter().any(|s| s["container"] == bad.as_str()),
        "{skipped:?}"
    );

    // a container started after the proxy is routed; once removed it is not
    let late = n("late");
    let late_host = format!("late.{id}.test");
    cs.run(&web(&b2, &late, &[&vh(&late_host)], &[80]));
    assert!(
        wait_until(Duration::from_secs(60), || get(&addr, &late_host, "/")
            == (200, format!("{late} 80"))),
        "late container not routed; log:\n{}",
        w.log()
    );
    cs.remove(&b2, &late);
    assert!(
        wait_until(Duration::from_secs(60), || get(&addr, &late_host, "/").0
            == 503),
        "removed container still routed"
    );
    // the invalid container did not disturb the others
    assert_eq!(get(&addr, &app, "/api/").0, 200);

    // a full resync (SIGHUP) renders the same bytes and does not reload
    let st = quiet(&w, |st| !vhost_names(st).contains(&late_host));
    let before = w.config();
    let (resyncs, reloads) = (engines_sum(&st, "resyncs"), st["reloads"].as_u64());
    w.signal("HUP");
    let st = quiet(&w, |st| engines_sum(st, "resyncs") >= resyncs + 3);
    assert_eq!(w.config(), before, "configuration changed across a resync");
    assert_eq!(st["reloads"].as_u64(), reloads);

    assert!(w.stop(), "watcher did not stop cleanly:\n{}", w.log());
    assert_eq!(w.status()["stopped"], true);
    // its nginx is gone with it
    assert_eq!(get(&addr, &app, "/").0, 0);
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn proxy_resyncs_after_losing_an_engine_connection() {
    let id = unique("pxl");
    let tmp = tempfile::tempdir().expect("tempdir");
    let (_, ip, b2) = engine("backend2");
    let fwd = Forwarder::start(&tmp.path().join("fwd.sock"), &b2);
    let cs = Containers::labelled(&id);
    let one = format!("{id}-one");
    let one_host = format!("one.{id}.test");
    cs.run(&web(
        &b2,
        &one,
        &[&format!("VIRTUAL_HOST={one_host}")],
        &[80],
    ));

    let addr = format!("127.0.0.1:{}", free_port());
    let w = Watcher::start(
        &bin(),
        &tmp.path().join("store"),
        &tmp.path().join("proxy"),
        &[
            "--docker-host".into(),
            format!("unix://{}", fwd.path.display()),
            "--engine-ip".into(),
            ip.clone(),
            "--listen".into(),
            addr.clone(),
        ]
        .into_iter()
        .chain(cs.filter_args())
        .collect::<Vec<_>>(),
    );
    assert!(
        wait_until(Duration::from_secs(60), || get(&addr, &one_host, "/").0
            == 200),
        "never routed; log:\n{}",
        w.log()
    );
    let st = quiet(&w, |st| vhost_names(st).contains(&one_host));
    let conf = w.config();
    let (resyncs, reloads) = (engines_sum(&st, "resyncs"), st["reloads"].as_u64());
    let connected = |w: &Watcher| w.status()["engines"][0]["connected"] == true;

    // the connection drops: routes stay, the engine shows as disconnected
    fwd.cut();
    assert!(
        wait_until(Duration::from_secs(60), || !connected(&w)),
        "the watcher did not notice; log:\n{}",
        w.log()
    );
    assert_eq!(get(&addr, &one_host, "/").0, 200);
    fwd.restore();
    let st = quiet(&w, |st| {
        st["engines"][0]["connected"] == true && engines_sum(st, "resyncs") > resyncs
    });
    assert_eq!(w.config(), conf, "configuration changed across a resync");
    assert_eq!(st["reloads"].as_u64(), reloads);

    // events missed while disconnected are caught up by the resync
    fwd.cut();
    assert!(wait_until(Duration::from_secs(60), || !connected(&w)));
    cs.remove(&b2, &one);
    let two = format!("{id}-two");
    let two_host = format!("two.{id}.test");
    cs.run(&web(
        &b2,
        &two,
        &[&format!("VIRTUAL_HOST={two_host}")],
        &[80],
    ));
    fwd.restore();
    assert!(
        wait_until(Duration::from_secs(60), || get(&addr, &two_host, "/")
            == (200, format!("{two} 80"))),
        "missed start not caught up; log:\n{}",
        w.log()
    );
    assert!(
        wait_until(Duration::from_secs(60), || get(&addr, &one_host, "/").0
            == 503),
        "missed removal not caught up"
    );
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn proxy_node_mode_runs_nginx_on_the_node_and_adopts_it() {
    let id = unique("pxn");
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("store");
    adopt(&bin(), &store, &["frontend", "backend1"]);
    let (_, front_ip, front) = engine("frontend");
    let (_, _, b1) = engine("backend1");
    let image = docker(&front)
        .args(["image", "inspect", "flotilla-nginx:latest"])
        .output()
        .expect("docker image inspect");
    assert!(
        image.status.success(),
        "flotilla-nginx:latest is not on the frontend engine: run scripts/testbed-nginx-image (scripts/test does)"
    );
    let cs = Containers::labelled(&id);
    let proxy_name = format!("{id}-proxy");
    cs.track(&front, &proxy_name);
    let host = format!("node.{id}.test");
    let (on_front, on_back) = (format!("{id}-f"), format!("{id}-b"));
    // on the node, not published: reached at its container IP
    cs.run(&web(
        &front,
        &on_front,
        &[&format!("VIRTUAL_HOST={host}")],
        &[],
    ));
    // on another engine: reached at that host's IP and published port
    cs.run(&web(
        &b1,
        &on_back,
        &[&format!("VIRTUAL_HOST={host}")],
        &[80],
    ));

    let port = 20000 + (std::process::id() % 9000) as u16;
    let addr = format!("{front_ip}:{port}");
    let args: Vec<String> = [
        "--machine",
        "backend1",
        "--node",
        "frontend",
        "--proxy-image",
        "flotilla-nginx:latest",
        "--proxy-name",
        &proxy_name,
        "--listen",
        &port.to_string(),
        "--listen-https",
        "0",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(cs.filter_args())
    .collect();
    let conf_dir = tmp.path().join("proxy");
    let mut w = Watcher::start(&bin(), &store, &conf_dir, &args);
    let mut seen = std::collections::BTreeSet::new();
    let both = wait_until(Duration::from_secs(30), || {
        let (code, body) = get(&addr, &host, "/");
        if code == 200 {
            seen.insert(body);
        }
        seen.len() == 2
    });
    assert!(
        both,
        "saw {seen:?}; the node's nginx must reach both backends (a container on another engine needs traffic between testbed namespaces: scripts/testbed-nginx-image allows it); log:\n{}",
        w.log()
    );
    assert_eq!(get(&addr, &format!("nope.{id}.test"), "/").0, 503);
    let st = w.status();
    assert_eq!(st["mode"], "node");
    let container_id = || {
        let out = docker(&front)
            .args(["inspect", "-f", "{{.Id}}", &proxy_name])
            .output()
            .expect("docker inspect");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let first_id = container_id();
    assert!(!first_id.is_empty());

    // the watcher stops; the data plane keeps serving the last configuration
    assert!(w.stop(), "watcher did not stop cleanly:\n{}", w.log());
    assert_eq!(get(&addr, &host, "/").0, 200);

    // re-running adopts the container; nothing changed, so nothing is reloaded
    let w = Watcher::start(&bin(), &store, &conf_dir, &args);
    assert!(
        wait_until(
            Duration::from_secs(60),
            || w.status()["last_apply"]["result"] == "unchanged"
        ),
        "log:\n{}",
        w.log()
    );
    assert!(
        w.log().contains("adopted data plane container"),
        "{}",
        w.log()
    );
    assert_eq!(w.status()["reloads"], 0);
    assert_eq!(container_id(), first_id);

    // and it follows new containers through the adopted data plane
    let late = format!("{id}-late");
    let late_host = format!("late.{id}.test");
    cs.run(&web(
        &b1,
        &late,
        &[&format!("VIRTUAL_HOST={late_host}")],
        &[80],
    ));
    assert!(
        wait_until(Duration::from_secs(60), || get(&addr, &late_host, "/")
            == (200, format!("{late} 80"))),
        "log:\n{}",
        w.log()
    );
}

#[test]
fn proxy_usage_errors_and_status_without_a_watcher() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = |args: &[&str]| {
        std::process::Command::new(bin())
            .arg("-s")
            .arg(tmp.path())
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .expect("run flotilla")
    };
    let out = run(&["proxy", "status"]);
    crate::support::assert_clean_failure(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("error: no proxy status in"), "{err}");
    assert!(
        err.contains("hint: start the watcher with `flotilla proxy`"),
        "{err}"
    );

    let out = run(&["proxy", "--wait", "500ms:100ms"]);
    crate::support::assert_clean_failure(&out, 2);
    assert!(stderr(&out).contains("MAX must not be shorter than MIN"));
    let out = run(&["proxy", "--node", "x", "--reload-cmd", "true"]);
    crate::support::assert_clean_failure(&out, 2);
    let out = run(&["proxy", "--listen", "0", "--nginx", "/nonexistent/nginx"]);
    crate::support::assert_clean_failure(&out, 1);
    let out = run(&[
        "proxy",
        "--nginx",
        "/nonexistent/nginx",
        "--docker-host",
        "unix:///nonexistent.sock",
    ]);
    crate::support::assert_clean_failure(&out, 1);
    assert!(
        stderr(&out).contains("hint: install nginx"),
        "{}",
        stderr(&out)
    );
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn proxy_swarm_watches_every_member() {
    let id = unique("pxs");
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("store");
    adopt(&bin(), &store, &[]);
    let cluster = tmp.path().join("cluster");
    std::fs::write(&cluster, "").expect("cluster file");
    let discovery = format!("file://{}", cluster.display());
    for (name, master) in [("backend1", true), ("backend2", false)] {
        let (_, ip, _) = engine(name);
        let mut args = vec![
            "create".to_string(),
            "-d".into(),
            "none".into(),
            "--url".into(),
            format!("tcp://{ip}:2376"),
            "--swarm".into(),
            "--swarm-discovery".into(),
            discovery.clone(),
        ];
        if master {
            args.push("--swarm-master".into());
        }
        args.push(name.into());
        let out = std::process::Command::new(bin())
            .arg("-s")
            .arg(&store)
            .args(&args)
            .env_remove("DOCKER_HOST")
            .output()
            .expect("create");
        assert!(out.status.success(), "create {name}: {}", stderr(&out));
    }
    let (_, _, b1) = engine("backend1");
    let (_, _, b2) = engine("backend2");
    let cs = Containers::labelled(&id);
    let host = format!("swarm.{id}.test");
    let (x, y) = (format!("{id}-x"), format!("{id}-y"));
    cs.run(&web(&b1, &x, &[&format!("VIRTUAL_HOST={host}")], &[80]));
    cs.run(&web(&b2, &y, &[&format!("VIRTUAL_HOST={host}")], &[80]));
    let addr = format!("127.0.0.1:{}", free_port());
    let w = Watcher::start(
        &bin(),
        &store,
        &tmp.path().join("proxy"),
        &[
            "--swarm".into(),
            "backend1".into(),
            "--listen".into(),
            addr.clone(),
        ]
        .into_iter()
        .chain(cs.filter_args())
        .collect::<Vec<_>>(),
    );
    let mut seen = std::collections::BTreeSet::new();
    assert!(
        wait_until(Duration::from_secs(60), || {
            let (code, body) = get(&addr, &host, "/");
            if code == 200 {
                seen.insert(body);
            }
            seen.len() == 2
        }),
        "saw {seen:?}; log:\n{}",
        w.log()
    );
    let names: Vec<String> = w.status()["engines"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["name"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(names, ["backend1", "backend2"]);
}
