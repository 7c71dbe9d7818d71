use super::*;
use crate::app::state::{EngineStatus, Mode};
use crate::docker::DockerEvent;
use crate::docker::SessionState;
use crate::fixtures;

fn docker(state: &mut State, event: DockerEvent) -> Vec<Command> {
    update(state, Action::Docker(event))
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
            req: 1,
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
            req: 99,
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
            req: 1,
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
    assert_eq!(state.mode, Mode::Filter);
    for c in "s-e".chars() {
        update(&mut state, Action::Input(c));
    }
    assert_eq!(session_ids(&state), ["s-eph"]);
    update(&mut state, Action::Backspace);
    assert_eq!(state.filter_of(Pane::Sessions), "s-");
    update(&mut state, Action::FilterCancel);
    assert_eq!(state.mode, Mode::Normal);
    assert_eq!(state.sessions.list.len(), 3);
}

#[test]
fn filter_accept_keeps_the_filter_on_that_pane_only() {
    let mut state = fixtures::loaded_state();
    update(&mut state, Action::FocusWorkspaces);
    update(&mut state, Action::StartFilter);
    for c in "is:orphan".chars() {
        update(&mut state, Action::Input(c));
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
        Action::Click {
            pane: Pane::Workspaces,
            row: Some(2),
        },
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
    assert_eq!(state.mode, Mode::Help);
    update(&mut state, Action::ToggleHelp);
    assert_eq!(state.mode, Mode::Normal);
    update(&mut state, Action::Quit);
    assert!(state.quit);
}
