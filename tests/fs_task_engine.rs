//! The files task on the real engine: what the browser and the editor rely on beyond single
//! calls. A helper killed under an open editor is replaced on the next save, which keeps its
//! expected version (saved when nothing changed, a conflict when something did); checked with
//! a container of its own. A helper reopened in read-only mode is as read-only as the first.
//! The same holds when the engine itself goes away under the editor and comes back (a proxy in
//! front of it cut and restored): the files task then borrows the client of a Docker task at
//! the proxy, as in the program, and reopens once that task has reconnected. Helpers carry
//! this test's labels, so its cleanup removes them.

// Tests fail loudly: unwrap and expect are how they report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::fs;
use std::process::Command;
use std::time::Duration;

use sandkasten_tui::docker::{self, DockerHandle, EngineLink};
use sandkasten_tui::domain::file_ops::Load;
use sandkasten_tui::domain::files::{FileData, FsPath};
use sandkasten_tui::domain::ids::RequestId;
use sandkasten_tui::domain::labels::VOLUME_LABEL;
use sandkasten_tui::domain::outcome::FailureKind;
use sandkasten_tui::workspace_fs::task::{self, FsCmd, FsEvent, FsHandle};
use support::proxy::EngineProxy;
use support::{RUN_LABEL, TestEnv, test_image, with_env};
use tokio::sync::mpsc::Receiver;

fn p(raw: &str) -> FsPath {
    FsPath::parse(raw).unwrap()
}

async fn next(events: &mut Receiver<FsEvent>) -> FsEvent {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(60), events.recv())
            .await
            .expect("an answer from the files task within 60 s")
            .expect("the files task runs");
        if !matches!(event, FsEvent::Progress { .. }) {
            return event;
        }
    }
}

