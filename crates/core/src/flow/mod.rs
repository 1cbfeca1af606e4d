//! The onboarding flow as a pure state machine shared by every front end (full-screen UI,
//! plain prompts, scripted commands). [`update`] takes the state and one [`Input`] — a semantic
//! [`Intent`] from the user or an [`Event`] from the service — and returns [`Effect`]s as data
//! that the runtime (`crate::runtime`) carries out. No I/O, clock or randomness in here: time
//! arrives as an argument and the ClientToken seed comes from outside. No terminal crate either:
//! keys, text-input widgets and overlays belong to the front ends.
//!
//! One file per step holds that step's transitions and its tests.

pub mod command_line;
mod effect;
mod event;
mod intent;
pub mod model;
pub mod pairs;
mod persist;
pub mod token;
pub mod validate;

mod auth;
mod authorize;
mod batch;
mod deletion;
mod destination;
mod details;
mod devices;
mod follow;
mod manage;
mod narration;
mod nav;
mod owner;
mod resume;
pub mod retry;
mod review;
mod start;
mod status;
mod submit;
mod tags;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

use std::time::Instant;

/// The list filter's match rule (for plain mode's "does anything match?").
pub use crate::filter::filter_matches;
pub use auth::material_by_answer;
pub use authorize::{
    LoopbackOverSsh, browser_skipped_line, loopback_over_ssh, out_of_reach_over_ssh, shown_url,
    sign_in, vetted_url,
};
pub use batch::{
    BATCH_CONCURRENCY, BatchPhase, BatchPlan, BatchRun, BatchTally, ROW_ATTEMPTS, RowDevices,
    RowRun, RowState, fresh_journal, row_owner_actions, row_state_label, row_url,
};
pub use deletion::{DEREGISTER_CONCURRENCY, Deletion, DeletionEnd, DeletionPhase};
pub use destination::{DestinationAnswer, LIST_MAX, resolve as resolve_destination};
pub use details::errors as details_errors;
pub use devices::picks as device_picks;
pub use effect::Effect;
pub use event::Event;
pub use intent::Intent;
pub use manage::{ManageCommand, confirmation_word, numbered_association};
pub use model::*;
pub use narration::{
    association_detail, association_lines, destination_lines, devices_news, error_lines,
    identity_lines, material_lines, numbers, opening_lines, profile_lines, remedy, resume_summary,
    review_lines, second_run_summary, tag_news, tags_intro, tags_text, target_place,
};
pub use nav::quit_warning;
pub use owner::{OwnerAction, owner_actions};
pub use review::{pending_request, review_command, review_values};
pub use start::{profile_by_answer, region_for_profile};
pub use status::{
    DEFAULT_WAIT_TIMEOUT, POLL_BACKOFF_AFTER, POLL_FAST, POLL_SLOW, poll_interval, refresh_warning,
};
pub use tags::problem as tag_problem;

use crate::draft::Draft;
use crate::journal::Journal;
use crate::service::{
    AssociationState, CreateRequest, DestinationDetail, DestinationSummary, ServiceError,
};

/// Which request a result answers: a result whose generation is no longer current (the user
/// went back, retried or refreshed meanwhile) is dropped.
pub type Generation = u64;

/// What the flow is told: the user's intent, or what a service call (or timer) answered.
#[derive(Debug)]
pub enum Input {
    Intent(Intent),
    Event(Event),
}

impl From<Intent> for Input {
    fn from(intent: Intent) -> Self {
        Input::Intent(intent)
    }
}

impl From<Event> for Input {
    fn from(event: Event) -> Self {
        Input::Event(event)
    }
}

