//! The checker behind tests/architecture.rs: reads Rust source as tokens (comments, strings
//! and character literals dropped, `#[cfg(test)]` items cut out), finds every path in it and
//! resolves the ones that name a crate module or an external crate. It lists a directory's
//! `.rs` files; reading them is the caller's job.

use std::path::{Path, PathBuf};

/// One rule: files in `areas` (by their first module below `src/`) must not name the crate
/// modules `modules` nor the external crates `crates`.
pub struct Rule {
    pub name: &'static str,
    pub areas: Areas,
    pub modules: &'static [&'static str],
    pub crates: &'static [&'static str],
}

/// Which areas a rule covers: `Only` these, or `AllBut` these.
pub enum Areas {
    Only(&'static [&'static str]),
    AllBut(&'static [&'static str]),
}

impl Areas {
    fn contains(&self, area: &str) -> bool {
        match self {
            Areas::Only(list) => list.contains(&area),
            Areas::AllBut(list) => !list.contains(&area),
        }
    }
}

/// A source file: its path relative to `src/` (with `/`) and its text.
pub struct Source {
    pub rel: String,
    pub text: String,
}

/// Every `.rs` file below `dir`, sorted.
pub fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The module path of a file below `src/`: `ui/dialogs/delete.rs` is `[ui, dialogs, delete]`,
/// `docker/mod.rs` is `[docker]`, `lib.rs` is `[]`.
pub fn module_path(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel.split('/').map(str::to_owned).collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") {
        parts.push(stem.to_owned());
    }
    parts
}

pub fn is_test_file(rel: &str) -> bool {
    rel.rsplit('/')
        .next()
        .is_some_and(|name| name.contains("tests"))
}

/// Every violation of `rule` in `files`, as `src/<file>:<line>: names <what> (<rule>)`.
pub fn violations(files: &[Source], rule: &Rule) -> Vec<String> {
    let mut out = Vec::new();
    for file in files {
        let module = module_path(&file.rel);
        let area = module.first().map_or("", String::as_str);
        if is_test_file(&file.rel) || !rule.areas.contains(area) {
            continue;
        }
        for (line, path) in paths(&without_test_mods(&tokens(&file.text))) {
            let named = match resolve(&module, &path) {
                Some(Target::Module(m)) if rule.modules.contains(&m.as_str()) => {
                    format!("crate::{m}")
                }
                Some(Target::Crate(c)) if rule.crates.contains(&c.as_str()) => c,
                _ => continue,
            };
            out.push(format!(
                "src/{}:{line}: names {named} ({})",
                file.rel, rule.name
            ));
        }
    }
    out.dedup();
    out
}

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Ident(String),
    Colons,
    Open,
    Close,
    Comma,
    Hash,
    Other(char),
}

/// The tokens that matter for paths, with their line; comments, strings and character
/// literals are dropped (a path in a doc comment or a message is not an import).
pub fn tokens(text: &str) -> Vec<(usize, Tok)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            loop {
                if i >= chars.len() {
                    break;
                } else if chars[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(chars[i] == '\n');
                    i += 1;
                }
            }
        } else if c == '"' || ((c == 'r' || c == 'b') && starts_raw_or_byte_string(&chars, i)) {
            // Raw strings: r"..", r#".."#, br#".."#; plain and byte strings with escapes.
            let mut j = i;
            while chars[j] != '"' && chars[j] != '#' {
                j += 1;
            }
            let raw = chars[i..j].contains(&'r');
            let hashes = chars[j..].iter().take_while(|&&h| h == '#').count();
            j += hashes + 1;
            loop {
                if j >= chars.len() {
                    break;
                }
                let d = chars[j];
                line += usize::from(d == '\n');
                if !raw && d == '\\' {
                    line += usize::from(at(j + 1) == '\n');
                    j += 2;
                } else if d == '"' && chars[j + 1..].iter().take(hashes).all(|&h| h == '#') {
                    j += 1 + hashes;
                    break;
                } else {
                    j += 1;
                }
            }
            i = j;
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{..}'), else a lifetime or a label.
            if at(i + 1) == '\\' {
                i += 3;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1;
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((line, Tok::Ident(chars[start..i].iter().collect())));
        } else if c == ':' && at(i + 1) == ':' {
            out.push((line, Tok::Colons));
            i += 2;
        } else {
            out.push((
                line,
                match c {
                    '{' => Tok::Open,
                    '}' => Tok::Close,
                    ',' => Tok::Comma,
                    '#' => Tok::Hash,
                    c => Tok::Other(c),
                },
            ));
            i += 1;
        }
    }
    out
}

