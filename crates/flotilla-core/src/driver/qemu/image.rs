//! The base image: found locally, or downloaded once into
//! `<store>/cache/qemu/`, and described by `qemu-img info`.
//!
//! A download is streamed to a temporary file next to its final name,
//! hashed on the way (SHA-256), checked against the expected checksum when
//! one is given, and renamed into place only when complete, so an
//! interrupted or corrupt download is never taken for an image. A file lock
//! per image makes two creates (in one command or in two) download it once:
//! the second waits and then finds it cached. The digest is kept beside the
//! image, so a later create with a checksum is checked without reading the
//! image again.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ring::digest::{Context, SHA256};

/// Why the base image could not be found, fetched, verified or used.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// A local image (path or `file://`) that is not a file.
    #[error("image {0} does not exist or is not a file")]
    Missing(PathBuf),
    /// The download failed (connection, HTTP status, or writing into the cache).
    #[error("downloading {url}: {message}")]
    Download {
        /// The image's URL.
        url: String,
        /// What failed.
        message: String,
    },
    /// The image's SHA-256 is not the one `--qemu-image-checksum` expects; a download that fails
    /// this is not kept.
    #[error(
        "the image {what} has SHA-256 {actual}, not the expected {expected} (--qemu-image-checksum)"
    )]
    Checksum {
        /// The image: its URL or path.
        what: String,
        /// The checksum asked for, lower-case hex.
        expected: String,
        /// The image's actual SHA-256, lower-case hex.
        actual: String,
    },
    /// `--qemu-image-checksum` is not a SHA-256.
    #[error(
        "--qemu-image-checksum {0:?} is not a SHA-256 (64 hex digits, optionally after sha256:)"
    )]
    BadChecksum(String),
    /// A local file, the cache lock or `qemu-img` could not be used; the message says which.
    #[error("{0}")]
    Io(String),
    /// `qemu-img info` rejected the file, or its format is neither qcow2 nor raw.
    #[error("{path} is not a disk image qemu can use: {message}")]
    NotAnImage {
        /// The file examined.
        path: PathBuf,
        /// `qemu-img`'s complaint, or the unusable format.
        message: String,
    },
}

/// An expected SHA-256, lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checksum(String);

