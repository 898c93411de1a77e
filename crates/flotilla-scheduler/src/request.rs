//! The create request: a Docker Engine API create body plus its name, and what the scheduler
//! extracts from it.
//!
//! [`CreateRequest`] deserializes the JSON shape the Engine API uses (`Image`, `Env`, `Labels`,
//! `ExposedPorts`, `HostConfig{Memory, NanoCpus, PortBindings, Links, VolumesFrom, NetworkMode}`)
//! and ignores every other field, so a full body from the `docker` CLI is accepted as is.
//!
//! [`CreateRequest::prepare`] does what classic Swarm's `BuildContainerConfig` did: it strips the
//! `constraint:`, `affinity:`, `reschedule:` and `whitelist:` entries out of `Env`, appends them to
//! the JSON arrays found in the `com.docker.swarm.constraints` / `.affinities` /
//! `.reschedule-policies` / `.whitelists` labels (label values first, then env values), writes the
//! merged arrays back into the labels (so expressions are persisted on the container), validates the
//! reschedule policies and parses every expression once.
//!
//! Differences from upstream, deliberate: a `com.docker.swarm.*` label that is not a JSON array of
//! strings is an error (upstream silently ignored it); an exposed port written without protocol
//! (`80`) is normalised to `80/tcp` on both sides of the host-mode port check.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::expr::{Expr, ExprError};
use crate::state::null_default;

/// Label holding the constraints as a JSON array of strings.
pub const LABEL_CONSTRAINTS: &str = "com.docker.swarm.constraints";
/// Label holding the affinities as a JSON array of strings.
pub const LABEL_AFFINITIES: &str = "com.docker.swarm.affinities";
/// Label holding the reschedule policies as a JSON array of strings.
pub const LABEL_RESCHEDULE: &str = "com.docker.swarm.reschedule-policies";
/// Label holding the whitelists as a JSON array of strings.
pub const LABEL_WHITELISTS: &str = "com.docker.swarm.whitelists";

/// The most scheduling rules (constraints, affinities, whitelists and reschedule policies
/// together) one request may carry. Each is parsed, and a regex compiled, for every request; real
/// requests carry a handful, and without a bound one request of 50,000 regex constraints held a
/// manager at nearly 1 GB for 20 s.
pub const MAX_RULES: usize = 100;

/// A container create request: the Engine API body plus the container name.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateRequest {
    /// Container name (`?name=` on the Engine API); may be empty.
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    /// Image reference.
    #[serde(default, deserialize_with = "null_default")]
    pub image: String,
    /// Environment; `constraint:`, `affinity:`, `reschedule:`, `whitelist:` entries are scheduling
    /// rules, not variables.
    #[serde(default, deserialize_with = "null_default")]
    pub env: Vec<String>,
    /// Container labels.
    #[serde(default, deserialize_with = "null_default")]
    pub labels: BTreeMap<String, String>,
    /// Exposed ports (`"80/tcp": {}`); the values are ignored.
    #[serde(default, deserialize_with = "null_default")]
    pub exposed_ports: BTreeMap<String, serde_json::Value>,
    /// The host configuration.
    #[serde(default, deserialize_with = "null_default")]
    pub host_config: HostConfig,
}

/// The part of `HostConfig` the scheduler reads.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HostConfig {
    /// Memory limit in bytes, which is also the reservation (as upstream).
    #[serde(default, deserialize_with = "null_default")]
    pub memory: i64,
    /// CPU quota in 1e-9 CPUs (`--cpus`), which is also the reservation.
    #[serde(default, deserialize_with = "null_default")]
    pub nano_cpus: i64,
    /// `--cpu-shares N`, which classic Swarm read as a reservation of N CPUs (see
    /// [`cpu_reservation`]).
    #[serde(default, deserialize_with = "null_default")]
    pub cpu_shares: i64,
    /// Published ports: `"80/tcp": [{"HostIp": "", "HostPort": "80"}]`.
    #[serde(default, deserialize_with = "null_default")]
    pub port_bindings: BTreeMap<String, Option<Vec<PortBinding>>>,
    /// `name:alias` links: the named containers must be on the same node.
    #[serde(default, deserialize_with = "null_default")]
    pub links: Vec<String>,
    /// `name[:ro|rw]`: the named containers must be on the same node.
    #[serde(default, deserialize_with = "null_default")]
    pub volumes_from: Vec<String>,
    /// `bridge`, `host`, `container:X`, a network name, or empty.
    #[serde(default, deserialize_with = "null_default")]
    pub network_mode: String,
}

