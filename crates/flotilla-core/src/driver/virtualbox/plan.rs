//! The VirtualBox planner: pure functions from the driver's configuration
//! and VBoxManage's parsed outputs to the exact argument lists to run.
//!
//! Nothing here runs a process, so every decision docker-machine's
//! `virtualbox_test.go` / `network_test.go` covered (create sequence,
//! host-only reuse vs creation, DHCP add/modify/skip, state mapping,
//! removal from each state, the "object is not ready" retry) is unit tested
//! as plain data. The I/O layer (`super::vbm`) only executes the plans.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use crate::driver::State;

/// One VBoxManage invocation (without the program name).
pub type Call = Vec<String>;

fn call<I, S>(args: I) -> Call
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    args.into_iter().map(Into::into).collect()
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

/// A planning error: bad configuration or VirtualBox in a state flotilla
/// will not guess its way out of.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Not `A.B.C.D/N`, or the host part is the broadcast address.
    #[error(
        "invalid host-only cidr {0:?}: expected an IPv4 host address and prefix, e.g. 192.168.56.1/24"
    )]
    BadCidr(String),
    /// The address is the network's own (the host part is zero); the second field is a valid
    /// example.
    #[error(
        "host-only cidr {0} must be given with a host address, not a network address (for example {1})"
    )]
    NetworkAddress(String, String),
    /// The prefix is outside /8–/30.
    #[error("host-only cidr {0}: the prefix must be between /8 and /30")]
    BadPrefix(String),
    /// Two host-only adapters share a name, so flotilla cannot tell which one to use.
    #[error(
        "VirtualBox has several host-only adapters named {0:?}; remove one (VBoxManage hostonlyif remove NAME)"
    )]
    DuplicateName(String),
    /// Two host-only adapters share an address, so flotilla cannot tell which one to use.
    #[error(
        "VirtualBox has several host-only adapters with the IP {0}; remove one (VBoxManage hostonlyif remove NAME)"
    )]
    DuplicateIp(Ipv4Addr),
    /// The host-only network is already a host interface's network (docker-machine's check).
    #[error(
        "host-only cidr {cidr} conflicts with the host interface {iface} ({addr}); choose another --virtualbox-hostonly-cidr"
    )]
    Collision {
        /// The host-only network asked for.
        cidr: String,
        /// The host interface on that network.
        iface: String,
        /// The interface's address and prefix.
        addr: String,
    },
    /// VBoxManage printed something the parser does not understand.
    #[error("cannot read VBoxManage's answer to `{what}`: {detail}")]
    Parse {
        /// The command whose output it was.
        what: &'static str,
        /// What did not parse.
        detail: String,
    },
}

// ---------------------------------------------------------------- CIDR --

/// The host-only network: the host's address on it and the prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostOnlyCidr {
    /// The host's address on the network (never the network or broadcast address).
    pub ip: Ipv4Addr,
    /// The prefix length, 8 to 30.
    pub prefix: u8,
}

impl HostOnlyCidr {
    /// Parses `A.B.C.D/N`; the host part must not be all zeros (docker-
    /// machine's `host-only cidr must be specified with a host address`).
    pub fn parse(s: &str) -> Result<Self, PlanError> {
        let s = s.trim();
        let (ip, prefix) = s
            .split_once('/')
            .ok_or_else(|| PlanError::BadCidr(s.to_string()))?;
        let ip: Ipv4Addr = ip.parse().map_err(|_| PlanError::BadCidr(s.to_string()))?;
        let prefix: u8 = prefix
            .parse()
            .map_err(|_| PlanError::BadCidr(s.to_string()))?;
        if !(8..=30).contains(&prefix) {
            return Err(PlanError::BadPrefix(s.to_string()));
        }
        let c = HostOnlyCidr { ip, prefix };
        if c.ip == c.network() {
            let example = HostOnlyCidr {
                ip: Ipv4Addr::from(u32::from(c.network()) + 1),
                prefix,
            };
            return Err(PlanError::NetworkAddress(
                s.to_string(),
                example.to_string(),
            ));
        }
        if c.ip == c.broadcast() {
            return Err(PlanError::BadCidr(s.to_string()));
        }
        Ok(c)
    }

    /// The netmask as a host-order integer.
    pub fn mask_bits(&self) -> u32 {
        u32::MAX << (32 - u32::from(self.prefix))
    }

    /// The netmask, dotted (what VBoxManage's `--netmask` takes).
    pub fn netmask(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.mask_bits())
    }

    /// The network's own address (host part zero).
    pub fn network(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.ip) & self.mask_bits())
    }

    /// The network's broadcast address (host part all ones).
    pub fn broadcast(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.network()) | !self.mask_bits())
    }

    /// Whether `ip` is on this network.
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & self.mask_bits() == u32::from(self.network())
    }

    /// Whether VirtualBox ≥ 6.1.28 accepts it without
    /// `/etc/vbox/networks.conf`: inside 192.168.56.0/21.
    pub fn allowed_by_default(&self) -> bool {
        let allowed = HostOnlyCidr {
            ip: Ipv4Addr::new(192, 168, 56, 1),
            prefix: 21,
        };
        self.prefix >= 21 && allowed.contains(self.ip)
    }

    /// The DHCP server's address and its lease range. Deterministic (docker-
    /// machine picked a random `.2`–`.25`, which made re-runs modify the
    /// server for nothing): the first address of the network that is not
    /// the host's. Leases: `.100`–`.254` up to /24, else the addresses after
    /// the server up to the last usable one.
    pub fn dhcp(&self) -> DhcpConfig {
        let net = u32::from(self.network());
        let first = net + 1;
        let server = if u32::from(self.ip) == first {
            first + 1
        } else {
            first
        };
        let (lower, upper) = if self.prefix <= 24 {
            let base = u32::from(self.ip) & 0xffff_ff00;
            (base + 100, base + 254)
        } else {
            (server + 1, u32::from(self.broadcast()) - 1)
        };
        DhcpConfig {
            ip: Ipv4Addr::from(server),
            netmask: self.netmask(),
            lower: Ipv4Addr::from(lower),
            upper: Ipv4Addr::from(upper),
        }
    }
}

