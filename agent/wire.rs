//! The wire format between the workspace agent and its client, in the one copy both compile:
//! the agent as `mod wire` (`agent/main.rs`), the client through a `#[path]` include in
//! `src/workspace_fs/protocol.rs`. Owns the numbers (protocol version, opcodes, status codes,
//! entry kinds, write expectations, limits), the frame layout, and the encoding and decoding
//! of every field both sides write or read. Must not touch IO, the file system, or either
//! side's own types (its errors, `Version`, `Entry`, metadata): each side converts at its edge.
//! So: std only, no external crates, no `crate::` paths (the crate root differs between the
//! two builds), no unwrap/expect, no unsafe; valid as edition 2021 (the agent, built by
//! `build.rs`) and 2024 (the crate). Changing any byte here needs a new `PROTOCOL_VERSION`.
//!
//! Little-endian throughout. The agent first writes the line `HELLO <version>\n`. Then
//! requests are `u32 len | u32 id | u8 op | payload` and replies `u32 len | u32 id | u8 status
//! | payload`, `len` counting the bytes after it (at least 5, at most [`MAX_FRAME`]). Replies
//! may come in any order; the id matches them to requests. A blob is `u32 len | bytes`; a path
//! is one blob of `/`-joined components (empty for the workspace root).
//!
//! | op           | request payload                         | reply payload (`STATUS_OK`)     |
//! |--------------|-----------------------------------------|---------------------------------|
//! | `OP_LIST`    | path, `u32 limit`                       | chunks, then `u32 total, sent`  |
//! | `OP_STAT`    | path                                    | entry                           |
//! | `OP_READ`    | path, `u64 offset`, `u64 len`           | version, data blob              |
//! | `OP_WRITE`   | path, expectation, data blob            | version                         |
//! | `OP_MKDIR`   | path                                    | nothing                         |
//! | `OP_RENAME`  | from, to, `u8 overwrite`                | nothing                         |
//! | `OP_REMOVE`  | path, `u8 recursive`, identity          | nothing                         |
//! | `OP_WALK`    | path                                    | walk totals                     |
//!
//! A listing is answered in `STATUS_PART` frames of `u32 count | entries` (readdir order, at
//! most `limit` entries in all; the client sorts), then one final frame `u32 total | u32 sent`.
//! An error reply (any status from `ERR_NOT_FOUND` to `ERR_BAD_REQUEST`) carries a message
//! blob, and for `ERR_CONFLICT` then the version on disk now. The records (version,
//! expectation, identity, entry, walk totals) are spelled out at their `put_` functions.

/// 3: a walk reply carries the newest ctime after the newest mtime. 4: a remove names the
/// file (device and inode) it is meant for.
pub const PROTOCOL_VERSION: u32 = 4;
/// The greeting; a client that reads anything else is talking to a stale or foreign agent.
pub const HELLO: &[u8] = b"HELLO 4\n";

pub const OP_LIST: u8 = 1;
pub const OP_STAT: u8 = 2;
pub const OP_READ: u8 = 3;
pub const OP_WRITE: u8 = 4;
pub const OP_MKDIR: u8 = 5;
pub const OP_RENAME: u8 = 6;
pub const OP_REMOVE: u8 = 7;
pub const OP_WALK: u8 = 8;

pub const STATUS_OK: u8 = 0;
pub const ERR_NOT_FOUND: u8 = 1;
pub const ERR_PERMISSION: u8 = 2;
/// Payload: message, then the version of the file as it is now.
pub const ERR_CONFLICT: u8 = 3;
pub const ERR_NOT_DIR: u8 = 4;
pub const ERR_IS_DIR: u8 = 5;
pub const ERR_EXISTS: u8 = 6;
pub const ERR_NOT_EMPTY: u8 = 7;
/// Never done, by design: a path leaving the workspace, a symlink to follow, too big a reply.
pub const ERR_REFUSED: u8 = 8;
pub const ERR_IO: u8 = 9;
/// The request itself was malformed (cut short, trailing bytes, unknown op or expectation).
pub const ERR_BAD_REQUEST: u8 = 10;
/// One chunk of a reply that continues in further frames with the same id.
pub const STATUS_PART: u8 = 11;

/// What an entry is, as lstat sees it (a symlink is never resolved).
pub const KIND_FILE: u8 = 0;
pub const KIND_DIR: u8 = 1;
pub const KIND_SYMLINK: u8 = 2;
/// FIFO, socket, device; also any kind a newer agent might send.
pub const KIND_OTHER: u8 = 3;

/// The kind byte of a write's expectation (see [`put_expected`]).
pub const EXPECT_ANY: u8 = 0;
pub const EXPECT_VERSION: u8 = 1;
pub const EXPECT_ABSENT: u8 = 2;

