//! Drawing a pane's table: border, header with the sort marker, only the rows that fit, the
//! selection, and a message in place of rows when there are none. Returns where rows landed
//! so that mouse clicks can be mapped back to them.

use ratatui::Frame;
use ratatui::layout::{Constraint, Margin, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Table, TableState, Wrap};

use crate::app::state::Pane;
use crate::ui::theme;

/// Where a pane was drawn and which visible row sits on each body line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaneHit {
    pub pane: Pane,
    pub area: Rect,
    pub body: Rect,
    pub rows: Vec<Option<usize>>,
}

impl PaneHit {
    pub fn row_at(&self, column: u16, line: u16) -> Option<usize> {
        let inside = column >= self.body.x
            && column < self.body.x + self.body.width
            && line >= self.body.y
            && line < self.body.y + self.body.height;
        if !inside {
            return None;
        }
        self.rows
            .get(usize::from(line - self.body.y))
            .copied()
            .flatten()
    }
}

/// One table to draw. `items` counts display items (rows plus group separators);
/// `item` builds the item at a display position and says which visible row it is, if any.
pub struct TableSpec<'a, F>
where
    F: Fn(usize) -> (Row<'a>, Option<usize>),
{
    pub pane: Pane,
    pub title: Line<'a>,
    /// A line on the bottom border (totals, progress).
    pub summary: Option<Line<'a>>,
    pub focused: bool,
    pub header: Row<'a>,
    pub widths: Vec<Constraint>,
    pub items: usize,
    pub selected_item: Option<usize>,
    pub offset_hint: usize,
    pub item: F,
    /// Shown instead of rows when there are none (loading, empty, engine down, no match).
    pub message: Option<Vec<Line<'a>>>,
}

/// The first item to draw so that the selection is on screen, starting from the state's hint.
pub fn window_offset(selected: Option<usize>, hint: usize, height: usize, items: usize) -> usize {
    let height = height.max(1);
    let mut offset = hint.min(items.saturating_sub(height));
    if let Some(sel) = selected {
        if sel < offset {
            offset = sel;
        } else if sel >= offset + height {
            offset = sel + 1 - height;
        }
    }
    offset
}

pub fn draw<'a, F>(frame: &mut Frame, area: Rect, spec: TableSpec<'a, F>) -> PaneHit
where
    F: Fn(usize) -> (Row<'a>, Option<usize>),
{
    let mut block = Block::bordered()
        .title(spec.title)
        .border_style(theme::border(spec.focused))
        .title_style(theme::title(spec.focused));
    if let Some(summary) = spec.summary {
        block = block.title_bottom(summary);
    }
    let inner = block.inner(area);
    let body = Rect {
        y: inner.y.saturating_add(1),
        height: inner.height.saturating_sub(1),
        ..inner
    };
    if let Some(message) = spec.message {
        frame.render_widget(block, area);
        let text = Paragraph::new(message).wrap(Wrap { trim: true }).centered();
        frame.render_widget(text, inner.inner(Margin::new(1, 1)));
        return PaneHit {
            pane: spec.pane,
            area,
            body,
            rows: Vec::new(),
        };
    }
    let height = usize::from(body.height);
    let offset = window_offset(spec.selected_item, spec.offset_hint, height, spec.items);
    let end = (offset + height).min(spec.items);
    let mut rows = Vec::with_capacity(end - offset);
    let mut hits = Vec::with_capacity(end - offset);
    for position in offset..end {
        let (row, visible) = (spec.item)(position);
        rows.push(row);
        hits.push(visible);
    }
    let table = Table::new(rows, spec.widths)
        .header(spec.header.style(theme::header()))
        .block(block)
        .column_spacing(1)
        .row_highlight_style(theme::selected(spec.focused));
    let mut table_state =
        TableState::default().with_selected(spec.selected_item.map(|s| s.saturating_sub(offset)));
    frame.render_stateful_widget(table, area, &mut table_state);
    PaneHit {
        pane: spec.pane,
        area,
        body,
        rows: hits,
    }
}

/// A column as wide as its widest cell (header included), capped so one long value cannot
/// push the other columns off screen.
pub fn fit<'a>(header: &str, cells: impl Iterator<Item = &'a str>, cap: u16) -> u16 {
    let widest = cells
        .map(unicode_width::UnicodeWidthStr::width)
        .chain([unicode_width::UnicodeWidthStr::width(header) + 2])
        .max()
        .unwrap_or(0);
    (widest as u16).min(cap)
}

/// A header cell with ▲/▼ when the pane is sorted by it.
pub fn header_cell(name: &'static str, sorted: Option<bool>) -> String {
    match sorted {
        Some(false) => format!("{name} ▲"),
        Some(true) => format!("{name} ▼"),
        None => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_follows_the_selection() {
        assert_eq!(window_offset(Some(0), 0, 10, 100), 0);
        assert_eq!(window_offset(Some(15), 0, 10, 100), 6);
        assert_eq!(window_offset(Some(3), 6, 10, 100), 3);
        assert_eq!(window_offset(None, 95, 10, 100), 90);
        assert_eq!(window_offset(Some(2), 0, 10, 3), 0);
    }
}
