//! The workspaces pane: persistent workspace volumes, then orphaned ephemeral volumes as a
//! group of their own under a separator line; sizes, activity and quota use; marks; and a
//! summary line with totals, measuring progress and what the planner's rule would reclaim.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};

use crate::app::rows::WorkspaceColumn;
use crate::app::state::{Pane, State};
use crate::app::workspace_row::WorkspaceRow;
use crate::format;
use crate::ui::table::{self, PaneHit, TableSpec, header_cell};
use crate::ui::{pane_message, theme};

const COLUMNS: [(&str, Option<WorkspaceColumn>); 10] = [
    (" ", None),
    ("ID", Some(WorkspaceColumn::Id)),
    ("VOLUME", Some(WorkspaceColumn::Volume)),
    ("SIZE", Some(WorkspaceColumn::Size)),
    ("FILES", None),
    ("IDLE", Some(WorkspaceColumn::Modified)),
    ("CREATED", None),
    ("AGE", Some(WorkspaceColumn::Age)),
    ("QUOTA", Some(WorkspaceColumn::Quota)),
    ("USED BY", Some(WorkspaceColumn::Users)),
];

fn used_by(row: &WorkspaceRow) -> Span<'_> {
    let ws = &row.ws;
    let mut text = ws.used_by.join(", ");
    if !ws.other_users.is_empty() {
        if !text.is_empty() {
            text.push_str(", ");
        }
        text.push_str(&format!("+{} other", ws.other_users.len()));
    }
    if text.is_empty() {
        Span::styled("unused", theme::dim())
    } else {
        Span::raw(text)
    }
}

fn size_cell(row: &WorkspaceRow) -> Span<'static> {
    match (row.measurement, row.measuring, &row.size_error) {
        (Some(m), false, _) => Span::raw(format::bytes(m.bytes)),
        // The old figure, dimmed, while a new one is computed.
        (Some(m), true, _) => Span::styled(format::bytes(m.bytes), theme::dim()),
        (None, true, _) => Span::styled("…", theme::dim()),
        (None, false, Some(_)) => Span::styled("?", theme::error()),
        (None, false, None) => Span::styled("-", theme::dim()),
    }
}

/// `▓▓▓░░░ 52%` of the quota, or the quota alone before the size is known.
fn quota_cell(row: &WorkspaceRow) -> Span<'static> {
    let Some(quota) = row.ws.quota_bytes.filter(|q| *q > 0) else {
        return Span::styled("-", theme::dim());
    };
    let Some(used) = row.bytes() else {
        return Span::raw(format::bytes(quota));
    };
    let ratio = used as f64 / quota as f64;
    let filled = ((ratio * 6.0).round() as usize).min(6);
    let text = format!(
        "{}{} {:>3.0}%",
        "▓".repeat(filled),
        "░".repeat(6 - filled),
        ratio * 100.0
    );
    let style = if ratio >= 0.9 {
        theme::error()
    } else if ratio >= 0.7 {
        theme::warn()
    } else {
        theme::good()
    };
    Span::styled(text, style)
}

fn row<'a>(r: &'a WorkspaceRow, state: &State) -> Row<'a> {
    let ws = &r.ws;
    let marked = state.workspaces.marked.contains(&ws.volume);
    let id = if ws.is_orphan() {
        Span::styled(ws.id.as_str(), theme::warn())
    } else {
        Span::raw(ws.id.as_str())
    };
    let files = r
        .measurement
        .and_then(|m| m.files)
        .map(|f| f.to_string())
        .unwrap_or_else(|| "-".into());
    let idle = if r.measurement.is_some() {
        format::age(state.now, r.last_activity())
    } else {
        "-".into()
    };
    let created = format::datetime(ws.created_at);
    let row = Row::new(vec![
        Cell::from(if marked {
            Span::styled("●", theme::key())
        } else {
            Span::raw(" ")
        }),
        Cell::from(id),
        Cell::from(ws.volume.as_str()),
        Cell::from(size_cell(r)),
        Cell::from(files),
        Cell::from(idle),
        Cell::from(created.get(..10).unwrap_or(&created).to_owned()),
        Cell::from(format::age(state.now, ws.created_at)),
        Cell::from(quota_cell(r)),
        Cell::from(used_by(r)),
    ]);
    if marked {
        row.style(theme::marked())
    } else {
        row
    }
}

