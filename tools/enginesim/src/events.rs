//! An engine's event log: the last [`LOG_LIMIT`] events (what dockerd keeps for `since`),
//! numbered so live subscribers can follow it, each stored as the JSON line dockerd writes, and
//! the filters of `GET /events` with dockerd's rules.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;

use crate::filters::Filters;

/// dockerd's `eventsLimit`: how many past events `since` can replay.
pub const LOG_LIMIT: usize = 256;

/// One event, with what the filters look at and its wire form.
#[derive(Debug)]
pub struct Event {
    pub time_nano: i64,
    /// `container` or `network`.
    pub kind: &'static str,
    pub action: String,
    pub actor_id: String,
    pub attributes: BTreeMap<String, String>,
    /// The JSON line, newline included.
    pub line: Bytes,
}

/// The wire form, fields in dockerd's order.
#[derive(Serialize)]
struct Wire<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<&'a str>,
    #[serde(rename = "Type")]
    kind: &'a str,
    #[serde(rename = "Action")]
    action: &'a str,
    #[serde(rename = "Actor")]
    actor: Actor<'a>,
    scope: &'a str,
    time: i64,
    #[serde(rename = "timeNano")]
    time_nano: i64,
}

#[derive(Serialize)]
struct Actor<'a> {
    #[serde(rename = "ID")]
    id: &'a str,
    #[serde(rename = "Attributes")]
    attributes: &'a BTreeMap<String, String>,
}

impl Event {
    fn build(
        kind: &'static str,
        action: &str,
        actor_id: &str,
        from: Option<&str>,
        attributes: BTreeMap<String, String>,
        time_nano: i64,
    ) -> Event {
        // Container events carry the deprecated `status`/`id`/`from` trio as dockerd 20.10 does.
        let legacy = kind == "container";
        let wire = Wire {
            status: legacy.then_some(action),
            id: legacy.then_some(actor_id),
            from: if legacy { from } else { None },
            kind,
            action,
            actor: Actor {
                id: actor_id,
                attributes: &attributes,
            },
            scope: "local",
            time: time_nano.div_euclid(1_000_000_000),
            time_nano,
        };
        let mut line = serde_json::to_vec(&wire).unwrap_or_default();
        line.push(b'\n');
        Event {
            time_nano,
            kind,
            action: action.to_string(),
            actor_id: actor_id.to_string(),
            attributes,
            line: Bytes::from(line),
        }
    }

    /// A container event: the attributes are the container's labels plus `image` and `name`
    /// (and `extra`, e.g. `exitCode` or `signal`), as dockerd sends them.
    pub fn container(
        action: &str,
        id: &str,
        image: &str,
        name: &str,
        labels: &BTreeMap<String, String>,
        extra: &[(&str, String)],
        time_nano: i64,
    ) -> Event {
        let mut attributes = labels.clone();
        attributes.insert("image".into(), image.into());
        attributes.insert("name".into(), name.into());
        for (k, v) in extra {
            attributes.insert((*k).into(), v.clone());
        }
        Event::build("container", action, id, Some(image), attributes, time_nano)
    }

    /// A network event about a container joining or leaving a network.
    pub fn network(
        action: &str,
        network_id: &str,
        network_name: &str,
        network_type: &str,
        container: &str,
        time_nano: i64,
    ) -> Event {
        let attributes = BTreeMap::from([
            ("container".to_string(), container.to_string()),
            ("name".to_string(), network_name.to_string()),
            ("type".to_string(), network_type.to_string()),
        ]);
        Event::build("network", action, network_id, None, attributes, time_nano)
    }
}

/// The last events, numbered from 0 in order of publication.
#[derive(Debug, Default)]
pub struct EventLog {
    events: VecDeque<Arc<Event>>,
    /// The number the next event gets.
    next: u64,
    muted: bool,
}

impl EventLog {
    /// While muted, events are dropped (seeding an engine's inventory publishes nothing, and
    /// keeps no garbage that would stay in the allocator's pages).
    pub fn mute(&mut self, on: bool) {
        self.muted = on;
    }

    pub fn push(&mut self, e: Event) {
        if self.muted {
            return;
        }
        if self.events.len() == LOG_LIMIT {
            self.events.pop_front();
        }
        self.events.push_back(Arc::new(e));
        self.next += 1;
    }

    /// The number the next event will get: a subscriber starting now follows from here.
    pub fn next_seq(&self) -> u64 {
        self.next
    }

    /// Events numbered `from` onwards that are still kept (a subscriber that fell more than
    /// [`LOG_LIMIT`] behind loses the oldest ones, as dockerd drops events for slow readers),
    /// and the number to continue from.
    pub fn since_seq(&self, from: u64) -> (Vec<Arc<Event>>, u64) {
        let first = self.next - self.events.len() as u64;
        let skip = from.saturating_sub(first) as usize;
        (self.events.iter().skip(skip).cloned().collect(), self.next)
    }

    /// Kept events with `since <= time <= until` (dockerd's `loadBufferedEvents`).
    pub fn between(&self, since: Option<i64>, until: Option<i64>) -> Vec<Arc<Event>> {
        self.events
            .iter()
            .filter(|e| since.is_none_or(|s| e.time_nano >= s))
            .filter(|e| until.is_none_or(|u| e.time_nano <= u))
            .cloned()
            .collect()
    }
}

