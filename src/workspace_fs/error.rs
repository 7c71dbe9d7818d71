//! What can go wrong with workspace file access, as the operator should read it. The agent's
//! own messages (path and reason) are kept; the variant says what kind of failure it is, so
//! the UI can react (ask before overwriting on a conflict, offer recursive removal, ...).

use thiserror::Error;

use super::protocol::Version;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FsError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    PermissionDenied(String),
    /// The file is no longer what it was when it was opened (someone else, e.g. the session,
    /// wrote it since); `current` is what is on disk now, None when it is gone.
    #[error("{message}")]
    Conflict {
        message: String,
        current: Option<Version>,
    },
    #[error("{0}")]
    NotADirectory(String),
    #[error("{0}")]
    IsADirectory(String),
    #[error("{0}")]
    AlreadyExists(String),
    /// Removing a non-empty directory needs `recursive`.
    #[error("{0}")]
    NotEmpty(String),
    /// Never done, by design: a path that would leave the workspace, a symlink to follow, the
    /// workspace root itself, a file too large for one request.
    #[error("refused: {0}")]
    Refused(String),
    /// Any other OS error inside the helper (no space left, read-only file system, ...).
    #[error("{0}")]
    Io(String),
    /// The helper container stopped or its stream broke; the handle is unusable, open again.
    #[error("the file helper is gone: {0}")]
    HelperGone(String),
    /// The engine refused a call (create, start, import, ...): the daemon's reason.
    #[error("{0}")]
    Engine(String),
    /// The agent said something this client does not understand (a stale image?).
    #[error("file helper protocol: {0}")]
    Protocol(String),
    /// The agent cannot run here (not built for this CPU, or the engine is not x86_64).
    #[error("workspace file access is not supported here: {0}")]
    Unsupported(String),
}

impl From<bollard::errors::Error> for FsError {
    fn from(e: bollard::errors::Error) -> Self {
        FsError::Engine(crate::docker::DockerError::from(e).to_string())
    }
}
