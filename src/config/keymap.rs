//! Key bindings: the defaults embedded from `assets/keymap.yaml`, parsed into typed bindings.
//! Lookup lives in `app::keymap`; this file only reads and validates.

use std::fmt;
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use thiserror::Error;

use crate::action::Action;

pub const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.yaml");

/// Where a binding applies. Each dialog kind has its own context, consulted before the
/// `dialog` context every dialog shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyContext {
    Global,
    List,
    Sessions,
    Workspaces,
    Filter,
    Help,
    /// Every dialog, after its own context.
    Dialog,
    /// A yes/no question (destroy a session, delete a file, start a session first).
    Confirm,
    /// Deleting workspaces, with the in-use choice and the typed count.
    Delete,
    Planner,
    NewSession,
    NewWorkspace,
    /// A name or host path for a file operation.
    FilePrompt,
    /// What a deletion did.
    Report,
    UnsavedChanges,
    SaveConflict,
    Logs,
    Files,
    Editor,
    Shell,
}

impl KeyContext {
    pub const ALL: [KeyContext; 20] = [
        Self::Logs,
        Self::Files,
        Self::Editor,
        Self::Shell,
        Self::Sessions,
        Self::Workspaces,
        Self::List,
        Self::Global,
        Self::Filter,
        Self::Help,
        Self::Dialog,
        Self::Confirm,
        Self::Delete,
        Self::Planner,
        Self::NewSession,
        Self::NewWorkspace,
        Self::FilePrompt,
        Self::Report,
        Self::UnsavedChanges,
        Self::SaveConflict,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Self::Global => "Everywhere",
            Self::List => "Lists",
            Self::Sessions => "Sessions pane",
            Self::Workspaces => "Workspaces pane",
            Self::Filter => "While filtering",
            Self::Help => "Help",
            Self::Dialog => "In every dialog",
            Self::Confirm => "Yes / no questions",
            Self::Delete => "Deleting workspaces",
            Self::Planner => "Cleanup planner",
            Self::NewSession => "New session",
            Self::NewWorkspace => "New workspace",
            Self::FilePrompt => "Name or host path",
            Self::Report => "Deletion report",
            Self::UnsavedChanges => "Unsaved changes",
            Self::SaveConflict => "Changed on disk",
            Self::Logs => "Logs view",
            Self::Files => "File browser",
            Self::Editor => "Editor",
            Self::Shell => "In a shell",
        }
    }
}

/// A key with its modifiers, normalised so that `G` and shift-`g` are the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    /// The byte a terminal sends for this key in raw mode, for keys the shell bridge watches
    /// (ctrl-letter and ctrl-punctuation like ctrl-]).
    pub fn control_byte(&self) -> Option<u8> {
        match self.code {
            KeyCode::Char(c) if self.modifiers.contains(KeyModifiers::CONTROL) && c.is_ascii() => {
                let b = c.to_ascii_uppercase() as u8;
                (0x40..0x60).contains(&b).then_some(b & 0x1f)
            }
            _ => None,
        }
    }

    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> Self {
        // Shift is already in the character itself ('G', '?'); terminals disagree on reporting it.
        let modifiers = match code {
            KeyCode::Char(_) | KeyCode::BackTab => modifiers - KeyModifiers::SHIFT,
            _ => modifiers,
        };
        Self { code, modifiers }
    }
}

impl From<KeyEvent> for Key {
    fn from(ev: KeyEvent) -> Self {
        Self::new(ev.code, ev.modifiers)
    }
}

#[derive(Debug, Error, PartialEq)]
#[error("unknown key {0:?}")]
pub struct KeyParseError(String);

