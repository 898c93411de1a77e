//! Discovery end to end: the built binary, its token service as a real
//! process, a real etcd, the embedded registry, files and node lists, and
//! `create --swarm` / `rm` on `none` machines.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support_discovery::*;

fn is_token(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn list(store: &Path, args: &[&str]) -> Vec<String> {
    let mut a = vec!["list"];
    a.extend_from_slice(args);
    lines(&ok(store, &a))
}

/// Heartbeats the agent logged so far (its debug log says `registered ADDR again` after each
/// successful one).
fn heartbeats(p: &Proc) -> usize {
    p.stderr().matches(" again\n").count()
}

/// Waits until the agent logged `n` more successful heartbeats than `since`: with a 1 s
/// heartbeat and a 2 s TTL, three of them span more than one TTL, so an entry still listed
/// then was kept by them. 30 s at most, a hang guard.
fn wait_heartbeats(p: &Proc, since: usize, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while heartbeats(p) < since + n {
        assert!(
            Instant::now() < deadline,
            "fewer than {n} heartbeats: {}",
            p.stderr()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn join(store: &Path, url: &str, advertise: &str, extra: &[&str], name: &str) -> Proc {
    let mut c = cmd(store);
    c.env("RUST_LOG", "flotilla=debug");
    c.args(["join", "--advertise", advertise, "--heartbeat", "1s"]);
    if !extra.contains(&"--ttl") {
        c.args(["--ttl", "2s"]);
    }
    c.args(extra).arg(url);
    let p = Proc::spawn(c, &store.join(format!("{name}.stderr")));
    // The first registration is logged once it is done.
    let start = Instant::now();
    while !p.stderr().contains("registered ") {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "join did not register: {}",
            p.stderr()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    p
}

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

#[test]
fn token_create_prints_only_a_token_into_the_embedded_registry() {
    let s = tempfile::tempdir().unwrap();
    let out = ok(s.path(), &["token", "create"]);
    let token = out.strip_suffix('\n').expect("one line");
    assert!(is_token(token), "{out:?}");
    assert!(
        s.path()
            .join("discovery")
            .join(format!("{token}.json"))
            .is_file()
    );
    let second = ok(s.path(), &["token", "create"]);
    assert_ne!(out, second);
    // An empty cluster lists nothing, successfully.
    assert!(list(s.path(), &[&format!("token://{token}")]).is_empty());
    ok(s.path(), &["token", "rm", token]);
    let r = run(s.path(), &["list", &format!("token://{token}")]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.contains("unknown token") && r.stderr.contains("hint:"),
        "{}",
        r.stderr
    );
}

#[test]
fn embedded_registry_join_heartbeat_leave_and_expiry() {
    let s = tempfile::tempdir().unwrap();
    let token = ok(s.path(), &["token", "create"]).trim().to_string();
    let url = format!("token://{token}");
    let mut a = join(s.path(), &url, "10.9.0.1:2376", &[], "a");
    let mut b = join(s.path(), &url, "10.9.0.2:2376", &[], "b");
    // Beyond one TTL: heartbeats keep both.
    wait_heartbeats(&a, 0, 3);
    wait_heartbeats(&b, 0, 3);
    assert_eq!(
        list(s.path(), &[&url]),
        vec!["10.9.0.1:2376", "10.9.0.2:2376"]
    );
    let json = ok(s.path(), &["list", "--format", "json", &url]);
    assert_eq!(json.trim(), r#"["10.9.0.1:2376","10.9.0.2:2376"]"#);
    // SIGTERM deregisters at once.
    assert!(a.terminate().success(), "{}", a.stderr());
    assert_eq!(list(s.path(), &[&url]), vec!["10.9.0.2:2376"]);
    // SIGKILL leaves the entry to its TTL.
    b.child.kill().unwrap();
    b.child.wait().unwrap();
    eventually(
        Duration::from_secs(30),
        "the killed agent to expire",
        || list(s.path(), &[&url]).is_empty(),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn token_service_speaks_the_hub_api_and_validates_input() {
    let s = tempfile::tempdir().unwrap();
    let data = s.path().join("data");
    let svc = TokenService::start(s.path(), &data, None);
    let c = http();
    let u = &svc.url;
    let token = c.post(format!("{u}/v1/clusters")).send().await.unwrap();
    assert_eq!(token.status(), 200);
    let token = token.text().await.unwrap();
    assert!(is_token(&token), "{token:?}");
    let post = |path: String, body: &'static str| {
        let c = c.clone();
        async move {
            let r = c
                .post(path)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    assert_eq!(
        post(format!("{u}/v1/clusters/{token}?ttl=30"), "10.0.0.1:2375").await,
        (200, "OK".into())
    );
    // The classic layout without /v1, and an entry without TTL.
    assert_eq!(
        post(format!("{u}/clusters/{token}"), "[::1]:2376\n")
            .await
            .0,
        200
    );
    let listed: Vec<String> = c
        .get(format!("{u}/v1/clusters/{token}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed, vec!["10.0.0.1:2375", "[::1]:2376"]);
    // Validation.
    for (path, body, status) in [
        (format!("{u}/v1/clusters/{token}"), "nope", 400),
        (format!("{u}/v1/clusters/{token}"), "10.0.0.1:0", 400),
        (format!("{u}/v1/clusters/{token}"), "bad host:1", 400),
        (format!("{u}/v1/clusters/{token}?ttl=0"), "h:1", 400),
        (format!("{u}/v1/clusters/{token}?ttl=x"), "h:1", 400),
        (format!("{u}/v1/clusters/NOTATOKEN"), "h:1", 400),
        (
            format!("{u}/v1/clusters/0123456789abcdef0123456789abcdef"),
            "h:1",
            404,
        ),
    ] {
        let (got, text) = post(path.clone(), body).await;
        assert_eq!(got, status, "{path} {body:?}: {text}");
    }
    let big = c
        .post(format!("{u}/v1/clusters/{token}"))
        .body(vec![b'a'; 4096])
        .send()
        .await
        .unwrap();
    assert_eq!(big.status(), 413);
    let health: serde_json::Value = c
        .get(format!("{u}/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["members"], 2);
    // flotilla's extension: one member leaves.
    let r = c
        .delete(format!("{u}/v1/clusters/{token}/10.0.0.1:2375"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The CLI against the service, through the environment variable.
    let out = cmd(s.path())
        .env("FLOTILLA_DISCOVERY_URL", u)
        .args(["list", &format!("token://{token}")])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "[::1]:2376\n");
    let r = c
        .delete(format!("{u}/v1/clusters/{token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = c
        .get(format!("{u}/v1/clusters/{token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(!data.join("clusters").join(format!("{token}.json")).exists());
}

#[test]
fn token_service_ttl_restart_and_graceful_stop() {
    let s = tempfile::tempdir().unwrap();
    let data = s.path().join("data");
    let mut svc = TokenService::start(s.path(), &data, None);
    let token = ok(s.path(), &["token", "create", "--discovery-url", &svc.url])
        .trim()
        .to_string();
    assert!(is_token(&token));
    let url = format!("token://{token}");
    let via = ["--discovery-url", svc.url.as_str()];
    let mut agent = join(s.path(), &url, "10.8.0.1:2376", &via, "agent");
    let mut short = join(s.path(), &url, "10.8.0.2:2376", &via, "short");
    // A permanent member, as create --swarm registers it (no ttl).
    let a = http();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let r = a
            .post(format!("{}/v1/clusters/{token}", svc.url))
            .body("10.8.0.9:2376")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    });
    let three = vec!["10.8.0.1:2376", "10.8.0.2:2376", "10.8.0.9:2376"];
    assert_eq!(list(s.path(), &[via[0], via[1], &url]), three);
    // TTL expiry: a killed agent disappears after its 2 s TTL.
    short.child.kill().unwrap();
    short.child.wait().unwrap();
    eventually(
        Duration::from_secs(30),
        "the killed agent to expire",
        || list(s.path(), &[via[0], via[1], &url]).len() == 2,
    );
    // Graceful stop (SIGTERM) and restart on the same data directory and
    // port: the token and both members are still there.
    let port = svc.port();
    let st = svc.proc.terminate();
    assert!(st.success(), "service exit {st}: {}", svc.proc.stderr());
    assert!(svc.proc.stderr().contains("token service stopped"));
    let started = Instant::now();
    let svc2 = loop {
        let mut c = cmd(s.path());
        c.args([
            "discovery",
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--data",
        ])
        .arg(&data);
        let p = Proc::spawn(c, &s.path().join("svc2.stderr"));
        match p.lines.recv_timeout(Duration::from_secs(5)) {
            Ok(url) => break TokenService { proc: p, url },
            Err(_) if started.elapsed() < Duration::from_secs(10) => continue,
            Err(_) => panic!("restart failed: {}", p.stderr()),
        }
    };
    assert_eq!(
        list(s.path(), &[via[0], via[1], &url]),
        vec!["10.8.0.1:2376", "10.8.0.9:2376"]
    );
    // The agent kept heartbeating through the restart (its failures are
    // only logged), and its SIGTERM deregisters it.
    wait_heartbeats(&agent, heartbeats(&agent), 3);
    assert_eq!(list(s.path(), &[via[0], via[1], &url]).len(), 2);
    assert!(agent.terminate().success(), "{}", agent.stderr());
    assert_eq!(
        list(s.path(), &[via[0], via[1], &url]),
        vec!["10.8.0.9:2376"]
    );
    // A second service on the same data directory is refused.
    let r = run(
        s.path(),
        &[
            "discovery",
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--data",
            data.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.contains("in use by another token service"),
        "{}",
        r.stderr
    );
    drop(svc2);
}

#[test]
fn token_service_over_tls_with_the_explicit_url_form() {
    let s = tempfile::tempdir().unwrap();
    let certs = s.path().join("tls");
    ok(
        s.path(),
        &[
            "certs",
            "server",
            "--san",
            "127.0.0.1",
            "--out",
            certs.to_str().unwrap(),
        ],
    );
    let svc = TokenService::start(
        s.path(),
        &s.path().join("data"),
        Some((&certs.join("server.pem"), &certs.join("server-key.pem"))),
    );
    assert!(svc.url.starts_with("https://127.0.0.1:"), "{}", svc.url);
    let ca = certs.join("ca.pem");
    let ca = ca.to_str().unwrap();
    let token = ok(
        s.path(),
        &[
            "token",
            "create",
            "--discovery-url",
            &svc.url,
            "--discovery-ca",
            ca,
        ],
    )
    .trim()
    .to_string();
    // token://HOST:PORT/PATH/TOKEN names the service itself (HTTPS).
    let url = format!("token://127.0.0.1:{}/v1/{token}", svc.port());
    let mut agent = join(
        s.path(),
        &url,
        "10.7.0.1:2376",
        &["--discovery-ca", ca],
        "tls",
    );
    assert_eq!(
        list(s.path(), &["--discovery-ca", ca, &url]),
        vec!["10.7.0.1:2376"]
    );
    // The classic path layout without /v1 works too.
    let short = format!("token://127.0.0.1:{}/{token}", svc.port());
    assert_eq!(
        list(s.path(), &["--discovery-ca", ca, &short]),
        vec!["10.7.0.1:2376"]
    );
    // Without the CA the certificate is not trusted: a clear error.
    let r = run(s.path(), &["list", &url]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains(&url), "{}", r.stderr);
    assert!(agent.terminate().success());
}

#[test]
fn file_backend_ranges_comments_and_changes() {
    let s = tempfile::tempdir().unwrap();
    let f = s.path().join("cluster");
    std::fs::write(
        &f,
        "# rack 1\n10.0.0.[1:3]:2375  # three\n\nb.example:2376\n",
    )
    .unwrap();
    let url = format!("file://{}", f.display());
    assert_eq!(
        list(s.path(), &[&url]),
        vec![
            "10.0.0.1:2375",
            "10.0.0.2:2375",
            "10.0.0.3:2375",
            "b.example:2376"
        ]
    );
    // Re-read on change, seen by a watch too.
    let mut c = cmd(s.path());
    c.args([
        "list", "--watch", "--format", "json", "--poll", "200ms", &url,
    ]);
    let mut w = Proc::spawn(c, &s.path().join("watch.stderr"));
    assert_eq!(
        w.next_line(Duration::from_secs(30)),
        r#"["10.0.0.1:2375","10.0.0.2:2375","10.0.0.3:2375","b.example:2376"]"#
    );
    std::fs::write(&f, "192.168.1.2:[2:3]375\n").unwrap();
    assert_eq!(
        w.next_line(Duration::from_secs(30)),
        r#"["192.168.1.2:2375","192.168.1.2:3375"]"#
    );
    assert!(w.terminate().success());
    assert_eq!(
        list(s.path(), &[&url]),
        vec!["192.168.1.2:2375", "192.168.1.2:3375"]
    );
    // A bad line names the file and the line.
    std::fs::write(&f, "a:1\n10.0.0.[9:2]:1\n").unwrap();
    let r = run(s.path(), &["list", &url]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.contains(&url) && r.stderr.contains("line 2") && r.stderr.contains("bad range"),
        "{}",
        r.stderr
    );
    // join refuses a file: nothing would expire its entry.
    let r = run(s.path(), &["join", "--advertise", "h:1", &url]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("TTL"), "{}", r.stderr);
}

#[test]
fn nodes_backend_and_bare_lists_expand_ranges() {
    let s = tempfile::tempdir().unwrap();
    assert_eq!(
        list(s.path(), &["nodes://10.0.0.[10:12]:2375,h:1"]),
        vec!["10.0.0.10:2375", "10.0.0.11:2375", "10.0.0.12:2375", "h:1"]
    );
    assert_eq!(list(s.path(), &["10.0.0.1:2375,10.0.0.2:2375"]).len(), 2);
    assert_eq!(list(s.path(), &["nodes://10.0.1.[2:250]:2375"]).len(), 249);
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn etcd_ttl_expiry_and_a_watch_that_sees_join_and_leave() {
    let s = tempfile::tempdir().unwrap();
    let etcd = Etcd::start();
    let url = format!("etcd://{}/flotilla-test", etcd.endpoint);
    let mut c = cmd(s.path());
    c.args(["list", "--watch", "--format", "json", &url]);
    let mut w = Proc::spawn(c, &s.path().join("watch.stderr"));
    assert_eq!(w.next_line(Duration::from_secs(30)), "[]");
    // A join is seen by the watch.
    let mut a = join(s.path(), &url, "10.6.0.1:2376", &[], "a");
    assert_eq!(w.next_line(Duration::from_secs(30)), r#"["10.6.0.1:2376"]"#);
    // Heartbeats keep it past its TTL (new leases every second).
    wait_heartbeats(&a, 0, 3);
    assert_eq!(list(s.path(), &[&url]), vec!["10.6.0.1:2376"]);
    // A leave (SIGTERM) is seen at once.
    assert!(a.terminate().success(), "{}", a.stderr());
    assert_eq!(w.next_line(Duration::from_secs(30)), "[]");
    // A killed agent's key expires with its lease, and the watch sees it.
    let mut b = join(s.path(), &url, "10.6.0.2:2376", &[], "b");
    assert_eq!(w.next_line(Duration::from_secs(30)), r#"["10.6.0.2:2376"]"#);
    b.child.kill().unwrap();
    b.child.wait().unwrap();
    assert_eq!(w.next_line(Duration::from_secs(30)), "[]");
    assert!(w.terminate().success());
    // The layout is classic swarm's: <prefix>/docker/swarm/nodes/<addr> = addr.
    let mut m = join(s.path(), &url, "10.6.0.3:2376", &["--ttl", "30s"], "m");
    let out = Command::new("etcdctl")
        .env("ETCDCTL_API", "3")
        .args([
            "--endpoints",
            &etcd.endpoint,
            "get",
            "--prefix",
            "flotilla-test/",
        ])
        .output()
        .expect("etcdctl is needed to check the key layout (apt-get install etcd-client)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("flotilla-test/docker/swarm/nodes/10.6.0.3:2376\n10.6.0.3:2376"),
        "{text}"
    );
    assert!(m.terminate().success());
    assert!(list(s.path(), &[&url]).is_empty());
}

#[test]
fn bad_urls_and_unreachable_backends_fail_fast_naming_the_url() {
    let s = tempfile::tempdir().unwrap();
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let t = "0123456789abcdef0123456789abcdef";
    let etcd_closed = format!("etcd://127.0.0.1:{closed}/x");
    let cases: Vec<(Vec<String>, String, &str)> = vec![
        (
            vec!["list".into(), "bogus://x".into()],
            "bogus://x".into(),
            "unknown scheme",
        ),
        (
            vec!["list".into(), "consul://h:8500".into()],
            "consul://h:8500".into(),
            "not supported",
        ),
        (
            vec!["list".into(), "token://abc".into()],
            "token://abc".into(),
            "not a cluster token",
        ),
        (
            vec!["list".into(), "token://".into()],
            "token://".into(),
            "token is empty",
        ),
        (
            vec!["list".into(), "nodes://10.0.0.[5:1]:2375".into()],
            "nodes://10.0.0.[5:1]:2375".into(),
            "bad range",
        ),
        (
            vec!["list".into(), "nodes://h:[1:99999]".into()],
            "nodes://h:[1:99999]".into(),
            "bad range",
        ),
        (
            vec!["list".into(), "10.0.0.1".into()],
            "10.0.0.1".into(),
            "missing token://",
        ),
        (
            vec!["list".into(), etcd_closed.clone()],
            etcd_closed.clone(),
            "cannot reach etcd",
        ),
        (
            vec![
                "list".into(),
                "--discovery-url".into(),
                format!("http://127.0.0.1:{closed}"),
                format!("token://{t}"),
            ],
            format!("token://{t}"),
            "cannot reach the token service",
        ),
        (
            vec![
                "token".into(),
                "create".into(),
                "--discovery-url".into(),
                format!("http://127.0.0.1:{closed}"),
            ],
            format!("http://127.0.0.1:{closed}"),
            "cannot reach",
        ),
        (
            vec![
                "list".into(),
                format!("file://{}/missing", s.path().display()),
            ],
            "missing".into(),
            "does not exist",
        ),
        (
            vec![
                "join".into(),
                "--advertise".into(),
                "h:1".into(),
                format!("token://{t}"),
            ],
            format!("token://{t}"),
            "unknown token",
        ),
        (
            vec![
                "join".into(),
                "--advertise".into(),
                "h:1".into(),
                "nodes://a:1".into(),
            ],
            "nodes://a:1".into(),
            "not supported",
        ),
    ];
    for (args, names, says) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = run(s.path(), &args);
        assert_eq!(r.code, Some(1), "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}: stdout {:?}", r.stdout);
        assert!(
            r.stderr.contains(&names) && r.stderr.contains(says),
            "{args:?}: {}",
            r.stderr
        );
        assert_eq!(
            r.stderr.lines().filter(|l| l.starts_with("error:")).count(),
            1,
            "{}",
            r.stderr
        );
    }
    // A service that accepts connections but never answers: bounded by the timeout (the
    // message names it).
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let r = run(
        s.path(),
        &[
            "list",
            "--timeout",
            "1s",
            "--discovery-url",
            &format!("http://127.0.0.1:{port}"),
            &format!("token://{t}"),
        ],
    );
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.contains(&format!("token://{t}")) && r.stderr.contains("did not answer within 1s"),
        "{}",
        r.stderr
    );
    let r = run(
        s.path(),
        &[
            "list",
            "--timeout",
            "1s",
            &format!("etcd://127.0.0.1:{port}"),
        ],
    );
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.contains("did not answer within 1s"),
        "{}",
        r.stderr
    );
    drop(silent);
}

#[test]
fn join_and_list_validate_arguments_with_the_classic_messages() {
    let s = tempfile::tempdir().unwrap();
    let url = "token://0123456789abcdef0123456789abcdef";
    for (args, msg) in [
        (vec!["join", url], "missing mandatory --advertise flag"),
        (
            vec!["join", "--advertise", "10.0.0.1", url],
            "--advertise should be of the form ip:port or hostname:port",
        ),
        (
            vec!["join", "--advertise", "10.0.0.1:70000", url],
            "--advertise should be of the form ip:port or hostname:port",
        ),
        (
            vec!["join", "--advertise", "h:1", "--heartbeat", "500ms", url],
            "--heartbeat should be at least one second",
        ),
        (
            vec![
                "join",
                "--advertise",
                "h:1",
                "--heartbeat",
                "10s",
                "--ttl",
                "10s",
                url,
            ],
            "--ttl must be strictly superior to the heartbeat value",
        ),
        (
            vec!["join", "--advertise", "h:1", "--delay", "-1s", url],
            "--delay should not be a negative number",
        ),
        (
            vec!["list", "--timeout", "0s", url],
            "--timeout should be a positive number",
        ),
        (
            vec!["list", "--timeout", "-3s", url],
            "--timeout should be a positive number",
        ),
    ] {
        let r = run(s.path(), &args);
        assert_eq!(r.code, Some(2), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(msg), "{args:?}: {}", r.stderr);
    }
    // --help shows the defaults and the token:// rule.
    let help = ok(s.path(), &["join", "--help"]);
    for want in [
        "[default: 60s]",
        "[default: 180s]",
        "[default: 10s]",
        "FLOTILLA_DISCOVERY_URL",
        "embedded registry",
    ] {
        assert!(help.contains(want), "join --help lacks {want:?}:\n{help}");
    }
}

#[test]
fn create_swarm_registers_machines_and_rm_deregisters_them() {
    let s = tempfile::tempdir().unwrap();
    let token = ok(s.path(), &["token", "create"]).trim().to_string();
    let url = format!("token://{token}");
    // `none` machines whose engines do not answer: create only warns.
    for (name, port, master) in [("m1", 1, true), ("m2", 2, false), ("m3", 3, false)] {
        let mut args = vec![
            "create".to_string(),
            "-d".into(),
            "none".into(),
            "--url".into(),
            format!("tcp://127.0.0.1:{port}"),
            "--swarm".into(),
            "--swarm-discovery".into(),
            url.clone(),
        ];
        if master {
            args.push("--swarm-master".into());
        }
        args.push(name.into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(s.path(), &args);
    }
    let other = ok(s.path(), &["token", "create"]).trim().to_string();
    ok(
        s.path(),
        &[
            "create",
            "-d",
            "none",
            "--url",
            "tcp://127.0.0.1:4",
            "--swarm",
            "--swarm-master",
            "--swarm-addr",
            "192.0.2.4:2376",
            "--swarm-discovery",
            &format!("token://{other}"),
            "o1",
        ],
    );
    assert_eq!(
        list(s.path(), &[&url]),
        vec!["127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"]
    );
    assert_eq!(
        list(s.path(), &[&format!("token://{other}")]),
        vec!["192.0.2.4:2376"]
    );
    let table = ok(s.path(), &["ls", "--format", "{{.Name}} {{.Swarm}}"]);
    assert_eq!(table, "m1 m1 (master)\nm2 m1\nm3 m1\no1 o1 (master)\n");
    assert_eq!(
        ok(s.path(), &["ls", "-q", "--filter", "swarm=m1"]),
        "m1\nm2\nm3\n"
    );
    // rm deregisters.
    ok(s.path(), &["rm", "-y", "m2"]);
    assert_eq!(list(s.path(), &[&url]), vec!["127.0.0.1:1", "127.0.0.1:3"]);
    // An unknown token fails before any machine exists.
    let r = run(
        s.path(),
        &[
            "create",
            "-d",
            "none",
            "--url",
            "tcp://127.0.0.1:5",
            "--swarm",
            "--swarm-discovery",
            "token://0123456789abcdef0123456789abcdef",
            "bad",
        ],
    );
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.contains("unknown token") && r.stderr.contains("hint:"),
        "{}",
        r.stderr
    );
    assert!(!s.path().join("machines/bad").exists());
    let r = run(
        s.path(),
        &[
            "create",
            "-d",
            "none",
            "--url",
            "tcp://127.0.0.1:5",
            "--swarm",
            "bad",
        ],
    );
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("--swarm-discovery"), "{}", r.stderr);

    // With a token service: rm deregisters from the service the machine
    // was registered with, even without FLOTILLA_DISCOVERY_URL set then.
    let svc = TokenService::start(s.path(), &s.path().join("data"), None);
    let st = ok(s.path(), &["token", "create", "--discovery-url", &svc.url])
        .trim()
        .to_string();
    let surl = format!("token://{st}");
    let out = cmd(s.path())
        .env("FLOTILLA_DISCOVERY_URL", &svc.url)
        .args([
            "create",
            "-d",
            "none",
            "--url",
            "tcp://127.0.0.1:6",
            "--swarm",
            "--swarm-discovery",
            &surl,
            "s1",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        list(s.path(), &["--discovery-url", &svc.url, &surl]),
        vec!["127.0.0.1:6"]
    );
    ok(s.path(), &["rm", "-y", "s1"]);
    assert!(list(s.path(), &["--discovery-url", &svc.url, &surl]).is_empty());

    // A file:// swarm: create appends the machine's line, rm removes it.
    let f = s.path().join("cluster");
    std::fs::write(&f, "# static part\n10.0.0.[1:2]:2375\n").unwrap();
    let furl = format!("file://{}", f.display());
    ok(
        s.path(),
        &[
            "create",
            "-d",
            "none",
            "--url",
            "tcp://127.0.0.1:7",
            "--swarm",
            "--swarm-discovery",
            &furl,
            "f1",
        ],
    );
    assert_eq!(
        list(s.path(), &[&furl]),
        vec!["10.0.0.1:2375", "10.0.0.2:2375", "127.0.0.1:7"]
    );
    ok(s.path(), &["rm", "-y", "f1"]);
    assert_eq!(
        std::fs::read_to_string(&f).unwrap(),
        "# static part\n10.0.0.[1:2]:2375\n"
    );
}
