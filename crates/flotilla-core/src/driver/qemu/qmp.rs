//! A QMP client: JSON lines over the VM's Unix socket. The protocol needs
//! four steps (read the greeting, negotiate capabilities, send a command,
//! read lines until the reply, skipping asynchronous events), so no QMP
//! crate is needed.
//!
//! QEMU serves one QMP client at a time on a socket; a second one is
//! accepted by the kernel but hears nothing until the first leaves. Every
//! read therefore has a timeout, and connections are kept short.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};

/// Why a QMP exchange failed.
#[derive(Debug, thiserror::Error)]
pub enum QmpError {
    /// The socket could not be connected to: usually QEMU is not running.
    #[error("connecting to QMP at {path}: {source}")]
    Connect {
        /// The socket's path.
        path: String,
        /// The connect error.
        source: std::io::Error,
    },
    /// Reading or writing the socket failed.
    #[error("QMP: {0}")]
    Io(#[from] std::io::Error),
    /// No answer within the timeout (another client may hold the socket).
    #[error("QMP did not answer within {0:?}")]
    Timeout(Duration),
    /// QEMU closed the socket, as it does when it exits.
    #[error("QMP closed the connection")]
    Closed,
    /// A line that is not JSON, or not the message expected.
    #[error("QMP sent something that is not a QMP message: {0}")]
    Protocol(String),
    /// QEMU answered the command with an error.
    #[error("QMP {command} failed: {class}: {desc}")]
    Command {
        /// The command sent.
        command: String,
        /// QMP's error class (`GenericError`, `CommandNotFound`, …).
        class: String,
        /// QEMU's description of the error.
        desc: String,
    },
}

/// A connection to a VM's QMP socket, ready for commands; every read and write has the timeout
/// given to [`Qmp::connect`].
pub struct Qmp {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    timeout: Duration,
}

impl Qmp {
    /// Connects, reads the greeting and leaves capabilities negotiation
    /// mode, so commands can be sent.
    pub async fn connect(path: &Path, timeout: Duration) -> Result<Qmp, QmpError> {
        let stream = tokio::time::timeout(timeout, UnixStream::connect(path))
            .await
            .map_err(|_| QmpError::Timeout(timeout))?
            .map_err(|source| QmpError::Connect {
                path: path.display().to_string(),
                source,
            })?;
        let (r, w) = stream.into_split();
        let mut q = Qmp {
            reader: BufReader::new(r),
            writer: w,
            timeout,
        };
        let greeting = q.read_message().await?;
        if greeting.get("QMP").is_none() {
            return Err(QmpError::Protocol(format!(
                "expected the greeting, got {greeting}"
            )));
        }
        q.execute("qmp_capabilities", None).await?;
        Ok(q)
    }

    async fn read_message(&mut self) -> Result<Value, QmpError> {
        let mut line = String::new();
        let n = tokio::time::timeout(self.timeout, self.reader.read_line(&mut line))
            .await
            .map_err(|_| QmpError::Timeout(self.timeout))??;
        if n == 0 {
            return Err(QmpError::Closed);
        }
        serde_json::from_str(line.trim()).map_err(|e| QmpError::Protocol(format!("{e}: {line}")))
    }

    /// Runs a command and returns its `return` value; events that arrive
    /// meanwhile are skipped.
    pub async fn execute(&mut self, command: &str, args: Option<Value>) -> Result<Value, QmpError> {
        let mut msg = json!({ "execute": command });
        if let Some(a) = args {
            msg["arguments"] = a;
        }
        let mut bytes = msg.to_string().into_bytes();
        bytes.push(b'\n');
        tokio::time::timeout(self.timeout, self.writer.write_all(&bytes))
            .await
            .map_err(|_| QmpError::Timeout(self.timeout))??;
        loop {
            let m = self.read_message().await?;
            if m.get("event").is_some() {
                continue;
            }
            if let Some(r) = m.get("return") {
                return Ok(r.clone());
            }
            if let Some(e) = m.get("error") {
                return Err(QmpError::Command {
                    command: command.to_string(),
                    class: e["class"].as_str().unwrap_or("Error").to_string(),
                    desc: e["desc"].as_str().unwrap_or("").to_string(),
                });
            }
            return Err(QmpError::Protocol(m.to_string()));
        }
    }

