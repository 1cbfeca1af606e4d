//! The full-screen front end driven with keys: every behaviour of the onboarding as the user
//! reaches it through the keymaps (keys → intents → flow), with the service answered by hand.
//! The flow's own rules are tested per step in `iotmi_core::flow`; these tests keep the keys that
//! reach them honest.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::Instant;

use super::app::{App, HostAction, Overlay, Reaction};
use super::screens::destination::highlighted_destination;
use super::screens::tags::tag_problem;
use iotmi_core::flow::*;
use iotmi_core::journal::Journal;
use iotmi_core::service::*;
use iotmi_core::url_policy::{LaunchDecision, Launcher, SkipReason};

pub(crate) fn options() -> Options {
    Options {
        prefill: Prefill::default(),
        launch: LaunchDecision::Launch(Launcher::System),
        endpoint_is_loopback: true,
        wait_timeout: Duration::from_secs(15 * 60),
        token_seed: "seed".into(),
        token_rule: TokenRule::PerSession,
        journaled: false,
        notify: false,
        ssh: None,
        aws_cli: false,
        profiles: Vec::new(),
        last_profile: None,
        batch: None,
        held: None,
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
        // The unit tests start where most flows do; Start and Manage have tests of their own.
        first: FirstScreen::Create,
    }
}

/// The TUI's [`App`] with a hand-cranked clock, and the journal as the runtime would have
/// written it from the `Persist` effects.
pub(crate) struct Harness {
    pub app: App,
    pub now: Instant,
    /// The journal on disk: what the last `Persist` effect wrote (a resumed journal is there
    /// from the start).
    pub journal: Option<Journal>,
    /// How many `Persist` effects were handed out.
    pub persists: usize,
}

impl Harness {
    pub fn new(opts: Options) -> Self {
        let now = Instant::now();
        let journal = opts.resume.clone();
        let mut app = App::new(Flow::new(opts, now));
        // Whose account it is is known unless a test says otherwise (see identity tests).
        iotmi_core::flow::testing::set_identity(&mut app.flow, Identity::Known);
        Self {
            app,
            now,
            journal,
            persists: 0,
        }
    }
    /// Records `Persist` effects as the runtime would write them; the others are returned.
    fn absorb(&mut self, effects: Vec<Effect>) -> Vec<Effect> {
        effects
            .into_iter()
            .filter(|effect| match effect {
                Effect::Persist(journal) => {
                    self.journal = journal.clone();
                    self.persists += 1;
                    false
                }
                _ => true,
            })
            .collect()
    }
    /// Runs `init` as the driver does.
    pub fn init(&mut self) -> Vec<Effect> {
        let effects = init(&mut self.app.flow);
        self.absorb(effects)
    }
    /// A service answer (or timer) for the flow, through the app.
    pub fn send(&mut self, event: Event) -> Vec<Effect> {
        let effects = self.app.event(event, self.now);
        self.absorb(effects)
    }
    pub fn press(&mut self, key: KeyEvent) -> Reaction {
        let mut reaction = self.app.key(key, self.now);
        reaction.effects = self.absorb(std::mem::take(&mut reaction.effects));
        reaction
    }
    pub fn key(&mut self, code: KeyCode) -> Vec<Effect> {
        self.press(KeyEvent::from(code)).effects
    }
    /// What the terminal is asked to do for a key (copy, unwrapped view).
    pub fn host(&mut self, code: KeyCode) -> Vec<HostAction> {
        let reaction = self.press(KeyEvent::from(code));
        assert!(reaction.effects.is_empty(), "{:?}", reaction.effects);
        reaction.host
    }
    pub fn ctrl(&mut self, c: char) -> Vec<Effect> {
        self.press(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
            .effects
    }
    pub fn paste(&mut self, text: &str) -> Vec<Effect> {
        let reaction = self.app.paste(text, self.now);
        self.absorb(reaction.effects)
    }
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }
    pub fn advance(&mut self, by: Duration) {
        self.now += by;
    }
    /// Runs init and answers the first listing with `items` (one page).
    pub fn loaded(opts: Options, items: Vec<DestinationSummary>) -> Self {
        let mut h = Self::new(opts);
        let effects = h.init();
        let generation = list_generation(&effects);
        h.send(Event::DestinationsPage {
            generation,
            result: Ok(Page {
                items,
                next_token: None,
            }),
        });
        h
    }
    /// Enter on the highlighted destination and answer GetConnectorDestination with `detail`.
    pub fn choose(&mut self, detail: DestinationDetail) -> Vec<Effect> {
        let effects = self.key(KeyCode::Enter);
        let Some(Effect::GetDestination { generation, .. }) = effects.first().cloned() else {
            panic!("expected GetDestination, got {effects:?}")
        };
        self.send(Event::DestinationDetail {
            generation,
            result: Ok(detail),
        })
    }
    /// From Review: submit and answer with `url`.
    pub fn submit_and_create(&mut self, url: &str) -> Vec<Effect> {
        let effects = self.key(KeyCode::Enter);
        let (generation, request) = created_request(&effects);
        self.send(Event::Created {
            generation,
            result: Ok(CreatedAssociation {
                id: "assoc1".into(),
                arn: "arn:aws:iotmanagedintegrations:us-east-1:123456789012:account-association/assoc1".into(),
                state: AssociationState::InProgress,
                oauth_url: url.into(),
            }),
        })
        .into_iter()
        .chain(std::iter::once(Effect::CreateAssociation { generation, request }))
        .collect()
    }
    /// One poll: the poll falls due and GetAccountAssociation answers `state`.
    pub fn poll(&mut self, generation: u64, state: AssociationState) -> Vec<Effect> {
        self.send(Event::PollDue { generation });
        let answer = answer(&self.app.flow, state);
        self.send(Event::Polled {
            generation,
            result: Ok(answer),
        })
    }
}

pub(crate) fn list_generation(effects: &[Effect]) -> u64 {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::ListDestinations { generation, .. } => Some(*generation),
            _ => None,
        })
        .expect("a ListDestinations effect")
}

fn created_request(effects: &[Effect]) -> (u64, CreateRequest) {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::CreateAssociation {
                generation,
                request,
            } => Some((*generation, request.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("expected CreateAssociation, got {effects:?}"))
}

fn exit_outcome(effects: Vec<Effect>) -> Outcome {
    match effects.as_slice() {
        [Effect::Exit(outcome)] => outcome.clone(),
        other => panic!("expected Exit, got {other:?}"),
    }
}

fn poll_generation(effects: &[Effect]) -> u64 {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::SchedulePoll { generation, .. } => Some(*generation),
            _ => None,
        })
        .unwrap_or_else(|| panic!("expected SchedulePoll, got {effects:?}"))
}

pub(crate) fn dest(id: &str, name: &str) -> DestinationSummary {
    DestinationSummary {
        id: id.into(),
        name: name.into(),
        description: format!("{name} description"),
        cloud_connector_id: "cc1".into(),
    }
}

pub(crate) fn oauth(id: &str, name: &str) -> DestinationDetail {
    DestinationDetail {
        id: id.into(),
        name: name.into(),
        description: String::new(),
        cloud_connector_id: "cc1".into(),
        auth_materials: Vec::new(),
        has_oauth: true,
    }
}

pub(crate) fn general(id: &str, name: &str, materials: &[&str]) -> DestinationDetail {
    DestinationDetail {
        auth_materials: materials.iter().map(|m| m.to_string()).collect(),
        has_oauth: false,
        ..oauth(id, name)
    }
}

/// The service's answer about the association the flow follows (its name and destination).
fn answer(flow: &Flow, state: AssociationState) -> Association {
    let mut answer = association(state);
    if let Some(tracked) = flow.association() {
        if !tracked.name.is_empty() {
            answer.name = tracked.name.clone();
        }
        if !tracked.destination_id.is_empty() {
            answer.destination_id = tracked.destination_id.clone();
        }
    }
    answer
}

