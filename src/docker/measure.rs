//! Measuring workspaces: picks the fastest strategy this host allows, then measures volumes in
//! the background and reports each result as it arrives. Never draws.
//!
//! Strategies, fastest first (costs measured in shared/DESIGN.md §3):
//! - `Walk`: walk each volume's Mountpoint in-process (local engine, mountpoints readable:
//!   root). Exact, per volume, and gives file counts and the newest modification and status
//!   change times.
//! - `SystemDf`: the engine's `/system/df` (local socket, no root). Sizes only; one call walks
//!   every volume on the host and the engine refuses two at once.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::mpsc;

use super::sizes::{SizeError, readable_dir, system_df_volume_sizes, walk};
use crate::domain::measure::{Measurement, Strategy};
use crate::domain::outcome::{Failure, FailureKind};
use crate::domain::workspace::Workspace;

/// The engine's socket when it is local (a unix socket), else `None`.
pub fn local_socket() -> Option<PathBuf> {
    match std::env::var("DOCKER_HOST") {
        Ok(host) if !host.is_empty() => host.strip_prefix("unix://").map(PathBuf::from),
        _ => Some(PathBuf::from("/var/run/docker.sock")),
    }
}

/// Picks the strategy from a sample volume mountpoint (any workspace's).
pub fn choose(sample_mountpoint: Option<&Path>) -> Strategy {
    let Some(socket) = local_socket() else {
        return Strategy::Unavailable("the engine is remote; sizes need a local engine".into());
    };
    match sample_mountpoint {
        Some(path) if readable_dir(path) => Strategy::Walk,
        _ => Strategy::SystemDf { socket },
    }
}

/// Parallel walkers: the machine class this targets has 2 cores, and the walk is syscall-bound.
pub(super) const WALKERS: usize = 2;
const DF_BUSY_RETRIES: u32 = 10;
const DF_TIMEOUT: Duration = Duration::from_secs(60);

/// Measures `targets` (volume name, mountpoint), sending each result on `results` as it comes.
/// Returns when all are done or the receiver is gone.
pub async fn measure(
    strategy: Strategy,
    targets: Vec<(String, PathBuf)>,
    results: mpsc::UnboundedSender<(String, Result<Measurement, Failure>)>,
) {
    match strategy {
        Strategy::Walk => walk_all(targets, results).await,
        Strategy::SystemDf { socket } => df_all(&socket, targets, &results).await,
        Strategy::Unavailable(why) => {
            // Asking again will not help on this host.
            let why = Failure::new(FailureKind::Refused, why);
            for (volume, _) in targets {
                let _ = results.send((volume, Err(why.clone())));
            }
        }
    }
}

async fn walk_all(
    targets: Vec<(String, PathBuf)>,
    results: mpsc::UnboundedSender<(String, Result<Measurement, Failure>)>,
) {
    let queue = Arc::new(Mutex::new(VecDeque::from(targets)));
    let mut workers = Vec::new();
    for _ in 0..WALKERS {
        let queue = Arc::clone(&queue);
        let results = results.clone();
        workers.push(tokio::task::spawn_blocking(move || {
            loop {
                let next = queue.lock().ok().and_then(|mut q| q.pop_front());
                let Some((volume, path)) = next else { break };
                let result = walk(&path).map(Measurement::from_walk).map_err(|e| {
                    let why = format!("cannot walk {}: {e}", path.display());
                    Failure::new(FailureKind::of_io(e.kind()), why)
                });
                if results.send((volume, result)).is_err() {
                    break; // nobody listens any more
                }
            }
        }));
    }
    for worker in workers {
        let _ = worker.await;
    }
}

async fn df_all(
    socket: &Path,
    targets: Vec<(String, PathBuf)>,
    results: &mpsc::UnboundedSender<(String, Result<Measurement, Failure>)>,
) {
    let mut attempt = 0;
    let sizes: Result<HashMap<String, u64>, Failure> = loop {
        // The engine walks every volume on the host for this; a stuck daemon must not hang us.
        let reply = tokio::time::timeout(DF_TIMEOUT, system_df_volume_sizes(socket)).await;
        let Ok(reply) = reply else {
            break Err(Failure::new(
                FailureKind::Stalled,
                format!(
                    "the engine's /system/df took more than {}s",
                    DF_TIMEOUT.as_secs()
                ),
            ));
        };
        match reply {
            Err(SizeError::Busy) if attempt < DF_BUSY_RETRIES => {
                // Someone else (maybe `docker system df`) is measuring: wait for our turn.
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            other => break other.map_err(|e| Failure::new(e.kind(), e.to_string())),
        }
    };
    let now = Timestamp::now();
    for (volume, _) in targets {
        let result = match &sizes {
            Ok(sizes) => sizes
                .get(&volume)
                .map(|&bytes| Measurement {
                    bytes,
                    files: None,
                    newest_mtime: None,
                    newest_ctime: None,
                    measured_at: now,
                })
                .ok_or_else(|| {
                    Failure::new(FailureKind::NotFound, "the engine reported no size for it")
                }),
            Err(e) => Err(e.clone()),
        };
        if results.send((volume, result)).is_err() {
            return;
        }
    }
}

/// Measures and waits for all results (for the CLI).
pub async fn measure_all(
    strategy: Strategy,
    targets: Vec<(String, PathBuf)>,
) -> HashMap<String, Result<Measurement, Failure>> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let job = tokio::spawn(measure(strategy, targets, tx));
    let mut out = HashMap::new();
    while let Some((volume, result)) = rx.recv().await {
        out.insert(volume, result);
    }
    let _ = job.await;
    out
}

/// Picks the strategy for these workspaces and measures them all (for the CLI).
pub async fn measure_workspaces(
    workspaces: &[Workspace],
) -> (Strategy, HashMap<String, Result<Measurement, Failure>>) {
    let strategy = choose(workspaces.first().map(|w| Path::new(&w.mountpoint)));
    let targets = workspaces
        .iter()
        .map(|w| (w.volume.clone(), PathBuf::from(&w.mountpoint)))
        .collect();
    let results = measure_all(strategy.clone(), targets).await;
    (strategy, results)
}
