//! The file browser: the current directory of a workspace (name, size, mode, owner, modified,
//! as many as fit beside the name; symlinks with their target; directories first) and a
//! preview of the selected file, as text or as a hex dump.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Clear, Paragraph, Row, Table, TableState, Wrap};

use crate::app::files::{Connection, FilesView, Preview, display_name};
use crate::app::screen::Layer;
use crate::app::state::State;
use crate::domain::files::{Entry, EntryKind};
use crate::format;
use crate::ui::table::window_offset;
use crate::ui::theme;

/// `drwxr-xr-x` from a mode and kind, with the special bits as `ls -l` shows them: setuid
/// and setgid as `s` in the owner's and group's execute place (`S` without execute), sticky
/// as `t` in the others' (`T`).
fn mode_string(entry: &Entry) -> String {
    let kind = match entry.kind {
        EntryKind::Dir => 'd',
        EntryKind::Symlink => 'l',
        EntryKind::File => '-',
        // A FIFO or device must not pass for something unknown: `ls -l`'s letters.
        EntryKind::Other => match entry.mode & 0o170_000 {
            0o010_000 => 'p',
            0o020_000 => 'c',
            0o060_000 => 'b',
            0o140_000 => 's',
            _ => '?',
        },
    };
    let mut out = String::with_capacity(10);
    out.push(kind);
    // (read, write, execute) bit of each class, and its special bit with its letter.
    let classes = [
        (0o400, 0o4000, 's'),
        (0o040, 0o2000, 's'),
        (0o004, 0o1000, 't'),
    ];
    for (read, special, letter) in classes {
        let (write, exec) = (read >> 1, read >> 2);
        out.push(if entry.mode & read != 0 { 'r' } else { '-' });
        out.push(if entry.mode & write != 0 { 'w' } else { '-' });
        out.push(match (entry.mode & special != 0, entry.mode & exec != 0) {
            (true, true) => letter,
            (true, false) => letter.to_ascii_uppercase(),
            (false, true) => 'x',
            (false, false) => '-',
        });
    }
    out
}

/// What a non-regular, non-directory, non-link entry is, from its mode's file type bits.
fn special_kind(mode: u32) -> &'static str {
    match mode & 0o170_000 {
        0o010_000 => "FIFO",
        0o020_000 => "character device",
        0o060_000 => "block device",
        0o140_000 => "socket",
        _ => "special file",
    }
}

fn modified(entry: &Entry) -> String {
    let ts = jiff::Timestamp::from_nanosecond(i128::from(entry.mtime_ns)).ok();
    format::datetime(ts)
}

fn name_cell(entry: &Entry) -> Line<'static> {
    let name = display_name(&entry.name);
    match entry.kind {
        EntryKind::Dir => Line::from(Span::styled(format!("{name}/"), theme::key())),
        EntryKind::Symlink => Line::from(vec![
            Span::styled(name, theme::pool()),
            Span::styled(
                format!(
                    " → {}",
                    entry
                        .symlink_target
                        .as_deref()
                        .map(display_name)
                        .unwrap_or_default()
                ),
                theme::dim(),
            ),
        ]),
        _ => Line::from(name),
    }
}

fn path_title(files: &FilesView) -> String {
    let cwd = display_name(files.cwd.as_bytes());
    if cwd.is_empty() {
        "/workspace".to_owned()
    } else {
        format!("/workspace/{cwd}")
    }
}

/// A column of the listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Name,
    Size,
    Mode,
    Owner,
    Modified,
}

/// The least room a name gets: the other columns give way first (a listing without names,
/// as it was below ~110 terminal columns, cannot be navigated at all).
const NAME_MIN: u16 = 20;

impl Column {
    /// Its fixed width; 0 for the name, which takes the rest.
    fn width(self) -> u16 {
        match self {
            Self::Name => 0,
            Self::Size | Self::Mode => 10,
            Self::Owner => 11,
            Self::Modified => 16,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::Name => "NAME",
            Self::Size => "SIZE",
            Self::Mode => "MODE",
            Self::Owner => "OWNER",
            Self::Modified => "MODIFIED",
        }
    }
}

/// The columns that fit in `width` next to a name of at least [`NAME_MIN`], in the order
/// they show: the name always, then size, modified, mode and owner as room allows.
fn columns_for(width: u16) -> Vec<Column> {
    let mut left = width.saturating_sub(NAME_MIN);
    let mut shown = vec![Column::Name];
    for column in [Column::Size, Column::Modified, Column::Mode, Column::Owner] {
        // Each column also takes the one-cell gap before it.
        let needs = column.width() + 1;
        if needs <= left {
            left -= needs;
            shown.push(column);
        }
    }
    let order = [
        Column::Name,
        Column::Size,
        Column::Mode,
        Column::Owner,
        Column::Modified,
    ];
    order.into_iter().filter(|c| shown.contains(c)).collect()
}

