//! Key lookup: `(mode, focused pane, key) -> Action`, from the bindings in `config::keymap`.
//! The most specific context wins; while filtering, unbound characters are typed text.

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::action::Action;
use crate::app::msg::Msg;
use crate::app::state::{Mode, Pane};
use crate::config::keymap::{Bindings, Key, KeyContext};

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Bindings,
    index: HashMap<(KeyContext, Key), Action>,
}

impl Keymap {
    pub fn new(bindings: Bindings) -> Self {
        let mut index = HashMap::new();
        for (context, list) in &bindings.contexts {
            for binding in list {
                for key in &binding.keys {
                    // First binding of a key in a context wins, as it reads in the file.
                    index.entry((*context, *key)).or_insert(binding.action);
                }
            }
        }
        Self { bindings, index }
    }

    pub fn bindings(&self) -> &Bindings {
        &self.bindings
    }

    /// The contexts consulted, most specific first.
    fn contexts(mode: Mode, focus: Pane) -> &'static [KeyContext] {
        match (mode, focus) {
            (Mode::Help, _) => &[KeyContext::Help],
            (Mode::Filter, _) => &[KeyContext::Filter],
            (Mode::Dialog, _) => &[KeyContext::Dialog],
            (Mode::Logs, _) => &[KeyContext::Logs],
            (Mode::LogsSearch | Mode::FilesFilter, _) => &[KeyContext::Filter],
            (Mode::Files, _) => &[KeyContext::Files],
            (Mode::Editor, _) => &[KeyContext::Editor],
            (Mode::Normal, Pane::Sessions) => {
                &[KeyContext::Sessions, KeyContext::List, KeyContext::Global]
            }
            (Mode::Normal, Pane::Workspaces) => {
                &[KeyContext::Workspaces, KeyContext::List, KeyContext::Global]
            }
        }
    }

    pub fn msg_for(&self, mode: Mode, focus: Pane, event: KeyEvent) -> Option<Msg> {
        let key = Key::from(event);
        let bound = Self::contexts(mode, focus)
            .iter()
            .find_map(|ctx| self.index.get(&(*ctx, key)).copied());
        if let Some(action) = bound {
            return Some(Msg::Key(action));
        }
        match (mode, key.code) {
            // Ctrl-C always quits, even if a keymap forgot it and in the editor too: never
            // trap the operator (quitting asks first when edits would be lost).
            (_, KeyCode::Char('c')) if key.modifiers.contains(KeyModifiers::CONTROL) => {
                Some(Msg::Key(Action::Quit))
            }
            // The editor gets every key it has no binding for, printable or not.
            (Mode::Editor, _) => Some(Msg::EditorKey(event)),
            (
                Mode::Filter | Mode::Dialog | Mode::LogsSearch | Mode::FilesFilter,
                KeyCode::Char(c),
            ) if !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                Some(Msg::Text(c))
            }
            _ => None,
        }
    }

    /// The detach key of the shell bridge: its byte and its name (default ctrl-], 0x1d).
    pub fn detach_key(&self) -> (u8, String) {
        self.bindings
            .context(KeyContext::Shell)
            .iter()
            .find(|b| b.action == Action::Detach)
            .and_then(|b| {
                b.keys
                    .iter()
                    .find_map(|k| k.control_byte().map(|c| (c, k.to_string())))
            })
            .unwrap_or((0x1d, "ctrl-]".to_owned()))
    }

    /// The first key bound to `action` in the contexts active for `mode`/`focus`, for hints.
    pub fn key_for(&self, mode: Mode, focus: Pane, action: &Action) -> Option<Key> {
        Self::contexts(mode, focus).iter().find_map(|ctx| {
            self.bindings
                .context(*ctx)
                .iter()
                .find(|b| &b.action == action)
                .and_then(|b| b.keys.first().copied())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keymap() -> Keymap {
        Keymap::new(Bindings::defaults())
    }

    fn press(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn normal_mode_resolves_pane_then_list_then_global() {
        let km = keymap();
        let n = Mode::Normal;
        assert_eq!(
            km.msg_for(n, Pane::Sessions, press(KeyCode::Char('j'))),
            Some(Msg::Key(Action::SelectNext))
        );
        assert_eq!(
            km.msg_for(n, Pane::Sessions, press(KeyCode::Down)),
            Some(Msg::Key(Action::SelectNext))
        );
        assert_eq!(
            km.msg_for(n, Pane::Sessions, press(KeyCode::Char('q'))),
            Some(Msg::Key(Action::Quit))
        );
        assert_eq!(
            km.msg_for(n, Pane::Sessions, press(KeyCode::Tab)),
            Some(Msg::Key(Action::FocusNext))
        );
        assert_eq!(
            km.msg_for(n, Pane::Workspaces, press(KeyCode::Char('2'))),
            Some(Msg::Key(Action::FocusWorkspaces))
        );
        assert_eq!(
            km.msg_for(n, Pane::Sessions, press(KeyCode::Char('/'))),
            Some(Msg::Key(Action::StartFilter))
        );
        assert_eq!(
            km.msg_for(
                n,
                Pane::Sessions,
                KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT)
            ),
            Some(Msg::Key(Action::SelectLast))
        );
    }

    #[test]
    fn sort_keys_differ_per_pane() {
        let km = keymap();
        let q = press(KeyCode::Char('Q'));
        assert_eq!(
            km.msg_for(Mode::Normal, Pane::Workspaces, q),
            Some(Msg::Key(Action::SortByQuota))
        );
        assert_eq!(km.msg_for(Mode::Normal, Pane::Sessions, q), None);
        let s = press(KeyCode::Char('S'));
        assert_eq!(
            km.msg_for(Mode::Normal, Pane::Sessions, s),
            Some(Msg::Key(Action::SortByState))
        );
    }

    #[test]
    fn filter_mode_types_text_including_bound_letters() {
        let km = keymap();
        let f = Mode::Filter;
        assert_eq!(
            km.msg_for(f, Pane::Sessions, press(KeyCode::Char('q'))),
            Some(Msg::Text('q'))
        );
        assert_eq!(
            km.msg_for(f, Pane::Sessions, press(KeyCode::Char('j'))),
            Some(Msg::Text('j'))
        );
        assert_eq!(
            km.msg_for(f, Pane::Sessions, press(KeyCode::Enter)),
            Some(Msg::Key(Action::FilterAccept))
        );
        assert_eq!(
            km.msg_for(f, Pane::Sessions, press(KeyCode::Esc)),
            Some(Msg::Key(Action::FilterCancel))
        );
        assert_eq!(
            km.msg_for(f, Pane::Sessions, press(KeyCode::Backspace)),
            Some(Msg::Key(Action::Backspace))
        );
    }

    #[test]
    fn help_mode_only_closes_and_ctrl_c_always_quits() {
        let km = keymap();
        assert_eq!(
            km.msg_for(Mode::Help, Pane::Sessions, press(KeyCode::Char('j'))),
            None
        );
        assert_eq!(
            km.msg_for(Mode::Help, Pane::Sessions, press(KeyCode::Esc)),
            Some(Msg::Key(Action::ToggleHelp))
        );
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(
            km.msg_for(Mode::Filter, Pane::Sessions, ctrl_c),
            Some(Msg::Key(Action::Quit))
        );
        assert_eq!(
            km.msg_for(Mode::Help, Pane::Sessions, ctrl_c),
            Some(Msg::Key(Action::Quit))
        );
    }

    #[test]
    fn ctrl_c_in_the_editor_and_its_dialogs_is_quit_not_text() {
        let km = keymap();
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for mode in [Mode::Editor, Mode::Dialog] {
            assert_eq!(
                km.msg_for(mode, Pane::Sessions, ctrl_c),
                Some(Msg::Key(Action::Quit)),
                "{mode:?}"
            );
        }
    }

    #[test]
    fn hints_find_the_first_key() {
        let km = keymap();
        let key = km
            .key_for(Mode::Normal, Pane::Sessions, &Action::StartFilter)
            .unwrap();
        assert_eq!(key.to_string(), "/");
    }
}
