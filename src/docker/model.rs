//! The one place where bollard's models are turned into domain types (crate::domain): the
//! container list into sessions, volumes into workspaces, an inspect into a session's detail,
//! the version answer into the engine's info. Pure: no IO, no Docker calls, no drawing.

use std::collections::HashMap;

use bollard::models::{
    ContainerInspectResponse, ContainerSummary, ContainerSummaryStateEnum, MountPoint,
    SystemVersion, Volume,
};
use jiff::Timestamp;

use crate::domain::engine::EngineInfo;
use crate::domain::labels::{
    LABEL_MANAGED, LABEL_POOL, LABEL_POOL_IMAGE, LABEL_POOLED_AT, LABEL_SESSION_ID,
    LABEL_WORKSPACE, LABEL_WORKSPACE_ID, SESSION_CONTAINER_PREFIX, WORKSPACE_MOUNT,
    WORKSPACE_VOLUME_PREFIX, has_sandkasten_label, is_true,
};
use crate::domain::session::{
    MountSummary, PoolInfo, Session, SessionDetail, SessionState, SessionWorkspace,
};
use crate::domain::workspace::{Inventory, Workspace, WorkspaceKind};

impl From<Option<ContainerSummaryStateEnum>> for SessionState {
    fn from(state: Option<ContainerSummaryStateEnum>) -> Self {
        use ContainerSummaryStateEnum as S;
        match state {
            Some(S::RUNNING) => Self::Running,
            Some(S::RESTARTING) => Self::Restarting,
            Some(S::PAUSED) => Self::Paused,
            Some(S::CREATED) => Self::Created,
            Some(S::EXITED) | Some(S::STOPPING) => Self::Exited,
            Some(S::REMOVING) => Self::Removing,
            Some(S::DEAD) => Self::Dead,
            Some(S::EMPTY) | None => Self::Unknown,
        }
    }
}

fn non_empty(labels: &HashMap<String, String>, key: &str) -> Option<String> {
    labels.get(key).filter(|v| !v.is_empty()).cloned()
}

/// The container's name without Docker's leading slash.
fn container_name(summary: &ContainerSummary) -> String {
    summary
        .names
        .as_ref()
        .and_then(|names| names.first())
        .map(|n| n.trim_start_matches('/').to_owned())
        .unwrap_or_default()
}

fn mount_summary(mount: &MountPoint) -> MountSummary {
    let kind = mount.typ.clone().unwrap_or_default();
    let source = if kind == "volume" {
        mount.name.clone()
    } else {
        mount.source.clone()
    };
    MountSummary {
        kind,
        source: source.unwrap_or_default(),
        destination: mount.destination.clone().unwrap_or_default(),
        read_write: mount.rw.unwrap_or(false),
    }
}

/// A sandkasten session, or `None` for any container sandkasten did not make.
pub fn session_from_summary(summary: &ContainerSummary) -> Option<Session> {
    let labels = summary.labels.as_ref()?;
    if !is_true(labels, LABEL_MANAGED) {
        return None;
    }
    let container = container_name(summary);
    let id = non_empty(labels, LABEL_SESSION_ID).or_else(|| {
        container
            .strip_prefix(SESSION_CONTAINER_PREFIX)
            .map(str::to_owned)
    })?;
    let mounts: Vec<MountSummary> = summary.mounts.iter().flatten().map(mount_summary).collect();
    let workspace = match non_empty(labels, LABEL_WORKSPACE_ID) {
        Some(ws) => SessionWorkspace::Persistent(ws),
        None => SessionWorkspace::Ephemeral {
            volume: mounts
                .iter()
                .find(|m| m.kind == "volume" && m.destination == WORKSPACE_MOUNT)
                .map(|m| m.source.clone()),
        },
    };
    let pool = is_true(labels, LABEL_POOL).then(|| PoolInfo {
        image: non_empty(labels, LABEL_POOL_IMAGE),
        pooled_at: non_empty(labels, LABEL_POOLED_AT),
    });
    Some(Session {
        id,
        container,
        container_id: summary.id.clone().unwrap_or_default(),
        state: summary.state.into(),
        status: summary.status.clone().unwrap_or_default(),
        image: summary.image.clone().unwrap_or_default(),
        created_at: summary
            .created
            .and_then(|secs| Timestamp::from_second(secs).ok()),
        workspace,
        pool,
        labels: labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        mounts,
    })
}

/// Reads a driver quota: `Options.size`, or `size=` inside the local driver's `o` option.
/// Docker's own size options are binary (`10G` = 10 GiB), so units are read as powers of 1024.
pub fn quota_bytes(options: &HashMap<String, String>) -> Option<u64> {
    let from_o = || {
        options.get("o").and_then(|o| {
            o.split(',')
                .find_map(|part| part.trim().strip_prefix("size="))
                .map(str::to_owned)
        })
    };
    let raw = options.get("size").cloned().or_else(from_o)?;
    parse_size::Config::new()
        .with_binary()
        .parse_size(raw.trim())
        .ok()
}

fn parse_created(raw: Option<&String>) -> Option<Timestamp> {
    raw.and_then(|s| s.parse::<Timestamp>().ok())
}

/// Which containers mount a volume.
#[derive(Debug, Clone, Default)]
struct VolumeUsers {
    /// Session ids of sandkasten containers.
    sessions: Vec<String>,
    /// Names of other containers.
    others: Vec<String>,
    /// Container ids of all of them.
    containers: Vec<String>,
}