impl std::fmt::Display for HostOnlyCidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.ip, self.prefix)
    }
}

/// Converts a dotted netmask to a prefix length; `None` for a mask that is
/// not contiguous.
pub fn mask_prefix(mask: Ipv4Addr) -> Option<u8> {
    let m = u32::from(mask);
    let ones = m.leading_ones();
    (m.checked_shl(ones).unwrap_or(0) == 0).then_some(ones as u8)
}

/// The host-only network's DHCP server as flotilla wants it ([`HostOnlyCidr::dhcp`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DhcpConfig {
    /// The server's own address.
    pub ip: Ipv4Addr,
    /// The network's netmask.
    pub netmask: Ipv4Addr,
    /// The first address leased.
    pub lower: Ipv4Addr,
    /// The last address leased.
    pub upper: Ipv4Addr,
}

// ------------------------------------------------------------- parsing --

/// `showvminfo --machinereadable`: `key="value"` or `"key"="value"` lines.
pub fn parse_machinereadable(text: &str) -> BTreeMap<String, String> {
    let unquote = |s: &str| {
        let s = s.trim();
        s.strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(s)
            .to_string()
    };
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (unquote(k), unquote(v)))
        .collect()
}

/// A VM's state as VirtualBox names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VmState {
    /// `running`.
    Running,
    /// `paused`.
    Paused,
    /// `saved`: suspended to disk.
    Saved,
    /// `poweroff`: shut down.
    PowerOff,
    /// `aborted`: the VM process died; treated like `poweroff`.
    Aborted,
    /// Any transient state (starting, stopping, saving, restoring, …).
    Other,
}

impl VmState {
    /// From `showvminfo --machinereadable`'s `VMState`; `None` when it has none.
    pub fn parse(showvminfo: &str) -> Option<VmState> {
        let info = parse_machinereadable(showvminfo);
        Some(match info.get("VMState")?.as_str() {
            "running" => VmState::Running,
            "paused" => VmState::Paused,
            "saved" => VmState::Saved,
            "poweroff" => VmState::PowerOff,
            "aborted" => VmState::Aborted,
            _ => VmState::Other,
        })
    }

    /// docker-machine's mapping: poweroff and aborted are both Stopped.
    pub fn to_state(self) -> State {
        match self {
            VmState::Running => State::Running,
            VmState::Paused => State::Paused,
            VmState::Saved => State::Saved,
            VmState::PowerOff | VmState::Aborted => State::Stopped,
            VmState::Other => State::None,
        }
    }
}

/// Whether VBoxManage's stderr says the VM is not registered.
pub fn is_not_found(stderr: &str) -> bool {
    stderr.contains("Could not find a registered machine")
}

/// docker-machine retried while VirtualBox's objects were still locked by a
/// previous session.
pub fn should_retry(stderr: &str) -> bool {
    stderr.contains("error: The object is not ready")
}

/// A call that exits 0 may still have failed: VBoxManage reports some
/// errors only on stderr.
pub fn stderr_failed(stderr: &str) -> bool {
    stderr.contains("error:")
}

/// `VBoxManage --version` (`7.0.14r161095`, `6.1.50_Ubuntur161033`).
pub fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let t = text.trim();
    let digits: String = t
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let mut it = digits.split('.').map(|p| p.parse::<u32>().ok());
    let major = it.next()??;
    let minor = it.next().flatten().unwrap_or(0);
    let patch = it.next().flatten().unwrap_or(0);
    Some((major, minor, patch))
}

/// VirtualBox 5.0 is the oldest release docker-machine supported without
/// a warning; older ones lack the options the create sequence uses.
pub fn version_ok(v: (u32, u32, u32)) -> bool {
    v.0 >= 5
}

/// One `list hostonlyifs` entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostOnlyIf {
    /// The adapter's name (`vboxnet0`).
    pub name: String,
    /// Whether VirtualBox reports DHCP enabled on it.
    pub dhcp: bool,
    /// The host's address on it; `None` when unset or unreadable.
    pub ip: Option<Ipv4Addr>,
    /// Its netmask; `None` when unset or unreadable.
    pub netmask: Option<Ipv4Addr>,
    /// The internal network name its DHCP server is registered under
    /// (`HostInterfaceNetworking-<name>` when VirtualBox does not say).
    pub network_name: String,
}

fn blocks<'a>(text: &'a str, first_key: &str) -> Vec<Vec<(&'a str, &'a str)>> {
    let mut out: Vec<Vec<(&str, &str)>> = vec![];
    for line in text.lines() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        if k.starts_with(' ') || k.starts_with('\t') {
            // Indented sub-sections (VirtualBox 6.1+ dhcp options).
            continue;
        }
        let (k, v) = (k.trim(), v.trim());
        if k == first_key || out.is_empty() {
            out.push(vec![]);
        }
        if let Some(b) = out.last_mut() {
            b.push((k, v));
        }
    }
    out
}

/// Parses `list hostonlyifs`; two adapters with one name or one IP are an
/// error, as in docker-machine.
pub fn parse_hostonlyifs(text: &str) -> Result<Vec<HostOnlyIf>, PlanError> {
    let mut out: Vec<HostOnlyIf> = vec![];
    for b in blocks(text, "Name") {
        let mut h = HostOnlyIf::default();
        for (k, v) in b {
            match k {
                "Name" => h.name = v.to_string(),
                "DHCP" => h.dhcp = v != "Disabled",
                "IPAddress" => h.ip = v.parse().ok(),
                "NetworkMask" => h.netmask = v.parse().ok(),
                "VBoxNetworkName" => h.network_name = v.to_string(),
                _ => {}
            }
        }
        if h.name.is_empty() {
            return Err(PlanError::Parse {
                what: "list hostonlyifs",
                detail: "an entry without Name".into(),
            });
        }
        if h.network_name.is_empty() {
            h.network_name = format!("HostInterfaceNetworking-{}", h.name);
        }
        if out.iter().any(|o| o.name == h.name) {
            return Err(PlanError::DuplicateName(h.name));
        }
        if let Some(ip) = h.ip
            && out.iter().any(|o| o.ip == Some(ip))
        {
            return Err(PlanError::DuplicateIp(ip));
        }
        out.push(h);
    }
    Ok(out)
}

