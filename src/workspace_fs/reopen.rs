//! The files task's open workspace, shared by its jobs: the helper in use and what it takes to
//! start another for the same volume. A request that finds the helper gone (killed, its
//! stream broken, the engine restarted) starts a new one, once however many requests found it
//! gone together, on the client the Docker task lends by then (waiting for its reconnection
//! when the engine went away), and is sent again once, unchanged: a save keeps its expected
//! version, so a change made meanwhile is still a conflict, never overwritten. Owns no UI
//! state.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

use super::{Access, FsError, WorkspaceFs};
use crate::docker::EngineLink;

/// One browser or editor request (a listing of a huge directory, a 32 MiB read, a walk)
/// ends well within this; past it the helper or the engine is not answering, which is
/// treated as a helper gone: a new one is started and the request sent once more.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a reopening waits for the Docker task to be connected: its back-off between
/// attempts (at most 5 s) and a version probe (5 s), twice over. An engine still away then is
/// reported as the request's failure.
const RECONNECT_WAIT: Duration = Duration::from_secs(20);

pub struct OpenWorkspace {
    engine: EngineLink,
    volume: String,
    labels: HashMap<String, String>,
    /// Kept for every new helper: a read-only workspace stays mounted read-only.
    access: Access,
    /// The helper in use and its generation, counted up at every reopening, so that requests
    /// that failed on the same helper reopen it only once.
    current: Mutex<(u64, Arc<WorkspaceFs>)>,
}

impl OpenWorkspace {
    /// Starts the first helper for `volume`, on the client `engine` lends within `wait`.
    pub async fn open(
        engine: EngineLink,
        wait: Duration,
        volume: &str,
        labels: HashMap<String, String>,
        access: Access,
    ) -> Result<Self, FsError> {
        let docker = engine.ready(wait).await?;
        let fs = WorkspaceFs::open_with(&docker, volume, labels.clone(), access).await?;
        Ok(Self {
            engine,
            volume: volume.to_owned(),
            labels,
            access,
            current: Mutex::new((0, Arc::new(fs))),
        })
    }

    /// Runs `op` on the helper; if the helper is gone, starts a new one and runs `op` once
    /// more on it. Any other outcome is returned as it is.
    pub async fn run<T, F, Fut>(&self, op: F) -> Result<T, FsError>
    where
        F: Fn(Arc<WorkspaceFs>) -> Fut,
        Fut: Future<Output = Result<T, FsError>>,
    {
        let (generation, fs) = {
            let current = self.current.lock().await;
            (current.0, Arc::clone(&current.1))
        };
        match bounded(op(fs)).await {
            Err(FsError::HelperGone(why)) => {
                tracing::info!(volume = %self.volume, %why, "file helper gone; starting a new one");
                let fs = self.reopen(generation).await.map_err(|e| {
                    FsError::HelperGone(format!("{why}; starting a new one failed: {e}"))
                })?;
                bounded(op(fs)).await
            }
            other => other,
        }
    }

    /// A new helper in place of generation `failed`, unless another request already made one.
    async fn reopen(&self, failed: u64) -> Result<Arc<WorkspaceFs>, FsError> {
        let mut current = self.current.lock().await;
        if current.0 == failed {
            let docker = self.engine.wait(RECONNECT_WAIT).await?;
            let fs =
                WorkspaceFs::open_with(&docker, &self.volume, self.labels.clone(), self.access)
                    .await?;
            // The old helper goes when its last request lets go (WorkspaceFs's Drop).
            *current = (failed + 1, Arc::new(fs));
        }
        Ok(Arc::clone(&current.1))
    }

    /// Closes the helper when no request holds it any more; otherwise the last one to finish
    /// drops it, which removes the helper in the background.
    pub async fn close(self) {
        let (_, fs) = self.current.into_inner();
        if let Ok(fs) = Arc::try_unwrap(fs) {
            let _ = fs.close().await;
        }
    }
}

/// Runs one request with [`REQUEST_TIMEOUT`]. Transfers only pass their liveness check
/// through here: they are long by nature and `x` cancels them.
async fn bounded<T>(request: impl Future<Output = Result<T, FsError>>) -> Result<T, FsError> {
    tokio::time::timeout(REQUEST_TIMEOUT, request)
        .await
        .unwrap_or_else(|_| {
            Err(FsError::HelperGone(format!(
                "no answer within {} (the engine or the helper is not answering)",
                humantime::format_duration(REQUEST_TIMEOUT)
            )))
        })
}
