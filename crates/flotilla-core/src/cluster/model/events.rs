//! The swarm's event stream: every engine's events, tagged with their node as classic Swarm did,
//! plus the model's own `engine_*` events; kept in a bounded buffer and broadcast, so any number
//! of `GET /events` clients cost the engines nothing (the model's one subscription per engine
//! feeds them all). Filtering is pure and here.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use bollard::models::EventMessage;
use serde_json::{Value, json};

use crate::cluster::members::Member;

/// Events kept for `since` (older ones are dropped; memory stays bounded).
pub const BUFFER: usize = 4096;

/// One event as clients receive it.
#[derive(Debug, Clone)]
pub struct SwarmEvent {
    /// Nanoseconds since the epoch.
    pub time_nano: i64,
    /// The JSON document sent to clients (one line).
    pub doc: Value,
}

impl SwarmEvent {
    /// The document as one newline-terminated JSON line, as `GET /events` streams it.
    pub fn line(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec(&self.doc).unwrap_or_default();
        out.push(b'\n');
        out
    }
}

/// An engine's event as clients see it: the legacy fields the Engine API still sends (`status`,
/// `id`, `from` for containers), then classic Swarm's tags: `from` with ` node:NAME`, a top-level
/// `node` object, `node.*` among the actor's attributes.
pub fn tag(ev: &EventMessage, member: &Member) -> SwarmEvent {
    let mut v = serde_json::to_value(ev).unwrap_or_else(|_| json!({}));
    let addr = member.addr.to_string();
    let addr = addr.trim_start_matches("tcp://").to_string();
    let host = member.addr.host().unwrap_or_default().to_string();
    let time_nano = ev
        .time_nano
        .or_else(|| ev.time.map(|t| t * 1_000_000_000))
        .unwrap_or(0);
    if let Some(obj) = v.as_object_mut() {
        let action = ev.action.clone().unwrap_or_default();
        let actor_id = ev
            .actor
            .as_ref()
            .and_then(|a| a.id.clone())
            .unwrap_or_default();
        let image = ev
            .actor
            .as_ref()
            .and_then(|a| a.attributes.as_ref())
            .and_then(|a| a.get("image").cloned());
        if ev.typ == Some(bollard::models::EventMessageTypeEnum::CONTAINER) {
            obj.insert("status".into(), json!(action));
            obj.insert("id".into(), json!(actor_id));
            if let Some(image) = image {
                obj.insert(
                    "from".into(),
                    json!(format!("{image} node:{}", member.name)),
                );
            }
        }
        obj.insert(
            "node".into(),
            json!({"Name": member.name, "Addr": addr, "Ip": host}),
        );
        if let Some(attrs) = obj
            .get_mut("Actor")
            .and_then(Value::as_object_mut)
            .map(|a| a.entry("Attributes").or_insert_with(|| json!({})))
            .and_then(Value::as_object_mut)
        {
            attrs.insert("node.name".into(), json!(member.name));
            attrs.insert("node.addr".into(), json!(addr));
            attrs.insert("node.ip".into(), json!(host));
        }
    }
    SwarmEvent { time_nano, doc: v }
}

/// Classic's synthetic event for a node's health transition (`Type: swarm`, `from: swarm`).
pub fn health_event(action: &str, member: &Member, time_nano: i64) -> SwarmEvent {
    let addr = member.addr.to_string();
    let addr = addr.trim_start_matches("tcp://").to_string();
    let host = member.addr.host().unwrap_or_default().to_string();
    SwarmEvent {
        time_nano,
        doc: json!({
            "status": action,
            "id": "",
            "from": "swarm",
            "Type": "swarm",
            "Action": action,
            "Actor": {"ID": "", "Attributes": {"node.name": member.name, "node.addr": addr, "node.ip": host}},
            "node": {"Name": member.name, "Addr": addr, "Ip": host},
            "time": time_nano / 1_000_000_000,
            "timeNano": time_nano,
        }),
    }
}

/// `filters` of `GET /events`, parsed: key → accepted values (any of them matches).
pub type Filters = BTreeMap<String, Vec<String>>;

/// The filter keys dockerd accepts on `/events`, plus classic's `node`.
const KEYS: &[&str] = &[
    "config",
    "container",
    "daemon",
    "event",
    "image",
    "label",
    "network",
    "node",
    "plugin",
    "scope",
    "secret",
    "service",
    "type",
    "volume",
];

/// Parses the `filters` JSON (`{"type":["container"]}` or the old `{"type":{"container":true}}`).
pub fn parse_filters(text: &str) -> Result<Filters, String> {
    if text.trim().is_empty() {
        return Ok(Filters::new());
    }
    let v: Value = serde_json::from_str(text).map_err(|e| format!("invalid filters: {e}"))?;
    let Value::Object(map) = v else {
        return Err("invalid filters: not an object".into());
    };
    let mut out = Filters::new();
    for (k, v) in map {
        if !KEYS.contains(&k.as_str()) {
            return Err(format!("invalid filter '{k}'"));
        }
        let values: Vec<String> = match v {
            Value::Array(a) => a
                .into_iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            Value::Object(o) => o
                .into_iter()
                .filter(|(_, on)| on.as_bool().unwrap_or(false))
                .map(|(k, _)| k)
                .collect(),
            _ => return Err(format!("invalid filter '{k}'")),
        };
        out.insert(k, values);
    }
    Ok(out)
}

