//! The `qemu` driver: a local VM run by QEMU (KVM where the host has it,
//! TCG software emulation where not) from a standard cloud image, set up
//! through cloud-init's NoCloud seed and driven through QMP. It is what
//! docker-machine's `kvm` plugin, minikube's `kvm2` and Lima do on Linux,
//! and it replaces `virtualbox` where VirtualBox cannot run.
//!
//! Each machine directory holds the VM: `disk.qcow2` (an overlay on the
//! cached base image), `seed.iso` (the `cidata` seed), `console.log` (the
//! serial console), `qemu-start.log` and `qemu.log` (QEMU's own messages
//! while it starts and once it runs), `qemu.pid`,
//! `qmp.sock`, the machine's SSH key and a `known_hosts` with the VM's host
//! key, which the driver generated and handed over in the seed.
//!
//! Readiness is a real SSH login: a user-network forward accepts TCP
//! connections long before the guest runs sshd.

pub mod accel;
pub mod cmdline;
pub mod image;
pub mod iso9660;
pub mod net;
pub mod options;
pub mod process;
pub mod qmp;
pub mod seed;

use std::collections::HashSet;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{Driver, DriverContext, DriverError, State};
use crate::remote::{self, RemoteTarget, SshTarget};
pub use options::QemuOptions;
use options::{Accel, Network};

/// How long a guest may take to power off after the ACPI button before
/// QEMU is told to quit.
const STOP_TIMEOUT: Duration = Duration::from_secs(60);
/// How long one QMP exchange may take.
const QMP_TIMEOUT: Duration = Duration::from_secs(5);
/// Console lines quoted in a boot failure.
const CONSOLE_LINES: usize = 15;

/// The stored configuration (`config.json`'s `Driver`), with
/// docker-machine's field names where they exist.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Config {
    /// The image as given (path, file:// or http(s) URL).
    #[serde(rename = "ImageURL")]
    image_url: String,
    #[serde(default)]
    image_checksum: String,
    /// The base file the overlay sits on (the cache entry of a download).
    #[serde(default)]
    image_path: String,
    #[serde(default)]
    image_format: String,
    #[serde(rename = "CPU")]
    cpu: u32,
    memory: u32,
    disk_size: u64,
    /// As asked for: auto, kvm or tcg.
    accel: String,
    /// What the last boot used.
    #[serde(default)]
    accel_used: String,
    network: String,
    #[serde(default)]
    bridge: String,
    /// The static address on the bridge; empty on user networking.
    #[serde(rename = "IPAddress", default)]
    ip_address: String,
    #[serde(default)]
    prefix_length: u8,
    #[serde(default)]
    gateway: String,
    #[serde(rename = "MACAddress")]
    mac_address: String,
    qemu_binary: String,
    #[serde(rename = "SSHUser")]
    ssh_user: String,
    /// User networking: the loopback port forwarded to the guest's SSH
    /// (0 until the first boot); bridge: 22.
    #[serde(rename = "SSHPort")]
    ssh_port: u16,
    /// User networking: the loopback port forwarded to the engine; bridge:
    /// 2376.
    engine_port: u16,
    boot_timeout: u64,
    #[serde(rename = "TBSize")]
    tb_size: u32,
    #[serde(default)]
    instance_id: String,
    machine_name: String,
}

fn config_err(message: String) -> DriverError {
    DriverError::Config {
        driver: "qemu",
        message,
    }
}

/// A step's failure: `step: cause`, so the create error and the record
/// name it.
fn step_err(step: &str, e: impl std::fmt::Display) -> DriverError {
    DriverError::Failed(format!("{step}: {e}"))
}

fn valid_user(u: &str) -> bool {
    let mut b = u.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_lowercase() || c == b'_')
        && b.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-')
        && u.len() <= 32
}

/// The state QMP's `query-status` status means.
pub fn state_of(status: &str) -> State {
    match status {
        "running" => State::Running,
        "paused" | "suspended" => State::Paused,
        "shutdown" => State::Stopping,
        "prelaunch" | "inmigrate" | "restore-vm" => State::Starting,
        "save-vm" => State::Saved,
        "internal-error" | "guest-panicked" | "io-error" | "watchdog" => State::Error,
        _ => State::Running,
    }
}

/// Why a boot did not reach an SSH login.
enum BootError {
    /// KVM could not run the guest (it stopped with an internal error).
    Kvm(String),
    /// QEMU itself aborted (a failed assertion in the emulator, not the guest's fault): booted
    /// once more.
    EmulatorCrash(DriverError),
    Other(DriverError),
}

/// Whether QEMU's last messages say the emulator aborted on a failed assertion: QEMU 7.2's
/// multi-threaded TCG hits `iotlb_to_section: Assertion ... failed` now and then while the
/// guest's kernel probes its PCI bus (seen in 1 of about 10 two-VM boots here).
fn emulator_aborted(qemu_messages: &str) -> bool {
    qemu_messages.contains("Assertion") && qemu_messages.contains("failed")
}

impl From<DriverError> for BootError {
    fn from(e: DriverError) -> Self {
        BootError::Other(e)
    }
}

static WARNED_TCG: AtomicBool = AtomicBool::new(false);

/// A VM run by QEMU from a cloud image; the QEMU process, not a hypervisor service, is the VM.
pub struct QemuDriver {
    c: Config,
    checksum: Option<image::Checksum>,
    ctx: DriverContext,
}

