//! `sandkasten.yaml`: the sandkasten daemon's own configuration, read the way sandkasten reads it
//! (same defaults, same `SANDKASTEN_*` overrides), plus this tool's `read_only` switch.
//! Knows nothing of Docker or the terminal.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::domain::session::Defaults;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkspaceConfig {
    pub enabled: bool,
    pub persist_by_default: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PoolConfig {
    pub enabled: bool,
    /// image -> number of pre-warmed containers
    pub images: std::collections::BTreeMap<String, u32>,
}

/// The settings this tool uses. Keys sandkasten has that matter only to its daemon
/// (`listen`, `api_key`, `db_path`, ...) are accepted and ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SandkastenConfig {
    pub default_image: String,
    pub allowed_images: Vec<String>,
    pub session_ttl_seconds: u64,
    pub defaults: Defaults,
    pub workspace: WorkspaceConfig,
    pub pool: PoolConfig,
    /// sandkasten-tui only: refuse every action that changes the engine.
    pub read_only: bool,
}

impl Default for SandkastenConfig {
    fn default() -> Self {
        Self {
            default_image: "sandbox-runtime:base".into(),
            allowed_images: Vec::new(),
            session_ttl_seconds: 1800,
            defaults: Defaults::default(),
            workspace: WorkspaceConfig::default(),
            pool: PoolConfig::default(),
            read_only: false,
        }
    }
}

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {reason}")]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        reason: String,
    },
    /// Not a regular file (a directory, FIFO, device, ...), or larger than any config.
    #[error("cannot use {path} as the configuration: {reason}")]
    NotAConfigFile { path: PathBuf, reason: String },
    /// A setting outside what makes a safe session, with where its value came from.
    #[error("{origin}: {key} {reason}")]
    Invalid {
        origin: super::validate::Origin,
        key: &'static str,
        reason: String,
    },
    #[error("environment variable {name}={value:?}: {reason}")]
    Env {
        name: String,
        value: String,
        reason: String,
    },
}

/// Where the configuration came from, for the status bar.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigSource {
    File(PathBuf),
    /// The default path did not exist: sandkasten's built-in defaults apply.
    Defaults {
        looked_for: PathBuf,
    },
}

impl std::fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(path) => write!(f, "{}", path.display()),
            Self::Defaults { looked_for } => {
                write!(f, "defaults ({} not found)", looked_for.display())
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LoadedConfig {
    pub config: SandkastenConfig,
    pub source: ConfigSource,
}

pub const DEFAULT_CONFIG_PATH: &str = "sandkasten.yaml";

impl SandkastenConfig {
    /// The configuration from the file's text and the environment's overrides, validated
    /// once, merged: an override is held to the same rules as the file.
    pub fn from_sources(
        text: &str,
        path: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut config = Self::parse(text, path)?;
        config.apply_env(&env)?;
        super::validate::validate(&config, Some((path, text)), &env)?;
        Ok(config)
    }

    /// Parses YAML text (not validated: see [`from_sources`](Self::from_sources)); errors
    /// carry the file, line and column.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        // An empty file means "all defaults", as it does for sandkasten.
        if text.trim().is_empty() {
            return Ok(Self::default());
        }
        serde_yaml_ng::from_str(text).map_err(|e| {
            let (line, column) = e
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((1, 1));
            ConfigError::Parse {
                path: path.to_owned(),
                line,
                column,
                reason: strip_location(&e.to_string()),
            }
        })
    }

    /// Applies sandkasten's `SANDKASTEN_*` overrides. Unlike the daemon, a value that does not
    /// parse is an error rather than silently ignored.
    pub fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parsed<T: std::str::FromStr>(
            name: &str,
            value: &str,
            what: &str,
        ) -> Result<T, ConfigError> {
            value.trim().parse().map_err(|_| ConfigError::Env {
                name: name.into(),
                value: value.into(),
                reason: format!("expected {what}"),
            })
        }
        let get = |name: &str| env(name).filter(|v| !v.is_empty());
        if let Some(v) = get("SANDKASTEN_DEFAULT_IMAGE") {
            self.default_image = v;
        }
        if let Some(v) = get("SANDKASTEN_ALLOWED_IMAGES") {
            self.allowed_images = v.split(',').map(|s| s.trim().to_owned()).collect();
        }
        if let Some(v) = get("SANDKASTEN_SESSION_TTL_SECONDS") {
            self.session_ttl_seconds =
                parsed("SANDKASTEN_SESSION_TTL_SECONDS", &v, "whole seconds")?;
        }
        if let Some(v) = get("SANDKASTEN_CPU_LIMIT") {
            self.defaults.cpu_limit = parsed("SANDKASTEN_CPU_LIMIT", &v, "a number of CPUs")?;
        }
        if let Some(v) = get("SANDKASTEN_MEM_LIMIT_MB") {
            self.defaults.mem_limit_mb = parsed("SANDKASTEN_MEM_LIMIT_MB", &v, "whole megabytes")?;
        }
        if let Some(v) = get("SANDKASTEN_PIDS_LIMIT") {
            self.defaults.pids_limit = parsed("SANDKASTEN_PIDS_LIMIT", &v, "a whole number")?;
        }
        if let Some(v) = get("SANDKASTEN_MAX_EXEC_TIMEOUT_MS") {
            self.defaults.max_exec_timeout_ms =
                parsed("SANDKASTEN_MAX_EXEC_TIMEOUT_MS", &v, "whole milliseconds")?;
        }
        if let Some(v) = get("SANDKASTEN_NETWORK_MODE") {
            self.defaults.network_mode = v;
        }
        if let Some(v) = get("SANDKASTEN_READONLY_ROOTFS") {
            self.defaults.readonly_rootfs = parse_bool("SANDKASTEN_READONLY_ROOTFS", &v)?;
        }
        if let Some(v) = get("SANDKASTEN_WORKSPACE_ENABLED") {
            self.workspace.enabled = parse_bool("SANDKASTEN_WORKSPACE_ENABLED", &v)?;
        }
        if let Some(v) = get("SANDKASTEN_WORKSPACE_PERSIST_BY_DEFAULT") {
            self.workspace.persist_by_default =
                parse_bool("SANDKASTEN_WORKSPACE_PERSIST_BY_DEFAULT", &v)?;
        }
        Ok(())
    }
}

