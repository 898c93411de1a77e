//! The cloud-init NoCloud seed: a `cidata` ISO with `meta-data`,
//! `user-data` and, on a bridge, `network-config`. Standard distribution
//! cloud images read it unchanged. The documents are written as JSON, which
//! is YAML too, so no YAML writer is involved.
//!
//! The SSH host key is made by the driver and handed over here
//! (`ssh_keys`), so the machine's `known_hosts` holds the right key before
//! the first connection: there is no trust-on-first-use window.

use std::net::Ipv4Addr;
use std::path::Path;

use serde_json::{Value, json};

use super::iso9660::{self, Stamp};

/// A static address on a bridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticNet {
    pub mac: String,
    pub address: Ipv4Addr,
    pub prefix: u8,
    pub gateway: Ipv4Addr,
}

#[derive(Debug, Clone)]
pub struct Seed {
    pub hostname: String,
    /// Stays the same for the VM's life: a new one makes cloud-init run its
    /// first-boot modules again.
    pub instance_id: String,
    pub user: String,
    pub authorized_key: String,
    pub host_key_private: String,
    pub host_key_public: String,
    /// `None`: cloud-init's default, DHCP on the first NIC.
    pub network: Option<StaticNet>,
}

impl Seed {
    pub fn meta_data(&self) -> String {
        let v = json!({
            "instance-id": self.instance_id,
            "local-hostname": self.hostname,
        });
        pretty(&v)
    }

    pub fn user_data(&self) -> String {
        let v = json!({
            "hostname": self.hostname,
            "manage_etc_hosts": true,
            "users": [{
                "name": self.user,
                "gecos": "flotilla",
                "shell": "/bin/bash",
                "sudo": "ALL=(ALL) NOPASSWD:ALL",
                "lock_passwd": true,
                "ssh_authorized_keys": [self.authorized_key.trim()],
            }],
            "disable_root": true,
            "ssh_pwauth": false,
            "ssh_deletekeys": true,
            "ssh_keys": {
                "ed25519_private": self.host_key_private,
                "ed25519_public": self.host_key_public.trim(),
            },
        });
        format!("#cloud-config\n{}", pretty(&v))
    }

    /// Network config version 2, matched by MAC address.
    pub fn network_config(&self) -> Option<String> {
        let n = self.network.as_ref()?;
        let v = json!({
            "version": 2,
            "ethernets": {
                "nic0": {
                    "match": { "macaddress": n.mac },
                    "addresses": [format!("{}/{}", n.address, n.prefix)],
                    "routes": [{ "to": "0.0.0.0/0", "via": n.gateway.to_string() }],
                },
            },
        });
        Some(pretty(&v))
    }

    /// The ISO image's bytes.
    pub fn image(&self, stamp: &Stamp) -> Result<Vec<u8>, iso9660::IsoError> {
        let meta = self.meta_data();
        let user = self.user_data();
        let net = self.network_config();
        let mut files: Vec<(&str, &[u8])> = vec![
            ("meta-data", meta.as_bytes()),
            ("user-data", user.as_bytes()),
        ];
        if let Some(n) = &net {
            files.push(("network-config", n.as_bytes()));
        }
        iso9660::image("cidata", &files, stamp)
    }

    /// Writes the seed to `path`, readable by its owner only (it holds the
    /// VM's private host key).
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let bytes = self
            .image(&Stamp::now())
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        crate::store::write_atomic(path, &bytes, 0o600)
    }
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed(network: Option<StaticNet>) -> Seed {
        Seed {
            hostname: "vm1".into(),
            instance_id: "flotilla-vm1-abc".into(),
            user: "flotilla".into(),
            authorized_key: "ssh-ed25519 AAAAuser flotilla-vm1\n".into(),
            host_key_private:
                "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----\n"
                    .into(),
            host_key_public: "ssh-ed25519 AAAAhost vm1\n".into(),
            network,
        }
    }

    /// The documents parse as YAML (cloud-init's reader) and say what the
    /// VM needs.
    #[test]
    fn user_data_is_cloud_config_with_the_user_and_host_key() {
        let s = seed(None);
        let text = s.user_data();
        assert!(text.starts_with("#cloud-config\n"));
        let v: Value = serde_saphyr::from_str(&text).unwrap();
        assert_eq!(v["users"][0]["name"], "flotilla");
        assert_eq!(v["users"][0]["sudo"], "ALL=(ALL) NOPASSWD:ALL");
        assert_eq!(
            v["users"][0]["ssh_authorized_keys"][0],
            "ssh-ed25519 AAAAuser flotilla-vm1"
        );
        assert_eq!(v["ssh_keys"]["ed25519_public"], "ssh-ed25519 AAAAhost vm1");
        assert!(
            v["ssh_keys"]["ed25519_private"]
                .as_str()
                .unwrap()
                .ends_with("-----END OPENSSH PRIVATE KEY-----\n")
        );
        let m: Value = serde_saphyr::from_str(&s.meta_data()).unwrap();
        assert_eq!(m["instance-id"], "flotilla-vm1-abc");
        assert_eq!(m["local-hostname"], "vm1");
        assert!(s.network_config().is_none());
    }

    #[test]
    fn a_bridge_address_becomes_network_config_v2() {
        let s = seed(Some(StaticNet {
            mac: "52:54:00:12:34:56".into(),
            address: Ipv4Addr::new(10, 55, 0, 2),
            prefix: 24,
            gateway: Ipv4Addr::new(10, 55, 0, 1),
        }));
        let v: Value = serde_saphyr::from_str(&s.network_config().unwrap()).unwrap();
        assert_eq!(v["version"], 2);
        let nic = &v["ethernets"]["nic0"];
        assert_eq!(nic["match"]["macaddress"], "52:54:00:12:34:56");
        assert_eq!(nic["addresses"][0], "10.55.0.2/24");
        assert_eq!(nic["routes"][0]["via"], "10.55.0.1");
        let img = s.image(&Stamp::now()).unwrap();
        assert!(img.len() > 25 * 2048);
    }
}
