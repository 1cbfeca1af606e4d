//! The journal's data model: the draft, its ClientToken seed and, once created, the association
//! id, as saved on every change. Where and how it is written (atomically, 0600, under an OS
//! lock) is the application's.

use serde::{Deserialize, Serialize};

use crate::draft::Draft;
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
    /// The draft, as every journal has written its fields (`name`, `description`, `tags`,
    /// `auth_material`, and `wanted_destination`: the destination id given on the command line,
    /// while its details are not known yet).
    #[serde(flatten)]
    pub draft: Draft,
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
        clean(&mut self.token_seed);
        for field in [
            &mut self.draft.destination,
            &mut self.draft.name,
            &mut self.draft.description,
            &mut self.draft.auth_material,
            &mut self.association_id,
        ] {
            field.iter_mut().for_each(clean);
        }
        clean_tags(&mut self.draft.tags);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A journal as the versions before the Draft wrote it (its fields side by side): it
    /// still loads, each field into the draft.
    #[test]
    fn a_journal_written_before_the_draft_type_loads() {
        let written = r#"{
            "version": 1,
            "saved_at": 1764000000,
            "step": "Tags",
            "destination": null,
            "wanted_destination": "acme-home-us",
            "name": "Kitchen",
            "description": "",
            "tags": [["env", "prod"]],
            "auth_material": null,
            "token_seed": "seed",
            "token_counter": 2,
            "unanswered": null,
            "association_id": null
        }"#;
        let journal: Journal = serde_json::from_str(written).expect("an old journal loads");
        assert_eq!(
            journal.draft,
            Draft {
                destination: Some("acme-home-us".into()),
                name: Some("Kitchen".into()),
                description: None,
                tags: vec![("env".into(), "prod".into())],
                auth_material: None,
            }
        );
        assert_eq!(journal.token_counter, 2);
        // And is written back in the same form.
        let again = serde_json::to_value(&journal).unwrap();
        assert_eq!(again["name"], "Kitchen");
        assert_eq!(again["description"], "");
        assert_eq!(again["wanted_destination"], "acme-home-us");
    }
}
