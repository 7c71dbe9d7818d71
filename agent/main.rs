//! sandkasten-tui's workspace agent: a std-only static binary that runs as PID 2 (under
//! docker-init) of one helper container per open workspace, with the volume at `/workspace`,
//! and serves file requests framed on stdin/stdout. It owns nothing but that directory tree.
//! This file owns the process: the greeting, reading request frames, the worker threads and
//! handing each request to its operation; it must not act on files itself.
//!
//! Safety rules, enforced whatever the client sends: paths are relative to `/workspace`,
//! without `..`, `.`, empty components or NUL; no symlink is ever followed. Every directory on
//! the way is opened by descriptor without following links, and the last component is acted on
//! with lstat semantics: a symlink is listed and can be renamed or removed itself, but is never
//! read, written, listed or walked through (`paths.rs`).
//!
//! The protocol is `wire.rs`, the one file the client (`src/workspace_fs/protocol.rs`)
//! compiles too. Requests run on a few worker threads, so replies can come in any order; the
//! client matches them by id. A listing is answered in several frames with bounded memory
//! (`list.rs`). No frame ever exceeds `MAX_FRAME`: a reply that would is replaced by an error
//! for that request alone (`reply.rs`). The agent exits when stdin closes.
//!
//! Modules: `wire` (the format), `paths` (reaching names), `reply` (failures, frames, metadata
//! encoding), `ops` (stat, read, mkdir, rename, remove), `write` (saving), `list`, `walk`.
//!
//! Compiled by `build.rs` with `$RUSTC`, edition 2021 (rustc follows the `mod` declarations
//! below; `build.rs` reruns when anything in `agent/` changes); the crate's unit tests also
//! compile it as a module (edition 2024, the crate's lints, and `cargo fmt` formats it as
//! 2024), so every file here must stay valid in both and must not use `crate::` paths.

mod list;
mod ops;
mod paths;
mod reply;
mod walk;
// The agent decodes requests and encodes replies; the client's half of the shared file
// (encoding expectations, decoding entries, versions and walk totals) is unused here. Public
// for the crate's unit tests, which reach it as `agent::wire`.
#[allow(dead_code)]
pub mod wire;
mod write;

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::os::fd::AsFd;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError, mpsc};

// What the crate's unit tests drive (they compile this file as a module).
pub use paths::Workspace;
pub use reply::{bounded_frame, put_entry};

use paths::components;
use reply::{Outcome, bad_request, failure_body};
use wire::Reader;

const ROOT: &str = "/workspace";
/// Requests in flight at once: enough that a long walk does not hold up a listing.
const WORKERS: usize = 4;

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
    output.write_all(wire::HELLO)?;
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
    if !wire::frame_len_ok(len) {
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

impl Workspace {
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
        let mut part = |body: &[u8]| send(&bounded_frame(id, wire::STATUS_PART, body));
        let (status, body) = match self.dispatch(op, &mut Reader::new(payload), &mut part) {
            Ok(body) => (wire::STATUS_OK, body),
            Err(f) => (f.code, failure_body(&f)),
        };
        send(&bounded_frame(id, status, &body));
    }

    /// Decodes the request's fields (a path first, for every op) and runs its operation;
    /// bytes left over make it a bad request.
    fn dispatch(&self, op: u8, req: &mut Reader, part: &mut dyn FnMut(&[u8])) -> Outcome {
        let path = req.blob()?;
        let comps = components(path)?;
        let outcome = match op {
            wire::OP_LIST => {
                let limit = req.u32()?;
                if req.rest() != 0 {
                    return Err(bad_request("trailing bytes after the request"));
                }
                self.list(path, &comps, limit as usize, part)
            }
            wire::OP_STAT => self.stat(path, &comps),
            wire::OP_READ => {
                let (offset, len) = (req.u64()?, req.u64()?);
                self.read(path, &comps, offset, len)
            }
            wire::OP_WRITE => {
                let expected = req
                    .expected()?
                    .ok_or_else(|| bad_request("unknown write expectation"))?;
                let data = req.blob()?;
                self.write_atomic(path, &comps, expected, data)
            }
            wire::OP_MKDIR => self.mkdir(path, &comps),
            wire::OP_RENAME => {
                let to = req.blob()?;
                let overwrite = req.u8()? != 0;
                self.rename(path, &comps, to, &components(to)?, overwrite)
            }
            wire::OP_REMOVE => {
                let recursive = req.u8()? != 0;
                let meant = req.identity()?;
                self.remove(path, &comps, recursive, meant)
            }
            wire::OP_WALK => self.walk(path, &comps),
            _ => return Err(bad_request(&format!("unknown operation {op}"))),
        };
        if req.rest() != 0 {
            return Err(bad_request("trailing bytes after the request"));
        }
        outcome
    }
}
