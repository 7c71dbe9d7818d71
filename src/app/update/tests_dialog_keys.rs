//! Dialog keys through the real keymap (the in-process harness): what each key means in each
//! dialog's context, that a dialog's text field keeps its letters whatever is bound, and that
//! a remapped key changes what acts, what the hints say and what help lists, alike.

use super::tests::{browser_with, editing};
use super::*;
use crate::app::dialog::{Dialog, DialogKind};
use crate::app::harness::Harness;
use crate::config::keymap::{Bindings, KeyContext};
use crate::domain::files::EntryKind;
use crate::fixtures;
use crate::workspace_fs::task::FsCmd;

fn key(action: Action) -> Option<Msg> {
    Some(Msg::Key(action))
}

fn text(c: char) -> Option<Msg> {
    Some(Msg::Text(c))
}

/// Each `(key name, what it must mean)` in the harness as it stands.
fn assert_means(h: &Harness, expected: &[(&str, Option<Msg>)]) {
    for (name, meaning) in expected {
        assert_eq!(
            &h.meaning(name),
            meaning,
            "{name:?} in {:?}",
            h.state.layer()
        );
    }
}

#[test]
fn a_yes_no_question_answers_yes_no_and_help_and_ignores_other_letters() {
    let mut h = Harness::new(fixtures::loaded_state());
    h.press("d"); // destroy p-1?
    assert_eq!(h.state.layer(), Layer::Dialog(DialogKind::Confirm));
    assert_means(
        &h,
        &[
            ("enter", key(Action::Confirm)),
            ("y", key(Action::Confirm)),
            ("esc", key(Action::Cancel)),
            ("n", key(Action::Cancel)),
            ("?", key(Action::ToggleHelp)),
            ("f1", key(Action::ToggleHelp)),
            ("x", None),
            ("ctrl-c", key(Action::Quit)),
        ],
    );
}

#[test]
fn the_delete_dialog_binds_its_choices_and_types_only_digits() {
    let mut h = Harness::new(fixtures::loaded_state());
    h.keys("2 d"); // alpha, used by s-alpha: the dialog asks
    assert_eq!(h.state.layer(), Layer::Dialog(DialogKind::Delete));
    assert_means(
        &h,
        &[
            ("enter", key(Action::Confirm)),
            ("y", key(Action::Confirm)),
            ("s", key(Action::DestroySessions)),
            ("k", key(Action::SkipInUse)),
            ("esc", key(Action::Cancel)),
            ("backspace", key(Action::Backspace)),
            ("f1", key(Action::ToggleHelp)),
            ("1", text('1')),
        ],
    );
    h.press("s");
    let Some(Dialog::Delete(d)) = h.state.dialog() else {
        panic!("{:?}", h.state.dialog());
    };
    assert_eq!(d.in_use, crate::app::dialog::InUseChoice::DestroySessions);
}

#[test]
fn dialogs_with_a_text_field_bind_keys_but_no_letters() {
    // The planner: fields, toggles, its preview; letters and digits are its values.
    let mut h = Harness::new(fixtures::loaded_state());
    h.keys("2 c");
    assert_eq!(h.state.layer(), Layer::Dialog(DialogKind::Planner));
    assert_means(
        &h,
        &[
            ("tab", key(Action::NextField)),
            ("down", key(Action::NextField)),
            ("backtab", key(Action::PrevField)),
            ("up", key(Action::PrevField)),
            ("space", key(Action::ToggleField)),
            ("enter", key(Action::Confirm)),
            ("esc", key(Action::Cancel)),
            ("f1", key(Action::ToggleHelp)),
            ("d", text('d')),
            ("y", text('y')),
            ("3", text('3')),
            ("?", text('?')),
        ],
    );
    // The new session: choices, and the id of a new workspace typed.
    let mut h = Harness::new(fixtures::loaded_state());
    h.press("n");
    assert_eq!(h.state.layer(), Layer::Dialog(DialogKind::NewSession));
    assert_means(
        &h,
        &[
            ("left", key(Action::PrevChoice)),
            ("right", key(Action::NextChoice)),
            ("space", key(Action::NextChoice)),
            ("tab", key(Action::NextField)),
            ("enter", key(Action::Confirm)),
            ("y", text('y')),
            ("n", text('n')),
        ],
    );
    // A new workspace's id, and a file's name: every character, space included, is typed.
    let mut h = Harness::new(fixtures::loaded_state());
    h.keys("2 n");
    assert_eq!(h.state.layer(), Layer::Dialog(DialogKind::NewWorkspace));
    assert_means(
        &h,
        &[
            ("enter", key(Action::Confirm)),
            ("esc", key(Action::Cancel)),
            ("space", text(' ')),
            ("s", text('s')),
            ("q", text('q')),
        ],
    );
    let mut h = Harness::new(browser_with(&[]));
    h.press("n");
    assert_eq!(h.state.layer(), Layer::Dialog(DialogKind::FilePrompt));
    assert_means(
        &h,
        &[
            ("enter", key(Action::Confirm)),
            ("backspace", key(Action::Backspace)),
            ("y", text('y')),
            ("?", text('?')),
        ],
    );
}

