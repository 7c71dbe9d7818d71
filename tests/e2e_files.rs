//! End-to-end: the file browser and editor through the real binary in a pseudo-terminal, on a
//! workspace no session uses; the saved content is checked from an independent container.

// Tests fail loudly: unwrap and expect are how they report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::Command;
use std::time::Duration;

use support::pty::Tui;
use support::{test_image, with_env};

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread")]
async fn edit_a_file_in_a_workspace_without_a_session_and_see_it_from_another_container() {
    with_env("e2e_files", async |env| {
        let ws = env.id("files");
        let volume = env.workspace(&ws).await;
        let dir = env.mountpoint(&volume).await;
        std::fs::create_dir_all(dir.join("notes")).unwrap();
        std::fs::write(dir.join("notes/todo.txt"), "first line\n").unwrap();
        std::fs::write(dir.join("notes/windows.txt"), "a\r\nb\r\n").unwrap();

        let log = std::env::temp_dir().join(format!(
            "sandkasten-tui-e2e-files-{}.log",
            std::process::id()
        ));
        let mut tui = Tui::spawn(&["--log-file", log.to_str().unwrap()], &[], 140, 40);
        tui.wait_for_text(&format!("{ws} "), WAIT);
        tui.send("2/");
        tui.send(&ws);
        tui.send("\rg");
        tui.send("f");
        tui.wait_for_text(&format!("Files of workspace {ws}: /workspace"), WAIT);
        tui.wait_for_text("notes/", WAIT);
        tui.send("\r");
        tui.wait_for_text("todo.txt", WAIT);
        tui.send("\r");
        tui.wait_for_text("notes/todo.txt", WAIT);
        tui.wait_for_text("first line", WAIT);
        tui.send("hello ");
        tui.wait_for_text("[+]", WAIT);
        tui.send("\x13"); // ctrl-s
        tui.wait_for_text("Saved notes/todo.txt", WAIT);
        tui.send("\x1b"); // close the editor
        tui.wait_for_text("Files of workspace", WAIT);
        std::thread::sleep(Duration::from_millis(100));
        tui.send("q"); // close the browser
        tui.wait_for("the browser closed", WAIT, |s| {
            !s.contains("Files of workspace")
        });
        tui.send("q");
        assert!(tui.wait_exit(WAIT));
        assert!(tui.terminal_restored());

        // An independent container sees exactly the new content, final newline kept.
        let out = Command::new("docker")
            .args([
                "run",
                "--rm",
                "--network",
                "none",
                "-v",
                &format!("{volume}:/w"),
                &test_image(),
                "cat",
                "/w/notes/todo.txt",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), "hello first line\n");
        // Untouched files keep their bytes (CRLF here).
        assert_eq!(
            std::fs::read(dir.join("notes/windows.txt")).unwrap(),
            b"a\r\nb\r\n"
        );
    })
    .await;
}
