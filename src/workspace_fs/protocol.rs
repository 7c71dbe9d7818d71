//! The client's side of the wire format to the agent: requests from the client's types to
//! frames, reply frames back into `Entry`, `FileData`, `Version`, `DirStats` and `FsError`.
//! Encoding and decoding only: no IO. The format itself (numbers, frame layout, field
//! encodings) is `agent/wire.rs`, the one file the agent compiles too, included here as
//! [`wire`]; this module must not spell any of it out again. `tests.rs` pins the bytes.
//!
//! A listing is answered with `STATUS_PART` frames and a final count; the client sorts. No
//! frame exceeds [`MAX_FRAME`]: the agent turns a reply that would into an error for that
//! request, and the client skips (rather than buffers) any longer frame and fails only its
//! request.

use jiff::Timestamp;

use super::error::FsError;
use crate::domain::files::{Entry, EntryKind, FileData, FsPath, Identity, Version};
use crate::domain::measure::DirStats;

// The agent's half of the shared file (decoding requests, encoding versions, entries and walk
// totals) is unused here. The unit tests compile the agent into this crate as well
// (`mod agent` in `mod.rs`), which brings its own `mod wire` of the same file: two builds'
// copies side by side, on purpose.
#[allow(dead_code)]
#[cfg_attr(test, allow(clippy::duplicate_mod))]
#[path = "../../agent/wire.rs"]
mod wire;

use wire::{Expected, Reader, Stamp};
pub use wire::{HELLO, MAX_DATA, MAX_FRAME, PROTOCOL_VERSION, STATUS_OK, STATUS_PART};

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
        /// Only if the name still holds this file (`None`: whatever it holds).
        meant: Option<Identity>,
    },
    Walk {
        dir: &'a FsPath,
    },
}

