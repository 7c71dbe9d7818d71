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
        filter_to(&mut tui, &ws);
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

/// `cat` of a file in `volume`, from an independent container: `None` when it is not there.
fn cat_from_another_container(volume: &str, path: &str) -> Option<String> {
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
            &format!("/w/{path}"),
        ])
        .output()
        .unwrap();
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The binary with `env`, showing the browser on `notes/` of the workspace `ws` with
/// `todo.txt` selected.
/// Filters the workspaces pane to `ws` once it is listed, and selects it. Filtered first:
/// on an engine with many other workspaces its row may be below the pane's last one.
fn filter_to(tui: &mut Tui, ws: &str) {
    tui.wait_for_text("2 Workspaces (", WAIT);
    tui.send("2/");
    tui.send(ws);
    tui.send("\r");
    tui.wait_for_text(&format!("{ws} "), WAIT);
    tui.send("g");
}

fn browse_notes(ws: &str, name: &str, env: &[(&str, &str)]) -> Tui {
    let log = std::env::temp_dir().join(format!(
        "sandkasten-tui-e2e-{name}-{}.log",
        std::process::id()
    ));
    let mut tui = Tui::spawn(&["--log-file", log.to_str().unwrap()], env, 200, 40);
    filter_to(&mut tui, ws);
    tui.send("f");
    tui.wait_for_text(&format!("Files of workspace {ws}: /workspace"), WAIT);
    tui.wait_for_text("notes/", WAIT);
    tui.send("\r");
    tui.wait_for_text("todo.txt", WAIT);
    tui
}

#[tokio::test(flavor = "multi_thread")]
async fn enter_then_delete_and_yes_typed_ahead_keeps_the_file() {
    with_env("e2e_typeahead", async |env| {
        let ws = env.id("typeahead");
        let volume = env.workspace(&ws).await;
        let dir = env.mountpoint(&volume).await;
        std::fs::create_dir_all(dir.join("notes")).unwrap();
        std::fs::write(dir.join("notes/todo.txt"), "first line\n").unwrap();

        let mut tui = browse_notes(&ws, "typeahead", &[]);
        // One write: enter (open in the editor), then d (delete…) and y (yes) while it loads.
        tui.send("\rdy");
        tui.wait_for_text("notes/todo.txt", WAIT);
        tui.wait_for_text("first line", WAIT);
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(
            cat_from_another_container(&volume, "notes/todo.txt").as_deref(),
            Some("first line\n"),
            "the file typed ahead at survives; screen:\n{}",
            tui.screen()
        );
        // Leave without saving whatever reached the editor.
        tui.send("\x1b");
        let screen = tui.wait_for("the editor closing or asking", WAIT, |s| {
            s.contains("Unsaved changes") || s.contains("enter open/edit")
        });
        if screen.contains("Unsaved changes") {
            std::thread::sleep(Duration::from_millis(200));
            tui.send("d");
        }
        tui.wait_for("the editor closed", WAIT, |s| {
            !s.contains("Unsaved changes")
        });
        tui.send("q");
        tui.wait_for("the browser closed", WAIT, |s| {
            !s.contains("Files of workspace")
        });
        tui.send("q");
        assert!(tui.wait_exit(WAIT));
    })
    .await;
}

