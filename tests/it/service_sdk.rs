//! The SDK-backed `AssociationService` against the simulator: what the wizard sees of each call,
//! and how SDK failures become the wizard's error kinds (with their remedies).

use crate::common;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::credential_fn::provide_credentials_fn;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::provider::error::CredentialsError;
use iotmi_core::service::{AssociationService, AssociationState, CreateRequest, ErrorKind};
use iotmi_onboard::sdk::LazySdkService;
use iotmi_simulator::SimConfig;

fn service(endpoint: &str) -> LazySdkService {
    LazySdkService::from_config(iotmi_onboard::aws::demo_sdk_config(endpoint), true)
}

fn request(token: &str, destination: &str) -> CreateRequest {
    CreateRequest {
        client_token: token.into(),
        destination_id: destination.into(),
        name: Some("Service layer test".into()),
        description: None,
        tags: vec![("env".into(), "test".into())],
        auth_material: None,
    }
}

#[tokio::test]
async fn lists_every_page_and_reads_auth_kinds() {
    let sim = common::start(SimConfig {
        destinations: 1500,
        ..common::config()
    })
    .await;
    let service = service(&sim.endpoint());
    let mut all = Vec::new();
    let mut token = None;
    let mut pages = 0;
    loop {
        let page = service.list_destinations(token).await.unwrap();
        pages += 1;
        all.extend(page.items);
        match page.next_token {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    assert!(pages >= 2, "1,500+ destinations span pages of 1,000");
    assert!(all.len() >= 1506);
    let connectors = service.list_cloud_connectors().await.unwrap();
    assert!(
        all.iter()
            .all(|d| connectors.iter().any(|c| c.id == d.cloud_connector_id))
    );

    let oauth = service
        .get_destination("acme-home-us".into())
        .await
        .unwrap();
    assert!(oauth.has_oauth && !oauth.uses_general_authorization());
    let general = service
        .get_destination("brightlight-partner".into())
        .await
        .unwrap();
    assert!(general.uses_general_authorization());
    assert_eq!(general.auth_materials, ["api-key", "client-certificate"]);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn create_is_idempotent_per_token_and_polls_to_success() {
    let sim = common::start(common::config()).await;
    let service = service(&sim.endpoint());
    let first = service
        .create_association(request("tok-1", "acme-home-us"))
        .await
        .unwrap();
    let again = service
        .create_association(request("tok-1", "acme-home-us"))
        .await
        .unwrap();
    assert_eq!(first.id, again.id, "same token, same association");
    assert!(
        first.oauth_url.starts_with(&sim.endpoint()),
        "{}",
        first.oauth_url
    );
    assert!(first.arn.ends_with(&first.id));

    let mut other = request("tok-1", "acme-home-us");
    other.name = Some("Changed".into());
    let conflict = service.create_association(other).await.unwrap_err();
    assert_eq!(conflict.kind, ErrorKind::Conflict);

    let fetched = service.get_association(first.id.clone()).await.unwrap();
    assert_eq!(fetched.state, AssociationState::InProgress);
    assert_eq!(fetched.tags.get("env").map(String::as_str), Some("test"));
    let url = first.oauth_url.clone();
    let (status, _) = tokio::task::spawn_blocking(move || common::consent(&url, "approve"))
        .await
        .unwrap();
    assert_eq!(status, 200);
    let succeeded = common::poll("success", std::time::Duration::from_secs(10), || async {
        let a = service
            .get_association(first.id.clone())
            .await
            .map_err(|e| e.to_string())?;
        if a.state == AssociationState::Succeeded {
            Ok(a)
        } else {
            Err(a.state.to_string())
        }
    })
    .await;
    assert_eq!(succeeded.name, "Service layer test");
    sim.shutdown().await;
}

#[tokio::test]
async fn service_errors_map_to_kinds_with_messages() {
    let sim = common::start(common::config()).await;
    let service = service(&sim.endpoint());
    let missing = service
        .get_destination("no-such-destination".into())
        .await
        .unwrap_err();
    assert_eq!(missing.kind, ErrorKind::NotFound);
    assert!(
        missing.message.contains("ResourceNotFoundException"),
        "{}",
        missing.message
    );

    let mut bad = request("tok-bad", "acme-home-us");
    bad.name = Some("has.a.dot".into());
    let invalid = service.create_association(bad).await.unwrap_err();
    assert_eq!(invalid.kind, ErrorKind::Validation);
    assert!(invalid.message.contains("Name"), "{}", invalid.message);
    assert!(
        invalid
            .request_id
            .as_deref()
            .is_some_and(|id| id.len() == 36),
        "{invalid:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn throttled_after_the_sdk_retries() {
    let sim = common::start(SimConfig {
        throttle_every: 1,
        ..common::config()
    })
    .await;
    let error = service(&sim.endpoint())
        .list_destinations(None)
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::Throttled);
    assert!(error.remedy("default").contains("retry"));
    sim.shutdown().await;
}

#[tokio::test]
async fn missing_credentials_say_how_to_get_some() {
    let sim = common::start(common::config()).await;
    let config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(sim.endpoint())
        .http_client(iotmi_onboard::aws::direct_http_client())
        .build();
    let error = LazySdkService::from_config(config.clone(), true)
        .list_destinations(None)
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::NoCredentials, "{error:?}");
    // The default chain finding nothing (an expired SSO session, no profile) fails differently.
    let chain_found_nothing = SharedCredentialsProvider::new(provide_credentials_fn(|| async {
        Err(CredentialsError::not_loaded(
            "no credentials in the profile",
        ))
    }));
    let config = config
        .into_builder()
        .credentials_provider(chain_found_nothing)
        .build();
    let error = LazySdkService::from_config(config, true)
        .list_destinations(None)
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::NoCredentials, "{error:?}");
    // Nothing says there is an SSO set-up: the hint says how to configure credentials.
    assert!(error.remedy("ops").contains("profile `ops`"));
    assert!(error.remedy("ops").contains("aws configure"));
    assert!(!error.remedy("ops").contains("sso login"));
    assert!(error.remedy("ops").contains("iotmi-onboard demo"));
    sim.shutdown().await;
}

#[tokio::test]
async fn closed_port_is_unreachable() {
    // Bind and drop to find a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let error = service(&format!("http://127.0.0.1:{port}"))
        .list_destinations(None)
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::Unreachable, "{error:?}");
}
