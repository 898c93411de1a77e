//! `ssh` and `scp`: the command lines that reach a machine with the same
//! key, port and known_hosts file the runner uses. The command layer runs
//! them with the terminal attached and passes their exit code through.

use std::time::Duration;

use crate::driver::State;
use crate::driver::handle::{self, MachineError};
use crate::remote::{RemoteTarget, SshTarget, sh_quote};
use crate::store::Store;

/// A program and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// `ssh`, `scp`, `rsync` or `docker` (for a container node), found on `PATH`.
    pub program: String,
    /// The arguments, unquoted: they are passed as they are, not through a shell.
    pub args: Vec<String>,
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

async fn running_target(store: &Store, name: &str) -> Result<RemoteTarget, MachineError> {
    let loaded = handle::load(store, name)?;
    if loaded.state().await? != State::Running {
        return Err(MachineError::Other {
            machine: name.to_string(),
            message: "cannot connect: the machine is not running".into(),
        });
    }
    loaded
        .driver
        .remote()
        .await
        .map_err(|source| MachineError::Driver {
            machine: name.to_string(),
            source,
        })
}

/// The command line for `ssh NAME [-- CMD…]`.
pub fn ssh_invocation(target: &RemoteTarget, cmd: &[String], tty: bool) -> Invocation {
    match target {
        RemoteTarget::Ssh(t) => {
            let mut args = t.ssh_options(CONNECT_TIMEOUT);
            if tty && cmd.is_empty() {
                args.push("-t".into());
            }
            args.push(t.destination());
            if !cmd.is_empty() {
                args.push("--".into());
                args.extend(cmd.iter().cloned());
            }
            Invocation {
                program: "ssh".into(),
                args,
            }
        }
        RemoteTarget::Container {
            docker_host,
            container,
        } => {
            let mut args = vec![
                "-H".to_string(),
                docker_host.clone(),
                "exec".into(),
                "-i".into(),
            ];
            if tty {
                args.push("-t".into());
            }
            args.push(container.clone());
            if cmd.is_empty() {
                args.push("sh".into());
            } else {
                args.extend(["sh".into(), "-c".into(), cmd.join(" ")]);
            }
            Invocation {
                program: "docker".into(),
                args,
            }
        }
    }
}

/// The command line for `ssh NAME [-- CMD…]` on a stored machine; fails when it is not
/// running. `tty`: the caller has a terminal to lend (`-t`; over SSH, only to a session
/// without a command).
pub async fn ssh(
    store: &Store,
    name: &str,
    cmd: &[String],
    tty: bool,
) -> Result<Invocation, MachineError> {
    let target = running_target(store, name).await?;
    Ok(ssh_invocation(&target, cmd, tty))
}

/// One side of `scp`: `[user@]machine:path`, or a local path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The machine's name; `None` for a local path (`localhost:` included).
    pub machine: Option<String>,
    /// The user before `@`; `None`: the machine's own SSH user.
    pub user: Option<String>,
    /// The path on that side, as given.
    pub path: String,
}

/// Parses a location as docker-machine did: `machine:path` is remote when
/// the part before the first `:` has no `/`; `localhost:path` is local.
pub fn parse_location(s: &str) -> Location {
    if let Some((head, path)) = s.split_once(':')
        && !head.contains('/')
        && !head.is_empty()
    {
        let (user, machine) = match head.split_once('@') {
            Some((u, m)) => (Some(u.to_string()), m.to_string()),
            None => (None, head.to_string()),
        };
        if machine != "localhost" {
            return Location {
                machine: Some(machine),
                user,
                path: path.to_string(),
            };
        }
        return Location {
            machine: None,
            user: None,
            path: path.to_string(),
        };
    }
    Location {
        machine: None,
        user: None,
        path: s.to_string(),
    }
}

fn remote_arg(t: &SshTarget, user: &Option<String>, path: &str) -> String {
    let mut t = t.clone();
    if let Some(u) = user {
        t.user = u.clone();
    }
    format!("{}:{path}", t.destination())
}

/// `scp`'s flags.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScpOptions {
    /// Copy directories (`-r`); `docker cp` to a container node is always recursive.
    pub recursive: bool,
    /// Transfer only differences with rsync.
    pub delta: bool,
}

