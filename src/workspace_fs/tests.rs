//! The agent's own code, compiled here as a module, served over real pipes to the real client:
//! protocol agreement on golden bytes, and every operation's semantics on a scratch directory
//! (symlinks, odd names, conflicts, owners, paging), without Docker. The engine tests in
//! `tests/workspace_fs_engine.rs` repeat the essentials in a helper container.

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
use super::*;

/// A fresh directory under the system temp dir, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "sandkasten-tui-wsfs-{}-{n}-{name}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }

    fn file(&self, rel: &str, content: &[u8]) {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn p(raw: &str) -> FsPath {
    FsPath::parse(raw).unwrap()
}

/// The agent serving `root` on a thread, spoken to through pipes by the real client.
async fn serve(root: &Path) -> WorkspaceFs {
    let workspace = Arc::new(agent::Workspace::open(root).unwrap());
    let (agent_in, client_out) = std::io::pipe().unwrap();
    let (client_in, agent_out) = std::io::pipe().unwrap();
    std::thread::spawn(move || agent::serve(workspace, agent_in, agent_out));
    let tx = tokio::net::unix::pipe::Sender::from_owned_fd(OwnedFd::from(client_out)).unwrap();
    let rx = tokio::net::unix::pipe::Receiver::from_owned_fd(OwnedFd::from(client_in)).unwrap();
    // Shaped like the attach stream: chunks of stdout.
    let output = futures::stream::unfold(rx, |mut rx| async move {
        let mut buf = vec![0u8; 1 << 16];
        match rx.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((
                    Ok(LogOutput::StdOut {
                        message: buf.into(),
                    }),
                    rx,
                ))
            }
            Err(err) => Some((Err(bollard::errors::Error::IOError { err }), rx)),
        }
    });
    let client = Client::connect(Box::pin(output), tx, Duration::from_secs(5))
        .await
        .unwrap();
    WorkspaceFs::in_process(client)
}

fn names(listing: &Listing) -> Vec<Vec<u8>> {
    listing.entries.iter().map(|e| e.name.clone()).collect()
}

// ---- golden bytes: both sides agree ----

#[test]
fn constants_agree() {
    assert_eq!(agent::HELLO, protocol::HELLO);
    assert_eq!(agent::PROTOCOL_VERSION, protocol::PROTOCOL_VERSION);
    assert_eq!(agent::MAX_DATA, protocol::MAX_DATA);
    assert_eq!(agent::MAX_FRAME, protocol::MAX_FRAME);
}

#[test]
fn golden_list_request() {
    let golden: &[u8] = &[
        20, 0, 0, 0, // length
        7, 0, 0, 0, // id
        1, // LIST
        3, 0, 0, 0, b'a', b'/', b'b', // path
        2, 0, 0, 0, // offset
        3, 0, 0, 0, // limit
    ];
    let dir = p("a/b");
    let frame = Request::List {
        dir: &dir,
        offset: 2,
        limit: 3,
    }
    .encode(7);
    assert_eq!(frame, golden);
    // The agent reads the same bytes back.
    let body = agent::read_frame(&mut &golden[..]).unwrap().unwrap();
    assert_eq!((&body[..4], body[4]), (&[7, 0, 0, 0][..], agent::OP_LIST));
    let mut c = agent::Cursor::new(&body[5..]);
    assert_eq!(c.blob().unwrap(), b"a/b");
    assert_eq!((c.u32().unwrap(), c.u32().unwrap()), (2, 3));
    assert_eq!(c.rest(), 0);
}

