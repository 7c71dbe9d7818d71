//! Typed answers from the Docker and files tasks: update puts them in words and acts on the
//! kinds it can act on (a thing gone refreshes what shows it, a changed file asks, a stall
//! says what the engine is doing).

use super::*;
use crate::app::files::{Connection, EditorView, FilesView};
use crate::docker::DockerEvent;
use crate::domain::file_ops::{FileChange, Transferred};
use crate::domain::files::{FsPath, Version};
use crate::domain::outcome::{Failure, FailureKind};
use crate::domain::session::{Destroyed, SessionChange};
use crate::fixtures;
use crate::workspace_fs::task::{FsCmd, FsEvent};

fn p(raw: &str) -> FsPath {
    FsPath::parse(raw).unwrap()
}

fn notice_text(state: &State) -> String {
    state
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

fn changed(state: &mut State, result: Result<SessionChange, Failure>) -> Vec<Command> {
    update(
        state,
        Msg::Docker(DockerEvent::SessionChanged {
            req: RequestId(4),
            container_id: "s-alpha-cid".into(),
            result,
        }),
    )
}

#[test]
fn session_changes_are_said_with_the_sessions_id() {
    let mut state = fixtures::loaded_state();
    assert!(changed(&mut state, Ok(SessionChange::Stopped)).is_empty());
    assert_eq!(notice_text(&state), "Stopped session s-alpha");
    changed(&mut state, Ok(SessionChange::Started));
    assert_eq!(notice_text(&state), "Started session s-alpha");
    let destroyed = Destroyed {
        session_id: "s-alpha".into(),
        container: "sandkasten-s-alpha".into(),
        removed_volume: None,
        kept_workspace: Some("alpha".into()),
    };
    changed(&mut state, Ok(SessionChange::Destroyed(destroyed)));
    assert_eq!(
        notice_text(&state),
        "Destroyed session s-alpha; workspace alpha stays"
    );
}

#[test]
fn a_session_gone_meanwhile_refreshes_the_list_and_says_so() {
    let mut state = fixtures::loaded_state();
    let gone = Failure::new(
        FailureKind::NotFound,
        "No such container: s-alpha-cid (404)",
    );
    let commands = changed(&mut state, Err(gone));
    assert_eq!(commands, [Command::Docker(DockerCmd::Refresh)]);
    let notice = state.notice.clone().unwrap();
    assert_eq!(notice.level, NoticeLevel::Error);
    assert_eq!(
        notice.text,
        "Session s-alpha: No such container: s-alpha-cid (404) — gone meanwhile; the list refreshes"
    );
}

#[test]
fn a_session_already_gone_from_the_list_is_named_by_its_short_container_id() {
    // Removed from outside while its destroy question was open: the events stream took it
    // off the list before the answer came.
    let mut state = fixtures::loaded_state();
    let cid = "becc88ece235931d1be8e3de405f52a34c61d9c4c9532ba866c4aca92cdaa742";
    let gone = Failure::new(
        FailureKind::NotFound,
        format!("No such container: {cid} (404)"),
    );
    update(
        &mut state,
        Msg::Docker(DockerEvent::SessionChanged {
            req: RequestId(4),
            container_id: cid.into(),
            result: Err(gone),
        }),
    );
    assert!(
        notice_text(&state).starts_with("Session becc88ece235: No such container"),
        "{}",
        notice_text(&state)
    );
}

#[test]
fn a_stalled_or_unreachable_engine_is_said_as_the_engines_state_without_a_refresh() {
    let mut state = fixtures::loaded_state();
    let stalled = Failure::new(FailureKind::Stalled, "no answer to stopping within 30s");
    assert!(changed(&mut state, Err(stalled)).is_empty());
    assert!(
        notice_text(&state).ends_with("it retries by itself"),
        "{}",
        notice_text(&state)
    );
    let down = Failure::new(FailureKind::Unreachable, "engine unreachable: refused");
    update(&mut state, Msg::Docker(DockerEvent::RefreshFailed(down)));
    assert_eq!(
        notice_text(&state),
        "Refresh failed: engine unreachable: refused — the engine cannot be reached; it \
         reconnects by itself"
    );
}

#[test]
fn a_refused_change_says_it_will_not_help_to_ask_again() {
    let mut state = fixtures::loaded_state();
    let theirs = Failure::new(
        FailureKind::Refused,
        "s-alpha-cid is not a sandkasten session: not touched",
    );
    assert!(changed(&mut state, Err(theirs)).is_empty());
    assert!(notice_text(&state).contains("trying again will not help"));
}

#[test]
fn a_detail_for_a_session_gone_meanwhile_refreshes_the_list() {
    let mut state = fixtures::loaded_state();
    let container_id = state.selected_session().unwrap().container_id.clone();
    let Some(&DetailState::Loading { req, .. }) = state.sessions.details.get(&container_id) else {
        panic!("the selected session's detail is asked for");
    };
    let gone = Failure::new(FailureKind::NotFound, "No such container (404)");
    let commands = update(
        &mut state,
        Msg::Docker(DockerEvent::SessionDetail {
            req,
            container_id: container_id.clone(),
            result: Err(gone),
        }),
    );
    assert_eq!(commands, [Command::Docker(DockerCmd::Refresh)]);
    let Some(DetailState::Failed { reason, .. }) = state.sessions.details.get(&container_id) else {
        panic!("the detail says why");
    };
    assert!(
        reason.ends_with("gone meanwhile; the list refreshes"),
        "{reason}"
    );
}

fn browsing(cwd: &str) -> State {
    let mut state = fixtures::loaded_state();
    let mut files = FilesView::new(
        "sandkasten-ws-alpha".into(),
        "workspace alpha".into(),
        RequestId(1),
    );
    files.connection = Connection::Ready;
    files.cwd = p(cwd);
    files.listing = Some(RequestId(2));
    fixtures::browse(&mut state, files);
    state
}

#[test]
fn a_directory_gone_meanwhile_lists_its_parent() {
    let mut state = browsing("sub/gone");
    let gone = Failure::new(FailureKind::NotFound, "sub/gone: No such file or directory");
    let commands = update(
        &mut state,
        Msg::Fs(FsEvent::Listed {
            req: RequestId(2),
            dir: p("sub/gone"),
            result: Err(gone),
        }),
    );
    let [Command::Fs(FsCmd::List { dir, .. })] = commands.as_slice() else {
        panic!("{commands:?}");
    };
    assert_eq!(dir, &p("sub"));
    assert!(notice_text(&state).starts_with("Cannot list /workspace/sub/gone: "));
    // Any other failure is shown where the listing would be, and nothing more is asked.
    let mut state = browsing("sub");
    let denied = Failure::new(FailureKind::Refused, "sub: Permission denied");
    let commands = update(
        &mut state,
        Msg::Fs(FsEvent::Listed {
            req: RequestId(2),
            dir: p("sub"),
            result: Err(denied),
        }),
    );
    assert!(commands.is_empty(), "{commands:?}");
    let error = state.files().unwrap().list_error.clone().unwrap();
    assert!(
        error.starts_with("sub: Permission denied — refused"),
        "{error}"
    );
}

#[test]
fn a_failed_change_names_the_change_and_what_to_do() {
    let mut state = browsing("");
    if let Some(files) = state.files_mut() {
        files.changing = Some(RequestId(8));
    }
    let taken = Failure::new(FailureKind::Conflict, "a.txt: already exists");
    let commands = update(
        &mut state,
        Msg::Fs(FsEvent::Changed {
            req: RequestId(8),
            change: FileChange::CreatedFile(p("a.txt")),
            result: Err(taken),
        }),
    );
    assert!(matches!(
        commands.as_slice(),
        [Command::Fs(FsCmd::List { .. })]
    ));
    assert_eq!(
        notice_text(&state),
        "Creating a.txt failed: a.txt: already exists — pick another name, or reload and try again"
    );
}

#[test]
fn a_removal_kept_because_the_file_was_replaced_says_so_and_lists_again() {
    let mut state = browsing("");
    if let Some(files) = state.files_mut() {
        files.changing = Some(RequestId(8));
    }
    let replaced = Failure::new(
        FailureKind::Conflict,
        "build: replaced since it was listed; nothing deleted",
    );
    let commands = update(
        &mut state,
        Msg::Fs(FsEvent::Changed {
            req: RequestId(8),
            change: FileChange::Removed {
                path: p("build"),
                was_dir: true,
            },
            result: Err(replaced),
        }),
    );
    assert!(matches!(
        commands.as_slice(),
        [Command::Fs(FsCmd::List { .. })]
    ));
    assert_eq!(
        notice_text(&state),
        "Deleting directory build failed: build: replaced since it was listed; nothing deleted \
         — the listing shows what is there now"
    );
}

#[test]
fn transfers_are_said_from_their_figures_and_a_cancel_is_not_a_failure() {
    for (result, level, text) in [
        (
            Ok(Transferred::Downloaded {
                from: p("notes.txt"),
                to: "/home/op/Downloads/notes.txt".into(),
                files: 1,
                bytes: 3,
            }),
            NoticeLevel::Info,
            "Downloaded notes.txt to /home/op/Downloads/notes.txt (1 files, 3 B)",
        ),
        (
            Ok(Transferred::Cancelled),
            NoticeLevel::Info,
            "Transfer cancelled; what was copied so far stays",
        ),
        // The host's own refusals: a source path mistyped, a destination not writable. They
        // are no workspace file gone meanwhile and nothing "not sandkasten's".
        (
            Err(Failure::new(
                FailureKind::NotFound,
                "/tmp/typo: No such file or directory (os error 2)",
            )),
            NoticeLevel::Error,
            "Transfer failed: /tmp/typo: No such file or directory (os error 2)",
        ),
        (
            Err(Failure::new(
                FailureKind::Refused,
                "/sys/x: Operation not permitted (os error 1)",
            )),
            NoticeLevel::Error,
            "Transfer failed: /sys/x: Operation not permitted (os error 1)",
        ),
        (
            Err(Failure::new(
                FailureKind::Conflict,
                "/tmp/a.txt: already exists",
            )),
            NoticeLevel::Error,
            "Transfer failed: /tmp/a.txt: already exists — pick another name, or reload and try again",
        ),
    ] {
        let mut state = browsing("");
        if let Some(files) = state.files_mut() {
            files.transfer = Some(crate::app::files::Transfer {
                req: RequestId(9),
                what: "downloading".into(),
                bytes: 0,
            });
        }
        update(
            &mut state,
            Msg::Fs(FsEvent::TransferDone {
                req: RequestId(9),
                result,
            }),
        );
        let notice = state.notice.clone().unwrap();
        assert_eq!((notice.level, notice.text.as_str()), (level, text));
    }
}

#[test]
fn a_save_that_finds_the_file_changed_asks_and_other_failures_say_not_saved() {
    for (kind, asks) in [(FailureKind::Conflict, true), (FailureKind::Refused, false)] {
        let mut state = browsing("");
        fixtures::edit(
            &mut state,
            EditorView {
                version: Version::default(),
                saving: Some(RequestId(7)),
                sent: b"x\n".to_vec(),
                ..fixtures::editor("a.txt", &["x"], true)
            },
        );
        let why = Failure::new(kind, "a.txt: changed on disk since it was opened");
        update(
            &mut state,
            Msg::Fs(FsEvent::Saved {
                req: RequestId(7),
                path: p("a.txt"),
                result: Err(why),
            }),
        );
        let dialog = state.dialog().cloned();
        if asks {
            assert_eq!(
                dialog,
                Some(crate::app::dialog::Dialog::SaveConflict {
                    message: "a.txt: changed on disk since it was opened".into()
                })
            );
        } else {
            assert!(dialog.is_none(), "{dialog:?}");
            assert!(notice_text(&state).starts_with("Not saved: "));
        }
        assert!(state.editor().unwrap().dirty, "the edits stay");
    }
}

#[test]
fn a_volume_gone_before_it_opened_refreshes_the_inventory() {
    let mut state = fixtures::loaded_state();
    fixtures::browse(
        &mut state,
        FilesView::new(
            "sandkasten-ws-alpha".into(),
            "workspace alpha".into(),
            RequestId(9),
        ),
    );
    let gone = Failure::new(FailureKind::NotFound, "no such volume: sandkasten-ws-alpha");
    let commands = update(
        &mut state,
        Msg::Fs(FsEvent::Opened {
            req: RequestId(9),
            result: Err(gone),
        }),
    );
    assert_eq!(commands, [Command::Docker(DockerCmd::Refresh)]);
    let Connection::Failed(why) = &state.files().unwrap().connection else {
        panic!("not failed");
    };
    assert!(why.ends_with("gone meanwhile; the list refreshes"), "{why}");
}

#[test]
fn a_file_gone_before_its_preview_or_load_lists_the_directory_again() {
    let mut state = browsing("");
    if let Some(files) = state.files_mut() {
        files.listing = None;
        files.loading = Some(RequestId(5));
        files.preview = crate::app::files::Preview::Loading {
            req: RequestId(6),
            path: p("a.txt"),
        };
    }
    let gone = || Failure::new(FailureKind::NotFound, "a.txt: No such file or directory");
    let lists = |commands: &[Command]| matches!(commands, [Command::Fs(FsCmd::List { dir, .. })] if dir.is_root());
    let commands = update(
        &mut state,
        Msg::Fs(FsEvent::Previewed {
            req: RequestId(6),
            path: p("a.txt"),
            result: Err(gone()),
        }),
    );
    assert!(lists(&commands), "{commands:?}");
    let commands = update(
        &mut state,
        Msg::Fs(FsEvent::Loaded {
            req: RequestId(5),
            path: p("a.txt"),
            result: Err(gone()),
        }),
    );
    assert!(lists(&commands), "{commands:?}");
    assert!(notice_text(&state).starts_with("Cannot open a.txt: a.txt: No such file"));
}