/// One host binding of a container port.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PortBinding {
    /// Host interface; empty means every interface.
    #[serde(
        rename = "HostIp",
        alias = "HostIP",
        default,
        deserialize_with = "null_default"
    )]
    pub host_ip: String,
    /// Host port, a range `8000-8010`, or empty for a dynamically assigned port.
    #[serde(rename = "HostPort", default, deserialize_with = "null_default")]
    pub host_port: String,
}

/// A request the scheduler cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// A constraint, affinity or whitelist expression does not parse.
    #[error("invalid {kind} '{text}': {source}")]
    Expression {
        /// `constraint`, `affinity` or `whitelist`.
        kind: &'static str,
        /// The expression as written.
        text: String,
        /// What is wrong with it.
        source: ExprError,
    },
    /// More than one reschedule policy.
    #[error("too many reschedule policies")]
    TooManyReschedulePolicies,
    /// More rules than [`MAX_RULES`].
    #[error(
        "too many scheduling rules: {0} (at most {MAX_RULES} constraints, affinities, whitelists and reschedule policies per request)"
    )]
    TooManyRules(usize),
    /// A policy other than `off` or `on-node-failure`.
    #[error("invalid reschedule policy: {0}")]
    InvalidReschedulePolicy(String),
    /// A `com.docker.swarm.*` label that is not a JSON array of strings.
    #[error("label {label} must be a JSON array of strings, got '{value}'")]
    BadSwarmLabel {
        /// The label key.
        label: &'static str,
        /// The label value.
        value: String,
    },
    /// A host port that is not a port number or a range of them.
    #[error("invalid host port '{port}' for {container_port}")]
    BadHostPort {
        /// The host port as written.
        port: String,
        /// The container port key it binds.
        container_port: String,
    },
    /// A negative `Memory` or `NanoCpus`.
    #[error("invalid {field} {value}: must not be negative")]
    Negative {
        /// `Memory` or `NanoCpus`.
        field: &'static str,
        /// The value given.
        value: i64,
    },
    /// The request object itself does not have the create-body shape.
    #[error("invalid request: {0}")]
    Malformed(String),
}

/// A host binding requested by the container, with its port parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The container port key (`80/tcp`).
    pub container_port: String,
    /// Host interface; empty means every interface.
    pub host_ip: String,
    /// The host port range, inclusive (a single port is `(p, p)`); `None` when not fixed.
    pub host_ports: Option<(u16, u16)>,
    /// The host port as written, for messages.
    pub raw_host_port: String,
}

/// A request with its rules extracted and parsed: what the filters and strategies read.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// Container name without a leading `/`.
    pub name: String,
    /// Image reference.
    pub image: String,
    /// Env without the scheduling entries.
    pub env: Vec<String>,
    /// Labels with the merged `com.docker.swarm.*` arrays.
    pub labels: BTreeMap<String, String>,
    /// CPU reservation in 1e-9 CPUs ([`cpu_reservation`]).
    pub nano_cpus: u64,
    /// Memory reservation in bytes.
    pub memory: u64,
    /// `NetworkMode` as given.
    pub network_mode: String,
    /// Exposed port keys, normalised to `port/proto`, sorted.
    pub exposed_ports: Vec<String>,
    /// Requested host bindings, sorted by container port.
    pub bindings: Vec<Binding>,
    /// `--volumes-from` entries as written (`c0:ro`).
    pub volumes_from: Vec<String>,
    /// `--link` entries as written (`db:alias`).
    pub links: Vec<String>,
    /// Constraints, in order.
    pub constraints: Vec<Expr>,
    /// Affinities, in order.
    pub affinities: Vec<Expr>,
    /// Whitelists, in order.
    pub whitelists: Vec<Expr>,
    /// Reschedule policies (at most one, `off` or `on-node-failure`).
    pub reschedule_policies: Vec<String>,
}

