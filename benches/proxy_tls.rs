//! The proxy's TLS figures, with real nginx (and, for ACME, real engines and pebble):
//!
//! 1. **handshakes per second**: full TLS handshakes (new TCP connection, no session
//!    resumption, ECDSA P-256 certificate, rustls client, 4 threads) against one nginx worker
//!    running (a) a hand-written minimal TLS configuration with the same policy and
//!    certificate, and (b) the configuration flotilla renders for one vhost. Runs alternate
//!    a, b, a, b…; the medians and their ratio (b / a) are printed: flotilla must not make nginx
//!    slower (ratio ≈ 1).
//! 2. **container start → HTTPS with an ACME certificate**: pebble (Let's Encrypt's test
//!    server) and a `flotilla proxy` watching a testbed engine; each sample starts a container
//!    with `VIRTUAL_HOST` + `LETSENCRYPT_HOST` for a new name and times from the `docker start`
//!    call until an HTTPS request, verified against pebble's root, answers 200.
//!
//! `cargo bench --bench proxy_tls` runs the full measurement (5 × 5 s per configuration,
//! 10 ACME samples); without `--bench` in argv (`cargo test --all-targets`) it does a smoke run
//! (1 s each, 1 sample). Needs nginx, pebble and the testbed; a missing one fails with a message.

#[path = "../tests/it/proxy_kit.rs"]
mod kit;

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use flotilla_core::proxy::nginx::{CertFile, RenderOptions, render};
use flotilla_core::proxy::routes::build;
use flotilla_core::proxy::source::ProxyContainer;
use kit::*;
use rustls::pki_types::pem::PemObject;

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_flotilla"))
}

fn nginx() -> PathBuf {
    let p = std::env::var_os("FLOTILLA_NGINX")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/sbin/nginx"));
    assert!(
        p.exists(),
        "{} not found: apt-get install nginx-light",
        p.display()
    );
    p
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    v[v.len() / 2]
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

struct Nginx(Child);

impl Nginx {
    fn start(conf: &Path, prefix: &Path, port: u16) -> Nginx {
        let child = Command::new(nginx())
            .arg("-c")
            .arg(conf)
            .arg("-p")
            .arg(prefix)
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        let up = wait_until(Duration::from_secs(10), || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        assert!(up, "nginx did not listen on {port}");
        Nginx(child)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.0.id().to_string())
            .status();
        let _ = self.0.wait();
    }
}

/// Full handshakes per second against 127.0.0.1:`port` for `name`, over `secs`.
fn handshakes(port: u16, name: &str, ca_pem: &str, secs: f64) -> f64 {
    let mut roots = rustls::RootCertStore::empty();
    let ca = rustls::pki_types::CertificateDer::from_pem_slice(ca_pem.as_bytes()).expect("ca pem");
    roots.add(ca).expect("ca");
    let mut cfg = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    cfg.resumption = rustls::client::Resumption::disabled();
    let cfg = Arc::new(cfg);
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (cfg, stop, count, failures) =
                (cfg.clone(), stop.clone(), count.clone(), failures.clone());
            let name = rustls::pki_types::ServerName::try_from(name.to_string()).expect("name");
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let ok = (|| -> Option<()> {
                        let mut tcp = TcpStream::connect(("127.0.0.1", port)).ok()?;
                        tcp.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
                        let mut conn =
                            rustls::ClientConnection::new(cfg.clone(), name.clone()).ok()?;
                        while conn.is_handshaking() {
                            conn.complete_io(&mut tcp).ok()?;
                        }
                        conn.send_close_notify();
                        let _ = conn.complete_io(&mut tcp);
                        Some(())
                    })();
                    if ok.is_some() {
                        count.fetch_add(1, Ordering::Relaxed);
                    } else {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    let started = Instant::now();
    std::thread::sleep(Duration::from_secs_f64(secs));
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        let _ = t.join();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let failed = failures.load(Ordering::Relaxed);
    assert_eq!(failed, 0, "{failed} handshakes failed on port {port}");
    count.load(Ordering::Relaxed) as f64 / elapsed
}

fn handshake_figure(full: bool) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ca = TestCa::new("flotilla bench CA");
    let certs = tmp.path().join("certs");
    ca.write(&certs, "bench.test", &["bench.test"], 1);
    let crt = certs.join("bench.test.crt").to_string_lossy().into_owned();
    let key = certs.join("bench.test.key").to_string_lossy().into_owned();

    // (a) by hand: one TLS server, the same policy, no proxying
    let hand_dir = tmp.path().join("hand");
    std::fs::create_dir_all(&hand_dir).expect("dir");
    let hand_port = free_port();
    let hand = format!(
        "worker_processes 1;\npid {dir}/nginx.pid;\nerror_log stderr;\nevents {{ worker_connections 1024; }}\nhttp {{\n    access_log off;\n    ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_ciphers {ciphers};\n    ssl_prefer_server_ciphers off;\n    ssl_session_cache shared:hand:10m;\n    ssl_session_timeout 1d;\n    ssl_session_tickets off;\n    server {{\n        listen 127.0.0.1:{hand_port} ssl http2;\n        server_name bench.test;\n        ssl_certificate {crt};\n        ssl_certificate_key {key};\n        location / {{ return 200 \"ok\\n\"; }}\n    }}\n}}\n",
        dir = hand_dir.display(),
        ciphers = flotilla_core::proxy::nginx::MOZILLA_INTERMEDIATE_CIPHERS,
    );
    let hand_conf = hand_dir.join("nginx.conf");
    std::fs::write(&hand_conf, hand).expect("conf");

    // (b) flotilla's rendering of one vhost with that certificate
    let ours_dir = tmp.path().join("ours");
    std::fs::create_dir_all(&ours_dir).expect("dir");
    let ours_port = free_port();
    let c = ProxyContainer {
        engine: "node-1".into(),
        local: true,
        id: "bench".into(),
        name: "bench".into(),
        running: true,
        env: vec!["VIRTUAL_HOST=bench.test".into(), "VIRTUAL_PORT=9".into()],
        ip_address: Some([127, 0, 0, 1].into()),
        ..Default::default()
    };
    let mut r = RenderOptions::new(&ours_dir);
    r.listen_addr = Some([127, 0, 0, 1].into());
    r.listen_port = free_port();
    r.https_port = Some(ours_port);
    r.worker_processes = "1".into();
    r.certs.files.insert(
        "bench.test".into(),
        CertFile {
            crt,
            key,
            fingerprint: "bench".into(),
        },
    );
    let ours_conf = ours_dir.join("nginx.conf");
    std::fs::write(&ours_conf, render(&build(&[c]), &r)).expect("conf");

    let (runs, secs) = if full { (5, 5.0) } else { (1, 1.0) };
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        {
            let _n = Nginx::start(&hand_conf, &hand_dir, hand_port);
            a.push(handshakes(hand_port, "bench.test", &ca.pem, secs));
        }
        {
            let _n = Nginx::start(&ours_conf, &ours_dir, ours_port);
            b.push(handshakes(ours_port, "bench.test", &ca.pem, secs));
        }
    }
    println!("handshakes/s, hand-written config: runs {a:.0?}");
    println!("handshakes/s, flotilla's config:   runs {b:.0?}");
    let (ma, mb) = (median(a), median(b));
    println!(
        "TLS handshakes/s (1 nginx worker, 4 client threads, no resumption): hand-written median {ma:.0}, flotilla median {mb:.0}, ratio {:.3}",
        mb / ma
    );
}

