//! The terminal itself: entering and leaving raw mode and the alternate screen, restoring it on
//! every exit path (drop and panic). Knows nothing of the app's state.

pub mod handoff;
mod input;
mod raw_stdin;
mod signals;
mod terminal;

pub use input::InputReader;
pub use signals::Termination;
pub use terminal::{MODE_RESETS, TerminalGuard, Tui, hung_up, reset_modes, restore};
