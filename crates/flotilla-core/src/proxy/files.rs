//! The operator's files the configuration refers to (I/O): nginx-proxy's certificates directory
//! (`HOST.crt` + `HOST.key`, `default.crt` + `default.key`), `vhost.d/` snippets and
//! `htpasswd/` files.
//!
//! [`scan`] reads them whole on every call and fingerprints each certificate (SHA-256 of both
//! files): the renderer writes the fingerprint into the configuration, so a certificate renewed
//! in place changes the configuration and the watcher reloads nginx, while an unchanged
//! directory renders the same bytes and reloads nothing. The watcher scans every
//! [`SCAN_EVERY`]; a scan of a few dozen small files costs well under a millisecond.
//!
//! In local mode nginx reads the files where they are. In node mode they are copied into the
//! data plane container ([`ProxyFiles::uploads`]) under [`crate::proxy::dataplane::NODE_PREFIX`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::nginx::{CertFile, Certs, Snippets};

/// How often the watcher looks at the files again.
pub const SCAN_EVERY: Duration = Duration::from_secs(2);

/// Largest file read (a certificate chain, a snippet or an htpasswd file).
const MAX_FILE: u64 = 1024 * 1024;

/// One file the configuration uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Where it was read, on this host.
    pub path: PathBuf,
    /// Its whole content (at most 1 MiB: larger files are left out).
    pub bytes: Vec<u8>,
}

/// A certificate with its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundCert {
    /// `STEM.crt`: the certificate chain, PEM.
    pub crt: Found,
    /// `STEM.key`: its private key, PEM.
    pub key: Found,
    /// SHA-256 of both files (hex): rendered into the configuration, so a renewal in place reloads
    /// nginx.
    pub fingerprint: String,
    /// Unix seconds of the certificate's `notAfter`, when it parses.
    pub not_after: Option<u64>,
}

/// Everything found in the three directories.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProxyFiles {
    /// File stem → certificate (only stems with both a `.crt` and a `.key`).
    pub certs: BTreeMap<String, FoundCert>,
    /// `vhost.d` file name → file.
    pub vhost_d: BTreeMap<String, Found>,
    /// `htpasswd` file name → file.
    pub htpasswd: BTreeMap<String, Found>,
}

/// Where the three directories are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDirs {
    /// Certificates (`HOST.crt` + `HOST.key`, `default.crt` + `default.key`): `--certs`, else
    /// `CONF_DIR/certs`.
    pub certs: PathBuf,
    /// nginx-proxy's per-vhost includes (`HOST`, `HOST_location`, `default`, `default_location`).
    pub vhost_d: PathBuf,
    /// nginx-proxy's basic-auth files, one per vhost (`HOST`).
    pub htpasswd: PathBuf,
}

impl FileDirs {
    /// nginx-proxy's layout under `conf_dir`, with the certificates in `certs` when given.
    pub fn under(conf_dir: &Path, certs: Option<PathBuf>) -> FileDirs {
        FileDirs {
            certs: certs.unwrap_or_else(|| conf_dir.join("certs")),
            vhost_d: conf_dir.join("vhost.d"),
            htpasswd: conf_dir.join("htpasswd"),
        }
    }
}

/// A name nginx may be pointed at: no path separator, no leading dot, printable ASCII.
fn usable_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '*'))
}

fn read_dir(dir: &Path) -> BTreeMap<String, Found> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !usable_name(&name) {
            continue;
        }
        let path = e.path();
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if !meta.is_file() || meta.len() > MAX_FILE {
            continue;
        }
        if let Ok(bytes) = std::fs::read(&path) {
            out.insert(name, Found { path, bytes });
        }
    }
    out
}

/// SHA-256 of `parts`, hex.
pub fn fingerprint(parts: &[&[u8]]) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for p in parts {
        ctx.update(&(p.len() as u64).to_be_bytes());
        ctx.update(p);
    }
    ctx.finish()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `notAfter` of the first certificate of a PEM chain, in unix seconds.
pub fn not_after(pem: &[u8]) -> Option<u64> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem).ok()?;
    let cert = pem.parse_x509().ok()?;
    u64::try_from(cert.validity().not_after.timestamp()).ok()
}

/// Reads the three directories. Missing directories are empty; unreadable or oversized files
/// are left out.
pub fn scan(dirs: &FileDirs) -> ProxyFiles {
    let all = read_dir(&dirs.certs);
    let mut certs = BTreeMap::new();
    for (name, crt) in &all {
        let Some(stem) = name.strip_suffix(".crt") else {
            continue;
        };
        let Some(key) = all.get(&format!("{stem}.key")) else {
            continue;
        };
        certs.insert(
            stem.to_string(),
            FoundCert {
                fingerprint: fingerprint(&[&crt.bytes, &key.bytes]),
                not_after: not_after(&crt.bytes),
                crt: crt.clone(),
                key: key.clone(),
            },
        );
    }
    ProxyFiles {
        certs,
        vhost_d: read_dir(&dirs.vhost_d),
        htpasswd: read_dir(&dirs.htpasswd),
    }
}

