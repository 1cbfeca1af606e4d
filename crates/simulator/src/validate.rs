//! Input constraints of the service model (API 2025-03-03), copied here so the simulator
//! never reads the model at run time. Smithy patterns are unanchored character classes; the
//! service checks them over the whole value, so they are modelled as sets of allowed chars.

use std::collections::BTreeMap;

use super::error::ApiError;

/// The set of characters a string may hold, with the model's spelling and a human one.
#[derive(Debug, Clone, Copy)]
pub struct Charset {
    pub pattern: &'static str,
    pub human: &'static str,
    pub allows: fn(char) -> bool,
}

/// Length bounds (in characters, as Smithy counts them) plus an optional character set.
#[derive(Debug, Clone, Copy)]
pub struct StrRule {
    pub min: usize,
    pub max: usize,
    pub charset: Option<Charset>,
}

const ALNUM: Charset = Charset {
    pattern: "[0-9a-zA-Z]+",
    human: "letters and digits",
    allows: |c| c.is_ascii_alphanumeric(),
};
const ID_CHARS: Charset = Charset {
    pattern: "[A-Za-z0-9-_]+",
    human: "letters, digits, '-' and '_'",
    allows: |c| c.is_ascii_alphanumeric() || c == '-' || c == '_',
};
const DISPLAY_CHARS: Charset = Charset {
    pattern: "[A-Za-z0-9-_ ]+",
    human: "letters, digits, '-', '_' and spaces",
    allows: |c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == ' ',
};
const TOKEN_CHARS: Charset = Charset {
    pattern: "[a-zA-Z0-9=_-]+",
    human: "letters, digits, '=', '_' and '-'",
    allows: |c| c.is_ascii_alphanumeric() || c == '=' || c == '_' || c == '-',
};
const AUTH_MATERIAL_CHARS: Charset = Charset {
    pattern: "[a-zA-Z0-9=_+/-]+",
    human: "letters, digits, '=', '_', '+', '/' and '-'",
    allows: |c| c.is_ascii_alphanumeric() || "=_+/-".contains(c),
};

/// `[a-zA-Z0-9:_-]*`: ManagedThingId.
const THING_ID_CHARS: Charset = Charset {
    pattern: "[a-zA-Z0-9:_-]*",
    human: "letters, digits, ':', '_' and '-'",
    allows: |c| c.is_ascii_alphanumeric() || ":_-".contains(c),
};
/// `[a-zA-Z0-9_.,@-]+`: ConnectorDeviceId and Owner.
const DEVICE_ID_CHARS: Charset = Charset {
    pattern: "[a-zA-Z0-9_.,@-]+",
    human: "letters, digits, '_', '.', ',', '@' and '-'",
    allows: |c| c.is_ascii_alphanumeric() || "_.,@-".contains(c),
};
/// `[\p{L}\p{N} ._-]+`: a managed thing's Name (any letters and digits, not only ASCII).
const THING_NAME_CHARS: Charset = Charset {
    pattern: "[\\p{L}\\p{N} ._-]+",
    human: "letters, digits, spaces, '.', '_' and '-'",
    allows: |c| c.is_alphabetic() || c.is_numeric() || " ._-".contains(c),
};
/// AuthMaterialString: what a managed thing is created from (bar codes, discovered devices).
const AUTH_MATERIAL_STRING_CHARS: Charset = Charset {
    pattern: "[0-9A-Za-z!#$%&()*\\+\\-;<=>?@^_`{|}~\\/: {},\\\\\"]+",
    human: "letters, digits, spaces and !#$%&()*+-;<=>?@^_`{|}~/:{},\\\"",
    allows: |c| c.is_ascii_alphanumeric() || "!#$%&()*+-;<=>?@^_`{|}~/: {},\\\"".contains(c),
};
/// DiscoveryAuthMaterialString: an install code for a hub's discovery.
const DISCOVERY_AUTH_MATERIAL_CHARS: Charset = Charset {
    pattern: "[0-9A-Za-z_\\-\\+=\\/:; ]+",
    human: "letters, digits, spaces and _-+=/:;",
    allows: |c| c.is_ascii_alphanumeric() || "_-+=/:; ".contains(c),
};
/// Capabilities: a JSON-ish description of what a device can do.
const CAPABILITIES_CHARS: Charset = Charset {
    pattern: "[a-zA-Z0-9\\s'\\x{0022},.:\\\\\\/{$}\\[\\]=_\\-\\+]+",
    human: "letters, digits, white space and ',.:\\/{$}[]=_-+\"",
    allows: |c| c.is_ascii_alphanumeric() || c.is_whitespace() || "'\",.:\\/{$}[]=_-+".contains(c),
};
const CUSTOM_KEY_CHARS: Charset = Charset {
    pattern: "[a-zA-Z0-9 _.-]+",
    human: "letters, digits, spaces, '_', '.' and '-'",
    allows: |c| c.is_ascii_alphanumeric() || " _.-".contains(c),
};
const CUSTOM_VALUE_CHARS: Charset = Charset {
    pattern: "[a-zA-Z0-9 _.{}:\"-]+",
    human: "letters, digits, spaces and _.{}:\"-",
    allows: |c| c.is_ascii_alphanumeric() || " _.{}:\"-".contains(c),
};

