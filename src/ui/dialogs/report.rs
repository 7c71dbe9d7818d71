//! What a deletion did, when any part of it failed or was kept: each with its reason (the
//! daemon's own for failures, what changed since the plan for kept picks).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::Keys;
use crate::action::Action;
use crate::app::dialog::Report;
use crate::ui::theme;

pub fn draw(frame: &mut Frame, area: Rect, r: &Report, keys: &Keys) {
    let height =
        (r.failed.len() as u16 + r.kept.len() as u16 + 9).min(area.height.saturating_sub(2));
    let inner = super::frame_box(
        frame,
        area,
        110,
        height,
        if r.failed.is_empty() && r.not_done == 0 {
            " Deletion finished: some were kept "
        } else {
            " Deletion finished with failures "
        },
        true,
    );
    let mut lines = vec![Line::from(format!(
        "{} deleted, {} session(s) destroyed, {} kept, {} failed, {} not done:",
        r.deleted.len(),
        r.destroyed.len(),
        r.kept.len(),
        r.failed.len(),
        r.not_done,
    ))];
    for (what, why) in &r.kept {
        lines.push(Line::from(vec![
            Span::styled(format!("  {what}: "), theme::warn()),
            Span::raw(why.clone()),
        ]));
    }
    for (what, why) in &r.failed {
        lines.push(Line::from(vec![
            Span::styled(format!("  {what}: "), theme::error()),
            Span::raw(why.clone()),
        ]));
    }
    if r.not_done > 0 {
        lines.push(Line::from(Span::styled(
            format!(
                "  {} step(s) never answered: check the workspaces list",
                r.not_done
            ),
            theme::error(),
        )));
    }
    lines.push(Line::default());
    let close = keys.text(&[Action::Confirm, Action::Cancel], " or ");
    let close = close.map_or_else(String::new, |k| format!(" {k} closes."));
    lines.push(Line::from(Span::styled(
        format!("Nothing else was touched.{close}"),
        theme::dim(),
    )));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
