//! `update`: the one place state changes. Pure: takes a message, mutates `State`, returns the
//! commands the loop must carry out. No IO, no env reads, no awaiting, no drawing.

use crate::action::Action;
use crate::app::dialog::Dialog;
use crate::app::msg::{Command, Layout, MouseMsg, Msg};
use crate::app::rows::{SessionColumn, WorkspaceColumn};
use crate::app::state::{DetailState, Mode, Notice, NoticeLevel, Pane, State};
use crate::docker::DockerCmd;

/// Rows one wheel notch moves.
const WHEEL_STEP: isize = 3;

mod dialogs;
mod editor;
mod engine;
mod files;
mod logs;
mod marks;
mod sessions;

/// Applies one message. Most callers (and tests) pass an `Action`: it is the key's message.
pub fn update(state: &mut State, msg: impl Into<Msg>) -> Vec<Command> {
    let msg = msg.into();
    if let Msg::Drawn(layout) = msg {
        drawn(state, layout);
        return Vec::new();
    }
    // A dialog that opens, closes or changes must be drawn again before it can be confirmed:
    // the operator confirms what they saw, never what a key typed ahead produced.
    let dialog_before = state.dialog.clone();
    let commands = route(state, msg);
    if state.dialog != dialog_before {
        state.dialog_drawn = None;
    }
    settle_quit(state);
    commands
}

/// A frame is on screen: the dialog it shows (if any) is armed from here on, and each view
/// pages by the rows it had.
fn drawn(state: &mut State, layout: Layout) {
    if state.dialog.is_none() {
        state.dialog_drawn = None;
    } else if state.dialog_drawn.is_none() {
        state.dialog_drawn = Some(layout.input_seq);
    }
    if let (Some(logs), Some(rows)) = (state.logs.as_mut(), layout.logs_page) {
        logs.page = rows;
    }
    if let (Some(files), Some(rows)) = (state.files.as_mut(), layout.files_page) {
        files.page = rows;
    }
    if let Some(rows) = layout.sessions_page {
        state.sessions.list.page = rows;
    }
    if let Some(rows) = layout.workspaces_page {
        state.workspaces.list.page = rows;
    }
}

/// Quit asked with unsaved edits: quit once none are left and no save is in flight; give up
/// once the operator is back in the editor with the edits still unsaved (cancelled, or the
/// save failed).
fn settle_quit(state: &mut State) {
    if !state.quit_requested {
        return;
    }
    let (dirty, saving) = state
        .editor
        .as_ref()
        .map_or((false, false), |e| (e.dirty, e.saving.is_some()));
    if saving {
        return;
    }
    if !dirty {
        state.quit = true;
    } else if state.dialog.is_none() {
        state.quit_requested = false;
    }
}

/// `q` / ctrl-c: quits at once unless an edit would be lost; then asks save / discard /
/// cancel, whatever has the keys (ctrl-c inside that dialog asks again, never quits).
fn quit(state: &mut State) {
    if state.unsaved_buffer().is_none() {
        state.quit = true;
        return;
    }
    state.quit_requested = true;
    if !matches!(
        state.dialog,
        Some(Dialog::UnsavedChanges | Dialog::SaveConflict { .. })
    ) {
        state.dialog = Some(Dialog::UnsavedChanges);
        state.mode = Mode::Dialog;
    }
}

fn route(state: &mut State, msg: Msg) -> Vec<Command> {
    let mut commands = Vec::new();
    match msg {
        // Reports are applied whatever has the keys.
        Msg::Docker(event) => commands.extend(engine::on_event(state, event)),
        Msg::Fs(event) => commands.extend(files::on_event(state, event)),
        Msg::Shell(outcome) => sessions::on_shell_ended(state, outcome),
        Msg::Redraw | Msg::Drawn(_) => {}
        Msg::Key(Action::Quit) => quit(state),
        input => {
            // A notice stays until the operator's next key: read, then gone.
            state.notice = None;
            commands.extend(on_input(state, input));
        }
    }
    commands.extend(request_detail_if_needed(state));
    commands
}