/// The command line for `scp SRC DST`, given the targets of the machines
/// named in the locations.
pub fn scp_invocation(
    src: &Location,
    src_target: Option<&RemoteTarget>,
    dst: &Location,
    dst_target: Option<&RemoteTarget>,
    opts: ScpOptions,
) -> Result<Invocation, String> {
    let container = |t: Option<&RemoteTarget>| match t {
        Some(RemoteTarget::Container {
            docker_host,
            container,
        }) => Some((docker_host.clone(), container.clone())),
        _ => None,
    };
    // Container nodes: `docker cp` (always recursive).
    if let Some((host, c)) = container(src_target) {
        if dst_target.is_some() {
            return Err("copying between a container node and another machine is not supported; copy through a local path".into());
        }
        return Ok(Invocation {
            program: "docker".into(),
            args: vec![
                "-H".into(),
                host,
                "cp".into(),
                format!("{c}:{}", src.path),
                dst.path.clone(),
            ],
        });
    }
    if let Some((host, c)) = container(dst_target) {
        if src_target.is_some() {
            return Err("copying between a container node and another machine is not supported; copy through a local path".into());
        }
        return Ok(Invocation {
            program: "docker".into(),
            args: vec![
                "-H".into(),
                host,
                "cp".into(),
                src.path.clone(),
                format!("{c}:{}", dst.path),
            ],
        });
    }
    let ssh = |t: Option<&RemoteTarget>| match t {
        Some(RemoteTarget::Ssh(s)) => Some(s.clone()),
        _ => None,
    };
    let (s, d) = (ssh(src_target), ssh(dst_target));
    let arg = |loc: &Location, t: &Option<SshTarget>| match t {
        Some(t) => remote_arg(t, &loc.user, &loc.path),
        None => loc.path.clone(),
    };
    if opts.delta {
        let t = match (&s, &d) {
            (Some(_), Some(_)) => {
                return Err("--delta copies between a machine and a local path only".into());
            }
            (Some(t), None) | (None, Some(t)) => t,
            (None, None) => return Err("neither side names a machine".into()),
        };
        let e = std::iter::once("ssh".to_string())
            .chain(t.ssh_options(CONNECT_TIMEOUT).iter().map(|a| sh_quote(a)))
            .collect::<Vec<_>>()
            .join(" ");
        let mut args = vec!["-a".to_string()];
        if opts.recursive {
            args.push("-r".into());
        }
        args.extend(["-e".into(), e, arg(src, &s), arg(dst, &d)]);
        return Ok(Invocation {
            program: "rsync".into(),
            args,
        });
    }
    let mut args = vec![];
    if s.is_some() && d.is_some() {
        args.push("-3".to_string());
    }
    if opts.recursive {
        args.push("-r".into());
    }
    // Options of both sides: known_hosts files and keys combined.
    let mut known = vec![];
    let mut keys = vec![];
    let mut first = None;
    for t in [&s, &d].into_iter().flatten() {
        known.push(t.known_hosts.display().to_string());
        if let Some(k) = &t.key {
            keys.push(k.display().to_string());
        }
        first.get_or_insert(t.clone());
    }
    let Some(first) = first else {
        return Err("neither side names a machine".into());
    };
    args.extend([
        "-o".into(),
        format!("UserKnownHostsFile={}", known.join(" ")),
        "-o".into(),
        "StrictHostKeyChecking=accept-new".into(),
        "-o".into(),
        format!("ConnectTimeout={}", CONNECT_TIMEOUT.as_secs()),
        "-o".into(),
        "LogLevel=ERROR".into(),
        "-P".into(),
        first.port.to_string(),
    ]);
    if !keys.is_empty() {
        args.extend(["-o".into(), "IdentitiesOnly=yes".into()]);
        for k in keys {
            args.extend(["-i".into(), k]);
        }
    }
    args.push(arg(src, &s));
    args.push(arg(dst, &d));
    Ok(Invocation {
        program: "scp".into(),
        args,
    })
}

