//! Pure `update` tests for cleanup: what makes figures fresh again (writes through this tool,
//! any container that stops), what a deletion request carries, and how its progress counts.

use super::*;
use crate::app::dialog::Dialog;
use crate::app::files::{Connection, EditorView, FilesView};
use crate::app::state::DeleteProgress;
use crate::cleanup::Pick;
use crate::docker::delete::VolumeOutcome;
use crate::docker::{DockerCmd, DockerEvent};
use crate::domain::file_ops::{FileChange, Transferred};
use crate::domain::files::{FsPath, Version};
use crate::domain::ids::RequestId;
use crate::domain::outcome::{Failure, FailureKind};
use crate::domain::session::SessionState;
use crate::fixtures;
use crate::workspace_fs::task::FsEvent;

/// Volumes that the commands ask to measure.
fn measured(commands: &[Command]) -> Vec<String> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Docker(DockerCmd::Measure { volumes }) => Some(volumes),
            _ => None,
        })
        .flatten()
        .map(|(v, _)| v.clone())
        .collect()
}

fn browsing_alpha() -> State {
    let mut state = fixtures::loaded_state();
    let mut files = FilesView::new(
        "sandkasten-ws-alpha".into(),
        "workspace alpha".into(),
        RequestId(1),
    );
    files.connection = Connection::Ready;
    fixtures::browse(&mut state, files);
    state
}

#[test]
fn a_save_through_the_editor_measures_that_workspace_again() {
    let mut state = browsing_alpha();
    let version = Version {
        mtime_ns: 1,
        size: 2,
        ..Default::default()
    };
    fixtures::edit(
        &mut state,
        EditorView {
            version,
            saving: Some(RequestId(7)),
            ..fixtures::editor("a.txt", &["x"], true)
        },
    );
    let commands = update(
        &mut state,
        Msg::Fs(FsEvent::Saved {
            req: RequestId(7),
            path: FsPath::parse("a.txt").unwrap(),
            result: Ok(version),
        }),
    );
    assert_eq!(measured(&commands), ["sandkasten-ws-alpha"]);
}

#[test]
fn a_rename_or_removal_in_the_browser_measures_that_workspace_again() {
    let mut state = browsing_alpha();
    if let Some(files) = state.files_mut() {
        files.changing = Some(RequestId(8));
    }
    let commands = update(
        &mut state,
        Msg::Fs(FsEvent::Changed {
            req: RequestId(8),
            change: FileChange::Removed {
                path: FsPath::parse("old.txt").unwrap(),
                was_dir: false,
            },
            result: Ok(()),
        }),
    );
    assert_eq!(measured(&commands), ["sandkasten-ws-alpha"]);
}

#[test]
fn a_foreign_container_that_dies_measures_the_workspace_it_mounted() {
    let mut state = fixtures::loaded_state();
    let mut inventory = fixtures::inventory();
    let beta = &mut inventory.workspaces[1];
    beta.other_users = vec!["backup-job".into()];
    beta.mounted_by = vec!["backup-cid".into()];
    update(&mut state, Msg::Docker(DockerEvent::Inventory(inventory)));
    let commands = update(
        &mut state,
        Msg::Docker(DockerEvent::ContainerEnded {
            container_id: "backup-cid".into(),
        }),
    );
    assert_eq!(measured(&commands), ["sandkasten-ws-beta"]);
    let commands = update(
        &mut state,
        Msg::Docker(DockerEvent::ContainerEnded {
            container_id: "unrelated-cid".into(),
        }),
    );
    assert!(measured(&commands).is_empty());
}

#[test]
fn planner_deletions_carry_their_rule_and_marked_ones_are_by_hand() {
    let mut state = fixtures::loaded_state();
    update(&mut state, Action::FocusWorkspaces);
    update(&mut state, Action::OpenPlanner);
    for c in "1d".chars() {
        update(&mut state, Msg::Text(c));
    }
    fixtures::frame_drawn(&mut state);
    update(&mut state, Action::Confirm); // the delete dialog takes over
    fixtures::frame_drawn(&mut state);
    let commands = update(&mut state, Action::Confirm);
    let picks: Vec<&Pick> = commands
        .iter()
        .filter_map(|c| match c {
            Command::Docker(DockerCmd::Delete { volumes, .. }) => Some(volumes),
            _ => None,
        })
        .flatten()
        .map(|t| &t.pick)
        .collect();
    assert!(!picks.is_empty(), "{commands:?}");
    assert!(
        picks
            .iter()
            .all(|p| matches!(p, Pick::Rule(r) if r.older_than.is_some())),
        "{picks:?}"
    );
}

