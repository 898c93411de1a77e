//! Crash-safe file writes: a reader never sees a half-written record, and a
//! crash leaves either the old or the new content.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Whether a replaced file must survive a crash of the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// fsync the data and the rename: records, keys, certificates.
    Durable,
    /// Rename only: caches and entries that mean nothing after a crash (their process is gone),
    /// where an fsync would cost more than the work they save.
    Ephemeral,
}

/// Writes `bytes` to `path` through a temp file in the same directory, fsync
/// and rename, with `mode` set before any byte is written (keys never exist
/// world-readable, even briefly).
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    replace_file(path, bytes, mode, Durability::Durable)
}

/// Replaces `path` whole: readers see the old or the new content, never a mix, whatever the
/// number of concurrent writers (each has its own temp file; the last rename wins).
pub fn replace_file(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    durability: Durability,
) -> io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .permissions(fs::Permissions::from_mode(mode))
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    if durability == Durability::Durable {
        tmp.as_file().sync_all()?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    if durability == Durability::Durable
        && let Ok(d) = File::open(dir)
    {
        // Make the rename itself durable.
        let _ = d.sync_all();
    }
    Ok(())
}

/// Creates `path` (and parents) with mode 0700.
pub fn create_private_dir_all(path: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
}

/// Creates exactly `path` with mode 0700; fails with `AlreadyExists` when it
/// exists. This is how a machine name is reserved without a race.
pub fn create_private_dir(path: &Path) -> io::Result<()> {
    fs::DirBuilder::new().mode(0o700).create(path)
}

/// Copies a file, giving the copy `mode`.
pub fn copy_with_mode(from: &Path, to: &Path, mode: u32) -> io::Result<()> {
    let bytes = fs::read(from)?;
    write_atomic(to, &bytes, mode)
}

/// Opens (creating if needed) a file for an advisory lock.
pub fn open_lock_file(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .mode(0o600)
        .open(path)
}

/// The most a certificate, key or CA file may hold (PEM): a chain of a few certificates is a
/// few KiB.
pub const MAX_PEM_FILE: u64 = 1 << 20;

/// Reads at most `max` bytes from `r`; more is an error (`InvalidData`, "larger than N bytes"),
/// so a user's file, stdin or `/dev/zero` cannot make a command read forever or fill memory.
pub fn read_bounded(mut r: impl io::Read, max: u64) -> io::Result<Vec<u8>> {
    use io::Read as _;
    let mut bytes = Vec::new();
    (&mut r)
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than {max} bytes"),
        ));
    }
    Ok(bytes)
}

/// [`read_bounded`] of a file.
pub fn read_file_bounded(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    read_bounded(File::open(path)?, max)
}
