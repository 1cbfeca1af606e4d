//! What `update` asks the runtime to do.

use std::time::Duration;

use super::Generation;
use super::model::Outcome;
use super::owner::OwnerAction;
use crate::journal::{BatchJournal, Journal};
use crate::service::{AdoptRequest, AssociationSummary, CreateRequest};
use crate::url_policy::Launcher;

// A handful of effects per input, consumed at once: boxing the journal buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    LoadAccount,
    LoadRegion,
    LoadConnectors,
    ListDestinations {
        generation: Generation,
        next_token: Option<String>,
    },
    GetDestination {
        generation: Generation,
        id: String,
    },
    CreateAssociation {
        generation: Generation,
        request: CreateRequest,
    },
    /// CreateAccountAssociation for row `row` of a batch.
    CreateRow {
        row: usize,
        request: CreateRequest,
    },
    /// GetAccountAssociation for row `row` of a batch.
    PollRow {
        row: usize,
        id: String,
    },
    /// Write the batch file's journal.
    PersistBatch(BatchJournal),
    /// Send `Event::PollDue { generation }` after `after`.
    SchedulePoll {
        generation: Generation,
        after: Duration,
    },
    GetAssociation {
        generation: Generation,
        id: String,
    },
    StartRefresh {
        generation: Generation,
        id: String,
    },
    ListAssociations {
        generation: Generation,
        next_token: Option<String>,
    },
    /// GetAccountAssociation for Manage's detail panel (not a poll).
    FetchAssociation {
        generation: Generation,
        id: String,
    },
    DeleteAssociation {
        generation: Generation,
        id: String,
    },
    /// ListManagedThingAccountAssociations for one association (every page): the ids.
    ListRegisteredThings {
        generation: Generation,
        association_id: String,
    },
    /// DeregisterAccountAssociation of one managed thing.
    DeregisterThing {
        generation: Generation,
        thing_id: String,
        association_id: String,
    },
    /// GetAccountAssociation of a deleted association: is it gone yet?
    CheckDeleted {
        generation: Generation,
        id: String,
    },
    StartDiscovery {
        generation: Generation,
        association_id: String,
        client_token: String,
    },
    /// Send `Event::Woke { generation }` after `after` (the discovery's polling).
    Wake {
        generation: Generation,
        after: Duration,
    },
    GetDiscovery {
        generation: Generation,
        id: String,
    },
    ListDiscoveredDevices {
        generation: Generation,
        id: String,
        next_token: Option<String>,
    },
    /// CreateManagedThing + RegisterAccountAssociation for one device.
    AdoptDevice {
        generation: Generation,
        request: AdoptRequest,
    },
    /// Managed things per association, for Manage's column.
    CountThings {
        generation: Generation,
    },
    /// The URL has passed the URL policy; never through a shell.
    OpenBrowser {
        url: String,
        launcher: Launcher,
    },
    /// `demo`: visit the third party's pages as its account owner would in a browser (the
    /// URL has passed the URL policy).
    ActAsOwner {
        generation: Generation,
        action: OwnerAction,
        url: String,
        association_id: String,
    },
    /// From now on call as `profile` in `region` (the picker's answer): the runtime switches
    /// the service and the journal to them, remembers the choice, and reports
    /// `Event::ProfileReady`.
    UseProfile {
        profile: String,
        region: String,
    },
    /// Gather the report of these associations (as `report` does) and write it to a new file
    /// in the current directory; answered by `Event::ReportWritten`.
    WriteReport {
        generation: Generation,
        associations: Vec<AssociationSummary>,
    },
    /// Write the journal (`None` removes it): the draft changed.
    Persist(Option<Journal>),
    /// The association reached a final state while the operator may be in the browser: the
    /// front end rings and notifies where it can (the runtime does nothing with it).
    Notify {
        title: String,
        body: String,
    },
    Exit(Outcome),
}

impl Effect {
    /// The effect's kind, for the log: never its payload (tag values, URLs).
    pub fn name(&self) -> &'static str {
        match self {
            Effect::LoadAccount => "LoadAccount",
            Effect::LoadRegion => "LoadRegion",
            Effect::LoadConnectors => "LoadConnectors",
            Effect::ListDestinations { .. } => "ListDestinations",
            Effect::GetDestination { .. } => "GetDestination",
            Effect::CreateAssociation { .. } => "CreateAssociation",
            Effect::CreateRow { .. } => "CreateRow",
            Effect::PollRow { .. } => "PollRow",
            Effect::PersistBatch(_) => "PersistBatch",
            Effect::SchedulePoll { .. } => "SchedulePoll",
            Effect::GetAssociation { .. } => "GetAssociation",
            Effect::StartRefresh { .. } => "StartRefresh",
            Effect::ListAssociations { .. } => "ListAssociations",
            Effect::FetchAssociation { .. } => "FetchAssociation",
            Effect::DeleteAssociation { .. } => "DeleteAssociation",
            Effect::ListRegisteredThings { .. } => "ListRegisteredThings",
            Effect::DeregisterThing { .. } => "DeregisterThing",
            Effect::CheckDeleted { .. } => "CheckDeleted",
            Effect::StartDiscovery { .. } => "StartDiscovery",
            Effect::Wake { .. } => "Wake",
            Effect::GetDiscovery { .. } => "GetDiscovery",
            Effect::ListDiscoveredDevices { .. } => "ListDiscoveredDevices",
            Effect::AdoptDevice { .. } => "AdoptDevice",
            Effect::CountThings { .. } => "CountThings",
            Effect::OpenBrowser { .. } => "OpenBrowser",
            Effect::ActAsOwner { .. } => "ActAsOwner",
            Effect::UseProfile { .. } => "UseProfile",
            Effect::WriteReport { .. } => "WriteReport",
            Effect::Persist(_) => "Persist",
            Effect::Notify { .. } => "Notify",
            Effect::Exit(_) => "Exit",
        }
    }
}