#[test]
fn the_edit_dialogs_and_the_report_bind_their_own_answers() {
    let mut h = Harness::new(editing(true));
    h.press("esc");
    assert_eq!(h.state.layer(), Layer::Dialog(DialogKind::UnsavedChanges));
    assert_means(
        &h,
        &[
            ("s", key(Action::Save)),
            ("enter", key(Action::Save)),
            ("d", key(Action::Discard)),
            ("esc", key(Action::Cancel)),
            ("?", key(Action::ToggleHelp)),
            ("o", None),
        ],
    );

    let mut state = editing(true);
    state.open_dialog(Dialog::SaveConflict {
        message: "changed".into(),
    });
    let h = Harness::new(state);
    assert_means(
        &h,
        &[
            ("o", key(Action::Overwrite)),
            ("r", key(Action::Reload)),
            ("esc", key(Action::Cancel)),
            // Both answers lose something: no key answers by reflex.
            ("enter", None),
            ("y", None),
        ],
    );

    let mut state = fixtures::loaded_state();
    state.open_dialog(Dialog::Report(Default::default()));
    let mut h = Harness::new(state);
    assert_means(
        &h,
        &[
            ("enter", key(Action::Cancel)),
            ("esc", key(Action::Cancel)),
            ("y", None),
        ],
    );
    h.press("enter");
    assert!(h.state.on_panes());
}

#[test]
fn a_bare_letter_in_a_text_field_is_typed_even_where_a_keymap_binds_it() {
    let mut bindings = Bindings::defaults();
    let prompt = context(&mut bindings, KeyContext::FilePrompt);
    prompt[0].keys.push("y".parse().unwrap()); // `y` would be "go ahead"
    let mut h = Harness::new(browser_with(&[])).with_bindings(bindings);
    h.press("n");
    assert_eq!(h.meaning("y"), text('y'));
    assert!(h.type_text("yes").is_empty());
    let Some(Dialog::FilePrompt(p)) = h.state.dialog() else {
        panic!("{:?}", h.state.dialog());
    };
    assert_eq!(p.text, "yes", "typed, nothing created");
    // Nor does its hint claim it: only the keys that still mean "go ahead".
    let screen = h.draw();
    assert!(screen.contains("enter: go · esc: cancel"), "{screen}");
}

/// The bindings of `ctx`, to change.
fn context(bindings: &mut Bindings, ctx: KeyContext) -> &mut Vec<crate::config::keymap::Binding> {
    bindings
        .contexts
        .iter_mut()
        .find(|(c, _)| *c == ctx)
        .map(|(_, list)| list)
        .unwrap()
}

#[test]
fn a_remapped_yes_is_what_confirms_and_what_the_hints_and_help_show() {
    let mut bindings = Bindings::defaults();
    for b in context(&mut bindings, KeyContext::Confirm) {
        if b.action == Action::Confirm {
            b.keys = vec!["j".parse().unwrap()];
        }
    }
    let mut h = Harness::new(fixtures::loaded_state()).with_bindings(bindings);
    h.press("d");
    let screen = h.draw();
    assert!(screen.contains("j: destroy · esc/n: cancel"), "{screen}");
    assert!(
        screen.contains(" j destroy "),
        "the status bar too: {screen}"
    );
    assert!(!screen.contains("enter/y"), "{screen}");
    // The old keys do nothing now; the new one destroys.
    assert!(h.press("y").is_empty());
    assert!(h.press("enter").is_empty());
    assert!(fixtures::question(&h.state).is_some());
    // Help over the question lists the key as bound, and only where it resolves.
    h.press("f1");
    let help = h.draw();
    assert!(help.contains("Keys here"), "{help}");
    let yes = help.lines().find(|l| l.contains("Yes: go ahead")).unwrap();
    assert!(yes.contains("  j "), "{yes}");
    assert!(!yes.contains(" y "), "{yes}");
    assert!(
        !help.contains("Confirm"),
        "enter is bound nowhere here: {help}"
    );
    h.press("esc");
    assert!(
        fixtures::question(&h.state).is_some(),
        "help closed, the question is back"
    );
    h.draw();
    // Uncovered, it answers only after the keyboard has rested (update::DIALOG_SETTLE).
    h.state.now = h.state.now.checked_add(super::DIALOG_SETTLE).unwrap();
    let cmds = h.press("j");
    assert!(
        matches!(
            cmds.as_slice(),
            [Command::Docker(DockerCmd::DestroySession { .. })]
        ),
        "{cmds:?}"
    );
}

#[test]
fn a_remapped_destructive_key_still_waits_for_the_frame_that_showed_its_dialog() {
    let mut bindings = Bindings::defaults();
    for b in context(&mut bindings, KeyContext::UnsavedChanges) {
        if b.action == Action::Discard {
            b.keys = vec!["x".parse().unwrap()];
        }
    }
    let mut h = Harness::new(editing(true)).with_bindings(bindings);
    h.keys("esc x d");
    assert!(h.state.editor().is_some(), "typed ahead: nothing discarded");
    let screen = h.draw();
    assert!(screen.contains("x: discard"), "{screen}");
    h.press("d");
    assert!(h.state.editor().is_some(), "d means nothing here now");
    h.press("x");
    assert!(h.state.editor().is_none(), "discarded once seen");
}

#[test]
fn removing_a_file_sends_exactly_what_its_question_carried() {
    let mut h = Harness::new(browser_with(&[("victim.txt", EntryKind::File)]));
    if let Some(files) = h.state.files_mut() {
        (files.entries[0].dev, files.entries[0].ino) = (7, 42);
    }
    h.press("d");
    let question = fixtures::question(&h.state).unwrap().clone();
    assert_eq!(question.title, "Delete");
    let [
        Command::Fs(FsCmd::Remove {
            req,
            recursive,
            meant,
            ..
        }),
    ] = question.on_yes.as_slice()
    else {
        panic!("{:?}", question.on_yes);
    };
    assert!(!recursive);
    // Only the file listed: one a session puts at that name meanwhile is kept.
    let listed = crate::domain::files::Identity { dev: 7, ino: 42 };
    assert_eq!(*meant, listed);
    h.draw();
    let cmds = h.press("y");
    assert_eq!(cmds, question.on_yes);
    assert_eq!(h.state.files().unwrap().changing, Some(*req), "awaited");
}
