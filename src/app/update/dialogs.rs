//! Opening and driving dialogs: delete (with the in-use choice and typed confirmation), the
//! cleanup planner, and a new workspace's id; the actions of whichever dialog is on top of the
//! overlay stack (the others wait under it, untouched). Every key a dialog reacts to arrives
//! as an `Action` from its keymap context; only what is typed into a text field arrives as
//! text. Refusals (read-only, workspaces disabled) become notices instead of dialogs.

use super::{next_req, notice, refuse_if_read_only};
use crate::action::Action;
use crate::app::dialog::{
    DeleteDialog, DeleteItem, Dialog, FilePrompt, InUseChoice, NewSession, PLANNER_FIELDS, Planner,
    StorageChoice, TextPrompt,
};
use crate::app::msg::Command;
use crate::app::msg::Msg::{self, Key, Text};
use crate::app::state::{DeleteProgress, NoticeLevel, Pane, State};
use crate::cleanup::{Pick, Plan, Rule};
use crate::docker::DockerCmd;
use crate::docker::delete::DeleteTarget;
use crate::domain::ids::validate_workspace_id;
use crate::domain::workspace::WorkspaceKind;

/// The delete dialog for these volumes, picked by `rule` (the planner) or by hand; persistent
/// workspaces are left out when workspaces are disabled in the configuration.
fn open_delete_for(state: &mut State, volumes: Vec<String>, rule: Option<Rule>) {
    if refuse_if_read_only(state, "deleting") {
        return;
    }
    if state.workspaces.deleting.is_some() {
        notice(state, NoticeLevel::Error, "A deletion is still running");
        return;
    }
    let sessions = state.sessions.list.rows();
    let enabled = state.config.workspace_enabled;
    let items: Vec<DeleteItem> = volumes
        .iter()
        .filter_map(|v| {
            state
                .workspaces
                .list
                .rows()
                .iter()
                .find(|r| &r.ws.volume == v)
        })
        .filter(|r| enabled || r.ws.kind == WorkspaceKind::OrphanEphemeral)
        .map(|r| DeleteItem::from_row(r, sessions))
        .collect();
    if items.is_empty() {
        let why = if enabled {
            "Nothing to delete"
        } else {
            "Workspace not enabled: only orphaned volumes can be deleted"
        };
        notice(state, NoticeLevel::Error, why);
        return;
    }
    state.open_dialog(Dialog::Delete(DeleteDialog::new(items, rule)));
}

/// `d`: the marked workspaces, or the selected one when none is marked.
pub fn open_delete(state: &mut State) {
    if state.focus != Pane::Workspaces {
        return;
    }
    let volumes: Vec<String> = if state.workspaces.marked.is_empty() {
        state
            .selected_workspace()
            .map(|r| r.ws.volume.clone())
            .into_iter()
            .collect()
    } else {
        state.workspaces.marked.iter().cloned().collect()
    };
    open_delete_for(state, volumes, None);
}

pub fn open_planner(state: &mut State) {
    if state.focus != Pane::Workspaces {
        return;
    }
    state.open_dialog(Dialog::Planner(Planner { focus: 0 }));
    recompute_preview(state);
}

pub fn open_new_workspace(state: &mut State) {
    if refuse_if_read_only(state, "creating workspaces") {
        return;
    }
    if !state.config.workspace_enabled {
        notice(
            state,
            NoticeLevel::Error,
            "Workspace not enabled (workspace.enabled: false)",
        );
        return;
    }
    state.open_dialog(Dialog::NewWorkspace(TextPrompt {
        text: String::new(),
        error: None,
    }));
}

/// What the planner's rule selects now. No rule selects nothing (never "everything").
pub fn recompute_preview(state: &mut State) {
    let fields = &state.workspaces.planner;
    state.workspaces.preview = if fields.is_empty() {
        None
    } else {
        Some(fields.rule().and_then(|rule| {
            if rule.is_empty() {
                return Err("choose at least one criterion".to_owned());
            }
            let rows = state.workspaces.list.rows();
            Ok(Plan::build(
                &rule,
                rows.iter().map(|r| (&r.ws, r.measurement.as_ref())),
                state.now,
            ))
        }))
    };
}

