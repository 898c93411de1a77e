//! The proxy's two timing guarantees, measured on the testbed with real engines and nginx:
//!
//! 1. **start → route**: from the moment an engine's `start` event is seen (the bench
//!    subscribes to the same event stream as the watcher) to the first 200 through nginx, over
//!    50 starts alternating between two engines, with the default debounce (100ms:500ms).
//!    Also reported from the `POST /containers/{id}/start` call.
//! 2. **reloads under load**: a small load generator (4 threads, a new loopback connection per
//!    request, bounded in time) hits three vhosts that never change while 20 reloads happen
//!    (10 containers started and removed on another vhost); every failed request is counted.
//!
//! `cargo bench --bench proxy_latency` runs the full measurement; without `--bench` in argv
//! (`cargo test --all-targets`) it does a smoke run (3 starts, 4 reloads). Needs the testbed
//! (`scripts/testbed up`) and nginx; a missing one fails with a message, except that a smoke
//! run without the `testbed` feature (a plain `cargo test --all-targets`) skips when the
//! testbed is down.

#[path = "../tests/it/proxy_kit.rs"]
mod kit;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bollard::query_parameters::EventsOptionsBuilder;
use futures_util::StreamExt;
use kit::*;

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_flotilla"))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn summary(name: &str, mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    let (p50, p99) = (percentile(&v, 50.0), percentile(&v, 99.0));
    println!(
        "{name}: n={} p50={p50:.0} ms p99={p99:.0} ms min={:.0} ms max={:.0} ms",
        v.len(),
        v.first().copied().unwrap_or(f64::NAN),
        v.last().copied().unwrap_or(f64::NAN)
    );
    (p50, p99)
}

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Starts `name` on `sock` and returns (ms from the start event to 200, ms from the API call).
fn start_and_time(
    rt: &tokio::runtime::Runtime,
    sock: &Path,
    name: &str,
    addr: &str,
    host: &str,
) -> (f64, f64) {
    let docker = flotilla_core::engine::client(
        &flotilla_core::engine::EngineAddr::Unix(sock.to_path_buf()),
        None,
        Duration::from_secs(10),
    )
    .expect("connect to the engine");
    let filters: HashMap<String, Vec<String>> = [
        ("type".to_string(), vec!["container".to_string()]),
        ("event".to_string(), vec!["start".to_string()]),
        ("container".to_string(), vec![name.to_string()]),
    ]
    .into();
    // replayed if the subscription lands after the start: never missed
    let opts = EventsOptionsBuilder::new()
        .since(&format!("{:.3}", unix_now() - 2.0))
        .filters(&filters)
        .build();
    let ev_docker = docker.clone();
    let seen = rt.spawn(async move {
        let mut events = ev_docker.events(Some(opts));
        match tokio::time::timeout(Duration::from_secs(20), events.next()).await {
            Ok(Some(Ok(_))) => Some(Instant::now()),
            _ => None,
        }
    });
    std::thread::sleep(Duration::from_millis(20));
    let called = Instant::now();
    rt.block_on(docker.start_container(name, None))
        .expect("start container");
    let deadline = Instant::now() + Duration::from_secs(20);
    let routed = loop {
        if get(addr, host, "/").0 == 200 {
            break Instant::now();
        }
        assert!(Instant::now() < deadline, "{host} never answered");
        std::thread::sleep(Duration::from_millis(2));
    };
    let event = rt
        .block_on(seen)
        .ok()
        .flatten()
        .expect("the start event was not seen");
    (
        routed.saturating_duration_since(event).as_secs_f64() * 1000.0,
        routed.saturating_duration_since(called).as_secs_f64() * 1000.0,
    )
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (starts, reload_pairs) = if full { (50, 10) } else { (3, 2) };
    if !full && !cfg!(feature = "testbed") && !testbed().join("engines").exists() {
        println!("proxy_latency: skipped, needs the testbed: run scripts/test");
        return;
    }
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");

    let id = unique("pxb");
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("store");
    adopt(&bin(), &store, &["backend1", "backend2"]);
    let (_, _, b1) = engine("backend1");
    let (_, _, b2) = engine("backend2");
    let cs = Containers::new();
    let addr = format!("127.0.0.1:{}", free_port());
    let w = Watcher::start(
        &bin(),
        &store,
        &tmp.path().join("proxy"),
        &[
            "--machine".into(),
            "backend1".into(),
            "--machine".into(),
            "backend2".into(),
            "--listen".into(),
            addr.clone(),
        ],
    );
    assert!(
        wait_until(
            Duration::from_secs(20),
            || w.status()["last_apply"]["result"] == "updated"
        ),
        "the watcher did not apply a configuration; log:\n{}",
        w.log()
    );

    // 1. start → route
    let mut from_event = Vec::new();
    let mut from_call = Vec::new();
    for i in 0..starts {
        let sock = if i % 2 == 0 { &b1 } else { &b2 };
        let name = format!("{id}-lat{i}");
        let host = format!("lat{i}.{id}.test");
        let env = format!("VIRTUAL_HOST={host}");
        cs.create(&Backend {
            sock,
            name: &name,
            env: &[&env],
            ports: &[80],
            publish: &[80],
        });
        // let the create event's (no-op) handling settle
        std::thread::sleep(Duration::from_millis(100));
        let (e, c) = start_and_time(&rt, sock, &name, &addr, &host);
        from_event.push(e);
        from_call.push(c);
    }
    let (_, p99) = summary("start event -> route answers", from_event);
    summary("start API call -> route answers", from_call);
    assert!(p99 < 1000.0, "p99 {p99:.0} ms is not under 1 s");

    // 2. reloads under load
    let steady: Vec<String> = (0..3).map(|i| format!("steady{i}.{id}.test")).collect();
    for (i, host) in steady.iter().enumerate() {
        let sock = if i % 2 == 0 { &b2 } else { &b1 };
        cs.run(&Backend {
            sock,
            name: &format!("{id}-steady{i}"),
            env: &[&format!("VIRTUAL_HOST={host}")],
            ports: &[80],
            publish: &[80],
        });
    }
    // During a reload nginx runs the new workers before it stops the old
    // ones, and both accept: one 200 does not mean every worker knows the
    // vhost yet. Wait for a run of answers before counting failures.
    assert!(
        wait_until(Duration::from_secs(10), || (0..20)
            .all(|_| steady.iter().all(|h| get(&addr, h, "/").0 == 200))),
        "steady vhosts not routed"
    );
    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let mut threads = Vec::new();
    let load_deadline = Instant::now() + Duration::from_secs(if full { 120 } else { 60 });
    for t in 0..4 {
        let (stop, ok, failed, steady, addr) = (
            stop.clone(),
            ok.clone(),
            failed.clone(),
            steady.clone(),
            addr.clone(),
        );
        threads.push(std::thread::spawn(move || {
            let mut i = t;
            let mut failures = Vec::new();
            while !stop.load(Ordering::SeqCst) && Instant::now() < load_deadline {
                let host = &steady[i % steady.len()];
                let (code, body) = get(&addr, host, "/");
                if code == 200 {
                    ok.fetch_add(1, Ordering::SeqCst);
                } else {
                    failed.fetch_add(1, Ordering::SeqCst);
                    failures.push(format!("{host}: {code} {body}"));
                }
                i += 1;
            }
            failures
        }));
    }
    let reloads = || w.status()["reloads"].as_u64().unwrap_or(0);
    let started_reloads = reloads();
    let started = Instant::now();
    for r in 0..reload_pairs {
        let name = format!("{id}-churn{r}");
        let host = format!("churn{r}.{id}.test");
        let before = reloads();
        cs.run(&Backend {
            sock: &b1,
            name: &name,
            env: &[&format!("VIRTUAL_HOST={host}")],
            ports: &[80],
            publish: &[80],
        });
        assert!(
            wait_until(Duration::from_secs(10), || reloads() > before),
            "no reload after a start"
        );
        let before = reloads();
        cs.remove(&b1, &name);
        assert!(
            wait_until(Duration::from_secs(10), || reloads() > before),
            "no reload after a removal"
        );
    }
    let elapsed = started.elapsed();
    let done_reloads = reloads() - started_reloads;
    // keep the load on a little after the last reload (old workers drain)
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::SeqCst);
    let mut failures = Vec::new();
    for t in threads {
        failures.extend(t.join().unwrap_or_default());
    }
    let (ok, failed) = (ok.load(Ordering::SeqCst), failed.load(Ordering::SeqCst));
    println!(
        "reloads under load: {done_reloads} reloads in {:.1} s; {} requests to unchanged vhosts, {failed} failed ({:.0} req/s)",
        elapsed.as_secs_f64(),
        ok + failed,
        (ok + failed) as f64 / (elapsed.as_secs_f64() + 0.5)
    );
    assert!(done_reloads >= 2 * reload_pairs as u64, "too few reloads");
    if failed > 0 && std::env::var_os("PROXY_BENCH_LOG").is_some() {
        eprintln!("watcher log:\n{}", w.log());
    }
    assert_eq!(
        failed,
        0,
        "failed requests: {:?}",
        &failures[..failures.len().min(10)]
    );
}
