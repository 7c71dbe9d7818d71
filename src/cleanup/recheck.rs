//! The last check before a rule's pick is removed: the rule is evaluated again on figures
//! measured right then, so a workspace written since the plan was made is kept, not deleted.
//! Pure: the deletion path (docker::delete) measures, this decides.

use jiff::Timestamp;

use super::rule::{Rule, Verdict};
use crate::domain::measure::Measurement;
use crate::domain::outcome::Failure;
use crate::domain::workspace::Workspace;

/// Why a volume is part of a deletion request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    /// Marked by the operator: deleted as confirmed (the engine still refuses one in use).
    ByHand,
    /// Selected by this rule: re-evaluated on fresh figures right before removal.
    Rule(Rule),
}

/// Ok when the rule still picks the workspace now; else why it is kept. `workspace` is the
/// engine's view right now (`None`: it is no longer a workspace or orphan at all), `fresh` the
/// measurement taken for this check (`None` when the rule needs none).
pub fn recheck(
    rule: &Rule,
    workspace: Option<&Workspace>,
    fresh: Option<&Result<Measurement, Failure>>,
    now: Timestamp,
) -> Result<(), String> {
    let kept = |why: String| Err(format!("changed since planned: kept ({why})"));
    let Some(ws) = workspace else {
        return kept("it is no longer a workspace or orphaned volume".to_owned());
    };
    let measurement = fresh.and_then(|r| r.as_ref().ok());
    match rule.verdict(ws, measurement, now) {
        Verdict::Yes => Ok(()),
        Verdict::No => kept(now_figures(ws, measurement)),
        Verdict::Unknown => match fresh {
            Some(Err(e)) => kept(format!("could not measure it again: {e}")),
            _ => kept("its size or activity cannot be measured now".to_owned()),
        },
    }
}

/// What the rule saw this time, in the words of the plan.
fn now_figures(ws: &Workspace, m: Option<&Measurement>) -> String {
    let mut parts = Vec::new();
    if ws.in_use() {
        let mut users = ws.used_by.clone();
        users.extend(ws.other_users.iter().cloned());
        parts.push(format!("in use by {}", users.join(", ")));
    }
    if let Some(m) = m {
        if m.has_activity() {
            parts.push(format!(
                "last activity {}",
                crate::format::datetime(Rule::last_activity(ws, Some(m)))
            ));
        }
        parts.push(crate::format::bytes(m.bytes));
    }
    if parts.is_empty() {
        "no longer matches the rule".to_owned()
    } else {
        format!("now {}", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use std::time::Duration;

    const DAY: Duration = Duration::from_secs(86_400);

    /// Nothing inside modified or changed for `hours_idle`.
    fn walked(bytes: u64, hours_idle: i64) -> Measurement {
        let then = fixtures::now()
            .checked_sub(jiff::SignedDuration::from_hours(hours_idle))
            .ok();
        Measurement {
            bytes,
            files: Some(1),
            newest_mtime: then,
            newest_ctime: then,
            measured_at: fixtures::now(),
        }
    }

    #[test]
    fn recheck_keeps_a_workspace_written_since_the_plan() {
        let now = fixtures::now();
        let ws = fixtures::workspace("a", &[], 24 * 400);
        let rule = Rule {
            idle_for: Some(180 * DAY),
            ..Default::default()
        };
        assert_eq!(
            recheck(&rule, Some(&ws), Some(&Ok(walked(10, 24 * 200))), now),
            Ok(())
        );
        let kept = recheck(&rule, Some(&ws), Some(&Ok(walked(10, 0))), now).unwrap_err();
        assert!(
            kept.starts_with("changed since planned: kept (now last activity"),
            "{kept}"
        );
    }

    #[test]
    fn recheck_keeps_what_cannot_be_measured_again_or_is_gone_or_now_used() {
        let now = fixtures::now();
        let ws = fixtures::workspace("a", &[], 24 * 400);
        let rule = Rule {
            idle_for: Some(DAY),
            ..Default::default()
        };
        let failed = Err(Failure::new(
            crate::domain::outcome::FailureKind::Other,
            "cannot walk",
        ));
        assert!(
            recheck(&rule, Some(&ws), Some(&failed), now)
                .unwrap_err()
                .contains("could not measure it again: cannot walk")
        );
        assert!(recheck(&rule, None, None, now).is_err());
        let unused = Rule {
            unused: true,
            ..Default::default()
        };
        let used = fixtures::workspace("a", &["s1"], 24 * 400);
        assert_eq!(recheck(&unused, Some(&ws), None, now), Ok(()));
        assert!(
            recheck(&unused, Some(&used), None, now)
                .unwrap_err()
                .contains("in use by s1")
        );
    }
}
