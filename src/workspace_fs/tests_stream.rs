//! What conflict detection, streamed listings and the frame limit guarantee, through the real
//! client and the agent's own code: a same-size rewrite with its mtime put back is a
//! conflict, a removal takes only the file that was listed, a directory of thousands is listed
//! in one pass without gaps or duplicates, and a reply too big for a frame fails only its own
//! request.

use std::collections::HashSet;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::time::Duration;

use bollard::container::LogOutput;

use super::agent;
use super::client::Client;
use super::protocol::{self, MAX_FRAME};
use super::tests::{Scratch, p, serve};
use super::*;

/// What the browser listed at `name`: the file a removal is meant for.
async fn listed(wfs: &WorkspaceFs, name: &str) -> crate::domain::files::Identity {
    wfs.stat(&p(name)).await.unwrap().identity()
}

#[tokio::test]
async fn a_removal_takes_only_the_file_that_was_listed_and_keeps_one_put_there_since() {
    let s = Scratch::new("remove-meant");
    fs::create_dir_all(s.path("build/old")).unwrap();
    s.file("build/old/a.o", b"old");
    s.file("notes.md", b"old notes");
    s.file("plain", b"x");
    let wfs = serve(&s.0).await;
    let (dir, file) = (listed(&wfs, "build").await, listed(&wfs, "notes.md").await);
    // Meanwhile the session recreates its build directory and saves its notes by renaming a
    // new file over the name (as editors do).
    fs::rename(s.path("build"), s.path("build.prev")).unwrap();
    fs::create_dir(s.path("build")).unwrap();
    s.file("build/new-work", b"precious");
    s.file("notes.tmp", b"new notes");
    fs::rename(s.path("notes.tmp"), s.path("notes.md")).unwrap();
    for (name, meant, recursive) in [("build", dir, true), ("notes.md", file, false)] {
        match wfs.remove_if(&p(name), recursive, Some(meant)).await {
            Err(FsError::Conflict { message, .. }) => {
                assert!(
                    message.contains("replaced since it was listed"),
                    "{message}"
                );
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    assert_eq!(fs::read(s.path("build/new-work")).unwrap(), b"precious");
    assert_eq!(fs::read(s.path("notes.md")).unwrap(), b"new notes");
    assert!(s.path("build.prev/old/a.o").exists(), "not touched either");
    // Nothing is left aside, and what was listed still goes.
    let names: Vec<String> = fs::read_dir(&s.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains("aside")), "{names:?}");
    let plain = listed(&wfs, "plain").await;
    wfs.remove_if(&p("plain"), false, Some(plain))
        .await
        .unwrap();
    assert!(!s.path("plain").exists());
    let prev = listed(&wfs, "build.prev").await;
    wfs.remove_if(&p("build.prev"), true, Some(prev))
        .await
        .unwrap();
    assert!(!s.path("build.prev").exists());
    // A directory that is not empty, removed without `recursive`, stays under its name.
    let build = listed(&wfs, "build").await;
    assert!(matches!(
        wfs.remove_if(&p("build"), false, Some(build)).await,
        Err(FsError::NotEmpty(_))
    ));
    assert_eq!(fs::read(s.path("build/new-work")).unwrap(), b"precious");
}

#[tokio::test]
async fn save_detects_same_size_change_with_restored_mtime() {
    let s = Scratch::new("touch-r");
    s.file("f", b"version one");
    let wfs = serve(&s.0).await;
    let opened = wfs.read(&p("f"), 0, u64::MAX).await.unwrap();
    // Someone else writes the same number of bytes and puts the mtime back (`touch -r`).
    let before = fs::metadata(s.path("f")).unwrap().modified().unwrap();
    std::thread::sleep(Duration::from_millis(20));
    fs::write(s.path("f"), b"version two").unwrap();
    fs::File::options()
        .write(true)
        .open(s.path("f"))
        .unwrap()
        .set_modified(before)
        .unwrap();
    let now = fs::metadata(s.path("f")).unwrap();
    assert_eq!(now.modified().unwrap(), before, "mtime restored");
    assert_eq!(now.len(), opened.data.len() as u64, "same size");
    match wfs
        .write_atomic(&p("f"), b"mine", Some(opened.version))
        .await
    {
        Err(FsError::Conflict { current, .. }) => {
            assert_eq!(
                current.unwrap().ctime_ns,
                now.ctime() * 1_000_000_000 + now.ctime_nsec()
            );
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(fs::read(s.path("f")).unwrap(), b"version two");
}

#[tokio::test]
async fn save_detects_a_file_replaced_by_one_with_the_same_mtime_and_size() {
    let s = Scratch::new("replaced");
    s.file("f", b"aaaa");
    let wfs = serve(&s.0).await;
    let opened = wfs.read(&p("f"), 0, u64::MAX).await.unwrap();
    let mtime = fs::metadata(s.path("f")).unwrap().modified().unwrap();
    s.file("other", b"bbbb");
    let other = fs::File::options()
        .write(true)
        .open(s.path("other"))
        .unwrap();
    other.set_modified(mtime).unwrap();
    fs::rename(s.path("other"), s.path("f")).unwrap();
    assert!(matches!(
        wfs.write_atomic(&p("f"), b"mine", Some(opened.version))
            .await,
        Err(FsError::Conflict { .. })
    ));
    // The version a save returns is the one the next save finds: no false conflict.
    let fresh = wfs.stat(&p("f")).await.unwrap().version();
    let v1 = wfs
        .write_atomic(&p("f"), b"one", Some(fresh))
        .await
        .unwrap();
    let v2 = wfs.write_atomic(&p("f"), b"two", Some(v1)).await.unwrap();
    assert_eq!(wfs.stat(&p("f")).await.unwrap().version(), v2);
}

#[tokio::test]
async fn save_keeps_setuid_setgid_and_sticky_bits() {
    let s = Scratch::new("special-bits");
    for (name, mode) in [
        ("suid", 0o4755),
        ("sgid", 0o2755),
        ("sticky", 0o1644),
        ("all", 0o7750),
    ] {
        s.file(name, b"old");
        fs::set_permissions(s.path(name), fs::Permissions::from_mode(mode)).unwrap();
        let wfs = serve(&s.0).await;
        let v = wfs.stat(&p(name)).await.unwrap().version();
        wfs.write_atomic(&p(name), b"new", Some(v)).await.unwrap();
        let got = fs::metadata(s.path(name)).unwrap().mode() & 0o7777;
        assert_eq!(got, mode, "{name}: {got:o}");
    }
}

#[tokio::test]
async fn listing_thousands_of_entries_streams_each_once_in_order() {
    let s = Scratch::new("thousands");
    const N: usize = 5_000;
    let long = "n".repeat(200);
    for i in 0..N {
        fs::write(s.path(&format!("{long}-{i:05}")), b"").unwrap();
    }
    for i in 0..3 {
        fs::create_dir(s.path(&format!("dir-{i}"))).unwrap();
    }
    // The agent answers in several bounded frames, not one that grows with the directory.
    let ws = agent::Workspace::open(&s.0).unwrap();
    let request = protocol::Request::List {
        dir: &FsPath::root(),
        limit: u32::MAX,
    }
    .encode(4);
    let frames = ws.answer(&request[4..]);
    let mut rest = &frames[..];
    let mut parts = 0;
    while let Some(raw) = protocol::split_reply(rest).unwrap() {
        assert!(raw.used < 2 << 20, "a chunk of {} bytes", raw.used);
        parts += usize::from(raw.status == protocol::STATUS_PART);
        rest = &rest[raw.used..];
    }
    assert!(rest.is_empty());
    assert!(parts >= 3, "{parts} chunks");

    let wfs = serve(&s.0).await;
    let all = wfs.list(&FsPath::root(), u32::MAX).await.unwrap();
    assert_eq!((all.total as usize, all.entries.len()), (N + 3, N + 3));
    let names: Vec<&[u8]> = all.entries.iter().map(|e| &e.name[..]).collect();
    let unique: HashSet<&[u8]> = names.iter().copied().collect();
    assert_eq!(unique.len(), N + 3, "no duplicates");
    assert_eq!(names[..3], [&b"dir-0"[..], b"dir-1", b"dir-2"]);
    let files: Vec<String> = (0..N).map(|i| format!("{long}-{i:05}")).collect();
    let want: Vec<&[u8]> = files.iter().map(|f| f.as_bytes()).collect();
    assert_eq!(names[3..], want[..], "no gaps, in name order");
    // A limit keeps that many and still counts them all.
    let capped = wfs.list(&FsPath::root(), 3_000).await.unwrap();
    assert_eq!(
        (capped.total as usize, capped.entries.len()),
        (N + 3, 3_000)
    );
}

#[test]
fn the_agent_never_sends_a_frame_over_the_limit() {
    let body = vec![7u8; MAX_FRAME];
    let frame = agent::bounded_frame([5, 0, 0, 0], agent::wire::STATUS_OK, &body);
    assert!(frame.len() < 1024, "replaced by an error");
    let raw = protocol::split_reply(&frame).unwrap().unwrap();
    assert_eq!(raw.id, 5);
    assert!(matches!(
        protocol::decode_error(raw.status, raw.payload),
        FsError::Refused(m) if m.contains("more than one frame")
    ));
    let fits = agent::bounded_frame([5, 0, 0, 0], agent::wire::STATUS_OK, &body[..MAX_FRAME - 5]);
    assert_eq!(fits.len(), 4 + MAX_FRAME);
}

#[tokio::test]
async fn an_oversized_reply_fails_only_its_request_and_the_connection_keeps_working() {
    let (tx, rx) = futures::channel::mpsc::unbounded::<Result<LogOutput, bollard::errors::Error>>();
    let out = |bytes: Vec<u8>| {
        Ok(LogOutput::StdOut {
            message: bytes.into(),
        })
    };
    tx.unbounded_send(out(protocol::HELLO.to_vec())).unwrap();
    let (sink, _keep) = tokio::io::duplex(1 << 16);
    let client = Client::connect(rx, sink, Duration::from_secs(5))
        .await
        .unwrap();
    let wfs = WorkspaceFs::in_process(client);

    let s = Scratch::new("oversized");
    s.file("x", b"12345");
    let meta = fs::symlink_metadata(s.path("x")).unwrap();
    let feeder = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        // Reply to request 0, longer than any frame may be, arriving in pieces.
        let len = MAX_FRAME + 1000;
        let mut head = (len as u32).to_le_bytes().to_vec();
        head.extend_from_slice(&[0, 0, 0, 0, protocol::STATUS_OK]);
        tx.unbounded_send(out(head)).unwrap();
        let mut left = len - 5;
        while left > 0 {
            let n = left.min(1 << 20);
            tx.unbounded_send(out(vec![0xAB; n])).unwrap();
            left -= n;
        }
        // Then an ordinary reply to request 1.
        let mut body = Vec::new();
        agent::put_entry(&mut body, b"x", &meta, None);
        tx.unbounded_send(out(agent::bounded_frame(
            [1, 0, 0, 0],
            agent::wire::STATUS_OK,
            &body,
        )))
        .unwrap();
        tx
    });
    // Polled in this order, so they are requests 0 and 1.
    let (big_path, x_path) = (p("big"), p("x"));
    let (big, small) = tokio::join!(wfs.stat(&big_path), wfs.stat(&x_path));
    match big {
        Err(FsError::Protocol(m)) => assert!(m.contains("more than one frame"), "{m}"),
        other => panic!("expected the oversized reply to fail, got {other:?}"),
    }
    assert_eq!(small.unwrap().name, b"x");
    // Still connected: nothing marked the helper gone.
    let _tx = feeder.await.unwrap();
    assert!(
        tokio::time::timeout(Duration::from_millis(100), wfs.stat(&p("later")))
            .await
            .is_err(),
        "a later request waits for its reply instead of failing"
    );
}
