//! Running `VBoxManage`: lookup, timeouts, the "object is not ready"
//! retry, `error:` on stderr as a failure, and one process-wide lock.
//!
//! The lock plays docker-machine's `SerialDriver`: VirtualBox's own session
//! locking trips when several machines of one command (`ls`, `start a b`,
//! `create a b`) call VBoxManage at the same time. It is held per call, and
//! across the host-only network setup (two creates must not both create an
//! adapter), but not while a VM boots.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::{Mutex, MutexGuard};

use super::plan::{self, Call};

static LOCK: Mutex<()> = Mutex::const_new(());

/// Serializes VBoxManage use across the process.
pub async fn lock() -> MutexGuard<'static, ()> {
    LOCK.lock().await
}

/// How many times a call is retried while VirtualBox says "the object is
/// not ready", and how long apart (docker-machine: 5 × 100 ms).
const RETRIES: u32 = 5;
const RETRY_DELAY: Duration = Duration::from_millis(100);

/// Why a VBoxManage call failed.
#[derive(Debug, thiserror::Error)]
pub enum VbmError {
    /// No VBoxManage in `$VBOX_INSTALL_PATH` or on `PATH`: VirtualBox is not installed.
    #[error("VBoxManage not found; install VirtualBox (5.0 or later) and put VBoxManage on PATH")]
    NotFound,
    /// It could not be run, exited non-zero, or printed `error:` on stderr.
    #[error("VBoxManage {args} failed: {detail}")]
    Failed {
        /// The arguments, space-separated.
        args: String,
        /// Its stderr on one line (or the exit code and stdout when stderr was empty).
        detail: String,
    },
    /// It did not finish in time and was killed.
    #[error("VBoxManage {args} did not finish within {}s", .after.as_secs())]
    Timeout {
        /// The arguments, space-separated.
        args: String,
        /// The timeout that expired.
        after: Duration,
    },
}

impl VbmError {
    /// The stderr (or message) of a failed call, to recognise answers such
    /// as "Could not find a registered machine".
    pub fn detail(&self) -> &str {
        match self {
            VbmError::Failed { detail, .. } => detail,
            _ => "",
        }
    }
}

/// What a successful call printed.
#[derive(Debug, Clone, Default)]
pub struct VbmOutput {
    /// Standard output, lossily decoded.
    pub stdout: String,
    /// Standard error: progress and warnings (an `error:` line fails the call).
    pub stderr: String,
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// `VBoxManage` (or the lower-case alias Linux packages install) in
/// `$VBOX_INSTALL_PATH`, then on `PATH`.
pub fn find() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = vec![];
    if let Some(p) = std::env::var_os("VBOX_INSTALL_PATH") {
        dirs.push(PathBuf::from(p));
    }
    if let Some(p) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&p));
    }
    dirs.iter()
        .flat_map(|d| [d.join("VBoxManage"), d.join("vboxmanage")])
        .find(|p| is_executable(p))
}

/// One line for messages: stderr lines joined, without the program prefix
/// (`VBoxManage: error: …`), so a failure stays one `error:` line.
fn one_line(s: &str) -> String {
    s.lines()
        .map(|l| l.trim().trim_start_matches("VBoxManage: ").to_string())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The located VBoxManage, with a 120 s timeout per call.
#[derive(Debug, Clone)]
pub struct Vbm {
    program: PathBuf,
    timeout: Duration,
}

impl Vbm {
    /// Locates VBoxManage ([`find`]); `NotFound` when it is not installed.
    pub fn new() -> Result<Self, VbmError> {
        Ok(Vbm {
            program: find().ok_or(VbmError::NotFound)?,
            timeout: Duration::from_secs(120),
        })
    }

    /// Runs one call under the process-wide lock.
    pub async fn run(&self, args: &[String]) -> Result<VbmOutput, VbmError> {
        let _g = lock().await;
        self.run_locked(args).await
    }

    /// Runs one call; the caller holds [`lock`].
    pub async fn run_locked(&self, args: &[String]) -> Result<VbmOutput, VbmError> {
        let shown = args.join(" ");
        let mut attempt = 0;
        loop {
            attempt += 1;
            tracing::debug!("COMMAND: {} {shown}", self.program.display());
            let mut cmd = tokio::process::Command::new(&self.program);
            cmd.args(args)
                .stdin(std::process::Stdio::null())
                .kill_on_drop(true);
            let out = match tokio::time::timeout(self.timeout, cmd.output()).await {
                Ok(Ok(o)) => o,
                Ok(Err(e)) => {
                    return Err(VbmError::Failed {
                        args: shown,
                        detail: e.to_string(),
                    });
                }
                Err(_) => {
                    return Err(VbmError::Timeout {
                        args: shown,
                        after: self.timeout,
                    });
                }
            };
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            if plan::should_retry(&stderr) && attempt < RETRIES {
                tokio::time::sleep(RETRY_DELAY).await;
                continue;
            }
            if !out.status.success() || plan::stderr_failed(&stderr) {
                let detail = if stderr.trim().is_empty() {
                    let code = out
                        .status
                        .code()
                        .map_or("a signal".to_string(), |c| format!("exit code {c}"));
                    format!("{code} {}", one_line(&stdout)).trim().to_string()
                } else {
                    one_line(&stderr)
                };
                return Err(VbmError::Failed {
                    args: shown,
                    detail,
                });
            }
            return Ok(VbmOutput { stdout, stderr });
        }
    }

    /// Runs a planned call under the process-wide lock, like [`Vbm::run`].
    pub async fn call(&self, c: &Call) -> Result<VbmOutput, VbmError> {
        self.run(c).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_stay_on_one_line() {
        assert_eq!(
            one_line(
                "VBoxManage: error: Could not find a registered machine named 'x'\nVBoxManage: error: Details: code VBOX_E_OBJECT_NOT_FOUND\n"
            ),
            "error: Could not find a registered machine named 'x'; error: Details: code VBOX_E_OBJECT_NOT_FOUND"
        );
    }
}
