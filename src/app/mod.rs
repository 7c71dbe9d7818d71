//! The application: state, actions, the pure `update`, the keymap, and the event loop that
//! owns them. The loop is the only code that mutates `State` or draws.

pub mod dialog;
pub mod files;
pub mod keymap;
pub mod list;
pub mod logs;
pub mod msg;
pub mod recovery;
pub mod rows;
pub mod state;
pub mod update;
pub mod workspace_row;

use std::time::Duration;

use crossterm::event::{Event, KeyEventKind, MouseButton, MouseEventKind};
use jiff::Timestamp;
use tokio::signal::unix::{SignalKind, signal};

use crate::app::keymap::Keymap;
use crate::app::msg::{Command, Layout, MouseMsg, Msg};
use crate::app::state::{ConfigSummary, Notice, NoticeLevel, SessionsConfig, State};
use crate::config::LoadedConfig;
use crate::config::keymap::Bindings;
use crate::docker::{self, DockerHandle};
use crate::tui::handoff::{self, ShellTarget};
use crate::tui::{InputReader, TerminalGuard};
use crate::ui::{self, HitMap};
use crate::workspace_fs::task::FsHandle;

/// Most events applied between two frames, so a flood cannot starve drawing.
const DRAIN_LIMIT: usize = 256;
/// How long the first frame may wait for the first listing.
const FIRST_FRAME_GRACE: Duration = Duration::from_millis(100);
/// At most one frame per this interval while events stream in (the Docker task already
/// coalesces bursts, so this only bounds pathological floods).
const FRAME_INTERVAL: Duration = Duration::from_millis(8);

/// Turns a terminal event into what the user meant, using the last frame's geometry for mice.
fn msg_for_event(event: Event, state: &State, keymap: &Keymap, hits: &HitMap) -> Option<Msg> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => {
            keymap.msg_for(state.mode, state.focus, key)
        }
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

/// Sends Docker commands; returns a shell handoff if one was asked for (the loop runs it).
fn execute(commands: Vec<Command>, workers: &Workers, state: &mut State) -> Option<ShellTarget> {
    let mut shell = None;
    for command in commands {
        let sent = match command {
            Command::Docker(cmd) => workers.docker.send(cmd),
            Command::Fs(cmd) => workers.files.send(cmd),
            Command::Shell(target) => {
                shell = Some(target);
                Ok(())
            }
        };
        if let Err(reason) = sent {
            state.notice = Some(Notice {
                level: NoticeLevel::Error,
                text: reason,
            });
        }
    }
    shell
}

/// The background tasks' command ends.
struct Workers {
    docker: DockerHandle,
    files: FsHandle,
}

/// Numbers terminal events as they reach the loop, so `update` can tell a key typed before a
/// frame was drawn from one typed after it.
#[derive(Debug, Default)]
struct InputClock {
    received: u64,
}

impl InputClock {
    /// Stamps the event about to be applied.
    fn stamp(&mut self, state: &mut State) {
        self.received += 1;
        state.key_seq = self.received;
    }

    /// Every event that had arrived when a frame finished: those applied plus those still
    /// queued (the channel is FIFO, so queued ones get the next numbers).
    fn arrived(&self, input: &Option<InputReader>) -> u64 {
        self.received + input.as_ref().map_or(0, |i| i.queued() as u64)
    }
}

/// Ended from outside (signal, terminal gone, error) with unsaved edits: the buffer goes to
/// a recovery file, the next start names it. Logged either way; nothing here may fail exit.
fn keep_unsaved(state: &State) -> Option<String> {
    let (volume, path, data) = state.unsaved_buffer()?;
    Some(
        match recovery::save(volume, path, Timestamp::now(), &data) {
            Ok(file) => {
                tracing::warn!(file = %file.display(), "unsaved edits written to a recovery file");
                format!("sandkasten-tui: unsaved edits kept in {}", file.display())
            }
            Err(e) => {
                tracing::error!(%e, "unsaved edits could not be kept");
                format!("sandkasten-tui: unsaved edits could NOT be kept: {e}")
            }
        },
    )
}

