//! The Manage view of the real binary against the simulator: refresh an expired association
//! through the consent page, delete one with a typed confirmation, and the conflict message.

use crate::common;
use crate::common::e2e::{Sim, wizard_args, write_browser};
use crate::common::pty::{Spawn, Tui};

const ENTER: &[u8] = b"\r";

fn state_of(sim: &Sim, name: &str) -> Option<String> {
    sim.associations()
        .into_iter()
        .find(|a| a.name() == Some(name))
        .map(|a| a.association_state().as_str().to_owned())
}

/// `--manage`, then `/` and the filter text to put `name` under the cursor.
fn manage_and_select(sim: &Sim, dir: &std::path::Path, extra: &[&str], name: &str) -> Tui {
    let mut args = vec!["--manage"];
    args.extend_from_slice(extra);
    let tui = Tui::spawn(dir, Spawn::new(&wizard_args(sim, &args)));
    tui.wait_for("Manage account associations");
    tui.wait_for(name);
    let mut tui = tui;
    tui.send(b"/");
    // The filter has the focus once the footer stops offering `/`.
    tui.wait_until("the filter focused", |tui| {
        !tui.screen().contains("/ filter")
    });
    tui.send(name.as_bytes());
    tui.send(ENTER);
    // The list shows the one match, under the cursor.
    tui.wait_for("Associations 1 of 1 ");
    tui
}

#[test]
fn refreshing_an_expired_association_ends_succeeded_again() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    // The fixtures hold an association whose refresh token expired.
    assert_eq!(
        state_of(&sim, "Old apartment").as_deref(),
        Some("REFRESH_TOKEN_EXPIRED")
    );
    let (browser, log) = write_browser(dir.path(), "approve");
    let mut tui = manage_and_select(
        &sim,
        dir.path(),
        &["--browser-command", &browser],
        "Old apartment",
    );
    tui.attach_log(&log);
    tui.wait_for("token expired");
    tui.send(b"r");
    tui.wait_for("ASSOCIATION_SUCCEEDED");
    assert_eq!(
        state_of(&sim, "Old apartment").as_deref(),
        Some("ASSOCIATION_SUCCEEDED")
    );
    // Enter goes back to the list, reloaded: the row shows its new state.
    tui.send(ENTER);
    tui.wait_for("Old apartment: ASSOCIATION_SUCCEEDED");
    tui.wait_until("the row reloaded as succeeded", |tui| {
        tui.screen()
            .lines()
            .any(|l| l.contains("› Old apartment") && l.contains("succeeded"))
    });
    // `q` on the list is no interrupt; the summary is the association acted on.
    tui.send(b"q");
    assert_eq!(tui.wait_exit(), 0);
    assert!(tui.stdout().contains("Old apartment"), "{}", tui.stdout());
    assert!(
        tui.stdout().contains("ASSOCIATION_SUCCEEDED"),
        "{}",
        tui.stdout()
    );
}

#[test]
fn delete_asks_for_the_name_and_removes_it() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let client = common::client(&sim.handle);
    sim.rt
        .block_on(
            client
                .create_account_association()
                .connector_destination_id("brightlight-api-key")
                .name("Lab bridge to delete")
                .general_authorization(
                    aws_sdk_iotmanagedintegrations::types::GeneralAuthorizationName::builder()
                        .auth_material_name("api-key")
                        .build(),
                )
                .send(),
        )
        .expect("create");
    let mut tui = manage_and_select(&sim, dir.path(), &[], "Lab bridge to delete");
    tui.send(b"d");
    // The flow's line names no key; the TUI's footer says Enter deletes, Esc cancels.
    tui.wait_for("Nothing is registered to it");
    tui.wait_for("Type the name to confirm");
    tui.wait_for("Enter delete");
    tui.send(b"Lab bridge");
    tui.send(ENTER);
    tui.wait_for("That is not the name");
    assert!(
        state_of(&sim, "Lab bridge to delete").is_some(),
        "a wrong name deletes nothing"
    );
    tui.send(b" to delete");
    tui.send(ENTER);
    tui.wait_for("Deleted");
    common::e2e::wait_until(
        "the association is gone or deleting",
        || !matches!(state_of(&sim, "Lab bridge to delete").as_deref(), Some(s) if s != "ASSOCIATION_DELETING"),
    );
    tui.send(b"\x03");
    assert_eq!(tui.wait_exit(), 130);
}

#[test]
fn deleting_one_with_managed_things_deregisters_them_first() {
    let sim = Sim::start(100);
    let id = sim.id_of("Summer house lights");
    assert_eq!(sim.registered(&id).len(), 2, "seeded with two things");
    let dir = tempfile::tempdir().unwrap();
    let mut tui = manage_and_select(&sim, dir.path(), &[], "Summer house lights");
    tui.send(b"d");
    // The count is said before the name is typed.
    tui.wait_for("2 managed things registered");
    tui.send(b"Summer house lights");
    tui.send(ENTER);
    tui.wait_for("Deleted Summer house lights: it is gone");
    assert!(sim.registered(&id).is_empty(), "deregistered");
    assert_eq!(state_of(&sim, "Summer house lights"), None, "deleted");
    tui.send(b"q");
    assert_eq!(tui.wait_exit(), 0, "q is no interrupt");
}

