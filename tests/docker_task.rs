//! The Docker task against the real engine: it connects, lists, and follows the events stream
//! so that changes arrive without any request.

// Tests fail loudly: unwrap and expect are how they report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use sandkasten_tui::docker::{self, DockerCmd, DockerEvent, deadline};
use sandkasten_tui::domain::ids::RequestId;
use sandkasten_tui::domain::outcome::FailureKind;
use sandkasten_tui::domain::session::SessionState;
use sandkasten_tui::domain::workspace::Inventory;
use support::with_env;
use tokio::sync::mpsc::Receiver;
use tokio::time::timeout;

async fn next_inventory_where(
    events: &mut Receiver<DockerEvent>,
    what: &str,
    pred: impl Fn(&Inventory) -> bool,
) -> Inventory {
    let wait = async {
        loop {
            match events.recv().await {
                Some(DockerEvent::Inventory(inv)) if pred(&inv) => return inv,
                Some(_) => {}
                None => panic!("docker task stopped"),
            }
        }
    };
    timeout(Duration::from_secs(5), wait)
        .await
        .unwrap_or_else(|_| panic!("no inventory with {what} within 5 s"))
}

#[tokio::test(flavor = "multi_thread")]
async fn changes_arrive_from_the_events_stream_without_a_request() {
    with_env("task_live", async |env| {
        let (handle, _link, mut events) = docker::spawn();
        let first = env.id("first");
        env.workspace(&first).await;
        next_inventory_where(&mut events, "the first workspace", |inv| {
            inv.workspaces.iter().any(|w| w.id == first)
        })
        .await;

        // Created by someone else, after the listing: must show up by itself.
        let later = env.id("later");
        env.workspace(&later).await;
        next_inventory_where(&mut events, "the later workspace", |inv| {
            inv.workspaces.iter().any(|w| w.id == later)
        })
        .await;

        // A session starting and its workspace becoming used.
        let session = env.id("sess");
        env.session(&session, Some(&later), true).await;
        let inv = next_inventory_where(&mut events, "the running session", |inv| {
            inv.sessions
                .iter()
                .any(|s| s.id == session && s.state == SessionState::Running)
        })
        .await;
        let ws = inv.workspaces.iter().find(|w| w.id == later).unwrap();
        assert_eq!(ws.used_by, std::slice::from_ref(&session));

        // Inspect for the detail pane.
        let container_id = inv
            .sessions
            .iter()
            .find(|s| s.id == session)
            .unwrap()
            .container_id
            .clone();
        handle
            .send(DockerCmd::InspectSession {
                req: RequestId(7),
                container_id: container_id.clone(),
            })
            .unwrap();
        let detail = timeout(Duration::from_secs(5), async {
            loop {
                if let Some(DockerEvent::SessionDetail {
                    req: RequestId(7),
                    result,
                    ..
                }) = events.recv().await
                {
                    return result;
                }
            }
        })
        .await
        .expect("detail within 5 s")
        .expect("inspect succeeds");
        assert!(detail.readonly_rootfs);
        assert_eq!(detail.cap_drop, ["ALL"]);
        assert_eq!(detail.network_mode, "none");
        assert_eq!(detail.pids_limit, Some(256));
        assert_eq!(detail.memory_bytes, Some(512 * 1024 * 1024));
        assert_eq!(detail.cpu_limit, Some(1.0));
        assert!(detail.init);
        assert!(detail.tmpfs.contains_key("/home/sandbox/.cache"));

        // Removal is seen too.
        env.cleanup().await;
        next_inventory_where(&mut events, "the workspaces gone", |inv| {
            !inv.workspaces
                .iter()
                .any(|w| w.id == first || w.id == later)
        })
        .await;
    })
    .await;
}

/// A fake engine on a unix socket in the temp dir: it accepts every connection, and answers
/// only what `answers` allows (the rest is read and never answered: a stalled engine).
struct FakeEngine {
    path: PathBuf,
}

#[derive(Clone, Copy)]
enum Answers {
    /// Accepts and never answers anything.
    Nothing,
    /// Answers the version probe and opens the events stream, then stalls on every other call.
    OnlyVersionAndEvents,
    /// Answers the version probe; every other call gets its headers and the start of a body,
    /// then nothing more (a daemon stuck mid-answer).
    HeadersThenStall,
}

