//! A unix-socket proxy in front of the real engine, which a test points the code under test at
//! (`DOCKER_HOST` or an explicit endpoint) and then takes down, stalls and brings back: an
//! engine that restarts, stops answering (on new connections and on those it already has), or
//! drops every connection (attach streams included).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::task::JoinSet;

pub struct EngineProxy {
    path: PathBuf,
    target: PathBuf,
    /// While set, new connections are accepted and held without an answer, and open ones stop
    /// forwarding until it is cleared (a stalled engine).
    stalled: Arc<AtomicBool>,
    /// While set, the request that starts a shell's exec (one with a TTY) is held unanswered;
    /// once cleared, its connection is dropped (an attach that never starts).
    hold_shells: Arc<AtomicBool>,
    tasks: JoinSet<()>,
}

impl EngineProxy {
    /// The real engine's socket: `DOCKER_HOST` when it is a unix socket, else the default.
    fn target() -> PathBuf {
        match std::env::var("DOCKER_HOST") {
            Ok(host) if host.starts_with("unix://") => PathBuf::from(&host["unix://".len()..]),
            _ => PathBuf::from("/var/run/docker.sock"),
        }
    }

    /// Listens at `path` and forwards every connection to the real engine.
    pub fn new(path: &Path) -> Self {
        let mut proxy = Self {
            path: path.to_owned(),
            target: Self::target(),
            stalled: Arc::new(AtomicBool::new(false)),
            hold_shells: Arc::new(AtomicBool::new(false)),
            tasks: JoinSet::new(),
        };
        proxy.start();
        proxy
    }

    /// Like [`EngineProxy::new`], stalled from the start.
    pub fn stalled(path: &Path) -> Self {
        let proxy = Self::new(path);
        proxy.set_stalled(true);
        proxy
    }

    /// What to set `DOCKER_HOST` (or pass as an endpoint) to.
    pub fn endpoint(&self) -> String {
        format!("unix://{}", self.path.display())
    }

    /// From now on, new connections are held unanswered (`true`) or forwarded (`false`); open
    /// connections pause (`true`) or resume (`false`). A client's pooled connection is thereby
    /// stalled too, as it is when the engine itself hangs.
    pub fn set_stalled(&self, stalled: bool) {
        self.stalled.store(stalled, Ordering::SeqCst);
    }

    /// From now on, a shell's attach (an exec started with a TTY) is held (`true`); clearing
    /// it drops the connection of every attach held.
    pub fn set_holding_shells(&self, hold: bool) {
        self.hold_shells.store(hold, Ordering::SeqCst);
    }

    /// Listens (again) and forwards.
    pub fn start(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        let listener = UnixListener::bind(&self.path).expect("bind proxy socket");
        let target = self.target.clone();
        let stalled = Arc::clone(&self.stalled);
        let hold_shells = Arc::clone(&self.hold_shells);
        self.tasks.spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((mut client, _)) = listener.accept().await {
                let target = target.clone();
                let stalled = Arc::clone(&stalled);
                let hold_shells = Arc::clone(&hold_shells);
                connections.spawn(async move {
                    if stalled.load(Ordering::SeqCst) {
                        // Read and never answer, until the client gives up.
                        let _ = tokio::io::copy(&mut client, &mut tokio::io::sink()).await;
                    } else if let Ok(engine) = UnixStream::connect(&target).await {
                        let (client_rx, client_tx) = client.into_split();
                        let (engine_rx, engine_tx) = engine.into_split();
                        tokio::join!(
                            forward(
                                client_rx,
                                engine_tx,
                                Arc::clone(&stalled),
                                Some(hold_shells)
                            ),
                            forward(engine_rx, client_tx, stalled, None),
                        );
                    }
                });
            }
        });
    }

    /// Drops the listener and every open connection (the JoinSets abort their tasks).
    pub fn stop(&mut self) {
        self.tasks.abort_all();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Copies `from` to `to`, holding what it read while `stalled` is set.
async fn forward(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    stalled: Arc<AtomicBool>,
    hold_shells: Option<Arc<AtomicBool>>,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        while stalled.load(Ordering::SeqCst) {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        if let Some(hold) = &hold_shells
            && hold.load(Ordering::SeqCst)
            && starts_a_shell(&buf[..n])
        {
            while hold.load(Ordering::SeqCst) {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            break;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// A request starting an exec with a TTY: a shell's attach (the probes and clean-ups run
/// without one).
fn starts_a_shell(request: &[u8]) -> bool {
    let has = |needle: &[u8]| request.windows(needle.len()).any(|w| w == needle);
    has(b"/exec/") && has(b"/start") && has(b"\"Tty\":true")
}

impl Drop for EngineProxy {
    fn drop(&mut self) {
        self.stop();
    }
}
