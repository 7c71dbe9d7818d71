//! The wire format between this client and the agent (`agent/main.rs`, which keeps its own
//! copy because it is built standalone; `tests.rs` checks both against the same golden
//! bytes). Encoding and decoding only: no IO.
//!
//! Little-endian. The agent first writes `HELLO <version>\n`. Request frames are
//! `u32 len | u32 id | u8 op | payload`, replies `u32 len | u32 id | u8 status | payload`, where
//! `len` counts the bytes after it. Strings and blobs are `u32 len | bytes`; a path is one blob
//! of `/`-joined components (empty for the workspace root); a version is
//! `u8 present | i64 mtime_ns | u64 size | i64 ctime_ns | u64 ino | u64 dev`. An error reply
//! carries a message blob (and, for a conflict, the version on disk now). A listing is
//! answered with `STATUS_PART` frames (`u32 count | entries`, in readdir order) and a final
//! `u32 total | u32 sent`; the client sorts. No frame exceeds [`MAX_FRAME`]: the agent turns a
//! reply that would into an error for that request, and the client skips (rather than
//! buffers) any longer frame and fails only its request.

use jiff::Timestamp;

use super::error::FsError;
use crate::domain::files::{Entry, EntryKind, FileData, FsPath, Version};
use crate::domain::measure::DirStats;

/// 3: a walk reply carries the newest ctime after the newest mtime.
pub const PROTOCOL_VERSION: u32 = 3;
pub const HELLO: &[u8] = b"HELLO 3\n";

const OP_LIST: u8 = 1;
const OP_STAT: u8 = 2;
const OP_READ: u8 = 3;
const OP_WRITE: u8 = 4;
const OP_MKDIR: u8 = 5;
const OP_RENAME: u8 = 6;
const OP_REMOVE: u8 = 7;
const OP_WALK: u8 = 8;

pub const STATUS_OK: u8 = 0;
/// One chunk of a reply that continues in more frames with the same id.
pub const STATUS_PART: u8 = 11;
const ERR_NOT_FOUND: u8 = 1;
const ERR_PERMISSION: u8 = 2;
const ERR_CONFLICT: u8 = 3;
const ERR_NOT_DIR: u8 = 4;
const ERR_IS_DIR: u8 = 5;
const ERR_EXISTS: u8 = 6;
const ERR_NOT_EMPTY: u8 = 7;
const ERR_REFUSED: u8 = 8;
const ERR_IO: u8 = 9;
const ERR_BAD_REQUEST: u8 = 10;

/// Largest file content in one request or reply (the agent's limit too).
pub const MAX_DATA: usize = 32 << 20;
/// Largest frame either way.
pub const MAX_FRAME: usize = MAX_DATA + (1 << 16);

/// A directory's entries: directories first, then everything else, each by name (bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// Entries in the directory, also those beyond the limit asked for.
    pub total: u32,
    pub entries: Vec<Entry>,
}

impl Listing {
    /// Sorts into the listing order; names in a directory are unique, so this is the one
    /// order whatever readdir gave.
    pub fn sort(&mut self) {
        self.entries.sort_unstable_by(|a, b| {
            (b.kind == EntryKind::Dir)
                .cmp(&(a.kind == EntryKind::Dir))
                .then_with(|| a.name.cmp(&b.name))
        });
    }
}

/// A request, before it gets an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request<'a> {
    /// The whole directory in one pass, at most `limit` entries sent.
    List {
        dir: &'a FsPath,
        limit: u32,
    },
    Stat {
        path: &'a FsPath,
    },
    Read {
        path: &'a FsPath,
        offset: u64,
        len: u64,
    },
    Write {
        path: &'a FsPath,
        /// `None` replaces whatever regular file is there (or makes it).
        expected: Option<Version>,
        /// Only if nothing has the name (the agent links the file into place, so nothing
        /// made meanwhile is replaced); `expected` is then ignored.
        create_new: bool,
        data: &'a [u8],
    },
    Mkdir {
        path: &'a FsPath,
    },
    Rename {
        from: &'a FsPath,
        to: &'a FsPath,
        overwrite: bool,
    },
    Remove {
        path: &'a FsPath,
        recursive: bool,
    },
    Walk {
        dir: &'a FsPath,
    },
}

