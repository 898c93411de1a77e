//! The stored machine record (`machines/<name>/config.json`).
//!
//! The layout follows docker-machine's `config.json` (PascalCase keys,
//! `HostOptions.{EngineOptions,SwarmOptions,AuthOptions}`) so that
//! `inspect -f` templates written for docker-machine keep working, with one
//! deliberate difference: every path is relative to the store root, so a
//! store can be moved or copied to another computer.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Version of the record layout written by this build. Loading a newer one
/// is refused rather than silently misread.
pub const CONFIG_VERSION: u32 = 1;

/// One machine's record, `machines/<name>/config.json`, laid out as docker-machine's `Host`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Machine {
    /// The layout version it was written with; one newer than [`CONFIG_VERSION`] is refused.
    pub config_version: u32,
    /// The machine's name; it must match its directory's (a record naming another machine is
    /// corrupt).
    pub name: String,
    /// The driver that created it (`generic`, `docker`, `qemu`, `none`…), which later starts,
    /// stops and locates it.
    pub driver_name: String,
    /// The driver's own configuration, opaque to the core.
    #[serde(default)]
    pub driver: serde_json::Value,
    /// What `create` was asked for beyond the driver: engine, swarm and certificates.
    #[serde(default)]
    pub host_options: HostOptions,
    /// Set while a `create` is in progress or after it failed half-way, so
    /// `ls` can show the machine with its error and `rm` can remove it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When `create` began, RFC 3339 in UTC; `None` when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
}

/// docker-machine's `HostOptions`: the engine, swarm and TLS settings of a machine.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct HostOptions {
    /// The `--engine-*` options.
    pub engine_options: EngineOptions,
    /// The `--swarm-*` options.
    pub swarm_options: SwarmOptions,
    /// Where the machine's certificates are, relative to the store root.
    pub auth_options: AuthOptions,
}

/// The `--engine-*` options; every provision applies them to the host's engine.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct EngineOptions {
    /// `--engine-opt flag=value`, passed to the daemon as `--flag=value`.
    pub arbitrary_flags: Vec<String>,
    /// `--engine-env KEY=VALUE`: the daemon's environment.
    pub env: Vec<String>,
    /// `--engine-insecure-registry`: registries the daemon may reach without verified TLS.
    pub insecure_registry: Vec<String>,
    /// `k=v` strings, as docker-machine stores them.
    pub labels: Vec<String>,
    /// `--engine-registry-mirror` URLs (daemon.json's `registry-mirrors`).
    pub registry_mirror: Vec<String>,
    /// `--engine-storage-driver`; empty keeps the host's driver (docker-machine forced one, which
    /// hid the images of an engine that had used another).
    pub storage_driver: String,
    /// `--engine-install-url`: the script run when the host has no engine
    /// (`https://get.docker.com` by default); an installed engine is left alone.
    #[serde(rename = "InstallURL")]
    pub install_url: String,
    /// Engine version to pin at install time; empty means the installer's default.
    pub version: String,
    /// Always `true` as flotilla writes it (its engines require client certificates); kept for
    /// docker-machine's layout.
    pub tls_verify: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            arbitrary_flags: vec![],
            env: vec![],
            insecure_registry: vec![],
            labels: vec![],
            registry_mirror: vec![],
            storage_driver: String::new(),
            install_url: "https://get.docker.com".into(),
            version: String::new(),
            tls_verify: true,
        }
    }
}

impl EngineOptions {
    /// Labels as (key, value) pairs; a label without `=` has an empty value
    /// (docker-machine panicked on those).
    pub fn label_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.labels
            .iter()
            .map(|l| l.split_once('=').unwrap_or((l.as_str(), "")))
    }
}

/// The `--swarm-*` options, as docker-machine's `SwarmOptions`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct SwarmOptions {
    /// A member of a swarm (`--swarm` or `--swarm-master`): `create` registers it in
    /// [`SwarmOptions::discovery`] and `rm` deregisters it.
    pub is_swarm: bool,
    /// `--swarm-master`: flotilla deploys the swarm's manager on this machine.
    pub master: bool,
    /// `--swarm` as given. Recorded as docker-machine did; membership follows
    /// [`SwarmOptions::is_swarm`].
    pub agent: bool,
    /// The swarm's discovery URL (`token://`, `file://`, `nodes://`, `etcd://`), empty outside a
    /// swarm. Machines with the same URL form one swarm.
    pub discovery: String,
    /// `--swarm-strategy`: how the manager places containers (`spread`, the default, `binpack`
    /// or `random`).
    pub strategy: String,
    /// Where the manager listens, `tcp://0.0.0.0:3376` by default.
    pub host: String,
    /// `--swarm-addr HOST:PORT` to register in discovery; empty registers the engine's own
    /// address.
    pub address: String,
    /// `--swarm-opt FLAG=VALUE`: options of the manager (`replication`, `strategy`…).
    pub arbitrary_flags: Vec<String>,
    /// `--swarm-join-opt FLAG=VALUE`: recorded as docker-machine did; flotilla runs no join agent
    /// on members (`create` registers them itself), so nothing applies these.
    pub arbitrary_join_flags: Vec<String>,
}

