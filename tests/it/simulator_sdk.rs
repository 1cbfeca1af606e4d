//! The real Rust SDK client against the in-process simulator: every operation, every error
//! case of issue #2, plus raw HTTP checks for what the SDK would never send.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use crate::common;
use crate::common::{
    FAKE_SIGV4, agent, call, client, client_with_attempts, config, consent, create_association,
    poll, start, state_of, wait_for_state,
};
use aws_sdk_iotmanagedintegrations::Client;
use aws_sdk_iotmanagedintegrations::error::ProvideErrorMetadata;
use aws_sdk_iotmanagedintegrations::operation::create_account_association::CreateAccountAssociationError;
use aws_sdk_iotmanagedintegrations::operation::delete_account_association::DeleteAccountAssociationError;
use aws_sdk_iotmanagedintegrations::operation::get_account_association::GetAccountAssociationError;
use aws_sdk_iotmanagedintegrations::operation::get_cloud_connector::GetCloudConnectorError;
use aws_sdk_iotmanagedintegrations::operation::get_connector_destination::GetConnectorDestinationError;
use aws_sdk_iotmanagedintegrations::operation::list_account_associations::ListAccountAssociationsError;
use aws_sdk_iotmanagedintegrations::operation::list_connector_destinations::ListConnectorDestinationsError;
use aws_sdk_iotmanagedintegrations::operation::start_account_association_refresh::StartAccountAssociationRefreshError;
use aws_sdk_iotmanagedintegrations::operation::update_account_association::UpdateAccountAssociationError;
use aws_sdk_iotmanagedintegrations::types::{
    AssociationState, CloudConnectorType, GeneralAuthorizationName,
};
use iotmi_simulator::SimConfig;

const OAUTH_DESTINATION: &str = "acme-home-us";
const GA_DESTINATION: &str = "brightlight-partner";
const GA_ONLY_DESTINATION: &str = "nordic-climate-installer";

async fn create_oauth(client: &Client, name: &str) -> (String, String) {
    create_association(client, OAUTH_DESTINATION, name).await
}

fn ga(name: &str) -> GeneralAuthorizationName {
    GeneralAuthorizationName::builder()
        .auth_material_name(name)
        .build()
}