#[test]
fn deletion_progress_counts_each_step_once_and_never_passes_its_total() {
    let mut state = fixtures::loaded_state();
    let volumes = ["v1".to_owned(), "v2".to_owned(), "v3".to_owned()];
    state.workspaces.deleting = Some(DeleteProgress::new(
        RequestId(5),
        &["c1".to_owned()],
        &volumes,
    ));
    let docker = |state: &mut State, event| update(state, Msg::Docker(event));
    docker(
        &mut state,
        DockerEvent::SessionDestroyed {
            req: RequestId(5),
            container_id: "c1".into(),
            result: Err(Failure::new(FailureKind::Other, "boom")),
        },
    );
    let volume = |volume: &str, result| DockerEvent::VolumeDeleted {
        req: RequestId(5),
        volume: volume.into(),
        result,
    };
    docker(
        &mut state,
        volume(
            "v1",
            Ok(VolumeOutcome::Kept("changed since planned: kept".into())),
        ),
    );
    docker(&mut state, volume("v1", Ok(VolumeOutcome::Deleted))); // a repeat: not counted
    docker(&mut state, volume("v9", Ok(VolumeOutcome::Deleted))); // not in this request
    docker(
        &mut state,
        volume("v2", Err(Failure::new(FailureKind::Other, "500"))),
    );
    let progress = state.workspaces.deleting.as_ref().unwrap();
    assert_eq!((progress.done(), progress.total()), (3, 4));
    docker(
        &mut state,
        DockerEvent::DeleteFinished { req: RequestId(5) },
    );
    let Some(Dialog::Report(report)) = state.dialog() else {
        panic!("a report: {:?}", state.dialog());
    };
    assert!(report.deleted.is_empty());
    assert_eq!(report.kept.len(), 1);
    assert_eq!(report.failed.len(), 2, "the session and v2");
    assert_eq!(report.not_done, 1, "v3 never reported");
}

#[test]
fn a_volume_the_engine_keeps_because_it_is_in_use_is_reported_kept_not_failed() {
    let mut state = fixtures::loaded_state();
    let volumes = ["v1".to_owned(), "v2".to_owned()];
    state.workspaces.deleting = Some(DeleteProgress::new(RequestId(5), &[], &volumes));
    let in_use = Failure::new(
        FailureKind::InUse,
        "remove v1: volume is in use - [4f3c] (409)",
    );
    for (volume, result) in [("v1", Err(in_use)), ("v2", Ok(VolumeOutcome::Deleted))] {
        let commands = update(
            &mut state,
            Msg::Docker(DockerEvent::VolumeDeleted {
                req: RequestId(5),
                volume: volume.into(),
                result,
            }),
        );
        assert!(commands.is_empty(), "{commands:?}");
    }
    update(
        &mut state,
        Msg::Docker(DockerEvent::DeleteFinished { req: RequestId(5) }),
    );
    let notice = state.notice.clone().unwrap();
    assert_eq!(notice.level, NoticeLevel::Info, "nothing failed");
    assert_eq!(
        notice.text,
        "Deleted 1 workspace volume(s); 1 kept (in use)"
    );
    let Some(Dialog::Report(report)) = state.dialog() else {
        panic!("a report: {:?}", state.dialog());
    };
    assert!(report.failed.is_empty());
    assert_eq!(
        report.kept,
        [(
            "v1".to_owned(),
            "in use, kept: remove v1: volume is in use - [4f3c] (409)".to_owned()
        )]
    );
}

#[test]
fn a_volume_gone_before_its_deletion_refreshes_the_inventory() {
    let mut state = fixtures::loaded_state();
    state.workspaces.deleting = Some(DeleteProgress::new(RequestId(5), &[], &["v1".to_owned()]));
    let commands = update(
        &mut state,
        Msg::Docker(DockerEvent::VolumeDeleted {
            req: RequestId(5),
            volume: "v1".into(),
            result: Err(Failure::new(FailureKind::NotFound, "v1 no longer exists")),
        }),
    );
    assert_eq!(commands, [Command::Docker(DockerCmd::Refresh)]);
    let progress = state.workspaces.deleting.as_ref().unwrap();
    assert_eq!(
        progress.report.failed,
        [(
            "v1".to_owned(),
            "v1 no longer exists — gone meanwhile; the list refreshes".to_owned()
        )]
    );
}

