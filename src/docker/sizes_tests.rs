//! The in-process walk: sizes, file counts, newest activity, and never leaving the volume.

use super::*;
use std::fs::{File, FileTimes};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A fresh directory under the system temp dir, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "sandkasten-tui-sizes-{}-{n}-{name}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }

    /// Writes `len` bytes at `rel` (parents created) and returns `len`.
    fn file(&self, rel: &str, len: usize) -> u64 {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, vec![b'x'; len]).unwrap();
        len as u64
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Give back what a test took away (`locked`), so that removal works without root.
        let locked = self.0.join("locked");
        let _ = fs::set_permissions(locked, fs::Permissions::from_mode(0o755));
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn set_mtime(path: &Path, t: SystemTime) {
    // Opening read-only works for directories too; futimens needs no write access.
    File::open(path)
        .unwrap()
        .set_times(FileTimes::new().set_modified(t))
        .unwrap();
}

fn ts(t: SystemTime) -> Timestamp {
    Timestamp::try_from(t).unwrap()
}

#[test]
fn nested_directories_are_summed() {
    let s = Scratch::new("nested");
    let mut want = 0;
    want += s.file("a.txt", 10);
    want += s.file("d1/b.txt", 200);
    want += s.file("d1/d2/c.txt", 3000);
    want += s.file("d1/d2/d3/d4/e.txt", 1);
    want += s.file("d5/empty.txt", 0);
    fs::create_dir_all(s.path("d6/d7")).unwrap();
    let got = walk(&s.0).unwrap();
    assert_eq!((got.bytes, got.files), (want, 5));
}

#[test]
fn a_hard_link_is_counted_once() {
    let s = Scratch::new("hardlink");
    let a = s.file("a.bin", 5000);
    let b = s.file("other.bin", 7);
    fs::create_dir_all(s.path("sub")).unwrap();
    fs::hard_link(s.path("a.bin"), s.path("sub/a-again.bin")).unwrap();
    fs::hard_link(s.path("a.bin"), s.path("a-third.bin")).unwrap();
    let got = walk(&s.0).unwrap();
    assert_eq!((got.bytes, got.files), (a + b, 2));
}

#[test]
fn symlinks_add_nothing_and_are_not_followed() {
    let outside = Scratch::new("outside");
    File::create(outside.path("big"))
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    outside.file("dir/hidden.txt", 99);
    let s = Scratch::new("symlinks");
    let want = s.file("real.txt", 42);
    std::os::unix::fs::symlink(outside.path("big"), s.path("to-big")).unwrap();
    std::os::unix::fs::symlink(outside.path("dir"), s.path("to-dir")).unwrap();
    std::os::unix::fs::symlink("/nonexistent/dangling", s.path("dangling")).unwrap();
    std::os::unix::fs::symlink(".", s.path("loop")).unwrap();
    let got = walk(&s.0).unwrap();
    assert_eq!((got.bytes, got.files), (want, 1));
}

#[test]
fn newest_mtime_is_the_newest_entry_or_the_root() {
    let s = Scratch::new("mtime");
    s.file("old.txt", 1);
    s.file("sub/older.txt", 1);
    s.file("newer/inner.txt", 1);
    set_mtime(&s.path("old.txt"), at(1_000_000_000));
    set_mtime(&s.path("sub/older.txt"), at(900_000_000));
    set_mtime(&s.path("sub"), at(950_000_000));
    set_mtime(&s.path("newer/inner.txt"), at(1_100_000_000));
    let newer = UNIX_EPOCH + Duration::new(1_200_000_000, 123_456_789);
    set_mtime(&s.path("newer"), newer);
    set_mtime(&s.0, at(1_150_000_000));
    let got = walk(&s.0).unwrap();
    assert_eq!(got.newest_mtime, Some(ts(newer)));

    // A file is the newest once it is.
    let newest = at(1_300_000_000);
    set_mtime(&s.path("sub/older.txt"), newest);
    assert_eq!(walk(&s.0).unwrap().newest_mtime, Some(ts(newest)));
}