/// A key, typed text or the mouse, for whatever has the keys.
fn on_input(state: &mut State, msg: Msg) -> Vec<Command> {
    // Full-screen views take their keys first (they share list keys with other meanings).
    match state.mode {
        Mode::Logs | Mode::LogsSearch => return logs::on_action(state, msg),
        Mode::Files | Mode::FilesFilter => return files::on_action(state, msg),
        Mode::Editor => return editor::on_action(state, msg),
        Mode::Dialog => return dialogs::on_action(state, msg),
        Mode::Normal | Mode::Filter | Mode::Help => {}
    }
    match msg {
        Msg::Key(action) => on_action(state, action),
        Msg::Text(c) if state.mode == Mode::Filter => {
            let mut text = state.filter_of(state.focus).to_owned();
            text.push(c);
            set_focused_filter(state, text);
            Vec::new()
        }
        Msg::Mouse(mouse) => {
            on_mouse(state, mouse);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn on_mouse(state: &mut State, mouse: MouseMsg) {
    match mouse {
        MouseMsg::Click { pane, row } => {
            state.focus = pane;
            if let Some(row) = row {
                match pane {
                    Pane::Sessions => state.sessions.list.select(row),
                    Pane::Workspaces => state.workspaces.list.select(row),
                }
            }
        }
        MouseMsg::Scroll { pane, down } => {
            let step = if down { WHEEL_STEP } else { -WHEEL_STEP };
            match pane {
                Pane::Sessions => state.sessions.list.scroll(step),
                Pane::Workspaces => state.workspaces.list.scroll(step),
            }
        }
    }
}

/// The panes' keys (and the filter line's and help's, until they have their own layer).
fn on_action(state: &mut State, action: Action) -> Vec<Command> {
    let mut commands = Vec::new();
    match action {
        Action::Quit => quit(state),
        Action::ToggleHelp => {
            state.mode = match state.mode {
                Mode::Help => Mode::Normal,
                _ => Mode::Help,
            }
        }
        Action::FocusNext | Action::FocusPrev => {
            state.focus = match state.focus {
                Pane::Sessions => Pane::Workspaces,
                Pane::Workspaces => Pane::Sessions,
            }
        }
        Action::FocusSessions => state.focus = Pane::Sessions,
        Action::FocusWorkspaces => state.focus = Pane::Workspaces,
        Action::SelectNext => move_focused(state, 1),
        Action::SelectPrev => move_focused(state, -1),
        Action::PageDown => with_focused_list(state, |l| l.page_down(), |l| l.page_down()),
        Action::PageUp => with_focused_list(state, |l| l.page_up(), |l| l.page_up()),
        Action::SelectFirst => with_focused_list(state, |l| l.first(), |l| l.first()),
        Action::SelectLast => with_focused_list(state, |l| l.last(), |l| l.last()),
        Action::StartFilter => state.mode = Mode::Filter,
        Action::ClearFilter => set_focused_filter(state, String::new()),
        Action::Backspace if state.mode == Mode::Filter => {
            let mut text = state.filter_of(state.focus).to_owned();
            text.pop();
            set_focused_filter(state, text);
        }
        Action::FilterAccept => state.mode = Mode::Normal,
        Action::FilterCancel => {
            set_focused_filter(state, String::new());
            state.mode = Mode::Normal;
        }
        Action::SortById => sort(state, Some(SessionColumn::Id), Some(WorkspaceColumn::Id)),
        Action::SortByName => sort(
            state,
            Some(SessionColumn::Container),
            Some(WorkspaceColumn::Volume),
        ),
        Action::SortByState => sort(state, Some(SessionColumn::State), None),
        Action::SortByImage => sort(state, Some(SessionColumn::Image), None),
        Action::SortByAge => sort(state, Some(SessionColumn::Age), Some(WorkspaceColumn::Age)),
        Action::SortByWorkspace => sort(state, Some(SessionColumn::Workspace), None),
        Action::SortBySize => sort(state, None, Some(WorkspaceColumn::Size)),
        Action::SortByModified => sort(state, None, Some(WorkspaceColumn::Modified)),
        Action::SortByQuota => sort(state, None, Some(WorkspaceColumn::Quota)),
        Action::SortByUsers => sort(state, None, Some(WorkspaceColumn::Users)),
        Action::ToggleMark => marks::toggle(state),
        Action::MarkRange => marks::range(state),
        Action::MarkAll => marks::all(state),
        Action::ClearMarks => marks::clear(state),
        Action::Measure => {
            let volume = state.selected_workspace().map(|r| r.ws.volume.clone());
            commands.extend(engine::measure(state, volume.into_iter().collect()));
        }
        Action::MeasureAll => {
            let all = state
                .workspaces
                .list
                .rows()
                .iter()
                .map(|r| r.ws.volume.clone())
                .collect();
            commands.extend(engine::measure(state, all));
        }
        Action::Delete if state.focus == Pane::Sessions => sessions::open_destroy(state),
        Action::Delete => dialogs::open_delete(state),
        Action::Shell => commands.extend(sessions::shell(state)),
        Action::Logs => commands.extend(sessions::open_logs(state)),
        Action::StartStop => commands.extend(sessions::start_stop(state)),
        Action::NewSession => sessions::open_new_session(state),
        Action::OpenFiles => commands.extend(files::open(state)),
        Action::OpenPlanner => dialogs::open_planner(state),
        Action::NewWorkspace => dialogs::open_new_workspace(state),
        // Keys of the views and dialogs: they have the keys while open, never the panes.
        Action::OpenEntry
        | Action::GoUp
        | Action::ToggleHidden
        | Action::NewFile
        | Action::NewDirectory
        | Action::Rename
        | Action::Download
        | Action::Upload
        | Action::Reload
        | Action::CycleSort
        | Action::CancelTransfer
        | Action::CloseFiles
        | Action::Save
        | Action::CloseEditor
        | Action::Undo
        | Action::Redo
        | Action::EditorSearch
        | Action::EditorNextMatch
        | Action::ToggleFollow
        | Action::NextMatch
        | Action::CloseLogs
        | Action::Detach
        | Action::Confirm
        | Action::Cancel
        | Action::DestroySessions
        | Action::SkipInUse
        | Action::NextField
        | Action::PrevField
        | Action::ToggleField
        | Action::PrevChoice
        | Action::NextChoice
        | Action::Backspace => {}
    }
    commands
}

fn move_focused(state: &mut State, delta: isize) {
    with_focused_list(state, |l| l.move_by(delta), |l| l.move_by(delta));
}

fn with_focused_list(
    state: &mut State,
    on_sessions: impl FnOnce(&mut crate::app::list::ListView<crate::docker::Session>),
    on_workspaces: impl FnOnce(&mut crate::app::list::ListView<crate::app::workspace_row::WorkspaceRow>),
) {
    match state.focus {
        Pane::Sessions => on_sessions(&mut state.sessions.list),
        Pane::Workspaces => on_workspaces(&mut state.workspaces.list),
    }
}

fn set_focused_filter(state: &mut State, text: String) {
    with_focused_list(state, |l| l.set_filter(&text), |l| l.set_filter(&text));
}

/// Sort keys are per pane; a key the focused pane has no column for does nothing.
fn sort(state: &mut State, session: Option<SessionColumn>, workspace: Option<WorkspaceColumn>) {
    match state.focus {
        Pane::Sessions => {
            if let Some(c) = session {
                state.sessions.list.sort_by(c);
            }
        }
        Pane::Workspaces => {
            if let Some(c) = workspace {
                state.workspaces.list.sort_by(c);
            }
        }
    }
}

/// A fresh request id: replies carrying an id no longer pending are dropped.
pub(super) fn next_req(state: &mut State) -> u64 {
    let req = state.next_request;
    state.next_request += 1;
    req
}

/// In read-only mode, says so and returns true: the caller does nothing.
pub(super) fn refuse_if_read_only(state: &mut State, what: &str) -> bool {
    if state.config.read_only {
        notice(
            state,
            NoticeLevel::Error,
            format!("Read-only mode: {what} is turned off"),
        );
    }
    state.config.read_only
}

pub(super) fn notice(state: &mut State, level: NoticeLevel, text: impl Into<String>) {
    state.notice = Some(Notice {
        level,
        text: text.into(),
    });
}

/// Asks for the selected session's details when the detail pane would show them and they are
/// missing or stale.
fn request_detail_if_needed(state: &mut State) -> Option<Command> {
    if state.focus != Pane::Sessions || !state.engine.is_connected() {
        return None;
    }
    let session = state.sessions.list.selected()?;
    let fresh = state
        .sessions
        .details
        .get(&session.container_id)
        .is_some_and(|d| d.for_state() == session.state);
    if fresh {
        return None;
    }
    let container_id = session.container_id.clone();
    let session_state = session.state;
    let req = next_req(state);
    state.sessions.details.insert(
        container_id.clone(),
        DetailState::Loading {
            req,
            state: session_state,
        },
    );
    Some(Command::Docker(DockerCmd::InspectSession {
        req,
        container_id,
    }))
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_cleanup;
#[cfg(test)]
mod tests_files;
#[cfg(test)]
mod tests_keys;
