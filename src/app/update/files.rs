//! The file browser: opening a workspace's files (the files screen), moving around, previews
//! and file operations (through dialogs). The files task's reports are `files_reports`'s,
//! typing the name filter is `filter`'s, the editor's keys `editor`'s. Read-only mode allows
//! looking and downloading, nothing that writes.

use super::{next_req, notice, refuse_if_read_only};
use crate::action::Action;
use crate::app::confirm::Confirm;
use crate::app::dialog::{Dialog, FileOp, FilePrompt};
use crate::app::files::{
    EDITOR_LIMIT, FilesView, PREVIEW_LIMIT, Preview, Transfer, display_name, download_prompt,
};
use crate::app::msg::Command;
use crate::app::msg::Msg;
use crate::app::screen::{FilesScreen, Screen};
use crate::app::state::{NoticeLevel, Pane, State};
use crate::domain::files::{EntryKind, FsPath};
use crate::domain::session::SessionWorkspace;
use crate::workspace_fs::task::FsCmd;

/// `f` (or enter on a workspace): the files of the selected workspace or session.
pub fn open(state: &mut State) -> Vec<Command> {
    let target = match state.focus {
        Pane::Workspaces => state
            .selected_workspace()
            .map(|r| (r.ws.volume.clone(), format!("workspace {}", r.ws.id))),
        Pane::Sessions => state.selected_session().and_then(|s| {
            let volume = match &s.workspace {
                SessionWorkspace::Persistent(ws) => Some(format!("sandkasten-ws-{ws}")),
                SessionWorkspace::Ephemeral { volume } => volume.clone(),
            };
            volume.map(|v| (v, format!("session {}", s.id)))
        }),
    };
    let Some((volume, title)) = target else {
        notice(
            state,
            NoticeLevel::Error,
            "Nothing to browse: no volume at /workspace",
        );
        return Vec::new();
    };
    let req = next_req(state);
    state.screen = Screen::Files(Box::new(FilesScreen {
        browser: FilesView::new(volume.clone(), title, req),
        editor: None,
    }));
    let read_only = state.config.read_only;
    vec![Command::Fs(FsCmd::Open {
        req,
        volume,
        read_only,
    })]
}

pub(super) fn list(state: &mut State) -> Vec<Command> {
    let req = next_req(state);
    let Some(files) = state.files_mut() else {
        return Vec::new();
    };
    files.listing = Some(req);
    vec![Command::Fs(FsCmd::List {
        req,
        dir: files.cwd.clone(),
    })]
}

/// Asks for the selected file's preview when it is not the one shown or loading.
pub(super) fn preview_if_needed(state: &mut State) -> Vec<Command> {
    let Some(files) = state.files() else {
        return Vec::new();
    };
    let is_file = files
        .selected_entry()
        .is_some_and(|e| e.kind == EntryKind::File);
    let path = files.selected_path().filter(|_| is_file);
    let Some(path) = path else {
        // A directory, link, FIFO or device (or nothing) is selected: the preview of the
        // file selected before must not stay on screen as if it were this entry's, and a
        // read still in flight for it is dropped when it comes.
        if let Some(files) = state.files_mut() {
            files.preview = Preview::Nothing;
        }
        return Vec::new();
    };
    let current = match &files.preview {
        Preview::Loading { path, .. }
        | Preview::Text { path, .. }
        | Preview::Binary { path, .. }
        | Preview::Failed { path, .. } => Some(path),
        Preview::Nothing => None,
    };
    if current == Some(&path) {
        return Vec::new();
    }
    let req = next_req(state);
    if let Some(files) = state.files_mut() {
        files.preview = Preview::Loading {
            req,
            path: path.clone(),
        };
    }
    vec![Command::Fs(FsCmd::Preview {
        req,
        path,
        limit: PREVIEW_LIMIT,
    })]
}

fn prompt(state: &mut State, op: FileOp, text: String) {
    let source = state.files().and_then(FilesView::selected_path);
    state.open_dialog(Dialog::FilePrompt(FilePrompt {
        op,
        text,
        error: None,
        source,
    }));
}

