//! The Docker task: the one owner of the bollard client. It keeps a connection (reconnecting
//! with back-off) and lends its client through [`EngineLink`] while the engine answers,
//! follows the events stream, refreshes the inventory when something relevant happens (never
//! two refreshes at once; bursts coalesce), and runs the jobs commands ask for (see `jobs`),
//! shell preparations and clean-ups included. It never touches UI state: it only sends
//! `DockerEvent`s.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep_until};

use super::connect::{Engine, connect_at, endpoint_description};
use super::deadline;
use super::delete::delete_and_report;
use super::detail::inspect_session;
use super::error::describe;
use super::events::{ended_container, is_relevant, released_volume, subscribe};
use super::inventory::fetch_inventory;
use super::jobs::{JobDone, answer_of, refusal, spawn_call, spawn_shell_cleanup, start_measuring};
use super::leftovers::Leftovers;
use super::lifecycle::{create_session, create_workspace, destroy_session, set_running};
use super::link::{EngineLink, Lender, lend};
use super::logs::follow as follow_logs;
use super::shell::{prepare_shell, term_name};
use super::{DockerCmd, DockerEvent};
use crate::domain::ids::RequestId;
use crate::domain::measure::Strategy;
use crate::domain::outcome::{Failure, FailureKind, Unsent};
use crate::domain::session::SessionChange;

/// Events within this window share one refresh (a session start emits several).
const COALESCE: Duration = Duration::from_millis(25);
const BACKOFF_FIRST: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// When the UI goes away (the program ends, maybe because a shell's terminal hung up), the
/// shell clean-ups running then get this long to finish: what a shell started must not
/// outlive the program that started it, but an engine that stalls must not hold the exit.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The UI's end of the command channel.
#[derive(Debug, Clone)]
pub struct DockerHandle {
    tx: mpsc::Sender<DockerCmd>,
}

impl DockerHandle {
    /// Never blocks the UI: a full queue is reported instead of awaited.
    pub fn send(&self, cmd: DockerCmd) -> Result<(), String> {
        self.send_or_answer(cmd).map_err(|unsent| unsent.detail)
    }

    /// Sends `cmd`; one that cannot be sent (the task is busy or gone) comes back as the
    /// answer the task gives a command it cannot run, so that no request waits forever.
    pub fn send_or_answer(&self, cmd: DockerCmd) -> Result<(), Unsent<DockerEvent>> {
        let (cmd, why) = match self.tx.try_send(cmd) {
            Ok(()) => return Ok(()),
            Err(mpsc::error::TrySendError::Full(cmd)) => (
                cmd,
                Failure::new(FailureKind::Other, "the Docker task is busy; try again"),
            ),
            Err(mpsc::error::TrySendError::Closed(cmd)) => (
                cmd,
                Failure::new(FailureKind::Other, "the Docker task has stopped"),
            ),
        };
        Err(Unsent {
            detail: why.detail.clone(),
            answer: refusal(cmd, why).map(Box::new),
        })
    }

    /// A handle with no task behind it, and the receiving end of what is sent through it:
    /// for tests of code that sends commands (what it sends is read back from the receiver).
    pub fn detached() -> (Self, mpsc::Receiver<DockerCmd>) {
        let (tx, rx) = mpsc::channel(64);
        (Self { tx }, rx)
    }
}

/// Starts the task on the current tokio runtime, for `DOCKER_HOST` (else the local socket):
/// its command end, the link through which it lends its client, and its reports. It ends when
/// every clone of the handle is dropped.
pub fn spawn() -> (DockerHandle, EngineLink, mpsc::Receiver<DockerEvent>) {
    spawn_at(None)
}

/// Like [`spawn`], for an explicit endpoint (`unix://…`, `tcp://…`) when one is given.
pub fn spawn_at(
    endpoint: Option<String>,
) -> (DockerHandle, EngineLink, mpsc::Receiver<DockerEvent>) {
    let (cmd_tx, cmd_rx) = mpsc::channel(64);
    let (ev_tx, ev_rx) = mpsc::channel(256);
    let (lender, link) = lend(endpoint.clone().unwrap_or_else(endpoint_description));
    tokio::spawn(run(endpoint, cmd_rx, ev_tx, lender));
    (DockerHandle { tx: cmd_tx }, link, ev_rx)
}

fn backoff(attempt: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(8));
    (BACKOFF_FIRST * factor).min(BACKOFF_MAX)
}

enum Outcome {
    /// The UI went away: stop.
    Closed,
    /// The connection broke: reconnect.
    Lost(String),
}

