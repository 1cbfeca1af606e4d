//! Property tests of the input rules and the tag paste parser: what the wizard accepts is
//! exactly what the service's constraints allow, and pasted pairs round-trip.

use iotmi_core::flow::pairs::parse_pairs;
use iotmi_core::flow::validate::{
    NAME_MAX, description_error, is_name_char, name_error, request_errors, suggest_name,
    tag_key_error, tag_value_error, tags_errors,
};
use proptest::prelude::*;

fn model_name_ok(s: &str) -> bool {
    let len = s.chars().count();
    (1..=NAME_MAX).contains(&len)
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_ ".contains(c))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn name_rule_matches_the_model(s in "\\PC{0,140}|[A-Za-z0-9_ -]{0,140}") {
        prop_assert_eq!(name_error(&s).is_none(), model_name_ok(&s), "{:?}", s);
    }

    #[test]
    fn description_rule_matches_the_model(s in "\\PC{0,50}|[A-Za-z0-9_ -]{0,50}") {
        let ok = s.chars().all(is_name_char);
        prop_assert_eq!(description_error(&s).is_none(), ok);
    }

    #[test]
    fn every_suggested_name_is_valid(destination in "\\PC{0,300}") {
        prop_assert_eq!(name_error(&suggest_name(&destination)), None);
    }

    #[test]
    fn tag_lengths(key in "\\PC{0,140}", value in "\\PC{0,270}") {
        let key_ok = (1..=128).contains(&key.chars().count()) && !key.chars().any(char::is_control);
        let value_ok = value.chars().count() <= 256 && !value.chars().any(char::is_control);
        prop_assert_eq!(tag_key_error(&key).is_none(), key_ok);
        prop_assert_eq!(tag_value_error(&value).is_none(), value_ok);
    }

    #[test]
    fn pasted_pairs_round_trip(
        pairs in prop::collection::vec(("[a-z][a-z0-9:/_.-]{0,20}", "([a-zA-Z0-9=:/_.-]{0,20})?"), 1..20),
        newline in any::<bool>(),
    ) {
        let text: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let joined = text.join(if newline { "\n" } else { ", " });
        prop_assert_eq!(parse_pairs(&joined).unwrap(), pairs);
    }

    #[test]
    fn pasted_text_never_panics(text in "\\PC{0,200}") {
        let _ = parse_pairs(&text);
    }

    #[test]
    fn duplicates_and_counts_are_caught(keys in prop::collection::vec("[a-c]{1,2}", 0..60)) {
        let tags: Vec<(String, String)> = keys.iter().map(|k| (k.clone(), "v".to_string())).collect();
        let unique: std::collections::HashSet<_> = keys.iter().collect();
        let expect_ok = unique.len() == keys.len() && keys.len() <= 50;
        prop_assert_eq!(tags_errors(&tags).is_empty(), expect_ok);
        let all = request_errors("dest-1", "Name", "", &tags, None);
        prop_assert_eq!(all.iter().any(|e| e.field == "tags"), !expect_ok);
    }
}