impl Default for SwarmOptions {
    fn default() -> Self {
        SwarmOptions {
            is_swarm: false,
            master: false,
            agent: false,
            discovery: String::new(),
            strategy: "spread".into(),
            host: "tcp://0.0.0.0:3376".into(),
            address: String::new(),
            arbitrary_flags: vec![],
            arbitrary_join_flags: vec![],
        }
    }
}

impl SwarmOptions {
    /// The manager's port from `Host`, 3376 when it cannot be read.
    pub fn host_port(&self) -> u16 {
        self.host
            .rsplit_once(':')
            .and_then(|(_, p)| p.trim_end_matches('/').parse().ok())
            .unwrap_or(3376)
    }

    /// The `--swarm-opt KEY[=VALUE]` options as (key, value) pairs, leading dashes dropped: what
    /// the deployed manager is given as `--KEY[=VALUE]`.
    pub fn opts(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.arbitrary_flags.iter().map(|o| {
            let o = o.trim().trim_start_matches('-');
            match o.split_once('=') {
                Some((k, v)) => (k, Some(v)),
                None => (o, None),
            }
        })
    }

    /// The value of `--swarm-opt KEY=VALUE`, or `Some("")` for a bare `--swarm-opt KEY`.
    pub fn opt(&self, key: &str) -> Option<&str> {
        self.opts()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.unwrap_or_default())
    }

    /// The etcd the swarm's managers are elected through, as `manage --replication` picks it:
    /// `--swarm-opt replication-store=URL` when given, else the discovery. `None` when that is
    /// not an `etcd://` URL (the manager refuses it).
    pub fn election_store(&self) -> Option<&str> {
        let store = self.opt("replication-store").unwrap_or(&self.discovery);
        store.starts_with("etcd://").then_some(store)
    }
}

/// Certificate locations, relative to the store root.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct AuthOptions {
    /// The store's shared certificates (`certs`).
    pub cert_dir: String,
    /// The machine's copy of the CA certificate, which signed the engine's certificate.
    pub ca_cert_path: String,
    /// The client certificate presented to the engine.
    pub client_cert_path: String,
    /// The client certificate's key.
    pub client_key_path: String,
    /// The engine's server certificate, kept so that a new provision can reuse it.
    pub server_cert_path: String,
    /// The engine's server key.
    pub server_key_path: String,
    /// `--tls-san` names and addresses, added to the server certificate's (the engine's host
    /// and `localhost` are always there).
    #[serde(rename = "ServerCertSANs")]
    pub server_cert_sans: Vec<String>,
    /// The machine's directory, `machines/<name>`.
    pub store_path: String,
}

impl Default for AuthOptions {
    fn default() -> Self {
        AuthOptions::for_machine("")
    }
}

impl AuthOptions {
    /// The default layout for machine `name`: every file in `machines/<name>/`.
    pub fn for_machine(name: &str) -> Self {
        let dir = format!("machines/{name}");
        AuthOptions {
            cert_dir: "certs".into(),
            ca_cert_path: format!("{dir}/ca.pem"),
            client_cert_path: format!("{dir}/cert.pem"),
            client_key_path: format!("{dir}/key.pem"),
            server_cert_path: format!("{dir}/server.pem"),
            server_key_path: format!("{dir}/server-key.pem"),
            server_cert_sans: vec![],
            store_path: dir,
        }
    }

    /// The same options with every path made absolute against `root`
    /// (what `inspect` shows, so templates yield usable paths).
    pub fn resolved(&self, root: &Path) -> Self {
        let abs = |p: &str| -> String {
            if p.is_empty() {
                String::new()
            } else {
                root.join(p).to_string_lossy().into_owned()
            }
        };
        AuthOptions {
            cert_dir: abs(&self.cert_dir),
            ca_cert_path: abs(&self.ca_cert_path),
            client_cert_path: abs(&self.client_cert_path),
            client_key_path: abs(&self.client_key_path),
            server_cert_path: abs(&self.server_cert_path),
            server_key_path: abs(&self.server_key_path),
            server_cert_sans: self.server_cert_sans.clone(),
            store_path: abs(&self.store_path),
        }
    }
}

/// A certificate path in a record that does not stay inside the store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the record of machine {machine:?} gives {field} as {value:?}, which is not inside the store: certificate paths in config.json are relative to the store, without `..`"
)]
pub struct PathOutsideStore {
    /// The machine whose record it is.
    pub machine: String,
    /// The record's key, as config.json spells it (`ClientKeyPath`…).
    pub field: &'static str,
    /// The path as the record gives it.
    pub value: String,
}

/// `rel` joined to `root`, if `rel` is a non-empty relative path made only
/// of normal components. Records are plain JSON a user can edit; without
/// this an absolute path or `../..` would make flotilla read (or, for
/// server certificates, write) any file the user can reach.
pub fn inside_store(root: &Path, rel: &str) -> Option<PathBuf> {
    use std::path::Component;
    let p = Path::new(rel);
    let normal = !rel.is_empty()
        && p.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    normal.then(|| root.join(p))
}

