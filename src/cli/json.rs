//! The JSON shapes of the CLI: a stable contract for scripts, separate from the domain types so
//! that internal changes do not break them.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use crate::domain::measure::Measurement;
use crate::domain::session::{Session, SessionState, SessionWorkspace};
use crate::domain::workspace::{Workspace, WorkspaceKind};

#[derive(Debug, Serialize)]
pub struct SessionJson<'a> {
    pub id: &'a str,
    pub container: &'a str,
    pub container_id: &'a str,
    pub state: SessionState,
    pub status: &'a str,
    pub image: &'a str,
    /// null when the session's storage is ephemeral
    pub workspace_id: Option<&'a str>,
    pub ephemeral: bool,
    /// The volume mounted at /workspace, when there is one.
    pub volume: Option<&'a str>,
    pub pool: bool,
    pub pool_image: Option<&'a str>,
    pub pooled_at: Option<&'a str>,
    pub created_at: Option<Timestamp>,
    pub labels: &'a BTreeMap<String, String>,
}

impl<'a> From<&'a Session> for SessionJson<'a> {
    fn from(s: &'a Session) -> Self {
        let volume = s
            .mounts
            .iter()
            .find(|m| m.kind == "volume" && m.destination == crate::domain::labels::WORKSPACE_MOUNT)
            .map(|m| m.source.as_str());
        Self {
            id: &s.id,
            container: &s.container,
            container_id: &s.container_id,
            state: s.state,
            status: &s.status,
            image: &s.image,
            workspace_id: s.workspace_id(),
            ephemeral: matches!(s.workspace, SessionWorkspace::Ephemeral { .. }),
            volume,
            pool: s.pool.is_some(),
            pool_image: s.pool.as_ref().and_then(|p| p.image.as_deref()),
            pooled_at: s.pool.as_ref().and_then(|p| p.pooled_at.as_deref()),
            created_at: s.created_at,
            labels: &s.labels,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct WorkspaceJson<'a> {
    pub id: &'a str,
    pub volume: &'a str,
    pub kind: WorkspaceKind,
    pub orphan: bool,
    pub created_at: Option<Timestamp>,
    pub driver: &'a str,
    pub mountpoint: &'a str,
    pub labels: &'a BTreeMap<String, String>,
    pub options: &'a BTreeMap<String, String>,
    /// null when the driver sets no size
    pub quota_bytes: Option<u64>,
    /// session ids of sandkasten containers that mount it
    pub used_by: &'a [String],
    /// names of other containers that mount it
    pub other_users: &'a [String],
    /// bytes of regular files; null until measured (or with --no-size)
    pub size_bytes: Option<u64>,
    /// regular files; null until measured or when the strategy cannot count them
    pub files: Option<u64>,
    /// newest modification inside (what `ls -l` shows; writers can set it back); null until
    /// known
    pub last_modified: Option<Timestamp>,
    /// what `prune --idle-for` judges: the newest modification or status change inside, never
    /// before `created_at`; null until known
    pub last_activity: Option<Timestamp>,
}

impl<'a> WorkspaceJson<'a> {
    pub fn new(w: &'a Workspace, m: Option<&Measurement>) -> Self {
        Self {
            id: &w.id,
            volume: &w.volume,
            kind: w.kind,
            orphan: w.is_orphan(),
            created_at: w.created_at,
            driver: &w.driver,
            mountpoint: &w.mountpoint,
            labels: &w.labels,
            options: &w.options,
            quota_bytes: w.quota_bytes,
            used_by: &w.used_by,
            other_users: &w.other_users,
            size_bytes: m.map(|m| m.bytes),
            files: m.and_then(|m| m.files),
            last_modified: m.and_then(|m| m.newest_mtime),
            last_activity: crate::cleanup::Rule::last_activity(w, m),
        }
    }
}
