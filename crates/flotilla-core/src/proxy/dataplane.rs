//! Where nginx runs and how a new configuration reaches it (I/O).
//!
//! * [`Local`]: nginx on this host. flotilla either starts and supervises it (restarting it
//!   if it exits), or, with a reload command, only writes the file and runs that command.
//!   Every configuration goes through [`apply::validate_and_swap`] (temp file, `nginx -t`,
//!   atomic rename, reload).
//! * `Node`: nginx runs as a container on a machine. Each configuration is uploaded into it
//!   as `nginx.conf.new`, checked there with `nginx -t` (the container's own nginx, so its
//!   version and modules decide), renamed over `nginx.conf` with `mv` and loaded with SIGHUP
//!   through the Docker API. An existing container with the same name and flotilla's label is
//!   adopted, and its current configuration read back, so re-running the command does not even
//!   reload when nothing changed. Stopping the watcher leaves the container serving the last
//!   good configuration.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::exec::{CreateExecOptions, StartExecResults};
use bollard::models::{ContainerCreateBody, HostConfig, PortBinding, RestartPolicy};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, CreateImageOptionsBuilder, DownloadFromContainerOptionsBuilder,
    KillContainerOptionsBuilder, UploadToContainerOptionsBuilder,
};
use futures_util::StreamExt;

use super::apply::{self, ApplyOptions, Changed, ProxyError, Reload};
use super::files::Placement;
use super::nginx::RenderOptions;

/// The label that marks a data plane container as flotilla's (and so adoptable).
pub const DATAPLANE_LABEL: &str = "flotilla.proxy.dataplane";
/// Inside a node's container: nginx's prefix, holding nginx.conf, the pid and temp files.
pub const NODE_PREFIX: &str = "/etc/flotilla-proxy";

/// Why a configuration could not be checked or loaded, or the data plane not set up. The
/// previous configuration keeps serving whatever the error.
#[derive(Debug, thiserror::Error)]
pub enum DataPlaneError {
    /// nginx rejected the configuration, or a local file step or reload failed.
    #[error(transparent)]
    Proxy(#[from] ProxyError),
    /// A call to the node's engine failed (inspect, create, start, upload, exec).
    #[error("{context}: {source}")]
    Docker {
        /// What was being done, naming the container and the machine.
        context: String,
        /// The Docker API error.
        #[source]
        source: bollard::errors::Error,
    },
    /// Anything else (nginx would not start, a timeout, a foreign container in the way), as a
    /// complete message with its hint.
    #[error("{0}")]
    Other(String),
}

fn docker_err(context: impl Into<String>) -> impl FnOnce(bollard::errors::Error) -> DataPlaneError {
    let context = context.into();
    move |source| DataPlaneError::Docker { context, source }
}

/// A data plane: local nginx or a container on a node.
#[derive(Debug)]
pub enum DataPlane {
    /// nginx on this host, supervised by flotilla or reloaded by `--reload-cmd`.
    Local(Local),
    /// nginx in a container on a machine (`--node`), driven through the Docker API.
    Node(NginxContainer),
}

impl DataPlane {
    /// How configurations for this data plane are rendered (paths, listen address).
    pub fn render_options(&self) -> &RenderOptions {
        match self {
            DataPlane::Local(l) => &l.render,
            DataPlane::Node(n) => &n.render,
        }
    }

    /// Validates, swaps and loads `conf`. On error the previous configuration keeps serving.
    pub async fn apply(&mut self, conf: &str) -> Result<Changed, DataPlaneError> {
        match self {
            DataPlane::Local(l) => l.apply(conf).await,
            DataPlane::Node(n) => n.apply(conf).await,
        }
    }

    /// Checks `conf` with the data plane's nginx without applying it.
    pub async fn validate(&mut self, conf: &str) -> Result<(), DataPlaneError> {
        match self {
            DataPlane::Local(l) => {
                let conf = conf.to_string();
                let target = l.target.clone();
                let opts = l.apply.clone();
                tokio::task::spawn_blocking(move || apply::validate_text(&conf, &target, &opts))
                    .await
                    .map_err(|e| DataPlaneError::Other(format!("the check task failed: {e}")))??;
                Ok(())
            }
            DataPlane::Node(n) => n.validate(conf).await,
        }
    }

