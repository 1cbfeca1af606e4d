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

/// A batch file's journal: the seed its rows' ClientTokens come from, and the associations
/// its runs made (by row token). No row content: no tag values, no auth material, no URLs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchJournal {
    pub version: u32,
    pub seed: String,
    /// Row ClientToken → association id.
    #[serde(default)]
    pub created: std::collections::BTreeMap<String, String>,
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

/// A journal another live process holds: read, never resumed or written, so that this run can
/// tell whether it would send that run's request a second time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldJournal {
    /// The holder, as its lock file names it (when readable).
    pub pid: Option<u32>,
    pub journal: Journal,
}

impl HeldJournal {
    /// The destination the holder's draft is for: the one chosen, else the one asked for.
    pub fn destination(&self) -> Option<&str> {
        let journal = &self.journal;
        match &journal.destination {
            Some(detail) => Some(&detail.id),
            None => journal.draft.destination.as_deref(),
        }
    }

    /// Whether a run starting from `draft` would send the holder's request again: the same
    /// destination and the same name, an association's identity for the operator. A draft
    /// without a name counts as the holder's when the holder's name is none or the one
    /// suggested from the destination, which is what this run would suggest too. Description,
    /// tags and auth material do not make a second association any less of a duplicate.
    pub fn same_request(&self, draft: &Draft) -> bool {
        let Some(destination) = self.destination() else {
            return false;
        };
        if draft.destination.as_deref() != Some(destination) {
            return false;
        }
        let held_name = self.journal.draft.name.as_deref();
        match &draft.name {
            Some(name) => held_name == Some(name.as_str()),
            None => {
                let suggested = self
                    .journal
                    .destination
                    .as_ref()
                    .map(|detail| crate::flow::validate::suggest_name(&detail.name));
                held_name.is_none() || held_name == suggested.as_deref()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(destination: Option<&str>, wanted: Option<&str>, name: Option<&str>) -> HeldJournal {
        let detail = destination.map(|id| crate::service::DestinationDetail {
            id: id.into(),
            name: "Acme Home".into(),
            description: String::new(),
            cloud_connector_id: "c1".into(),
            auth_materials: Vec::new(),
            has_oauth: true,
        });
        HeldJournal {
            pid: Some(42),
            journal: Journal {
                version: VERSION,
                saved_at: 0,
                step: SavedStep::Review,
                destination: detail,
                draft: Draft {
                    destination: wanted.map(Into::into),
                    name: name.map(Into::into),
                    tags: vec![("env".into(), "prod".into())],
                    ..Draft::default()
                },
                token_seed: "seed".into(),
                token_counter: 0,
                unanswered: None,
                association_id: None,
                devices: None,
            },
        }
    }

    fn draft(destination: &str, name: Option<&str>) -> Draft {
        Draft {
            destination: Some(destination.into()),
            name: name.map(Into::into),
            ..Draft::default()
        }
    }

    #[test]
    fn the_same_request_is_the_same_destination_and_name() {
        // Chosen (details known) or only asked for: the destination is the same either way.
        for holder in [
            held(Some("acme-home-us"), None, Some("X")),
            held(None, Some("acme-home-us"), Some("X")),
        ] {
            assert!(holder.same_request(&draft("acme-home-us", Some("X"))));
            assert!(!holder.same_request(&draft("acme-home-us", Some("Y"))));
            assert!(!holder.same_request(&draft("acme-home-eu", Some("X"))));
            assert!(!holder.same_request(&Draft::default()));
        }
        // Other tags or a description do not make it another association.
        let mut tagged = draft("acme-home-us", Some("X"));
        tagged.tags = vec![("team".into(), "ops".into())];
        tagged.description = Some("kitchen".into());
        assert!(held(Some("acme-home-us"), None, Some("X")).same_request(&tagged));
        // Without a name, this run would suggest the destination's, as the holder did.
        let suggested = crate::flow::validate::suggest_name("Acme Home");
        let holder = held(Some("acme-home-us"), None, Some(&suggested));
        assert!(holder.same_request(&draft("acme-home-us", None)));
        assert!(
            !held(Some("acme-home-us"), None, Some("X")).same_request(&draft("acme-home-us", None))
        );
        // A holder adopting devices (no draft) or browsing (no destination) is no request.
        assert!(!held(None, None, Some("X")).same_request(&draft("acme-home-us", Some("X"))));
    }

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
