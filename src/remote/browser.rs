//! Whether to open a browser, and opening the URLs the URL policy accepted without a shell.

use std::io;
use std::process::{Command, Stdio};

use iotmi_core::url_policy::{LaunchDecision, Launcher, SkipReason};
use url::Url;

use super::env::Environment;

/// Decide whether to launch a browser. Precedence: `--no-browser` (an explicit "never")
/// beats everything; then an explicit `--browser-command` beats detection (the user
/// knows, e.g., that their command forwards the URL back over SSH); then SSH; then a
/// missing display; otherwise the system handler.
pub fn decide_launch(
    env: &Environment,
    no_browser: bool,
    browser_command: Option<&str>,
) -> LaunchDecision {
    if no_browser {
        return LaunchDecision::Skip(SkipReason::Disabled);
    }
    if let Some(cmd) = browser_command {
        return LaunchDecision::Launch(Launcher::Command(cmd.to_string()));
    }
    if env.ssh {
        return LaunchDecision::Skip(SkipReason::OverSsh);
    }
    if env.linux_like && !env.graphical_display {
        return LaunchDecision::Skip(SkipReason::NoDisplay);
    }
    LaunchDecision::Launch(Launcher::System)
}

/// Open `url` (which must have passed [`iotmi_core::url_policy::check_url`]). Never goes through a shell:
/// `Command` is split into words and executed directly with the URL as the last argument.
/// The child's stdio is null so it cannot scribble over the TUI, and it is reaped on a
/// background thread so no zombie remains; we do not wait for it.
pub fn launch(url: &Url, launcher: &Launcher) -> io::Result<()> {
    match launcher {
        Launcher::System => open::that_detached(url.as_str()),
        Launcher::Command(cmd) => {
            let words = shell_words::split(cmd).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("--browser-command: {e}"),
                )
            })?;
            let Some((program, args)) = words.split_first() else {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "--browser-command is empty",
                ));
            };
            let mut child = Command::new(program)
                .args(args)
                .arg(url.as_str())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()?;
            std::thread::Builder::new()
                .name("browser-reaper".into())
                .spawn(move || {
                    let _ = child.wait();
                })?;
            Ok(())
        }
    }
}

/// Why the launcher failed, as a sentence for the operator: never the URL (the system
/// opener's error text carries it) and never Rust's debug output of an exit status.
pub fn launch_failure(error: &io::Error, launcher: &Launcher) -> String {
    let text = error.to_string();
    let what = match launcher {
        Launcher::System => match first_quoted(&text) {
            Some(program) => format!("the system's URL opener ({program})"),
            None => "the system's URL opener".to_string(),
        },
        Launcher::Command(command) => {
            let program = shell_words::split(command)
                .ok()
                .and_then(|words| words.into_iter().next())
                .unwrap_or_default();
            format!("the browser command {program:?}")
        }
    };
    match error.kind() {
        io::ErrorKind::NotFound if *launcher == Launcher::System => {
            "no URL opener (xdg-open, gio, …) is installed here".to_string()
        }
        io::ErrorKind::NotFound => format!("{what} was not found"),
        io::ErrorKind::PermissionDenied => format!("{what} may not be run (permission denied)"),
        // Our own words about --browser-command (it could not be split, or is empty).
        io::ErrorKind::InvalidInput => text,
        _ => match wait_status(&text) {
            Some(WaitStatus::Exited(code)) => {
                format!("{what} exited with status {code}: it found no browser to open")
            }
            Some(WaitStatus::Signalled(signal)) => format!("{what} was killed by signal {signal}"),
            None => format!("{what} failed"),
        },
    }
}

/// The first `"…"` of the `open` crate's message (`Launcher "xdg-open" "URL" failed with …`):
/// the program, never the URL after it.
fn first_quoted(text: &str) -> Option<&str> {
    let rest = text.split_once('"')?.1;
    let program = rest.split_once('"')?.0;
    (!program.contains("://")).then_some(program)
}

enum WaitStatus {
    Exited(i32),
    Signalled(i32),
}

