//! `prune`: delete the workspaces a rule selects. Shows the plan first; deletes only with
//! `--yes` or a typed confirmation on a terminal; `--dry-run` never deletes.

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};

use clap::Args;
use jiff::Timestamp;
use serde::Serialize;

use crate::cleanup::{Pick, Plan, Rule, parse_duration, parse_size};
use crate::cli::{Failure, Policy, exit, table};
use crate::docker;
use crate::docker::delete::{DeleteTarget, VolumeOutcome, delete_all};
use crate::docker::measure::measure_workspaces;
use crate::domain::measure::Measurement;
use crate::domain::workspace::WorkspaceKind;
use crate::format;

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Created more than DUR ago (e.g. 30d, 12h)
    #[arg(long, value_name = "DUR")]
    pub older_than: Option<String>,
    /// Nothing inside modified for DUR
    #[arg(long, value_name = "DUR")]
    pub idle_for: Option<String>,
    /// Not referenced by any container
    #[arg(long)]
    pub unused: bool,
    /// Only orphaned ephemeral volumes (their session is gone)
    #[arg(long)]
    pub orphans: bool,
    /// Uses more than SIZE (e.g. 500M, 2GiB; M and G are powers of 1024)
    #[arg(long, value_name = "SIZE")]
    pub larger_than: Option<String>,
    /// Only workspaces whose id starts with PREFIX (a namespace, e.g. alice-)
    #[arg(long, value_name = "PREFIX")]
    pub id_prefix: Option<String>,
    /// Print the plan and delete nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Delete without asking
    #[arg(long)]
    pub yes: bool,
    /// Print the plan and the results as JSON
    #[arg(long)]
    pub json: bool,
}

impl PruneArgs {
    fn rule(&self) -> Result<Rule, Failure> {
        let usage = |e: crate::cleanup::RuleError| Failure::new(exit::USAGE, e.to_string());
        let rule = Rule {
            older_than: self
                .older_than
                .as_deref()
                .map(parse_duration)
                .transpose()
                .map_err(usage)?,
            idle_for: self
                .idle_for
                .as_deref()
                .map(parse_duration)
                .transpose()
                .map_err(usage)?,
            unused: self.unused,
            orphans: self.orphans,
            larger_than: self
                .larger_than
                .as_deref()
                .map(parse_size)
                .transpose()
                .map_err(usage)?,
            id_prefix: self.id_prefix.clone().filter(|p| !p.is_empty()),
        };
        if rule.is_empty() {
            return Err(Failure::new(
                exit::USAGE,
                "name at least one rule (--older-than, --idle-for, --unused, --orphans, --larger-than); \
                 prune never means \"everything\"",
            ));
        }
        Ok(rule)
    }
}

#[derive(Serialize)]
struct Report<'a> {
    plan: &'a Plan,
    dry_run: bool,
    deleted: Vec<String>,
    /// Picks that no longer matched when measured again right before removal.
    kept: Vec<FailedJson>,
    failed: Vec<FailedJson>,
}

/// A volume not deleted, and why.
#[derive(Serialize)]
struct FailedJson {
    volume: String,
    reason: String,
}

/// The plan as the operator reads it, before anything is asked or done.
fn plan_text(plan: &Plan) -> String {
    let now = Timestamp::now();
    let row = |c: &crate::cleanup::Candidate| {
        vec![
            c.id.clone(),
            match c.kind {
                WorkspaceKind::Persistent => "workspace".to_owned(),
                WorkspaceKind::OrphanEphemeral => "orphan".to_owned(),
            },
            c.bytes.map(format::bytes).unwrap_or_else(|| "?".into()),
            format::datetime(c.last_activity),
            format::age(now, c.created_at),
            c.skip.as_ref().map(ToString::to_string).unwrap_or_default(),
        ]
    };
    let mut text = format!("rule: {}\n", plan.rule);
    let rows: Vec<Vec<String>> = plan.delete.iter().chain(&plan.skipped).map(row).collect();
    if rows.is_empty() {
        text.push_str("nothing matches\n");
        return text;
    }
    text.push_str(&table::render(
        &["ID", "KIND", "SIZE", "LAST ACTIVITY", "AGE", "SKIPPED"],
        &rows,
    ));
    text.push_str(&format!(
        "{} to delete, {}{} reclaimed; {} skipped\n",
        plan.delete.len(),
        if plan.reclaim_partial {
            "at least "
        } else {
            ""
        },
        format::bytes(plan.reclaim_bytes),
        plan.skipped.len()
    ));
    text
}