pub struct Flow {
    step: Step,
    /// No profile was named and the config files have several: the Start screen offers them
    /// before anything is asked of the service.
    picking_profile: bool,
    opts: Options,
    target: Target,
    /// Whose account this is: known before anything can be submitted.
    identity: Identity,
    now: Instant,
    next_generation: Generation,
    destinations: DestinationList,
    /// The chosen destination, with what GetConnectorDestination said of its auth.
    destination: Option<DestinationDetail>,
    details: Details,
    tags: Tags,
    auth_material: Option<String>,
    /// The auth material given (flags, a resumed draft) that the chosen destination cannot take
    /// (see [`validate::auth_material_problem`]): said on Auth and Review, and the first Submit
    /// is refused with it, so it is never dropped unseen.
    refused_material: Option<RefusedMaterial>,
    /// Editing a row from Review: forward goes back to Review.
    return_to_review: bool,
    /// The association on Authorize/State was picked in Manage: Esc, and Enter once it is
    /// final, go back to the list.
    return_to_manage: bool,
    /// Token counter; bumped when a request differing from the last one sent is submitted.
    token_counter: u32,
    last_sent: Option<CreateRequest>,
    submit: SubmitState,
    association: Option<Tracked>,
    /// An existing association being looked up to follow (`Intent::Follow`).
    following: Option<Following>,
    browser: BrowserNote,
    polling: Option<Polling>,
    refresh: RefreshState,
    manage: ManageView,
    /// The Devices step, once opened.
    devices: Option<DevicesView>,
    /// `batch FILE`'s run.
    batch: Option<batch::BatchRun>,
    /// `demo`: an account-owner action on its way (see `owner`).
    owner: owner::OwnerState,
    question: Option<Question>,
    /// A one-line message about the last intent ("No destination selected"); every front end
    /// shows it, the next intent clears it.
    notice: Option<String>,
    exit: Option<Outcome>,
    /// The journal as last handed to the runtime, to persist only on change.
    persisted: Option<Journal>,
}

/// What the front ends read to draw; they change the flow only with intents ([`update`]).
impl Flow {
    pub fn step(&self) -> Step {
        self.step
    }

    pub fn picking_profile(&self) -> bool {
        self.picking_profile
    }

