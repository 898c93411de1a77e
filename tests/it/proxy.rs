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

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn proxy_status_text(store: &Path, conf_dir: &Path) -> String {
    let out = std::process::Command::new(bin())
        .arg("-s")
        .arg(store)
        .args(["proxy", "status", "--conf-dir"])
        .arg(conf_dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("proxy status");
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn proxy_tls_local_mode_certificates_methods_hsts_and_renewal() {
    let id = unique("pxt");
    let tmp = tempfile::tempdir().expect("tempdir");
    let (_, ip, b1) = engine("backend1");
    let conf_dir = tmp.path().join("proxy");
    let certs = conf_dir.join("certs");
    let ca = TestCa::new("flotilla proxy test CA");
    let ca_file = tmp.path().join("ca.pem");
    std::fs::write(&ca_file, &ca.pem).expect("ca");
    let d = |s: &str| format!("{s}.{id}.test");
    let wild = format!("*.w.{id}.test");
    for (stem, names, serial) in [
        (d("red"), vec![d("red")], 1),
        (d("gone"), vec![d("gone")], 1),
        (d("nohttp"), vec![d("nohttp")], 1),
        (d("nohttps"), vec![d("nohttps")], 1),
        (d("noredir"), vec![d("noredir")], 1),
        (d("w"), vec![wild.clone()], 5),
    ] {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        ca.write(&certs, &stem, &names, serial);
    }
    let cs = Containers::labelled(&id);
    let vh = |h: &str| format!("VIRTUAL_HOST={h}");
    let n = |s: &str| format!("{id}-{s}");
    cs.run(&web(
        &b1,
        &n("red"),
        &[&vh(&d("red")), "NON_GET_REDIRECT=307"],
        &[80],
    ));
    cs.run(&web(
        &b1,
        &n("gone"),
        &[&vh(&d("gone")), "VIRTUAL_PORT=8081"],
        &[8081],
    ));
    cs.run(&web(
        &b1,
        &n("nohttp"),
        &[&vh(&d("nohttp")), "HTTPS_METHOD=nohttp"],
        &[80],
    ));
    cs.run(&web(
        &b1,
        &n("nohttps"),
        &[&vh(&d("nohttps")), "HTTPS_METHOD=nohttps"],
        &[80],
    ));
    cs.run(&web(
        &b1,
        &n("noredir"),
        &[&vh(&d("noredir")), "HTTPS_METHOD=noredirect"],
        &[80],
    ));
    cs.run(&web(&b1, &n("wild"), &[&vh(&wild)], &[80]));
    cs.run(&web(&b1, &n("plain"), &[&vh(&d("plain"))], &[80]));

    let (http, https) = (free_port(), free_port());
    let store = tmp.path().join("store");
    let w = Watcher::start(
        &bin(),
        &store,
        &conf_dir,
        &[
            args(&[
                "--docker-host",
                &format!("unix://{}", b1.display()),
                "--engine-ip",
                &ip,
                "--listen",
                &format!("127.0.0.1:{http}"),
                "--listen-https",
                &https.to_string(),
            ]),
            cs.filter_args(),
        ]
        .concat(),
    );
    let trust = Some(ca_file.as_path());
    let red = d("red");
    // Both listeners on the new configuration (during a reload an old worker may still take a
    // connection with the one before).
    assert!(
        wait_until(Duration::from_secs(20), || curl(
            "https",
            &red,
            https,
            "/",
            trust,
            &[]
        )
        .status
            == 200
            && curl("http", &red, http, "/", None, &[]).status == 301),
        "HTTPS never answered; log:\n{}",
        w.log()
    );
    // redirect (the default): 301 for GET, the vhost's 307 for other methods, to the HTTPS port
    let r = curl("http", &red, http, "/x?y=1", None, &[]);
    assert_eq!(r.status, 301, "{r:?}");
    let location = format!("https://{red}:{https}/x?y=1");
    assert_eq!(r.header("location"), Some(location.as_str()));
    let r = curl("http", &red, http, "/x?y=1", None, &["-X", "POST"]);
    assert_eq!(
        (r.status, r.header("location")),
        (307, Some(location.as_str()))
    );
    let r = curl("https", &red, https, "/", trust, &["--http2"]);
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, format!("{} 80", n("red")).as_str())
    );
    assert_eq!(r.http_version, "2", "{r:?}");
    assert_eq!(
        r.header("strict-transport-security"),
        Some("max-age=31536000")
    );
    assert_eq!(r.header("server"), Some("nginx"), "server_tokens off");
    // HSTS also on an upstream error
    let r = curl("https", &d("gone"), https, "/", trust, &[]);
    assert_eq!(r.status, 502, "{r:?}");
    assert_eq!(
        r.header("strict-transport-security"),
        Some("max-age=31536000")
    );
    // nohttp: HTTP reaches the fallback
    assert_eq!(curl("http", &d("nohttp"), http, "/", None, &[]).status, 503);
    let r = curl("https", &d("nohttp"), https, "/", trust, &[]);
    assert_eq!(r.status, 200);
    assert!(r.header("strict-transport-security").is_some());
    // nohttps: plain HTTP only; no default certificate, so the handshake is refused
    assert_eq!(
        curl("http", &d("nohttps"), http, "/", None, &[]).status,
        200
    );
    assert_eq!(
        curl("https", &d("nohttps"), https, "/", trust, &[]).exit,
        35
    );
    // noredirect: both, no HSTS
    assert_eq!(
        curl("http", &d("noredir"), http, "/", None, &[]).status,
        200
    );
    let r = curl("https", &d("noredir"), https, "/", trust, &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("strict-transport-security"), None);
    // a wildcard served by its parent domain's certificate
    let x = format!("x.w.{id}.test");
    let r = curl("https", &x, https, "/", trust, &[]);
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, format!("{} 80", n("wild")).as_str()),
        "{r:?}"
    );
    // no certificate: HTTP only
    assert_eq!(curl("http", &d("plain"), http, "/", None, &[]).status, 200);
    assert_eq!(curl("https", &d("plain"), https, "/", trust, &[]).exit, 35);
    assert_eq!(
        curl("https", &d("unknown"), https, "/", trust, &[]).exit,
        35
    );

    // a default certificate appears: unknown names get 503 over HTTPS (picked up without restart)
    let unknown = d("unknown");
    let plain = d("plain");
    ca.write(&certs, "default", &[&unknown, &plain], 3);
    assert!(
        wait_until(Duration::from_secs(10), || curl(
            "https",
            &unknown,
            https,
            "/",
            trust,
            &[]
        )
        .status
            == 503),
        "the default certificate was not picked up; log:\n{}",
        w.log()
    );
    // a vhost without a certificate of its own now uses the trusted default one (waited for
    // too: while nginx reloads, an old worker may still take a new connection)
    assert!(
        wait_until(Duration::from_secs(10), || curl(
            "http",
            &plain,
            http,
            "/",
            None,
            &[]
        )
        .status
            == 301),
        "plain was not redirected to HTTPS; log:\n{}",
        w.log()
    );

    // a renewed certificate is served after the file changes
    let before = served_serial(https, &red).expect("serial");
    ca.write(&certs, &red, &[&red], 2);
    assert!(
        wait_until(Duration::from_secs(10), || served_serial(https, &red)
            .is_some_and(|s| s != before)),
        "the renewed certificate was not served; log:\n{}",
        w.log()
    );
    assert_eq!(curl("https", &red, https, "/", trust, &[]).status, 200);

    let text = proxy_status_text(&store, &conf_dir);
    let certs_part = text.split("CERTIFICATE").nth(1).unwrap_or_default();
    let line = certs_part
        .lines()
        .find(|l| l.starts_with(&red))
        .unwrap_or_default();
    assert!(line.contains("file") && line.contains("in "), "{text}");
    assert!(!certs_part.contains(&d("nohttps")), "{text}");
    let line = certs_part
        .lines()
        .find(|l| l.starts_with(&wild))
        .unwrap_or_default();
    assert!(line.contains(&format!("parent (w.{id}.test)")), "{text}");
}

