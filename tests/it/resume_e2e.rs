//! Never losing an operator's work: the real binary killed or hung up mid-flow, then run
//! again with the same state dir, resumes without a second association or retyping.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common;
use crate::common::e2e::{Sim, wizard_args};
use crate::common::pty::{Spawn, Tui};
use iotmi_simulator::SimConfig;

const ENTER: &[u8] = b"\r";

/// The journals (not their `.lock` files, which stay for the next run to lock).
fn journals(dir: &Path) -> Vec<std::path::PathBuf> {
    match std::fs::read_dir(dir.join("state/iotmi-onboard")) {
        Ok(entries) => entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_none_or(|e| e != "lock"))
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn journal_text(dir: &Path) -> String {
    let files: Vec<_> = journals(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    std::fs::read_to_string(&files[0]).unwrap()
}

#[test]
fn kill_during_submit_then_resume_creates_exactly_one_association() {
    // Slow enough that the kill lands while CreateAccountAssociation is in flight.
    let sim = Sim::with(SimConfig {
        latency_ms: 1500,
        approve_after_ms: 100,
        ..common::config()
    });
    let dir = tempfile::tempdir().unwrap();
    let name = "Resume after kill";
    let args = wizard_args(
        &sim,
        &[
            "--destination",
            "brightlight-api-key",
            "--name",
            name,
            "--tag",
            "env=kill",
            "--no-browser",
        ],
    );
    let mut first = Tui::spawn(dir.path(), Spawn::new(&args));
    first.wait_for("BrightLight API key");
    for step in ["Step 2 of 6", "Step 3 of 6", "Step 4 of 6", "Step 5 of 6"] {
        first.send(ENTER);
        first.wait_for(step);
    }
    first.send(ENTER);
    first.wait_for("Creating the account association");
    let journal = journal_text(dir.path());
    assert!(
        journal.contains("\"unanswered\": {"),
        "the submit is journaled before the reply: {journal}"
    );
    first.signal("KILL");
    first.wait_exit();

    let mut second = Tui::spawn(dir.path(), Spawn::new(&args));
    second.wait_for("An unfinished onboarding was saved");
    second.wait_for("submitted, reply not received");
    second.send(ENTER);
    second.wait_for("ASSOCIATION_SUCCEEDED");
    second.send(ENTER);
    assert_eq!(second.wait_exit(), 0, "{}", second.dump());

    let mine: Vec<_> = sim
        .associations()
        .into_iter()
        .filter(|a| a.name() == Some(name))
        .collect();
    assert_eq!(mine.len(), 1, "exactly one association: {mine:?}");
    assert_eq!(
        mine[0].connector_destination_id(),
        Some("brightlight-api-key")
    );
    assert!(
        journals(dir.path()).is_empty(),
        "a succeeded association clears its journal"
    );
}

#[test]
fn hangup_on_the_tags_step_resumes_there_with_the_tags() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let args = wizard_args(&sim, &["--no-browser"]);
    let mut first = Tui::spawn(dir.path(), Spawn::new(&args));
    first.wait_for("Create a new association");
    first.send(ENTER);
    first.wait_for("Acme Home US");
    first.send(ENTER);
    first.wait_for("Step 2 of 6");
    first.send(b"\x15Typed before the hangup");
    first.send(ENTER);
    first.wait_for("Step 3 of 6");
    first.send(b"\x1b[200~team=iot,site=oslo\x1b[201~");
    first.wait_for("Added 2 tags");
    first.signal("HUP");
    assert_eq!(first.wait_exit(), 129);
    // The terminal was restored on the way out.
    let raw = first.raw();
    assert!(
        raw.windows(8).any(|w| w == b"\x1b[?1049l"),
        "left the alternate screen"
    );

    let path = journals(dir.path()).pop().expect("a journal");
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let mut second = Tui::spawn(dir.path(), Spawn::new(&args));
    second.wait_for("An unfinished onboarding was saved");
    second.send(ENTER);
    second.wait_for("Step 3 of 6");
    second.wait_for("oslo");
    second.wait_for("team");
    second.send(b"\x1b"); // back to details: the name survived too
    second.wait_for("Typed before the hangup");
}

#[test]
fn a_corrupt_journal_is_reported_and_set_aside() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let args = wizard_args(&sim, &["--no-browser"]);
    // Learn the journal's file name from a real run, then corrupt it.
    let mut first = Tui::spawn(dir.path(), Spawn::new(&args));
    first.wait_for("Create a new association");
    first.send(ENTER);
    first.wait_for("Acme Home US");
    first.send(ENTER);
    first.wait_for("Step 2 of 6");
    first.signal("TERM");
    assert_eq!(first.wait_exit(), 143);
    let path = journals(dir.path()).pop().expect("a journal");
    std::fs::write(&path, "{\"version\": 1, \"step\": tru").unwrap();

    let mut second = Tui::spawn(dir.path(), Spawn::new(&args));
    second.wait_for("could not be read");
    second.wait_for("Create a new association");
    second.send(ENTER);
    second.wait_for("Acme Home US");
    let names: Vec<String> = journals(dir.path())
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().any(|n| n.contains(".corrupt-")), "{names:?}");
    second.send(b"\x03");
    assert_eq!(second.wait_exit(), 130);
}

