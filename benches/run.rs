//! Swarm command figures (issue 5), on the testbed's four engines:
//! - `flotilla info` (whole process), which must stay under 1 s;
//! - `flotilla run -d` (whole process: start-up, store, lock, live state of
//!   the four engines, decision, pending entry, create, start) against
//!   bollard's create + start on an already connected client to the same
//!   engine; the difference is what flotilla adds (budget: 100 ms).
//!
//! `cargo bench --bench run` measures (medians over 15 runs); under
//! `cargo test` it runs each step once, as a smoke test. Needs
//! `scripts/testbed up`; skipped when the testbed is down, except with the `testbed` feature
//! (`scripts/test`), where that fails.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{CreateContainerOptions, RemoveContainerOptions};

fn median(mut s: Vec<Duration>) -> Duration {
    s.sort();
    s[s.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn report(label: &str, s: &[Duration]) {
    let mut sorted = s.to_vec();
    sorted.sort();
    let p90 = sorted[((sorted.len() as f64 - 1.0) * 0.9).round() as usize];
    println!(
        "{label:<58} median {:>8.1} ms   p90 {:>8.1} ms   (n={})",
        ms(median(s.to_vec())),
        ms(p90),
        s.len()
    );
}

fn flotilla(store: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_flotilla"))
        .args(args)
        .env("FLOTILLA_STORAGE_PATH", store)
        .env("NO_COLOR", "1")
        .env_remove("FLOTILLA_SWARM")
        .output()
        .expect("run flotilla")
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let runs = if bench { 15 } else { 1 };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let testbed =
        std::env::var("FLOTILLA_TESTBED").unwrap_or_else(|_| "/tmp/flotilla-testbed".into());
    let engines = std::fs::read_to_string(Path::new(&testbed).join("engines")).unwrap_or_default();
    let engines: Vec<(String, String)> = engines
        .lines()
        .filter_map(|l| {
            let mut p = l.split_whitespace();
            Some((p.next()?.to_string(), p.next()?.to_string()))
        })
        .collect();
    if engines.is_empty() {
        // With the testbed feature (scripts/test) a missing testbed is a failure, not a skip.
        if cfg!(feature = "testbed") {
            panic!("the testbed is not up: run `scripts/testbed up` (scripts/test does)");
        }
        println!("swarm figures: skipped, needs the testbed: run scripts/test");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("certs")).expect("certs");
    let certs = Path::new(&testbed).join("store/certs");
    for f in ["ca.pem", "ca-key.pem", "cert.pem", "key.pem"] {
        std::fs::copy(certs.join(f), dir.path().join("certs").join(f)).expect("testbed certs");
    }
    let o = flotilla(dir.path(), &["token", "create"]);
    assert!(
        o.status.success(),
        "token create: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let token = format!("token://{}", String::from_utf8_lossy(&o.stdout).trim());
    for (name, ip) in &engines {
        let url = format!("tcp://{ip}:2376");
        let mut args = vec![
            "create",
            "-d",
            "none",
            "--url",
            &url,
            "--swarm",
            "--swarm-discovery",
            &token,
        ];
        if name == "swarm-master" {
            args.push("--swarm-master");
        }
        args.push(name);
        let o = flotilla(dir.path(), &args);
        assert!(
            o.status.success(),
            "create {name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }

    // info
    let mut info = Vec::new();
    for _ in 0..runs.max(3) {
        let t = Instant::now();
        let o = flotilla(dir.path(), &["info"]);
        info.push(t.elapsed());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    report("flotilla info (4 engines, whole process)", &info);

    // run -d vs bollard create + start, interleaved, on backend2.
    let (target, ip) = engines
        .iter()
        .find(|(n, _)| n == "backend2")
        .unwrap_or(&engines[0])
        .clone();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    // The same pooled mutual-TLS transport flotilla uses, connected before
    // timing starts: the baseline is the engine's own create + start.
    let member = flotilla_core::cluster::members::Member {
        name: target.clone(),
        addr: format!("tcp://{ip}:2376").parse().expect("address"),
        tls: Some(flotilla_core::store::TlsFiles {
            ca: certs.join("ca.pem"),
            cert: certs.join("cert.pem"),
            key: certs.join("key.pem"),
        }),
    };
    let docker = rt
        .block_on(async { flotilla_core::cluster::live::client(&member, Duration::from_secs(30)) })
        .expect("client");
    rt.block_on(docker.ping()).expect("ping");
    let constraint = format!("constraint:node=={target}");
    let mut flot = Vec::new();
    let mut direct = Vec::new();
    let mut created = Vec::new();
    for i in 0..runs {
        let name = format!("bench-run-{}-{i}", std::process::id());
        let t = Instant::now();
        let o = flotilla(
            dir.path(),
            &[
                "run",
                "-d",
                "--name",
                &name,
                "-l",
                "flotilla-testbed=1",
                "-e",
                &constraint,
                "flotilla-busybox",
                "sleep",
                "60",
            ],
        );
        flot.push(t.elapsed());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        created.push(name);

        let name = format!("bench-direct-{}-{i}", std::process::id());
        let body = ContainerCreateBody {
            image: Some("flotilla-busybox".into()),
            cmd: Some(vec!["sleep".into(), "60".into()]),
            labels: Some([("flotilla-testbed".to_string(), "1".to_string())].into()),
            ..Default::default()
        };
        let t = Instant::now();
        rt.block_on(async {
            let c = docker
                .create_container(
                    Some(CreateContainerOptions {
                        name: Some(name.clone()),
                        ..Default::default()
                    }),
                    body,
                )
                .await
                .expect("create");
            docker.start_container(&c.id, None).await.expect("start");
        });
        direct.push(t.elapsed());
        created.push(name);
    }
    for name in &created {
        let _ = rt.block_on(docker.remove_container(
            name,
            Some(RemoveContainerOptions {
                force: true,
                ..Default::default()
            }),
        ));
    }
    report("flotilla run -d (whole process)", &flot);
    report("bollard create + start (connected client)", &direct);
    let paired: Vec<f64> = flot
        .iter()
        .zip(&direct)
        .map(|(f, d)| ms(*f) - ms(*d))
        .collect();
    let mut sorted = paired.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "run -d overhead: difference of medians {:.1} ms, median of paired differences {:.1} ms (budget 100 ms)",
        ms(median(flot)) - ms(median(direct)),
        sorted[sorted.len() / 2]
    );
}
