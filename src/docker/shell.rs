//! A session's shell from the engine's side, in two steps: the Docker task prepares it
//! ([`prepare_shell`]: start the session if asked, find its shell, create the exec under the
//! wrapper that announces its pid) without the terminal, and the handoff attaches the prepared
//! exec ([`PreparedShell::attach`]) and bridges bytes through [`AttachedShell`]. No bollard type
//! leaves this file; the client used is the one the shell was prepared with. Never touches the
//! terminal.

use std::fmt;
use std::pin::Pin;

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, StartExecOptions, StartExecResults};
use futures::{Stream, StreamExt};
use tokio::io::AsyncWrite;

use super::deadline;
use super::error::{DockerError, describe};
use super::exec::{
    ANNOUNCE_PID, MARK_VAR, MARKER_WAIT, PidMarker, ShellCleanup, exec_exit_code, probe_shell,
    resize, scan_pid_marker,
};
use super::lifecycle::set_running;
use crate::domain::shell::ShellTarget;

/// The terminal type the shell is told (`TERM` of this program's terminal).
pub fn term_name() -> String {
    std::env::var("TERM").unwrap_or_else(|_| "xterm-256color".into())
}

/// A shell ready to attach: the session runs, its shell is known and the exec is created, not
/// started, so nothing runs in the session until [`attach`](Self::attach). Carries the client
/// it was made with (the Docker task's connection at the time).
#[derive(Clone)]
pub struct PreparedShell {
    pub session: String,
    pub container: String,
    /// `bash` or `sh`, as [`probe_shell`] found it.
    pub shell: String,
    exec_id: String,
    /// The value of [`MARK_VAR`] in the shell's environment: everything it starts inherits
    /// it, a process that left the shell's session (`setsid`, a daemon) included.
    mark: String,
    docker: Docker,
}

impl fmt::Debug for PreparedShell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedShell")
            .field("session", &self.session)
            .field("container", &self.container)
            .field("shell", &self.shell)
            .field("exec_id", &self.exec_id)
            .finish_non_exhaustive()
    }
}

/// The same exec is the same prepared shell, whichever client copy carries it.
impl PartialEq for PreparedShell {
    fn eq(&self, other: &Self) -> bool {
        (
            &self.session,
            &self.container,
            &self.shell,
            &self.exec_id,
            &self.mark,
        ) == (
            &other.session,
            &other.container,
            &other.shell,
            &other.exec_id,
            &other.mark,
        )
    }
}

/// Starts the session when `target` asks for it, finds its shell and creates the exec (`TERM`
/// is `term`). Every call carries its own engine deadline, so a stalled engine fails this with
/// [`DockerError::Stalled`].
pub async fn prepare_shell(
    docker: &Docker,
    target: &ShellTarget,
    term: &str,
) -> Result<PreparedShell, DockerError> {
    if target.start_first {
        set_running(docker, &target.container, true)
            .await
            .map_err(|e| match e {
                e @ DockerError::Stalled { .. } => e,
                // Said as the start's failure, of the kind the start's own failure is.
                e => {
                    let why = crate::domain::outcome::Failure::from(e);
                    DockerError::declined(why.kind, format!("could not start it: {}", why.detail))
                }
            })?;
    }
    let shell = probe_shell(docker, &target.container).await?;
    let env = format!("TERM={term}");
    let mark = super::lifecycle::new_session_id();
    let marked = format!("{MARK_VAR}={mark}");
    let create = docker.create_exec(
        &target.container,
        CreateExecOptions {
            cmd: Some(vec![shell, "-c", ANNOUNCE_PID, shell]),
            env: Some(vec![env.as_str(), marked.as_str()]),
            tty: Some(true),
            attach_stdin: Some(true),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            working_dir: Some("/workspace"),
            ..Default::default()
        },
    );
    let exec = deadline::answer("creating the shell", create).await??;
    Ok(PreparedShell {
        session: target.session.clone(),
        container: target.container.clone(),
        shell: shell.to_owned(),
        exec_id: exec.id,
        mark,
        docker: docker.clone(),
    })
}

impl PreparedShell {
    /// What ends this shell's processes when its pid is not known (never attached, or the
    /// attach failed before it announced it): everything carrying its mark.
    pub fn cleanup(&self) -> ShellCleanup {
        ShellCleanup {
            container: self.container.clone(),
            shell: self.shell.clone(),
            pid: None,
            mark: self.mark.clone(),
        }
    }

