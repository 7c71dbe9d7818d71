//! The Docker task's client, lent to the code that needs its own calls to the engine (the
//! files task, the shell handoff through a prepared shell): whether the task is connected,
//! connecting or cut off, and the client of the current connection. Only the Docker task
//! connects and changes what is lent; borrowers never build a client of their own.

use std::time::Duration;

use bollard::Docker;
use tokio::sync::watch;

use super::connect::Engine;
use super::error::DockerError;

/// What the Docker task lends at a given moment.
#[derive(Debug, Clone)]
enum Lent {
    /// Reaching the engine (first time, or again after a loss): no client yet.
    Connecting,
    /// The engine answered: calls go through this client.
    Connected(Docker),
    /// The engine cannot be reached (why); the task retries by itself.
    Down(String),
}

#[derive(Debug, Clone)]
struct Link {
    endpoint: String,
    lent: Lent,
}

/// A borrower's end: cheap to clone, never blocks the Docker task.
#[derive(Debug, Clone)]
pub struct EngineLink {
    rx: watch::Receiver<Link>,
}

/// The Docker task's end: what it lends, as its connection changes.
#[derive(Debug)]
pub(super) struct Lender {
    tx: watch::Sender<Link>,
}

/// A new link, connecting to `endpoint`.
pub(super) fn lend(endpoint: String) -> (Lender, EngineLink) {
    let (tx, rx) = watch::channel(Link {
        endpoint,
        lent: Lent::Connecting,
    });
    (Lender { tx }, EngineLink { rx })
}

impl Lender {
    fn set(&self, endpoint: &str, lent: Lent) {
        // Nobody borrowing is fine: the task runs for the UI, not for its borrowers.
        self.tx.send_replace(Link {
            endpoint: endpoint.to_owned(),
            lent,
        });
    }

    pub fn connecting(&self, endpoint: &str) {
        self.set(endpoint, Lent::Connecting);
    }

    pub fn connected(&self, engine: &Engine) {
        self.set(&engine.endpoint, Lent::Connected(engine.docker.clone()));
    }

    pub fn down(&self, endpoint: &str, reason: &str) {
        self.set(endpoint, Lent::Down(reason.to_owned()));
    }
}

impl EngineLink {
    /// A link that always lends `engine`'s client, with no Docker task behind it: for the CLI
    /// (one command, one client) and for tests that drive a borrower on its own.
    pub fn fixed(engine: Engine) -> Self {
        let (lender, link) = lend(engine.endpoint.clone());
        lender.connected(&engine);
        link
    }

    /// The endpoint the task talks to (or tries to), for messages.
    pub fn endpoint(&self) -> String {
        self.rx.borrow().endpoint.clone()
    }

    /// The client of the current connection, if the engine answers now.
    pub fn current(&self) -> Option<Docker> {
        match &self.rx.borrow().lent {
            Lent::Connected(docker) => Some(docker.clone()),
            Lent::Connecting | Lent::Down(_) => None,
        }
    }

    /// The client once the engine answers, waiting up to `limit` while the task connects; an
    /// engine the task already found unreachable is reported at once (the operator sees the
    /// same reason in the status bar), as a call on a dead connection would fail.
    pub async fn ready(&self, limit: Duration) -> Result<Docker, DockerError> {
        self.wait_for(limit, false).await
    }

    /// The client once the engine answers, waiting up to `limit` through connection attempts
    /// and the back-off between them: for work that found the engine gone under it and should
    /// carry on once it is back (a helper reopened after a reconnect).
    pub async fn wait(&self, limit: Duration) -> Result<Docker, DockerError> {
        self.wait_for(limit, true).await
    }

    async fn wait_for(&self, limit: Duration, through_down: bool) -> Result<Docker, DockerError> {
        let mut rx = self.rx.clone();
        let waited = tokio::time::timeout(limit, async {
            loop {
                let (endpoint, lent) = {
                    let link = rx.borrow_and_update();
                    (link.endpoint.clone(), link.lent.clone())
                };
                match lent {
                    Lent::Connected(docker) => return Ok(docker),
                    Lent::Down(reason) if !through_down => {
                        return Err(DockerError::Connect { endpoint, reason });
                    }
                    Lent::Connecting | Lent::Down(_) => {}
                }
                if rx.changed().await.is_err() {
                    return Err(DockerError::Connect {
                        endpoint,
                        reason: "the Docker task has stopped".into(),
                    });
                }
            }
        })
        .await;
        waited.unwrap_or_else(|_| {
            let link = self.rx.borrow();
            let reason = match &link.lent {
                Lent::Down(reason) => reason.clone(),
                _ => format!("not connected within {}", humantime::format_duration(limit)),
            };
            Err(DockerError::Connect {
                endpoint: link.endpoint.clone(),
                reason,
            })
        })
    }

    /// The client of the first connection that answers, however long that takes; `None` once
    /// the Docker task has stopped without one. For background work with no one waiting on it.
    pub async fn connected(&self) -> Option<Docker> {
        let mut rx = self.rx.clone();
        loop {
            if let Lent::Connected(docker) = &rx.borrow_and_update().lent {
                return Some(docker.clone());
            }
            rx.changed().await.ok()?;
        }
    }

    /// Resolves once the Docker task has ended (at once for a [`fixed`](Self::fixed) link):
    /// the program waits on it, bounded, so that the task's last jobs (a shell's clean-up)
    /// run before the runtime goes.
    pub async fn ended(&self) {
        let mut rx = self.rx.clone();
        while rx.changed().await.is_ok() {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> Engine {
        super::super::connect_at("tcp://127.0.0.1:1").unwrap()
    }

    #[tokio::test]
    async fn a_fixed_link_lends_its_client_and_has_no_task_to_wait_for() {
        let link = EngineLink::fixed(engine());
        assert!(link.current().is_some());
        assert!(link.ready(Duration::from_millis(1)).await.is_ok());
        assert_eq!(link.endpoint(), "tcp://127.0.0.1:1");
        link.ended().await;
    }

    #[tokio::test]
    async fn ready_fails_at_once_when_down_and_wait_waits_for_the_reconnect() {
        let (lender, link) = lend("unix:///x.sock".into());
        lender.down("unix:///x.sock", "connection refused");
        let err = link.ready(Duration::from_secs(10)).await.unwrap_err();
        assert!(err.to_string().contains("connection refused"), "{err}");
        let waiting = tokio::spawn({
            let link = link.clone();
            async move { link.wait(Duration::from_secs(10)).await }
        });
        lender.connecting("unix:///x.sock");
        lender.connected(&engine());
        assert!(waiting.await.unwrap().is_ok());
    }

    #[tokio::test]
    async fn waiting_past_the_limit_names_the_last_reason() {
        let (lender, link) = lend("unix:///x.sock".into());
        lender.down("unix:///x.sock", "no such file");
        let err = link.wait(Duration::from_millis(20)).await.unwrap_err();
        assert!(err.to_string().contains("no such file"), "{err}");
        lender.connecting("unix:///x.sock");
        let err = link.ready(Duration::from_millis(20)).await.unwrap_err();
        assert!(
            err.to_string().contains("not connected within 20ms"),
            "{err}"
        );
        drop(lender);
        assert!(link.connected().await.is_none());
        link.ended().await;
    }
}
