//! Workspace file access through the agent against the Docker CLI, in the same run, medians of
//! several rounds: cold open of a workspace (helper create + attach + start + greeting; with
//! the agent image present, and with its import included), listing a directory of 10,000
//! entries vs `docker exec <session> ls -la`, the same for a directory of 200,000 entries
//! (target: no slower than `ls -la`; the agent reads it in one pass and streams it), and
//! opening (read) / saving (write_atomic) a 5 MB file vs `docker cp` out / in. Targets:
//! open ≤ 300 ms, listing ≤ 50 ms, read ≤ 150 ms, save ≤ 100 ms. Writes the files straight into the volume's Mountpoint (needs root). Every
//! object carries `sandkasten-tui.test=<run>` and is removed at the end, also after a panic;
//! the agent image is the product's own and is kept. Run with `bash scripts/bench.sh`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig, Mount, MountType, VolumeCreateRequest};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, RemoveImageOptions, StartContainerOptions,
};
use sandkasten_tui::domain::files::FsPath;
use sandkasten_tui::workspace_fs::{WorkspaceFs, agent_image, ensure_agent_image};

const ROUNDS: usize = 7;
const ENTRIES: usize = 10_000;
const HUGE: usize = 200_000;
/// Rounds for the 200,000-entry directory: each takes seconds on both sides.
const HUGE_ROUNDS: usize = 3;
const BIG: usize = 5_000_000;
const RUN_LABEL: &str = "sandkasten-tui.test";

fn ms(secs: f64) -> f64 {
    secs * 1000.0
}

/// Seconds one run of `f` takes.
async fn time<T, F: Future<Output = T>>(f: F) -> (f64, T) {
    let start = Instant::now();
    let out = f.await;
    (start.elapsed().as_secs_f64(), out)
}

fn time_cli(args: &[&str]) -> f64 {
    let start = Instant::now();
    let out = Command::new("docker").args(args).output().unwrap();
    let secs = start.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    secs
}

struct Setup {
    volume: String,
    session: String,
    labels: HashMap<String, String>,
    scratch: PathBuf,
}

