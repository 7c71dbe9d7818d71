//! What every benchmark shares: run only under `cargo bench`, the run's label, medians, and
//! removing what a run made (by label; containers before the volumes they hold).

#![allow(dead_code)] // each benchmark uses a different part

use std::collections::HashMap;

use bollard::Docker;
use bollard::query_parameters::{
    ListContainersOptionsBuilder, ListVolumesOptionsBuilder, RemoveContainerOptionsBuilder,
    RemoveVolumeOptions,
};
use futures::{StreamExt, stream};

/// `cargo test --all-targets` runs harness-less benches too; only `cargo bench` passes
/// `--bench`. Says so and returns false when the benchmark should not run.
pub fn invoked_by_cargo_bench() -> bool {
    let bench = std::env::args().any(|a| a == "--bench");
    if !bench {
        println!("benchmark skipped: run it with `bash scripts/bench.sh`");
    }
    bench
}

/// The run id scripts/bench.sh exports (its final sweep removes that label), else one of our own.
pub fn run_id() -> String {
    std::env::var("SANDKASTEN_TUI_TEST_RUN")
        .unwrap_or_else(|_| format!("bench-{}", std::process::id()))
}

pub fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Removes every container, then every volume, carrying `label` (`key=value`), 16 at a time.
pub async fn remove_labelled(docker: &Docker, label: &str) {
    let filter = HashMap::from([("label", vec![label])]);
    let containers = docker
        .list_containers(Some(
            ListContainersOptionsBuilder::new()
                .all(true)
                .filters(&filter)
                .build(),
        ))
        .await
        .unwrap_or_default();
    stream::iter(containers.into_iter().filter_map(|c| c.id))
        .for_each_concurrent(16, |id| async move {
            let options = RemoveContainerOptionsBuilder::new().force(true).build();
            let _ = docker.remove_container(&id, Some(options)).await;
        })
        .await;
    let volumes = docker
        .list_volumes(Some(
            ListVolumesOptionsBuilder::new().filters(&filter).build(),
        ))
        .await
        .ok()
        .and_then(|v| v.volumes)
        .unwrap_or_default();
    stream::iter(volumes)
        .for_each_concurrent(16, |v| async move {
            let _ = docker
                .remove_volume(&v.name, None::<RemoveVolumeOptions>)
                .await;
        })
        .await;
}
