//! Raw keystrokes for a shell handoff, pumped straight into the exec by a thread that can be
//! stopped: it polls stdin with a short timeout and checks its stop flag before every read, so
//! after `stop` returns no key meant for the TUI is swallowed (`tokio::io::stdin` cannot promise
//! that: its reads cannot be cancelled). Writing from this thread, instead of handing bytes to
//! an async task, saves a cross-thread wake-up per keystroke.

use std::os::fd::AsFd;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::runtime::Handle;
use tokio::sync::oneshot;

/// How long one poll waits before checking the stop flag again.
const POLL: Timespec = Timespec {
    tv_sec: 0,
    tv_nsec: 50_000_000,
};

/// Why the pump stopped by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PumpEnd {
    /// The operator pressed the detach key.
    Detached,
    /// The shell no longer takes input.
    Closed,
    /// The terminal is gone (hangup, error, or end of input): nobody is left to type, so the
    /// attach, and the program, end. Polling on would spin on `read() = 0`.
    Hangup,
}

pub struct StdinPump {
    /// Resolves when the pump ends by itself (not when stopped).
    pub ended: oneshot::Receiver<PumpEnd>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl StdinPump {
    /// Copies stdin into `input` until the detach byte, the end of input, or `stop`.
    pub fn start(mut input: Pin<Box<dyn AsyncWrite + Send>>, detach: u8, runtime: Handle) -> Self {
        let (tx, ended) = oneshot::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let stdin = std::io::stdin();
            let fd = stdin.as_fd();
            let mut buf = [0u8; 4096];
            let end = loop {
                if flag.load(Ordering::Acquire) {
                    break None;
                }
                let mut fds = [PollFd::new(&fd, PollFlags::IN)];
                match poll(&mut fds, Some(&POLL)) {
                    Ok(0) | Err(rustix::io::Errno::INTR) => continue,
                    Ok(_) if flag.load(Ordering::Acquire) => break None,
                    Ok(_) => {}
                    Err(_) => break Some(PumpEnd::Hangup),
                }
                let revents = fds[0].revents();
                // Keys still queued are read first; a hangup with nothing left ends here.
                if !revents.contains(PollFlags::IN)
                    && revents.intersects(PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL)
                {
                    break Some(PumpEnd::Hangup);
                }
                let n = match rustix::io::read(fd, &mut buf) {
                    Ok(0) => break Some(PumpEnd::Hangup),
                    Ok(n) => n,
                    Err(rustix::io::Errno::INTR | rustix::io::Errno::AGAIN) => continue,
                    // EIO is what a pty whose other end closed answers.
                    Err(_) => break Some(PumpEnd::Hangup),
                };
                let (send, detached) = match buf[..n].iter().position(|b| *b == detach) {
                    Some(at) => (&buf[..at], true),
                    None => (&buf[..n], false),
                };
                if !send.is_empty()
                    && runtime
                        .block_on(async { input.write_all(send).await.and(input.flush().await) })
                        .is_err()
                {
                    break Some(PumpEnd::Closed);
                }
                if detached {
                    break Some(PumpEnd::Detached);
                }
            };
            // Say why first: closing the input makes the shell exit, and that must not be
            // mistaken for the reason.
            if let Some(end) = end {
                let _ = tx.send(end);
            }
            let _ = runtime.block_on(input.shutdown());
        });
        Self {
            ended,
            stop,
            thread: Some(thread),
        }
    }

    /// Stops the thread and waits for it (at most one poll interval).
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for StdinPump {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}
