//! The lists that span the swarm (`containers/json`, `images/json`, `networks`, `volumes`),
//! answered from the model: no engine is asked per call.

use std::collections::{BTreeMap, HashMap, HashSet};

use axum::body::Body;
use axum::extract::{Query, Request};
use axum::http::{Response, StatusCode};
use serde_json::{Value, json};

use super::{Manager, error, json_response};
use crate::cluster::live::Health;
use crate::cluster::model::{ContainerRecord, NodeData};

type Params = HashMap<String, String>;

fn params(req: &Request) -> Params {
    Query::<Params>::try_from_uri(req.uri())
        .map(|q| q.0)
        .unwrap_or_default()
}

fn truthy(p: &Params, key: &str) -> bool {
    p.get(key)
        .is_some_and(|v| !matches!(v.as_str(), "" | "0" | "false" | "False"))
}

/// The `filters` parameter: `{"key": ["v", …]}` or the old `{"key": {"v": true}}`.
fn filters(p: &Params, allowed: &[&str]) -> Result<BTreeMap<String, Vec<String>>, String> {
    let Some(text) = p.get("filters").filter(|t| !t.trim().is_empty()) else {
        return Ok(BTreeMap::new());
    };
    let v: Value = serde_json::from_str(text).map_err(|e| format!("invalid filters: {e}"))?;
    let Value::Object(map) = v else {
        return Err("invalid filters: not an object".into());
    };
    let mut out = BTreeMap::new();
    for (k, v) in map {
        if !allowed.contains(&k.as_str()) {
            return Err(format!(
                "invalid filter '{k}' (the flotilla manager supports: {})",
                allowed.join(", ")
            ));
        }
        let vals = match v {
            Value::Array(a) => a
                .into_iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            Value::Object(o) => o
                .into_iter()
                .filter(|(_, b)| b.as_bool() == Some(true))
                .map(|(k, _)| k)
                .collect(),
            _ => return Err(format!("invalid filter '{k}'")),
        };
        out.insert(k, vals);
    }
    Ok(out)
}

fn label_matches(labels: &BTreeMap<String, String>, want: &str) -> bool {
    match want.split_once('=') {
        Some((k, v)) => labels.get(k).is_some_and(|x| x == v),
        None => labels.contains_key(want),
    }
}

/// The container states an engine knows (dockerd's `IsValidStateString`): the `status` filter's
/// values.
const CONTAINER_STATES: [&str; 7] = [
    "created",
    "running",
    "paused",
    "restarting",
    "removing",
    "exited",
    "dead",
];

/// `GET /containers/json`: every node's containers from memory (an Unhealthy node's with their
/// last known state and `Host Down`), names as `/NODE/NAME`, unspecified port IPs replaced by
/// the engine's, newest first, `limit` applied to the merged list. Without `all`, only running
/// containers of Healthy nodes, as classic Swarm.
pub(super) fn containers(m: &Manager, req: &Request) -> Response<Body> {
    let p = params(req);
    let f = match filters(&p, &["id", "name", "label", "status", "node"]) {
        Ok(f) => f,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    // As the engine: a status that is not a container state is refused, not matched by none.
    if let Some(bad) = f
        .get("status")
        .into_iter()
        .flatten()
        .find(|v| !CONTAINER_STATES.contains(&v.as_str()))
    {
        return error(
            StatusCode::BAD_REQUEST,
            format!("Invalid filter 'status={bad}'"),
        );
    }
    let limit = p
        .get("limit")
        .and_then(|l| l.parse::<i64>().ok())
        .filter(|l| *l > 0);
    let all = truthy(&p, "all") || limit.is_some() || f.contains_key("status");
    let now = crate::cluster::model::shared::now_nano() as f64 / 1e9;
    let nodes = m.model.nodes();
    let mut rows: Vec<(i64, &ContainerRecord, bool)> = Vec::new();
    for n in &nodes {
        let healthy = n.health.health == Health::Healthy;
        if !all && !healthy {
            continue;
        }
        if f.get("node")
            .is_some_and(|v| !v.is_empty() && !v.iter().any(|x| x == n.name()))
        {
            continue;
        }
        for c in n.containers.values() {
            let state = c.container.state.as_str();
            if !all && state != "running" {
                continue;
            }
            let ok = f.iter().all(|(k, vals)| {
                // As the engine: every `label` filter must hold, any of the others' values.
                if k == "label" {
                    return vals.iter().all(|v| label_matches(&c.container.labels, v));
                }
                vals.is_empty()
                    || vals.iter().any(|v| match k.as_str() {
                        "id" => c.id().starts_with(v.as_str()),
                        "name" => c.name().contains(v.trim_start_matches('/')),
                        "status" => state == v,
                        "label" => label_matches(&c.container.labels, v),
                        "node" => true,
                        _ => false,
                    })
            });
            if ok {
                rows.push((c.row.created, c, healthy));
            }
        }
    }
    rows.sort_by_key(|(created, _, _)| std::cmp::Reverse(*created));
    if let Some(l) = limit {
        rows.truncate(l as usize);
    }
    // The rows were serialised when their containers changed; only the status is new.
    let mut body: Vec<u8> = Vec::with_capacity(rows.len() * 1024 + 2);
    body.push(b'[');
    for (k, (_, c, healthy)) in rows.iter().enumerate() {
        if k > 0 {
            body.push(b',');
        }
        c.write_row(&mut body, now, *healthy);
    }
    body.push(b']');
    let mut r = Response::new(Body::from(body));
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    r
}

/// `NAME` on `node` → `NODE/NAME`, as classic Swarm showed node-local objects.
fn on_node(n: &NodeData, name: &str) -> String {
    format!("{}/{}", n.name(), name)
}

/// `*` matches any run of characters (a `reference` filter's pattern).
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            let Some(mut tail) = text.strip_prefix(head) else {
                return false;
            };
            loop {
                if glob(rest, tail) {
                    return true;
                }
                let mut chars = tail.chars();
                if chars.next().is_none() {
                    return false;
                }
                tail = chars.as_str();
            }
        }
    }
}

