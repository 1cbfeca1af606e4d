//! The list filters of every front end (the wizard, plain mode, `list --filter`): one match
//! rule, and for each list the one set of fields it matches.
//!
//! - destinations: name, id, connector name (when the connectors are known), connector id,
//!   description — what the list shows, so whatever the operator reads they can type;
//! - associations: name (the id when it has none, as the row shows it), description, state,
//!   destination id — the description is what the operator wrote to tell associations apart,
//!   so Manage matches it as `list` did. The id of a named association is not on its row: it
//!   matches only a term of [`MIN_ID_TERM`] characters or more (an id copied from elsewhere),
//!   never a short one every hex id contains (`site 1` matched 28 of 32 rows through ids);
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

/// The shortest filter term matched inside an association's hidden id.
pub const MIN_ID_TERM: usize = 8;

/// The association's filter text (lower-case): what its row shows, the id only when it stands
/// in for a missing name.
pub fn association_haystack(a: &AssociationSummary) -> String {
    let shown_name = if a.name.is_empty() { &a.id } else { &a.name };
    format!(
        "{} {} {} {}",
        shown_name, a.description, a.state, a.destination_id
    )
    .to_lowercase()
}

/// The one association filter of every front end (Manage, plain mode, `list --filter`): each
/// term occurs in [`association_haystack`], or is an id-length term found in the id.
pub fn association_matches(a: &AssociationSummary, filter: &str) -> bool {
    association_matches_terms(a, &association_haystack(a), &filter_terms(filter))
}

fn association_matches_terms(
    a: &AssociationSummary,
    haystack: &str,
    terms: &[Finder<'static>],
) -> bool {
    let id = a.id.to_lowercase();
    terms.iter().all(|term| {
        term.find(haystack.as_bytes()).is_some()
            || (term.needle().len() >= MIN_ID_TERM && term.find(id.as_bytes()).is_some())
    })
}

/// The indices of the associations `filter` matches, in list order.
pub fn matching_associations(filter: &str, items: &[AssociationSummary]) -> Vec<usize> {
    let terms = filter_terms(filter);
    items
        .iter()
        .enumerate()
        .filter(|(_, a)| association_matches_terms(a, &association_haystack(a), &terms))
        .map(|(i, _)| i)
        .collect()
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
        for filter in ["grandma", "kitchen", "dest-1", "succeeded"] {
            assert!(association_matches(&a, filter), "{filter}");
        }
    }

    #[test]
    fn an_association_matches_what_its_row_shows_not_its_hidden_id() {
        let site = |n: usize| AssociationSummary {
            id: format!("1{n:031x}"),
            arn: "arn:x".into(),
            state: AssociationState::Succeeded,
            error_message: None,
            name: format!("Site {n}"),
            description: String::new(),
            destination_id: "acme-home-us".into(),
        };
        let items: Vec<AssociationSummary> = (1..=32).map(site).collect();
        // "1" is in every id; only the names with a 1 match.
        let names: Vec<&str> = matching_associations("site 1", &items)
            .into_iter()
            .map(|i| items[i].name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "Site 1", "Site 10", "Site 11", "Site 12", "Site 13", "Site 14", "Site 15",
                "Site 16", "Site 17", "Site 18", "Site 19", "Site 21", "Site 31"
            ]
        );
        // A whole id (or an id-length part of one) still finds its association.
        assert_eq!(matching_associations(&items[4].id, &items), [4]);
        assert_eq!(matching_associations(&items[4].id[20..], &items), [4]);
        // Unnamed, the row shows the id: any part of it matches.
        let mut unnamed = site(5);
        unnamed.name.clear();
        assert!(association_matches(&unnamed, "05"));
    }

    #[test]
    fn every_term_must_occur() {
        assert_eq!(
            matching("a b", ["a b", "a", "b a"].into_iter().map(Cow::Borrowed)),
            [0, 2]
        );
    }
}
