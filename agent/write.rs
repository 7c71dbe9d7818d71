//! Saving a file: the atomic write (temp file, fsync, rename or link into place, fsync the
//! directory), the check of what the client expects to find, and the agent's own temporary
//! names (`.<name>.sandkasten-tui-…`: save temps, rename's aside names, and the clean-up of
//! temps a killed save left). Must not touch any name but the target, its temp file and
//! stale temps of ours in the same directory, and must not follow a symlink.

use std::collections::hash_map::RandomState;
use std::fs::{self, File, Metadata, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::time::{Duration, SystemTime};

use super::ops::regular_or_refuse;
use super::paths::{O_NOFOLLOW, Workspace, at, fd_path, show};
use super::reply::{Failure, Outcome, io_failure, version};
use super::wire::{self, Expected};

/// Left-over temporary files of a killed save are removed once older than this.
const STALE_TEMP: Duration = Duration::from_secs(60);
const TEMP_MARK: &[u8] = b".sandkasten-tui-";

impl Workspace {
    /// Temp file in the same directory, fsync, rename over the target, fsync the directory:
    /// after a kill at any point the target holds the old or the new content. A file that
    /// must be new is linked into place instead of renamed, which fails if anything took
    /// the name meanwhile, so nothing made between the check and the write is replaced.
    pub(super) fn write_atomic(
        &self,
        path: &[u8],
        comps: &[&[u8]],
        expected: Expected,
        data: &[u8],
    ) -> Outcome {
        let (dir, name) = self.parent(path, comps)?;
        let fail = |e: io::Error| io_failure(&e, path);
        let target = at(&dir, name);
        let existing = check_target(path, &target, expected)?;
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
                check_target(path, &target, expected)?;
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
        wire::put_version(&mut out, Some(version(&meta)));
        Ok(out)
    }
}

/// The target's metadata when it is a regular file, None when absent; a conflict when it
/// is not the version the client expects.
fn check_target(
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
            code: wire::ERR_CONFLICT,
            message: format!("{}: changed on disk since it was opened", show(path)),
            current,
        }),
        Expected::Absent if existing.is_some() => Err(Failure {
            code: wire::ERR_EXISTS,
            message: format!("{}: already exists", show(path)),
            current: None,
        }),
        _ => Ok(existing),
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

/// `.<name>.sandkasten-tui-aside-<random>`, within NAME_MAX; never taken for a stale temp
/// file (those end in `.tmp`), since it may hold a session's file.
pub(super) fn aside_name(name: &[u8]) -> Vec<u8> {
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