#[test]
fn proxy_keeps_every_good_vhost_updated_while_a_bad_container_is_present() {
    let id = unique("pxb");
    let tmp = tempfile::tempdir().expect("tempdir");
    let (_, ip, b1) = engine("backend1");
    let conf_dir = tmp.path().join("proxy");
    let store = tmp.path().join("store");
    // an operator's snippet nginx refuses: only its vhost may suffer
    let snip = format!("snip.{id}.test");
    std::fs::create_dir_all(conf_dir.join("vhost.d")).expect("vhost.d");
    std::fs::write(
        conf_dir.join("vhost.d").join(&snip),
        "bogus_directive on;\n",
    )
    .expect("snippet");
    let cs = Containers::labelled(&id);
    let n = |s: &str| format!("{id}-{s}");
    let vh = |h: &str| format!("VIRTUAL_HOST={h}");
    let good1 = format!("good1.{id}.test");
    cs.run(&web(&b1, &n("good1"), &[&vh(&good1)], &[80]));
    let addr = format!("127.0.0.1:{}", free_port());
    let w = Watcher::start(
        &bin(),
        &store,
        &conf_dir,
        &[
            args(&[
                "--docker-host",
                &format!("unix://{}", b1.display()),
                "--engine-ip",
                &ip,
                "--listen",
                &addr,
            ]),
            cs.filter_args(),
        ]
        .concat(),
    );
    assert!(
        wait_until(Duration::from_secs(20), || get(&addr, &good1, "/").0 == 200),
        "log:\n{}",
        w.log()
    );
    // Rust's regex accepts (?u), nginx's PCRE does not: nginx -t fails on the whole file
    let pcre = format!("~(?u)^u\\.{id}\\.test$");
    cs.run(&web(&b1, &n("pcre"), &[&vh(&pcre)], &[80]));
    // a named capture that redefines $host, and a catastrophic pattern: refused up front
    let dup = format!("~^(?<host>.+)\\.dup\\.{id}\\.test$");
    cs.run(&web(&b1, &n("dup"), &[&vh(&dup)], &[80]));
    cs.run(&web(&b1, &n("redos"), &[&vh("~^(a|a)+$")], &[80]));
    // a valid 253-character name: longer than the default hash bucket
    let suffix = format!(".{id}.test");
    let mut left = 253 - suffix.len();
    let mut labels = Vec::new();
    while left > 0 {
        let mut take = left.min(63);
        if left - take == 1 {
            take -= 1;
        }
        labels.push("l".repeat(take));
        left -= take;
        left = left.saturating_sub(1);
    }
    let long = format!("{}{suffix}", labels.join("."));
    assert_eq!(long.len(), 253, "{long}");
    cs.run(&web(&b1, &n("long"), &[&vh(&long)], &[80]));
    cs.run(&web(&b1, &n("snip"), &[&vh(&snip)], &[80]));
    // a site added while the bad ones are present is still served
    let good2 = format!("good2.{id}.test");
    cs.run(&web(&b1, &n("good2"), &[&vh(&good2)], &[80]));
    assert!(
        wait_until(Duration::from_secs(20), || get(&addr, &good2, "/").0 == 200),
        "a good vhost was not served while bad containers were present; log:\n{}",
        w.log()
    );
    assert_eq!(get(&addr, &long, "/"), (200, format!("{} 80", n("long"))));
    assert_eq!(get(&addr, &good1, "/").0, 200);
    assert_eq!(get(&addr, &format!("u.{id}.test"), "/").0, 503);
    assert_eq!(get(&addr, &snip, "/").0, 503);
    assert!(wait_until(Duration::from_secs(5), || {
        w.status()["rejected"]
            .as_array()
            .is_some_and(|r| r.len() == 2)
    }));
    let st = w.status();
    let rejected = st["rejected"].as_array().cloned().unwrap_or_default();
    let hosts: Vec<&str> = rejected.iter().filter_map(|r| r["host"].as_str()).collect();
    // in vhost order
    assert_eq!(hosts, [snip.as_str(), pcre.as_str()], "{rejected:?}");
    let pcre_err = rejected[1]["error"].as_str().unwrap_or_default();
    assert!(
        pcre_err.contains("pcre2_compile() failed") || pcre_err.contains("pcre_compile() failed"),
        "{pcre_err}"
    );
    assert_eq!(rejected[1]["containers"][0], format!("local/{}", n("pcre")));
    assert!(
        rejected[0]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("unknown directive \"bogus_directive\"")
    );
    let skipped = st["table"]["skipped"].to_string();
    assert!(
        skipped.contains("would redefine nginx's variable $host"),
        "{skipped}"
    );
    assert!(skipped.contains("exponential time"), "{skipped}");
    let log = w.log();
    assert!(
        log.contains(&format!("nginx rejects vhost {pcre}")),
        "{log}"
    );
    let text = proxy_status_text(&store, &conf_dir);
    assert!(
        text.contains("rejected vhosts (nginx refused them; every other vhost is served):"),
        "{text}"
    );
    assert!(
        text.contains(&format!("{snip} (from local/{})", n("snip"))),
        "{text}"
    );
    // the bad container goes away: nothing is rejected any more
    cs.remove(&b1, &n("pcre"));
    assert!(
        wait_until(Duration::from_secs(10), || {
            w.status()["rejected"]
                .as_array()
                .is_some_and(|r| r.len() == 1)
        }),
        "log:\n{}",
        w.log()
    );
}

