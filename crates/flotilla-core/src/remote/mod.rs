//! Command runners: how flotilla runs shell commands and writes files on a
//! machine. Provisioning is written once against [`Remote`]; there is one
//! runner over SSH (the system `ssh`, multiplexed) and one over
//! `docker exec` for container nodes.

pub mod exec;
pub mod ssh;

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub use ssh::SshTarget;

/// The result of one remote command.
#[derive(Debug, Clone, Default)]
pub struct Output {
    /// Exit code; `None` when the command was killed by a signal.
    pub code: Option<i32>,
    /// Everything the command printed on stdout.
    pub stdout: Vec<u8>,
    /// Everything the command printed on stderr.
    pub stderr: Vec<u8>,
}

impl Output {
    /// Exit code 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// stdout as text, invalid UTF-8 replaced.
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// stderr, else stdout, trimmed: what to show when a command failed.
    pub fn error_text(&self) -> String {
        let e = String::from_utf8_lossy(&self.stderr).trim().to_string();
        if e.is_empty() {
            String::from_utf8_lossy(&self.stdout).trim().to_string()
        } else {
            e
        }
    }
}

/// Why a command could not be run on a machine. A command that ran and failed is not an error:
/// its [`Output`] says so.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// The runner could not be opened (SSH login failed, container not running, engine
    /// unreachable).
    #[error("cannot connect to {target}: {message}")]
    Connect {
        /// The machine as [`Remote::describe`] names it.
        target: String,
        /// ssh's or the engine's explanation.
        message: String,
    },
    /// The private key is readable by others, which ssh would refuse.
    #[error("ssh key {path}: permissions {mode:04o} are too open (others can read it)")]
    KeyPermissions {
        /// The key file.
        path: PathBuf,
        /// Its permission bits (`0o644`, …).
        mode: u32,
    },
    /// The private key cannot be read or is not a regular file.
    #[error("ssh key {path}: {message}")]
    Key {
        /// The key file.
        path: PathBuf,
        /// Why it cannot be used.
        message: String,
    },
    /// The connection failed while a command ran; whether the command took effect is unknown.
    #[error("lost the connection to {target}: {message}")]
    Transport {
        /// The machine as [`Remote::describe`] names it.
        target: String,
        /// What broke.
        message: String,
    },
    /// A command did not finish in time (15 minutes).
    #[error("timed out after {}s running a command on {target}", .after.as_secs())]
    Timeout {
        /// The machine as [`Remote::describe`] names it.
        target: String,
        /// The timeout that expired.
        after: Duration,
    },
}

/// Where a machine's commands run: what a driver hands to provisioning and
/// to `ssh`/`scp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum RemoteTarget {
    /// A host reached with the system `ssh`.
    Ssh(SshTarget),
    /// A container on a Docker engine (`docker exec`).
    Container {
        /// The engine's URL (`unix://…` or `tcp://…`).
        docker_host: String,
        /// The container's name or ID.
        container: String,
    },
}

impl RemoteTarget {
    /// Whether commands run through `docker exec` (a `docker` driver node) rather than SSH.
    pub fn is_container(&self) -> bool {
        matches!(self, RemoteTarget::Container { .. })
    }
}

/// Runs commands on one machine. Implementations keep one connection for
/// their lifetime (SSH multiplexing), so a provisioning run authenticates
/// once.
#[async_trait]
pub trait Remote: Send + Sync {
    /// A short description for messages (`root@10.0.0.5:22`).
    fn describe(&self) -> String;

    /// Runs `script` with `sh -c` as the login user, feeding `stdin`.
    async fn run_with_input(&self, script: &str, stdin: &[u8]) -> Result<Output, RemoteError>;

    /// Runs `script` with `sh -c` as the login user.
    async fn run(&self, script: &str) -> Result<Output, RemoteError> {
        self.run_with_input(script, &[]).await
    }

    /// Writes a file of any size by the runner's own means, as the user the runner's commands
    /// run as (root in a container node): the container runner uses the Engine API's archive
    /// upload, because its commands take their input through the environment, which caps a
    /// value at 128 KiB. `None`: this runner has no such means, stream the bytes through a
    /// command's stdin instead.
    async fn put_file(
        &self,
        _path: &str,
        _contents: &[u8],
        _mode: u32,
    ) -> Option<Result<(), RemoteError>> {
        None
    }

    /// Closes the connection (the SSH control master).
    async fn close(self: Box<Self>) {}
}

/// Quotes a string for a POSIX shell: `'…'` with embedded quotes escaped.
pub fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Opens a runner for a target.
pub async fn connect(
    target: &RemoteTarget,
    timeout: Duration,
) -> Result<Box<dyn Remote>, RemoteError> {
    match target {
        RemoteTarget::Ssh(t) => Ok(Box::new(ssh::SshRemote::connect(t, timeout).await?)),
        RemoteTarget::Container {
            docker_host,
            container,
        } => Ok(Box::new(
            exec::ExecRemote::connect(docker_host, container, timeout).await?,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(sh_quote("abc"), "abc");
        assert_eq!(sh_quote("/etc/docker/x.pem"), "/etc/docker/x.pem");
        assert_eq!(sh_quote(""), "''");
        assert_eq!(sh_quote("a b"), "'a b'");
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
        assert_eq!(sh_quote("$HOME"), "'$HOME'");
    }
}