fn association(state: AssociationState) -> Association {
    Association {
        id: "assoc1".into(),
        arn: "arn:aws:iotmanagedintegrations:us-east-1:123456789012:account-association/assoc1"
            .into(),
        state,
        error_message: None,
        name: "n".into(),
        description: String::new(),
        destination_id: "d1".into(),
        oauth_url: String::new(),
        tags: Default::default(),
        auth_material: None,
    }
}

fn two_destinations() -> Vec<DestinationSummary> {
    vec![dest("d1", "Acme Cloud"), dest("d2", "Globex Home")]
}

/// Walks an OAuth destination to Review with the defaults.
fn at_review() -> Harness {
    let mut h = Harness::loaded(options(), two_destinations());
    h.choose(oauth("d1", "Acme Cloud"));
    h.key(KeyCode::Enter); // details
    h.key(KeyCode::Enter); // tags
    assert_eq!(h.app.flow.step(), Step::Review);
    h
}

#[test]
fn init_lists_destinations_connectors_account_and_region() {
    let mut opts = options();
    opts.target.region = None;
    let mut h = Harness::new(opts);
    let effects = init(&mut h.app.flow);
    assert!(effects.contains(&Effect::LoadConnectors));
    assert!(effects.contains(&Effect::LoadAccount));
    assert!(effects.contains(&Effect::LoadRegion));
    list_generation(&effects);

    // Against a custom endpoint the account is not asked (STS would go to that endpoint too).
    let mut opts = options();
    opts.target.endpoint = Some("http://127.0.0.1:1".into());
    let mut h = Harness::new(opts);
    assert!(!init(&mut h.app.flow).contains(&Effect::LoadAccount));
}

#[test]
fn all_pages_are_fetched_and_stale_pages_dropped() {
    let mut h = Harness::new(options());
    let generation = list_generation(&init(&mut h.app.flow));
    let effects = h.send(Event::DestinationsPage {
        generation,
        result: Ok(Page {
            items: vec![dest("d1", "One")],
            next_token: Some("t2".into()),
        }),
    });
    assert!(h.app.flow.destinations().more);
    let Some(Effect::ListDestinations {
        generation: second,
        next_token,
    }) = effects.first().cloned()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(next_token.as_deref(), Some("t2"));
    // A page from the superseded request is ignored.
    h.send(Event::DestinationsPage {
        generation,
        result: Ok(Page {
            items: vec![dest("x", "Stale")],
            next_token: None,
        }),
    });
    assert_eq!(h.app.flow.destinations().items.len(), 1);
    h.send(Event::DestinationsPage {
        generation: second,
        result: Ok(Page {
            items: vec![dest("d2", "Two")],
            next_token: None,
        }),
    });
    assert_eq!(h.app.flow.destinations().items.len(), 2);
    assert!(!h.app.flow.destinations().more);
    assert_eq!(h.app.flow.destinations().load, Load::Loaded);
}

#[test]
fn listing_error_offers_retry() {
    let mut h = Harness::new(options());
    let generation = list_generation(&init(&mut h.app.flow));
    h.send(Event::DestinationsPage {
        generation,
        result: Err(ServiceError::new(ErrorKind::NoCredentials, "none")),
    });
    assert!(matches!(h.app.flow.destinations().load, Load::Failed(_)));
    let effects = h.key(KeyCode::Char('r'));
    assert!(matches!(
        effects.as_slice(),
        [Effect::ListDestinations {
            next_token: None,
            ..
        }]
    ));
    assert_eq!(h.app.flow.destinations().load, Load::Loading);
}

#[test]
fn typing_filters_and_keeps_the_highlighted_item() {
    let mut h = Harness::loaded(
        options(),
        vec![
            dest("d1", "Acme Cloud"),
            dest("d2", "Globex Home"),
            dest("d3", "Acme Home"),
        ],
    );
    h.key(KeyCode::Down);
    h.key(KeyCode::Down);
    assert_eq!(highlighted_destination(&h.app).unwrap().id, "d3");
    h.type_text("acme");
    assert_eq!(h.app.flow.destinations().matches, [0, 2]);
    assert_eq!(highlighted_destination(&h.app).unwrap().id, "d3");
    h.type_text(" home");
    assert_eq!(h.app.flow.destinations().matches, [2]);
    // Terms match id and description too.
    h.key(KeyCode::Esc);
    h.type_text("d2");
    assert_eq!(highlighted_destination(&h.app).unwrap().id, "d2");
    h.type_text("zzz");
    assert!(highlighted_destination(&h.app).is_none());
    assert!(h.key(KeyCode::Enter).is_empty(), "nothing to select");
}

#[test]
fn keys_while_the_detail_loads_are_held_with_a_busy_cue() {
    let mut h = Harness::loaded(options(), two_destinations());
    let effects = h.key(KeyCode::Enter);
    let Some(Effect::GetDestination { generation, id }) = effects.first().cloned() else {
        panic!()
    };
    assert_eq!(id, "d1");
    // Moving, choosing again or typing while it loads does nothing, and says why.
    assert!(h.key(KeyCode::Down).is_empty());
    assert!(h.key(KeyCode::Enter).is_empty());
    assert!(h.key(KeyCode::Backspace).is_empty());
    assert!(h.app.ui.flash.as_deref().unwrap_or("").contains("Busy"));
    assert_eq!(h.app.ui.destination.cursor, 0);
    h.send(Event::DestinationDetail {
        generation,
        result: Ok(oauth("d1", "Acme Cloud")),
    });
    assert_eq!(h.app.flow.step(), Step::Details);
    assert_eq!(h.app.flow.destination().as_ref().unwrap().id, "d1");
    assert_eq!(
        h.app.ui.details.name.value(),
        h.app.flow.details().name,
        "name intact"
    );
    assert_eq!(
        h.app.ui.flash, None,
        "the cue went with the screen that waited"
    );
}

#[test]
fn text_typed_while_the_detail_loads_goes_into_the_next_field() {
    let mut h = Harness::loaded(options(), two_destinations());
    let effects = h.key(KeyCode::Enter);
    let Some(Effect::GetDestination { generation, .. }) = effects.first().cloned() else {
        panic!()
    };
    h.type_text("Kitchen");
    assert!(h.key(KeyCode::Char('x')).is_empty());
    h.key(KeyCode::Backspace);
    assert!(
        h.app
            .ui
            .flash
            .as_deref()
            .is_some_and(|f| f.contains("what you type is kept"))
    );
    // A command key is still dropped, and the list did not move.
    h.key(KeyCode::Down);
    assert_eq!(h.app.ui.destination.cursor, 0);
    h.send(Event::DestinationDetail {
        generation,
        result: Ok(oauth("d1", "Acme Cloud")),
    });
    assert_eq!(h.app.flow.step(), Step::Details);
    // As if typed on the Details screen: after the name it suggests ("… account").
    assert_eq!(h.app.ui.details.name.value(), "Acme Cloud accountKitchen");
    assert_eq!(h.app.flow.details().name, "Acme Cloud accountKitchen");
}

#[test]
fn text_pasted_while_the_detail_loads_goes_into_the_next_field_in_one_piece() {
    // `tmux send-keys -l Qwerty` arrives in one read: a paste, kept as typed keys are.
    let mut h = Harness::loaded(options(), two_destinations());
    let effects = h.key(KeyCode::Enter);
    let Some(Effect::GetDestination { generation, .. }) = effects.first().cloned() else {
        panic!()
    };
    assert!(h.paste("Qwerty").is_empty());
    h.type_text("Z");
    h.paste("yx");
    h.key(KeyCode::Backspace);
    assert!(
        h.app
            .ui
            .flash
            .as_deref()
            .is_some_and(|f| f.contains("what you type is kept"))
    );
    h.send(Event::DestinationDetail {
        generation,
        result: Ok(oauth("d1", "Acme Cloud")),
    });
    assert_eq!(h.app.flow.step(), Step::Details);
    assert_eq!(h.app.flow.details().name, "Acme Cloud accountQwertyZy");
}

