//! The journal's data model: the draft, its ClientToken seed and, once created, the association
//! id, as saved on every change. Where and how it is written (atomically, 0600, under an OS
//! lock) is the application's.

use serde::{Deserialize, Serialize};

use crate::service::{CreateRequest, DestinationDetail};

pub const VERSION: u32 = 1;

/// The step a draft was on, as saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SavedStep {
    Destination,
    Details,
    Tags,
    Auth,
    Review,
}

/// There is no consent URL here: it is sensitive (whoever completes it links their account to
/// this customer), so it is kept nowhere and a resume asks GetAccountAssociation for it.
/// Journals of earlier versions that held one (`oauth_url`) still load: serde skips the field,
/// and the next write drops it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    pub version: u32,
    /// Seconds since the epoch; set when written.
    pub saved_at: u64,
    pub step: SavedStep,
    /// What GetConnectorDestination said, so a resume needs no call before the saved step.
    pub destination: Option<DestinationDetail>,
    /// The destination id given on the command line, while its details are not known yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wanted_destination: Option<String>,
    pub name: String,
    pub description: String,
    pub tags: Vec<(String, String)>,
    pub auth_material: Option<String>,
    pub token_seed: String,
    pub token_counter: u32,
    /// The request sent and not (known to be) answered: resent as is on resume, so the service
    /// returns the association it may already have created.
    pub unanswered: Option<CreateRequest>,
    pub association_id: Option<String>,
    /// Devices being adopted: a rerun lists the discovery again and adopts the rest with the
    /// same ClientTokens (from `token_seed`), never a second managed thing for a device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<DevicesJournal>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevicesJournal {
    pub association_id: String,
    pub association_name: String,
    pub discovery_id: String,
    /// Connector device ids chosen and not adopted yet.
    pub selected: Vec<String>,
    pub from_manage: bool,
}

impl Journal {
    /// Every string a terminal may show, through [`crate::text::sanitize`] as the service's
    /// strings are: a tampered journal's escape sequences become visible, inert stand-ins on
    /// every screen, prompt and summary. A journal we wrote holds none (validation refuses
    /// them, the service's strings were sanitised on arrival), so nothing of ours changes. The
    /// consent URL stays raw, as the service's does: the URL policy judges it, and it is
    /// sanitised where it is shown.
    pub fn sanitized(mut self) -> Self {
        fn clean(s: &mut String) {
            if let std::borrow::Cow::Owned(safe) = crate::text::sanitize(s) {
                *s = safe;
            }
        }
        fn clean_tags(tags: &mut [(String, String)]) {
            for (key, value) in tags {
                clean(key);
                clean(value);
            }
        }
        if let Some(destination) = &mut self.destination {
            clean(&mut destination.id);
            clean(&mut destination.name);
            clean(&mut destination.description);
            clean(&mut destination.cloud_connector_id);
            destination.auth_materials.iter_mut().for_each(clean);
        }
        if let Some(request) = &mut self.unanswered {
            clean(&mut request.client_token);
            clean(&mut request.destination_id);
            request.name.iter_mut().for_each(clean);
            request.description.iter_mut().for_each(clean);
            clean_tags(&mut request.tags);
            request.auth_material.iter_mut().for_each(clean);
        }
        for field in [&mut self.name, &mut self.description, &mut self.token_seed] {
            clean(field);
        }
        for field in [
            &mut self.wanted_destination,
            &mut self.auth_material,
            &mut self.association_id,
        ] {
            field.iter_mut().for_each(clean);
        }
        clean_tags(&mut self.tags);
        self
    }
}
