//! Runs the real binary in a pseudo-terminal: a reader thread feeds a vt100 parser (what a
//! user would see) and a raw byte log (escape sequences the parser swallows), while the
//! child's stdout goes to a file of its own so the summary can be asserted apart from the UI.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

use super::bin;

/// How long a `wait_*` waits: generous by default (CI machines are slow and shared),
/// tunable with `E2E_TIMEOUT_SECS`.
pub fn timeout() -> Duration {
    let secs = std::env::var("E2E_TIMEOUT_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    Duration::from_secs(secs)
}

/// Variables that would change what the wizard does (a real profile, SSH detection, a
/// proxy for loopback traffic): removed, with [`bin::HOST_AWS`], so the host's environment
/// cannot leak into a test.
const SCRUBBED: &[&str] = &[
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_SESSION_TOKEN",
    "SSH_CONNECTION",
    "SSH_CLIENT",
    "SSH_TTY",
    "NO_COLOR",
];

pub struct Spawn {
    pub args: Vec<String>,
    pub cols: u16,
    pub rows: u16,
    /// `(name, Some(value))` sets, `(name, None)` removes; applied after the defaults.
    pub env: Vec<(String, Option<String>)>,
    /// Shell commands run before the binary is exec'd (limits, signal dispositions).
    pub prelude: String,
}

impl Spawn {
    pub fn new<S: AsRef<str>>(args: &[S]) -> Self {
        Self {
            args: args.iter().map(|a| a.as_ref().to_owned()).collect(),
            cols: 80,
            rows: 24,
            env: Vec::new(),
            prelude: String::new(),
        }
    }

    /// Runs `sh` (e.g. `ulimit -f 16`) in the shell that then execs the binary.
    pub fn prelude(mut self, sh: &str) -> Self {
        self.prelude = format!("{sh}\n");
        self
    }

    pub fn size(mut self, cols: u16, rows: u16) -> Self {
        self.cols = cols;
        self.rows = rows;
        self
    }

    pub fn env(mut self, name: &str, value: Option<&str>) -> Self {
        self.env.push((name.to_owned(), value.map(str::to_owned)));
        self
    }
}

pub struct Tui {
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    /// Disconnected when the reader has seen the end of the terminal's output.
    drained: std::sync::mpsc::Receiver<()>,
    stdout_path: PathBuf,
    /// Files (e.g. the fake browser's log) shown alongside the screen when a wait fails.
    logs: Vec<PathBuf>,
    exit: Option<u32>,
}

impl Tui {
    /// Starts `iotmi-onboard ARGS` in a fresh pty; its stdout goes to `dir/stdout`.
    pub fn spawn(dir: &Path, spawn: Spawn) -> Self {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: spawn.rows,
                cols: spawn.cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let stdout_path = dir.join("stdout");
        // The pty is the child's stdin/stdout/stderr; the shell moves stdout to a file and
        // then execs, so the exit status is the binary's own.
        let mut cmd = CommandBuilder::new("sh");
        cmd.arg("-c");
        cmd.arg(format!(
            r#"{}out="$1"; shift; exec "$@" > "$out""#,
            spawn.prelude
        ));
        cmd.arg("sh");
        cmd.arg(&stdout_path);
        cmd.arg(bin::BIN);
        for arg in &spawn.args {
            cmd.arg(arg);
        }
        cmd.cwd(dir);
        for name in bin::HOST_AWS.iter().chain(SCRUBBED) {
            cmd.env_remove(name);
        }
        for (name, value) in bin::FAKE_AWS.into_iter().chain([
            ("TERM", "xterm-256color"),
            ("NO_PROXY", "127.0.0.1,localhost"),
            ("no_proxy", "127.0.0.1,localhost"),
        ]) {
            cmd.env(name, value);
        }
        // Each run keeps its journal in its own tempdir, never in the user's state dir.
        cmd.env("XDG_STATE_HOME", dir.join("state"));
        for (name, value) in &spawn.env {
            match value {
                Some(value) => cmd.env(name, value),
                None => cmd.env_remove(name),
            }
        }
        let child = pty.slave.spawn_command(cmd).expect("spawn iotmi-onboard");
        // Only the child may hold the slave, or reads never see the end when it exits.
        drop(pty.slave);

        let parser = Arc::new(Mutex::new(vt100::Parser::new(spawn.rows, spawn.cols, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let mut reader = pty.master.try_clone_reader().expect("pty reader");
        let (parser2, raw2) = (parser.clone(), raw.clone());
        let (reading, drained) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            let _reading = reading;
            let mut buf = [0u8; 8192];
            // Ends with EOF or EIO once the child and its terminal are gone.
            while let Ok(n @ 1..) = reader.read(&mut buf) {
                raw2.lock().unwrap().extend_from_slice(&buf[..n]);
                parser2.lock().unwrap().process(&buf[..n]);
            }
        });
        let writer = pty.master.take_writer().expect("pty writer");
        Self {
            master: pty.master,
            writer,
            child,
            parser,
            raw,
            drained,
            stdout_path,
            logs: Vec::new(),
            exit: None,
        }
    }

    pub fn attach_log(&mut self, path: &Path) {
        self.logs.push(path.to_owned());
    }

    /// One write, then a pause so the program reads it alone, as it reads what a person
    /// types: several printable characters in one read are a paste, and so would two writes
    /// be that the program reads together.
    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write to the pty");
        self.writer.flush().expect("flush the pty");
        std::thread::sleep(Duration::from_millis(50));
    }

    /// Keys as a person types them, one read each: several printable characters in one write
    /// are a paste.
    pub fn type_keys(&mut self, keys: &str) {
        for key in keys.chars() {
            self.send(key.to_string().as_bytes());
        }
    }

    /// The screen as text, one line per row.
    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// The terminal emulator's state, to read cells (e.g. a QR code) off the screen.
    pub fn parser(&self) -> &Mutex<vt100::Parser> {
        &self.parser
    }

    /// Everything the child wrote to the terminal so far.
    pub fn raw(&self) -> Vec<u8> {
        self.raw.lock().unwrap().clone()
    }

    /// Screen, logs and stdout so far: what a failing test shows.
    pub fn dump(&self) -> String {
        let mut out = format!(
            "--- screen ---\n{}\n--- stdout ---\n{}",
            self.screen(),
            std::fs::read_to_string(&self.stdout_path).unwrap_or_default()
        );
        for log in &self.logs {
            let text = std::fs::read_to_string(log).unwrap_or_else(|e| format!("({e})"));
            out.push_str(&format!("\n--- {} ---\n{text}", log.display()));
        }
        out
    }

    /// From a chosen destination (step 1 shown) to Authorize with Enter on every step: the
    /// defaults and prefills as they are.
    #[track_caller]
    pub fn enter_to_authorize(&mut self) {
        for step in [
            "Step 2 of 6",
            "Step 3 of 6",
            "Step 4 of 6",
            "Authorize in a browser",
        ] {
            self.send(b"\r");
            self.wait_for(step);
        }
    }

    /// Polls the screen until it contains `text`; panics with the dump at the deadline.
    #[track_caller]
    pub fn wait_for(&self, text: &str) {
        self.wait_until(&format!("{text:?} on screen"), |tui| {
            tui.screen().contains(text)
        });
    }

    /// Polls until the raw output contains `needle`.
    #[track_caller]
    pub fn wait_for_raw(&self, needle: &[u8]) {
        self.wait_until(&format!("{needle:?} in the raw output"), |tui| {
            tui.raw().windows(needle.len()).any(|w| w == needle)
        });
    }

    #[track_caller]
    pub fn wait_until(&self, what: &str, mut ok: impl FnMut(&Self) -> bool) {
        let deadline = Instant::now() + timeout();
        while !ok(self) {
            if Instant::now() >= deadline {
                panic!("timed out waiting for {what}\n{}", self.dump());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Resizes the terminal (the kernel sends the child SIGWINCH) and the parser with it.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize the pty");
        self.parser
            .lock()
            .unwrap()
            .screen_mut()
            .set_size(rows, cols);
    }

    /// Sends a signal (`KILL`, `HUP`, `TERM`…) to the program (the shell exec'd into it).
    pub fn signal(&self, name: &str) {
        bin::signal(self.child.process_id().expect("child pid"), name);
    }

    /// The terminal is in cooked mode: line editing and echo on, as a shell expects it.
    pub fn cooked(&self) -> bool {
        use nix::sys::termios::LocalFlags;
        let termios = self.master.get_termios().expect("read the pty's termios");
        termios
            .local_flags
            .contains(LocalFlags::ICANON | LocalFlags::ECHO)
    }

    /// Waits for the child to exit and returns its status.
    #[track_caller]
    pub fn wait_exit(&mut self) -> u32 {
        if let Some(code) = self.exit {
            return code;
        }
        let deadline = Instant::now() + timeout();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                self.exit = Some(status.exit_code());
                // What it wrote last (restoring the terminal) may still be in the pty: read to
                // the end before anyone looks. Bounded, since a process it started (a browser)
                // may still hold the terminal open.
                let _ = self.drained.recv_timeout(Duration::from_secs(5));
                return status.exit_code();
            }
            if Instant::now() >= deadline {
                panic!("timed out waiting for the exit\n{}", self.dump());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What the child printed on stdout; call after `wait_exit`.
    pub fn stdout(&self) -> String {
        std::fs::read_to_string(&self.stdout_path).unwrap_or_default()
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        // A failed test must not leave the child behind.
        if self.exit.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
