//! The engine the docker CLI would reach, or none: with a Docker context selected (by
//! `DOCKER_CONTEXT` or the CLI's current context) that this tool cannot read yet, with TLS
//! asked for, or with an ssh:// host, every command and the TUI refuse before connecting —
//! `prune` never cleans the default socket's engine instead of the operator's.

// Tests fail loudly: unwrap and expect are how they report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::{Command, Output, Stdio};

use support::{binary, with_env};

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(binary());
    cmd.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null());
    // Only what the case sets: the run's own engine settings must not decide it.
    for name in [
        "DOCKER_HOST",
        "DOCKER_CONTEXT",
        "DOCKER_CONFIG",
        "DOCKER_TLS_VERIFY",
        "DOCKER_TLS",
    ] {
        cmd.env_remove(name);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run the binary")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_selected_context_is_refused_and_prune_touches_nothing() {
    with_env("engine_choice", async |env| {
        let orphan = env.id("gone");
        let unused = env.id("unused");
        env.ephemeral_volume(&orphan).await;
        env.workspace(&unused).await;
        let prefix = format!("{}-", env.prefix);
        // The docker CLI's own config names another context as the current one.
        let config_dir = std::env::temp_dir().join(format!("skt-ctx-{}", env.prefix));
        std::fs::create_dir_all(&config_dir).unwrap();
        std::fs::write(
            config_dir.join("config.json"),
            r#"{"auths":{},"currentContext":"prod-eu"}"#,
        )
        .unwrap();
        let config = config_dir.to_str().unwrap();
        let prune = [
            "prune",
            "--orphans",
            "--unused",
            "--id-prefix",
            &prefix,
            "--yes",
            "--json",
        ];
        for selected in [
            vec![("DOCKER_CONFIG", config)],
            vec![("DOCKER_CONTEXT", "prod-eu")],
        ] {
            let out = run(&prune, &selected);
            assert_eq!(out.status.code(), Some(2), "{selected:?}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("the Docker context \"prod-eu\""), "{err}");
            assert!(out.stdout.is_empty(), "no plan, no report");
        }
        // Nothing went: the plan was never made on the default engine.
        assert!(env.volume_exists(&format!("sandkasten-ws-{orphan}")).await);
        assert!(env.volume_exists(&format!("sandkasten-ws-{unused}")).await);
        // An explicit DOCKER_HOST comes first, as with the docker CLI: then it runs.
        let engine = std::env::var("DOCKER_HOST")
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "unix:///var/run/docker.sock".to_owned());
        let host = [("DOCKER_CONFIG", config), ("DOCKER_HOST", engine.as_str())];
        let out = run(&["workspaces", "--json", "--no-size"], &host);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // TLS asked for, and ssh, are refused by name; so is the TUI, before the terminal.
        let tls = [
            ("DOCKER_HOST", "tcp://127.0.0.1:9"),
            ("DOCKER_TLS_VERIFY", "1"),
        ];
        let out = run(&["sessions"], &tls);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("refusing to send it plain text"));
        let out = run(&[], &[("DOCKER_HOST", "ssh://ops@127.0.0.1")]);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("ssh:// engines"));
        let _ = std::fs::remove_dir_all(&config_dir);
    })
    .await;
}
