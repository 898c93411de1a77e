//! A minimal ISO 9660 image writer: one root directory of small files, with
//! a Joliet tree beside the primary one so the names come through exactly
//! (`user-data`, not `USER-DA.;1`) on any reader. This is all a cloud-init
//! `cidata` seed needs, and it spares the driver a dependency on
//! genisoimage/xorriso at run time.
//!
//! Layout, in 2048-byte sectors: 0-15 system area (zeros), 16 the primary
//! volume descriptor, 17 the Joliet supplementary descriptor, 18 the set
//! terminator, 19-22 the path tables (primary L and M, Joliet L and M),
//! 23 the primary root directory, 24 the Joliet root directory, then each
//! file's data from a sector boundary.

const SECTOR: usize = 2048;
const PVD_LBA: usize = 16;
const PATH_TABLES_LBA: u32 = 19;
const ROOT_LBA: u32 = 23;
const JOLIET_ROOT_LBA: u32 = 24;
const FIRST_FILE_LBA: u32 = 25;
/// One path table entry for the root: 8 bytes, a 1-byte name, 1 byte pad.
const PATH_TABLE_SIZE: u32 = 10;

/// Why the image could not be laid out; only inputs outside this writer's small scope fail.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IsoError {
    /// A file name that is empty, longer than 30 characters, or not plain printable ASCII
    /// without `/;*?\`.
    #[error("file name {0:?} is empty, too long or not plain ASCII")]
    BadName(String),
    /// The root directory's records do not fit in its one sector.
    #[error("too many files for one directory sector")]
    TooManyFiles,
    /// A volume id longer than 16 characters (Joliet's limit) or not ASCII.
    #[error("volume id {0:?} is longer than 16 characters or not ASCII")]
    BadVolumeId(String),
}

/// A calendar time for the directory records, in UTC.
#[derive(Debug, Clone, Copy)]
pub struct Stamp {
    /// The year, 1900–2155 (what a directory record can hold).
    pub year: u16,
    /// Month, 1–12.
    pub month: u8,
    /// Day of the month, 1–31.
    pub day: u8,
    /// Hour, 0–23.
    pub hour: u8,
    /// Minute, 0–59.
    pub minute: u8,
    /// Second, 0–59.
    pub second: u8,
}

impl Stamp {
    /// The current UTC time, the year clamped into 1900–2155.
    pub fn now() -> Stamp {
        let t = time::OffsetDateTime::now_utc();
        Stamp {
            year: t.year().clamp(1900, 2155) as u16,
            month: t.month() as u8,
            day: t.day(),
            hour: t.hour(),
            minute: t.minute(),
            second: t.second(),
        }
    }

    fn record(&self) -> [u8; 7] {
        [
            (self.year - 1900) as u8,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            0,
        ]
    }

    fn volume(&self) -> [u8; 17] {
        let s = format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}00",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        );
        let mut out = [0u8; 17];
        out[..16].copy_from_slice(&s.as_bytes()[..16]);
        out
    }
}

fn both16(v: u16) -> [u8; 4] {
    let (l, b) = (v.to_le_bytes(), v.to_be_bytes());
    [l[0], l[1], b[0], b[1]]
}

fn both32(v: u32) -> [u8; 8] {
    let (l, b) = (v.to_le_bytes(), v.to_be_bytes());
    [l[0], l[1], l[2], l[3], b[0], b[1], b[2], b[3]]
}

fn ucs2(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(|c| c.to_be_bytes()).collect()
}

fn dir_record(name: &[u8], lba: u32, size: u32, dir: bool, stamp: &Stamp) -> Vec<u8> {
    let len = 33 + name.len() + usize::from(name.len().is_multiple_of(2));
    let mut r = vec![0u8; len];
    r[0] = len as u8;
    r[2..10].copy_from_slice(&both32(lba));
    r[10..18].copy_from_slice(&both32(size));
    r[18..25].copy_from_slice(&stamp.record());
    r[25] = if dir { 2 } else { 0 };
    r[28..32].copy_from_slice(&both16(1));
    r[32] = name.len() as u8;
    r[33..33 + name.len()].copy_from_slice(name);
    r
}

/// A text field padded to `len`: with spaces, or UCS-2 spaces for Joliet.
fn text(s: &str, len: usize, joliet: bool) -> Vec<u8> {
    let mut v = if joliet {
        ucs2(s)
    } else {
        s.as_bytes().to_vec()
    };
    let pad: &[u8] = if joliet { &[0, b' '] } else { b" " };
    while v.len() < len {
        v.extend_from_slice(pad);
    }
    v.truncate(len);
    v
}

