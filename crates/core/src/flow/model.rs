//! The flow's state: what the onboarding has decided so far, per step. Nothing here is about
//! how it is shown: cursors, text-input widgets, overlays and spinners live in the front ends.

use std::collections::HashMap;
use std::time::Duration;

use std::time::Instant;

use super::Generation;
use crate::draft::Draft;
use crate::journal::Journal;
use crate::service::{
    Association, AssociationState, AssociationSummary, DestinationSummary, ServiceError,
};
use crate::url_policy::{LaunchDecision, SkipReason};

/// The draft given on the command line: it fills fields, the user still confirms each step.
/// The one [`Draft`] type, from flags to journal to request.
pub type Prefill = Draft;

/// Whether the flow knows whose account it works in: nothing is submitted before it does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Identity {
    /// GetCallerIdentity is under way.
    #[default]
    Checking,
    Known,
    Failed(ServiceError),
    /// A custom endpoint (a simulator) stands in for the account: no STS call.
    Endpoint,
}

/// Where the association will be made, for the header.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Target {
    pub profile: String,
    pub region: Option<String>,
    /// A custom endpoint is shown instead of the account.
    pub endpoint: Option<String>,
    pub account: Option<String>,
    /// Who the calls are made as (the ARN from GetCallerIdentity).
    pub arn: Option<String>,
    /// `--profile` (or `AWS_PROFILE`) named the profile: commands suggested to the user name it
    /// too; otherwise the SDK's default chain chose, and so will theirs.
    pub profile_given: bool,
    /// `demo`: the embedded simulator, gone when the run ends (nothing to check later).
    pub demo: bool,
    /// Where the credentials come from ("environment", "SSO", "static keys"…), for the header.
    pub credentials: String,
}

/// Fixed for a run.
#[derive(Clone, Debug)]
pub struct Options {
    pub prefill: Prefill,
    /// Decided from the environment and flags before the flow starts.
    pub launch: LaunchDecision,
    /// `http://` URLs are allowed only on loopback and only when the endpoint is loopback.
    pub endpoint_is_loopback: bool,
    pub wait_timeout: Duration,
    /// Seed of the ClientToken; a counter makes one token per distinct request.
    pub token_seed: String,
    /// Where the create's ClientToken comes from.
    pub token_rule: TokenRule,
    pub target: Target,
    /// An unfinished session found in the journal: offered first.
    pub resume: Option<Journal>,
    /// Shown once at start (e.g. an unreadable journal was set aside).
    pub notice: Option<String>,
    /// The journal another live process holds (so not `resume`): when it is onboarding the
    /// request this run is prefilled with, the run asks before making a second association.
    pub held: Option<crate::journal::HeldJournal>,
    /// The first screen when nothing is prefilled or resumed.
    pub first: FirstScreen,
    /// Ring and notify when the association reaches a final state (`--no-notify`; plain mode
    /// only with `--notify`).
    pub notify: bool,
    /// The AWS CLI is on PATH: a failed SSO sign-in can be fixed in place (`aws sso login`).
    pub aws_cli: bool,
    /// Offered on the Start screen when no profile was named and the files have several.
    pub profiles: Vec<crate::profile::ProfileInfo>,
    /// The profile and region picked last time, offered first.
    pub last_profile: Option<crate::profile::LastChoice>,
    /// The session is over SSH (`SSH_CONNECTION` or `SSH_TTY`): a consent URL on this host's
    /// loopback is out of the operator's reach until its port is forwarded.
    pub ssh: Option<SshSession>,
    /// `batch FILE`: the rows and how to run them (the Batch step is the run's only step).
    pub batch: Option<super::batch::BatchPlan>,
    /// The draft is journaled as it changes (no journal in `demo`, or when another process
    /// holds it): quitting then loses nothing.
    pub journaled: bool,
}

/// Where a create's ClientToken comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TokenRule {
    /// The run's `token_seed` and a counter: one token per distinct request of a session (the
    /// wizard and plain mode, whose journal keeps the seed; `create --new`).
    #[default]
    PerSession,
    /// `create --client-token`: sent as is (a rerun with it names the same association).
    Given(String),
    /// `create`: the account's journaled seed and the destination + name
    /// ([`super::token::association`], a batch row's rule), so rerunning the same create,
    /// however the last run ended, names the association it made.
    Account { seed: String },
}

