//! Opening and driving dialogs: delete (with the in-use choice and typed confirmation), the
//! cleanup planner, and a new workspace's id. Refusals (read-only, workspaces disabled) become
//! notices instead of dialogs.

use super::{next_req, notice, refuse_if_read_only};
use crate::app::action::{Action, Command};
use crate::app::dialog::{
    DeleteDialog, DeleteItem, Dialog, FilePrompt, InUseChoice, NewSession, PLANNER_FIELDS, Planner,
    StorageChoice, TextPrompt,
};
use crate::app::state::{DeleteProgress, Mode, NoticeLevel, Pane, State};
use crate::cleanup::{Pick, Plan, Rule};
use crate::docker::DockerCmd;
use crate::docker::delete::DeleteTarget;
use crate::domain::ids::validate_workspace_id;
use crate::domain::shell::ShellTarget;
use crate::domain::workspace::WorkspaceKind;

fn open(state: &mut State, dialog: Dialog) {
    state.dialog = Some(dialog);
    state.mode = Mode::Dialog;
}

fn close(state: &mut State) {
    state.dialog = None;
    state.mode = state.base_mode();
}

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
    open(state, Dialog::Delete(DeleteDialog::new(items, rule)));
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
    open(state, Dialog::Planner(Planner { focus: 0 }));
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
    open(
        state,
        Dialog::NewWorkspace(TextPrompt {
            text: String::new(),
            error: None,
        }),
    );
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

/// Whether `action` in `dialog` commits something that cannot be undone: deleting
/// workspaces, files or sessions, overwriting a file changed on disk, discarding edits
/// (discard, or reload over them) (and
/// the planner's step to the delete dialog).
fn commits_destruction(dialog: &Dialog, action: &Action) -> bool {
    match dialog {
        Dialog::Delete(_) | Dialog::DestroySession(_) | Dialog::RemovePath(_) => {
            matches!(action, Action::Confirm | Action::Input('y'))
        }
        Dialog::Planner(_) => matches!(action, Action::Confirm),
        Dialog::SaveConflict { .. } => matches!(action, Action::Input('o' | 'r')),
        Dialog::UnsavedChanges => matches!(action, Action::Input('d')),
        Dialog::NewWorkspace(_)
        | Dialog::Report(_)
        | Dialog::StartFirst(_)
        | Dialog::NewSession(_)
        | Dialog::FilePrompt(_) => false,
    }
}

pub fn on_action(state: &mut State, action: Action) -> Vec<Command> {
    let Some(dialog) = state.dialog.take() else {
        return Vec::new();
    };
    // One rule for every destructive dialog: its commit key counts only if it arrived after
    // the dialog, as it stands, was on screen. A key typed ahead is dropped; the dialog stays.
    if commits_destruction(&dialog, &action) && !state.dialog_armed() {
        state.dialog = Some(dialog);
        return Vec::new();
    }
    let (dialog, commands) = match dialog {
        Dialog::Delete(d) => delete_action(state, d, action),
        Dialog::Planner(p) => planner_action(state, p, action),
        Dialog::NewWorkspace(p) => new_workspace_action(state, p, action),
        Dialog::Report(r) => match action {
            Action::Confirm | Action::Cancel => (None, Vec::new()),
            _ => (Some(Dialog::Report(r)), Vec::new()),
        },
        Dialog::DestroySession(d) => match action {
            Action::Confirm | Action::Input('y') => (None, super::sessions::destroy(state, &d)),
            Action::Cancel | Action::Input('n') => (None, Vec::new()),
            _ => (Some(Dialog::DestroySession(d)), Vec::new()),
        },
        Dialog::StartFirst(target) => match action {
            Action::Confirm | Action::Input('y') => {
                let target = ShellTarget {
                    start_first: true,
                    ..target
                };
                (None, super::sessions::open_shell(state, target))
            }
            Action::Cancel | Action::Input('n') => (None, Vec::new()),
            _ => (Some(Dialog::StartFirst(target)), Vec::new()),
        },
        Dialog::NewSession(d) => new_session_action(state, d, action),
        Dialog::FilePrompt(p) => file_prompt_action(state, p, action),
        Dialog::RemovePath(r) => match action {
            Action::Confirm | Action::Input('y') => (None, super::files::confirm_remove(state, &r)),
            Action::Cancel | Action::Input('n') => (None, Vec::new()),
            _ => (Some(Dialog::RemovePath(r)), Vec::new()),
        },
        Dialog::UnsavedChanges => match action {
            Action::Input('s') | Action::Confirm => {
                if let Some(editor) = state.editor.as_mut() {
                    editor.close_after_save = true;
                }
                (None, super::editor::save(state, true))
            }
            Action::Input('d') => (None, super::editor::close(state)),
            Action::Cancel => (None, Vec::new()),
            _ => (Some(Dialog::UnsavedChanges), Vec::new()),
        },
        Dialog::SaveConflict { message } => match action {
            Action::Input('o') => (None, super::editor::save(state, false)),
            Action::Input('r') => {
                // Reloading drops the edits to look at the file anew: not a way to quit.
                state.quit_requested = false;
                (None, super::editor::reload(state))
            }
            Action::Cancel => (None, Vec::new()),
            _ => (Some(Dialog::SaveConflict { message }), Vec::new()),
        },
    };
    match dialog {
        Some(d) => state.dialog = Some(d),
        None => close(state),
    }
    commands
}

