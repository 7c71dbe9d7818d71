//! The application: state and what is on screen, messages, the pure `update`, keymap lookup,
//! and the event loop that owns them. The loop is the only code that mutates `State` (through
//! `update`) or draws; it touches the host (env, files, terminal) only at start and exit.

pub mod confirm;
pub mod dialog;
pub mod files;
#[cfg(test)]
pub mod harness;
#[cfg(test)]
mod harness_tests;
pub mod host;
mod inbox;
pub mod keymap;
pub mod list;
pub mod logs;
pub mod msg;
pub mod recovery;
pub mod rows;
pub mod screen;
pub mod state;
pub mod update;
pub mod workspace_row;

use std::time::Duration;

use jiff::Timestamp;

use crate::app::host::Host;
use crate::app::inbox::{Inbound, Inbox, resolve};
use crate::app::keymap::Keymap;
use crate::app::msg::{Command, Layout, Msg};
use crate::app::state::{ConfigSummary, Notice, NoticeLevel, SessionsConfig, State};
use crate::config::LoadedConfig;
use crate::config::keymap::Bindings;
use crate::docker::exec::ShellCleanup;
use crate::docker::shell::PreparedShell;
use crate::docker::{self, DockerCmd, DockerHandle};
use crate::tui::handoff;
use crate::tui::{InputReader, TerminalGuard};
use crate::ui::{self, HitMap};
use crate::workspace_fs::task::FsHandle;

/// How long the exit waits for the Docker task to end: its own grace for running shell
/// clean-ups (5 s) and a margin; only a task that does not end by itself is left behind.
const ENGINE_EXIT_WAIT: Duration = Duration::from_secs(6);

/// Most events applied between two frames, so a flood cannot starve drawing.
const DRAIN_LIMIT: usize = 256;
/// How long the first frame may wait for the first listing.
const FIRST_FRAME_GRACE: Duration = Duration::from_millis(100);
/// At most one frame per this interval while events stream in (the Docker task already
/// coalesces bursts, so this only bounds pathological floods).
const FRAME_INTERVAL: Duration = Duration::from_millis(8);

/// Sends the commands; returns a prepared shell to hand the terminal to, if one is ready (the
/// loop runs it). A command a task's queue did not take is answered in the task's stead (its
/// answer goes to `answers`, for `update`), so no request waits forever; one nobody waits on
/// is only said.
fn execute(
    commands: Vec<Command>,
    workers: &Workers,
    state: &mut State,
    answers: &mut Vec<Msg>,
) -> Option<PreparedShell> {
    let mut shell = None;
    for command in commands {
        let unsent = match command {
            Command::Docker(cmd) => workers
                .docker
                .send_or_answer(cmd)
                .err()
                .map(|u| (u.detail, u.answer.map(|a| Msg::Docker(*a)))),
            Command::Fs(cmd) => workers
                .files
                .send_or_answer(cmd)
                .err()
                .map(|u| (u.detail, u.answer.map(|a| Msg::Fs(*a)))),
            Command::Shell(prepared) => {
                shell = Some(prepared);
                None
            }
        };
        match unsent {
            None => {}
            Some((_, Some(answer))) => answers.push(answer),
            Some((reason, None)) => {
                state.notice = Some(Notice {
                    level: NoticeLevel::Error,
                    text: reason,
                });
            }
        }
    }
    shell
}

/// After every shell, however it ended: the Docker task ends what it started (and keeps
/// trying after a reconnect); the loop never waits for it.
fn hand_over_cleanup(docker: &DockerHandle, cleanup: ShellCleanup) {
    if let Err(e) = docker.send(DockerCmd::EndShell(cleanup)) {
        tracing::warn!(%e, "handing over the shell's cleanup");
    }
}

/// The background tasks' command ends.
struct Workers {
    docker: DockerHandle,
    files: FsHandle,
}

