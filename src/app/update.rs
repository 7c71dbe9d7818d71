//! `update`: the one place state changes. Pure: takes an action, mutates `State`, returns the
//! commands the loop must carry out. No IO, no awaiting, no drawing.

use crate::app::action::{Action, Command};
use crate::app::rows::{SessionColumn, WorkspaceColumn};
use crate::app::state::{DetailState, EngineStatus, Mode, Notice, NoticeLevel, Pane, State};
use crate::docker::{DockerCmd, DockerEvent, Inventory};

/// Rows one wheel notch moves.
const WHEEL_STEP: isize = 3;

pub fn update(state: &mut State, action: Action) -> Vec<Command> {
    match action {
        Action::Quit => state.quit = true,
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
        Action::FilterInput(c) => {
            let mut text = state.filter_of(state.focus).to_owned();
            text.push(c);
            set_focused_filter(state, text);
        }
        Action::FilterBackspace => {
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
        Action::SortByQuota => sort(state, None, Some(WorkspaceColumn::Quota)),
        Action::SortByUsers => sort(state, None, Some(WorkspaceColumn::Users)),
        Action::Click { pane, row } => {
            state.focus = pane;
            if let Some(row) = row {
                match pane {
                    Pane::Sessions => state.sessions.list.select(row),
                    Pane::Workspaces => state.workspaces.list.select(row),
                }
            }
        }
        Action::Scroll { pane, down } => {
            let step = if down { WHEEL_STEP } else { -WHEEL_STEP };
            match pane {
                Pane::Sessions => state.sessions.list.scroll(step),
                Pane::Workspaces => state.workspaces.list.scroll(step),
            }
        }
        Action::Redraw => {}
        Action::Docker(event) => on_docker_event(state, event),
    }
    request_detail_if_needed(state).into_iter().collect()
}

fn move_focused(state: &mut State, delta: isize) {
    with_focused_list(state, |l| l.move_by(delta), |l| l.move_by(delta));
}

fn with_focused_list(
    state: &mut State,
    on_sessions: impl FnOnce(&mut crate::app::list::ListView<crate::docker::Session>),
    on_workspaces: impl FnOnce(&mut crate::app::list::ListView<crate::docker::Workspace>),
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

fn notice(state: &mut State, level: NoticeLevel, text: impl Into<String>) {
    state.notice = Some(Notice {
        level,
        text: text.into(),
    });
}

fn on_docker_event(state: &mut State, event: DockerEvent) {
    match event {
        DockerEvent::Connecting { endpoint, attempt } => {
            // While down, keep saying why; the retry itself is not news.
            if attempt == 1 && !matches!(state.engine, EngineStatus::Unreachable { .. }) {
                state.engine = EngineStatus::Connecting { endpoint };
            }
        }
        DockerEvent::Connected(info) => {
            if matches!(state.engine, EngineStatus::Unreachable { .. }) {
                notice(
                    state,
                    NoticeLevel::Info,
                    format!("Reconnected to the engine at {}", info.endpoint),
                );
            }
            state.engine = EngineStatus::Connected(info);
        }
        DockerEvent::Unreachable {
            endpoint,
            reason,
            attempt,
            retry_in_ms,
        } => {
            state.stale = state.loaded;
            // Inspections in flight will never answer on this connection.
            state
                .sessions
                .details
                .retain(|_, d| !matches!(d, DetailState::Loading { .. }));
            state.engine = EngineStatus::Unreachable {
                endpoint,
                reason,
                attempt,
                retry_in_ms,
            };
        }
        DockerEvent::Inventory(inventory) => apply_inventory(state, inventory),
        DockerEvent::RefreshFailed(reason) => {
            notice(
                state,
                NoticeLevel::Error,
                format!("Refresh failed: {reason}"),
            );
        }
        DockerEvent::SessionDetail {
            req,
            container_id,
            result,
        } => {
            let Some(DetailState::Loading {
                req: pending,
                state: for_state,
            }) = state.sessions.details.get(&container_id)
            else {
                return; // not asked for any more
            };
            if *pending != req {
                return; // an older request; a newer one is on its way
            }
            let for_state = *for_state;
            let detail = match result {
                Ok(detail) => DetailState::Ready {
                    detail,
                    state: for_state,
                },
                Err(reason) => DetailState::Failed {
                    reason,
                    state: for_state,
                },
            };
            state.sessions.details.insert(container_id, detail);
        }
    }
}

fn apply_inventory(state: &mut State, inventory: Inventory) {
    let Inventory {
        sessions,
        workspaces,
    } = inventory;
    // Forget details of containers that are gone or changed state: limits can change on restart.
    state.sessions.details.retain(|id, detail| {
        sessions
            .iter()
            .any(|s| &s.container_id == id && s.state == detail.for_state())
    });
    state.sessions.list.set_rows(sessions);
    state.workspaces.list.set_rows(workspaces);
    state.loaded = true;
    state.stale = false;
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
    let req = state.next_request;
    state.next_request += 1;
    let container_id = session.container_id.clone();
    let session_state = session.state;
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
#[path = "update_tests.rs"]
mod tests;
