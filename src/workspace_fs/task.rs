//! The files task: owns the open workspace (its helper and agent client) and runs the
//! browser's and editor's requests, answering every one by request id with its outcome or a
//! typed [`Failure`] (a request with no workspace open too); in the program, it also
//! reaps helpers a crash left and imports the agent's image once the engine first answers.
//! Its engine client is the Docker task's, borrowed through an [`EngineLink`]: it never
//! connects by itself. Like the Docker task, it never touches UI state.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::reopen::OpenWorkspace;
pub use super::requests::{FsCmd, FsEvent};
use super::requests::{change_of, nothing_open, refusal};
use super::{FsError, WorkspaceFs};
use crate::docker::{EngineLink, deadline};
use crate::domain::file_ops::{Load, Transferred};
use crate::domain::files::{Entry, FileData, FsPath};
use crate::domain::ids::RequestId;
use crate::domain::outcome::{Failure, FailureKind, Unsent};

#[derive(Debug, Clone)]
pub struct FsHandle {
    tx: mpsc::Sender<FsCmd>,
}

impl FsHandle {
    pub fn send(&self, cmd: FsCmd) -> Result<(), String> {
        self.send_or_answer(cmd).map_err(|unsent| unsent.detail)
    }

    /// A handle with no task behind it, and the receiving end of what is sent through it:
    /// for tests of code that sends requests.
    pub fn detached() -> (Self, mpsc::Receiver<FsCmd>) {
        let (tx, rx) = mpsc::channel(64);
        (Self { tx }, rx)
    }

    /// Sends `cmd`; one that cannot be sent (the task is busy or gone) comes back as the
    /// answer the task gives a request it cannot run, so that no request waits forever.
    pub fn send_or_answer(&self, cmd: FsCmd) -> Result<(), Unsent<FsEvent>> {
        let (cmd, why) = match self.tx.try_send(cmd) {
            Ok(()) => return Ok(()),
            Err(mpsc::error::TrySendError::Full(cmd)) => (
                cmd,
                Failure::new(FailureKind::Other, "the files task is busy; try again"),
            ),
            Err(mpsc::error::TrySendError::Closed(cmd)) => (
                cmd,
                Failure::new(FailureKind::Other, "the files task has stopped"),
            ),
        };
        let answer = match cmd {
            FsCmd::Open { req, .. } => Some(FsEvent::Opened {
                req,
                result: Err(why.clone()),
            }),
            other => refusal(other, why.clone()),
        };
        Err(Unsent {
            detail: why.detail,
            answer: answer.map(Box::new),
        })
    }
}

/// The program's files task, on the engine `engine` lends: helpers left by a crash are
/// reaped and the agent image imported once the engine first answers (so that the first
/// browser opens without paying for it).
pub fn spawn(engine: EngineLink) -> (FsHandle, mpsc::Receiver<FsEvent>) {
    tokio::spawn(housekeeping(engine.clone()));
    start(std::collections::HashMap::new(), engine)
}

/// Like [`spawn`], with `labels` added to every helper it starts and without the reaping:
/// tests pass their labels, so that their clean-up finds the helpers, and never touch helpers
/// they did not make. Tests get `engine` from a Docker task of their own (`docker::spawn_at`)
/// or, with no task, from [`EngineLink::fixed`].
pub fn spawn_with_labels(
    labels: std::collections::HashMap<String, String>,
    engine: EngineLink,
) -> (FsHandle, mpsc::Receiver<FsEvent>) {
    start(labels, engine)
}

fn start(
    labels: std::collections::HashMap<String, String>,
    engine: EngineLink,
) -> (FsHandle, mpsc::Receiver<FsEvent>) {
    let (tx, cmds) = mpsc::channel(64);
    let (events_tx, events) = mpsc::channel(256);
    tokio::spawn(run(cmds, events_tx, labels, engine));
    (FsHandle { tx }, events)
}

/// After the first screen (on 2 cores this must not delay it) and once the engine answers:
/// remove helpers left by a crash, then import the agent image. Failures are only logged (the
/// browser reports its own errors when it is used); every call carries the engine deadline.
async fn housekeeping(engine: EngineLink) {
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let Some(client) = engine.connected().await else {
        return;
    };
    if let Err(e) = super::reap_stale_helpers(&client).await {
        tracing::warn!(%e, "reaping stale file helpers");
    }
    if let Err(e) = super::ensure_agent_image(&client).await {
        tracing::debug!(%e, "importing the file agent image");
    }
}

