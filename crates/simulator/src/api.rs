//! The operations on connectors, destinations and account associations (`device_api` has
//! discovery and managed things): input parsing and validation, then the catalogue or the
//! store, then the JSON the model describes. Request members are read from a
//! `serde_json::Value` by hand so that a wrong type is reported with the member's name.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::device_api;
use super::error::ApiError;
use super::fixtures::{Connector, Destination};
use super::paging::{self, DEFAULT_PAGE_SIZE, ListKind};
use super::server::Shared;
use super::store::{Association, NewAssociation};
use super::validate::{self as v, check, check_opt};

/// The account id in every ARN the simulator makes.
pub const ACCOUNT_ID: &str = "123456789012";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    ListCloudConnectors,
    GetCloudConnector(String),
    ListConnectorDestinations,
    GetConnectorDestination(String),
    CreateAccountAssociation,
    GetAccountAssociation(String),
    ListAccountAssociations,
    UpdateAccountAssociation(String),
    StartAccountAssociationRefresh(String),
    DeleteAccountAssociation(String),
    StartDeviceDiscovery,
    GetDeviceDiscovery(String),
    ListDeviceDiscoveries,
    ListDiscoveredDevices(String),
    CreateManagedThing,
    GetManagedThing(String),
    ListManagedThings,
    RegisterAccountAssociation,
    DeregisterAccountAssociation,
    ListManagedThingAccountAssociations,
}

impl Operation {
    /// The operation's name in the model (what its quota is named after).
    pub fn name(&self) -> &'static str {
        match self {
            Self::ListCloudConnectors => "ListCloudConnectors",
            Self::GetCloudConnector(_) => "GetCloudConnector",
            Self::ListConnectorDestinations => "ListConnectorDestinations",
            Self::GetConnectorDestination(_) => "GetConnectorDestination",
            Self::CreateAccountAssociation => "CreateAccountAssociation",
            Self::GetAccountAssociation(_) => "GetAccountAssociation",
            Self::ListAccountAssociations => "ListAccountAssociations",
            Self::UpdateAccountAssociation(_) => "UpdateAccountAssociation",
            Self::StartAccountAssociationRefresh(_) => "StartAccountAssociationRefresh",
            Self::DeleteAccountAssociation(_) => "DeleteAccountAssociation",
            Self::StartDeviceDiscovery => "StartDeviceDiscovery",
            Self::GetDeviceDiscovery(_) => "GetDeviceDiscovery",
            Self::ListDeviceDiscoveries => "ListDeviceDiscoveries",
            Self::ListDiscoveredDevices(_) => "ListDiscoveredDevices",
            Self::CreateManagedThing => "CreateManagedThing",
            Self::GetManagedThing(_) => "GetManagedThing",
            Self::ListManagedThings => "ListManagedThings",
            Self::RegisterAccountAssociation => "RegisterAccountAssociation",
            Self::DeregisterAccountAssociation => "DeregisterAccountAssociation",
            Self::ListManagedThingAccountAssociations => "ListManagedThingAccountAssociations",
        }
    }
}

pub type Query = HashMap<String, String>;

