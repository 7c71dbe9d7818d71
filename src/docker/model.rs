//! Domain types for what sandkasten leaves on a Docker host, and the one place where bollard's
//! models are turned into them. Pure: no IO, no Docker calls, no drawing.

use std::collections::{BTreeMap, HashMap};

use bollard::models::{ContainerSummary, ContainerSummaryStateEnum, MountPoint, Volume};
use jiff::Timestamp;
use serde::Serialize;

/// Label every sandkasten session container carries (`true`).
pub const LABEL_MANAGED: &str = "sandkasten.managed";
pub const LABEL_SESSION_ID: &str = "sandkasten.session_id";
pub const LABEL_WORKSPACE_ID: &str = "sandkasten.workspace_id";
/// Label on persistent workspace volumes (`true`).
pub const LABEL_WORKSPACE: &str = "sandkasten.workspace";
pub const LABEL_POOL: &str = "sandkasten.pool";
pub const LABEL_POOL_IMAGE: &str = "sandkasten.image";
pub const LABEL_POOLED_AT: &str = "sandkasten.pooled_at";
/// Container name prefix: `sandkasten-<session_id>`.
pub const SESSION_CONTAINER_PREFIX: &str = "sandkasten-";
/// Volume name prefix: `sandkasten-ws-<workspace_id>` (or `<session_id>` when ephemeral).
pub const WORKSPACE_VOLUME_PREFIX: &str = "sandkasten-ws-";
/// Where sandkasten mounts the workspace inside a session.
pub const WORKSPACE_MOUNT: &str = "/workspace";

/// Lifecycle state of a session container, as the engine reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    Running,
    Restarting,
    Paused,
    Created,
    Exited,
    Removing,
    Dead,
    Unknown,
}

impl SessionState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Restarting => "restarting",
            Self::Paused => "paused",
            Self::Created => "created",
            Self::Exited => "exited",
            Self::Removing => "removing",
            Self::Dead => "dead",
            Self::Unknown => "unknown",
        }
    }
}

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

/// What backs a session's `/workspace`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionWorkspace {
    /// A persistent workspace (`sandkasten.workspace_id` label).
    Persistent(String),
    /// Session-scoped storage; `volume` is the mounted volume when there is one.
    Ephemeral { volume: Option<String> },
}

/// Marks a pre-warmed pool container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PoolInfo {
    pub image: Option<String>,
    pub pooled_at: Option<String>,
}

/// A volume or bind mounted into a container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MountSummary {
    pub kind: String,
    /// Volume name, or host path for binds.
    pub source: String,
    pub destination: String,
    pub read_write: bool,
}

/// One sandkasten session container.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id: String,
    pub container: String,
    pub container_id: String,
    pub state: SessionState,
    /// The engine's human status, e.g. "Up 5 minutes".
    pub status: String,
    pub image: String,
    pub created_at: Option<Timestamp>,
    pub workspace: SessionWorkspace,
    pub pool: Option<PoolInfo>,
    pub labels: BTreeMap<String, String>,
    pub mounts: Vec<MountSummary>,
}

impl Session {
    pub fn workspace_id(&self) -> Option<&str> {
        match &self.workspace {
            SessionWorkspace::Persistent(id) => Some(id),
            SessionWorkspace::Ephemeral { .. } => None,
        }
    }
}

/// Whether a `sandkasten-ws-*` volume is a persistent workspace or left-over session storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkspaceKind {
    Persistent,
    /// Ephemeral session storage (no `sandkasten.*` label) whose container is gone.
    OrphanEphemeral,
}

/// One workspace volume: persistent, or an orphaned ephemeral one.
#[derive(Debug, Clone, PartialEq)]
pub struct Workspace {
    pub id: String,
    pub volume: String,
    pub kind: WorkspaceKind,
    pub created_at: Option<Timestamp>,
    pub driver: String,
    pub mountpoint: String,
    pub labels: BTreeMap<String, String>,
    pub options: BTreeMap<String, String>,
    pub quota_bytes: Option<u64>,
    /// Session ids of sandkasten containers that mount the volume (running or not).
    pub used_by: Vec<String>,
    /// Names of other containers that mount it: they block deletion too.
    pub other_users: Vec<String>,
    /// Container ids of every container that mounts it (sessions and others). Containers are
    /// what mount volumes: session ids are labels and can repeat, so acting on a user (destroy
    /// it, re-measure after it stops) goes by these ids.
    pub mounted_by: Vec<String>,
}

impl Workspace {
    pub fn is_orphan(&self) -> bool {
        self.kind == WorkspaceKind::OrphanEphemeral
    }

    pub fn in_use(&self) -> bool {
        !self.used_by.is_empty() || !self.other_users.is_empty()
    }
}

/// Everything sandkasten has on the engine at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inventory {
    pub sessions: Vec<Session>,
    pub workspaces: Vec<Workspace>,
}

fn is_true(labels: &HashMap<String, String>, key: &str) -> bool {
    labels.get(key).is_some_and(|v| v == "true")
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

/// Ephemeral storage carries no `sandkasten.*` label; any such label (e.g. a decoy
/// `sandkasten.workspace=false`) means it is not ours to call an orphan. Labels of other tools
/// (including this tool's test label) do not matter.
fn has_sandkasten_label(labels: &HashMap<String, String>) -> bool {
    labels.keys().any(|k| k.starts_with("sandkasten."))
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

/// Longest workspace id: keeps the volume name well inside filesystem name limits.
pub const MAX_WORKSPACE_ID: usize = 64;

/// Checks a new workspace id: the volume `sandkasten-ws-<id>` must be a valid Docker volume
/// name (`[a-zA-Z0-9][a-zA-Z0-9_.-]*`), and sandkasten uses ids in paths and labels, so no
/// separators or spaces either.
pub fn validate_workspace_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("a workspace id cannot be empty".into());
    }
    if id.len() > MAX_WORKSPACE_ID {
        return Err(format!(
            "a workspace id has at most {MAX_WORKSPACE_ID} characters, this one {}",
            id.len()
        ));
    }
    if !id.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "workspace id {id:?} must start with a letter or digit"
        ));
    }
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Err(format!(
            "workspace id {id:?} contains {bad:?}: use letters, digits, '_', '.' and '-'"
        ));
    }
    Ok(())
}

/// Whether a volume, as the engine describes it now, is one this tool may delete: a
/// `sandkasten-ws-*` volume that is either a labelled workspace or carries no sandkasten label
/// (ephemeral storage). Anything else (decoys, relabelled volumes) is refused.
pub fn deletable_volume(name: &str, labels: &HashMap<String, String>) -> Result<(), String> {
    let Some(id) = name.strip_prefix(WORKSPACE_VOLUME_PREFIX) else {
        return Err(format!(
            "{name} is not a sandkasten volume (no {WORKSPACE_VOLUME_PREFIX} prefix)"
        ));
    };
    if id.is_empty() {
        return Err(format!("{name} has no workspace id"));
    }
    if is_true(labels, LABEL_WORKSPACE) || !has_sandkasten_label(labels) {
        Ok(())
    } else {
        Err(format!(
            "{name} carries sandkasten labels but is not a workspace: not touched"
        ))
    }
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
