//! What the simulator costs at scale: start time, memory idle and with clients attached, and
//! how fast it answers while a client fans out over every engine.
//!
//! Runs the release binary with `ENGINES` engines × `CONTAINERS` containers (default 1,000 ×
//! 30) `RUNS` times (default 3). Per run: time from spawn to the ready line, RSS idle; then
//! every engine gets what a manager would hold (one TLS connection streaming `/events`, one
//! for requests, a first `GET /containers/json?all=1`; 64 engines at a time) and RSS is read
//! again; then, one request at a time on those warm connections, every engine is asked
//! `GET /containers/json?all=1` and `GET /info`; then every container of the first
//! `INSPECT_ENGINES` engines (default 100) is inspected. Prints medians over the runs and p50/p99
//! request latencies over all of them (client included: the benchmark runs on the same
//! machine). `cargo bench --bench footprint`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// CPU time (user + system) the process has used, in milliseconds.
fn cpu_ms(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        f.get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    // utime and stime are fields 14 and 15 of proc_pid_stat(5) (the state, field 3, is index 0
    // here), in clock ticks of 10 ms (USER_HZ is 100 on Linux).
    (ticks(11) + ticks(12)) * 10.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

struct Run {
    /// Simulator CPU per inspect (lists of the inspect pass included).
    inspect_cpu_per_call_ms: f64,
    inspect_ms: Vec<f64>,
    /// Simulator CPU while clients attached to every engine.
    attach_cpu_ms: f64,
    /// Simulator CPU for the one-at-a-time pass (a list and an info per engine).
    pass_cpu_ms: f64,
    start_ms: f64,
    rss_idle: f64,
    rss_loaded: f64,
    list_ms: Vec<f64>,
    info_ms: Vec<f64>,
    fanout_ms: f64,
}

async fn one_run(engines: usize, containers: usize) -> Run {
    let st = common::store();
    let t0 = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_flotilla-enginesim"))
        .args(["--store", &st.path().display().to_string()])
        .args(["--engines", &engines.to_string()])
        .args(["--containers-per-engine", &containers.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn flotilla-enginesim");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("ready line");
    let start_ms = t0.elapsed().as_secs_f64() * 1e3;
    let ready: serde_json::Value = serde_json::from_str(&line).expect("ready JSON");
    assert_eq!(ready["engines"], engines);
    let pid = child.id();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_idle = rss_mib(pid);

    let control: std::net::SocketAddr = ready["control"]
        .as_str()
        .and_then(|c| c.parse().ok())
        .expect("control address");
    let engines_json = common::control(control, "GET", "/engines", None).await;
    let addrs: Vec<std::net::SocketAddr> = engines_json
        .body
        .as_array()
        .expect("engines")
        .iter()
        .filter_map(|e| e["addr"].as_str()?.parse().ok())
        .collect();
    let cfg = common::client_config(&st, Some(&st));
    let cpu_before_attach = cpu_ms(pid);
    let fan = Instant::now();
    let mut held: Vec<(common::Conn, common::Conn, hyper::body::Incoming)> =
        futures_util::stream::iter(addrs)
            .map(|addr| {
                let cfg = cfg.clone();
                async move {
                    let mut events = common::connect(addr, cfg.clone()).await.expect("connect");
                    let stream = events.send("GET", "/events", None).await.expect("events");
                    let mut c = common::connect(addr, cfg).await.expect("connect");
                    let list = c.call("GET", "/containers/json?all=1", None).await;
                    assert_eq!(list.body.as_array().map(Vec::len), Some(containers));
                    (c, events, stream.into_body())
                }
            })
            .buffer_unordered(64)
            .collect()
            .await;
    let fanout_ms = fan.elapsed().as_secs_f64() * 1e3;
    let attach_cpu_ms = cpu_ms(pid) - cpu_before_attach;
    let rss_loaded = rss_mib(pid);
    let cpu_before_pass = cpu_ms(pid);
    // One request at a time on warm connections: the simulator's own answer time.
    let (mut list_ms, mut info_ms) = (Vec::new(), Vec::new());
    for (c, _, _) in held.iter_mut() {
        let t = Instant::now();
        let list = c.call("GET", "/containers/json?all=1", None).await;
        list_ms.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(list.status, 200);
        let t = Instant::now();
        let info = c.call("GET", "/info", None).await;
        info_ms.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(info.status, 200);
    }
    let pass_cpu_ms = cpu_ms(pid) - cpu_before_pass;
    // Every container of the first INSPECT_ENGINES engines inspected, one at a time.
    let cpu_before_inspect = cpu_ms(pid);
    let mut inspect_ms = Vec::new();
    for (c, _, _) in held.iter_mut().take(env("INSPECT_ENGINES", 100)) {
        let list = c.call("GET", "/containers/json?all=1", None).await;
        let ids: Vec<String> = list
            .body
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x["Id"].as_str().map(str::to_string))
            .collect();
        for id in ids {
            let t = Instant::now();
            let i = c.call("GET", &format!("/containers/{id}/json"), None).await;
            inspect_ms.push(t.elapsed().as_secs_f64() * 1e3);
            assert_eq!(i.status, 200);
        }
    }
    let inspect_cpu_ms = cpu_ms(pid) - cpu_before_inspect;
    let run = Run {
        inspect_cpu_per_call_ms: inspect_cpu_ms / inspect_ms.len().max(1) as f64,
        inspect_ms,
        attach_cpu_ms,
        pass_cpu_ms,
        start_ms,
        rss_idle,
        rss_loaded,
        list_ms,
        info_ms,
        fanout_ms,
    };
    let results = held;
    drop(results);
    let _ = child.kill();
    let _ = child.wait();
    run
}

fn main() {
    // Under `cargo test --all-targets` (no `--bench`), a quick smoke run.
    let bench = std::env::args().any(|a| a == "--bench");
    let engines = env("ENGINES", if bench { 1000 } else { 20 });
    let containers = env("CONTAINERS", 30);
    let runs = env("RUNS", if bench { 3 } else { 1 }).max(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut all = Vec::new();
    for i in 0..runs {
        let r = rt.block_on(one_run(engines, containers));
        eprintln!(
            "run {}: start {:.0} ms, RSS idle {:.1} MiB, with 2 connections per engine {:.1} MiB, attaching to every engine {:.0} ms",
            i + 1,
            r.start_ms,
            r.rss_idle,
            r.rss_loaded,
            r.fanout_ms
        );
        all.push(r);
    }
    let mut list: Vec<f64> = all.iter().flat_map(|r| r.list_ms.clone()).collect();
    let mut info: Vec<f64> = all.iter().flat_map(|r| r.info_ms.clone()).collect();
    let mut inspect: Vec<f64> = all.iter().flat_map(|r| r.inspect_ms.clone()).collect();
    println!(
        "enginesim footprint, {engines} engines x {containers} containers, {runs} runs (medians):"
    );
    println!(
        "  start to ready line      {:>8.0} ms",
        median(all.iter().map(|r| r.start_ms).collect())
    );
    println!(
        "  RSS idle                 {:>8.1} MiB",
        median(all.iter().map(|r| r.rss_idle).collect())
    );
    println!(
        "  RSS, 2 conns/engine      {:>8.1} MiB",
        median(all.iter().map(|r| r.rss_loaded).collect())
    );
    println!(
        "  attach to every engine   {:>8.0} ms (2 TLS connections, events, a list; 64 in flight)",
        median(all.iter().map(|r| r.fanout_ms).collect())
    );
    println!(
        "  simulator CPU, attaching {:>8.0} ms ({:.2} ms per engine)",
        median(all.iter().map(|r| r.attach_cpu_ms).collect()),
        median(all.iter().map(|r| r.attach_cpu_ms).collect()) / engines as f64
    );
    println!(
        "  simulator CPU, one list + one info {:.3} ms per engine",
        median(all.iter().map(|r| r.pass_cpu_ms).collect()) / engines as f64
    );
    println!(
        "  GET /containers/json?all=1  p50 {:.2} ms  p99 {:.2} ms (one at a time, warm connections)",
        percentile(&mut list, 0.5),
        percentile(&mut list, 0.99)
    );
    println!(
        "  GET /info                   p50 {:.2} ms  p99 {:.2} ms",
        percentile(&mut info, 0.5),
        percentile(&mut info, 0.99)
    );
    println!(
        "  GET /containers/{{id}}/json  p50 {:.2} ms  p99 {:.2} ms ({} calls); simulator CPU {:.3} ms per call",
        percentile(&mut inspect, 0.5),
        percentile(&mut inspect, 0.99),
        inspect.len(),
        median(all.iter().map(|r| r.inspect_cpu_per_call_ms).collect())
    );
}