/// How a test ends the program while the editor holds unsaved edits.
#[derive(Clone, Copy)]
enum Ending {
    /// `kill -<name>`: the terminal stays, so the exit message can be read on it.
    Signal(&'static str),
    /// The terminal window closed: every master descriptor of the pty goes.
    HangUp,
}

/// Opens `notes/todo.txt` of a fresh workspace in the editor, types "unsaved ", ends the
/// program as `ending` says, and checks that the workspace is untouched and the buffer is in
/// one private recovery file, named after what it holds, which the exit names on the restored
/// terminal. Returns the state directory (the caller removes it) and the file's name.
async fn unsaved_edit_survives(
    env: &support::TestEnv,
    name: &str,
    ending: Ending,
) -> (std::path::PathBuf, String) {
    let ws = env.id(name);
    let volume = env.workspace(&ws).await;
    let dir = env.mountpoint(&volume).await;
    std::fs::create_dir_all(dir.join("notes")).unwrap();
    std::fs::write(dir.join("notes/todo.txt"), "first line\n").unwrap();
    let state_home = std::env::temp_dir().join(format!(
        "sandkasten-tui-e2e-state-{name}-{}-{}",
        env.run,
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&state_home);
    let state_env = [("XDG_STATE_HOME", state_home.to_str().unwrap())];

    let mut tui = browse_notes(&ws, name, &state_env);
    tui.send("\r");
    // The editor's status line, not the text: the preview shows the text first, and keys
    // typed while the editor loads are dropped on purpose.
    tui.wait_for_text("Ln 1, Col 1", WAIT);
    tui.send("unsaved ");
    tui.wait_for_text("[+]", WAIT);
    match ending {
        Ending::Signal(signal) => {
            let pid = tui.pid().unwrap().to_string();
            let killed = Command::new("kill")
                .args([&format!("-{signal}"), &pid])
                .status()
                .unwrap();
            assert!(killed.success());
        }
        // A cursor move redraws the status line without touching the buffer.
        Ending::HangUp => tui.hang_up("\x1b[C"),
    }
    assert!(tui.wait_exit(WAIT), "exit status");

    // The workspace is untouched; the edit is in the recovery directory, private.
    assert_eq!(
        cat_from_another_container(&volume, "notes/todo.txt").as_deref(),
        Some("first line\n")
    );
    let recovery = state_home.join("sandkasten-tui/recovery");
    let files: Vec<_> = std::fs::read_dir(&recovery)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(
        std::fs::read_to_string(&files[0]).unwrap(),
        "unsaved first line\n"
    );
    let file_name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        file_name.contains(&ws) && file_name.contains("notes_todo.txt"),
        "{file_name}"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    // Said on the restored terminal, where the operator looks.
    if let Ending::Signal(_) = ending {
        assert!(tui.terminal_restored(), "{}", tui.screen());
        let screen = tui.wait_for_text("sandkasten-tui: unsaved edits kept in", WAIT);
        let flat: String = screen.split('\n').collect();
        assert!(
            flat.contains(&files[0].display().to_string()),
            "the exit names the file:\n{screen}"
        );
    }
    (state_home, file_name)
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_with_unsaved_edits_writes_a_recovery_file_the_next_start_names() {
    with_env("e2e_recovery", async |env| {
        let (state_home, name) =
            unsaved_edit_survives(env, "recovery", Ending::Signal("TERM")).await;
        let state_env = [("XDG_STATE_HOME", state_home.to_str().unwrap())];

        // The next start says where it is.
        let log = std::env::temp_dir().join(format!(
            "sandkasten-tui-e2e-recovery2-{}.log",
            std::process::id()
        ));
        let mut tui = Tui::spawn(&["--log-file", log.to_str().unwrap()], &state_env, 400, 40);
        let screen = tui.wait_for_text("Unsaved edits of an earlier run were kept in", WAIT);
        assert!(screen.contains(&name), "the file named:\n{screen}");
        tui.send("q");
        assert!(tui.wait_exit(WAIT));
        std::fs::remove_dir_all(&state_home).unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sighup_with_unsaved_edits_writes_a_recovery_file_and_says_so() {
    with_env("e2e_recovery_hup", async |env| {
        let (state_home, _) = unsaved_edit_survives(env, "rechup", Ending::Signal("HUP")).await;
        std::fs::remove_dir_all(&state_home).unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_with_unsaved_edits_writes_a_recovery_file_and_says_so() {
    with_env("e2e_recovery_int", async |env| {
        let (state_home, _) = unsaved_edit_survives(env, "recint", Ending::Signal("INT")).await;
        std::fs::remove_dir_all(&state_home).unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn closing_the_terminal_with_unsaved_edits_writes_a_recovery_file() {
    with_env("e2e_recovery_closed", async |env| {
        let (state_home, _) = unsaved_edit_survives(env, "recgone", Ending::HangUp).await;
        std::fs::remove_dir_all(&state_home).unwrap();
    })
    .await;
}
