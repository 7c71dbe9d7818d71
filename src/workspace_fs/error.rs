//! What can go wrong with workspace file access, as the operator should read it. The agent's
//! own messages (path and reason) are kept; the variant says what kind of failure it is, so
//! the UI can react (ask before overwriting on a conflict, offer recursive removal, ...).

use thiserror::Error;

use crate::domain::files::{PathRefused, Version};
use crate::domain::outcome::{Failure, FailureKind};

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
    /// The engine refused a call (create, start, import, ...) or could not be reached: the
    /// daemon's reason, and what kind of failure the engine's answer was.
    #[error("{reason}")]
    Engine { kind: FailureKind, reason: String },
    /// The engine accepted a call but did not answer within its deadline.
    #[error("{0}")]
    Stalled(String),
    /// The agent said something this client does not understand (a stale image?).
    #[error("file helper protocol: {0}")]
    Protocol(String),
    /// The agent cannot run here (not built for this CPU, or the engine is not x86_64).
    #[error("workspace file access is not supported here: {0}")]
    Unsupported(String),
}

impl From<bollard::errors::Error> for FsError {
    fn from(e: bollard::errors::Error) -> Self {
        crate::docker::DockerError::from(e).into()
    }
}

/// The engine's failures keep their kind (a volume gone is not found, a lost connection
/// unreachable); a stall stays a stall.
impl From<crate::docker::DockerError> for FsError {
    fn from(e: crate::docker::DockerError) -> Self {
        if e.is_stalled() {
            return FsError::Stalled(e.to_string());
        }
        let Failure { kind, detail } = Failure::from(e);
        FsError::Engine {
            kind,
            reason: detail,
        }
    }
}

/// A path the domain refused never reaches the helper: the same refusal as the agent's.
impl From<PathRefused> for FsError {
    fn from(e: PathRefused) -> Self {
        FsError::Refused(e.0)
    }
}

/// What the screen can do about each: a conflict is reloaded or overwritten, a missing file
/// refreshed, a gone helper reopened; the rest is shown.
impl From<FsError> for Failure {
    fn from(e: FsError) -> Self {
        let kind = match &e {
            FsError::NotFound(_) => FailureKind::NotFound,
            FsError::PermissionDenied(_) | FsError::Refused(_) => FailureKind::Refused,
            FsError::Conflict { .. } | FsError::AlreadyExists(_) | FsError::NotEmpty(_) => {
                FailureKind::Conflict
            }
            FsError::NotADirectory(_) | FsError::IsADirectory(_) => FailureKind::Invalid,
            FsError::HelperGone(_) => FailureKind::Unreachable,
            FsError::Stalled(_) => FailureKind::Stalled,
            FsError::Engine { kind, .. } => *kind,
            FsError::Io(_) | FsError::Protocol(_) | FsError::Unsupported(_) => FailureKind::Other,
        };
        Failure::new(kind, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(e: FsError) -> FailureKind {
        Failure::from(e).kind
    }

    #[test]
    fn file_errors_become_the_kinds_the_screen_acts_on() {
        assert_eq!(
            kind(FsError::NotFound("a: gone".into())),
            FailureKind::NotFound
        );
        let conflict = FsError::Conflict {
            message: "a: changed".into(),
            current: None,
        };
        assert_eq!(kind(conflict), FailureKind::Conflict);
        assert_eq!(
            kind(FsError::AlreadyExists("a".into())),
            FailureKind::Conflict
        );
        assert_eq!(kind(FsError::NotEmpty("d".into())), FailureKind::Conflict);
        assert_eq!(
            kind(FsError::PermissionDenied("a".into())),
            FailureKind::Refused
        );
        assert_eq!(
            kind(FsError::IsADirectory("d".into())),
            FailureKind::Invalid
        );
        assert_eq!(
            kind(FsError::HelperGone("it exited".into())),
            FailureKind::Unreachable
        );
        assert_eq!(kind(FsError::Io("no space".into())), FailureKind::Other);
    }

    #[test]
    fn the_detail_is_the_errors_text() {
        let f = Failure::from(FsError::Refused("../x: leaves".into()));
        assert_eq!(f.kind, FailureKind::Refused);
        assert_eq!(f.detail, "refused: ../x: leaves");
    }

    #[test]
    fn stalls_stay_stalls_and_bad_paths_are_refusals() {
        let stalled = FsError::from(bollard::errors::Error::RequestTimeoutError);
        assert!(matches!(stalled, FsError::Stalled(_)), "{stalled:?}");
        assert_eq!(kind(stalled), FailureKind::Stalled);
        let gone = FsError::from(bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            message: "no such volume".into(),
        });
        assert_eq!(kind(gone), FailureKind::NotFound);
        let away = FsError::from(crate::docker::DockerError::Connect {
            endpoint: "unix:///x".into(),
            reason: "no such file".into(),
        });
        assert_eq!(kind(away), FailureKind::Unreachable);
        let bad = crate::domain::files::FsPath::parse("../etc").map_err(FsError::from);
        assert!(matches!(bad, Err(FsError::Refused(_))), "{bad:?}");
    }
}
