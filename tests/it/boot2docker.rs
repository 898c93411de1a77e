//! The boot2docker provisioner against a faithful stand-in for a
//! boot2docker VM (a real VM cannot run here): an SSH test host whose
//! `/etc/os-release` is boot2docker's, with a `docker` user with
//! passwordless sudo, `/usr/bin/sethostname` and an `/etc/init.d/docker`
//! that follows boot2docker's init-script contract. The engine is the
//! host's real `dockerd`, driven only by the profile flotilla writes.

use crate::support_drivers::{self as support, Env, SshHost, output_text, sh};

/// boot2docker v19.03.12's `/etc/os-release` (written by its Dockerfile).
const OS_RELEASE: &str = r#"NAME=Boot2Docker
VERSION=19.03.12
ID=boot2docker
ID_LIKE=tcl
VERSION_ID=19.03.12
PRETTY_NAME="Boot2Docker 19.03.12 (TCL 10.1)"
ANSI_COLOR="1;34"
HOME_URL="https://github.com/boot2docker/boot2docker"
SUPPORT_URL="https://blog.docker.com/2016/11/introducing-docker-community-directory-docker-community-slack/"
BUG_REPORT_URL="https://github.com/boot2docker/boot2docker/issues"
"#;

/// Stands in for boot2docker's `/etc/init.d/docker` (files/init.d/docker
/// in boot2docker v19.03.12), reduced to the contract docker-machine and
/// flotilla rely on: root only; source `/var/lib/boot2docker/profile`; with
/// `DOCKER_HOST` set, listen there with `--tlsverify` and the `CACERT`,
/// `SERVERCERT`, `SERVERKEY` files; `--storage-driver $DOCKER_STORAGE` unless
/// unset or `auto`; `$EXTRA_ARGS` unquoted; log to
/// `/var/lib/boot2docker/log/docker.log`; `restart` = stop (wait up to 30 s)
/// + start in the background.
const INIT_SCRIPT: &str = r#"#!/bin/sh
# Test stand-in for boot2docker's init script (see tests/it/boot2docker.rs).
if [ "$(id -u)" != 0 ]; then echo >&2 "error: must be root to invoke $0"; exit 1; fi
test -f /var/lib/boot2docker/profile && . /var/lib/boot2docker/profile
: ${DOCKER_STORAGE:=auto}
PIDFILE=/var/run/docker.pid
pid() { [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && cat "$PIDFILE"; }
start() {
	if pid >/dev/null; then echo >&2 "error: Docker daemon is already running"; exit 1; fi
	if [ -n "$DOCKER_HOST" ]; then
		EXTRA_ARGS="$EXTRA_ARGS $DOCKER_HOST --tlsverify --tlscacert=$CACERT --tlscert=$SERVERCERT --tlskey=$SERVERKEY"
	fi
	if [ "$DOCKER_STORAGE" != auto ]; then EXTRA_ARGS="$EXTRA_ARGS --storage-driver $DOCKER_STORAGE"; fi
	mkdir -p /var/lib/boot2docker/log
	echo 'Starting dockerd'
	dockerd $EXTRA_ARGS -H unix:///var/run/docker.sock --pidfile "$PIDFILE" >> /var/lib/boot2docker/log/docker.log 2>&1 &
}
stop() {
	if p="$(pid)"; then
		echo "Stopping dockerd ($p)"; kill "$p"; i=30
		while pid >/dev/null; do sleep 1; i=$((i - 1)); [ "$i" -gt 0 ] || { echo >&2 'error: failed to stop Docker daemon'; exit 1; }; done
	fi
}
case "$1" in
	start) start ;; stop) stop ;; restart) stop; start ;;
	status) pid >/dev/null ;;
	*) echo "Usage $0 {start|stop|restart|status}"; exit 1 ;;
esac
"#;

/// Stands in for boot2docker's `/usr/bin/sethostname`; records its calls.
const SETHOSTNAME: &str = r#"#!/bin/sh
# Test stand-in for boot2docker's sethostname.
hostname "$1" && echo "$1" > /etc/hostname && echo "$1" >> /tmp/sethostname.calls
"#;

