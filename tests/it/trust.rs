//! Every path that reaches an engine trusts only the store's CA, plus, for an engine adopted with
//! `create -d none --tls-ca-cert`, that machine's own CA for that machine alone (issue 16, item 2).
//!
//! The foreign engine is a real one: a TLS relay on loopback presents a server certificate from a
//! second CA (`flotilla certs server` in a store of its own) and pipes the bytes to a testbed
//! engine. A client that trusted that CA would get a real engine's answers. Every command runs
//! with the foreign CA in the system's trust store as the native roots read it (`SSL_CERT_FILE`,
//! `SSL_CERT_DIR`), so a path that added the system roots would be caught too.
//!
//! What each path is judged by is the relay's count: connections that reached it (the path did
//! try) and TLS handshakes that completed (the path trusted it). A refusal is "tried, never
//! completed"; the positive control, the machine adopted with the foreign CA, completes.

use std::path::Path;
use std::process::{Child, Command as StdCommand, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

use crate::proxy_kit::{free_port, unique, wait_until};
use crate::support::*;

/// A TLS endpoint with the foreign certificate in front of a real engine.
struct Relay {
    port: u16,
    attempts: Arc<AtomicUsize>,
    handshakes: Arc<AtomicUsize>,
    _rt: tokio::runtime::Runtime,
}

fn pem_certs(p: &Path) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_file_iter(p)
        .expect("pem file")
        .collect::<Result<_, _>>()
        .expect("certificates")
}

impl Relay {
    fn start(foreign: &Path, target: &Engine) -> Relay {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let server = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(
                pem_certs(&foreign.join("server.pem")),
                PrivateKeyDer::from_pem_file(foreign.join("server-key.pem")).expect("key"),
            )
            .expect("server config");
        // The relay reaches the engine as the testbed's own client.
        let certs = testbed_dir().join("store/certs");
        let mut roots = rustls::RootCertStore::empty();
        for c in pem_certs(&certs.join("ca.pem")) {
            roots.add(c).expect("ca");
        }
        let client = rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_client_auth_cert(
                pem_certs(&certs.join("cert.pem")),
                PrivateKeyDer::from_pem_file(certs.join("key.pem")).expect("client key"),
            )
            .expect("client config");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let attempts = Arc::new(AtomicUsize::new(0));
        let handshakes = Arc::new(AtomicUsize::new(0));
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
        let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
        let target = (target.ip.clone(), 2376u16);
        let (a, h) = (attempts.clone(), handshakes.clone());
        rt.spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                a.fetch_add(1, Ordering::SeqCst);
                let (acceptor, connector, h, target) = (
                    acceptor.clone(),
                    connector.clone(),
                    h.clone(),
                    target.clone(),
                );
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(sock).await else {
                        return;
                    };
                    h.fetch_add(1, Ordering::SeqCst);
                    let Ok(up) =
                        tokio::net::TcpStream::connect((target.0.as_str(), target.1)).await
                    else {
                        return;
                    };
                    let name = ServerName::try_from(target.0.clone()).expect("server name");
                    let Ok(mut up) = connector.connect(name, up).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut up).await;
                });
            }
        });
        Relay {
            port,
            attempts,
            handshakes,
            _rt: rt,
        }
    }

    fn url(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }

    fn counts(&self) -> (usize, usize) {
        (
            self.attempts.load(Ordering::SeqCst),
            self.handshakes.load(Ordering::SeqCst),
        )
    }

    /// Runs `f`, then asserts it reached the relay and completed no handshake with it.
    fn refused_by<T>(&self, what: &str, f: impl FnOnce() -> T) -> T {
        let (tried, _) = self.counts();
        let out = f();
        let (tried_after, completed) = self.counts();
        assert!(
            tried_after > tried,
            "{what}: never tried the foreign engine"
        );
        assert_eq!(completed, 0, "{what}: trusted the foreign engine");
        out
    }
}

/// Points a machine's record at another engine URL (what a hand-edited record, or an engine that
/// moved, looks like).
fn repoint(store: &Path, name: &str, url: &str) {
    let p = store.join("machines").join(name).join("config.json");
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&p).expect("record")).expect("record json");
    v["Driver"]["URL"] = url.into();
    v["Driver"]["IPAddress"] = "127.0.0.1".into();
    std::fs::write(&p, serde_json::to_vec_pretty(&v).expect("json")).expect("write record");
}

