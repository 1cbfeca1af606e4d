//! The list filters of every front end (the wizard, plain mode, `list --filter`): one match
//! rule, and for each list the one set of fields it matches.
//!
//! - destinations: name, id, connector name (when the connectors are known), connector id,
//!   description — what the list shows, so whatever the operator reads they can type;
//! - associations: name, id, description, state, destination id — the description is what
//!   the operator wrote to tell associations apart, so Manage matches it as `list` did;
//! - discovered devices: name, brand, model, device types, connector device id.

use std::borrow::Cow;

use memchr::memmem::Finder;

use crate::service::{AssociationSummary, DestinationSummary, DiscoveredDevice};

/// The destination's filter text (lower-case); `connector_name` when the connectors are known.
pub fn destination_haystack(d: &DestinationSummary, connector_name: Option<&str>) -> String {
    format!(
        "{} {} {} {} {}",
        d.name,
        d.id,
        connector_name.unwrap_or(""),
        d.cloud_connector_id,
        d.description
    )
    .to_lowercase()
}

/// The association's filter text (lower-case).
pub fn association_haystack(a: &AssociationSummary) -> String {
    format!(
        "{} {} {} {} {}",
        a.name, a.id, a.description, a.state, a.destination_id
    )
    .to_lowercase()
}

/// The discovered device's filter text (lower-case).
pub fn device_haystack(d: &DiscoveredDevice) -> String {
    format!(
        "{} {} {} {} {}",
        d.name,
        d.brand,
        d.model,
        d.device_types.join(" "),
        d.connector_device_id
    )
    .to_lowercase()
}

/// The list filter of every front end: each whitespace-separated term of `filter` must occur
/// in `haystack` (case-insensitively). `haystack` is already lower-case.
pub fn filter_matches(haystack: &str, filter: &str) -> bool {
    contains_all(haystack, &filter_terms(filter))
}

/// The filter's terms, lower-cased and made into searchers once (not once per item: 10,000
/// items per keystroke). memchr's searcher, not `str::contains`: it is as fast in the quick
/// `release` build as in `dist` (there `contains` came out 6 times slower, 2.8 ms a keystroke).
fn filter_terms(filter: &str) -> Vec<Finder<'static>> {
    filter
        .split_whitespace()
        .map(|term| Finder::new(term.to_lowercase().as_bytes()).into_owned())
        .collect()
}

fn contains_all(haystack: &str, terms: &[Finder<'static>]) -> bool {
    terms.iter().all(|t| t.find(haystack.as_bytes()).is_some())
}

/// The indices of the matching haystacks, in list order.
pub fn matching<'a>(filter: &str, haystacks: impl Iterator<Item = Cow<'a, str>>) -> Vec<usize> {
    let terms = filter_terms(filter);
    haystacks
        .enumerate()
        .filter(|(_, h)| contains_all(h, &terms))
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::AssociationState;

    fn destination() -> DestinationSummary {
        DestinationSummary {
            id: "dest-1".into(),
            name: "Acme Home".into(),
            description: "Living room".into(),
            cloud_connector_id: "cc-42".into(),
        }
    }

    #[test]
    fn a_destination_matches_its_connector_by_name_and_by_id() {
        let d = destination();
        let haystack = destination_haystack(&d, Some("Acme Cloud"));
        for filter in ["acme cloud", "CC-42", "living", "dest-1", "home acme"] {
            assert!(filter_matches(&haystack, filter), "{filter}");
        }
        assert!(!filter_matches(&haystack, "other"));
        // Without the connectors loaded, the id still matches.
        assert!(filter_matches(&destination_haystack(&d, None), "cc-42"));
    }

    #[test]
    fn an_association_matches_its_description() {
        let a = AssociationSummary {
            id: "aa-1".into(),
            arn: "arn:x".into(),
            state: AssociationState::Succeeded,
            error_message: None,
            name: "Kitchen".into(),
            description: "Grandma's flat".into(),
            destination_id: "dest-1".into(),
        };
        let haystack = association_haystack(&a);
        for filter in ["grandma", "kitchen", "aa-1", "dest-1"] {
            assert!(filter_matches(&haystack, filter), "{filter}");
        }
    }

    #[test]
    fn every_term_must_occur() {
        assert_eq!(
            matching("a b", ["a b", "a", "b a"].into_iter().map(Cow::Borrowed)),
            [0, 2]
        );
    }
}
