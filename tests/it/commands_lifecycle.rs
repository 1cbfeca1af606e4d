//! The commands over an association's life, checked on the service side through the SDK:
//! `delete --yes --deregister-things` (refused without the flag, finished by a rerun after
//! `kill -9`), `refresh` of a succeeded association only with `--yes`, and
//! `create --auth-material` refused for a destination that cannot take it; a `create` stopped
//! before its reply (kill -9, SIGTERM) returned by a rerun, never made twice.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::common;
use crate::common::e2e::{Sim, wait_until};
use iotmi_simulator::SimConfig;
use serde_json::Value;

/// The seeded General Authorization association ("Summer house lights").
const SEEDED: &str = "7d2f4c9a1b3e4f6a8c0d2e4f6a8b0c1d";

/// A simulator whose seeded association has `things` managed things registered.
fn sim_with_registered(dir: &std::path::Path, things: u32) -> Sim {
    let mut fixtures: Value =
        serde_json::from_str(include_str!("../../crates/simulator/assets/fixtures.json"))
            .expect("the built-in fixtures");
    let seeded = fixtures["AccountAssociations"]
        .as_array_mut()
        .expect("associations")
        .iter_mut()
        .find(|a| a["AccountAssociationId"] == SEEDED)
        .expect("Summer house lights");
    seeded["ManagedThings"] = things.into();
    let seed = dir.join("fixtures.json");
    std::fs::write(&seed, fixtures.to_string()).expect("write the fixtures");
    let sim = Sim::with(SimConfig {
        seed: Some(seed),
        devices: things as usize,
        ..common::config()
    });
    assert_eq!(sim.registered(SEEDED).len(), things as usize, "seeded");
    sim
}

fn command(dir: &std::path::Path, sim: &Sim, args: &[&str]) -> Command {
    let mut command = common::bin::command();
    command
        .args(args)
        .args(common::bin::endpoint_args(&sim.endpoint()))
        .stdin(Stdio::null())
        .env("NO_PROXY", "127.0.0.1")
        .env("XDG_STATE_HOME", dir)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
    command
}

fn run(dir: &std::path::Path, sim: &Sim, args: &[&str]) -> Output {
    command(dir, sim, args).output().expect("run the binary")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_code(output: &Output, expected: i32) {
    assert_eq!(
        output.status.code(),
        Some(expected),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        stderr(output)
    );
}

fn exists(sim: &Sim, id: &str) -> bool {
    sim.associations()
        .iter()
        .any(|a| a.account_association_id() == id)
}

fn state(sim: &Sim, id: &str) -> Option<String> {
    sim.associations()
        .iter()
        .find(|a| a.account_association_id() == id)
        .map(|a| a.association_state().as_str().to_owned())
}

/// `delete --yes --deregister-things --output json`: its exit status 0, the things it says it
/// deregistered.
fn delete_deregistering(dir: &std::path::Path, sim: &Sim) -> (BTreeSet<String>, String) {
    let out = run(
        dir,
        sim,
        &[
            "delete",
            SEEDED,
            "--yes",
            "--deregister-things",
            "--output",
            "json",
        ],
    );
    assert_code(&out, 0);
    let value: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(value["AccountAssociationId"], SEEDED);
    assert_eq!(value["Gone"], true, "followed until gone");
    let things = value["DeregisteredManagedThings"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|t| t.as_str().expect("an id").to_owned())
        .collect();
    (things, stderr(&out))
}

#[test]
fn delete_refuses_registered_things_without_the_flag_then_deregisters_them_and_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let sim = sim_with_registered(dir.path(), 3);
    let registered: BTreeSet<String> = sim.registered(SEEDED).into_iter().collect();

    let out = run(dir.path(), &sim, &["delete", SEEDED, "--yes"]);
    assert_code(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("3 managed things are registered") && err.contains("--deregister-things"),
        "the count and the flag named: {err}"
    );
    assert!(err.contains("Nothing was changed"), "{err}");
    assert_eq!(sim.registered(SEEDED).len(), 3, "nothing deregistered");
    assert_eq!(
        state(&sim, SEEDED).as_deref(),
        Some("ASSOCIATION_SUCCEEDED"),
        "not deleted"
    );

    let (deregistered, err) = delete_deregistering(dir.path(), &sim);
    assert_eq!(deregistered, registered, "each registered thing, once");
    assert!(err.contains("Deregistered "), "a result per thing: {err}");
    assert!(err.contains("(3 of 3)"), "{err}");
    assert!(sim.registered(SEEDED).is_empty(), "none registered");
    assert!(!exists(&sim, SEEDED), "gone");
}

