//! Recovery files: the editor's unsaved buffer written to the state directory when the
//! program is ended from outside (SIGTERM, SIGHUP, the terminal gone), and found again at the
//! next start. IO, called only by the event loop; `update` never touches it. Where the
//! directory is comes from `app::host` (this file reads no environment).

use std::fs::{DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use crate::domain::files::FsPath;

#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    #[error("no state directory: neither XDG_STATE_HOME nor HOME is set")]
    NoStateDir,
    #[error("writing the recovery file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A file name that says what it holds: workspace, path and time, with anything but
/// `[A-Za-z0-9._-]` replaced, so no name from the sandbox can reach outside the directory.
pub fn file_name(volume: &str, path: &FsPath, now: Timestamp) -> String {
    let clean = |text: &str| -> String {
        text.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .take(100)
            .collect()
    };
    let path = clean(&String::from_utf8_lossy(path.as_bytes()));
    let time = now.strftime("%Y%m%dT%H%M%S%.fZ");
    format!(
        "{}--{}--{time}",
        clean(volume),
        path.trim_start_matches('.')
    )
}

/// Writes `data` to a new file in `dir` (made 0700 if missing): mode 0600, created
/// exclusively and without following a symlink, so nothing existing is ever replaced.
pub fn write(
    dir: &Path,
    volume: &str,
    path: &FsPath,
    now: Timestamp,
    data: &[u8],
) -> Result<PathBuf, RecoveryError> {
    let target = dir.join(file_name(volume, path, now));
    let fail = |source| RecoveryError::Write {
        path: target.clone(),
        source,
    };
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(fail)?;
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(&target)
        .map_err(fail)?;
    file.write_all(data).map_err(fail)?;
    file.sync_all().map_err(fail)?;
    Ok(target)
}

/// Writes the buffer to the state directory found at start (`None`: there is none).
pub fn save(
    dir: Option<&Path>,
    volume: &str,
    path: &FsPath,
    now: Timestamp,
    data: &[u8],
) -> Result<PathBuf, RecoveryError> {
    let dir = dir.ok_or(RecoveryError::NoStateDir)?;
    write(dir, volume, path, now, data)
}

/// Recovery files left in `dir`, newest first (regular files only).
pub fn existing(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            // `DirEntry::metadata` does not follow symlinks: a link is not one of ours.
            let meta = e.metadata().ok().filter(std::fs::Metadata::is_file)?;
            Some((meta.modified().ok()?, e.path()))
        })
        .collect();
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found.into_iter().map(|(_, p)| p).collect()
}

/// What the first screen says about recovery files, if there are any.
pub fn notice_text(found: &[PathBuf]) -> Option<String> {
    let newest = found.first()?;
    let more = match found.len() - 1 {
        0 => String::new(),
        1 => " (and 1 older one beside it)".to_owned(),
        n => format!(" (and {n} older ones beside it)"),
    };
    Some(format!(
        "Unsaved edits of an earlier run were kept in {}{more}",
        newest.display()
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("sandkasten-recovery-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn recovery_file_is_private_named_after_what_it_holds_and_found_again() {
        let dir = scratch("write");
        let path = FsPath::parse("notes/todo.txt").unwrap();
        let now: Timestamp = "2025-01-02T03:04:05Z".parse().unwrap();
        let file = write(&dir, "sandkasten-ws-alpha", &path, now, b"unsaved\n").unwrap();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("sandkasten-ws-alpha--notes_todo.txt--20250102T030405"));
        assert_eq!(std::fs::read(&file).unwrap(), b"unsaved\n");
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(existing(&dir), std::slice::from_ref(&file));
        assert!(
            notice_text(&existing(&dir))
                .unwrap()
                .contains(&*file.to_string_lossy())
        );
        // The same name again never replaces the first file.
        assert!(write(&dir, "sandkasten-ws-alpha", &path, now, b"other").is_err());
        assert_eq!(std::fs::read(&file).unwrap(), b"unsaved\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn recovery_write_never_follows_a_symlink_planted_at_its_name() {
        let dir = scratch("symlink");
        std::fs::create_dir_all(&dir).unwrap();
        let path = FsPath::parse("a").unwrap();
        let now = Timestamp::UNIX_EPOCH;
        let victim = dir.join("victim");
        std::fs::write(&victim, b"keep").unwrap();
        std::os::unix::fs::symlink(&victim, dir.join(file_name("v", &path, now))).unwrap();
        assert!(write(&dir, "v", &path, now, b"x").is_err());
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