pub fn starts_raw_or_byte_string(chars: &[char], i: usize) -> bool {
    let rest: String = chars[i..].iter().take(4).collect();
    let prev_ident = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
    !prev_ident
        && (rest.starts_with("r\"")
            || rest.starts_with("r#\"")
            || rest.starts_with("r##")
            || rest.starts_with("b\"")
            || rest.starts_with("br\"")
            || rest.starts_with("br#"))
}

/// The tokens without the items marked `#[cfg(test)]` (above all `mod tests { .. }` bodies).
pub fn without_test_mods(toks: &[(usize, Tok)]) -> Vec<(usize, Tok)> {
    let ident = |s: &str| Tok::Ident(s.to_owned());
    let cfg_test = [
        Tok::Hash,
        Tok::Other('['),
        ident("cfg"),
        Tok::Other('('),
        ident("test"),
        Tok::Other(')'),
        Tok::Other(']'),
    ];
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let window: Vec<Tok> = toks[i..].iter().take(7).map(|(_, t)| t.clone()).collect();
        if window == cfg_test {
            // Skip further attributes, then the item: up to its `;` or the end of its first
            // `{ .. }` block (a `mod tests { .. }`, a test-only fn or impl, a test-only use).
            let mut j = i + 7;
            while toks.get(j).is_some_and(|(_, t)| *t == Tok::Hash) {
                while toks.get(j).is_some_and(|(_, t)| *t != Tok::Other(']')) {
                    j += 1;
                }
                j += 1;
            }
            let mut depth = 0;
            while j < toks.len() {
                match toks[j].1 {
                    Tok::Open => depth += 1,
                    Tok::Close => depth -= 1,
                    Tok::Other(';') if depth == 0 => {
                        j += 1;
                        break;
                    }
                    _ => {}
                }
                j += 1;
                if depth == 0 && toks[j - 1].1 == Tok::Close {
                    break;
                }
            }
            i = j;
            continue;
        }
        out.push(toks[i].clone());
        i += 1;
    }
    out
}

/// Every path in the tokens, as its segments, with the line it starts on: `crate::a::b`,
/// `super::super::x`, `bollard::Docker`. A grouped `crate::{a, b::c}` gives `crate::a` and
/// `crate::b`.
pub fn paths(toks: &[(usize, Tok)]) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    for (i, (line, tok)) in toks.iter().enumerate() {
        let Tok::Ident(first) = tok else { continue };
        let after_colons = i > 0 && toks[i - 1].1 == Tok::Colons;
        let leading_colons =
            after_colons && !matches!(toks.get(i.wrapping_sub(2)), Some((_, Tok::Ident(_))));
        if (after_colons && !leading_colons)
            || toks.get(i + 1).map(|(_, t)| t) != Some(&Tok::Colons)
        {
            continue;
        }
        let mut segs = vec![first.clone()];
        let mut j = i + 1;
        while toks.get(j).map(|(_, t)| t) == Some(&Tok::Colons) {
            match toks.get(j + 1).map(|(_, t)| t) {
                Some(Tok::Ident(s)) => {
                    segs.push(s.clone());
                    j += 2;
                }
                // A group after the root (`crate::{a, b}`) names a module per item; after a
                // module (`crate::a::{x, y}`) the path so far says it all.
                Some(Tok::Open) if segs.iter().all(|s| s == "crate" || s == "super") => {
                    for (head_line, head) in group_heads(&toks[j + 1..]) {
                        let mut grouped = segs.clone();
                        grouped.push(head);
                        out.push((head_line, grouped));
                    }
                    break;
                }
                _ => break,
            }
        }
        out.push((*line, segs));
    }
    out
}

/// The first identifier of each item of a `{ .. }` group (starting at its `{`), with its line.
pub fn group_heads(toks: &[(usize, Tok)]) -> Vec<(usize, String)> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut expect_head = true;
    for (line, tok) in toks {
        match tok {
            Tok::Open => {
                depth += 1;
                expect_head = depth == 1;
            }
            Tok::Close => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            Tok::Comma if depth == 1 => expect_head = true,
            Tok::Ident(s) if expect_head && depth == 1 => {
                heads.push((*line, s.clone()));
                expect_head = false;
            }
            _ => {}
        }
    }
    heads
}

pub enum Target {
    /// A module of this crate, by its name below the crate root.
    Module(String),
    /// Any other first segment: an external crate (or a local name; rules only list crates).
    Crate(String),
}

/// What a path names, seen from the file whose module path is `module`.
pub fn resolve(module: &[String], path: &[String]) -> Option<Target> {
    let first = path.first()?;
    match first.as_str() {
        "crate" => path.get(1).map(|m| Target::Module(m.clone())),
        "super" => {
            let ups = path.iter().take_while(|s| *s == "super").count();
            if ups == module.len() {
                path.get(ups).map(|m| Target::Module(m.clone()))
            } else {
                None
            }
        }
        "self" | "Self" => None,
        other => Some(Target::Crate(other.to_owned())),
    }
}
