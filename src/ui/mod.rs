//! Rendering: `render(&State)` draws a frame and returns where panes landed (for the mouse).
//! Pure: no IO, no awaiting, no state changes. One file per pane or overlay.

mod detail;
mod dialogs;
mod editor;
mod files;
mod help;
mod logs;
mod pane_message;
mod sessions;
mod status_bar;
mod table;
pub mod theme;
mod workspaces;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::keymap::Keymap;
use crate::app::screen::{Overlay, Screen};
use crate::app::state::{Pane, State};
pub use table::PaneHit;

/// Below this the layout cannot show a table row; say so instead of drawing garbage.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 12;
/// The detail pane appears from this width on.
const DETAIL_MIN_WIDTH: u16 = 110;
const DETAIL_WIDTH: u16 = 48;

/// Where things were drawn in the last frame.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HitMap {
    pub panes: Vec<PaneHit>,
    /// Rows the logs view had for lines, when it is open.
    pub logs_page: Option<usize>,
    /// Rows the file browser had for entries, when it is open.
    pub files_page: Option<usize>,
    /// The terminal was too small: the frame said so and showed nothing else (no pane, no
    /// dialog).
    pub too_small: bool,
}

impl HitMap {
    /// The pane under the pointer and the visible row there, if any.
    pub fn locate(&self, column: u16, row: u16) -> Option<(Pane, Option<usize>)> {
        let hit = self.panes.iter().find(|p| {
            let a = p.area;
            column >= a.x && column < a.x + a.width && row >= a.y && row < a.y + a.height
        })?;
        Some((hit.pane, hit.row_at(column, row)))
    }

    /// Rows the pane's body had room for.
    pub fn page_size(&self, pane: Pane) -> Option<usize> {
        self.panes
            .iter()
            .find(|p| p.pane == pane)
            .map(|p| usize::from(p.body.height))
    }
}

pub fn render(frame: &mut Frame, state: &State, keymap: &Keymap) -> HitMap {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        draw_too_small(frame, area);
        return HitMap {
            too_small: true,
            ..HitMap::default()
        };
    }
    let [main, status] = Layout::vertical([Constraint::Min(0), Constraint::Length(2)]).areas(area);
    let (lists, detail) = if area.width >= DETAIL_MIN_WIDTH {
        // The lists need the room; the detail pane wraps its long values.
        let [lists, detail] =
            Layout::horizontal([Constraint::Fill(1), Constraint::Length(DETAIL_WIDTH)]).areas(main);
        (lists, Some(detail))
    } else {
        (main, None)
    };
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(lists);
    let panes = vec![
        sessions::draw(frame, top, state),
        workspaces::draw(frame, bottom, state),
    ];
    if let Some(detail) = detail {
        detail::draw(frame, detail, state);
    }
    status_bar::draw(frame, status, state, keymap);
    // A full-screen view covers the panes; the overlays go over it, bottom first (a dialog
    // stacked over another covers it).
    let mut logs_page = None;
    let mut files_page = None;
    match &state.screen {
        Screen::Panes => {}
        Screen::Logs(logs) => logs_page = Some(logs::draw(frame, main, logs, state)),
        Screen::Files(files) => {
            files_page = Some(files::draw(frame, main, &files.browser, state));
            if let Some(editor) = &files.editor {
                editor::draw(frame, main, editor, state);
            }
        }
    }
    // Help opened over a dialog lists that dialog's keys.
    let mut under_help = None;
    for overlay in state.overlays.iter() {
        match overlay {
            Overlay::Help => help::draw(frame, area, keymap, under_help),
            Overlay::Dialog(dialog) => {
                dialogs::draw(frame, main, dialog, state, keymap);
                under_help = Some(dialog.kind());
            }
            // The filter line shows in the status bar or the view's title.
            Overlay::Filter => {}
        }
    }
    HitMap {
        panes,
        logs_page,
        files_page,
        too_small: false,
    }
}

fn draw_too_small(frame: &mut Frame, area: Rect) {
    let text = vec![
        Line::from(format!(
            "Terminal too small: {}×{}.",
            area.width, area.height
        )),
        Line::from(format!(
            "sandkasten-tui needs at least {MIN_WIDTH}×{MIN_HEIGHT}."
        )),
        Line::from("Enlarge the window, or press q to quit."),
    ];
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "render_tests_files.rs"]
mod tests_files;

#[cfg(test)]
#[path = "render_tests_dialogs.rs"]
mod tests_dialogs;
