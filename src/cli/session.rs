//! `session create|rm|shell|logs|stop|start`: sessions from scripts and plain terminals.

use std::io::Write;

use clap::Subcommand;
use futures::StreamExt;
use serde::Serialize;

use crate::cli::{Failure, Policy, exit};
use crate::config::LoadedConfig;
use crate::docker;
use crate::docker::lifecycle::{create_session, destroy_session, set_running};
use crate::docker::shell::{prepare_shell, term_name};
use crate::domain::session::{Session, SessionSpec, SessionState, SessionStorage};
use crate::domain::shell::ShellTarget;
use crate::tui::handoff::{ShellOutcome, run_shell_plain};

#[derive(Debug, Subcommand)]
pub enum SessionAction {
    /// Create and start a session the way sandkasten does
    Create {
        /// Image [default: default_image from the config]
        #[arg(long)]
        image: Option<String>,
        /// Persistent workspace id (created when missing); ephemeral storage without it
        #[arg(long)]
        workspace: Option<String>,
        /// Print the new session as JSON
        #[arg(long)]
        json: bool,
    },
    /// Destroy sessions: the container and its ephemeral storage go; workspaces stay
    Rm {
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Open a shell in a session (bash, else sh); ctrl-] detaches
    Shell { id: String },
    /// Print a session's logs
    Logs {
        id: String,
        /// Keep printing new lines until interrupted
        #[arg(long, short)]
        follow: bool,
        /// Lines of history to start with
        #[arg(long, default_value_t = 200)]
        tail: usize,
    },
    /// Stop a running session
    Stop { id: String },
    /// Start a stopped session
    Start { id: String },
}

#[derive(Serialize)]
struct CreatedJson<'a> {
    id: &'a str,
    container: &'a str,
    workspace_id: Option<&'a str>,
    ephemeral: bool,
    volume: &'a str,
}

async fn find(id: &str) -> Result<(docker::Engine, Session), Failure> {
    let engine = docker::connect()?;
    let inventory = docker::fetch_inventory(&engine.docker).await?;
    let session = inventory
        .sessions
        .into_iter()
        .find(|s| s.id == id || s.container == id)
        .ok_or_else(|| Failure::new(exit::USAGE, format!("no sandkasten session {id}")))?;
    Ok((engine, session))
}

