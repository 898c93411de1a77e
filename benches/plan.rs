//! Scheduler benchmark: a 1,000-node × 30-container cluster.
//!
//! (a) one decision against the state prepared once (`Snapshot::schedule`, as `plan` and a
//!     long-lived manager decide), over many iterations with a mix of requests, p50 / p99 / max;
//!     then the same requests decided one-off on the bare state (`scheduler::schedule`, which
//!     scans every container a rule asks about), for comparison;
//! (b) 30,000 sequential requests, each placed container added to the state before the next
//!     (`Snapshot::plan`, the step `plan_sequence` repeats): total time and per-step p50 / p99.
//!
//! Targets from issue 5: one decision < 2 ms p99; 30,000 sequential < 30 s.
//! Run with `cargo bench --bench plan`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use flotilla_core::cluster::state::{ClusterState, Container, Image, Node, Port};
use flotilla_core::scheduler::{CreateRequest, Options, Snapshot, schedule};
use serde_json::{Value, json};

const NODES: usize = 1_000;
const PER_NODE: usize = 30;
const GIB: u64 = 1 << 30;
/// Request kinds in the mix of [`request`].
const KINDS: usize = 9;

fn state() -> ClusterState {
    let regions = ["us-east", "us-west", "eu-central", "ap-south"];
    let nodes = (0..NODES)
        .map(|i| {
            let mut n = Node::named(format!("node-{i}"));
            n.id = format!("ENGINE{i:04}:AAAA:BBBB|10.0.{}.{}:2376", i / 250, i % 250);
            n.addr = format!("10.0.{}.{}:2376", i / 250, i % 250);
            n.cpus = 64.0;
            n.memory = 256 * GIB;
            n.labels.insert("region".into(), regions[i % 4].into());
            n.labels.insert(
                "storage".into(),
                if i % 3 == 0 { "ssd" } else { "disk" }.into(),
            );
            n.labels.insert("containerslots".into(), "1000".into());
            n.images.push(Image {
                id: format!("sha256:{i:064x}"),
                tags: vec!["redis:7".into(), format!("app{}:1", i % 10)],
            });
            for k in 0..PER_NODE {
                let mut c = Container {
                    id: format!("{i:032x}{k:032x}"),
                    name: format!("c-{i}-{k}"),
                    image: "redis:7".into(),
                    state: if k % 5 == 0 { "exited" } else { "running" }.into(),
                    cpus: 0.5,
                    memory: GIB / 2,
                    network_mode: "bridge".into(),
                    ..Container::default()
                };
                c.labels.insert("app".into(), format!("app{}", k % 10));
                if k < 3 {
                    c.ports.push(Port {
                        host_ip: String::new(),
                        host_port: 8000 + k as u16,
                        container_port: 80,
                        protocol: "tcp".into(),
                    });
                    c.exposed_ports.push("80/tcp".into());
                }
                n.containers.push(c);
            }
            n
        })
        .collect();
    ClusterState {
        nodes,
        ..ClusterState::default()
    }
}

