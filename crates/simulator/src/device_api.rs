//! The device operations: StartDeviceDiscovery, GetDeviceDiscovery, ListDeviceDiscoveries,
//! ListDiscoveredDevices, CreateManagedThing, GetManagedThing, ListManagedThings,
//! RegisterAccountAssociation, DeregisterAccountAssociation and
//! ListManagedThingAccountAssociations, with the model's members, constraints and statuses.

use std::collections::BTreeMap;
use std::time::Instant;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::api::{
    Operation, Query, arn_of, insert_present, ok_json, opt_map, opt_string, opt_tags, page_json,
    parse_object, type_name,
};
use super::devices::{
    AUTH_MATERIAL_TYPES, DISCOVERY_STATUSES, DISCOVERY_TYPES, Devices, Discovery, ManagedThing,
    NewDiscovery, NewThing, PROVISIONING_STATUSES, ROLES, ThingDetails,
};
use super::error::ApiError;
use super::paging::{self, DEFAULT_PAGE_SIZE, ListKind};
use super::server::Shared;
use super::validate::{self as v, StrRule, check, check_opt};

pub fn handle(
    shared: &Shared,
    op: Operation,
    region: &str,
    query: &Query,
    body: &[u8],
    now: Instant,
) -> Result<Response, ApiError> {
    match op {
        Operation::StartDeviceDiscovery => start_discovery(shared, body, now),
        Operation::GetDeviceDiscovery(id) => {
            check("Identifier", &id, &v::DEVICE_DISCOVERY_ID)?;
            let store = shared.lock_store();
            let discovery = store.devices.discovery(&id)?;
            Ok(ok_json(
                StatusCode::OK,
                discovery_json(&store.devices, discovery, region, now),
            ))
        }
        Operation::ListDeviceDiscoveries => list_discoveries(shared, query, now),
        Operation::ListDiscoveredDevices(id) => list_discovered(shared, &id, query, now),
        Operation::CreateManagedThing => create_thing(shared, region, body, now),
        Operation::GetManagedThing(id) => {
            check("Identifier", &id, &v::MANAGED_THING_ID)?;
            let store = shared.lock_store();
            let thing = store.devices.thing(&id)?;
            Ok(ok_json(
                StatusCode::OK,
                thing_json(&store.devices, thing, region, true),
            ))
        }
        Operation::ListManagedThings => list_things(shared, region, query),
        Operation::RegisterAccountAssociation => {
            let input = parse_object(body)?;
            let thing = required(&input, "ManagedThingId", &v::MANAGED_THING_ID)?;
            let association = required(&input, "AccountAssociationId", &v::ACCOUNT_ASSOCIATION_ID)?;
            let discovery = required(&input, "DeviceDiscoveryId", &v::DEVICE_DISCOVERY_ID)?;
            shared
                .lock_store()
                .register(&thing, &association, &discovery, now)?;
            Ok(ok_json(
                StatusCode::CREATED,
                json!({
                    "AccountAssociationId": association,
                    "DeviceDiscoveryId": discovery,
                    "ManagedThingId": thing,
                }),
            ))
        }
        Operation::DeregisterAccountAssociation => {
            let input = parse_object(body)?;
            let thing = required(&input, "ManagedThingId", &v::MANAGED_THING_ID)?;
            let association = required(&input, "AccountAssociationId", &v::ACCOUNT_ASSOCIATION_ID)?;
            shared.lock_store().deregister(&thing, &association, now)?;
            Ok(StatusCode::OK.into_response())
        }
        Operation::ListManagedThingAccountAssociations => list_links(shared, query),
        other => Err(ApiError::InternalServer(format!(
            "{other:?} is not a device operation"
        ))),
    }
}

/// A required string member, checked against `rule`.
fn required(input: &Map<String, Value>, field: &str, rule: &StrRule) -> Result<String, ApiError> {
    let value = opt_string(input, field)?
        .ok_or_else(|| ApiError::validation(format!("{field}: is required")))?;
    check(field, &value, rule)?;
    Ok(value)
}

/// An optional string member, checked against `rule` when present.
fn optional(
    input: &Map<String, Value>,
    field: &str,
    rule: &StrRule,
) -> Result<Option<String>, ApiError> {
    let value = opt_string(input, field)?;
    check_opt(field, value.as_deref(), rule)?;
    Ok(value)
}