/// Whether `action` in `dialog` commits something that cannot be undone: a destructive
/// question's yes (destroying a session, deleting a file), deleting workspaces (and the
/// planner's step to that dialog), overwriting a file changed on disk, discarding edits
/// (discard, or reload over them). Keyed on the action, whichever key the keymap gives it.
fn commits_destruction(dialog: &Dialog, action: Action) -> bool {
    match dialog {
        Dialog::Confirm(c) => c.destructive && action == Action::Confirm,
        Dialog::Delete(_) | Dialog::Planner(_) => action == Action::Confirm,
        Dialog::SaveConflict { .. } => matches!(action, Action::Overwrite | Action::Reload),
        Dialog::UnsavedChanges => action == Action::Discard,
        Dialog::NewWorkspace(_)
        | Dialog::Report(_)
        | Dialog::NewSession(_)
        | Dialog::FilePrompt(_) => false,
    }
}

/// Keys for the top dialog. It is taken out while it acts (its actions need the whole
/// state) and put back in its place unless it closed: whatever it opened stays above it.
pub fn on_input(state: &mut State, msg: Msg) -> Vec<Command> {
    if msg == Key(Action::ToggleHelp) {
        // The dialog's own keys, over it; closing help shows it again (to be seen anew).
        state.overlays.open_help();
        return Vec::new();
    }
    let Some((at, dialog)) = state.overlays.take_dialog() else {
        return Vec::new();
    };
    // One rule for every destructive dialog: its commit key counts only if it arrived after
    // the dialog, as it stands, was on screen. A key typed ahead is dropped; the dialog stays.
    if let Key(action) = msg
        && commits_destruction(&dialog, action)
        && !state.dialog_armed()
    {
        state.overlays.put_back(at, dialog);
        return Vec::new();
    }
    let (dialog, commands) = match dialog {
        Dialog::Confirm(c) => super::confirm::on_input(state, c, msg),
        Dialog::Delete(d) => delete_action(state, d, msg),
        Dialog::Planner(p) => planner_action(state, p, msg),
        Dialog::NewWorkspace(p) => new_workspace_action(state, p, msg),
        Dialog::Report(r) => match msg {
            Key(Action::Confirm | Action::Cancel) => (None, Vec::new()),
            _ => (Some(Dialog::Report(r)), Vec::new()),
        },
        Dialog::NewSession(d) => new_session_action(state, d, msg),
        Dialog::FilePrompt(p) => file_prompt_action(state, p, msg),
        Dialog::UnsavedChanges => match msg {
            Key(Action::Save) => {
                if let Some(editor) = state.editor_mut() {
                    editor.close_after_save = true;
                }
                (None, super::editor::save(state, true))
            }
            Key(Action::Discard) => (None, super::editor::close(state)),
            Key(Action::Cancel) => (None, Vec::new()),
            _ => (Some(Dialog::UnsavedChanges), Vec::new()),
        },
        Dialog::SaveConflict { message } => match msg {
            Key(Action::Overwrite) => (None, super::editor::save(state, false)),
            Key(Action::Reload) => {
                // Reloading drops the edits to look at the file anew: not a way to quit.
                state.quit_requested = false;
                (None, super::editor::reload(state))
            }
            Key(Action::Cancel) => (None, Vec::new()),
            _ => (Some(Dialog::SaveConflict { message }), Vec::new()),
        },
    };
    if let Some(dialog) = dialog {
        state.overlays.put_back(at, dialog);
    }
    commands
}

/// The dialog to put back (`None`: it closed) and the commands its action asks for.
pub(super) type Outcome = (Option<Dialog>, Vec<Command>);

fn delete_action(state: &mut State, mut d: DeleteDialog, msg: Msg) -> Outcome {
    let choose = |d: &mut DeleteDialog, choice| {
        d.in_use = choice;
        d.typed.clear();
    };
    match msg {
        Key(Action::Cancel) => return (None, Vec::new()),
        Key(Action::DestroySessions) => choose(&mut d, InUseChoice::DestroySessions),
        Key(Action::SkipInUse) => choose(&mut d, InUseChoice::Skip),
        Text(c) if c.is_ascii_digit() && d.needs_typed_count() => d.typed.push(c),
        Key(Action::Backspace) => {
            d.typed.pop();
        }
        Key(Action::Confirm) if d.can_confirm() => {
            return (None, start_delete(state, &d));
        }
        _ => {}
    }
    (Some(Dialog::Delete(d)), Vec::new())
}

fn start_delete(state: &mut State, d: &DeleteDialog) -> Vec<Command> {
    let req = next_req(state);
    let destroy_sessions = d.sessions_to_destroy();
    let volumes: Vec<DeleteTarget> = d
        .to_delete()
        .map(|i| DeleteTarget {
            volume: i.volume.clone(),
            pick: d.rule.clone().map_or(Pick::ByHand, Pick::Rule),
        })
        .collect();
    let names: Vec<String> = volumes.iter().map(|t| t.volume.clone()).collect();
    state.workspaces.deleting = Some(DeleteProgress::new(req, &destroy_sessions, &names));
    vec![Command::Docker(DockerCmd::Delete {
        req,
        destroy_sessions,
        volumes,
    })]
}

