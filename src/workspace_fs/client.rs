//! Request multiplexing over one agent's attached stdin/stdout: a writer task sends frames in
//! order, a reader task demultiplexes replies by id to the oneshot each caller waits on. Any
//! number of requests can be in flight; a caller that gives up (drops its future) costs
//! nothing but the reply being thrown away. A streamed reply (a listing) arrives as several
//! frames, handed to its caller one by one. A reply frame longer than the protocol allows
//! fails its own request and is skipped as it streams past, never buffered: the connection
//! stays usable. When the stream ends, every waiting and later request fails with
//! `HelperGone`, with what the agent last said on stderr.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bollard::container::LogOutput;
use futures::{Stream, StreamExt};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::error::FsError;
use super::protocol::{
    HELLO, MAX_FRAME, PROTOCOL_VERSION, Request, STATUS_OK, STATUS_PART, decode_error,
    oversized_reply, split_reply,
};

/// Status and payload of one reply.
type Reply = Result<(u8, Vec<u8>), FsError>;

/// Longest greeting line accepted before giving up on it.
const MAX_HELLO: usize = 64;
/// How much of the agent's stderr is kept to explain its end.
const STDERR_TAIL: usize = 2048;

pub struct Client {
    shared: Arc<Shared>,
    frames: Option<mpsc::UnboundedSender<Vec<u8>>>,
    reader: JoinHandle<()>,
    writer: JoinHandle<()>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    next_id: AtomicU32,
}

/// Who waits for the replies to one request.
enum Waiter {
    /// One frame answers it.
    Once(oneshot::Sender<Reply>),
    /// `STATUS_PART` frames, then a final one; each is passed on as it arrives.
    Stream(mpsc::UnboundedSender<Reply>),
}

impl Waiter {
    fn send(self, reply: Reply) {
        // The caller may have given up; nothing to do then.
        match self {
            Waiter::Once(tx) => {
                let _ = tx.send(reply);
            }
            Waiter::Stream(tx) => {
                let _ = tx.send(reply);
            }
        }
    }
}

#[derive(Default)]
struct State {
    waiting: HashMap<u32, Waiter>,
    /// Set once the stream is unusable; every request fails with it from then on.
    gone: Option<FsError>,
}

impl Shared {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn deliver(&self, id: u32, reply: Reply) {
        let mut state = self.state();
        if let (Ok((STATUS_PART, _)), Some(Waiter::Stream(tx))) = (&reply, state.waiting.get(&id)) {
            let _ = tx.send(reply);
            return;
        }
        let waiter = state.waiting.remove(&id);
        drop(state);
        match (waiter, reply) {
            (Some(Waiter::Once(tx)), Ok((STATUS_PART, _))) => {
                let _ = tx.send(Err(FsError::Protocol(
                    "a partial reply to a request that takes one".into(),
                )));
            }
            (Some(waiter), reply) => waiter.send(reply),
            (None, _) => {}
        }
    }

    fn fail_all(&self, error: FsError) {
        let waiting = {
            let mut state = self.state();
            state.gone.get_or_insert(error.clone());
            std::mem::take(&mut state.waiting)
        };
        for (_, waiter) in waiting {
            waiter.send(Err(error.clone()));
        }
    }
}

impl Client {
    /// Starts the reader and writer tasks and waits for the agent's greeting.
    pub async fn connect<O, I>(
        output: O,
        input: I,
        hello_timeout: Duration,
    ) -> Result<Self, FsError>
    where
        O: Stream<Item = Result<LogOutput, bollard::errors::Error>> + Send + Unpin + 'static,
        I: AsyncWrite + Send + Unpin + 'static,
    {
        let shared = Arc::new(Shared::default());
        let (hello_tx, hello_rx) = oneshot::channel();
        let (frames, frames_rx) = mpsc::unbounded_channel();
        let reader = tokio::spawn(read_loop(output, shared.clone(), hello_tx));
        let writer = tokio::spawn(write_loop(input, frames_rx, shared.clone()));
        let client = Self {
            shared,
            frames: Some(frames),
            reader,
            writer,
        };
        match tokio::time::timeout(hello_timeout, hello_rx).await {
            Ok(Ok(Ok(()))) => Ok(client),
            Ok(Ok(Err(e))) => Err(e),
            Ok(Err(_)) => Err(FsError::HelperGone("ended before greeting".into())),
            Err(_) => Err(FsError::HelperGone(format!(
                "no greeting within {} s",
                hello_timeout.as_secs()
            ))),
        }
    }

