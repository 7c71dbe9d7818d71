//! Docker errors as the operator should read them: the daemon's own reason, not a debug dump.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum DockerError {
    #[error("cannot connect to the Docker engine at {endpoint}: {reason}")]
    Connect { endpoint: String, reason: String },
    #[error("{0}")]
    Api(String),
}

impl From<bollard::errors::Error> for DockerError {
    fn from(e: bollard::errors::Error) -> Self {
        DockerError::Api(describe(&e))
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
        E::RequestTimeoutError => "the engine did not answer in time".to_owned(),
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
