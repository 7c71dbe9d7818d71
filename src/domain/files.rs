//! Files inside a workspace as the rest of the program sees them: validated paths (relative
//! to `/workspace`, components of raw bytes, never `..`, `.` or empty), directory entries,
//! file versions for conflict detection and read data. Plain data and pure checks: talking to
//! the file helper is workspace_fs's job. A bad path is refused here, so it never leaves the
//! process (the agent checks again on its side).

use std::fmt;

/// Why a path was refused: the path (escaped for display) and the reason. workspace_fs turns
/// it into its `FsError::Refused`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRefused(pub String);

impl fmt::Display for PathRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refused: {}", self.0)
    }
}

impl std::error::Error for PathRefused {}

/// Linux's NAME_MAX and PATH_MAX.
const MAX_NAME: usize = 255;
const MAX_PATH: usize = 4095;

/// A validated path inside `/workspace`; the empty path is the workspace root.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FsPath(Vec<u8>);

impl FsPath {
    /// `/workspace` itself.
    pub fn root() -> Self {
        Self::default()
    }

    /// Parses `a/b/c` (relative, `/`-separated). Refuses absolute paths, `..` and `.`
    /// components, empty components (`a//b`, a trailing `/`) and NUL; `""` is the root.
    pub fn parse(raw: impl AsRef<[u8]>) -> Result<Self, PathRefused> {
        let raw = raw.as_ref();
        if raw.is_empty() {
            return Ok(Self::root());
        }
        if raw.starts_with(b"/") {
            return Err(refused(raw, "absolute; paths are relative to /workspace"));
        }
        if raw.len() > MAX_PATH {
            return Err(refused(raw, "longer than 4095 bytes"));
        }
        for component in raw.split(|&b| b == b'/') {
            check_name(raw, component)?;
        }
        Ok(Self(raw.to_vec()))
    }

    /// Builds a path from components such as directory entry names.
    pub fn from_components<I, C>(components: I) -> Result<Self, PathRefused>
    where
        I: IntoIterator<Item = C>,
        C: AsRef<[u8]>,
    {
        components
            .into_iter()
            .try_fold(Self::root(), |path, c| path.join(c))
    }

    /// This path with one more component (an entry name: no `/`).
    pub fn join(&self, name: impl AsRef<[u8]>) -> Result<Self, PathRefused> {
        let name = name.as_ref();
        check_name(name, name)?;
        let mut raw = self.0.clone();
        if !raw.is_empty() {
            raw.push(b'/');
        }
        raw.extend_from_slice(name);
        if raw.len() > MAX_PATH {
            return Err(refused(&raw, "longer than 4095 bytes"));
        }
        Ok(Self(raw))
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The containing directory; None for the root.
    pub fn parent(&self) -> Option<Self> {
        if self.is_root() {
            return None;
        }
        let cut = self.0.iter().rposition(|&b| b == b'/').unwrap_or(0);
        Some(Self(self.0[..cut].to_vec()))
    }

    /// The last component; None for the root.
    pub fn file_name(&self) -> Option<&[u8]> {
        self.components().last()
    }

    pub fn components(&self) -> impl Iterator<Item = &[u8]> {
        self.0.split(|&b| b == b'/').filter(|c| !c.is_empty())
    }

    /// The wire form: components joined by `/`.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// As the operator reads it: `/workspace/...`, invalid UTF-8 replaced, control and format
/// characters escaped (this ends up in messages on screen).
impl fmt::Display for FsPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_root() {
            f.write_str("/workspace")
        } else {
            write!(f, "/workspace/{}", crate::format::escape_name(&self.0))
        }
    }
}

fn check_name(whole: &[u8], name: &[u8]) -> Result<(), PathRefused> {
    let why = if name.is_empty() {
        "empty path component"
    } else if name == b".." {
        "`..` would leave the directory"
    } else if name == b"." {
        "`.` component"
    } else if name.contains(&b'/') {
        "a name cannot contain `/`"
    } else if name.contains(&0) {
        "NUL byte"
    } else if name.len() > MAX_NAME {
        "a component longer than 255 bytes"
    } else {
        return Ok(());
    };
    Err(refused(whole, why))
}

fn refused(raw: &[u8], why: &str) -> PathRefused {
    PathRefused(format!("{}: {why}", crate::format::escape_name(raw)))
}

/// What an entry is, as lstat sees it (a symlink is never resolved).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    /// FIFO, socket, device.
    Other,
}

