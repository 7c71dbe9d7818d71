//! `Action`: what a key can mean, the vocabulary of the keymap (`assets/keymap.yaml` names
//! each variant in snake_case). A leaf: it imports no state, no Docker, no files and no terminal
//! types, so `config/` can parse bindings without knowing the app. Typed text, editor keys,
//! mouse, frames and background results are `app::msg::Msg`, never an `Action`.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    /// The help overlay: over the panes every context's keys, over a dialog that dialog's.
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
    /// Browser: list the directory again. Save conflict: load the file as it is on disk now
    /// (the edits are lost).
    Reload,
    /// Browser: name, then size, then modified order.
    CycleSort,
    /// Browser: stop the download or upload in progress.
    CancelTransfer,
    CloseFiles,
    /// Editor: write the file back (atomically; a conflict asks first). Unsaved-changes
    /// dialog: save, then close.
    Save,
    CloseEditor,
    Undo,
    Redo,
    /// Editor: type a search; enter finds it, ctrl-n the next one.
    EditorSearch,
    EditorNextMatch,
    /// Measure the selected workspace again.
    Measure,
    /// Measure every workspace again.
    MeasureAll,
    /// In dialogs: go ahead (yes).
    Confirm,
    /// In dialogs: close without doing anything (no).
    Cancel,
    /// Unsaved-changes dialog: drop the edits and close the editor.
    Discard,
    /// Save-conflict dialog: write the edits over the file as it changed on disk.
    Overwrite,
    /// Delete dialog: destroy the sessions that use the workspaces first.
    DestroySessions,
    /// Delete dialog: leave workspaces in use alone.
    SkipInUse,
    NextField,
    PrevField,
    ToggleField,
    /// Delete the character before the cursor in the text being typed.
    Backspace,
}