#[test]
fn golden_write_request() {
    let golden: &[u8] = &[
        33, 0, 0, 0, // length
        1, 0, 0, 0, // id
        4, // WRITE
        1, 0, 0, 0, b'f', // path
        1,    // expected: present
        0x10, 0, 0, 0, 0, 0, 0, 0, // mtime_ns
        5, 0, 0, 0, 0, 0, 0, 0, // size
        2, 0, 0, 0, b'h', b'i', // data
    ];
    let path = p("f");
    let frame = Request::Write {
        path: &path,
        expected: Some(Version {
            mtime_ns: 16,
            size: 5,
        }),
        data: b"hi",
    }
    .encode(1);
    assert_eq!(frame, golden);
    let body = agent::read_frame(&mut &golden[..]).unwrap().unwrap();
    assert_eq!(body[4], agent::OP_WRITE);
    let mut c = agent::Cursor::new(&body[5..]);
    assert_eq!(c.blob().unwrap(), b"f");
    assert_eq!(c.version().unwrap(), Some((16, 5)));
    assert_eq!(c.blob().unwrap(), b"hi");
    assert_eq!(c.rest(), 0);
}

#[test]
fn golden_rename_and_remove_requests() {
    let (a, b) = (p("a"), p("b"));
    let rename = Request::Rename {
        from: &a,
        to: &b,
        overwrite: true,
    }
    .encode(2);
    assert_eq!(
        rename,
        [
            16, 0, 0, 0, 2, 0, 0, 0, 6, 1, 0, 0, 0, b'a', 1, 0, 0, 0, b'b', 1
        ]
    );
    let remove = Request::Remove {
        path: &a,
        recursive: false,
    }
    .encode(3);
    assert_eq!(remove, [11, 0, 0, 0, 3, 0, 0, 0, 7, 1, 0, 0, 0, b'a', 0]);
    for (frame, op) in [(rename, agent::OP_RENAME), (remove, agent::OP_REMOVE)] {
        let body = agent::read_frame(&mut &frame[..]).unwrap().unwrap();
        assert_eq!(body[4], op);
    }
}

#[test]
fn golden_read_reply() {
    let golden: &[u8] = &[
        1, // version present
        5, 0, 0, 0, 0, 0, 0, 0, // mtime_ns
        6, 0, 0, 0, 0, 0, 0, 0, // size
        2, 0, 0, 0, b'h', b'i', // data
    ];
    let mut agent_side = Vec::new();
    agent::put_version(&mut agent_side, Some((5, 6)));
    agent::put_blob(&mut agent_side, b"hi");
    assert_eq!(agent_side, golden);
    let got = protocol::decode_read(golden).unwrap();
    assert_eq!(got.data, b"hi");
    assert_eq!(
        got.version,
        Version {
            mtime_ns: 5,
            size: 6
        }
    );
}

#[test]
fn golden_entry() {
    let s = Scratch::new("golden-entry");
    s.file("n", b"12345");
    let path = s.path("n");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    let when = SystemTime::UNIX_EPOCH + Duration::new(1_000, 42);
    fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(when)
        .unwrap();
    let meta = fs::symlink_metadata(&path).unwrap();
    let (uid, gid) = (meta.uid().to_le_bytes(), meta.gid().to_le_bytes());
    let mut golden: Vec<u8> = vec![1, 0, 0, 0, b'n', 0, 5, 0, 0, 0, 0, 0, 0, 0];
    golden.extend_from_slice(&0o100_640u32.to_le_bytes());
    golden.extend_from_slice(&uid);
    golden.extend_from_slice(&gid);
    golden.extend_from_slice(&1_000_000_000_042i64.to_le_bytes());
    golden.extend_from_slice(&[0, 0, 0, 0]); // no symlink target
    let mut agent_side = Vec::new();
    agent::put_entry(&mut agent_side, b"n", &meta, None);
    assert_eq!(agent_side, golden);
    let entry = protocol::decode_entry(&golden).unwrap();
    assert_eq!(
        entry,
        Entry {
            name: b"n".to_vec(),
            kind: EntryKind::File,
            size: 5,
            mode: 0o100_640,
            uid: meta.uid(),
            gid: meta.gid(),
            mtime_ns: 1_000_000_000_042,
            symlink_target: None,
        }
    );
}

