//! sandkasten-tui's workspace agent: a std-only static binary that runs as PID 2 (under
//! docker-init) of one helper container per open workspace, with the volume at `/workspace`,
//! and serves file requests framed on stdin/stdout. It owns nothing but that directory tree.
//!
//! Safety rules, enforced here whatever the client sends: paths are relative to `/workspace`,
//! without `..`, `.`, empty components or NUL; no symlink is ever followed. Every directory on
//! the way is opened with `O_NOFOLLOW | O_DIRECTORY` relative to the one before it (through
//! `/proc/self/fd/<fd>/<name>`, which std can express without `openat`), and the last component
//! is acted on with lstat semantics: a symlink is listed and can be renamed or removed itself,
//! but is never read, written, listed or walked through.
//!
//! Protocol (little-endian; the client's copy is `src/workspace_fs/protocol.rs`): the agent
//! first writes the line `HELLO <version>\n`; then requests `u32 len | u32 id | u8 op | payload`
//! and replies `u32 len | u32 id | u8 status | payload` (len counts what follows it). Strings
//! and blobs are `u32 len | bytes`. Requests run on a few worker threads, so replies can come
//! in any order; the client matches them by id. A listing is answered in several frames
//! (`STATUS_PART` chunks, then one final frame), read from the directory in one pass with
//! bounded memory. No frame ever exceeds `MAX_FRAME`: a reply that would is replaced by an
//! error for that request alone. The agent exits when stdin closes.
//!
//! Compiled by `build.rs` with `$RUSTC`, edition 2021; the crate's unit tests also compile it
//! as a module (edition 2024, the crate's lints, and `cargo fmt` formats it as 2024), so it
//! must stay valid in both.

use std::collections::HashSet;
use std::collections::hash_map::RandomState;
use std::ffi::{OsStr, OsString};
use std::fs::{self, DirBuilder, DirEntry, File, Metadata, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, BufReader, Read, Write};
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::{Duration, SystemTime};

/// 3: a walk reply carries the newest ctime after the newest mtime.
pub const PROTOCOL_VERSION: u32 = 3;
/// The greeting; a client that reads anything else is talking to a stale or foreign agent.
pub const HELLO: &[u8] = b"HELLO 3\n";

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
/// Payload: message, then the version of the file as it is now (see `put_version`).
pub const ERR_CONFLICT: u8 = 3;
pub const ERR_NOT_DIR: u8 = 4;
pub const ERR_IS_DIR: u8 = 5;
pub const ERR_EXISTS: u8 = 6;
pub const ERR_NOT_EMPTY: u8 = 7;
pub const ERR_REFUSED: u8 = 8;
pub const ERR_IO: u8 = 9;
pub const ERR_BAD_REQUEST: u8 = 10;
/// One chunk of a reply that continues in further frames with the same id.
pub const STATUS_PART: u8 = 11;

pub const KIND_FILE: u8 = 0;
pub const KIND_DIR: u8 = 1;
pub const KIND_SYMLINK: u8 = 2;
pub const KIND_OTHER: u8 = 3;

/// Largest file content in one request or reply; bigger reads are split by the client.
pub const MAX_DATA: usize = 32 << 20;
/// Largest frame either way: the data plus room for a path and the header.
pub const MAX_FRAME: usize = MAX_DATA + (1 << 16);

const ROOT: &str = "/workspace";
/// Requests in flight at once: enough that a long walk does not hold up a listing.
const WORKERS: usize = 4;
/// Threads stat'ing one chunk of a listing.
const STAT_THREADS: usize = 4;
/// Entries per listing chunk: with names of at most 255 bytes and symlink targets of at most
/// 4 KiB, a chunk stays far below `MAX_FRAME`; the agent holds one chunk at a time.
const LIST_CHUNK: usize = 2048;
/// Left-over temporary files of a killed save are removed once older than this.
const STALE_TEMP: Duration = Duration::from_secs(60);
const TEMP_MARK: &[u8] = b".sandkasten-tui-";

// Linux x86_64 open(2) flags std has no names for.
const O_NOFOLLOW: i32 = 0o400_000;
const O_DIRECTORY: i32 = 0o200_000;
const O_NONBLOCK: i32 = 0o4000;
const ELOOP: i32 = 40;
const EROFS: i32 = 30;

fn main() {
    if let Err(e) = run() {
        eprintln!("sandkasten-tui-agent: {e}");
        std::process::exit(1);
    }
}

fn run() -> io::Result<()> {
    let workspace = Arc::new(Workspace::open(Path::new(ROOT))?);
    // Own the descriptors instead of going through std's locked, line-buffered handles.
    let input = File::from(io::stdin().as_fd().try_clone_to_owned()?);
    let output = File::from(io::stdout().as_fd().try_clone_to_owned()?);
    serve(workspace, input, output)
}

