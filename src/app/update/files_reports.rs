//! The files task's reports: an opened workspace, listings, previews, loads for the editor,
//! saves, changes and transfers, each applied only while the browser still waits for it, and
//! put in words here. A report that says something is gone makes the screen show what is
//! there now: the listing again (or the parent of a directory gone), the inventory for a
//! volume gone. A save that finds the file changed on disk asks what to do (the save-conflict
//! dialog).

use std::path::Path;

use super::engine::refresh_if;
use super::files::{list, preview_if_needed};
use super::{notice, wording};
use crate::app::dialog::Dialog;
use crate::app::files::{Connection, PREVIEW_LIMIT, Preview, display_name};
use crate::app::msg::Command;
use crate::app::state::{NoticeLevel, State};
use crate::domain::file_ops::{FileChange, Load, Transferred};
use crate::domain::files::{Entry, FileData, FsPath, Version};
use crate::domain::ids::RequestId;
use crate::domain::outcome::{Failure, FailureKind};
use crate::workspace_fs::task::FsEvent;

fn name(path: &FsPath) -> String {
    display_name(path.as_bytes())
}

fn gone<T>(result: &Result<T, Failure>) -> bool {
    matches!(result, Err(why) if why.kind == FailureKind::NotFound)
}

/// A write through this tool (save, upload, new file or directory, rename, removal) finished:
/// the workspace's size and last modification are measured again, so cleanup never plans on
/// figures from before it.
fn remeasure_open_workspace(state: &mut State) -> Vec<Command> {
    match state.files().map(|f| f.volume.clone()) {
        Some(volume) => super::engine::measure(state, vec![volume]),
        None => Vec::new(),
    }
}

/// The listing again when an answer says its entry is gone: the list shows what is there now.
fn relist_if(state: &mut State, gone: bool) -> Vec<Command> {
    if gone { list(state) } else { Vec::new() }
}

pub fn on_event(state: &mut State, event: FsEvent) -> Vec<Command> {
    match event {
        FsEvent::Opened { req, result } => {
            let Some(files) = state
                .files_mut()
                .filter(|f| f.connection == Connection::Opening(req))
            else {
                return Vec::new();
            };
            match result {
                Ok(_) => {
                    files.connection = Connection::Ready;
                    return list(state);
                }
                Err(why) => {
                    // The volume is gone meanwhile: the workspaces list must show it.
                    files.connection = Connection::Failed(wording::failure(&why));
                    return refresh_if(why.kind == FailureKind::NotFound);
                }
            }
        }
        FsEvent::Listed { req, dir, result } => return listed(state, req, dir, result),
        FsEvent::Previewed { req, path, result } => {
            let Some(files) = state.files_mut() else {
                return Vec::new();
            };
            if !matches!(&files.preview, Preview::Loading { req: r, .. } if *r == req) {
                return Vec::new();
            }
            let gone = gone(&result);
            files.preview = match result {
                Ok(data) => preview(path, data),
                Err(why) => Preview::Failed {
                    path,
                    reason: wording::failure(&why),
                },
            };
            return relist_if(state, gone);
        }
        FsEvent::Loaded { req, path, result } => {
            // Only the load the browser still waits for (not one for a closed browser).
            let Some(files) = state.files_mut().filter(|f| f.loading == Some(req)) else {
                return Vec::new();
            };
            files.loading = None;
            let gone = gone(&result);
            match result {
                Ok(Load::File(data)) => super::editor::open(state, path, data),
                Ok(Load::TooLarge { size, limit }) => notice(
                    state,
                    NoticeLevel::Error,
                    format!(
                        "{} is {} — larger than the editor's {} limit; the preview shows its start",
                        name(&path),
                        crate::format::bytes(size),
                        crate::format::bytes(limit)
                    ),
                ),
                Err(why) => {
                    let what = format!("Cannot open {}", name(&path));
                    notice(state, NoticeLevel::Error, wording::failed(&what, &why));
                }
            }
            return relist_if(state, gone);
        }
        FsEvent::Saved { req, path, result } => return saved(state, req, &path, result),
        FsEvent::Changed {
            req,
            change,
            result,
        } => {
            let Some(files) = state.files_mut().filter(|f| f.changing == Some(req)) else {
                return Vec::new();
            };
            files.changing = None;
            let mut commands = Vec::new();
            match result {
                Ok(()) => {
                    notice(state, NoticeLevel::Info, changed(&change));
                    commands = remeasure_open_workspace(state);
                }
                Err(why) => {
                    let what = format!("{} failed", changing(&change));
                    let text = match change {
                        FileChange::Removed { .. } => wording::removal_failed(&what, &why),
                        _ => wording::failed(&what, &why),
                    };
                    notice(state, NoticeLevel::Error, text);
                }
            }
            // Listed again either way: a failed change may find the tree changed meanwhile.
            commands.extend(list(state));
            return commands;
        }
        FsEvent::Progress { req, bytes } => {
            if let Some(t) = state
                .files_mut()
                .and_then(|f| f.transfer.as_mut())
                .filter(|t| t.req == req)
            {
                t.bytes = bytes;
            }
        }
        FsEvent::TransferDone { req, result } => {
            let Some(files) = state
                .files_mut()
                .filter(|f| f.transfer.as_ref().is_some_and(|t| t.req == req))
            else {
                return Vec::new();
            };
            files.transfer = None;
            // Measured again either way: a failed or cancelled upload may have written part
            // of its files.
            match result {
                Ok(Transferred::Cancelled) => notice(
                    state,
                    NoticeLevel::Info,
                    "Transfer cancelled; what was copied so far stays",
                ),
                Ok(done) => notice(state, NoticeLevel::Info, transferred(&done)),
                Err(why) => notice(state, NoticeLevel::Error, wording::transfer_failed(&why)),
            }
            let mut commands = remeasure_open_workspace(state);
            commands.extend(list(state));
            return commands;
        }
    }
    Vec::new()
}

