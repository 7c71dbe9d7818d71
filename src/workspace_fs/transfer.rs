//! Copying between the host and a workspace: files and whole directories, through the agent,
//! reporting bytes as they move. Symlinks are skipped both ways (never followed); only regular
//! files and directories are copied.

use std::collections::HashMap;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::{FsError, WorkspaceFs};
use crate::domain::file_ops::Transferred;
use crate::domain::files::{EntryKind, FsPath};
use crate::domain::outcome::{Failure, FailureKind};

/// Reads are chunked so progress moves and memory stays bounded for big files.
const CHUNK: u64 = 4 * 1024 * 1024;

fn display(path: &FsPath) -> String {
    crate::format::escape_name(path.as_bytes())
}

/// Creates a new file for writing; an existing entry (a file, a directory, a symlink even
/// dangling) is refused, never replaced or followed (O_CREAT|O_EXCL, plus O_NOFOLLOW). It
/// gets the workspace file's permission bits (never its set-id or sticky bits), so a private
/// 0600 file stays private on the host instead of becoming readable by everyone there.
fn create_new_file(path: &Path, mode: u32) -> Result<std::fs::File, Failure> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode & 0o777)
        // O_EXCL already refuses a symlink; O_NOFOLLOW says so once more.
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(path)
        .map_err(|e| refusal(path, &e))
}

/// Creates one new directory; an existing entry (a symlink too) is refused (mkdir never
/// follows the last component). Its permission bits are the workspace directory's, plus the
/// owner's own (the copy has to go into it).
fn create_new_dir(path: &Path, mode: u32) -> Result<(), Failure> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .mode((mode & 0o777) | 0o700)
        .create(path)
        .map_err(|e| refusal(path, &e))
}

fn refusal(path: &Path, e: &std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::AlreadyExists {
        let why = format!(
            "{} already exists on the host: not overwritten",
            path.display()
        );
        Failure::new(FailureKind::Conflict, why)
    } else {
        host(path, e)
    }
}

/// A host file's own error, of the kind its OS error is.
fn host(path: &Path, e: &std::io::Error) -> Failure {
    Failure::new(
        FailureKind::of_io(e.kind()),
        format!("{}: {e}", path.display()),
    )
}

/// Something already in the workspace where an upload would put a file.
fn taken(to: &FsPath, files: usize) -> Failure {
    let why = format!(
        "{} already exists in the workspace: not overwritten ({files} files copied before it)",
        display(to)
    );
    Failure::new(FailureKind::Conflict, why)
}

/// Appends `data` to `out`, leaving a hole instead of writing a chunk of zeros only: a sparse
/// file the sandbox made (`truncate -s 1P`) takes no room on the host's disk either.
fn write_or_skip_zeros(out: &mut std::fs::File, data: &[u8]) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom, Write};
    if data.iter().all(|&b| b == 0) {
        let len = i64::try_from(data.len()).map_err(std::io::Error::other)?;
        out.seek(SeekFrom::Current(len)).map(|_| ())
    } else {
        out.write_all(data)
    }
}