/// `GET /events` filters with dockerd's rules (`daemon/events/filter.go`).
#[derive(Debug, Clone, Default)]
pub struct EventFilter(pub Filters);

impl EventFilter {
    pub fn includes(&self, e: &Event) -> bool {
        let f = &self.0;
        let name = e.attributes.get("name").map(String::as_str).unwrap_or("");
        let fuzzy_name = |kind: &str| {
            !f.contains(kind) || f.fuzzy_match(kind, &e.actor_id) || f.fuzzy_match(kind, name)
        };
        let image = e.attributes.get("image").map(String::as_str).unwrap_or("");
        let image_ok = !f.contains("image")
            || f.exact_match("image", &e.actor_id)
            || f.exact_match("image", image)
            || f.exact_match("image", strip_tag(&e.actor_id))
            || f.exact_match("image", strip_tag(image));
        self.event_ok(&e.action)
            && f.exact_match("type", e.kind)
            && f.exact_match("scope", "local")
            && fuzzy_name("container")
            && fuzzy_name("network")
            && image_ok
            && f.match_kv("label", |k| e.attributes.get(k).map(String::as_str))
            && !f.contains("volume")
            && !f.contains("plugin")
            && !f.contains("daemon")
            && !f.contains("node")
            && !f.contains("service")
            && !f.contains("secret")
            && !f.contains("config")
    }

    fn event_ok(&self, action: &str) -> bool {
        let f = &self.0;
        // dockerd matches these by prefix ("exec_start: sh").
        let fuzzy = f
            .get("event")
            .iter()
            .any(|v| matches!(v.as_str(), "health_status" | "exec_create" | "exec_start"));
        if fuzzy {
            f.fuzzy_match("event", action)
        } else {
            f.exact_match("event", action)
        }
    }
}

/// `name:tag` → `name` (a registry port's colon is kept).
fn strip_tag(image: &str) -> &str {
    match image.rfind(':') {
        Some(i) if !image[i..].contains('/') => &image[..i],
        _ => image,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(id: &str, name: &str, t: i64) -> Event {
        let labels = BTreeMap::from([("app".to_string(), "web".to_string())]);
        Event::container("start", id, "busybox:latest", name, &labels, &[], t)
    }

    #[test]
    fn wire_form_is_dockerds() {
        let e = start("abc", "web1", 1_796_285_179_582_195_189);
        let v: serde_json::Value = serde_json::from_slice(&e.line).unwrap();
        assert_eq!(v["status"], "start");
        assert_eq!(v["id"], "abc");
        assert_eq!(v["from"], "busybox:latest");
        assert_eq!(v["Type"], "container");
        assert_eq!(v["Actor"]["Attributes"]["name"], "web1");
        assert_eq!(v["Actor"]["Attributes"]["app"], "web");
        assert_eq!(v["time"], 1_796_285_179i64);
        assert_eq!(v["timeNano"], 1_796_285_179_582_195_189i64);
        assert!(e.line.ends_with(b"\n"));
        let n = Event::network("connect", "net1", "bridge", "bridge", "abc", 5);
        let v: serde_json::Value = serde_json::from_slice(&n.line).unwrap();
        assert!(v.get("status").is_none());
        assert_eq!(v["Actor"]["Attributes"]["container"], "abc");
    }

    #[test]
    fn the_log_is_bounded_and_numbered() {
        let mut log = EventLog::default();
        for i in 0..(LOG_LIMIT as i64 + 10) {
            log.push(start("a", "n", i));
        }
        assert_eq!(log.next_seq(), LOG_LIMIT as u64 + 10);
        let (all, next) = log.since_seq(0);
        assert_eq!(all.len(), LOG_LIMIT);
        assert_eq!(all[0].time_nano, 10);
        assert_eq!(next, LOG_LIMIT as u64 + 10);
        let (tail, _) = log.since_seq(LOG_LIMIT as u64 + 8);
        assert_eq!(tail.len(), 2);
        assert_eq!(log.between(Some(100), Some(101)).len(), 2);
    }

    #[test]
    fn filters_follow_dockerd() {
        let f = |j: &str| EventFilter(Filters::parse(Some(j)).unwrap());
        let e = start("abcdef", "web1", 1);
        let n = Event::network("connect", "net1", "bridge", "bridge", "abcdef", 1);
        assert!(f(r#"{"type":["container"]}"#).includes(&e));
        assert!(!f(r#"{"type":["container"]}"#).includes(&n));
        assert!(f(r#"{"container":["web"]}"#).includes(&e));
        assert!(f(r#"{"container":["abc"]}"#).includes(&e));
        assert!(!f(r#"{"container":["abc"]}"#).includes(&n));
        assert!(f(r#"{"event":["start"]}"#).includes(&e));
        assert!(!f(r#"{"event":["stop"]}"#).includes(&e));
        assert!(f(r#"{"image":["busybox"]}"#).includes(&e));
        assert!(f(r#"{"label":["app=web"]}"#).includes(&e));
        assert!(!f(r#"{"label":["app=api"]}"#).includes(&e));
        assert!(!f(r#"{"volume":["x"]}"#).includes(&e));
    }
}
