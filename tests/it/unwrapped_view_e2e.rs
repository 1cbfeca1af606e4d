//! Back from the unwrapped URL (`u` on Authorize) on a terminal that never answers a cursor
//! position request, as the pty of these tests does not (nor do some multiplexers, serial
//! consoles and slow links): the wizard must not ask, or it waits 2 s and fails.

use std::time::Duration;

use crate::common::e2e::Sim;
use crate::common::pty::Spawn;
use crate::messages_e2e::{at_authorize, oauth_args};

/// Device Status Report 6: "where is the cursor?"
const CURSOR_QUERY: &[u8] = b"\x1b[6n";

#[test]
fn back_from_the_unwrapped_url_without_asking_the_terminal_where_the_cursor_is() {
    // Never approved: the wizard stays on Authorize.
    let sim = Sim::start(600_000);
    let dir = tempfile::tempdir().unwrap();
    let spawn = Spawn::new(&oauth_args(&sim, "Unwrapped", &["--no-browser"]));
    let mut tui = at_authorize(&sim, dir.path(), spawn);
    tui.wait_for("ASSOCIATION_IN_PROGRESS");

    tui.send(b"u");
    tui.wait_for("on one line so your terminal selects it whole");
    tui.send(b"x");
    tui.wait_for("Authorize in a browser");
    // Longer than crossterm waits for an answer (2 s): a query would have failed by now.
    std::thread::sleep(Duration::from_secs(3));
    let screen = tui.screen();
    assert!(
        screen.contains("Authorize in a browser") && !screen.contains("terminal I/O failed"),
        "the wizard left the Authorize screen\n{}",
        tui.dump()
    );
    let raw = tui.raw();
    assert!(
        !raw.windows(CURSOR_QUERY.len()).any(|w| w == CURSOR_QUERY),
        "the terminal was asked for the cursor position"
    );
    // Still the wizard: Ctrl-C asks (an association is followed), a second one leaves.
    tui.send(b"\x03");
    tui.wait_for("Quit?");
    tui.send(b"\x03");
    assert_eq!(tui.wait_exit(), 130, "{}", tui.dump());
}

#[test]
fn the_unwrapped_url_is_drawn_on_the_alternate_screen_and_gone_after_exit() {
    let sim = Sim::start(600_000);
    let dir = tempfile::tempdir().unwrap();
    let spawn = Spawn::new(&oauth_args(&sim, "Unwrapped gone", &["--no-browser"]));
    let mut tui = at_authorize(&sim, dir.path(), spawn);
    tui.wait_for("ASSOCIATION_IN_PROGRESS");
    tui.send(b"u");
    tui.wait_for("on one line so your terminal selects it whole");
    tui.send(b"x");
    tui.wait_for("Authorize in a browser");
    tui.send(b"\x03");
    tui.wait_for("Quit?");
    tui.send(b"\x03");
    assert_eq!(tui.wait_exit(), 130, "{}", tui.dump());
    // Back on the shell's screen: the URL is not left in its scrollback.
    let screen = tui.screen();
    assert!(
        !screen.contains("selects it whole") && !screen.contains("oauth/authorize"),
        "the unwrapped view stayed on the primary screen:\n{screen}"
    );
}
