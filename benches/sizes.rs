//! Sizes of workspace volumes, 200 volumes x 100 files written straight into their Mountpoints
//! (needs root): the in-process `walk`, sequential and on 2 threads, against one `du -sb` over
//! all Mountpoints and the engine's `/system/df`. Target: walk / du <= 1.2. Run with
//! `bash scripts/bench.sh`. Volumes carry `sandkasten-tui.test=<run>` and are removed at the
//! end, also after a panic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::VolumeCreateRequest;
use futures::{StreamExt, stream};
use sandkasten_tui::docker::sizes::{SizeError, system_df_volume_sizes, walk};
use sandkasten_tui::domain::measure::DirStats;

const VOLUMES: usize = 200;
const FILES: usize = 100;
const DIRS: usize = 10;
const ROUNDS: usize = 5;
const THREADS: usize = 2;
const CASE_LABEL: &str = "sandkasten-tui.test.case";

fn socket() -> PathBuf {
    std::env::var("DOCKER_HOST")
        .ok()
        .and_then(|host| host.strip_prefix("unix://").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("/var/run/docker.sock"))
}

/// Creates the volumes (16 calls at a time) and returns (name, mountpoint) of each.
async fn create_volumes(docker: &Docker, run: &str, case: &str) -> Vec<(String, PathBuf)> {
    let pid = std::process::id();
    stream::iter(0..VOLUMES)
        .map(|i| {
            let id = format!("szb{pid:x}-{i:03}");
            let labels = HashMap::from([
                ("sandkasten-tui.test".to_owned(), run.to_owned()),
                (CASE_LABEL.to_owned(), case.to_owned()),
                ("sandkasten.workspace".to_owned(), "true".to_owned()),
                ("sandkasten.workspace_id".to_owned(), id.clone()),
            ]);
            let docker = docker.clone();
            async move {
                let v = docker
                    .create_volume(VolumeCreateRequest {
                        name: Some(format!("sandkasten-ws-{id}")),
                        labels: Some(labels),
                        ..Default::default()
                    })
                    .await
                    .expect("create volume");
                (v.name, PathBuf::from(v.mountpoint))
            }
        })
        .buffer_unordered(16)
        .collect()
        .await
}

/// Writes FILES files of 100-2000 bytes in DIRS subdirectories; returns the bytes written.
fn fill(mountpoint: &Path, seed: &mut u64) -> u64 {
    let mut total = 0;
    for d in 0..DIRS {
        std::fs::create_dir(mountpoint.join(format!("d{d}")))
            .expect("write into the volume's Mountpoint (needs root)");
    }
    for f in 0..FILES {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let len = 100 + (*seed >> 33) as usize % 1901;
        let path = mountpoint.join(format!("d{}/f{f:03}.dat", f % DIRS));
        std::fs::write(path, vec![b's'; len]).unwrap();
        total += len as u64;
    }
    total
}

async fn remove_volumes(docker: &Docker, case: &str) {
    common::remove_labelled(docker, &format!("{CASE_LABEL}={case}")).await;
}

fn add(a: DirStats, b: DirStats) -> DirStats {
    DirStats {
        bytes: a.bytes + b.bytes,
        files: a.files + b.files,
        newest_mtime: a.newest_mtime.max(b.newest_mtime),
        newest_ctime: a.newest_ctime.max(b.newest_ctime),
        unlisted: a.unlisted + b.unlisted,
    }
}

fn walk_sequential(mountpoints: &[PathBuf]) -> DirStats {
    mountpoints
        .iter()
        .map(|p| walk(p).unwrap())
        .fold(DirStats::default(), add)
}

/// THREADS workers taking the next volume from a shared index, as the app's measurer does.
fn walk_pool(mountpoints: &[PathBuf]) -> DirStats {
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    let mut acc = DirStats::default();
                    while let Some(p) = mountpoints.get(next.fetch_add(1, Ordering::Relaxed)) {
                        acc = add(acc, walk(p).unwrap());
                    }
                    acc
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap())
            .fold(DirStats::default(), add)
    })
}

