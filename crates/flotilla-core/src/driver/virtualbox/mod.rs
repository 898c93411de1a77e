//! The `virtualbox` driver: a local VM driven through `VBoxManage`, as
//! docker-machine's. The decisions (which calls, in which order, from which
//! state) are in [`plan`], pure and unit tested; this module only runs
//! them, and [`vbm`] runs VBoxManage itself.
//!
//! Differences from docker-machine, all deliberate:
//! - the default host-only network is `192.168.56.1/24`: VirtualBox ≥
//!   6.1.28 refuses anything outside 192.168.56.0/21 unless
//!   `/etc/vbox/networks.conf` allows it (docker-machine's `192.168.99.1/24`
//!   fails there with `E_ACCESSDENIED`);
//! - the SSH key is ed25519 (`id_ed25519`) and the host key is checked
//!   (accept-new, per-machine known_hosts) instead of ignored;
//! - the disk is a VDI grown from a small "format-me" raw file instead of
//!   a whole zero-padded disk streamed through `convertfromraw stdin`;
//! - the DHCP server address is deterministic, so a restart does not
//!   rewrite the server for nothing;
//! - a stored SSH port that is taken is replaced instead of failing start.

pub mod image;
pub mod plan;
pub mod vbm;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{Driver, DriverContext, DriverError, State};
use crate::remote::{self, RemoteTarget, SshTarget};
use plan::{HostOnlyCidr, StartPlan, VmState};
use vbm::{Vbm, VbmError};

/// boot2docker's last release; the project is archived, so there is no
/// "latest" to look up any more.
pub const DEFAULT_BOOT2DOCKER_URL: &str =
    "https://github.com/boot2docker/boot2docker/releases/download/v19.03.12/boot2docker.iso";

/// The host-only network when none is given: inside the range VirtualBox ≥ 6.1.28 allows
/// without `/etc/vbox/networks.conf` (docker-machine's `192.168.99.1/24` is not).
pub const DEFAULT_HOSTONLY_CIDR: &str = "192.168.56.1/24";

/// The `virtualbox` driver's create flags (`--virtualbox-*`); defaults are docker-machine's
/// where it had the flag, except the host-only network ([`DEFAULT_HOSTONLY_CIDR`]).
#[derive(Debug, Clone, PartialEq)]
pub struct VirtualboxOptions {
    /// Memory of the VM in MB (virtualbox driver)
    pub memory: u32,
    /// Number of CPUs; 0 uses all of the host's, at most 32 (virtualbox driver)
    pub cpu_count: i32,
    /// Disk size in MB (virtualbox driver)
    pub disk_size: u64,
    /// Boot ISO: http(s) URL (downloaded once into `<store>/cache`), `file://` URL or local path (virtualbox driver); default: boot2docker v19.03.12
    pub boot2docker_url: Option<String>,
    /// Host-only network as the host's address and prefix; VirtualBox ≥ 6.1.28 allows only 192.168.56.0/21 without /etc/vbox/networks.conf (virtualbox driver)
    pub hostonly_cidr: String,
    /// Host-only NIC type: Am79C970A, Am79C973, 82540EM, 82543GC, 82545EM or virtio (virtualbox driver)
    pub hostonly_nictype: String,
    /// Host-only NIC promiscuous mode: deny, allow-vms or allow-all (virtualbox driver)
    pub hostonly_nicpromisc: String,
    /// NAT NIC type (virtualbox driver)
    pub nat_nictype: String,
    /// How the VM is started: headless, gui, sdl or separate (virtualbox driver)
    pub ui_type: String,
    /// Disable the host-only network's DHCP server (virtualbox driver)
    pub hostonly_no_dhcp: bool,
    /// Do not share the home directory (/home as hosthome) with the VM (virtualbox driver)
    pub no_share: bool,
    /// Disable the NAT DNS proxy (virtualbox driver)
    pub no_dns_proxy: bool,
    /// Use the host's DNS resolver for NAT (virtualbox driver)
    pub host_dns_resolver: bool,
    /// Folder to share as DIR:NAME (the name is after the last ':') (virtualbox driver) [default: /home:hosthome]
    pub share_folder: Option<String>,
    /// Skip the check of VBox.log for disabled VT-x/AMD-v (virtualbox driver)
    pub no_vtx_check: bool,
    /// How long a booting VM may take until it answers SSH and has an IP, in seconds (virtualbox driver)
    pub boot_timeout: u64,
}

