//! What a deletion did, when any part of it failed: each failure with the daemon's reason.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::dialog::Report;
use crate::ui::theme;

pub fn draw(frame: &mut Frame, area: Rect, r: &Report) {
    let height = (r.failed.len() as u16 + 8).min(area.height.saturating_sub(2));
    let inner = super::frame_box(
        frame,
        area,
        110,
        height,
        " Deletion finished with failures ",
        true,
    );
    let mut lines = vec![Line::from(format!(
        "{} deleted, {} session(s) destroyed, {} failed:",
        r.deleted.len(),
        r.destroyed.len(),
        r.failed.len()
    ))];
    for (what, why) in &r.failed {
        lines.push(Line::from(vec![
            Span::styled(format!("  {what}: "), theme::error()),
            Span::raw(why.clone()),
        ]));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "Nothing else was touched. enter or esc closes.",
        theme::dim(),
    )));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
