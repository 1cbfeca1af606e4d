//! Text helpers for strings that cross a trust boundary: [`sanitize`] for anything from
//! the network that ends up on the terminal, [`shell_quote`]/[`shell_join`] for commands
//! we *show* the operator to copy (we never run them through a shell ourselves).

use std::borrow::Cow;

/// The stand-in for a character that must not reach the terminal, or `None` when the
/// character is safe to draw as-is.
pub fn stand_in(c: char) -> Option<char> {
    match c {
        // C0 controls → Control Pictures (U+2400 + code), so the operator still sees
        // *that* something was there (e.g. '␛' for ESC) without the terminal acting on it.
        '\u{0}'..='\u{1F}' => char::from_u32(0x2400 + c as u32),
        '\u{7F}' => Some('\u{2421}'), // ␡
        // C1 controls: some terminals treat U+009B as CSI, so they are as dangerous as ESC.
        '\u{80}'..='\u{9F}' => Some('\u{FFFD}'),
        // Bidi overrides/embeddings/isolates and marks: they reorder what is shown.
        '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{061C}' => Some('\u{FFFD}'),
        // Zero-width characters: they hide content or split look-alike words.
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => Some('\u{FFFD}'),
        _ => None,
    }
}

/// Make a string from the network safe to draw in a terminal: control characters (C0,
/// DEL, C1) and invisible bidi/format characters are replaced one-for-one by visible,
/// inert stand-ins. Borrows when nothing needs replacing, which is the common case.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    let Some(first) = s.find(|c| stand_in(c).is_some()) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        out.push(stand_in(c).unwrap_or(c));
    }
    Cow::Owned(out)
}

/// Characters that never need quoting in POSIX sh (the same set Python's `shlex.quote`
/// leaves bare). Notably absent: `~` (tilde expansion), `*?[` (globs), `#`, `!`, `&`.
fn is_bare_safe(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c)
}

/// Quote one argument for POSIX sh: bare when it is non-empty and uses only
/// `[A-Za-z0-9_@%+=:,./-]`, otherwise single-quoted with `'` written as `'\''`
/// (single quotes are the only sh quoting in which nothing else is special).
pub fn shell_quote(arg: &str) -> Cow<'_, str> {
    if !arg.is_empty() && arg.chars().all(is_bare_safe) {
        return Cow::Borrowed(arg);
    }
    let mut out = String::with_capacity(arg.len() + 2);
    out.push('\'');
    for c in arg.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    Cow::Owned(out)
}

/// Quote each argument with [`shell_quote`] and join them with single spaces.
pub fn shell_join<I, S>(args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out = String::new();
    for (i, arg) in args.into_iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&shell_quote(arg.as_ref()));
    }
    out
}

/// A wait's elapsed time for progress lines: `42s`, `3m05s`.
pub fn elapsed_text(elapsed: std::time::Duration) -> String {
    let secs = elapsed.as_secs();
    if secs < 60 {
        format!("{secs}s")
    } else {
        format!("{}m{:02}s", secs / 60, secs % 60)
    }
}

/// How long ago something was saved, in the unit a person reads it in: "5 min ago",
/// "3 h ago", "4 days ago" (not "5760 min ago").
pub fn age_text(secs: u64) -> String {
    match secs / 60 {
        minutes @ 0..120 => format!("{minutes} min ago"),
        minutes @ 120..2880 => format!("{} h ago", minutes / 60),
        minutes => format!("{} days ago", minutes / 1440),
    }
}

