//! Command-line interface: the arguments (clap) and the non-interactive commands, which reuse
//! `docker/` and the domain types and print tables or JSON. Errors go to stderr.

mod json;
mod list;
mod prune;
mod session;
mod table;
mod workspace;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::LoadedConfig;
use crate::domain::outcome::FailureKind;

/// Exit codes, documented in the README.
pub mod exit {
    pub const OK: u8 = 0;
    /// The engine could not be reached or refused a request.
    pub const ENGINE: u8 = 1;
    /// Bad arguments or configuration (clap also uses 2 for usage errors).
    pub const USAGE: u8 = 2;
    /// Nothing was changed: not confirmed, read-only mode, or workspaces disabled.
    pub const REFUSED: u8 = 3;
    /// Some deletions failed; the others went through (each is reported).
    pub const PARTIAL: u8 = 4;
    /// `session shell`: the terminal hung up (or SIGHUP) during the attach (128 + SIGHUP).
    pub const HANGUP: u8 = 129;
    /// `session shell`: SIGTERM during the attach (128 + SIGTERM); SIGINT and SIGQUIT end it
    /// the same way, with 128 + their number (130, 131).
    pub const TERMINATED: u8 = 143;
}

/// A failed command: what to print and which exit code to use.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// The exit code of a failed engine request, by its kind: one the engine does not know (a
/// session gone since it was listed, an image not on this engine) or cannot take (a malformed
/// reference) is a usage error like any unknown id; whatever else it refused or did not answer
/// is an engine error.
pub fn exit_code(kind: FailureKind) -> u8 {
    match kind {
        FailureKind::NotFound | FailureKind::Invalid => exit::USAGE,
        FailureKind::InUse
        | FailureKind::Unreachable
        | FailureKind::Stalled
        | FailureKind::Refused
        | FailureKind::Conflict
        | FailureKind::Other => exit::ENGINE,
    }
}

impl From<crate::domain::outcome::Failure> for Failure {
    fn from(e: crate::domain::outcome::Failure) -> Self {
        Self::new(exit_code(e.kind), e.detail)
    }
}

impl From<crate::docker::DockerError> for Failure {
    fn from(e: crate::docker::DockerError) -> Self {
        crate::domain::outcome::Failure::from(e).into()
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "sandkasten-tui",
    version,
    about = "Browse, edit, attach to and clean up sandkasten sessions and workspaces",
    long_about = "Without a command, opens the terminal UI against the Docker engine \
                  (DOCKER_HOST, else the local socket). With a command, prints and exits."
)]
pub struct Cli {
    /// sandkasten configuration file [default: ./sandkasten.yaml when present]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Refuse every action that changes the engine
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Write the log here [default: $XDG_STATE_HOME/sandkasten-tui/sandkasten-tui.log]
    #[arg(long, global = true, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List sandkasten session containers
    Sessions {
        /// Print a JSON array instead of a table
        #[arg(long)]
        json: bool,
    },
    /// List workspace volumes and orphaned ephemeral volumes, with their sizes
    Workspaces {
        /// Print a JSON array instead of a table
        #[arg(long)]
        json: bool,
        /// Skip measuring sizes, file counts and last modification
        #[arg(long)]
        no_size: bool,
    },
    /// Delete workspaces selected by rules (all given rules must hold); asks first
    Prune(prune::PruneArgs),
    /// Create or remove workspaces
    Workspace {
        #[command(subcommand)]
        action: workspace::WorkspaceAction,
    },
    /// Create, destroy, enter, follow, stop and start sessions
    Session {
        #[command(subcommand)]
        action: session::SessionAction,
    },
}

/// Runs a non-interactive command; errors go to stderr with a documented exit code.
pub async fn run(command: Command, config: &LoadedConfig, read_only_flag: bool) -> ExitCode {
    let policy = Policy {
        read_only: read_only_flag || config.config.read_only,
        workspaces_enabled: config.config.workspace.enabled,
    };
    let result = match command {
        Command::Sessions { json } => list::sessions(json).await,
        Command::Workspaces { json, no_size } => list::workspaces(json, !no_size).await,
        Command::Prune(args) => prune::run(args, policy).await,
        Command::Workspace { action } => workspace::run(action, policy).await,
        Command::Session { action } => session::run(action, policy, config).await,
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            // Not `eprintln!`: a closed stderr must not turn the documented code into a panic.
            let _ = writeln!(std::io::stderr(), "sandkasten-tui: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

/// What the configuration allows the commands to change.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub read_only: bool,
    pub workspaces_enabled: bool,
}

impl Policy {
    pub fn check_writable(&self, what: &str) -> Result<(), Failure> {
        if self.read_only {
            return Err(Failure::new(
                exit::REFUSED,
                format!(
                    "read-only mode (--read-only or read_only: true): {what} refused, nothing changed"
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(kind: FailureKind) -> u8 {
        Failure::from(crate::domain::outcome::Failure::new(kind, "why")).code
    }

    #[test]
    fn failed_requests_exit_with_the_code_their_kind_documents() {
        // README: `2` bad arguments or an unknown id; `1` the engine is unreachable or
        // refused a request.
        assert_eq!(code_of(FailureKind::NotFound), exit::USAGE);
        assert_eq!(code_of(FailureKind::Invalid), exit::USAGE);
        for kind in [
            FailureKind::InUse,
            FailureKind::Unreachable,
            FailureKind::Stalled,
            FailureKind::Refused,
            FailureKind::Conflict,
            FailureKind::Other,
        ] {
            assert_eq!(code_of(kind), exit::ENGINE, "{kind:?}");
        }
        let taken = crate::docker::DockerError::declined(FailureKind::Conflict, "exists");
        let failure = Failure::from(taken);
        assert_eq!(
            (failure.code, failure.message.as_str()),
            (exit::ENGINE, "exists")
        );
    }
}
