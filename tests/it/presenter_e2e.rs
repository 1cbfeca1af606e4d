//! `demo` as a presenter runs it, in a pty: the banner says it is a demo, and the keyboard
//! plays the account owner (A approve, D deny, X expire) through the simulator's own consent
//! chain: no browser command is configured and the test drives no consent page itself. What
//! the service then holds is read back with the SDK on the demo's `--port`.

use std::time::Duration;

use aws_sdk_iotmanagedintegrations::Client;
use aws_sdk_iotmanagedintegrations::types::AssociationState;

use crate::common::bin::wizard_command;
use crate::common::e2e::{Sim, wizard_args};
use crate::common::pty::{Spawn, Tui};

const ENTER: &[u8] = b"\r";
const BANNER: &str = "DEMO · built-in simulator · nothing real is created";

fn free_port() -> String {
    crate::common::port_outside_the_ephemeral_range().to_string()
}

/// The demo on `port`, at the Authorize step of a new association named `name`; no browser
/// can be launched (no display) and none is configured.
fn demo_at_authorize(dir: &std::path::Path, port: &str, name: &str) -> Tui {
    let spawn = Spawn::new(&[
        "demo",
        "--port",
        port,
        "--pace",
        "fast",
        "--destination",
        "acme-home-us",
        "--name",
        name,
    ])
    .env("DISPLAY", None)
    .env("WAYLAND_DISPLAY", None)
    .env("BROWSER", None);
    let mut tui = Tui::spawn(dir, spawn);
    tui.wait_for(BANNER);
    tui.enter_to_authorize();
    tui.wait_for("A approve · D deny");
    tui.wait_for("No browser opened");
    tui
}

/// The demo's service, read back as any SDK client would.
struct Service {
    rt: tokio::runtime::Runtime,
    client: Client,
}

impl Service {
    fn at(port: &str) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let sdk = iotmi_onboard::aws::demo_sdk_config(&format!("http://127.0.0.1:{port}"));
        Self {
            rt,
            client: Client::new(&sdk),
        }
    }

    /// The one association named `name`: its state and error message.
    fn association(&self, name: &str) -> (AssociationState, Option<String>) {
        self.rt.block_on(async {
            let listed = self
                .client
                .list_account_associations()
                .send()
                .await
                .expect("ListAccountAssociations");
            let named: Vec<_> = listed
                .items()
                .iter()
                .filter(|a| a.name() == Some(name))
                .collect();
            assert_eq!(named.len(), 1, "{:?}", listed.items());
            let got = self
                .client
                .get_account_association()
                .account_association_id(named[0].account_association_id())
                .send()
                .await
                .expect("GetAccountAssociation");
            (
                got.association_state().clone(),
                got.error_message().map(str::to_owned),
            )
        })
    }
}

#[test]
fn a_approves_and_x_expires_as_the_account_owner_would() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut tui = demo_at_authorize(dir.path(), &port, "On stage");
    let service = Service::at(&port);
    assert_eq!(
        service.association("On stage").0,
        AssociationState::AssociationInProgress
    );
    tui.send(b"A");
    tui.wait_for("Done: associated");
    tui.wait_for("X expire");
    assert_eq!(
        service.association("On stage").0,
        AssociationState::AssociationSucceeded
    );
    tui.send(b"X");
    tui.wait_for("REFRESH_TOKEN_EXPIRED");
    tui.wait_for("r refresh");
    let (state, message) = service.association("On stage");
    assert_eq!(state, AssociationState::RefreshTokenExpired);
    assert!(message.is_some_and(|m| !m.is_empty()));
    // The refresh's new link is answered from the keyboard too.
    tui.send(b"r");
    tui.wait_for("Demo: play the account owner here");
    tui.send(b"A");
    tui.wait_for("Done: associated");
    assert_eq!(
        service.association("On stage").0,
        AssociationState::AssociationSucceeded
    );
    tui.send(ENTER);
    assert_eq!(tui.wait_exit(), 0, "{}", tui.dump());
}

#[test]
fn d_denies_and_the_association_fails_with_the_deny_message() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut tui = demo_at_authorize(dir.path(), &port, "Refused");
    // From the State screen too (Enter shows it).
    tui.send(ENTER);
    tui.wait_for("Association state");
    tui.wait_for("A approve · D deny");
    tui.send(b"D");
    tui.wait_for("Association failed");
    let (state, message) = Service::at(&port).association("Refused");
    assert_eq!(state, AssociationState::AssociationFailed);
    let message = message.expect("an error message");
    // The screen shows the service's own message.
    tui.wait_for(&format!("The service says: {message}"));
    assert!(message.contains("denied"), "{message}");
    tui.send(ENTER);
    // 3, as `create --wait` exits for a failed association: one exit-status table.
    assert_eq!(tui.wait_exit(), 3, "{}", tui.dump());
}

#[test]
fn at_60x16_the_banner_and_the_owner_keys_still_show() {
    let dir = tempfile::tempdir().unwrap();
    let spawn = Spawn::new(&["demo", "--pace", "fast", "--destination", "acme-home-us"])
        .size(60, 16)
        .env("DISPLAY", None)
        .env("WAYLAND_DISPLAY", None);
    let mut tui = Tui::spawn(dir.path(), spawn);
    tui.wait_for(BANNER);
    for _ in 0..4 {
        tui.send(ENTER);
        std::thread::sleep(Duration::from_millis(200));
    }
    tui.wait_for("Authorize in a browser");
    tui.wait_until("the owner keys in the footer", |t| {
        t.screen()
            .lines()
            .last()
            .is_some_and(|footer| footer.contains("A approve") && footer.contains("D deny"))
    });
    tui.send(b"\x03\x03");
    tui.wait_exit();
}

#[test]
fn outside_a_demo_the_owner_keys_are_neither_shown_nor_acted_on() {
    let sim = Sim::start(50);
    let dir = tempfile::tempdir().unwrap();
    let args = wizard_args(&sim, &["--destination", "acme-home-us", "--name", "Real"]);
    let mut tui = Tui::spawn(dir.path(), Spawn::new(&args).env("DISPLAY", None));
    tui.wait_for("Acme Home US");
    tui.enter_to_authorize();
    assert!(!tui.screen().contains("approve ·"), "{}", tui.screen());
    assert!(!tui.screen().contains("DEMO"), "{}", tui.screen());
    tui.send(b"A");
    std::thread::sleep(Duration::from_millis(1500));
    let listed = sim.associations();
    let real: Vec<_> = listed.iter().filter(|a| a.name() == Some("Real")).collect();
    assert_eq!(real.len(), 1, "{listed:?}");
    assert_eq!(
        real[0].association_state(),
        &AssociationState::AssociationInProgress
    );
    tui.send(b"\x03\x03");
    tui.wait_exit();
}

#[test]
fn plain_demo_says_it_is_a_demo_once_and_answers_as_the_owner() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = wizard_command(
        dir.path(),
        &[
            "demo",
            "--plain",
            "--pace",
            "fast",
            "--destination",
            "acme-home-us",
            "--name",
            "Plain stage",
            "--output",
            "json",
        ],
    );
    let out = crate::common::bin::run_bounded(
        &mut command,
        "\n\n\n\ny\na\nn\n",
        None,
        crate::common::pty::timeout(),
    );
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    assert_eq!(out.stderr.matches("DEMO:").count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("nothing real is created"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("a = approve, d = deny"),
        "{}",
        out.stderr
    );
    let summary: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON summary");
    assert_eq!(summary["AssociationState"], "ASSOCIATION_SUCCEEDED");
}
