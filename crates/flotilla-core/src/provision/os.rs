//! Which operating system and init system a host runs: pure parsing of
//! `/etc/os-release` and of a small probe's output.

use std::collections::BTreeMap;
use std::fmt;

/// The parsed `/etc/os-release` (`KEY=VALUE` lines, one level of quotes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OsRelease {
    /// Every `KEY=VALUE`, quotes removed; a later line wins.
    pub fields: BTreeMap<String, String>,
}

impl OsRelease {
    /// Parses os-release text; lines that are not `KEY=VALUE` are skipped, never an error.
    pub fn parse(text: &str) -> Self {
        let mut fields = BTreeMap::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            let v = v.trim();
            let v = if v.len() >= 2
                && ((v.starts_with('"') && v.ends_with('"'))
                    || (v.starts_with('\'') && v.ends_with('\'')))
            {
                v[1..v.len() - 1].replace("\\\"", "\"").replace("\\$", "$")
            } else {
                v.to_string()
            };
            fields.insert(k.trim().to_string(), v);
        }
        OsRelease { fields }
    }

    /// A field's value; empty when absent.
    pub fn get(&self, k: &str) -> &str {
        self.fields.get(k).map(String::as_str).unwrap_or("")
    }

    /// `ID`, as written (matching lower-cases it).
    pub fn id(&self) -> &str {
        self.get("ID")
    }

    /// `PRETTY_NAME`, else `NAME VERSION_ID`: how messages name the system.
    pub fn pretty(&self) -> String {
        let p = self.get("PRETTY_NAME");
        if !p.is_empty() {
            return p.to_string();
        }
        format!("{} {}", self.get("NAME"), self.get("VERSION_ID"))
            .trim()
            .to_string()
    }

    /// boot2docker (`ID=boot2docker`): no package manager, its engine comes
    /// with the ISO, so it has its own provisioner rather than a [`Family`].
    pub fn is_boot2docker(&self) -> bool {
        self.id().eq_ignore_ascii_case("boot2docker")
    }

    /// `ID` followed by the `ID_LIKE` words, lower-cased.
    fn ids(&self) -> Vec<String> {
        let mut v = vec![self.id().to_ascii_lowercase()];
        v.extend(
            self.get("ID_LIKE")
                .split_whitespace()
                .map(|s| s.to_ascii_lowercase()),
        );
        v
    }

    /// The distribution family, from `ID` first, then `ID_LIKE`.
    pub fn family(&self) -> Option<Family> {
        for id in self.ids() {
            let f = match id.as_str() {
                "debian" | "ubuntu" | "raspbian" | "linuxmint" | "pop" => Family::Debian,
                "rhel" | "centos" | "fedora" | "rocky" | "almalinux" | "ol" | "amzn" => {
                    Family::RedHat
                }
                "alpine" => Family::Alpine,
                "arch" | "archarm" | "manjaro" => Family::Arch,
                "suse" | "sles" | "opensuse" | "opensuse-leap" | "opensuse-tumbleweed" => {
                    Family::Suse
                }
                _ => continue,
            };
            return Some(f);
        }
        None
    }
}

/// Distribution families that differ in packages and file locations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Debian, Ubuntu and derivatives: apt, `/etc/default/docker`.
    Debian,
    /// RHEL, CentOS, Fedora, Rocky, Alma, Oracle and Amazon Linux: dnf or yum,
    /// `/etc/sysconfig/docker`.
    RedHat,
    /// Alpine: apk.
    Alpine,
    /// Arch and Manjaro: pacman.
    Arch,
    /// SUSE and openSUSE: zypper, `/etc/sysconfig/docker`.
    Suse,
}

impl Family {
    /// The package manager command that upgrades one package.
    pub fn upgrade_command(self, package: &str) -> String {
        match self {
            Family::Debian => format!(
                "DEBIAN_FRONTEND=noninteractive apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --only-upgrade {package}"
            ),
            Family::RedHat => format!("(dnf -y upgrade {package} || yum -y update {package})"),
            Family::Alpine => format!("apk update && apk upgrade {package}"),
            Family::Arch => format!("pacman -Sy --noconfirm --noprogressbar {package}"),
            Family::Suse => format!("zypper -n update {package}"),
        }
    }

    /// The command that names the package owning a file.
    pub fn owner_command(self, path: &str) -> String {
        match self {
            Family::Debian => format!("dpkg -S {path} | cut -d: -f1"),
            Family::RedHat | Family::Suse => format!("rpm -qf --qf '%{{NAME}}' {path}"),
            Family::Alpine => format!("apk info -q --who-owns {path} | awk '{{print $NF}}'"),
            Family::Arch => format!("pacman -Qqo {path}"),
        }
    }

