//! Keys do only what the screen shows, through the real binary in a pty: a window too small to
//! show anything acts on nothing, keys typed while a step waits for the service never reach
//! the next screen, and a paste without bracketed paste is not run as commands.

use crate::common::e2e::{Sim, wizard_args};
use crate::common::pty::{Spawn, Tui};
use iotmi_simulator::SimConfig;

const ENTER: &[u8] = b"\r";
const ESC: &[u8] = b"\x1b";
const CTRL_C: &[u8] = b"\x03";

fn prefilled(sim: &Sim, dir: &std::path::Path, name: &str) -> Tui {
    Tui::spawn(
        dir,
        Spawn::new(&wizard_args(
            sim,
            &[
                "--destination",
                "acme-home-us",
                "--name",
                name,
                "--no-browser",
            ],
        )),
    )
}

fn named(sim: &Sim, name: &str) -> usize {
    sim.associations()
        .iter()
        .filter(|a| a.name() == Some(name))
        .count()
}

#[test]
fn a_window_too_small_to_see_acts_on_no_key() {
    let sim = Sim::start(200);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut tui = prefilled(&sim, dir.path(), "Too small");
    tui.wait_for("Acme Home US");
    for step in ["Name and description", "Tags", "Review"] {
        tui.send(ENTER);
        tui.wait_for(step);
    }
    tui.resize(40, 12);
    tui.wait_for("Terminal too small");
    // Escs that would walk back to step 1, and an Enter that would submit.
    tui.send(ESC);
    tui.send(ESC);
    tui.send(ESC);
    tui.send(ENTER);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        tui.screen().contains("Terminal too small"),
        "{}",
        tui.dump()
    );
    tui.resize(80, 24);
    tui.wait_for("Step 4 of 6 · Review");
    assert_eq!(named(&sim, "Too small"), 0, "nothing was created");
    tui.send(CTRL_C);
    assert_eq!(tui.wait_exit(), 130, "{}", tui.dump());
}