/// Whether an image's tags match a `reference` filter (`busybox`, `busybox:1`, `bus*`).
fn reference_matches(tags: &[String], want: &str) -> bool {
    tags.iter().any(|t| {
        let repo = t.rsplit_once(':').map_or(t.as_str(), |(r, _)| r);
        glob(want, t) || glob(want, repo)
    })
}

/// `GET /images/json`: the union of every node's images grouped by image ID, tags and digests
/// merged without repeats (what classic Swarm answered). Filters as the engine's (`before`,
/// `since`, `dangling`, `label`, `reference`) plus classic Swarm's `node`; an image named by
/// `before`/`since` that no node has, or a `dangling` other than true/false, is refused as the
/// engine does.
pub(super) fn images(m: &Manager, req: &Request) -> Response<Body> {
    let f = match filters(
        &params(req),
        &["before", "dangling", "label", "node", "reference", "since"],
    ) {
        Ok(f) => f,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let nodes = m.model.nodes();
    let created_of = |name: &str| -> Option<i64> {
        let latest = format!("{name}:latest");
        nodes
            .iter()
            .flat_map(|n| n.images.iter())
            .find(|i| {
                i.id == name
                    || (name.len() >= 4 && i.id.trim_start_matches("sha256:").starts_with(name))
                    || i.repo_tags.iter().any(|t| *t == name || *t == latest)
            })
            .map(|i| i.created)
    };
    let mut before: Option<i64> = None;
    let mut since: Option<i64> = None;
    for (key, slot) in [("before", &mut before), ("since", &mut since)] {
        for v in f.get(key).into_iter().flatten() {
            match created_of(v) {
                Some(c) => *slot = Some(c),
                None => return error(StatusCode::NOT_FOUND, format!("No such image: {v}")),
            }
        }
    }
    let dangling = match f.get("dangling").map(Vec::as_slice) {
        None | Some([]) => None,
        Some([v]) if v == "true" || v == "1" => Some(true),
        Some([v]) if v == "false" || v == "0" => Some(false),
        Some(v) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("invalid filter 'dangling={}'", v.join(",")),
            );
        }
    };
    let mut by_id: Vec<Value> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for n in &nodes {
        if f.get("node")
            .is_some_and(|v| !v.is_empty() && !v.iter().any(|x| x == n.name()))
        {
            continue;
        }
        for img in n.images.iter() {
            let tags: Vec<String> = img
                .repo_tags
                .iter()
                .filter(|t| *t != "<none>:<none>")
                .cloned()
                .collect();
            let labels: BTreeMap<String, String> = img.labels.clone().into_iter().collect();
            if before.is_some_and(|b| img.created >= b)
                || since.is_some_and(|s| img.created <= s)
                || dangling.is_some_and(|d| d != tags.is_empty())
                || !f
                    .get("label")
                    .into_iter()
                    .flatten()
                    .all(|l| label_matches(&labels, l))
                || f.get("reference").is_some_and(|r| {
                    !r.is_empty() && !r.iter().any(|w| reference_matches(&tags, w))
                })
            {
                continue;
            }
            let Ok(mut v) = serde_json::to_value(img) else {
                continue;
            };
            // As the engine: with a reference filter, only the tags that match it.
            if let Some(r) = f.get("reference").filter(|r| !r.is_empty()) {
                let kept: Vec<&String> = tags
                    .iter()
                    .filter(|t| {
                        r.iter()
                            .any(|w| reference_matches(std::slice::from_ref(*t), w))
                    })
                    .collect();
                v["RepoTags"] = json!(kept);
            }
            match index.get(&img.id) {
                None => {
                    index.insert(img.id.clone(), by_id.len());
                    by_id.push(v);
                }
                Some(&k) => {
                    for key in ["RepoTags", "RepoDigests"] {
                        let more: Vec<Value> = v
                            .get(key)
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default();
                        if let Some(list) = by_id[k].get_mut(key).and_then(Value::as_array_mut) {
                            for x in more {
                                if !list.contains(&x) {
                                    list.push(x);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    json_response(StatusCode::OK, &Value::Array(by_id))
}

/// `GET /networks`: local-scope networks once per node as `NODE/NAME`, the others once. Filters
/// as the engine's (`driver`, `id`, `label`, `name`, `scope`, `type`: `custom` or `builtin`),
/// plus classic Swarm's `node`; an unknown key or `type` value is refused, as the engine does.
pub(super) fn networks(m: &Manager, req: &Request) -> Response<Body> {
    let f = match filters(
        &params(req),
        &["driver", "id", "label", "name", "node", "scope", "type"],
    ) {
        Ok(f) => f,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    if let Some(bad) = f
        .get("type")
        .into_iter()
        .flatten()
        .find(|t| !matches!(t.as_str(), "custom" | "builtin"))
    {
        return error(
            StatusCode::BAD_REQUEST,
            format!("invalid filter: 'type'='{bad}'"),
        );
    }
    let mut seen = HashSet::new();
    let mut all = Vec::new();
    for n in m.model.nodes() {
        for net in n.networks.iter() {
            let name = net.name.as_deref().unwrap_or_default();
            let labels: BTreeMap<String, String> =
                net.labels.clone().unwrap_or_default().into_iter().collect();
            let builtin = matches!(name, "bridge" | "host" | "none");
            let ok = f.iter().all(|(k, vals)| {
                vals.is_empty()
                    || match k.as_str() {
                        "label" => vals.iter().all(|v| label_matches(&labels, v)),
                        _ => vals.iter().any(|v| match k.as_str() {
                            "driver" => net.driver.as_deref() == Some(v.as_str()),
                            "id" => net
                                .id
                                .as_deref()
                                .unwrap_or_default()
                                .starts_with(v.as_str()),
                            "name" => name.contains(v.as_str()),
                            "node" => n.name() == v,
                            "scope" => net.scope.as_deref() == Some(v.as_str()),
                            "type" => (v == "builtin") == builtin,
                            _ => false,
                        }),
                    }
            });
            if !ok {
                continue;
            }
            let Ok(mut v) = serde_json::to_value(net) else {
                continue;
            };
            if net.scope.as_deref() == Some("local") {
                v["Name"] = json!(on_node(&n, name));
                all.push(v);
            } else if seen.insert(net.id.clone().unwrap_or_default()) {
                all.push(v);
            }
        }
    }
    json_response(StatusCode::OK, &Value::Array(all))
}

/// `GET /volumes`: `local`-driver volumes once per node as `NODE/NAME`, the others once.
/// Filters `driver`, `label`, `name` (a part of the name) and classic Swarm's `node`; others are
/// refused.
pub(super) fn volumes(m: &Manager, req: &Request) -> Response<Body> {
    let f = match filters(&params(req), &["driver", "label", "name", "node"]) {
        Ok(f) => f,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let mut seen = HashSet::new();
    let mut all = Vec::new();
    for n in m.model.nodes() {
        for vol in n.volumes.iter() {
            let labels: BTreeMap<String, String> = vol.labels.clone().into_iter().collect();
            let ok = f.iter().all(|(k, vals)| {
                vals.is_empty()
                    || match k.as_str() {
                        "label" => vals.iter().all(|v| label_matches(&labels, v)),
                        _ => vals.iter().any(|v| match k.as_str() {
                            "driver" => vol.driver == *v,
                            "name" => vol.name.contains(v.as_str()),
                            "node" => n.name() == v,
                            _ => false,
                        }),
                    }
            });
            if !ok {
                continue;
            }
            let Ok(mut v) = serde_json::to_value(vol) else {
                continue;
            };
            if vol.driver == "local" {
                v["Name"] = json!(on_node(&n, &vol.name));
                all.push(v);
            } else if seen.insert(vol.name.clone()) {
                all.push(v);
            }
        }
    }
    json_response(StatusCode::OK, &json!({"Volumes": all, "Warnings": []}))
}

#[cfg(test)]
mod tests {
    use super::{glob, reference_matches};

    #[test]
    fn reference_filters_match_tags_and_repositories() {
        assert!(glob("bus*", "busybox"));
        assert!(glob("*box", "busybox"));
        assert!(glob("b*s*x", "busybox"));
        assert!(!glob("bus*", "alpine"));
        let tags = vec!["10.0.0.1:5000/x/busybox:1".to_string()];
        assert!(reference_matches(&tags, "10.0.0.1:5000/x/busybox"));
        assert!(reference_matches(&tags, "10.0.0.1:5000/x/busybox:1"));
        assert!(reference_matches(&tags, "*busybox"));
        assert!(!reference_matches(&tags, "busybox:2"));
    }
}