/// Draws the browser; returns the rows it had for entries (for paging).
pub fn draw(frame: &mut Frame, area: Rect, files: &FilesView, state: &State) -> usize {
    frame.render_widget(Clear, area);
    let [list_area, preview_area] =
        Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(area);
    let mut title = vec![Span::raw(format!(
        " Files of {}: {} ",
        files.title,
        path_title(files)
    ))];
    if files.show_hidden {
        title.push(Span::styled("dot files shown ", theme::dim()));
    }
    if files.sort != crate::app::files::FileSort::Name {
        title.push(Span::styled(
            format!("by {} ", files.sort.label()),
            theme::dim(),
        ));
    }
    if !files.filter.is_empty() || state.layer() == Layer::Filter {
        title.push(Span::styled(format!("/{} ", files.filter), theme::warn()));
    }
    let mut block = Block::bordered()
        .title(Line::from(title))
        .border_style(theme::border(true));
    if let Some(t) = &files.transfer {
        block = block.title_bottom(Line::from(Span::styled(
            format!(" {} … {} (x cancels) ", t.what, format::bytes(t.bytes)),
            theme::warn(),
        )));
    }
    let inner = block.inner(list_area);
    frame.render_widget(block, list_area);
    let message = match (&files.connection, &files.list_error) {
        (Connection::Opening(_), _) => {
            Some(format!("Starting the file helper for {}…", files.volume))
        }
        (Connection::Failed(e), _) => Some(format!("Cannot open {}: {e}", files.volume)),
        (_, Some(e)) => Some(format!("Cannot list {}: {e}", path_title(files))),
        _ if files.listing.is_some() && files.entries.is_empty() => Some("Listing…".to_owned()),
        _ => None,
    };
    let visible = files.visible();
    let body_rows = usize::from(inner.height.saturating_sub(1));
    if let Some(text) = message {
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), inner);
    } else if visible.is_empty() {
        let text = if files.entries.is_empty() {
            "Empty directory."
        } else {
            "Nothing shown: dot files hidden (.) or filtered."
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme::dim())), inner);
    } else {
        let offset = window_offset(Some(files.selected), 0, body_rows, visible.len());
        let columns = columns_for(inner.width);
        let rows: Vec<Row> = visible
            .iter()
            .skip(offset)
            .take(body_rows)
            .map(|e| {
                let cells = columns.iter().map(|c| match c {
                    Column::Name => Cell::from(name_cell(e)),
                    Column::Size if e.kind == EntryKind::Dir => Cell::from("-"),
                    Column::Size => Cell::from(format::bytes(e.size)),
                    Column::Mode => Cell::from(mode_string(e)),
                    Column::Owner => Cell::from(format!("{}:{}", e.uid, e.gid)),
                    Column::Modified => Cell::from(modified(e)),
                });
                Row::new(cells)
            })
            .collect();
        let widths = columns.iter().map(|c| match c.width() {
            0 => Constraint::Fill(1),
            w => Constraint::Length(w),
        });
        let header = Row::new(columns.iter().map(|c| c.title())).style(theme::header());
        let table = Table::new(rows, widths)
            .header(header)
            .row_highlight_style(theme::selected(true));
        let mut table_state = TableState::default().with_selected(Some(files.selected - offset));
        frame.render_stateful_widget(table, inner, &mut table_state);
    }
    draw_preview(frame, preview_area, files);
    body_rows
}

fn hex_lines(bytes: &[u8], rows: usize) -> Vec<Line<'static>> {
    bytes
        .chunks(16)
        .take(rows)
        .enumerate()
        .map(|(i, chunk)| {
            let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
            let ascii: String = chunk
                .iter()
                .map(|&b| {
                    if b.is_ascii_graphic() || b == b' ' {
                        b as char
                    } else {
                        '.'
                    }
                })
                .collect();
            Line::from(vec![
                Span::styled(format!("{:08x}  ", i * 16), theme::dim()),
                Span::raw(format!("{:<48}", hex.join(" "))),
                Span::styled(format!(" {ascii}"), theme::dim()),
            ])
        })
        .collect()
}

