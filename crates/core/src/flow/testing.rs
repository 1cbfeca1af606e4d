//! Builders for the flow's tests: a flow at a given step, service answers, look-ups in effects.

use std::sync::OnceLock;

use std::time::Instant;

use super::*;
use crate::journal::{Journal, SavedStep, VERSION};
use crate::service::*;
use crate::url_policy::{LaunchDecision, SkipReason};

pub const SEED: &str = "seed0123456789abcdef0123";

/// One fixed instant for a test run.
pub fn now() -> Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    *START.get_or_init(Instant::now)
}

pub fn options() -> Options {
    Options {
        prefill: Prefill::default(),
        launch: LaunchDecision::Skip(SkipReason::Disabled),
        endpoint_is_loopback: false,
        wait_timeout: super::DEFAULT_WAIT_TIMEOUT,
        token_seed: SEED.into(),
        token_rule: TokenRule::PerSession,
        journaled: false,
        notify: false,
        ssh: None,
        aws_cli: false,
        profiles: Vec::new(),
        last_profile: None,
        target: Target {
            profile: "default".into(),
            region: Some("us-east-1".into()),
            endpoint: None,
            account: None,
            credentials: "SSO".into(),
            ..Target::default()
        },
        resume: None,
        notice: None,
        held: None,
        first: FirstScreen::Start,
        batch: None,
    }
}

pub fn send(flow: &mut Flow, intent: Intent) -> Vec<Effect> {
    update(flow, intent, now())
}

pub fn flow_at_start() -> Flow {
    let mut flow = Flow::new(options(), now());
    init(&mut flow);
    identified(&mut flow);
    flow
}

/// GetCallerIdentity answered: the account is known, so submitting is allowed.
pub fn identified(flow: &mut Flow) {
    update(
        flow,
        Event::Identity(Ok(crate::service::CallerIdentity {
            account: "123456789012".into(),
            arn: "arn:aws:sts::123456789012:assumed-role/Onboarding/alice".into(),
        })),
        now(),
    );
}

pub fn destinations() -> Vec<DestinationSummary> {
    vec![
        DestinationSummary {
            id: "dest-oauth".into(),
            name: "Acme OAuth".into(),
            description: "lights".into(),
            cloud_connector_id: "c1".into(),
        },
        DestinationSummary {
            id: "dest-ga".into(),
            name: "Acme GA".into(),
            description: "plugs".into(),
            cloud_connector_id: "c1".into(),
        },
    ]
}

pub fn oauth_detail() -> DestinationDetail {
    DestinationDetail {
        id: "dest-oauth".into(),
        name: "Acme OAuth".into(),
        description: "lights".into(),
        cloud_connector_id: "c1".into(),
        auth_materials: vec![],
        has_oauth: true,
    }
}

pub fn ga_detail() -> DestinationDetail {
    DestinationDetail {
        id: "dest-ga".into(),
        name: "Acme GA".into(),
        description: "plugs".into(),
        cloud_connector_id: "c1".into(),
        auth_materials: vec!["api-key".into(), "token".into()],
        has_oauth: false,
    }
}

/// On step 1 with the two destinations listed.
pub fn flow_with_destinations() -> Flow {
    flow_with_destinations_from(options())
}