impl FakeEngine {
    fn start(answers: Answers) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "sandkasten-tui-stalled-{}-{}.sock",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path).unwrap();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { return };
                std::thread::spawn(move || serve_fake(conn, answers));
            }
        });
        Self { path }
    }

    fn endpoint(&self) -> String {
        format!("unix://{}", self.path.display())
    }
}

impl Drop for FakeEngine {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// One connection: reads requests (GETs, no bodies) and answers the allowed ones; a request
/// it does not answer blocks the connection for good, as a stalled daemon does.
fn serve_fake(mut conn: UnixStream, answers: Answers) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
            match conn.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        buf.drain(..end);
        let path = head
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        let answered = matches!(
            answers,
            Answers::OnlyVersionAndEvents | Answers::HeadersThenStall
        );
        if answered && path.contains("/version") {
            let body = r#"{"Version":"20.10.0-fake","ApiVersion":"1.41"}"#;
            let reply = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            if conn.write_all(reply.as_bytes()).is_err() {
                return;
            }
        } else if answered && path.contains("/events") {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
            let _ = conn.write_all(head.as_bytes());
            // The stream is open and silent, as it is on an idle engine.
            std::thread::park();
            return;
        } else if matches!(answers, Answers::HeadersThenStall) {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n[\r\n";
            let _ = conn.write_all(head.as_bytes());
            std::thread::park();
            return;
        } else {
            std::thread::park();
            return;
        }
    }
}

