//! `docker run` options → an Engine API create body and the scheduler's
//! [`CreateRequest`]. Pure: env files arrive as text and `-e KEY` lookups go
//! through a closure, so every case is unit tested.
//!
//! The create body is bollard's [`ContainerCreateBody`], and the request is
//! that body serialized and read back by [`CreateRequest::from_value`]: the
//! scheduler sees exactly what a `docker` client would have sent (one schema
//! each way), and `run` and `plan` cannot disagree.

use std::collections::HashMap;
use std::path::PathBuf;

use bollard::models::{
    ContainerCreateBody, HostConfig, PortBinding, RestartPolicy, RestartPolicyNameEnum,
};

use crate::scheduler::{CreateRequest, RequestError};

/// `docker run`'s options as given (the binary maps its flags onto these; the manager and the
/// cluster file fill them too), shared by `run` and `plan` (same names, same meaning).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DockerRunOptions {
    /// Run in the background and print the container ID
    pub detach: bool,
    /// Container name (unique across the swarm)
    pub name: Option<String>,
    /// Environment variable KEY=VALUE (or KEY, from this environment); `constraint:EXPR`,
    /// `affinity:EXPR` and `reschedule:POLICY` are placement rules (repeatable)
    pub env: Vec<String>,
    /// Read environment variables from a file, one KEY=VALUE a line (repeatable)
    pub env_file: Vec<PathBuf>,
    /// Container label KEY=VALUE (repeatable)
    pub label: Vec<String>,
    /// Publish a port: `[IP:][HOST_PORT:]CONTAINER_PORT[/PROTO]` (repeatable)
    pub publish: Vec<String>,
    /// Publish every exposed port on a random host port
    pub publish_all: bool,
    /// Expose a port or range without publishing it (repeatable)
    pub expose: Vec<String>,
    /// Link to a container `NAME[:ALIAS]`; the container is placed on the same node (repeatable)
    pub link: Vec<String>,
    /// Mount the volumes of a container; the container is placed on the same node (repeatable)
    pub volumes_from: Vec<String>,
    /// Bind mount or volume `SRC:DST[:OPTS]` (repeatable)
    pub volume: Vec<String>,
    /// Network mode: bridge, host, none, container:NAME or a network name
    pub network: Option<String>,
    /// Memory limit, which is also the reservation the scheduler counts (e.g. 512m, 1g)
    pub memory: Option<String>,
    /// CPU limit in CPUs, which is also the reservation the scheduler counts (e.g. 0.5)
    pub cpus: Option<String>,
    /// Restart policy: no, always, unless-stopped, `on-failure[:MAX]`
    pub restart: Option<String>,
    /// Override the image's entrypoint
    pub entrypoint: Option<String>,
    /// Working directory inside the container
    pub workdir: Option<String>,
    /// User NAME|UID[:GROUP|GID]
    pub user: Option<String>,
    /// Remove the container when it exits
    pub rm: bool,
    /// Keep stdin open and forward it
    pub interactive: bool,
    /// Allocate a pseudo-TTY
    pub tty: bool,
}

