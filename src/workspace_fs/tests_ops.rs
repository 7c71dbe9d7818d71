//! Every operation's semantics through the real client and the agent's own code over pipes,
//! on scratch directories: listing order and paging, odd names, ranges, atomic writes, owners,
//! temp files, symlinks, directories, walks, concurrency and a broken stream.

#![allow(unused_imports)] // the shared list below serves every test here

use std::fs;
use std::os::fd::OwnedFd;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use bollard::container::LogOutput;
use futures::StreamExt;
use tokio::io::AsyncReadExt;

use super::agent;
use super::client::Client;
use super::protocol::{self, Request};
use super::tests::{Scratch, names, p, serve};
use super::*;
use crate::domain::file_ops::Load;
use crate::domain::files::EntryKind;

// ---- operations, through the client ----

#[tokio::test]
async fn list_sorts_directories_first_then_by_name_bytes() {
    let s = Scratch::new("list");
    for name in ["b.txt", "a.txt", "Z.txt", "c"] {
        s.file(name, b"1");
    }
    for dir in ["zdir", "adir"] {
        fs::create_dir(s.path(dir)).unwrap();
    }
    symlink("a.txt", s.path("link")).unwrap();
    let wfs = serve(&s.0).await;
    let all = wfs.list(&FsPath::root(), 100).await.unwrap();
    assert_eq!(all.total, 7);
    assert_eq!(
        names(&all),
        [
            &b"adir"[..],
            b"zdir",
            b"Z.txt",
            b"a.txt",
            b"b.txt",
            b"c",
            b"link"
        ]
    );
    let link = &all.entries[6];
    assert_eq!(link.kind, EntryKind::Symlink);
    assert_eq!(link.symlink_target.as_deref(), Some(&b"a.txt"[..]));
    assert_eq!(all.entries[0].kind, EntryKind::Dir);
    let capped = wfs.list(&FsPath::root(), 3).await.unwrap();
    assert_eq!((capped.total, capped.entries.len()), (7, 3));
    assert!(matches!(
        wfs.list(&p("a.txt"), 10).await,
        Err(FsError::NotADirectory(_))
    ));
    assert!(matches!(
        wfs.list(&p("missing"), 10).await,
        Err(FsError::NotFound(_))
    ));
}

#[tokio::test]
async fn odd_names_are_listed_and_readable() {
    let s = Scratch::new("odd");
    let odd: [&[u8]; 4] = [
        b"with space.txt",
        "ünïcødé ✓.txt".as_bytes(),
        b"new\nline.txt",
        b"bad\xffbyte.txt",
    ];
    for name in odd {
        use std::os::unix::ffi::OsStrExt;
        fs::write(s.0.join(std::ffi::OsStr::from_bytes(name)), name).unwrap();
    }
    let wfs = serve(&s.0).await;
    let listing = wfs.list(&FsPath::root(), 10).await.unwrap();
    let mut got = names(&listing);
    got.sort();
    let mut want: Vec<Vec<u8>> = odd.iter().map(|n| n.to_vec()).collect();
    want.sort();
    assert_eq!(got, want);
    for name in odd {
        let path = FsPath::root().join(name).unwrap();
        assert_eq!(wfs.read(&path, 0, u64::MAX).await.unwrap().data, name);
    }
}

#[tokio::test]
async fn read_ranges_and_refusals() {
    let s = Scratch::new("read");
    s.file("f", b"0123456789");
    fs::create_dir(s.path("d")).unwrap();
    let wfs = serve(&s.0).await;
    let whole = wfs.read(&p("f"), 0, u64::MAX).await.unwrap();
    assert_eq!(whole.data, b"0123456789");
    assert_eq!(whole.version.size, 10);
    assert_eq!(wfs.read(&p("f"), 3, 4).await.unwrap().data, b"3456");
    assert_eq!(wfs.read(&p("f"), 8, 100).await.unwrap().data, b"89");
    assert_eq!(wfs.read(&p("f"), 100, 4).await.unwrap().data, b"");
    assert!(matches!(
        wfs.read(&p("d"), 0, 1).await,
        Err(FsError::IsADirectory(_))
    ));
    assert!(matches!(
        wfs.read(&FsPath::root(), 0, 1).await,
        Err(FsError::Refused(_))
    ));
    assert!(matches!(
        wfs.read(&p("nope"), 0, 1).await,
        Err(FsError::NotFound(_))
    ));
}