/// Asks on the terminal for the count to be typed back. Whatever was typed before the question
/// (while the plan was being measured, or out of habit from the last run) is discarded first:
/// only an answer typed after the plan and the question were on screen counts.
fn confirmed_on_terminal(count: usize, bytes: u64) -> bool {
    let stdin = std::io::stdin();
    if rustix::termios::tcflush(&stdin, rustix::termios::QueueSelector::IFlush).is_err() {
        // Typed-ahead input cannot be told apart from an answer: refuse rather than guess.
        eprintln!("sandkasten-tui: cannot discard typed-ahead input on this terminal");
        return false;
    }
    eprint!(
        "Delete {count} workspace volume(s) ({}) for good? Type {count} to confirm: ",
        format::bytes(bytes)
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer).is_ok() && answer.trim() == count.to_string()
}

pub async fn run(args: PruneArgs, policy: Policy) -> Result<u8, Failure> {
    let rule = args.rule()?;
    if !policy.workspaces_enabled && !rule.orphans {
        return Err(Failure::new(
            exit::REFUSED,
            "Workspace not enabled (workspace.enabled: false): only --orphans can be pruned",
        ));
    }
    let engine = docker::connect()?;
    engine.info().await?;
    let inventory = docker::fetch_inventory(&engine.docker).await?;
    // Always measured: the plan must say how much space returns, not only what goes.
    let (strategy, results) = measure_workspaces(&inventory.workspaces).await;
    if !args.json {
        println!("sizes: {}", strategy.describe());
    }
    let measurements: HashMap<String, Measurement> = results
        .into_iter()
        .filter_map(|(volume, r)| r.ok().map(|m| (volume, m)))
        .collect();
    let plan = Plan::build(
        &rule,
        inventory
            .workspaces
            .iter()
            .map(|w| (w, measurements.get(&w.volume))),
        Timestamp::now(),
    );
    let mut report = Report {
        plan: &plan,
        dry_run: args.dry_run,
        deleted: Vec::new(),
        kept: Vec::new(),
        failed: Vec::new(),
    };
    let plan_shown = plan_text(&plan);
    if !args.json {
        print!("{plan_shown}");
    }
    let emit = |report: &Report| {
        if args.json
            && let Ok(text) = serde_json::to_string_pretty(report)
        {
            println!("{text}");
        }
    };
    if args.dry_run || plan.delete.is_empty() {
        emit(&report);
        return Ok(exit::OK);
    }
    if let Err(refusal) = policy.check_writable("prune") {
        emit(&report);
        return Err(refusal);
    }
    if !args.yes {
        // JSON is for scripts: asking would show a count but not the plan, so the plan is
        // printed and deletion needs --yes.
        if args.json {
            emit(&report);
            return Err(Failure::new(
                exit::REFUSED,
                "nothing deleted: --json does not ask; check the plan above and pass --yes",
            ));
        }
        if !std::io::stdin().is_terminal() {
            emit(&report);
            return Err(Failure::new(
                exit::REFUSED,
                "nothing deleted: no --yes, and no terminal to ask on (pass --yes, or --dry-run to only look)",
            ));
        }
        // With the output going elsewhere (`> plan.txt`), the question must not come without
        // the plan it is about: the operator reads it where the question is asked.
        if !std::io::stdout().is_terminal() {
            eprint!("{plan_shown}");
        }
        if !confirmed_on_terminal(plan.delete.len(), plan.reclaim_bytes) {
            return Err(Failure::new(
                exit::REFUSED,
                "not confirmed: nothing deleted",
            ));
        }
    }
    // The plan's figures are as old as the confirmation took: each pick is measured again
    // and the rule re-evaluated right before its removal.
    let targets = plan
        .volumes()
        .into_iter()
        .map(|volume| DeleteTarget {
            volume,
            pick: Pick::Rule(rule.clone()),
        })
        .collect();
    for done in delete_all(engine.docker.clone(), targets).await {
        match done.result {
            Ok(VolumeOutcome::Deleted) => {
                if !args.json {
                    println!("deleted {}", done.volume);
                }
                report.deleted.push(done.volume);
            }
            Ok(VolumeOutcome::Kept(reason)) => {
                if !args.json {
                    println!("kept {}: {reason}", done.volume);
                }
                report.kept.push(FailedJson {
                    volume: done.volume,
                    reason,
                });
            }
            // In use too (a session started on it since the plan): the engine refused.
            Err(why) => {
                let reason = why.detail;
                if !args.json {
                    eprintln!("sandkasten-tui: {}: {reason}", done.volume);
                }
                report.failed.push(FailedJson {
                    volume: done.volume,
                    reason,
                });
            }
        }
    }
    emit(&report);
    Ok(if report.failed.is_empty() {
        exit::OK
    } else {
        exit::PARTIAL
    })
}
