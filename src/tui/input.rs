//! The terminal input reader: one task owns crossterm's `EventStream` and forwards events into a
//! channel, so the loop can drain what is queued with `try_recv` (polling the stream with a
//! dummy waker would lose its wake-up). Stopping it (drop or `stop`) releases the terminal's
//! input, which a later shell handoff needs.

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub struct InputReader {
    events: mpsc::Receiver<std::io::Result<Event>>,
    task: JoinHandle<()>,
}

impl InputReader {
    pub fn start() -> Self {
        let (tx, events) = mpsc::channel(256);
        let task = tokio::spawn(async move {
            let mut stream = EventStream::new();
            while let Some(event) = stream.next().await {
                if tx.send(event).await.is_err() {
                    break;
                }
            }
        });
        Self { events, task }
    }

    /// Waits for the next event; `None` when the terminal closed its input.
    pub async fn next(&mut self) -> Option<std::io::Result<Event>> {
        self.events.recv().await
    }

    /// Stops reading and waits until the terminal's input is released: dropping the event
    /// stream wakes crossterm's reader thread so it exits instead of taking the next key.
    pub async fn stop(mut self) {
        self.events.close();
        self.task.abort();
        let _ = (&mut self.task).await;
    }

    /// How many events are queued, read but not yet taken.
    pub fn queued(&self) -> usize {
        self.events.len()
    }

    /// An event that is already queued, without waiting.
    pub fn try_next(&mut self) -> Option<std::io::Result<Event>> {
        self.events.try_recv().ok()
    }
}

impl Drop for InputReader {
    fn drop(&mut self) {
        self.task.abort();
    }
}