/// One `list dhcpservers` entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DhcpServer {
    /// The network it serves (a host-only adapter's [`HostOnlyIf::network_name`]).
    pub network_name: String,
    /// The server's own address.
    pub ip: Option<Ipv4Addr>,
    /// The network's netmask.
    pub netmask: Option<Ipv4Addr>,
    /// The first address leased.
    pub lower: Option<Ipv4Addr>,
    /// The last address leased.
    pub upper: Option<Ipv4Addr>,
    /// Whether the server runs.
    pub enabled: bool,
}

/// Parses `list dhcpservers` (old and VirtualBox 6.1+ key names); entries without a network
/// name are dropped.
pub fn parse_dhcpservers(text: &str) -> Vec<DhcpServer> {
    blocks(text, "NetworkName")
        .into_iter()
        .map(|b| {
            let mut d = DhcpServer::default();
            for (k, v) in b {
                match k {
                    "NetworkName" => d.network_name = v.to_string(),
                    "IP" | "Dhcpd IP" => d.ip = v.parse().ok(),
                    "NetworkMask" => d.netmask = v.parse().ok(),
                    "lowerIPAddress" | "LowerIPAddress" => d.lower = v.parse().ok(),
                    "upperIPAddress" | "UpperIPAddress" => d.upper = v.parse().ok(),
                    "Enabled" => d.enabled = v == "Yes",
                    _ => {}
                }
            }
            d
        })
        .filter(|d| !d.network_name.is_empty())
        .collect()
}

/// `Interface 'vboxnet1' was successfully created`.
pub fn parse_created_if(stdout: &str) -> Option<String> {
    let rest = stdout.split("Interface '").nth(1)?;
    let (name, tail) = rest.split_once('\'')?;
    tail.contains("successfully created")
        .then(|| name.to_string())
}

/// The MAC of the first host-only NIC in `showvminfo --machinereadable`,
/// lower case, without separators.
pub fn hostonly_mac(showvminfo: &str) -> Option<String> {
    let info = parse_machinereadable(showvminfo);
    let n = info
        .keys()
        .filter_map(|k| k.strip_prefix("hostonlyadapter"))
        .filter_map(|n| n.parse::<u32>().ok())
        .min()?;
    let mac = info.get(&format!("macaddress{n}"))?;
    let mac: String = mac
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .collect::<String>()
        .to_lowercase();
    (mac.len() == 12).then_some(mac)
}

/// The IPv4 address of the interface with `mac` in `ip addr show` output.
pub fn ip_for_mac(ip_addr_show: &str, mac: &str) -> Option<Ipv4Addr> {
    let mut matched = false;
    for line in ip_addr_show.lines() {
        let l = line.trim();
        if let Some(rest) = l.strip_prefix("link/") {
            let this: String = rest
                .split_whitespace()
                .nth(1)
                .unwrap_or("")
                .chars()
                .filter(|c| c.is_ascii_hexdigit())
                .collect::<String>()
                .to_lowercase();
            matched = this == mac;
        } else if matched && let Some(rest) = l.strip_prefix("inet ") {
            let addr = rest.split_whitespace().next()?.split('/').next()?;
            return addr.parse().ok();
        } else if !line.starts_with(' ') && !line.starts_with('\t') {
            // A new interface header line.
            matched = false;
        }
    }
    None
}

/// Host interfaces (from `ip -o -4 addr show`) whose network equals the
/// host-only network, other than VirtualBox's own adapters.
pub fn collision(
    ip_o_addr: &str,
    cidr: &HostOnlyCidr,
    vbox_ifs: &[HostOnlyIf],
) -> Result<(), PlanError> {
    for line in ip_o_addr.lines() {
        let mut f = line.split_whitespace();
        let (Some(_), Some(iface), Some("inet"), Some(addr)) =
            (f.next(), f.next(), f.next(), f.next())
        else {
            continue;
        };
        if iface == "lo" || iface.starts_with("vboxnet") || vbox_ifs.iter().any(|h| h.name == iface)
        {
            continue;
        }
        let Ok(theirs) = HostOnlyCidr::parse(addr) else {
            continue;
        };
        if theirs.network() == cidr.network() && theirs.prefix == cidr.prefix {
            return Err(PlanError::Collision {
                cidr: cidr.to_string(),
                iface: iface.to_string(),
                addr: addr.to_string(),
            });
        }
    }
    Ok(())
}

// ------------------------------------------------------------- planning --

/// Everything the create sequence needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmSpec {
    /// The VM's name in VirtualBox (the machine's name).
    pub name: String,
    /// Where VirtualBox keeps the VM's files (the machine's directory).
    pub basefolder: PathBuf,
    /// The boot ISO, attached as a DVD.
    pub iso: PathBuf,
    /// The VDI disk.
    pub disk: PathBuf,
    /// vCPUs.
    pub cpus: u32,
    /// Memory in MB.
    pub memory_mb: u32,
    /// The first (NAT) NIC's adapter type.
    pub nat_nictype: String,
    /// NAT resolves DNS with the host's resolver (`--natdnshostresolver1`).
    pub host_dns_resolver: bool,
    /// NAT proxies DNS through the host (`--natdnsproxy1`).
    pub dns_proxy: bool,
    /// `(host path, share name)`, when a share is set up.
    pub share: Option<(PathBuf, String)>,
}

/// The disk: a small raw file holding boot2docker's "format-me" tar (with
/// the SSH key) becomes a VDI, which is then grown to the requested size.
/// docker-machine streamed the whole zero-padded disk through
/// `convertfromraw stdin`; a small file plus `--resize` writes megabytes
/// instead of gigabytes. VDI, because VirtualBox can resize it (not VMDK).
pub fn disk_calls(raw: &Path, disk: &Path, size_mb: u64) -> Vec<Call> {
    vec![
        call([
            "convertfromraw".to_string(),
            path(raw),
            path(disk),
            "--format".into(),
            "VDI".into(),
        ]),
        call([
            "modifymedium".to_string(),
            "disk".into(),
            path(disk),
            "--resize".into(),
            size_mb.to_string(),
        ]),
    ]
}

