//! `demo --autoplay` in a pty: the walkthrough plays itself to the summary and exits 0, the
//! same seed plays the same walkthrough, Space pauses, any other key hands the wizard back,
//! and `--loop` starts over (the associations it made are read back with the SDK).

use std::time::{Duration, Instant};

use aws_sdk_iotmanagedintegrations::Client;

use crate::common::bin::wizard_command;
use crate::common::pty::{Spawn, Tui};

fn autoplay(dir: &std::path::Path, extra: &[&str]) -> Tui {
    let mut args = vec!["demo", "--autoplay"];
    args.extend(extra);
    Tui::spawn(
        dir,
        Spawn::new(&args)
            .env("DISPLAY", None)
            .env("WAYLAND_DISPLAY", None),
    )
}

fn summary(tui: &Tui) -> serde_json::Value {
    serde_json::from_str(&tui.stdout()).unwrap_or_else(|e| panic!("{e}: {}", tui.dump()))
}

/// Plays a whole walkthrough unattended; the summary it ends with.
fn play_to_the_end(seed: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let mut tui = autoplay(
        dir.path(),
        &["--pace", "fast", "--seed", seed, "--output", "json"],
    );
    // Milestones, each within the usual wait: the whole run is longer than one.
    for milestone in ["Step 2 of 6", "Step 5 of 6", "Step 6 of 6", "Devices"] {
        tui.wait_for(milestone);
    }
    assert_eq!(tui.wait_exit(), 0, "{}", tui.dump());
    summary(&tui)
}

#[test]
fn autoplay_reaches_the_summary_unattended_and_a_seed_plays_the_same_walkthrough() {
    let (first, second) = std::thread::scope(|s| {
        let first = s.spawn(|| play_to_the_end("7"));
        let second = s.spawn(|| play_to_the_end("7"));
        (first.join().unwrap(), second.join().unwrap())
    });
    assert_eq!(
        first["AssociationState"], "ASSOCIATION_SUCCEEDED",
        "{first}"
    );
    for field in [
        "Name",
        "ConnectorDestinationId",
        "DevicesFound",
        "DevicesAdopted",
    ] {
        assert_eq!(first[field], second[field], "{field}: {first} vs {second}");
    }
    assert_eq!(first["DevicesFound"], first["DevicesAdopted"], "{first}");
}

#[test]
fn a_key_during_autoplay_hands_the_wizard_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut tui = autoplay(dir.path(), &["--seed", "3"]);
    tui.wait_for("▶ autoplay");
    tui.wait_for("Step 2 of 6");
    tui.send(b"x");
    tui.wait_for("Autoplay stopped: the wizard is yours");
    assert!(!tui.screen().contains("▶ autoplay"), "{}", tui.screen());
    // Left alone, nothing moves any more.
    let held = tui.screen();
    std::thread::sleep(Duration::from_secs(3));
    assert!(tui.screen().contains("Step 2 of 6"), "{}", tui.screen());
    let field = |screen: &str| {
        screen
            .lines()
            .skip_while(|l| !l.contains("Name"))
            .nth(1)
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(field(&tui.screen()), field(&held));
    // The person's keys act again: Esc goes back a step.
    tui.send(b"\x1b");
    tui.wait_for("Step 1 of 6");
    tui.send(b"\x03");
    assert_eq!(tui.wait_exit(), 130);
}

#[test]
fn space_pauses_and_resumes_autoplay() {
    let dir = tempfile::tempdir().unwrap();
    let mut tui = autoplay(dir.path(), &["--seed", "3"]);
    tui.wait_for("Step 1 of 6");
    tui.send(b" ");
    tui.wait_for("⏸ paused");
    let held = tui.screen();
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(tui.screen(), held, "paused, nothing moves");
    tui.send(b" ");
    tui.wait_for("▶ autoplay");
    tui.wait_for("Step 2 of 6");
    tui.send(b"\x03");
    assert_eq!(tui.wait_exit(), 130);
}

#[test]
fn loop_starts_over_and_each_round_creates_an_association() {
    let port = crate::common::port_outside_the_ephemeral_range().to_string();
    let dir = tempfile::tempdir().unwrap();
    let mut tui = autoplay(
        dir.path(),
        &["--pace", "fast", "--loop", "--seed", "11", "--port", &port],
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let sdk = iotmi_onboard::aws::demo_sdk_config(&format!("http://127.0.0.1:{port}"));
    let client = Client::new(&sdk);
    let created = || {
        rt.block_on(client.list_account_associations().send())
            .map(|out| {
                out.items()
                    .iter()
                    .filter(|a| a.description() == Some("Linked live on stage"))
                    .count()
            })
            .unwrap_or(0)
    };
    let deadline = Instant::now() + Duration::from_secs(90);
    while created() < 2 {
        assert!(Instant::now() < deadline, "{}", tui.dump());
        std::thread::sleep(Duration::from_millis(250));
    }
    // A new round begins at Start again, still playing.
    tui.wait_for("▶ autoplay");
    // Ctrl-C stops it (and asks first while a call is in flight: twice quits now).
    tui.send(b"\x03\x03");
    tui.wait_exit();
}

#[test]
fn autoplay_refuses_plain_mode() {
    let dir = tempfile::tempdir().unwrap();
    let out = wizard_command(dir.path(), &["demo", "--autoplay", "--plain"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--autoplay"), "{stderr}");
}
