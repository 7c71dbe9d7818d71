//! Dialog overlays, one file each, and their key hints. They read `State`, never change it;
//! every key they name comes from the keymap as it resolves in the dialog's contexts, so a
//! remapped key shows as it is bound.

mod confirm;
mod delete;
mod files;
mod new_workspace;
mod planner;
mod report;
mod sessions;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear};

use crate::action::Action;
use crate::app::dialog::{Dialog, DialogKind, InUseChoice};
use crate::app::keymap::Keymap;
use crate::app::screen::Layer;
use crate::app::state::State;
use crate::ui::theme;

pub fn draw(frame: &mut Frame, area: Rect, dialog: &Dialog, state: &State, keymap: &Keymap) {
    let keys = Keys::of(dialog, keymap);
    match dialog {
        Dialog::Confirm(c) => confirm::draw(frame, area, c, &keys),
        Dialog::Delete(d) => delete::draw(frame, area, d, state, &keys),
        Dialog::Planner(p) => planner::draw(frame, area, *p, state, &keys),
        Dialog::NewWorkspace(p) => new_workspace::draw(frame, area, p, &keys),
        Dialog::Report(r) => report::draw(frame, area, r, &keys),
        Dialog::NewSession(d) => sessions::draw_new_session(frame, area, d, &keys),
        Dialog::FilePrompt(p) => files::draw_prompt(frame, area, p, &keys),
        Dialog::UnsavedChanges => files::draw_unsaved(frame, area, &keys),
        Dialog::SaveConflict { message } => files::draw_conflict(frame, area, message, &keys),
    }
}

/// The status bar's hints over a dialog: the dialog's own, then the key of its help.
pub fn status_hints(dialog: &Dialog, keymap: &Keymap) -> Line<'static> {
    let mut keys = Keys::of(dialog, keymap);
    keys.hints.push(hint(&[Action::ToggleHelp], "keys"));
    let mut spans = Vec::new();
    for h in &keys.hints {
        if let Some(k) = keys.text(h.actions, "/") {
            spans.push(Span::styled(format!(" {k} "), theme::key()));
            spans.push(Span::raw(format!("{} ", h.label)));
        }
    }
    Line::from(spans)
}

/// What a group of keys does, for a hint: the keys of `actions` and what they do.
pub struct Hint {
    pub actions: &'static [Action],
    pub label: String,
}

fn hint(actions: &'static [Action], label: impl Into<String>) -> Hint {
    Hint {
        actions,
        label: label.into(),
    }
}

/// The keys a dialog answers to now and what they do: its own hint line and the status bar's.
pub fn hints(dialog: &Dialog) -> Vec<Hint> {
    const CANCEL: &[Action] = &[Action::Cancel];
    match dialog {
        Dialog::Confirm(c) => vec![
            hint(&[Action::Confirm], c.yes_label.clone()),
            hint(CANCEL, "cancel"),
        ],
        Dialog::Delete(d) if d.in_use == InUseChoice::Ask => vec![
            hint(&[Action::DestroySessions], "destroy those sessions first"),
            hint(&[Action::SkipInUse], "skip them"),
            hint(CANCEL, "cancel"),
        ],
        Dialog::Delete(d) if d.to_delete().count() == 0 => vec![hint(CANCEL, "close")],
        Dialog::Delete(_) => vec![hint(&[Action::Confirm], "delete"), hint(CANCEL, "cancel")],
        Dialog::Planner(_) => vec![
            hint(&[Action::NextField, Action::PrevField], "field"),
            hint(&[Action::ToggleField], "toggle"),
            hint(&[Action::Confirm], "delete the preview (asks again)"),
            hint(CANCEL, "close (the rule is kept)"),
        ],
        Dialog::NewWorkspace(_) => vec![hint(&[Action::Confirm], "create"), hint(CANCEL, "cancel")],
        Dialog::Report(_) => vec![hint(&[Action::Confirm, Action::Cancel], "close")],
        Dialog::NewSession(_) => vec![
            hint(&[Action::NextField], "field"),
            hint(&[Action::PrevChoice, Action::NextChoice], "choose"),
            hint(&[Action::Confirm], "create and attach"),
            hint(CANCEL, "cancel"),
        ],
        Dialog::FilePrompt(_) => vec![hint(&[Action::Confirm], "go"), hint(CANCEL, "cancel")],
        Dialog::UnsavedChanges => vec![
            hint(&[Action::Save], "save and close"),
            hint(&[Action::Discard], "discard"),
            hint(CANCEL, "keep editing"),
        ],
        Dialog::SaveConflict { .. } => vec![
            hint(&[Action::Overwrite], "overwrite with mine"),
            hint(&[Action::Reload], "reload theirs (mine is lost)"),
            hint(CANCEL, "cancel"),
        ],
    }
}

/// The keys of the dialog being drawn, as the keymap resolves them there, and its hints.
pub struct Keys<'a> {
    pub keymap: &'a Keymap,
    pub kind: DialogKind,
    pub hints: Vec<Hint>,
}

impl<'a> Keys<'a> {
    pub fn of(dialog: &Dialog, keymap: &'a Keymap) -> Self {
        Self {
            keymap,
            kind: dialog.kind(),
            hints: hints(dialog),
        }
    }

    /// Every key that means one of `actions` in this dialog, joined by `sep` ("enter/y",
    /// "enter or y"); `None` when the keymap leaves them all unbound.
    pub fn text(&self, actions: &[Action], sep: &str) -> Option<String> {
        let layer = Layer::Dialog(self.kind);
        let keys: Vec<String> = actions
            .iter()
            .flat_map(|a| self.keymap.keys_for(layer, *a))
            .map(|k| k.to_string())
            .collect();
        (!keys.is_empty()).then(|| keys.join(sep))
    }

    /// The first key that means `action` here ("enter"), or a placeholder saying it is unbound.
    pub fn first(&self, action: Action) -> String {
        self.keymap
            .key_for(Layer::Dialog(self.kind), action)
            .map_or_else(|| "(unbound)".to_owned(), |k| k.to_string())
    }

    /// The dialog's hints as "keys: what · keys: what", the keys highlighted; hints whose keys
    /// are all unbound are left out.
    pub fn line(&self) -> Line<'static> {
        let mut spans = Vec::new();
        for h in &self.hints {
            let Some(keys) = self.text(h.actions, "/") else {
                continue;
            };
            if !spans.is_empty() {
                spans.push(Span::raw(" · "));
            }
            spans.push(Span::styled(keys, theme::key()));
            spans.push(Span::raw(format!(": {}", h.label)));
        }
        Line::from(spans)
    }

    /// The same as plain text, for hints drawn in one style.
    pub fn plain(&self) -> String {
        self.hints
            .iter()
            .filter_map(|h| Some(format!("{}: {}", self.text(h.actions, "/")?, h.label)))
            .collect::<Vec<_>>()
            .join(" · ")
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