fn on_off(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

/// docker-machine's `CreateVM` sequence, from `createvm` to the shared
/// folder (the start follows separately).
pub fn create_calls(s: &VmSpec) -> Vec<Call> {
    let n = s.name.as_str();
    let mut v = vec![
        call([
            "createvm",
            "--basefolder",
            &path(&s.basefolder),
            "--name",
            n,
            "--register",
        ]),
        call([
            "modifyvm",
            n,
            "--firmware",
            "bios",
            "--bioslogofadein",
            "off",
            "--bioslogofadeout",
            "off",
            "--bioslogodisplaytime",
            "0",
            "--biosbootmenu",
            "disabled",
            "--ostype",
            "Linux26_64",
            "--cpus",
            &s.cpus.to_string(),
            "--memory",
            &s.memory_mb.to_string(),
            "--acpi",
            "on",
            "--ioapic",
            "on",
            "--rtcuseutc",
            "on",
            "--natdnshostresolver1",
            on_off(s.host_dns_resolver),
            "--natdnsproxy1",
            on_off(s.dns_proxy),
            "--cpuhotplug",
            "off",
            "--pae",
            "on",
            "--hpet",
            "on",
            "--hwvirtex",
            "on",
            "--nestedpaging",
            "on",
            "--largepages",
            "on",
            "--vtxvpid",
            "on",
            "--accelerate3d",
            "off",
            "--boot1",
            "dvd",
        ]),
        call([
            "modifyvm",
            n,
            "--nic1",
            "nat",
            "--nictype1",
            &s.nat_nictype,
            "--cableconnected1",
            "on",
        ]),
        call([
            "storagectl",
            n,
            "--name",
            "SATA",
            "--add",
            "sata",
            "--hostiocache",
            "on",
        ]),
        call([
            "storageattach",
            n,
            "--storagectl",
            "SATA",
            "--port",
            "0",
            "--device",
            "0",
            "--type",
            "dvddrive",
            "--medium",
            &path(&s.iso),
        ]),
        call([
            "storageattach",
            n,
            "--storagectl",
            "SATA",
            "--port",
            "1",
            "--device",
            "0",
            "--type",
            "hdd",
            "--medium",
            &path(&s.disk),
        ]),
        call([
            "guestproperty",
            "set",
            n,
            "/VirtualBox/GuestAdd/SharedFolders/MountPrefix",
            "/",
        ]),
        call([
            "guestproperty",
            "set",
            n,
            "/VirtualBox/GuestAdd/SharedFolders/MountDir",
            "/",
        ]),
    ];
    if let Some((dir, share)) = &s.share {
        v.push(call([
            "sharedfolder",
            "add",
            n,
            "--name",
            share,
            "--hostpath",
            &path(dir),
            "--automount",
        ]));
        v.push(call([
            "setextradata",
            n,
            &format!("VBoxInternal2/SharedFoldersEnableSymlinksCreate/{share}"),
            "1",
        ]));
    }
    v
}

/// `--virtualbox-share-folder DIR:NAME` (the name is after the last `:`),
/// or the platform default (`/home` as `hosthome` on Linux, `/Users` as
/// `Users` on macOS).
pub fn share(flag: &str, no_share: bool) -> Option<(PathBuf, String)> {
    if no_share {
        return None;
    }
    if !flag.is_empty() {
        return match flag.rsplit_once(':') {
            Some((dir, name)) if !dir.is_empty() && !name.is_empty() => {
                Some((PathBuf::from(dir), name.to_string()))
            }
            _ => {
                let name = Path::new(flag)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "share".into());
                Some((PathBuf::from(flag), name))
            }
        };
    }
    if cfg!(target_os = "macos") {
        Some((PathBuf::from("/Users"), "Users".into()))
    } else {
        Some((PathBuf::from("/home"), "hosthome".into()))
    }
}

/// Which host-only adapter to use: an existing one already configured with
/// the host address and mask (VirtualBox's bogus `15.0.0.0` mask race is
/// accepted, as docker-machine did), else `None`: create one.
pub fn pick_hostonly(ifs: &[HostOnlyIf], cidr: &HostOnlyCidr) -> Option<String> {
    let buggy = Ipv4Addr::new(15, 0, 0, 0);
    ifs.iter()
        .find(|h| {
            h.ip == Some(cidr.ip)
                && matches!(h.netmask, Some(m) if m == cidr.netmask() || m == buggy)
        })
        .map(|h| h.name.clone())
}

/// Configures a freshly created adapter.
pub fn ipconfig_call(ifname: &str, cidr: &HostOnlyCidr) -> Call {
    call([
        "hostonlyif".to_string(),
        "ipconfig".into(),
        ifname.into(),
        "--ip".into(),
        cidr.ip.to_string(),
        "--netmask".into(),
        cidr.netmask().to_string(),
    ])
}

/// `dhcpserver remove` for servers of host-only networks that no longer
/// have an adapter (docker-machine's orphan cleanup).
pub fn orphan_dhcp_calls(servers: &[DhcpServer], ifs: &[HostOnlyIf]) -> Vec<Call> {
    servers
        .iter()
        .filter(|d| d.network_name.starts_with("HostInterfaceNetworking-"))
        .filter(|d| !ifs.iter().any(|h| h.network_name == d.network_name))
        .map(|d| call(["dhcpserver", "remove", "--netname", d.network_name.as_str()]))
        .collect()
}