    /// The run state (`query-status`): `running`, `paused`, `shutdown`,
    /// `internal-error`, `guest-panicked`, ...
    pub async fn status(&mut self) -> Result<String, QmpError> {
        let r = self.execute("query-status", None).await?;
        r["status"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| QmpError::Protocol(format!("query-status returned {r}")))
    }

    /// Asks QEMU to quit; the reply may not arrive when QEMU exits first.
    pub async fn quit(&mut self) -> Result<(), QmpError> {
        match self.execute("quit", None).await {
            Ok(_) | Err(QmpError::Closed) => Ok(()),
            Err(QmpError::Io(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// A Human Monitor command (`info usernet`, `hostfwd_add ...`).
    pub async fn human(&mut self, command_line: &str) -> Result<String, QmpError> {
        let r = self
            .execute(
                "human-monitor-command",
                Some(json!({ "command-line": command_line })),
            )
            .await?;
        Ok(r.as_str().unwrap_or_default().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::UnixListener;

    /// A stand-in that speaks QMP as QEMU does: greeting, capabilities, an
    /// event in the middle of a reply, an error reply.
    async fn serve(listener: UnixListener) -> Vec<String> {
        let (s, _) = listener.accept().await.unwrap();
        let (r, mut w) = s.into_split();
        let mut r = BufReader::new(r);
        w.write_all(b"{\"QMP\": {\"version\": {}, \"capabilities\": [\"oob\"]}}\r\n")
            .await
            .unwrap();
        let mut seen = vec![];
        let mut line = String::new();
        while r.read_line(&mut line).await.unwrap() > 0 {
            let v: Value = serde_json::from_str(&line).unwrap();
            let cmd = v["execute"].as_str().unwrap().to_string();
            seen.push(v.to_string());
            let reply = match cmd.as_str() {
                "qmp_capabilities" => "{\"return\": {}}\r\n".to_string(),
                "query-status" => "{\"timestamp\": {}, \"event\": \"RESUME\"}\r\n{\"return\": {\"status\": \"running\", \"running\": true}}\r\n".to_string(),
                "human-monitor-command" => "{\"return\": \"Hub -1 (net0):\\r\\n\"}\r\n".to_string(),
                _ => "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command nope has not been found\"}}\r\n".to_string(),
            };
            w.write_all(reply.as_bytes()).await.unwrap();
            line.clear();
        }
        seen
    }

    #[tokio::test]
    async fn speaks_qmp_skips_events_and_reports_errors() {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("qmp.sock");
        let server = tokio::spawn(serve(UnixListener::bind(&sock).unwrap()));
        let mut q = Qmp::connect(&sock, Duration::from_secs(5)).await.unwrap();
        assert_eq!(q.status().await.unwrap(), "running");
        assert_eq!(q.human("info usernet").await.unwrap(), "Hub -1 (net0):\r\n");
        let e = q.execute("nope", None).await.unwrap_err();
        assert!(
            matches!(&e, QmpError::Command { class, .. } if class == "CommandNotFound"),
            "{e}"
        );
        drop(q);
        let seen = server.await.unwrap();
        let v = |s: &str| serde_json::from_str::<Value>(s).unwrap();
        assert_eq!(v(&seen[0]), json!({"execute": "qmp_capabilities"}));
        assert_eq!(
            v(&seen[2]),
            json!({"execute": "human-monitor-command", "arguments": {"command-line": "info usernet"}})
        );
    }

    #[tokio::test]
    async fn a_silent_socket_times_out_and_a_missing_one_fails_to_connect() {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("qmp.sock");
        let _l = UnixListener::bind(&sock).unwrap(); // never greets
        let e = Qmp::connect(&sock, Duration::from_millis(200))
            .await
            .err()
            .unwrap();
        assert!(matches!(e, QmpError::Timeout(_)), "{e}");
        let e = Qmp::connect(&dir.path().join("none.sock"), Duration::from_secs(1))
            .await
            .err()
            .unwrap();
        assert!(matches!(e, QmpError::Connect { .. }), "{e}");
    }
}