/// Whether an event passes every filter key (values of one key are alternatives).
pub fn matches(filters: &Filters, doc: &Value) -> bool {
    let s = |p: &str| doc.pointer(p).and_then(Value::as_str).unwrap_or_default();
    let typ = s("/Type");
    let actor = s("/Actor/ID");
    let attr = |k: &str| {
        doc.pointer("/Actor/Attributes")
            .and_then(|a| a.get(k))
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    filters.iter().all(|(key, values)| {
        values.is_empty()
            || values.iter().any(|want| match key.as_str() {
                "type" => typ == want,
                "event" => {
                    let action = s("/Action");
                    action == want || action.split(':').next() == Some(want.as_str())
                }
                "container" => {
                    typ == "container" && (actor.starts_with(want.as_str()) || attr("name") == want)
                }
                "image" => {
                    attr("image") == want
                        || (typ == "image" && (actor == want || attr("name") == want))
                }
                "network" => typ == "network" && (actor == want || attr("name") == want),
                "volume" => typ == "volume" && actor == want,
                "node" => s("/node/Name") == want,
                "scope" => s("/scope") == want,
                "label" => match want.split_once('=') {
                    Some((k, v)) => attr(k) == v,
                    None => doc
                        .pointer("/Actor/Attributes")
                        .and_then(|a| a.get(want.as_str()))
                        .is_some(),
                },
                _ => false,
            })
    })
}

/// The last [`BUFFER`] events, oldest first.
#[derive(Debug, Default)]
pub struct Recent {
    events: VecDeque<Arc<SwarmEvent>>,
}

impl Recent {
    /// Keeps an event, dropping the oldest once [`BUFFER`] are kept.
    pub fn push(&mut self, ev: Arc<SwarmEvent>) {
        if self.events.len() == BUFFER {
            self.events.pop_front();
        }
        self.events.push_back(ev);
    }

    /// The kept events at or after `since_nano`.
    pub fn since(&self, since_nano: i64) -> Vec<Arc<SwarmEvent>> {
        self.events
            .iter()
            .filter(|e| e.time_nano >= since_nano)
            .cloned()
            .collect()
    }

    /// Events kept, at most [`BUFFER`].
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether no event was kept yet.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member() -> Member {
        Member {
            name: "backend1".into(),
            addr: "tcp://10.0.0.3:2376".parse().expect("addr"),
            tls: None,
        }
    }

    #[test]
    fn events_carry_their_node() {
        let ev: EventMessage = serde_json::from_value(json!({"Type":"container","Action":"start",
            "Actor":{"ID":"abc","Attributes":{"name":"web","image":"redis"}},"time":1,"timeNano":1000000001}))
        .expect("event");
        let out = tag(&ev, &member());
        let d = &out.doc;
        assert_eq!(d["Actor"]["Attributes"]["node.name"], "backend1");
        assert_eq!(d["Actor"]["Attributes"]["node.addr"], "10.0.0.3:2376");
        assert_eq!(d["Actor"]["Attributes"]["name"], "web");
        assert_eq!(d["node"]["Ip"], "10.0.0.3");
        assert_eq!(d["from"], "redis node:backend1");
        assert_eq!(d["status"], "start");
        assert_eq!(d["id"], "abc");
        assert_eq!(out.time_nano, 1_000_000_001);
        assert!(out.line().ends_with(b"\n"));
        let h = health_event("engine_disconnect", &member(), 5_000_000_000);
        assert_eq!(h.doc["Type"], "swarm");
        assert_eq!(h.doc["from"], "swarm");
        assert_eq!(h.doc["status"], "engine_disconnect");
        assert_eq!(h.doc["time"], 5);
    }

    #[test]
    fn filters_select_events() {
        let ev: EventMessage = serde_json::from_value(json!({"Type":"container","Action":"health_status: healthy",
            "Actor":{"ID":"abc123","Attributes":{"name":"web","image":"redis","app":"x"}},"time":1}))
        .expect("event");
        let d = tag(&ev, &member()).doc;
        let f = |t: &str| parse_filters(t).expect("filters");
        assert!(matches(&f(""), &d));
        assert!(matches(&f(r#"{"type":["container"]}"#), &d));
        assert!(!matches(&f(r#"{"type":["image"]}"#), &d));
        assert!(matches(&f(r#"{"type":{"container":true}}"#), &d));
        assert!(matches(&f(r#"{"event":["health_status"]}"#), &d));
        assert!(matches(&f(r#"{"container":["web"]}"#), &d));
        assert!(matches(&f(r#"{"container":["abc"]}"#), &d));
        assert!(!matches(&f(r#"{"container":["db"]}"#), &d));
        assert!(matches(
            &f(r#"{"node":["backend1"],"label":["app=x"]}"#),
            &d
        ));
        assert!(!matches(&f(r#"{"node":["other"]}"#), &d));
        assert!(matches(&f(r#"{"type":["image","container"]}"#), &d));
        assert!(parse_filters(r#"{"bogus":["x"]}"#).is_err());
        assert!(parse_filters("nope").is_err());
    }

    #[test]
    fn the_buffer_is_bounded() {
        let mut r = Recent::default();
        for i in 0..(BUFFER as i64 + 10) {
            r.push(Arc::new(SwarmEvent {
                time_nano: i,
                doc: json!({}),
            }));
        }
        assert_eq!(r.len(), BUFFER);
        assert_eq!(r.since(0).first().map(|e| e.time_nano), Some(10));
        assert_eq!(r.since(BUFFER as i64 + 8).len(), 2);
    }
}
