//! Reports from the Docker task: connection state, inventories (which carry measurements over
//! and start new ones), measurements, deletion progress, creation. Failures are put in words
//! here (`wording`); one that says something is gone refreshes the inventory.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use super::{notice, wording};
use crate::app::dialog::{Dialog, Report};
use crate::app::msg::Command;
use crate::app::state::{DetailState, EngineStatus, NoticeLevel, State};
use crate::app::workspace_row::WorkspaceRow;
use crate::docker::delete::VolumeOutcome;
use crate::docker::{DockerCmd, DockerEvent};
use crate::domain::ids::{RequestId, short_container_id};
use crate::domain::measure::Measurement;
use crate::domain::outcome::{Failure, FailureKind};
use crate::domain::session::{SessionDetail, SessionState};
use crate::domain::workspace::Inventory;

pub fn on_event(state: &mut State, event: DockerEvent) -> Vec<Command> {
    match event {
        DockerEvent::Connecting { endpoint, attempt } => {
            // While down, keep saying why; the retry itself is not news.
            if attempt == 1 && !matches!(state.engine, EngineStatus::Unreachable { .. }) {
                state.engine = EngineStatus::Connecting { endpoint };
            }
        }
        DockerEvent::Connected(info) => {
            if matches!(state.engine, EngineStatus::Unreachable { .. }) {
                notice(
                    state,
                    NoticeLevel::Info,
                    format!("Reconnected to the engine at {}", info.endpoint),
                );
            }
            state.engine = EngineStatus::Connected(info);
        }
        DockerEvent::Unreachable {
            endpoint,
            reason,
            attempt,
            retry_in_ms,
        } => {
            state.stale = state.loaded;
            // Requests in flight will never answer on this connection: end them here.
            state
                .sessions
                .details
                .retain(|_, d| !matches!(d, DetailState::Loading { .. }));
            state.workspaces.list.update_rows(|rows| {
                for row in rows.iter_mut().filter(|r| r.measuring) {
                    row.measuring = false;
                    row.size_error = Some("the engine went away while measuring".into());
                }
            });
            state.workspaces.measure_round = 0;
            if let Some(progress) = state.workspaces.deleting.take() {
                // Steps in flight will never report on this connection: counted as not done.
                let (done, total) = (progress.done(), progress.total());
                let report = progress.finish();
                notice(
                    state,
                    NoticeLevel::Error,
                    format!(
                        "Deletion interrupted after {done} of {total}: the engine went away ({reason})"
                    ),
                );
                show_report(state, report);
            }
            if let Some(logs) = state.logs_mut() {
                logs.ended
                    .get_or_insert_with(|| "the engine went away".into());
            }
            super::sessions::on_engine_lost(state);
            state.engine = EngineStatus::Unreachable {
                endpoint,
                reason,
                attempt,
                retry_in_ms,
            };
        }
        DockerEvent::Inventory(inventory) => return apply_inventory(state, inventory),
        DockerEvent::RefreshFailed(why) => {
            notice(
                state,
                NoticeLevel::Error,
                wording::failed("Refresh failed", &why),
            );
        }
        DockerEvent::SessionDetail {
            req,
            container_id,
            result,
        } => return apply_detail(state, req, container_id, result),
        DockerEvent::SizeStrategy(strategy) => state.workspaces.strategy = Some(strategy),
        DockerEvent::Measured(results) => apply_measurements(state, results),
        DockerEvent::ContainerEnded { container_id } => {
            // Any container that mounted a workspace may have written to it until now.
            let volumes: Vec<String> = state
                .workspaces
                .list
                .rows()
                .iter()
                .filter(|r| r.ws.mounted_by.contains(&container_id))
                .map(|r| r.ws.volume.clone())
                .collect();
            return measure(state, volumes);
        }
        // Only volumes shown as workspaces are measured (`measure` ignores the rest).
        DockerEvent::VolumeReleased { volume } => return measure(state, vec![volume]),
        DockerEvent::SessionDestroyed {
            req,
            container_id,
            result,
        } => {
            let mut gone = false;
            if let Some(progress) = state.workspaces.deleting.as_mut().filter(|p| p.req == req)
                && progress.take_session(&container_id)
            {
                match result {
                    Ok(done) => progress
                        .report
                        .destroyed
                        .push(format!("session {}", done.session_id)),
                    Err(why) => {
                        gone = why.kind == FailureKind::NotFound;
                        let what = format!("session {}", short_container_id(&container_id));
                        progress.report.failed.push((what, wording::failure(&why)));
                    }
                }
            }
            return refresh_if(gone);
        }
        DockerEvent::VolumeDeleted {
            req,
            volume,
            result,
        } => {
            let mut gone = false;
            if let Some(progress) = state.workspaces.deleting.as_mut().filter(|p| p.req == req)
                && progress.take_volume(&volume)
            {
                let report = &mut progress.report;
                match result {
                    Ok(VolumeOutcome::Deleted) => report.deleted.push(volume.clone()),
                    Ok(VolumeOutcome::Kept(why)) => report.kept.push((volume.clone(), why)),
                    // A container mounts it (a session started on it since it was planned):
                    // the engine kept it, and nothing was lost.
                    Err(why) if why.kind == FailureKind::InUse => {
                        progress.kept_in_use += 1;
                        report
                            .kept
                            .push((volume.clone(), wording::kept_in_use(&why)));
                    }
                    Err(why) => {
                        gone = why.kind == FailureKind::NotFound;
                        report.failed.push((volume.clone(), wording::failure(&why)));
                    }
                }
            }
            state.workspaces.marked.remove(&volume);
            return refresh_if(gone);
        }
        DockerEvent::DeleteFinished { req } => finish_delete(state, req),
        DockerEvent::SessionCreated { result, attach, .. } => {
            return super::sessions::on_created(state, result, attach);
        }
        DockerEvent::ShellPrepared { req, result } => {
            return super::sessions::on_shell_prepared(state, req, result);
        }
        DockerEvent::SessionChanged {
            container_id,
            result,
            ..
        } => return super::sessions::on_changed(state, &container_id, result),
        DockerEvent::LogLines { req, lines } => {
            if let Some(logs) = state.logs_mut().filter(|l| l.req == req) {
                logs.push(lines);
            }
        }
        DockerEvent::LogsEnded { req, result } => {
            let Some(logs) = state.logs_mut().filter(|l| l.req == req) else {
                return Vec::new();
            };
            let gone = matches!(&result, Err(why) if why.kind == FailureKind::NotFound);
            logs.ended = Some(match result {
                Ok(()) => "the log stream ended (the session stopped or is gone)".to_owned(),
                Err(why) => wording::failure(&why),
            });
            return refresh_if(gone);
        }
        DockerEvent::WorkspaceCreated { req, result } => {
            if state.workspaces.creating == Some(req) {
                state.workspaces.creating = None;
                match result {
                    Ok(volume) => notice(state, NoticeLevel::Info, format!("Created {volume}")),
                    Err(why) => notice(
                        state,
                        NoticeLevel::Error,
                        wording::failed("Creating the workspace failed", &why),
                    ),
                }
            }
        }
    }
    Vec::new()
}