fn volume_users(
    containers: &[ContainerSummary],
    sessions: &[Session],
) -> HashMap<String, VolumeUsers> {
    let session_by_container: HashMap<&str, &str> = sessions
        .iter()
        .map(|s| (s.container_id.as_str(), s.id.as_str()))
        .collect();
    let mut users: HashMap<String, VolumeUsers> = HashMap::new();
    for container in containers {
        let cid = container.id.as_deref().unwrap_or_default();
        for mount in container.mounts.iter().flatten() {
            if mount.typ.as_deref() != Some("volume") {
                continue;
            }
            let Some(volume) = mount.name.as_ref() else {
                continue;
            };
            let entry = users.entry(volume.clone()).or_default();
            entry.containers.push(cid.to_owned());
            match session_by_container.get(cid) {
                Some(session_id) => entry.sessions.push((*session_id).to_owned()),
                None => entry.others.push(container_name(container)),
            }
        }
    }
    for user in users.values_mut() {
        user.sessions.sort();
        user.sessions.dedup();
        user.others.sort();
        user.others.dedup();
        user.containers.sort();
        user.containers.dedup();
    }
    users
}

/// A workspace for a persistent or orphaned volume, or `None` for anything else
/// (other names, decoy labels, ephemeral storage still attached to its session).
fn workspace_from_volume(
    volume: &Volume,
    users: &HashMap<String, VolumeUsers>,
) -> Option<Workspace> {
    let suffix = volume.name.strip_prefix(WORKSPACE_VOLUME_PREFIX)?;
    if suffix.is_empty() {
        return None;
    }
    let VolumeUsers {
        sessions: used_by,
        others: other_users,
        containers: mounted_by,
    } = users.get(&volume.name).cloned().unwrap_or_default();
    let kind = if is_true(&volume.labels, LABEL_WORKSPACE) {
        WorkspaceKind::Persistent
    } else if !has_sandkasten_label(&volume.labels) && used_by.is_empty() && other_users.is_empty()
    {
        WorkspaceKind::OrphanEphemeral
    } else {
        return None;
    };
    Some(Workspace {
        id: suffix.to_owned(),
        volume: volume.name.clone(),
        kind,
        created_at: parse_created(volume.created_at.as_ref()),
        driver: volume.driver.clone(),
        mountpoint: volume.mountpoint.clone(),
        labels: volume
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        options: volume
            .options
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        quota_bytes: quota_bytes(&volume.options),
        used_by,
        other_users,
        mounted_by,
    })
}

/// Builds the inventory from every container on the engine and the `sandkasten-ws-*` volumes.
/// All containers are needed, not only sessions: any container that mounts a volume makes it
/// "in use" (and undeletable), and keeps ephemeral storage from counting as an orphan.
pub fn build_inventory(containers: &[ContainerSummary], volumes: &[Volume]) -> Inventory {
    let mut sessions: Vec<Session> = containers.iter().filter_map(session_from_summary).collect();
    sessions.sort_by(|a, b| a.id.cmp(&b.id));
    let users = volume_users(containers, &sessions);
    let mut workspaces: Vec<Workspace> = volumes
        .iter()
        .filter_map(|v| workspace_from_volume(v, &users))
        .collect();
    workspaces.sort_by(|a, b| (a.kind, &a.id).cmp(&(b.kind, &b.id)));
    Inventory {
        sessions,
        workspaces,
    }
}

/// A session's limits and hardening from its inspect answer.
pub fn detail_from_inspect(inspect: &ContainerInspectResponse) -> SessionDetail {
    let host = inspect.host_config.clone().unwrap_or_default();
    let state = inspect.state.clone().unwrap_or_default();
    let cpu_limit = match (host.nano_cpus, host.cpu_quota, host.cpu_period) {
        (Some(n), _, _) if n > 0 => Some(n as f64 / 1e9),
        (_, Some(q), Some(p)) if q > 0 && p > 0 => Some(q as f64 / p as f64),
        _ => None,
    };
    // Docker reports "not set" as 0 or -1 depending on the field and the version.
    let positive = |v: Option<i64>| v.filter(|n| *n > 0);
    // Docker writes "0001-01-01T00:00:00Z" for "never".
    let non_zero_time = |t: Option<String>| {
        t.and_then(|s| s.parse::<Timestamp>().ok())
            .filter(|ts| ts.as_second() > 0)
    };
    SessionDetail {
        cpu_limit,
        memory_bytes: positive(host.memory).map(|m| m as u64),
        pids_limit: positive(host.pids_limit),
        readonly_rootfs: host.readonly_rootfs.unwrap_or(false),
        cap_drop: host.cap_drop.unwrap_or_default(),
        cap_add: host.cap_add.unwrap_or_default(),
        security_opt: host.security_opt.unwrap_or_default(),
        network_mode: host.network_mode.unwrap_or_default(),
        tmpfs: host.tmpfs.unwrap_or_default().into_iter().collect(),
        init: host.init.unwrap_or(false),
        started_at: non_zero_time(state.started_at),
        finished_at: non_zero_time(state.finished_at),
        exit_code: state.exit_code,
    }
}

/// What the engine says about itself, from its version answer (`?` for what it left out).
pub fn engine_info(endpoint: &str, version: SystemVersion) -> EngineInfo {
    EngineInfo {
        endpoint: endpoint.to_owned(),
        version: version.version.unwrap_or_else(|| "?".into()),
        api_version: version.api_version.unwrap_or_else(|| "?".into()),
    }
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
