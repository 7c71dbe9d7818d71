//! `update` from the panes outward: inventory and details, navigation, filters, sorting, focus and clicks, reconnects, help and quit, session actions (shell, logs, destroy, new) and a few browser cases.

use super::*;
use crate::app::msg::MouseMsg;
use crate::app::state::EngineStatus;
use crate::docker::DockerEvent;
use crate::domain::ids::RequestId;
use crate::domain::session::SessionState;
use crate::fixtures;

fn docker(state: &mut State, event: DockerEvent) -> Vec<Command> {
    update(state, Msg::Docker(event))
}

fn session_ids(state: &State) -> Vec<String> {
    state
        .sessions
        .list
        .visible()
        .map(|s| s.id.clone())
        .collect()
}

#[test]
fn inventory_fills_both_panes_and_asks_for_the_selected_detail() {
    let mut state = fixtures::fresh_state();
    docker(&mut state, DockerEvent::Connected(fixtures::engine_info()));
    let cmds = docker(&mut state, DockerEvent::Inventory(fixtures::inventory()));
    assert!(state.loaded);
    assert_eq!(state.sessions.list.len(), 3);
    assert_eq!(state.workspaces.list.len(), 3);
    let selected = state.selected_session().unwrap().container_id.clone();
    let Command::Docker(DockerCmd::Measure { volumes }) = &cmds[0] else {
        panic!("first the sizes: {cmds:?}");
    };
    assert_eq!(volumes.len(), 3, "every workspace is measured once known");
    assert_eq!(
        cmds[1],
        Command::Docker(DockerCmd::InspectSession {
            req: RequestId(1),
            container_id: selected
        })
    );
}

#[test]
fn detail_replies_are_matched_by_request_id() {
    let mut state = fixtures::loaded_state();
    let cid = state.selected_session().unwrap().container_id.clone();
    // A stale reply (wrong id) is ignored.
    docker(
        &mut state,
        DockerEvent::SessionDetail {
            req: RequestId(99),
            container_id: cid.clone(),
            result: Ok(Box::default()),
        },
    );
    assert!(matches!(
        state.sessions.details[&cid],
        DetailState::Loading { .. }
    ));
    docker(
        &mut state,
        DockerEvent::SessionDetail {
            req: RequestId(1),
            container_id: cid.clone(),
            result: Ok(Box::default()),
        },
    );
    assert!(matches!(
        state.sessions.details[&cid],
        DetailState::Ready { .. }
    ));
}

#[test]
fn moving_down_requests_the_next_detail_once() {
    let mut state = fixtures::loaded_state();
    let cmds = update(&mut state, Action::SelectNext);
    assert_eq!(cmds.len(), 1);
    let cmds = update(&mut state, Action::SelectPrev);
    assert!(cmds.is_empty(), "already loading: no second request");
}

#[test]
fn no_inspect_while_the_engine_is_down_or_the_workspaces_pane_is_focused() {
    let mut state = fixtures::loaded_state();
    update(&mut state, Action::FocusWorkspaces);
    assert!(update(&mut state, Action::SelectNext).is_empty());
    update(&mut state, Action::FocusSessions);
    docker(
        &mut state,
        DockerEvent::Unreachable {
            endpoint: "x".into(),
            reason: "gone".into(),
            attempt: 1,
            retry_in_ms: 250,
        },
    );
    assert!(update(&mut state, Action::SelectNext).is_empty());
    assert!(state.stale);
}

#[test]
fn filter_as_you_type_then_cancel() {
    let mut state = fixtures::loaded_state();
    update(&mut state, Action::StartFilter);
    assert_eq!(state.layer(), Layer::Filter);
    for c in "s-e".chars() {
        update(&mut state, Msg::Text(c));
    }
    assert_eq!(session_ids(&state), ["s-eph"]);
    update(&mut state, Action::Backspace);
    assert_eq!(state.filter_of(Pane::Sessions), "s-");
    update(&mut state, Action::FilterCancel);
    assert_eq!(state.layer(), Layer::Panes(Pane::Sessions));
    assert_eq!(state.sessions.list.len(), 3);
}

#[test]
fn filter_accept_keeps_the_filter_on_that_pane_only() {
    let mut state = fixtures::loaded_state();
    update(&mut state, Action::FocusWorkspaces);
    update(&mut state, Action::StartFilter);
    for c in "is:orphan".chars() {
        update(&mut state, Msg::Text(c));
    }
    update(&mut state, Action::FilterAccept);
    assert_eq!(state.workspaces.list.len(), 1);
    assert_eq!(state.sessions.list.len(), 3);
    update(&mut state, Action::ClearFilter);
    assert_eq!(state.workspaces.list.len(), 3);
}

