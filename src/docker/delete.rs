//! Deleting workspace volumes safely: each one is re-checked against the engine at the moment of
//! deletion (still a sandkasten workspace or unlabelled storage), never forced (the engine
//! refuses volumes in use), and removed with bounded concurrency.

use bollard::Docker;
use futures::{StreamExt, stream};
use tokio::sync::mpsc;

use super::error::describe;
use super::model::deletable_volume;

/// Concurrent removals: measured to halve the wall time of a 1000-volume delete on 2 cores;
/// more gains nothing (shared/DESIGN.md §3).
const CONCURRENCY: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deleted {
    pub volume: String,
    /// `Err` carries the reason, the daemon's own when it refused.
    pub outcome: Result<(), String>,
}

async fn delete_one(docker: &Docker, volume: &str) -> Result<(), String> {
    let current = docker
        .inspect_volume(volume)
        .await
        .map_err(|e| describe(&e))?;
    deletable_volume(&current.name, &current.labels)?;
    docker
        .remove_volume(
            volume,
            None::<bollard::query_parameters::RemoveVolumeOptions>,
        )
        .await
        .map_err(|e| describe(&e))
}

/// Deletes `volumes`, sending one `Deleted` per volume as each finishes.
pub async fn delete_volumes(
    docker: Docker,
    volumes: Vec<String>,
    results: mpsc::UnboundedSender<Deleted>,
) {
    stream::iter(volumes)
        .map(|volume| {
            let docker = docker.clone();
            async move {
                let outcome = delete_one(&docker, &volume).await;
                Deleted { volume, outcome }
            }
        })
        .buffer_unordered(CONCURRENCY)
        .for_each(|done| {
            let _ = results.send(done);
            async {}
        })
        .await;
}

/// Deletes and collects every result (for the CLI).
pub async fn delete_all(docker: Docker, volumes: Vec<String>) -> Vec<Deleted> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let job = tokio::spawn(delete_volumes(docker, volumes, tx));
    let mut out = Vec::new();
    while let Some(done) = rx.recv().await {
        out.push(done);
    }
    let _ = job.await;
    out
}
