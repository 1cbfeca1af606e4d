//! The AWS CLI (botocore's own model and serializers) against the simulator: proves the wire
//! format beyond the Rust SDK, and that the real binary prints its endpoint first and exits
//! 0 on SIGTERM. The CLI is required: a missing `aws` fails these tests, it never skips them.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common;
use crate::common::{config, consent, start};
use iotmi_simulator::SimConfig;

/// The AWS CLI's environment for every run here: test credentials, no config files, no proxy
/// for loopback, no pager, and no profile of the host's.
fn cli_env(command: &mut Command) -> &mut Command {
    command
        .env("AWS_ACCESS_KEY_ID", "AKIDSIMULATORTEST")
        .env("AWS_SECRET_ACCESS_KEY", "simulator-test-secret")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("AWS_PAGER", "")
        .env_remove("AWS_PROFILE")
}

/// Runs `aws iot-managed-integrations ARGS` against `endpoint`; Ok(json) on success,
/// Err(stderr) when the CLI reports a service error.
fn aws(endpoint: &str, args: &[&str]) -> Result<serde_json::Value, String> {
    let output = cli_env(&mut Command::new("aws"))
        .arg("iot-managed-integrations")
        .args(args)
        .args([
            "--endpoint-url",
            endpoint,
            "--region",
            "us-east-1",
            "--output",
            "json",
        ])
        .env_remove("AWS_SESSION_TOKEN")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "could not run the AWS CLI (`aws`): {e}. These tests need it; install it with \
                 `python3 -m pip install awscli` (CI does this in .ci/run)."
            )
        });
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    if stdout.trim().is_empty() {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_str(&stdout).map_err(|e| format!("CLI printed non-JSON ({e}): {stdout}"))
}

fn aws_ok(endpoint: &str, args: &[&str]) -> serde_json::Value {
    aws(endpoint, args).unwrap_or_else(|stderr| panic!("aws {args:?} failed: {stderr}"))
}

