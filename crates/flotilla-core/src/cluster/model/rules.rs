//! What an engine event changes in the model (pure).
//!
//! Classic Swarm's rules, narrowed so an event costs one request to one engine at most: a
//! container event re-inspects that container (not the engine's whole list), `destroy` drops it
//! without asking, image events re-list the engine's images, network and volume events their
//! lists, a daemon `reload` re-reads `/info`. Events that change nothing the model keeps
//! (`exec_*`, `attach`, `top`, `resize`, archive calls, volume mounts) cost nothing.

use bollard::models::{EventMessage, EventMessageTypeEnum};

/// The one thing to re-read after an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Inspect this container again (created, started, stopped, renamed, updated, …).
    Container(String),
    /// This container is gone: drop it.
    Removed(String),
    /// An image was pulled, tagged, removed, …: list the engine's images again.
    Images,
    /// A network was created or removed: list the engine's networks again.
    Networks,
    /// A volume was created or removed: list the engine's volumes again.
    Volumes,
    /// The daemon's configuration (labels, resources) may have changed.
    Info,
    /// Nothing the model keeps.
    None,
}

/// Container actions that change nothing the model keeps.
const IGNORED: &[&str] = &[
    "top",
    "resize",
    "export",
    "attach",
    "detach",
    "copy",
    "archive-path",
    "extract-to-dir",
    "exec_create",
    "exec_start",
    "exec_die",
    "exec_detach",
];

/// The change one event asks for.
pub fn change_of(ev: &EventMessage) -> Change {
    let action = ev.action.as_deref().unwrap_or_default();
    // `health_status: healthy`, `exec_start: sh -c …`: the part before `:` is the action.
    let base = action.split(':').next().unwrap_or_default().trim();
    let actor = ev.actor.as_ref();
    let id = actor.and_then(|a| a.id.clone()).filter(|id| !id.is_empty());
    let attr = |k: &str| {
        actor
            .and_then(|a| a.attributes.as_ref())
            .and_then(|m| m.get(k).cloned())
            .filter(|v| !v.is_empty())
    };
    match ev.typ {
        Some(EventMessageTypeEnum::CONTAINER) => match id {
            None => Change::None,
            Some(_) if IGNORED.contains(&base) || base.starts_with("exec_") => Change::None,
            Some(id) if base == "destroy" => Change::Removed(id),
            Some(id) => Change::Container(id),
        },
        Some(EventMessageTypeEnum::IMAGE) => Change::Images,
        Some(EventMessageTypeEnum::NETWORK) => match base {
            "connect" | "disconnect" => attr("container").map_or(Change::None, Change::Container),
            "create" | "destroy" | "remove" => Change::Networks,
            _ => Change::None,
        },
        Some(EventMessageTypeEnum::VOLUME) => match base {
            "create" | "destroy" => Change::Volumes,
            _ => Change::None,
        },
        Some(EventMessageTypeEnum::DAEMON) if base == "reload" => Change::Info,
        _ => Change::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EventMessageTypeEnum::{CONTAINER, DAEMON, IMAGE, NETWORK, PLUGIN, VOLUME};
    use bollard::models::EventActor;

    fn ev(
        typ: EventMessageTypeEnum,
        action: &str,
        id: &str,
        attrs: &[(&str, &str)],
    ) -> EventMessage {
        EventMessage {
            typ: Some(typ),
            action: Some(action.into()),
            actor: Some(EventActor {
                id: Some(id.into()),
                attributes: Some(
                    attrs
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                ),
            }),
            ..Default::default()
        }
    }

    #[test]
    fn every_event_kind_maps_to_one_change() {
        let c = |id: &str| Change::Container(id.into());
        let table: Vec<(EventMessage, Change)> = vec![
            (ev(CONTAINER, "create", "c1", &[]), c("c1")),
            (ev(CONTAINER, "start", "c1", &[]), c("c1")),
            (ev(CONTAINER, "die", "c1", &[]), c("c1")),
            (ev(CONTAINER, "stop", "c1", &[]), c("c1")),
            (ev(CONTAINER, "kill", "c1", &[]), c("c1")),
            (ev(CONTAINER, "oom", "c1", &[]), c("c1")),
            (ev(CONTAINER, "pause", "c1", &[]), c("c1")),
            (ev(CONTAINER, "unpause", "c1", &[]), c("c1")),
            (ev(CONTAINER, "restart", "c1", &[]), c("c1")),
            (ev(CONTAINER, "rename", "c1", &[]), c("c1")),
            (ev(CONTAINER, "update", "c1", &[]), c("c1")),
            (ev(CONTAINER, "health_status: healthy", "c1", &[]), c("c1")),
            (
                ev(CONTAINER, "destroy", "c1", &[]),
                Change::Removed("c1".into()),
            ),
            (
                ev(CONTAINER, "exec_start: sh -c ls", "c1", &[]),
                Change::None,
            ),
            (ev(CONTAINER, "exec_create: sh", "c1", &[]), Change::None),
            (ev(CONTAINER, "attach", "c1", &[]), Change::None),
            (ev(CONTAINER, "resize", "c1", &[]), Change::None),
            (ev(CONTAINER, "archive-path", "c1", &[]), Change::None),
            (ev(CONTAINER, "start", "", &[]), Change::None),
            (ev(IMAGE, "pull", "redis:7", &[]), Change::Images),
            (ev(IMAGE, "untag", "sha256:1", &[]), Change::Images),
            (ev(IMAGE, "delete", "sha256:1", &[]), Change::Images),
            (
                ev(NETWORK, "connect", "n1", &[("container", "c2")]),
                c("c2"),
            ),
            (
                ev(NETWORK, "disconnect", "n1", &[("container", "c2")]),
                c("c2"),
            ),
            (ev(NETWORK, "connect", "n1", &[]), Change::None),
            (ev(NETWORK, "create", "n1", &[]), Change::Networks),
            (ev(NETWORK, "destroy", "n1", &[]), Change::Networks),
            (ev(VOLUME, "create", "v1", &[]), Change::Volumes),
            (ev(VOLUME, "destroy", "v1", &[]), Change::Volumes),
            (ev(VOLUME, "mount", "v1", &[]), Change::None),
            (ev(DAEMON, "reload", "d", &[]), Change::Info),
            (ev(PLUGIN, "enable", "p", &[]), Change::None),
        ];
        for (e, want) in table {
            assert_eq!(change_of(&e), want, "{:?} {:?}", e.typ, e.action);
        }
        assert_eq!(change_of(&EventMessage::default()), Change::None);
    }
}