#[test]
fn the_log_file_never_holds_tag_values_or_urls() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("wizard.log");
    let args = wizard_args(
        &sim,
        &[
            "--destination",
            "acme-home-us",
            "--name",
            "Log check",
            "--tag",
            "secret=TagValueThatMustNotLeak",
            "--no-browser",
            "--log-file",
            log.to_str().unwrap(),
        ],
    );
    let mut tui = Tui::spawn(dir.path(), Spawn::new(&args));
    tui.wait_for("Acme Home US");
    for step in ["Step 2 of 6", "Step 3 of 6", "Step 4 of 6", "Step 5 of 6"] {
        tui.send(ENTER);
        tui.wait_for(step);
    }
    tui.send(b"q");
    tui.wait_for("Quit?");
    tui.send(b"y");
    assert_eq!(tui.wait_exit(), 0);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("CreateAssociation"),
        "the log has the calls: {text}"
    );
    assert!(!text.contains("TagValueThatMustNotLeak"), "{text}");
    assert!(
        !text.contains("oauth/authorize") && !text.contains("http://127.0.0.1"),
        "{text}"
    );
    assert!(!text.contains("secret\""), "{text}");
    assert_eq!(
        std::fs::metadata(&log).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn command_line_prefill_survives_a_kill_while_the_destination_loads() {
    // Every call takes 2 s: the kill lands before the list, let alone the details, arrives.
    let sim = Sim::with(SimConfig {
        latency_ms: 2000,
        ..common::config()
    });
    let dir = tempfile::tempdir().unwrap();
    let args = wizard_args(
        &sim,
        &[
            "--destination",
            "acme-home-us",
            "--name",
            "Prefilled then killed",
            "--tag",
            "env=prefill",
            "--no-browser",
        ],
    );
    let mut first = Tui::spawn(dir.path(), Spawn::new(&args));
    first.wait_for("Step 1 of");
    common::e2e::wait_until("the prefill journaled", || {
        journals(dir.path())
            .iter()
            .any(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("Prefilled then killed")))
    });
    first.signal("KILL");
    first.wait_exit();

    // Run again without any flag (the service still slow): the prefill comes back.
    let mut second = Tui::spawn(
        dir.path(),
        Spawn::new(&wizard_args(&sim, &["--no-browser"])),
    );
    second.wait_for("An unfinished onboarding was saved");
    second.send(ENTER);
    second.wait_for("Acme Home US");
    second.send(ENTER);
    second.wait_for("Step 2 of 6");
    second.wait_for("Prefilled then killed");
    second.send(ENTER);
    second.wait_for("Step 3 of 6");
    second.wait_for("prefill");
    second.send(b"\x03");
    assert_eq!(second.wait_exit(), 130);
}