#[tokio::test]
async fn a_large_file_round_trips_in_chunks() {
    let s = Scratch::new("large");
    // Over one request's limit, so the read is split.
    let data: Vec<u8> = (0..protocol::MAX_DATA + 12_345)
        .map(|i| (i % 251) as u8)
        .collect();
    s.file("big", &data);
    let wfs = serve(&s.0).await;
    let got = wfs.read(&p("big"), 0, u64::MAX).await.unwrap();
    assert_eq!(got.data.len(), data.len());
    assert!(got.data == data);
    assert!(matches!(
        wfs.write_atomic(&p("big"), &data, None).await,
        Err(FsError::Refused(_))
    ));
}

#[tokio::test]
async fn write_atomic_keeps_mode_and_owner_and_detects_conflicts() {
    let s = Scratch::new("write");
    s.file("f", b"old");
    fs::set_permissions(s.path("f"), fs::Permissions::from_mode(0o640)).unwrap();
    let root = nix_root();
    if root {
        std::os::unix::fs::chown(s.path("f"), Some(1000), Some(1000)).unwrap();
    }
    let wfs = serve(&s.0).await;
    let opened = wfs.read(&p("f"), 0, u64::MAX).await.unwrap();
    let v1 = wfs
        .write_atomic(&p("f"), b"new content", Some(opened.version))
        .await
        .unwrap();
    assert_eq!(fs::read(s.path("f")).unwrap(), b"new content");
    let meta = fs::metadata(s.path("f")).unwrap();
    assert_eq!(meta.mode() & 0o7777, 0o640);
    if root {
        assert_eq!((meta.uid(), meta.gid()), (1000, 1000));
    }
    assert_eq!(v1.size, 11);
    assert_eq!(wfs.stat(&p("f")).await.unwrap().version(), v1);

    // Someone else writes; saving with the old version is a conflict that changes nothing.
    fs::write(s.path("f"), b"theirs").unwrap();
    match wfs.write_atomic(&p("f"), b"mine", Some(v1)).await {
        Err(FsError::Conflict { current, .. }) => assert_eq!(current.unwrap().size, 6),
        other => panic!("{other:?}"),
    }
    assert_eq!(fs::read(s.path("f")).unwrap(), b"theirs");
    // Deleted meanwhile: a conflict too.
    fs::remove_file(s.path("f")).unwrap();
    assert!(matches!(
        wfs.write_atomic(&p("f"), b"mine", Some(v1)).await,
        Err(FsError::Conflict { current: None, .. })
    ));
    // Without an expectation it simply writes; no temp files are left behind.
    wfs.write_atomic(&p("f"), b"mine", None).await.unwrap();
    assert_eq!(fs::read(s.path("f")).unwrap(), b"mine");
    let left: Vec<_> = fs::read_dir(&s.0).unwrap().flatten().collect();
    assert_eq!(left.len(), 1);
    assert!(matches!(
        wfs.write_atomic(&p("missing-dir/f"), b"x", None).await,
        Err(FsError::NotFound(_))
    ));
}

