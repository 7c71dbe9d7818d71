//! Workspace file access guarantees on the real engine, checked independently (the volume's
//! Mountpoint read as root, a separate container): a same-size rewrite with its mtime put back
//! by another container is a conflict, a removal takes only the directory that was listed
//! (not one another container made at its name since), special mode bits survive a save, a
//! read-only helper has a read-only mount and the engine itself refuses writes, helpers log
//! nothing, and a directory of thousands lists in one pass. Helpers carry this test's labels.

// Tests fail loudly: unwrap and expect are how they report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashSet;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::process::Command;

use bollard::query_parameters::InspectContainerOptions;
use sandkasten_tui::domain::files::FsPath;
use sandkasten_tui::workspace_fs::{Access, FsError, WorkspaceFs};
use support::{RUN_LABEL, TestEnv, test_image, with_env};

fn p(raw: &str) -> FsPath {
    FsPath::parse(raw).unwrap()
}

/// `sh -c <script>` in a fresh container of the test image with the volume at `/w`.
fn run_beside(env: &TestEnv, volume: &str, script: &str) -> Vec<u8> {
    let out = Command::new("docker")
        .args(["run", "--rm", "--network", "none", "--label"])
        .arg(format!("{RUN_LABEL}={}", env.run))
        .arg("-v")
        .arg(format!("{volume}:/w"))
        .arg(test_image())
        .args(["sh", "-c", script])
        .output()
        .expect("docker run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

async fn host_config(
    env: &TestEnv,
    wfs: &WorkspaceFs,
) -> bollard::models::ContainerInspectResponse {
    env.docker
        .inspect_container(wfs.container_id(), None::<InspectContainerOptions>)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn save_detects_same_size_change_with_restored_mtime() {
    with_env("wsfs_touch_r", async |env| {
        let volume = env.workspace(&env.id("touchr")).await;
        let dir = env.mountpoint(&volume).await;
        fs::write(dir.join("f.txt"), b"mine: v1").unwrap();
        // A whole second, which busybox's `cp -p` and `touch -r` restore exactly.
        let second = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        fs::File::options()
            .write(true)
            .open(dir.join("f.txt"))
            .unwrap()
            .set_modified(second)
            .unwrap();
        let wfs = WorkspaceFs::open(&env.docker, &volume, env.test_labels())
            .await
            .unwrap();
        let opened = wfs.read(&p("f.txt"), 0, u64::MAX).await.unwrap();
        let before = fs::metadata(dir.join("f.txt")).unwrap();
        // Another container writes the same number of bytes in place and restores the mtime.
        run_beside(
            env,
            &volume,
            "cp -p /w/f.txt /w/ref && sleep 0.05 && printf 'them: v2' > /w/f.txt \
             && touch -r /w/ref /w/f.txt && rm /w/ref",
        );
        let after = fs::metadata(dir.join("f.txt")).unwrap();
        assert_eq!(
            (after.mtime(), after.mtime_nsec(), after.size(), after.ino()),
            (
                before.mtime(),
                before.mtime_nsec(),
                before.size(),
                before.ino()
            ),
            "only ctime tells"
        );
        match wfs
            .write_atomic(&p("f.txt"), b"mine: v2", Some(opened.version))
            .await
        {
            Err(FsError::Conflict { .. }) => {}
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert_eq!(run_beside(env, &volume, "cat /w/f.txt"), b"them: v2");
        wfs.close().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_removal_takes_only_the_directory_listed_not_one_made_at_its_name_since() {
    with_env("wsfs_remove_meant", async |env| {
        let volume = env.workspace(&env.id("rmmeant")).await;
        run_beside(env, &volume, "mkdir -p /w/out && echo old > /w/out/a.o");
        let wfs = WorkspaceFs::open(&env.docker, &volume, env.test_labels())
            .await
            .unwrap();
        let listed = wfs.stat(&p("out")).await.unwrap().identity();
        // Another container rebuilds: the old directory moves away, a new one takes its name.
        run_beside(
            env,
            &volume,
            "mv /w/out /w/out.prev && mkdir /w/out && echo precious > /w/out/new",
        );
        match wfs.remove_if(&p("out"), true, Some(listed)).await {
            Err(FsError::Conflict { .. }) => {}
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert_eq!(
            run_beside(
                env,
                &volume,
                "cat /w/out/new /w/out.prev/a.o; ls -a /w | wc -l"
            ),
            b"precious\nold\n4\n",
            "both kept, nothing left aside"
        );
        // The directory listed goes, wherever it is now.
        let moved = wfs.stat(&p("out.prev")).await.unwrap().identity();
        assert_eq!(moved, listed);
        wfs.remove_if(&p("out.prev"), true, Some(moved))
            .await
            .unwrap();
        assert_eq!(run_beside(env, &volume, "ls /w"), b"out\n");
        wfs.close().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn save_keeps_setuid_setgid_and_sticky_bits() {
    with_env("wsfs_special_bits", async |env| {
        let volume = env.workspace(&env.id("bits")).await;
        let dir = env.mountpoint(&volume).await;
        let cases = [("tool", 0o6755), ("shared", 0o2664), ("sticky", 0o1644)];
        for (name, mode) in cases {
            let file = dir.join(name);
            fs::write(&file, b"old").unwrap();
            // Owned by a session user whose group root is not in: chmod then needs FSETID.
            std::os::unix::fs::chown(&file, Some(1000), Some(1000)).unwrap();
            fs::set_permissions(&file, fs::Permissions::from_mode(mode)).unwrap();
        }
        let wfs = WorkspaceFs::open(&env.docker, &volume, env.test_labels())
            .await
            .unwrap();
        for (name, mode) in cases {
            let v = wfs.stat(&p(name)).await.unwrap().version();
            wfs.write_atomic(&p(name), b"new content", Some(v))
                .await
                .unwrap();
            let meta = fs::metadata(dir.join(name)).unwrap();
            assert_eq!(meta.mode() & 0o7777, mode, "{name}: {:o}", meta.mode());
            assert_eq!((meta.uid(), meta.gid()), (1000, 1000));
            assert_eq!(fs::read(dir.join(name)).unwrap(), b"new content");
            assert_eq!(wfs.stat(&p(name)).await.unwrap().mode & 0o7777, mode);
        }
        wfs.close().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_helper_mounts_read_only_and_the_engine_refuses_writes() {
    with_env("wsfs_read_only", async |env| {
        let volume = env.workspace(&env.id("ro")).await;
        let dir = env.mountpoint(&volume).await;
        let file = dir.join("private.txt");
        fs::write(&file, b"secret").unwrap();
        std::os::unix::fs::chown(&file, Some(1000), Some(1000)).unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
        let wfs = WorkspaceFs::open_with(&env.docker, &volume, env.test_labels(), Access::ReadOnly)
            .await
            .unwrap();
        let inspect = host_config(env, &wfs).await;
        let mounts = inspect.mounts.unwrap();
        assert_eq!(mounts.len(), 1);
        assert_eq!(mounts[0].destination.as_deref(), Some("/workspace"));
        assert_eq!(mounts[0].rw, Some(false), "mounted read-only");
        let hc = inspect.host_config.unwrap();
        assert_eq!(hc.cap_drop, Some(vec!["ALL".to_owned()]));
        assert_eq!(hc.cap_add, Some(vec!["DAC_READ_SEARCH".to_owned()]));
        // Reading someone else's 0600 file still works.
        let data = wfs.read(&p("private.txt"), 0, u64::MAX).await.unwrap();
        assert_eq!(data.data, b"secret");
        // The agent is asked to write and the kernel says no (EROFS), not the app.
        let refused = |r: Result<(), FsError>| match r {
            Err(FsError::Refused(m)) => assert!(m.contains("read-only"), "{m}"),
            other => panic!("expected a read-only refusal, got {other:?}"),
        };
        refused(
            wfs.write_atomic(&p("private.txt"), b"changed", Some(data.version))
                .await
                .map(|_| ()),
        );
        refused(
            wfs.write_atomic(&p("new.txt"), b"x", None)
                .await
                .map(|_| ()),
        );
        refused(wfs.mkdir(&p("d")).await);
        refused(wfs.remove(&p("private.txt"), false).await);
        assert_eq!(fs::read(&file).unwrap(), b"secret");
        let names: HashSet<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        wfs.close().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn helpers_run_with_log_driver_none() {
    with_env("wsfs_no_log", async |env| {
        let volume = env.workspace(&env.id("nolog")).await;
        let dir = env.mountpoint(&volume).await;
        fs::write(dir.join("f.txt"), b"content that must not be logged").unwrap();
        for access in [Access::ReadWrite, Access::ReadOnly] {
            let wfs = WorkspaceFs::open_with(&env.docker, &volume, env.test_labels(), access)
                .await
                .unwrap();
            let inspect = host_config(env, &wfs).await;
            let log = inspect.host_config.unwrap().log_config.unwrap();
            assert_eq!(log.typ.as_deref(), Some("none"), "{access:?}");
            // Attach works without a log driver.
            let got = wfs.read(&p("f.txt"), 0, u64::MAX).await.unwrap();
            assert_eq!(got.data, b"content that must not be logged");
            let log_path = inspect.log_path.unwrap_or_default();
            assert!(
                log_path.is_empty() || !std::path::Path::new(&log_path).exists(),
                "{log_path}"
            );
            wfs.close().await.unwrap();
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_directory_of_thousands_lists_in_one_pass_without_gaps_or_duplicates() {
    with_env("wsfs_thousands", async |env| {
        let volume = env.workspace(&env.id("many")).await;
        let dir = env.mountpoint(&volume).await;
        let many = dir.join("many");
        fs::create_dir(&many).unwrap();
        const N: usize = 6_000;
        let long = "x".repeat(240);
        for i in 0..N {
            fs::write(many.join(format!("{i:05}-{long}")), b"").unwrap();
        }
        let wfs = WorkspaceFs::open(&env.docker, &volume, env.test_labels())
            .await
            .unwrap();
        let listing = wfs.list(&p("many"), u32::MAX).await.unwrap();
        assert_eq!((listing.total as usize, listing.entries.len()), (N, N));
        let names: Vec<String> = listing.entries.iter().map(|e| e.display_name()).collect();
        let want: Vec<String> = (0..N).map(|i| format!("{i:05}-{long}")).collect();
        assert_eq!(names, want, "each once, in name order");
        // The connection keeps serving.
        assert_eq!(wfs.list(&FsPath::root(), 10).await.unwrap().total, 1);
        wfs.close().await.unwrap();
    })
    .await;
}
