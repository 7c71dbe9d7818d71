//! Session actions: a shell (starting a stopped session first when the operator agrees; the
//! Docker task prepares it while the screen stays live, and only the answer still awaited takes
//! the terminal), the logs view, start/stop, destroy and new-session dialogs, and their reports.
//! Read-only mode refuses everything here but the logs. A session found gone refreshes the
//! inventory.

use super::engine::refresh_if;
use super::{next_req, notice, refuse_if_read_only, wording};
use crate::app::confirm::Confirm;
use crate::app::dialog::{Dialog, NewSession, StorageChoice};
use crate::app::logs::LogsView;
use crate::app::msg::Command;
use crate::app::screen::Screen;
use crate::app::state::{NoticeLevel, OpeningShell, Pane, State};
use crate::docker::DockerCmd;
use crate::docker::shell::PreparedShell;
use crate::domain::ids::{RequestId, short_container_id};
use crate::domain::outcome::{Failure, FailureKind};
use crate::domain::session::{
    CreatedSession, SessionChange, SessionSpec, SessionState, SessionStorage,
};
use crate::domain::shell::ShellTarget;
use crate::tui::handoff::ShellOutcome;

/// `enter`/`s`: a shell in the selected session, or in a new session on the selected workspace.
pub fn shell(state: &mut State) -> Vec<Command> {
    if refuse_if_read_only(state, "opening shells") {
        return Vec::new();
    }
    match state.focus {
        Pane::Sessions => {
            let Some(s) = state.selected_session() else {
                return Vec::new();
            };
            let target = ShellTarget {
                session: s.id.clone(),
                container: s.container_id.clone(),
                start_first: false,
            };
            if s.state == SessionState::Running {
                open_shell(state, target)
            } else {
                let req = next_req(state);
                state.open_dialog(Dialog::Confirm(Confirm::start_first(target, req)));
                Vec::new()
            }
        }
        Pane::Workspaces => {
            let Some(row) = state.selected_workspace() else {
                return Vec::new();
            };
            if row.ws.is_orphan() {
                notice(
                    state,
                    NoticeLevel::Error,
                    "An orphaned volume has no workspace id: open a shell on a workspace",
                );
                return Vec::new();
            }
            if !state.config.workspace_enabled {
                notice(
                    state,
                    NoticeLevel::Error,
                    "Workspace not enabled (workspace.enabled: false)",
                );
                return Vec::new();
            }
            let storage = SessionStorage::Existing(row.ws.id.clone());
            create(
                state,
                storage,
                state.sessions_config.default_image.clone(),
                true,
            )
        }
    }
}

fn create(state: &mut State, storage: SessionStorage, image: String, attach: bool) -> Vec<Command> {
    let req = next_req(state);
    let spec = SessionSpec {
        image,
        storage,
        defaults: state.sessions_config.defaults.clone(),
    };
    notice(
        state,
        NoticeLevel::Info,
        format!("Creating a session on {}…", spec.image),
    );
    vec![Command::Docker(DockerCmd::CreateSession {
        req,
        spec: Box::new(spec),
        attach,
    })]
}

pub fn open_logs(state: &mut State) -> Vec<Command> {
    if state.focus != Pane::Sessions {
        return Vec::new();
    }
    let Some(s) = state.selected_session() else {
        return Vec::new();
    };
    let (session, container_id) = (s.id.clone(), s.container_id.clone());
    let req = next_req(state);
    state.screen = Screen::Logs(LogsView::new(req, session, container_id.clone()));
    vec![Command::Docker(DockerCmd::FollowLogs { req, container_id })]
}

pub fn close_logs(state: &mut State) -> Vec<Command> {
    let Some(req) = state.logs().map(|l| l.req) else {
        return Vec::new();
    };
    state.screen = Screen::Panes;
    vec![Command::Docker(DockerCmd::StopLogs { req })]
}

