//! `workspace create ID` and `workspace rm ID... [--force-sessions]`.

use clap::Subcommand;

use crate::cli::{Failure, Policy, exit};
use crate::docker;
use crate::docker::delete::{DeleteTarget, VolumeOutcome, delete_all};
use crate::docker::lifecycle::{create_workspace, destroy_session};
use crate::domain::labels::WORKSPACE_VOLUME_PREFIX;
use crate::domain::workspace::Workspace;

#[derive(Debug, Subcommand)]
pub enum WorkspaceAction {
    /// Create a persistent workspace volume sandkasten-ws-ID with sandkasten's labels
    Create { id: String },
    /// Delete workspaces (or orphaned ephemeral volumes) by id; their files go for good
    Rm {
        #[arg(required = true)]
        ids: Vec<String>,
        /// Destroy the sessions using them first (their ephemeral storage goes too)
        #[arg(long)]
        force_sessions: bool,
    },
}

pub async fn run(action: WorkspaceAction, policy: Policy) -> Result<u8, Failure> {
    match action {
        WorkspaceAction::Create { id } => {
            crate::domain::ids::validate_workspace_id(&id)
                .map_err(|e| Failure::new(exit::USAGE, e))?;
            policy.check_writable("creating a workspace")?;
            if !policy.workspaces_enabled {
                return Err(Failure::new(
                    exit::REFUSED,
                    "Workspace not enabled (workspace.enabled: false)",
                ));
            }
            let engine = docker::connect()?;
            let volume = create_workspace(&engine.docker, &id).await?;
            println!("created workspace {id} ({volume})");
            Ok(exit::OK)
        }
        WorkspaceAction::Rm {
            ids,
            force_sessions,
        } => {
            policy.check_writable("deleting workspaces")?;
            remove(ids, force_sessions, policy).await
        }
    }
}

async fn remove(ids: Vec<String>, force_sessions: bool, policy: Policy) -> Result<u8, Failure> {
    let engine = docker::connect()?;
    let inventory = docker::fetch_inventory(&engine.docker).await?;
    let mut targets: Vec<&Workspace> = Vec::new();
    for id in &ids {
        let volume = format!("{WORKSPACE_VOLUME_PREFIX}{id}");
        let Some(ws) = inventory.workspaces.iter().find(|w| w.volume == volume) else {
            return Err(Failure::new(
                exit::USAGE,
                format!(
                    "no workspace or orphaned volume {id} (looked for volume {volume}); nothing deleted"
                ),
            ));
        };
        if !ws.is_orphan() && !policy.workspaces_enabled {
            return Err(Failure::new(
                exit::REFUSED,
                format!("Workspace not enabled: {id} not deleted"),
            ));
        }
        if !ws.other_users.is_empty() {
            return Err(Failure::new(
                exit::REFUSED,
                format!(
                    "{id} is mounted by non-sandkasten containers ({}): not touched; nothing deleted",
                    ws.other_users.join(", ")
                ),
            ));
        }
        if !ws.used_by.is_empty() && !force_sessions {
            return Err(Failure::new(
                exit::REFUSED,
                format!(
                    "{id} is used by session(s) {}: pass --force-sessions to destroy them first; nothing deleted",
                    ws.used_by.join(", ")
                ),
            ));
        }
        targets.push(ws);
    }
    let mut failed = false;
    for ws in &targets {
        // Exactly the containers that mount the volume: session ids are labels and may repeat.
        for session in inventory
            .sessions
            .iter()
            .filter(|s| ws.mounted_by.contains(&s.container_id))
        {
            match destroy_session(&engine.docker, &session.container_id).await {
                Ok(done) => println!(
                    "destroyed session {} ({}){}",
                    done.session_id,
                    done.container,
                    done.removed_volume
                        .map(|v| format!(" and its storage {v}"))
                        .unwrap_or_default()
                ),
                Err(e) => {
                    eprintln!(
                        "sandkasten-tui: session {} ({}): {e}",
                        session.id, session.container
                    );
                    failed = true;
                }
            }
        }
    }
    // Named by hand: deleted as asked (the engine still refuses a volume in use).
    let volumes = targets
        .iter()
        .map(|w| DeleteTarget::by_hand(w.volume.clone()))
        .collect();
    for done in delete_all(engine.docker.clone(), volumes).await {
        match done.result {
            Ok(VolumeOutcome::Deleted) => println!("deleted {}", done.volume),
            Ok(VolumeOutcome::Kept(reason)) => {
                eprintln!("sandkasten-tui: {}: {reason}", done.volume);
                failed = true;
            }
            // In use too: named by hand and still there, so a partial failure (exit 4).
            Err(why) => {
                eprintln!("sandkasten-tui: {}: {why}", done.volume);
                failed = true;
            }
        }
    }
    Ok(if failed { exit::PARTIAL } else { exit::OK })
}
