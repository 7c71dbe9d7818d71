//! Cleanup on the real engine, verify-before-destroy: a planned workspace written between its
//! plan and its deletion is kept and reported, answers typed before a question never count,
//! `--force-sessions` destroys the container that mounts the workspace (not one sharing its
//! label), and `prune` shows its plan wherever it asks. Every prune is confined to this
//! test's ids with `--id-prefix`.

// Tests fail loudly: unwrap and expect are how they report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use support::cleanup::*;
use support::with_env;

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
