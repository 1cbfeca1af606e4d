//! The whole life of an association (issue 19): a wait ends as soon as nothing can change it.
//! A saved session whose association was deleted elsewhere, or whose id the service refuses,
//! ends at once in every front end with the reason, the exit status of the table, and a
//! journal that offers nothing more; a throttled wait says it is retrying.

use std::path::Path;
use std::time::{Duration, Instant};

use iotmi_core::journal::Journal;
use iotmi_onboard::journal::{JournalKey, JournalStore};
use iotmi_simulator::SimConfig;

use crate::common;
use crate::common::bin::{run_bounded, wizard_command};
use crate::common::e2e::{Sim, wizard_args};
use crate::common::pty::{Spawn, Tui};

const ENTER: &[u8] = b"\r";

/// An OAuth association created through the SDK (as another tool would), left in progress.
fn create_in_progress(sim: &Sim, name: &str) -> String {
    let client = common::client(&sim.handle);
    sim.rt
        .block_on(
            client
                .create_account_association()
                .connector_destination_id("acme-home-us")
                .name(name)
                .send(),
        )
        .expect("CreateAccountAssociation")
        .account_association_id()
        .to_owned()
}

/// Deletes it behind the wizard's back and waits until the service no longer knows it.
fn delete_elsewhere(sim: &Sim, id: &str) {
    let client = common::client(&sim.handle);
    sim.rt
        .block_on(
            client
                .delete_account_association()
                .account_association_id(id)
                .send(),
        )
        .expect("DeleteAccountAssociation");
    let deadline = Instant::now() + Duration::from_secs(10);
    while sim
        .associations()
        .iter()
        .any(|a| a.account_association_id() == id)
    {
        assert!(Instant::now() < deadline, "{id} still listed");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A journal as a session that created `association_id` and was dropped leaves it (written
/// as JSON, the format on disk, so the test does not depend on the struct's constructors).
fn save_session(state_home: &Path, sim: &Sim, name: &str, association_id: &str) {
    let text = serde_json::json!({
        "version": 1,
        "saved_at": 0,
        "step": "Review",
        "destination": {
            "id": "acme-home-us",
            "name": "Acme Home US",
            "description": "",
            "cloud_connector_id": "acme-cloud",
            "auth_materials": [],
            "has_oauth": true
        },
        "name": name,
        "description": "",
        "tags": [],
        "auth_material": null,
        "token_seed": "lifecycleseed",
        "token_counter": 0,
        "unanswered": null,
        "association_id": association_id
    });
    let journal: Journal = serde_json::from_value(text).expect("a journal of today's format");
    let store = JournalStore::new(state_home.join("iotmi-onboard"));
    let key = JournalKey {
        profile: "default".into(),
        region: "us-east-1".into(),
        endpoint: sim.endpoint(),
    };
    store.save(&key, &journal).expect("journal saved");
}

/// The journals left (not their lock files).
fn journals(state_home: &Path) -> Vec<std::path::PathBuf> {
    match std::fs::read_dir(state_home.join("iotmi-onboard")) {
        Ok(entries) => entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Resumes the saved session in the full-screen wizard; returns how long after the resume the
/// `reason` showed, and the exit status of Enter on it.
fn resume_in_wizard(sim: &Sim, dir: &Path, reason: &str) -> (Duration, u32) {
    let args = wizard_args(sim, &["--no-browser"]);
    let mut tui = Tui::spawn(dir, Spawn::new(&args));
    tui.wait_for("An unfinished onboarding was saved");
    let resumed = Instant::now();
    tui.send(ENTER);
    tui.wait_for(reason);
    let took = resumed.elapsed();
    let screen = tui.screen();
    assert!(screen.contains("open Manage"), "{screen}");
    tui.send(ENTER);
    (took, tui.wait_exit())
}

#[test]
fn resuming_an_association_deleted_elsewhere_ends_at_once_in_the_wizard() {
    let sim = Sim::start(60_000);
    let dir = tempfile::tempdir().unwrap();
    let id = create_in_progress(&sim, "Deleted elsewhere");
    delete_elsewhere(&sim, &id);
    save_session(&dir.path().join("state"), &sim, "Deleted elsewhere", &id);

    let (took, code) = resume_in_wizard(&sim, dir.path(), "no longer exists");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert_eq!(
        code, 1,
        "the table's status for a wait that cannot end well"
    );
    assert!(
        journals(&dir.path().join("state")).is_empty(),
        "the journal lets go: nothing is offered again"
    );
    // And a new run starts fresh, without a resume offer.
    let args = wizard_args(&sim, &["--no-browser"]);
    let mut again = Tui::spawn(dir.path(), Spawn::new(&args));
    again.wait_for("What do you want to do?");
    assert!(!again.screen().contains("unfinished onboarding"));
    again.send(b"\x03");
    again.wait_exit();
}

#[test]
fn a_tampered_journal_with_an_invalid_id_ends_at_once() {
    let sim = Sim::start(60_000);
    let dir = tempfile::tempdir().unwrap();
    save_session(
        &dir.path().join("state"),
        &sim,
        "Tampered",
        "not an id at all!",
    );
    let (took, code) = resume_in_wizard(&sim, dir.path(), "refused the association's id");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert_eq!(code, 1);
    assert!(journals(&dir.path().join("state")).is_empty());
}

#[test]
fn plain_mode_resuming_a_deleted_association_ends_with_the_reason() {
    let sim = Sim::start(60_000);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let id = create_in_progress(&sim, "Plain deleted");
    delete_elsewhere(&sim, &id);
    save_session(&state, &sim, "Plain deleted", &id);

    let args = wizard_args(&sim, &["--plain", "--no-browser"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // Input stays open after the "resume" answer: the run must end by itself.
    let run = run_bounded(
        &mut wizard_command(&state, &args),
        "\n",
        Some("no longer exists"),
        Duration::from_secs(20),
    );
    let all = format!("{}\n{}", run.stdout, run.stderr);
    assert!(!run.timed_out, "hung: {all}");
    assert!(
        run.elapsed < Duration::from_secs(5),
        "took {:?}",
        run.elapsed
    );
    assert!(all.contains("no longer exists"), "{all}");
    assert!(all.contains("open Manage"), "{all}");
    assert_eq!(run.code, Some(1), "{all}");
    assert!(journals(&state).is_empty(), "{all}");
}

#[test]
fn status_wait_on_a_deleted_association_ends_at_once() {
    let sim = Sim::start(60_000);
    let dir = tempfile::tempdir().unwrap();
    let id = create_in_progress(&sim, "Status deleted");
    let mut args: Vec<String> = vec!["status".into(), id.clone(), "--wait".into()];
    args.extend(common::bin::endpoint_args(&sim.endpoint()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut command = wizard_command(dir.path(), &args);
    // Deleted while the command follows it.
    let client = common::client(&sim.handle);
    let deleting = std::thread::spawn({
        let id = id.clone();
        let rt = tokio::runtime::Runtime::new().unwrap();
        move || {
            std::thread::sleep(Duration::from_millis(1500));
            rt.block_on(
                client
                    .delete_account_association()
                    .account_association_id(id)
                    .send(),
            )
            .expect("DeleteAccountAssociation");
        }
    });
    let run = run_bounded(&mut command, "", None, Duration::from_secs(30));
    deleting.join().unwrap();
    assert!(!run.timed_out, "hung: {}", run.stderr);
    assert!(
        run.elapsed < Duration::from_secs(10),
        "took {:?}",
        run.elapsed
    );
    assert!(run.stderr.contains("no longer exists"), "{}", run.stderr);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
}

#[test]
fn a_throttled_wait_says_it_is_retrying() {
    // Every request throttled: the SDK's own retries give up, and the flow's wait shows why
    // and when it tries again.
    let sim = Sim::with(SimConfig {
        throttle_every: 1,
        ..common::config()
    });
    let dir = tempfile::tempdir().unwrap();
    save_session(&dir.path().join("state"), &sim, "Throttled", "a1b2c3");
    let args = wizard_args(&sim, &["--no-browser"]);
    let mut tui = Tui::spawn(dir.path(), Spawn::new(&args));
    tui.wait_for("An unfinished onboarding was saved");
    tui.send(ENTER);
    tui.wait_for("throttled — retrying in");
    tui.wait_for("(attempt 1)");
    // Ctrl-C asks whether to leave it in progress; a second one means now.
    tui.send(b"\x03");
    tui.wait_for("Quit?");
    tui.send(b"\x03");
    assert_eq!(tui.wait_exit(), 130);
}

/// Every file under `dir`, recursively, with its text (lossy).
fn files_under(dir: &Path) -> Vec<(std::path::PathBuf, String)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&next) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                found.push((path, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
    }
    found
}

#[test]
fn the_consent_url_is_kept_nowhere_and_a_resume_fetches_it_again() {
    let sim = Sim::start(60_000);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("wizard.log");
    let name = "Kept nowhere";
    let args = wizard_args(
        &sim,
        &[
            "--destination",
            "acme-home-us",
            "--name",
            name,
            "--no-browser",
            "--log-file",
            log.to_str().unwrap(),
            "--log-level",
            "trace",
        ],
    );
    let mut first = Tui::spawn(dir.path(), Spawn::new(&args));
    first.wait_for("Acme Home US");
    first.enter_to_authorize();
    let id = sim.id_of(name);
    let url = sim.oauth_url(&id);
    // The `state` parameter is unique to this consent: the URL's fingerprint.
    let state = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("a state parameter");
    first.signal("KILL");
    first.wait_exit();

    let written = files_under(dir.path());
    assert!(
        written.iter().any(|(p, _)| p == &log),
        "the log was written"
    );
    assert!(
        written.iter().any(|(_, text)| text.contains(&id)),
        "the journal holds the association"
    );
    for (path, text) in &written {
        assert!(
            !text.contains(&state) && !text.contains("/oauth/authorize"),
            "{} holds the consent URL",
            path.display()
        );
    }

    // The resumed run still shows it (asked for again).
    let resumed_args = wizard_args(&sim, &["--no-browser"]);
    let mut second = Tui::spawn(dir.path(), Spawn::new(&resumed_args));
    second.wait_for("An unfinished onboarding was saved");
    second.send(ENTER);
    second.wait_for("Authorize in a browser");
    second.send(b"u");
    second.wait_until("the URL unwrapped", |tui| {
        tui.screen().replace(['\n', ' '], "").contains(&state)
    });
    second.signal("KILL");
    second.wait_exit();
}

#[test]
fn a_signal_while_the_create_is_in_flight_says_it_may_exist() {
    // Slow enough that the signal lands while CreateAccountAssociation is in flight.
    let sim = Sim::with(SimConfig {
        latency_ms: 3000,
        ..common::config()
    });
    let args = wizard_args(
        &sim,
        &[
            "--destination",
            "brightlight-api-key",
            "--name",
            "Signalled",
            "--no-browser",
        ],
    );
    for signal in ["TERM", "HUP", "INT"] {
        // A state dir each: the next run would otherwise resume this one's request.
        let dir = tempfile::tempdir().unwrap();
        let mut tui = Tui::spawn(dir.path(), Spawn::new(&args));
        tui.wait_for("BrightLight API key");
        for step in ["Step 2 of 6", "Step 3 of 6", "Step 4 of 6", "Step 5 of 6"] {
            tui.send(ENTER);
            tui.wait_for(step);
        }
        tui.send(ENTER);
        tui.wait_for("Creating the account association");
        tui.signal(signal);
        tui.wait_exit();
        let said = String::from_utf8_lossy(&tui.raw()).into_owned();
        assert!(
            said.contains("the association may exist"),
            "{signal}: {said}"
        );
        assert!(
            !said.contains("No association was created"),
            "{signal}: {said}"
        );
    }
}

#[test]
fn a_journal_naming_another_association_is_not_resumed() {
    let sim = Sim::start(60_000);
    let dir = tempfile::tempdir().unwrap();
    let theirs = sim
        .associations()
        .into_iter()
        .find(|a| a.name() == Some("Summer house lights"))
        .expect("seeded");
    let id = theirs.account_association_id().to_owned();
    save_session(&dir.path().join("state"), &sim, "My own draft", &id);
    let args = wizard_args(&sim, &["--no-browser"]);
    let mut tui = Tui::spawn(dir.path(), Spawn::new(&args));
    tui.wait_for("An unfinished onboarding was saved");
    tui.send(ENTER);
    tui.wait_for("Not this draft's association, not resumed");
    let screen = tui.screen();
    assert!(
        !screen.contains("Done: associated"),
        "not shown as ours: {screen}"
    );
    // The draft is journaled: Ctrl-C leaves at once.
    tui.send(b"\x03");
    tui.wait_exit();
    let after = sim
        .associations()
        .into_iter()
        .find(|a| a.account_association_id() == id)
        .expect("still there");
    assert_eq!(after.association_state(), theirs.association_state());
}

#[test]
fn a_device_with_an_ordinary_brand_is_adopted() {
    // The connector reports brands and models CreateManagedThing's patterns refuse.
    let dir = tempfile::tempdir().unwrap();
    let fixtures = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/simulator/assets/fixtures.json"),
    )
    .expect("the built-in fixtures");
    let mut fixtures: serde_json::Value = serde_json::from_str(&fixtures).unwrap();
    fixtures["Devices"]
        .as_array_mut()
        .expect("a device catalogue")
        .push(serde_json::json!({
            "CloudConnectorId": "brightlight-hub",
            "ConnectorDeviceName": "Küche links",
            "Brand": "Müller & Co.",
            "Model": "Lamp v2.1 (EU)",
            "DeviceTypes": ["ExtendedColorLight"]
        }));
    let seed = dir.path().join("fixtures.json");
    std::fs::write(&seed, fixtures.to_string()).unwrap();
    let sim = Sim::with(SimConfig {
        seed: Some(seed),
        discovery_ms: 200,
        ..common::config()
    });
    let client = common::client(&sim.handle);
    let id = sim
        .rt
        .block_on(
            client
                .create_account_association()
                .connector_destination_id("brightlight-api-key")
                .name("Brands")
                .general_authorization(
                    aws_sdk_iotmanagedintegrations::types::GeneralAuthorizationName::builder()
                        .auth_material_name("api-key")
                        .build(),
                )
                .send(),
        )
        .expect("CreateAccountAssociation")
        .account_association_id()
        .to_owned();
    common::e2e::wait_until("the association to succeed", || {
        sim.associations().iter().any(|a| {
            a.account_association_id() == id
                && a.association_state().as_str() == "ASSOCIATION_SUCCEEDED"
        })
    });
    let mut args: Vec<String> = vec![
        "discover".into(),
        id.clone(),
        "--wait".into(),
        "--adopt".into(),
        "all".into(),
    ];
    args.extend(common::bin::endpoint_args(&sim.endpoint()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = run_bounded(
        &mut wizard_command(dir.path(), &args),
        "",
        None,
        Duration::from_secs(60),
    );
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let things = sim.registered(&id);
    assert!(!things.is_empty());
    let brands: Vec<String> = things
        .iter()
        .map(|thing| {
            sim.rt
                .block_on(client.get_managed_thing().identifier(thing).send())
                .expect("GetManagedThing")
                .brand()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert!(
        brands.iter().any(|b| b == "Muller Co"),
        "the fitted brand: {brands:?}"
    );
}
