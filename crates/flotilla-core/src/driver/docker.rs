//! The `docker` driver: a machine is a container running its own engine
//! ("Docker in Docker") on a Docker engine, so a whole cluster fits on one
//! laptop, as kind and k3d do for Kubernetes. It is provisioned through
//! `docker exec` like any other host.
//!
//! The node gets the capability set that runs an inner engine without
//! `--privileged` (all capabilities but CAP_SYS_RESOURCE, no AppArmor or
//! seccomp confinement, all devices, the host's cgroups), which also works
//! where `--privileged` is refused; `--docker-privileged` asks for the
//! classic flag instead.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use bollard::Docker;
use bollard::models::{ContainerCreateBody, ContainerStateStatusEnum, HostConfig};
use bollard::query_parameters::{
    CreateContainerOptions, CreateImageOptions, KillContainerOptions, RemoveContainerOptions,
    StopContainerOptions,
};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::{Driver, DriverContext, DriverError, State};
use crate::provision::daemon;
use crate::remote::{RemoteTarget, exec::connect_docker_host};

/// The engine that runs the node containers when `--docker-host` is not given: the local one.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// The `docker` driver's create flags (`--docker-*`); by default a `docker:dind` node on the
/// local engine's `bridge` network, with the capability set rather than `--privileged`.
#[derive(Debug, Clone, PartialEq)]
pub struct DockerOptions {
    /// Engine that runs the node containers (docker driver)
    pub host: String,
    /// Node image; it must contain dockerd (docker driver)
    pub image: String,
    /// Network the node joins (docker driver)
    pub network: String,
    /// Run the node with --privileged instead of the capability set (docker driver)
    pub privileged: bool,
}

