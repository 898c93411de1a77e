//! Validate, swap and reload (I/O).
//!
//! [`validate_and_swap`] never leaves a configuration on disk that nginx rejected: the new text is
//! written to a temp file beside the target, checked with `nginx -t`, and renamed over the target
//! only when the check passes. If the reload afterwards fails, the previous file is put back, so a
//! retry with the same text is not mistaken for "unchanged" and the next nginx restart still works.
//! (nginx-proxy wrote the file in place before reloading: a bad config broke the next restart,
//! upstream #115, #569, #1302.)

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use thiserror::Error;

/// Errors of the proxy's I/O steps. The message says which step failed and includes nginx's
/// own diagnostics.
#[derive(Debug, Error)]
pub enum ProxyError {
    /// A file could not be read or written, or an external command not started or waited for.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, e.g. "cannot write a temp file in DIR".
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// `nginx -t` refused the text: the target file was not touched.
    #[error(
        "nginx rejected the new configuration; the previous one is kept\n{stderr}\nhint: check the containers named in the error, or report a bug in the renderer"
    )]
    Invalid {
        /// nginx's stderr, or the exit status when it printed nothing.
        stderr: String,
    },
    /// The reload after the swap failed; [`validate_and_swap`] then puts the previous file back
    /// (or removes the new one when there was none).
    #[error("reloading nginx failed; the previous configuration file is restored\n{stderr}")]
    Reload {
        /// The reload's stderr, or its exit status when it printed nothing.
        stderr: String,
    },
    /// An external command ran past [`ApplyOptions::timeout`] and was killed.
    #[error("{what} did not finish within {}s", .timeout.as_secs())]
    Timeout {
        /// The command, e.g. "nginx -t" or "reload command".
        what: String,
        /// The limit it ran past.
        timeout: Duration,
    },
}

impl ProxyError {
    fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        ProxyError::Io {
            context: context.into(),
            source,
        }
    }
}

/// How the running nginx learns about a new file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reload {
    /// Do not reload (nginx is not running yet, or the caller reloads itself).
    None,
    /// `nginx -s reload -c TARGET -p PREFIX` (SIGHUP to the pid in the configured pid file).
    Signal,
    /// A user command (`--reload-cmd`), run with `sh -c`.
    Command(String),
}

/// How [`validate_and_swap`] checks and loads a configuration; [`ApplyOptions::new`] gives the
/// defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyOptions {
    /// The nginx executable.
    pub nginx: PathBuf,
    /// nginx's prefix directory (`-p`).
    pub prefix: PathBuf,
    /// How the running nginx picks the new file up ([`Reload::Signal`] by default).
    pub reload: Reload,
    /// Limit for each external command (`nginx -t`, the reload).
    pub timeout: Duration,
}

impl ApplyOptions {
    /// `/usr/sbin/nginx`, `nginx -s reload`, 30 s per command.
    pub fn new(prefix: impl Into<PathBuf>) -> Self {
        ApplyOptions {
            nginx: PathBuf::from("/usr/sbin/nginx"),
            prefix: prefix.into(),
            reload: Reload::Signal,
            timeout: Duration::from_secs(30),
        }
    }
}

/// What [`validate_and_swap`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    /// The target already had this content: nothing was validated, written or reloaded.
    Unchanged,
    /// The new content was validated, swapped in and (per [`Reload`]) reloaded.
    Updated,
}

/// Writes `conf` to `target` if it differs, after `nginx -t` accepted it, then reloads.
pub fn validate_and_swap(
    conf: &str,
    target: &Path,
    opts: &ApplyOptions,
) -> Result<Changed, ProxyError> {
    let previous = match std::fs::read(target) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(ProxyError::io(
                format!("cannot read {}", target.display()),
                e,
            ));
        }
    };
    if previous.as_deref() == Some(conf.as_bytes()) {
        return Ok(Changed::Unchanged);
    }
    let temp = write_temp_beside(target, conf.as_bytes())?;
    validate(temp.path(), opts)?;
    temp.persist(target).map_err(|e| {
        ProxyError::io(
            format!(
                "cannot rename the new configuration over {}",
                target.display()
            ),
            e.error,
        )
    })?;
    sync_parent(target);
    if let Err(err) = reload(target, opts) {
        match &previous {
            Some(old) => {
                if let Ok(t) = write_temp_beside(target, old) {
                    let _ = t.persist(target);
                }
            }
            None => {
                let _ = std::fs::remove_file(target);
            }
        }
        return Err(err);
    }
    Ok(Changed::Updated)
}