#[test]
fn newest_ctime_is_when_restored_files_were_written_not_their_old_mtime() {
    // What `tar x` / `cp -a` / `touch -d 2020-01-01` leave: old mtimes on files written now.
    let s = Scratch::new("ctime");
    let before = Timestamp::now() - jiff::SignedDuration::from_secs(2);
    s.file("proj/main.c", 10);
    s.file("notes.txt", 10);
    // "": the root, whose own times count too.
    for rel in ["proj/main.c", "notes.txt", "proj", ""] {
        set_mtime(&s.path(rel), at(1_577_836_800));
    }
    let got = walk(&s.0).unwrap();
    assert_eq!(got.newest_mtime, Some(ts(at(1_577_836_800))));
    let newest_ctime = ["proj/main.c", "notes.txt", "proj", ""]
        .iter()
        .map(|rel| {
            use std::os::unix::fs::MetadataExt;
            let m = fs::symlink_metadata(s.path(rel)).unwrap();
            Timestamp::new(m.ctime(), m.ctime_nsec() as i32).unwrap()
        })
        .max();
    assert_eq!(got.newest_ctime, newest_ctime, "lstat ctime of the newest");
    assert!(got.newest_ctime.unwrap() > before, "the restore itself");
}

#[test]
fn a_symlinks_own_mtime_counts() {
    let s = Scratch::new("mtime-link");
    s.file("old.txt", 1);
    set_mtime(&s.path("old.txt"), at(1_000_000_000));
    let before = Timestamp::now() - jiff::SignedDuration::from_secs(2);
    // Points at the old file: following it would give the old time.
    std::os::unix::fs::symlink("old.txt", s.path("link")).unwrap();
    let link_mtime = fs::symlink_metadata(s.path("link")).unwrap().modified();
    let got = walk(&s.0).unwrap().newest_mtime.unwrap();
    assert_eq!(got, ts(link_mtime.unwrap()));
    assert!(got > before);
}

#[test]
fn an_empty_directory_has_nothing_but_its_own_times() {
    let s = Scratch::new("empty");
    set_mtime(&s.0, at(1_000_000_000));
    let got = walk(&s.0).unwrap();
    assert_eq!((got.bytes, got.files, got.unlisted), (0, 0, 0));
    assert_eq!(got.newest_mtime, Some(ts(at(1_000_000_000))));
}

#[test]
fn removing_an_entry_at_the_top_is_activity() {
    // A build tree made and removed at the top every day, beside old caches: the only trace
    // is the root directory's own times.
    let s = Scratch::new("top-rm");
    s.file("cache/old.bin", 10);
    for rel in ["cache/old.bin", "cache"] {
        set_mtime(&s.path(rel), at(1_000_000_000));
    }
    let before = Timestamp::now() - jiff::SignedDuration::from_secs(2);
    s.file("build-1/out.o", 10);
    fs::remove_dir_all(s.path("build-1")).unwrap();
    let got = walk(&s.0).unwrap();
    assert!(got.newest_mtime.unwrap() > before, "{got:?}");
    assert!(got.newest_ctime.unwrap() > before, "{got:?}");
}

#[test]
fn a_tree_of_regular_files_matches_an_independent_sum() {
    let s = Scratch::new("sum");
    let mut sizes = Vec::new();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for d in 0..7 {
        for f in 0..13 {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let len = 100 + (seed >> 33) as usize % 1900;
            s.file(&format!("d{d}/s{}/f{f}", f % 3), len);
            sizes.push(len as u64);
        }
    }
    // Independent: the sizes as written, and lstat of each path one by one.
    let mut by_stat = 0;
    for d in 0..7 {
        for f in 0..13 {
            by_stat += fs::symlink_metadata(s.path(&format!("d{d}/s{}/f{f}", f % 3)))
                .unwrap()
                .len();
        }
    }
    let got = walk(&s.0).unwrap();
    assert_eq!(got.bytes, sizes.iter().sum::<u64>());
    assert_eq!(got.bytes, by_stat);
    assert_eq!(got.files, sizes.len() as u64);
}

#[test]
fn an_unreadable_root_is_an_error() {
    let s = Scratch::new("root-err");
    assert!(walk(&s.path("missing")).is_err());
    s.file("file.txt", 3);
    assert!(walk(&s.path("file.txt")).is_err());
}

