//! A pty harness for the benchmarks: the real binary, every chunk it writes timestamped,
//! and the screen after each chunk (cells that did not change are skipped with cursor moves,
//! so text can only be found on the parsed screen).
#![allow(dead_code)] // each bench uses part of it

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent};
use iotmi_onboard::ui::app::App;
use iotmi_onboard::ui::theme::Theme;
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The binary under test: this build's, or `BENCH_BIN` (e.g. `target/dist/iotmi-onboard`, so the
/// `dist` build is measured by the same harness without compiling the benches with LTO).
pub fn bin() -> String {
    match std::env::var("BENCH_BIN") {
        // Absolute: a pty's command with a relative path is looked up in PATH.
        Ok(path) => std::fs::canonicalize(&path)
            .unwrap_or_else(|e| panic!("BENCH_BIN={path}: {e}"))
            .display()
            .to_string(),
        Err(_) => env!("CARGO_BIN_EXE_iotmi-onboard").to_owned(),
    }
}
const TIMEOUT: Duration = Duration::from_secs(20);

/// (arrival time, bytes, screen contents after them)
pub type Chunk = (Instant, Vec<u8>, String);

pub struct Run {
    _master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    /// Every chunk read from the pty with the time it arrived and the screen after it
    /// (raw bytes alone do not show text: unchanged cells are skipped with cursor moves).
    pub chunks: Arc<Mutex<Vec<Chunk>>>,
    pub started: Instant,
    /// The run's own XDG_STATE_HOME: a journal left by the previous run would turn the next
    /// start into a resume offer (and the host's own state is no place for bench drafts).
    _state: tempfile::TempDir,
}

impl Run {
    pub fn spawn(args: &[&str]) -> Self {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("pty");
        let mut cmd = CommandBuilder::new(bin());
        cmd.args(args);
        for (name, value) in [
            ("TERM", "xterm-256color"),
            ("AWS_ACCESS_KEY_ID", "AKIDTEST"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_CONFIG_FILE", "/dev/null"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("NO_PROXY", "127.0.0.1"),
        ] {
            cmd.env(name, value);
        }
        let state = tempfile::tempdir().expect("state dir");
        cmd.env("XDG_STATE_HOME", state.path());
        for name in ["SSH_CONNECTION", "SSH_TTY", "AWS_PROFILE", "NO_COLOR"] {
            cmd.env_remove(name);
        }
        let chunks = Arc::new(Mutex::new(Vec::new()));
        let started = Instant::now();
        let child = pty.slave.spawn_command(cmd).expect("spawn");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let sink = chunks.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 16384];
            let mut parser = vt100::Parser::new(24, 80, 0);
            while let Ok(n @ 1..) = reader.read(&mut buf) {
                let at = Instant::now();
                parser.process(&buf[..n]);
                sink.lock()
                    .unwrap()
                    .push((at, buf[..n].to_vec(), parser.screen().contents()));
            }
        });
        let writer = pty.master.take_writer().expect("writer");
        Self {
            _master: pty.master,
            writer,
            child,
            chunks,
            started,
            _state: state,
        }
    }

    pub fn total_bytes(&self) -> usize {
        self.chunks
            .lock()
            .unwrap()
            .iter()
            .map(|(_, c, _)| c.len())
            .sum()
    }

    /// When the output so far first contained `needle` (checked as it arrives).
    pub fn wait_for(&self, needle: &str) -> Duration {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some((at, _, _)) = self
                .chunks
                .lock()
                .unwrap()
                .iter()
                .find(|(_, _, screen)| screen.contains(needle))
            {
                return *at - self.started;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {needle:?}"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Waits until nothing new arrived for `quiet`, counting from `since` at the earliest
    /// (so output still on its way after a keystroke is not missed).
    pub fn settle(&self, since: Instant, quiet: Duration) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let last = self
                .chunks
                .lock()
                .unwrap()
                .last()
                .map(|(at, _, _)| *at)
                .unwrap_or(self.started);
            if last.max(since).elapsed() >= quiet || Instant::now() > deadline {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }

    pub fn vm_hwm_kib(&self) -> u64 {
        let pid = self.child.process_id().expect("pid");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    pub fn finish(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

pub fn report(what: &str, unit: &str, mut samples: Vec<f64>) {
    samples.sort_by(f64::total_cmp);
    println!(
        "{what:<52} median {:>8.2} {unit}   p95 {:>8.2} {unit}   (n={})",
        percentile(&samples, 0.5),
        percentile(&samples, 0.95),
        samples.len()
    );
}

/// `BENCH_RUNS`, or this bench's default number of repeats.
pub fn runs(default: usize) -> usize {
    std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Per-keystroke cost in-process (no pty noise), in ms: `text` typed into the screen's filter
/// and erased again, ten rounds (the first warms up), each key through the keymap and the flow,
/// then the whole screen drawn at 120x40.
pub fn keystroke_samples(app: &mut App, text: &str) -> Vec<f64> {
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let theme = Theme { color: true };
    let mut samples = Vec::new();
    for round in 0..10 {
        let keys = text.chars().map(KeyCode::Char).chain(std::iter::repeat_n(
            KeyCode::Backspace,
            text.chars().count(),
        ));
        for code in keys {
            let started = Instant::now();
            app.key(KeyEvent::from(code), std::time::Instant::now());
            terminal
                .draw(|frame| iotmi_onboard::ui::view::view(app, frame, &theme))
                .unwrap();
            if round > 0 {
                samples.push(started.elapsed().as_secs_f64() * 1000.0);
            }
        }
    }
    samples
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

impl Run {
    /// CPU time used so far by all the program's threads (schedstat: nanoseconds).
    pub fn cpu_time(&self) -> Duration {
        let pid = self.child.process_id().expect("pid");
        let mut total = 0u64;
        if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
            for task in tasks.flatten() {
                let stat =
                    std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
                total += stat
                    .split_whitespace()
                    .next()
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0);
            }
        }
        Duration::from_nanos(total)
    }
}

impl Run {
    /// When the screen first showed `needle` in output that arrived after `after`.
    pub fn wait_for_after(&self, needle: &str, after: Instant) -> Instant {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some((at, _, _)) = self
                .chunks
                .lock()
                .unwrap()
                .iter()
                .find(|(at, _, screen)| *at >= after && screen.contains(needle))
            {
                return *at;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {needle:?}"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}