/// A file's identity for conflict detection: what it was when read or last saved. mtime and
/// size alone miss a same-size write whose mtime was put back (`touch -r`); ctime cannot be
/// set back, and a replaced file has another inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Version {
    pub mtime_ns: i64,
    pub size: u64,
    pub ctime_ns: i64,
    pub ino: u64,
    pub dev: u64,
}

/// Which file an entry is (device and inode), whatever it holds now: a removal goes ahead
/// only while the name still holds the file the operator was shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Identity {
    pub dev: u64,
    pub ino: u64,
}

/// One directory entry, or the result of `stat`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Raw bytes: names may be any bytes but `/` and NUL (invalid UTF-8, newlines, ...).
    pub name: Vec<u8>,
    pub kind: EntryKind,
    pub size: u64,
    /// Full `st_mode` (type and permission bits).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub mtime_ns: i64,
    /// Status change time, inode and device: with mtime and size, the file's [`Version`].
    pub ctime_ns: i64,
    pub ino: u64,
    pub dev: u64,
    /// The link's own target (readlink), for symlinks only.
    pub symlink_target: Option<Vec<u8>>,
}

impl Entry {
    pub fn version(&self) -> Version {
        Version {
            mtime_ns: self.mtime_ns,
            size: self.size,
            ctime_ns: self.ctime_ns,
            ino: self.ino,
            dev: self.dev,
        }
    }

    pub fn identity(&self) -> Identity {
        Identity {
            dev: self.dev,
            ino: self.ino,
        }
    }

    /// The name for display (invalid UTF-8 replaced).
    pub fn display_name(&self) -> String {
        String::from_utf8_lossy(&self.name).into_owned()
    }
}

/// Bytes read from a file, with the version of the file they were read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileData {
    pub data: Vec<u8>,
    pub version: Version,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(raw: &[u8]) -> bool {
        matches!(FsPath::parse(raw), Err(PathRefused(_)))
    }

    #[test]
    fn escapes_and_odd_shapes_are_refused() {
        for raw in [
            &b"../x"[..],
            b"/etc/passwd",
            b"a/../../b",
            b"..",
            b"a/..",
            b"./a",
            b"a/./b",
            b"a//b",
            b"a/",
            b"/",
            b"a\0b",
        ] {
            assert!(refused(raw), "{:?}", String::from_utf8_lossy(raw));
        }
        assert!(refused(&[b'x'; 256]));
        assert!(refused(&vec![b'x'; 4096]));
    }

    #[test]
    fn plain_and_odd_names_are_accepted() {
        for raw in [
            &b"a"[..],
            b"a/b/c.txt",
            b"with space.txt",
            "ünïcødé ✓/x".as_bytes(),
            b"new\nline",
            b"bad\xffbyte",
            b"...",
            b".hidden/..x",
        ] {
            let p = FsPath::parse(raw).unwrap();
            assert_eq!(p.as_bytes(), raw);
        }
        assert!(FsPath::parse("").unwrap().is_root());
    }

    #[test]
    fn join_takes_one_name_only() {
        let dir = FsPath::parse("src").unwrap();
        assert_eq!(dir.join("main.rs").unwrap().as_bytes(), b"src/main.rs");
        assert_eq!(FsPath::root().join("a").unwrap().as_bytes(), b"a");
        for bad in ["a/b", "..", ".", "", "/etc"] {
            assert!(matches!(dir.join(bad), Err(PathRefused(_))), "{bad:?}");
        }
        let p = FsPath::from_components([&b"a"[..], b"b\xff", b"c d"]).unwrap();
        assert_eq!(p.as_bytes(), b"a/b\xff/c d");
        assert!(FsPath::from_components(["a", "..", "b"]).is_err());
    }

    #[test]
    fn parent_name_and_display() {
        let p = FsPath::parse("a/b/c").unwrap();
        assert_eq!(p.file_name(), Some(&b"c"[..]));
        assert_eq!(p.parent().unwrap(), FsPath::parse("a/b").unwrap());
        let top = FsPath::parse("a").unwrap();
        assert_eq!(top.parent().unwrap(), FsPath::root());
        assert_eq!(FsPath::root().parent(), None);
        assert_eq!(FsPath::root().file_name(), None);
        assert_eq!(p.components().count(), 3);
        assert_eq!(p.to_string(), "/workspace/a/b/c");
        assert_eq!(FsPath::root().to_string(), "/workspace");
    }
}