/// The running helpers of `volume` (ids), as the engine lists them.
fn helpers(volume: &str) -> Vec<String> {
    let out = Command::new("docker")
        .args(["ps", "-q", "--no-trunc", "--filter"])
        .arg(format!("label={VOLUME_LABEL}={volume}"))
        .output()
        .expect("docker ps");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

fn cat_independently(env: &TestEnv, volume: &str, rel: &str) -> Vec<u8> {
    let out = Command::new("docker")
        .args(["run", "--rm", "--network", "none", "--label"])
        .arg(format!("{RUN_LABEL}={}", env.run))
        .arg("-v")
        .arg(format!("{volume}:/w"))
        .arg(test_image())
        .args(["cat", &format!("/w/{rel}")])
        .output()
        .expect("docker run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Opens `volume` in a files task, loads `rel` as the editor does, then kills the helper and
/// waits until the engine has removed it.
async fn open_load_and_kill_helper(
    env: &TestEnv,
    volume: &str,
    rel: &str,
) -> (FsHandle, Receiver<FsEvent>, FileData, String) {
    open_load_and_kill(env, volume, rel, false).await
}

/// Opens `volume` in the files task and loads `rel` as the editor does.
async fn open_and_load(
    files: &FsHandle,
    events: &mut Receiver<FsEvent>,
    volume: &str,
    rel: &str,
    read_only: bool,
) -> FileData {
    files
        .send(FsCmd::Open {
            req: RequestId(1),
            volume: volume.to_owned(),
            read_only,
        })
        .unwrap();
    let FsEvent::Opened { result: Ok(_), .. } = next(events).await else {
        panic!("the workspace did not open");
    };
    files
        .send(FsCmd::Load {
            req: RequestId(2),
            path: p(rel),
            limit: 1 << 20,
        })
        .unwrap();
    let FsEvent::Loaded {
        result: Ok(Load::File(data)),
        ..
    } = next(events).await
    else {
        panic!("the file did not load");
    };
    data
}

/// [`open_load_and_kill_helper`] with the access the operator chose (`--read-only`).
async fn open_load_and_kill(
    env: &TestEnv,
    volume: &str,
    rel: &str,
    read_only: bool,
) -> (FsHandle, Receiver<FsEvent>, FileData, String) {
    // No Docker task: a fixed link lends one client throughout.
    let engine = EngineLink::fixed(docker::connect().unwrap());
    let (files, mut events) = task::spawn_with_labels(env.test_labels(), engine);
    let data = open_and_load(&files, &mut events, volume, rel, read_only).await;
    let [helper] = helpers(volume).try_into().expect("one helper");
    let killed = Command::new("docker")
        .args(["kill", &helper])
        .output()
        .unwrap();
    assert!(killed.status.success());
    for _ in 0..100 {
        if !helpers(volume).contains(&helper) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!helpers(volume).contains(&helper), "the helper still runs");
    (files, events, data, helper)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_save_after_the_helper_was_killed_reopens_it_and_saves() {
    with_env("fstask_reopen", async |env| {
        let volume = env.workspace(&env.id("reopen")).await;
        let dir = env.mountpoint(&volume).await;
        fs::write(dir.join("notes.txt"), b"v1\n").unwrap();
        let (files, mut events, data, old_helper) =
            open_load_and_kill_helper(env, &volume, "notes.txt").await;
        files
            .send(FsCmd::Save {
                req: RequestId(3),
                path: p("notes.txt"),
                data: b"v1\nedited while the helper was gone\n".to_vec(),
                expected: Some(data.version),
            })
            .unwrap();
        let FsEvent::Saved {
            req: RequestId(3),
            result,
            ..
        } = next(&mut events).await
        else {
            panic!("no save answer");
        };
        result.expect("saved through a new helper");
        assert_eq!(
            cat_independently(env, &volume, "notes.txt"),
            b"v1\nedited while the helper was gone\n"
        );
        let now = helpers(&volume);
        assert_eq!(now.len(), 1, "one new helper: {now:?}");
        assert_ne!(now[0], old_helper);
        files.send(FsCmd::Close).unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_save_after_the_helper_was_killed_still_detects_a_change_made_meanwhile() {
    with_env("fstask_reopen_conflict", async |env| {
        let volume = env.workspace(&env.id("reopenc")).await;
        let dir = env.mountpoint(&volume).await;
        fs::write(dir.join("notes.txt"), b"v1\n").unwrap();
        let (files, mut events, data, _) =
            open_load_and_kill_helper(env, &volume, "notes.txt").await;
        fs::write(dir.join("notes.txt"), b"someone else's v2\n").unwrap();
        files
            .send(FsCmd::Save {
                req: RequestId(3),
                path: p("notes.txt"),
                data: b"my v2\n".to_vec(),
                expected: Some(data.version),
            })
            .unwrap();
        let FsEvent::Saved {
            req: RequestId(3),
            result,
            ..
        } = next(&mut events).await
        else {
            panic!("no save answer");
        };
        assert!(
            matches!(&result, Err(f) if f.kind == FailureKind::Conflict),
            "expected a conflict, got {result:?}"
        );
        assert_eq!(
            cat_independently(env, &volume, "notes.txt"),
            b"someone else's v2\n"
        );
        files.send(FsCmd::Close).unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_download_after_the_helper_was_killed_reopens_it() {
    with_env("fstask_reopen_dl", async |env| {
        let volume = env.workspace(&env.id("reopend")).await;
        let dir = env.mountpoint(&volume).await;
        fs::write(dir.join("notes.txt"), b"v1\n").unwrap();
        let (files, mut events, _, _) = open_load_and_kill_helper(env, &volume, "notes.txt").await;
        let host = std::env::temp_dir().join(format!("sandkasten-tui-{}-dl", env.prefix));
        let _ = fs::remove_dir_all(&host);
        fs::create_dir(&host).unwrap();
        files
            .send(FsCmd::Download {
                req: RequestId(3),
                path: p("notes.txt"),
                dest: host.join("notes.txt"),
            })
            .unwrap();
        let FsEvent::TransferDone {
            req: RequestId(3),
            result,
        } = next(&mut events).await
        else {
            panic!("no transfer answer");
        };
        let copied = fs::read(host.join("notes.txt"));
        let _ = fs::remove_dir_all(&host);
        result.expect("downloaded through a new helper");
        assert_eq!(copied.unwrap(), b"v1\n");
        files.send(FsCmd::Close).unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_helper_reopened_in_read_only_mode_mounts_read_only_with_only_read_access() {
    with_env("fstask_reopen_ro", async |env| {
        let volume = env.workspace(&env.id("reopenro")).await;
        let dir = env.mountpoint(&volume).await;
        fs::write(dir.join("notes.txt"), b"v1\n").unwrap();
        let (files, mut events, _, old_helper) =
            open_load_and_kill(env, &volume, "notes.txt", true).await;
        files
            .send(FsCmd::Load {
                req: RequestId(3),
                path: p("notes.txt"),
                limit: 1 << 20,
            })
            .unwrap();
        let FsEvent::Loaded {
            req: RequestId(3),
            result,
            ..
        } = next(&mut events).await
        else {
            panic!("no load answer");
        };
        let Load::File(loaded) = result.expect("loaded through a new helper") else {
            panic!("not loaded whole");
        };
        assert_eq!(loaded.data, b"v1\n");
        let [helper] = helpers(&volume).try_into().expect("one new helper");
        assert_ne!(helper, old_helper);
        let inspect = env.docker.inspect_container(&helper, None).await.unwrap();
        let mounts = inspect.mounts.unwrap();
        assert_eq!(mounts.len(), 1, "{mounts:?}");
        assert_eq!(mounts[0].destination.as_deref(), Some("/workspace"));
        assert_eq!(mounts[0].rw, Some(false), "the new helper mounts read-only");
        let hc = inspect.host_config.unwrap();
        assert_eq!(hc.cap_drop, Some(vec!["ALL".to_owned()]));
        assert_eq!(hc.cap_add, Some(vec!["DAC_READ_SEARCH".to_owned()]));
        // And the engine refuses a write through it, whatever the app would allow.
        files
            .send(FsCmd::Save {
                req: RequestId(4),
                path: p("notes.txt"),
                data: b"changed\n".to_vec(),
                expected: None,
            })
            .unwrap();
        let FsEvent::Saved {
            req: RequestId(4),
            result,
            ..
        } = next(&mut events).await
        else {
            panic!("no save answer");
        };
        assert!(result.is_err(), "a read-only helper wrote: {result:?}");
        assert_eq!(cat_independently(env, &volume, "notes.txt"), b"v1\n");
        files.send(FsCmd::Close).unwrap();
    })
    .await;
}

/// A Docker task reaching the engine at `endpoint`, as the program runs one: its link for the
/// files task, and its handle (the task ends when it is dropped). Its reports are read and
/// dropped, so that it never waits on a full queue.
fn docker_task_at(endpoint: String) -> (DockerHandle, EngineLink) {
    let (handle, link, mut reports) = docker::spawn_at(Some(endpoint));
    tokio::spawn(async move { while reports.recv().await.is_some() {} });
    (handle, link)
}

/// Opens `volume` in a files task that reaches the engine through `proxy` (the link of a
/// Docker task at the proxy, as in the program), loads `rel` as the editor does, then cuts the
/// proxy (every connection, the helper's attach stream included) and brings it back: an
/// engine lost under an open editor, and back.
async fn open_load_and_lose_the_engine(
    env: &TestEnv,
    proxy: &mut EngineProxy,
    volume: &str,
    rel: &str,
) -> (FsHandle, Receiver<FsEvent>, FileData, DockerHandle) {
    let (docker_task, engine) = docker_task_at(proxy.endpoint());
    let (files, mut events) = task::spawn_with_labels(env.test_labels(), engine);
    let data = open_and_load(&files, &mut events, volume, rel, false).await;
    let [helper] = helpers(volume).try_into().expect("one helper");
    proxy.stop();
    // Its attach gone, the helper's stdin closes and the engine removes it.
    for _ in 0..100 {
        if !helpers(volume).contains(&helper) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!helpers(volume).contains(&helper), "the helper still runs");
    proxy.start();
    (files, events, data, docker_task)
}

fn proxy_for(env: &TestEnv) -> EngineProxy {
    EngineProxy::new(&std::env::temp_dir().join(format!("skt-fsproxy-{}.sock", env.prefix)))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_save_after_the_engine_was_lost_and_came_back_saves_with_the_same_version() {
    with_env("fstask_engine_back", async |env| {
        let volume = env.workspace(&env.id("engback")).await;
        let dir = env.mountpoint(&volume).await;
        fs::write(dir.join("notes.txt"), b"v1\n").unwrap();
        let mut proxy = proxy_for(env);
        let (files, mut events, data, _docker_task) =
            open_load_and_lose_the_engine(env, &mut proxy, &volume, "notes.txt").await;
        files
            .send(FsCmd::Save {
                req: RequestId(3),
                path: p("notes.txt"),
                data: b"v1\nedited while the engine was gone\n".to_vec(),
                expected: Some(data.version),
            })
            .unwrap();
        let FsEvent::Saved {
            req: RequestId(3),
            result,
            ..
        } = next(&mut events).await
        else {
            panic!("no save answer");
        };
        result.expect("saved through a new helper once the engine is back");
        assert_eq!(
            cat_independently(env, &volume, "notes.txt"),
            b"v1\nedited while the engine was gone\n"
        );
        assert_eq!(helpers(&volume).len(), 1, "one new helper");
        files.send(FsCmd::Close).unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_save_after_the_engine_came_back_is_a_conflict_when_the_file_changed_meanwhile() {
    with_env("fstask_engine_back_conflict", async |env| {
        let volume = env.workspace(&env.id("engbackc")).await;
        let dir = env.mountpoint(&volume).await;
        fs::write(dir.join("notes.txt"), b"v1\n").unwrap();
        let mut proxy = proxy_for(env);
        let (files, mut events, data, _docker_task) =
            open_load_and_lose_the_engine(env, &mut proxy, &volume, "notes.txt").await;
        // Same size as v1: only the version (not the length) can tell.
        fs::write(dir.join("notes.txt"), b"v2\n").unwrap();
        files
            .send(FsCmd::Save {
                req: RequestId(3),
                path: p("notes.txt"),
                data: b"my v2\n".to_vec(),
                expected: Some(data.version),
            })
            .unwrap();
        let FsEvent::Saved {
            req: RequestId(3),
            result,
            ..
        } = next(&mut events).await
        else {
            panic!("no save answer");
        };
        assert!(
            matches!(&result, Err(f) if f.kind == FailureKind::Conflict),
            "expected a conflict, got {result:?}"
        );
        assert_eq!(cat_independently(env, &volume, "notes.txt"), b"v2\n");
        files.send(FsCmd::Close).unwrap();
    })
    .await;
}
