//! Opening a shell: the Docker task prepares it while the screen stays live; only the answer
//! still awaited takes the terminal, and only from the panes; whatever was prepared and not
//! opened is handed back for its clean-up.

use super::*;
use crate::app::dialog::Dialog;
use crate::docker::DockerEvent;
use crate::docker::shell::PreparedShell;
use crate::domain::ids::RequestId;
use crate::domain::outcome::{Failure, FailureKind};
use crate::fixtures;

/// Asks for a shell in the selected (running) session; returns the request id.
fn ask(state: &mut State) -> RequestId {
    let cmds = update(state, Action::Shell);
    let [Command::Docker(DockerCmd::PrepareShell { req, target })] = cmds.as_slice() else {
        panic!("{cmds:?}");
    };
    assert_eq!(target.session, "p-1");
    *req
}

fn prepared(state: &mut State, req: RequestId, shell: PreparedShell) -> Vec<Command> {
    update(
        state,
        Msg::Docker(DockerEvent::ShellPrepared {
            req,
            result: Ok(shell),
        }),
    )
}

#[test]
fn the_screen_stays_live_while_a_shell_is_prepared_and_its_answer_opens_it() {
    let mut state = fixtures::loaded_state();
    let req = ask(&mut state);
    assert!(
        state
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("Opening a shell in p-1")
    );
    // Keys still work meanwhile.
    update(&mut state, Action::ToggleHelp);
    assert_eq!(state.layer(), crate::app::screen::Layer::Help);
    update(&mut state, Action::ToggleHelp);
    let shell = PreparedShell::fixture("p-1", "e1");
    let cmds = prepared(&mut state, req, shell.clone());
    assert_eq!(cmds, [Command::Shell(shell)]);
    assert!(state.sessions.opening_shell.is_none());
}

#[test]
fn a_stale_shell_prepared_is_dropped_and_only_cleaned_up() {
    let mut state = fixtures::loaded_state();
    let first = ask(&mut state);
    // Asked again before the first answer: the latest request wins.
    let second = ask(&mut state);
    assert_ne!(first, second);
    let stale = PreparedShell::fixture("p-1", "old");
    let cmds = prepared(&mut state, first, stale.clone());
    assert_eq!(
        cmds,
        [Command::Docker(DockerCmd::EndShell(stale.cleanup()))],
        "never the terminal for a stale answer"
    );
    assert_eq!(
        state.sessions.opening_shell.as_ref().map(|o| o.req),
        Some(second)
    );
    // An answer nobody waits for any more (already answered) is dropped the same way.
    let fresh = PreparedShell::fixture("p-1", "new");
    assert_eq!(
        prepared(&mut state, second, fresh.clone()),
        [Command::Shell(fresh.clone())]
    );
    assert_eq!(
        prepared(&mut state, second, fresh.clone()),
        [Command::Docker(DockerCmd::EndShell(fresh.cleanup()))]
    );
    // A failure for a request no longer awaited says nothing.
    state.notice = None;
    let cmds = update(
        &mut state,
        Msg::Docker(DockerEvent::ShellPrepared {
            req: first,
            result: Err(Failure::new(FailureKind::Other, "late")),
        }),
    );
    assert!(cmds.is_empty());
    assert!(state.notice.is_none());
}

#[test]
fn a_shell_ready_after_the_operator_moved_on_does_not_take_the_terminal() {
    let mut state = fixtures::loaded_state();
    let req = ask(&mut state);
    update(&mut state, Action::NewSession);
    assert!(matches!(state.dialog(), Some(Dialog::NewSession(_))));
    let shell = PreparedShell::fixture("p-1", "e1");
    let cmds = prepared(&mut state, req, shell.clone());
    assert_eq!(
        cmds,
        [Command::Docker(DockerCmd::EndShell(shell.cleanup()))]
    );
    let text = &state.notice.as_ref().unwrap().text;
    assert!(text.contains("not opened over this view"), "{text}");
    assert!(
        matches!(state.dialog(), Some(Dialog::NewSession(_))),
        "the dialog stays"
    );
}

#[test]
fn a_failed_preparation_is_reported_and_a_lost_engine_ends_the_wait() {
    let mut state = fixtures::loaded_state();
    let req = ask(&mut state);
    let cmds = update(
        &mut state,
        Msg::Docker(DockerEvent::ShellPrepared {
            req,
            result: Err(Failure::new(
                FailureKind::Stalled,
                "engine not answering (stalled): no answer",
            )),
        }),
    );
    assert!(cmds.is_empty());
    let notice = state.notice.as_ref().unwrap();
    assert_eq!(notice.level, NoticeLevel::Error);
    assert_eq!(
        notice.text,
        "Shell in p-1: engine not answering (stalled): no answer \
         — it retries by itself"
    );

    ask(&mut state);
    update(
        &mut state,
        Msg::Docker(DockerEvent::Unreachable {
            endpoint: "unix:///x".into(),
            reason: "gone".into(),
            attempt: 1,
            retry_in_ms: 250,
        }),
    );
    assert!(state.sessions.opening_shell.is_none());
    assert!(
        state
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("the engine went away")
    );
}

#[test]
fn a_session_gone_before_its_shell_was_ready_refreshes_the_list() {
    let mut state = fixtures::loaded_state();
    let req = ask(&mut state);
    let gone = Failure::new(FailureKind::NotFound, "No such container: p-1-cid (404)");
    let cmds = update(
        &mut state,
        Msg::Docker(DockerEvent::ShellPrepared {
            req,
            result: Err(gone),
        }),
    );
    assert_eq!(cmds, [Command::Docker(DockerCmd::Refresh)]);
    let text = &state.notice.as_ref().unwrap().text;
    assert!(
        text.ends_with("gone meanwhile; the list refreshes"),
        "{text}"
    );
}