/// Checks `conf` with `nginx -t` in a temp file beside `target`, which is left untouched (used
/// to find which vhosts nginx rejects when a whole configuration fails).
pub fn validate_text(conf: &str, target: &Path, opts: &ApplyOptions) -> Result<(), ProxyError> {
    let temp = write_temp_beside(target, conf.as_bytes())?;
    validate(temp.path(), opts)
}

/// Runs `nginx -t -q -c CONF -p PREFIX`; the error carries nginx's stderr.
pub fn validate(conf: &Path, opts: &ApplyOptions) -> Result<(), ProxyError> {
    let mut cmd = Command::new(&opts.nginx);
    cmd.arg("-t")
        .arg("-q")
        .arg("-c")
        .arg(conf)
        .arg("-p")
        .arg(&opts.prefix);
    let (ok, stderr) = run(cmd, "nginx -t", opts.timeout)?;
    if ok {
        Ok(())
    } else {
        Err(ProxyError::Invalid { stderr })
    }
}

/// Tells the running nginx to load `target`, as configured by [`ApplyOptions::reload`].
pub fn reload(target: &Path, opts: &ApplyOptions) -> Result<(), ProxyError> {
    let (what, cmd) = match &opts.reload {
        Reload::None => return Ok(()),
        Reload::Signal => {
            let mut cmd = Command::new(&opts.nginx);
            cmd.arg("-s")
                .arg("reload")
                .arg("-c")
                .arg(target)
                .arg("-p")
                .arg(&opts.prefix);
            ("nginx -s reload", cmd)
        }
        Reload::Command(line) => {
            let mut cmd = Command::new("sh");
            cmd.arg("-c").arg(line);
            ("reload command", cmd)
        }
    };
    let (ok, stderr) = run(cmd, what, opts.timeout)?;
    if ok {
        Ok(())
    } else {
        Err(ProxyError::Reload { stderr })
    }
}

fn write_temp_beside(target: &Path, bytes: &[u8]) -> Result<tempfile::NamedTempFile, ProxyError> {
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "nginx.conf".to_string());
    let ctx = || format!("cannot write a temp file in {}", dir.display());
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| ProxyError::io(ctx(), e))?;
    temp.write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| ProxyError::io(ctx(), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o644));
    }
    Ok(temp)
}

fn sync_parent(target: &Path) {
    if let Some(dir) = target.parent().filter(|p| !p.as_os_str().is_empty())
        && let Ok(f) = std::fs::File::open(dir)
    {
        let _ = f.sync_all();
    }
}

