//! The QEMU process as seen from outside: its pid file, whether it still
//! runs, killing it, and the tail of its console log.
//!
//! QEMU removes its pid file and QMP socket when it exits cleanly; after a
//! SIGKILL both stay behind. A pid file whose process is gone, or is some
//! other process by now (the pid was reused), therefore means "stopped".

use std::path::Path;
use std::time::{Duration, Instant};

/// The pid in `pidfile` when that process runs and is the QEMU that wrote
/// it (its command line names the pid file).
pub fn live_pid(pidfile: &Path) -> Option<u32> {
    let pid: u32 = std::fs::read_to_string(pidfile).ok()?.trim().parse().ok()?;
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let needle = pidfile.as_os_str().as_encoded_bytes();
    let ours = cmdline.split(|b| *b == 0).any(|arg| arg == needle);
    // A zombie has an empty command line: it is not running any more.
    ours.then_some(pid)
}

/// Sends SIGKILL through kill(1) (no unsafe code for a signal).
pub async fn kill9(pid: u32) {
    let _ = tokio::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .await;
}

/// Waits until the process of `pidfile` is gone; false on timeout.
pub async fn wait_gone(pidfile: &Path, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if live_pid(pidfile).is_none() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Whether this process runs as root (it may then make taps itself).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

/// Removes terminal escape sequences and carriage returns, so a console
/// log reads as text.
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                if chars.peek() == Some(&'[') {
                    chars.next();
                    // parameters and intermediates, then one final byte
                    for n in chars.by_ref() {
                        if ('@'..='~').contains(&n) {
                            break;
                        }
                    }
                }
            }
            '\r' => {}
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// The last `n` non-empty lines of a console log, cleaned up.
pub fn tail(text: &str, n: usize) -> String {
    let clean = strip_ansi(text);
    let lines: Vec<&str> = clean
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// The last `n` lines of the file at `path`, reading at most its last
/// 64 KiB; empty when it cannot be read.
pub fn tail_file(path: &Path, n: usize) -> String {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut f) = std::fs::File::open(path) else {
        return String::new();
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(64 << 10)));
    let mut buf = Vec::new();
    let _ = f.read_to_end(&mut buf);
    tail(&String::from_utf8_lossy(&buf), n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_tails_read_as_text() {
        let log = "\u{1b}[0;32m  OK  \u{1b}[0m] Reached target \u{1b}[0;1;39mgetty.target\u{1b}[0m.\r\n\r\n\
                   [  1.0] a\r\nb\n\u{1b}[Kdebian login: \n";
        assert_eq!(tail(log, 3), "[  1.0] a\nb\ndebian login:");
        assert!(tail(log, 4).starts_with("  OK  ] Reached target getty.target."));
        assert_eq!(tail("", 5), "");
        assert_eq!(tail("x\ny\n", 10), "x\ny");
    }

    #[test]
    fn pid_files_of_gone_or_foreign_processes_are_not_live() {
        let dir = tempfile::tempdir().unwrap();
        let pf = dir.path().join("qemu.pid");
        assert_eq!(live_pid(&pf), None);
        // our own pid: running, but its command line does not name the file
        std::fs::write(&pf, std::process::id().to_string()).unwrap();
        assert_eq!(live_pid(&pf), None);
        std::fs::write(&pf, "garbage").unwrap();
        assert_eq!(live_pid(&pf), None);
    }

    #[tokio::test]
    async fn a_process_that_names_its_pid_file_is_live_until_killed() {
        let dir = tempfile::tempdir().unwrap();
        let pf = dir.path().join("qemu.pid");
        // sleep's arguments: the pid file's path appears as one argument
        let mut child = tokio::process::Command::new("sh")
            .arg("-c")
            .arg("sleep 30; : \"$0\"")
            .arg(&pf)
            .spawn()
            .unwrap();
        let pid = child.id().unwrap();
        std::fs::write(&pf, format!("{pid}\n")).unwrap();
        // until the child has exec'd, its command line is the test's
        let deadline = Instant::now() + Duration::from_secs(5);
        while live_pid(&pf).is_none() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(live_pid(&pf), Some(pid));
        kill9(pid).await;
        let _ = child.wait().await;
        assert!(wait_gone(&pf, Duration::from_secs(5)).await);
        assert_eq!(live_pid(&pf), None);
    }
}
