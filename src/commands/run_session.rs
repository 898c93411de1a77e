//! The local side of a foreground `run`: the container's output on our stdout/stderr, our stdin
//! to it with `-i`, and with `-t` a raw local terminal whose size the container's TTY follows,
//! as `docker run -it` does. Only the binary touches the terminal.

use bollard::Docker;
use futures_util::StreamExt;

use crate::output::terminal;
use flotilla_core::ops::run::{self, RunError, Started};

/// Give the container's TTY our terminal's size now and after every window change (SIGWINCH),
/// as `docker run -t` does; nothing when stdout is not a terminal. Failures are not worth
/// interrupting the session for: the TTY keeps its previous size.
fn follow_window_size(docker: Docker, id: String) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let resize = || async {
            if let Some((w, h)) = terminal::size() {
                let opts = bollard::query_parameters::ResizeContainerTTYOptions {
                    w: i32::from(w),
                    h: i32::from(h),
                };
                if let Err(e) = docker.resize_container_tty(&id, opts).await {
                    tracing::debug!("resizing the TTY of {id}: {e}");
                }
            }
        };
        resize().await;
        let Ok(mut winch) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::window_change())
        else {
            return;
        };
        while winch.recv().await.is_some() {
            resize().await;
        }
    })
}

/// Copies an attached container's output to our stdout/stderr (and our
/// stdin to it with `-i`), then waits for it and returns its exit code;
/// removes it afterwards for a foreground `--rm`.
pub async fn finish(started: Started) -> Result<i64, RunError> {
    use std::io::{Read, Write};
    use tokio::io::AsyncWriteExt;
    let Started {
        id,
        node,
        docker,
        attached,
        remove_after,
        interactive,
        tty,
        ..
    } = started;
    // Raw mode only when our keys go to the container's TTY; restored when this returns.
    let _raw = (tty && interactive && attached.is_some())
        .then(terminal::RawMode::enable)
        .flatten();
    let resizer =
        (tty && attached.is_some()).then(|| follow_window_size(docker.clone(), id.clone()));
    if let Some(a) = attached {
        let mut input = a.input;
        // Stdin is read on a plain thread (a blocking read cannot be
        // cancelled; the thread simply ends with the process).
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<u8>>(16);
        if interactive {
            std::thread::spawn(move || {
                let mut stdin = std::io::stdin();
                let mut buf = vec![0u8; 8192];
                loop {
                    match stdin.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if tx.blocking_send(buf[..n].to_vec()).is_err() {
                                break;
                            }
                        }
                    }
                }
            });
        } else {
            drop(tx);
        }
        let stdin_task = tokio::spawn(async move {
            while let Some(chunk) = rx.recv().await {
                if input.write_all(&chunk).await.is_err() {
                    return;
                }
                let _ = input.flush().await;
            }
            let _ = input.shutdown().await;
        });
        let mut output = a.output;
        while let Some(chunk) = output.next().await {
            match chunk {
                Ok(bollard::container::LogOutput::StdErr { message }) => {
                    let mut err = std::io::stderr().lock();
                    let _ = err.write_all(&message);
                    let _ = err.flush();
                }
                Ok(o) => {
                    let mut out = std::io::stdout().lock();
                    let _ = out.write_all(&o.into_bytes());
                    let _ = out.flush();
                }
                Err(_) => break,
            }
        }
        stdin_task.abort();
    }
    if let Some(r) = resizer {
        r.abort();
    }
    run::wait_exit(&docker, &node, &id, remove_after).await
}
