//! Pure update tests of the browser's previews and downloads: what the operator sees for the
//! entry selected, and where a download goes by default.

use super::update;
use crate::action::Action;
use crate::app::dialog::{Dialog, FileOp};
use crate::app::files::{Connection, FilesView, Preview};
use crate::app::msg::{Command, Msg};
use crate::app::state::State;
use crate::domain::files::{Entry, EntryKind, FileData, FsPath, Version};
use crate::domain::ids::RequestId;
use crate::fixtures;
use crate::workspace_fs::task::{FsCmd, FsEvent};

fn entry(name: &str, kind: EntryKind, mode: u32) -> Entry {
    Entry {
        name: name.as_bytes().to_vec(),
        kind,
        size: 5,
        mode,
        uid: 0,
        gid: 0,
        mtime_ns: 0,
        ctime_ns: 0,
        ino: 0,
        dev: 0,
        symlink_target: None,
    }
}

fn browser(entries: Vec<Entry>) -> State {
    let mut state = fixtures::loaded_state();
    let mut files = FilesView::new(
        "sandkasten-ws-alpha".into(),
        "workspace alpha".into(),
        RequestId(1),
    );
    files.connection = Connection::Ready;
    files.entries = entries;
    files.show_hidden = true;
    fixtures::browse(&mut state, files);
    state
}

fn version(size: u64) -> Version {
    Entry {
        size,
        mtime_ns: 7,
        ..entry("v", EntryKind::File, 0o100_644)
    }
    .version()
}

#[test]
fn a_fifo_selected_after_a_file_never_shows_the_files_preview() {
    let mut state = browser(vec![
        entry("a.txt", EntryKind::File, 0o100_644),
        entry("pipe", EntryKind::Other, 0o010_644),
    ]);
    // Selecting a.txt asks for its preview; its content arrives.
    let cmds = update(&mut state, Action::SelectFirst);
    let [Command::Fs(FsCmd::Preview { req, path, .. })] = cmds.as_slice() else {
        panic!("{cmds:?}");
    };
    let (req, path) = (*req, path.clone());
    update(
        &mut state,
        Msg::Fs(FsEvent::Previewed {
            req,
            path,
            result: Ok(FileData {
                data: b"secret of a.txt\n".to_vec(),
                version: version(16),
            }),
        }),
    );
    assert!(matches!(
        state.files().unwrap().preview,
        Preview::Text { .. }
    ));
    // Moving to the FIFO: nothing is read from it, and a.txt's preview is gone.
    let cmds = update(&mut state, Action::SelectNext);
    assert!(
        cmds.iter().all(|c| !matches!(c, Command::Fs(_))),
        "{cmds:?}"
    );
    assert_eq!(state.files().unwrap().preview, Preview::Nothing);
}

#[test]
fn a_preview_arriving_after_the_selection_moved_to_a_fifo_is_dropped() {
    let mut state = browser(vec![
        entry("a.txt", EntryKind::File, 0o100_644),
        entry("pipe", EntryKind::Other, 0o010_644),
    ]);
    let cmds = update(&mut state, Action::SelectFirst);
    let [Command::Fs(FsCmd::Preview { req, path, .. })] = cmds.as_slice() else {
        panic!("{cmds:?}");
    };
    let (req, path) = (*req, path.clone());
    update(&mut state, Action::SelectNext);
    update(
        &mut state,
        Msg::Fs(FsEvent::Previewed {
            req,
            path,
            result: Ok(FileData {
                data: b"late\n".to_vec(),
                version: version(5),
            }),
        }),
    );
    assert_eq!(state.files().unwrap().preview, Preview::Nothing);
}

