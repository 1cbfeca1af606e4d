//! The real binary in a pseudo-terminal against the simulator: keys in, screens and the
//! stdout summary out, and the service's own record checked afterwards. Each test has its
//! own simulator (port 0) and tempdir, so they run in parallel.

use std::path::Path;

use crate::common;
use crate::common::e2e::{Sim, wizard_args, write_browser};
use crate::common::pty::{Spawn, Tui};

const ENTER: &[u8] = b"\r";
const CTRL_C: &[u8] = b"\x03";

/// Starts the wizard prefilled for `acme-home-us` with a fake browser that says `decision`.
fn prefilled_with_browser(
    sim: &Sim,
    dir: &Path,
    name: &str,
    decision: &str,
    extra: &[&str],
) -> Tui {
    let (browser, log) = write_browser(dir, decision);
    let mut args = vec![
        "--destination",
        "acme-home-us",
        "--name",
        name,
        "--tag",
        "env=test",
        "--browser-command",
        &browser,
    ];
    args.extend_from_slice(extra);
    let mut tui = Tui::spawn(dir, Spawn::new(&wizard_args(sim, &args)));
    tui.attach_log(&log);
    tui
}

/// Only Enter, screen by screen, from the destination list to the submission.
fn enter_through_to_submit(tui: &mut Tui) {
    // The prefilled destination is selected once the list has loaded.
    tui.wait_for("Acme Home US");
    tui.send(ENTER);
    // OAuth: no Auth step, so six in all.
    tui.wait_for("Step 2 of 6 · Name and description");
    tui.send(ENTER);
    tui.wait_for("Step 3 of 6 · Tags");
    tui.wait_for("env");
    tui.send(ENTER);
    tui.wait_for("Step 4 of 6 · Review");
    tui.send(ENTER);
}

#[test]
fn approve_in_the_browser_succeeds() {
    let sim = Sim::start(200);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut tui = prefilled_with_browser(&sim, dir.path(), "E2E approve", "approve", &[]);
    enter_through_to_submit(&mut tui);
    tui.wait_for("ASSOCIATION_SUCCEEDED");
    // Succeeded because the form was posted, not by some shortcut.
    let log = dir.path().join("browser.log");
    tui.wait_until("the browser's approval in its log", |_| {
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        log.contains("'decision': 'approve'") && log.contains("-> 200")
    });
    tui.send(ENTER);
    assert_eq!(tui.wait_exit(), 0, "{}", tui.dump());
    let stdout = tui.stdout();
    assert!(
        stdout.contains("state           ASSOCIATION_SUCCEEDED"),
        "{stdout}"
    );
    assert!(stdout.contains("name            E2E approve"), "{stdout}");

    let found: Vec<_> = sim
        .associations()
        .into_iter()
        .filter(|a| a.name() == Some("E2E approve"))
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].association_state().as_str(),
        "ASSOCIATION_SUCCEEDED"
    );
}

#[test]
fn deny_in_the_browser_fails_with_the_service_message() {
    let sim = Sim::start(200);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut tui = prefilled_with_browser(&sim, dir.path(), "E2E deny", "deny", &[]);
    enter_through_to_submit(&mut tui);
    tui.wait_for("ASSOCIATION_FAILED");
    tui.wait_for("The account owner denied access");
    tui.send(ENTER);
    // 3, as `create --wait` exits for a failed association: one exit-status table.
    assert_eq!(tui.wait_exit(), 3, "{}", tui.dump());
    let stdout = tui.stdout();
    assert!(
        stdout.contains("state           ASSOCIATION_FAILED")
            && stdout.contains("error           The account owner denied access"),
        "{stdout}"
    );
    let ours: Vec<_> = sim
        .associations()
        .into_iter()
        .filter(|a| a.name() == Some("E2E deny"))
        .collect();
    assert_eq!(ours.len(), 1, "{ours:?}");
    assert_eq!(ours[0].association_state().as_str(), "ASSOCIATION_FAILED");
}

#[test]
fn output_json_prints_the_summary_as_json() {
    let sim = Sim::start(200);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut tui = prefilled_with_browser(
        &sim,
        dir.path(),
        "E2E json",
        "approve",
        &["--output", "json"],
    );
    enter_through_to_submit(&mut tui);
    tui.wait_for("ASSOCIATION_SUCCEEDED");
    tui.send(ENTER);
    assert_eq!(tui.wait_exit(), 0, "{}", tui.dump());
    let stdout = tui.stdout();
    let json: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(json["AssociationState"], "ASSOCIATION_SUCCEEDED", "{json}");
    assert_eq!(json["Name"], "E2E json", "{json}");
    let id = json["AccountAssociationId"].as_str().expect("id");
    assert!(
        sim.associations()
            .iter()
            .any(|a| a.account_association_id() == id),
        "{id} not in the service"
    );
}

