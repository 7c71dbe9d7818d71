//! The size primitives against the real engine: files written straight into two workspace
//! volumes' Mountpoints (the tests run as root), then `walk` and `/system/df` must agree with
//! what was written.

// Tests fail loudly: unwrap and expect are how they report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, symlink};
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use sandkasten_tui::docker::sizes::{SizeError, system_df_volume_sizes, walk};
use sandkasten_tui::domain::measure::DirStats;
use support::{TestEnv, with_env};

fn socket() -> PathBuf {
    std::env::var("DOCKER_HOST")
        .ok()
        .and_then(|host| host.strip_prefix("unix://").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("/var/run/docker.sock"))
}

async fn mountpoint(env: &TestEnv, volume: &str) -> PathBuf {
    let v = env
        .docker
        .inspect_volume(volume)
        .await
        .expect("inspect volume");
    PathBuf::from(v.mountpoint)
}

/// `/system/df`, waiting while another disk usage computation (ours or anyone's) runs.
async fn df() -> HashMap<String, u64> {
    for _ in 0..100 {
        match system_df_volume_sizes(&socket()).await {
            Err(SizeError::Busy) => tokio::time::sleep(Duration::from_millis(100)).await,
            other => return other.expect("/system/df"),
        }
    }
    panic!("/system/df stayed busy for 10 s");
}

/// What was written into one volume, counted independently of `walk`.
#[derive(Default)]
struct Written {
    root: PathBuf,
    bytes: u64,
    files: u64,
    /// Everything created below the root, for the newest mtime.
    paths: Vec<PathBuf>,
    /// Byte length of each symlink's target: the daemon counts symlinks by their lstat size.
    link_target_bytes: u64,
}

impl Written {
    fn new(root: &Path) -> Self {
        Self {
            root: root.to_owned(),
            ..Self::default()
        }
    }

    fn dir(&mut self, rel: &str) {
        let mut path = self.root.clone();
        for part in Path::new(rel) {
            path.push(part);
            if !path.exists() {
                fs::create_dir(&path).unwrap();
                self.paths.push(path.clone());
            }
        }
    }

    fn file(&mut self, rel: &str, len: usize) {
        if let Some(parent) = Path::new(rel).parent() {
            self.dir(&parent.to_string_lossy());
        }
        let path = self.root.join(rel);
        fs::write(&path, vec![b'w'; len]).unwrap();
        self.bytes += len as u64;
        self.files += 1;
        self.paths.push(path);
    }

    /// Another name for an existing file: adds no bytes and no file.
    fn hard_link(&mut self, existing: &str, rel: &str) {
        let path = self.root.join(rel);
        fs::hard_link(self.root.join(existing), &path).unwrap();
        self.paths.push(path);
    }

    fn symlink(&mut self, target: &str, rel: &str) {
        let path = self.root.join(rel);
        symlink(target, &path).unwrap();
        self.link_target_bytes += target.len() as u64;
        self.paths.push(path);
    }

    /// Newest lstat mtime of the root and everything below, read after all writes.
    fn newest_mtime(&self) -> Option<Timestamp> {
        self.paths
            .iter()
            .chain(std::iter::once(&self.root))
            .map(|p| fs::symlink_metadata(p).unwrap().modified().unwrap())
            .max()
            .map(|t| Timestamp::try_from(t).unwrap())
    }

    /// Newest lstat ctime of the root and everything below, read after all writes.
    fn newest_ctime(&self) -> Option<Timestamp> {
        self.paths
            .iter()
            .chain(std::iter::once(&self.root))
            .map(|p| {
                let meta = fs::symlink_metadata(p).unwrap();
                Timestamp::new(meta.ctime(), meta.ctime_nsec() as i32).unwrap()
            })
            .max()
    }

    fn expected(&self) -> DirStats {
        DirStats {
            bytes: self.bytes,
            files: self.files,
            newest_mtime: self.newest_mtime(),
            newest_ctime: self.newest_ctime(),
            unlisted: 0,
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn walk_and_system_df_agree_with_what_was_written() {
    with_env("sizes", async |env| {
        let one = env.workspace(&env.id("one")).await;
        let two = env.workspace(&env.id("two")).await;
        let (mp1, mp2) = (mountpoint(env, &one).await, mountpoint(env, &two).await);

        // A fresh volume is empty; its root's own times are its only activity.
        let empty = walk(&mp2).unwrap();
        assert_eq!((empty.bytes, empty.files, empty.unlisted), (0, 0, 0));
        let root = fs::symlink_metadata(&mp2).unwrap();
        assert_eq!(
            empty.newest_mtime,
            Some(Timestamp::try_from(root.modified().unwrap()).unwrap())
        );

        let mut w1 = Written::new(&mp1);
        w1.file("top.txt", 1234);
        w1.file("src/main.rs", 567);
        w1.file("src/deep/a/b/c.bin", 8000);
        w1.hard_link("top.txt", "src/deep/top-again.txt");
        w1.symlink("src/deep/a/b/c.bin", "shortcut");
        w1.dir("empty/nested");

        let mut w2 = Written::new(&mp2);
        w2.file("data/x", 100);
        w2.file("data/y", 2000);
        w2.file("zero", 0);
        // Leads out of the tree: must not be followed.
        w2.symlink("/etc", "etc");
        w2.symlink("/etc/passwd", "data/passwd");

        let (got1, got2) = (walk(&mp1).unwrap(), walk(&mp2).unwrap());
        assert_eq!(got1, w1.expected());
        assert_eq!(got2, w2.expected());
        assert_eq!((got1.files, got2.files), (3, 3));

        // The daemon (moby pkg/directory.Size) also counts each inode once and skips
        // directories, but counts a symlink by its lstat size (its target's length), which
        // `walk` leaves out.
        let sizes = df().await;
        assert_eq!(sizes.get(&one), Some(&(got1.bytes + w1.link_target_bytes)));
        assert_eq!(sizes.get(&two), Some(&(got2.bytes + w2.link_target_bytes)));

        // Without symlinks the two agree exactly.
        fs::remove_file(mp1.join("shortcut")).unwrap();
        let sizes = df().await;
        assert_eq!(sizes.get(&one), Some(&walk(&mp1).unwrap().bytes));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_system_df_calls_succeed_or_say_busy() {
    with_env("sizes_busy", async |env| {
        let ws = env.workspace(&env.id("busy")).await;
        let mp = mountpoint(env, &ws).await;
        for i in 0..50 {
            fs::write(mp.join(format!("f{i}")), vec![b'b'; 1000]).unwrap();
        }
        // Another caller may hold the daemon's df slot, so try a few rounds for one success.
        for _ in 0..20 {
            let calls = (0..4).map(|_| async { system_df_volume_sizes(&socket()).await });
            let results = futures::future::join_all(calls).await;
            for r in &results {
                assert!(
                    matches!(r, Ok(_) | Err(SizeError::Busy)),
                    "neither sizes nor busy: {r:?}"
                );
            }
            if let Some(Ok(sizes)) = results.iter().find(|r| r.is_ok()) {
                assert_eq!(sizes.get(&ws), Some(&50_000));
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("every /system/df call was busy for 20 rounds");
    })
    .await;
}
