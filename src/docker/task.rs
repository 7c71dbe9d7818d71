//! The Docker task: the one owner of the bollard client. It keeps a connection (reconnecting
//! with back-off), follows the events stream, refreshes the inventory when something relevant
//! happens (never two refreshes at once; bursts coalesce), and runs inspect jobs. It never
//! touches UI state: it only sends `DockerEvent`s.

use std::collections::HashMap;
use std::future::Future;
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
use super::error::{DockerError, describe};
use super::events::{ended_container, is_relevant, released_volume, subscribe};
use super::inventory::fetch_inventory;
use super::leftovers::{LeftoverId, Leftovers};
use super::lifecycle::{create_session, create_workspace, destroy_session, set_running};
use super::logs::follow as follow_logs;
use super::measure;
use super::{DockerCmd, DockerEvent};
use crate::domain::engine::EngineInfo;
use crate::domain::ids::RequestId;
use crate::domain::measure::Strategy;
use crate::domain::session::SessionDetail;
use crate::domain::workspace::Inventory;

/// Events within this window share one refresh (a session start emits several).
const COALESCE: Duration = Duration::from_millis(25);
const BACKOFF_FIRST: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// The UI's end of the command channel.
#[derive(Debug, Clone)]
pub struct DockerHandle {
    tx: mpsc::Sender<DockerCmd>,
}

impl DockerHandle {
    /// Never blocks the UI: a full queue is reported instead of awaited.
    pub fn send(&self, cmd: DockerCmd) -> Result<(), String> {
        self.tx.try_send(cmd).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => "the Docker task is busy; try again".to_owned(),
            mpsc::error::TrySendError::Closed(_) => "the Docker task has stopped".to_owned(),
        })
    }
}

/// Starts the task on the current tokio runtime, for `DOCKER_HOST` (else the local socket).
/// It ends when the handle is dropped.
pub fn spawn() -> (DockerHandle, mpsc::Receiver<DockerEvent>) {
    spawn_at(None)
}

/// Like [`spawn`], for an explicit endpoint (`unix://…`, `tcp://…`) when one is given.
pub fn spawn_at(endpoint: Option<String>) -> (DockerHandle, mpsc::Receiver<DockerEvent>) {
    let (cmd_tx, cmd_rx) = mpsc::channel(64);
    let (ev_tx, ev_rx) = mpsc::channel(256);
    tokio::spawn(run(endpoint, cmd_rx, ev_tx));
    (DockerHandle { tx: cmd_tx }, ev_rx)
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
) {
    let mut attempt: u32 = 0;
    // Outlives every connection: what could not be ended while the engine was away.
    let mut leftovers = Leftovers::default();
    loop {
        attempt += 1;
        let endpoint = fixed_endpoint.clone().unwrap_or_else(endpoint_description);
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
                match serve(&engine, &mut cmds, &events, &mut attempt, &mut leftovers).await {
                    Outcome::Closed => return,
                    Outcome::Lost(reason) => reason,
                }
            }
            Err(e) => e.to_string(),
        };
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
                    if let Some(reply) = refusal(cmd, format!("engine unreachable: {reason}"))
                        && events.send(reply).await.is_err()
                    {
                        return false;
                    }
                }
            },
        }
    }
}

/// The answer to a command that cannot run (the engine is unreachable, or stalled), `why`.
fn refusal(cmd: DockerCmd, why: String) -> Option<DockerEvent> {
    match cmd {
        DockerCmd::Refresh => None,
        DockerCmd::InspectSession { req, container_id } => Some(DockerEvent::SessionDetail {
            req,
            container_id,
            result: Err(why),
        }),
        DockerCmd::Measure { volumes } => Some(DockerEvent::Measured(
            volumes
                .into_iter()
                .map(|(v, _)| (v, Err(why.clone())))
                .collect(),
        )),
        DockerCmd::Delete { req, .. } => Some(DockerEvent::DeleteFinished { req }),
        DockerCmd::CreateWorkspace { req, .. } => Some(DockerEvent::WorkspaceCreated {
            req,
            result: Err(why),
        }),
        DockerCmd::CreateSession { req, attach, .. } => Some(DockerEvent::SessionCreated {
            req,
            result: Err(why),
            attach,
        }),
        DockerCmd::DestroySession { req, .. } | DockerCmd::SetRunning { req, .. } => {
            Some(DockerEvent::SessionChanged {
                req,
                result: Err(why),
            })
        }
        DockerCmd::FollowLogs { req, .. } => Some(DockerEvent::LogsEnded { req, reason: why }),
        DockerCmd::StopLogs { .. } | DockerCmd::EndShell(_) => None,
    }
}

/// Results of one measuring round are sent in batches of at most this many, or every
/// `MEASURE_FLUSH`: fewer UI events for 1000 volumes, and progress still moves.
const MEASURE_BATCH: usize = 64;
const MEASURE_FLUSH: Duration = Duration::from_millis(100);

