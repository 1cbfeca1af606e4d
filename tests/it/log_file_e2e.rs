//! `--log-file` as an attacker would aim it, through the real binary: links, FIFOs, devices,
//! directories, files others can read or another user owns are refused before anything runs;
//! a log that cannot be written is reported once and never drawn over the UI; and no
//! credential reaches the log, even at trace.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::common::bin::{self, Bounded, run_bounded, wizard_command};
use crate::common::e2e::{Sim, wizard_args};
use crate::common::pty::{Spawn, Tui};

const DEADLINE: Duration = Duration::from_secs(20);

/// Writes past this many bytes fail with EFBIG instead of killing the process: the shell
/// ignores SIGXFSZ (kept across exec) and caps the file size (`ulimit -f` counts 512-byte
/// blocks in dash, KiB in bash: 8 or 16 KiB).
const FULL_DISK: &str = "trap '' XFSZ; ulimit -f 16";

/// A log already past the size limit of [`FULL_DISK`]: its next append fails.
fn full_log(dir: &Path) -> std::path::PathBuf {
    let log = dir.join("full.log");
    std::fs::write(&log, vec![b'.'; 64 * 1024]).unwrap();
    std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o600)).unwrap();
    log
}

fn list_with_log(sim: &Sim, log: &Path) -> Bounded {
    let mut command = bin::command();
    command
        .args(["list", "destinations", "--log-file"])
        .arg(log)
        .args(bin::endpoint_args(&sim.endpoint()))
        .env("NO_PROXY", "127.0.0.1");
    run_bounded(&mut command, "", None, DEADLINE)
}

