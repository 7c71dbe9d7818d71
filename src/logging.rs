//! Logs go to a file, never to the screen the TUI draws on.

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// `$XDG_STATE_HOME/sandkasten-tui/sandkasten-tui.log`, else under `~/.local/state`.
pub fn default_log_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/state")))?;
    Some(base.join("sandkasten-tui").join("sandkasten-tui.log"))
}

/// Starts file logging (level from `SANDKASTEN_TUI_LOG`, default `info`). Logging is a
/// convenience: if the file cannot be opened the program runs without it.
pub fn init(path: Option<PathBuf>) -> Option<WorkerGuard> {
    let path = path.or_else(default_log_path)?;
    let dir = path.parent()?;
    std::fs::create_dir_all(dir).ok()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter =
        EnvFilter::try_from_env("SANDKASTEN_TUI_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}