#[test]
fn proxy_trust_downstream_proxy_is_a_setting() {
    let id = unique("pxd");
    let tmp = tempfile::tempdir().expect("tempdir");
    let (_, ip, b1) = engine("backend1");
    let cs = Containers::labelled(&id);
    let host = format!("echo.{id}.test");
    cs.run_echo(
        &b1,
        &format!("{id}-echo"),
        &[&format!("VIRTUAL_HOST={host}")],
        &[80],
    );
    for (trust, want_proto, want_port) in [(None, "https", "4443"), (Some("false"), "http", "")] {
        let port = free_port();
        let mut a = args(&[
            "--docker-host",
            &format!("unix://{}", b1.display()),
            "--engine-ip",
            &ip,
            "--listen",
            &format!("127.0.0.1:{port}"),
        ]);
        if let Some(t) = trust {
            a.extend(args(&["--trust-downstream-proxy", t]));
        }
        let dir = tmp
            .path()
            .join(format!("proxy-{}", trust.unwrap_or("default")));
        a.extend(cs.filter_args());
        let w = Watcher::start(&bin(), &tmp.path().join("store"), &dir, &a);
        let headers = [
            "-H",
            "X-Forwarded-Proto: https",
            "-H",
            "X-Forwarded-Port: 4443",
            "-H",
            "X-Forwarded-Host: spoofed.example",
            "-H",
            "X-Forwarded-For: 203.0.113.7",
        ];
        let mut r = Curl::default();
        assert!(
            wait_until(Duration::from_secs(20), || {
                r = curl("http", &host, port, "/cgi-bin/env", None, &headers);
                r.status == 200
            }),
            "{r:?}; log:\n{}",
            w.log()
        );
        let env = |k: &str| {
            r.body
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{k}=")))
                .unwrap_or_default()
                .to_string()
        };
        assert_eq!(
            env("HTTP_X_FORWARDED_PROTO"),
            want_proto,
            "{trust:?}: {}",
            r.body
        );
        if trust.is_none() {
            assert_eq!(env("HTTP_X_FORWARDED_PORT"), want_port);
            assert_eq!(env("HTTP_X_FORWARDED_HOST"), "spoofed.example");
            assert_eq!(env("HTTP_X_FORWARDED_FOR"), "203.0.113.7, 127.0.0.1");
        } else {
            assert_eq!(env("HTTP_X_FORWARDED_PORT"), port.to_string());
            assert_eq!(env("HTTP_X_FORWARDED_HOST"), host);
            assert_eq!(env("HTTP_X_FORWARDED_FOR"), "127.0.0.1");
        }
    }
}

