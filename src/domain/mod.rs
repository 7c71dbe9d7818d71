//! The domain: what sandkasten leaves on a Docker host (sessions, workspaces, their sizes),
//! the names and labels that identify it, ids, file paths inside a workspace, what file
//! operations did, and typed failures. Plain data and pure functions only: no IO, no engine client (bollard), no async
//! runtime, no terminal. Everything else imports these types from here; `docker/` converts the
//! engine's models into them (docker/model.rs) and nothing here knows that engine.

pub mod engine;
pub mod file_ops;
pub mod files;
pub mod ids;
pub mod labels;
pub mod measure;
pub mod outcome;
pub mod session;
pub mod shell;
pub mod workspace;