async fn next_unreachable(events: &mut Receiver<DockerEvent>, within: Duration) -> (String, u32) {
    timeout(within, async {
        loop {
            match events.recv().await {
                Some(DockerEvent::Unreachable {
                    reason, attempt, ..
                }) => return (reason, attempt),
                Some(_) => {}
                None => panic!("docker task stopped"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no Unreachable within {within:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_engine_is_reported_within_the_probe_deadline_and_retried() {
    let fake = FakeEngine::start(Answers::Nothing);
    let started = Instant::now();
    let (handle, link, mut events) = docker::spawn_at(Some(fake.endpoint()));
    let (reason, attempt) = next_unreachable(&mut events, deadline::PROBE * 2).await;
    assert!(
        link.current().is_none(),
        "a stalled engine's client is not lent"
    );
    assert!(
        reason.contains("engine not answering (stalled)"),
        "{reason}"
    );
    assert!(reason.contains(&fake.endpoint()), "{reason}");
    assert_eq!(attempt, 1);
    assert!(started.elapsed() < deadline::PROBE + Duration::from_secs(2));
    // Recovered from like a lost engine: it retries by itself, and says so again.
    let (reason, attempt) = next_unreachable(&mut events, deadline::PROBE * 3).await;
    assert!(reason.contains("stalled"), "{reason}");
    assert_eq!(attempt, 2);
    drop(handle);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stall_after_connecting_is_noticed_when_a_call_times_out() {
    let fake = FakeEngine::start(Answers::OnlyVersionAndEvents);
    let (handle, _link, mut events) = docker::spawn_at(Some(fake.endpoint()));
    timeout(deadline::PROBE, async {
        loop {
            if let Some(DockerEvent::Connected(info)) = events.recv().await {
                assert_eq!(info.version, "20.10.0-fake");
                return;
            }
        }
    })
    .await
    .expect("connected to the fake engine");
    // The first listing never gets an answer: within its deadline the task gives up the
    // connection and reports the stall, instead of staying "connected" forever.
    handle
        .send(DockerCmd::InspectSession {
            req: RequestId(3),
            container_id: "c1".into(),
        })
        .unwrap();
    let reason = timeout(deadline::JOB + Duration::from_secs(5), async {
        loop {
            match events.recv().await {
                Some(DockerEvent::SessionDetail {
                    req: RequestId(3),
                    result,
                    ..
                }) => {
                    let err = result.expect_err("no answer from a stalled engine");
                    assert!(err.detail.contains("stalled"), "{err}");
                    // Stalled, or refused as unreachable once the task gave the engine up:
                    // either way the engine's state, never an ordinary refusal.
                    assert!(
                        matches!(err.kind, FailureKind::Stalled | FailureKind::Unreachable),
                        "{err:?}"
                    );
                }
                Some(DockerEvent::Unreachable { reason, .. }) => return reason,
                Some(DockerEvent::Inventory(_)) => panic!("a stalled engine listed something"),
                Some(_) => {}
                None => panic!("docker task stopped"),
            }
        }
    })
    .await
    .expect("the stall is reported within the call deadline");
    assert!(
        reason.contains("engine not answering (stalled)"),
        "{reason}"
    );
    // Whichever call stalls first ends the connection; requests still in flight are ended
    // by the UI on `Unreachable`, and one answered before says why it failed.
}

#[test]
fn the_cli_exits_with_a_clear_error_on_a_stalled_engine() {
    let fake = FakeEngine::start(Answers::Nothing);
    let started = Instant::now();
    let out = std::process::Command::new(support::binary())
        .arg("sessions")
        .env("DOCKER_HOST", fake.endpoint())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("engine not answering (stalled)"),
        "{stderr}"
    );
    assert!(stderr.contains(&fake.endpoint()), "{stderr}");
    assert!(started.elapsed() < deadline::PROBE + Duration::from_secs(3));
}

/// bollard's client timeout ends with the response headers; a body that never ends must not
/// hold a CLI command forever.
#[test]
fn cli_commands_give_up_on_an_engine_that_stalls_mid_answer() {
    let fake = FakeEngine::start(Answers::HeadersThenStall);
    let commands: [&[&str]; 4] = [
        &["sessions"],
        &["workspaces"],
        &["prune", "--orphans", "--dry-run"],
        &["session", "stop", "x"],
    ];
    let children: Vec<_> = commands
        .iter()
        .map(|args| {
            let child = std::process::Command::new(support::binary())
                .args(*args)
                .env("DOCKER_HOST", fake.endpoint())
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            (args, child)
        })
        .collect();
    let limit = deadline::CALL + Duration::from_secs(10);
    let started = Instant::now();
    for (args, mut child) in children {
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if started.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = status.unwrap_or_else(|| panic!("{args:?} still waiting after {limit:?}"));
        assert_eq!(status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("engine not answering (stalled)"),
            "{args:?}: {stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn opening_files_on_a_stalled_engine_fails_with_a_deadline_error() {
    use sandkasten_tui::workspace_fs::WorkspaceFs;
    let fake = FakeEngine::start(Answers::Nothing);
    let engine = docker::connect_at(&fake.endpoint()).unwrap();
    let started = Instant::now();
    let opened = timeout(
        deadline::PROBE * 3,
        WorkspaceFs::open(&engine.docker, "sandkasten-ws-x", Default::default()),
    )
    .await
    .expect("open must not hang on a stalled engine");
    let err = opened.err().expect("a stalled engine opens nothing");
    assert!(
        err.to_string().contains("engine not answering (stalled)"),
        "{err}"
    );
    assert!(started.elapsed() < deadline::PROBE + Duration::from_secs(2));
}

/// What the UI loop does with the task's events, without a terminal: each event goes through
/// the real `update`, and the Docker commands it returns go back to the task. Listings after
/// the first are left out, as if every later container lived between two refreshes.
struct Loop {
    state: sandkasten_tui::app::state::State,
    handle: docker::DockerHandle,
    events: Receiver<DockerEvent>,
    listed: bool,
    seen: Vec<DockerEvent>,
}

impl Loop {
    async fn until(
        &mut self,
        what: &str,
        done: impl Fn(&sandkasten_tui::app::state::State) -> bool,
    ) {
        use sandkasten_tui::app::msg::{Command, Msg};
        let wait = async {
            while !done(&self.state) {
                let event = self.events.recv().await.expect("the docker task runs");
                self.seen.push(event.clone());
                if matches!(event, DockerEvent::Inventory(_)) {
                    if self.listed {
                        continue;
                    }
                    self.listed = true;
                }
                for command in
                    sandkasten_tui::app::update::update(&mut self.state, Msg::Docker(event))
                {
                    if let Command::Docker(cmd) = command {
                        self.handle.send(cmd).unwrap();
                    }
                }
            }
        };
        timeout(Duration::from_secs(30), wait)
            .await
            .unwrap_or_else(|_| panic!("not {what} within 30 s"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_foreign_container_no_listing_saw_makes_the_workspace_it_wrote_measured_again() {
    with_env("task_foreign_write", async |env| {
        use sandkasten_tui::app::state::{ConfigSummary, State};
        let ws = env.id("foreign");
        let volume = env.workspace(&ws).await;
        let (handle, _link, events) = docker::spawn();
        let config = ConfigSummary {
            source: sandkasten_tui::config::ConfigSource::File("sandkasten.yaml".into()),
            workspace_enabled: true,
            read_only: false,
        };
        let mut ui = Loop {
            state: State::new(config, "test".into()),
            handle,
            events,
            listed: false,
            seen: Vec::new(),
        };
        let bytes = |state: &State| {
            state
                .workspaces
                .list
                .rows()
                .iter()
                .find(|r| r.ws.volume == volume && !r.measuring)
                .and_then(|r| r.measurement.map(|m| m.bytes))
        };
        ui.until("measured empty", |s| bytes(s) == Some(0)).await;

        // Not a sandkasten container: created, run and removed; no listing is applied meanwhile.
        let run = |args: &[&str]| {
            let out = std::process::Command::new("docker").args(args).output().unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8_lossy(&out.stdout).trim().to_owned()
        };
        let label = format!("{}={}", support::RUN_LABEL, env.run);
        let mount = format!("{volume}:/w");
        let image = support::test_image();
        let id = run(&[
            "create", "--network", "none", "--label", &label, "-v", &mount, &image, "sh", "-c",
            "head -c 10000 /dev/zero > /w/written-by-a-backup-job",
        ]);
        run(&["start", "-a", &id]);
        run(&["rm", &id]);

        ui.until("measured again with the new file", |s| bytes(s) == Some(10_000))
            .await;
        assert!(
            ui.seen
                .iter()
                .any(|e| matches!(e, DockerEvent::VolumeReleased { volume: v } if *v == volume)),
            "the unmount named the volume: {:?}",
            ui.seen
        );
        // And the container's end is reported by id, for what a listing did see.
        let ended = async {
            loop {
                if ui.seen.iter().any(
                    |e| matches!(e, DockerEvent::ContainerEnded { container_id } if *container_id == id),
                ) {
                    return;
                }
                let event = ui.events.recv().await.expect("the docker task runs");
                ui.seen.push(event);
            }
        };
        timeout(Duration::from_secs(10), ended)
            .await
            .expect("ContainerEnded for the foreign container");
    })
    .await;
}

/// A stall that ends: the task, which reported the engine unreachable and kept retrying,
/// reconnects by itself and lists again (a proxy to the real engine that stalls, then
/// forwards).
#[tokio::test(flavor = "multi_thread")]
async fn the_task_recovers_to_connected_and_lists_once_a_stall_ends() {
    with_env("task_stall_ends", async |env| {
        let ws = env.id("afterstall");
        env.workspace(&ws).await;
        let socket = std::env::temp_dir().join(format!("skt-stall-{}.sock", env.prefix));
        let proxy = support::proxy::EngineProxy::stalled(&socket);
        let (handle, link, mut events) = docker::spawn_at(Some(proxy.endpoint()));
        let (reason, _) = next_unreachable(&mut events, deadline::PROBE * 2).await;
        assert!(reason.contains("stalled"), "{reason}");

        proxy.set_stalled(false);
        // Both, in either order: the listing may be answered before the version probe.
        let (mut connected, mut listed) = (None, false);
        timeout(deadline::PROBE * 3, async {
            while connected.is_none() || !listed {
                match events.recv().await {
                    Some(DockerEvent::Connected(info)) => connected = Some(info),
                    Some(DockerEvent::Inventory(inv)) => {
                        listed |= inv.workspaces.iter().any(|w| w.id == ws);
                    }
                    Some(_) => {}
                    None => panic!("docker task stopped"),
                }
            }
        })
        .await
        .unwrap_or_else(|_| {
            panic!("once the engine answers: connected {connected:?}, listed {listed}")
        });
        assert_eq!(connected.unwrap().endpoint, proxy.endpoint());
        // Borrowers get the new connection's client.
        assert!(link.current().is_some());
        assert_eq!(link.endpoint(), proxy.endpoint());
        drop(handle);
    })
    .await;
}