/// Turns a fresh SSH test host into the boot2docker stand-in: the
/// Debian engine is stopped and replaced by the stand-in init script, which
/// starts it again as boot2docker boots (unix socket only, no profile yet).
fn make_boot2docker(host: &SshHost, pubkey: &str) {
    host.exec("/etc/init.d/docker stop >/dev/null 2>&1; i=0; while pgrep -x dockerd >/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; ! pgrep -x dockerd");
    host.exec(&format!(
        "rm -f /etc/os-release && cat > /etc/os-release <<'EOF'\n{OS_RELEASE}EOF\n\
         cat > /etc/init.d/docker <<'EOF'\n{INIT_SCRIPT}EOF\n\
         cat > /usr/bin/sethostname <<'EOF'\n{SETHOSTNAME}EOF\n\
         chmod 755 /etc/init.d/docker /usr/bin/sethostname && mkdir -p /var/lib/boot2docker && \
         useradd -m -g docker -s /bin/sh docker && mkdir -p /home/docker/.ssh && \
         echo '{}' > /home/docker/.ssh/authorized_keys && chown -R docker /home/docker/.ssh && \
         chmod 600 /home/docker/.ssh/authorized_keys && \
         echo 'docker ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/docker && \
         /etc/init.d/docker start",
        pubkey.trim()
    ));
    // Wait until the engine answers on its unix socket.
    host.exec("i=0; until docker version >/dev/null 2>&1; do [ $i -lt 150 ] || exit 1; sleep 0.2; i=$((i+1)); done");
}

