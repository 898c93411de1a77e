//! The engine configuration flotilla writes, as pure functions.
//!
//! docker-machine overwrote the daemon's options wholesale (and switched
//! storage drivers, which wiped images). flotilla changes only what it
//! needs and keeps the rest of the host's configuration:
//!
//! - Listen addresses, TLS, labels, registries and the storage driver go
//!   into `/etc/docker/daemon.json`, **merged** with what is there. What
//!   flotilla added or replaced is recorded in `/etc/docker/flotilla/managed.json`,
//!   so a later provision first undoes exactly that (labels that were
//!   dropped disappear) and cleanup restores the host's own values.
//!   Putting `hosts` and `tls*` in daemon.json also avoids dockerd's
//!   refusal of a setting given both as a flag and in the file.
//! - `--engine-opt` flags and `--engine-env` variables go where the init
//!   system reads them: a systemd drop-in, a marked block in
//!   `/etc/default/docker` (SysV) or `/etc/conf.d/docker` (OpenRC), or the
//!   start script of a container node.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Where flotilla keeps its files on a host.
pub const REMOTE_DIR: &str = "/etc/docker/flotilla";
/// The engine's own configuration: merged with flotilla's settings, never overwritten.
pub const DAEMON_JSON: &str = "/etc/docker/daemon.json";
/// What flotilla changed in daemon.json ([`Managed`]), for the next provision and cleanup to
/// undo.
pub const MANAGED_JSON: &str = "/etc/docker/flotilla/managed.json";
/// The CA certificate the engine checks client certificates against.
pub const CA_PEM: &str = "/etc/docker/flotilla/ca.pem";
/// The engine's server certificate.
pub const SERVER_PEM: &str = "/etc/docker/flotilla/server.pem";
/// The engine's server key (mode 0600).
pub const SERVER_KEY_PEM: &str = "/etc/docker/flotilla/server-key.pem";
/// The systemd drop-in carrying `--engine-opt` and `--engine-env` ([`systemd_dropin`]).
pub const SYSTEMD_DROPIN: &str = "/etc/systemd/system/docker.service.d/10-flotilla.conf";
/// The start script of a container node's engine (init system `direct`).
pub const DIRECT_SCRIPT: &str = "/etc/docker/flotilla/engine.sh";
/// The engine's log on a container node, appended to by [`DIRECT_SCRIPT`].
pub const DIRECT_LOG: &str = "/var/log/flotilla-dockerd.log";

const BEGIN: &str = "# BEGIN flotilla (managed by flotilla; do not edit inside this block)";
const END: &str = "# END flotilla";

/// What flotilla wants in daemon.json.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Desired {
    /// The TCP port the engine listens on with TLS, besides its unix socket.
    pub port: u16,
    /// `k=v` labels, `provider=<driver>` included.
    pub labels: Vec<String>,
    /// `--engine-insecure-registry` values.
    pub insecure_registries: Vec<String>,
    /// `--engine-registry-mirror` values.
    pub registry_mirrors: Vec<String>,
    /// `--engine-storage-driver`; `None` leaves the host's setting alone.
    pub storage_driver: Option<String>,
}

/// What flotilla changed in daemon.json, so it can be undone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Managed {
    /// List items flotilla added, per key.
    #[serde(default)]
    pub added: BTreeMap<String, Vec<Value>>,
    /// List items of the host's that flotilla removed (a label whose key
    /// flotilla sets), per key.
    #[serde(default)]
    pub removed: BTreeMap<String, Vec<Value>>,
    /// Scalar keys flotilla set, with the host's value before (null: absent).
    #[serde(default)]
    pub replaced: BTreeMap<String, Option<Value>>,
}

/// Why flotilla's settings cannot be merged into the host's engine configuration.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DaemonError {
    /// The host's daemon.json is not a JSON object; flotilla leaves it as it is.
    #[error("{DAEMON_JSON} is not a JSON object: {0}")]
    BadDaemonJson(String),
    /// An `--engine-opt` that daemon.json also sets: dockerd would refuse to start.
    #[error(
        "--engine-opt {flag} conflicts with \"{flag}\" in {DAEMON_JSON}; dockerd refuses a setting given both ways"
    )]
    OptConflict {
        /// The flag's name, without dashes or value.
        flag: String,
    },
}

