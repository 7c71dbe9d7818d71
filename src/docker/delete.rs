//! Deleting workspace volumes safely: each one is re-checked against the engine right before
//! its removal (still a sandkasten workspace or unlabelled storage), never forced (the engine
//! refuses volumes in use, which covers a session started meanwhile), and removed with bounded
//! concurrency. A volume a rule picked is measured again immediately before its removal and the
//! rule re-evaluated: figures from the plan may be minutes old, and a workspace written since
//! is kept. The TUI (via the Docker task) and `prune` both delete through here.

use std::collections::HashMap;
use std::path::PathBuf;

use bollard::Docker;
use bollard::models::Volume;
use bollard::query_parameters::ListVolumesOptionsBuilder;
use futures::{StreamExt, stream};
use jiff::Timestamp;
use tokio::sync::mpsc;

use super::DockerEvent;
use super::error::DockerError;
use super::inventory::fetch_inventory;
use super::measure;
use crate::cleanup::{Pick, recheck};
use crate::domain::ids::RequestId;
use crate::domain::labels::{WORKSPACE_VOLUME_PREFIX, deletable_volume};
use crate::domain::measure::{Measurement, Strategy};
use crate::domain::outcome::{Failure, FailureKind};
use crate::domain::workspace::Workspace;

/// Concurrent removals: measured to halve the wall time of a 1000-volume delete on 2 cores;
/// more gains nothing (shared/DESIGN.md §3).
const CONCURRENCY: usize = 16;

/// One volume to delete and why it is in the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteTarget {
    pub volume: String,
    pub pick: Pick,
}

impl DeleteTarget {
    pub fn by_hand(volume: impl Into<String>) -> Self {
        Self {
            volume: volume.into(),
            pick: Pick::ByHand,
        }
    }
}

/// What happened to one volume that did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolumeOutcome {
    Deleted,
    /// Not removed on purpose: the rule that picked it no longer holds (the reason says why).
    Kept(String),
}

/// One volume's result: removed or kept, else why the removal failed (the daemon's own
/// reason; a volume a container mounts is [`FailureKind::InUse`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deleted {
    pub volume: String,
    pub result: Result<VolumeOutcome, Failure>,
}

async fn delete_one(
    docker: &Docker,
    volume: &str,
    current: Option<&Volume>,
) -> Result<VolumeOutcome, Failure> {
    let Some(current) = current else {
        return Err(Failure::new(
            FailureKind::NotFound,
            format!("{volume} no longer exists"),
        ));
    };
    deletable_volume(&current.name, &current.labels)
        .map_err(|reason| Failure::new(FailureKind::Refused, reason))?;
    let remove = docker.remove_volume(
        volume,
        None::<bollard::query_parameters::RemoveVolumeOptions>,
    );
    super::deadline::answer("removing the volume", remove)
        .await?
        .map_err(DockerError::from)?;
    Ok(VolumeOutcome::Deleted)
}

/// The engine's current view of every `sandkasten-ws-*` volume, read once right before the
/// removals: one listing re-checks a thousand volumes for the price of one call.
async fn current_volumes(docker: &Docker) -> Result<HashMap<String, Volume>, Failure> {
    let filter = HashMap::from([("name", vec![WORKSPACE_VOLUME_PREFIX])]);
    let list = docker.list_volumes(Some(
        ListVolumesOptionsBuilder::new().filters(&filter).build(),
    ));
    let list = super::deadline::answer("listing volumes", list)
        .await?
        .map_err(DockerError::from)?;
    Ok(list
        .volumes
        .unwrap_or_default()
        .into_iter()
        .map(|v| (v.name.clone(), v))
        .collect())
}

/// How rule picks are measured again. A walk goes volume by volume, right before each removal;
/// the engine's df walks every volume on the host per call and refuses two at once, so it runs
/// once for all of them, up front.
enum Remeasure {
    /// Walks volume by volume, at most [`measure::WALKERS`] at once however many removals run:
    /// more walkers than cores only slow each other down.
    PerVolume(Strategy, tokio::sync::Semaphore),
    Measured(HashMap<String, Result<Measurement, Failure>>),
}

impl Remeasure {
    async fn prepare(rule_picks: &[&Workspace]) -> Self {
        let strategy = measure::choose(
            rule_picks
                .first()
                .map(|w| std::path::Path::new(&w.mountpoint)),
        );
        match strategy {
            Strategy::SystemDf { .. } => {
                let targets = rule_picks
                    .iter()
                    .map(|w| (w.volume.clone(), PathBuf::from(&w.mountpoint)))
                    .collect();
                Self::Measured(measure::measure_all(strategy, targets).await)
            }
            other => Self::PerVolume(other, tokio::sync::Semaphore::new(measure::WALKERS)),
        }
    }