impl Default for DockerOptions {
    fn default() -> Self {
        DockerOptions {
            host: DEFAULT_HOST.to_string(),
            image: "docker:dind".to_string(),
            network: "bridge".to_string(),
            privileged: Default::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Config {
    docker_host: String,
    image: String,
    network: String,
    #[serde(default)]
    privileged: bool,
    container_name: String,
    #[serde(rename = "ContainerID", default)]
    container_id: String,
    #[serde(rename = "IPAddress", default)]
    ip_address: String,
    #[serde(default)]
    machine_name: String,
}

/// A machine that is a container named `flotilla-<machine>` running its own engine.
pub struct DockerDriver {
    c: Config,
    ctx: DriverContext,
}

/// The node's PID 1: starts the engine flotilla installed (on every
/// container start, so `start` and `restart` bring the engine back) and
/// stops it cleanly on SIGTERM.
fn boot_script() -> String {
    format!(
        "trap 'if [ -f /var/run/docker.pid ]; then kill $(cat /var/run/docker.pid); fi; exit 0' TERM INT; \
         rm -f /var/run/docker.pid; \
         if [ -x {s} ]; then setsid {s} </dev/null >/dev/null 2>&1 & fi; \
         for h in {boot}/*.start; do if [ -x \"$h\" ]; then \"$h\"; fi; done; \
         while :; do sleep 3600 & wait $!; done",
        s = daemon::DIRECT_SCRIPT,
        boot = crate::provision::service::BOOT_DIR
    )
}

fn failed(what: &str, e: impl std::fmt::Display) -> DriverError {
    DriverError::Failed(format!("{what}: {e}"))
}

fn is_not_found(e: &bollard::errors::Error) -> bool {
    matches!(
        e,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

impl DockerDriver {
    /// For `create`; nothing is checked until `pre_create_check` pings the engine.
    pub fn from_options(f: &DockerOptions, ctx: DriverContext) -> Result<Self, DriverError> {
        Ok(DockerDriver {
            c: Config {
                docker_host: f.host.clone(),
                image: f.image.clone(),
                network: f.network.clone(),
                privileged: f.privileged,
                container_name: format!("flotilla-{}", ctx.machine_name),
                container_id: String::new(),
                ip_address: String::new(),
                machine_name: ctx.machine_name.clone(),
            },
            ctx,
        })
    }

    /// From the stored `Driver` object.
    pub fn from_config(v: &serde_json::Value, ctx: DriverContext) -> Result<Self, DriverError> {
        let c: Config = serde_json::from_value(v.clone()).map_err(|e| DriverError::Config {
            driver: "docker",
            message: e.to_string(),
        })?;
        Ok(DockerDriver { c, ctx })
    }

    fn client(&self) -> Result<Docker, DriverError> {
        connect_docker_host(&self.c.docker_host, Duration::from_secs(30))
            .map_err(|e| failed(&format!("connecting to {}", self.c.docker_host), e))
    }

    fn container(&self) -> &str {
        if self.c.container_id.is_empty() {
            &self.c.container_name
        } else {
            &self.c.container_id
        }
    }

    async fn inspect(
        &self,
    ) -> Result<Option<bollard::models::ContainerInspectResponse>, DriverError> {
        match self
            .client()?
            .inspect_container(self.container(), None)
            .await
        {
            Ok(i) => Ok(Some(i)),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(failed("inspecting the node container", e)),
        }
    }

    async fn current_ip(&self) -> Result<String, DriverError> {
        let info = self.inspect().await?.ok_or(DriverError::NotRunning)?;
        let ip = info
            .network_settings
            .and_then(|n| n.networks)
            .and_then(|mut n| n.remove(&self.c.network))
            .and_then(|e| e.ip_address)
            .unwrap_or_default();
        if ip.is_empty() {
            return Err(DriverError::NotRunning);
        }
        Ok(ip)
    }

    async fn ensure_image(&self, docker: &Docker) -> Result<(), DriverError> {
        if docker.inspect_image(&self.c.image).await.is_ok() {
            return Ok(());
        }
        let mut s = docker.create_image(
            Some(CreateImageOptions {
                from_image: Some(self.c.image.clone()),
                ..Default::default()
            }),
            None,
            None,
        );
        while let Some(item) = s.next().await {
            item.map_err(|e| failed(&format!("pulling {}", self.c.image), e))?;
        }
        Ok(())
    }
}

#[async_trait]
impl Driver for DockerDriver {
    fn name(&self) -> &'static str {
        "docker"
    }

    fn config(&self) -> serde_json::Value {
        serde_json::to_value(&self.c).unwrap_or(serde_json::Value::Null)
    }

    async fn pre_create_check(&self) -> Result<(), DriverError> {
        let docker = connect_docker_host(&self.c.docker_host, Duration::from_secs(10))
            .map_err(DriverError::PreCreate)?;
        docker.ping().await.map_err(|e| {
            DriverError::PreCreate(format!(
                "the engine at {} does not answer: {e}",
                self.c.docker_host
            ))
        })?;
        Ok(())
    }

    async fn create(&mut self) -> Result<(), DriverError> {
        let docker = self.client()?;
        self.ensure_image(&docker).await?;
        let host_config = HostConfig {
            privileged: Some(self.c.privileged),
            cap_add: (!self.c.privileged).then(|| vec!["ALL".to_string()]),
            cap_drop: (!self.c.privileged).then(|| vec!["SYS_RESOURCE".to_string()]),
            security_opt: (!self.c.privileged).then(|| {
                vec![
                    "apparmor=unconfined".to_string(),
                    "seccomp=unconfined".to_string(),
                ]
            }),
            // The CLI's `--security-opt systempaths=unconfined`.
            masked_paths: (!self.c.privileged).then(Vec::new),
            readonly_paths: (!self.c.privileged).then(Vec::new),
            device_cgroup_rules: (!self.c.privileged).then(|| vec!["a *:* rwm".to_string()]),
            binds: (!self.c.privileged)
                .then(|| vec!["/sys/fs/cgroup:/sys/fs/cgroup:rw".to_string()]),
            cgroupns_mode: (!self.c.privileged)
                .then_some(bollard::models::HostConfigCgroupnsModeEnum::HOST),
            tmpfs: Some(HashMap::from([("/run".to_string(), String::new())])),
            network_mode: Some(self.c.network.clone()),
            // An init as PID 1 reaps the engine's orphans, so a stopped
            // dockerd does not linger as a zombie holding its pid file.
            init: Some(true),
            ..Default::default()
        };
        let body = ContainerCreateBody {
            image: Some(self.c.image.clone()),
            hostname: Some(self.ctx.machine_name.clone()),
            entrypoint: Some(vec!["/bin/sh".into(), "-c".into(), boot_script()]),
            cmd: Some(vec![]),
            volumes: Some(vec!["/var/lib/docker".to_string()]),
            labels: Some(HashMap::from([
                (
                    "flotilla.machine".to_string(),
                    self.ctx.machine_name.clone(),
                ),
                (
                    "flotilla.store".to_string(),
                    self.ctx.store_root.display().to_string(),
                ),
            ])),
            host_config: Some(host_config),
            ..Default::default()
        };
        let created = docker
            .create_container(
                Some(CreateContainerOptions {
                    name: Some(self.c.container_name.clone()),
                    ..Default::default()
                }),
                body,
            )
            .await
            .map_err(|e| failed(&format!("creating container {}", self.c.container_name), e))?;
        self.c.container_id = created.id;
        docker
            .start_container(self.container(), None)
            .await
            .map_err(|e| failed("starting the node container", e))?;
        self.c.ip_address = self.current_ip().await.unwrap_or_default();
        Ok(())
    }

    async fn state(&self) -> Result<State, DriverError> {
        let Some(info) = self.inspect().await? else {
            return Err(DriverError::Failed(format!(
                "container {} does not exist",
                self.c.container_name
            )));
        };
        let status = info.state.and_then(|s| s.status);
        Ok(match status {
            Some(ContainerStateStatusEnum::RUNNING) => State::Running,
            Some(ContainerStateStatusEnum::PAUSED) => State::Paused,
            Some(ContainerStateStatusEnum::RESTARTING) => State::Starting,
            Some(ContainerStateStatusEnum::REMOVING) | Some(ContainerStateStatusEnum::STOPPING) => {
                State::Stopping
            }
            Some(ContainerStateStatusEnum::CREATED) | Some(ContainerStateStatusEnum::EXITED) => {
                State::Stopped
            }
            Some(ContainerStateStatusEnum::DEAD) => State::Error,
            _ => State::None,
        })
    }

    async fn ip(&self) -> Result<String, DriverError> {
        self.current_ip().await
    }

    async fn url(&self) -> Result<String, DriverError> {
        Ok(format!("tcp://{}:2376", self.current_ip().await?))
    }

    async fn start(&mut self) -> Result<(), DriverError> {
        self.client()?
            .start_container(self.container(), None)
            .await
            .map_err(|e| failed("starting the node container", e))
    }

    async fn stop(&mut self) -> Result<(), DriverError> {
        self.client()?
            .stop_container(
                self.container(),
                Some(StopContainerOptions {
                    t: Some(20),
                    ..Default::default()
                }),
            )
            .await
            .map_err(|e| failed("stopping the node container", e))
    }

    async fn restart(&mut self) -> Result<(), DriverError> {
        self.client()?
            .restart_container(self.container(), None)
            .await
            .map_err(|e| failed("restarting the node container", e))
    }

    async fn kill(&mut self) -> Result<(), DriverError> {
        self.client()?
            .kill_container(
                self.container(),
                Some(KillContainerOptions {
                    signal: "SIGKILL".into(),
                }),
            )
            .await
            .map_err(|e| failed("killing the node container", e))
    }

    /// Removes the container and its anonymous volume (the node's
    /// `/var/lib/docker`). A container that is already gone is fine.
    async fn remove(&mut self) -> Result<(), DriverError> {
        match self
            .client()?
            .remove_container(
                self.container(),
                Some(RemoveContainerOptions {
                    force: true,
                    v: true,
                    ..Default::default()
                }),
            )
            .await
        {
            Ok(()) => Ok(()),
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(failed("removing the node container", e)),
        }
    }

    async fn remote(&self) -> Result<RemoteTarget, DriverError> {
        Ok(RemoteTarget::Container {
            docker_host: self.c.docker_host.clone(),
            container: self.container().to_string(),
        })
    }

    fn url_implies_running(&self) -> bool {
        false
    }
}
