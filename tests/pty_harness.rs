//! The pseudo-terminal harness itself: what the end-to-end tests do to the terminal must be
//! what an operator's terminal does, and nothing more.

// Tests fail loudly: unwrap and expect are how they report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use support::pty::Tui;

/// A window that closes types nothing: the program on the terminal must get the hangup and
/// no keys with it. (portable-pty's writer, dropped, types a newline and the EOF character
/// for a child in canonical mode; in raw mode those are ctrl-j and ctrl-d, which an editor
/// takes as "delete to the line's start" and "delete the next character".)
#[test]
fn hanging_up_types_nothing_into_the_program() {
    let out =
        std::env::temp_dir().join(format!("sandkasten-tui-pty-harness-{}", std::process::id()));
    let _ = std::fs::remove_file(&out);
    // Raw like the TUI, deaf to the hangup signal so that it reads on to the end of input.
    let script = format!(
        "trap '' HUP; stty raw; echo ready; exec cat > '{}'",
        out.display()
    );
    let mut term = Tui::spawn_program("sh", &["-c", &script], &[], 80, 24);
    term.wait_for_text("ready", Duration::from_secs(10));
    term.send("x");
    // `cat` has read the x: the hangup cannot flush it away unread.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::fs::read(&out).unwrap_or_default() != b"x" {
        assert!(std::time::Instant::now() < deadline, "cat never read the x");
        std::thread::sleep(Duration::from_millis(10));
    }
    term.hang_up("y");
    // `cat` has read everything it was sent once it has ended (the poke may have been
    // flushed by the hangup before it was read).
    term.wait_exit_code(Duration::from_secs(10));
    let got = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    assert!(
        got == b"x" || got == b"xy",
        "bytes typed by the hangup: {:?}",
        String::from_utf8_lossy(&got)
    );
}
