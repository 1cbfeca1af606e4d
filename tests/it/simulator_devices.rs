//! Devices through the real Rust SDK: CLOUD device discovery of a linked account, adopting a
//! discovered device as a managed thing, and registering it with the account association.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use crate::common::{client, config, consent, poll, start, wait_for_state};
use aws_sdk_iotmanagedintegrations::Client;
use aws_sdk_iotmanagedintegrations::error::ProvideErrorMetadata;
use aws_sdk_iotmanagedintegrations::operation::create_managed_thing::CreateManagedThingError;
use aws_sdk_iotmanagedintegrations::operation::get_device_discovery::GetDeviceDiscoveryOutput;
use aws_sdk_iotmanagedintegrations::operation::list_device_discoveries::ListDeviceDiscoveriesError;
use aws_sdk_iotmanagedintegrations::operation::register_account_association::RegisterAccountAssociationError;
use aws_sdk_iotmanagedintegrations::operation::start_device_discovery::StartDeviceDiscoveryError;
use aws_sdk_iotmanagedintegrations::types::{
    AssociationState, AuthMaterialType, DeviceDiscoveryStatus, DiscoveredDeviceSummary,
    DiscoveryModification, DiscoveryType, GeneralAuthorizationName, ManagedThingAssociationStatus,
    ProvisioningStatus, Role,
};
use iotmi_simulator::SimConfig;

/// The seeded association whose two managed things are registered (crates/simulator/assets/fixtures.json).
const SEEDED: &str = "7d2f4c9a1b3e4f6a8c0d2e4f6a8b0c1d";
/// BrightLight's catalogue in the fixtures.
const BRIGHTLIGHT_DEVICES: [&str; 6] = [
    "Kitchen ceiling bulb",
    "TV backlight strip",
    "Porch lantern",
    "Reading lamp",
    "Living room dimmer",
    "Garden spot",
];

fn fast() -> SimConfig {
    SimConfig {
        discovery_ms: 150,
        ..config()
    }
}

/// A General Authorization association on BrightLight, waited until it has succeeded.
async fn linked(client: &Client, name: &str) -> String {
    let id = client
        .create_account_association()
        .connector_destination_id("brightlight-partner")
        .name(name)
        .general_authorization(
            GeneralAuthorizationName::builder()
                .auth_material_name("api-key")
                .build(),
        )
        .send()
        .await
        .expect("create")
        .account_association_id()
        .to_owned();
    wait_for_state(client, &id, AssociationState::AssociationSucceeded).await;
    id
}

async fn discover(client: &Client, association: &str) -> String {
    client
        .start_device_discovery()
        .discovery_type(DiscoveryType::Cloud)
        .account_association_id(association)
        .send()
        .await
        .expect("start discovery")
        .id()
        .expect("Id")
        .to_owned()
}

async fn finished(client: &Client, id: &str) -> GetDeviceDiscoveryOutput {
    poll(
        &format!("discovery {id}"),
        Duration::from_secs(5),
        || async {
            let got = client
                .get_device_discovery()
                .identifier(id)
                .send()
                .await
                .map_err(|e| format!("{e:?}"))?;
            match got.status() {
                DeviceDiscoveryStatus::Running => Err("RUNNING".into()),
                _ => Ok(got),
            }
        },
    )
    .await
}

/// Every discovered device, following NextToken with pages of `page`.
async fn discovered(client: &Client, id: &str, page: i32) -> Vec<DiscoveredDeviceSummary> {
    let mut all = Vec::new();
    let mut token = None;
    loop {
        let out = client
            .list_discovered_devices()
            .identifier(id)
            .max_results(page)
            .set_next_token(token)
            .send()
            .await
            .expect("list discovered devices");
        assert!(out.items().len() <= page as usize);
        all.extend(out.items().iter().cloned());
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            return all;
        }
    }
}

fn material(device: &DiscoveredDeviceSummary) -> String {
    device
        .authentication_material()
        .expect("AuthenticationMaterial")
        .to_owned()
}

