//! The non-interactive commands of the real binary against an in-process simulator: text and
//! JSON output (parsed back), every exit status, idempotent retries with --client-token.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common;
use crate::common::e2e::Sim;
use serde_json::Value;

const UNKNOWN_ID: &str = "0123456789abcdef0123456789abcdef";

struct Run {
    dir: tempfile::TempDir,
}

impl Run {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn command(&self, endpoint: &str, args: &[&str]) -> Command {
        let mut command = common::bin::command();
        command
            .args(args)
            .args(common::bin::endpoint_args(endpoint))
            .stdin(Stdio::null())
            .env("NO_PROXY", "127.0.0.1")
            .env("XDG_STATE_HOME", self.dir.path())
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY");
        command
    }

    fn run(&self, sim: &Sim, args: &[&str]) -> Output {
        self.run_at(&sim.endpoint(), args)
    }

    fn run_at(&self, endpoint: &str, args: &[&str]) -> Output {
        self.command(endpoint, args).output().expect("run binary")
    }

    /// Without the endpoint flags: for commands that take no AWS options (`completions`).
    fn run_bare(&self, args: &[&str]) -> Output {
        common::bin::command()
            .args(args)
            .stdin(Stdio::null())
            .env("XDG_STATE_HOME", self.dir.path())
            .output()
            .expect("run binary")
    }
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited, not killed")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            stdout(output),
            stderr(output)
        )
    })
}

/// `key  value` rows of text output.
fn row(text: &str, key: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix(key).filter(|rest| rest.starts_with("  ")))
        .map(|v| v.trim().to_string())
}

fn assert_code(output: &Output, expected: i32) {
    assert_eq!(
        code(output),
        expected,
        "stdout: {}\nstderr: {}",
        stdout(output),
        stderr(output)
    );
}

/// `create` of an OAuth destination without waiting: its id and consent URL (JSON output).
fn create_oauth(run: &Run, sim: &Sim, name: &str) -> (String, String) {
    let out = run.run(
        sim,
        &[
            "create",
            "--destination",
            "acme-home-us",
            "--name",
            name,
            "--no-browser",
            "--output",
            "json",
        ],
    );
    assert_code(&out, 0);
    let value = json(&out);
    (
        value["AccountAssociationId"].as_str().unwrap().to_string(),
        value["OAuthAuthorizationUrl"].as_str().unwrap().to_string(),
    )
}

#[test]
fn create_text_prints_id_arn_state_token_and_url() {
    let sim = Sim::start(50);
    let run = Run::new();
    let out = run.run(
        &sim,
        &[
            "create",
            "--destination",
            "acme-home-us",
            "--name",
            "Text create",
            "--tag",
            "env=test",
            "--no-browser",
        ],
    );
    assert_code(&out, 0);
    let text = stdout(&out);
    let id = row(&text, "association-id").expect("id row");
    assert!(row(&text, "arn").unwrap().ends_with(&id), "{text}");
    assert_eq!(
        row(&text, "state").as_deref(),
        Some("ASSOCIATION_IN_PROGRESS")
    );
    assert!(row(&text, "client-token").is_some_and(|t| !t.is_empty()));
    assert!(
        row(&text, "url").is_some_and(|u| u.contains("/oauth/authorize")),
        "{text}"
    );
    let found = sim.associations();
    let item = found
        .iter()
        .find(|a| a.account_association_id() == id)
        .expect("created in the service");
    assert_eq!(item.name(), Some("Text create"));
}

#[test]
fn create_same_client_token_twice_returns_the_same_association() {
    let sim = Sim::start(50);
    let run = Run::new();
    let args = [
        "create",
        "--destination",
        "acme-home-us",
        "--name",
        "Twice",
        "--client-token",
        "fixed-token-123",
        "--no-browser",
        "--output",
        "json",
    ];
    let first = json(&run.run(&sim, &args));
    let second = json(&run.run(&sim, &args));
    assert_eq!(first["ClientToken"], "fixed-token-123");
    assert_eq!(
        first["AccountAssociationId"],
        second["AccountAssociationId"]
    );
    let named: Vec<_> = sim
        .associations()
        .into_iter()
        .filter(|a| a.name() == Some("Twice"))
        .collect();
    assert_eq!(named.len(), 1);
}

