//! The boot image, the VM's SSH key and the disk's first bytes.
//!
//! An http(s) image is downloaded once into `<store>/cache/` (with a
//! timeout, to a temporary file renamed into place, so an interrupted
//! download is never mistaken for an image). A `file://` URL or a local path
//! is used where it is: it works offline and costs no copy into the cache.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why the boot image or the VM's key could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// A local image (path or `file://`) that is not a file.
    #[error("boot image {0} does not exist or is not a file")]
    Missing(PathBuf),
    /// The download failed (connection, HTTP status, or writing into the cache).
    #[error("downloading the boot image {url}: {message}")]
    Download {
        /// The image's URL.
        url: String,
        /// What failed.
        message: String,
    },
    /// A local file or `ssh-keygen` failed; the message names which.
    #[error("{0}")]
    Io(String),
}

/// Where the image named by `url` is on disk, downloading it into the
/// cache when it is remote and not cached yet.
pub async fn fetch(url: &str, store_root: &Path) -> Result<PathBuf, ImageError> {
    let url = url.trim();
    if url.starts_with("http://") || url.starts_with("https://") {
        let name = url
            .split(['?', '#'])
            .next()
            .and_then(|u| u.rsplit('/').next())
            .filter(|n| !n.is_empty())
            .unwrap_or("boot2docker.iso");
        let cache = store_root.join("cache");
        let dst = cache.join(name);
        if dst.is_file() {
            return Ok(dst);
        }
        std::fs::create_dir_all(&cache)
            .map_err(|e| ImageError::Io(format!("creating {}: {e}", cache.display())))?;
        download(url, &cache, &dst).await?;
        return Ok(dst);
    }
    let local = PathBuf::from(url.strip_prefix("file://").unwrap_or(url));
    if local.is_file() {
        Ok(local)
    } else {
        Err(ImageError::Missing(local))
    }
}

async fn download(url: &str, dir: &Path, dst: &Path) -> Result<(), ImageError> {
    let err = |message: String| ImageError::Download {
        url: url.to_string(),
        message,
    };
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(15))
        .timeout(Duration::from_secs(600))
        .build()
        .map_err(|e| err(e.to_string()))?;
    let resp = client
        .get(url)
        .send()
        .await
        .map_err(|e| err(e.to_string()))?;
    if !resp.status().is_success() {
        return Err(err(format!("HTTP {}", resp.status())));
    }
    let body = resp.bytes().await.map_err(|e| err(e.to_string()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| err(e.to_string()))?;
    tmp.write_all(&body).map_err(|e| err(e.to_string()))?;
    tmp.as_file().sync_all().map_err(|e| err(e.to_string()))?;
    tmp.persist(dst).map_err(|e| err(e.to_string()))?;
    Ok(())
}

/// An ed25519 key pair for the VM (`KEY` and `KEY.pub`), with the system
/// `ssh-keygen`, so the key format is whatever the `ssh` that uses it
/// expects.
pub async fn ssh_keygen(key: &Path, machine: &str) -> Result<(), ImageError> {
    let _ = std::fs::remove_file(key);
    let _ = std::fs::remove_file(key.with_extension("pub"));
    let out = tokio::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C"])
        .arg(format!("flotilla-{machine}"))
        .arg("-f")
        .arg(key)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(|e| ImageError::Io(format!("running ssh-keygen: {e} (install openssh-client)")))?;
    if !out.status.success() {
        return Err(ImageError::Io(format!(
            "ssh-keygen failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

/// boot2docker formats a disk that starts with this magic and unpacks the
/// tar it begins with into the docker user's home: that is how the SSH key
/// gets into the VM.
pub const FORMAT_ME: &str = "boot2docker, please format-me";

/// Writes the raw start of the disk: a tar with the magic file and
/// `.ssh/authorized_keys{,2}`, padded to 1 MiB (VirtualBox wants whole
/// sectors; the disk is grown afterwards).
pub fn write_format_me(raw: &Path, pubkey: &[u8]) -> Result<(), ImageError> {
    let io = |e: std::io::Error| ImageError::Io(format!("writing {}: {e}", raw.display()));
    let mut b = tar::Builder::new(Vec::new());
    let mut add = |name: &str, data: &[u8], mode: u32| -> std::io::Result<()> {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(mode);
        h.set_cksum();
        b.append_data(&mut h, name, data)
    };
    add(FORMAT_ME, FORMAT_ME.as_bytes(), 0o644).map_err(io)?;
    add(".ssh/authorized_keys", pubkey, 0o644).map_err(io)?;
    add(".ssh/authorized_keys2", pubkey, 0o644).map_err(io)?;
    let mut data = b.into_inner().map_err(io)?;
    let mib = 1 << 20;
    data.resize(data.len().div_ceil(mib) * mib, 0);
    std::fs::write(raw, data).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_me_disk_starts_with_the_magic() {
        let dir = tempfile::tempdir().unwrap();
        let raw = dir.path().join("disk.raw");
        write_format_me(&raw, b"ssh-ed25519 AAAA test\n").unwrap();
        let data = std::fs::read(&raw).unwrap();
        assert!(data.starts_with(FORMAT_ME.as_bytes()));
        assert_eq!(data.len(), 1 << 20);
        let mut a = tar::Archive::new(&data[..]);
        let names: Vec<String> = a
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        assert_eq!(
            names,
            [FORMAT_ME, ".ssh/authorized_keys", ".ssh/authorized_keys2"]
        );
    }

    #[tokio::test]
    async fn local_images_are_used_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let iso = dir.path().join("b2d.iso");
        std::fs::write(&iso, "iso").unwrap();
        let store = dir.path().join("store");
        assert_eq!(fetch(iso.to_str().unwrap(), &store).await.unwrap(), iso);
        assert_eq!(
            fetch(&format!("file://{}", iso.display()), &store)
                .await
                .unwrap(),
            iso
        );
        let e = fetch("/nonexistent/b2d.iso", &store).await.unwrap_err();
        assert!(e.to_string().contains("does not exist"), "{e}");
        // A cached download is not fetched again (no network here).
        std::fs::create_dir_all(store.join("cache")).unwrap();
        std::fs::write(store.join("cache/x.iso"), "cached").unwrap();
        assert_eq!(
            fetch("https://example.invalid/dl/x.iso?v=1", &store)
                .await
                .unwrap(),
            store.join("cache/x.iso")
        );
    }
}
