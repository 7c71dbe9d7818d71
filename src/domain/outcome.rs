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

/// The detail, as the operator reads it.
impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for Failure {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_reads_as_its_detail() {
        let f = Failure::new(FailureKind::InUse, "volume is in use (409)");
        assert_eq!(f.to_string(), "volume is in use (409)");
        assert_eq!(f.kind, FailureKind::InUse);
    }
}