#[test]
fn an_unlistable_subdirectory_is_skipped() {
    let s = Scratch::new("locked");
    let open = s.file("open.txt", 10);
    let locked = s.file("locked/inside.txt", 20);
    fs::set_permissions(s.path("locked"), fs::Permissions::from_mode(0o000)).unwrap();
    let got = walk(&s.0).unwrap();
    // Root (CAP_DAC_READ_SEARCH) lists it anyway; anyone else skips what it holds.
    if fs::read_dir(s.path("locked")).is_ok() {
        assert_eq!((got.bytes, got.files), (open + locked, 2));
        assert_eq!(got.unlisted, 0);
    } else {
        assert_eq!((got.bytes, got.files), (open, 1));
        // Said, so that nothing takes these figures for the whole.
        assert_eq!(got.unlisted, 1);
    }
    // A directory that vanishes or becomes a symlink is not "unlisted": it is not there.
    fs::set_permissions(s.path("locked"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::remove_dir_all(s.path("locked")).unwrap();
    std::os::unix::fs::symlink("/nonexistent", s.path("was-a-dir")).unwrap();
    assert_eq!(walk(&s.0).unwrap().unlisted, 0);
}

#[test]
fn readable_dir_cases() {
    let s = Scratch::new("readable");
    assert!(readable_dir(&s.0));
    s.file("file.txt", 1);
    assert!(!readable_dir(&s.path("file.txt")));
    assert!(!readable_dir(&s.path("missing")));
    fs::create_dir(s.path("locked")).unwrap();
    fs::set_permissions(s.path("locked"), fs::Permissions::from_mode(0o000)).unwrap();
    assert_eq!(
        readable_dir(&s.path("locked")),
        fs::read_dir(s.path("locked")).is_ok()
    );
}

// A trimmed API 1.41 reply (docker 20.10), volume part as the daemon sends it.
const DF_141: &str = r#"{"LayersSize":1092588,"Images":[],"Containers":[],
    "Volumes":[
      {"CreatedAt":"2024-01-01T00:00:00Z","Driver":"local","Labels":{"sandkasten.workspace":"true"},
       "Mountpoint":"/var/lib/docker/volumes/sandkasten-ws-a/_data","Name":"sandkasten-ws-a",
       "Options":null,"Scope":"local","UsageData":{"RefCount":1,"Size":20820}},
      {"Driver":"local","Name":"sandkasten-ws-b","Mountpoint":"/x","Scope":"local",
       "UsageData":{"RefCount":0,"Size":0}},
      {"Driver":"local","Name":"broken","Mountpoint":"/y","Scope":"local",
       "UsageData":{"RefCount":0,"Size":-1}},
      {"Driver":"local","Name":"no-usage","Mountpoint":"/z","Scope":"local"}
    ],"BuildCache":null,"BuilderSize":0}"#;

fn sizes(pairs: &[(&str, u64)]) -> HashMap<String, u64> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

#[test]
fn df_reply_in_the_1_41_shape() {
    let got = parse_df_reply(200, DF_141.as_bytes()).unwrap();
    // -1 (unknown) and a missing UsageData are left out.
    assert_eq!(
        got,
        sizes(&[("sandkasten-ws-a", 20820), ("sandkasten-ws-b", 0)])
    );
}

#[test]
fn df_reply_with_no_volumes() {
    let body = r#"{"LayersSize":0,"Images":[],"Containers":[],"Volumes":null}"#;
    assert_eq!(
        parse_df_reply(200, body.as_bytes()).unwrap(),
        HashMap::new()
    );
}

#[test]
fn df_reply_in_the_1_52_shapes() {
    // Without `verbose`, 1.52+ sends the legacy array next to the summary.
    let legacy = r#"{"VolumeUsage":{"ActiveCount":1,"TotalCount":1,"Reclaimable":0,"TotalSize":5},
        "Volumes":[{"Name":"v1","UsageData":{"RefCount":1,"Size":5}}]}"#;
    assert_eq!(
        parse_df_reply(200, legacy.as_bytes()).unwrap(),
        sizes(&[("v1", 5)])
    );
    let verbose = r#"{"VolumeUsage":{"ActiveCount":1,"TotalCount":2,"TotalSize":5,
        "Items":[{"Name":"v1","UsageData":{"RefCount":1,"Size":5}},
                 {"Name":"v2","UsageData":{"RefCount":0,"Size":-1}}]}}"#;
    assert_eq!(
        parse_df_reply(200, verbose.as_bytes()).unwrap(),
        sizes(&[("v1", 5)])
    );
    let summary_only = r#"{"VolumeUsage":{"ActiveCount":1,"TotalCount":1,"TotalSize":5}}"#;
    assert!(matches!(
        parse_df_reply(200, summary_only.as_bytes()),
        Err(SizeError::Parse(_))
    ));
}

