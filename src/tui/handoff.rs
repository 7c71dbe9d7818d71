//! Handing the terminal to a session's shell and taking it back. The input reader is stopped
//! (and joined) first, the alternate screen and mouse reporting are left while raw mode stays
//! (the container's pty echoes and edits lines), the exec is sized right after it starts and
//! again on every window change, and on every way out — the shell exits, the detach key, an
//! error, the engine going away — the terminal's modes are reset (whatever the shell's programs
//! left on), the TUI screen is restored and fully redrawn, and everything the shell started in
//! the session is ended. A terminal that hangs up, SIGHUP, SIGTERM, SIGINT or SIGQUIT end the
//! attach and the program.

use std::io::Write;

use bollard::Docker;
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen};
use futures::StreamExt;
use tokio::signal::unix::{SignalKind, signal};

use crate::docker::exec::{ShellCleanup, exec_exit_code, probe_shell, resize, start_shell};
use crate::docker::lifecycle::set_running;
use crate::domain::shell::ShellTarget;
use crate::tui::raw_stdin::{PumpEnd, StdinPump};
use crate::tui::{InputReader, TerminalGuard, Termination, reset_modes};

/// How a shell session ended, for the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShellOutcome {
    Exited {
        session: String,
        code: Option<i64>,
    },
    Detached {
        session: String,
    },
    Failed {
        session: String,
        reason: String,
    },
    /// The terminal went away (hangup, end of input, SIGHUP): the program ends.
    Hangup {
        session: String,
    },
    /// SIGTERM, SIGINT or SIGQUIT (`signal`, its number) during the attach: the program ends.
    Terminated {
        session: String,
        signal: i32,
    },
}

impl ShellOutcome {
    /// Whether the program must end now instead of returning to the TUI.
    pub fn ends_program(&self) -> bool {
        matches!(self, Self::Hangup { .. } | Self::Terminated { .. })
    }
}

/// How long ending the shell's processes may take before the handoff gives up on it (the
/// engine may be the reason the attach ended).
const END_SESSION_LIMIT: std::time::Duration = std::time::Duration::from_secs(5);

/// The engine calls made before the handoff run while the TUI waits: a stalled engine gets a
/// time limit and an error, not a frozen screen.
const PREPARE_LIMIT: std::time::Duration = std::time::Duration::from_secs(15);

async fn bounded<T>(
    call: impl std::future::Future<Output = Result<T, crate::docker::DockerError>>,
) -> Result<T, crate::docker::DockerError> {
    tokio::time::timeout(PREPARE_LIMIT, call)
        .await
        .unwrap_or_else(|_| {
            Err(crate::docker::DockerError::Api(format!(
                "the engine did not answer within {} s",
                PREPARE_LIMIT.as_secs()
            )))
        })
}

fn term_name() -> String {
    std::env::var("TERM").unwrap_or_else(|_| "xterm-256color".into())
}

fn leave_tui() -> std::io::Result<()> {
    execute!(
        std::io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        Clear(ClearType::All),
        crossterm::cursor::MoveTo(0, 0),
        crossterm::cursor::Show
    )
}

fn enter_tui(guard: &mut TerminalGuard) -> std::io::Result<()> {
    execute!(
        std::io::stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        Clear(ClearType::All)
    )?;
    // A resize resets ratatui's back buffer: the next draw repaints every cell.
    let terminal = guard.terminal()?;
    let size = terminal.size()?;
    terminal.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
}

/// Connects, starts the session if asked, and finds its shell: the steps that can fail before
/// the terminal changes hands.
async fn prepare(target: &ShellTarget) -> Result<(Docker, &'static str), ShellOutcome> {
    let fail = |reason: String| ShellOutcome::Failed {
        session: target.session.clone(),
        reason,
    };
    // The shared constructor: every request carries the engine-call deadline.
    let docker = crate::docker::connect()
        .map_err(|e| fail(e.to_string()))?
        .docker;
    if target.start_first {
        bounded(set_running(&docker, &target.container, true))
            .await
            .map_err(|e| fail(format!("could not start it: {e}")))?;
    }
    let shell = bounded(probe_shell(&docker, &target.container))
        .await
        .map_err(|e| fail(e.to_string()))?;
    Ok((docker, shell))
}

/// Runs the shell with the terminal, then gives it back. `input` is stopped for the duration
/// and restarted after; `detach` is the byte that detaches (Ctrl-] = 0x1d by default). Also
/// returns the cleanup of the shell's processes when it could not run (the engine was away),
/// for the Docker task to run once the engine answers again.
pub async fn run_shell(
    guard: &mut TerminalGuard,
    input: &mut Option<InputReader>,
    target: &ShellTarget,
    detach: u8,
    detach_name: &str,
) -> (ShellOutcome, Option<ShellCleanup>) {
    // Everything that can fail before the terminal changes hands happens first: no flash.
    let (docker, shell) = match prepare(target).await {
        Ok(ready) => ready,
        Err(failed) => return (failed, None),
    };
    if let Some(reader) = input.take() {
        reader.stop().await;
    }
    let ended = bridge(&docker, target, shell, detach, detach_name, true).await;
    reset_modes();
    // Ending: the guard restores the terminal on the way out; a reader on a terminal that
    // hung up would only spin.
    if ended.0.ends_program() {
        return ended;
    }
    if let Err(e) = enter_tui(guard) {
        tracing::error!(%e, "restoring the TUI after the shell");
    }
    *input = Some(InputReader::start());
    ended
}