    /// Starts the exec attached, sizes it right after the start (a resize before the start
    /// blocks for 10 s on the engine and then fails) and takes the pid announcement off its
    /// output.
    pub async fn attach(&self, (cols, rows): (u16, u16)) -> Result<AttachedShell, DockerError> {
        let start = self.docker.start_exec(
            &self.exec_id,
            Some(StartExecOptions {
                detach: false,
                tty: true,
                output_capacity: None,
            }),
        );
        let started = deadline::answer("starting the shell", start).await??;
        let StartExecResults::Attached { mut output, input } = started else {
            return Err(DockerError::Api(
                "the engine started the shell detached".into(),
            ));
        };
        // The shell runs from here on: a failed resize must not return before the caller holds
        // what it needs to end the shell (its size is cosmetic; the next window change retries).
        if let Err(e) = resize(&self.docker, &self.exec_id, cols, rows).await {
            tracing::warn!(%e, "sizing the shell after start");
        }
        let (pid, first_output) = read_pid_marker(&mut output).await;
        let cleanup = ShellCleanup {
            pid,
            ..self.cleanup()
        };
        Ok(AttachedShell {
            first_output,
            input: Some(input),
            output,
            cleanup,
            exec_id: self.exec_id.clone(),
            docker: self.docker.clone(),
        })
    }

    /// Ends what carries this shell's mark now, through the client it was prepared with: for
    /// `session shell` when the attach failed (no Docker task runs to hand it to).
    pub async fn end(&self) -> Result<(), DockerError> {
        self.cleanup().run(&self.docker).await
    }
}

type ExecOutput = Pin<Box<dyn Stream<Item = Result<LogOutput, bollard::errors::Error>> + Send>>;

/// Where the shell's keystrokes go.
pub type ShellInput = Pin<Box<dyn AsyncWrite + Send>>;

/// A running, attached shell: bytes to show, a writer for keystrokes, its size, its end.
pub struct AttachedShell {
    /// Output that arrived with the pid announcement, to be shown before the rest.
    pub first_output: Vec<u8>,
    input: Option<ShellInput>,
    output: ExecOutput,
    cleanup: ShellCleanup,
    exec_id: String,
    docker: Docker,
}

impl AttachedShell {
    /// The keystroke writer, once (the handoff's input pump owns it from then on).
    pub fn take_input(&mut self) -> Option<ShellInput> {
        self.input.take()
    }

    /// The shell's next output; `None` once it has ended, an error when the connection to
    /// the engine broke.
    pub async fn next_output(&mut self) -> Option<Result<Vec<u8>, String>> {
        let chunk = self.output.next().await?;
        Some(
            chunk
                .map(|c| c.into_bytes().to_vec())
                .map_err(|e| describe(&e)),
        )
    }

    /// The window changed size.
    pub async fn resize(&self, cols: u16, rows: u16) -> Result<(), DockerError> {
        resize(&self.docker, &self.exec_id, cols, rows).await
    }

    /// The exit code of the ended shell, if the engine knows it.
    pub async fn exit_code(&self) -> Option<i64> {
        exec_exit_code(&self.docker, &self.exec_id).await
    }

    /// The shell's pid inside the container, when the wrapper announced it.
    pub fn pid(&self) -> Option<u32> {
        self.cleanup.pid
    }

    /// What ends this shell and everything it started: handed to the Docker task, or run
    /// here with [`end`](Self::end) when no task runs (the CLI).
    pub fn cleanup(&self) -> ShellCleanup {
        self.cleanup.clone()
    }

    /// Ends the shell's processes now, through the client it was attached with.
    pub async fn end(&self) -> Result<(), DockerError> {
        self.cleanup.run(&self.docker).await
    }
}

/// Takes the pid announcement off the start of the output; gives up (and keeps every byte)
/// when it does not come.
async fn read_pid_marker(output: &mut ExecOutput) -> (Option<u32>, Vec<u8>) {
    let mut buf = Vec::new();
    let deadline = tokio::time::Instant::now() + MARKER_WAIT;
    loop {
        match scan_pid_marker(&buf) {
            PidMarker::Found { pid, rest } => return (Some(pid), buf.split_off(rest)),
            PidMarker::Absent => return (None, buf),
            PidMarker::Incomplete => {}
        }
        match tokio::time::timeout_at(deadline, output.next()).await {
            Ok(Some(Ok(chunk))) => buf.extend_from_slice(&chunk.into_bytes()),
            // The stream's end or error is seen again by the bridge, which reports it.
            Ok(Some(Err(_)) | None) | Err(_) => return (None, buf),
        }
    }
}

#[cfg(test)]
impl PreparedShell {
    /// A prepared shell whose client points nowhere (no IO happens until it is used): for
    /// tests of what the UI does with one.
    pub(crate) fn fixture(session: &str, exec_id: &str) -> Self {
        let engine = super::connect_at("tcp://127.0.0.1:1").unwrap_or_else(|e| panic!("{e}"));
        Self {
            session: session.to_owned(),
            container: format!("c-{session}"),
            shell: "sh".to_owned(),
            exec_id: exec_id.to_owned(),
            mark: format!("mark-{exec_id}"),
            docker: engine.docker,
        }
    }
}
