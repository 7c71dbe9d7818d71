//! The loop's one queue: terminal input, the files task's and the Docker task's reports, and
//! the signals that end the program, read as `Inbound` items. Waiting is one `select!` with no
//! timer unless the caller asks for one (idle means no wake-ups); what is already queued is
//! taken without waiting, the sources in turn. Input events are numbered as they are taken, so
//! `update` can tell a key typed before a frame from one typed after it.
//! Owns the receivers and the input clock; never reads or changes `State` (what a terminal
//! event means is the caller's `resolve`), never draws.

use crossterm::event::{Event, KeyEventKind, MouseButton, MouseEventKind};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::mpsc::{self, error::TryRecvError};
use tokio::time::Instant;

use crate::app::keymap::Keymap;
use crate::app::msg::{MouseMsg, Msg};
use crate::app::state::State;
use crate::docker::DockerEvent;
use crate::tui::{InputReader, Termination};
use crate::ui::HitMap;
use crate::workspace_fs::task::FsEvent;

/// One thing taken from the inbox.
#[derive(Debug)]
pub enum Inbound {
    /// A background report to apply.
    Msg(Msg),
    /// A terminal event, the `seq`-th of the run; `msg` is what it means here, if anything.
    Input { seq: u64, msg: Option<Msg> },
    /// The program ends: `Ok` when the terminal went away or a signal asked, `Err` on a failure.
    End(anyhow::Result<()>),
}

/// What woke the `select!` (handled once its futures are gone).
enum Woke {
    Input(Option<std::io::Result<Event>>),
    Files(Option<FsEvent>),
    Docker(Option<DockerEvent>),
    Ended,
    Deadline,
}

pub struct Inbox {
    input: Option<InputReader>,
    docker: mpsc::Receiver<DockerEvent>,
    /// `None` once the files task is gone: a closed channel would wake the loop forever.
    files: Option<mpsc::Receiver<FsEvent>>,
    terminate: Termination,
    hangup: Signal,
    /// Terminal events taken so far.
    received: u64,
    /// The source `try_next` looks at first, so a flood from one never starves the others.
    turn: usize,
}

impl Inbox {
    pub fn new(
        input: Option<InputReader>,
        docker: mpsc::Receiver<DockerEvent>,
        files: mpsc::Receiver<FsEvent>,
    ) -> std::io::Result<Self> {
        Ok(Self {
            input,
            docker,
            files: Some(files),
            terminate: Termination::new(),
            hangup: signal(SignalKind::hangup())?,
            received: 0,
            turn: 0,
        })
    }

    /// The input reader, for the shell handoff to stop and restart (`None` meanwhile: the
    /// inbox then waits on the other sources only).
    pub fn input(&mut self) -> &mut Option<InputReader> {
        &mut self.input
    }

    /// Every input event that has arrived: those taken plus those still queued (the channel is
    /// FIFO, so queued ones get the next numbers).
    pub fn arrived(&self) -> u64 {
        self.received + self.input.as_ref().map_or(0, |i| i.queued() as u64)
    }

    /// Waits for the next item; `None` when `wake_at` passed first or a source closed quietly.
    pub async fn next(
        &mut self,
        wake_at: Option<Instant>,
        resolve: impl Fn(Event) -> Option<Msg>,
    ) -> Option<Inbound> {
        let woke = tokio::select! {
            event = next_input(&mut self.input) => Woke::Input(event),
            event = next_file_event(&mut self.files) => Woke::Files(event),
            event = self.docker.recv() => Woke::Docker(event),
            _ = sleep_until(wake_at) => Woke::Deadline,
            _ = self.terminate.recv() => Woke::Ended,
            _ = self.hangup.recv() => Woke::Ended,
        };
        match woke {
            Woke::Input(event) => Some(self.input_event(event, &resolve)),
            Woke::Files(Some(event)) => Some(Inbound::Msg(Msg::Fs(event))),
            Woke::Files(None) => {
                tracing::warn!("the files task stopped; the browser cannot be used any more");
                self.files = None;
                None
            }
            Woke::Docker(event) => Some(docker_event(event)),
            Woke::Ended => Some(Inbound::End(Ok(()))),
            Woke::Deadline => None,
        }
    }

    /// An item already queued, without waiting; the sources take turns.
    pub fn try_next(&mut self, resolve: impl Fn(Event) -> Option<Msg>) -> Option<Inbound> {
        for i in 0..3 {
            let source = (self.turn + i) % 3;
            let taken = match source {
                0 => {
                    let event = self.input.as_mut().and_then(InputReader::try_next);
                    event.map(|e| self.input_event(Some(e), &resolve))
                }
                1 => {
                    let event = self.files.as_mut().and_then(|f| f.try_recv().ok());
                    event.map(|e| Inbound::Msg(Msg::Fs(e)))
                }
                _ => match self.docker.try_recv() {
                    Ok(event) => Some(docker_event(Some(event))),
                    Err(TryRecvError::Disconnected) => Some(docker_event(None)),
                    Err(TryRecvError::Empty) => None,
                },
            };
            if taken.is_some() {
                self.turn = (source + 1) % 3;
                return taken;
            }
        }
        None
    }