/// An optional enum member.
fn optional_enum(
    input: &Map<String, Value>,
    field: &str,
    allowed: &[&str],
) -> Result<Option<String>, ApiError> {
    let value = opt_string(input, field)?;
    if let Some(value) = &value {
        v::check_enum(field, value, allowed)?;
    }
    Ok(value)
}

/// An optional query parameter: checked against `rule`, or against `allowed` values.
fn query_param<'a>(
    query: &'a Query,
    name: &str,
    rule: Option<&StrRule>,
    allowed: &[&str],
) -> Result<Option<&'a str>, ApiError> {
    let value = query.get(name).map(String::as_str);
    if let Some(value) = value {
        match rule {
            Some(rule) => check(name, value, rule)?,
            None => v::check_enum(name, value, allowed)?,
        }
    }
    Ok(value)
}

fn max_results(query: &Query) -> Result<usize, ApiError> {
    v::parse_max_results(
        query.get("MaxResults").map(String::as_str),
        DEFAULT_PAGE_SIZE,
    )
}

fn next_token(query: &Query) -> Option<&str> {
    query.get("NextToken").map(String::as_str)
}

/// The whole request, canonical (keys sorted), for telling a retry from another request.
fn fingerprint(input: &Map<String, Value>) -> String {
    Value::Object(input.clone()).to_string()
}

fn start_discovery(shared: &Shared, body: &[u8], now: Instant) -> Result<Response, ApiError> {
    let input = parse_object(body)?;
    let kind = opt_string(&input, "DiscoveryType")?
        .ok_or_else(|| ApiError::validation("DiscoveryType: is required"))?;
    v::check_enum("DiscoveryType", &kind, &DISCOVERY_TYPES)?;
    let client_token = optional(&input, "ClientToken", &v::CLIENT_TOKEN)?;
    let association = optional(&input, "AccountAssociationId", &v::ACCOUNT_ASSOCIATION_ID)?;
    let controller = optional(&input, "ControllerIdentifier", &v::MANAGED_THING_ID)?;
    optional(
        &input,
        "ConnectorAssociationIdentifier",
        &v::ACCOUNT_ASSOCIATION_ID,
    )?;
    optional(
        &input,
        "AuthenticationMaterial",
        &v::DISCOVERY_AUTH_MATERIAL,
    )?;
    optional_enum(
        &input,
        "AuthenticationMaterialType",
        &["ZWAVE_INSTALL_CODE"],
    )?;
    optional_enum(&input, "Protocol", &["ZWAVE", "ZIGBEE", "CUSTOM"])?;
    optional(&input, "EndDeviceIdentifier", &v::MANAGED_THING_ID)?;
    let tags = opt_tags(&input)?;
    if let Some(tags) = &tags {
        v::check_tags(tags)?;
    }
    let custom = opt_map(&input, "CustomProtocolDetail")?;
    if let Some(custom) = &custom {
        v::check_map(
            "CustomProtocolDetail",
            custom,
            (0, v::MAX_CUSTOM_PROTOCOL_DETAIL),
            &v::CUSTOM_PROTOCOL_KEY,
            &v::CUSTOM_PROTOCOL_VALUE,
        )?;
    }
    if kind == "CUSTOM" && custom.as_ref().and_then(|c| c.get("Name")).is_none() {
        return Err(ApiError::validation(
            "CustomProtocolDetail: DiscoveryType CUSTOM needs a non-empty Name entry",
        ));
    }
    let ids = opt_string_list(&input, "ConnectorDeviceIdList")?;
    if let Some(ids) = &ids {
        if ids.len() > v::MAX_CONNECTOR_DEVICE_IDS {
            return Err(ApiError::validation(format!(
                "ConnectorDeviceIdList: at most {} ids, got {}",
                v::MAX_CONNECTOR_DEVICE_IDS,
                ids.len()
            )));
        }
        for id in ids {
            check("ConnectorDeviceIdList item", id, &v::CONNECTOR_DEVICE_ID)?;
        }
    }
    let request = NewDiscovery {
        client_token,
        kind,
        account_association_id: association,
        controller_id: controller,
        connector_device_ids: ids,
        tags,
        fingerprint: fingerprint(&input),
    };
    let mut store = shared.lock_store();
    let discovery = store.start_discovery(request, &shared.catalog, now)?;
    let (id, started_at) = (discovery.id.clone(), discovery.started_at);
    let out = json!({
        "Id": id,
        "StartedAt": store.devices.timestamp(started_at),
    });
    // A replay with the same ClientToken answers exactly like the original: 201.
    Ok(ok_json(StatusCode::CREATED, out))
}

