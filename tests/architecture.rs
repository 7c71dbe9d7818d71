//! The dependency rules of the source tree, checked on the files themselves (no engine, no
//! build of anything but this test): which module may import which, where bollard may appear,
//! and how long a file may grow. A rule that breaks fails here with the file, the line and the
//! rule, so the layering cannot erode one import at a time.
//!
//! Test code is exempt: files whose name contains `tests` and items marked `#[cfg(test)]`
//! (above all `mod tests { .. }` bodies). Comments and string literals never count. A module
//! is named by a `crate::x` path (in a `use`, a grouped `use crate::{x, ..}`, or inline), or
//! by enough `super::` to reach the crate root; an external crate by its own name at the
//! start of a path. The checker itself is in architecture/checker.rs.

use std::path::Path;

#[path = "architecture/checker.rs"]
mod checker;

use checker::{Areas, Rule, Source, rust_files, violations};

const UI_AND_CLEANUP: Rule = Rule {
    name: "ui/ and cleanup/ import neither docker/ nor workspace_fs/",
    areas: Areas::Only(&["ui", "cleanup"]),
    modules: &["docker", "workspace_fs"],
    crates: &[],
};

const ENGINE_AND_FILES: Rule = Rule {
    name: "docker/ and workspace_fs/ import neither app/ nor ui/",
    areas: Areas::Only(&["docker", "workspace_fs"]),
    modules: &["app", "ui"],
    crates: &[],
};

const CONFIG: Rule = Rule {
    name: "config/ does not import app/",
    areas: Areas::Only(&["config"]),
    modules: &["app"],
    crates: &[],
};

const DOMAIN: Rule = Rule {
    name: "domain/ is plain data: no docker, workspace_fs, app, ui, tui, cli, config, \
           bollard, tokio, crossterm or ratatui",
    areas: Areas::Only(&["domain"]),
    modules: &[
        "docker",
        "workspace_fs",
        "app",
        "ui",
        "tui",
        "cli",
        "config",
    ],
    crates: &["bollard", "tokio", "crossterm", "ratatui"],
};

const BOLLARD: Rule = Rule {
    name: "bollard only in docker/ and workspace_fs/",
    areas: Areas::AllBut(&["docker", "workspace_fs"]),
    modules: &[],
    crates: &["bollard"],
};

/// Longest file allowed under src/, agent/, tests/ and benches/ (the house rule; aim for 400).
const MAX_LINES: usize = 600;

// ---------------------------------------------------------------------------------------
// The checks, on the real tree.

fn assert_holds(rule: &Rule) {
    let found = violations(&source_files(), rule);
    assert!(
        found.is_empty(),
        "{} violation(s):\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn ui_and_cleanup_import_neither_docker_nor_workspace_fs() {
    assert_holds(&UI_AND_CLEANUP);
}

#[test]
fn docker_and_workspace_fs_import_neither_app_nor_ui() {
    assert_holds(&ENGINE_AND_FILES);
}

#[test]
fn config_does_not_import_app() {
    assert_holds(&CONFIG);
}

#[test]
fn domain_imports_no_engine_runtime_or_terminal() {
    assert_holds(&DOMAIN);
}

#[test]
fn bollard_only_in_docker_and_workspace_fs() {
    assert_holds(&BOLLARD);
}

#[test]
fn no_file_is_over_600_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut long = Vec::new();
    for dir in ["src", "agent", "tests", "benches"] {
        for path in rust_files(&root.join(dir)) {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let lines = text.lines().count();
            if lines > MAX_LINES {
                let shown = path.strip_prefix(root).unwrap_or(&path).display();
                long.push(format!("{shown}: {lines} lines, more than {MAX_LINES}"));
            }
        }
    }
    assert!(long.is_empty(), "{}", long.join("\n"));
}

fn source_files() -> Vec<Source> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files: Vec<Source> = rust_files(&src)
        .into_iter()
        .map(|path| Source {
            rel: path
                .strip_prefix(&src)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/"),
            text: std::fs::read_to_string(&path).unwrap_or_default(),
        })
        .collect();
    assert!(files.len() > 20, "the source tree was not found at {src:?}");
    files
}

// ---------------------------------------------------------------------------------------
// The checker, on small examples: it must catch what the rules forbid and nothing else.

fn check(rel: &str, text: &str, rule: &Rule) -> Vec<String> {
    let files = [Source {
        rel: rel.to_owned(),
        text: text.to_owned(),
    }];
    violations(&files, rule)
}