/// Largest file content in one request or reply; bigger reads are split by the client.
pub const MAX_DATA: usize = 32 << 20;
/// Largest frame either way (its `len`): the data plus room for a path and the header.
pub const MAX_FRAME: usize = MAX_DATA + (1 << 16);
/// Smallest frame `len`: the id and the op or status.
pub const MIN_FRAME: usize = 5;
/// Bytes of an encoded entry with an empty name and no target: `reserve` by a count from the
/// wire never allocates more than the payload could hold.
pub const ENTRY_MIN_LEN: usize = 4 + 1 + 8 + 3 * 4 + 4 * 8 + 4;

/// Whether a frame's `len` field is one either side accepts. Past a bad one the stream cannot
/// be resynchronised.
pub fn frame_len_ok(len: usize) -> bool {
    (MIN_FRAME..=MAX_FRAME).contains(&len)
}

/// Starts a frame at the end of `out`: a length to be filled in by [`finish_frame`], the id,
/// the op or status. Returns where the frame starts.
pub fn start_frame(out: &mut Vec<u8>, id: u32, code: u8) -> usize {
    let start = out.len();
    put_u32(out, 0);
    put_u32(out, id);
    out.push(code);
    start
}

/// Writes the length of the frame started at `start`, which runs to the end of `out`.
pub fn finish_frame(out: &mut [u8], start: usize) {
    let len = out.len().saturating_sub(start + 4);
    // Frames are bounded by MAX_FRAME (both sides check before sending), far below u32::MAX.
    let len = u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes();
    if let Some(field) = out.get_mut(start..start + 4) {
        field.copy_from_slice(&len);
    }
}

pub fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

pub fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

pub fn put_i64(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(&v.to_le_bytes());
}

pub fn put_blob(out: &mut Vec<u8>, b: &[u8]) {
    put_u32(out, u32::try_from(b.len()).unwrap_or(u32::MAX));
    out.extend_from_slice(b);
}

/// What identifies one state of a file: any write moves mtime or ctime (a `touch -r` that
/// restores mtime still moves ctime, which no unprivileged call can set), and a replacement
/// changes the inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stamp {
    pub mtime_ns: i64,
    pub size: u64,
    pub ctime_ns: i64,
    pub ino: u64,
    pub dev: u64,
}

/// `i64 mtime_ns | u64 size | i64 ctime_ns | u64 ino | u64 dev`.
fn put_stamp(out: &mut Vec<u8>, s: Stamp) {
    put_i64(out, s.mtime_ns);
    put_u64(out, s.size);
    put_i64(out, s.ctime_ns);
    put_u64(out, s.ino);
    put_u64(out, s.dev);
}

/// A version: `u8 present | stamp` (zeros when absent).
pub fn put_version(out: &mut Vec<u8>, v: Option<Stamp>) {
    out.push(u8::from(v.is_some()));
    put_stamp(out, v.unwrap_or_default());
}

/// What a write expects to find at its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// Whatever is there (a regular file) is replaced: the operator chose to overwrite.
    Any,
    /// Exactly this version, else a conflict.
    Version(Stamp),
    /// Nothing at all (not even a dangling symlink), else `ERR_EXISTS`.
    Absent,
}

/// An expectation: `u8 kind | stamp`, the kind one of `EXPECT_*`, the stamp zeros unless
/// `EXPECT_VERSION`; laid out like a version, whose `present` byte is the kind.
pub fn put_expected(out: &mut Vec<u8>, e: Expected) {
    let (kind, stamp) = match e {
        Expected::Any => (EXPECT_ANY, Stamp::default()),
        Expected::Version(stamp) => (EXPECT_VERSION, stamp),
        Expected::Absent => (EXPECT_ABSENT, Stamp::default()),
    };
    out.push(kind);
    put_stamp(out, stamp);
}

/// Which file a name must still hold for a removal to go ahead: the one the operator was
/// shown, not one put at that name since.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    pub dev: u64,
    pub ino: u64,
}

/// `u8 present | u64 dev | u64 ino` (zeros when absent: whatever the name holds).
pub fn put_identity(out: &mut Vec<u8>, i: Option<Identity>) {
    out.push(u8::from(i.is_some()));
    let Identity { dev, ino } = i.unwrap_or(Identity { dev: 0, ino: 0 });
    put_u64(out, dev);
    put_u64(out, ino);
}

/// One directory entry, or the answer to a stat, as it travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireEntry<'a> {
    /// Raw bytes: any but `/` and NUL.
    pub name: &'a [u8],
    /// One of `KIND_*`.
    pub kind: u8,
    pub size: u64,
    /// Full `st_mode`.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub mtime_ns: i64,
    pub ctime_ns: i64,
    pub ino: u64,
    pub dev: u64,
    /// The symlink's own target; empty for anything else (Linux has no empty targets).
    pub target: &'a [u8],
}

