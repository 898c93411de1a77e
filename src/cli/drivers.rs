//! The built-in drivers' `create` flags (`--<driver>-…`, with their
//! environment variables and defaults) and their mapping onto the library's
//! driver options.

use std::path::PathBuf;

use flotilla_core::driver::{DriverOptions, docker, generic, none, virtualbox};
use flotilla_core::engine::{AddrError, EngineAddr};

/// Every built-in driver's create flags, flattened into `create`.
#[derive(Debug, Clone, clap::Args)]
pub struct DriverFlags {
    #[command(flatten)]
    pub none: NoneFlags,
    #[command(flatten)]
    pub generic: GenericFlags,
    #[command(flatten)]
    pub docker: DockerFlags,
    #[command(flatten)]
    pub virtualbox: VirtualboxFlags,
    #[command(flatten)]
    pub qemu: super::qemu::QemuFlags,
    /// Values of a plugin driver's flags, by flag name (filled from the
    /// flags the plugin declared; see `super::plugin`).
    #[arg(skip)]
    pub plugin: std::collections::BTreeMap<String, serde_json::Value>,
}

impl From<DriverFlags> for DriverOptions {
    fn from(f: DriverFlags) -> Self {
        DriverOptions {
            none: f.none.into(),
            generic: f.generic.into(),
            docker: f.docker.into(),
            virtualbox: f.virtualbox.into(),
            qemu: (&f.qemu).into(),
            plugin: f.plugin,
        }
    }
}

fn parse_url(s: &str) -> Result<EngineAddr, String> {
    s.parse().map_err(|e: AddrError| e.reason)
}

#[derive(Debug, Clone, clap::Args)]
pub struct NoneFlags {
    /// URL of the engine to adopt (none driver): tcp://HOST:PORT or unix:///PATH
    #[arg(long = "url", value_name = "URL", value_parser = parse_url)]
    pub url: Option<EngineAddr>,
}

impl From<NoneFlags> for none::NoneOptions {
    fn from(f: NoneFlags) -> Self {
        none::NoneOptions { url: f.url }
    }
}
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "generic driver")]
pub struct GenericFlags {
    /// IP address or host name of the host (generic driver; required)
    #[arg(
        long = "generic-ip-address",
        env = "GENERIC_IP_ADDRESS",
        value_name = "ADDR"
    )]
    pub ip_address: Option<String>,
    /// SSH user (generic driver); non-root users need passwordless sudo
    #[arg(
        long = "generic-ssh-user",
        env = "GENERIC_SSH_USER",
        default_value = "root",
        value_name = "USER"
    )]
    pub ssh_user: String,
    /// SSH private key, copied into the store (generic driver) [default: ssh-agent and ~/.ssh]
    #[arg(long = "generic-ssh-key", env = "GENERIC_SSH_KEY", value_name = "FILE")]
    pub ssh_key: Option<PathBuf>,
    /// SSH port (generic driver)
    #[arg(
        long = "generic-ssh-port",
        env = "GENERIC_SSH_PORT",
        default_value_t = 22,
        value_name = "PORT"
    )]
    pub ssh_port: u16,
    /// Port the engine listens on with TLS (generic driver)
    #[arg(
        long = "generic-engine-port",
        env = "GENERIC_ENGINE_PORT",
        default_value_t = 2376,
        value_name = "PORT"
    )]
    pub engine_port: u16,
}

impl From<GenericFlags> for generic::GenericOptions {
    fn from(f: GenericFlags) -> Self {
        generic::GenericOptions {
            ip_address: f.ip_address,
            ssh_user: f.ssh_user,
            ssh_key: f.ssh_key,
            ssh_port: f.ssh_port,
            engine_port: f.engine_port,
        }
    }
}
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "docker driver")]
pub struct DockerFlags {
    /// Engine that runs the node containers (docker driver)
    #[arg(long = "docker-host", default_value = docker::DEFAULT_HOST, value_name = "URL")]
    pub host: String,
    /// Node image; it must contain dockerd (docker driver)
    #[arg(
        long = "docker-image",
        default_value = "docker:dind",
        value_name = "IMAGE"
    )]
    pub image: String,
    /// Network the node joins (docker driver)
    #[arg(
        long = "docker-network",
        default_value = "bridge",
        value_name = "NETWORK"
    )]
    pub network: String,
    /// Run the node with --privileged instead of the capability set (docker driver)
    #[arg(long = "docker-privileged")]
    pub privileged: bool,
}

