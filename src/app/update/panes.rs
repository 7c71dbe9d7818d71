//! The panes' keys and the mouse: focus, moving and paging, sorting, marks, and the actions
//! on the selected session or workspace (each opens its dialog or view, or asks for work).
//! Only reached while the panes have the keys (no view, no overlay).

use super::{dialogs, engine, files, marks, sessions};
use crate::action::Action;
use crate::app::msg::{Command, MouseMsg, Msg};
use crate::app::rows::{SessionColumn, WorkspaceColumn};
use crate::app::state::{Pane, State};

/// Rows one wheel notch moves.
const WHEEL_STEP: isize = 3;

pub fn on_input(state: &mut State, msg: Msg) -> Vec<Command> {
    match msg {
        Msg::Key(action) => on_action(state, action),
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

fn on_action(state: &mut State, action: Action) -> Vec<Command> {
    let mut commands = Vec::new();
    match action {
        Action::Quit => super::quit(state),
        Action::ToggleHelp => state.overlays.open_help(),
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
        Action::StartFilter => state.overlays.open_filter(),
        Action::ClearFilter => set_focused_filter(state, String::new()),
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
        // Keys of the filter line, the views and the dialogs: never the panes'.
        Action::FilterAccept
        | Action::FilterCancel
        | Action::OpenEntry
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
        | Action::Discard
        | Action::Overwrite
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
    on_sessions: impl FnOnce(&mut crate::app::list::ListView<crate::domain::session::Session>),
    on_workspaces: impl FnOnce(&mut crate::app::list::ListView<crate::app::workspace_row::WorkspaceRow>),
) {
    match state.focus {
        Pane::Sessions => on_sessions(&mut state.sessions.list),
        Pane::Workspaces => on_workspaces(&mut state.workspaces.list),
    }
}

pub(super) fn set_focused_filter(state: &mut State, text: String) {
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