    pub fn opts(&self) -> &Options {
        &self.opts
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    pub fn now(&self) -> Instant {
        self.now
    }

    pub fn destinations(&self) -> &DestinationList {
        &self.destinations
    }

    pub fn destination(&self) -> &Option<DestinationDetail> {
        &self.destination
    }

    pub fn details(&self) -> &Details {
        &self.details
    }

    pub fn tags(&self) -> &Tags {
        &self.tags
    }

    pub fn auth_material(&self) -> &Option<String> {
        &self.auth_material
    }

    /// Why the auth material given cannot be sent to the chosen destination, if so.
    pub fn refused_material(&self) -> Option<&str> {
        self.refused_material.as_ref().map(|r| r.reason.as_str())
    }

    pub fn return_to_review(&self) -> bool {
        self.return_to_review
    }

    pub fn return_to_manage(&self) -> bool {
        self.return_to_manage
    }

    /// Retrying the failed create (same request, same token) can succeed: not after a
    /// ConflictException, which says the token is taken with other parameters.
    pub fn retry_can_succeed(&self) -> bool {
        !matches!(&self.submit, SubmitState::Failed(error) if error.kind == crate::service::ErrorKind::Conflict)
    }

    pub fn token_counter(&self) -> u32 {
        self.token_counter
    }

    pub fn last_sent(&self) -> &Option<CreateRequest> {
        &self.last_sent
    }

    pub fn submit(&self) -> &SubmitState {
        &self.submit
    }

    pub fn association(&self) -> &Option<Tracked> {
        &self.association
    }

    pub fn following(&self) -> &Option<Following> {
        &self.following
    }

    pub fn browser(&self) -> &BrowserNote {
        &self.browser
    }

    pub fn polling(&self) -> &Option<Polling> {
        &self.polling
    }

    pub fn refresh(&self) -> &RefreshState {
        &self.refresh
    }

    pub fn manage(&self) -> &ManageView {
        &self.manage
    }

    pub fn devices(&self) -> &Option<DevicesView> {
        &self.devices
    }

    pub fn batch(&self) -> Option<&batch::BatchRun> {
        self.batch.as_ref()
    }

    pub fn owner(&self) -> &owner::OwnerState {
        &self.owner
    }

    pub fn question(&self) -> Option<Question> {
        self.question
    }

    /// The notice of the last input, handed to the front end that shows it: a notice is
    /// output, like an effect, and is shown once.
    pub fn take_notice(&mut self) -> Option<String> {
        self.notice.take()
    }

    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    pub fn exit(&self) -> &Option<Outcome> {
        &self.exit
    }

    /// On the Resume step, not answered yet: another live run (holding the journal) is
    /// onboarding the request this run is prefilled with, so the run asks before it makes a
    /// second association.
    pub fn second_run(&self) -> Option<&crate::journal::HeldJournal> {
        second_run(&self.opts).filter(|_| self.step == Step::Resume && self.opts.resume.is_none())
    }
}

impl Flow {
    pub fn new(opts: Options, now: Instant) -> Self {
        let prefill = opts.prefill.clone();
        let picking_profile = !opts.profiles.is_empty() && opts.batch.is_none();
        let step = if opts.batch.is_some() {
            Step::Batch
        } else if picking_profile {
            Step::Start
        } else {
            first_step(&opts)
        };
        let batch = opts
            .batch
            .clone()
            .map(|plan| batch::new_run(plan, opts.endpoint_is_loopback));
        Self {
            step,
            picking_profile,
            identity: if opts.target.endpoint.is_some() {
                Identity::Endpoint
            } else {
                Identity::Checking
            },
            target: opts.target.clone(),
            now,
            next_generation: 1,
            destinations: DestinationList {
                items: Vec::new(),
                haystacks: Vec::new(),
                load: Load::Loading,
                more: false,
                generation: 0,
                filter: String::new(),
                matches: Vec::new(),
                connectors: Default::default(),
                connectors_answered: false,
                detail: DetailLoad::Idle,
                retry: Default::default(),
            },
            destination: None,
            details: Details {
                name: prefill.name.clone().unwrap_or_default(),
                description: prefill.description.clone().unwrap_or_default(),
                name_edited: prefill.name.is_some(),
                error_field: None,
            },
            tags: Tags {
                rows: prefill
                    .tags
                    .iter()
                    .map(|(key, value)| TagRow {
                        key: key.clone(),
                        value: value.clone(),
                    })
                    .collect(),
                ..Tags::default()
            },
            auth_material: prefill.auth_material.clone(),
            refused_material: None,
            return_to_review: false,
            return_to_manage: false,
            token_counter: 0,
            last_sent: None,
            submit: SubmitState::Idle,
            association: None,
            following: None,
            browser: BrowserNote::None,
            polling: None,
            refresh: RefreshState::Idle,
            manage: ManageView::default(),
            devices: None,
            batch,
            owner: Default::default(),
            question: None,
            notice: opts.notice.clone(),
            exit: None,
            persisted: opts.resume.clone(),
            opts,
        }
    }

    fn next_generation(&mut self) -> Generation {
        let generation = self.next_generation;
        self.next_generation += 1;
        generation
    }

    pub fn client_token(&self) -> String {
        self.token_for(self.token_counter)
    }

    /// The one ClientToken rule: the token given on the command line; the account's seed with
    /// the destination + name (`create`); else the session's seed and counter.
    pub fn token_for(&self, counter: u32) -> String {
        match &self.opts.token_rule {
            TokenRule::Given(given) => given.clone(),
            TokenRule::Account { seed } => {
                let destination = match &self.destination {
                    Some(destination) => destination.id.as_str(),
                    None => self.opts.prefill.destination.as_deref().unwrap_or_default(),
                };
                token::association(seed, destination, &self.details.name)
            }
            TokenRule::PerSession => token::client_token(&self.opts.token_seed, counter),
        }
    }

    pub fn uses_general_authorization(&self) -> bool {
        self.destination
            .as_ref()
            .is_some_and(DestinationDetail::uses_general_authorization)
    }

    /// The steps this run walks, for "Step k of N": Auth only for General Authorization
    /// destinations, Authorize only when a URL is (or will be) handed out.
    pub fn visible_steps(&self) -> Vec<Step> {
        let ga = self.uses_general_authorization();
        let url_expected = match &self.association {
            Some(tracked) => !tracked.oauth_url.is_empty(),
            None => !ga,
        };
        let mut steps = vec![Step::Destination, Step::Details, Step::Tags];
        if ga {
            steps.push(Step::Auth);
        }
        steps.push(Step::Review);
        if url_expected {
            steps.push(Step::Authorize);
        }
        steps.push(Step::Status);
        steps
    }