#[tokio::test]
async fn connectors_and_destinations_are_listed_and_described() {
    let sim = start(config()).await;
    let client = client(&sim);

    let connectors = client
        .list_cloud_connectors()
        .send()
        .await
        .expect("list connectors");
    assert!(connectors.items().len() >= 3);
    let unlisted = client
        .list_cloud_connectors()
        .r#type(CloudConnectorType::Unlisted)
        .send()
        .await
        .expect("filter");
    assert!(!unlisted.items().is_empty());
    assert!(
        unlisted
            .items()
            .iter()
            .all(|c| c.r#type() == Some(&CloudConnectorType::Unlisted))
    );
    let connector = client
        .get_cloud_connector()
        .identifier("acme-home-cloud")
        .send()
        .await
        .expect("get connector");
    assert_eq!(connector.name(), "Acme Home Cloud");
    assert!(
        connector
            .endpoint_config()
            .and_then(|e| e.lambda())
            .is_some()
    );

    let all = client
        .list_connector_destinations()
        .send()
        .await
        .expect("list destinations");
    assert!(all.connector_destination_list().len() >= 6);
    let filtered = client
        .list_connector_destinations()
        .cloud_connector_id("brightlight-hub")
        .send()
        .await
        .expect("filtered list");
    assert_eq!(filtered.connector_destination_list().len(), 2);
    assert!(
        filtered
            .connector_destination_list()
            .iter()
            .all(|d| d.cloud_connector_id() == Some("brightlight-hub"))
    );

    let oauth = client
        .get_connector_destination()
        .identifier(OAUTH_DESTINATION)
        .send()
        .await
        .expect("get oauth");
    let config = oauth
        .auth_config()
        .and_then(|c| c.o_auth())
        .expect("oAuth config decoded by the SDK");
    assert_eq!(
        config.auth_url(),
        format!(
            "{}/third-party/acme-home-cloud/oauth/authorize",
            sim.endpoint()
        )
    );
    assert!(config.scope().is_some());
    let general = client
        .get_connector_destination()
        .identifier(GA_DESTINATION)
        .send()
        .await
        .expect("get GA");
    let materials = general
        .auth_config()
        .map(|c| c.general_authorization())
        .unwrap_or_default();
    let names: Vec<&str> = materials.iter().map(|m| m.auth_material_name()).collect();
    assert_eq!(names, ["api-key", "client-certificate"]);
    assert!(materials.iter().all(|m| {
        m.secrets_manager()
            .is_some_and(|s| s.arn().starts_with("arn:aws:secretsmanager:"))
    }));
    sim.shutdown().await;
}

#[tokio::test]
async fn destinations_paginate_without_gaps_or_duplicates() {
    let sim = start(SimConfig {
        destinations: 250,
        ..config()
    })
    .await;
    let client = client(&sim);
    let mut seen = Vec::new();
    let mut token = None;
    let mut pages = 0;
    loop {
        let out = client
            .list_connector_destinations()
            .max_results(100)
            .set_next_token(token.clone())
            .send()
            .await
            .expect("page");
        pages += 1;
        assert!(out.connector_destination_list().len() <= 100);
        seen.extend(
            out.connector_destination_list()
                .iter()
                .filter_map(|d| d.id().map(str::to_owned)),
        );
        token = out.next_token().map(str::to_owned);
        if let Some(t) = &token {
            assert!(
                t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "=_-".contains(c)),
                "{t}"
            );
        } else {
            break;
        }
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(seen.len(), 257, "7 fixtures + 250 generated");
    assert_eq!(unique.len(), seen.len(), "no duplicates across pages");
    assert_eq!(pages, 3);
    assert!(seen.contains(&"generated-destination-00042".to_owned()));

    // Default page size is 100; the connector filter paginates too.
    let first = client
        .list_connector_destinations()
        .send()
        .await
        .expect("default page");
    assert_eq!(first.connector_destination_list().len(), 100);
    let mut filtered = 0;
    let mut token = None;
    loop {
        let out = client
            .list_connector_destinations()
            .cloud_connector_id("acme-home-cloud")
            .max_results(7)
            .set_next_token(token)
            .send()
            .await
            .expect("filtered page");
        assert!(
            out.connector_destination_list()
                .iter()
                .all(|d| d.cloud_connector_id() == Some("acme-home-cloud"))
        );
        filtered += out.connector_destination_list().len();
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(filtered, 2 + 63, "2 fixtures + every 4th of 250 generated");
    sim.shutdown().await;
}

#[tokio::test]
async fn ten_thousand_destinations_list_quickly() {
    let sim = start(SimConfig {
        destinations: 10_000,
        ..config()
    })
    .await;
    let client = client(&sim);
    let started = Instant::now();
    let mut count = 0;
    let mut token = None;
    loop {
        let out = client
            .list_connector_destinations()
            .max_results(1000)
            .set_next_token(token)
            .send()
            .await
            .expect("page");
        count += out.connector_destination_list().len();
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(count, 10_007);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn bad_pagination_input_is_a_validation_error() {
    let sim = start(config()).await;
    let client = client(&sim);
    for token in ["garbage", "not a token!", "00"] {
        let err = client
            .list_connector_destinations()
            .next_token(token)
            .send()
            .await
            .expect_err(token)
            .into_service_error();
        assert!(
            matches!(err, ListConnectorDestinationsError::ValidationException(_)),
            "{err:?}"
        );
        assert!(
            err.message().unwrap_or_default().starts_with("NextToken:"),
            "{err:?}"
        );
    }
    // A token from one list is not accepted by another filter of it.
    let page = client
        .list_connector_destinations()
        .max_results(1)
        .send()
        .await
        .expect("page");
    let token = page.next_token().expect("more pages").to_owned();
    let err = client
        .list_connector_destinations()
        .cloud_connector_id("acme-home-cloud")
        .next_token(token)
        .send()
        .await
        .expect_err("foreign token")
        .into_service_error();
    assert!(matches!(
        err,
        ListConnectorDestinationsError::ValidationException(_)
    ));
    for max in [0, 1001, -1] {
        let err = client
            .list_account_associations()
            .max_results(max)
            .send()
            .await
            .expect_err("range")
            .into_service_error();
        assert!(
            matches!(err, ListAccountAssociationsError::ValidationException(_)),
            "{err:?}"
        );
        assert!(
            err.message().unwrap_or_default().contains("MaxResults"),
            "{err:?}"
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_ids_are_resource_not_found() {
    let sim = start(config()).await;
    let client = client(&sim);
    let err = client
        .get_account_association()
        .account_association_id("doesnotexist")
        .send()
        .await
        .expect_err("404")
        .into_service_error();
    match &err {
        GetAccountAssociationError::ResourceNotFoundException(e) => {
            assert_eq!(e.resource_id(), Some("doesnotexist"));
            assert_eq!(e.resource_type(), Some("AccountAssociation"));
        }
        other => panic!("expected ResourceNotFoundException, got {other:?}"),
    }
    let err = client
        .get_connector_destination()
        .identifier("no-such-destination")
        .send()
        .await
        .expect_err("404")
        .into_service_error();
    assert!(
        matches!(
            err,
            GetConnectorDestinationError::ResourceNotFoundException(_)
        ),
        "{err:?}"
    );
    let err = client
        .get_cloud_connector()
        .identifier("no-such-connector")
        .send()
        .await
        .expect_err("404")
        .into_service_error();
    assert!(
        matches!(err, GetCloudConnectorError::ResourceNotFoundException(_)),
        "{err:?}"
    );
    let err = client
        .create_account_association()
        .connector_destination_id("no-such-destination")
        .send()
        .await
        .expect_err("404")
        .into_service_error();
    assert!(
        matches!(
            err,
            CreateAccountAssociationError::ResourceNotFoundException(_)
        ),
        "{err:?}"
    );
    let err = client
        .delete_account_association()
        .account_association_id("nope")
        .send()
        .await
        .expect_err("404")
        .into_service_error();
    assert!(
        matches!(
            err,
            DeleteAccountAssociationError::ResourceNotFoundException(_)
        ),
        "{err:?}"
    );
    let err = client
        .update_account_association()
        .account_association_id("nope")
        .name("x")
        .send()
        .await
        .expect_err("404")
        .into_service_error();
    assert!(
        matches!(
            err,
            UpdateAccountAssociationError::ResourceNotFoundException(_)
        ),
        "{err:?}"
    );
    let err = client
        .start_account_association_refresh()
        .account_association_id("nope")
        .send()
        .await
        .expect_err("404")
        .into_service_error();
    assert!(
        matches!(
            err,
            StartAccountAssociationRefreshError::ResourceNotFoundException(_)
        ),
        "{err:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn create_is_idempotent_per_client_token_and_conflicts_on_change() {
    let sim = start(config()).await;
    let client = client(&sim);
    let create = |name: &'static str| {
        client
            .create_account_association()
            .client_token("token-123")
            .connector_destination_id("acme-home-eu")
            .name(name)
            .tags("room", "kitchen")
            .send()
    };
    let first = create("Kitchen").await.expect("first create");
    let again = create("Kitchen").await.expect("replay");
    assert_eq!(
        first.account_association_id(),
        again.account_association_id()
    );
    let listed = client
        .list_account_associations()
        .connector_destination_id("acme-home-eu")
        .send()
        .await
        .expect("list");
    assert_eq!(listed.items().len(), 1, "the replay created nothing");

    let err = create("Pantry")
        .await
        .expect_err("conflict")
        .into_service_error();
    assert!(
        matches!(err, CreateAccountAssociationError::ConflictException(_)),
        "{err:?}"
    );

    let id = first.account_association_id();
    assert!(
        !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()),
        "{id}"
    );
    assert_eq!(
        first.arn(),
        Some(
            format!(
                "arn:aws:iotmanagedintegrations:us-east-1:123456789012:account-association/{id}"
            )
            .as_str()
        )
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn input_constraints_are_enforced_with_field_names() {
    let sim = start(config()).await;
    let client = client(&sim);
    let base = || {
        client
            .create_account_association()
            .connector_destination_id(OAUTH_DESTINATION)
    };
    let cases = vec![
        (
            base().name("my.home"),
            "Name: must match [A-Za-z0-9-_ ]+ (letters, digits, '-', '_' and spaces); found '.'",
        ),
        (
            base().name("x".repeat(129)),
            "Name: length must be between 1 and 128",
        ),
        (base().description("Hello!"), "Description: must match"),
        (base().client_token("has space"), "ClientToken: must match"),
        (
            base().set_tags(Some(
                (0..51).map(|i| (format!("k{i}"), "v".to_owned())).collect(),
            )),
            "Tags: at most 50 tags, got 51",
        ),
        (
            base().tags("k".repeat(129), "v"),
            "Tags key: length must be between 1 and 128",
        ),
        (
            base().tags("k", "v".repeat(257)),
            "value: length must be between 0 and 256",
        ),
        (
            base().general_authorization(ga("bad name")),
            "GeneralAuthorization.AuthMaterialName: must match",
        ),
        (
            client
                .create_account_association()
                .connector_destination_id("bad id!"),
            "ConnectorDestinationId: must match",
        ),
    ];
    for (request, expected) in cases {
        let err = request
            .send()
            .await
            .expect_err(expected)
            .into_service_error();
        assert!(
            matches!(err, CreateAccountAssociationError::ValidationException(_)),
            "{expected}: {err:?}"
        );
        let message = err.message().unwrap_or_default();
        assert!(
            message.contains(expected),
            "message {message:?} should contain {expected:?}"
        );
    }
    // Fifty tags is the limit, not over it.
    base()
        .set_tags(Some(
            (0..50).map(|i| (format!("k{i}"), "v".to_owned())).collect(),
        ))
        .send()
        .await
        .expect("50 tags are fine");
    let err = client
        .get_account_association()
        .account_association_id("has-dash")
        .send()
        .await
        .expect_err("id")
        .into_service_error();
    assert!(
        err.message()
            .unwrap_or_default()
            .starts_with("AccountAssociationId: must match [0-9a-zA-Z]+"),
        "{err:?}"
    );
    let err = client
        .update_account_association()
        .account_association_id("abc")
        .description("a\u{1b}b")
        .send()
        .await
        .expect_err("desc")
        .into_service_error();
    assert!(
        matches!(err, UpdateAccountAssociationError::ValidationException(_)),
        "{err:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn general_authorization_materials_are_checked() {
    let sim = start(config()).await;
    let client = client(&sim);
    let err = client
        .create_account_association()
        .connector_destination_id(GA_DESTINATION)
        .general_authorization(ga("password"))
        .send()
        .await
        .expect_err("unknown material")
        .into_service_error();
    assert!(matches!(
        err,
        CreateAccountAssociationError::ValidationException(_)
    ));
    let message = err.message().unwrap_or_default();
    assert!(
        message.contains("\"password\"") && message.contains("api-key, client-certificate"),
        "{message}"
    );

    let err = client
        .create_account_association()
        .connector_destination_id(GA_ONLY_DESTINATION)
        .send()
        .await
        .expect_err("material required")
        .into_service_error();
    assert!(matches!(
        err,
        CreateAccountAssociationError::ValidationException(_)
    ));
    assert!(
        err.message()
            .unwrap_or_default()
            .contains("GeneralAuthorization.AuthMaterialName: is required"),
        "{err:?}"
    );

    let err = client
        .create_account_association()
        .connector_destination_id(OAUTH_DESTINATION)
        .general_authorization(ga("api-key"))
        .send()
        .await
        .expect_err("OAuth-only destination holds no material")
        .into_service_error();
    assert!(
        err.message().unwrap_or_default().contains("holds: none"),
        "{err:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn general_authorization_association_succeeds_on_its_own() {
    let sim = start(config()).await;
    let client = client(&sim);
    let out = client
        .create_account_association()
        .connector_destination_id(GA_DESTINATION)
        .name("Partner bridge")
        .general_authorization(ga("client-certificate"))
        .send()
        .await
        .expect("create GA");
    assert_eq!(out.o_auth_authorization_url(), "");
    assert_eq!(
        out.association_state(),
        &AssociationState::AssociationInProgress
    );
    let id = out.account_association_id().to_owned();
    wait_for_state(&client, &id, AssociationState::AssociationSucceeded).await;
    let got = client
        .get_account_association()
        .account_association_id(&id)
        .send()
        .await
        .expect("get");
    assert_eq!(
        got.general_authorization()
            .and_then(|g| g.auth_material_name()),
        Some("client-certificate")
    );
    assert_eq!(got.connector_destination_id(), Some(GA_DESTINATION));
    sim.shutdown().await;
}

#[tokio::test]
async fn expired_token_is_refreshed_through_a_new_consent() {
    let sim = start(SimConfig {
        expire_after_ms: Some(100),
        ..config()
    })
    .await;
    let client = client(&sim);
    let (id, url) = create_oauth(&client, "Cabin").await;
    let (status, _) = tokio::task::spawn_blocking(move || consent(&url, "approve"))
        .await
        .expect("join");
    assert_eq!(status, 200);
    wait_for_state(&client, &id, AssociationState::RefreshTokenExpired).await;

    let refreshed = client
        .start_account_association_refresh()
        .account_association_id(&id)
        .send()
        .await
        .expect("refresh");
    let new_url = refreshed.o_auth_authorization_url().to_owned();
    assert!(new_url.contains("/oauth/authorize?"), "{new_url}");
    assert_eq!(
        state_of(&client, &id).await,
        Ok(AssociationState::AssociationInProgress)
    );
    let (status, _) = tokio::task::spawn_blocking(move || consent(&new_url, "approve"))
        .await
        .expect("join");
    assert_eq!(status, 200);
    wait_for_state(&client, &id, AssociationState::AssociationSucceeded).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn update_then_delete_goes_through_deleting_to_gone() {
    // Long enough that the read right after the delete sees DELETING on a loaded machine.
    let sim = start(SimConfig {
        delete_after_ms: 1_000,
        ..config()
    })
    .await;
    let client = client(&sim);
    let (id, _) = create_oauth(&client, "Garage").await;
    let updated = client
        .update_account_association()
        .account_association_id(&id)
        .name("Garage door")
        .description("Opener in the garage")
        .send()
        .await;
    assert!(updated.is_ok(), "204 decodes as success: {updated:?}");
    let got = client
        .get_account_association()
        .account_association_id(&id)
        .send()
        .await
        .expect("get");
    assert_eq!(
        (got.name(), got.description()),
        (Some("Garage door"), Some("Opener in the garage"))
    );

    client
        .delete_account_association()
        .account_association_id(&id)
        .send()
        .await
        .expect("delete");
    assert_eq!(
        state_of(&client, &id).await,
        Ok(AssociationState::AssociationDeleting)
    );
    poll(
        "the association to be gone",
        Duration::from_secs(5),
        || async {
            match client
                .get_account_association()
                .account_association_id(&id)
                .send()
                .await
            {
                Err(e)
                    if matches!(
                        e.as_service_error(),
                        Some(GetAccountAssociationError::ResourceNotFoundException(_))
                    ) =>
                {
                    Ok(())
                }
                other => Err(format!("{other:?}")),
            }
        },
    )
    .await;

    // The seeded association still has managed things registered.
    let err = client
        .delete_account_association()
        .account_association_id("7d2f4c9a1b3e4f6a8c0d2e4f6a8b0c1d")
        .send()
        .await
        .expect_err("managed things")
        .into_service_error();
    // DeleteAccountAssociation does not model ConflictException, so the SDK surfaces it as
    // an unmodelled error that still carries the code and message.
    assert_eq!(err.code(), Some("ConflictException"), "{err:?}");
    assert!(
        err.message()
            .unwrap_or_default()
            .contains("managed things are still registered")
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn account_associations_paginate_in_insertion_order() {
    let sim = start(config()).await;
    let client = client(&sim);
    let mut created = Vec::new();
    for i in 0..12 {
        let out = client
            .create_account_association()
            .connector_destination_id("acme-home-eu")
            .name(format!("Home {i}"))
            .send()
            .await
            .expect("create");
        created.push(out.account_association_id().to_owned());
    }
    let mut listed = Vec::new();
    let mut token = None;
    loop {
        let out = client
            .list_account_associations()
            .connector_destination_id("acme-home-eu")
            .max_results(5)
            .set_next_token(token)
            .send()
            .await
            .expect("page");
        listed.extend(
            out.items()
                .iter()
                .map(|a| a.account_association_id().to_owned()),
        );
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(listed, created);
    let everything = client
        .list_account_associations()
        .send()
        .await
        .expect("all");
    assert_eq!(
        everything.items().len(),
        12 + 2,
        "plus the two seeded associations"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn the_sdk_retries_through_throttling_and_server_faults() {
    let sim = start(SimConfig {
        throttle_every: 2,
        ..config()
    })
    .await;
    let client = client(&sim);
    for _ in 0..10 {
        client
            .list_cloud_connectors()
            .send()
            .await
            .expect("retried past every other 429");
    }
    sim.shutdown().await;

    let sim = start(SimConfig {
        fail_rate: 0.25,
        fault_seed: Some(42),
        ..config()
    })
    .await;
    let patient = client_with_attempts(&sim, 5);
    for _ in 0..10 {
        patient
            .list_connector_destinations()
            .send()
            .await
            .expect("retried past injected 500/503");
    }
    sim.shutdown().await;

    let sim = start(SimConfig {
        fail_rate: 1.0,
        fault_seed: Some(7),
        ..config()
    })
    .await;
    let client = common::client(&sim);
    let err = client
        .create_account_association()
        .connector_destination_id(OAUTH_DESTINATION)
        .send()
        .await
        .expect_err("every attempt fails")
        .into_service_error();
    assert!(
        matches!(
            err,
            CreateAccountAssociationError::InternalServerException(_)
                | CreateAccountAssociationError::ServiceUnavailableException(_)
        ),
        "{err:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_throttled_create_creates_nothing() {
    let sim = start(SimConfig {
        throttle_every: 2,
        ..config()
    })
    .await;
    let client = client_with_attempts(&sim, 1);
    client
        .list_cloud_connectors()
        .send()
        .await
        .expect("request 1 passes");
    let err = client
        .create_account_association()
        .connector_destination_id("acme-home-eu")
        .send()
        .await
        .expect_err("request 2 is throttled")
        .into_service_error();
    assert!(
        matches!(err, CreateAccountAssociationError::ThrottlingException(_)),
        "{err:?}"
    );
    let listed = client
        .list_account_associations()
        .connector_destination_id("acme-home-eu")
        .send()
        .await
        .expect("request 3");
    assert!(listed.items().is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn latency_is_added_to_api_requests_only() {
    let sim = start(SimConfig {
        latency_ms: 300,
        ..config()
    })
    .await;
    let client = client(&sim);
    let started = Instant::now();
    client.list_cloud_connectors().send().await.expect("list");
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    let page = format!(
        "{}/third-party/acme-home-cloud/oauth/authorize?state=y",
        sim.endpoint()
    );
    let elapsed = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        call(agent().get(&page).call());
        started.elapsed()
    })
    .await
    .expect("join");
    assert!(
        elapsed < Duration::from_millis(300),
        "the consent page is not delayed: {elapsed:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn arn_region_comes_from_the_credential_scope() {
    let sim = start(config()).await;
    let sdk = iotmi_onboard::aws::demo_sdk_config(&sim.endpoint());
    let conf = aws_sdk_iotmanagedintegrations::config::Builder::from(&sdk)
        .region(aws_sdk_iotmanagedintegrations::config::Region::new(
            "eu-west-1",
        ))
        .build();
    let client = Client::from_conf(conf);
    let (id, _) = create_oauth(&client, "Flat").await;
    let got = client
        .get_account_association()
        .account_association_id(&id)
        .send()
        .await
        .expect("get");
    assert_eq!(
        got.arn(),
        Some(
            format!(
                "arn:aws:iotmanagedintegrations:eu-west-1:123456789012:account-association/{id}"
            )
            .as_str()
        )
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_seed_file_replaces_the_fixtures_and_allows_any_strings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("seed.json");
    let seed = serde_json::json!({
        "CloudConnectors": [{"Id": "c1", "Name": "Evil \u{1b}[2J connector", "EndpointConfig": {"lambda": {"arn": "fn"}}}],
        "ConnectorDestinations": [{"Id": "d1", "Name": "Bidi \u{202e}gnp.exe", "CloudConnectorId": "c1",
            "AuthType": "OAUTH", "AuthConfig": {"oAuth": {"authUrl": "{{ENDPOINT}}/third-party/c1/oauth/authorize",
            "tokenUrl": "{{ENDPOINT}}/third-party/c1/oauth/token", "tokenEndpointAuthenticationScheme": "HTTP_BASIC"}}}],
        "AccountAssociations": [{"AccountAssociationId": "seeded1", "ConnectorDestinationId": "d1", "Name": "Old",
            "AssociationState": "ASSOCIATION_FAILED", "ErrorMessage": "bad \u{1b}]0;title\u{7} thing", "ManagedThings": 2,
            "Tags": {"env": "test"}}]
    });
    std::fs::write(&path, seed.to_string()).expect("write seed");
    let sim = start(SimConfig {
        seed: Some(path),
        ..config()
    })
    .await;
    let client = client(&sim);
    let destinations = client
        .list_connector_destinations()
        .send()
        .await
        .expect("list");
    let names: Vec<&str> = destinations
        .connector_destination_list()
        .iter()
        .filter_map(|d| d.name())
        .collect();
    assert_eq!(names, ["Bidi \u{202e}gnp.exe"]);
    let got = client
        .get_account_association()
        .account_association_id("seeded1")
        .send()
        .await
        .expect("seeded");
    assert_eq!(
        got.association_state(),
        &AssociationState::AssociationFailed
    );
    assert_eq!(got.error_message(), Some("bad \u{1b}]0;title\u{7} thing"));
    assert_eq!(
        got.tags().and_then(|t| t.get("env")).map(String::as_str),
        Some("test")
    );
    let err = client
        .delete_account_association()
        .account_association_id("seeded1")
        .send()
        .await
        .expect_err("409")
        .into_service_error();
    assert_eq!(err.code(), Some("ConflictException"), "{err:?}");

    // The consent page shows hostile names escaped (no raw ESC, no markup injection).
    let (_, url) = create_association(&client, "d1", "Mine").await;
    let page = tokio::task::spawn_blocking(move || {
        call(agent().get(&url).call()).into_string().expect("html")
    })
    .await
    .expect("join");
    assert!(!page.contains('\u{1b}'), "raw ESC in the page");
    assert!(
        page.contains("<bdi>Bidi \u{202e}gnp.exe</bdi>"),
        "bidi text is isolated"
    );
    sim.shutdown().await;
}

// ---- Raw HTTP: what the SDK would never send ----

/// (status, X-Amzn-ErrorType, parsed JSON body) of a raw request.
fn raw(
    method: &str,
    url: &str,
    auth: bool,
    body: Option<&[u8]>,
) -> (u16, String, serde_json::Value) {
    let mut request = agent()
        .request(method, url)
        .set("content-type", "application/json");
    if auth {
        request = request.set("authorization", FAKE_SIGV4);
    }
    let response = call(match body {
        Some(bytes) => request.send_bytes(bytes),
        None => request.call(),
    });
    let status = response.status();
    let error_type = response
        .header("x-amzn-errortype")
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        response.header("content-type"),
        Some("application/json"),
        "{method} {url}"
    );
    let text = response.into_string().expect("body");
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (status, error_type, json)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_without_sigv4_are_access_denied() {
    let sim = start(config()).await;
    let endpoint = sim.endpoint();
    tokio::task::spawn_blocking(move || {
        let (status, kind, body) = raw(
            "GET",
            &format!("{endpoint}/connector-destinations"),
            false,
            None,
        );
        assert_eq!((status, kind.as_str()), (403, "AccessDeniedException"));
        assert!(
            body["Message"]
                .as_str()
                .is_some_and(|m| m.contains("Authorization")),
            "{body}"
        );
        // Signed for another service: still denied.
        let response = call(
            agent()
                .get(&format!("{endpoint}/connector-destinations"))
                .set(
                    "authorization",
                    &FAKE_SIGV4.replace("/iotmanagedintegrations/", "/s3/"),
                )
                .call(),
        );
        assert_eq!(response.status(), 403);
        let (status, _, _) = raw(
            "GET",
            &format!("{endpoint}/connector-destinations"),
            true,
            None,
        );
        assert_eq!(status, 200);
    })
    .await
    .expect("join");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_errors_in_the_service_shape() {
    let sim = start(config()).await;
    let endpoint = sim.endpoint();
    tokio::task::spawn_blocking(move || {
        let create = format!("{endpoint}/account-associations");
        let (status, kind, body) = raw(
            "POST",
            &create,
            true,
            Some(b"{\"ConnectorDestinationId\": "),
        );
        assert_eq!(
            (status, kind.as_str()),
            (400, "ValidationException"),
            "{body}"
        );
        assert!(
            body["Message"]
                .as_str()
                .is_some_and(|m| m.contains("malformed JSON")),
            "{body}"
        );

        let (status, kind, body) = raw(
            "POST",
            &create,
            true,
            Some(br#"{"ConnectorDestinationId": "acme-home-us", "Name": 42}"#),
        );
        assert_eq!((status, kind.as_str()), (400, "ValidationException"));
        assert_eq!(body["Message"], "Name: expected a string, got a number");

        let (status, kind, _) = raw("POST", &create, true, Some(b"[]"));
        assert_eq!((status, kind.as_str()), (400, "ValidationException"));

        let (status, kind, body) = raw("GET", &format!("{endpoint}/no/such/route"), true, None);
        assert_eq!((status, kind.as_str()), (404, "UnknownOperationException"));
        assert!(body["Message"].is_string());

        let huge = vec![b' '; 1024 * 1024 + 512 * 1024];
        let (status, kind, body) = raw("POST", &create, true, Some(&huge));
        assert_eq!(
            (status, kind.as_str()),
            (413, "ValidationException"),
            "{body}"
        );

        let (status, kind, body) = raw(
            "GET",
            &format!("{endpoint}/connector-destinations?MaxResults=abc"),
            true,
            None,
        );
        assert_eq!((status, kind.as_str()), (400, "ValidationException"));
        assert!(
            body["Message"]
                .as_str()
                .is_some_and(|m| m.starts_with("MaxResults"))
        );

        let (status, kind, body) = raw(
            "GET",
            &format!("{endpoint}/account-associations/nope"),
            true,
            None,
        );
        assert_eq!((status, kind.as_str()), (404, "ResourceNotFoundException"));
        assert_eq!(
            (body["ResourceId"].as_str(), body["ResourceType"].as_str()),
            (Some("nope"), Some("AccountAssociation"))
        );
    })
    .await
    .expect("join");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_clients_are_all_answered() {
    let sim = start(SimConfig {
        latency_ms: 20,
        ..config()
    })
    .await;
    let endpoint = sim.endpoint();
    let statuses = tokio::task::spawn_blocking(move || {
        let threads: Vec<_> = (0..50)
            .map(|i| {
                let url = if i % 2 == 0 {
                    format!("{endpoint}/connector-destinations?MaxResults=3")
                } else {
                    format!("{endpoint}/cloud-connectors")
                };
                std::thread::spawn(move || raw("GET", &url, true, None).0)
            })
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().expect("client thread"))
            .collect::<Vec<u16>>()
    })
    .await
    .expect("join");
    assert_eq!(statuses, vec![200; 50]);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_body_is_answered_not_hung() {
    use std::io::{Read, Write};
    let sim = start(config()).await;
    let addr = sim.addr;
    let reply = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let head = format!(
            "POST /account-associations HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {FAKE_SIGV4}\r\n\
             Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"Name\":"
        );
        stream.write_all(head.as_bytes()).expect("write");
        // The client gives up half way: the server must answer, not wait for 100 bytes.
        stream
            .shutdown(std::net::Shutdown::Write)
            .expect("half-close");
        let mut reply = String::new();
        let _ = stream.read_to_string(&mut reply);
        reply
    })
    .await
    .expect("join");
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    assert!(
        reply
            .to_ascii_lowercase()
            .contains("x-amzn-errortype: validationexception"),
        "{reply}"
    );
    sim.shutdown().await;
}