impl Default for VirtualboxOptions {
    fn default() -> Self {
        VirtualboxOptions {
            memory: 1024,
            cpu_count: 1,
            disk_size: 20000,
            boot2docker_url: Default::default(),
            hostonly_cidr: DEFAULT_HOSTONLY_CIDR.to_string(),
            hostonly_nictype: "82540EM".to_string(),
            hostonly_nicpromisc: "deny".to_string(),
            nat_nictype: "82540EM".to_string(),
            ui_type: "headless".to_string(),
            hostonly_no_dhcp: Default::default(),
            no_share: Default::default(),
            no_dns_proxy: Default::default(),
            host_dns_resolver: Default::default(),
            share_folder: Default::default(),
            no_vtx_check: Default::default(),
            boot_timeout: 300,
        }
    }
}

/// The stored configuration (`config.json`'s `Driver`), with
/// docker-machine's field names where they exist.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Config {
    #[serde(rename = "CPU")]
    cpu: u32,
    memory: u32,
    disk_size: u64,
    #[serde(rename = "Boot2DockerURL")]
    boot2docker_url: String,
    #[serde(rename = "HostOnlyCIDR")]
    host_only_cidr: String,
    host_only_nic_type: String,
    host_only_promisc_mode: String,
    nat_nic_type: String,
    #[serde(rename = "UIType")]
    ui_type: String,
    #[serde(rename = "HostOnlyNoDHCP")]
    host_only_no_dhcp: bool,
    no_share: bool,
    #[serde(rename = "DNSProxy")]
    dns_proxy: bool,
    #[serde(rename = "HostDNSResolver")]
    host_dns_resolver: bool,
    share_folder: String,
    #[serde(rename = "NoVTXCheck")]
    no_vtx_check: bool,
    boot_timeout: u64,
    /// The NAT port forwarded to the guest's SSH; 0 until the first start.
    #[serde(rename = "SSHPort")]
    ssh_port: u16,
    #[serde(rename = "SSHUser")]
    ssh_user: String,
    /// The host-only address, learnt over SSH; empty while stopped.
    #[serde(rename = "IPAddress", default)]
    ip_address: String,
    /// The host-only adapter the VM's second NIC uses.
    #[serde(default)]
    host_only_adapter: String,
    machine_name: String,
}

fn config_err(message: String) -> DriverError {
    DriverError::Config {
        driver: "virtualbox",
        message,
    }
}

/// A step's failure: `step: cause`, so the create error names it.
fn step_err(step: &str, e: impl std::fmt::Display) -> DriverError {
    DriverError::Failed(format!("{step}: {e}"))
}

/// A boot2docker VM run by VirtualBox, reached over SSH through a NAT port forward.
pub struct VirtualboxDriver {
    c: Config,
    ctx: DriverContext,
}

const UI_TYPES: &[&str] = &["headless", "gui", "sdl", "separate"];
const NIC_TYPES: &[&str] = &[
    "Am79C970A",
    "Am79C973",
    "Am79C960",
    "82540EM",
    "82543GC",
    "82545EM",
    "virtio",
];
const PROMISC: &[&str] = &["deny", "allow-vms", "allow-all"];

fn one_of(flag: &str, v: &str, allowed: &[&str]) -> Result<(), DriverError> {
    if allowed.contains(&v) {
        Ok(())
    } else {
        Err(config_err(format!(
            "--{flag} {v:?} is not one of {}",
            allowed.join(", ")
        )))
    }
}

