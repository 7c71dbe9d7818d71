//! Handing the terminal to a session's shell and taking it back. The shell comes prepared by
//! the Docker task (session started, shell found, exec created: `docker::shell`); this only
//! attaches it and bridges bytes, and never builds an engine client. The input reader is
//! stopped (and joined) first, the alternate screen and mouse reporting are left while raw
//! mode stays (the container's pty echoes and edits lines), the exec is sized right after it
//! starts and again on every window change, and on every way out — the shell exits, the detach
//! key, an error, the engine going away — the terminal's modes are reset (whatever the shell's
//! programs left on), the TUI screen is restored and fully redrawn, and the clean-up that ends
//! everything the shell started is returned (the TUI hands it to the Docker task; `session
//! shell` runs it before exiting). A terminal that hangs up, SIGHUP, SIGTERM, SIGINT or SIGQUIT
//! end the attach and the program.

use std::io::Write;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen};
use tokio::signal::unix::{SignalKind, signal};

use crate::docker::exec::ShellCleanup;
use crate::docker::shell::{AttachedShell, PreparedShell};
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

/// How long `session shell` lets ending the shell's processes take before it exits anyway
/// (the engine may be the reason the attach ended). The TUI never waits for it: it hands the
/// clean-up to the Docker task.
const END_SESSION_LIMIT: std::time::Duration = std::time::Duration::from_secs(5);

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

/// Runs the prepared shell with the terminal, then gives it back. `input` is stopped for the
/// duration and restarted after; `detach` is the byte that detaches (Ctrl-] = 0x1d by
/// default). Also returns what ends the shell's processes, on every way out, for the Docker
/// task to run: the loop never waits for the engine here beyond the attach itself.
pub async fn run_shell(
    guard: &mut TerminalGuard,
    input: &mut Option<InputReader>,
    shell: PreparedShell,
    detach: u8,
    detach_name: &str,
) -> (ShellOutcome, ShellCleanup) {
    if let Some(reader) = input.take() {
        reader.stop().await;
    }
    let (outcome, attached) = bridge(&shell, detach, detach_name, true).await;
    let cleanup = attached.map_or_else(|| shell.cleanup(), |a| a.cleanup());
    reset_modes();
    // Ending: the guard restores the terminal on the way out; a reader on a terminal that
    // hung up would only spin.
    if outcome.ends_program() {
        return (outcome, cleanup);
    }
    if let Err(e) = enter_tui(guard) {
        tracing::error!(%e, "restoring the TUI after the shell");
    }
    discard_typed_ahead();
    *input = Some(InputReader::start());
    (outcome, cleanup)
}

/// Keys typed while the terminal showed the shell but no shell took them (its attach still
/// starting, then failing; or typed after it ended) were meant for a shell: the TUI must not
/// read them as its own (`l`, `t`, `d`… of a command line open, stop, destroy). The kernel's
/// input queue is dropped before its reader starts again.
fn discard_typed_ahead() {
    let stdin = std::io::stdin();
    if let Err(e) = rustix::termios::tcflush(&stdin, rustix::termios::QueueSelector::IFlush) {
        tracing::debug!(%e, "discarding input typed for the shell");
    }
}

/// The shell without a TUI around it (`sandkasten-tui session shell`): raw mode for the
/// duration, restored on every way out. With no Docker task to hand it to, the shell's
/// processes are ended here before returning (bounded by [`END_SESSION_LIMIT`]).
pub async fn run_shell_plain(shell: PreparedShell, detach: u8, detach_name: &str) -> ShellOutcome {
    if let Err(e) = crossterm::terminal::enable_raw_mode() {
        return ShellOutcome::Failed {
            session: shell.session.clone(),
            reason: format!("cannot put the terminal in raw mode: {e}"),
        };
    }
    let (outcome, attached) = bridge(&shell, detach, detach_name, false).await;
    let _ = crossterm::terminal::disable_raw_mode();
    reset_modes();
    // Not `println!`: it panics on a terminal that hung up, and the exit code must say 129.
    let mut out = std::io::stdout();
    let _ = writeln!(out).and_then(|()| out.flush());
    // The program ends here, so the clean-up runs now: bounded, since the engine may be why
    // the attach ended, and a clean-up it was away for cannot wait for it.
    let end = async {
        match &attached {
            Some(attached) => attached.end().await,
            None => shell.end().await,
        }
    };
    let ended = tokio::time::timeout(END_SESSION_LIMIT, end).await;
    if !matches!(ended, Ok(Ok(()))) {
        tracing::warn!(?ended, "ending the shell's processes");
    }
    outcome
}