fn volume_descriptor(
    joliet: bool,
    volume_id: &str,
    total: u32,
    root: &[u8],
    stamp: &Stamp,
) -> Vec<u8> {
    let mut d = vec![0u8; SECTOR];
    d[0] = if joliet { 2 } else { 1 };
    d[1..6].copy_from_slice(b"CD001");
    d[6] = 1;
    d[8..40].copy_from_slice(&text("", 32, joliet));
    d[40..72].copy_from_slice(&text(volume_id, 32, joliet));
    d[80..88].copy_from_slice(&both32(total));
    if joliet {
        // UCS-2 level 3
        d[88..91].copy_from_slice(b"%/E");
    }
    d[120..124].copy_from_slice(&both16(1));
    d[124..128].copy_from_slice(&both16(1));
    d[128..132].copy_from_slice(&both16(SECTOR as u16));
    d[132..140].copy_from_slice(&both32(PATH_TABLE_SIZE));
    let first = PATH_TABLES_LBA + if joliet { 2 } else { 0 };
    d[140..144].copy_from_slice(&first.to_le_bytes());
    d[148..152].copy_from_slice(&(first + 1).to_be_bytes());
    d[156..190].copy_from_slice(root);
    for (at, len) in [(190, 128), (318, 128), (446, 128), (574, 128)] {
        d[at..at + len].copy_from_slice(&text("", len, joliet));
    }
    for (at, len) in [(702, 37), (739, 37), (776, 37)] {
        d[at..at + len].copy_from_slice(&text("", len, joliet));
    }
    d[813..830].copy_from_slice(&stamp.volume());
    d[830..847].copy_from_slice(&stamp.volume());
    d[847..863].copy_from_slice(b"0000000000000000");
    d[864..880].copy_from_slice(b"0000000000000000");
    d[881] = 1;
    d
}

fn path_table(root_lba: u32, big_endian: bool) -> Vec<u8> {
    let mut t = vec![0u8; PATH_TABLE_SIZE as usize];
    t[0] = 1;
    let (lba, parent) = if big_endian {
        (root_lba.to_be_bytes(), 1u16.to_be_bytes())
    } else {
        (root_lba.to_le_bytes(), 1u16.to_le_bytes())
    };
    t[2..6].copy_from_slice(&lba);
    t[6..8].copy_from_slice(&parent);
    t
}

/// The primary tree's name for a file: upper case with the `.;1` version
/// suffix; Linux shows it lower-cased without the suffix.
fn primary_name(name: &str) -> Vec<u8> {
    let mut n = name.to_ascii_uppercase();
    if !n.contains('.') {
        n.push('.');
    }
    n.push_str(";1");
    n.into_bytes()
}

