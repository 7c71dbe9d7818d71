//! The whole UI state, grouped by pane. Only the event loop owns and mutates it (through
//! `update`); render reads it.

use std::collections::HashMap;

use jiff::Timestamp;

use crate::app::list::{ListView, Sort};
use crate::app::rows::{SessionColumn, WorkspaceColumn};
use crate::config::{ConfigSource, LoadedConfig};
use crate::docker::{EngineInfo, RequestId, Session, SessionDetail, SessionState, Workspace};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Sessions,
    Workspaces,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing into the focused pane's filter.
    Filter,
    Help,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EngineStatus {
    Connecting {
        endpoint: String,
    },
    Connected(EngineInfo),
    Unreachable {
        endpoint: String,
        reason: String,
        attempt: u32,
        retry_in_ms: u64,
    },
}

impl EngineStatus {
    pub fn is_connected(&self) -> bool {
        matches!(self, Self::Connected(_))
    }
}

/// The detail pane's knowledge of one session container.
#[derive(Debug, Clone, PartialEq)]
pub enum DetailState {
    Loading {
        req: RequestId,
        state: SessionState,
    },
    Ready {
        detail: Box<SessionDetail>,
        state: SessionState,
    },
    Failed {
        reason: String,
        state: SessionState,
    },
}

impl DetailState {
    /// The container state the detail was fetched for; a change makes it stale.
    pub fn for_state(&self) -> SessionState {
        match self {
            Self::Loading { state, .. }
            | Self::Ready { state, .. }
            | Self::Failed { state, .. } => *state,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SessionsPane {
    pub list: ListView<Session>,
    /// Inspected details by container id.
    pub details: HashMap<String, DetailState>,
}

#[derive(Debug, Clone)]
pub struct WorkspacesPane {
    pub list: ListView<Workspace>,
}

/// What the status bar says about the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigSummary {
    pub source: ConfigSource,
    pub workspace_enabled: bool,
    pub read_only: bool,
}

impl ConfigSummary {
    pub fn from_loaded(loaded: &LoadedConfig, read_only_flag: bool) -> Self {
        Self {
            source: loaded.source.clone(),
            workspace_enabled: loaded.config.workspace.enabled,
            read_only: read_only_flag || loaded.config.read_only,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeLevel {
    Info,
    Error,
}

/// A one-line message in the status bar until the next one.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub level: NoticeLevel,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct State {
    pub engine: EngineStatus,
    pub config: ConfigSummary,
    pub focus: Pane,
    pub mode: Mode,
    pub sessions: SessionsPane,
    pub workspaces: WorkspacesPane,
    /// False until the first inventory arrives: panes say "loading" rather than "empty".
    pub loaded: bool,
    /// The inventory on screen was fetched before the engine went away.
    pub stale: bool,
    pub notice: Option<Notice>,
    /// Reference time for ages; the loop sets it before each frame.
    pub now: Timestamp,
    pub next_request: RequestId,
    pub quit: bool,
}

impl State {
    pub fn new(config: ConfigSummary, endpoint: String) -> Self {
        Self {
            engine: EngineStatus::Connecting { endpoint },
            config,
            focus: Pane::Sessions,
            mode: Mode::Normal,
            sessions: SessionsPane {
                list: ListView::new(Sort {
                    column: SessionColumn::Age,
                    descending: false,
                }),
                details: HashMap::new(),
            },
            workspaces: WorkspacesPane {
                list: ListView::new(Sort {
                    column: WorkspaceColumn::Id,
                    descending: false,
                }),
            },
            loaded: false,
            stale: false,
            notice: None,
            now: Timestamp::UNIX_EPOCH,
            next_request: 1,
            quit: false,
        }
    }

    pub fn filter_of(&self, pane: Pane) -> &str {
        match pane {
            Pane::Sessions => self.sessions.list.filter(),
            Pane::Workspaces => self.workspaces.list.filter(),
        }
    }

    pub fn selected_session(&self) -> Option<&Session> {
        self.sessions.list.selected()
    }

    pub fn selected_workspace(&self) -> Option<&Workspace> {
        self.workspaces.list.selected()
    }
}