pub fn handle(
    shared: &Shared,
    op: Operation,
    region: &str,
    query: &Query,
    body: &[u8],
) -> Result<Response, ApiError> {
    let now = Instant::now();
    match op {
        Operation::ListCloudConnectors => list_cloud_connectors(shared, query),
        Operation::GetCloudConnector(id) => {
            check("Identifier", &id, &v::RESOURCE_ID)?;
            let connector = shared
                .catalog
                .connector(&id)
                .ok_or_else(|| ApiError::not_found("CloudConnector", &id))?;
            Ok(ok_json(StatusCode::OK, connector_json(connector)))
        }
        Operation::ListConnectorDestinations => list_connector_destinations(shared, query),
        Operation::GetConnectorDestination(id) => {
            check("Identifier", &id, &v::RESOURCE_ID)?;
            let destination = shared
                .catalog
                .destination(&id)
                .ok_or_else(|| ApiError::not_found("ConnectorDestination", &id))?;
            Ok(ok_json(
                StatusCode::OK,
                serde_json::to_value(destination).unwrap_or(Value::Null),
            ))
        }
        Operation::CreateAccountAssociation => create(shared, region, body, now),
        Operation::GetAccountAssociation(id) => {
            check("AccountAssociationId", &id, &v::ACCOUNT_ASSOCIATION_ID)?;
            let mut store = shared.lock_store();
            let association = store.get(&id, now)?;
            Ok(ok_json(
                StatusCode::OK,
                association_json(association, region, true),
            ))
        }
        Operation::ListAccountAssociations => list_account_associations(shared, region, query, now),
        Operation::UpdateAccountAssociation(id) => {
            check("AccountAssociationId", &id, &v::ACCOUNT_ASSOCIATION_ID)?;
            let input = parse_object(body)?;
            let name = opt_string(&input, "Name")?;
            let description = opt_string(&input, "Description")?;
            check_opt("Name", name.as_deref(), &v::ACCOUNT_ASSOCIATION_NAME)?;
            check_opt(
                "Description",
                description.as_deref(),
                &v::ACCOUNT_ASSOCIATION_DESCRIPTION,
            )?;
            shared.lock_store().update(&id, name, description, now)?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        Operation::StartAccountAssociationRefresh(id) => {
            check("AccountAssociationId", &id, &v::ACCOUNT_ASSOCIATION_ID)?;
            let url = shared.lock_store().refresh(&id, now)?;
            Ok(ok_json(
                StatusCode::OK,
                json!({ "OAuthAuthorizationUrl": url }),
            ))
        }
        Operation::DeleteAccountAssociation(id) => {
            check("AccountAssociationId", &id, &v::ACCOUNT_ASSOCIATION_ID)?;
            shared.lock_store().delete(&id, now)?;
            Ok(StatusCode::OK.into_response())
        }
        other => device_api::handle(shared, other, region, query, body, now),
    }
}

pub fn ok_json(status: StatusCode, value: Value) -> Response {
    let mut response = (status, value.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// `arn:aws:iotmanagedintegrations:REGION:ACCOUNT:KIND/ID`
pub fn arn_of(region: &str, kind: &str, id: &str) -> String {
    format!("arn:aws:iotmanagedintegrations:{region}:{ACCOUNT_ID}:{kind}/{id}")
}

fn arn(region: &str, id: &str) -> String {
    arn_of(region, "account-association", id)
}

fn connector_json(connector: &Connector) -> Value {
    serde_json::to_value(connector).unwrap_or(Value::Null)
}

fn destination_summary(destination: &Destination) -> Value {
    let mut item = json!({
        "Id": destination.id,
        "Name": destination.name,
        "CloudConnectorId": destination.cloud_connector_id,
    });
    if let Some(description) = &destination.description {
        item["Description"] = description.as_str().into();
    }
    item
}

/// GetAccountAssociation's output (`full`) or a ListAccountAssociations item.
fn association_json(a: &Association, region: &str, full: bool) -> Value {
    let mut out = Map::new();
    out.insert("AccountAssociationId".into(), a.id.as_str().into());
    out.insert("AssociationState".into(), a.phase.state_name().into());
    out.insert(
        "ConnectorDestinationId".into(),
        a.destination_id.as_str().into(),
    );
    out.insert("Arn".into(), arn(region, &a.id).into());
    insert_present(
        &mut out,
        [
            ("ErrorMessage", &a.error_message),
            ("Name", &a.name),
            ("Description", &a.description),
        ],
    );
    if full {
        out.insert("OAuthAuthorizationUrl".into(), a.consent_url().into());
        if let Some(tags) = &a.tags {
            out.insert("Tags".into(), json!(tags));
        }
        if let Some(material) = &a.auth_material_name {
            out.insert(
                "GeneralAuthorization".into(),
                json!({ "AuthMaterialName": material }),
            );
        }
    }
    Value::Object(out)
}

/// Adds the string members that are present (absent ones are left out, as the service does).
pub fn insert_present<'a>(
    out: &mut Map<String, Value>,
    members: impl IntoIterator<Item = (&'a str, &'a Option<String>)>,
) {
    for (key, value) in members {
        if let Some(value) = value {
            out.insert(key.into(), value.as_str().into());
        }
    }
}

pub fn page_json(items_key: &str, items: Vec<Value>, next: Option<String>) -> Value {
    let mut out = json!({ items_key: items });
    if let Some(token) = next {
        out["NextToken"] = token.into();
    }
    out
}

fn list_cloud_connectors(shared: &Shared, query: &Query) -> Result<Response, ApiError> {
    let kind = query.get("Type").map(String::as_str);
    let lambda_arn = query.get("LambdaArn").map(String::as_str);
    if let Some(kind) = kind {
        v::check_enum("Type", kind, &["LISTED", "UNLISTED"])?;
    }
    if let Some(arn) = lambda_arn {
        v::check_lambda_arn("LambdaArn", arn)?;
    }
    let limit = v::parse_max_results(
        query.get("MaxResults").map(String::as_str),
        DEFAULT_PAGE_SIZE,
    )?;
    let filter = format!("{}|{}", kind.unwrap_or(""), lambda_arn.unwrap_or(""));
    let start = paging::start_position(
        ListKind::CloudConnectors,
        &filter,
        query.get("NextToken").map(String::as_str),
    )?;
    let matches = |c: &Connector| {
        kind.is_none_or(|k| c.r#type == k)
            && lambda_arn.is_none_or(|arn| {
                c.endpoint_config
                    .lambda
                    .as_ref()
                    .is_some_and(|l| l.arn == arn)
            })
    };
    let connectors = &shared.catalog.connectors;
    let candidates = connectors
        .iter()
        .enumerate()
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .filter(|(_, c)| matches(c));
    let (items, next) = take_page(candidates, limit);
    let next = next.map(|i| paging::encode(ListKind::CloudConnectors, &filter, i as u64));
    Ok(ok_json(
        StatusCode::OK,
        page_json(
            "Items",
            items.into_iter().map(connector_json).collect(),
            next,
        ),
    ))
}

/// Up to `limit` items and the position of the first item left over.
fn take_page<'a, T: 'a>(
    mut candidates: impl Iterator<Item = (usize, &'a T)>,
    limit: usize,
) -> (Vec<&'a T>, Option<usize>) {
    let items: Vec<&T> = candidates
        .by_ref()
        .take(limit)
        .map(|(_, item)| item)
        .collect();
    (items, candidates.next().map(|(position, _)| position))
}

fn list_connector_destinations(shared: &Shared, query: &Query) -> Result<Response, ApiError> {
    let connector = query.get("CloudConnectorId").map(String::as_str);
    check_opt("CloudConnectorId", connector, &v::RESOURCE_ID)?;
    let limit = v::parse_max_results(
        query.get("MaxResults").map(String::as_str),
        DEFAULT_PAGE_SIZE,
    )?;
    let filter = connector.unwrap_or("");
    let start = paging::start_position(
        ListKind::ConnectorDestinations,
        filter,
        query.get("NextToken").map(String::as_str),
    )?;
    let start = usize::try_from(start).unwrap_or(usize::MAX);
    let catalog = &shared.catalog;
    // Positions index the (filtered) sequence, so a page is a slice: no scan, no clone.
    let (items, next): (Vec<&Destination>, Option<usize>) = match connector {
        None => {
            let all = catalog.destinations.get(start..).unwrap_or(&[]);
            let page = &all[..limit.min(all.len())];
            (
                page.iter().collect(),
                (all.len() > limit).then_some(start + limit),
            )
        }
        Some(id) => {
            let all = catalog.destinations_of(id).get(start..).unwrap_or(&[]);
            let page = &all[..limit.min(all.len())];
            (
                page.iter().map(|&i| &catalog.destinations[i]).collect(),
                (all.len() > limit).then_some(start + limit),
            )
        }
    };
    let next = next.map(|p| paging::encode(ListKind::ConnectorDestinations, filter, p as u64));
    let items = items.into_iter().map(destination_summary).collect();
    Ok(ok_json(
        StatusCode::OK,
        page_json("ConnectorDestinationList", items, next),
    ))
}

fn list_account_associations(
    shared: &Shared,
    region: &str,
    query: &Query,
    now: Instant,
) -> Result<Response, ApiError> {
    let destination = query.get("ConnectorDestinationId").map(String::as_str);
    check_opt("ConnectorDestinationId", destination, &v::RESOURCE_ID)?;
    let limit = v::parse_max_results(
        query.get("MaxResults").map(String::as_str),
        DEFAULT_PAGE_SIZE,
    )?;
    let filter = destination.unwrap_or("");
    let start = paging::start_position(
        ListKind::AccountAssociations,
        filter,
        query.get("NextToken").map(String::as_str),
    )?;
    let mut store = shared.lock_store();
    let (items, next) = store.page(destination, start, limit, now, |a| {
        association_json(a, region, false)
    });
    drop(store);
    let next = next.map(|seq| paging::encode(ListKind::AccountAssociations, filter, seq));
    Ok(ok_json(StatusCode::OK, page_json("Items", items, next)))
}

fn create(shared: &Shared, region: &str, body: &[u8], now: Instant) -> Result<Response, ApiError> {
    let input = parse_object(body)?;
    let client_token = opt_string(&input, "ClientToken")?;
    let destination_id = opt_string(&input, "ConnectorDestinationId")?
        .ok_or_else(|| ApiError::validation("ConnectorDestinationId: is required"))?;
    let name = opt_string(&input, "Name")?;
    let description = opt_string(&input, "Description")?;
    let tags = opt_tags(&input)?;
    let material = match input.get("GeneralAuthorization") {
        None | Some(Value::Null) => None,
        Some(Value::Object(ga)) => opt_string(ga, "AuthMaterialName")
            .map_err(|e| ApiError::validation(format!("GeneralAuthorization.{}", e.message())))?,
        Some(other) => {
            return Err(ApiError::validation(format!(
                "GeneralAuthorization: expected an object, got {}",
                type_name(other)
            )));
        }
    };

    check_opt("ClientToken", client_token.as_deref(), &v::CLIENT_TOKEN)?;
    check("ConnectorDestinationId", &destination_id, &v::RESOURCE_ID)?;
    check_opt("Name", name.as_deref(), &v::ACCOUNT_ASSOCIATION_NAME)?;
    check_opt(
        "Description",
        description.as_deref(),
        &v::ACCOUNT_ASSOCIATION_DESCRIPTION,
    )?;
    if let Some(tags) = &tags {
        v::check_tags(tags)?;
    }
    check_opt(
        "GeneralAuthorization.AuthMaterialName",
        material.as_deref(),
        &v::AUTH_MATERIAL_NAME,
    )?;

    let destination = shared
        .catalog
        .destination(&destination_id)
        .ok_or_else(|| ApiError::not_found("ConnectorDestination", &destination_id))?;
    let held = destination.auth_material_names();
    match &material {
        Some(name) if !held.contains(&name.as_str()) => {
            let held = if held.is_empty() {
                "none".to_owned()
            } else {
                held.join(", ")
            };
            return Err(ApiError::validation(format!(
                "GeneralAuthorization.AuthMaterialName: {name:?} is not an authorization material of connector \
                 destination {destination_id} (it holds: {held})"
            )));
        }
        None if destination.oauth().is_none() && !held.is_empty() => {
            return Err(ApiError::validation(format!(
                "GeneralAuthorization.AuthMaterialName: is required for connector destination {destination_id}, \
                 which uses General Authorization and has no OAuth configuration (it holds: {})",
                held.join(", ")
            )));
        }
        _ => {}
    }
    let request = NewAssociation {
        client_token,
        destination_id,
        name,
        description,
        tags,
        // A destination with neither OAuth nor materials (possible in seeds) authorizes on its own.
        oauth: if material.is_none() {
            destination.oauth_client()
        } else {
            None
        },
        auth_material_name: material,
    };
    let mut store = shared.lock_store();
    let (association, _created) = store.create(request, now)?;
    let out = json!({
        "OAuthAuthorizationUrl": association.consent_url(),
        "AccountAssociationId": association.id,
        "AssociationState": association.phase.state_name(),
        "Arn": arn(region, &association.id),
    });
    // A replay with the same ClientToken answers exactly like the original: 201.
    Ok(ok_json(StatusCode::CREATED, out))
}

/// The request body as a JSON object; an empty body is an empty object.
pub fn parse_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(ApiError::validation(format!(
            "Request body: expected a JSON object, got {}",
            type_name(&other)
        ))),
        Err(err) => Err(ApiError::validation(format!(
            "Request body: malformed JSON: {err}"
        ))),
    }
}

pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// An optional string member; null counts as absent, as the SDKs treat it.
pub fn opt_string(input: &Map<String, Value>, field: &str) -> Result<Option<String>, ApiError> {
    match input.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(ApiError::validation(format!(
            "{field}: expected a string, got {}",
            type_name(other)
        ))),
    }
}

pub fn opt_tags(input: &Map<String, Value>) -> Result<Option<BTreeMap<String, String>>, ApiError> {
    opt_map(input, "Tags")
}

/// An optional string-to-string map member (Tags, MetaData, CustomProtocolDetail).
pub fn opt_map(
    input: &Map<String, Value>,
    field: &str,
) -> Result<Option<BTreeMap<String, String>>, ApiError> {
    match input.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                other => Err(ApiError::validation(format!(
                    "{field}: the value of {k:?} must be a string, got {}",
                    type_name(other)
                ))),
            })
            .collect::<Result<BTreeMap<_, _>, _>>()
            .map(Some),
        Some(other) => Err(ApiError::validation(format!(
            "{field}: expected an object, got {}",
            type_name(other)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_types_name_the_member() {
        let input = parse_object(br#"{"Name": 5, "Tags": {"a": 1}}"#).expect("object");
        assert_eq!(
            opt_string(&input, "Name")
                .err()
                .map(|e| e.message().to_owned())
                .as_deref(),
            Some("Name: expected a string, got a number")
        );
        assert!(
            opt_tags(&input)
                .err()
                .is_some_and(|e| e.message().starts_with("Tags:"))
        );
    }

    #[test]
    fn bodies_that_are_not_objects_are_refused() {
        assert!(parse_object(b"").is_ok_and(|m| m.is_empty()));
        assert!(
            parse_object(b"[1]").is_err_and(|e| e.message().contains("expected a JSON object"))
        );
        assert!(parse_object(b"{\"a\":").is_err_and(|e| e.message().contains("malformed JSON")));
    }

    #[test]
    fn arn_fits_the_model() {
        let arn = arn("us-east-1", "a");
        assert_eq!(
            arn,
            "arn:aws:iotmanagedintegrations:us-east-1:123456789012:account-association/a"
        );
        assert!(arn.len() >= 67, "the model's minimum ARN length");
    }
}
