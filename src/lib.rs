//! sandkasten-tui: a terminal UI and CLI for operators of sandkasten sandbox hosts.
//!
//! Layout: `app` (state, actions, update, keymap, event loop), `ui` (pure rendering),
//! `domain` (sessions, workspaces, sizes, ids, labels, typed failures: plain data), `docker`
//! (the engine: client task, bollard → domain), `workspace_fs` (files inside workspaces),
//! `config`, `cli`, `tui` (terminal guard).

pub mod app;
pub mod cleanup;
pub mod cli;
pub mod config;
pub mod docker;
pub mod domain;
pub mod format;
pub mod logging;
pub mod tui;
pub mod ui;
pub mod workspace_fs;

#[cfg(test)]
pub mod fixtures;