    /// (k, N) for the header; Submit counts as Review and Done as Status.
    pub fn step_position(&self) -> (usize, usize) {
        let steps = self.visible_steps();
        let shown = match self.step {
            Step::Resume | Step::Start | Step::Manage => Step::Destination,
            Step::Submit => Step::Review,
            Step::Done => Step::Status,
            other => other,
        };
        let k = steps
            .iter()
            .position(|s| *s == shown)
            .map_or(steps.len(), |i| i + 1);
        (k, steps.len())
    }

    pub fn tag_pairs(&self) -> Vec<(String, String)> {
        self.tags
            .rows
            .iter()
            .map(|r| (r.key.clone(), r.value.clone()))
            .collect()
    }

    /// The draft the current inputs make: the destination chosen (or, until its details are
    /// known, the one asked for), name, description, tags and auth material as typed.
    pub fn draft(&self) -> Draft {
        let text = |t: &String| Some(t.clone()).filter(|t| !t.is_empty());
        Draft {
            destination: match &self.destination {
                Some(destination) => Some(destination.id.clone()),
                None => self.opts.prefill.destination.clone(),
            },
            name: text(&self.details.name),
            description: text(&self.details.description),
            tags: self.tag_pairs(),
            auth_material: self.auth_material.clone(),
        }
    }

    /// The request the current inputs describe, with the current token.
    pub fn request(&self) -> Option<CreateRequest> {
        let destination = self.destination.as_ref()?;
        Some(self.draft().request(
            self.client_token(),
            destination.id.clone(),
            destination.uses_general_authorization(),
        ))
    }

    pub fn review_rows(&self) -> Vec<ReviewRow> {
        let mut rows = vec![
            ReviewRow::Destination,
            ReviewRow::Name,
            ReviewRow::Description,
            ReviewRow::Tags,
        ];
        if self.uses_general_authorization() {
            rows.push(ReviewRow::AuthMaterial);
        }
        rows
    }

    /// A request is in flight whose loss the user should confirm.
    pub fn busy(&self) -> bool {
        self.manage
            .deletion
            .as_ref()
            .is_some_and(deletion::Deletion::busy)
            || self
                .devices
                .as_ref()
                .and_then(|v| v.adoption.as_ref())
                .is_some_and(|a| !a.finished())
            || matches!(self.submit, SubmitState::InFlight { .. })
            || self.polling.is_some()
            || matches!(self.refresh, RefreshState::InFlight { .. })
            || self
                .batch
                .as_ref()
                .is_some_and(|run| *run.phase() == BatchPhase::Running)
    }

    /// The current step waits for a service answer before it can act on the user's input, so
    /// front ends hold (or drop) input meanwhile instead of letting it reach the next screen.
    pub fn waiting(&self) -> bool {
        if self
            .following
            .as_ref()
            .is_some_and(|following| following.error.is_none())
        {
            return true;
        }
        match self.step {
            Step::Destination => matches!(self.destinations.detail, DetailLoad::Loading { .. }),
            Step::Submit => matches!(self.submit, SubmitState::InFlight { .. }),
            Step::Manage => {
                self.manage
                    .deletion
                    .as_ref()
                    .is_some_and(deletion::Deletion::busy)
                    || self.manage.pending.is_some()
            }
            Step::Status => matches!(self.refresh, RefreshState::InFlight { .. }),
            Step::Devices => self.devices.as_ref().is_some_and(DevicesView::busy),
            _ => false,
        }
    }

    /// For a line front end with nothing to ask: the intent that moves the run on by itself.
    /// Done leaves (the devices offer, when made, is a question); a batch that ended leaves;
    /// the Devices step with nothing left to do goes on as Done would. None: wait for the
    /// service.
    pub fn unasked_next(&self) -> Option<Intent> {
        let leave = Intent::Quit { interrupted: false };
        match self.step {
            Step::Done => Some(leave),
            _ if self.batch.as_ref().is_some_and(|run| run.ended()) => Some(leave),
            Step::Devices if !self.waiting() => Some(Intent::Next),
            _ => None,
        }
    }