async fn run(
    fixed_endpoint: Option<String>,
    mut cmds: mpsc::Receiver<DockerCmd>,
    events: mpsc::Sender<DockerEvent>,
    lender: Lender,
) {
    let mut attempt: u32 = 0;
    // Outlives every connection: shell clean-ups not yet done (the engine may be away).
    let mut leftovers = Leftovers::default();
    loop {
        attempt += 1;
        let endpoint = fixed_endpoint.clone().unwrap_or_else(endpoint_description);
        lender.connecting(&endpoint);
        if events
            .send(DockerEvent::Connecting {
                endpoint: endpoint.clone(),
                attempt,
            })
            .await
            .is_err()
        {
            return;
        }
        let reason = match connect_at(&endpoint) {
            Ok(engine) => {
                let served = serve(
                    &engine,
                    &mut cmds,
                    &events,
                    &mut attempt,
                    &mut leftovers,
                    &lender,
                );
                match served.await {
                    Outcome::Closed => return,
                    Outcome::Lost(reason) => reason,
                }
            }
            Err(e) => e.to_string(),
        };
        lender.down(&endpoint, &reason);
        let wait = backoff(attempt.max(1));
        tracing::warn!(%endpoint, %reason, ?wait, "engine unreachable");
        let report = DockerEvent::Unreachable {
            endpoint,
            reason: reason.clone(),
            attempt: attempt.max(1),
            retry_in_ms: wait.as_millis() as u64,
        };
        if events.send(report).await.is_err() {
            return;
        }
        if !wait_while_down(wait, &reason, &mut cmds, &events, &mut leftovers).await {
            return;
        }
    }
}

/// Sleeps out the back-off, answering commands that cannot run. Returns false when the UI is
/// gone; a `Refresh` cuts the wait short (the operator asked to retry).
async fn wait_while_down(
    wait: Duration,
    reason: &str,
    cmds: &mut mpsc::Receiver<DockerCmd>,
    events: &mpsc::Sender<DockerEvent>,
    leftovers: &mut Leftovers,
) -> bool {
    let deadline = Instant::now() + wait;
    loop {
        tokio::select! {
            _ = sleep_until(deadline) => return true,
            cmd = cmds.recv() => match cmd {
                None => return false,
                Some(DockerCmd::Refresh) => return true,
                Some(DockerCmd::EndShell(cleanup)) => {
                    leftovers.add(cleanup);
                }
                Some(cmd) => {
                    let why = Failure::new(FailureKind::Unreachable, format!("engine unreachable: {reason}"));
                    if let Some(reply) = refusal(cmd, why)
                        && events.send(reply).await.is_err()
                    {
                        return false;
                    }
                }
            },
        }
    }
}

