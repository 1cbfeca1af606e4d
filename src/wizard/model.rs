//! The wizard's state. Screens are states: each step has its own sub-state here and one view
//! file in `crate::ui::screens` that renders from it alone.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;
use tui_input::Input;

use super::msg::Generation;
use crate::journal::{Journal, SavedStep, VERSION};
use crate::remote::{LaunchDecision, SkipReason};
use crate::service::{
    AssociationState, CreateRequest, DestinationDetail, DestinationSummary, ServiceError,
};

/// Values given on the command line; they fill fields, the user still confirms each step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prefill {
    pub destination: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<(String, String)>,
    pub auth_material: Option<String>,
}

/// Where the association will be made, for the header.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Target {
    pub profile: String,
    pub region: Option<String>,
    /// A custom endpoint is shown instead of the account.
    pub endpoint: Option<String>,
    pub account: Option<String>,
}

/// Fixed for a run.
#[derive(Clone, Debug)]
pub struct Options {
    pub prefill: Prefill,
    /// Decided from the environment and flags before the UI starts.
    pub launch: LaunchDecision,
    /// `http://` URLs are allowed only on loopback and only when the endpoint is loopback.
    pub endpoint_is_loopback: bool,
    pub wait_timeout: Duration,
    /// Seed of the ClientToken; a counter makes one token per distinct request.
    pub token_seed: String,
    pub target: Target,
    /// An unfinished session found in the journal: offered first.
    pub resume: Option<Journal>,
    /// Shown once at start (e.g. an unreadable journal was set aside).
    pub notice: Option<String>,
    /// The first screen when nothing is prefilled or resumed.
    pub first: FirstScreen,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FirstScreen {
    /// Ask: create or manage.
    Start,
    /// Straight to the destination list (prefill flags were given).
    Create,
    /// `--manage`.
    Manage,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ManageAction {
    Authorize,
    RetryAsNew,
}

/// The Manage view: every association of the account, filterable, with actions on one.
#[derive(Clone, Debug)]
pub struct ManageView {
    pub items: Vec<crate::service::AssociationSummary>,
    pub load: Load,
    pub more: bool,
    pub generation: Generation,
    pub filter: Input,
    pub matches: Vec<usize>,
    pub cursor: usize,
    /// GetAccountAssociation of the highlighted item (with tags).
    pub detail: Option<crate::service::Association>,
    pub detail_generation: Generation,
    /// `/` moves the keyboard to the filter; otherwise letters are actions.
    pub filter_focused: bool,
    /// An action waiting for the detail it needs (URL, tags).
    pub pending: Option<ManageAction>,
    /// Typing the association's name to confirm a delete.
    pub confirm_delete: Option<Input>,
    pub delete_generation: Option<Generation>,
    pub message: Option<Notice>,
}

impl Default for ManageView {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            load: Load::Loading,
            more: false,
            generation: 0,
            filter: Input::default(),
            matches: Vec::new(),
            cursor: 0,
            detail: None,
            detail_generation: 0,
            filter_focused: false,
            pending: None,
            confirm_delete: None,
            delete_generation: None,
            message: None,
        }
    }
}