fn nix_root() -> bool {
    fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

#[tokio::test]
async fn new_entries_take_their_directorys_owner() {
    if !nix_root() {
        return;
    }
    let s = Scratch::new("owner");
    fs::create_dir(s.path("home")).unwrap();
    std::os::unix::fs::chown(s.path("home"), Some(1000), Some(1001)).unwrap();
    let wfs = serve(&s.0).await;
    wfs.write_atomic(&p("home/new.txt"), b"x", None)
        .await
        .unwrap();
    wfs.mkdir(&p("home/sub")).await.unwrap();
    for rel in ["home/new.txt", "home/sub"] {
        let meta = fs::metadata(s.path(rel)).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (1000, 1001), "{rel}");
    }
    assert_eq!(
        fs::metadata(s.path("home/new.txt")).unwrap().mode() & 0o777,
        0o644
    );
}

#[tokio::test]
async fn stale_temp_files_are_cleaned_by_the_next_save() {
    let s = Scratch::new("temps");
    s.file(".f.sandkasten-tui-0123456789abcdef.tmp", b"partial");
    s.file(".g.sandkasten-tui-0123456789abcdef.tmp", b"in progress");
    let old = SystemTime::now() - Duration::from_secs(120);
    fs::File::options()
        .write(true)
        .open(s.path(".f.sandkasten-tui-0123456789abcdef.tmp"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    let wfs = serve(&s.0).await;
    wfs.write_atomic(&p("other"), b"x", None).await.unwrap();
    assert!(!s.path(".f.sandkasten-tui-0123456789abcdef.tmp").exists());
    assert!(s.path(".g.sandkasten-tui-0123456789abcdef.tmp").exists());
}

#[tokio::test]
async fn symlinks_are_never_followed() {
    let outside = Scratch::new("outside");
    outside.file("secret", b"secret");
    outside.file("dir/inner", b"inner");
    let s = Scratch::new("links");
    s.file("real.txt", b"real");
    fs::create_dir(s.path("d")).unwrap();
    symlink(outside.path("dir"), s.path("out-dir")).unwrap();
    symlink(outside.path("secret"), s.path("out-file")).unwrap();
    symlink("..", s.path("up")).unwrap();
    symlink("../..", s.path("d/up2")).unwrap();
    symlink("real.txt", s.path("inner-link")).unwrap();
    let wfs = serve(&s.0).await;
    let refused = |r: Result<_, FsError>| matches!(r, Err(FsError::Refused(_)));

    for dir in ["out-dir", "up", "d/up2"] {
        let r = wfs.list(&p(dir), 10).await;
        assert!(refused(r.clone().map(|_| ())), "{dir} {r:?}");
        assert!(refused(wfs.walk(&p(dir)).await.map(|_| ())), "{dir}");
    }
    for file in ["out-file", "inner-link"] {
        assert!(
            refused(wfs.read(&p(file), 0, 10).await.map(|_| ())),
            "{file}"
        );
        assert!(refused(
            wfs.write_atomic(&p(file), b"pwned", None).await.map(|_| ())
        ));
    }
    assert!(refused(
        wfs.read(&p("out-dir/inner"), 0, 10).await.map(|_| ())
    ));
    assert!(refused(
        wfs.write_atomic(&p("up/escaped"), b"x", None)
            .await
            .map(|_| ())
    ));
    assert!(refused(wfs.mkdir(&p("out-dir/new")).await));
    assert!(refused(wfs.remove(&p("out-dir/inner"), false).await));
    assert_eq!(fs::read(outside.path("secret")).unwrap(), b"secret");
    assert_eq!(fs::read(s.path("real.txt")).unwrap(), b"real");

    // stat and list describe the link itself.
    let st = wfs.stat(&p("out-file")).await.unwrap();
    assert_eq!(st.kind, EntryKind::Symlink);
    assert_eq!(
        st.symlink_target.unwrap(),
        outside.path("secret").as_os_str().as_encoded_bytes()
    );
    // Renaming and removing act on the link only.
    wfs.rename(&p("inner-link"), &p("moved-link"), false)
        .await
        .unwrap();
    assert_eq!(
        fs::read_link(s.path("moved-link")).unwrap(),
        Path::new("real.txt")
    );
    wfs.remove(&p("out-dir"), true).await.unwrap();
    wfs.remove(&p("up"), false).await.unwrap();
    assert!(outside.path("dir/inner").exists());
    assert!(!s.path("out-dir").exists() && !s.path("up").exists());
    // A recursive removal never descends through a link inside the tree.
    symlink(outside.path("dir"), s.path("d/link-to-outside")).unwrap();
    wfs.remove(&p("d"), true).await.unwrap();
    assert!(!s.path("d").exists());
    assert_eq!(fs::read(outside.path("dir/inner")).unwrap(), b"inner");
}

#[tokio::test]
async fn mkdir_rename_remove() {
    let s = Scratch::new("ops");
    let wfs = serve(&s.0).await;
    wfs.mkdir(&p("a")).await.unwrap();
    assert!(matches!(
        wfs.mkdir(&p("a")).await,
        Err(FsError::AlreadyExists(_))
    ));
    wfs.write_atomic(&p("a/f"), b"1", None).await.unwrap();
    wfs.write_atomic(&p("g"), b"2", None).await.unwrap();
    assert!(matches!(
        wfs.rename(&p("g"), &p("a/f"), false).await,
        Err(FsError::AlreadyExists(_))
    ));
    wfs.rename(&p("g"), &p("a/f"), true).await.unwrap();
    assert_eq!(fs::read(s.path("a/f")).unwrap(), b"2");
    assert!(!s.path("g").exists());
    assert!(matches!(
        wfs.remove(&p("a"), false).await,
        Err(FsError::NotEmpty(_))
    ));
    assert!(matches!(
        wfs.remove(&FsPath::root(), true).await,
        Err(FsError::Refused(_))
    ));
    wfs.remove(&p("a"), true).await.unwrap();
    assert!(!s.path("a").exists());
    assert!(matches!(
        wfs.remove(&p("a"), true).await,
        Err(FsError::NotFound(_))
    ));
}

#[tokio::test]
async fn walk_matches_the_sizes_walk() {
    let s = Scratch::new("walk");
    s.file("a.txt", &[b'x'; 1000]);
    s.file("src/b.rs", &[b'y'; 2345]);
    s.file("src/deep/c.bin", &[b'z'; 10_000]);
    fs::hard_link(s.path("a.txt"), s.path("src/a-again.txt")).unwrap();
    symlink("/etc", s.path("etc")).unwrap();
    let wfs = serve(&s.0).await;
    let got = wfs.walk(&FsPath::root()).await.unwrap();
    assert_eq!(got, crate::docker::sizes::walk(&s.0).unwrap());
    assert_eq!((got.bytes, got.files), (13_345, 3));
    let sub = wfs.walk(&p("src")).await.unwrap();
    assert_eq!(sub, crate::docker::sizes::walk(&s.path("src")).unwrap());
}

#[tokio::test]
async fn concurrent_requests_are_matched_by_id() {
    let s = Scratch::new("concurrent");
    for i in 0..40 {
        s.file(&format!("f{i}"), format!("content {i}").as_bytes());
    }
    let wfs = serve(&s.0).await;
    let paths: Vec<FsPath> = (0..40).map(|i| p(&format!("f{i}"))).collect();
    let reads = futures::future::join_all(paths.iter().map(|path| wfs.read(path, 0, 100))).await;
    for (i, r) in reads.into_iter().enumerate() {
        assert_eq!(r.unwrap().data, format!("content {i}").as_bytes());
    }
    let root = FsPath::root();
    let lists = futures::future::join_all((0..10).map(|_| wfs.list(&root, 5))).await;
    assert!(lists.iter().all(|l| l.as_ref().unwrap().total == 40));
}

#[tokio::test]
async fn an_ended_stream_fails_every_request() {
    let hello: Vec<Result<LogOutput, bollard::errors::Error>> = vec![
        Ok(LogOutput::StdOut {
            message: protocol::HELLO.to_vec().into(),
        }),
        Ok(LogOutput::StdErr {
            message: b"out of luck\n".to_vec().into(),
        }),
    ];
    let (sink, _keep) = tokio::io::duplex(64);
    let client = Client::connect(futures::stream::iter(hello), sink, Duration::from_secs(5))
        .await
        .unwrap();
    let wfs = WorkspaceFs::in_process(client);
    // The stream ends right after the greeting: whether the request is sent before or
    // after that is noticed, it fails the same way.
    match wfs.stat(&FsPath::root()).await {
        Err(FsError::HelperGone(why)) => assert!(why.contains("out of luck"), "{why}"),
        other => panic!("{other:?}"),
    }
    let stale = vec![Ok(LogOutput::StdOut {
        message: b"HELLO 0\n".to_vec().into(),
    })];
    let (sink, _keep) = tokio::io::duplex(64);
    let refused = Client::connect(
        futures::stream::iter(stale).chain(futures::stream::pending()),
        sink,
        Duration::from_secs(5),
    )
    .await;
    assert!(matches!(refused, Err(FsError::Protocol(_))));
}

#[tokio::test]
async fn the_editor_load_never_reads_past_its_limit_while_the_file_is_swapped() {
    let ws = Scratch::new("load-swap");
    ws.file("f", b"small");
    let fs = serve(&ws.0).await;
    let limit = 1 << 20;
    // The sandbox flips the file between 5 bytes and 2 MiB (sparse), again and again: a size
    // check followed by a whole read lets the big one through.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flipper = {
        let (stop, file) = (
            stop.clone(),
            fs::File::options().write(true).open(ws.path("f")).unwrap(),
        );
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                file.set_len(5).unwrap();
                std::thread::sleep(Duration::from_micros(50));
                file.set_len(2 << 20).unwrap();
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    let mut too_big = 0;
    let until = std::time::Instant::now() + Duration::from_millis(1500);
    while std::time::Instant::now() < until {
        if let Ok(Load::File(data)) = task::load(&fs, &p("f"), limit).await
            && data.data.len() as u64 > limit
        {
            too_big += 1;
        }
    }
    stop.store(true, Ordering::Relaxed);
    flipper.join().unwrap();
    assert_eq!(too_big, 0, "loads that read past the editor's limit");
    // Still refused plainly when simply too big.
    fs::File::options()
        .write(true)
        .open(ws.path("f"))
        .unwrap()
        .set_len(limit + 7)
        .unwrap();
    let refused = task::load(&fs, &p("f"), limit).await.unwrap();
    assert_eq!(
        refused,
        Load::TooLarge {
            size: limit + 7,
            limit
        }
    );
}

#[tokio::test]
async fn create_new_never_replaces_whatever_took_the_name() {
    let ws = Scratch::new("create-new");
    ws.file("theirs", b"made by the session a moment ago");
    fs::create_dir(ws.path("dir")).unwrap();
    symlink("/etc/passwd", ws.path("link")).unwrap();
    symlink("/nonexistent/x", ws.path("dangling")).unwrap();
    let fs = serve(&ws.0).await;
    for name in ["theirs", "dir", "link", "dangling"] {
        let err = fs.create_new(&p(name), b"mine").await.unwrap_err();
        assert!(matches!(err, FsError::AlreadyExists(_)), "{name}: {err:?}");
    }
    assert_eq!(
        fs::read(ws.path("theirs")).unwrap(),
        b"made by the session a moment ago"
    );
    assert!(
        fs::symlink_metadata(ws.path("dangling"))
            .unwrap()
            .is_symlink()
    );
    let version = fs.create_new(&p("fresh"), b"mine").await.unwrap();
    let meta = fs::metadata(ws.path("fresh")).unwrap();
    assert_eq!(fs::read(ws.path("fresh")).unwrap(), b"mine");
    assert_eq!(meta.mode() & 0o7777, 0o644);
    assert_eq!(meta.nlink(), 1, "the temp name is gone");
    // The version returned is the file as it is now: the next save is not a conflict.
    fs.write_atomic(&p("fresh"), b"again", Some(version))
        .await
        .unwrap();
    let left: Vec<_> = fs::read_dir(&ws.0)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("sandkasten-tui-"))
        .collect();
    assert!(left.is_empty(), "temp files left: {left:?}");
}

#[tokio::test]
async fn rename_without_overwrite_never_replaces_a_file_that_appears_at_the_target() {
    // A session creating the target name while the browser renames onto it: whatever gets
    // there first stays. Raced many times, since the old check-then-rename lost only in a
    // window of microseconds.
    let s = Scratch::new("rename-race");
    let wfs = Arc::new(serve(&s.0).await);
    let target = s.path("dst");
    for round in 0..300 {
        let _ = fs::remove_file(&target);
        s.file("src", b"ours");
        let tenant = {
            let target = target.clone();
            std::thread::spawn(move || {
                fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&target)
                    .map(|mut f| std::io::Write::write_all(&mut f, b"theirs").is_ok())
                    .unwrap_or(false)
            })
        };
        let renamed = wfs.rename(&p("src"), &p("dst"), false).await;
        let tenant_wrote = tenant.join().unwrap();
        let now = fs::read(&target).unwrap();
        if tenant_wrote {
            assert_eq!(
                now, b"theirs",
                "round {round}: the session's file was replaced"
            );
            assert!(
                matches!(renamed, Err(FsError::AlreadyExists(_))),
                "{renamed:?}"
            );
            assert!(s.path("src").exists(), "ours stays under its own name");
            fs::remove_file(s.path("src")).unwrap();
        } else {
            renamed.unwrap();
            assert_eq!(now, b"ours");
        }
    }
}

