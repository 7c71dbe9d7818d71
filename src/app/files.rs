//! State of the file browser and the editor: the open workspace, the directory shown, the
//! preview, and the file being edited (a `ratatui-textarea` buffer plus what is needed to
//! write it back exactly: line endings, final newline, the version it was read at).

use std::path::Path;

use ratatui_textarea::TextArea;

use crate::domain::files::{Entry, EntryKind, FsPath, Version};
use crate::domain::ids::RequestId;

/// Files larger than this open in the preview only.
pub const EDITOR_LIMIT: u64 = 4 * 1024 * 1024;
/// How much of a file the preview reads.
pub const PREVIEW_LIMIT: u64 = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    Opening(RequestId),
    Ready,
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Preview {
    Nothing,
    Loading {
        req: RequestId,
        path: FsPath,
    },
    Text {
        path: FsPath,
        text: String,
        truncated: bool,
    },
    Binary {
        path: FsPath,
        bytes: Vec<u8>,
        size: u64,
    },
    Failed {
        path: FsPath,
        reason: String,
    },
}

/// The browser's order; directories always come first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileSort {
    Name,
    /// Biggest first.
    Size,
    /// Newest first.
    Modified,
}

impl FileSort {
    pub fn next(self) -> Self {
        match self {
            Self::Name => Self::Size,
            Self::Size => Self::Modified,
            Self::Modified => Self::Name,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Size => "size",
            Self::Modified => "modified",
        }
    }
}

/// A transfer in flight (download or upload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub req: RequestId,
    pub what: String,
    pub bytes: u64,
}

#[derive(Debug, Clone)]
pub struct FilesView {
    pub volume: String,
    /// What the operator opened: "workspace alpha" or "session s1".
    pub title: String,
    pub connection: Connection,
    pub cwd: FsPath,
    pub entries: Vec<Entry>,
    pub listing: Option<RequestId>,
    pub list_error: Option<String>,
    pub selected: usize,
    pub page: usize,
    pub show_hidden: bool,
    pub sort: FileSort,
    pub filter: String,
    pub preview: Preview,
    /// A change (create, rename, delete) in flight.
    pub changing: Option<RequestId>,
    pub transfer: Option<Transfer>,
    /// Select this name once the next listing arrives (after create, rename, going up).
    pub reselect: Option<Vec<u8>>,
    /// A file being read for the editor.
    pub loading: Option<RequestId>,
}

impl FilesView {
    pub fn new(volume: String, title: String, req: RequestId) -> Self {
        Self {
            volume,
            title,
            connection: Connection::Opening(req),
            cwd: FsPath::root(),
            entries: Vec::new(),
            listing: None,
            list_error: None,
            selected: 0,
            page: 20,
            show_hidden: false,
            sort: FileSort::Name,
            filter: String::new(),
            preview: Preview::Nothing,
            changing: None,
            transfer: None,
            reselect: None,
            loading: None,
        }
    }

    /// Entries shown: hidden ones only when asked, and those matching the filter.
    pub fn visible(&self) -> Vec<&Entry> {
        let needle = self.filter.to_lowercase();
        let mut shown: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| self.show_hidden || !e.name.starts_with(b"."))
            .filter(|e| {
                needle.is_empty()
                    || String::from_utf8_lossy(&e.name)
                        .to_lowercase()
                        .contains(&needle)
            })
            .collect();
        // The agent lists directories first, then by name; other orders keep directories first.
        match self.sort {
            FileSort::Name => {}
            FileSort::Size => shown.sort_by_key(|e| (!Self::is_dir(e), std::cmp::Reverse(e.size))),
            FileSort::Modified => {
                shown.sort_by_key(|e| (!Self::is_dir(e), std::cmp::Reverse(e.mtime_ns)))
            }
        }
        shown
    }

    pub fn selected_entry(&self) -> Option<&Entry> {
        self.visible().get(self.selected).copied()
    }

    pub fn selected_path(&self) -> Option<FsPath> {
        self.selected_entry()
            .and_then(|e| self.cwd.join(&e.name).ok())
    }

    pub fn clamp(&mut self) {
        let n = self.visible().len();
        self.selected = self.selected.min(n.saturating_sub(1));
    }

    pub fn move_by(&mut self, delta: isize) {
        self.selected = self.selected.saturating_add_signed(delta);
        self.clamp();
    }

    pub fn is_dir(entry: &Entry) -> bool {
        entry.kind == EntryKind::Dir
    }
}

/// A name as it can be shown: invalid UTF-8 replaced, control characters (newlines!) and
/// invisible format characters (bidi overrides) escaped.
pub fn display_name(name: &[u8]) -> String {
    crate::format::escape_name(name)
}

/// What the download prompt starts with: the downloads directory and the entry's name made
/// safe for the host ([`crate::format::host_file_name`]); only the directory (ending in `/`,
/// the name then chosen by the task) when the name cannot be shown as it is.
pub fn download_prompt(dir: &Path, name: &[u8]) -> String {
    let plain = std::str::from_utf8(name)
        .is_ok_and(|n| !n.is_empty() && !n.chars().any(crate::format::needs_escape));
    let dir = dir.display().to_string();
    let dir = dir.trim_end_matches('/');
    if plain {
        format!("{dir}/{}", crate::format::host_file_name(name))
    } else {
        format!("{dir}/")
    }
}

/// How the file's lines were separated, to write them back the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnding {
    Lf,
    CrLf,
    /// Carriage returns alone (classic Mac OS, some exports): lines are split and written
    /// back at `\r`, not shown as one long line.
    Cr,
}

