//! Handing the consent URL over in real terminals: `c` inside a tmux server with default
//! options (`set-clipboard external`, `allow-passthrough off`) puts the exact URL in tmux's
//! buffer; the URL's rows are OSC 8 hyperlinks; `demo --port` over SSH names the `ssh -L` line.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::common;
use crate::common::e2e::{Sim, big_cloud_oauth, big_cloud_seed, wizard_args};
use crate::common::pty::{Spawn, Tui};

/// A tmux server of the test's own (`-L`, `-f /dev/null`: default options), killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(dir: &std::path::Path, command: &[String]) -> Self {
        let socket = format!("iotmi-test-{}-{}", std::process::id(), fastrand::u64(..));
        let mut env: Vec<String> = common::bin::FAKE_AWS
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        env.push(format!("XDG_STATE_HOME={}", dir.display()));
        env.push("NO_PROXY=127.0.0.1".into());
        let mut args = vec!["env".to_string(), "-u".into(), "AWS_PROFILE".into()];
        args.extend(env);
        args.push(common::bin::BIN.into());
        args.extend(command.iter().cloned());
        let tmux = Self { socket };
        let status = tmux
            .cmd()
            .args(["new-session", "-d", "-s", "t", "-x", "100", "-y", "30"])
            .args(args)
            .status()
            .expect("tmux is installed (.ci/run installs it)");
        assert!(status.success(), "tmux new-session");
        tmux
    }

    fn cmd(&self) -> Command {
        let mut command = Command::new("tmux");
        command.args(["-L", &self.socket, "-f", "/dev/null"]);
        command
    }

    fn screen(&self) -> String {
        let out = self
            .cmd()
            .args(["capture-pane", "-p", "-t", "t"])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn wait_for(&self, text: &str) {
        let deadline = Instant::now() + common::pty::timeout();
        while !self.screen().contains(text) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {text:?}\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn keys(&self, keys: &[&str]) {
        let status = self
            .cmd()
            .args(["send-keys", "-t", "t"])
            .args(keys)
            .status()
            .expect("send-keys");
        assert!(status.success());
    }

    fn buffer(&self) -> String {
        let out = self.cmd().arg("show-buffer").output().expect("show-buffer");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").status();
    }
}

#[test]
fn c_inside_tmux_with_default_options_puts_the_exact_url_in_its_buffer() {
    let sim = Sim::start(60_000);
    let dir = tempfile::tempdir().unwrap();
    let tmux = Tmux::start(
        dir.path(),
        &wizard_args(
            &sim,
            &[
                "--destination",
                "acme-home-us",
                "--name",
                "Copied in tmux",
                "--no-browser",
            ],
        ),
    );
    tmux.wait_for("Acme Home US");
    for step in [
        "Step 2 of 6",
        "Step 3 of 6",
        "Step 4 of 6",
        "Authorize in a browser",
    ] {
        tmux.keys(&["Enter"]);
        tmux.wait_for(step);
    }
    tmux.keys(&["c"]);
    tmux.wait_for("Sent to the tmux buffer");
    let id = sim
        .associations()
        .into_iter()
        .find(|a| a.name() == Some("Copied in tmux"))
        .expect("created")
        .account_association_id()
        .to_string();
    assert_eq!(tmux.buffer(), sim.oauth_url(&id), "the exact URL, whole");
}

#[test]
fn c_in_a_window_too_small_still_puts_the_url_in_the_tmux_buffer_and_says_so() {
    let sim = Sim::start(60_000);
    let dir = tempfile::tempdir().unwrap();
    let name = "Copied small";
    let tmux = Tmux::start(
        dir.path(),
        &wizard_args(
            &sim,
            &[
                "--destination",
                "acme-home-us",
                "--name",
                name,
                "--no-browser",
            ],
        ),
    );
    tmux.wait_for("Acme Home US");
    for step in [
        "Step 2 of 6",
        "Step 3 of 6",
        "Step 4 of 6",
        "Authorize in a browser",
    ] {
        tmux.keys(&["Enter"]);
        tmux.wait_for(step);
    }
    // A narrow split: below the 60x16 the screens need.
    let status = tmux
        .cmd()
        .args(["resize-window", "-t", "t", "-x", "50", "-y", "14"])
        .status()
        .expect("resize-window");
    assert!(status.success());
    tmux.wait_for("Terminal too small");
    tmux.wait_for("ASSOCIATION_IN_PROGRESS");
    tmux.wait_for("c copy");
    tmux.keys(&["c"]);
    tmux.wait_for("Sent to the tmux buffer");
    let id = sim.id_of(name);
    assert_eq!(tmux.buffer(), sim.oauth_url(&id), "the exact URL, whole");
}

#[test]
fn the_url_rows_are_osc_8_hyperlinks_to_the_whole_url() {
    let sim = Sim::start(60_000);
    let dir = tempfile::tempdir().unwrap();
    let mut tui = Tui::spawn(
        dir.path(),
        Spawn::new(&wizard_args(
            &sim,
            &[
                "--destination",
                "acme-home-us",
                "--name",
                "Linked",
                "--no-browser",
            ],
        ))
        .size(60, 24),
    );
    tui.wait_for("Acme Home US");
    tui.enter_to_authorize();
    tui.wait_for("State: ");
    let id = sim
        .associations()
        .into_iter()
        .find(|a| a.name() == Some("Linked"))
        .expect("created")
        .account_association_id()
        .to_string();
    let url = sim.oauth_url(&id);
    let raw = String::from_utf8_lossy(&tui.raw()).into_owned();
    let open = format!("\x1b]8;id=iotmi-url;{url}\x1b\\");
    let rows = url.len().div_ceil(58);
    assert!(rows >= 2, "the URL wraps at 60 columns");
    // What is printed inside the hyperlinks (cursor moves between rows aside) is the URL.
    let linked: String = raw
        .split(&open)
        .skip(1)
        .map(|after| after.split("\x1b]8;;\x1b\\").next().unwrap_or_default())
        .map(without_csi)
        .collect();
    assert_eq!(linked, url, "every row of the URL is linked, nothing else");
    // The link spans rows: the cursor moved to another row inside it.
    let first = raw.split(&open).nth(1).unwrap_or_default();
    assert!(first.matches(";2H").count() >= 2, "{first:?}");
    tui.send(b"\x03\x03");
    tui.wait_exit();
}

#[test]
fn demo_port_over_ssh_shows_the_ssh_tunnel_line() {
    let port = crate::common::port_outside_the_ephemeral_range().to_string();
    let dir = tempfile::tempdir().unwrap();
    let spawn = Spawn::new(&[
        "demo",
        "--port",
        &port,
        "--destination",
        "acme-home-us",
        "--name",
        "Over SSH",
    ])
    .env("SSH_CONNECTION", Some("10.1.2.3 50000 10.9.8.7 22"))
    .env("SSH_TTY", Some("/dev/pts/9"))
    .env("USER", Some("ops"))
    .env("DISPLAY", None);
    let mut tui = Tui::spawn(dir.path(), spawn);
    tui.wait_for("Acme Home US");
    tui.enter_to_authorize();
    tui.wait_for(&format!("ssh -L {port}:127.0.0.1:{port} ops@10.9.8.7"));
    tui.wait_for(&format!("127.0.0.1:{port}"));
    tui.send(b"\x03\x03");
    tui.wait_exit();
}

#[test]
fn demo_over_ssh_leads_with_the_tunnel_a_phone_cannot_reach_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let spawn = Spawn::new(&[
        "demo",
        "--destination",
        "acme-home-us",
        "--name",
        "Over SSH",
        "--approve-after-ms",
        "600000",
    ])
    .size(120, 30)
    .env("SSH_CONNECTION", Some("1.2.3.4 5 6.7.8.9 22"))
    .env("SSH_TTY", Some("/dev/pts/9"))
    .env("USER", Some("alice"))
    .env("DISPLAY", None)
    .env("WAYLAND_DISPLAY", None);
    let mut tui = Tui::spawn(dir.path(), spawn);
    tui.wait_for("Acme Home US");
    tui.enter_to_authorize();
    tui.wait_for("State: ");
    let screen = tui.screen();
    let rows: Vec<&str> = screen.lines().collect();
    let at = |text: &str| {
        rows.iter()
            .position(|row| row.contains(text))
            .unwrap_or_else(|| panic!("{text:?} not on screen:\n{screen}"))
    };
    // The port the demo picked this run, from the URL the screen shows.
    let port: String = screen
        .split("http://127.0.0.1:")
        .nth(1)
        .expect("a loopback URL")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let unreachable = at("a phone or a browser on your machine cannot reach it");
    let tunnel = at(&format!("ssh -L {port}:127.0.0.1:{port} alice@6.7.8.9"));
    let per_run = at(&format!(
        "The demo picks a new port each run: `demo --port {port}` keeps this one."
    ));
    let url = at(&format!("http://127.0.0.1:{port}/"));
    assert!(
        unreachable < tunnel && tunnel < per_run && per_run < at("Sign in at") && per_run < url,
        "the tunnel leads:\n{screen}"
    );
    assert!(!screen.contains("scan (v)"), "no scan offered:\n{screen}");
    assert!(
        screen.contains("forward the port as above, then open the URL"),
        "{screen}"
    );
    tui.send(b"\x03\x03");
    tui.wait_exit();
}

