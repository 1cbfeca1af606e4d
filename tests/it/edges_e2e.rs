//! The real binary at the edges of its environment: a stdout whose reader left, a file-size
//! limit, a hard-linked log file, Ctrl-C on the last screen.

use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::bin::{self, Bounded, run_bounded};
use crate::common::e2e::{Sim, wizard_args, write_browser};
use crate::common::pty::{Spawn, Tui};

const DEADLINE: Duration = Duration::from_secs(20);

/// The write end of a pipe whose read end is already closed: every write to it fails with
/// EPIPE, as `| head -1` does once head has its line (without the race of head's timing).
fn closed_pipe() -> OwnedFd {
    let mut fds = [0; 2];
    // SAFETY: pipe fills two fresh descriptors, which we own from here on.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0, "pipe");
    // SAFETY: both descriptors were just created and are owned by nobody else.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    write
}

/// Runs the binary with `args`, its stdout a pipe nobody reads any more.
fn into_closed_pipe(args: &[String]) -> std::process::Output {
    bin::command()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::from(closed_pipe()))
        .stderr(Stdio::piped())
        .env("NO_PROXY", "127.0.0.1")
        .output()
        .expect("run")
}

#[test]
fn a_closed_stdout_ends_quietly_with_success() {
    let man = into_closed_pipe(&["man".into()]);
    assert_eq!(
        (
            man.status.code(),
            String::from_utf8_lossy(&man.stderr).as_ref()
        ),
        (Some(0), ""),
        "man | head -1"
    );
    let sim = Sim::start(100);
    let mut list = vec!["list".to_owned(), "destinations".to_owned()];
    list.extend(bin::endpoint_args(&sim.endpoint()));
    let list = into_closed_pipe(&list);
    assert_eq!(
        (
            list.status.code(),
            String::from_utf8_lossy(&list.stderr).as_ref()
        ),
        (Some(0), ""),
        "list destinations | head -1"
    );
}

fn list_with_log(sim: &Sim, log: &Path, prelude: Option<&str>) -> Bounded {
    let mut command = match prelude {
        Some(prelude) => {
            let mut shell = Command::new("sh");
            shell
                .arg("-c")
                .arg(format!(r#"{prelude}; exec "$@""#))
                .arg("sh")
                .arg(bin::BIN)
                .envs(bin::FAKE_AWS);
            for name in bin::HOST_AWS {
                shell.env_remove(name);
            }
            shell
        }
        None => bin::command(),
    };
    command
        .args(["list", "destinations", "--log-level", "trace", "--log-file"])
        .arg(log)
        .args(bin::endpoint_args(&sim.endpoint()))
        .env("NO_PROXY", "127.0.0.1");
    run_bounded(&mut command, "", None, DEADLINE)
}

#[test]
fn a_hard_linked_log_file_is_refused_before_anything_runs() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("run.log");
    std::fs::write(&log, "theirs\n").unwrap();
    std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::hard_link(&log, dir.path().join("other-name")).unwrap();
    let run = list_with_log(&sim, &log, None);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(
        run.stderr
            .contains(&format!("--log-file {}: ", log.display()))
            && run.stderr.contains("2 hard links"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "nothing ran: {}", run.stdout);
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "theirs\n");
}

#[test]
fn a_file_size_limit_stops_logging_and_never_kills_the_run() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("run.log");
    // One 512-byte block (dash) or 1 KiB (bash): a trace log of a listing is far longer. No
    // `trap '' XFSZ` here: the binary itself must not die of the signal.
    let run = list_with_log(&sim, &log, Some("ulimit -f 1"));
    assert_eq!(run.code, Some(0), "not killed by SIGXFSZ (153): {run:?}");
    assert!(run.stdout.contains("acme-home-us"), "{}", run.stdout);
    assert_eq!(
        run.stderr
            .matches("log file cannot be written (File too large")
            .count(),
        1,
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("logging stopped"), "{}", run.stderr);
    assert!(std::fs::metadata(&log).unwrap().len() <= 1024);
}