/// A refresh of the inventory when an answer said something is gone: what the operator acted
/// on is no longer there, and the list must show so (the words say it refreshes).
pub(super) fn refresh_if(gone: bool) -> Vec<Command> {
    if gone {
        vec![Command::Docker(DockerCmd::Refresh)]
    } else {
        Vec::new()
    }
}

fn apply_detail(
    state: &mut State,
    req: RequestId,
    container_id: String,
    result: Result<Box<SessionDetail>, Failure>,
) -> Vec<Command> {
    let Some(DetailState::Loading {
        req: pending,
        state: for_state,
    }) = state.sessions.details.get(&container_id)
    else {
        return Vec::new(); // not asked for any more
    };
    if *pending != req {
        return Vec::new(); // an older request; a newer one is on its way
    }
    let for_state = *for_state;
    let mut gone = false;
    let detail = match result {
        Ok(detail) => DetailState::Ready {
            detail,
            state: for_state,
        },
        Err(why) => {
            gone = why.kind == FailureKind::NotFound;
            DetailState::Failed {
                reason: wording::failure(&why),
                state: for_state,
            }
        }
    };
    state.sessions.details.insert(container_id, detail);
    refresh_if(gone)
}

/// Applies a new inventory. Measurements carry over by volume; volumes never measured, and
/// workspaces whose sessions just stopped (they may have written until then), are measured.
fn apply_inventory(state: &mut State, inventory: Inventory) -> Vec<Command> {
    let Inventory {
        sessions,
        workspaces,
    } = inventory;
    // Forget details of containers that are gone or changed state: limits can change on restart.
    state.sessions.details.retain(|id, detail| {
        sessions
            .iter()
            .any(|s| &s.container_id == id && s.state == detail.for_state())
    });
    let stopped: HashSet<String> = state
        .sessions
        .list
        .rows()
        .iter()
        .filter(|old| old.state == SessionState::Running)
        .filter(|old| {
            !sessions.iter().any(|new| {
                new.container_id == old.container_id && new.state == SessionState::Running
            })
        })
        .filter_map(|old| old.workspace_id().map(|ws| format!("sandkasten-ws-{ws}")))
        .collect();
    let mut previous: HashMap<String, WorkspaceRow> = state
        .workspaces
        .list
        .rows()
        .iter()
        .map(|r| (r.ws.volume.clone(), r.clone()))
        .collect();
    let mut to_measure = Vec::new();
    let rows: Vec<WorkspaceRow> = workspaces
        .into_iter()
        .map(|ws| {
            let mut row = WorkspaceRow::new(ws);
            if let Some(old) = previous.remove(&row.ws.volume) {
                row.measurement = old.measurement;
                row.measuring = old.measuring;
                row.size_error = old.size_error;
            }
            let never_measured =
                row.measurement.is_none() && !row.measuring && row.size_error.is_none();
            if never_measured || stopped.contains(&row.ws.volume) {
                to_measure.push(row.ws.volume.clone());
            }
            row
        })
        .collect();
    state.sessions.list.set_rows(sessions);
    state.workspaces.list.set_rows(rows);
    let present: HashSet<&str> = state
        .workspaces
        .list
        .rows()
        .iter()
        .map(|r| r.ws.volume.as_str())
        .collect();
    state
        .workspaces
        .marked
        .retain(|v| present.contains(v.as_str()));
    state.loaded = true;
    state.stale = false;
    refresh_planner_preview(state);
    measure(state, to_measure)
}

