//! Leader election among managers, against a real etcd (Debian's etcd-server): exactly one
//! leader, fast failover when it resigns or dies, no leader while etcd is down, one leader again
//! when it comes back.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use flotilla_core::discovery::Addr;
use flotilla_core::discovery::election::{self, Election, ElectionOptions, Leadership, Role};
use tokio::sync::{oneshot, watch};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A real etcd that can be stopped and started again on the same ports and data.
struct Etcd {
    child: Option<Child>,
    client: u16,
    peer: u16,
    dir: tempfile::TempDir,
}

impl Etcd {
    fn start() -> Etcd {
        let mut e = Etcd {
            child: None,
            client: free_port(),
            peer: free_port(),
            dir: tempfile::tempdir().expect("tempdir"),
        };
        e.up();
        e
    }

    fn endpoint(&self) -> String {
        format!("127.0.0.1:{}", self.client)
    }

    fn up(&mut self) {
        let exe = std::env::var("ETCD_BIN").unwrap_or_else(|_| "etcd".into());
        let data: PathBuf = self.dir.path().join("data");
        let log = std::fs::File::options()
            .create(true)
            .append(true)
            .open(self.dir.path().join("etcd.log"))
            .expect("log");
        let child = Command::new(&exe)
            .args(["--name", "election-test", "--data-dir"])
            .arg(&data)
            .arg("--listen-client-urls")
            .arg(format!("http://127.0.0.1:{}", self.client))
            .arg("--advertise-client-urls")
            .arg(format!("http://127.0.0.1:{}", self.client))
            .arg("--listen-peer-urls")
            .arg(format!("http://127.0.0.1:{}", self.peer))
            .arg("--initial-advertise-peer-urls")
            .arg(format!("http://127.0.0.1:{}", self.peer))
            .arg("--initial-cluster")
            .arg(format!("election-test=http://127.0.0.1:{}", self.peer))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start etcd ({exe}): {e}; apt-get install etcd-server")
            });
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = format!("http://{}/v3/kv/range", self.endpoint());
        while std::process::Command::new("curl")
            .args([
                "-sf",
                "-m",
                "1",
                "-X",
                "POST",
                &url,
                "-d",
                r#"{"key":"AA=="}"#,
            ])
            .stdout(Stdio::null())
            .status()
            .map(|s| !s.success())
            .unwrap_or(true)
        {
            assert!(Instant::now() < deadline, "etcd did not answer");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn down(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Etcd {
    fn drop(&mut self) {
        self.down();
    }
}

struct Manager {
    addr: String,
    roles: watch::Receiver<Role>,
    leadership: Leadership,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

const TTL: Duration = Duration::from_secs(2);

fn start(etcd: &Etcd, addr: &str) -> Manager {
    let opts = ElectionOptions {
        url: format!("etcd://{}/test", etcd.endpoint()),
        endpoints: vec![etcd.endpoint().parse::<Addr>().expect("addr")],
        prefix: "test".into(),
        advertise: addr.into(),
        ttl: TTL,
        timeout: Duration::from_secs(1),
    };
    let (e, roles, leadership) = Election::new(&opts).expect("election");
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(e.run(async {
        let _ = rx.await;
    }));
    Manager {
        addr: addr.into(),
        roles,
        leadership,
        stop: Some(tx),
        task,
    }
}

impl Manager {
    fn role(&self) -> Role {
        self.roles.borrow().clone()
    }

    /// Resigns (graceful stop) and waits for it.
    async fn resign(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let _ = self.task.await;
    }

    /// Dies without resigning, as a SIGKILLed process.
    fn kill(self) {
        self.task.abort();
    }
}

/// Waits until exactly one of `ms` leads and the others follow it; returns the leader's index.
async fn one_leader(ms: &[&Manager], within: Duration) -> usize {
    let deadline = Instant::now() + within;
    loop {
        let leaders: Vec<usize> = (0..ms.len())
            .filter(|&i| ms[i].role() == Role::Leader && ms[i].leadership.holds())
            .collect();
        if let [l] = leaders[..] {
            let follows = (0..ms.len()).filter(|&i| i != l).all(|i| {
                ms[i].role()
                    == Role::Follower {
                        leader: ms[l].addr.clone(),
                    }
            });
            if follows {
                return l;
            }
        }
        assert!(
            leaders.len() <= 1,
            "two managers hold leadership at once: {leaders:?}"
        );
        assert!(
            Instant::now() < deadline,
            "no single leader: {:?}",
            ms.iter().map(|m| m.role()).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
async fn one_leader_failover_and_etcd_outage() {
    // The one crypto provider, as the binary installs it (reqwest is built without its own).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut etcd = Etcd::start();
    let a = start(&etcd, "10.0.0.1:3376");
    let b = start(&etcd, "10.0.0.2:3376");
    let c = start(&etcd, "10.0.0.3:3376");
    let first = one_leader(&[&a, &b, &c], Duration::from_secs(10)).await;

    // Every manager is listed, and the leader is the one that leads.
    let (all, leader) = election::managers(
        &format!("etcd://{}/test", etcd.endpoint()),
        &[etcd.endpoint().parse().expect("addr")],
        "test",
        Duration::from_secs(1),
    )
    .await
    .expect("managers");
    assert_eq!(all, vec!["10.0.0.1:3376", "10.0.0.2:3376", "10.0.0.3:3376"]);
    assert_eq!(leader.as_deref(), Some([&a, &b, &c][first].addr.as_str()));

    // The leader resigns: another takes over well within one TTL.
    let mut ms = vec![a, b, c];
    let resigned = ms.remove(first);
    let t = Instant::now();
    resigned.resign().await;
    let second = one_leader(&[&ms[0], &ms[1]], TTL).await;
    eprintln!("resign → new leader: {:?}", t.elapsed());

    // A manager started later follows the current leader.
    let late = start(&etcd, "10.0.0.4:3376");
    let l = one_leader(&[&ms[0], &ms[1], &late], Duration::from_secs(5)).await;
    assert_eq!(l, second);

    // The leader dies without resigning: its lease expires and another leads.
    let dead = ms.remove(second);
    let t = Instant::now();
    dead.kill();
    let third = one_leader(&[&ms[0], &late], TTL * 3).await;
    eprintln!("kill → new leader: {:?}", t.elapsed());
    let survivors = [&ms[0], &late];

    // etcd goes away: the leader gives up before its lease could expire; nobody leads.
    etcd.down();
    let deadline = Instant::now() + TTL * 2;
    while survivors[third].leadership.holds() {
        assert!(
            Instant::now() < deadline,
            "the leader kept deciding without etcd"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(survivors.iter().all(|m| !m.leadership.holds()));

    // etcd is back with its data, the leases extended: the leader before the outage resumes
    // its lease and leads again (no new election), the others follow it.
    etcd.up();
    let after = one_leader(&survivors, Duration::from_secs(20)).await;
    assert_eq!(
        survivors[after].addr, survivors[third].addr,
        "the lead changed hands across an etcd restart"
    );
    for m in ms.into_iter().chain([late]) {
        m.resign().await;
    }
}
