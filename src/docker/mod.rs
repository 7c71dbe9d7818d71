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
pub mod endpoint;
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
use crate::domain::outcome::Failure;
use crate::domain::session::{
    CreatedSession, Destroyed, SessionChange, SessionDetail, SessionSpec,
};
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

/// Reports from the Docker task. A request's answer carries its outcome as a value or a typed
/// [`Failure`] (the engine's own reason in its detail); the words are update's.
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
    RefreshFailed(Failure),
    SessionDetail {
        req: RequestId,
        container_id: String,
        result: Result<Box<SessionDetail>, Failure>,
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
    Measured(Vec<(String, Result<Measurement, Failure>)>),
    SessionDestroyed {
        req: RequestId,
        container_id: String,
        result: Result<Destroyed, Failure>,
    },
    /// One volume of a deletion: removed or kept on purpose, or why the removal failed.
    VolumeDeleted {
        req: RequestId,
        volume: String,
        result: Result<delete::VolumeOutcome, Failure>,
    },
    DeleteFinished {
        req: RequestId,
    },
    /// The volume made for the workspace, or why not.
    WorkspaceCreated {
        req: RequestId,
        result: Result<String, Failure>,
    },
    SessionCreated {
        req: RequestId,
        result: Result<CreatedSession, Failure>,
        attach: bool,
    },
    /// A session command (start, stop, destroy) on `container_id` finished: what it did.
    SessionChanged {
        req: RequestId,
        container_id: String,
        result: Result<SessionChange, Failure>,
    },
    LogLines {
        req: RequestId,
        lines: Vec<String>,
    },
    /// The log stream ended: `Ok` when the engine ended it (the session stopped or is gone),
    /// else why it broke.
    LogsEnded {
        req: RequestId,
        result: Result<(), Failure>,
    },
    /// The answer to `PrepareShell`: a shell ready to attach, or why not.
    ShellPrepared {
        req: RequestId,
        result: Result<PreparedShell, Failure>,
    },
}
