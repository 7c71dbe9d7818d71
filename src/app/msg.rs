//! What `update` takes and gives: `Msg` in (a key's action, typed text, an editor key, the
//! mouse, what the last frame looked like, background results) and `Command` out (work for
//! the Docker task, the files task, or the shell handoff). Plain data: no IO, no state.

use crossterm::event::KeyEvent;

use crate::action::Action;
use crate::app::state::Pane;
use crate::docker::shell::PreparedShell;
use crate::docker::{DockerCmd, DockerEvent};
use crate::tui::handoff::ShellOutcome;
use crate::workspace_fs::task::{FsCmd, FsEvent};

/// Everything that can change the state, in the order the loop received it.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// A key the keymap knows, in the context that has the keys.
    Key(Action),
    /// A character typed where text is taken (a filter, a dialog's field).
    Text(char),
    /// Any key the editor has no binding for: text editing, done by the textarea widget.
    EditorKey(KeyEvent),
    Mouse(MouseMsg),
    /// A frame is on screen; what the loop learned from drawing it.
    Drawn(Layout),
    /// The terminal changed size or needs a full repaint.
    Redraw,
    Docker(DockerEvent),
    Fs(FsEvent),
    /// The shell handoff returned.
    Shell(ShellOutcome),
}

impl From<Action> for Msg {
    fn from(action: Action) -> Self {
        Self::Key(action)
    }
}

impl From<DockerEvent> for Msg {
    fn from(event: DockerEvent) -> Self {
        Self::Docker(event)
    }
}

impl From<FsEvent> for Msg {
    fn from(event: FsEvent) -> Self {
        Self::Fs(event)
    }
}

/// The mouse over one of the two panes (the only places it acts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MouseMsg {
    /// `row` is the visible row under the pointer, if any (not the group separator).
    Click {
        pane: Pane,
        row: Option<usize>,
    },
    Scroll {
        pane: Pane,
        down: bool,
    },
}

/// What a finished frame showed, from its hit map: the loop never writes into `State`, it
/// hands this to `update`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Layout {
    /// Every input event that had arrived when the frame finished (applied or still queued):
    /// it arms the dialog on screen (see `State::dialog_drawn`).
    pub input_seq: u64,
    /// Rows each view had for its lines, when it was drawn (for paging).
    pub sessions_page: Option<usize>,
    pub workspaces_page: Option<usize>,
    pub logs_page: Option<usize>,
    pub files_page: Option<usize>,
    /// The frame showed only "terminal too small": no dialog was on screen.
    pub too_small: bool,
}

impl Layout {
    pub fn from_hits(hits: &crate::ui::HitMap, input_seq: u64) -> Self {
        Self {
            input_seq,
            sessions_page: hits.page_size(Pane::Sessions),
            workspaces_page: hits.page_size(Pane::Workspaces),
            logs_page: hits.logs_page,
            files_page: hits.files_page,
            too_small: hits.too_small,
        }
    }
}

/// Side effects `update` asks the loop to carry out.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Docker(DockerCmd),
    Fs(FsCmd),
    /// Hand the terminal to a shell the Docker task prepared (the loop suspends the TUI for
    /// it, attaches and bridges).
    Shell(PreparedShell),
}