#[test]
fn a_deletion_refused_while_the_engine_is_down_reports_nothing_done() {
    let mut state = fixtures::loaded_state();
    state.workspaces.deleting = Some(DeleteProgress::new(RequestId(6), &[], &["v1".to_owned()]));
    update(
        &mut state,
        Msg::Docker(DockerEvent::DeleteFinished { req: RequestId(6) }),
    );
    let Some(Dialog::Report(report)) = state.dialog() else {
        panic!("a report: {:?}", state.dialog());
    };
    assert_eq!((report.deleted.len(), report.not_done), (0, 1));
}

#[test]
fn destroying_sessions_first_names_only_the_container_that_mounts_the_workspace() {
    let mut state = fixtures::fresh_state();
    let mut inventory = fixtures::inventory();
    // A second container with the same session id (labels can repeat), on its own storage.
    let mut twin = fixtures::session("s-alpha", SessionState::Running, None, 1);
    twin.container_id = "twin-cid".into();
    twin.container = "sandkasten-s-alpha-twin".into();
    inventory.sessions.push(twin);
    for event in [
        DockerEvent::Connected(fixtures::engine_info()),
        DockerEvent::Inventory(inventory),
        DockerEvent::Measured(fixtures::measurements()),
    ] {
        update(&mut state, Msg::Docker(event));
    }
    update(&mut state, Action::FocusWorkspaces); // alpha, mounted by s-alpha-cid only
    update(&mut state, Action::Delete);
    fixtures::frame_drawn(&mut state);
    update(&mut state, Action::DestroySessions);
    fixtures::frame_drawn(&mut state);
    update(&mut state, Msg::Text('1')); // the count typed back
    fixtures::frame_drawn(&mut state);
    let commands = update(&mut state, Action::Confirm);
    let [
        Command::Docker(DockerCmd::Delete {
            destroy_sessions,
            volumes,
            ..
        }),
    ] = commands.as_slice()
    else {
        panic!("a deletion: {commands:?} {:?}", state.dialog());
    };
    assert_eq!(destroy_sessions, &["s-alpha-cid"]);
    let names: Vec<&str> = volumes.iter().map(|t| t.volume.as_str()).collect();
    assert_eq!(names, ["sandkasten-ws-alpha"]);
}

#[test]
fn an_upload_that_ends_measures_that_workspace_again() {
    // Even a failed upload may have written part of its files.
    let uploaded = Transferred::Uploaded {
        from: "data".into(),
        to: FsPath::parse("data").unwrap(),
        files: 1,
        bytes: 3,
    };
    let full = Failure::new(FailureKind::Other, "disk full");
    for result in [Ok(uploaded), Err(full), Ok(Transferred::Cancelled)] {
        let mut state = browsing_alpha();
        if let Some(files) = state.files_mut() {
            files.transfer = Some(crate::app::files::Transfer {
                req: RequestId(9),
                what: "uploading data".into(),
                bytes: 0,
            });
        }
        let commands = update(
            &mut state,
            Msg::Fs(FsEvent::TransferDone {
                req: RequestId(9),
                result,
            }),
        );
        assert_eq!(measured(&commands), ["sandkasten-ws-alpha"]);
    }
}

#[test]
fn a_volume_released_by_a_container_no_listing_saw_measures_that_workspace_again() {
    // beta's `mounted_by` is empty: the container lived between two listings.
    let mut state = fixtures::loaded_state();
    let commands = update(
        &mut state,
        Msg::Docker(DockerEvent::VolumeReleased {
            volume: "sandkasten-ws-beta".into(),
        }),
    );
    assert_eq!(measured(&commands), ["sandkasten-ws-beta"]);
    // A volume that is not a workspace shown here is not measured.
    let commands = update(
        &mut state,
        Msg::Docker(DockerEvent::VolumeReleased {
            volume: "postgres-data".into(),
        }),
    );
    assert!(measured(&commands).is_empty());
}
