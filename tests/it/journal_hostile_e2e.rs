//! A journal turned into an attack, through the real binary: something that is not a regular
//! file (a FIFO, a link to /dev/zero), a huge file, a state directory that is a link, strings
//! with terminal escapes. Start-up stays quick and small, nothing is chmodded or written
//! through a link, and the strings reach the terminal inert.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::common::bin::{Bounded, run_bounded, wizard_command};
use crate::common::e2e::{Sim, wizard_args};
use crate::common::mkfifo;
use crate::common::pty::{Spawn, Tui};
use crate::hostile_e2e::{CLIPBOARD, DSR, RLO, TITLE, assert_inert};
use iotmi_core::journal::{Journal, SavedStep, VERSION};
use iotmi_core::service::DestinationDetail;
use iotmi_onboard::journal::{JournalKey, JournalStore};

/// Far more than a start-up takes; a hang is killed here.
const DEADLINE: Duration = Duration::from_secs(20);
/// Peak RSS a start-up stays under (a demo flow peaks near 13 MB in release, 18 in debug).
const SMALL_KIB: u64 = 64 * 1024;

/// The journal file this test's runs use (`XDG_STATE_HOME` is `state_home`).
fn journal_path(state_home: &Path, sim: &Sim) -> PathBuf {
    store(state_home).path(&key(sim))
}

fn store(state_home: &Path) -> JournalStore {
    JournalStore::new(state_home.join("iotmi-onboard"))
}

fn key(sim: &Sim) -> JournalKey {
    JournalKey {
        profile: "default".into(),
        region: "us-east-1".into(),
        endpoint: sim.endpoint(),
    }
}

/// Plain mode given `answers`, its input closed once stderr shows `started` (the start-up's
/// notice): then it ends with exit 130.
fn start_plain(state_home: &Path, sim: &Sim, answers: &str, started: Option<&str>) -> Bounded {
    let args = wizard_args(sim, &["--plain", "--no-browser"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_bounded(
        &mut wizard_command(state_home, &args),
        answers,
        started,
        DEADLINE,
    )
}

/// What plain mode says of a journal it could not read.
const UNREAD: Option<&str> = Some("could not be read");

/// Plain mode's start-up after `plant` put something at the journal's path: it ends, exit 130.
fn start_over(plant: impl FnOnce(&Path)) -> (tempfile::TempDir, PathBuf, Bounded) {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let path = journal_path(dir.path(), &sim);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    plant(&path);
    let run = start_plain(dir.path(), &sim, "", UNREAD);
    assert!(!run.timed_out, "start-up did not end: {run:?}");
    assert_eq!(run.code, Some(130), "{run:?}");
    (dir, path, run)
}

#[track_caller]
fn assert_small(run: &Bounded) {
    // Zero would mean it was never measured.
    assert!(
        (1..SMALL_KIB).contains(&run.max_rss_kib),
        "peak RSS {} KiB",
        run.max_rss_kib
    );
}

#[test]
fn a_fifo_journal_does_not_hang_start_up() {
    let (_dir, path, run) = start_over(mkfifo);
    assert!(run.elapsed < Duration::from_secs(10), "{run:?}");
    assert!(run.stderr.contains("is a FIFO"), "{}", run.stderr);
    assert!(run.stderr.contains("left as it is"), "{}", run.stderr);
    let kind = std::fs::symlink_metadata(&path).unwrap().file_type();
    assert!(std::os::unix::fs::FileTypeExt::is_fifo(&kind), "left alone");
}

#[test]
fn a_journal_linked_to_dev_zero_is_refused_quickly_in_bounded_memory() {
    let (_dir, _, run) = start_over(|path| std::os::unix::fs::symlink("/dev/zero", path).unwrap());
    assert_small(&run);
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
}

#[test]
fn a_400_mb_journal_is_set_aside_unread() {
    let (_dir, path, run) = start_over(|path| {
        // Sparse: 400 MB to whoever reads it, no disk written.
        let file = std::fs::File::create(path).unwrap();
        std::io::Write::write_all(&mut &file, br#"{"version": 1, "name": ""#).unwrap();
        file.set_len(400 * 1024 * 1024).unwrap();
    });
    assert_small(&run);
    assert!(
        run.stderr.contains("larger than 1024 KiB"),
        "{}",
        run.stderr
    );
    let moved: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".corrupt-"))
        .collect();
    assert_eq!(moved.len(), 1, "set aside as corrupt journals are");
}

#[test]
fn a_symlinked_state_directory_keeps_its_targets_mode() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("elsewhere");
    std::fs::create_dir(&target).unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755)).unwrap();
    let state_home = dir.path().join("state");
    std::fs::create_dir(&state_home).unwrap();
    std::os::unix::fs::symlink(&target, state_home.join("iotmi-onboard")).unwrap();
    // A destination and a name: a run that keeps a journal would write one.
    let run = start_plain(&state_home, &sim, "acme-home-us\nLinked state\n", None);
    assert_eq!(run.code, Some(130), "{run:?}");
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o755, "the link's target was chmodded");
    let written: Vec<_> = std::fs::read_dir(&target).unwrap().collect();
    assert!(written.is_empty(), "written through the link: {written:?}");
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
}

/// A journal at the Tags step whose name and tags carry terminal escapes.
fn tampered(state_home: &Path, sim: &Sim) {
    let journal = Journal {
        version: VERSION,
        saved_at: 0,
        step: SavedStep::Tags,
        destination: Some(DestinationDetail {
            id: "acme-home-us".into(),
            name: "Acme Home US".into(),
            description: String::new(),
            cloud_connector_id: "acme-home-cloud".into(),
            auth_materials: Vec::new(),
            has_oauth: true,
        }),
        draft: iotmi_core::draft::Draft {
            name: Some(format!("Evil{TITLE}{DSR} name")),
            tags: vec![(format!("k{CLIPBOARD}"), format!("v{RLO}x"))],
            ..Default::default()
        },
        token_seed: "tamperedseed".into(),
        token_counter: 0,
        unanswered: None,
        association_id: None,
        devices: None,
    };
    // save() writes what it is given: the tampering.
    store(state_home).save(&key(sim), &journal).unwrap();
}

#[test]
fn a_tampered_journal_shows_its_escapes_inert() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let state_home = dir.path().join("state");
    tampered(&state_home, &sim);

    let mut tui = Tui::spawn(
        dir.path(),
        Spawn::new(&wizard_args(&sim, &["--no-browser"])),
    );
    tui.wait_for("An unfinished onboarding was saved");
    // Visible stand-ins, not swallowed controls.
    tui.wait_for("Evil␛]0;HACKED␇␛[6n name");
    tui.send(b"\r");
    tui.wait_for("Step 3 of");
    tui.wait_for("k␛]52;c;SGFja2Vk␇");
    tui.send(b"\x03");
    assert_eq!(tui.wait_exit(), 130, "{}", tui.dump());
    assert_inert(&tui.raw());

    // Plain mode, from the same journal (the TUI left it as it was).
    tampered(&state_home, &sim);
    let run = start_plain(&state_home, &sim, "\n", None);
    assert_eq!(run.code, Some(130), "{run:?}");
    assert!(
        run.stderr.contains("Evil␛]0;HACKED␇␛[6n name"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains('\x1b') && !run.stdout.contains('\x1b'));
    assert!(!run.stderr.contains(RLO), "{}", run.stderr);
}
