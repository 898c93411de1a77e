//! flotilla's own long-running processes on a host (the swarm manager on the master, the proxy
//! watcher next to it), as pure data: where the files go, what each init system is given, and
//! the shell that starts, stops and checks them. The I/O that uploads and runs these lives in
//! `ops::master`.
//!
//! Layout on the host (one directory, so removal is one `rm -rf` plus the init system's file):
//!
//! ```text
//! /var/lib/flotilla/             a small store: only what the services need
//!   bin/flotilla                 the uploaded binary (the local one, checked for the host's arch)
//!   certs/ca.pem                 the store's CA certificate (never its key)
//!   certs/cert.pem, key.pem      the client certificate the members accept
//!   manager/server*.pem          the manager's server certificate, issued from the CA
//!   machines/NAME/config.json    one record per swarm member: its engine URL and labels
//! /var/log/flotilla-SERVICE.log  SysV, OpenRC and container nodes (systemd: the journal)
//! ```
//!
//! Every init system gets a supervisor that restarts a service that exits: systemd's
//! `Restart=always`, OpenRC's `supervise-daemon`, and for SysV and container nodes a small
//! loop script (`run-SERVICE.sh`) that the init script or the node's boot script starts.

use super::os::InitSystem;
use crate::remote::sh_quote;

/// The services' store on the host.
pub const REMOTE_STORE: &str = "/var/lib/flotilla";
/// The uploaded binary.
pub const REMOTE_BINARY: &str = "/var/lib/flotilla/bin/flotilla";
/// The manager's server certificate and key.
pub const MANAGER_CERT: &str = "/var/lib/flotilla/manager/server.pem";
/// The manager's server key.
pub const MANAGER_KEY: &str = "/var/lib/flotilla/manager/server-key.pem";
/// What starts the services of a container node at boot (the node's PID 1 runs every
/// executable `*.start` here, see the `docker` driver).
pub const BOOT_DIR: &str = "/etc/flotilla/boot";

/// One of flotilla's services on a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// `flotilla-manager`, `flotilla-proxy`.
    pub name: String,
    /// A line for humans (systemd's Description, the init script's header).
    pub description: String,
    /// The arguments after the binary (the store option included).
    pub args: Vec<String>,
}

impl Service {
    /// The full command, quoted for a POSIX shell.
    pub fn command_line(&self) -> String {
        let mut s = sh_quote(REMOTE_BINARY);
        for a in &self.args {
            s.push(' ');
            s.push_str(&sh_quote(a));
        }
        s
    }

    /// Where the service logs on SysV, OpenRC and container nodes (systemd keeps its output in
    /// the journal).
    pub fn log_file(&self) -> String {
        format!("/var/log/{}.log", self.name)
    }

    /// The supervisor loop's pid (SysV and container nodes): what stop and status signal.
    pub fn pid_file(&self) -> String {
        format!("/var/run/{}.pid", self.name)
    }

    /// The supervisor loop for SysV hosts and container nodes.
    pub fn loop_script_path(&self) -> String {
        format!("{REMOTE_STORE}/run-{}.sh", self.name)
    }

    /// The file the init system reads, and its contents; `None` for a container node, which has
    /// no init system (its boot script starts `Service::boot_hook`).
    pub fn init_file(&self, init: InitSystem) -> Option<(String, String, u32)> {
        match init {
            InitSystem::Systemd => Some((
                format!("/etc/systemd/system/{}.service", self.name),
                self.systemd_unit(),
                0o644,
            )),
            InitSystem::SysV => Some((
                format!("/etc/init.d/{}", self.name),
                self.sysv_script(),
                0o755,
            )),
            InitSystem::OpenRc => Some((
                format!("/etc/init.d/{}", self.name),
                self.openrc_script(),
                0o755,
            )),
            InitSystem::Direct => None,
        }
    }

    /// The files to write for `init`: (path, contents, mode).
    pub fn files(&self, init: InitSystem) -> Vec<(String, String, u32)> {
        let mut v = Vec::new();
        if matches!(init, InitSystem::SysV | InitSystem::Direct) {
            v.push((self.loop_script_path(), self.loop_script(), 0o755));
        }
        if init == InitSystem::Direct {
            v.push((self.boot_hook_path(), self.boot_hook(), 0o755));
        }
        v.extend(self.init_file(init));
        v
    }

