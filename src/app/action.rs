//! What the user (or a background task) asks of the app. Bindable actions deserialise from the
//! keymap by their snake_case names; internal ones are `#[serde(skip)]`.

use serde::Deserialize;

use crate::app::state::Pane;
use crate::docker::shell::PreparedShell;
use crate::docker::{DockerCmd, DockerEvent};
use crate::tui::handoff::ShellOutcome;
use crate::workspace_fs::task::{FsCmd, FsEvent};

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    ToggleHelp,
    FocusNext,
    FocusPrev,
    FocusSessions,
    FocusWorkspaces,
    SelectNext,
    SelectPrev,
    PageDown,
    PageUp,
    SelectFirst,
    SelectLast,
    StartFilter,
    ClearFilter,
    FilterAccept,
    FilterCancel,
    SortById,
    SortByName,
    SortByState,
    SortByImage,
    SortByAge,
    SortByWorkspace,
    SortBySize,
    SortByModified,
    SortByQuota,
    SortByUsers,
    /// Mark or unmark the selected workspace, then move down.
    ToggleMark,
    /// Mark every row from the last toggled one to the selection.
    MarkRange,
    /// Mark every row the filter shows.
    MarkAll,
    ClearMarks,
    /// Delete the marked workspaces (or the selected one), after a confirmation dialog.
    Delete,
    NewWorkspace,
    NewSession,
    OpenPlanner,
    /// A shell in the selected session (or, on a workspace, in a new session on it).
    Shell,
    /// Follow the selected session's logs.
    Logs,
    /// Start a stopped session, stop a running one.
    StartStop,
    /// Logs view: stop or resume following new lines.
    ToggleFollow,
    /// Logs view: the next line matching the search.
    NextMatch,
    /// Close the logs view.
    CloseLogs,
    /// In the shell: go back to the TUI (its key is sent to the exec bridge as a byte).
    Detach,
    /// Dialogs: the previous / next choice of a field.
    PrevChoice,
    NextChoice,
    /// Open the file browser on the selected workspace (or the session's `/workspace`).
    OpenFiles,
    /// Browser: open the selected directory, or the file in the editor.
    OpenEntry,
    /// Browser: to the parent directory.
    GoUp,
    ToggleHidden,
    NewFile,
    NewDirectory,
    Rename,
    Download,
    Upload,
    /// Browser: list the directory again.
    Reload,
    /// Browser: name, then size, then modified order.
    CycleSort,
    /// Browser: stop the download or upload in progress.
    CancelTransfer,
    CloseFiles,
    /// Editor: write the file back (atomically; a conflict asks first).
    Save,
    CloseEditor,
    Undo,
    Redo,
    /// Editor: type a search; enter finds it, ctrl-n the next one.
    EditorSearch,
    EditorNextMatch,
    /// Any other key in the editor: text editing, handled by the textarea widget.
    #[serde(skip)]
    EditorKey(crossterm::event::KeyEvent),
    /// Measure the selected workspace again.
    Measure,
    /// Measure every workspace again.
    MeasureAll,
    /// In dialogs: go ahead.
    Confirm,
    /// In dialogs: close without doing anything.
    Cancel,
    /// Delete dialog: destroy the sessions that use the workspaces first.
    DestroySessions,
    /// Delete dialog: leave workspaces in use alone.
    SkipInUse,
    NextField,
    PrevField,
    ToggleField,
    /// Delete the character before the cursor in the text being typed.
    Backspace,
    /// A typed character for the filter line or a dialog's text field.
    #[serde(skip)]
    Input(char),
    /// Mouse click on a pane; `row` is the visible row under the pointer, if any.
    #[serde(skip)]
    Click {
        pane: Pane,
        row: Option<usize>,
    },
    #[serde(skip)]
    Scroll {
        pane: Pane,
        down: bool,
    },
    /// The terminal changed size or needs a full repaint.
    #[serde(skip)]
    Redraw,
    /// A report from the Docker task.
    #[serde(skip)]
    Docker(DockerEvent),
    /// The shell handoff returned.
    #[serde(skip)]
    ShellEnded(ShellOutcome),
    /// A report from the files task.
    #[serde(skip)]
    Fs(FsEvent),
    /// The loop finished drawing a frame; `input_seq` counts every input event that had
    /// arrived by then (applied or still queued). Arms the dialog on screen (see
    /// `State::dialog_drawn`).
    #[serde(skip)]
    FrameDrawn {
        input_seq: u64,
    },
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
