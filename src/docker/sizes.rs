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

use crate::domain::measure::DirStats;
use crate::domain::outcome::FailureKind;

/// Walks `root` without ever following a symlink, so it never leaves the tree. Blocking: call
/// it from `spawn_blocking`.
///
/// Returns `Err` only when `root` itself cannot be listed. Below the root, whatever cannot be
/// read is skipped and the walk goes on: a subdirectory that cannot be listed adds only its
/// own times (nothing it holds), an entry that vanishes between listing and `lstat` adds
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
    walker.note(&rustix::fs::fstat(&root).map_err(std::io::Error::from)?);
    let pending = walker.scan(&root).map_err(std::io::Error::from)?;
    let mut stack = vec![(root, pending)];
    while let Some((dir, pending)) = stack.last_mut() {
        let Some(name) = pending.pop() else {
            stack.pop();
            continue;
        };
        // A subdirectory that vanished, was swapped for a symlink, or cannot be read adds
        // only its own times (already noted by its parent's scan); one that cannot be read
        // is counted as unlisted.
        let child = match open_dir(&*dir, name.as_c_str()) {
            Ok(child) => child,
            Err(e) => {
                if !gone(e) {
                    walker.unlisted += 1;
                }
                continue;
            }
        };
        let pending = match walker.scan(&child) {
            Ok(pending) => pending,
            Err(_) => {
                walker.unlisted += 1;
                continue;
            }
        };
        stack.push((child, pending));
    }
    Ok(walker.finish())
}

/// An error that says the directory is no longer there as one (removed, or replaced by a
/// file or a symlink), not that it could not be read.
fn gone(e: rustix::io::Errno) -> bool {
    use rustix::io::Errno;
    matches!(e, Errno::NOENT | Errno::NOTDIR | Errno::LOOP)
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
    /// Newest mtime and ctime: (seconds, nanoseconds) since the epoch, as lstat gives them.
    newest_mtime: Option<(i64, i64)>,
    newest_ctime: Option<(i64, i64)>,
    unlisted: u64,
}

impl Walker {
    /// Counts one directory's entries; returns the names of its subdirectories.
    fn scan(&mut self, dir: &std::os::fd::OwnedFd) -> rustix::io::Result<Vec<std::ffi::CString>> {
        use rustix::fs::{AtFlags, FileType};
        let mut subdirs = Vec::new();
        let mut entries = rustix::fs::Dir::read_from(dir)?;
        while let Some(entry) = entries.read() {
            // A listing error ends that directory's listing, which is then incomplete.
            let Ok(entry) = entry else {
                self.unlisted += 1;
                break;
            };
            let name = entry.file_name();
            if name.to_bytes() == b"." || name.to_bytes() == b".." {
                continue;
            }
            let Ok(st) = rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) else {
                continue; // vanished since the listing
            };
            self.note(&st);
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

    /// Takes one entry's (or the root's) modification and status change times.
    fn note(&mut self, st: &rustix::fs::Stat) {
        note_newest(
            &mut self.newest_mtime,
            (st.st_mtime, st.st_mtime_nsec as i64),
        );
        note_newest(
            &mut self.newest_ctime,
            (st.st_ctime, st.st_ctime_nsec as i64),
        );
    }

    fn finish(self) -> DirStats {
        let timestamp = |t: Option<(i64, i64)>| {
            t.and_then(|(secs, nanos)| Timestamp::new(secs, i32::try_from(nanos).unwrap_or(0)).ok())
        };
        DirStats {
            bytes: self.bytes,
            files: self.files,
            newest_mtime: timestamp(self.newest_mtime),
            newest_ctime: timestamp(self.newest_ctime),
            unlisted: self.unlisted,
        }
    }
}

fn note_newest(newest: &mut Option<(i64, i64)>, t: (i64, i64)) {
    if newest.is_none_or(|n| t > n) {
        *newest = Some(t);
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

impl SizeError {
    /// What the screen can do about it: a busy engine is in use by another computation, a
    /// socket that fails is an engine out of reach.
    pub fn kind(&self) -> FailureKind {
        match self {
            SizeError::Busy => FailureKind::InUse,
            SizeError::Io(_) => FailureKind::Unreachable,
            SizeError::Http { .. } | SizeError::Parse(_) => FailureKind::Other,
        }
    }
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
#[path = "sizes_tests.rs"]
mod tests;
