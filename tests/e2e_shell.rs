//! End-to-end: a session's shell through the real binary in a pseudo-terminal — attach, type,
//! resize, detach, and the TUI is back; an image with no shell gives a message, not a hang;
//! nothing the shell started outlives the attach; a hangup, SIGTERM, SIGINT or SIGQUIT ends the
//! program; modes the shell's programs set do not survive the return or the exit, in the TUI
//! and in `session shell`; an engine lost mid-shell leaves nothing running once it is back.
//! Opening a shell (start first, a stalled engine) is in `e2e_shell_open.rs`.

// Tests fail loudly: unwrap and expect are how they report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::time::Duration;

use bollard::exec::CreateExecOptions;
use support::proxy::EngineProxy;
use support::pty::Tui;
use support::{TestEnv, noshell_image, with_env};

const WAIT: Duration = Duration::from_secs(15);

fn spawn(name: &str) -> Tui {
    let log = std::env::temp_dir().join(format!(
        "sandkasten-tui-e2e-{name}-{}.log",
        std::process::id()
    ));
    Tui::spawn(&["--log-file", log.to_str().unwrap()], &[], 140, 40)
}

#[tokio::test(flavor = "multi_thread")]
async fn attach_type_resize_detach_and_the_tui_is_back() {
    with_env("e2e_shell", async |env| {
        let session = env.id("sh");
        env.session(&session, None, true).await;
        let mut tui = spawn("shell");
        tui.wait_for_text(&session, WAIT);
        tui.select_session(&session, WAIT);
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
        tui.select_session(&session, WAIT);
        tui.send("s");
        tui.wait_for_text("no shell in this session's image", WAIT);
        tui.send("q");
        assert!(tui.wait_exit(WAIT));
        assert!(tui.terminal_restored());
    })
    .await;
}

/// Attaches to the selected session's shell and waits for its banner and a prompt that runs
/// commands.
fn attach(tui: &mut Tui, session: &str) {
    tui.send("\r");
    tui.wait_for_text(
        &format!("Attached to session {session} (sh). ctrl-] detaches."),
        WAIT,
    );
    tui.send("echo ready-$((6*7))\r");
    tui.wait_for_text("ready-42", WAIT);
}

/// What runs in the container besides its init, its main process and the `ps` asking:
/// `pid stat args` lines (zombies left out: they no longer run).
async fn leftover_processes(env: &TestEnv, container: &str) -> Vec<String> {
    let text = env
        .exec_output(container, &["ps", "-o", "pid,stat,args"])
        .await;
    text.lines()
        .skip(1)
        .filter(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            !matches!(
                fields.as_slice(),
                ["1", ..] | [_, "Z", ..] | [_, _, "ps", ..]
            ) && !line.contains("sleep 2147483647")
        })
        .map(str::to_owned)
        .collect()
}