    /// Registers `waiter` under a fresh id and sends the request.
    fn send(&self, request: &Request<'_>, waiter: Waiter) -> Result<(), FsError> {
        let Some(frames) = &self.frames else {
            return Err(FsError::HelperGone("closed".into()));
        };
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        {
            let mut state = self.shared.state();
            if let Some(e) = &state.gone {
                return Err(e.clone());
            }
            state.waiting.insert(id, waiter);
        }
        if frames.send(request.encode(id)).is_err() {
            self.shared.state().waiting.remove(&id);
            return Err(FsError::HelperGone("the writer stopped".into()));
        }
        Ok(())
    }

    /// Sends a request answered in several frames and calls `part` with each
    /// `STATUS_PART` payload as it arrives; returns the final payload. An error status (also
    /// after some parts) becomes its error.
    pub async fn call_streamed(
        &self,
        request: &Request<'_>,
        mut part: impl FnMut(&[u8]) -> Result<(), FsError>,
    ) -> Result<Vec<u8>, FsError> {
        let (tx, mut rx) = mpsc::unbounded_channel();
        self.send(request, Waiter::Stream(tx))?;
        loop {
            match rx.recv().await {
                Some(Ok((STATUS_PART, payload))) => part(&payload)?,
                Some(Ok((STATUS_OK, payload))) => return Ok(payload),
                Some(Ok((status, payload))) => return Err(decode_error(status, &payload)),
                Some(Err(e)) => return Err(e),
                None => return Err(FsError::HelperGone("the reader stopped".into())),
            }
        }
    }

    /// Sends one request and waits for its reply payload; an error status becomes its error.
    pub async fn call(&self, request: &Request<'_>) -> Result<Vec<u8>, FsError> {
        let (tx, rx) = oneshot::channel();
        self.send(request, Waiter::Once(tx))?;
        match rx.await {
            Ok(Ok((STATUS_OK, payload))) => Ok(payload),
            Ok(Ok((status, payload))) => Err(decode_error(status, &payload)),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(FsError::HelperGone("the reader stopped".into())),
        }
    }

    /// Closes the agent's stdin (it exits on that) after the frames already queued are sent.
    pub async fn shutdown(&mut self) {
        self.frames = None;
        let _ = tokio::time::timeout(Duration::from_secs(2), &mut self.writer).await;
        self.reader.abort();
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // Dropping the attach stream closes the agent's stdin too.
        self.reader.abort();
        self.writer.abort();
    }
}

async fn write_loop<I>(
    mut input: I,
    mut frames: mpsc::UnboundedReceiver<Vec<u8>>,
    shared: Arc<Shared>,
) where
    I: AsyncWrite + Send + Unpin,
{
    while let Some(frame) = frames.recv().await {
        let mut result = input.write_all(&frame).await;
        // Whatever else is queued goes out before one flush.
        while result.is_ok() {
            let Ok(more) = frames.try_recv() else { break };
            result = input.write_all(&more).await;
        }
        if let Err(e) = result.and(input.flush().await) {
            shared.fail_all(FsError::HelperGone(format!("cannot write to it: {e}")));
            return;
        }
    }
    let _ = input.shutdown().await;
}

