//! Whether to open a browser, which URLs we agree to open, and opening them without a shell.

use std::fmt;
use std::io;
use std::process::{Command, Stdio};

use url::{Host, Url};

use super::env::Environment;

/// How to open a URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Launcher {
    /// The platform's default handler (`xdg-open`, `open`, `start`) via the `open` crate.
    System,
    /// The user's `--browser-command`, split like a shell would but never run by one.
    Command(String),
}

/// Outcome of [`decide_launch`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LaunchDecision {
    Launch(Launcher),
    Skip(SkipReason),
}

/// Why no browser is launched; the wizard shows [`SkipReason::explain`] next to the URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// `--no-browser` was given.
    Disabled,
    /// The session is over SSH.
    OverSsh,
    /// A Linux-like system without `DISPLAY`/`WAYLAND_DISPLAY`.
    NoDisplay,
}

impl SkipReason {
    /// One short line for the operator.
    pub fn explain(&self) -> &'static str {
        match self {
            SkipReason::Disabled => "--no-browser given: open the URL yourself",
            SkipReason::OverSsh => {
                "over SSH a browser here cannot reach you: copy (c) or scan (v) the URL"
            }
            SkipReason::NoDisplay => {
                "no graphical display (DISPLAY/WAYLAND_DISPLAY unset): open the URL on a machine with a browser"
            }
        }
    }
}

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

/// Longest URL we accept; OAuth authorize URLs are far shorter, and a cap keeps a
/// hostile value from flooding the screen or argv.
pub const MAX_URL_LEN: usize = 2048;

/// Characters refused anywhere in a URL: shell and HTML metacharacters that a real OAuth
/// URL never contains unencoded. `& ? = % # ~ +` are deliberately allowed.
pub const REFUSED_METACHARS: &[char] =
    &['"', '\'', '<', '>', '`', '|', ';', '$', '\\', '{', '}', '^'];

/// Why [`check_url`] refused a URL. The `Display` text says why, for the operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UrlRefusal {
    Empty,
    TooLong {
        len: usize,
    },
    Whitespace,
    /// A control character, or an invisible bidi/format character that could disguise it.
    ControlChar,
    Metachar(char),
    Unparsable(url::ParseError),
    Scheme(String),
    NoHost,
    Userinfo,
    /// `http://` to a host that is not loopback, or outside simulator mode.
    PlainHttp {
        host: String,
    },
}

impl fmt::Display for UrlRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("refused to open: ")?;
        match self {
            UrlRefusal::Empty => f.write_str("the URL is empty"),
            UrlRefusal::TooLong { len } => {
                write!(f, "the URL is {len} bytes long (limit {MAX_URL_LEN})")
            }
            UrlRefusal::Whitespace => f.write_str("the URL contains whitespace"),
            UrlRefusal::ControlChar => {
                f.write_str("the URL contains a control or invisible formatting character")
            }
            // The refused set is printable ASCII, so echoing the char is safe.
            UrlRefusal::Metachar(c) => write!(f, "the URL contains the character '{c}'"),
            UrlRefusal::Unparsable(e) => write!(f, "not a valid URL ({e})"),
            // A parsed scheme is [a-z0-9+.-] only, so echoing it is safe.
            UrlRefusal::Scheme(s) => write!(f, "scheme '{s}' is not https"),
            UrlRefusal::NoHost => f.write_str("the URL has no host"),
            UrlRefusal::Userinfo => {
                f.write_str("the URL carries a user name or password before the host")
            }
            UrlRefusal::PlainHttp { host } => write!(
                f,
                "plain http to '{host}' (http is only allowed to a loopback simulator)"
            ),
        }
    }
}

impl std::error::Error for UrlRefusal {}

/// Invisible characters that can reorder or hide parts of the URL as displayed.
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}'
        | '\u{061C}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        // The parser lowercases domains; a trailing-dot or suffixed name is not accepted.
        Host::Domain(d) => *d == "localhost",
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// The part between `scheme://` and the path, query or fragment, as written.
fn raw_authority(raw: &str) -> &str {
    let after = raw.split_once("://").map_or("", |(_, rest)| rest);
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    &after[..end]
}

/// The policy for every URL we open or offer: `https://` with a host, or `http://` to a
/// loopback host only when the configured endpoint itself is loopback (the simulator).
/// The raw string is vetted before parsing because the parser silently repairs things
/// (percent-encodes spaces, drops tabs and newlines) that betray a tampered value.
pub fn check_url(raw: &str, endpoint_is_loopback: bool) -> Result<Url, UrlRefusal> {
    if raw.is_empty() {
        return Err(UrlRefusal::Empty);
    }
    if raw.len() > MAX_URL_LEN {
        return Err(UrlRefusal::TooLong { len: raw.len() });
    }
    for c in raw.chars() {
        if c.is_whitespace() {
            return Err(UrlRefusal::Whitespace);
        }
        if c.is_control() || is_invisible_format(c) {
            return Err(UrlRefusal::ControlChar);
        }
        if REFUSED_METACHARS.contains(&c) {
            return Err(UrlRefusal::Metachar(c));
        }
    }
    let url = Url::parse(raw).map_err(UrlRefusal::Unparsable)?;
    let https = match url.scheme() {
        "https" => true,
        "http" => false,
        other => return Err(UrlRefusal::Scheme(other.to_string())),
    };
    let Some(host) = url.host() else {
        return Err(UrlRefusal::NoHost);
    };
    if host == Host::Domain("") {
        return Err(UrlRefusal::NoHost);
    }
    // Also look at the raw authority: the parser normalises `https://@a.com/` to
    // `https://a.com/`, but such a value was crafted, not issued.
    if !url.username().is_empty() || url.password().is_some() || raw_authority(raw).contains('@') {
        return Err(UrlRefusal::Userinfo);
    }
    let loopback_http = endpoint_is_loopback && is_loopback(&host);
    if !https && !loopback_http {
        return Err(UrlRefusal::PlainHttp {
            host: host.to_string(),
        });
    }
    Ok(url)
}