/// How long an open waits for the Docker task's first connection (its version probe).
const OPEN_WAIT: std::time::Duration = deadline::PROBE;

/// Beyond this many entries the browser shows the first ones and says so.
const LIST_MAX: u32 = 200_000;

/// Directories are listed whole, in one pass the agent streams in chunks.
async fn list_all(fs: &WorkspaceFs, dir: &FsPath) -> Result<Vec<Entry>, FsError> {
    Ok(fs.list(dir, LIST_MAX).await?.entries)
}

async fn run(
    mut cmds: mpsc::Receiver<FsCmd>,
    events: mpsc::Sender<FsEvent>,
    labels: std::collections::HashMap<String, String>,
    engine: EngineLink,
) {
    let mut open: Option<Arc<OpenWorkspace>> = None;
    let mut transfers: std::collections::HashMap<RequestId, tokio::task::AbortHandle> =
        std::collections::HashMap::new();
    while let Some(cmd) = cmds.recv().await {
        transfers.retain(|_, h| !h.is_finished());
        match cmd {
            FsCmd::Cancel { req } => {
                if let Some(handle) = transfers.remove(&req) {
                    handle.abort();
                    let result = Ok(Transferred::Cancelled);
                    let _ = events.send(FsEvent::TransferDone { req, result }).await;
                }
            }
            FsCmd::Open {
                req,
                volume,
                read_only,
            } => {
                if let Some(old) = open.take() {
                    close(old).await;
                }
                let access = if read_only {
                    super::Access::ReadOnly
                } else {
                    super::Access::ReadWrite
                };
                // An engine the Docker task found unreachable fails this at once; `open`
                // bounds its own steps, so a stalled engine answers with an error, not never.
                let result =
                    OpenWorkspace::open(engine.clone(), OPEN_WAIT, &volume, labels.clone(), access)
                        .await
                        .map(Arc::new)
                        .map_err(Failure::from);
                let report = result.map(|fs| {
                    open = Some(fs);
                    volume
                });
                if events
                    .send(FsEvent::Opened {
                        req,
                        result: report,
                    })
                    .await
                    .is_err()
                {
                    break;
                }
            }
            FsCmd::Close => {
                if let Some(old) = open.take() {
                    close(old).await;
                }
            }
            other => match &open {
                Some(fs) => {
                    let fs = Arc::clone(fs);
                    let events = events.clone();
                    let transfer = match &other {
                        FsCmd::Download { req, .. } | FsCmd::Upload { req, .. } => Some(*req),
                        _ => None,
                    };
                    let job = tokio::spawn(async move { serve(fs, other, events).await });
                    if let Some(req) = transfer {
                        transfers.insert(req, job.abort_handle());
                    }
                }
                None => {
                    tracing::warn!(?other, "file request without an open workspace");
                    if let Some(answer) = refusal(other, nothing_open())
                        && events.send(answer).await.is_err()
                    {
                        break;
                    }
                }
            },
        }
    }
    if let Some(old) = open.take() {
        close(old).await;
    }
}

async fn close(ws: Arc<OpenWorkspace>) {
    // Requests still running hold clones; the last one to finish drops it, which removes
    // the helper in the background.
    if let Ok(ws) = Arc::try_unwrap(ws) {
        ws.close().await;
    }
}