#[test]
fn ctrl_c_on_the_first_screen_exits_130_and_restores_the_terminal() {
    let sim = Sim::start(200);
    let dir = tempfile::tempdir().expect("tempdir");
    let before = sim.associations().len();
    let mut tui = Tui::spawn(
        dir.path(),
        Spawn::new(&wizard_args(&sim, &["--no-browser"])),
    );
    tui.wait_for("Create a new association");
    tui.send(CTRL_C);
    assert_eq!(tui.wait_exit(), 130, "{}", tui.dump());
    // The parser hides mode changes; the raw bytes show the alternate screen was left.
    tui.wait_for_raw(b"\x1b[?1049l");
    // Bracketed paste off and the cursor shown again, or the shell inherits them.
    tui.wait_for_raw(b"\x1b[?2004l");
    tui.wait_for_raw(b"\x1b[?25h");
    assert_eq!(sim.associations().len(), before, "nothing was created");
}

#[test]
fn too_small_a_window_says_so_until_resized() {
    let sim = Sim::start(200);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut tui = Tui::spawn(
        dir.path(),
        Spawn::new(&wizard_args(&sim, &["--no-browser"])).size(50, 12),
    );
    tui.wait_for("Terminal too small");
    tui.resize(80, 24);
    tui.wait_for("Create a new association");
    tui.send(ENTER);
    tui.wait_for("Acme Home US");
    assert!(
        !tui.screen().contains("Terminal too small"),
        "{}",
        tui.dump()
    );
    tui.send(CTRL_C);
    assert_eq!(tui.wait_exit(), 130, "{}", tui.dump());
}

#[test]
fn over_ssh_no_browser_opens_and_the_url_is_approved_elsewhere() {
    let sim = Sim::start(200);
    let dir = tempfile::tempdir().expect("tempdir");
    let args = wizard_args(
        &sim,
        &["--destination", "acme-home-us", "--name", "E2E ssh"],
    );
    let mut tui = Tui::spawn(
        dir.path(),
        Spawn::new(&args)
            .env("SSH_CONNECTION", Some("10.0.0.1 1 10.0.0.2 22"))
            .env("DISPLAY", None)
            .env("WAYLAND_DISPLAY", None),
    );
    tui.wait_for("Acme Home US");
    tui.send(ENTER);
    tui.wait_for("Name and description");
    tui.send(ENTER);
    tui.wait_for("· Tags");
    tui.send(ENTER);
    tui.wait_for("· Review");
    tui.send(ENTER);
    tui.wait_for("Authorize in a browser");
    // The URL is the simulator's, on loopback: the tunnel is the advice.
    tui.wait_for("No browser opened here: forward the port");
    tui.wait_for("/oauth/authorize?");

    // The operator's own machine: the URL from the service, approved there.
    // The simulator's seed has associations of its own: find ours by name.
    let ours: Vec<_> = sim
        .associations()
        .into_iter()
        .filter(|a| a.name() == Some("E2E ssh"))
        .collect();
    assert_eq!(ours.len(), 1, "{ours:?}");
    let url = sim.oauth_url(ours[0].account_association_id());
    assert!(tui.screen().contains(&url[..40]), "{}", tui.dump());
    let (status, html) = common::consent(&url, "approve");
    assert_eq!(status, 200, "{html}");

    tui.wait_for("ASSOCIATION_SUCCEEDED");
    tui.send(ENTER);
    assert_eq!(tui.wait_exit(), 0, "{}", tui.dump());
}

#[test]
fn bracketed_paste_on_the_tags_step_adds_every_pair() {
    let sim = Sim::start(200);
    let dir = tempfile::tempdir().expect("tempdir");
    let args = wizard_args(
        &sim,
        &[
            "--destination",
            "acme-home-us",
            "--name",
            "E2E paste",
            "--no-browser",
        ],
    );
    let mut tui = Tui::spawn(dir.path(), Spawn::new(&args));
    tui.wait_for("Acme Home US");
    tui.send(ENTER);
    tui.wait_for("Name and description");
    tui.send(ENTER);
    tui.wait_for("· Tags");
    tui.send(b"\x1b[200~a=1,b=2\x1b[201~");
    tui.wait_for("Tags 2/");
    let screen = tui.screen();
    let rows: Vec<Vec<&str>> = screen
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    for (key, value) in [("a", "1"), ("b", "2")] {
        assert!(
            rows.iter().any(|r| r.windows(2).any(|w| w == [key, value])),
            "no {key}={value} row\n{screen}"
        );
    }
    tui.send(CTRL_C);
    tui.wait_exit();
}

#[test]
fn demo_lists_the_fixture_destinations_and_ctrl_c_exits_130() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut tui = Tui::spawn(dir.path(), Spawn::new(&["demo", "--no-browser"]));
    tui.wait_for("Create a new association");
    tui.send(ENTER);
    tui.wait_for("Acme Home US");
    tui.wait_for("BrightLight API key");
    tui.send(CTRL_C);
    assert_eq!(tui.wait_exit(), 130, "{}", tui.dump());
    tui.wait_for_raw(b"\x1b[?1049l");
}
