//! The real binary as every test runs it: its path, the environment that keeps the host's AWS
//! setup out of a test (shared by piped runs and pty runs), the simulator's address as flags,
//! and signals sent to it.

use std::process::Command;

/// The `iotmi-onboard` binary Cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_iotmi-onboard");

/// Set on every run: static credentials the simulator accepts (it checks the SigV4 shape, not
/// the key), no config or credentials file, no instance metadata lookups.
pub const FAKE_AWS: [(&str, &str); 5] = [
    ("AWS_ACCESS_KEY_ID", "AKIDTEST"),
    ("AWS_SECRET_ACCESS_KEY", "secret"),
    ("AWS_CONFIG_FILE", "/dev/null"),
    ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
    ("AWS_EC2_METADATA_DISABLED", "true"),
];

/// Removed on every run: a profile or endpoint of the host's would point the binary elsewhere.
pub const HOST_AWS: [&str; 2] = ["AWS_PROFILE", "AWS_ENDPOINT_URL"];

/// `iotmi-onboard` with [`FAKE_AWS`] set and [`HOST_AWS`] removed; callers add their args,
/// stdio and the rest of the environment. Everything is set on the child, never on this
/// process, so tests running side by side in threads cannot see each other's settings.
pub fn command() -> Command {
    let mut command = Command::new(BIN);
    command.envs(FAKE_AWS);
    for name in HOST_AWS {
        command.env_remove(name);
    }
    command
}

/// The flags that point the binary at a simulator: `--endpoint-url ENDPOINT --region us-east-1`.
pub fn endpoint_args(endpoint: &str) -> Vec<String> {
    ["--endpoint-url", endpoint, "--region", "us-east-1"]
        .map(str::to_owned)
        .to_vec()
}

/// Sends a signal (`INT`, `TERM`, `HUP`, `KILL`…) to `pid` with kill(1); panics if it fails.
pub fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{name} {pid}");
}

/// The resident size at which [`run_bounded`] kills a child: 1 GiB, far above any real run.
const RUNAWAY_KIB: u64 = 1024 * 1024;

/// A `VmRSS:`/`VmHWM:` line of a running process's status, KiB; `None` once it has exited.
fn vm_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// How a run of [`run_bounded`] went.
#[derive(Debug)]
pub struct Bounded {
    /// The exit status; `None` when it was killed (or died of a signal).
    pub code: Option<i32>,
    /// Killed: still running at the deadline, or past 1 GiB resident.
    pub timed_out: bool,
    pub elapsed: std::time::Duration,
    /// Peak resident set size (VmHWM) of the process, KiB, as last sampled while it ran. Not
    /// wait4's ru_maxrss: the child is vforked from this test process, whose own peak
    /// that figure would include.
    pub max_rss_kib: u64,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `command` with `stdin` written to it and stdout/stderr collected. Input ends once
/// stderr shows `started` (at once without it), after a last sample of the peak RSS: what
/// start-up took is measured whole. The child is killed at `deadline`, or as soon as it holds
/// 1 GiB: a hang or a runaway allocation fails the test instead of stalling it (or the
/// machine).
pub fn run_bounded(
    command: &mut Command,
    stdin: &str,
    started: Option<&str>,
    deadline: std::time::Duration,
) -> Bounded {
    use std::io::{Read, Write};
    use std::process::Stdio;
    use std::sync::{Arc, Mutex};
    use std::time::Instant;

    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the binary");
    let begun = Instant::now();
    let mut input = child.stdin.take();
    if let Some(input) = &mut input {
        let _ = input.write_all(stdin.as_bytes());
    }
    let collect = |mut pipe: Box<dyn Read + Send>| {
        let text = Arc::new(Mutex::new(Vec::new()));
        let sink = text.clone();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut buf) {
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        (text, reader)
    };
    let (stdout, stdout_reader) = collect(Box::new(child.stdout.take().unwrap()));
    let (stderr, stderr_reader) = collect(Box::new(child.stderr.take().unwrap()));
    let pid = child.id();
    let (mut peak, mut timed_out) = (0, false);
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        peak = peak.max(vm_kib(pid, "VmHWM:").unwrap_or(0));
        let shown = |text: &str| String::from_utf8_lossy(&stderr.lock().unwrap()).contains(text);
        if input.is_some() && started.is_none_or(shown) {
            drop(input.take());
        }
        let runaway = vm_kib(pid, "VmRSS:").is_some_and(|kib| kib > RUNAWAY_KIB);
        if runaway || begun.elapsed() >= deadline {
            timed_out = true;
            peak = peak.max(vm_kib(pid, "VmHWM:").unwrap_or(0));
            let _ = child.kill();
        } else {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    };
    let elapsed = begun.elapsed();
    stdout_reader.join().unwrap();
    stderr_reader.join().unwrap();
    let text = |buf: &Mutex<Vec<u8>>| String::from_utf8_lossy(&buf.lock().unwrap()).into_owned();
    Bounded {
        code: status.code(),
        timed_out,
        elapsed,
        max_rss_kib: peak,
        stdout: text(&stdout),
        stderr: text(&stderr),
    }
}

/// The wizard (plain mode when `args` say `--plain` or there is no terminal) with its state
/// in `state_home`, pipes for stdio, and nothing of the host's display, SSH or accessibility
/// settings.
pub fn wizard_command(state_home: &std::path::Path, args: &[&str]) -> Command {
    use std::process::Stdio;
    let mut command = command();
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("NO_PROXY", "127.0.0.1")
        .env("XDG_STATE_HOME", state_home)
        .env("TERM", "xterm-256color")
        .env_remove("ACCESSIBLE")
        .env_remove("SSH_CONNECTION")
        .env_remove("SSH_CLIENT")
        .env_remove("SSH_TTY")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
    command
}
