//! The filter line: typing into the list the screen shows (the focused pane's filter, the
//! logs search, the browser's name filter), then keeping or cancelling it. Only reached while
//! the filter line is the top overlay; it never opens anything.

use super::panes::set_focused_filter;
use crate::action::Action;
use crate::app::msg::{Command, Msg};
use crate::app::screen::{Overlay, Screen};
use crate::app::state::State;

/// One edit of the line.
enum Edit {
    Type(char),
    Erase,
    Keep,
    Cancel,
}

pub fn on_input(state: &mut State, msg: Msg) -> Vec<Command> {
    let edit = match msg {
        Msg::Text(c) => Edit::Type(c),
        Msg::Key(Action::Backspace) => Edit::Erase,
        Msg::Key(Action::FilterAccept) => Edit::Keep,
        Msg::Key(Action::FilterCancel) => Edit::Cancel,
        // The panes stay clickable while their filter is typed.
        Msg::Mouse(_) if matches!(state.screen, Screen::Panes) => {
            return super::panes::on_input(state, msg);
        }
        _ => return Vec::new(),
    };
    if matches!(edit, Edit::Keep | Edit::Cancel) {
        state.overlays.close(&Overlay::Filter);
    }
    match &mut state.screen {
        Screen::Panes => {
            let mut text = state.filter_of(state.focus).to_owned();
            match edit {
                Edit::Type(c) => text.push(c),
                Edit::Erase => {
                    text.pop();
                }
                Edit::Keep => return Vec::new(),
                Edit::Cancel => text.clear(),
            }
            set_focused_filter(state, text);
            Vec::new()
        }
        Screen::Logs(logs) => {
            match edit {
                Edit::Type(c) => logs.search.push(c),
                Edit::Erase => {
                    logs.search.pop();
                }
                Edit::Keep => {
                    logs.next_match();
                }
                Edit::Cancel => logs.search.clear(),
            }
            Vec::new()
        }
        Screen::Files(files) => {
            let browser = &mut files.browser;
            match edit {
                Edit::Type(c) => {
                    browser.filter.push(c);
                    browser.selected = 0;
                }
                Edit::Erase => {
                    browser.filter.pop();
                    browser.clamp();
                }
                Edit::Keep => {}
                Edit::Cancel => {
                    browser.filter.clear();
                    browser.clamp();
                }
            }
            // The selection may now be another entry: its preview, not the last one's.
            super::files::preview_if_needed(state)
        }
    }
}