impl VirtualboxDriver {
    /// For `create`: checks the flags (NIC, promiscuous-mode and UI types, minimum sizes), warns
    /// about a host-only network VirtualBox may refuse, and resolves a CPU count below 1 to the
    /// host's (at most 32).
    pub fn from_options(f: &VirtualboxOptions, ctx: DriverContext) -> Result<Self, DriverError> {
        let cidr = HostOnlyCidr::parse(&f.hostonly_cidr).map_err(|e| config_err(e.to_string()))?;
        if !cidr.allowed_by_default() {
            tracing::warn!(
                "({}) host-only cidr {cidr} is outside 192.168.56.0/21: VirtualBox 6.1.28 and later refuse it unless /etc/vbox/networks.conf allows it (a line `* {}/{}`)",
                ctx.machine_name,
                cidr.network(),
                cidr.prefix
            );
        }
        one_of("virtualbox-ui-type", &f.ui_type, UI_TYPES)?;
        one_of(
            "virtualbox-hostonly-nictype",
            &f.hostonly_nictype,
            NIC_TYPES,
        )?;
        one_of("virtualbox-nat-nictype", &f.nat_nictype, NIC_TYPES)?;
        one_of(
            "virtualbox-hostonly-nicpromisc",
            &f.hostonly_nicpromisc,
            PROMISC,
        )?;
        if f.memory < 128 {
            return Err(config_err(format!(
                "--virtualbox-memory {} is too small (at least 128 MB)",
                f.memory
            )));
        }
        if f.disk_size < 1000 {
            return Err(config_err(format!(
                "--virtualbox-disk-size {} is too small (at least 1000 MB)",
                f.disk_size
            )));
        }
        let cpu = if f.cpu_count < 1 {
            std::thread::available_parallelism().map_or(1, |n| n.get() as u32)
        } else {
            f.cpu_count as u32
        }
        .min(32);
        Ok(VirtualboxDriver {
            c: Config {
                cpu,
                memory: f.memory,
                disk_size: f.disk_size,
                boot2docker_url: f
                    .boot2docker_url
                    .clone()
                    .filter(|u| !u.trim().is_empty())
                    .unwrap_or_else(|| DEFAULT_BOOT2DOCKER_URL.to_string()),
                host_only_cidr: cidr.to_string(),
                host_only_nic_type: f.hostonly_nictype.clone(),
                host_only_promisc_mode: f.hostonly_nicpromisc.clone(),
                nat_nic_type: f.nat_nictype.clone(),
                ui_type: f.ui_type.clone(),
                host_only_no_dhcp: f.hostonly_no_dhcp,
                no_share: f.no_share,
                dns_proxy: !f.no_dns_proxy,
                host_dns_resolver: f.host_dns_resolver,
                share_folder: f.share_folder.clone().unwrap_or_default(),
                no_vtx_check: f.no_vtx_check,
                boot_timeout: f.boot_timeout.max(1),
                ssh_port: 0,
                ssh_user: "docker".into(),
                ip_address: String::new(),
                host_only_adapter: String::new(),
                machine_name: ctx.machine_name.clone(),
            },
            ctx,
        })
    }

    /// From the stored `Driver` object.
    pub fn from_config(v: &serde_json::Value, ctx: DriverContext) -> Result<Self, DriverError> {
        let c: Config = serde_json::from_value(v.clone()).map_err(|e| config_err(e.to_string()))?;
        Ok(VirtualboxDriver { c, ctx })
    }

    fn vm(&self) -> &str {
        &self.ctx.machine_name
    }

    fn vbm(&self) -> Result<Vbm, DriverError> {
        Vbm::new().map_err(|e| DriverError::Failed(e.to_string()))
    }

    fn key_path(&self) -> PathBuf {
        self.ctx.machine_dir.join("id_ed25519")
    }

    fn target(&self) -> SshTarget {
        SshTarget {
            host: "127.0.0.1".into(),
            port: self.c.ssh_port,
            user: self.c.ssh_user.clone(),
            key: Some(self.key_path()),
            known_hosts: self.ctx.machine_dir.join("known_hosts"),
        }
    }

    fn cidr(&self) -> Result<HostOnlyCidr, DriverError> {
        HostOnlyCidr::parse(&self.c.host_only_cidr).map_err(|e| config_err(e.to_string()))
    }

