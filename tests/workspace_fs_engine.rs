//! Workspace file access on the real engine: the agent in its helper container, on a workspace
//! with no session and on one whose session runs; results checked independently (the volume's
//! Mountpoint read as root, a separate container, the session itself). Atomic saves under a
//! killed helper, conflicts, symlink escapes, odd names, owners and modes, stale helper
//! reaping. Helpers carry this test's labels, so its cleanup removes them even on failure.

// Tests fail loudly: unwrap and expect are how they report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use futures::StreamExt;
use sandkasten_tui::docker::sizes;
use sandkasten_tui::domain::files::{EntryKind, FsPath};
use sandkasten_tui::domain::labels::HELPER_LABEL;
use sandkasten_tui::workspace_fs::{FsError, WorkspaceFs, reap_stale_helpers};
use support::{RUN_LABEL, TestEnv, test_image, with_env};

fn p(raw: &str) -> FsPath {
    FsPath::parse(raw).unwrap()
}

async fn open(env: &TestEnv, volume: &str) -> WorkspaceFs {
    WorkspaceFs::open(&env.docker, volume, env.test_labels())
        .await
        .expect("open the workspace")
}

/// `cat /w/<rel>` in a fresh container of the test image that mounts the volume: a view that
/// shares nothing with the agent.
fn cat_independently(env: &TestEnv, volume: &str, rel: &str) -> Option<Vec<u8>> {
    let out = Command::new("docker")
        .args(["run", "--rm", "--network", "none", "--label"])
        .arg(format!("{RUN_LABEL}={}", env.run))
        .arg("-v")
        .arg(format!("{volume}:/w"))
        .arg(test_image())
        .args(["cat", &format!("/w/{rel}")])
        .output()
        .expect("docker run");
    out.status.success().then_some(out.stdout)
}

