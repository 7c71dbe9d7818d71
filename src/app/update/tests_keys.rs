//! Key timing and quit safety: keys typed ahead never confirm a destructive dialog the
//! operator has not seen, never act on a screen being left, and quitting never drops edits.

use super::tests::{browser_with, editing};
use super::*;
use crate::app::dialog::Dialog;
use crate::fixtures::{self, frame_drawn};
use crate::workspace_fs::task::{FsCmd, FsEvent};
use crate::workspace_fs::{EntryKind, FileData, FsError, FsPath, Version};

fn version() -> Version {
    Version {
        mtime_ns: 1,
        size: 2,
        ..Default::default()
    }
}

fn removes(cmds: &[Command]) -> bool {
    cmds.iter()
        .any(|c| matches!(c, Command::Fs(FsCmd::Remove { .. })))
}

#[test]
fn destructive_confirm_typed_before_its_dialog_was_drawn_is_ignored() {
    let mut state = browser_with(&[("victim.txt", EntryKind::File)]);
    update(&mut state, Action::Delete);
    assert!(matches!(state.dialog(), Some(Dialog::RemovePath(_))));
    // `d` and `y` in one burst: no frame showed the dialog before `y`.
    assert!(!removes(&update(&mut state, Msg::Text('y'))));
    assert!(!removes(&update(&mut state, Action::Confirm)));
    assert!(
        matches!(state.dialog(), Some(Dialog::RemovePath(_))),
        "the dialog stays, waiting for a key typed after it was seen"
    );
}

#[test]
fn destructive_confirm_typed_after_its_dialog_was_drawn_is_accepted() {
    let mut state = browser_with(&[("victim.txt", EntryKind::File)]);
    update(&mut state, Action::Delete);
    update(&mut state, Msg::Text('y'));
    frame_drawn(&mut state);
    assert!(removes(&update(&mut state, Msg::Text('y'))));
    assert!(state.dialog().is_none());
}

#[test]
fn a_key_that_arrived_before_the_frame_finished_does_not_confirm() {
    let mut state = browser_with(&[("victim.txt", EntryKind::File)]);
    update(&mut state, Action::Delete);
    // The `y` was already queued (number 1) when the frame finished with 1 input arrived.
    update(
        &mut state,
        Msg::Drawn(Layout {
            input_seq: 1,
            ..Default::default()
        }),
    );
    state.key_seq = 1;
    assert!(!removes(&update(&mut state, Msg::Text('y'))));
    state.key_seq = 2;
    assert!(removes(&update(&mut state, Msg::Text('y'))));
}

#[test]
fn a_dialog_reopened_before_the_next_frame_is_not_armed_by_the_old_one() {
    let mut state = browser_with(&[
        ("seen.txt", EntryKind::File),
        ("other.txt", EntryKind::File),
    ]);
    update(&mut state, Action::Delete);
    frame_drawn(&mut state);
    // esc, j, d, y typed in one burst: the second dialog names a file nobody saw.
    update(&mut state, Action::Cancel);
    update(&mut state, Action::SelectNext);
    update(&mut state, Action::Delete);
    assert!(!removes(&update(&mut state, Msg::Text('y'))));
}

#[test]
fn a_dialog_changed_by_a_key_must_be_drawn_again_before_confirming() {
    let mut state = fixtures::loaded_state();
    update(&mut state, Action::FocusWorkspaces); // alpha, used by s-alpha
    update(&mut state, Action::Delete);
    frame_drawn(&mut state);
    // `k` (skip those in use) and enter typed together: the changed plan was never on screen.
    update(&mut state, Msg::Text('k'));
    assert!(
        update(&mut state, Action::Confirm)
            .iter()
            .all(|c| !matches!(c, Command::Docker(DockerCmd::Delete { .. })))
    );
    assert!(matches!(state.dialog(), Some(Dialog::Delete(_))));
}

#[test]
fn every_destructive_dialog_waits_for_its_frame() {
    // Destroy a session.
    let mut state = fixtures::loaded_state();
    update(&mut state, Action::Delete);
    assert!(matches!(state.dialog(), Some(Dialog::DestroySession(_))));
    assert!(update(&mut state, Msg::Text('y')).is_empty());
    frame_drawn(&mut state);
    assert!(!update(&mut state, Msg::Text('y')).is_empty());
    // Overwrite on conflict, and reload over the edits.
    for key in ['o', 'r'] {
        let mut state = editing(true);
        state.open_dialog(Dialog::SaveConflict {
            message: "changed".into(),
        });
        assert!(update(&mut state, Msg::Text(key)).is_empty(), "{key}");
        assert!(state.editor().is_some(), "{key}");
        frame_drawn(&mut state);
        assert!(!update(&mut state, Msg::Text(key)).is_empty(), "{key}");
    }
    // Discard unsaved edits.
    let mut state = editing(true);
    update(&mut state, Action::CloseEditor);
    update(&mut state, Msg::Text('d'));
    assert!(state.editor().is_some(), "not discarded before it was seen");
    frame_drawn(&mut state);
    update(&mut state, Msg::Text('d'));
    assert!(state.editor().is_none());
}