    /// The VM's state, or `None` when VirtualBox does not know it.
    async fn vm_state(&self, vbm: &Vbm) -> Result<Option<(VmState, String)>, DriverError> {
        match vbm.call(&plan::showvminfo_call(self.vm())).await {
            Ok(out) => {
                let st = VmState::parse(&out.stdout).ok_or_else(|| {
                    step_err("reading the VM state", "showvminfo printed no VMState line")
                })?;
                Ok(Some((st, out.stdout)))
            }
            Err(e) if plan::is_not_found(e.detail()) => Ok(None),
            Err(e) => Err(step_err("reading the VM state", e)),
        }
    }

    async fn require_state(&self, vbm: &Vbm) -> Result<(VmState, String), DriverError> {
        self.vm_state(vbm).await?.ok_or_else(|| {
            DriverError::Failed(format!(
                "VirtualBox has no VM named {:?}; `flotilla rm {}` removes the record",
                self.vm(),
                self.vm()
            ))
        })
    }

    async fn run_steps(
        &self,
        vbm: &Vbm,
        step: &str,
        calls: &[plan::Call],
    ) -> Result<(), DriverError> {
        for c in calls {
            vbm.call(c).await.map_err(|e| step_err(step, e))?;
        }
        Ok(())
    }

    /// Finds or creates the host-only adapter, sets up its DHCP server and
    /// attaches NIC 2 to it; under the VBoxManage lock throughout, so two
    /// machines starting together agree on one adapter.
    async fn setup_network(&mut self, vbm: &Vbm) -> Result<(), DriverError> {
        let step = "setting up the host-only network";
        let cidr = self.cidr()?;
        let _g = vbm::lock().await;
        let list = |vbm: &Vbm| {
            let vbm = vbm.clone();
            async move {
                let out = vbm
                    .run_locked(&plan_call(["list", "hostonlyifs"]))
                    .await
                    .map_err(|e| step_err(step, e))?;
                plan::parse_hostonlyifs(&out.stdout).map_err(|e| step_err(step, e))
            }
        };
        let mut ifs = list(vbm).await?;
        if let Ok(out) = tokio::process::Command::new("ip")
            .args(["-o", "-4", "addr", "show"])
            .output()
            .await
        {
            plan::collision(&String::from_utf8_lossy(&out.stdout), &cidr, &ifs)
                .map_err(|e| step_err(step, e))?;
        }
        let ifname = match plan::pick_hostonly(&ifs, &cidr) {
            Some(n) => n,
            None => {
                let out = vbm
                    .run_locked(&plan_call(["hostonlyif", "create"]))
                    .await
                    .map_err(|e| step_err(step, e))?;
                let name = plan::parse_created_if(&out.stdout).ok_or_else(|| {
                    step_err(
                        step,
                        format!(
                            "VBoxManage hostonlyif create did not name the new adapter: {}",
                            out.stdout.trim()
                        ),
                    )
                })?;
                let mut seen = false;
                for _ in 0..10 {
                    ifs = list(vbm).await?;
                    if ifs.iter().any(|h| h.name == name) {
                        seen = true;
                        break;
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                if !seen {
                    return Err(step_err(
                        step,
                        format!(
                            "the host-only adapter {name} was created but VirtualBox does not list it"
                        ),
                    ));
                }
                vbm.run_locked(&plan::ipconfig_call(&name, &cidr))
                    .await
                    .map_err(|e| step_err(step, e))?;
                name
            }
        };
        let out = vbm
            .run_locked(&plan_call(["list", "dhcpservers"]))
            .await
            .map_err(|e| step_err(step, e))?;
        let servers = plan::parse_dhcpservers(&out.stdout);
        for c in plan::orphan_dhcp_calls(&servers, &ifs) {
            if let Err(e) = vbm.run_locked(&c).await {
                tracing::warn!("({}) removing an orphan DHCP server: {e}", self.vm());
            }
        }
        if let Some(c) = plan::dhcp_call(&servers, &ifname, &cidr, !self.c.host_only_no_dhcp) {
            vbm.run_locked(&c).await.map_err(|e| step_err(step, e))?;
        }
        vbm.run_locked(&plan::nic2_call(
            self.vm(),
            &ifname,
            &self.c.host_only_nic_type,
            &self.c.host_only_promisc_mode,
        ))
        .await
        .map_err(|e| step_err(step, e))?;
        self.c.host_only_adapter = ifname;
        Ok(())
    }

    /// The stored port when it is still free, else one the OS picks.
    fn pick_port(&self) -> Result<u16, DriverError> {
        let bind = |p: u16| std::net::TcpListener::bind(("127.0.0.1", p));
        let l = match self.c.ssh_port {
            0 => bind(0),
            p => bind(p).or_else(|_| bind(0)),
        }
        .map_err(|e| step_err("choosing the SSH port", e))?;
        let port = l
            .local_addr()
            .map_err(|e| step_err("choosing the SSH port", e))?
            .port();
        Ok(port)
    }

    fn vbox_log(&self) -> PathBuf {
        self.ctx
            .machine_dir
            .join(self.vm())
            .join("Logs")
            .join("VBox.log")
    }

    /// Waits until the guest answers SSH on the NAT port, then learns its
    /// host-only address from inside (the MAC of NIC 2 matched against
    /// `ip addr show`), as docker-machine did.
    async fn wait_for_ip(&mut self, vbm: &Vbm) -> Result<(), DriverError> {
        let budget = Duration::from_secs(self.c.boot_timeout);
        let deadline = Instant::now() + budget;
        let target = RemoteTarget::Ssh(self.target());
        let r = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let per_try = left.clamp(Duration::from_secs(1), Duration::from_secs(10));
            match remote::connect(&target, per_try).await {
                Ok(r) => break r,
                Err(e) => {
                    let text = e.to_string();
                    let fatal = text.contains("Permission denied")
                        || text.contains("IDENTIFICATION HAS CHANGED");
                    if fatal || Instant::now() >= deadline {
                        return Err(step_err(
                            "waiting for SSH",
                            format!(
                                "the VM did not answer on 127.0.0.1:{} within {}s: {e}",
                                self.c.ssh_port, self.c.boot_timeout
                            ),
                        ));
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        };
        let step = "waiting for an IP";
        let mut last = String::new();
        let mut ip = None;
        for attempt in 0..5 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_secs(4)).await;
            }
            let (_, info) = self.require_state(vbm).await?;
            let Some(mac) = plan::hostonly_mac(&info) else {
                last = "the VM has no host-only adapter".into();
                break;
            };
            match r.run("ip addr show").await {
                Ok(out) => match plan::ip_for_mac(&out.stdout_str(), &mac) {
                    Some(found) => {
                        ip = Some(found);
                        break;
                    }
                    None => last = format!("no address for MAC {mac} yet"),
                },
                Err(e) => last = e.to_string(),
            }
        }
        r.close().await;
        let ip = ip.ok_or_else(|| step_err(step, last))?;
        self.c.ip_address = ip.to_string();
        Ok(())
    }

    async fn boot(&mut self, vbm: &Vbm) -> Result<(), DriverError> {
        let (state, _) = self.require_state(vbm).await?;
        match plan::start_plan(state, self.vm(), &self.c.ui_type) {
            StartPlan::AlreadyRunning => {}
            StartPlan::Busy => {
                return Err(DriverError::Failed(
                    "the VM is changing state; try again in a moment".into(),
                ));
            }
            StartPlan::Resume(c) => {
                vbm.call(&c)
                    .await
                    .map_err(|e| step_err("resuming the VM", e))?;
            }
            StartPlan::Boot { setup_network } => {
                if setup_network {
                    self.setup_network(vbm).await?;
                }
                self.c.ssh_port = self.pick_port()?;
                let [delete, add] = plan::natpf_calls(self.vm(), self.c.ssh_port);
                // There is no rule to delete on a new VM.
                let _ = vbm.call(&delete).await;
                vbm.call(&add)
                    .await
                    .map_err(|e| step_err("forwarding the SSH port", e))?;
                if let Err(e) = vbm
                    .call(&plan::startvm_call(self.vm(), &self.c.ui_type))
                    .await
                {
                    let last = std::fs::read_to_string(self.vbox_log())
                        .ok()
                        .and_then(|l| l.lines().last().map(str::to_string))
                        .map(|l| format!(" (VBox.log: {})", l.trim()))
                        .unwrap_or_default();
                    return Err(step_err("starting the VM", format!("{e}{last}")));
                }
            }
        }
        if !self.c.no_vtx_check
            && let Ok(log) = std::fs::read_to_string(self.vbox_log())
            && plan::vtx_disabled(&log)
        {
            return Err(step_err(
                "starting the VM",
                "VT-x/AMD-v is disabled or unavailable (VBox.log); enable it in the BIOS, or pass --virtualbox-no-vtx-check",
            ));
        }
        self.c.ip_address.clear();
        self.wait_for_ip(vbm).await
    }
}

fn plan_call<const N: usize>(args: [&str; N]) -> plan::Call {
    args.iter().map(|s| s.to_string()).collect()
}

#[async_trait]
impl Driver for VirtualboxDriver {
    fn name(&self) -> &'static str {
        "virtualbox"
    }

