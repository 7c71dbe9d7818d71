//! What is on screen and what is over it: the `Screen` (the panes, a session's logs, or a
//! workspace's files with an optional editor) and the overlay stack (help, the filter line,
//! dialogs). What has the keys is derived from them (`State::layer`, after yazi's
//! `Core::layer`), never stored, so "an editor without a browser" or "filtering with no list"
//! cannot be written down. Data and lookups only: changing them is `update`'s.

use crate::app::dialog::{Dialog, DialogKind, Typing};
use crate::app::files::{EditorView, FilesView};
use crate::app::logs::LogsView;
use crate::app::state::{Pane, State};
use crate::config::keymap::KeyContext;

/// The full-screen view under any overlay.
#[derive(Debug, Clone, Default)]
pub enum Screen {
    /// The sessions and workspaces panes (with the detail pane when there is room).
    #[default]
    Panes,
    Logs(LogsView),
    Files(Box<FilesScreen>),
}

/// The file browser, and the editor open on one of its files.
#[derive(Debug, Clone)]
pub struct FilesScreen {
    pub browser: FilesView,
    pub editor: Option<EditorView>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help,
    /// The filter line, typing into the screen's list: the focused pane's filter, the logs
    /// search, or the browser's name filter.
    Filter,
    Dialog(Dialog),
}

/// The overlays over the screen, bottom first. The filter line opens only over the screen
/// itself, help over the screen or over the top dialog; dialogs stack over anything, and
/// closing the top one shows the one under it.
#[derive(Debug, Clone, Default)]
pub struct Overlays(Vec<Overlay>);

impl Overlays {
    pub fn top(&self) -> Option<&Overlay> {
        self.0.last()
    }

    /// Bottom first, the order they are drawn in.
    pub fn iter(&self) -> impl Iterator<Item = &Overlay> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The top overlay, when it is a dialog: the one that has the keys.
    pub fn dialog(&self) -> Option<&Dialog> {
        match self.top() {
            Some(Overlay::Dialog(d)) => Some(d),
            _ => None,
        }
    }

    /// Every dialog open, bottom first.
    pub fn dialogs(&self) -> impl Iterator<Item = &Dialog> {
        self.0.iter().filter_map(|o| match o {
            Overlay::Dialog(d) => Some(d),
            _ => None,
        })
    }

    /// Help over the screen (every context's keys), or over the top dialog (that dialog's);
    /// nothing happens over help or the filter line.
    pub fn open_help(&mut self) {
        if matches!(self.top(), None | Some(Overlay::Dialog(_))) {
            self.0.push(Overlay::Help);
        }
    }

    /// The filter line over the screen; nothing happens when anything is open already.
    pub fn open_filter(&mut self) {
        if self.0.is_empty() {
            self.0.push(Overlay::Filter);
        }
    }

    /// A dialog on top of whatever is open: a report arriving over another dialog stacks.
    pub fn push_dialog(&mut self, dialog: Dialog) {
        self.0.push(Overlay::Dialog(dialog));
    }

    /// Closes the top overlay when it is `overlay` (help or the filter line).
    pub fn close(&mut self, overlay: &Overlay) {
        if self.top() == Some(overlay) {
            self.0.pop();
        }
    }

    /// Takes the top dialog out to act on it, with its place for [`Self::put_back`].
    pub fn take_dialog(&mut self) -> Option<(usize, Dialog)> {
        match self.0.pop() {
            Some(Overlay::Dialog(d)) => Some((self.0.len(), d)),
            Some(other) => {
                self.0.push(other);
                None
            }
            None => None,
        }
    }

    /// Returns a dialog taken out to its place: anything opened meanwhile stays above it.
    pub fn put_back(&mut self, at: usize, dialog: Dialog) {
        let at = at.min(self.0.len());
        self.0.insert(at, Overlay::Dialog(dialog));
    }

    /// Brings the topmost dialog that `wanted` picks to the top; false when none is open.
    pub fn raise(&mut self, wanted: impl Fn(&Dialog) -> bool) -> bool {
        let found = self
            .0
            .iter()
            .rposition(|o| matches!(o, Overlay::Dialog(d) if wanted(d)));
        if let Some(at) = found {
            let overlay = self.0.remove(at);
            self.0.push(overlay);
        }
        found.is_some()
    }
}

/// What has the keys: the top overlay, else the screen, else the focused pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    Help,
    Filter,
    Dialog(DialogKind),
    Editor,
    Files,
    Logs,
    Panes(Pane),
}

/// What a key with no binding in a layer's contexts becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unbound {
    Ignored,
    /// A printable character is typed text (a filter, a dialog's field).
    Text,
    /// Every key goes to the editor widget, printable or not.
    EditorKey,
}