fn acme_figure(full: bool) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (_, ip, b1) = engine("backend1");
    let (http, https) = (free_port(), free_port());
    let pebble = Pebble::start(&tmp.path().join("pebble"), http, 3600, &[]);
    let root = tmp.path().join("root.pem");
    pebble.root(&root);
    let args: Vec<String> = [
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
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let w = Watcher::start(
        &bin(),
        &tmp.path().join("store"),
        &tmp.path().join("proxy"),
        &args,
    );
    let addr = format!("127.0.0.1:{http}");
    assert!(
        wait_until(Duration::from_secs(20), || get(&addr, "none.test", "/").0
            == 503),
        "the proxy never answered; log:\n{}",
        w.log()
    );
    let cs = Containers::new();
    let id = unique("bta");
    let samples = if full { 10 } else { 1 };
    let mut ms = Vec::new();
    for i in 0..samples {
        let host = format!("s{i}.{id}.test");
        let name = format!("{id}-{i}");
        let env = [
            format!("VIRTUAL_HOST={host}"),
            format!("LETSENCRYPT_HOST={host}"),
        ];
        let env: Vec<&str> = env.iter().map(String::as_str).collect();
        cs.create(&Backend {
            sock: &b1,
            name: &name,
            env: &env,
            ports: &[80],
            publish: &[80],
        });
        let started = Instant::now();
        cs.start_existing(&b1, &name);
        let ok = wait_until(Duration::from_secs(60), || {
            curl(
                "https",
                &host,
                https,
                "/",
                Some(&root),
                &["--max-time", "2"],
            )
            .status
                == 200
        });
        assert!(
            ok,
            "no HTTPS for {host}; log:\n{}\npebble:\n{}",
            w.log(),
            pebble.log()
        );
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
        cs.remove(&b1, &name);
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    println!(
        "container start -> HTTPS with a pebble certificate: n={} p50={:.0} ms p99={:.0} ms min={:.0} ms max={:.0} ms",
        ms.len(),
        percentile(&ms, 50.0),
        percentile(&ms, 99.0),
        ms.first().copied().unwrap_or(f64::NAN),
        ms.last().copied().unwrap_or(f64::NAN)
    );
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    handshake_figure(full);
    acme_figure(full);
}
