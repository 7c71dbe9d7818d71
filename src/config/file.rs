//! Reading the configuration file safely: only a regular file, at most [`MAX_CONFIG_BYTES`],
//! opened so that a FIFO cannot block and a device cannot stream forever. Knows nothing of
//! what the file says.

use std::io::Read;
use std::path::Path;

use rustix::fs::{FileType, Mode, OFlags};

/// Far more than any sandkasten.yaml (the documented sample is ~2 KiB).
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Why the file could not be read.
#[derive(Debug)]
pub enum ReadFailure {
    Io(std::io::Error),
    /// A directory, FIFO, socket or device: what it is instead.
    NotRegular(&'static str),
    TooLarge,
    NotUtf8,
}

/// The file's text. `O_NONBLOCK` makes opening a FIFO return at once instead of waiting for a
/// writer; the type is then checked on the open descriptor (no race with a swapped path), and
/// the read stops one byte past the limit, so `/dev/zero` or a huge file costs nothing.
pub fn read_config_text(path: &Path) -> Result<String, ReadFailure> {
    let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY;
    let fd = rustix::fs::open(path, flags, Mode::empty())
        .map_err(|e| ReadFailure::Io(std::io::Error::from(e)))?;
    let stat = rustix::fs::fstat(&fd).map_err(|e| ReadFailure::Io(std::io::Error::from(e)))?;
    let kind = FileType::from_raw_mode(stat.st_mode);
    if kind != FileType::RegularFile {
        return Err(ReadFailure::NotRegular(describe(kind)));
    }
    let mut bytes = Vec::new();
    std::fs::File::from(fd)
        .take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadFailure::Io)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(ReadFailure::TooLarge);
    }
    String::from_utf8(bytes).map_err(|_| ReadFailure::NotUtf8)
}

fn describe(kind: FileType) -> &'static str {
    match kind {
        FileType::Directory => "a directory",
        FileType::Fifo => "a FIFO",
        FileType::Socket => "a socket",
        FileType::CharacterDevice => "a character device",
        FileType::BlockDevice => "a block device",
        FileType::Symlink => "a symbolic link",
        _ => "not a regular file",
    }
}
