//! One association as the commands print it: JSON with the AWS API's member names, or text rows.

use std::collections::BTreeMap;

use iotmi_core::service::{Association, AssociationSummary, CreatedAssociation};
use iotmi_core::text::sanitize;

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssociationRecord {
    pub account_association_id: String,
    pub arn: String,
    pub association_state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connector_destination_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    #[serde(
        rename = "OAuthAuthorizationUrl",
        skip_serializing_if = "Option::is_none"
    )]
    pub oauth_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_material_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_token: Option<String>,
}

/// The service's URL is unsanitised (the URL policy checks it raw); printed, it is sanitised.
fn shown_url(raw: &str) -> Option<String> {
    (!raw.is_empty()).then(|| sanitize(raw).into_owned())
}

fn non_empty(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_owned())
}

impl AssociationRecord {
    pub fn created(created: &CreatedAssociation, client_token: &str) -> Self {
        Self {
            account_association_id: created.id.clone(),
            arn: created.arn.clone(),
            association_state: created.state.to_string(),
            oauth_url: shown_url(&created.oauth_url),
            client_token: Some(client_token.to_owned()),
            ..Self::default()
        }
    }

    pub fn full(association: &Association) -> Self {
        Self {
            account_association_id: association.id.clone(),
            arn: association.arn.clone(),
            association_state: association.state.to_string(),
            connector_destination_id: non_empty(&association.destination_id),
            name: non_empty(&association.name),
            description: non_empty(&association.description),
            error_message: association.error_message.clone(),
            oauth_url: shown_url(&association.oauth_url),
            auth_material_name: association.auth_material.clone(),
            tags: Some(association.tags.clone()),
            client_token: None,
        }
    }

    pub fn summary(item: &AssociationSummary) -> Self {
        Self {
            account_association_id: item.id.clone(),
            arn: item.arn.clone(),
            association_state: item.state.to_string(),
            connector_destination_id: non_empty(&item.destination_id),
            name: non_empty(&item.name),
            description: non_empty(&item.description),
            error_message: item.error_message.clone(),
            ..Self::default()
        }
    }

    /// Text rows, in a fixed order; absent values are left out.
    pub fn rows(&self) -> Vec<(&'static str, String)> {
        let mut rows = vec![
            ("association-id", self.account_association_id.clone()),
            ("arn", self.arn.clone()),
            ("state", self.association_state.clone()),
        ];
        let mut push = |key, value: &Option<String>| {
            if let Some(value) = value {
                rows.push((key, value.clone()));
            }
        };
        push("name", &self.name);
        push("description", &self.description);
        push("destination", &self.connector_destination_id);
        push("auth-material", &self.auth_material_name);
        push("error", &self.error_message);
        push("client-token", &self.client_token);
        if let Some(tags) = self.tags.as_ref().filter(|t| !t.is_empty()) {
            let joined: Vec<String> = tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
            rows.push(("tags", joined.join(", ")));
        }
        // Last, on a line of its own: the one value a user copies.
        if let Some(url) = &self.oauth_url {
            rows.push(("url", url.clone()));
        }
        rows
    }
}
