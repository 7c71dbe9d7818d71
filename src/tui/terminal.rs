//! Terminal setup and guaranteed restore. `TerminalGuard` restores on drop; a panic hook that
//! chains the previous one restores before the panic message is printed, so it stays readable.

use std::io::{self, Stdout, stdout};
use std::sync::Once;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Tui = Terminal<CrosstermBackend<Stdout>>;

/// Puts the terminal back as the shell expects it. Safe to call more than once.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
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
    terminal: Tui,
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
        Ok(Self { terminal })
    }

    pub fn terminal(&mut self) -> &mut Tui {
        &mut self.terminal
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
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