/// Ended from outside (signal, terminal gone, error) with unsaved edits: the buffer goes to
/// a recovery file, the next start names it. Logged either way; nothing here may fail exit.
fn keep_unsaved(state: &State, host: &Host) -> Option<String> {
    let (volume, path, data) = state.unsaved_buffer()?;
    let dir = host.recovery_dir.as_deref();
    Some(
        match recovery::save(dir, volume, path, Timestamp::now(), &data) {
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

/// What one drain of the inbox did.
#[derive(Debug)]
enum Drained {
    /// Nothing that changes the screen.
    Nothing,
    Applied,
    /// The program ends.
    End(anyhow::Result<()>),
}

/// Applies `first` and whatever else is already queued, at most [`DRAIN_LIMIT`] items. A
/// shell ready to take the terminal ends the drain at once: it was checked against the
/// screen as it was (the panes, nothing over them), and a key or report applied after it
/// would open a view or a dialog the shell then covers, or quit with the prepared exec
/// never handed back for its clean-up.
fn drain(
    first: Option<Inbound>,
    inbox: &mut Inbox,
    state: &mut State,
    pending: &mut Vec<Command>,
    (keymap, hits): (&Keymap, &HitMap),
) -> Drained {
    let mut drained = Drained::Nothing;
    let mut taken = 0;
    let mut next = first;
    while let Some(inbound) = next {
        match inbound {
            Inbound::Msg(msg) => {
                apply(msg, state, pending);
                drained = Drained::Applied;
            }
            Inbound::Input { seq, msg } => {
                state.key_seq = seq;
                if let Some(msg) = msg {
                    apply(msg, state, pending);
                    drained = Drained::Applied;
                }
            }
            Inbound::End(outcome) => return Drained::End(outcome),
        }
        taken += 1;
        let shell_ready = pending.iter().any(|c| matches!(c, Command::Shell(_)));
        next = if taken < DRAIN_LIMIT && !shell_ready {
            inbox.try_next(|e| resolve(e, state, keymap, hits))
        } else {
            None
        };
    }
    drained
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
    // What update must know about the host, learned once here: it never looks itself.
    let host = Host::read();
    let found = host.recovery_dir.as_deref().map(recovery::existing);
    if let Some(text) = found.and_then(|f| recovery::notice_text(&f)) {
        state.notice = Some(Notice {
            level: NoticeLevel::Info,
            text,
        });
    }
    state.downloads_dir = host.downloads_dir.clone();
    // The Docker task owns the engine connection; the files task borrows its client.
    let (docker, engine, docker_events) = docker::spawn();
    let (files, fs_events) = crate::workspace_fs::task::spawn(engine.clone());
    let workers = Workers { docker, files };
    let mut guard = TerminalGuard::enter()?;
    let mut inbox = Inbox::new(Some(InputReader::start()), docker_events, fs_events)?;
    let mut hits = HitMap::default();
    let mut dirty = true;
    let mut pending: Vec<Command> = Vec::new();
    let mut last_frame = tokio::time::Instant::now() - FRAME_INTERVAL;

    // The first frame waits briefly for the first listing: a "connecting" screen replaced a
    // few milliseconds later is a flash for the operator and a wasted full redraw.
    let first_frame_by = tokio::time::Instant::now() + FIRST_FRAME_GRACE;
    let mut drawn_once = false;
    let outcome = 'run: loop {
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
                Err(e) if crate::tui::hung_up(&e) => break 'run Ok(()),
                Err(e) => break 'run Err(e.into()),
            }
            last_frame = tokio::time::Instant::now();
            // Not dirty: knowing a frame is up changes nothing on screen.
            let layout = Layout::from_hits(&hits, inbox.arrived());
            apply(Msg::Drawn(layout), &mut state, &mut pending);
            dirty = false;
        }
        // Work starts after the frame that shows the state asking for it: on 2 cores a
        // measuring round must not delay the first populated screen.
        let mut answers = Vec::new();
        let shell = if pending.is_empty() {
            None
        } else {
            execute(
                std::mem::take(&mut pending),
                &workers,
                &mut state,
                &mut answers,
            )
        };
        let answered = !answers.is_empty();
        for answer in answers {
            apply(answer, &mut state, &mut pending);
        }
        if let Some(prepared) = shell {
            // The TUI is suspended while the shell has the terminal; Docker reports queue up.
            let (detach, detach_name) = keymap.detach_key();
            let (outcome, cleanup) =
                handoff::run_shell(&mut guard, inbox.input(), prepared, detach, &detach_name).await;
            hand_over_cleanup(&workers.docker, cleanup);
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
        // Answered here instead of by a task: drawn before the loop waits again.
        if answered {
            dirty = true;
            continue;
        }
        // One wait for the first item (no timer unless the first frame is still due), then
        // whatever else is already queued, applied before drawing once.
        let wake_at = (!drawn_once).then_some(first_frame_by);
        let first = inbox
            .next(wake_at, |e| resolve(e, &state, &keymap, &hits))
            .await;
        let context = (&keymap, &hits);
        match drain(first, &mut inbox, &mut state, &mut pending, context) {
            Drained::Nothing => {}
            Drained::Applied => dirty = true,
            Drained::End(outcome) => break 'run outcome,
        }
    };
    let kept = keep_unsaved(&state, &host);
    drop(guard);
    // Said on the restored terminal too (the log is not where an operator looks first); a
    // terminal that is gone makes this a no-op, never a panic.
    if let Some(message) = kept {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "{message}");
    }
    // The Docker task ends once its handle is gone, after the shell clean-ups it is running
    // (a shell the program's end interrupted); it bounds that wait itself. Its reports are
    // dropped too, so that a full queue cannot hold it.
    drop((workers, inbox));
    if tokio::time::timeout(ENGINE_EXIT_WAIT, engine.ended())
        .await
        .is_err()
    {
        tracing::warn!("the Docker task did not end in time");
    }
    outcome
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_shells_cleanup_is_handed_to_the_docker_task_not_run_here() {
        let (docker, mut sent) = DockerHandle::detached();
        let cleanup = ShellCleanup {
            container: "c1".into(),
            shell: "sh".into(),
            pid: Some(42),
            mark: "0123456789ab".into(),
        };
        hand_over_cleanup(&docker, cleanup.clone());
        assert_eq!(sent.try_recv().ok(), Some(DockerCmd::EndShell(cleanup)));
    }

    #[test]
    fn a_request_no_task_took_is_answered_in_its_stead_and_the_rest_is_said() {
        use crate::docker::DockerEvent;
        use crate::domain::files::FsPath;
        use crate::domain::ids::RequestId;
        use crate::workspace_fs::task::{FsCmd, FsEvent, FsHandle};
        // Both tasks gone: nothing can be sent.
        let (docker, gone) = DockerHandle::detached();
        let (files, gone_too) = FsHandle::detached();
        drop((gone, gone_too));
        let workers = Workers { docker, files };
        let mut state = crate::fixtures::loaded_state();
        let mut answers = Vec::new();
        let path = FsPath::parse("a.txt").unwrap();
        let commands = vec![
            Command::Docker(DockerCmd::InspectSession {
                req: RequestId(3),
                container_id: "c1".into(),
            }),
            Command::Fs(FsCmd::Load {
                req: RequestId(4),
                path: path.clone(),
                limit: 10,
            }),
            Command::Fs(FsCmd::Open {
                req: RequestId(5),
                volume: "v".into(),
                read_only: false,
            }),
            Command::Docker(DockerCmd::Refresh),
        ];
        assert!(execute(commands, &workers, &mut state, &mut answers).is_none());
        assert!(
            matches!(
                answers.as_slice(),
                [
                    Msg::Docker(DockerEvent::SessionDetail {
                        req: RequestId(3),
                        result: Err(_),
                        ..
                    }),
                    Msg::Fs(FsEvent::Loaded {
                        req: RequestId(4),
                        result: Err(_),
                        ..
                    }),
                    Msg::Fs(FsEvent::Opened {
                        req: RequestId(5),
                        result: Err(_)
                    }),
                ]
            ),
            "{answers:?}"
        );
        // A refresh nobody waits on is only said.
        let notice = state.notice.as_ref().unwrap();
        assert!(
            notice.text.contains("the Docker task has stopped"),
            "{notice:?}"
        );
    }

    #[tokio::test]
    async fn a_shell_ready_to_open_ends_the_drain_before_anything_covers_the_panes() {
        use crate::app::state::DeleteProgress;
        use crate::domain::ids::RequestId;
        let mut state = crate::fixtures::loaded_state();
        // A deletion in flight, whose report (one volume not done) opens a dialog.
        let deletion = RequestId(900);
        let volumes = ["v1".to_owned()];
        state.workspaces.deleting = Some(DeleteProgress::new(deletion, &[], &volumes));
        let asked = update::update(&mut state, crate::action::Action::Shell);
        let [Command::Docker(DockerCmd::PrepareShell { req, .. })] = asked.as_slice() else {
            panic!("{asked:?}");
        };
        let (docker_tx, docker_rx) = tokio::sync::mpsc::channel(8);
        let (_files_tx, files_rx) = tokio::sync::mpsc::channel(8);
        let mut inbox = Inbox::new(None, docker_rx, files_rx).unwrap();
        // Both arrived while a frame was being drawn: the shell's answer first.
        let shell = PreparedShell::fixture("p-1", "e1");
        for event in [
            docker::DockerEvent::ShellPrepared {
                req: *req,
                result: Ok(shell),
            },
            docker::DockerEvent::DeleteFinished { req: deletion },
        ] {
            docker_tx.send(event).await.unwrap();
        }
        let keymap = Keymap::new(Bindings::defaults());
        let hits = HitMap::default();
        let first = inbox.next(None, |_| None).await;
        let mut pending = Vec::new();
        let drained = drain(
            first,
            &mut inbox,
            &mut state,
            &mut pending,
            (&keymap, &hits),
        );
        assert!(matches!(drained, Drained::Applied));
        assert!(
            pending.iter().any(|c| matches!(c, Command::Shell(_))),
            "{pending:?}"
        );
        assert!(
            state.on_panes(),
            "the shell opens over what it was checked against"
        );
        // The report waits for the shell's end, and then stacks as usual.
        assert!(matches!(
            inbox.try_next(|_| None),
            Some(Inbound::Msg(Msg::Docker(
                docker::DockerEvent::DeleteFinished { .. }
            )))
        ));
    }
}