    /// Something changes on its own (a load, a request, polling): front ends animate.
    pub fn loading(&self) -> bool {
        (self.destinations.load == Load::Loading && self.step == Step::Destination)
            || (self.step == Step::Manage
                && (self.manage.load == Load::Loading || self.manage.more))
            || self.destinations.more
            || matches!(self.destinations.detail, DetailLoad::Loading { .. })
            || self.waiting()
            || self.busy()
            || self
                .batch
                .as_ref()
                .is_some_and(|run| *run.phase() == BatchPhase::Checking)
    }

    /// Inputs toward an association not created yet (a prefilled flag counts), whatever the
    /// screen: going to Start or Manage keeps them.
    pub fn has_draft(&self) -> bool {
        self.association.as_ref().is_none_or(|a| a.adopted)
            && (self.destination.is_some()
                || self.opts.prefill.destination.is_some()
                || self.details.name_edited
                || !self.details.description.is_empty()
                || !self.tags.rows.is_empty()
                || self.last_sent.is_some())
    }

    /// How the run ends now with `kind`: the summary, and what became of the draft.
    pub fn outcome(&self, kind: OutcomeKind) -> Outcome {
        let draft = match (self.has_draft(), self.opts.journaled) {
            (false, _) => DraftFate::None,
            (true, true) => DraftFate::Saved,
            (true, false) => DraftFate::Lost,
        };
        Outcome {
            kind,
            summary: self.summary(),
            draft,
            sent_unanswered: matches!(self.submit, SubmitState::InFlight { .. })
                && self.association.is_none(),
        }
    }

    /// Whose account it is is known (or a custom endpoint stands in for it): only then can
    /// anything be submitted.
    pub fn identity_known(&self) -> bool {
        matches!(self.identity, Identity::Known | Identity::Endpoint)
    }

    /// The sign-in that would fix a failed identity check: `aws sso login --profile P` for an
    /// SSO profile whose session is missing or expired.
    pub fn sso_login(&self) -> Option<Vec<String>> {
        let Identity::Failed(error) = &self.identity else {
            return None;
        };
        let sso = self.target.credentials == crate::profile::CredentialKind::Sso.label();
        (sso && matches!(
            error.kind,
            crate::service::ErrorKind::NoCredentials | crate::service::ErrorKind::AccessDenied
        ))
        .then(|| {
            [
                "aws",
                "sso",
                "login",
                "--profile",
                self.target.profile.as_str(),
            ]
            .map(String::from)
            .to_vec()
        })
    }

    /// Past the wait timeout: the flow asks "keep waiting, or leave it in progress?".
    pub fn asking_timeout(&self) -> bool {
        self.polling.as_ref().is_some_and(|p| p.asking_timeout)
    }

    pub fn summary(&self) -> Option<Summary> {
        let tracked = self.association.as_ref().or(self.manage.last.as_ref())?;
        let destination = self.destination.as_ref();
        let (found, adopted) = devices::counts(self);
        Some(Summary {
            association_id: tracked.id.clone(),
            arn: tracked.arn.clone(),
            state: (!tracked.gone()).then(|| tracked.state.clone()),
            gone: tracked.gone(),
            name: tracked.name.clone(),
            destination_id: tracked.destination_id.clone(),
            destination_name: destination
                .filter(|d| d.id == tracked.destination_id)
                .map(|d| d.name.clone())
                .unwrap_or_default(),
            error_message: tracked.error_message.clone(),
            // The hand-over form when the policy accepts it (what the screen showed and
            // copied); a refused one as it came, for the printer to sanitise.
            oauth_url: if tracked.state == AssociationState::InProgress && tracked.consentable() {
                crate::url_policy::handover_form(&tracked.oauth_url, self.opts.endpoint_is_loopback)
                    .unwrap_or_else(|_| tracked.oauth_url.clone())
            } else {
                String::new()
            },
            devices_found: found,
            devices_adopted: adopted,
        })
    }