/// Runs `cmd` with stdout discarded, returning (success, stderr). Kills it after `timeout`.
fn run(mut cmd: Command, what: &str, timeout: Duration) -> Result<(bool, String), ProxyError> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| ProxyError::io(format!("cannot run {what}"), e))?;
    let mut pipe = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(p) = pipe.as_mut() {
            let _ = p.read_to_end(&mut buf);
        }
        buf
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ProxyError::Timeout {
                    what: what.to_string(),
                    timeout,
                });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(ProxyError::io(format!("cannot wait for {what}"), e)),
        }
    };
    let stderr = reader.join().unwrap_or_default();
    let mut stderr = String::from_utf8_lossy(&stderr).trim_end().to_string();
    if !status.success() && stderr.is_empty() {
        stderr = format!("{what} exited with {status}");
    }
    Ok((status.success(), stderr))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::nginx::{RenderOptions, render};
    use crate::proxy::routes::build;
    use crate::proxy::source::ProxyContainer;
    use flotilla_routes::fixtures::local;
    use std::io::{BufRead, BufReader};
    use std::net::{IpAddr, TcpListener, TcpStream};

    fn nginx() -> Option<PathBuf> {
        let p = std::env::var_os("FLOTILLA_NGINX")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/usr/sbin/nginx"));
        // A missing nginx fails the test: scripts/test installs it, and a
        // skipped test would hide that.
        assert!(
            p.exists(),
            "{} not found: install nginx-light (scripts/test does) or set FLOTILLA_NGINX",
            p.display()
        );
        Some(p)
    }

    fn setup(reload: Reload) -> Option<(tempfile::TempDir, PathBuf, ApplyOptions, RenderOptions)> {
        let nginx = nginx()?;
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("nginx.conf");
        let opts = ApplyOptions {
            nginx,
            prefix: dir.path().to_path_buf(),
            reload,
            timeout: Duration::from_secs(20),
        };
        let mut render_opts = RenderOptions::new(dir.path());
        render_opts.listen_addr = Some(IpAddr::from([127, 0, 0, 1]));
        render_opts.listen_port = free_port();
        render_opts.worker_processes = "1".into();
        Some((dir, target, opts, render_opts))
    }

    fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port")
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .expect("read dir")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }

    #[test]
    #[cfg_attr(
        not(feature = "testbed"),
        ignore = "needs the testbed: run scripts/test"
    )]
    fn real_nginx_accepts_the_rich_config() {
        let Some((dir, target, opts, ropts)) = setup(Reload::None) else {
            return;
        };
        let table = build(&flotilla_routes::fixtures::rich_containers());
        let conf = render(&table, &ropts);
        let r = validate_and_swap(&conf, &target, &opts);
        assert!(matches!(r, Ok(Changed::Updated)), "{r:?}");
        assert_eq!(std::fs::read_to_string(&target).expect("target"), conf);
        let r = validate_and_swap(&conf, &target, &opts);
        assert!(matches!(r, Ok(Changed::Unchanged)), "{r:?}");
        assert!(leftovers(dir.path()).is_empty());
    }

    /// Every setting the renderer knows, with TLS, as real nginx reads it: `nginx -t` accepts
    /// it, and a live nginx answers an ACME challenge from the configuration and refuses an
    /// unknown name at the handshake.
    #[test]
    #[cfg_attr(
        not(feature = "testbed"),
        ignore = "needs the testbed: run scripts/test"
    )]
    fn real_nginx_accepts_tls_and_every_setting() {
        let Some((dir, target, opts, mut ropts)) = setup(Reload::None) else {
            return;
        };
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = rcgen::CertificateParams::new(vec!["a.test".to_string()])
            .expect("params")
            .self_signed(&key)
            .expect("cert");
        for stem in ["a.test", "p.test"] {
            std::fs::write(dir.path().join(format!("{stem}.crt")), cert.pem()).expect("crt");
            std::fs::write(dir.path().join(format!("{stem}.key")), key.serialize_pem())
                .expect("key");
        }
        let file = |stem: &str| crate::proxy::nginx::CertFile {
            crt: dir
                .path()
                .join(format!("{stem}.crt"))
                .to_string_lossy()
                .into_owned(),
            key: dir
                .path()
                .join(format!("{stem}.key"))
                .to_string_lossy()
                .into_owned(),
            fingerprint: stem.to_string(),
        };
        ropts.https_port = Some(free_port());
        ropts.certs.files.insert("a.test".into(), file("a.test"));
        ropts.certs.files.insert("p.test".into(), file("p.test"));
        ropts.acme = true;
        ropts
            .acme_challenges
            .insert("tok_1".into(), "tok_1.thumbprint".into());
        // a real token's length: the challenge path is longer than nginx's default map bucket
        let long = "t".repeat(43);
        ropts
            .acme_challenges
            .insert(long.clone(), format!("{long}.{}", "k".repeat(43)));
        let snippet = dir.path().join("snippet");
        std::fs::write(&snippet, "add_header X-Snippet 1;\n").expect("snippet");
        let htpasswd = dir.path().join("htpasswd");
        std::fs::write(&htpasswd, "ann:{PLAIN}x\n").expect("htpasswd");
        let s = snippet.to_string_lossy().into_owned();
        ropts.snippets.vhost_d.insert("a.test".into(), s.clone());
        ropts.snippets.vhost_d.insert("default_location".into(), s);
        ropts
            .snippets
            .htpasswd
            .insert("b.test".into(), htpasswd.to_string_lossy().into_owned());
        let mut lb = local("lb", 9, &["VIRTUAL_HOST=lb.test"]);
        lb.labels.insert(
            "flotilla.proxy.loadbalance".into(),
            "random two least_conn".into(),
        );
        lb.labels
            .insert("flotilla.proxy.keepalive".into(), "16".into());
        let table = build(&[
            local(
                "a",
                2,
                &[
                    "VIRTUAL_HOST=a.test",
                    "LETSENCRYPT_HOST=a.test",
                    "HSTS=max-age=60; preload",
                ],
            ),
            local(
                "b",
                3,
                &[
                    "VIRTUAL_HOST=b.test",
                    "NETWORK_ACCESS=internal",
                    "CLIENT_MAX_BODY_SIZE=10m",
                ],
            ),
            local("g", 4, &["VIRTUAL_HOST=g.test", "VIRTUAL_PROTO=grpc"]),
            local("gs", 5, &["VIRTUAL_HOST=gs.test", "VIRTUAL_PROTO=grpcs"]),
            local("u", 6, &["VIRTUAL_HOST=u.test", "VIRTUAL_PROTO=uwsgi"]),
            local("f", 7, &["VIRTUAL_HOST=f.test", "VIRTUAL_PROTO=fastcgi"]),
            local(
                "r",
                8,
                &["VIRTUAL_HOST=r.test", "VIRTUAL_PATH=~* \\.(png|jpg)$"],
            ),
            local(
                "n",
                10,
                &[
                    "VIRTUAL_HOST=*.p.test",
                    "HTTPS_METHOD=noredirect",
                    "NON_GET_REDIRECT=308",
                ],
            ),
            local(
                "x",
                11,
                &[
                    "VIRTUAL_HOST=x.test",
                    "HTTPS_METHOD=nohttp",
                    "CERT_NAME=a.test",
                ],
            ),
            local(
                "e",
                12,
                &[
                    "VIRTUAL_HOST=e.test",
                    &format!("EXTERNAL_HTTP_PORT={}", free_port()),
                ],
            ),
            local("re", 13, &["VIRTUAL_HOST=~^(?<sub>[a-z]+)\\.re\\.test$"]),
            lb,
        ]);
        assert!(table.skipped.is_empty(), "{:?}", table.skipped);
        let conf = render(&table, &ropts);
        let r = validate_and_swap(&conf, &target, &opts);
        assert!(matches!(r, Ok(Changed::Updated)), "{r:?}\n{conf}");

        let child = Command::new(&opts.nginx)
            .arg("-c")
            .arg(&target)
            .arg("-p")
            .arg(dir.path())
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        let _guard = Kill(child);
        let port = ropts.listen_port;
        let deadline = Instant::now() + Duration::from_secs(10);
        while get(port, "a.test", "/").0 == 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        // the challenge is answered on the HTTP side of an ACME vhost and in the fallback
        for host in ["a.test", "unknown.test"] {
            let (code, body) = get(port, host, "/.well-known/acme-challenge/tok_1");
            assert_eq!(code, 200, "{host}: {body}");
            assert!(body.ends_with("tok_1.thumbprint"), "{body}");
            assert_eq!(get(port, host, "/.well-known/acme-challenge/other").0, 404);
        }
        // everything else on a.test is redirected
        let (code, body) = get(port, "a.test", "/x");
        assert_eq!(code, 301, "{body}");
        // unknown names over TLS: the handshake is refused (no default certificate)
        let https = ropts.https_port.unwrap_or_default();
        let out = Command::new("curl")
            .args([
                "-sS",
                "-k",
                "--max-time",
                "5",
                "--noproxy",
                "*",
                "--resolve",
            ])
            .arg(format!("nope.test:{https}:127.0.0.1"))
            .arg(format!("https://nope.test:{https}/"))
            .output()
            .expect("curl");
        assert_eq!(
            out.status.code(),
            Some(35),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // a known name completes the handshake with its certificate
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "openssl s_client -connect 127.0.0.1:{https} -servername a.test </dev/null 2>/dev/null"
            ))
            .output()
            .expect("openssl");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("subject=") && text.contains("TLSv1.3"),
            "{text}"
        );
    }

    #[test]
    #[cfg_attr(
        not(feature = "testbed"),
        ignore = "needs the testbed: run scripts/test"
    )]
    fn a_broken_config_is_rejected_and_the_previous_file_stays() {
        let Some((dir, target, opts, ropts)) = setup(Reload::None) else {
            return;
        };
        let good = render(&build(&[local("a", 2, &["VIRTUAL_HOST=a.com"])]), &ropts);
        assert!(matches!(
            validate_and_swap(&good, &target, &opts),
            Ok(Changed::Updated)
        ));
        let broken = good.replace(
            "proxy_http_version 1.1;",
            "proxy_http_version 1.1;\n    bogus_directive on;",
        );
        let err = validate_and_swap(&broken, &target, &opts).expect_err("must be rejected");
        let msg = err.to_string();
        assert!(matches!(err, ProxyError::Invalid { .. }), "{msg}");
        assert!(
            msg.contains("unknown directive \"bogus_directive\""),
            "{msg}"
        );
        assert_eq!(std::fs::read_to_string(&target).expect("target"), good);
        assert!(
            leftovers(dir.path()).is_empty(),
            "{:?}",
            leftovers(dir.path())
        );

        // nothing there yet: a rejected first config leaves no file
        let fresh = dir.path().join("fresh.conf");
        assert!(validate_and_swap(&broken, &fresh, &opts).is_err());
        assert!(!fresh.exists());
    }

    #[test]
    #[cfg_attr(
        not(feature = "testbed"),
        ignore = "needs the testbed: run scripts/test"
    )]
    fn a_failed_reload_restores_the_previous_file() {
        let Some((_dir, target, mut opts, ropts)) = setup(Reload::None) else {
            return;
        };
        let first = render(&build(&[local("a", 2, &["VIRTUAL_HOST=a.com"])]), &ropts);
        assert!(matches!(
            validate_and_swap(&first, &target, &opts),
            Ok(Changed::Updated)
        ));
        opts.reload = Reload::Command("echo boom >&2; exit 3".into());
        let second = render(&build(&[local("b", 2, &["VIRTUAL_HOST=b.com"])]), &ropts);
        let err = validate_and_swap(&second, &target, &opts).expect_err("reload fails");
        assert!(matches!(err, ProxyError::Reload { .. }), "{err}");
        assert!(err.to_string().contains("boom"), "{err}");
        assert_eq!(std::fs::read_to_string(&target).expect("target"), first);
        // a successful retry then goes through
        opts.reload = Reload::Command("true".into());
        assert!(matches!(
            validate_and_swap(&second, &target, &opts),
            Ok(Changed::Updated)
        ));
        opts.timeout = Duration::from_millis(200);
        opts.reload = Reload::Command("sleep 5".into());
        let err = validate_and_swap(&first, &target, &opts).expect_err("times out");
        assert!(matches!(err, ProxyError::Timeout { .. }), "{err}");
    }

    /// A backend on loopback that answers 200 with the request head as the body.
    fn echo_backend() -> u16 {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind backend");
        let port = l.local_addr().expect("addr").port();
        std::thread::spawn(move || {
            for stream in l.incoming().flatten() {
                let mut reader = BufReader::new(&stream);
                let mut head = String::new();
                let mut line = String::new();
                while reader.read_line(&mut line).map(|n| n > 2).unwrap_or(false) {
                    head.push_str(&line);
                    line.clear();
                }
                let resp = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{head}",
                    head.len()
                );
                let _ = (&stream).write_all(resp.as_bytes());
            }
        });
        port
    }

    fn get(port: u16, host: &str, path: &str) -> (u16, String) {
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
            return (0, String::new());
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let req = format!(
            "GET {path} HTTP/1.0\r\nHost: {host}\r\nX-Forwarded-For: 203.0.113.9\r\nProxy: http://evil\r\nUpgrade: websocket\r\n\r\n"
        );
        let _ = s.write_all(req.as_bytes());
        let mut resp = String::new();
        let _ = s.read_to_string(&mut resp);
        let code = resp
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        (code, resp)
    }

    /// nginx's worker processes: the children of `master`, each as (pid, start time), so a
    /// reused pid is not taken for the process it replaced.
    fn workers(master: u32) -> std::collections::BTreeSet<(u32, u64)> {
        let mut found = std::collections::BTreeSet::new();
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return found;
        };
        for entry in dir.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // after "pid (comm)": state ppid … with the start time as field 22 of the line
            let Some((_, rest)) = stat.rsplit_once(')') else {
                continue;
            };
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let ppid = fields.get(1).and_then(|f| f.parse::<u32>().ok());
            let start = fields.get(19).and_then(|f| f.parse::<u64>().ok());
            if let (Some(ppid), Some(start)) = (ppid, start)
                && ppid == master
                && fields.first() != Some(&"Z")
            {
                found.insert((pid, start));
            }
        }
        found
    }

    struct Kill(std::process::Child);
    impl Drop for Kill {
        /// SIGTERM first (the master stops its workers), SIGKILL only as a last resort.
        fn drop(&mut self) {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(self.0.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.0.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    #[test]
    #[cfg_attr(
        not(feature = "testbed"),
        ignore = "needs the testbed: run scripts/test"
    )]
    fn live_nginx_routes_503_502_headers_and_reloads() {
        let Some((dir, target, mut opts, ropts)) = setup(Reload::None) else {
            return;
        };
        let backend = echo_backend();
        let mut up = local(
            "web",
            1,
            &["VIRTUAL_HOST=app.test", &format!("VIRTUAL_PORT={backend}")],
        );
        up.ip_address = Some(IpAddr::from([127, 0, 0, 1]));
        let mut sick = local("sick", 2, &["VIRTUAL_HOST=down.test"]);
        sick.health = Some("unhealthy".into());
        let mut api = up.clone();
        api.name = "api".into();
        api.env = vec![
            "VIRTUAL_HOST=app.test".into(),
            "VIRTUAL_PATH=/api/".into(),
            "VIRTUAL_DEST=/v1/".into(),
            format!("VIRTUAL_PORT={backend}"),
        ];
        let containers: Vec<ProxyContainer> = vec![up.clone(), sick, api];
        let conf = render(&build(&containers), &ropts);
        validate_and_swap(&conf, &target, &opts).expect("first config");
        let child = Command::new(&opts.nginx)
            .arg("-c")
            .arg(&target)
            .arg("-p")
            .arg(dir.path())
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("nginx.stderr")).expect("log file"))
            .spawn()
            .expect("start nginx");
        let log = || std::fs::read_to_string(dir.path().join("nginx.stderr")).unwrap_or_default();
        let master = child.id();
        let _guard = Kill(child);
        let port = ropts.listen_port;
        let deadline = Instant::now() + Duration::from_secs(10);
        while get(port, "app.test", "/").0 == 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }

        let (code, body) = get(port, "app.test", "/hello");
        assert_eq!(code, 200, "{body}");
        let body = body.to_ascii_lowercase();
        assert!(body.contains("get /hello http/1.1"), "{body}");
        assert!(body.contains(&format!("host: app.test:{port}")), "{body}");
        assert!(body.contains("x-real-ip: 127.0.0.1"), "{body}");
        assert!(
            body.contains("x-forwarded-for: 203.0.113.9, 127.0.0.1"),
            "{body}"
        );
        assert!(body.contains("x-forwarded-proto: http"), "{body}");
        assert!(body.contains("x-forwarded-host: app.test"), "{body}");
        assert!(
            body.contains(&format!("x-forwarded-port: {port}")),
            "{body}"
        );
        assert!(
            body.contains("upgrade: websocket") && body.contains("connection: upgrade"),
            "{body}"
        );
        assert!(!body.contains("proxy: http://evil"), "{body}");
        let (code, body) = get(port, "app.test", "/api/users");
        assert_eq!(code, 200);
        assert!(body.contains("GET /v1/users HTTP/1.1"), "{body}");
        assert_eq!(get(port, "unknown.test", "/").0, 503);
        assert_eq!(get(port, "down.test", "/").0, 502);

        // a new vhost appears after a reload through `nginx -s reload`
        let old_workers = workers(master);
        assert!(!old_workers.is_empty(), "no nginx worker under {master}");
        opts.reload = Reload::Signal;
        let mut more = containers.clone();
        let mut other = up.clone();
        other.name = "other".into();
        other.env = vec![
            "VIRTUAL_HOST=new.test".into(),
            format!("VIRTUAL_PORT={backend}"),
        ];
        more.push(other);
        let conf = render(&build(&more), &ropts);
        let r = validate_and_swap(&conf, &target, &opts);
        assert!(matches!(r, Ok(Changed::Updated)), "{r:?}");
        // Until the old workers exit they still accept connections with the old configuration;
        // once every one of them is gone, only workers of the new configuration answer.
        let deadline = Instant::now() + Duration::from_secs(60);
        while !workers(master).is_disjoint(&old_workers) {
            assert!(
                Instant::now() < deadline,
                "the old workers never exited: {}",
                log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(get(port, "new.test", "/").0, 200, "nginx log:\n{}", log());
        // a rejected config leaves the running nginx and the file alone
        let err = validate_and_swap("events {", &target, &opts).expect_err("broken");
        assert!(err.to_string().contains("unexpected end of file"), "{err}");
        assert_eq!(std::fs::read_to_string(&target).expect("target"), conf);
        assert_eq!(get(port, "new.test", "/").0, 200);
    }
}
