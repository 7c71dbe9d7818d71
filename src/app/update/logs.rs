//! Keys in the logs view: scrolling, following, searching.

use crate::action::Action;
use crate::app::msg::Command;
use crate::app::msg::Msg::{self, Key, Text};
use crate::app::state::{Mode, State};

pub fn on_action(state: &mut State, msg: Msg) -> Vec<Command> {
    if msg == Key(Action::CloseLogs) {
        return super::sessions::close_logs(state);
    }
    let searching = state.mode == Mode::LogsSearch;
    let Some(logs) = state.logs.as_mut() else {
        state.mode = Mode::Normal;
        return Vec::new();
    };
    let page = logs.page.max(1) as isize;
    match msg {
        Key(Action::SelectNext) => logs.scroll(1),
        Key(Action::SelectPrev) => logs.scroll(-1),
        Key(Action::PageDown) => logs.scroll(page),
        Key(Action::PageUp) => logs.scroll(-page),
        Key(Action::SelectFirst) => logs.to_start(),
        Key(Action::SelectLast) => logs.to_end(),
        Key(Action::ToggleFollow) => logs.follow = !logs.follow,
        Key(Action::NextMatch) => {
            logs.next_match();
        }
        Key(Action::StartFilter) => {
            logs.search.clear();
            state.mode = Mode::LogsSearch;
        }
        Text(c) if searching => logs.search.push(c),
        Key(Action::Backspace) if searching => {
            logs.search.pop();
        }
        Key(Action::FilterAccept) if searching => {
            logs.next_match();
            state.mode = Mode::Logs;
        }
        Key(Action::FilterCancel) if searching => {
            logs.search.clear();
            state.mode = Mode::Logs;
        }
        _ => {}
    }
    Vec::new()
}
