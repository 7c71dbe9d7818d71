//! The screen and the overlay stack: what has the keys follows from them, a report arriving
//! over a dialog stacks on it, closing the top shows the one under it, and the arming of
//! destructive confirmations always belongs to the top dialog.

use super::tests::browser_with;
use super::*;
use crate::app::dialog::{DialogKind, TextPrompt};
use crate::app::harness::Harness;
use crate::app::screen::{Overlay, Screen};
use crate::app::state::DeleteProgress;
use crate::config::keymap::KeyContext;
use crate::docker::DockerEvent;
use crate::domain::files::EntryKind;
use crate::domain::ids::RequestId;
use crate::fixtures::{self, frame_drawn};
use crate::workspace_fs::task::{FsCmd, FsEvent};

/// A deletion of one volume in flight, request 5, that will report it not done.
fn deleting(state: &mut State) {
    state.workspaces.deleting = Some(DeleteProgress::new(RequestId(5), &[], &["v1".to_owned()]));
}

fn finish_deleting(state: &mut State) {
    update(state, DockerEvent::DeleteFinished { req: RequestId(5) });
}

#[test]
fn the_layer_is_the_top_overlay_else_the_screen_else_the_focused_pane() {
    let mut state = fixtures::loaded_state();
    assert_eq!(state.layer(), Layer::Panes(Pane::Sessions));
    assert_eq!(state.key_contexts()[0], KeyContext::Sessions);
    update(&mut state, Action::FocusWorkspaces);
    assert_eq!(state.key_contexts()[0], KeyContext::Workspaces);
    update(&mut state, Action::StartFilter);
    assert_eq!(state.layer(), Layer::Filter);
    update(&mut state, Action::FilterAccept);
    update(&mut state, Action::NewWorkspace);
    assert_eq!(state.layer(), Layer::Dialog(DialogKind::NewWorkspace));
    assert_eq!(
        state.key_contexts(),
        [KeyContext::NewWorkspace, KeyContext::Dialog],
        "the dialog's own context, then what every dialog shares"
    );

    let mut state = browser_with(&[("a.txt", EntryKind::File)]);
    assert_eq!(state.layer(), Layer::Files);
    update(&mut state, Action::StartFilter);
    assert_eq!(state.layer(), Layer::Filter);
    update(&mut state, Msg::Text('a'));
    assert_eq!(
        state.files().unwrap().filter,
        "a",
        "the browser's names are filtered"
    );
    assert_eq!(state.filter_of(Pane::Sessions), "");
}

#[test]
fn the_filter_line_opens_only_over_the_screen_and_help_over_it_or_a_dialog() {
    let mut state = fixtures::loaded_state();
    update(&mut state, Action::NewSession);
    state.overlays.open_filter();
    assert_eq!(state.overlays.iter().count(), 1);
    assert_eq!(state.layer(), Layer::Dialog(DialogKind::NewSession));
    // Help over the dialog lists its keys; nothing opens over help, and closing it gives the
    // keys back to the dialog, which must be drawn again before a commit counts.
    fixtures::frame_drawn(&mut state);
    update(&mut state, Action::ToggleHelp);
    assert_eq!(state.layer(), Layer::Help);
    assert_eq!(state.dialog_drawn, None);
    state.overlays.open_help();
    state.overlays.open_filter();
    assert_eq!(state.overlays.iter().count(), 2);
    update(&mut state, Action::ToggleHelp);
    assert_eq!(state.layer(), Layer::Dialog(DialogKind::NewSession));
    assert!(!state.dialog_armed());
}

#[test]
fn a_report_arriving_over_a_dialog_stacks_and_closing_it_shows_that_dialog_as_it_was() {
    let mut state = fixtures::loaded_state();
    deleting(&mut state);
    update(&mut state, Action::FocusWorkspaces);
    update(&mut state, Action::NewWorkspace);
    for c in "ab".chars() {
        update(&mut state, Msg::Text(c));
    }
    finish_deleting(&mut state);
    assert!(
        matches!(state.dialog(), Some(Dialog::Report(r)) if r.not_done == 1),
        "{:?}",
        state.dialog()
    );
    assert_eq!(state.overlays.dialogs().count(), 2);
    update(&mut state, Action::Confirm);
    let Some(Dialog::NewWorkspace(TextPrompt { text, .. })) = state.dialog() else {
        panic!("{:?}", state.dialog());
    };
    assert_eq!(text, "ab", "what was typed is still there");
}

