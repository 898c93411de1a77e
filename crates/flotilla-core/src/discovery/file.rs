//! `file:///path`: one address per line, `#` comments, `[from:to]` ranges.
//! The file is read on every `list` (and polled by `watch`), so edits are
//! seen without a restart.
//!
//! Unlike classic swarm, registering without a TTL works (`create --swarm`
//! appends the machine's line, `rm` removes it), under a lock file next to
//! the list, so a file-based cluster needs no hand editing. TTLs are not
//! supported: a file has no one to expire entries, so `join` is refused.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// The most a discovery file may hold: one address a line, far more than any swarm has.
const MAX_FILE: u64 = 16 << 20;

use async_trait::async_trait;

use super::{Addr, Discovery, DiscoveryError, Result, addr};

/// A `file://` list (see the module docs).
pub struct FileBackend {
    url: String,
    path: PathBuf,
}

/// Parses a list file's content (pure): trim, skip `#` lines, cut inline
/// comments, expand ranges. Errors name the line.
pub fn parse(content: &str) -> Result<Vec<Addr>, String> {
    let mut out = Vec::new();
    for (i, line) in content.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let addrs = addr::expand_addrs([line]).map_err(|e| format!("line {}: {e}", i + 1))?;
        out.extend(addrs);
    }
    Ok(out)
}

impl FileBackend {
    /// The list at `path`; `url` is what errors name. Nothing is read here: a missing file
    /// fails `list`, while `register` creates it.
    pub fn new(url: &str, path: &str) -> Self {
        FileBackend {
            url: url.to_string(),
            path: PathBuf::from(path),
        }
    }

    fn failed(&self, message: String) -> DiscoveryError {
        DiscoveryError::Failed {
            url: self.url.clone(),
            message,
        }
    }

    /// Reads the file, within [`MAX_FILE`].
    fn read(&self) -> Result<Option<String>> {
        match crate::store::read_file_bounded(&self.path, MAX_FILE).and_then(|b| {
            String::from_utf8(b)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
        }) {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.failed(format!("cannot read {}: {e}", self.path.display()))),
        }
    }

    /// Runs `f` over the file's lines under `.<name>.lock` and writes the
    /// result atomically when it changed.
    fn edit(&self, f: impl FnOnce(&mut Vec<String>) -> bool) -> Result<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let lock_path = dir.join(format!(".{name}.lock"));
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .and_then(|f| f.lock().map(|()| f))
            .map_err(|e| self.failed(format!("cannot lock {}: {e}", lock_path.display())))?;
        let content = self.read()?.unwrap_or_default();
        let mut lines: Vec<String> = content.lines().map(str::to_string).collect();
        if f(&mut lines) {
            let mut text = lines.join("\n");
            text.push('\n');
            crate::store::write_atomic(&self.path, text.as_bytes(), 0o644)
                .map_err(|e| self.failed(format!("cannot write {}: {e}", self.path.display())))?;
        }
        drop(lock);
        Ok(())
    }
}

#[async_trait]
impl Discovery for FileBackend {
    fn url(&self) -> &str {
        &self.url
    }

    async fn register(&self, a: &Addr, ttl: Option<Duration>) -> Result<()> {
        if ttl.is_some() {
            return Err(DiscoveryError::Unsupported {
                url: self.url.clone(),
                op: "registering with a TTL",
                why: "nothing expires entries in a file; use token:// or etcd:// for join".into(),
            });
        }
        let line = a.to_string();
        self.edit(|lines| {
            let present = lines.iter().any(|l| {
                let l = l.split('#').next().unwrap_or_default().trim();
                addr::expand_addrs([l]).is_ok_and(|v| v.contains(a))
            });
            if !present {
                lines.push(line);
            }
            !present
        })
    }

    async fn deregister(&self, a: &Addr) -> Result<()> {
        let line = a.to_string();
        self.edit(|lines| {
            let before = lines.len();
            lines.retain(|l| l.split('#').next().unwrap_or_default().trim() != line);
            lines.len() != before
        })
    }

    async fn list(&self) -> Result<Vec<Addr>> {
        match self.read()? {
            Some(s) => parse(&s).map_err(|e| self.failed(format!("{}: {e}", self.path.display()))),
            None => Err(self.failed(format!("{} does not exist", self.path.display()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_comments_and_ranges() {
        let got = parse("  # cluster\n10.0.0.[1:2]:2375 # two\n\n  b:1  \n#c:1\n").unwrap();
        let got: Vec<String> = got.iter().map(|a| a.to_string()).collect();
        assert_eq!(got, vec!["10.0.0.1:2375", "10.0.0.2:2375", "b:1"]);
        let e = parse("a:1\nnope\n").unwrap_err();
        assert!(e.starts_with("line 2:"), "{e}");
        assert!(parse("h:[5:1]").unwrap_err().contains("bad range"));
        assert!(parse("").unwrap().is_empty());
    }

    #[tokio::test]
    async fn register_appends_and_deregister_removes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cluster");
        std::fs::write(&p, "# mine\n10.0.0.[1:2]:2375\n").unwrap();
        let f = FileBackend::new("file://x", p.to_str().unwrap());
        let a: Addr = "h:1".parse().unwrap();
        f.register(&a, None).await.unwrap();
        f.register(&a, None).await.unwrap();
        f.register(&"10.0.0.2:2375".parse().unwrap(), None)
            .await
            .unwrap();
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            "# mine\n10.0.0.[1:2]:2375\nh:1\n"
        );
        assert_eq!(f.list().await.unwrap().len(), 3);
        f.deregister(&a).await.unwrap();
        assert_eq!(f.list().await.unwrap().len(), 2);
        assert!(f.register(&a, Some(Duration::from_secs(5))).await.is_err());
        let missing = FileBackend::new("file:///nope", "/nonexistent/x");
        let e = missing.list().await.unwrap_err().to_string();
        assert!(
            e.contains("file:///nope") && e.contains("does not exist"),
            "{e}"
        );
    }
}
