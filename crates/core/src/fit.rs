//! Values the service gave us that go back into another request, made to fit that request's
//! constraints: a discovered device's brand "Müller & Co." or model "Lamp v2.1 (EU)" are fine
//! for ListDiscoveredDevices but refused by CreateManagedThing's patterns. A value that keeps
//! nothing after fitting is left out (the members are optional).
//!
//! Transliteration to ASCII is `deunicode`'s (a maintained table of the whole of Unicode);
//! writing that table by hand is not worth it.

/// CreateManagedThing's `Brand` and `Model`: `[A-Za-z0-9-_ ]+`, 1–128 characters.
pub const BRAND_MODEL_MAX: usize = 128;
/// CreateManagedThing's `Name`: `[\p{L}\p{N} ._-]+`, 1–128 characters.
pub const THING_NAME_MAX: usize = 128;

/// A brand or model for CreateManagedThing: transliterated to ASCII, every other character a
/// space, spaces collapsed, at most 128 characters.
pub fn brand_or_model(value: &str) -> Option<String> {
    let ascii = deunicode::deunicode(value);
    squeeze(
        ascii.chars().map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                ' '
            }
        }),
        BRAND_MODEL_MAX,
    )
}

/// A managed thing's name: letters and digits of any script kept, `.`, `_` and `-` too, every
/// other character a space, spaces collapsed, at most 128 characters.
pub fn thing_name(value: &str) -> Option<String> {
    squeeze(
        value.chars().map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                ' '
            }
        }),
        THING_NAME_MAX,
    )
}

/// Collapses runs of spaces, trims, and cuts at `max` characters (on a char boundary).
fn squeeze(chars: impl Iterator<Item = char>, max: usize) -> Option<String> {
    let mut out = String::new();
    let mut space = false;
    for c in chars {
        if c == ' ' {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    let cut: String = out.chars().take(max).collect();
    let cut = cut.trim_end().to_string();
    (!cut.is_empty()).then_some(cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brand_pattern(s: &str) -> bool {
        !s.is_empty()
            && s.chars().count() <= BRAND_MODEL_MAX
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' '))
    }

    #[test]
    fn ordinary_names_fit_the_patterns() {
        assert_eq!(brand_or_model("Müller & Co.").as_deref(), Some("Muller Co"));
        assert_eq!(
            brand_or_model("Lamp v2.1 (EU)").as_deref(),
            Some("Lamp v2 1 EU")
        );
        assert_eq!(brand_or_model("Acme").as_deref(), Some("Acme"));
        assert_eq!(
            thing_name("Lamp v2.1 (EU)").as_deref(),
            Some("Lamp v2.1 EU")
        );
        assert_eq!(thing_name("Küche Licht").as_deref(), Some("Küche Licht"));
    }

    #[test]
    fn what_keeps_nothing_is_left_out_and_long_values_are_cut() {
        assert_eq!(brand_or_model("&&&"), None);
        assert_eq!(brand_or_model(""), None);
        assert_eq!(thing_name("()"), None);
        let long = brand_or_model(&"ab ".repeat(100)).unwrap();
        assert!(long.chars().count() <= BRAND_MODEL_MAX && !long.ends_with(' '));
    }

    #[test]
    fn any_text_fits_or_is_left_out() {
        for text in [
            "Ω mega™ ✓",
            "東芝 ライト",
            "\u{202e}evil\u{200b}",
            "a\tb\nc",
            "😀 lamp",
        ] {
            if let Some(fitted) = brand_or_model(text) {
                assert!(brand_pattern(&fitted), "{text:?} -> {fitted:?}");
            }
            if let Some(name) = thing_name(text) {
                assert!(
                    name.chars()
                        .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '.' | '_' | '-')),
                    "{text:?} -> {name:?}"
                );
            }
        }
    }
}
