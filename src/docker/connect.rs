//! Reaching the engine: `DOCKER_HOST` when set, else the local default socket.

use bollard::Docker;

use super::error::{DockerError, describe};

/// A bollard client plus the endpoint it talks to (for the status bar and error messages).
#[derive(Debug, Clone)]
pub struct Engine {
    pub docker: Docker,
    pub endpoint: String,
}

/// What the engine says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineInfo {
    pub endpoint: String,
    pub version: String,
    pub api_version: String,
}

/// The endpoint bollard will use, as the operator would write it.
pub fn endpoint_description() -> String {
    match std::env::var("DOCKER_HOST") {
        Ok(host) if !host.is_empty() => host,
        _ => "unix:///var/run/docker.sock".to_owned(),
    }
}

/// Builds the client. No IO happens here: a missing daemon shows up on the first call.
pub fn connect() -> Result<Engine, DockerError> {
    let endpoint = endpoint_description();
    let docker = Docker::connect_with_defaults().map_err(|e| DockerError::Connect {
        endpoint: endpoint.clone(),
        reason: describe(&e),
    })?;
    Ok(Engine { docker, endpoint })
}

impl Engine {
    /// Asks the engine for its version; this is also the liveness probe.
    pub async fn info(&self) -> Result<EngineInfo, DockerError> {
        let v = self
            .docker
            .version()
            .await
            .map_err(|e| DockerError::Connect {
                endpoint: self.endpoint.clone(),
                reason: describe(&e),
            })?;
        Ok(EngineInfo {
            endpoint: self.endpoint.clone(),
            version: v.version.unwrap_or_else(|| "?".into()),
            api_version: v.api_version.unwrap_or_else(|| "?".into()),
        })
    }
}
