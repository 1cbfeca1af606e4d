//! What the runtime reports back: service answers, timers and the launcher.

use super::Generation;
use super::model::ReportFile;
use super::owner::OwnerAction;
use crate::service::{
    Association, AssociationSummary, CallerIdentity, CloudConnector, CreatedAssociation,
    DestinationDetail, DestinationSummary, DiscoveredDevice, Discovery, Page, ServiceError,
    ThingLink,
};

#[derive(Debug)]
pub enum Event {
    Identity(Result<CallerIdentity, ServiceError>),
    Region(Option<String>),
    Connectors(Result<Vec<CloudConnector>, ServiceError>),
    DestinationsPage {
        generation: Generation,
        result: Result<Page<DestinationSummary>, ServiceError>,
    },
    DestinationDetail {
        generation: Generation,
        result: Result<DestinationDetail, ServiceError>,
    },
    Created {
        generation: Generation,
        result: Result<CreatedAssociation, ServiceError>,
    },
    PollDue {
        generation: Generation,
    },
    /// A batch row's CreateAccountAssociation answered.
    RowCreated {
        row: usize,
        result: Result<CreatedAssociation, ServiceError>,
    },
    /// A batch row's GetAccountAssociation answered.
    RowPolled {
        row: usize,
        result: Result<Association, ServiceError>,
    },
    Polled {
        generation: Generation,
        result: Result<Association, ServiceError>,
    },
    Refreshed {
        generation: Generation,
        result: Result<String, ServiceError>,
    },
    /// The launcher ran (or failed to start).
    BrowserLaunched(Result<(), String>),
    AssociationsPage {
        generation: Generation,
        result: Result<Page<AssociationSummary>, ServiceError>,
    },
    AssociationDetail {
        generation: Generation,
        result: Result<Association, ServiceError>,
    },
    Deleted {
        generation: Generation,
        result: Result<(), ServiceError>,
    },
    RegisteredThings {
        generation: Generation,
        result: Result<Vec<ThingLink>, ServiceError>,
    },
    ThingDeregistered {
        generation: Generation,
        thing_id: String,
        result: Result<(), ServiceError>,
    },
    DeleteChecked {
        generation: Generation,
        result: Result<Association, ServiceError>,
    },
    /// The runtime works as the picked profile now; its journal (locked) and what it holds.
    ProfileReady {
        resume: Option<Box<crate::journal::Journal>>,
        /// Another live run holds that journal: what it holds.
        held: Option<Box<crate::journal::HeldJournal>>,
        notice: Option<String>,
        journaled: bool,
    },
    DiscoveryStarted {
        generation: Generation,
        result: Result<String, ServiceError>,
    },
    Woke {
        generation: Generation,
    },
    DiscoveryPolled {
        generation: Generation,
        result: Result<Discovery, ServiceError>,
    },
    DevicesPage {
        generation: Generation,
        result: Result<Page<DiscoveredDevice>, ServiceError>,
    },
    Adopted {
        generation: Generation,
        device_id: String,
        result: Result<String, ServiceError>,
    },
    ThingCounts {
        generation: Generation,
        result: Result<std::collections::BTreeMap<String, usize>, ServiceError>,
    },
    /// `demo`: the account owner's visit to the third party's pages ended (the association's
    /// new state is learnt by polling).
    OwnerActed {
        generation: Generation,
        action: OwnerAction,
        result: Result<(), String>,
    },
    /// Manage's report was written (the file's path and its number of rows), or why not.
    ReportWritten {
        generation: Generation,
        result: Result<ReportFile, String>,
    },
    /// The journal could not be written: say so once, carry on.
    JournalFailed(String),
}