impl Request<'_> {
    /// The complete frame for request `id`.
    pub fn encode(&self, id: u32) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.data_len());
        let start = wire::start_frame(&mut out, id, self.op());
        match *self {
            Request::List { dir, limit } => {
                wire::put_blob(&mut out, dir.as_bytes());
                wire::put_u32(&mut out, limit);
            }
            Request::Stat { path } | Request::Mkdir { path } => {
                wire::put_blob(&mut out, path.as_bytes());
            }
            Request::Read { path, offset, len } => {
                wire::put_blob(&mut out, path.as_bytes());
                wire::put_u64(&mut out, offset);
                wire::put_u64(&mut out, len);
            }
            Request::Write {
                path,
                expected,
                create_new,
                data,
            } => {
                wire::put_blob(&mut out, path.as_bytes());
                let expected = match (create_new, expected) {
                    (true, _) => Expected::Absent,
                    (false, Some(version)) => Expected::Version(version.into()),
                    (false, None) => Expected::Any,
                };
                wire::put_expected(&mut out, expected);
                wire::put_blob(&mut out, data);
            }
            Request::Rename {
                from,
                to,
                overwrite,
            } => {
                wire::put_blob(&mut out, from.as_bytes());
                wire::put_blob(&mut out, to.as_bytes());
                out.push(u8::from(overwrite));
            }
            Request::Remove {
                path,
                recursive,
                meant,
            } => {
                wire::put_blob(&mut out, path.as_bytes());
                out.push(u8::from(recursive));
                let meant = meant.map(|i| wire::Identity {
                    dev: i.dev,
                    ino: i.ino,
                });
                wire::put_identity(&mut out, meant);
            }
            Request::Walk { dir } => {
                wire::put_blob(&mut out, dir.as_bytes());
            }
        }
        // Callers check data sizes, so the frame stays within MAX_FRAME.
        wire::finish_frame(&mut out, start);
        out
    }

    fn op(&self) -> u8 {
        match self {
            Request::List { .. } => wire::OP_LIST,
            Request::Stat { .. } => wire::OP_STAT,
            Request::Read { .. } => wire::OP_READ,
            Request::Write { .. } => wire::OP_WRITE,
            Request::Mkdir { .. } => wire::OP_MKDIR,
            Request::Rename { .. } => wire::OP_RENAME,
            Request::Remove { .. } => wire::OP_REMOVE,
            Request::Walk { .. } => wire::OP_WALK,
        }
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
    if !wire::frame_len_ok(len) {
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
    let mut r = Reader::new(payload);
    let message = match r.blob() {
        // The agent's message names paths of the sandbox: shown escaped, like every name.
        Ok(m) => crate::format::escape_name(m),
        Err(e) => return e.into(),
    };
    match status {
        wire::ERR_NOT_FOUND => FsError::NotFound(message),
        wire::ERR_PERMISSION => FsError::PermissionDenied(message),
        wire::ERR_CONFLICT => match r.version() {
            Ok(current) => FsError::Conflict {
                message,
                current: current.map(Version::from),
            },
            Err(e) => e.into(),
        },
        wire::ERR_NOT_DIR => FsError::NotADirectory(message),
        wire::ERR_IS_DIR => FsError::IsADirectory(message),
        wire::ERR_EXISTS => FsError::AlreadyExists(message),
        wire::ERR_NOT_EMPTY => FsError::NotEmpty(message),
        wire::ERR_REFUSED => FsError::Refused(message),
        wire::ERR_IO => FsError::Io(message),
        wire::ERR_BAD_REQUEST => {
            FsError::Protocol(format!("the agent refused the request: {message}"))
        }
        other => FsError::Protocol(format!("unknown status {other}: {message}")),
    }
}

/// One `STATUS_PART` chunk of a listing, appended to `into`.
pub fn decode_listing_chunk(payload: &[u8], into: &mut Vec<Entry>) -> Result<(), FsError> {
    let mut r = Reader::new(payload);
    let count = r.u32()?;
    // Never trust a count to size an allocation.
    into.reserve((count as usize).min(payload.len() / wire::ENTRY_MIN_LEN));
    for _ in 0..count {
        into.push(entry(&mut r)?);
    }
    end(&r)
}

/// The final frame of a listing: `(total, sent)`.
pub fn decode_listing_end(payload: &[u8]) -> Result<(u32, u32), FsError> {
    let mut r = Reader::new(payload);
    let total = r.u32()?;
    let sent = r.u32()?;
    end(&r)?;
    Ok((total, sent))
}

pub fn decode_entry(payload: &[u8]) -> Result<Entry, FsError> {
    let mut r = Reader::new(payload);
    let entry = entry(&mut r)?;
    end(&r)?;
    Ok(entry)
}

pub fn decode_read(payload: &[u8]) -> Result<FileData, FsError> {
    let mut r = Reader::new(payload);
    let version = r
        .version()?
        .ok_or_else(|| FsError::Protocol("read reply without a version".into()))?
        .into();
    let data = r.blob()?.to_vec();
    end(&r)?;
    Ok(FileData { data, version })
}

pub fn decode_version(payload: &[u8]) -> Result<Version, FsError> {
    let mut r = Reader::new(payload);
    let version = r
        .version()?
        .ok_or_else(|| FsError::Protocol("write reply without a version".into()))?;
    end(&r)?;
    Ok(version.into())
}

pub fn decode_empty(payload: &[u8]) -> Result<(), FsError> {
    end(&Reader::new(payload))
}

/// The totals of a walk; no newest times when there was nothing to look at.
pub fn decode_walk(payload: &[u8]) -> Result<DirStats, FsError> {
    let mut r = Reader::new(payload);
    let wire::WalkTotals {
        bytes,
        files,
        newest,
    } = r.walk()?;
    end(&r)?;
    let timestamp = |ns: i64| Timestamp::from_nanosecond(i128::from(ns)).ok();
    Ok(DirStats {
        bytes,
        files,
        newest_mtime: newest.and_then(|(mtime, _)| timestamp(mtime)),
        newest_ctime: newest.and_then(|(_, ctime)| timestamp(ctime)),
        // The agent lists with DAC_OVERRIDE or DAC_READ_SEARCH: every directory.
        unlisted: 0,
    })
}

impl From<wire::Short> for FsError {
    fn from(_: wire::Short) -> Self {
        FsError::Protocol("reply cut short".into())
    }
}

impl From<Stamp> for Version {
    fn from(s: Stamp) -> Self {
        Version {
            mtime_ns: s.mtime_ns,
            size: s.size,
            ctime_ns: s.ctime_ns,
            ino: s.ino,
            dev: s.dev,
        }
    }
}

impl From<Version> for Stamp {
    fn from(v: Version) -> Self {
        Stamp {
            mtime_ns: v.mtime_ns,
            size: v.size,
            ctime_ns: v.ctime_ns,
            ino: v.ino,
            dev: v.dev,
        }
    }
}

/// One entry, from its wire record.
fn entry(r: &mut Reader<'_>) -> Result<Entry, FsError> {
    let e = r.entry()?;
    Ok(Entry {
        name: e.name.to_vec(),
        kind: match e.kind {
            wire::KIND_FILE => EntryKind::File,
            wire::KIND_DIR => EntryKind::Dir,
            wire::KIND_SYMLINK => EntryKind::Symlink,
            _ => EntryKind::Other,
        },
        size: e.size,
        mode: e.mode,
        uid: e.uid,
        gid: e.gid,
        mtime_ns: e.mtime_ns,
        ctime_ns: e.ctime_ns,
        ino: e.ino,
        dev: e.dev,
        symlink_target: (!e.target.is_empty()).then(|| e.target.to_vec()),
    })
}

/// A reply payload must be read to its end: bytes left over are a protocol error.
fn end(r: &Reader<'_>) -> Result<(), FsError> {
    match r.rest() {
        0 => Ok(()),
        n => Err(FsError::Protocol(format!(
            "{n} unexpected bytes at the end of a reply"
        ))),
    }
}