/// An ISO 9660 image with the volume id and the files (name, contents) in
/// its root directory. Names are plain ASCII and at most 30 characters;
/// the files are sorted by name, as the standard requires.
pub fn image(volume_id: &str, files: &[(&str, &[u8])], stamp: &Stamp) -> Result<Vec<u8>, IsoError> {
    if volume_id.len() > 16 || !volume_id.is_ascii() {
        return Err(IsoError::BadVolumeId(volume_id.to_string()));
    }
    let mut files: Vec<(&str, &[u8])> = files.to_vec();
    files.sort_by(|a, b| a.0.cmp(b.0));
    for (name, _) in &files {
        let ok = !name.is_empty()
            && name.len() <= 30
            && name
                .bytes()
                .all(|b| b.is_ascii_graphic() && !b"/;*?\\".contains(&b));
        if !ok {
            return Err(IsoError::BadName(name.to_string()));
        }
    }
    let mut lba = FIRST_FILE_LBA;
    let mut extents = vec![];
    for (_, data) in &files {
        extents.push(lba);
        lba += data.len().div_ceil(SECTOR) as u32;
    }
    let total = lba;

    let dir = |joliet: bool| -> Result<Vec<u8>, IsoError> {
        let own = if joliet { JOLIET_ROOT_LBA } else { ROOT_LBA };
        let mut d = dir_record(&[0], own, SECTOR as u32, true, stamp);
        d.extend(dir_record(&[1], own, SECTOR as u32, true, stamp));
        for ((name, data), at) in files.iter().zip(&extents) {
            let id = if joliet {
                ucs2(name)
            } else {
                primary_name(name)
            };
            d.extend(dir_record(&id, *at, data.len() as u32, false, stamp));
        }
        if d.len() > SECTOR {
            return Err(IsoError::TooManyFiles);
        }
        d.resize(SECTOR, 0);
        Ok(d)
    };

    let mut out = vec![0u8; total as usize * SECTOR];
    let mut put = |lba: usize, bytes: &[u8]| {
        out[lba * SECTOR..lba * SECTOR + bytes.len()].copy_from_slice(bytes);
    };
    let root = dir_record(&[0], ROOT_LBA, SECTOR as u32, true, stamp);
    let jroot = dir_record(&[0], JOLIET_ROOT_LBA, SECTOR as u32, true, stamp);
    put(
        PVD_LBA,
        &volume_descriptor(false, volume_id, total, &root, stamp),
    );
    put(
        PVD_LBA + 1,
        &volume_descriptor(true, volume_id, total, &jroot, stamp),
    );
    let mut term = vec![0u8; 7];
    term[0] = 255;
    term[1..6].copy_from_slice(b"CD001");
    term[6] = 1;
    put(PVD_LBA + 2, &term);
    let p = PATH_TABLES_LBA as usize;
    put(p, &path_table(ROOT_LBA, false));
    put(p + 1, &path_table(ROOT_LBA, true));
    put(p + 2, &path_table(JOLIET_ROOT_LBA, false));
    put(p + 3, &path_table(JOLIET_ROOT_LBA, true));
    put(ROOT_LBA as usize, &dir(false)?);
    put(JOLIET_ROOT_LBA as usize, &dir(true)?);
    for ((_, data), at) in files.iter().zip(&extents) {
        put(*at as usize, data);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAMP: Stamp = Stamp {
        year: 2025,
        month: 6,
        day: 1,
        hour: 12,
        minute: 0,
        second: 0,
    };

    fn le32(b: &[u8]) -> usize {
        u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize
    }

    /// Reads a root directory back: (identifier bytes, contents).
    fn read_root(img: &[u8], descriptor_lba: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
        let d = &img[descriptor_lba * SECTOR..];
        let root = &d[156..190];
        let dir = &img[le32(&root[2..]) * SECTOR..][..le32(&root[10..])];
        let mut out = vec![];
        let mut at = 0;
        while at < dir.len() && dir[at] != 0 {
            let r = &dir[at..at + dir[at] as usize];
            let name = r[33..33 + r[32] as usize].to_vec();
            let data = img[le32(&r[2..]) * SECTOR..][..le32(&r[10..])].to_vec();
            if r[25] & 2 == 0 {
                out.push((name, data));
            }
            at += r[0] as usize;
        }
        out
    }

    #[test]
    fn primary_and_joliet_trees_hold_the_files() {
        let big = vec![b'x'; 5000];
        let img = image(
            "cidata",
            &[
                ("user-data", b"#cloud-config\n"),
                ("meta-data", b"instance-id: i-1\n"),
                ("network-config", &big),
            ],
            &STAMP,
        )
        .unwrap();
        assert_eq!(&img[PVD_LBA * SECTOR + 1..PVD_LBA * SECTOR + 6], b"CD001");
        assert_eq!(
            &img[PVD_LBA * SECTOR + 40..PVD_LBA * SECTOR + 46],
            b"cidata"
        );
        // 25 metadata sectors, then 1 + 3 + 1 sectors of data
        assert_eq!(img.len(), (25 + 5) * SECTOR);
        let primary = read_root(&img, PVD_LBA);
        let names: Vec<String> = primary
            .iter()
            .map(|(n, _)| String::from_utf8_lossy(n).into_owned())
            .collect();
        assert_eq!(names, ["META-DATA.;1", "NETWORK-CONFIG.;1", "USER-DATA.;1"]);
        let joliet = read_root(&img, PVD_LBA + 1);
        assert_eq!(joliet[0].0, ucs2("meta-data"));
        assert_eq!(joliet[1].1, big);
        assert_eq!(joliet[2].1, b"#cloud-config\n");
        assert_eq!(img[(PVD_LBA + 2) * SECTOR], 255);
    }

    /// util-linux's probe, which is what cloud-init's device search uses,
    /// finds the file system and its label.
    #[test]
    fn blkid_sees_an_iso9660_volume_labelled_cidata() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seed.iso");
        let img = image("cidata", &[("meta-data", b"instance-id: x\n")], &STAMP).unwrap();
        std::fs::write(&path, img).unwrap();
        let out = std::process::Command::new("blkid")
            .args(["-p", "-o", "export"])
            .arg(&path)
            .output()
            .expect("blkid (util-linux) runs");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("TYPE=iso9660"), "{text}");
        assert!(text.contains("LABEL=cidata"), "{text}");
    }

    #[test]
    fn bad_names_are_refused() {
        assert_eq!(
            image("cidata", &[("a/b", b"")], &STAMP),
            Err(IsoError::BadName("a/b".into()))
        );
        assert!(matches!(
            image("a-volume-id-that-is-too-long", &[], &STAMP),
            Err(IsoError::BadVolumeId(_))
        ));
        let many: Vec<(String, Vec<u8>)> =
            (0..60).map(|i| (format!("file-{i:03}"), vec![])).collect();
        let refs: Vec<(&str, &[u8])> = many
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        assert_eq!(image("v", &refs, &STAMP), Err(IsoError::TooManyFiles));
    }
}