impl LineEnding {
    pub fn separator(self) -> &'static str {
        match self {
            Self::Lf => "\n",
            Self::CrLf => "\r\n",
            Self::Cr => "\r",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Lf => "LF",
            Self::CrLf => "CRLF",
            Self::Cr => "CR",
        }
    }

    /// The ending of `text` by its separators: `\r` alone only when there is no `\n` at all
    /// (a stray `\r` inside LF or CRLF lines stays part of its line, written back as it was).
    pub fn of(text: &str) -> Result<Self, String> {
        let crlf = text.matches("\r\n").count();
        let lf = text.matches('\n').count();
        if lf == 0 && text.contains('\r') {
            Ok(Self::Cr)
        } else if crlf > 0 && crlf == lf {
            Ok(Self::CrLf)
        } else if crlf == 0 {
            Ok(Self::Lf)
        } else {
            Err("mixed line endings (CRLF and LF): preview only, so nothing is rewritten".into())
        }
    }
}

/// Text split for the editor, or why it cannot be edited.
pub fn split_text(data: &[u8]) -> Result<(Vec<String>, LineEnding, bool), String> {
    if data.contains(&0) {
        return Err("binary file (it contains NUL bytes): preview only".into());
    }
    let text = std::str::from_utf8(data).map_err(|_| "not UTF-8 text: preview only".to_owned())?;
    let ending = LineEnding::of(text)?;
    let sep = ending.separator();
    let final_newline = text.ends_with(sep);
    let body = text.strip_suffix(sep).unwrap_or(text);
    let lines = body.split(sep).map(str::to_owned).collect();
    Ok((lines, ending, final_newline))
}

/// The bytes to write back: the same line ending, the final newline only if there was one.
pub fn join_text(lines: &[String], ending: LineEnding, final_newline: bool) -> Vec<u8> {
    let sep = ending.separator();
    let mut text = lines.join(sep);
    if final_newline {
        text.push_str(sep);
    }
    text.into_bytes()
}

#[derive(Debug, Clone)]
pub struct EditorView {
    pub path: FsPath,
    pub textarea: TextArea<'static>,
    pub ending: LineEnding,
    pub final_newline: bool,
    /// What the file was when read or last saved: a save checks it has not changed since.
    pub version: Version,
    pub dirty: bool,
    pub saving: Option<RequestId>,
    /// What the save in flight writes (empty when none): the buffer is clean after it only
    /// if it still holds exactly this, since keys typed while a save is on its way are not in
    /// it.
    pub sent: Vec<u8>,
    /// Close once the save in flight succeeds.
    pub close_after_save: bool,
    /// The search being typed (ctrl-f), if any.
    pub search: Option<String>,
}

impl EditorView {
    pub fn bytes(&self) -> Vec<u8> {
        join_text(self.textarea.lines(), self.ending, self.final_newline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_byte_for_byte() {
        for text in [
            "a\nb\n",
            "a\nb",
            "a\r\nb\r\n",
            "a\r\nb",
            "",
            "\n",
            "only",
            "a\rb\r",
            "a\rb",
            "a\rb\n",
        ] {
            let (lines, ending, nl) = split_text(text.as_bytes()).unwrap();
            assert_eq!(join_text(&lines, ending, nl), text.as_bytes(), "{text:?}");
        }
    }

    #[test]
    fn a_file_with_only_cr_line_ends_is_split_at_cr_and_saved_with_cr() {
        let (lines, ending, nl) = split_text(b"one\rtwo\rthree\r").unwrap();
        assert_eq!(lines, ["one", "two", "three"]);
        assert_eq!(ending, LineEnding::Cr);
        assert!(nl);
        assert_eq!(ending.label(), "CR");
        let mut edited = lines.clone();
        edited.push("four".into());
        assert_eq!(join_text(&edited, ending, nl), b"one\rtwo\rthree\rfour\r");
    }

    #[test]
    fn binary_non_utf8_and_mixed_endings_are_refused() {
        assert!(split_text(b"a\0b").unwrap_err().contains("binary"));
        assert!(split_text(&[0xff, 0xfe]).unwrap_err().contains("UTF-8"));
        assert!(split_text(b"a\r\nb\nc").unwrap_err().contains("mixed"));
    }

    #[test]
    fn the_download_prompt_never_offers_a_dot_name_or_an_unsafe_one() {
        let dir = Path::new("/home/op/Downloads");
        assert_eq!(
            download_prompt(dir, b"notes.txt"),
            "/home/op/Downloads/notes.txt"
        );
        assert_eq!(
            download_prompt(dir, b".bash_profile"),
            "/home/op/Downloads/_.bash_profile"
        );
        assert_eq!(download_prompt(Path::new("/dl/"), b"a"), "/dl/a");
        for unsafe_name in [&b"a\nb"[..], "txt\u{202e}exe".as_bytes(), b"bad\xff"] {
            assert_eq!(download_prompt(dir, unsafe_name), "/home/op/Downloads/");
        }
    }

    #[test]
    fn odd_names_are_shown_safely() {
        assert_eq!(display_name(b"a b"), "a b");
        assert_eq!(display_name(b"line\nbreak"), "line\\nbreak");
        assert_eq!(display_name("ünï".as_bytes()), "ünï");
        assert_eq!(display_name(&[b'x', 0xff]), "x\u{fffd}");
        assert_eq!(display_name("a\u{202e}b".as_bytes()), "a\\u{202e}b");
    }
}
