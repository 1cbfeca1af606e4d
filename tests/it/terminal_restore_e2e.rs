//! However the program ends, the terminal is left as it was found: cooked mode (line editing
//! and echo), the main screen, the cursor shown, bracketed paste off. Checked through the pty.

use crate::common::e2e::{Sim, wizard_args};
use crate::common::pty::{Spawn, Tui};

fn assert_restored(tui: &Tui) {
    assert!(tui.cooked(), "the terminal is back in cooked mode");
    let raw = tui.raw();
    let last = |needle: &[u8]| raw.windows(needle.len()).rposition(|w| w == needle);
    let entered = last(b"\x1b[?1049h").expect("the UI used the alternate screen");
    assert!(
        last(b"\x1b[?1049l").is_some_and(|left| left > entered),
        "back on the main screen"
    );
    assert!(
        last(b"\x1b[?25h").is_some_and(|shown| shown > entered),
        "cursor shown"
    );
    assert!(
        last(b"\x1b[?2004l").is_some_and(|off| off > entered),
        "bracketed paste off"
    );
}

fn running(sim: &Sim, dir: &std::path::Path) -> Tui {
    let tui = Tui::spawn(dir, Spawn::new(&wizard_args(sim, &["--no-browser"])));
    tui.wait_for("Create a new association");
    assert!(!tui.cooked(), "raw mode while the UI runs");
    tui
}

#[test]
fn sigterm_restores_the_terminal() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let mut tui = running(&sim, dir.path());
    tui.signal("TERM");
    assert_eq!(tui.wait_exit(), 143);
    assert_restored(&tui);
}

#[test]
fn sighup_restores_the_terminal() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let mut tui = running(&sim, dir.path());
    tui.signal("HUP");
    assert_eq!(tui.wait_exit(), 129);
    assert_restored(&tui);
}

#[test]
fn ctrl_c_restores_the_terminal() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let mut tui = running(&sim, dir.path());
    tui.send(b"\x03");
    assert_eq!(tui.wait_exit(), 130);
    assert_restored(&tui);
}

#[test]
fn a_panic_restores_the_terminal_and_reports() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let mut tui = Tui::spawn(
        dir.path(),
        Spawn::new(&wizard_args(&sim, &["--no-browser"]))
            .env("IOTMI_ONBOARD_TEST_PANIC", Some("1")),
    );
    let status = tui.wait_exit();
    assert_ne!(status, 0);
    assert_restored(&tui);
    // The panic message is printed on the restored (main) screen, readable.
    tui.wait_for_raw(b"panic requested");
}
