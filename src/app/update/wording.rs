//! The shared phrasing of a failed request: what happened (the failure's detail, the engine's
//! or the file helper's own reason) and what to do next, by its kind. update writes notices,
//! reports and the views' messages with it; what the screen does about a kind (refresh, keep,
//! ask) is decided where the answer is applied, not here. Pure text, no state.

use crate::domain::outcome::{Failure, FailureKind};

/// What to do next after a failure of this kind, when there is anything to say. Where an
/// answer can be `NotFound`, update refreshes what it shows (the inventory, the listing): the
/// words promise it.
pub fn next_step(kind: FailureKind) -> Option<&'static str> {
    Some(match kind {
        FailureKind::NotFound => "gone meanwhile; the list refreshes",
        FailureKind::InUse => "still in use; end what uses it first",
        FailureKind::Unreachable => "the engine cannot be reached; it reconnects by itself",
        FailureKind::Stalled => "it retries by itself",
        FailureKind::Refused => {
            "refused on purpose (read-only, or not sandkasten's); trying again will not help"
        }
        FailureKind::Conflict => "pick another name, or reload and try again",
        // The detail says all there is.
        FailureKind::Invalid | FailureKind::Other => return None,
    })
}

/// The failure as the operator reads it: its detail, then what to do next.
pub fn failure(f: &Failure) -> String {
    match next_step(f.kind) {
        Some(next) => format!("{} — {next}", f.detail),
        None => f.detail.clone(),
    }
}

/// `what` failed, and why: "`what`: detail — next step".
pub fn failed(what: &str, f: &Failure) -> String {
    format!("{what}: {}", failure(f))
}

/// A removal the file helper declined because the name holds another file than the one
/// listed (a session replaced it meanwhile): nothing was deleted, and the listing that follows
/// shows the new one. Not "pick another name": there is nothing to rename.
pub fn removal_failed(what: &str, f: &Failure) -> String {
    if f.kind == FailureKind::Conflict {
        format!("{what}: {} — the listing shows what is there now", f.detail)
    } else {
        failed(what, f)
    }
}

/// A download or upload that failed. Its failure may be the host's (a destination directory
/// that does not exist, one not writable, a source that is a symlink) as well as the
/// workspace's, so the kinds that speak of the workspace or the engine ("gone meanwhile",
/// "not sandkasten's") would mislead: the detail, which names the path and the host's or the
/// helper's reason, says it alone.
pub fn transfer_failed(f: &Failure) -> String {
    match f.kind {
        FailureKind::NotFound | FailureKind::Refused | FailureKind::InUse => {
            format!("Transfer failed: {}", f.detail)
        }
        _ => failed("Transfer failed", f),
    }
}

/// Why a volume a deletion asked for was kept because something mounts it: the engine refused
/// to remove it (a session started on it since it was planned), so nothing was lost.
pub fn kept_in_use(f: &Failure) -> String {
    format!("in use, kept: {}", f.detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_says_what_to_do_next_after_the_engines_reason() {
        let stalled = Failure::new(FailureKind::Stalled, "no answer to inspecting within 20s");
        assert_eq!(
            failure(&stalled),
            "no answer to inspecting within 20s — it retries by itself"
        );
        let gone = Failure::new(FailureKind::NotFound, "no such container: c1 (404)");
        assert_eq!(
            failed("Session s1", &gone),
            "Session s1: no such container: c1 (404) — gone meanwhile; the list refreshes"
        );
        let down = Failure::new(FailureKind::Unreachable, "connection refused");
        assert!(failure(&down).contains("the engine cannot be reached"));
        let theirs = Failure::new(FailureKind::Refused, "x is not a sandkasten session");
        assert!(failure(&theirs).contains("not sandkasten's"));
        let busy = Failure::new(FailureKind::InUse, "volume is in use (409)");
        assert!(failure(&busy).ends_with("end what uses it first"));
        let odd = Failure::new(FailureKind::Other, "boom");
        assert_eq!(failure(&odd), "boom");
    }
}
