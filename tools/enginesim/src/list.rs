//! `GET /containers/json` with dockerd's parameters: `all`, `limit`, `before`/`since` and the
//! `filters` it accepts (`daemon/list.go`), newest first.

use regex::Regex;

use crate::filters::{Filters, Query};
use crate::model::{ApiError, Container, EngineState, PortSpec};
use crate::render;

const ACCEPTED: &[&str] = &[
    "ancestor",
    "before",
    "expose",
    "exited",
    "health",
    "id",
    "isolation",
    "is-task",
    "label",
    "name",
    "network",
    "publish",
    "since",
    "status",
    "volume",
];
const STATES: &[&str] = &[
    "created",
    "restarting",
    "running",
    "removing",
    "paused",
    "exited",
    "dead",
];

fn invalid(key: &str, value: Option<&str>) -> ApiError {
    match value {
        Some(v) => ApiError::new(400, format!("Invalid filter '{key}={v}'")),
        None => ApiError::new(400, format!("Invalid filter '{key}'")),
    }
}

/// Every value of `key` compiled as a regular expression (dockerd's `Match`).
fn patterns(f: &Filters, key: &str) -> Result<Vec<Regex>, ApiError> {
    f.get(key)
        .iter()
        .map(|p| Regex::new(p).map_err(|_| invalid(key, Some(p))))
        .collect()
}

fn port_filter(f: &Filters, key: &str) -> Result<Vec<PortSpec>, ApiError> {
    f.get(key)
        .iter()
        .map(|v| PortSpec::parse(v).ok_or_else(|| invalid(key, Some(v))))
        .collect()
}

