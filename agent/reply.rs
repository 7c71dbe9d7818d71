//! What goes back to the client: owns the agent's failure type and its mapping from OS errors
//! to wire statuses, the bounded reply frame, and the encoding of file metadata (entries,
//! versions). The byte layouts themselves are `wire.rs`'s; this module only fills them in
//! from `std::fs::Metadata`. Must not open, change or walk anything (reading a symlink's own
//! target is the one file access, for the entry that carries it).

use std::fs::{self, Metadata};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::paths::show;
use super::wire::{self, Stamp, WireEntry};

const ELOOP: i32 = 40;
const EROFS: i32 = 30;

/// Why a request failed, as sent back: a status code, a message, and for conflicts the file's
/// version as it is now.
#[derive(Debug)]
pub struct Failure {
    pub(super) code: u8,
    pub(super) message: String,
    pub(super) current: Option<Stamp>,
}

/// A reply payload, or why there is none.
pub(super) type Outcome = Result<Vec<u8>, Failure>;

impl From<wire::Short> for Failure {
    fn from(_: wire::Short) -> Self {
        bad_request("request cut short")
    }
}

pub(super) fn refused(message: String) -> Failure {
    Failure {
        code: wire::ERR_REFUSED,
        message,
        current: None,
    }
}

pub(super) fn bad_request(message: &str) -> Failure {
    Failure {
        code: wire::ERR_BAD_REQUEST,
        message: message.to_owned(),
        current: None,
    }
}

/// Maps an OS error on `what` (a workspace-relative path) to a status.
pub(super) fn io_failure(e: &io::Error, what: &[u8]) -> Failure {
    let what = show(what);
    let code = match e.raw_os_error() {
        Some(2) => wire::ERR_NOT_FOUND,
        Some(1 | 13) => wire::ERR_PERMISSION,
        Some(17) => wire::ERR_EXISTS,
        Some(20) => wire::ERR_NOT_DIR,
        Some(21) => wire::ERR_IS_DIR,
        Some(39) => wire::ERR_NOT_EMPTY,
        Some(ELOOP) => {
            return refused(format!("{what}: a symlink, never followed"));
        }
        Some(EROFS) => {
            return refused(format!("{what}: the workspace is mounted read-only"));
        }
        _ => wire::ERR_IO,
    };
    Failure {
        code,
        message: format!("{what}: {e}"),
        current: None,
    }
}

/// The payload of an error reply: the message, and for a conflict the version on disk now.
pub(super) fn failure_body(f: &Failure) -> Vec<u8> {
    let mut body = Vec::new();
    wire::put_blob(&mut body, f.message.as_bytes());
    if f.code == wire::ERR_CONFLICT {
        wire::put_version(&mut body, f.current);
    }
    body
}

/// One complete frame, `u32 len | u32 id | u8 status | body`.
fn frame(id: [u8; 4], status: u8, body: &[u8]) -> Vec<u8> {
    let mut reply = Vec::with_capacity(4 + wire::MIN_FRAME + body.len());
    let start = wire::start_frame(&mut reply, u32::from_le_bytes(id), status);
    reply.extend_from_slice(body);
    wire::finish_frame(&mut reply, start);
    reply
}

/// The frame for a reply, or for a body too big for one frame an error naming it: the client
/// could not read past an oversized frame, so it would lose every request after this one.
pub fn bounded_frame(id: [u8; 4], status: u8, body: &[u8]) -> Vec<u8> {
    if wire::MIN_FRAME + body.len() <= wire::MAX_FRAME {
        return frame(id, status, body);
    }
    let mut error = Vec::new();
    let message = format!(
        "the reply would be {} bytes, more than one frame holds ({}): ask for less",
        body.len(),
        wire::MAX_FRAME
    );
    wire::put_blob(&mut error, message.as_bytes());
    frame(id, wire::ERR_REFUSED, &error)
}

pub(super) fn mtime_ns(meta: &Metadata) -> i64 {
    meta.mtime()
        .saturating_mul(1_000_000_000)
        .saturating_add(meta.mtime_nsec())
}

pub(super) fn ctime_ns(meta: &Metadata) -> i64 {
    meta.ctime()
        .saturating_mul(1_000_000_000)
        .saturating_add(meta.ctime_nsec())
}

/// The version of the file `meta` describes.
pub(super) fn version(meta: &Metadata) -> Stamp {
    Stamp {
        mtime_ns: mtime_ns(meta),
        size: meta.size(),
        ctime_ns: ctime_ns(meta),
        ino: meta.ino(),
        dev: meta.dev(),
    }
}

/// Encodes one entry (see `wire::put_entry`) from its lstat metadata; `target` only for a
/// symlink.
pub fn put_entry(out: &mut Vec<u8>, name: &[u8], meta: &Metadata, target: Option<&[u8]>) {
    let kind = meta.file_type();
    wire::put_entry(
        out,
        &WireEntry {
            name,
            kind: if kind.is_file() {
                wire::KIND_FILE
            } else if kind.is_dir() {
                wire::KIND_DIR
            } else if kind.is_symlink() {
                wire::KIND_SYMLINK
            } else {
                wire::KIND_OTHER
            },
            size: meta.size(),
            mode: meta.mode(),
            uid: meta.uid(),
            gid: meta.gid(),
            mtime_ns: mtime_ns(meta),
            ctime_ns: ctime_ns(meta),
            ino: meta.ino(),
            dev: meta.dev(),
            target: target.unwrap_or_default(),
        },
    );
}

/// A symlink's own target (never what it points to); None for anything else.
pub(super) fn link_target(meta: &Metadata, full: &Path) -> Option<Vec<u8>> {
    if !meta.file_type().is_symlink() {
        return None;
    }
    fs::read_link(full)
        .ok()
        .map(|t| t.as_os_str().as_bytes().to_vec())
}