/// `dhcpserver add` when the network has none, `modify` when it differs,
/// nothing when it is already as wanted.
pub fn dhcp_call(
    servers: &[DhcpServer],
    ifname: &str,
    cidr: &HostOnlyCidr,
    enabled: bool,
) -> Option<Call> {
    let netname = format!("HostInterfaceNetworking-{ifname}");
    let want = cidr.dhcp();
    let verb = match servers.iter().find(|d| d.network_name == netname) {
        Some(d)
            if d.ip == Some(want.ip)
                && d.netmask == Some(want.netmask)
                && d.lower == Some(want.lower)
                && d.upper == Some(want.upper)
                && d.enabled == enabled =>
        {
            return None;
        }
        Some(_) => "modify",
        None => "add",
    };
    Some(call([
        "dhcpserver".to_string(),
        verb.into(),
        "--netname".into(),
        netname,
        "--ip".into(),
        want.ip.to_string(),
        "--netmask".into(),
        want.netmask.to_string(),
        "--lowerip".into(),
        want.lower.to_string(),
        "--upperip".into(),
        want.upper.to_string(),
        if enabled { "--enable" } else { "--disable" }.into(),
    ]))
}

/// The second NIC on the host-only adapter `ifname`: the address the host reaches the VM at.
pub fn nic2_call(name: &str, ifname: &str, nictype: &str, promisc: &str) -> Call {
    call([
        "modifyvm",
        name,
        "--nic2",
        "hostonly",
        "--nictype2",
        nictype,
        "--nicpromisc2",
        promisc,
        "--hostonlyadapter2",
        ifname,
        "--cableconnected2",
        "on",
    ])
}

/// The SSH port-forward: the old rule goes first (its failure is ignored
/// by the runner: there is none on a new VM).
pub fn natpf_calls(name: &str, port: u16) -> [Call; 2] {
    [
        call(["modifyvm", name, "--natpf1", "delete", "ssh"]),
        call([
            "modifyvm".to_string(),
            name.into(),
            "--natpf1".into(),
            format!("ssh,tcp,127.0.0.1,{port},,22"),
        ]),
    ]
}

/// Boots the VM with the UI type (`headless`, `gui`, …).
pub fn startvm_call(name: &str, ui: &str) -> Call {
    call(["startvm", name, "--type", ui])
}

/// Asks for the VM's details in the form [`parse_machinereadable`] reads.
pub fn showvminfo_call(name: &str) -> Call {
    call(["showvminfo", name, "--machinereadable"])
}

/// What `start` does in each state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartPlan {
    /// Running already: nothing to do.
    AlreadyRunning,
    /// Paused: resume only.
    Resume(Call),
    /// Saved or stopped: port-forward then `startvm`; a stopped VM gets its
    /// host-only network (re)checked first.
    Boot {
        /// Whether the host-only adapter and its DHCP server are checked first.
        setup_network: bool,
    },
    /// A transient state: try again later.
    Busy,
}

/// What `start` does from `state` (see [`StartPlan`]).
pub fn start_plan(state: VmState, name: &str, ui: &str) -> StartPlan {
    match state {
        VmState::Running => StartPlan::AlreadyRunning,
        VmState::Paused => StartPlan::Resume(call(["controlvm", name, "resume", "--type", ui])),
        VmState::Saved => StartPlan::Boot {
            setup_network: false,
        },
        VmState::PowerOff | VmState::Aborted => StartPlan::Boot {
            setup_network: true,
        },
        VmState::Other => StartPlan::Busy,
    }
}

/// `stop`: a paused VM is resumed first (ACPI needs a running guest); a
/// stopped or saved one needs nothing.
pub fn stop_calls(state: VmState, name: &str) -> Vec<Call> {
    let acpi = call(["controlvm", name, "acpipowerbutton"]);
    match state {
        VmState::Paused => vec![call(["controlvm", name, "resume"]), acpi],
        VmState::Running | VmState::Other => vec![acpi],
        VmState::Saved | VmState::PowerOff | VmState::Aborted => vec![],
    }
}

/// `kill`: power off at once, unless powered off or aborted already.
pub fn kill_calls(state: VmState, name: &str) -> Vec<Call> {
    match state {
        VmState::PowerOff | VmState::Aborted => vec![],
        _ => vec![call(["controlvm", name, "poweroff"])],
    }
}

/// `rm`: power off unless stopped or saved, then unregister and delete the
/// VM's files. `None` (the VM is not registered) removes nothing.
pub fn remove_calls(state: Option<VmState>, name: &str) -> Vec<Call> {
    let Some(state) = state else {
        return vec![];
    };
    let mut v = vec![];
    if !matches!(state, VmState::PowerOff | VmState::Aborted | VmState::Saved) {
        v.push(call(["controlvm", name, "poweroff"]));
    }
    v.push(call(["unregistervm", "--delete", name]));
    v
}

