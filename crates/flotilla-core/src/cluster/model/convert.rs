//! What the model keeps, turned into what its readers show (pure).
//!
//! The model keeps each container's inspect answer and nothing else per container: a list entry
//! (`GET /containers/json`) is derived from it when asked, with its `Status` text computed at that
//! moment from the state's times, as classic Swarm did ("Up 5 minutes", "Exited (0) 3 seconds
//! ago"), so a list answered from memory never shows a stale age.

use serde_json::{Map, Value, json};

use bollard::models::{ContainerInspectResponse, HealthStatusEnum};

/// Unix time (seconds, fraction) from Docker's RFC 3339 times (`2024-02-29T12:34:56.5Z`,
/// with an offset or nanoseconds). `None` for anything else, including Go's zero time.
pub fn parse_rfc3339(s: &str) -> Option<f64> {
    let (date, rest) = s.split_once('T')?;
    let mut d = date.split('-');
    let y: i64 = d.next()?.parse().ok()?;
    let m: i64 = d.next()?.parse().ok()?;
    let day: i64 = d.next()?.parse().ok()?;
    let (time, offset) = if let Some(t) = rest.strip_suffix('Z') {
        (t, 0i64)
    } else {
        let pos = rest.rfind(['+', '-'])?;
        let (t, o) = rest.split_at(pos);
        let sign = if o.starts_with('-') { -1 } else { 1 };
        let (oh, om) = o.get(1..)?.split_once(':')?;
        (
            t,
            sign * (oh.parse::<i64>().ok()? * 3600 + om.parse::<i64>().ok()? * 60),
        )
    };
    let mut t = time.split(':');
    let hh: i64 = t.next()?.parse().ok()?;
    let mm: i64 = t.next()?.parse().ok()?;
    let ss: f64 = t.next()?.parse().ok()?;
    // days from civil (Howard Hinnant)
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    Some((days * 86400 + hh * 3600 + mm * 60 - offset) as f64 + ss)
}

/// go-units' `HumanDuration`, what `docker ps` prints ("Less than a second", "About a minute",
/// "3 hours").
pub fn human_duration(secs: f64) -> String {
    let s = secs.max(0.0);
    let (m, h, d) = (s / 60.0, s / 3600.0, s / 86400.0);
    if s < 1.0 {
        "Less than a second".into()
    } else if s < 60.0 {
        format!("{} seconds", s as u64)
    } else if m < 2.0 {
        "About a minute".into()
    } else if m < 60.0 {
        format!("{} minutes", m as u64)
    } else if h < 2.0 {
        "About an hour".into()
    } else if h < 48.0 {
        format!("{} hours", h as u64)
    } else if d < 14.0 {
        format!("{} days", d as u64)
    } else if d < 7.0 * 8.0 {
        format!("{} weeks", (d / 7.0) as u64)
    } else if d < 365.0 * 2.0 {
        format!("{} months", (d / 30.0) as u64)
    } else {
        format!("{} years", (d / 365.0) as u64)
    }
}

/// The `Status` column of `docker ps` for a container, at unix time `now`; `Host Down` when its
/// node is not Healthy (classic Swarm's text: its last known state is not current).
pub fn status_text(c: &ContainerInspectResponse, now: f64, node_healthy: bool) -> String {
    if !node_healthy {
        return "Host Down".into();
    }
    let Some(st) = c.state.as_ref() else {
        return String::new();
    };
    let since = |t: Option<&String>| {
        t.and_then(|t| parse_rfc3339(t))
            .map(|t| human_duration(now - t))
            .unwrap_or_default()
    };
    let code = st.exit_code.unwrap_or(0);
    let status = st.status.map(|s| s.to_string()).unwrap_or_default();
    match status.as_str() {
        "running" | "paused" => {
            let mut s = format!("Up {}", since(st.started_at.as_ref()));
            if st.paused == Some(true) || status == "paused" {
                s.push_str(" (Paused)");
            } else if let Some(h) = st.health.as_ref().and_then(|h| h.status) {
                match h {
                    HealthStatusEnum::STARTING => s.push_str(" (health: starting)"),
                    HealthStatusEnum::HEALTHY => s.push_str(" (healthy)"),
                    HealthStatusEnum::UNHEALTHY => s.push_str(" (unhealthy)"),
                    _ => {}
                }
            }
            s
        }
        "restarting" => format!("Restarting ({code}) {} ago", since(st.finished_at.as_ref())),
        "exited" => format!("Exited ({code}) {} ago", since(st.finished_at.as_ref())),
        "created" => "Created".into(),
        "dead" => "Dead".into(),
        "removing" => "Removal In Progress".into(),
        other => other.to_string(),
    }
}