/// `name | u8 kind | u64 size | u32 mode | u32 uid | u32 gid | i64 mtime_ns | i64 ctime_ns |
/// u64 ino | u64 dev | target`.
pub fn put_entry(out: &mut Vec<u8>, e: &WireEntry<'_>) {
    put_blob(out, e.name);
    out.push(e.kind);
    put_u64(out, e.size);
    put_u32(out, e.mode);
    put_u32(out, e.uid);
    put_u32(out, e.gid);
    put_i64(out, e.mtime_ns);
    put_i64(out, e.ctime_ns);
    put_u64(out, e.ino);
    put_u64(out, e.dev);
    put_blob(out, e.target);
}

/// What a walk found below a directory (each inode once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WalkTotals {
    pub bytes: u64,
    pub files: u64,
    /// Newest mtime and newest ctime (each on its own), in nanoseconds; None when there was
    /// nothing to look at.
    pub newest: Option<(i64, i64)>,
}

/// `u64 bytes | u64 files | u8 any | i64 newest_mtime_ns | i64 newest_ctime_ns` (zeros when
/// there is no newest).
pub fn put_walk(out: &mut Vec<u8>, w: &WalkTotals) {
    put_u64(out, w.bytes);
    put_u64(out, w.files);
    out.push(u8::from(w.newest.is_some()));
    let (mtime, ctime) = w.newest.unwrap_or((0, 0));
    put_i64(out, mtime);
    put_i64(out, ctime);
}

/// A payload ran out before a field did. Each side words it as its own error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Short;

/// Reads the fields of one payload in order; the `put_` functions are its inverse.
pub struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Short> {
        if self.buf.len() < n {
            return Err(Short);
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Short> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    pub fn u8(&mut self) -> Result<u8, Short> {
        Ok(self.array::<1>()?[0])
    }

    pub fn u32(&mut self) -> Result<u32, Short> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub fn u64(&mut self) -> Result<u64, Short> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    pub fn i64(&mut self) -> Result<i64, Short> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    pub fn blob(&mut self) -> Result<&'a [u8], Short> {
        let n = self.u32()? as usize;
        self.take(n)
    }

    fn stamp(&mut self) -> Result<Stamp, Short> {
        Ok(Stamp {
            mtime_ns: self.i64()?,
            size: self.u64()?,
            ctime_ns: self.i64()?,
            ino: self.u64()?,
            dev: self.u64()?,
        })
    }

    /// A version as [`put_version`] writes it.
    pub fn version(&mut self) -> Result<Option<Stamp>, Short> {
        let present = self.u8()? != 0;
        let stamp = self.stamp()?;
        Ok(present.then_some(stamp))
    }

    /// An expectation as [`put_expected`] writes it; `Ok(None)` for a kind this version does
    /// not know (read whole first, so a cut-short one is `Short` whatever its kind).
    pub fn expected(&mut self) -> Result<Option<Expected>, Short> {
        let kind = self.u8()?;
        let stamp = self.stamp()?;
        Ok(match kind {
            EXPECT_ANY => Some(Expected::Any),
            EXPECT_VERSION => Some(Expected::Version(stamp)),
            EXPECT_ABSENT => Some(Expected::Absent),
            _ => None,
        })
    }

    /// An identity as [`put_identity`] writes it.
    pub fn identity(&mut self) -> Result<Option<Identity>, Short> {
        let present = self.u8()? != 0;
        let (dev, ino) = (self.u64()?, self.u64()?);
        Ok(present.then_some(Identity { dev, ino }))
    }

    /// An entry as [`put_entry`] writes it.
    pub fn entry(&mut self) -> Result<WireEntry<'a>, Short> {
        Ok(WireEntry {
            name: self.blob()?,
            kind: self.u8()?,
            size: self.u64()?,
            mode: self.u32()?,
            uid: self.u32()?,
            gid: self.u32()?,
            mtime_ns: self.i64()?,
            ctime_ns: self.i64()?,
            ino: self.u64()?,
            dev: self.u64()?,
            target: self.blob()?,
        })
    }

    /// Walk totals as [`put_walk`] writes them.
    pub fn walk(&mut self) -> Result<WalkTotals, Short> {
        let bytes = self.u64()?;
        let files = self.u64()?;
        let any = self.u8()? != 0;
        let (mtime, ctime) = (self.i64()?, self.i64()?);
        Ok(WalkTotals {
            bytes,
            files,
            newest: any.then_some((mtime, ctime)),
        })
    }

    /// Bytes not read yet.
    pub fn rest(&self) -> usize {
        self.buf.len()
    }
}
