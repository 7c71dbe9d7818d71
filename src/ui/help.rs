//! The help overlay, generated from the keymap so that it can never disagree with it: over the
//! screen every context's keys, grouped by context; over a dialog that dialog's keys, each
//! as it resolves there (a key its own context takes is not listed again under the shared one).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::action::Action;
use crate::app::dialog::{DialogKind, Typing};
use crate::app::keymap::Keymap;
use crate::app::screen::Layer;
use crate::config::keymap::KeyContext;
use crate::ui::theme;

fn context_lines(keymap: &Keymap, context: KeyContext) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(Span::styled(context.title(), theme::header()))];
    for binding in keymap.bindings().context(context) {
        let keys: Vec<String> = binding.keys.iter().map(ToString::to_string).collect();
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<14}", keys.join(" ")), theme::key()),
            Span::raw(binding.desc.clone()),
        ]));
    }
    lines.push(Line::default());
    lines
}

/// The keys that close help, for its title ("? or esc").
fn closing_keys(keymap: &Keymap) -> String {
    let keys: Vec<String> = keymap
        .keys_for(Layer::Help, Action::ToggleHelp)
        .iter()
        .take(2)
        .map(ToString::to_string)
        .collect();
    keys.join(" or ")
}

/// `over`: the dialog help was opened over, if any.
pub fn draw(frame: &mut Frame, area: Rect, keymap: &Keymap, over: Option<DialogKind>) {
    match over {
        Some(kind) => draw_dialog(frame, area, keymap, kind),
        None => draw_all(frame, area, keymap),
    }
}

/// One dialog's keys: its own context, then what every dialog shares, each key listed where
/// it resolves.
fn draw_dialog(frame: &mut Frame, area: Rect, keymap: &Keymap, kind: DialogKind) {
    let layer = Layer::Dialog(kind);
    let contexts = layer.contexts();
    let mut lines = Vec::new();
    for (at, context) in contexts.iter().enumerate() {
        let mut bindings = Vec::new();
        for binding in keymap.bindings().context(*context) {
            let effective = keymap.keys_for(layer, binding.action);
            let keys: Vec<String> = binding
                .keys
                .iter()
                .filter(|k| {
                    effective.contains(k) && keymap.action_for(&contexts[..at], **k).is_none()
                })
                .map(ToString::to_string)
                .collect();
            if !keys.is_empty() {
                bindings.push(Line::from(vec![
                    Span::styled(format!("  {:<14}", keys.join(" ")), theme::key()),
                    Span::raw(binding.desc.clone()),
                ]));
            }
        }
        if !bindings.is_empty() {
            lines.push(Line::from(Span::styled(context.title(), theme::header())));
            lines.extend(bindings);
            lines.push(Line::default());
        }
    }
    let typed = match kind.typing() {
        Typing::Nothing => None,
        Typing::Digits => Some("Digits are typed into the count."),
        Typing::Text => Some("Other characters are typed into the field."),
    };
    match typed {
        Some(typed) => lines.push(Line::from(Span::styled(typed, theme::dim()))),
        // No blank line below the last context.
        None => _ = lines.pop(),
    }
    let popup = centered(area, 64, lines.len() as u16 + 2);
    frame.render_widget(Clear, popup);
    let block = Block::bordered()
        .title(format!(" Keys here — {} closes ", closing_keys(keymap)))
        .border_style(theme::border(true));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_all(frame: &mut Frame, area: Rect, keymap: &Keymap) {
    let lines = |contexts: &[KeyContext]| -> Vec<Line<'static>> {
        contexts
            .iter()
            .flat_map(|c| context_lines(keymap, *c))
            .collect()
    };
    let mut first = lines(&[KeyContext::Global, KeyContext::List, KeyContext::Logs]);
    first.push(Line::from(Span::styled(
        "Mouse: click selects, wheel scrolls.",
        theme::dim(),
    )));
    let second = lines(&[KeyContext::Sessions, KeyContext::Workspaces]);
    let third = lines(&[KeyContext::Files, KeyContext::Editor, KeyContext::Shell]);
    let mut fourth = lines(&[KeyContext::Filter, KeyContext::Dialog]);
    fourth.extend([
        Line::from(Span::styled("Workspace filter words", theme::header())),
        Line::from("  is:unused  is:used"),
        Line::from("  is:orphan  is:workspace"),
        Line::from("  >500M      larger than"),
        Line::from("  other      id, volume, session"),
    ]);
    let columns = [first, second, third, fourth];
    let height = columns.iter().map(Vec::len).max().unwrap_or(0) as u16 + 2;
    let popup = centered(area, 190, height);
    frame.render_widget(Clear, popup);
    let block = Block::bordered()
        .title(format!(" Keys — {} closes ", closing_keys(keymap)))
        .border_style(theme::border(true));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let areas = Layout::horizontal([Constraint::Fill(1); 4]).split(inner);
    for (column, area) in columns.into_iter().zip(areas.iter()) {
        frame.render_widget(Paragraph::new(column), *area);
    }
}

/// A rectangle of at most `width`×`height` centred in `area`.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}