pub const ACCOUNT_ASSOCIATION_ID: StrRule = StrRule {
    min: 1,
    max: 64,
    charset: Some(ALNUM),
};
/// CloudConnectorId and ConnectorDestinationId share this shape.
pub const RESOURCE_ID: StrRule = StrRule {
    min: 1,
    max: 64,
    charset: Some(ID_CHARS),
};
pub const ACCOUNT_ASSOCIATION_NAME: StrRule = StrRule {
    min: 1,
    max: 128,
    charset: Some(DISPLAY_CHARS),
};
pub const ACCOUNT_ASSOCIATION_DESCRIPTION: StrRule = StrRule {
    min: 1,
    max: 4096,
    charset: Some(DISPLAY_CHARS),
};
pub const CLIENT_TOKEN: StrRule = StrRule {
    min: 1,
    max: 64,
    charset: Some(TOKEN_CHARS),
};
pub const NEXT_TOKEN: StrRule = StrRule {
    min: 1,
    max: 65535,
    charset: Some(TOKEN_CHARS),
};
pub const AUTH_MATERIAL_NAME: StrRule = StrRule {
    min: 1,
    max: 100,
    charset: Some(AUTH_MATERIAL_CHARS),
};
/// TagKey and TagValue have lengths only in the model (no pattern).
pub const TAG_KEY: StrRule = StrRule {
    min: 1,
    max: 128,
    charset: None,
};
pub const TAG_VALUE: StrRule = StrRule {
    min: 0,
    max: 256,
    charset: None,
};
pub const MAX_TAGS: usize = 50;