impl Layer {
    /// The keymap contexts consulted, most specific first.
    pub fn contexts(self) -> &'static [KeyContext] {
        match self {
            Self::Help => &[KeyContext::Help],
            Self::Filter => &[KeyContext::Filter],
            Self::Dialog(kind) => dialog_contexts(kind),
            Self::Editor => &[KeyContext::Editor],
            Self::Files => &[KeyContext::Files],
            Self::Logs => &[KeyContext::Logs],
            Self::Panes(Pane::Sessions) => {
                &[KeyContext::Sessions, KeyContext::List, KeyContext::Global]
            }
            Self::Panes(Pane::Workspaces) => {
                &[KeyContext::Workspaces, KeyContext::List, KeyContext::Global]
            }
        }
    }

    pub fn unbound(self) -> Unbound {
        match self {
            Self::Filter => Unbound::Text,
            Self::Dialog(kind) if kind.typing() != Typing::Nothing => Unbound::Text,
            Self::Editor => Unbound::EditorKey,
            Self::Dialog(_) | Self::Help | Self::Files | Self::Logs | Self::Panes(_) => {
                Unbound::Ignored
            }
        }
    }

    /// Whether `c`, typed with no modifier, is text for the field whatever the keymap binds:
    /// a dialog's text field never loses a letter to a binding.
    pub fn types(self, c: char) -> bool {
        match self {
            Self::Dialog(kind) => kind.typing().takes(c),
            _ => false,
        }
    }
}

/// A dialog's own context first, then what every dialog shares.
fn dialog_contexts(kind: DialogKind) -> &'static [KeyContext] {
    match kind {
        DialogKind::Confirm => &[KeyContext::Confirm, KeyContext::Dialog],
        DialogKind::Delete => &[KeyContext::Delete, KeyContext::Dialog],
        DialogKind::Planner => &[KeyContext::Planner, KeyContext::Dialog],
        DialogKind::NewWorkspace => &[KeyContext::NewWorkspace, KeyContext::Dialog],
        DialogKind::Report => &[KeyContext::Report, KeyContext::Dialog],
        DialogKind::NewSession => &[KeyContext::NewSession, KeyContext::Dialog],
        DialogKind::FilePrompt => &[KeyContext::FilePrompt, KeyContext::Dialog],
        DialogKind::UnsavedChanges => &[KeyContext::UnsavedChanges, KeyContext::Dialog],
        DialogKind::SaveConflict => &[KeyContext::SaveConflict, KeyContext::Dialog],
    }
}

impl State {
    pub fn layer(&self) -> Layer {
        match self.overlays.top() {
            Some(Overlay::Help) => Layer::Help,
            Some(Overlay::Filter) => Layer::Filter,
            Some(Overlay::Dialog(d)) => Layer::Dialog(d.kind()),
            None => match &self.screen {
                Screen::Panes => Layer::Panes(self.focus),
                Screen::Logs(_) => Layer::Logs,
                Screen::Files(files) if files.editor.is_some() => Layer::Editor,
                Screen::Files(_) => Layer::Files,
            },
        }
    }

    pub fn key_contexts(&self) -> &'static [KeyContext] {
        self.layer().contexts()
    }

    /// Whether the panes have the keys: no view, no overlay.
    pub fn on_panes(&self) -> bool {
        matches!(self.screen, Screen::Panes) && self.overlays.is_empty()
    }

    pub fn logs(&self) -> Option<&LogsView> {
        match &self.screen {
            Screen::Logs(logs) => Some(logs),
            _ => None,
        }
    }

    pub fn logs_mut(&mut self) -> Option<&mut LogsView> {
        match &mut self.screen {
            Screen::Logs(logs) => Some(logs),
            _ => None,
        }
    }

    pub fn files_screen(&self) -> Option<&FilesScreen> {
        match &self.screen {
            Screen::Files(files) => Some(files),
            _ => None,
        }
    }

    pub fn files_screen_mut(&mut self) -> Option<&mut FilesScreen> {
        match &mut self.screen {
            Screen::Files(files) => Some(files),
            _ => None,
        }
    }

    pub fn files(&self) -> Option<&FilesView> {
        self.files_screen().map(|f| &f.browser)
    }

    pub fn files_mut(&mut self) -> Option<&mut FilesView> {
        self.files_screen_mut().map(|f| &mut f.browser)
    }

    pub fn editor(&self) -> Option<&EditorView> {
        self.files_screen().and_then(|f| f.editor.as_ref())
    }

    pub fn editor_mut(&mut self) -> Option<&mut EditorView> {
        self.files_screen_mut().and_then(|f| f.editor.as_mut())
    }

    /// The dialog that has the keys, if one has.
    pub fn dialog(&self) -> Option<&Dialog> {
        self.overlays.dialog()
    }

    pub fn open_dialog(&mut self, dialog: Dialog) {
        self.overlays.push_dialog(dialog);
    }
}