fn opt_string_list(
    input: &Map<String, Value>,
    field: &str,
) -> Result<Option<Vec<String>>, ApiError> {
    match input.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                other => Err(ApiError::validation(format!(
                    "{field}: items must be strings, got {}",
                    type_name(other)
                ))),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(other) => Err(ApiError::validation(format!(
            "{field}: expected an array, got {}",
            type_name(other)
        ))),
    }
}

fn discovery_json(devices: &Devices, d: &Discovery, region: &str, now: Instant) -> Value {
    let mut out = Map::new();
    out.insert("Id".into(), d.id.as_str().into());
    out.insert(
        "Arn".into(),
        arn_of(region, "device-discovery", &d.id).into(),
    );
    out.insert("DiscoveryType".into(), d.kind.as_str().into());
    out.insert("Status".into(), d.status(now).into());
    out.insert("StartedAt".into(), devices.timestamp(d.started_at).into());
    insert_present(
        &mut out,
        [
            ("ControllerId", &d.controller_id),
            ("AccountAssociationId", &d.account_association_id),
        ],
    );
    if let Some(finished) = d.finished_at(now) {
        out.insert("FinishedAt".into(), devices.timestamp(finished).into());
    }
    if let Some(tags) = &d.tags {
        out.insert("Tags".into(), json!(tags));
    }
    Value::Object(out)
}

fn list_discoveries(shared: &Shared, query: &Query, now: Instant) -> Result<Response, ApiError> {
    let kind = query_param(query, "TypeFilter", None, &DISCOVERY_TYPES)?;
    let status = query_param(query, "StatusFilter", None, &DISCOVERY_STATUSES)?;
    let limit = max_results(query)?;
    let filter = format!("{}|{}", kind.unwrap_or(""), status.unwrap_or(""));
    let start = paging::start_position(ListKind::DeviceDiscoveries, &filter, next_token(query))?;
    let store = shared.lock_store();
    let (items, next) = store.devices.discovery_page(start, limit, |d| {
        kind.is_none_or(|k| d.kind == k) && status.is_none_or(|s| d.status(now) == s)
    });
    let items = items
        .into_iter()
        .map(|d| json!({ "Id": d.id, "DiscoveryType": d.kind, "Status": d.status(now) }))
        .collect();
    let next = next.map(|seq| paging::encode(ListKind::DeviceDiscoveries, &filter, seq));
    Ok(ok_json(StatusCode::OK, page_json("Items", items, next)))
}

fn list_discovered(
    shared: &Shared,
    id: &str,
    query: &Query,
    now: Instant,
) -> Result<Response, ApiError> {
    check("Identifier", id, &v::DEVICE_DISCOVERY_ID)?;
    let limit = max_results(query)?;
    let start = paging::start_position(ListKind::DiscoveredDevices, id, next_token(query))?;
    let store = shared.lock_store();
    let discovery = store.devices.discovery(id)?;
    let all = discovery.devices(now);
    let start = usize::try_from(start).unwrap_or(usize::MAX).min(all.len());
    let page = &all[start..(start + limit).min(all.len())];
    let discovered_at = discovery
        .finished_at(now)
        .map(|at| store.devices.timestamp(at));
    let items = page
        .iter()
        .map(|found| {
            let mut item = json!({
                "ConnectorDeviceId": found.device.connector_device_id,
                "ConnectorDeviceName": found.device.name,
                "DeviceTypes": found.device.device_types,
                "Modification": found.modification,
                "DiscoveredAt": discovered_at,
                "Brand": found.device.brand,
                "Model": found.device.model,
                "AuthenticationMaterial": found.auth_material,
            });
            if let Some(thing) = store.devices.adopted_as(discovery, found) {
                item["ManagedThingId"] = thing.into();
            }
            item
        })
        .collect();
    let next = (start + limit < all.len())
        .then(|| paging::encode(ListKind::DiscoveredDevices, id, (start + limit) as u64));
    Ok(ok_json(StatusCode::OK, page_json("Items", items, next)))
}

