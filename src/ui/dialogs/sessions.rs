//! Session dialogs: destroy (saying what goes and what stays), start-then-attach, new session.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::dialog::{DestroySession, NewSession, StorageChoice};
use crate::domain::shell::ShellTarget;
use crate::ui::theme;

fn keys_line(parts: &[(&'static str, &'static str)]) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, (key, what)) in parts.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" · "));
        }
        spans.push(Span::styled(*key, theme::key()));
        spans.push(Span::raw(format!(": {what}")));
    }
    Line::from(spans)
}

pub fn draw_destroy(frame: &mut Frame, area: Rect, d: &DestroySession) {
    let inner = super::frame_box(frame, area, 84, 9, " Destroy session ", true);
    let mut lines = vec![Line::from(vec![
        Span::raw("Session "),
        Span::styled(d.session.clone(), theme::label()),
        Span::raw(format!(
            ": container {} is removed (running or not).",
            d.container
        )),
    ])];
    match (&d.keeps, &d.removes) {
        (Some(ws), _) => lines.push(Line::from(Span::styled(
            format!("Workspace {ws} stays: its files persist for the next session."),
            theme::good(),
        ))),
        (None, Some(v)) => lines.push(Line::from(Span::styled(
            format!("Its ephemeral storage {v} goes with it: those files are lost."),
            theme::error(),
        ))),
        (None, None) => {}
    }
    lines.push(Line::default());
    lines.push(keys_line(&[("enter/y", "destroy"), ("esc", "cancel")]));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}

pub fn draw_start_first(frame: &mut Frame, area: Rect, t: &ShellTarget) {
    let inner = super::frame_box(frame, area, 70, 6, " Session not running ", false);
    let lines = vec![
        Line::from(format!("Session {} is not running.", t.session)),
        Line::from("Start it and open a shell?"),
        keys_line(&[("enter/y", "start and attach"), ("esc", "cancel")]),
    ];
    frame.render_widget(Paragraph::new(lines), inner);
}

fn choice(label: &str, value: String, focused: bool) -> Line<'static> {
    let style = if focused {
        theme::key()
    } else {
        theme::label()
    };
    Line::from(vec![
        Span::styled(
            format!("{}{label:<11}", if focused { "▶ " } else { "  " }),
            style,
        ),
        Span::styled("◀ ", theme::dim()),
        Span::raw(value),
        Span::styled(" ▶", theme::dim()),
    ])
}

pub fn draw_new_session(frame: &mut Frame, area: Rect, d: &NewSession) {
    let inner = super::frame_box(frame, area, 84, 12, " New session ", false);
    let storage = match d.storage {
        StorageChoice::Ephemeral => "ephemeral (removed with the session)".to_owned(),
        StorageChoice::Existing => "an existing workspace".to_owned(),
        StorageChoice::New => "a new workspace".to_owned(),
    };
    let mut lines = vec![
        choice(
            "image",
            d.images.get(d.image).cloned().unwrap_or_default(),
            d.focus == 0,
        ),
        choice("storage", storage, d.focus == 1),
    ];
    match d.storage {
        StorageChoice::Existing => lines.push(choice(
            "workspace",
            d.workspaces.get(d.existing).cloned().unwrap_or_default(),
            d.focus == 2,
        )),
        StorageChoice::New => lines.push(Line::from(vec![
            Span::styled(
                format!("{}{:<11}", if d.focus == 2 { "▶ " } else { "  " }, "new id"),
                if d.focus == 2 {
                    theme::key()
                } else {
                    theme::label()
                },
            ),
            Span::raw(d.new_id.clone()),
            Span::styled(if d.focus == 2 { "█" } else { "" }, theme::dim()),
        ])),
        StorageChoice::Ephemeral => lines.push(Line::default()),
    }
    if !d.workspaces_enabled {
        lines.push(Line::from(Span::styled(
            "Workspace not enabled: sessions get ephemeral storage",
            theme::warn(),
        )));
    }
    lines.push(Line::from(Span::styled(
        "Made as sandkasten makes sessions: read-only rootfs, no capabilities, limits from the config.",
        theme::dim(),
    )));
    if let Some(e) = &d.error {
        lines.push(Line::from(Span::styled(e.clone(), theme::error())));
    }
    lines.push(keys_line(&[
        ("tab", "field"),
        ("←/→", "choose"),
        ("enter", "create and attach"),
        ("esc", "cancel"),
    ]));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}