    fn systemd_unit(&self) -> String {
        format!(
            "# managed by flotilla: `flotilla rm` of the machine removes it\n\
             [Unit]\n\
             Description={}\n\
             After=network-online.target docker.service\n\
             Wants=network-online.target\n\
             \n\
             [Service]\n\
             ExecStart={}\n\
             Restart=always\n\
             RestartSec=2\n\
             \n\
             [Install]\n\
             WantedBy=multi-user.target\n",
            self.description,
            self.systemd_exec()
        )
    }

    /// systemd's own quoting: double quotes, with `\`, `"`, `$` and `%` escaped.
    fn systemd_exec(&self) -> String {
        let q = |s: &str| {
            let plain = !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@".contains(&b));
            if plain {
                s.to_string()
            } else {
                let mut o = String::from("\"");
                for c in s.chars() {
                    match c {
                        '\\' | '"' => {
                            o.push('\\');
                            o.push(c)
                        }
                        '$' => o.push_str("$$"),
                        '%' => o.push_str("%%"),
                        c => o.push(c),
                    }
                }
                o.push('"');
                o
            }
        };
        let mut s = REMOTE_BINARY.to_string();
        for a in &self.args {
            s.push(' ');
            s.push_str(&q(a));
        }
        s
    }

    /// Restarts the service when it exits; stops it (and the loop) on TERM.
    fn loop_script(&self) -> String {
        format!(
            "#!/bin/sh\n\
             # managed by flotilla: runs {name}, restarting it when it exits\n\
             echo $$ > {pid}\n\
             child=\n\
             trap 'if [ -n \"$child\" ]; then kill $child 2>/dev/null; wait $child; fi; rm -f {pid}; exit 0' TERM INT\n\
             while :; do\n\
             \x20 {cmd} </dev/null >>{log} 2>&1 &\n\
             \x20 child=$!\n\
             \x20 wait $child\n\
             \x20 sleep 2\n\
             done\n",
            name = self.name,
            pid = sh_quote(&self.pid_file()),
            cmd = self.command_line(),
            log = sh_quote(&self.log_file()),
        )
    }

    /// Shell that starts the loop unless it already runs (SysV and container nodes).
    fn loop_start(&self) -> String {
        format!(
            "if [ -f {pid} ] && kill -0 \"$(cat {pid})\" 2>/dev/null; then :; \
             else (setsid {s} </dev/null >/dev/null 2>&1 &); fi",
            pid = sh_quote(&self.pid_file()),
            s = sh_quote(&self.loop_script_path()),
        )
    }

    /// Shell that stops the loop and its child, waiting up to 10 s.
    fn loop_stop(&self) -> String {
        format!(
            "if [ -f {pid} ]; then p=$(cat {pid}); kill \"$p\" 2>/dev/null; \
             i=0; while kill -0 \"$p\" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done; \
             kill -9 \"$p\" 2>/dev/null; rm -f {pid}; fi",
            pid = sh_quote(&self.pid_file()),
        )
    }

    fn boot_hook_path(&self) -> String {
        format!("{BOOT_DIR}/{}.start", self.name)
    }

    /// What a container node's boot script runs for this service.
    fn boot_hook(&self) -> String {
        format!(
            "#!/bin/sh\n# managed by flotilla: starts {} when the node starts\nrm -f {}\n{}\n",
            self.name,
            sh_quote(&self.pid_file()),
            self.loop_start()
        )
    }

    fn sysv_script(&self) -> String {
        format!(
            "#!/bin/sh\n\
             ### BEGIN INIT INFO\n\
             # Provides:          {name}\n\
             # Required-Start:    $network $remote_fs docker\n\
             # Required-Stop:     $network $remote_fs\n\
             # Default-Start:     2 3 4 5\n\
             # Default-Stop:      0 1 6\n\
             # Short-Description: {desc}\n\
             ### END INIT INFO\n\
             # managed by flotilla: `flotilla rm` of the machine removes it\n\
             case \"$1\" in\n\
             \x20 start) {start} ;;\n\
             \x20 stop) {stop} ;;\n\
             \x20 restart|force-reload) {stop}; {start} ;;\n\
             \x20 status) if [ -f {pid} ] && kill -0 \"$(cat {pid})\" 2>/dev/null; then echo running; else echo stopped; exit 3; fi ;;\n\
             \x20 *) echo \"usage: $0 start|stop|restart|status\" >&2; exit 2 ;;\n\
             esac\n",
            name = self.name,
            desc = self.description,
            start = self.loop_start(),
            stop = self.loop_stop(),
            pid = sh_quote(&self.pid_file()),
        )
    }

