//! Key lookup: `(contexts derived from the state, key) -> Msg`, from the bindings in
//! `config::keymap`. The most specific context wins; a dialog's text field takes its
//! characters before any binding; where text is taken (the filter line, a dialog with a field),
//! unbound characters are typed text; the editor gets every unbound key. The reverse lookup
//! (which keys mean an action, as resolved) feeds the hints and the help. Knows no state beyond
//! the `Layer` it is given.

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
        Some(match self.resolve(layer, Key::from(event))? {
            Resolved::Key(action) => Msg::Key(action),
            Resolved::Text(c) => Msg::Text(c),
            Resolved::EditorKey => Msg::EditorKey(event),
        })
    }

    fn resolve(&self, layer: Layer, key: Key) -> Option<Resolved> {
        let plain = !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        // A dialog's text field is typed into first: no binding takes a letter from a name.
        if let KeyCode::Char(c) = key.code
            && plain
            && layer.types(c)
        {
            return Some(Resolved::Text(c));
        }
        if let Some(action) = self.action_for(layer.contexts(), key) {
            return Some(Resolved::Key(action));
        }
        match (layer.unbound(), key.code) {
            // Ctrl-C always quits, even if a keymap forgot it and in the editor too: never
            // trap the operator (quitting asks first when edits would be lost).
            (_, KeyCode::Char('c')) if key.modifiers.contains(KeyModifiers::CONTROL) => {
                Some(Resolved::Key(Action::Quit))
            }
            (Unbound::EditorKey, _) => Some(Resolved::EditorKey),
            (Unbound::Text, KeyCode::Char(c)) if plain => Some(Resolved::Text(c)),
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

    /// Every key that means `action` in `layer` as keys are resolved there (bound to it, not
    /// shadowed by a more specific context, not taken by a text field), most specific context
    /// first and in the file's order: what hints and help show.
    pub fn keys_for(&self, layer: Layer, action: Action) -> Vec<Key> {
        let mut keys: Vec<Key> = Vec::new();
        for context in layer.contexts() {
            for binding in self.bindings.context(*context) {
                if binding.action != action {
                    continue;
                }
                for key in &binding.keys {
                    let means = self.resolve(layer, *key) == Some(Resolved::Key(action));
                    if means && !keys.contains(key) {
                        keys.push(*key);
                    }
                }
            }
        }
        keys
    }

    /// The first key that means `action` in `layer`, for short hints.
    pub fn key_for(&self, layer: Layer, action: Action) -> Option<Key> {
        self.keys_for(layer, action).into_iter().next()
    }
}

/// What a key resolved to, before it becomes a `Msg` (the editor gets the event itself).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Resolved {
    Key(Action),
    Text(char),
    EditorKey,
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
        let dialog = Layer::Dialog(DialogKind::FilePrompt);
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
    fn every_dialog_binding_is_reached_and_no_text_field_loses_a_character() {
        let km = keymap();
        for kind in DialogKind::ALL {
            let layer = Layer::Dialog(kind);
            let own = layer.contexts()[0];
            for b in km.bindings().context(own) {
                for key in &b.keys {
                    let event = KeyEvent::new(key.code, key.modifiers);
                    assert_eq!(
                        km.msg_for(layer, event),
                        Some(Msg::Key(b.action)),
                        "{kind:?}: {key} never means {:?}",
                        b.action
                    );
                }
            }
            for context in layer.contexts() {
                for key in km.bindings().context(*context).iter().flat_map(|b| &b.keys) {
                    if let (KeyCode::Char(c), KeyModifiers::NONE) = (key.code, key.modifiers) {
                        assert!(
                            !layer.types(c),
                            "{kind:?} types {c:?}: {context:?} binds it"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn keys_for_lists_what_resolves_most_specific_first() {
        let km = keymap();
        let names = |layer, action| -> Vec<String> {
            km.keys_for(layer, action)
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        let confirm = Layer::Dialog(DialogKind::Confirm);
        assert_eq!(names(confirm, Action::Confirm), ["enter", "y"]);
        // esc is the question's own and the shared one: listed once.
        assert_eq!(names(confirm, Action::Cancel), ["esc", "n"]);
        let report = Layer::Dialog(DialogKind::Report);
        assert_eq!(names(report, Action::Cancel), ["enter", "esc"]);
        assert!(names(report, Action::Confirm).is_empty());
        // A prompt types space; the planner binds it.
        let prompt = Layer::Dialog(DialogKind::NewWorkspace);
        assert!(names(prompt, Action::ToggleField).is_empty());
        let planner = Layer::Dialog(DialogKind::Planner);
        assert_eq!(names(planner, Action::ToggleField), ["space"]);
    }

    #[test]
    fn hints_find_the_first_key() {
        let km = keymap();
        let key = km
            .key_for(Layer::Panes(Pane::Sessions), Action::StartFilter)
            .unwrap();
        assert_eq!(key.to_string(), "/");
    }
}
