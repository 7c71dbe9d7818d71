//! The wire format between this client and the agent (`agent/main.rs`, which keeps its own
//! copy because it is built standalone; `tests.rs` checks both against the same golden
//! bytes). Encoding and decoding only: no IO.
//!
//! Little-endian. The agent first writes `HELLO <version>\n`. Request frames are
//! `u32 len | u32 id | u8 op | payload`, replies `u32 len | u32 id | u8 status | payload`, where
//! `len` counts the bytes after it. Strings and blobs are `u32 len | bytes`; a path is one blob
//! of `/`-joined components (empty for the workspace root); a version is
//! `u8 present | i64 mtime_ns | u64 size`. An error reply carries a message blob (and, for a
//! conflict, the version on disk now).

use jiff::Timestamp;

use super::error::FsError;
use super::path::FsPath;
use crate::docker::sizes::DirStats;

pub const PROTOCOL_VERSION: u32 = 1;
pub const HELLO: &[u8] = b"HELLO 1\n";

const OP_LIST: u8 = 1;
const OP_STAT: u8 = 2;
const OP_READ: u8 = 3;
const OP_WRITE: u8 = 4;
const OP_MKDIR: u8 = 5;
const OP_RENAME: u8 = 6;
const OP_REMOVE: u8 = 7;
const OP_WALK: u8 = 8;

pub const STATUS_OK: u8 = 0;
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

/// What an entry is, as lstat sees it (a symlink is never resolved).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    /// FIFO, socket, device.
    Other,
}

/// A file's identity for conflict detection: what it was when read or last saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Version {
    pub mtime_ns: i64,
    pub size: u64,
}

/// One directory entry, or the result of `stat`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Raw bytes: names may be any bytes but `/` and NUL (invalid UTF-8, newlines, ...).
    pub name: Vec<u8>,
    pub kind: EntryKind,
    pub size: u64,
    /// Full `st_mode` (type and permission bits).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub mtime_ns: i64,
    /// The link's own target (readlink), for symlinks only.
    pub symlink_target: Option<Vec<u8>>,
}

impl Entry {
    pub fn version(&self) -> Version {
        Version {
            mtime_ns: self.mtime_ns,
            size: self.size,
        }
    }

    /// The name for display (invalid UTF-8 replaced).
    pub fn display_name(&self) -> String {
        String::from_utf8_lossy(&self.name).into_owned()
    }
}

/// One page of a directory: directories first, then everything else, each by name (bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// Entries in the directory, all pages together.
    pub total: u32,
    pub entries: Vec<Entry>,
}

/// Bytes read from a file, with the version of the file they were read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileData {
    pub data: Vec<u8>,
    pub version: Version,
}

/// A request, before it gets an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request<'a> {
    List {
        dir: &'a FsPath,
        offset: u32,
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
        expected: Option<Version>,
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
            Request::List { dir, offset, limit } => {
                out.push(OP_LIST);
                put_blob(&mut out, dir.as_bytes());
                put_u32(&mut out, offset);
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
                data,
            } => {
                out.push(OP_WRITE);
                put_blob(&mut out, path.as_bytes());
                put_version(&mut out, expected);
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

/// The first reply frame in `buf` once it is complete; `Ok(None)` means more bytes are
/// needed.
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

pub fn decode_listing(payload: &[u8]) -> Result<Listing, FsError> {
    let mut r = Cursor::new(payload);
    let total = r.u32()?;
    let count = r.u32()?;
    // Never trust a count to size an allocation: each entry takes at least 45 bytes.
    let mut entries = Vec::with_capacity((count as usize).min(payload.len() / 45));
    for _ in 0..count {
        entries.push(r.entry()?);
    }
    r.end()?;
    Ok(Listing { total, entries })
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

pub fn decode_walk(payload: &[u8]) -> Result<DirStats, FsError> {
    let mut r = Cursor::new(payload);
    let bytes = r.u64()?;
    let files = r.u64()?;
    let has_newest = r.u8()? != 0;
    let newest = r.i64()?;
    r.end()?;
    Ok(DirStats {
        bytes,
        files,
        newest_mtime: if has_newest {
            Timestamp::from_nanosecond(i128::from(newest)).ok()
        } else {
            None
        },
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

fn put_version(out: &mut Vec<u8>, v: Option<Version>) {
    out.push(u8::from(v.is_some()));
    let v = v.unwrap_or(Version {
        mtime_ns: 0,
        size: 0,
    });
    out.extend_from_slice(&v.mtime_ns.to_le_bytes());
    put_u64(out, v.size);
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
        let mtime_ns = self.i64()?;
        let size = self.u64()?;
        Ok(present.then_some(Version { mtime_ns, size }))
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
        let target = self.blob()?;
        Ok(Entry {
            name,
            kind,
            size,
            mode,
            uid,
            gid,
            mtime_ns,
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
