//! Validation of the merged configuration (file, then `SANDKASTEN_*` overrides), done once
//! after both are applied, so an override cannot slip past a rule the file is held to. Each
//! refusal names where the bad value came from: `file:line` or the environment variable.

use std::path::{Path, PathBuf};

use super::sandkasten::{ConfigError, SandkastenConfig};

/// Where one setting's value came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    Env {
        name: String,
        value: String,
    },
    /// The file; `line` when the key could be found in it.
    File {
        path: PathBuf,
        line: Option<usize>,
    },
    /// Neither: sandkasten's default.
    Default,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Env { name, value } => write!(f, "environment variable {name}={value:?}"),
            Self::File {
                path,
                line: Some(line),
            } => write!(f, "{}:{line}", path.display()),
            Self::File { path, line: None } => write!(f, "{}", path.display()),
            Self::Default => write!(f, "the built-in default"),
        }
    }
}

/// Docker refuses memory limits below 6 MiB; saying so here is clearer than its refusal later.
const MIN_MEM_MB: u64 = 6;
/// Docker's smallest CPU limit (`--cpus 0.01`); below it `NanoCpus` rounds to "no limit".
const MIN_CPUS: f64 = 0.01;
/// Keeps `NanoCpus` (i64 nanoCPUs) from overflowing.
const MAX_CPUS: f64 = 1_000_000.0;
/// Keeps the memory limit in bytes within Docker's i64.
const MAX_MEM_MB: u64 = i64::MAX as u64 >> 20;
/// Linux's own ceiling on process ids (`PID_MAX_LIMIT`): a larger limit can only be a mistake.
const MAX_PIDS: i64 = 4_194_304;

/// Checks the merged `config`. `file` is the text it was read from (to find a key's line),
/// `env` the environment the overrides came from (a set variable is where the value came from).
pub fn validate(
    config: &SandkastenConfig,
    file: Option<(&Path, &str)>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    let refuse = |key: &'static str, env_name: &str, reason: String| {
        let origin = match env(env_name).filter(|v| !v.is_empty()) {
            Some(value) => Origin::Env {
                name: env_name.to_owned(),
                value,
            },
            None => match file {
                Some((path, text)) => Origin::File {
                    path: path.to_owned(),
                    line: line_of(text, key),
                },
                None => Origin::Default,
            },
        };
        Err(ConfigError::Invalid {
            origin,
            key,
            reason,
        })
    };
    let d = &config.defaults;
    if !(d.cpu_limit.is_finite() && (MIN_CPUS..=MAX_CPUS).contains(&d.cpu_limit)) {
        return refuse(
            "defaults.cpu_limit",
            "SANDKASTEN_CPU_LIMIT",
            format!(
                "must be a number of CPUs from {MIN_CPUS} to {MAX_CPUS}, got {}",
                d.cpu_limit
            ),
        );
    }
    if !(MIN_MEM_MB..=MAX_MEM_MB).contains(&d.mem_limit_mb) {
        return refuse(
            "defaults.mem_limit_mb",
            "SANDKASTEN_MEM_LIMIT_MB",
            format!(
                "must be from {MIN_MEM_MB} (Docker's minimum; 0 would mean no limit) to {MAX_MEM_MB}, got {}",
                d.mem_limit_mb
            ),
        );
    }
    if !(1..=MAX_PIDS).contains(&d.pids_limit) {
        return refuse(
            "defaults.pids_limit",
            "SANDKASTEN_PIDS_LIMIT",
            format!(
                "must be from 1 (0 or less would mean no limit) to {MAX_PIDS} (Linux's most), got {}",
                d.pids_limit
            ),
        );
    }
    if d.max_exec_timeout_ms == 0 {
        return refuse(
            "defaults.max_exec_timeout_ms",
            "SANDKASTEN_MAX_EXEC_TIMEOUT_MS",
            "must be at least 1".into(),
        );
    }
    if config.default_image.trim().is_empty() {
        return refuse(
            "default_image",
            "SANDKASTEN_DEFAULT_IMAGE",
            "must not be empty".into(),
        );
    }
    Ok(())
}

/// The 1-based line of a dotted block-style key (`defaults.cpu_limit`) in YAML text; the
/// deepest enclosing key's line when the key itself is not written in block style.
pub fn line_of(text: &str, key: &str) -> Option<usize> {
    let mut parts = key.split('.');
    let mut want = parts.next()?;
    let mut parent: Option<(usize, usize)> = None; // (indent, line) of the last key found
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with("---") {
            continue;
        }
        let indent = line.len() - trimmed.len();
        match parent {
            // Left the enclosing key's block without finding the next part.
            Some((p, found)) if indent <= p => return Some(found),
            None if indent > 0 => continue,
            _ => {}
        }
        let Some((name, _)) = trimmed.split_once(':') else {
            continue;
        };
        if name.trim().trim_matches(['"', '\'']) != want {
            continue;
        }
        match parts.next() {
            None => return Some(index + 1),
            Some(next) => {
                want = next;
                parent = Some((indent, index + 1));
            }
        }
    }
    parent.map(|(_, found)| found)
}