pub async fn run(
    action: SessionAction,
    policy: Policy,
    config: &LoadedConfig,
) -> Result<u8, Failure> {
    match action {
        SessionAction::Create {
            image,
            workspace,
            json,
        } => {
            policy.check_writable("creating a session")?;
            let storage = match workspace {
                Some(_) if !policy.workspaces_enabled => {
                    return Err(Failure::new(
                        exit::REFUSED,
                        "Workspace not enabled (workspace.enabled: false)",
                    ));
                }
                Some(ws) => {
                    crate::domain::ids::validate_workspace_id(&ws)
                        .map_err(|e| Failure::new(exit::USAGE, e))?;
                    let engine = docker::connect()?;
                    let volume = format!("{}{ws}", crate::domain::labels::WORKSPACE_VOLUME_PREFIX);
                    let inspect = engine.docker.inspect_volume(&volume);
                    if docker::deadline::answer("inspecting the workspace", inspect)
                        .await?
                        .is_ok()
                    {
                        SessionStorage::Existing(ws)
                    } else {
                        SessionStorage::New(ws)
                    }
                }
                None => SessionStorage::Ephemeral,
            };
            let spec = SessionSpec {
                image: image.unwrap_or_else(|| config.config.default_image.clone()),
                storage,
                defaults: config.config.defaults.clone(),
            };
            let engine = docker::connect()?;
            let created = create_session(&engine.docker, &spec).await?;
            if json {
                let out = CreatedJson {
                    id: &created.id,
                    container: &created.container,
                    workspace_id: created.workspace_id.as_deref(),
                    ephemeral: created.workspace_id.is_none(),
                    volume: &created.volume,
                };
                println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
            } else {
                println!(
                    "created session {} ({}, storage {})",
                    created.id, created.container, created.volume
                );
            }
            Ok(exit::OK)
        }
        SessionAction::Rm { ids } => {
            policy.check_writable("destroying sessions")?;
            let engine = docker::connect()?;
            let inventory = docker::fetch_inventory(&engine.docker).await?;
            // Every id is resolved before anything is destroyed: an unknown id is a usage
            // error (exit 2, as `workspace rm` does), not a partial failure.
            let mut found = Vec::new();
            for id in &ids {
                let matches: Vec<&Session> = inventory
                    .sessions
                    .iter()
                    .filter(|s| &s.id == id || &s.container == id)
                    .collect();
                match matches.as_slice() {
                    [] => {
                        return Err(Failure::new(
                            exit::USAGE,
                            format!("no sandkasten session {id}; nothing destroyed"),
                        ));
                    }
                    [s] => found.push((id, *s)),
                    // Session ids are labels and may repeat: destroy exactly what is named.
                    many => {
                        let names: Vec<&str> = many.iter().map(|s| s.container.as_str()).collect();
                        return Err(Failure::new(
                            exit::USAGE,
                            format!(
                                "{id} names {} containers ({}): name the container; nothing destroyed",
                                many.len(),
                                names.join(", ")
                            ),
                        ));
                    }
                }
            }
            let mut failed = false;
            for (id, s) in found {
                match destroy_session(&engine.docker, &s.container_id).await {
                    Ok(d) => println!(
                        "destroyed session {}{}{}",
                        d.session_id,
                        d.removed_volume
                            .map(|v| format!(", removed {v}"))
                            .unwrap_or_default(),
                        d.kept_workspace
                            .map(|w| format!(", workspace {w} stays"))
                            .unwrap_or_default()
                    ),
                    Err(e) => {
                        eprintln!("sandkasten-tui: {id}: {e}");
                        failed = true;
                    }
                }
            }
            Ok(if failed { exit::PARTIAL } else { exit::OK })
        }
        SessionAction::Shell { id } => {
            policy.check_writable("opening a shell")?;
            let (engine, session) = find(&id).await?;
            let target = ShellTarget {
                session: session.id.clone(),
                container: session.container_id.clone(),
                start_first: session.state != SessionState::Running,
            };
            // No Docker task here: the command prepares the shell on its own client.
            let prepared = prepare_shell(&engine.docker, &target, &term_name()).await?;
            match run_shell_plain(prepared, 0x1d, "ctrl-]").await {
                ShellOutcome::Exited { code, .. } => {
                    Ok(code.map_or(exit::OK, |c| c.clamp(0, 255) as u8))
                }
                ShellOutcome::Detached { .. } => Ok(exit::OK),
                ShellOutcome::Failed { reason, .. } => Err(Failure::new(exit::ENGINE, reason)),
                // As a shell reports death by a signal: 128 + its number.
                ShellOutcome::Hangup { .. } => Ok(exit::HANGUP),
                ShellOutcome::Terminated { signal, .. } => {
                    Ok(u8::try_from(128 + signal).unwrap_or(exit::TERMINATED))
                }
            }
        }
        SessionAction::Logs { id, follow, tail } => {
            let (engine, session) = find(&id).await?;
            let mut stream = Box::pin(docker::logs::stream(
                &engine.docker,
                &session.container_id,
                tail,
                follow,
            ));
            let mut out = std::io::stdout().lock();
            while let Some(chunk) = stream.next().await {
                let text = chunk?;
                if out
                    .write_all(text.as_bytes())
                    .and_then(|()| out.flush())
                    .is_err()
                {
                    break; // stdout closed (e.g. piped into head)
                }
            }
            Ok(exit::OK)
        }
        SessionAction::Stop { id } | SessionAction::Start { id } if policy.read_only => Err(
            Failure::new(exit::REFUSED, format!("read-only mode: {id} not changed")),
        ),
        SessionAction::Stop { id } => {
            let (engine, session) = find(&id).await?;
            set_running(&engine.docker, &session.container_id, false).await?;
            println!("stopped session {}", session.id);
            Ok(exit::OK)
        }
        SessionAction::Start { id } => {
            let (engine, session) = find(&id).await?;
            set_running(&engine.docker, &session.container_id, true).await?;
            println!("started session {}", session.id);
            Ok(exit::OK)
        }
    }
}