#[test]
fn proxy_nginx_proxy_settings_each_change_what_is_served() {
    let id = unique("pxo");
    let tmp = tempfile::tempdir().expect("tempdir");
    let (_, ip, b1) = engine("backend1");
    let conf_dir = tmp.path().join("proxy");
    let d = |s: &str| format!("{s}.{id}.test");
    let n = |s: &str| format!("{id}-{s}");
    let vh = |h: &str| format!("VIRTUAL_HOST={h}");
    // files: basic auth, a server snippet, a location snippet
    std::fs::create_dir_all(conf_dir.join("htpasswd")).expect("htpasswd");
    std::fs::create_dir_all(conf_dir.join("vhost.d")).expect("vhost.d");
    std::fs::write(
        conf_dir.join("htpasswd").join(d("auth")),
        "ann:{PLAIN}secret\n",
    )
    .expect("htpasswd");
    std::fs::write(
        conf_dir.join("vhost.d").join(d("snip")),
        "add_header X-Snippet server always;\n",
    )
    .expect("snippet");
    std::fs::write(
        conf_dir
            .join("vhost.d")
            .join(format!("{}_location", d("locsnip"))),
        "return 418;\n",
    )
    .expect("snippet");
    let cs = Containers::labelled(&id);
    cs.run(&web(&b1, &n("auth"), &[&vh(&d("auth"))], &[80]));
    cs.run(&web(&b1, &n("snip"), &[&vh(&d("snip"))], &[80]));
    cs.run(&web(&b1, &n("locsnip"), &[&vh(&d("locsnip"))], &[80]));
    cs.run(&web(
        &b1,
        &n("body"),
        &[&vh(&d("body")), "CLIENT_MAX_BODY_SIZE=1k"],
        &[80],
    ));
    cs.run(&web(
        &b1,
        &n("re"),
        &[&vh(&d("re")), "VIRTUAL_PATH=~ ^/ap[i]/"],
        &[80],
    ));
    let ext_port = free_port();
    cs.run(&web(
        &b1,
        &n("ext"),
        &[&vh(&d("ext")), &format!("EXTERNAL_HTTP_PORT={ext_port}")],
        &[80],
    ));
    // two replicas: ip_hash pins one client to one of them; without it, round-robin
    for r in ["lb1", "lb2"] {
        cs.run(&web(&b1, &n(r), &[&vh(&d("lb"))], &[80]));
        cs.run(&web(&b1, &n(&format!("rr{r}")), &[&vh(&d("rr"))], &[80]));
    }
    cs.run_echo(&b1, &n("ka"), &[&vh(&d("ka"))], &[80]);
    cs.run_echo(&b1, &n("noka"), &[&vh(&d("noka"))], &[80]);
    let label = |c: &str, k: &str, v: &str| {
        // labels cannot be added to a running container: recreate with the label
        cs.remove(&b1, c);
        let mut cmd = docker(&b1);
        cmd.args([
            "run",
            "-d",
            "--name",
            c,
            "--label",
            "flotilla-testbed=1",
            "--label",
            &format!("{TEST_LABEL}={id}"),
            "--label",
        ])
        .arg(format!("{k}={v}"))
        .args(["-e", &format!("NAME={c}"), "-e"]);
        cmd
    };
    // loadbalance and keepalive are labels
    for r in ["lb1", "lb2"] {
        let mut cmd = label(&n(r), "flotilla.proxy.loadbalance", "ip_hash");
        cmd.arg(vh(&d("lb"))).args(["-p", "80", "flotilla-busybox:latest", "sh", "-c"])
            .arg("mkdir -p /w && echo \"$NAME 80\" > /w/index.html && httpd -p 80 -h /w; exec sleep 2147483647");
        let out = cmd.output().expect("docker run");
        assert!(out.status.success(), "{}", stderr(&out));
    }
    {
        let c = n("noka");
        let mut cmd = label(
            &c,
            "com.github.nginx-proxy.nginx-proxy.keepalive",
            "disabled",
        );
        cmd.arg(vh(&d("noka"))).args(["-p", "80", "flotilla-busybox:latest", "sh", "-c"])
            .arg("mkdir -p /w/cgi-bin && printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\nenv | sort\\n' > /w/cgi-bin/env && chmod +x /w/cgi-bin/env && httpd -p 80 -h /w; exec sleep 2147483647");
        let out = cmd.output().expect("docker run");
        assert!(out.status.success(), "{}", stderr(&out));
    }

    let port = free_port();
    let access_log = tmp.path().join("access.log");
    let w = Watcher::start(
        &bin(),
        &tmp.path().join("store"),
        &conf_dir,
        &[
            args(&[
                "--docker-host",
                &format!("unix://{}", b1.display()),
                "--engine-ip",
                &ip,
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--default-root",
                "418",
                "--access-log",
                &access_log.to_string_lossy(),
            ]),
            cs.filter_args(),
        ]
        .concat(),
    );
    let get = |host: &str, path: &str, extra: &[&str]| curl("http", host, port, path, None, extra);
    assert!(
        wait_until(Duration::from_secs(20), || get(&d("rr"), "/", &[]).status
            == 200),
        "log:\n{}",
        w.log()
    );
    // basic auth from htpasswd/HOST
    assert_eq!(get(&d("auth"), "/", &[]).status, 401);
    assert_eq!(get(&d("auth"), "/", &["-u", "ann:secret"]).status, 200);
    assert_eq!(get(&d("auth"), "/", &["-u", "ann:wrong"]).status, 401);
    // vhost.d/HOST in the server, vhost.d/HOST_location in each location
    assert_eq!(
        get(&d("snip"), "/", &[]).header("x-snippet"),
        Some("server")
    );
    assert_eq!(get(&d("locsnip"), "/", &[]).status, 418);
    // client_max_body_size
    let big = "x".repeat(4096);
    assert_eq!(get(&d("body"), "/", &["--data-binary", &big]).status, 413);
    assert_ne!(get(&d("snip"), "/", &["--data-binary", &big]).status, 413);
    // a regex VIRTUAL_PATH; `/` answers DEFAULT_ROOT (--default-root 418)
    let r = get(&d("re"), "/api/", &[]);
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, format!("{} 80 api", n("re")).as_str())
    );
    assert_eq!(get(&d("re"), "/", &[]).status, 418);
    // EXTERNAL_HTTP_PORT: the vhost listens on its own port
    assert_eq!(
        curl("http", &d("ext"), ext_port, "/", None, &[]).status,
        200
    );
    assert_eq!(get(&d("ext"), "/", &[]).status, 503);
    // loadbalance ip_hash: one client, one backend; round-robin otherwise
    let bodies = |h: &str| {
        (0..12)
            .map(|_| get(h, "/", &[]).body)
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert!(wait_until(Duration::from_secs(10), || get(
        &d("lb"),
        "/",
        &[]
    )
    .status
        == 200));
    assert_eq!(bodies(&d("lb")).len(), 1);
    assert_eq!(bodies(&d("rr")).len(), 2);
    // keepalive (default auto): no `Connection: close` towards the backend; disabled: close
    assert!(wait_until(Duration::from_secs(10), || get(
        &d("noka"),
        "/cgi-bin/env",
        &[]
    )
    .status
        == 200));
    let ka = get(&d("ka"), "/cgi-bin/env", &[]).body;
    assert!(!ka.contains("HTTP_CONNECTION=close"), "{ka}");
    let noka = get(&d("noka"), "/cgi-bin/env", &[]).body;
    assert!(noka.contains("HTTP_CONNECTION=close"), "{noka}");
    // server_tokens off, and the access log
    let r = get(&d("nope"), "/", &[]);
    assert_eq!((r.status, r.header("server")), (503, Some("nginx")));
    assert!(!r.body.contains("nginx/"), "{}", r.body);
    assert!(
        wait_until(Duration::from_secs(5), || std::fs::read_to_string(
            &access_log
        )
        .is_ok_and(|l| l.contains(&format!("{} 127.0.0.1", d("auth"))))),
        "access log: {:?}",
        std::fs::read_to_string(&access_log)
    );
}