#[tokio::test]
async fn rename_without_overwrite_never_removes_a_file_the_session_puts_at_the_old_name() {
    // The browser renames `src` to `dst` while the session saves `src` the way editors do
    // (a new file renamed over the name). Linking to `dst` and then unlinking `src` by name
    // removed the session's new file whenever its rename landed in between; a rename moves
    // only what it found, so the session's save is always kept.
    let s = Scratch::new("rename-src-race");
    let wfs = Arc::new(serve(&s.0).await);
    let (src, dst, tmp) = (s.path("src"), s.path("dst"), s.path("tmp"));
    for round in 0..200 {
        let _ = fs::remove_file(&dst);
        s.file("src", b"old");
        s.file("tmp", b"saved by the session");
        let tenant = {
            let (src, dst, tmp) = (src.clone(), dst.clone(), tmp.clone());
            std::thread::spawn(move || {
                let start = std::time::Instant::now();
                while fs::symlink_metadata(&dst).is_err() {
                    if start.elapsed() > Duration::from_secs(5) {
                        return;
                    }
                    std::hint::spin_loop();
                }
                fs::rename(&tmp, &src).unwrap();
            })
        };
        wfs.rename(&p("src"), &p("dst"), false).await.unwrap();
        tenant.join().unwrap();
        assert_eq!(fs::read(&dst).unwrap(), b"old", "round {round}");
        assert_eq!(
            fs::read(&src).ok().as_deref(),
            Some(&b"saved by the session"[..]),
            "round {round}: the session's save was removed"
        );
        let left: Vec<_> = fs::read_dir(&s.0)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .filter(|n| n != "src" && n != "dst")
            .collect();
        assert!(left.is_empty(), "round {round}: left behind {left:?}");
    }
}

#[tokio::test]
async fn rename_without_overwrite_moves_a_symlink_itself() {
    let s = Scratch::new("rename-link");
    symlink("/etc/passwd", s.path("link")).unwrap();
    let wfs = serve(&s.0).await;
    wfs.rename(&p("link"), &p("moved"), false).await.unwrap();
    assert_eq!(
        fs::read_link(s.path("moved")).unwrap(),
        Path::new("/etc/passwd")
    );
    assert!(fs::symlink_metadata(s.path("link")).is_err());
}
