//! After the link, through the real binary in a pty: discover the account's devices, adopt
//! them all, and check on the service that each is one managed thing registered to the
//! association; a kill -9 in the middle of adopting, then a rerun, adopts the rest with no
//! duplicate.

use std::collections::BTreeSet;

use crate::common;
use crate::common::e2e::{Sim, wait_until, wizard_args, write_browser};
use crate::common::pty::{Spawn, Tui};
use iotmi_simulator::SimConfig;

const ENTER: &[u8] = b"\r";

fn registered(sim: &Sim, association: &str) -> Vec<String> {
    sim.registered(association)
}

fn association_named(sim: &Sim, name: &str) -> String {
    sim.id_of(name)
}

/// Created, approved by the stand-in browser, and on the Done screen.
fn succeeded(sim: &Sim, dir: &std::path::Path, name: &str) -> Tui {
    let (browser, log) = write_browser(dir, "approve");
    let mut tui = Tui::spawn(
        dir,
        Spawn::new(&wizard_args(
            sim,
            &[
                "--destination",
                "acme-home-us",
                "--name",
                name,
                "--browser-command",
                &browser,
            ],
        ))
        .size(100, 30),
    );
    tui.attach_log(&log);
    tui.wait_for("Acme Home US");
    tui.enter_to_authorize();
    tui.wait_for("ASSOCIATION_SUCCEEDED");
    tui.wait_for("f find the account's devices");
    tui
}

/// "N/M" of the filter's title: the rows shown and all rows.
fn shown_of_all(tui: &Tui) -> (usize, usize) {
    tui.screen()
        .lines()
        .find_map(|l| {
            let (shown, all) = l.split("Filter (/) ").nth(1)?.split_once('/')?;
            Some((
                shown.trim().parse().ok()?,
                all.split(' ').next()?.parse().ok()?,
            ))
        })
        .unwrap_or_else(|| panic!("a filter count: {}", tui.dump()))
}

#[test]
fn select_all_under_a_filter_selects_and_adopts_only_the_rows_shown() {
    let sim = Sim::with(SimConfig {
        discovery_ms: 300,
        ..common::config()
    });
    let dir = tempfile::tempdir().unwrap();
    let mut tui = succeeded(&sim, dir.path(), "Devices filtered");
    tui.send(b"f");
    tui.wait_for("✓ Found");
    tui.send(b"/");
    tui.wait_for("Enter/Esc done");
    tui.send(b"plug");
    tui.wait_for("hidden by the filter");
    tui.send(ENTER);
    let (shown, all) = shown_of_all(&tui);
    assert!(
        0 < shown && shown < all,
        "the filter hides some: {shown}/{all}"
    );
    tui.send(b"a");
    tui.wait_for(&format!(
        "{shown} selected · {} hidden by the filter",
        all - shown
    ));
    tui.send(ENTER);
    tui.wait_for(&format!("Adopted {shown} devices"));
    let association = association_named(&sim, "Devices filtered");
    assert_eq!(
        registered(&sim, &association).len(),
        shown,
        "only the rows shown were adopted: {}",
        tui.dump()
    );
    tui.send(b"\x03");
    tui.wait_exit();
}

#[test]
fn discover_and_adopt_every_device_then_each_is_one_registered_managed_thing() {
    let sim = Sim::with(SimConfig {
        discovery_ms: 300,
        ..common::config()
    });
    let dir = tempfile::tempdir().unwrap();
    let mut tui = succeeded(&sim, dir.path(), "Devices all");
    tui.send(b"f");
    tui.wait_for("Discovering through the connector");
    tui.wait_for("✓ Found");
    let found = tui
        .screen()
        .lines()
        .find_map(|l| {
            l.split("✓ Found ")
                .nth(1)
                .and_then(|rest| rest.split(' ').next())
                .and_then(|n| n.parse::<usize>().ok())
        })
        .expect("a count");
    assert!(found >= 3, "the fixture catalogue: {found}");
    tui.send(b"a");
    tui.wait_for(&format!("{found} selected"));
    tui.send(ENTER);
    tui.wait_for(&format!("Adopted {found} devices"));
    tui.send(ENTER);
    assert_eq!(tui.wait_exit(), 0, "{}", tui.dump());
    let stdout = tui.stdout();
    assert!(
        stdout.contains("state           ASSOCIATION_SUCCEEDED"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "devices-found   {found}\ndevices-adopted {found}\n"
        )),
        "the summary reports what was found and adopted: {stdout}"
    );

    let association = association_named(&sim, "Devices all");
    let things = registered(&sim, &association);
    assert_eq!(things.len(), found, "one managed thing per adopted device");
    let distinct: BTreeSet<_> = things.iter().collect();
    assert_eq!(distinct.len(), found);
}

#[test]
fn a_kill_while_adopting_then_a_rerun_adopts_the_rest_without_duplicates() {
    // Each adoption's reply is held: the kill lands with some adopted, others in flight.
    let sim = Sim::with(SimConfig {
        discovery_ms: 200,
        devices: 20,
        ..common::config()
    });
    let dir = tempfile::tempdir().unwrap();
    let mut tui = succeeded(&sim, dir.path(), "Devices killed");
    let association = association_named(&sim, "Devices killed");
    tui.send(b"f");
    tui.wait_for("✓ Found");
    tui.send(b"a");
    sim.handle
        .set_reply_delay(std::time::Duration::from_millis(400));
    tui.send(ENTER);
    wait_until("some devices adopted", || {
        registered(&sim, &association).len() >= 4
    });
    tui.signal("KILL");
    tui.wait_exit();
    let before = registered(&sim, &association).len();

    sim.handle.set_reply_delay(std::time::Duration::ZERO);
    let mut again = Tui::spawn(
        dir.path(),
        Spawn::new(&wizard_args(&sim, &["--no-browser"])).size(100, 30),
    );
    again.wait_for("An unfinished onboarding was saved");
    again.send(ENTER);
    again.wait_for("Adopted");
    let things = registered(&sim, &association);
    let distinct: BTreeSet<_> = things.iter().collect();
    assert_eq!(distinct.len(), things.len(), "no device twice");
    assert!(
        things.len() > before,
        "the rest was adopted: {before} → {}",
        things.len()
    );
    again.wait_for("✓ Found");
    let screen = again.screen();
    let found: usize = screen
        .lines()
        .find_map(|l| {
            l.split("✓ Found ")
                .nth(1)
                .and_then(|rest| rest.split(' ').next())
                .and_then(|n| n.parse().ok())
        })
        .expect("a count");
    assert_eq!(things.len(), found, "every device, once: {}", again.dump());
    again.send(b"\x03\x03");
    again.wait_exit();
}