/// Greets, then answers requests from `input` until it closes.
pub fn serve(
    workspace: Arc<Workspace>,
    input: impl Read,
    mut output: impl Write + Send + 'static,
) -> io::Result<()> {
    output.write_all(HELLO)?;
    output.flush()?;
    let output = Arc::new(Mutex::new(output));
    // Bounded, so a client streaming big writes cannot queue unbounded memory here.
    let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(WORKERS);
    let rx = Arc::new(Mutex::new(rx));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (rx, output, workspace) = (rx.clone(), output.clone(), workspace.clone());
            std::thread::spawn(move || {
                loop {
                    let next = rx.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    let Ok(frame) = next else { return };
                    workspace.answer_into(&frame, &mut |reply: &[u8]| {
                        let mut out = output.lock().unwrap_or_else(PoisonError::into_inner);
                        // A failed write means the client is gone; stdin closes with it and
                        // ends us.
                        let _ = out.write_all(reply).and_then(|()| out.flush());
                    });
                }
            })
        })
        .collect();
    let mut input = BufReader::with_capacity(1 << 16, input);
    let result = loop {
        match read_frame(&mut input) {
            Ok(Some(frame)) => {
                if tx.send(frame).is_err() {
                    break Ok(());
                }
            }
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    drop(tx);
    for w in workers {
        let _ = w.join();
    }
    result
}

/// One request body (`id | op | payload`), or None at a clean end of input.
pub fn read_frame(input: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    match input.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u32::from_le_bytes(len) as usize;
    if !(5..=MAX_FRAME).contains(&len) {
        // The stream cannot be resynchronised after a bad length: give up on it.
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("bad frame length {len}"),
        ));
    }
    let mut body = vec![0u8; len];
    input.read_exact(&mut body)?;
    Ok(Some(body))
}

/// Why a request failed, as sent back: a status code, a message, and for conflicts the file's
/// version as it is now.
#[derive(Debug)]
pub struct Failure {
    code: u8,
    message: String,
    current: Option<Stamp>,
}

type Outcome = Result<Vec<u8>, Failure>;

fn refused(message: String) -> Failure {
    Failure {
        code: ERR_REFUSED,
        message,
        current: None,
    }
}

fn bad_request(message: &str) -> Failure {
    Failure {
        code: ERR_BAD_REQUEST,
        message: message.to_owned(),
        current: None,
    }
}

/// Maps an OS error on `what` (a workspace-relative path) to a status.
fn io_failure(e: &io::Error, what: &[u8]) -> Failure {
    let what = show(what);
    let code = match e.raw_os_error() {
        Some(2) => ERR_NOT_FOUND,
        Some(1 | 13) => ERR_PERMISSION,
        Some(17) => ERR_EXISTS,
        Some(20) => ERR_NOT_DIR,
        Some(21) => ERR_IS_DIR,
        Some(39) => ERR_NOT_EMPTY,
        Some(ELOOP) => {
            return refused(format!("{what}: a symlink, never followed"));
        }
        Some(EROFS) => {
            return refused(format!("{what}: the workspace is mounted read-only"));
        }
        _ => ERR_IO,
    };
    Failure {
        code,
        message: format!("{what}: {e}"),
        current: None,
    }
}

fn show(path: &[u8]) -> String {
    if path.is_empty() {
        "/workspace".to_owned()
    } else {
        String::from_utf8_lossy(path).into_owned()
    }
}

/// Splits a wire path into its components, refusing anything that could leave the tree.
pub fn components(raw: &[u8]) -> Result<Vec<&[u8]>, Failure> {
    if raw.is_empty() {
        return Ok(Vec::new());
    }
    let parts: Vec<&[u8]> = raw.split(|&b| b == b'/').collect();
    for part in &parts {
        let bad = part.is_empty()
            || *part == b"."
            || *part == b".."
            || part.contains(&0)
            || part.len() > 255;
        if bad {
            return Err(refused(format!(
                "{}: not a plain relative path inside the workspace",
                show(raw)
            )));
        }
    }
    Ok(parts)
}

/// The directory tree at `/workspace`, reached only through descriptors.
pub struct Workspace {
    root: File,
}

fn fd_path(dir: &File) -> PathBuf {
    PathBuf::from(format!("/proc/self/fd/{}", dir.as_raw_fd()))
}

/// `name` inside the directory `dir` is open on; only the last component is looked up by name.
fn at(dir: &File, name: &[u8]) -> PathBuf {
    let mut p = fd_path(dir);
    p.push(OsStr::from_bytes(name));
    p
}

fn open_dir_nofollow(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(O_DIRECTORY | O_NOFOLLOW)
        .open(path)
}

fn mtime_ns(meta: &Metadata) -> i64 {
    meta.mtime()
        .saturating_mul(1_000_000_000)
        .saturating_add(meta.mtime_nsec())
}

