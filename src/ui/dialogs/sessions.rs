//! The new-session dialog: image, storage and workspace as choices, a new workspace's id typed.
//! (Destroying a session and starting one first are yes/no questions: `confirm.rs`.)

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::Keys;
use crate::app::dialog::{NewSession, StorageChoice};
use crate::ui::theme;

fn choice(label: &str, value: String, focused: bool) -> Line<'static> {
    let style = if focused {
        theme::key()
    } else {
        theme::label()
    };
    Line::from(vec![
        Span::styled(
            format!("{}{label:<11}", if focused { "▶ " } else { "  " }),
            style,
        ),
        Span::styled("◀ ", theme::dim()),
        Span::raw(value),
        Span::styled(" ▶", theme::dim()),
    ])
}

pub fn draw_new_session(frame: &mut Frame, area: Rect, d: &NewSession, keys: &Keys) {
    let inner = super::frame_box(frame, area, 84, 12, " New session ", false);
    let storage = match d.storage {
        StorageChoice::Ephemeral => "ephemeral (removed with the session)".to_owned(),
        StorageChoice::Existing => "an existing workspace".to_owned(),
        StorageChoice::New => "a new workspace".to_owned(),
    };
    let mut lines = vec![
        choice(
            "image",
            d.images.get(d.image).cloned().unwrap_or_default(),
            d.focus == 0,
        ),
        choice("storage", storage, d.focus == 1),
    ];
    match d.storage {
        StorageChoice::Existing => lines.push(choice(
            "workspace",
            d.workspaces.get(d.existing).cloned().unwrap_or_default(),
            d.focus == 2,
        )),
        StorageChoice::New => lines.push(Line::from(vec![
            Span::styled(
                format!("{}{:<11}", if d.focus == 2 { "▶ " } else { "  " }, "new id"),
                if d.focus == 2 {
                    theme::key()
                } else {
                    theme::label()
                },
            ),
            Span::raw(d.new_id.clone()),
            Span::styled(if d.focus == 2 { "█" } else { "" }, theme::dim()),
        ])),
        StorageChoice::Ephemeral => lines.push(Line::default()),
    }
    if !d.workspaces_enabled {
        lines.push(Line::from(Span::styled(
            "Workspace not enabled: sessions get ephemeral storage",
            theme::warn(),
        )));
    }
    lines.push(Line::from(Span::styled(
        "Made as sandkasten makes sessions: read-only rootfs, no capabilities, limits from the config.",
        theme::dim(),
    )));
    if let Some(e) = &d.error {
        lines.push(Line::from(Span::styled(e.clone(), theme::error())));
    }
    lines.push(keys.line());
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}