    /// The destination with this id among those listed.
    pub fn listed_destination(&self, id: &str) -> Option<&DestinationSummary> {
        self.destinations.items.iter().find(|d| d.id == id)
    }

    pub fn connector_name(&self, id: &str) -> Option<&str> {
        self.destinations.connectors.get(id).map(String::as_str)
    }

    pub fn launch_skipped(&self) -> Option<crate::url_policy::SkipReason> {
        match self.opts.launch {
            crate::url_policy::LaunchDecision::Skip(reason) => Some(reason),
            crate::url_policy::LaunchDecision::Launch(_) => None,
        }
    }

    /// After success, the devices are offered once: the Devices step was not opened yet.
    pub fn offers_devices(&self) -> bool {
        self.step == Step::Done
            && self.devices.is_none()
            && self
                .association
                .as_ref()
                .is_some_and(|a| a.state == AssociationState::Succeeded)
    }

    /// The tracked association was created by this run's request (not followed, refreshed
    /// or picked in Manage).
    pub fn created_here(&self) -> bool {
        self.association.is_some() && self.last_sent.is_some() && !self.return_to_manage
    }

    /// The URL of the tracked association, if any.
    /// The consent URL while it can still be used: never one of an association being
    /// deleted or gone, which no front end may offer.
    pub fn oauth_url(&self) -> Option<&str> {
        self.association
            .as_ref()
            .filter(|a| a.consentable())
            .map(|a| a.oauth_url.as_str())
            .filter(|u| !u.is_empty())
    }
}

/// The first screen for these options: Manage, the resume offer (or the question about
/// another run's same request), Start or step 1.
fn first_step(opts: &Options) -> Step {
    match (opts.resume.is_some(), opts.first) {
        // An explicit --manage wins over the resume offer (the journal is kept for later).
        (_, FirstScreen::Manage) => Step::Manage,
        (true, _) => Step::Resume,
        (false, _) if second_run(opts).is_some() => Step::Resume,
        (false, FirstScreen::Start) => Step::Start,
        (false, FirstScreen::Create) => Step::Destination,
    }
}

/// The journal another live run holds, when that run is onboarding the very request this one
/// is prefilled with (see [`crate::journal::HeldJournal::same_request`]).
fn second_run(opts: &Options) -> Option<&crate::journal::HeldJournal> {
    opts.held
        .as_ref()
        .filter(|held| held.same_request(&opts.prefill))
}

/// The effects to run when the flow starts.
pub fn init(flow: &mut Flow) -> Vec<Effect> {
    // Nothing is asked of the service before the profile is picked.
    if flow.picking_profile {
        return Vec::new();
    }
    let mut effects = vec![
        Effect::LoadConnectors,
        destination::list_destinations(flow, None),
    ];
    // `--manage` opens the list as Start → `m` does: with the managed-thing counts.
    if flow.step == Step::Manage {
        effects.extend(manage::enter(flow));
    }
    if flow.target.endpoint.is_none() {
        effects.push(Effect::LoadAccount);
    }
    if flow.target.region.is_none() {
        effects.push(Effect::LoadRegion);
    }
    effects.extend(persist::persist(flow));
    effects
}

/// The only place the flow's state changes.
pub fn update(flow: &mut Flow, input: impl Into<Input>, now: Instant) -> Vec<Effect> {
    flow.now = now;
    let mut effects = match input.into() {
        Input::Intent(intent) => on_intent(flow, intent),
        Input::Event(event) => on_event(flow, event),
    };
    if let Some(Effect::Exit(outcome)) = effects.iter().find(|e| matches!(e, Effect::Exit(_))) {
        flow.exit = Some(outcome.clone());
    }
    // Persisted before the effects run: a kill during the call finds the request journaled.
    let persist = persist::persist(flow);
    effects.splice(0..0, persist);
    effects
}

fn on_intent(flow: &mut Flow, intent: Intent) -> Vec<Effect> {
    if let Intent::ManageFocusShown = intent {
        // Bookkeeping of the front end's cursor, not an action: no notice or question changes.
        flow.manage.focus = None;
        return Vec::new();
    }
    if let Some(question) = flow.question {
        return nav::answer(flow, question, intent);
    }
    flow.notice = None;
    match intent {
        Intent::Quit { interrupted } => nav::request_quit(flow, interrupted),
        Intent::ConfirmQuit | Intent::CancelQuit => Vec::new(),
        Intent::Back => nav::back_from(flow),
        Intent::Next => nav::next_from(flow),
        Intent::StartCreate
        | Intent::StartManage
        | Intent::RecheckIdentity
        | Intent::ChooseProfile { .. } => start::on_intent(flow, intent),
        Intent::Resume | Intent::Discard | Intent::MakeSecond(_) => resume::on_intent(flow, intent),
        Intent::FilterDestinations(_)
        | Intent::ChooseDestination(_)
        | Intent::ReloadDestinations => destination::on_intent(flow, intent),
        Intent::SetName(_) | Intent::SetDescription(_) => details::on_intent(flow, intent),
        Intent::SaveTag { .. }
        | Intent::RemoveTag(_)
        | Intent::ClearTags
        | Intent::PasteTags(_)
        | Intent::OpenTagEditor { .. }
        | Intent::CloseTagEditor
        | Intent::TagTextChanged => tags::on_intent(flow, intent),
        Intent::ChooseMaterial(_) => auth::on_intent(flow, intent),
        Intent::EditRow(_) | Intent::Submit => review::on_intent(flow, intent),
        Intent::Retry | Intent::EditDraft => submit::on_intent(flow, intent),
        Intent::OpenBrowser | Intent::ShowStatus | Intent::ShowAuthorize => {
            authorize::on_intent(flow, intent)
        }
        Intent::Follow(_) => follow::on_intent(flow, intent),
        Intent::KeepWaiting | Intent::LeaveInProgress | Intent::Refresh | Intent::Finish => {
            status::on_intent(flow, intent)
        }
        Intent::RetryAsNew(_) if flow.step == Step::Done => status::on_intent(flow, intent),
        Intent::ShowDevices(_)
        | Intent::StartDiscovery
        | Intent::FilterDevices(_)
        | Intent::ToggleDevice(_)
        | Intent::SelectAllDevices(_)
        | Intent::AdoptSelected
        | Intent::RetryFailedAdoptions => devices::on_intent(flow, intent),
        Intent::ActAsOwner(_) => owner::on_intent(flow, intent),
        Intent::FilterAssociations(_)
        | Intent::PickAssociation(_)
        | Intent::ReloadAssociations
        | Intent::WriteReport
        | Intent::ShowAssociation(_)
        | Intent::AuthorizeAssociation(_)
        | Intent::RefreshAssociation(_)
        | Intent::ToggleAssociation(_)
        | Intent::RetryAsNew(_)
        | Intent::AskDelete(_)
        | Intent::CancelDelete
        | Intent::RetryDeletion
        | Intent::Delete { .. } => manage::on_intent(flow, intent),
        Intent::ManageFocusShown => Vec::new(),
        Intent::OpenRowConsent(_) | Intent::ActAsRowOwner { .. } => batch::on_intent(flow, intent),
    }
}

fn on_event(flow: &mut Flow, event: Event) -> Vec<Effect> {
    match event {
        Event::Identity(result) => {
            match result {
                Ok(identity) => {
                    flow.target.account = Some(identity.account);
                    flow.target.arn = Some(identity.arn);
                    flow.identity = Identity::Known;
                }
                Err(error) => {
                    flow.target.account =
                        Some(format!("unknown ({})", error.title().to_lowercase()));
                    flow.identity = Identity::Failed(error);
                }
            }
            batch::on_loaded(flow)
        }
        Event::DiscoveryStarted { generation, result } => {
            devices::on_started(flow, generation, result)
        }
        Event::Woke { generation } if batch::owns_timer(flow, generation) => {
            batch::on_woke(flow, generation)
        }
        Event::Woke { generation } if flow.manage.retry.owns(generation) => {
            manage::on_retry_woke(flow)
        }
        Event::Woke { generation } if flow.manage.counts_retry.owns(generation) => {
            manage::on_counts_retry_woke(flow)
        }
        Event::Woke { generation } if flow.destinations.retry.owns(generation) => {
            destination::on_retry_woke(flow)
        }
        Event::Woke { generation } if generation == flow.manage.auto_generation => {
            manage::on_woke(flow, generation)
        }
        Event::Woke { generation } if follow::owns_timer(flow, generation) => follow::on_woke(flow),
        Event::Woke { generation } if deletion::owns_timer(flow, generation) => {
            deletion::on_woke(flow, generation)
        }
        Event::Woke { generation } => devices::on_woke(flow, generation),
        Event::DiscoveryPolled { generation, result } => {
            devices::on_polled(flow, generation, result)
        }
        Event::DevicesPage { generation, result } => devices::on_page(flow, generation, result),
        Event::Adopted {
            generation,
            device_id,
            result,
        } => devices::on_adopted(flow, generation, device_id, result),
        Event::ThingCounts { generation, result } => manage::on_counts(flow, generation, result),
        Event::ReportWritten { generation, result } => {
            manage::on_report_written(flow, generation, result)
        }
        Event::ProfileReady {
            resume,
            held,
            notice,
            journaled,
        } => start::on_profile_ready(flow, resume, held, notice, journaled),
        Event::Region(region) => {
            if region.is_some() {
                flow.target.region = region;
            }
            Vec::new()
        }
        Event::Connectors(result) => {
            // Names are a nicety: without them the list shows connector ids.
            flow.destinations.connectors_answered = true;
            if let Ok(connectors) = result {
                flow.destinations.connectors =
                    connectors.into_iter().map(|c| (c.id, c.name)).collect();
                destination::rebuild_haystacks(flow);
            }
            Vec::new()
        }
        Event::DestinationsPage { generation, result } if flow.step == Step::Batch => {
            batch::on_page(flow, generation, result)
        }
        Event::DestinationsPage { generation, result } => {
            destination::on_page(flow, generation, result)
        }
        Event::DestinationDetail { generation, result } if batch::owns_detail(flow, generation) => {
            batch::on_detail(flow, generation, result)
        }
        Event::RowCreated { row, result } => batch::on_created(flow, row, result),
        Event::RowPolled { row, result } => batch::on_polled(flow, row, result),
        Event::DestinationDetail { generation, result } => {
            destination::on_detail(flow, generation, result)
        }
        Event::Created { generation, result } => submit::on_created(flow, generation, result),
        Event::PollDue { generation } => status::on_poll_due(flow, generation),
        Event::Polled { generation, result } => status::on_polled(flow, generation, result),
        Event::Refreshed { generation, result } => status::on_refreshed(flow, generation, result),
        Event::AssociationsPage { generation, result } => manage::on_page(flow, generation, result),
        Event::AssociationDetail { generation, result } => {
            if follow::answers(flow, generation) {
                follow::on_detail(flow, result)
            } else {
                manage::on_detail(flow, generation, result)
            }
        }
        Event::Deleted { generation, result } => deletion::on_deleted(flow, generation, result),
        Event::RegisteredThings { generation, result }
            if devices::owns_listing(flow, generation) =>
        {
            devices::on_links(flow, generation, result)
        }
        Event::RegisteredThings { generation, result } => {
            deletion::on_counted(flow, generation, result)
        }
        Event::ThingDeregistered {
            generation,
            thing_id,
            result,
        } => deletion::on_deregistered(flow, generation, thing_id, result),
        Event::DeleteChecked { generation, result } => {
            deletion::on_checked(flow, generation, result)
        }
        Event::OwnerActed {
            generation,
            action,
            result,
        } => owner::on_acted(flow, generation, action, result),
        Event::JournalFailed(error) => {
            flow.notice = Some(format!("Progress is not being saved: {error}"));
            Vec::new()
        }
        Event::BrowserLaunched(result) => {
            flow.browser = match result {
                Ok(()) => BrowserNote::Opened,
                Err(message) => BrowserNote::LaunchFailed(message),
            };
            Vec::new()
        }
    }
}

/// A service error as one line for the notice.
pub fn error_line(error: &ServiceError) -> String {
    format!("{}: {}", error.title(), error.message)
}