fn ctime_ns(meta: &Metadata) -> i64 {
    meta.ctime()
        .saturating_mul(1_000_000_000)
        .saturating_add(meta.ctime_nsec())
}

/// What identifies one state of a file: any write moves mtime or ctime (a `touch -r` that
/// restores mtime still moves ctime, which no unprivileged call can set), and a replacement
/// changes the inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub mtime_ns: i64,
    pub size: u64,
    pub ctime_ns: i64,
    pub ino: u64,
    pub dev: u64,
}

pub fn version(meta: &Metadata) -> Stamp {
    Stamp {
        mtime_ns: mtime_ns(meta),
        size: meta.size(),
        ctime_ns: ctime_ns(meta),
        ino: meta.ino(),
        dev: meta.dev(),
    }
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

/// One complete frame, `u32 len | u32 id | u8 status | body`.
fn frame(id: [u8; 4], status: u8, body: &[u8]) -> Vec<u8> {
    let mut reply = Vec::with_capacity(9 + body.len());
    reply.extend_from_slice(&(5 + body.len() as u32).to_le_bytes());
    reply.extend_from_slice(&id);
    reply.push(status);
    reply.extend_from_slice(body);
    reply
}

/// The frame for a reply, or for a body too big for one frame an error naming it: the client
/// could not read past an oversized frame, so it would lose every request after this one.
pub fn bounded_frame(id: [u8; 4], status: u8, body: &[u8]) -> Vec<u8> {
    if 5 + body.len() <= MAX_FRAME {
        return frame(id, status, body);
    }
    let mut error = Vec::new();
    let message = format!(
        "the reply would be {} bytes, more than one frame holds ({MAX_FRAME}): ask for less",
        body.len()
    );
    put_blob(&mut error, message.as_bytes());
    frame(id, ERR_REFUSED, &error)
}

impl Workspace {
    pub fn open(root: &Path) -> io::Result<Self> {
        let root = open_dir_nofollow(root)?;
        // Everything below goes through /proc/self/fd: make sure it leads back to the root.
        let (direct, via_proc) = (root.metadata()?, fs::metadata(fd_path(&root))?);
        if (direct.dev(), direct.ino()) != (via_proc.dev(), via_proc.ino()) {
            return Err(io::Error::other("/proc/self/fd does not work here"));
        }
        Ok(Self { root })
    }

    /// Answers one request body with its reply frames, all concatenated (tests use it).
    pub fn answer(&self, request: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        self.answer_into(request, &mut |f: &[u8]| out.extend_from_slice(f));
        out
    }

    /// Answers one request body, handing each complete reply frame to `send` as it is ready:
    /// the `STATUS_PART` chunks of a listing, then the final frame.
    pub fn answer_into(&self, request: &[u8], send: &mut dyn FnMut(&[u8])) {
        let id = request
            .get(..4)
            .map_or([0; 4], |b| [b[0], b[1], b[2], b[3]]);
        let op = request.get(4).copied().unwrap_or(0);
        let payload = request.get(5..).unwrap_or_default();
        let mut part = |body: &[u8]| send(&bounded_frame(id, STATUS_PART, body));
        let (status, body) = match self.dispatch(op, &mut Cursor::new(payload), &mut part) {
            Ok(body) => (STATUS_OK, body),
            Err(f) => {
                let mut body = Vec::new();
                put_blob(&mut body, f.message.as_bytes());
                if f.code == ERR_CONFLICT {
                    put_version(&mut body, f.current);
                }
                (f.code, body)
            }
        };
        send(&bounded_frame(id, status, &body));
    }

    fn dispatch(&self, op: u8, req: &mut Cursor, part: &mut dyn FnMut(&[u8])) -> Outcome {
        let path = req.blob()?;
        let comps = components(path)?;
        let outcome = match op {
            OP_LIST => {
                let limit = req.u32()?;
                if req.rest() != 0 {
                    return Err(bad_request("trailing bytes after the request"));
                }
                self.list(path, &comps, limit as usize, part)
            }
            OP_STAT => self.stat(path, &comps),
            OP_READ => {
                let (offset, len) = (req.u64()?, req.u64()?);
                self.read(path, &comps, offset, len)
            }
            OP_WRITE => {
                let expected = req.expected()?;
                let data = req.blob()?;
                self.write_atomic(path, &comps, expected, data)
            }
            OP_MKDIR => self.mkdir(path, &comps),
            OP_RENAME => {
                let to = req.blob()?;
                let overwrite = req.u8()? != 0;
                self.rename(path, &comps, to, &components(to)?, overwrite)
            }
            OP_REMOVE => {
                let recursive = req.u8()? != 0;
                self.remove(path, &comps, recursive)
            }
            OP_WALK => self.walk(path, &comps),
            _ => return Err(bad_request(&format!("unknown operation {op}"))),
        };
        if req.rest() != 0 {
            return Err(bad_request("trailing bytes after the request"));
        }
        outcome
    }

    /// Opens the directory `comps` names, refusing a symlink anywhere on the way.
    fn open_dir(&self, path: &[u8], comps: &[&[u8]]) -> Result<File, Failure> {
        let mut cur: Option<File> = None;
        let mut walked = 0;
        for comp in comps {
            walked += comp.len() + usize::from(walked > 0);
            let base = cur.as_ref().unwrap_or(&self.root);
            let here = at(base, comp);
            let next = open_dir_nofollow(&here).map_err(|e| {
                // O_DIRECTORY | O_NOFOLLOW on a symlink fails with ENOTDIR, not ELOOP: say
                // what it really is.
                let link = fs::symlink_metadata(&here).is_ok_and(|m| m.file_type().is_symlink());
                if link {
                    refused(format!(
                        "{}: a symlink, never followed",
                        show(&path[..walked])
                    ))
                } else {
                    io_failure(&e, &path[..walked])
                }
            })?;
            cur = Some(next);
        }
        match cur {
            Some(dir) => Ok(dir),
            None => self.root.try_clone().map_err(|e| io_failure(&e, b"")),
        }
    }

    /// The open parent directory of a non-root path, and the last component.
    fn parent<'p>(&self, path: &[u8], comps: &[&'p [u8]]) -> Result<(File, &'p [u8]), Failure> {
        let Some((name, dirs)) = comps.split_last() else {
            return Err(refused(
                "/workspace itself: not a file, cannot be changed".to_owned(),
            ));
        };
        let parent_len = path.len().saturating_sub(name.len() + 1);
        Ok((self.open_dir(&path[..parent_len], dirs)?, name))
    }

    /// One pass over the directory: entries go out in readdir order, in chunks of
    /// `LIST_CHUNK` stat'ed entries (sent through `part`), up to `limit` of them; the rest are
    /// only counted. The final reply is `u32 total | u32 sent`. Sorting is the client's job,
    /// so nothing here grows with the directory.
    fn list(
        &self,
        path: &[u8],
        comps: &[&[u8]],
        limit: usize,
        part: &mut dyn FnMut(&[u8]),
    ) -> Outcome {
        let dir = self.open_dir(path, comps)?;
        let fail = |e: io::Error| io_failure(&e, path);
        let mut total: u64 = 0;
        let mut sent: u64 = 0;
        let mut chunk: Vec<DirEntry> = Vec::with_capacity(LIST_CHUNK.min(limit));
        for entry in fs::read_dir(fd_path(&dir)).map_err(fail)? {
            let Ok(entry) = entry else { continue };
            total += 1;
            if (sent as usize) + chunk.len() >= limit {
                continue;
            }
            chunk.push(entry);
            if chunk.len() == LIST_CHUNK {
                sent += u64::from(send_chunk(&dir, &chunk, part));
                chunk.clear();
            }
        }
        if !chunk.is_empty() {
            sent += u64::from(send_chunk(&dir, &chunk, part));
        }
        let mut out = Vec::with_capacity(8);
        put_u32(&mut out, u32::try_from(total).unwrap_or(u32::MAX));
        put_u32(&mut out, u32::try_from(sent).unwrap_or(u32::MAX));
        Ok(out)
    }

    fn stat(&self, path: &[u8], comps: &[&[u8]]) -> Outcome {
        let mut out = Vec::new();
        if comps.is_empty() {
            let meta = self.root.metadata().map_err(|e| io_failure(&e, path))?;
            put_entry(&mut out, b"", &meta, None);
            return Ok(out);
        }
        let (dir, name) = self.parent(path, comps)?;
        let full = at(&dir, name);
        let meta = fs::symlink_metadata(&full).map_err(|e| io_failure(&e, path))?;
        put_entry(&mut out, name, &meta, link_target(&meta, &full).as_deref());
        Ok(out)
    }

    fn read(&self, path: &[u8], comps: &[&[u8]], offset: u64, len: u64) -> Outcome {
        let (dir, name) = self.parent(path, comps)?;
        let fail = |e: io::Error| io_failure(&e, path);
        // O_NONBLOCK: opening a FIFO must not hang the worker; it is refused below.
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(O_NOFOLLOW | O_NONBLOCK)
            .open(at(&dir, name))
            .map_err(fail)?;
        let meta = file.metadata().map_err(fail)?;
        regular_or_refuse(&meta, path)?;
        // Capped by the size at open: a file growing meanwhile gives a short read, which the
        // client takes as the end.
        let available = meta.size().saturating_sub(offset);
        let want = usize::try_from(len.min(available))
            .unwrap_or(usize::MAX)
            .min(MAX_DATA);
        let mut data = vec![0u8; want];
        let mut got = 0;
        while got < want {
            match file.read_at(&mut data[got..], offset.saturating_add(got as u64)) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(fail(e)),
            }
        }
        data.truncate(got);
        let mut out = Vec::with_capacity(got + 24);
        put_version(&mut out, Some(version(&meta)));
        put_blob(&mut out, &data);
        Ok(out)
    }

    /// Temp file in the same directory, fsync, rename over the target, fsync the directory:
    /// after a kill at any point the target holds the old or the new content. A file that
    /// must be new is linked into place instead of renamed, which fails if anything took
    /// the name meanwhile, so nothing made between the check and the write is replaced.
    fn write_atomic(
        &self,
        path: &[u8],
        comps: &[&[u8]],
        expected: Expected,
        data: &[u8],
    ) -> Outcome {
        let (dir, name) = self.parent(path, comps)?;
        let fail = |e: io::Error| io_failure(&e, path);
        let target = at(&dir, name);
        let existing = self.check_target(path, &target, expected)?;
        // A new file takes the owner of its directory, so a session running as a normal user
        // can still edit what the operator created.
        let (mode, uid, gid) = match &existing {
            Some(m) => (m.mode() & 0o7777, m.uid(), m.gid()),
            None => {
                let d = dir.metadata().map_err(fail)?;
                (0o644, d.uid(), d.gid())
            }
        };
        let temp_name = temp_name(name);
        let temp = at(&dir, &temp_name);
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(O_NOFOLLOW)
            .open(&temp)
            .map_err(fail)?;
        let result = fill_temp(&mut file, data, mode, uid, gid)
            .map_err(fail)
            .and_then(|()| {
                // Checked again right before replacing: the write above may have taken a while.
                self.check_target(path, &target, expected)?;
                if expected == Expected::Absent {
                    fs::hard_link(&temp, &target).map_err(fail)?;
                    fs::remove_file(&temp).map_err(fail)?;
                } else {
                    fs::rename(&temp, &target).map_err(fail)?;
                }
                // Stat'ed after the rename, which moves ctime on most file systems: the
                // version returned is the one the next save will find.
                file.metadata().map_err(fail)
            });
        let meta = match result {
            Ok(meta) => meta,
            Err(f) => {
                let _ = fs::remove_file(&temp);
                return Err(f);
            }
        };
        // The rename is durable only once the directory is.
        dir.sync_all().map_err(fail)?;
        remove_stale_temps(&dir);
        let mut out = Vec::new();
        put_version(&mut out, Some(version(&meta)));
        Ok(out)
    }

    /// The target's metadata when it is a regular file, None when absent; a conflict when it
    /// is not the version the client expects.
    fn check_target(
        &self,
        path: &[u8],
        target: &Path,
        expected: Expected,
    ) -> Result<Option<Metadata>, Failure> {
        let existing = match fs::symlink_metadata(target) {
            Ok(meta) => Some(meta),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(io_failure(&e, path)),
        };
        // A name that must be free is refused below whatever holds it.
        if let (Some(meta), false) = (&existing, expected == Expected::Absent) {
            regular_or_refuse(meta, path)?;
        }
        let current = existing.as_ref().map(version);
        match expected {
            Expected::Version(want) if current != Some(want) => Err(Failure {
                code: ERR_CONFLICT,
                message: format!("{}: changed on disk since it was opened", show(path)),
                current,
            }),
            Expected::Absent if existing.is_some() => Err(Failure {
                code: ERR_EXISTS,
                message: format!("{}: already exists", show(path)),
                current: None,
            }),
            _ => Ok(existing),
        }
    }

    fn mkdir(&self, path: &[u8], comps: &[&[u8]]) -> Outcome {
        let (dir, name) = self.parent(path, comps)?;
        let fail = |e: io::Error| io_failure(&e, path);
        let owner = dir.metadata().map_err(fail)?;
        let full = at(&dir, name);
        DirBuilder::new().mode(0o755).create(&full).map_err(fail)?;
        // lchown: should the new directory be swapped for a symlink meanwhile, the link is
        // what changes owner.
        std::os::unix::fs::lchown(&full, Some(owner.uid()), Some(owner.gid())).map_err(fail)?;
        Ok(Vec::new())
    }

    fn rename(
        &self,
        from: &[u8],
        from_comps: &[&[u8]],
        to: &[u8],
        to_comps: &[&[u8]],
        overwrite: bool,
    ) -> Outcome {
        let (from_dir, from_name) = self.parent(from, from_comps)?;
        let (to_dir, to_name) = self.parent(to, to_comps)?;
        let (source, target) = (at(&from_dir, from_name), at(&to_dir, to_name));
        let meta = fs::symlink_metadata(&source).map_err(|e| io_failure(&e, from))?;
        let exists = || Failure {
            code: ERR_EXISTS,
            message: format!("{}: already exists", show(to)),
            current: None,
        };
        if !overwrite {
            if fs::symlink_metadata(&target).is_ok() {
                return Err(exists());
            }
            // A check and a rename leave a window in which a session's new file at the target
            // would be replaced. Anything but a directory is linked into place instead (link(2)
            // never replaces and does not follow a symlink), then its old name removed.
            if !meta.is_dir() {
                match fs::hard_link(&source, &target) {
                    Ok(()) => {
                        let linked = fs::symlink_metadata(&target)
                            .map_or((meta.dev(), meta.ino()), |m| (m.dev(), m.ino()));
                        return remove_old_name(&from_dir, from_name, from, linked);
                    }
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(exists()),
                    // No hard links here (another file system, protected links): the checked
                    // rename below.
                    Err(_) => {}
                }
            }
        }
        // rename(2) acts on the names themselves: a symlink is moved, not what it points to.
        // A directory can only replace an empty directory this way, never a file or content.
        fs::rename(&source, &target).map_err(|e| io_failure(&e, to))?;
        Ok(Vec::new())
    }

    fn remove(&self, path: &[u8], comps: &[&[u8]], recursive: bool) -> Outcome {
        let (dir, name) = self.parent(path, comps)?;
        let fail = |e: io::Error| io_failure(&e, path);
        let full = at(&dir, name);
        let meta = fs::symlink_metadata(&full).map_err(fail)?;
        if !meta.is_dir() {
            fs::remove_file(&full).map_err(fail)?;
        } else if recursive {
            // std's remove_dir_all descends with openat + O_NOFOLLOW and unlinks symlinks
            // instead of entering them.
            fs::remove_dir_all(&full).map_err(fail)?;
        } else {
            fs::remove_dir(&full).map_err(fail)?;
        }
        Ok(Vec::new())
    }

    /// Bytes and count of regular files (each inode once), newest mtime and newest ctime of
    /// the directory itself and anything below; the same rules as `src/docker/sizes.rs`, through descriptors. Reply:
    /// `u64 bytes | u64 files | u8 any | i64 newest_mtime_ns | i64 newest_ctime_ns` (zeros
    /// when there is nothing below).
    fn walk(&self, path: &[u8], comps: &[&[u8]]) -> Outcome {
        let root = Rc::new(self.open_dir(path, comps)?);
        let mut walker = Walker::default();
        // The directory's own times count: removing an entry changes nothing else.
        if let Ok(meta) = root.metadata() {
            walker.note(&meta);
        }
        walker.scan(&root);
        while let Some((parent, name)) = walker.stack.pop() {
            // Not a directory any more (or a symlink now): skipped, like the sizes walk does.
            if let Ok(dir) = open_dir_nofollow(&at(&parent, name.as_bytes())) {
                walker.scan(&Rc::new(dir));
            }
        }
        let mut out = Vec::new();
        put_u64(&mut out, walker.bytes);
        put_u64(&mut out, walker.files);
        match walker.newest {
            Some((mtime, ctime)) => {
                out.push(1);
                put_i64(&mut out, mtime);
                put_i64(&mut out, ctime);
            }
            None => {
                out.push(0);
                put_i64(&mut out, 0);
                put_i64(&mut out, 0);
            }
        }
        Ok(out)
    }
}