/// A `run` that cannot be turned into a create request; the text names the
/// offending value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// A `--publish` value that does not parse.
    #[error("invalid --publish '{value}': {reason}")]
    Publish {
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An `--expose` value that is not a port, a range, or has an unknown protocol.
    #[error("invalid --expose '{0}': expected PORT[/PROTO] or a range START-END[/PROTO]")]
    Expose(String),
    /// A `--memory` value that is not a size (see [`parse_memory`]).
    #[error("invalid --memory '{0}': expected a size such as 512m or 1g")]
    Memory(String),
    /// A `--cpus` value that is not a positive number (at most a million).
    #[error("invalid --cpus '{0}': expected a positive number of CPUs such as 0.5")]
    Cpus(String),
    /// An unknown restart policy, or a maximum count on one other than `on-failure`.
    #[error("invalid --restart '{0}': expected no, always, unless-stopped or on-failure[:MAX]")]
    Restart(String),
    /// `--rm` with a restart policy other than `no`, refused as docker refuses it.
    #[error("conflicting options: --restart and --rm")]
    RestartWithRm,
    /// A `--name` the engine would refuse, refused before any engine is asked.
    #[error(
        "invalid container name '{0}': only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at least two characters"
    )]
    Name(String),
    /// A `--label` with an empty key.
    #[error("invalid --label '{0}': the key is empty")]
    Label(String),
    /// An empty `--volume`, or one with an empty source.
    #[error("invalid --volume '{0}': expected SRC:DST[:OPTS] or a container path")]
    Volume(String),
    /// A line of an `--env-file` whose key is empty or holds white space.
    #[error("{file}:{line}: invalid environment line '{text}'")]
    EnvFile {
        /// The file's path, as given.
        file: String,
        /// The line's number, from 1.
        line: usize,
        /// The line as written.
        text: String,
    },
    /// The body cannot be read as a scheduling request.
    #[error(transparent)]
    Request(#[from] RequestError),
}

/// What `run` creates: the container name and the full create body.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// `--name`, or empty (the engine picks one).
    pub name: String,
    /// The Engine API create body, placement rules still in `Env` and labels; the chosen
    /// engine receives it with the rules moved to labels.
    pub body: ContainerCreateBody,
    /// `--rm` in the foreground: remove after the wait (the engine's
    /// AutoRemove would race with reading the exit code).
    pub remove_after: bool,
    /// `--detach`: nothing is attached; the ID is the answer.
    pub detach: bool,
}

impl Spec {
    /// The scheduler's view of this create: the body as the Engine API would
    /// receive it, plus the name.
    pub fn request(&self) -> Result<CreateRequest, SpecError> {
        let mut v = serde_json::to_value(&self.body)
            .map_err(|e| SpecError::Request(RequestError::Malformed(e.to_string())))?;
        if let Some(o) = v.as_object_mut() {
            o.insert("Name".into(), serde_json::Value::String(self.name.clone()));
        }
        Ok(CreateRequest::from_value(v)?)
    }
}

const RULE_PREFIXES: [&str; 4] = ["constraint:", "affinity:", "reschedule:", "whitelist:"];

/// Parses docker's env-file format: `KEY=VALUE` lines, `#` comments, blank
/// lines; a bare `KEY` takes its value from the environment (dropped when
/// unset).
pub fn parse_env_file(
    file: &str,
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<String>, SpecError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let key = line.split('=').next().unwrap_or("");
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(SpecError::EnvFile {
                file: file.to_string(),
                line: i + 1,
                text: raw.to_string(),
            });
        }
        if line.contains('=') {
            out.push(line.to_string());
        } else if let Some(v) = lookup(line) {
            out.push(format!("{line}={v}"));
        }
    }
    Ok(out)
}

fn env_entry(e: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    if e.contains('=') || RULE_PREFIXES.iter().any(|p| e.starts_with(p)) {
        Some(e.to_string())
    } else {
        lookup(e).map(|v| format!("{e}={v}"))
    }
}

/// `512m`, `1g`, `1.5GiB`, `1048576` → bytes (binary multiples, as docker).
pub fn parse_memory(s: &str) -> Result<i64, SpecError> {
    let err = || SpecError::Memory(s.to_string());
    let t = s.trim().to_ascii_lowercase();
    let t = t.strip_suffix("ib").map(|x| x.to_string()).unwrap_or(t);
    let t = match t.strip_suffix('b') {
        Some(x) if x.ends_with(|c: char| c.is_ascii_alphabetic()) => x.to_string(),
        _ => t,
    };
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().map_err(|_| err())?;
    let mult: f64 = match unit {
        "" | "b" => 1.0,
        "k" => 1024.0,
        "m" => 1024.0 * 1024.0,
        "g" => 1024.0 * 1024.0 * 1024.0,
        "t" => 1024f64.powi(4),
        "p" => 1024f64.powi(5),
        _ => return Err(err()),
    };
    let bytes = n * mult;
    if !bytes.is_finite() || bytes < 0.0 || bytes > i64::MAX as f64 {
        return Err(err());
    }
    Ok(bytes as i64)
}

