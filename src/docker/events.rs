//! The engine's events stream, and which events can change sandkasten's footprint.
//! Liveness comes from here, not from polling.

use std::collections::HashMap;

use bollard::Docker;
use bollard::models::{EventMessage, EventMessageTypeEnum};
use bollard::query_parameters::EventsOptionsBuilder;
use futures::Stream;

use crate::domain::labels::{LABEL_MANAGED, SESSION_CONTAINER_PREFIX, WORKSPACE_VOLUME_PREFIX};

/// Container and volume events. Volume events carry no labels, so filtering by label on the
/// engine side would drop them: we filter client-side instead.
pub fn subscribe(
    docker: &Docker,
) -> impl Stream<Item = Result<EventMessage, bollard::errors::Error>> + use<> {
    let filters = HashMap::from([("type", vec!["container", "volume"])]);
    docker.events(Some(EventsOptionsBuilder::new().filters(&filters).build()))
}

/// Container actions that change what the sessions pane shows.
const SESSION_ACTIONS: &[&str] = &[
    "create", "destroy", "start", "die", "stop", "kill", "pause", "unpause", "rename", "restart",
    "oom", "update",
];

/// Whether the inventory may have changed. Any container's create/destroy counts: a foreign
/// container mounting a workspace makes it "in use", and its removal can leave an orphan.
pub fn is_relevant(ev: &EventMessage) -> bool {
    let action = ev.action.as_deref().unwrap_or_default();
    let actor = ev.actor.as_ref();
    let id = actor.and_then(|a| a.id.as_deref()).unwrap_or_default();
    let attrs = actor.and_then(|a| a.attributes.as_ref());
    match ev.typ {
        Some(EventMessageTypeEnum::VOLUME) => {
            id.starts_with(WORKSPACE_VOLUME_PREFIX) && matches!(action, "create" | "destroy")
        }
        Some(EventMessageTypeEnum::CONTAINER) => {
            let managed = attrs.is_some_and(|a| {
                a.get(LABEL_MANAGED).is_some_and(|v| v == "true")
                    || a.get("name")
                        .is_some_and(|n| n.starts_with(SESSION_CONTAINER_PREFIX))
            });
            if managed {
                SESSION_ACTIONS.contains(&action)
            } else {
                matches!(action, "create" | "destroy")
            }
        }
        _ => false,
    }
}

/// The container a `die` or `destroy` event is about, whoever made it: whatever it mounted may
/// have been written until then, so its workspaces are measured again.
pub fn ended_container(ev: &EventMessage) -> Option<&str> {
    let action = ev.action.as_deref().unwrap_or_default();
    if ev.typ != Some(EventMessageTypeEnum::CONTAINER) || !matches!(action, "die" | "destroy") {
        return None;
    }
    ev.actor.as_ref()?.id.as_deref().filter(|id| !id.is_empty())
}

/// The volume an `unmount` event is about: a container (any, however briefly it lived, even
/// one no listing ever saw) stopped using it, so it may have been written until now. The
/// engine names the volume itself (Actor.ID), so no container has to be inspected, which a
/// `--rm` container would race.
pub fn released_volume(ev: &EventMessage) -> Option<&str> {
    if ev.typ != Some(EventMessageTypeEnum::VOLUME) || ev.action.as_deref() != Some("unmount") {
        return None;
    }
    // Only sandkasten's volumes: any other unmount on the host must not wake the UI.
    ev.actor
        .as_ref()?
        .id
        .as_deref()
        .filter(|id| id.starts_with(WORKSPACE_VOLUME_PREFIX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::EventActor;

    fn event(
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
                        .map(|(k, v)| ((*k).into(), (*v).into()))
                        .collect(),
                ),
            }),
            ..Default::default()
        }
    }

    #[test]
    fn workspace_volume_lifecycle_is_relevant() {
        use EventMessageTypeEnum::VOLUME;
        assert!(is_relevant(&event(
            VOLUME,
            "create",
            "sandkasten-ws-a",
            &[]
        )));
        assert!(is_relevant(&event(
            VOLUME,
            "destroy",
            "sandkasten-ws-a",
            &[]
        )));
        assert!(!is_relevant(&event(
            VOLUME,
            "mount",
            "sandkasten-ws-a",
            &[]
        )));
        assert!(!is_relevant(&event(VOLUME, "create", "postgres-data", &[])));
    }

    #[test]
    fn session_state_changes_are_relevant_but_execs_are_not() {
        use EventMessageTypeEnum::CONTAINER;
        let managed = [(LABEL_MANAGED, "true"), ("name", "sandkasten-s1")];
        assert!(is_relevant(&event(CONTAINER, "start", "c1", &managed)));
        assert!(is_relevant(&event(CONTAINER, "die", "c1", &managed)));
        assert!(!is_relevant(&event(
            CONTAINER,
            "exec_start: sh",
            "c1",
            &managed
        )));
    }

    #[test]
    fn any_container_that_dies_or_is_destroyed_is_reported_as_ended() {
        use EventMessageTypeEnum::CONTAINER;
        let other = [("name", "backup-job")];
        assert_eq!(
            ended_container(&event(CONTAINER, "die", "c2", &other)),
            Some("c2")
        );
        assert_eq!(
            ended_container(&event(CONTAINER, "destroy", "c2", &other)),
            Some("c2")
        );
        assert_eq!(
            ended_container(&event(CONTAINER, "start", "c2", &other)),
            None
        );
    }

    #[test]
    fn a_volume_unmounted_by_any_container_is_reported_as_released() {
        use EventMessageTypeEnum::{CONTAINER, VOLUME};
        let by = [("container", "c3"), ("driver", "local")];
        assert_eq!(
            released_volume(&event(VOLUME, "unmount", "sandkasten-ws-a", &by)),
            Some("sandkasten-ws-a")
        );
        assert_eq!(
            released_volume(&event(VOLUME, "mount", "sandkasten-ws-a", &by)),
            None
        );
        assert_eq!(
            released_volume(&event(CONTAINER, "unmount", "sandkasten-ws-a", &by)),
            None
        );
        // Anyone else's volume never wakes the UI.
        assert_eq!(
            released_volume(&event(VOLUME, "unmount", "postgres-data", &by)),
            None
        );
    }

    #[test]
    fn foreign_containers_matter_only_when_created_or_destroyed() {
        use EventMessageTypeEnum::CONTAINER;
        let other = [("name", "web")];
        assert!(is_relevant(&event(CONTAINER, "create", "c2", &other)));
        assert!(is_relevant(&event(CONTAINER, "destroy", "c2", &other)));
        assert!(!is_relevant(&event(CONTAINER, "start", "c2", &other)));
        assert!(!is_relevant(&event(
            EventMessageTypeEnum::NETWORK,
            "create",
            "n",
            &[]
        )));
    }
}
