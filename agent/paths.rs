//! How the agent reaches a name inside `/workspace` without ever leaving it: owns the check
//! of wire paths ([`components`]), the root descriptor ([`Workspace`]) and the descriptor walk
//! to a directory or to the parent of a name. Every other module reaches files only through
//! these functions; this one must not act on the files themselves (no reads, writes, renames).
//!
//! Every directory on the way is opened with `O_NOFOLLOW | O_DIRECTORY` relative to the one
//! before it (through `/proc/self/fd/<fd>/<name>`, which std can express without `openat`),
//! so a symlink anywhere on the way is refused, never followed; the last component is left to
//! the operation, which acts on it with lstat semantics.

use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::reply::{Failure, io_failure, refused};

// Linux x86_64 open(2) flags std has no names for.
pub(super) const O_NOFOLLOW: i32 = 0o400_000;
pub(super) const O_DIRECTORY: i32 = 0o200_000;
pub(super) const O_NONBLOCK: i32 = 0o4000;

/// A workspace-relative path for messages.
pub(super) fn show(path: &[u8]) -> String {
    if path.is_empty() {
        "/workspace".to_owned()
    } else {
        String::from_utf8_lossy(path).into_owned()
    }
}

/// Splits a wire path into its components, refusing anything that could leave the tree.
pub(super) fn components(raw: &[u8]) -> Result<Vec<&[u8]>, Failure> {
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
    pub(super) root: File,
}

pub(super) fn fd_path(dir: &File) -> PathBuf {
    PathBuf::from(format!("/proc/self/fd/{}", dir.as_raw_fd()))
}

/// `name` inside the directory `dir` is open on; only the last component is looked up by name.
pub(super) fn at(dir: &File, name: &[u8]) -> PathBuf {
    let mut p = fd_path(dir);
    p.push(OsStr::from_bytes(name));
    p
}

pub(super) fn open_dir_nofollow(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(O_DIRECTORY | O_NOFOLLOW)
        .open(path)
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

    /// Opens the directory `comps` names, refusing a symlink anywhere on the way.
    pub(super) fn open_dir(&self, path: &[u8], comps: &[&[u8]]) -> Result<File, Failure> {
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
    pub(super) fn parent<'p>(
        &self,
        path: &[u8],
        comps: &[&'p [u8]],
    ) -> Result<(File, &'p [u8]), Failure> {
        let Some((name, dirs)) = comps.split_last() else {
            return Err(refused(
                "/workspace itself: not a file, cannot be changed".to_owned(),
            ));
        };
        let parent_len = path.len().saturating_sub(name.len() + 1);
        Ok((self.open_dir(&path[..parent_len], dirs)?, name))
    }
}