#[test]
fn the_checker_catches_every_way_of_naming_a_module() {
    let found = check(
        "ui/dialogs/mod.rs",
        "use crate::docker::Session;\n\
         use crate::{app::state::State, workspace_fs};\n\
         fn f() { let _ = crate::docker::connect(); }\n\
         use super::super::workspace_fs::FsPath;\n",
        &UI_AND_CLEANUP,
    );
    assert_eq!(
        found,
        [
            "src/ui/dialogs/mod.rs:1: names crate::docker (ui/ and cleanup/ import neither docker/ nor workspace_fs/)",
            "src/ui/dialogs/mod.rs:2: names crate::workspace_fs (ui/ and cleanup/ import neither docker/ nor workspace_fs/)",
            "src/ui/dialogs/mod.rs:3: names crate::docker (ui/ and cleanup/ import neither docker/ nor workspace_fs/)",
            "src/ui/dialogs/mod.rs:4: names crate::workspace_fs (ui/ and cleanup/ import neither docker/ nor workspace_fs/)",
        ]
    );
}

#[test]
fn a_grouped_import_from_a_module_is_one_violation() {
    let found = check(
        "cleanup/rule.rs",
        "use crate::workspace_fs::{FsError, task::{FsCmd, FsEvent}};\n",
        &UI_AND_CLEANUP,
    );
    assert_eq!(found.len(), 1, "{found:?}");
}

#[test]
fn the_checker_catches_external_crates_where_they_are_forbidden() {
    let domain =
        "use std::fmt;\nuse bollard::models::Volume;\nfn f() { tokio::spawn(async {}); }\n";
    let found = check("domain/session.rs", domain, &DOMAIN);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].starts_with("src/domain/session.rs:2: names bollard"),
        "{found:?}"
    );
    assert!(
        found[1].starts_with("src/domain/session.rs:3: names tokio"),
        "{found:?}"
    );
    assert_eq!(check("tui/handoff.rs", domain, &BOLLARD).len(), 1);
    assert!(check("docker/task.rs", domain, &BOLLARD).is_empty());
}

#[test]
fn the_checker_leaves_tests_comments_strings_and_other_areas_alone() {
    let text = "//! Uses crate::docker for nothing.\n\
                /* crate::docker::x */\n\
                const S: &str = \"crate::docker::Session\";\n\
                const R: &str = r#\"crate::workspace_fs\"#;\n\
                fn f<'a>(c: char) -> bool { c == '{' }\n\
                use crate::domain::session::Session;\n\
                use super::theme;\n\
                #[cfg(test)]\n\
                mod tests {\n    use crate::docker::DockerEvent;\n    fn g() { crate::workspace_fs::x() }\n}\n";
    assert_eq!(
        check("ui/sessions.rs", text, &UI_AND_CLEANUP),
        Vec::<String>::new()
    );
    let leak = format!("{text}use crate::docker::DockerCmd;\n");
    let found = check("ui/sessions.rs", &leak, &UI_AND_CLEANUP);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("src/ui/sessions.rs:13:"), "{found:?}");
    // Test files are exempt; the same import elsewhere is not under this rule.
    assert!(check("ui/render_tests.rs", &leak, &UI_AND_CLEANUP).is_empty());
    assert!(check("app/mod.rs", &leak, &UI_AND_CLEANUP).is_empty());
}

#[test]
fn super_resolves_from_the_files_own_place() {
    // docker/mod.rs is `docker`: one `super` reaches the crate root; docker/task.rs needs two.
    let rule = &ENGINE_AND_FILES;
    assert_eq!(
        check("docker/mod.rs", "use super::app::x;\n", rule).len(),
        1
    );
    assert!(check("docker/task.rs", "use super::app::x;\n", rule).is_empty());
    assert_eq!(
        check("docker/task.rs", "use super::super::app::x;\n", rule).len(),
        1
    );
    assert!(check("docker/a/b.rs", "use super::super::ui;\n", rule).is_empty());
    assert_eq!(
        check("docker/a/b.rs", "use super::super::super::ui;\n", rule).len(),
        1
    );
    let grouped = "use crate::{\n    domain::ids::RequestId,\n    app::state::State,\n};\n";
    let found = check("docker/task.rs", grouped, rule);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("src/docker/task.rs:3: names crate::app"),
        "{found:?}"
    );
    assert_eq!(
        check(
            "config/keymap.rs",
            "use crate::app::action::Action;\n",
            &CONFIG
        )
        .len(),
        1
    );
}

#[test]
fn test_only_items_are_exempt_but_what_follows_them_is_not() {
    let text = "#[cfg(test)]\nuse crate::docker::DockerEvent;\n\
                #[cfg(test)]\n#[allow(dead_code)]\nfn only_in_tests() { let _ = crate::docker::x(); }\n\
                #[cfg(test)]\n#[path = \"x_tests.rs\"]\nmod tests;\n\
                use crate::workspace_fs::FsPath;\n";
    let found = check("cleanup/plan.rs", text, &UI_AND_CLEANUP);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("src/cleanup/plan.rs:9: names crate::workspace_fs"),
        "{found:?}"
    );
}
