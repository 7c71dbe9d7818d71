//! How long an engine call may take before the engine counts as stalled (it accepts the
//! connection but never answers). One place for every deadline, so that a stalled engine is
//! noticed and handled like a lost one instead of leaving a request, a status or a CLI
//! command waiting forever. Knows nothing of the UI.

use std::future::Future;
use std::time::Duration;

use super::error::DockerError;

/// The version probe that proves a connection works: the engine answers it in milliseconds,
/// so a few seconds without an answer means it is not answering at all.
pub const PROBE: Duration = Duration::from_secs(5);

/// bollard's client timeout, applied to every request until the response headers arrive.
/// Streaming calls (events, logs, attach) send their headers at once, so this bounds their
/// start, not their (legitimately silent) body. The slowest ordinary answer is a stop, which
/// gets its own allowance ([`STOP`]).
pub const CALL: Duration = Duration::from_secs(15);

/// One-shot jobs (inspect, create, start, destroy, one listing) end within this, headers and
/// body together; past it the job fails and the connection counts as stalled.
pub const JOB: Duration = Duration::from_secs(20);

/// Creating a session is up to four calls, and undoing a half-made one (container, then the
/// storage made for it) two more, each bounded by [`CALL`] on its own: the job's own limit
/// must never cut the undo off and leave a half-made session behind.
pub const CREATE_SESSION: Duration = Duration::from_secs(15 * 7);

/// Preparing a shell is up to five calls (inspect and start the session when asked, probe
/// `bash` and `sh`, create the exec), each bounded by [`CALL`] on its own and failing as a
/// stall when it gets no answer: the job's own limit only backs them up.
pub const PREPARE_SHELL: Duration = Duration::from_secs(15 * 5);

/// A stop waits up to the container's grace period (10 s) before the engine answers: its
/// client timeout and its job's deadline.
pub const STOP: Duration = Duration::from_secs(30);

/// What every stall says first, so the operator reads the same words wherever it shows.
pub const STALLED: &str = "engine not answering (stalled)";

/// Runs `call` for at most `limit`; past it, fails with [`DockerError::Stalled`] naming `what`.
pub async fn within<T, E>(
    limit: Duration,
    what: &str,
    call: impl Future<Output = Result<T, E>>,
) -> Result<T, DockerError>
where
    DockerError: From<E>,
{
    match tokio::time::timeout(limit, call).await {
        Ok(result) => result.map_err(DockerError::from),
        Err(_) => Err(stalled(what, limit)),
    }
}

/// One engine call, headers and body together, bounded by [`CALL`]. bollard's client timeout
/// ends when the response headers arrive; an engine that sends them and then stalls in the
/// body would otherwise hold the call (and a CLI command) forever. The outer `Err` is the
/// stall; the inner result is bollard's own, so callers can still tell a 404 from a refusal.
pub async fn answer<T>(
    what: &str,
    call: impl Future<Output = Result<T, bollard::errors::Error>>,
) -> Result<Result<T, bollard::errors::Error>, DockerError> {
    answer_within(CALL, what, call).await
}

/// [`answer`] with its own allowance (a stop answers only after the grace period).
pub async fn answer_within<T>(
    limit: Duration,
    what: &str,
    call: impl Future<Output = Result<T, bollard::errors::Error>>,
) -> Result<Result<T, bollard::errors::Error>, DockerError> {
    tokio::time::timeout(limit, call)
        .await
        .map_err(|_| stalled(what, limit))
}

/// The error for a call that got no answer within `limit`.
pub fn stalled(what: &str, limit: Duration) -> DockerError {
    DockerError::Stalled {
        what: what.to_owned(),
        after: limit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_call_past_its_deadline_is_a_stall_naming_it() {
        let never = std::future::pending::<Result<(), DockerError>>();
        let limit = Duration::from_millis(20);
        let err = within(limit, "version", never).await.unwrap_err();
        assert!(err.is_stalled());
        assert_eq!(
            err.to_string(),
            "engine not answering (stalled): no answer to version within 20ms"
        );
        assert!(stalled("version", PROBE).to_string().ends_with("within 5s"));
    }

    #[tokio::test]
    async fn a_call_within_its_deadline_keeps_its_result() {
        let quick = async { Ok::<_, DockerError>(7) };
        assert_eq!(within(PROBE, "x", quick).await.unwrap(), 7);
    }
}