#[test]
fn sort_keys_apply_to_the_focused_pane() {
    let mut state = fixtures::loaded_state();
    update(&mut state, Action::SortById);
    assert_eq!(session_ids(&state), ["p-1", "s-alpha", "s-eph"]);
    update(&mut state, Action::SortById);
    assert_eq!(session_ids(&state), ["s-eph", "s-alpha", "p-1"]);
    // A workspace-only sort does nothing here.
    update(&mut state, Action::SortByQuota);
    assert_eq!(session_ids(&state), ["s-eph", "s-alpha", "p-1"]);
}

#[test]
fn orphans_stay_grouped_after_workspaces_whatever_the_sort() {
    let mut state = fixtures::loaded_state();
    update(&mut state, Action::FocusWorkspaces);
    update(&mut state, Action::SortByAge);
    update(&mut state, Action::SortByAge);
    let ids: Vec<_> = state
        .workspaces
        .list
        .visible()
        .map(|w| w.ws.id.clone())
        .collect();
    assert_eq!(ids, ["alpha", "beta", "s-old"]);
}

#[test]
fn focus_cycles_and_clicks_select() {
    let mut state = fixtures::loaded_state();
    update(&mut state, Action::FocusNext);
    assert_eq!(state.focus, Pane::Workspaces);
    update(&mut state, Action::FocusPrev);
    assert_eq!(state.focus, Pane::Sessions);
    update(
        &mut state,
        Msg::Mouse(MouseMsg::Click {
            pane: Pane::Workspaces,
            row: Some(2),
        }),
    );
    assert_eq!(state.focus, Pane::Workspaces);
    assert_eq!(state.selected_workspace().unwrap().ws.id, "s-old");
}

#[test]
fn a_vanished_session_drops_its_detail_and_a_state_change_refetches() {
    let mut state = fixtures::loaded_state();
    let cid = state.selected_session().unwrap().container_id.clone();
    let mut inv = fixtures::inventory();
    for s in &mut inv.sessions {
        if s.container_id == cid {
            s.state = SessionState::Exited;
        }
    }
    let cmds = docker(&mut state, DockerEvent::Inventory(inv));
    assert_eq!(cmds.len(), 1, "state changed: inspect again");
    let mut inv = fixtures::inventory();
    inv.sessions.retain(|s| s.container_id != cid);
    docker(&mut state, DockerEvent::Inventory(inv));
    assert!(!state.sessions.details.contains_key(&cid));
}

#[test]
fn reconnecting_says_so() {
    let mut state = fixtures::loaded_state();
    docker(
        &mut state,
        DockerEvent::Unreachable {
            endpoint: "x".into(),
            reason: "connection refused".into(),
            attempt: 1,
            retry_in_ms: 250,
        },
    );
    docker(
        &mut state,
        DockerEvent::Connecting {
            endpoint: "x".into(),
            attempt: 2,
        },
    );
    assert!(matches!(state.engine, EngineStatus::Unreachable { .. }));
    docker(&mut state, DockerEvent::Connected(fixtures::engine_info()));
    assert!(state.engine.is_connected());
    assert!(state.notice.as_ref().unwrap().text.contains("Reconnected"));
}

#[test]
fn help_toggles_and_quit_quits() {
    let mut state = fixtures::loaded_state();
    update(&mut state, Action::ToggleHelp);
    assert_eq!(state.layer(), Layer::Help);
    update(&mut state, Action::ToggleHelp);
    assert_eq!(state.layer(), Layer::Panes(Pane::Sessions));
    update(&mut state, Action::Quit);
    assert!(state.quit);
}

#[test]
fn shell_on_a_running_session_hands_off_and_on_a_stopped_one_offers_to_start() {
    let mut state = fixtures::loaded_state();
    // p-1 (running) is selected first.
    let cmds = update(&mut state, Action::Shell);
    let [Command::Docker(DockerCmd::PrepareShell { target, .. })] = cmds.as_slice() else {
        panic!("{cmds:?}");
    };
    assert_eq!(target.session, "p-1");
    assert!(!target.start_first);
    update(&mut state, Action::SelectLast); // s-eph, exited
    assert!(update(&mut state, Action::Shell).is_empty());
    let question = fixtures::question(&state).expect("start it first?");
    assert!(
        !question.destructive,
        "starting loses nothing: no arming needed"
    );
    let cmds = update(&mut state, Action::Confirm);
    let [Command::Docker(DockerCmd::PrepareShell { req, target })] = cmds.as_slice() else {
        panic!("{cmds:?}");
    };
    assert!(target.start_first);
    assert_eq!(state.layer(), Layer::Panes(Pane::Sessions));
    // Yes made the shell the awaited one: its answer may take the terminal.
    let opening = state.sessions.opening_shell.as_ref().unwrap();
    assert_eq!((opening.req, opening.session.as_str()), (*req, "s-eph"));
    assert!(
        state
            .notice
            .as_ref()
            .unwrap()
            .text
            .starts_with("Starting s-eph")
    );
}