#[test]
fn detail_error_is_shown_and_enter_retries() {
    let mut h = Harness::loaded(options(), two_destinations());
    let effects = h.key(KeyCode::Enter);
    let Some(Effect::GetDestination { generation, .. }) = effects.first().cloned() else {
        panic!()
    };
    h.send(Event::DestinationDetail {
        generation,
        result: Err(ServiceError::new(ErrorKind::AccessDenied, "no")),
    });
    assert!(matches!(
        h.app.flow.destinations().detail,
        DetailLoad::Failed { .. }
    ));
    assert!(matches!(
        h.key(KeyCode::Enter).as_slice(),
        [Effect::GetDestination { .. }]
    ));
}

#[test]
fn details_validate_live_and_back_navigation_keeps_input() {
    let mut h = Harness::loaded(options(), two_destinations());
    h.choose(oauth("d1", "Acme Cloud"));
    h.ctrl('u');
    h.type_text("My.Acme");
    assert_eq!(h.app.flow.details().name, "My.Acme");
    h.key(KeyCode::Enter);
    assert_eq!(h.app.flow.step(), Step::Details, "invalid name blocks");
    assert_eq!(h.app.flow.details().error_field, Some(DetailsField::Name));
    h.key(KeyCode::Backspace);
    h.key(KeyCode::Backspace);
    h.key(KeyCode::Backspace);
    h.key(KeyCode::Backspace);
    h.key(KeyCode::Backspace);
    h.type_text("Acme");
    h.key(KeyCode::Tab);
    h.type_text("Lab account");
    assert_eq!(h.app.ui.details.focus(), DetailsField::Description);
    assert_eq!(h.app.flow.details().name, "MyAcme");
    // Back to the destination and forward again: nothing typed is lost.
    h.key(KeyCode::Esc);
    assert_eq!(h.app.flow.step(), Step::Destination);
    h.choose(oauth("d1", "Acme Cloud"));
    assert_eq!(
        h.app.flow.details().name,
        "MyAcme",
        "an edited name is not replaced by a suggestion"
    );
    assert_eq!(h.app.flow.details().description, "Lab account");
    h.key(KeyCode::Enter);
    assert_eq!(h.app.flow.step(), Step::Tags);
    h.key(KeyCode::Esc);
    assert_eq!(h.app.flow.step(), Step::Details);
}

#[test]
fn details_tab_order_is_name_description_then_next() {
    let mut h = Harness::loaded(options(), two_destinations());
    h.choose(oauth("d1", "Acme Cloud"));
    assert_eq!(h.app.ui.details.focus(), DetailsField::Name);
    // Up on the first field and Down on the last do nothing.
    h.key(KeyCode::Up);
    assert_eq!(h.app.ui.details.focus(), DetailsField::Name);
    h.key(KeyCode::Tab);
    assert_eq!(h.app.ui.details.focus(), DetailsField::Description);
    h.key(KeyCode::Down);
    assert_eq!(h.app.ui.details.focus(), DetailsField::Description);
    h.key(KeyCode::BackTab);
    assert_eq!(h.app.ui.details.focus(), DetailsField::Name);
    h.key(KeyCode::Down);
    assert_eq!(h.app.ui.details.focus(), DetailsField::Description);
    h.key(KeyCode::Up);
    assert_eq!(h.app.ui.details.focus(), DetailsField::Name);
    // Tab from the last field goes on (validated like Enter) …
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    assert_eq!(h.app.flow.step(), Step::Tags);
    // … and Shift-Tab from the first field goes back.
    h.key(KeyCode::Esc);
    assert_eq!(h.app.flow.step(), Step::Details);
    assert_eq!(h.app.ui.details.focus(), DetailsField::Name);
    h.key(KeyCode::BackTab);
    assert_eq!(h.app.flow.step(), Step::Destination);
}

#[test]
fn tags_add_edit_delete_duplicates_and_paste() {
    let mut h = Harness::loaded(options(), two_destinations());
    h.choose(oauth("d1", "Acme Cloud"));
    h.key(KeyCode::Enter);
    assert_eq!(h.app.flow.step(), Step::Tags);
    h.key(KeyCode::Char('a'));
    h.type_text("env");
    h.key(KeyCode::Tab);
    h.type_text("prod");
    h.key(KeyCode::Enter);
    assert_eq!(
        h.app.flow.tags().rows,
        [TagRow {
            key: "env".into(),
            value: "prod".into()
        }]
    );
    // A duplicate key is refused and the editor stays open with the input.
    h.key(KeyCode::Char('a'));
    h.type_text("env");
    h.key(KeyCode::Enter);
    let edit = h.app.ui.tags.edit.as_ref().expect("still editing");
    let (field, error) = h.app.flow.tags().edit_error.as_ref().expect("refused");
    assert_eq!(*field, TagField::Key);
    assert!(error.contains("already used"));
    assert_eq!(edit.key.value(), "env");
    assert_eq!(edit.focus, TagField::Key);
    // The focus is free again after the refusal, and editing clears it.
    h.key(KeyCode::Tab);
    h.type_text("x");
    let edit = h.app.ui.tags.edit.as_ref().expect("still editing");
    assert_eq!(edit.focus, TagField::Value);
    assert_eq!(edit.value.value(), "x");
    assert!(h.app.flow.tags().edit_error.is_none());
    h.key(KeyCode::Esc);
    // Paste several pairs.
    h.paste("team=iot, owner = ops\ncost=42");
    assert_eq!(h.app.flow.tags().rows.len(), 4);
    assert_eq!(
        h.app.flow.tags().message,
        Some(Notice::Info("Added 3 tags".into()))
    );
    // A paste with a duplicate adds nothing.
    h.paste("new=1,env=dev");
    assert_eq!(h.app.flow.tags().rows.len(), 4);
    assert!(
        matches!(&h.app.flow.tags().message, Some(Notice::Error(e)) if e.contains("duplicate"))
    );
    // Edit the selected (last) row's value.
    h.key(KeyCode::Char('e'));
    h.ctrl('u');
    h.type_text("43");
    h.key(KeyCode::Enter);
    assert_eq!(h.app.flow.tags().rows[3].value, "43");
    // Delete it.
    h.key(KeyCode::Char('d'));
    assert_eq!(h.app.flow.tags().rows.len(), 3);
    assert!(h.app.flow.tags().rows.iter().all(|r| r.key != "cost"));
}

#[test]
fn at_most_fifty_tags() {
    let mut h = Harness::loaded(options(), two_destinations());
    h.choose(oauth("d1", "Acme Cloud"));
    h.key(KeyCode::Enter);
    let pairs: Vec<String> = (0..50).map(|i| format!("k{i}=v")).collect();
    h.paste(&pairs.join(","));
    assert_eq!(h.app.flow.tags().rows.len(), 50);
    h.paste("one=more");
    assert_eq!(h.app.flow.tags().rows.len(), 50);
    h.key(KeyCode::Char('a'));
    assert!(h.app.ui.tags.edit.is_none());
    assert!(matches!(&h.app.flow.tags().message, Some(Notice::Error(e)) if e.contains("50")));
}

#[test]
fn oauth_destination_skips_the_auth_step() {
    let mut h = Harness::loaded(options(), two_destinations());
    h.choose(oauth("d1", "Acme Cloud"));
    assert_eq!(h.app.flow.step_position(), (2, 6));
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    assert_eq!(h.app.flow.step(), Step::Review);
    assert_eq!(h.app.flow.step_position(), (4, 6));
    assert!(!h.app.flow.visible_steps().contains(&Step::Auth));
    h.key(KeyCode::Esc);
    assert_eq!(h.app.flow.step(), Step::Tags, "back skips Auth too");
}

