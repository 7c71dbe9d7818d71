//! A cleanup rule: criteria that all must hold (each one narrows the selection).

use std::time::Duration;

use jiff::Timestamp;
use thiserror::Error;

use crate::domain::measure::Measurement;
use crate::domain::workspace::Workspace;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rule {
    /// Created more than this long ago.
    pub older_than: Option<Duration>,
    /// Nothing inside modified or changed for this long (needs a measurement): see
    /// [`Rule::last_activity`].
    pub idle_for: Option<Duration>,
    /// No container references it.
    pub unused: bool,
    /// Only orphaned ephemeral volumes.
    pub orphans: bool,
    /// Uses more than this many bytes (needs a measurement).
    pub larger_than: Option<u64>,
    /// Only workspaces whose id starts with this (a namespace such as `alice-`).
    pub id_prefix: Option<String>,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum RuleError {
    #[error("{0:?} is not a duration: use e.g. 30d, 12h, 90m, 2w")]
    Duration(String),
    #[error("{0:?} is not a size: use e.g. 500M, 2GiB, 1024 (M and G are powers of 1024)")]
    Size(String),
}

pub fn parse_duration(text: &str) -> Result<Duration, RuleError> {
    humantime::parse_duration(text.trim()).map_err(|_| RuleError::Duration(text.to_owned()))
}

/// Sizes follow Docker's convention: bare units are binary (`500M` = 500 MiB).
pub fn parse_size(text: &str) -> Result<u64, RuleError> {
    parse_size::Config::new()
        .with_binary()
        .parse_size(text.trim())
        .map_err(|_| RuleError::Size(text.to_owned()))
}

/// `30d`, `12h`, `90m`: the largest unit that divides the duration, as operators write it.
pub fn short_duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0 => "0s".to_owned(),
        s if s % 604_800 == 0 && s >= 604_800 * 2 => format!("{}w", s / 604_800),
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// Whether a criterion holds, could not be decided yet, or fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Yes,
    No,
    /// Needs a size or activity figure that is not known (yet).
    Unknown,
}

impl Rule {
    /// No criterion that selects: a prefix alone only scopes, it does not choose what to delete.
    pub fn is_empty(&self) -> bool {
        Rule {
            id_prefix: None,
            ..self.clone()
        } == Rule::default()
    }

    pub fn needs_measurement(&self) -> bool {
        self.idle_for.is_some() || self.larger_than.is_some()
    }

    /// Last activity: the newest modification or status change inside, and never before the
    /// volume was created. Modification times are the writer's to set: `tar x`, `cp -a`,
    /// `rsync -a`, `touch -d` and uploads that keep times restore old ones, so fresh work in a
    /// volume of any age can hold only files "modified" years ago. Writing them set their
    /// ctime to now all the same, and no unprivileged call can set it back. The volume's
    /// creation was activity too: an empty volume is idle since then.
    pub fn last_activity(
        workspace: &Workspace,
        measurement: Option<&Measurement>,
    ) -> Option<Timestamp> {
        // Without a walk (engine df gives sizes only) activity is unknown, not "since creation".
        match measurement {
            Some(m) if m.has_activity() => m.newest_activity().max(workspace.created_at),
            _ => None,
        }
    }

    pub fn verdict(
        &self,
        workspace: &Workspace,
        measurement: Option<&Measurement>,
        now: Timestamp,
    ) -> Verdict {
        let age_over = |since: Option<Timestamp>, limit: Duration| match since {
            Some(t) => now.duration_since(t).as_secs() >= limit.as_secs() as i64,
            None => false,
        };
        if self.orphans && !workspace.is_orphan() {
            return Verdict::No;
        }
        if let Some(prefix) = &self.id_prefix
            && !workspace.id.starts_with(prefix.as_str())
        {
            return Verdict::No;
        }
        if self.unused && workspace.in_use() {
            return Verdict::No;
        }
        if let Some(limit) = self.older_than
            && !age_over(workspace.created_at, limit)
        {
            return Verdict::No;
        }
        let mut unknown = false;
        if let Some(limit) = self.idle_for {
            match measurement {
                Some(m) if m.has_activity() => {
                    if !age_over(Self::last_activity(workspace, Some(m)), limit) {
                        return Verdict::No;
                    }
                }
                // Not measured, or measured without activity (engine df): never guess.
                _ => unknown = true,
            }
        }
        if let Some(limit) = self.larger_than {
            match measurement {
                Some(m) if m.bytes <= limit => return Verdict::No,
                Some(_) => {}
                None => unknown = true,
            }
        }
        if unknown {
            Verdict::Unknown
        } else {
            Verdict::Yes
        }
    }