/// Go's `strconv.ParseBool` accepts these spellings; so do we.
fn parse_bool(name: &str, value: &str) -> Result<bool, ConfigError> {
    match value.trim() {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(ConfigError::Env {
            name: name.into(),
            value: value.into(),
            reason: "expected true or false".into(),
        }),
    }
}

/// serde_yaml_ng appends " at line L column C"; we print the location in front instead.
fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(idx) => message[..idx].to_owned(),
        None => message.to_owned(),
    }
}

/// Loads the configuration: `explicit` must exist; without it `./sandkasten.yaml` is used when
/// present, else sandkasten's defaults. Environment overrides apply last.
pub fn load(
    explicit: Option<&Path>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<LoadedConfig, ConfigError> {
    let (path, required) = match explicit {
        Some(p) => (p.to_owned(), true),
        None => (PathBuf::from(DEFAULT_CONFIG_PATH), false),
    };
    use super::file::{MAX_CONFIG_BYTES, ReadFailure, read_config_text};
    let not_a_config = |path: PathBuf, reason: String| ConfigError::NotAConfigFile { path, reason };
    let text = match read_config_text(&path) {
        Ok(text) => text,
        Err(ReadFailure::Io(e)) if !required && e.kind() == std::io::ErrorKind::NotFound => {
            let mut config = SandkastenConfig::default();
            config.apply_env(&env)?;
            super::validate::validate(&config, None, &env)?;
            let source = ConfigSource::Defaults { looked_for: path };
            return Ok(LoadedConfig { config, source });
        }
        Err(ReadFailure::Io(source)) => return Err(ConfigError::Read { path, source }),
        Err(ReadFailure::NotRegular(kind)) => {
            return Err(not_a_config(
                path,
                format!("it is {kind}, not a regular file"),
            ));
        }
        Err(ReadFailure::TooLarge) => {
            return Err(not_a_config(
                path,
                format!("larger than {} KiB", MAX_CONFIG_BYTES / 1024),
            ));
        }
        Err(ReadFailure::NotUtf8) => return Err(not_a_config(path, "not UTF-8 text".into())),
    };
    let config = SandkastenConfig::from_sources(&text, &path, env)?;
    Ok(LoadedConfig {
        config,
        source: ConfigSource::File(path),
    })
}

#[cfg(test)]
#[path = "sandkasten_tests.rs"]
mod tests;