/// `0.5` → 500 000 000 nano-CPUs.
pub fn parse_cpus(s: &str) -> Result<i64, SpecError> {
    let n: f64 = s
        .trim()
        .parse()
        .map_err(|_| SpecError::Cpus(s.to_string()))?;
    if !n.is_finite() || n <= 0.0 || n > 1e6 {
        return Err(SpecError::Cpus(s.to_string()));
    }
    Ok((n * 1e9).round() as i64)
}

fn parse_restart(s: &str) -> Result<RestartPolicy, SpecError> {
    let err = || SpecError::Restart(s.to_string());
    let (name, max) = match s.split_once(':') {
        Some((n, m)) => (n, Some(m.parse::<i64>().map_err(|_| err())?)),
        None => (s, None),
    };
    let name = match name {
        "no" | "" => RestartPolicyNameEnum::NO,
        "always" => RestartPolicyNameEnum::ALWAYS,
        "unless-stopped" => RestartPolicyNameEnum::UNLESS_STOPPED,
        "on-failure" => RestartPolicyNameEnum::ON_FAILURE,
        _ => return Err(err()),
    };
    if max.is_some() && name != RestartPolicyNameEnum::ON_FAILURE {
        return Err(err());
    }
    Ok(RestartPolicy {
        name: Some(name),
        maximum_retry_count: max,
    })
}

fn parse_port(s: &str) -> Option<(u16, u16)> {
    let one = |p: &str| p.trim().parse::<u16>().ok().filter(|p| *p != 0);
    match s.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (one(a)?, one(b)?);
            (a <= b).then_some((a, b))
        }
        None => one(s).map(|p| (p, p)),
    }
}

type Bindings = Vec<(String, PortBinding)>;

/// `[IP:][HOST_PORT:]CONTAINER_PORT[/PROTO]` → `(container key, binding)` pairs.
pub fn parse_publish(value: &str) -> Result<Bindings, SpecError> {
    let err = |reason: &str| SpecError::Publish {
        value: value.to_string(),
        reason: reason.to_string(),
    };
    let (rest, proto) = match value.rsplit_once('/') {
        Some((r, p)) => (r, p.to_ascii_lowercase()),
        None => (value, "tcp".to_string()),
    };
    if !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
        return Err(err("the protocol must be tcp, udp or sctp"));
    }
    let (ip, rest) = if let Some(v6) = rest.strip_prefix('[') {
        let (ip, after) = v6
            .split_once(']')
            .ok_or_else(|| err("unclosed [ in the IP address"))?;
        let after = after
            .strip_prefix(':')
            .ok_or_else(|| err("expected :HOST_PORT:CONTAINER_PORT after the IP address"))?;
        (ip.to_string(), after)
    } else {
        let parts: Vec<&str> = rest.split(':').collect();
        match parts.len() {
            1 | 2 => (String::new(), rest),
            3 => (parts[0].to_string(), &rest[parts[0].len() + 1..]),
            _ => return Err(err("too many colons")),
        }
    };
    if !ip.is_empty() && ip.parse::<std::net::IpAddr>().is_err() {
        return Err(err("the host IP is not an IP address"));
    }
    let (host, container) = match rest.split_once(':') {
        Some((h, c)) => (h, c),
        None => ("", rest),
    };
    let (c_lo, c_hi) = parse_port(container)
        .ok_or_else(|| err("the container port must be 1-65535 or a range"))?;
    let host_range = if host.is_empty() {
        None
    } else {
        Some(parse_port(host).ok_or_else(|| err("the host port must be 1-65535 or a range"))?)
    };
    let binding = |hp: String| PortBinding {
        host_ip: Some(ip.clone()),
        host_port: Some(hp),
    };
    let mut out = Vec::new();
    match host_range {
        None => {
            for p in c_lo..=c_hi {
                out.push((format!("{p}/{proto}"), binding(String::new())));
            }
        }
        Some((h_lo, h_hi)) if c_lo == c_hi => {
            let hp = if h_lo == h_hi {
                h_lo.to_string()
            } else {
                format!("{h_lo}-{h_hi}")
            };
            out.push((format!("{c_lo}/{proto}"), binding(hp)));
        }
        Some((h_lo, h_hi)) => {
            if h_hi - h_lo != c_hi - c_lo {
                return Err(err("the host and container ranges differ in length"));
            }
            for (i, p) in (c_lo..=c_hi).enumerate() {
                out.push((
                    format!("{p}/{proto}"),
                    binding((h_lo + i as u16).to_string()),
                ));
            }
        }
    }
    Ok(out)
}

