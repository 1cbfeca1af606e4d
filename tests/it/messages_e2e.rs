//! What the program says, through the real binary in a pty: every screen keeps quit, help and
//! what matters at the 60x16 minimum; exit messages tell the truth (how to resume, how to check
//! later with the same flags, nothing aimed at a demo's simulator once it is gone); a browser
//! that cannot open says why in a sentence.

use crate::common::e2e::{Sim, wizard_args};
use crate::common::pty::{Spawn, Tui};

const ENTER: &[u8] = b"\r";
const CTRL_C: &[u8] = b"\x03";

fn written(tui: &Tui) -> String {
    String::from_utf8_lossy(&tui.raw()).into_owned()
}

/// Ctrl-C twice: while an association is followed the first one asks, the second means now.
fn quit_now(tui: &mut Tui) {
    tui.send(CTRL_C);
    tui.wait_for("Quit?");
    tui.send(CTRL_C);
    assert_eq!(tui.wait_exit(), 130);
}

/// The last row of the screen: the footer.
fn footer(tui: &Tui) -> String {
    tui.screen().lines().last().unwrap_or_default().to_string()
}

/// Prefilled with an OAuth destination, walked to the Authorize screen.
pub(crate) fn at_authorize(sim: &Sim, dir: &std::path::Path, spawn: Spawn) -> Tui {
    let mut tui = Tui::spawn(dir, spawn);
    tui.wait_for("Acme Home US");
    for step in ["Step 2 of 6", "Step 3 of 6", "Step 4 of 6"] {
        tui.send(ENTER);
        tui.wait_for(step);
    }
    tui.send(ENTER);
    tui.wait_for("Authorize in a browser");
    let _ = sim;
    tui
}

pub(crate) fn oauth_args(sim: &Sim, name: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["--destination", "acme-home-us", "--name", name];
    args.extend_from_slice(extra);
    wizard_args(sim, &args)
}

#[test]
fn at_60x16_every_screen_keeps_quit_help_and_the_state_line() {
    let sim = Sim::start(60_000);
    let dir = tempfile::tempdir().unwrap();
    let mut tui = Tui::spawn(
        dir.path(),
        Spawn::new(&oauth_args(&sim, "Small window", &["--no-browser"])).size(60, 16),
    );
    tui.wait_for("Acme Home US");
    for step in ["Step 2 of 6", "Step 3 of 6", "Step 4 of 6 · Review"] {
        assert!(footer(&tui).contains("? help") || footer(&tui).contains("F1 help"));
        tui.send(ENTER);
        tui.wait_for(step);
    }
    // Review: quit and help stay in the footer however many keys the screen has.
    let last = footer(&tui);
    assert!(last.contains("? help") && last.contains("q quit"), "{last}");
    // The help scrolls when the window is too short for it.
    tui.send(b"?");
    tui.wait_for("scroll");
    tui.send(b"\x1b[B\x1b[B\x1b[B\x1b[B\x1b[B\x1b[B\x1b[B\x1b[B");
    tui.wait_for("Any other key closes this help.");
    tui.send(b"x");
    tui.wait_until("the help closed", |tui| !tui.screen().contains("scroll"));
    // Authorize: the state line stays, under however long a URL.
    tui.send(ENTER);
    tui.wait_for("Authorize in a browser");
    tui.wait_for("State: ");
    tui.wait_for("ASSOCIATION_IN_PROGRESS");
    let last = footer(&tui);
    assert!(last.contains("? help") && last.contains("q quit"), "{last}");
    quit_now(&mut tui);
}

