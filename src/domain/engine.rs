//! What the Docker engine says about itself, for the status bar. Plain data: reaching the
//! engine is docker/connect.rs's job.

/// The engine's endpoint and versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineInfo {
    pub endpoint: String,
    pub version: String,
    pub api_version: String,
}