#[track_caller]
fn assert_refused(run: &Bounded, log: &Path, why: &str) {
    assert!(!run.timed_out, "{run:?}");
    assert_eq!(run.code, Some(2), "{run:?}");
    let named = format!("--log-file {}: ", log.display());
    assert!(
        run.stderr.contains(&named) && run.stderr.contains(why),
        "{why:?} expected: {}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "nothing ran: {}", run.stdout);
}

#[test]
fn a_log_file_that_would_aim_our_writes_elsewhere_is_refused_before_anything_runs() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);

    let victim = path("victim");
    std::fs::write(&victim, "precious").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink(&victim, path("link.log")).unwrap();
    assert_refused(
        &list_with_log(&sim, &path("link.log")),
        &path("link.log"),
        "symbolic link",
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");

    std::os::unix::fs::symlink(path("created-through.log"), path("dangling.log")).unwrap();
    assert_refused(
        &list_with_log(&sim, &path("dangling.log")),
        &path("dangling.log"),
        "symbolic link",
    );
    assert!(!path("created-through.log").exists());

    std::fs::write(path("shared.log"), "old\n").unwrap();
    std::fs::set_permissions(path("shared.log"), std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_refused(
        &list_with_log(&sim, &path("shared.log")),
        &path("shared.log"),
        "mode 0644",
    );
    assert_eq!(
        std::fs::read_to_string(path("shared.log")).unwrap(),
        "old\n"
    );

    // A FIFO nobody reads would block the open for ever.
    crate::common::mkfifo(&path("fifo.log"));
    let fifo = list_with_log(&sim, &path("fifo.log"));
    assert_refused(&fifo, &path("fifo.log"), "not a regular file");
    assert!(fifo.elapsed < Duration::from_secs(10), "{fifo:?}");

    assert_refused(
        &list_with_log(&sim, Path::new("/dev/full")),
        Path::new("/dev/full"),
        "a device",
    );
    assert_refused(&list_with_log(&sim, dir.path()), dir.path(), "a directory");

    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        let theirs = path("theirs.log");
        std::fs::write(&theirs, "").unwrap();
        std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).unwrap();
        assert_refused(&list_with_log(&sim, &theirs), &theirs, "another user");
    } else {
        eprintln!("not root: a file of another user's cannot be made; that case is skipped");
    }

    // A new log is created private, and the command runs.
    let fresh = list_with_log(&sim, &path("new.log"));
    assert_eq!(fresh.code, Some(0), "{fresh:?}");
    let mode = std::fs::metadata(path("new.log"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn a_log_that_cannot_be_written_is_said_once_on_stderr() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let log = full_log(dir.path());
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!(r#"{FULL_DISK}; exec "$@""#))
        .arg("sh")
        .arg(bin::BIN)
        .args(["list", "destinations", "--log-level", "debug", "--log-file"])
        .arg(&log)
        .args(bin::endpoint_args(&sim.endpoint()))
        .envs(bin::FAKE_AWS)
        .env("NO_PROXY", "127.0.0.1");
    let run = run_bounded(&mut command, "", None, DEADLINE);
    assert_eq!(run.code, Some(0), "the command itself succeeds: {run:?}");
    assert!(run.stdout.contains("acme-home-us"), "{}", run.stdout);
    assert!(
        !run.stderr.contains("tracing-subscriber"),
        "the logging layer's own complaint: {}",
        run.stderr
    );
    assert_eq!(
        run.stderr.matches("log file cannot be written").count(),
        1,
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("File too large"), "{}", run.stderr);
}

#[test]
fn a_log_that_cannot_be_written_shows_in_the_message_line_not_over_the_ui() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let log = full_log(dir.path());
    let args = wizard_args(&sim, &["--no-browser", "--log-file", log.to_str().unwrap()]);
    let mut tui = Tui::spawn(dir.path(), Spawn::new(&args).prelude(FULL_DISK));
    // The first lines (the run's first calls) already failed.
    tui.wait_for("Create a new association");
    tui.wait_for("log file cannot be written");
    // A key clears the message line; the failures that follow are not reported again.
    tui.send(b"\r");
    tui.wait_for("Acme Home US");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        !tui.screen().contains("cannot be written"),
        "{}",
        tui.dump()
    );
    tui.send(b"\x03");
    assert_eq!(tui.wait_exit(), 130, "{}", tui.dump());
    let raw = String::from_utf8_lossy(&tui.raw()).into_owned();
    assert!(
        !raw.contains("tracing-subscriber"),
        "the logging layer wrote over the UI"
    );
    // Said once: in the UI, not again on the terminal after it closed.
    let after_ui = raw.rsplit("\x1b[?1049l").next().unwrap_or_default();
    assert!(!after_ui.contains("cannot be written"), "{after_ui}");
}

#[test]
fn a_trace_log_of_a_whole_flow_holds_no_credentials() {
    const KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const SESSION: &str = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENvalue0123456789";
    let sim = Sim::start(50);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("trace.log");
    let args = wizard_args(
        &sim,
        &[
            "--plain",
            "--no-browser",
            "--log-level",
            "trace",
            "--log-file",
            log.to_str().unwrap(),
        ],
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut command = wizard_command(dir.path(), &args);
    command
        .env("AWS_ACCESS_KEY_ID", KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_SESSION_TOKEN", SESSION);
    // Create, pick the General Authorization material, follow to success.
    let run = run_bounded(
        &mut command,
        "brightlight-api-key\nTrace flow\n\n\n\ny\n",
        None,
        DEADLINE,
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.contains("ASSOCIATION_SUCCEEDED"), "{run:?}");
    let text = std::fs::read_to_string(&log).unwrap();
    // The SDK's own debug output is there (and with it, before redaction, the identity).
    assert!(text.contains("aws_smithy_runtime"), "{text}");
    assert!(text.contains("CreateAccountAssociation"), "{text}");
    for (what, secret) in [
        ("access key id", KEY_ID),
        ("secret access key", SECRET),
        ("session token", SESSION),
    ] {
        assert_eq!(
            text.matches(secret).count(),
            0,
            "the {what} is in the trace log"
        );
    }
}