impl QemuDriver {
    /// For `create`: checks the flags (an image is required, sizes have minimums, a bridge needs
    /// `--qemu-bridge`, the user cannot be root) and picks the VM's MAC address.
    pub fn from_options(o: &QemuOptions, ctx: DriverContext) -> Result<Self, DriverError> {
        let image = o
            .image
            .clone()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                config_err(
                    "--qemu-image is required (a qcow2 or raw cloud image with cloud-init: a path, file:// or http(s):// URL)"
                        .into(),
                )
            })?;
        let checksum = o
            .image_checksum
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(image::Checksum::parse)
            .transpose()
            .map_err(|e| config_err(e.to_string()))?;
        if o.cpus == 0 || o.cpus > 64 {
            return Err(config_err(format!(
                "--qemu-cpus {} is not between 1 and 64",
                o.cpus
            )));
        }
        if o.memory_mb < 256 {
            return Err(config_err(format!(
                "--qemu-memory {} is too small (at least 256 MB)",
                o.memory_mb
            )));
        }
        if o.disk_size_mb < 1000 {
            return Err(config_err(format!(
                "--qemu-disk-size {} is too small (at least 1000 MB)",
                o.disk_size_mb
            )));
        }
        if !valid_user(&o.ssh_user) {
            return Err(config_err(format!(
                "--qemu-ssh-user {:?} is not a user name cloud-init can create (lower case letters, digits, _ and -)",
                o.ssh_user
            )));
        }
        if o.ssh_user == "root" {
            return Err(config_err(
                "--qemu-ssh-user root: cloud-init's images keep root's login closed; use another name (it gets password-less sudo)".into(),
            ));
        }
        let bridge = o.bridge.clone().unwrap_or_default().trim().to_string();
        let ip = o.ip_address.clone().unwrap_or_default().trim().to_string();
        match o.network {
            Network::Bridge => {
                if bridge.is_empty() {
                    return Err(config_err(
                        "--qemu-network bridge needs --qemu-bridge NAME (a host bridge with an IPv4 address)".into(),
                    ));
                }
                if !ip.is_empty() && ip.parse::<Ipv4Addr>().is_err() {
                    return Err(config_err(format!(
                        "--qemu-ip-address {ip:?} is not an IPv4 address"
                    )));
                }
            }
            Network::User => {
                if !bridge.is_empty() || !ip.is_empty() {
                    return Err(config_err(
                        "--qemu-bridge and --qemu-ip-address need --qemu-network bridge".into(),
                    ));
                }
            }
        }
        if o.boot_timeout_secs == 0 {
            return Err(config_err("--qemu-boot-timeout must be at least 1".into()));
        }
        if o.binary.trim().is_empty() {
            return Err(config_err("--qemu-binary is empty".into()));
        }
        let (ssh_port, engine_port) = match o.network {
            Network::User => (0, 0),
            Network::Bridge => (22, cmdline::GUEST_ENGINE_PORT),
        };
        Ok(QemuDriver {
            c: Config {
                image_url: image,
                image_checksum: checksum
                    .as_ref()
                    .map(|c| format!("sha256:{}", c.hex()))
                    .unwrap_or_default(),
                image_path: String::new(),
                image_format: String::new(),
                cpu: o.cpus,
                memory: o.memory_mb,
                disk_size: o.disk_size_mb,
                accel: o.accel.to_string(),
                accel_used: String::new(),
                network: o.network.to_string(),
                bridge,
                ip_address: ip,
                prefix_length: 0,
                gateway: String::new(),
                mac_address: net::random_mac(),
                qemu_binary: o.binary.trim().to_string(),
                ssh_user: o.ssh_user.clone(),
                ssh_port,
                engine_port,
                boot_timeout: o.boot_timeout_secs,
                tb_size: o.tb_size_mb,
                instance_id: String::new(),
                machine_name: ctx.machine_name.clone(),
            },
            checksum,
            ctx,
        })
    }

    /// From the stored `Driver` object; an unknown `Accel` or `Network` is refused.
    pub fn from_config(v: &serde_json::Value, ctx: DriverContext) -> Result<Self, DriverError> {
        let c: Config = serde_json::from_value(v.clone()).map_err(|e| config_err(e.to_string()))?;
        c.accel.parse::<Accel>().map_err(config_err)?;
        c.network.parse::<Network>().map_err(config_err)?;
        let checksum = (!c.image_checksum.is_empty())
            .then(|| image::Checksum::parse(&c.image_checksum))
            .transpose()
            .map_err(|e| config_err(e.to_string()))?;
        Ok(QemuDriver { c, checksum, ctx })
    }

    fn vm(&self) -> &str {
        &self.ctx.machine_name
    }

    fn network(&self) -> Network {
        self.c.network.parse().unwrap_or_default()
    }

    fn requested_accel(&self) -> Accel {
        self.c.accel.parse().unwrap_or_default()
    }

    fn file(&self, name: &str) -> PathBuf {
        self.ctx.machine_dir.join(name)
    }

    fn pidfile(&self) -> PathBuf {
        self.file("qemu.pid")
    }

    fn console(&self) -> PathBuf {
        self.file("console.log")
    }

    fn qemu_log(&self) -> PathBuf {
        self.file("qemu.log")
    }

    fn start_log(&self) -> PathBuf {
        self.file("qemu-start.log")
    }

    /// QEMU's last messages (start and run logs), without the warning every
    /// start prints about the SeaBIOS serial-console setting.
    fn qemu_messages(&self, n: usize) -> String {
        let mut text = std::fs::read_to_string(self.start_log()).unwrap_or_default();
        text.push('\n');
        text.push_str(&std::fs::read_to_string(self.qemu_log()).unwrap_or_default());
        let kept: String = text
            .lines()
            .filter(|l| !l.contains("fw_cfg item names should be prefixed"))
            .collect::<Vec<_>>()
            .join("\n");
        process::tail(&kept, n)
    }

    fn key_path(&self) -> PathBuf {
        self.file("id_ed25519")
    }

    fn host_key_path(&self) -> PathBuf {
        self.file("host_ed25519")
    }

    /// The QMP socket: in the machine directory, or under the temporary
    /// directory when that path is too long for a Unix socket (108 bytes).
    fn qmp_path(&self) -> PathBuf {
        let p = self.file("qmp.sock");
        if p.as_os_str().len() < 100 {
            return p;
        }
        let d = ring::digest::digest(
            &ring::digest::SHA256,
            self.ctx.machine_dir.as_os_str().as_encoded_bytes(),
        );
        let h: String = d.as_ref()[..8].iter().map(|b| format!("{b:02x}")).collect();
        std::env::temp_dir().join(format!("flotilla-qmp-{h}.sock"))
    }

    fn cache_dir(&self) -> PathBuf {
        self.ctx.store_root.join("cache").join("qemu")
    }

    fn target(&self) -> SshTarget {
        let host = match self.network() {
            Network::User => "127.0.0.1".to_string(),
            Network::Bridge => self.c.ip_address.clone(),
        };
        SshTarget {
            host,
            port: self.c.ssh_port,
            user: self.c.ssh_user.clone(),
            key: Some(self.key_path()),
            known_hosts: self.file("known_hosts"),
        }
    }

    fn live_pid(&self) -> Option<u32> {
        process::live_pid(&self.pidfile())
    }

    /// Removes a pid file and QMP socket that a killed QEMU left behind.
    fn clean_stale(&self) {
        if self.live_pid().is_none() {
            let _ = std::fs::remove_file(self.pidfile());
            let _ = std::fs::remove_file(self.qmp_path());
        }
    }

    async fn qmp(&self) -> Result<qmp::Qmp, qmp::QmpError> {
        qmp::Qmp::connect(&self.qmp_path(), QMP_TIMEOUT).await
    }

    /// The console's last lines, for an error message.
    fn console_tail(&self) -> String {
        let t = process::tail_file(&self.console(), CONSOLE_LINES);
        if t.is_empty() {
            format!("the console ({}) is empty", self.console().display())
        } else {
            format!("the console ({}) ends with:\n{t}", self.console().display())
        }
    }

    /// Writes `known_hosts` with the host key the driver made, under the
    /// name ssh looks the VM up by (`[127.0.0.1]:PORT` or the address).
    fn write_known_hosts(&self) -> Result<(), DriverError> {
        let step = "writing known_hosts";
        let key = std::fs::read_to_string(self.host_key_path().with_extension("pub"))
            .map_err(|e| step_err(step, e))?;
        let t = self.target();
        let name = if t.port == 22 {
            t.host.clone()
        } else {
            format!("[{}]:{}", t.host, t.port)
        };
        let mut fields = key.split_whitespace();
        let (Some(kind), Some(data)) = (fields.next(), fields.next()) else {
            return Err(step_err(
                step,
                "the host key's .pub file is not a public key",
            ));
        };
        crate::store::write_atomic(
            &self.file("known_hosts"),
            format!("{name} {kind} {data}\n").as_bytes(),
            0o600,
        )
        .map_err(|e| step_err(step, e))
    }

    /// Picks (and reserves, in the machine directory) the VM's address on
    /// the bridge, under a store-wide lock so machines created together
    /// get different ones.
    async fn allocate_address(&mut self) -> Result<(), DriverError> {
        let step = "choosing an address on the bridge";
        let cidr = net::bridge_cidr(&self.c.bridge)
            .await
            .map_err(|e| step_err(step, e))?;
        let lock_dir = self.cache_dir();
        std::fs::create_dir_all(&lock_dir).map_err(|e| step_err(step, e))?;
        let lock_path = lock_dir.join("addresses.lock");
        let lock = tokio::task::spawn_blocking(move || -> std::io::Result<std::fs::File> {
            let f = crate::store::open_lock_file(&lock_path)?;
            f.lock()?;
            Ok(f)
        })
        .await
        .map_err(|e| step_err(step, e))?
        .map_err(|e| step_err(step, e))?;
        let mut taken: HashSet<Ipv4Addr> = HashSet::new();
        let machines = self.ctx.store_root.join("machines");
        if let Ok(entries) = std::fs::read_dir(&machines) {
            for e in entries.flatten() {
                if e.path() == self.ctx.machine_dir {
                    continue;
                }
                if let Ok(t) = std::fs::read_to_string(e.path().join("qemu.address")) {
                    let mut f = t.split_whitespace();
                    if f.next() == Some(self.c.bridge.as_str())
                        && let Some(Ok(a)) = f.next().map(str::parse)
                    {
                        taken.insert(a);
                    }
                }
            }
        }
        let addr = if self.c.ip_address.is_empty() {
            taken.extend(net::bridge_neighbours(&self.c.bridge).await);
            net::next_free(cidr, &taken).ok_or_else(|| {
                step_err(
                    step,
                    format!("no free address left in {cidr} (bridge {})", self.c.bridge),
                )
            })?
        } else {
            let a: Ipv4Addr = self
                .c
                .ip_address
                .parse()
                .map_err(|e| step_err(step, format!("{}: {e}", self.c.ip_address)))?;
            if taken.contains(&a) {
                return Err(step_err(
                    step,
                    format!(
                        "{a} is already used by another machine on {}",
                        self.c.bridge
                    ),
                ));
            }
            a
        };
        crate::store::write_atomic(
            &self.file("qemu.address"),
            format!("{} {addr}\n", self.c.bridge).as_bytes(),
            0o644,
        )
        .map_err(|e| step_err(step, e))?;
        drop(lock);
        self.c.ip_address = addr.to_string();
        self.c.prefix_length = cidr.prefix;
        self.c.gateway = cidr.addr.to_string();
        Ok(())
    }

    /// The NIC of the next boot; on user networking the ports are chosen
    /// now (the stored ones when they are still free).
    fn nic(&mut self, fresh_ports: bool) -> Result<cmdline::Nic, DriverError> {
        match self.network() {
            Network::User => {
                let step = "choosing ports";
                let (ps, pe) = if fresh_ports {
                    (0, 0)
                } else {
                    (self.c.ssh_port, self.c.engine_port)
                };
                self.c.ssh_port = net::free_port(ps).map_err(|e| step_err(step, e))?;
                self.c.engine_port = net::free_port(pe).map_err(|e| step_err(step, e))?;
                Ok(cmdline::Nic::User {
                    ssh_port: self.c.ssh_port,
                    engine_port: self.c.engine_port,
                })
            }
            Network::Bridge => {
                if process::is_root() {
                    let script = self.file("qemu-ifup");
                    crate::store::write_atomic(
                        &script,
                        cmdline::ifup_script(&self.c.bridge).as_bytes(),
                        0o700,
                    )
                    .map_err(|e| step_err("writing the tap script", e))?;
                    Ok(cmdline::Nic::Tap { script })
                } else {
                    Ok(cmdline::Nic::Helper {
                        bridge: self.c.bridge.clone(),
                    })
                }
            }
        }
    }

    /// Starts QEMU (daemonized); retries with new ports when a forwarded
    /// port was taken meanwhile.
    async fn spawn(&mut self, kvm: bool) -> Result<(), DriverError> {
        let step = "starting QEMU";
        let mut last = String::new();
        for attempt in 0..3 {
            let nic = self.nic(attempt > 0)?;
            self.write_known_hosts()?;
            let spec = cmdline::VmSpec {
                name: self.vm().to_string(),
                kvm,
                tb_size_mb: self.c.tb_size,
                cpus: self.c.cpu,
                memory_mb: self.c.memory,
                disk: self.file("disk.qcow2"),
                seed: self.file("seed.iso"),
                nic,
                mac: self.c.mac_address.clone(),
                qmp: self.qmp_path(),
                console: self.console(),
                pidfile: self.pidfile(),
                log: self.qemu_log(),
                sercon: self.file("sercon-port"),
            };
            std::fs::write(&spec.sercon, cmdline::SERCON_PORT).map_err(|e| step_err(step, e))?;
            let _ = std::fs::remove_file(self.qemu_log());
            let log = std::fs::File::create(self.start_log()).map_err(|e| step_err(step, e))?;
            let status = tokio::process::Command::new(&self.c.qemu_binary)
                .args(cmdline::args(&spec))
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(log)
                .status()
                .await
                .map_err(|e| step_err(step, format!("running {}: {e}", self.c.qemu_binary)))?;
            if status.success() {
                self.c.accel_used = if kvm { "kvm" } else { "tcg" }.to_string();
                return Ok(());
            }
            last = self.qemu_messages(10);
            let port_taken = last.contains("host forwarding rule");
            if !(port_taken && self.network() == Network::User) {
                break;
            }
        }
        let hint = if last.contains("bridge helper") || last.contains("bridge.conf") {
            format!(
                "\nhint: as a non-root user the bridge must be allowed in /etc/qemu/bridge.conf (a line `allow {}`) and qemu-bridge-helper must be setuid root",
                self.c.bridge
            )
        } else {
            String::new()
        };
        Err(step_err(
            step,
            format!(
                "{} failed: {}{hint}",
                self.c.qemu_binary,
                if last.is_empty() {
                    "no message".to_string()
                } else {
                    last
                }
            ),
        ))
    }

    /// Stops a VM that did not boot: QMP quit, then SIGKILL.
    async fn halt(&self) {
        if let Some(pid) = self.live_pid() {
            if let Ok(mut q) = self.qmp().await {
                let _ = q.quit().await;
            }
            if !process::wait_gone(&self.pidfile(), Duration::from_secs(5)).await {
                process::kill9(pid).await;
                let _ = process::wait_gone(&self.pidfile(), Duration::from_secs(5)).await;
            }
        }
        self.clean_stale();
    }

    /// Waits until the guest accepts an SSH login, watching the process and
    /// its run state meanwhile so a crash is reported at once.
    async fn wait_ready(&self, kvm: bool) -> Result<(), BootError> {
        let step = "waiting for SSH";
        let budget = Duration::from_secs(self.c.boot_timeout);
        let deadline = Instant::now() + budget;
        let target = RemoteTarget::Ssh(self.target());
        let mut last_err = String::new();
        loop {
            if self.live_pid().is_none() {
                let messages = self.qemu_messages(10);
                let log = if messages.is_empty() {
                    String::new()
                } else {
                    format!(" ({messages})")
                };
                let e = step_err(
                    step,
                    format!("QEMU exited during the boot{log}; {}", self.console_tail()),
                );
                if emulator_aborted(&messages) {
                    return Err(BootError::EmulatorCrash(e));
                }
                return Err(e.into());
            }
            if let Ok(mut q) = self.qmp().await
                && let Ok(status) = q.status().await
            {
                match status.as_str() {
                    "internal-error" if kvm => {
                        let said: Vec<String> = self
                            .qemu_messages(200)
                            .lines()
                            .filter(|l| l.contains("KVM") || l.contains("failure"))
                            .map(str::to_string)
                            .collect();
                        return Err(BootError::Kvm(format!(
                            "KVM could not run the guest: QEMU stopped it with an internal error{}",
                            if said.is_empty() {
                                String::new()
                            } else {
                                format!(" ({})", said.join("; "))
                            }
                        )));
                    }
                    "internal-error" | "guest-panicked" | "shutdown" => {
                        return Err(step_err(
                            step,
                            format!(
                                "the guest stopped during the boot (QEMU status {status}); {}",
                                self.console_tail()
                            ),
                        )
                        .into());
                    }
                    _ => {}
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let last = if last_err.is_empty() {
                    String::new()
                } else {
                    format!(" (last attempt: {last_err})")
                };
                return Err(step_err(
                    step,
                    format!(
                        "the VM did not accept an SSH login at {} within {}s{last}; {}",
                        self.target().describe(),
                        self.c.boot_timeout,
                        self.console_tail()
                    ),
                )
                .into());
            }
            let per_try = left.clamp(Duration::from_secs(1), Duration::from_secs(10));
            match remote::connect(&target, per_try).await {
                Ok(r) => {
                    r.close().await;
                    return Ok(());
                }
                Err(e) => {
                    let text = e.to_string();
                    if text.contains("IDENTIFICATION HAS CHANGED")
                        || text.contains("Host key verification failed")
                    {
                        return Err(step_err(
                            step,
                            format!(
                                "the VM's SSH host key is not the one flotilla gave it (the image may bake its own keys and ignore cloud-init's ssh_keys): {text}"
                            ),
                        )
                        .into());
                    }
                    last_err = text.lines().next().unwrap_or_default().to_string();
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// Boots the VM and waits for an SSH login. `auto` falls back to TCG
    /// when KVM cannot run the guest.
    async fn boot(&mut self) -> Result<(), DriverError> {
        if self.live_pid().is_some() {
            // Running already; a paused VM (QMP `stop`) is resumed.
            let mut q = self
                .qmp()
                .await
                .map_err(|e| step_err("resuming the VM", e))?;
            let resume = match q.status().await.as_deref() {
                Ok("paused") => Some("cont"),
                Ok("suspended") => Some("system_wakeup"),
                _ => None,
            };
            if let Some(cmd) = resume {
                q.execute(cmd, None)
                    .await
                    .map_err(|e| step_err("resuming the VM", e))?;
            }
            return Ok(());
        }
        self.clean_stale();
        let requested = self.requested_accel();
        let choice = accel::choose(requested);
        if let Some(why) = &choice.fallback_reason
            && !WARNED_TCG.swap(true, Ordering::SeqCst)
        {
            tracing::warn!(
                "({}) using TCG software emulation, which is several times slower than KVM: {why}",
                self.vm()
            );
        }
        self.spawn(choice.kvm).await?;
        let mut first = self.wait_ready(choice.kvm).await;
        if let Err(BootError::EmulatorCrash(e)) = &first {
            tracing::warn!(
                "({}) QEMU aborted during the boot; booting again: {e}",
                self.vm()
            );
            self.halt().await;
            self.spawn(choice.kvm).await?;
            first = self.wait_ready(choice.kvm).await;
        }
        match first {
            Ok(()) => Ok(()),
            Err(BootError::Kvm(why)) if requested == Accel::Auto => {
                accel::mark_kvm_failed();
                tracing::warn!("({}) {why}; booting again under TCG", self.vm());
                self.halt().await;
                self.spawn(false).await?;
                match self.wait_ready(false).await {
                    Ok(()) => Ok(()),
                    Err(BootError::Kvm(why)) => {
                        self.halt().await;
                        Err(step_err("waiting for SSH", why))
                    }
                    Err(BootError::Other(e) | BootError::EmulatorCrash(e)) => {
                        self.halt().await;
                        Err(e)
                    }
                }
            }
            Err(BootError::Kvm(why)) => {
                self.halt().await;
                Err(step_err(
                    "waiting for SSH",
                    format!(
                        "{why}\nhint: --qemu-accel tcg (or auto) runs the VM under software emulation"
                    ),
                ))
            }
            Err(BootError::Other(e) | BootError::EmulatorCrash(e)) => {
                self.halt().await;
                Err(e)
            }
        }
    }
}

#[async_trait]
impl Driver for QemuDriver {
    fn name(&self) -> &'static str {
        "qemu"
    }

    fn config(&self) -> serde_json::Value {
        serde_json::to_value(&self.c).unwrap_or(serde_json::Value::Null)
    }

    /// The emulator and qemu-img run, the accelerator asked for is there,
    /// the bridge exists with an address, and the image is at hand (an
    /// http(s) image is downloaded into the cache now, so an unreachable
    /// URL fails before anything exists) and is a disk image that fits the
    /// disk size.
    async fn pre_create_check(&self) -> Result<(), DriverError> {
        let pre = DriverError::PreCreate;
        let version = tokio::process::Command::new(&self.c.qemu_binary)
            .arg("--version")
            .stdin(std::process::Stdio::null())
            .output()
            .await
            .map_err(|e| {
                pre(format!(
                    "cannot run {}: {e}\nhint: install QEMU (Debian/Ubuntu: apt-get install qemu-system-x86 qemu-utils, from one suite), or point --qemu-binary at it",
                    self.c.qemu_binary
                ))
            })?;
        if !version.status.success() {
            return Err(pre(format!(
                "{} --version failed: {}",
                self.c.qemu_binary,
                String::from_utf8_lossy(&version.stderr).trim()
            )));
        }
        for tool in ["qemu-img", "ssh-keygen"] {
            let ok = tokio::process::Command::new(tool)
                .arg(if tool == "qemu-img" {
                    "--version"
                } else {
                    "-?"
                })
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .await;
            if let Err(e) = ok {
                return Err(pre(format!(
                    "cannot run {tool}: {e}\nhint: install {}",
                    if tool == "qemu-img" {
                        "qemu-utils"
                    } else {
                        "openssh-client"
                    }
                )));
            }
        }
        if self.requested_accel() == Accel::Kvm {
            let facts = accel::HostFacts::read();
            if let Err(e) = &facts.dev_kvm {
                return Err(pre(format!(
                    "--qemu-accel kvm: {e}\nhint: --qemu-accel tcg (or auto) runs the VM under software emulation"
                )));
            }
            if let Err(e) = accel::kvm_usable(&facts) {
                tracing::warn!("({}) --qemu-accel kvm: {e}", self.vm());
            }
        }
        if self.network() == Network::Bridge {
            let b = &self.c.bridge;
            if !net::bridge_exists(b) {
                return Err(pre(format!(
                    "bridge {b} does not exist\nhint: create it (as root): ip link add {b} type bridge && ip addr add 10.55.0.1/24 dev {b} && ip link set {b} up"
                )));
            }
            let cidr = net::bridge_cidr(b).await.map_err(pre)?;
            if let Ok(a) = self.c.ip_address.parse::<Ipv4Addr>()
                && (!cidr.contains(a) || a == cidr.addr)
            {
                return Err(pre(format!(
                    "--qemu-ip-address {a} is not a free host address of {b}'s subnet {cidr}"
                )));
            }
            if !process::is_root() && !Path::new("/usr/lib/qemu/qemu-bridge-helper").exists() {
                return Err(pre(format!(
                    "bridge networking needs root or qemu-bridge-helper (with `allow {b}` in /etc/qemu/bridge.conf)"
                )));
            }
        }
        let path = image::fetch(&self.c.image_url, self.checksum.as_ref(), &self.cache_dir())
            .await
            .map_err(|e| {
                pre(format!(
                    "{e}\nhint: --qemu-image takes a qcow2 or raw cloud image: a path, file:// or http(s):// URL"
                ))
            })?;
        let info = image::info(&path).await.map_err(|e| pre(e.to_string()))?;
        if info.virtual_size > self.c.disk_size << 20 {
            return Err(pre(format!(
                "--qemu-disk-size {} MB is smaller than the image's {} MB",
                self.c.disk_size,
                info.virtual_size.div_ceil(1 << 20)
            )));
        }
        Ok(())
    }

    async fn create(&mut self) -> Result<(), DriverError> {
        let step = "getting the image";
        let base = image::fetch(&self.c.image_url, self.checksum.as_ref(), &self.cache_dir())
            .await
            .map_err(|e| step_err(step, e))?;
        let info = image::info(&base).await.map_err(|e| step_err(step, e))?;
        let base = std::fs::canonicalize(&base).unwrap_or(base);
        self.c.image_path = base.display().to_string();
        self.c.image_format = info.format.clone();

        let step = "generating the SSH keys";
        super::virtualbox::image::ssh_keygen(&self.key_path(), self.vm())
            .await
            .map_err(|e| step_err(step, e))?;
        super::virtualbox::image::ssh_keygen(&self.host_key_path(), self.vm())
            .await
            .map_err(|e| step_err(step, e))?;

        if self.network() == Network::Bridge {
            self.allocate_address().await?;
        }

        let step = "creating the disk";
        let size_mb = self.c.disk_size.max(info.virtual_size.div_ceil(1 << 20));
        let out = tokio::process::Command::new("qemu-img")
            .args(["create", "-q", "-f", "qcow2", "-b"])
            .arg(&base)
            .args(["-F", &info.format])
            .arg(self.file("disk.qcow2"))
            .arg(format!("{size_mb}M"))
            .stdin(std::process::Stdio::null())
            .output()
            .await
            .map_err(|e| step_err(step, format!("running qemu-img: {e}")))?;
        if !out.status.success() {
            return Err(step_err(
                step,
                format!(
                    "qemu-img create failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
            ));
        }

        let step = "writing the cloud-init seed";
        let suffix: u32 = rand::random();
        self.c.instance_id = format!("flotilla-{}-{suffix:08x}", self.vm());
        let read = |p: PathBuf| std::fs::read_to_string(&p).map_err(|e| step_err(step, e));
        let network = match self.network() {
            Network::User => None,
            Network::Bridge => Some(seed::StaticNet {
                mac: self.c.mac_address.clone(),
                address: self.c.ip_address.parse().map_err(|e| step_err(step, e))?,
                prefix: self.c.prefix_length,
                gateway: self.c.gateway.parse().map_err(|e| step_err(step, e))?,
            }),
        };
        let s = seed::Seed {
            hostname: self.vm().to_string(),
            instance_id: self.c.instance_id.clone(),
            user: self.c.ssh_user.clone(),
            authorized_key: read(self.key_path().with_extension("pub"))?,
            host_key_private: read(self.host_key_path())?,
            host_key_public: read(self.host_key_path().with_extension("pub"))?,
            network,
        };
        s.write(&self.file("seed.iso"))
            .map_err(|e| step_err(step, e))?;
        // The seed holds the private host key; no second copy is kept.
        let _ = std::fs::remove_file(self.host_key_path());

        self.boot().await
    }

    async fn state(&self) -> Result<State, DriverError> {
        let Some(pid) = self.live_pid() else {
            return Ok(State::Stopped);
        };
        let mut q = self.qmp().await.map_err(|e| {
            DriverError::Failed(format!(
                "QEMU runs (pid {pid}) but QMP does not answer: {e}"
            ))
        })?;
        let status = q.status().await.map_err(|e| {
            DriverError::Failed(format!(
                "QEMU runs (pid {pid}) but QMP does not answer: {e}"
            ))
        })?;
        Ok(state_of(&status))
    }

    async fn ip(&self) -> Result<String, DriverError> {
        match self.network() {
            Network::User => Ok("127.0.0.1".into()),
            Network::Bridge if self.c.ip_address.is_empty() => Err(DriverError::NotRunning),
            Network::Bridge => Ok(self.c.ip_address.clone()),
        }
    }

    async fn url(&self) -> Result<String, DriverError> {
        if self.c.engine_port == 0 {
            return Err(DriverError::NotRunning);
        }
        Ok(format!("tcp://{}:{}", self.ip().await?, self.c.engine_port))
    }

    async fn start(&mut self) -> Result<(), DriverError> {
        if !self.file("disk.qcow2").exists() {
            return Err(step_err(
                "starting the VM",
                format!(
                    "its disk {} is missing; `flotilla rm {}` removes the record",
                    self.file("disk.qcow2").display(),
                    self.vm()
                ),
            ));
        }
        self.boot().await
    }

    /// The ACPI power button, then QEMU `quit` when the guest has not
    /// powered off within a minute.
    async fn stop(&mut self) -> Result<(), DriverError> {
        let Some(pid) = self.live_pid() else {
            self.clean_stale();
            return Ok(());
        };
        let asked = match self.qmp().await {
            Ok(mut q) => q.execute("system_powerdown", None).await.is_ok(),
            Err(_) => false,
        };
        if !asked || !process::wait_gone(&self.pidfile(), STOP_TIMEOUT).await {
            tracing::warn!(
                "({}) the guest did not power off within {}s; quitting QEMU",
                self.vm(),
                STOP_TIMEOUT.as_secs()
            );
            if let Ok(mut q) = self.qmp().await {
                let _ = q.quit().await;
            }
            if !process::wait_gone(&self.pidfile(), Duration::from_secs(10)).await {
                process::kill9(pid).await;
                process::wait_gone(&self.pidfile(), Duration::from_secs(5)).await;
            }
        }
        self.clean_stale();
        Ok(())
    }

    async fn restart(&mut self) -> Result<(), DriverError> {
        self.stop().await?;
        self.start().await
    }

    /// QEMU `quit` (the power cord), SIGKILL when QMP does not answer.
    async fn kill(&mut self) -> Result<(), DriverError> {
        self.halt().await;
        if let Some(pid) = self.live_pid() {
            return Err(DriverError::Failed(format!(
                "QEMU (pid {pid}) is still running after SIGKILL"
            )));
        }
        Ok(())
    }

    /// Powers the VM off. Its files are in the machine directory, which the
    /// store removes; only a QMP socket outside it is removed here. The
    /// cached base image stays for other machines.
    async fn remove(&mut self) -> Result<(), DriverError> {
        self.kill().await?;
        let _ = std::fs::remove_file(self.qmp_path());
        Ok(())
    }

    async fn remote(&self) -> Result<RemoteTarget, DriverError> {
        if self.c.ssh_port == 0 {
            return Err(DriverError::NotRunning);
        }
        Ok(RemoteTarget::Ssh(self.target()))
    }

    /// The guest already accepted a login when create or start returns;
    /// this covers the engine's restart during provisioning.
    fn boot_timeout(&self) -> Duration {
        Duration::from_secs(self.c.boot_timeout)
    }

    /// Stored ports or an address do not prove the VM runs: ask QEMU.
    fn url_implies_running(&self) -> bool {
        false
    }

    fn engine_listen_port(&self) -> Option<u16> {
        match self.network() {
            Network::User => Some(cmdline::GUEST_ENGINE_PORT),
            Network::Bridge => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_emulator_assertion_is_told_from_a_guest_failure() {
        assert!(emulator_aborted(
            "qemu-system-x86_64: system/physmem.c:2678: iotlb_to_section: Assertion `section_index < d->map.sections_nb' failed."
        ));
        assert!(!emulator_aborted(
            "qemu-system-x86_64: -drive file=x: Could not open 'x': No such file or directory"
        ));
        assert!(!emulator_aborted(""));
    }

    fn ctx(dir: &Path) -> DriverContext {
        DriverContext {
            machine_name: "vm1".into(),
            machine_dir: dir.join("machines/vm1"),
            store_root: dir.to_path_buf(),
        }
    }

    fn opts() -> QemuOptions {
        QemuOptions {
            image: Some("/img/debian.qcow2".into()),
            ..QemuOptions::default()
        }
    }

    #[test]
    fn options_are_checked() {
        let d = Path::new("/s");
        let e = |o: QemuOptions| {
            QemuDriver::from_options(&o, ctx(d))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(e(QemuOptions::default()).contains("--qemu-image is required"));
        assert!(
            e(QemuOptions {
                network: Network::Bridge,
                ..opts()
            })
            .contains("--qemu-bridge")
        );
        assert!(
            e(QemuOptions {
                bridge: Some("br0".into()),
                ..opts()
            })
            .contains("need --qemu-network bridge")
        );
        assert!(
            e(QemuOptions {
                memory_mb: 100,
                ..opts()
            })
            .contains("too small")
        );
        assert!(
            e(QemuOptions {
                ssh_user: "Bad User".into(),
                ..opts()
            })
            .contains("--qemu-ssh-user")
        );
        assert!(
            e(QemuOptions {
                image_checksum: Some("md5:x".into()),
                ..opts()
            })
            .contains("not a SHA-256")
        );
        assert!(
            e(QemuOptions {
                network: Network::Bridge,
                bridge: Some("br0".into()),
                ip_address: Some("10.0.0.300".into()),
                ..opts()
            })
            .contains("not an IPv4 address")
        );
    }

    #[test]
    fn the_config_round_trips_and_names_the_fields_like_docker_machine() {
        let d = QemuDriver::from_options(&opts(), ctx(Path::new("/s"))).unwrap();
        let v = d.config();
        assert_eq!(v["ImageURL"], "/img/debian.qcow2");
        assert_eq!(v["CPU"], 2);
        assert_eq!(v["Memory"], 1024);
        assert_eq!(v["Accel"], "auto");
        assert_eq!(v["Network"], "user");
        assert_eq!(v["SSHPort"], 0);
        assert_eq!(v["SSHUser"], "flotilla");
        let back = QemuDriver::from_config(&v, ctx(Path::new("/s"))).unwrap();
        assert_eq!(back.config(), v);
        let mut bad = v.clone();
        bad["Accel"] = "hvf".into();
        assert!(QemuDriver::from_config(&bad, ctx(Path::new("/s"))).is_err());
    }

    #[tokio::test]
    async fn user_networking_reaches_the_vm_through_loopback_forwards() {
        let mut d = QemuDriver::from_options(&opts(), ctx(Path::new("/s"))).unwrap();
        assert!(matches!(d.url().await, Err(DriverError::NotRunning)));
        assert!(matches!(d.remote().await, Err(DriverError::NotRunning)));
        d.c.ssh_port = 40022;
        d.c.engine_port = 42376;
        assert_eq!(d.url().await.unwrap(), "tcp://127.0.0.1:42376");
        assert_eq!(d.engine_listen_port(), Some(2376));
        let t = d.target();
        assert_eq!((t.host.as_str(), t.port), ("127.0.0.1", 40022));
        assert_eq!(t.known_hosts, Path::new("/s/machines/vm1/known_hosts"));
    }

    #[tokio::test]
    async fn bridged_vms_are_reached_at_their_address() {
        let o = QemuOptions {
            network: Network::Bridge,
            bridge: Some("br0".into()),
            ..opts()
        };
        let mut d = QemuDriver::from_options(&o, ctx(Path::new("/s"))).unwrap();
        d.c.ip_address = "10.55.0.2".into();
        assert_eq!(d.url().await.unwrap(), "tcp://10.55.0.2:2376");
        assert_eq!(d.engine_listen_port(), None);
        assert_eq!(d.target().port, 22);
    }

    #[test]
    fn a_long_machine_directory_moves_the_qmp_socket() {
        let long = Path::new("/s").join("x".repeat(120));
        let d = QemuDriver::from_options(&opts(), ctx(&long)).unwrap();
        let p = d.qmp_path();
        assert!(p.as_os_str().len() < 100, "{}", p.display());
        let short = QemuDriver::from_options(&opts(), ctx(Path::new("/s"))).unwrap();
        assert_eq!(short.qmp_path(), Path::new("/s/machines/vm1/qmp.sock"));
    }

    #[test]
    fn qmp_states_map_to_machine_states() {
        assert_eq!(state_of("running"), State::Running);
        assert_eq!(state_of("paused"), State::Paused);
        assert_eq!(state_of("shutdown"), State::Stopping);
        assert_eq!(state_of("internal-error"), State::Error);
        assert_eq!(state_of("guest-panicked"), State::Error);
        assert_eq!(state_of("prelaunch"), State::Starting);
    }
}