#[test]
fn general_authorization_destination_asks_for_material() {
    let mut h = Harness::loaded(options(), two_destinations());
    h.choose(general("d1", "Acme Cloud", &["primary", "backup"]));
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    assert_eq!(h.app.flow.step(), Step::Auth);
    assert_eq!(h.app.flow.step_position(), (4, 6));
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Enter);
    assert_eq!(h.app.flow.step(), Step::Review);
    assert_eq!(h.app.flow.auth_material().as_deref(), Some("backup"));
    let request = pending_request(&h.app.flow).unwrap();
    assert_eq!(request.auth_material.as_deref(), Some("backup"));
    assert!(
        !h.app.flow.visible_steps().contains(&Step::Authorize),
        "no URL for General Authorization"
    );
}

#[test]
fn review_jumps_to_a_row_and_returns() {
    let mut h = at_review();
    h.key(KeyCode::Down); // Name
    h.key(KeyCode::Char('e'));
    assert_eq!(h.app.flow.step(), Step::Details);
    assert_eq!(h.app.ui.details.focus(), DetailsField::Name);
    h.type_text(" X");
    h.key(KeyCode::Enter);
    assert_eq!(
        h.app.flow.step(),
        Step::Review,
        "forward returns to Review, not Tags"
    );
    assert_eq!(h.app.flow.details().name, "Acme Cloud account X");
    // Jump to tags and back with Esc.
    h.app.ui.review.cursor = 3;
    h.key(KeyCode::Char('e'));
    assert_eq!(h.app.flow.step(), Step::Tags);
    h.key(KeyCode::Esc);
    assert_eq!(h.app.flow.step(), Step::Review);
    // Changing the destination to a General Authorization one goes through Auth first.
    h.app.ui.review.cursor = 0;
    h.key(KeyCode::Char('e'));
    assert_eq!(h.app.flow.step(), Step::Destination);
    h.key(KeyCode::Down);
    h.choose(general("d2", "Globex Home", &["m1", "m2"]));
    assert_eq!(h.app.flow.step(), Step::Auth);
    h.key(KeyCode::Enter);
    assert_eq!(h.app.flow.step(), Step::Review);
    assert_eq!(
        h.app.flow.details().name,
        "Acme Cloud account X",
        "edited name kept"
    );
}

#[test]
fn review_copies_the_cli_command() {
    let mut h = at_review();
    let host = h.host(KeyCode::Char('c'));
    let [HostAction::Copy(command)] = host.as_slice() else {
        panic!("{host:?}")
    };
    assert!(command.starts_with(
        "aws iot-managed-integrations create-account-association --connector-destination-id d1"
    ));
    assert!(command.contains("--client-token seed-0"));
}

#[test]
fn retry_reuses_the_client_token_and_edits_get_a_new_one() {
    let mut h = at_review();
    let effects = h.key(KeyCode::Enter);
    let (generation, first) = created_request(&effects);
    assert_eq!(h.app.flow.step(), Step::Submit);
    assert_eq!(first.client_token, "seed-0");
    h.send(Event::Created {
        generation,
        result: Err(ServiceError::new(ErrorKind::Timeout, "slow")),
    });
    assert!(matches!(h.app.flow.submit(), SubmitState::Failed(_)));
    // Retry: the very same request, token included.
    let (generation, retried) = created_request(&h.key(KeyCode::Char('r')));
    assert_eq!(retried, first);
    h.send(Event::Created {
        generation,
        result: Err(ServiceError::new(ErrorKind::Validation, "Name bad")),
    });
    // Edit: back to Review with every input; resubmitting unchanged keeps the token …
    h.key(KeyCode::Char('e'));
    assert_eq!(h.app.flow.step(), Step::Review);
    let (generation, same) = created_request(&h.key(KeyCode::Enter));
    assert_eq!(same.client_token, "seed-0");
    h.send(Event::Created {
        generation,
        result: Err(ServiceError::new(ErrorKind::Validation, "x")),
    });
    h.key(KeyCode::Esc);
    // … and a changed request gets a new token (same token + other parameters = conflict).
    h.app.ui.review.cursor = 1;
    h.key(KeyCode::Char('e'));
    h.type_text("2");
    h.key(KeyCode::Enter);
    let (_, changed) = created_request(&h.key(KeyCode::Enter));
    assert_eq!(changed.client_token, "seed-1");
    assert_eq!(changed.name.as_deref(), Some("Acme Cloud account2"));
}

#[test]
fn stale_create_result_is_dropped() {
    let mut h = at_review();
    let (generation, _) = created_request(&h.key(KeyCode::Enter));
    h.send(Event::Created {
        generation,
        result: Err(ServiceError::new(ErrorKind::Timeout, "slow")),
    });
    let (retry_generation, _) = created_request(&h.key(KeyCode::Char('r')));
    assert_ne!(generation, retry_generation);
    // A late answer to the first attempt does not count.
    h.send(Event::Created {
        generation,
        result: Ok(CreatedAssociation {
            id: "late".into(),
            arn: String::new(),
            state: AssociationState::InProgress,
            oauth_url: String::new(),
        }),
    });
    assert!(h.app.flow.association().is_none());
    assert_eq!(h.app.flow.step(), Step::Submit);
}

#[test]
fn created_with_url_opens_browser_and_polls_at_once() {
    let mut h = at_review();
    let effects =
        h.submit_and_create("http://127.0.0.1:9/oauth/authorize?association=assoc1&state=x");
    assert_eq!(h.app.flow.step(), Step::Authorize);
    assert!(effects.iter().any(
        |e| matches!(e, Effect::SchedulePoll { after, .. } if *after == Duration::from_secs(1))
    ));
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::OpenBrowser {
            launcher: Launcher::System,
            ..
        }
    )));
    assert_eq!(*h.app.flow.browser(), BrowserNote::Opening);
    h.send(Event::BrowserLaunched(Ok(())));
    assert_eq!(*h.app.flow.browser(), BrowserNote::Opened);
    assert_eq!(h.app.flow.step_position(), (5, 6));
}

#[test]
fn over_ssh_the_browser_is_not_launched_but_the_url_is_offered() {
    let mut opts = options();
    opts.launch = LaunchDecision::Skip(SkipReason::OverSsh);
    let mut h = Harness::loaded(opts, two_destinations());
    h.choose(oauth("d1", "Acme Cloud"));
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    let url = "https://example.com/authorize?x=1";
    let effects = h.submit_and_create(url);
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::OpenBrowser { .. }))
    );
    assert_eq!(
        *h.app.flow.browser(),
        BrowserNote::Skipped(SkipReason::OverSsh)
    );
    assert_eq!(h.host(KeyCode::Char('c')), [HostAction::Copy(url.into())]);
    assert_eq!(
        h.host(KeyCode::Char('u')),
        [HostAction::ShowUnwrapped {
            heading: "The authorization URL",
            text: url.into()
        }]
    );
    h.key(KeyCode::Char('v'));
    assert_eq!(h.app.ui.overlay, Some(Overlay::Qr));
}

#[test]
fn unsafe_urls_are_refused_not_opened() {
    for url in [
        "javascript:alert(1)",
        "http://evil.example.com/x",
        "file:///etc/passwd",
        "https://a.com/$(reboot)",
    ] {
        let mut h = at_review();
        let effects = h.submit_and_create(url);
        assert!(
            !effects
                .iter()
                .any(|e| matches!(e, Effect::OpenBrowser { .. })),
            "{url}"
        );
        assert!(
            matches!(&h.app.flow.browser(), BrowserNote::Refused(why) if why.contains("refused")),
            "{url}: {:?}",
            h.app.flow.browser()
        );
        assert!(h.key(KeyCode::Char('o')).is_empty());
    }
    // http on loopback is refused when the endpoint itself is not loopback.
    let mut opts = options();
    opts.endpoint_is_loopback = false;
    let mut h = Harness::loaded(opts, two_destinations());
    h.choose(oauth("d1", "Acme Cloud"));
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    h.submit_and_create("http://127.0.0.1:9/oauth");
    assert!(matches!(h.app.flow.browser(), BrowserNote::Refused(_)));
}

