//! What `update` asks the driver to do.

use std::time::Duration;

use super::model::Outcome;
use super::msg::Generation;
use crate::remote::Launcher;
use crate::service::CreateRequest;

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
    /// Send `Msg::PollDue { generation }` after `after`.
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
    /// GetAccountAssociation for the Manage view's detail panel (not a poll).
    FetchAssociation {
        generation: Generation,
        id: String,
    },
    DeleteAssociation {
        generation: Generation,
        id: String,
    },
    /// The URL has passed the URL policy; never through a shell.
    OpenBrowser {
        url: String,
        launcher: Launcher,
    },
    /// Copy to the clipboard of the terminal the user sits at (OSC 52).
    CopyToClipboard(String),
    /// Leave the full-screen UI and print this on the normal screen until a key is pressed,
    /// so the terminal's own selection copies it whole.
    ShowUnwrapped(String),
    Exit(Outcome),
}
