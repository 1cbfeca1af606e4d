//! Property tests for the text and remote helpers. The sets below are written out
//! independently of the implementation so a narrowed implementation fails here.

use std::borrow::Cow;
use std::process::Command;

use iotmi_core::text::{sanitize, shell_join};
use iotmi_core::url_policy::check_url;
use iotmi_onboard::remote::qr_art;
use proptest::prelude::*;

/// Characters `sanitize` must never let through (per the spec, not the implementation).
fn must_replace(c: char) -> bool {
    let u = c as u32;
    u <= 0x1F
        || (0x7F..=0x9F).contains(&u)
        || (0x202A..=0x202E).contains(&u)
        || (0x2066..=0x2069).contains(&u)
        || matches!(u, 0x200E | 0x200F | 0x061C)
        || (0x200B..=0x200D).contains(&u)
        || matches!(u, 0x2060 | 0xFEFF)
}

const METACHARS: &str = "\"'<>`|;$\\{}^";

/// Every character `sanitize` must replace, plus safe neighbours of those ranges, so
/// each one is drawn often rather than hoping `any::<char>()` lands on it.
fn interesting_chars() -> Vec<char> {
    let mut v: Vec<char> = (0..0x1_0000u32)
        .filter_map(char::from_u32)
        .filter(|c| must_replace(*c))
        .collect();
    v.extend([
        ' ', '\'', '"', '\\', '$', '`', '!', '*', '~', '&', ';', '#', 'a', 'é', '日', '\u{2400}',
        '\u{A0}', '\u{2029}', '\u{2065}', '\u{206A}', '\u{202F}', '\u{2061}',
    ]);
    v
}

/// Strings biased towards the interesting characters, plus fully arbitrary ones.
fn nasty_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(
            prop_oneof![prop::sample::select(interesting_chars()), any::<char>()],
            0..24
        )
        .prop_map(String::from_iter),
    ]
}

proptest! {
    #[test]
    fn sanitize_output_is_inert(s in nasty_string()) {
        let out = sanitize(&s);
        prop_assert!(!out.chars().any(must_replace), "{:?} -> {:?}", s, out);
        // One-for-one replacement keeps the text's shape (nothing silently dropped).
        prop_assert_eq!(out.chars().count(), s.chars().count());
        if !s.chars().any(must_replace) {
            prop_assert!(matches!(out, Cow::Borrowed(b) if b == s));
        }
    }
}

/// Run `printf '%s\0' <joined>` in a real POSIX shell and split its output back into argv.
fn sh_round_trip(joined: &str) -> Vec<Vec<u8>> {
    let script = format!("printf '%s\\0' {joined}");
    let out = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .output()
        .expect("run sh");
    assert!(out.status.success(), "sh failed on {script:?}");
    let mut parts: Vec<Vec<u8>> = out.stdout.split(|b| *b == 0).map(<[u8]>::to_vec).collect();
    // printf terminates every arg with NUL, so the split leaves one empty tail.
    assert_eq!(parts.pop(), Some(Vec::new()));
    parts
}

proptest! {
    // Each case forks a shell; 64 keeps the suite fast while covering plenty of shapes.
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn shell_join_round_trips_through_sh(
        argv in prop::collection::vec(
            nasty_string().prop_map(|s| s.replace('\0', "")),
            1..6,
        )
    ) {
        let joined = shell_join(&argv);
        let back = sh_round_trip(&joined);
        let want: Vec<Vec<u8>> = argv.iter().map(|a| a.as_bytes().to_vec()).collect();
        prop_assert_eq!(back, want, "joined: {:?}", joined);
    }
}