impl ManageView {
    pub fn highlighted(&self) -> Option<&crate::service::AssociationSummary> {
        self.items.get(*self.matches.get(self.cursor)?)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// Create a new association or manage existing ones.
    Start,
    /// Existing associations: details, authorize, refresh, retry, delete.
    Manage,
    /// An unfinished session exists: resume it or start fresh.
    Resume,
    Destination,
    Details,
    Tags,
    Auth,
    Review,
    Submit,
    Authorize,
    Status,
    Done,
}

impl Step {
    pub fn title(self) -> &'static str {
        match self {
            Step::Start => "Start",
            Step::Manage => "Manage account associations",
            Step::Resume => "Resume",
            Step::Destination => "Connector destination",
            Step::Details => "Name and description",
            Step::Tags => "Tags",
            Step::Auth => "Authorization",
            Step::Review => "Review",
            Step::Submit => "Submit",
            Step::Authorize => "Authorize in a browser",
            Step::Status => "Association state",
            Step::Done => "Done",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Load {
    Loading,
    Loaded,
    Failed(ServiceError),
}

/// Step 1: every destination of the account, filtered as the user types.
#[derive(Clone, Debug)]
pub struct DestinationList {
    pub items: Vec<DestinationSummary>,
    /// Lower-case "name id connector description" per item, built once per page.
    pub haystacks: Vec<String>,
    pub load: Load,
    /// More pages are being fetched.
    pub more: bool,
    pub generation: Generation,
    pub filter: Input,
    /// Indices into `items` that match the filter, in list order.
    pub matches: Vec<usize>,
    /// Index into `matches`.
    pub cursor: usize,
    /// The prefilled destination has been put under the cursor (once).
    pub prefill_placed: bool,
    pub connectors: HashMap<String, String>,
    pub detail: DetailLoad,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DetailLoad {
    Idle,
    Loading { id: String, generation: Generation },
    Failed { id: String, error: ServiceError },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DetailsField {
    Name,
    Description,
}

#[derive(Clone, Debug)]
pub struct DetailsForm {
    pub focus: DetailsField,
    pub name: Input,
    pub description: Input,
    /// The user typed in the name: a new destination no longer replaces it with a suggestion.
    pub name_edited: bool,
    /// Enter was pressed with errors: show them prominently.
    pub show_errors: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagRow {
    pub key: String,
    pub value: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagField {
    Key,
    Value,
}

#[derive(Clone, Debug)]
pub struct TagEdit {
    /// `None` adds a row; `Some(i)` edits row `i`.
    pub index: Option<usize>,
    pub key: Input,
    pub value: Input,
    pub focus: TagField,
    pub error: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct TagsEditor {
    pub rows: Vec<TagRow>,
    pub cursor: usize,
    pub edit: Option<TagEdit>,
    /// Result of the last paste or refused action.
    pub message: Option<Notice>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    Info(String),
    Error(String),
}

/// A row of the Review screen; selecting it jumps to the step that edits it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewRow {
    Destination,
    Name,
    Description,
    Tags,
    AuthMaterial,
}

impl ReviewRow {
    pub fn step(self) -> Step {
        match self {
            ReviewRow::Destination => Step::Destination,
            ReviewRow::Name | ReviewRow::Description => Step::Details,
            ReviewRow::Tags => Step::Tags,
            ReviewRow::AuthMaterial => Step::Auth,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubmitState {
    Idle,
    InFlight { generation: Generation },
    Failed(ServiceError),
}

/// The association once it exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tracked {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub destination_id: String,
    pub state: AssociationState,
    /// Raw; checked by the URL policy before opening, sanitised for display.
    pub oauth_url: String,
    pub error_message: Option<String>,
}

/// What happened with the browser on the Authorize step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BrowserNote {
    None,
    Opening,
    Opened,
    Skipped(SkipReason),
    Refused(String),
    LaunchFailed(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Polling {
    pub generation: Generation,
    pub started: Instant,
    pub last_poll: Option<Instant>,
    pub in_flight: bool,
    pub polls: u32,
    pub last_error: Option<ServiceError>,
    /// When the "keep waiting or exit?" question is asked next.
    pub deadline: Instant,
    pub asking_timeout: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefreshState {
    Idle,
    InFlight { generation: Generation },
    Failed(ServiceError),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlay {
    Help,
    ConfirmQuit { interrupted: bool },
}

/// How the run ended, for the exit status and the stdout summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub kind: OutcomeKind,
    pub summary: Option<Summary>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutcomeKind {
    Succeeded,
    /// Left in progress on purpose (exit 0).
    LeftInProgress,
    Failed,
    /// Ctrl-C, or quitting before anything was created.
    Interrupted,
    /// SIGTERM or SIGHUP (exit 128 + signal number).
    Signalled(i32),
}

impl OutcomeKind {
    pub fn exit_code(self) -> i32 {
        match self {
            OutcomeKind::Succeeded | OutcomeKind::LeftInProgress => 0,
            OutcomeKind::Failed => 1,
            OutcomeKind::Interrupted => 130,
            OutcomeKind::Signalled(signal) => 128 + signal,
        }
    }
}

/// Printed on stdout when the UI closes; JSON member names follow the AWS API's.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Summary {
    #[serde(rename = "AccountAssociationId")]
    pub association_id: String,
    pub arn: String,
    #[serde(rename = "AssociationState")]
    pub state: String,
    pub name: String,
    #[serde(rename = "ConnectorDestinationId")]
    pub destination_id: String,
    #[serde(rename = "ConnectorDestinationName")]
    pub destination_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

pub struct Model {
    pub step: Step,
    /// 0 = create, 1 = manage.
    pub start_cursor: usize,
    pub manage: ManageView,
    pub opts: Options,
    pub target: Target,
    pub now: Instant,
    pub spinner: usize,
    pub next_generation: Generation,
    pub destinations: DestinationList,
    /// The chosen destination, with what GetConnectorDestination said of its auth.
    pub destination: Option<DestinationDetail>,
    pub details: DetailsForm,
    pub tags: TagsEditor,
    pub auth_cursor: usize,
    pub auth_material: Option<String>,
    pub review_cursor: usize,
    /// Editing a row from Review: forward goes back to Review.
    pub return_to_review: bool,
    /// Token counter; bumped when a request differing from the last one sent is submitted.
    pub token_counter: u32,
    pub last_sent: Option<CreateRequest>,
    pub submit: SubmitState,
    pub association: Option<Tracked>,
    pub browser: BrowserNote,
    pub show_qr: bool,
    pub polling: Option<Polling>,
    pub refresh: RefreshState,
    pub overlay: Option<Overlay>,
    /// A one-line confirmation such as "Copied"; cleared by the next key.
    pub flash: Option<String>,
    pub exit: Option<Outcome>,
}

impl Model {
    pub fn new(opts: Options, now: Instant) -> Self {
        let prefill = opts.prefill.clone();
        let name = prefill.name.clone().unwrap_or_default();
        let tags = TagsEditor {
            rows: prefill
                .tags
                .iter()
                .map(|(key, value)| TagRow {
                    key: key.clone(),
                    value: value.clone(),
                })
                .collect(),
            ..TagsEditor::default()
        };
        Self {
            // An explicit --manage wins over the resume offer (the journal is kept for later).
            step: match (opts.resume.is_some(), opts.first) {
                (_, FirstScreen::Manage) => Step::Manage,
                (true, _) => Step::Resume,
                (false, FirstScreen::Start) => Step::Start,
                (false, FirstScreen::Create) => Step::Destination,
            },
            start_cursor: 0,
            manage: ManageView::default(),
            target: opts.target.clone(),
            now,
            spinner: 0,
            next_generation: 1,
            destinations: DestinationList {
                items: Vec::new(),
                haystacks: Vec::new(),
                load: Load::Loading,
                more: false,
                generation: 0,
                filter: Input::default(),
                matches: Vec::new(),
                cursor: 0,
                prefill_placed: prefill.destination.is_none(),
                connectors: HashMap::new(),
                detail: DetailLoad::Idle,
            },
            destination: None,
            details: DetailsForm {
                focus: DetailsField::Name,
                name_edited: prefill.name.is_some(),
                name: Input::new(name),
                description: Input::new(prefill.description.clone().unwrap_or_default()),
                show_errors: false,
            },
            tags,
            auth_cursor: 0,
            auth_material: prefill.auth_material.clone(),
            review_cursor: 0,
            return_to_review: false,
            token_counter: 0,
            last_sent: None,
            submit: SubmitState::Idle,
            association: None,
            browser: BrowserNote::None,
            show_qr: false,
            polling: None,
            refresh: RefreshState::Idle,
            overlay: None,
            flash: opts.notice.clone(),
            exit: None,
            opts,
        }
    }

    pub fn client_token(&self) -> String {
        super::token::client_token(&self.opts.token_seed, self.token_counter)
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

    /// The request the current inputs describe (the token is attached on submit).
    pub fn request(&self) -> Option<CreateRequest> {
        let destination = self.destination.as_ref()?;
        let description = self.details.description.value();
        Some(CreateRequest {
            client_token: self.client_token(),
            destination_id: destination.id.clone(),
            name: Some(self.details.name.value().to_string()),
            description: (!description.is_empty()).then(|| description.to_string()),
            tags: self.tag_pairs(),
            auth_material: if destination.uses_general_authorization() {
                self.auth_material.clone()
            } else {
                None
            },
        })
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
        self.manage.delete_generation.is_some()
            || matches!(self.submit, SubmitState::InFlight { .. })
            || self.polling.is_some()
            || matches!(self.refresh, RefreshState::InFlight { .. })
    }

    /// Something on screen animates, so the driver should send ticks.
    pub fn animating(&self) -> bool {
        (self.destinations.load == Load::Loading && self.step == Step::Destination)
            || (self.step == Step::Manage
                && (self.manage.load == Load::Loading || self.manage.more))
            || self.destinations.more
            || matches!(self.destinations.detail, DetailLoad::Loading { .. })
            || self.busy()
    }

    pub fn summary(&self) -> Option<Summary> {
        let tracked = self.association.as_ref()?;
        let destination = self.destination.as_ref();
        Some(Summary {
            association_id: tracked.id.clone(),
            arn: tracked.arn.clone(),
            state: tracked.state.to_string(),
            name: tracked.name.clone(),
            destination_id: tracked.destination_id.clone(),
            destination_name: destination
                .filter(|d| d.id == tracked.destination_id)
                .map(|d| d.name.clone())
                .unwrap_or_default(),
            error_message: tracked.error_message.clone(),
        })
    }

    /// What the journal should hold now; `None` when there is nothing worth resuming (nothing
    /// chosen yet) or the association is finished (succeeded, or failed and acknowledged).
    pub fn snapshot(&self) -> Option<Journal> {
        if self.step == Step::Resume {
            return self.opts.resume.clone();
        }
        if matches!(self.step, Step::Start | Step::Manage) {
            // Browsing is not drafting: a saved session stays as it was.
            return self.opts.resume.clone();
        }
        let finished = match self.association.as_ref().map(|a| &a.state) {
            Some(AssociationState::Succeeded) => true,
            Some(AssociationState::Failed) => self.exit.is_some(),
            _ => false,
        };
        if finished
            || (self.destination.is_none()
                && self.association.is_none()
                && self.last_sent.is_none())
        {
            return None;
        }
        let step = match self.step {
            Step::Start | Step::Manage | Step::Resume | Step::Destination => SavedStep::Destination,
            Step::Details => SavedStep::Details,
            Step::Tags => SavedStep::Tags,
            Step::Auth => SavedStep::Auth,
            _ => SavedStep::Review,
        };
        let unanswered = match self.submit {
            SubmitState::InFlight { .. } | SubmitState::Failed(_) if self.association.is_none() => {
                self.last_sent.clone()
            }
            _ => None,
        };
        Some(Journal {
            version: VERSION,
            saved_at: 0,
            step,
            destination: self.destination.clone(),
            name: self.details.name.value().to_string(),
            description: self.details.description.value().to_string(),
            tags: self.tag_pairs(),
            auth_material: self.auth_material.clone(),
            token_seed: self.opts.token_seed.clone(),
            token_counter: self.token_counter,
            unanswered,
            association_id: self.association.as_ref().map(|a| a.id.clone()),
        })
    }

    /// The destination under the cursor, if any.
    pub fn highlighted_destination(&self) -> Option<&DestinationSummary> {
        let index = *self.destinations.matches.get(self.destinations.cursor)?;
        self.destinations.items.get(index)
    }

    pub fn connector_name(&self, id: &str) -> Option<&str> {
        self.destinations.connectors.get(id).map(String::as_str)
    }

    pub fn launch_skipped(&self) -> Option<SkipReason> {
        match self.opts.launch {
            LaunchDecision::Skip(reason) => Some(reason),
            LaunchDecision::Launch(_) => None,
        }
    }
}
