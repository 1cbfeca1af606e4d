//! The service's input constraints (CreateAccountAssociation, API 2025-03-03), checked locally
//! so the operator sees a problem while typing rather than after a round trip. One set of rules
//! for every front end (wizard, plain prompts, `create`).

/// Name: 1–128 of `[A-Za-z0-9-_ ]`.
pub const NAME_MAX: usize = 128;
/// Description: 1–4096 of `[A-Za-z0-9-_ ]` (optional: empty means "not sent").
pub const DESCRIPTION_MAX: usize = 4096;
pub const TAG_KEY_MAX: usize = 128;
pub const TAG_VALUE_MAX: usize = 256;
pub const MAX_TAGS: usize = 50;

/// Why one more tag is refused: the one wording of the service's tag limit.
pub fn tag_limit() -> String {
    format!("at most {MAX_TAGS} tags")
}
/// Shown next to the name and description fields before the user hits the rule.
pub const NAME_CHARS_HINT: &str = "letters A–Z, digits, spaces, - and _ (no dots or accents)";

/// A field and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// The character class of names and descriptions.
pub fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' ')
}

fn first_bad_char(value: &str) -> Option<char> {
    value.chars().find(|&c| !is_name_char(c))
}

/// A character as a person reads it in a message: "a space", "a tab", an invisible one by
/// the stand-in the screen shows for it.
fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        '\t' => "a tab".into(),
        '\n' | '\r' => "a line break".into(),
        _ => match crate::text::stand_in(c) {
            Some(shown) => format!("an invisible control character (shown as {shown})"),
            None if c.is_whitespace() => format!("a special space (U+{:04X})", c as u32),
            None => format!("'{c}'"),
        },
    }
}

/// The name is required by this tool (the API allows omitting it, but an unnamed association
/// is hard to find again).
pub fn name_error(name: &str) -> Option<String> {
    let len = name.chars().count();
    if len == 0 {
        return Some("a name is required".into());
    }
    if len > NAME_MAX {
        return Some(format!("at most {NAME_MAX} characters (now {len})"));
    }
    first_bad_char(name)
        .map(|c| format!("{} is not allowed: use {NAME_CHARS_HINT}", describe_char(c)))
}

/// Empty is fine: the description is then not sent.
pub fn description_error(description: &str) -> Option<String> {
    let len = description.chars().count();
    if len > DESCRIPTION_MAX {
        return Some(format!("at most {DESCRIPTION_MAX} characters (now {len})"));
    }
    first_bad_char(description)
        .map(|c| format!("{} is not allowed: use {NAME_CHARS_HINT}", describe_char(c)))
}

pub fn tag_key_error(key: &str) -> Option<String> {
    let len = key.chars().count();
    if len == 0 {
        return Some("tag key is required".into());
    }
    if len > TAG_KEY_MAX {
        return Some(format!(
            "tag key: at most {TAG_KEY_MAX} characters (now {len})"
        ));
    }
    key.chars()
        .find(|&c| crate::text::stand_in(c).is_some())
        .map(|c| format!("tag key: {} is not allowed", describe_char(c)))
}

pub fn tag_value_error(value: &str) -> Option<String> {
    let len = value.chars().count();
    if len > TAG_VALUE_MAX {
        return Some(format!(
            "tag value: at most {TAG_VALUE_MAX} characters (now {len})"
        ));
    }
    value
        .chars()
        .find(|&c| crate::text::stand_in(c).is_some())
        .map(|c| format!("tag value: {} is not allowed", describe_char(c)))
}

/// AuthMaterialName: 1–100 of `[a-zA-Z0-9=_+/-]`.
pub fn auth_material_error(name: &str) -> Option<String> {
    let len = name.chars().count();
    if len == 0 || len > 100 {
        return Some(format!(
            "auth material name: 1 to 100 characters (now {len})"
        ));
    }
    name.chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || "=_+/-".contains(c)))
        .map(|c| format!("auth material name: {} is not allowed", describe_char(c)))
}

/// Why the auth material given (a flag, a resumed draft) cannot be sent to this destination:
/// a destination without General Authorization takes none, and one with it only a material it
/// lists. The request would otherwise go out without it, silently.
pub fn auth_material_problem(
    given: Option<&str>,
    destination: &crate::service::DestinationDetail,
) -> Option<String> {
    let raw = given?;
    let given = crate::text::sanitize(raw);
    if !destination.uses_general_authorization() {
        return Some(format!(
            "the destination uses OAuth consent, not General Authorization: auth material \
             {given:?} cannot be sent"
        ));
    }
    if destination.auth_materials.iter().any(|m| m == raw) {
        return None;
    }
    Some(format!(
        "the destination offers no auth material {given:?} (it offers: {})",
        crate::text::sanitize(&destination.auth_materials.join(", "))
    ))
}

/// A message that begins a sentence.
pub fn capitalized(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// ConnectorDestinationId: 1–64 of `[A-Za-z0-9-_]`.
pub fn destination_id_error(id: &str) -> Option<String> {
    let len = id.chars().count();
    if len == 0 || len > 64 {
        return Some(format!("destination id: 1 to 64 characters (now {len})"));
    }
    id.chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .map(|c| format!("destination id: {} is not allowed", describe_char(c)))
}

/// ClientToken: 1–64 of `[a-zA-Z0-9=_-]` (only `create --client-token` takes one from a user).
pub fn client_token_error(token: &str) -> Option<String> {
    let len = token.chars().count();
    if len == 0 || len > 64 {
        return Some(format!("1 to 64 characters (now {len})"));
    }
    token
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || "=_-".contains(c)))
        .map(|c| format!("{} is not allowed", describe_char(c)))
}