/// Totals, measuring progress, the strategy, the planner's reclaimable bytes, marks.
fn summary(state: &State) -> Line<'static> {
    let pane = &state.workspaces;
    let rows = pane.list.rows();
    let (bytes, files, measured) = rows
        .iter()
        .filter_map(|r| r.measurement)
        .fold((0u64, 0u64, 0usize), |(b, f, n), m| {
            (b + m.bytes, f + m.files.unwrap_or(0), n + 1)
        });
    let mut spans = vec![Span::raw(format!(
        " {} in {} volumes",
        format::bytes(bytes),
        rows.len()
    ))];
    if files > 0 {
        spans.push(Span::raw(format!(", {files} files")));
    }
    let measuring = pane.measuring();
    if measuring > 0 {
        let round = pane.measure_round.max(measuring);
        spans.push(Span::styled(
            format!(" · measuring {}/{round}", round - measuring),
            theme::warn(),
        ));
    } else if measured < rows.len() && state.loaded {
        spans.push(Span::styled(
            format!(" · {} not measured", rows.len() - measured),
            theme::dim(),
        ));
    }
    if let Some(strategy) = &pane.strategy {
        spans.push(Span::styled(
            format!(" · {}", strategy.short()),
            theme::dim(),
        ));
    }
    if let Some(oldest) = rows
        .iter()
        .filter_map(|r| r.measurement.map(|m| m.measured_at))
        .min()
    {
        spans.push(Span::styled(
            format!(" · measured {} ago", format::age(state.now, Some(oldest))),
            theme::dim(),
        ));
    }
    if let Some(Ok(plan)) = &pane.preview {
        spans.push(Span::styled(
            format!(
                " · rule “{}” reclaims {}{} ({})",
                plan.rule,
                if plan.reclaim_partial { "≥" } else { "" },
                format::bytes(plan.reclaim_bytes),
                plan.delete.len()
            ),
            theme::key(),
        ));
    }
    if !pane.marked.is_empty() {
        let marked_bytes: u64 = rows
            .iter()
            .filter(|r| pane.marked.contains(&r.ws.volume))
            .filter_map(WorkspaceRow::bytes)
            .sum();
        spans.push(Span::styled(
            format!(
                " · {} marked ({})",
                pane.marked.len(),
                format::bytes(marked_bytes)
            ),
            theme::key(),
        ));
    }
    spans.push(Span::raw(" "));
    Line::from(spans)
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State) -> PaneHit {
    let list = &state.workspaces.list;
    let focused = state.focus == Pane::Workspaces;
    let sort = list.sort();
    let header = Row::new(COLUMNS.map(|(name, col)| {
        header_cell(
            name,
            col.filter(|c| *c == sort.column).map(|_| sort.descending),
        )
    }));
    // Orphans sort last (their group); the separator goes in front of the first one.
    let orphans = list.visible().filter(|r| r.ws.is_orphan()).count();
    let first_orphan = (orphans > 0).then(|| list.len() - orphans);
    let items = list.len() + usize::from(orphans > 0);
    let to_item = |position: usize| match first_orphan {
        Some(first) if position >= first => position + 1,
        _ => position,
    };
    let persistent = list.rows().iter().filter(|r| !r.ws.is_orphan()).count();
    let mut title = vec![Span::raw(format!(" 2 Workspaces ({persistent}"))];
    let all_orphans = list.rows().len() - persistent;
    if all_orphans > 0 {
        title.push(Span::styled(
            format!(" + {all_orphans} orphaned"),
            theme::warn(),
        ));
    }
    title.push(Span::raw(") "));
    if !list.filter().is_empty() {
        title.push(Span::styled(
            format!("/{} ({} shown) ", list.filter(), list.len()),
            theme::warn(),
        ));
    }
    if !state.config.workspace_enabled {
        title.push(Span::styled(
            "workspaces disabled in config ",
            theme::warn(),
        ));
    }
    if state.stale {
        title.push(Span::styled("stale ", theme::error()));
    }
    let message = pane_message::message(
        state,
        list.len(),
        list.filter(),
        "No workspace volumes (sandkasten-ws-*) on this engine.",
    );
    let fit = |name: &str, cells: &mut dyn Iterator<Item = &str>, cap| {
        Constraint::Length(table::fit(name, cells, cap))
    };
    let hit = table::draw(
        frame,
        area,
        TableSpec {
            pane: Pane::Workspaces,
            title: Line::from(title),
            summary: state.loaded.then(|| summary(state)),
            focused,
            header,
            widths: vec![
                Constraint::Length(1),
                fit("ID", &mut list.visible().map(|r| r.ws.id.as_str()), 40),
                // The volume name is `sandkasten-ws-` + id: it gets what is left over.
                Constraint::Fill(1),
                Constraint::Length(10),
                Constraint::Length(7),
                Constraint::Length(6),
                Constraint::Length(10),
                Constraint::Length(6),
                Constraint::Length(11),
                fit(
                    "USED BY",
                    &mut list
                        .visible()
                        .map(|r| r.ws.used_by.first().map_or("unused", String::as_str)),
                    30,
                ),
            ],
            items,
            selected_item: list.selected_index().map(to_item),
            offset_hint: list.offset,
            item: |item| match first_orphan {
                // Drawn across the full width below; a table cell would cut it.
                Some(first) if item == first => (Row::default().height(1), None),
                Some(first) if item > first => {
                    let position = item - 1;
                    let row = list
                        .visible_at(position)
                        .map(|r| row(r, state))
                        .unwrap_or_default();
                    (row, Some(position))
                }
                _ => {
                    let row = list
                        .visible_at(item)
                        .map(|r| row(r, state))
                        .unwrap_or_default();
                    (row, Some(item))
                }
            },
            message,
        },
    );
    if let Some(line) = hit.rows.iter().position(Option::is_none) {
        let area = Rect {
            y: hit.body.y + line as u16,
            height: 1,
            ..hit.body
        };
        let text = format!("── orphaned ephemeral volumes ({orphans}): their sessions are gone ──");
        frame.render_widget(Span::styled(text, theme::warn()), area);
    }
    hit
}