/// Removes `name` in `dir` after its file (`linked`: dev and inode) was linked to its new
/// name, but only while the name still holds that file: unlinking by name would remove
/// whatever the session put there since (an editor saves by renaming a new file over the
/// name). The name is first moved aside, which takes what it holds at that instant; what turns
/// out not to be the linked file goes back under its name, never over a newer one.
fn remove_old_name(dir: &File, name: &[u8], path: &[u8], linked: (u64, u64)) -> Outcome {
    let fail = |e: io::Error| io_failure(&e, path);
    let aside_name = aside_name(name);
    let (old, aside) = (at(dir, name), at(dir, &aside_name));
    match fs::rename(&old, &aside) {
        Ok(()) => {}
        // Moved or removed by the session meanwhile: nothing of ours is left there.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(fail(e)),
    }
    let found = fs::symlink_metadata(&aside).map_err(fail)?;
    if (found.dev(), found.ino()) == linked {
        fs::remove_file(&aside).map_err(fail)?;
        return Ok(Vec::new());
    }
    // The session's own file. A directory can only take the place of an empty directory
    // (never of content); anything else is linked back, which never replaces.
    let back = if found.is_dir() {
        fs::rename(&aside, &old)
    } else {
        fs::hard_link(&aside, &old).and_then(|()| fs::remove_file(&aside))
    };
    back.map(|()| Vec::new()).map_err(|e| Failure {
        code: ERR_IO,
        message: format!(
            "{}: replaced by the session during the rename, its new file is kept as {} ({e})",
            show(path),
            show(&aside_name)
        ),
        current: None,
    })
}

