//! The local store: certificates and one directory per machine.
//!
//! ```text
//! <root>/certs/{ca,ca-key,cert,key}.pem
//! <root>/machines/<name>/config.json   (+ ca.pem cert.pem key.pem for DOCKER_CERT_PATH)
//! <root>/.lock                          store-wide advisory lock
//! ```
//!
//! Every read-modify-write happens under the store lock, so parallel
//! commands never lose or corrupt a record.

mod fsutil;
pub mod machine;

pub use fsutil::{
    Durability, MAX_PEM_FILE, copy_with_mode, create_private_dir_all, open_lock_file, read_bounded,
    read_file_bounded, replace_file, write_atomic,
};
pub use machine::{Machine, PathOutsideStore, TlsFiles};

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

/// Why a store operation failed; each variant names the machine or the file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The name breaks the hostname rule of [`validate_name`].
    #[error(
        "invalid machine name {0:?}: names start with a letter or digit and contain only 0-9a-zA-Z . -"
    )]
    InvalidName(String),
    /// The name's directory exists, even if only from a `create` that failed half-way.
    #[error("machine {0:?} already exists")]
    AlreadyExists(String),
    /// No directory has this name.
    #[error("machine {0:?} does not exist")]
    NotFound(String),
    /// A file or directory exists but cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// What was being read.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// A file or directory cannot be created, written, locked or removed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// What was being written (for the lock, `<root>/.lock`).
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// A record that does not parse as JSON, or that names another machine than its directory.
    #[error("corrupt record {path}: {message}")]
    Corrupt {
        /// The record's `config.json`.
        path: PathBuf,
        /// The parser's complaint, or the name the record gives.
        message: String,
    },
    /// A record's certificate path leads out of the store.
    #[error(transparent)]
    OutsideStore(#[from] machine::PathOutsideStore),
    /// A record written by a newer flotilla, refused rather than misread.
    #[error(
        "{path} has config version {found}, newer than this flotilla understands ({supported}); upgrade flotilla"
    )]
    FromTheFuture {
        /// The record's `config.json`.
        path: PathBuf,
        /// The record's `ConfigVersion`.
        found: u32,
        /// The newest version this build reads ([`machine::CONFIG_VERSION`]).
        supported: u32,
    },
}

static NAME_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9][a-zA-Z0-9.-]*$").expect("static regex"));

/// Checks a machine name against docker-machine's hostname rule.
pub fn validate_name(name: &str) -> Result<(), StoreError> {
    if NAME_RE.is_match(name) && name.len() <= 253 {
        Ok(())
    } else {
        Err(StoreError::InvalidName(name.to_string()))
    }
}

