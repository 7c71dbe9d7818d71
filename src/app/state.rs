//! The whole UI state, grouped by pane; what is on screen and over it is `app::screen`'s.
//! Only the event loop owns and mutates it (through `update`); render reads it.

use std::collections::HashMap;

use jiff::Timestamp;

use std::collections::BTreeSet;

use crate::app::dialog::{PlannerFields, Report};
use crate::app::list::{ListView, Sort};
use crate::app::rows::{SessionColumn, WorkspaceColumn};
use crate::app::screen::{Overlays, Screen};
use crate::app::workspace_row::WorkspaceRow;
use crate::cleanup::Plan;
use crate::config::{ConfigSource, LoadedConfig};
use crate::domain::engine::EngineInfo;
use crate::domain::ids::RequestId;
use crate::domain::measure::Strategy;
use crate::domain::session::{Session, SessionDetail, SessionState};

/// The least time between the frame that showed a destructive dialog and a key that confirms
/// it. Counting input events is not enough: the keys of one burst (`d` and `y` pasted, typed
/// ahead, sent by a script) may still be on their way from the terminal when the frame is out,
/// and are then numbered after it. No one reads a question and answers in less.
pub const REACTION: jiff::SignedDuration = jiff::SignedDuration::from_millis(100);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Sessions,
    Workspaces,
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
    /// The shell the Docker task is preparing; its answer is the only one that may take the
    /// terminal.
    pub opening_shell: Option<OpeningShell>,
}

/// A shell asked for and not yet ready (see `DockerCmd::PrepareShell`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningShell {
    pub req: RequestId,
    pub session: String,
}

/// A deletion in flight. Each step (a session destroyed, a volume deleted, kept or failed) is
/// counted once, and only steps of this request: `done` never passes `total`, and whatever
/// never reported is counted as not done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteProgress {
    pub req: RequestId,
    total: usize,
    /// Container ids of sessions still to be destroyed.
    pending_sessions: BTreeSet<String>,
    /// Volumes still to be deleted.
    pending_volumes: BTreeSet<String>,
    pub report: Report,
    /// How many of the report's kept volumes the engine kept because a container mounts them
    /// (the others: the rule no longer picks them).
    pub kept_in_use: usize,
}

impl DeleteProgress {
    pub fn new(req: RequestId, sessions: &[String], volumes: &[String]) -> Self {
        let pending_sessions: BTreeSet<String> = sessions.iter().cloned().collect();
        let pending_volumes: BTreeSet<String> = volumes.iter().cloned().collect();
        Self {
            req,
            total: pending_sessions.len() + pending_volumes.len(),
            pending_sessions,
            pending_volumes,
            report: Report::default(),
            kept_in_use: 0,
        }
    }

    /// Whether this session destroy belongs to the request and was not counted yet.
    pub fn take_session(&mut self, container_id: &str) -> bool {
        self.pending_sessions.remove(container_id)
    }

    /// Whether this volume belongs to the request and was not counted yet.
    pub fn take_volume(&mut self, volume: &str) -> bool {
        self.pending_volumes.remove(volume)
    }

    pub fn done(&self) -> usize {
        self.total - self.not_done()
    }

    pub fn not_done(&self) -> usize {
        self.pending_sessions.len() + self.pending_volumes.len()
    }

    pub fn total(&self) -> usize {
        self.total
    }

    /// The report, with every step that never reported counted as not done.
    pub fn finish(mut self) -> Report {
        self.report.not_done = self.not_done();
        self.report
    }
}

#[derive(Debug, Clone)]
pub struct WorkspacesPane {
    pub list: ListView<WorkspaceRow>,
    /// Marked volumes (by name), for bulk actions.
    pub marked: BTreeSet<String>,
    /// Where the last mark was toggled: a range mark runs from here to the selection.
    pub mark_anchor: Option<String>,
    /// The cleanup planner's inputs, kept between openings; its rule feeds the header.
    pub planner: PlannerFields,
    /// What the planner's rule selects now, or why it does not parse; `None` without a rule.
    pub preview: Option<Result<Plan, String>>,
    /// How sizes are measured on this host, once the Docker task has chosen.
    pub strategy: Option<Strategy>,
    /// Volumes asked for in the current measuring round (for the progress figure).
    pub measure_round: usize,
    pub deleting: Option<DeleteProgress>,
    pub creating: Option<RequestId>,
}

impl WorkspacesPane {
    /// Rows whose measurement is still running.
    pub fn measuring(&self) -> usize {
        self.list.rows().iter().filter(|r| r.measuring).count()
    }
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

/// The parts of `sandkasten.yaml` new sessions need.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionsConfig {
    pub default_image: String,
    /// `default_image` first, then the other allowed images.
    pub images: Vec<String>,
    pub defaults: crate::domain::session::Defaults,
    pub persist_by_default: bool,
}

