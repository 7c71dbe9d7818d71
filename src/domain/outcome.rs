//! Typed failures across task boundaries: what went wrong, as a kind the screen can act on
//! (offer to retry, to start the session, to reload) plus the detail for the operator. The
//! words shown are written in update/ui, from the kind; `detail` is the engine's or the
//! helper's own reason. docker/ and workspace_fs/ convert their errors into this.

use std::fmt;

/// A failed request: its kind and the reason as the engine or the helper gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    pub detail: String,
}

/// What kind of failure it is: what the screen can do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// The thing asked about does not exist (any more): refresh the view.
    NotFound,
    /// Something uses it (a container mounts the volume, a session runs): end that first.
    InUse,
    /// The engine (or the file helper) cannot be reached: the connection is retried.
    Unreachable,
    /// The engine accepted the call but did not answer in time: treated as lost.
    Stalled,
    /// Declined on purpose (not sandkasten's, read-only, permission, a path that leaves the
    /// workspace): asking again will not help.
    Refused,
    /// It changed or exists already (a file written since it was read, a name taken): reload
    /// or choose another name.
    Conflict,
    /// The request itself is malformed (a bad id, a directory where a file is needed).
    Invalid,
    /// Anything else: only the detail says more.
    Other,
}

impl Failure {
    pub fn new(kind: FailureKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
        }
    }
}

impl FailureKind {
    /// What an OS error on the host (a download's destination, an upload's source) means
    /// here: the same kinds as the engine's and the helper's answers.
    pub fn of_io(kind: std::io::ErrorKind) -> Self {
        use std::io::ErrorKind as E;
        match kind {
            E::NotFound => Self::NotFound,
            E::PermissionDenied | E::ReadOnlyFilesystem => Self::Refused,
            E::AlreadyExists | E::DirectoryNotEmpty => Self::Conflict,
            E::InvalidInput | E::InvalidFilename | E::NotADirectory | E::IsADirectory => {
                Self::Invalid
            }
            E::ResourceBusy => Self::InUse,
            _ => Self::Other,
        }
    }
}

/// The detail, as the operator reads it.
impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for Failure {}

/// A command a task's queue did not take (the task is busy or gone): why, and the answer that
/// stands in for the task's, so that the request it carried is still answered (none for a
/// command nobody waits on).
#[derive(Debug)]
pub struct Unsent<E> {
    pub detail: String,
    /// Boxed: an answer can be large, and this travels in a `Result`'s error.
    pub answer: Option<Box<E>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_reads_as_its_detail() {
        let f = Failure::new(FailureKind::InUse, "volume is in use (409)");
        assert_eq!(f.to_string(), "volume is in use (409)");
        assert_eq!(f.kind, FailureKind::InUse);
    }

    #[test]
    fn host_errors_read_as_the_same_kinds() {
        use std::io::ErrorKind as E;
        assert_eq!(FailureKind::of_io(E::NotFound), FailureKind::NotFound);
        assert_eq!(
            FailureKind::of_io(E::PermissionDenied),
            FailureKind::Refused
        );
        assert_eq!(FailureKind::of_io(E::AlreadyExists), FailureKind::Conflict);
        assert_eq!(FailureKind::of_io(E::IsADirectory), FailureKind::Invalid);
        assert_eq!(FailureKind::of_io(E::UnexpectedEof), FailureKind::Other);
    }
}
