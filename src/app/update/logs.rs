//! Keys in the logs view: scrolling, following, searching.

use crate::app::action::{Action, Command};
use crate::app::state::{Mode, State};

pub fn on_action(state: &mut State, action: Action) -> Vec<Command> {
    if action == Action::CloseLogs {
        return super::sessions::close_logs(state);
    }
    let searching = state.mode == Mode::LogsSearch;
    let Some(logs) = state.logs.as_mut() else {
        state.mode = Mode::Normal;
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
            state.mode = Mode::LogsSearch;
        }
        Action::Input(c) if searching => logs.search.push(c),
        Action::Backspace if searching => {
            logs.search.pop();
        }
        Action::FilterAccept if searching => {
            logs.next_match();
            state.mode = Mode::Logs;
        }
        Action::FilterCancel if searching => {
            logs.search.clear();
            state.mode = Mode::Logs;
        }
        _ => {}
    }
    Vec::new()
}
