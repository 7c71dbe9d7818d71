//! Cleanup on the real engine: sizes and activity, prune plans and deletions, refusals of
//! workspaces in use, destroy semantics, creation. Every prune is confined to this test's ids
//! with `--id-prefix`, so nothing else on the engine can match.

// Tests fail loudly: unwrap and expect are how they report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, SystemTime};

use sandkasten_tui::docker::lifecycle::destroy_session;
use serde_json::Value;
use support::{binary, with_env};

fn cli(args: &[&str]) -> Output {
    Command::new(binary())
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .output()
        .expect("run CLI")
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// Writes a file of `len` bytes with an mtime `days_ago` (its ctime is now).
fn write_file(dir: &Path, name: &str, len: usize, days_ago: u64) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, vec![b'x'; len]).unwrap();
    let when = SystemTime::now() - Duration::from_secs(days_ago * 86_400);
    fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(when)
        .unwrap();
}

/// Gives a tree's directories old mtimes, as a restore does. Their ctimes stay "now" (nothing
/// unprivileged sets them), so this never makes a workspace idle: only waiting does.
fn backdate_dirs(dir: &Path, days_ago: u64) {
    let when = SystemTime::now() - Duration::from_secs(days_ago * 86_400);
    for entry in fs::read_dir(dir).unwrap().flatten() {
        if entry.file_type().unwrap().is_dir() {
            backdate_dirs(&entry.path(), days_ago);
        }
    }
    // The directory itself too, the workspace's root included: its own time is activity.
    fs::File::open(dir).unwrap().set_modified(when).unwrap();
}

/// An idle rule the test can wait out: activity is never older than the volume itself, so an
/// "idle" workspace is one created, filled and then left alone for longer than this.
const IDLE: Duration = Duration::from_secs(5);
const IDLE_ARG: &str = "5s";

/// Leaves what exists now alone for longer than `IDLE`.
async fn wait_idle() {
    tokio::time::sleep(IDLE + Duration::from_secs(1)).await;
}