/// What [`leftover_processes`] finds once the Docker task has had time to end the attach's
/// processes: the TUI hands that clean-up over and comes back at once, so it can finish a
/// moment after the screen says the shell ended.
async fn leftovers_after_cleanup(env: &TestEnv, container: &str) -> Vec<String> {
    let mut left = Vec::new();
    for _ in 0..50 {
        left = leftover_processes(env, container).await;
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    left
}

#[tokio::test(flavor = "multi_thread")]
async fn detach_leaves_no_shell_or_job_running_in_the_session() {
    with_env("e2e_shell_reap", async |env| {
        let session = env.id("reap");
        let container = env.session(&session, None, true).await;
        let mut tui = spawn("reap");
        tui.wait_for_text(&session, WAIT);
        tui.select_session(&session, WAIT);
        for round in 0..3 {
            attach(&mut tui, &session);
            // A background job and a stopped one: a detach must end them too.
            tui.send("sleep 1234 &\r");
            tui.send("sleep 4321\r");
            std::thread::sleep(Duration::from_millis(200));
            tui.send("\x1a"); // ctrl-z: stopped, in the background
            tui.wait_for_text("Stopped", WAIT);
            tui.send("\x1d");
            tui.wait_for_text(&format!("Detached from {session}"), WAIT);
            let left = leftovers_after_cleanup(env, &container).await;
            assert!(left.is_empty(), "after detach {round}: {left:?}");
        }
        // The shell exiting by itself leaves nothing either (its job included).
        attach(&mut tui, &session);
        tui.send("sleep 1234 &\r");
        tui.send("exit\r");
        tui.wait_for_text(&format!("Shell in {session} ended"), WAIT);
        let left = leftovers_after_cleanup(env, &container).await;
        assert!(left.is_empty(), "after exit: {left:?}");
        tui.send("q");
        assert!(tui.wait_exit(WAIT));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn closing_the_terminal_during_a_shell_attach_ends_the_program() {
    with_env("e2e_shell_hangup", async |env| {
        let session = env.id("hup");
        let container = env.session(&session, None, true).await;
        let mut tui = spawn("hangup");
        tui.wait_for_text(&session, WAIT);
        tui.select_session(&session, WAIT);
        attach(&mut tui, &session);
        // The poke makes the shell echo once more, so the test's reader lets go of the pty.
        tui.hang_up("\r");
        assert!(tui.wait_exit(Duration::from_secs(8)), "exit status");
        let left = leftover_processes(env, &container).await;
        assert!(left.is_empty(), "after the hangup: {left:?}");
    })
    .await;
}

/// Leaves a job running in the shell and waits until the shell has taken it.
fn start_a_job(shell: &mut Tui) {
    shell.send("sleep 1234 &\r");
    shell.send("echo ready-$((6*7))\r");
    shell.wait_for_text("ready-42", WAIT);
}

/// Sends `signal` (`TERM`, `INT`, …) to the program in the pseudo-terminal.
fn signal(program: &Tui, signal: &str) {
    let pid = program.pid().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args([format!("-{signal}"), pid])
        .status()
        .unwrap();
    assert!(killed.success());
}

/// `session shell` in a pseudo-terminal, attached, with a job running in the session.
fn cli_shell_with_a_job(session: &str) -> Tui {
    let mut cli = Tui::spawn(&["session", "shell", session], &[], 100, 30);
    cli.wait_for_text(&format!("Attached to session {session} (sh)"), WAIT);
    start_a_job(&mut cli);
    cli
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_during_a_shell_attach_exits_and_restores_the_terminal() {
    with_env("e2e_shell_term", async |env| {
        let session = env.id("term");
        let container = env.session(&session, None, true).await;
        let mut tui = spawn("sigterm");
        tui.wait_for_text(&session, WAIT);
        tui.select_session(&session, WAIT);
        attach(&mut tui, &session);
        // A program in the shell hid the cursor and asked for mouse reports.
        tui.send("printf '\\033[?25l\\033[?1000h'\r");
        std::thread::sleep(Duration::from_millis(300));
        signal(&tui, "TERM");
        assert!(tui.wait_exit(Duration::from_secs(8)), "exit status");
        assert!(tui.terminal_restored(), "{}", tui.screen());
        let left = leftover_processes(env, &container).await;
        assert!(left.is_empty(), "after SIGTERM: {left:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn session_shell_command_ends_on_sigterm_with_143_and_leaves_nothing() {
    with_env("e2e_shell_cli_term", async |env| {
        let session = env.id("cliterm");
        let container = env.session(&session, None, true).await;
        let mut cli = cli_shell_with_a_job(&session);
        signal(&cli, "TERM");
        assert_eq!(cli.wait_exit_code(Duration::from_secs(8)), 143);
        let left = leftover_processes(env, &container).await;
        assert!(left.is_empty(), "after SIGTERM: {left:?}");
    })
    .await;
}

/// The window closes: no terminal is left to say anything on, and saying it must not crash.
#[tokio::test(flavor = "multi_thread")]
async fn session_shell_command_ends_on_hangup_with_129_and_leaves_nothing() {
    with_env("e2e_shell_cli_hup", async |env| {
        let session = env.id("clihup");
        let container = env.session(&session, None, true).await;
        let mut cli = cli_shell_with_a_job(&session);
        // The poke makes the shell echo once more, so the test's reader lets go of the pty.
        cli.hang_up("\r");
        assert_eq!(cli.wait_exit_code(Duration::from_secs(8)), 129);
        let left = leftover_processes(env, &container).await;
        assert!(left.is_empty(), "after the hangup: {left:?}");
    })
    .await;
}

/// In raw mode Ctrl-c is a key, so SIGINT and SIGQUIT come from `kill`, `timeout` or a
/// supervisor; left to their default action they killed the program mid-attach with the
/// terminal raw and the shell's processes running in the session.
#[tokio::test(flavor = "multi_thread")]
async fn sigint_during_a_shell_attach_ends_it_like_sigterm() {
    with_env("e2e_shell_int", async |env| {
        let session = env.id("int");
        let container = env.session(&session, None, true).await;
        let mut tui = spawn("sigint");
        tui.wait_for_text(&session, WAIT);
        tui.select_session(&session, WAIT);
        attach(&mut tui, &session);
        start_a_job(&mut tui);
        signal(&tui, "INT");
        assert!(tui.wait_exit(Duration::from_secs(8)), "exit status");
        assert!(tui.terminal_restored(), "{}", tui.screen());
        let left = leftover_processes(env, &container).await;
        assert!(left.is_empty(), "after SIGINT: {left:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn session_shell_command_ends_on_sigquit_with_131_and_leaves_nothing() {
    with_env("e2e_shell_cli_quit", async |env| {
        let session = env.id("cliquit");
        let container = env.session(&session, None, true).await;
        let mut cli = cli_shell_with_a_job(&session);
        signal(&cli, "QUIT");
        assert_eq!(cli.wait_exit_code(Duration::from_secs(8)), 131);
        let left = leftover_processes(env, &container).await;
        assert!(left.is_empty(), "after SIGQUIT: {left:?}");
    })
    .await;
}

/// A process that leaves the shell's session (`setsid`, a double-forking daemon) is out of
/// reach of a hangup; it still carries the attach's mark in its environment.
#[tokio::test(flavor = "multi_thread")]
async fn processes_that_left_the_shells_session_end_with_the_attach() {
    with_env("e2e_shell_setsid", async |env| {
        let session = env.id("setsid");
        let container = env.session(&session, None, true).await;
        let mut cli = Tui::spawn(&["session", "shell", &session], &[], 100, 30);
        cli.wait_for_text(&format!("Attached to session {session} (sh)"), WAIT);
        cli.send("setsid sleep 1234 & (setsid sh -c 'sleep 1235' &) &\r");
        cli.send("echo ready-$((6*7))\r");
        cli.wait_for_text("ready-42", WAIT);
        std::thread::sleep(Duration::from_millis(300));
        cli.send("\x1d"); // ctrl-]: detach
        assert_eq!(cli.wait_exit_code(Duration::from_secs(8)), 0);
        let left = leftover_processes(env, &container).await;
        assert!(left.is_empty(), "after the detach: {left:?}");
    })
    .await;
}

/// The engine goes away mid-shell (every connection dropped, the attach included): the
/// shell's processes cannot be ended then, so they are ended once the engine answers again.
#[tokio::test(flavor = "multi_thread")]
async fn an_engine_lost_mid_shell_leaves_nothing_running_once_it_is_back() {
    with_env("e2e_shell_engine_lost", async |env| {
        let session = env.id("lost");
        let container = env.session(&session, None, true).await;
        let socket = std::env::temp_dir().join(format!("skt-shproxy-{}.sock", env.prefix));
        let mut proxy = EngineProxy::new(&socket);
        let log = std::env::temp_dir().join(format!(
            "sandkasten-tui-e2e-engine-lost-{}.log",
            std::process::id()
        ));
        let host = proxy.endpoint();
        let mut tui = Tui::spawn(
            &["--log-file", log.to_str().unwrap()],
            &[("DOCKER_HOST", &host)],
            140,
            40,
        );
        tui.wait_for_text(&session, WAIT);
        tui.select_session(&session, WAIT);
        attach(&mut tui, &session);
        tui.send("sleep 1234 &\r");
        tui.send("echo job-$((6*7))\r");
        tui.wait_for_text("job-42", WAIT);
        assert!(!leftover_processes(env, &container).await.is_empty());

        proxy.stop();
        tui.wait_for_text("1 Sessions", WAIT);
        tui.wait_for_text("engine unreachable", WAIT);
        let left = leftover_processes(env, &container).await;
        assert!(
            !left.is_empty(),
            "the engine was away: nothing could end them"
        );

        proxy.start();
        tui.wait_for_text("Reconnected to the engine", Duration::from_secs(20));
        let left = leftovers_after_cleanup(env, &container).await;
        assert!(left.is_empty(), "once the engine is back: {left:?}");
        tui.send("q");
        assert!(tui.wait_exit(WAIT));
    })
    .await;
}

/// Starts `cmd` detached in `container` as another operator's `docker exec` would.
async fn exec_detached(env: &TestEnv, container: &str, cmd: Vec<&str>, vars: Vec<&str>) {
    let exec = env
        .docker
        .create_exec(
            container,
            CreateExecOptions {
                cmd: Some(cmd),
                env: Some(vars),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    env.docker
        .start_exec(
            &exec.id,
            Some(bollard::exec::StartExecOptions {
                detach: true,
                ..Default::default()
            }),
        )
        .await
        .unwrap();
}

/// The cleanup after an attach ends what this attach started and nothing else: another
/// operator's `docker exec` in the same session, started before or during the attach, and
/// one carrying another attach's mark, all keep running.
#[tokio::test(flavor = "multi_thread")]
async fn another_operators_exec_in_the_same_session_survives_the_attach_cleanup() {
    with_env("e2e_shell_other", async |env| {
        let session = env.id("other");
        let container = env.session(&session, None, true).await;
        exec_detached(env, &container, vec!["sleep", "4321"], vec![]).await;
        let mut cli = Tui::spawn(&["session", "shell", &session], &[], 100, 30);
        cli.wait_for_text(&format!("Attached to session {session} (sh)"), WAIT);
        exec_detached(env, &container, vec!["sleep", "4322"], vec![]).await;
        // Another attach of this tool (its own mark, 12 hex digits like every mark).
        exec_detached(
            env,
            &container,
            vec!["sleep", "4323"],
            vec!["SANDKASTEN_TUI_SHELL=0123456789ab"],
        )
        .await;
        cli.send("setsid sleep 1234 &\r");
        cli.send("echo ready-$((6*7))\r");
        cli.wait_for_text("ready-42", WAIT);
        std::thread::sleep(Duration::from_millis(300));
        cli.send("\x1d"); // ctrl-]: detach
        assert_eq!(cli.wait_exit_code(Duration::from_secs(8)), 0);
        let left = leftover_processes(env, &container).await;
        for other in ["sleep 4321", "sleep 4322", "sleep 4323"] {
            assert!(
                left.iter().any(|l| l.contains(other)),
                "{other} was killed: {left:?}"
            );
        }
        assert!(
            !left.iter().any(|l| l.contains("sleep 1234")),
            "the attach's own process was left: {left:?}"
        );
    })
    .await;
}

/// Modes a program in the shell can leave on, each with what turns it off.
const MODES: [(&str, &str, &str); 7] = [
    ("line-drawing charset", "\x1b(0", "\x1b(B"),
    ("reverse video", "\x1b[?5h", "\x1b[?5l"),
    ("origin mode", "\x1b[?6h", "\x1b[?6l"),
    ("scroll region", "\x1b[5;10r", "\x1b[r"),
    ("hidden cursor", "\x1b[?25l", "\x1b[?25h"),
    ("application keypad", "\x1b=", "\x1b>"),
    ("bracketed paste", "\x1b[?2004h", "\x1b[?2004l"),
];

#[tokio::test(flavor = "multi_thread")]
async fn terminal_modes_a_shell_sets_are_reset_on_return_and_at_exit() {
    with_env("e2e_shell_modes", async |env| {
        let session = env.id("modes");
        env.session(&session, None, true).await;
        let mut tui = spawn("modes");
        tui.wait_for_text(&session, WAIT);
        tui.select_session(&session, WAIT);
        attach(&mut tui, &session);
        // Everything a misbehaving program can leave behind, on the main screen and on the
        // alternate screen it stays in.
        let modes = concat!(
            "\\033(0\\033[5;10r\\033[?6h\\033[?5h\\033[?25l",
            "\\033[?1h\\033=\\033[?2004h\\033[?1003h"
        );
        tui.send(&format!(
            "printf '{modes}\\033[?1049h{modes}'; echo set-$((1+1))\r"
        ));
        tui.wait_for_text("set-2", WAIT);
        tui.send("\x1d");
        tui.wait_for_text(&format!("Detached from {session}"), WAIT);
        // Drawn over the whole screen: neither origin mode nor a scroll region squeezed it.
        let (top, bottom) = (tui.row(0), tui.row(38));
        assert!(
            top.contains("1 Sessions"),
            "top row: {top:?}\n{}",
            tui.screen()
        );
        assert!(
            tui.screen().contains(&format!("Detached from {session}")) && bottom.starts_with('●'),
            "status row: {bottom:?}\n{}",
            tui.screen()
        );
        for (what, set, reset) in MODES {
            assert!(
                !tui.left_on(set, reset) || what == "hidden cursor",
                "back in the TUI: {what}"
            );
        }
        tui.send("q");
        assert!(tui.wait_exit(WAIT));
        assert!(tui.terminal_restored(), "{}", tui.screen());
        assert!(tui.input_modes_normal(), "keypad, cursor keys, paste");
        for (what, set, reset) in MODES {
            assert!(!tui.left_on(set, reset), "after the exit: {what}");
        }
    })
    .await;
}

/// `session shell` has no TUI to redraw over what the shell left: the reset at its exit is
/// all that stands between those modes and the operator's own shell.
#[tokio::test(flavor = "multi_thread")]
async fn session_shell_command_resets_the_modes_the_shell_set() {
    with_env("e2e_shell_cli_modes", async |env| {
        let session = env.id("climodes");
        env.session(&session, None, true).await;
        let mut cli = Tui::spawn(&["session", "shell", &session], &[], 100, 30);
        cli.wait_for_text(&format!("Attached to session {session} (sh)"), WAIT);
        let modes = concat!(
            "\\033(0\\033[5;10r\\033[?6h\\033[?5h\\033[?25l",
            "\\033[?1h\\033=\\033[?2004h\\033[?1003h"
        );
        cli.send(&format!(
            "printf '{modes}\\033[?1049h{modes}'; echo set-$((1+1))\r"
        ));
        cli.wait_for_text("set-2", WAIT);
        cli.send("\x1d"); // ctrl-]: detach
        assert_eq!(cli.wait_exit_code(WAIT), 0);
        assert!(cli.terminal_restored(), "{}", cli.screen());
        assert!(cli.input_modes_normal(), "keypad, cursor keys, paste");
        for (what, set, reset) in MODES {
            assert!(!cli.left_on(set, reset), "after the exit: {what}");
        }
    })
    .await;
}
