//! The CLI against the real engine: a sandkasten footprint plus decoys, listed as JSON, must
//! come back exactly as made. Only this test's objects are looked at.

// Tests fail loudly: unwrap and expect are how they report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;
use support::{TestEnv, binary, with_env};

fn cli_json(args: &[&str]) -> Vec<Value> {
    let out = Command::new(binary())
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run CLI");
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON array")
}

/// Rows of this test only, by id.
fn mine(rows: Vec<Value>, env: &TestEnv) -> BTreeMap<String, Value> {
    rows.into_iter()
        .filter_map(|row| {
            let id = row["id"].as_str()?.to_owned();
            id.starts_with(&env.prefix).then_some((id, row))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn json_listing_matches_the_footprint_and_ignores_decoys() {
    with_env("cli_json", async |env| {
        let alpha = env.id("alpha");
        let beta = env.id("beta");
        let quota = env.id("quota");
        let s_persist = env.id("s1");
        let s_eph = env.id("s2");
        let pool = env.id("p1");
        let orphan = env.id("gone");
        env.workspace(&alpha).await;
        env.workspace(&beta).await;
        env.workspace_with_quota(&quota, "16m").await;
        env.session(&s_persist, Some(&alpha), true).await;
        env.session(&s_eph, None, false).await;
        env.session_with(
            &pool,
            None,
            true,
            &[
                ("sandkasten.pool", "true"),
                ("sandkasten.image", "sandbox-runtime:python"),
                ("sandkasten.pooled_at", "2026-11-23T10:00:00Z"),
            ],
        )
        .await;
        env.ephemeral_volume(&orphan).await;
        // Decoys: none of these may be listed.
        env.plain_volume(
            &format!("sandkasten-ws-{}", env.id("off")),
            &[("sandkasten.workspace", "false")],
        )
        .await;
        env.plain_volume(
            &format!("{}-other", env.id("named")),
            &[("sandkasten.workspace", "true")],
        )
        .await;
        env.container(
            &format!("sandkasten-{}", env.id("fake")),
            Default::default(),
            None,
            false,
        )
        .await;
        let unmanaged = [
            ("sandkasten.managed".to_owned(), "false".to_owned()),
            ("sandkasten.session_id".to_owned(), env.id("unmanaged")),
        ];
        env.container(
            &format!("sandkasten-{}", env.id("unmanaged")),
            unmanaged.into(),
            None,
            false,
        )
        .await;
        // A foreign container that mounts workspace beta: beta is in use, by no session.
        env.container(
            &format!("{}-backup", env.prefix),
            Default::default(),
            Some(&format!("sandkasten-ws-{beta}")),
            false,
        )
        .await;

        let sessions = mine(cli_json(&["sessions", "--json"]), env);
        let ids: Vec<&str> = sessions.keys().map(String::as_str).collect();
        assert_eq!(ids, [pool.as_str(), s_persist.as_str(), s_eph.as_str()]);

        let s1 = &sessions[&s_persist];
        assert_eq!(s1["container"], format!("sandkasten-{s_persist}"));
        assert_eq!(s1["state"], "running");
        assert_eq!(s1["image"], support::test_image());
        assert_eq!(s1["workspace_id"], alpha.as_str());
        assert_eq!(s1["ephemeral"], false);
        assert_eq!(s1["pool"], false);
        assert!(s1["created_at"].as_str().unwrap().ends_with('Z'));

        let s2 = &sessions[&s_eph];
        assert_eq!(s2["state"], "created");
        assert_eq!(s2["workspace_id"], Value::Null);
        assert_eq!(s2["ephemeral"], true);
        assert_eq!(s2["volume"], format!("sandkasten-ws-{s_eph}"));

        let p1 = &sessions[&pool];
        assert_eq!(p1["pool"], true);
        assert_eq!(p1["pool_image"], "sandbox-runtime:python");
        assert_eq!(p1["pooled_at"], "2026-11-23T10:00:00Z");

        let workspaces = mine(cli_json(&["workspaces", "--json"]), env);
        let ids: Vec<&str> = workspaces.keys().map(String::as_str).collect();
        let mut expected = vec![
            alpha.as_str(),
            beta.as_str(),
            orphan.as_str(),
            quota.as_str(),
        ];
        expected.sort();
        assert_eq!(
            ids, expected,
            "decoys and in-use ephemeral volumes must not be listed"
        );

        let a = &workspaces[&alpha];
        assert_eq!(a["volume"], format!("sandkasten-ws-{alpha}"));
        assert_eq!(a["orphan"], false);
        assert_eq!(a["used_by"], serde_json::json!([s_persist]));
        assert_eq!(a["quota_bytes"], Value::Null);
        assert_eq!(a["labels"]["sandkasten.workspace"], "true");
        assert_eq!(a["labels"]["sandkasten.workspace_id"], alpha.as_str());
        assert!(a["created_at"].as_str().is_some());

        let b = &workspaces[&beta];
        assert_eq!(b["used_by"], serde_json::json!([]));
        assert_eq!(
            b["other_users"],
            serde_json::json!([format!("{}-backup", env.prefix)])
        );

        assert_eq!(workspaces[&quota]["quota_bytes"], 16 * 1024 * 1024);

        let o = &workspaces[&orphan];
        assert_eq!(o["orphan"], true);
        assert_eq!(o["kind"], "orphan_ephemeral");
        assert_eq!(o["used_by"], serde_json::json!([]));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn human_tables_list_the_same_rows() {
    with_env("cli_table", async |env| {
        let ws = env.id("tbl");
        env.workspace(&ws).await;
        env.session(&env.id("tbl-s"), Some(&ws), false).await;
        let out = Command::new(binary()).arg("workspaces").output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.starts_with("ID "), "{text}");
        let line = text
            .lines()
            .find(|l| l.starts_with(&ws))
            .expect("row for the workspace");
        assert!(line.contains(&env.id("tbl-s")), "{line}");
        let out = Command::new(binary()).arg("sessions").output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.lines()
                .any(|l| l.starts_with(&env.id("tbl-s")) && l.contains("created")),
            "{text}"
        );
    })
    .await;
}

#[test]
fn an_unreachable_engine_is_an_error_on_stderr() {
    let out = Command::new(binary())
        .args(["sessions", "--json"])
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/docker.sock"), "{err}");
}

#[test]
fn a_malformed_config_is_refused_with_file_line_and_reason() {
    let dir = std::env::temp_dir().join(format!("skt-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sandkasten.yaml");
    std::fs::write(
        &path,
        "default_image: img\ndefaults:\n  mem_limit_mb: lots\n",
    )
    .unwrap();
    let out = Command::new(binary())
        .args(["--config", path.to_str().unwrap(), "sessions"])
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("sandkasten.yaml:3:"), "{err}");
    assert!(err.contains("mem_limit_mb"), "{err}");
}

#[test]
fn a_missing_explicit_config_is_refused() {
    let out = Command::new(binary())
        .args(["--config", "/nonexistent/sandkasten.yaml", "workspaces"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/sandkasten.yaml"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_id_exits_2_in_every_command_and_changes_nothing() {
    with_env("unknown_ids", async |env| {
        let known = env.id("known");
        let container = env.session(&known, None, false).await;
        let unknown = env.id("nobody");
        let code = |args: &[&str]| {
            Command::new(binary())
                .args(args)
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .stdin(std::process::Stdio::null())
                .output()
                .expect("run CLI")
                .status
                .code()
        };
        // README: `2` bad arguments or configuration, or an unknown id.
        assert_eq!(code(&["session", "rm", &known, &unknown]), Some(2));
        assert!(
            env.docker.inspect_container(&container, None).await.is_ok(),
            "nothing destroyed when one id is unknown"
        );
        for args in [
            vec!["session", "rm", unknown.as_str()],
            vec!["session", "stop", unknown.as_str()],
            vec!["session", "start", unknown.as_str()],
            vec!["session", "logs", unknown.as_str()],
            vec!["session", "shell", unknown.as_str()],
            vec!["workspace", "rm", unknown.as_str()],
        ] {
            assert_eq!(code(&args), Some(2), "{args:?}");
        }
        assert_eq!(code(&["session", "rm", &known]), Some(0));
    })
    .await;
}
