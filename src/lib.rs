//! sandkasten-tui: a terminal UI and CLI for operators of sandkasten sandbox hosts.
//!
//! Layout: `action` (what a key can mean, the keymap's vocabulary), `app` (state, messages,
//! update, keymap lookup, event loop), `ui` (pure rendering), `domain` (sessions, workspaces,
//! sizes, ids, labels, typed failures: plain data), `docker` (the engine: the one client task,
//! bollard → domain), `workspace_fs` (files inside workspaces), `config`, `cli`, `tui`
//! (terminal guard, shell handoff).

pub mod action;
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