pub const MANAGED_THING_ID: StrRule = StrRule {
    min: 1,
    max: 64,
    charset: Some(THING_ID_CHARS),
};
pub const DEVICE_DISCOVERY_ID: StrRule = StrRule {
    min: 1,
    max: 200,
    charset: Some(ALNUM),
};
/// ParentControllerId and CredentialLockerId (the latter's `*` still needs one character).
pub const ALNUM_ID: StrRule = StrRule {
    min: 1,
    max: 64,
    charset: Some(ALNUM),
};
pub const CONNECTOR_DEVICE_ID: StrRule = StrRule {
    min: 1,
    max: 256,
    charset: Some(DEVICE_ID_CHARS),
};
pub const OWNER: StrRule = StrRule {
    min: 1,
    max: 64,
    charset: Some(DEVICE_ID_CHARS),
};
/// SerialNumber, Brand and Model share the display-name shape.
pub const DEVICE_LABEL: StrRule = StrRule {
    min: 1,
    max: 128,
    charset: Some(DISPLAY_CHARS),
};
pub const THING_NAME: StrRule = StrRule {
    min: 1,
    max: 128,
    charset: Some(THING_NAME_CHARS),
};
pub const CLASSIFICATION: StrRule = StrRule {
    min: 1,
    max: 64,
    charset: None,
};
pub const CAPABILITIES: StrRule = StrRule {
    min: 1,
    max: 65535,
    charset: Some(CAPABILITIES_CHARS),
};
pub const AUTH_MATERIAL_STRING: StrRule = StrRule {
    min: 1,
    max: 512,
    charset: Some(AUTH_MATERIAL_STRING_CHARS),
};
pub const DISCOVERY_AUTH_MATERIAL: StrRule = StrRule {
    min: 1,
    max: 64,
    charset: Some(DISCOVERY_AUTH_MATERIAL_CHARS),
};
pub const CUSTOM_PROTOCOL_KEY: StrRule = StrRule {
    min: 1,
    max: 256,
    charset: Some(CUSTOM_KEY_CHARS),
};
pub const CUSTOM_PROTOCOL_VALUE: StrRule = StrRule {
    min: 1,
    max: 512,
    charset: Some(CUSTOM_VALUE_CHARS),
};
/// MetaData names must hold at least one of `[a-zA-Z0-9_.,@/:#-]`; values are free text.
pub const META_DATA_NAME: StrRule = StrRule {
    min: 0,
    max: 128,
    charset: None,
};
pub const META_DATA_VALUE: StrRule = StrRule {
    min: 0,
    max: 800,
    charset: None,
};
pub const MAX_META_DATA: usize = 50;
pub const MAX_CUSTOM_PROTOCOL_DETAIL: usize = 50;
pub const MAX_CONNECTOR_DEVICE_IDS: usize = 100;
pub const MAX_RESULTS: (usize, usize) = (1, 1000);

/// Checks `value` against `rule`; the error names `field` and the rule broken.
pub fn check(field: &str, value: &str, rule: &StrRule) -> Result<(), ApiError> {
    let len = value.chars().count();
    if len < rule.min || len > rule.max {
        return Err(ApiError::validation(format!(
            "{field}: length must be between {} and {} characters, got {len}",
            rule.min, rule.max
        )));
    }
    if let Some(charset) = rule.charset
        && let Some(bad) = value.chars().find(|c| !(charset.allows)(*c))
    {
        // `{:?}` quotes the character and escapes control characters, so hostile input
        // cannot put raw escape sequences into a message a terminal may print.
        return Err(ApiError::validation(format!(
            "{field}: must match {} ({}); found {bad:?}",
            charset.pattern, charset.human
        )));
    }
    Ok(())
}

/// Like [`check`] for optional members: absent is fine.
pub fn check_opt(field: &str, value: Option<&str>, rule: &StrRule) -> Result<(), ApiError> {
    value.map_or(Ok(()), |v| check(field, v, rule))
}

/// TagsMap: 1..=50 entries, keys 1..=128 and values 0..=256 characters.
pub fn check_tags(tags: &BTreeMap<String, String>) -> Result<(), ApiError> {
    check_map("Tags", tags, (1, MAX_TAGS), &TAG_KEY, &TAG_VALUE)
}

/// A string map member: its entry count within `count`, each key and value to its rule.
pub fn check_map(
    field: &str,
    map: &BTreeMap<String, String>,
    count: (usize, usize),
    key_rule: &StrRule,
    value_rule: &StrRule,
) -> Result<(), ApiError> {
    let (min, max) = count;
    if map.len() < min {
        return Err(ApiError::validation(format!(
            "{field}: at least {min} entries when present, got {}",
            map.len()
        )));
    }
    if map.len() > max {
        let noun = if field == "Tags" { "tags" } else { "entries" };
        return Err(ApiError::validation(format!(
            "{field}: at most {max} {noun}, got {}",
            map.len()
        )));
    }
    for (key, value) in map {
        check(&format!("{field} key"), key, key_rule)?;
        check(&format!("{field}[{key:?}] value"), value, value_rule)?;
    }
    Ok(())
}

