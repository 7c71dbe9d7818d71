//! The two bottom lines: the engine, the config and the modes; then the filter being typed,
//! the latest notice, or key hints taken from the keymap.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::action::Action;
use crate::app::keymap::Keymap;
use crate::app::screen::{Layer, Screen};
use crate::app::state::{EngineStatus, NoticeLevel, Pane, State};
use crate::ui::theme;

fn engine_spans(state: &State) -> Vec<Span<'static>> {
    match &state.engine {
        EngineStatus::Connected(info) => vec![
            Span::styled("● ", theme::good()),
            Span::raw(format!(
                "{} · Docker {} · API {}",
                info.endpoint, info.version, info.api_version
            )),
        ],
        EngineStatus::Connecting { endpoint } => vec![
            Span::styled("○ ", theme::warn()),
            Span::raw(format!("connecting to {endpoint}")),
        ],
        EngineStatus::Unreachable {
            endpoint,
            reason,
            retry_in_ms,
            ..
        } => {
            // With data on screen the panes do not explain the loss: the status bar must.
            let why = if state.stale {
                format!(" ({reason}); lists show the last known state")
            } else {
                String::new()
            };
            vec![
                Span::styled("✖ ", theme::error()),
                Span::styled(
                    format!(
                        "engine unreachable at {endpoint}, retrying in {:.1}s{why}",
                        *retry_in_ms as f64 / 1000.0
                    ),
                    theme::error(),
                ),
            ]
        }
    }
}

fn hints(state: &State, keymap: &Keymap) -> Line<'static> {
    let layer = state.layer();
    if let (Layer::Dialog(_), Some(dialog)) = (layer, state.dialog()) {
        return super::dialogs::status_hints(dialog, keymap);
    }
    let wanted: &[(Action, &str)] = match layer {
        Layer::Help => &[(Action::ToggleHelp, "close help")],
        Layer::Dialog(_) => &[],
        Layer::Logs => &[
            (Action::CloseLogs, "close"),
            (Action::ToggleFollow, "follow"),
            (Action::StartFilter, "search"),
            (Action::NextMatch, "next match"),
            (Action::SelectLast, "newest"),
        ],
        Layer::Filter if !matches!(state.screen, Screen::Panes) => &[
            (Action::FilterAccept, "keep"),
            (Action::FilterCancel, "cancel"),
        ],
        Layer::Files => &[
            (Action::OpenEntry, "open/edit"),
            (Action::GoUp, "up"),
            (Action::NewFile, "new file"),
            (Action::NewDirectory, "new dir"),
            (Action::Rename, "rename"),
            (Action::Delete, "delete"),
            (Action::Download, "download"),
            (Action::Upload, "upload"),
            (Action::ToggleHidden, "dot files"),
            (Action::CloseFiles, "close"),
        ],
        Layer::Editor => &[
            (Action::Save, "save"),
            (Action::CloseEditor, "close"),
            (Action::Undo, "undo"),
            (Action::Redo, "redo"),
            (Action::EditorSearch, "search"),
            (Action::EditorNextMatch, "next"),
        ],
        Layer::Filter => &[
            (Action::FilterAccept, "keep filter"),
            (Action::FilterCancel, "cancel"),
        ],
        Layer::Panes(pane) => match pane {
            Pane::Sessions => &[
                (Action::ToggleHelp, "help"),
                (Action::StartFilter, "filter"),
                (Action::Shell, "shell"),
                (Action::Logs, "logs"),
                (Action::StartStop, "start/stop"),
                (Action::Delete, "destroy"),
                (Action::NewSession, "new"),
                (Action::Quit, "quit"),
            ],
            Pane::Workspaces => &[
                (Action::ToggleHelp, "help"),
                (Action::StartFilter, "filter"),
                (Action::ToggleMark, "mark"),
                (Action::Delete, "delete"),
                (Action::OpenPlanner, "cleanup"),
                (Action::NewWorkspace, "new"),
                (Action::Shell, "shell"),
                (Action::MeasureAll, "measure all"),
                (Action::Quit, "quit"),
            ],
        },
    };
    let mut spans = Vec::new();
    for (action, text) in wanted {
        if let Some(key) = keymap.key_for(layer, *action) {
            spans.push(Span::styled(format!(" {key} "), theme::key()));
            spans.push(Span::raw(format!("{text} ")));
        }
    }
    Line::from(spans)
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, keymap: &Keymap) {
    let mut top = engine_spans(state);
    top.push(Span::styled(" │ ", theme::dim()));
    top.push(Span::raw(format!("config {}", state.config.source)));
    if !state.config.workspace_enabled {
        top.push(Span::styled(" │ ", theme::dim()));
        top.push(Span::styled(
            "workspaces disabled (workspace.enabled: false)",
            theme::warn(),
        ));
    }
    if state.config.read_only {
        top.push(Span::styled(" │ ", theme::dim()));
        top.push(Span::styled("read-only", theme::warn()));
    }
    let deleting = state.workspaces.deleting.as_ref().map(|p| {
        Line::from(Span::styled(
            format!(" Deleting… {}/{} done", p.done(), p.total()),
            theme::warn(),
        ))
    });
    // The filter line over the panes is typed here; over a view, in the view's title.
    let layer = state.layer();
    let pane_filter = layer == Layer::Filter && matches!(state.screen, Screen::Panes);
    let bottom = match &state.notice {
        _ if deleting.is_some() && state.on_panes() => deleting.unwrap_or_default(),
        _ if pane_filter => Line::from(vec![
            Span::styled(" / ", theme::key()),
            Span::raw(state.filter_of(state.focus).to_owned()),
            Span::styled("█", theme::dim()),
            Span::styled("   enter keep · esc cancel", theme::dim()),
        ]),
        Some(notice) if layer != Layer::Filter => {
            let style = match notice.level {
                NoticeLevel::Info => theme::good(),
                NoticeLevel::Error => theme::error(),
            };
            Line::from(Span::styled(format!(" {}", notice.text), style))
        }
        _ => hints(state, keymap),
    };
    frame.render_widget(Paragraph::new(vec![Line::from(top), bottom]), area);
}