fn create_thing(
    shared: &Shared,
    region: &str,
    body: &[u8],
    now: Instant,
) -> Result<Response, ApiError> {
    let input = parse_object(body)?;
    let role =
        opt_string(&input, "Role")?.ok_or_else(|| ApiError::validation("Role: is required"))?;
    v::check_enum("Role", &role, &ROLES)?;
    let auth_material = required(&input, "AuthenticationMaterial", &v::AUTH_MATERIAL_STRING)?;
    let auth_material_type = opt_string(&input, "AuthenticationMaterialType")?
        .ok_or_else(|| ApiError::validation("AuthenticationMaterialType: is required"))?;
    v::check_enum(
        "AuthenticationMaterialType",
        &auth_material_type,
        &AUTH_MATERIAL_TYPES,
    )?;
    let tags = opt_tags(&input)?;
    if let Some(tags) = &tags {
        v::check_tags(tags)?;
    }
    let meta_data = opt_map(&input, "MetaData")?;
    if let Some(meta) = &meta_data {
        v::check_meta_data(meta)?;
    }
    optional(&input, "Capabilities", &v::CAPABILITIES)?;
    let wifi_setup = wifi_setup(&input)?;
    capability_report(&input)?;
    if let Some(schemas) = input.get("CapabilitySchemas").filter(|s| !s.is_null()) {
        match schemas {
            Value::Array(items) if items.len() <= 40 => {}
            Value::Array(items) => {
                return Err(ApiError::validation(format!(
                    "CapabilitySchemas: at most 40 items, got {}",
                    items.len()
                )));
            }
            other => {
                return Err(ApiError::validation(format!(
                    "CapabilitySchemas: expected an array, got {}",
                    type_name(other)
                )));
            }
        }
    }
    let request = NewThing {
        client_token: optional(&input, "ClientToken", &v::CLIENT_TOKEN)?,
        role,
        auth_material,
        auth_material_type,
        details: ThingDetails {
            owner: optional(&input, "Owner", &v::OWNER)?,
            credential_locker_id: optional(&input, "CredentialLockerId", &v::ALNUM_ID)?,
            serial_number: optional(&input, "SerialNumber", &v::DEVICE_LABEL)?,
            brand: optional(&input, "Brand", &v::DEVICE_LABEL)?,
            model: optional(&input, "Model", &v::DEVICE_LABEL)?,
            name: optional(&input, "Name", &v::THING_NAME)?,
            classification: optional(&input, "Classification", &v::CLASSIFICATION)?,
            tags,
            meta_data,
            wifi_setup,
        },
        fingerprint: fingerprint(&input),
    };
    let mut store = shared.lock_store();
    let thing = store.devices.create_thing(request, now)?;
    let (id, created_at) = (thing.id.clone(), thing.created_at);
    let out = json!({
        "Arn": arn_of(region, "managed-thing", &id),
        "Id": id,
        "CreatedAt": store.devices.timestamp(created_at),
    });
    Ok(ok_json(StatusCode::CREATED, out))
}

/// WiFiSimpleSetupConfiguration: two booleans and TimeoutInMinutes in 5..=15.
fn wifi_setup(input: &Map<String, Value>) -> Result<Option<Value>, ApiError> {
    const FIELD: &str = "WiFiSimpleSetupConfiguration";
    let config = match input.get(FIELD) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(config)) => config,
        Some(other) => {
            return Err(ApiError::validation(format!(
                "{FIELD}: expected an object, got {}",
                type_name(other)
            )));
        }
    };
    for flag in ["EnableAsProvisioner", "EnableAsProvisionee"] {
        if let Some(value) = config.get(flag).filter(|v| !v.is_null() && !v.is_boolean()) {
            return Err(ApiError::validation(format!(
                "{FIELD}.{flag}: expected a boolean, got {}",
                type_name(value)
            )));
        }
    }
    if let Some(timeout) = config.get("TimeoutInMinutes").filter(|v| !v.is_null())
        && !timeout.as_i64().is_some_and(|t| (5..=15).contains(&t))
    {
        return Err(ApiError::validation(format!(
            "{FIELD}.TimeoutInMinutes: must be an integer between 5 and 15, got {timeout}"
        )));
    }
    Ok(Some(Value::Object(config.clone())))
}

