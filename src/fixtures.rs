//! Test fixtures: domain objects and states built without an engine, shared by the unit and
//! render tests. Fixed timestamps keep snapshots stable.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::app::state::{ConfigSummary, State};
use crate::config::ConfigSource;
use crate::docker::DockerEvent;
use crate::domain::engine::EngineInfo;
use crate::domain::measure::{Measurement, Strategy};
use crate::domain::session::{MountSummary, PoolInfo, Session, SessionState, SessionWorkspace};
use crate::domain::workspace::{Inventory, Workspace, WorkspaceKind};

pub fn now() -> Timestamp {
    "2026-11-23T12:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

fn hours_ago(h: i64) -> Option<Timestamp> {
    now().checked_sub(jiff::SignedDuration::from_hours(h)).ok()
}

pub fn session(id: &str, state: SessionState, workspace: Option<&str>, age_hours: i64) -> Session {
    let volume = format!("sandkasten-ws-{}", workspace.unwrap_or(id));
    Session {
        id: id.into(),
        container: format!("sandkasten-{id}"),
        container_id: format!("{id}-cid"),
        state,
        status: "Up 2 hours".into(),
        image: "sandbox-runtime:python".into(),
        created_at: hours_ago(age_hours),
        workspace: match workspace {
            Some(ws) => SessionWorkspace::Persistent(ws.into()),
            None => SessionWorkspace::Ephemeral {
                volume: Some(volume.clone()),
            },
        },
        pool: None,
        labels: BTreeMap::from([
            ("sandkasten.managed".into(), "true".into()),
            ("sandkasten.session_id".into(), id.into()),
        ]),
        mounts: vec![MountSummary {
            kind: "volume".into(),
            source: volume,
            destination: "/workspace".into(),
            read_write: true,
        }],
    }
}

pub fn pool_session(id: &str) -> Session {
    let mut s = session(id, SessionState::Running, None, 1);
    s.pool = Some(PoolInfo {
        image: Some("sandbox-runtime:python".into()),
        pooled_at: Some("2026-11-23T11:00:00Z".into()),
    });
    s
}

pub fn workspace(id: &str, used_by: &[&str], age_hours: i64) -> Workspace {
    let volume = format!("sandkasten-ws-{id}");
    Workspace {
        id: id.into(),
        volume: volume.clone(),
        kind: WorkspaceKind::Persistent,
        created_at: hours_ago(age_hours),
        driver: "local".into(),
        mountpoint: format!("/var/lib/docker/volumes/{volume}/_data"),
        labels: BTreeMap::from([
            ("sandkasten.workspace".into(), "true".into()),
            ("sandkasten.workspace_id".into(), id.into()),
        ]),
        options: BTreeMap::new(),
        quota_bytes: None,
        used_by: used_by.iter().map(|s| (*s).to_owned()).collect(),
        other_users: Vec::new(),
        // The container ids `session()` gives these sessions.
        mounted_by: used_by.iter().map(|s| format!("{s}-cid")).collect(),
    }
}

pub fn orphan(id: &str, age_hours: i64) -> Workspace {
    let mut w = workspace(id, &[], age_hours);
    w.kind = WorkspaceKind::OrphanEphemeral;
    w.labels.clear();
    w
}

pub fn inventory() -> Inventory {
    let mut quota = workspace("beta", &[], 72);
    quota.quota_bytes = Some(10 * 1024 * 1024 * 1024);
    quota.options.insert("size".into(), "10G".into());
    Inventory {
        sessions: vec![
            session("s-alpha", SessionState::Running, Some("alpha"), 2),
            session("s-eph", SessionState::Exited, None, 30),
            pool_session("p-1"),
        ],
        workspaces: vec![
            workspace("alpha", &["s-alpha"], 240),
            quota,
            orphan("s-old", 500),
        ],
    }
}

pub fn engine_info() -> EngineInfo {
    EngineInfo {
        endpoint: "unix:///var/run/docker.sock".into(),
        version: "20.10.24".into(),
        api_version: "1.41".into(),
    }
}

pub fn config_summary() -> ConfigSummary {
    ConfigSummary {
        source: ConfigSource::File("sandkasten.yaml".into()),
        workspace_enabled: true,
        read_only: false,
    }
}

/// A state before any engine contact.
pub fn fresh_state() -> State {
    let mut state = State::new(config_summary(), "unix:///var/run/docker.sock".into());
    state.now = now();
    state.sessions_config = crate::app::state::SessionsConfig {
        default_image: "sandbox-runtime:python".into(),
        images: vec![
            "sandbox-runtime:python".into(),
            "sandbox-runtime:base".into(),
        ],
        defaults: crate::domain::session::Defaults::default(),
        persist_by_default: false,
    };
    state
}

/// A walk's figures: nothing inside modified or changed for `idle_hours`.
pub fn measurement(bytes: u64, files: u64, idle_hours: i64) -> Measurement {
    Measurement {
        bytes,
        files: Some(files),
        newest_mtime: hours_ago(idle_hours),
        newest_ctime: hours_ago(idle_hours),
        measured_at: now()
            .checked_sub(jiff::SignedDuration::from_mins(2))
            .unwrap_or(now()),
    }
}

/// Sizes for the fixture inventory: alpha busy, beta at 80% of its quota, s-old small and idle.
pub fn measurements() -> Vec<(String, Result<Measurement, crate::domain::outcome::Failure>)> {
    vec![
        (
            "sandkasten-ws-alpha".into(),
            Ok(measurement(1_572_864, 42, 1)),
        ),
        (
            "sandkasten-ws-beta".into(),
            Ok(measurement(8 * 1024 * 1024 * 1024, 1200, 72)),
        ),
        (
            "sandkasten-ws-s-old".into(),
            Ok(measurement(12_288, 3, 480)),
        ),
    ]
}

/// A connected state with the fixture inventory and its sizes applied.
pub fn loaded_state() -> State {
    let mut state = fresh_state();
    for event in [
        DockerEvent::Connected(engine_info()),
        DockerEvent::Inventory(inventory()),
        DockerEvent::SizeStrategy(Strategy::Walk),
        DockerEvent::Measured(measurements()),
    ] {
        crate::app::update::update(&mut state, event);
    }
    state
}

/// What the loop does between keys: a frame is drawn, then the next key arrives after it (an
/// operator's reaction time later).
/// Tests call it before a confirmation that an operator could only type after seeing it.
pub fn frame_drawn(state: &mut State) {
    let input_seq = state.key_seq;
    let layout = crate::app::msg::Layout {
        input_seq,
        ..Default::default()
    };
    crate::app::harness::drawn_before(state, layout, crate::app::state::REACTION);
    state.key_seq += 1;
}

/// The browser open on `files`, with no editor.
pub fn browse(state: &mut State, files: crate::app::files::FilesView) {
    state.screen = crate::app::screen::Screen::Files(Box::new(crate::app::screen::FilesScreen {
        browser: files,
        editor: None,
    }));
}

/// The editor open on one of the browser's files (the browser must be open).
pub fn edit(state: &mut State, editor: crate::app::files::EditorView) {
    if let Some(files) = state.files_screen_mut() {
        files.editor = Some(editor);
    }
}

/// An editor on `path` holding `lines` (LF, final newline), read at mtime 1 / size 2,
/// `dirty` or not, no save in flight: tests change what they need with `..editor(..)`.
pub fn editor(path: &str, lines: &[&str], dirty: bool) -> crate::app::files::EditorView {
    crate::app::files::EditorView {
        path: crate::domain::files::FsPath::parse(path).unwrap_or_else(|e| panic!("{e}")),
        textarea: ratatui_textarea::TextArea::new(lines.iter().map(|l| l.to_string()).collect()),
        ending: crate::app::files::LineEnding::Lf,
        final_newline: true,
        version: crate::domain::files::Version {
            mtime_ns: 1,
            size: 2,
            ..Default::default()
        },
        dirty,
        saving: None,
        sent: Vec::new(),
        close_after_save: false,
        search: None,
    }
}

/// The yes/no question on top, when that is what has the keys.
pub fn question(state: &State) -> Option<&crate::app::confirm::Confirm> {
    match state.dialog() {
        Some(crate::app::dialog::Dialog::Confirm(c)) => Some(c),
        _ => None,
    }
}