/// Attaches and bridges until the shell ends or the operator leaves. Returns how it ended and
/// the attached shell (`None` when it never started), whose clean-up is the caller's.
async fn bridge(
    prepared: &PreparedShell,
    detach: u8,
    detach_name: &str,
    from_tui: bool,
) -> (ShellOutcome, Option<AttachedShell>) {
    let session = prepared.session.clone();
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
        "Attached to session {session} ({}). {detach_name} detaches.\r\n",
        prepared.shell
    );
    let _ = out.flush();
    let size = crossterm::terminal::size().unwrap_or((80, 24));
    let mut terminate = Termination::new();
    let mut hangup = signal(SignalKind::hangup()).ok();
    // Starting the attach may wait on the engine up to a call's deadline; the signals that
    // end the program end that wait too (a shell the engine started meanwhile is ended by
    // its mark: the caller's clean-up of a shell never attached).
    let attached = tokio::select! {
        attached = prepared.attach(size) => attached,
        signal = terminate.recv() => {
            return (ShellOutcome::Terminated { session, signal }, None);
        }
        Some(()) = next_signal(&mut hangup) => return (ShellOutcome::Hangup { session }, None),
    };
    let mut shell = match attached {
        Ok(shell) => shell,
        Err(e) => {
            let failed = ShellOutcome::Failed {
                session,
                reason: e.to_string(),
            };
            return (failed, None);
        }
    };
    let _ = out.write_all(&shell.first_output);
    let _ = out.flush();
    let Some(writer) = shell.take_input() else {
        let failed = ShellOutcome::Failed {
            session,
            reason: "the shell has no input".into(),
        };
        return (failed, Some(shell));
    };
    let mut keys = StdinPump::start(writer, detach, tokio::runtime::Handle::current());
    let mut winch = signal(SignalKind::window_change()).ok();
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
            chunk = shell.next_output() => match chunk {
                Some(Ok(bytes)) => {
                    let _ = out.write_all(&bytes);
                    let _ = out.flush();
                }
                Some(Err(e)) => break ShellOutcome::Failed {
                    session: session.clone(),
                    reason: format!("the connection to the engine broke: {e}"),
                },
                None => break ShellOutcome::Exited {
                    session: session.clone(),
                    code: shell.exit_code().await,
                },
            },
            Some(()) = next_signal(&mut winch) => {
                if let Ok((cols, rows)) = crossterm::terminal::size() {
                    let _ = shell.resize(cols, rows).await;
                }
            },
        }
    };
    // Joining waits at most one poll interval; it runs off the async workers.
    let _ = tokio::task::spawn_blocking(move || keys.stop()).await;
    // Closing the attach leaves the shell running (the engine cannot kill an exec): its
    // processes are ended on every way out, or each attach leaves a shell behind.
    if shell.pid().is_none() {
        tracing::warn!("the shell did not announce its pid; ending what carries its mark");
    }
    (outcome, Some(shell))
}
/// The next delivery of a signal; `None` (never ready) when it could not be registered.
async fn next_signal(signal: &mut Option<tokio::signal::unix::Signal>) -> Option<()> {
    match signal.as_mut() {
        Some(s) => s.recv().await,
        None => None,
    }
}