pub fn start_stop(state: &mut State) -> Vec<Command> {
    if state.focus != Pane::Sessions || refuse_if_read_only(state, "starting and stopping") {
        return Vec::new();
    }
    let Some(s) = state.selected_session() else {
        return Vec::new();
    };
    let run = s.state != SessionState::Running;
    let (container_id, id) = (s.container_id.clone(), s.id.clone());
    let req = next_req(state);
    let verb = if run { "Starting" } else { "Stopping" };
    notice(state, NoticeLevel::Info, format!("{verb} session {id}…"));
    vec![Command::Docker(DockerCmd::SetRunning {
        req,
        container_id,
        run,
    })]
}

pub fn open_destroy(state: &mut State) {
    if refuse_if_read_only(state, "destroying sessions") {
        return;
    }
    let Some(s) = state.selected_session().cloned() else {
        return;
    };
    let req = next_req(state);
    state.open_dialog(Dialog::Confirm(Confirm::destroy_session(&s, req)));
}

pub fn open_new_session(state: &mut State) {
    if refuse_if_read_only(state, "creating sessions") {
        return;
    }
    let workspaces: Vec<String> = state
        .workspaces
        .list
        .rows()
        .iter()
        .filter(|r| !r.ws.is_orphan())
        .map(|r| r.ws.id.clone())
        .collect();
    let enabled = state.config.workspace_enabled;
    let storage = if enabled && state.sessions_config.persist_by_default {
        StorageChoice::New
    } else {
        StorageChoice::Ephemeral
    };
    let dialog = NewSession {
        images: state.sessions_config.images.clone(),
        image: 0,
        storage,
        workspaces,
        existing: 0,
        new_id: String::new(),
        focus: 0,
        workspaces_enabled: enabled,
        error: None,
    };
    state.open_dialog(Dialog::NewSession(dialog));
}

/// The new-session dialog confirmed: create (and attach), or say what is wrong.
pub fn confirm_new_session(state: &mut State, d: &mut NewSession) -> Option<Vec<Command>> {
    match d.storage() {
        Ok(storage) => {
            let image = d.images.get(d.image).cloned().unwrap_or_default();
            Some(create(state, storage, image, true))
        }
        Err(e) => {
            d.error = Some(e);
            None
        }
    }
}

pub fn on_created(
    state: &mut State,
    result: Result<CreatedSession, Failure>,
    attach: bool,
) -> Vec<Command> {
    match result {
        Ok(created) => {
            let storage = match &created.workspace_id {
                Some(ws) => format!("workspace {ws}"),
                None => format!("ephemeral storage {}", created.volume),
            };
            notice(
                state,
                NoticeLevel::Info,
                format!("Created session {} on {storage}", created.id),
            );
            // Never pull the terminal from under an editor, a dialog or a view.
            if attach && !state.on_panes() {
                notice(
                    state,
                    NoticeLevel::Info,
                    format!(
                        "Created session {}: enter on it opens its shell",
                        created.id
                    ),
                );
            } else if attach {
                let target = ShellTarget {
                    session: created.id,
                    container: created.container_id,
                    start_first: false,
                };
                return open_shell(state, target);
            }
        }
        Err(why) => {
            // The workspace it was to use is gone meanwhile.
            let gone = why.kind == FailureKind::NotFound;
            notice(
                state,
                NoticeLevel::Error,
                wording::failed("Creating the session failed", &why),
            );
            return refresh_if(gone);
        }
    }
    Vec::new()
}

/// A start, stop or destroy of `container_id` finished: said with the session's id while the
/// list still has it.
pub fn on_changed(
    state: &mut State,
    container_id: &str,
    result: Result<SessionChange, Failure>,
) -> Vec<Command> {
    let session = state
        .sessions
        .list
        .rows()
        .iter()
        .find(|s| s.container_id == container_id)
        .map_or_else(
            || short_container_id(container_id).to_owned(),
            |s| s.id.clone(),
        );
    match result {
        Ok(SessionChange::Started) => {
            notice(
                state,
                NoticeLevel::Info,
                format!("Started session {session}"),
            );
        }
        Ok(SessionChange::Stopped) => {
            notice(
                state,
                NoticeLevel::Info,
                format!("Stopped session {session}"),
            );
        }
        Ok(SessionChange::Destroyed(d)) => {
            let mut text = format!("Destroyed session {}", d.session_id);
            if let Some(v) = d.removed_volume {
                text.push_str(&format!(" and its storage {v}"));
            }
            if let Some(w) = d.kept_workspace {
                text.push_str(&format!("; workspace {w} stays"));
            }
            notice(state, NoticeLevel::Info, text);
        }
        Err(why) => {
            let gone = why.kind == FailureKind::NotFound;
            let what = format!("Session {session}");
            notice(state, NoticeLevel::Error, wording::failed(&what, &why));
            return refresh_if(gone);
        }
    }
    Vec::new()
}

