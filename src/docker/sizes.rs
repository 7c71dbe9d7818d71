//! Size measurement of workspace volumes: an in-process walk of a volume's directory (exact,
//! per volume, needs read access to the Mountpoint, i.e. root on the Docker host) and the
//! engine's `/system/df` (no root needed, but daemon-wide and one call at a time). These are
//! primitives only: they neither schedule, cache nor draw anything.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::Path;

use jiff::Timestamp;
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

/// What one walk of a volume found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DirStats {
    /// Apparent size of regular files, each inode counted once (hard links), like
    /// `du -sb --apparent-size` counts regular files. Directories and symlinks add nothing.
    pub bytes: u64,
    /// Regular files (each inode once).
    pub files: u64,
    /// Newest modification time of anything inside (files, directories, symlinks themselves
    /// via lstat), not counting the root directory itself; None when empty.
    pub newest_mtime: Option<Timestamp>,
}

/// Walks `root` without ever following a symlink, so it never leaves the tree. Blocking: call
/// it from `spawn_blocking`.
///
/// Returns `Err` only when `root` itself cannot be listed. Below the root, whatever cannot be
/// read is skipped and the walk goes on: a subdirectory that cannot be listed adds only its
/// own mtime (nothing it holds), an entry that vanishes between listing and `lstat` adds
/// nothing.
/// The result is then a lower bound; as root on the Docker host this does not happen except
/// for entries removed while the walk runs.
pub fn walk(root: &Path) -> std::io::Result<DirStats> {
    // Every directory is opened relative to its parent's handle with O_NOFOLLOW, and every
    // entry is stat'ed relative to its directory without following: a session that swaps a
    // directory for a symlink mid-walk cannot steer this (root-privileged) walk out of the
    // volume. One handle is held per depth level, so wide trees cannot exhaust descriptors.
    let root = open_dir(rustix::fs::CWD, root).map_err(std::io::Error::from)?;
    let mut walker = Walker::default();
    let pending = walker.scan(&root).map_err(std::io::Error::from)?;
    let mut stack = vec![(root, pending)];
    while let Some((dir, pending)) = stack.last_mut() {
        let Some(name) = pending.pop() else {
            stack.pop();
            continue;
        };
        // A subdirectory that vanished, was swapped for a symlink, or cannot be read adds
        // only its own mtime (already noted by its parent's scan).
        let Ok(child) = open_dir(&*dir, name.as_c_str()) else {
            continue;
        };
        let Ok(pending) = walker.scan(&child) else {
            continue;
        };
        stack.push((child, pending));
    }
    Ok(walker.finish())
}

fn open_dir<P: rustix::path::Arg>(
    at: impl std::os::fd::AsFd,
    path: P,
) -> rustix::io::Result<std::os::fd::OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    rustix::fs::openat(
        at,
        path,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
}

/// True when `path` is a directory this process can list (used to decide whether the
/// in-process walk works on this host: `/var/lib/docker/volumes/<name>/_data` needs root).
pub fn readable_dir(path: &Path) -> bool {
    fs::read_dir(path).is_ok()
}

#[derive(Default)]
struct Walker {
    /// (dev, ino) of regular files with more than one link; files with one link cannot be met
    /// twice, so the set stays empty in the usual case.
    linked: HashSet<(u64, u64)>,
    bytes: u64,
    files: u64,
    /// (seconds, nanoseconds) since the epoch, as lstat gives them.
    newest: Option<(i64, i64)>,
}

impl Walker {
    /// Counts one directory's entries; returns the names of its subdirectories.
    fn scan(&mut self, dir: &std::os::fd::OwnedFd) -> rustix::io::Result<Vec<std::ffi::CString>> {
        use rustix::fs::{AtFlags, FileType};
        let mut subdirs = Vec::new();
        let mut entries = rustix::fs::Dir::read_from(dir)?;
        while let Some(entry) = entries.read() {
            // A listing error ends that directory's listing.
            let Ok(entry) = entry else { break };
            let name = entry.file_name();
            if name.to_bytes() == b"." || name.to_bytes() == b".." {
                continue;
            }
            let Ok(st) = rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) else {
                continue; // vanished since the listing
            };
            self.note_mtime(st.st_mtime, st.st_mtime_nsec as i64);
            match FileType::from_raw_mode(st.st_mode) {
                FileType::Directory => subdirs.push(name.to_owned()),
                // st_dev/st_ino are u64 here but narrower on other targets.
                #[allow(clippy::unnecessary_cast)]
                FileType::RegularFile => {
                    if st.st_nlink > 1 && !self.linked.insert((st.st_dev as u64, st.st_ino as u64))
                    {
                        continue;
                    }
                    self.files += 1;
                    self.bytes += st.st_size.max(0) as u64;
                }
                _ => {}
            }
        }
        Ok(subdirs)
    }

    fn note_mtime(&mut self, secs: i64, nanos: i64) {
        let t = (secs, nanos);
        if self.newest.is_none_or(|n| t > n) {
            self.newest = Some(t);
        }
    }

    fn finish(self) -> DirStats {
        DirStats {
            bytes: self.bytes,
            files: self.files,
            newest_mtime: self.newest.and_then(|(secs, nanos)| {
                Timestamp::new(secs, i32::try_from(nanos).unwrap_or(0)).ok()
            }),
        }
    }
}

