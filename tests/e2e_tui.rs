//! End-to-end: the real binary in a pseudo-terminal against the real engine, keys in, screen
//! text out.

// Tests fail loudly: unwrap and expect are how they report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use support::proxy::EngineProxy;
use support::pty::Tui;
use support::with_env;

const WAIT: Duration = Duration::from_secs(10);

fn log_file(name: &str) -> String {
    std::env::temp_dir()
        .join(format!(
            "sandkasten-tui-e2e-{name}-{}.log",
            std::process::id()
        ))
        .display()
        .to_string()
}

/// Keeps only this test's rows in the workspaces pane once it is listed: on an engine shared
/// with other runs, a row of this test may sort below the pane's last line.
fn only_this_tests_workspaces(tui: &mut Tui, prefix: &str) {
    tui.wait_for_text("2 Workspaces (", WAIT);
    tui.send("2/");
    tui.send(prefix);
    tui.send("\r");
    tui.wait_for_text(&format!("/{prefix} ("), WAIT);
}

fn spawn_tui(name: &str, env: &[(&str, &str)]) -> Tui {
    let log = log_file(name);
    Tui::spawn(&["--log-file", &log], env, 140, 40)
}

/// An SGR mouse click (what xterm sends) at a zero-based cell.
fn click(column: u16, row: u16) -> String {
    format!(
        "\x1b[<0;{};{}M\x1b[<0;{};{}m",
        column + 1,
        row + 1,
        column + 1,
        row + 1
    )
}

fn find_cell(screen: &str, text: &str) -> (u16, u16) {
    screen
        .lines()
        .enumerate()
        .find_map(|(row, line)| {
            line.find(text)
                .map(|byte| (line[..byte].chars().count() as u16, row as u16))
        })
        .unwrap_or_else(|| panic!("{text:?} not on screen:\n{screen}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn rows_appear_live_filter_click_and_quit_restores_the_terminal() {
    with_env("e2e_main", async |env| {
        let alpha = env.id("alpha");
        let session = env.id("sess");
        env.workspace(&alpha).await;
        env.session(&session, Some(&alpha), true).await;

        let mut tui = spawn_tui("main", &[]);
        tui.wait_for_text(&session, WAIT);
        only_this_tests_workspaces(&mut tui, &env.prefix);
        tui.wait_for_text(&format!("{alpha} "), WAIT);
        tui.wait_for_text("● ", WAIT); // connected

        // Created by someone else while the TUI runs: appears without a key press.
        let later = env.id("later");
        env.workspace(&later).await;
        tui.wait_for_text(&format!("{later} "), Duration::from_secs(2));

        // Filter the workspaces pane down to one row.
        tui.send("\x1b"); // esc clears the filter kept so far
        tui.wait_for("the filter cleared", WAIT, |s| !s.contains("shown)"));
        tui.send("/");
        tui.send(&later);
        tui.wait_for_text("(1 shown)", WAIT);
        tui.send("\r");
        tui.wait_for_text(&format!("/{later} (1 shown)"), WAIT);
        tui.send("\x1b"); // esc clears the filter
        tui.wait_for("the filter cleared", WAIT, |s| !s.contains("shown)"));

        // Click the session row: the sessions pane takes focus and the detail shows it.
        let screen = tui.screen();
        let (col, row) = find_cell(&screen, &format!("sandkasten-{session}"));
        tui.send(&click(col, row));
        tui.wait_for("session detail", WAIT, |s| {
            s.contains(&format!("Session    {session}")) && s.contains("cap-drop ALL")
        });

        // Help overlay opens and closes.
        tui.send("?");
        tui.wait_for_text("Keys — ? or esc closes", WAIT);
        tui.send("?");
        tui.wait_for("help closed", WAIT, |s| {
            !s.contains("Keys — ? or esc closes")
        });

        tui.send("q");
        assert!(tui.wait_exit(WAIT), "exit status");
        assert!(
            tui.terminal_restored(),
            "terminal not restored:\n{}",
            tui.screen()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tiny_terminal_gets_a_message_and_recovers_on_resize() {
    let mut tui = Tui::spawn(&["--log-file", &log_file("tiny")], &[], 40, 10);
    tui.wait_for_text("Terminal too small: 40×10", WAIT);
    tui.resize(120, 30);
    tui.wait_for_text("1 Sessions", WAIT);
    tui.send("\x03"); // ctrl-c quits too
    assert!(tui.wait_exit(WAIT));
    assert!(tui.terminal_restored());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_engine_going_away_is_shown_and_the_tui_reconnects_by_itself() {
    with_env("e2e_restart", async |env| {
        let ws = env.id("persist");
        env.workspace(&ws).await;
        let socket = std::env::temp_dir().join(format!("skt-proxy-{}.sock", env.prefix));
        let mut proxy = EngineProxy::new(&socket);
        let host = proxy.endpoint();

        let mut tui = spawn_tui("restart", &[("DOCKER_HOST", &host)]);
        only_this_tests_workspaces(&mut tui, &env.prefix);
        tui.wait_for_text(&format!("{ws} "), WAIT);

        proxy.stop();
        let screen = tui.wait_for_text("engine unreachable", WAIT);
        assert!(
            screen.contains("stale"),
            "old rows stay, marked stale:\n{screen}"
        );

        // Changed while the engine was "down": seen after the reconnect.
        let added = env.id("added");
        env.workspace(&added).await;
        proxy.start();
        tui.wait_for(
            "reconnected with fresh rows",
            Duration::from_secs(15),
            |s| s.contains(&format!("{added} ")) && s.contains("● ") && !s.contains("stale"),
        );
        tui.wait_for_text("Reconnected to the engine", WAIT);

        tui.send("q");
        assert!(tui.wait_exit(WAIT));
        assert!(tui.terminal_restored());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mark_three_workspaces_delete_with_confirmation_and_watch_them_vanish() {
    with_env("e2e_delete", async |env| {
        let names = ["a", "b", "c", "keep"].map(|n| env.id(n));
        for ws in &names {
            env.workspace(ws).await;
        }
        let mut tui = spawn_tui("delete", &[]);
        // Only this test's rows: filter the workspaces pane by the test's prefix.
        only_this_tests_workspaces(&mut tui, &env.prefix);
        tui.wait_for_text(&format!("{} ", names[3]), WAIT);
        tui.wait_for_text("(4 shown)", WAIT);
        tui.send("g   ");
        tui.wait_for_text("3 marked", WAIT);
        tui.send("d");
        let dialog = tui.wait_for_text("3 volume(s) will be deleted", WAIT);
        for ws in &names[..3] {
            assert!(dialog.contains(ws.as_str()), "{ws} listed:\n{dialog}");
        }
        assert!(
            !dialog.contains(&format!("✖ {}", names[3])),
            "not marked, not listed"
        );
        // An operator's reaction time: the loop counts the keys that had arrived once the
        // frame was out, and a key counted there (typed ahead) never confirms.
        std::thread::sleep(Duration::from_millis(150));
        tui.send("y");
        tui.wait_for_text("Deleted 3 workspace volume(s)", WAIT);
        tui.wait_for("the deleted rows gone", WAIT, |s| {
            names[..3].iter().all(|ws| !s.contains(&format!("{ws} ")))
                && s.contains(&format!("{} ", names[3]))
        });
        for ws in &names[..3] {
            assert!(!env.volume_exists(&format!("sandkasten-ws-{ws}")).await);
        }
        assert!(
            env.volume_exists(&format!("sandkasten-ws-{}", names[3]))
                .await
        );
        tui.send("q");
        assert!(tui.wait_exit(WAIT));
    })
    .await;
}