#[test]
fn an_association_expired_by_the_service_is_refreshed_to_succeeded() {
    use iotmi_simulator::SimConfig;
    // Succeeded associations expire 3 s later: long enough for a 1 s poll to see the
    // refreshed one succeed before it expires again.
    let sim = Sim::with(SimConfig {
        approve_after_ms: 50,
        expire_after_ms: Some(3000),
        ..common::config()
    });
    let dir = tempfile::tempdir().unwrap();
    let client = common::client(&sim.handle);
    let created = sim
        .rt
        .block_on(
            client
                .create_account_association()
                .connector_destination_id("acme-home-us")
                .name("Expiring one")
                .send(),
        )
        .expect("create");
    let (status, _) = common::consent(created.o_auth_authorization_url(), "approve");
    assert_eq!(status, 200);
    common::e2e::wait_until("the token to expire", || {
        state_of(&sim, "Expiring one").as_deref() == Some("REFRESH_TOKEN_EXPIRED")
    });
    let (browser, log) = write_browser(dir.path(), "approve");
    let mut tui = manage_and_select(
        &sim,
        dir.path(),
        &["--browser-command", &browser],
        "Expiring one",
    );
    tui.attach_log(&log);
    tui.send(b"r");
    tui.wait_for("ASSOCIATION_SUCCEEDED");
    tui.send(ENTER);
    tui.wait_for("Expiring one: ASSOCIATION_SUCCEEDED");
    tui.send(b"q");
    assert_eq!(tui.wait_exit(), 0, "{}", tui.dump());
}

#[test]
fn an_association_approved_elsewhere_changes_on_the_list_by_itself() {
    let sim = Sim::start(50);
    let dir = tempfile::tempdir().unwrap();
    let client = common::client(&sim.handle);
    let (_, url) = sim.rt.block_on(common::create_association(
        &client,
        "acme-home-us",
        "Approved elsewhere",
    ));
    let mut tui = manage_and_select(&sim, dir.path(), &["--no-browser"], "Approved elsewhere");
    tui.wait_for("in progress");
    // Approved in a browser somewhere else; no key is pressed here.
    common::consent(&url, "approve");
    tui.wait_until("the row turned succeeded on its own", |tui| {
        tui.screen()
            .lines()
            .any(|l| l.contains("Approved elsewhere") && l.contains("succeeded"))
    });
    tui.send(b"q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn picked_expired_associations_are_refreshed_one_after_another() {
    use iotmi_simulator::SimConfig;
    let sim = Sim::with(SimConfig {
        approve_after_ms: 50,
        expire_after_ms: Some(3000),
        ..common::config()
    });
    let dir = tempfile::tempdir().unwrap();
    let client = common::client(&sim.handle);
    for name in ["Bulk one", "Bulk two"] {
        let (_, url) = sim
            .rt
            .block_on(common::create_association(&client, "acme-home-us", name));
        common::consent(&url, "approve");
    }
    common::e2e::wait_until("both tokens to expire", || {
        ["Bulk one", "Bulk two"]
            .iter()
            .all(|name| state_of(&sim, name).as_deref() == Some("REFRESH_TOKEN_EXPIRED"))
    });
    let (browser, log) = write_browser(dir.path(), "approve");
    let mut tui = Tui::spawn(
        dir.path(),
        Spawn::new(&wizard_args(
            &sim,
            &["--manage", "--browser-command", &browser],
        )),
    );
    tui.attach_log(&log);
    tui.wait_for("Bulk two");
    tui.send(b"/");
    tui.wait_until("the filter focused", |tui| {
        !tui.screen().contains("/ filter")
    });
    tui.send(b"Bulk");
    tui.send(ENTER);
    tui.wait_for("Associations 1 of 2");
    // Pick both (Space moves on), refresh the picked.
    tui.send(b" ");
    tui.wait_for("[x] Bulk");
    tui.send(b" ");
    tui.wait_for("refresh the picked");
    tui.send(b"r");
    tui.wait_for("1 more to refresh after this one");
    tui.wait_for("ASSOCIATION_SUCCEEDED");
    // Enter: back on the list; the second one starts by itself, through its own consent.
    tui.send(ENTER);
    common::e2e::wait_until("the second consent", || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .matches("'decision': 'approve'")
            .count()
            == 2
    });
    tui.wait_until("the second one succeeded", |tui| {
        let screen = tui.screen();
        screen.contains("Bulk two") && screen.contains("ASSOCIATION_SUCCEEDED")
    });
    let refreshed: Vec<String> = ["Bulk one", "Bulk two"]
        .iter()
        .filter_map(|name| state_of(&sim, name))
        .collect();
    assert_eq!(refreshed.len(), 2);
    tui.send(b"\x03\x03");
    tui.wait_exit();
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(
        log.matches("'decision': 'approve'").count(),
        2,
        "each through its own consent: {log}"
    );
}