#[test]
fn polling_backs_off_after_a_minute_and_stops_on_success() {
    let mut h = at_review();
    let effects = h.submit_and_create("https://example.com/a");
    let generation = poll_generation(&effects);
    let mut intervals = Vec::new();
    for _ in 0..70 {
        h.advance(Duration::from_secs(1));
        let due = h.send(Event::PollDue { generation });
        assert_eq!(
            due,
            [Effect::GetAssociation {
                generation,
                id: "assoc1".into()
            }]
        );
        // A duplicate due while in flight does not send a second request.
        assert!(h.send(Event::PollDue { generation }).is_empty());
        let next = h.send(Event::Polled {
            generation,
            result: Ok(answer(&h.app.flow, AssociationState::InProgress)),
        });
        let [Effect::SchedulePoll { after, .. }] = next.as_slice() else {
            panic!("{next:?}")
        };
        intervals.push(*after);
    }
    assert_eq!(intervals[0], Duration::from_secs(1));
    assert_eq!(intervals[58], Duration::from_secs(1));
    assert_eq!(intervals[60], Duration::from_secs(5));
    assert_eq!(
        poll_interval(Duration::from_secs(59)),
        Duration::from_secs(1)
    );
    assert_eq!(
        poll_interval(Duration::from_secs(61)),
        Duration::from_secs(5)
    );
    h.send(Event::PollDue { generation });
    let done = h.send(Event::Polled {
        generation,
        result: Ok(answer(&h.app.flow, AssociationState::Succeeded)),
    });
    assert!(done.is_empty(), "no further poll");
    assert_eq!(h.app.flow.step(), Step::Done);
    assert!(h.app.flow.polling().is_none());
    let exit = h.key(KeyCode::Enter);
    let [Effect::Exit(outcome)] = exit.as_slice() else {
        panic!()
    };
    assert_eq!(outcome.kind, OutcomeKind::Succeeded);
    assert_eq!(
        outcome.summary.as_ref().unwrap().state,
        Some(AssociationState::Succeeded)
    );
}

#[test]
fn throttled_poll_slows_down_and_keeps_polling() {
    let mut h = at_review();
    let generation = poll_generation(&h.submit_and_create("https://example.com/a"));
    h.send(Event::PollDue { generation });
    let next = h.send(Event::Polled {
        generation,
        result: Err(ServiceError::new(ErrorKind::Throttled, "slow down")),
    });
    let retrying = h
        .app
        .flow
        .polling()
        .as_ref()
        .unwrap()
        .retrying
        .clone()
        .unwrap();
    assert!(
        matches!(next.as_slice(), [Effect::SchedulePoll { after, .. }] if *after == retrying.after)
    );
    assert_eq!(retrying.attempt, 1);
}

#[test]
fn failed_association_shows_the_message_and_exits_1() {
    let mut h = at_review();
    let generation = poll_generation(&h.submit_and_create("https://example.com/a"));
    h.send(Event::PollDue { generation });
    let mut failed = answer(&h.app.flow, AssociationState::Failed);
    failed.error_message = Some("The account owner denied access".into());
    h.send(Event::Polled {
        generation,
        result: Ok(failed),
    });
    assert_eq!(h.app.flow.step(), Step::Done);
    let outcome = exit_outcome(h.key(KeyCode::Enter));
    assert_eq!(outcome.kind, OutcomeKind::Failed);
    assert_eq!(outcome.kind.exit_code(), 3);
    assert_eq!(
        outcome.summary.unwrap().error_message.as_deref(),
        Some("The account owner denied access")
    );
}

#[test]
fn expired_token_refreshes_and_returns_to_authorize() {
    let mut h = at_review();
    let generation = poll_generation(&h.submit_and_create("https://example.com/first"));
    h.send(Event::PollDue { generation });
    h.send(Event::Polled {
        generation,
        result: Ok(answer(&h.app.flow, AssociationState::RefreshTokenExpired)),
    });
    assert_eq!(h.app.flow.step(), Step::Status);
    assert!(h.app.flow.polling().is_none());
    let effects = h.key(KeyCode::Char('r'));
    let [
        Effect::StartRefresh {
            generation: refresh,
            id,
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(id, "assoc1");
    assert!(
        h.key(KeyCode::Char('r')).is_empty(),
        "one refresh at a time"
    );
    let effects = h.send(Event::Refreshed {
        generation: *refresh,
        result: Ok("https://example.com/second".into()),
    });
    assert_eq!(h.app.flow.step(), Step::Authorize);
    assert_eq!(
        h.app.flow.association().as_ref().unwrap().oauth_url,
        "https://example.com/second"
    );
    assert_eq!(
        h.app.flow.association().as_ref().unwrap().state,
        AssociationState::InProgress
    );
    let new_generation = poll_generation(&effects);
    assert_ne!(new_generation, generation);
    // A poll answer from before the refresh is stale.
    h.send(Event::Polled {
        generation,
        result: Ok(answer(&h.app.flow, AssociationState::RefreshTokenExpired)),
    });
    assert_eq!(h.app.flow.step(), Step::Authorize);
}

#[test]
fn general_authorization_association_goes_straight_to_status() {
    let mut h = Harness::loaded(options(), two_destinations());
    h.choose(general("d1", "Acme", &["only"]));
    assert_eq!(
        h.app.flow.auth_material().as_deref(),
        Some("only"),
        "a single material is preselected"
    );
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter); // auth
    let effects = h.submit_and_create("");
    assert_eq!(h.app.flow.step(), Step::Status);
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::OpenBrowser { .. }))
    );
    poll_generation(&effects);
    assert_eq!(h.app.flow.step_position(), (6, 6));
}