/// The answer's JSON, serialised straight from the model.
pub fn list(e: &EngineState, q: &Query, now: i64) -> Result<Vec<u8>, ApiError> {
    let f = Filters::parse(q.get("filters")).map_err(|m| ApiError::new(400, m))?;
    if let Some(k) = f.keys().find(|k| !ACCEPTED.contains(k)) {
        return Err(invalid(k, None));
    }
    let mut all = q.flag("all");
    let size = q.flag("size");
    let limit: i64 = match q.get("limit").filter(|l| !l.is_empty()) {
        Some(l) => l
            .parse()
            .map_err(|_| ApiError::new(400, format!("invalid limit {l:?}")))?,
        None => -1,
    };
    for s in f.get("status") {
        if !STATES.contains(&s.as_str()) {
            return Err(invalid("status", Some(s)));
        }
        all = true;
    }
    let exited: Vec<i64> = f
        .get("exited")
        .iter()
        .map(|v| v.parse().map_err(|_| invalid("exited", Some(v))))
        .collect::<Result<_, _>>()?;
    let names = patterns(&f, "name")?;
    let ids = patterns(&f, "id")?;
    let publish = port_filter(&f, "publish")?;
    let expose = port_filter(&f, "expose")?;
    let mut ancestors = Vec::new();
    for a in f.get("ancestor") {
        if let Some(i) = e.find_image(a) {
            ancestors.push(i);
        }
    }
    let created_of = |key: &str| e.find(key).map(|c| (c.created, c.id.clone()));
    let before = f
        .get("before")
        .iter()
        .chain(q.get("before").map(str::to_string).iter())
        .map(|k| created_of(k))
        .collect::<Result<Vec<_>, _>>()?;
    let since = f
        .get("since")
        .iter()
        .chain(q.get("since").map(str::to_string).iter())
        .map(|k| created_of(k))
        .collect::<Result<Vec<_>, _>>()?;
    let newer = |c: &Container, (t, id): &(i64, String)| (c.created, &c.id) > (*t, id);
    let older = |c: &Container, (t, id): &(i64, String)| (c.created, &c.id) < (*t, id);

    let keep = |c: &Container| -> bool {
        if !c.running() && !all && limit <= 0 {
            return false;
        }
        let name = format!("/{}", c.name);
        (names.is_empty() || names.iter().any(|r| r.is_match(&name)))
            && (ids.is_empty() || ids.iter().any(|r| r.is_match(&c.id)))
            && f.match_kv("label", |k| c.labels.get(k).map(String::as_str))
            && f.exact_match("status", c.status.as_str())
            && (exited.is_empty()
                || (c.status == crate::model::Status::Exited && exited.contains(&c.exit_code)))
            && (!f.contains("ancestor") || ancestors.contains(&c.image_index))
            && before.iter().all(|b| older(c, b))
            && since.iter().all(|s| newer(c, s))
            && (!f.contains("network")
                || f.get("network").iter().any(|n| {
                    let net = match c.spec.network_mode.as_str() {
                        "default" => "bridge",
                        m => m,
                    };
                    n == net
                        || e.networks
                            .iter()
                            .any(|x| x.name == net && x.id.starts_with(n.as_str()))
                }))
            && publish.iter().all(|p| {
                c.published
                    .iter()
                    .any(|x| x.host_port == p.port && x.port.proto == p.proto)
            })
            && expose.iter().all(|p| c.exposed.contains(p))
            && f.get("health").iter().all(|h| h == "none")
            && f.get("is-task").iter().all(|t| t == "false")
            && f.get("isolation").iter().all(|i| i == "default")
            && !f.contains("volume")
    };
    let mut out: Vec<render::ListEntry<'_>> = e
        .containers()
        .into_iter()
        .filter(|c| keep(c))
        .map(|c| render::list_entry(e, c, now, size))
        .collect();
    if limit > 0 {
        out.truncate(limit as usize);
    }
    serde_json::to_vec(&out).map_err(|err| ApiError::new(500, err.to_string()))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::Value;

    use super::*;
    use crate::model::{Facts, Image, Spec};

    fn engine() -> EngineState {
        let images = Arc::new(vec![
            Image::named("flotilla-busybox", 1),
            Image::named("flotilla-nginx", 1),
        ]);
        let facts = Facts {
            index: 0,
            name: "e0".into(),
            id: "X".into(),
            ncpu: 2,
            mem_total: 1 << 30,
            labels: vec![],
        };
        let mut e = EngineState::new(facts, images, 1);
        let body = |img: &str, app: &str| {
            Spec::from_body(&serde_json::json!({"Image": img, "Labels": {"app": app},
                "HostConfig": {"PortBindings": {"80/tcp": [{"HostPort": ""}]}}}))
            .unwrap()
        };
        e.create(Some("web1"), body("flotilla-nginx", "web"), 10)
            .unwrap();
        e.create(Some("web2"), body("flotilla-nginx", "web"), 20)
            .unwrap();
        e.create(Some("api1"), body("flotilla-busybox", "api"), 30)
            .unwrap();
        e.start("web1", 40).unwrap();
        e.start("api1", 40).unwrap();
        e.kill("api1", None, 50).unwrap();
        e
    }

    fn names(v: &Value) -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|c| c["Names"][0].as_str().unwrap().to_string())
            .collect()
    }

    fn parsed(e: &EngineState, q: &str) -> Result<Value, ApiError> {
        list(e, &Query::of(Some(q)), 100).map(|b| serde_json::from_slice(&b).unwrap())
    }

    fn run(e: &EngineState, q: &str) -> Result<Vec<String>, ApiError> {
        parsed(e, q).map(|v| names(&v))
    }

    fn filters(f: &str) -> String {
        let enc: String = f
            .bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        format!("filters={enc}")
    }

    #[test]
    fn all_limit_and_order() {
        let e = engine();
        assert_eq!(run(&e, "").unwrap(), ["/web1"]);
        assert_eq!(run(&e, "all=1").unwrap(), ["/api1", "/web2", "/web1"]);
        assert_eq!(run(&e, "limit=2").unwrap(), ["/api1", "/web2"]);
    }

    #[test]
    fn filters_select_like_dockerd() {
        let e = engine();
        let q = |f: &str| run(&e, &format!("all=1&{}", filters(f)));
        assert_eq!(q(r#"{"label":["app=web"]}"#).unwrap(), ["/web2", "/web1"]);
        assert_eq!(q(r#"{"name":["^/web"]}"#).unwrap(), ["/web2", "/web1"]);
        assert_eq!(q(r#"{"name":["api"]}"#).unwrap(), ["/api1"]);
        assert_eq!(q(r#"{"status":["created"]}"#).unwrap(), ["/web2"]);
        assert_eq!(q(r#"{"exited":["137"]}"#).unwrap(), ["/api1"]);
        assert_eq!(
            q(r#"{"ancestor":["flotilla-busybox"]}"#).unwrap(),
            ["/api1"]
        );
        assert_eq!(q(r#"{"before":["web2"]}"#).unwrap(), ["/web1"]);
        assert_eq!(q(r#"{"since":["web2"]}"#).unwrap(), ["/api1"]);
        assert_eq!(q(r#"{"expose":["80/tcp"]}"#).unwrap().len(), 3);
        assert!(q(r#"{"expose":["81"]}"#).unwrap().is_empty());
        assert_eq!(q(r#"{"publish":["32768"]}"#).unwrap(), ["/web1"]);
        assert_eq!(q(r#"{"network":["bridge"]}"#).unwrap().len(), 3);
        // `status` implies `all`, as in dockerd.
        assert_eq!(
            run(&e, &filters(r#"{"status":["exited"]}"#)).unwrap(),
            ["/api1"]
        );
        let err = q(r#"{"colour":["red"]}"#).unwrap_err();
        assert_eq!(err, ApiError::new(400, "Invalid filter 'colour'"));
        assert_eq!(q(r#"{"status":["sleeping"]}"#).unwrap_err().status, 400);
        assert_eq!(q(r#"{"before":["nope"]}"#).unwrap_err().status, 404);
    }

    #[test]
    fn entries_have_dockerds_shape() {
        let e = engine();
        let v = parsed(&e, "all=1").unwrap();
        let web1 = &v[2];
        assert_eq!(web1["State"], "running");
        assert_eq!(
            web1["Status"],
            "Less than a second".replace("Less", "Up Less")
        );
        assert_eq!(web1["Command"], "nginx -g 'daemon off;'");
        assert_eq!(web1["Ports"].as_array().unwrap().len(), 2);
        assert_eq!(web1["Ports"][0]["IP"], "0.0.0.0");
        assert_eq!(web1["Ports"][1]["IP"], "::");
        assert_eq!(web1["Ports"][0]["PublicPort"], 32768);
        assert!(
            web1["NetworkSettings"]["Networks"]["bridge"]["IPAddress"]
                .as_str()
                .unwrap()
                .starts_with("172.17.")
        );
        let api1 = &v[0];
        assert_eq!(api1["Status"], "Exited (137) Less than a second ago");
        assert_eq!(api1["Ports"], serde_json::json!([]));
        assert_eq!(v[1]["Status"], "Created");
    }
}