impl Request<'_> {
    /// The complete frame for request `id`.
    pub fn encode(&self, id: u32) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.data_len());
        out.extend_from_slice(&[0; 4]);
        put_u32(&mut out, id);
        match *self {
            Request::List { dir, limit } => {
                out.push(OP_LIST);
                put_blob(&mut out, dir.as_bytes());
                put_u32(&mut out, limit);
            }
            Request::Stat { path } => {
                out.push(OP_STAT);
                put_blob(&mut out, path.as_bytes());
            }
            Request::Read { path, offset, len } => {
                out.push(OP_READ);
                put_blob(&mut out, path.as_bytes());
                put_u64(&mut out, offset);
                put_u64(&mut out, len);
            }
            Request::Write {
                path,
                expected,
                create_new,
                data,
            } => {
                out.push(OP_WRITE);
                put_blob(&mut out, path.as_bytes());
                if create_new {
                    // Expectation kind 2, "absent", and a zero version.
                    put_version(&mut out, None);
                    let kind = out.len() - VERSION_LEN;
                    out[kind] = 2;
                } else {
                    put_version(&mut out, expected);
                }
                put_blob(&mut out, data);
            }
            Request::Mkdir { path } => {
                out.push(OP_MKDIR);
                put_blob(&mut out, path.as_bytes());
            }
            Request::Rename {
                from,
                to,
                overwrite,
            } => {
                out.push(OP_RENAME);
                put_blob(&mut out, from.as_bytes());
                put_blob(&mut out, to.as_bytes());
                out.push(u8::from(overwrite));
            }
            Request::Remove { path, recursive } => {
                out.push(OP_REMOVE);
                put_blob(&mut out, path.as_bytes());
                out.push(u8::from(recursive));
            }
            Request::Walk { dir } => {
                out.push(OP_WALK);
                put_blob(&mut out, dir.as_bytes());
            }
        }
        // Frames are bounded by MAX_FRAME (callers check data sizes), far below u32::MAX.
        let len = u32::try_from(out.len() - 4).unwrap_or(u32::MAX);
        out[..4].copy_from_slice(&len.to_le_bytes());
        out
    }

    fn data_len(&self) -> usize {
        match self {
            Request::Write { data, .. } => data.len(),
            _ => 0,
        }
    }
}

/// One reply frame, still in the receive buffer.
#[derive(Debug, PartialEq, Eq)]
pub struct RawReply<'a> {
    pub id: u32,
    pub status: u8,
    pub payload: &'a [u8],
    /// Bytes of the buffer the frame took.
    pub used: usize,
}

/// A frame too long to hold (`len > MAX_FRAME`) whose header is in `buf`: its id and how many
/// bytes it takes in all, to be skipped as they come. Its length field is still intact, so
/// the stream stays in step.
pub fn oversized_reply(buf: &[u8]) -> Option<(u32, u64)> {
    let header = buf.get(..8)?;
    let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
    (len > MAX_FRAME).then(|| {
        let id = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        (id, 4 + len as u64)
    })
}

/// The first reply frame in `buf` once it is complete; `Ok(None)` means more bytes are
/// needed. An oversized frame (see [`oversized_reply`]) is an error here.
pub fn split_reply(buf: &[u8]) -> Result<Option<RawReply<'_>>, FsError> {
    let Some(len) = buf.get(..4) else {
        return Ok(None);
    };
    let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
    if !(5..=MAX_FRAME).contains(&len) {
        return Err(FsError::Protocol(format!("reply frame of {len} bytes")));
    }
    let Some(frame) = buf.get(4..4 + len) else {
        return Ok(None);
    };
    Ok(Some(RawReply {
        id: u32::from_le_bytes([frame[0], frame[1], frame[2], frame[3]]),
        status: frame[4],
        payload: &frame[5..],
        used: 4 + len,
    }))
}

/// Turns an error reply into the error it reports.
pub fn decode_error(status: u8, payload: &[u8]) -> FsError {
    let mut r = Cursor::new(payload);
    let message = match r.blob() {
        // The agent's message names paths of the sandbox: shown escaped, like every name.
        Ok(m) => crate::format::escape_name(m),
        Err(e) => return e,
    };
    match status {
        ERR_NOT_FOUND => FsError::NotFound(message),
        ERR_PERMISSION => FsError::PermissionDenied(message),
        ERR_CONFLICT => match r.version() {
            Ok(current) => FsError::Conflict { message, current },
            Err(e) => e,
        },
        ERR_NOT_DIR => FsError::NotADirectory(message),
        ERR_IS_DIR => FsError::IsADirectory(message),
        ERR_EXISTS => FsError::AlreadyExists(message),
        ERR_NOT_EMPTY => FsError::NotEmpty(message),
        ERR_REFUSED => FsError::Refused(message),
        ERR_IO => FsError::Io(message),
        ERR_BAD_REQUEST => FsError::Protocol(format!("the agent refused the request: {message}")),
        other => FsError::Protocol(format!("unknown status {other}: {message}")),
    }
}

/// One `STATUS_PART` chunk of a listing, appended to `into`.
pub fn decode_listing_chunk(payload: &[u8], into: &mut Vec<Entry>) -> Result<(), FsError> {
    let mut r = Cursor::new(payload);
    let count = r.u32()?;
    // Never trust a count to size an allocation: each entry takes at least 61 bytes.
    into.reserve((count as usize).min(payload.len() / 61));
    for _ in 0..count {
        into.push(r.entry()?);
    }
    r.end()
}