#[test]
fn quitting_asks_while_busy_and_second_ctrl_c_exits() {
    let mut h = at_review();
    // Not busy: Ctrl-C exits at once with 130 and no summary.
    let mut idle = at_review();
    let outcome = exit_outcome(idle.ctrl('c'));
    assert_eq!(outcome.kind.exit_code(), 130);
    assert!(outcome.summary.is_none());

    h.submit_and_create("https://example.com/a");
    assert!(h.ctrl('c').is_empty());
    assert_eq!(
        h.app.flow.question(),
        Some(Question::ConfirmQuit { interrupted: true })
    );
    h.key(KeyCode::Esc);
    assert_eq!(h.app.flow.question(), None);
    h.key(KeyCode::Char('q'));
    assert_eq!(
        h.app.flow.question(),
        Some(Question::ConfirmQuit { interrupted: false })
    );
    let effects = h.ctrl('c');
    let [Effect::Exit(outcome)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(outcome.kind, OutcomeKind::Interrupted);
    assert_eq!(outcome.summary.as_ref().unwrap().association_id, "assoc1");
    assert!(h.app.flow.exit().is_some());
}

#[test]
fn quit_with_q_during_poll_leaves_it_in_progress_with_exit_0() {
    let mut h = at_review();
    h.submit_and_create("https://example.com/a");
    h.key(KeyCode::Char('q'));
    let outcome = exit_outcome(h.key(KeyCode::Char('y')));
    assert_eq!(outcome.kind, OutcomeKind::LeftInProgress);
    assert_eq!(outcome.kind.exit_code(), 0);
}

#[test]
fn wait_timeout_asks_to_keep_waiting_or_exit() {
    let mut opts = options();
    opts.wait_timeout = Duration::from_secs(10);
    let mut h = Harness::loaded(opts, two_destinations());
    h.choose(oauth("d1", "Acme"));
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    let generation = poll_generation(&h.submit_and_create("https://example.com/a"));
    assert_eq!(h.app.flow.step(), Step::Authorize);
    // The deadline is checked as each poll is answered (there is no clock tick in the flow).
    h.advance(Duration::from_secs(11));
    h.poll(generation, AssociationState::InProgress);
    assert_eq!(h.app.flow.step(), Step::Status);
    assert!(h.app.flow.polling().as_ref().unwrap().asking_timeout);
    h.key(KeyCode::Char('w'));
    assert!(!h.app.flow.polling().as_ref().unwrap().asking_timeout);
    h.advance(Duration::from_secs(11));
    h.poll(generation, AssociationState::InProgress);
    assert!(h.app.flow.polling().as_ref().unwrap().asking_timeout);
    let outcome = exit_outcome(h.key(KeyCode::Char('x')));
    assert_eq!(outcome.kind, OutcomeKind::LeftInProgress);
}

#[test]
fn prefilled_run_walks_to_submission_with_enter_only() {
    let mut opts = options();
    opts.prefill = Prefill {
        destination: Some("d2".into()),
        name: Some("Demo account".into()),
        description: Some("Created in a demo".into()),
        tags: vec![("env".into(), "demo".into())],
        auth_material: Some("backup".into()),
    };
    let mut h = Harness::loaded(opts, two_destinations());
    assert_eq!(
        highlighted_destination(&h.app).unwrap().id,
        "d2",
        "prefilled destination under the cursor"
    );
    h.choose(general("d2", "Globex Home", &["primary", "backup"]));
    for _ in 0..4 {
        if h.app.flow.step() == Step::Review {
            break;
        }
        h.key(KeyCode::Enter);
    }
    assert_eq!(h.app.flow.step(), Step::Review);
    let (_, request) = created_request(&h.key(KeyCode::Enter));
    assert_eq!(
        request,
        CreateRequest {
            client_token: "seed-0".into(),
            destination_id: "d2".into(),
            name: Some("Demo account".into()),
            description: Some("Created in a demo".into()),
            tags: vec![("env".into(), "demo".into())],
            auth_material: Some("backup".into()),
        }
    );
}

#[test]
fn prefilled_destination_missing_from_list_is_fetched_directly() {
    let mut opts = options();
    opts.prefill.destination = Some("hidden".into());
    let mut h = Harness::loaded(opts, vec![]);
    let effects = h.key(KeyCode::Enter);
    assert!(matches!(effects.as_slice(), [Effect::GetDestination { id, .. }] if id == "hidden"));
}

#[test]
fn paste_goes_into_the_focused_field_in_one_piece() {
    let mut h = Harness::loaded(options(), two_destinations());
    h.choose(oauth("d1", "Acme"));
    h.ctrl('u');
    h.paste("Pasted\nname");
    assert_eq!(
        h.app.flow.details().name,
        "Pasted name",
        "newlines become spaces"
    );
    h.paste(&"x".repeat(20_000));
    assert_eq!(h.app.flow.details().name.len(), 11 + 8192);
    assert!(h.app.ui.flash.as_ref().unwrap().contains("cut"));
}

#[test]
fn help_overlay_opens_and_any_key_closes_it() {
    let mut h = at_review();
    h.key(KeyCode::Char('?'));
    assert_eq!(h.app.ui.overlay, Some(Overlay::Help));
    h.key(KeyCode::Char('x'));
    assert_eq!(h.app.ui.overlay, None);
    // In a text field '?' is a character; F1 still opens help.
    let mut h = Harness::loaded(options(), two_destinations());
    h.key(KeyCode::Char('?'));
    assert_eq!(h.app.flow.destinations().filter, "?");
    h.key(KeyCode::F(1));
    assert_eq!(h.app.ui.overlay, Some(Overlay::Help));
}

#[test]
fn journal_snapshot_follows_the_draft_and_clears_when_finished() {
    let mut h = Harness::loaded(options(), two_destinations());
    assert!(h.journal.is_none(), "nothing chosen: nothing to resume");
    h.choose(oauth("d1", "Acme Cloud"));
    let saved = h.journal.clone().unwrap();
    assert_eq!(saved.step, iotmi_core::journal::SavedStep::Details);
    assert_eq!(saved.destination.as_ref().unwrap().id, "d1");
    h.key(KeyCode::Enter);
    h.paste("env=prod");
    let saved = h.journal.clone().unwrap();
    assert_eq!(saved.step, iotmi_core::journal::SavedStep::Tags);
    assert_eq!(saved.draft.tags, [("env".to_string(), "prod".to_string())]);
    h.key(KeyCode::Enter);
    let effects = h.key(KeyCode::Enter);
    let (generation, request) = created_request(&effects);
    let saved = h.journal.clone().unwrap();
    assert_eq!(
        saved.unanswered.as_ref(),
        Some(&request),
        "a submit in flight is journaled with its token"
    );
    h.send(Event::Created {
        generation,
        result: Ok(CreatedAssociation {
            id: "assoc1".into(),
            arn: String::new(),
            state: AssociationState::InProgress,
            oauth_url: "https://example.com/a".into(),
        }),
    });
    let saved = h.journal.clone().unwrap();
    assert_eq!(saved.association_id.as_deref(), Some("assoc1"));
    assert!(saved.unanswered.is_none());
    let generation = h.app.flow.polling().as_ref().unwrap().generation;
    h.send(Event::PollDue { generation });
    h.send(Event::Polled {
        generation,
        result: Ok(answer(&h.app.flow, AssociationState::Succeeded)),
    });
    assert!(h.journal.is_none(), "succeeded: the journal is cleared");
}

#[test]
fn failed_association_keeps_the_journal_until_acknowledged() {
    let mut h = at_review();
    h.submit_and_create("https://example.com/a");
    let generation = h.app.flow.polling().as_ref().unwrap().generation;
    h.send(Event::PollDue { generation });
    h.send(Event::Polled {
        generation,
        result: Ok(answer(&h.app.flow, AssociationState::Failed)),
    });
    assert!(h.journal.is_some());
    h.key(KeyCode::Enter);
    assert!(h.journal.is_none());
}

fn resumed(journal: iotmi_core::journal::Journal) -> (Harness, Vec<Effect>) {
    let mut opts = options();
    opts.resume = Some(journal);
    let mut h = Harness::loaded(opts, two_destinations());
    assert_eq!(h.app.flow.step(), Step::Resume);
    assert!(
        h.journal.is_some() && h.persists == 0,
        "the journal stays while the question is open"
    );
    let effects = h.key(KeyCode::Enter);
    (h, effects)
}

fn saved_draft() -> iotmi_core::journal::Journal {
    let mut h = Harness::loaded(options(), two_destinations());
    h.choose(general("d2", "Globex", &["m1", "m2"]));
    h.ctrl('u');
    h.type_text("Kept name");
    h.key(KeyCode::Enter);
    h.paste("a=1,b=2");
    h.journal.clone().unwrap()
}

#[test]
fn resume_returns_to_the_step_with_every_field() {
    let (h, effects) = resumed(saved_draft());
    assert!(effects.is_empty());
    assert_eq!(h.app.flow.step(), Step::Tags);
    assert_eq!(h.app.flow.details().name, "Kept name");
    assert_eq!(
        h.app.ui.details.name.value(),
        "Kept name",
        "the field shows the resumed name"
    );
    assert_eq!(h.app.flow.tag_pairs().len(), 2);
    assert_eq!(
        h.app.flow.destination().as_ref().unwrap().auth_materials,
        ["m1", "m2"]
    );
    assert_eq!(h.app.flow.step_position(), (3, 6));
}

#[test]
fn resume_resends_an_unanswered_create_with_the_same_token() {
    let mut journal = saved_draft();
    let sent = CreateRequest {
        client_token: "old-seed-3".into(),
        destination_id: "d2".into(),
        name: Some("Kept name".into()),
        description: None,
        tags: vec![("a".into(), "1".into())],
        auth_material: Some("m1".into()),
    };
    journal.unanswered = Some(sent.clone());
    journal.token_seed = "old-seed".into();
    journal.token_counter = 3;
    let (h, effects) = resumed(journal);
    let (_, request) = created_request(&effects);
    assert_eq!(request, sent);
    assert_eq!(h.app.flow.step(), Step::Submit);
    assert_eq!(h.app.flow.client_token(), "old-seed-3");
}

#[test]
fn resume_of_a_created_association_fetches_it_and_shows_its_url() {
    let mut journal = saved_draft();
    journal.association_id = Some("assoc1".into());
    let (mut h, effects) = resumed(journal);
    let [Effect::GetAssociation { generation, id }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(id, "assoc1");
    let mut current = answer(&h.app.flow, AssociationState::InProgress);
    current.oauth_url = "https://example.com/consent".into();
    let effects = h.send(Event::Polled {
        generation: *generation,
        result: Ok(current),
    });
    assert_eq!(h.app.flow.step(), Step::Authorize);
    assert_eq!(
        h.app.flow.association().as_ref().unwrap().oauth_url,
        "https://example.com/consent"
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::SchedulePoll { .. }))
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::OpenBrowser { .. }))
    );
}

