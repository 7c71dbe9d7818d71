//! Colours and styles in one place, so panes agree and a theme can replace them later.

use ratatui::style::{Color, Modifier, Style};

use crate::domain::session::SessionState;

pub fn border(focused: bool) -> Style {
    if focused {
        Style::new().fg(Color::Cyan)
    } else {
        Style::new().fg(Color::DarkGray)
    }
}

pub fn title(focused: bool) -> Style {
    let s = Style::new().add_modifier(Modifier::BOLD);
    if focused { s.fg(Color::Cyan) } else { s }
}

pub fn header() -> Style {
    Style::new().add_modifier(Modifier::BOLD).fg(Color::Yellow)
}

pub fn selected(focused: bool) -> Style {
    if focused {
        Style::new().add_modifier(Modifier::REVERSED)
    } else {
        Style::new().add_modifier(Modifier::BOLD)
    }
}

pub fn marked() -> Style {
    Style::new().fg(Color::Cyan)
}

pub fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

pub fn label() -> Style {
    Style::new().fg(Color::Gray).add_modifier(Modifier::BOLD)
}

pub fn good() -> Style {
    Style::new().fg(Color::Green)
}

pub fn warn() -> Style {
    Style::new().fg(Color::Yellow)
}

pub fn error() -> Style {
    Style::new().fg(Color::Red)
}

pub fn pool() -> Style {
    Style::new().fg(Color::Magenta)
}

pub fn key() -> Style {
    Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
}

pub fn state(state: SessionState) -> Style {
    match state {
        SessionState::Running => good(),
        SessionState::Created => warn(),
        SessionState::Paused | SessionState::Restarting => Style::new().fg(Color::Blue),
        SessionState::Dead | SessionState::Removing => error(),
        SessionState::Exited | SessionState::Unknown => dim(),
    }
}
