//! Configuration: `sandkasten.yaml` with its environment overrides, and the key bindings embedded
//! from `assets/`. Reads files; never talks to Docker or the terminal.

mod file;
pub mod keymap;
mod sandkasten;
mod validate;

pub use file::read_config_text;
pub use sandkasten::{
    ConfigError, ConfigSource, DEFAULT_CONFIG_PATH, LoadedConfig, PoolConfig, SandkastenConfig,
    WorkspaceConfig, load,
};
pub use validate::Origin;