#[test]
fn discarding_the_saved_session_starts_fresh() {
    let mut opts = options();
    opts.resume = Some(saved_draft());
    let mut h = Harness::loaded(opts, two_destinations());
    h.key(KeyCode::Char('d'));
    assert_eq!(h.app.flow.step(), Step::Destination);
    assert!(h.journal.is_none());
    assert_eq!(h.app.flow.details().name, "");
    assert_eq!(h.app.ui.details.name.value(), "");
}

fn summary(id: &str, name: &str, state: AssociationState) -> AssociationSummary {
    AssociationSummary {
        id: id.into(),
        arn: format!(
            "arn:aws:iotmanagedintegrations:us-east-1:123456789012:account-association/{id}"
        ),
        state,
        error_message: None,
        name: name.into(),
        description: String::new(),
        destination_id: "d1".into(),
    }
}

/// The Start screen, then Manage with three associations listed.
fn managing() -> Harness {
    let mut opts = options();
    opts.first = FirstScreen::Start;
    let mut h = Harness::loaded(opts, two_destinations());
    assert_eq!(h.app.flow.step(), Step::Start);
    h.key(KeyCode::Down);
    let effects = h.key(KeyCode::Enter);
    assert_eq!(h.app.flow.step(), Step::Manage);
    let [
        Effect::ListAssociations {
            generation,
            next_token: None,
        },
        Effect::CountThings { .. },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    h.send(Event::AssociationsPage {
        generation: *generation,
        result: Ok(Page {
            items: vec![
                summary("a1", "Pending one", AssociationState::InProgress),
                summary("a2", "Expired one", AssociationState::RefreshTokenExpired),
                summary("a3", "Failed one", AssociationState::Failed),
            ],
            next_token: None,
        }),
    });
    h
}

fn fetched(effects: &[Effect]) -> (u64, String) {
    match effects {
        [Effect::FetchAssociation { generation, id }] => (*generation, id.clone()),
        other => panic!("expected FetchAssociation, got {other:?}"),
    }
}

#[test]
fn start_screen_chooses_create_or_manage() {
    let mut opts = options();
    opts.first = FirstScreen::Start;
    let mut h = Harness::loaded(opts, two_destinations());
    assert!(h.key(KeyCode::Enter).is_empty());
    assert_eq!(
        h.app.flow.step(),
        Step::Destination,
        "Enter picks create by default"
    );
    let h = managing();
    assert_eq!(h.app.flow.manage().items.len(), 3);
}

#[test]
fn manage_filter_details_and_authorize_an_in_progress_one() {
    let mut h = managing();
    // Letters are actions; `/` moves the keyboard to the filter.
    h.key(KeyCode::Char('/'));
    h.type_text("pending");
    h.key(KeyCode::Enter);
    assert_eq!(h.app.flow.manage().matches, [0]);
    let (generation, id) = fetched(&h.key(KeyCode::Char('a')));
    assert_eq!(id, "a1");
    let mut detail = association(AssociationState::InProgress);
    detail.id = "a1".into();
    detail.oauth_url = "https://example.com/consent".into();
    detail.tags.insert("env".into(), "prod".into());
    let effects = h.send(Event::AssociationDetail {
        generation,
        result: Ok(detail),
    });
    assert_eq!(h.app.flow.step(), Step::Authorize);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::SchedulePoll { .. }))
    );
    assert_eq!(
        h.app.flow.association().as_ref().unwrap().oauth_url,
        "https://example.com/consent"
    );
}