/// `.<name>.sandkasten-tui-aside-<random>`, within NAME_MAX; never taken for a stale temp
/// file (those end in `.tmp`), since it may hold a session's file.
fn aside_name(name: &[u8]) -> Vec<u8> {
    // `temp_name` ends in `<16 hex digits>.tmp`: the same randomness.
    let temp = temp_name(name);
    let random = &temp[temp.len() - 20..temp.len() - 4];
    let mut out = Vec::with_capacity(name.len().min(200) + 40);
    out.push(b'.');
    out.extend_from_slice(&name[..name.len().min(200)]);
    out.extend_from_slice(TEMP_MARK);
    out.extend_from_slice(b"aside-");
    out.extend_from_slice(random);
    out
}

#[derive(Default)]
struct Walker {
    /// Directories still to scan: their open parent and their name.
    stack: Vec<(Rc<File>, OsString)>,
    /// (dev, ino) of files with more than one link, so each is counted once.
    linked: HashSet<(u64, u64)>,
    bytes: u64,
    files: u64,
    /// Newest mtime and newest ctime (each on its own), in nanoseconds.
    newest: Option<(i64, i64)>,
}

impl Walker {
    fn note(&mut self, meta: &Metadata) {
        let (mtime, ctime) = (mtime_ns(meta), ctime_ns(meta));
        self.newest = Some(match self.newest {
            Some((m, c)) => (m.max(mtime), c.max(ctime)),
            None => (mtime, ctime),
        });
    }