#[test]
fn delete_typed_while_the_editor_loads_does_nothing_destructive() {
    let mut state = browser_with(&[("victim.txt", EntryKind::File)]);
    let cmds = update(&mut state, Action::OpenEntry);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::Fs(FsCmd::Load { .. })))
    );
    // `d`, then a frame, then `y`: still nothing, the browser is being left.
    update(&mut state, Action::Delete);
    assert!(state.dialog().is_none(), "no delete dialog while leaving");
    frame_drawn(&mut state);
    assert!(!removes(&update(&mut state, Msg::Text('y'))));
    for action in [Action::Rename, Action::NewFile, Action::GoUp] {
        assert!(update(&mut state, action).is_empty(), "{action:?}");
        assert!(state.dialog().is_none(), "{action:?}");
    }
    let Some(req) = state.files().unwrap().loading else {
        panic!("still loading");
    };
    update(
        &mut state,
        Msg::Fs(FsEvent::Loaded {
            req,
            path: FsPath::parse("sub/victim.txt").unwrap(),
            result: Ok(FileData {
                data: b"x\n".to_vec(),
                version: version(),
            }),
        }),
    );
    assert_eq!(state.layer(), Layer::Editor);
}

#[test]
fn a_frame_drawn_is_not_a_key_and_keeps_the_notice() {
    let mut state = fixtures::loaded_state();
    notice(&mut state, NoticeLevel::Info, "hello");
    frame_drawn(&mut state);
    assert!(state.notice.is_some());
}

#[test]
fn quit_with_unsaved_edits_asks_instead_of_quitting() {
    let mut state = editing(true);
    update(&mut state, Action::Quit);
    assert!(!state.quit);
    assert!(matches!(state.dialog(), Some(Dialog::UnsavedChanges)));
    // Quitting without edits quits at once.
    let mut clean = editing(false);
    update(&mut clean, Action::Quit);
    assert!(clean.quit);
}

#[test]
fn ctrl_c_in_the_unsaved_changes_dialog_does_not_quit() {
    let mut state = editing(true);
    update(&mut state, Action::CloseEditor);
    frame_drawn(&mut state);
    for _ in 0..3 {
        update(&mut state, Action::Quit);
        assert!(!state.quit);
        assert!(matches!(state.dialog(), Some(Dialog::UnsavedChanges)));
        assert!(state.editor().unwrap().dirty);
    }
}

#[test]
fn quit_then_discard_quits_and_quit_then_cancel_stays() {
    let mut state = editing(true);
    update(&mut state, Action::Quit);
    frame_drawn(&mut state);
    update(&mut state, Msg::Text('d'));
    assert!(state.quit);

    let mut state = editing(true);
    update(&mut state, Action::Quit);
    update(&mut state, Action::Cancel);
    assert!(!state.quit && !state.quit_requested);
    assert_eq!(state.layer(), Layer::Editor);
    // A later clean close does not quit behind the operator's back.
    update(&mut state, Action::Save);
    let req = state.editor().unwrap().saving.unwrap();
    saved(&mut state, req, Ok(version()));
    update(&mut state, Action::CloseEditor);
    assert!(!state.quit);
}

fn saved(state: &mut State, req: u64, result: Result<Version, FsError>) {
    update(
        state,
        Msg::Fs(FsEvent::Saved {
            req,
            path: FsPath::parse("sub/a.txt").unwrap(),
            result,
        }),
    );
}

#[test]
fn quit_then_save_quits_only_once_the_save_succeeded() {
    let mut state = editing(true);
    update(&mut state, Action::Quit);
    let cmds = update(&mut state, Msg::Text('s'));
    assert!(matches!(cmds.as_slice(), [Command::Fs(FsCmd::Save { .. })]));
    assert!(!state.quit, "not before the save is done");
    let req = state.editor().unwrap().saving.unwrap();
    saved(&mut state, req, Ok(version()));
    assert!(state.quit);

    // A failed save keeps the program and the edits, and gives up quitting.
    let mut state = editing(true);
    update(&mut state, Action::Quit);
    update(&mut state, Msg::Text('s'));
    let req = state.editor().unwrap().saving.unwrap();
    saved(
        &mut state,
        req,
        Err(FsError::PermissionDenied("read-only".into())),
    );
    assert!(!state.quit && !state.quit_requested);
    assert!(state.editor().unwrap().dirty);
}

#[test]
fn the_unsaved_buffer_is_what_the_loop_writes_for_recovery() {
    let state = editing(true);
    let (volume, path, data) = state.unsaved_buffer().unwrap();
    assert_eq!(volume, "sandkasten-ws-alpha");
    assert_eq!(path, &FsPath::parse("sub/a.txt").unwrap());
    assert_eq!(data, b"x\n");
    assert!(editing(false).unsaved_buffer().is_none());
}