/// A representative mix: plain, resources, constraints, soft rules, affinities, ports, links, and
/// the seed post's container glob.
fn request(i: usize) -> Value {
    let name = format!("new-{i}");
    match i % KINDS {
        0 => json!({"Name": name, "Image": "nginx"}),
        1 => {
            json!({"Name": name, "Image": "nginx", "HostConfig": {"Memory": GIB, "NanoCpus": 500_000_000}})
        }
        2 => {
            json!({"Name": name, "Image": "nginx", "Env": ["constraint:region==us-east", "constraint:storage!=disk"]})
        }
        3 => {
            json!({"Name": name, "Image": "nginx", "Env": ["constraint:region==~eu-*", "affinity:app!=~app3"]})
        }
        4 => {
            json!({"Name": name, "Image": "nginx", "Env": [format!("affinity:container==c-{}-1", i % NODES)]})
        }
        5 => json!({"Name": name, "Image": "nginx", "Env": ["affinity:image==/app[12]/"]}),
        6 => {
            json!({"Name": name, "Image": "nginx", "HostConfig": {"PortBindings": {"80/tcp": [{"HostPort": format!("{}", 9000 + i % 50)}]}}})
        }
        7 => {
            json!({"Name": name, "Image": "nginx", "HostConfig": {"Links": [format!("c-{}-2:db", i % NODES)]}})
        }
        // The seed post's glob: `-e affinity:container==*redis*`.
        _ => {
            json!({"Name": name, "Image": "nginx", "Env": [format!("affinity:container==*c-{}-2*", i % NODES)]})
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn main() {
    // Under `cargo test --all-targets` (no `--bench`), a quick smoke run.
    let bench = std::env::args().any(|a| a == "--bench");
    let t = Instant::now();
    let base = state();
    eprintln!(
        "built {NODES} nodes x {PER_NODE} containers in {:?}",
        t.elapsed()
    );
    let opts = Options::from_state(&base);

    let iterations = if bench { 2_000 } else { 40 };
    let reqs: Vec<CreateRequest> = (0..iterations)
        .map(|i| CreateRequest::from_value(request(i)).expect("valid request"))
        .collect();

    // (a) one decision against the state prepared once, as `plan` and a manager decide.
    let t = Instant::now();
    let snapshot = Snapshot::new(base.clone());
    eprintln!("prepared the snapshot in {:?}", t.elapsed());
    let (times, placed) = time_decisions(&reqs, |r| snapshot.schedule(r, &opts).is_ok());
    report(
        &format!(
            "one decision ({NODES} nodes x {PER_NODE} containers, {iterations} iterations, {placed} placed)"
        ),
        times,
        "target p99 < 2 ms",
    );

    // (a') the same decisions one-off, on the bare state (no tables: every lookup scans).
    let (times, placed) = time_decisions(&reqs, |r| schedule(black_box(&base), r, &opts).is_ok());
    report(
        &format!("one-off decision on the bare state ({iterations} iterations, {placed} placed)"),
        times,
        "for comparison",
    );

    // (b) 30,000 sequential requests, each placed container added before the next (what
    // `plan_sequence` does, one step at a time so each step is timed too).
    let total: usize = std::env::var("PLAN_BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if bench { 30_000 } else { 200 });
    let seq: Vec<Value> = (0..total).map(request).collect();
    let t = Instant::now();
    let mut snapshot = Snapshot::new(base);
    snapshot.reserve(total);
    let mut steps = Vec::with_capacity(total);
    let mut results = Vec::with_capacity(total);
    for value in seq {
        let s = Instant::now();
        results.push(snapshot.plan(value, &opts));
        steps.push(s.elapsed());
    }
    let elapsed = t.elapsed();
    let ok = results.iter().filter(|r| r.node.is_some()).count();
    println!(
        "plan sequence: {total} sequential requests in {:.3} s ({:.3} ms/request, {ok} placed, {} not) (target < 30 s)",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e3 / total as f64,
        total - ok
    );
    report(
        "plan sequence: one step",
        steps,
        "each step parses, decides and places",
    );
    let candidates: usize = results.iter().map(|r| r.candidates.len()).sum();
    println!(
        "plan sequence: {candidates} candidate names in the results; peak RSS {}",
        peak_rss()
    );
}

/// Time `decide` on every request (after a warm-up on the first 50); returns the times in
/// request order and how many were placed.
fn time_decisions(
    reqs: &[CreateRequest],
    decide: impl Fn(&CreateRequest) -> bool,
) -> (Vec<Duration>, usize) {
    for r in reqs.iter().take(50) {
        black_box(decide(r));
    }
    let mut times = Vec::with_capacity(reqs.len());
    let mut placed = 0usize;
    for r in reqs {
        let t = Instant::now();
        let ok = decide(black_box(r));
        times.push(t.elapsed());
        placed += usize::from(ok);
    }
    (times, placed)
}

/// Per request kind (on stderr) and overall (on stdout) p50 / p99 / max.
fn report(what: &str, times: Vec<Duration>, note: &str) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    for kind in 0..KINDS {
        let mut k: Vec<Duration> = times.iter().skip(kind).step_by(KINDS).copied().collect();
        k.sort();
        eprintln!(
            "  {what}: request kind {kind}: p50 {:.3} ms, p99 {:.3} ms",
            ms(percentile(&k, 0.5)),
            ms(percentile(&k, 0.99))
        );
    }
    let mut times = times;
    times.sort();
    println!(
        "{what}: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms ({note})",
        ms(percentile(&times, 0.50)),
        ms(percentile(&times, 0.99)),
        ms(times[times.len() - 1])
    );
}

/// Peak resident memory of this process (Linux), for the memory cost of the results.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string())
}
