//! Docker errors as the operator should read them: the daemon's own reason, not a debug dump.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum DockerError {
    #[error("cannot connect to the Docker engine at {endpoint}: {reason}")]
    Connect { endpoint: String, reason: String },
    #[error("{0}")]
    Api(String),
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
}

impl From<bollard::errors::Error> for DockerError {
    fn from(e: bollard::errors::Error) -> Self {
        match e {
            // bollard's client timeout (see `deadline::CALL`): the engine did not answer.
            bollard::errors::Error::RequestTimeoutError => DockerError::Stalled {
                what: "a request".to_owned(),
                after: super::deadline::CALL,
            },
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