/// A container's own name without the leading `/`.
pub fn name_of(c: &ContainerInspectResponse) -> &str {
    c.name
        .as_deref()
        .unwrap_or_default()
        .trim_start_matches('/')
}

/// A list entry (`GET /containers/json`) for a container of `node` reached at `ip`, as classic
/// Swarm rewrote it: the name as `/NODE/NAME`, an unspecified port IP replaced by the engine's.
pub fn summary_json(
    c: &ContainerInspectResponse,
    node: &str,
    ip: &str,
    node_healthy: bool,
    now: f64,
) -> Value {
    let config = c.config.as_ref();
    let mut ports: Vec<Value> = Vec::new();
    let mut bound = std::collections::BTreeSet::new();
    if let Some(map) = c.network_settings.as_ref().and_then(|n| n.ports.as_ref()) {
        for (key, bindings) in map {
            let (port, proto) = key.split_once('/').unwrap_or((key.as_str(), "tcp"));
            let private: u16 = port.parse().unwrap_or(0);
            let mut any = false;
            for b in bindings.iter().flatten() {
                let public: u16 = b
                    .host_port
                    .as_deref()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(0);
                if public == 0 {
                    continue;
                }
                any = true;
                let host_ip = b.host_ip.as_deref().unwrap_or_default();
                let shown = if matches!(host_ip, "" | "0.0.0.0" | "::") {
                    ip
                } else {
                    host_ip
                };
                let row = json!({"IP": shown, "PrivatePort": private, "PublicPort": public, "Type": proto});
                // A port the engine binds on `0.0.0.0` and `::` is one port at the engine's IP.
                if !ports.contains(&row) {
                    ports.push(row);
                }
            }
            if !any {
                bound.insert((private, proto.to_string()));
            }
        }
    }
    for key in config
        .and_then(|c| c.exposed_ports.as_ref())
        .into_iter()
        .flatten()
    {
        let (port, proto) = key.split_once('/').unwrap_or((key.as_str(), "tcp"));
        bound.insert((port.parse().unwrap_or(0), proto.to_string()));
    }
    for (private, proto) in bound {
        if !ports
            .iter()
            .any(|p| p["PrivatePort"] == private && p["Type"] == proto.as_str())
        {
            ports.push(json!({"PrivatePort": private, "Type": proto}));
        }
    }
    let command = {
        let mut parts = vec![c.path.clone().unwrap_or_default()];
        parts.extend(c.args.clone().unwrap_or_default());
        parts.retain(|p| !p.is_empty());
        parts.join(" ")
    };
    let created = c
        .created
        .as_deref()
        .and_then(parse_rfc3339)
        .map_or(0, |t| t as i64);
    let networks = c
        .network_settings
        .as_ref()
        .and_then(|n| serde_json::to_value(&n.networks).ok())
        .unwrap_or(Value::Null);
    let mut out = Map::new();
    out.insert("Id".into(), json!(c.id.clone().unwrap_or_default()));
    out.insert("Names".into(), json!([format!("/{node}/{}", name_of(c))]));
    out.insert(
        "Image".into(),
        json!(config.and_then(|c| c.image.clone()).unwrap_or_default()),
    );
    out.insert("ImageID".into(), json!(c.image.clone().unwrap_or_default()));
    out.insert("Command".into(), json!(command));
    out.insert("Created".into(), json!(created));
    out.insert("Ports".into(), Value::Array(ports));
    out.insert(
        "Labels".into(),
        json!(config.and_then(|c| c.labels.clone()).unwrap_or_default()),
    );
    out.insert(
        "State".into(),
        json!(
            c.state
                .as_ref()
                .and_then(|s| s.status)
                .map(|s| s.to_string())
                .unwrap_or_default()
        ),
    );
    out.insert("Status".into(), json!(status_text(c, now, node_healthy)));
    out.insert(
        "HostConfig".into(),
        json!({"NetworkMode": c.host_config.as_ref().and_then(|h| h.network_mode.clone()).unwrap_or_default()}),
    );
    out.insert("NetworkSettings".into(), json!({ "Networks": networks }));
    out.insert(
        "Mounts".into(),
        serde_json::to_value(c.mounts.clone().unwrap_or_default()).unwrap_or(Value::Null),
    );
    Value::Object(out)
}

