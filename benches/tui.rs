//! Benchmarks of the foundation, as ratios against the docker CLI measured in the same run:
//! launch to a populated screen with 1000 workspaces and 100 sessions vs `docker volume ls`;
//! CPU, wake-ups and output while idle; resident memory. Run with `bash scripts/bench.sh`.
//! Objects carry `sandkasten-tui.test=<run>` and are removed at the end.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

#[path = "../tests/support/pty.rs"]
#[allow(dead_code)] // shared with the tests; the bench uses part of it
mod pty;

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig, Mount, MountType, VolumeCreateRequest};
use bollard::query_parameters::CreateContainerOptionsBuilder;
use futures::{StreamExt, stream};

const WORKSPACES: usize = 1000;
const SESSIONS: usize = 100;
const ROUNDS: usize = 7;

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_sandkasten-tui")
}

struct Footprint {
    docker: Docker,
    label: String,
}

impl Footprint {
    async fn create(docker: Docker, run: &str, image: &str) -> Self {
        let label = format!("sandkasten-tui.test={run}");
        let labels = |extra: &[(&str, String)]| {
            let mut l = HashMap::from([("sandkasten-tui.test".to_owned(), run.to_owned())]);
            l.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
            l
        };
        let volumes: Vec<(String, HashMap<String, String>)> = (0..WORKSPACES)
            .map(|i| {
                let id = format!("bench-{run}-{i:04}");
                let l = labels(&[
                    ("sandkasten.workspace", "true".into()),
                    ("sandkasten.workspace_id", id.clone()),
                ]);
                (format!("sandkasten-ws-{id}"), l)
            })
            .collect();
        stream::iter(volumes)
            .map(|(name, labels)| {
                let docker = docker.clone();
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
        let sessions: Vec<(String, HashMap<String, String>, String)> = (0..SESSIONS)
            .map(|i| {
                let ws = format!("bench-{run}-{i:04}");
                let sid = format!("bench-{run}-s{i:03}");
                let l = labels(&[
                    ("sandkasten.managed", "true".into()),
                    ("sandkasten.session_id", sid.clone()),
                    ("sandkasten.workspace_id", ws.clone()),
                ]);
                (
                    format!("sandkasten-{sid}"),
                    l,
                    format!("sandkasten-ws-{ws}"),
                )
            })
            .collect();
        stream::iter(sessions)
            .map(|(name, labels, volume)| {
                let docker = docker.clone();
                let image = image.to_owned();
                async move {
                    let body = ContainerCreateBody {
                        image: Some(image),
                        cmd: Some(vec!["sleep".into(), "3600".into()]),
                        labels: Some(labels),
                        host_config: Some(HostConfig {
                            network_mode: Some("none".into()),
                            readonly_rootfs: Some(true),
                            cap_drop: Some(vec!["ALL".into()]),
                            mounts: Some(vec![Mount {
                                target: Some("/workspace".into()),
                                source: Some(volume),
                                typ: Some(MountType::VOLUME),
                                ..Default::default()
                            }]),
                            ..Default::default()
                        }),
                        ..Default::default()
                    };
                    docker
                        .create_container(
                            Some(CreateContainerOptionsBuilder::new().name(&name).build()),
                            body,
                        )
                        .await
                        .expect("create container");
                }
            })
            .buffer_unordered(16)
            .collect::<Vec<_>>()
            .await;
        Self { docker, label }
    }

    async fn remove(&self) {
        common::remove_labelled(&self.docker, &self.label).await;
    }
}

/// The count in a pane title such as "2 Workspaces (1004 + 1 orphaned)".
fn title_count(screen: &str, title: &str) -> Option<usize> {
    let rest = &screen[screen.find(title)? + title.len()..];
    rest.chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}

/// Everything made for the bench is on screen (other objects on the engine may add to it).
fn populated(screen: &str) -> bool {
    title_count(screen, "2 Workspaces (").is_some_and(|n| n >= WORKSPACES)
        && title_count(screen, "1 Sessions (").is_some_and(|n| n >= SESSIONS)
}

fn spawn_tui() -> pty::Tui {
    let log = std::env::temp_dir().join("sandkasten-tui-bench.log");
    pty::Tui::spawn(&["--log-file", log.to_str().unwrap()], &[], 160, 50)
}

/// Spawn to first populated frame, in milliseconds.
fn launch_once() -> f64 {
    let start = Instant::now();
    let mut tui = spawn_tui();
    tui.wait_for("populated screen", Duration::from_secs(20), populated);
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    tui.send("q");
    tui.wait_exit(Duration::from_secs(10));
    ms
}

fn docker_volume_ls_once() -> f64 {
    let start = Instant::now();
    let out = Command::new("docker")
        .args(["volume", "ls"])
        .output()
        .expect("docker CLI");
    assert!(out.status.success());
    start.elapsed().as_secs_f64() * 1000.0
}

/// CPU time of a process in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after_comm = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_comm.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// Context switches per thread: threads come and go (tokio's blocking pool retires idle
/// threads), so windows are compared thread by thread.
fn switches_by_thread(pid: u32) -> HashMap<String, u64> {
    let mut out = HashMap::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .flatten()
    {
        let status = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
        let n: u64 = status
            .lines()
            .filter(|l| {
                l.starts_with("voluntary_ctxt_switches")
                    || l.starts_with("nonvoluntary_ctxt_switches")
            })
            .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            .sum();
        out.insert(task.file_name().to_string_lossy().into_owned(), n);
    }
    out
}

/// Switches during the window: growth of threads alive at both ends, plus all of new ones.
fn switches_between(before: &HashMap<String, u64>, after: &HashMap<String, u64>) -> u64 {
    after
        .iter()
        .map(|(tid, n)| n.saturating_sub(before.get(tid).copied().unwrap_or(0)))
        .sum()
}

fn status_kib(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn main() {
    if !common::invoked_by_cargo_bench() {
        return;
    }
    let run = common::run_id();
    let image = std::env::var("SANDKASTEN_TUI_TEST_IMAGE")
        .expect("run through scripts/bench.sh (builds the image)");
    let idle_secs: u64 = std::env::var("BENCH_IDLE_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let docker = Docker::connect_with_defaults().unwrap();
    let setup = Instant::now();
    let footprint = rt.block_on(Footprint::create(docker, &run, &image));
    println!(
        "footprint: {WORKSPACES} workspaces + {SESSIONS} sessions in {:.1} s",
        setup.elapsed().as_secs_f64()
    );

    let result = std::panic::catch_unwind(|| {
        // Warm both paths once (page cache, engine caches), then alternate rounds.
        docker_volume_ls_once();
        launch_once();
        let (mut cli, mut tui) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            cli.push(docker_volume_ls_once());
            tui.push(launch_once());
        }
        let (cli, tui) = (common::median(cli), common::median(tui));
        println!(
            "\nlaunch to populated screen ({WORKSPACES} workspaces, {SESSIONS} sessions), median of {ROUNDS}:"
        );
        println!("  sandkasten-tui           {tui:8.1} ms");
        println!("  docker volume ls (CLI)   {cli:8.1} ms");
        println!(
            "  ratio tui / cli          {:8.2}   (target < 1.0)",
            tui / cli
        );

        let mut tui = spawn_tui();
        tui.wait_for("populated screen", Duration::from_secs(20), populated);
        std::thread::sleep(Duration::from_secs(1));
        let pid = tui.pid().unwrap();
        let rss = status_kib(pid, "VmRSS:");
        let hwm = status_kib(pid, "VmHWM:");
        let (t0, s0) = (cpu_ticks(pid), switches_by_thread(pid));
        let b0 = tui.bytes_received();
        std::thread::sleep(Duration::from_secs(idle_secs));
        let (t1, s1) = (cpu_ticks(pid), switches_by_thread(pid));
        let b1 = tui.bytes_received();
        println!("\nidle for {idle_secs} s with {WORKSPACES} workspaces on screen:");
        println!("  CPU time                 {:8} ms", (t1 - t0) * 10);
        println!(
            "  context switches         {:8}   (all threads; target ~0)",
            switches_between(&s0, &s1)
        );
        println!("  bytes drawn              {:8}   (0 = no redraw)", b1 - b0);
        println!("\nresident memory with {WORKSPACES} workspaces:");
        println!(
            "  VmRSS {:.1} MiB, peak VmHWM {:.1} MiB   (target <= 30 MB)",
            rss as f64 / 1024.0,
            hwm as f64 / 1024.0
        );
        tui.send("q");
        tui.wait_exit(Duration::from_secs(10));
    });
    rt.block_on(footprint.remove());
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