/// MetaData: 1..=50 entries; each name holds one of `[a-zA-Z0-9_.,@/:#-]`.
pub fn check_meta_data(meta: &BTreeMap<String, String>) -> Result<(), ApiError> {
    check_map(
        "MetaData",
        meta,
        (1, MAX_META_DATA),
        &META_DATA_NAME,
        &META_DATA_VALUE,
    )?;
    let meaningful = |c: char| c.is_ascii_alphanumeric() || "_.,@/:#-".contains(c);
    match meta.keys().find(|name| !name.chars().any(meaningful)) {
        Some(name) => Err(ApiError::validation(format!(
            "MetaData key: must match .*[a-zA-Z0-9_.,@/:#-]+.*, got {name:?}"
        ))),
        None => Ok(()),
    }
}

/// MaxResults from the query string: an integer in 1..=1000; absent means `default`.
pub fn parse_max_results(raw: Option<&str>, default: usize) -> Result<usize, ApiError> {
    let Some(raw) = raw else { return Ok(default) };
    let (min, max) = MAX_RESULTS;
    let n: i64 = raw.parse().map_err(|_| {
        ApiError::validation(format!("MaxResults: must be an integer, got {raw:?}"))
    })?;
    if n < min as i64 || n > max as i64 {
        return Err(ApiError::validation(format!(
            "MaxResults: must be between {min} and {max}, got {n}"
        )));
    }
    Ok(n as usize)
}

/// An enum member: one of `allowed`.
pub fn check_enum(field: &str, value: &str, allowed: &[&str]) -> Result<(), ApiError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "{field}: must be one of {}, got {value:?}",
            allowed.join(", ")
        )))
    }
}

