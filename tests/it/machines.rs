//! Machines adopted with the `none` driver on the testbed's real engines:
//! ls, env, inspect, config, url, ip, status, active, version, rm.

use std::net::TcpListener;
use std::process::Command as StdCommand;

use crate::support::*;

fn seed_store() -> TestStore {
    let s = TestStore::with_testbed_certs();
    for e in engines() {
        s.adopt(&e, &e.name);
    }
    s
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn ls_shows_every_adopted_engine_running_with_its_version() {
    let s = seed_store();
    let o = s.run(&["ls"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let mut lines = out.lines();
    let header = lines.next().unwrap_or_default();
    let re = regex::Regex::new(r"^NAME\s+ACTIVE\s+DRIVER\s+STATE\s+URL\s+SWARM\s+DOCKER\s+ERRORS$")
        .unwrap();
    assert!(re.is_match(header), "{header:?}");
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), engines().len(), "{out}");
    let row = regex::Regex::new(
        r"^\S+\s+-\s+none\s+Running\s+tcp://10\.77\.0\.\d+:2376\s+v\d+\.\d+\.\d+\S*$",
    )
    .unwrap();
    for r in &rows {
        assert!(row.is_match(r), "row {r:?}");
    }
    // Sorted by name.
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r.split_whitespace().next().unwrap_or_default())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn ls_filters_and_formats() {
    let s = seed_store();
    let names = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["ls", "-q"];
        a.extend_from_slice(args);
        let o = s.run(&a);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        stdout(&o).lines().map(str::to_string).collect()
    };
    assert_eq!(names(&["--filter", "label=public=yes"]), vec!["frontend"]);
    assert_eq!(
        names(&["--filter", "label=model"]),
        vec!["backend1", "backend2"]
    );
    assert_eq!(
        names(&[
            "--filter",
            "label=model=high-memory",
            "--filter",
            "label=public=yes"
        ]),
        vec!["backend1", "frontend"],
        "same key ORs"
    );
    assert_eq!(
        names(&["--filter", "label=public=no", "--filter", "name=^back"]),
        vec!["backend1", "backend2"]
    );
    assert_eq!(
        names(&["--filter", "name=end"]),
        vec!["backend1", "backend2", "frontend"]
    );
    assert_eq!(names(&["--filter", "driver=NONE"]).len(), 4);
    assert_eq!(names(&["--filter", "state=Running"]).len(), 4);
    assert!(names(&["--filter", "state=stopped"]).is_empty());
    assert!(names(&["--filter", "driver=generic"]).is_empty());

    let o = s.run(&["ls", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let rows = v.as_array().expect("array");
    assert_eq!(rows.len(), 4);
    assert!(
        rows.iter().all(|r| r["State"] == "Running"
            && r["DockerVersion"].as_str().unwrap_or("").starts_with('v'))
    );

    let o = s.run(&[
        "ls",
        "--format",
        "table {{.Name}}: {{.DriverName}}",
        "--filter",
        "name=frontend",
    ]);
    assert_eq!(stdout(&o), "NAME: DRIVER\nfrontend: none\n");
    let o = s.run(&[
        "ls",
        "--format",
        "{{.Name}}\\t{{.State}}",
        "--filter",
        "name=frontend",
    ]);
    assert_eq!(stdout(&o), "frontend\tRunning\n");
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn ls_active_follows_docker_host() {
    let s = seed_store();
    let fe = engine("frontend");
    let o = s
        .cmd()
        .env("DOCKER_HOST", fe.url())
        .args(["ls", "--format", "{{.Name}} {{.Active}}"])
        .output()
        .unwrap();
    let out = stdout(&o);
    assert!(out.contains("frontend *\n"), "{out}");
    assert_eq!(out.matches(" *").count(), 1, "{out}");
    let o = s
        .cmd()
        .env("DOCKER_HOST", fe.url())
        .arg("active")
        .output()
        .unwrap();
    assert_eq!(stdout(&o), "frontend\n");
    let o = s.run(&["active"]);
    assert_clean_failure(&o, 1);
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn env_for_every_shell() {
    let s = seed_store();
    let store = s.path().display().to_string();
    let ip = engine("frontend").ip;
    let o = s.run(&["env", "frontend"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!(
            "export DOCKER_TLS_VERIFY=\"1\"\nexport DOCKER_HOST=\"tcp://{ip}:2376\"\nexport DOCKER_CERT_PATH=\"{store}/machines/frontend\"\nexport DOCKER_MACHINE_NAME=\"frontend\"\n# Run this command to configure your shell: \n# eval $({} env frontend)\n",
            bin().display()
        )
    );
    let expect = [
        (
            "fish",
            format!("set -gx DOCKER_HOST \"tcp://{ip}:2376\";\n"),
            "# eval (",
        ),
        (
            "powershell",
            format!("$Env:DOCKER_HOST = \"tcp://{ip}:2376\"\n"),
            "| Invoke-Expression",
        ),
        (
            "cmd",
            format!("SET DOCKER_HOST=tcp://{ip}:2376\n"),
            "REM \t@FOR /f \"tokens=*\" %i IN ('",
        ),
        (
            "tcsh",
            format!("setenv DOCKER_HOST \"tcp://{ip}:2376\";\n"),
            ": eval `",
        ),
        (
            "emacs",
            format!("(setenv \"DOCKER_HOST\" \"tcp://{ip}:2376\")\n"),
            ";; (with-temp-buffer (shell-command \"",
        ),
        (
            "nu",
            format!("$env.DOCKER_HOST = \"tcp://{ip}:2376\"\n"),
            "| load-env",
        ),
        (
            "zsh",
            format!("export DOCKER_HOST=\"tcp://{ip}:2376\"\n"),
            "# eval $(",
        ),
    ];
    for (shell, line, hint) in expect {
        let o = s.run(&["env", "--shell", shell, "frontend"]);
        assert!(o.status.success(), "{shell}: {}", stderr(&o));
        let out = stdout(&o);
        assert!(out.contains(&line), "{shell}: {out}");
        assert!(out.contains(hint), "{shell}: {out}");
        assert_eq!(out.lines().count(), 6, "{shell}: {out}");
    }
    // Unset, with NO_PROXY, prints names only (docker-machine printed the value).
    let o = s
        .cmd()
        .env("NO_PROXY", "localhost")
        .args(["env", "-u", "--no-proxy"])
        .output()
        .unwrap();
    assert_eq!(
        stdout(&o),
        format!(
            "unset DOCKER_TLS_VERIFY\nunset DOCKER_HOST\nunset DOCKER_CERT_PATH\nunset DOCKER_MACHINE_NAME\nunset NO_PROXY\n# Run this command to configure your shell: \n# eval $({} env -u --no-proxy)\n",
            bin().display()
        )
    );
    let o = s
        .cmd()
        .env("NO_PROXY", "localhost")
        .args(["env", "--no-proxy", "frontend"])
        .output()
        .unwrap();
    assert!(
        stdout(&o).contains(&format!("export NO_PROXY=\"localhost,{ip}\"\n")),
        "{}",
        stdout(&o)
    );
    // --swarm on a machine that is not a master.
    assert_clean_failure(&s.run(&["env", "--swarm", "frontend"]), 1);
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn eval_env_points_the_real_docker_cli_at_the_machine() {
    let s = seed_store();
    for name in ["frontend", "backend1"] {
        let script = format!(
            "eval \"$('{}' env {name})\" && docker info --format '{{{{json .Labels}}}}'",
            bin().display()
        );
        let o = s.cmd().get_program().to_owned();
        let _ = o;
        let out = StdCommand::new("sh")
            .arg("-c")
            .arg(&script)
            .env("FLOTILLA_STORAGE_PATH", s.path())
            .env_remove("DOCKER_HOST")
            .output()
            .expect("sh");
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let labels = stdout(&out);
        assert!(
            labels.contains(&format!("\"name={name}\"")),
            "{name}: {labels}"
        );
    }
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn config_url_ip_status_inspect_version() {
    let s = seed_store();
    let e = engine("backend2");
    let store = s.path().display().to_string();
    let o = s.run(&["config", "backend2"]);
    assert_eq!(
        stdout(&o),
        format!(
            "--tlsverify\n--tlscacert=\"{store}/machines/backend2/ca.pem\"\n--tlscert=\"{store}/machines/backend2/cert.pem\"\n--tlskey=\"{store}/machines/backend2/key.pem\"\n-H={}\n",
            e.url()
        )
    );
    assert_eq!(
        stdout(&s.run(&["url", "backend2"])),
        format!("{}\n", e.url())
    );
    assert_eq!(
        stdout(&s.run(&["ip", "backend2", "frontend"])),
        format!("{}\n{}\n", e.ip, engine("frontend").ip)
    );
    assert_eq!(stdout(&s.run(&["status", "backend2"])), "Running\n");
    let o = s.run(&["inspect", "backend2"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("inspect json");
    assert_eq!(v["DriverName"], "none");
    assert_eq!(v["Driver"]["IPAddress"], e.ip.as_str());
    assert_eq!(
        v["HostOptions"]["EngineOptions"]["Labels"],
        serde_json::json!(["public=no", "model=large-disk"])
    );
    let o = s.run(&[
        "inspect",
        "-f",
        "{{.Driver.URL}} {{json .HostOptions.EngineOptions.Labels}}",
        "backend2",
    ]);
    assert_eq!(
        stdout(&o),
        format!("{} [\"public=no\",\"model=large-disk\"]\n", e.url())
    );
    // The stored record itself keeps paths relative to the store.
    let raw = std::fs::read_to_string(s.path().join("machines/backend2/config.json")).unwrap();
    assert!(
        raw.contains("\"CaCertPath\": \"machines/backend2/ca.pem\""),
        "{raw}"
    );
    assert!(!raw.contains(&store), "{raw}");
    let o = s.run(&["version", "backend2"]);
    assert!(stdout(&o).starts_with("20."), "{}", stdout(&o));
    let o = s.run(&["version"]);
    assert_eq!(
        stdout(&o),
        format!("flotilla version {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn default_machine_is_used_when_no_name_is_given() {
    let s = TestStore::with_testbed_certs();
    assert_clean_failure(&s.run(&["url"]), 1);
    s.adopt(&engine("frontend"), "default");
    assert_eq!(
        stdout(&s.run(&["url"])),
        format!("{}\n", engine("frontend").url())
    );
    assert!(stdout(&s.run(&["env"])).contains("DOCKER_MACHINE_NAME=\"default\""));
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn a_moved_store_keeps_working() {
    let s = seed_store();
    let moved = tempfile::tempdir().unwrap();
    let target = moved.path().join("elsewhere");
    let st = StdCommand::new("cp")
        .arg("-a")
        .arg(s.path())
        .arg(&target)
        .status()
        .unwrap();
    assert!(st.success());
    drop(s);
    let o = assert_cmd::Command::new(bin())
        .env("FLOTILLA_STORAGE_PATH", &target)
        .args(["env", "frontend"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(&format!("{}/machines/frontend", target.display())));
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn certificate_mismatch_is_explained() {
    // A store with its own CA: the testbed engines do not trust it.
    let s = TestStore::empty();
    s.adopt(&engine("frontend"), "stranger");
    let o = s.run(&["env", "stranger"]);
    assert_clean_failure(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("hint:") && err.contains("regenerate-certs stranger"),
        "{err}"
    );
    assert!(
        stdout(&o).is_empty(),
        "nothing on stdout when the check fails"
    );
    let o = s.run(&["ls", "--format", "{{.Name}} {{.State}} {{.DockerVersion}}"]);
    assert_eq!(stdout(&o), "stranger Running Unknown\n");
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn unreachable_engine_is_explained() {
    let s = TestStore::with_testbed_certs();
    let port = free_port();
    let o = s.run(&[
        "create",
        "-d",
        "none",
        "--url",
        &format!("tcp://127.0.0.1:{port}"),
        "gone",
    ]);
    assert!(
        o.status.success(),
        "adopting a down engine only warns: {}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("warning:"), "{}", stderr(&o));
    let o = s.run(&["env", "gone"]);
    assert_clean_failure(&o, 1);
    assert!(
        stderr(&o).contains("is the engine running"),
        "{}",
        stderr(&o)
    );
}

use crate::support::free_port;

/// Accepts connections and never answers: a blackholed engine.
fn blackhole() -> (TcpListener, u16) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    (l, port)
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn ls_over_thirty_machines_with_ten_unreachable_is_bounded_by_the_timeout() {
    let s = TestStore::with_testbed_certs();
    let engines = engines();
    let (hole, hole_port) = blackhole();
    let mut handles = Vec::new();
    for i in 0..30 {
        let url = match i {
            0..=19 => engines[i % engines.len()].url(),
            // Nothing owns this address on the testbed bridge.
            20..=24 => "tcp://10.77.0.250:2376".to_string(),
            _ => format!("tcp://127.0.0.1:{hole_port}"),
        };
        let mut cmd = s.cmd();
        cmd.args([
            "create",
            "-d",
            "none",
            "--check-timeout",
            "200ms",
            "--url",
            &url,
            &format!("m{i:02}"),
        ]);
        handles.push(std::thread::spawn(move || cmd.output().unwrap()));
    }
    for h in handles {
        let o = h.join().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
    }
    // How long this takes (the slowest engine, not the sum) is a figure of `cargo bench
    // --bench cli`; here: every row is there, each with what its engine answered.
    let o = s.run(&[
        "ls",
        "--timeout",
        "2s",
        "--format",
        "{{.Name}} {{.State}} {{.DockerVersion}}",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 30, "{out}");
    for (i, l) in lines.iter().enumerate() {
        if i < 20 {
            assert!(
                l.ends_with(" Running v20.10.24+dfsg1") || l.contains(" Running v"),
                "{l}"
            );
        } else {
            assert!(
                !l.contains(" Running v"),
                "unreachable shown as reachable: {l}"
            );
        }
    }
    assert!(
        out.contains(" Timeout"),
        "the blackholed engines time out: {out}"
    );
    // -q never touches the network: the blackhole, drained of the connections `ls` left in
    // its backlog, receives none.
    let drain = |l: &TcpListener| {
        l.set_nonblocking(true).unwrap();
        let mut n = 0;
        while l.accept().is_ok() {
            n += 1;
        }
        n
    };
    assert!(drain(&hole) > 0, "ls connected to the blackholed engines");
    let o = s.run(&["ls", "-q"]);
    assert_eq!(stdout(&o).lines().count(), 30);
    assert_eq!(drain(&hole), 0, "ls -q connected to an engine");
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn bad_input_gets_one_clear_error() {
    let s = TestStore::with_testbed_certs();
    let fe = engine("frontend");
    for bad in ["-bad", "a_b", "a/b", ".x"] {
        let o = s.run(&["create", "-d", "none", "--url", &fe.url(), "--", bad]);
        assert_clean_failure(&o, 1);
        assert!(
            stderr(&o).contains("invalid machine name"),
            "{}",
            stderr(&o)
        );
    }
    let o = s.run(&["create", "-d", "bogus", "x"]);
    assert_clean_failure(&o, 1);
    assert!(
        stderr(&o).contains("driver \"bogus\" not found"),
        "{}",
        stderr(&o)
    );
    assert_clean_failure(
        &s.run(&["create", "-d", "none", "--url", "10.0.0.1:2376", "x"]),
        2,
    );
    assert_clean_failure(
        &s.run(&["create", "-d", "none", "--url", "tcp://h:99999", "x"]),
        2,
    );
    assert_clean_failure(&s.run(&["create", "-d", "none", "x"]), 1);
    assert_clean_failure(&s.run(&["ls", "--filter", "color=red"]), 1);
    assert_clean_failure(&s.run(&["ls", "--filter", "nonsense"]), 1);
    assert_clean_failure(&s.run(&["ls", "--filter", "name=("]), 1);
    assert_clean_failure(&s.run(&["ls", "--format", "{{.Name"]), 1);
    assert_clean_failure(&s.run(&["ls", "--timeout", "0"]), 2);
    assert_clean_failure(&s.run(&["nosuchcommand"]), 2);
    s.adopt(&fe, "twice");
    let o = s.run(&["create", "-d", "none", "--url", &fe.url(), "twice"]);
    assert_clean_failure(&o, 1);
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));

    // A corrupt record is listed as Error and reported by commands that read it.
    std::fs::write(s.path().join("machines/twice/config.json"), b"{ not json").unwrap();
    let o = s.run(&["ls", "--format", "{{.Name}} {{.State}} {{.Error}}"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("twice Error corrupt record"),
        "{}",
        stdout(&o)
    );
    assert_clean_failure(&s.run(&["inspect", "twice"]), 1);
    assert_clean_failure(&s.run(&["env", "twice"]), 1);
    let o = s.run(&["rm", "-y", "twice"]);
    assert!(
        o.status.success(),
        "a corrupt record can be removed: {}",
        stderr(&o)
    );

    // An unwritable store (its path runs through a regular file).
    let file = s.path().join("plainfile");
    std::fs::write(&file, b"x").unwrap();
    let o = assert_cmd::Command::new(bin())
        .env("FLOTILLA_STORAGE_PATH", file.join("store"))
        .args(["create", "-d", "none", "--url", &fe.url(), "x"])
        .output()
        .unwrap();
    assert_clean_failure(&o, 1);
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn parallel_creates_on_a_fresh_store_both_succeed() {
    for round in 0..3 {
        let s = TestStore::empty();
        let fe = engine("frontend");
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let mut c = s.cmd();
                c.args([
                    "create",
                    "-d",
                    "none",
                    "--check-timeout",
                    "500ms",
                    "--url",
                    &fe.url(),
                    &format!("p{i}"),
                ]);
                std::thread::spawn(move || c.output().unwrap())
            })
            .collect();
        for h in handles {
            let o = h.join().unwrap();
            assert!(o.status.success(), "round {round}: {}", stderr(&o));
        }
        let o = s.run(&["ls", "-q"]);
        assert_eq!(stdout(&o), "p0\np1\np2\np3\n");
        // One CA for all: every machine's copy is the store's.
        let ca = std::fs::read(s.path().join("certs/ca.pem")).unwrap();
        for i in 0..4 {
            assert_eq!(
                std::fs::read(s.path().join(format!("machines/p{i}/ca.pem"))).unwrap(),
                ca
            );
            let o = s.run(&["inspect", &format!("p{i}")]);
            assert!(o.status.success());
        }
    }
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn rm_asks_only_on_a_terminal() {
    let s = TestStore::with_testbed_certs();
    s.adopt(&engine("frontend"), "a");
    s.adopt(&engine("frontend"), "b");
    let o = s.run(&["rm", "a"]);
    assert_clean_failure(&o, 1);
    assert!(stderr(&o).contains("pass -y"), "{}", stderr(&o));
    assert!(s.path().join("machines/a").exists());
    let o = s.run(&["rm", "-y", "a", "missing", "b"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a missing machine fails the command"
    );
    assert!(
        stderr(&o).contains("Successfully removed a")
            && stderr(&o).contains("Successfully removed b"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("\"missing\" does not exist"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stdout(&s.run(&["ls", "-q"])), "");
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn adopting_with_explicit_certificates_copies_them() {
    let s = TestStore::empty();
    let tb = testbed_dir().join("store/certs");
    let fe = engine("frontend");
    let o = s.run(&[
        "create",
        "-d",
        "none",
        "--url",
        &fe.url(),
        "--tls-ca-cert",
        &tb.join("ca.pem").to_string_lossy(),
        "--tls-client-cert",
        &tb.join("cert.pem").to_string_lossy(),
        "--tls-client-key",
        &tb.join("key.pem").to_string_lossy(),
        "own",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The store's own (different) CA would be rejected; the copied set works.
    let o = s.run(&["env", "own"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(s.path().join("machines/own/ca.pem")).unwrap(),
        std::fs::read(tb.join("ca.pem")).unwrap()
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(s.path().join("machines/own/key.pem"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // Only one of the three is a usage error.
    let o = s.run(&[
        "create",
        "-d",
        "none",
        "--url",
        &fe.url(),
        "--tls-ca-cert",
        "/x",
        "half",
    ]);
    assert_clean_failure(&o, 2);
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn unix_socket_engines_can_be_adopted() {
    let s = TestStore::empty();
    let sock = testbed_dir().join("e1/docker.sock");
    let o = s.run(&[
        "create",
        "-d",
        "none",
        "--url",
        &format!("unix://{}", sock.display()),
        "local",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = s.run(&["ls", "--format", "{{.Name}} {{.State}} {{.DockerVersion}}"]);
    assert!(
        stdout(&o).starts_with("local Running v20."),
        "{}",
        stdout(&o)
    );
    let o = s.run(&["env", "local"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains(&format!("export DOCKER_HOST=\"unix://{}\"", sock.display())),
        "{out}"
    );
    assert!(
        !out.contains("DOCKER_TLS_VERIFY"),
        "no TLS on a unix socket: {out}"
    );
}