fn draw_preview(frame: &mut Frame, area: Rect, files: &FilesView) {
    let block = Block::bordered()
        .title(" Preview ")
        .border_style(theme::border(false));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let rows = usize::from(inner.height);
    let entry = files.selected_entry();
    // Only a preview of the selected entry is shown: never the previous file's under a new name.
    let preview = match (&files.preview, files.selected_path()) {
        (
            Preview::Loading { path, .. }
            | Preview::Text { path, .. }
            | Preview::Binary { path, .. }
            | Preview::Failed { path, .. },
            Some(selected),
        ) if *path == selected => &files.preview,
        _ => &Preview::Nothing,
    };
    let lines: Vec<Line> = match (preview, entry) {
        (_, Some(e)) if e.kind == EntryKind::Dir => vec![Line::from(Span::styled(
            "directory: enter opens it",
            theme::dim(),
        ))],
        (_, Some(e)) if e.kind == EntryKind::Symlink => vec![Line::from(Span::styled(
            format!(
                "symlink to {} — shown, never followed",
                e.symlink_target
                    .as_deref()
                    .map(display_name)
                    .unwrap_or_default()
            ),
            theme::dim(),
        ))],
        (_, Some(e)) if e.kind == EntryKind::Other => vec![Line::from(Span::styled(
            format!("{}: not a regular file, no preview", special_kind(e.mode)),
            theme::dim(),
        ))],
        (Preview::Loading { .. }, _) => vec![Line::from(Span::styled("reading…", theme::dim()))],
        (
            Preview::Text {
                text, truncated, ..
            },
            _,
        ) => {
            // Carriage returns alone separate the lines of some files (classic Mac OS):
            // split there and say so, rather than drawing one run-on line.
            let cr_only = !text.contains('\n') && text.contains('\r');
            let mut v: Vec<Line> = Vec::new();
            if cr_only {
                v.push(Line::from(Span::styled("CR line ends", theme::dim())));
            }
            let split: Box<dyn Iterator<Item = &str>> = if cr_only {
                Box::new(text.strip_suffix('\r').unwrap_or(text).split('\r'))
            } else {
                Box::new(text.lines())
            };
            v.extend(
                split
                    .take(rows.saturating_sub(v.len()))
                    .map(|l| Line::from(l.to_owned())),
            );
            if *truncated && v.len() < rows {
                v.push(Line::from(Span::styled("… (first 64 KiB)", theme::dim())));
            }
            v
        }
        (Preview::Binary { bytes, size, .. }, _) => {
            let mut v = vec![Line::from(Span::styled(
                format!("binary, {} — hex view of the start", format::bytes(*size)),
                theme::dim(),
            ))];
            v.extend(hex_lines(bytes, rows.saturating_sub(1)));
            v
        }
        (Preview::Failed { reason, .. }, _) => {
            vec![Line::from(Span::styled(reason.clone(), theme::error()))]
        }
        (Preview::Nothing, _) => Vec::new(),
    };
    frame.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_mode(kind: EntryKind, mode: u32) -> Entry {
        Entry {
            name: b"x".to_vec(),
            kind,
            size: 0,
            mode,
            uid: 0,
            gid: 0,
            mtime_ns: 0,
            ctime_ns: 0,
            ino: 0,
            dev: 0,
            symlink_target: None,
        }
    }

    #[test]
    fn the_mode_column_shows_setuid_setgid_and_sticky_like_ls() {
        let cases = [
            (EntryKind::File, 0o100_644, "-rw-r--r--"),
            (EntryKind::File, 0o104_755, "-rwsr-xr-x"),
            (EntryKind::File, 0o104_644, "-rwSr--r--"),
            (EntryKind::File, 0o102_755, "-rwxr-sr-x"),
            (EntryKind::File, 0o102_745, "-rwxr-Sr-x"),
            (EntryKind::Dir, 0o041_777, "drwxrwxrwt"),
            (EntryKind::Dir, 0o041_776, "drwxrwxrwT"),
            (EntryKind::Dir, 0o043_775, "drwxrwsr-t"),
            (EntryKind::File, 0o107_000, "---S--S--T"),
            (EntryKind::Symlink, 0o120_777, "lrwxrwxrwx"),
            (EntryKind::Other, 0o010_644, "prw-r--r--"),
            (EntryKind::Other, 0o020_600, "crw-------"),
            (EntryKind::Other, 0o060_660, "brw-rw----"),
            (EntryKind::Other, 0o140_755, "srwxr-xr-x"),
        ];
        for (kind, mode, want) in cases {
            assert_eq!(mode_string(&with_mode(kind, mode)), want, "{mode:o}");
        }
    }
}
