//! The Docker task's jobs: what each one-shot job reports when it ends, how it is bounded (a
//! job past its deadline is a stall, which gives the connection up), the measuring rounds, the
//! shell clean-ups, and the answer to a command that cannot run. Spawned by `task`, which alone
//! owns the client and the connection; nothing here touches UI state.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep_until};

use super::deadline;
use super::error::DockerError;
use super::exec::ShellCleanup;
use super::leftovers::LeftoverId;
use super::measure;
use super::{DockerCmd, DockerEvent, EngineInfo, Inventory, RequestId, SessionDetail};
use crate::domain::measure::Strategy;
use crate::domain::outcome::Failure;

/// The answer to a command that cannot run (the engine is unreachable, or stalled), `why`.
pub(super) fn refusal(cmd: DockerCmd, why: Failure) -> Option<DockerEvent> {
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
        DockerCmd::DestroySession { req, container_id }
        | DockerCmd::SetRunning {
            req, container_id, ..
        } => Some(DockerEvent::SessionChanged {
            req,
            container_id,
            result: Err(why),
        }),
        DockerCmd::FollowLogs { req, .. } => Some(DockerEvent::LogsEnded {
            req,
            result: Err(why),
        }),
        DockerCmd::PrepareShell { req, .. } => Some(DockerEvent::ShellPrepared {
            req,
            result: Err(why),
        }),
        DockerCmd::StopLogs { .. } | DockerCmd::EndShell(_) => None,
    }
}

/// Results of one measuring round are sent in batches of at most this many, or every
/// `MEASURE_FLUSH`: fewer UI events for 1000 volumes, and progress still moves.
const MEASURE_BATCH: usize = 64;
const MEASURE_FLUSH: Duration = Duration::from_millis(100);

/// Starts a measuring job for the queued volumes; returns whether one is running now.
pub(super) fn start_measuring(
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

pub(super) enum JobDone {
    /// The engine did not answer a one-shot job in time: `then` is that job's (failed)
    /// answer for the UI, and the connection is given up as lost.
    Stalled {
        reason: String,
        then: Box<JobDone>,
    },
    Version(Result<EngineInfo, String>),
    Inventory(Result<Inventory, Failure>),
    Created {
        req: RequestId,
        result: Result<String, Failure>,
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
        result: Result<Box<SessionDetail>, Failure>,
    },
    /// A run of a kept shell cleanup ended; `stalled` when the engine did not answer it.
    ShellEnded {
        id: LeftoverId,
        result: Result<(), String>,
        stalled: bool,
    },
}

/// Runs a kept shell cleanup; [`exec::end_shell_session`](super::exec::end_shell_session)
/// bounds itself with the call deadline.
pub(super) fn spawn_shell_cleanup(
    jobs: &mut JoinSet<JobDone>,
    docker: &bollard::Docker,
    (id, cleanup): (LeftoverId, ShellCleanup),
) {
    let docker = docker.clone();
    jobs.spawn(async move {
        let result = cleanup.run(&docker).await;
        let stalled = matches!(&result, Err(e) if e.is_stalled());
        let result = result.map_err(|e| e.to_string());
        JobDone::ShellEnded {
            id,
            result,
            stalled,
        }
    });
}

/// Spawns a one-shot engine job bounded by `limit`, headers and body together. When the
/// engine does not answer in time (this deadline, or bollard's client timeout inside), the
/// job ends as [`JobDone::Stalled`]: its request is answered and the connection is given up
/// and reconnected like a lost one.
pub(super) fn spawn_call<T, F, D>(
    jobs: &mut JoinSet<JobDone>,
    limit: Duration,
    what: &'static str,
    call: F,
    done: D,
) where
    T: Send + 'static,
    F: Future<Output = Result<T, DockerError>> + Send + 'static,
    D: FnOnce(Result<T, Failure>) -> JobDone + Send + 'static,
{
    jobs.spawn(async move {
        let result = deadline::within(limit, what, call).await;
        let stall = match &result {
            Err(e) if e.is_stalled() => Some(e.to_string()),
            _ => None,
        };
        let answer = done(result.map_err(Failure::from));
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
pub(super) fn answer_of(done: JobDone) -> Option<DockerEvent> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::outcome::FailureKind;

    #[test]
    fn a_command_that_cannot_run_is_answered_with_the_typed_reason() {
        let why = Failure::new(FailureKind::Unreachable, "engine unreachable: refused");
        let stop = DockerCmd::SetRunning {
            req: RequestId(3),
            container_id: "c1".into(),
            run: false,
        };
        assert_eq!(
            refusal(stop, why.clone()),
            Some(DockerEvent::SessionChanged {
                req: RequestId(3),
                container_id: "c1".into(),
                result: Err(why.clone()),
            })
        );
        let logs = DockerCmd::FollowLogs {
            req: RequestId(4),
            container_id: "c1".into(),
        };
        assert_eq!(
            refusal(logs, why.clone()),
            Some(DockerEvent::LogsEnded {
                req: RequestId(4),
                result: Err(why.clone()),
            })
        );
        assert_eq!(refusal(DockerCmd::Refresh, why), None);
    }
}