#[test]
fn ctrl_c_on_the_done_screen_exits_130_as_the_readme_says() {
    let sim = Sim::start(200);
    let dir = tempfile::tempdir().unwrap();
    let (browser, log) = write_browser(dir.path(), "approve");
    let args = wizard_args(
        &sim,
        &[
            "--destination",
            "acme-home-us",
            "--name",
            "Done then Ctrl-C",
            "--browser-command",
            &browser,
        ],
    );
    let mut tui = Tui::spawn(dir.path(), Spawn::new(&args));
    tui.attach_log(&log);
    tui.wait_for("Acme Home US");
    tui.send(b"\r");
    tui.wait_for("Step 2 of 6");
    tui.send(b"\r");
    tui.wait_for("Step 3 of 6");
    tui.send(b"\r");
    tui.wait_for("Step 4 of 6 · Review");
    tui.send(b"\r");
    tui.wait_for("ASSOCIATION_SUCCEEDED");
    tui.send(b"\x03");
    assert_eq!(tui.wait_exit(), 130, "{}", tui.dump());
    // The summary still says what became of the association.
    assert!(
        tui.stdout().contains("ASSOCIATION_SUCCEEDED"),
        "{}",
        tui.stdout()
    );
}

/// A stand-in service answering every request with one JSON body that fits both
/// GetConnectorDestination and CreateAccountAssociation, whose consent URL is `url`: the
/// simulator keeps to the model's 1,024 characters, so it cannot play a service that does not.
fn one_answer_service(url: &str) -> String {
    use std::io::{BufRead, BufReader, Read, Write};
    let body = serde_json::json!({
        "AccountAssociationId": "0123456789abcdef0123456789abcdef",
        "Arn": "arn:aws:iotmanagedintegrations:us-east-1:123456789012:account-association/0123456789abcdef0123456789abcdef",
        "AssociationState": "ASSOCIATION_IN_PROGRESS",
        "OAuthAuthorizationUrl": url,
        "Id": "acme-home-us",
        "Name": "Acme Home US",
        "CloudConnectorId": "acme-home-cloud",
        "AuthType": "OAUTH",
        "AuthConfig": {"oAuth": {
            "authUrl": "https://auth.example.com/authorize",
            "tokenUrl": "https://auth.example.com/token",
            "tokenEndpointAuthenticationScheme": "HTTP_BASIC"
        }}
    })
    .to_string();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let body = body.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut stream = stream;
                // Keep-alive: one connection may carry several requests.
                loop {
                    let mut length = 0;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        if let Some((name, value)) = line.split_once(':')
                            && name.eq_ignore_ascii_case("content-length")
                        {
                            length = value.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut request = vec![0; length];
                    if reader.read_exact(&mut request).is_err() {
                        return;
                    }
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if stream.write_all(answer.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    endpoint
}

#[test]
fn a_consent_url_over_the_models_1024_characters_is_refused_with_the_reason() {
    let base = "https://auth.example.com/authorize?state=";
    let url = format!("{base}{}", "a".repeat(1025 - base.len()));
    assert_eq!(url.len(), 1025);
    let endpoint = one_answer_service(&url);
    let dir = tempfile::tempdir().unwrap();
    let (browser, log) = write_browser(dir.path(), "approve");
    let mut command = bin::command();
    command
        .args([
            "create",
            "--destination",
            "acme-home-us",
            "--name",
            "Long URL",
        ])
        .args(["--browser-command", &browser])
        .args(bin::endpoint_args(&endpoint))
        .env("NO_PROXY", "127.0.0.1")
        .env("XDG_STATE_HOME", dir.path());
    let run = run_bounded(&mut command, "", None, DEADLINE);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(
        run.stderr.contains(
            "refused to open: the URL is 1025 characters long; the service's consent URLs are at most 1024"
        ),
        "{}",
        run.stderr
    );
    // Never handed to the browser.
    assert!(!log.exists(), "{:?}", std::fs::read_to_string(&log));
}