/// A region name as AWS writes them: `eu-west-1`, `us-gov-west-1`.
pub fn region_error(region: &str) -> Option<String> {
    let parts: Vec<&str> = region.split('-').collect();
    let words_ok = parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()));
    let number_ok = parts
        .last()
        .is_some_and(|n| !n.is_empty() && n.len() <= 2 && n.chars().all(|c| c.is_ascii_digit()));
    (!(words_ok && number_ok)).then(|| {
        format!(
            "{:?} is not a region name such as us-east-1 or eu-west-1",
            crate::text::sanitize(region)
        )
    })
}

/// Every problem of a set of tags: each key and value, duplicates, the count.
pub fn tags_errors(tags: &[(String, String)]) -> Vec<String> {
    let mut errors = Vec::new();
    if tags.len() > MAX_TAGS {
        errors.push(format!("{} (now {})", tag_limit(), tags.len()));
    }
    let mut seen = std::collections::HashSet::new();
    for (key, value) in tags {
        errors.extend(tag_key_error(key));
        errors.extend(tag_value_error(value));
        if !seen.insert(key.as_str()) {
            errors.push(format!("duplicate tag key '{key}'"));
        }
    }
    errors
}

/// All problems of a request at once, one entry per bad field.
pub fn request_errors(
    destination_id: &str,
    name: &str,
    description: &str,
    tags: &[(String, String)],
    auth_material: Option<&str>,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut push = |field, message: Option<String>| {
        if let Some(message) = message {
            errors.push(FieldError { field, message });
        }
    };
    push("destination", destination_id_error(destination_id));
    push("name", name_error(name));
    push("description", description_error(description));
    let tag_problems = tags_errors(tags);
    push(
        "tags",
        (!tag_problems.is_empty()).then(|| tag_problems.join("; ")),
    );
    push("auth-material", auth_material.and_then(auth_material_error));
    errors
}

/// A name the service accepts, made from the destination's name: disallowed characters become
/// spaces, runs of spaces collapse, and it fits the length limit.
pub fn suggest_name(destination_name: &str) -> String {
    let cleaned: String = destination_name
        .chars()
        .map(|c| if is_name_char(c) { c } else { ' ' })
        .collect();
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    let base = if words.is_empty() {
        "Account association".to_string()
    } else {
        format!("{} account", words.join(" "))
    };
    base.chars()
        .take(NAME_MAX)
        .collect::<String>()
        .trim_end()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_rules() {
        assert_eq!(name_error("Acme Cloud-EU_1"), None);
        assert!(name_error("").unwrap().contains("required"));
        assert!(name_error("a.b").unwrap().contains("'.'"));
        assert!(name_error("a,b").unwrap().contains("','"));
        assert!(
            name_error(&"x".repeat(129))
                .unwrap()
                .contains("at most 128")
        );
        assert_eq!(name_error(&"x".repeat(128)), None);
        assert_eq!(
            name_error("tab\there").unwrap(),
            format!("a tab is not allowed: use {NAME_CHARS_HINT}")
        );
        assert!(
            name_error("café")
                .unwrap()
                .starts_with("'é' is not allowed")
        );
        assert!(NAME_CHARS_HINT.contains("letters A–Z"));
    }

    #[test]
    fn description_is_optional_but_constrained() {
        assert_eq!(description_error(""), None);
        assert!(description_error("ok. not").is_some());
        assert!(description_error(&"d".repeat(4097)).is_some());
    }

    #[test]
    fn tags_rules() {
        let tags = |n: usize| {
            (0..n)
                .map(|i| (format!("k{i}"), "v".to_string()))
                .collect::<Vec<_>>()
        };
        assert!(tags_errors(&tags(50)).is_empty());
        assert!(tags_errors(&tags(51))[0].contains("at most 50"));
        let dupes = vec![("a".into(), "1".into()), ("a".into(), "2".into())];
        assert!(tags_errors(&dupes)[0].contains("duplicate"));
        assert!(tag_key_error("").is_some());
        assert!(tag_key_error(&"k".repeat(129)).is_some());
        assert_eq!(tag_value_error(""), None);
        assert!(tag_value_error(&"v".repeat(257)).is_some());
        assert_eq!(
            tag_value_error("a\u{1b}b").unwrap(),
            "tag value: an invisible control character (shown as ␛) is not allowed"
        );
        // Invisible format characters hide what a tag says: refused like controls.
        assert!(tag_key_error("env\u{200b}").unwrap().contains("invisible"));
    }

    #[test]
    fn request_errors_reports_every_bad_field_at_once() {
        let errors = request_errors(
            "bad id!",
            "a.b",
            "c,d",
            &[("".into(), "v".into())],
            Some("no spaces"),
        );
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "destination",
                "name",
                "description",
                "tags",
                "auth-material"
            ]
        );
    }

    #[test]
    fn region_names() {
        for ok in ["us-east-1", "eu-west-1", "us-gov-west-1", "ap-southeast-2"] {
            assert_eq!(region_error(ok), None, "{ok}");
        }
        for bad in ["", "us-east", "US-EAST-1", "us east 1", "eu-west-100", "-1"] {
            assert!(region_error(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn client_tokens() {
        assert_eq!(client_token_error("abc-DEF_1="), None);
        assert!(client_token_error("").is_some());
        assert!(client_token_error(&"t".repeat(65)).is_some());
        assert_eq!(client_token_error("a b").unwrap(), "a space is not allowed");
    }

    #[test]
    fn suggested_names_are_valid() {
        assert_eq!(
            suggest_name("Acme Cloud (EU), v2.1"),
            "Acme Cloud EU v2 1 account"
        );
        assert_eq!(suggest_name("...."), "Account association");
        assert_eq!(name_error(&suggest_name(&"é".repeat(300))), None);
        assert_eq!(name_error(&suggest_name(&"long name ".repeat(40))), None);
    }
}
