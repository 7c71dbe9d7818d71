//! The workspaces pane: persistent workspace volumes, then orphaned ephemeral volumes as a
//! group of their own under a separator line.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};

use crate::app::rows::WorkspaceColumn;
use crate::app::state::{Pane, State};
use crate::docker::Workspace;
use crate::format;
use crate::ui::table::{self, PaneHit, TableSpec, header_cell};
use crate::ui::{pane_message, theme};

const COLUMNS: [(&str, Option<WorkspaceColumn>); 6] = [
    ("ID", Some(WorkspaceColumn::Id)),
    ("VOLUME", Some(WorkspaceColumn::Volume)),
    ("CREATED", None),
    ("AGE", Some(WorkspaceColumn::Age)),
    ("QUOTA", Some(WorkspaceColumn::Quota)),
    ("USED BY", Some(WorkspaceColumn::Users)),
];

fn used_by(workspace: &Workspace) -> Span<'_> {
    let mut text = workspace.used_by.join(", ");
    if !workspace.other_users.is_empty() {
        if !text.is_empty() {
            text.push_str(", ");
        }
        text.push_str(&format!("+{} other", workspace.other_users.len()));
    }
    if text.is_empty() {
        Span::styled("unused", theme::dim())
    } else {
        Span::raw(text)
    }
}

fn row<'a>(workspace: &'a Workspace, state: &State) -> Row<'a> {
    let id = if workspace.is_orphan() {
        Span::styled(workspace.id.as_str(), theme::warn())
    } else {
        Span::raw(workspace.id.as_str())
    };
    Row::new(vec![
        Cell::from(id),
        Cell::from(workspace.volume.as_str()),
        Cell::from(format::datetime(workspace.created_at)),
        Cell::from(format::age(state.now, workspace.created_at)),
        Cell::from(
            workspace
                .quota_bytes
                .map(format::bytes)
                .unwrap_or_else(|| "-".into()),
        ),
        Cell::from(used_by(workspace)),
    ])
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
    let orphans = list.visible().filter(|w| w.is_orphan()).count();
    let first_orphan = (orphans > 0).then(|| list.len() - orphans);
    let items = list.len() + usize::from(orphans > 0);
    let to_item = |position: usize| match first_orphan {
        Some(first) if position >= first => position + 1,
        _ => position,
    };
    let persistent = list.rows().iter().filter(|w| !w.is_orphan()).count();
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
    let hit = table::draw(
        frame,
        area,
        TableSpec {
            pane: Pane::Workspaces,
            title: Line::from(title),
            focused,
            header,
            widths: vec![
                Constraint::Length(table::fit("ID", list.visible().map(|w| w.id.as_str()), 40)),
                Constraint::Length(table::fit(
                    "VOLUME",
                    list.visible().map(|w| w.volume.as_str()),
                    54,
                )),
                Constraint::Length(16),
                Constraint::Length(6),
                Constraint::Length(10),
                Constraint::Fill(1),
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
                        .map(|w| row(w, state))
                        .unwrap_or_default();
                    (row, Some(position))
                }
                _ => {
                    let row = list
                        .visible_at(item)
                        .map(|w| row(w, state))
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
