//! The `docker exec` runner, for machines that are containers (the `docker`
//! driver). It speaks the Engine API through bollard, so no `docker` CLI is
//! needed.

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use bollard::Docker;
use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, StartExecOptions, StartExecResults};
use futures_util::StreamExt;

use super::{Output, Remote, RemoteError};
use crate::engine::{self, EngineAddr};
use crate::store::TlsFiles;

/// A client for the engine that hosts container machines. `tcp://` hosts
/// use TLS when `DOCKER_CERT_PATH` is set (as the docker CLI does), plain
/// HTTP otherwise.
pub fn connect_docker_host(host: &str, timeout: Duration) -> Result<Docker, String> {
    let addr: EngineAddr = host.parse().map_err(|e: engine::AddrError| e.to_string())?;
    let files = std::env::var_os("DOCKER_CERT_PATH")
        .filter(|_| matches!(addr, EngineAddr::Tcp { .. }))
        .map(|p| {
            let p = PathBuf::from(p);
            TlsFiles {
                ca: p.join("ca.pem"),
                cert: p.join("cert.pem"),
                key: p.join("key.pem"),
            }
        });
    engine::client(&addr, files.as_ref(), timeout).map_err(|e| e.to_string())
}

/// A runner that executes commands in a container through the Engine API (`docker exec`), as
/// the container's default user; each command may take 15 minutes.
pub struct ExecRemote {
    docker: Docker,
    container: String,
    docker_host: String,
    command_timeout: Duration,
}

impl ExecRemote {
    /// Connects to the engine at `docker_host` and checks the container is running.
    pub async fn connect(
        docker_host: &str,
        container: &str,
        timeout: Duration,
    ) -> Result<Self, RemoteError> {
        let err = |message: String| RemoteError::Connect {
            target: format!("container {container} on {docker_host}"),
            message,
        };
        let docker = connect_docker_host(docker_host, timeout).map_err(err)?;
        let info = tokio::time::timeout(timeout, docker.inspect_container(container, None))
            .await
            .map_err(|_| err(format!("timed out after {}s", timeout.as_secs())))?
            .map_err(|e| err(e.to_string()))?;
        let running = info.state.and_then(|s| s.running).unwrap_or(false);
        if !running {
            return Err(err("the container is not running".into()));
        }
        Ok(ExecRemote {
            docker,
            container: container.to_string(),
            docker_host: docker_host.to_string(),
            command_timeout: Duration::from_secs(900),
        })
    }
}

#[async_trait]
impl Remote for ExecRemote {
    fn describe(&self) -> String {
        format!("container {} on {}", self.container, self.docker_host)
    }

    async fn run_with_input(&self, script: &str, stdin: &[u8]) -> Result<Output, RemoteError> {
        let transport = |e: bollard::errors::Error| RemoteError::Transport {
            target: self.describe(),
            message: e.to_string(),
        };
        // Input travels base64-encoded in the environment rather than over
        // the hijacked exec stream, whose half-close is not dependable
        // across engine versions; inputs here are small (certificates,
        // configuration files).
        let (cmd, env) = if stdin.is_empty() {
            (
                vec!["sh".to_string(), "-c".into(), script.to_string()],
                vec![],
            )
        } else {
            (
                vec![
                    "sh".to_string(),
                    "-c".into(),
                    r#"printf %s "$FLOTILLA_STDIN" | base64 -d | sh -c "$FLOTILLA_SCRIPT""#.into(),
                ],
                vec![
                    format!(
                        "FLOTILLA_STDIN={}",
                        base64::engine::general_purpose::STANDARD.encode(stdin)
                    ),
                    format!("FLOTILLA_SCRIPT={script}"),
                ],
            )
        };
        let fut = async {
            let exec = self
                .docker
                .create_exec(
                    &self.container,
                    CreateExecOptions {
                        attach_stdout: Some(true),
                        attach_stderr: Some(true),
                        cmd: Some(cmd),
                        env: Some(env),
                        ..Default::default()
                    },
                )
                .await
                .map_err(transport)?;
            let mut out = Output::default();
            match self
                .docker
                .start_exec(&exec.id, Some(StartExecOptions::default()))
                .await
                .map_err(transport)?
            {
                StartExecResults::Attached { mut output, .. } => {
                    while let Some(item) = output.next().await {
                        match item.map_err(transport)? {
                            LogOutput::StdOut { message } | LogOutput::Console { message } => {
                                out.stdout.extend_from_slice(&message)
                            }
                            LogOutput::StdErr { message } => out.stderr.extend_from_slice(&message),
                            LogOutput::StdIn { .. } => {}
                        }
                    }
                }
                StartExecResults::Detached => {}
            }
            let inspect = self
                .docker
                .inspect_exec(&exec.id)
                .await
                .map_err(transport)?;
            out.code = inspect.exit_code.map(|c| c as i32);
            Ok(out)
        };
        match tokio::time::timeout(self.command_timeout, fut).await {
            Ok(r) => r,
            Err(_) => Err(RemoteError::Timeout {
                target: self.describe(),
                after: self.command_timeout,
            }),
        }
    }

    async fn put_file(
        &self,
        path: &str,
        contents: &[u8],
        mode: u32,
    ) -> Option<Result<(), RemoteError>> {
        let p = std::path::Path::new(path);
        let (Some(dir), Some(name)) = (p.parent(), p.file_name()) else {
            return Some(Err(RemoteError::Transport {
                target: self.describe(),
                message: format!("{path}: not a file path"),
            }));
        };
        let fail = |message: String| RemoteError::Transport {
            target: self.describe(),
            message,
        };
        let mut header = tar::Header::new_gnu();
        header.set_size(contents.len() as u64);
        header.set_mode(mode);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        let mut archive = tar::Builder::new(Vec::with_capacity(contents.len() + 1024));
        if let Err(e) = archive.append_data(&mut header, name, contents) {
            return Some(Err(fail(format!("packing {path}: {e}"))));
        }
        let bytes = match archive.into_inner() {
            Ok(b) => b,
            Err(e) => return Some(Err(fail(format!("packing {path}: {e}")))),
        };
        let mkdir = self
            .run(&format!(
                "mkdir -p {}",
                super::sh_quote(&dir.to_string_lossy())
            ))
            .await;
        match mkdir {
            Ok(o) if o.success() => {}
            Ok(o) => {
                return Some(Err(fail(format!(
                    "mkdir {}: {}",
                    dir.display(),
                    o.error_text()
                ))));
            }
            Err(e) => return Some(Err(e)),
        }
        let opts = bollard::query_parameters::UploadToContainerOptions {
            path: dir.to_string_lossy().into_owned(),
            ..Default::default()
        };
        let up = self.docker.upload_to_container(
            &self.container,
            Some(opts),
            bollard::body_full(bytes.into()),
        );
        Some(match tokio::time::timeout(self.command_timeout, up).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(fail(format!("uploading {path}: {e}"))),
            Err(_) => Err(RemoteError::Timeout {
                target: self.describe(),
                after: self.command_timeout,
            }),
        })
    }
}