#[test]
fn proxy_acme_with_pebble_issues_renews_and_keeps_http_on_failure() {
    let id = unique("pxa");
    let tmp = tempfile::tempdir().expect("tempdir");
    let (_, ip, b1) = engine("backend1");
    let (http, https) = (free_port(), free_port());
    let blocked = format!("blocked.{id}.test");
    // certificates live 12 s: renewed once 4 s remain
    let pebble = Pebble::start(&tmp.path().join("pebble"), http, 12, &[&blocked]);
    let root = tmp.path().join("pebble-root.pem");
    pebble.root(&root);
    let store = tmp.path().join("store");
    let conf_dir = tmp.path().join("proxy");
    let cs = Containers::labelled(&id);
    let host = format!("acme.{id}.test");
    let w = Watcher::start(
        &bin(),
        &store,
        &conf_dir,
        &[
            args(&[
                "--docker-host",
                &format!("unix://{}", b1.display()),
                "--engine-ip",
                &ip,
                "--listen",
                &format!("127.0.0.1:{http}"),
                "--listen-https",
                &https.to_string(),
                "--acme-directory",
                &pebble.directory,
                "--acme-ca-file",
                &pebble.https_ca.to_string_lossy(),
                "--acme-email",
                "ops@example.com",
            ]),
            cs.filter_args(),
        ]
        .concat(),
    );
    cs.run(&web(
        &b1,
        &format!("{id}-acme"),
        &[
            &format!("VIRTUAL_HOST={host}"),
            &format!("LETSENCRYPT_HOST={host}"),
        ],
        &[80],
    ));
    cs.run(&web(
        &b1,
        &format!("{id}-blocked"),
        &[
            &format!("VIRTUAL_HOST={blocked}"),
            &format!("LETSENCRYPT_HOST={blocked}"),
        ],
        &[80],
    ));
    let trust = Some(root.as_path());
    assert!(
        wait_until(Duration::from_secs(30), || curl(
            "https",
            &host,
            https,
            "/",
            trust,
            &[]
        )
        .status
            == 200
            && curl("http", &host, http, "/", None, &[]).status == 301),
        "no HTTPS with a pebble certificate; log:\n{}\npebble:\n{}",
        w.log(),
        pebble.log()
    );
    let issuer = served_issuer(https, &host).unwrap_or_default();
    assert!(issuer.contains("Pebble"), "{issuer}");
    assert_eq!(curl("http", &host, http, "/", None, &[]).status, 301);
    // the account and the certificate are in the store, private
    let acme_dir = std::fs::read_dir(store.join("acme"))
        .expect("acme dir")
        .flatten()
        .next()
        .expect("one directory")
        .path();
    use std::os::unix::fs::PermissionsExt;
    for f in [
        acme_dir.join("account.json"),
        acme_dir.join("certs").join(format!("{host}.key")),
        acme_dir.join("certs").join(format!("{host}.crt")),
    ] {
        let mode = std::fs::metadata(&f)
            .expect("stored file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{}", f.display());
    }
    // pebble refuses the blocked name: that vhost stays on plain HTTP and status says why
    assert!(
        wait_until(Duration::from_secs(20), || {
            w.status()["certificates"].as_array().is_some_and(|c| {
                c.iter()
                    .any(|c| c["host"] == blocked.as_str() && c["acme_error"].is_string())
            })
        }),
        "status: {}\nlog:\n{}",
        w.status(),
        w.log()
    );
    assert_eq!(curl("http", &blocked, http, "/", None, &[]).status, 200);
    assert_eq!(curl("https", &blocked, https, "/", trust, &[]).exit, 35);
    let text = proxy_status_text(&store, &conf_dir);
    let certs_part = text.split("CERTIFICATE").nth(1).unwrap_or_default();
    let line = certs_part
        .lines()
        .find(|l| l.starts_with(&blocked))
        .unwrap_or_default();
    assert!(line.contains("failed, retry"), "{text}");
    let line = certs_part
        .lines()
        .find(|l| l.starts_with(&host))
        .unwrap_or_default();
    assert!(line.contains("acme") && line.contains("renews"), "{text}");
    // renewal ahead of expiry: a new certificate is served before the first one expires
    let first = served_serial(https, &host).expect("serial");
    assert!(
        wait_until(Duration::from_secs(30), || served_serial(https, &host)
            .is_some_and(|s| s != first)),
        "not renewed; log:\n{}",
        w.log()
    );
    assert_eq!(curl("https", &host, https, "/", trust, &[]).status, 200);
}

