//! The size walk: bytes and count of regular files (each inode once), newest mtime and newest
//! ctime of a directory and everything below it, by the same rules as `src/docker/sizes.rs`
//! but through descriptors. Read-only: must not change anything, and must not follow a
//! symlink (each directory is opened `O_NOFOLLOW` relative to its parent's descriptor).

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::{self, File, Metadata};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::rc::Rc;

use super::paths::{Workspace, at, fd_path, open_dir_nofollow};
use super::reply::{Outcome, ctime_ns, mtime_ns};
use super::wire::{self, WalkTotals};

impl Workspace {
    /// The walk of the directory `comps` names; its reply is `wire::put_walk`'s (zeros when
    /// there is nothing below).
    pub(super) fn walk(&self, path: &[u8], comps: &[&[u8]]) -> Outcome {
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
        wire::put_walk(&mut out, &walker.totals);
        Ok(out)
    }
}

#[derive(Default)]
struct Walker {
    /// Directories still to scan: their open parent and their name.
    stack: Vec<(Rc<File>, OsString)>,
    /// (dev, ino) of files with more than one link, so each is counted once.
    linked: HashSet<(u64, u64)>,
    totals: WalkTotals,
}

impl Walker {
    fn note(&mut self, meta: &Metadata) {
        let (mtime, ctime) = (mtime_ns(meta), ctime_ns(meta));
        self.totals.newest = Some(match self.totals.newest {
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
                self.totals.files += 1;
                self.totals.bytes += meta.size();
            }
        }
    }
}