impl From<DockerFlags> for docker::DockerOptions {
    fn from(f: DockerFlags) -> Self {
        docker::DockerOptions {
            host: f.host,
            image: f.image,
            network: f.network,
            privileged: f.privileged,
        }
    }
}
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "virtualbox driver")]
pub struct VirtualboxFlags {
    /// Memory of the VM in MB (virtualbox driver)
    #[arg(
        long = "virtualbox-memory",
        env = "VIRTUALBOX_MEMORY_SIZE",
        default_value_t = 1024,
        value_name = "MB"
    )]
    pub memory: u32,
    /// Number of CPUs; 0 uses all of the host's, at most 32 (virtualbox driver)
    #[arg(
        long = "virtualbox-cpu-count",
        env = "VIRTUALBOX_CPU_COUNT",
        default_value_t = 1,
        value_name = "N"
    )]
    pub cpu_count: i32,
    /// Disk size in MB (virtualbox driver)
    #[arg(
        long = "virtualbox-disk-size",
        env = "VIRTUALBOX_DISK_SIZE",
        default_value_t = 20000,
        value_name = "MB"
    )]
    pub disk_size: u64,
    /// Boot ISO: http(s) URL (downloaded once into <store>/cache), file:// URL or local path (virtualbox driver) [default: boot2docker v19.03.12]
    #[arg(
        long = "virtualbox-boot2docker-url",
        env = "VIRTUALBOX_BOOT2DOCKER_URL",
        value_name = "URL"
    )]
    pub boot2docker_url: Option<String>,
    /// Host-only network as the host's address and prefix; VirtualBox ≥ 6.1.28 allows only 192.168.56.0/21 without /etc/vbox/networks.conf (virtualbox driver)
    #[arg(
        long = "virtualbox-hostonly-cidr",
        env = "VIRTUALBOX_HOSTONLY_CIDR",
        default_value = virtualbox::DEFAULT_HOSTONLY_CIDR,
        value_name = "CIDR"
    )]
    pub hostonly_cidr: String,
    /// Host-only NIC type: Am79C970A, Am79C973, 82540EM, 82543GC, 82545EM or virtio (virtualbox driver)
    #[arg(
        long = "virtualbox-hostonly-nictype",
        env = "VIRTUALBOX_HOSTONLY_NIC_TYPE",
        default_value = "82540EM",
        value_name = "TYPE"
    )]
    pub hostonly_nictype: String,
    /// Host-only NIC promiscuous mode: deny, allow-vms or allow-all (virtualbox driver)
    #[arg(
        long = "virtualbox-hostonly-nicpromisc",
        env = "VIRTUALBOX_HOSTONLY_NIC_PROMISC",
        default_value = "deny",
        value_name = "MODE"
    )]
    pub hostonly_nicpromisc: String,
    /// NAT NIC type (virtualbox driver)
    #[arg(
        long = "virtualbox-nat-nictype",
        env = "VIRTUALBOX_NAT_NICTYPE",
        default_value = "82540EM",
        value_name = "TYPE"
    )]
    pub nat_nictype: String,
    /// How the VM is started: headless, gui, sdl or separate (virtualbox driver)
    #[arg(
        long = "virtualbox-ui-type",
        env = "VIRTUALBOX_UI_TYPE",
        default_value = "headless",
        value_name = "TYPE"
    )]
    pub ui_type: String,
    /// Disable the host-only network's DHCP server (virtualbox driver)
    #[arg(
        long = "virtualbox-hostonly-no-dhcp",
        env = "VIRTUALBOX_HOSTONLY_NO_DHCP"
    )]
    pub hostonly_no_dhcp: bool,
    /// Do not share the home directory (/home as hosthome) with the VM (virtualbox driver)
    #[arg(long = "virtualbox-no-share", env = "VIRTUALBOX_NO_SHARE")]
    pub no_share: bool,
    /// Disable the NAT DNS proxy (virtualbox driver)
    #[arg(long = "virtualbox-no-dns-proxy", env = "VIRTUALBOX_NO_DNS_PROXY")]
    pub no_dns_proxy: bool,
    /// Use the host's DNS resolver for NAT (virtualbox driver)
    #[arg(
        long = "virtualbox-host-dns-resolver",
        env = "VIRTUALBOX_HOST_DNS_RESOLVER"
    )]
    pub host_dns_resolver: bool,
    /// Folder to share as DIR:NAME (the name is after the last ':') (virtualbox driver) [default: /home:hosthome]
    #[arg(
        long = "virtualbox-share-folder",
        env = "VIRTUALBOX_SHARE_FOLDER",
        value_name = "DIR:NAME"
    )]
    pub share_folder: Option<String>,
    /// Skip the check of VBox.log for disabled VT-x/AMD-v (virtualbox driver)
    #[arg(long = "virtualbox-no-vtx-check", env = "VIRTUALBOX_NO_VTX_CHECK")]
    pub no_vtx_check: bool,
    /// How long a booting VM may take until it answers SSH and has an IP (virtualbox driver)
    #[arg(
        long = "virtualbox-boot-timeout",
        env = "VIRTUALBOX_BOOT_TIMEOUT",
        default_value_t = 300,
        value_name = "SECS"
    )]
    pub boot_timeout: u64,
}

impl From<VirtualboxFlags> for virtualbox::VirtualboxOptions {
    fn from(f: VirtualboxFlags) -> Self {
        virtualbox::VirtualboxOptions {
            memory: f.memory,
            cpu_count: f.cpu_count,
            disk_size: f.disk_size,
            boot2docker_url: f.boot2docker_url,
            hostonly_cidr: f.hostonly_cidr,
            hostonly_nictype: f.hostonly_nictype,
            hostonly_nicpromisc: f.hostonly_nicpromisc,
            nat_nictype: f.nat_nictype,
            ui_type: f.ui_type,
            hostonly_no_dhcp: f.hostonly_no_dhcp,
            no_share: f.no_share,
            no_dns_proxy: f.no_dns_proxy,
            host_dns_resolver: f.host_dns_resolver,
            share_folder: f.share_folder,
            no_vtx_check: f.no_vtx_check,
            boot_timeout: f.boot_timeout,
        }
    }
}
