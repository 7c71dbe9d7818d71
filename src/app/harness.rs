//! An in-process TUI for tests: the real embedded keymap, a `State` and `update`, driven by
//! key names as `assets/keymap.yaml` writes them. Keys resolve exactly as in the loop
//! (`inbox::resolve`, numbered as they arrive); `draw` renders into ratatui's `TestBackend`
//! and hands the frame's `Layout` back as `Msg::Drawn`, so destructive dialogs arm only after
//! a frame showed them, as in the real loop. No engine, no terminal, no tasks: the commands
//! `update` asks for are returned, never run. Test-only; nothing here touches the host.

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use jiff::SignedDuration;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::inbox::resolve;
use crate::app::keymap::Keymap;
use crate::app::msg::{Command, Layout, Msg};
use crate::app::state::{REACTION, State};
use crate::app::update::update;
use crate::config::keymap::{Bindings, Key};
use crate::ui::{self, HitMap};

pub struct Harness {
    pub state: State,
    keymap: Keymap,
    terminal: Terminal<TestBackend>,
    /// Where the last frame put things, for the mouse.
    hits: HitMap,
    /// Terminal events so far: the n-th key of the run is n, as the loop counts.
    seq: u64,
}

impl Harness {
    /// A 120×30 terminal over `state`.
    pub fn new(state: State) -> Self {
        Self::sized(state, 120, 30)
    }

    pub fn sized(state: State, width: u16, height: u16) -> Self {
        let backend = TestBackend::new(width, height);
        Self {
            state,
            keymap: Keymap::new(Bindings::defaults()),
            terminal: Terminal::new(backend).unwrap_or_else(|e| panic!("test terminal: {e}")),
            hits: HitMap::default(),
            seq: 0,
        }
    }

    /// The same harness with other bindings than the embedded ones: what a remapped keymap
    /// does and shows.
    pub fn with_bindings(mut self, bindings: Bindings) -> Self {
        self.keymap = Keymap::new(bindings);
        self
    }

    /// What a key (by its keymap name) means now, as the loop would resolve it; nothing is
    /// applied.
    pub fn meaning(&self, key: &str) -> Option<Msg> {
        let key = parse(key);
        let event = Event::Key(KeyEvent::new(key.code, key.modifiers));
        resolve(event, &self.state, &self.keymap, &self.hits)
    }

    /// One key by its keymap name (`d`, `G`, `ctrl-c`, `enter`, `esc`, `space`…), with no
    /// frame after it: what it means depends on what has the keys now.
    pub fn press(&mut self, key: &str) -> Vec<Command> {
        let key = parse(key);
        self.event(Event::Key(KeyEvent::new(key.code, key.modifiers)))
    }

    /// Keys separated by spaces, typed in one burst (no frame between them).
    pub fn keys(&mut self, keys: &str) -> Vec<Command> {
        keys.split_whitespace()
            .flat_map(|k| self.press(k))
            .collect()
    }

    /// Each character as its own key press, in one burst (a bound letter still means its
    /// action where text is not taken).
    pub fn type_text(&mut self, text: &str) -> Vec<Command> {
        text.chars()
            .flat_map(|c| {
                self.event(Event::Key(KeyEvent::new(
                    KeyCode::Char(c),
                    KeyModifiers::NONE,
                )))
            })
            .collect()
    }

    /// A left click at a cell of the last frame.
    pub fn click(&mut self, column: u16, row: u16) -> Vec<Command> {
        self.event(Event::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }))
    }

    /// A background result (a Docker or files event, a shell's end).
    pub fn send(&mut self, msg: impl Into<Msg>) -> Vec<Command> {
        update(&mut self.state, msg)
    }

    /// Draws a frame, tells `update` what it showed, and returns the screen as text. The
    /// keys that follow come as an operator's would: after reading it ([`REACTION`] later).
    pub fn draw(&mut self) -> String {
        self.draw_while_queued(0)
    }

    /// Like [`Self::draw`], for a frame that finished while `queued` more keys had already
    /// arrived unread: those count as typed before the frame was seen.
    pub fn draw_while_queued(&mut self, queued: u64) -> String {
        self.frame(queued, REACTION)
    }

    /// A frame that finished in the middle of a burst: the keys that follow were typed with
    /// the ones before it (not yet read from the terminal when it was out), no time apart.
    pub fn draw_mid_burst(&mut self) -> String {
        self.frame(0, SignedDuration::ZERO)
    }

    /// Time passes before the next key (`now` is when a message is applied, as in the loop).
    pub fn wait(&mut self, ms: i64) {
        self.state.now = later(self.state.now, SignedDuration::from_millis(ms));
    }

    /// Draws, with the frame out `before` ahead of the next key.
    fn frame(&mut self, queued: u64, before: SignedDuration) -> String {
        let (state, keymap) = (&self.state, &self.keymap);
        let mut hits = HitMap::default();
        self.terminal
            .draw(|frame| hits = ui::render(frame, state, keymap))
            .unwrap_or_else(|e| panic!("drawing: {e}"));
        self.hits = hits;
        let layout = Layout::from_hits(&self.hits, self.seq + queued);
        drawn_before(&mut self.state, layout, before);
        self.terminal.backend().to_string()
    }

    fn event(&mut self, event: Event) -> Vec<Command> {
        self.seq += 1;
        self.state.key_seq = self.seq;
        match resolve(event, &self.state, &self.keymap, &self.hits) {
            Some(msg) => update(&mut self.state, msg),
            None => Vec::new(),
        }
    }
}

/// Applies `layout` as if its frame went out `before` ahead of `now` (the time the next key is
/// applied at), leaving `now` as it was.
pub fn drawn_before(state: &mut State, layout: Layout, before: SignedDuration) {
    let now = state.now;
    state.now = later(now, -before);
    update(state, Msg::Drawn(layout));
    state.now = now;
}

fn later(at: jiff::Timestamp, by: SignedDuration) -> jiff::Timestamp {
    at.checked_add(by)
        .unwrap_or_else(|e| panic!("{at} + {by}: {e}"))
}

fn parse(key: &str) -> Key {
    key.parse()
        .unwrap_or_else(|e| panic!("{key:?} is no key name: {e}"))
}
