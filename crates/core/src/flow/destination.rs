//! Step 1: the connector destination, from every destination of the account.

use std::borrow::Cow;

use super::effect::Effect;
use super::intent::Intent;
use super::model::{DetailLoad, Load, Step};
use super::{Flow, Generation, nav, retry, validate};
use crate::filter::{destination_haystack, filter_matches, matching};
use crate::service::{DestinationDetail, DestinationSummary, Page, ServiceError};

/// Longer lists are narrowed with a filter before they are numbered.
pub const LIST_MAX: usize = 30;

/// What a typed answer at the destination prompt means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DestinationAnswer {
    /// This destination: by its number in the list shown, its exact id or name, Enter for the
    /// prefilled one, or the only match.
    Choose(String),
    /// Narrow the list to what matches this text.
    Filter(String),
    /// Nothing matches the text: the list is shown whole again.
    NoMatch,
    /// A number outside the list shown (of this many).
    NotListed { number: usize, count: usize },
    /// Enter with neither a default nor a single match.
    Undecided,
}

/// The numbered destinations: the matches, when few enough to be listed.
pub fn numbered(flow: &Flow) -> &[usize] {
    let matches = &flow.destinations.matches;
    if matches.len() <= LIST_MAX {
        matches
    } else {
        &[]
    }
}

/// The one rule for a typed destination answer (plain mode; `--destination` names an id).
pub fn resolve(flow: &Flow, answer: &str) -> DestinationAnswer {
    let list = &flow.destinations;
    if answer.is_empty() {
        let default = flow.opts.prefill.destination.as_ref();
        if let Some(d) = default.and_then(|id| flow.listed_destination(id)) {
            return DestinationAnswer::Choose(d.id.clone());
        }
        if let [only] = list.matches[..] {
            return DestinationAnswer::Choose(list.items[only].id.clone());
        }
        return DestinationAnswer::Undecided;
    }
    // A number picks only from a list that is shown.
    let shown = numbered(flow);
    if let Ok(number) = answer.parse::<usize>()
        && !shown.is_empty()
    {
        return match shown.get(number.wrapping_sub(1)) {
            Some(&i) => DestinationAnswer::Choose(list.items[i].id.clone()),
            None => DestinationAnswer::NotListed {
                number,
                count: shown.len(),
            },
        };
    }
    if let Some(d) = list
        .items
        .iter()
        .find(|d| d.id == answer || d.name == answer)
    {
        return DestinationAnswer::Choose(d.id.clone());
    }
    if list.haystacks.iter().any(|h| filter_matches(h, answer)) {
        DestinationAnswer::Filter(answer.to_string())
    } else {
        DestinationAnswer::NoMatch
    }
}

pub fn on_intent(flow: &mut Flow, intent: Intent) -> Vec<Effect> {
    if flow.step != Step::Destination {
        return Vec::new();
    }
    match intent {
        Intent::FilterDestinations(filter) => {
            flow.destinations.filter = filter;
            refilter(flow);
            Vec::new()
        }
        Intent::ReloadDestinations => {
            flow.destinations.items.clear();
            flow.destinations.haystacks.clear();
            flow.destinations.matches.clear();
            flow.destinations.load = Load::Loading;
            vec![list_destinations(flow, None)]
        }
        Intent::ChooseDestination(id) => choose(flow, id),
        _ => Vec::new(),
    }
}

/// Esc on the first step: back to Review when editing from there, else to the Start screen.
pub fn back(flow: &mut Flow) -> Vec<Effect> {
    if flow.return_to_review {
        return nav::back(flow, Step::Destination);
    }
    // The draft stays: Start → create comes back to it.
    flow.step = Step::Start;
    Vec::new()
}

pub fn list_destinations(flow: &mut Flow, next_token: Option<String>) -> Effect {
    let generation = flow.next_generation();
    flow.destinations.generation = generation;
    flow.destinations.retry.asking(&next_token);
    Effect::ListDestinations {
        generation,
        next_token,
    }
}