impl Prepared {
    /// Whether the container shares the host's network stack.
    pub fn host_mode(&self) -> bool {
        self.network_mode == "host"
    }

    /// The container whose network stack is shared (`container:X`), if any.
    pub fn net_container(&self) -> Option<&str> {
        self.network_mode.strip_prefix("container:")
    }

    /// Whether any rule is soft, i.e. whether a fallback pass can differ from the first.
    pub fn has_soft_rules(&self) -> bool {
        self.constraints
            .iter()
            .chain(&self.affinities)
            .chain(&self.whitelists)
            .any(Expr::is_soft)
    }
}

/// A container's CPU reservation in 1e-9 CPUs: `NanoCpus` (`--cpus`), or `CpuShares` read as whole
/// CPUs as classic Swarm did (`--cpu-shares 2` reserves 2 CPUs; `--cpu-shares 512` fits no node
/// with fewer than 512 CPUs), whichever is larger. Negative values count as 0; saturating.
pub fn cpu_reservation(nano_cpus: i64, cpu_shares: i64) -> u64 {
    let nano = u64::try_from(nano_cpus).unwrap_or(0);
    let shares = u64::try_from(cpu_shares)
        .unwrap_or(0)
        .saturating_mul(1_000_000_000);
    nano.max(shares)
}

/// Normalise an exposed-port key: `80` → `80/tcp`, `53/UDP` → `53/udp`.
pub fn normalize_port_key(key: &str) -> String {
    match key.split_once('/') {
        Some((port, proto)) => format!("{port}/{}", proto.to_ascii_lowercase()),
        None => format!("{key}/tcp"),
    }
}

fn parse_host_ports(raw: &str) -> Option<(u16, u16)> {
    match raw.split_once('-') {
        Some((lo, hi)) => {
            let lo: u16 = lo.trim().parse().ok()?;
            let hi: u16 = hi.trim().parse().ok()?;
            (lo <= hi).then_some((lo, hi))
        }
        None => raw.trim().parse().ok().map(|p| (p, p)),
    }
}

fn label_list(
    labels: &BTreeMap<String, String>,
    label: &'static str,
) -> Result<Vec<String>, RequestError> {
    match labels.get(label) {
        None => Ok(Vec::new()),
        Some(value) => serde_json::from_str(value).map_err(|_| RequestError::BadSwarmLabel {
            label,
            value: value.clone(),
        }),
    }
}

fn parse_all(kind: &'static str, texts: &[String]) -> Result<Vec<Expr>, RequestError> {
    texts
        .iter()
        .map(|t| {
            Expr::parse(t).map_err(|source| RequestError::Expression {
                kind,
                text: t.clone(),
                source,
            })
        })
        .collect()
}