/// On step 1 with the two destinations listed, started from `options` (a prefill…).
pub fn flow_with_destinations_from(options: Options) -> Flow {
    let mut flow = Flow::new(options, now());
    let effects = init(&mut flow);
    identified(&mut flow);
    let generation = destinations_listing(&effects);
    update(
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
    send(&mut flow, Intent::StartCreate);
    flow
}

/// The generation of the ListConnectorDestinations among `effects`.
pub fn destinations_listing(effects: &[Effect]) -> Generation {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::ListDestinations { generation, .. } => Some(*generation),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no listing in {effects:?}"))
}

pub fn generation_of(effects: &[Effect]) -> Generation {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::GetDestination { generation, .. }
            | Effect::CreateAssociation { generation, .. }
            | Effect::GetAssociation { generation, .. }
            | Effect::StartRefresh { generation, .. } => Some(*generation),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no request in {effects:?}"))
}

/// Answers the GetConnectorDestination among `effects` (with [`oauth_detail`]); the create
/// request among them, if any.
pub fn answer_effects(flow: &mut Flow, effects: &[Effect]) -> Option<CreateRequest> {
    for effect in effects {
        match effect {
            Effect::GetDestination { generation, .. } => {
                answer_detail(flow, *generation, oauth_detail())
            }
            Effect::CreateAssociation { request, .. } => return Some(request.clone()),
            _ => {}
        }
    }
    None
}

pub fn answer_detail(flow: &mut Flow, generation: Generation, detail: DestinationDetail) {
    update(
        flow,
        Event::DestinationDetail {
            generation,
            result: Ok(detail),
        },
        now(),
    );
}

fn walk_to(flow: &mut Flow, detail: DestinationDetail, step: Step) {
    let id = detail.id.clone();
    let generation = generation_of(&send(flow, Intent::ChooseDestination(id)));
    answer_detail(flow, generation, detail);
    let order = [Step::Details, Step::Tags, Step::Auth, Step::Review];
    for at in order {
        if flow.step == step {
            return;
        }
        assert_eq!(flow.step, at, "walking to {step:?}");
        if at == Step::Auth {
            send(flow, Intent::ChooseMaterial("api-key".into()));
        } else {
            send(flow, Intent::Next);
        }
    }
    assert_eq!(flow.step, step);
}

/// An OAuth draft walked to `step` (Details, Tags or Review).
pub fn flow_at(step: Step) -> Flow {
    let mut flow = flow_with_destinations();
    walk_to(&mut flow, oauth_detail(), step);
    flow
}

/// An OAuth draft started from `options` (a token rule, a prefill…), walked to `step`.
pub fn flow_at_from(options: Options, step: Step) -> Flow {
    let mut flow = flow_with_destinations_from(options);
    walk_to(&mut flow, oauth_detail(), step);
    flow
}

/// A General Authorization draft walked to `step`.
pub fn flow_at_ga(step: Step) -> Flow {
    let mut flow = flow_with_destinations();
    walk_to(&mut flow, ga_detail(), step);
    flow
}

pub fn created_request(effects: &[Effect]) -> CreateRequest {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::CreateAssociation { request, .. } => Some(request.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no CreateAssociation in {effects:?}"))
}

pub fn current_submit(flow: &Flow) -> Generation {
    match flow.submit {
        SubmitState::InFlight { generation } => generation,
        ref other => panic!("no submit in flight: {other:?}"),
    }
}

pub fn answer_created(flow: &mut Flow, generation: Generation, url: &str) -> Vec<Effect> {
    update(
        flow,
        Event::Created {
            generation,
            result: Ok(CreatedAssociation {
                id: "aa-1".into(),
                arn:
                    "arn:aws:iotmanagedintegrations:us-east-1:123456789012:account-association/aa-1"
                        .into(),
                state: AssociationState::InProgress,
                oauth_url: url.into(),
            }),
        },
        now(),
    )
}

pub fn poll_generation(effects: &[Effect]) -> Generation {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::SchedulePoll { generation, .. } | Effect::GetAssociation { generation, .. } => {
                Some(*generation)
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no poll in {effects:?}"))
}

pub fn association(state: AssociationState) -> Association {
    Association {
        id: "aa-1".into(),
        arn: "arn:aws:iotmanagedintegrations:us-east-1:123456789012:account-association/aa-1"
            .into(),
        state,
        error_message: None,
        name: "Acme OAuth".into(),
        description: String::new(),
        destination_id: "dest-oauth".into(),
        oauth_url: String::new(),
        tags: Default::default(),
        auth_material: None,
    }
}

/// The service's answer about the association the flow follows (its own name and destination).
pub fn answer_poll(
    flow: &mut Flow,
    generation: Generation,
    state: AssociationState,
) -> Vec<Effect> {
    let answer = followed(flow, state);
    update(
        flow,
        Event::Polled {
            generation,
            result: Ok(answer),
        },
        now(),
    )
}

/// [`association`] as the one the flow follows: its id, name and destination.
pub fn followed(flow: &Flow, state: AssociationState) -> Association {
    let mut answer = association(state);
    if let Some(tracked) = &flow.association {
        answer.id = tracked.id.clone();
        if !tracked.name.is_empty() {
            answer.name = tracked.name.clone();
        }
        if !tracked.destination_id.is_empty() {
            answer.destination_id = tracked.destination_id.clone();
        }
    }
    answer
}

pub fn saved_journal() -> Journal {
    Journal {
        version: VERSION,
        saved_at: 0,
        step: SavedStep::Review,
        destination: Some(oauth_detail()),
        draft: crate::draft::Draft {
            name: Some("Saved name".into()),
            tags: vec![("env".into(), "prod".into())],
            ..Default::default()
        },
        token_seed: SEED.into(),
        token_counter: 2,
        unanswered: None,
        association_id: None,
        devices: None,
    }
}

pub fn journal_request(journal: &Journal) -> CreateRequest {
    CreateRequest {
        client_token: token::client_token(&journal.token_seed, journal.token_counter),
        destination_id: "dest-oauth".into(),
        name: journal.draft.name.clone(),
        description: None,
        tags: journal.draft.tags.clone(),
        auth_material: None,
    }
}

pub fn flow_with_resume(journal: Journal) -> Flow {
    let mut flow = Flow::new(
        Options {
            resume: Some(journal),
            ..options()
        },
        now(),
    );
    init(&mut flow);
    identified(&mut flow);
    flow
}

pub fn summary(id: &str, name: &str, state: AssociationState) -> AssociationSummary {
    AssociationSummary {
        id: id.into(),
        arn: format!(
            "arn:aws:iotmanagedintegrations:us-east-1:123456789012:account-association/{id}"
        ),
        state,
        error_message: None,
        name: name.into(),
        description: String::new(),
        destination_id: "dest-oauth".into(),
    }
}

/// On Manage with three associations: succeeded, in progress and failed.
pub fn flow_in_manage() -> Flow {
    let mut flow = flow_at_start();
    let effects = send(&mut flow, Intent::StartManage);
    let generation = match &effects[..] {
        [
            Effect::ListAssociations { generation, .. },
            Effect::CountThings { .. },
        ] => *generation,
        other => panic!("{other:?}"),
    };
    update(
        &mut flow,
        Event::AssociationsPage {
            generation,
            result: Ok(Page {
                items: vec![
                    summary("aa-ok", "Kitchen", AssociationState::Succeeded),
                    summary("aa-wait", "Garage", AssociationState::InProgress),
                    summary("aa-bad", "Broken", AssociationState::Failed),
                ],
                next_token: None,
            }),
        },
        now(),
    );
    flow
}

/// Puts the flow in a state a test or bench starts from without walking there.
pub fn set_identity(flow: &mut Flow, identity: Identity) {
    flow.identity = identity;
}

/// Opens the Devices step on `view` (benches: a large discovered list without the calls).
pub fn open_devices(flow: &mut Flow, view: DevicesView) {
    flow.devices = Some(view);
    flow.step = Step::Devices;
}
