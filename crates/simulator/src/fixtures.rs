//! The simulator's catalogue: cloud connectors, connector destinations and the devices each
//! connector's accounts hold (read-only while serving) plus seeded account associations.
//! Loaded from `assets/fixtures.json` or a
//! `--seed` file. Seed strings are deliberately NOT checked against the model's patterns:
//! tests feed hostile strings (escape sequences, bidi overrides) through them to exercise
//! the wizard's rendering. Only the structure (ids unique, references resolvable) is checked.

use std::collections::{BTreeMap, HashMap};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use super::oauth;

/// The built-in fixtures, embedded so the binary runs anywhere.
pub const DEFAULT_FIXTURES: &str = include_str!("../assets/fixtures.json");

/// Association states of the model.
pub const ASSOCIATION_STATES: [&str; 5] = [
    "ASSOCIATION_IN_PROGRESS",
    "ASSOCIATION_FAILED",
    "ASSOCIATION_SUCCEEDED",
    "ASSOCIATION_DELETING",
    "REFRESH_TOKEN_EXPIRED",
];

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Fixtures {
    #[serde(default)]
    pub cloud_connectors: Vec<Connector>,
    #[serde(default)]
    pub connector_destinations: Vec<Destination>,
    #[serde(default)]
    pub account_associations: Vec<SeedAssociation>,
    /// Simulator-only: the devices a linked account of each connector holds, as a CLOUD
    /// device discovery finds them. Connectors without any get a few generic ones.
    #[serde(default)]
    pub devices: Vec<CatalogDevice>,
}

/// One device of a connector's accounts (members as ListDiscoveredDevices names them).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CatalogDevice {
    pub cloud_connector_id: String,
    #[serde(rename = "ConnectorDeviceName")]
    pub name: String,
    pub brand: String,
    pub model: String,
    pub device_types: Vec<String>,
}

/// A cloud connector, serialized exactly as GetCloudConnector returns it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Connector {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default = "listed")]
    pub r#type: String,
    #[serde(default = "lambda")]
    pub endpoint_type: String,
    pub endpoint_config: EndpointConfig,
}

fn listed() -> String {
    "LISTED".into()
}
fn lambda() -> String {
    "LAMBDA".into()
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct EndpointConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lambda: Option<LambdaConfig>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct LambdaConfig {
    pub arn: String,
}

/// A connector destination, serialized exactly as GetConnectorDestination returns it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Destination {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub cloud_connector_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_config: Option<AuthConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secrets_manager: Option<SecretsManager>,
    #[serde(
        rename = "OAuthCompleteRedirectUrl",
        skip_serializing_if = "Option::is_none"
    )]
    pub oauth_complete_redirect_url: Option<String>,
    /// Simulator-only, never output: the OAuth client id the service presents to the third
    /// party (the real service keeps it in the destination's Secrets Manager secret).
    #[serde(rename = "ClientId", default, skip_serializing)]
    pub client_id: Option<String>,
}

impl Destination {
    pub fn oauth(&self) -> Option<&OAuthConfig> {
        self.auth_config.as_ref()?.oauth.as_ref()
    }

    /// What an authorization request for this destination is built from.
    pub fn oauth_client(&self) -> Option<oauth::Client> {
        let config = self.oauth()?;
        Some(oauth::Client {
            auth_url: config.auth_url.clone(),
            client_id: self
                .client_id
                .clone()
                .unwrap_or_else(|| format!("iotmi-{}", self.id)),
            scope: config.scope.clone(),
            complete_url: config
                .oauth_complete_redirect_url
                .clone()
                .or_else(|| self.oauth_complete_redirect_url.clone()),
        })
    }

    /// Fills in the simulator's endpoint where the fixture URLs name it.
    fn expand_urls(&mut self, endpoint: &str) {
        if let Some(config) = self.auth_config.as_mut().and_then(|c| c.oauth.as_mut()) {
            config.auth_url = oauth::expand(&config.auth_url, endpoint);
            config.token_url = oauth::expand(&config.token_url, endpoint);
            if let Some(url) = config.oauth_complete_redirect_url.as_mut() {
                *url = oauth::expand(url, endpoint);
            }
        }
        if let Some(url) = self.oauth_complete_redirect_url.as_mut() {
            *url = oauth::expand(url, endpoint);
        }
    }