fn planner_action(state: &mut State, mut p: Planner, msg: Msg) -> Outcome {
    let fields = &mut state.workspaces.planner;
    match msg {
        Key(Action::Cancel) => return (None, Vec::new()),
        Key(Action::NextField) => p.focus = (p.focus + 1) % PLANNER_FIELDS,
        Key(Action::PrevField) => p.focus = (p.focus + PLANNER_FIELDS - 1) % PLANNER_FIELDS,
        Key(Action::ToggleField) => fields.toggle(p.focus),
        Text(c) => {
            if let Some(text) = fields.text_mut(p.focus) {
                text.push(c);
            }
        }
        Key(Action::Backspace) => {
            if let Some(text) = fields.text_mut(p.focus) {
                text.pop();
            }
        }
        Key(Action::Confirm) => {
            let volumes = match &state.workspaces.preview {
                Some(Ok(plan)) if !plan.delete.is_empty() => plan.volumes(),
                _ => return (Some(Dialog::Planner(p)), Vec::new()),
            };
            // The delete dialog takes over: exactly the previewed set, confirmed again there,
            // and the rule goes along so each pick is re-checked right before its removal.
            // Without a rule that parses there is nothing to re-check the picks against: they
            // must never pass as picked by hand.
            let Ok(rule) = state.workspaces.planner.rule() else {
                return (Some(Dialog::Planner(p)), Vec::new());
            };
            open_delete_for(state, volumes, Some(rule));
            return (None, Vec::new());
        }
        _ => {}
    }
    recompute_preview(state);
    (Some(Dialog::Planner(p)), Vec::new())
}

/// Typing into a dialog's text field: a character (space included: the prompts leave it
/// unbound, so that a validator can say a space is wrong) or backspace. Returns whether the
/// message was one of those.
fn edit_text(text: &mut String, msg: &Msg) -> bool {
    match msg {
        Text(c) => text.push(*c),
        Key(Action::Backspace) => {
            text.pop();
        }
        _ => return false,
    }
    true
}

fn new_workspace_action(state: &mut State, mut p: TextPrompt, msg: Msg) -> Outcome {
    match msg {
        Key(Action::Cancel) => return (None, Vec::new()),
        Key(Action::Confirm) if validate_workspace_id(&p.text).is_ok() => {
            let req = next_req(state);
            state.workspaces.creating = Some(req);
            let id = p.text.clone();
            return (
                None,
                vec![Command::Docker(DockerCmd::CreateWorkspace { req, id })],
            );
        }
        _ => {}
    }
    edit_text(&mut p.text, &msg);
    p.error = if p.text.is_empty() {
        None
    } else {
        validate_workspace_id(&p.text).err()
    };
    (Some(Dialog::NewWorkspace(p)), Vec::new())
}

fn new_session_action(state: &mut State, mut d: NewSession, msg: Msg) -> Outcome {
    d.error = None;
    let typing_id = d.focus == 2 && d.storage == StorageChoice::New;
    match msg {
        Key(Action::Cancel) => return (None, Vec::new()),
        Key(Action::NextField) => d.focus = (d.focus + 1) % NewSession::FIELDS,
        Key(Action::PrevField) => d.focus = (d.focus + NewSession::FIELDS - 1) % NewSession::FIELDS,
        Key(Action::NextChoice) => d.cycle(1),
        Key(Action::PrevChoice) => d.cycle(-1),
        Text(c) if typing_id => d.new_id.push(c),
        Key(Action::Backspace) if typing_id => {
            d.new_id.pop();
        }
        Key(Action::Confirm) => {
            if let Some(commands) = super::sessions::confirm_new_session(state, &mut d) {
                return (None, commands);
            }
        }
        _ => {}
    }
    (Some(Dialog::NewSession(d)), Vec::new())
}

fn file_prompt_action(state: &mut State, mut p: FilePrompt, msg: Msg) -> Outcome {
    match msg {
        Key(Action::Cancel) => return (None, Vec::new()),
        Key(Action::Confirm) => {
            if let Some(commands) = super::files::confirm_prompt(state, &mut p) {
                return (None, commands);
            }
            return (Some(Dialog::FilePrompt(p)), Vec::new());
        }
        _ => {}
    }
    if edit_text(&mut p.text, &msg) {
        p.error = None;
    }
    (Some(Dialog::FilePrompt(p)), Vec::new())
}