#[test]
fn create_reports_every_bad_field_at_once_with_exit_2() {
    let sim = Sim::start(50);
    let run = Run::new();
    let out = run.run(
        &sim,
        &[
            "create",
            "--destination",
            "bad id!",
            "--name",
            "a.b",
            "--description",
            "c,d",
            "--tag",
            "=empty-key",
            "--client-token",
            "no spaces",
        ],
    );
    assert_code(&out, 2);
    let err = stderr(&out);
    for field in [
        "error: destination:",
        "error: name: '.' is not allowed",
        "error: description: ',' is not allowed",
        "error: tags: tag key is required",
        "error: client-token:",
    ] {
        assert!(err.contains(field), "{field} missing in:\n{err}");
    }
    assert!(stdout(&out).is_empty());
    assert_eq!(sim.associations().len(), 2, "nothing created");
}

#[test]
fn usage_errors_exit_2() {
    let sim = Sim::start(50);
    let run = Run::new();
    let out = run.run(&sim, &["create", "--name", "no destination"]);
    assert_code(&out, 2);
    let out = run.run(&sim, &["list", "nothing"]);
    assert_code(&out, 2);
    // A wizard flag with a command is refused; global flags work before the command too.
    let out = run.run(&sim, &["--name", "x", "list", "destinations"]);
    assert_code(&out, 2);
    assert!(stderr(&out).contains("wizard flag"), "{}", stderr(&out));
    let out = run.run(&sim, &["--output", "json", "list", "associations"]);
    assert_code(&out, 0);
    assert_eq!(json(&out).as_array().map(Vec::len), Some(2));
}

