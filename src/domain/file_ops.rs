//! What the files task did, as values: a file loaded for the editor (or too large for it), a
//! change made (created, renamed, removed) and a transfer finished. update and ui put these in
//! words; nothing here is a sentence. No IO.

use std::path::PathBuf;

use super::files::{FileData, FsPath};

/// The answer to a load for the editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Load {
    File(FileData),
    /// More than the editor's `limit` bytes (`size` as far as known): not read whole.
    TooLarge {
        size: u64,
        limit: u64,
    },
}

/// A change to the workspace's tree, as it was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileChange {
    CreatedFile(FsPath),
    CreatedDir(FsPath),
    Renamed { from: FsPath, to: FsPath },
    Removed { path: FsPath, was_dir: bool },
}

impl FileChange {
    /// The path the change is about (the new name of a rename).
    pub fn path(&self) -> &FsPath {
        match self {
            Self::CreatedFile(path) | Self::CreatedDir(path) => path,
            Self::Renamed { to, .. } => to,
            Self::Removed { path, .. } => path,
        }
    }
}

/// A finished copy between the host and the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transferred {
    Downloaded {
        from: FsPath,
        /// Where it landed on the host (inside the directory asked for, when it was one).
        to: PathBuf,
        files: usize,
        bytes: u64,
    },
    Uploaded {
        from: PathBuf,
        to: FsPath,
        files: usize,
        bytes: u64,
    },
    /// Stopped on the operator's request: what was copied so far stays.
    Cancelled,
}