impl Checksum {
    /// Reads `HEX` or `sha256:HEX` (64 hex digits, any case).
    pub fn parse(s: &str) -> Result<Checksum, ImageError> {
        let t = s.trim();
        let hex = t
            .strip_prefix("sha256:")
            .or_else(|| t.strip_prefix("SHA256:"))
            .unwrap_or(t)
            .to_ascii_lowercase();
        if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Checksum(hex))
        } else {
            Err(ImageError::BadChecksum(s.to_string()))
        }
    }

    /// The digest as 64 lower-case hex digits.
    pub fn hex(&self) -> &str {
        &self.0
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether the image string names a download.
pub fn is_remote(url: &str) -> bool {
    let u = url.trim();
    u.starts_with("http://") || u.starts_with("https://")
}

/// Where a download of `url` is cached: a hash of the URL (two URLs with
/// one file name do not collide) and the file name, for people reading the
/// cache.
pub fn cache_path(url: &str, cache_dir: &Path) -> PathBuf {
    let url = url.trim();
    let digest = ring::digest::digest(&SHA256, url.as_bytes());
    let name: String = url
        .split(['?', '#'])
        .next()
        .and_then(|u| u.rsplit('/').next())
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
        .take(80)
        .collect();
    let name = if name.is_empty() {
        "image".into()
    } else {
        name
    };
    cache_dir.join(format!("{}-{name}", &hex(digest.as_ref())[..16]))
}

fn digest_path(image: &Path) -> PathBuf {
    let mut p = image.as_os_str().to_owned();
    p.push(".sha256");
    PathBuf::from(p)
}

/// The image on disk: a local path or `file://` URL as it is, an http(s)
/// URL from the cache (downloaded first when missing).
pub async fn fetch(
    url: &str,
    checksum: Option<&Checksum>,
    cache_dir: &Path,
) -> Result<PathBuf, ImageError> {
    let url = url.trim();
    if !is_remote(url) {
        let local = PathBuf::from(url.strip_prefix("file://").unwrap_or(url));
        if !local.is_file() {
            return Err(ImageError::Missing(local));
        }
        if let Some(want) = checksum {
            let p = local.clone();
            let actual = tokio::task::spawn_blocking(move || hash_file(&p))
                .await
                .map_err(|e| ImageError::Io(e.to_string()))??;
            if actual != want.hex() {
                return Err(ImageError::Checksum {
                    what: local.display().to_string(),
                    expected: want.hex().to_string(),
                    actual,
                });
            }
        }
        return Ok(local);
    }
    std::fs::create_dir_all(cache_dir)
        .map_err(|e| ImageError::Io(format!("creating {}: {e}", cache_dir.display())))?;
    let dst = cache_path(url, cache_dir);
    let lock_path = {
        let mut p = dst.as_os_str().to_owned();
        p.push(".lock");
        PathBuf::from(p)
    };
    let lock = tokio::task::spawn_blocking(move || -> std::io::Result<std::fs::File> {
        let f = crate::store::open_lock_file(&lock_path)?;
        f.lock()?;
        Ok(f)
    })
    .await
    .map_err(|e| ImageError::Io(e.to_string()))?
    .map_err(|e| ImageError::Io(format!("locking the image cache: {e}")))?;
    let result = async {
        if !dst.is_file() {
            tracing::info!("downloading {url} into {}", cache_dir.display());
            let digest = download(url, &dst, checksum).await?;
            let _ = crate::store::write_atomic(&digest_path(&dst), digest.as_bytes(), 0o644);
        } else if let Some(want) = checksum {
            let known = match std::fs::read_to_string(digest_path(&dst)) {
                Ok(d) => d.trim().to_string(),
                Err(_) => {
                    let p = dst.clone();
                    let d = tokio::task::spawn_blocking(move || hash_file(&p))
                        .await
                        .map_err(|e| ImageError::Io(e.to_string()))??;
                    let _ = crate::store::write_atomic(&digest_path(&dst), d.as_bytes(), 0o644);
                    d
                }
            };
            if known != want.hex() {
                return Err(ImageError::Checksum {
                    what: format!("{url} (cached as {})", dst.display()),
                    expected: want.hex().to_string(),
                    actual: known,
                });
            }
        }
        Ok(dst.clone())
    }
    .await;
    drop(lock);
    result
}

fn hash_file(path: &Path) -> Result<String, ImageError> {
    use std::io::Read;
    let io = |e: std::io::Error| ImageError::Io(format!("reading {}: {e}", path.display()));
    let mut f = std::fs::File::open(path).map_err(io)?;
    let mut ctx = Context::new(&SHA256);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        ctx.update(&buf[..n]);
    }
    Ok(hex(ctx.finish().as_ref()))
}

/// Streams `url` into a temporary file beside `dst`, then renames it;
/// returns the SHA-256 of what arrived.
async fn download(
    url: &str,
    dst: &Path,
    checksum: Option<&Checksum>,
) -> Result<String, ImageError> {
    let err = |message: String| ImageError::Download {
        url: url.to_string(),
        message,
    };
    let dir = dst.parent().unwrap_or_else(|| Path::new("."));
    // reqwest is built without a default TLS provider; the binary installs
    // ring at start, a library caller may not have (a second install is
    // refused harmlessly).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(15))
        .read_timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| err(e.to_string()))?;
    let mut resp = client
        .get(url)
        .send()
        .await
        .map_err(|e| err(e.to_string()))?;
    if !resp.status().is_success() {
        return Err(err(format!("HTTP {}", resp.status())));
    }
    let total = resp.content_length();
    let mut tmp = tempfile::Builder::new()
        .prefix(".download-")
        .tempfile_in(dir)
        .map_err(|e| err(e.to_string()))?;
    let mut ctx = Context::new(&SHA256);
    let mut got: u64 = 0;
    let mut next_report = 0u64;
    while let Some(chunk) = resp.chunk().await.map_err(|e| err(e.to_string()))? {
        ctx.update(&chunk);
        tmp.write_all(&chunk).map_err(|e| err(e.to_string()))?;
        got += chunk.len() as u64;
        if got >= next_report {
            match total {
                Some(t) if t > 0 => tracing::info!("downloaded {} of {} MB", got >> 20, t >> 20),
                _ => tracing::info!("downloaded {} MB", got >> 20),
            }
            next_report = got + (64 << 20);
        }
    }
    if let Some(t) = total
        && t != got
    {
        return Err(err(format!(
            "the server announced {t} bytes and sent {got}"
        )));
    }
    let actual = hex(ctx.finish().as_ref());
    if let Some(want) = checksum
        && actual != want.hex()
    {
        return Err(ImageError::Checksum {
            what: url.to_string(),
            expected: want.hex().to_string(),
            actual,
        });
    }
    tmp.as_file().sync_all().map_err(|e| err(e.to_string()))?;
    tmp.persist(dst).map_err(|e| err(e.to_string()))?;
    Ok(actual)
}