    fn openrc_script(&self) -> String {
        let args: Vec<String> = self.args.iter().map(|a| sh_quote(a)).collect();
        format!(
            "#!/sbin/openrc-run\n\
             # managed by flotilla: `flotilla rm` of the machine removes it\n\
             description={desc}\n\
             supervisor=supervise-daemon\n\
             command={bin}\n\
             command_args={args}\n\
             output_log={log}\n\
             error_log={log}\n\
             respawn_delay=2\n\
             depend() {{\n\
             \x20 need net\n\
             \x20 after docker\n\
             }}\n",
            desc = sh_quote(&self.description),
            bin = sh_quote(REMOTE_BINARY),
            args = sh_quote(&args.join(" ")),
            log = sh_quote(&self.log_file()),
        )
    }

    /// Shell that (re)starts the service under `init` and enables it at boot.
    pub fn restart_script(&self, init: InitSystem) -> String {
        let n = sh_quote(&self.name);
        match init {
            InitSystem::Systemd => format!(
                "systemctl daemon-reload && systemctl enable {n} >/dev/null 2>&1; systemctl restart {n}"
            ),
            InitSystem::SysV => format!(
                "(update-rc.d {n} defaults || chkconfig --add {n}) >/dev/null 2>&1; /etc/init.d/{n} restart"
            ),
            InitSystem::OpenRc => {
                format!("rc-update add {n} default >/dev/null 2>&1; rc-service {n} restart")
            }
            InitSystem::Direct => format!(
                "{}; rm -f {}; {}",
                self.loop_stop(),
                sh_quote(&self.pid_file()),
                self.loop_start()
            ),
        }
    }

    /// Shell that stops the service, disables it and removes its files (the shared store
    /// directory is removed by the caller once no service is left).
    pub fn remove_script(&self, init: InitSystem) -> String {
        let n = sh_quote(&self.name);
        let files: Vec<String> = self
            .files(init)
            .into_iter()
            .map(|(p, _, _)| sh_quote(&p))
            .collect();
        let stop = match init {
            InitSystem::Systemd => format!(
                "systemctl disable --now {n} >/dev/null 2>&1; systemctl stop {n} >/dev/null 2>&1"
            ),
            InitSystem::SysV => format!(
                "if [ -x /etc/init.d/{n} ]; then /etc/init.d/{n} stop; fi; (update-rc.d -f {n} remove || chkconfig --del {n}) >/dev/null 2>&1"
            ),
            InitSystem::OpenRc => format!(
                "rc-service {n} stop >/dev/null 2>&1; rc-update del {n} default >/dev/null 2>&1"
            ),
            InitSystem::Direct => self.loop_stop(),
        };
        let reload = if init == InitSystem::Systemd {
            "; systemctl daemon-reload"
        } else {
            ""
        };
        format!(
            "{stop}; rm -f {} {}{reload}; true",
            files.join(" "),
            sh_quote(&self.log_file())
        )
    }

    /// Shell whose exit status says whether the service's process runs.
    pub fn running_script(&self, init: InitSystem) -> String {
        let n = sh_quote(&self.name);
        match init {
            InitSystem::Systemd => format!("systemctl is-active --quiet {n}"),
            InitSystem::OpenRc => format!("rc-service {n} status >/dev/null 2>&1"),
            InitSystem::SysV | InitSystem::Direct => format!(
                "[ -f {pid} ] && kill -0 \"$(cat {pid})\" 2>/dev/null",
                pid = sh_quote(&self.pid_file())
            ),
        }
    }

    /// Shell printing the last lines of the service's log, to explain a failed start.
    pub fn log_script(&self, init: InitSystem) -> String {
        match init {
            InitSystem::Systemd => format!(
                "journalctl -u {} -n 15 --no-pager 2>/dev/null",
                sh_quote(&self.name)
            ),
            _ => format!("tail -n 15 {} 2>/dev/null", sh_quote(&self.log_file())),
        }
    }
}