/// Markers in `VBox.log` that mean hardware virtualization is off.
pub fn vtx_disabled(log: &str) -> bool {
    [
        "VERR_VMX_NO_VMX",
        "VERR_SVM_DISABLED",
        "VERR_VMX_MSR_VMX_DISABLED",
        "VERR_VMX_MSR_ALL_VMX_DISABLED",
        "VERR_SVM_NO_SVM",
    ]
    .iter()
    .any(|m| log.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(c: &[Call]) -> Vec<String> {
        c.iter().map(|c| c.join(" ")).collect()
    }

    fn cidr(s: &str) -> HostOnlyCidr {
        HostOnlyCidr::parse(s).unwrap()
    }

    fn spec() -> VmSpec {
        VmSpec {
            name: "default".into(),
            basefolder: "/s/machines/default".into(),
            iso: "/s/machines/default/boot2docker.iso".into(),
            disk: "/s/machines/default/disk.vdi".into(),
            cpus: 1,
            memory_mb: 1024,
            nat_nictype: "82540EM".into(),
            host_dns_resolver: false,
            dns_proxy: true,
            share: None,
        }
    }

    #[test]
    fn create_sequence_is_docker_machines() {
        assert_eq!(
            s(&create_calls(&spec())),
            vec![
                "createvm --basefolder /s/machines/default --name default --register",
                "modifyvm default --firmware bios --bioslogofadein off --bioslogofadeout off --bioslogodisplaytime 0 --biosbootmenu disabled --ostype Linux26_64 --cpus 1 --memory 1024 --acpi on --ioapic on --rtcuseutc on --natdnshostresolver1 off --natdnsproxy1 on --cpuhotplug off --pae on --hpet on --hwvirtex on --nestedpaging on --largepages on --vtxvpid on --accelerate3d off --boot1 dvd",
                "modifyvm default --nic1 nat --nictype1 82540EM --cableconnected1 on",
                "storagectl default --name SATA --add sata --hostiocache on",
                "storageattach default --storagectl SATA --port 0 --device 0 --type dvddrive --medium /s/machines/default/boot2docker.iso",
                "storageattach default --storagectl SATA --port 1 --device 0 --type hdd --medium /s/machines/default/disk.vdi",
                "guestproperty set default /VirtualBox/GuestAdd/SharedFolders/MountPrefix /",
                "guestproperty set default /VirtualBox/GuestAdd/SharedFolders/MountDir /",
            ]
        );
    }

    #[test]
    fn create_sequence_options() {
        let mut sp = spec();
        sp.nat_nictype = "virtio".into();
        sp.host_dns_resolver = true;
        sp.dns_proxy = false;
        sp.cpus = 4;
        sp.memory_mb = 4096;
        sp.share = Some(("/home".into(), "hosthome".into()));
        let c = s(&create_calls(&sp));
        assert!(c[1].contains("--cpus 4 --memory 4096"));
        assert!(c[1].contains("--natdnshostresolver1 on --natdnsproxy1 off"));
        assert_eq!(
            c[2],
            "modifyvm default --nic1 nat --nictype1 virtio --cableconnected1 on"
        );
        assert_eq!(
            &c[8..],
            [
                "sharedfolder add default --name hosthome --hostpath /home --automount",
                "setextradata default VBoxInternal2/SharedFoldersEnableSymlinksCreate/hosthome 1"
            ]
        );
    }

    #[test]
    fn share_flag() {
        assert_eq!(share("", true), None);
        assert_eq!(
            share("/data:shared", false),
            Some(("/data".into(), "shared".into()))
        );
        assert_eq!(share("c:/x:y", false), Some(("c:/x".into(), "y".into())));
        assert_eq!(
            share("/srv/code", false),
            Some(("/srv/code".into(), "code".into()))
        );
        assert!(share("", false).is_some());
    }

    #[test]
    fn disk_sequence() {
        assert_eq!(
            s(&disk_calls(
                Path::new("/m/disk.raw"),
                Path::new("/m/disk.vdi"),
                20000
            )),
            vec![
                "convertfromraw /m/disk.raw /m/disk.vdi --format VDI",
                "modifymedium disk /m/disk.vdi --resize 20000"
            ]
        );
    }

    #[test]
    fn cidr_validation() {
        let c = cidr("192.168.56.1/24");
        assert_eq!(c.netmask(), Ipv4Addr::new(255, 255, 255, 0));
        assert_eq!(c.network(), Ipv4Addr::new(192, 168, 56, 0));
        assert!(c.allowed_by_default());
        assert!(cidr("192.168.63.1/24").allowed_by_default());
        assert!(!cidr("192.168.64.1/24").allowed_by_default());
        assert!(!cidr("192.168.99.1/24").allowed_by_default());
        assert!(!cidr("192.168.56.1/16").allowed_by_default());
        assert_eq!(
            HostOnlyCidr::parse("192.168.56.0/24"),
            Err(PlanError::NetworkAddress(
                "192.168.56.0/24".into(),
                "192.168.56.1/24".into()
            ))
        );
        assert!(
            HostOnlyCidr::parse("192.168.56.0/24")
                .unwrap_err()
                .to_string()
                .contains("host address, not a network address")
        );
        for bad in [
            "192.168.56.1",
            "x/24",
            "192.168.56.1/33",
            "192.168.56.1/31",
            "192.168.56.255/24",
            "192.168.56.1/x",
        ] {
            assert!(HostOnlyCidr::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(mask_prefix(Ipv4Addr::new(255, 255, 255, 0)), Some(24));
        assert_eq!(mask_prefix(Ipv4Addr::new(255, 0, 255, 0)), None);
    }

    #[test]
    fn dhcp_ranges_per_prefix() {
        let d = cidr("192.168.56.1/24").dhcp();
        assert_eq!(
            (d.ip, d.lower, d.upper),
            (
                Ipv4Addr::new(192, 168, 56, 2),
                Ipv4Addr::new(192, 168, 56, 100),
                Ipv4Addr::new(192, 168, 56, 254)
            )
        );
        let d = cidr("10.0.0.5/8").dhcp();
        assert_eq!(d.ip, Ipv4Addr::new(10, 0, 0, 1));
        assert_eq!(d.netmask, Ipv4Addr::new(255, 0, 0, 0));
        assert_eq!(
            (d.lower, d.upper),
            (Ipv4Addr::new(10, 0, 0, 100), Ipv4Addr::new(10, 0, 0, 254))
        );
        let d = cidr("192.168.56.129/25").dhcp();
        assert_eq!(
            (d.ip, d.lower, d.upper),
            (
                Ipv4Addr::new(192, 168, 56, 130),
                Ipv4Addr::new(192, 168, 56, 131),
                Ipv4Addr::new(192, 168, 56, 254)
            )
        );
        let d = cidr("192.168.56.1/28").dhcp();
        assert_eq!(
            (d.ip, d.lower, d.upper),
            (
                Ipv4Addr::new(192, 168, 56, 2),
                Ipv4Addr::new(192, 168, 56, 3),
                Ipv4Addr::new(192, 168, 56, 14)
            )
        );
    }

    const HOSTONLYIFS: &str = "Name:            vboxnet0
GUID:            786f6276-656e-4074-8000-0a0027000000
DHCP:            Disabled
IPAddress:       192.168.56.1
NetworkMask:     255.255.255.0
IPV6Address:
IPV6NetworkMaskPrefixLength: 0
HardwareAddress: 0a:00:27:00:00:00
MediumType:      Ethernet
Wireless:        No
Status:          Up
VBoxNetworkName: HostInterfaceNetworking-vboxnet0

Name:            vboxnet1
GUID:            786f6276-656e-4174-8000-0a0027000001
DHCP:            Enabled
IPAddress:       192.168.57.1
NetworkMask:     15.0.0.0
VBoxNetworkName: HostInterfaceNetworking-vboxnet1
";

    #[test]
    fn hostonlyifs_parse_and_reuse() {
        let ifs = parse_hostonlyifs(HOSTONLYIFS).unwrap();
        assert_eq!(ifs.len(), 2);
        assert_eq!(ifs[0].name, "vboxnet0");
        assert!(!ifs[0].dhcp && ifs[1].dhcp);
        assert_eq!(ifs[1].network_name, "HostInterfaceNetworking-vboxnet1");
        assert_eq!(
            pick_hostonly(&ifs, &cidr("192.168.56.1/24")),
            Some("vboxnet0".into())
        );
        // The netmask race (15.0.0.0) is accepted.
        assert_eq!(
            pick_hostonly(&ifs, &cidr("192.168.57.1/24")),
            Some("vboxnet1".into())
        );
        // A different mask or address: create a new adapter.
        assert_eq!(pick_hostonly(&ifs, &cidr("192.168.56.1/25")), None);
        assert_eq!(pick_hostonly(&ifs, &cidr("192.168.58.1/24")), None);
        assert_eq!(pick_hostonly(&[], &cidr("192.168.56.1/24")), None);
        assert_eq!(parse_hostonlyifs("").unwrap(), vec![]);
    }

    #[test]
    fn hostonlyifs_duplicates_are_errors() {
        let dup_name =
            "Name: vboxnet0\nIPAddress: 192.168.56.1\n\nName: vboxnet0\nIPAddress: 192.168.57.1\n";
        assert_eq!(
            parse_hostonlyifs(dup_name),
            Err(PlanError::DuplicateName("vboxnet0".into()))
        );
        let dup_ip =
            "Name: vboxnet0\nIPAddress: 192.168.56.1\n\nName: vboxnet1\nIPAddress: 192.168.56.1\n";
        assert_eq!(
            parse_hostonlyifs(dup_ip),
            Err(PlanError::DuplicateIp(Ipv4Addr::new(192, 168, 56, 1)))
        );
    }

    #[test]
    fn created_interface_name() {
        assert_eq!(
            parse_created_if("0%...10%...100%\nInterface 'vboxnet3' was successfully created\n"),
            Some("vboxnet3".into())
        );
        assert_eq!(parse_created_if("nothing"), None);
    }

    const DHCPSERVERS: &str = "NetworkName:    HostInterfaceNetworking-vboxnet0
Dhcpd IP:       192.168.56.2
LowerIPAddress: 192.168.56.100
UpperIPAddress: 192.168.56.254
NetworkMask:    255.255.255.0
Enabled:        Yes
Global Configuration:
    minLeaseTime:     default
    1/legacy-netmask: 255.255.255.0

NetworkName:    HostInterfaceNetworking-vboxnet9
IP:             192.168.99.2
lowerIPAddress: 192.168.99.100
upperIPAddress: 192.168.99.254
NetworkMask:    255.255.255.0
Enabled:        No

NetworkName:    NatNetwork
IP:             10.0.2.3
Enabled:        Yes
";

    #[test]
    fn dhcp_add_modify_skip() {
        let servers = parse_dhcpservers(DHCPSERVERS);
        assert_eq!(servers.len(), 3);
        assert_eq!(servers[1].ip, Some(Ipv4Addr::new(192, 168, 99, 2)));
        assert!(!servers[1].enabled);
        let c = cidr("192.168.56.1/24");
        // Identical: skip.
        assert_eq!(dhcp_call(&servers, "vboxnet0", &c, true), None);
        // Differs (disabled wanted): modify.
        assert_eq!(
            dhcp_call(&servers, "vboxnet0", &c, false).map(|c| c.join(" ")),
            Some("dhcpserver modify --netname HostInterfaceNetworking-vboxnet0 --ip 192.168.56.2 --netmask 255.255.255.0 --lowerip 192.168.56.100 --upperip 192.168.56.254 --disable".into())
        );
        // Missing: add.
        assert_eq!(
            dhcp_call(&servers, "vboxnet1", &c, true).map(|c| c.join(" ")),
            Some("dhcpserver add --netname HostInterfaceNetworking-vboxnet1 --ip 192.168.56.2 --netmask 255.255.255.0 --lowerip 192.168.56.100 --upperip 192.168.56.254 --enable".into())
        );
        assert_eq!(
            dhcp_call(&servers, "vboxnet9", &cidr("192.168.99.1/24"), true).map(|c| c[1].clone()),
            Some("modify".into())
        );
    }

    #[test]
    fn orphan_dhcp_servers_are_removed() {
        let servers = parse_dhcpservers(DHCPSERVERS);
        let ifs = parse_hostonlyifs(HOSTONLYIFS).unwrap();
        assert_eq!(
            s(&orphan_dhcp_calls(&servers, &ifs)),
            vec!["dhcpserver remove --netname HostInterfaceNetworking-vboxnet9"]
        );
    }

    #[test]
    fn state_mapping() {
        let st = |v: &str| VmState::parse(&format!("name=\"x\"\nVMState=\"{v}\"\n"));
        assert_eq!(st("running").map(VmState::to_state), Some(State::Running));
        assert_eq!(st("paused").map(VmState::to_state), Some(State::Paused));
        assert_eq!(st("saved").map(VmState::to_state), Some(State::Saved));
        assert_eq!(st("poweroff").map(VmState::to_state), Some(State::Stopped));
        assert_eq!(st("aborted").map(VmState::to_state), Some(State::Stopped));
        assert_eq!(st("starting").map(VmState::to_state), Some(State::None));
        assert_eq!(VmState::parse("name=\"x\"\n"), None);
        assert!(is_not_found(
            "VBoxManage: error: Could not find a registered machine named 'x'"
        ));
    }

    #[test]
    fn start_plan_per_state() {
        assert_eq!(
            start_plan(VmState::Running, "m", "headless"),
            StartPlan::AlreadyRunning
        );
        assert_eq!(
            start_plan(VmState::Paused, "m", "headless"),
            StartPlan::Resume(call(["controlvm", "m", "resume", "--type", "headless"]))
        );
        assert_eq!(
            start_plan(VmState::Saved, "m", "headless"),
            StartPlan::Boot {
                setup_network: false
            }
        );
        for st in [VmState::PowerOff, VmState::Aborted] {
            assert_eq!(
                start_plan(st, "m", "gui"),
                StartPlan::Boot {
                    setup_network: true
                }
            );
        }
        assert_eq!(start_plan(VmState::Other, "m", "gui"), StartPlan::Busy);
        assert_eq!(
            s(&natpf_calls("m", 40022)),
            vec![
                "modifyvm m --natpf1 delete ssh",
                "modifyvm m --natpf1 ssh,tcp,127.0.0.1,40022,,22"
            ]
        );
        assert_eq!(
            startvm_call("m", "headless").join(" "),
            "startvm m --type headless"
        );
        assert_eq!(
            nic2_call("m", "vboxnet0", "82540EM", "deny").join(" "),
            "modifyvm m --nic2 hostonly --nictype2 82540EM --nicpromisc2 deny --hostonlyadapter2 vboxnet0 --cableconnected2 on"
        );
        assert_eq!(
            ipconfig_call("vboxnet1", &cidr("192.168.56.1/24")).join(" "),
            "hostonlyif ipconfig vboxnet1 --ip 192.168.56.1 --netmask 255.255.255.0"
        );
    }

    #[test]
    fn stop_kill_remove_per_state() {
        assert_eq!(
            s(&stop_calls(VmState::Running, "m")),
            vec!["controlvm m acpipowerbutton"]
        );
        assert_eq!(
            s(&stop_calls(VmState::Paused, "m")),
            vec!["controlvm m resume", "controlvm m acpipowerbutton"]
        );
        assert!(stop_calls(VmState::PowerOff, "m").is_empty());
        assert!(stop_calls(VmState::Saved, "m").is_empty());
        assert_eq!(
            s(&kill_calls(VmState::Running, "m")),
            vec!["controlvm m poweroff"]
        );
        assert_eq!(
            s(&kill_calls(VmState::Paused, "m")),
            vec!["controlvm m poweroff"]
        );
        assert!(kill_calls(VmState::PowerOff, "m").is_empty());

        let rm = |st| s(&remove_calls(Some(st), "m"));
        assert_eq!(
            rm(VmState::Running),
            vec!["controlvm m poweroff", "unregistervm --delete m"]
        );
        assert_eq!(
            rm(VmState::Paused),
            vec!["controlvm m poweroff", "unregistervm --delete m"]
        );
        assert_eq!(rm(VmState::Saved), vec!["unregistervm --delete m"]);
        assert_eq!(rm(VmState::PowerOff), vec!["unregistervm --delete m"]);
        assert_eq!(rm(VmState::Aborted), vec!["unregistervm --delete m"]);
        assert!(remove_calls(None, "m").is_empty());
    }

    #[test]
    fn retry_and_stderr_failures() {
        assert!(should_retry(
            "VBoxManage: error: The object is not ready\nVBoxManage: error: Details: code E_ACCESSDENIED"
        ));
        assert!(!should_retry("VBoxManage: error: Invalid machine"));
        assert!(stderr_failed("VBoxManage: error: oops"));
        assert!(!stderr_failed("Waiting for VM \"m\" to power on...\n"));
    }

    #[test]
    fn versions() {
        assert_eq!(parse_version("7.0.14r161095\n"), Some((7, 0, 14)));
        assert_eq!(parse_version("6.1.50_Ubuntur161033"), Some((6, 1, 50)));
        assert_eq!(parse_version("5.2"), Some((5, 2, 0)));
        assert_eq!(parse_version("garbage"), None);
        assert!(version_ok((5, 0, 0)));
        assert!(!version_ok((4, 3, 40)));
    }

    #[test]
    fn mac_and_ip_discovery() {
        let info = "name=\"m\"\nnic1=\"nat\"\nmacaddress1=\"080027AAAAAA\"\nnic2=\"hostonly\"\nhostonlyadapter2=\"vboxnet0\"\nmacaddress2=\"080027EE1DF7\"\n";
        assert_eq!(hostonly_mac(info), Some("080027ee1df7".into()));
        assert_eq!(
            hostonly_mac("nic1=\"nat\"\nmacaddress1=\"080027AAAAAA\"\n"),
            None
        );
        let ip_addr = "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500
    link/ether 08:00:27:aa:aa:aa brd ff:ff:ff:ff:ff:ff
    inet 10.0.2.15/24 brd 10.0.2.255 scope global eth0
3: eth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500
    link/ether 08:00:27:ee:1d:f7 brd ff:ff:ff:ff:ff:ff
    inet6 fe80::a00:27ff:feee:1df7/64 scope link
    inet 192.168.56.101/24 brd 192.168.56.255 scope global eth1
4: docker0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500
    link/ether 02:42:c4:32:1f:5a brd ff:ff:ff:ff:ff:ff
";
        assert_eq!(
            ip_for_mac(ip_addr, "080027ee1df7"),
            Some(Ipv4Addr::new(192, 168, 56, 101))
        );
        assert_eq!(ip_for_mac(ip_addr, "0242c4321f5a"), None);
        assert_eq!(ip_for_mac(ip_addr, "ffffffffffff"), None);
    }

    #[test]
    fn host_interface_collisions() {
        let ip_o = "1: lo    inet 127.0.0.1/8 scope host lo\n2: eth0    inet 192.168.56.20/24 brd 192.168.56.255 scope global eth0\n3: vboxnet0    inet 192.168.57.1/24 scope global vboxnet0\n";
        let e = collision(ip_o, &cidr("192.168.56.1/24"), &[]).unwrap_err();
        assert!(
            e.to_string()
                .contains("conflicts with the host interface eth0"),
            "{e}"
        );
        collision(ip_o, &cidr("192.168.57.1/24"), &[]).unwrap();
        collision(ip_o, &cidr("192.168.58.1/24"), &[]).unwrap();
        collision(ip_o, &cidr("192.168.56.1/25"), &[]).unwrap();
    }

    #[test]
    fn vtx_log_markers() {
        assert!(vtx_disabled("00:00:01 VMSetError: VERR_VMX_NO_VMX"));
        assert!(!vtx_disabled("00:00:01 all fine"));
    }
}
