//! The single-name operations: stat, read, mkdir, rename and remove, each acting on the last
//! component of its path with lstat semantics (a symlink is listed, renamed or removed
//! itself, never read through). Saving is `write.rs`'s, listing `list.rs`'s, the size walk
//! `walk.rs`'s. Must not reach a name other than through `paths.rs` (the parent's descriptor
//! and `at`), and must not follow a symlink.

use std::fs::{self, DirBuilder, File, Metadata, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, FileExt, MetadataExt, OpenOptionsExt};

use super::paths::{O_NOFOLLOW, O_NONBLOCK, Workspace, at, show};
use super::reply::{Failure, Outcome, io_failure, link_target, put_entry, refused, version};
use super::wire::{self, MAX_DATA};
use super::write::aside_name;

impl Workspace {
    pub(super) fn stat(&self, path: &[u8], comps: &[&[u8]]) -> Outcome {
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

    pub(super) fn read(&self, path: &[u8], comps: &[&[u8]], offset: u64, len: u64) -> Outcome {
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
        wire::put_version(&mut out, Some(version(&meta)));
        wire::put_blob(&mut out, &data);
        Ok(out)
    }

    pub(super) fn mkdir(&self, path: &[u8], comps: &[&[u8]]) -> Outcome {
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

    pub(super) fn rename(
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
            code: wire::ERR_EXISTS,
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

    /// Removes the entry at `path`; with `meant`, only if the name still holds that file (a
    /// session may have replaced it since the operator was shown it: an editor saves by
    /// renaming a new file over the name, a build recreates its directory). The name is moved
    /// aside first, which takes what it holds at that instant, so nothing can take its place
    /// between the check and the removal; anything else goes back under its name.
    pub(super) fn remove(
        &self,
        path: &[u8],
        comps: &[&[u8]],
        recursive: bool,
        meant: Option<wire::Identity>,
    ) -> Outcome {
        let (dir, name) = self.parent(path, comps)?;
        let fail = |e: io::Error| io_failure(&e, path);
        let full = at(&dir, name);
        let Some(meant) = meant else {
            let meta = fs::symlink_metadata(&full).map_err(fail)?;
            return remove_entry(&full, &meta, recursive).map_err(fail);
        };
        let aside_name = aside_name(name);
        let aside = at(&dir, &aside_name);
        if let Err(e) = fs::rename(&full, &aside) {
            if e.kind() == io::ErrorKind::NotFound {
                return Err(fail(e));
            }
            // Cannot be moved (a mount point, say): checked and removed in place.
            let meta = fs::symlink_metadata(&full).map_err(fail)?;
            if !same(&meta, meant) {
                return Err(replaced(path, &meta));
            }
            return remove_entry(&full, &meta, recursive).map_err(fail);
        }
        let found = fs::symlink_metadata(&aside).map_err(fail)?;
        let removed = if same(&found, meant) {
            match remove_entry(&aside, &found, recursive) {
                Ok(out) => return Ok(out),
                Err(e) => Err(fail(e)),
            }
        } else {
            Err(replaced(path, &found))
        };
        // Not removed (another file, or a directory that is not empty): back under its name,
        // never over what was put there meanwhile (a directory can only replace an empty one).
        let back = if found.is_dir() {
            fs::rename(&aside, &full)
        } else {
            fs::hard_link(&aside, &full).and_then(|()| fs::remove_file(&aside))
        };
        back.map_err(|e| Failure {
            code: wire::ERR_IO,
            message: format!(
                "{}: not removed, and kept as {} ({e})",
                show(path),
                show(&aside_name)
            ),
            current: None,
        })?;
        removed
    }
}

/// A file, symlink or directory (with everything in it when `recursive`) at `full`.
fn remove_entry(full: &std::path::Path, meta: &Metadata, recursive: bool) -> io::Result<Vec<u8>> {
    if !meta.is_dir() {
        fs::remove_file(full)?;
    } else if recursive {
        // std's remove_dir_all descends with openat + O_NOFOLLOW and unlinks symlinks
        // instead of entering them.
        fs::remove_dir_all(full)?;
    } else {
        fs::remove_dir(full)?;
    }
    Ok(Vec::new())
}

fn same(meta: &Metadata, meant: wire::Identity) -> bool {
    (meta.dev(), meta.ino()) == (meant.dev, meant.ino)
}

/// The name holds another file than the one the removal was for: a conflict, with what is
/// there now.
fn replaced(path: &[u8], now: &Metadata) -> Failure {
    Failure {
        code: wire::ERR_CONFLICT,
        message: format!(
            "{}: replaced since it was listed; nothing deleted",
            show(path)
        ),
        current: Some(version(now)),
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
        code: wire::ERR_IO,
        message: format!(
            "{}: replaced by the session during the rename, its new file is kept as {} ({e})",
            show(path),
            show(&aside_name)
        ),
        current: None,
    })
}

/// Refuses anything but a regular file, saying what it is instead.
pub(super) fn regular_or_refuse(meta: &Metadata, path: &[u8]) -> Result<(), Failure> {
    let kind = meta.file_type();
    if kind.is_file() {
        Ok(())
    } else if kind.is_dir() {
        Err(Failure {
            code: wire::ERR_IS_DIR,
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