impl FromStr for Key {
    type Err = KeyParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || KeyParseError(s.to_owned());
        let (modifiers, name) = if let Some(rest) = s.strip_prefix("ctrl-") {
            (KeyModifiers::CONTROL, rest)
        } else if let Some(rest) = s.strip_prefix("alt-") {
            (KeyModifiers::ALT, rest)
        } else {
            (KeyModifiers::NONE, s)
        };
        let code = match name {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "backspace" => KeyCode::Backspace,
            "delete" => KeyCode::Delete,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "space" => KeyCode::Char(' '),
            f if f.len() > 1 && f.starts_with('f') => KeyCode::F(
                f[1..]
                    .parse()
                    .ok()
                    .filter(|n| (1..=12).contains(n))
                    .ok_or_else(err)?,
            ),
            c => {
                let mut chars = c.chars();
                match (chars.next(), chars.next()) {
                    (Some(ch), None) => KeyCode::Char(ch),
                    _ => return Err(err()),
                }
            }
        };
        Ok(Key::new(code, modifiers))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            write!(f, "ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            write!(f, "alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => write!(f, "space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => write!(f, "enter"),
            KeyCode::Esc => write!(f, "esc"),
            KeyCode::Tab => write!(f, "tab"),
            KeyCode::BackTab => write!(f, "shift-tab"),
            KeyCode::Backspace => write!(f, "backspace"),
            KeyCode::Delete => write!(f, "delete"),
            KeyCode::Up => write!(f, "↑"),
            KeyCode::Down => write!(f, "↓"),
            KeyCode::Left => write!(f, "←"),
            KeyCode::Right => write!(f, "→"),
            KeyCode::Home => write!(f, "home"),
            KeyCode::End => write!(f, "end"),
            KeyCode::PageUp => write!(f, "pgup"),
            KeyCode::PageDown => write!(f, "pgdn"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// One line of the keymap file.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub keys: Vec<Key>,
    pub action: Action,
    pub desc: String,
}

#[derive(Deserialize)]
struct RawBinding {
    keys: Vec<String>,
    action: Action,
    desc: String,
}

/// Every context's bindings, in file order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bindings {
    pub contexts: Vec<(KeyContext, Vec<Binding>)>,
}

#[derive(Debug, Error)]
pub enum KeymapError {
    #[error("keymap: {0}")]
    Yaml(#[from] serde_yaml_ng::Error),
    #[error("keymap, context {context:?}: {source}")]
    Key {
        context: KeyContext,
        source: KeyParseError,
    },
}

impl Bindings {
    pub fn parse(text: &str) -> Result<Self, KeymapError> {
        let raw: indexmap_free::OrderedContexts = serde_yaml_ng::from_str(text)?;
        let mut contexts = Vec::new();
        for (context, raw_bindings) in raw.0 {
            let mut bindings = Vec::new();
            for rb in raw_bindings {
                let keys = rb
                    .keys
                    .iter()
                    .map(|k| k.parse())
                    .collect::<Result<Vec<Key>, _>>()
                    .map_err(|source| KeymapError::Key { context, source })?;
                bindings.push(Binding {
                    keys,
                    action: rb.action,
                    desc: rb.desc,
                });
            }
            contexts.push((context, bindings));
        }
        Ok(Self { contexts })
    }

    /// The embedded defaults. They are tested, so failing here is a build defect.
    pub fn defaults() -> Self {
        Self::parse(DEFAULT_KEYMAP).unwrap_or_default()
    }

    pub fn context(&self, context: KeyContext) -> &[Binding] {
        self.contexts
            .iter()
            .find(|(c, _)| *c == context)
            .map(|(_, b)| b.as_slice())
            .unwrap_or(&[])
    }
}

/// A YAML mapping read in file order without pulling in an ordered-map crate.
mod indexmap_free {
    use super::{KeyContext, RawBinding};
    use serde::de::{Deserializer, MapAccess, Visitor};

    pub struct OrderedContexts(pub Vec<(KeyContext, Vec<RawBinding>)>);

    impl<'de> serde::Deserialize<'de> for OrderedContexts {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = OrderedContexts;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("a map of context name to a list of bindings")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                    let mut out = Vec::new();
                    while let Some((k, v)) = map.next_entry()? {
                        out.push((k, v));
                    }
                    Ok(OrderedContexts(out))
                }
            }
            d.deserialize_map(V)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_keymap_parses_with_every_context() {
        let b = Bindings::parse(DEFAULT_KEYMAP).unwrap();
        for ctx in KeyContext::ALL {
            assert!(!b.context(ctx).is_empty(), "{ctx:?} has no bindings");
        }
    }

    #[test]
    fn key_names_round_trip() {
        for (text, code, mods) in [
            ("q", KeyCode::Char('q'), KeyModifiers::NONE),
            ("G", KeyCode::Char('G'), KeyModifiers::NONE),
            ("ctrl-c", KeyCode::Char('c'), KeyModifiers::CONTROL),
            ("pagedown", KeyCode::PageDown, KeyModifiers::NONE),
            ("f5", KeyCode::F(5), KeyModifiers::NONE),
            ("space", KeyCode::Char(' '), KeyModifiers::NONE),
        ] {
            assert_eq!(text.parse::<Key>(), Ok(Key::new(code, mods)), "{text}");
        }
        assert!("ctrl-".parse::<Key>().is_err());
        assert!("f13".parse::<Key>().is_err());
        assert!("bogus".parse::<Key>().is_err());
    }

    #[test]
    fn shift_is_folded_into_characters() {
        let ev = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Key::from(ev), "G".parse().unwrap());
    }

    #[test]
    fn unknown_actions_and_keys_are_errors() {
        assert!(Bindings::parse("global:\n  - {keys: [q], action: explode, desc: x}\n").is_err());
        let err =
            Bindings::parse("global:\n  - {keys: [qq], action: quit, desc: x}\n").unwrap_err();
        assert!(err.to_string().contains("qq"), "{err}");
    }
}
