//! Shells in session containers through the exec API (no docker CLI): which shell the image has,
//! a TTY exec of it, and resizing. Never touches the terminal; the handoff bridges it.

use std::pin::Pin;

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, ResizeExecOptions, StartExecOptions, StartExecResults};
use futures::{Stream, StreamExt};
use tokio::io::AsyncWrite;

use super::error::{DockerError, describe};

/// Shells tried in order. A login shell from /etc/passwd is never relied on (it may be missing
/// or `/sbin/nologin`).
pub const SHELLS: [&str; 2] = ["bash", "sh"];

/// Runs `cmd` without a TTY and returns its exit code.
async fn exit_code(
    docker: &Docker,
    container: &str,
    cmd: Vec<&str>,
) -> Result<Option<i64>, DockerError> {
    let exec = docker
        .create_exec(
            container,
            CreateExecOptions {
                cmd: Some(cmd),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                ..Default::default()
            },
        )
        .await?;
    if let StartExecResults::Attached { mut output, .. } = docker.start_exec(&exec.id, None).await?
    {
        while output.next().await.is_some() {}
    }
    Ok(docker.inspect_exec(&exec.id).await?.exit_code)
}

/// The first of `SHELLS` the image can run.
pub async fn probe_shell(docker: &Docker, container: &str) -> Result<&'static str, DockerError> {
    for shell in SHELLS {
        if exit_code(docker, container, vec![shell, "-c", "exit 0"]).await? == Some(0) {
            return Ok(shell);
        }
    }
    Err(DockerError::Api(format!(
        "no shell in this session's image (tried {})",
        SHELLS.join(", ")
    )))
}

/// A running TTY exec: bytes to write, bytes to show.
pub struct ShellExec {
    pub id: String,
    pub output: Pin<Box<dyn Stream<Item = Result<LogOutput, bollard::errors::Error>> + Send>>,
    pub input: Pin<Box<dyn AsyncWrite + Send>>,
}

/// Starts `shell` with a TTY in the container, `TERM` passed on, sized right after start (a
/// resize before start blocks for 10 s on the engine and then fails).
pub async fn start_shell(
    docker: &Docker,
    container: &str,
    shell: &str,
    term: &str,
    (cols, rows): (u16, u16),
) -> Result<ShellExec, DockerError> {
    let env = format!("TERM={term}");
    let exec = docker
        .create_exec(
            container,
            CreateExecOptions {
                cmd: Some(vec![shell]),
                env: Some(vec![env.as_str()]),
                tty: Some(true),
                attach_stdin: Some(true),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                working_dir: Some("/workspace"),
                ..Default::default()
            },
        )
        .await?;
    let started = docker
        .start_exec(
            &exec.id,
            Some(StartExecOptions {
                detach: false,
                tty: true,
                output_capacity: None,
            }),
        )
        .await?;
    let StartExecResults::Attached { output, input } = started else {
        return Err(DockerError::Api(
            "the engine started the shell detached".into(),
        ));
    };
    resize(docker, &exec.id, cols, rows).await?;
    Ok(ShellExec {
        id: exec.id,
        output,
        input,
    })
}

pub async fn resize(
    docker: &Docker,
    exec_id: &str,
    cols: u16,
    rows: u16,
) -> Result<(), DockerError> {
    docker
        .resize_exec(
            exec_id,
            ResizeExecOptions {
                height: rows,
                width: cols,
            },
        )
        .await
        .map_err(|e| DockerError::Api(format!("resize: {}", describe(&e))))
}

/// The exit code of a finished exec, if the engine knows it.
pub async fn exec_exit_code(docker: &Docker, exec_id: &str) -> Option<i64> {
    docker
        .inspect_exec(exec_id)
        .await
        .ok()
        .and_then(|i| i.exit_code)
}