    fn input_event(
        &mut self,
        event: Option<std::io::Result<Event>>,
        resolve: &impl Fn(Event) -> Option<Msg>,
    ) -> Inbound {
        match event {
            Some(Ok(event)) => {
                self.received += 1;
                Inbound::Input {
                    seq: self.received,
                    msg: resolve(event),
                }
            }
            // The window closed: the same ending as its SIGHUP.
            Some(Err(e)) if crate::tui::hung_up(&e) => Inbound::End(Ok(())),
            Some(Err(e)) => Inbound::End(Err(e.into())),
            None => Inbound::End(Ok(())),
        }
    }
}

fn docker_event(event: Option<DockerEvent>) -> Inbound {
    match event {
        Some(event) => Inbound::Msg(Msg::Docker(event)),
        None => Inbound::End(Err(anyhow::anyhow!("the Docker task stopped unexpectedly"))),
    }
}

/// The next terminal event; pending forever while the reader is stopped (during a handoff).
async fn next_input(input: &mut Option<InputReader>) -> Option<std::io::Result<Event>> {
    match input.as_mut() {
        Some(reader) => reader.next().await,
        None => std::future::pending().await,
    }
}

async fn next_file_event(files: &mut Option<mpsc::Receiver<FsEvent>>) -> Option<FsEvent> {
    match files.as_mut() {
        Some(files) => files.recv().await,
        None => std::future::pending().await,
    }
}

/// No timer at all without a deadline: idle stays idle.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// What a terminal event means in the state as it is now, using the last frame's geometry for
/// the mouse. The loop and the test harness both resolve through here.
pub fn resolve(event: Event, state: &State, keymap: &Keymap, hits: &HitMap) -> Option<Msg> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => keymap.msg_for(state.layer(), key),
        Event::Mouse(mouse) => {
            let (pane, row) = hits.locate(mouse.column, mouse.row)?;
            let mouse = match mouse.kind {
                MouseEventKind::Down(MouseButton::Left) => MouseMsg::Click { pane, row },
                MouseEventKind::ScrollDown => MouseMsg::Scroll { pane, down: true },
                MouseEventKind::ScrollUp => MouseMsg::Scroll { pane, down: false },
                _ => return None,
            };
            Some(Msg::Mouse(mouse))
        }
        Event::Resize(..) => Some(Msg::Redraw),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::time::Duration;

    fn inbox() -> (Inbox, mpsc::Sender<DockerEvent>, mpsc::Sender<FsEvent>) {
        let (docker_tx, docker) = mpsc::channel(8);
        let (files_tx, files) = mpsc::channel(8);
        (
            Inbox::new(None, docker, files).unwrap(),
            docker_tx,
            files_tx,
        )
    }

    fn nothing(_: Event) -> Option<Msg> {
        None
    }

    fn report() -> DockerEvent {
        DockerEvent::RefreshFailed(crate::domain::outcome::Failure::new(
            crate::domain::outcome::FailureKind::Other,
            "x",
        ))
    }

    fn fs_event() -> FsEvent {
        FsEvent::Progress {
            req: crate::domain::ids::RequestId(1),
            bytes: 2,
        }
    }

    #[tokio::test]
    async fn queued_reports_are_taken_in_turn_and_then_nothing_waits() {
        let (mut inbox, docker, files) = inbox();
        for _ in 0..2 {
            docker.send(report()).await.unwrap();
            files.send(fs_event()).await.unwrap();
        }
        let kinds: Vec<&str> = std::iter::from_fn(|| inbox.try_next(nothing))
            .map(|i| match i {
                Inbound::Msg(Msg::Docker(_)) => "docker",
                Inbound::Msg(Msg::Fs(_)) => "fs",
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(kinds, ["fs", "docker", "fs", "docker"]);
    }

    #[tokio::test]
    async fn a_deadline_wakes_once_and_without_one_idle_never_wakes() {
        let (mut inbox, _docker, _files) = inbox();
        let soon = Instant::now() + Duration::from_millis(5);
        assert!(inbox.next(Some(soon), nothing).await.is_none());
        let idle = tokio::time::timeout(Duration::from_millis(50), inbox.next(None, nothing));
        assert!(idle.await.is_err(), "nothing to wake for");
    }

    #[tokio::test]
    async fn a_files_task_that_stopped_is_no_longer_waited_on() {
        let (mut inbox, _docker, files) = inbox();
        drop(files);
        assert!(inbox.next(None, nothing).await.is_none());
        let idle = tokio::time::timeout(Duration::from_millis(50), inbox.next(None, nothing));
        assert!(
            idle.await.is_err(),
            "a closed channel must not wake the loop again"
        );
    }

    #[tokio::test]
    async fn a_docker_task_that_stopped_ends_the_program_with_an_error() {
        let (mut inbox, docker, _files) = inbox();
        drop(docker);
        assert!(matches!(
            inbox.try_next(nothing),
            Some(Inbound::End(Err(_)))
        ));
        assert!(matches!(
            inbox.next(None, nothing).await,
            Some(Inbound::End(Err(_)))
        ));
    }
}
