//! The logs view: a session's lines, following or scrolled back, with search matches marked.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::app::logs::LogsView;
use crate::app::screen::Layer;
use crate::app::state::State;
use crate::ui::theme;

/// Draws the view; returns the number of rows it had for lines (for paging).
pub fn draw(frame: &mut Frame, area: Rect, logs: &LogsView, state: &State) -> usize {
    // The search line is open when the filter line has the keys over this view.
    let searching = state.layer() == Layer::Filter;
    let mut title = vec![Span::raw(format!(" Logs of session {} ", logs.session))];
    title.push(if logs.follow {
        Span::styled("following ", theme::good())
    } else {
        Span::styled("paused (G follows) ", theme::warn())
    });
    if logs.dropped > 0 {
        title.push(Span::styled(
            format!("{} older lines dropped ", logs.dropped),
            theme::dim(),
        ));
    }
    let mut block = Block::bordered()
        .title(Line::from(title))
        .border_style(theme::border(true));
    if let Some(reason) = &logs.ended {
        block = block.title_bottom(Line::from(Span::styled(
            format!(" {reason} "),
            theme::warn(),
        )));
    }
    if searching || !logs.search.is_empty() {
        block = block.title_bottom(Line::from(vec![
            Span::styled(" / ", theme::key()),
            Span::raw(logs.search.clone()),
            Span::styled(if searching { "█ " } else { " (n: next) " }, theme::dim()),
        ]));
    }
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let height = usize::from(inner.height);
    let needle = logs.search.to_lowercase();
    let lines: Vec<Line> = logs
        .lines
        .iter()
        .skip(logs.first_visible())
        .take(height)
        .map(|l| {
            if !needle.is_empty() && l.to_lowercase().contains(&needle) {
                Line::from(Span::styled(l.as_str(), theme::key()))
            } else {
                Line::from(l.as_str())
            }
        })
        .collect();
    let body = if logs.lines.is_empty() {
        Paragraph::new(Span::styled(
            logs.ended
                .clone()
                .unwrap_or_else(|| "waiting for output…".into()),
            theme::dim(),
        ))
    } else {
        Paragraph::new(lines)
    };
    frame.render_widget(body, inner);
    height
}