    /// Names of the General Authorization materials the destination holds.
    pub fn auth_material_names(&self) -> Vec<&str> {
        self.auth_config
            .as_ref()
            .and_then(|c| c.general_authorization.as_ref())
            .map(|m| m.iter().map(|m| m.auth_material_name.as_str()).collect())
            .unwrap_or_default()
    }
}

/// Member names follow the model's jsonName/locationName: `oAuth`, `GeneralAuthorization`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AuthConfig {
    #[serde(rename = "oAuth", skip_serializing_if = "Option::is_none")]
    pub oauth: Option<OAuthConfig>,
    #[serde(
        rename = "GeneralAuthorization",
        skip_serializing_if = "Option::is_none"
    )]
    pub general_authorization: Option<Vec<AuthMaterial>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuthConfig {
    pub auth_url: String,
    pub token_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    pub token_endpoint_authentication_scheme: String,
    #[serde(
        rename = "oAuthCompleteRedirectUrl",
        skip_serializing_if = "Option::is_none"
    )]
    pub oauth_complete_redirect_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proactive_refresh_token_renewal: Option<ProactiveRefreshTokenRenewal>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ProactiveRefreshTokenRenewal {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(rename = "DaysBeforeRenewal", skip_serializing_if = "Option::is_none")]
    pub days_before_renewal: Option<i32>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuthMaterial {
    pub auth_material_name: String,
    pub secrets_manager: SecretsManager,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretsManager {
    pub arn: String,
    pub version_id: String,
}

/// A pre-existing account association. `ManagedThings` > 0 registers that many managed things
/// (adopted from a seeded discovery of its account's devices) with it, so that deleting it
/// fails with ConflictException until they are deregistered, as with the service.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SeedAssociation {
    pub account_association_id: String,
    pub connector_destination_id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default = "succeeded")]
    pub association_state: String,
    #[serde(default)]
    pub error_message: Option<String>,
    #[serde(default)]
    pub tags: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub general_authorization: Option<GeneralAuthorizationName>,
    #[serde(default)]
    pub managed_things: u32,
}

