//! The association's inputs, one type from flags to journal to request: the command line's
//! flags parse into a [`Draft`] (with the `clap` feature), the flow starts from it (its
//! prefill), the journal saves it, and the CreateAccountAssociation request is built from it.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::service::CreateRequest;

/// What the operator gave for the association: every field optional until it is sent.
///
/// Its JSON is the journal's (field names and types of every journal written so far): the
/// destination id is `wanted_destination`, name and description are strings ("" when none).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct Draft {
    /// The connector destination id (ConnectorDestinationId).
    #[cfg_attr(feature = "clap", arg(long, value_name = "ID"))]
    #[serde(
        rename = "wanted_destination",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub destination: Option<String>,
    /// The association's name (default: suggested from the destination's name).
    #[cfg_attr(feature = "clap", arg(long, value_name = "NAME"))]
    #[serde(default, with = "text_or_none")]
    pub name: Option<String>,
    /// The association's description.
    #[cfg_attr(feature = "clap", arg(long, value_name = "TEXT"))]
    #[serde(default, with = "text_or_none")]
    pub description: Option<String>,
    /// A tag (repeatable).
    #[cfg_attr(
        feature = "clap",
        arg(long = "tag", value_name = "KEY=VALUE", value_parser = parse_tag)
    )]
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    /// The General Authorization material name (for destinations that use one).
    #[cfg_attr(feature = "clap", arg(long, value_name = "NAME"))]
    #[serde(default)]
    pub auth_material: Option<String>,
}

impl Draft {
    pub fn is_empty(&self) -> bool {
        *self == Draft::default()
    }

    /// The CreateAccountAssociation request for this draft, sent to `destination_id` under
    /// `client_token`. An empty description is not sent; the auth material only to a
    /// destination that uses General Authorization.
    pub fn request(
        &self,
        client_token: String,
        destination_id: String,
        general_authorization: bool,
    ) -> CreateRequest {
        CreateRequest {
            client_token,
            destination_id,
            name: Some(self.name.clone().unwrap_or_default()),
            description: self.description.clone().filter(|d| !d.is_empty()),
            tags: self.tags.clone(),
            auth_material: if general_authorization {
                self.auth_material.clone()
            } else {
                None
            },
        }
    }
}

/// `--tag KEY=VALUE`.
pub fn parse_tag(raw: &str) -> Result<(String, String), String> {
    let (key, value) = raw
        .split_once('=')
        .ok_or_else(|| format!("'{raw}' is not KEY=VALUE"))?;
    Ok((key.to_string(), value.to_string()))
}

/// The journal keeps name and description as strings, "" for none.
mod text_or_none {
    use super::*;

    pub fn serialize<S: Serializer>(value: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(value.as_deref().unwrap_or(""))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        let text = Option::<String>::deserialize(d)?;
        Ok(text.filter(|t| !t.is_empty()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_journal_form_round_trips() {
        let draft = Draft {
            destination: Some("dest-1".into()),
            name: Some("Kitchen".into()),
            description: None,
            tags: vec![("env".into(), "prod".into())],
            auth_material: Some("key".into()),
        };
        let json = serde_json::to_value(&draft).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "wanted_destination": "dest-1",
                "name": "Kitchen",
                "description": "",
                "tags": [["env", "prod"]],
                "auth_material": "key",
            })
        );
        assert_eq!(serde_json::from_value::<Draft>(json).unwrap(), draft);
    }

    #[test]
    fn the_request_is_built_from_the_draft() {
        let draft = Draft {
            destination: Some("ignored: the caller names the destination".into()),
            name: Some("Kitchen".into()),
            description: Some(String::new()),
            tags: vec![("env".into(), "prod".into())],
            auth_material: Some("key".into()),
        };
        let request = draft.request("tok-0".into(), "dest-1".into(), false);
        assert_eq!(
            request,
            CreateRequest {
                client_token: "tok-0".into(),
                destination_id: "dest-1".into(),
                name: Some("Kitchen".into()),
                description: None,
                tags: vec![("env".into(), "prod".into())],
                auth_material: None,
            }
        );
        assert_eq!(
            draft
                .request("t".into(), "d".into(), true)
                .auth_material
                .as_deref(),
            Some("key")
        );
    }

    #[test]
    fn tags_parse_as_key_equals_value() {
        assert_eq!(
            parse_tag("env=a=b"),
            Ok(("env".to_string(), "a=b".to_string()))
        );
        assert!(parse_tag("env").is_err());
    }
}
