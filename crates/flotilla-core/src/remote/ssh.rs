//! The SSH runner: the system `ssh` through the `openssh` crate, with one
//! multiplexed connection (ControlMaster) per machine, so provisioning
//! authenticates once however many commands it runs.
//!
//! Unlike docker-machine, which turned host-key checking off entirely
//! (`StrictHostKeyChecking=no`, `UserKnownHostsFile=/dev/null`), each
//! machine has its own `known_hosts` file in the store with accept-new
//! semantics: the first connection records the key, later ones must match.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use openssh::{KnownHosts, Session, SessionBuilder};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

use super::{Output, Remote, RemoteError};

/// How to reach a host over SSH.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SshTarget {
    /// Host name or IP address (an IPv6 literal without brackets).
    pub host: String,
    /// The SSH port (a NAT or user-network forward for local VMs).
    pub port: u16,
    /// The login user; non-root users need password-less sudo for provisioning.
    pub user: String,
    /// Private key; `None` lets ssh use the agent and the user's defaults.
    #[serde(default)]
    pub key: Option<PathBuf>,
    /// The machine's own known_hosts file (in the store).
    pub known_hosts: PathBuf,
}

impl SshTarget {
    /// `user@host:port`, for messages.
    pub fn describe(&self) -> String {
        format!("{}@{}:{}", self.user, self.host, self.port)
    }

    /// `user@host`, with brackets for IPv6 literals as scp needs them.
    pub fn destination(&self) -> String {
        if self.host.contains(':') {
            format!("{}@[{}]", self.user, self.host)
        } else {
            format!("{}@{}", self.user, self.host)
        }
    }

    /// Options for the `ssh`, `scp` and `rsync -e ssh` command lines
    /// (`ssh NAME`, `scp`): the same key, port and known_hosts as the
    /// runner uses.
    pub fn ssh_options(&self, connect_timeout: Duration) -> Vec<String> {
        let mut v = vec![
            "-o".to_string(),
            format!("UserKnownHostsFile={}", self.known_hosts.display()),
            "-o".into(),
            "StrictHostKeyChecking=accept-new".into(),
            "-o".into(),
            format!("ConnectTimeout={}", connect_timeout.as_secs().max(1)),
            "-o".into(),
            format!("Port={}", self.port),
            "-o".into(),
            "LogLevel=ERROR".into(),
        ];
        if let Some(k) = &self.key {
            v.extend([
                "-o".into(),
                "IdentitiesOnly=yes".into(),
                "-i".into(),
                k.display().to_string(),
            ]);
        }
        v
    }
}