    async fn now(&self, ws: &Workspace) -> Result<Measurement, Failure> {
        let none = || Err(Failure::new(FailureKind::Other, "no measurement came back"));
        match self {
            Self::Measured(done) => done.get(&ws.volume).cloned().unwrap_or_else(none),
            Self::PerVolume(strategy, walkers) => {
                let _walking = walkers
                    .acquire()
                    .await
                    .map_err(|e| Failure::new(FailureKind::Other, e.to_string()))?;
                let target = vec![(ws.volume.clone(), PathBuf::from(&ws.mountpoint))];
                measure::measure_all(strategy.clone(), target)
                    .await
                    .remove(&ws.volume)
                    .unwrap_or_else(none)
            }
        }
    }
}

/// What rule picks are checked against: the engine's workspaces now, and how to measure them.
struct RecheckBasis {
    workspaces: HashMap<String, Workspace>,
    remeasure: Option<Remeasure>,
}

async fn recheck_basis(docker: &Docker, targets: &[DeleteTarget]) -> Result<RecheckBasis, Failure> {
    let inventory = fetch_inventory(docker).await?;
    let workspaces: HashMap<String, Workspace> = inventory
        .workspaces
        .into_iter()
        .map(|w| (w.volume.clone(), w))
        .collect();
    let needs_figures: Vec<&Workspace> = targets
        .iter()
        .filter(|t| matches!(&t.pick, Pick::Rule(rule) if rule.needs_measurement()))
        .filter_map(|t| workspaces.get(&t.volume))
        .collect();
    let remeasure = if needs_figures.is_empty() {
        None
    } else {
        Some(Remeasure::prepare(&needs_figures).await)
    };
    Ok(RecheckBasis {
        workspaces,
        remeasure,
    })
}

/// For a rule pick: measures it now (when the rule needs figures) and evaluates the rule again.
async fn still_picked(target: &DeleteTarget, basis: &RecheckBasis) -> Result<(), String> {
    let Pick::Rule(rule) = &target.pick else {
        return Ok(());
    };
    let ws = basis.workspaces.get(&target.volume);
    let fresh = match (&basis.remeasure, ws) {
        (Some(remeasure), Some(ws)) if rule.needs_measurement() => Some(remeasure.now(ws).await),
        _ => None,
    };
    recheck(rule, ws, fresh.as_ref(), Timestamp::now())
}

/// Deletes `targets`, sending one `Deleted` per volume as each finishes.
pub async fn delete_volumes(
    docker: Docker,
    targets: Vec<DeleteTarget>,
    results: mpsc::UnboundedSender<Deleted>,
) {
    // Nothing is removed unchecked: every volume fails, with the kind of what went wrong.
    let fail_all = |targets: Vec<DeleteTarget>, why: Failure| {
        let why = Failure::new(
            why.kind,
            format!("cannot re-check before deleting: {}", why.detail),
        );
        for target in targets {
            let _ = results.send(Deleted {
                volume: target.volume,
                result: Err(why.clone()),
            });
        }
    };
    let current = match current_volumes(&docker).await {
        Ok(current) => current,
        Err(reason) => return fail_all(targets, reason),
    };
    let any_rule = targets.iter().any(|t| matches!(t.pick, Pick::Rule(_)));
    let basis = if any_rule {
        match recheck_basis(&docker, &targets).await {
            Ok(basis) => basis,
            Err(reason) => return fail_all(targets, reason),
        }
    } else {
        RecheckBasis {
            workspaces: HashMap::new(),
            remeasure: None,
        }
    };
    let (current, basis) = (&current, &basis);
    stream::iter(targets)
        .map(|target| {
            let docker = docker.clone();
            async move {
                let result = match still_picked(&target, basis).await {
                    Ok(()) => {
                        delete_one(&docker, &target.volume, current.get(&target.volume)).await
                    }
                    Err(kept) => Ok(VolumeOutcome::Kept(kept)),
                };
                Deleted {
                    volume: target.volume,
                    result,
                }
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
pub async fn delete_all(docker: Docker, targets: Vec<DeleteTarget>) -> Vec<Deleted> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let job = tokio::spawn(delete_volumes(docker, targets, tx));
    let mut out = Vec::new();
    while let Some(done) = rx.recv().await {
        out.push(done);
    }
    let _ = job.await;
    out
}

/// The Docker task's deletion job: destroys the sessions, then deletes the volumes, reporting
/// each step as it finishes.
pub async fn delete_and_report(
    docker: bollard::Docker,
    req: RequestId,
    sessions: Vec<String>,
    volumes: Vec<DeleteTarget>,
    events: mpsc::Sender<DockerEvent>,
) {
    for container_id in sessions {
        let result = super::lifecycle::destroy_session(&docker, &container_id)
            .await
            .map_err(Failure::from);
        let _ = events
            .send(DockerEvent::SessionDestroyed {
                req,
                container_id,
                result,
            })
            .await;
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    let deleting = tokio::spawn(delete_volumes(docker, volumes, tx));
    while let Some(done) = rx.recv().await {
        let _ = events
            .send(DockerEvent::VolumeDeleted {
                req,
                volume: done.volume,
                result: done.result,
            })
            .await;
    }
    let _ = deleting.await;
    let _ = events.send(DockerEvent::DeleteFinished { req }).await;
}