    /// The init system's options file for the engine (SysV and OpenRC).
    pub fn options_file(self, init: InitSystem) -> &'static str {
        match (self, init) {
            (_, InitSystem::OpenRc) => "/etc/conf.d/docker",
            (Family::RedHat | Family::Suse, _) => "/etc/sysconfig/docker",
            _ => "/etc/default/docker",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::Debian => "debian",
            Family::RedHat => "redhat",
            Family::Alpine => "alpine",
            Family::Arch => "arch",
            Family::Suse => "suse",
        })
    }
}

/// How the engine is started on the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitSystem {
    /// systemd: flotilla's settings go in a drop-in for `docker.service`.
    Systemd,
    /// SysV init scripts: flotilla's settings go in a marked block of the family's options file.
    SysV,
    /// OpenRC: flotilla's settings go in a marked block of `/etc/conf.d/docker`.
    OpenRc,
    /// No init system manages the engine (a container node): flotilla
    /// starts `dockerd` itself from a script it installs.
    Direct,
}

impl fmt::Display for InitSystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InitSystem::Systemd => "systemd",
            InitSystem::SysV => "sysv",
            InitSystem::OpenRc => "openrc",
            InitSystem::Direct => "direct",
        })
    }
}

/// A shell snippet printing one word naming the init system; parsed by
/// [`parse_init`].
pub const INIT_PROBE: &str = "if [ -d /run/systemd/system ]; then echo systemd; \
elif command -v rc-service >/dev/null 2>&1 && command -v openrc >/dev/null 2>&1 && [ -d /run/openrc ]; then echo openrc; \
elif [ -x /etc/init.d/docker ] || command -v service >/dev/null 2>&1 || command -v update-rc.d >/dev/null 2>&1; then echo sysv; \
else echo direct; fi";

/// The init system [`INIT_PROBE`] printed; anything else is [`InitSystem::Direct`].
pub fn parse_init(s: &str) -> InitSystem {
    match s.trim() {
        "systemd" => InitSystem::Systemd,
        "openrc" => InitSystem::OpenRc,
        "sysv" => InitSystem::SysV,
        _ => InitSystem::Direct,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBIAN: &str = r#"PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
ID=debian
HOME_URL="https://www.debian.org/"
"#;

    #[test]
    fn parses_debian() {
        let o = OsRelease::parse(DEBIAN);
        assert_eq!(o.id(), "debian");
        assert_eq!(o.get("VERSION_ID"), "12");
        assert_eq!(o.pretty(), "Debian GNU/Linux 12 (bookworm)");
        assert_eq!(o.family(), Some(Family::Debian));
    }

    #[test]
    fn families() {
        let cases = [
            (
                "ID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"22.04\"",
                Some(Family::Debian),
            ),
            ("ID=\"rhel\"\nID_LIKE=\"fedora\"", Some(Family::RedHat)),
            (
                "ID=\"centos\"\nID_LIKE=\"rhel fedora\"",
                Some(Family::RedHat),
            ),
            ("ID=fedora", Some(Family::RedHat)),
            (
                "ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"",
                Some(Family::RedHat),
            ),
            ("ID=almalinux", Some(Family::RedHat)),
            ("ID=alpine\nVERSION_ID=3.19.1", Some(Family::Alpine)),
            ("ID=arch", Some(Family::Arch)),
            ("ID=endeavouros\nID_LIKE=arch", Some(Family::Arch)),
            (
                "ID=\"opensuse-leap\"\nID_LIKE=\"suse opensuse\"",
                Some(Family::Suse),
            ),
            ("ID=\"sles\"\nID_LIKE=\"suse\"", Some(Family::Suse)),
            (
                "ID=linuxmint\nID_LIKE=\"ubuntu debian\"",
                Some(Family::Debian),
            ),
            ("ID=gentoo", None),
            ("ID=freebsd", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(OsRelease::parse(text).family(), want, "{text}");
        }
    }

    #[test]
    fn tolerates_bad_lines_and_quotes() {
        let o = OsRelease::parse("garbage\n# comment\nNAME='Single'\nX=\"a \\\"q\\\"\"\n=\n");
        assert_eq!(o.get("NAME"), "Single");
        assert_eq!(o.get("X"), "a \"q\"");
        assert_eq!(o.id(), "");
    }

    #[test]
    fn init_words() {
        assert_eq!(parse_init("systemd\n"), InitSystem::Systemd);
        assert_eq!(parse_init("openrc"), InitSystem::OpenRc);
        assert_eq!(parse_init("sysv"), InitSystem::SysV);
        assert_eq!(parse_init(""), InitSystem::Direct);
    }

    #[test]
    fn options_files() {
        assert_eq!(
            Family::Debian.options_file(InitSystem::SysV),
            "/etc/default/docker"
        );
        assert_eq!(
            Family::Alpine.options_file(InitSystem::OpenRc),
            "/etc/conf.d/docker"
        );
        assert_eq!(
            Family::RedHat.options_file(InitSystem::SysV),
            "/etc/sysconfig/docker"
        );
    }
}
