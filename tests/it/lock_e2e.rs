//! The journal lock with real processes: a second run on the same profile/region/endpoint never
//! resumes, discards or overwrites a live session; `kill -9` releases the lock; and a create
//! that took effect while its reply was held (`--reply-delay-ms`) is followed to the end by the
//! rerun, with exactly one association on the service.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::common;
use crate::common::e2e::Sim;
use iotmi_simulator::SimConfig;

fn command(dir: &std::path::Path, sim: &Sim) -> Command {
    let mut command = common::bin::command();
    command
        .args(["--plain", "--no-browser"])
        .args(common::bin::endpoint_args(&sim.endpoint()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("NO_PROXY", "127.0.0.1")
        .env("XDG_STATE_HOME", dir)
        .env_remove("SSH_CONNECTION")
        .env_remove("SSH_TTY")
        .env_remove("DISPLAY");
    command
}

fn finish(mut command: Command, answers: &str) -> (i32, String, String) {
    let mut child = command.spawn().expect("spawn");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(answers.as_bytes())
        .expect("answers");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_second_run_leaves_a_live_session_alone_and_kill_9_hands_it_over() {
    // The first run's create reply is held far longer than the test takes (it is killed
    // first); reads are answered at once, so the test can watch the service meanwhile.
    let sim = Sim::with(SimConfig {
        approve_after_ms: 50,
        reply_delay_ms: 600_000,
        ..SimConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();

    // The first run submits; the service creates at once but holds the reply.
    let mut first = command(dir.path(), &sim).spawn().expect("spawn first");
    let mut first_in = first.stdin.take().unwrap();
    first_in
        .write_all(b"brightlight-api-key\nLocked GA\n\n\n\ny\n")
        .unwrap();
    let stderr = first.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the first run reaches the submit");
        if line.contains("Creating the association") {
            break;
        }
    }
    common::e2e::wait_until("the create took effect on the service", || {
        sim.associations()
            .iter()
            .any(|a| a.name() == Some("Locked GA"))
    });

    // A second run on the same key: no resume offered, nothing discarded or written.
    let journal_before = state_files(dir.path());
    assert!(
        journal_before
            .iter()
            .any(|(_, text)| text.contains("Locked GA")),
        "the first run journaled its request: {journal_before:?}"
    );
    let (code, _, stderr) = finish(command(dir.path(), &sim), "");
    assert!(
        stderr.contains(&format!("pid {}", first.id())),
        "names the process that holds the session: {stderr}"
    );
    assert!(!stderr.contains("An unfinished onboarding"), "{stderr}");
    assert_eq!(code, 130, "end of input: {stderr}");
    assert_eq!(journal_before, state_files(dir.path()));

    // kill -9 while the reply is still held: the lock goes with the process.
    first.kill().expect("SIGKILL");
    first.wait().unwrap();
    drop(first_in);

    // The rerun resumes, resends the same ClientToken and follows the same association; its
    // reply is no longer held.
    sim.handle.set_reply_delay(Duration::ZERO);
    let (code, stdout, stderr) = finish(command(dir.path(), &sim), "\n");
    assert!(
        stderr.contains("An unfinished onboarding was saved"),
        "{stderr}"
    );
    assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
    assert!(
        stdout.contains("state           ASSOCIATION_SUCCEEDED"),
        "{stdout}"
    );
    let made: Vec<_> = sim
        .associations()
        .into_iter()
        .filter(|a| a.name() == Some("Locked GA"))
        .collect();
    assert_eq!(made.len(), 1, "exactly one association for the request");
    assert_eq!(
        made[0].association_state().as_str(),
        "ASSOCIATION_SUCCEEDED"
    );
}

/// Every file of the state directory with its contents, sorted by name.
fn state_files(state_home: &std::path::Path) -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(state_home.join("iotmi-onboard"))
        .map(|dir| {
            dir.map_while(Result::ok)
                .map(|entry| {
                    (
                        entry.file_name().to_string_lossy().into_owned(),
                        std::fs::read_to_string(entry.path()).unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}
