//! Sessions: sandkasten's containers as this tool sees them, their detail, and what creating
//! or destroying one needs and gives back. Plain data: the engine calls are in
//! docker/lifecycle.rs and docker/detail.rs, the conversion from the engine's models in
//! docker/model.rs.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

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

/// Limits and hardening of one session container, which the container list does not carry
/// (the detail pane inspects it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionDetail {
    pub cpu_limit: Option<f64>,
    pub memory_bytes: Option<u64>,
    pub pids_limit: Option<i64>,
    pub readonly_rootfs: bool,
    pub cap_drop: Vec<String>,
    pub cap_add: Vec<String>,
    pub security_opt: Vec<String>,
    pub network_mode: String,
    pub tmpfs: BTreeMap<String, String>,
    pub init: bool,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub exit_code: Option<i64>,
}

/// The settings new sessions get: `sandkasten.yaml`'s `defaults` (config/ reads and validates
/// them; docker/lifecycle.rs applies them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Defaults {
    pub cpu_limit: f64,
    pub mem_limit_mb: u64,
    pub pids_limit: i64,
    pub max_exec_timeout_ms: u64,
    /// `none` for isolated sessions, `full` for network access.
    pub network_mode: String,
    pub readonly_rootfs: bool,
}

impl Default for Defaults {
    fn default() -> Self {
        Self {
            cpu_limit: 1.0,
            mem_limit_mb: 512,
            pids_limit: 256,
            max_exec_timeout_ms: 120_000,
            network_mode: "none".into(),
            readonly_rootfs: true,
        }
    }
}

/// Where a new session's `/workspace` comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionStorage {
    /// Session-scoped storage, removed with the session.
    Ephemeral,
    /// An existing persistent workspace.
    Existing(String),
    /// A persistent workspace created for it.
    New(String),
}

/// Everything a new session needs; limits come from `sandkasten.yaml`'s `defaults`.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionSpec {
    pub image: String,
    pub storage: SessionStorage,
    pub defaults: Defaults,
}

/// What creating a session made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedSession {
    pub id: String,
    pub container: String,
    pub container_id: String,
    pub workspace_id: Option<String>,
    pub volume: String,
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

/// What a session command did (start, stop, destroy), for update to put in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionChange {
    Started,
    Stopped,
    Destroyed(Destroyed),
}