#[test]
fn proxy_node_mode_terminates_tls_with_the_certificates_directory() {
    let id = unique("pxnt");
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("store");
    adopt(&bin(), &store, &["frontend"]);
    let (_, front_ip, front) = engine("frontend");
    let cs = Containers::labelled(&id);
    let proxy_name = format!("{id}-proxy");
    cs.track(&front, &proxy_name);
    let host = format!("tls.{id}.test");
    cs.run(&web(
        &front,
        &format!("{id}-web"),
        &[&format!("VIRTUAL_HOST={host}")],
        &[],
    ));
    let conf_dir = tmp.path().join("proxy");
    let certs = conf_dir.join("certs");
    let ca = TestCa::new("flotilla node test CA");
    let ca_file = tmp.path().join("ca.pem");
    std::fs::write(&ca_file, &ca.pem).expect("ca");
    ca.write(&certs, &host, &[&host], 1);
    let base = 20000 + (std::process::id() % 9000) as u16;
    // clear of the other node test's port (base), which may still be draining
    let (http, https) = (base + 2, base + 3);
    let w = Watcher::start(
        &bin(),
        &store,
        &conf_dir,
        &[
            args(&[
                "--node",
                "frontend",
                "--proxy-image",
                "flotilla-nginx:latest",
                "--proxy-name",
                &proxy_name,
                "--listen",
                &http.to_string(),
                "--listen-https",
                &https.to_string(),
            ]),
            cs.filter_args(),
        ]
        .concat(),
    );
    let trust = Some(ca_file.as_path());
    assert!(
        wait_until(Duration::from_secs(30), || curl_at(
            &front_ip,
            "https",
            &host,
            https,
            "/",
            trust,
            &[]
        )
        .status
            == 200),
        "log:\n{}",
        w.log()
    );
    // the redirect targets the published HTTPS port (waited for: while nginx reloads, an old
    // worker may still take a new connection with the configuration before)
    let location = format!("https://{host}:{https}/a");
    let redirected = || {
        let r = curl_at(&front_ip, "http", &host, http, "/a", None, &[]);
        (r.status, r.header("location").map(str::to_string))
    };
    assert!(
        wait_until(Duration::from_secs(10), || redirected()
            == (301, Some(location.clone()))),
        "{:?}; log:\n{}",
        redirected(),
        w.log()
    );
    // no default certificate: unknown names are refused at the handshake
    assert_eq!(
        curl_at(
            &front_ip,
            "https",
            &format!("nope.{id}.test"),
            https,
            "/",
            trust,
            &[]
        )
        .exit,
        35
    );
    // a renewed certificate is copied in and served
    let before = served_serial_at(&front_ip, https, &host).expect("serial");
    ca.write(&certs, &host, &[&host], 2);
    assert!(
        wait_until(Duration::from_secs(15), || served_serial_at(
            &front_ip, https, &host
        )
        .is_some_and(|s| s != before)),
        "log:\n{}",
        w.log()
    );
}
