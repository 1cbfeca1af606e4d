//! Start-up, terminal bytes, memory and size of the real binary, measured through a pty.
//!
//! `cargo bench --bench startup` (set `BENCH_RUNS`, default 20). Prints medians and p95:
//! - process start → first frame drawn, and → destination list shown, for `demo` and for
//!   `--endpoint-url <simulator>`;
//! - bytes written to the terminal per typed character and per arrow key;
//! - peak RSS (VmHWM) through a whole demo flow; the binary's size on disk.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

const BIN: &str = env!("CARGO_BIN_EXE_iotmi-onboard");
const TIMEOUT: Duration = Duration::from_secs(20);

/// (arrival time, bytes, screen contents after them)
type Chunk = (Instant, Vec<u8>, String);

struct Run {
    _master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    /// Every chunk read from the pty with the time it arrived and the screen after it
    /// (raw bytes alone do not show text: unchanged cells are skipped with cursor moves).
    chunks: Arc<Mutex<Vec<Chunk>>>,
    started: Instant,
}

impl Run {
    fn spawn(args: &[&str]) -> Self {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("pty");
        let mut cmd = CommandBuilder::new(BIN);
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
        }
    }

    fn total_bytes(&self) -> usize {
        self.chunks
            .lock()
            .unwrap()
            .iter()
            .map(|(_, c, _)| c.len())
            .sum()
    }

    /// When the output so far first contained `needle` (checked as it arrives).
    fn wait_for(&self, needle: &str) -> Duration {
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
    fn settle(&self, since: Instant, quiet: Duration) {
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

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }

    fn vm_hwm_kib(&self) -> u64 {
        let pid = self.child.process_id().expect("pid");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    fn finish(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn report(what: &str, unit: &str, mut samples: Vec<f64>) {
    samples.sort_by(f64::total_cmp);
    println!(
        "{what:<52} median {:>8.2} {unit}   p95 {:>8.2} {unit}   (n={})",
        percentile(&samples, 0.5),
        percentile(&samples, 0.95),
        samples.len()
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let simulator = runtime
        .block_on(iotmi_onboard::simulator::start(Default::default()))
        .unwrap();
    let endpoint = simulator.endpoint();

    // A prefilled destination opens on the list (no Start screen) and highlights it.
    for (label, args) in [
        (
            "demo",
            vec!["demo", "--no-browser", "--destination", "acme-home-us"],
        ),
        (
            "--endpoint-url <simulator>",
            vec![
                "--endpoint-url",
                endpoint.as_str(),
                "--region",
                "us-east-1",
                "--no-browser",
                "--destination",
                "acme-home-us",
            ],
        ),
    ] {
        let (mut first, mut listed) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let run = Run::spawn(&args);
            first.push(ms(run.wait_for("Step 1 of")));
            listed.push(ms(run.wait_for("Acme Home US")));
            run.finish();
        }
        report(&format!("start → first frame ({label})"), "ms", first);
        report(
            &format!("start → destination list shown ({label})"),
            "ms",
            listed,
        );
    }

    // Bytes per keystroke: type in the filter, then move in the list.
    let mut run = Run::spawn(&["demo", "--no-browser"]);
    run.wait_for("Create a new association");
    run.send(b"\r");
    run.wait_for("Acme Home US");
    run.settle(Instant::now(), Duration::from_millis(200));
    let mut typed = Vec::new();
    for c in "guardian cam".bytes().chain(std::iter::repeat_n(0x7f, 12)) {
        let before = run.total_bytes();
        run.send(&[c]);
        run.settle(Instant::now(), Duration::from_millis(100));
        typed.push((run.total_bytes() - before) as f64);
    }
    report("bytes to the terminal per typed character", "B", typed);
    let mut arrows = Vec::new();
    for i in 0..12 {
        let before = run.total_bytes();
        run.send(if i % 6 < 3 { b"\x1b[B" } else { b"\x1b[A" });
        run.settle(Instant::now(), Duration::from_millis(100));
        arrows.push((run.total_bytes() - before) as f64);
    }
    report(
        "bytes to the terminal per arrow key in the list",
        "B",
        arrows,
    );
    run.finish();

    // Peak memory through a whole flow: a General Authorization destination succeeds by itself.
    let mut peaks = Vec::new();
    for _ in 0..3 {
        let mut run = Run::spawn(&[
            "demo",
            "--no-browser",
            "--destination",
            "brightlight-api-key",
            "--name",
            "Bench run",
            "--tag",
            "env=bench",
        ]);
        run.wait_for("Acme Home US");
        for step in [
            "Step 2 of",
            "Step 3 of",
            "Step 4 of",
            "Step 5 of",
            "ASSOCIATION_IN_PROGRESS",
        ] {
            run.send(b"\r");
            run.wait_for(step);
        }
        run.wait_for("ASSOCIATION_SUCCEEDED");
        peaks.push(run.vm_hwm_kib() as f64 / 1024.0);
        run.finish();
    }
    report("peak RSS through a whole demo flow", "MB", peaks);
    let size = std::fs::metadata(BIN).map(|m| m.len()).unwrap_or(0);
    println!(
        "{:<52} {:.1} MB ({size} bytes)",
        "binary size (release profile, stripped)",
        size as f64 / 1e6
    );
    runtime.block_on(simulator.shutdown());
}
