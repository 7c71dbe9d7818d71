//! The signals that ask the program to end: SIGTERM, SIGINT and SIGQUIT. In raw mode the
//! terminal turns Ctrl-c and Ctrl-\ into keys, so these come from other processes (`kill`,
//! `timeout`, a supervisor); left to their default action they would kill the program with the
//! terminal in raw mode, a shell attach's processes still running in the session and unsaved
//! edits lost. Handled, they end it the way SIGTERM does. SIGHUP (the terminal is gone) is
//! handled apart. Knows nothing of the app's state.

use tokio::signal::unix::{Signal, SignalKind, signal};

/// Listens for every signal that ends the program.
pub struct Termination {
    listeners: Vec<(i32, Signal)>,
}

impl Termination {
    /// Registers the handlers; one that cannot be registered keeps its default action.
    pub fn new() -> Self {
        let kinds = [
            SignalKind::terminate(),
            SignalKind::interrupt(),
            SignalKind::quit(),
        ];
        let listeners = kinds
            .into_iter()
            .filter_map(|kind| signal(kind).ok().map(|s| (kind.as_raw_value(), s)))
            .collect();
        Self { listeners }
    }

    /// The number of the next of these signals to arrive (never, when none is registered).
    pub async fn recv(&mut self) -> i32 {
        if self.listeners.is_empty() {
            return std::future::pending().await;
        }
        let waits = self.listeners.iter_mut().map(|(number, s)| {
            let number = *number;
            Box::pin(async move {
                // `None` means the signal driver is gone: nothing will arrive any more.
                if s.recv().await.is_none() {
                    std::future::pending::<()>().await;
                }
                number
            })
        });
        futures::future::select_all(waits).await.0
    }
}

impl Default for Termination {
    fn default() -> Self {
        Self::new()
    }
}