    fn config(&self) -> serde_json::Value {
        serde_json::to_value(&self.c).unwrap_or(serde_json::Value::Null)
    }

    /// VBoxManage present and recent enough, the host-only list readable,
    /// and the boot image at hand (an http(s) image is downloaded into the
    /// cache now, so an unreachable URL fails before anything exists).
    async fn pre_create_check(&self) -> Result<(), DriverError> {
        let vbm = Vbm::new().map_err(|e| match e {
            VbmError::NotFound => DriverError::PreCreate(format!(
                "{e}\nhint: install VirtualBox from https://www.virtualbox.org/wiki/Downloads (or your distribution's virtualbox package), or choose another driver with -d"
            )),
            e => DriverError::PreCreate(e.to_string()),
        })?;
        let out = vbm
            .call(&plan_call(["--version"]))
            .await
            .map_err(|e| DriverError::PreCreate(e.to_string()))?;
        let v = plan::parse_version(&out.stdout).ok_or_else(|| {
            DriverError::PreCreate(format!(
                "cannot read the VirtualBox version from {:?}",
                out.stdout.trim()
            ))
        })?;
        if !plan::version_ok(v) {
            return Err(DriverError::PreCreate(format!(
                "VirtualBox {}.{}.{} is too old; 5.0 or later is needed\nhint: upgrade VirtualBox",
                v.0, v.1, v.2
            )));
        }
        let out = vbm
            .call(&plan_call(["list", "hostonlyifs"]))
            .await
            .map_err(|e| DriverError::PreCreate(e.to_string()))?;
        plan::parse_hostonlyifs(&out.stdout).map_err(|e| DriverError::PreCreate(e.to_string()))?;
        image::fetch(&self.c.boot2docker_url, &self.ctx.store_root)
            .await
            .map_err(|e| {
                DriverError::PreCreate(format!(
                    "{e}\nhint: check --virtualbox-boot2docker-url (an http(s) URL, a file:// URL or a local path)"
                ))
            })?;
        Ok(())
    }