fn listed(
    state: &mut State,
    req: RequestId,
    dir: FsPath,
    result: Result<Vec<Entry>, Failure>,
) -> Vec<Command> {
    let Some(files) = state.files_mut().filter(|f| f.listing == Some(req)) else {
        return Vec::new();
    };
    files.listing = None;
    match result {
        Ok(entries) => {
            files.cwd = dir;
            files.entries = entries;
            files.list_error = None;
            if let Some(name) = files.reselect.take() {
                files.selected = files
                    .visible()
                    .iter()
                    .position(|e| e.name == name)
                    .unwrap_or(0);
            }
            files.clamp();
        }
        Err(why) => {
            files.list_error = Some(wording::failure(&why));
            // The directory is gone meanwhile: its parent is what is there now (the root,
            // the volume itself, cannot be gone while it is open).
            if why.kind == FailureKind::NotFound
                && let Some(parent) = files.cwd.parent()
            {
                let what = format!("Cannot list /workspace/{}", name(&files.cwd));
                files.reselect = files.cwd.file_name().map(<[u8]>::to_vec);
                files.cwd = parent;
                files.entries.clear();
                files.selected = 0;
                notice(state, NoticeLevel::Error, wording::failed(&what, &why));
                return list(state);
            }
        }
    }
    preview_if_needed(state)
}

fn preview(path: FsPath, data: FileData) -> Preview {
    let truncated = data.data.len() as u64 >= PREVIEW_LIMIT && data.version.size > PREVIEW_LIMIT;
    let looks_text = !data.data.contains(&0) && std::str::from_utf8(&data.data).is_ok();
    if looks_text {
        Preview::Text {
            path,
            text: String::from_utf8_lossy(&data.data).into_owned(),
            truncated,
        }
    } else {
        Preview::Binary {
            path,
            size: data.version.size,
            bytes: data.data,
        }
    }
}

fn saved(
    state: &mut State,
    req: RequestId,
    path: &FsPath,
    result: Result<Version, Failure>,
) -> Vec<Command> {
    let Some(editor) = state.editor_mut().filter(|e| e.saving == Some(req)) else {
        return Vec::new();
    };
    editor.saving = None;
    let sent = std::mem::take(&mut editor.sent);
    match result {
        Ok(version) => {
            editor.version = version;
            // Keys typed while the save was on its way are not in the file: the buffer stays
            // unsaved (closing or quitting still asks) and stays open.
            editor.dirty = editor.bytes() != sent;
            let close = editor.close_after_save && !editor.dirty;
            editor.close_after_save = false;
            let since = if editor.dirty {
                "; the changes made since are not saved yet"
            } else {
                ""
            };
            notice(
                state,
                NoticeLevel::Info,
                format!("Saved {}{since}", name(path)),
            );
            let mut commands = remeasure_open_workspace(state);
            if close {
                commands.extend(super::editor::close(state));
            }
            commands
        }
        // Changed on disk since it was read: reload, overwrite or keep editing.
        Err(why) if why.kind == FailureKind::Conflict => {
            editor.close_after_save = false;
            state.open_dialog(Dialog::SaveConflict {
                message: why.detail,
            });
            Vec::new()
        }
        Err(why) => {
            editor.close_after_save = false;
            let gone = why.kind == FailureKind::NotFound;
            notice(
                state,
                NoticeLevel::Error,
                wording::failed("Not saved", &why),
            );
            relist_if(state, gone)
        }
    }
}

/// A change made, as the status bar says it.
fn changed(change: &FileChange) -> String {
    match change {
        FileChange::CreatedFile(path) => format!("Created {}", name(path)),
        FileChange::CreatedDir(path) => format!("Created directory {}", name(path)),
        FileChange::Renamed { from, to } => format!("Renamed {} to {}", name(from), name(to)),
        FileChange::Removed { path, .. } => format!("Deleted {}", name(path)),
    }
}

/// A change being made, for saying that it failed.
fn changing(change: &FileChange) -> String {
    match change {
        FileChange::CreatedFile(path) => format!("Creating {}", name(path)),
        FileChange::CreatedDir(path) => format!("Creating directory {}", name(path)),
        FileChange::Renamed { from, to } => format!("Renaming {} to {}", name(from), name(to)),
        FileChange::Removed { path, was_dir } => {
            let what = if *was_dir { "directory " } else { "" };
            format!("Deleting {what}{}", name(path))
        }
    }
}

/// A finished copy, as the status bar says it.
fn transferred(done: &Transferred) -> String {
    let (verb, from, to, files, bytes) = match done {
        Transferred::Downloaded {
            from,
            to,
            files,
            bytes,
        } => ("Downloaded", name(from), host(to), files, bytes),
        Transferred::Uploaded {
            from,
            to,
            files,
            bytes,
        } => ("Uploaded", host(from), name(to), files, bytes),
        Transferred::Cancelled => return "Transfer cancelled".to_owned(),
    };
    format!(
        "{verb} {from} to {to} ({files} files, {})",
        crate::format::bytes(*bytes)
    )
}

fn host(path: &Path) -> String {
    path.display().to_string()
}