/// `text` without its CSI sequences (cursor moves, colours).
fn without_csi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// One connector and two OAuth destinations: `long-url` whose consent URL is about 700
/// characters, and `refused-url` whose authUrl the URL policy refuses (a quote in it).
fn seed(dir: &std::path::Path) -> std::path::PathBuf {
    let mut refused = big_cloud_oauth("https://evil.example/sign'in");
    refused["oAuth"]["scope"] = "openid".into();
    big_cloud_seed(
        dir,
        "seed.json",
        vec![
            serde_json::json!({
                "Id": "long-url",
                "Name": "Long URL",
                "Description": "a long consent URL",
                "CloudConnectorId": "big-cloud",
                "AuthType": "OAUTH",
                "AuthConfig": big_cloud_oauth("{{ENDPOINT}}/third-party/big-cloud/oauth/authorize")
            }),
            serde_json::json!({
                "Id": "refused-url",
                "Name": "Refused URL",
                "Description": "a consent URL the URL policy refuses",
                "CloudConnectorId": "big-cloud",
                "AuthType": "OAUTH",
                "AuthConfig": refused
            }),
        ],
    )
}

/// The wizard at the Authorize screen of `destination`, with the simulator of [`seed`].
fn authorize(sim: &Sim, dir: &std::path::Path, destination: &str, cols: u16, rows: u16) -> Tui {
    let mut tui = Tui::spawn(
        dir,
        Spawn::new(&wizard_args(
            sim,
            &[
                "--destination",
                destination,
                "--name",
                "Handed over",
                "--no-browser",
            ],
        ))
        .size(cols, rows),
    );
    tui.wait_for("Step 1 of");
    tui.enter_to_authorize();
    tui
}

