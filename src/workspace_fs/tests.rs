//! The agent's own code, compiled here as a module, served over real pipes to the real client:
//! protocol agreement on golden bytes, and every operation's semantics on a scratch directory
//! (symlinks, odd names, conflicts, owners, paging), without Docker. The engine tests in
//! `tests/workspace_fs_engine.rs` repeat the essentials in a helper container.

use std::fs;
use std::os::fd::OwnedFd;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use bollard::container::LogOutput;
use tokio::io::AsyncReadExt;

use super::agent;
use super::client::Client;
use super::protocol::{self, Request};
use super::*;
use crate::domain::files::EntryKind;

/// A fresh directory under the system temp dir, removed on drop.
pub(super) struct Scratch(pub(super) PathBuf);

impl Scratch {
    pub(super) fn new(name: &str) -> Self {
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

    pub(super) fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }

    pub(super) fn file(&self, rel: &str, content: &[u8]) {
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

pub(super) fn p(raw: &str) -> FsPath {
    FsPath::parse(raw).unwrap()
}

/// The agent serving `root` on a thread, spoken to through pipes by the real client.
pub(super) async fn serve(root: &Path) -> WorkspaceFs {
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

pub(super) fn names(listing: &Listing) -> Vec<Vec<u8>> {
    listing.entries.iter().map(|e| e.name.clone()).collect()
}

// ---- golden bytes: both sides agree ----

#[test]
fn constants_agree() {
    assert_eq!(agent::wire::HELLO, protocol::HELLO);
    assert_eq!(agent::wire::PROTOCOL_VERSION, protocol::PROTOCOL_VERSION);
    assert_eq!(agent::wire::MAX_DATA, protocol::MAX_DATA);
    assert_eq!(agent::wire::MAX_FRAME, protocol::MAX_FRAME);
}

/// Both sides take the numbers from one file, so they always agree; this pins them, since a
/// renumbering there would break every agent image already built.
#[test]
fn wire_numbers_are_pinned() {
    use agent::wire as w;
    assert_eq!((w::PROTOCOL_VERSION, w::HELLO), (4, &b"HELLO 4\n"[..]));
    assert_eq!(
        [
            w::OP_LIST,
            w::OP_STAT,
            w::OP_READ,
            w::OP_WRITE,
            w::OP_MKDIR,
            w::OP_RENAME,
            w::OP_REMOVE,
            w::OP_WALK
        ],
        [1, 2, 3, 4, 5, 6, 7, 8]
    );
    assert_eq!(
        [
            w::STATUS_OK,
            w::ERR_NOT_FOUND,
            w::ERR_PERMISSION,
            w::ERR_CONFLICT,
            w::ERR_NOT_DIR,
            w::ERR_IS_DIR,
            w::ERR_EXISTS,
            w::ERR_NOT_EMPTY,
            w::ERR_REFUSED,
            w::ERR_IO,
            w::ERR_BAD_REQUEST,
            w::STATUS_PART
        ],
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    );
    assert_eq!(
        [w::KIND_FILE, w::KIND_DIR, w::KIND_SYMLINK, w::KIND_OTHER],
        [0, 1, 2, 3]
    );
    assert_eq!(
        [w::EXPECT_ANY, w::EXPECT_VERSION, w::EXPECT_ABSENT],
        [0, 1, 2]
    );
    assert_eq!(
        (w::MAX_DATA, w::MAX_FRAME, w::MIN_FRAME, w::ENTRY_MIN_LEN),
        (32 << 20, (32 << 20) + (1 << 16), 5, 61)
    );
}

#[test]
fn golden_list_request() {
    let golden: &[u8] = &[
        16, 0, 0, 0, // length
        7, 0, 0, 0, // id
        1, // LIST
        3, 0, 0, 0, b'a', b'/', b'b', // path
        3, 0, 0, 0, // limit
    ];
    let dir = p("a/b");
    let frame = Request::List {
        dir: &dir,
        limit: 3,
    }
    .encode(7);
    assert_eq!(frame, golden);
    // The agent reads the same bytes back.
    let body = agent::read_frame(&mut &golden[..]).unwrap().unwrap();
    assert_eq!(
        (&body[..4], body[4]),
        (&[7, 0, 0, 0][..], agent::wire::OP_LIST)
    );
    let mut c = agent::wire::Reader::new(&body[5..]);
    assert_eq!(c.blob().unwrap(), b"a/b");
    assert_eq!(c.u32().unwrap(), 3);
    assert_eq!(c.rest(), 0);
}

#[test]
fn golden_write_request() {
    let golden: &[u8] = &[
        57, 0, 0, 0, // length
        1, 0, 0, 0, // id
        4, // WRITE
        1, 0, 0, 0, b'f', // path
        1,    // expected: present
        0x10, 0, 0, 0, 0, 0, 0, 0, // mtime_ns
        5, 0, 0, 0, 0, 0, 0, 0, // size
        0x11, 0, 0, 0, 0, 0, 0, 0, // ctime_ns
        9, 0, 0, 0, 0, 0, 0, 0, // ino
        3, 0, 0, 0, 0, 0, 0, 0, // dev
        2, 0, 0, 0, b'h', b'i', // data
    ];
    let path = p("f");
    let frame = Request::Write {
        path: &path,
        expected: Some(Version {
            mtime_ns: 16,
            size: 5,
            ctime_ns: 17,
            ino: 9,
            dev: 3,
        }),
        create_new: false,
        data: b"hi",
    }
    .encode(1);
    assert_eq!(frame, golden);
    let body = agent::read_frame(&mut &golden[..]).unwrap().unwrap();
    assert_eq!(body[4], agent::wire::OP_WRITE);
    let mut c = agent::wire::Reader::new(&body[5..]);
    assert_eq!(c.blob().unwrap(), b"f");
    assert_eq!(
        c.expected().unwrap(),
        Some(agent::wire::Expected::Version(agent::wire::Stamp {
            mtime_ns: 16,
            size: 5,
            ctime_ns: 17,
            ino: 9,
            dev: 3
        }))
    );
    assert_eq!(c.blob().unwrap(), b"hi");
    assert_eq!(c.rest(), 0);
    // Creating only if absent: expectation kind 2, a zero version.
    let create = Request::Write {
        path: &path,
        expected: None,
        create_new: true,
        data: b"hi",
    }
    .encode(1);
    let mut golden_create = golden.to_vec();
    golden_create[14] = 2; // expectation: absent
    golden_create[15..55].fill(0); // and a zero version
    assert_eq!(create, golden_create);
    let body = agent::read_frame(&mut &create[..]).unwrap().unwrap();
    let mut c = agent::wire::Reader::new(&body[5..]);
    assert_eq!(c.blob().unwrap(), b"f");
    assert_eq!(c.expected().unwrap(), Some(agent::wire::Expected::Absent));
    assert_eq!(c.blob().unwrap(), b"hi");
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
        meant: None,
    }
    .encode(3);
    assert_eq!(
        remove,
        [
            28, 0, 0, 0, 3, 0, 0, 0, 7, 1, 0, 0, 0, b'a', 0, // path, not recursive
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // no identity
        ]
    );
    let meant = crate::domain::files::Identity { dev: 9, ino: 258 };
    let remove_meant = Request::Remove {
        path: &a,
        recursive: true,
        meant: Some(meant),
    }
    .encode(4);
    assert_eq!(
        remove_meant,
        [
            28, 0, 0, 0, 4, 0, 0, 0, 7, 1, 0, 0, 0, b'a', 1, // path, recursive
            1, 9, 0, 0, 0, 0, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0, // dev 9, inode 258
        ]
    );
    let body = agent::read_frame(&mut &remove_meant[..]).unwrap().unwrap();
    let mut fields = agent::wire::Reader::new(&body[5..]);
    assert_eq!(fields.blob(), Ok(&b"a"[..]));
    assert_eq!(fields.u8(), Ok(1));
    assert_eq!(
        fields.identity(),
        Ok(Some(agent::wire::Identity { dev: 9, ino: 258 }))
    );
    assert_eq!(fields.rest(), 0);
    for (frame, op) in [
        (rename, agent::wire::OP_RENAME),
        (remove, agent::wire::OP_REMOVE),
    ] {
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
        7, 0, 0, 0, 0, 0, 0, 0, // ctime_ns
        8, 0, 0, 0, 0, 0, 0, 0, // ino
        9, 0, 0, 0, 0, 0, 0, 0, // dev
        2, 0, 0, 0, b'h', b'i', // data
    ];
    let mut agent_side = Vec::new();
    let stamp = agent::wire::Stamp {
        mtime_ns: 5,
        size: 6,
        ctime_ns: 7,
        ino: 8,
        dev: 9,
    };
    agent::wire::put_version(&mut agent_side, Some(stamp));
    agent::wire::put_blob(&mut agent_side, b"hi");
    assert_eq!(agent_side, golden);
    let got = protocol::decode_read(golden).unwrap();
    assert_eq!(got.data, b"hi");
    assert_eq!(
        got.version,
        Version {
            mtime_ns: 5,
            size: 6,
            ctime_ns: 7,
            ino: 8,
            dev: 9
        }
    );
}

#[test]
fn golden_walk_reply() {
    let golden: &[u8] = &[
        7, 0, 0, 0, 0, 0, 0, 0, // bytes
        2, 0, 0, 0, 0, 0, 0, 0, // files
        1, // a newest time follows
        5, 0, 0, 0, 0, 0, 0, 0, // newest mtime_ns
        6, 0, 0, 0, 0, 0, 0, 0, // newest ctime_ns
    ];
    let mut agent_side = Vec::new();
    let totals = agent::wire::WalkTotals {
        bytes: 7,
        files: 2,
        newest: Some((5, 6)),
    };
    agent::wire::put_walk(&mut agent_side, &totals);
    assert_eq!(agent_side, golden);
    let got = protocol::decode_walk(golden).unwrap();
    let ns = |t: Option<jiff::Timestamp>| t.map(|t| t.as_nanosecond());
    assert_eq!(
        (
            got.bytes,
            got.files,
            ns(got.newest_mtime),
            ns(got.newest_ctime)
        ),
        (7, 2, Some(5), Some(6))
    );
    // Nothing to look at: zeros, and no newest times.
    let mut agent_side = Vec::new();
    agent::wire::put_walk(&mut agent_side, &agent::wire::WalkTotals::default());
    assert_eq!(agent_side, [0; 33]);
    let got = protocol::decode_walk(&agent_side).unwrap();
    assert_eq!((ns(got.newest_mtime), ns(got.newest_ctime)), (None, None));
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
    let ctime = meta.ctime() * 1_000_000_000 + meta.ctime_nsec();
    golden.extend_from_slice(&ctime.to_le_bytes());
    golden.extend_from_slice(&meta.ino().to_le_bytes());
    golden.extend_from_slice(&meta.dev().to_le_bytes());
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
            ctime_ns: ctime,
            ino: meta.ino(),
            dev: meta.dev(),
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
        1, 7, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, // current: mtime, size
        1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0,
        0, // ctime ino dev
    ];
    assert_eq!(
        protocol::decode_error(3, conflict),
        FsError::Conflict {
            message: "x".into(),
            current: Some(Version {
                mtime_ns: 7,
                size: 8,
                ctime_ns: 1,
                ino: 2,
                dev: 3
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
        let mut frame = vec![1, 0, 0, 0, agent::wire::OP_STAT];
        agent::wire::put_blob(&mut frame, raw);
        let reply = ws.answer(&frame);
        assert_eq!(
            reply[8],
            agent::wire::ERR_REFUSED,
            "{}",
            String::from_utf8_lossy(raw)
        );
    }
    // A request cut short is a bad request, not a crash.
    let reply = ws.answer(&[1, 0, 0, 0, agent::wire::OP_READ, 1, 0, 0, 0, b'a']);
    assert_eq!(reply[8], agent::wire::ERR_BAD_REQUEST);
}
