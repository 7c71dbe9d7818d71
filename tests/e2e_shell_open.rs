//! End-to-end: opening a session's shell through the real binary in a pseudo-terminal. The
//! Docker task prepares the shell (starts a stopped session the operator agreed to start, finds
//! its shell, creates the exec) while the screen stays live; the loop only attaches it. A
//! stopped session is started and attached; a stalled engine leaves the screen answering keys
//! and the stall reported, never a frozen screen or a taken terminal.

// Tests fail loudly: unwrap and expect are how they report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use support::proxy::EngineProxy;
use support::pty::Tui;
use support::{TestEnv, with_env};

const WAIT: Duration = Duration::from_secs(15);

fn log(name: &str) -> String {
    std::env::temp_dir()
        .join(format!(
            "sandkasten-tui-e2e-open-{name}-{}.log",
            std::process::id()
        ))
        .display()
        .to_string()
}

/// A running session of this test, and the TUI reaching the engine through a proxy the test
/// can stall or make hold shells, with that session selected.
async fn through_a_proxy(env: &TestEnv, id: &str, name: &str) -> (String, EngineProxy, Tui) {
    let session = env.id(id);
    env.session(&session, None, true).await;
    let socket = std::env::temp_dir().join(format!("skt-{id}-{}.sock", env.prefix));
    let proxy = EngineProxy::new(&socket);
    let host = proxy.endpoint();
    let mut tui = Tui::spawn(
        &["--log-file", &log(name)],
        &[("DOCKER_HOST", &host)],
        140,
        40,
    );
    tui.wait_for_text(&session, WAIT);
    tui.select_session(&session, WAIT);
    (session, proxy, tui)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_session_is_started_and_attached_when_the_operator_agrees() {
    with_env("e2e_shell_start_first", async |env| {
        let session = env.id("startfirst");
        env.session(&session, None, false).await;
        let mut tui = Tui::spawn(&["--log-file", &log("start-first")], &[], 140, 40);
        tui.wait_for_text(&session, WAIT);
        tui.select_session(&session, WAIT);
        tui.send("\r"); // enter: shell
        tui.wait_for_text("Start it and open a shell?", WAIT);
        // Typed after the dialog was drawn: it counts.
        tui.send("y");
        tui.wait_for_text(
            &format!("Attached to session {session} (sh). ctrl-] detaches."),
            WAIT,
        );
        tui.send("echo started-$((40+2))\r");
        tui.wait_for_text("started-42", WAIT);
        tui.send("\x1d"); // ctrl-]
        tui.wait_for_text(&format!("Detached from {session}"), WAIT);
        tui.send("q");
        assert!(tui.wait_exit(WAIT));
        assert!(tui.terminal_restored(), "{}", tui.screen());
    })
    .await;
}

/// Preparing a shell (probing it, creating the exec) is the Docker task's job: an engine that
/// stops answering meanwhile leaves the screen answering keys, and the stall is reported once
/// the call's deadline passes; the terminal is never taken.
#[tokio::test(flavor = "multi_thread")]
async fn a_shell_prepared_on_a_stalled_engine_leaves_the_screen_live_and_reports_the_stall() {
    with_env("e2e_shell_stall", async |env| {
        let (session, proxy, mut tui) = through_a_proxy(env, "stall", "stall").await;
        // The detail pane's inspection answered: no other call is in flight when it stalls.
        tui.wait_for("the session's details", WAIT, |s| s.contains(" CPU"));

        proxy.set_stalled(true);
        tui.send("\r"); // enter: shell
        tui.wait_for_text(&format!("Opening a shell in {session}"), WAIT);
        // The screen answers keys while the shell is being prepared.
        tui.send("?");
        tui.wait_for_text("Keys — ? or esc closes", Duration::from_secs(5));
        tui.send("\x1b");
        tui.wait_for("help closed", Duration::from_secs(5), |s| {
            !s.contains("Keys — ? or esc closes")
        });
        // Said by the preparation's own deadline, or, when a call already in flight stalls
        // first (on a shared engine, a refresh started by another run's events), by the
        // connection given up under it.
        let said = [
            format!("Shell in {session}: engine not answering (stalled)"),
            format!("Shell in {session}: the engine went away while it was being prepared"),
        ];
        let screen = tui.wait_for("the stall reported", Duration::from_secs(40), |s| {
            said.iter().any(|text| s.contains(text.as_str()))
        });
        assert!(!screen.contains("Attached to session"), "{screen}");
        proxy.set_stalled(false);
        tui.send("q");
        assert!(tui.wait_exit(WAIT));
        assert!(tui.terminal_restored(), "{}", tui.screen());
    })
    .await;
}

/// The terminal shows the shell but its attach never starts (the engine holds it, then the
/// connection breaks): what the operator typed there, at a shell that had not shown its prompt
/// yet, was meant for the shell. Back in the TUI none of it acts (`l` opened the session's
/// logs, `t` would stop it, `d` ask to destroy it).
#[tokio::test(flavor = "multi_thread")]
async fn keys_typed_at_a_shell_whose_attach_failed_never_reach_the_tui() {
    with_env("e2e_shell_typed", async |env| {
        let (session, proxy, mut tui) = through_a_proxy(env, "typed", "typed").await;
        proxy.set_holding_shells(true);
        tui.send("\r"); // enter: shell
        tui.wait_for_text(&format!("Attached to session {session} (sh)"), WAIT);
        tui.send("ls -l\rtail log\r");
        std::thread::sleep(Duration::from_millis(500));
        proxy.set_holding_shells(false);
        tui.wait_for_text(&format!("Shell in {session}: "), WAIT);
        // Time for anything typed to be read and drawn.
        std::thread::sleep(Duration::from_millis(500));
        let screen = tui.screen();
        assert!(!screen.contains("Logs of session"), "{screen}");
        assert!(
            screen.contains("1 Sessions"),
            "the panes, as left:\n{screen}"
        );
        tui.send("q");
        assert!(tui.wait_exit(WAIT));
    })
    .await;
}

/// SIGTERM while the shell's attach waits on the engine ends the program at once, not after
/// the attach's deadline (15 s).
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_while_the_attach_waits_on_the_engine_ends_the_program_at_once() {
    with_env("e2e_shell_held_term", async |env| {
        let (session, proxy, mut tui) = through_a_proxy(env, "heldterm", "held-term").await;
        proxy.set_holding_shells(true);
        tui.send("\r"); // enter: shell
        tui.wait_for_text(&format!("Attached to session {session} (sh)"), WAIT);
        std::thread::sleep(Duration::from_millis(300));
        let pid = tui.pid().unwrap().to_string();
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(killed.success());
        assert!(tui.wait_exit(Duration::from_secs(4)), "exit status");
        assert!(tui.terminal_restored(), "{}", tui.screen());
        proxy.set_holding_shells(false);
    })
    .await;
}