    /// Where this host reaches the data plane's HTTP listener (to check that a challenge
    /// answer is served); `None`: unknown.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        match self {
            DataPlane::Local(l) => {
                let ip = match l.render.listen_addr {
                    Some(ip) if !ip.is_unspecified() => ip,
                    _ => IpAddr::from([127, 0, 0, 1]),
                };
                Some(SocketAddr::new(ip, l.render.listen_port))
            }
            DataPlane::Node(n) => n.http_addr,
        }
    }

    /// Where nginx finds the operator's files (certificates, snippets).
    pub fn file_placement(&self) -> Placement {
        match self {
            DataPlane::Local(_) => Placement::InPlace,
            DataPlane::Node(_) => Placement::Copied(format!("{NODE_PREFIX}/files")),
        }
    }

    /// Makes `files` ((path, bytes, mode) as nginx reads them) available to nginx: copies them
    /// into a node's container when they changed; nothing to do locally.
    pub async fn sync_files(
        &mut self,
        files: &[(String, Vec<u8>, u32)],
    ) -> Result<(), DataPlaneError> {
        match self {
            DataPlane::Local(_) => Ok(()),
            DataPlane::Node(n) => n.sync_files(files).await,
        }
    }

    /// Restarts a supervised nginx that exited. Returns a message when it did something.
    pub async fn supervise(&mut self) -> Option<String> {
        match self {
            DataPlane::Local(l) => l.supervise().await,
            DataPlane::Node(_) => None,
        }
    }

    /// Stops a supervised local nginx; a node's container keeps running.
    pub async fn shutdown(&mut self) {
        if let DataPlane::Local(l) = self {
            l.shutdown().await;
        }
    }
}

/// nginx on this host.
#[derive(Debug)]
pub struct Local {
    /// The configuration file nginx runs: `nginx.conf` in the configuration directory.
    pub target: PathBuf,
    /// How each new configuration is checked and loaded (prefix = the configuration directory).
    pub apply: ApplyOptions,
    /// How configurations are rendered for this nginx (listen address and ports, paths).
    pub render: RenderOptions,
    /// True: flotilla runs nginx itself. False: `apply.reload` (a command) tells nginx.
    pub supervise: bool,
    child: Option<tokio::process::Child>,
    restarts: u32,
    next_start: Option<Instant>,
}

impl Local {
    /// `conf_dir` must exist; it becomes nginx's prefix (pid and temp files) and holds `nginx.conf`.
    /// `https_port`: where nginx terminates TLS (on `listen`'s address); `None`: no TLS.
    pub fn new(
        conf_dir: &Path,
        nginx: PathBuf,
        listen: (Option<IpAddr>, u16),
        https_port: Option<u16>,
        reload_cmd: Option<String>,
        timeout: Duration,
    ) -> Local {
        let mut render = RenderOptions::new(conf_dir);
        render.listen_addr = listen.0;
        render.listen_port = listen.1;
        render.https_port = https_port;
        let supervise = reload_cmd.is_none();
        Local {
            target: conf_dir.join("nginx.conf"),
            apply: ApplyOptions {
                nginx,
                prefix: conf_dir.to_path_buf(),
                reload: match reload_cmd {
                    Some(c) => Reload::Command(c),
                    None => Reload::Signal,
                },
                timeout,
            },
            render,
            supervise,
            child: None,
            restarts: 0,
            next_start: None,
        }
    }

    async fn apply(&mut self, conf: &str) -> Result<Changed, DataPlaneError> {
        let mut opts = self.apply.clone();
        if self.supervise && !self.running() {
            // nothing to reload yet: nginx starts on the new file below
            opts.reload = Reload::None;
        }
        let conf = conf.to_string();
        let target = self.target.clone();
        let changed =
            tokio::task::spawn_blocking(move || apply::validate_and_swap(&conf, &target, &opts))
                .await
                .map_err(|e| DataPlaneError::Other(format!("the apply task failed: {e}")))??;
        if self.supervise && !self.running() {
            self.start().await?;
        }
        Ok(changed)
    }

