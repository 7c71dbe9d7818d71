//! Keystroke echo latency in a session's shell: through the TUI's handoff vs `docker exec -it`
//! on the same running session, both driven in a pseudo-terminal. A character is typed and the
//! time until it shows on the screen is measured, many times. Target: the TUI no slower.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

#[path = "../tests/support/pty.rs"]
#[allow(dead_code)] // shared with the tests; the bench uses part of it
mod pty;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{CreateContainerOptionsBuilder, RemoveContainerOptionsBuilder};

const KEYS: usize = 200;

/// The pty helper starts this binary.
fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_sandkasten-tui")
}

/// Types `KEYS` letters one at a time and times each echo; returns the median in ms.
fn echo_latency(tui: &mut pty::Tui) -> f64 {
    let mut samples = Vec::new();
    let mut typed = String::new();
    for i in 0..KEYS {
        if typed.len() == 40 {
            // Keep the line short of the screen's width: clear it and wait for the bare prompt.
            tui.send("\x15");
            tui.wait_for("line cleared", Duration::from_secs(5), |s| {
                !s.contains(&format!("# {typed}"))
            });
            typed.clear();
        }
        let c = (b'a' + (i % 26) as u8) as char;
        typed.push(c);
        let want = format!("# {typed}");
        let start = Instant::now();
        tui.send(&c.to_string());
        tui.wait_for_fast(Duration::from_secs(5), |s| s.contains(&want));
        samples.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    tui.send("\x15"); // ctrl-u: clear the line
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    if !common::invoked_by_cargo_bench() {
        return;
    }
    let run = common::run_id();
    let image = std::env::var("SANDKASTEN_TUI_TEST_IMAGE").expect("run through scripts/bench.sh");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let docker = Docker::connect_with_defaults().unwrap();
    let id = format!("bench-echo-{}", std::process::id());
    let name = format!("sandkasten-{id}");
    rt.block_on(async {
        let labels = HashMap::from([
            ("sandkasten-tui.test".to_owned(), run.clone()),
            ("sandkasten.managed".to_owned(), "true".to_owned()),
            ("sandkasten.session_id".to_owned(), id.clone()),
        ]);
        let body = ContainerCreateBody {
            image: Some(image),
            labels: Some(labels),
            host_config: Some(HostConfig {
                network_mode: Some("none".into()),
                init: Some(true),
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
            .unwrap();
        docker
            .start_container(
                &name,
                None::<bollard::query_parameters::StartContainerOptions>,
            )
            .await
            .unwrap();
    });
    let result = std::panic::catch_unwind(|| {
        // Through the TUI: filter to the session, enter its shell.
        let log = std::env::temp_dir().join("sandkasten-tui-bench-shell.log");
        let mut tui = pty::Tui::spawn(&["--log-file", log.to_str().unwrap()], &[], 120, 40);
        tui.wait_for("session listed", Duration::from_secs(10), |s| {
            s.contains(&id)
        });
        tui.send("1/");
        tui.send(&id);
        tui.send("\rg\r");
        tui.wait_for("prompt", Duration::from_secs(10), |s| {
            s.contains("/workspace #") || s.contains("/ #")
        });
        let ours = echo_latency(&mut tui);
        tui.send("\x1d");

        let mut cli =
            pty::Tui::spawn_program("docker", &["exec", "-it", &name, "sh"], &[], 120, 40);
        cli.wait_for("prompt", Duration::from_secs(10), |s| s.contains(" #"));
        let theirs = echo_latency(&mut cli);
        cli.send("exit\r");

        println!("\nkeystroke echo in a session shell, median of {KEYS} keys:");
        println!("  sandkasten-tui shell      {ours:7.2} ms");
        println!("  docker exec -it           {theirs:7.2} ms");
        println!(
            "  ratio                     {:7.2}   (target <= 1.0)",
            ours / theirs
        );
    });
    rt.block_on(async {
        let _ = docker
            .remove_container(
                &name,
                Some(RemoveContainerOptionsBuilder::new().force(true).build()),
            )
            .await;
    });
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
