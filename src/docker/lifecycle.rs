//! Session and workspace lifecycle, exactly as sandkasten does it: creating workspaces and
//! sessions, starting and stopping sessions, and destroying them (the container and its
//! ephemeral storage go; a persistent workspace stays).

use std::collections::HashMap;

use bollard::Docker;
use bollard::models::VolumeCreateRequest;
use bollard::query_parameters::RemoveContainerOptionsBuilder;

use super::deadline;
use super::error::{DockerError, describe};
use crate::domain::ids::validate_workspace_id;
use crate::domain::labels::{
    LABEL_CREATED_BY, LABEL_MANAGED, LABEL_SESSION_ID, LABEL_WORKSPACE, LABEL_WORKSPACE_ID,
    WORKSPACE_MOUNT, WORKSPACE_VOLUME_PREFIX, deletable_volume,
};
use crate::domain::outcome::FailureKind;
use crate::domain::session::{CreatedSession, Defaults, Destroyed, SessionSpec, SessionStorage};

/// Creates `sandkasten-ws-<id>` with sandkasten's labels. Refuses an existing one.
pub async fn create_workspace(docker: &Docker, id: &str) -> Result<String, DockerError> {
    validate_workspace_id(id).map_err(|e| DockerError::declined(FailureKind::Invalid, e))?;
    let volume = format!("{WORKSPACE_VOLUME_PREFIX}{id}");
    if deadline::answer("inspecting the volume", docker.inspect_volume(&volume))
        .await?
        .is_ok()
    {
        return Err(DockerError::declined(
            FailureKind::Conflict,
            format!("workspace {id} already exists ({volume})"),
        ));
    }
    let labels = HashMap::from([
        (LABEL_WORKSPACE.to_owned(), "true".to_owned()),
        (LABEL_WORKSPACE_ID.to_owned(), id.to_owned()),
    ]);
    let create = docker.create_volume(VolumeCreateRequest {
        name: Some(volume.clone()),
        driver: Some("local".into()),
        labels: Some(labels),
        ..Default::default()
    });
    deadline::answer("creating the volume", create).await??;
    Ok(volume)
}