fn succeeded() -> String {
    "ASSOCIATION_SUCCEEDED".into()
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GeneralAuthorizationName {
    #[serde(default)]
    pub auth_material_name: Option<String>,
}

/// Connectors and destinations with O(1) lookups by id and per-connector destination
/// indexes, so filtered pages are cut by position without scanning 10,000 entries.
#[derive(Debug, Default)]
pub struct Catalog {
    pub connectors: Vec<Connector>,
    connector_index: HashMap<String, usize>,
    pub destinations: Vec<Destination>,
    destination_index: HashMap<String, usize>,
    by_connector: HashMap<String, Vec<usize>>,
    devices: HashMap<String, Vec<CatalogDevice>>,
}

impl Catalog {
    /// Builds the catalogue from fixtures plus `generated` synthetic destinations spread
    /// round-robin over the connectors; `endpoint` (`http://127.0.0.1:PORT`) replaces
    /// `{{ENDPOINT}}` in their URLs.
    pub fn build(fixtures: &Fixtures, generated: usize, endpoint: &str) -> anyhow::Result<Self> {
        let mut catalog = Catalog::default();
        for connector in &fixtures.cloud_connectors {
            if catalog
                .connector_index
                .insert(connector.id.clone(), catalog.connectors.len())
                .is_some()
            {
                bail!("fixtures: duplicate cloud connector id {:?}", connector.id);
            }
            catalog.connectors.push(connector.clone());
        }
        for destination in &fixtures.connector_destinations {
            catalog.add_destination(destination.clone(), endpoint)?;
        }
        if generated > 0 && catalog.connectors.is_empty() {
            bail!("--destinations needs at least one cloud connector in the fixtures");
        }
        for i in 0..generated {
            let connector = &catalog.connectors[i % catalog.connectors.len()];
            let destination = generated_destination(i, &connector.id);
            catalog.add_destination(destination, endpoint)?;
        }
        for device in &fixtures.devices {
            if !catalog
                .connector_index
                .contains_key(&device.cloud_connector_id)
            {
                bail!(
                    "fixtures: device {:?} names unknown cloud connector {:?}",
                    device.name,
                    device.cloud_connector_id
                );
            }
            catalog
                .devices
                .entry(device.cloud_connector_id.clone())
                .or_default()
                .push(device.clone());
        }
        for association in &fixtures.account_associations {
            if !catalog
                .destination_index
                .contains_key(&association.connector_destination_id)
            {
                bail!(
                    "fixtures: account association {:?} names unknown connector destination {:?}",
                    association.account_association_id,
                    association.connector_destination_id
                );
            }
            if !ASSOCIATION_STATES.contains(&association.association_state.as_str()) {
                bail!(
                    "fixtures: account association {:?} has state {:?}, expected one of {}",
                    association.account_association_id,
                    association.association_state,
                    ASSOCIATION_STATES.join(", ")
                );
            }
        }
        Ok(catalog)
    }

    fn add_destination(
        &mut self,
        mut destination: Destination,
        endpoint: &str,
    ) -> anyhow::Result<()> {
        destination.expand_urls(endpoint);
        if let Some(client) = destination.oauth_client() {
            // The longest URL this destination can produce: its random parts have fixed lengths.
            let callback = format!("{endpoint}{}", oauth::CALLBACK_PATH);
            let state = "s".repeat(oauth::STATE_LEN);
            let verifier = "v".repeat(oauth::VERIFIER_LEN);
            let length = oauth::authorization_url(&client, &callback, &state, &verifier).len();
            if length > oauth::MAX_AUTHORIZATION_URL {
                bail!(
                    "fixtures: connector destination {:?} would issue a {length}-character \
                     OAuthAuthorizationUrl, over the model's {} (shorten its authUrl, scope or ClientId)",
                    destination.id,
                    oauth::MAX_AUTHORIZATION_URL
                );
            }
        }
        if !self
            .connector_index
            .contains_key(&destination.cloud_connector_id)
        {
            bail!(
                "fixtures: connector destination {:?} names unknown cloud connector {:?}",
                destination.id,
                destination.cloud_connector_id
            );
        }
        let index = self.destinations.len();
        if self
            .destination_index
            .insert(destination.id.clone(), index)
            .is_some()
        {
            bail!(
                "fixtures: duplicate connector destination id {:?}",
                destination.id
            );
        }
        self.by_connector
            .entry(destination.cloud_connector_id.clone())
            .or_default()
            .push(index);
        self.destinations.push(destination);
        Ok(())
    }

    pub fn connector(&self, id: &str) -> Option<&Connector> {
        self.connector_index.get(id).map(|&i| &self.connectors[i])
    }

    pub fn destination(&self, id: &str) -> Option<&Destination> {
        self.destination_index
            .get(id)
            .map(|&i| &self.destinations[i])
    }

    /// The devices a linked account of this connector holds (may be empty).
    pub fn devices_of(&self, connector_id: &str) -> &[CatalogDevice] {
        self.devices.get(connector_id).map_or(&[], Vec::as_slice)
    }

    /// Indexes into `destinations` of one connector's destinations, in insertion order.
    pub fn destinations_of(&self, connector_id: &str) -> &[usize] {
        self.by_connector
            .get(connector_id)
            .map_or(&[], Vec::as_slice)
    }
}

/// Parses a fixtures document (the embedded default or a `--seed` file's contents).
pub fn parse(text: &str, origin: &str) -> anyhow::Result<Fixtures> {
    serde_json::from_str(text).with_context(|| format!("reading fixtures from {origin}"))
}

/// Deterministic synthetic destination number `i`: even ones use OAuth (with the
/// connector's consent page on the simulator), odd ones one General Authorization material,
/// so both flows appear in large lists.
fn generated_destination(i: usize, connector_id: &str) -> Destination {
    let oauth = i.is_multiple_of(2);
    let third_party = format!(
        "{}{}{connector_id}/oauth",
        oauth::ENDPOINT_PLACEHOLDER,
        oauth::THIRD_PARTY_PREFIX
    );
    let auth_config = if oauth {
        AuthConfig {
            oauth: Some(OAuthConfig {
                auth_url: format!("{third_party}/authorize"),
                token_url: format!("{third_party}/token"),
                scope: Some("devices.read devices.control".into()),
                token_endpoint_authentication_scheme: "HTTP_BASIC".into(),
                oauth_complete_redirect_url: Some(format!(
                    "{}{}/generated-destination-{i:05}",
                    oauth::ENDPOINT_PLACEHOLDER,
                    oauth::COMPLETE_PATH
                )),
                proactive_refresh_token_renewal: None,
            }),
            general_authorization: None,
        }
    } else {
        AuthConfig {
            oauth: None,
            general_authorization: Some(vec![AuthMaterial {
                auth_material_name: "api-key".into(),
                secrets_manager: SecretsManager {
                    arn: format!(
                        "arn:aws:secretsmanager:us-east-1:123456789012:secret:generated-{i:05}-AbCdEf"
                    ),
                    version_id: format!("{:032x}", i as u128 + 1),
                },
            }]),
        }
    };
    Destination {
        id: format!("generated-destination-{i:05}"),
        name: format!("Generated destination {i:05}"),
        description: Some(format!("Synthetic destination number {i} for large lists")),
        cloud_connector_id: connector_id.to_owned(),
        // The model's AuthType enum has only OAUTH; GA-only destinations leave it out.
        auth_type: oauth.then(|| "OAUTH".into()),
        auth_config: Some(auth_config),
        secrets_manager: None,
        oauth_complete_redirect_url: None,
        client_id: oauth.then(|| format!("iotmi-generated-client-{i:05}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate;

    /// A five-digit port, like every ephemeral port on Linux (32768–60999).
    const ENDPOINT: &str = "http://127.0.0.1:45678";

    #[test]
    fn default_fixtures_load_and_fit_the_model() {
        let fixtures = parse(DEFAULT_FIXTURES, "default").expect("default fixtures parse");
        let catalog =
            Catalog::build(&fixtures, 0, ENDPOINT).expect("default fixtures are consistent");
        assert!(catalog.connectors.len() >= 3);
        assert!(catalog.destinations.len() >= 6);
        // The defaults (unlike seeds) must be valid service output.
        for d in &catalog.destinations {
            validate::check("Name", &d.name, &validate::ACCOUNT_ASSOCIATION_NAME).expect(&d.name);
            validate::check("Id", &d.id, &validate::RESOURCE_ID).expect(&d.id);
        }
        for c in &catalog.connectors {
            validate::check("Name", &c.name, &validate::ACCOUNT_ASSOCIATION_NAME).expect(&c.name);
        }
        assert!(
            catalog
                .destinations
                .iter()
                .any(|d| d.oauth().is_some() && d.auth_material_names().is_empty())
        );
        assert!(
            catalog
                .destinations
                .iter()
                .any(|d| d.oauth().is_none() && !d.auth_material_names().is_empty())
        );
    }

    #[test]
    fn generated_destinations_spread_over_connectors() {
        let fixtures = parse(DEFAULT_FIXTURES, "default").expect("parse");
        let catalog = Catalog::build(&fixtures, 10_000, ENDPOINT).expect("build");
        let d = catalog
            .destination("generated-destination-00042")
            .expect("generated");
        assert_eq!(d.name, "Generated destination 00042");
        let total: usize = catalog
            .connectors
            .iter()
            .map(|c| catalog.destinations_of(&c.id).len())
            .sum();
        assert_eq!(total, catalog.destinations.len());
    }

    #[test]
    fn structural_errors_are_reported() {
        let dup = r#"{"CloudConnectors":[{"Id":"a","Name":"A","EndpointConfig":{}},{"Id":"a","Name":"B","EndpointConfig":{}}]}"#;
        assert!(Catalog::build(&parse(dup, "t").expect("parse"), 0, ENDPOINT).is_err());
        let dangling = r#"{"CloudConnectors":[{"Id":"a","Name":"A","EndpointConfig":{}}],
            "ConnectorDestinations":[{"Id":"d","Name":"D","CloudConnectorId":"nope"}]}"#;
        assert!(Catalog::build(&parse(dangling, "t").expect("parse"), 0, ENDPOINT).is_err());
    }

    #[test]
    fn hostile_strings_are_accepted_in_seeds() {
        let seed = "{\"CloudConnectors\":[{\"Id\":\"a\",\"Name\":\"\\u001b[31mred\",\"EndpointConfig\":{}}],
            \"ConnectorDestinations\":[{\"Id\":\"d\",\"Name\":\"evil \\u202e txt\",\"CloudConnectorId\":\"a\"}]}";
        let catalog =
            Catalog::build(&parse(seed, "t").expect("parse"), 0, ENDPOINT).expect("build");
        assert_eq!(
            catalog.destination("d").map(|d| d.name.as_str()),
            Some("evil \u{202e} txt")
        );
    }
}