#[test]
fn golden_error_replies() {
    let s = Scratch::new("golden-error");
    let ws = agent::Workspace::open(&s.0).unwrap();
    // Unknown op 99 on id 9, empty path.
    let reply = ws.answer(&[9, 0, 0, 0, 99, 0, 0, 0, 0]);
    let message = b"unknown operation 99";
    let mut golden = vec![];
    golden.extend_from_slice(&(5 + 4 + message.len() as u32).to_le_bytes());
    golden.extend_from_slice(&[9, 0, 0, 0, 10]);
    golden.extend_from_slice(&(message.len() as u32).to_le_bytes());
    golden.extend_from_slice(message);
    assert_eq!(reply, golden);
    let raw = protocol::split_reply(&reply).unwrap().unwrap();
    assert_eq!((raw.id, raw.used), (9, reply.len()));
    assert!(matches!(
        protocol::decode_error(raw.status, raw.payload),
        FsError::Protocol(m) if m.contains("unknown operation 99")
    ));

    let conflict: &[u8] = &[
        1, 0, 0, 0, b'x', // message
        1, 7, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, // current version
    ];
    assert_eq!(
        protocol::decode_error(3, conflict),
        FsError::Conflict {
            message: "x".into(),
            current: Some(Version {
                mtime_ns: 7,
                size: 8
            }),
        }
    );
}

#[test]
fn the_agent_refuses_escaping_paths_whatever_the_client_sends() {
    let s = Scratch::new("agent-refuses");
    s.file("a/b", b"x");
    let ws = agent::Workspace::open(&s.0).unwrap();
    for raw in [
        &b"../x"[..],
        b"/etc/passwd",
        b"a/../../b",
        b"a//b",
        b"a/",
        b".",
        b"a/./b",
        b"a\0b",
    ] {
        let mut frame = vec![1, 0, 0, 0, agent::OP_STAT];
        agent::put_blob(&mut frame, raw);
        let reply = ws.answer(&frame);
        assert_eq!(
            reply[8],
            agent::ERR_REFUSED,
            "{}",
            String::from_utf8_lossy(raw)
        );
    }
    // A request cut short is a bad request, not a crash.
    let reply = ws.answer(&[1, 0, 0, 0, agent::OP_READ, 1, 0, 0, 0, b'a']);
    assert_eq!(reply[8], agent::ERR_BAD_REQUEST);
}

// ---- operations, through the client ----

#[tokio::test]
async fn list_pages_directories_first_then_by_name_bytes() {
    let s = Scratch::new("list");
    for name in ["b.txt", "a.txt", "Z.txt", "c"] {
        s.file(name, b"1");
    }
    for dir in ["zdir", "adir"] {
        fs::create_dir(s.path(dir)).unwrap();
    }
    symlink("a.txt", s.path("link")).unwrap();
    let wfs = serve(&s.0).await;
    let all = wfs.list(&FsPath::root(), 0, 100).await.unwrap();
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
    let page = wfs.list(&FsPath::root(), 2, 3).await.unwrap();
    assert_eq!(page.total, 7);
    assert_eq!(names(&page), [&b"Z.txt"[..], b"a.txt", b"b.txt"]);
    let past = wfs.list(&FsPath::root(), 50, 3).await.unwrap();
    assert_eq!((past.total, past.entries.len()), (7, 0));
    assert!(matches!(
        wfs.list(&p("a.txt"), 0, 10).await,
        Err(FsError::NotADirectory(_))
    ));
    assert!(matches!(
        wfs.list(&p("missing"), 0, 10).await,
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
    let listing = wfs.list(&FsPath::root(), 0, 10).await.unwrap();
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
        let r = wfs.list(&p(dir), 0, 10).await;
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
    let lists = futures::future::join_all((0..10).map(|_| wfs.list(&root, 0, 5))).await;
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