/// URL-shaped strings: a scheme and host (good or bad) and an otherwise benign tail
/// with at most one injected character, so a single refused character is exercised
/// inside a URL that would otherwise pass.
fn urlish() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(vec![
        "https://",
        "https://",
        "https://",
        "http://",
        "http://",
        "HTTPS://",
        "javascript:",
        "file://",
        "data:",
        "ftp://",
        "",
    ]);
    let host = prop::sample::select(vec![
        "example.com",
        "example.com",
        "example.com",
        "127.0.0.1",
        "127.0.0.1",
        "localhost",
        "[::1]",
        "127.0.0.1.evil.com",
        "user@a.com",
        "a.com:443",
        "",
        "0x7f.1",
        "LOCALHOST",
    ]);
    let tail = "[A-Za-z0-9/?&=%#~+._:!*()-]{0,20}";
    // Weighted so each refused class turns up often inside an otherwise valid URL.
    let bad = prop_oneof![
        3 => prop::sample::select(METACHARS.chars().collect::<Vec<_>>()),
        1 => prop::sample::select(vec![' ', '\t', '\n', '\r', '\u{3000}', '\u{2028}', '\u{A0}']),
        1 => prop::sample::select(interesting_chars()),
    ];
    let inject = prop::option::weighted(0.8, (bad, any::<prop::sample::Index>()));
    (scheme, host, tail, inject).prop_map(|(s, h, t, inject)| {
        let mut t: Vec<char> = t.chars().collect();
        if let Some((c, at)) = inject {
            t.insert(at.index(t.len() + 1), c);
        }
        format!("{s}{h}/{}", String::from_iter(t))
    })
}

/// OAuth-looking URLs made only of characters the policy must allow.
fn good_https() -> impl Strategy<Value = String> {
    (
        "[a-z][a-z0-9-]{0,10}\\.(com|net|example)",
        "[A-Za-z0-9/_.~-]{0,20}",
        "[A-Za-z0-9_.~+=&%-]{0,30}",
        "[A-Za-z0-9_.~+=&%#?/-]{0,10}",
    )
        // `xn--…` is the punycode prefix: such a label must be valid punycode, and one made of
        // random letters is not (browsers refuse it too), so it is no normal host.
        .prop_filter("not an A-label", |(h, ..)| !h.starts_with("xn--"))
        .prop_map(|(h, p, q, f)| format!("https://{h}/{p}?{q}#{f}"))
}

proptest! {
    #[test]
    fn check_url_accepts_only_safe_urls(raw in prop_oneof![urlish(), any::<String>()], sim in any::<bool>()) {
        if let Ok(url) = check_url(&raw, sim) {
            prop_assert!(!raw.is_empty() && raw.len() <= 2048);
            prop_assert!(!raw.chars().any(|c| c.is_whitespace() || c.is_control()), "{:?}", raw);
            prop_assert!(!raw.chars().any(|c| METACHARS.contains(c)), "{:?}", raw);
            // Nor anything that could disguise it on screen (bidi, zero-width).
            prop_assert!(!raw.chars().any(must_replace), "{:?}", raw);
            prop_assert!(url.username().is_empty() && url.password().is_none());
            match url.scheme() {
                "https" => prop_assert!(url.host_str().is_some_and(|h| !h.is_empty())),
                "http" => {
                    prop_assert!(sim, "http accepted outside simulator mode: {:?}", raw);
                    let loopback = match url.host() {
                        Some(url::Host::Domain(d)) => d == "localhost",
                        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                        None => false,
                    };
                    prop_assert!(loopback, "http to non-loopback accepted: {:?}", raw);
                }
                other => prop_assert!(false, "scheme {} accepted: {:?}", other, raw),
            }
        }
    }

    #[test]
    fn check_url_allows_normal_oauth_characters(raw in good_https(), sim in any::<bool>()) {
        prop_assert!(check_url(&raw, sim).is_ok(), "{:?}: {:?}", raw, check_url(&raw, sim));
    }

    #[test]
    fn qr_art_is_rectangular(data in "[ -~]{0,300}") {
        let art = qr_art(&data).expect("300 ASCII bytes always fit at level L");
        prop_assert_eq!(art.lines.len(), usize::from(art.height));
        for line in &art.lines {
            prop_assert_eq!(line.chars().count(), usize::from(art.width));
            prop_assert!(line.chars().all(|c| matches!(c, ' ' | '▀' | '▄' | '█')));
        }
    }
}