/// Undoes what `managed` records.
pub fn undo(cfg: &mut Map<String, Value>, managed: &Managed) {
    for (k, items) in &managed.added {
        if let Some(Value::Array(a)) = cfg.get_mut(k) {
            for it in items {
                if let Some(pos) = a.iter().position(|x| x == it) {
                    a.remove(pos);
                }
            }
        }
    }
    for (k, items) in &managed.removed {
        let a = cfg.entry(k.clone()).or_insert_with(|| Value::Array(vec![]));
        if let Value::Array(a) = a {
            for it in items {
                if !a.contains(it) {
                    a.push(it.clone());
                }
            }
        }
    }
    for (k, before) in &managed.replaced {
        match before {
            Some(v) => {
                cfg.insert(k.clone(), v.clone());
            }
            None => {
                cfg.remove(k);
            }
        }
    }
}

fn label_key(v: &Value) -> Option<&str> {
    v.as_str()
        .map(|s| s.split_once('=').map(|(k, _)| k).unwrap_or(s))
}

/// Applies `d` to a configuration that holds none of flotilla's changes.
pub fn apply(cfg: &mut Map<String, Value>, d: &Desired) -> Managed {
    let mut m = Managed::default();
    let lists: [(&str, Vec<String>); 4] = [
        (
            "hosts",
            vec![
                "unix:///var/run/docker.sock".to_string(),
                format!("tcp://0.0.0.0:{}", d.port),
            ],
        ),
        ("labels", d.labels.clone()),
        ("insecure-registries", d.insecure_registries.clone()),
        ("registry-mirrors", d.registry_mirrors.clone()),
    ];
    for (key, want) in lists {
        if want.is_empty() {
            continue;
        }
        if !cfg.contains_key(key) {
            // Created by flotilla: undo removes the whole key.
            m.replaced.insert(key.to_string(), None);
        }
        let entry = cfg
            .entry(key.to_string())
            .or_insert_with(|| Value::Array(vec![]));
        if !entry.is_array() {
            // A malformed value: replace it, remembering it.
            m.replaced.insert(key.to_string(), Some(entry.clone()));
            *entry = Value::Array(vec![]);
        }
        let Value::Array(a) = entry else { continue };
        if key == "labels" {
            // One value per label key: the host's own value for a key that
            // flotilla sets is set aside (and restored on cleanup).
            let keys: Vec<&str> = want
                .iter()
                .map(|l| l.split_once('=').map(|(k, _)| k).unwrap_or(l))
                .collect();
            let mut kept = vec![];
            for v in a.drain(..) {
                let clash = label_key(&v).is_some_and(|k| keys.contains(&k))
                    && !want.iter().any(|w| Some(w.as_str()) == v.as_str());
                if clash {
                    m.removed.entry(key.to_string()).or_default().push(v);
                } else {
                    kept.push(v);
                }
            }
            *a = kept;
        }
        for w in want {
            let v = Value::String(w);
            if !a.contains(&v) {
                a.push(v.clone());
                m.added.entry(key.to_string()).or_default().push(v);
            }
        }
    }
    let mut scalars: Vec<(&str, Value)> = vec![
        ("tls", Value::Bool(true)),
        ("tlsverify", Value::Bool(true)),
        ("tlscacert", Value::String(CA_PEM.into())),
        ("tlscert", Value::String(SERVER_PEM.into())),
        ("tlskey", Value::String(SERVER_KEY_PEM.into())),
    ];
    if let Some(sd) = &d.storage_driver {
        scalars.push(("storage-driver", Value::String(sd.clone())));
    }
    for (k, v) in scalars {
        let before = cfg.get(k).cloned();
        if before.as_ref() != Some(&v) {
            m.replaced.insert(k.to_string(), before);
            cfg.insert(k.to_string(), v);
        }
    }
    m
}

/// Merges flotilla's settings into the host's daemon.json. `existing` is
/// the current file (None: absent), `managed` the record of the previous
/// provision. Returns the new daemon.json and the new record.
pub fn merge(
    existing: Option<&str>,
    managed: Option<&str>,
    d: &Desired,
) -> Result<(String, Managed), DaemonError> {
    let mut cfg = parse_object(existing)?;
    if let Some(prev) = managed.and_then(|t| serde_json::from_str::<Managed>(t).ok()) {
        undo(&mut cfg, &prev);
    }
    let m = apply(&mut cfg, d);
    Ok((render(&cfg), m))
}