/// A background flotilla process, killed when dropped.
struct Background(Child);

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn an_engine_with_a_foreign_ca_is_refused_on_every_path() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let foreign = tmp.path().join("foreign");
    let o = StdCommand::new(bin())
        .arg("-s")
        .arg(tmp.path().join("foreign-store"))
        .args(["certs", "server", "--san", "127.0.0.1", "--out"])
        .arg(&foreign)
        .output()
        .expect("certs server");
    assert!(o.status.success(), "{}", stderr(&o));
    let real = engine("backend2");
    let intruder = Relay::start(&foreign, &real);
    let listed = Relay::start(&foreign, &real);
    let own = Relay::start(&foreign, &real);
    let borrowed = Relay::start(&foreign, &real);

    let s = TestStore::with_testbed_certs();
    let sp = s.path().to_path_buf();
    // The foreign CA is a "system root" for every command below.
    let cmd = |args: &[&str]| {
        let mut c = s.cmd();
        c.env("SSL_CERT_FILE", foreign.join("ca.pem"))
            .env("SSL_CERT_DIR", &foreign)
            .args(args);
        c
    };
    let run = |args: &[&str]| -> Output { cmd(args).output().expect("run flotilla") };
    // The same, for a process that keeps running.
    let spawn = |args: &[&str]| -> Background {
        let child = StdCommand::new(bin())
            .env("FLOTILLA_STORAGE_PATH", &sp)
            .env("SSL_CERT_FILE", foreign.join("ca.pem"))
            .env("SSL_CERT_DIR", &foreign)
            .env("NO_COLOR", "1")
            .env_remove("DOCKER_HOST")
            .env_remove("DOCKER_TLS_VERIFY")
            .env_remove("DOCKER_CERT_PATH")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start flotilla");
        Background(child)
    };

    // Positive control: the CA given when adopting is trusted, for that machine.
    let o = run(&[
        "create",
        "-d",
        "none",
        "--url",
        &own.url(),
        "--tls-ca-cert",
        foreign.join("ca.pem").to_str().expect("utf-8"),
        "--tls-client-cert",
        sp.join("certs/cert.pem").to_str().expect("utf-8"),
        "--tls-client-key",
        sp.join("certs/key.pem").to_str().expect("utf-8"),
        "own-ca",
    ]);
    assert!(
        o.status.success(),
        "adopting with its own CA: {}",
        stderr(&o)
    );
    assert!(
        own.counts().1 > 0,
        "the control never completed a handshake"
    );

    // Adopting without that CA: refused.
    let o = intruder.refused_by("create -d none", || {
        run(&["create", "-d", "none", "--url", &intruder.url(), "bad"])
    });
    // `-d none` adopts an engine it cannot reach, as docker-machine did, with a warning.
    assert!(
        stderr(&o).contains("warning: (bad)") && stderr(&o).contains("certificate"),
        "{}",
        stderr(&o)
    );

    // Records that point at foreign engines (adopted from real engines, then moved), in a swarm
    // whose discovery file also lists an engine no record knows.
    let cluster = tmp.path().join("cluster");
    std::fs::write(&cluster, "").expect("cluster file");
    let discovery = format!("file://{}", cluster.display());
    let master = engine("swarm-master");
    for (name, e, is_master) in [
        ("master", &master, true),
        ("intruder", &real, false),
        ("borrower", &real, false),
    ] {
        let url = e.url();
        let mut args = vec![
            "create",
            "-d",
            "none",
            "--url",
            &url,
            "--swarm",
            "--swarm-discovery",
            &discovery,
        ];
        if is_master {
            args.push("--swarm-master");
        }
        args.push(name);
        let o = run(&args);
        assert!(o.status.success(), "create {name}: {}", stderr(&o));
    }
    repoint(&sp, "intruder", &intruder.url());
    // `borrower`'s engine holds a certificate of `own-ca`'s CA: that CA is not its.
    repoint(&sp, "borrower", &borrowed.url());
    std::fs::write(
        &cluster,
        format!(
            "{}:2376\n127.0.0.1:{}\n127.0.0.1:{}\n127.0.0.1:{}\n",
            master.ip, intruder.port, borrowed.port, listed.port
        ),
    )
    .expect("cluster file");

    // ls (the probe): the foreign engines are errors, the adopted one runs.
    let o = intruder.refused_by("ls", || borrowed.refused_by("ls", || run(&["ls"])));
    let ls = stdout(&o);
    let line = |n: &str| {
        ls.lines()
            .find(|l| l.starts_with(&format!("{n} ")))
            .unwrap_or_else(|| panic!("no {n} in ls:\n{ls}"))
            .to_string()
    };
    assert!(!line("own-ca").contains("Unable to query"), "{ls}");
    for n in ["bad", "intruder", "borrower"] {
        assert!(line(n).contains("certificate"), "{ls}");
    }

    // env: refuses to point a client at it.
    let o = intruder.refused_by("env", || run(&["env", "intruder"]));
    assert_clean_failure(&o, 1);

    // The one-off live view: info, ps, run.
    let o = listed.refused_by("info", || {
        intruder.refused_by("info", || run(&["info", "--swarm", "master"]))
    });
    assert!(o.status.success(), "{}", stderr(&o));
    let o = intruder.refused_by("ps", || run(&["ps", "--swarm", "master", "-a"]));
    assert!(o.status.success(), "{}", stderr(&o));
    let name = unique("trust");
    let o = intruder.refused_by("run", || {
        run(&[
            "run",
            "--swarm",
            "master",
            "-d",
            "--name",
            &name,
            "-e",
            "constraint:node==intruder",
            "flotilla-busybox",
            "true",
        ])
    });
    assert!(
        !o.status.success(),
        "placed on the foreign engine: {}",
        stdout(&o)
    );

    // The manager: its members, and the relay to a container only the foreign engine would show.
    let hidden = unique("trust-hidden");
    let certs = testbed_dir().join("store/certs");
    let real_docker = |args: &[&str]| {
        StdCommand::new("docker")
            .arg("--tlsverify")
            .arg("--tlscacert")
            .arg(certs.join("ca.pem"))
            .arg("--tlscert")
            .arg(certs.join("cert.pem"))
            .arg("--tlskey")
            .arg(certs.join("key.pem"))
            .args(["-H", &real.url()])
            .args(args)
            .output()
            .expect("docker")
    };
    let o = real_docker(&["create", "--name", &hidden, "flotilla-busybox", "true"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let port = free_port();
    // The manager follows every member from its start (its model's sessions), so the foreign
    // engines are tried while it runs, not per call: count from before it starts.
    let (tried, _) = intruder.counts();
    let (tried_listed, _) = listed.counts();
    let manager = spawn(&[
        "manage",
        "--swarm",
        "master",
        "-H",
        &format!("tcp://127.0.0.1:{port}"),
    ]);
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    assert!(wait_until(Duration::from_secs(30), || {
        std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
    }));
    let sc = sp.join("certs");
    let via_manager = |args: &[&str]| {
        StdCommand::new("docker")
            .arg("--tlsverify")
            .arg("--tlscacert")
            .arg(sc.join("ca.pem"))
            .arg("--tlscert")
            .arg(sc.join("cert.pem"))
            .arg("--tlskey")
            .arg(sc.join("key.pem"))
            .args(["-H", &format!("tcp://127.0.0.1:{port}")])
            .env_remove("DOCKER_CONTEXT")
            .args(args)
            .output()
            .expect("docker")
    };
    let o = via_manager(&["info"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = via_manager(&["inspect", "--format", "{{.Id}}", &hidden]);
    assert!(
        !o.status.success(),
        "the manager relayed to the foreign engine: {}",
        stdout(&o)
    );
    // Both foreign engines were tried by the manager's sessions and never trusted.
    assert!(
        wait_until(Duration::from_secs(30), || intruder.counts().0 > tried
            && listed.counts().0 > tried_listed),
        "the manager never tried the foreign engines"
    );
    assert_eq!(
        intruder.counts().1,
        0,
        "the manager trusted the foreign engine"
    );
    assert_eq!(
        listed.counts().1,
        0,
        "the manager trusted the listed foreign engine"
    );
    drop(manager);
    let _ = real_docker(&["rm", "-f", &hidden]);

    // The proxy watcher: a member listed only by discovery.
    let (tried, _) = listed.counts();
    let conf = tmp.path().join("proxy");
    std::fs::create_dir_all(&conf).expect("conf dir");
    let _watcher = spawn(&[
        "proxy",
        "--swarm",
        "master",
        "--listen",
        &format!("127.0.0.1:{}", free_port()),
        "--conf-dir",
        conf.to_str().expect("utf-8"),
    ]);
    assert!(
        wait_until(Duration::from_secs(30), || listed.counts().0 > tried),
        "the watcher never tried the discovered engine"
    );
    let status = conf.join("status.json");
    assert!(wait_until(Duration::from_secs(30), || status.exists()));
    assert_eq!(
        listed.counts().1,
        0,
        "the watcher trusted the foreign engine"
    );

    // The proxy's node mode on a foreign engine.
    let o = intruder.refused_by("proxy --node", || {
        run(&[
            "proxy",
            "--node",
            "intruder",
            "--conf-dir",
            tmp.path().join("node-proxy").to_str().expect("utf-8"),
        ])
    });
    assert!(!o.status.success(), "{}", stdout(&o));

    // The `docker exec` runner (docker driver), with DOCKER_CERT_PATH's certificates.
    let o = intruder.refused_by("the docker driver's engine", || {
        cmd(&[
            "create",
            "-d",
            "docker",
            "--docker-host",
            &intruder.url(),
            &unique("trust-node"),
        ])
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", sp.join("certs"))
        .output()
        .expect("create -d docker")
    });
    assert!(!o.status.success(), "{}", stdout(&o));

    // And through all of it, the machine adopted with its own CA kept working.
    let o = run(&["ls", "--filter", "name=own-ca"]);
    assert!(
        o.status.success() && !stdout(&o).contains("Unable to query"),
        "{}",
        stdout(&o)
    );
}