/// One `du -sb` over all mountpoints; returns its byte total (directories count 4 KiB each).
fn du(mountpoints: &[PathBuf]) -> u64 {
    let out = Command::new("du")
        .arg("-sb")
        .args(mountpoints)
        .output()
        .expect("run du");
    assert!(out.status.success(), "du failed: {out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// `/system/df`, timed on the call that succeeds (a busy reply is retried untimed).
fn df_timed(rt: &tokio::runtime::Runtime, socket: &Path) -> (f64, HashMap<String, u64>) {
    for _ in 0..100 {
        let t = Instant::now();
        match rt.block_on(system_df_volume_sizes(socket)) {
            Err(SizeError::Busy) => std::thread::sleep(Duration::from_millis(100)),
            other => return (ms(t), other.expect("/system/df")),
        }
    }
    panic!("/system/df stayed busy for 10 s");
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn main() {
    if !common::invoked_by_cargo_bench() {
        return;
    }
    let run = common::run_id();
    let case = format!("{run}.sizes-bench.{}", std::process::id());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let docker = Docker::connect_with_defaults().unwrap();
    let socket = socket();

    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
        let setup = Instant::now();
        let volumes = rt.block_on(create_volumes(&docker, &run, &case));
        let mut seed = 0x5eed_u64;
        let written: u64 = volumes.iter().map(|(_, mp)| fill(mp, &mut seed)).sum();
        let mountpoints: Vec<PathBuf> = volumes.iter().map(|(_, mp)| mp.clone()).collect();
        println!(
            "setup: {VOLUMES} volumes x {FILES} files in {DIRS} dirs, {written} bytes, in {:.1} s",
            setup.elapsed().as_secs_f64()
        );

        let (mut seq, mut pool, mut dus, mut dfs) = (vec![], vec![], vec![], vec![]);
        let mut du_bytes = 0;
        let mut df_sizes = HashMap::new();
        // Round 0 warms the page cache and the engine; rounds alternate the methods.
        for round in 0..=ROUNDS {
            let t = Instant::now();
            let a = walk_sequential(&mountpoints);
            let a_ms = ms(t);
            let t = Instant::now();
            let b = walk_pool(&mountpoints);
            let b_ms = ms(t);
            let t = Instant::now();
            du_bytes = du(&mountpoints);
            let c_ms = ms(t);
            let (d_ms, sizes) = df_timed(&rt, &socket);
            df_sizes = sizes;
            for stats in [a, b] {
                assert_eq!(stats.bytes, written, "walk bytes vs bytes written");
                assert_eq!(stats.files, (VOLUMES * FILES) as u64);
            }
            if round > 0 {
                seq.push(a_ms);
                pool.push(b_ms);
                dus.push(c_ms);
                dfs.push(d_ms);
            }
        }
        let df_total: u64 = volumes
            .iter()
            .map(|(name, _)| df_sizes.get(name).copied().expect("df has every volume"))
            .sum();
        assert_eq!(df_total, written, "/system/df bytes vs bytes written");

        let (seq, pool, du_ms, df_ms) = (
            common::median(seq),
            common::median(pool),
            common::median(dus),
            common::median(dfs),
        );
        println!(
            "\nsizes of {VOLUMES} volumes ({} files), median of {ROUNDS}:",
            VOLUMES * FILES
        );
        println!("  method                       ms   ratio to du");
        let row = |name: &str, v: f64, note: &str| {
            println!("  {name:<24} {v:8.1}   {:8.2}   {note}", v / du_ms);
        };
        row("walk, sequential", seq, "(target <= 1.2)");
        row(&format!("walk, {THREADS} threads"), pool, "(target <= 1.2)");
        row("du -sb, one process", du_ms, "");
        row("/system/df", df_ms, "(walks every volume on the engine)");
        println!(
            "  bytes: walk {written}, /system/df {df_total}, du {du_bytes} (du adds directories)"
        );
    }));
    rt.block_on(remove_volumes(&docker, &case));
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
