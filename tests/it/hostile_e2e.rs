//! A service that sends terminal escape sequences, bidi overrides and very long words in the
//! strings it returns: the screen shows them inert, and none reaches the terminal raw (checked
//! on the bytes the program wrote to the pty).

use crate::common;
use crate::common::e2e::{Sim, wizard_args};
use crate::common::pty::{Spawn, Tui};
use iotmi_simulator::SimConfig;

const ENTER: &[u8] = b"\r";
/// Set the window title, ask for the cursor position (the answer would arrive as typed keys),
/// a hyperlink, a clipboard write, a right-to-left override, a C1 CSI, clear screen.
pub(crate) const TITLE: &str = "\u{1b}]0;HACKED\u{7}";
pub(crate) const DSR: &str = "\u{1b}[6n";
const LINK: &str = "\u{1b}]8;;https://evil.example/\u{1b}\\click\u{1b}]8;;\u{1b}\\";
pub(crate) const CLIPBOARD: &str = "\u{1b}]52;c;SGFja2Vk\u{7}";
pub(crate) const RLO: &str = "\u{202e}";
const C1_CSI: &str = "\u{9b}31m";

fn hostile_seed(dir: &std::path::Path) -> std::path::PathBuf {
    let long_word = "W".repeat(400);
    let seed = serde_json::json!({
        "CloudConnectors": [{
            "Id": "evil-cloud",
            "Name": format!("Evil{CLIPBOARD}Cloud"),
            "Description": "connector",
            "Type": "LISTED",
            "EndpointType": "LAMBDA",
            "EndpointConfig": {"lambda": {"arn": "arn:aws:lambda:us-east-1:123456789012:function:evil"}}
        }],
        "ConnectorDestinations": [{
            "Id": "evil-dest",
            "Name": format!("Evil {TITLE}{DSR} dest {RLO}gnp.exe"),
            "Description": format!("{LINK} {C1_CSI} \u{1b}[2J {long_word}"),
            "CloudConnectorId": "evil-cloud",
            "AuthType": "OAUTH",
            "AuthConfig": {"oAuth": {
                "authUrl": "https://login.example.com/authorize",
                "tokenUrl": "https://login.example.com/token",
                "tokenEndpointAuthenticationScheme": "HTTP_BASIC"
            }}
        }],
        "AccountAssociations": [{
            "AccountAssociationId": "0123456789abcdef0123456789abcdef",
            "ConnectorDestinationId": "evil-dest",
            "Name": format!("Broken {TITLE} one"),
            "AssociationState": "ASSOCIATION_FAILED",
            "ErrorMessage": format!("denied {CLIPBOARD}{DSR}{RLO} {long_word}")
        }]
    });
    let path = dir.join("hostile.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&seed).unwrap()).unwrap();
    path
}

/// None of the hostile sequences reached the terminal raw (also used on hostile journals).
pub(crate) fn assert_inert(raw: &[u8]) {
    let contains = |needle: &[u8]| raw.windows(needle.len()).any(|w| w == needle);
    for (what, needle) in [
        ("title sequence", b"\x1b]0;".as_slice()),
        ("HACKED title text with its BEL", b"HACKED\x07".as_slice()),
        ("cursor position request", b"\x1b[6n".as_slice()),
        ("hyperlink", b"\x1b]8;".as_slice()),
        ("clipboard write", b"\x1b]52;".as_slice()),
        ("right-to-left override", RLO.as_bytes()),
        ("C1 CSI", C1_CSI.as_bytes()),
    ] {
        assert!(!contains(needle), "the {what} reached the terminal raw");
    }
}

#[test]
fn hostile_strings_are_shown_inert_in_the_list_details_and_manage_view() {
    let dir = tempfile::tempdir().unwrap();
    let seed = hostile_seed(dir.path());
    let sim = Sim::with(SimConfig {
        seed: Some(seed),
        ..common::config()
    });

    let mut tui = Tui::spawn(
        dir.path(),
        Spawn::new(&wizard_args(&sim, &["--no-browser"])),
    );
    tui.wait_for("Create a new association");
    tui.send(ENTER);
    // The escape is drawn as a visible stand-in, the rest of the text kept.
    tui.wait_for("␛]0;HACKED");
    tui.wait_for("gnp.exe");
    tui.wait_for("WWWW");
    tui.send(ENTER);
    tui.wait_for("Step 2 of 6");
    tui.send(b"\x03");
    assert_eq!(tui.wait_exit(), 130);
    assert_inert(&tui.raw());

    let mut manage = Tui::spawn(
        dir.path(),
        Spawn::new(&wizard_args(&sim, &["--manage", "--no-browser"])),
    );
    manage.wait_for("Broken");
    manage.send(ENTER);
    manage.wait_for("denied");
    manage.send(b"q");
    assert_eq!(manage.wait_exit(), 0);
    assert_inert(&manage.raw());
}
