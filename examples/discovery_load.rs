//! Load test for the token service: N agents heartbeating every second on
//! loopback, as `flotilla join --heartbeat 1s --ttl 3s` would, for a bounded
//! time. Reports request latency (p50/p99/max, measured by the client) and
//! lost registrations (an agent missing from the cluster's list after its
//! first registration), and exits non-zero when p99 ≥ 10 ms, a request
//! failed or a registration was lost.
//!
//! ```text
//! cargo run --release --example discovery_load                     # in-process service
//! cargo run --release --example discovery_load -- --url http://127.0.0.1:8400
//!                 [--agents 1000] [--seconds 20]                    # an external `flotilla discovery serve`
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use flotilla_core::discovery::server;

struct Args {
    agents: usize,
    seconds: u64,
    url: Option<String>,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        agents: 1000,
        seconds: 20,
        url: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--agents" => a.agents = value()?.parse().map_err(|e| format!("--agents: {e}"))?,
            "--seconds" => {
                a.seconds = value()?.parse().map_err(|e| format!("--seconds: {e}"))?;
                if !(3..=120).contains(&a.seconds) {
                    return Err("--seconds must be from 3 to 120".into());
                }
            }
            "--url" => a.url = Some(value()?),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(a)
}

fn pct(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i] as f64 / 1000.0
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    // The service runs on its own runtime and threads, as it would in its
    // own process; `--url` points at a real external one instead.
    let data = tempfile::tempdir().expect("tempdir");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (url_tx, url_rx) = std::sync::mpsc::channel();
    let server_thread = if a.url.is_none() {
        let dir = data.path().to_path_buf();
        Some(std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("server runtime");
            rt.block_on(async move {
                let bound = server::bind(&server::ServeOptions {
                    addr: "127.0.0.1:0".into(),
                    data: dir,
                    tls: None,
                    limits: flotilla_core::serve::Limits::TOKEN_SERVICE,
                    secret: None,
                })
                .await
                .expect("bind");
                let _ = url_tx.send(bound.url());
                bound
                    .run(async {
                        let _ = stop_rx.await;
                    })
                    .await
                    .expect("serve");
            });
        }))
    } else {
        None
    };
    let url = match &a.url {
        Some(u) => u.trim_end_matches('/').to_string(),
        None => url_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("service start"),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("client runtime");
    let failed = rt.block_on(load(&url, a.agents, a.seconds));
    let _ = stop_tx.send(());
    if let Some(t) = server_thread {
        let _ = t.join();
    }
    std::process::exit(if failed { 1 } else { 0 });
}

async fn load(url: &str, agents: usize, seconds: u64) -> bool {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .pool_max_idle_per_host(usize::MAX)
        .build()
        .expect("client");
    let token = http
        .post(format!("{url}/v1/clusters"))
        .send()
        .await
        .expect("create cluster")
        .text()
        .await
        .expect("token");
    let token = token.trim().to_string();
    eprintln!(
        "{agents} agents heartbeating every 1s (ttl 3s) for {seconds}s against {url}, cluster {token}"
    );
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let errors = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for i in 0..agents {
        let http = http.clone();
        let endpoint = format!("{url}/v1/clusters/{token}?ttl=3");
        let addr = format!("10.{}.{}.1:2376", i / 250, i % 250);
        let errors = errors.clone();
        tasks.push(tokio::spawn(async move {
            // Spread the agents over the first second, as --delay does.
            let offset = Duration::from_micros((i as u64 * 1_000_000) / agents as u64);
            tokio::time::sleep_until((start + offset).into()).await;
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut lat = Vec::with_capacity(seconds as usize + 1);
            loop {
                tick.tick().await;
                if Instant::now() >= deadline {
                    break;
                }
                let t = Instant::now();
                let r = http.post(&endpoint).body(addr.clone()).send().await;
                let ok = match r {
                    Ok(resp) => resp.status().is_success() && resp.bytes().await.is_ok(),
                    Err(_) => false,
                };
                lat.push(t.elapsed().as_micros() as u64);
                if !ok {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            lat
        }));
    }
    // Check membership twice a second once every agent had time to join.
    let mut checks = 0u64;
    let mut short_checks = 0u64;
    let mut min_seen = usize::MAX;
    let warm = start + Duration::from_millis(1500);
    tokio::time::sleep_until(warm.into()).await;
    while Instant::now() + Duration::from_millis(500) < deadline {
        let r = http.get(format!("{url}/v1/clusters/{token}")).send().await;
        match r {
            Ok(resp) => match resp.json::<Vec<String>>().await {
                Ok(list) => {
                    checks += 1;
                    min_seen = min_seen.min(list.len());
                    if list.len() < agents {
                        short_checks += 1;
                    }
                }
                Err(_) => {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            },
            Err(_) => {
                errors.fetch_add(1, Ordering::Relaxed);
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let mut all = Vec::new();
    let mut joins = Vec::new();
    for t in tasks {
        if let Ok(l) = t.await {
            joins.extend(l.first().copied());
            all.extend(l);
        }
    }
    joins.sort_unstable();
    let final_list: Vec<String> = match http.get(format!("{url}/v1/clusters/{token}")).send().await
    {
        Ok(r) => r.json().await.unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    all.sort_unstable();
    let (p50, p99, max) = (pct(&all, 0.50), pct(&all, 0.99), pct(&all, 1.0));
    let errors = errors.load(Ordering::Relaxed);
    let lost = agents.saturating_sub(final_list.len());
    println!("requests       {}", all.len());
    println!(
        "rate           {:.0}/s",
        all.len() as f64 / start.elapsed().as_secs_f64()
    );
    println!("latency p50    {p50:.2} ms");
    println!("latency p99    {p99:.2} ms");
    println!("latency max    {max:.2} ms");
    println!(
        "first joins    p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (TTL joins are written behind)",
        pct(&joins, 0.50),
        pct(&joins, 0.99),
        pct(&joins, 1.0)
    );
    println!("errors         {errors}");
    println!(
        "list checks    {checks} (short: {short_checks}, fewest members seen: {})",
        if checks == 0 { 0 } else { min_seen }
    );
    println!("final members  {} of {agents}", final_list.len());
    println!("lost           {lost}");
    let _ = http
        .delete(format!("{url}/v1/clusters/{token}"))
        .send()
        .await;
    let failed = p99 >= 10.0 || errors > 0 || lost > 0 || short_checks > 0 || checks == 0;
    println!("verdict        {}", if failed { "FAIL" } else { "PASS" });
    failed
}