/// Destroys one sandkasten session (by container id or name). Refuses containers that are not
/// sandkasten sessions.
pub async fn destroy_session(docker: &Docker, container: &str) -> Result<Destroyed, DockerError> {
    let inspect = docker.inspect_container(
        container,
        None::<bollard::query_parameters::InspectContainerOptions>,
    );
    let inspect = deadline::answer("inspecting the container", inspect).await??;
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
        return Err(DockerError::declined(
            FailureKind::Refused,
            format!("{name} is not a sandkasten session: not touched"),
        ));
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
    let remove = docker.remove_container(
        container,
        Some(RemoveContainerOptionsBuilder::new().force(true).build()),
    );
    deadline::answer("removing the container", remove).await??;
    // Only the session's own storage goes: `sandkasten-ws-<session_id>` without sandkasten
    // labels, and only when the session was not on a persistent workspace.
    let mut removed_volume = None;
    if kept_workspace.is_none()
        && let Some(volume) = workspace_volume
        && volume == format!("{WORKSPACE_VOLUME_PREFIX}{session_id}")
    {
        let current =
            deadline::answer("inspecting the volume", docker.inspect_volume(&volume)).await??;
        if deletable_volume(&current.name, &current.labels).is_ok()
            && !current.labels.contains_key(LABEL_WORKSPACE)
        {
            let remove = docker.remove_volume(
                &volume,
                None::<bollard::query_parameters::RemoveVolumeOptions>,
            );
            match deadline::answer("removing the volume", remove).await? {
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

/// 12 hex digits, like a short container id: unique enough per host, easy to type.
pub fn new_session_id() -> String {
    use std::hash::BuildHasher;
    let nanos = jiff::Timestamp::now().as_nanosecond();
    let h = std::collections::hash_map::RandomState::new().hash_one((nanos, std::process::id()));
    format!("{:012x}", h & 0xffff_ffff_ffff)
}

/// sandkasten's `network_mode`, exactly as the daemon maps it: `none` is no network, and any
/// other value (`full`, but also a typo, `host` or `container:<id>`) is the engine's default
/// bridge. Passing a value through would let a config line give a session the host's network
/// or another container's.
fn docker_network_mode(mode: &str) -> &'static str {
    match mode {
        "none" => "none",
        _ => "bridge",
    }
}

/// The session container's `HostConfig`: the workspace at `/workspace`, sandkasten's tmpfs
/// mounts, its hardening, the configured network and limits, and `init`.
fn session_host_config(volume: &str, d: &Defaults) -> bollard::models::HostConfig {
    use bollard::models::{HostConfig, Mount, MountType};
    let tmpfs_opts = "rw,nosuid,nodev".to_owned();
    HostConfig {
        mounts: Some(vec![Mount {
            target: Some(WORKSPACE_MOUNT.into()),
            source: Some(volume.to_owned()),
            typ: Some(MountType::VOLUME),
            read_only: Some(false),
            ..Default::default()
        }]),
        tmpfs: Some(HashMap::from([
            ("/tmp".to_owned(), tmpfs_opts.clone()),
            ("/run".to_owned(), tmpfs_opts.clone()),
            ("/home/sandbox/.cache".to_owned(), tmpfs_opts),
        ])),
        readonly_rootfs: Some(d.readonly_rootfs),
        cap_drop: Some(vec!["ALL".into()]),
        security_opt: Some(vec!["no-new-privileges".into()]),
        network_mode: Some(docker_network_mode(&d.network_mode).to_owned()),
        // The configuration is validated (finite, positive, in range) before it gets here.
        nano_cpus: Some((d.cpu_limit * 1e9) as i64),
        memory: Some((d.mem_limit_mb * 1024 * 1024) as i64),
        pids_limit: Some(d.pids_limit),
        init: Some(true),
        ..Default::default()
    }
}

/// Creates and starts a session exactly as sandkasten makes one: name `sandkasten-<id>`, its
/// labels, the workspace at `/workspace`, tmpfs on `/tmp` `/run` `/home/sandbox/.cache`,
/// read-only rootfs, all capabilities dropped, `no-new-privileges`, the configured network and
/// limits, and `init` (so a stop does not wait out the timeout). On failure, what it created
/// for the session is removed again.
pub async fn create_session(
    docker: &Docker,
    spec: &SessionSpec,
) -> Result<CreatedSession, DockerError> {
    use bollard::models::ContainerCreateBody;
    use bollard::query_parameters::CreateContainerOptionsBuilder;

    let id = new_session_id();
    let (workspace_id, volume, created_volume) = match &spec.storage {
        SessionStorage::Existing(ws) => {
            let volume = format!("{WORKSPACE_VOLUME_PREFIX}{ws}");
            let current =
                deadline::answer("inspecting the workspace", docker.inspect_volume(&volume))
                    .await?
                    .map_err(|_| {
                        DockerError::declined(
                            FailureKind::NotFound,
                            format!("no workspace {ws} (volume {volume})"),
                        )
                    })?;
            if current.labels.get(LABEL_WORKSPACE).map(String::as_str) != Some("true") {
                return Err(DockerError::declined(
                    FailureKind::Refused,
                    format!("{volume} is not a sandkasten workspace"),
                ));
            }
            (Some(ws.clone()), volume, false)
        }
        SessionStorage::New(ws) => (Some(ws.clone()), create_workspace(docker, ws).await?, true),
        SessionStorage::Ephemeral => {
            let volume = format!("{WORKSPACE_VOLUME_PREFIX}{id}");
            let create = docker.create_volume(VolumeCreateRequest {
                name: Some(volume.clone()),
                driver: Some("local".into()),
                ..Default::default()
            });
            deadline::answer("creating the volume", create).await??;
            (None, volume, true)
        }
    };
    let mut labels = HashMap::from([
        (LABEL_MANAGED.to_owned(), "true".to_owned()),
        (LABEL_SESSION_ID.to_owned(), id.clone()),
        (LABEL_CREATED_BY.to_owned(), "true".to_owned()),
    ]);
    if let Some(ws) = &workspace_id {
        labels.insert(LABEL_WORKSPACE_ID.to_owned(), ws.clone());
    }
    let host_config = session_host_config(&volume, &spec.defaults);
    let name = format!("sandkasten-{id}");
    let body = ContainerCreateBody {
        image: Some(spec.image.clone()),
        labels: Some(labels),
        working_dir: Some(WORKSPACE_MOUNT.into()),
        host_config: Some(host_config),
        ..Default::default()
    };
    // A missing image is a request this engine cannot take (nothing is pulled), not
    // something gone meanwhile that a refresh would show.
    let refused = |e: bollard::errors::Error| match &e {
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        } => DockerError::declined(
            FailureKind::Invalid,
            format!(
                "image {} is not on this engine (nothing is pulled): {}",
                spec.image,
                describe(&e)
            ),
        ),
        _ => DockerError::from(e),
    };
    // A stall stays one (the outer `?`), so the Docker task treats the connection as lost.
    let started = async {
        let create = docker.create_container(
            Some(CreateContainerOptionsBuilder::new().name(&name).build()),
            body,
        );
        let c = deadline::answer("creating the container", create)
            .await?
            .map_err(refused)?;
        let start = docker.start_container(
            &c.id,
            None::<bollard::query_parameters::StartContainerOptions>,
        );
        deadline::answer("starting the container", start)
            .await?
            .map_err(refused)?;
        Ok::<_, DockerError>(c.id)
    }
    .await;
    match started {
        Ok(container_id) => Ok(CreatedSession {
            id,
            container: name,
            container_id,
            workspace_id,
            volume,
        }),
        Err(error) => {
            // Undo: the container if it exists, then the storage made for it.
            let remove = docker.remove_container(
                &name,
                Some(RemoveContainerOptionsBuilder::new().force(true).build()),
            );
            let _ = deadline::answer("removing the container", remove).await;
            if created_volume {
                let remove = docker.remove_volume(
                    &volume,
                    None::<bollard::query_parameters::RemoveVolumeOptions>,
                );
                let _ = deadline::answer("removing the volume", remove).await;
            }
            Err(error)
        }
    }
}

/// Starts or stops a sandkasten session (refuses other containers).
pub async fn set_running(docker: &Docker, container: &str, run: bool) -> Result<(), DockerError> {
    let inspect = docker.inspect_container(
        container,
        None::<bollard::query_parameters::InspectContainerOptions>,
    );
    let inspect = deadline::answer("inspecting the container", inspect).await??;
    let managed = inspect
        .config
        .as_ref()
        .and_then(|c| c.labels.as_ref())
        .and_then(|l| l.get(LABEL_MANAGED))
        .is_some_and(|v| v == "true");
    if !managed {
        return Err(DockerError::declined(
            FailureKind::Refused,
            format!("{container} is not a sandkasten session: not touched"),
        ));
    }
    if run {
        let start = docker.start_container(
            container,
            None::<bollard::query_parameters::StartContainerOptions>,
        );
        deadline::answer("starting the container", start).await??;
    } else {
        let opts = bollard::query_parameters::StopContainerOptionsBuilder::new()
            .t(10)
            .build();
        // The engine answers a stop only after the grace period: a longer allowance than
        // the ordinary call deadline, or a slow but healthy stop would count as a stall.
        let slow = docker.clone().with_timeout(deadline::STOP);
        let stop = slow.stop_container(container, Some(opts));
        deadline::answer_within(deadline::STOP, "stopping the container", stop).await??;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn network_for(mode: &str) -> Option<String> {
        let defaults = Defaults {
            network_mode: mode.into(),
            ..Defaults::default()
        };
        session_host_config("sandkasten-ws-x", &defaults).network_mode
    }

    #[test]
    fn session_network_is_none_or_the_default_bridge_never_host_or_another_container() {
        assert_eq!(network_for("none").as_deref(), Some("none"));
        for mode in [
            "full",
            "host",
            "container:x",
            "bridge",
            "",
            "None",
            "default",
        ] {
            assert_eq!(network_for(mode).as_deref(), Some("bridge"), "{mode:?}");
        }
    }

    #[test]
    fn session_limits_come_from_the_validated_defaults() {
        let hc = session_host_config("sandkasten-ws-x", &Defaults::default());
        assert_eq!(hc.nano_cpus, Some(1_000_000_000));
        assert_eq!(hc.memory, Some(512 * 1024 * 1024));
        assert_eq!(hc.pids_limit, Some(256));
        assert_eq!(hc.init, Some(true));
        assert_eq!(hc.cap_drop.as_deref(), Some(&["ALL".to_owned()][..]));
    }
}
