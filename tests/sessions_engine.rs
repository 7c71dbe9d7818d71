//! Sessions on the real engine: a created session matches sandkasten's footprint field by field;
//! the persistence story (write, destroy, new session, the file is there); shell probing.

// Tests fail loudly: unwrap and expect are how they report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use bollard::Docker;
use bollard::exec::{CreateExecOptions, StartExecResults};
use futures::StreamExt;
use sandkasten_tui::docker::exec::probe_shell;
use sandkasten_tui::docker::lifecycle::{create_session, destroy_session};
use sandkasten_tui::domain::session::{CreatedSession, Defaults, SessionSpec, SessionStorage};
use support::{TestEnv, noshell_image, test_image, with_env};

fn spec(image: String, storage: SessionStorage) -> SessionSpec {
    SessionSpec {
        image,
        storage,
        defaults: Defaults {
            cpu_limit: 0.5,
            mem_limit_mb: 256,
            pids_limit: 64,
            network_mode: "none".into(),
            ..Defaults::default()
        },
    }
}

async fn create(env: &TestEnv, image: String, storage: SessionStorage) -> CreatedSession {
    let created = create_session(&env.docker, &spec(image, storage))
        .await
        .unwrap();
    let ephemeral = created
        .workspace_id
        .is_none()
        .then_some(created.volume.as_str());
    env.adopt(&created.container, ephemeral);
    created
}

/// Runs `sh -c script` in the container and returns its stdout.
async fn sh(docker: &Docker, container: &str, script: &str) -> String {
    let exec = docker
        .create_exec(
            container,
            CreateExecOptions {
                cmd: Some(vec!["sh", "-c", script]),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut out = String::new();
    if let StartExecResults::Attached { mut output, .. } =
        docker.start_exec(&exec.id, None).await.unwrap()
    {
        while let Some(Ok(chunk)) = output.next().await {
            out.push_str(&chunk.to_string());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_created_session_matches_the_sandkasten_footprint_field_by_field() {
    with_env("footprint", async |env| {
        let ws = env.id("ws");
        env.workspace(&ws).await;
        let created = create(env, test_image(), SessionStorage::Existing(ws.clone())).await;
        let c = env
            .docker
            .inspect_container(&created.container_id, None)
            .await
            .unwrap();
        assert_eq!(
            c.name.as_deref(),
            Some(format!("/sandkasten-{}", created.id).as_str())
        );
        let labels = c.config.as_ref().unwrap().labels.clone().unwrap();
        assert_eq!(labels["sandkasten.managed"], "true");
        assert_eq!(labels["sandkasten.session_id"], created.id);
        assert_eq!(labels["sandkasten.workspace_id"], ws);
        assert_eq!(labels["sandkasten-tui.created"], "true");
        assert_eq!(c.state.as_ref().unwrap().running, Some(true));
        let h = c.host_config.unwrap();
        assert_eq!(h.readonly_rootfs, Some(true));
        assert_eq!(h.cap_drop, Some(vec!["ALL".to_owned()]));
        assert_eq!(h.security_opt, Some(vec!["no-new-privileges".to_owned()]));
        assert_eq!(h.network_mode.as_deref(), Some("none"));
        assert_eq!(h.nano_cpus, Some(500_000_000));
        assert_eq!(h.memory, Some(256 * 1024 * 1024));
        assert_eq!(h.pids_limit, Some(64));
        assert_eq!(h.init, Some(true));
        let tmpfs = h.tmpfs.unwrap();
        for dir in ["/tmp", "/run", "/home/sandbox/.cache"] {
            assert!(tmpfs.contains_key(dir), "tmpfs on {dir}");
        }
        let mounts = c.mounts.unwrap();
        let workspace = mounts
            .iter()
            .find(|m| m.destination.as_deref() == Some("/workspace"))
            .unwrap();
        assert_eq!(
            workspace.name.as_deref(),
            Some(format!("sandkasten-ws-{ws}").as_str())
        );
        assert_eq!(workspace.rw, Some(true));
        // Inside: the rootfs is read-only, /workspace is writable, no network but loopback.
        let out = sh(
            &env.docker,
            &created.container_id,
            "touch /x 2>&1; touch /workspace/ok && echo ws-ok; ls /sys/class/net",
        )
        .await;
        assert!(out.contains("Read-only file system"), "{out}");
        assert!(out.contains("ws-ok"), "{out}");
        assert_eq!(
            out.lines()
                .filter(|l| !l.contains("Read-only") && !l.contains("ws-ok"))
                .collect::<Vec<_>>(),
            ["lo"]
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn files_outlive_a_destroyed_session_on_a_persistent_workspace() {
    with_env("persistence", async |env| {
        let ws = env.id("keep");
        // A new workspace made for the first session (named with this test's prefix: cleaned up).
        let first = create(env, test_image(), SessionStorage::New(ws.clone())).await;
        assert_eq!(first.workspace_id.as_deref(), Some(ws.as_str()));
        sh(
            &env.docker,
            &first.container_id,
            "echo 'agent was here' > /workspace/notes.txt",
        )
        .await;

        let destroyed = destroy_session(&env.docker, &first.container_id)
            .await
            .unwrap();
        assert_eq!(destroyed.kept_workspace.as_deref(), Some(ws.as_str()));
        assert!(env.volume_exists(&format!("sandkasten-ws-{ws}")).await);

        let second = create(env, test_image(), SessionStorage::Existing(ws.clone())).await;
        let out = sh(
            &env.docker,
            &second.container_id,
            "cat /workspace/notes.txt",
        )
        .await;
        assert_eq!(out.trim(), "agent was here");

        // An ephemeral session's storage goes with it.
        let eph = create(env, test_image(), SessionStorage::Ephemeral).await;
        assert!(env.volume_exists(&eph.volume).await);
        destroy_session(&env.docker, &eph.container_id)
            .await
            .unwrap();
        assert!(!env.volume_exists(&eph.volume).await);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_shell_probe_finds_sh_and_says_so_when_there_is_none() {
    with_env("probe", async |env| {
        let with_sh = create(env, test_image(), SessionStorage::Ephemeral).await;
        assert_eq!(
            probe_shell(&env.docker, &with_sh.container_id)
                .await
                .unwrap(),
            "sh"
        );
        let bare = create(env, noshell_image(), SessionStorage::Ephemeral).await;
        let err = probe_shell(&env.docker, &bare.container_id)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("no shell"), "{err}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_image_fails_cleanly_and_leaves_nothing_behind() {
    with_env("noimage", async |env| {
        let ws = env.id("fresh");
        let err = create_session(
            &env.docker,
            &spec(
                "sandkasten-tui-no-such-image:0".into(),
                SessionStorage::New(ws.clone()),
            ),
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("not on this engine"), "{err}");
        assert!(
            !env.volume_exists(&format!("sandkasten-ws-{ws}")).await,
            "the new workspace is undone"
        );
    })
    .await;
}
