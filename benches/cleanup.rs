//! Deleting 1000 workspaces: the path the TUI and `prune` use (`delete_volumes`: re-check each
//! volume, then remove, 16 at a time) vs one `docker volume rm` with all names, alternating
//! rounds in the same run. Target: ratio ≤ 0.8. Run with `bash scripts/bench.sh`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::process::Command;
use std::time::Instant;

use bollard::Docker;
use bollard::models::VolumeCreateRequest;
use futures::{StreamExt, stream};
use sandkasten_tui::docker::delete::{DeleteTarget, VolumeOutcome, delete_all};

const VOLUMES: usize = 1000;
const ROUNDS: usize = 3;

async fn create(docker: &Docker, run: &str, round: usize) -> Vec<String> {
    let names: Vec<String> = (0..VOLUMES)
        .map(|i| format!("sandkasten-ws-bench-{run}-r{round}-{i:04}"))
        .collect();
    stream::iter(names.clone())
        .map(|name| {
            let docker = docker.clone();
            let id = name.trim_start_matches("sandkasten-ws-").to_owned();
            let labels = HashMap::from([
                ("sandkasten-tui.test".to_owned(), run.to_owned()),
                ("sandkasten.workspace".to_owned(), "true".to_owned()),
                ("sandkasten.workspace_id".to_owned(), id),
            ]);
            async move {
                docker
                    .create_volume(VolumeCreateRequest {
                        name: Some(name),
                        labels: Some(labels),
                        ..Default::default()
                    })
                    .await
                    .expect("create volume");
            }
        })
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await;
    names
}

fn main() {
    if !common::invoked_by_cargo_bench() {
        return;
    }
    let run = common::run_id();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let docker = Docker::connect_with_defaults().unwrap();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let (mut ours, mut cli) = (Vec::new(), Vec::new());
        for round in 0..ROUNDS {
            let names = rt.block_on(create(&docker, &run, round * 2));
            let start = Instant::now();
            let targets = names.into_iter().map(DeleteTarget::by_hand).collect();
            let results = rt.block_on(delete_all(docker.clone(), targets));
            ours.push(start.elapsed().as_secs_f64());
            assert!(
                results
                    .iter()
                    .all(|r| r.result == Ok(VolumeOutcome::Deleted)),
                "every delete succeeds"
            );

            let names = rt.block_on(create(&docker, &run, round * 2 + 1));
            let start = Instant::now();
            let out = Command::new("docker")
                .arg("volume")
                .arg("rm")
                .args(&names)
                .output()
                .unwrap();
            cli.push(start.elapsed().as_secs_f64());
            assert!(out.status.success());
        }
        let (ours, cli) = (common::median(ours), common::median(cli));
        println!("\ndelete {VOLUMES} workspaces, median of {ROUNDS}:");
        println!(
            "  sandkasten-tui (re-check + remove, 16 at once) {:8.3} s",
            ours
        );
        println!(
            "  docker volume rm <{VOLUMES} names>              {:8.3} s",
            cli
        );
        println!(
            "  ratio                                          {:8.2}   (target <= 0.8)",
            ours / cli
        );
    }));
    // Whatever a failed round left behind: this run's label only.
    rt.block_on(common::remove_labelled(
        &docker,
        &format!("sandkasten-tui.test={run}"),
    ));
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