fn seeded_sim(dir: &std::path::Path) -> Sim {
    Sim::with(iotmi_simulator::SimConfig {
        seed: Some(seed(dir)),
        approve_after_ms: 60_000,
        ..common::config()
    })
}

/// The QR code on a vt100 screen, read back as an image (a half block is two modules, each
/// drawn 4x4 pixels; ink is light) and decoded.
fn decode_qr(screen: &vt100::Screen) -> String {
    const SCALE: usize = 4;
    let (rows, cols) = screen.size();
    let (w, h) = (cols as usize * SCALE, rows as usize * 2 * SCALE);
    let ink = |x: usize, y: usize| -> bool {
        let (col, row) = ((x / SCALE) as u16, (y / (2 * SCALE)) as u16);
        let top = (y / SCALE).is_multiple_of(2);
        match screen.cell(row, col).map(|c| c.contents()) {
            Some("█") => true,
            Some("▀") => top,
            Some("▄") => !top,
            _ => false,
        }
    };
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| if ink(x, y) { 255 } else { 0 });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the screen");
    grids[0].decode().expect("the QR code decodes").1
}

#[test]
fn the_full_screen_qr_of_a_700_character_url_decodes_back_to_it_at_100x50() {
    let dir = tempfile::tempdir().unwrap();
    let sim = seeded_sim(dir.path());
    let mut tui = authorize(&sim, dir.path(), "long-url", 100, 50);
    let id = sim
        .associations()
        .into_iter()
        .next()
        .expect("created")
        .account_association_id()
        .to_string();
    let url = sim.oauth_url(&id);
    assert!(
        (650..=750).contains(&url.len()),
        "a ~700-character URL: {}",
        url.len()
    );
    tui.send(b"v");
    tui.wait_for("Scan it with a phone");
    let decoded = decode_qr(tui.parser().lock().unwrap().screen());
    assert_eq!(decoded, url);
    // Any key returns to the Authorize screen.
    tui.send(b" ");
    tui.wait_for("State: ");
    tui.send(b"\x03\x03");
    tui.wait_exit();
}

#[test]
fn a_refused_url_is_never_copied_linked_or_put_in_a_qr_code() {
    let dir = tempfile::tempdir().unwrap();
    let sim = seeded_sim(dir.path());
    let mut tui = authorize(&sim, dir.path(), "refused-url", 100, 30);
    tui.wait_for("evil.example");
    tui.send(b"c");
    tui.wait_for("This URL was refused: it is not copied");
    tui.send(b"v");
    tui.wait_for("no QR code is made of it");
    tui.send(b"o");
    tui.wait_for("Not opened:");
    // The unwrapped view shows it sanitised, and that is all.
    tui.send(b"u");
    tui.wait_for("on one line so your terminal selects it whole");
    tui.send(b" ");
    tui.wait_for("State: ");
    let raw = tui.raw();
    let contains = |needle: &[u8]| raw.windows(needle.len()).any(|w| w == needle);
    assert!(!contains(b"\x1b]52;"), "no OSC 52 at all");
    assert!(!contains(b"\x1b]8;"), "no OSC 8 at all");
    assert!(!contains(b"\x1bPtmux;"), "no passthrough either");
    tui.send(b"\x03\x03");
    tui.wait_exit();
}
