//! The calls the manager answers itself, and the lookups that route the others.

use std::collections::HashMap;

use axum::body::{Body, Bytes};
use axum::extract::{Query, Request};
use axum::http::{Response, StatusCode, header};
use bollard::models::ContainerCreateBody;
use serde_json::{Value, json};

use super::forward::forward;
use super::{API_VERSION, Manager, error, json_response};
use crate::cluster::live::{self, Detail, Live};
use crate::cluster::members::{self, Member};
use crate::cluster::summary::Summary;
use crate::ops::run::{self, Mode, RunError, RunOptions, RunOutcome, RunProgress};
use crate::ops::run_spec::Spec;
use crate::scheduler::ScheduleError;
use crate::scheduler::strategy::Usage;

/// Largest create body accepted (a container config is a few KiB).
const MAX_BODY: usize = 4 << 20;

pub(super) fn ping() -> Response<Body> {
    let mut r = Response::new(Body::from("OK"));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r.headers_mut().insert(
        "Docker-Experimental",
        header::HeaderValue::from_static("false"),
    );
    r
}

pub(super) fn version() -> Response<Body> {
    json_response(
        StatusCode::OK,
        &json!({
            "Version": format!("flotilla/{}", env!("CARGO_PKG_VERSION")),
            "ApiVersion": API_VERSION,
            "MinAPIVersion": "1.24",
            "Os": std::env::consts::OS,
            "Arch": match std::env::consts::ARCH { "x86_64" => "amd64", "aarch64" => "arm64", a => a },
            "GitCommit": "",
            "GoVersion": "",
            "KernelVersion": "",
            "BuildTime": "",
        }),
    )
}