/// A CSV cell a spreadsheet will not run: one that begins with `=`, `+`, `-`, `@`, a tab or a
/// carriage return (a formula to Excel, LibreOffice and Sheets) gets a leading `'`, which they
/// show as text. Values in reports and results come from third parties (names, tags, errors).
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_age_is_said_in_the_unit_a_person_reads() {
        assert_eq!(age_text(59), "0 min ago");
        assert_eq!(age_text(119 * 60), "119 min ago");
        assert_eq!(age_text(3 * 3600 + 59), "3 h ago");
        assert_eq!(age_text(47 * 3600), "47 h ago");
        assert_eq!(age_text(4 * 86400 + 10), "4 days ago");
    }

    #[test]
    fn spreadsheet_formulas_are_written_as_text() {
        for formula in [
            "=HYPERLINK(\"https://evil.example\")",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
        ] {
            assert_eq!(spreadsheet_safe(formula), format!("'{formula}"));
        }
        for plain in [
            "Kitchen",
            "env=prod",
            "7d2f4c9a",
            "",
            "https://x.example/?a=-1",
        ] {
            assert_eq!(spreadsheet_safe(plain), plain);
        }
    }

    #[test]
    fn sanitize_borrows_clean_text() {
        let s = "https://example.com/a?b=c&d=é 日本";
        assert!(matches!(sanitize(s), Cow::Borrowed(x) if x == s));
    }

    #[test]
    fn sanitize_neutralises_escape_sequences_and_bidi() {
        let out = sanitize("\x1b[31mred\x1b]52;c;eA==\x07 \u{202E}abc");
        assert!(!out.contains('\x1b'));
        assert!(!out.contains('\x07'));
        assert!(!out.contains('\u{202E}'));
        assert_eq!(out, "␛[31mred␛]52;c;eA==␇ \u{FFFD}abc");
    }

    #[test]
    fn sanitize_maps_each_class() {
        assert_eq!(sanitize("\0\t\r\n\x1f"), "␀␉␍␊␟");
        assert_eq!(sanitize("a\x7fb"), "a␡b");
        assert_eq!(sanitize("\u{9b}31m\u{85}"), "\u{FFFD}31m\u{FFFD}");
        assert_eq!(
            sanitize(
                "\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF}\u{200E}\u{200F}\u{061C}\u{2066}\u{2069}\u{202A}"
            ),
            "\u{FFFD}".repeat(11)
        );
        // Neighbours of the ranges stay as they are.
        assert!(matches!(
            sanitize("\u{A0}\u{2029}\u{206A}\u{2065}\u{2400}"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn shell_quote_rules() {
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
        assert!(matches!(shell_quote("a-Z_0@%+=:,./"), Cow::Borrowed(_)));
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("~"), "'~'");
        assert_eq!(shell_quote("$(reboot)"), "'$(reboot)'");
        assert_eq!(shell_quote("x&y"), "'x&y'");
        assert_eq!(shell_quote("é"), "'é'");
    }

    #[test]
    fn shell_join_quotes_each_arg() {
        assert_eq!(
            shell_join(["aws", "iot", "--name", "my thing", ""]),
            "aws iot --name 'my thing' ''"
        );
        assert_eq!(shell_join(Vec::<String>::new()), "");
    }
}

/// A yes/no answer typed at a prompt: `y`/`yes` or `n`/`no` (any case), Enter alone the
/// prompt's default. Anything else is no answer (`None`): the question is asked again, as a
/// mistyped "yes please" must not be taken for the default. The one rule for every `[Y/n]`
/// and `[y/N]` question.
pub fn answer_yes(answer: &str, default: bool) -> Option<bool> {
    match answer.trim().to_lowercase().as_str() {
        "y" | "yes" => Some(true),
        "n" | "no" => Some(false),
        "" => Some(default),
        _ => None,
    }
}

#[cfg(test)]
mod answer_tests {
    use super::answer_yes;

    #[test]
    fn yes_and_no_in_any_case_enter_the_default_else_no_answer() {
        assert_eq!(answer_yes("Y", false), Some(true));
        assert_eq!(answer_yes("yes", false), Some(true));
        assert_eq!(answer_yes("", true), Some(true));
        assert_eq!(answer_yes("NO", true), Some(false));
        assert_eq!(answer_yes("n", true), Some(false));
        assert_eq!(answer_yes("", false), Some(false));
        assert_eq!(answer_yes("x", true), None);
        assert_eq!(answer_yes("yes please", false), None);
    }
}