type Outcome = (Option<Dialog>, Vec<Command>);

fn delete_action(state: &mut State, mut d: DeleteDialog, action: Action) -> Outcome {
    let choose = |d: &mut DeleteDialog, choice| {
        d.in_use = choice;
        d.typed.clear();
    };
    match action {
        Action::Cancel => return (None, Vec::new()),
        Action::DestroySessions | Action::Input('s') if d.in_use == InUseChoice::Ask => {
            choose(&mut d, InUseChoice::DestroySessions)
        }
        Action::DestroySessions => choose(&mut d, InUseChoice::DestroySessions),
        Action::SkipInUse | Action::Input('k') if d.in_use == InUseChoice::Ask => {
            choose(&mut d, InUseChoice::Skip)
        }
        Action::SkipInUse => choose(&mut d, InUseChoice::Skip),
        Action::Input(c) if c.is_ascii_digit() && d.needs_typed_count() => d.typed.push(c),
        Action::Backspace => {
            d.typed.pop();
        }
        Action::Confirm | Action::Input('y') if d.can_confirm() => {
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

fn planner_action(state: &mut State, mut p: Planner, action: Action) -> Outcome {
    let fields = &mut state.workspaces.planner;
    match action {
        Action::Cancel => return (None, Vec::new()),
        Action::NextField => p.focus = (p.focus + 1) % PLANNER_FIELDS,
        Action::PrevField => p.focus = (p.focus + PLANNER_FIELDS - 1) % PLANNER_FIELDS,
        Action::ToggleField => fields.toggle(p.focus),
        Action::Input(c) => {
            if let Some(text) = fields.text_mut(p.focus) {
                text.push(c);
            }
        }
        Action::Backspace => {
            if let Some(text) = fields.text_mut(p.focus) {
                text.pop();
            }
        }
        Action::Confirm => {
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
            return (state.dialog.take(), Vec::new());
        }
        _ => {}
    }
    recompute_preview(state);
    (Some(Dialog::Planner(p)), Vec::new())
}

/// Typing into a dialog's text field: a character, backspace, or space (the dialogs' toggle
/// key, typed as text so that a validator can say a space is wrong). Returns whether the
/// action was one of those.
fn edit_text(text: &mut String, action: &Action) -> bool {
    match action {
        Action::Input(c) => text.push(*c),
        Action::ToggleField => text.push(' '),
        Action::Backspace => {
            text.pop();
        }
        _ => return false,
    }
    true
}

fn new_workspace_action(state: &mut State, mut p: TextPrompt, action: Action) -> Outcome {
    match action {
        Action::Cancel => return (None, Vec::new()),
        Action::Confirm if validate_workspace_id(&p.text).is_ok() => {
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
    edit_text(&mut p.text, &action);
    p.error = if p.text.is_empty() {
        None
    } else {
        validate_workspace_id(&p.text).err()
    };
    (Some(Dialog::NewWorkspace(p)), Vec::new())
}

fn new_session_action(state: &mut State, mut d: NewSession, action: Action) -> Outcome {
    d.error = None;
    let typing_id = d.focus == 2 && d.storage == StorageChoice::New;
    match action {
        Action::Cancel => return (None, Vec::new()),
        Action::NextField => d.focus = (d.focus + 1) % NewSession::FIELDS,
        Action::PrevField => d.focus = (d.focus + NewSession::FIELDS - 1) % NewSession::FIELDS,
        Action::NextChoice | Action::ToggleField => d.cycle(1),
        Action::PrevChoice => d.cycle(-1),
        Action::Input(c) if typing_id => d.new_id.push(c),
        Action::Backspace if typing_id => {
            d.new_id.pop();
        }
        Action::Confirm => {
            if let Some(commands) = super::sessions::confirm_new_session(state, &mut d) {
                return (None, commands);
            }
        }
        _ => {}
    }
    (Some(Dialog::NewSession(d)), Vec::new())
}

fn file_prompt_action(state: &mut State, mut p: FilePrompt, action: Action) -> Outcome {
    match action {
        Action::Cancel => return (None, Vec::new()),
        Action::Confirm => {
            if let Some(commands) = super::files::confirm_prompt(state, &mut p) {
                return (None, commands);
            }
            return (Some(Dialog::FilePrompt(p)), Vec::new());
        }
        _ => {}
    }
    if edit_text(&mut p.text, &action) {
        p.error = None;
    }
    (Some(Dialog::FilePrompt(p)), Vec::new())
}