async fn read_loop<O>(
    mut output: O,
    shared: Arc<Shared>,
    hello: oneshot::Sender<Result<(), FsError>>,
) where
    O: Stream<Item = Result<LogOutput, bollard::errors::Error>> + Unpin,
{
    let mut hello = Some(hello);
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
    // Bytes of an oversized frame still to be thrown away as they arrive.
    let mut skip: u64 = 0;
    let mut stderr: Vec<u8> = Vec::new();
    let reason = loop {
        match output.next().await {
            Some(Ok(LogOutput::StdOut { message } | LogOutput::Console { message })) => {
                buf.extend_from_slice(&message);
            }
            Some(Ok(LogOutput::StdErr { message })) => {
                stderr.extend_from_slice(&message);
                let excess = stderr.len().saturating_sub(STDERR_TAIL);
                stderr.drain(..excess);
                continue;
            }
            Some(Ok(LogOutput::StdIn { .. })) => continue,
            Some(Err(e)) => break FsError::HelperGone(format!("its stream broke: {e}")),
            None => break FsError::HelperGone("it exited".into()),
        }
        if let Some(tx) = hello.take() {
            match parse_hello(&buf) {
                Ok(None) => {
                    hello = Some(tx);
                    continue;
                }
                Ok(Some(used)) => {
                    buf.drain(..used);
                    let _ = tx.send(Ok(()));
                }
                Err(e) => {
                    let _ = tx.send(Err(e.clone()));
                    break e;
                }
            }
        }
        match take_replies(&mut buf, &mut skip, &shared) {
            Ok(()) => {}
            Err(e) => break e,
        }
    };
    let reason = match (reason, stderr.is_empty()) {
        (FsError::HelperGone(why), false) => FsError::HelperGone(format!(
            "{why}; it said: {}",
            String::from_utf8_lossy(&stderr).trim()
        )),
        (other, _) => other,
    };
    if let Some(tx) = hello {
        let _ = tx.send(Err(reason.clone()));
    }
    shared.fail_all(reason);
}

/// Delivers every complete reply at the front of `buf` and removes them. An oversized frame
/// fails its request and is skipped: `skip` counts what is left of it.
fn take_replies(buf: &mut Vec<u8>, skip: &mut u64, shared: &Shared) -> Result<(), FsError> {
    let mut at = 0;
    loop {
        if *skip > 0 {
            let n = usize::try_from(*skip)
                .unwrap_or(usize::MAX)
                .min(buf.len() - at);
            at += n;
            *skip -= n as u64;
            if *skip > 0 {
                break;
            }
        }
        if let Some((id, len)) = oversized_reply(&buf[at..]) {
            let error = FsError::Protocol(format!(
                "the agent's reply is {len} bytes, more than one frame may hold ({MAX_FRAME}); \
                 this request failed, the connection is kept"
            ));
            shared.deliver(id, Err(error));
            *skip = len;
            continue;
        }
        let Some(reply) = split_reply(&buf[at..])? else {
            break;
        };
        shared.deliver(reply.id, Ok((reply.status, reply.payload.to_vec())));
        at += reply.used;
    }
    buf.drain(..at);
    Ok(())
}

/// The greeting's length once a whole line is there; an error if it is not ours.
fn parse_hello(buf: &[u8]) -> Result<Option<usize>, FsError> {
    let Some(end) = buf.iter().take(MAX_HELLO).position(|&b| b == b'\n') else {
        if buf.len() >= MAX_HELLO {
            return Err(FsError::Protocol("no greeting from the agent".into()));
        }
        return Ok(None);
    };
    let line = &buf[..=end];
    if line == HELLO {
        return Ok(Some(end + 1));
    }
    let text = String::from_utf8_lossy(line).trim().to_owned();
    Err(match text.strip_prefix("HELLO ") {
        Some(v) => FsError::Protocol(format!(
            "the agent speaks protocol {v}, this program {PROTOCOL_VERSION} (a stale agent image?)"
        )),
        None => FsError::Protocol(format!("unexpected greeting {text:?}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greetings() {
        assert_eq!(parse_hello(b"HEL").unwrap(), None);
        assert_eq!(parse_hello(b"HELLO 4\n\x05\0").unwrap(), Some(8));
        assert!(matches!(
            parse_hello(b"HELLO 1\n"),
            Err(FsError::Protocol(m)) if m.contains("protocol 1")
        ));
        assert!(parse_hello(b"exec /agent: exec format error\n").is_err());
        assert!(parse_hello(&[b'x'; 64]).is_err());
    }
}
