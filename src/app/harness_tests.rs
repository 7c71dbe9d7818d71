//! The TUI in process, end to end without an engine: fixture inventory in, keys through the
//! real keymap, frames out (gitui's `gitui_starts`), and the key routing of each layer.

use insta::assert_snapshot;

use crate::app::dialog::Dialog;
use crate::app::harness::Harness;
use crate::app::msg::Command;
use crate::app::screen::Layer;
use crate::app::state::Pane;
use crate::docker::{DockerCmd, DockerEvent};
use crate::domain::measure::Strategy;
use crate::fixtures;

#[test]
fn tui_starts() {
    let mut h = Harness::new(fixtures::fresh_state());
    assert!(h.draw().contains("connecting to"), "the first frame");
    let mut commands = Vec::new();
    for event in [
        DockerEvent::Connected(fixtures::engine_info()),
        DockerEvent::Inventory(fixtures::inventory()),
        DockerEvent::SizeStrategy(Strategy::Walk),
        DockerEvent::Measured(fixtures::measurements()),
    ] {
        commands.extend(h.send(event));
    }
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::Docker(DockerCmd::Measure { .. }))),
        "{commands:?}"
    );
    // To the workspaces, down one, the delete dialog for it.
    h.keys("2 j d");
    let screen = h.draw();
    assert!(matches!(h.state.dialog(), Some(Dialog::Delete(_))));
    assert_snapshot!(screen);
    h.keys("esc ?");
    assert!(h.draw().contains("Keys — ? or esc closes"));
    h.keys("q q");
    assert!(h.state.quit, "q closes help, then quits");
}

#[test]
fn typing_a_filter_takes_bound_letters_as_text_and_esc_cancels_it() {
    let mut h = Harness::new(fixtures::loaded_state());
    h.press("/");
    assert_eq!(h.state.layer(), Layer::Filter);
    h.type_text("s-e");
    assert_eq!(h.state.filter_of(Pane::Sessions), "s-e");
    assert_eq!(h.state.sessions.list.len(), 1);
    h.press("backspace");
    assert_eq!(h.state.filter_of(Pane::Sessions), "s-");
    h.press("esc");
    assert_eq!(h.state.layer(), Layer::Panes(Pane::Sessions));
    assert_eq!(h.state.sessions.list.len(), 3);
    // Kept with enter; esc in the pane then clears it.
    h.keys("2 /");
    h.type_text("is:orphan");
    h.press("enter");
    assert_eq!(h.state.workspaces.list.len(), 1);
    assert_eq!(h.state.sessions.list.len(), 3);
    h.press("esc");
    assert_eq!(h.state.workspaces.list.len(), 3);
}

#[test]
fn the_logs_view_takes_list_keys_and_its_search_line_takes_text() {
    let mut h = Harness::new(fixtures::loaded_state());
    let cmds = h.press("l");
    let [Command::Docker(DockerCmd::FollowLogs { req, .. })] = cmds.as_slice() else {
        panic!("{cmds:?}");
    };
    let req = *req;
    h.send(DockerEvent::LogLines {
        req,
        lines: (0..40).map(|i| format!("line {i}")).collect(),
    });
    h.draw();
    let before = h.state.selected_session().unwrap().id.clone();
    h.press("k");
    assert!(!h.state.logs().unwrap().follow, "k scrolled the logs back");
    assert_eq!(h.state.selected_session().unwrap().id, before);
    h.press("/");
    h.type_text("line 3");
    assert_eq!(h.state.logs().unwrap().search, "line 3");
    assert!(h.draw().contains("/ line 3█"));
    h.press("enter");
    assert_eq!(h.state.layer(), Layer::Logs);
    let cmds = h.press("q");
    assert_eq!(cmds, [Command::Docker(DockerCmd::StopLogs { req })]);
    assert_eq!(h.state.layer(), Layer::Panes(Pane::Sessions));
}

#[test]
fn a_page_is_what_the_last_frame_had_room_for() {
    let mut h = Harness::sized(fixtures::loaded_state(), 100, 24);
    let cmds = h.press("l");
    let [Command::Docker(DockerCmd::FollowLogs { req, .. })] = cmds.as_slice() else {
        panic!("{cmds:?}");
    };
    let req = *req;
    h.send(DockerEvent::LogLines {
        req,
        lines: (0..100).map(|i| format!("line {i}")).collect(),
    });
    h.draw();
    let page = h.state.logs().unwrap().page;
    assert!(page > 5 && page < 24, "{page}");
    let top = h.state.logs().unwrap().first_visible();
    h.press("pageup");
    assert_eq!(h.state.logs().unwrap().first_visible(), top - page);
}