    fn scan(&mut self, dir: &Rc<File>) {
        let Ok(entries) = fs::read_dir(fd_path(dir)) else {
            return;
        };
        for entry in entries.flatten() {
            // fstatat without following symlinks.
            let Ok(meta) = entry.metadata() else { continue };
            self.note(&meta);
            if meta.is_dir() {
                self.stack.push((dir.clone(), entry.file_name()));
            } else if meta.is_file() {
                if meta.nlink() > 1 && !self.linked.insert((meta.dev(), meta.ino())) {
                    continue;
                }
                self.files += 1;
                self.bytes += meta.size();
            }
        }
    }
}

/// Writes, sets owner then mode, and syncs the temp file.
fn fill_temp(file: &mut File, data: &[u8], mode: u32, uid: u32, gid: u32) -> io::Result<()> {
    file.write_all(data)?;
    std::os::unix::fs::fchown(&*file, Some(uid), Some(gid))?;
    // After chown, which clears set-id bits. Setting setgid on a file whose group root is
    // not in needs CAP_FSETID (the helper has it when it may write); the mode is then checked,
    // so a save never silently drops a special bit.
    file.set_permissions(fs::Permissions::from_mode(mode))?;
    let kept = file.metadata()?.mode() & 0o7777;
    if kept != mode {
        return Err(io::Error::other(format!(
            "the mode {mode:04o} could not be kept (the file system made it {kept:04o})"
        )));
    }
    file.sync_all()
}