fn dockerd_pid(host: &SshHost) -> String {
    host.exec("cat /var/run/docker.pid").trim().to_string()
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn boot2docker_stand_in_is_provisioned_through_its_profile() {
    support::require_testbed();
    let env = Env::new();
    let key = support::keypair(env.dir.path(), "id_b2d");
    let host = SshHost::start("b2d", &key.with_extension("pub"));
    let pubkey = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    make_boot2docker(&host, &pubkey);
    let driver_before = host.exec("docker info --format '{{.Driver}}'");
    let name = "b2d1";

    let out = env
        .cmd()
        .args(["create", "-d", "generic", "--generic-ip-address", &host.ip])
        .args(["--generic-ssh-user", "docker", "--generic-ssh-key"])
        .arg(&key)
        .args([
            "--engine-label",
            "env=b2d",
            "--engine-insecure-registry",
            "10.78.0.1:5000",
            "--engine-registry-mirror",
            "https://mirror.example",
            "--engine-opt",
            "max-concurrent-downloads=4",
            "--engine-env",
            "GREETING=hello \"big\" world",
            name,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "create: {}", output_text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Provisioning Boot2Docker 19.03.12 (TCL 10.1) (boot2docker)"),
        "{err}"
    );
    assert!(!err.contains("Installing the engine"), "{err}");

    // docker-machine's profile, DOCKER_STORAGE left out (no flag given).
    assert_eq!(
        host.exec("cat /var/lib/boot2docker/profile"),
        r#"# managed by flotilla (docker-machine's boot2docker profile); rewritten by every provision
EXTRA_ARGS='
--label env=b2d
--label provider=generic
--insecure-registry 10.78.0.1:5000
--registry-mirror https://mirror.example
--max-concurrent-downloads=4
'
CACERT=/var/lib/boot2docker/ca.pem
DOCKER_HOST='-H tcp://0.0.0.0:2376'
DOCKER_TLS=auto
SERVERKEY=/var/lib/boot2docker/server-key.pem
SERVERCERT=/var/lib/boot2docker/server.pem

export "GREETING=hello \"big\" world"
"#
    );
    // The distro path was not taken: no daemon.json, no flotilla dir.
    assert!(
        !host
            .try_exec("test -e /etc/docker/daemon.json || test -e /etc/docker/flotilla")
            .status
            .success()
    );
    // The certificates are where the profile says, the key private.
    assert_eq!(
        host.exec("stat -c '%a %n' /var/lib/boot2docker/ca.pem /var/lib/boot2docker/server.pem /var/lib/boot2docker/server-key.pem"),
        "644 /var/lib/boot2docker/ca.pem\n644 /var/lib/boot2docker/server.pem\n600 /var/lib/boot2docker/server-key.pem\n"
    );
    // Hostname through sethostname, recorded for boot.
    assert_eq!(host.exec("cat /tmp/sethostname.calls"), "b2d1\n");
    assert_eq!(host.exec("cat /var/lib/boot2docker/etc/hostname"), "b2d1\n");

    // The real docker CLI over TLS (flotilla env): labels, name, mirror,
    // and the storage driver the engine had before.
    let l = sh(env
        .docker_for(name)
        .args(["info", "--format", "{{json .Labels}}"]));
    for want in ["env=b2d", "provider=generic"] {
        assert!(l.contains(want), "labels {l} lack {want}");
    }
    let info = sh(env.docker_for(name).args([
        "info",
        "--format",
        "{{.Name}} {{.Driver}} {{.RegistryConfig.Mirrors}}",
    ]));
    assert_eq!(
        info.trim(),
        format!("b2d1 {} [https://mirror.example/]", driver_before.trim())
    );
    // The init script started dockerd from the profile.
    let pid = dockerd_pid(&host);
    let args = host.exec(&format!("tr '\\0' ' ' < /proc/{pid}/cmdline"));
    for want in [
        "--insecure-registry 10.78.0.1:5000",
        "--max-concurrent-downloads=4",
        "-H tcp://0.0.0.0:2376 --tlsverify --tlscacert=/var/lib/boot2docker/ca.pem --tlscert=/var/lib/boot2docker/server.pem --tlskey=/var/lib/boot2docker/server-key.pem",
    ] {
        assert!(args.contains(want), "dockerd args {args} lack {want}");
    }
    let environ = host.exec(&format!("tr '\\0' '\\n' < /proc/{pid}/environ"));
    assert!(
        environ.lines().any(|l| l == "GREETING=hello \"big\" world"),
        "{environ}"
    );
    // Plain TCP without TLS is refused.
    let plain = std::process::Command::new("docker")
        .env("DOCKER_HOST", format!("tcp://{}:2376", host.ip))
        .arg("version")
        .output()
        .unwrap();
    assert!(!plain.status.success());

    // A second provision changes nothing but restarts the engine.
    let profile = host.exec("cat /var/lib/boot2docker/profile");
    let out = env.cmd().args(["provision", name]).output().unwrap();
    assert!(out.status.success(), "provision: {}", output_text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no configuration changed"), "{err}");
    assert_ne!(dockerd_pid(&host), pid, "the engine was restarted");
    assert_eq!(host.exec("cat /var/lib/boot2docker/profile"), profile);
    assert_eq!(
        host.exec("cat /tmp/sethostname.calls"),
        "b2d1\n",
        "the hostname was already set"
    );
    let l = sh(env
        .docker_for(name)
        .args(["info", "--format", "{{json .Labels}}"]));
    assert!(l.contains("provider=generic"), "{l}");

    // upgrade is refused with the reason; rm --generic-cleanup removes the
    // profile and certificates, and the engine runs with boot2docker's
    // defaults again (unix socket only).
    let out = env.cmd().args(["upgrade", name]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("boot a newer ISO"),
        "{}",
        output_text(&out)
    );
    let out = env
        .cmd()
        .args(["rm", "-y", "--generic-cleanup", name])
        .output()
        .unwrap();
    assert!(out.status.success(), "rm: {}", output_text(&out));
    assert!(
        !host
            .try_exec("ls /var/lib/boot2docker/profile /var/lib/boot2docker/*.pem")
            .status
            .success()
    );
    host.exec("i=0; until docker version >/dev/null 2>&1; do [ $i -lt 150 ] || exit 1; sleep 0.2; i=$((i+1)); done");
    let args = host.exec(&format!(
        "tr '\\0' ' ' < /proc/{}/cmdline",
        dockerd_pid(&host)
    ));
    assert!(!args.contains("tcp://"), "{args}");
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn boot2docker_as_root_with_a_storage_driver() {
    support::require_testbed();
    let env = Env::new();
    let key = support::keypair(env.dir.path(), "id_b2d_root");
    let host = SshHost::start("b2droot", &key.with_extension("pub"));
    let pubkey = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    make_boot2docker(&host, &pubkey);
    let out = env
        .cmd()
        .args(["create", "-d", "generic", "--generic-ip-address", &host.ip])
        .args(["--generic-ssh-user", "root", "--generic-ssh-key"])
        .arg(&key)
        .args(["--engine-storage-driver", "vfs", "b2d2"])
        .output()
        .unwrap();
    assert!(out.status.success(), "create: {}", output_text(&out));
    let profile = host.exec("cat /var/lib/boot2docker/profile");
    assert!(
        profile
            .contains("DOCKER_HOST='-H tcp://0.0.0.0:2376'\nDOCKER_STORAGE=vfs\nDOCKER_TLS=auto\n"),
        "{profile}"
    );
    let info = sh(env.docker_for("b2d2").args([
        "info",
        "--format",
        "{{.Name}} {{.Driver}} {{json .Labels}}",
    ]));
    assert!(
        info.starts_with("b2d2 vfs ") && info.contains("provider=generic"),
        "{info}"
    );
}
