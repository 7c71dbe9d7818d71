//! How sessions and workspaces behave as list rows: their sort columns, filter text and grouping.

use std::cmp::Ordering;

use crate::app::list::ListRow;
use crate::app::workspace_row::WorkspaceRow;
use crate::domain::session::{Session, SessionWorkspace};

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
    Size,
    Modified,
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

impl ListRow for WorkspaceRow {
    type Column = WorkspaceColumn;

    fn key(&self) -> &str {
        &self.ws.volume
    }

    /// Filter words must all match: `is:unused`, `is:used`, `is:orphan`, `is:workspace`,
    /// `>SIZE` (e.g. `>500M`), or text found in the id, volume or session ids.
    fn matches(&self, needle: &str) -> bool {
        needle
            .split_whitespace()
            .all(|word| self.matches_word(word))
    }

    fn compare(&self, other: &Self, column: WorkspaceColumn) -> Ordering {
        let (a, b) = (&self.ws, &other.ws);
        match column {
            WorkspaceColumn::Id => a.id.cmp(&b.id),
            WorkspaceColumn::Volume => a.volume.cmp(&b.volume),
            WorkspaceColumn::Age => by_age(a.created_at, b.created_at),
            // Biggest first: what an operator cleaning up wants to see.
            WorkspaceColumn::Size => other.bytes().cmp(&self.bytes()),
            // Longest idle first.
            WorkspaceColumn::Modified => self.last_activity().cmp(&other.last_activity()),
            WorkspaceColumn::Quota => a.quota_bytes.cmp(&b.quota_bytes),
            WorkspaceColumn::Users => a.used_by.len().cmp(&b.used_by.len()),
        }
    }

    fn group(&self) -> u8 {
        u8::from(self.ws.is_orphan())
    }
}

impl WorkspaceRow {
    fn matches_word(&self, word: &str) -> bool {
        let ws = &self.ws;
        match word {
            "is:unused" => !ws.in_use(),
            "is:used" => ws.in_use(),
            "is:orphan" | "is:orphaned" => ws.is_orphan(),
            "is:workspace" | "is:persistent" => !ws.is_orphan(),
            w if w.starts_with('>') && w.len() > 1 => match crate::cleanup::parse_size(&w[1..]) {
                Ok(limit) => self.bytes().is_some_and(|b| b > limit),
                // Not a size: an incomplete word while typing matches nothing yet.
                Err(_) => false,
            },
            w => {
                ws.id.to_lowercase().contains(w)
                    || ws.volume.to_lowercase().contains(w)
                    || ws.used_by.iter().any(|s| s.to_lowercase().contains(w))
            }
        }
    }
}
