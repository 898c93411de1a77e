//! The manager as one engine for networks, volumes and images (issue 11), driven by the real
//! `docker` CLI: each test runs its own manager on a free loopback port in front of the
//! testbed's four engines, names everything it creates uniquely and removes it afterwards.

use std::process::{Command as StdCommand, Output, Stdio};
use std::time::Duration;

use crate::cluster::{Cleanup, docker as engine_docker, suffix, swarm_store};
use crate::manager::Manager;
use crate::proxy_kit::{free_port, wait_until};
use crate::support::*;

/// A manager of a fresh swarm store, on a free loopback port, answering.
fn manager() -> (TestStore, Manager, u16) {
    let (s, _) = swarm_store();
    let port = free_port();
    let m = Manager::start_local(&s, port);
    // It listens at once and answers once every node was listed.
    assert!(
        wait_until(Duration::from_secs(60), || run(&mut docker_at(&s, port)(
            &["version"]
        ))
        .status
        .success()),
        "the manager did not answer"
    );
    (s, m, port)
}

/// What `flotilla env --swarm` prints for a manager on this port (not asked of `env`: another
/// test's manager may answer on the master's address meanwhile).
fn env_vars(s: &TestStore, port: u16) -> Vec<(String, String)> {
    vec![
        ("DOCKER_HOST".into(), format!("tcp://127.0.0.1:{port}")),
        ("DOCKER_TLS_VERIFY".into(), "1".into()),
        (
            "DOCKER_CERT_PATH".into(),
            s.path().join("certs").display().to_string(),
        ),
    ]
}

/// The docker CLI pointed at the manager on `port`.
fn docker_at(s: &TestStore, port: u16) -> impl Fn(&[&str]) -> StdCommand + use<> {
    let vars = env_vars(s, port);
    move |args: &[&str]| {
        let mut c = StdCommand::new("docker");
        c.env_remove("DOCKER_CONTEXT");
        for (k, v) in &vars {
            c.env(k, v);
        }
        c.args(args);
        c
    }
}

fn run(c: &mut StdCommand) -> Output {
    c.output().expect("run")
}

/// Whether `engine` has the object (`docker KIND inspect NAME` succeeds there).
fn on_engine(engine: &Engine, kind: &str, name: &str) -> bool {
    run(engine_docker(engine).args([kind, "inspect", name]))
        .status
        .success()
}

/// The engines (by name) that have the object.
fn holders(kind: &str, name: &str) -> Vec<String> {
    let mut v: Vec<String> = engines()
        .iter()
        .filter(|e| on_engine(e, kind, name))
        .map(|e| e.name.clone())
        .collect();
    v.sort();
    v
}

const ALL: [&str; 4] = ["backend1", "backend2", "frontend", "swarm-master"];

/// Removes networks and volumes of these names from every engine when dropped.
struct Leftovers {
    networks: Vec<String>,
    volumes: Vec<String>,
    images: Vec<String>,
}