/// The platform default store: `$XDG_DATA_HOME/flotilla` (usually
/// `~/.local/share/flotilla`).
pub fn default_root() -> PathBuf {
    dirs::data_dir()
        .or_else(|| dirs::home_dir().map(|h| h.join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."))
        .join("flotilla")
}

/// The store at one root directory: a path, no open file, so cheap to clone and share.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

/// Held for the duration of a read-modify-write; released on drop.
#[derive(Debug)]
pub struct StoreLock {
    _file: File,
}

impl Store {
    /// The store at `root`; nothing is read or created until it is used.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Store { root: root.into() }
    }

    /// The root every relative path in a record is resolved against.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<root>/certs`: the CA and the client certificate every machine shares.
    pub fn certs_dir(&self) -> PathBuf {
        self.root.join("certs")
    }

    /// `<root>/machines`: one directory per machine; its subdirectory names are the machine names.
    pub fn machines_dir(&self) -> PathBuf {
        self.root.join("machines")
    }

    /// `<root>/machines/<name>`: the record and its certificate copies (the `DOCKER_CERT_PATH`).
    /// `name` is not validated here.
    pub fn machine_dir(&self, name: &str) -> PathBuf {
        self.machines_dir().join(name)
    }

    fn config_path(&self, name: &str) -> PathBuf {
        self.machine_dir(name).join("config.json")
    }

    /// Creates the store's directories if needed.
    pub fn ensure(&self) -> Result<(), StoreError> {
        for d in [self.root.clone(), self.certs_dir(), self.machines_dir()] {
            create_private_dir_all(&d).map_err(|source| StoreError::Write { path: d, source })?;
        }
        Ok(())
    }

    /// Takes the store-wide advisory lock, waiting for other flotilla
    /// processes to release it.
    pub fn lock(&self) -> Result<StoreLock, StoreError> {
        self.ensure()?;
        let path = self.root.join(".lock");
        let file = fsutil::open_lock_file(&path).map_err(|source| StoreError::Write {
            path: path.clone(),
            source,
        })?;
        file.lock()
            .map_err(|source| StoreError::Write { path, source })?;
        Ok(StoreLock { _file: file })
    }

    /// Names of all machines, sorted naturally (case-insensitive, digits by value).
    /// Reads only directory names: no record is parsed.
    pub fn list_names(&self) -> Result<Vec<String>, StoreError> {
        let dir = self.machines_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(vec![]),
            Err(source) => return Err(StoreError::Read { path: dir, source }),
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| !n.starts_with('.'))
            .collect();
        names.sort_by(|a, b| natural_cmp(&a.to_lowercase(), &b.to_lowercase()));
        Ok(names)
    }

    /// Whether the machine's directory exists; its record may still be missing or corrupt.
    pub fn exists(&self, name: &str) -> bool {
        self.machine_dir(name).is_dir()
    }

    /// Reads a machine's record: [`StoreError::NotFound`] without its directory,
    /// [`StoreError::FromTheFuture`] for a newer layout, [`StoreError::Corrupt`] when it does not
    /// parse or names another machine.
    pub fn load(&self, name: &str) -> Result<Machine, StoreError> {
        let path = self.config_path(name);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound && !self.exists(name) => {
                return Err(StoreError::NotFound(name.to_string()));
            }
            Err(source) => return Err(StoreError::Read { path, source }),
        };
        // Check the version before the full parse so a newer layout is named
        // as such rather than reported as corruption.
        #[derive(serde::Deserialize)]
        struct Version {
            #[serde(rename = "ConfigVersion", default)]
            v: u32,
        }
        let version: Version = serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
            path: path.clone(),
            message: e.to_string(),
        })?;
        if version.v > machine::CONFIG_VERSION {
            return Err(StoreError::FromTheFuture {
                path,
                found: version.v,
                supported: machine::CONFIG_VERSION,
            });
        }
        let m: Machine = serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
            path: path.clone(),
            message: e.to_string(),
        })?;
        if m.name != name {
            return Err(StoreError::Corrupt {
                path,
                message: format!("record names machine {:?}, not {name:?}", m.name),
            });
        }
        Ok(m)
    }

    /// Writes a record atomically (0600).
    pub fn save(&self, m: &Machine) -> Result<(), StoreError> {
        let path = self.config_path(&m.name);
        let mut json = serde_json::to_vec_pretty(m).map_err(|e| StoreError::Corrupt {
            path: path.clone(),
            message: e.to_string(),
        })?;
        json.push(b'\n');
        write_atomic(&path, &json, 0o600).map_err(|source| StoreError::Write { path, source })
    }

    /// Reserves a name by creating its directory and a first record, under
    /// the store lock. Fails if the name is taken.
    pub fn reserve(&self, m: &Machine) -> Result<(), StoreError> {
        validate_name(&m.name)?;
        let _lock = self.lock()?;
        let dir = self.machine_dir(&m.name);
        match fsutil::create_private_dir(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(StoreError::AlreadyExists(m.name.clone()));
            }
            Err(source) => return Err(StoreError::Write { path: dir, source }),
        }
        self.save(m)
    }

    /// Deletes a machine's directory.
    pub fn remove(&self, name: &str) -> Result<(), StoreError> {
        let dir = self.machine_dir(name);
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(StoreError::NotFound(name.to_string()))
            }
            Err(source) => Err(StoreError::Write { path: dir, source }),
        }
    }
}

/// Orders strings with embedded numbers by value (`n2` < `n10`).
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let na = a.iter().take_while(|c| c.is_ascii_digit()).count();
                let nb = b.iter().take_while(|c| c.is_ascii_digit()).count();
                let (da, db) = (&a[..na], &b[..nb]);
                let ta = trim_zeros(da);
                let tb = trim_zeros(db);
                let ord = ta.len().cmp(&tb.len()).then_with(|| ta.cmp(tb));
                if ord != Ordering::Equal {
                    return ord;
                }
                a = &a[na..];
                b = &b[nb..];
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                a = &a[1..];
                b = &b[1..];
            }
        }
    }
}

fn trim_zeros(d: &[u8]) -> &[u8] {
    let n = d.iter().take_while(|c| **c == b'0').count();
    &d[n.min(d.len().saturating_sub(1))..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in ["a", "default", "node-1", "n1.example", "9x"] {
            assert!(validate_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-a", ".a", "a_b", "a b", "a/b", "é"] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn natural_order() {
        let mut v = vec!["n10", "n2", "N1", "a", "n02x"];
        v.sort_by(|a, b| natural_cmp(&a.to_lowercase(), &b.to_lowercase()));
        assert_eq!(v, vec!["a", "N1", "n2", "n02x", "n10"]);
    }

    #[test]
    fn reserve_save_load_remove() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("s"));
        let m = Machine::new("n1", "none");
        store.reserve(&m).unwrap();
        assert!(matches!(
            store.reserve(&m),
            Err(StoreError::AlreadyExists(_))
        ));
        assert_eq!(store.load("n1").unwrap(), m);
        assert_eq!(store.list_names().unwrap(), vec!["n1"]);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(store.machine_dir("n1").join("config.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        store.remove("n1").unwrap();
        assert!(matches!(store.load("n1"), Err(StoreError::NotFound(_))));
    }

    #[test]
    fn corrupt_and_future_records_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        store.reserve(&Machine::new("bad", "none")).unwrap();
        std::fs::write(store.machine_dir("bad").join("config.json"), b"{not json").unwrap();
        assert!(matches!(store.load("bad"), Err(StoreError::Corrupt { .. })));
        std::fs::write(
            store.machine_dir("bad").join("config.json"),
            br#"{"ConfigVersion": 99, "Name": "bad"}"#,
        )
        .unwrap();
        assert!(matches!(
            store.load("bad"),
            Err(StoreError::FromTheFuture { .. })
        ));
    }
}
