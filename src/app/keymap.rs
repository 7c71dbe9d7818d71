//! Key lookup: `(contexts derived from the state, key) -> Msg`, from the bindings in
//! `config::keymap`. The most specific context wins; where text is taken (the filter line, a
//! dialog), unbound characters are typed text; the editor gets every unbound key. Knows no
//! state beyond the `Layer` it is given.

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::action::Action;
use crate::app::msg::Msg;
use crate::app::screen::{Layer, Unbound};
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

    /// The action bound to `key` in the first of `contexts` that binds it.
    pub fn action_for(&self, contexts: &[KeyContext], key: Key) -> Option<Action> {
        contexts
            .iter()
            .find_map(|ctx| self.index.get(&(*ctx, key)).copied())
    }

    /// What a key means in `layer`: its binding, else what that layer makes of unbound keys.
    pub fn msg_for(&self, layer: Layer, event: KeyEvent) -> Option<Msg> {
        let key = Key::from(event);
        if let Some(action) = self.action_for(layer.contexts(), key) {
            return Some(Msg::Key(action));
        }
        let plain = !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match (layer.unbound(), key.code) {
            // Ctrl-C always quits, even if a keymap forgot it and in the editor too: never
            // trap the operator (quitting asks first when edits would be lost).
            (_, KeyCode::Char('c')) if key.modifiers.contains(KeyModifiers::CONTROL) => {
                Some(Msg::Key(Action::Quit))
            }
            (Unbound::EditorKey, _) => Some(Msg::EditorKey(event)),
            (Unbound::Text, KeyCode::Char(c)) if plain => Some(Msg::Text(c)),
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

    /// The first key bound to `action` in the first of `contexts` that binds it, for hints.
    pub fn key_for(&self, contexts: &[KeyContext], action: Action) -> Option<Key> {
        contexts.iter().find_map(|ctx| {
            self.bindings
                .context(*ctx)
                .iter()
                .find(|b| b.action == action)
                .and_then(|b| b.keys.first().copied())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::dialog::DialogKind;
    use crate::app::state::Pane;

    fn keymap() -> Keymap {
        Keymap::new(Bindings::defaults())
    }

    fn press(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn normal_mode_resolves_pane_then_list_then_global() {
        let km = keymap();
        let n = Layer::Panes(Pane::Sessions);
        let w = Layer::Panes(Pane::Workspaces);
        assert_eq!(
            km.msg_for(n, press(KeyCode::Char('j'))),
            Some(Msg::Key(Action::SelectNext))
        );
        assert_eq!(
            km.msg_for(n, press(KeyCode::Down)),
            Some(Msg::Key(Action::SelectNext))
        );
        assert_eq!(
            km.msg_for(n, press(KeyCode::Char('q'))),
            Some(Msg::Key(Action::Quit))
        );
        assert_eq!(
            km.msg_for(n, press(KeyCode::Tab)),
            Some(Msg::Key(Action::FocusNext))
        );
        assert_eq!(
            km.msg_for(w, press(KeyCode::Char('2'))),
            Some(Msg::Key(Action::FocusWorkspaces))
        );
        assert_eq!(
            km.msg_for(n, press(KeyCode::Char('/'))),
            Some(Msg::Key(Action::StartFilter))
        );
        assert_eq!(
            km.msg_for(n, KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Msg::Key(Action::SelectLast))
        );
    }

    #[test]
    fn sort_keys_differ_per_pane() {
        let km = keymap();
        let q = press(KeyCode::Char('Q'));
        assert_eq!(
            km.msg_for(Layer::Panes(Pane::Workspaces), q),
            Some(Msg::Key(Action::SortByQuota))
        );
        assert_eq!(km.msg_for(Layer::Panes(Pane::Sessions), q), None);
        let s = press(KeyCode::Char('S'));
        assert_eq!(
            km.msg_for(Layer::Panes(Pane::Sessions), s),
            Some(Msg::Key(Action::SortByState))
        );
    }

    #[test]
    fn filter_mode_types_text_including_bound_letters() {
        let km = keymap();
        let f = Layer::Filter;
        assert_eq!(
            km.msg_for(f, press(KeyCode::Char('q'))),
            Some(Msg::Text('q'))
        );
        assert_eq!(
            km.msg_for(f, press(KeyCode::Char('j'))),
            Some(Msg::Text('j'))
        );
        assert_eq!(
            km.msg_for(f, press(KeyCode::Enter)),
            Some(Msg::Key(Action::FilterAccept))
        );
        assert_eq!(
            km.msg_for(f, press(KeyCode::Esc)),
            Some(Msg::Key(Action::FilterCancel))
        );
        assert_eq!(
            km.msg_for(f, press(KeyCode::Backspace)),
            Some(Msg::Key(Action::Backspace))
        );
    }

    #[test]
    fn help_mode_only_closes_and_ctrl_c_always_quits() {
        let km = keymap();
        assert_eq!(km.msg_for(Layer::Help, press(KeyCode::Char('j'))), None);
        assert_eq!(
            km.msg_for(Layer::Help, press(KeyCode::Esc)),
            Some(Msg::Key(Action::ToggleHelp))
        );
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(
            km.msg_for(Layer::Filter, ctrl_c),
            Some(Msg::Key(Action::Quit))
        );
        assert_eq!(
            km.msg_for(Layer::Help, ctrl_c),
            Some(Msg::Key(Action::Quit))
        );
    }

    #[test]
    fn ctrl_c_in_the_editor_and_its_dialogs_is_quit_not_text() {
        let km = keymap();
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for layer in [Layer::Editor, Layer::Dialog(DialogKind::UnsavedChanges)] {
            assert_eq!(
                km.msg_for(layer, ctrl_c),
                Some(Msg::Key(Action::Quit)),
                "{layer:?}"
            );
        }
    }

    #[test]
    fn text_falls_through_where_text_is_taken_and_the_editor_gets_every_unbound_key() {
        let km = keymap();
        let dialog = Layer::Dialog(DialogKind::Delete);
        assert_eq!(
            km.msg_for(dialog, press(KeyCode::Char('y'))),
            Some(Msg::Text('y'))
        );
        assert_eq!(km.msg_for(Layer::Files, press(KeyCode::Char('y'))), None);
        let ctrl_x = KeyEvent::new(KeyCode::Char('x'), KeyModifiers::CONTROL);
        assert_eq!(km.msg_for(dialog, ctrl_x), None);
        for key in [press(KeyCode::Char('x')), press(KeyCode::Enter), ctrl_x] {
            assert_eq!(km.msg_for(Layer::Editor, key), Some(Msg::EditorKey(key)));
        }
    }

    #[test]
    fn hints_find_the_first_key() {
        let km = keymap();
        let key = km
            .key_for(Layer::Panes(Pane::Sessions).contexts(), Action::StartFilter)
            .unwrap();
        assert_eq!(key.to_string(), "/");
    }
}