#[test]
fn read_only_refuses_shells_and_session_changes_but_not_logs() {
    let mut state = fixtures::loaded_state();
    state.config.read_only = true;
    for action in [
        Action::Shell,
        Action::StartStop,
        Action::Delete,
        Action::NewSession,
    ] {
        assert!(update(&mut state, action).is_empty(), "{action:?}");
        assert!(state.dialog().is_none(), "{action:?}");
        assert!(state.notice.as_ref().unwrap().text.contains("Read-only"));
    }
    let cmds = update(&mut state, Action::Logs);
    assert!(matches!(
        cmds.as_slice(),
        [Command::Docker(DockerCmd::FollowLogs { .. })]
    ));
}

#[test]
fn destroy_says_what_stays_and_what_goes() {
    use crate::app::confirm::Meaning;
    let mut state = fixtures::loaded_state();
    update(&mut state, Action::SortById); // p-1, s-alpha, s-eph
    update(&mut state, Action::SelectNext); // s-alpha on workspace alpha
    update(&mut state, Action::Delete);
    let question = fixtures::question(&state).expect("destroy?").clone();
    assert!(question.destructive);
    let said = |meaning| {
        let parts = question.lines.iter().flat_map(|l| &l.0);
        parts
            .filter(|p| p.meaning == meaning)
            .map(|p| p.text.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(said(Meaning::Subject), ["s-alpha"]);
    assert_eq!(
        said(Meaning::Stays),
        ["Workspace alpha stays: its files persist for the next session."]
    );
    assert!(said(Meaning::Goes).is_empty(), "nothing else goes");
    fixtures::frame_drawn(&mut state);
    let cmds = update(&mut state, Action::Confirm);
    // Exactly the command the question carried: the container by its id.
    assert_eq!(cmds, question.on_yes);
    let [Command::Docker(DockerCmd::DestroySession { container_id, .. })] = cmds.as_slice() else {
        panic!("{cmds:?}");
    };
    assert_eq!(container_id, "s-alpha-cid");
    assert_eq!(
        state.notice.as_ref().unwrap().text,
        "Destroying session s-alpha…"
    );
}

#[test]
fn logs_follow_their_request_and_closing_stops_the_stream() {
    let mut state = fixtures::loaded_state();
    let cmds = update(&mut state, Action::Logs);
    let [Command::Docker(DockerCmd::FollowLogs { req, .. })] = cmds.as_slice() else {
        panic!("{cmds:?}");
    };
    let req = *req;
    assert_eq!(state.layer(), Layer::Logs);
    docker(
        &mut state,
        DockerEvent::LogLines {
            req,
            lines: vec!["hello".into()],
        },
    );
    docker(
        &mut state,
        DockerEvent::LogLines {
            req: RequestId(req.0 + 100),
            lines: vec!["stray".into()],
        },
    );
    assert_eq!(state.logs().unwrap().lines, ["hello"]);
    // j scrolls the logs, not the sessions list.
    let before = state.selected_session().unwrap().id.clone();
    update(&mut state, Action::SelectNext);
    assert_eq!(state.selected_session().unwrap().id, before);
    let cmds = update(&mut state, Action::CloseLogs);
    assert_eq!(cmds, [Command::Docker(DockerCmd::StopLogs { req })]);
    assert!(state.logs().is_none());
    assert_eq!(state.layer(), Layer::Panes(Pane::Sessions));
}

#[test]
fn a_new_session_validates_the_new_workspace_id_and_then_creates_and_attaches() {
    use crate::app::dialog::Dialog;
    let mut state = fixtures::loaded_state();
    state.sessions_config.images = vec!["img:a".into(), "img:b".into()];
    update(&mut state, Action::NewSession);
    update(&mut state, Action::NextChoice); // image b
    update(&mut state, Action::NextField);
    update(&mut state, Action::NextChoice); // existing
    update(&mut state, Action::NextChoice); // new
    update(&mut state, Action::NextField);
    for c in "bad id".chars() {
        update(&mut state, Msg::Text(c));
    }
    assert!(update(&mut state, Action::Confirm).is_empty());
    let Some(Dialog::NewSession(d)) = state.dialog() else {
        panic!();
    };
    assert!(d.error.as_deref().unwrap().contains("' '"));
    for _ in 0..3 {
        update(&mut state, Action::Backspace);
    }
    let cmds = update(&mut state, Action::Confirm);
    let [
        Command::Docker(DockerCmd::CreateSession {
            spec, attach: true, ..
        }),
    ] = cmds.as_slice()
    else {
        panic!("{cmds:?}");
    };
    assert_eq!(spec.image, "img:b");
    assert_eq!(
        spec.storage,
        crate::domain::session::SessionStorage::New("bad".into())
    );
}

#[test]
fn workspaces_disabled_offers_only_ephemeral_sessions() {
    use crate::app::dialog::{Dialog, StorageChoice};
    let mut state = fixtures::loaded_state();
    state.config.workspace_enabled = false;
    update(&mut state, Action::NewSession);
    update(&mut state, Action::NextField);
    update(&mut state, Action::NextChoice);
    let Some(Dialog::NewSession(d)) = state.dialog() else {
        panic!();
    };
    assert_eq!(d.storage, StorageChoice::Ephemeral);
}

pub(super) fn browser_with(entries: &[(&str, crate::domain::files::EntryKind)]) -> State {
    use crate::app::files::{Connection, FilesView};
    let mut state = fixtures::loaded_state();
    let mut files = FilesView::new(
        "sandkasten-ws-alpha".into(),
        "workspace alpha".into(),
        RequestId(1),
    );
    files.connection = Connection::Ready;
    files.cwd = crate::domain::files::FsPath::parse("sub").unwrap();
    files.entries = entries
        .iter()
        .map(|(name, kind)| crate::domain::files::Entry {
            name: name.as_bytes().to_vec(),
            kind: *kind,
            size: 1,
            mode: 0o644,
            uid: 0,
            gid: 0,
            mtime_ns: 0,
            ctime_ns: 0,
            ino: 0,
            dev: 0,
            symlink_target: None,
        })
        .collect();
    fixtures::browse(&mut state, files);
    state
}

#[test]
fn going_up_forgets_the_old_entries_so_nothing_typed_ahead_hits_the_parent() {
    use crate::domain::files::EntryKind;
    let mut state = browser_with(&[("victim.txt", EntryKind::File)]);
    update(&mut state, Action::GoUp);
    assert!(state.files().unwrap().selected_path().is_none());
    assert!(
        update(&mut state, Action::Delete)
            .iter()
            .all(|c| !matches!(c, Command::Fs(_)))
    );
    assert!(
        state.dialog().is_none(),
        "no delete dialog for a stale entry"
    );
}

#[test]
fn rename_acts_on_what_was_selected_when_the_prompt_opened() {
    use crate::domain::files::{EntryKind, FsPath};
    use crate::workspace_fs::task::FsCmd;
    let mut state = browser_with(&[("a.txt", EntryKind::File), ("b.txt", EntryKind::File)]);
    update(&mut state, Action::Rename); // a.txt selected
    // A new listing arrives meanwhile and the selection now points elsewhere.
    state.files_mut().unwrap().selected = 1;
    for _ in 0.."a.txt".len() {
        update(&mut state, Action::Backspace);
    }
    for c in "c.txt".chars() {
        update(&mut state, Msg::Text(c));
    }
    let cmds = update(&mut state, Action::Confirm);
    let [Command::Fs(FsCmd::Rename { from, to, .. })] = cmds.as_slice() else {
        panic!("{cmds:?}");
    };
    assert_eq!(from, &FsPath::parse("sub/a.txt").unwrap());
    assert_eq!(to, &FsPath::parse("sub/c.txt").unwrap());
}

#[test]
fn a_load_nobody_waits_for_opens_no_editor() {
    use crate::domain::files::{EntryKind, FileData, FsPath, Version};
    use crate::workspace_fs::task::FsEvent;
    let mut state = browser_with(&[("a.txt", EntryKind::File)]);
    let data = FileData {
        data: b"x\n".to_vec(),
        version: Version {
            mtime_ns: 1,
            size: 2,
            ..Default::default()
        },
    };
    update(
        &mut state,
        Msg::Fs(FsEvent::Loaded {
            req: RequestId(999),
            path: FsPath::parse("sub/a.txt").unwrap(),
            result: Ok(crate::domain::file_ops::Load::File(data)),
        }),
    );
    assert!(state.editor().is_none());
}

#[test]
fn read_only_refuses_saving_even_from_the_unsaved_changes_dialog() {
    use crate::app::dialog::Dialog;
    let mut state = browser_with(&[]);
    state.config.read_only = true;
    fixtures::edit(&mut state, fixtures::editor("sub/a.txt", &["x"], true));
    update(&mut state, Action::CloseEditor);
    assert!(matches!(state.dialog(), Some(Dialog::UnsavedChanges)));
    let cmds = update(&mut state, Action::Save);
    assert!(
        cmds.iter().all(|c| !matches!(c, Command::Fs(_))),
        "{cmds:?}"
    );
}

/// The browser on `sub/` with an editor open on `sub/a.txt`, `dirty` or not.
pub(super) fn editing(dirty: bool) -> State {
    use crate::domain::files::EntryKind;
    let mut state = browser_with(&[("a.txt", EntryKind::File)]);
    fixtures::edit(&mut state, fixtures::editor("sub/a.txt", &["x"], dirty));
    state
}
