//! The Docker task's shell jobs on the real engine: `PrepareShell` starts a stopped session
//! when asked, finds its shell and creates the exec, answering with a shell the caller attaches
//! on the task's own client (nothing is connected outside the task); `EndShell` handed to the
//! task ends what the shell started, the caller waiting for nothing; a missing session is a
//! typed not-found. Session containers carry
//! this test's labels, so its cleanup removes them.

// Tests fail loudly: unwrap and expect are how they report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use sandkasten_tui::docker::shell::{AttachedShell, PreparedShell, ShellInput};
use sandkasten_tui::docker::{self, DockerCmd, DockerEvent, DockerHandle};
use sandkasten_tui::domain::ids::RequestId;
use sandkasten_tui::domain::outcome::{Failure, FailureKind};
use sandkasten_tui::domain::shell::ShellTarget;
use support::{TestEnv, with_env};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc::Receiver;
use tokio::time::timeout;

/// Sends `PrepareShell` for `target` and waits for its answer, skipping other reports.
async fn prepare(
    handle: &DockerHandle,
    events: &mut Receiver<DockerEvent>,
    req: u64,
    target: ShellTarget,
) -> Result<PreparedShell, Failure> {
    let req = RequestId(req);
    handle
        .send(DockerCmd::PrepareShell { req, target })
        .unwrap();
    timeout(Duration::from_secs(60), async {
        loop {
            match events.recv().await.expect("the docker task runs") {
                DockerEvent::ShellPrepared { req: r, result } if r == req => return result,
                _ => {}
            }
        }
    })
    .await
    .expect("ShellPrepared within 60 s")
}

/// The container's processes as `ps` lists them.
async fn processes(env: &TestEnv, container: &str) -> String {
    env.exec_output(container, &["ps", "-o", "pid,args"]).await
}

/// Types `line` into the shell and reads its output until `until` shows up.
async fn run_in(shell: &mut AttachedShell, input: &mut ShellInput, line: &str, until: &str) {
    input.write_all(line.as_bytes()).await.unwrap();
    input.flush().await.unwrap();
    let mut seen = String::new();
    timeout(Duration::from_secs(15), async {
        while !seen.contains(until) {
            let chunk = shell.next_output().await.expect("the shell runs").unwrap();
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {until:?} in {seen:?}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shell_prepared_by_the_task_starts_its_session_and_ends_through_the_task() {
    with_env("shelltask_prepare_end", async |env| {
        let session = env.id("prep");
        let container = env.session(&session, None, false).await;
        let (handle, link, mut events) = docker::spawn();
        link.wait(Duration::from_secs(20)).await.expect("connected");

        let target = ShellTarget {
            session: session.clone(),
            container: container.clone(),
            start_first: true,
        };
        let prepared = prepare(&handle, &mut events, 1, target).await.unwrap();
        // Read from here on, so that the task never waits on a full queue.
        tokio::spawn(async move { while events.recv().await.is_some() {} });
        assert_eq!(prepared.session, session);
        assert_eq!(prepared.shell, "sh", "the test image has no bash");
        // Prepared is not started: nothing of it runs yet.
        assert!(
            !processes(env, &container)
                .await
                .contains("sandkasten-tui-pid")
        );

        let mut shell = prepared.attach((100, 30)).await.unwrap();
        assert!(shell.pid().is_some(), "the wrapper announced its pid");
        let mut input = shell.take_input().unwrap();
        run_in(
            &mut shell,
            &mut input,
            "sleep 1234 & echo started-$((6*7))\r",
            "started-42",
        )
        .await;
        assert!(processes(env, &container).await.contains("sleep 1234"));

        // The attach stays open, as when the engine is the reason it ended: the task alone
        // ends what it started.
        handle.send(DockerCmd::EndShell(shell.cleanup())).unwrap();
        let mut left = String::new();
        for _ in 0..50 {
            left = processes(env, &container).await;
            if !left.contains("sleep 1234") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(!left.contains("sleep 1234"), "{left}");
        drop(handle);
        timeout(Duration::from_secs(10), link.ended())
            .await
            .expect("the task ends once its handle is gone");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn preparing_a_shell_on_a_missing_session_says_why() {
    with_env("shelltask_missing", async |_env| {
        let (handle, _link, mut events) = docker::spawn();
        let target = ShellTarget {
            session: "gone".into(),
            container: "sandkasten-tui-no-such-container".into(),
            start_first: false,
        };
        let err = prepare(&handle, &mut events, 7, target).await.unwrap_err();
        assert!(err.detail.contains("No such container"), "{err}");
        // The screen refreshes on this kind: the session is gone meanwhile.
        assert_eq!(err.kind, FailureKind::NotFound);
    })
    .await;
}

/// The engine stops answering just as a shell is left: the clean-up handed to the task gets
/// no answer. It is a stall like any job's: the connection is given up and the clean-up,
/// kept, runs once the engine answers again (left on a connection that never broke, nothing
/// handed it out again and the shell's processes ran on).
#[tokio::test(flavor = "multi_thread")]
async fn a_clean_up_the_engine_stalled_on_runs_once_it_answers_again() {
    with_env("shelltask_stalled_end", async |env| {
        let session = env.id("stallend");
        let container = env.session(&session, None, true).await;
        let socket = std::env::temp_dir().join(format!(
            "sandkasten-tui-stallend-{}.sock",
            std::process::id()
        ));
        let proxy = support::proxy::EngineProxy::new(&socket);
        let (handle, link, mut events) = docker::spawn_at(Some(proxy.endpoint()));
        link.wait(Duration::from_secs(20)).await.expect("connected");
        let target = ShellTarget {
            session: session.clone(),
            container: container.clone(),
            start_first: false,
        };
        let prepared = prepare(&handle, &mut events, 1, target).await.unwrap();
        tokio::spawn(async move { while events.recv().await.is_some() {} });
        let mut shell = prepared.attach((100, 30)).await.unwrap();
        let mut input = shell.take_input().unwrap();
        run_in(
            &mut shell,
            &mut input,
            "sleep 1235 & echo started-$((6*7))\r",
            "started-42",
        )
        .await;

        proxy.set_stalled(true);
        handle.send(DockerCmd::EndShell(shell.cleanup())).unwrap();
        // Past the clean-up's deadline (one call's, 15 s), then the engine answers again.
        tokio::time::sleep(Duration::from_secs(17)).await;
        assert!(processes(env, &container).await.contains("sleep 1235"));
        proxy.set_stalled(false);
        let mut left = String::new();
        for _ in 0..150 {
            left = processes(env, &container).await;
            if !left.contains("sleep 1235") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(!left.contains("sleep 1235"), "{left}");
        drop((shell, input, handle));
        timeout(Duration::from_secs(10), link.ended())
            .await
            .expect("the task ends once its handle is gone");
    })
    .await;
}
