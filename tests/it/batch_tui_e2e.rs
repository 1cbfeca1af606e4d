//! `--batch FILE` in the wizard and in plain mode, the real binary against the simulator: the
//! batch screen lists the OAuth rows awaiting consent, the test approves them through the
//! consent page, and the screen shows them turning succeeded (checked on the service with the
//! SDK); plain mode prints each row's consent URL and ends by itself.

use aws_sdk_iotmanagedintegrations::types::AssociationState;

use crate::common::bin::{run_bounded, wizard_command};
use crate::common::e2e::{Sim, wait_until, wizard_args};
use crate::common::pty::{Spawn, Tui};
use crate::common::{self, consent};

const FLEET: &str = "destination,name,description,tags,auth_material
brightlight-api-key,ga-kitchen,,env=prod,api-key
acme-home-us,oauth-alice,,,
brightlight-api-key,ga-garage,,,api-key
acme-home-us,oauth-bob,,,
";

fn state_of(sim: &Sim, id: &str) -> AssociationState {
    let client = common::client(&sim.handle);
    sim.rt
        .block_on(
            client
                .get_account_association()
                .account_association_id(id)
                .send(),
        )
        .expect("GetAccountAssociation")
        .association_state()
        .clone()
}

#[test]
fn the_batch_screen_shows_oauth_rows_turning_succeeded_as_their_owners_approve() {
    let sim = Sim::start(100);
    let seeded = sim.associations().len();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fleet.csv"), FLEET).unwrap();
    let mut tui = Tui::spawn(
        dir.path(),
        Spawn::new(&wizard_args(
            &sim,
            &["--batch", "fleet.csv", "--no-browser"],
        )),
    );
    tui.wait_for("2 awaiting consent");
    tui.wait_for("✓ 2 succeeded");
    let screen = tui.screen();
    for name in ["oauth-alice", "oauth-bob"] {
        let line = screen
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{name} listed:\n{screen}"));
        assert!(line.contains("awaiting consent"), "{line}");
    }
    // One owner approves: that row turns succeeded while the other still awaits.
    let alice = sim.id_of("oauth-alice");
    let (status, _) = consent(&sim.oauth_url(&alice), "approve");
    assert_eq!(status, 200);
    tui.wait_until("oauth-alice succeeded", |t| {
        t.screen()
            .lines()
            .any(|l| l.contains("oauth-alice") && l.contains("succeeded"))
    });
    assert!(
        tui.screen().contains("1 awaiting consent"),
        "{}",
        tui.screen()
    );
    assert_eq!(
        state_of(&sim, &alice),
        AssociationState::AssociationSucceeded
    );
    // The cursor's hand-over is the selected row's: n moves to bob, the only one awaiting.
    tui.send(b"n");
    tui.wait_for("Line 5 oauth-bob");
    let bob = sim.id_of("oauth-bob");
    let (status, _) = consent(&sim.oauth_url(&bob), "approve");
    assert_eq!(status, 200);
    tui.wait_for("Done: every row is final.");
    tui.wait_for("✓ 4 succeeded");
    assert_eq!(state_of(&sim, &bob), AssociationState::AssociationSucceeded);
    // Exactly one association per row on the service.
    let all = sim.associations();
    assert_eq!(all.len(), seeded + 4);
    for name in ["ga-garage", "ga-kitchen", "oauth-alice", "oauth-bob"] {
        assert_eq!(all.iter().filter(|a| a.name() == Some(name)).count(), 1);
    }
    // A finished batch quits at once, with its rows on stdout.
    tui.send(b"q");
    assert_eq!(tui.wait_exit(), 0);
    let stdout = tui.stdout();
    assert_eq!(stdout.matches("succeeded").count(), 4, "{stdout}");
}

#[test]
fn a_file_the_rules_refuse_shows_every_problem_with_its_line_and_exits_2() {
    let sim = Sim::start(100);
    let seeded = sim.associations().len();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("fleet.csv"),
        "destination,name,description,tags,auth_material
brightlight-api-key,ga-kitchen,,,api-key
acme-home-us,,,,
brightlight-api-key,ga-kitchen,,,api-key
",
    )
    .unwrap();
    let mut tui = Tui::spawn(
        dir.path(),
        Spawn::new(&wizard_args(&sim, &["--batch", "fleet.csv"])),
    );
    // The heading and the problem lines may reach the terminal in different writes.
    tui.wait_until("the refusal with both problems on screen", |tui| {
        let screen = tui.screen();
        screen.contains("was refused: 2 problems")
            && screen.contains("line 3: no name")
            && screen.contains("line 4: the same destination and name as line 2")
    });
    tui.send(b"q");
    assert_eq!(tui.wait_exit(), 2);
    assert_eq!(sim.associations().len(), seeded, "nothing created");
}

