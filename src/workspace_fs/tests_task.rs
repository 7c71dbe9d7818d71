//! The files task answers every request: with no workspace open (never opened, or its open
//! failed), each request gets its own answer, a typed failure, instead of only a log line; the
//! browser waiting for it would otherwise wait forever. No engine needed: the link is a Docker
//! task's for a port where nothing listens.

use std::collections::HashMap;
use std::time::Duration;

use tokio::sync::mpsc::Receiver;

use super::task::{self, FsCmd, FsEvent};
use crate::docker::{self, DockerEvent, DockerHandle, EngineLink};
use crate::domain::file_ops::FileChange;
use crate::domain::files::FsPath;
use crate::domain::ids::RequestId;
use crate::domain::outcome::{Failure, FailureKind};

fn p(raw: &str) -> FsPath {
    FsPath::parse(raw).unwrap()
}

/// A Docker task that never reaches an engine, and the link it lends (its handle and reports
/// are kept: the task ends without them).
struct Nowhere {
    _task: (DockerHandle, Receiver<DockerEvent>),
    link: EngineLink,
}

fn nowhere() -> Nowhere {
    let (handle, link, events) = docker::spawn_at(Some("tcp://127.0.0.1:1".into()));
    Nowhere {
        _task: (handle, events),
        link,
    }
}

async fn next(events: &mut Receiver<FsEvent>) -> FsEvent {
    tokio::time::timeout(Duration::from_secs(10), events.recv())
        .await
        .expect("an answer within 10 s")
        .expect("the files task runs")
}

/// Every request that needs an open workspace, one request id each.
fn requests() -> Vec<FsCmd> {
    let req = RequestId;
    vec![
        FsCmd::List {
            req: req(1),
            dir: FsPath::root(),
        },
        FsCmd::Preview {
            req: req(2),
            path: p("a.txt"),
            limit: 10,
        },
        FsCmd::Load {
            req: req(3),
            path: p("a.txt"),
            limit: 10,
        },
        FsCmd::Save {
            req: req(4),
            path: p("a.txt"),
            data: b"x".to_vec(),
            expected: None,
        },
        FsCmd::CreateFile {
            req: req(5),
            path: p("new.txt"),
        },
        FsCmd::Mkdir {
            req: req(6),
            path: p("dir"),
        },
        FsCmd::Rename {
            req: req(7),
            from: p("a.txt"),
            to: p("b.txt"),
        },
        FsCmd::Remove {
            req: req(8),
            path: p("dir"),
            recursive: true,
            meant: crate::domain::files::Identity { dev: 1, ino: 2 },
        },
        FsCmd::Download {
            req: req(9),
            path: p("a.txt"),
            dest: "/nonexistent/a.txt".into(),
        },
        FsCmd::Upload {
            req: req(10),
            src: "/nonexistent/a.txt".into(),
            dir: FsPath::root(),
        },
    ]
}

/// The request id an answer is for, and its failure (every answer here is one).
fn failure_of(event: FsEvent) -> (RequestId, Failure) {
    let (req, failure) = match event {
        FsEvent::Listed { req, result, .. } => (req, result.err()),
        FsEvent::Previewed { req, result, .. } => (req, result.err()),
        FsEvent::Loaded { req, result, .. } => (req, result.err()),
        FsEvent::Saved { req, result, .. } => (req, result.err()),
        FsEvent::Changed { req, result, .. } => (req, result.err()),
        FsEvent::TransferDone { req, result } => (req, result.err()),
        other => panic!("not an answer to a request: {other:?}"),
    };
    (req, failure.expect("a failure: nothing is open"))
}

async fn each_request_is_answered_as_nothing_open(
    files: &task::FsHandle,
    events: &mut Receiver<FsEvent>,
) {
    for (n, cmd) in requests().into_iter().enumerate() {
        files.send(cmd).unwrap();
        let (req, failure) = failure_of(next(events).await);
        assert_eq!(req, RequestId(n as u64 + 1));
        assert_eq!(failure.kind, FailureKind::Invalid);
        assert_eq!(failure.detail, "no workspace is open");
    }
}

#[tokio::test]
async fn every_request_without_an_open_workspace_is_answered() {
    let engine = nowhere();
    let (files, mut events) = task::spawn_with_labels(HashMap::new(), engine.link.clone());
    each_request_is_answered_as_nothing_open(&files, &mut events).await;
    // After a close too.
    files.send(FsCmd::Close).unwrap();
    each_request_is_answered_as_nothing_open(&files, &mut events).await;
}

#[tokio::test]
async fn requests_after_a_failed_open_are_answered_too() {
    let engine = nowhere();
    let (files, mut events) = task::spawn_with_labels(HashMap::new(), engine.link.clone());
    files
        .send(FsCmd::Open {
            req: RequestId(0),
            volume: "sandkasten-ws-x".into(),
            read_only: false,
        })
        .unwrap();
    let FsEvent::Opened {
        req: RequestId(0),
        result: Err(why),
    } = next(&mut events).await
    else {
        panic!("the open cannot succeed without an engine");
    };
    assert_eq!(why.kind, FailureKind::Unreachable, "{why:?}");
    each_request_is_answered_as_nothing_open(&files, &mut events).await;
}

#[tokio::test]
async fn a_change_refused_says_which_change_it_was() {
    let engine = nowhere();
    let (files, mut events) = task::spawn_with_labels(HashMap::new(), engine.link.clone());
    files
        .send(FsCmd::Rename {
            req: RequestId(1),
            from: p("a"),
            to: p("b"),
        })
        .unwrap();
    let FsEvent::Changed { change, .. } = next(&mut events).await else {
        panic!("no change answer");
    };
    assert_eq!(
        change,
        FileChange::Renamed {
            from: p("a"),
            to: p("b")
        }
    );
}