#[test]
fn manage_at_60x16_keeps_state_and_action_keys_in_the_details() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let mut tui = Tui::spawn(
        dir.path(),
        Spawn::new(&wizard_args(&sim, &["--manage", "--no-browser"])).size(60, 16),
    );
    tui.wait_for("Summer house lights");
    tui.send(b"j");
    tui.wait_for("Old apartment");
    tui.wait_for("REFRESH_TOKEN_EXPIRED");
    tui.wait_for("r refresh · d delete");
    let last = footer(&tui);
    assert!(last.contains("? help") && last.contains("q quit"), "{last}");
    tui.send(b"q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn leaving_in_progress_names_the_same_flags_and_prints_the_consent_url() {
    let sim = Sim::start(60_000);
    let dir = tempfile::tempdir().unwrap();
    let mut tui = at_authorize(
        &sim,
        dir.path(),
        Spawn::new(&oauth_args(&sim, "Left waiting", &["--no-browser"])),
    );
    tui.send(b"q");
    tui.wait_for("Quit?");
    tui.wait_for("iotmi-onboard status");
    tui.send(b"y");
    assert_eq!(tui.wait_exit(), 0, "{}", tui.dump());
    let id = sim
        .associations()
        .into_iter()
        .find(|a| a.name() == Some("Left waiting"))
        .expect("created")
        .account_association_id()
        .to_string();
    let flags = format!("--region us-east-1 --endpoint-url {}", sim.endpoint());
    let said = written(&tui);
    assert!(
        said.contains(&format!("iotmi-onboard status {id} {flags}")),
        "{said}"
    );
    assert!(
        said.contains(&format!(
            "aws iot-managed-integrations get-account-association --account-association-id {id} {flags}"
        )),
        "{said}"
    );
    let stdout = tui.stdout();
    assert!(
        stdout.contains(&format!("consent-url     {}", sim.oauth_url(&id))),
        "{stdout}"
    );
}

#[test]
fn a_demo_never_suggests_commands_against_its_gone_simulator() {
    let dir = tempfile::tempdir().unwrap();
    let mut tui = Tui::spawn(
        dir.path(),
        Spawn::new(&[
            "demo",
            "--destination",
            "acme-home-us",
            "--name",
            "Demo left",
            "--no-browser",
        ]),
    );
    tui.wait_for("Acme Home US");
    for step in ["Step 2 of 6", "Step 3 of 6", "Step 4 of 6"] {
        tui.send(ENTER);
        tui.wait_for(step);
    }
    tui.send(ENTER);
    tui.wait_for("Authorize in a browser");
    tui.send(b"q");
    tui.wait_for("This is a demo");
    tui.send(b"y");
    assert_eq!(tui.wait_exit(), 0);
    let said = written(&tui);
    assert!(said.contains("nothing to check later"), "{said}");
    assert!(!said.contains("consent-url"), "its URL is as gone: {said}");
    assert!(!said.contains("iotmi-onboard status"), "{said}");
    assert!(!said.contains("get-account-association"), "{said}");
    // Only what works once the demo's simulator is gone.
    assert!(said.contains("iotmi-onboard demo --manage"), "{said}");
    assert!(
        said.contains("iotmi-onboard simulator --port 4567"),
        "{said}"
    );
}

#[test]
fn ctrl_c_with_a_draft_says_it_is_saved_and_how_to_resume() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let mut tui = Tui::spawn(
        dir.path(),
        Spawn::new(&oauth_args(&sim, "Interrupted draft", &["--no-browser"])),
    );
    tui.wait_for("Acme Home US");
    tui.send(ENTER);
    tui.wait_for("Step 2 of 6");
    tui.send(CTRL_C);
    assert_eq!(tui.wait_exit(), 130);
    let said = written(&tui);
    assert!(
        said.contains(&format!(
            "Your draft is saved: run `iotmi-onboard --region us-east-1 --endpoint-url {}` to resume it.",
            sim.endpoint()
        )),
        "{said}"
    );
}

#[test]
fn o_over_ssh_says_why_and_a_launcher_failure_reads_as_a_sentence() {
    let sim = Sim::start(60_000);
    let dir = tempfile::tempdir().unwrap();
    let spawn = Spawn::new(&oauth_args(&sim, "Over SSH", &[]))
        .env("SSH_CONNECTION", Some("1.2.3.4 5 6.7.8.9 22"))
        .env("SSH_TTY", Some("/dev/pts/9"))
        .env("DISPLAY", None);
    let mut tui = at_authorize(&sim, dir.path(), spawn);
    tui.send(b"o");
    // The simulator's URL is on loopback: forwarding its port comes first.
    tui.wait_for("No browser opened here: forward the port");
    quit_now(&mut tui);

    let dir = tempfile::tempdir().unwrap();
    let spawn = Spawn::new(&oauth_args(
        &sim,
        "Missing browser",
        &["--browser-command", "/nonexistent/browser --new-tab"],
    ));
    let mut tui = at_authorize(&sim, dir.path(), spawn);
    tui.wait_for("The browser did not start: the browser command \"/nonexistent/browser\" was");
    let screen = tui.screen();
    assert!(screen.contains("not found"), "{screen}");
    assert!(
        !screen.contains("Os {") && !screen.contains("ExitStatus"),
        "{screen}"
    );
    quit_now(&mut tui);
}