/// The swarm's members, freshly resolved (membership changes while the manager runs).
async fn members(m: &Manager) -> Result<(members::Swarm, Vec<Member>), Response<Body>> {
    members::resolve(&m.store, m.opts.selector.as_deref())
        .await
        .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

async fn fetch(m: &Manager, detail: Detail) -> Result<(Live, Vec<Member>), Response<Body>> {
    let (swarm, members) = members(m).await?;
    Ok((
        live::fetch_members(&m.store, swarm, members.clone(), m.opts.timeout, detail).await,
        members,
    ))
}

pub(super) async fn info(m: &Manager) -> Response<Body> {
    let (live, _) = match fetch(m, Detail::Full).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (mut running, mut paused, mut stopped) = (0u64, 0u64, 0u64);
    for c in live.views.iter().flat_map(|v| &v.containers) {
        match c.state.map(|s| s.to_string()).as_deref() {
            Some("running") | Some("restarting") => running += 1,
            Some("paused") => paused += 1,
            _ => stopped += 1,
        }
    }
    let healthy = |i: &usize| live.views[*i].health == live::Health::Healthy;
    let alive: Vec<usize> = (0..live.views.len()).filter(healthy).collect();
    // Totals include the overcommit, as upstream's did.
    let usage = |i: usize| Usage::of(&live.state.nodes[i], live.state.overcommit);
    let ncpu: u64 = alive.iter().map(|&i| usage(i).total_cpu).sum::<u64>() / 1_000_000_000;
    let mem: u64 = alive.iter().map(|&i| usage(i).total_mem).sum();
    let images: usize = live.views.iter().map(|v| v.images).sum();
    let name = live
        .swarm
        .master
        .clone()
        .unwrap_or_else(|| live.swarm.discovery.clone());
    json_response(
        StatusCode::OK,
        &json!({
            "ID": format!("flotilla:{}", live.swarm.discovery),
            "Containers": running + paused + stopped,
            "ContainersRunning": running,
            "ContainersPaused": paused,
            "ContainersStopped": stopped,
            "Images": images,
            "Driver": "",
            "SystemStatus": Summary::of(&live).status_pairs(),
            "NCPU": ncpu,
            "MemTotal": mem,
            "Name": name,
            "ServerVersion": format!("flotilla/{}", env!("CARGO_PKG_VERSION")),
            "OperatingSystem": "flotilla swarm",
            "OSType": "linux",
            "Architecture": std::env::consts::ARCH,
            "KernelVersion": "",
            "Labels": [],
            "Swarm": {"LocalNodeState": "inactive"},
        }),
    )
}

/// The head of a body-less request, to send to several engines (a `Request` holds a body, which
/// is not `Sync`, so it cannot be shared across the concurrent asks).
#[derive(Clone)]
struct Head {
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
}

impl Head {
    fn of(req: &Request) -> Head {
        Head {
            method: req.method().clone(),
            uri: req.uri().clone(),
            headers: req.headers().clone(),
        }
    }

    fn request(&self) -> Request {
        let mut r = Request::new(Body::empty());
        *r.method_mut() = self.method.clone();
        *r.uri_mut() = self.uri.clone();
        *r.headers_mut() = self.headers.clone();
        r
    }
}

/// The same body-less request to every member at once, each answer parsed as JSON; members that
/// fail, answer an error or time out are left out (logged at debug level).
async fn gather(m: &Manager, members: &[Member], head: &Head) -> Vec<(Member, Value)> {
    let asks = members.iter().map(|member| {
        let r = head.request();
        async move {
            let resp = match tokio::time::timeout(m.opts.timeout, forward(member, r)).await {
                Ok(Ok(resp)) if resp.status().is_success() => resp,
                Ok(Ok(resp)) => {
                    tracing::debug!("{}: answered {}", member.name, resp.status());
                    return None;
                }
                Ok(Err(e)) => {
                    tracing::debug!("{e}");
                    return None;
                }
                Err(_) => {
                    tracing::debug!("{}: timed out", member.name);
                    return None;
                }
            };
            let bytes = axum::body::to_bytes(resp.into_body(), 64 << 20)
                .await
                .ok()?;
            let v = serde_json::from_slice::<Value>(&bytes).ok()?;
            Some((member.clone(), v))
        }
    });
    futures_util::future::join_all(asks)
        .await
        .into_iter()
        .flatten()
        .collect()
}

/// `GET /containers/json`: every member asked the same question concurrently, names prefixed
/// with the node, unspecified port IPs replaced by the engine's, newest first, `limit` applied to
/// the merged list.
pub(super) async fn list(m: &Manager, req: Request) -> Response<Body> {
    let (_, members) = match members(m).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let limit = Query::<HashMap<String, String>>::try_from_uri(req.uri())
        .ok()
        .and_then(|q| q.get("limit").and_then(|l| l.parse::<i64>().ok()))
        .filter(|l| *l > 0);
    let mut all: Vec<Value> = Vec::new();
    for (member, v) in gather(m, &members, &Head::of(&req)).await {
        let Value::Array(mut items) = v else { continue };
        let ip = member.addr.host().unwrap_or_default().to_string();
        for item in &mut items {
            if let Some(Value::Array(ports)) = item.get_mut("Ports") {
                for p in ports.iter_mut() {
                    if matches!(p.get("IP").and_then(Value::as_str), Some("0.0.0.0" | "::")) {
                        p["IP"] = Value::String(ip.clone());
                    }
                }
            }
            if let Some(Value::Array(names)) = item.get_mut("Names") {
                for n in names.iter_mut() {
                    if let Some(s) = n.as_str() {
                        *n = Value::String(node_name(&member, s));
                    }
                }
            }
        }
        all.extend(items);
    }
    all.sort_by_key(|c| std::cmp::Reverse(c.get("Created").and_then(Value::as_i64).unwrap_or(0)));
    if let Some(l) = limit {
        all.truncate(l as usize);
    }
    json_response(StatusCode::OK, &Value::Array(all))
}

/// `/NAME` on `member` → `/NODE/NAME`, as classic Swarm showed every name.
fn node_name(member: &Member, name: &str) -> String {
    format!("/{}/{}", member.name, name.trim_start_matches('/'))
}

/// `GET /networks`: local-scope networks once per node as `NODE/NAME`, the others once.
pub(super) async fn networks(m: &Manager, req: Request) -> Response<Body> {
    let (_, members) = match members(m).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut seen = std::collections::HashSet::new();
    let mut all = Vec::new();
    for (member, v) in gather(m, &members, &Head::of(&req)).await {
        let Value::Array(items) = v else { continue };
        for mut n in items {
            if n.get("Scope").and_then(Value::as_str) == Some("local") {
                let name = n.get("Name").and_then(Value::as_str).unwrap_or_default();
                n["Name"] = Value::String(node_name(&member, name)[1..].to_string());
                all.push(n);
            } else if seen.insert(
                n.get("Id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            ) {
                all.push(n);
            }
        }
    }
    json_response(StatusCode::OK, &Value::Array(all))
}

/// `GET /volumes`: `local`-driver volumes once per node as `NODE/NAME`, the others once.
pub(super) async fn volumes(m: &Manager, req: Request) -> Response<Body> {
    let (_, members) = match members(m).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut seen = std::collections::HashSet::new();
    let (mut all, mut warnings) = (Vec::new(), Vec::new());
    for (member, v) in gather(m, &members, &Head::of(&req)).await {
        if let Some(Value::Array(w)) = v.get("Warnings") {
            warnings.extend(w.iter().map(|w| {
                json!(format!(
                    "{}: {}",
                    member.name,
                    w.as_str().unwrap_or_default()
                ))
            }));
        }
        let Some(Value::Array(items)) = v.get("Volumes").cloned() else {
            continue;
        };
        for mut vol in items {
            let name = vol
                .get("Name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if vol.get("Driver").and_then(Value::as_str) == Some("local") {
                vol["Name"] = Value::String(node_name(&member, &name)[1..].to_string());
                all.push(vol);
            } else if seen.insert(name) {
                all.push(vol);
            }
        }
    }
    json_response(
        StatusCode::OK,
        &json!({"Volumes": all, "Warnings": warnings}),
    )
}

/// `GET /images/json`: the union of every member's images grouped by image ID, tags and digests
/// merged without repeats (what classic Swarm answered).
pub(super) async fn images(m: &Manager, req: Request) -> Response<Body> {
    let (_, members) = match members(m).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut by_id: Vec<Value> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (_, v) in gather(m, &members, &Head::of(&req)).await {
        let Value::Array(items) = v else { continue };
        for img in items {
            let id = img
                .get("Id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            match index.get(&id) {
                None => {
                    index.insert(id, by_id.len());
                    by_id.push(img);
                }
                Some(&k) => {
                    for key in ["RepoTags", "RepoDigests"] {
                        let more: Vec<Value> = img
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

/// One engine event (a JSON line) with its node added, as classic Swarm did: a top-level `node`
/// object, and `node.name` / `node.addr` among the actor's attributes (which `docker events`
/// prints). `None` for a line that is not a JSON object.
fn tag_event(line: &[u8], member: &Member) -> Option<Bytes> {
    let mut v: Value = serde_json::from_slice(line).ok()?;
    let obj = v.as_object_mut()?;
    let addr = member.addr.to_string();
    let host = member.addr.host().unwrap_or_default().to_string();
    obj.insert(
        "node".into(),
        json!({"Name": member.name, "Addr": addr.trim_start_matches("tcp://"), "Ip": host}),
    );
    if let Some(attrs) = obj
        .get_mut("Actor")
        .and_then(Value::as_object_mut)
        .map(|a| a.entry("Attributes").or_insert_with(|| json!({})))
        .and_then(Value::as_object_mut)
    {
        attrs.insert("node.name".into(), Value::String(member.name.clone()));
        attrs.insert(
            "node.addr".into(),
            Value::String(addr.trim_start_matches("tcp://").to_string()),
        );
        attrs.insert("node.ip".into(), Value::String(host.clone()));
    }
    if let Some(from) = obj.get("from").and_then(Value::as_str) {
        let from = format!("{from} node:{}", member.name);
        obj.insert("from".into(), Value::String(from));
    }
    let mut out = serde_json::to_vec(&v).ok()?;
    out.push(b'\n');
    Some(Bytes::from(out))
}

/// `GET /events`: every member's stream (same query: `since`, `until`, `filters`), merged in
/// arrival order, each event tagged with its node. It ends when every engine's stream has ended
/// (`until`), or when the client goes away, which closes the engines' streams too.
pub(super) async fn events(m: &Manager, req: Request) -> Response<Body> {
    use futures_util::StreamExt;
    let (_, members) = match members(m).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(256);
    let head = Head::of(&req);
    for member in members {
        let r = head.request();
        let tx = tx.clone();
        tokio::spawn(async move {
            let resp = match forward(&member, r).await {
                Ok(resp) if resp.status().is_success() => resp,
                Ok(resp) => {
                    tracing::debug!("{}: events answered {}", member.name, resp.status());
                    return;
                }
                Err(e) => {
                    tracing::debug!("{e}");
                    return;
                }
            };
            let mut body = resp.into_body().into_data_stream();
            let mut buf: Vec<u8> = Vec::new();
            loop {
                // A client that went away closes the engine's stream at once, not at its next
                // event.
                let chunk = tokio::select! {
                    c = body.next() => c,
                    () = tx.closed() => return,
                };
                let Some(Ok(chunk)) = chunk else { return };
                buf.extend_from_slice(&chunk);
                while let Some(end) = buf.iter().position(|&b| b == b'\n') {
                    let line: Vec<u8> = buf.drain(..=end).collect();
                    if let Some(out) = tag_event(&line, &member)
                        && tx.send(Ok(out)).await.is_err()
                    {
                        return;
                    }
                }
            }
        });
    }
    drop(tx);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let mut r = Response::new(Body::from_stream(stream));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    r
}

/// Pulls are not reported to API clients; they go to the manager's log.
struct LogProgress;

impl RunProgress for LogProgress {
    fn pull(&self, node: &str, image: &str, status: &str) {
        tracing::debug!("pulling {image} on {node}: {status}");
    }
    fn pulled(&self, node: &str, image: &str) {
        tracing::info!("pulled {image} on {node}");
    }
}

fn run_error(e: RunError) -> Response<Body> {
    let status = match &e {
        RunError::NameConflict(_) => StatusCode::CONFLICT,
        RunError::Spec(_) | RunError::Schedule(ScheduleError::InvalidRequest(_)) => {
            StatusCode::BAD_REQUEST
        }
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    error(status, e.to_string())
}

/// `POST /containers/create`: decide, then create on the chosen node (not started).
pub(super) async fn create(m: &Manager, req: Request) -> Response<Body> {
    let name = Query::<HashMap<String, String>>::try_from_uri(req.uri())
        .ok()
        .and_then(|q| q.get("name").cloned())
        .unwrap_or_default();
    let bytes = match axum::body::to_bytes(req.into_body(), MAX_BODY).await {
        Ok(b) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("reading the body: {e}")),
    };
    let body: ContainerCreateBody = match serde_json::from_slice(&bytes) {
        Ok(b) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("invalid create body: {e}")),
    };
    let spec = Spec {
        name: name.trim_start_matches('/').to_string(),
        body,
        remove_after: false,
        detach: true,
    };
    let opts = RunOptions {
        selector: m.opts.selector.clone(),
        timeout: m.opts.timeout,
        pending_ttl: m.opts.pending_ttl,
        mode: Mode::Create,
        start: false,
        console_size: None,
    };
    match run::run(&m.store, &spec, &opts, &LogProgress).await {
        Ok(RunOutcome::Started(s)) => {
            tracing::info!(node = %s.node, "created {}", s.id);
            if let Ok((_, members)) = members(m).await
                && let Some(member) = members.into_iter().find(|x| x.name == s.node)
            {
                remember(&m.containers, &s.id, member);
            }
            json_response(StatusCode::CREATED, &json!({"Id": s.id, "Warnings": []}))
        }
        Ok(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "create did not create"),
        Err(e) => run_error(e),
    }
}

fn remember(map: &std::sync::Mutex<HashMap<String, Member>>, id: &str, member: Member) {
    if let Ok(mut map) = map.lock() {
        map.insert(id.to_string(), member);
    }
}

/// The member holding the container `key`: an ID, a unique ID prefix, a name, or `NODE/NAME`.
async fn owner(
    m: &Manager,
    swarm: &members::Swarm,
    members: &[Member],
    key: &str,
) -> Result<(Member, Option<Live>), Response<Body>> {
    if let Some(member) = m.containers.lock().ok().and_then(|c| c.get(key).cloned()) {
        return Ok((member, None));
    }
    let live = live::fetch_members(
        &m.store,
        swarm.clone(),
        members.to_vec(),
        m.opts.timeout,
        Detail::Summary,
    )
    .await;
    let key = key.trim_start_matches('/');
    let (node_part, name_part) = key.split_once('/').unwrap_or(("", key));
    let mut by_id = Vec::new();
    let mut by_name = Vec::new();
    let mut by_prefix = Vec::new();
    for view in &live.views {
        for c in &view.containers {
            let id = c.id.as_deref().unwrap_or("");
            let named = |n: &str| {
                c.names
                    .iter()
                    .flatten()
                    .any(|x| x.trim_start_matches('/') == n)
            };
            if id == key {
                by_id.push(view.name.clone());
            } else if named(key) || (view.name == node_part && named(name_part)) {
                by_name.push(view.name.clone());
            } else if !id.is_empty() && id.starts_with(key) {
                by_prefix.push(view.name.clone());
            }
        }
    }
    let found = [by_id, by_name, by_prefix]
        .into_iter()
        .find(|v| !v.is_empty())
        .unwrap_or_default();
    match found.as_slice() {
        [node] => members
            .iter()
            .find(|x| &x.name == node)
            .map(|x| (x.clone(), Some(live)))
            .ok_or_else(|| error(StatusCode::NOT_FOUND, format!("No such container: {key}"))),
        [] => Err(error(
            StatusCode::NOT_FOUND,
            format!("No such container: {key}"),
        )),
        _ => Err(error(
            StatusCode::NOT_FOUND,
            format!("multiple containers match {key}; use NODE/NAME or a longer ID"),
        )),
    }
}

fn relay_failed(e: super::forward::ForwardError) -> Response<Body> {
    error(StatusCode::BAD_GATEWAY, e.to_string())
}

/// Any call about one container (`rest` is the path after `/containers/`), relayed to its
/// engine. The container may be named `NODE/NAME`, which the CLI puts in the path as is: the
/// node part is taken off before the engine sees the path. An exec instance created this way is
/// remembered with its engine.
pub(super) async fn container_call(
    m: &Manager,
    rest: &[String],
    mut req: Request,
) -> Response<Body> {
    let (swarm, members) = match members(m).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let node_prefixed = rest.len() >= 2 && members.iter().any(|x| x.name == rest[0]);
    let (key, tail) = if node_prefixed {
        (format!("{}/{}", rest[0], rest[1]), &rest[2..])
    } else {
        (rest[0].clone(), &rest[1..])
    };
    let (member, live) = match owner(m, &swarm, &members, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if node_prefixed {
        let uri = req.uri().to_string();
        let from = format!("/containers/{}/", rest[0]);
        if let Ok(u) = uri.replacen(&from, "/containers/", 1).parse() {
            *req.uri_mut() = u;
        }
    }
    if req.method() == axum::http::Method::POST && tail == ["exec"] {
        return exec_create(m, member, req).await;
    }
    if req.method() == axum::http::Method::GET && tail == ["json"] {
        // The view the lookup fetched describes the node too; fetch one only after a cache hit.
        let live = match live {
            Some(l) => l,
            None => {
                live::fetch_members(&m.store, swarm, members, m.opts.timeout, Detail::Summary).await
            }
        };
        return inspect(&live, member, req).await;
    }
    forward(&member, req).await.unwrap_or_else(relay_failed)
}

/// `GET /containers/{id}/json`, relayed, with classic Swarm's additions: a `Node` object (`ID`,
/// `IP`, `Addr`, `Name`, `Cpus`, `Memory`, `Labels`, so `docker inspect -f '{{.Node.Name}}'`
/// works) and the engine's IP in place of an unspecified `HostIp` of published ports.
async fn inspect(live: &Live, member: Member, req: Request) -> Response<Body> {
    let resp = match forward(&member, req).await {
        Ok(r) => r,
        Err(e) => return relay_failed(e),
    };
    if !resp.status().is_success() {
        return resp;
    }
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 64 << 20)
        .await
        .unwrap_or_default();
    let Ok(mut v) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::new(Body::from(bytes));
    };
    let ip = member.addr.host().unwrap_or_default().to_string();
    if let Some(ports) = v
        .pointer_mut("/NetworkSettings/Ports")
        .and_then(Value::as_object_mut)
    {
        for binding in ports.values_mut().filter_map(Value::as_array_mut).flatten() {
            if matches!(
                binding.get("HostIp").and_then(Value::as_str),
                Some("" | "0.0.0.0" | "::")
            ) {
                binding["HostIp"] = Value::String(ip.clone());
            }
        }
    }
    if let Some(i) = live.views.iter().position(|x| x.name == member.name) {
        let n = &live.state.nodes[i];
        v["Node"] = json!({
            "ID": n.id,
            "IP": ip,
            "Addr": n.addr,
            "Name": member.name,
            "Cpus": n.cpus.round() as i64,
            "Memory": n.memory,
            "Labels": n.labels,
        });
    }
    json_response(status, &v)
}

/// `POST /containers/{id}/exec`, relayed, remembering which engine holds the exec instance.
async fn exec_create(m: &Manager, member: Member, req: Request) -> Response<Body> {
    let resp = match forward(&member, req).await {
        Ok(r) => r,
        Err(e) => return relay_failed(e),
    };
    let (parts, body) = resp.into_parts();
    let bytes: Bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .unwrap_or_default();
    if parts.status.is_success()
        && let Ok(v) = serde_json::from_slice::<Value>(&bytes)
        && let Some(exec) = v.get("Id").and_then(Value::as_str)
    {
        remember(&m.execs, exec, member);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Any call about an exec instance created through the manager.
pub(super) async fn relay_exec(m: &Manager, id: &str, req: Request) -> Response<Body> {
    let member = m.execs.lock().ok().and_then(|e| e.get(id).cloned());
    match member {
        Some(member) => forward(&member, req).await.unwrap_or_else(relay_failed),
        None => error(
            StatusCode::NOT_FOUND,
            format!("No such exec instance: {id}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::tag_event;
    use crate::cluster::members::Member;

    #[test]
    fn events_carry_their_node() {
        let m = Member {
            name: "backend1".into(),
            addr: "tcp://10.0.0.3:2376".parse().unwrap(),
            tls: None,
        };
        let line = br#"{"Type":"container","Action":"start","Actor":{"ID":"abc","Attributes":{"name":"web"}},"time":1}"#;
        let out: serde_json::Value = serde_json::from_slice(&tag_event(line, &m).unwrap()).unwrap();
        assert_eq!(out["Actor"]["Attributes"]["node.name"], "backend1");
        assert_eq!(out["Actor"]["Attributes"]["node.addr"], "10.0.0.3:2376");
        assert_eq!(out["Actor"]["Attributes"]["name"], "web");
        assert_eq!(out["node"]["Ip"], "10.0.0.3");
        assert_eq!(out["Actor"]["Attributes"]["node.ip"], "10.0.0.3");
        let line = br#"{"status":"start","from":"redis","Type":"container","Actor":{"ID":"abc"}}"#;
        let out: serde_json::Value = serde_json::from_slice(&tag_event(line, &m).unwrap()).unwrap();
        assert_eq!(out["from"], "redis node:backend1");
        assert_eq!(out["Actor"]["Attributes"]["node.name"], "backend1");
        assert!(tag_event(b"not json", &m).is_none());
    }
}