#[test]
fn the_dialog_under_a_report_must_be_drawn_again_before_it_confirms() {
    let mut state = browser_with(&[("victim.txt", EntryKind::File)]);
    deleting(&mut state);
    update(&mut state, Action::Delete);
    frame_drawn(&mut state);
    assert!(state.dialog_armed());
    // The report covers the armed dialog; closed with a key typed ahead of the next frame,
    // the `y` that follows confirms nothing.
    finish_deleting(&mut state);
    assert!(!state.dialog_armed());
    frame_drawn(&mut state);
    update(&mut state, Action::Cancel);
    assert!(crate::fixtures::question(&state).is_some());
    let removes = |cmds: &[Command]| {
        cmds.iter()
            .any(|c| matches!(c, Command::Fs(FsCmd::Remove { .. })))
    };
    assert!(!removes(&update(&mut state, Action::Confirm)));
    frame_drawn(&mut state);
    // Uncovered under the operator's hands: a key right after the frame (a double press, a
    // held key) still answers nothing; one after a pause does.
    assert!(!removes(&update(&mut state, Action::Confirm)));
    later(&mut state, DIALOG_SETTLE.as_millis() as i64);
    assert!(removes(&update(&mut state, Action::Confirm)));
    assert!(state.dialog().is_none());
}

/// The operator's clock moves on by `ms` (the loop sets `now` as messages arrive).
fn later(state: &mut State, ms: i64) {
    state.now = state
        .now
        .checked_add(jiff::SignedDuration::from_millis(ms))
        .unwrap();
}

#[test]
fn enter_pressed_twice_or_held_on_a_report_never_confirms_the_dialog_it_uncovers() {
    let mut h = Harness::new(fixtures::loaded_state());
    deleting(&mut h.state);
    h.press("d");
    h.draw();
    assert!(matches!(h.state.dialog(), Some(Dialog::Confirm(_))));
    h.send(DockerEvent::DeleteFinished { req: RequestId(5) });
    h.draw();
    // A double press: the first closes the report, the second comes 80 ms later, after the
    // uncovered dialog's frame.
    h.press("enter");
    assert!(matches!(h.state.dialog(), Some(Dialog::Confirm(_))));
    h.draw();
    later(&mut h.state, 80);
    assert!(
        h.press("enter").is_empty(),
        "not destroyed by the double press"
    );
    // Held: repeats every 33 ms for two seconds, a frame between each.
    for _ in 0..60 {
        later(&mut h.state, 33);
        h.draw();
        assert!(h.press("enter").is_empty(), "not destroyed by a held key");
    }
    // Let go, read, press: destroyed.
    later(&mut h.state, DIALOG_SETTLE.as_millis() as i64);
    let cmds = h.press("enter");
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::Docker(DockerCmd::DestroySession { .. }))),
        "{cmds:?}"
    );
}

