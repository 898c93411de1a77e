//! Rendering 500 containers across 3 engines (route table + nginx text).
//!
//! `cargo bench --bench proxy_render` prints the median and p99 over 200 runs.
//! Target (issue 6): under 50 ms.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use flotilla_core::proxy::nginx::{RenderOptions, render};
use flotilla_core::proxy::routes::build;
use flotilla_core::proxy::source::{ExposedPort, ProxyContainer, PublishedPort};

fn containers() -> Vec<ProxyContainer> {
    let engines = [
        ("node-1", [192, 168, 99, 101]),
        ("node-2", [192, 168, 99, 102]),
        ("node-3", [192, 168, 99, 103]),
    ];
    (0..500u32)
        .map(|i| {
            let (engine, ip) = engines[(i % 3) as usize];
            let local = i % 3 == 0;
            // 150 apps with ~3 replicas each, every 10th on a path, a few wildcards/regexes
            let app = i / 3 % 150;
            let host = match app % 25 {
                0 => format!("*.app{app}.example.com"),
                1 => format!("~^app{app}-[0-9]+\\.example\\.com$"),
                _ => format!("app{app}.example.com,www.app{app}.example.com"),
            };
            let mut env = vec![format!("VIRTUAL_HOST={host}"), "PATH=/usr/bin".to_string()];
            if app % 10 == 3 {
                env.push("VIRTUAL_PATH=/api/".into());
                env.push("VIRTUAL_DEST=/".into());
            }
            if app % 7 == 0 {
                env.push("VIRTUAL_PROTO=https".into());
                env.push("VIRTUAL_PORT=8443".into());
            }
            let port = if app % 7 == 0 { 8443 } else { 8080 };
            ProxyContainer {
                engine: engine.into(),
                engine_ip: Some(IpAddr::from(ip)),
                local,
                id: format!("{i:064x}"),
                name: format!("app{app}-{i}"),
                running: i % 50 != 7,
                health: (i % 40 == 5).then(|| "unhealthy".to_string()),
                env,
                labels: BTreeMap::from([("com.example.team".to_string(), "web".to_string())]),
                exposed_ports: vec![ExposedPort {
                    port,
                    proto: "tcp".into(),
                }],
                published: if local {
                    vec![]
                } else {
                    vec![PublishedPort {
                        container_port: port,
                        proto: "tcp".into(),
                        host_ip: Some(IpAddr::from([0, 0, 0, 0])),
                        host_port: 30000 + i as u16,
                    }]
                },
                ip_address: Some(IpAddr::from([10, 0, (i / 250) as u8, (i % 250) as u8 + 2])),
                network: Some("flotilla".into()),
            }
        })
        .collect()
}

fn main() {
    let input = containers();
    let opts = RenderOptions::new("/var/lib/flotilla/proxy");
    // Under `cargo test --all-targets` (no `--bench`), a quick smoke run.
    let runs = if std::env::args().any(|a| a == "--bench") {
        200
    } else {
        5
    };
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut build_times: Vec<Duration> = Vec::with_capacity(runs);
    let mut render_times: Vec<Duration> = Vec::with_capacity(runs);
    let mut bytes = 0;
    let mut vhosts = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let table = build(&input);
        let built = Instant::now();
        let conf = render(&table, &opts);
        let done = Instant::now();
        times.push(done - start);
        build_times.push(built - start);
        render_times.push(done - built);
        bytes = conf.len();
        vhosts = table.vhosts.len();
        std::hint::black_box(conf);
    }
    times.sort();
    build_times.sort();
    render_times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p).ceil() as usize).saturating_sub(1)];
    println!(
        "proxy_render: 500 containers, 3 engines -> {vhosts} vhosts, {bytes} bytes; {runs} runs: median {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        pct(0.5).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
    println!(
        "  of which routes::build median {:.3} ms, nginx::render median {:.3} ms",
        build_times[runs / 2].as_secs_f64() * 1e3,
        render_times[runs / 2].as_secs_f64() * 1e3
    );
}
