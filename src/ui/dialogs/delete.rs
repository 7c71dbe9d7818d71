//! The delete dialog: every workspace that goes with its size and the total; workspaces in use
//! name their sessions and ask whether to destroy those first or skip them; many, or destroying
//! sessions, ask for the count to be typed. Marked-by-hand items say how old their size is.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::Keys;
use crate::action::Action;
use crate::app::dialog::{DeleteDialog, InUseChoice};
use crate::app::state::State;
use crate::domain::workspace::WorkspaceKind;
use crate::format;
use crate::ui::theme;

fn item_line<'a>(
    d: &'a DeleteDialog,
    item: &'a crate::app::dialog::DeleteItem,
    now: jiff::Timestamp,
) -> Line<'a> {
    let goes = d.will_delete(item);
    let size = item
        .bytes
        .map(format::bytes)
        .unwrap_or_else(|| "size ?".into());
    // Marked by hand, nothing is re-checked before removal: the operator sees how old the
    // figure is (a rule's picks are measured again right before their removal instead).
    let figure_age = match (&d.rule, item.measured_at) {
        (None, Some(at)) => format!("  size measured {} ago", format::age(now, Some(at))),
        (None, None) => "  never measured".to_owned(),
        (Some(_), _) => String::new(),
    };
    let kind = match item.kind {
        WorkspaceKind::Persistent => "workspace",
        WorkspaceKind::OrphanEphemeral => "orphan",
    };
    let mut spans = vec![
        Span::styled(
            if goes { "  ✖ " } else { "  · " },
            if goes { theme::error() } else { theme::dim() },
        ),
        Span::raw(format!("{:<28} {:>10}  {kind}", item.id, size)),
        Span::styled(figure_age, theme::dim()),
    ];
    if !item.others.is_empty() {
        spans.push(Span::styled(
            format!(
                "  used by non-sandkasten {}: never touched",
                item.others.join(", ")
            ),
            theme::warn(),
        ));
    } else if !item.sessions.is_empty() {
        let names: Vec<&str> = item.sessions.iter().map(|(s, _)| s.as_str()).collect();
        let what = match d.in_use {
            InUseChoice::DestroySessions => "session(s) destroyed first",
            InUseChoice::Skip => "in use: skipped",
            InUseChoice::Ask => "in use by session(s)",
        };
        spans.push(Span::styled(
            format!("  {what}: {}", names.join(", ")),
            theme::warn(),
        ));
    }
    Line::from(spans)
}

/// What the dialog asks now, with its keys as the keymap binds them.
fn question(d: &DeleteDialog, count: usize, keys: &Keys) -> Line<'static> {
    let key = |actions: &[Action], sep: &str| {
        Span::styled(
            keys.text(actions, sep)
                .unwrap_or_else(|| "(unbound)".to_owned()),
            theme::key(),
        )
    };
    match d.in_use {
        InUseChoice::Ask => Line::from(vec![
            Span::raw("Some are in use. "),
            key(&[Action::DestroySessions], "/"),
            Span::raw(
                ": destroy those sessions first (persistent workspaces of other sessions stay) · ",
            ),
            key(&[Action::SkipInUse], "/"),
            Span::raw(": skip them · "),
            key(&[Action::Cancel], "/"),
            Span::raw(": cancel"),
        ]),
        _ if count == 0 => Line::from(vec![
            Span::raw("Nothing can be deleted. "),
            key(&[Action::Cancel], "/"),
            Span::raw(": close"),
        ]),
        _ if d.needs_typed_count() => Line::from(vec![
            Span::raw(format!(
                "Type {count} and press {} to delete: ",
                keys.first(Action::Confirm)
            )),
            Span::styled(format!("{}█", d.typed), theme::key()),
            Span::styled(
                format!("   {} cancels", keys.first(Action::Cancel)),
                theme::dim(),
            ),
        ]),
        _ => Line::from(vec![
            key(&[Action::Confirm], " or "),
            Span::raw(": delete · "),
            key(&[Action::Cancel], "/"),
            Span::raw(": cancel"),
        ]),
    }
}

pub fn draw(frame: &mut Frame, area: Rect, d: &DeleteDialog, state: &State, keys: &Keys) {
    let count = d.to_delete().count();
    let height = (d.items.len() as u16 + 10)
        .min(area.height.saturating_sub(2))
        .max(10);
    let inner = super::frame_box(
        frame,
        area,
        110,
        height,
        " Delete workspaces — files go for good ",
        true,
    );
    let [list_area, footer] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(6)]).areas(inner);
    let lines: Vec<Line> = d.items.iter().map(|i| item_line(d, i, state.now)).collect();
    // Long lists scroll so that the footer (the question) always shows.
    let overflow = lines.len().saturating_sub(usize::from(list_area.height));
    let shown: Vec<Line> = if overflow > 0 {
        let mut v: Vec<Line> = lines
            .into_iter()
            .take(usize::from(list_area.height) - 1)
            .collect();
        v.push(Line::from(Span::styled(
            format!("  … and {} more", overflow + 1),
            theme::dim(),
        )));
        v
    } else {
        lines
    };
    frame.render_widget(Paragraph::new(shown), list_area);

    let (bytes, partial) = d.total_bytes();
    let sessions = d.sessions_to_destroy().len();
    let mut footer_lines = vec![Line::from(vec![
        Span::styled(format!("{count} volume(s) will be deleted"), theme::error()),
        Span::raw(format!(
            ", {}{} returned",
            if partial { "at least " } else { "" },
            format::bytes(bytes)
        )),
        Span::raw(if sessions > 0 {
            format!("; {sessions} session(s) destroyed first")
        } else {
            String::new()
        }),
    ])];
    footer_lines.push(question(d, count, keys));
    if d.rule.is_some() {
        footer_lines.push(Line::from(Span::styled(
            "Picked by the rule: each is measured again right before removal and kept if it changed.",
            theme::dim(),
        )));
    }
    if state.config.read_only {
        footer_lines.push(Line::from(Span::styled("read-only mode", theme::warn())));
    }
    frame.render_widget(
        Paragraph::new(footer_lines).wrap(Wrap { trim: true }),
        footer,
    );
}