/// CapabilityReport: version 1.0.0 and a list of endpoints (their contents are not kept).
fn capability_report(input: &Map<String, Value>) -> Result<(), ApiError> {
    const FIELD: &str = "CapabilityReport";
    let report = match input.get(FIELD) {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Object(report)) => report,
        Some(other) => {
            return Err(ApiError::validation(format!(
                "{FIELD}: expected an object, got {}",
                type_name(other)
            )));
        }
    };
    if report.get("version").and_then(Value::as_str) != Some("1.0.0") {
        return Err(ApiError::validation(format!(
            "{FIELD}.version: is required and must be 1.0.0"
        )));
    }
    match report.get("endpoints") {
        Some(Value::Array(endpoints)) if endpoints.len() <= 40 => Ok(()),
        _ => Err(ApiError::validation(format!(
            "{FIELD}.endpoints: is required, a list of at most 40 endpoints"
        ))),
    }
}

/// GetManagedThing's output (`full`) or a ListManagedThings item.
fn thing_json(devices: &Devices, t: &ManagedThing, region: &str, full: bool) -> Value {
    let mut out = Map::new();
    out.insert("Id".into(), t.id.as_str().into());
    out.insert("Arn".into(), arn_of(region, "managed-thing", &t.id).into());
    out.insert("Role".into(), t.role.as_str().into());
    out.insert("ProvisioningStatus".into(), t.provisioning_status.into());
    let d = &t.details;
    insert_present(
        &mut out,
        [
            ("Owner", &d.owner),
            ("CredentialLockerId", &d.credential_locker_id),
            ("SerialNumber", &d.serial_number),
            ("Brand", &d.brand),
            ("Model", &d.model),
            ("Name", &d.name),
            ("Classification", &d.classification),
            ("ConnectorDestinationId", &t.connector_destination_id),
            ("ConnectorDeviceId", &t.connector_device_id),
        ],
    );
    out.insert("CreatedAt".into(), devices.timestamp(t.created_at).into());
    out.insert("UpdatedAt".into(), devices.timestamp(t.updated_at).into());
    if let Some(activated) = t.activated_at {
        out.insert("ActivatedAt".into(), devices.timestamp(activated).into());
    }
    if full {
        let maps: [(&str, &Option<BTreeMap<String, String>>); 2] =
            [("Tags", &d.tags), ("MetaData", &d.meta_data)];
        for (key, map) in maps {
            if let Some(map) = map {
                out.insert(key.into(), json!(map));
            }
        }
        if let Some(wifi) = &d.wifi_setup {
            out.insert("WiFiSimpleSetupConfiguration".into(), wifi.clone());
        }
    }
    Value::Object(out)
}

fn list_things(shared: &Shared, region: &str, query: &Query) -> Result<Response, ApiError> {
    let owner = query_param(query, "OwnerFilter", Some(&v::OWNER), &[])?;
    let locker = query_param(query, "CredentialLockerFilter", Some(&v::ALNUM_ID), &[])?;
    let role = query_param(query, "RoleFilter", None, &ROLES)?;
    let parent = query_param(
        query,
        "ParentControllerIdentifierFilter",
        Some(&v::ALNUM_ID),
        &[],
    )?;
    let policy = query_param(query, "ConnectorPolicyIdFilter", Some(&v::RESOURCE_ID), &[])?;
    let destination = query_param(
        query,
        "ConnectorDestinationIdFilter",
        Some(&v::RESOURCE_ID),
        &[],
    )?;
    let device = query_param(
        query,
        "ConnectorDeviceIdFilter",
        Some(&v::CONNECTOR_DEVICE_ID),
        &[],
    )?;
    let serial = query_param(query, "SerialNumberFilter", Some(&v::DEVICE_LABEL), &[])?;
    let status = query_param(
        query,
        "ProvisioningStatusFilter",
        None,
        &PROVISIONING_STATUSES,
    )?;
    let given = [
        owner,
        locker,
        role,
        parent,
        policy,
        destination,
        device,
        serial,
        status,
    ];
    let limit = max_results(query)?;
    let filter = given
        .iter()
        .map(|value| value.unwrap_or(""))
        .collect::<Vec<_>>()
        .join("|");
    let start = paging::start_position(ListKind::ManagedThings, &filter, next_token(query))?;
    let store = shared.lock_store();
    let matches = |want: Option<&str>, have: &Option<String>| {
        want.is_none_or(|want| have.as_deref() == Some(want))
    };
    let (items, next) = store.devices.thing_page(start, limit, |t| {
        matches(owner, &t.details.owner)
            && matches(locker, &t.details.credential_locker_id)
            && role.is_none_or(|r| t.role == r)
            // The simulator has no hubs' children nor connector policies.
            && parent.is_none()
            && policy.is_none()
            && matches(destination, &t.connector_destination_id)
            && matches(device, &t.connector_device_id)
            && matches(serial, &t.details.serial_number)
            && status.is_none_or(|s| t.provisioning_status == s)
    });
    let items = items
        .into_iter()
        .map(|t| thing_json(&store.devices, t, region, false))
        .collect();
    let next = next.map(|seq| paging::encode(ListKind::ManagedThings, &filter, seq));
    Ok(ok_json(StatusCode::OK, page_json("Items", items, next)))
}

