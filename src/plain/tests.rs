//! Plain answers through the flow; the parity with the other front ends is tested in
//! `crate::parity_tests` (a front end does not import another).

use super::*;
use iotmi_core::flow::testing::*;
use iotmi_core::flow::{Event, Options, Prefill};
use iotmi_core::service::{AssociationState, CreateRequest, ErrorKind, Page, ServiceError};

/// A flow on the destination step with both listings answered.
pub(crate) fn fresh_flow() -> Flow {
    let mut flow = destinations_without_connector_names();
    let connectors = vec![iotmi_core::service::CloudConnector {
        id: "c1".into(),
        name: "Acme Cloud".into(),
    }];
    flow::update(&mut flow, Event::Connectors(Ok(connectors)), now());
    flow
}

/// The destinations listed, ListCloudConnectors not answered yet.
fn destinations_without_connector_names() -> Flow {
    let mut flow = Flow::new(
        Options {
            first: FirstScreen::Create,
            prefill: Prefill::default(),
            ..options()
        },
        now(),
    );
    let effects = flow::init(&mut flow);
    identified(&mut flow);
    let generation = destinations_listing(&effects);
    flow::update(
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
    flow
}

pub(crate) fn plain(flow: Flow) -> Plain {
    let (_, rx) = tokio::sync::mpsc::unbounded_channel();
    Plain {
        flow,
        lines: StdinLines::from_channel(rx),
        shown: Shown::default(),
        progress: Progress::new(None),
        batch: None,
    }
}

/// Each answer through plain mode; the create requests it led to.
pub(crate) fn plain_answers(plain: &mut Plain, answers: &[&str]) -> Vec<CreateRequest> {
    let mut sent = Vec::new();
    for answer in answers {
        plain.report();
        for intent in plain.answer(answer) {
            let effects = flow::update(&mut plain.flow, intent, now());
            sent.extend(answer_effects(&mut plain.flow, &effects));
        }
    }
    sent
}

pub(crate) fn fail_submit(flow: &mut Flow) {
    let generation = current_submit(flow);
    flow::update(
        flow,
        Event::Created {
            generation,
            result: Err(ServiceError::new(ErrorKind::Validation, "no")),
        },
        now(),
    );
}

#[test]
fn one_match_is_picked_by_1_and_an_exact_name_picks_without_a_number() {
    let mut prompts = plain(fresh_flow());
    prompts.report();
    for intent in prompts.answer("lights") {
        flow::update(&mut prompts.flow, intent, now());
    }
    prompts.report();
    let prompt = prompts.prompt().expect("a prompt");
    assert!(prompt.starts_with("Destination: 1, or text"), "{prompt}");
    assert!(!prompt.contains("1-1"), "{prompt}");
    // A number picks only from the list shown: 2 is not in it.
    assert!(prompts.answer("2").is_empty());
    assert_eq!(
        prompts.answer("1"),
        [Intent::ChooseDestination("dest-oauth".into())]
    );

    let mut prompts = plain(fresh_flow());
    prompts.report();
    assert_eq!(
        prompts.answer("Acme GA"),
        [Intent::ChooseDestination("dest-ga".into())]
    );
}

/// Each answer through plain mode; every effect it led to.
fn effects_of(plain: &mut Plain, answer: &str) -> Vec<Effect> {
    plain.report();
    let intents = plain.answer(answer);
    intents
        .into_iter()
        .flat_map(|intent| flow::update(&mut plain.flow, intent, now()))
        .collect()
}

#[test]
fn manage_offers_r_after_failed_deregistrations_and_r_retries_them() {
    let mut prompts = plain(flow_in_manage());
    assert!(effects_of(&mut prompts, "1").is_empty());
    let [Effect::ListRegisteredThings { generation, .. }] = effects_of(&mut prompts, "d")[..]
    else {
        panic!("d counts what is registered first");
    };
    let result = Ok(vec![iotmi_core::service::ThingLink {
        managed_thing_id: "t1".to_string(),
        associated: true,
    }]);
    flow::update(
        &mut prompts.flow,
        Event::RegisteredThings { generation, result },
        now(),
    );
    let [Effect::DeregisterThing { generation, .. }] = effects_of(&mut prompts, "Kitchen")[..]
    else {
        panic!("the name typed deregisters the thing");
    };
    let result = Err(ServiceError::new(ErrorKind::ServerError, "boom"));
    let thing_id = "t1".to_string();
    let failed = Event::ThingDeregistered {
        generation,
        thing_id,
        result,
    };
    flow::update(&mut prompts.flow, failed, now());
    let prompt = prompts
        .prompt()
        .expect("a prompt once every deregistration settled");
    assert!(prompt.starts_with("r retries the failed ones"), "{prompt}");
    assert!(
        matches!(&effects_of(&mut prompts, "r")[..], [Effect::DeregisterThing { thing_id, .. }] if thing_id == "t1"),
        "r deregisters the failed one again"
    );
}

#[test]
fn the_destination_list_waits_for_the_connectors_names() {
    // The destinations answered first: printing now would name connectors by id, and by name
    // on a run where ListCloudConnectors happened to answer first.
    let mut plain = plain(destinations_without_connector_names());
    plain.report();
    assert_eq!(plain.shown.numbered, None, "listed before the names came");
    // Nor is the question asked before its list: an answer would pick from an unseen list.
    assert_eq!(plain.prompt(), None, "asked before the list");
    let connectors = vec![iotmi_core::service::CloudConnector {
        id: "c1".into(),
        name: "Acme Cloud".into(),
    }];
    flow::update(&mut plain.flow, Event::Connectors(Ok(connectors)), now());
    plain.report();
    assert!(plain.shown.numbered.is_some(), "listed once the names came");
    let prompt = plain.prompt().expect("asked once listed");
    assert!(prompt.starts_with("Destination: "), "{prompt}");
    // A failed ListCloudConnectors lists too (by id), rather than never.
    let mut plain = super::tests::plain(destinations_without_connector_names());
    let error = ServiceError::new(ErrorKind::AccessDenied, "no ListCloudConnectors");
    flow::update(&mut plain.flow, Event::Connectors(Err(error)), now());
    plain.report();
    assert!(plain.shown.numbered.is_some());
}

#[test]
fn the_list_question_follows_its_list_and_a_filter_in_force_is_said() {
    let mut prompts = plain(flow_in_manage());
    prompts.report();
    let listed = prompts.shown.numbered.clone().expect("listed");
    assert!(effects_of(&mut prompts, "1").is_empty());
    prompts.report();
    assert_eq!(prompts.shown.numbered, None, "a row's menu is not the list");
    effects_of(&mut prompts, "b");
    prompts.report();
    assert_eq!(
        prompts.shown.numbered.as_ref(),
        Some(&listed),
        "back on the list: listed again before its question"
    );
    // Text filters, and says so: in the list and in the question.
    effects_of(&mut prompts, "gar");
    prompts.report();
    let lines = prompts.shown.numbered.clone().expect("the filtered list");
    assert_eq!(
        lines[0], "Associations matching 'gar': 1 of 3.",
        "{lines:?}"
    );
    let prompt = prompts.prompt().expect("the list question");
    assert!(
        prompt.starts_with("Association (matching 'gar'): "),
        "{prompt}"
    );
    assert!(prompt.contains("Enter alone shows all"), "{prompt}");
    // Enter alone shows all again.
    effects_of(&mut prompts, "");
    prompts.report();
    assert_eq!(prompts.shown.numbered.as_ref(), Some(&listed));
    assert!(prompts.prompt().unwrap().starts_with("Association: "));
}

/// The tryout's D1: a deletion ending while another row's menu is open keeps that menu, and
/// the answer typed at it (`v`) shows that row's details.
#[test]
fn a_deletion_ending_meanwhile_keeps_the_menu_being_answered() {
    let mut prompts = plain(flow_in_manage());
    assert!(effects_of(&mut prompts, "3").is_empty());
    let picked = prompts.flow.manage().picked.clone().expect("picked");
    let word = prompts
        .flow
        .manage()
        .find(&picked)
        .map(flow::confirmation_word);
    let word = word.expect("listed");
    let [Effect::ListRegisteredThings { generation, .. }] = effects_of(&mut prompts, "d")[..]
    else {
        panic!("d counts what is registered first");
    };
    let result = Ok(Vec::new());
    flow::update(
        &mut prompts.flow,
        Event::RegisteredThings { generation, result },
        now(),
    );
    prompts.report();
    let prompt = prompts.prompt().expect("the confirmation");
    assert_eq!(
        prompt,
        format!("Type {word:?} to delete it (Enter alone cancels): ")
    );
    // Plain mode has no Esc: what is said before its prompt names none.
    let said = format!("{:?}", prompts.flow.manage().message);
    assert!(!said.contains("Esc"), "{said}");
    let [Effect::DeleteAssociation { generation, .. }] = effects_of(&mut prompts, &word)[..] else {
        panic!("the name typed deletes");
    };
    let effects = flow::update(
        &mut prompts.flow,
        Event::Deleted {
            generation,
            result: Ok(()),
        },
        now(),
    );
    let check = effects
        .iter()
        .find_map(|e| match e {
            Effect::CheckDeleted { generation, .. } => Some(*generation),
            _ => None,
        })
        .expect("followed until gone");
    let listing = effects
        .iter()
        .find_map(|e| match e {
            Effect::ListAssociations { generation, .. } => Some(*generation),
            _ => None,
        })
        .expect("the list reloaded");
    let mut items = vec![
        summary("aa-ok", "Kitchen", AssociationState::Succeeded),
        summary("aa-wait", "Garage", AssociationState::InProgress),
        summary("aa-bad", "Broken", AssociationState::Failed),
    ];
    for item in items.iter_mut().filter(|i| i.id == picked) {
        item.state = AssociationState::Deleting;
    }
    flow::update(
        &mut prompts.flow,
        Event::AssociationsPage {
            generation: listing,
            result: Ok(Page {
                items,
                next_token: None,
            }),
        },
        now(),
    );
    prompts.report();
    // Another row's menu is open when the deletion ends.
    let other = if picked == "aa-ok" { "2" } else { "1" };
    effects_of(&mut prompts, other);
    let menu = prompts.prompt().expect("the row's menu");
    assert!(menu.contains("v details"), "{menu}");
    flow::update(
        &mut prompts.flow,
        Event::DeleteChecked {
            generation: check,
            result: Err(ServiceError::new(ErrorKind::NotFound, "gone")),
        },
        now(),
    );
    assert_eq!(
        prompts.prompt(),
        Some(menu),
        "the menu is still the question"
    );
    let fetched = effects_of(&mut prompts, "v");
    assert!(
        matches!(&fetched[..], [Effect::FetchAssociation { .. }]),
        "v shows the row's details: {fetched:?}"
    );
}

/// Every wrong name typed at the delete confirmation is answered, not only the first: the
/// flow's error is the same each time and plain mode prints a message once.
#[test]
fn every_wrong_name_at_the_delete_confirmation_is_reported() {
    let mut prompts = plain(flow_in_manage());
    effects_of(&mut prompts, "1");
    let [Effect::ListRegisteredThings { generation, .. }] = effects_of(&mut prompts, "d")[..]
    else {
        panic!("d counts what is registered first");
    };
    let result = Ok(Vec::new());
    flow::update(
        &mut prompts.flow,
        Event::RegisteredThings { generation, result },
        now(),
    );
    prompts.report();
    for attempt in 1..=2 {
        assert!(effects_of(&mut prompts, "not the name").is_empty());
        let error = prompts.flow.manage().message.clone();
        assert!(
            matches!(&error, Some(Notice::Error(text)) if text.contains("not the name")),
            "attempt {attempt}: {error:?}"
        );
        assert_ne!(
            prompts.shown.message, error,
            "attempt {attempt}: the error is still to be printed"
        );
        prompts.report();
        assert_eq!(prompts.shown.message, error, "attempt {attempt}: printed");
    }
    assert!(
        prompts.prompt().unwrap().starts_with("Type "),
        "still asked"
    );
}

/// A yes/no question takes y, n or Enter; anything else ("yes please", "x") is told and asked
/// again, never taken for the default.
#[test]
fn a_yes_no_question_asks_again_on_anything_but_y_n_or_enter() {
    let mut flow = Flow::new(options(), now());
    let effects = flow::init(&mut flow);
    let generation = destinations_listing(&effects);
    let denied = ServiceError::new(ErrorKind::AccessDenied, "no");
    flow::update(
        &mut flow,
        Event::DestinationsPage {
            generation,
            result: Err(denied),
        },
        now(),
    );
    flow::update(&mut flow, Intent::StartCreate, now());
    let mut prompts = plain(flow);
    assert_eq!(prompts.prompt().as_deref(), Some("Retry? [Y/n]: "));
    for unclear in ["x", "yes please"] {
        assert!(prompts.answer(unclear).is_empty(), "{unclear}");
    }
    assert_eq!(prompts.answer(""), [Intent::ReloadDestinations]);
    assert_eq!(prompts.answer("N"), [Intent::Quit { interrupted: false }]);
}
