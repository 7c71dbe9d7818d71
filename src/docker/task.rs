//! The Docker task: the one owner of the bollard client. It keeps a connection (reconnecting
//! with back-off), follows the events stream, refreshes the inventory when something relevant
//! happens (never two refreshes at once; bursts coalesce), and runs inspect jobs. It never
//! touches UI state: it only sends `DockerEvent`s.

use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep_until};

use super::connect::{Engine, connect, endpoint_description};
use super::detail::inspect_session;
use super::error::describe;
use super::events::{is_relevant, subscribe};
use super::inventory::fetch_inventory;
use super::{DockerCmd, DockerEvent, EngineInfo, Inventory, RequestId, SessionDetail};

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

/// Starts the task on the current tokio runtime. It ends when the handle is dropped.
pub fn spawn() -> (DockerHandle, mpsc::Receiver<DockerEvent>) {
    let (cmd_tx, cmd_rx) = mpsc::channel(64);
    let (ev_tx, ev_rx) = mpsc::channel(256);
    tokio::spawn(run(cmd_rx, ev_tx));
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

async fn run(mut cmds: mpsc::Receiver<DockerCmd>, events: mpsc::Sender<DockerEvent>) {
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        let endpoint = endpoint_description();
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
        let reason = match connect() {
            Ok(engine) => match serve(&engine, &mut cmds, &events, &mut attempt).await {
                Outcome::Closed => return,
                Outcome::Lost(reason) => reason,
            },
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
        if !wait_while_down(wait, &reason, &mut cmds, &events).await {
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
) -> bool {
    let deadline = Instant::now() + wait;
    loop {
        tokio::select! {
            _ = sleep_until(deadline) => return true,
            cmd = cmds.recv() => match cmd {
                None => return false,
                Some(DockerCmd::Refresh) => return true,
                Some(DockerCmd::InspectSession { req, container_id }) => {
                    let result = Err(format!("engine unreachable: {reason}"));
                    let reply = DockerEvent::SessionDetail { req, container_id, result };
                    if events.send(reply).await.is_err() {
                        return false;
                    }
                }
            },
        }
    }
}

enum JobDone {
    Version(Result<EngineInfo, String>),
    Inventory(Result<Inventory, String>),
    Detail {
        req: RequestId,
        container_id: String,
        result: Result<Box<SessionDetail>, String>,
    },
}

/// Serves one connection until it breaks or the UI goes away. The version probe, the events
/// subscription and the first listing start together: launch time is their maximum, not sum.
async fn serve(
    engine: &Engine,
    cmds: &mut mpsc::Receiver<DockerCmd>,
    events: &mpsc::Sender<DockerEvent>,
    attempt: &mut u32,
) -> Outcome {
    let mut stream = Box::pin(subscribe(&engine.docker));
    let mut jobs: JoinSet<JobDone> = JoinSet::new();
    let probe = engine.clone();
    jobs.spawn(async move { JobDone::Version(probe.info().await.map_err(|e| e.to_string())) });
    // Until the engine has answered, a failed listing is the connection failing, which the
    // version probe or the stream reports; it is not a refresh problem worth a notice.
    let mut connected = false;
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
                }
                Some(Err(e)) => return Outcome::Lost(describe(&e)),
                None => return Outcome::Lost("the engine closed the events stream".into()),
            },
            cmd = cmds.recv() => match cmd {
                None => return Outcome::Closed,
                Some(DockerCmd::Refresh) => {
                    refresh_due.get_or_insert_with(Instant::now);
                }
                Some(DockerCmd::InspectSession { req, container_id }) => {
                    let docker = engine.docker.clone();
                    jobs.spawn(async move {
                        let result = inspect_session(&docker, &container_id)
                            .await
                            .map(Box::new)
                            .map_err(|e| e.to_string());
                        JobDone::Detail { req, container_id, result }
                    });
                }
            },
            Some(done) = jobs.join_next(), if !jobs.is_empty() => {
                let report = match done {
                    Ok(JobDone::Version(Ok(info))) => {
                        tracing::debug!(version = %info.version, api = %info.api_version, "connected");
                        connected = true;
                        *attempt = 0;
                        DockerEvent::Connected(info)
                    }
                    Ok(JobDone::Version(Err(reason))) => return Outcome::Lost(reason),
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
                    Ok(JobDone::Detail { req, container_id, result }) => {
                        DockerEvent::SessionDetail { req, container_id, result }
                    }
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
                jobs.spawn(async move {
                    JobDone::Inventory(fetch_inventory(&docker).await.map_err(|e| e.to_string()))
                });
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
