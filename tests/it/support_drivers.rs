//! Shared fixtures: a temporary store, the built binary, SSH test hosts as
//! containers (removed on drop, labelled `flotilla-testbed`).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::sync::atomic::{AtomicU32, Ordering};

use assert_cmd::Command;

pub const TESTHOST_IMAGE: &str = "flotilla-testhost:bookworm";
pub const LABEL: &str = "flotilla-testbed";
/// The test hosts' network (fixed addresses survive a "reboot").
pub const NETWORK: &str = "flotilla-testbed";

/// Creates the test network once; concurrent creation is tolerated.
pub fn ensure_network() {
    let exists = StdCommand::new("docker")
        .args(["network", "inspect", NETWORK])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !exists {
        let _ = StdCommand::new("docker")
            .args([
                "network",
                "create",
                "--label",
                LABEL,
                "--subnet",
                "10.78.0.0/16",
                NETWORK,
            ])
            .output();
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A name unique to this test process and call.
pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

/// Runs a command and returns its stdout; panics with its output on failure.
pub fn sh(cmd: &mut StdCommand) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Fails (never skips) when the testbed is not there.
pub fn require_testbed() {
    let ok = StdCommand::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "prerequisite missing: a running Docker engine and the docker CLI (start dockerd as testbed.md says; scripts/test does)"
    );
    let img = StdCommand::new("docker")
        .args(["image", "inspect", TESTHOST_IMAGE])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        img,
        "prerequisite missing: image {TESTHOST_IMAGE}; build it with scripts/testbed-sshhost"
    );
    for tool in ["ssh", "scp", "ssh-keygen"] {
        assert!(
            StdCommand::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false),
            "prerequisite missing: {tool} (apt-get install openssh-client)"
        );
    }
}

/// An isolated store and the binary pointed at it.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub path_prefix: Option<PathBuf>,
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
            path_prefix: None,
        }
    }

    pub fn store(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_flotilla"));
        c.arg("-s").arg(self.store());
        for v in [
            "DOCKER_HOST",
            "DOCKER_TLS_VERIFY",
            "DOCKER_CERT_PATH",
            "FLOTILLA_DRIVER",
            "FLOTILLA_STORAGE_PATH",
        ] {
            c.env_remove(v);
        }
        c.env("NO_COLOR", "1");
        if let Some(p) = &self.path_prefix {
            let path = std::env::var("PATH").unwrap_or_default();
            c.env("PATH", format!("{}:{path}", p.display()));
        }
        c
    }

    /// `docker` CLI with the environment `flotilla env NAME` prints.
    pub fn docker_for(&self, name: &str) -> StdCommand {
        let out = self
            .cmd()
            .args(["env", name, "--shell", "bash"])
            .output()
            .expect("env");
        assert!(
            out.status.success(),
            "flotilla env {name} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let mut c = StdCommand::new("docker");
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("export ")
                && let Some((k, v)) = rest.split_once('=')
            {
                c.env(k, v.trim_matches('"'));
            }
        }
        c
    }
}

/// An SSH key pair in a temp dir.
pub fn keypair(dir: &Path, name: &str) -> PathBuf {
    let key = dir.join(name);
    sh(StdCommand::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "flotilla-test", "-f"])
        .arg(&key));
    key
}

/// A Debian host with sshd and docker.io in a container, reached at its
/// container IP. It "boots" like a SysV host (rc2.d scripts: ssh, docker),
/// and `shutdown -r`/`reboot` restart the container, which boots again.
pub struct SshHost {
    pub name: String,
    pub ip: String,
}

const BOOT: &str = r#"
sed -i 's/^\(\s*\)ulimit/\1true ulimit/' /etc/init.d/docker
ssh-keygen -A >/dev/null 2>&1
mkdir -p /run/sshd /root/.ssh
if [ -n "$AUTHORIZED_KEY" ] && [ ! -s /root/.ssh/authorized_keys ]; then
  printf '%s\n' "$AUTHORIZED_KEY" > /root/.ssh/authorized_keys; chmod 600 /root/.ssh/authorized_keys
fi
for c in shutdown reboot; do printf '#!/bin/sh\n# testbed: a reboot restarts the container\nkill -TERM 1\n' > /usr/local/sbin/$c; chmod +x /usr/local/sbin/$c; done
for s in /etc/rc2.d/S*; do "$s" start >/dev/null 2>&1; done
exec sleep infinity
"#;

