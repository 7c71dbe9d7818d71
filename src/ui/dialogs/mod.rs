//! Dialog overlays, one file each. They read `State`, never change it.

mod delete;
mod files;
mod new_workspace;
mod planner;
mod report;
mod sessions;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Clear};

use crate::app::dialog::Dialog;
use crate::app::state::State;
use crate::ui::theme;

pub fn draw(frame: &mut Frame, area: Rect, dialog: &Dialog, state: &State) {
    match dialog {
        Dialog::Delete(d) => delete::draw(frame, area, d, state),
        Dialog::Planner(p) => planner::draw(frame, area, *p, state),
        Dialog::NewWorkspace(p) => new_workspace::draw(frame, area, p),
        Dialog::Report(r) => report::draw(frame, area, r),
        Dialog::DestroySession(d) => sessions::draw_destroy(frame, area, d),
        Dialog::StartFirst(t) => sessions::draw_start_first(frame, area, t),
        Dialog::NewSession(d) => sessions::draw_new_session(frame, area, d),
        Dialog::FilePrompt(p) => files::draw_prompt(frame, area, p),
        Dialog::RemovePath(r) => files::draw_remove(frame, area, r),
        Dialog::UnsavedChanges => files::draw_unsaved(frame, area),
        Dialog::SaveConflict { message } => files::draw_conflict(frame, area, message),
    }
}

/// Clears and frames a centred box of at most `width`×`height`; returns its inside.
fn frame_box(
    frame: &mut Frame,
    area: Rect,
    width: u16,
    height: u16,
    title: &str,
    danger: bool,
) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    let popup = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    };
    frame.render_widget(Clear, popup);
    let style = if danger {
        theme::error()
    } else {
        theme::border(true)
    };
    let block = Block::bordered()
        .title(title.to_owned())
        .border_style(style);
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    inner
}
