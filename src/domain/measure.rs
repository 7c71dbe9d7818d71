//! What is known about a workspace's contents (bytes, files, newest activity) and how this
//! host measures it. Plain data: walking and asking the engine are docker/sizes.rs and
//! docker/measure.rs's job.

use std::path::PathBuf;

use jiff::Timestamp;

/// What one walk of a volume found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DirStats {
    /// Apparent size of regular files, each inode counted once (hard links), like
    /// `du -sb --apparent-size` counts regular files. Directories and symlinks add nothing.
    pub bytes: u64,
    /// Regular files (each inode once).
    pub files: u64,
    /// Newest modification time of the root directory and anything inside (files,
    /// directories, symlinks themselves via lstat). The root's own counts: removing or
    /// renaming an entry at the top (a build tree made and removed every day) changes nothing
    /// else. None only when not even the root could be stat'ed.
    pub newest_mtime: Option<Timestamp>,
    /// Newest status change time of the same entries. Unlike mtime no unprivileged call can
    /// set it back: a restore that keeps old mtimes (`tar x`, `cp -a`, `touch -d`) still sets
    /// it to the time of the restore, so it is what activity is judged by.
    pub newest_ctime: Option<Timestamp>,
    /// Directories below the root that could not be listed (permissions; not those that
    /// vanished or became symlinks meanwhile). What they hold is in no figure: the bytes are a
    /// lower bound, and the newest times say nothing about what was written inside them.
    pub unlisted: u64,
}

/// What is known about one volume's contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measurement {
    pub bytes: u64,
    /// Regular files; `None` when the strategy cannot count them.
    pub files: Option<u64>,
    /// Newest modification inside (what `ls -l` shows); `None` when empty or not known.
    pub newest_mtime: Option<Timestamp>,
    /// Newest status change inside; `None` when empty or not known. Writers can set mtimes
    /// back (restores, `touch -d`), not ctimes: see [`Measurement::newest_activity`].
    pub newest_ctime: Option<Timestamp>,
    pub measured_at: Timestamp,
}

impl Measurement {
    /// Whether the newest modification is known: a walk knows it, the engine's df does not
    /// (it counts bytes only). An empty walked volume has activity "none since creation".
    pub fn has_activity(&self) -> bool {
        self.files.is_some()
    }

    /// The newest change of anything inside: the later of the newest mtime and the newest
    /// ctime. A file restored with its old mtime (`tar x`, `cp -a`, `rsync -a`, `touch -d`)
    /// still got a new ctime when it was written, so fresh work never looks old here.
    pub fn newest_activity(&self) -> Option<Timestamp> {
        self.newest_mtime.max(self.newest_ctime)
    }

    /// A walk that could not list every directory knows neither the file count nor the
    /// newest activity: what it missed may be the work of a minute ago. Taking its lower
    /// bounds for the whole would make a busy workspace look idle to the cleanup rules, so
    /// activity is unknown then (the bytes stay, as a lower bound). Stamped with the clock
    /// now: the walk just finished.
    pub(crate) fn from_walk(stats: DirStats) -> Self {
        let complete = stats.unlisted == 0;
        Self {
            bytes: stats.bytes,
            files: complete.then_some(stats.files),
            newest_mtime: stats.newest_mtime.filter(|_| complete),
            newest_ctime: stats.newest_ctime.filter(|_| complete),
            measured_at: Timestamp::now(),
        }
    }
}

/// How sizes are measured on this host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Strategy {
    Walk,
    SystemDf { socket: PathBuf },
    Unavailable(String),
}

impl Strategy {
    /// A few words for the summary line.
    pub fn short(&self) -> &'static str {
        match self {
            Self::Walk => "mountpoint walk",
            Self::SystemDf { .. } => "engine df",
            Self::Unavailable(_) => "sizes unavailable",
        }
    }

    /// How the detail pane and the CLI name it.
    pub fn describe(&self) -> String {
        match self {
            Self::Walk => "in-process walk of volume mountpoints".to_owned(),
            Self::SystemDf { .. } => "engine /system/df (sizes only, no activity)".to_owned(),
            Self::Unavailable(why) => format!("unavailable: {why}"),
        }
    }
}