/// Why `/system/df` gave no sizes.
#[derive(Debug, thiserror::Error)]
pub enum SizeError {
    /// The daemon is already computing disk usage (for us or anyone, e.g. `docker system df`)
    /// and refuses a second computation at the same time: retry later.
    #[error("the engine is busy with another disk usage computation; retry later")]
    Busy,
    #[error("engine socket: {0}")]
    Io(#[from] std::io::Error),
    #[error("engine answered {status}: {message}")]
    Http { status: u16, message: String },
    #[error("unexpected reply to /system/df: {0}")]
    Parse(String),
}

// No version prefix, so the daemon answers in its own default version (bollard does the same).
// `type=volume` spares images and containers from 1.42 on (1.41 accepts and ignores it); no
// `verbose`, so 1.52+ keeps the legacy `Volumes` array. HTTP/1.0 + close: the body ends at EOF.
const DF_REQUEST: &[u8] =
    b"GET /system/df?type=volume HTTP/1.0\r\nHost: docker\r\nConnection: close\r\n\r\n";

/// Sizes of all volumes from the engine's `GET /system/df?type=volume` over the unix socket
/// at `socket` (bollard 0.21's `Docker::df` cannot parse API 1.41 replies). Returns volume
/// name -> `UsageData.Size` in bytes; volumes the daemon could not size (-1) are left out.
///
/// The daemon counts regular files once per inode, and also the lstat size of symlinks (the
/// length of their target), so it can exceed [`walk`]'s `bytes` by that much. It walks every
/// volume on the engine on every call (~50 ms for 20,000 files). Concurrent calls fail with
/// [`SizeError::Busy`] (on daemons that refuse them). No timeout here: wrap it in one.
pub async fn system_df_volume_sizes(socket: &Path) -> Result<HashMap<String, u64>, SizeError> {
    let mut stream = UnixStream::connect(socket).await?;
    stream.write_all(DF_REQUEST).await?;
    let mut raw = Vec::with_capacity(64 * 1024);
    stream.read_to_end(&mut raw).await?;
    let (status, body) = parse_http_response(&raw)?;
    parse_df_reply(status, &body)
}

/// Splits a complete HTTP/1.x response into its status and decoded body (Content-Length,
/// chunked, or up to EOF).
fn parse_http_response(raw: &[u8]) -> Result<(u16, Vec<u8>), SizeError> {
    let head_end =
        find(raw, b"\r\n\r\n").ok_or_else(|| SizeError::Parse("no end of HTTP headers".into()))?;
    let head = std::str::from_utf8(&raw[..head_end])
        .map_err(|_| SizeError::Parse("HTTP headers are not UTF-8".into()))?;
    let body = &raw[head_end + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .strip_prefix("HTTP/1.")
        .and_then(|rest| rest.split(' ').nth(1))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| SizeError::Parse(format!("bad status line {status_line:?}")))?;
    let mut chunked = false;
    let mut length = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.to_ascii_lowercase().contains("chunked");
        } else if name.eq_ignore_ascii_case("content-length") {
            length = Some(
                value
                    .parse::<usize>()
                    .map_err(|_| SizeError::Parse(format!("bad Content-Length {value:?}")))?,
            );
        }
    }
    // Chunked wins over Content-Length (RFC 9112 6.3).
    let body = if chunked {
        decode_chunked(body)?
    } else if let Some(length) = length {
        body.get(..length)
            .ok_or_else(|| {
                SizeError::Parse(format!("body is {} bytes, expected {length}", body.len()))
            })?
            .to_vec()
    } else {
        body.to_vec()
    };
    Ok((status, body))
}

