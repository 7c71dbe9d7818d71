//! Everything that talks to the Docker Engine API. The backend task (`task`) owns the bollard
//! client: it connects and reconnects, and lends its current client through [`EngineLink`] to
//! the code that makes its own engine calls (the files task, a prepared shell); the UI sends it
//! `DockerCmd`s and receives `DockerEvent`s. The domain types it speaks in live in
//! crate::domain (`model` converts bollard's models into them). Nothing here draws, and nothing
//! here imports app/ or ui/.

mod connect;
pub mod deadline;
pub mod delete;
mod detail;
mod error;
mod events;
pub mod exec;
mod inventory;
mod jobs;
mod leftovers;
pub mod lifecycle;
mod link;
pub mod logs;
pub mod measure;
pub mod model;
pub mod shell;
pub mod sizes;
mod task;

pub use connect::{Engine, connect, connect_at, endpoint_description};
pub use detail::inspect_session;
pub use error::DockerError;
pub use inventory::fetch_inventory;
pub use link::EngineLink;
pub use task::{DockerHandle, spawn, spawn_at};

use std::path::PathBuf;

use crate::domain::engine::EngineInfo;
use crate::domain::ids::RequestId;
use crate::domain::measure::{Measurement, Strategy};
use crate::domain::session::{CreatedSession, Destroyed, SessionDetail, SessionSpec};
use crate::domain::shell::ShellTarget;
use crate::domain::workspace::Inventory;
use shell::PreparedShell;

/// Requests to the Docker task.
#[derive(Debug, Clone, PartialEq)]
pub enum DockerCmd {
    /// List sessions and workspaces again now (normally the events stream drives this).
    Refresh,
    /// Inspect one session container for the detail pane.
    InspectSession {
        req: RequestId,
        container_id: String,
    },
    /// Measure these volumes (name, mountpoint); results stream back as `Measured`.
    Measure {
        volumes: Vec<(String, PathBuf)>,
    },
    /// Destroy these sessions (container ids) first, then delete these volumes; each one a
    /// rule picked is measured again and kept when the rule no longer holds.
    Delete {
        req: RequestId,
        destroy_sessions: Vec<String>,
        volumes: Vec<delete::DeleteTarget>,
    },
    CreateWorkspace {
        req: RequestId,
        id: String,
    },
    /// Create and start a session; `attach` is passed back so the UI can open its shell.
    CreateSession {
        req: RequestId,
        spec: Box<SessionSpec>,
        attach: bool,
    },
    DestroySession {
        req: RequestId,
        container_id: String,
    },
    SetRunning {
        req: RequestId,
        container_id: String,
        run: bool,
    },
    /// Stream a session's logs (the tail, then new lines) as `LogLines` until `StopLogs`.
    FollowLogs {
        req: RequestId,
        container_id: String,
    },
    StopLogs {
        req: RequestId,
    },
    /// Start the session if `target` asks for it, find its shell and create the exec; answered
    /// by `ShellPrepared`. The terminal is not touched: the UI stays live meanwhile.
    PrepareShell {
        req: RequestId,
        target: ShellTarget,
    },
    /// End what a shell started (sent after every shell, however it ended, and for a prepared
    /// shell that was never attached): run at once when connected, else kept and run again on
    /// every reconnect until it succeeds (bounded).
    EndShell(exec::ShellCleanup),
}

/// Reports from the Docker task.
#[derive(Debug, Clone, PartialEq)]
pub enum DockerEvent {
    /// Trying to reach the engine (first time or after a loss).
    Connecting {
        endpoint: String,
        attempt: u32,
    },
    Connected(EngineInfo),
    /// The engine cannot be reached; the task retries by itself after `retry_in_ms`.
    Unreachable {
        endpoint: String,
        reason: String,
        attempt: u32,
        retry_in_ms: u64,
    },
    Inventory(Inventory),
    /// A refresh failed while connected (e.g. the daemon answered 500).
    RefreshFailed(String),
    SessionDetail {
        req: RequestId,
        container_id: String,
        result: Result<Box<SessionDetail>, String>,
    },
    /// How sizes are measured on this host (sent once, before the first results).
    SizeStrategy(Strategy),
    /// A container (any, sandkasten's or not) died or was destroyed: the workspaces it mounted
    /// may have changed until then.
    ContainerEnded {
        container_id: String,
    },
    /// A container (any, even one no listing saw) unmounted this volume: it may have been
    /// written until then.
    VolumeReleased {
        volume: String,
    },
    /// A batch of measurements, by volume name.
    Measured(Vec<(String, Result<Measurement, String>)>),
    SessionDestroyed {
        req: RequestId,
        container_id: String,
        result: Result<Destroyed, String>,
    },
    VolumeDeleted {
        req: RequestId,
        volume: String,
        outcome: delete::VolumeOutcome,
    },
    DeleteFinished {
        req: RequestId,
    },
    WorkspaceCreated {
        req: RequestId,
        result: Result<String, String>,
    },
    SessionCreated {
        req: RequestId,
        result: Result<CreatedSession, String>,
        attach: bool,
    },
    /// A session command finished: what happened, for the status bar.
    SessionChanged {
        req: RequestId,
        result: Result<String, String>,
    },
    LogLines {
        req: RequestId,
        lines: Vec<String>,
    },
    /// The log stream ended (the container is gone, or the engine went away).
    LogsEnded {
        req: RequestId,
        reason: String,
    },
    /// The answer to `PrepareShell`: a shell ready to attach, or why not.
    ShellPrepared {
        req: RequestId,
        result: Result<PreparedShell, String>,
    },
}