impl SshHost {
    pub fn start(prefix: &str, pubkey: &Path) -> SshHost {
        let name = unique(&format!("flotilla-tb-{prefix}"));
        let key = std::fs::read_to_string(pubkey).expect("public key");
        ensure_network();
        // A fixed address, as a real host keeps its IP across reboots.
        let mut ip = String::new();
        for attempt in 0..50u32 {
            let n = std::process::id()
                .wrapping_mul(31)
                .wrapping_add(COUNTER.fetch_add(1, Ordering::SeqCst) * 7 + attempt * 13);
            let candidate = format!("10.78.{}.{}", (n / 250) % 250 + 1, n % 250 + 2);
            let out = StdCommand::new("docker")
                .args([
                    "run",
                    "-d",
                    "--name",
                    &name,
                    "--label",
                    LABEL,
                    "--init",
                    "--network",
                    NETWORK,
                    "--ip",
                    &candidate,
                    "--restart",
                    "unless-stopped",
                    "--cap-add",
                    "ALL",
                    "--cap-drop",
                    "SYS_RESOURCE",
                    "--security-opt",
                    "apparmor=unconfined",
                    "--security-opt",
                    "seccomp=unconfined",
                    "--security-opt",
                    "systempaths=unconfined",
                    "--device-cgroup-rule",
                    "a *:* rwm",
                    "-v",
                    "/sys/fs/cgroup:/sys/fs/cgroup:rw",
                    "--cgroupns",
                    "host",
                    "-v",
                    "/var/lib/docker",
                    "--tmpfs",
                    "/run",
                    "-e",
                    &format!("AUTHORIZED_KEY={}", key.trim()),
                    TESTHOST_IMAGE,
                    "sh",
                    "-c",
                    BOOT,
                ])
                .output()
                .expect("docker run");
            if out.status.success() {
                ip = candidate;
                break;
            }
            let _ = StdCommand::new("docker").args(["rm", "-f", &name]).output();
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains("ddress already in use") || err.contains("already in use"),
                "docker run failed: {err}"
            );
        }
        assert!(!ip.is_empty(), "no free address for {name}");
        let h = SshHost { name, ip };
        h.wait_ssh();
        h
    }

    /// Waits until sshd accepts TCP connections (two minutes at most: a hang guard generous
    /// enough for a loaded 2-core machine, not a figure).
    pub fn wait_ssh(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        while std::time::Instant::now() < deadline {
            if std::net::TcpStream::connect_timeout(
                &format!("{}:22", self.ip).parse().expect("addr"),
                std::time::Duration::from_millis(200),
            )
            .is_ok()
            {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("sshd on {} did not come up", self.name);
    }

    /// Runs a shell script inside the host as root (test setup/inspection).
    pub fn exec(&self, script: &str) -> String {
        sh(StdCommand::new("docker").args(["exec", &self.name, "sh", "-c", script]))
    }

    pub fn try_exec(&self, script: &str) -> std::process::Output {
        StdCommand::new("docker")
            .args(["exec", &self.name, "sh", "-c", script])
            .output()
            .expect("docker exec")
    }
}

impl Drop for SshHost {
    fn drop(&mut self) {
        let _ = StdCommand::new("docker")
            .args(["rm", "-f", "-v", &self.name])
            .output();
    }
}

/// The example plugin, built on demand (cargo builds examples for
/// `cargo test`, but not for `cargo test --test it`).
pub fn example_plugin_dir() -> PathBuf {
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_flotilla"));
    let dir = exe.parent().expect("target dir").join("examples");
    let bin = dir.join("flotilla-driver-example");
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        sh(StdCommand::new(cargo)
            .args(["build", "--example", "flotilla-driver-example"])
            .current_dir(env!("CARGO_MANIFEST_DIR")));
    }
    assert!(bin.exists(), "example plugin missing at {}", bin.display());
    // The plugin is found by its name on PATH.
    let link_dir = dir.join("plugin-path");
    std::fs::create_dir_all(&link_dir).expect("mkdir");
    let link = link_dir.join("flotilla-driver-example");
    if !link.exists() {
        let _ = std::os::unix::fs::symlink(&bin, &link);
    }
    link_dir
}

/// A command's status and output, for assertion messages.
pub fn output_text(o: &std::process::Output) -> String {
    format!(
        "status: {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
