//! File dialogs: a name or host path, unsaved changes, and a save that conflicts with someone
//! else's. (Deleting a file is a yes/no question: `confirm.rs`.)

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::Keys;
use crate::app::dialog::{FileOp, FilePrompt};
use crate::ui::theme;

pub fn draw_prompt(frame: &mut Frame, area: Rect, p: &FilePrompt, keys: &Keys) {
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
    lines.push(keys.line());
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}

pub fn draw_unsaved(frame: &mut Frame, area: Rect, keys: &Keys) {
    let inner = super::frame_box(frame, area, 64, 6, " Unsaved changes ", false);
    let lines = vec![
        Line::from("The file has changes that are not saved."),
        Line::default(),
        keys.line(),
    ];
    frame.render_widget(Paragraph::new(lines), inner);
}

pub fn draw_conflict(frame: &mut Frame, area: Rect, message: &str, keys: &Keys) {
    let inner = super::frame_box(frame, area, 84, 8, " Changed on disk ", true);
    let lines = vec![
        Line::from("The file changed since it was opened (another session wrote it?)."),
        Line::from(Span::styled(message.to_owned(), theme::dim())),
        Line::default(),
        keys.line(),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}
