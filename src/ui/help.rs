//! The help overlay, generated from the keymap so that it can never disagree with it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::app::keymap::Keymap;
use crate::config::keymap::KeyContext;
use crate::ui::theme;

fn context_lines(keymap: &Keymap, context: KeyContext) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(Span::styled(context.title(), theme::header()))];
    for binding in keymap.bindings().context(context) {
        let keys: Vec<String> = binding.keys.iter().map(ToString::to_string).collect();
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<14}", keys.join(" ")), theme::key()),
            Span::raw(binding.desc.clone()),
        ]));
    }
    lines.push(Line::default());
    lines
}

pub fn draw(frame: &mut Frame, area: Rect, keymap: &Keymap) {
    let lines = |contexts: &[KeyContext]| -> Vec<Line<'static>> {
        contexts
            .iter()
            .flat_map(|c| context_lines(keymap, *c))
            .collect()
    };
    let mut first = lines(&[KeyContext::Global, KeyContext::List, KeyContext::Logs]);
    first.push(Line::from(Span::styled(
        "Mouse: click selects, wheel scrolls.",
        theme::dim(),
    )));
    let second = lines(&[KeyContext::Sessions, KeyContext::Workspaces]);
    let third = lines(&[KeyContext::Files, KeyContext::Editor, KeyContext::Shell]);
    let mut fourth = lines(&[KeyContext::Filter, KeyContext::Dialog]);
    fourth.extend([
        Line::from(Span::styled("Workspace filter words", theme::header())),
        Line::from("  is:unused  is:used"),
        Line::from("  is:orphan  is:workspace"),
        Line::from("  >500M      larger than"),
        Line::from("  other      id, volume, session"),
    ]);
    let columns = [first, second, third, fourth];
    let height = columns.iter().map(Vec::len).max().unwrap_or(0) as u16 + 2;
    let popup = centered(area, 190, height);
    frame.render_widget(Clear, popup);
    let block = Block::bordered()
        .title(" Keys — ? or esc closes ")
        .border_style(theme::border(true));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let areas = Layout::horizontal([Constraint::Fill(1); 4]).split(inner);
    for (column, area) in columns.into_iter().zip(areas.iter()) {
        frame.render_widget(Paragraph::new(column), *area);
    }
}

/// A rectangle of at most `width`×`height` centred in `area`.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}