/// Marks the volumes as measuring and asks the Docker task to measure them.
pub fn measure(state: &mut State, volumes: Vec<String>) -> Vec<Command> {
    let wanted: HashSet<String> = volumes.into_iter().collect();
    let mut targets = Vec::new();
    state.workspaces.list.update_rows(|rows| {
        for row in rows
            .iter_mut()
            .filter(|r| wanted.contains(&r.ws.volume) && !r.measuring)
        {
            row.measuring = true;
            targets.push((row.ws.volume.clone(), PathBuf::from(&row.ws.mountpoint)));
        }
    });
    if targets.is_empty() {
        return Vec::new();
    }
    if state.workspaces.measuring() == targets.len() {
        state.workspaces.measure_round = 0; // a new round starts
    }
    state.workspaces.measure_round += targets.len();
    vec![Command::Docker(DockerCmd::Measure { volumes: targets })]
}

fn apply_measurements(state: &mut State, results: Vec<(String, Result<Measurement, Failure>)>) {
    let results: HashMap<String, _> = results.into_iter().collect();
    state.workspaces.list.update_rows(|rows| {
        for row in rows.iter_mut() {
            if let Some(result) = results.get(&row.ws.volume) {
                row.measuring = false;
                match result {
                    Ok(m) => {
                        row.measurement = Some(*m);
                        row.size_error = None;
                    }
                    // The reason alone: it is shown where the size would be.
                    Err(why) => row.size_error = Some(why.detail.clone()),
                }
            }
        }
    });
    if state.workspaces.measuring() == 0 {
        state.workspaces.measure_round = 0;
    }
    refresh_planner_preview(state);
}

/// Sizes or rows changed: what the planner's rule selects may have too.
fn refresh_planner_preview(state: &mut State) {
    super::dialogs::recompute_preview(state);
}

fn finish_delete(state: &mut State, req: RequestId) {
    let Some(progress) = state.workspaces.deleting.take_if(|p| p.req == req) else {
        return;
    };
    let total = progress.total();
    let in_use = progress.kept_in_use;
    let report = progress.finish();
    let mut text = format!("Deleted {} workspace volume(s)", report.deleted.len());
    if !report.destroyed.is_empty() {
        text.push_str(&format!(
            " after destroying {} session(s)",
            report.destroyed.len()
        ));
    }
    let changed = report.kept.len().saturating_sub(in_use);
    if changed > 0 {
        text.push_str(&format!("; {changed} kept (changed since planned)"));
    }
    if in_use > 0 {
        text.push_str(&format!("; {in_use} kept (in use)"));
    }
    let problems = report.failed.len() + report.not_done;
    if problems == 0 {
        notice(state, NoticeLevel::Info, text);
    } else {
        text.push_str(&format!("; {problems} of {total} steps failed or not done"));
        notice(state, NoticeLevel::Error, text);
    }
    if report.needs_attention() {
        show_report(state, report);
    }
}

/// Failures and kept picks get a dialog, each with its reason; over another dialog (maybe
/// with typed text) it stacks, and closing it shows that one again.
fn show_report(state: &mut State, report: Report) {
    state.open_dialog(Dialog::Report(report));
}
