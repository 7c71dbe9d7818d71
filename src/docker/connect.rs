//! Reaching the engine: `DOCKER_HOST` when set, else the local default socket. Every client
//! made here carries the engine-call deadline, so no request waits forever.

use bollard::Docker;

use super::deadline;
use super::error::{DockerError, describe};
use super::model::engine_info;
use crate::domain::engine::EngineInfo;

/// A bollard client plus the endpoint it talks to (for the status bar and error messages).
#[derive(Debug, Clone)]
pub struct Engine {
    pub docker: Docker,
    pub endpoint: String,
}

/// The endpoint bollard will use, as the operator would write it.
pub fn endpoint_description() -> String {
    match std::env::var("DOCKER_HOST") {
        Ok(host) if !host.is_empty() => host,
        _ => "unix:///var/run/docker.sock".to_owned(),
    }
}

/// Builds the client for `DOCKER_HOST` (else the local socket). No IO happens here: a
/// missing daemon shows up on the first call.
pub fn connect() -> Result<Engine, DockerError> {
    connect_at(&endpoint_description())
}

/// Builds the client for an explicit endpoint (`unix://…`, `tcp://…`), with bollard's
/// request timeout set to [`deadline::CALL`] instead of its default two minutes.
pub fn connect_at(endpoint: &str) -> Result<Engine, DockerError> {
    let docker = Docker::connect_with_host(endpoint)
        .map_err(|e| DockerError::Connect {
            endpoint: endpoint.to_owned(),
            reason: describe(&e),
        })?
        .with_timeout(deadline::CALL);
    Ok(Engine {
        docker,
        endpoint: endpoint.to_owned(),
    })
}

impl Engine {
    /// Asks the engine for its version; this is also the liveness probe, so it gets the
    /// short [`deadline::PROBE`]: an engine that accepts and never answers is "stalled".
    pub async fn info(&self) -> Result<EngineInfo, DockerError> {
        let v = match tokio::time::timeout(deadline::PROBE, self.docker.version()).await {
            Err(_) => {
                let what = format!("the version probe at {}", self.endpoint);
                return Err(deadline::stalled(&what, deadline::PROBE));
            }
            Ok(Err(e)) if matches!(e, bollard::errors::Error::RequestTimeoutError) => {
                return Err(DockerError::from(e));
            }
            Ok(Err(e)) => {
                return Err(DockerError::Connect {
                    endpoint: self.endpoint.clone(),
                    reason: describe(&e),
                });
            }
            Ok(Ok(v)) => v,
        };
        Ok(engine_info(&self.endpoint, v))
    }
}
