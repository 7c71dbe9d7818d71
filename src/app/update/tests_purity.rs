//! The rules `update` lives by, checked on the source so that breaking one fails a test:
//! `update` and the state it works on read no environment, look at no file system, start or
//! await nothing and read no clock (the loop sets `State::now`); `config/` does not depend on
//! `app/`; `Action` is a leaf.

use std::path::{Path, PathBuf};

fn source(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    // Unit tests at the end of a file may use the host freely.
    match text.find("#[cfg(test)]") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .flat_map(|p| if p.is_dir() { rust_files(&p) } else { vec![p] })
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    files
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn update_and_the_state_it_changes_never_touch_the_host() {
    const PURE: [&str; 11] = [
        "action.rs",
        "app/msg.rs",
        "app/screen.rs",
        "app/state.rs",
        "app/dialog.rs",
        "app/files.rs",
        "app/logs.rs",
        "app/list.rs",
        "app/rows.rs",
        "app/workspace_row.rs",
        "app/keymap.rs",
    ];
    const FORBIDDEN: [&str; 11] = [
        "std::env",
        "env::var",
        "std::fs",
        "read_dir",
        ".exists()",
        ".is_dir()",
        ".is_file()",
        ".metadata(",
        "tokio::",
        "::now()",
        "std::process",
    ];
    let update = rust_files(&root().join("app/update"))
        .into_iter()
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("tests"))
        });
    let files: Vec<PathBuf> = PURE.iter().map(|f| root().join(f)).chain(update).collect();
    assert!(files.len() > PURE.len(), "update's files are found");
    for file in files {
        let text = source(&file);
        for word in FORBIDDEN {
            assert!(!text.contains(word), "{} uses {word}", file.display());
        }
    }
}

#[test]
fn config_does_not_depend_on_the_app_and_action_is_a_leaf() {
    for file in rust_files(&root().join("config")) {
        assert!(
            !source(&file).contains("crate::app"),
            "{} imports app/",
            file.display()
        );
    }
    let action = source(&root().join("action.rs"));
    assert!(
        !action.contains("crate::"),
        "action.rs imports from the crate"
    );
}
