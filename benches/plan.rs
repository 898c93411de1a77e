//! Scheduler benchmark: a 1,000-node × 30-container cluster.
//!
//! (a) one decision (`scheduler::schedule`, which includes building the per-node view) measured
//!     over many iterations with a mix of requests, p50 / p99 / max;
//! (b) 30,000 sequential requests through `plan_sequence` (each placed container is added to the
//!     state before the next), total time.
//!
//! Targets from issue 5: one decision < 2 ms p99; 30,000 sequential < 30 s.
//! Run with `cargo bench --bench plan`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use flotilla::cluster::state::{ClusterState, Container, Image, Node, Port};
use flotilla::scheduler::{CreateRequest, Options, plan_sequence, schedule};
use serde_json::{Value, json};

const NODES: usize = 1_000;
const PER_NODE: usize = 30;
const GIB: u64 = 1 << 30;

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

/// A representative mix: plain, resources, constraints, soft rules, affinities, ports, links.
fn request(i: usize) -> Value {
    let name = format!("new-{i}");
    match i % 8 {
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
        _ => {
            json!({"Name": name, "Image": "nginx", "HostConfig": {"Links": [format!("c-{}-2:db", i % NODES)]}})
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

    // (a) one decision.
    let iterations = if bench { 2_000 } else { 40 };
    let reqs: Vec<CreateRequest> = (0..iterations)
        .map(|i| CreateRequest::from_value(request(i)).expect("valid request"))
        .collect();
    for r in reqs.iter().take(50) {
        black_box(schedule(&base, r, &opts).ok());
    }
    let mut times = Vec::with_capacity(iterations);
    let mut placed = 0usize;
    for r in &reqs {
        let t = Instant::now();
        let d = schedule(black_box(&base), r, &opts);
        times.push(t.elapsed());
        placed += usize::from(d.is_ok());
    }
    for kind in 0..8 {
        let mut k: Vec<Duration> = times.iter().skip(kind).step_by(8).copied().collect();
        k.sort();
        eprintln!(
            "  request kind {kind}: p50 {:.3} ms, p99 {:.3} ms",
            percentile(&k, 0.5).as_secs_f64() * 1e3,
            percentile(&k, 0.99).as_secs_f64() * 1e3
        );
    }
    times.sort();
    let p50 = percentile(&times, 0.50);
    let p99 = percentile(&times, 0.99);
    let max = times[times.len() - 1];
    println!(
        "one decision ({NODES} nodes x {PER_NODE} containers, {iterations} iterations, {placed} placed): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms (target p99 < 2 ms)",
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3
    );

    // (b) 30,000 sequential requests.
    let total: usize = std::env::var("PLAN_BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if bench { 30_000 } else { 200 });
    let mut s = base.clone();
    let seq: Vec<Value> = (0..total).map(request).collect();
    let t = Instant::now();
    let results = plan_sequence(&mut s, seq, &opts);
    let elapsed = t.elapsed();
    let ok = results.iter().filter(|r| r.node.is_some()).count();
    println!(
        "plan_sequence: {total} sequential requests in {:.3} s ({:.3} ms/request, {ok} placed, {} not) (target < 30 s)",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e3 / total as f64,
        total - ok
    );
    let candidates: usize = results.iter().map(|r| r.candidates.len()).sum();
    println!(
        "plan_sequence: {candidates} candidate names in the results; peak RSS {}",
        peak_rss()
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