/// The command line for `scp SRC DST`; each machine named must be running. A copy between two
/// machines goes through this host (`scp -3`).
pub async fn scp(
    store: &Store,
    src: &str,
    dst: &str,
    opts: ScpOptions,
) -> Result<Invocation, MachineError> {
    let (src, dst) = (parse_location(src), parse_location(dst));
    let mut targets = vec![];
    for loc in [&src, &dst] {
        targets.push(match &loc.machine {
            Some(m) => Some(running_target(store, m).await?),
            None => None,
        });
    }
    scp_invocation(&src, targets[0].as_ref(), &dst, targets[1].as_ref(), opts).map_err(|message| {
        MachineError::Other {
            machine: src.machine.or(dst.machine).unwrap_or_default(),
            message,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn t(host: &str) -> RemoteTarget {
        RemoteTarget::Ssh(SshTarget {
            host: host.into(),
            port: 22,
            user: "root".into(),
            key: Some(PathBuf::from(format!("/s/{host}/id"))),
            known_hosts: PathBuf::from(format!("/s/{host}/known_hosts")),
        })
    }

    #[test]
    fn locations() {
        assert_eq!(
            parse_location("m1:/etc/hosts"),
            Location {
                machine: Some("m1".into()),
                user: None,
                path: "/etc/hosts".into()
            }
        );
        assert_eq!(
            parse_location("ubuntu@m1:x"),
            Location {
                machine: Some("m1".into()),
                user: Some("ubuntu".into()),
                path: "x".into()
            }
        );
        assert_eq!(parse_location("localhost:/tmp/a").machine, None);
        assert_eq!(parse_location("./a:b").machine, None);
        assert_eq!(parse_location("/tmp/x").path, "/tmp/x");
    }

    #[test]
    fn ssh_command_lines() {
        let i = ssh_invocation(&t("10.0.0.5"), &["ls".into(), "-la".into()], false);
        assert_eq!(i.program, "ssh");
        assert_eq!(
            &i.args[i.args.len() - 4..],
            ["root@10.0.0.5", "--", "ls", "-la"]
        );
        let i = ssh_invocation(&t("10.0.0.5"), &[], true);
        assert!(i.args.contains(&"-t".to_string()));
        let c = RemoteTarget::Container {
            docker_host: "unix:///d.sock".into(),
            container: "abc".into(),
        };
        let i = ssh_invocation(&c, &["echo".into(), "hi".into()], false);
        assert_eq!(
            i.args,
            [
                "-H",
                "unix:///d.sock",
                "exec",
                "-i",
                "abc",
                "sh",
                "-c",
                "echo hi"
            ]
        );
    }

    #[test]
    fn scp_command_lines() {
        let src = parse_location("m1:/etc/hostname");
        let dst = parse_location("/tmp/x");
        let i = scp_invocation(
            &src,
            Some(&t("10.0.0.5")),
            &dst,
            None,
            ScpOptions::default(),
        )
        .unwrap();
        assert_eq!(i.program, "scp");
        assert_eq!(
            &i.args[i.args.len() - 2..],
            ["root@10.0.0.5:/etc/hostname", "/tmp/x"]
        );
        assert!(!i.args.contains(&"-3".to_string()));
        let dst2 = parse_location("m2:/tmp/");
        let i = scp_invocation(
            &src,
            Some(&t("10.0.0.5")),
            &dst2,
            Some(&t("10.0.0.6")),
            ScpOptions {
                recursive: true,
                delta: false,
            },
        )
        .unwrap();
        assert!(i.args.starts_with(&["-3".to_string(), "-r".to_string()]));
        assert!(i.args.contains(
            &"UserKnownHostsFile=/s/10.0.0.5/known_hosts /s/10.0.0.6/known_hosts".to_string()
        ));
        let i = scp_invocation(
            &src,
            Some(&t("10.0.0.5")),
            &dst,
            None,
            ScpOptions {
                recursive: false,
                delta: true,
            },
        )
        .unwrap();
        assert_eq!(i.program, "rsync");
        assert!(
            i.args[2].starts_with("ssh -o 'UserKnownHostsFile=/s/10.0.0.5/known_hosts'")
                || i.args[2].starts_with("ssh -o UserKnownHostsFile=/s/10.0.0.5/known_hosts"),
            "{}",
            i.args[2]
        );
        assert!(
            scp_invocation(
                &src,
                Some(&t("a")),
                &dst2,
                Some(&t("b")),
                ScpOptions {
                    recursive: false,
                    delta: true
                }
            )
            .is_err()
        );
    }
}