/// Asks the Docker task to prepare a shell for `target` (start the session if asked, find its
/// shell, create the exec); the screen stays live meanwhile. A shell asked for while another is
/// still being prepared replaces it: the latest request wins, the older answer is stale.
pub fn open_shell(state: &mut State, target: ShellTarget) -> Vec<Command> {
    let req = next_req(state);
    awaiting_shell(state, req, &target);
    vec![Command::Docker(DockerCmd::PrepareShell { req, target })]
}

/// The shell asked for under `req` is the one awaited now (the start-first question sends its
/// request on yes); the status bar says so meanwhile.
pub fn awaiting_shell(state: &mut State, req: RequestId, target: &ShellTarget) {
    let text = if target.start_first {
        format!("Starting {} and opening a shell in it…", target.session)
    } else {
        format!("Opening a shell in {}…", target.session)
    };
    notice(state, NoticeLevel::Info, text);
    state.sessions.opening_shell = Some(OpeningShell {
        req,
        session: target.session.clone(),
    });
}

/// The Docker task's answer to [`open_shell`]. Only the answer still awaited may take the
/// terminal, and only from the panes: over a view, a dialog or help the operator has moved on,
/// and the shell is not opened under their hands. A prepared shell not opened never ran, but
/// its clean-up is sent all the same: whatever is prepared is always ended.
pub fn on_shell_prepared(
    state: &mut State,
    req: RequestId,
    result: Result<PreparedShell, Failure>,
) -> Vec<Command> {
    let awaited = state
        .sessions
        .opening_shell
        .take_if(|opening| opening.req == req);
    let Some(opening) = awaited else {
        // Replaced by a newer request, or the engine went away meanwhile: dropped.
        return result.ok().map(end_unopened).into_iter().collect();
    };
    match result {
        Ok(shell) if state.on_panes() => vec![Command::Shell(shell)],
        Ok(shell) => {
            notice(
                state,
                NoticeLevel::Info,
                format!(
                    "The shell in {} was not opened over this view: enter on the session opens it",
                    shell.session
                ),
            );
            vec![end_unopened(shell)]
        }
        Err(why) => {
            let gone = why.kind == FailureKind::NotFound;
            let what = format!("Shell in {}", opening.session);
            notice(state, NoticeLevel::Error, wording::failed(&what, &why));
            refresh_if(gone)
        }
    }
}

/// The engine went away: a shell being prepared will never be answered on that connection.
pub fn on_engine_lost(state: &mut State) {
    if let Some(opening) = state.sessions.opening_shell.take() {
        notice(
            state,
            NoticeLevel::Error,
            format!(
                "Shell in {}: the engine went away while it was being prepared",
                opening.session
            ),
        );
    }
}

fn end_unopened(shell: PreparedShell) -> Command {
    Command::Docker(DockerCmd::EndShell(shell.cleanup()))
}

pub fn on_shell_ended(state: &mut State, outcome: ShellOutcome) {
    match outcome {
        ShellOutcome::Exited { session, code } => {
            let code = code.map(|c| format!(" (exit {c})")).unwrap_or_default();
            notice(
                state,
                NoticeLevel::Info,
                format!("Shell in {session} ended{code}"),
            );
        }
        ShellOutcome::Detached { session } => {
            notice(state, NoticeLevel::Info, format!("Detached from {session}"));
        }
        ShellOutcome::Failed { session, reason } => {
            notice(
                state,
                NoticeLevel::Error,
                format!("Shell in {session}: {reason}"),
            );
        }
        // The loop ends the program after these; nothing is left to show.
        ShellOutcome::Hangup { .. } | ShellOutcome::Terminated { .. } => {}
    }
}
