//! The editor: keys into the textarea, search, saving (atomic, conflict-checked), closing
//! and reloading. Opened over the browser when a file's content arrives; it lives in the
//! files screen, so it never outlives the browser.

use ratatui_textarea::TextArea;

use super::{next_req, notice, refuse_if_read_only};
use crate::action::Action;
use crate::app::dialog::Dialog;
use crate::app::files::{EDITOR_LIMIT, EditorView, display_name, split_text};
use crate::app::msg::Command;
use crate::app::msg::Msg::{self, EditorKey, Key};
use crate::app::state::{NoticeLevel, State};
use crate::domain::files::FsPath;
use crate::workspace_fs::task::FsCmd;

/// Keys in the editor (it is open: the files screen holds it).
pub fn on_input(state: &mut State, msg: Msg) -> Vec<Command> {
    let read_only = state.config.read_only;
    let Some(editor) = state.editor_mut() else {
        return Vec::new();
    };
    if let (Some(search), EditorKey(key)) = (editor.search.as_mut(), &msg) {
        use crossterm::event::KeyCode;
        match key.code {
            KeyCode::Char(c) => search.push(c),
            KeyCode::Backspace => {
                search.pop();
            }
            KeyCode::Enter => {
                let pattern = regex_escape(search);
                editor.search = None;
                if editor.textarea.set_search_pattern(pattern).is_ok()
                    && !editor.textarea.search_forward(true)
                {
                    notice(state, NoticeLevel::Error, "Not found");
                }
            }
            _ => {}
        }
        return Vec::new();
    }
    let action = match msg {
        EditorKey(key) => {
            editor.dirty |= editor.textarea.input(key);
            return Vec::new();
        }
        Key(action) => action,
        _ => return Vec::new(),
    };
    match action {
        Action::Undo => editor.dirty |= editor.textarea.undo(),
        Action::Redo => editor.dirty |= editor.textarea.redo(),
        Action::EditorSearch => editor.search = Some(String::new()),
        Action::EditorNextMatch => {
            editor.textarea.search_forward(false);
        }
        Action::Save if read_only => {
            notice(
                state,
                NoticeLevel::Error,
                "Read-only mode: saving is turned off",
            );
        }
        Action::Save => return save(state, true),
        Action::CloseEditor if editor.search.is_some() => editor.search = None,
        Action::CloseEditor if editor.dirty => state.open_dialog(Dialog::UnsavedChanges),
        Action::CloseEditor => return close(state),
        _ => {}
    }
    Vec::new()
}

/// The search is plain text; the widget takes a regex.
fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if "\\.+*?()|[]{}^$#&-~".contains(c) {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect()
}

/// Writes the buffer back; `checked` sends the version read, so a change made meanwhile by
/// someone else is a conflict instead of being overwritten.
pub fn save(state: &mut State, checked: bool) -> Vec<Command> {
    if refuse_if_read_only(state, "saving") {
        if let Some(editor) = state.editor_mut() {
            editor.close_after_save = false;
        }
        return Vec::new();
    }
    let req = next_req(state);
    let Some(editor) = state.editor_mut() else {
        return Vec::new();
    };
    editor.saving = Some(req);
    editor.sent = editor.bytes();
    vec![Command::Fs(FsCmd::Save {
        req,
        path: editor.path.clone(),
        data: editor.sent.clone(),
        expected: checked.then_some(editor.version),
    })]
}

pub fn close(state: &mut State) -> Vec<Command> {
    if let Some(files) = state.files_screen_mut() {
        files.editor = None;
        // The file may have been saved: its preview is read again with the listing.
        files.browser.preview = crate::app::files::Preview::Nothing;
    }
    // The listing shows sizes and times: they may have changed.
    super::files::list(state)
}

pub fn reload(state: &mut State) -> Vec<Command> {
    let Some(editor) = state.files_screen_mut().and_then(|f| f.editor.take()) else {
        return Vec::new();
    };
    let req = next_req(state);
    if let Some(files) = state.files_mut() {
        files.loading = Some(req);
    }
    vec![Command::Fs(FsCmd::Load {
        req,
        path: editor.path,
        limit: EDITOR_LIMIT,
    })]
}

/// The browser's file arrived: the editor opens over it (never without it).
pub fn open(state: &mut State, path: FsPath, data: crate::domain::files::FileData) {
    let Some(files) = state.files_screen_mut() else {
        return;
    };
    match split_text(&data.data) {
        Ok((lines, ending, final_newline)) => {
            let mut textarea = TextArea::new(lines);
            textarea.set_line_number_style(crate::ui::theme::dim());
            files.editor = Some(EditorView {
                path,
                textarea,
                ending,
                final_newline,
                version: data.version,
                dirty: false,
                saving: None,
                sent: Vec::new(),
                close_after_save: false,
                search: None,
            });
        }
        Err(reason) => {
            notice(
                state,
                NoticeLevel::Error,
                format!("{}: {reason}", display_name(path.as_bytes())),
            );
        }
    }
}
