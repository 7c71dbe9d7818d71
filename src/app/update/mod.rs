//! `update`: the one place state changes. Pure: takes a message, mutates `State`, returns the
//! commands the loop must carry out. No IO, no env reads, no file-system checks, no awaiting,
//! no drawing: facts about the host come in as `State` fields set at start or as results.
//! Keys go to whatever has them (`State::layer`): the top overlay, else the screen.

use crate::action::Action;
use crate::app::dialog::Dialog;
use crate::app::msg::{Command, Layout, Msg};
use crate::app::screen::{Layer, Overlay};
use crate::app::state::{DetailState, Notice, NoticeLevel, Pane, State};
use crate::docker::DockerCmd;
use crate::domain::ids::RequestId;

mod confirm;
mod dialogs;
mod editor;
mod engine;
mod files;
mod files_reports;
mod filter;
mod logs;
mod marks;
mod panes;
mod sessions;
mod wording;

/// How long the keyboard must rest before a dialog that appeared under the operator's hands
/// takes a commit key: longer than a double press and a key's auto-repeat delay.
pub const DIALOG_SETTLE: jiff::SignedDuration = jiff::SignedDuration::from_millis(500);

/// Applies one message. Most callers (and tests) pass an `Action`: it is the key's message.
pub fn update(state: &mut State, msg: impl Into<Msg>) -> Vec<Command> {
    let msg = msg.into();
    if let Msg::Drawn(layout) = msg {
        drawn(state, layout);
        return Vec::new();
    }
    let by_operator = matches!(
        msg,
        Msg::Key(_) | Msg::Text(_) | Msg::EditorKey(_) | Msg::Mouse(_)
    );
    // Typing on while a dialog settles moves the moment it takes a commit key on.
    let settling = state
        .dialog_settles_until
        .is_some_and(|until| state.now < until);
    if by_operator && settling {
        state.dialog_settles_until = Some(settle_from(state.now));
    }
    // A dialog that opens, closes, changes or is covered must be drawn again before it can be
    // confirmed: the operator confirms what they saw, never what a key typed ahead produced.
    let top_before = state.overlays.top().cloned();
    let open_before = state.overlays.iter().count();
    let commands = route(state, msg);
    if state.overlays.top() != top_before.as_ref() {
        state.dialog_drawn = None;
        // Not opened by this key: popped up over what the operator was doing, or uncovered
        // by the key that closed the dialog above it.
        let uncovered = state.overlays.iter().count() < open_before;
        let unasked = state.dialog().is_some() && (uncovered || !by_operator);
        state.dialog_settles_until = unasked.then(|| settle_from(state.now));
    }
    settle_quit(state);
    commands
}

fn settle_from(now: jiff::Timestamp) -> jiff::Timestamp {
    now.checked_add(DIALOG_SETTLE).unwrap_or(now)
}

/// A frame is on screen: the top dialog it shows (if any) is armed from here on, and each
/// view pages by the rows it had. A frame that only said the terminal is too small showed
/// no dialog: it arms none (a dialog it hid must be shown by a frame before it confirms).
fn drawn(state: &mut State, layout: Layout) {
    if state.dialog().is_none() || layout.too_small {
        state.dialog_drawn = None;
    } else if state.dialog_drawn.is_none() {
        state.dialog_drawn = Some(layout.input_seq);
        state.dialog_drawn_at = state.now;
    }
    if let (Some(logs), Some(rows)) = (state.logs_mut(), layout.logs_page) {
        logs.page = rows;
    }
    if let (Some(files), Some(rows)) = (state.files_mut(), layout.files_page) {
        files.page = rows;
    }
    if let Some(rows) = layout.sessions_page {
        state.sessions.list.page = rows;
    }
    if let Some(rows) = layout.workspaces_page {
        state.workspaces.list.page = rows;
    }
}

/// The dialogs that ask what happens to unsaved edits.
fn asks_about_edits(dialog: &Dialog) -> bool {
    matches!(dialog, Dialog::UnsavedChanges | Dialog::SaveConflict { .. })
}

/// Quit asked with unsaved edits: quit once none are left and no save is in flight; give up
/// once no dialog asks about the edits any more while they are still unsaved (cancelled, or
/// the save failed).
fn settle_quit(state: &mut State) {
    if !state.quit_requested {
        return;
    }
    let (dirty, saving) = state
        .editor()
        .map_or((false, false), |e| (e.dirty, e.saving.is_some()));
    if saving {
        return;
    }
    if !dirty {
        state.quit = true;
    } else if !state.overlays.dialogs().any(asks_about_edits) {
        state.quit_requested = false;
    }
}

/// `q` / ctrl-c: quits at once unless an edit would be lost; then asks save / discard /
/// cancel over whatever has the keys (ctrl-c again brings that question to the front, never
/// quits and never asks twice).
fn quit(state: &mut State) {
    if state.unsaved_buffer().is_none() {
        state.quit = true;
        return;
    }
    state.quit_requested = true;
    if !state.overlays.raise(asks_about_edits) {
        state.open_dialog(Dialog::UnsavedChanges);
    }
}

fn route(state: &mut State, msg: Msg) -> Vec<Command> {
    let mut commands = Vec::new();
    match msg {
        // Reports are applied whatever has the keys.
        Msg::Docker(event) => commands.extend(engine::on_event(state, event)),
        Msg::Fs(event) => commands.extend(files_reports::on_event(state, event)),
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

/// A key, typed text or the mouse, for whatever has the keys: the top overlay, else the
/// screen (full-screen views share list keys with the panes, with other meanings).
fn on_input(state: &mut State, msg: Msg) -> Vec<Command> {
    match state.layer() {
        Layer::Help => {
            if msg == Msg::Key(Action::ToggleHelp) {
                state.overlays.close(&Overlay::Help);
            }
            Vec::new()
        }
        Layer::Filter => filter::on_input(state, msg),
        Layer::Dialog(_) => dialogs::on_input(state, msg),
        Layer::Editor => editor::on_input(state, msg),
        Layer::Files => files::on_input(state, msg),
        Layer::Logs => logs::on_input(state, msg),
        Layer::Panes(_) => panes::on_input(state, msg),
    }
}

/// A fresh request id: replies carrying an id no longer pending are dropped.
pub(super) fn next_req(state: &mut State) -> RequestId {
    let req = state.next_request;
    state.next_request = req.next();
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
mod tests_dialog_keys;
#[cfg(test)]
mod tests_files;
#[cfg(test)]
mod tests_keys;
#[cfg(test)]
mod tests_outcomes;
#[cfg(test)]
mod tests_overlays;
#[cfg(test)]
mod tests_purity;
#[cfg(test)]
mod tests_shell;
