//! The one yes/no question (after gitui's `ConfirmPopup`): what it asks, line by line with the
//! meaning of each part (what it is about, what goes, what stays), and the commands to run on
//! yes. The questions this program asks are built here from domain data, their wording
//! included; `update` opens them and sends `on_yes` on yes, `ui` draws them (its keys come from
//! the keymap). Plain data: nothing here runs a command or touches the state.

use crate::app::msg::Command;
use crate::docker::DockerCmd;
use crate::domain::files::{FsPath, Identity};
use crate::domain::ids::RequestId;
use crate::domain::session::{Session, SessionWorkspace};
use crate::domain::shell::ShellTarget;
use crate::workspace_fs::task::FsCmd;

#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub title: String,
    pub lines: Vec<ConfirmLine>,
    /// What yes does, as the hint names it ("destroy", "delete", "start and attach").
    pub yes_label: String,
    /// Yes cannot be undone: the question is framed as a danger, and yes counts only when it
    /// arrived after the question was on screen (`State::dialog_armed`).
    pub destructive: bool,
    /// Sent unchanged on yes, built when the question opened from what it names, so that the
    /// engine acts on nothing else: a session by its container id (never a name that may
    /// repeat), a file by its path inside the workspace (symlinks never followed) and only
    /// while that path holds the file listed.
    pub on_yes: Vec<Command>,
}

/// What a part of a line says; the renderer styles it by this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meaning {
    Plain,
    /// What the question is about: a session, a file.
    Subject,
    /// What is lost on yes.
    Goes,
    /// What yes leaves in place.
    Stays,
    /// A detail worth knowing, said quietly.
    Note,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub meaning: Meaning,
    pub text: String,
}

/// One line of the question.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfirmLine(pub Vec<Part>);

impl ConfirmLine {
    /// A line saying one thing.
    pub fn of(meaning: Meaning, text: impl Into<String>) -> Self {
        Self(vec![Part {
            meaning,
            text: text.into(),
        }])
    }

    /// A line of several parts, in order.
    pub fn parts(parts: impl IntoIterator<Item = (Meaning, String)>) -> Self {
        Self(
            parts
                .into_iter()
                .map(|(meaning, text)| Part { meaning, text })
                .collect(),
        )
    }
}

impl Confirm {
    /// Destroying a session: its container goes; a persistent workspace stays, ephemeral
    /// storage goes with it. On yes the Docker task destroys exactly this container.
    pub fn destroy_session(session: &Session, req: RequestId) -> Self {
        let mut lines = vec![ConfirmLine::parts([
            (Meaning::Plain, "Session ".to_owned()),
            (Meaning::Subject, session.id.clone()),
            (
                Meaning::Plain,
                format!(
                    ": container {} is removed (running or not).",
                    session.container
                ),
            ),
        ])];
        match &session.workspace {
            SessionWorkspace::Persistent(ws) => lines.push(ConfirmLine::of(
                Meaning::Stays,
                format!("Workspace {ws} stays: its files persist for the next session."),
            )),
            SessionWorkspace::Ephemeral { volume: Some(v) } => lines.push(ConfirmLine::of(
                Meaning::Goes,
                format!("Its ephemeral storage {v} goes with it: those files are lost."),
            )),
            SessionWorkspace::Ephemeral { volume: None } => {}
        }
        Self {
            title: "Destroy session".to_owned(),
            lines,
            yes_label: "destroy".to_owned(),
            destructive: true,
            on_yes: vec![Command::Docker(DockerCmd::DestroySession {
                req,
                container_id: session.container_id.clone(),
            })],
        }
    }

    /// A shell in a session that is not running: start it first? Nothing is lost either way.
    pub fn start_first(target: ShellTarget, req: RequestId) -> Self {
        Self {
            title: "Session not running".to_owned(),
            lines: vec![
                ConfirmLine::of(
                    Meaning::Plain,
                    format!("Session {} is not running.", target.session),
                ),
                ConfirmLine::of(Meaning::Plain, "Start it and open a shell?"),
            ],
            yes_label: "start and attach".to_owned(),
            destructive: false,
            on_yes: vec![Command::Docker(DockerCmd::PrepareShell {
                req,
                target: ShellTarget {
                    start_first: true,
                    ..target
                },
            })],
        }
    }

    /// Deleting a file, or a directory with everything in it. `name` is how the browser shows
    /// the path; `meant` is the entry listed there, the only one yes removes (a file a session
    /// puts at that name meanwhile is kept).
    pub fn remove_path(
        path: FsPath,
        name: &str,
        is_dir: bool,
        meant: Identity,
        req: RequestId,
    ) -> Self {
        let lines = if is_dir {
            vec![
                ConfirmLine::of(
                    Meaning::Goes,
                    format!("Directory {name} and everything in it will be deleted for good."),
                ),
                ConfirmLine::of(
                    Meaning::Note,
                    "Symlinks inside are removed, never followed.",
                ),
            ]
        } else {
            vec![ConfirmLine::of(
                Meaning::Goes,
                format!("File {name} will be deleted for good."),
            )]
        };
        Self {
            title: "Delete".to_owned(),
            lines,
            yes_label: "delete".to_owned(),
            destructive: true,
            on_yes: vec![Command::Fs(FsCmd::Remove {
                req,
                path,
                recursive: is_dir,
                meant,
            })],
        }
    }
}
