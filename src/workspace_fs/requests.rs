//! What the files task is asked ([`FsCmd`]) and what it answers ([`FsEvent`]): every answer
//! carries its request id and the outcome as a value (a listing, a load, the change made, a
//! finished transfer) or a typed [`Failure`]; words are update's. Also the answer to a request
//! that cannot run. Plain data: nothing here runs a request.

use std::path::PathBuf;

use crate::domain::file_ops::{FileChange, Load, Transferred};
use crate::domain::files::{Entry, FileData, FsPath, Identity, Version};
use crate::domain::ids::RequestId;
use crate::domain::outcome::{Failure, FailureKind};

/// Requests to the files task.
#[derive(Debug, Clone, PartialEq)]
pub enum FsCmd {
    /// Open a workspace volume (closing the one open before).
    Open {
        req: RequestId,
        volume: String,
        /// `--read-only`: the helper mounts the volume read-only and can only read.
        read_only: bool,
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
    /// Removes the entry the operator was shown: only while `path` still holds `meant`.
    Remove {
        req: RequestId,
        path: FsPath,
        recursive: bool,
        meant: Identity,
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

/// Reports from the files task: each request's outcome as a value, or a typed [`Failure`]
/// (the helper's or the engine's own reason in its detail); the words are update's.
#[derive(Debug, Clone, PartialEq)]
pub enum FsEvent {
    /// The volume opened, or why not.
    Opened {
        req: RequestId,
        result: Result<String, Failure>,
    },
    Listed {
        req: RequestId,
        dir: FsPath,
        result: Result<Vec<Entry>, Failure>,
    },
    Previewed {
        req: RequestId,
        path: FsPath,
        result: Result<FileData, Failure>,
    },
    Loaded {
        req: RequestId,
        path: FsPath,
        result: Result<Load, Failure>,
    },
    /// A save: the version written, or why not ([`FailureKind::Conflict`]: changed on disk
    /// since it was read).
    Saved {
        req: RequestId,
        path: FsPath,
        result: Result<Version, Failure>,
    },
    /// A change (create, mkdir, rename, remove) finished: the change asked for, and whether
    /// it was made.
    Changed {
        req: RequestId,
        change: FileChange,
        result: Result<(), Failure>,
    },
    Progress {
        req: RequestId,
        bytes: u64,
    },
    TransferDone {
        req: RequestId,
        result: Result<Transferred, Failure>,
    },
}

/// The change a request asks for, if it is one.
pub(super) fn change_of(cmd: &FsCmd) -> Option<FileChange> {
    match cmd {
        FsCmd::CreateFile { path, .. } => Some(FileChange::CreatedFile(path.clone())),
        FsCmd::Mkdir { path, .. } => Some(FileChange::CreatedDir(path.clone())),
        FsCmd::Rename { from, to, .. } => Some(FileChange::Renamed {
            from: from.clone(),
            to: to.clone(),
        }),
        FsCmd::Remove {
            path, recursive, ..
        } => Some(FileChange::Removed {
            path: path.clone(),
            was_dir: *recursive,
        }),
        _ => None,
    }
}

/// The answer to a request that cannot run (no workspace is open): `why`, in the event that
/// request is answered by. Nothing answers `Open`, `Close` and `Cancel` this way: an open is
/// always tried, a close needs no answer, and a cancel is answered by its transfer.
pub(super) fn refusal(cmd: FsCmd, why: Failure) -> Option<FsEvent> {
    let change = change_of(&cmd);
    Some(match cmd {
        FsCmd::List { req, dir } => FsEvent::Listed {
            req,
            dir,
            result: Err(why),
        },
        FsCmd::Preview { req, path, .. } => FsEvent::Previewed {
            req,
            path,
            result: Err(why),
        },
        FsCmd::Load { req, path, .. } => FsEvent::Loaded {
            req,
            path,
            result: Err(why),
        },
        FsCmd::Save { req, path, .. } => FsEvent::Saved {
            req,
            path,
            result: Err(why),
        },
        FsCmd::CreateFile { req, .. }
        | FsCmd::Mkdir { req, .. }
        | FsCmd::Rename { req, .. }
        | FsCmd::Remove { req, .. } => FsEvent::Changed {
            req,
            change: change?,
            result: Err(why),
        },
        FsCmd::Download { req, .. } | FsCmd::Upload { req, .. } => FsEvent::TransferDone {
            req,
            result: Err(why),
        },
        FsCmd::Open { .. } | FsCmd::Close | FsCmd::Cancel { .. } => return None,
    })
}

/// What a request finds when nothing is open: never opened, the open failed, or closed.
pub(super) fn nothing_open() -> Failure {
    Failure::new(FailureKind::Invalid, "no workspace is open")
}