fn list_links(shared: &Shared, query: &Query) -> Result<Response, ApiError> {
    let thing = query_param(query, "ManagedThingId", Some(&v::MANAGED_THING_ID), &[])?;
    let association = query_param(
        query,
        "AccountAssociationId",
        Some(&v::ACCOUNT_ASSOCIATION_ID),
        &[],
    )?;
    let limit = max_results(query)?;
    let filter = format!("{}|{}", thing.unwrap_or(""), association.unwrap_or(""));
    let start = paging::start_position(
        ListKind::ManagedThingAssociations,
        &filter,
        next_token(query),
    )?;
    let store = shared.lock_store();
    let (items, next) = store.devices.link_page(thing, association, start, limit);
    let items = items
        .into_iter()
        .map(|link| {
            json!({
                "ManagedThingId": link.managed_thing_id,
                "AccountAssociationId": link.account_association_id,
                "ManagedThingAssociationStatus": link.status,
            })
        })
        .collect();
    let next = next.map(|seq| paging::encode(ListKind::ManagedThingAssociations, &filter, seq));
    Ok(ok_json(StatusCode::OK, page_json("Items", items, next)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(text: &str) -> Map<String, Value> {
        parse_object(text.as_bytes()).expect("object")
    }

    #[test]
    fn wifi_setup_and_capability_reports_are_checked() {
        assert!(
            wifi_setup(&object(
                r#"{"WiFiSimpleSetupConfiguration":{"TimeoutInMinutes":10}}"#
            ))
            .is_ok_and(|w| w.is_some())
        );
        for bad in [
            r#"{"WiFiSimpleSetupConfiguration":{"TimeoutInMinutes":4}}"#,
            r#"{"WiFiSimpleSetupConfiguration":{"EnableAsProvisioner":"yes"}}"#,
            r#"{"WiFiSimpleSetupConfiguration":[]}"#,
        ] {
            assert!(wifi_setup(&object(bad)).is_err(), "{bad}");
        }
        assert!(
            capability_report(&object(
                r#"{"CapabilityReport":{"version":"1.0.0","endpoints":[]}}"#
            ))
            .is_ok()
        );
        for bad in [
            r#"{"CapabilityReport":{"version":"2.0.0","endpoints":[]}}"#,
            r#"{"CapabilityReport":{"version":"1.0.0"}}"#,
            r#"{"CapabilityReport":"x"}"#,
        ] {
            assert!(capability_report(&object(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn string_lists_name_the_member() {
        let err = opt_string_list(&object(r#"{"L":[1]}"#), "L").expect_err("number");
        assert_eq!(err.message(), "L: items must be strings, got a number");
        assert!(opt_string_list(&object(r#"{"L":"x"}"#), "L").is_err());
        assert_eq!(
            opt_string_list(&object(r#"{"L":["a","b"]}"#), "L")
                .ok()
                .flatten(),
            Some(vec!["a".to_owned(), "b".to_owned()])
        );
    }
}
