//! The real docker CLI against simulated engines: what it prints is what it parsed.

mod common;

use common::{control, store};
use flotilla_enginesim::{Sim, SimConfig};
use serde_json::json;

struct Cli {
    env: Vec<(String, String)>,
    _config: tempfile::TempDir,
}

impl Cli {
    fn new(store: &common::Store, addr: std::net::SocketAddr) -> Cli {
        let config = tempfile::tempdir().expect("docker config dir");
        Cli {
            env: vec![
                ("DOCKER_HOST".into(), format!("tcp://{addr}")),
                ("DOCKER_TLS_VERIFY".into(), "1".into()),
                (
                    "DOCKER_CERT_PATH".into(),
                    store.certs().display().to_string(),
                ),
                ("DOCKER_CONFIG".into(), config.path().display().to_string()),
            ],
            _config: config,
        }
    }

    /// Runs `docker ARGS`: (exit code, stdout, stderr).
    async fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = tokio::process::Command::new("docker")
            .args(args)
            .env_remove("DOCKER_CONTEXT")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .await
            .expect("the docker CLI runs (install docker.io's client)");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    async fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args).await;
        assert_eq!(code, 0, "docker {args:?} failed: {err}");
        out
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_docker_cli_works_against_a_simulated_engine() {
    let st = store();
    let mut cfg = SimConfig::new(st.path(), 2);
    cfg.containers_per_engine = 10;
    cfg.labels = flotilla_enginesim::pattern::parse_labels("zone=z{i%4}").expect("labels");
    let sim = Sim::start(cfg).await.expect("start");
    let cli = Cli::new(&st, sim.addresses()[1]);
    let t0 = flotilla_enginesim::timefmt::now_nanos() / 1_000_000_000;

    let names = cli.ok(&["ps", "-a", "--format", "{{.Names}}"]).await;
    assert_eq!(names.lines().count(), 10, "{names}");
    assert_eq!(names.lines().next(), Some("enginesim-1-c9"));
    let running = cli.ok(&["ps", "-q"]).await;
    assert_eq!(running.lines().count(), 8);
    let ports = cli
        .ok(&[
            "ps",
            "--filter",
            "name=enginesim-1-c3$",
            "--format",
            "{{.Ports}}",
        ])
        .await;
    assert_eq!(ports.trim(), "0.0.0.0:20003->80/tcp, [::]:20003->80/tcp");

    let info = cli
        .ok(&[
            "info",
            "--format",
            "{{.Name}} {{.NCPU}} {{.Containers}} {{json .Labels}}",
        ])
        .await;
    assert_eq!(info.trim(), r#"enginesim-1 4 10 ["zone=z1"]"#);
    let table = cli.ok(&["info"]).await;
    assert!(
        table.contains("Server Version: 20.10.24-enginesim"),
        "{table}"
    );

    let id = cli
        .ok(&[
            "run",
            "-d",
            "--name",
            "cli-web",
            "-l",
            "t=1",
            "-p",
            "8080:80",
            "flotilla-nginx",
        ])
        .await;
    let id = id.trim().to_string();
    assert_eq!(id.len(), 64, "{id}");
    let direct = control(
        sim.control_addr(),
        "GET",
        "/engines/1/docker/containers/cli-web/json",
        None,
    )
    .await;
    assert_eq!(direct.body["Id"], json!(id));
    assert_eq!(direct.body["State"]["Running"], true);

    let inspected = cli
        .ok(&["inspect", "-f", "{{.State.Running}} {{.Config.Image}} {{.Config.Labels.t}} {{(index (index .NetworkSettings.Ports \"80/tcp\") 0).HostPort}}", "cli-web"])
        .await;
    assert_eq!(inspected.trim(), "true flotilla-nginx 1 8080");
    let image = cli
        .ok(&["inspect", "-f", "{{.Id}}", "flotilla-nginx"])
        .await;
    assert!(image.trim().starts_with("sha256:"), "{image}");

    cli.ok(&["stop", "cli-web"]).await;
    cli.ok(&["rm", "cli-web"]).await;
    let t1 = flotilla_enginesim::timefmt::now_nanos() / 1_000_000_000 + 1;
    let events = cli
        .ok(&[
            "events",
            "--since",
            &t0.to_string(),
            "--until",
            &t1.to_string(),
            "--filter",
            "type=container",
            "--format",
            "{{.Action}} {{.Actor.Attributes.name}}",
        ])
        .await;
    assert_eq!(
        events.lines().collect::<Vec<_>>(),
        [
            "create cli-web",
            "start cli-web",
            "kill cli-web",
            "die cli-web",
            "stop cli-web",
            "destroy cli-web"
        ]
    );

    // No registry to pull from: the pull the CLI tries is named as not simulated.
    let (code, _, err) = cli.run(&["run", "-d", "nosuchimage"]).await;
    assert_ne!(code, 0);
    assert!(err.contains("POST /images/create"), "{err}");
    let (code, _, err) = cli.run(&["inspect", "nothing-here"]).await;
    assert_ne!(code, 0);
    assert!(err.contains("No such object"), "{err}");
}