impl SessionsConfig {
    pub fn from_loaded(loaded: &LoadedConfig) -> Self {
        let c = &loaded.config;
        let mut images = vec![c.default_image.clone()];
        images.extend(
            c.allowed_images
                .iter()
                .filter(|i| **i != c.default_image)
                .cloned(),
        );
        Self {
            default_image: c.default_image.clone(),
            images,
            defaults: c.defaults.clone(),
            persist_by_default: c.workspace.persist_by_default,
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
    /// The pane with the keys when the panes have them (kept while a view is open).
    pub focus: Pane,
    pub screen: Screen,
    pub overlays: Overlays,
    pub sessions: SessionsPane,
    pub workspaces: WorkspacesPane,
    /// False until the first inventory arrives: panes say "loading" rather than "empty".
    pub loaded: bool,
    /// The inventory on screen was fetched before the engine went away.
    pub stale: bool,
    pub notice: Option<Notice>,
    /// What new sessions are made of (images, limits), from the configuration.
    pub sessions_config: SessionsConfig,
    /// Reference time for ages and rules; the loop sets it as events arrive.
    pub now: Timestamp,
    pub next_request: RequestId,
    /// Sequence number of the input event being applied (the loop sets it, like `now`):
    /// the n-th terminal event of the run is n.
    pub key_seq: u64,
    /// The input count at the end of the first frame that showed the top dialog as it
    /// stands; `None` until then (any change of the top overlay clears it). A destructive
    /// confirmation needs a key numbered above it, so keys typed before the operator could see
    /// the dialog never confirm it.
    pub dialog_drawn: Option<u64>,
    /// When that frame was on screen (`now` as the loop applied it): a destructive
    /// confirmation also needs [`REACTION`] to have passed since.
    pub dialog_drawn_at: Timestamp,
    /// A top dialog the operator did not open with their last key (a report opened it over
    /// what they were typing into, or closing the one above uncovered it) counts no commit key
    /// before this time; each key before it moves it on. Keys meant for what was there a
    /// moment ago (text typed on, a double or held key that closed a report) never answer
    /// it; a key after a pause does.
    pub dialog_settles_until: Option<Timestamp>,
    /// The operator asked to quit with unsaved edits: quit once no dirty buffer is left
    /// (saved or discarded), give up when they go back to editing.
    pub quit_requested: bool,
    pub quit: bool,
    /// Where the download prompt points by default; the loop learns it from the host at
    /// start ([`crate::app::host::Host`]), update only reads it.
    pub downloads_dir: std::path::PathBuf,
}

impl State {
    pub fn new(config: ConfigSummary, endpoint: String) -> Self {
        Self {
            engine: EngineStatus::Connecting { endpoint },
            config,
            focus: Pane::Sessions,
            screen: Screen::Panes,
            overlays: Overlays::default(),
            sessions: SessionsPane {
                list: ListView::new(Sort {
                    column: SessionColumn::Age,
                    descending: false,
                }),
                details: HashMap::new(),
                opening_shell: None,
            },
            workspaces: WorkspacesPane {
                list: ListView::new(Sort {
                    column: WorkspaceColumn::Id,
                    descending: false,
                }),
                marked: BTreeSet::new(),
                mark_anchor: None,
                planner: PlannerFields::default(),
                preview: None,
                strategy: None,
                measure_round: 0,
                deleting: None,
                creating: None,
            },
            loaded: false,
            stale: false,
            notice: None,
            sessions_config: SessionsConfig::default(),
            now: Timestamp::UNIX_EPOCH,
            next_request: RequestId(1),
            key_seq: 0,
            dialog_drawn: None,
            dialog_drawn_at: Timestamp::UNIX_EPOCH,
            dialog_settles_until: None,
            quit_requested: false,
            quit: false,
            downloads_dir: std::path::PathBuf::from("."),
        }
    }

    /// Whether a confirmation key being applied now arrived after the dialog was drawn, late
    /// enough after it to be an answer to it, and (for a dialog that appeared under the
    /// operator's hands) after a pause.
    pub fn dialog_armed(&self) -> bool {
        self.dialog_drawn.is_some_and(|drawn| self.key_seq > drawn)
            && self.now.duration_since(self.dialog_drawn_at) >= REACTION
            && self
                .dialog_settles_until
                .is_none_or(|until| self.now >= until)
    }

    /// The editor's buffer when it holds edits not yet written: (volume, path, bytes).
    pub fn unsaved_buffer(&self) -> Option<(&str, &crate::domain::files::FsPath, Vec<u8>)> {
        let files = self.files_screen()?;
        let editor = files.editor.as_ref().filter(|e| e.dirty)?;
        Some((files.browser.volume.as_str(), &editor.path, editor.bytes()))
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

    pub fn selected_workspace(&self) -> Option<&WorkspaceRow> {
        self.workspaces.list.selected()
    }
}