    async fn create(&mut self) -> Result<(), DriverError> {
        let vbm = self.vbm()?;
        let dir = self.ctx.machine_dir.clone();
        let iso = dir.join("boot2docker.iso");
        let src = image::fetch(&self.c.boot2docker_url, &self.ctx.store_root)
            .await
            .map_err(|e| step_err("getting the boot image", e))?;
        std::fs::copy(&src, &iso).map_err(|e| {
            step_err(
                "getting the boot image",
                format!("copying {} to {}: {e}", src.display(), iso.display()),
            )
        })?;
        let key = self.key_path();
        image::ssh_keygen(&key, self.vm())
            .await
            .map_err(|e| step_err("generating the SSH key", e))?;
        let raw = dir.join("disk.raw");
        let disk = dir.join("disk.vdi");
        let pubkey = std::fs::read(key.with_extension("pub"))
            .map_err(|e| step_err("creating the disk", e))?;
        image::write_format_me(&raw, &pubkey).map_err(|e| step_err("creating the disk", e))?;
        let made = self
            .run_steps(
                &vbm,
                "creating the disk",
                &plan::disk_calls(&raw, &disk, self.c.disk_size),
            )
            .await;
        let _ = std::fs::remove_file(&raw);
        made?;
        let share = plan::share(&self.c.share_folder, self.c.no_share)
            .filter(|(d, _)| d.is_dir() || !self.c.share_folder.is_empty());
        let spec = plan::VmSpec {
            name: self.vm().to_string(),
            basefolder: dir.clone(),
            iso,
            disk,
            cpus: self.c.cpu,
            memory_mb: self.c.memory,
            nat_nictype: self.c.nat_nic_type.clone(),
            host_dns_resolver: self.c.host_dns_resolver,
            dns_proxy: self.c.dns_proxy,
            share,
        };
        let calls = plan::create_calls(&spec);
        let (first, rest) = calls.split_at(1);
        self.run_steps(&vbm, "registering the VM", first).await?;
        self.run_steps(&vbm, "configuring the VM", rest).await?;
        self.boot(&vbm).await
    }

