//! `sessions` and `workspaces`: one inventory listing, printed.

use jiff::Timestamp;

use crate::cli::json::{SessionJson, WorkspaceJson};
use crate::cli::table;
use crate::cli::{Failure, exit};
use crate::docker::measure::measure_workspaces;
use crate::docker::{self, DockerError};
use crate::domain::measure::Measurement;
use crate::domain::workspace::Inventory;
use crate::format;
use std::collections::HashMap;

async fn inventory() -> Result<Inventory, DockerError> {
    let engine = docker::connect()?;
    // Ask for the version first: a down engine then says "cannot connect to ..." plainly.
    engine.info().await?;
    docker::fetch_inventory(&engine.docker).await
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<u8, Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::new(exit::ENGINE, e.to_string()))?;
    println!("{text}");
    Ok(exit::OK)
}

pub async fn sessions(json: bool) -> Result<u8, Failure> {
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
    Ok(exit::OK)
}

pub async fn workspaces(json: bool, measure: bool) -> Result<u8, Failure> {
    let inv = inventory().await?;
    let mut measurements: HashMap<String, Measurement> = HashMap::new();
    if measure {
        let (strategy, results) = measure_workspaces(&inv.workspaces).await;
        for (volume, result) in results {
            match result {
                Ok(m) => {
                    measurements.insert(volume, m);
                }
                Err(e) => eprintln!("sandkasten-tui: {volume}: size unknown: {e}"),
            }
        }
        if !json {
            eprintln!("sizes: {}", strategy.describe());
        }
    }
    if json {
        let rows: Vec<WorkspaceJson> = inv
            .workspaces
            .iter()
            .map(|w| WorkspaceJson::new(w, measurements.get(&w.volume)))
            .collect();
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
            let m = measurements.get(&w.volume);
            vec![
                w.id.clone(),
                w.volume.clone(),
                if w.is_orphan() { "orphan" } else { "workspace" }.to_owned(),
                m.map(|m| format::bytes(m.bytes))
                    .unwrap_or_else(|| "-".into()),
                m.and_then(|m| m.files)
                    .map(|f| f.to_string())
                    .unwrap_or_else(|| "-".into()),
                format::datetime(crate::cleanup::Rule::last_activity(w, m)),
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
            &[
                "ID",
                "VOLUME",
                "KIND",
                "SIZE",
                "FILES",
                "LAST ACTIVITY",
                "AGE",
                "QUOTA",
                "USED BY"
            ],
            &rows
        )
    );
    Ok(exit::OK)
}