async fn setup(docker: &Docker, run: &str) -> Setup {
    let labels = HashMap::from([(RUN_LABEL.to_owned(), run.to_owned())]);
    let id = format!("bench-files-{}", std::process::id());
    let volume = format!("sandkasten-ws-{id}");
    let mut volume_labels = labels.clone();
    volume_labels.insert("sandkasten.workspace".into(), "true".into());
    volume_labels.insert("sandkasten.workspace_id".into(), id.clone());
    let v = docker
        .create_volume(VolumeCreateRequest {
            name: Some(volume.clone()),
            labels: Some(volume_labels),
            ..Default::default()
        })
        .await
        .unwrap();
    let dir = PathBuf::from(v.mountpoint);
    let many = dir.join("many");
    std::fs::create_dir(&many).expect("write into the volume's Mountpoint (needs root)");
    for i in 0..ENTRIES {
        std::fs::write(many.join(format!("file-{i:05}.txt")), b"x").unwrap();
    }
    let huge = dir.join("huge");
    std::fs::create_dir(&huge).unwrap();
    for i in 0..HUGE {
        std::fs::write(huge.join(format!("entry-{i:06}")), b"").unwrap();
    }
    std::fs::write(dir.join("big.bin"), vec![b'b'; BIG]).unwrap();

    // A running session on the same workspace, for the CLI side.
    let image = std::env::var("SANDKASTEN_TUI_TEST_IMAGE")
        .expect("SANDKASTEN_TUI_TEST_IMAGE: run with scripts/bench.sh");
    let session = format!("sandkasten-{id}");
    let mut session_labels = labels.clone();
    session_labels.insert("sandkasten.managed".into(), "true".into());
    session_labels.insert("sandkasten.session_id".into(), id.clone());
    docker
        .create_container(
            Some(CreateContainerOptionsBuilder::new().name(&session).build()),
            ContainerCreateBody {
                image: Some(image),
                cmd: Some(vec!["sleep".into(), "3600".into()]),
                labels: Some(session_labels),
                host_config: Some(HostConfig {
                    network_mode: Some("none".into()),
                    init: Some(true),
                    mounts: Some(vec![Mount {
                        target: Some("/workspace".into()),
                        source: Some(volume.clone()),
                        typ: Some(MountType::VOLUME),
                        ..Default::default()
                    }]),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    docker
        .start_container(&session, None::<StartContainerOptions>)
        .await
        .unwrap();
    let scratch = std::env::temp_dir().join(format!("sandkasten-tui-bench-files-{run}"));
    std::fs::create_dir_all(&scratch).unwrap();
    Setup {
        volume,
        session,
        labels,
        scratch,
    }
}

async fn bench(docker: &Docker, s: &Setup) {
    ensure_agent_image(docker).await.unwrap();

    // Cold open, image present.
    let mut open_warm = Vec::new();
    for _ in 0..ROUNDS {
        let (secs, wfs) = time(WorkspaceFs::open(docker, &s.volume, s.labels.clone())).await;
        open_warm.push(secs);
        wfs.unwrap().close().await.unwrap();
    }
    // Cold open with the image import. Only when nothing else uses the image right now.
    let mut open_import = Vec::new();
    for _ in 0..ROUNDS {
        if docker
            .remove_image(&agent_image(), None::<RemoveImageOptions>, None)
            .await
            .is_err()
        {
            break;
        }
        let (secs, wfs) = time(WorkspaceFs::open(docker, &s.volume, s.labels.clone())).await;
        open_import.push(secs);
        wfs.unwrap().close().await.unwrap();
    }

    let wfs = WorkspaceFs::open(docker, &s.volume, s.labels.clone())
        .await
        .unwrap();
    let many = FsPath::parse("many").unwrap();
    let big = FsPath::parse("big.bin").unwrap();
    let (mut list_all, mut ls) = (Vec::new(), Vec::new());
    let (mut list_huge, mut ls_huge) = (Vec::new(), Vec::new());
    let huge = FsPath::parse("huge").unwrap();
    for _ in 0..HUGE_ROUNDS {
        let (secs, listing) = time(wfs.list(&huge, u32::MAX)).await;
        let listing = listing.unwrap();
        assert_eq!(listing.entries.len(), HUGE);
        list_huge.push(secs);
        ls_huge.push(time_cli(&[
            "exec",
            &s.session,
            "ls",
            "-la",
            "/workspace/huge",
        ]));
    }
    let (mut read, mut cp_out, mut save, mut cp_in) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let local = s.scratch.join("big.bin");
    let local_str = local.to_str().unwrap();
    let remote = format!("{}:/workspace/big.bin", s.session);
    let ls_dir = "/workspace/many";
    for _ in 0..ROUNDS {
        let (secs, listing) = time(wfs.list(&many, u32::MAX)).await;
        let listing = listing.unwrap();
        assert_eq!(listing.entries.len(), ENTRIES);
        list_all.push(secs);
        ls.push(time_cli(&["exec", &s.session, "ls", "-la", ls_dir]));

        let (secs, file) = time(wfs.read(&big, 0, u64::MAX)).await;
        let file = file.unwrap();
        assert_eq!(file.data.len(), BIG);
        read.push(secs);
        cp_out.push(time_cli(&["cp", &remote, local_str]));

        let (secs, saved) = time(wfs.write_atomic(&big, &file.data, Some(file.version))).await;
        saved.unwrap();
        save.push(secs);
        cp_in.push(time_cli(&["cp", local_str, &remote]));
    }
    wfs.close().await.unwrap();

    let line = |what: &str, ours: &[f64], target: f64, cli_name: &str, cli: Option<&[f64]>| {
        let ours = ms(common::median(ours.to_vec()));
        match cli {
            Some(cli) => {
                let cli = ms(common::median(cli.to_vec()));
                println!(
                    "  {what:<34} {ours:8.1} ms (target <= {target:.0})   {cli_name:<34} {cli:8.1} ms   ratio {:5.2}",
                    ours / cli
                );
            }
            None => println!("  {what:<34} {ours:8.1} ms (target <= {target:.0})"),
        }
    };
    println!("\nworkspace files through the agent vs the docker CLI, median of {ROUNDS}:");
    line("open, image present", &open_warm, 300.0, "", None);
    if open_import.is_empty() {
        println!("  open, image import included        not measured (image in use elsewhere)");
    } else {
        line("open, image import included", &open_import, 300.0, "", None);
    }
    line(
        "list 10,000 entries (all)",
        &list_all,
        50.0,
        "docker exec ls -la (10,000)",
        Some(&ls),
    );
    let ls_huge_ms = ms(common::median(ls_huge.clone()));
    line(
        "list 200,000 entries (all)",
        &list_huge,
        ls_huge_ms,
        "docker exec ls -la (200,000)",
        Some(&ls_huge),
    );
    line("read 5 MB", &read, 150.0, "docker cp out", Some(&cp_out));
    line(
        "save 5 MB (write_atomic)",
        &save,
        100.0,
        "docker cp in",
        Some(&cp_in),
    );
}

/// Everything this run labelled: containers (helpers included), then volumes.
async fn cleanup(docker: &Docker, run: &str, scratch: Option<&PathBuf>) {
    let label = format!("{RUN_LABEL}={run}");
    common::remove_labelled(docker, &label).await;
    if let Some(scratch) = scratch {
        let _ = std::fs::remove_dir_all(scratch);
    }
}

fn main() {
    if !common::invoked_by_cargo_bench() {
        return;
    }
    let run = common::run_id();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let docker = Docker::connect_with_defaults().unwrap();
    let mut setup_done = None;
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async {
            let s = setup(&docker, &run).await;
            let s = setup_done.insert(s);
            bench(&docker, s).await;
        });
    }));
    rt.block_on(cleanup(
        &docker,
        &run,
        setup_done.as_ref().map(|s| &s.scratch),
    ));
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
