//! Plain mode end to end: the real binary with stdin, stdout and stderr as pipes (no tty), the
//! answers written up front, against an in-process simulator.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::common;
use crate::common::bin::wizard_command as command;
use crate::common::e2e::{Sim, wizard_args, write_browser};

fn run(mut command: Command, answers: &str) -> Output {
    let mut child = command.spawn().expect("spawn");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(answers.as_bytes()).expect("answers");
    drop(stdin); // end of input after the last answer
    child.wait_with_output().expect("wait")
}

fn texts(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn plain_general_authorization_with_an_invalid_name_first() {
    let sim = Sim::start(50);
    let dir = tempfile::tempdir().unwrap();
    let args = wizard_args(&sim, &["--plain"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let answers = "brightlight-api-key\n\
                   bad.name, here\n\
                   Plain GA\n\
                   \n\
                   env=ci\n\
                   oops\n\
                   team=iot\n\
                   \n\
                   \n\
                   y\n";
    let out = run(command(dir.path(), &args), answers);
    let (stdout, stderr) = texts(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    // The invalid name was refused with the validation message and asked again.
    assert!(
        stderr.contains("error: name: '.' is not allowed"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("Name (").count(), 2, "{stderr}");
    assert!(
        stderr.contains("error: tags: Nothing added: 'oops' is not KEY=VALUE"),
        "{stderr}"
    );
    // Review shows the values and the aws CLI command.
    assert!(stderr.contains("aws iot-managed-integrations create-account-association"));
    assert!(stderr.contains("--general-authorization"));
    assert!(
        stdout.contains("state           ASSOCIATION_SUCCEEDED"),
        "{stdout}"
    );
    assert!(stdout.contains("name            Plain GA"), "{stdout}");
    // No escape sequences anywhere: usable by a screen reader and in a log.
    assert!(!stdout.contains('\x1b') && !stderr.contains('\x1b'));
    let item = sim
        .associations()
        .into_iter()
        .find(|a| a.name() == Some("Plain GA"))
        .expect("created");
    assert_eq!(item.association_state().as_str(), "ASSOCIATION_SUCCEEDED");
}

#[test]
fn plain_oauth_auto_detected_with_term_dumb_and_approved_by_the_browser_command() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let (browser, log) = write_browser(dir.path(), "approve");
    let args = wizard_args(&sim, &["--browser-command", &browser, "--output", "json"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut command = command(dir.path(), &args);
    command.env("TERM", "dumb");
    // Filter first ("acme us" leaves one), then pick it by number; defaults elsewhere.
    let answers = "acme us\n1\nPlain OAuth\nFrom a pipe\n\ny\n";
    let out = run(command, answers);
    let (stdout, stderr) = texts(&out);
    let browser_log = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {stdout}\nstderr: {stderr}\nbrowser: {browser_log}"
    );
    assert!(stderr.contains("matching 'acme us'"), "{stderr}");
    // The URL on a line of its own.
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("http://127.0.0.1") && l.contains("/oauth/authorize")),
        "{stderr}"
    );
    assert!(
        browser_log.contains("'decision': 'approve'"),
        "{browser_log}"
    );
    let summary: serde_json::Value = serde_json::from_str(&stdout).expect("JSON summary");
    assert_eq!(summary["AssociationState"], "ASSOCIATION_SUCCEEDED");
    assert_eq!(summary["ConnectorDestinationId"], "acme-home-us");
    assert_eq!(summary["Name"], "Plain OAuth");
    assert!(!stdout.contains('\x1b') && !stderr.contains('\x1b'));
}

#[test]
fn plain_is_automatic_without_any_terminal() {
    if Command::new("setsid").arg("--version").output().is_err() {
        eprintln!("setsid not available; skipped");
        return;
    }
    let sim = Sim::start(50);
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec![common::bin::BIN.to_string()];
    args.extend(wizard_args(&sim, &[]));
    // A new session has no controlling terminal: /dev/tty cannot be opened, stdin is a pipe.
    let command = command(dir.path(), &[]);
    let mut setsid = Command::new("setsid");
    setsid.args(&args);
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => setsid.env(key, value),
            None => setsid.env_remove(key),
        };
    }
    setsid
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let answers = "brightlight-api-key\nNo tty\n\n\n\ny\n";
    let out = run(setsid, answers);
    let (stdout, stderr) = texts(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(stderr.contains("Plain mode"), "{stderr}");
    assert!(stdout.contains("ASSOCIATION_SUCCEEDED"), "{stdout}");
}

#[test]
fn plain_end_of_input_is_exit_130() {
    let sim = Sim::start(50);
    let dir = tempfile::tempdir().unwrap();
    let args = wizard_args(&sim, &["--plain"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(command(dir.path(), &args), "brightlight-api-key\n");
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("Input ended (stdin closed)."), "{stderr}");
    assert!(stderr.contains("No association was created."), "{stderr}");
    assert!(stdout.is_empty());
    assert_eq!(sim.associations().len(), 2, "only the fixtures");
}

#[test]
fn demo_plain_works() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        command(
            dir.path(),
            &[
                "demo",
                "--plain",
                "--approve-after-ms",
                "50",
                "--no-browser",
            ],
        ),
        "brightlight-api-key\nDemo plain\n\n\n\ny\n",
    );
    let (stdout, stderr) = texts(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(stdout.contains("ASSOCIATION_SUCCEEDED"), "{stdout}");
}

/// Plain mode shares the wizard's journal: a request whose reply was lost is resent with its
/// ClientToken (the service answers with the same association), and success clears it.
#[test]
fn plain_resumes_a_journaled_submit_with_the_same_token() {
    use iotmi_core::journal::{Journal, SavedStep, VERSION};
    use iotmi_core::service::{CreateRequest, DestinationDetail};
    use iotmi_onboard::journal::{JournalKey, JournalStore};

    let sim = Sim::start(50);
    let dir = tempfile::tempdir().unwrap();
    let store = JournalStore::new(dir.path().join("iotmi-onboard"));
    let key = JournalKey {
        profile: "default".into(),
        region: "us-east-1".into(),
        endpoint: sim.endpoint(),
    };
    let request = CreateRequest {
        client_token: "plainresumeseed-7".into(),
        destination_id: "brightlight-api-key".into(),
        name: Some("Plain resumed".into()),
        description: None,
        tags: vec![("env".into(), "resume".into())],
        auth_material: Some("api-key".into()),
    };
    let journal = Journal {
        version: VERSION,
        saved_at: 0,
        step: SavedStep::Review,
        destination: Some(DestinationDetail {
            id: "brightlight-api-key".into(),
            name: "BrightLight API key".into(),
            description: String::new(),
            cloud_connector_id: "brightlight-hub".into(),
            auth_materials: vec!["api-key".into()],
            has_oauth: false,
        }),
        draft: iotmi_core::draft::Draft {
            name: Some("Plain resumed".into()),
            tags: request.tags.clone(),
            auth_material: Some("api-key".into()),
            ..Default::default()
        },
        token_seed: "plainresumeseed".into(),
        token_counter: 7,
        unanswered: Some(request.clone()),
        association_id: None,
        devices: None,
    };
    store.save(&key, &journal).unwrap();

    let args = wizard_args(&sim, &["--plain"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(command(dir.path(), &args), "\n");
    let (stdout, stderr) = texts(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        stderr.contains("An unfinished onboarding was saved"),
        "{stderr}"
    );
    assert!(
        stdout.contains("state           ASSOCIATION_SUCCEEDED"),
        "{stdout}"
    );
    let id = stdout
        .lines()
        .find_map(|l| l.strip_prefix("association-id  "))
        .unwrap()
        .trim()
        .to_owned();

    // The same token and parameters name the same association: the resend used the token.
    let client = common::client(&sim.handle);
    let again = sim
        .rt
        .block_on(
            client
                .create_account_association()
                .client_token("plainresumeseed-7")
                .connector_destination_id("brightlight-api-key")
                .name("Plain resumed")
                .tags("env", "resume")
                .general_authorization(
                    aws_sdk_iotmanagedintegrations::types::GeneralAuthorizationName::builder()
                        .auth_material_name("api-key")
                        .build(),
                )
                .send(),
        )
        .unwrap();
    assert_eq!(again.account_association_id(), id);
    assert!(
        store.load(&key).unwrap().is_none(),
        "success clears the journal"
    );
}

#[test]
fn plain_manage_refreshes_an_expired_association_to_succeeded() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let (browser, log) = write_browser(dir.path(), "approve");
    let args = wizard_args(
        &sim,
        &["--plain", "--manage", "--browser-command", &browser],
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // Filter to the expired fixture, pick it by the number shown, refresh it.
    let out = run(command(dir.path(), &args), "Old apartment\n1\nr\n");
    let (stdout, stderr) = texts(&out);
    let browser_log = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {stdout}\nstderr: {stderr}\nbrowser: {browser_log}"
    );
    assert!(stderr.contains("REFRESH_TOKEN_EXPIRED"), "{stderr}");
    // A refresh creates nothing, and says so.
    assert!(!stderr.contains("Created "), "{stderr}");
    assert!(
        stderr.contains("Open this URL to authorize the account:"),
        "{stderr}"
    );
    assert!(
        stdout.contains("state           ASSOCIATION_SUCCEEDED"),
        "{stdout}"
    );
    let item = sim
        .associations()
        .into_iter()
        .find(|a| a.name() == Some("Old apartment"))
        .expect("still there");
    assert_eq!(item.association_state().as_str(), "ASSOCIATION_SUCCEEDED");
}

#[test]
fn plain_discovers_and_adopts_the_devices_picked_by_number_after_success() {
    let sim = Sim::with(iotmi_simulator::SimConfig {
        discovery_ms: 200,
        ..common::config()
    });
    let dir = tempfile::tempdir().unwrap();
    let args = wizard_args(&sim, &["--plain", "--output", "json"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // General Authorization succeeds on its own; then devices 1 and 2 are adopted.
    let answers = "brightlight-api-key\nPlain devices\n\n\n\ny\ny\n1-2\n";
    let out = run(command(dir.path(), &args), answers);
    let (stdout, stderr) = texts(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        stderr.contains("Found ") && stderr.contains("  1. "),
        "{stderr}"
    );
    // Each change said once: the finished count too.
    assert_eq!(
        stderr.matches("Adopting: 2 of 2 done").count(),
        1,
        "{stderr}"
    );
    assert_eq!(stderr.matches("Adopted 2 devices").count(), 1, "{stderr}");
    let summary: serde_json::Value = serde_json::from_str(&stdout).expect("JSON summary");
    assert_eq!(summary["DevicesAdopted"], 2, "{summary}");
    assert!(
        summary["DevicesFound"].as_u64().unwrap_or(0) >= 2,
        "{summary}"
    );
    let id = summary["AccountAssociationId"].as_str().unwrap();
    // On the service: two managed things registered to the association.
    let client = common::client(&sim.handle);
    let registered = sim
        .rt
        .block_on(
            client
                .list_managed_thing_account_associations()
                .account_association_id(id)
                .send(),
        )
        .unwrap();
    assert_eq!(registered.items().len(), 2);
}

/// Manage in plain mode speaks the TUI's keys: `v` shows the details, `d` deletes, and a delete
/// always asks for the name at a prompt of its own and says what became of it.
#[test]
fn plain_manage_shows_details_with_v_and_deletes_with_d_after_the_name() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let args = wizard_args(&sim, &["--plain", "--manage"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let answers = "Old apartment\n1\nv\nd\nOld apartment\nq\n";
    let out = run(command(dir.path(), &args), answers);
    let (stdout, stderr) = texts(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    // The details, a field a line, then the menu in the TUI's letters.
    assert!(stderr.contains("): REFRESH_TOKEN_EXPIRED\n"), "{stderr}");
    assert!(stderr.contains("  destination    "), "{stderr}");
    assert!(stderr.contains("  arn            arn:"), "{stderr}");
    assert!(stderr.contains("v details"), "{stderr}");
    assert!(stderr.contains("d delete"), "{stderr}");
    // Said in plain mode's own words: what the run does, and no key it does not have.
    assert!(
        stderr.contains("manage the account associations"),
        "{stderr}"
    );
    assert!(!stderr.contains("Esc"), "{stderr}");
    assert!(
        stderr.contains("Type \"Old apartment\" to delete it (Enter alone cancels)"),
        "{stderr}"
    );
    assert!(stderr.contains("Deleted"), "{stderr}");
    // On the service: gone, or on its way.
    let left = sim
        .associations()
        .into_iter()
        .find(|a| a.name() == Some("Old apartment"));
    assert!(
        left.as_ref()
            .is_none_or(|a| a.association_state().as_str() == "ASSOCIATION_DELETING"),
        "{left:?}"
    );
}

#[test]
fn plain_manage_deregisters_the_registered_things_before_deleting() {
    let sim = Sim::start(100);
    let id = sim.id_of("Summer house lights");
    assert_eq!(sim.registered(&id).len(), 2, "seeded with two things");
    let dir = tempfile::tempdir().unwrap();
    let args = wizard_args(&sim, &["--plain", "--manage"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let answers = "Summer house lights\n1\nd\nSummer house lights\nq\n";
    let out = run(command(dir.path(), &args), answers);
    let (stdout, stderr) = texts(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    // The count is said before the name is asked.
    let counted = stderr.find("2 managed things registered").expect(&stderr);
    let asked = stderr
        .rfind("Summer house lights\" to delete")
        .unwrap_or(usize::MAX);
    assert!(counted < asked || asked == usize::MAX, "{stderr}");
    assert!(sim.registered(&id).is_empty(), "deregistered: {stderr}");
    let left = sim
        .associations()
        .into_iter()
        .find(|a| a.account_association_id() == id);
    assert!(
        left.as_ref()
            .is_none_or(|a| a.association_state().as_str() == "ASSOCIATION_DELETING"),
        "{left:?}\n{stderr}"
    );
}

/// `q` at the review of a demo (no journal) asks whether to lose the draft once, and `y` quits.
#[test]
fn demo_plain_quits_from_the_review_after_one_question() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        command(
            dir.path(),
            &[
                "demo",
                "--plain",
                "--approve-after-ms",
                "50",
                "--no-browser",
            ],
        ),
        "brightlight-api-key\nDemo quit\n\n\n\nq\ny\n",
    );
    let (stdout, stderr) = texts(&out);
    assert_eq!(stderr.matches("Create it?").count(), 1, "{stderr}");
    assert!(stderr.contains("quitting loses this draft"), "{stderr}");
    assert_eq!(
        out.status.code(),
        Some(iotmi_core::flow::OutcomeKind::Cancelled.exit_code()),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(!stdout.contains("ASSOCIATION_"), "{stdout}");
}

/// A failed association: plain mode exits with the status the flow's outcome gives.
#[test]
fn plain_failed_association_exits_with_the_flows_status() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let (browser, _log) = write_browser(dir.path(), "deny");
    let args = wizard_args(&sim, &["--plain", "--browser-command", &browser]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(
        command(dir.path(), &args),
        "acme us\n1\nPlain denied\n\n\ny\n",
    );
    let (stdout, stderr) = texts(&out);
    assert!(stdout.contains("ASSOCIATION_FAILED"), "{stdout}\n{stderr}");
    assert_eq!(
        out.status.code(),
        Some(iotmi_core::flow::OutcomeKind::Failed.exit_code()),
        "stdout: {stdout}\nstderr: {stderr}"
    );
}

#[test]
fn plain_ends_as_sigpipe_would_once_its_output_is_closed() {
    use std::io::BufRead;
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let args = wizard_args(&sim, &["--plain"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut command = command(dir.path(), &args);
    command.stdout(Stdio::null());
    let mut child = command.spawn().expect("spawn");
    // `2>&1 | head -1`: one line read, then the reader is gone.
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).expect("a first line");
    assert!(first.starts_with("iotmi-onboard:"), "{first}");
    drop(stderr);
    // Input stays open: only the closed output can end the run.
    let mut stdin = child.stdin.take().unwrap();
    let _ = stdin.write_all(b"acme us\n");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(std::time::Instant::now() < deadline, "still running");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    drop(stdin);
    // 128 + SIGPIPE, as a tool killed by SIGPIPE reports; not eprintln!'s panic (101).
    assert_eq!(status.code(), Some(141));
}
