//! Docker errors as the operator should read them: the daemon's own reason, not a debug dump.

use thiserror::Error;

use crate::domain::outcome::{Failure, FailureKind};

#[derive(Debug, Error)]
pub enum DockerError {
    #[error("cannot connect to the Docker engine at {endpoint}: {reason}")]
    Connect { endpoint: String, reason: String },
    /// Anything else that went wrong on the way, as text.
    #[error("{0}")]
    Api(String),
    /// The engine answered with an error status: the daemon's reason.
    #[error("{reason}")]
    Answered { status: u16, reason: String },
    /// The connection broke during a call (the socket is gone, refused, reset).
    #[error("{0}")]
    Lost(String),
    /// This module declined on its own (not a sandkasten object, a bad id, a name taken):
    /// `kind` says which, for the typed [`Failure`].
    #[error("{reason}")]
    Declined { kind: FailureKind, reason: String },
    /// The engine accepted the call but did not answer within its deadline.
    #[error(
        "{}: no answer to {what} within {}",
        super::deadline::STALLED,
        humantime::format_duration(*after)
    )]
    Stalled {
        what: String,
        after: std::time::Duration,
    },
}

impl DockerError {
    /// Whether the engine stopped answering (as opposed to answering with a refusal): the
    /// connection is then treated as lost.
    pub fn is_stalled(&self) -> bool {
        matches!(self, DockerError::Stalled { .. })
    }

    pub fn declined(kind: FailureKind, reason: impl Into<String>) -> Self {
        DockerError::Declined {
            kind,
            reason: reason.into(),
        }
    }
}

/// The engine's statuses, read as what they mean here: 404 is gone, 409 is "in use" when the
/// daemon says so (a mounted volume, a running container) and a conflict otherwise (a name
/// taken), 304 is "already in that state".
impl From<DockerError> for Failure {
    fn from(e: DockerError) -> Self {
        let kind = match &e {
            DockerError::Connect { .. } | DockerError::Lost(_) => FailureKind::Unreachable,
            DockerError::Stalled { .. } => FailureKind::Stalled,
            DockerError::Declined { kind, .. } => *kind,
            DockerError::Answered { status, reason } => match status {
                404 => FailureKind::NotFound,
                409 if reason.contains("in use") => FailureKind::InUse,
                409 | 304 => FailureKind::Conflict,
                400 => FailureKind::Invalid,
                401 | 403 => FailureKind::Refused,
                _ => FailureKind::Other,
            },
            DockerError::Api(_) => FailureKind::Other,
        };
        Failure::new(kind, e.to_string())
    }
}

impl From<bollard::errors::Error> for DockerError {
    fn from(e: bollard::errors::Error) -> Self {
        match e {
            // bollard's client timeout (see `deadline::CALL`): the engine did not answer.
            bollard::errors::Error::RequestTimeoutError => DockerError::Stalled {
                what: "a request".to_owned(),
                after: super::deadline::CALL,
            },
            bollard::errors::Error::DockerResponseServerError { status_code, .. } => {
                DockerError::Answered {
                    status: status_code,
                    reason: describe(&e),
                }
            }
            bollard::errors::Error::SocketNotFoundError(_)
            | bollard::errors::Error::HyperLegacyError { .. }
            | bollard::errors::Error::IOError { .. } => DockerError::Lost(describe(&e)),
            e => DockerError::Api(describe(&e)),
        }
    }
}

/// The daemon's message when there is one ("volume is in use - [...]"), else bollard's text.
pub fn describe(e: &bollard::errors::Error) -> String {
    use bollard::errors::Error as E;
    match e {
        E::DockerResponseServerError {
            status_code,
            message,
        } => {
            if message.trim().is_empty() {
                format!("the engine answered {status_code}")
            } else {
                format!("{message} ({status_code})")
            }
        }
        E::RequestTimeoutError => format!(
            "{}: no answer within {}",
            super::deadline::STALLED,
            humantime::format_duration(super::deadline::CALL)
        ),
        other => {
            // Connection failures nest the useful part ("Connection refused", "No such file")
            // inside hyper errors; walk the chain and keep the innermost message.
            let mut source: &dyn std::error::Error = other;
            while let Some(next) = source.source() {
                source = next;
            }
            let inner = source.to_string();
            let outer = other.to_string();
            if inner == outer {
                outer
            } else {
                format!("{outer}: {inner}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(status_code: u16, message: &str) -> DockerError {
        DockerError::from(bollard::errors::Error::DockerResponseServerError {
            status_code,
            message: message.to_owned(),
        })
    }

    fn kind(e: DockerError) -> FailureKind {
        Failure::from(e).kind
    }

    #[test]
    fn engine_answers_become_the_kinds_the_screen_acts_on() {
        assert_eq!(kind(answered(404, "no such volume")), FailureKind::NotFound);
        let in_use = answered(409, "remove sandkasten-ws-a: volume is in use - [abc]");
        assert_eq!(kind(in_use), FailureKind::InUse);
        assert_eq!(
            kind(answered(409, "name already taken")),
            FailureKind::Conflict
        );
        assert_eq!(
            kind(answered(400, "invalid reference")),
            FailureKind::Invalid
        );
        assert_eq!(kind(answered(500, "boom")), FailureKind::Other);
    }

    #[test]
    fn the_detail_is_the_daemons_reason() {
        let f = Failure::from(answered(409, "volume is in use"));
        assert_eq!(f.detail, "volume is in use (409)");
    }

    #[test]
    fn lost_stalled_and_declined_keep_their_meaning() {
        let gone = DockerError::from(bollard::errors::Error::SocketNotFoundError("/x".into()));
        assert_eq!(kind(gone), FailureKind::Unreachable);
        let connect = DockerError::Connect {
            endpoint: "unix:///x".into(),
            reason: "no such file".into(),
        };
        assert_eq!(kind(connect), FailureKind::Unreachable);
        let timeout = DockerError::from(bollard::errors::Error::RequestTimeoutError);
        assert!(timeout.is_stalled());
        assert_eq!(kind(timeout), FailureKind::Stalled);
        let refused = DockerError::declined(FailureKind::Refused, "x: not touched");
        assert_eq!(refused.to_string(), "x: not touched");
        assert_eq!(kind(refused), FailureKind::Refused);
        assert_eq!(kind(DockerError::Api("odd".into())), FailureKind::Other);
    }
}