    /// A one-line description for dialogs and the CLI.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(d) = self.older_than {
            parts.push(format!("created more than {} ago", short_duration(d)));
        }
        if let Some(d) = self.idle_for {
            parts.push(format!("idle for {}", short_duration(d)));
        }
        if self.unused {
            parts.push("unused".to_owned());
        }
        if self.orphans {
            parts.push("orphaned ephemeral".to_owned());
        }
        if let Some(s) = self.larger_than {
            parts.push(format!("larger than {}", crate::format::bytes(s)));
        }
        if let Some(p) = &self.id_prefix {
            parts.push(format!("id starting with {p:?}"));
        }
        if parts.is_empty() {
            "no rule".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    const DAY: Duration = Duration::from_secs(86_400);

    fn days_ago(days: i64) -> Option<Timestamp> {
        fixtures::now()
            .checked_sub(jiff::SignedDuration::from_hours(24 * days))
            .ok()
    }

    /// Nothing inside written, restored or changed in any way for `days_idle`.
    fn measured(bytes: u64, days_idle: i64) -> Measurement {
        Measurement {
            bytes,
            files: Some(3),
            newest_mtime: days_ago(days_idle),
            newest_ctime: days_ago(days_idle),
            measured_at: fixtures::now(),
        }
    }

    #[test]
    fn durations_and_sizes_parse_like_operators_write_them() {
        assert_eq!(parse_duration("30d"), Ok(30 * DAY));
        assert_eq!(parse_duration("12h"), Ok(Duration::from_secs(12 * 3600)));
        assert_eq!(parse_duration("2w"), Ok(14 * DAY));
        assert!(parse_duration("soon").is_err());
        assert_eq!(parse_size("500M"), Ok(500 * 1024 * 1024));
        assert_eq!(parse_size("2GiB"), Ok(2 * 1024 * 1024 * 1024));
        assert_eq!(parse_size("1024"), Ok(1024));
        assert!(parse_size("big").is_err());
    }

    #[test]
    fn criteria_all_must_hold() {
        let now = fixtures::now();
        let old_unused = fixtures::workspace("a", &[], 24 * 40);
        let young = fixtures::workspace("b", &[], 24);
        let used = fixtures::workspace("c", &["s"], 24 * 40);
        let orphan = fixtures::orphan("d", 24 * 40);
        let rule = Rule {
            older_than: Some(30 * DAY),
            unused: true,
            ..Default::default()
        };
        assert_eq!(rule.verdict(&old_unused, None, now), Verdict::Yes);
        assert_eq!(rule.verdict(&young, None, now), Verdict::No);
        assert_eq!(rule.verdict(&used, None, now), Verdict::No);
        assert_eq!(rule.verdict(&orphan, None, now), Verdict::Yes);
        let orphans = Rule {
            orphans: true,
            ..Default::default()
        };
        assert_eq!(orphans.verdict(&old_unused, None, now), Verdict::No);
        assert_eq!(orphans.verdict(&orphan, None, now), Verdict::Yes);
    }

    #[test]
    fn idle_and_size_need_a_measurement() {
        let now = fixtures::now();
        let ws = fixtures::workspace("a", &[], 24 * 100);
        let rule = Rule {
            idle_for: Some(30 * DAY),
            larger_than: Some(1000),
            ..Default::default()
        };
        assert!(rule.needs_measurement());
        assert_eq!(rule.verdict(&ws, None, now), Verdict::Unknown);
        assert_eq!(
            rule.verdict(&ws, Some(&measured(5000, 45)), now),
            Verdict::Yes
        );
        assert_eq!(
            rule.verdict(&ws, Some(&measured(5000, 3)), now),
            Verdict::No,
            "recently modified"
        );
        assert_eq!(
            rule.verdict(&ws, Some(&measured(10, 45)), now),
            Verdict::No,
            "too small"
        );
    }

    #[test]
    fn an_empty_volume_is_idle_since_its_creation() {
        let now = fixtures::now();
        let ws = fixtures::workspace("a", &[], 24 * 40);
        let empty = Measurement {
            bytes: 0,
            files: Some(0),
            newest_mtime: None,
            newest_ctime: None,
            measured_at: now,
        };
        let rule = Rule {
            idle_for: Some(30 * DAY),
            ..Default::default()
        };
        assert_eq!(rule.verdict(&ws, Some(&empty), now), Verdict::Yes);
    }

    #[test]
    fn restored_modification_times_never_make_a_new_volume_idle() {
        // Filled seconds ago with `tar x` (or `cp -a`): every file says it is 6 years old.
        let now = fixtures::now();
        let ws = fixtures::workspace("restored", &[], 0);
        let rule = Rule {
            idle_for: Some(180 * DAY),
            ..Default::default()
        };
        let restored = measured(10, 6 * 365);
        assert_eq!(rule.verdict(&ws, Some(&restored), now), Verdict::No);
        assert_eq!(Rule::last_activity(&ws, Some(&restored)), ws.created_at);
        // An old volume with old files stays idle.
        let old = fixtures::workspace("old", &[], 24 * 7 * 365);
        assert_eq!(rule.verdict(&old, Some(&restored), now), Verdict::Yes);
    }

    #[test]
    fn a_restore_with_old_modification_times_into_an_old_volume_is_not_idle() {
        // A year-old workspace into which a backup was restored an hour ago (`tar x`,
        // `rsync -a`, `touch -d 2020-01-01`): every mtime says 2020, but writing the files
        // set their ctime to the time of the restore, and that cannot be set back.
        let now = fixtures::now();
        let ws = fixtures::workspace("old-restored", &[], 24 * 365);
        let restored = Measurement {
            newest_ctime: now.checked_sub(jiff::SignedDuration::from_hours(1)).ok(),
            ..measured(10, 6 * 365)
        };
        let rule = Rule {
            idle_for: Some(180 * DAY),
            ..Default::default()
        };
        assert_eq!(rule.verdict(&ws, Some(&restored), now), Verdict::No);
        assert_eq!(
            Rule::last_activity(&ws, Some(&restored)),
            restored.newest_ctime
        );
        // A modification time in the future (set by hand) counts as well: it is later.
        let ahead = Measurement {
            newest_mtime: now.checked_add(jiff::SignedDuration::from_hours(1)).ok(),
            ..measured(10, 400)
        };
        assert_eq!(rule.verdict(&ws, Some(&ahead), now), Verdict::No);
    }

    #[test]
    fn descriptions_read_naturally() {
        let rule = Rule {
            older_than: Some(30 * DAY),
            unused: true,
            larger_than: Some(1024 * 1024),
            ..Default::default()
        };
        assert_eq!(
            rule.describe(),
            "created more than 30d ago, unused, larger than 1 MiB"
        );
        assert_eq!(Rule::default().describe(), "no rule");
    }

    #[test]
    fn sizes_without_activity_never_make_a_workspace_idle() {
        // The engine's df knows bytes, not modification times: idleness stays unknown.
        let now = fixtures::now();
        let ws = fixtures::workspace("busy-yesterday", &[], 24 * 100);
        let df_only = Measurement {
            bytes: 5000,
            files: None,
            newest_mtime: None,
            newest_ctime: None,
            measured_at: now,
        };
        let rule = Rule {
            idle_for: Some(30 * DAY),
            ..Default::default()
        };
        assert_eq!(rule.verdict(&ws, Some(&df_only), now), Verdict::Unknown);
        assert_eq!(Rule::last_activity(&ws, Some(&df_only)), None);
    }

    #[test]
    fn a_walk_that_could_not_list_a_directory_never_makes_a_workspace_idle() {
        // A private directory the walk could not enter (rootless engine, a tenant's 0700
        // directory under another uid) holds a file edited a minute ago; everything the walk
        // could see is 100 days old.
        let now = fixtures::now();
        let ws = fixtures::workspace("private-dir", &[], 24 * 200);
        let stats = crate::domain::measure::DirStats {
            bytes: 5000,
            files: 3,
            newest_mtime: days_ago(100),
            newest_ctime: days_ago(100),
            unlisted: 1,
        };
        let partial = Measurement::from_walk(stats);
        let rule = Rule {
            idle_for: Some(30 * DAY),
            ..Default::default()
        };
        assert_eq!(rule.verdict(&ws, Some(&partial), now), Verdict::Unknown);
        assert_eq!(Rule::last_activity(&ws, Some(&partial)), None);
        assert_eq!(partial.bytes, 5000, "the bytes stay, as a lower bound");
        // The same walk with every directory listed is judged as before.
        let whole = Measurement::from_walk(crate::domain::measure::DirStats {
            unlisted: 0,
            ..stats
        });
        assert_eq!(rule.verdict(&ws, Some(&whole), now), Verdict::Yes);
    }
}
