//! What the TUI learns from the host before the first `update`: the environment (`HOME`,
//! `XDG_*`) and the one look at the file system that decides where downloads go. Read once
//! at start by the loop and handed to `State` (or kept by the loop for its exit), so `update`
//! never reads the environment or checks a path. The only env reads in `app/`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The host facts the TUI runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// Where the download prompt points by default.
    pub downloads_dir: PathBuf,
    /// Where unsaved edits go when the program is ended from outside; `None` without a
    /// state directory (neither `XDG_STATE_HOME` nor `HOME`).
    pub recovery_dir: Option<PathBuf>,
}

impl Host {
    /// Reads the process environment and checks `~/Downloads`.
    pub fn read() -> Self {
        let env = |name| std::env::var_os(name);
        Self {
            downloads_dir: downloads_dir(env("XDG_DOWNLOAD_DIR"), env("HOME"), Path::is_dir),
            recovery_dir: recovery_dir(env("XDG_STATE_HOME"), env("HOME")),
        }
    }
}

/// The default directory for downloads: `$XDG_DOWNLOAD_DIR` when set (absolute), else
/// `~/Downloads` when it is a directory, else the current directory; never `$HOME` itself,
/// where a name chosen inside the sandbox (`.bashrc`) would be taken for the operator's own.
/// `is_dir` is the one look at the file system.
pub fn downloads_dir(
    xdg: Option<OsString>,
    home: Option<OsString>,
    is_dir: impl Fn(&Path) -> bool,
) -> PathBuf {
    if let Some(dir) = xdg.map(PathBuf::from).filter(|d| d.is_absolute()) {
        return dir;
    }
    if let Some(dir) = home
        .map(|h| PathBuf::from(h).join("Downloads"))
        .filter(|d| d.is_absolute() && is_dir(d))
    {
        return dir;
    }
    PathBuf::from(".")
}

/// `$XDG_STATE_HOME/sandkasten-tui/recovery`, else `~/.local/state/sandkasten-tui/recovery`.
pub fn recovery_dir(xdg_state: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    let base = xdg_state
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| home.map(|h| Path::new(&h).join(".local/state")))?;
    Some(base.join("sandkasten-tui").join("recovery"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downloads_default_to_a_downloads_directory_never_home() {
        let yes = |_: &Path| true;
        let no = |_: &Path| false;
        let xdg = Some("/data/dl".into());
        let home = Some("/home/op".into());
        assert_eq!(downloads_dir(xdg, home.clone(), yes), Path::new("/data/dl"));
        assert_eq!(
            downloads_dir(None, home.clone(), yes),
            Path::new("/home/op/Downloads")
        );
        assert_eq!(
            downloads_dir(Some("rel".into()), home.clone(), no),
            Path::new(".")
        );
        assert_eq!(downloads_dir(None, home, no), Path::new("."));
        assert_eq!(downloads_dir(None, None, yes), Path::new("."));
    }

    #[test]
    fn recovery_files_go_to_the_state_directory() {
        let home = || Some("/home/op".into());
        assert_eq!(
            recovery_dir(Some("/state".into()), home()),
            Some(PathBuf::from("/state/sandkasten-tui/recovery"))
        );
        assert_eq!(
            recovery_dir(Some("".into()), home()),
            Some(PathBuf::from(
                "/home/op/.local/state/sandkasten-tui/recovery"
            ))
        );
        assert_eq!(recovery_dir(None, None), None);
    }
}
