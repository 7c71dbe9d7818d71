//! Creating workspaces and destroying sessions, exactly as sandkasten does: destroying a
//! session removes its container and its ephemeral storage; a persistent workspace stays.

use std::collections::HashMap;

use bollard::Docker;
use bollard::models::VolumeCreateRequest;
use bollard::query_parameters::RemoveContainerOptionsBuilder;

use super::error::{DockerError, describe};
use super::model::{
    LABEL_MANAGED, LABEL_SESSION_ID, LABEL_WORKSPACE, LABEL_WORKSPACE_ID, WORKSPACE_MOUNT,
    WORKSPACE_VOLUME_PREFIX, deletable_volume, validate_workspace_id,
};

/// Creates `sandkasten-ws-<id>` with sandkasten's labels. Refuses an existing one.
pub async fn create_workspace(docker: &Docker, id: &str) -> Result<String, DockerError> {
    validate_workspace_id(id).map_err(DockerError::Api)?;
    let volume = format!("{WORKSPACE_VOLUME_PREFIX}{id}");
    if docker.inspect_volume(&volume).await.is_ok() {
        return Err(DockerError::Api(format!(
            "workspace {id} already exists ({volume})"
        )));
    }
    let labels = HashMap::from([
        (LABEL_WORKSPACE.to_owned(), "true".to_owned()),
        (LABEL_WORKSPACE_ID.to_owned(), id.to_owned()),
    ]);
    docker
        .create_volume(VolumeCreateRequest {
            name: Some(volume.clone()),
            driver: Some("local".into()),
            labels: Some(labels),
            ..Default::default()
        })
        .await?;
    Ok(volume)
}

/// What destroying a session did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destroyed {
    pub session_id: String,
    pub container: String,
    /// The ephemeral volume removed with it.
    pub removed_volume: Option<String>,
    /// The persistent workspace left in place.
    pub kept_workspace: Option<String>,
}

/// Destroys one sandkasten session (by container id or name). Refuses containers that are not
/// sandkasten sessions.
pub async fn destroy_session(docker: &Docker, container: &str) -> Result<Destroyed, DockerError> {
    let inspect = docker
        .inspect_container(
            container,
            None::<bollard::query_parameters::InspectContainerOptions>,
        )
        .await?;
    let labels = inspect
        .config
        .as_ref()
        .and_then(|c| c.labels.clone())
        .unwrap_or_default();
    let name = inspect
        .name
        .clone()
        .unwrap_or_default()
        .trim_start_matches('/')
        .to_owned();
    if labels.get(LABEL_MANAGED).map(String::as_str) != Some("true") {
        return Err(DockerError::Api(format!(
            "{name} is not a sandkasten session: not touched"
        )));
    }
    let session_id = labels.get(LABEL_SESSION_ID).cloned().unwrap_or_default();
    let kept_workspace = labels
        .get(LABEL_WORKSPACE_ID)
        .filter(|w| !w.is_empty())
        .cloned();
    let workspace_volume = inspect
        .mounts
        .iter()
        .flatten()
        .find(|m| m.destination.as_deref() == Some(WORKSPACE_MOUNT))
        .and_then(|m| m.name.clone());
    docker
        .remove_container(
            container,
            Some(RemoveContainerOptionsBuilder::new().force(true).build()),
        )
        .await?;
    // Only the session's own storage goes: `sandkasten-ws-<session_id>` without sandkasten
    // labels, and only when the session was not on a persistent workspace.
    let mut removed_volume = None;
    if kept_workspace.is_none()
        && let Some(volume) = workspace_volume
        && volume == format!("{WORKSPACE_VOLUME_PREFIX}{session_id}")
    {
        let current = docker.inspect_volume(&volume).await?;
        if deletable_volume(&current.name, &current.labels).is_ok()
            && !current.labels.contains_key(LABEL_WORKSPACE)
        {
            match docker
                .remove_volume(
                    &volume,
                    None::<bollard::query_parameters::RemoveVolumeOptions>,
                )
                .await
            {
                Ok(()) => removed_volume = Some(volume),
                Err(e) => {
                    return Err(DockerError::Api(format!(
                        "{name} destroyed, but its storage {volume} stays: {}",
                        describe(&e)
                    )));
                }
            }
        }
    }
    Ok(Destroyed {
        session_id,
        container: name,
        removed_volume,
        kept_workspace,
    })
}
