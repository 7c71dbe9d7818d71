//! The yes/no question's actions: yes sends the commands it carries and notes what is now in
//! flight (the same notes as when such a command is sent straight from a key), no closes it.
//! Whether a yes counts at all (a destructive one only after the question was on screen) is
//! decided before, in `dialogs::on_input`; the commands themselves are never changed here.

use super::dialogs::Outcome;
use super::notice;
use crate::action::Action;
use crate::app::confirm::Confirm;
use crate::app::dialog::Dialog;
use crate::app::msg::{Command, Msg};
use crate::app::state::{NoticeLevel, State};
use crate::docker::DockerCmd;
use crate::domain::ids::short_container_id;
use crate::workspace_fs::task::FsCmd;

pub(super) fn on_input(state: &mut State, confirm: Confirm, msg: Msg) -> Outcome {
    match msg {
        Msg::Key(Action::Confirm) => {
            for command in &confirm.on_yes {
                in_flight(state, command);
            }
            (None, confirm.on_yes)
        }
        Msg::Key(Action::Cancel) => (None, Vec::new()),
        _ => (Some(Dialog::Confirm(confirm)), Vec::new()),
    }
}

/// What sending `command` means for the screen: the request it is awaited under, and what the
/// status bar says meanwhile.
fn in_flight(state: &mut State, command: &Command) {
    match command {
        Command::Docker(DockerCmd::DestroySession { container_id, .. }) => {
            let session = state
                .sessions
                .list
                .rows()
                .iter()
                .find(|s| s.container_id == *container_id)
                .map_or_else(
                    || short_container_id(container_id).to_owned(),
                    |s| s.id.clone(),
                );
            notice(
                state,
                NoticeLevel::Info,
                format!("Destroying session {session}…"),
            );
        }
        Command::Docker(DockerCmd::PrepareShell { req, target }) => {
            super::sessions::awaiting_shell(state, *req, target);
        }
        Command::Fs(FsCmd::Remove { req, .. }) => {
            if let Some(files) = state.files_mut() {
                files.changing = Some(*req);
            }
        }
        _ => {}
    }
}