/// Serves one request. Every call goes through [`OpenWorkspace::run`], so a helper found gone
/// is replaced and the call made once more (a save with the same expected version).
async fn serve(ws: Arc<OpenWorkspace>, cmd: FsCmd, events: mpsc::Sender<FsEvent>) {
    let change = change_of(&cmd);
    let changed = |req, result: Result<(), FsError>| {
        change.clone().map(|change| FsEvent::Changed {
            req,
            change,
            result: result.map_err(Failure::from),
        })
    };
    let event = match cmd {
        FsCmd::List { req, dir } => {
            let result = ws
                .run(|fs| {
                    let dir = dir.clone();
                    async move { list_all(&fs, &dir).await }
                })
                .await
                .map_err(Failure::from);
            FsEvent::Listed { req, dir, result }
        }
        FsCmd::Preview { req, path, limit } => {
            let result = read(&ws, &path, limit).await.map_err(Failure::from);
            FsEvent::Previewed { req, path, result }
        }
        FsCmd::Load { req, path, limit } => {
            let result = ws
                .run(|fs| {
                    let path = path.clone();
                    async move { load(&fs, &path, limit).await }
                })
                .await
                .map_err(Failure::from);
            FsEvent::Loaded { req, path, result }
        }
        FsCmd::Save {
            req,
            path,
            data,
            expected,
        } => {
            let data: Arc<[u8]> = data.into();
            let result = ws
                .run(|fs| {
                    let (path, data) = (path.clone(), Arc::clone(&data));
                    async move { fs.write_atomic(&path, &data, expected).await }
                })
                .await
                .map_err(Failure::from);
            FsEvent::Saved { req, path, result }
        }
        FsCmd::CreateFile { req, path } => {
            // One request that refuses any existing name, not a check and then a write that
            // would replace a file made in between.
            let result = ws
                .run(|fs| {
                    let path = path.clone();
                    async move { fs.create_new(&path, b"").await }
                })
                .await;
            return answer(&events, changed(req, result.map(|_| ()))).await;
        }
        FsCmd::Mkdir { req, path } => {
            let result = ws
                .run(|fs| {
                    let path = path.clone();
                    async move { fs.mkdir(&path).await }
                })
                .await;
            return answer(&events, changed(req, result)).await;
        }
        FsCmd::Rename { req, from, to } => {
            let result = ws
                .run(|fs| {
                    let (from, to) = (from.clone(), to.clone());
                    async move { fs.rename(&from, &to, false).await }
                })
                .await;
            return answer(&events, changed(req, result)).await;
        }
        FsCmd::Remove {
            req,
            path,
            recursive,
            meant,
        } => {
            let result = ws
                .run(|fs| {
                    let path = path.clone();
                    async move { fs.remove_if(&path, recursive, Some(meant)).await }
                })
                .await;
            return answer(&events, changed(req, result)).await;
        }
        FsCmd::Download { req, path, dest } => {
            let result = match live(&ws).await {
                Ok(fs) => {
                    super::transfer::download(&fs, &path, &dest, |bytes| {
                        let _ = events.try_send(FsEvent::Progress { req, bytes });
                    })
                    .await
                }
                Err(e) => Err(e.into()),
            };
            FsEvent::TransferDone { req, result }
        }
        FsCmd::Upload { req, src, dir } => {
            let result = match live(&ws).await {
                Ok(fs) => {
                    super::transfer::upload(&fs, &src, &dir, |bytes| {
                        let _ = events.try_send(FsEvent::Progress { req, bytes });
                    })
                    .await
                }
                Err(e) => Err(e.into()),
            };
            FsEvent::TransferDone { req, result }
        }
        FsCmd::Open { .. } | FsCmd::Close | FsCmd::Cancel { .. } => return,
    };
    answer(&events, Some(event)).await;
}

async fn answer(events: &mpsc::Sender<FsEvent>, event: Option<FsEvent>) {
    if let Some(event) = event {
        let _ = events.send(event).await;
    }
}

/// The whole file for the editor, or that it holds more than `limit` bytes. One read of at
/// most `limit + 1` bytes, never a size check and then an unbounded read: the sandbox can swap
/// the file for a huge (sparse) one in between, which was then read whole into this process's
/// memory.
pub(super) async fn load(fs: &WorkspaceFs, path: &FsPath, limit: u64) -> Result<Load, FsError> {
    let data = fs.read(path, 0, limit.saturating_add(1)).await?;
    if data.data.len() as u64 > limit {
        return Ok(Load::TooLarge {
            size: data.version.size.max(data.data.len() as u64),
            limit,
        });
    }
    Ok(Load::File(data))
}

/// A helper that answers, started anew if the one in use is gone: transfers make many calls
/// and are not repeated as a whole, so they start on a helper known to be there.
async fn live(ws: &OpenWorkspace) -> Result<Arc<WorkspaceFs>, FsError> {
    ws.run(|fs| async move { fs.stat(&FsPath::root()).await.map(|_| fs) })
        .await
}

async fn read(ws: &OpenWorkspace, path: &FsPath, limit: u64) -> Result<FileData, FsError> {
    ws.run(|fs| {
        let path = path.clone();
        async move { fs.read(&path, 0, limit).await }
    })
    .await
}