#[test]
fn manage_refreshes_an_expired_one() {
    let mut h = managing();
    h.key(KeyCode::Down);
    let effects = h.key(KeyCode::Char('r'));
    let [Effect::StartRefresh { generation, id }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(id, "a2");
    h.send(Event::Refreshed {
        generation: *generation,
        result: Ok("https://example.com/again".into()),
    });
    assert_eq!(h.app.flow.step(), Step::Authorize);
    // 'r' means nothing on an association that is not expired.
    let mut h = managing();
    assert!(h.key(KeyCode::Char('r')).is_empty());
}

#[test]
fn manage_retries_a_failed_one_as_a_new_draft() {
    let mut h = managing();
    h.key(KeyCode::End);
    h.key(KeyCode::Down);
    h.key(KeyCode::Down);
    let (generation, id) = fetched(&h.key(KeyCode::Char('n')));
    assert_eq!(id, "a3");
    let mut failed = association(AssociationState::Failed);
    failed.id = "a3".into();
    failed.name = "Failed one".into();
    failed.description = "Kept description".into();
    failed.tags.insert("site".into(), "oslo".into());
    let effects = h.send(Event::AssociationDetail {
        generation,
        result: Ok(failed),
    });
    let [Effect::GetDestination { generation, id }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(id, "d1");
    h.send(Event::DestinationDetail {
        generation: *generation,
        result: Ok(oauth("d1", "Acme")),
    });
    assert_eq!(h.app.flow.step(), Step::Details);
    assert_eq!(h.app.flow.details().name, "Failed one");
    assert_eq!(h.app.flow.details().description, "Kept description");
    assert_eq!(h.app.ui.details.name.value(), "Failed one");
    assert_eq!(h.app.ui.details.description.value(), "Kept description");
    assert_eq!(
        h.app.flow.tag_pairs(),
        [("site".to_string(), "oslo".to_string())]
    );
    assert!(
        h.app.flow.association().is_none(),
        "a new association, not the failed one"
    );
}

#[test]
fn manage_delete_needs_the_exact_name_and_explains_conflicts() {
    let mut h = managing();
    let counting = h.key(KeyCode::Char('d'));
    let [Effect::ListRegisteredThings { generation, .. }] = counting.as_slice() else {
        panic!("{counting:?}")
    };
    assert!(
        h.app.flow.manage().confirm_delete.is_none(),
        "counted first"
    );
    h.send(Event::RegisteredThings {
        generation: *generation,
        result: Ok(Vec::new()),
    });
    assert!(h.app.flow.manage().confirm_delete.is_some());
    h.type_text("Pending");
    assert!(h.key(KeyCode::Enter).is_empty());
    assert!(
        matches!(&h.app.flow.manage().message, Some(Notice::Error(e)) if e.contains("not the name"))
    );
    h.type_text(" one");
    let effects = h.key(KeyCode::Enter);
    let [Effect::DeleteAssociation { generation, id }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(id, "a1");
    assert!(h.app.flow.busy(), "a delete in flight asks before quitting");
    h.send(Event::Deleted {
        generation: *generation,
        result: Err(ServiceError::new(
            ErrorKind::Conflict,
            "ConflictException: managed things",
        )),
    });
    assert!(
        matches!(&h.app.flow.manage().message, Some(Notice::Error(e)) if e.contains("d counts again"))
    );
    // Esc cancels a confirmation without deleting.
    h.key(KeyCode::Char('d'));
    assert!(
        !h.key(KeyCode::Esc)
            .iter()
            .any(|e| matches!(e, Effect::DeleteAssociation { .. }))
    );
    assert!(h.app.flow.manage().confirm_delete.is_none());
}

/// Some deregistrations failed: the footer offers `r` to try them again and Esc to leave them,
/// and `r` does (it was a refresh key here, and the flow's message named keys the TUI did not
/// bind).
#[test]
fn after_failed_deregistrations_r_retries_them_and_the_footer_says_so() {
    let mut h = managing();
    let counting = h.key(KeyCode::Char('d'));
    let [Effect::ListRegisteredThings { generation, .. }] = counting.as_slice() else {
        panic!("{counting:?}")
    };
    let things = ["t1", "t2"].map(|id| iotmi_core::service::ThingLink {
        managed_thing_id: id.into(),
        associated: true,
    });
    h.send(Event::RegisteredThings {
        generation: *generation,
        result: Ok(things.to_vec()),
    });
    h.type_text("Pending one");
    let sent = h.key(KeyCode::Enter);
    let [
        Effect::DeregisterThing { generation, .. },
        Effect::DeregisterThing { .. },
    ] = sent.as_slice()
    else {
        panic!("{sent:?}")
    };
    let generation = *generation;
    h.send(Event::ThingDeregistered {
        generation,
        thing_id: "t1".into(),
        result: Ok(()),
    });
    h.send(Event::ThingDeregistered {
        generation,
        thing_id: "t2".into(),
        result: Err(ServiceError::new(ErrorKind::ServerError, "boom")),
    });
    let backend = ratatui::backend::TestBackend::new(80, 24);
    let mut terminal = ratatui::Terminal::new(backend).unwrap();
    let theme = crate::ui::theme::Theme { color: false };
    terminal
        .draw(|frame| crate::ui::view::view(&h.app, frame, &theme))
        .unwrap();
    let screen = terminal.backend().to_string();
    assert!(
        screen.contains("r retry the failed") && screen.contains("Esc leave them registered"),
        "{screen}"
    );
    let retried = h.key(KeyCode::Char('r'));
    assert!(
        matches!(retried.as_slice(), [Effect::DeregisterThing { thing_id, .. }] if thing_id == "t2"),
        "{retried:?}"
    );
}

#[test]
fn manage_keeps_a_saved_session_for_later() {
    let mut opts = options();
    opts.first = FirstScreen::Manage;
    let journal = saved_draft();
    opts.resume = Some(journal.clone());
    let h = Harness::loaded(opts, two_destinations());
    assert_eq!(
        h.app.flow.step(),
        Step::Manage,
        "--manage goes straight to the list"
    );
    assert_eq!(
        (h.journal.clone(), h.persists),
        (Some(journal), 0),
        "the journal is neither cleared nor changed"
    );
}

/// `n` destinations named `Dest 000`…
fn many_destinations(n: usize) -> Vec<DestinationSummary> {
    (0..n)
        .map(|i| DestinationSummary {
            id: format!("d{i:03}"),
            name: format!("Dest {i:03}"),
            description: String::new(),
            cloud_connector_id: "c1".into(),
        })
        .collect()
}

#[test]
fn lists_move_like_fzf_home_end_and_a_visible_page() {
    let mut h = Harness::loaded(options(), many_destinations(40));
    // Draw once at 80x24, as the driver does, so the list knows its height.
    let backend = ratatui::backend::TestBackend::new(80, 24);
    let mut terminal = ratatui::Terminal::new(backend).unwrap();
    let theme = crate::ui::theme::Theme { color: false };
    let mut draw = |h: &Harness| {
        terminal
            .draw(|frame| crate::ui::view::view(&h.app, frame, &theme))
            .unwrap();
        terminal.backend().to_string()
    };
    let screen = draw(&h);
    let rows = h.app.ui.destination.window.rows.get();
    assert!(rows > 5, "{rows} visible rows");
    assert!(screen.contains("Destinations 1 of 40"), "{screen}");
    h.key(KeyCode::PageDown);
    assert_eq!(h.app.ui.destination.cursor, rows, "one visible page");
    h.key(KeyCode::End);
    assert_eq!(h.app.ui.destination.cursor, 39);
    let screen = draw(&h);
    assert!(
        screen.contains("40 of 40") && screen.contains("Dest 039"),
        "{screen}"
    );
    // Up moves the cursor inside the window; the window does not scroll with it.
    h.key(KeyCode::Up);
    let screen = draw(&h);
    assert!(screen.contains("Dest 039"), "the window stayed: {screen}");
    h.key(KeyCode::PageUp);
    assert_eq!(h.app.ui.destination.cursor, 38 - rows);
    h.key(KeyCode::Home);
    assert_eq!(h.app.ui.destination.cursor, 0);
    // Typing still filters.
    h.type_text("03");
    // Dest 003 and Dest 030 to 039.
    assert_eq!(h.app.flow.destinations().matches.len(), 11);
    assert!(draw(&h).contains("Destinations 1 of 11"));
}

#[test]
fn a_key_typed_as_k_equals_v_splits_and_a_duplicate_is_flagged_while_typing() {
    let mut h = Harness::loaded(options(), two_destinations());
    h.choose(oauth("d1", "Acme Cloud"));
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char('a'));
    h.type_text("env=prod");
    let edit = h.app.ui.tags.edit.as_ref().expect("editing");
    assert_eq!(
        (edit.key.value(), edit.value.value(), edit.focus),
        ("env", "prod", TagField::Value)
    );
    h.key(KeyCode::Enter);
    assert_eq!(h.app.flow.tag_pairs(), [("env".into(), "prod".into())]);
    // A second `env` is flagged as it is typed, before any Enter.
    h.key(KeyCode::Char('a'));
    h.type_text("env");
    assert_eq!(
        tag_problem(&h.app),
        Some((TagField::Key, "tag key 'env' is already used".into()))
    );
    h.type_text("2");
    assert_eq!(tag_problem(&h.app), None);
    // `k=v` pasted after a key was begun: the two fields.
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('a'));
    h.type_text("si");
    h.paste("te=hq");
    let edit = h.app.ui.tags.edit.as_ref().expect("editing");
    assert_eq!((edit.key.value(), edit.value.value()), ("site", "hq"));
}

#[test]
fn the_failed_screen_retries_as_new_in_one_key() {
    let mut h = at_review();
    let effects = h.submit_and_create("https://auth.example/x");
    let first = created_request(&effects).1;
    let poll = poll_generation(&effects);
    h.poll(poll, AssociationState::Failed);
    assert_eq!(h.app.flow.step(), Step::Done);
    h.key(KeyCode::Char('n'));
    assert_eq!(h.app.flow.step(), Step::Review);
    let effects = h.key(KeyCode::Enter);
    let (_, again) = created_request(&effects);
    assert_eq!(again.name, first.name);
    assert_ne!(again.client_token, first.client_token);
}

#[test]
fn a_reload_keeps_the_highlight_on_its_association_or_the_row_that_took_its_place() {
    let mut h = managing();
    h.key(KeyCode::Down);
    h.key(KeyCode::Down);
    let reload = |h: &mut Harness, items: Vec<AssociationSummary>| {
        let effects = h.key(KeyCode::Char('g'));
        let generation = effects
            .iter()
            .find_map(|e| match e {
                Effect::ListAssociations { generation, .. } => Some(*generation),
                _ => None,
            })
            .expect("a listing");
        h.send(Event::AssociationsPage {
            generation,
            result: Ok(Page {
                items,
                next_token: None,
            }),
        });
    };
    // Listed in another order: the highlight follows "Failed one".
    reload(
        &mut h,
        vec![
            summary("a3", "Failed one", AssociationState::Failed),
            summary("a1", "Pending one", AssociationState::InProgress),
            summary("a2", "Expired one", AssociationState::RefreshTokenExpired),
        ],
    );
    assert_eq!(highlighted(&h), Some("a3"));
    h.key(KeyCode::Down);
    assert_eq!(highlighted(&h), Some("a1"));
    // Deleted elsewhere: the row that took its place, not the top.
    reload(
        &mut h,
        vec![
            summary("a3", "Failed one", AssociationState::Failed),
            summary("a2", "Expired one", AssociationState::RefreshTokenExpired),
        ],
    );
    assert_eq!(highlighted(&h), Some("a2"));
}

fn highlighted(h: &Harness) -> Option<&str> {
    crate::ui::screens::manage::highlighted_association(&h.app).map(|a| a.id.as_str())
}
