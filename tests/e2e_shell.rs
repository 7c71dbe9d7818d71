//! End-to-end: a session's shell through the real binary in a pseudo-terminal — attach, type,
//! resize, detach, and the TUI is back; an image with no shell gives a message, not a hang.

// Tests fail loudly: unwrap and expect are how they report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::time::Duration;

use support::pty::Tui;
use support::{noshell_image, with_env};

const WAIT: Duration = Duration::from_secs(15);

fn spawn(name: &str) -> Tui {
    let log = std::env::temp_dir().join(format!(
        "sandkasten-tui-e2e-{name}-{}.log",
        std::process::id()
    ));
    Tui::spawn(&["--log-file", log.to_str().unwrap()], &[], 140, 40)
}

/// Narrows the sessions pane to this test's rows and selects the first.
fn select_session(tui: &mut Tui, filter: &str) {
    tui.send("1/");
    tui.send(filter);
    tui.wait_for_text("(1 of", WAIT);
    tui.send("\rg");
}

#[tokio::test(flavor = "multi_thread")]
async fn attach_type_resize_detach_and_the_tui_is_back() {
    with_env("e2e_shell", async |env| {
        let session = env.id("sh");
        env.session(&session, None, true).await;
        let mut tui = spawn("shell");
        tui.wait_for_text(&session, WAIT);
        select_session(&mut tui, &session);
        tui.send("\r"); // enter: shell
        tui.wait_for_text(
            &format!("Attached to session {session} (sh). ctrl-] detaches."),
            WAIT,
        );
        tui.send("echo marker-$((40+2))\r");
        tui.wait_for_text("marker-42", WAIT);
        tui.send("stty size\r");
        tui.wait_for_text("40 140", WAIT);
        tui.resize(100, 30);
        // Give the window-change signal a moment, then ask again.
        std::thread::sleep(Duration::from_millis(200));
        tui.send("clear; stty size\r");
        tui.wait_for_text("30 100", WAIT);
        tui.send("\x1d"); // ctrl-]
        tui.wait_for_text(&format!("Detached from {session}"), WAIT);
        let screen = tui.wait_for_text("1 Sessions", WAIT);
        assert!(!screen.contains("marker-42"), "fully redrawn:\n{screen}");
        // Responsive: the first key after the handoff is not swallowed.
        tui.send("?");
        tui.wait_for_text("Keys — ? or esc closes", WAIT);
        tui.send("\x1b");
        // ESC then q at once would read as alt-q: wait for the help to close first.
        tui.wait_for("help closed", WAIT, |s| {
            !s.contains("Keys — ? or esc closes")
        });
        tui.send("q");
        assert!(tui.wait_exit(WAIT));
        assert!(tui.terminal_restored(), "{}", tui.screen());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_image_without_a_shell_gives_a_message_not_a_hang() {
    with_env("e2e_noshell", async |env| {
        let session = env.id("bare");
        let labels = HashMap::from([
            ("sandkasten.managed".to_owned(), "true".to_owned()),
            ("sandkasten.session_id".to_owned(), session.clone()),
        ]);
        env.container_from(
            &noshell_image(),
            &format!("sandkasten-{session}"),
            labels,
            true,
        )
        .await;
        let mut tui = spawn("noshell");
        tui.wait_for_text(&session, WAIT);
        select_session(&mut tui, &session);
        tui.send("s");
        tui.wait_for_text("no shell in this session's image", WAIT);
        tui.send("q");
        assert!(tui.wait_exit(WAIT));
        assert!(tui.terminal_restored());
    })
    .await;
}
