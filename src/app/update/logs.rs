//! Keys in the logs view: scrolling, following, opening the search line (typing into it is
//! `filter`'s), closing. Only reached while the logs view has the keys.

use crate::action::Action;
use crate::app::msg::{Command, Msg};
use crate::app::state::State;

pub fn on_input(state: &mut State, msg: Msg) -> Vec<Command> {
    let Msg::Key(action) = msg else {
        return Vec::new();
    };
    if action == Action::CloseLogs {
        return super::sessions::close_logs(state);
    }
    let Some(logs) = state.logs_mut() else {
        return Vec::new();
    };
    let page = logs.page.max(1) as isize;
    match action {
        Action::SelectNext => logs.scroll(1),
        Action::SelectPrev => logs.scroll(-1),
        Action::PageDown => logs.scroll(page),
        Action::PageUp => logs.scroll(-page),
        Action::SelectFirst => logs.to_start(),
        Action::SelectLast => logs.to_end(),
        Action::ToggleFollow => logs.follow = !logs.follow,
        Action::NextMatch => {
            logs.next_match();
        }
        Action::StartFilter => {
            logs.search.clear();
            state.overlays.open_filter();
        }
        _ => {}
    }
    Vec::new()
}