/// Serves one connection until it breaks or the UI goes away. The version probe, the events
/// subscription and the first listing start together: launch time is their maximum, not sum.
async fn serve(
    engine: &Engine,
    cmds: &mut mpsc::Receiver<DockerCmd>,
    events: &mpsc::Sender<DockerEvent>,
    attempt: &mut u32,
    leftovers: &mut Leftovers,
    lender: &Lender,
) -> Outcome {
    let mut stream = Box::pin(subscribe(&engine.docker));
    let mut jobs: JoinSet<JobDone> = JoinSet::new();
    let probe = engine.clone();
    jobs.spawn(async move { JobDone::Version(probe.info().await.map_err(|e| e.to_string())) });
    // Until the engine has answered, a failed listing is the connection failing, which the
    // version probe or the stream reports; it is not a refresh problem worth a notice.
    let mut connected = false;
    // One measuring job at a time; requests meanwhile queue up (deduplicated by volume).
    let mut measuring = false;
    let mut measure_queue: Vec<(String, PathBuf)> = Vec::new();
    let mut strategy: Option<Strategy> = None;
    // Log streams run until the UI stops them.
    let mut log_streams: HashMap<RequestId, tokio::task::AbortHandle> = HashMap::new();
    let mut refresh_running = false;
    // Shell clean-ups running now: the program's exit waits for them (bounded).
    let mut cleanups_running: usize = 0;
    // The first listing runs right away; later ones wait COALESCE after the first event.
    let mut refresh_due: Option<Instant> = Some(Instant::now());
    loop {
        let due = refresh_due.filter(|_| !refresh_running);
        tokio::select! {
            biased;
            msg = stream.next() => match msg {
                Some(Ok(ev)) => {
                    if is_relevant(&ev) && refresh_due.is_none() {
                        refresh_due = Some(Instant::now() + COALESCE);
                    }
                    let written = ended_container(&ev)
                        .map(|id| DockerEvent::ContainerEnded { container_id: id.to_owned() })
                        .or_else(|| released_volume(&ev)
                            .map(|v| DockerEvent::VolumeReleased { volume: v.to_owned() }));
                    if let Some(event) = written
                        && events.send(event).await.is_err()
                    {
                        return Outcome::Closed;
                    }
                }
                Some(Err(e)) => {
                    jobs.detach_all();
                    return Outcome::Lost(describe(&e));
                }
                None => {
                    jobs.detach_all();
                    return Outcome::Lost("the engine closed the events stream".into());
                }
            },
            cmd = cmds.recv() => match cmd {
                None => {
                    finish_cleanups(&mut jobs, cleanups_running).await;
                    return Outcome::Closed;
                }
                Some(DockerCmd::Refresh) => {
                    refresh_due.get_or_insert_with(Instant::now);
                }
                Some(DockerCmd::Measure { volumes }) => {
                    measure_queue.extend(volumes);
                    if !measuring {
                        measuring = start_measuring(&mut jobs, &mut measure_queue, &mut strategy, events);
                    }
                }
                Some(DockerCmd::Delete { req, destroy_sessions, volumes }) => {
                    let docker = engine.docker.clone();
                    let events = events.clone();
                    jobs.spawn(async move {
                        delete_and_report(docker, req, destroy_sessions, volumes, events).await;
                        JobDone::Streamed
                    });
                }
                Some(DockerCmd::CreateSession { req, spec, attach }) => {
                    let docker = engine.docker.clone();
                    spawn_call(&mut jobs, deadline::CREATE_SESSION, "creating the session",
                        async move { create_session(&docker, &spec).await },
                        move |result| JobDone::Report(DockerEvent::SessionCreated { req, result, attach }));
                }
                Some(DockerCmd::DestroySession { req, container_id }) => {
                    let docker = engine.docker.clone();
                    let id = container_id.clone();
                    spawn_call(&mut jobs, deadline::JOB, "destroying the session",
                        async move { destroy_session(&docker, &id).await },
                        move |result| {
                        let result = result.map(SessionChange::Destroyed);
                        JobDone::Report(DockerEvent::SessionChanged { req, container_id, result })
                    });
                }
                Some(DockerCmd::SetRunning { req, container_id, run }) => {
                    let docker = engine.docker.clone();
                    let what = if run { "starting the session" } else { "stopping the session" };
                    let id = container_id.clone();
                    spawn_call(&mut jobs, deadline::STOP, what,
                        async move { set_running(&docker, &id, run).await },
                        move |result| {
                        let done = if run { SessionChange::Started } else { SessionChange::Stopped };
                        let result = result.map(|()| done);
                        JobDone::Report(DockerEvent::SessionChanged { req, container_id, result })
                    });
                }
                Some(DockerCmd::FollowLogs { req, container_id }) => {
                    let docker = engine.docker.clone();
                    let events = events.clone();
                    let handle = jobs.spawn(async move {
                        follow_logs(docker, req, container_id, events).await;
                        JobDone::Streamed
                    });
                    log_streams.insert(req, handle);
                }
                Some(DockerCmd::StopLogs { req }) => {
                    if let Some(handle) = log_streams.remove(&req) {
                        handle.abort();
                    }
                }
                Some(DockerCmd::EndShell(cleanup)) => {
                    // Kept until it succeeds; not yet connected, it runs with the others once
                    // the engine answers.
                    let kept = leftovers.add(cleanup);
                    if connected {
                        spawn_shell_cleanup(&mut jobs, &engine.docker, kept);
                        cleanups_running += 1;
                    }
                }
                Some(DockerCmd::PrepareShell { req, target }) => {
                    let docker = engine.docker.clone();
                    let term = term_name();
                    spawn_call(&mut jobs, deadline::PREPARE_SHELL, "preparing the shell",
                        async move { prepare_shell(&docker, &target, &term).await },
                        move |result| JobDone::Report(DockerEvent::ShellPrepared { req, result }));
                }
                Some(DockerCmd::CreateWorkspace { req, id }) => {
                    let docker = engine.docker.clone();
                    spawn_call(&mut jobs, deadline::JOB, "creating the workspace",
                        async move { create_workspace(&docker, &id).await },
                        move |result| JobDone::Created { req, result });
                }
                Some(DockerCmd::InspectSession { req, container_id }) => {
                    let docker = engine.docker.clone();
                    let id = container_id.clone();
                    spawn_call(&mut jobs, deadline::JOB, "inspecting the session",
                        async move { inspect_session(&docker, &id).await },
                        move |result| JobDone::Detail { req, container_id, result: result.map(Box::new) });
                }
            },
            Some(done) = jobs.join_next(), if !jobs.is_empty() => {
                let report = match done {
                    Ok(JobDone::Stalled { reason, then }) => {
                        tracing::warn!(%reason, "engine stalled");
                        if let Some(answer) = answer_of(*then) {
                            let _ = events.send(answer).await;
                        }
                        // The other jobs run to their own end (a session creation finishes
                        // or undoes itself, a deletion reports what it removed); answers that
                        // arrive after the reconnection are dropped as stale by update.
                        jobs.detach_all();
                        return Outcome::Lost(reason);
                    }
                    Ok(JobDone::Version(Ok(info))) => {
                        tracing::debug!(version = %info.version, api = %info.api_version, "connected");
                        connected = true;
                        *attempt = 0;
                        lender.connected(engine);
                        for kept in leftovers.all() {
                            spawn_shell_cleanup(&mut jobs, &engine.docker, kept);
                            cleanups_running += 1;
                        }
                        DockerEvent::Connected(info)
                    }
                    Ok(JobDone::Version(Err(reason))) => {
                        jobs.detach_all();
                        return Outcome::Lost(reason);
                    }
                    Ok(JobDone::Inventory(Err(_))) if !connected => {
                        refresh_running = false;
                        continue;
                    }
                    Ok(JobDone::Inventory(result)) => {
                        refresh_running = false;
                        match result {
                            Ok(inv) => {
                                tracing::debug!(
                                    sessions = inv.sessions.len(),
                                    workspaces = inv.workspaces.len(),
                                    "inventory"
                                );
                                DockerEvent::Inventory(inv)
                            }
                            Err(e) => DockerEvent::RefreshFailed(e),
                        }
                    }
                    Ok(done @ (JobDone::Detail { .. } | JobDone::Created { .. })) => {
                        match answer_of(done) {
                            Some(answer) => answer,
                            None => continue,
                        }
                    }
                    Ok(JobDone::Measured) => {
                        measuring = start_measuring(&mut jobs, &mut measure_queue, &mut strategy, events);
                        continue;
                    }
                    Ok(JobDone::Streamed) => continue,
                    Ok(JobDone::ShellEnded { id, result, stalled }) => {
                        cleanups_running = cleanups_running.saturating_sub(1);
                        let reason = result.as_ref().err().cloned().unwrap_or_default();
                        leftovers.finished(id, result);
                        if stalled {
                            // A stall like any job's: the connection is given up, and the
                            // clean-up, kept, runs again once the engine answers. Left on
                            // this connection, nothing would ever hand it out again.
                            tracing::warn!(%reason, "engine stalled");
                            jobs.detach_all();
                            return Outcome::Lost(reason);
                        }
                        continue;
                    }
                    Ok(JobDone::Report(event)) => event,
                    Err(join_error) if join_error.is_cancelled() => continue,
                    Err(join_error) => {
                        // A job panicked; the refresh slot must not stay taken forever.
                        tracing::error!(%join_error, "docker job failed");
                        refresh_running = false;
                        continue;
                    }
                };
                if events.send(report).await.is_err() {
                    return Outcome::Closed;
                }
            },
            _ = sleep_until(due.unwrap_or_else(Instant::now)), if due.is_some() => {
                refresh_due = None;
                refresh_running = true;
                let docker = engine.docker.clone();
                spawn_call(&mut jobs, deadline::JOB, "listing sessions and workspaces",
                    async move { fetch_inventory(&docker).await },
                    JobDone::Inventory);
            },
        }
    }
}

/// The UI is gone: the shell clean-ups still running (`running`) may finish within
/// [`SHUTDOWN_GRACE`]; whatever else runs is dropped with the task.
async fn finish_cleanups(jobs: &mut JoinSet<JobDone>, mut running: usize) {
    let until = Instant::now() + SHUTDOWN_GRACE;
    while running > 0 {
        match tokio::time::timeout_at(until, jobs.join_next()).await {
            Ok(Some(Ok(JobDone::ShellEnded { result, .. }))) => {
                if let Err(reason) = result {
                    tracing::warn!(%reason, "ending a shell's processes as the program ends");
                }
                running -= 1;
            }
            Ok(Some(_)) => {}
            Ok(None) => return,
            Err(_) => {
                tracing::warn!("shell clean-ups still running as the program ends");
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_then_caps() {
        assert_eq!(backoff(1), Duration::from_millis(250));
        assert_eq!(backoff(2), Duration::from_millis(500));
        assert_eq!(backoff(4), Duration::from_secs(2));
        assert_eq!(backoff(10), BACKOFF_MAX);
        assert_eq!(backoff(u32::MAX), BACKOFF_MAX);
    }
}