/// Client-side TLS material for reaching a machine's engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The CA certificate the engine's server certificate must chain to.
    pub ca: PathBuf,
    /// The client certificate presented to the engine.
    pub cert: PathBuf,
    /// The client certificate's key.
    pub key: PathBuf,
}

impl Machine {
    /// A fresh record for `create`: the current layout version, default options, certificate
    /// paths under `machines/<name>/`, no driver configuration yet.
    pub fn new(name: &str, driver_name: &str) -> Self {
        let host_options = HostOptions {
            auth_options: AuthOptions::for_machine(name),
            ..Default::default()
        };
        Machine {
            config_version: CONFIG_VERSION,
            name: name.to_string(),
            driver_name: driver_name.to_string(),
            driver: serde_json::Value::Null,
            host_options,
            error: None,
            created_at: None,
        }
    }

    /// The client certificate files, resolved inside the store. A record
    /// edited to name a file elsewhere is refused (see [`inside_store`]).
    pub fn tls_files(&self, root: &Path) -> Result<TlsFiles, PathOutsideStore> {
        let a = &self.host_options.auth_options;
        Ok(TlsFiles {
            ca: self.inside_store(root, "CaCertPath", &a.ca_cert_path)?,
            cert: self.inside_store(root, "ClientCertPath", &a.client_cert_path)?,
            key: self.inside_store(root, "ClientKeyPath", &a.client_key_path)?,
        })
    }

    /// Where the engine's server certificate and key are kept, resolved
    /// inside the store like [`Machine::tls_files`].
    pub fn server_cert_files(&self, root: &Path) -> Result<(PathBuf, PathBuf), PathOutsideStore> {
        let a = &self.host_options.auth_options;
        Ok((
            self.inside_store(root, "ServerCertPath", &a.server_cert_path)?,
            self.inside_store(root, "ServerKeyPath", &a.server_key_path)?,
        ))
    }

    fn inside_store(
        &self,
        root: &Path,
        field: &'static str,
        value: &str,
    ) -> Result<PathBuf, PathOutsideStore> {
        inside_store(root, value).ok_or_else(|| PathOutsideStore {
            machine: self.name.clone(),
            field,
            value: value.to_string(),
        })
    }

    /// The machine's `--engine-*` options.
    pub fn engine(&self) -> &EngineOptions {
        &self.host_options.engine_options
    }

    /// The machine's `--swarm-*` options.
    pub fn swarm(&self) -> &SwarmOptions {
        &self.host_options.swarm_options
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_round_trips_with_relative_paths() {
        let mut m = Machine::new("n1", "none");
        m.host_options.engine_options.labels = vec!["a=b".into(), "flag".into()];
        let json = serde_json::to_string(&m).unwrap();
        assert!(
            json.contains(r#""CaCertPath":"machines/n1/ca.pem""#),
            "{json}"
        );
        let back: Machine = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
        let pairs: Vec<_> = back.engine().label_pairs().collect();
        assert_eq!(pairs, vec![("a", "b"), ("flag", "")]);
    }

    #[test]
    fn swarm_port_defaults() {
        let mut s = SwarmOptions::default();
        assert_eq!(s.host_port(), 3376);
        s.host = "tcp://0.0.0.0:4000".into();
        assert_eq!(s.host_port(), 4000);
        s.host = "garbage".into();
        assert_eq!(s.host_port(), 3376);
    }

    #[test]
    fn certificate_paths_stay_inside_the_store() {
        let root = Path::new("/s");
        let m = Machine::new("x", "none");
        let files = m.tls_files(root).unwrap();
        assert_eq!(files.ca, Path::new("/s/machines/x/ca.pem"));
        assert_eq!(files.key, Path::new("/s/machines/x/key.pem"));
        assert_eq!(
            m.server_cert_files(root).unwrap().1,
            Path::new("/s/machines/x/server-key.pem")
        );
        for bad in [
            "/etc/passwd",
            "../ca.pem",
            "machines/../../ca.pem",
            "machines/x/../../../etc/passwd",
            "",
        ] {
            assert_eq!(inside_store(root, bad), None, "{bad:?}");
            let mut m = m.clone();
            m.host_options.auth_options.client_key_path = bad.into();
            let e = m.tls_files(root).unwrap_err();
            assert_eq!(e.field, "ClientKeyPath");
            assert!(e.to_string().contains("not inside the store"), "{e}");
            let mut m = Machine::new("x", "none");
            m.host_options.auth_options.server_cert_path = bad.into();
            assert_eq!(
                m.server_cert_files(root).unwrap_err().field,
                "ServerCertPath"
            );
        }
    }

    #[test]
    fn resolved_paths_are_absolute() {
        let a = AuthOptions::for_machine("x").resolved(Path::new("/s"));
        assert_eq!(a.ca_cert_path, "/s/machines/x/ca.pem");
        assert_eq!(a.store_path, "/s/machines/x");
    }
}
