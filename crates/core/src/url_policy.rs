//! The URL policy: which URLs the wizard agrees to open, copy, link or QR-encode, and how a
//! browser launch was decided. Pure: the launching itself is the application's.

use std::fmt;

use url::{Host, Url};

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
    /// One short line for the operator. It names no front end's key (the TUI shows its copy
    /// and QR keys beside it; plain mode and the commands have none), and it is for a URL any
    /// browser can reach: `flow::browser_skipped_line` words a loopback URL's case.
    pub fn explain(&self) -> &'static str {
        match self {
            SkipReason::Disabled => "--no-browser given: open the URL yourself",
            SkipReason::OverSsh => {
                "over SSH a browser here would not be in front of you: open the URL on your own device"
            }
            SkipReason::NoDisplay => {
                "no graphical display (DISPLAY/WAYLAND_DISPLAY unset): open the URL on a machine with a browser"
            }
        }
    }
}

/// Longest URL we accept: the service's model caps `OAuthAuthorizationUrl` at 1,024
/// characters, so a longer one did not come from it as issued; the cap also keeps a hostile
/// value from flooding the screen or argv.
pub const MAX_URL_LEN: usize = 1024;

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
            UrlRefusal::TooLong { len } => write!(
                f,
                "the URL is {len} characters long; the service's consent URLs are at most {MAX_URL_LEN}"
            ),
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

/// The one loopback test of every part of the program (the URL policy, the SDK's proxy
/// bypass, the demo's account owner, the SSH tunnel hint): 127.0.0.0/8, `::1`, or `localhost`.
pub fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        // The parser lowercases domains; a trailing-dot or suffixed name is not accepted.
        Host::Domain(d) => *d == "localhost",
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// `url`'s host is loopback (see [`is_loopback`]); any scheme.
pub fn is_loopback_url(url: &Url) -> bool {
    url.host().is_some_and(|host| is_loopback(&host))
}

/// `endpoint` parses as a URL whose host is loopback (see [`is_loopback`]).
pub fn is_loopback_endpoint(endpoint: &str) -> bool {
    Url::parse(endpoint).is_ok_and(|url| is_loopback_url(&url))
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
    // The model counts characters, not bytes.
    let len = raw.chars().count();
    if len > MAX_URL_LEN {
        return Err(UrlRefusal::TooLong { len });
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

/// The one form of a vetted URL that every hand-over uses (copy, OSC 8 link, QR code, open,
/// the owner's visit) and the screen shows: the parsed serialisation, whose host is in
/// punycode, so a look-alike internationalised host is handed over as what it is.
pub fn handover_form(raw: &str, endpoint_is_loopback: bool) -> Result<String, UrlRefusal> {
    check_url(raw, endpoint_is_loopback).map(String::from)
}

/// What to show for a URL: its hand-over form when the policy accepts it, otherwise the raw
/// value sanitised (so the operator sees what was refused, escaped).
pub fn shown_form(raw: &str, endpoint_is_loopback: bool) -> String {
    handover_form(raw, endpoint_is_loopback)
        .unwrap_or_else(|_| crate::text::sanitize(raw).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn loopback_endpoints() {
        for endpoint in [
            "http://127.0.0.1:4567",
            "http://127.9.8.7/",
            "https://[::1]:2/",
            "http://LOCALHOST:80",
        ] {
            assert!(is_loopback_endpoint(endpoint), "{endpoint}");
        }
        for endpoint in [
            "https://api.iotmanagedintegrations.us-east-1.amazonaws.com",
            "http://10.0.0.1/",
            "http://localhost.example.com/",
            "http://localhost./",
            "not a url",
            "",
        ] {
            assert!(!is_loopback_endpoint(endpoint), "{endpoint}");
        }
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
    fn the_hand_over_form_is_punycode() {
        // "аpple" with a Cyrillic а: the look-alike host is handed over as what it is.
        let raw = "https://\u{0430}pple.com/oauth/authorize?state=x";
        let form = handover_form(raw, false).expect("accepted");
        assert_eq!(form, "https://xn--pple-43d.com/oauth/authorize?state=x");
        assert_eq!(shown_form(raw, false), form);
        // A refused URL has no hand-over form; it is shown sanitised.
        assert!(handover_form("https://a.com/;ls", false).is_err());
        let escaped = "https://a.com/\x1b[2J";
        assert_eq!(shown_form(escaped, false), crate::text::sanitize(escaped));
        assert!(!shown_form(escaped, false).contains('\x1b'));
    }

    #[test]
    fn the_models_consent_url_cap_is_the_limit() {
        let base = "https://a.com/";
        let at_cap = format!("{base}{}", "a".repeat(MAX_URL_LEN - base.len()));
        assert_eq!(at_cap.len(), 1024);
        assert!(check_url(&at_cap, false).is_ok());
        let over = format!("{at_cap}b");
        let refusal = check_url(&over, false).expect_err("1,025 characters");
        assert_eq!(refusal, UrlRefusal::TooLong { len: 1025 });
        assert_eq!(
            refusal.to_string(),
            "refused to open: the URL is 1025 characters long; the service's consent URLs are at most 1024"
        );
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
}