/// A bollard list entry for `info`/`ps` views built from the model (names as the engine shows
/// them, `/NAME`).
pub fn summary_of(c: &ContainerInspectResponse, now: f64) -> bollard::models::ContainerSummary {
    let mut v = summary_json(c, "", "", true, now);
    v["Names"] = json!([format!("/{}", name_of(c))]);
    serde_json::from_value(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inspect(v: Value) -> ContainerInspectResponse {
        serde_json::from_value(v).expect("inspect")
    }

    #[test]
    fn times_parse_and_read_as_docker_prints_them() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0.0));
        let t = parse_rfc3339("2024-02-29T14:34:56.5+02:00").expect("time");
        assert!((t - 1_709_210_096.5).abs() < 1e-6, "{t}");
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_rfc3339("2024-01-01T00:00:00+"), None);
        assert_eq!(human_duration(0.2), "Less than a second");
        assert_eq!(human_duration(5.0), "5 seconds");
        assert_eq!(human_duration(90.0), "About a minute");
        assert_eq!(human_duration(600.0), "10 minutes");
        assert_eq!(human_duration(4000.0), "About an hour");
        assert_eq!(human_duration(3.0 * 3600.0), "3 hours");
        assert_eq!(human_duration(3.0 * 86400.0), "3 days");
        assert_eq!(human_duration(21.0 * 86400.0), "3 weeks");
        assert_eq!(human_duration(100.0 * 86400.0), "3 months");
        assert_eq!(human_duration(800.0 * 86400.0), "2 years");
    }

    #[test]
    fn a_list_entry_is_derived_from_the_inspect_answer() {
        let c = inspect(json!({
            "Id": "abc", "Name": "/web", "Created": "2024-01-01T00:00:00Z", "Path": "nginx",
            "Args": ["-g", "daemon off;"], "Image": "sha256:1",
            "State": {"Status": "running", "Running": true, "StartedAt": "2024-01-01T00:00:10Z",
                      "Health": {"Status": "healthy"}},
            "Config": {"Image": "nginx:1", "Labels": {"a": "b"}, "ExposedPorts": {"80/tcp": {}, "443/tcp": {}}},
            "HostConfig": {"NetworkMode": "bridge"},
            "NetworkSettings": {"Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"},
                                                     {"HostIp": "::", "HostPort": "8080"}],
                                          "443/tcp": null}}
        }));
        let now = parse_rfc3339("2024-01-01T00:05:10Z").expect("now");
        let v = summary_json(&c, "node-1", "10.0.0.5", true, now);
        assert_eq!(v["Names"], json!(["/node-1/web"]));
        assert_eq!(v["Status"], "Up 5 minutes (healthy)");
        assert_eq!(v["Command"], "nginx -g daemon off;");
        assert_eq!(v["Created"], 1_704_067_200);
        assert_eq!(v["Image"], "nginx:1");
        assert_eq!(v["State"], "running");
        assert_eq!(
            v["Ports"],
            json!([{"IP": "10.0.0.5", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
                   {"PrivatePort": 443, "Type": "tcp"}])
        );
        assert_eq!(summary_json(&c, "n", "", false, now)["Status"], "Host Down");
        let exited = inspect(json!({"Id": "x", "Name": "/x",
            "State": {"Status": "exited", "ExitCode": 2, "FinishedAt": "2024-01-01T00:00:00Z"}}));
        assert_eq!(status_text(&exited, now, true), "Exited (2) 5 minutes ago");
        let created = inspect(json!({"Id": "x", "State": {"Status": "created"}}));
        assert_eq!(status_text(&created, now, true), "Created");
        let paused = inspect(
            json!({"Id": "x", "State": {"Status": "paused", "Paused": true,
            "StartedAt": "2024-01-01T00:05:00Z"}}),
        );
        assert_eq!(status_text(&paused, now, true), "Up 10 seconds (Paused)");
        let s = summary_of(&c, now);
        assert_eq!(s.names, Some(vec!["/web".to_string()]));
    }
}