#[test]
fn a_conflict_that_pops_up_while_typing_takes_no_typed_letter_as_its_answer() {
    use crate::domain::files::FsPath;
    let mut h = Harness::new(super::tests::editing(false));
    h.type_text("mine ");
    let req = match h.press("ctrl-s").as_slice() {
        [Command::Fs(FsCmd::Save { req, .. })] => *req,
        other => panic!("{other:?}"),
    };
    later(&mut h.state, 120);
    h.type_text("f");
    // The file changed on disk meanwhile: the answer is a conflict, which opens its dialog
    // over the editor the operator is typing into.
    h.send(FsEvent::Saved {
        req,
        path: FsPath::parse("sub/a.txt").unwrap(),
        result: Err(crate::domain::outcome::Failure::new(
            crate::domain::outcome::FailureKind::Conflict,
            "sub/a.txt changed on disk",
        )),
    });
    h.draw();
    // The next letters of the word typed on: "or" (o overwrites, r reloads over the edits).
    for c in ["o", "r"] {
        later(&mut h.state, 120);
        h.draw();
        assert!(h.press(c).is_empty(), "{c} typed on answered the conflict");
    }
    assert!(
        h.state.editor().is_some_and(|e| e.dirty),
        "the edits are kept"
    );
    assert!(matches!(
        h.state.dialog(),
        Some(Dialog::SaveConflict { .. })
    ));
    // A deliberate answer after a pause counts.
    later(&mut h.state, DIALOG_SETTLE.as_millis() as i64);
    let cmds = h.press("o");
    assert!(
        matches!(
            cmds.as_slice(),
            [Command::Fs(FsCmd::Save { expected: None, .. })]
        ),
        "{cmds:?}"
    );
}

#[test]
fn a_dialog_the_operator_opens_takes_its_answer_right_after_its_frame() {
    let mut h = Harness::new(fixtures::loaded_state());
    h.press("d");
    h.draw();
    later(&mut h.state, 30);
    let cmds = h.press("y");
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::Docker(DockerCmd::DestroySession { .. }))),
        "{cmds:?}"
    );
}

#[test]
fn a_dialog_that_opens_another_leaves_it_in_its_place() {
    // The planner hands over to the delete dialog: it takes the planner's place, nothing
    // else stacks.
    let mut state = fixtures::loaded_state();
    update(&mut state, Action::FocusWorkspaces);
    update(&mut state, Action::OpenPlanner);
    for c in "1d".chars() {
        update(&mut state, Msg::Text(c));
    }
    frame_drawn(&mut state);
    update(&mut state, Action::Confirm);
    assert!(matches!(state.dialog(), Some(Dialog::Delete(_))));
    assert_eq!(state.overlays.dialogs().count(), 1);
    update(&mut state, Action::Cancel);
    assert!(state.on_panes());
}

#[test]
fn quit_over_a_prompt_asks_on_top_and_cancel_returns_to_the_prompt() {
    let mut state = super::tests::editing(true);
    // A report came in over the editor; quitting asks on top of it, once.
    state.open_dialog(Dialog::Report(Default::default()));
    update(&mut state, Action::Quit);
    update(&mut state, Action::Quit);
    assert!(matches!(state.dialog(), Some(Dialog::UnsavedChanges)));
    assert_eq!(state.overlays.dialogs().count(), 2);
    update(&mut state, Action::Cancel);
    assert!(
        !state.quit_requested,
        "cancelled: no quitting later behind their back"
    );
    assert!(matches!(state.dialog(), Some(Dialog::Report(_))));
    update(&mut state, Action::Cancel);
    assert_eq!(state.layer(), Layer::Editor);
}

#[test]
fn ctrl_c_brings_the_pending_question_to_the_front_instead_of_asking_twice() {
    let mut state = super::tests::editing(true);
    update(&mut state, Action::Quit);
    state.open_dialog(Dialog::Report(Default::default()));
    update(&mut state, Action::Quit);
    assert!(matches!(state.dialog(), Some(Dialog::UnsavedChanges)));
    assert_eq!(state.overlays.dialogs().count(), 2);
    assert!(matches!(
        state.overlays.iter().next(),
        Some(Overlay::Dialog(Dialog::Report(_)))
    ));
}

#[test]
fn closing_a_view_returns_to_the_panes_and_an_editor_never_outlives_its_browser() {
    let mut state = super::tests::editing(false);
    assert_eq!(state.layer(), Layer::Editor);
    update(&mut state, Action::CloseEditor);
    assert_eq!(state.layer(), Layer::Files);
    update(&mut state, Action::CloseFiles);
    assert!(matches!(state.screen, Screen::Panes));
    assert!(state.editor().is_none() && state.files().is_none());
}