/// The shell without a TUI around it (`sandkasten-tui session shell`): raw mode for the
/// duration, restored on every way out.
pub async fn run_shell_plain(target: &ShellTarget, detach: u8, detach_name: &str) -> ShellOutcome {
    let (docker, shell) = match prepare(target).await {
        Ok(ready) => ready,
        Err(failed) => return failed,
    };
    if let Err(e) = crossterm::terminal::enable_raw_mode() {
        return ShellOutcome::Failed {
            session: target.session.clone(),
            reason: format!("cannot put the terminal in raw mode: {e}"),
        };
    }
    // The program ends here: a cleanup the engine was away for cannot wait for it.
    let (outcome, _) = bridge(&docker, target, shell, detach, detach_name, false).await;
    let _ = crossterm::terminal::disable_raw_mode();
    reset_modes();
    // Not `println!`: it panics on a terminal that hung up, and the exit code must say 129.
    let mut out = std::io::stdout();
    let _ = writeln!(out).and_then(|()| out.flush());
    outcome
}

async fn bridge(
    docker: &Docker,
    target: &ShellTarget,
    shell: &str,
    detach: u8,
    detach_name: &str,
    from_tui: bool,
) -> (ShellOutcome, Option<ShellCleanup>) {
    let session = target.session.clone();
    if from_tui && let Err(e) = leave_tui() {
        let failed = ShellOutcome::Failed {
            session,
            reason: e.to_string(),
        };
        return (failed, None);
    }
    let mut out = std::io::stdout();
    let _ = write!(
        out,
        "Attached to session {session} ({shell}). {detach_name} detaches.\r\n"
    );
    let _ = out.flush();
    let size = crossterm::terminal::size().unwrap_or((80, 24));
    let exec = match start_shell(docker, &target.container, shell, &term_name(), size).await {
        Ok(exec) => exec,
        Err(e) => {
            let failed = ShellOutcome::Failed {
                session,
                reason: e.to_string(),
            };
            return (failed, None);
        }
    };
    let crate::docker::exec::ShellExec {
        id,
        pid,
        mark,
        first_output,
        mut output,
        input,
    } = exec;
    let _ = out.write_all(&first_output);
    let _ = out.flush();
    let mut keys = StdinPump::start(input, detach, tokio::runtime::Handle::current());
    let mut winch = signal(SignalKind::window_change()).ok();
    let mut terminate = Termination::new();
    let mut hangup = signal(SignalKind::hangup()).ok();
    let mut input_open = true;
    let outcome = loop {
        tokio::select! {
            // The pump first: after a detach the shell's exit is a consequence, not the cause.
            biased;
            end = &mut keys.ended, if input_open => match end {
                Ok(PumpEnd::Detached) => break ShellOutcome::Detached { session: session.clone() },
                Ok(PumpEnd::Hangup) => break ShellOutcome::Hangup { session: session.clone() },
                // The shell stopped taking input: its output still says how it ends.
                Ok(PumpEnd::Closed) | Err(_) => input_open = false,
            },
            signal = terminate.recv() => {
                break ShellOutcome::Terminated { session: session.clone(), signal }
            },
            Some(()) = next_signal(&mut hangup) => {
                break ShellOutcome::Hangup { session: session.clone() }
            },
            chunk = output.next() => match chunk {
                Some(Ok(output)) => {
                    let _ = out.write_all(&output.into_bytes());
                    let _ = out.flush();
                }
                Some(Err(e)) => break ShellOutcome::Failed {
                    session: session.clone(),
                    reason: format!("the connection to the engine broke: {e}"),
                },
                None => break ShellOutcome::Exited {
                    session: session.clone(),
                    code: exec_exit_code(docker, &id).await,
                },
            },
            Some(()) = next_signal(&mut winch) => {
                if let Ok((cols, rows)) = crossterm::terminal::size() {
                    let _ = resize(docker, &id, cols, rows).await;
                }
            },
        }
    };
    // Joining waits at most one poll interval; it runs off the async workers.
    let _ = tokio::task::spawn_blocking(move || keys.stop()).await;
    // Closing the attach leaves the shell running (the engine cannot kill an exec): end it
    // and whatever it started, on every way out, or each attach leaves a shell behind.
    if pid.is_none() {
        tracing::warn!("the shell did not announce its pid; ending what carries its mark");
    }
    let cleanup = ShellCleanup {
        container: target.container.clone(),
        shell: shell.to_owned(),
        pid,
        mark,
    };
    let ended = tokio::time::timeout(END_SESSION_LIMIT, cleanup.run(docker)).await;
    if matches!(ended, Ok(Ok(()))) {
        return (outcome, None);
    }
    // Most likely the engine is why the attach ended: the cleanup waits for it to come back.
    tracing::warn!(?ended, ?pid, "ending the shell's processes; kept for later");
    (outcome, Some(cleanup))
}

/// The next delivery of a signal; `None` (never ready) when it could not be registered.
async fn next_signal(signal: &mut Option<tokio::signal::unix::Signal>) -> Option<()> {
    match signal.as_mut() {
        Some(s) => s.recv().await,
        None => None,
    }
}
