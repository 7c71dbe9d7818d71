//! Render snapshots of the browser's odd cases: names with bidi and other format characters,
//! a FIFO selected after a file, a file whose lines end in CR alone, an 80-column terminal.

use insta::assert_snapshot;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::*;
use crate::app::files::{Connection, FilesView, Preview};
use crate::app::keymap::Keymap;
use crate::config::keymap::Bindings;
use crate::domain::files::{Entry, EntryKind, FsPath};
use crate::domain::ids::RequestId;
use crate::fixtures;

fn screen(state: &State, width: u16, height: u16) -> String {
    let keymap = Keymap::new(Bindings::defaults());
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| _ = render(frame, state, &keymap))
        .unwrap();
    terminal.backend().to_string()
}

fn entry(name: &str, kind: EntryKind, mode: u32) -> Entry {
    Entry {
        name: name.as_bytes().to_vec(),
        kind,
        size: 12,
        mode,
        uid: 1000,
        gid: 1000,
        mtime_ns: 1_795_000_000_000_000_000,
        ctime_ns: 0,
        ino: 0,
        dev: 0,
        symlink_target: None,
    }
}

fn browser(entries: Vec<Entry>, selected: usize, preview: Preview) -> State {
    let mut state = fixtures::loaded_state();
    let mut files = FilesView::new(
        "sandkasten-ws-alpha".into(),
        "workspace alpha".into(),
        RequestId(1),
    );
    files.connection = Connection::Ready;
    files.entries = entries;
    files.selected = selected;
    files.preview = preview;
    fixtures::browse(&mut state, files);
    state
}

#[test]
fn names_with_bidi_and_format_characters_are_shown_escaped() {
    let state = browser(
        vec![
            entry("invoice\u{202e}fdp.exe", EntryKind::File, 0o100_644),
            entry("zero\u{200b}width", EntryKind::File, 0o100_644),
            entry(
                "\u{feff}bom\u{2066}isolate\u{2069}",
                EntryKind::File,
                0o100_644,
            ),
        ],
        0,
        Preview::Nothing,
    );
    let shown = screen(&state, 140, 12);
    for c in ['\u{202e}', '\u{200b}', '\u{feff}', '\u{2066}', '\u{2069}'] {
        assert!(!shown.contains(c), "{c:?} reached the screen");
    }
    assert!(shown.contains("invoice\\u{202e}fdp.exe"), "{shown}");
    assert_snapshot!(shown);
}

#[test]
fn a_fifo_shows_its_own_preview_not_the_previous_files() {
    // The preview state still holds a.txt's content (as if the selection just moved).
    let state = browser(
        vec![
            entry("a.txt", EntryKind::File, 0o100_644),
            entry("pipe", EntryKind::Other, 0o010_644),
        ],
        1,
        Preview::Text {
            path: FsPath::parse("a.txt").unwrap(),
            text: "content of a.txt\n".into(),
            truncated: false,
        },
    );
    let shown = screen(&state, 140, 12);
    assert!(!shown.contains("content of a.txt"), "{shown}");
    assert!(shown.contains("FIFO: not a regular file"), "{shown}");
    assert_snapshot!(shown);
}

#[test]
fn a_file_with_cr_line_ends_is_previewed_line_by_line() {
    let state = browser(
        vec![entry("mac.txt", EntryKind::File, 0o100_644)],
        0,
        Preview::Text {
            path: FsPath::parse("mac.txt").unwrap(),
            text: "first\rsecond\rthird\r".into(),
            truncated: false,
        },
    );
    let shown = screen(&state, 140, 12);
    assert!(shown.contains("CR line ends"), "{shown}");
    assert_snapshot!(shown);
}

#[test]
fn a_helper_that_fails_to_open_replaces_the_starting_message_with_why() {
    let mut state = fixtures::loaded_state();
    fixtures::browse(
        &mut state,
        FilesView::new(
            "sandkasten-ws-alpha".into(),
            "workspace alpha".into(),
            RequestId(9),
        ),
    );
    let text = screen(&state, 120, 20);
    assert!(text.contains("Starting the file helper"), "{text}");
    crate::app::update::update(
        &mut state,
        crate::app::msg::Msg::Fs(crate::workspace_fs::task::FsEvent::Opened {
            req: RequestId(9),
            result: Err(crate::domain::outcome::Failure::new(
                crate::domain::outcome::FailureKind::Stalled,
                "engine not answering (stalled): no answer to inspecting \
                 sandkasten-ws-alpha within 5s",
            )),
        }),
    );
    let text = screen(&state, 120, 20);
    assert!(!text.contains("Starting the file helper"), "{text}");
    assert!(
        text.contains("Cannot open sandkasten-ws-alpha: engine not answering (stalled)"),
        "{text}"
    );
}

#[test]
fn at_80_columns_the_names_show_and_the_columns_that_do_not_fit_give_way() {
    let state = browser(
        vec![
            entry("src", EntryKind::Dir, 0o040_755),
            entry("notes-for-the-agent.md", EntryKind::File, 0o100_644),
        ],
        1,
        Preview::Nothing,
    );
    let shown = screen(&state, 80, 24);
    // The listing had no NAME column left below ~110 columns: nothing to tell entries apart.
    for name in ["NAME", "src/", "notes-for-the-agent.md", "SIZE"] {
        assert!(shown.contains(name), "{name} missing:\n{shown}");
    }
    assert_snapshot!(shown);
    let wide = screen(&state, 160, 24);
    for column in ["SIZE", "MODE", "OWNER", "MODIFIED"] {
        assert!(wide.contains(column), "{column} missing when there is room");
    }
}