/// LambdaArn: `(arn:aws:lambda:[0-9a-zA-Z-]+:[0-9]+:function:)?([a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?)`
/// over the whole value, matched by hand (no regex engine needed for one pattern).
pub fn check_lambda_arn(field: &str, value: &str) -> Result<(), ApiError> {
    let id_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let word = |s: &str, ok: &dyn Fn(char) -> bool| !s.is_empty() && s.chars().all(ok);
    let function_ok = |rest: &str| match rest.split_once(':') {
        None => word(rest, &id_char),
        Some((name, qualifier)) => {
            word(name, &id_char) && (qualifier == "$LATEST" || word(qualifier, &id_char))
        }
    };
    let ok = match value.strip_prefix("arn:aws:lambda:") {
        Some(rest) => {
            let parts: Vec<&str> = rest.splitn(4, ':').collect();
            matches!(parts.as_slice(), [region, account, "function", function]
                if word(region, &|c: char| c.is_ascii_alphanumeric() || c == '-')
                    && word(account, &|c: char| c.is_ascii_digit())
                    && function_ok(function))
            // The prefix is optional, so a bare `name:qualifier` can never start with `arn`
            // followed by this shape; no fallback needed.
        }
        None => function_ok(value),
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "{field}: must match (arn:aws:lambda:REGION:ACCOUNT:function:)?NAME(:QUALIFIER)? \
             with NAME of letters, digits, '-' and '_'; got {value:?}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(r: Result<(), ApiError>) -> String {
        r.expect_err("expected a validation error")
            .message()
            .to_owned()
    }

    #[test]
    fn display_name_rejects_a_dot_and_names_field_and_rule() {
        assert_eq!(
            msg(check("Name", "my.home", &ACCOUNT_ASSOCIATION_NAME)),
            "Name: must match [A-Za-z0-9-_ ]+ (letters, digits, '-', '_' and spaces); found '.'"
        );
        assert!(check("Name", "My home-1_a", &ACCOUNT_ASSOCIATION_NAME).is_ok());
    }

    #[test]
    fn the_whole_value_is_checked_not_a_substring() {
        // An unanchored regex would accept "ok\u{1b}" because "ok" matches.
        let m = msg(check("Name", "ok\u{1b}[31m", &ACCOUNT_ASSOCIATION_NAME));
        assert!(m.contains("found '\\u{1b}'"), "{m}");
        assert!(!m.contains('\u{1b}'));
    }

    #[test]
    fn lengths_are_counted_in_characters() {
        assert!(check("Name", &"a".repeat(128), &ACCOUNT_ASSOCIATION_NAME).is_ok());
        assert_eq!(
            msg(check("Name", &"a".repeat(129), &ACCOUNT_ASSOCIATION_NAME)),
            "Name: length must be between 1 and 128 characters, got 129"
        );
        assert!(msg(check("Name", "", &ACCOUNT_ASSOCIATION_NAME)).contains("got 0"));
        assert!(check("Tags value", &"é".repeat(256), &TAG_VALUE).is_ok());
        assert!(check("Tags value", "", &TAG_VALUE).is_ok());
    }

    #[test]
    fn ids_tokens_and_material_names() {
        assert!(check("AccountAssociationId", "abc123", &ACCOUNT_ASSOCIATION_ID).is_ok());
        assert!(check("AccountAssociationId", "abc-123", &ACCOUNT_ASSOCIATION_ID).is_err());
        assert!(check("ConnectorDestinationId", "dest-1_a", &RESOURCE_ID).is_ok());
        assert!(check("ConnectorDestinationId", "dest 1", &RESOURCE_ID).is_err());
        assert!(check("ClientToken", "a=b_c-d", &CLIENT_TOKEN).is_ok());
        assert!(check("ClientToken", &"a".repeat(65), &CLIENT_TOKEN).is_err());
        assert!(check("AuthMaterialName", "api/key+1=", &AUTH_MATERIAL_NAME).is_ok());
        assert!(
            msg(check(
                "GeneralAuthorization.AuthMaterialName",
                "a b",
                &AUTH_MATERIAL_NAME
            ))
            .starts_with("GeneralAuthorization.AuthMaterialName: must match [a-zA-Z0-9=_+/-]+")
        );
    }

    #[test]
    fn tags_count_and_sizes() {
        let many: BTreeMap<String, String> =
            (0..51).map(|i| (format!("k{i}"), "v".into())).collect();
        assert_eq!(msg(check_tags(&many)), "Tags: at most 50 tags, got 51");
        let fifty: BTreeMap<String, String> =
            (0..50).map(|i| (format!("k{i}"), "v".into())).collect();
        assert!(check_tags(&fifty).is_ok());
        assert!(check_tags(&BTreeMap::new()).is_err());
        let long_key = BTreeMap::from([("k".repeat(129), String::new())]);
        assert!(msg(check_tags(&long_key)).starts_with("Tags key: length"));
        let long_value = BTreeMap::from([("k".into(), "v".repeat(257))]);
        assert!(msg(check_tags(&long_value)).contains("value: length must be between 0 and 256"));
    }

    #[test]
    fn max_results_bounds() {
        assert_eq!(parse_max_results(None, 100).ok(), Some(100));
        assert_eq!(parse_max_results(Some("1"), 100).ok(), Some(1));
        assert_eq!(parse_max_results(Some("1000"), 100).ok(), Some(1000));
        assert_eq!(
            msg(parse_max_results(Some("0"), 100).map(|_| ())),
            "MaxResults: must be between 1 and 1000, got 0"
        );
        assert!(msg(parse_max_results(Some("1001"), 100).map(|_| ())).contains("got 1001"));
        assert!(
            msg(parse_max_results(Some("ten"), 100).map(|_| ())).contains("must be an integer")
        );
        assert!(parse_max_results(Some("99999999999999999999999"), 100).is_err());
    }

    #[test]
    fn enums_and_lambda_arns() {
        assert!(check_enum("Type", "LISTED", &["LISTED", "UNLISTED"]).is_ok());
        assert!(
            msg(check_enum("Type", "listed", &["LISTED", "UNLISTED"]))
                .starts_with("Type: must be one of LISTED, UNLISTED")
        );
        for ok in [
            "fn-1",
            "fn_1:$LATEST",
            "fn:v2",
            "arn:aws:lambda:us-east-1:123456789012:function:fn-1",
            "arn:aws:lambda:eu-west-1:1:function:f:prod",
        ] {
            assert!(check_lambda_arn("LambdaArn", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "fn 1",
            "fn:",
            "arn:aws:lambda:us-east-1:abc:function:f",
            "arn:aws:lambda:us-east-1:1:layer:f",
            "f:$LATEST:x",
        ] {
            assert!(check_lambda_arn("LambdaArn", bad).is_err(), "{bad}");
        }
    }
}