fn state(endpoint: &str, id: &str) -> String {
    let out = aws_ok(
        endpoint,
        &["get-account-association", "--account-association-id", id],
    );
    out["AssociationState"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn wait_for(endpoint: &str, id: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = state(endpoint, id);
        if now == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{id} still {now}, expected {want}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_cli_creates_approves_and_deletes_an_association() {
    // Each CLI call takes ~0.5 s to start (seconds on a loaded machine), so DELETING must last
    // long enough to be seen.
    let sim = start(SimConfig {
        delete_after_ms: 6000,
        ..config()
    })
    .await;
    let endpoint = sim.endpoint();
    tokio::task::spawn_blocking(move || {
        let created = aws_ok(
            &endpoint,
            &[
                "create-account-association",
                "--connector-destination-id",
                "acme-home-us",
                "--name",
                "CLI home",
            ],
        );
        let id = created["AccountAssociationId"]
            .as_str()
            .expect("AccountAssociationId")
            .to_owned();
        let url = created["OAuthAuthorizationUrl"]
            .as_str()
            .expect("OAuthAuthorizationUrl")
            .to_owned();
        assert_eq!(created["AssociationState"], "ASSOCIATION_IN_PROGRESS");
        assert_eq!(state(&endpoint, &id), "ASSOCIATION_IN_PROGRESS");

        let (status, html) = consent(&url, "approve");
        assert_eq!(status, 200, "{html}");
        wait_for(&endpoint, &id, "ASSOCIATION_SUCCEEDED");

        let got = aws_ok(
            &endpoint,
            &["get-account-association", "--account-association-id", &id],
        );
        assert_eq!(got["Name"], "CLI home");
        assert_eq!(got["ConnectorDestinationId"], "acme-home-us");

        let err = aws(
            &endpoint,
            &[
                "create-account-association",
                "--connector-destination-id",
                "acme-home-us",
                "--name",
                "a.b",
            ],
        )
        .expect_err("invalid name");
        assert!(
            err.contains("ValidationException") && err.contains("Name: must match"),
            "{err}"
        );

        aws_ok(
            &endpoint,
            &[
                "delete-account-association",
                "--account-association-id",
                &id,
            ],
        );
        assert_eq!(state(&endpoint, &id), "ASSOCIATION_DELETING");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match aws(
                &endpoint,
                &["get-account-association", "--account-association-id", &id],
            ) {
                Err(stderr) if stderr.contains("ResourceNotFoundException") => break,
                other => assert!(Instant::now() < deadline, "still there: {other:?}"),
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    })
    .await
    .expect("CLI flow");
    sim.shutdown().await;
}

/// Kills the child if a test fails before it is reaped.
struct Reap(Option<Child>);

impl Drop for Reap {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[test]
fn real_binary_prints_its_endpoint_first_and_exits_0_on_sigterm() {
    let child = Command::new(common::bin::BIN)
        .args([
            "simulator",
            "--port",
            "0",
            "--destinations",
            "120",
            "--approve-after-ms",
            "50",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the iotmi-onboard binary");
    let mut reap = Reap(Some(child));
    let child = reap.0.as_mut().expect("child");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));

    // Read the first line on a thread so a silent binary fails the test instead of hanging it.
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut line = String::new();
        let _ = stdout.read_line(&mut line);
        let _ = tx.send(line);
        let mut rest = String::new();
        let _ = stdout.read_to_string(&mut rest);
        rest
    });
    let line = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the endpoint line within 20 s");
    let endpoint = line
        .trim_end()
        .strip_prefix("endpoint: ")
        .unwrap_or_else(|| panic!("first line was {line:?}"))
        .to_owned();
    let port: u16 = endpoint
        .strip_prefix("http://127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .expect("http://127.0.0.1:PORT");
    assert_ne!(port, 0);

    let listed = aws_ok(
        &endpoint,
        &[
            "list-connector-destinations",
            "--cloud-connector-id",
            "brightlight-hub",
        ],
    );
    let items = listed["ConnectorDestinationList"]
        .as_array()
        .expect("ConnectorDestinationList");
    assert!(
        items
            .iter()
            .all(|d| d["CloudConnectorId"] == "brightlight-hub")
    );
    let ids: Vec<&str> = items.iter().filter_map(|d| d["Id"].as_str()).collect();
    assert!(
        ids.contains(&"brightlight-api-key") && ids.contains(&"generated-destination-00001"),
        "{ids:?}"
    );
    // The CLI follows NextToken by itself: every destination arrives exactly once.
    let all = aws_ok(
        &endpoint,
        &["list-connector-destinations", "--page-size", "25"],
    );
    assert_eq!(
        all["ConnectorDestinationList"].as_array().map(Vec::len),
        Some(7 + 120)
    );

    common::bin::signal(child.id(), "TERM");
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "the simulator did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    reap.0 = None;
    assert_eq!(exit.code(), Some(0), "clean exit on SIGTERM");
    let rest = reader.join().expect("reader");
    assert_eq!(rest, "", "nothing but the endpoint line on stdout");
}

/// The command the Review screen shows, run as it is through a real shell: the AWS CLI sends
/// exactly the request the wizard would (awkward quoting included), and its ClientToken makes a
/// second run return the same association.
#[tokio::test(flavor = "multi_thread")]
async fn the_review_command_reproduces_the_request() {
    use iotmi_core::flow::Target;
    use iotmi_core::flow::command_line::aws_cli_command;
    use iotmi_core::service::CreateRequest;

    let sim = common::start(common::config()).await;
    let endpoint = sim.endpoint();
    let request = CreateRequest {
        client_token: "review-command-token-1".into(),
        destination_id: "brightlight-partner".into(),
        name: Some("It s  spaced-out_name".into()),
        description: Some("Two  spaces and - dashes".into()),
        tags: vec![
            ("owner".into(), "O'Brien \"the ops\" $HOME `id`".into()),
            ("path".into(), "a/b\\c; rm -rf /".into()),
        ],
        auth_material: Some("client-certificate".into()),
    };
    let target = Target {
        profile: "default".into(),
        region: Some("us-east-1".into()),
        endpoint: Some(endpoint.clone()),
        account: None,
        ..Target::default()
    };
    let command = format!("{} --output json", aws_cli_command(&request, &target));
    let run = move || {
        let output = cli_env(&mut Command::new("sh"))
            .arg("-c")
            .arg(&command)
            .output()
            .expect("run sh");
        assert!(
            output.status.success(),
            "{command}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        json["AccountAssociationId"].as_str().unwrap().to_owned()
    };
    let first = tokio::task::spawn_blocking(run.clone()).await.unwrap();
    let second = tokio::task::spawn_blocking(run).await.unwrap();
    assert_eq!(first, second, "same ClientToken, same association");

    let got = common::client(&sim)
        .get_account_association()
        .account_association_id(&first)
        .send()
        .await
        .unwrap();
    assert_eq!(got.name(), request.name.as_deref());
    assert_eq!(got.description(), request.description.as_deref());
    assert_eq!(got.connector_destination_id(), Some("brightlight-partner"));
    assert_eq!(
        got.general_authorization()
            .and_then(|g| g.auth_material_name()),
        Some("client-certificate")
    );
    let tags = got.tags().unwrap();
    for (key, value) in &request.tags {
        assert_eq!(tags.get(key), Some(value), "tag {key}");
    }
    sim.shutdown().await;
}

/// A General Authorization association created with the CLI, waited until it has succeeded.
fn cli_linked(endpoint: &str, name: &str) -> String {
    let created = aws_ok(
        endpoint,
        &[
            "create-account-association",
            "--connector-destination-id",
            "brightlight-partner",
            "--name",
            name,
            "--general-authorization",
            "AuthMaterialName=api-key",
        ],
    );
    let id = created["AccountAssociationId"]
        .as_str()
        .expect("AccountAssociationId")
        .to_owned();
    wait_for(endpoint, &id, "ASSOCIATION_SUCCEEDED");
    id
}

/// Starts a CLOUD discovery of `association` with the CLI and waits until it has finished.
fn cli_discovery(endpoint: &str, association: &str, token: &str) -> String {
    let started = aws_ok(
        endpoint,
        &[
            "start-device-discovery",
            "--discovery-type",
            "CLOUD",
            "--account-association-id",
            association,
            "--client-token",
            token,
        ],
    );
    let id = started["Id"].as_str().expect("Id").to_owned();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = aws_ok(endpoint, &["get-device-discovery", "--identifier", &id]);
        if got["Status"] == "SUCCEEDED" {
            return id;
        }
        assert_eq!(got["Status"], "RUNNING", "{got}");
        assert!(Instant::now() < deadline, "{id} still running");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn items(out: &serde_json::Value) -> Vec<serde_json::Value> {
    out["Items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_cli_discovers_devices_idempotently_and_in_pages() {
    let sim = start(SimConfig {
        discovery_ms: 300,
        ..config()
    })
    .await;
    let endpoint = sim.endpoint();
    tokio::task::spawn_blocking(move || {
        // An OAuth association whose owner has not consented yet: refused, naming its state.
        let pending = aws_ok(
            &endpoint,
            &[
                "create-account-association",
                "--connector-destination-id",
                "acme-home-us",
                "--name",
                "CLI pending",
            ],
        );
        let pending = pending["AccountAssociationId"].as_str().expect("id");
        let err = aws(
            &endpoint,
            &[
                "start-device-discovery",
                "--discovery-type",
                "CLOUD",
                "--account-association-id",
                pending,
            ],
        )
        .expect_err("not succeeded");
        assert!(
            err.contains("ConflictException") && err.contains("ASSOCIATION_IN_PROGRESS"),
            "{err}"
        );

        let linked = cli_linked(&endpoint, "CLI discovered");
        let id = cli_discovery(&endpoint, &linked, "cli-discovery-1");
        // The same ClientToken and request: the same discovery, none started.
        let again = aws_ok(
            &endpoint,
            &[
                "start-device-discovery",
                "--discovery-type",
                "CLOUD",
                "--account-association-id",
                &linked,
                "--client-token",
                "cli-discovery-1",
            ],
        );
        assert_eq!(again["Id"], id.as_str());
        // The CLI follows NextToken itself: pages of 2, every device exactly once.
        let devices = items(&aws_ok(
            &endpoint,
            &[
                "list-discovered-devices",
                "--identifier",
                &id,
                "--page-size",
                "2",
            ],
        ));
        let names: Vec<&str> = devices
            .iter()
            .filter_map(|d| d["ConnectorDeviceName"].as_str())
            .collect();
        assert_eq!(
            names,
            [
                "Kitchen ceiling bulb",
                "TV backlight strip",
                "Porch lantern",
                "Reading lamp",
                "Living room dimmer",
                "Garden spot"
            ]
        );
        assert!(devices.iter().all(|d| d["Modification"] == "DISCOVERED"));
        let listed = items(&aws_ok(
            &endpoint,
            &[
                "list-device-discoveries",
                "--type-filter",
                "CLOUD",
                "--status-filter",
                "SUCCEEDED",
                "--page-size",
                "1",
            ],
        ));
        let ids: Vec<&str> = listed.iter().filter_map(|d| d["Id"].as_str()).collect();
        assert_eq!(ids.len(), 2, "the seeded discovery and ours: {listed:?}");
        assert_eq!(ids[1], id);
    })
    .await
    .expect("CLI flow");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_cli_adopts_registers_and_deregisters_managed_things() {
    let sim = start(SimConfig {
        discovery_ms: 100,
        ..config()
    })
    .await;
    let endpoint = sim.endpoint();
    tokio::task::spawn_blocking(move || {
        let linked = cli_linked(&endpoint, "CLI things");
        let discovery = cli_discovery(&endpoint, &linked, "cli-things-discovery");
        let devices = items(&aws_ok(
            &endpoint,
            &["list-discovered-devices", "--identifier", &discovery],
        ));
        let material = |i: usize| {
            devices[i]["AuthenticationMaterial"]
                .as_str()
                .expect("AuthenticationMaterial")
                .to_owned()
        };
        let create = |material: &str, name: &str| {
            aws(
                &endpoint,
                &[
                    "create-managed-thing",
                    "--role",
                    "DEVICE",
                    "--authentication-material-type",
                    "DISCOVERED_DEVICE",
                    "--authentication-material",
                    material,
                    "--name",
                    name,
                    "--client-token",
                    "cli-thing-1",
                ],
            )
        };
        let first = create(&material(0), "Kitchen").expect("create");
        let thing = first["Id"].as_str().expect("Id").to_owned();
        assert_eq!(
            create(&material(0), "Kitchen").expect("replay")["Id"],
            thing.as_str()
        );
        let err = create(&material(0), "Pantry").expect_err("changed request");
        assert!(err.contains("ConflictException"), "{err}");
        let second = aws_ok(
            &endpoint,
            &[
                "create-managed-thing",
                "--role",
                "DEVICE",
                "--authentication-material-type",
                "DISCOVERED_DEVICE",
                "--authentication-material",
                &material(1),
            ],
        );
        let second = second["Id"].as_str().expect("Id").to_owned();
        let things = items(&aws_ok(
            &endpoint,
            &[
                "list-managed-things",
                "--connector-destination-id-filter",
                "brightlight-partner",
                "--page-size",
                "1",
            ],
        ));
        let ids: Vec<&str> = things.iter().filter_map(|t| t["Id"].as_str()).collect();
        assert_eq!(ids, [thing.as_str(), second.as_str()]);
        assert!(
            things
                .iter()
                .all(|t| t["ProvisioningStatus"] == "DISCOVERED")
        );

        let registered = aws_ok(
            &endpoint,
            &[
                "register-account-association",
                "--managed-thing-id",
                &thing,
                "--account-association-id",
                &linked,
                "--device-discovery-id",
                &discovery,
            ],
        );
        assert_eq!(registered["ManagedThingId"], thing.as_str());
        let links = items(&aws_ok(
            &endpoint,
            &[
                "list-managed-thing-account-associations",
                "--account-association-id",
                &linked,
            ],
        ));
        let statuses: Vec<&str> = links
            .iter()
            .filter_map(|l| l["ManagedThingAssociationStatus"].as_str())
            .collect();
        assert_eq!(statuses, ["ASSOCIATED", "PRE_ASSOCIATED"], "{links:?}");
        let err = aws(
            &endpoint,
            &[
                "delete-account-association",
                "--account-association-id",
                &linked,
            ],
        )
        .expect_err("things registered");
        assert!(
            err.contains("ConflictException") && err.contains("still registered"),
            "{err}"
        );
        for id in [&thing, &second] {
            aws_ok(
                &endpoint,
                &[
                    "deregister-account-association",
                    "--managed-thing-id",
                    id,
                    "--account-association-id",
                    &linked,
                ],
            );
        }
        let got = aws_ok(&endpoint, &["get-managed-thing", "--identifier", &thing]);
        assert_eq!(got["ProvisioningStatus"], "UNASSOCIATED");
        assert_eq!(got["Name"], "Kitchen");
        aws_ok(
            &endpoint,
            &[
                "delete-account-association",
                "--account-association-id",
                &linked,
            ],
        );
    })
    .await
    .expect("CLI flow");
    sim.shutdown().await;
}
