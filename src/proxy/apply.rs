//! Validate, swap and reload (I/O).
//!
//! [`validate_and_swap`] never leaves a configuration on disk that nginx rejected: the new text is
//! written to a temp file beside the target, checked with `nginx -t`, and renamed over the target
//! only when the check passes. If the reload afterwards fails, the previous file is put back, so a
//! retry with the same text is not mistaken for "unchanged" and the next nginx restart still works.
//! (nginx-proxy wrote the file in place before reloading: a bad config broke the next restart,
//! upstream #115, #569, #1302.)

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use thiserror::Error;

/// Errors of the proxy's I/O steps. The message says which step failed and includes nginx's
/// own diagnostics.
#[derive(Debug, Error)]
pub enum ProxyError {
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "nginx rejected the new configuration; the previous one is kept\n{stderr}\nhint: check the containers named in the error, or report a bug in the renderer"
    )]
    Invalid { stderr: String },
    #[error("reloading nginx failed; the previous configuration file is restored\n{stderr}")]
    Reload { stderr: String },
    #[error("{what} did not finish within {}s", .timeout.as_secs())]
    Timeout { what: String, timeout: Duration },
}

impl ProxyError {
    fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        ProxyError::Io {
            context: context.into(),
            source,
        }
    }
}

/// How the running nginx learns about a new file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reload {
    /// Do not reload (nginx is not running yet, or the caller reloads itself).
    None,
    /// `nginx -s reload -c TARGET -p PREFIX` (SIGHUP to the pid in the configured pid file).
    Signal,
    /// A user command (`--reload-cmd`), run with `sh -c`.
    Command(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyOptions {
    /// The nginx executable.
    pub nginx: PathBuf,
    /// nginx's prefix directory (`-p`).
    pub prefix: PathBuf,
    pub reload: Reload,
    /// Limit for each external command (`nginx -t`, the reload).
    pub timeout: Duration,
}

impl ApplyOptions {
    /// `/usr/sbin/nginx`, `nginx -s reload`, 30 s per command.
    pub fn new(prefix: impl Into<PathBuf>) -> Self {
        ApplyOptions {
            nginx: PathBuf::from("/usr/sbin/nginx"),
            prefix: prefix.into(),
            reload: Reload::Signal,
            timeout: Duration::from_secs(30),
        }
    }
}

/// What [`validate_and_swap`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    /// The target already had this content: nothing was validated, written or reloaded.
    Unchanged,
    /// The new content was validated, swapped in and (per [`Reload`]) reloaded.
    Updated,
}

/// Writes `conf` to `target` if it differs, after `nginx -t` accepted it, then reloads.
pub fn validate_and_swap(
    conf: &str,
    target: &Path,
    opts: &ApplyOptions,
) -> Result<Changed, ProxyError> {
    let previous = match std::fs::read(target) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(ProxyError::io(
                format!("cannot read {}", target.display()),
                e,
            ));
        }
    };
    if previous.as_deref() == Some(conf.as_bytes()) {
        return Ok(Changed::Unchanged);
    }
    let temp = write_temp_beside(target, conf.as_bytes())?;
    validate(temp.path(), opts)?;
    temp.persist(target).map_err(|e| {
        ProxyError::io(
            format!(
                "cannot rename the new configuration over {}",
                target.display()
            ),
            e.error,
        )
    })?;
    sync_parent(target);
    if let Err(err) = reload(target, opts) {
        match &previous {
            Some(old) => {
                if let Ok(t) = write_temp_beside(target, old) {
                    let _ = t.persist(target);
                }
            }
            None => {
                let _ = std::fs::remove_file(target);
            }
        }
        return Err(err);
    }
    Ok(Changed::Updated)
}

/// Runs `nginx -t -q -c CONF -p PREFIX`; the error carries nginx's stderr.
pub fn validate(conf: &Path, opts: &ApplyOptions) -> Result<(), ProxyError> {
    let mut cmd = Command::new(&opts.nginx);
    cmd.arg("-t")
        .arg("-q")
        .arg("-c")
        .arg(conf)
        .arg("-p")
        .arg(&opts.prefix);
    let (ok, stderr) = run(cmd, "nginx -t", opts.timeout)?;
    if ok {
        Ok(())
    } else {
        Err(ProxyError::Invalid { stderr })
    }
}

/// Tells the running nginx to load `target`, as configured by [`ApplyOptions::reload`].
pub fn reload(target: &Path, opts: &ApplyOptions) -> Result<(), ProxyError> {
    let (what, cmd) = match &opts.reload {
        Reload::None => return Ok(()),
        Reload::Signal => {
            let mut cmd = Command::new(&opts.nginx);
            cmd.arg("-s")
                .arg("reload")
                .arg("-c")
                .arg(target)
                .arg("-p")
                .arg(&opts.prefix);
            ("nginx -s reload", cmd)
        }
        Reload::Command(line) => {
            let mut cmd = Command::new("sh");
            cmd.arg("-c").arg(line);
            ("reload command", cmd)
        }
    };
    let (ok, stderr) = run(cmd, what, opts.timeout)?;
    if ok {
        Ok(())
    } else {
        Err(ProxyError::Reload { stderr })
    }
}

fn write_temp_beside(target: &Path, bytes: &[u8]) -> Result<tempfile::NamedTempFile, ProxyError> {
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "nginx.conf".to_string());
    let ctx = || format!("cannot write a temp file in {}", dir.display());
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| ProxyError::io(ctx(), e))?;
    temp.write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| ProxyError::io(ctx(), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o644));
    }
    Ok(temp)
}

fn sync_parent(target: &Path) {
    if let Some(dir) = target.parent().filter(|p| !p.as_os_str().is_empty())
        && let Ok(f) = std::fs::File::open(dir)
    {
        let _ = f.sync_all();
    }
}

/// Runs `cmd` with stdout discarded, returning (success, stderr). Kills it after `timeout`.
fn run(mut cmd: Command, what: &str, timeout: Duration) -> Result<(bool, String), ProxyError> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| ProxyError::io(format!("cannot run {what}"), e))?;
    let mut pipe = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(p) = pipe.as_mut() {
            let _ = p.read_to_end(&mut buf);
        }
        buf
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ProxyError::Timeout {
                    what: what.to_string(),
                    timeout,
                });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(ProxyError::io(format!("cannot wait for {what}"), e)),
        }
    };
    let stderr = reader.join().unwrap_or_default();
    let mut stderr = String::from_utf8_lossy(&stderr).trim_end().to_string();
    if !status.success() && stderr.is_empty() {
        stderr = format!("{what} exited with {status}");
    }
    Ok((status.success(), stderr))
}
