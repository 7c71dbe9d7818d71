//! Raw keystrokes for a shell handoff, read on a thread that can be stopped: it polls stdin with
//! a short timeout and checks its stop flag before every read, so after `stop` returns no key
//! meant for the TUI is swallowed (`tokio::io::stdin` cannot promise that: its reads cannot be
//! cancelled).

use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use tokio::sync::mpsc;

/// How long one poll waits before checking the stop flag again.
const POLL: Timespec = Timespec {
    tv_sec: 0,
    tv_nsec: 50_000_000,
};

pub struct RawStdin {
    pub bytes: mpsc::UnboundedReceiver<Vec<u8>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RawStdin {
    pub fn start() -> Self {
        let (tx, bytes) = mpsc::unbounded_channel();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let stdin = std::io::stdin();
            let fd = stdin.as_fd();
            let mut buf = [0u8; 4096];
            while !flag.load(Ordering::Acquire) {
                let mut fds = [PollFd::new(&fd, PollFlags::IN)];
                match poll(&mut fds, Some(&POLL)) {
                    Ok(0) => continue,
                    Ok(_) if flag.load(Ordering::Acquire) => break,
                    Ok(_) => match rustix::io::read(fd, &mut buf) {
                        Ok(0) => break, // end of input
                        Ok(n) => {
                            if tx.send(buf[..n].to_vec()).is_err() {
                                break;
                            }
                        }
                        Err(rustix::io::Errno::INTR | rustix::io::Errno::AGAIN) => {}
                        Err(_) => break,
                    },
                    Err(rustix::io::Errno::INTR) => {}
                    Err(_) => break,
                }
            }
        });
        Self {
            bytes,
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

impl Drop for RawStdin {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}
