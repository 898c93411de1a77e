//! A swarm's directory in the store, `<store>/swarms/<hash>/`: what the processes of this
//! machine share about one swarm — the decision lock and pending entries
//! ([`super::pending`]), the inspect cache of the one-off live view ([`super::live`]), and one
//! record per running manager ([`ManagerRecord`]), so `env --swarm` finds a manager that does not
//! listen on the master's address.

use std::path::{Path, PathBuf};

use crate::store::{Store, create_private_dir_all, write_atomic};

/// FNV-1a, 64 bits: a stable directory name for a discovery URL (std's
/// hasher may change between releases; this one never does).
fn fnv1a(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// `<store>/swarms/<hash>`.
pub fn swarm_dir(store: &Store, discovery: &str) -> PathBuf {
    store
        .root()
        .join("swarms")
        .join(format!("{:016x}", fnv1a(discovery)))
}

/// The swarm's directory, created if needed; `None` when it cannot be (a
/// read-only store only loses the caches kept there).
pub fn ensure_swarm_dir(store: &Store, discovery: &str) -> Option<PathBuf> {
    let dir = swarm_dir(store, discovery);
    create_private_dir_all(&dir).ok().map(|()| dir)
}

/// Whether the process that wrote a record or an entry still runs. Without `/proc`
/// (not Linux) it is assumed alive and only the expiry applies.
pub fn alive(pid: u32) -> bool {
    if !Path::new("/proc/self").exists() {
        return true;
    }
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Where a running manager can be reached from this machine, written to the swarm's directory
/// while it runs (`managers/<pid>.json`: one file per manager, so managers of the same swarm
/// never overwrite or remove each other's).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ManagerRecord {
    /// `tcp://IP:PORT`, with `127.0.0.1` for a manager listening on every interface.
    pub url: String,
    /// The manager's process id: names its file, and a record whose process is gone is stale.
    pub pid: u32,
    /// With `--replication`: the `etcd://` store the managers are elected through, where
    /// `env --swarm` reads the leader and every manager's advertised address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replication_store: Option<String>,
}

fn managers_dir(store: &Store, discovery: &str) -> PathBuf {
    swarm_dir(store, discovery).join("managers")
}

impl ManagerRecord {
    /// The records of this swarm's managers that still run, oldest process first; the files of
    /// managers that died without cleaning up are removed on the way.
    pub fn running(store: &Store, discovery: &str) -> Vec<ManagerRecord> {
        let dir = managers_dir(store, discovery);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Vec::new();
        };
        let mut out: Vec<ManagerRecord> = entries
            .flatten()
            .filter_map(|e| {
                let path = e.path();
                let r: ManagerRecord = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
                if alive(r.pid) {
                    Some(r)
                } else {
                    let _ = std::fs::remove_file(&path);
                    None
                }
            })
            .collect();
        out.sort_by_key(|r| r.pid);
        out
    }

    /// Writes this record; it lasts until [`ManagerRecord::remove`].
    pub fn write(&self, store: &Store, discovery: &str) -> std::io::Result<()> {
        let dir = managers_dir(store, discovery);
        create_private_dir_all(&dir)?;
        let text = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        write_atomic(&dir.join(format!("{}.json", self.pid)), &text, 0o600)
    }

    /// Removes this record (only this manager's own file).
    pub fn remove(&self, store: &Store, discovery: &str) {
        let _ =
            std::fs::remove_file(managers_dir(store, discovery).join(format!("{}.json", self.pid)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_name_is_stable() {
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
        let s = Store::new("/tmp/x");
        assert!(swarm_dir(&s, "token://abc").starts_with("/tmp/x/swarms"));
    }

    #[test]
    fn managers_of_one_swarm_keep_their_own_records() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::new(dir.path());
        let url = "token://abc";
        let me = ManagerRecord {
            url: "tcp://127.0.0.1:3376".into(),
            pid: std::process::id(),
            replication_store: Some("etcd://127.0.0.1:2379/ha".into()),
        };
        // a second manager that is running (pid 1 always exists) and one that died
        let other = ManagerRecord {
            url: "tcp://127.0.0.1:3377".into(),
            pid: 1,
            replication_store: None,
        };
        let dead = ManagerRecord {
            url: "tcp://127.0.0.1:3378".into(),
            pid: u32::MAX,
            replication_store: None,
        };
        for r in [&me, &other, &dead] {
            r.write(&store, url).expect("write");
        }
        assert_eq!(
            ManagerRecord::running(&store, url),
            vec![other.clone(), me.clone()]
        );
        // the dead one's file was cleaned up
        assert!(
            !managers_dir(&store, url)
                .join(format!("{}.json", u32::MAX))
                .exists()
        );
        me.remove(&store, url);
        assert_eq!(ManagerRecord::running(&store, url), vec![other]);
        assert!(ManagerRecord::running(&store, "token://other").is_empty());
    }
}
