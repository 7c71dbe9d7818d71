//! A session's logs as lines: the tail, then following (as batches for the UI). Bounded by the
//! caller.

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::query_parameters::LogsOptionsBuilder;
use futures::{Stream, StreamExt};
use tokio::sync::mpsc;
use tokio::time::{Duration, Instant, sleep_until};

use super::DockerEvent;
use super::deadline;
use super::error::DockerError;
use crate::domain::ids::RequestId;
use crate::domain::outcome::Failure;

/// Longest line kept: a runaway line must not eat memory.
pub const MAX_LINE: usize = 4096;

fn chunk_text(chunk: LogOutput) -> String {
    let bytes = match chunk {
        LogOutput::StdOut { message }
        | LogOutput::StdErr { message }
        | LogOutput::Console { message }
        | LogOutput::StdIn { message } => message,
    };
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The last `tail` lines, then new ones as they come when `follow`.
pub fn stream(
    docker: &Docker,
    container: &str,
    tail: usize,
    follow: bool,
) -> impl Stream<Item = Result<String, Failure>> + use<> {
    let options = LogsOptionsBuilder::new()
        .stdout(true)
        .stderr(true)
        .follow(follow)
        .tail(&tail.to_string())
        .build();
    let chunks = docker.logs(container, Some(options)).map(|chunk| {
        chunk
            .map(chunk_text)
            .map_err(|e| Failure::from(DockerError::from(e)))
    });
    // Without `follow` the engine sends what it has and ends: a gap of a whole call deadline
    // is an engine that stopped answering mid-answer, not a quiet session. Following, silence
    // is legitimate and the caller bounds it.
    let idle = (!follow).then_some(deadline::CALL);
    futures::stream::unfold(Some(Box::pin(chunks)), move |chunks| async move {
        let mut chunks = chunks?;
        let next = match idle {
            Some(limit) => match tokio::time::timeout(limit, chunks.next()).await {
                Ok(next) => next,
                Err(_) => {
                    let stalled = deadline::stalled("reading the logs", limit);
                    return Some((Err(Failure::from(stalled)), None));
                }
            },
            None => chunks.next().await,
        };
        next.map(|item| (item, Some(chunks)))
    })
}

/// Splits text chunks into lines, carrying partial lines over; long lines are cut.
#[derive(Debug, Default)]
pub struct LineSplitter {
    partial: String,
}

impl LineSplitter {
    pub fn push(&mut self, text: &str) -> Vec<String> {
        self.partial.push_str(text);
        let mut lines = Vec::new();
        while let Some(pos) = self.partial.find('\n') {
            let mut line: String = self.partial.drain(..=pos).collect();
            line.pop();
            if line.ends_with('\r') {
                line.pop();
            }
            lines.push(cut(line));
        }
        if self.partial.len() > MAX_LINE {
            lines.push(cut(std::mem::take(&mut self.partial)));
        }
        lines
    }

    pub fn finish(&mut self) -> Option<String> {
        (!self.partial.is_empty()).then(|| cut(std::mem::take(&mut self.partial)))
    }
}

fn cut(mut line: String) -> String {
    if line.len() > MAX_LINE {
        let mut end = MAX_LINE;
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        line.truncate(end);
        line.push('…');
    }
    line
}

/// Lines sent at most this often while following, so a chatty session costs few frames.
const LOG_FLUSH: Duration = Duration::from_millis(50);
/// Lines of history shown when the view opens.
const LOG_TAIL: usize = 1000;

/// Streams a session's logs as batches of lines until the stream ends or the job is aborted.
pub async fn follow(
    docker: Docker,
    req: RequestId,
    container_id: String,
    events: mpsc::Sender<DockerEvent>,
) {
    let mut stream = Box::pin(stream(&docker, &container_id, LOG_TAIL, true));
    let mut splitter = LineSplitter::default();
    let mut batch: Vec<String> = Vec::new();
    let mut flush_at = Instant::now() + LOG_FLUSH;
    let result = loop {
        tokio::select! {
            next = stream.next() => match next {
                Some(Ok(text)) => batch.extend(splitter.push(&text)),
                Some(Err(e)) => break Err(e),
                // The engine ended it: the session stopped or is gone.
                None => break Ok(()),
            },
            _ = sleep_until(flush_at), if !batch.is_empty() => {
                if events.send(DockerEvent::LogLines { req, lines: std::mem::take(&mut batch) }).await.is_err() {
                    return;
                }
                flush_at = Instant::now() + LOG_FLUSH;
            }
        }
    };
    batch.extend(splitter.finish());
    if !batch.is_empty() {
        let _ = events
            .send(DockerEvent::LogLines { req, lines: batch })
            .await;
    }
    let _ = events.send(DockerEvent::LogsEnded { req, result }).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_split_across_chunks() {
        let mut s = LineSplitter::default();
        assert_eq!(s.push("hel"), Vec::<String>::new());
        assert_eq!(s.push("lo\r\nwor"), ["hello"]);
        assert_eq!(s.push("ld\n\n"), ["world", ""]);
        assert_eq!(s.finish(), None);
        s.push("tail");
        assert_eq!(s.finish().as_deref(), Some("tail"));
    }

    #[test]
    fn runaway_lines_are_cut() {
        let mut s = LineSplitter::default();
        let lines = s.push(&"x".repeat(MAX_LINE + 10));
        assert_eq!(lines.len(), 1);
        assert!(lines[0].ends_with('…'));
    }
}
