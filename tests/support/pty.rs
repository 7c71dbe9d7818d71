//! Drives the real binary in a pseudo-terminal and reads its screen back as text.

use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

pub struct Tui {
    /// `None` once the terminal hung up (`hang_up`).
    master: Option<Box<dyn MasterPty + Send>>,
    writer: Option<Box<dyn Write + Send>>,
    child: Box<dyn Child + Send + Sync>,
    parser: Arc<Mutex<vt100::Parser>>,
    /// Everything the program has written so far: a redraw shows up here.
    received: Arc<AtomicU64>,
    /// Every byte the program wrote, for modes the vt100 parser does not track.
    transcript: Arc<Mutex<Vec<u8>>>,
    /// Asks the reader thread to let go of its copy of the master after its next read.
    release: Arc<AtomicBool>,
    reader_done: Arc<AtomicBool>,
}

impl Tui {
    /// Starts the binary with `args` and extra environment at `cols`×`rows`.
    pub fn spawn(args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16) -> Self {
        Self::spawn_program(super::binary(), args, env, cols, rows)
    }

    /// Starts any program (benchmarks compare against the docker CLI).
    pub fn spawn_program(
        program: &str,
        args: &[&str],
        env: &[(&str, &str)],
        cols: u16,
        rows: u16,
    ) -> Self {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open pty");
        let mut cmd = CommandBuilder::new(program);
        cmd.args(args);
        cmd.cwd(env!("CARGO_MANIFEST_DIR"));
        cmd.env("TERM", "xterm-256color");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn binary");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let sink = Arc::clone(&parser);
        let received = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&received);
        let transcript = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&transcript);
        let release = Arc::new(AtomicBool::new(false));
        let released = Arc::clone(&release);
        let reader_done = Arc::new(AtomicBool::new(false));
        let done = Arc::clone(&reader_done);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().process(&buf[..n]);
                log.lock().unwrap().extend_from_slice(&buf[..n]);
                counter.fetch_add(n as u64, Ordering::Relaxed);
                if released.load(Ordering::Acquire) {
                    break;
                }
            }
            drop(reader);
            done.store(true, Ordering::Release);
        });
        Self {
            master: Some(pair.master),
            writer: Some(writer),
            child,
            parser,
            received,
            transcript,
            release,
            reader_done,
        }
    }

    /// Closes the terminal as a window being closed does: every master descriptor goes, so
    /// the program sees a hangup. `poke` is typed first to make the program write once more:
    /// the reader thread lets go of its copy of the master only when a read returns.
    pub fn hang_up(&mut self, poke: &str) {
        self.release.store(true, Ordering::Release);
        self.send(poke);
        self.disarm_eof_on_close();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.reader_done.load(Ordering::Acquire) {
            assert!(Instant::now() < deadline, "the reader never let go");
            std::thread::sleep(Duration::from_millis(10));
        }
        self.writer = None;
        self.master = None;
    }

    /// portable-pty's writer, dropped, types a newline and the terminal's EOF character (for a
    /// child in canonical mode); in raw mode the program reads them as ctrl-j and ctrl-d, keys
    /// a window that closes never types (the editor deletes to the line's start and the next
    /// character with them). With no EOF character set, the drop writes nothing. Raw mode
    /// never uses it, so the program sees no other change.
    fn disarm_eof_on_close(&self) {
        use rustix::fs::{Mode, OFlags};
        use rustix::termios::{OptionalActions, SpecialCodeIndex, tcgetattr, tcsetattr};
        let path = self
            .master
            .as_ref()
            .and_then(|m| m.tty_name())
            .expect("the terminal's name");
        let slave = rustix::fs::open(&path, OFlags::RDWR | OFlags::NOCTTY, Mode::empty())
            .expect("open the terminal");
        let mut termios = tcgetattr(&slave).expect("read the terminal's settings");
        termios.special_codes[SpecialCodeIndex::VEOF] = 0;
        tcsetattr(&slave, OptionalActions::Now, &termios).expect("turn EOF off");
    }

    /// Whether the program left a mode on: `set` was written after the last `reset`.
    pub fn left_on(&self, set: &str, reset: &str) -> bool {
        let log = self.transcript.lock().unwrap();
        let last = |needle: &[u8]| log.windows(needle.len()).rposition(|w| w == needle);
        match (last(set.as_bytes()), last(reset.as_bytes())) {
            (Some(set), Some(reset)) => set > reset,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    /// One row of the screen as text.
    pub fn row(&self, row: u16) -> String {
        let parser = self.parser.lock().unwrap();
        let (_, cols) = parser.screen().size();
        parser
            .screen()
            .rows(0, cols)
            .nth(usize::from(row))
            .unwrap_or_default()
    }

    /// The terminal's input modes as the vt100 parser sees them: all normal after a reset.
    pub fn input_modes_normal(&self) -> bool {
        let parser = self.parser.lock().unwrap();
        let screen = parser.screen();
        !screen.application_keypad() && !screen.application_cursor() && !screen.bracketed_paste()
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.process_id()
    }

    pub fn bytes_received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Waits until `pred` holds for the screen text; panics with the screen when it never does.
    pub fn wait_for(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.screen();
            if pred(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("timed out after {timeout:?} waiting for {what}; screen:\n{screen}");
            }
            // Short: benchmarks time how long the screen takes to get there.
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Like `wait_for`, polling every 50 µs: for benchmarks timing sub-millisecond echoes.
    pub fn wait_for_fast(&self, timeout: Duration, pred: impl Fn(&str) -> bool) -> Duration {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if pred(&self.screen()) {
                return start.elapsed();
            }
            std::thread::sleep(Duration::from_micros(50));
        }
        panic!("timed out after {timeout:?}; screen:\n{}", self.screen());
    }

    /// Narrows the sessions pane to rows matching `filter` (a test's own ids) and selects
    /// the first: other runs' sessions on a shared engine never move it off screen.
    pub fn select_session(&mut self, filter: &str, timeout: Duration) {
        self.send("1/");
        self.send(filter);
        // "(1 of N)" beside other tests' sessions, "(1)" when this is the only one.
        self.wait_for("the filter applied", timeout, |s| {
            s.contains("(1 of") || s.contains(&format!("(1) /{filter}"))
        });
        self.send("\rg");
    }

    pub fn wait_for_text(&self, text: &str, timeout: Duration) -> String {
        self.wait_for(&format!("{text:?}"), timeout, |s| s.contains(text))
    }

    pub fn send(&mut self, keys: &str) {
        let writer = self.writer.as_mut().expect("the terminal is open");
        writer.write_all(keys.as_bytes()).expect("write keys");
        writer.flush().expect("flush keys");
    }

    pub fn resize(&self, cols: u16, rows: u16) {
        self.master
            .as_ref()
            .expect("the terminal is open")
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize pty");
        self.parser.lock().unwrap().set_size(rows, cols);
    }

    /// Waits for the process to exit and returns whether it succeeded.
    pub fn wait_exit(&mut self, timeout: Duration) -> bool {
        let status = self.wait_exit_code(timeout);
        if status != 0 {
            eprintln!("the program ended with exit code {status}");
        }
        status == 0
    }

    /// Waits for the process to exit and returns its exit code.
    pub fn wait_exit_code(&mut self, timeout: Duration) -> u32 {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.exit_code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "the TUI did not exit within {timeout:?}; screen:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What the terminal looks like to the shell after exit: main screen, cursor shown,
    /// mouse reporting off.
    pub fn terminal_restored(&self) -> bool {
        let parser = self.parser.lock().unwrap();
        let screen = parser.screen();
        !screen.alternate_screen()
            && !screen.hide_cursor()
            && screen.mouse_protocol_mode() == vt100::MouseProtocolMode::None
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}
