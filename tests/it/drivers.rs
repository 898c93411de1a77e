//! Drivers and provisioning on real hosts: SSH test hosts (sshd + dockerd
//! in containers), container nodes on the local engine, the example plugin.

use std::path::Path;
use std::process::Command as StdCommand;

use crate::support_drivers::{self as support, Env, SshHost, output_text, sh};

fn create_generic(
    env: &Env,
    host: &SshHost,
    key: &Path,
    name: &str,
    extra: &[&str],
) -> std::process::Output {
    let mut c = env.cmd();
    c.args(["create", "-d", "generic", "--generic-ip-address", &host.ip])
        .arg("--generic-ssh-key")
        .arg(key)
        .args(extra)
        .arg(name);
    c.output().expect("create")
}

fn labels(docker: &mut StdCommand) -> String {
    sh(docker.args(["info", "--format", "{{json .Labels}}"]))
}

/// A minimal image built on the inner engine without a registry.
fn import_image(env: &Env, machine: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hello.txt"), "hello\n").unwrap();
    let tar = dir.path().join("rootfs.tar");
    sh(StdCommand::new("tar")
        .arg("-C")
        .arg(dir.path())
        .arg("-cf")
        .arg(&tar)
        .arg("hello.txt"));
    sh(env
        .docker_for(machine)
        .arg("import")
        .arg(&tar)
        .arg("flotilla-keep:1"));
    sh(env.docker_for(machine).args([
        "create",
        "--name",
        "keepme",
        "flotilla-keep:1",
        "/hello.txt",
    ]));
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn generic_end_to_end() {
    support::require_testbed();
    let env = Env::new();
    let key = support::keypair(env.dir.path(), "id_test");
    let host = SshHost::start("generic", &key.with_extension("pub"));
    // The host's own daemon configuration, which flotilla must keep.
    host.exec(r#"mkdir -p /etc/docker && printf '{"labels":["rack=r1"],"log-level":"warn"}\n' > /etc/docker/daemon.json && service docker restart >/dev/null"#);
    let name = "gen1";

    let out = create_generic(
        &env,
        &host,
        &key,
        name,
        &["--engine-label", "env=test", "--tls-san", "gen1.example"],
    );
    assert!(out.status.success(), "create: {}", output_text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Provisioning Debian GNU/Linux 12"), "{err}");
    assert!(out.stdout.is_empty(), "create prints no data on stdout");

    // env + the real docker CLI over TLS: labels, provider, the host's own label.
    let envout = env
        .cmd()
        .args(["env", name, "--shell", "bash"])
        .output()
        .unwrap();
    let envtext = String::from_utf8_lossy(&envout.stdout);
    assert!(
        envtext.contains("export DOCKER_TLS_VERIFY=\"1\""),
        "{envtext}"
    );
    assert!(
        envtext.contains(&format!("export DOCKER_HOST=\"tcp://{}:2376\"", host.ip)),
        "{envtext}"
    );
    let l = labels(&mut env.docker_for(name));
    for want in ["env=test", "provider=generic", "rack=r1"] {
        assert!(l.contains(want), "labels {l} lack {want}");
    }
    let info = sh(env
        .docker_for(name)
        .args(["info", "--format", "{{.Name}} {{.LoggingDriver}}"]));
    assert!(info.starts_with("gen1 "), "hostname set: {info}");
    let daemon_json = host.exec("cat /etc/docker/daemon.json");
    assert!(
        daemon_json.contains("\"log-level\": \"warn\""),
        "{daemon_json}"
    );
    // Plain TCP without TLS is refused.
    let plain = StdCommand::new("docker")
        .env("DOCKER_HOST", format!("tcp://{}:2376", host.ip))
        .arg("version")
        .output()
        .unwrap();
    assert!(!plain.status.success());

    // Images and containers survive a second provision, which changes nothing.
    import_image(&env, name);
    let out = env.cmd().args(["provision", name]).output().unwrap();
    assert!(out.status.success(), "provision: {}", output_text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no configuration changed"), "{err}");
    let ps = sh(env
        .docker_for(name)
        .args(["ps", "-a", "--format", "{{.Names}}"]));
    assert!(ps.contains("keepme"), "{ps}");

    // ssh: a command, its exit code passed through.
    let out = env
        .cmd()
        .args(["ssh", name, "--", "cat", "/etc/hostname"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "gen1",
        "{}",
        output_text(&out)
    );
    let out = env
        .cmd()
        .args(["ssh", name, "--", "exit", "7"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", output_text(&out));
    // The host key was recorded in the machine's own known_hosts.
    let kh = std::fs::read_to_string(env.store().join("machines/gen1/known_hosts")).unwrap();
    assert!(kh.contains("ssh-ed25519"), "{kh}");

    // scp: a file there and back, a directory with -r.
    let local = env.dir.path().join("f.txt");
    std::fs::write(&local, "payload\n").unwrap();
    let out = env
        .cmd()
        .arg("scp")
        .arg(&local)
        .arg(format!("{name}:/tmp/f.txt"))
        .output()
        .unwrap();
    assert!(out.status.success(), "scp up: {}", output_text(&out));
    assert_eq!(host.exec("cat /tmp/f.txt"), "payload\n");
    let back = env.dir.path().join("back.txt");
    let out = env
        .cmd()
        .arg("scp")
        .arg(format!("{name}:/tmp/f.txt"))
        .arg(&back)
        .output()
        .unwrap();
    assert!(out.status.success(), "scp down: {}", output_text(&out));
    assert_eq!(std::fs::read_to_string(&back).unwrap(), "payload\n");
    let d = env.dir.path().join("d");
    std::fs::create_dir_all(d.join("sub")).unwrap();
    std::fs::write(d.join("sub/x"), "x").unwrap();
    let out = env
        .cmd()
        .args(["scp", "-r"])
        .arg(&d)
        .arg(format!("{name}:/tmp/"))
        .output()
        .unwrap();
    assert!(out.status.success(), "scp -r: {}", output_text(&out));
    assert_eq!(host.exec("cat /tmp/d/sub/x"), "x");
    // rsync is installed by scripts/test; without it this fails, never skips.
    assert!(
        StdCommand::new("sh")
            .args(["-c", "command -v rsync"])
            .output()
            .unwrap()
            .status
            .success(),
        "rsync is missing: install it (scripts/test does)"
    );
    {
        let out = env
            .cmd()
            .args(["scp", "--delta"])
            .arg(&local)
            .arg(format!("{name}:/tmp/g.txt"))
            .output()
            .unwrap();
        assert!(out.status.success(), "scp --delta: {}", output_text(&out));
        assert_eq!(host.exec("cat /tmp/g.txt"), "payload\n");
    }

    // regenerate-certs: a new server certificate, and --client-certs really
    // rotates the client certificate; the docker CLI keeps working.
    let server = std::fs::read(env.store().join("machines/gen1/server.pem")).unwrap();
    let client = std::fs::read(env.store().join("machines/gen1/key.pem")).unwrap();
    let out = env
        .cmd()
        .args(["regenerate-certs", "-f", "--client-certs", name])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "regenerate-certs: {}",
        output_text(&out)
    );
    assert_ne!(
        server,
        std::fs::read(env.store().join("machines/gen1/server.pem")).unwrap()
    );
    assert_ne!(
        client,
        std::fs::read(env.store().join("machines/gen1/key.pem")).unwrap()
    );
    assert_ne!(
        client,
        std::fs::read(env.store().join("certs/key.pem")).unwrap()
    );
    assert!(labels(&mut env.docker_for(name)).contains("env=test"));

    // restart reboots the host; the engine comes back with its config.
    let out = env.cmd().args(["restart", name]).output().unwrap();
    assert!(out.status.success(), "restart: {}", output_text(&out));
    let ps = sh(env
        .docker_for(name)
        .args(["ps", "-a", "--format", "{{.Names}}"]));
    assert!(ps.contains("keepme"), "{ps}");
    let st = env.cmd().args(["status", name]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&st.stdout).trim(), "Running");

    // generic does not support stop: one clear error.
    let out = env.cmd().args(["stop", name]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not support stop"),
        "{}",
        output_text(&out)
    );

    // rm --generic-cleanup restores the host's own configuration.
    let out = env
        .cmd()
        .args(["rm", "-y", "--generic-cleanup", name])
        .output()
        .unwrap();
    assert!(out.status.success(), "rm: {}", output_text(&out));
    assert!(!env.store().join("machines/gen1").exists());
    let dj: serde_json::Value =
        serde_json::from_str(&host.exec("cat /etc/docker/daemon.json")).unwrap();
    assert_eq!(
        dj,
        serde_json::json!({"labels": ["rack=r1"], "log-level": "warn"})
    );
    assert!(
        !host
            .try_exec("test -e /etc/docker/flotilla")
            .status
            .success()
    );
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn generic_failures_name_machine_and_step() {
    support::require_testbed();
    let env = Env::new();
    let key = support::keypair(env.dir.path(), "id_ok");
    let other = support::keypair(env.dir.path(), "id_other");
    let host = SshHost::start("fail", &key.with_extension("pub"));

    // Unreachable: nothing listens on the port. Exit 1, record kept.
    let out = env
        .cmd()
        .args([
            "create",
            "-d",
            "generic",
            "--generic-ip-address",
            &host.ip,
            "--generic-ssh-port",
            "2222",
        ])
        .arg("--generic-ssh-key")
        .arg(&key)
        .arg("down1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("machine \"down1\": connecting to the host"),
        "{err}"
    );
    let ls = env
        .cmd()
        .args(["ls", "--format", "{{.Name}} {{.Error}}"])
        .output()
        .unwrap();
    let ls = String::from_utf8_lossy(&ls.stdout);
    assert!(
        ls.contains("down1 ") && ls.contains("connecting to the host"),
        "{ls}"
    );
    assert!(
        env.cmd()
            .args(["rm", "-y", "down1"])
            .output()
            .unwrap()
            .status
            .success()
    );

    // Wrong key: authentication fails at once.
    let out = create_generic(&env, &host, &other, "badkey", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("machine \"badkey\": connecting to the host")
            && err.contains("Permission denied"),
        "{err}"
    );

    // A key others can read: the pre-create check fails, exit 3.
    let loose = env.dir.path().join("loose");
    std::fs::copy(&key, &loose).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = create_generic(&env, &host, &loose, "loose", &[]);
    assert_eq!(out.status.code(), Some(3), "{}", output_text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("0644"),
        "{}",
        output_text(&out)
    );
    assert!(!env.store().join("machines/loose").exists());

    // A user whose sudo needs a password.
    let pubkey = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    host.exec(&format!(
        "useradd -m bob && echo 'bob:pw' | chpasswd && mkdir -p /home/bob/.ssh && echo '{}' > /home/bob/.ssh/authorized_keys && chown -R bob /home/bob/.ssh && chmod 600 /home/bob/.ssh/authorized_keys && echo 'bob ALL=(ALL) ALL' > /etc/sudoers.d/bob",
        pubkey.trim()
    ));
    let out = create_generic(&env, &host, &key, "sudo1", &["--generic-ssh-user", "bob"]);
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("machine \"sudo1\": checking sudo") && err.contains("needs a password"),
        "{err}"
    );
    assert!(err.contains("hint:"), "{err}");

    // An unsupported operating system.
    host.exec("cp /etc/os-release /tmp/os-release.bak && rm /etc/os-release && printf 'ID=gentoo\\nPRETTY_NAME=\"Gentoo Linux\"\\n' > /etc/os-release");
    let out = create_generic(&env, &host, &key, "gentoo", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("machine \"gentoo\": detecting the operating system: unsupported operating system \"Gentoo Linux\""), "{err}");
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn generic_non_root_with_passwordless_sudo() {
    support::require_testbed();
    let env = Env::new();
    let key = support::keypair(env.dir.path(), "id_alice");
    let host = SshHost::start("sudo", &key.with_extension("pub"));
    let pubkey = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    host.exec(&format!(
        "useradd -m alice && mkdir -p /home/alice/.ssh && echo '{}' > /home/alice/.ssh/authorized_keys && chown -R alice /home/alice/.ssh && chmod 600 /home/alice/.ssh/authorized_keys && echo 'alice ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/alice",
        pubkey.trim()
    ));
    let out = create_generic(
        &env,
        &host,
        &key,
        "alice1",
        &[
            "--generic-ssh-user",
            "alice",
            "--engine-opt",
            "log-level=info",
        ],
    );
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(labels(&mut env.docker_for("alice1")).contains("provider=generic"));
    let opts = host.exec("cat /etc/default/docker");
    assert!(
        opts.contains("DOCKER_OPTS=\"$DOCKER_OPTS --log-level=info\""),
        "{opts}"
    );
    assert!(
        host.exec("ps -o args= -C dockerd")
            .contains("--log-level=info")
    );
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn docker_driver_nodes_on_the_local_engine() {
    support::require_testbed();
    let env = Env::new();
    let name = support::unique("node");
    let out = env
        .cmd()
        .args([
            "create",
            "-d",
            "docker",
            "--docker-image",
            support::TESTHOST_IMAGE,
            "--engine-label",
            "role=node",
        ])
        .arg(&name)
        .output()
        .unwrap();
    let container = format!("flotilla-{name}");
    let cleanup = scopeguard(container.clone());
    assert!(out.status.success(), "create: {}", output_text(&out));
    let l = labels(&mut env.docker_for(&name));
    assert!(
        l.contains("provider=docker") && l.contains("role=node"),
        "{l}"
    );
    let out = env
        .cmd()
        .args(["ssh", &name, "--", "hostname"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        name,
        "{}",
        output_text(&out)
    );

    let out = env.cmd().args(["stop", &name]).output().unwrap();
    assert!(out.status.success(), "stop: {}", output_text(&out));
    let st = env.cmd().args(["status", &name]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&st.stdout).trim(), "Stopped");
    let out = env.cmd().args(["start", &name]).output().unwrap();
    assert!(out.status.success(), "start: {}", output_text(&out));
    assert!(labels(&mut env.docker_for(&name)).contains("provider=docker"));

    let out = env.cmd().args(["rm", "-y", &name]).output().unwrap();
    assert!(out.status.success(), "rm: {}", output_text(&out));
    let gone = StdCommand::new("docker")
        .args(["inspect", &container])
        .output()
        .unwrap();
    assert!(!gone.status.success(), "the node container is removed");
    drop(cleanup);
}

/// Removes a container when dropped (a failed assertion must not leak it).
struct Guard(String);
impl Drop for Guard {
    fn drop(&mut self) {
        let _ = StdCommand::new("docker")
            .args(["rm", "-f", "-v", &self.0])
            .output();
    }
}
fn scopeguard(name: String) -> Guard {
    Guard(name)
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn example_plugin_create_ls_rm() {
    support::require_testbed();
    let mut env = Env::new();
    env.path_prefix = Some(support::example_plugin_dir());
    let help = env
        .cmd()
        .args(["create", "-d", "example", "--help"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&help.stdout).contains("--example-url"),
        "{}",
        output_text(&help)
    );

    // A missing required flag fails the plugin's pre-create check: exit 3.
    let out = env
        .cmd()
        .args(["create", "-d", "example", "p0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", output_text(&out));

    let out = env
        .cmd()
        .args([
            "create",
            "-d",
            "example",
            "--example-url",
            "unix:///var/run/docker.sock",
            "p1",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "create: {}", output_text(&out));
    let ls = env
        .cmd()
        .args([
            "ls",
            "--format",
            "{{.Name}} {{.DriverName}} {{.State}} {{.URL}}",
        ])
        .output()
        .unwrap();
    let ls = String::from_utf8_lossy(&ls.stdout);
    assert!(
        ls.contains("p1 example Running unix:///var/run/docker.sock"),
        "{ls}"
    );
    let out = env.cmd().args(["stop", "p1"]).output().unwrap();
    assert!(out.status.success(), "stop: {}", output_text(&out));
    let st = env.cmd().args(["status", "p1"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&st.stdout).trim(), "Stopped");
    let out = env.cmd().args(["rm", "-y", "p1"]).output().unwrap();
    assert!(out.status.success(), "rm: {}", output_text(&out));
    assert!(!env.store().join("machines/p1").exists());

    // Without the plugin on PATH the driver is unknown.
    env.path_prefix = None;
    let out = env
        .cmd()
        .args(["create", "-d", "example", "p2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("flotilla-driver-example"),
        "{}",
        output_text(&out)
    );
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn example_plugin_provisions_over_ssh() {
    support::require_testbed();
    let mut env = Env::new();
    env.path_prefix = Some(support::example_plugin_dir());
    let key = support::keypair(env.dir.path(), "id_plug");
    let host = SshHost::start("plugin", &key.with_extension("pub"));
    let out = env
        .cmd()
        .args(["create", "-d", "example", "--example-ssh-host", &host.ip])
        .arg("--example-ssh-key")
        .arg(&key)
        .arg("p2")
        .output()
        .unwrap();
    assert!(out.status.success(), "create: {}", output_text(&out));
    assert!(labels(&mut env.docker_for("p2")).contains("provider=example"));
    let out = env.cmd().args(["rm", "-y", "p2"]).output().unwrap();
    assert!(out.status.success(), "rm: {}", output_text(&out));
}

/// Serves `body` to every HTTP request on a free port of every interface, recording the request
/// lines; the listener thread ends with the test process.
fn serve_script(body: &'static str) -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("0.0.0.0:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            log.lock().expect("log").push(line.trim().to_string());
            // The rest of the head.
            let mut h = String::new();
            while reader.read_line(&mut h).map(|n| n > 2).unwrap_or(false) {
                h.clear();
            }
            let mut stream = reader.into_inner();
            let _ = write!(
                stream,
                "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (port, seen)
}

/// A host without Docker gets it from `--engine-install-url` (fetched with wget, run with
/// `--version`), then is configured and reached over TLS like any other. The "installer" puts
/// back the engine binaries the test took away (the test hosts have no route to a package
/// mirror); flotilla's part — detecting the missing engine, fetching and running the script with
/// the version, configuring, restarting and waiting for TLS — is the real thing. A host with
/// neither curl nor wget fails at that step with a clear error and keeps its record.
#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn generic_installs_the_engine_when_missing() {
    support::require_testbed();
    let env = Env::new();
    let key = support::keypair(env.dir.path(), "id_install");
    let host = SshHost::start("install", &key.with_extension("pub"));
    // No engine (binaries set aside), no curl; wget from busybox.
    host.exec(
        "/etc/init.d/docker stop >/dev/null 2>&1 || true; mkdir -p /opt/engine; \
         mv /usr/bin/docker /usr/sbin/dockerd /opt/engine/; \
         ! command -v docker && ! command -v dockerd && ! command -v curl",
    );
    let (port, requests) = serve_script(
        "#!/bin/sh\nset -e\necho \"$@\" > /root/install-args\n\
         cp /opt/engine/docker /usr/bin/\ncp /opt/engine/dockerd /usr/sbin/\necho installed\n",
    );
    let url = format!("http://10.78.0.1:{port}/install.sh");

    // Neither curl nor wget: the step fails with its reason, the record stays.
    let out = create_generic(&env, &host, &key, "fresh0", &["--engine-install-url", &url]);
    let text = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("installing the engine"), "{text}");
    assert!(
        text.contains("neither curl nor wget is installed"),
        "{text}"
    );
    let ls = env.cmd().args(["ls", "-q"]).output().expect("ls");
    assert_eq!(String::from_utf8_lossy(&ls.stdout).trim(), "fresh0");
    assert!(
        env.cmd()
            .args(["rm", "-y", "fresh0"])
            .output()
            .expect("rm")
            .status
            .success()
    );

    let busybox = std::fs::read("/bin/busybox").expect("the host's busybox-static");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("busybox"), busybox).expect("copy busybox");
    sh(StdCommand::new("docker")
        .arg("cp")
        .arg(dir.path().join("busybox"))
        .arg(format!("{}:/usr/local/bin/busybox", host.name)));
    host.exec("chmod +x /usr/local/bin/busybox && ln -s busybox /usr/local/bin/wget");

    let out = create_generic(
        &env,
        &host,
        &key,
        "fresh1",
        &[
            "--engine-install-url",
            &url,
            "--engine-version",
            "20.10.24",
            "--engine-label",
            "installed=yes",
        ],
    );
    let text = output_text(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!("Installing the engine from {url}")),
        "{text}"
    );
    assert_eq!(
        requests.lock().expect("log").as_slice(),
        ["GET /install.sh HTTP/1.1"],
        "fetched once, by the second create"
    );
    assert_eq!(
        host.exec("cat /root/install-args").trim(),
        "--version 20.10.24"
    );
    assert!(
        host.exec("command -v dockerd")
            .contains("/usr/sbin/dockerd")
    );
    // The host was named fresh0 by the failed create: the 127.0.1.1 line is rewritten in
    // place (here /etc/hosts is a bind mount, which `sed -i` cannot replace).
    assert!(host.exec("cat /etc/hosts").contains("127.0.1.1 fresh1"));
    assert!(
        !host.exec("ls /tmp").contains("flotilla-install-docker"),
        "the script is removed"
    );
    // Configured and reached over TLS with the labels.
    let l = labels(&mut env.docker_for("fresh1"));
    assert!(
        l.contains("installed=yes") && l.contains("provider=generic"),
        "{l}"
    );
    let ls = env
        .cmd()
        .args(["ls", "--format", "{{.Name}} {{.State}}"])
        .output()
        .expect("ls");
    assert_eq!(String::from_utf8_lossy(&ls.stdout).trim(), "fresh1 Running");
    // A second provision finds the engine and does not fetch the script again.
    let out = env
        .cmd()
        .args(["provision", "fresh1"])
        .output()
        .expect("provision");
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(requests.lock().expect("log").len(), 1);
}
