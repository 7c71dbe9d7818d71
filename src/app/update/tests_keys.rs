//! Key timing and quit safety, through the real keymap (the in-process harness): keys typed
//! ahead never confirm a destructive dialog the operator has not seen, never act on a screen
//! being left, and quitting never drops edits.

use super::tests::{browser_with, editing};
use super::*;
use crate::app::dialog::Dialog;
use crate::app::harness::Harness;
use crate::app::state::REACTION;
use crate::domain::files::{EntryKind, FileData, FsPath, Version};
use crate::domain::ids::RequestId;
use crate::fixtures;
use crate::workspace_fs::FsError;
use crate::workspace_fs::task::{FsCmd, FsEvent};

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

fn browsing_victim() -> Harness {
    Harness::new(browser_with(&[("victim.txt", EntryKind::File)]))
}

#[test]
fn destructive_confirm_typed_before_its_dialog_was_drawn_is_ignored() {
    let mut h = browsing_victim();
    // `d`, `y` and enter in one burst: no frame showed the dialog before them.
    assert!(!removes(&h.keys("d y enter")));
    assert!(
        fixtures::question(&h.state).is_some_and(|q| q.destructive),
        "the dialog stays, waiting for a key typed after it was seen"
    );
}

#[test]
fn destructive_confirm_typed_after_its_dialog_was_drawn_is_accepted() {
    let mut h = browsing_victim();
    h.keys("d y");
    h.draw();
    assert!(removes(&h.press("y")));
    assert!(h.state.dialog().is_none());
}

#[test]
fn a_key_that_arrived_before_the_frame_finished_does_not_confirm() {
    let mut h = browsing_victim();
    h.press("d");
    // The `y` was already queued when the frame showing the dialog finished.
    h.draw_while_queued(1);
    assert!(!removes(&h.press("y")));
    assert!(removes(&h.press("y")));
}

#[test]
fn a_key_of_the_same_burst_read_just_after_the_frame_does_not_confirm() {
    // `dy` in one write: the frame showing the question went out before the reader had
    // queued the `y` (so it is numbered after the frame), which on the real binary deleted
    // the file in about one try of thirty.
    for (open, confirmed) in [("d", "y"), ("d", "enter")] {
        let mut h = browsing_victim();
        h.press(open);
        h.draw_mid_burst();
        assert!(!removes(&h.press(confirmed)), "{open} {confirmed}");
        h.wait(40);
        assert!(
            !removes(&h.press(confirmed)),
            "still too soon to be an answer"
        );
        h.wait(REACTION.as_millis() as i64);
        assert!(removes(&h.press(confirmed)), "read, then answered");
    }
    // The same for destroying a session and deleting workspaces.
    let mut h = Harness::new(fixtures::loaded_state());
    h.press("d");
    h.draw_mid_burst();
    assert!(h.press("y").is_empty());
    h.wait(REACTION.as_millis() as i64);
    assert!(!h.press("y").is_empty());
    let mut h = Harness::new(fixtures::loaded_state());
    h.keys("2 j j d");
    h.draw_mid_burst();
    let deletes = |cmds: &[Command]| {
        cmds.iter()
            .any(|c| matches!(c, Command::Docker(DockerCmd::Delete { .. })))
    };
    assert!(matches!(h.state.dialog(), Some(Dialog::Delete(_))));
    assert!(!deletes(&h.press("y")));
    h.wait(REACTION.as_millis() as i64);
    assert!(deletes(&h.press("y")));
}

#[test]
fn a_dialog_reopened_before_the_next_frame_is_not_armed_by_the_old_one() {
    let mut h = Harness::new(browser_with(&[
        ("seen.txt", EntryKind::File),
        ("other.txt", EntryKind::File),
    ]));
    h.press("d");
    h.draw();
    // esc, j, d, y typed in one burst: the second dialog names a file nobody saw.
    assert!(!removes(&h.keys("esc j d y")));
}

#[test]
fn a_dialog_changed_by_a_key_must_be_drawn_again_before_confirming() {
    let mut h = Harness::new(fixtures::loaded_state());
    h.keys("2 d"); // alpha, used by s-alpha
    h.draw();
    // `k` (skip those in use) and enter typed together: the changed plan was never on screen.
    let cmds = h.keys("k enter");
    assert!(
        cmds.iter()
            .all(|c| !matches!(c, Command::Docker(DockerCmd::Delete { .. })))
    );
    assert!(matches!(h.state.dialog(), Some(Dialog::Delete(_))));
}