/// The final frame of a listing: `(total, sent)`.
pub fn decode_listing_end(payload: &[u8]) -> Result<(u32, u32), FsError> {
    let mut r = Cursor::new(payload);
    let total = r.u32()?;
    let sent = r.u32()?;
    r.end()?;
    Ok((total, sent))
}

pub fn decode_entry(payload: &[u8]) -> Result<Entry, FsError> {
    let mut r = Cursor::new(payload);
    let entry = r.entry()?;
    r.end()?;
    Ok(entry)
}

pub fn decode_read(payload: &[u8]) -> Result<FileData, FsError> {
    let mut r = Cursor::new(payload);
    let version = r
        .version()?
        .ok_or_else(|| FsError::Protocol("read reply without a version".into()))?;
    let data = r.blob()?.to_vec();
    r.end()?;
    Ok(FileData { data, version })
}

pub fn decode_version(payload: &[u8]) -> Result<Version, FsError> {
    let mut r = Cursor::new(payload);
    let version = r
        .version()?
        .ok_or_else(|| FsError::Protocol("write reply without a version".into()))?;
    r.end()?;
    Ok(version)
}

pub fn decode_empty(payload: &[u8]) -> Result<(), FsError> {
    Cursor::new(payload).end()
}

/// `u64 bytes | u64 files | u8 any | i64 newest_mtime_ns | i64 newest_ctime_ns`.
pub fn decode_walk(payload: &[u8]) -> Result<DirStats, FsError> {
    let mut r = Cursor::new(payload);
    let bytes = r.u64()?;
    let files = r.u64()?;
    let has_newest = r.u8()? != 0;
    let newest_mtime = r.i64()?;
    let newest_ctime = r.i64()?;
    r.end()?;
    let timestamp = |ns: i64| {
        has_newest
            .then(|| Timestamp::from_nanosecond(i128::from(ns)).ok())
            .flatten()
    };
    Ok(DirStats {
        bytes,
        files,
        newest_mtime: timestamp(newest_mtime),
        newest_ctime: timestamp(newest_ctime),
        // The agent lists with DAC_OVERRIDE or DAC_READ_SEARCH: every directory.
        unlisted: 0,
    })
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_blob(out: &mut Vec<u8>, b: &[u8]) {
    put_u32(out, u32::try_from(b.len()).unwrap_or(u32::MAX));
    out.extend_from_slice(b);
}

/// Encoded length of a version: the kind byte and five 8-byte fields.
const VERSION_LEN: usize = 1 + 5 * 8;

fn put_version(out: &mut Vec<u8>, v: Option<Version>) {
    out.push(u8::from(v.is_some()));
    let v = v.unwrap_or_default();
    out.extend_from_slice(&v.mtime_ns.to_le_bytes());
    put_u64(out, v.size);
    out.extend_from_slice(&v.ctime_ns.to_le_bytes());
    put_u64(out, v.ino);
    put_u64(out, v.dev);
}

/// Reads a reply payload; running short or leaving bytes over is a protocol error.
struct Cursor<'a> {
    buf: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], FsError> {
        if self.buf.len() < n {
            return Err(FsError::Protocol("reply cut short".into()));
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], FsError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u8(&mut self) -> Result<u8, FsError> {
        Ok(self.array::<1>()?[0])
    }

    fn u32(&mut self) -> Result<u32, FsError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, FsError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    fn i64(&mut self) -> Result<i64, FsError> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    fn blob(&mut self) -> Result<&'a [u8], FsError> {
        let n = self.u32()? as usize;
        self.take(n)
    }

    fn version(&mut self) -> Result<Option<Version>, FsError> {
        let present = self.u8()? != 0;
        let version = Version {
            mtime_ns: self.i64()?,
            size: self.u64()?,
            ctime_ns: self.i64()?,
            ino: self.u64()?,
            dev: self.u64()?,
        };
        Ok(present.then_some(version))
    }

    fn entry(&mut self) -> Result<Entry, FsError> {
        let name = self.blob()?.to_vec();
        let kind = match self.u8()? {
            0 => EntryKind::File,
            1 => EntryKind::Dir,
            2 => EntryKind::Symlink,
            _ => EntryKind::Other,
        };
        let size = self.u64()?;
        let mode = self.u32()?;
        let uid = self.u32()?;
        let gid = self.u32()?;
        let mtime_ns = self.i64()?;
        let ctime_ns = self.i64()?;
        let ino = self.u64()?;
        let dev = self.u64()?;
        let target = self.blob()?;
        Ok(Entry {
            name,
            kind,
            size,
            mode,
            uid,
            gid,
            mtime_ns,
            ctime_ns,
            ino,
            dev,
            symlink_target: (!target.is_empty()).then(|| target.to_vec()),
        })
    }

    fn end(&self) -> Result<(), FsError> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(FsError::Protocol(format!(
                "{} unexpected bytes at the end of a reply",
                self.buf.len()
            )))
        }
    }
}