/// What the session over SSH tells about forwarding a loopback endpoint's port.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SshSession {
    /// The line the operator runs on their own machine to forward the loopback endpoint's
    /// port (`ssh -L N:127.0.0.1:N user@host`), when `SSH_CONNECTION` names the server.
    pub tunnel: Option<String>,
    /// The endpoint's port was picked for this run (`demo` without `--port`): a tunnel made
    /// for it serves this run only.
    pub port_per_run: bool,
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
    /// After success: discover the account's devices and adopt them as managed things.
    Devices,
    /// Many associations from a file (`batch FILE`).
    Batch,
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
            Step::Devices => "Devices",
            Step::Batch => "Batch",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Load {
    Loading,
    Loaded,
    Failed(ServiceError),
}

/// An auth material given that the destination cannot take, and whether the operator was told
/// at Submit (the next Submit then goes ahead without it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefusedMaterial {
    pub reason: String,
    pub said_at_submit: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    Info(String),
    Error(String),
}

/// Step 1: every destination of the account, filtered by the front end's filter text.
#[derive(Clone, Debug)]
pub struct DestinationList {
    pub items: Vec<DestinationSummary>,
    /// Lower-case "name id connector description" per item, built once per page.
    pub haystacks: Vec<String>,
    pub load: Load,
    /// More pages are being fetched.
    pub more: bool,
    pub generation: Generation,
    pub filter: String,
    /// Indices into `items` that match the filter, in list order.
    pub matches: Vec<usize>,
    pub connectors: HashMap<String, String>,
    /// ListCloudConnectors has answered (names or an error): a front end that prints the list
    /// once waits for it, so a connector is named the same way on every run.
    pub connectors_answered: bool,
    pub detail: DetailLoad,
    /// A page that failed in a way waiting can mend is asked again.
    pub retry: super::retry::PageRetry,
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

#[derive(Clone, Debug, Default)]
pub struct Details {
    pub name: String,
    pub description: String,
    /// The user typed in the name: a new destination no longer replaces it with a suggestion.
    pub name_edited: bool,
    /// Next was asked for with errors: the first field at fault, shown prominently.
    pub error_field: Option<DetailsField>,
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

#[derive(Clone, Debug, Default)]
pub struct Tags {
    pub rows: Vec<TagRow>,
    /// Result of the last paste, removal or refused action.
    pub message: Option<Notice>,
    /// The last SaveTag was refused: which field and why (the editor stays open).
    pub edit_error: Option<(TagField, String)>,
    /// The tag editor is open (OpenTagEditor until a save or CloseTagEditor).
    pub editing: bool,
}

/// A row of the Review screen; choosing it jumps to the step that edits it.
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
    /// The association as GetAccountAssociation last returned it (tags, description): what
    /// the commands print.
    pub seen: Option<Association>,
    /// Looked up (Manage, `status ID`) rather than created from this run's draft: it is not
    /// the draft's to journal, and finishing with it leaves the draft as it was.
    pub adopted: bool,
    /// The service answered the wait with an error waiting cannot mend (not found, access
    /// denied, validation): nothing is followed any more, and the journal lets go of it.
    pub lost: Option<ServiceError>,
}

impl Tracked {
    /// The service said it does not exist (NotFound while following it): deleted, whatever
    /// state it was last seen in. Every front end says "gone", never that stale state.
    pub fn gone(&self) -> bool {
        self.lost
            .as_ref()
            .is_some_and(|e| e.kind == crate::service::ErrorKind::NotFound)
    }

    /// Its consent URL can still be used: not being deleted, and not lost.
    pub fn consentable(&self) -> bool {
        self.state != AssociationState::Deleting && self.lost.is_none()
    }

