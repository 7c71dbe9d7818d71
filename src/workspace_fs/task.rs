//! The files task: owns the open workspace (its helper and agent client) and runs the
//! browser's and editor's requests, answering each by request id. Like the Docker task, it
//! never touches UI state.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::{Entry, FileData, FsError, FsPath, Version, WorkspaceFs};
use crate::docker::RequestId;

/// Requests to the files task.
#[derive(Debug, Clone, PartialEq)]
pub enum FsCmd {
    /// Open a workspace volume (closing the one open before).
    Open {
        req: RequestId,
        volume: String,
    },
    List {
        req: RequestId,
        dir: FsPath,
    },
    /// The first `limit` bytes, for the preview pane.
    Preview {
        req: RequestId,
        path: FsPath,
        limit: u64,
    },
    /// The whole file (at most `limit` bytes, else refused), for the editor.
    Load {
        req: RequestId,
        path: FsPath,
        limit: u64,
    },
    Save {
        req: RequestId,
        path: FsPath,
        data: Vec<u8>,
        /// `None` overwrites whatever is there (the operator chose to).
        expected: Option<Version>,
    },
    /// A new, empty file; refused if something has that name.
    CreateFile {
        req: RequestId,
        path: FsPath,
    },
    Mkdir {
        req: RequestId,
        path: FsPath,
    },
    Rename {
        req: RequestId,
        from: FsPath,
        to: FsPath,
    },
    Remove {
        req: RequestId,
        path: FsPath,
        recursive: bool,
    },
    /// Copy a file or directory out of the workspace to a host path.
    Download {
        req: RequestId,
        path: FsPath,
        dest: PathBuf,
    },
    /// Copy a host file or directory into a workspace directory.
    Upload {
        req: RequestId,
        src: PathBuf,
        dir: FsPath,
    },
    /// Stop a download or upload; what was copied so far stays.
    Cancel {
        req: RequestId,
    },
    Close,
}

/// Reports from the files task.
#[derive(Debug, Clone, PartialEq)]
pub enum FsEvent {
    Opened {
        req: RequestId,
        result: Result<String, String>,
    },
    Listed {
        req: RequestId,
        dir: FsPath,
        result: Result<Vec<Entry>, String>,
    },
    Previewed {
        req: RequestId,
        path: FsPath,
        result: Result<FileData, String>,
    },
    Loaded {
        req: RequestId,
        path: FsPath,
        result: Result<FileData, String>,
    },
    Saved {
        req: RequestId,
        path: FsPath,
        result: Result<Version, FsError>,
    },
    /// A change (create, mkdir, rename, remove) finished: what it was, or why not.
    Changed {
        req: RequestId,
        result: Result<String, String>,
    },
    Progress {
        req: RequestId,
        bytes: u64,
    },
    TransferDone {
        req: RequestId,
        result: Result<String, String>,
    },
}

#[derive(Debug, Clone)]
pub struct FsHandle {
    tx: mpsc::Sender<FsCmd>,
}

impl FsHandle {
    pub fn send(&self, cmd: FsCmd) -> Result<(), String> {
        self.tx.try_send(cmd).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => "the files task is busy; try again".to_owned(),
            mpsc::error::TrySendError::Closed(_) => "the files task has stopped".to_owned(),
        })
    }
}

pub fn spawn() -> (FsHandle, mpsc::Receiver<FsEvent>) {
    let (tx, cmds) = mpsc::channel(64);
    let (events_tx, events) = mpsc::channel(256);
    tokio::spawn(run(cmds, events_tx));
    (FsHandle { tx }, events)
}

/// Directories are listed whole (10 000 entries take ~35 ms through the agent), in pages so
/// that no reply outgrows the protocol's frame whatever the names' lengths.
const LIST_PAGE: u32 = 2_000;
/// Beyond this many entries the browser shows the first ones and says so.
const LIST_MAX: usize = 200_000;

async fn list_all(fs: &WorkspaceFs, dir: &FsPath) -> Result<Vec<Entry>, FsError> {
    let mut entries = Vec::new();
    loop {
        let page = fs.list(dir, entries.len() as u32, LIST_PAGE).await?;
        let got = page.entries.len();
        entries.extend(page.entries);
        if got == 0 || entries.len() >= page.total as usize || entries.len() >= LIST_MAX {
            return Ok(entries);
        }
    }
}

async fn run(mut cmds: mpsc::Receiver<FsCmd>, events: mpsc::Sender<FsEvent>) {
    let mut open: Option<Arc<WorkspaceFs>> = None;
    let mut transfers: std::collections::HashMap<RequestId, tokio::task::AbortHandle> =
        std::collections::HashMap::new();
    while let Some(cmd) = cmds.recv().await {
        transfers.retain(|_, h| !h.is_finished());
        match cmd {
            FsCmd::Cancel { req } => {
                if let Some(handle) = transfers.remove(&req) {
                    handle.abort();
                    let result = Err("cancelled; what was copied so far stays".to_owned());
                    let _ = events.send(FsEvent::TransferDone { req, result }).await;
                }
            }
            FsCmd::Open { req, volume } => {
                if let Some(old) = open.take() {
                    close(old).await;
                }
                // `docker::connect` carries the engine-call deadline; `open` bounds its own
                // steps, so a stalled engine answers this request with an error, not never.
                let result = match crate::docker::connect() {
                    Ok(engine) => WorkspaceFs::open(&engine.docker, &volume, Default::default())
                        .await
                        .map(Arc::new)
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
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
                }
            },
        }
    }
    if let Some(old) = open.take() {
        close(old).await;
    }
}