    async fn state(&self) -> Result<State, DriverError> {
        let vbm = self.vbm()?;
        match self.vm_state(&vbm).await? {
            Some((s, _)) => Ok(s.to_state()),
            None => Err(DriverError::Failed(format!(
                "VirtualBox has no VM named {:?}",
                self.vm()
            ))),
        }
    }

    async fn ip(&self) -> Result<String, DriverError> {
        if self.c.ip_address.is_empty() {
            return Err(DriverError::NotRunning);
        }
        Ok(self.c.ip_address.clone())
    }

    /// The engine port is 2376, as in docker-machine (provisioning
    /// configures it).
    async fn url(&self) -> Result<String, DriverError> {
        Ok(format!("tcp://{}:2376", self.ip().await?))
    }

    async fn start(&mut self) -> Result<(), DriverError> {
        let vbm = self.vbm()?;
        self.boot(&vbm).await
    }

    /// ACPI shutdown, then wait while the VM still runs (the guest decides
    /// how long its shutdown takes; 2 minutes at most).
    async fn stop(&mut self) -> Result<(), DriverError> {
        let vbm = self.vbm()?;
        let (state, _) = self.require_state(&vbm).await?;
        self.run_steps(&vbm, "stopping the VM", &plan::stop_calls(state, self.vm()))
            .await?;
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let (st, _) = self.require_state(&vbm).await?;
            if st != VmState::Running {
                break;
            }
            if Instant::now() >= deadline {
                return Err(step_err(
                    "stopping the VM",
                    "still running 120s after the ACPI power button; `flotilla kill` powers it off",
                ));
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        self.c.ip_address.clear();
        Ok(())
    }

    async fn restart(&mut self) -> Result<(), DriverError> {
        self.stop().await?;
        self.start().await
    }

    async fn kill(&mut self) -> Result<(), DriverError> {
        let vbm = self.vbm()?;
        let (state, _) = self.require_state(&vbm).await?;
        self.run_steps(
            &vbm,
            "powering off the VM",
            &plan::kill_calls(state, self.vm()),
        )
        .await?;
        self.c.ip_address.clear();
        Ok(())
    }

    /// Powers off and unregisters the VM with its files. A VM VirtualBox
    /// does not know is already gone. The host-only adapter and its DHCP
    /// server stay: other machines may use them.
    async fn remove(&mut self) -> Result<(), DriverError> {
        let vbm = self.vbm()?;
        let state = self.vm_state(&vbm).await?.map(|(s, _)| s);
        self.run_steps(
            &vbm,
            "removing the VM",
            &plan::remove_calls(state, self.vm()),
        )
        .await
    }

    async fn remote(&self) -> Result<RemoteTarget, DriverError> {
        if self.c.ssh_port == 0 {
            return Err(DriverError::NotRunning);
        }
        Ok(RemoteTarget::Ssh(self.target()))
    }

    /// The guest already answered SSH when create returns; this covers a
    /// slow sshd restart only.
    fn boot_timeout(&self) -> Duration {
        Duration::from_secs(self.c.boot_timeout)
    }

    /// A stored IP does not prove the VM still runs (it may have been
    /// stopped from VirtualBox's UI): ask VirtualBox.
    fn url_implies_running(&self) -> bool {
        false
    }
}