    /// Its state as the front ends show it: "gone" once the service no longer has it.
    pub fn state_text(&self) -> String {
        if self.gone() {
            GONE.to_string()
        } else {
            self.state.to_string()
        }
    }
}

/// What the front ends say of an association the service no longer has.
pub const GONE: &str = "gone";

impl From<&Association> for Tracked {
    fn from(association: &Association) -> Self {
        Self {
            id: association.id.clone(),
            arn: association.arn.clone(),
            name: association.name.clone(),
            destination_id: association.destination_id.clone(),
            state: association.state.clone(),
            oauth_url: association.oauth_url.clone(),
            error_message: association.error_message.clone(),
            seen: Some(association.clone()),
            adopted: true,
            lost: None,
        }
    }
}

/// An existing association asked for by id (`status`, `refresh`): GetAccountAssociation, then
/// the flow follows it as if it had just been created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Following {
    pub id: String,
    pub generation: Generation,
    /// The service's answer was an error; the flow stays where it was.
    pub error: Option<ServiceError>,
    /// The look-up failed in a way waiting can mend: when it is asked again.
    pub retrying: Option<super::retry::Retrying>,
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
    /// The last check failed in a way waiting can mend: when the next one goes.
    pub retrying: Option<super::retry::Retrying>,
    /// When the "keep waiting or leave?" question is asked next.
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
pub enum ManageAction {
    Authorize,
    RetryAsNew,
}

/// The Manage view: every association of the account, filterable, with actions on one.
#[derive(Clone, Debug)]
pub struct ManageView {
    pub items: Vec<AssociationSummary>,
    pub load: Load,
    pub more: bool,
    pub generation: Generation,
    pub filter: String,
    pub matches: Vec<usize>,
    /// GetAccountAssociation of the association last shown (with tags).
    pub detail: Option<Association>,
    pub detail_generation: Generation,
    /// GetAccountAssociation is in flight: a line front end waits for it before asking on.
    pub fetching: bool,
    /// An action waiting for the detail it needs (URL, tags).
    pub pending: Option<ManageAction>,
    /// The association whose delete is being confirmed by typing its name.
    pub confirm_delete: Option<String>,
    /// A deletion under way (counting, deregistering, deleting, following until gone).
    pub deletion: Option<super::deletion::Deletion>,
    /// How the last deletion ended (gone, or the error that stopped it).
    pub deletion_ended: Option<super::deletion::DeletionEnd>,
    /// The association a line front end's actions apply to (the TUI uses its highlight).
    pub picked: Option<String>,
    pub message: Option<Notice>,
    /// Back from an action on this association: front ends highlight it again.
    pub focus: Option<String>,
    /// The association last acted on (authorize, refresh), as it was when the user came back:
    /// the run's summary when it ends on the list.
    pub last: Option<Tracked>,
    /// Managed things per association (None until ListManagedThingAccountAssociations answers).
    pub thing_counts: Option<std::collections::BTreeMap<String, usize>>,
    pub counts_generation: Generation,
    /// A quiet reload (non-final states refresh on their own): its pages gather here and
    /// replace the list once complete, so the list never empties while it reloads.
    pub incoming: Option<Vec<AssociationSummary>>,
    /// The timer of the next quiet reload.
    pub auto_generation: Generation,
    /// Associations picked with Space, for a bulk refresh.
    pub selected: std::collections::BTreeSet<String>,
    /// Expired associations still to refresh, each through its own consent, one after another.
    pub refresh_queue: std::collections::VecDeque<String>,
    /// A report being written (`w`): its generation.
    pub report: Option<Generation>,
    /// A page that failed in a way waiting can mend is asked again.
    pub retry: super::retry::PageRetry,
    /// The reload in `incoming` was asked for (`g`): its outcome is said, a quiet one's not.
    pub reload_asked: bool,
    /// The managed-thing count, asked again (quietly) when it fails in a way waiting can mend.
    pub counts_retry: super::retry::PageRetry,
}

/// A report Manage wrote: where, and how many associations it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportFile {
    pub path: String,
    pub rows: usize,
}