/// Copies one workspace file to the new host file `to`, as big as it was at `entry` (the
/// stat that started the copy); returns `moved` plus its bytes. Each chunk is read by name, so
/// each reply's version is checked against the start: a file replaced meanwhile (another
/// inode) would give a copy that is half one file and half another, and one cut shorter a copy
/// that looks whole. Either fails, and the partial copy is removed. Growth is fine: the copy
/// is the file as big as it was.
async fn copy_file(
    fs: &WorkspaceFs,
    from: &FsPath,
    entry: &crate::domain::files::Entry,
    to: &Path,
    mut moved: u64,
    progress: &mut impl FnMut(u64),
) -> Result<(u64, (u64, u64)), Failure> {
    let mut out = create_new_file(to, entry.mode)?;
    let mut offset = 0u64;
    let copied: Result<(), Failure> = async {
        // The size it had when the copy started: a file the sandbox keeps growing (faster
        // than it is read) would otherwise fill the host's disk, never ending.
        while offset < entry.size {
            let chunk = fs
                .read(from, offset, CHUNK.min(entry.size - offset))
                .await?;
            let now = chunk.version;
            // Growth is the one change allowed (a log being appended to); the same size with
            // new times is a rewrite in place, which would make the copy a mix as well.
            let replaced = (now.ino, now.dev) != (entry.ino, entry.dev);
            let rewritten = now.size == entry.size && now != entry.version();
            if replaced || rewritten || now.size < entry.size {
                let why = format!(
                    "{} changed while it was copied (replaced, rewritten or cut shorter): not downloaded",
                    display(from)
                );
                return Err(Failure::new(FailureKind::Conflict, why));
            }
            if chunk.data.is_empty() {
                break;
            }
            write_or_skip_zeros(&mut out, &chunk.data).map_err(|e| host(to, &e))?;
            offset += chunk.data.len() as u64;
            moved += chunk.data.len() as u64;
            progress(moved);
        }
        // Skipped zeros at the end still count: the length is set, not written.
        out.set_len(offset).map_err(|e| host(to, &e))
    }
    .await;
    let copied = copied.and_then(|()| {
        use std::os::unix::fs::MetadataExt;
        let meta = out.metadata().map_err(|e| host(to, &e))?;
        Ok((meta.dev(), meta.ino()))
    });
    match copied {
        Ok(id) => Ok((moved, id)),
        Err(e) => {
            remove_own_file(&out, to);
            Err(e)
        }
    }
}

/// Makes `to` another name of the host copy `first`, if `first` still is that copy (`id`: its
/// dev and inode) and a regular file; false when it is not, and the file is copied instead.
/// link(2) never replaces `to` nor follows a symlink at it.
fn link_copy(first: &Path, id: (u64, u64), to: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let still =
        std::fs::symlink_metadata(first).is_ok_and(|m| m.is_file() && (m.dev(), m.ino()) == id);
    still && std::fs::hard_link(first, to).is_ok()
}

/// Removes the host file this copy created, only while `to` still names it (never something
/// put in its place meanwhile).
fn remove_own_file(out: &std::fs::File, to: &Path) {
    use std::os::unix::fs::MetadataExt;
    let same = match (out.metadata(), std::fs::symlink_metadata(to)) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
    };
    if same {
        let _ = std::fs::remove_file(to);
    }
}

/// Copies `path` (file or directory) to `dest` on the host. `dest` must not exist yet, or
/// be an existing directory, which then receives the entry under its [`crate::format::host_file_name`]. Nothing
/// on the host is replaced and no symlink there is followed: each file and directory is
/// created new, so a dangling link planted at the destination is refused, not written through.
pub async fn download(
    fs: &WorkspaceFs,
    path: &FsPath,
    dest: &Path,
    mut progress: impl FnMut(u64),
) -> Result<Transferred, Failure> {
    // A real directory (not a symlink to one the operator did not name) takes the entry inside.
    let dest = match std::fs::symlink_metadata(dest) {
        Ok(meta) if meta.is_dir() => match path.file_name() {
            Some(name) => dest.join(crate::format::host_file_name(name)),
            None => dest.join("workspace"),
        },
        _ => dest.to_owned(),
    };
    let mut moved = 0u64;
    let mut files = 0usize;
    // Workspace file (dev, inode) -> its copy on the host and that copy's (dev, inode).
    let mut copies: HashMap<(u64, u64), (PathBuf, (u64, u64))> = HashMap::new();
    let mut stack: Vec<(FsPath, PathBuf)> = vec![(path.clone(), dest.clone())];
    while let Some((from, to)) = stack.pop() {
        let entry = fs.stat(&from).await?;
        match entry.kind {
            EntryKind::Dir => {
                create_new_dir(&to, entry.mode)?;
                // Streamed in chunks: no reply outgrows a frame, however many names.
                let listing = fs.list(&from, u32::MAX).await?;
                for child in listing.entries {
                    // The exact bytes: a lossy name could merge two entries into one.
                    let name = std::ffi::OsStr::from_bytes(&child.name);
                    let child_path = from.join(&child.name).map_err(FsError::from)?;
                    stack.push((child_path, to.join(name)));
                }
            }
            EntryKind::File => {
                // Another name of a file already copied becomes another name of its copy, as
                // `cp -a` and tar do: a thousand links to one big file (which the workspace's
                // size counts once) would otherwise write it a thousand times to the host.
                let copied = copies.get(&(entry.dev, entry.ino));
                if copied.is_some_and(|(first, id)| link_copy(first, *id, &to)) {
                    files += 1;
                    continue;
                }
                let (total, id) = copy_file(fs, &from, &entry, &to, moved, &mut progress).await?;
                moved = total;
                copies.insert((entry.dev, entry.ino), (to.clone(), id));
                files += 1;
            }
            EntryKind::Symlink | EntryKind::Other => {}
        }
    }
    Ok(Transferred::Downloaded {
        from: path.clone(),
        to: dest,
        files,
        bytes: moved,
    })
}