/// The host's daemon.json with flotilla's changes undone; `None` when
/// nothing of the host's remains (the file should be removed).
pub fn cleaned(
    existing: Option<&str>,
    managed: Option<&str>,
) -> Result<Option<String>, DaemonError> {
    let mut cfg = parse_object(existing)?;
    if let Some(prev) = managed.and_then(|t| serde_json::from_str::<Managed>(t).ok()) {
        undo(&mut cfg, &prev);
    }
    Ok(if cfg.is_empty() {
        None
    } else {
        Some(render(&cfg))
    })
}

fn parse_object(text: Option<&str>) -> Result<Map<String, Value>, DaemonError> {
    match text.map(str::trim) {
        None | Some("") => Ok(Map::new()),
        Some(t) => match serde_json::from_str::<Value>(t) {
            Ok(Value::Object(o)) => Ok(o),
            Ok(_) => Err(DaemonError::BadDaemonJson("not an object".into())),
            Err(e) => Err(DaemonError::BadDaemonJson(e.to_string())),
        },
    }
}

fn render(cfg: &Map<String, Value>) -> String {
    let mut s = serde_json::to_string_pretty(cfg).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

/// `--engine-opt flag=value` as daemon arguments (`--flag=value`).
pub fn opt_flags(opts: &[String]) -> Vec<String> {
    opts.iter()
        .map(|o| o.trim().trim_start_matches('-'))
        .filter(|o| !o.is_empty())
        .map(|o| format!("--{o}"))
        .collect()
}

/// Refuses `--engine-opt` flags that daemon.json also sets.
pub fn check_opt_conflicts(daemon_json: &str, opts: &[String]) -> Result<(), DaemonError> {
    let cfg = parse_object(Some(daemon_json))?;
    for o in opts {
        let flag = o
            .trim()
            .trim_start_matches('-')
            .split('=')
            .next()
            .unwrap_or("");
        if cfg.contains_key(flag) {
            return Err(DaemonError::OptConflict {
                flag: flag.to_string(),
            });
        }
    }
    Ok(())
}

fn dq_inner(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '"' | '\\' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Double-quoted for a shell or a systemd unit.
pub(crate) fn dq(s: &str) -> String {
    format!("\"{}\"", dq_inner(s))
}

/// The marked block for `/etc/default/docker` or `/etc/conf.d/docker`;
/// `None` when there is nothing to add.
pub fn options_block(opts: &[String], env: &[String]) -> Option<String> {
    let flags = opt_flags(opts);
    if flags.is_empty() && env.is_empty() {
        return None;
    }
    let mut b = format!("{BEGIN}\n");
    if !flags.is_empty() {
        b.push_str(&format!(
            "DOCKER_OPTS=\"$DOCKER_OPTS {}\"\n",
            dq_inner(&flags.join(" "))
        ));
    }
    for e in env {
        b.push_str(&format!("export {}\n", dq(e)));
    }
    b.push_str(END);
    b.push('\n');
    Some(b)
}

/// `text` with flotilla's block replaced by `block` (or removed).
pub fn replace_block(text: &str, block: Option<&str>) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in text.lines() {
        if line.trim_end() == BEGIN || (line.starts_with("# BEGIN flotilla") && !inside) {
            inside = true;
            continue;
        }
        if inside {
            if line.trim_end() == END {
                inside = false;
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    if let Some(b) = block {
        if !out.is_empty() && !out.ends_with("\n\n") {
            out.push('\n');
        }
        out.push_str(b);
    }
    out
}

/// The `ExecStart` command of docker.service from `systemctl cat` output,
/// ignoring flotilla's own drop-in (an empty `ExecStart=` resets, as in
/// systemd).
pub fn unit_exec_start(systemctl_cat: &str) -> Option<String> {
    let mut exec: Option<String> = None;
    let mut ours = false;
    let mut cont = false;
    for line in systemctl_cat.lines() {
        if let Some(path) = line.strip_prefix("# /") {
            ours = path.ends_with("10-flotilla.conf");
            cont = false;
            continue;
        }
        if ours {
            continue;
        }
        let l = line.trim();
        if cont {
            if let Some(e) = exec.as_mut() {
                e.push(' ');
                e.push_str(l.trim_end_matches('\\').trim());
            }
            cont = l.ends_with('\\');
            continue;
        }
        if let Some(v) = l.strip_prefix("ExecStart=") {
            let v = v.trim();
            cont = v.ends_with('\\');
            exec = if v.is_empty() {
                None
            } else {
                Some(v.trim_end_matches('\\').trim().to_string())
            };
        }
    }
    exec
}

/// The command without `-H`/`--host` arguments (the listen addresses now
/// live in daemon.json, and dockerd refuses both).
pub fn strip_hosts(exec: &str) -> String {
    let mut out: Vec<&str> = vec![];
    let mut skip = false;
    for w in exec.split_whitespace() {
        if skip {
            skip = false;
            continue;
        }
        if w == "-H" || w == "--host" {
            skip = true;
            continue;
        }
        if w.starts_with("-H=") || w.starts_with("--host=") || (w.starts_with("-H") && w.len() > 2)
        {
            continue;
        }
        out.push(w);
    }
    out.join(" ")
}

/// The systemd drop-in: the unit's own command without `-H`, plus the
/// engine options, and the environment.
pub fn systemd_dropin(base_exec: &str, opts: &[String], env: &[String]) -> String {
    let mut s = String::from(
        "# managed by flotilla; `flotilla rm --generic-cleanup` removes it\n[Service]\n",
    );
    for e in env {
        s.push_str(&format!("Environment={}\n", dq(e)));
    }
    let mut cmd = strip_hosts(base_exec);
    for f in opt_flags(opts) {
        cmd.push(' ');
        cmd.push_str(&f);
    }
    s.push_str("ExecStart=\n");
    s.push_str(&format!("ExecStart={cmd}\n"));
    s
}

/// The start script of a container node's engine.
pub fn direct_script(opts: &[String], env: &[String]) -> String {
    let mut s = String::from("#!/bin/sh\n# managed by flotilla: starts the engine of this node\n");
    for e in env {
        s.push_str(&format!("export {}\n", dq(e)));
    }
    let mut cmd = String::from("exec dockerd --pidfile /var/run/docker.pid");
    for f in opt_flags(opts) {
        cmd.push(' ');
        cmd.push_str(&crate::remote::sh_quote(&f));
    }
    s.push_str(&format!("{cmd} >>{DIRECT_LOG} 2>&1\n"));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desired() -> Desired {
        Desired {
            port: 2376,
            labels: vec!["provider=generic".into(), "env=prod".into()],
            insecure_registries: vec![],
            registry_mirrors: vec!["https://m.example".into()],
            storage_driver: None,
        }
    }

    #[test]
    fn merge_into_empty() {
        let (json, m) = merge(None, None, &desired()).unwrap();
        let v: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            v["hosts"],
            serde_json::json!(["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"])
        );
        assert_eq!(
            v["labels"],
            serde_json::json!(["provider=generic", "env=prod"])
        );
        assert_eq!(v["tlsverify"], Value::Bool(true));
        assert_eq!(v["tlscert"], Value::String(SERVER_PEM.into()));
        assert!(v.get("storage-driver").is_none());
        assert_eq!(m.replaced.get("tls"), Some(&None));
        // Cleaning up leaves nothing.
        let mj = serde_json::to_string(&m).unwrap();
        assert_eq!(cleaned(Some(&json), Some(&mj)).unwrap(), None);
    }

    #[test]
    fn keeps_the_hosts_settings_and_restores_them() {
        let host = r#"{"log-driver":"journald","storage-driver":"vfs","labels":["env=dev","rack=r1"],"tls":false}"#;
        let mut d = desired();
        d.storage_driver = None;
        let (json, m) = merge(Some(host), None, &d).unwrap();
        let v: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["log-driver"], "journald");
        assert_eq!(v["storage-driver"], "vfs", "the storage driver is kept");
        assert_eq!(
            v["labels"],
            serde_json::json!(["rack=r1", "provider=generic", "env=prod"])
        );
        assert_eq!(v["tls"], Value::Bool(true));
        let mj = serde_json::to_string(&m).unwrap();
        let back: Value =
            serde_json::from_str(&cleaned(Some(&json), Some(&mj)).unwrap().unwrap()).unwrap();
        let orig: Value = serde_json::from_str(host).unwrap();
        assert_eq!(back["log-driver"], orig["log-driver"]);
        assert_eq!(back["tls"], orig["tls"]);
        assert_eq!(back["storage-driver"], orig["storage-driver"]);
        let mut labels: Vec<String> = serde_json::from_value(back["labels"].clone()).unwrap();
        labels.sort();
        assert_eq!(labels, vec!["env=dev", "rack=r1"]);
        assert!(back.get("hosts").is_none());
    }

    #[test]
    fn merge_is_idempotent_and_drops_old_labels() {
        let host = r#"{"debug":true}"#;
        let (j1, m1) = merge(Some(host), None, &desired()).unwrap();
        let m1s = serde_json::to_string(&m1).unwrap();
        let (j2, m2) = merge(Some(&j1), Some(&m1s), &desired()).unwrap();
        assert_eq!(j1, j2);
        assert_eq!(m1, m2);
        let mut d = desired();
        d.labels = vec!["provider=generic".into()];
        let (j3, _) = merge(Some(&j2), Some(&serde_json::to_string(&m2).unwrap()), &d).unwrap();
        assert!(!j3.contains("env=prod"), "{j3}");
        assert!(j3.contains("\"debug\": true"), "{j3}");
    }

    #[test]
    fn storage_driver_only_when_asked() {
        let mut d = desired();
        d.storage_driver = Some("overlay2".into());
        let (j, m) = merge(Some(r#"{"storage-driver":"vfs"}"#), None, &d).unwrap();
        assert!(j.contains("\"storage-driver\": \"overlay2\""));
        assert_eq!(
            m.replaced["storage-driver"],
            Some(Value::String("vfs".into()))
        );
    }

    #[test]
    fn bad_daemon_json_is_an_error() {
        assert!(matches!(
            merge(Some("[1]"), None, &desired()),
            Err(DaemonError::BadDaemonJson(_))
        ));
        assert!(matches!(
            merge(Some("{nope"), None, &desired()),
            Err(DaemonError::BadDaemonJson(_))
        ));
    }

    #[test]
    fn opt_conflicts() {
        assert!(
            check_opt_conflicts(r#"{"log-level":"warn"}"#, &["log-level=debug".into()]).is_err()
        );
        assert!(check_opt_conflicts(r#"{"debug":true}"#, &["log-level=debug".into()]).is_ok());
        assert_eq!(
            opt_flags(&["log-level=debug".into(), "--ipv6".into()]),
            vec!["--log-level=debug", "--ipv6"]
        );
    }

    #[test]
    fn options_block_round_trip() {
        let block = options_block(
            &["log-level=debug".into()],
            &["HTTP_PROXY=http://p:3128".into(), "A=$x".into()],
        )
        .unwrap();
        assert_eq!(
            block,
            format!(
                "{BEGIN}\nDOCKER_OPTS=\"$DOCKER_OPTS --log-level=debug\"\nexport \"HTTP_PROXY=http://p:3128\"\nexport \"A=\\$x\"\n{END}\n"
            )
        );
        let host =
            "# Docker Upstart and SysVinit configuration file\n#DOCKER_OPTS=\"--dns 8.8.8.8\"\n";
        let with = replace_block(host, Some(&block));
        assert!(with.starts_with(host));
        assert_eq!(replace_block(&with, Some(&block)), with, "idempotent");
        assert_eq!(replace_block(&with, None).trim_end(), host.trim_end());
        assert_eq!(options_block(&[], &[]), None);
    }

    #[test]
    fn systemd_exec_start() {
        let cat = "# /lib/systemd/system/docker.service\n[Service]\nType=notify\nExecStart=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS\nExecReload=/bin/kill -s HUP $MAINPID\n\n# /etc/systemd/system/docker.service.d/10-flotilla.conf\n[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd --old\n";
        let base = unit_exec_start(cat).unwrap();
        assert_eq!(
            base,
            "/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS"
        );
        let d = systemd_dropin(&base, &["log-level=debug".into()], &["A=b".into()]);
        assert_eq!(
            d,
            "# managed by flotilla; `flotilla rm --generic-cleanup` removes it\n[Service]\nEnvironment=\"A=b\"\nExecStart=\nExecStart=/usr/sbin/dockerd --containerd=/run/containerd/containerd.sock $DOCKER_OPTS --log-level=debug\n"
        );
        assert_eq!(
            strip_hosts("dockerd -H=fd:// --host tcp://x -Hunix:///s --x"),
            "dockerd --x"
        );
        let reset = "# /a\nExecStart=/usr/bin/dockerd\n# /b\nExecStart=\n";
        assert_eq!(unit_exec_start(reset), None);
        let multi = "# /a\nExecStart=/usr/bin/dockerd \\\n  -H fd:// \\\n  --x\n";
        assert_eq!(
            unit_exec_start(multi).unwrap(),
            "/usr/bin/dockerd -H fd:// --x"
        );
    }

    #[test]
    fn direct_script_quotes() {
        let s = direct_script(&["label=a b".into()], &["K=V".into()]);
        assert!(s.contains("export \"K=V\"\n"), "{s}");
        assert!(
            s.contains("exec dockerd --pidfile /var/run/docker.pid '--label=a b' >>"),
            "{s}"
        );
    }
}