impl Default for ManageView {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            load: Load::Loading,
            more: false,
            generation: 0,
            filter: String::new(),
            matches: Vec::new(),
            detail: None,
            detail_generation: 0,
            fetching: false,
            pending: None,
            confirm_delete: None,
            deletion: None,
            deletion_ended: None,
            picked: None,
            message: None,
            focus: None,
            last: None,
            thing_counts: None,
            counts_generation: 0,
            incoming: None,
            auto_generation: 0,
            selected: Default::default(),
            refresh_queue: Default::default(),
            report: None,
            retry: Default::default(),
            reload_asked: false,
            counts_retry: Default::default(),
        }
    }
}

impl ManageView {
    pub fn find(&self, id: &str) -> Option<&AssociationSummary> {
        self.items.iter().find(|a| a.id == id)
    }
}

/// Where the association's device discovery is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiscoveryState {
    /// Nothing asked yet: Enter starts one.
    Idle,
    Starting {
        generation: Generation,
    },
    Running {
        id: String,
        generation: Generation,
        started: Instant,
    },
    /// SUCCEEDED: its devices are listed (more pages may be coming).
    Listing {
        id: String,
        generation: Generation,
    },
    Done {
        id: String,
    },
    Failed(String),
}

impl DiscoveryState {
    /// The discovery's id once the service gave one.
    pub fn id(&self) -> Option<&str> {
        match self {
            Self::Running { id, .. } | Self::Listing { id, .. } | Self::Done { id } => Some(id),
            _ => None,
        }
    }
}

/// Adopting the selected devices, a few at a time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Adoption {
    pub generation: Generation,
    /// Connector device ids waiting their turn, in list order.
    pub queue: std::collections::VecDeque<String>,
    pub in_flight: std::collections::BTreeSet<String>,
    /// Device id → managed thing id.
    pub done: std::collections::BTreeMap<String, String>,
    pub failed: std::collections::BTreeMap<String, ServiceError>,
    pub total: usize,
    /// Failed in a way waiting can mend (throttled, 5xx…): tried again after `retrying.after`.
    pub later: std::collections::BTreeSet<String>,
    pub retrying: Option<super::retry::Retrying>,
}

impl Adoption {
    pub fn finished(&self) -> bool {
        self.queue.is_empty() && self.in_flight.is_empty() && self.later.is_empty()
    }
}

/// The Devices step: one association's discovery, its devices and their adoption.
#[derive(Clone, Debug)]
pub struct DevicesView {
    pub association_id: String,
    pub association_name: String,
    pub discovery: DiscoveryState,
    pub items: Vec<crate::service::DiscoveredDevice>,
    pub haystacks: Vec<String>,
    pub filter: String,
    pub matches: Vec<usize>,
    /// Connector device ids chosen for adoption.
    pub selected: std::collections::BTreeSet<String>,
    /// Devices whose managed thing exists but is not registered yet (a run stopped between
    /// CreateManagedThing and RegisterAccountAssociation): adoptable, to be finished.
    pub partway: std::collections::BTreeSet<String>,
    /// The discovery's last call failed in a way waiting can mend: when it is tried again.
    pub retrying: Option<super::retry::Retrying>,
    /// The page of ListDiscoveredDevices asked for last (asked again after a passing error).
    pub page_token: Option<String>,
    /// Every page is listed and the association's links are asked for (see `partway`).
    pub checking_links: bool,
    pub adoption: Option<Adoption>,
    pub message: Option<Notice>,
    /// Entered from Manage: leaving goes back to the list.
    pub from_manage: bool,
}

impl DevicesView {
    /// The step for one association, in `discovery`, with nothing listed or chosen yet.
    pub fn new(
        association_id: String,
        association_name: String,
        discovery: DiscoveryState,
        from_manage: bool,
    ) -> Self {
        Self {
            association_id,
            association_name,
            discovery,
            items: Vec::new(),
            haystacks: Vec::new(),
            filter: String::new(),
            matches: Vec::new(),
            selected: Default::default(),
            partway: Default::default(),
            retrying: None,
            page_token: None,
            checking_links: false,
            adoption: None,
            message: None,
            from_manage,
        }
    }

    /// Not a managed thing yet, or one left part-way: adopting it has something to do.
    pub fn adoptable(&self, device: &crate::service::DiscoveredDevice) -> bool {
        device.managed_thing_id.is_none() || self.partway.contains(&device.connector_device_id)
    }