/// Refuses a private key that others can read, as ssh itself would (with a
/// clearer message), and one that cannot be read at all.
pub fn check_key(path: &Path) -> Result<(), RemoteError> {
    let meta = std::fs::metadata(path).map_err(|e| RemoteError::Key {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    if !meta.is_file() {
        return Err(RemoteError::Key {
            path: path.to_path_buf(),
            message: "not a regular file".into(),
        });
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(RemoteError::KeyPermissions {
            path: path.to_path_buf(),
            mode,
        });
    }
    std::fs::File::open(path).map_err(|e| RemoteError::Key {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    Ok(())
}

/// A runner over one multiplexed `ssh` connection (its control socket in the temp directory);
/// each command may take 15 minutes.
pub struct SshRemote {
    session: Session,
    target: SshTarget,
    command_timeout: Duration,
}

/// ssh's own explanation of a failed connection: the error chain, which
/// with the process multiplexer carries ssh's log lines.
fn describe_error(e: &openssh::Error) -> String {
    let mut msg = e.to_string();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        let t = s.to_string();
        if !msg.contains(&t) {
            msg = format!("{msg}: {t}");
        }
        src = s.source();
    }
    msg.trim().replace('\n', "; ")
}

/// What the remote shell prints on stderr, instead of exiting 127, when the script exits 127.
const EXIT_127: &str = "\nflotilla: exit 127\n";

/// The script as the remote shell runs it. The `openssh` crate reports a remote exit status of 127
/// as "remote command not found" and drops the command's output, yet scripts exit 127 in ordinary
/// ways (`command -v` of a missing command in dash, a missing binary inside the script). So the
/// script runs in a subshell, and an exit status of 127 becomes 1 plus a marker on stderr that
/// [`unwrap_exit_127`] turns back into 127.
fn wrap_exit_127(script: &str) -> String {
    format!(
        "(\n{script}\n); __flotilla_rc=$?; if [ \"$__flotilla_rc\" -eq 127 ]; then printf '{}' >&2; exit 1; fi; exit $__flotilla_rc",
        EXIT_127.replace('\n', "\\n")
    )
}

/// Restore the exit status 127 that [`wrap_exit_127`] passed as 1 plus a marker.
fn unwrap_exit_127(mut out: Output) -> Output {
    if out.code == Some(1) && out.stderr.ends_with(EXIT_127.as_bytes()) {
        out.stderr.truncate(out.stderr.len() - EXIT_127.len());
        out.code = Some(127);
    }
    out
}

impl SshRemote {
    /// Checks the key, then logs in, recording an unknown host key in the target's `known_hosts`
    /// (accept-new); `timeout` is ssh's connect timeout, and the whole login may take 5 s more.
    pub async fn connect(target: &SshTarget, timeout: Duration) -> Result<Self, RemoteError> {
        if let Some(k) = &target.key {
            check_key(k)?;
        }
        if let Some(dir) = target.known_hosts.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let mut b = SessionBuilder::default();
        b.user(target.user.clone())
            .port(target.port)
            .known_hosts_check(KnownHosts::Add)
            .user_known_hosts_file(&target.known_hosts)
            .connect_timeout(timeout)
            .server_alive_interval(Duration::from_secs(15))
            // Control sockets need a short path (108 bytes); the store
            // path may be long, the temp dir is not.
            .control_directory(std::env::temp_dir());
        if let Some(k) = &target.key {
            b.keyfile(k);
        }
        let connecting = b.connect(&target.host);
        // ssh's ConnectTimeout covers the TCP connect only; bound the
        // whole handshake as well.
        let session = match tokio::time::timeout(timeout + Duration::from_secs(5), connecting).await
        {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                return Err(RemoteError::Connect {
                    target: target.describe(),
                    message: describe_error(&e),
                });
            }
            Err(_) => {
                return Err(RemoteError::Connect {
                    target: target.describe(),
                    message: format!("timed out after {}s", timeout.as_secs()),
                });
            }
        };
        Ok(SshRemote {
            session,
            target: target.clone(),
            command_timeout: Duration::from_secs(900),
        })
    }
}

#[async_trait]
impl Remote for SshRemote {
    fn describe(&self) -> String {
        self.target.describe()
    }

    async fn run_with_input(&self, script: &str, stdin: &[u8]) -> Result<Output, RemoteError> {
        let transport = |e: openssh::Error| RemoteError::Transport {
            target: self.target.describe(),
            message: describe_error(&e),
        };
        let fut = async {
            let mut cmd = self.session.shell(wrap_exit_127(script));
            cmd.stdin(if stdin.is_empty() {
                openssh::Stdio::null()
            } else {
                openssh::Stdio::piped()
            })
            .stdout(openssh::Stdio::piped())
            .stderr(openssh::Stdio::piped());
            let mut child = cmd.spawn().await.map_err(transport)?;
            if !stdin.is_empty()
                && let Some(mut w) = child.stdin().take()
            {
                w.write_all(stdin)
                    .await
                    .map_err(|e| RemoteError::Transport {
                        target: self.target.describe(),
                        message: format!("writing to the remote command: {e}"),
                    })?;
                w.shutdown().await.ok();
                drop(w);
            }
            let out = child.wait_with_output().await.map_err(transport)?;
            Ok(unwrap_exit_127(Output {
                code: out.status.code(),
                stdout: out.stdout,
                stderr: out.stderr,
            }))
        };
        match tokio::time::timeout(self.command_timeout, fut).await {
            Ok(r) => r,
            Err(_) => Err(RemoteError::Timeout {
                target: self.target.describe(),
                after: self.command_timeout,
            }),
        }
    }

    async fn close(self: Box<Self>) {
        let _ = self.session.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wrapped script through a real POSIX shell (dash), as the remote login shell runs it.
    fn through_sh(script: &str) -> Output {
        // A fixed PATH: a directory the user cannot search would make dash report
        // "Permission denied" instead of "not found".
        let o = std::process::Command::new("sh")
            .arg("-c")
            .arg(wrap_exit_127(script))
            .env("PATH", "/usr/bin:/bin")
            .output()
            .expect("sh");
        unwrap_exit_127(Output {
            code: o.status.code(),
            stdout: o.stdout,
            stderr: o.stderr,
        })
    }

    #[test]
    fn exit_127_survives_the_ssh_transport() {
        let o = through_sh("echo out; echo err >&2; command -v no-such-command-here");
        assert_eq!(o.code, Some(127));
        assert_eq!(o.stdout, b"out\n");
        assert_eq!(o.stderr, b"err\n");
        let o = through_sh("set -e; echo a; exit 3; echo b");
        assert_eq!((o.code, o.stdout.as_slice()), (Some(3), &b"a\n"[..]));
        let o = through_sh("exit 1");
        assert_eq!((o.code, o.stderr.as_slice()), (Some(1), &b""[..]));
        let o = through_sh("no-such-binary-either");
        assert_eq!(o.code, Some(127));
        assert!(String::from_utf8_lossy(&o.stderr).contains("not found"));
        assert!(!String::from_utf8_lossy(&o.stderr).contains("flotilla"));
    }

    fn target() -> SshTarget {
        SshTarget {
            host: "10.0.0.5".into(),
            port: 2222,
            user: "ubuntu".into(),
            key: Some(PathBuf::from("/s/machines/a/id_ed25519")),
            known_hosts: PathBuf::from("/s/machines/a/known_hosts"),
        }
    }

    #[test]
    fn ssh_options_pin_known_hosts_and_key() {
        let o = target().ssh_options(Duration::from_secs(10)).join(" ");
        assert_eq!(
            o,
            "-o UserKnownHostsFile=/s/machines/a/known_hosts -o StrictHostKeyChecking=accept-new \
             -o ConnectTimeout=10 -o Port=2222 -o LogLevel=ERROR -o IdentitiesOnly=yes \
             -i /s/machines/a/id_ed25519"
        );
        assert_eq!(target().destination(), "ubuntu@10.0.0.5");
        let mut t = target();
        t.host = "fe80::1".into();
        assert_eq!(t.destination(), "ubuntu@[fe80::1]");
    }

    #[test]
    fn key_permissions_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let k = dir.path().join("id");
        std::fs::write(&k, "key").unwrap();
        std::fs::set_permissions(&k, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = check_key(&k).unwrap_err();
        assert!(
            matches!(e, RemoteError::KeyPermissions { mode: 0o644, .. }),
            "{e}"
        );
        assert!(e.to_string().contains("0644"), "{e}");
        std::fs::set_permissions(&k, std::fs::Permissions::from_mode(0o600)).unwrap();
        check_key(&k).unwrap();
        assert!(matches!(
            check_key(&dir.path().join("missing")),
            Err(RemoteError::Key { .. })
        ));
    }
}
