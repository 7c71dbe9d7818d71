//! The Docker task against the real engine: it connects, lists, and follows the events stream
//! so that changes arrive without any request.

// Tests fail loudly: unwrap and expect are how they report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use sandkasten_tui::docker::{self, DockerCmd, DockerEvent, Inventory};
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
        let (handle, mut events) = docker::spawn();
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
                .any(|s| s.id == session && s.state == docker::SessionState::Running)
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
                req: 7,
                container_id: container_id.clone(),
            })
            .unwrap();
        let detail = timeout(Duration::from_secs(5), async {
            loop {
                if let Some(DockerEvent::SessionDetail { req: 7, result, .. }) = events.recv().await
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