fn ids(list: &Value) -> Vec<String> {
    let mut v: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn sizes_files_and_last_modified_are_reported() {
    with_env("sizes_json", async |env| {
        let ws = env.id("sized");
        let volume = env.workspace(&ws).await;
        let dir = env.mountpoint(&volume).await;
        write_file(&dir, "a.txt", 1000, 3);
        write_file(&dir, "src/b.rs", 2345, 1);
        write_file(&dir, "src/deep/c.bin", 10_000, 5);
        backdate_dirs(&dir, 6);
        let rows = json(&cli(&["workspaces", "--json"]));
        let row = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == ws.as_str())
            .unwrap();
        assert_eq!(
            row["size_bytes"], 13_345,
            "regular files' bytes, like du --apparent-size -b"
        );
        assert_eq!(row["files"], 3);
        let modified: jiff::Timestamp = row["last_modified"].as_str().unwrap().parse().unwrap();
        let age = jiff::Timestamp::now().duration_since(modified).as_secs();
        assert!(
            (86_000..87_000).contains(&age),
            "newest file is 1 day old, got {age} s"
        );
        // The files were written just now, whatever their mtimes say: that is the activity.
        let activity: jiff::Timestamp = row["last_activity"].as_str().unwrap().parse().unwrap();
        let age = jiff::Timestamp::now().duration_since(activity).as_secs();
        assert!((0..60).contains(&age), "written seconds ago, got {age} s");

        let rows = json(&cli(&["workspaces", "--json", "--no-size"]));
        let row = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == ws.as_str())
            .unwrap();
        assert_eq!(row["size_bytes"], Value::Null);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_plans_exactly_and_deletes_nothing() {
    with_env("prune_dry", async |env| {
        let idle = env.id("idle");
        let fresh = env.id("fresh");
        let busy = env.id("busy");
        for ws in [&idle, &fresh, &busy] {
            env.workspace(ws).await;
        }
        for ws in [&idle, &busy] {
            let dir = env.mountpoint(&format!("sandkasten-ws-{ws}")).await;
            write_file(&dir, "notes/today.md", 500, 40);
            backdate_dirs(&dir, 40);
        }
        env.session(&env.id("s"), Some(&busy), false).await;
        wait_idle().await;
        let dir = env.mountpoint(&format!("sandkasten-ws-{fresh}")).await;
        write_file(&dir, "notes/today.md", 500, 0);

        let prefix = format!("{}-", env.prefix);
        let report = json(&cli(&[
            "prune",
            "--idle-for",
            IDLE_ARG,
            "--id-prefix",
            &prefix,
            "--dry-run",
            "--json",
        ]));
        assert_eq!(ids(&report["plan"]["delete"]), vec![idle.clone()]);
        assert_eq!(ids(&report["plan"]["skipped"]), vec![busy.clone()]);
        assert_eq!(report["plan"]["skipped"][0]["skip"]["reason"], "in_use");
        assert_eq!(report["plan"]["reclaim_bytes"], 500);
        assert_eq!(report["dry_run"], true);
        assert_eq!(report["deleted"], serde_json::json!([]));
        for ws in [&idle, &fresh, &busy] {
            assert!(
                env.volume_exists(&format!("sandkasten-ws-{ws}")).await,
                "{ws} must survive a dry run"
            );
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_workspace_filled_just_now_with_restored_times_is_not_idle() {
    // `tar x`, `cp -a`, `rsync -a`: fresh work whose files all say they are a year old.
    with_env("prune_restored", async |env| {
        let ws = env.id("restored");
        let volume = env.workspace(&ws).await;
        let dir = env.mountpoint(&volume).await;
        write_file(&dir, "proj/main.c", 100, 400);
        backdate_dirs(&dir, 400);
        let report = json(&cli(&[
            "prune",
            "--idle-for",
            "180d",
            "--id-prefix",
            &env.prefix,
            "--yes",
            "--json",
        ]));
        assert_eq!(report["plan"]["delete"], serde_json::json!([]), "{report}");
        assert_eq!(report["deleted"], serde_json::json!([]));
        assert!(env.volume_exists(&volume).await, "fresh work stays");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_restored_with_old_times_into_an_old_workspace_is_not_idle() {
    // A workspace older than the rule; then a backup is restored over its project (`tar x`,
    // `rsync -a`, `touch -d 2020-01-01`): fresh work whose files all say 2020. The restore
    // stays below the volume's root directory: the engine reports the root's ctime as the
    // volume's creation time, so a change in the root itself would hide the bug.
    with_env("prune_restored_old", async |env| {
        let ws = env.id("restored-old");
        let volume = env.workspace(&ws).await;
        let dir = env.mountpoint(&volume).await;
        let files = ["proj/main.c", "proj/lib/util.c", "proj/notes.txt"];
        for file in files {
            fs::create_dir_all(dir.join(file).parent().unwrap()).unwrap();
            fs::write(dir.join(file), b"first version").unwrap();
        }
        // Older than the rule below (with room for a slow prune on a loaded host).
        tokio::time::sleep(Duration::from_secs(8)).await;
        for file in files {
            fs::write(dir.join(file), b"restored version").unwrap();
        }
        fs::write(dir.join("proj/lib/new.c"), b"restored too").unwrap();
        let touched = Command::new("touch")
            .args(["-d", "2020-01-01"])
            .args(files)
            .args(["proj/lib/new.c", "proj/lib", "proj"])
            .current_dir(&dir)
            .status()
            .expect("touch");
        assert!(touched.success());
        let report = json(&cli(&[
            "prune",
            "--idle-for",
            "6s",
            "--id-prefix",
            &env.prefix,
            "--yes",
            "--json",
        ]));
        assert_eq!(report["plan"]["delete"], serde_json::json!([]), "{report}");
        assert_eq!(report["deleted"], serde_json::json!([]));
        assert!(env.volume_exists(&volume).await, "restored work stays");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_deletes_the_plan_and_decoys_survive() {
    with_env("prune_yes", async |env| {
        let orphan = env.id("gone");
        let unused = env.id("unused");
        let used = env.id("used");
        env.ephemeral_volume(&orphan).await;
        env.workspace(&unused).await;
        env.workspace(&used).await;
        env.session(&env.id("s"), Some(&used), true).await;
        // Decoys: inside the prefix namespace, but not sandkasten workspaces.
        let decoy_false = env
            .plain_volume(
                &format!("sandkasten-ws-{}", env.id("off")),
                &[("sandkasten.workspace", "false")],
            )
            .await;
        let decoy_named = env
            .plain_volume(
                &format!("{}-named", env.id("x")),
                &[("sandkasten.workspace", "true")],
            )
            .await;
        let decoy_managed = env
            .plain_volume(
                &format!("sandkasten-ws-{}", env.id("mgd")),
                &[("sandkasten.managed", "true")],
            )
            .await;
        let prefix = format!("{}-", env.prefix);

        let report = json(&cli(&[
            "prune",
            "--orphans",
            "--id-prefix",
            &prefix,
            "--yes",
            "--json",
        ]));
        assert_eq!(
            report["deleted"],
            serde_json::json!([format!("sandkasten-ws-{orphan}")])
        );
        assert!(!env.volume_exists(&format!("sandkasten-ws-{orphan}")).await);

        let report = json(&cli(&[
            "prune",
            "--unused",
            "--id-prefix",
            &prefix,
            "--yes",
            "--json",
        ]));
        assert_eq!(
            report["deleted"],
            serde_json::json!([format!("sandkasten-ws-{unused}")])
        );
        assert!(
            env.volume_exists(&format!("sandkasten-ws-{used}")).await,
            "in use: kept"
        );
        for decoy in [&decoy_false, &decoy_named, &decoy_managed] {
            assert!(
                env.volume_exists(decoy).await,
                "decoy {decoy} must survive every prune"
            );
        }
        // A rule that matches everything left in the namespace still cannot reach them.
        let report = json(&cli(&[
            "prune",
            "--older-than",
            "0s",
            "--id-prefix",
            &prefix,
            "--yes",
            "--json",
        ]));
        assert_eq!(ids(&report["plan"]["delete"]), Vec::<String>::new());
        for decoy in [&decoy_false, &decoy_named, &decoy_managed] {
            assert!(env.volume_exists(decoy).await);
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_without_yes_and_without_a_terminal_deletes_nothing() {
    with_env("prune_noyes", async |env| {
        let orphan = env.id("gone");
        env.ephemeral_volume(&orphan).await;
        let out = cli(&[
            "prune",
            "--orphans",
            "--id-prefix",
            &format!("{}-", env.prefix),
        ]);
        assert_eq!(out.status.code(), Some(3));
        assert!(String::from_utf8_lossy(&out.stderr).contains("no --yes"));
        assert!(env.volume_exists(&format!("sandkasten-ws-{orphan}")).await);

        let out = cli(&[
            "--read-only",
            "prune",
            "--orphans",
            "--id-prefix",
            &format!("{}-", env.prefix),
            "--yes",
        ]);
        assert_eq!(out.status.code(), Some(3));
        assert!(String::from_utf8_lossy(&out.stderr).contains("read-only"));
        assert!(env.volume_exists(&format!("sandkasten-ws-{orphan}")).await);

        let out = cli(&["prune"]);
        assert_eq!(out.status.code(), Some(2), "no rule is a usage error");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn workspaces_in_use_are_refused_unless_their_sessions_are_destroyed_first() {
    with_env("rm_in_use", async |env| {
        let ws = env.id("work");
        env.workspace(&ws).await;
        let session = env.id("sess");
        env.session(&session, Some(&ws), true).await;
        let out = cli(&["workspace", "rm", &ws]);
        assert_eq!(out.status.code(), Some(3));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&session) && err.contains("--force-sessions"),
            "{err}"
        );
        assert!(env.volume_exists(&format!("sandkasten-ws-{ws}")).await);

        let out = cli(&["workspace", "rm", &ws, "--force-sessions"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!env.volume_exists(&format!("sandkasten-ws-{ws}")).await);
        let gone = env
            .docker
            .inspect_container(&format!("sandkasten-{session}"), None)
            .await;
        assert!(gone.is_err(), "the session was destroyed first");

        let out = cli(&["workspace", "rm", &env.id("missing")]);
        assert_eq!(out.status.code(), Some(2));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn destroying_a_session_keeps_persistent_files_and_removes_ephemeral_storage() {
    with_env("destroy", async |env| {
        let ws = env.id("keep");
        env.workspace(&ws).await;
        let persistent = env.id("p");
        let ephemeral = env.id("e");
        env.session(&persistent, Some(&ws), true).await;
        env.session(&ephemeral, None, false).await;

        let done = destroy_session(&env.docker, &format!("sandkasten-{persistent}"))
            .await
            .unwrap();
        assert_eq!(done.kept_workspace.as_deref(), Some(ws.as_str()));
        assert_eq!(done.removed_volume, None);
        assert!(env.volume_exists(&format!("sandkasten-ws-{ws}")).await);

        let done = destroy_session(&env.docker, &format!("sandkasten-{ephemeral}"))
            .await
            .unwrap();
        assert_eq!(
            done.removed_volume,
            Some(format!("sandkasten-ws-{ephemeral}"))
        );
        assert!(
            !env.volume_exists(&format!("sandkasten-ws-{ephemeral}"))
                .await
        );

        // Not a sandkasten session: refused, untouched.
        let other = format!("{}-other", env.prefix);
        env.container(&other, Default::default(), None, false).await;
        assert!(destroy_session(&env.docker, &other).await.is_err());
        assert!(env.docker.inspect_container(&other, None).await.is_ok());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn workspace_create_labels_like_sandkasten_and_refuses_bad_or_existing_ids() {
    with_env("create", async |env| {
        let ws = env.id("made");
        let out = cli(&["workspace", "create", &ws]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v = env
            .docker
            .inspect_volume(&format!("sandkasten-ws-{ws}"))
            .await
            .unwrap();
        assert_eq!(
            v.labels.get("sandkasten.workspace").map(String::as_str),
            Some("true")
        );
        assert_eq!(v.labels.get("sandkasten.workspace_id"), Some(&ws));
        assert_eq!(v.driver, "local");

        let out = cli(&["workspace", "create", &ws]);
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));

        for bad in ["has space", "../up", "-dash", ""] {
            let out = cli(&["workspace", "create", bad]);
            assert_eq!(out.status.code(), Some(2), "{bad:?}");
        }
        let out = cli(&["--read-only", "workspace", "create", &env.id("ro")]);
        assert_eq!(out.status.code(), Some(3));
    })
    .await;
}

/// Writes a file into `volume` from an independent, short-lived container (not this tool,
/// not the host path): the way a second sandbox or a backup job would. The writer is removed
/// again before returning, so only the fresh file is left to tell.
async fn write_from_another_container(env: &support::TestEnv, volume: &str, name: &str) {
    let writer = format!("{}-writer-{name}", env.prefix);
    env.container(&writer, Default::default(), Some(volume), true)
        .await;
    let out = Command::new("docker")
        .args(["exec", &writer, "sh", "-c"])
        .arg(format!("echo fresh > /workspace/{name}"))
        .output()
        .expect("docker exec");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new("docker")
        .args(["rm", "-f", &writer])
        .output()
        .expect("docker rm");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_planned_idle_workspace_written_since_the_plan_is_kept_and_reported() {
    use sandkasten_tui::cleanup::{Pick, Plan, Rule};
    use sandkasten_tui::docker::delete::{DeleteTarget, VolumeOutcome, delete_all};
    use sandkasten_tui::docker::measure::measure_workspaces;

    with_env("recheck_idle", async |env| {
        let written = env.id("written");
        let quiet = env.id("quiet");
        for ws in [&written, &quiet] {
            let volume = env.workspace(ws).await;
            let dir = env.mountpoint(&volume).await;
            write_file(&dir, "old.txt", 100, 400);
            backdate_dirs(&dir, 400);
        }
        wait_idle().await;
        // The plan, as the planner or prune makes it, from figures measured now.
        let rule = Rule {
            idle_for: Some(IDLE),
            id_prefix: Some(env.prefix.clone()),
            ..Default::default()
        };
        let inventory = sandkasten_tui::docker::fetch_inventory(&env.docker)
            .await
            .unwrap();
        let (_, measured) = measure_workspaces(&inventory.workspaces).await;
        let plan = Plan::build(
            &rule,
            inventory.workspaces.iter().map(|w| {
                let m = measured.get(&w.volume).and_then(|r| r.as_ref().ok());
                (w, m)
            }),
            jiff::Timestamp::now(),
        );
        let mut planned: Vec<String> = plan.delete.iter().map(|c| c.id.clone()).collect();
        planned.sort();
        let mut both = vec![written.clone(), quiet.clone()];
        both.sort();
        assert_eq!(planned, both, "both left alone since they were filled");

        // Seconds later, someone else writes into one of them.
        let written_volume = format!("sandkasten-ws-{written}");
        write_from_another_container(env, &written_volume, "new.txt").await;

        let targets = plan
            .volumes()
            .into_iter()
            .map(|volume| DeleteTarget {
                volume,
                pick: Pick::Rule(rule.clone()),
            })
            .collect();
        let results = delete_all(env.docker.clone(), targets).await;
        let outcome = |volume: &str| {
            results
                .iter()
                .find(|d| d.volume == volume)
                .map(|d| d.result.clone())
                .unwrap()
        };
        match outcome(&written_volume) {
            Ok(VolumeOutcome::Kept(why)) => {
                assert!(why.starts_with("changed since planned: kept"), "{why}")
            }
            other => panic!("the written workspace must be kept, got {other:?}"),
        }
        assert!(env.volume_exists(&written_volume).await, "fresh work stays");
        assert_eq!(
            outcome(&format!("sandkasten-ws-{quiet}")),
            Ok(VolumeOutcome::Deleted)
        );
        assert!(!env.volume_exists(&format!("sandkasten-ws-{quiet}")).await);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_keeps_a_workspace_written_between_its_plan_and_the_typed_confirmation() {
    use support::pty::Tui;

    with_env("recheck_prune", async |env| {
        let ws = env.id("busy");
        let volume = env.workspace(&ws).await;
        let dir = env.mountpoint(&volume).await;
        write_file(&dir, "old.txt", 100, 400);
        backdate_dirs(&dir, 400);
        wait_idle().await;
        let mut prune = Tui::spawn(
            &["prune", "--idle-for", IDLE_ARG, "--id-prefix", &env.prefix],
            &[],
            200,
            50,
        );
        prune.wait_for_text("Type 1 to confirm", Duration::from_secs(30));
        // The plan is on screen; the operator reads it while the sandbox keeps working.
        write_from_another_container(env, &volume, "new.txt").await;
        prune.send("1\r");
        assert!(prune.wait_exit(Duration::from_secs(30)), "prune ends");
        let screen = prune.screen();
        assert!(
            screen.contains("changed since planned: kept"),
            "reported: {screen}"
        );
        assert!(env.volume_exists(&volume).await, "fresh work stays");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn force_sessions_destroys_the_container_mounting_the_workspace_not_its_namesake() {
    with_env("same_session_id", async |env| {
        let ws = env.id("shared-label");
        let volume = env.workspace(&ws).await;
        let sid = env.id("twin");
        let labels = |workspace: Option<&str>| {
            let mut labels = std::collections::HashMap::from([
                ("sandkasten.managed".to_owned(), "true".to_owned()),
                ("sandkasten.session_id".to_owned(), sid.clone()),
            ]);
            if let Some(ws) = workspace {
                labels.insert("sandkasten.workspace_id".to_owned(), ws.to_owned());
            }
            labels
        };
        // The user of the workspace first, then a namesake on its own ephemeral storage
        // (listed first by the engine: newest first).
        let user = format!("{}-user", env.prefix);
        env.container(&user, labels(Some(&ws)), Some(&volume), false)
            .await;
        let ephemeral = env.ephemeral_volume(&sid).await;
        let namesake = format!("sandkasten-{sid}");
        env.container(&namesake, labels(None), Some(&ephemeral), false)
            .await;

        let out = cli(&["workspace", "rm", &ws, "--force-sessions"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            env.docker.inspect_container(&user, None).await.is_err(),
            "the container mounting the workspace was destroyed"
        );
        assert!(!env.volume_exists(&volume).await, "the workspace went");
        assert!(
            env.docker.inspect_container(&namesake, None).await.is_ok(),
            "the other container with the same session id stays"
        );
        assert!(
            env.volume_exists(&ephemeral).await,
            "and so does its ephemeral storage"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_ignores_an_answer_typed_before_its_question() {
    use support::pty::Tui;

    with_env("prune_typed_ahead", async |env| {
        let ws = env.id("early");
        let volume = env.workspace(&ws).await;
        let mut prune = Tui::spawn(
            &["prune", "--unused", "--id-prefix", &env.prefix],
            &[],
            200,
            50,
        );
        // Typed before the plan is on screen (habit from the last run): not an answer.
        prune.send("1\r");
        prune.wait_for_text("Type 1 to confirm", Duration::from_secs(30));
        tokio::time::sleep(Duration::from_secs(2)).await;
        let screen = prune.screen();
        assert!(
            !screen.contains("not confirmed") && !screen.contains("deleted"),
            "still asking: {screen}"
        );
        assert!(env.volume_exists(&volume).await, "nothing deleted yet");
        // The answer typed after the question counts.
        prune.send("1\r");
        assert!(prune.wait_exit(Duration::from_secs(30)), "prune ends");
        assert!(prune.screen().contains("deleted"), "{}", prune.screen());
        assert!(!env.volume_exists(&volume).await);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_json_on_a_terminal_prints_the_plan_and_deletes_only_with_yes() {
    use support::pty::Tui;

    with_env("prune_json_asks_not", async |env| {
        let ws = env.id("scripted");
        let volume = env.workspace(&ws).await;
        let mut prune = Tui::spawn(
            &["prune", "--unused", "--id-prefix", &env.prefix, "--json"],
            &[],
            200,
            50,
        );
        // A blind question (a count without the plan) would be answered by habit: JSON
        // output never asks.
        assert_eq!(
            prune.wait_exit_code(Duration::from_secs(30)),
            3,
            "refused on purpose"
        );
        let screen = prune.screen();
        assert!(screen.contains(&volume), "the plan is printed: {screen}");
        assert!(screen.contains("pass --yes"), "{screen}");
        assert!(!screen.contains("Type 1 to confirm"), "{screen}");
        assert!(env.volume_exists(&volume).await, "nothing deleted");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_with_its_output_redirected_shows_the_plan_where_it_asks() {
    use support::pty::Tui;

    with_env("prune_redirected", async |env| {
        let ws = env.id("redirected");
        let volume = env.workspace(&ws).await;
        let out = std::env::temp_dir().join(format!("{}-plan.txt", env.prefix));
        let script = format!(
            "exec \"$0\" prune --unused --id-prefix {} > {}",
            env.prefix,
            out.display()
        );
        let mut prune = Tui::spawn_program("sh", &["-c", &script, support::binary()], &[], 200, 50);
        prune.wait_for_text("Type 1 to confirm", Duration::from_secs(30));
        // The question on the terminal comes with the plan it is about.
        assert!(prune.screen().contains(&ws), "{}", prune.screen());
        prune.send("\r");
        assert_eq!(
            prune.wait_exit_code(Duration::from_secs(30)),
            3,
            "not confirmed"
        );
        assert!(env.volume_exists(&volume).await, "nothing deleted");
        let written = std::fs::read_to_string(&out).unwrap_or_default();
        let _ = std::fs::remove_file(&out);
        assert!(
            written.contains(&ws),
            "the plan still goes to the output: {written}"
        );
    })
    .await;
}
