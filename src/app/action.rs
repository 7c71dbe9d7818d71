//! What the user (or a background task) asks of the app. Bindable actions deserialise from the
//! keymap by their snake_case names; internal ones are `#[serde(skip)]`.

use serde::Deserialize;

use crate::app::state::Pane;
use crate::docker::{DockerCmd, DockerEvent};

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    ToggleHelp,
    FocusNext,
    FocusPrev,
    FocusSessions,
    FocusWorkspaces,
    SelectNext,
    SelectPrev,
    PageDown,
    PageUp,
    SelectFirst,
    SelectLast,
    StartFilter,
    ClearFilter,
    FilterAccept,
    FilterCancel,
    FilterBackspace,
    SortById,
    SortByName,
    SortByState,
    SortByImage,
    SortByAge,
    SortByWorkspace,
    SortByQuota,
    SortByUsers,
    /// A typed character while the filter line has focus.
    #[serde(skip)]
    FilterInput(char),
    /// Mouse click on a pane; `row` is the visible row under the pointer, if any.
    #[serde(skip)]
    Click {
        pane: Pane,
        row: Option<usize>,
    },
    #[serde(skip)]
    Scroll {
        pane: Pane,
        down: bool,
    },
    /// The terminal changed size or needs a full repaint.
    #[serde(skip)]
    Redraw,
    /// A report from the Docker task.
    #[serde(skip)]
    Docker(DockerEvent),
}

/// Side effects `update` asks the loop to carry out.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Docker(DockerCmd),
}