fn haystack(flow: &Flow, d: &DestinationSummary) -> String {
    destination_haystack(d, flow.connector_name(&d.cloud_connector_id))
}

pub fn rebuild_haystacks(flow: &mut Flow) {
    let haystacks = flow
        .destinations
        .items
        .iter()
        .map(|d| haystack(flow, d))
        .collect();
    flow.destinations.haystacks = haystacks;
    refilter(flow);
}

fn refilter(flow: &mut Flow) {
    let list = &mut flow.destinations;
    list.matches = matching(
        &list.filter,
        list.haystacks.iter().map(|h| Cow::Borrowed(h.as_str())),
    );
}

pub fn on_page(
    flow: &mut Flow,
    generation: Generation,
    result: Result<Page<DestinationSummary>, ServiceError>,
) -> Vec<Effect> {
    if generation != flow.destinations.generation {
        return Vec::new();
    }
    match result {
        Ok(page) => {
            flow.destinations.retry.answered();
            let new: Vec<String> = page.items.iter().map(|d| haystack(flow, d)).collect();
            flow.destinations.items.extend(page.items);
            flow.destinations.haystacks.extend(new);
            refilter(flow);
            flow.destinations.load = Load::Loaded;
            match page.next_token.filter(|t| !t.is_empty()) {
                Some(token) => {
                    flow.destinations.more = true;
                    vec![list_destinations(flow, Some(token))]
                }
                None => {
                    flow.destinations.more = false;
                    Vec::new()
                }
            }
        }
        Err(error) => {
            // Throttling or a passing failure: the same page again after the shared backoff;
            // front ends show `retry.retrying`'s line meanwhile (the list loads behind every
            // step, so it is not a notice that would pop up elsewhere).
            let error = match retry::wake_again(flow, |flow| &mut flow.destinations.retry, error) {
                Ok(wake) => return vec![wake],
                Err(error) => error,
            };
            flow.destinations.more = false;
            if flow.destinations.items.is_empty() {
                flow.destinations.load = Load::Failed(error);
            } else {
                // Keep what arrived; say the list is incomplete.
                flow.notice = Some(format!(
                    "Some destinations could not be listed: {}",
                    error.message
                ));
            }
            Vec::new()
        }
    }
}

/// The listing's retry timer: the same page again (the list loads whatever the step, as its
/// first pages did).
pub fn on_retry_woke(flow: &mut Flow) -> Vec<Effect> {
    let page = flow.destinations.retry.page();
    vec![list_destinations(flow, page)]
}

fn choose(flow: &mut Flow, id: String) -> Vec<Effect> {
    if id.is_empty() {
        flow.notice = Some("No destination selected".into());
        return Vec::new();
    }
    if matches!(&flow.destinations.detail, DetailLoad::Loading { id: loading, .. } if *loading == id)
    {
        return Vec::new();
    }
    fetch(flow, id)
}

/// GetConnectorDestination for `id`; its answer moves the flow on.
pub fn fetch(flow: &mut Flow, id: String) -> Vec<Effect> {
    let generation = flow.next_generation();
    flow.destinations.detail = DetailLoad::Loading {
        id: id.clone(),
        generation,
    };
    vec![Effect::GetDestination { generation, id }]
}

