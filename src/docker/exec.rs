//! Shells in session containers through the exec API (no docker CLI): which shell the image has,
//! the pid announcement of the wrapper it runs under, resizing, and ending everything it
//! started. Never touches the terminal; `shell` prepares and attaches, the handoff bridges.

use bollard::Docker;
use bollard::exec::{CreateExecOptions, ResizeExecOptions, StartExecResults};
use futures::StreamExt;

use super::deadline;
use super::error::{DockerError, describe};

/// Shells tried in order. A login shell from /etc/passwd is never relied on (it may be missing
/// or `/sbin/nologin`).
pub const SHELLS: [&str; 2] = ["bash", "sh"];

/// Runs `cmd` without a TTY and returns its exit code. The commands run here end at once, so
/// the whole exchange gets one call's deadline: an engine that stops answering mid-way (even
/// inside the output stream) fails it instead of holding it.
async fn exit_code(
    docker: &Docker,
    container: &str,
    cmd: Vec<&str>,
) -> Result<Option<i64>, DockerError> {
    deadline::within(deadline::CALL, "running a command in the session", async {
        exit_code_unbounded(docker, container, cmd).await
    })
    .await
}

async fn exit_code_unbounded(
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

/// What the shell's wrapper prints before it becomes the shell: its pid inside the container,
/// as an OSC string (a terminal that ever saw it would ignore it; the handoff strips it).
const PID_MARKER: &[u8] = b"\x1b]sandkasten-tui-pid;";
/// The wrapper: announce `$$`, then become the shell (same pid, the exec's session leader).
/// Needs no writable filesystem and works with busybox `sh`.
pub(super) const ANNOUNCE_PID: &str = r#"printf '\033]sandkasten-tui-pid;%s\007' "$$"; exec "$0""#;
/// The longest output the marker can take before it is given up on: anything else is the
/// shell's own output and passes through untouched.
const MARKER_MAX: usize = PID_MARKER.len() + 12;
/// How long the wrapper's announcement may take to arrive.
pub(super) const MARKER_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// What the first bytes of the shell's output say about its pid.
#[derive(Debug, PartialEq, Eq)]
pub enum PidMarker {
    /// Not enough bytes yet to tell.
    Incomplete,
    /// The pid, and where the shell's own output starts.
    Found { pid: u32, rest: usize },
    /// No marker: every byte is the shell's output.
    Absent,
}

/// Reads the wrapper's pid announcement at the start of `buf`.
pub fn scan_pid_marker(buf: &[u8]) -> PidMarker {
    let head = buf.len().min(PID_MARKER.len());
    if buf[..head] != PID_MARKER[..head] {
        return PidMarker::Absent;
    }
    if buf.len() <= PID_MARKER.len() {
        return PidMarker::Incomplete;
    }
    let body = &buf[PID_MARKER.len()..];
    match body.iter().position(|b| *b == 0x07) {
        Some(end) => std::str::from_utf8(&body[..end])
            .ok()
            .and_then(|digits| digits.parse().ok())
            .map_or(PidMarker::Absent, |pid| PidMarker::Found {
                pid,
                rest: PID_MARKER.len() + end + 1,
            }),
        None if buf.len() < MARKER_MAX => PidMarker::Incomplete,
        None => PidMarker::Absent,
    }
}

/// Set in the shell's environment with a value unique to one attach; inherited by everything
/// the shell starts.
pub const MARK_VAR: &str = "SANDKASTEN_TUI_SHELL";

/// Ends every process of the shell's session (the exec is its session leader, so its pid is
/// the session id) and every process carrying the attach's mark in its environment (what
/// left the session with `setsid` or by daemonizing still inherited it): SIGHUP and SIGCONT,
/// as a terminal hangup would send, then SIGKILL for what is still there a second later. The engine has no API to kill an exec, and closing the
/// attach stream leaves the shell running; `/proc` is read by the image's own shell, so
/// nothing beyond the shell the handoff already needs is assumed. Zombies are not counted:
/// they no longer run, and their parent reaps them.
const END_SESSION: &str = r#"s=$1 m=$2
marked() {
  while IFS= read -r e || [ -n "$e" ]; do
    case $e in *"$m"*) return 0;; esac
  done 2>/dev/null < "$1/environ"
  return 1
}
members() {
  for d in /proc/[0-9]*; do
    read -r l 2>/dev/null < "$d/stat" || continue
    set -- ${l##*") "}
    [ "$1" = Z ] && continue
    if [ -n "$s" ] && [ "$4" = "$s" ] || marked "$d"; then printf '%s ' "${d#/proc/}"; fi
  done
}
p=$(members)
[ -z "$p" ] && exit 0
kill -HUP $p 2>/dev/null
kill -CONT $p 2>/dev/null
for _ in 1 2 3 4 5 6 7 8 9 10; do
  sleep 0.1
  p=$(members)
  [ -z "$p" ] && exit 0
done
kill -KILL $p 2>/dev/null
exit 0"#;

/// Ends the shell of a [`PreparedShell`](super::shell::PreparedShell) (`pid` when it
/// announced it, `mark` the value of [`MARK_VAR`] it was started with) and everything it started: jobs, `nohup`, and what made itself a new
/// session but kept its environment (only a process that also cleared its environment is
/// beyond reach).
pub async fn end_shell_session(
    docker: &Docker,
    container: &str,
    shell: &str,
    pid: Option<u32>,
    mark: &str,
) -> Result<(), DockerError> {
    let pid = pid.map(|p| p.to_string()).unwrap_or_default();
    let mark = format!("{MARK_VAR}={mark}");
    exit_code(
        docker,
        container,
        vec![shell, "-c", END_SESSION, shell, pid.as_str(), mark.as_str()],
    )
    .await
    .map(drop)
}

/// What ending one attach's processes takes ([`end_shell_session`]'s arguments): plain data,
/// so that the TUI can hand it to the Docker task (which keeps it until a run succeeds, the
/// engine may be away) instead of waiting for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellCleanup {
    pub container: String,
    pub shell: String,
    pub pid: Option<u32>,
    pub mark: String,
}

