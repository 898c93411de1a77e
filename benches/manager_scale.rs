//! `manager_scale` (issue 10): the manager on its model, against simulated engines
//! (`flotilla-enginesim`: 1,000 engines × 30 containers on one machine, mutual TLS, requests
//! counted per engine).
//!
//! Through the manager with a real Engine API client (bollard), per swarm size:
//! - time from `flotilla manage` starting to every node Healthy (its first `/info`: the manager
//!   serves once no node is Pending);
//! - `GET /info` (200 calls), `GET /containers/json?all=1` (20 calls);
//! - engine requests caused by one `docker ps` + one `docker info` (the simulator's counts);
//! - create + start with `constraint:` and `affinity:` env, sequential, and from 8 concurrent
//!   clients;
//! - event on an engine (a container started there directly) → visible in the manager's list;
//! - the manager's RSS at the end.
//!
//! `cargo bench --bench manager_scale` runs 100, 300 and 1,000 engines × 30 containers (3 runs
//! at 1,000); `-- --smoke` runs 20 engines × 5 containers with few samples (what CI runs).
//! The simulator binary: `$FLOTILLA_ENGINESIM`, else `flotilla-enginesim` next to the
//! flotilla binary or in `target/release` (`cargo build --release -p flotilla-enginesim`).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{
    CreateContainerOptions, ListContainersOptions, RemoveContainerOptions,
};
use flotilla_core::engine::{self, EngineAddr};
use flotilla_core::store::TlsFiles;

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn pct(s: &[Duration], p: f64) -> Duration {
    let mut v = s.to_vec();
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn simulator() -> PathBuf {
    if let Some(p) = std::env::var_os("FLOTILLA_ENGINESIM") {
        return PathBuf::from(p);
    }
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_flotilla"));
    let dir = bin.parent().expect("bin dir");
    for c in [
        dir.join("flotilla-enginesim"),
        dir.join("../release/flotilla-enginesim"),
    ] {
        if c.exists() {
            return c;
        }
    }
    panic!(
        "flotilla-enginesim not found: build it with `cargo build --release -p flotilla-enginesim` or set FLOTILLA_ENGINESIM"
    );
}

/// One plain-HTTP request to the simulator's control port; the body of the answer.
fn control(addr: &str, method: &str, path: &str, body: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).expect("control port");
    write!(
        s,
        "{method} {path} HTTP/1.0\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    out.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

#[derive(Debug, Clone, Default)]
struct Figures {
    engines: usize,
    containers: usize,
    healthy_s: f64,
    info_p50: f64,
    info_p99: f64,
    ps_p50: f64,
    ps_p99: f64,
    ps_rows: usize,
    engine_requests: u64,
    create_seq_p50: f64,
    create_seq_p99: f64,
    create_conc_p50: f64,
    create_conc_p99: f64,
    event_p50: f64,
    event_p99: f64,
    rss_mib: f64,
}

struct Sizes {
    info: usize,
    ps: usize,
    creates: usize,
    per_client: usize,
    events: usize,
}

async fn one_run(engines: usize, per_engine: usize, n: &Sizes) -> Figures {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("store");
    let flotilla = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_flotilla"))
            .arg("-s")
            .arg(&store)
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .expect("flotilla");
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    // The store's CA and client certificate.
    flotilla(&[
        "certs",
        "server",
        "--san",
        "127.0.0.1",
        "--out",
        &dir.path().join("unused").to_string_lossy(),
    ]);
    let disc = dir.path().join("engines");
    let mut sim = Command::new(simulator());
    sim.arg("--store")
        .arg(&store)
        .args(["--engines", &engines.to_string()])
        .args(["--containers-per-engine", &per_engine.to_string()])
        .arg("--discovery-file")
        .arg(&disc)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut sim = Killed(sim.spawn().expect("start the simulator"));
    let mut line = String::new();
    {
        use std::io::BufRead;
        let out = sim.0.stdout.take().expect("stdout");
        std::io::BufReader::new(out)
            .read_line(&mut line)
            .expect("ready line");
    }
    let ready: serde_json::Value = serde_json::from_str(&line).expect("ready JSON");
    let ctl = ready["control"].as_str().expect("control").to_string();

    let port = free_port();
    let started = Instant::now();
    let manager = Command::new(env!("CARGO_BIN_EXE_flotilla"))
        .arg("-s")
        .arg(&store)
        .args(["manage", "--swarm", &format!("file://{}", disc.display())])
        .args(["-H", &format!("tcp://127.0.0.1:{port}")])
        .args(["--timeout", "10s"])
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the manager");
    let pid = manager.id();
    let _manager = Killed(manager);
    let certs = store.join("certs");
    let tls = TlsFiles {
        ca: certs.join("ca.pem"),
        cert: certs.join("cert.pem"),
        key: certs.join("key.pem"),
    };
    let addr = EngineAddr::Tcp {
        host: "127.0.0.1".into(),
        port,
    };
    let client = || engine::client(&addr, Some(&tls), Duration::from_secs(120)).expect("client");
    let docker = client();
    // All Healthy: the manager serves once no node is Pending (its first `/info`); its model's
    // view then says whether every node is Healthy.
    let swarm = flotilla_core::cluster::members::Swarm {
        discovery: format!("file://{}", disc.display()),
        master: None,
        strategy: None,
    };
    let st = flotilla_core::store::Store::new(&store);
    let healthy_at = loop {
        if docker.info().await.is_ok() {
            let at = started.elapsed();
            let view =
                flotilla_core::cluster::live::from_manager(&st, &swarm, Duration::from_secs(60))
                    .await;
            let healthy = view.map_or(0, |l| {
                l.views
                    .iter()
                    .filter(|v| v.health == flotilla_core::cluster::live::Health::Healthy)
                    .count()
            });
            if healthy == engines {
                break at;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "never all Healthy"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };

    let mut info = Vec::new();
    for _ in 0..n.info {
        let t = Instant::now();
        docker.info().await.expect("info");
        info.push(t.elapsed());
    }
    let all = || {
        Some(ListContainersOptions {
            all: true,
            ..Default::default()
        })
    };
    let mut ps = Vec::new();
    let mut rows = 0;
    for _ in 0..n.ps {
        let t = Instant::now();
        rows = docker.list_containers(all()).await.expect("ps").len();
        ps.push(t.elapsed());
    }
    // What one `docker ps` and one `docker info` cost the engines.
    control(&ctl, "POST", "/counts/reset", "");
    docker.list_containers(all()).await.expect("ps");
    docker.info().await.expect("info");
    let counts: serde_json::Value =
        serde_json::from_str(&control(&ctl, "GET", "/counts", "")).expect("counts");
    let engine_requests = counts["total"].as_u64().unwrap_or(u64::MAX);

    let mut created = Vec::new();
    let mut seq = Vec::new();
    for k in 0..n.creates {
        let (d, id) = create_start(docker.clone(), format!("seq-{k}")).await;
        seq.push(d);
        created.push(id);
    }
    let tasks: Vec<_> = (0..8)
        .map(|c| {
            let docker = client();
            let per = n.per_client;
            tokio::spawn(async move {
                let mut out = Vec::new();
                for k in 0..per {
                    out.push(create_start(docker.clone(), format!("conc-{c}-{k}")).await);
                }
                out
            })
        })
        .collect();
    let mut conc = Vec::new();
    for t in tasks {
        for (d, id) in t.await.expect("client") {
            conc.push(d);
            created.push(id);
        }
    }

    // Event on an engine → visible in the manager's list.
    let mut delays = Vec::new();
    for k in 0..n.events {
        let name = format!("ev-{k}");
        let engine = (k * 7919) % engines;
        let answer = control(
            &ctl,
            "POST",
            &format!("/engines/{engine}/run?name={name}"),
            r#"{"Image":"flotilla-busybox:latest","Cmd":["sleep","600"]}"#,
        );
        let v: serde_json::Value = serde_json::from_str(&answer).expect("run answer");
        let at = v["TimeNano"].as_i64().expect("TimeNano");
        let filters = std::collections::HashMap::from([("name".to_string(), vec![name.clone()])]);
        loop {
            let l = docker
                .list_containers(Some(ListContainersOptions {
                    all: true,
                    filters: Some(filters.clone()),
                    ..Default::default()
                }))
                .await
                .expect("ps");
            if !l.is_empty() {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .expect("clock")
                    .as_nanos() as i64;
                delays.push(Duration::from_nanos((now - at).max(0) as u64));
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    let rss = rss_mib(pid);
    for id in created {
        let _ = docker
            .remove_container(
                &id,
                Some(RemoveContainerOptions {
                    force: true,
                    ..Default::default()
                }),
            )
            .await;
    }
    Figures {
        engines,
        containers: engines * per_engine,
        healthy_s: healthy_at.as_secs_f64(),
        info_p50: ms(pct(&info, 0.5)),
        info_p99: ms(pct(&info, 0.99)),
        ps_p50: ms(pct(&ps, 0.5)),
        ps_p99: ms(pct(&ps, 0.99)),
        ps_rows: rows,
        engine_requests,
        create_seq_p50: ms(pct(&seq, 0.5)),
        create_seq_p99: ms(pct(&seq, 0.99)),
        create_conc_p50: ms(pct(&conc, 0.5)),
        create_conc_p99: ms(pct(&conc, 0.99)),
        event_p50: ms(pct(&delays, 0.5)),
        event_p99: ms(pct(&delays, 0.99)),
        rss_mib: rss,
    }
}

fn body() -> ContainerCreateBody {
    ContainerCreateBody {
        image: Some("flotilla-busybox:latest".into()),
        env: Some(vec![
            "constraint:zone==z1".into(),
            "affinity:image==flotilla-busybox:latest".into(),
        ]),
        cmd: Some(vec!["sleep".into(), "600".into()]),
        ..Default::default()
    }
}

/// One `docker run -d` through the manager: create, then start.
async fn create_start(docker: Docker, name: String) -> (Duration, String) {
    let t = Instant::now();
    let c = docker
        .create_container(
            Some(CreateContainerOptions {
                name: Some(name),
                ..Default::default()
            }),
            body(),
        )
        .await
        .expect("create");
    docker.start_container(&c.id, None).await.expect("start");
    (t.elapsed(), c.id)
}

fn print(f: &Figures) {
    println!(
        "{:>5} engines {:>6} containers | Healthy {:>5.2} s | info p50 {:>6.2} p99 {:>6.2} ms | ps -a ({} rows) p50 {:>7.1} p99 {:>7.1} ms | engine requests {} | create+start seq p50 {:>6.1} p99 {:>6.1} ms, 8 clients p50 {:>6.1} p99 {:>6.1} ms | event→list p50 {:>6.1} p99 {:>6.1} ms | RSS {:>6.1} MiB",
        f.engines,
        f.containers,
        f.healthy_s,
        f.info_p50,
        f.info_p99,
        f.ps_rows,
        f.ps_p50,
        f.ps_p99,
        f.engine_requests,
        f.create_seq_p50,
        f.create_seq_p99,
        f.create_conc_p50,
        f.create_conc_p99,
        f.event_p50,
        f.event_p99,
        f.rss_mib
    );
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = std::env::args().collect();
    let smoke = args.iter().any(|a| a == "--smoke") || !args.iter().any(|a| a == "--bench");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    if smoke {
        let sizes = Sizes {
            info: 20,
            ps: 5,
            creates: 5,
            per_client: 2,
            events: 5,
        };
        let f = rt.block_on(one_run(20, 5, &sizes));
        print(&f);
        assert_eq!(
            f.engine_requests, 0,
            "a docker ps and a docker info asked the engines"
        );
        assert_eq!(f.ps_rows, 100, "every container listed");
        return;
    }
    let sizes = Sizes {
        info: 200,
        ps: 20,
        creates: 100,
        per_client: 25,
        events: 50,
    };
    let only: Option<usize> = std::env::var("MANAGER_SCALE_ENGINES")
        .ok()
        .and_then(|v| v.parse().ok());
    let plan: Vec<(usize, usize)> = match only {
        Some(n) => vec![(n, 1)],
        None => vec![(100, 1), (300, 1), (1000, 3)],
    };
    for (engines, runs) in plan {
        for _ in 0..runs {
            let f = rt.block_on(one_run(engines, 30, &sizes));
            print(&f);
        }
    }
}