fn parse_expose(value: &str) -> Result<Vec<String>, SpecError> {
    let (port, proto) = match value.rsplit_once('/') {
        Some((p, proto)) => (p, proto.to_ascii_lowercase()),
        None => (value, "tcp".to_string()),
    };
    if !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
        return Err(SpecError::Expose(value.to_string()));
    }
    let (lo, hi) = parse_port(port).ok_or_else(|| SpecError::Expose(value.to_string()))?;
    Ok((lo..=hi).map(|p| format!("{p}/{proto}")).collect())
}

fn valid_name(name: &str) -> bool {
    let n = name.strip_prefix('/').unwrap_or(name);
    let mut chars = n.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && n.len() >= 2
        && chars.all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

/// Builds the create body from `run`'s options. `env_files` holds each
/// `--env-file` as `(path, contents)`; `lookup` reads this process's
/// environment for `-e KEY`.
pub fn build(
    flags: &DockerRunOptions,
    image: &str,
    command: &[String],
    env_files: &[(String, String)],
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Spec, SpecError> {
    let name = flags.name.clone().unwrap_or_default();
    if !name.is_empty() && !valid_name(&name) {
        return Err(SpecError::Name(name));
    }
    let mut env = Vec::new();
    for (file, text) in env_files {
        env.extend(parse_env_file(file, text, lookup)?);
    }
    env.extend(flags.env.iter().filter_map(|e| env_entry(e, lookup)));

    let mut labels = HashMap::new();
    for l in &flags.label {
        let (k, v) = l.split_once('=').unwrap_or((l.as_str(), ""));
        if k.is_empty() {
            return Err(SpecError::Label(l.clone()));
        }
        labels.insert(k.to_string(), v.to_string());
    }

    let mut exposed: Vec<String> = Vec::new();
    for e in &flags.expose {
        exposed.extend(parse_expose(e)?);
    }
    let mut bindings: HashMap<String, Option<Vec<PortBinding>>> = HashMap::new();
    for p in &flags.publish {
        for (key, b) in parse_publish(p)? {
            exposed.push(key.clone());
            bindings
                .entry(key)
                .or_insert_with(|| Some(Vec::new()))
                .get_or_insert_with(Vec::new)
                .push(b);
        }
    }
    exposed.sort();
    exposed.dedup();

    let mut binds = Vec::new();
    let mut volumes = Vec::new();
    for v in &flags.volume {
        if v.is_empty() || v.starts_with(':') {
            return Err(SpecError::Volume(v.clone()));
        }
        if v.contains(':') {
            binds.push(v.clone());
        } else {
            volumes.push(v.clone());
        }
    }

    let restart = flags.restart.as_deref().map(parse_restart).transpose()?;
    let restarts = restart
        .as_ref()
        .is_some_and(|r| r.name != Some(RestartPolicyNameEnum::NO));
    if flags.rm && restarts {
        return Err(SpecError::RestartWithRm);
    }
    let links: Vec<String> = flags
        .link
        .iter()
        .map(|l| {
            if l.contains(':') {
                l.clone()
            } else {
                format!("{l}:{l}")
            }
        })
        .collect();
    let attach = !flags.detach;
    let host_config = HostConfig {
        memory: flags.memory.as_deref().map(parse_memory).transpose()?,
        nano_cpus: flags.cpus.as_deref().map(parse_cpus).transpose()?,
        port_bindings: (!bindings.is_empty()).then_some(bindings),
        publish_all_ports: flags.publish_all.then_some(true),
        links: (!links.is_empty()).then_some(links),
        volumes_from: (!flags.volumes_from.is_empty()).then(|| flags.volumes_from.clone()),
        binds: (!binds.is_empty()).then_some(binds),
        network_mode: flags.network.clone(),
        restart_policy: restart,
        auto_remove: (flags.rm && flags.detach).then_some(true),
        ..Default::default()
    };
    let body = ContainerCreateBody {
        image: Some(image.to_string()),
        cmd: (!command.is_empty()).then(|| command.to_vec()),
        entrypoint: flags.entrypoint.clone().map(|e| vec![e]),
        env: (!env.is_empty()).then_some(env),
        labels: (!labels.is_empty()).then_some(labels),
        exposed_ports: (!exposed.is_empty()).then_some(exposed),
        volumes: (!volumes.is_empty()).then_some(volumes),
        working_dir: flags.workdir.clone(),
        user: flags.user.clone(),
        tty: flags.tty.then_some(true),
        open_stdin: flags.interactive.then_some(true),
        stdin_once: (flags.interactive && attach).then_some(true),
        attach_stdin: (flags.interactive && attach).then_some(true),
        attach_stdout: attach.then_some(true),
        attach_stderr: attach.then_some(true),
        host_config: Some(host_config),
        ..Default::default()
    };
    Ok(Spec {
        name,
        body,
        remove_after: flags.rm && !flags.detach,
        detach: flags.detach,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn flags() -> DockerRunOptions {
        DockerRunOptions {
            detach: true,
            ..DockerRunOptions::default()
        }
    }

    #[test]
    fn seed_redis_request() {
        let f = DockerRunOptions {
            name: Some("redis".into()),
            env: vec![
                "constraint:public!=yes".into(),
                "constraint:model==high-memory".into(),
                "REDIS=1".into(),
            ],
            ..flags()
        };
        let spec = build(&f, "redis", &[], &[], &no_env).unwrap();
        let req = spec.request().unwrap();
        assert_eq!(req.name, "redis");
        assert_eq!(req.image, "redis");
        let p = req.prepare().unwrap();
        assert_eq!(p.env, vec!["REDIS=1"]);
        assert_eq!(
            p.labels["com.docker.swarm.constraints"],
            r#"["public!=yes","model==high-memory"]"#
        );
    }

    #[test]
    fn counter_request_links_ports_and_affinity() {
        let f = DockerRunOptions {
            name: Some("redis-counter".into()),
            publish: vec!["80".into(), "127.0.0.1:8080:8080/udp".into()],
            link: vec!["redis".into()],
            env: vec![
                "affinity:container==*redis*".into(),
                "HOME".into(),
                "UNSET".into(),
            ],
            label: vec![
                "com.docker.swarm.affinities=[\"image==x\"]".into(),
                "flag".into(),
            ],
            ..flags()
        };
        let lookup = |k: &str| (k == "HOME").then(|| "/root".to_string());
        let spec = build(&f, "counter", &["serve".into()], &[], &lookup).unwrap();
        let hc = spec.body.host_config.clone().unwrap();
        assert_eq!(hc.links, Some(vec!["redis:redis".to_string()]));
        let pb = hc.port_bindings.unwrap();
        assert_eq!(
            pb["80/tcp"].as_ref().unwrap()[0].host_port.as_deref(),
            Some("")
        );
        assert_eq!(
            pb["8080/udp"].as_ref().unwrap()[0].host_ip.as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(
            spec.body.exposed_ports,
            Some(vec!["80/tcp".to_string(), "8080/udp".to_string()])
        );
        assert_eq!(spec.body.cmd, Some(vec!["serve".to_string()]));
        let p = spec.request().unwrap().prepare().unwrap();
        assert_eq!(p.env, vec!["HOME=/root"]);
        assert_eq!(
            p.labels["com.docker.swarm.affinities"], r#"["image==x","container==*redis*"]"#,
            "label values first, then env values"
        );
        assert_eq!(p.labels["flag"], "");
        assert_eq!(p.links, vec!["redis:redis"]);
        assert_eq!(p.bindings.len(), 2);
    }

    #[test]
    fn resources_restart_and_modes() {
        let f = DockerRunOptions {
            memory: Some("512m".into()),
            cpus: Some("1.5".into()),
            restart: Some("on-failure:3".into()),
            network: Some("host".into()),
            volumes_from: vec!["data:ro".into()],
            volume: vec!["/srv:/srv:ro".into(), "/anon".into()],
            entrypoint: Some("".into()),
            tty: true,
            interactive: true,
            detach: false,
            ..DockerRunOptions::default()
        };
        let spec = build(&f, "img", &[], &[], &no_env).unwrap();
        let hc = spec.body.host_config.clone().unwrap();
        assert_eq!(hc.memory, Some(512 * 1024 * 1024));
        assert_eq!(hc.nano_cpus, Some(1_500_000_000));
        assert_eq!(hc.restart_policy.unwrap().maximum_retry_count, Some(3));
        assert_eq!(hc.binds, Some(vec!["/srv:/srv:ro".to_string()]));
        assert_eq!(spec.body.entrypoint, Some(vec![String::new()]));
        assert_eq!(spec.body.attach_stdin, Some(true));
        assert_eq!(spec.body.tty, Some(true));
        let p = spec.request().unwrap().prepare().unwrap();
        assert_eq!(p.memory, 512 * 1024 * 1024);
        assert_eq!(p.nano_cpus, 1_500_000_000);
        assert!(p.host_mode());
        assert_eq!(p.volumes_from, vec!["data:ro"]);
    }

    #[test]
    fn rm_in_the_foreground_is_ours_in_the_background_the_engines() {
        let f = DockerRunOptions {
            rm: true,
            ..DockerRunOptions::default()
        };
        let s = build(&f, "img", &[], &[], &no_env).unwrap();
        assert!(s.remove_after);
        assert_eq!(s.body.host_config.unwrap().auto_remove, None);
        let f = DockerRunOptions {
            rm: true,
            ..flags()
        };
        let s = build(&f, "img", &[], &[], &no_env).unwrap();
        assert!(!s.remove_after);
        assert_eq!(s.body.host_config.unwrap().auto_remove, Some(true));
    }

    #[test]
    fn bad_values_name_the_offending_text() {
        let cases: Vec<(DockerRunOptions, &str)> = vec![
            (
                DockerRunOptions {
                    publish: vec!["80:eighty".into()],
                    ..flags()
                },
                "invalid --publish '80:eighty': the container port must be 1-65535 or a range",
            ),
            (
                DockerRunOptions {
                    publish: vec!["a:b:c:d".into()],
                    ..flags()
                },
                "invalid --publish 'a:b:c:d': too many colons",
            ),
            (
                DockerRunOptions {
                    publish: vec!["80/xyz".into()],
                    ..flags()
                },
                "invalid --publish '80/xyz': the protocol must be tcp, udp or sctp",
            ),
            (
                DockerRunOptions {
                    publish: vec!["8000-8001:80-82".into()],
                    ..flags()
                },
                "invalid --publish '8000-8001:80-82': the host and container ranges differ in length",
            ),
            (
                DockerRunOptions {
                    memory: Some("lots".into()),
                    ..flags()
                },
                "invalid --memory 'lots': expected a size such as 512m or 1g",
            ),
            (
                DockerRunOptions {
                    cpus: Some("-1".into()),
                    ..flags()
                },
                "invalid --cpus '-1': expected a positive number of CPUs such as 0.5",
            ),
            (
                DockerRunOptions {
                    restart: Some("sometimes".into()),
                    ..flags()
                },
                "invalid --restart 'sometimes': expected no, always, unless-stopped or on-failure[:MAX]",
            ),
            (
                DockerRunOptions {
                    restart: Some("always".into()),
                    rm: true,
                    ..flags()
                },
                "conflicting options: --restart and --rm",
            ),
            (
                DockerRunOptions {
                    name: Some("-x".into()),
                    ..flags()
                },
                "invalid container name '-x': only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at least two characters",
            ),
            (
                DockerRunOptions {
                    expose: vec!["http".into()],
                    ..flags()
                },
                "invalid --expose 'http': expected PORT[/PROTO] or a range START-END[/PROTO]",
            ),
        ];
        for (f, msg) in cases {
            assert_eq!(
                build(&f, "img", &[], &[], &no_env).unwrap_err().to_string(),
                msg
            );
        }
        let f = DockerRunOptions {
            env: vec!["constraint:region=us".into()],
            ..flags()
        };
        let e = build(&f, "img", &[], &[], &no_env)
            .unwrap()
            .request()
            .unwrap()
            .prepare()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid constraint 'region=us': One of operator ==, != is expected"
        );
    }

    #[test]
    fn publish_forms() {
        let p = parse_publish("8000-8002:80-82").unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[2].0, "82/tcp");
        assert_eq!(p[2].1.host_port.as_deref(), Some("8002"));
        let p = parse_publish("8000-8010:80").unwrap();
        assert_eq!(p[0].1.host_port.as_deref(), Some("8000-8010"));
        let p = parse_publish("[::1]:53:53/udp").unwrap();
        assert_eq!(p[0].0, "53/udp");
        assert_eq!(p[0].1.host_ip.as_deref(), Some("::1"));
        let p = parse_publish("10.0.0.1::80").unwrap();
        assert_eq!(p[0].1.host_port.as_deref(), Some(""));
        assert!(parse_publish("nothost:80:80").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_memory("1048576").unwrap(), 1048576);
        assert_eq!(parse_memory("1k").unwrap(), 1024);
        assert_eq!(parse_memory("1.5GiB").unwrap(), 1610612736);
        assert_eq!(parse_memory("2mb").unwrap(), 2 * 1024 * 1024);
        assert!(parse_memory("1x").is_err());
        assert_eq!(parse_cpus("0.5").unwrap(), 500_000_000);
    }

    #[test]
    fn env_files() {
        let lookup = |k: &str| (k == "USER").then(|| "me".to_string());
        let text = "# comment\n\nA=1\nUSER\nMISSING\nB=x=y\n";
        assert_eq!(
            parse_env_file("f", text, &lookup).unwrap(),
            vec!["A=1", "USER=me", "B=x=y"]
        );
        let e = parse_env_file("f.env", "A=1\nbad key=2\n", &lookup).unwrap_err();
        assert_eq!(
            e.to_string(),
            "f.env:2: invalid environment line 'bad key=2'"
        );
        let f = DockerRunOptions {
            env: vec!["A=2".into()],
            ..flags()
        };
        let s = build(&f, "img", &[], &[("f".into(), "A=1\n".into())], &lookup).unwrap();
        assert_eq!(
            s.body.env,
            Some(vec!["A=1".to_string(), "A=2".to_string()]),
            "env files first, then -e"
        );
    }
}