#[test]
fn plain_mode_prints_each_rows_consent_url_and_ends_by_itself() {
    let sim = Sim::start(100);
    let seeded = sim.associations().len();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fleet.csv");
    std::fs::write(&file, FLEET).unwrap();
    let mut args = vec![
        "--plain",
        "--batch",
        file.to_str().unwrap(),
        "--wait-timeout",
        "2s",
    ];
    let endpoint = wizard_args(&sim, &[]);
    args.extend(endpoint.iter().map(String::as_str));
    let run = run_bounded(
        &mut wizard_command(&dir.path().join("state"), &args),
        "",
        None,
        std::time::Duration::from_secs(30),
    );
    assert!(!run.timed_out, "ends by itself: {}", run.stderr);
    // The wait ran out with rows still awaiting their owners.
    assert_eq!(run.code, Some(4), "{}", run.stderr);
    for name in ["oauth-alice", "oauth-bob"] {
        let url = sim.oauth_url(&sim.id_of(name));
        let said = run
            .stderr
            .lines()
            .position(|l| l.contains(name) && l.contains("awaiting consent"))
            .unwrap_or_else(|| panic!("{name} said:\n{}", run.stderr));
        let next = run.stderr.lines().nth(said + 1).unwrap_or_default();
        assert_eq!(next, format!("  consent: {url}"), "{}", run.stderr);
    }
    for name in ["ga-kitchen", "ga-garage"] {
        assert!(
            run.stderr
                .lines()
                .any(|l| l.contains(name) && l.contains("succeeded")),
            "{}",
            run.stderr
        );
    }
    assert!(
        run.stderr.contains("4 rows: 2 succeeded, 2 in progress"),
        "{}",
        run.stderr
    );
    wait_until("the service holds one association per row", || {
        sim.associations().len() == seeded + 4
    });
}

/// `demo --batch` of [`FLEET`] in `dir`, once its two OAuth rows await consent.
fn demo_batch(dir: &std::path::Path) -> Tui {
    std::fs::write(dir.join("fleet.csv"), FLEET).unwrap();
    let tui = Tui::spawn(
        dir,
        Spawn::new(&["demo", "--batch", "fleet.csv", "--no-browser"]),
    );
    tui.wait_for("2 awaiting consent");
    tui
}

#[test]
fn in_demo_the_presenter_approves_the_selected_row_as_its_owner() {
    let dir = tempfile::tempdir().unwrap();
    let mut tui = demo_batch(dir.path());
    tui.send(b"n");
    tui.wait_for("Line 3 oauth-alice");
    tui.wait_for("A approve");
    tui.send(b"A");
    tui.wait_until("oauth-alice succeeded", |t| {
        t.screen()
            .lines()
            .any(|l| l.contains("oauth-alice") && l.contains("succeeded"))
    });
    assert!(
        tui.screen().contains("1 awaiting consent"),
        "{}",
        tui.screen()
    );
    // The other row is still its owner's to answer: D denies it.
    tui.send(b"n");
    tui.wait_for("Line 5 oauth-bob");
    tui.send(b"D");
    tui.wait_until("oauth-bob failed", |t| {
        t.screen()
            .lines()
            .any(|l| l.contains("oauth-bob") && l.contains("failed"))
    });
}

#[test]
fn leaving_a_demo_batch_lists_no_consent_urls_of_its_gone_simulator() {
    let dir = tempfile::tempdir().unwrap();
    let mut tui = demo_batch(dir.path());
    tui.send(b"q");
    tui.wait_for("y quit");
    tui.send(b"y");
    assert_eq!(tui.wait_exit(), 0);
    let stdout = tui.stdout();
    assert!(
        stdout.contains("oauth-alice"),
        "the rows are listed:\n{stdout}"
    );
    assert!(
        !stdout.contains("await their account owner's consent")
            && !stdout.contains("http://127.0.0.1"),
        "the demo's consent pages are gone with it:\n{stdout}"
    );
}