#[test]
fn every_destructive_dialog_waits_for_its_frame() {
    // Destroy a session.
    let mut h = Harness::new(fixtures::loaded_state());
    h.press("d");
    assert!(fixtures::question(&h.state).is_some_and(|q| q.destructive));
    assert!(h.press("y").is_empty());
    h.draw();
    assert!(!h.press("y").is_empty());
    // Overwrite on conflict, and reload over the edits.
    for key in ["o", "r"] {
        let mut state = editing(true);
        state.open_dialog(Dialog::SaveConflict {
            message: "changed".into(),
        });
        let mut h = Harness::new(state);
        assert!(h.press(key).is_empty(), "{key}");
        assert!(h.state.editor().is_some(), "{key}");
        h.draw();
        assert!(!h.press(key).is_empty(), "{key}");
    }
    // Discard unsaved edits.
    let mut h = Harness::new(editing(true));
    h.keys("esc d");
    assert!(
        h.state.editor().is_some(),
        "not discarded before it was seen"
    );
    h.draw();
    h.press("d");
    assert!(h.state.editor().is_none());
}

#[test]
fn delete_typed_while_the_editor_loads_does_nothing_destructive() {
    let mut h = browsing_victim();
    let cmds = h.press("enter");
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::Fs(FsCmd::Load { .. })))
    );
    // `d`, then a frame, then `y`: still nothing, the browser is being left.
    h.press("d");
    assert!(h.state.dialog().is_none(), "no delete dialog while leaving");
    h.draw();
    assert!(!removes(&h.press("y")));
    // Rename, new file, parent directory.
    for key in ["r", "n", "h"] {
        assert!(h.press(key).is_empty(), "{key}");
        assert!(h.state.dialog().is_none(), "{key}");
    }
    let Some(req) = h.state.files().unwrap().loading else {
        panic!("still loading");
    };
    h.send(FsEvent::Loaded {
        req,
        path: FsPath::parse("sub/victim.txt").unwrap(),
        result: Ok(crate::domain::file_ops::Load::File(FileData {
            data: b"x\n".to_vec(),
            version: version(),
        })),
    });
    assert_eq!(h.state.layer(), Layer::Editor);
}

#[test]
fn a_frame_drawn_is_not_a_key_and_keeps_the_notice() {
    let mut h = Harness::new(fixtures::loaded_state());
    notice(&mut h.state, NoticeLevel::Info, "hello");
    h.draw();
    assert!(h.state.notice.is_some());
}

#[test]
fn quit_with_unsaved_edits_asks_instead_of_quitting() {
    let mut h = Harness::new(editing(true));
    h.press("ctrl-c");
    assert!(!h.state.quit);
    assert!(matches!(h.state.dialog(), Some(Dialog::UnsavedChanges)));
    // Quitting without edits quits at once.
    let mut clean = Harness::new(editing(false));
    clean.press("ctrl-c");
    assert!(clean.state.quit);
}

#[test]
fn in_the_editor_q_is_text_and_only_ctrl_c_quits() {
    let mut h = Harness::new(editing(false));
    h.press("q");
    assert!(!h.state.quit);
    assert!(h.state.editor().unwrap().dirty, "typed into the buffer");
}

#[test]
fn ctrl_c_in_the_unsaved_changes_dialog_does_not_quit() {
    let mut h = Harness::new(editing(true));
    h.press("esc");
    h.draw();
    for _ in 0..3 {
        h.press("ctrl-c");
        assert!(!h.state.quit);
        assert!(matches!(h.state.dialog(), Some(Dialog::UnsavedChanges)));
        assert!(h.state.editor().unwrap().dirty);
    }
}

#[test]
fn quit_then_discard_quits_and_quit_then_cancel_stays() {
    let mut h = Harness::new(editing(true));
    h.press("ctrl-c");
    h.draw();
    h.press("d");
    assert!(h.state.quit);

    let mut h = Harness::new(editing(true));
    h.keys("ctrl-c esc");
    assert!(!h.state.quit && !h.state.quit_requested);
    assert_eq!(h.state.layer(), Layer::Editor);
    // A later clean close does not quit behind the operator's back.
    h.press("ctrl-s");
    let req = h.state.editor().unwrap().saving.unwrap();
    saved(&mut h, req, Ok(version()));
    h.press("esc");
    assert!(!h.state.quit);
}