/// Starts a measuring job for the queued volumes; returns whether one is running now.
fn start_measuring(
    jobs: &mut JoinSet<JobDone>,
    queue: &mut Vec<(String, PathBuf)>,
    strategy: &mut Option<Strategy>,
    events: &mpsc::Sender<DockerEvent>,
) -> bool {
    if queue.is_empty() {
        return false;
    }
    let mut volumes = std::mem::take(queue);
    volumes.sort();
    volumes.dedup();
    let chosen = strategy
        .get_or_insert_with(|| measure::choose(volumes.first().map(|(_, p)| p.as_path())))
        .clone();
    let events = events.clone();
    jobs.spawn(async move {
        if events.send(DockerEvent::SizeStrategy(chosen.clone())).await.is_err() {
            return JobDone::Measured;
        }
        let (tx, mut rx) = mpsc::unbounded_channel();
        let producer = tokio::spawn(measure::measure(chosen, volumes, tx));
        let mut batch = Vec::new();
        let mut flush_at = Instant::now() + MEASURE_FLUSH;
        loop {
            tokio::select! {
                next = rx.recv() => match next {
                    Some(result) => {
                        batch.push(result);
                        if batch.len() >= MEASURE_BATCH {
                            let _ = events.send(DockerEvent::Measured(std::mem::take(&mut batch))).await;
                            flush_at = Instant::now() + MEASURE_FLUSH;
                        }
                    }
                    None => break,
                },
                _ = sleep_until(flush_at), if !batch.is_empty() => {
                    let _ = events.send(DockerEvent::Measured(std::mem::take(&mut batch))).await;
                    flush_at = Instant::now() + MEASURE_FLUSH;
                }
            }
        }
        if !batch.is_empty() {
            let _ = events.send(DockerEvent::Measured(batch)).await;
        }
        let _ = producer.await;
        JobDone::Measured
    });
    true
}

enum JobDone {
    /// The engine did not answer a one-shot job in time: `then` is that job's (failed)
    /// answer for the UI, and the connection is given up as lost.
    Stalled {
        reason: String,
        then: Box<JobDone>,
    },
    Version(Result<EngineInfo, String>),
    Inventory(Result<Inventory, String>),
    Created {
        req: RequestId,
        result: Result<String, String>,
    },
    /// A measuring round ended (its results were sent as they came).
    Measured,
    /// A job that reported by itself.
    Streamed,
    /// A job whose one report is ready to send.
    Report(DockerEvent),
    Detail {
        req: RequestId,
        container_id: String,
        result: Result<Box<SessionDetail>, String>,
    },
    /// A run of a kept shell cleanup ended.
    ShellEnded {
        id: LeftoverId,
        result: Result<(), String>,
    },
}

/// Runs a kept shell cleanup; [`exec::end_shell_session`](super::exec::end_shell_session)
/// bounds itself with the call deadline.
fn spawn_shell_cleanup(
    jobs: &mut JoinSet<JobDone>,
    docker: &bollard::Docker,
    (id, cleanup): (LeftoverId, super::exec::ShellCleanup),
) {
    let docker = docker.clone();
    jobs.spawn(async move {
        let result = cleanup.run(&docker).await.map_err(|e| e.to_string());
        JobDone::ShellEnded { id, result }
    });
}

/// Spawns a one-shot engine job bounded by `limit`, headers and body together. When the
/// engine does not answer in time (this deadline, or bollard's client timeout inside), the
/// job ends as [`JobDone::Stalled`]: its request is answered and the connection is given up
/// and reconnected like a lost one.
fn spawn_call<T, F, D>(
    jobs: &mut JoinSet<JobDone>,
    limit: Duration,
    what: &'static str,
    call: F,
    done: D,
) where
    T: Send + 'static,
    F: Future<Output = Result<T, DockerError>> + Send + 'static,
    D: FnOnce(Result<T, String>) -> JobDone + Send + 'static,
{
    jobs.spawn(async move {
        let result = deadline::within(limit, what, call).await;
        let stall = match &result {
            Err(e) if e.is_stalled() => Some(e.to_string()),
            _ => None,
        };
        let answer = done(result.map_err(|e| e.to_string()));
        match stall {
            Some(reason) => JobDone::Stalled {
                reason,
                then: Box::new(answer),
            },
            None => answer,
        }
    });
}

/// The UI's answer carried by a finished job that answers one request, if it does.
fn answer_of(done: JobDone) -> Option<DockerEvent> {
    match done {
        JobDone::Detail {
            req,
            container_id,
            result,
        } => Some(DockerEvent::SessionDetail {
            req,
            container_id,
            result,
        }),
        JobDone::Created { req, result } => Some(DockerEvent::WorkspaceCreated { req, result }),
        JobDone::Report(event) => Some(event),
        JobDone::Stalled { then, .. } => answer_of(*then),
        JobDone::Version(_)
        | JobDone::Inventory(_)
        | JobDone::Measured
        | JobDone::Streamed
        | JobDone::ShellEnded { .. } => None,
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
                None => return Outcome::Closed,
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
                    spawn_call(&mut jobs, deadline::JOB, "destroying the session",
                        async move { destroy_session(&docker, &container_id).await },
                        move |result| {
                        let result = result
                            .map(|d| {
                                let mut text = format!("Destroyed session {}", d.session_id);
                                if let Some(v) = d.removed_volume {
                                    text.push_str(&format!(" and its storage {v}"));
                                }
                                if let Some(w) = d.kept_workspace {
                                    text.push_str(&format!("; workspace {w} stays"));
                                }
                                text
                            });
                        JobDone::Report(DockerEvent::SessionChanged { req, result })
                    });
                }
                Some(DockerCmd::SetRunning { req, container_id, run }) => {
                    let docker = engine.docker.clone();
                    let what = if run { "starting the session" } else { "stopping the session" };
                    spawn_call(&mut jobs, deadline::STOP, what,
                        async move { set_running(&docker, &container_id, run).await },
                        move |result| {
                        let result = result
                            .map(|()| if run { "Started".to_owned() } else { "Stopped".to_owned() });
                        JobDone::Report(DockerEvent::SessionChanged { req, result })
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
                    // Not yet connected: it runs with the others once the engine answers.
                    let kept = leftovers.add(cleanup);
                    if connected {
                        spawn_shell_cleanup(&mut jobs, &engine.docker, kept);
                    }
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
                        for kept in leftovers.all() {
                            spawn_shell_cleanup(&mut jobs, &engine.docker, kept);
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
                    Ok(JobDone::ShellEnded { id, result }) => {
                        leftovers.finished(id, result);
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