async fn close(fs: Arc<WorkspaceFs>) {
    // Requests still running hold clones; the last one to finish drops it, which removes
    // the helper in the background.
    if let Ok(fs) = Arc::try_unwrap(fs) {
        let _ = fs.close().await;
    }
}

/// One browser or editor request (a listing of a huge directory, a 32 MiB read, a walk)
/// ends well within this; past it the helper or the engine is not answering.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs one request to the agent with [`REQUEST_TIMEOUT`]. A request that gets no answer
/// leaves the helper unusable for the operator's purposes, hence `HelperGone` (open again).
/// Transfers are not bounded here: they are long by nature and `x` cancels them.
async fn bounded<T>(
    what: &str,
    request: impl Future<Output = Result<T, FsError>>,
) -> Result<T, FsError> {
    tokio::time::timeout(REQUEST_TIMEOUT, request)
        .await
        .unwrap_or_else(|_| {
            Err(FsError::HelperGone(format!(
                "no answer to {what} within {} (the engine or the helper is not answering)",
                humantime::format_duration(REQUEST_TIMEOUT)
            )))
        })
}

fn name_of(path: &FsPath) -> String {
    String::from_utf8_lossy(path.as_bytes()).into_owned()
}

async fn serve(fs: Arc<WorkspaceFs>, cmd: FsCmd, events: mpsc::Sender<FsEvent>) {
    let event = match cmd {
        FsCmd::List { req, dir } => {
            let result = bounded("the listing", list_all(&fs, &dir))
                .await
                .map_err(|e| e.to_string());
            FsEvent::Listed { req, dir, result }
        }
        FsCmd::Preview { req, path, limit } => {
            let result = bounded("the preview", fs.read(&path, 0, limit))
                .await
                .map_err(|e| e.to_string());
            FsEvent::Previewed { req, path, result }
        }
        FsCmd::Load { req, path, limit } => {
            let result = match bounded("the file's size", fs.stat(&path)).await {
                Ok(e) if e.size > limit => Err(format!(
                    "{} is {} — larger than the editor's {} limit; the preview shows its start",
                    name_of(&path),
                    crate::format::bytes(e.size),
                    crate::format::bytes(limit)
                )),
                Ok(_) => bounded("the file", fs.read(&path, 0, u64::MAX))
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            FsEvent::Loaded { req, path, result }
        }
        FsCmd::Save {
            req,
            path,
            data,
            expected,
        } => {
            let result = bounded("the save", fs.write_atomic(&path, &data, expected)).await;
            FsEvent::Saved { req, path, result }
        }
        FsCmd::CreateFile { req, path } => {
            let result = match bounded("the new file's check", fs.stat(&path)).await {
                Ok(_) => Err(format!("{} already exists", name_of(&path))),
                Err(FsError::NotFound(_)) => {
                    bounded("the new file", fs.write_atomic(&path, b"", None))
                        .await
                        .map(|_| format!("Created {}", name_of(&path)))
                        .map_err(|e| e.to_string())
                }
                Err(e) => Err(e.to_string()),
            };
            FsEvent::Changed { req, result }
        }
        FsCmd::Mkdir { req, path } => {
            let result = bounded("the new directory", fs.mkdir(&path))
                .await
                .map(|()| format!("Created directory {}", name_of(&path)))
                .map_err(|e| e.to_string());
            FsEvent::Changed { req, result }
        }
        FsCmd::Rename { req, from, to } => {
            let result = bounded("the rename", fs.rename(&from, &to, false))
                .await
                .map(|()| format!("Renamed {} to {}", name_of(&from), name_of(&to)))
                .map_err(|e| e.to_string());
            FsEvent::Changed { req, result }
        }
        FsCmd::Remove {
            req,
            path,
            recursive,
        } => {
            let result = bounded("the deletion", fs.remove(&path, recursive))
                .await
                .map(|()| format!("Deleted {}", name_of(&path)))
                .map_err(|e| e.to_string());
            FsEvent::Changed { req, result }
        }
        FsCmd::Download { req, path, dest } => {
            let result = super::transfer::download(&fs, &path, &dest, |bytes| {
                let _ = events.try_send(FsEvent::Progress { req, bytes });
            })
            .await;
            FsEvent::TransferDone { req, result }
        }
        FsCmd::Upload { req, src, dir } => {
            let result = super::transfer::upload(&fs, &src, &dir, |bytes| {
                let _ = events.try_send(FsEvent::Progress { req, bytes });
            })
            .await;
            FsEvent::TransferDone { req, result }
        }
        FsCmd::Open { .. } | FsCmd::Close | FsCmd::Cancel { .. } => return,
    };
    let _ = events.send(event).await;
}
