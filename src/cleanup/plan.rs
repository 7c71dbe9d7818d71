//! The cleanup plan: exactly what a rule would delete, what it would skip and why, and how much
//! space returns. The TUI preview, the confirmation dialog and `prune --dry-run` all show this.

use jiff::Timestamp;
use serde::Serialize;

use super::rule::{Rule, Verdict};
use crate::domain::measure::Measurement;
use crate::domain::workspace::{Workspace, WorkspaceKind};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum SkipReason {
    /// Containers reference it: the engine would refuse, and sessions would lose their files.
    InUse {
        sessions: Vec<String>,
        other_containers: Vec<String>,
    },
    /// The rule needs its size or activity, which is not known.
    NotMeasured,
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InUse {
                sessions,
                other_containers,
            } => {
                let mut users: Vec<String> =
                    sessions.iter().map(|s| format!("session {s}")).collect();
                users.extend(other_containers.iter().map(|c| format!("container {c}")));
                write!(f, "in use by {}", users.join(", "))
            }
            Self::NotMeasured => write!(f, "size or activity not measured"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub id: String,
    pub volume: String,
    pub kind: WorkspaceKind,
    pub bytes: Option<u64>,
    pub files: Option<u64>,
    /// Newest modification inside, as `ls -l` shows it (writers can set it back).
    pub last_modified: Option<Timestamp>,
    /// What the idle rule judges: see [`Rule::last_activity`].
    pub last_activity: Option<Timestamp>,
    pub created_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip: Option<SkipReason>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Plan {
    pub rule: String,
    /// What would be deleted, oldest activity first.
    pub delete: Vec<Candidate>,
    /// Matches that will not be deleted, with the reason.
    pub skipped: Vec<Candidate>,
    /// Bytes returned by deleting `delete` (measured ones only).
    pub reclaim_bytes: u64,
    /// Some of `delete` have no measured size: the total is a lower bound.
    pub reclaim_partial: bool,
}

impl Plan {
    /// Builds the plan over workspaces and what is known of their contents.
    pub fn build<'a>(
        rule: &Rule,
        workspaces: impl IntoIterator<Item = (&'a Workspace, Option<&'a Measurement>)>,
        now: Timestamp,
    ) -> Plan {
        let mut plan = Plan {
            rule: rule.describe(),
            ..Default::default()
        };
        for (ws, m) in workspaces {
            let verdict = rule.verdict(ws, m, now);
            if verdict == Verdict::No {
                continue;
            }
            let skip = if ws.in_use() {
                Some(SkipReason::InUse {
                    sessions: ws.used_by.clone(),
                    other_containers: ws.other_users.clone(),
                })
            } else if verdict == Verdict::Unknown {
                Some(SkipReason::NotMeasured)
            } else {
                None
            };
            let candidate = Candidate {
                id: ws.id.clone(),
                volume: ws.volume.clone(),
                kind: ws.kind,
                bytes: m.map(|m| m.bytes),
                files: m.and_then(|m| m.files),
                last_modified: m.and_then(|m| m.newest_mtime),
                last_activity: Rule::last_activity(ws, m),
                created_at: ws.created_at,
                skip,
            };
            if candidate.skip.is_some() {
                plan.skipped.push(candidate);
            } else {
                match candidate.bytes {
                    Some(b) => plan.reclaim_bytes += b,
                    None => plan.reclaim_partial = true,
                }
                plan.delete.push(candidate);
            }
        }
        plan.delete
            .sort_by(|a, b| (a.last_activity, &a.id).cmp(&(b.last_activity, &b.id)));
        plan
    }

    /// Volume names to delete, in plan order.
    pub fn volumes(&self) -> Vec<String> {
        self.delete.iter().map(|c| c.volume.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use std::collections::HashMap;
    use std::time::Duration;

    #[test]
    fn plan_deletes_matches_and_skips_what_is_in_use_or_unknown() {
        let now = fixtures::now();
        let workspaces = [
            fixtures::workspace("old", &[], 24 * 60),
            fixtures::workspace("busy", &["s1"], 24 * 60),
            fixtures::workspace("new", &[], 2),
            fixtures::orphan("gone", 24 * 90),
            fixtures::workspace("unmeasured", &[], 24 * 60),
        ];
        let m = |bytes| Measurement {
            bytes,
            files: Some(1),
            newest_mtime: None,
            newest_ctime: None,
            measured_at: now,
        };
        let measurements = HashMap::from([
            ("sandkasten-ws-old".to_owned(), m(1000)),
            ("sandkasten-ws-busy".to_owned(), m(50)),
            ("sandkasten-ws-gone".to_owned(), m(24)),
        ]);
        let rule = Rule {
            older_than: Some(Duration::from_secs(30 * 86_400)),
            larger_than: Some(10),
            ..Default::default()
        };
        let plan = Plan::build(
            &rule,
            workspaces.iter().map(|w| (w, measurements.get(&w.volume))),
            now,
        );
        let ids: Vec<&str> = plan.delete.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["gone", "old"], "oldest activity first");
        assert_eq!(plan.reclaim_bytes, 1024);
        assert!(!plan.reclaim_partial);
        let skipped: Vec<(&str, String)> = plan
            .skipped
            .iter()
            .map(|c| (c.id.as_str(), c.skip.as_ref().unwrap().to_string()))
            .collect();
        assert_eq!(
            skipped,
            [
                ("busy", "in use by session s1".to_owned()),
                ("unmeasured", "size or activity not measured".to_owned())
            ]
        );
        assert_eq!(plan.volumes(), ["sandkasten-ws-gone", "sandkasten-ws-old"]);
    }
}