/// Reads a host file for upload: opened without following a symlink (one swapped in since it
/// was listed would otherwise bring whatever it points at into the sandbox) nor waiting on a
/// FIFO, and its size checked before anything is read, then read no further than one write
/// holds: a file too big for one write is refused without taking its size in memory first.
fn read_host_file(path: &Path) -> Result<Vec<u8>, Failure> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let fail = |e: std::io::Error| host(path, &e);
    let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits() as i32)
        .open(path)
        .map_err(fail)?;
    let meta = file.metadata().map_err(fail)?;
    if !meta.is_file() {
        let why = format!(
            "{}: not a regular file any more: not uploaded",
            path.display()
        );
        return Err(Failure::new(FailureKind::Invalid, why));
    }
    let too_big = || {
        let why = format!(
            "{}: larger than one upload can hold ({}): not uploaded",
            path.display(),
            crate::format::bytes(super::protocol::MAX_DATA as u64)
        );
        Failure::new(FailureKind::Refused, why)
    };
    if meta.len() > super::protocol::MAX_DATA as u64 {
        return Err(too_big());
    }
    let mut data = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // One byte more than fits says it grew past the limit since the stat.
    file.take(super::protocol::MAX_DATA as u64 + 1)
        .read_to_end(&mut data)
        .map_err(fail)?;
    if data.len() > super::protocol::MAX_DATA {
        return Err(too_big());
    }
    Ok(data)
}

/// Copies the host file or directory `src` into the workspace directory `dir`.
pub async fn upload(
    fs: &WorkspaceFs,
    src: &Path,
    dir: &FsPath,
    mut progress: impl FnMut(u64),
) -> Result<Transferred, Failure> {
    let name = src.file_name().ok_or_else(|| {
        Failure::new(
            FailureKind::Invalid,
            format!("{} has no file name", src.display()),
        )
    })?;
    let target = dir.join(name.as_encoded_bytes()).map_err(FsError::from)?;
    let mut moved = 0u64;
    let mut files = 0usize;
    let mut stack: Vec<(PathBuf, FsPath)> = vec![(src.to_owned(), target.clone())];
    while let Some((from, to)) = stack.pop() {
        let meta = std::fs::symlink_metadata(&from).map_err(|e| host(&from, &e))?;
        if meta.is_dir() {
            match fs.mkdir(&to).await {
                Ok(()) | Err(FsError::AlreadyExists(_)) => {}
                Err(e) => return Err(e.into()),
            }
            let entries = std::fs::read_dir(&from).map_err(|e| host(&from, &e))?;
            for entry in entries.flatten() {
                let child = to
                    .join(entry.file_name().as_encoded_bytes())
                    .map_err(FsError::from)?;
                stack.push((entry.path(), child));
            }
        } else if meta.is_file() {
            // Never replace a file a session may be using: refuse instead of overwriting.
            match fs.stat(&to).await {
                Ok(_) => return Err(taken(&to, files)),
                Err(FsError::NotFound(_)) => {}
                Err(e) => return Err(e.into()),
            }
            let data = read_host_file(&from)?;
            // Created only if still absent: a file the session made while this one was read
            // from the host is refused too, not replaced.
            match fs.create_new(&to, &data).await {
                Ok(_) => {}
                Err(FsError::AlreadyExists(_)) => return Err(taken(&to, files)),
                Err(e) => return Err(e.into()),
            }
            moved += data.len() as u64;
            files += 1;
            progress(moved);
        }
    }
    Ok(Transferred::Uploaded {
        from: src.to_owned(),
        to: target,
        files,
        bytes: moved,
    })
}

#[cfg(test)]
#[path = "transfer_tests.rs"]
mod tests;