/// Keys in the browser (typing its name filter is `filter`'s).
pub fn on_input(state: &mut State, msg: Msg) -> Vec<Command> {
    let Msg::Key(action) = msg else {
        return Vec::new();
    };
    let read_only = state.config.read_only;
    // The screen alone is borrowed: the prompts below read other fields meanwhile.
    let Screen::Files(screen) = &mut state.screen else {
        return Vec::new();
    };
    let files = &mut screen.browser;
    let page = files.page.max(1) as isize;
    let mut commands = Vec::new();
    // The browser is being left for the editor: keys typed meanwhile were meant for the
    // editor, never for the entry still selected here. Only closing acts.
    if files.loading.is_some() && action != Action::CloseFiles {
        notice(state, NoticeLevel::Info, "Opening the file…");
        return commands;
    }
    match action {
        Action::CloseFiles => {
            state.screen = Screen::Panes;
            return vec![Command::Fs(FsCmd::Close)];
        }
        Action::SelectNext => files.move_by(1),
        Action::SelectPrev => files.move_by(-1),
        Action::PageDown => files.move_by(page),
        Action::PageUp => files.move_by(-page),
        Action::SelectFirst => files.selected = 0,
        Action::SelectLast => files.move_by(isize::MAX),
        Action::ToggleHidden => {
            files.show_hidden = !files.show_hidden;
            files.clamp();
        }
        Action::StartFilter => state.overlays.open_filter(),
        Action::GoUp => {
            if let Some(parent) = files.cwd.parent() {
                files.reselect = files.cwd.file_name().map(<[u8]>::to_vec);
                files.cwd = parent;
                // The old entries must not pair with the new directory (a delete typed ahead
                // would name a file there): nothing is selectable until the listing comes.
                files.entries.clear();
                files.selected = 0;
                files.filter.clear();
                commands.extend(list(state));
            }
        }
        Action::OpenEntry => commands.extend(open_entry(state)),
        Action::Reload => {
            // Whatever changed since, the selected file's preview too.
            files.preview = Preview::Nothing;
            commands.extend(list(state));
        }
        Action::CycleSort => {
            files.sort = files.sort.next();
            files.selected = 0;
        }
        Action::CancelTransfer => {
            if let Some(t) = &files.transfer {
                commands.push(Command::Fs(FsCmd::Cancel { req: t.req }));
            }
        }
        Action::NewFile | Action::NewDirectory | Action::Upload if read_only => {
            refuse_if_read_only(state, "changing files");
        }
        Action::NewFile | Action::NewDirectory | Action::Upload => {
            let op = match action {
                Action::NewFile => FileOp::NewFile,
                Action::NewDirectory => FileOp::NewDirectory,
                _ => FileOp::Upload,
            };
            prompt(state, op, String::new());
        }
        Action::Rename => {
            let name = files.selected_entry().map(|e| display_name(&e.name));
            if let Some(name) = name
                && !refuse_if_read_only(state, "changing files")
            {
                prompt(state, FileOp::Rename, name);
            }
        }
        Action::Download => {
            // Into the downloads directory, never `$HOME/<a name the sandbox chose>`.
            let text = files
                .selected_entry()
                .map(|e| download_prompt(&state.downloads_dir, &e.name));
            if let Some(text) = text {
                prompt(state, FileOp::Download, text);
            }
        }
        Action::Delete => {
            let target = files
                .selected_entry()
                .map(|e| (e.kind == EntryKind::Dir, e.identity()));
            let path = files.selected_path();
            if let (Some((is_dir, meant)), Some(path)) = (target, path)
                && !refuse_if_read_only(state, "changing files")
            {
                let name = format!("/workspace/{}", display_name(path.as_bytes()));
                let req = next_req(state);
                let confirm = Confirm::remove_path(path, &name, is_dir, meant, req);
                state.open_dialog(Dialog::Confirm(confirm));
            }
        }
        _ => {}
    }
    commands.extend(preview_if_needed(state));
    commands
}

fn open_entry(state: &mut State) -> Vec<Command> {
    let Some(files) = state.files_mut() else {
        return Vec::new();
    };
    let (Some(entry), Some(path)) = (files.selected_entry().cloned(), files.selected_path()) else {
        return Vec::new();
    };
    match entry.kind {
        EntryKind::Dir => {
            files.cwd = path;
            files.entries.clear();
            files.selected = 0;
            files.filter.clear();
            list(state)
        }
        EntryKind::File => {
            let req = next_req(state);
            if let Some(files) = state.files_mut() {
                files.loading = Some(req);
            }
            vec![Command::Fs(FsCmd::Load {
                req,
                path,
                limit: EDITOR_LIMIT,
            })]
        }
        EntryKind::Symlink => {
            let target = entry
                .symlink_target
                .as_deref()
                .map(display_name)
                .unwrap_or_default();
            notice(
                state,
                NoticeLevel::Info,
                format!(
                    "{} is a symlink to {target}: links are shown, never followed",
                    display_name(&entry.name)
                ),
            );
            Vec::new()
        }
        EntryKind::Other => Vec::new(),
    }
}

/// A name typed in a prompt, as one path component of the current directory.
fn child(files: &FilesView, name: &str) -> Result<FsPath, String> {
    if name.contains('/') || name == "." || name == ".." || name.is_empty() {
        return Err(format!("{name:?} is not a name inside this directory"));
    }
    files.cwd.join(name.as_bytes()).map_err(|e| e.to_string())
}

/// The prompt confirmed: run the operation, or say what is wrong with the input.
pub fn confirm_prompt(state: &mut State, p: &mut FilePrompt) -> Option<Vec<Command>> {
    let req = next_req(state);
    let files = state.files_mut()?;
    let cmd = match p.op {
        FileOp::NewFile | FileOp::NewDirectory | FileOp::Rename => {
            let path = match child(files, p.text.trim()) {
                Ok(path) => path,
                Err(e) => {
                    p.error = Some(e);
                    return None;
                }
            };
            files.reselect = path.file_name().map(<[u8]>::to_vec);
            files.changing = Some(req);
            match p.op {
                FileOp::NewFile => FsCmd::CreateFile { req, path },
                FileOp::NewDirectory => FsCmd::Mkdir { req, path },
                _ => FsCmd::Rename {
                    req,
                    from: p.source.clone()?,
                    to: path,
                },
            }
        }
        FileOp::Download => {
            let dest = std::path::PathBuf::from(p.text.trim());
            let path = p.source.clone()?;
            files.transfer = Some(Transfer {
                req,
                what: format!("downloading to {}", dest.display()),
                bytes: 0,
            });
            FsCmd::Download { req, path, dest }
        }
        FileOp::Upload => {
            // Whether it exists is the files task's to find out (update does no IO): a
            // missing path ends the transfer with the host's own reason.
            let src = std::path::PathBuf::from(p.text.trim());
            files.transfer = Some(Transfer {
                req,
                what: format!("uploading {}", src.display()),
                bytes: 0,
            });
            FsCmd::Upload {
                req,
                src,
                dir: files.cwd.clone(),
            }
        }
    };
    Some(vec![Command::Fs(cmd)])
}