#[test]
fn df_reply_errors() {
    let busy = br#"{"message":"a disk usage operation is already running"}"#;
    assert!(matches!(parse_df_reply(500, busy), Err(SizeError::Busy)));
    let other = br#"{"message":"client version 1.99 is too new"}"#;
    match parse_df_reply(400, other) {
        Err(SizeError::Http { status, message }) => {
            assert_eq!(
                (status, message.as_str()),
                (400, "client version 1.99 is too new")
            );
        }
        other => panic!("{other:?}"),
    }
    match parse_df_reply(502, b"Bad Gateway\n") {
        Err(SizeError::Http { status, message }) => {
            assert_eq!((status, message.as_str()), (502, "Bad Gateway"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        parse_df_reply(200, b"{\"Volumes\":[{\"Name\":"),
        Err(SizeError::Parse(_))
    ));
}

#[test]
fn http_response_with_content_length() {
    let raw = format!(
        "HTTP/1.0 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{DF_141}",
        DF_141.len()
    );
    let (status, body) = parse_http_response(raw.as_bytes()).unwrap();
    assert_eq!((status, body.as_slice()), (200, DF_141.as_bytes()));
    // Cut short: an error, not a half body.
    let cut = &raw.as_bytes()[..raw.len() - 10];
    assert!(matches!(parse_http_response(cut), Err(SizeError::Parse(_))));
}

#[test]
fn http_response_until_eof() {
    let raw = "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"Volumes\":null}";
    let (status, body) = parse_http_response(raw.as_bytes()).unwrap();
    assert_eq!((status, body.as_slice()), (200, &b"{\"Volumes\":null}"[..]));
}

/// Encodes `body` in chunks of the given sizes, with a chunk extension and a trailer.
fn chunked(body: &str, sizes: &[usize]) -> String {
    let mut out = String::new();
    let mut rest = body;
    for &n in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let n = n.min(rest.len());
        out.push_str(&format!("{n:x};ext=1\r\n{}\r\n", &rest[..n]));
        rest = &rest[n..];
    }
    out.push_str("0\r\nX-Trailer: y\r\n\r\n");
    out
}

#[test]
fn chunked_responses_are_decoded() {
    let raw = format!(
        "HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\nContent-Type: application/json\r\n\r\n{}",
        chunked(DF_141, &[7, 300, 1, 4096])
    );
    let (status, body) = parse_http_response(raw.as_bytes()).unwrap();
    assert_eq!((status, body.as_slice()), (200, DF_141.as_bytes()));
    assert_eq!(
        parse_df_reply(status, &body).unwrap(),
        sizes(&[("sandkasten-ws-a", 20820), ("sandkasten-ws-b", 0)])
    );

    let busy = r#"{"message":"a disk usage operation is already running"}"#;
    let raw = format!(
        "HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n{}",
        chunked(busy, &[16])
    );
    let (status, body) = parse_http_response(raw.as_bytes()).unwrap();
    assert!(matches!(
        parse_df_reply(status, &body),
        Err(SizeError::Busy)
    ));
}

#[test]
fn broken_http_is_a_parse_error() {
    let cases: [&[u8]; 5] = [
        b"",
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n",
        b"SSH-2.0-OpenSSH\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc",
    ];
    for raw in cases {
        assert!(
            matches!(parse_http_response(raw), Err(SizeError::Parse(_))),
            "{:?}",
            String::from_utf8_lossy(raw)
        );
    }
}