fn docker_exec(container: &str, script: &str) -> Vec<u8> {
    let out = Command::new("docker")
        .args(["exec", container, "sh", "-c", script])
        .output()
        .expect("docker exec");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

async fn container_exists(env: &TestEnv, id: &str) -> bool {
    env.docker
        .inspect_container(
            id,
            None::<bollard::query_parameters::InspectContainerOptions>,
        )
        .await
        .is_ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn list_read_write_rename_delete_without_a_session() {
    with_env("wsfs_basic", async |env| {
        let volume = env.workspace(&env.id("basic")).await;
        let dir = env.mountpoint(&volume).await;
        fs::write(dir.join("readme.md"), b"# hello\n").unwrap();
        fs::create_dir_all(dir.join("src/deep")).unwrap();
        fs::write(dir.join("src/main.rs"), b"fn main() {}\n").unwrap();
        fs::write(dir.join("src/deep/data.bin"), vec![7u8; 4096]).unwrap();

        let wfs = open(env, &volume).await;
        let helper = wfs.container_id().to_owned();
        let inspect = env
            .docker
            .inspect_container(
                &helper,
                None::<bollard::query_parameters::InspectContainerOptions>,
            )
            .await
            .unwrap();
        let hc = inspect.host_config.unwrap();
        assert_eq!(hc.network_mode.as_deref(), Some("none"));
        assert_eq!(hc.readonly_rootfs, Some(true));
        assert_eq!(hc.init, Some(true));
        assert_eq!(hc.cap_drop, Some(vec!["ALL".to_owned()]));
        assert_eq!(hc.security_opt, Some(vec!["no-new-privileges".to_owned()]));
        let labels = inspect.config.unwrap().labels.unwrap();
        assert_eq!(labels.get(HELPER_LABEL).map(String::as_str), Some("true"));
        assert_eq!(
            labels.get("sandkasten-tui.helper.volume"),
            Some(&volume),
            "the helper names its workspace"
        );
        let root = wfs.list(&FsPath::root(), 100).await.unwrap();
        let names: Vec<_> = root.entries.iter().map(|e| e.display_name()).collect();
        assert_eq!(names, ["src", "readme.md"]);
        assert_eq!(root.total, 2);
        assert_eq!(root.entries[1].size, 8);
        assert_eq!(
            wfs.read(&p("src/main.rs"), 0, u64::MAX).await.unwrap().data,
            b"fn main() {}\n"
        );

        wfs.mkdir(&p("notes")).await.unwrap();
        wfs.write_atomic(&p("notes/todo.txt"), b"buy milk\n", None)
            .await
            .unwrap();
        assert_eq!(
            cat_independently(env, &volume, "notes/todo.txt").unwrap(),
            b"buy milk\n"
        );
        wfs.rename(&p("notes/todo.txt"), &p("done.txt"), false)
            .await
            .unwrap();
        assert_eq!(fs::read(dir.join("done.txt")).unwrap(), b"buy milk\n");
        assert!(cat_independently(env, &volume, "notes/todo.txt").is_none());
        wfs.remove(&p("done.txt"), false).await.unwrap();
        assert!(!dir.join("done.txt").exists());
        assert!(matches!(
            wfs.remove(&p("src"), false).await,
            Err(FsError::NotEmpty(_))
        ));
        wfs.remove(&p("src"), true).await.unwrap();
        assert!(!dir.join("src").exists());
        assert!(cat_independently(env, &volume, "readme.md").is_some());

        let stats = wfs.walk(&FsPath::root()).await.unwrap();
        assert_eq!(stats, sizes::walk(&dir).unwrap());
        assert_eq!((stats.bytes, stats.files), (8, 1));

        wfs.close().await.unwrap();
        assert!(
            !container_exists(env, &helper).await,
            "closed helper removed"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn works_next_to_a_running_session() {
    with_env("wsfs_running", async |env| {
        let ws = env.id("live");
        let volume = env.workspace(&ws).await;
        let session = env.session(&env.id("s"), Some(&ws), true).await;
        docker_exec(&session, "echo from-session > /workspace/s.txt");

        let wfs = open(env, &volume).await;
        let read = wfs.read(&p("s.txt"), 0, u64::MAX).await.unwrap();
        assert_eq!(read.data, b"from-session\n");
        wfs.write_atomic(&p("s.txt"), b"from-operator\n", Some(read.version))
            .await
            .unwrap();
        assert_eq!(
            docker_exec(&session, "cat /workspace/s.txt"),
            b"from-operator\n"
        );
        let listing = wfs.list(&FsPath::root(), 10).await.unwrap();
        assert_eq!(listing.entries.len(), 1);
        wfs.close().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_save_killed_midway_leaves_old_or_new_content() {
    with_env("wsfs_kill", async |env| {
        let volume = env.workspace(&env.id("kill")).await;
        let dir = env.mountpoint(&volume).await;
        let old = vec![b'o'; 3 << 20];
        let new = vec![b'n'; 30 << 20];
        fs::write(dir.join("big.bin"), &old).unwrap();
        let mut outcomes = Vec::new();
        for delay_ms in [0u64, 30, 80, 150, 220, 300, 400] {
            let wfs = open(env, &volume).await;
            let helper = wfs.container_id().to_owned();
            let docker = env.docker.clone();
            let killer = tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(delay_ms)).await;
                let _ = docker
                    .kill_container(
                        &helper,
                        None::<bollard::query_parameters::KillContainerOptions>,
                    )
                    .await;
            });
            let result = wfs.write_atomic(&p("big.bin"), &new, None).await;
            killer.await.unwrap();
            let on_disk = fs::read(dir.join("big.bin")).unwrap();
            assert!(
                on_disk == old || on_disk == new,
                "after a kill at {delay_ms} ms: {} bytes, neither old nor new",
                on_disk.len()
            );
            if result.is_ok() {
                assert!(on_disk == new, "a save that reported success is on disk");
            } else {
                assert!(matches!(result, Err(FsError::HelperGone(_))), "{result:?}");
            }
            outcomes.push((delay_ms, result.is_ok(), on_disk == new));
            drop(wfs);
            // Put the old content back for the next round.
            fs::write(dir.join("big.bin"), &old).unwrap();
        }
        // Anything else left is a temp file of a killed save, named as documented.
        for entry in fs::read_dir(&dir).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(
                name == "big.bin"
                    || (name.starts_with(".big.bin.sandkasten-tui-") && name.ends_with(".tmp")),
                "{name}"
            );
        }
        println!("kill outcomes (delay ms, reported ok, new on disk): {outcomes:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_changed_behind_the_agents_back_is_a_conflict() {
    with_env("wsfs_conflict", async |env| {
        let volume = env.workspace(&env.id("conflict")).await;
        let dir = env.mountpoint(&volume).await;
        fs::write(dir.join("f.txt"), b"v1").unwrap();
        let wfs = open(env, &volume).await;
        let opened = wfs.read(&p("f.txt"), 0, u64::MAX).await.unwrap();
        fs::write(dir.join("f.txt"), b"someone else's v2").unwrap();
        match wfs
            .write_atomic(&p("f.txt"), b"my v2", Some(opened.version))
            .await
        {
            Err(FsError::Conflict { current, .. }) => {
                assert_eq!(current.unwrap().size, 17);
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert_eq!(fs::read(dir.join("f.txt")).unwrap(), b"someone else's v2");
        // Re-read, then the save goes through.
        let fresh = wfs.stat(&p("f.txt")).await.unwrap().version();
        wfs.write_atomic(&p("f.txt"), b"my v2", Some(fresh))
            .await
            .unwrap();
        assert_eq!(fs::read(dir.join("f.txt")).unwrap(), b"my v2");
        wfs.close().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn symlink_escapes_are_refused() {
    with_env("wsfs_symlinks", async |env| {
        let volume = env.workspace(&env.id("links")).await;
        let dir = env.mountpoint(&volume).await;
        fs::write(dir.join("real.txt"), b"real").unwrap();
        fs::create_dir(dir.join("d")).unwrap();
        symlink("/etc", dir.join("etc")).unwrap();
        symlink("/etc/passwd", dir.join("passwd")).unwrap();
        symlink("..", dir.join("up")).unwrap();
        symlink("../..", dir.join("d/up2")).unwrap();
        symlink("real.txt", dir.join("alias")).unwrap();
        let host_passwd = fs::read("/etc/passwd").unwrap();

        let wfs = open(env, &volume).await;
        let refused = |r: &Result<(), FsError>| matches!(r, Err(FsError::Refused(_)));
        for d in ["etc", "up", "d/up2"] {
            let r = wfs.list(&p(d), 10).await.map(|_| ());
            assert!(refused(&r), "list {d}: {r:?}");
            let r = wfs.walk(&p(d)).await.map(|_| ());
            assert!(refused(&r), "walk {d}: {r:?}");
        }
        for f in ["etc/passwd", "passwd", "up/x", "d/up2/etc/passwd", "alias"] {
            let r = wfs.read(&p(f), 0, 100).await.map(|_| ());
            assert!(refused(&r), "read {f}: {r:?}");
            let r = wfs.write_atomic(&p(f), b"pwned", None).await.map(|_| ());
            assert!(refused(&r), "write {f}: {r:?}");
        }
        let r = wfs.remove(&p("etc/passwd"), false).await;
        assert!(refused(&r), "{r:?}");
        assert_eq!(fs::read("/etc/passwd").unwrap(), host_passwd);
        assert_eq!(fs::read(dir.join("real.txt")).unwrap(), b"real");

        // Listed with their targets, never resolved.
        let root = wfs.list(&FsPath::root(), 100).await.unwrap();
        let etc = root.entries.iter().find(|e| e.name == b"etc").unwrap();
        assert_eq!(etc.kind, EntryKind::Symlink);
        assert_eq!(etc.symlink_target.as_deref(), Some(&b"/etc"[..]));
        // Removing acts on the link itself.
        wfs.remove(&p("etc"), true).await.unwrap();
        wfs.remove(&p("up"), false).await.unwrap();
        assert!(fs::symlink_metadata(dir.join("etc")).is_err());
        assert!(Path::new("/etc/passwd").exists());
        assert!(dir.join("real.txt").exists());
        wfs.rename(&p("alias"), &p("d/alias"), false).await.unwrap();
        assert_eq!(
            fs::read_link(dir.join("d/alias")).unwrap(),
            Path::new("real.txt")
        );
        wfs.close().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn odd_names_are_listed_and_readable() {
    with_env("wsfs_names", async |env| {
        let volume = env.workspace(&env.id("names")).await;
        let dir = env.mountpoint(&volume).await;
        let odd: [&[u8]; 4] = [
            b"with space.txt",
            "ünïcødé ✓.txt".as_bytes(),
            b"new\nline.txt",
            b"bad\xffbyte.txt",
        ];
        for name in odd {
            fs::write(dir.join(OsStr::from_bytes(name)), name).unwrap();
        }
        let wfs = open(env, &volume).await;
        let listing = wfs.list(&FsPath::root(), 100).await.unwrap();
        let mut got: Vec<Vec<u8>> = listing.entries.iter().map(|e| e.name.clone()).collect();
        got.sort();
        let mut want: Vec<Vec<u8>> = odd.iter().map(|n| n.to_vec()).collect();
        want.sort();
        assert_eq!(got, want);
        for name in odd {
            let path = FsPath::root().join(name).unwrap();
            assert_eq!(wfs.read(&path, 0, u64::MAX).await.unwrap().data, name);
        }
        let renamed = FsPath::root().join(b"bad\xfe\xffrenamed").unwrap();
        wfs.rename(&FsPath::root().join(odd[3]).unwrap(), &renamed, false)
            .await
            .unwrap();
        assert!(dir.join(OsStr::from_bytes(b"bad\xfe\xffrenamed")).exists());
        wfs.close().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn client_side_validation_refuses_escapes() {
    for raw in ["../x", "/etc/passwd", "a/../../b", "a//b", ".."] {
        assert!(
            matches!(
                FsPath::parse(raw).map_err(FsError::from),
                Err(FsError::Refused(_))
            ),
            "{raw}"
        );
    }
    assert!(FsPath::root().join("a/b").is_err());
    assert!(FsPath::root().join("..").is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn mode_and_owner_are_kept_on_save() {
    with_env("wsfs_owner", async |env| {
        let volume = env.workspace(&env.id("owner")).await;
        let dir = env.mountpoint(&volume).await;
        let file = dir.join("private.txt");
        fs::write(&file, b"old").unwrap();
        std::os::unix::fs::chown(&file, Some(1000), Some(1000)).unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o640)).unwrap();
        fs::create_dir(dir.join("home")).unwrap();
        std::os::unix::fs::chown(dir.join("home"), Some(1000), Some(1000)).unwrap();

        let wfs = open(env, &volume).await;
        let v = wfs.stat(&p("private.txt")).await.unwrap().version();
        wfs.write_atomic(&p("private.txt"), b"new and longer", Some(v))
            .await
            .unwrap();
        let meta = fs::metadata(&file).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (1000, 1000));
        assert_eq!(meta.mode() & 0o7777, 0o640);
        assert_eq!(fs::read(&file).unwrap(), b"new and longer");
        // New entries take their directory's owner, so the session user can edit them.
        wfs.write_atomic(&p("home/new.txt"), b"x", None)
            .await
            .unwrap();
        let meta = fs::metadata(dir.join("home/new.txt")).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (1000, 1000));
        wfs.close().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_volume_is_refused_and_not_created() {
    with_env("wsfs_missing", async |env| {
        let volume = format!("sandkasten-ws-{}", env.id("missing"));
        let r = WorkspaceFs::open(&env.docker, &volume, env.test_labels()).await;
        assert!(matches!(r, Err(FsError::NotFound(_))), "{:?}", r.err());
        assert!(!env.volume_exists(&volume).await);
    })
    .await;
}

fn hostname() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_owned()
}

/// A pid no process has on this host.
fn dead_pid() -> u32 {
    let max: u32 = fs::read_to_string("/proc/sys/kernel/pid_max")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    (1..max)
        .rev()
        .find(|pid| !Path::new(&format!("/proc/{pid}")).exists())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn stale_helpers_are_reaped_and_nothing_else() {
    with_env("wsfs_reap", async |env| {
        let volume = env.workspace(&env.id("reap")).await;
        let helper = |owner: Option<String>| {
            let mut labels = HashMap::from([
                (HELPER_LABEL.to_owned(), "true".to_owned()),
                ("sandkasten-tui.helper.volume".to_owned(), volume.clone()),
            ]);
            if let Some(owner) = owner {
                labels.insert("sandkasten-tui.helper.owner".to_owned(), owner);
            }
            labels
        };
        let kill = async |id: &str| {
            env.docker
                .kill_container(id, None::<bollard::query_parameters::KillContainerOptions>)
                .await
                .unwrap();
            env.docker
                .wait_container(id, None::<bollard::query_parameters::WaitContainerOptions>)
                .collect::<Vec<_>>()
                .await;
        };
        let host = hostname();
        let exited = env
            .container(&env.id("h-exited"), helper(None), Some(&volume), true)
            .await;
        kill(&exited).await;
        let orphaned = env
            .container(
                &env.id("h-orphan"),
                helper(Some(format!("{host}/{}", dead_pid()))),
                Some(&volume),
                true,
            )
            .await;
        let live = env
            .container(
                &env.id("h-live"),
                helper(Some(format!("{host}/{}", std::process::id()))),
                Some(&volume),
                true,
            )
            .await;
        let elsewhere = env
            .container(
                &env.id("h-elsewhere"),
                helper(Some(format!("another-host/{}", dead_pid()))),
                Some(&volume),
                true,
            )
            .await;
        let just_created = env
            .container(&env.id("h-new"), helper(None), Some(&volume), false)
            .await;
        let unlabelled = env
            .container(&env.id("other"), HashMap::new(), Some(&volume), true)
            .await;
        kill(&unlabelled).await;
        let wfs = open(env, &volume).await;

        let removed = reap_stale_helpers(&env.docker).await.unwrap();
        assert!(removed >= 2, "removed {removed}");
        assert!(!container_exists(env, &exited).await);
        assert!(!container_exists(env, &orphaned).await);
        for kept in [&live, &elsewhere, &just_created, &unlabelled] {
            assert!(container_exists(env, kept).await, "{kept} kept");
        }
        // The real helper of this live process keeps working.
        assert!(container_exists(env, wfs.container_id()).await);
        wfs.list(&FsPath::root(), 10).await.unwrap();
        wfs.close().await.unwrap();
    })
    .await;
}
