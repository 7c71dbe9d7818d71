//! What a shell attach is aimed at. Plain data: running the shell is tui/handoff.rs's job,
//! starting the exec docker/exec.rs's.

/// What to attach to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellTarget {
    pub session: String,
    pub container: String,
    /// Start the container first (the operator confirmed).
    pub start_first: bool,
}
