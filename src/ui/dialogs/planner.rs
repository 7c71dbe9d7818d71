//! The cleanup planner: rule fields on the left, the live preview of what the rule selects
//! (with sizes, activity and the total reclaimed) on the right.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::Keys;
use crate::app::dialog::Planner;
use crate::app::state::State;
use crate::format;
use crate::ui::theme;

fn field_line(label: &str, value: String, focused: bool) -> Line<'static> {
    let marker = if focused { "▶ " } else { "  " };
    let style = if focused {
        theme::key()
    } else {
        theme::label()
    };
    Line::from(vec![
        Span::styled(format!("{marker}{label:<22}"), style),
        Span::raw(value),
        Span::styled(if focused { "█" } else { "" }, theme::dim()),
    ])
}

fn toggle(on: bool) -> String {
    if on { "[x]".into() } else { "[ ]".into() }
}

pub fn draw(frame: &mut Frame, area: Rect, p: Planner, state: &State, keys: &Keys) {
    let inner = super::frame_box(frame, area, 130, 30, " Cleanup planner ", false);
    let [left, right] =
        Layout::horizontal([Constraint::Length(44), Constraint::Fill(1)]).areas(inner);
    let f = &state.workspaces.planner;
    let mut lines = vec![
        Line::from(Span::styled("All criteria set must hold.", theme::dim())),
        Line::default(),
        field_line("created more than", f.older_than.clone(), p.focus == 0),
        field_line("idle for (no change)", f.idle_for.clone(), p.focus == 1),
        field_line("unused by any session", toggle(f.unused), p.focus == 2),
        field_line("orphaned ephemeral", toggle(f.orphans), p.focus == 3),
        field_line("larger than", f.larger_than.clone(), p.focus == 4),
        Line::default(),
        Line::from(Span::styled(
            "durations: 30d 12h 2w · sizes: 500M 2G",
            theme::dim(),
        )),
    ];
    // The hints, one a line: the left column is narrow.
    for h in &keys.hints {
        if let Some(k) = keys.text(h.actions, "/") {
            lines.push(Line::from(Span::styled(
                format!("{k}: {}", h.label),
                theme::dim(),
            )));
        }
    }
    if state.config.read_only {
        lines.push(Line::from(Span::styled(
            "read-only mode: preview only",
            theme::warn(),
        )));
    }
    frame.render_widget(Paragraph::new(lines), left);

    let preview: Vec<Line> = match &state.workspaces.preview {
        None => vec![Line::from(Span::styled(
            "Set a criterion to see what it selects.",
            theme::dim(),
        ))],
        Some(Err(e)) => vec![Line::from(Span::styled(e.clone(), theme::error()))],
        Some(Ok(plan)) => {
            let mut v = vec![
                Line::from(vec![
                    Span::styled(format!("{} to delete", plan.delete.len()), theme::error()),
                    Span::raw(format!(
                        ", {}{} reclaimed · {} skipped",
                        if plan.reclaim_partial {
                            "at least "
                        } else {
                            ""
                        },
                        format::bytes(plan.reclaim_bytes),
                        plan.skipped.len()
                    )),
                ]),
                Line::from(Span::styled(
                    format!(
                        "{:<26} {:>10}  {:<16} {:>5}",
                        "ID", "SIZE", "LAST ACTIVITY", "AGE"
                    ),
                    theme::header(),
                )),
            ];
            for c in &plan.delete {
                v.push(Line::from(format!(
                    "{:<26} {:>10}  {:<16} {:>5}",
                    c.id,
                    c.bytes.map(format::bytes).unwrap_or_else(|| "?".into()),
                    format::datetime(c.last_activity),
                    format::age(state.now, c.created_at)
                )));
            }
            for c in &plan.skipped {
                v.push(Line::from(Span::styled(
                    format!(
                        "{:<26} skipped: {}",
                        c.id,
                        c.skip.as_ref().map(ToString::to_string).unwrap_or_default()
                    ),
                    theme::dim(),
                )));
            }
            v
        }
    };
    frame.render_widget(Paragraph::new(preview).wrap(Wrap { trim: false }), right);
}