/// `uname -m` values a binary built for `arch` (Rust's `std::env::consts::ARCH`) runs on.
pub fn uname_matches(arch: &str, uname_m: &str) -> bool {
    let m = uname_m.trim();
    match arch {
        "x86_64" => m == "x86_64" || m == "amd64",
        "aarch64" => m == "aarch64" || m == "arm64" || m == "armv8l",
        "x86" => matches!(m, "i386" | "i486" | "i586" | "i686" | "x86"),
        "arm" => m.starts_with("armv"),
        "riscv64" => m == "riscv64",
        "powerpc64" => m.starts_with("ppc64"),
        "s390x" => m == "s390x",
        other => m == other,
    }
}

/// The architecture an ELF executable was built for, from its header (`e_machine`).
pub fn elf_arch(header: &[u8]) -> Option<&'static str> {
    if header.len() < 20 || &header[..4] != b"\x7fELF" {
        return None;
    }
    let little = header[5] == 1;
    let m = if little {
        u16::from_le_bytes([header[18], header[19]])
    } else {
        u16::from_be_bytes([header[18], header[19]])
    };
    Some(match m {
        0x03 => "x86",
        0x28 => "arm",
        0x3e => "x86_64",
        0xb7 => "aarch64",
        0xf3 => "riscv64",
        0x15 => "powerpc64",
        0x16 => "s390x",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svc() -> Service {
        Service {
            name: "flotilla-manager".into(),
            description: "flotilla swarm manager".into(),
            args: vec![
                "-s".into(),
                REMOTE_STORE.into(),
                "manage".into(),
                "--swarm".into(),
                "token://abc".into(),
                "--label".into(),
                "a b$c%".into(),
            ],
        }
    }

    #[test]
    fn systemd_unit_quotes_and_restarts() {
        let (path, unit, mode) = svc().init_file(InitSystem::Systemd).unwrap();
        assert_eq!(path, "/etc/systemd/system/flotilla-manager.service");
        assert_eq!(mode, 0o644);
        assert!(unit.contains("Restart=always\n"), "{unit}");
        assert!(
            unit.contains(
                "ExecStart=/var/lib/flotilla/bin/flotilla -s /var/lib/flotilla manage --swarm token://abc --label \"a b$$c%%\"\n"
            ),
            "{unit}"
        );
    }

    #[test]
    fn loop_script_runs_the_command_through_sh() {
        let files = svc().files(InitSystem::SysV);
        let paths: Vec<&str> = files.iter().map(|(p, _, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                "/var/lib/flotilla/run-flotilla-manager.sh",
                "/etc/init.d/flotilla-manager"
            ]
        );
        let script = &files[0].1;
        assert!(
            script.contains("manage --swarm token://abc --label 'a b$c%' </dev/null"),
            "{script}"
        );
        // The init script and the loop are valid shell.
        for (_, text, _) in &files {
            let out = std::process::Command::new("sh")
                .args(["-n", "-c", text])
                .output()
                .expect("sh");
            assert!(out.status.success(), "{text}");
        }
    }

    #[test]
    fn container_nodes_get_a_boot_hook() {
        let files = svc().files(InitSystem::Direct);
        assert!(
            files
                .iter()
                .any(|(p, _, m)| p == "/etc/flotilla/boot/flotilla-manager.start" && *m == 0o755)
        );
        assert!(svc().init_file(InitSystem::Direct).is_none());
    }

    #[test]
    fn every_generated_script_parses() {
        let s = svc();
        for init in [
            InitSystem::Systemd,
            InitSystem::SysV,
            InitSystem::OpenRc,
            InitSystem::Direct,
        ] {
            for script in [
                s.restart_script(init),
                s.remove_script(init),
                s.running_script(init),
                s.log_script(init),
            ] {
                let out = std::process::Command::new("sh")
                    .args(["-n", "-c", &script])
                    .output()
                    .expect("sh");
                assert!(out.status.success(), "{init}: {script}");
            }
        }
    }

    #[test]
    fn architectures() {
        assert!(uname_matches("x86_64", "x86_64\n"));
        assert!(uname_matches("aarch64", "arm64"));
        assert!(!uname_matches("x86_64", "aarch64"));
        assert!(!uname_matches("aarch64", "x86_64"));
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(b"\x7fELF");
        h[5] = 1;
        h[18] = 0x3e;
        assert_eq!(elf_arch(&h), Some("x86_64"));
        h[18] = 0xb7;
        assert_eq!(elf_arch(&h), Some("aarch64"));
        assert_eq!(elf_arch(b"#!/bin/sh\n"), None);
    }
}
