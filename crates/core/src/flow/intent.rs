//! What the user wants, in the flow's terms: every front end maps its input (a key, a typed
//! line, a command-line flag) to one of these.

use super::model::ReviewRow;
use super::owner::OwnerAction;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Intent {
    // Anywhere.
    /// Leave; asks first (a [`super::Question`]) when something in flight would be lost.
    Quit {
        interrupted: bool,
    },
    ConfirmQuit,
    CancelQuit,
    /// The step before (Review when editing from Review); Start from the first step.
    Back,
    /// Go on from the current step with what it holds (validated first).
    Next,

    // Start and resume.
    /// Ask again who the calls are made as (after signing in, e.g. `aws sso login`).
    RecheckIdentity,
    /// The profile picker's answer: work as this profile, in this region.
    ChooseProfile {
        profile: String,
        region: String,
    },
    StartCreate,
    StartManage,
    Resume,
    Discard,
    /// The answer to "another run is onboarding this same request: make a second
    /// association?" (`Flow::second_run`).
    MakeSecond(bool),

    // Step 1.
    FilterDestinations(String),
    ChooseDestination(String),
    ReloadDestinations,

    // Step 2.
    SetName(String),
    SetDescription(String),

    // Step 3: `index` None adds a row.
    SaveTag {
        index: Option<usize>,
        key: String,
        value: String,
    },
    RemoveTag(usize),
    /// Every tag removed at once (plain mode's `clear`).
    ClearTags,
    PasteTags(String),
    /// The tag editor is to open on row `index` (None: a new tag). Refused with a message when
    /// the list is full; otherwise `Tags::editing` says it is open.
    OpenTagEditor {
        index: Option<usize>,
    },
    /// The front end has put its cursor on `ManageView::focus`: it is not asked for again.
    ManageFocusShown,
    /// The tag editor was closed without saving.
    CloseTagEditor,
    /// The text in the tag editor changed: a refusal about the text before is stale.
    TagTextChanged,

    // Step 4.
    ChooseMaterial(String),

    // Review and submit.
    EditRow(ReviewRow),
    Submit,
    /// Resend the very request that failed (same ClientToken).
    Retry,
    /// Back to Review from a failed submit.
    EditDraft,

    // Authorize and state.
    /// Follow an existing association by id, as if it had just been created (`status`,
    /// `refresh`): before anything was submitted.
    Follow(String),
    OpenBrowser,
    ShowStatus,
    ShowAuthorize,
    KeepWaiting,
    LeaveInProgress,
    Refresh,
    /// Acknowledge the final screen and leave.
    Finish,
    /// `demo`: act as the third-party account owner (approve, deny, revoke).
    ActAsOwner(OwnerAction),

    // Devices.
    /// Open the Devices step for this association (after success, or from Manage).
    ShowDevices(String),
    StartDiscovery,
    FilterDevices(String),
    ToggleDevice(String),
    /// Select every listed device not yet managed (true), or none (false).
    SelectAllDevices(bool),
    AdoptSelected,
    RetryFailedAdoptions,

    // Manage.
    FilterAssociations(String),
    /// A line front end picks the association its next actions apply to (None: the list).
    PickAssociation(Option<String>),
    ReloadAssociations,
    /// Write the report of the associations shown (the filter applied) to a file.
    WriteReport,
    ShowAssociation(String),
    AuthorizeAssociation(String),
    RefreshAssociation(String),
    /// Space on a row: picked (or not) for a bulk refresh.
    ToggleAssociation(String),
    RetryAsNew(String),
    AskDelete(String),
    CancelDelete,
    /// Deregistrations of a deletion failed: try those again.
    RetryDeletion,
    Delete {
        id: String,
        typed: String,
    },

    // Batch.
    /// Open row `index`'s consent page in the browser (the URL policy decides).
    OpenRowConsent(usize),
    /// `demo`: act as row `row`'s account owner on its consent page.
    ActAsRowOwner {
        row: usize,
        action: super::owner::OwnerAction,
    },
}
