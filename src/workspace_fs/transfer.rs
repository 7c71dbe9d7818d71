//! Copying between the host and a workspace: files and whole directories, through the agent,
//! reporting bytes as they move. Symlinks are skipped both ways (never followed); only regular
//! files and directories are copied.

use std::path::{Path, PathBuf};

use super::{EntryKind, FsPath, WorkspaceFs};

/// Reads are chunked so progress moves and memory stays bounded for big files.
const CHUNK: u64 = 4 * 1024 * 1024;

fn display(path: &FsPath) -> String {
    String::from_utf8_lossy(path.as_bytes()).into_owned()
}

/// Copies `path` (file or directory) to `dest` on the host; `dest` must not exist yet.
pub async fn download(
    fs: &WorkspaceFs,
    path: &FsPath,
    dest: &Path,
    mut progress: impl FnMut(u64),
) -> Result<String, String> {
    if dest.exists() {
        return Err(format!(
            "{} already exists on the host: not overwritten",
            dest.display()
        ));
    }
    let mut moved = 0u64;
    let mut files = 0usize;
    let mut stack: Vec<(FsPath, PathBuf)> = vec![(path.clone(), dest.to_owned())];
    while let Some((from, to)) = stack.pop() {
        let entry = fs.stat(&from).await.map_err(|e| e.to_string())?;
        match entry.kind {
            EntryKind::Dir => {
                std::fs::create_dir_all(&to).map_err(|e| format!("{}: {e}", to.display()))?;
                // Streamed in chunks: no reply outgrows a frame, however many names.
                let listing = fs.list(&from, u32::MAX).await.map_err(|e| e.to_string())?;
                for child in listing.entries {
                    let name = String::from_utf8_lossy(&child.name).into_owned();
                    let child_path = from.join(&child.name).map_err(|e| e.to_string())?;
                    stack.push((child_path, to.join(name)));
                }
            }
            EntryKind::File => {
                let mut out =
                    std::fs::File::create(&to).map_err(|e| format!("{}: {e}", to.display()))?;
                let mut offset = 0u64;
                loop {
                    let chunk = fs
                        .read(&from, offset, CHUNK)
                        .await
                        .map_err(|e| e.to_string())?;
                    if chunk.data.is_empty() {
                        break;
                    }
                    std::io::Write::write_all(&mut out, &chunk.data)
                        .map_err(|e| format!("{}: {e}", to.display()))?;
                    offset += chunk.data.len() as u64;
                    moved += chunk.data.len() as u64;
                    progress(moved);
                    if (chunk.data.len() as u64) < CHUNK {
                        break;
                    }
                }
                files += 1;
            }
            EntryKind::Symlink | EntryKind::Other => {}
        }
    }
    Ok(format!(
        "Downloaded {} to {} ({} files, {})",
        display(path),
        dest.display(),
        files,
        crate::format::bytes(moved)
    ))
}

/// Copies the host file or directory `src` into the workspace directory `dir`.
pub async fn upload(
    fs: &WorkspaceFs,
    src: &Path,
    dir: &FsPath,
    mut progress: impl FnMut(u64),
) -> Result<String, String> {
    let name = src
        .file_name()
        .ok_or_else(|| format!("{} has no file name", src.display()))?;
    let target = dir
        .join(name.as_encoded_bytes())
        .map_err(|e| e.to_string())?;
    let mut moved = 0u64;
    let mut files = 0usize;
    let mut stack: Vec<(PathBuf, FsPath)> = vec![(src.to_owned(), target.clone())];
    while let Some((from, to)) = stack.pop() {
        let meta =
            std::fs::symlink_metadata(&from).map_err(|e| format!("{}: {e}", from.display()))?;
        if meta.is_dir() {
            match fs.mkdir(&to).await {
                Ok(()) | Err(super::FsError::AlreadyExists(_)) => {}
                Err(e) => return Err(e.to_string()),
            }
            let entries =
                std::fs::read_dir(&from).map_err(|e| format!("{}: {e}", from.display()))?;
            for entry in entries.flatten() {
                let child = to
                    .join(entry.file_name().as_encoded_bytes())
                    .map_err(|e| e.to_string())?;
                stack.push((entry.path(), child));
            }
        } else if meta.is_file() {
            // Never replace a file a session may be using: refuse instead of overwriting.
            match fs.stat(&to).await {
                Ok(_) => {
                    return Err(format!(
                        "{} already exists in the workspace: not overwritten ({files} files copied before it)",
                        display(&to)
                    ));
                }
                Err(super::FsError::NotFound(_)) => {}
                Err(e) => return Err(e.to_string()),
            }
            let data = std::fs::read(&from).map_err(|e| format!("{}: {e}", from.display()))?;
            fs.write_atomic(&to, &data, None)
                .await
                .map_err(|e| e.to_string())?;
            moved += data.len() as u64;
            files += 1;
            progress(moved);
        }
    }
    Ok(format!(
        "Uploaded {} to {} ({} files, {})",
        src.display(),
        display(&target),
        files,
        crate::format::bytes(moved)
    ))
}