#[test]
fn a_delete_killed_while_deregistering_is_finished_by_a_rerun_without_doing_anything_twice() {
    let dir = tempfile::tempdir().unwrap();
    let sim = sim_with_registered(dir.path(), 6);
    // Each deregistration takes effect at once but answers late: the first four (the
    // concurrency) are done on the service when the process dies, the last two never sent.
    sim.handle.set_reply_delay(Duration::from_millis(3000));
    let mut child = command(
        dir.path(),
        &sim,
        &["delete", SEEDED, "--yes", "--deregister-things"],
    )
    .stderr(Stdio::piped())
    .stdout(Stdio::null())
    .spawn()
    .expect("spawn");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    for line in lines.by_ref() {
        if line
            .expect("stderr")
            .contains("6 managed things are registered")
        {
            break;
        }
    }
    wait_until("some deregistrations to take effect", || {
        sim.registered(SEEDED).len() < 6
    });
    common::bin::signal(child.id(), "KILL");
    child.wait().expect("reaped");
    // What the killed run left: the requests it had sent are done, nothing else.
    std::thread::sleep(Duration::from_millis(300));
    let left: BTreeSet<String> = sim.registered(SEEDED).into_iter().collect();
    assert!(!left.is_empty() && left.len() < 6, "half-way: {left:?}");
    assert!(exists(&sim, SEEDED), "not deleted yet");

    sim.handle.set_reply_delay(Duration::ZERO);
    let (deregistered, err) = delete_deregistering(dir.path(), &sim);
    assert_eq!(
        deregistered, left,
        "the rerun deregisters only what was still registered"
    );
    assert!(
        err.contains(&format!("{} managed things are registered", left.len()))
            || err.contains("1 managed thing is registered"),
        "{err}"
    );
    // The uninterrupted run's end state.
    assert!(sim.registered(SEEDED).is_empty(), "none registered");
    assert!(!exists(&sim, SEEDED), "gone");
}

#[test]
fn refresh_of_a_succeeded_association_needs_yes_and_changes_nothing_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(50);
    let client = common::client(&sim.handle);
    let (id, url) = sim.rt.block_on(common::create_association(
        &client,
        "acme-home-us",
        "Working lights",
    ));
    common::consent(&url, "approve");
    wait_until("the association to succeed", || {
        state(&sim, &id).as_deref() == Some("ASSOCIATION_SUCCEEDED")
    });
    let before = sim.oauth_url(&id);

    let out = run(dir.path(), &sim, &["refresh", &id, "--no-browser"]);
    assert_code(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("ASSOCIATION_IN_PROGRESS") && err.contains("--yes"),
        "says why and names --yes: {err}"
    );
    assert_eq!(
        state(&sim, &id).as_deref(),
        Some("ASSOCIATION_SUCCEEDED"),
        "still succeeded"
    );
    assert_eq!(sim.oauth_url(&id), before, "no refresh was started");

    let out = run(dir.path(), &sim, &["refresh", &id, "--no-browser", "--yes"]);
    assert_code(&out, 0);
    assert_eq!(
        state(&sim, &id).as_deref(),
        Some("ASSOCIATION_IN_PROGRESS"),
        "refreshed when told"
    );
}

#[test]
fn create_with_an_auth_material_for_an_oauth_destination_is_exit_2_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(50);
    let before = sim.associations().len();
    let out = run(
        dir.path(),
        &sim,
        &[
            "create",
            "--destination",
            "acme-home-us",
            "--name",
            "OAuth with a material",
            "--auth-material",
            "x",
        ],
    );
    assert_code(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("error: auth-material:") && err.contains("OAuth consent"),
        "the reason: {err}"
    );
    assert_eq!(sim.associations().len(), before, "nothing created");
}

