//! How sessions and workspaces behave as list rows: their sort columns, filter text and grouping.

use std::cmp::Ordering;

use crate::app::list::ListRow;
use crate::docker::{Session, SessionWorkspace, Workspace};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionColumn {
    Id,
    Container,
    State,
    Image,
    Age,
    Workspace,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkspaceColumn {
    Id,
    Volume,
    Age,
    Quota,
    Users,
}

/// Text shown in a session's workspace column.
pub fn session_workspace_label(session: &Session) -> &str {
    match &session.workspace {
        SessionWorkspace::Persistent(id) => id,
        SessionWorkspace::Ephemeral { .. } => "ephemeral",
    }
}

/// Older first reads as "age ascending": smaller timestamps sort later.
fn by_age<T: Ord>(a: Option<T>, b: Option<T>) -> Ordering {
    b.cmp(&a)
}

impl ListRow for Session {
    type Column = SessionColumn;

    fn key(&self) -> &str {
        &self.container_id
    }

    fn matches(&self, needle: &str) -> bool {
        [
            self.id.as_str(),
            self.container.as_str(),
            self.image.as_str(),
            self.state.as_str(),
            session_workspace_label(self),
        ]
        .iter()
        .any(|field| field.to_lowercase().contains(needle))
            || (self.pool.is_some() && "pool".contains(needle))
    }

    fn compare(&self, other: &Self, column: SessionColumn) -> Ordering {
        match column {
            SessionColumn::Id => self.id.cmp(&other.id),
            SessionColumn::Container => self.container.cmp(&other.container),
            SessionColumn::State => self.state.cmp(&other.state),
            SessionColumn::Image => self.image.cmp(&other.image),
            SessionColumn::Age => by_age(self.created_at, other.created_at),
            SessionColumn::Workspace => {
                session_workspace_label(self).cmp(session_workspace_label(other))
            }
        }
    }
}

impl ListRow for Workspace {
    type Column = WorkspaceColumn;

    fn key(&self) -> &str {
        &self.volume
    }

    fn matches(&self, needle: &str) -> bool {
        self.id.to_lowercase().contains(needle)
            || self.volume.to_lowercase().contains(needle)
            || self
                .used_by
                .iter()
                .any(|s| s.to_lowercase().contains(needle))
            || (self.is_orphan() && "orphan".contains(needle))
    }

    fn compare(&self, other: &Self, column: WorkspaceColumn) -> Ordering {
        match column {
            WorkspaceColumn::Id => self.id.cmp(&other.id),
            WorkspaceColumn::Volume => self.volume.cmp(&other.volume),
            WorkspaceColumn::Age => by_age(self.created_at, other.created_at),
            WorkspaceColumn::Quota => self.quota_bytes.cmp(&other.quota_bytes),
            WorkspaceColumn::Users => self.used_by.len().cmp(&other.used_by.len()),
        }
    }

    fn group(&self) -> u8 {
        u8::from(self.is_orphan())
    }
}