impl Drop for Leftovers {
    fn drop(&mut self) {
        for e in engines() {
            for n in &self.networks {
                let _ = run(engine_docker(&e).args(["network", "rm", n]));
            }
            for v in &self.volumes {
                let _ = run(engine_docker(&e).args(["volume", "rm", "-f", v]));
            }
            for i in &self.images {
                let _ = run(engine_docker(&e).args(["rmi", "-f", i]));
            }
        }
    }
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn networks_and_volumes_on_every_node_or_one() {
    let (s, _manager, port) = manager();
    let docker_cmd = docker_at(&s, port);
    let docker = |args: &[&str]| docker_cmd(args).output().expect("docker");
    let id = suffix();
    let net = format!("apinet-{id}");
    let net_taken = format!("apinet-taken-{id}");
    let net_one = format!("apinet-one-{id}");
    let vol = format!("apivol-{id}");
    let vol_one = format!("apivol-one-{id}");
    let _left = Leftovers {
        networks: vec![net.clone(), net_taken.clone(), net_one.clone()],
        volumes: vec![vol.clone(), vol_one.clone()],
        images: vec![],
    };
    let mut c = Cleanup::new();
    let label = format!("flotilla-api-test={id}");
    // The error messages, for the snapshot at the end.
    let mut errors = String::new();
    let mut record = |args: &[&str], o: &Output| {
        errors.push_str(&format!(
            "$ docker {}\n[exit {}]\n{}\n",
            args.join(" "),
            o.status.code().unwrap_or(-1),
            stderr(o).trim_end()
        ));
    };

    // A name-only network: a local bridge of that name on every healthy node.
    let o = docker(&["network", "create", "--label", &label, &net]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(holders("network", &net), ALL);
    let o = docker(&["network", "inspect", "-f", "{{.Name}} {{.Driver}}", &net]);
    assert_eq!(
        stdout(&o).trim(),
        format!("backend1/{net} bridge"),
        "{}",
        stderr(&o)
    );
    assert!(
        wait_until(Duration::from_secs(20), || {
            let o = docker(&["network", "ls", "--format", "{{.Name}}"]);
            stdout(&o)
                .lines()
                .filter(|l| l.ends_with(&format!("/{net}")))
                .count()
                == 4
        }),
        "network ls shows it once per node"
    );
    // Again: every node refuses, each named once.
    let o = docker(&["network", "create", &net]);
    record(&["network", "create", &net], &o);
    assert!(!o.status.success());
    let err = stderr(&o);
    for n in ALL {
        assert_eq!(err.matches(&format!("{n}: ")).count(), 1, "{err}");
    }
    // A name that exists on one node: created on the others, the error says which and where.
    let backend2 = engine("backend2");
    assert!(
        run(engine_docker(&backend2).args(["network", "create", &net_taken]))
            .status
            .success()
    );
    let o = docker(&["network", "create", &net_taken]);
    record(&["network", "create", &net_taken], &o);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("network create {net_taken} failed on backend2: ")),
        "{err}"
    );
    assert!(err.contains("already exists"), "{err}");
    assert!(
        err.contains("(done on backend1, frontend, swarm-master)"),
        "{err}"
    );
    // NODE/NAME: that node only.
    let o = docker(&["network", "create", &format!("frontend/{net_one}")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(holders("network", &net_one), ["frontend"]);
    // Listed with classic Swarm's `node` filter; a bad `type` is refused as by the engine.
    let listed = |args: &[&str]| {
        let mut full = args.to_vec();
        full.extend(["--format", "{{.Name}}"]);
        stdout(&docker(&full)).trim().to_string()
    };
    assert!(
        wait_until(Duration::from_secs(20), || listed(&[
            "network",
            "ls",
            "--filter",
            "node=frontend",
            "--filter",
            &format!("name={net_one}")
        ]) == format!(
            "frontend/{net_one}"
        )),
        "network ls --filter node="
    );
    assert_eq!(
        listed(&[
            "network",
            "ls",
            "--filter",
            "node=backend1",
            "--filter",
            &format!("name={net_one}")
        ]),
        ""
    );
    let o = docker(&["network", "ls", "--filter", "type=foo"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("invalid filter"), "{}", stderr(&o));

    // connect / disconnect go to the container's node.
    let ctr = c.name("apinet-ctr");
    let o = docker(&[
        "run",
        "-d",
        "--name",
        &ctr,
        "-l",
        "flotilla-testbed=1",
        "-e",
        "constraint:node==frontend",
        "flotilla-busybox",
        "sleep",
        "300",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = docker(&["network", "connect", &net_one, &ctr]);
    assert!(o.status.success(), "{}", stderr(&o));
    let networks_of = || {
        stdout(&run(engine_docker(&engine("frontend")).args([
            "inspect",
            "-f",
            "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}",
            &ctr,
        ])))
    };
    assert!(networks_of().contains(&net_one), "{}", networks_of());
    let o = docker(&[
        "network",
        "disconnect",
        &format!("frontend/{net_one}"),
        &ctr,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!networks_of().contains(&net_one), "{}", networks_of());
    let o = docker(&["network", "connect", "backend1/bridge", &ctr]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("is on node backend1"), "{}", stderr(&o));

    // rm: from every node that has it; prune (only this test's, by label) merged.
    let o = docker(&["network", "rm", &net_taken]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(holders("network", &net_taken).is_empty());
    let o = docker(&[
        "network",
        "prune",
        "-f",
        "--filter",
        &format!("label={label}"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for n in ALL {
        assert!(stdout(&o).contains(&format!("{n}/{net}")), "{}", stdout(&o));
    }
    assert!(holders("network", &net).is_empty());
    let o = docker(&["network", "rm", &format!("frontend/{net_one}")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = docker(&["network", "rm", &net_one]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("not found"), "{}", stderr(&o));

    // Volumes: every node, or NODE/NAME.
    let o = docker(&["volume", "create", "--label", &label, &vol]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), vol);
    assert_eq!(holders("volume", &vol), ALL);
    let o = docker(&["volume", "create", &format!("backend2/{vol_one}")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(holders("volume", &vol_one), ["backend2"]);
    assert!(
        wait_until(Duration::from_secs(20), || listed(&[
            "volume",
            "ls",
            "--filter",
            "node=backend2",
            "--filter",
            &format!("name={vol_one}")
        ]) == format!(
            "backend2/{vol_one}"
        )),
        "volume ls --filter node="
    );
    let o = docker(&["volume", "inspect", "-f", "{{.Name}} {{.Driver}}", &vol_one]);
    assert_eq!(
        stdout(&o).trim(),
        format!("backend2/{vol_one} local"),
        "{}",
        stderr(&o)
    );
    // In use on one node: removed from the others, the error names that node.
    let user = c.name("apivol-ctr");
    let o = docker(&[
        "run",
        "-d",
        "--name",
        &user,
        "-l",
        "flotilla-testbed=1",
        "-e",
        "constraint:node==backend1",
        "-v",
        &format!("{vol}:/data"),
        "flotilla-busybox",
        "sleep",
        "300",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = docker(&["volume", "rm", &vol]);
    record(&["volume", "rm", &vol], &o);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("volume rm {vol} failed on backend1: ")),
        "{err}"
    );
    assert!(err.contains("in use"), "{err}");
    assert_eq!(holders("volume", &vol), ["backend1"]);
    let o = docker(&["rm", "-f", &user]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = docker(&[
        "volume",
        "prune",
        "-f",
        "--filter",
        &format!("label={label}"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!("backend1/{vol}")),
        "{}",
        stdout(&o)
    );
    assert!(holders("volume", &vol).is_empty());
    let o = docker(&["volume", "rm", &vol_one]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(holders("volume", &vol_one).is_empty());
    let o = docker(&["volume", "inspect", &vol_one]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no such volume"), "{}", stderr(&o));
    let o = docker(&["plugin", "ls"]);
    record(&["plugin", "ls"], &o);

    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.add_filter(&regex::escape(&id), "[ID]");
    settings.add_filter(r"[0-9a-f]{64}", "[CONTAINER]");
    settings.bind(|| insta::assert_snapshot!("manager-api-errors", errors));
}

/// The test registry's one user.
const REGISTRY_USER: &str = "flotilla";
const REGISTRY_PASSWORD: &str = "registry-secret";

/// Debian's `docker-registry` on the testbed bridge (where the engines reach it), over TLS with a
/// certificate of a test CA that the engines trust through `/etc/docker/certs.d/HOST:PORT/`
/// (read per pull: no engine restarts), with one user (htpasswd). Stopped, and the CA removed, when dropped.
struct Registry {
    child: std::process::Child,
    certs_d: std::path::PathBuf,
    _dir: tempfile::TempDir,
    /// What images are named after (`HOST/REPO`).
    host: String,
}

impl Registry {
    fn start() -> Registry {
        let ip = "10.77.0.1";
        // Port 443, so an image is named `10.77.0.1/REPO` and `NODE/10.77.0.1/REPO` is a
        // reference the docker CLI accepts (a `HOST:PORT` after `NODE/` is not).
        let addr = format!("{ip}:443");
        assert!(
            std::net::TcpListener::bind(addr.as_str()).is_ok(),
            "{addr} is taken: is another registry test running?"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = crate::proxy_kit::TestCa::new("flotilla registry test CA");
        let (crt, key) = ca.leaf(&[ip], 1);
        std::fs::write(dir.path().join("cert.pem"), crt).expect("cert");
        std::fs::write(dir.path().join("key.pem"), key).expect("key");
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {addr}\n  tls:\n    certificate: {}\n    key: {}\n",
            dir.path().join("data").display(),
            dir.path().join("cert.pem").display(),
            dir.path().join("key.pem").display(),
        );
        let o = run(StdCommand::new("htpasswd").args(["-Bbn", REGISTRY_USER, REGISTRY_PASSWORD]));
        assert!(
            o.status.success(),
            "htpasswd (apache2-utils): {}",
            stderr(&o)
        );
        std::fs::write(dir.path().join("htpasswd"), stdout(&o)).expect("htpasswd");
        let config = format!(
            "{config}auth:\n  htpasswd:\n    realm: flotilla-test\n    path: {}\n",
            dir.path().join("htpasswd").display()
        );
        std::fs::write(dir.path().join("config.yml"), config).expect("config");
        let certs_d = std::path::PathBuf::from(format!("/etc/docker/certs.d/{ip}"));
        std::fs::create_dir_all(&certs_d).expect("certs.d");
        std::fs::write(certs_d.join("ca.crt"), &ca.pem).expect("ca.crt");
        let child = StdCommand::new("docker-registry")
            .arg("serve")
            .arg(dir.path().join("config.yml"))
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("log")).expect("log"))
            .spawn()
            .expect("docker-registry (Debian's package, installed by scripts/test)");
        let r = Registry {
            child,
            certs_d,
            _dir: dir,
            host: ip.to_string(),
        };
        assert!(
            wait_until(Duration::from_secs(20), || std::net::TcpStream::connect(
                addr.as_str()
            )
            .is_ok()),
            "the registry did not listen"
        );
        r
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.certs_d);
    }
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn images_pulled_tagged_saved_loaded_pushed_and_removed_across_the_swarm() {
    let registry = Registry::start();
    let (s, _manager, port) = manager();
    let docker_cmd = docker_at(&s, port);
    // The CLI's credentials in a config of this test's own.
    let config = tempfile::tempdir().expect("docker config");
    let docker = |args: &[&str]| {
        docker_cmd(args)
            .env("DOCKER_CONFIG", config.path())
            .output()
            .expect("docker")
    };
    let id = suffix();
    let reg = &registry.host;
    let image = format!("{reg}/flotilla/apibb-{id}:1");
    let tagged = format!("apitag-{id}:2");
    let pushed = format!("{reg}/flotilla/apipushed-{id}:1");
    let _left = Leftovers {
        networks: vec![],
        volumes: vec![],
        images: vec![image.clone(), tagged.clone(), pushed.clone()],
    };

    // The test image in the registry, pushed from one engine.
    let master = engine("swarm-master");
    let master_config = tempfile::tempdir().expect("docker config");
    let on_master = |args: &[&str]| {
        run(engine_docker(&master)
            .env("DOCKER_CONFIG", master_config.path())
            .args(args))
    };
    let o = on_master(&["login", "-u", REGISTRY_USER, "-p", REGISTRY_PASSWORD, reg]);
    assert!(o.status.success(), "login on the engine: {}", stderr(&o));
    let o = run(engine_docker(&master).args(["tag", "flotilla-busybox:latest", &image]));
    assert!(o.status.success(), "{}", stderr(&o));
    let o = on_master(&["push", &image]);
    assert!(
        o.status.success(),
        "push to the test registry: {} {}",
        stdout(&o),
        stderr(&o)
    );
    let o = run(engine_docker(&master).args(["rmi", &image]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(holders("image", &image).is_empty());

    // Without credentials every node is refused, each named once; `docker login` through the
    // manager (`/auth`, checked by one engine against the registry), then the pull carries them
    // to every engine (`X-Registry-Auth`).
    let o = docker(&["pull", &image]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    for n in ALL {
        assert_eq!(
            stderr(&o).matches(&format!("{n}: ")).count(),
            1,
            "{}",
            stderr(&o)
        );
    }
    assert!(
        stderr(&o).contains("no basic auth credentials"),
        "{}",
        stderr(&o)
    );
    let o = docker(&["login", "-u", REGISTRY_USER, "-p", "wrong", reg]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let o = docker(&["login", "-u", REGISTRY_USER, "-p", REGISTRY_PASSWORD, reg]);
    assert!(o.status.success(), "login: {}", stderr(&o));
    assert!(stdout(&o).contains("Login Succeeded"), "{}", stdout(&o));

    // `docker search` is relayed to one node: its answer is the engine's. (A registry 2 has no
    // search API, so the engine's answer here is its error; the Hub is not reachable offline.)
    let via_manager = docker(&["search", &format!("{reg}/flotilla")]);
    let direct = on_master(&["search", &format!("{reg}/flotilla")]);
    assert_eq!(
        (via_manager.status.code(), stdout(&via_manager)),
        (direct.status.code(), stdout(&direct)),
        "{} / {}",
        stderr(&via_manager),
        stderr(&direct)
    );
    assert!(
        !stderr(&direct).is_empty() && stderr(&via_manager).contains(stderr(&direct).trim()),
        "{} / {}",
        stderr(&via_manager),
        stderr(&direct)
    );

    // `docker pull` through the manager: every node, progress per node.
    let o = docker(&["pull", &image]);
    assert!(o.status.success(), "{} {}", stdout(&o), stderr(&o));
    for n in ALL {
        assert!(stdout(&o).contains(&format!("{n}: ")), "{}", stdout(&o));
    }
    assert_eq!(holders("image", &image), ALL);
    // An image that does not exist: each node's error once, a non-zero exit.
    let missing = format!("{reg}/flotilla/missing-{id}:1");
    let o = docker(&["pull", &missing]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let err = stderr(&o);
    for n in ALL {
        assert_eq!(err.matches(&format!("{n}: ")).count(), 1, "{err}");
    }
    assert!(
        err.contains("not found") || err.contains("unknown"),
        "{err}"
    );

    // rmi on every node that holds it; pull NODE/IMAGE onto one.
    let o = docker(&["rmi", &image]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!("Untagged: {image}")),
        "{}",
        stdout(&o)
    );
    assert!(holders("image", &image).is_empty());
    // `NODE/IMAGE`: the CLI reads `NODE` as a Docker Hub user and sends the credentials it
    // keeps for docker.io, not this registry's: refused, on that node only. With the
    // registry's credentials kept for docker.io, the same pull goes through.
    let o = docker(&["pull", &format!("frontend/{image}")]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stderr(&o).contains(&format!("pull {image} failed on frontend: ")),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("backend1"), "{}", stderr(&o));
    let hub_config = tempfile::tempdir().expect("docker config");
    let auth = {
        let mut c = StdCommand::new("base64");
        c.args(["-w0"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped());
        let mut p = c.spawn().expect("base64");
        use std::io::Write;
        p.stdin
            .take()
            .expect("stdin")
            .write_all(format!("{REGISTRY_USER}:{REGISTRY_PASSWORD}").as_bytes())
            .expect("write");
        stdout(&p.wait_with_output().expect("base64"))
    };
    std::fs::write(
        hub_config.path().join("config.json"),
        format!(r#"{{"auths": {{"https://index.docker.io/v1/": {{"auth": "{auth}"}}}}}}"#),
    )
    .expect("config.json");
    let pull_on = |node_image: &str| {
        docker_cmd(&["pull", node_image])
            .env("DOCKER_CONFIG", hub_config.path())
            .output()
            .expect("docker pull")
    };
    let o = pull_on(&format!("frontend/{image}"));
    assert!(o.status.success(), "{} {}", stdout(&o), stderr(&o));
    assert_eq!(holders("image", &image), ["frontend"]);
    // `images` filters: classic's node, the engine's reference; an unknown image for before=.
    let images_on = |node: &str| {
        stdout(&docker(&[
            "images",
            "--filter",
            &format!("node={node}"),
            "--filter",
            &format!("reference={reg}/flotilla/apibb-*"),
            "--format",
            "{{.Repository}}:{{.Tag}}",
        ]))
        .trim()
        .to_string()
    };
    assert!(
        wait_until(Duration::from_secs(20), || images_on("frontend") == image),
        "images --filter node=frontend: {}",
        images_on("frontend")
    );
    assert_eq!(images_on("backend1"), "");
    let o = docker(&["images", "--filter", &format!("before=nothing-{id}")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("No such image"), "{}", stderr(&o));

    // tag on the nodes that hold it; inspect and history from one that has it; save.
    let o = docker(&["tag", &image, &tagged]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(holders("image", &tagged), ["frontend"]);
    let o = docker(&["image", "inspect", "-f", "{{index .RepoTags 0}}", &tagged]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = docker(&["history", "-q", &tagged]);
    assert!(
        o.status.success() && !stdout(&o).trim().is_empty(),
        "{}",
        stderr(&o)
    );
    let o = docker(&["image", "inspect", &format!("nothing-{id}")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("No such image"), "{}", stderr(&o));
    let dir = tempfile::tempdir().expect("tempdir");
    let tar = dir.path().join("image.tar");
    let o = docker(&["save", "-o", tar.to_str().expect("path"), &tagged]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::metadata(&tar).expect("saved").len() > 1024);

    // load onto every node.
    let o = docker(&["rmi", &tagged]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(holders("image", &tagged).is_empty());
    let o = docker(&["load", "-i", tar.to_str().expect("path")]);
    assert!(o.status.success(), "{} {}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("Loaded image"), "{}", stdout(&o));
    assert_eq!(holders("image", &tagged), ALL);

    // push from a node that has it; then it pulls back from the registry.
    let o = docker(&["tag", &tagged, &pushed]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(holders("image", &pushed), ALL);
    let o = docker(&["push", &pushed]);
    assert!(o.status.success(), "{} {}", stdout(&o), stderr(&o));
    let o = docker(&["rmi", &pushed]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(holders("image", &pushed).is_empty());
    let o = pull_on(&format!("backend2/{pushed}"));
    assert!(o.status.success(), "{} {}", stdout(&o), stderr(&o));
    assert_eq!(holders("image", &pushed), ["backend2"]);
}

/// The names of the containers of compose project `project` on `engine` (all states).
fn project_containers(engine: &Engine, project: &str) -> Vec<String> {
    let o = run(engine_docker(engine).args([
        "ps",
        "-a",
        "--filter",
        &format!("label=com.docker.compose.project={project}"),
        "--format",
        "{{.Names}}",
    ]));
    let mut v: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
    v.sort();
    v
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn docker_compose_runs_against_the_manager() {
    let (s, _manager, port) = manager();
    let vars = env_vars(&s, port);
    let dir = tempfile::tempdir().expect("tempdir");
    let id = suffix();
    let project = format!("apic{id}");
    let compose = |file: &str, args: &[&str]| {
        let mut c = StdCommand::new("docker-compose");
        // Its HTTP client (requests) lets REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE override
        // DOCKER_CERT_PATH's CA.
        c.env_remove("REQUESTS_CA_BUNDLE")
            .env_remove("CURL_CA_BUNDLE")
            .env_remove("DOCKER_CONTEXT")
            .env_remove("COMPOSE_FILE")
            .current_dir(dir.path());
        for (k, v) in &vars {
            c.env(k, v);
        }
        c.args(["--no-ansi", "-p", &project, "-f", file]).args(args);
        c.output().expect("docker-compose (Debian's package)")
    };
    let _left = Leftovers {
        networks: vec![format!("{project}_default")],
        volumes: vec![format!("{project}_data")],
        images: vec![],
    };
    struct Down(Vec<String>);
    impl Drop for Down {
        fn drop(&mut self) {
            for e in engines() {
                let names: Vec<String> = self
                    .0
                    .iter()
                    .flat_map(|p| project_containers(&e, p))
                    .collect();
                if !names.is_empty() {
                    let _ = run(engine_docker(&e).arg("rm").arg("-f").args(&names));
                }
            }
        }
    }
    let v1_project = format!("{project}v1");
    let _down = Down(vec![project.clone(), v1_project.clone()]);

    // Version 2: a default network, a named volume, depends_on and links, a constraint.
    std::fs::write(
        dir.path().join("v2.yml"),
        r#"version: "2"
services:
  db:
    image: flotilla-busybox
    command: sh -c "echo db-ready > /data/state; echo db-ready; exec sleep 300"
    volumes:
      - data:/data
    environment:
      - "constraint:node==backend1"
    labels:
      flotilla-testbed: "1"
  web:
    image: flotilla-busybox
    command: sh -c "echo web-ready; exec sleep 300"
    depends_on:
      - db
    links:
      - db
    labels:
      flotilla-testbed: "1"
volumes:
  data: {}
"#,
    )
    .expect("compose file");
    let o = compose("v2.yml", &["up", "-d"]);
    assert!(o.status.success(), "up -d: {} {}", stdout(&o), stderr(&o));
    let backend1 = engine("backend1");
    assert_eq!(
        project_containers(&backend1, &project),
        [format!("{project}_db_1"), format!("{project}_web_1")],
        "db by its constraint, web beside it by its link: {} {}",
        stdout(&o),
        stderr(&o)
    );
    assert_eq!(holders("network", &format!("{project}_default")), ALL);
    assert_eq!(holders("volume", &format!("{project}_data")), ALL);
    let o = compose("v2.yml", &["ps"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for svc in ["db", "web"] {
        assert!(
            stdout(&o)
                .lines()
                .any(|l| l.starts_with(&format!("{project}_{svc}_1")) && l.contains(" Up")),
            "{}",
            stdout(&o)
        );
    }
    assert!(
        wait_until(Duration::from_secs(20), || stdout(&compose(
            "v2.yml",
            &["logs", "db"]
        ))
        .contains("db-ready")),
        "compose logs"
    );
    // web reaches db by its name on the project's network.
    let o = compose(
        "v2.yml",
        &[
            "exec",
            "-T",
            "web",
            "sh",
            "-c",
            "ping -c 1 -W 5 db >/dev/null && echo reached",
        ],
    );
    assert_eq!(stdout(&o).trim(), "reached", "{}", stderr(&o));
    let o = compose("v2.yml", &["exec", "-T", "db", "cat", "/data/state"]);
    assert_eq!(stdout(&o).trim(), "db-ready", "{}", stderr(&o));

    let o = compose("v2.yml", &["up", "-d", "--scale", "web=2"]);
    assert!(o.status.success(), "--scale: {} {}", stdout(&o), stderr(&o));
    assert!(
        project_containers(&backend1, &project).contains(&format!("{project}_web_2")),
        "{:?}",
        project_containers(&backend1, &project)
    );
    let o = compose("v2.yml", &["stop", "-t", "1"]);
    assert!(o.status.success(), "stop: {}", stderr(&o));
    let o = compose("v2.yml", &["ps"]);
    assert!(!stdout(&o).contains(" Up"), "{}", stdout(&o));
    let o = compose("v2.yml", &["start"]);
    assert!(o.status.success(), "start: {}", stderr(&o));
    let o = compose("v2.yml", &["ps"]);
    assert_eq!(stdout(&o).matches(" Up").count(), 3, "{}", stdout(&o));

    let o = compose("v2.yml", &["down", "-v", "-t", "1"]);
    assert!(o.status.success(), "down -v: {} {}", stdout(&o), stderr(&o));
    for e in engines() {
        assert!(project_containers(&e, &project).is_empty(), "{}", e.name);
    }
    assert!(holders("network", &format!("{project}_default")).is_empty());
    assert!(holders("volume", &format!("{project}_data")).is_empty());

    // Version 1: no networks of its own, the constraint still placing it.
    std::fs::write(
        dir.path().join("v1.yml"),
        r#"web:
  image: flotilla-busybox
  command: sleep 300
  environment:
    - "constraint:node==frontend"
  labels:
    flotilla-testbed: "1"
"#,
    )
    .expect("compose v1 file");
    let v1 = |args: &[&str]| {
        let mut full = vec!["-p", v1_project.as_str(), "-f", "v1.yml"];
        full.extend_from_slice(args);
        let mut c = StdCommand::new("docker-compose");
        c.env_remove("REQUESTS_CA_BUNDLE")
            .env_remove("CURL_CA_BUNDLE")
            .env_remove("DOCKER_CONTEXT")
            .current_dir(dir.path());
        for (k, v) in &vars {
            c.env(k, v);
        }
        c.arg("--no-ansi").args(full);
        c.output().expect("docker-compose")
    };
    let o = v1(&["up", "-d"]);
    assert!(
        o.status.success(),
        "v1 up -d: {} {}",
        stdout(&o),
        stderr(&o)
    );
    assert_eq!(
        project_containers(&engine("frontend"), &v1_project),
        [format!("{v1_project}_web_1")]
    );
    let o = v1(&["down", "-t", "1"]);
    assert!(o.status.success(), "v1 down: {}", stderr(&o));
    for e in engines() {
        assert!(project_containers(&e, &v1_project).is_empty(), "{}", e.name);
    }
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn the_rest_of_a_containers_life_through_the_manager() {
    let (s, manager, port) = manager();
    let docker_cmd = docker_at(&s, port);
    let docker = |args: &[&str]| docker_cmd(args).output().expect("docker");
    let id = suffix();
    let mut c = Cleanup::new();
    // A `docker events` client connected for the whole test: the manager still stops at once.
    let mut events = docker_cmd(&["events", "--format", "{{.Action}}"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("docker events");
    let (event_tx, event_rx) = std::sync::mpsc::channel::<String>();
    let event_lines = events.stdout.take().expect("events stdout");
    std::thread::spawn(move || {
        use std::io::BufRead;
        for l in std::io::BufReader::new(event_lines).lines() {
            let Ok(l) = l else { break };
            if event_tx.send(l).is_err() {
                break;
            }
        }
    });
    // A create whose engine takes longer than the per-engine timeout (5 s): it looks up a volume
    // plugin for 15 s before it answers. The engine's own answer comes back, not a timeout.
    let slow_create = docker_cmd(&[
        "create",
        "--name",
        &c.name("apislow"),
        "-l",
        "flotilla-testbed=1",
        "-v",
        &format!("apislow-{id}:/data"),
        "--volume-driver",
        &format!("nosuchdriver{id}"),
        "flotilla-busybox",
        "true",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("docker create");
    let committed = format!("apicommit-{id}:1");
    let _left = Leftovers {
        networks: vec![],
        volumes: vec![],
        images: vec![committed.clone()],
    };
    let label = format!("flotilla-api-test={id}");
    let start = |name: &str, node: &str, extra: &[&str]| {
        let mut args = vec![
            "run".to_string(),
            "-d".into(),
            "--name".into(),
            name.to_string(),
            "-l".into(),
            "flotilla-testbed=1".into(),
            "-l".into(),
            label.clone(),
            "-e".into(),
            format!("constraint:node=={node}"),
        ];
        args.extend(extra.iter().map(|x| x.to_string()));
        args.extend(["flotilla-busybox", "sleep", "300"].map(String::from));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = docker(&args);
        assert!(o.status.success(), "run {name}: {}", stderr(&o));
    };
    let one = c.name("apilife");
    let other = c.name("apilife-other");
    let renamed = c.name("apilife-renamed");
    let done = c.name("apilife-done");
    start(&one, "backend2", &["-p", "80"]);
    start(&other, "frontend", &[]);
    // A `docker logs -f` relayed for the rest of the test: it does not hold up the stop either.
    let mut follow = docker_cmd(&["logs", "-f", &other])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("docker logs -f");
    let backend2 = engine("backend2");
    let on_b2 = |args: &[&str]| run(engine_docker(&backend2).args(args));

    // docker cp both ways (archive PUT, HEAD, GET), then diff shows the file.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("in.txt");
    std::fs::write(&file, "copied through the manager\n").expect("file");
    let o = docker(&[
        "cp",
        file.to_str().expect("path"),
        &format!("{one}:/in.txt"),
    ]);
    assert!(o.status.success(), "cp in: {}", stderr(&o));
    let back = dir.path().join("back.txt");
    let o = docker(&[
        "cp",
        &format!("{one}:/in.txt"),
        back.to_str().expect("path"),
    ]);
    assert!(o.status.success(), "cp out: {}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&back).expect("copied back"),
        "copied through the manager\n"
    );
    let o = docker(&["diff", &one]);
    assert!(
        stdout(&o).contains("A /in.txt"),
        "{} {}",
        stdout(&o),
        stderr(&o)
    );

    // resize (no CLI command sends it outside a terminal: the API as a terminal client sends
    // it): the container's TTY on backend2 takes the size, as `stty size` inside it reports.
    let tty = c.name("apitty");
    let o = docker(&[
        "run",
        "-d",
        "-t",
        "--name",
        &tty,
        "-l",
        "flotilla-testbed=1",
        "-e",
        "constraint:node==backend2",
        "flotilla-busybox",
        "sh",
        "-c",
        "while :; do stty size > /size; sleep 0.2; done",
    ]);
    assert!(o.status.success(), "run -t: {}", stderr(&o));
    let (code, body) = crate::model::raw(
        &s,
        port,
        &["-X", "POST"],
        &format!("/v1.41/containers/{tty}/resize?h=33&w=111"),
    );
    assert_eq!(code, 200, "resize: {body}");
    assert!(
        wait_until(Duration::from_secs(10), || stdout(&docker(&[
            "exec", &tty, "cat", "/size"
        ]))
        .trim()
            == "33 111"),
        "the TTY was not resized: {}",
        stdout(&docker(&["exec", &tty, "cat", "/size"]))
    );

    // top, stats (one and all), port.
    let o = docker(&["top", &one]);
    assert!(
        stdout(&o).contains("sleep 300"),
        "{} {}",
        stdout(&o),
        stderr(&o)
    );
    let o = docker(&["stats", "--no-stream", "--format", "{{.Name}}", &one]);
    assert_eq!(stdout(&o).trim(), one, "{}", stderr(&o));
    let o = docker(&["stats", "--no-stream", "--format", "{{.Name}}"]);
    assert!(
        stdout(&o).lines().any(|l| l == one),
        "{} {}",
        stdout(&o),
        stderr(&o)
    );
    let o = docker(&["port", &one, "80"]);
    assert!(
        stdout(&o).starts_with("10.77.0.14:"),
        "{} {}",
        stdout(&o),
        stderr(&o)
    );
    // Bound on 0.0.0.0 and :: by the engine: one binding at the engine's IP, in port and ps.
    assert_eq!(stdout(&o).lines().count(), 1, "{}", stdout(&o));
    let o = docker(&[
        "ps",
        "--filter",
        &format!("name={one}"),
        "--format",
        "{{.Ports}}",
    ]);
    assert!(
        stdout(&o).starts_with("10.77.0.14:") && !stdout(&o).contains(", "),
        "{}",
        stdout(&o)
    );

    // Classic Swarm's `node` filter; a container found by its `com.docker.swarm.id`.
    let o = docker(&[
        "ps",
        "--filter",
        "node=backend2",
        "--filter",
        &format!("name={one}"),
        "--format",
        "{{.Names}}",
    ]);
    assert_eq!(
        stdout(&o).trim(),
        format!("backend2/{one}"),
        "{}",
        stderr(&o)
    );
    let o = docker(&[
        "ps",
        "--filter",
        "node=frontend",
        "--filter",
        &format!("name={one}"),
        "--format",
        "{{.Names}}",
    ]);
    assert_eq!(stdout(&o).trim(), "", "{}", stderr(&o));
    let o = on_b2(&[
        "inspect",
        "-f",
        "{{index .Config.Labels \"com.docker.swarm.id\"}}",
        &one,
    ]);
    let swarm_id = stdout(&o).trim().to_string();
    assert!(
        !swarm_id.is_empty(),
        "the manager's create labels the swarm ID"
    );
    let o = docker(&["inspect", "-f", "{{.Name}}", &swarm_id]);
    assert_eq!(stdout(&o).trim(), format!("/{one}"), "{}", stderr(&o));
    // A status that is no container state, a filter ps does not have: refused as by the engine.
    let o = docker(&["ps", "--filter", "status=foo"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("Invalid filter 'status=foo'"),
        "{}",
        stderr(&o)
    );
    let o = docker(&["ps", "--filter", "type=foo"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("invalid filter 'type'"),
        "{}",
        stderr(&o)
    );

    // `--net=container:/NAME` (leading slash) goes beside it, like `--link /NAME`.
    let netdep = c.name("apilife-net");
    let o = docker(&[
        "run",
        "-d",
        "--name",
        &netdep,
        "-l",
        "flotilla-testbed=1",
        "--net",
        &format!("container:/{one}"),
        "flotilla-busybox",
        "sleep",
        "300",
    ]);
    assert!(o.status.success(), "run --net=container:/: {}", stderr(&o));
    assert!(on_b2(&["inspect", &netdep]).status.success());

    // `--cpu-shares N` reserves N CPUs, as classic Swarm read it: more than any node has fits none.
    let o = docker(&[
        "run",
        "-d",
        "-l",
        "flotilla-testbed=1",
        "--cpu-shares",
        "512",
        "flotilla-busybox",
        "true",
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("no resources available to schedule container"),
        "{}",
        stderr(&o)
    );

    // rename: a name another node's container has is taken; a free one is not.
    let o = docker(&["rename", &one, &other]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("is already in use"), "{}", stderr(&o));
    assert!(stderr(&o).contains("on node frontend"), "{}", stderr(&o));
    let o = docker(&["rename", &one, &renamed]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(on_b2(&["inspect", &renamed]).status.success());

    // update, pause / unpause.
    let o = docker(&["update", "--cpu-shares", "512", &renamed]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = on_b2(&["inspect", "-f", "{{.HostConfig.CpuShares}}", &renamed]);
    assert_eq!(stdout(&o).trim(), "512");
    let o = docker(&["pause", &renamed]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = on_b2(&["inspect", "-f", "{{.State.Status}}", &renamed]);
    assert_eq!(stdout(&o).trim(), "paused");
    let o = docker(&["unpause", &renamed]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = on_b2(&["inspect", "-f", "{{.State.Status}}", &renamed]);
    assert_eq!(stdout(&o).trim(), "running");

    // commit (onto the container's node), export.
    let o = docker(&["commit", &renamed, &committed]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(holders("image", &committed), ["backend2"]);
    let tar = dir.path().join("export.tar");
    let o = docker(&["export", "-o", tar.to_str().expect("path"), &renamed]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::metadata(&tar).expect("exported").len() > 1024);

    // containers/prune (this test's, by label): the stopped one, as NODE/ID.
    start(&done, "backend1", &[]);
    let o = docker(&["stop", "-t", "0", &done]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = docker(&[
        "container",
        "prune",
        "-f",
        "--filter",
        &format!("label={label}"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("backend1/"), "{}", stdout(&o));
    let o = run(engine_docker(&engine("backend1")).args(["inspect", &done]));
    assert!(!o.status.success(), "pruned");

    // build on the node a constraint build arg asks for (the classic builder).
    let built = format!("apibuild-{id}:1");
    let _built = Leftovers {
        networks: vec![],
        volumes: vec![],
        images: vec![built.clone()],
    };
    let ctx = dir.path().join("ctx");
    std::fs::create_dir_all(&ctx).expect("context");
    std::fs::write(
        ctx.join("Dockerfile"),
        "FROM flotilla-busybox\nARG GREETING\nRUN echo \"$GREETING\" > /built\n",
    )
    .expect("Dockerfile");
    let build = |constraint: &str| {
        docker_cmd(&[
            "build",
            "-q",
            "--build-arg",
            constraint,
            "--build-arg",
            "GREETING=built-here",
            "-t",
            &built,
            ctx.to_str().expect("path"),
        ])
        .env("DOCKER_BUILDKIT", "0")
        .output()
        .expect("docker build")
    };
    let o = build("constraint:node==backend1");
    assert!(o.status.success(), "build: {} {}", stdout(&o), stderr(&o));
    assert_eq!(holders("image", &built), ["backend1"]);
    let o = docker(&[
        "run",
        "--rm",
        "-e",
        "constraint:node==backend1",
        &built,
        "cat",
        "/built",
    ]);
    assert_eq!(stdout(&o).trim(), "built-here", "{}", stderr(&o));
    let o = build("constraint:node==nowhere");
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("Unable to find a node that satisfies the following conditions"),
        "{}",
        stderr(&o)
    );

    // A name is free again as soon as its container is removed (compose `down`, then `up`).
    let again = c.name("apilife-again");
    for _ in 0..2 {
        let o = docker(&[
            "run",
            "-d",
            "--name",
            &again,
            "-l",
            "flotilla-testbed=1",
            "flotilla-busybox",
            "true",
        ]);
        assert!(o.status.success(), "run: {}", stderr(&o));
        let o = docker(&["rm", "-f", &again]);
        assert!(o.status.success(), "rm: {}", stderr(&o));
    }

    // system df across the nodes; what is not served says what is.
    let o = docker(&["system", "df", "--format", "{{.Type}}"]);
    assert!(
        stdout(&o).contains("Containers"),
        "{} {}",
        stdout(&o),
        stderr(&o)
    );
    let o = docker(&["plugin", "ls"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("is not supported (supported: /_ping"),
        "{}",
        stderr(&o)
    );

    // The slow create: the engine's answer, after the per-engine timeout.
    let o = slow_create.wait_with_output().expect("docker create");
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains(&format!("plugin \"nosuchdriver{id}\" not found")),
        "{}",
        stderr(&o)
    );

    // SIGTERM with the events client still connected (it saw this test's events) and `logs -f`
    // relayed: the manager ends both streams and exits at once, well before its 10 s drain.
    assert!(
        event_rx.recv_timeout(Duration::from_secs(5)).is_ok(),
        "the events client saw nothing"
    );
    let stopping = std::time::Instant::now();
    let o = manager.stop();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stopping.elapsed() < Duration::from_secs(5),
        "the manager took {:?} to stop",
        stopping.elapsed()
    );
    assert!(
        wait_until(Duration::from_secs(5), || events
            .try_wait()
            .ok()
            .flatten()
            .is_some()),
        "docker events still runs"
    );
    assert!(
        wait_until(Duration::from_secs(5), || follow
            .try_wait()
            .ok()
            .flatten()
            .is_some()),
        "docker logs -f still runs"
    );
    let _ = follow.kill();
    let _ = follow.wait();
    let _ = events.kill();
    let _ = events.wait();
}