/// `ExitStatus(unix_wait_status(512))` (Debug) or `exit status: 2` (Display).
fn wait_status(text: &str) -> Option<WaitStatus> {
    let number_after = |marker: &str| -> Option<i32> {
        let rest = &text[text.find(marker)? + marker.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    if let Some(raw) = number_after("unix_wait_status(") {
        return Some(if raw & 0x7f == 0 {
            WaitStatus::Exited(raw >> 8)
        } else {
            WaitStatus::Signalled(raw & 0x7f)
        });
    }
    number_after("exit status: ").map(WaitStatus::Exited)
}

#[cfg(test)]
mod tests {
    use super::*;
    use iotmi_core::text::shell_quote;
    use iotmi_core::url_policy::check_url;

    #[test]
    fn a_launch_failure_reads_as_a_sentence_without_the_url() {
        let url = "https://auth.example/authorize?client_id=secret-ish";
        let open_error = io::Error::other(format!(
            "Launcher \"xdg-open\" \"{url}\" failed with ExitStatus(unix_wait_status(512))"
        ));
        let said = launch_failure(&open_error, &Launcher::System);
        assert_eq!(
            said,
            "the system's URL opener (xdg-open) exited with status 2: it found no browser to open"
        );
        let missing = io::Error::new(io::ErrorKind::NotFound, "No such file or directory");
        assert_eq!(
            launch_failure(&missing, &Launcher::Command("firefox --new-tab".into())),
            "the browser command \"firefox\" was not found"
        );
        let killed = io::Error::other(format!(
            "Launcher \"gio\" \"{url}\" failed with ExitStatus(unix_wait_status(9))"
        ));
        assert_eq!(
            launch_failure(&killed, &Launcher::System),
            "the system's URL opener (gio) was killed by signal 9"
        );
        for error in [&open_error, &killed] {
            let said = launch_failure(error, &Launcher::System);
            assert!(
                !said.contains("auth.example") && !said.contains("ExitStatus"),
                "{said}"
            );
        }
    }

    fn env(ssh: bool, display: bool, linux_like: bool) -> Environment {
        Environment {
            ssh,
            graphical_display: display,
            linux_like,
        }
    }

    #[test]
    fn plain_desktop_launches_system() {
        assert_eq!(
            decide_launch(&env(false, true, true), false, None),
            LaunchDecision::Launch(Launcher::System)
        );
        assert_eq!(
            decide_launch(&env(false, true, false), false, None),
            LaunchDecision::Launch(Launcher::System)
        );
    }

    #[test]
    fn ssh_beats_display() {
        assert_eq!(
            decide_launch(&env(true, true, true), false, None),
            LaunchDecision::Skip(SkipReason::OverSsh)
        );
        assert_eq!(
            decide_launch(&env(true, true, false), false, None),
            LaunchDecision::Skip(SkipReason::OverSsh)
        );
    }

    #[test]
    fn no_display_on_linux_skips() {
        assert_eq!(
            decide_launch(&env(false, false, true), false, None),
            LaunchDecision::Skip(SkipReason::NoDisplay)
        );
    }

    #[test]
    fn browser_command_beats_ssh_and_missing_display() {
        let want = LaunchDecision::Launch(Launcher::Command("w3m".into()));
        assert_eq!(
            decide_launch(&env(true, false, true), false, Some("w3m")),
            want
        );
        assert_eq!(
            decide_launch(&env(false, false, true), false, Some("w3m")),
            want
        );
    }

    #[test]
    fn no_browser_beats_everything() {
        for e in [env(false, true, false), env(true, false, true)] {
            for cmd in [None, Some("firefox")] {
                assert_eq!(
                    decide_launch(&e, true, cmd),
                    LaunchDecision::Skip(SkipReason::Disabled)
                );
            }
        }
    }

    #[test]
    fn explanations_are_short_single_lines() {
        for r in [
            SkipReason::Disabled,
            SkipReason::OverSsh,
            SkipReason::NoDisplay,
        ] {
            let s = r.explain();
            assert!(!s.is_empty() && s.len() < 100 && !s.contains('\n'), "{s}");
        }
        assert!(SkipReason::OverSsh.explain().contains("SSH"));
    }

    #[test]
    fn empty_or_broken_browser_command_is_invalid_input() {
        let url = Url::parse("https://example.com/").expect("static URL");
        for cmd in ["", "   ", "firefox 'unterminated"] {
            let err = launch(&url, &Launcher::Command(cmd.into())).expect_err(cmd);
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{cmd:?}");
        }
    }

    #[test]
    fn missing_program_is_an_error() {
        let url = Url::parse("https://example.com/").expect("static URL");
        let cmd = Launcher::Command("/nonexistent/iotmi-no-such-browser".into());
        assert!(launch(&url, &cmd).is_err());
    }

    /// The URL must reach the program as one final argv entry, byte for byte: the
    /// recorder writes its argv NUL-separated, so any shell word-splitting, `&`
    /// backgrounding or glob expansion would change what it records.
    #[test]
    fn command_launcher_passes_url_as_one_last_argument() {
        let dir = tempfile::tempdir().expect("tempdir");
        // A space and a quote in the directory name prove the command string is split
        // with shell rules (and `shell_quote` output survives that split).
        let sub = dir.path().join("it's a dir");
        std::fs::create_dir(&sub).expect("mkdir");
        let script = sub.join("record.sh");
        let out = sub.join("argv");
        // Run via `sh script` rather than exec'ing the script: exec'ing a file this
        // process just wrote can hit ETXTBSY when another test thread forks meanwhile.
        std::fs::write(
            &script,
            "out=$1; shift; printf '%s\\0' \"$@\" > \"$out.tmp\" && mv \"$out.tmp\" \"$out\"\n",
        )
        .expect("write script");
        let (script_s, out_s) = (
            script.to_str().expect("utf-8 temp path"),
            out.to_str().expect("utf-8 temp path"),
        );
        let cmd = format!(
            "sh {} {} --new-window",
            shell_quote(script_s),
            shell_quote(out_s)
        );

        let raw =
            "https://a.example/o/authorize?client_id=a&state=b%20c&x=*&y=~root&z=(1)!#frag&+=";
        let url = check_url(raw, false).expect("allowed URL");
        launch(&url, &Launcher::Command(cmd)).expect("spawn");

        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let recorded = loop {
            if let Ok(bytes) = std::fs::read(&out) {
                break bytes;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "browser command never ran"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let args: Vec<&[u8]> = recorded
            .strip_suffix(b"\0")
            .expect("NUL-terminated")
            .split(|b| *b == 0)
            .collect();
        assert_eq!(args, vec![&b"--new-window"[..], url.as_str().as_bytes()]);
        assert_eq!(url.as_str(), raw, "the parser should not have rewritten it");
    }
}