impl ShellCleanup {
    pub async fn run(&self, docker: &Docker) -> Result<(), DockerError> {
        end_shell_session(docker, &self.container, &self.shell, self.pid, &self.mark).await
    }
}

pub async fn resize(
    docker: &Docker,
    exec_id: &str,
    cols: u16,
    rows: u16,
) -> Result<(), DockerError> {
    let resize = docker.resize_exec(
        exec_id,
        ResizeExecOptions {
            height: rows,
            width: cols,
        },
    );
    deadline::answer("resizing the shell", resize)
        .await?
        .map_err(|e| DockerError::Api(format!("resize: {}", describe(&e))))
}

/// The exit code of a finished exec, if the engine knows it.
pub async fn exec_exit_code(docker: &Docker, exec_id: &str) -> Option<i64> {
    deadline::answer("inspecting the shell", docker.inspect_exec(exec_id))
        .await
        .ok()?
        .ok()
        .and_then(|i| i.exit_code)
}

#[cfg(test)]
mod tests {
    use super::{PidMarker, scan_pid_marker};

    #[test]
    fn pid_marker_is_taken_off_the_shell_output() {
        let out = b"\x1b]sandkasten-tui-pid;42\x07$ ";
        assert_eq!(
            scan_pid_marker(out),
            PidMarker::Found {
                pid: 42,
                rest: out.len() - 2
            }
        );
    }

    #[test]
    fn pid_marker_waits_for_more_bytes_while_it_can_still_match() {
        assert_eq!(scan_pid_marker(b""), PidMarker::Incomplete);
        assert_eq!(scan_pid_marker(b"\x1b]sandk"), PidMarker::Incomplete);
        assert_eq!(
            scan_pid_marker(b"\x1b]sandkasten-tui-pid;12"),
            PidMarker::Incomplete
        );
    }

    #[test]
    fn output_without_the_marker_passes_through_whole() {
        assert_eq!(scan_pid_marker(b"$ "), PidMarker::Absent);
        assert_eq!(scan_pid_marker(b"\x1b[0m"), PidMarker::Absent);
        assert_eq!(
            scan_pid_marker(b"\x1b]sandkasten-tui-pid;x\x07"),
            PidMarker::Absent
        );
        assert_eq!(
            scan_pid_marker(b"\x1b]sandkasten-tui-pid;1234567890123456"),
            PidMarker::Absent
        );
    }
}