async fn adopt(client: &Client, device: &DiscoveredDeviceSummary, token: Option<&str>) -> String {
    client
        .create_managed_thing()
        .role(Role::Device)
        .authentication_material_type(AuthMaterialType::DiscoveredDevice)
        .authentication_material(material(device))
        .set_client_token(token.map(str::to_owned))
        .send()
        .await
        .expect("create managed thing")
        .id()
        .expect("Id")
        .to_owned()
}

#[tokio::test]
async fn a_cloud_discovery_runs_then_lists_the_accounts_devices() {
    let sim = start(SimConfig {
        discovery_ms: 400,
        ..config()
    })
    .await;
    let client = client(&sim);
    let association = linked(&client, "Discovered home").await;
    let before = aws_smithy_types::DateTime::from(std::time::SystemTime::now());
    let started = client
        .start_device_discovery()
        .discovery_type(DiscoveryType::Cloud)
        .account_association_id(&association)
        .send()
        .await
        .expect("start");
    let id = started.id().expect("Id").to_owned();
    assert!(id.chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
    let started_at = started.started_at().expect("StartedAt");
    assert!(started_at.secs() >= before.secs() - 1, "{started_at:?}");

    let running = client
        .get_device_discovery()
        .identifier(&id)
        .send()
        .await
        .expect("get");
    assert_eq!(running.status(), &DeviceDiscoveryStatus::Running);
    assert_eq!(running.discovery_type(), &DiscoveryType::Cloud);
    assert_eq!(running.account_association_id(), Some(association.as_str()));
    assert_eq!(
        running.arn(),
        format!("arn:aws:iotmanagedintegrations:us-east-1:123456789012:device-discovery/{id}")
    );
    assert!(running.finished_at().is_none());
    assert!(
        discovered(&client, &id, 100).await.is_empty(),
        "nothing while running"
    );

    let done = finished(&client, &id).await;
    assert_eq!(done.status(), &DeviceDiscoveryStatus::Succeeded);
    let finished_at = done.finished_at().expect("FinishedAt");
    assert!(finished_at.as_nanos() > done.started_at().as_nanos());
    let devices = discovered(&client, &id, 4).await;
    let names: Vec<&str> = devices
        .iter()
        .filter_map(|d| d.connector_device_name())
        .collect();
    assert_eq!(names, BRIGHTLIGHT_DEVICES);
    for device in &devices {
        assert_eq!(
            device.modification(),
            Some(&DiscoveryModification::Discovered)
        );
        assert_eq!(device.brand(), Some("BrightLight"));
        assert!(device.model().is_some_and(|m| m.starts_with("BL ")));
        assert!(!device.device_types().is_empty());
        assert!(device.managed_thing_id().is_none());
        assert_eq!(device.discovered_at(), Some(finished_at));
        assert!(device.connector_device_id().is_some());
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn a_cloud_discovery_needs_a_succeeded_association() {
    let sim = start(fast()).await;
    let client = client(&sim);
    let (pending, url) = {
        let out = client
            .create_account_association()
            .connector_destination_id("acme-home-us")
            .name("Not yet")
            .send()
            .await
            .expect("create");
        (
            out.account_association_id().to_owned(),
            out.o_auth_authorization_url().to_owned(),
        )
    };
    let refused = |id: String| {
        let client = client.clone();
        async move {
            client
                .start_device_discovery()
                .discovery_type(DiscoveryType::Cloud)
                .account_association_id(id)
                .send()
                .await
                .expect_err("refused")
                .into_service_error()
        }
    };
    let err = refused(pending.clone()).await;
    assert!(
        matches!(err, StartDeviceDiscoveryError::ConflictException(_)),
        "{err:?}"
    );
    assert!(
        err.message()
            .is_some_and(|m| m.contains("ASSOCIATION_IN_PROGRESS") && m.contains(&pending)),
        "{err:?}"
    );
    // Denied: still refused, naming the new state.
    tokio::task::spawn_blocking(move || consent(&url, "deny"))
        .await
        .expect("join");
    wait_for_state(&client, &pending, AssociationState::AssociationFailed).await;
    let err = refused(pending.clone()).await;
    assert!(
        err.message()
            .is_some_and(|m| m.contains("ASSOCIATION_FAILED")),
        "{err:?}"
    );
    // The seeded expired association too.
    let err = refused("3a9e0b7c5d1f4e2a9b8c7d6e5f4a3b2c".into()).await;
    assert!(
        err.message()
            .is_some_and(|m| m.contains("REFRESH_TOKEN_EXPIRED")),
        "{err:?}"
    );
    // No association at all, or an unknown one.
    let err = client
        .start_device_discovery()
        .discovery_type(DiscoveryType::Cloud)
        .send()
        .await
        .expect_err("validation")
        .into_service_error();
    assert!(
        matches!(err, StartDeviceDiscoveryError::ValidationException(_)),
        "{err:?}"
    );
    assert!(
        err.message()
            .is_some_and(|m| m.starts_with("AccountAssociationId"))
    );
    let err = refused("nosuchassociation".into()).await;
    assert!(
        matches!(err, StartDeviceDiscoveryError::ResourceNotFoundException(_)),
        "{err:?}"
    );
    // A hub discovery needs a controller that exists.
    let err = client
        .start_device_discovery()
        .discovery_type(DiscoveryType::Zigbee)
        .controller_identifier("no-hub")
        .send()
        .await
        .expect_err("404")
        .into_service_error();
    assert!(
        matches!(err, StartDeviceDiscoveryError::ResourceNotFoundException(_)),
        "{err:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn start_is_idempotent_per_client_token_and_one_discovery_runs_per_account() {
    let sim = start(SimConfig {
        discovery_ms: 500,
        ..config()
    })
    .await;
    let client = client(&sim);
    let association = linked(&client, "Idempotent").await;
    // `only` narrows what the discovery reports: a different request under the same token.
    let start = |token: &'static str, only: &'static str| {
        client
            .start_device_discovery()
            .discovery_type(DiscoveryType::Cloud)
            .account_association_id(&association)
            .client_token(token)
            .connector_device_id_list(only)
            .send()
    };
    let first = start("disc-token-1", "a").await.expect("first");
    let again = start("disc-token-1", "a").await.expect("replay");
    assert_eq!(first.id(), again.id());
    assert_eq!(first.started_at(), again.started_at());
    let err = start("disc-token-1", "b")
        .await
        .expect_err("changed request")
        .into_service_error();
    assert!(
        matches!(err, StartDeviceDiscoveryError::ConflictException(_)),
        "{err:?}"
    );
    // Another discovery while the first runs: refused, naming the running one.
    let err = start("disc-token-2", "a")
        .await
        .expect_err("running")
        .into_service_error();
    assert!(
        matches!(err, StartDeviceDiscoveryError::ConflictException(_)),
        "{err:?}"
    );
    let running = first.id().expect("id");
    assert!(
        err.message().is_some_and(|m| m.contains(running)),
        "{err:?}"
    );
    finished(&client, running).await;
    let listed = client.list_device_discoveries().send().await.expect("list");
    let mine = listed
        .items()
        .iter()
        .filter(|d| d.id() == Some(running))
        .count();
    assert_eq!(mine, 1, "the replay started nothing");
    start("disc-token-2", "a").await.expect("once finished");
    sim.shutdown().await;
}

#[tokio::test]
async fn rediscovery_marks_what_changed_since_the_previous_discovery() {
    let sim = start(fast()).await;
    let client = client(&sim);
    let association = linked(&client, "Changing home").await;
    let mut rounds = Vec::new();
    for _ in 0..3 {
        let id = discover(&client, &association).await;
        finished(&client, &id).await;
        rounds.push(discovered(&client, &id, 100).await);
    }
    let count = |round: &[DiscoveredDeviceSummary], m: DiscoveryModification| {
        round
            .iter()
            .filter(|d| d.modification() == Some(&m))
            .count()
    };
    assert_eq!(count(&rounds[0], DiscoveryModification::Discovered), 6);
    for round in &rounds[1..] {
        assert_eq!(
            count(round, DiscoveryModification::Discovered),
            1,
            "{round:?}"
        );
        assert_eq!(count(round, DiscoveryModification::Updated), 1, "{round:?}");
        assert_eq!(
            count(round, DiscoveryModification::NoChange),
            5,
            "{round:?}"
        );
    }
    // The update is a rename in the account; the device keeps its id.
    let updated = rounds[1]
        .iter()
        .find(|d| d.modification() == Some(&DiscoveryModification::Updated))
        .expect("updated");
    assert_eq!(
        updated.connector_device_name(),
        Some("Kitchen ceiling bulb 2")
    );
    assert_eq!(
        updated.connector_device_id(),
        rounds[0][0].connector_device_id()
    );
    // What joined in round 2 is gone (removed) in round 3.
    let joined = rounds[1]
        .iter()
        .find(|d| d.modification() == Some(&DiscoveryModification::Discovered))
        .and_then(|d| d.connector_device_id())
        .expect("joined");
    assert!(
        rounds[2]
            .iter()
            .all(|d| d.connector_device_id() != Some(joined))
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn discoveries_are_listed_by_type_and_status_in_pages() {
    let sim = start(SimConfig {
        discovery_fail_rate: 0.5,
        fault_seed: Some(4),
        ..fast()
    })
    .await;
    let client = client(&sim);
    let associations = [
        linked(&client, "Lister one").await,
        linked(&client, "Lister two").await,
    ];
    let mut started = vec![];
    for _ in 0..5 {
        for association in &associations {
            let id = discover(&client, association).await;
            started.push(id.clone());
            finished(&client, &id).await;
        }
    }
    let list = |status: Option<DeviceDiscoveryStatus>| {
        let client = client.clone();
        async move {
            let mut ids = Vec::new();
            let mut token = None;
            loop {
                let out = client
                    .list_device_discoveries()
                    .type_filter(DiscoveryType::Cloud)
                    .set_status_filter(status.clone())
                    .max_results(3)
                    .set_next_token(token)
                    .send()
                    .await
                    .expect("page");
                assert!(out.items().len() <= 3);
                for item in out.items() {
                    assert_eq!(item.discovery_type(), Some(&DiscoveryType::Cloud));
                    if let Some(status) = &status {
                        assert_eq!(item.status(), Some(status));
                    }
                    ids.push(item.id().expect("id").to_owned());
                }
                token = out.next_token().map(str::to_owned);
                if token.is_none() {
                    return ids;
                }
            }
        }
    };
    let all = list(None).await;
    // The seeded association's discovery, then ours in order.
    assert_eq!(&all[1..], started.as_slice());
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), all.len());
    let succeeded = list(Some(DeviceDiscoveryStatus::Succeeded)).await;
    let failed = list(Some(DeviceDiscoveryStatus::Failed)).await;
    let timed_out = list(Some(DeviceDiscoveryStatus::TimedOut)).await;
    assert_eq!(succeeded.len() + failed.len() + timed_out.len(), all.len());
    assert!(!failed.is_empty() && !timed_out.is_empty() && succeeded.len() > 1);
    // A failed discovery lists no devices.
    assert!(discovered(&client, &failed[0], 100).await.is_empty());

    let page = client
        .list_device_discoveries()
        .max_results(1)
        .send()
        .await
        .expect("page");
    let err = client
        .list_device_discoveries()
        .status_filter(DeviceDiscoveryStatus::Failed)
        .next_token(page.next_token().expect("more"))
        .send()
        .await
        .expect_err("token of another filter")
        .into_service_error();
    assert!(
        matches!(err, ListDeviceDiscoveriesError::ValidationException(_)),
        "{err:?}"
    );
    let err = client
        .list_device_discoveries()
        .type_filter(DiscoveryType::from("WIFI"))
        .send()
        .await
        .expect_err("enum")
        .into_service_error();
    assert!(
        err.message().is_some_and(|m| m.starts_with("TypeFilter")),
        "{err:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn thousands_of_devices_are_paged_without_gaps() {
    let sim = start(SimConfig {
        devices: 2500,
        ..fast()
    })
    .await;
    let client = client(&sim);
    let association = linked(&client, "Big home").await;
    let id = discover(&client, &association).await;
    finished(&client, &id).await;
    let started = Instant::now();
    let devices = discovered(&client, &id, 1000).await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(devices.len(), 6 + 2500);
    let ids: HashSet<&str> = devices
        .iter()
        .filter_map(|d| d.connector_device_id())
        .collect();
    assert_eq!(ids.len(), devices.len(), "unique ids, no gaps or repeats");
    let kinds: HashSet<&str> = devices
        .iter()
        .flat_map(|d| d.device_types().iter().map(String::as_str))
        .collect();
    for kind in [
        "ExtendedColorLight",
        "OnOffPlugInUnit",
        "Thermostat",
        "Camera",
        "DoorLock",
        "ContactSensor",
    ] {
        assert!(kinds.contains(kind), "{kind} in {kinds:?}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn a_discovered_device_is_adopted_registered_and_deregistered() {
    let sim = start(fast()).await;
    let client = client(&sim);
    let association = linked(&client, "Adopting home").await;
    let discovery = discover(&client, &association).await;
    finished(&client, &discovery).await;
    let devices = discovered(&client, &discovery, 100).await;
    let lamp = devices
        .iter()
        .find(|d| d.connector_device_name() == Some("Reading lamp"))
        .expect("lamp");

    // Adopt, with a ClientToken: a retry is the same thing, a changed request a conflict.
    let thing = adopt(&client, lamp, Some("thing-token-1")).await;
    assert_eq!(adopt(&client, lamp, Some("thing-token-1")).await, thing);
    let err = client
        .create_managed_thing()
        .role(Role::Device)
        .authentication_material_type(AuthMaterialType::DiscoveredDevice)
        .authentication_material(material(lamp))
        .name("Another name")
        .client_token("thing-token-1")
        .send()
        .await
        .expect_err("changed")
        .into_service_error();
    assert!(
        matches!(err, CreateManagedThingError::ConflictException(_)),
        "{err:?}"
    );
    // The same device again, without a token: already adopted.
    let err = client
        .create_managed_thing()
        .role(Role::Device)
        .authentication_material_type(AuthMaterialType::DiscoveredDevice)
        .authentication_material(material(lamp))
        .send()
        .await
        .expect_err("adopted")
        .into_service_error();
    assert!(
        matches!(err, CreateManagedThingError::ConflictException(_))
            && err.message().is_some_and(|m| m.contains(&thing)),
        "{err:?}"
    );

    let got = client
        .get_managed_thing()
        .identifier(&thing)
        .send()
        .await
        .expect("get");
    assert_eq!(
        got.provisioning_status(),
        Some(&ProvisioningStatus::Discovered)
    );
    assert_eq!(got.role(), Some(&Role::Device));
    assert_eq!(got.name(), Some("Reading lamp"));
    assert_eq!(got.brand(), Some("BrightLight"));
    assert_eq!(got.model(), Some("BL E14 Candle White"));
    assert_eq!(got.connector_destination_id(), Some("brightlight-partner"));
    assert_eq!(got.connector_device_id(), lamp.connector_device_id());
    assert!(got.activated_at().is_none() && got.created_at().is_some());
    assert_eq!(
        got.arn(),
        Some(
            format!("arn:aws:iotmanagedintegrations:us-east-1:123456789012:managed-thing/{thing}")
                .as_str()
        )
    );
    // The discovery now names the thing its device became.
    let again = discovered(&client, &discovery, 100).await;
    let lamp_now = again
        .iter()
        .find(|d| d.connector_device_id() == lamp.connector_device_id())
        .expect("lamp");
    assert_eq!(lamp_now.managed_thing_id(), Some(thing.as_str()));
    let links = |client: Client, association: String| async move {
        client
            .list_managed_thing_account_associations()
            .account_association_id(association)
            .send()
            .await
            .expect("links")
            .items()
            .to_vec()
    };
    let pre = links(client.clone(), association.clone()).await;
    assert_eq!(pre.len(), 1);
    assert_eq!(
        pre[0].managed_thing_association_status(),
        Some(&ManagedThingAssociationStatus::PreAssociated)
    );

    // Register: ACTIVATED and ASSOCIATED; again is no change.
    for _ in 0..2 {
        let out = client
            .register_account_association()
            .managed_thing_id(&thing)
            .account_association_id(&association)
            .device_discovery_id(&discovery)
            .send()
            .await
            .expect("register");
        assert_eq!(out.managed_thing_id(), Some(thing.as_str()));
        assert_eq!(out.device_discovery_id(), Some(discovery.as_str()));
    }
    let got = client
        .get_managed_thing()
        .identifier(&thing)
        .send()
        .await
        .expect("get");
    assert_eq!(
        got.provisioning_status(),
        Some(&ProvisioningStatus::Activated)
    );
    assert!(got.activated_at().is_some());
    let registered = links(client.clone(), association.clone()).await;
    assert_eq!(
        registered[0].managed_thing_association_status(),
        Some(&ManagedThingAssociationStatus::Associated)
    );

    // Registered things block the association's deletion.
    let err = client
        .delete_account_association()
        .account_association_id(&association)
        .send()
        .await
        .expect_err("conflict")
        .into_service_error();
    assert_eq!(err.code(), Some("ConflictException"), "{err:?}");
    assert!(
        err.message()
            .is_some_and(|m| m.contains("1 managed things are still registered")),
        "{err:?}"
    );
    client
        .deregister_account_association()
        .managed_thing_id(&thing)
        .account_association_id(&association)
        .send()
        .await
        .expect("deregister");
    let got = client
        .get_managed_thing()
        .identifier(&thing)
        .send()
        .await
        .expect("get");
    assert_eq!(
        got.provisioning_status(),
        Some(&ProvisioningStatus::Unassociated)
    );
    assert!(links(client.clone(), association.clone()).await.is_empty());
    client
        .delete_account_association()
        .account_association_id(&association)
        .send()
        .await
        .expect("deleted once nothing is registered");
    sim.shutdown().await;
}

#[tokio::test]
async fn adoption_and_registration_refuse_what_does_not_fit() {
    let sim = start(SimConfig {
        expire_after_ms: Some(1500),
        ..fast()
    })
    .await;
    let client = client(&sim);
    let mine = linked(&client, "Mine").await;
    let other = linked(&client, "Other").await;
    let discovery = discover(&client, &mine).await;
    let other_discovery = discover(&client, &other).await;
    finished(&client, &discovery).await;
    finished(&client, &other_discovery).await;
    let devices = discovered(&client, &discovery, 100).await;

    let create = |role: Role, material: &str| {
        client
            .create_managed_thing()
            .role(role)
            .authentication_material_type(AuthMaterialType::DiscoveredDevice)
            .authentication_material(material)
            .send()
    };
    let err = create(Role::Controller, &material(&devices[0]))
        .await
        .expect_err("role")
        .into_service_error();
    assert!(
        err.message().is_some_and(|m| m.starts_with("Role")),
        "{err:?}"
    );
    let err = create(Role::Device, "c2c:nothing:here")
        .await
        .expect_err("material")
        .into_service_error();
    assert!(
        matches!(err, CreateManagedThingError::ValidationException(_))
            && err
                .message()
                .is_some_and(|m| m.starts_with("AuthenticationMaterial")),
        "{err:?}"
    );
    let err = create(Role::Device, "bad\u{7f}material")
        .await
        .expect_err("pattern")
        .into_service_error();
    assert!(
        err.message().is_some_and(|m| m.contains("must match")),
        "{err:?}"
    );
    let err = client
        .create_managed_thing()
        .role(Role::Device)
        .authentication_material_type(AuthMaterialType::WifiSetupQrBarCode)
        .authentication_material("WIFI:S:home;T:WPA;;")
        .name("bad/name")
        .send()
        .await
        .expect_err("name")
        .into_service_error();
    assert!(
        err.message().is_some_and(|m| m.starts_with("Name")),
        "{err:?}"
    );

    let thing = adopt(&client, &devices[0], None).await;
    let register = |association: &str, discovery: &str| {
        client
            .register_account_association()
            .managed_thing_id(&thing)
            .account_association_id(association)
            .device_discovery_id(discovery)
            .send()
    };
    let err = register(&mine, &other_discovery)
        .await
        .expect_err("discovery of another association")
        .into_service_error();
    assert!(
        matches!(err, RegisterAccountAssociationError::ValidationException(_)),
        "{err:?}"
    );
    let err = register(&other, &other_discovery)
        .await
        .expect_err("not its device")
        .into_service_error();
    assert!(
        err.message()
            .is_some_and(|m| m.starts_with("ManagedThingId")),
        "{err:?}"
    );
    let err = register(&mine, "nosuchdiscovery")
        .await
        .expect_err("404")
        .into_service_error();
    assert!(
        matches!(
            err,
            RegisterAccountAssociationError::ResourceNotFoundException(_)
        ),
        "{err:?}"
    );
    // Once the association's token has expired, registering waits for a refresh.
    wait_for_state(&client, &mine, AssociationState::RefreshTokenExpired).await;
    let err = register(&mine, &discovery)
        .await
        .expect_err("expired")
        .into_service_error();
    assert!(
        matches!(err, RegisterAccountAssociationError::ConflictException(_))
            && err
                .message()
                .is_some_and(|m| m.contains("REFRESH_TOKEN_EXPIRED")),
        "{err:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn managed_things_are_listed_by_filters_in_pages() {
    let sim = start(fast()).await;
    let client = client(&sim);
    let association = linked(&client, "Many things").await;
    let discovery = discover(&client, &association).await;
    finished(&client, &discovery).await;
    let devices = discovered(&client, &discovery, 100).await;
    let mut adopted = Vec::new();
    for device in &devices[..4] {
        adopted.push(adopt(&client, device, None).await);
    }
    client
        .register_account_association()
        .managed_thing_id(&adopted[0])
        .account_association_id(&association)
        .device_discovery_id(&discovery)
        .send()
        .await
        .expect("register");
    let hub = client
        .create_managed_thing()
        .role(Role::Controller)
        .authentication_material_type(AuthMaterialType::ZigbeeQrBarCode)
        .authentication_material("Z:0011223344556677$I:0123456789ABCDEF")
        .name("Hallway hub")
        .serial_number("HUB-0001")
        .send()
        .await
        .expect("controller")
        .id()
        .expect("id")
        .to_owned();

    let list =
        |destination: Option<&str>, status: Option<ProvisioningStatus>, role: Option<Role>| {
            let client = client.clone();
            let destination = destination.map(str::to_owned);
            async move {
                let mut ids = Vec::new();
                let mut token = None;
                loop {
                    let out = client
                        .list_managed_things()
                        .set_connector_destination_id_filter(destination.clone())
                        .set_provisioning_status_filter(status.clone())
                        .set_role_filter(role.clone())
                        .max_results(2)
                        .set_next_token(token)
                        .send()
                        .await
                        .expect("page");
                    assert!(out.items().len() <= 2);
                    ids.extend(out.items().iter().filter_map(|t| t.id().map(str::to_owned)));
                    token = out.next_token().map(str::to_owned);
                    if token.is_none() {
                        return ids;
                    }
                }
            }
        };
    assert_eq!(list(Some("brightlight-partner"), None, None).await, adopted);
    assert_eq!(
        list(None, Some(ProvisioningStatus::Activated), None)
            .await
            .len(),
        1 + 2,
        "ours and the two seeded"
    );
    assert_eq!(
        list(
            Some("brightlight-partner"),
            Some(ProvisioningStatus::Discovered),
            None
        )
        .await,
        adopted[1..]
    );
    assert_eq!(
        list(None, None, Some(Role::Controller)).await,
        std::slice::from_ref(&hub)
    );
    let everything = list(None, None, None).await;
    assert_eq!(everything.len(), 2 + 4 + 1);
    let got = client
        .get_managed_thing()
        .identifier(&hub)
        .send()
        .await
        .expect("hub");
    assert_eq!(
        got.provisioning_status(),
        Some(&ProvisioningStatus::Unassociated)
    );
    assert_eq!(got.serial_number(), Some("HUB-0001"));
    // A hub discovery on it finds nothing here (no simulated Zigbee network), but runs.
    let hub_discovery = client
        .start_device_discovery()
        .discovery_type(DiscoveryType::Zigbee)
        .controller_identifier(&hub)
        .send()
        .await
        .expect("hub discovery")
        .id()
        .expect("id")
        .to_owned();
    let done = finished(&client, &hub_discovery).await;
    assert_eq!(done.controller_id(), Some(hub.as_str()));
    assert!(discovered(&client, &hub_discovery, 10).await.is_empty());
    let err = client
        .list_managed_things()
        .provisioning_status_filter(ProvisioningStatus::from("LOST"))
        .send()
        .await
        .expect_err("enum")
        .into_service_error();
    assert!(
        err.message()
            .is_some_and(|m| m.starts_with("ProvisioningStatusFilter")),
        "{err:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn the_seeded_conflict_is_registered_things_and_ends_with_them() {
    let sim = start(config()).await;
    let client = client(&sim);
    let links = client
        .list_managed_thing_account_associations()
        .account_association_id(SEEDED)
        .send()
        .await
        .expect("links");
    assert_eq!(links.items().len(), 2);
    for link in links.items() {
        assert_eq!(
            link.managed_thing_association_status(),
            Some(&ManagedThingAssociationStatus::Associated)
        );
        let thing = client
            .get_managed_thing()
            .identifier(link.managed_thing_id().expect("id"))
            .send()
            .await
            .expect("thing");
        assert_eq!(
            thing.provisioning_status(),
            Some(&ProvisioningStatus::Activated)
        );
        assert_eq!(
            thing.connector_destination_id(),
            Some("brightlight-api-key")
        );
    }
    let err = client
        .delete_account_association()
        .account_association_id(SEEDED)
        .send()
        .await
        .expect_err("conflict")
        .into_service_error();
    assert!(
        err.message()
            .is_some_and(|m| m.contains("2 managed things are still registered")),
        "{err:?}"
    );
    for link in links.items() {
        client
            .deregister_account_association()
            .managed_thing_id(link.managed_thing_id().expect("id"))
            .account_association_id(SEEDED)
            .send()
            .await
            .expect("deregister");
    }
    client
        .delete_account_association()
        .account_association_id(SEEDED)
        .send()
        .await
        .expect("deleted");
    sim.shutdown().await;
}

#[tokio::test]
async fn reply_delay_holds_the_new_state_changing_operations_too() {
    let delay = Duration::from_millis(400);
    let sim = start(fast()).await;
    let client = client(&sim);
    let association = linked(&client, "Held replies").await;
    sim.set_reply_delay(delay);
    let timed = Instant::now();
    let discovery = discover(&client, &association).await;
    assert!(
        timed.elapsed() >= delay,
        "start held: {:?}",
        timed.elapsed()
    );
    let timed = Instant::now();
    finished(&client, &discovery).await;
    let devices = discovered(&client, &discovery, 100).await;
    assert!(
        timed.elapsed() < Duration::from_secs(2),
        "reads are not held"
    );
    let timed = Instant::now();
    let thing = adopt(&client, &devices[1], None).await;
    assert!(
        timed.elapsed() >= delay,
        "create held: {:?}",
        timed.elapsed()
    );
    let timed = Instant::now();
    client
        .register_account_association()
        .managed_thing_id(&thing)
        .account_association_id(&association)
        .device_discovery_id(&discovery)
        .send()
        .await
        .expect("register");
    assert!(
        timed.elapsed() >= delay,
        "register held: {:?}",
        timed.elapsed()
    );
    let timed = Instant::now();
    client
        .deregister_account_association()
        .managed_thing_id(&thing)
        .account_association_id(&association)
        .send()
        .await
        .expect("deregister");
    assert!(
        timed.elapsed() >= delay,
        "deregister held: {:?}",
        timed.elapsed()
    );
    sim.shutdown().await;
}