/// Where files live for the data plane: on this host, or copied into a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// nginx reads the files where they are.
    InPlace,
    /// nginx reads copies under this directory (a node's container).
    Copied(String),
}

impl ProxyFiles {
    fn nginx_path(place: &Placement, kind: &str, name: &str, found: &Found) -> String {
        match place {
            Placement::InPlace => found.path.to_string_lossy().into_owned(),
            Placement::Copied(root) => format!("{root}/{kind}/{name}"),
        }
    }

    /// The renderer's view: certificates and snippets with the paths nginx reads.
    pub fn render_view(&self, place: &Placement) -> (BTreeMap<String, CertFile>, Snippets) {
        let certs = self
            .certs
            .iter()
            .map(|(stem, c)| {
                (
                    stem.clone(),
                    CertFile {
                        crt: Self::nginx_path(place, "certs", &format!("{stem}.crt"), &c.crt),
                        key: Self::nginx_path(place, "certs", &format!("{stem}.key"), &c.key),
                        fingerprint: c.fingerprint.clone(),
                    },
                )
            })
            .collect();
        let map = |kind: &str, m: &BTreeMap<String, Found>| {
            m.iter()
                .map(|(n, f)| (n.clone(), Self::nginx_path(place, kind, n, f)))
                .collect()
        };
        let snippets = Snippets {
            vhost_d: map("vhost.d", &self.vhost_d),
            htpasswd: map("htpasswd", &self.htpasswd),
        };
        (certs, snippets)
    }

    /// The files to copy into a container under `root`: (path, bytes, mode). Keys are 0600.
    pub fn uploads(&self, root: &str) -> Vec<(String, Vec<u8>, u32)> {
        let mut out = Vec::new();
        for (stem, c) in &self.certs {
            out.push((
                format!("{root}/certs/{stem}.crt"),
                c.crt.bytes.clone(),
                0o644,
            ));
            out.push((
                format!("{root}/certs/{stem}.key"),
                c.key.bytes.clone(),
                0o600,
            ));
        }
        for (kind, m) in [("vhost.d", &self.vhost_d), ("htpasswd", &self.htpasswd)] {
            for (n, f) in m {
                out.push((format!("{root}/{kind}/{n}"), f.bytes.clone(), 0o644));
            }
        }
        out
    }
}

/// Adds certificates issued by the built-in ACME client to the renderer's view.
pub fn with_acme(mut certs: Certs, acme: BTreeMap<String, CertFile>) -> Certs {
    certs.acme = acme;
    certs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_pairs_certificates_with_keys_and_fingerprints_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dirs = FileDirs::under(dir.path(), None);
        assert_eq!(scan(&dirs), ProxyFiles::default());
        std::fs::create_dir_all(&dirs.certs).expect("certs");
        std::fs::create_dir_all(&dirs.vhost_d).expect("vhost.d");
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = rcgen::CertificateParams::new(vec!["a.test".to_string()])
            .expect("params")
            .self_signed(&key)
            .expect("cert");
        std::fs::write(dirs.certs.join("a.test.crt"), cert.pem()).expect("crt");
        std::fs::write(dirs.certs.join("a.test.key"), key.serialize_pem()).expect("key");
        std::fs::write(dirs.certs.join("lonely.crt"), "x").expect("lonely");
        std::fs::write(dirs.certs.join(".hidden.crt"), "x").expect("hidden");
        std::fs::write(dirs.vhost_d.join("a.test"), "client_max_body_size 1m;\n").expect("vd");
        let found = scan(&dirs);
        assert_eq!(found.certs.keys().collect::<Vec<_>>(), ["a.test"]);
        let c = &found.certs["a.test"];
        assert_eq!(c.fingerprint.len(), 64);
        let in_a_year = crate::proxy::status::now() + 365 * 86400;
        assert!(c.not_after.is_some_and(|t| t > in_a_year), "{c:?}");
        assert_eq!(found.vhost_d.keys().collect::<Vec<_>>(), ["a.test"]);

        // same files, same fingerprint; a renewed key changes it
        assert_eq!(scan(&dirs).certs["a.test"].fingerprint, c.fingerprint);
        std::fs::write(dirs.certs.join("a.test.key"), "renewed").expect("key");
        assert_ne!(scan(&dirs).certs["a.test"].fingerprint, c.fingerprint);

        let (certs, snippets) = found.render_view(&Placement::InPlace);
        assert_eq!(
            certs["a.test"].crt,
            dirs.certs.join("a.test.crt").to_string_lossy()
        );
        let (certs, snippets_node) = found.render_view(&Placement::Copied("/p/files".into()));
        assert_eq!(certs["a.test"].key, "/p/files/certs/a.test.key");
        assert_eq!(snippets_node.vhost_d["a.test"], "/p/files/vhost.d/a.test");
        assert_ne!(snippets, snippets_node);
        let up = found.uploads("/p/files");
        assert!(up.contains(&(
            "/p/files/certs/a.test.key".to_string(),
            key.serialize_pem().into_bytes(),
            0o600
        )));
    }
}
