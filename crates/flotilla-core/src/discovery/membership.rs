//! Swarm membership of machines: what `create --swarm` registers and `rm`
//! removes. The registration is remembered in the machine's directory
//! (`discovery.json`: URL, the service it went to, the address), so `rm`
//! deregisters exactly what was registered, from the same place, even when
//! the engine's address or `FLOTILLA_DISCOVERY_URL` changed since.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Addr, DiscoveryError, DiscoveryUrl, Settings};

const FILE: &str = "discovery.json";

/// A registration as recorded in the machine's `discovery.json`: enough to undo it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// The swarm's discovery URL.
    pub url: String,
    /// `--discovery-url` at registration, for `token://TOKEN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// `--discovery-ca` at registration, to reach an HTTPS token service again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca: Option<PathBuf>,
    /// The address registered, `host:port`.
    pub addr: String,
}

/// What happened to a registration request.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Registered, and recorded in the machine's directory.
    Registered,
    /// The backend is a fixed list (`nodes://`): nothing to register.
    Static,
}

/// The address a machine advertises: `--swarm-addr` when given, otherwise
/// the engine URL's `host:port` (pure).
pub fn advertise_addr(swarm_addr: &str, engine: Option<(&str, u16)>) -> Result<Addr, String> {
    if !swarm_addr.is_empty() {
        return swarm_addr
            .parse()
            .map_err(|e: super::addr::AddrError| format!("--swarm-addr: {e}"));
    }
    match engine {
        Some((host, port)) => Ok(Addr {
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            port,
        }),
        None => Err("the engine listens on a unix socket; pass --swarm-addr HOST:PORT".into()),
    }
}

/// Checks that a swarm's discovery answers (and, for tokens, knows the
/// token) before `create` makes a machine. Files may not exist yet
/// (registration creates them) and node lists need nothing.
pub async fn preflight(url: &str, settings: &Settings) -> Result<(), DiscoveryError> {
    match DiscoveryUrl::parse(url)? {
        DiscoveryUrl::Token { .. } | DiscoveryUrl::Etcd { .. } => {
            super::open(url, settings)?.list().await.map(|_| ())
        }
        DiscoveryUrl::File { .. } | DiscoveryUrl::Nodes { .. } => Ok(()),
    }
}

/// Registers `addr` without a TTL and records it in `machine_dir`.
pub async fn register(
    machine_dir: &Path,
    url: &str,
    addr: &Addr,
    settings: &Settings,
) -> Result<Outcome, DiscoveryError> {
    if matches!(DiscoveryUrl::parse(url)?, DiscoveryUrl::Nodes { .. }) {
        return Ok(Outcome::Static);
    }
    let d = super::open(url, settings)?;
    d.register(addr, None).await?;
    let m = Membership {
        url: url.to_string(),
        service: settings.service.clone(),
        ca: settings.ca.clone(),
        addr: addr.to_string(),
    };
    let mut json = serde_json::to_vec_pretty(&m).unwrap_or_default();
    json.push(b'\n');
    crate::store::write_atomic(&machine_dir.join(FILE), &json, 0o600).map_err(|e| {
        DiscoveryError::Failed {
            url: url.to_string(),
            message: format!(
                "registered, but cannot record it in {}: {e}",
                machine_dir.display()
            ),
        }
    })?;
    Ok(Outcome::Registered)
}

/// Reads the recorded membership, if any.
pub fn recorded(machine_dir: &Path) -> Option<Membership> {
    let bytes = std::fs::read(machine_dir.join(FILE)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Deregisters what `register` recorded; `Ok(None)` when nothing was.
pub async fn deregister(
    machine_dir: &Path,
    store_root: &Path,
) -> Result<Option<Membership>, DiscoveryError> {
    let Some(m) = recorded(machine_dir) else {
        return Ok(None);
    };
    let settings = Settings {
        service: m.service.clone(),
        ca: m.ca.clone(),
        secret_file: None,
        timeout: super::DEFAULT_TIMEOUT,
        store_root: store_root.to_path_buf(),
    };
    let addr: Addr =
        m.addr
            .parse()
            .map_err(|e: super::addr::AddrError| DiscoveryError::Failed {
                url: m.url.clone(),
                message: format!("recorded address: {e}"),
            })?;
    let d = super::open(&m.url, &settings)?;
    match d.deregister(&addr).await {
        // The cluster is gone already: so is the membership.
        Ok(()) | Err(DiscoveryError::UnknownToken { .. }) => Ok(Some(m)),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advertise_address_choice() {
        assert_eq!(
            advertise_addr("", Some(("10.0.0.5", 2376)))
                .unwrap()
                .to_string(),
            "10.0.0.5:2376"
        );
        assert_eq!(
            advertise_addr("", Some(("[::1]", 2376)))
                .unwrap()
                .to_string(),
            "[::1]:2376"
        );
        assert_eq!(
            advertise_addr("1.2.3.4:3000", Some(("10.0.0.5", 2376)))
                .unwrap()
                .to_string(),
            "1.2.3.4:3000"
        );
        assert!(
            advertise_addr("nope", None)
                .unwrap_err()
                .starts_with("--swarm-addr")
        );
        assert!(
            advertise_addr("", None)
                .unwrap_err()
                .contains("unix socket")
        );
    }
}
