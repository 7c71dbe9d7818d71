//! The yes/no question: its lines styled by what each part means (what goes in the danger
//! colour, what stays in the good one), then the keys for yes and no from the keymap.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::Keys;
use crate::app::confirm::{Confirm, ConfirmLine, Meaning};
use crate::ui::theme;

const WIDTH: u16 = 84;
/// Rows kept free below the hint, so that lines wrapped in a narrow terminal still leave the
/// hint on screen.
const WRAP_ROOM: u16 = 3;

fn style(meaning: Meaning) -> Style {
    match meaning {
        Meaning::Plain => Style::default(),
        Meaning::Subject => theme::label(),
        Meaning::Goes => theme::error(),
        Meaning::Stays => theme::good(),
        Meaning::Note => theme::dim(),
    }
}

fn line(l: &ConfirmLine) -> Line<'static> {
    Line::from(
        l.0.iter()
            .map(|p| Span::styled(p.text.clone(), style(p.meaning)))
            .collect::<Vec<_>>(),
    )
}

pub fn draw(frame: &mut Frame, area: Rect, c: &Confirm, keys: &Keys) {
    // Lines, a blank, the hint, and the frame.
    let height = c.lines.len() as u16 + 4 + WRAP_ROOM;
    let title = format!(" {} ", c.title);
    let inner = super::frame_box(frame, area, WIDTH, height, &title, c.destructive);
    let mut lines: Vec<Line> = c.lines.iter().map(line).collect();
    lines.push(Line::default());
    lines.push(keys.line());
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}
