//! Command-line interface: the arguments (clap) and the non-interactive commands, which reuse
//! `docker/` and the domain types and print tables or JSON. Errors go to stderr.

mod json;
mod list;
mod table;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::LoadedConfig;

/// Exit codes, documented in the README.
pub mod exit {
    pub const OK: u8 = 0;
    /// The engine could not be reached or refused a request.
    pub const ENGINE: u8 = 1;
    /// Bad arguments or configuration (clap also uses 2 for usage errors).
    pub const USAGE: u8 = 2;
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
    /// List workspace volumes and orphaned ephemeral volumes
    Workspaces {
        /// Print a JSON array instead of a table
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(command: Command, _config: &LoadedConfig) -> ExitCode {
    let result = match command {
        Command::Sessions { json } => list::sessions(json).await,
        Command::Workspaces { json } => list::workspaces(json).await,
    };
    match result {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => {
            eprintln!("sandkasten-tui: {e}");
            ExitCode::from(exit::ENGINE)
        }
    }
}
