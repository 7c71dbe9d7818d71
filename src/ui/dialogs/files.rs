//! File dialogs: a name or host path, deleting (saying what goes), unsaved changes, and a save
//! that conflicts with someone else's.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::dialog::{FileOp, FilePrompt, RemovePath};
use crate::ui::theme;

fn keys(parts: &[(&'static str, &'static str)]) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, (k, what)) in parts.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" · "));
        }
        spans.push(Span::styled(*k, theme::key()));
        spans.push(Span::raw(format!(": {what}")));
    }
    Line::from(spans)
}

pub fn draw_prompt(frame: &mut Frame, area: Rect, p: &FilePrompt) {
    let (title, label, hint) = match p.op {
        FileOp::NewFile => (
            " New file ",
            "name",
            "created empty in the current directory",
        ),
        FileOp::NewDirectory => (
            " New directory ",
            "name",
            "created in the current directory",
        ),
        FileOp::Rename => (" Rename ", "new name", "within the current directory"),
        FileOp::Download => (
            " Download ",
            "host path",
            "must not exist yet; directories are copied whole",
        ),
        FileOp::Upload => (
            " Upload ",
            "host path",
            "a file or a directory, into the current directory",
        ),
    };
    let inner = super::frame_box(frame, area, 90, 8, title, false);
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{label}: "), theme::label()),
            Span::raw(p.text.clone()),
            Span::styled("█", theme::dim()),
        ]),
        Line::from(Span::styled(hint, theme::dim())),
    ];
    lines.push(match &p.error {
        Some(e) => Line::from(Span::styled(e.clone(), theme::error())),
        None => Line::default(),
    });
    lines.push(keys(&[("enter", "go"), ("esc", "cancel")]));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}

pub fn draw_remove(frame: &mut Frame, area: Rect, r: &RemovePath) {
    let inner = super::frame_box(frame, area, 80, 7, " Delete ", true);
    let what = if r.is_dir {
        format!(
            "Directory {} and everything in it will be deleted for good.",
            r.name
        )
    } else {
        format!("File {} will be deleted for good.", r.name)
    };
    let note = if r.is_dir {
        "Symlinks inside are removed, never followed."
    } else {
        ""
    };
    let lines = vec![
        Line::from(Span::styled(what, theme::error())),
        Line::from(Span::styled(note, theme::dim())),
        Line::default(),
        keys(&[("enter/y", "delete"), ("esc", "cancel")]),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}

pub fn draw_unsaved(frame: &mut Frame, area: Rect) {
    let inner = super::frame_box(frame, area, 64, 6, " Unsaved changes ", false);
    let lines = vec![
        Line::from("The file has changes that are not saved."),
        Line::default(),
        keys(&[
            ("s", "save and close"),
            ("d", "discard"),
            ("esc", "keep editing"),
        ]),
    ];
    frame.render_widget(Paragraph::new(lines), inner);
}

pub fn draw_conflict(frame: &mut Frame, area: Rect, message: &str) {
    let inner = super::frame_box(frame, area, 84, 8, " Changed on disk ", true);
    let lines = vec![
        Line::from("The file changed since it was opened (another session wrote it?)."),
        Line::from(Span::styled(message.to_owned(), theme::dim())),
        Line::default(),
        keys(&[
            ("o", "overwrite with mine"),
            ("r", "reload theirs (mine is lost)"),
            ("esc", "cancel"),
        ]),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}