    /// The rows the filter shows, in list order.
    pub fn shown(&self) -> impl Iterator<Item = &crate::service::DiscoveredDevice> {
        self.matches.iter().filter_map(|&i| self.items.get(i))
    }

    /// Selected rows the filter shows: what Enter adopts.
    pub fn selected_shown(&self) -> usize {
        self.shown()
            .filter(|d| self.selected.contains(&d.connector_device_id))
            .count()
    }

    /// Rows the filter hides.
    pub fn hidden(&self) -> usize {
        self.items.len().saturating_sub(self.matches.len())
    }

    /// A discovery or an adoption is under way.
    pub fn busy(&self) -> bool {
        matches!(
            self.discovery,
            DiscoveryState::Starting { .. }
                | DiscoveryState::Running { .. }
                | DiscoveryState::Listing { .. }
        ) || self.adoption.as_ref().is_some_and(|a| !a.finished())
    }
}

/// A question the flow needs answered before it goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Question {
    /// Quitting would lose something in flight: quit anyway?
    ConfirmQuit { interrupted: bool },
}

/// How the run ended, for the exit status and the summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub kind: OutcomeKind,
    pub summary: Option<Summary>,
    pub draft: DraftFate,
    /// CreateAccountAssociation was sent and its answer never came (a signal, a quit): the
    /// association may exist, and a rerun resumes it with the same ClientToken.
    pub sent_unanswered: bool,
}

impl Outcome {
    /// What the run can say of an association it has no summary of.
    pub fn without_summary_line(&self) -> Option<&'static str> {
        if self.sent_unanswered {
            Some(
                "The request was sent and not answered: the association may exist. Run again to \
                 resume it (its ClientToken returns the same association, never a second one).",
            )
        } else if self.kind != OutcomeKind::Closed {
            Some("No association was created.")
        } else {
            None
        }
    }
}

/// What became of a draft not (yet) submitted when the run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DraftFate {
    None,
    /// In the journal: the next run offers to resume it.
    Saved,
    /// Not journaled (`demo`, or the journal was held by another process).
    Lost,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutcomeKind {
    Succeeded,
    /// Left in progress on purpose (exit 0).
    LeftInProgress,
    Failed,
    /// `q` with a draft not submitted (saved in the journal, or lost when there is none).
    Cancelled,
    /// Ctrl-C (or end of input) before the run finished.
    Interrupted,
    /// `q` with nothing started or left behind (Start, Manage): exit 0.
    Closed,
    /// SIGTERM or SIGHUP (exit 128 + signal number).
    Signalled(i32),
    /// The association could not be followed: deleted elsewhere, or not readable (exit 1).
    Lost,
}

impl OutcomeKind {
    /// This outcome's status in the one exit-status table ([`crate::exit::of_outcome`]).
    pub fn exit_code(self) -> i32 {
        crate::exit::of_outcome(self)
    }
}

/// Printed on stdout when the run ends; JSON member names follow the AWS API's.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Summary {
    #[serde(rename = "AccountAssociationId")]
    pub association_id: String,
    pub arn: String,
    /// None once the association is gone (`Gone` says so): no stale state is reported.
    #[serde(
        rename = "AssociationState",
        serialize_with = "wire_state",
        skip_serializing_if = "Option::is_none"
    )]
    pub state: Option<AssociationState>,
    /// The service no longer has it (not found while following it).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub gone: bool,
    pub name: String,
    #[serde(rename = "ConnectorDestinationId")]
    pub destination_id: String,
    #[serde(rename = "ConnectorDestinationName")]
    pub destination_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// While in progress: where consent is given (kept so it is never lost on exit).
    #[serde(
        rename = "OAuthAuthorizationUrl",
        skip_serializing_if = "String::is_empty"
    )]
    pub oauth_url: String,
    /// Devices found by the discovery run in this session, and how many were adopted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub devices_found: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub devices_adopted: Option<usize>,
}

fn wire_state<S: serde::Serializer>(
    state: &Option<AssociationState>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match state {
        Some(state) => s.serialize_str(state.as_wire()),
        None => s.serialize_none(),
    }
}