#[test]
fn keys_typed_while_a_step_waits_never_reach_the_next_screen() {
    let sim = Sim::with(SimConfig {
        latency_ms: 1_500,
        ..crate::common::config()
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let mut tui = prefilled(&sim, dir.path(), "Typed ahead");
    tui.wait_for("Acme Home US");
    // Enter loads the destination's details (slowly); Backspace arrives meanwhile.
    tui.send(ENTER);
    tui.send(b"\x7f");
    tui.wait_for("Busy");
    tui.wait_for("Step 2 of 6 · Name and description");
    tui.wait_for("Typed ahead");
    assert!(
        !tui.screen().contains("Typed ahea "),
        "the name lost no character: {}",
        tui.dump()
    );
    tui.send(CTRL_C);
    tui.wait_exit();
}

#[test]
fn a_paste_without_bracketed_paste_is_a_paste_not_commands() {
    let sim = Sim::start(200);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut tui = prefilled(&sim, dir.path(), "Pasted tags");
    tui.wait_for("Acme Home US");
    tui.send(ENTER);
    tui.wait_for("Name and description");
    tui.send(ENTER);
    tui.wait_for("Step 3 of 6 · Tags");
    // As a terminal without bracketed paste delivers it: plain keystrokes, in one write.
    tui.send(b"site=hq,dept=qa");
    tui.wait_for("dept");
    let screen = tui.screen();
    assert!(
        screen.contains("site") && screen.contains("hq") && screen.contains("qa"),
        "both pairs became tags: {}",
        tui.dump()
    );
    assert!(!screen.contains("Edit tag"), "no 'e' ran: {}", tui.dump());
    tui.send(CTRL_C);
    tui.wait_exit();
}

#[test]
fn a_seven_character_paste_on_the_tags_list_adds_tags_and_deletes_nothing() {
    let sim = Sim::start(200);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut tui = prefilled(&sim, dir.path(), "Short paste");
    tui.wait_for("Acme Home US");
    tui.send(ENTER);
    tui.wait_for("Name and description");
    tui.send(ENTER);
    tui.wait_for("Step 3 of 6 · Tags");
    // As `tmux send-keys -l` delivers it: plain keystrokes in one write, no brackets. Typed,
    // `a` would open the editor and `d` delete the selected tag.
    tui.send(b"a=1,b=2");
    tui.wait_for(" Tags 2/");
    tui.send(b"c=3,d=4");
    tui.wait_for(" Tags 4/");
    let screen = tui.screen();
    assert!(
        !screen.contains("Deleted") && !screen.contains("New key"),
        "no command ran: {}",
        tui.dump()
    );
    tui.send(CTRL_C);
    tui.wait_exit();
}

#[test]
fn a_bracketed_paste_without_its_end_times_out_as_text_and_ctrl_c_still_quits() {
    let sim = Sim::start(200);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut tui = prefilled(&sim, dir.path(), "Open paste");
    tui.wait_for("Acme Home US");
    tui.send(ENTER);
    tui.wait_for("Name and description");
    tui.send(ENTER);
    tui.wait_for("Step 3 of 6 · Tags");
    tui.send(b"\x1b[200~x=1");
    tui.wait_for(" Tags 1/");
    // Another that never ends, and Ctrl-C typed while it is open.
    tui.send(b"\x1b[200~y=2");
    std::thread::sleep(std::time::Duration::from_millis(50));
    tui.send(CTRL_C);
    assert_eq!(tui.wait_exit(), 130, "{}", tui.dump());
}

/// The text the program wrote to the terminal (its stderr lands there after the UI closes).
fn written(tui: &Tui) -> String {
    String::from_utf8_lossy(&tui.raw()).into_owned()
}

#[test]
fn q_asks_before_losing_a_demo_draft_and_is_no_interrupt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut tui = Tui::spawn(dir.path(), Spawn::new(&["demo", "--no-browser"]));
    tui.wait_for("Create a new association");
    tui.send(ENTER);
    tui.wait_for("Acme Home US");
    tui.send(ENTER);
    tui.wait_for("Step 2 of 6");
    tui.send(ENTER);
    tui.wait_for("Step 3 of 6 · Tags");
    // The demo keeps no journal: `q` would lose the draft, so it asks.
    tui.send(b"q");
    tui.wait_for("Quit?");
    tui.wait_for("quitting loses this draft");
    tui.send(b"n");
    tui.wait_until("the question closed", |tui| !tui.screen().contains("Quit?"));
    tui.wait_for("Step 3 of 6 · Tags");
    tui.send(b"q");
    tui.wait_for("Quit?");
    tui.send(b"y");
    assert_eq!(tui.wait_exit(), 1, "q is no Ctrl-C: {}", tui.dump());
    assert!(
        written(&tui).contains("The draft is not kept: a demo keeps no journal."),
        "{}",
        tui.dump()
    );
    assert!(tui.stdout().is_empty());
}

#[test]
fn q_with_a_journaled_draft_leaves_at_once_and_says_how_to_resume() {
    let sim = Sim::start(200);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut tui = prefilled(&sim, dir.path(), "Saved by q");
    tui.wait_for("Acme Home US");
    tui.send(ENTER);
    tui.wait_for("Step 2 of 6");
    tui.send(ENTER);
    tui.wait_for("Step 3 of 6 · Tags");
    tui.send(b"q");
    assert_eq!(tui.wait_exit(), 1, "{}", tui.dump());
    let resume = format!(
        "Your draft is saved: run `iotmi-onboard --region us-east-1 --endpoint-url {}` to resume it.",
        sim.endpoint()
    );
    assert!(written(&tui).contains(&resume), "{}", written(&tui));
    assert_eq!(named(&sim, "Saved by q"), 0);

    // The command it names does resume it.
    let mut again = Tui::spawn(
        dir.path(),
        Spawn::new(&crate::common::e2e::wizard_args(&sim, &[])),
    );
    again.wait_for("An unfinished onboarding was saved");
    again.send(ENTER);
    again.wait_for("Step 3 of 6 · Tags");
    again.send(CTRL_C);
    assert_eq!(again.wait_exit(), 130);
}
