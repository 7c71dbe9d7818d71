//! One engine owner: only `docker/` connects to the engine (its task lends the client through
//! `EngineLink`; the CLI may build one for a command), and no engine client type reaches the
//! terminal, the app or the screen code. Read from the sources, so that a shortcut (a handoff
//! or a files task connecting by itself again) fails here.

// Tests fail loudly: unwrap and expect are how they report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
    found
}

/// Every line in `src/<area>/` that contains one of `needles`, as `file:line: text`.
fn offending(area: &str, needles: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(area);
    let mut hits = Vec::new();
    for file in sources(&root) {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if needles.iter().any(|needle| line.contains(needle)) {
                hits.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    hits
}

#[test]
fn nothing_outside_docker_and_the_cli_connects_to_the_engine() {
    let connects = ["docker::connect", "connect_at(", "Docker::connect"];
    for area in ["app", "tui", "ui", "workspace_fs", "cleanup", "config"] {
        let hits = offending(area, &connects);
        assert!(
            hits.is_empty(),
            "src/{area} builds its own client:\n{hits:#?}"
        );
    }
}

#[test]
fn no_bollard_type_reaches_the_app_the_terminal_or_the_screen() {
    for area in ["app", "tui", "ui", "cleanup", "config"] {
        let hits = offending(area, &["bollard"]);
        assert!(hits.is_empty(), "src/{area} names bollard:\n{hits:#?}");
    }
}