#[test]
fn download_defaults_to_the_downloads_dir_with_a_visible_name() {
    let mut state = browser(vec![entry(".bash_profile", EntryKind::File, 0o100_644)]);
    state.downloads_dir = "/home/op/Downloads".into();
    update(&mut state, Action::Download);
    let Some(Dialog::FilePrompt(p)) = state.dialog() else {
        panic!("{:?}", state.dialog());
    };
    assert_eq!(p.op, FileOp::Download);
    assert_eq!(p.text, "/home/op/Downloads/_.bash_profile");
    assert_eq!(p.source, Some(FsPath::parse(".bash_profile").unwrap()));
}

#[test]
fn download_of_an_unsafe_name_prompts_with_the_directory_only() {
    let mut state = browser(vec![entry("x\u{202e}fdp.exe", EntryKind::File, 0o100_644)]);
    state.downloads_dir = "/dl".into();
    update(&mut state, Action::Download);
    let Some(Dialog::FilePrompt(p)) = state.dialog() else {
        panic!("{:?}", state.dialog());
    };
    assert_eq!(p.text, "/dl/");
}

#[test]
fn read_only_mode_opens_the_file_helper_read_only() {
    for read_only in [true, false] {
        let mut state = fixtures::loaded_state();
        state.config.read_only = read_only;
        for focus in [Action::FocusWorkspaces, Action::FocusSessions] {
            update(&mut state, focus);
            let cmds = update(&mut state, Action::OpenFiles);
            assert!(
                matches!(
                    cmds.as_slice(),
                    [Command::Fs(FsCmd::Open { read_only: r, .. })] if *r == read_only
                ),
                "{focus:?} read_only={read_only}: {cmds:?}"
            );
            update(&mut state, Action::Cancel);
            state.screen = crate::app::screen::Screen::Panes;
        }
    }
}

/// Selects the first file and shows `text` as its preview; returns its path.
fn previewing(state: &mut State, text: &str) -> FsPath {
    let cmds = update(state, Action::SelectFirst);
    let [Command::Fs(FsCmd::Preview { req, path, .. })] = cmds.as_slice() else {
        panic!("{cmds:?}");
    };
    let (req, path) = (*req, path.clone());
    update(
        state,
        Msg::Fs(FsEvent::Previewed {
            req,
            path: path.clone(),
            result: Ok(FileData {
                data: text.as_bytes().to_vec(),
                version: version(text.len() as u64),
            }),
        }),
    );
    path
}

fn lists_and_previews(state: &mut State, cmds: Vec<Command>) -> Vec<Command> {
    let [Command::Fs(FsCmd::List { req, dir })] = cmds.as_slice() else {
        panic!("{cmds:?}");
    };
    let entries = state.files().unwrap().entries.clone();
    update(
        state,
        Msg::Fs(FsEvent::Listed {
            req: *req,
            dir: dir.clone(),
            result: Ok(entries),
        }),
    )
}

#[test]
fn the_preview_is_read_again_after_the_editor_closes_and_on_reload() {
    let mut state = browser(vec![entry("a.txt", EntryKind::File, 0o100_644)]);
    let path = previewing(&mut state, "before\n");
    // Edited and saved in the editor, then closed: the preview is not the old text.
    fixtures::edit(
        &mut state,
        super::tests::editing(false).editor().unwrap().clone(),
    );
    let cmds = update(&mut state, Action::CloseEditor);
    let cmds = lists_and_previews(&mut state, cmds);
    assert!(
        matches!(cmds.as_slice(), [Command::Fs(FsCmd::Preview { path: p, .. })] if *p == path),
        "{cmds:?}"
    );
    // Changed by a session meanwhile: `R` reads the listing and the preview again.
    let mut state = browser(vec![entry("a.txt", EntryKind::File, 0o100_644)]);
    let path = previewing(&mut state, "before\n");
    let cmds = update(&mut state, Action::Reload);
    assert!(
        matches!(cmds.as_slice(), [
            Command::Fs(FsCmd::List { .. }),
            Command::Fs(FsCmd::Preview { path: p, .. }),
        ] if *p == path),
        "{cmds:?}"
    );
}
