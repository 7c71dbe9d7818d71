//! The sessions pane: one row per sandkasten session container.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};

use crate::app::rows::{SessionColumn, session_workspace_label};
use crate::app::state::{Pane, State};
use crate::domain::session::{Session, SessionWorkspace};
use crate::format;
use crate::ui::table::{self, PaneHit, TableSpec, header_cell};
use crate::ui::{pane_message, theme};

const COLUMNS: [(&str, SessionColumn); 6] = [
    ("ID", SessionColumn::Id),
    ("CONTAINER", SessionColumn::Container),
    ("STATE", SessionColumn::State),
    ("IMAGE", SessionColumn::Image),
    ("AGE", SessionColumn::Age),
    ("WORKSPACE", SessionColumn::Workspace),
];

fn row<'a>(session: &'a Session, state: &State) -> Row<'a> {
    let mut id = vec![Span::raw(session.id.as_str())];
    if session.pool.is_some() {
        id.push(Span::styled(" pool", theme::pool()));
    }
    let workspace = match &session.workspace {
        SessionWorkspace::Persistent(_) => Span::raw(session_workspace_label(session)),
        SessionWorkspace::Ephemeral { .. } => Span::styled("ephemeral", theme::dim()),
    };
    Row::new(vec![
        Cell::from(Line::from(id)),
        Cell::from(session.container.as_str()),
        Cell::from(Span::styled(
            session.state.as_str(),
            theme::state(session.state),
        )),
        Cell::from(session.image.as_str()),
        Cell::from(format::age(state.now, session.created_at)),
        Cell::from(workspace),
    ])
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State) -> PaneHit {
    let list = &state.sessions.list;
    let focused = state.focus == Pane::Sessions;
    let sort = list.sort();
    let header = Row::new(
        COLUMNS
            .map(|(name, col)| header_cell(name, (sort.column == col).then_some(sort.descending))),
    );
    let mut title = vec![Span::raw(format!(" 1 Sessions ({}", list.len()))];
    if list.len() != list.rows().len() {
        title.push(Span::raw(format!(" of {}", list.rows().len())));
    }
    title.push(Span::raw(") "));
    if !list.filter().is_empty() {
        title.push(Span::styled(format!("/{} ", list.filter()), theme::warn()));
    }
    if state.stale {
        title.push(Span::styled("stale ", theme::error()));
    }
    let message = pane_message::message(
        state,
        list.len(),
        list.filter(),
        "No sandkasten sessions on this engine.",
    );
    table::draw(
        frame,
        area,
        TableSpec {
            pane: Pane::Sessions,
            title: Line::from(title),
            summary: None,
            focused,
            header,
            widths: vec![
                // " pool" marks pool containers in the id column.
                Constraint::Length(
                    table::fit("ID", list.visible().map(|s| s.id.as_str()), 40)
                        + u16::from(list.visible().any(|s| s.pool.is_some())) * 5,
                ),
                Constraint::Length(table::fit(
                    "CONTAINER",
                    list.visible().map(|s| s.container.as_str()),
                    48,
                )),
                Constraint::Length(10),
                // The image is the least needed here (it is in the detail pane): it gets the rest.
                Constraint::Fill(1),
                Constraint::Length(6),
                Constraint::Length(table::fit(
                    "WORKSPACE",
                    list.visible().map(session_workspace_label),
                    40,
                )),
            ],
            items: list.len(),
            selected_item: list.selected_index(),
            offset_hint: list.offset,
            item: |position| {
                let session = list.visible_at(position);
                (
                    session.map(|s| row(s, state)).unwrap_or_default(),
                    Some(position),
                )
            },
            message,
        },
    )
}