/// Stats, encodes and sends one chunk of a listing as `u32 count | entries`; returns how many
/// went (an entry gone since readdir is left out). One stat costs 1.5 µs or more (a syscall
/// through seccomp): a full chunk is stat'ed on a few threads, in slices joined in order.
fn send_chunk(dir: &File, chunk: &[DirEntry], part: &mut dyn FnMut(&[u8])) -> u32 {
    let slices = if chunk.len() < LIST_CHUNK / 2 {
        1
    } else {
        STAT_THREADS
    };
    let per_slice = chunk.len().div_ceil(slices).max(1);
    let encoded: Vec<(u32, Vec<u8>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunk
            .chunks(per_slice)
            .map(|slice| scope.spawn(|| encode_entries(dir, slice)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let count: u32 = encoded.iter().map(|(n, _)| n).sum();
    let mut body = Vec::with_capacity(4 + encoded.iter().map(|(_, b)| b.len()).sum::<usize>());
    put_u32(&mut body, count);
    for (_, bytes) in encoded {
        body.extend_from_slice(&bytes);
    }
    part(&body);
    count
}

/// Stats and encodes directory entries; returns how many (an entry gone since readdir is left
/// out).
fn encode_entries(dir: &File, entries: &[DirEntry]) -> (u32, Vec<u8>) {
    let mut body = Vec::with_capacity(entries.len() * 80);
    let mut count = 0;
    for entry in entries {
        let name = entry.file_name();
        let Ok(meta) = entry.metadata() else { continue };
        let target = if meta.file_type().is_symlink() {
            link_target(&meta, &at(dir, name.as_bytes()))
        } else {
            None
        };
        put_entry(&mut body, name.as_bytes(), &meta, target.as_deref());
        count += 1;
    }
    (count, body)
}

fn regular_or_refuse(meta: &Metadata, path: &[u8]) -> Result<(), Failure> {
    let kind = meta.file_type();
    if kind.is_file() {
        Ok(())
    } else if kind.is_dir() {
        Err(Failure {
            code: ERR_IS_DIR,
            message: format!("{}: is a directory", show(path)),
            current: None,
        })
    } else if kind.is_symlink() {
        Err(refused(format!(
            "{}: a symlink, never followed",
            show(path)
        )))
    } else {
        Err(refused(format!("{}: not a regular file", show(path))))
    }
}

fn link_target(meta: &Metadata, full: &Path) -> Option<Vec<u8>> {
    if !meta.file_type().is_symlink() {
        return None;
    }
    fs::read_link(full)
        .ok()
        .map(|t| t.as_os_str().as_bytes().to_vec())
}

/// `.<name>.sandkasten-tui-<random>.tmp`, within NAME_MAX.
fn temp_name(name: &[u8]) -> Vec<u8> {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    let mut out = Vec::with_capacity(name.len().min(200) + 40);
    out.push(b'.');
    out.extend_from_slice(&name[..name.len().min(200)]);
    out.extend_from_slice(TEMP_MARK);
    out.extend_from_slice(format!("{:016x}.tmp", hasher.finish()).as_bytes());
    out
}

/// Removes temp files a killed save left in `dir`, once they are old enough not to belong to
/// a save still running.
fn remove_stale_temps(dir: &File) {
    let Ok(entries) = fs::read_dir(fd_path(dir)) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let n = name.as_bytes();
        let ours = n.first() == Some(&b'.')
            && n.ends_with(b".tmp")
            && n.windows(TEMP_MARK.len()).any(|w| w == TEMP_MARK);
        if !ours {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age > STALE_TEMP);
        if meta.is_file() && old {
            let _ = fs::remove_file(at(dir, n));
        }
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

/// `u8 present | i64 mtime_ns | u64 size | i64 ctime_ns | u64 ino | u64 dev` (zeros when
/// absent).
pub fn put_version(out: &mut Vec<u8>, v: Option<Stamp>) {
    out.push(u8::from(v.is_some()));
    let v = v.unwrap_or(Stamp {
        mtime_ns: 0,
        size: 0,
        ctime_ns: 0,
        ino: 0,
        dev: 0,
    });
    put_i64(out, v.mtime_ns);
    put_u64(out, v.size);
    put_i64(out, v.ctime_ns);
    put_u64(out, v.ino);
    put_u64(out, v.dev);
}

/// `name | u8 kind | u64 size | u32 mode | u32 uid | u32 gid | i64 mtime_ns | i64 ctime_ns |
/// u64 ino | u64 dev | target` (the target is empty unless a symlink: Linux has no empty
/// symlink targets).
pub fn put_entry(out: &mut Vec<u8>, name: &[u8], meta: &Metadata, target: Option<&[u8]>) {
    let kind = meta.file_type();
    put_blob(out, name);
    out.push(if kind.is_file() {
        KIND_FILE
    } else if kind.is_dir() {
        KIND_DIR
    } else if kind.is_symlink() {
        KIND_SYMLINK
    } else {
        KIND_OTHER
    });
    put_u64(out, meta.size());
    put_u32(out, meta.mode());
    put_u32(out, meta.uid());
    put_u32(out, meta.gid());
    put_i64(out, mtime_ns(meta));
    put_i64(out, ctime_ns(meta));
    put_u64(out, meta.ino());
    put_u64(out, meta.dev());
    put_blob(out, target.unwrap_or_default());
}

/// Reads a request payload; running short is a bad request.
pub struct Cursor<'a> {
    buf: &'a [u8],
}

impl<'a> Cursor<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Failure> {
        if self.buf.len() < n {
            return Err(bad_request("request cut short"));
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Failure> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    pub fn u8(&mut self) -> Result<u8, Failure> {
        Ok(self.take(1)?[0])
    }

    pub fn u32(&mut self) -> Result<u32, Failure> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub fn u64(&mut self) -> Result<u64, Failure> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    pub fn i64(&mut self) -> Result<i64, Failure> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    pub fn blob(&mut self) -> Result<&'a [u8], Failure> {
        let n = self.u32()? as usize;
        self.take(n)
    }

    /// A write's expectation: `u8 kind` (0 any, 1 this version, 2 absent), then a version
    /// as `put_version` writes it (zeros unless kind 1).
    pub fn expected(&mut self) -> Result<Expected, Failure> {
        let kind = self.u8()?;
        let stamp = Stamp {
            mtime_ns: self.i64()?,
            size: self.u64()?,
            ctime_ns: self.i64()?,
            ino: self.u64()?,
            dev: self.u64()?,
        };
        match kind {
            0 => Ok(Expected::Any),
            1 => Ok(Expected::Version(stamp)),
            2 => Ok(Expected::Absent),
            _ => Err(bad_request("unknown write expectation")),
        }
    }

    pub fn rest(&self) -> usize {
        self.buf.len()
    }
}