/// What `qemu-img info` says about an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    /// The format (`qcow2`, `raw`, …), as QEMU names it.
    pub format: String,
    /// The disk size the guest sees, in bytes.
    pub virtual_size: u64,
}

/// Parses `qemu-img info --output=json`.
pub fn parse_info(json: &str) -> Result<ImageInfo, String> {
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let format = v["format"]
        .as_str()
        .ok_or("qemu-img info printed no format")?
        .to_string();
    let virtual_size = v["virtual-size"]
        .as_u64()
        .ok_or("qemu-img info printed no virtual-size")?;
    Ok(ImageInfo {
        format,
        virtual_size,
    })
}

/// Formats an overlay can sit on.
pub const FORMATS: &[&str] = &["qcow2", "raw"];

/// Runs `qemu-img info` on the image and accepts qcow2 and raw.
pub async fn info(path: &Path) -> Result<ImageInfo, ImageError> {
    let out = tokio::process::Command::new("qemu-img")
        .args(["info", "--output=json"])
        .arg(path)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(|e| {
            ImageError::Io(format!(
                "running qemu-img: {e} (install qemu-utils, which has qemu-img)"
            ))
        })?;
    let not_image = |message: String| ImageError::NotAnImage {
        path: path.to_path_buf(),
        message,
    };
    if !out.status.success() {
        return Err(not_image(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ));
    }
    let i = parse_info(&String::from_utf8_lossy(&out.stdout)).map_err(not_image)?;
    if !FORMATS.contains(&i.format.as_str()) {
        return Err(not_image(format!(
            "its format is {}; use qcow2 or raw (qemu-img convert)",
            i.format
        )));
    }
    Ok(i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader};
    use std::net::TcpListener;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const BODY: &[u8] = b"not really a disk image, but bytes to cache";

    fn sha(b: &[u8]) -> String {
        hex(ring::digest::digest(&SHA256, b).as_ref())
    }

    /// An HTTP server on loopback that serves BODY slowly (so concurrent
    /// fetches overlap) and counts the requests; /missing is a 404.
    fn serve() -> (String, Arc<AtomicUsize>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", l.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(mut s) = s else { continue };
                let h = h.clone();
                std::thread::spawn(move || {
                    let mut r = BufReader::new(s.try_clone().unwrap());
                    let mut first = String::new();
                    let _ = r.read_line(&mut first);
                    let mut line = String::new();
                    while r.read_line(&mut line).is_ok() && line.trim() != "" {
                        line.clear();
                    }
                    h.fetch_add(1, Ordering::SeqCst);
                    if first.contains("/missing") {
                        let _ = s.write_all(
                            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                        );
                        return;
                    }
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        BODY.len()
                    );
                    let _ = s.write_all(head.as_bytes());
                    for c in BODY.chunks(8) {
                        std::thread::sleep(Duration::from_millis(40));
                        let _ = s.write_all(c);
                    }
                });
            }
        });
        (base, hits)
    }

    #[tokio::test]
    async fn downloads_once_even_when_two_creates_ask_at_the_same_time() {
        let (base, hits) = serve();
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache/qemu");
        let url = format!("{base}/img/debian.qcow2?x=1");
        let (a, b) = tokio::join!(fetch(&url, None, &cache), fetch(&url, None, &cache));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a, b);
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        assert_eq!(std::fs::read(&a).unwrap(), BODY);
        assert!(
            a.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .ends_with("-debian.qcow2")
        );
        // the digest is kept: a checksum is checked without a download
        let good = Checksum::parse(&format!("sha256:{}", sha(BODY))).unwrap();
        assert_eq!(fetch(&url, Some(&good), &cache).await.unwrap(), a);
        let bad = Checksum::parse(&"0".repeat(64)).unwrap();
        let e = fetch(&url, Some(&bad), &cache).await.unwrap_err();
        assert!(matches!(e, ImageError::Checksum { .. }), "{e}");
        assert_eq!(hits.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_wrong_checksum_or_an_http_error_leaves_nothing_cached() {
        let (base, _) = serve();
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        let url = format!("{base}/x.img");
        let bad = Checksum::parse(&"a".repeat(64)).unwrap();
        let e = fetch(&url, Some(&bad), &cache).await.unwrap_err();
        assert!(e.to_string().contains(&sha(BODY)), "{e}");
        let e = fetch(&format!("{base}/missing"), None, &cache)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("HTTP 404"), "{e}");
        let left: Vec<String> = std::fs::read_dir(&cache)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.ends_with(".lock"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }

    #[tokio::test]
    async fn local_images_are_used_in_place_and_checked_on_request() {
        let dir = tempfile::tempdir().unwrap();
        let img = dir.path().join("a.qcow2");
        std::fs::write(&img, BODY).unwrap();
        let cache = dir.path().join("cache");
        assert_eq!(
            fetch(img.to_str().unwrap(), None, &cache).await.unwrap(),
            img
        );
        let good = Checksum::parse(&sha(BODY).to_uppercase()).unwrap();
        let url = format!("file://{}", img.display());
        assert_eq!(fetch(&url, Some(&good), &cache).await.unwrap(), img);
        let bad = Checksum::parse(&"b".repeat(64)).unwrap();
        assert!(fetch(&url, Some(&bad), &cache).await.is_err());
        let e = fetch("/nonexistent/x.qcow2", None, &cache)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("does not exist"), "{e}");
        assert!(!cache.exists());
    }

    #[test]
    fn checksums_and_info_parse() {
        assert!(Checksum::parse("sha256:abc").is_err());
        assert!(Checksum::parse(&"g".repeat(64)).is_err());
        let i = parse_info(r#"{"virtual-size": 4294967296, "filename": "x", "format": "qcow2"}"#)
            .unwrap();
        assert_eq!(i.format, "qcow2");
        assert_eq!(i.virtual_size, 4 << 30);
        assert!(parse_info("{}").is_err());
    }

    #[test]
    fn cache_names_differ_by_url() {
        let d = Path::new("/c");
        let a = cache_path("https://a.example/x/debian.qcow2", d);
        let b = cache_path("https://b.example/x/debian.qcow2", d);
        assert_ne!(a, b);
        assert!(a.to_str().unwrap().ends_with("-debian.qcow2"));
        assert!(
            cache_path("https://a.example/", d)
                .to_str()
                .unwrap()
                .ends_with("-image")
        );
    }

    /// The real qemu-img recognises a qcow2 it made and refuses a file that
    /// is no image it can overlay.
    #[tokio::test]
    async fn qemu_img_describes_images() {
        let dir = tempfile::tempdir().unwrap();
        let q = dir.path().join("a.qcow2");
        let st = std::process::Command::new("qemu-img")
            .args(["create", "-q", "-f", "qcow2"])
            .arg(&q)
            .arg("64M")
            .status()
            .expect("qemu-img (qemu-utils) runs");
        assert!(st.success());
        let i = info(&q).await.unwrap();
        assert_eq!(i.format, "qcow2");
        assert_eq!(i.virtual_size, 64 << 20);
        let v = dir.path().join("a.vmdk");
        let st = std::process::Command::new("qemu-img")
            .args(["create", "-q", "-f", "vmdk"])
            .arg(&v)
            .arg("8M")
            .status()
            .unwrap();
        assert!(st.success());
        let e = info(&v).await.unwrap_err();
        assert!(e.to_string().contains("format is vmdk"), "{e}");
    }
}