impl CreateRequest {
    /// Deserialize a request from a JSON value (one element of a `--requests` file).
    pub fn from_value(value: serde_json::Value) -> Result<Self, RequestError> {
        serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            RequestError::Malformed(if path == "." {
                e.inner().to_string()
            } else {
                format!("{path}: {}", e.inner())
            })
        })
    }

    /// Extract and validate the scheduling rules; see the module documentation.
    pub fn prepare(&self) -> Result<Prepared, RequestError> {
        let mut labels = self.labels.clone();
        let mut constraints = label_list(&labels, LABEL_CONSTRAINTS)?;
        let mut affinities = label_list(&labels, LABEL_AFFINITIES)?;
        let mut reschedule = label_list(&labels, LABEL_RESCHEDULE)?;
        let mut whitelists = label_list(&labels, LABEL_WHITELISTS)?;
        let mut env = Vec::with_capacity(self.env.len());
        for entry in &self.env {
            match entry.split_once(':') {
                Some(("constraint", v)) => constraints.push(v.to_string()),
                Some(("affinity", v)) => affinities.push(v.to_string()),
                Some(("reschedule", v)) => reschedule.push(v.to_string()),
                Some(("whitelist", v)) => whitelists.push(v.to_string()),
                _ => env.push(entry.clone()),
            }
        }
        for (label, list) in [
            (LABEL_CONSTRAINTS, &constraints),
            (LABEL_AFFINITIES, &affinities),
            (LABEL_RESCHEDULE, &reschedule),
            (LABEL_WHITELISTS, &whitelists),
        ] {
            if !list.is_empty() {
                let json = serde_json::to_string(list)
                    .map_err(|e| RequestError::Malformed(e.to_string()))?;
                labels.insert(label.to_string(), json);
            }
        }
        let rules = constraints.len() + affinities.len() + whitelists.len() + reschedule.len();
        if rules > MAX_RULES {
            return Err(RequestError::TooManyRules(rules));
        }
        if reschedule.len() > 1 {
            return Err(RequestError::TooManyReschedulePolicies);
        }
        if let Some(p) = reschedule.first()
            && p != "off"
            && p != "on-node-failure"
        {
            return Err(RequestError::InvalidReschedulePolicy(p.clone()));
        }
        let hc = &self.host_config;
        if hc.memory < 0 {
            return Err(RequestError::Negative {
                field: "Memory",
                value: hc.memory,
            });
        }
        if hc.nano_cpus < 0 {
            return Err(RequestError::Negative {
                field: "NanoCpus",
                value: hc.nano_cpus,
            });
        }
        let mut bindings = Vec::new();
        for (container_port, list) in &hc.port_bindings {
            for b in list.iter().flatten() {
                let host_ports = if b.host_port.trim().is_empty() {
                    None
                } else {
                    Some(parse_host_ports(&b.host_port).ok_or_else(|| {
                        RequestError::BadHostPort {
                            port: b.host_port.clone(),
                            container_port: container_port.clone(),
                        }
                    })?)
                };
                bindings.push(Binding {
                    container_port: normalize_port_key(container_port),
                    host_ip: b.host_ip.clone(),
                    host_ports,
                    raw_host_port: b.host_port.clone(),
                });
            }
        }
        let mut exposed_ports: Vec<String> = self
            .exposed_ports
            .keys()
            .map(|k| normalize_port_key(k))
            .collect();
        exposed_ports.sort();
        exposed_ports.dedup();
        Ok(Prepared {
            name: self.name.trim_start_matches('/').to_string(),
            image: self.image.clone(),
            env,
            nano_cpus: cpu_reservation(hc.nano_cpus, hc.cpu_shares),
            memory: u64::try_from(hc.memory).unwrap_or(0),
            network_mode: hc.network_mode.clone(),
            exposed_ports,
            bindings,
            volumes_from: hc.volumes_from.clone(),
            links: hc.links.clone(),
            constraints: parse_all("constraint", &constraints)?,
            affinities: parse_all("affinity", &affinities)?,
            whitelists: parse_all("whitelist", &whitelists)?,
            reschedule_policies: reschedule,
            labels,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req(v: serde_json::Value) -> CreateRequest {
        CreateRequest::from_value(v).unwrap()
    }

    #[test]
    fn deserializes_the_issue_shape() {
        let r = req(
            json!({"Name":"c1","Image":"redis","Env":["A=1"],"Labels":{"x":"y"},
            "ExposedPorts":{"80/tcp":{}},
            "HostConfig":{"Memory":1024,"NanoCpus":500000000,
                "PortBindings":{"80/tcp":[{"HostIp":"","HostPort":"80"}]},
                "Links":["db:alias"],"VolumesFrom":["c0:ro"],"NetworkMode":"container:x"},
            "Tty": true}),
        );
        let p = r.prepare().unwrap();
        assert_eq!(p.name, "c1");
        assert_eq!(p.nano_cpus, 500_000_000);
        assert_eq!(p.memory, 1024);
        assert_eq!(p.bindings[0].host_ports, Some((80, 80)));
        assert_eq!(p.exposed_ports, vec!["80/tcp".to_string()]);
        assert_eq!(p.net_container(), Some("x"));
    }

    #[test]
    fn rules_are_counted_before_any_is_parsed() {
        let env: Vec<String> = (0..MAX_RULES)
            .map(|i| format!("constraint:node==/^n{i}$/"))
            .collect();
        assert_eq!(
            req(json!({"Image":"x","Env":env}))
                .prepare()
                .unwrap()
                .constraints
                .len(),
            MAX_RULES
        );
        // One more, as a label this time: refused, whichever way the rules came.
        let e = req(json!({"Image":"x","Env":env,
            "Labels":{"com.docker.swarm.affinities":"[\"container==db\"]"}}))
        .prepare()
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "too many scheduling rules: 101 (at most 100 constraints, affinities, whitelists and reschedule policies per request)"
        );
    }

    #[test]
    fn nulls_are_accepted() {
        let r = req(json!({"Image":"x","Env":null,"Labels":null,
            "HostConfig":{"Links":null,"PortBindings":{"80/tcp":null}}}));
        assert!(r.prepare().unwrap().bindings.is_empty());
    }

    #[test]
    fn malformed_request_names_the_field() {
        let e = CreateRequest::from_value(json!({"Image": 3})).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid request: Image: invalid type"),
            "{e}"
        );
        let e = CreateRequest::from_value(json!("c1")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid request: invalid type: string"),
            "{e}"
        );
    }

    #[test]
    fn env_rules_move_to_labels_after_label_values() {
        let r = req(json!({"Image":"x",
            "Env":["constraint:region==us-east","A=b:c","affinity:container==web","reschedule:on-node-failure","whitelist:node==n1|n2","CONSTRAINT:x==y"],
            "Labels":{"com.docker.swarm.constraints":"[\"storage==ssd\"]"}}));
        let p = r.prepare().unwrap();
        assert_eq!(
            p.env,
            vec!["A=b:c".to_string(), "CONSTRAINT:x==y".to_string()]
        );
        assert_eq!(
            p.labels[LABEL_CONSTRAINTS],
            r#"["storage==ssd","region==us-east"]"#
        );
        assert_eq!(p.labels[LABEL_AFFINITIES], r#"["container==web"]"#);
        assert_eq!(p.labels[LABEL_RESCHEDULE], r#"["on-node-failure"]"#);
        assert_eq!(p.labels[LABEL_WHITELISTS], r#"["node==n1|n2"]"#);
        assert_eq!(p.constraints.len(), 2);
        assert_eq!(p.constraints[0].to_string(), "storage==ssd");
    }

    #[test]
    fn reschedule_policies_are_validated() {
        let r = req(json!({"Env":["reschedule:always"]}));
        assert_eq!(
            r.prepare().unwrap_err().to_string(),
            "invalid reschedule policy: always"
        );
        let r = req(json!({"Env":["reschedule:off","reschedule:on-node-failure"]}));
        assert_eq!(
            r.prepare().unwrap_err().to_string(),
            "too many reschedule policies"
        );
        let r = req(json!({"Env":["reschedule:off"]}));
        assert!(r.prepare().is_ok());
    }

    #[test]
    fn bad_expressions_and_labels_are_errors() {
        let r = req(json!({"Env":["constraint:region=us"]}));
        assert_eq!(
            r.prepare().unwrap_err().to_string(),
            "invalid constraint 'region=us': One of operator ==, != is expected"
        );
        let r = req(json!({"Labels":{"com.docker.swarm.affinities":"container==x"}}));
        assert!(matches!(
            r.prepare().unwrap_err(),
            RequestError::BadSwarmLabel { .. }
        ));
    }

    #[test]
    fn host_ports_and_resources_are_checked() {
        let r = req(json!({"HostConfig":{"PortBindings":{"80":[{"HostPort":"eighty"}]}}}));
        assert_eq!(
            r.prepare().unwrap_err().to_string(),
            "invalid host port 'eighty' for 80"
        );
        let r = req(json!({"HostConfig":{"PortBindings":{"80":[{"HostPort":"8000-8010"}]}}}));
        let p = r.prepare().unwrap();
        assert_eq!(p.bindings[0].host_ports, Some((8000, 8010)));
        assert_eq!(p.bindings[0].container_port, "80/tcp");
        let r = req(json!({"HostConfig":{"Memory":-1}}));
        assert!(matches!(
            r.prepare().unwrap_err(),
            RequestError::Negative { .. }
        ));
    }
}