pub fn on_detail(
    flow: &mut Flow,
    generation: Generation,
    result: Result<DestinationDetail, ServiceError>,
) -> Vec<Effect> {
    let DetailLoad::Loading {
        id,
        generation: expected,
    } = &flow.destinations.detail
    else {
        return Vec::new();
    };
    if *expected != generation || flow.step != Step::Destination {
        return Vec::new();
    }
    let id = id.clone();
    match result {
        Ok(detail) => {
            flow.destinations.detail = DetailLoad::Idle;
            if !flow.details.name_edited {
                flow.details.name = validate::suggest_name(&detail.name);
            }
            // A material asked for (a flag, a resumed draft) that this destination cannot
            // take is not sent, never swapped for another one silently, and said so here, on
            // Auth and Review, and at Submit (`refused_material`).
            let problem = validate::auth_material_problem(flow.auth_material.as_deref(), &detail);
            let lacking = flow
                .auth_material
                .take_if(|material| !detail.auth_materials.contains(material));
            if let Some(reason) = &problem {
                let pick = if detail.uses_general_authorization() {
                    ": pick one"
                } else {
                    ""
                };
                flow.notice = Some(format!("{}{pick}", validate::capitalized(reason)));
            }
            flow.refused_material = problem.map(|reason| super::model::RefusedMaterial {
                reason,
                said_at_submit: false,
            });
            if lacking.is_none() && flow.auth_material.is_none() && detail.auth_materials.len() == 1
            {
                flow.auth_material = detail.auth_materials.first().cloned();
            }
            flow.destination = Some(detail);
            nav::forward(flow, Step::Destination)
        }
        Err(error) => {
            flow.destinations.detail = DetailLoad::Failed { id, error };
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    /// A throttled destination listing is asked again after the shared backoff, the reason
    /// shown meanwhile; an error waiting cannot mend ends it at once.
    #[test]
    fn a_throttled_destination_listing_is_asked_again_after_the_backoff() {
        use crate::flow::testing::*;
        use crate::flow::*;
        use crate::service::{ErrorKind, Page, ServiceError};
        let mut flow = Flow::new(options(), now());
        let effects = init(&mut flow);
        let mut generation = destinations_listing(&effects);
        for attempt in 1..=2 {
            let failed = Err(ServiceError::new(ErrorKind::Throttled, "slow down"));
            let effects = update(
                &mut flow,
                Event::DestinationsPage {
                    generation,
                    result: failed,
                },
                now(),
            );
            let [
                Effect::Wake {
                    generation: timer, ..
                },
            ] = effects[..]
            else {
                panic!("attempt {attempt}: {effects:?}")
            };
            assert_eq!(flow.take_notice(), None, "not a notice: the list shows it");
            let retrying = flow.destinations.retry.retrying.as_ref();
            let notice = retrying.map(|r| r.line()).unwrap_or_default();
            assert!(
                notice.contains("throttled — retrying in")
                    && notice.contains(&format!("(attempt {attempt})")),
                "{notice}"
            );
            assert_eq!(flow.destinations.load, model::Load::Loading, "no error yet");
            let effects = update(&mut flow, Event::Woke { generation: timer }, now());
            let [
                Effect::ListDestinations {
                    generation: again,
                    next_token: None,
                },
            ] = effects[..]
            else {
                panic!("attempt {attempt}: {effects:?}")
            };
            generation = again;
        }
        let effects = update(
            &mut flow,
            Event::DestinationsPage {
                generation,
                result: Ok(Page {
                    items: destinations(),
                    next_token: None,
                }),
            },
            now(),
        );
        assert!(effects.is_empty(), "{effects:?}");
        assert_eq!(flow.destinations.items.len(), destinations().len());
        assert_eq!(flow.destinations.retry.retrying, None, "the retry is over");
        let mut flow = Flow::new(options(), now());
        let effects = init(&mut flow);
        let generation = destinations_listing(&effects);
        let denied = Err(ServiceError::new(ErrorKind::AccessDenied, "no"));
        let effects = update(
            &mut flow,
            Event::DestinationsPage {
                generation,
                result: denied,
            },
            now(),
        );
        assert!(effects.is_empty(), "{effects:?}");
        assert!(matches!(flow.destinations.load, model::Load::Failed(_)));
    }

    #[test]
    fn a_typed_destination_is_a_number_of_the_list_shown_an_exact_name_or_a_filter() {
        use crate::flow::{DestinationAnswer, Intent, resolve_destination};
        let mut flow = crate::flow::testing::flow_with_destinations();
        let first = flow.destinations.items[flow.destinations.matches[0]]
            .id
            .clone();
        assert_eq!(
            resolve_destination(&flow, "1"),
            DestinationAnswer::Choose(first)
        );
        let name = flow.destinations.items[1].name.clone();
        let id = flow.destinations.items[1].id.clone();
        assert_eq!(
            resolve_destination(&flow, &name),
            DestinationAnswer::Choose(id)
        );
        assert_eq!(
            resolve_destination(&flow, "zzzz-nothing"),
            DestinationAnswer::NoMatch
        );
        let count = flow.destinations.matches.len();
        assert_eq!(
            resolve_destination(&flow, &(count + 1).to_string()),
            DestinationAnswer::NotListed {
                number: count + 1,
                count
            }
        );
        crate::flow::testing::send(&mut flow, Intent::FilterDestinations("lights".into()));
        assert_eq!(flow.destinations.matches.len(), 1);
        assert!(matches!(
            resolve_destination(&flow, ""),
            DestinationAnswer::Choose(_)
        ));
    }

    use crate::flow::testing::*;
    use crate::flow::*;
    use crate::service::{ErrorKind, ServiceError};

    #[test]
    fn filter_keeps_the_matching_items_in_order() {
        let mut flow = flow_with_destinations();
        send(&mut flow, Intent::FilterDestinations("GA".into()));
        let names: Vec<_> = flow
            .destinations
            .matches
            .iter()
            .map(|&i| flow.destinations.items[i].name.as_str())
            .collect();
        assert_eq!(names, ["Acme GA"]);
        send(&mut flow, Intent::FilterDestinations(String::new()));
        assert_eq!(flow.destinations.matches.len(), 2);
    }

    #[test]
    fn choosing_fetches_the_detail_then_moves_on_with_a_suggested_name() {
        let mut flow = flow_with_destinations();
        let effects = send(&mut flow, Intent::ChooseDestination("dest-oauth".into()));
        let generation = match &effects[..] {
            [Effect::GetDestination { generation, id }] if id == "dest-oauth" => *generation,
            other => panic!("{other:?}"),
        };
        // Choosing again while it loads asks nothing more.
        assert!(send(&mut flow, Intent::ChooseDestination("dest-oauth".into())).is_empty());
        answer_detail(&mut flow, generation, oauth_detail());
        assert_eq!(flow.step, Step::Details);
        assert_eq!(flow.details.name, validate::suggest_name("Acme OAuth"));
    }

    #[test]
    fn a_failed_detail_stays_on_the_step_and_a_stale_one_is_dropped() {
        let mut flow = flow_with_destinations();
        let first = generation_of(&send(
            &mut flow,
            Intent::ChooseDestination("dest-oauth".into()),
        ));
        let second = generation_of(&send(
            &mut flow,
            Intent::ChooseDestination("dest-ga".into()),
        ));
        answer_detail(&mut flow, first, oauth_detail());
        assert_eq!(flow.step, Step::Destination, "stale answer dropped");
        update(
            &mut flow,
            Event::DestinationDetail {
                generation: second,
                result: Err(ServiceError::new(ErrorKind::NotFound, "gone")),
            },
            now(),
        );
        assert_eq!(flow.step, Step::Destination);
        assert!(matches!(
            flow.destinations.detail,
            DetailLoad::Failed { .. }
        ));
    }

    #[test]
    fn a_material_the_destination_lacks_is_dropped_not_swapped() {
        let mut single = ga_detail();
        single.auth_materials = vec!["api-key".into()];
        for (asked, kept) in [(None, Some("api-key")), (Some("nope"), None)] {
            let mut flow = flow_with_destinations();
            flow.auth_material = asked.map(str::to_owned);
            let generation = generation_of(&send(
                &mut flow,
                Intent::ChooseDestination("dest-ga".into()),
            ));
            answer_detail(&mut flow, generation, single.clone());
            assert_eq!(flow.auth_material.as_deref(), kept, "asked {asked:?}");
            assert_eq!(
                flow.notice.is_some(),
                asked.is_some(),
                "said so: {:?}",
                flow.notice
            );
        }
    }

    #[test]
    fn back_on_the_first_step_returns_to_start() {
        let mut flow = flow_at_start();
        send(&mut flow, Intent::StartCreate);
        send(&mut flow, Intent::Back);
        assert_eq!(flow.step, Step::Start);
    }
}