/// Decodes a `Transfer-Encoding: chunked` body; trailers are ignored.
fn decode_chunked(mut rest: &[u8]) -> Result<Vec<u8>, SizeError> {
    let mut out = Vec::with_capacity(rest.len());
    loop {
        let line_end =
            find(rest, b"\r\n").ok_or_else(|| SizeError::Parse("truncated chunk size".into()))?;
        let line = std::str::from_utf8(&rest[..line_end])
            .map_err(|_| SizeError::Parse("chunk size is not UTF-8".into()))?;
        // A chunk size may carry extensions after ';'.
        let hex = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(hex, 16)
            .map_err(|_| SizeError::Parse(format!("bad chunk size {line:?}")))?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        let chunk = rest
            .get(..size)
            .ok_or_else(|| SizeError::Parse("truncated chunk".into()))?;
        out.extend_from_slice(chunk);
        rest = rest
            .get(size..)
            .and_then(|r| r.strip_prefix(b"\r\n"))
            .ok_or_else(|| SizeError::Parse("chunk not followed by CRLF".into()))?;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[derive(Deserialize)]
struct DfReply {
    /// API < 1.52, and 1.52+ without `verbose`. Outer None: key absent; inner None: null
    /// (1.41 sends null when there are no volumes).
    #[serde(rename = "Volumes", default, deserialize_with = "present")]
    volumes: Option<Option<Vec<DfVolume>>>,
    /// API 1.52+; `Items` only with `verbose=true`.
    #[serde(rename = "VolumeUsage", default)]
    volume_usage: Option<DfVolumeUsage>,
}

#[derive(Deserialize)]
struct DfVolumeUsage {
    #[serde(rename = "Items", default)]
    items: Option<Vec<DfVolume>>,
}

#[derive(Deserialize)]
struct DfVolume {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "UsageData", default)]
    usage_data: Option<DfUsageData>,
}

#[derive(Deserialize)]
struct DfUsageData {
    #[serde(rename = "Size")]
    size: i64,
}

#[derive(Deserialize)]
struct ErrorBody {
    message: String,
}

/// Marks a field as present (Some) even when its value is null.
fn present<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

/// Turns a `/system/df` reply (status and decoded body) into volume name -> size.
fn parse_df_reply(status: u16, body: &[u8]) -> Result<HashMap<String, u64>, SizeError> {
    if !(200..300).contains(&status) {
        let message = serde_json::from_slice::<ErrorBody>(body)
            .map(|e| e.message)
            .unwrap_or_else(|_| String::from_utf8_lossy(body).trim().to_owned());
        if message.contains("disk usage operation is already running") {
            return Err(SizeError::Busy);
        }
        return Err(SizeError::Http { status, message });
    }
    let reply: DfReply =
        serde_json::from_slice(body).map_err(|e| SizeError::Parse(e.to_string()))?;
    let volumes = match (reply.volumes, reply.volume_usage) {
        (Some(volumes), _) => volumes.unwrap_or_default(),
        (None, Some(DfVolumeUsage { items: Some(items) })) => items,
        (None, _) => {
            return Err(SizeError::Parse(
                "no per-volume sizes (neither Volumes nor VolumeUsage.Items)".into(),
            ));
        }
    };
    Ok(volumes
        .into_iter()
        .filter_map(|v| {
            let size = u64::try_from(v.usage_data?.size).ok()?;
            Some((v.name, size))
        })
        .collect())
}

#[cfg(test)]
mod tests {
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
    fn newest_mtime_is_the_newest_entry_and_not_the_root() {
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
        // The root keeps its current mtime (now), which must not count.
        let got = walk(&s.0).unwrap();
        assert_eq!(got.newest_mtime, Some(ts(newer)));

        // A file is the newest once it is.
        let newest = at(1_300_000_000);
        set_mtime(&s.path("sub/older.txt"), newest);
        assert_eq!(walk(&s.0).unwrap().newest_mtime, Some(ts(newest)));
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
    fn an_empty_directory_has_nothing() {
        let s = Scratch::new("empty");
        assert_eq!(walk(&s.0).unwrap(), DirStats::default());
        assert_eq!(walk(&s.0).unwrap().newest_mtime, None);
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
        } else {
            assert_eq!((got.bytes, got.files), (open, 1));
        }
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
}