/// Open `url` (which must have passed [`check_url`]). Never goes through a shell:
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
    use crate::text::shell_quote;

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
    fn accepts_real_oauth_urls() {
        let u = "https://example.com/oauth/authorize?client_id=a&state=b%20c#x";
        assert_eq!(
            check_url(u, false).map(|u| u.to_string()),
            Ok(u.to_string())
        );
        let sim = "http://127.0.0.1:4567/oauth/authorize?association=abc&state=x";
        assert!(check_url(sim, true).is_ok());
        assert!(check_url("http://localhost:8080/cb", true).is_ok());
        assert!(check_url("http://[::1]:8080/cb", true).is_ok());
        assert!(check_url("http://127.9.9.9/", true).is_ok());
        assert!(check_url("https://a.com/p~x?r=a+b&s=%2F", false).is_ok());
    }

    #[test]
    fn http_loopback_needs_loopback_endpoint() {
        let sim = "http://127.0.0.1:4567/oauth/authorize?association=abc&state=x";
        assert!(matches!(
            check_url(sim, false),
            Err(UrlRefusal::PlainHttp { .. })
        ));
    }

    #[test]
    fn refuses_dangerous_urls() {
        type Expect = fn(&UrlRefusal) -> bool;
        let cases: &[(&str, Expect)] = &[
            ("", |r| *r == UrlRefusal::Empty),
            ("http://example.com/", |r| {
                matches!(r, UrlRefusal::PlainHttp { .. })
            }),
            ("http://127.0.0.1.evil.com/", |r| {
                matches!(r, UrlRefusal::PlainHttp { .. })
            }),
            ("http://localhost.evil.com/", |r| {
                matches!(r, UrlRefusal::PlainHttp { .. })
            }),
            ("javascript:alert(1)", |r| {
                *r == UrlRefusal::Scheme("javascript".into())
            }),
            ("file:///etc/passwd", |r| {
                *r == UrlRefusal::Scheme("file".into())
            }),
            ("data:text/html,hi", |r| {
                *r == UrlRefusal::Scheme("data".into())
            }),
            ("ftp://a.com/", |r| *r == UrlRefusal::Scheme("ftp".into())),
            ("https://a.com/ x", |r| *r == UrlRefusal::Whitespace),
            ("https://a.com/$(reboot)", |r| {
                *r == UrlRefusal::Metachar('$')
            }),
            ("https://a.com/;ls", |r| *r == UrlRefusal::Metachar(';')),
            ("https://a.com/`id`", |r| *r == UrlRefusal::Metachar('`')),
            ("https://user@a.com/", |r| *r == UrlRefusal::Userinfo),
            ("https://u:p@a.com/", |r| *r == UrlRefusal::Userinfo),
            ("https://@a.com/", |r| *r == UrlRefusal::Userinfo),
            ("https://a.com/\x1b]52;c;x\x07", |r| {
                *r == UrlRefusal::ControlChar
            }),
            ("https://a.com/\u{202E}moc.evil", |r| {
                *r == UrlRefusal::ControlChar
            }),
            ("https://a.com/\tx", |r| *r == UrlRefusal::Whitespace),
            ("https://", |r| matches!(r, UrlRefusal::Unparsable(_))),
            ("not a url", |r| *r == UrlRefusal::Whitespace),
            ("nota-url", |r| matches!(r, UrlRefusal::Unparsable(_))),
        ];
        for (raw, ok) in cases {
            match check_url(raw, true) {
                Err(r) => assert!(ok(&r), "{raw:?} refused for the wrong reason: {r:?}"),
                Ok(u) => panic!("{raw:?} accepted as {u}"),
            }
        }
        let long = format!("https://a.com/{}", "a".repeat(MAX_URL_LEN));
        assert!(matches!(
            check_url(&long, false),
            Err(UrlRefusal::TooLong { .. })
        ));
    }

    #[test]
    fn refusal_messages_say_why() {
        let msg = |raw: &str| check_url(raw, false).err().map(|e| e.to_string());
        assert_eq!(
            msg("javascript:alert(1)").as_deref(),
            Some("refused to open: scheme 'javascript' is not https")
        );
        assert!(msg("https://a.com/;ls").is_some_and(|m| m.contains("';'")));
        assert!(msg("http://example.com/").is_some_and(|m| m.contains("example.com")));
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
