//! Host-side networking: free loopback ports for user networking, and
//! addresses, MACs and taps on a bridge.

use std::collections::HashSet;
use std::net::Ipv4Addr;
use std::path::Path;
use std::sync::Mutex;

/// Ports handed out by this process and not yet taken by a QEMU: two VMs
/// created by one command must not be given the same one.
static HANDED_OUT: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

/// A loopback port nothing listens on: `preferred` when it is free (a
/// machine keeps its ports across restarts when it can), else one the
/// kernel picks. QEMU binds it a moment later; a port taken in between
/// makes QEMU fail with "Could not set up host forwarding rule", which the
/// driver answers with new ports.
pub fn free_port(preferred: u16) -> std::io::Result<u16> {
    let mut handed = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
    let handed = handed.get_or_insert_with(HashSet::new);
    let bind = |p: u16| std::net::TcpListener::bind(("127.0.0.1", p));
    if preferred != 0 && !handed.contains(&preferred) && bind(preferred).is_ok() {
        handed.insert(preferred);
        return Ok(preferred);
    }
    for _ in 0..50 {
        let p = bind(0)?.local_addr()?.port();
        if handed.insert(p) {
            return Ok(p);
        }
    }
    Err(std::io::Error::other("no free loopback port"))
}

/// An IPv4 address with its prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    /// The address itself (a host address, not necessarily the network's).
    pub addr: Ipv4Addr,
    /// The prefix length, 0–32.
    pub prefix: u8,
}

impl Cidr {
    fn mask(&self) -> u32 {
        if self.prefix == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(self.prefix))
        }
    }

    /// Whether `a` is on this network.
    pub fn contains(&self, a: Ipv4Addr) -> bool {
        u32::from(a) & self.mask() == u32::from(self.addr) & self.mask()
    }

    fn network(&self) -> u32 {
        u32::from(self.addr) & self.mask()
    }

    fn broadcast(&self) -> u32 {
        self.network() | !self.mask()
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// The first IPv4 address of `ip -j -4 addr show dev BRIDGE`.
pub fn parse_ip_addr_json(json: &str) -> Option<Cidr> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    v.as_array()?
        .iter()
        .flat_map(|l| l["addr_info"].as_array().cloned().unwrap_or_default())
        .find(|a| a["family"] == "inet")
        .and_then(|a| {
            Some(Cidr {
                addr: a["local"].as_str()?.parse().ok()?,
                prefix: u8::try_from(a["prefixlen"].as_u64()?).ok()?,
            })
        })
}

/// Addresses of `ip -j -4 neigh show dev BRIDGE`: hosts already seen there.
pub fn parse_neigh_json(json: &str) -> Vec<Ipv4Addr> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|n| n["dst"].as_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The lowest host address of the bridge's subnet that is not the bridge's
/// own and not taken; `None` when the subnet is full (or has no hosts).
pub fn next_free(bridge: Cidr, taken: &HashSet<Ipv4Addr>) -> Option<Ipv4Addr> {
    if bridge.prefix > 30 {
        return None;
    }
    (bridge.network() + 1..bridge.broadcast())
        .map(Ipv4Addr::from)
        .find(|a| *a != bridge.addr && !taken.contains(a))
}

async fn ip_json(args: &[&str]) -> Result<String, String> {
    let out = tokio::process::Command::new("ip")
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(|e| format!("running ip: {e} (install iproute2)"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Whether `name` is a bridge on this host.
pub fn bridge_exists(name: &str) -> bool {
    !name.is_empty()
        && !name.contains('/')
        && Path::new("/sys/class/net")
            .join(name)
            .join("bridge")
            .is_dir()
}

/// The bridge's IPv4 address: the VMs' gateway and the subnet they get
/// addresses in.
pub async fn bridge_cidr(name: &str) -> Result<Cidr, String> {
    let json = ip_json(&["-j", "-4", "addr", "show", "dev", name]).await?;
    parse_ip_addr_json(&json).ok_or_else(|| {
        format!(
            "bridge {name} has no IPv4 address; give it one, e.g. `ip addr add 10.55.0.1/24 dev {name}` (it becomes the VMs' gateway)"
        )
    })
}

/// Hosts the bridge has already seen (they may not be flotilla's).
pub async fn bridge_neighbours(name: &str) -> Vec<Ipv4Addr> {
    ip_json(&["-j", "-4", "neigh", "show", "dev", name])
        .await
        .map(|j| parse_neigh_json(&j))
        .unwrap_or_default()
}

/// A locally administered MAC in QEMU's 52:54:00 range, random in its
/// last three bytes.
pub fn random_mac() -> String {
    let b: [u8; 3] = rand::random();
    format!("52:54:00:{:02x}:{:02x}:{:02x}", b[0], b[1], b[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_come_from_the_bridge_subnet_skipping_what_is_taken() {
        let br = Cidr {
            addr: Ipv4Addr::new(10, 55, 0, 1),
            prefix: 24,
        };
        let mut taken = HashSet::new();
        assert_eq!(next_free(br, &taken), Some(Ipv4Addr::new(10, 55, 0, 2)));
        taken.insert(Ipv4Addr::new(10, 55, 0, 2));
        taken.insert(Ipv4Addr::new(10, 55, 0, 3));
        assert_eq!(next_free(br, &taken), Some(Ipv4Addr::new(10, 55, 0, 4)));
        // the bridge in the middle of its subnet
        let mid = Cidr {
            addr: Ipv4Addr::new(192, 168, 7, 1),
            prefix: 30,
        };
        assert_eq!(
            next_free(mid, &HashSet::new()),
            Some(Ipv4Addr::new(192, 168, 7, 2))
        );
        let full: HashSet<Ipv4Addr> = [Ipv4Addr::new(192, 168, 7, 2)].into();
        assert_eq!(next_free(mid, &full), None);
        assert_eq!(
            next_free(
                Cidr {
                    addr: Ipv4Addr::new(1, 2, 3, 4),
                    prefix: 32
                },
                &HashSet::new()
            ),
            None
        );
        assert!(br.contains(Ipv4Addr::new(10, 55, 0, 254)));
        assert!(!br.contains(Ipv4Addr::new(10, 55, 1, 2)));
    }

    #[test]
    fn ip_json_is_read() {
        let j = r#"[{"ifindex":5,"ifname":"br0","flags":["UP"],"addr_info":[{"family":"inet","local":"10.55.0.1","prefixlen":24,"broadcast":"10.55.0.255","scope":"global"}]}]"#;
        assert_eq!(
            parse_ip_addr_json(j),
            Some(Cidr {
                addr: Ipv4Addr::new(10, 55, 0, 1),
                prefix: 24
            })
        );
        assert_eq!(
            parse_ip_addr_json(r#"[{"ifname":"br0","addr_info":[]}]"#),
            None
        );
        assert_eq!(parse_ip_addr_json("[]"), None);
        let n = r#"[{"dst":"10.55.0.7","dev":"br0","lladdr":"52:54:00:01:02:03","state":["REACHABLE"]},{"dst":"bogus"}]"#;
        assert_eq!(parse_neigh_json(n), [Ipv4Addr::new(10, 55, 0, 7)]);
    }

    #[test]
    fn ports_are_free_and_not_handed_out_twice() {
        let a = free_port(0).unwrap();
        let b = free_port(a).unwrap();
        assert_ne!(a, b, "a port already handed out is not handed out again");
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let busy = l.local_addr().unwrap().port();
        assert_ne!(free_port(busy).unwrap(), busy);
        assert!(random_mac().starts_with("52:54:00:"));
    }
}
