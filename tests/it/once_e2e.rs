//! One request, one association, across processes: while a wizard holds the journal on a
//! prefilled request, a second process with the same prefill creates nothing unless told to
//! (`create --new`, `y` in the wizard); plain mode without a terminal refuses (exit 2); a
//! different request goes on as before. Counted on the service through the SDK.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::bin::wizard_command;
use crate::common::e2e::{Sim, wait_until, wizard_args};
use crate::common::pty::{Spawn, Tui};

const DESTINATION: &str = "acme-home-us";

/// The full-screen wizard on `--destination acme-home-us --name NAME`, holding the journal
/// under `state`, once its draft is journaled.
fn holder(sim: &Sim, dir: &Path, state: &Path, name: &str) -> Tui {
    let args = wizard_args(
        sim,
        &["--destination", DESTINATION, "--name", name, "--no-browser"],
    );
    let tui = Tui::spawn(dir, Spawn::new(&args).env("XDG_STATE_HOME", state.to_str()));
    let needle = format!("\"name\": \"{name}\"");
    wait_until("the first run journals its prefilled draft", || {
        journals(state).iter().any(|text| text.contains(&needle))
    });
    tui
}

/// The journals (not the lock files) of the state directory.
fn journals(state: &Path) -> Vec<String> {
    std::fs::read_dir(state.join("iotmi-onboard"))
        .map(|dir| {
            dir.map_while(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
                .filter_map(|path| std::fs::read_to_string(path).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Associations of that name on the service.
fn count(sim: &Sim, name: &str) -> usize {
    sim.associations()
        .iter()
        .filter(|a| a.name() == Some(name))
        .count()
}

fn run(state: &Path, args: &[String], answers: &str) -> Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = wizard_command(state, &args).spawn().expect("spawn");
    let mut stdin = child.stdin.take().unwrap();
    // A run that refuses at once reads none of them (a broken pipe then).
    let _ = stdin.write_all(answers.as_bytes());
    drop(stdin);
    child.wait_with_output().expect("wait")
}

fn create(sim: &Sim, name: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["create".to_string()];
    args.extend(wizard_args(
        sim,
        &["--destination", DESTINATION, "--name", name, "--no-browser"],
    ));
    args.extend(extra.iter().map(|a| a.to_string()));
    args
}

fn dirs() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    (dir, state)
}

#[test]
fn create_refuses_a_live_sessions_same_request_unless_told_new() {
    let sim = Sim::start(100);
    let (dir, state) = dirs();
    let _first = holder(&sim, dir.path(), &state, "Once");

    let out = run(&state, &create(&sim, "Once", &[]), "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("Another run (pid ")
            && stderr.contains(
                "is onboarding the same request: destination acme-home-us, name \"Once\""
            )
            && stderr.contains("--new"),
        "{stderr}"
    );
    assert_eq!(count(&sim, "Once"), 0, "nothing created");

    // Another name is another request: created as before.
    let out = run(&state, &create(&sim, "Twice", &[]), "");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(count(&sim, "Twice"), 1);

    let out = run(&state, &create(&sim, "Once", &["--new"]), "");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(count(&sim, "Once"), 1, "--new makes the second one");
}

#[test]
fn plain_mode_without_a_terminal_refuses_the_same_request() {
    let sim = Sim::start(100);
    let (dir, state) = dirs();
    let _first = holder(&sim, dir.path(), &state, "Once");
    let before = journals(&state);

    let plain = |name: &str| {
        wizard_args(
            &sim,
            &[
                "--plain",
                "--destination",
                DESTINATION,
                "--name",
                name,
                "--no-browser",
            ],
        )
    };
    // Answers that would walk to the submit if they were read.
    let out = run(&state, &plain("Once"), "y\n\n\n\n\ny\n\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("is onboarding the same request")
            && stderr.contains("stdin is not a terminal"),
        "{stderr}"
    );
    assert_eq!(count(&sim, "Once"), 0, "nothing created");
    assert_eq!(
        before,
        journals(&state),
        "the holder's journal is left alone"
    );

    // A different request goes on as today, its draft unjournaled. The run then waits for
    // consent (no browser): it is stopped once the association exists.
    let args = plain("Other");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut other = wizard_command(&state, &args).spawn().expect("spawn");
    let mut stdin = other.stdin.take().unwrap();
    stdin.write_all(b"\n\n\n\ny\n").expect("answers");
    wait_until("the other request is created", || count(&sim, "Other") == 1);
    other.kill().expect("stop the other run");
    let out = other.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("same request"), "{stderr}");
    assert!(stderr.contains("is using this session"), "{stderr}");
    assert_eq!(count(&sim, "Once"), 0);
    assert_eq!(
        before,
        journals(&state),
        "the holder's journal is left alone"
    );
}

#[test]
fn the_wizard_asks_first_and_makes_a_second_association_only_on_yes() {
    let sim = Sim::start(100);
    let (dir, state) = dirs();
    let _first = holder(&sim, dir.path(), &state, "Once");
    let args = wizard_args(
        &sim,
        &[
            "--destination",
            DESTINATION,
            "--name",
            "Once",
            "--no-browser",
        ],
    );
    let spawn = || Spawn::new(&args).env("XDG_STATE_HOME", state.to_str());

    // No (Enter, the default): leaves with nothing created.
    let declined = tempfile::tempdir().unwrap();
    let mut second = Tui::spawn(declined.path(), spawn());
    second.wait_for("Make a second association? y/N");
    assert!(
        second.screen().contains("is onboarding the same request"),
        "{}",
        second.dump()
    );
    second.send(b"\r");
    assert_eq!(second.wait_exit(), 1, "{}", second.dump());
    assert_eq!(count(&sim, "Once"), 0, "nothing created");

    // y: on through the prefilled steps to the submit, and one association is made.
    let accepted = tempfile::tempdir().unwrap();
    let mut second = Tui::spawn(accepted.path(), spawn());
    second.wait_for("Make a second association? y/N");
    second.send(b"y");
    second.wait_for("Step 1 of 6");
    second.enter_to_authorize();
    wait_until("the second association is created", || {
        count(&sim, "Once") == 1
    });
}