/// Applies a message; the commands it yields wait for the next frame (see `run`).
fn apply(msg: Msg, state: &mut State, pending: &mut Vec<Command>) {
    state.now = Timestamp::now();
    pending.extend(update::update(state, msg));
}

/// The next terminal event; pending forever while the reader is stopped (during a handoff).
async fn next_input(input: &mut Option<InputReader>) -> Option<std::io::Result<Event>> {
    match input.as_mut() {
        Some(reader) => reader.next().await,
        None => std::future::pending().await,
    }
}

/// Runs the TUI until the user quits. Idle, it sleeps in `select!` with no timers armed.
pub async fn run(loaded: LoadedConfig, read_only: bool) -> anyhow::Result<()> {
    tracing::trace!("tui starting");
    let keymap = Keymap::new(Bindings::defaults());
    let mut state = State::new(
        ConfigSummary::from_loaded(&loaded, read_only),
        docker::endpoint_description(),
    );
    state.sessions_config = SessionsConfig::from_loaded(&loaded);
    if let Some(text) = recovery::dir().and_then(|d| recovery::notice_text(&recovery::existing(&d)))
    {
        state.notice = Some(Notice {
            level: NoticeLevel::Info,
            text,
        });
    }
    state.downloads_dir = files::downloads_dir(
        std::env::var_os("XDG_DOWNLOAD_DIR"),
        std::env::var_os("HOME"),
        std::path::Path::is_dir,
    );
    let (docker, mut docker_events) = docker::spawn();
    let (files, mut fs_events) = crate::workspace_fs::task::spawn();
    let workers = Workers { docker, files };
    // In the background: remove helpers left by a crash, and import the file agent's image so
    // the first file browser opens without paying for it. Failures are only logged (the
    // browser reports its own errors when it is used).
    tokio::spawn(async {
        // After the first screen: on 2 cores this must not delay it.
        tokio::time::sleep(Duration::from_millis(500)).await;
        // `docker::connect` carries the engine-call deadline: a stalled engine ends this.
        let Ok(client) = docker::connect().map(|engine| engine.docker) else {
            return;
        };
        if let Err(e) = crate::workspace_fs::reap_stale_helpers(&client).await {
            tracing::warn!(%e, "reaping stale file helpers");
        }
        if let Err(e) = crate::workspace_fs::ensure_agent_image(&client).await {
            tracing::debug!(%e, "importing the file agent image");
        }
    });
    let mut terminate = crate::tui::Termination::new();
    let mut hangup = signal(SignalKind::hangup())?;
    let mut guard = TerminalGuard::enter()?;
    let mut input = Some(InputReader::start());
    let mut hits = HitMap::default();
    let mut dirty = true;
    let mut pending: Vec<Command> = Vec::new();
    let mut last_frame = tokio::time::Instant::now() - FRAME_INTERVAL;

    // The first frame waits briefly for the first listing: a "connecting" screen replaced a
    // few milliseconds later is a flash for the operator and a wasted full redraw.
    let first_frame_by = tokio::time::Instant::now() + FIRST_FRAME_GRACE;
    let mut drawn_once = false;
    let mut clock = InputClock::default();
    let outcome = loop {
        if state.quit {
            break Ok(());
        }
        let first_frame_ready = drawn_once
            || state.loaded
            || !matches!(
                state.engine,
                crate::app::state::EngineStatus::Connecting { .. }
            )
            || tokio::time::Instant::now() >= first_frame_by;
        if dirty && first_frame_ready {
            drawn_once = true;
            // Bursts of events draw at most once per frame interval.
            tokio::time::sleep_until(last_frame + FRAME_INTERVAL).await;
            state.now = Timestamp::now();
            let drawn = guard
                .terminal()
                .and_then(|t| t.draw(|frame| hits = ui::render(frame, &state, &keymap)));
            match drawn {
                Ok(_) => {}
                // The window closed mid-frame, before its SIGHUP arrived: the same ending.
                Err(e) if crate::tui::hung_up(&e) => break Ok(()),
                Err(e) => break Err(e.into()),
            }
            last_frame = tokio::time::Instant::now();
            // Not dirty: knowing a frame is up changes nothing on screen.
            let layout = Layout::from_hits(&hits, clock.arrived(&input));
            apply(Msg::Drawn(layout), &mut state, &mut pending);
            dirty = false;
        }
        // Work starts after the frame that shows the state asking for it: on 2 cores a
        // measuring round must not delay the first populated screen.
        if !pending.is_empty()
            && let Some(target) = execute(std::mem::take(&mut pending), &workers, &mut state)
        {
            // The TUI is suspended while the shell has the terminal; Docker reports queue up.
            let (detach, detach_name) = keymap.detach_key();
            let (outcome, leftover) =
                handoff::run_shell(&mut guard, &mut input, &target, detach, &detach_name).await;
            // What the shell started could not be ended (the engine was away): the Docker
            // task ends it once the engine answers again.
            if let Some(cleanup) = leftover
                && let Err(e) = workers
                    .docker
                    .send(crate::docker::DockerCmd::EndShell(cleanup))
            {
                tracing::warn!(%e, "handing over the shell's cleanup");
            }
            // A hangup or SIGTERM during the attach ends the program as the signal arms below
            // do (the terminal is gone or the operator's system asked): unsaved edits are
            // kept for recovery after the loop, like on every other way out.
            if outcome.ends_program() {
                break Ok(());
            }
            apply(Msg::Shell(outcome), &mut state, &mut pending);
            dirty = true;
            continue;
        }
        tokio::select! {
            event = next_input(&mut input) => match event {
                Some(Ok(event)) => {
                    clock.stamp(&mut state);
                    if let Some(msg) = msg_for_event(event, &state, &keymap, &hits) {
                        apply(msg, &mut state, &mut pending);
                        dirty = true;
                    }
                }
                Some(Err(e)) if crate::tui::hung_up(&e) => break Ok(()),
                Some(Err(e)) => break Err(e.into()),
                None => break Ok(()),
            },
            event = fs_events.recv() => {
                if let Some(event) = event {
                    apply(Msg::Fs(event), &mut state, &mut pending);
                    dirty = true;
                }
            },
            event = docker_events.recv() => match event {
                Some(event) => {
                    apply(Msg::Docker(event), &mut state, &mut pending);
                    dirty = true;
                }
                None => break Err(anyhow::anyhow!("the Docker task stopped unexpectedly")),
            },
            _ = tokio::time::sleep_until(first_frame_by), if !drawn_once => {}
            _ = terminate.recv() => break Ok(()),
            _ = hangup.recv() => break Ok(()),
        }
        // Apply whatever else is already queued before drawing once.
        for _ in 0..DRAIN_LIMIT {
            let Ok(event) = fs_events.try_recv() else {
                break;
            };
            apply(Msg::Fs(event), &mut state, &mut pending);
            dirty = true;
        }
        for _ in 0..DRAIN_LIMIT {
            let Ok(event) = docker_events.try_recv() else {
                break;
            };
            apply(Msg::Docker(event), &mut state, &mut pending);
            dirty = true;
        }
        for _ in 0..DRAIN_LIMIT {
            let Some(Ok(event)) = input.as_mut().and_then(InputReader::try_next) else {
                break;
            };
            clock.stamp(&mut state);
            if let Some(msg) = msg_for_event(event, &state, &keymap, &hits) {
                apply(msg, &mut state, &mut pending);
                dirty = true;
            }
        }
    };
    let kept = keep_unsaved(&state);
    drop(guard);
    // Said on the restored terminal too (the log is not where an operator looks first); a
    // terminal that is gone makes this a no-op, never a panic.
    if let Some(message) = kept {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "{message}");
    }
    outcome
}