    fn running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    async fn start(&mut self) -> Result<(), DataPlaneError> {
        let mut cmd = tokio::process::Command::new(&self.apply.nginx);
        cmd.arg("-c")
            .arg(&self.target)
            .arg("-p")
            .arg(&self.apply.prefix)
            .args(["-e", "stderr", "-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .kill_on_drop(true);
        let mut child = cmd.spawn().map_err(|e| {
            DataPlaneError::Other(format!("cannot start {}: {e}", self.apply.nginx.display()))
        })?;
        // nginx fails fast when it cannot bind or read its files
        tokio::time::sleep(Duration::from_millis(150)).await;
        if let Ok(Some(status)) = child.try_wait() {
            return Err(DataPlaneError::Other(format!(
                "nginx exited right after starting ({status}); its messages are above\nhint: is port {} already in use?",
                self.render.listen_port
            )));
        }
        tracing::info!(pid = child.id(), "nginx started");
        self.child = Some(child);
        Ok(())
    }

    async fn supervise(&mut self) -> Option<String> {
        if !self.supervise || !self.target.exists() {
            return None;
        }
        let status = match self.child.as_mut() {
            Some(c) => match c.try_wait() {
                Ok(Some(s)) => s,
                _ => return None,
            },
            None => return None,
        };
        if let Some(at) = self.next_start
            && Instant::now() < at
        {
            return None;
        }
        self.restarts += 1;
        let backoff = Duration::from_millis(200 * u64::from(self.restarts.min(25)));
        self.next_start = Some(Instant::now() + backoff);
        match self.start().await {
            Ok(()) => Some(format!(
                "nginx exited ({status}); restarted it (restart {})",
                self.restarts
            )),
            Err(e) => Some(format!("nginx exited ({status}); restarting failed: {e}")),
        }
    }

    async fn shutdown(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // `nginx -s stop` sends SIGTERM to the master named in the pid file: a fast shutdown.
        let _ = tokio::process::Command::new(&self.apply.nginx)
            .arg("-c")
            .arg(&self.target)
            .arg("-p")
            .arg(&self.apply.prefix)
            .args(["-s", "stop"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await;
        if tokio::time::timeout(Duration::from_secs(5), child.wait())
            .await
            .is_err()
        {
            let _ = child.kill().await;
        }
    }
}

/// nginx as a container on a node.
#[derive(Debug)]
pub struct NginxContainer {
    /// The machine (the store's name) whose engine runs the container.
    pub machine: String,
    /// The container's name on that engine (`--proxy-name`).
    pub container: String,
    docker: Docker,
    /// How configurations are rendered for it: nginx listens on 80 (and 443) inside, under
    /// [`NODE_PREFIX`].
    pub render: RenderOptions,
    /// The network the container is attached to: containers of the same engine on it are
    /// reached at their own IP.
    pub network: String,
    /// The configuration the container runs (None: unknown).
    last: Option<String>,
    /// A local copy of what the container runs, for humans (`<conf-dir>/nginx.conf`).
    copy: PathBuf,
    timeout: Duration,
    /// Digest of the files last copied in (None: none yet).
    files: Option<String>,
    /// The node's published HTTP port, as this host reaches it.
    pub http_addr: Option<SocketAddr>,
}

/// Options for [`NginxContainer::setup`].
#[derive(Debug, Clone)]
pub struct NodeOptions {
    /// The machine to run nginx on, for messages (the engine itself is given to `setup`).
    pub machine: String,
    /// The nginx image; pulled when the node does not have it. An adopted container running
    /// another image is kept, with a warning.
    pub image: String,
    /// The container's name: an existing container of that name with [`DATAPLANE_LABEL`] is
    /// adopted, one without it is refused.
    pub name: String,
    /// Host port published for the container's port 80.
    pub http_port: u16,
    /// Host port published for 443; 0: none.
    pub https_port: u16,
    /// The node's address as this host reaches it (to check what the data plane answers).
    pub node_ip: Option<IpAddr>,
    /// The local configuration directory, where a copy of what the container runs is kept
    /// (`nginx.conf`, for humans).
    pub conf_dir: PathBuf,
    /// Limit for each upload into the container and each command run in it.
    pub timeout: Duration,
}

/// A configuration nginx accepts before the first real one (fallback 503 only).
fn bootstrap_conf(render: &RenderOptions) -> String {
    super::nginx::render(&super::routes::RouteTable::default(), render)
}

/// Inside the container nginx listens on 80 and 443; the node publishes them on
/// `--listen` and `--listen-https` (the redirect target).
fn node_render_options(https_port: u16) -> RenderOptions {
    let mut r = RenderOptions::new(NODE_PREFIX);
    r.listen_port = 80;
    if https_port != 0 {
        r.https_port = Some(443);
        r.public_https_port = Some(https_port);
    }
    r
}

impl NginxContainer {
    /// Finds (adopts) or creates the data plane container on `docker` and makes sure it runs.
    pub async fn setup(docker: Docker, o: &NodeOptions) -> Result<NginxContainer, DataPlaneError> {
        let render = node_render_options(o.https_port);
        let mut node = NginxContainer {
            machine: o.machine.clone(),
            container: o.name.clone(),
            docker,
            render,
            network: "bridge".to_string(),
            last: None,
            copy: o.conf_dir.join("nginx.conf"),
            timeout: o.timeout,
            files: None,
            http_addr: o.node_ip.map(|ip| SocketAddr::new(ip, o.http_port)),
        };
        let existing = match node.docker.inspect_container(&o.name, None).await {
            Ok(c) => Some(c),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => None,
            Err(e) => {
                return Err(docker_err(format!(
                    "cannot inspect container {} on {}",
                    o.name, o.machine
                ))(e));
            }
        };
        match existing {
            Some(c) => {
                let ours = c
                    .config
                    .as_ref()
                    .and_then(|c| c.labels.as_ref())
                    .is_some_and(|l| l.contains_key(DATAPLANE_LABEL));
                if !ours {
                    return Err(DataPlaneError::Other(format!(
                        "container {} on {} exists but was not created by flotilla proxy (no {DATAPLANE_LABEL} label)\nhint: remove it, or choose another name with --proxy-name",
                        o.name, o.machine
                    )));
                }
                let image = c
                    .config
                    .as_ref()
                    .and_then(|c| c.image.clone())
                    .unwrap_or_default();
                if image != o.image {
                    tracing::warn!(
                        "adopting container {} on {} which runs image {image}, not {}",
                        o.name,
                        o.machine,
                        o.image
                    );
                }
                let running = c.state.as_ref().and_then(|s| s.running).unwrap_or(false);
                if !running {
                    node.docker
                        .start_container(&o.name, None)
                        .await
                        .map_err(docker_err(format!("cannot start {}", o.name)))?;
                }
                node.last = node.read_conf().await;
                tracing::info!(
                    "adopted data plane container {} on {}{}",
                    o.name,
                    o.machine,
                    if running { "" } else { " (started it)" }
                );
            }
            None => {
                node.create(o).await?;
                tracing::info!("created data plane container {} on {}", o.name, o.machine);
            }
        }
        if let Ok(c) = node.docker.inspect_container(&o.name, None).await
            && let Some(first) = c
                .network_settings
                .and_then(|n| n.networks)
                .and_then(|n| n.into_keys().filter(|k| k != "ingress").min())
        {
            node.network = first;
        }
        Ok(node)
    }

    async fn create(&mut self, o: &NodeOptions) -> Result<(), DataPlaneError> {
        if self.docker.inspect_image(&o.image).await.is_err() {
            tracing::info!("pulling {} on {}", o.image, o.machine);
            let opts = CreateImageOptionsBuilder::new()
                .from_image(&o.image)
                .build();
            let mut pull = self.docker.create_image(Some(opts), None, None);
            while let Some(step) = pull.next().await {
                step.map_err(|e| {
                    DataPlaneError::Other(format!(
                        "image {} is not on {} and pulling it failed: {e}\nhint: load it there (docker save IMAGE | docker load) or choose --proxy-image",
                        o.image, o.machine
                    ))
                })?;
            }
        }
        let mut bindings = std::collections::HashMap::new();
        let bind = |port: u16| {
            Some(vec![PortBinding {
                host_ip: None,
                host_port: Some(port.to_string()),
            }])
        };
        bindings.insert("80/tcp".to_string(), bind(o.http_port));
        if o.https_port != 0 {
            bindings.insert("443/tcp".to_string(), bind(o.https_port));
        }
        let conf = format!("{NODE_PREFIX}/nginx.conf");
        let body = ContainerCreateBody {
            image: Some(o.image.clone()),
            cmd: Some(
                [
                    "nginx",
                    "-c",
                    &conf,
                    "-p",
                    NODE_PREFIX,
                    "-e",
                    "stderr",
                    "-g",
                    "daemon off;",
                ]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            ),
            labels: Some([(DATAPLANE_LABEL.to_string(), "1".to_string())].into()),
            exposed_ports: Some(vec!["80/tcp".to_string(), "443/tcp".to_string()]),
            host_config: Some(HostConfig {
                port_bindings: Some(bindings),
                restart_policy: Some(RestartPolicy {
                    name: Some(bollard::models::RestartPolicyNameEnum::UNLESS_STOPPED),
                    maximum_retry_count: None,
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let opts = CreateContainerOptionsBuilder::new().name(&o.name).build();
        self.docker
            .create_container(Some(opts), body)
            .await
            .map_err(docker_err(format!(
                "cannot create container {} on {}",
                o.name, o.machine
            )))?;
        // nginx needs a configuration to start; the first real one follows through apply()
        let boot = bootstrap_conf(&self.render);
        self.upload("nginx.conf", &boot).await?;
        self.docker
            .start_container(&o.name, None)
            .await
            .map_err(docker_err(format!(
                "cannot start {} on {}",
                o.name, o.machine
            )))?;
        self.last = Some(boot);
        Ok(())
    }

    /// Puts `name` (mode 0644) into the prefix directory through the archive API.
    async fn upload(&self, name: &str, text: &str) -> Result<(), DataPlaneError> {
        // the directory may not exist yet in a fresh container: upload to / with the full path
        let opts = UploadToContainerOptionsBuilder::new().path("/").build();
        let mut full = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(text.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(super::status::now());
        h.set_cksum();
        let path = format!("{}/{name}", NODE_PREFIX.trim_start_matches('/'));
        full.append_data(&mut h, &path, text.as_bytes())
            .map_err(|e| DataPlaneError::Other(format!("cannot build the archive: {e}")))?;
        let full = full
            .into_inner()
            .map_err(|e| DataPlaneError::Other(format!("cannot build the archive: {e}")))?;
        tokio::time::timeout(
            self.timeout,
            self.docker.upload_to_container(
                &self.container,
                Some(opts),
                bollard::body_full(full.into()),
            ),
        )
        .await
        .map_err(|_| DataPlaneError::Other(format!("uploading {name} timed out")))?
        .map_err(docker_err(format!(
            "cannot upload {name} into {} on {}",
            self.container, self.machine
        )))
    }

    /// Copies `files` (absolute paths in the container) in one archive, unless the same set was
    /// copied last time.
    async fn sync_files(&mut self, files: &[(String, Vec<u8>, u32)]) -> Result<(), DataPlaneError> {
        let mut parts: Vec<Vec<u8>> = Vec::new();
        for (p, b, m) in files {
            parts.push(format!("{p}:{m:o}").into_bytes());
            parts.push(b.clone());
        }
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        let digest = super::files::fingerprint(&refs);
        if self.files.as_deref() == Some(digest.as_str()) || files.is_empty() {
            return Ok(());
        }
        let mut tar = tar::Builder::new(Vec::new());
        for (path, bytes, mode) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(bytes.len() as u64);
            h.set_mode(*mode);
            h.set_mtime(super::status::now());
            h.set_cksum();
            tar.append_data(&mut h, path.trim_start_matches('/'), bytes.as_slice())
                .map_err(|e| DataPlaneError::Other(format!("cannot build the archive: {e}")))?;
        }
        let tar = tar
            .into_inner()
            .map_err(|e| DataPlaneError::Other(format!("cannot build the archive: {e}")))?;
        let opts = UploadToContainerOptionsBuilder::new().path("/").build();
        tokio::time::timeout(
            self.timeout,
            self.docker.upload_to_container(
                &self.container,
                Some(opts),
                bollard::body_full(tar.into()),
            ),
        )
        .await
        .map_err(|_| {
            DataPlaneError::Other("copying the certificates and snippets timed out".into())
        })?
        .map_err(docker_err(format!(
            "cannot copy the certificates and snippets into {} on {}",
            self.container, self.machine
        )))?;
        self.files = Some(digest);
        Ok(())
    }

    /// Checks `conf` with the container's nginx without applying it.
    async fn validate(&mut self, conf: &str) -> Result<(), DataPlaneError> {
        let check = format!("{NODE_PREFIX}/nginx.conf.check");
        self.upload("nginx.conf.check", conf).await?;
        let (code, out) = self
            .exec(&[
                "nginx",
                "-t",
                "-q",
                "-e",
                "stderr",
                "-c",
                &check,
                "-p",
                NODE_PREFIX,
            ])
            .await?;
        let _ = self.exec(&["rm", "-f", &check]).await;
        if code == 0 {
            Ok(())
        } else {
            Err(ProxyError::Invalid { stderr: out }.into())
        }
    }

    /// The configuration the container currently has, if it can be read.
    async fn read_conf(&self) -> Option<String> {
        let opts = DownloadFromContainerOptionsBuilder::new()
            .path(&format!("{NODE_PREFIX}/nginx.conf"))
            .build();
        let mut stream = self
            .docker
            .download_from_container(&self.container, Some(opts));
        let mut bytes = Vec::new();
        while let Some(chunk) = stream.next().await {
            bytes.extend_from_slice(&chunk.ok()?);
        }
        let mut archive = tar::Archive::new(bytes.as_slice());
        let mut entry = archive.entries().ok()?.next()?.ok()?;
        let mut text = String::new();
        std::io::Read::read_to_string(&mut entry, &mut text).ok()?;
        Some(text)
    }

    /// Runs `cmd` in the container; returns (exit code, stdout+stderr).
    async fn exec(&self, cmd: &[&str]) -> Result<(i64, String), DataPlaneError> {
        let what = cmd.join(" ");
        let run = async {
            let exec = self
                .docker
                .create_exec(
                    &self.container,
                    CreateExecOptions {
                        cmd: Some(cmd.iter().map(|s| s.to_string()).collect()),
                        attach_stdout: Some(true),
                        attach_stderr: Some(true),
                        ..Default::default()
                    },
                )
                .await
                .map_err(docker_err(format!(
                    "cannot run `{what}` in {}",
                    self.container
                )))?;
            let mut output = String::new();
            if let StartExecResults::Attached {
                output: mut out, ..
            } = self
                .docker
                .start_exec(&exec.id, None)
                .await
                .map_err(docker_err(format!(
                    "cannot run `{what}` in {}",
                    self.container
                )))?
            {
                while let Some(chunk) = out.next().await {
                    match chunk {
                        Ok(c) => output.push_str(&String::from_utf8_lossy(&c.into_bytes())),
                        Err(e) => {
                            return Err(docker_err(format!("`{what}` in {}", self.container))(e));
                        }
                    }
                }
            }
            let info = self
                .docker
                .inspect_exec(&exec.id)
                .await
                .map_err(docker_err(format!("cannot inspect `{what}`")))?;
            Ok((info.exit_code.unwrap_or(-1), output.trim_end().to_string()))
        };
        tokio::time::timeout(self.timeout, run).await.map_err(|_| {
            DataPlaneError::Other(format!("`{what}` in {} timed out", self.container))
        })?
    }

    async fn apply(&mut self, conf: &str) -> Result<Changed, DataPlaneError> {
        if self.last.as_deref() == Some(conf) {
            return Ok(Changed::Unchanged);
        }
        let new = format!("{NODE_PREFIX}/nginx.conf.new");
        let target = format!("{NODE_PREFIX}/nginx.conf");
        self.upload("nginx.conf.new", conf).await?;
        let (code, out) = self
            .exec(&[
                "nginx",
                "-t",
                "-q",
                "-e",
                "stderr",
                "-c",
                &new,
                "-p",
                NODE_PREFIX,
            ])
            .await?;
        if code != 0 {
            let _ = self.exec(&["rm", "-f", &new]).await;
            return Err(ProxyError::Invalid { stderr: out }.into());
        }
        let (code, out) = self.exec(&["mv", "-f", &new, &target]).await?;
        if code != 0 {
            return Err(DataPlaneError::Other(format!(
                "cannot move the new configuration into place in {}: {out}",
                self.container
            )));
        }
        // the configuration on disk changed: forget it until the reload succeeded
        self.last = None;
        let opts = KillContainerOptionsBuilder::new().signal("SIGHUP").build();
        self.docker
            .kill_container(&self.container, Some(opts))
            .await
            .map_err(|e| ProxyError::Reload {
                stderr: format!("SIGHUP to {} on {}: {e}", self.container, self.machine),
            })?;
        self.last = Some(conf.to_string());
        if let Err(e) = crate::store::write_atomic(&self.copy, conf.as_bytes(), 0o644) {
            tracing::warn!("cannot write the local copy {}: {e}", self.copy.display());
        }
        Ok(Changed::Updated)
    }
}
