//! Listing a directory: one readdir pass, entries stat'ed and sent in bounded chunks as they
//! come, so nothing here grows with the directory (sorting is the client's job). Must not
//! follow a symlink (entries are lstat'ed, a link's target is read, never opened) and must
//! not hold more than one chunk.

use std::fs::{self, DirEntry, File};
use std::io;
use std::os::unix::ffi::OsStrExt;

use super::paths::{Workspace, at, fd_path};
use super::reply::{Outcome, io_failure, link_target, put_entry};
use super::wire;

/// Threads stat'ing one chunk of a listing.
const STAT_THREADS: usize = 4;
/// Entries per listing chunk: with names of at most 255 bytes and symlink targets of at most
/// 4 KiB, a chunk stays far below `MAX_FRAME`; the agent holds one chunk at a time.
const LIST_CHUNK: usize = 2048;

impl Workspace {
    /// One pass over the directory: entries go out in readdir order, in chunks of
    /// `LIST_CHUNK` stat'ed entries (sent through `part`), up to `limit` of them; the rest are
    /// only counted. The final reply is `u32 total | u32 sent`.
    pub(super) fn list(
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
        wire::put_u32(&mut out, u32::try_from(total).unwrap_or(u32::MAX));
        wire::put_u32(&mut out, u32::try_from(sent).unwrap_or(u32::MAX));
        Ok(out)
    }
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
    wire::put_u32(&mut body, count);
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
