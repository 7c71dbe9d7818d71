//! Terminal setup and guaranteed restore. `TerminalGuard` restores on drop; a panic hook that
//! chains the previous one restores before the panic message is printed, so it stays readable.

use std::io::{self, Stdout, Write, stdout};
use std::sync::Once;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Tui = Terminal<CrosstermBackend<Stdout>>;

/// Every mode a program in a session's shell can leave behind, back to its default: a soft
/// reset (DECSTR) for terminals that have it, and each mode explicitly for those that do not
/// or where DECSTR leaves it alone (mouse, bracketed paste, reverse video).
pub const MODE_RESETS: &str = concat!(
    "\x1b[!p",                                                                    // DECSTR
    "\x1b[r",           // scroll region: the whole screen
    "\x1b[?6l",         // origin mode off
    "\x1b[?5l",         // reverse video off
    "\x1b[?7h",         // autowrap on
    "\x1b[4l",          // insert mode off
    "\x1b[0m",          // colours and attributes
    "\x1b(B\x1b)B\x0f", // G0 and G1 ASCII, G0 in use: no line-drawing characters
    "\x1b[?1l\x1b>",    // cursor keys and keypad in normal mode
    "\x1b[?2004l",      // bracketed paste off
    "\x1b[?9l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1005l\x1b[?1006l\x1b[?1015l", // mouse
    "\x1b[?1004l",      // focus reports off
    "\x1b[?25h",        // cursor visible
);

/// Leaves an alternate screen a full-screen program in the shell entered.
const LEAVE_ALTERNATE: &str = "\x1b[?1049l";

/// Resets every mode on whichever screen the shell left active, leaves the alternate screen,
/// and resets again: some terminals keep margins and origin mode per screen. Errors are
/// ignored (a terminal that is gone needs no reset).
pub fn reset_modes() {
    let mut out = stdout();
    let _ = out.write_all(MODE_RESETS.as_bytes());
    let _ = out.write_all(LEAVE_ALTERNATE.as_bytes());
    let _ = out.write_all(MODE_RESETS.as_bytes());
    let _ = out.flush();
}

/// Whether `error`, from writing to or reading the terminal, says it hung up: a pty whose
/// other end closed answers EIO. The program then ends as SIGHUP ends it, not as an error
/// nobody is left to read.
pub fn hung_up(error: &io::Error) -> bool {
    error.raw_os_error() == Some(rustix::io::Errno::IO.raw_os_error())
}

/// Puts the terminal back as the shell expects it. Safe to call more than once.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(stdout(), DisableMouseCapture, LeaveAlternateScreen);
    reset_modes();
}

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Only a panic of the thread that owns the terminal ends the TUI; tokio catches a
        // task's panic and the TUI keeps drawing, so restoring then would break its screen.
        let ui_thread = std::thread::current().id();
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().id() == ui_thread {
                restore();
            }
            previous(info);
        }));
    });
}

/// Owns the terminal while the TUI runs.
pub struct TerminalGuard {
    /// Taken in `drop`: ratatui's own drop prints to stderr when it cannot show the cursor,
    /// and printing to a terminal that hung up panics, which turns a clean exit into a crash.
    /// `Some` for the guard's whole life before that.
    terminal: Option<Tui>,
}

impl TerminalGuard {
    pub fn enter() -> io::Result<Self> {
        install_panic_hook();
        enable_raw_mode()?;
        let guard_on_error = scopeguard_restore();
        // Cleared through crossterm: ratatui's `Terminal::clear` asks the terminal for the
        // cursor position, and a terminal that never answers would stall start-up.
        execute!(
            stdout(),
            EnterAlternateScreen,
            EnableMouseCapture,
            Clear(ClearType::All)
        )?;
        let terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
        std::mem::forget(guard_on_error);
        Ok(Self {
            terminal: Some(terminal),
        })
    }

    pub fn terminal(&mut self) -> io::Result<&mut Tui> {
        self.terminal
            .as_mut()
            .ok_or_else(|| io::Error::other("the terminal was released"))
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        // A terminal that still answers is dropped as usual; one that is gone is left to the
        // process exit (it holds nothing but a handle on stdout).
        if let Some(mut terminal) = self.terminal.take()
            && terminal.show_cursor().is_err()
        {
            std::mem::forget(terminal);
        }
        restore();
    }
}

/// Restores if `enter` fails half-way; forgotten once the guard exists.
fn scopeguard_restore() -> impl Drop {
    struct RestoreOnDrop;
    impl Drop for RestoreOnDrop {
        fn drop(&mut self) {
            restore();
        }
    }
    RestoreOnDrop
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_eio_counts_as_a_terminal_that_hung_up() {
        let eio = io::Error::from_raw_os_error(rustix::io::Errno::IO.raw_os_error());
        assert!(hung_up(&eio));
        let epipe = io::Error::from_raw_os_error(rustix::io::Errno::PIPE.raw_os_error());
        assert!(!hung_up(&epipe));
        assert!(!hung_up(&io::Error::other("the terminal was released")));
    }
}