/// The files task's answer to a save: the helper's error as the task converts it.
fn saved(h: &mut Harness, req: RequestId, result: Result<Version, FsError>) {
    h.send(FsEvent::Saved {
        req,
        path: FsPath::parse("sub/a.txt").unwrap(),
        result: result.map_err(Into::into),
    });
}

#[test]
fn quit_then_save_quits_only_once_the_save_succeeded() {
    let mut h = Harness::new(editing(true));
    h.press("ctrl-c");
    let cmds = h.press("s");
    assert!(matches!(cmds.as_slice(), [Command::Fs(FsCmd::Save { .. })]));
    assert!(!h.state.quit, "not before the save is done");
    let req = h.state.editor().unwrap().saving.unwrap();
    saved(&mut h, req, Ok(version()));
    assert!(h.state.quit);

    // A failed save keeps the program and the edits, and gives up quitting.
    let mut h = Harness::new(editing(true));
    h.keys("ctrl-c s");
    let req = h.state.editor().unwrap().saving.unwrap();
    saved(
        &mut h,
        req,
        Err(FsError::PermissionDenied("read-only".into())),
    );
    assert!(!h.state.quit && !h.state.quit_requested);
    assert!(h.state.editor().unwrap().dirty);
}

#[test]
fn a_click_under_a_dialog_changes_nothing_under_it() {
    let mut h = Harness::new(fixtures::loaded_state());
    h.draw();
    let before = h.state.selected_session().map(|s| s.id.clone());
    h.press("n"); // the new-session dialog
    let screen = h.draw();
    let row = screen
        .lines()
        .position(|l| l.contains("s-eph"))
        .expect("the row is on screen") as u16;
    h.click(3, row);
    assert_eq!(h.state.selected_session().map(|s| s.id.clone()), before);
    assert!(matches!(h.state.dialog(), Some(Dialog::NewSession(_))));
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

#[test]
fn keys_typed_while_a_save_is_on_its_way_stay_unsaved() {
    let mut h = Harness::new(editing(false));
    h.type_text("a");
    h.press("ctrl-s");
    let req = h.state.editor().unwrap().saving.unwrap();
    // Typed before the answer came: not in what was written.
    h.type_text("b");
    saved(&mut h, req, Ok(version()));
    assert!(h.state.editor().unwrap().dirty, "the b is in no file");
    assert_eq!(h.state.unsaved_buffer().unwrap().2, b"abx\n");
    h.press("esc");
    assert!(matches!(h.state.dialog(), Some(Dialog::UnsavedChanges)));

    // Saving on the way out: the save succeeds, the edit made meanwhile keeps the editor open
    // and the program running.
    let mut h = Harness::new(editing(true));
    h.press("ctrl-c");
    h.draw();
    h.press("s");
    let req = h.state.editor().unwrap().saving.unwrap();
    h.type_text("c");
    saved(&mut h, req, Ok(version()));
    assert!(!h.state.quit);
    assert!(h.state.editor().is_some_and(|e| e.dirty));

    // Nothing typed meanwhile: clean, and undoing back to what was saved is clean too.
    let mut h = Harness::new(editing(true));
    h.type_text("d");
    h.press("ctrl-s");
    let req = h.state.editor().unwrap().saving.unwrap();
    h.type_text("e");
    h.press("ctrl-z");
    saved(&mut h, req, Ok(version()));
    assert!(!h.state.editor().unwrap().dirty);
}

#[test]
fn a_dialog_hidden_by_a_too_small_terminal_is_not_armed_by_its_frames() {
    let mut h = Harness::sized(fixtures::loaded_state(), 40, 8);
    h.press("d");
    assert!(matches!(h.state.dialog(), Some(Dialog::Confirm(_))));
    let screen = h.draw();
    assert!(screen.contains("Terminal too small"), "{screen}");
    assert!(
        h.press("y").is_empty(),
        "confirmed a dialog never on screen"
    );
    h.draw();
    assert!(
        h.press("enter").is_empty(),
        "confirmed a dialog never on screen"
    );
    assert!(matches!(h.state.dialog(), Some(Dialog::Confirm(_))));
}