#[test]
fn create_wait_succeeds_after_consent_approved_by_a_helper() {
    let sim = Sim::start(100);
    let run = Run::new();
    let child = run
        .command(
            &sim.endpoint(),
            &[
                "create",
                "--destination",
                "acme-home-us",
                "--name",
                "Waited",
                "--no-browser",
                "--wait",
                "--output",
                "json",
            ],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // The helper finds the association in the service and approves its consent page.
    let deadline = Instant::now() + Duration::from_secs(20);
    let id = loop {
        if let Some(item) = sim
            .associations()
            .into_iter()
            .find(|a| a.name() == Some("Waited"))
        {
            break item.account_association_id().to_string();
        }
        assert!(Instant::now() < deadline, "association never appeared");
        std::thread::sleep(Duration::from_millis(50));
    };
    let (status, _) = common::consent(&sim.oauth_url(&id), "approve");
    assert_eq!(status, 200);
    let out = child.wait_with_output().expect("wait");
    assert_code(&out, 0);
    let value = json(&out);
    assert_eq!(value["AccountAssociationId"], id.as_str());
    assert_eq!(value["AssociationState"], "ASSOCIATION_SUCCEEDED");
    assert_eq!(value["Name"], "Waited");
    assert!(value["ClientToken"].as_str().is_some());
    let err = stderr(&out);
    assert!(err.contains("ASSOCIATION_SUCCEEDED"), "progress: {err}");
    assert!(err.contains("/oauth/authorize"), "URL shown: {err}");
}

#[test]
fn create_wait_general_authorization_text() {
    let sim = Sim::start(50);
    let run = Run::new();
    let out = run.run(
        &sim,
        &[
            "create",
            "--destination",
            "brightlight-api-key",
            "--auth-material",
            "api-key",
            "--wait",
        ],
    );
    assert_code(&out, 0);
    let text = stdout(&out);
    assert_eq!(
        row(&text, "state").as_deref(),
        Some("ASSOCIATION_SUCCEEDED")
    );
    // No --name: suggested from the destination, as the wizard does.
    assert_eq!(
        row(&text, "name").as_deref(),
        Some("BrightLight API key account")
    );
}

#[test]
fn denied_consent_is_exit_3_with_the_error_message() {
    let sim = Sim::start(50);
    let run = Run::new();
    let (id, url) = create_oauth(&run, &sim, "Denied");
    let (status, _) = common::consent(&url, "deny");
    assert_eq!(status, 200);
    let out = run.run(&sim, &["status", &id, "--wait", "--wait-timeout", "20"]);
    assert_code(&out, 3);
    assert_eq!(
        row(&stdout(&out), "state").as_deref(),
        Some("ASSOCIATION_FAILED")
    );
    assert!(
        stderr(&out).contains("The association failed:"),
        "{}",
        stderr(&out)
    );
    // Without --wait, a failed association is still exit 3, in JSON too.
    let out = run.run(&sim, &["status", &id, "--output", "json"]);
    assert_code(&out, 3);
    let value = json(&out);
    assert_eq!(value["AssociationState"], "ASSOCIATION_FAILED");
    assert!(
        value["ErrorMessage"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
}

#[test]
fn wait_timeout_is_exit_4() {
    let sim = Sim::start(50);
    let run = Run::new();
    let (id, _) = create_oauth(&run, &sim, "Never approved");
    let started = Instant::now();
    let out = run.run(&sim, &["status", &id, "--wait", "--wait-timeout", "1"]);
    assert_code(&out, 4);
    assert!(started.elapsed() < Duration::from_secs(15));
    assert_eq!(
        row(&stdout(&out), "state").as_deref(),
        Some("ASSOCIATION_IN_PROGRESS")
    );
}

/// Deleted elsewhere while `status --wait` follows it: exit 1, the reason on stderr, and no
/// stale record (in progress, with a dead consent URL) on stdout, in text or JSON.
#[test]
fn an_association_deleted_during_status_wait_prints_no_stale_record() {
    let sim = Sim::start(50);
    let run = Run::new();
    for output in ["json", "text"] {
        let (id, _) = create_oauth(&run, &sim, &format!("Deleted elsewhere {output}"));
        let mut child = run
            .command(
                &sim.endpoint(),
                &["status", &id, "--wait", "--output", output],
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut said = String::new();
        loop {
            let mut line = String::new();
            assert!(err.read_line(&mut line).unwrap() > 0, "stderr closed early");
            said.push_str(&line);
            if line.starts_with("Waiting for") {
                break;
            }
        }
        let client = common::client(&sim.handle);
        sim.rt
            .block_on(
                client
                    .delete_account_association()
                    .account_association_id(&id)
                    .send(),
            )
            .expect("DeleteAccountAssociation");
        std::io::Read::read_to_string(&mut err, &mut said).unwrap();
        let out = child.wait_with_output().expect("wait");
        assert_eq!(out.status.code(), Some(1), "{output}: {said}");
        assert!(said.contains("no longer exists"), "{output}: {said}");
        assert_eq!(stdout(&out), "", "{output}: no stale record");
        // The service agrees: it is gone.
        assert!(
            sim.rt.block_on(common::state_of(&client, &id)).is_err(),
            "{output}: still on the service"
        );
    }
}

#[test]
fn sigint_during_status_wait_is_exit_130() {
    let sim = Sim::start(50);
    let run = Run::new();
    let (id, _) = create_oauth(&run, &sim, "Interrupted");
    let mut child = run
        .command(&sim.endpoint(), &["status", &id, "--wait"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Wait for the progress line: the handler is in place by then.
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(err.read_line(&mut line).unwrap() > 0, "stderr closed early");
        if line.starts_with("Waiting for") {
            break;
        }
    }
    // How to pick it up again is said before the Ctrl-C that cuts the run short, with the
    // run's endpoint so the line works as it is.
    line.clear();
    err.read_line(&mut line).unwrap();
    assert!(
        line.starts_with("Ctrl-C stops waiting and leaves it as it is: `iotmi-onboard status ")
            && line.contains(&id)
            && line.contains(&sim.endpoint()),
        "{line}"
    );
    common::bin::signal(child.id(), "INT");
    let exit = child.wait().expect("wait");
    assert_eq!(exit.code(), Some(130), "{exit:?}");
}

#[test]
fn status_text_and_json() {
    let sim = Sim::start(50);
    let run = Run::new();
    let id = "7d2f4c9a1b3e4f6a8c0d2e4f6a8b0c1d"; // a fixture: succeeded, with a tag
    let out = run.run(&sim, &["status", id]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert_eq!(
        row(&text, "state").as_deref(),
        Some("ASSOCIATION_SUCCEEDED")
    );
    assert_eq!(row(&text, "name").as_deref(), Some("Summer house lights"));
    let value = json(&run.run(&sim, &["status", id, "--output", "json"]));
    assert_eq!(value["AccountAssociationId"], id);
    assert_eq!(value["ConnectorDestinationId"], "brightlight-api-key");
    assert_eq!(value["Tags"]["site"], "summer-house");
}

#[test]
fn unknown_id_and_unreachable_endpoint_are_exit_1() {
    let sim = Sim::start(50);
    let run = Run::new();
    let out = run.run(&sim, &["status", UNKNOWN_ID]);
    assert_code(&out, 1);
    assert!(
        stderr(&out).contains("error: Not found"),
        "{}",
        stderr(&out)
    );
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let out = run.run_at(&endpoint, &["list", "destinations"]);
    assert_code(&out, 1);
    assert!(stderr(&out).starts_with("error: "), "{}", stderr(&out));
}

#[test]
fn devices_of_an_unknown_association_is_exit_1_as_status_is() {
    let sim = Sim::start(50);
    let run = Run::new();
    for output in ["text", "json"] {
        let out = run.run(&sim, &["devices", UNKNOWN_ID, "--output", output]);
        assert_code(&out, 1);
        assert!(
            stderr(&out).contains("error: Not found") && stderr(&out).contains(UNKNOWN_ID),
            "{}",
            stderr(&out)
        );
        assert_eq!(stdout(&out), "", "no empty table or list");
    }
}

#[test]
fn list_destinations_all_pages_and_filter() {
    let sim = Sim::with(iotmi_simulator::SimConfig {
        destinations: 1500,
        ..common::config()
    });
    let run = Run::new();
    let all = json(&run.run(&sim, &["list", "destinations", "--output", "json"]));
    let all = all.as_array().expect("array");
    assert_eq!(
        all.len(),
        1507,
        "7 fixtures + 1500 generated, over two pages"
    );
    assert!(all.iter().any(|d| d["Id"] == "acme-home-eu"));
    let out = run.run(
        &sim,
        &[
            "list",
            "destinations",
            "--filter",
            "ACME europe",
            "--output",
            "json",
        ],
    );
    assert_code(&out, 0);
    let filtered = json(&out);
    let ids: Vec<&str> = filtered
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["Id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["acme-home-eu"]);
    let out = run.run(
        &sim,
        &["list", "destinations", "--filter", "brightlight key"],
    );
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with("ID "), "{text}");
    assert_eq!(text.lines().count(), 3, "header + 2: {text}");
}

#[test]
fn list_filter_matches_what_the_wizard_matches() {
    let sim = Sim::start(50);
    let run = Run::new();
    // "Nordic Climate Cloud" is the connector's name, not the destinations' own words: the
    // wizard's filter matches it, and so does `list --filter`.
    let out = run.run(
        &sim,
        &[
            "list",
            "destinations",
            "--filter",
            "climate cloud",
            "--output",
            "json",
        ],
    );
    assert_code(&out, 0);
    let mut ids: Vec<String> = json(&out)
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["Id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        ["nordic-climate-homeowner", "nordic-climate-installer"]
    );
    // The association filter matches the description, as Manage's does.
    let out = run.run(
        &sim,
        &[
            "list",
            "associations",
            "--filter",
            "living room",
            "--output",
            "json",
        ],
    );
    assert_code(&out, 0);
    let found = json(&out);
    let names: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Summer house lights"]);
}

#[test]
fn list_associations_text_and_json() {
    let sim = Sim::start(50);
    let run = Run::new();
    let (id, _) = create_oauth(&run, &sim, "Listed one");
    let value = json(&run.run(&sim, &["list", "associations", "--output", "json"]));
    let items = value.as_array().expect("array");
    assert_eq!(items.len(), 3);
    assert!(
        items
            .iter()
            .any(|a| a["AccountAssociationId"] == id.as_str()
                && a["AssociationState"] == "ASSOCIATION_IN_PROGRESS"
                && a["Name"] == "Listed one")
    );
    let out = run.run(&sim, &["list", "associations", "--filter", "listed"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains(&id));
}

#[test]
fn refresh_gives_a_new_url_that_approves() {
    let sim = Sim::start(50);
    let run = Run::new();
    let id = "3a9e0b7c5d1f4e2a9b8c7d6e5f4a3b2c"; // a fixture: refresh token expired
    let out = run.run(&sim, &["status", id]);
    assert_code(&out, 3);
    let out = run.run(&sim, &["refresh", id, "--no-browser", "--output", "json"]);
    assert_code(&out, 0);
    let value = json(&out);
    assert_eq!(value["AccountAssociationId"], id);
    let url = value["OAuthAuthorizationUrl"].as_str().unwrap().to_string();
    let text = run.run(&sim, &["refresh", id, "--no-browser"]);
    assert_code(&text, 0);
    let url2 = row(&stdout(&text), "url").expect("url row");
    assert!(url2.contains("/oauth/authorize"));
    let (status, _) = common::consent(&url2, "approve");
    assert_eq!(status, 200, "{url}");
    let out = run.run(&sim, &["status", id, "--wait", "--wait-timeout", "20"]);
    assert_code(&out, 0);
}

#[test]
fn delete_needs_yes() {
    let sim = Sim::start(50);
    let run = Run::new();
    let (id, _) = create_oauth(&run, &sim, "To delete");
    let out = run.run(&sim, &["delete", &id]);
    assert_code(&out, 2);
    assert!(stderr(&out).contains("without --yes"));
    assert!(
        sim.associations()
            .iter()
            .any(|a| a.account_association_id() == id)
    );
    let out = run.run(&sim, &["delete", &id, "--yes", "--output", "json"]);
    assert_code(&out, 0);
    let value = json(&out);
    assert_eq!(value["AccountAssociationId"], id.as_str());
    assert_eq!(value["Deleted"], true);
    let out = run.run(&sim, &["delete", UNKNOWN_ID, "--yes"]);
    assert_code(&out, 1);
}

#[test]
fn completions_and_help_examples() {
    let run = Run::new();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = run.run_bare(&["completions", shell]);
        assert_code(&out, 0);
        assert!(stdout(&out).contains("iotmi-onboard"), "{shell}");
    }
    for command in [
        "create",
        "status",
        "list",
        "refresh",
        "delete",
        "completions",
    ] {
        let out = run.run_bare(&[command, "--help"]);
        assert_code(&out, 0);
        assert!(stdout(&out).contains("Examples:"), "{command} --help");
    }
}

#[test]
fn log_file_has_request_ids_of_failed_calls_but_no_urls_or_tag_values() {
    let sim = Sim::start(50);
    let run = Run::new();
    let log = run.dir.path().join("cmds.log");
    let log_arg = log.to_str().unwrap();
    let out = run.run(
        &sim,
        &[
            "create",
            "--destination",
            "acme-home-us",
            "--name",
            "Logged",
            "--tag",
            "secret-tag=tagvalue-s3cr3t",
            "--no-browser",
            "--log-file",
            log_arg,
            "--log-level",
            "debug",
        ],
    );
    assert_code(&out, 0);
    let out = run.run(&sim, &["status", UNKNOWN_ID, "--log-file", log_arg]);
    assert_code(&out, 1);
    let text = std::fs::read_to_string(&log).expect("log written");
    assert!(text.contains("CreateAccountAssociation"), "{text}");
    // The failed call is logged with its kind and the request id the service sent.
    assert!(
        text.lines().any(|l| l.contains("failed")
            && l.contains("GetAccountAssociation")
            && l.contains("kind=NotFound")
            && l.contains("request_id=\"00000000-0000-4000-8000-")),
        "{text}"
    );
    assert!(!text.contains("tagvalue-s3cr3t"), "{text}");
    assert!(!text.contains("oauth/authorize"), "{text}");
    assert!(!text.contains("AKIDTEST"), "{text}");
}

#[test]
fn create_with_a_material_the_destination_lacks_is_exit_2_and_creates_nothing() {
    let sim = Sim::start(50);
    let run = Run::new();
    let out = run.run(
        &sim,
        &[
            "create",
            "--destination",
            "brightlight-api-key",
            "--auth-material",
            "no-such-material",
            "--name",
            "Wrong material",
        ],
    );
    assert_code(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("error: auth-material:") && err.contains("no-such-material"),
        "{err}"
    );
    assert!(err.contains("api-key"), "names what it offers: {err}");
    assert!(
        !sim.associations()
            .iter()
            .any(|a| a.name() == Some("Wrong material")),
        "nothing created"
    );
}

#[test]
fn refresh_opens_only_the_new_url_once_and_consent_there_succeeds() {
    let sim = Sim::start(50);
    let run = Run::new();
    let (id, old_url) = create_oauth(&run, &sim, "Refreshed in progress");
    let (command, log) = common::e2e::write_browser(run.dir.path(), "approve");
    let out = run.run(
        &sim,
        &[
            "refresh",
            &id,
            "--browser-command",
            &command,
            "--output",
            "json",
        ],
    );
    assert_code(&out, 0);
    let new_url = json(&out)["OAuthAuthorizationUrl"]
        .as_str()
        .expect("a URL")
        .to_string();
    assert_ne!(new_url, old_url, "a new consent link");
    common::e2e::wait_until("the stand-in browser approved", || {
        std::fs::read_to_string(&log).is_ok_and(|l| l.contains("-> 200"))
    });
    let opened: Vec<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("GET ").map(str::to_owned))
        .collect();
    assert_eq!(opened, [new_url], "the browser saw the new URL, once");
    let out = run.run(&sim, &["status", &id, "--wait", "--wait-timeout", "20"]);
    assert_code(&out, 0);
    assert_eq!(
        row(&stdout(&out), "state").as_deref(),
        Some("ASSOCIATION_SUCCEEDED")
    );
}

#[test]
fn discover_wait_adopt_all_makes_one_registered_thing_per_device_and_reruns_add_none() {
    let sim = Sim::with(iotmi_simulator::SimConfig {
        discovery_ms: 200,
        ..common::config()
    });
    let run = Run::new();
    // A new association of its own (no managed things yet), approved.
    let client = common::client(&sim.handle);
    let (id, url) = sim.rt.block_on(common::create_association(
        &client,
        "acme-home-us",
        "Discover me",
    ));
    common::consent(&url, "approve");
    common::e2e::wait_until("the association to succeed", || {
        sim.associations().iter().any(|a| {
            a.account_association_id() == id
                && a.association_state().as_str() == "ASSOCIATION_SUCCEEDED"
        })
    });
    let registered = || {
        let out = run.run(&sim, &["devices", &id, "--output", "json"]);
        assert_code(&out, 0);
        json(&out)
            .as_array()
            .map(|things| {
                things
                    .iter()
                    .filter_map(|t| t["ManagedThingId"].as_str().map(str::to_owned))
                    .collect::<std::collections::BTreeSet<_>>()
            })
            .unwrap_or_default()
    };
    assert!(registered().is_empty());
    let adopted = |out: &Output| -> std::collections::BTreeMap<String, String> {
        json(out)
            .as_array()
            .expect("a JSON array")
            .iter()
            .map(|d| {
                (
                    d["ConnectorDeviceId"].as_str().unwrap().to_owned(),
                    d["ManagedThingId"]
                        .as_str()
                        .expect("every device is a managed thing now")
                        .to_owned(),
                )
            })
            .collect()
    };
    let out = run.run(
        &sim,
        &[
            "discover", &id, "--wait", "--adopt", "all", "--output", "json",
        ],
    );
    assert_code(&out, 0);
    let first = adopted(&out);
    assert!(!first.is_empty());
    let things = registered();
    assert_eq!(
        things,
        first.values().cloned().collect(),
        "one thing per device"
    );
    // A rerun finds them managed: the same thing for each device, never a second one.
    let out = run.run(
        &sim,
        &[
            "discover", &id, "--wait", "--adopt", "all", "--output", "json",
        ],
    );
    assert_code(&out, 0);
    let second = adopted(&out);
    for (device, thing) in &first {
        if let Some(again) = second.get(device) {
            assert_eq!(again, thing, "{device} kept its managed thing");
        }
    }
    assert_eq!(registered(), second.values().cloned().collect());
}

#[test]
fn discover_refuses_an_association_that_has_not_succeeded_with_exit_3() {
    let sim = Sim::start(50);
    let run = Run::new();
    let out = run.run(
        &sim,
        &["discover", "3a9e0b7c5d1f4e2a9b8c7d6e5f4a3b2c", "--wait"],
    );
    assert_code(&out, 3);
    assert!(
        stderr(&out).contains("once it has succeeded"),
        "{}",
        stderr(&out)
    );
}

/// Every command line a command suggests for later carries the run's `--region` and
/// `--endpoint-url`: run as printed, it reaches the same service.
#[test]
fn suggested_commands_carry_the_run_s_region_and_endpoint() {
    const EXPIRED: &str = "3a9e0b7c5d1f4e2a9b8c7d6e5f4a3b2c"; // a fixture
    const SUCCEEDED: &str = "7d2f4c9a1b3e4f6a8c0d2e4f6a8b0c1d"; // a fixture
    let sim = Sim::with(iotmi_simulator::SimConfig {
        approve_after_ms: 50,
        delete_after_ms: 600_000,
        ..common::config()
    });
    let run = Run::new();
    let flags = format!("--region us-east-1 --endpoint-url {}", sim.endpoint());
    let said = |out: &Output, code: i32, line: String| {
        assert_code(out, code);
        let err = stderr(out);
        assert!(err.contains(&line), "expected {line:?} in: {err}");
    };
    let (id, _) = create_oauth(&run, &sim, "Hinted");

    let out = run.run(&sim, &["status", &id, "--wait", "--wait-timeout", "1s"]);
    said(
        &out,
        4,
        format!("Check later: iotmi-onboard status {id} --wait {flags}"),
    );

    let out = run.run(&sim, &["refresh", &id, "--no-browser"]);
    said(
        &out,
        0,
        format!("Approve it, then: iotmi-onboard status {id} --wait {flags}"),
    );

    let out = run.run(&sim, &["status", EXPIRED]);
    said(
        &out,
        3,
        format!("run `iotmi-onboard refresh {EXPIRED} {flags}` and approve again"),
    );

    let out = run.run(&sim, &["discover", SUCCEEDED]);
    said(
        &out,
        0,
        format!("when it is done: iotmi-onboard discover {SUCCEEDED} --wait {flags}"),
    );

    let out = run.run(&sim, &["delete", &id, "--yes", "--wait-timeout", "1s"]);
    said(
        &out,
        4,
        format!("check with: iotmi-onboard status {id} {flags}"),
    );
}