#[test]
fn a_delete_killed_while_the_service_holds_it_deleting_is_followed_by_a_rerun_until_gone() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::with(SimConfig {
        delete_after_ms: 2500,
        ..common::config()
    });
    let client = common::client(&sim.handle);
    let (id, _) = sim.rt.block_on(common::create_association(
        &client,
        "acme-home-us",
        "Deleted slowly",
    ));
    let mut child = command(dir.path(), &sim, &["delete", &id, "--yes"])
        .stderr(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    wait_until("the delete to be accepted", || {
        state(&sim, &id).as_deref() == Some("ASSOCIATION_DELETING")
    });
    common::bin::signal(child.id(), "KILL");
    child.wait().expect("reaped");
    assert!(exists(&sim, &id), "still held DELETING");

    let out = run(dir.path(), &sim, &["delete", &id, "--yes"]);
    assert_code(&out, 0);
    let err = stderr(&out);
    assert!(
        err.contains("is being deleted") || err.contains("ASSOCIATION_DELETING"),
        "{err}"
    );
    assert!(
        !err.contains("Deleting "),
        "not deleted a second time: {err}"
    );
    assert!(!exists(&sim, &id), "gone");
}

/// Associations named `name` on the service.
fn named(sim: &Sim, name: &str) -> Vec<String> {
    sim.associations()
        .iter()
        .filter(|a| a.name() == Some(name))
        .map(|a| a.account_association_id().to_owned())
        .collect()
}

/// `create` of a General Authorization association named `name`, and `extra` flags.
fn create_args<'a>(name: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "create",
        "--destination",
        "brightlight-api-key",
        "--name",
        name,
        "--auth-material",
        "api-key",
        "--output",
        "json",
    ];
    args.extend(extra);
    args
}

fn created_id(output: &Output) -> String {
    assert_code(output, 0);
    let value: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    value["AccountAssociationId"]
        .as_str()
        .expect("an id")
        .to_owned()
}

/// A create whose reply is held (the service made it), then a stop before the reply: a
/// running process with its request in flight.
fn create_in_flight(dir: &std::path::Path, sim: &Sim, name: &str) -> std::process::Child {
    sim.handle.set_reply_delay(Duration::from_millis(3000));
    let child = command(dir, sim, &create_args(name, &[]))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_until("the create to take effect on the service", || {
        !named(sim, name).is_empty()
    });
    child
}

#[test]
fn a_create_killed_before_its_reply_is_returned_by_a_rerun_and_only_new_makes_another() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(50);
    let mut child = create_in_flight(dir.path(), &sim, "Lost Term");
    common::bin::signal(child.id(), "KILL");
    child.wait().expect("reaped");
    let made = named(&sim, "Lost Term");
    assert_eq!(made.len(), 1, "the killed run's create took effect");

    sim.handle.set_reply_delay(Duration::ZERO);
    let rerun = created_id(&run(dir.path(), &sim, &create_args("Lost Term", &[])));
    assert_eq!(rerun, made[0], "the rerun returns the association made");
    assert_eq!(named(&sim, "Lost Term"), made, "exactly one");

    let another = created_id(&run(
        dir.path(),
        &sim,
        &create_args("Lost Term", &["--new"]),
    ));
    assert_ne!(another, made[0]);
    assert_eq!(
        named(&sim, "Lost Term").len(),
        2,
        "--new makes a second one"
    );
    // A rerun of the first command after all that still names the first.
    let again = created_id(&run(dir.path(), &sim, &create_args("Lost Term", &[])));
    assert_eq!(again, made[0]);

    let out = run(
        dir.path(),
        &sim,
        &create_args("Lost Term", &["--tag", "env=other"]),
    );
    assert_code(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("ConflictException")
            && err.contains("other parameters")
            && err.contains("pass --new"),
        "says why and names --new: {err}"
    );
    assert!(!err.contains("then retry"), "no retry advised: {err}");
    assert_eq!(named(&sim, "Lost Term").len(), 2, "nothing more made");
}

#[test]
fn a_create_terminated_while_its_request_is_in_flight_says_a_rerun_returns_it() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(50);
    let child = create_in_flight(dir.path(), &sim, "Timed Out");
    // What `timeout` sends.
    common::bin::signal(child.id(), "TERM");
    let out = child.wait_with_output().expect("reaped");
    assert_code(&out, 143);
    let err = stderr(&out);
    assert!(
        err.contains("Terminated.")
            && err.contains("request was sent")
            && err.contains("may have made the association")
            && err.contains(
                "Run the same command again: it returns that association, never a second one"
            ),
        "{err}"
    );

    sim.handle.set_reply_delay(Duration::ZERO);
    let made = named(&sim, "Timed Out");
    let rerun = created_id(&run(dir.path(), &sim, &create_args("Timed Out", &[])));
    assert_eq!(vec![rerun], made, "one association, returned by the rerun");
}
