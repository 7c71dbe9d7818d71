//! Asking for a new workspace's id, validated as it is typed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Keys;
use crate::app::dialog::TextPrompt;
use crate::domain::labels::WORKSPACE_VOLUME_PREFIX;
use crate::ui::theme;

pub fn draw(frame: &mut Frame, area: Rect, p: &TextPrompt, keys: &Keys) {
    let inner = super::frame_box(frame, area, 76, 8, " New workspace ", false);
    let mut lines = vec![
        Line::from(vec![
            Span::styled("id: ", theme::label()),
            Span::raw(p.text.clone()),
            Span::styled("█", theme::dim()),
        ]),
        Line::from(Span::styled(
            format!(
                "creates volume {WORKSPACE_VOLUME_PREFIX}{} with sandkasten's labels",
                p.text
            ),
            theme::dim(),
        )),
    ];
    match &p.error {
        Some(e) => lines.push(Line::from(Span::styled(e.clone(), theme::error()))),
        None => lines.push(Line::default()),
    }
    lines.push(Line::from(Span::styled(keys.plain(), theme::dim())));
    frame.render_widget(Paragraph::new(lines), inner);
}
