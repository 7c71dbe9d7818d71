//! Workspace volumes and the inventory (everything sandkasten has on the engine at one
//! moment). Plain data: listing the engine is docker/inventory.rs's job, turning its models
//! into these docker/model.rs's.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use super::session::Session;

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
