//! The logs view's state: a bounded ring of lines, following or scrolled back, and a search.

use std::collections::VecDeque;

use crate::domain::ids::RequestId;

/// Lines kept; older ones are dropped (a chatty session must not grow memory without bound).
pub const MAX_LINES: usize = 10_000;

#[derive(Debug, Clone, PartialEq)]
pub struct LogsView {
    pub req: RequestId,
    pub session: String,
    pub container: String,
    pub lines: VecDeque<String>,
    /// Lines dropped from the front so far.
    pub dropped: usize,
    /// Stick to the newest line as lines arrive.
    pub follow: bool,
    /// First line shown when not following.
    pub top: usize,
    /// Rows the last frame had for lines (for paging).
    pub page: usize,
    pub search: String,
    /// Why the stream ended, when it did.
    pub ended: Option<String>,
}

impl LogsView {
    pub fn new(req: RequestId, session: String, container: String) -> Self {
        Self {
            req,
            session,
            container,
            lines: VecDeque::new(),
            dropped: 0,
            follow: true,
            top: 0,
            page: 20,
            search: String::new(),
            ended: None,
        }
    }

    pub fn push(&mut self, lines: Vec<String>) {
        for line in lines {
            if self.lines.len() == MAX_LINES {
                self.lines.pop_front();
                self.dropped += 1;
                self.top = self.top.saturating_sub(1);
            }
            self.lines.push_back(line);
        }
    }

    fn last_top(&self) -> usize {
        self.lines.len().saturating_sub(self.page.max(1))
    }

    /// The first line to draw.
    pub fn first_visible(&self) -> usize {
        if self.follow {
            self.last_top()
        } else {
            self.top.min(self.last_top())
        }
    }

    pub fn scroll(&mut self, delta: isize) {
        let top = self
            .first_visible()
            .saturating_add_signed(delta)
            .min(self.last_top());
        self.top = top;
        // Scrolling back stops following; reaching the end resumes it.
        self.follow = top >= self.last_top() && delta > 0;
    }

    pub fn to_start(&mut self) {
        self.follow = false;
        self.top = 0;
    }

    pub fn to_end(&mut self) {
        self.follow = true;
    }

    /// Jumps to the next line (after the first visible one) containing the search, wrapping.
    pub fn next_match(&mut self) -> bool {
        if self.search.is_empty() {
            return false;
        }
        let needle = self.search.to_lowercase();
        let start = self.first_visible() + 1;
        let n = self.lines.len();
        let found = (0..n)
            .map(|i| (start + i) % n.max(1))
            .find(|&i| self.lines[i].to_lowercase().contains(&needle));
        if let Some(i) = found {
            self.follow = false;
            self.top = i;
        }
        found.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(n: usize) -> LogsView {
        let mut v = LogsView::new(RequestId(1), "s".into(), "c".into());
        v.page = 10;
        v.push((0..n).map(|i| format!("line {i}")).collect());
        v
    }

    #[test]
    fn following_shows_the_newest_lines() {
        let v = view(100);
        assert_eq!(v.first_visible(), 90);
    }

    #[test]
    fn scrolling_back_stops_following_and_the_end_resumes_it() {
        let mut v = view(100);
        v.scroll(-5);
        assert!(!v.follow);
        assert_eq!(v.first_visible(), 85);
        v.push(vec!["new".into()]);
        assert_eq!(v.first_visible(), 85, "stays put while new lines arrive");
        v.scroll(100);
        assert!(v.follow);
    }

    #[test]
    fn memory_is_bounded() {
        let mut v = view(MAX_LINES);
        v.push(vec!["one more".into()]);
        assert_eq!(v.lines.len(), MAX_LINES);
        assert_eq!(v.dropped, 1);
        assert_eq!(v.lines.back().map(String::as_str), Some("one more"));
    }

    #[test]
    fn search_finds_the_next_match_and_wraps() {
        let mut v = view(100);
        v.search = "LINE 4".into();
        v.to_start();
        assert!(v.next_match());
        assert_eq!(v.top, 4);
        assert!(v.next_match());
        assert_eq!(v.top, 40);
        v.search = "nothing".into();
        assert!(!v.next_match());
    }
}
