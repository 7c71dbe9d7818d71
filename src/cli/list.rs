//! `sessions` and `workspaces`: one inventory listing, printed.

use jiff::Timestamp;

use crate::cli::json::{SessionJson, WorkspaceJson};
use crate::cli::table;
use crate::docker::{self, DockerError, Inventory};
use crate::format;

async fn inventory() -> Result<Inventory, DockerError> {
    let engine = docker::connect()?;
    // Ask for the version first: a down engine then says "cannot connect to ..." plainly.
    engine.info().await?;
    docker::fetch_inventory(&engine.docker).await
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<(), DockerError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| DockerError::Api(e.to_string()))?;
    println!("{text}");
    Ok(())
}

pub async fn sessions(json: bool) -> Result<(), DockerError> {
    let inv = inventory().await?;
    if json {
        let rows: Vec<SessionJson> = inv.sessions.iter().map(SessionJson::from).collect();
        return print_json(&rows);
    }
    let now = Timestamp::now();
    let rows: Vec<Vec<String>> = inv
        .sessions
        .iter()
        .map(|s| {
            vec![
                s.id.clone(),
                s.container.clone(),
                s.state.as_str().to_owned(),
                s.image.clone(),
                format::age(now, s.created_at),
                s.workspace_id().unwrap_or("ephemeral").to_owned(),
                if s.pool.is_some() { "pool" } else { "" }.to_owned(),
            ]
        })
        .collect();
    print!(
        "{}",
        table::render(
            &[
                "ID",
                "CONTAINER",
                "STATE",
                "IMAGE",
                "AGE",
                "WORKSPACE",
                "POOL"
            ],
            &rows
        )
    );
    Ok(())
}

pub async fn workspaces(json: bool) -> Result<(), DockerError> {
    let inv = inventory().await?;
    if json {
        let rows: Vec<WorkspaceJson> = inv.workspaces.iter().map(WorkspaceJson::from).collect();
        return print_json(&rows);
    }
    let now = Timestamp::now();
    let rows: Vec<Vec<String>> = inv
        .workspaces
        .iter()
        .map(|w| {
            let mut users = w.used_by.join(",");
            if !w.other_users.is_empty() {
                users = [users, format!("+{} other", w.other_users.len())]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(",");
            }
            vec![
                w.id.clone(),
                w.volume.clone(),
                if w.is_orphan() { "orphan" } else { "workspace" }.to_owned(),
                format::datetime(w.created_at),
                format::age(now, w.created_at),
                w.quota_bytes
                    .map(format::bytes)
                    .unwrap_or_else(|| "-".into()),
                if users.is_empty() { "-".into() } else { users },
            ]
        })
        .collect();
    print!(
        "{}",
        table::render(
            &["ID", "VOLUME", "KIND", "CREATED", "AGE", "QUOTA", "USED BY"],
            &rows
        )
    );
    Ok(())
}
