//! Render snapshots: every pane and overlay at fixed sizes, from fixture states.

use insta::assert_snapshot;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::*;
use crate::action::Action;
use crate::app::keymap::Keymap;
use crate::app::msg::Msg;
use crate::app::screen::Layer;
use crate::app::state::{DetailState, EngineStatus, Pane};
use crate::app::update::update;
use crate::config::keymap::Bindings;
use crate::docker::DockerEvent;
use crate::domain::ids::RequestId;
use crate::domain::outcome::{Failure, FailureKind};
use crate::domain::session::SessionDetail;
use crate::fixtures;

fn draw(state: &State, width: u16, height: u16) -> (Terminal<TestBackend>, HitMap) {
    let keymap = Keymap::new(Bindings::defaults());
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let mut hits = HitMap::default();
    terminal
        .draw(|frame| hits = render(frame, state, &keymap))
        .unwrap();
    (terminal, hits)
}

fn screen(state: &State, width: u16, height: u16) -> String {
    draw(state, width, height).0.backend().to_string()
}

fn with_detail(mut state: State) -> State {
    let cid = state.selected_session().unwrap().container_id.clone();
    let detail = SessionDetail {
        cpu_limit: Some(1.0),
        memory_bytes: Some(512 * 1024 * 1024),
        pids_limit: Some(256),
        readonly_rootfs: true,
        cap_drop: vec!["ALL".into()],
        security_opt: vec!["no-new-privileges".into()],
        network_mode: "none".into(),
        tmpfs: [("/tmp", ""), ("/run", ""), ("/home/sandbox/.cache", "")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        init: true,
        ..Default::default()
    };
    let session_state = state.selected_session().unwrap().state;
    state.sessions.details.insert(
        cid,
        DetailState::Ready {
            detail: Box::new(detail),
            state: session_state,
        },
    );
    state
}

#[test]
fn populated_wide() {
    assert_snapshot!(screen(&with_detail(fixtures::loaded_state()), 140, 32));
}

#[test]
fn populated_narrow_hides_the_detail_pane() {
    assert_snapshot!(screen(&fixtures::loaded_state(), 90, 24));
}

#[test]
fn workspaces_focused_shows_workspace_detail_and_orphan_group() {
    let mut state = fixtures::loaded_state();
    update(&mut state, Action::FocusWorkspaces);
    update(&mut state, Action::SelectNext);
    assert_snapshot!(screen(&state, 140, 32));
}

#[test]
fn a_workspace_restored_with_old_times_shows_its_recent_activity() {
    // beta's files all say 2020 (`tar x`, `touch -d`), but they were written an hour ago:
    // IDLE says 1h, as the idle rule sees it, and the detail shows both figures.
    let mut state = fixtures::loaded_state();
    let restored = crate::domain::measure::Measurement {
        newest_mtime: "2020-01-01T00:00:00Z".parse().ok(),
        ..fixtures::measurement(8 * 1024 * 1024 * 1024, 1200, 1)
    };
    update(
        &mut state,
        Msg::Docker(DockerEvent::Measured(vec![(
            "sandkasten-ws-beta".into(),
            Ok(restored),
        )])),
    );
    update(&mut state, Action::FocusWorkspaces);
    update(&mut state, Action::SelectNext);
    assert_snapshot!(screen(&state, 140, 32));
}

#[test]
fn connecting() {
    assert_snapshot!(screen(&fixtures::fresh_state(), 100, 20));
}

#[test]
fn loading_after_connect() {
    let mut state = fixtures::fresh_state();
    update(
        &mut state,
        Msg::Docker(DockerEvent::Connected(fixtures::engine_info())),
    );
    assert_snapshot!(screen(&state, 100, 20));
}

#[test]
fn empty_engine() {
    let mut state = fixtures::fresh_state();
    update(
        &mut state,
        Msg::Docker(DockerEvent::Connected(fixtures::engine_info())),
    );
    update(
        &mut state,
        Msg::Docker(DockerEvent::Inventory(Default::default())),
    );
    assert_snapshot!(screen(&state, 100, 20));
}

#[test]
fn engine_down_before_any_data() {
    let mut state = fixtures::fresh_state();
    update(
        &mut state,
        Msg::Docker(DockerEvent::Unreachable {
            endpoint: "unix:///var/run/docker.sock".into(),
            reason: "Connection refused (os error 111)".into(),
            attempt: 3,
            retry_in_ms: 1000,
        }),
    );
    assert_snapshot!(screen(&state, 100, 20));
}

#[test]
fn engine_down_keeps_stale_data_visible() {
    let mut state = fixtures::loaded_state();
    update(
        &mut state,
        Msg::Docker(DockerEvent::Unreachable {
            endpoint: "unix:///var/run/docker.sock".into(),
            reason: "the engine closed the events stream".into(),
            attempt: 1,
            retry_in_ms: 250,
        }),
    );
    assert!(matches!(state.engine, EngineStatus::Unreachable { .. }));
    assert_snapshot!(screen(&state, 100, 20));
}

#[test]
fn filter_active() {
    let mut state = fixtures::loaded_state();
    update(&mut state, Action::StartFilter);
    for c in "alpha".chars() {
        update(&mut state, Msg::Text(c));
    }
    assert_snapshot!(screen(&state, 100, 20));
}

#[test]
fn filter_matching_nothing() {
    let mut state = fixtures::loaded_state();
    update(&mut state, Action::StartFilter);
    for c in "zzz".chars() {
        update(&mut state, Msg::Text(c));
    }
    update(&mut state, Action::FilterAccept);
    assert_snapshot!(screen(&state, 100, 20));
}

#[test]
fn help_overlay() {
    let mut state = fixtures::loaded_state();
    update(&mut state, Action::ToggleHelp);
    assert_eq!(state.layer(), Layer::Help);
    assert_snapshot!(screen(&state, 190, 42));
}

#[test]
fn workspaces_disabled_and_read_only_show_in_the_status_bar() {
    let mut state = fixtures::loaded_state();
    state.config.workspace_enabled = false;
    state.config.read_only = true;
    assert_snapshot!(screen(&state, 140, 20));
}

#[test]
fn tiny_terminal_says_so() {
    assert_snapshot!(screen(&fixtures::loaded_state(), 40, 8));
}

#[test]
fn hit_map_maps_clicks_to_rows_across_the_separator() {
    let mut state = fixtures::loaded_state();
    update(&mut state, Action::FocusWorkspaces);
    let (_, hits) = draw(&state, 100, 30);
    let ws = hits
        .panes
        .iter()
        .find(|p| p.pane == Pane::Workspaces)
        .unwrap();
    let x = ws.body.x + 2;
    // Rows: alpha, beta, separator, s-old.
    assert_eq!(hits.locate(x, ws.body.y), Some((Pane::Workspaces, Some(0))));
    assert_eq!(
        hits.locate(x, ws.body.y + 1),
        Some((Pane::Workspaces, Some(1)))
    );
    assert_eq!(
        hits.locate(x, ws.body.y + 2),
        Some((Pane::Workspaces, None))
    );
    assert_eq!(
        hits.locate(x, ws.body.y + 3),
        Some((Pane::Workspaces, Some(2)))
    );
    assert_eq!(
        hits.page_size(Pane::Workspaces),
        Some(usize::from(ws.body.height))
    );
}

#[test]
fn a_thousand_rows_draw_only_the_window() {
    let mut state = fixtures::loaded_state();
    let workspaces: Vec<_> = (0..1000)
        .map(|i| fixtures::workspace(&format!("ws-{i:04}"), &[], i))
        .collect();
    update(
        &mut state,
        Msg::Docker(DockerEvent::Inventory(
            crate::domain::workspace::Inventory {
                sessions: Vec::new(),
                workspaces,
            },
        )),
    );
    update(&mut state, Action::FocusWorkspaces);
    update(&mut state, Action::SelectLast);
    let text = screen(&state, 100, 24);
    assert!(text.contains("ws-0999"), "{text}");
    assert!(!text.contains("ws-0000"));
}

fn workspaces_focused() -> State {
    let mut state = fixtures::loaded_state();
    update(&mut state, Action::FocusWorkspaces);
    state
}

#[test]
fn delete_dialog_for_marked_workspaces_one_in_use() {
    let mut state = workspaces_focused();
    update(&mut state, Action::ToggleMark); // alpha (used by s-alpha)
    update(&mut state, Action::ToggleMark); // beta
    update(&mut state, Action::Delete);
    assert_snapshot!(screen(&state, 140, 30));
    update(&mut state, Action::DestroySessions);
    assert_snapshot!(
        "delete_dialog_destroy_sessions_first",
        screen(&state, 140, 30)
    );
}

#[test]
fn delete_dialog_says_how_old_each_marked_size_is() {
    let mut state = workspaces_focused();
    state.now = fixtures::now() + jiff::SignedDuration::from_mins(3);
    update(&mut state, Action::ToggleMark); // alpha
    update(&mut state, Action::ToggleMark); // beta
    update(&mut state, Action::Delete);
    let text = screen(&state, 140, 30);
    assert!(text.contains("size measured 5m ago"), "{text}");
    assert_snapshot!(text);
}

#[test]
fn cleanup_planner_with_a_preview() {
    let mut state = workspaces_focused();
    update(&mut state, Action::OpenPlanner);
    for c in "7d".chars() {
        update(&mut state, Msg::Text(c));
    }
    assert_snapshot!(screen(&state, 140, 32));
}

#[test]
fn new_workspace_prompt_explains_a_bad_id() {
    let mut state = workspaces_focused();
    update(&mut state, Action::NewWorkspace);
    for c in "my ws".chars() {
        update(&mut state, Msg::Text(c));
    }
    assert_snapshot!(screen(&state, 120, 24));
}

/// The marked beta deleted, and the engine's answer for it.
fn beta_deleted(result: Result<crate::docker::delete::VolumeOutcome, Failure>) -> State {
    let mut state = workspaces_focused();
    update(&mut state, Action::ToggleMark);
    update(&mut state, Action::ToggleMark);
    update(&mut state, Action::Delete);
    update(&mut state, Action::SkipInUse);
    crate::fixtures::frame_drawn(&mut state);
    let commands = update(&mut state, Action::Confirm);
    assert_eq!(commands.len(), 1, "the delete command");
    let req = state.workspaces.deleting.as_ref().unwrap().req;
    update(
        &mut state,
        Msg::Docker(DockerEvent::VolumeDeleted {
            req,
            volume: "sandkasten-ws-beta".into(),
            result,
        }),
    );
    update(&mut state, Msg::Docker(DockerEvent::DeleteFinished { req }));
    state
}

#[test]
fn deletion_report_lists_each_failure_with_its_reason() {
    let stalled = Failure::new(
        FailureKind::Stalled,
        "engine not answering (stalled): no answer to removing the volume within 15s",
    );
    assert_snapshot!(screen(&beta_deleted(Err(stalled)), 120, 24));
}

#[test]
fn deletion_report_shows_a_volume_in_use_as_kept() {
    let in_use = Failure::new(
        FailureKind::InUse,
        "remove sandkasten-ws-beta: volume is in use - [4f3c] (409)",
    );
    let text = screen(&beta_deleted(Err(in_use)), 120, 24);
    assert!(text.contains("some were kept"), "{text}");
    assert!(text.contains("1 kept, 0 failed"), "{text}");
    assert!(text.contains("1 kept (in use)"), "{text}");
    assert_snapshot!(text);
}

#[test]
fn logs_view_following_with_a_search() {
    let mut state = fixtures::loaded_state();
    let cmds = update(&mut state, Action::Logs);
    let [crate::app::msg::Command::Docker(crate::docker::DockerCmd::FollowLogs { req, .. })] =
        cmds.as_slice()
    else {
        panic!("{cmds:?}");
    };
    let lines = (1..=30)
        .map(|i| format!("2026-11-23 step {i}: ok"))
        .collect();
    update(
        &mut state,
        Msg::Docker(DockerEvent::LogLines { req: *req, lines }),
    );
    update(&mut state, Action::StartFilter);
    for c in "step 2".chars() {
        update(&mut state, Msg::Text(c));
    }
    assert_snapshot!(screen(&state, 110, 24));
}

#[test]
fn destroy_and_new_session_dialogs() {
    let mut state = fixtures::loaded_state();
    update(&mut state, Action::SelectLast); // s-eph: ephemeral storage goes
    update(&mut state, Action::Delete);
    assert_snapshot!("destroy_session_dialog", screen(&state, 120, 24));
    update(&mut state, Action::Cancel);
    update(&mut state, Action::NewSession);
    assert_snapshot!("new_session_dialog", screen(&state, 120, 24));
}

fn entry(
    name: &str,
    kind: crate::domain::files::EntryKind,
    size: u64,
    target: Option<&str>,
) -> crate::domain::files::Entry {
    crate::domain::files::Entry {
        name: name.as_bytes().to_vec(),
        kind,
        size,
        mode: if kind == crate::domain::files::EntryKind::Dir {
            0o755
        } else {
            0o644
        },
        uid: 1000,
        gid: 1000,
        mtime_ns: 1_795_400_000_000_000_000,
        ctime_ns: 0,
        ino: 0,
        dev: 0,
        symlink_target: target.map(|t| t.as_bytes().to_vec()),
    }
}

fn browser_state() -> State {
    use crate::app::files::{Connection, FilesView, Preview};
    use crate::domain::files::{EntryKind, FsPath};
    let mut state = fixtures::loaded_state();
    let mut files = FilesView::new(
        "sandkasten-ws-alpha".into(),
        "workspace alpha".into(),
        RequestId(1),
    );
    files.connection = Connection::Ready;
    files.entries = vec![
        entry("src", EntryKind::Dir, 4096, None),
        entry(".env", EntryKind::File, 12, None),
        entry("README.md", EntryKind::File, 1536, None),
        entry("escape", EntryKind::Symlink, 11, Some("/etc/passwd")),
        entry("odd\nname", EntryKind::File, 3, None),
    ];
    files.selected = 1;
    files.preview = Preview::Text {
        path: FsPath::parse("README.md").unwrap(),
        text: "# alpha\n\nThe agent's notes.\n".to_owned(),
        truncated: false,
    };
    fixtures::browse(&mut state, files);
    state
}

#[test]
fn file_browser_with_preview() {
    assert_snapshot!(screen(&browser_state(), 130, 20));
}

#[test]
fn editor_with_unsaved_changes() {
    use crate::app::files::EditorView;
    let mut state = browser_state();
    let mut textarea = ratatui_textarea::TextArea::new(vec![
        "fn main() {".into(),
        "    println!(\"hi\");".into(),
        "}".into(),
    ]);
    textarea.set_line_number_style(theme::dim());
    fixtures::edit(
        &mut state,
        EditorView {
            textarea,
            version: crate::domain::files::Version {
                mtime_ns: 1,
                size: 33,
                ..Default::default()
            },
            ..fixtures::editor("src/main.rs", &[], true)
        },
    );
    assert_snapshot!(screen(&state, 100, 14));
}

#[test]
fn deletion_report_shows_a_kept_pick_with_what_changed() {
    let kept = crate::docker::delete::VolumeOutcome::Kept(
        "changed since planned: kept (modified 2m ago)".into(),
    );
    let text = screen(&beta_deleted(Ok(kept)), 120, 24);
    assert!(text.contains("some were kept"), "{text}");
    assert!(text.contains("1 kept, 0 failed"), "{text}");
    assert!(
        text.contains("sandkasten-ws-beta: changed since planned: kept"),
        "{text}"
    );
    assert_snapshot!(text);
}

/// What a stall says, as the Docker task reports it when the engine accepts and never answers.
fn stalled_reason() -> String {
    crate::docker::DockerError::Stalled {
        what: "listing containers".into(),
        after: crate::docker::deadline::PROBE,
    }
    .to_string()
}

#[test]
fn a_stalled_engine_is_shown_with_its_reason() {
    let unreachable = || {
        Msg::Docker(DockerEvent::Unreachable {
            endpoint: "unix:///var/run/docker.sock".into(),
            reason: stalled_reason(),
            attempt: 1,
            retry_in_ms: 250,
        })
    };
    // With data on screen: the status bar says the engine stalled, not just "unreachable".
    let mut state = fixtures::loaded_state();
    update(&mut state, unreachable());
    assert!(matches!(state.engine, EngineStatus::Unreachable { .. }));
    let text = screen(&state, 200, 20);
    assert!(
        text.contains("engine not answering (stalled): no answer to listing containers"),
        "{text}"
    );
    // Before any data: the panes say so.
    let mut state = fixtures::fresh_state();
    update(&mut state, unreachable());
    let text = screen(&state, 140, 20);
    assert!(text.contains("engine not answering (stalled)"), "{text}");
}
