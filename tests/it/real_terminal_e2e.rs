//! The consent URL handed over in real terminals, as a web page is tested in a real browser:
//! the wizard in xterm under Xvfb, walked to the full-screen QR code with xdotool's keys; a
//! screenshot (`import -window root`) decoded by `zbarimg` must give back the very URL the
//! service issued (GetAccountAssociation through the SDK), for the demo's ~380-character URL
//! and a 1,024-character one (the model's longest), on a light and a dark background. And
//! `c` inside GNU screen must put that URL in screen's paste buffer.
//!
//! The tools are Debian packages (`xterm xvfb imagemagick xdotool fonts-dejavu-core
//! zbar-tools screen`) that `.ci/run` installs; where one is missing a test says which and
//! passes without running, so `cargo test` works on any machine. Screenshots are kept in
//! `$TMPDIR/iotmi-real-terminal/` and their paths printed.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::common;
use crate::common::e2e::{Sim, big_cloud_oauth, big_cloud_seed, wizard_args};

/// `None` when every program is on PATH; otherwise why the test does not run.
fn missing(programs: &[&str]) -> Option<String> {
    let absent: Vec<&str> = programs
        .iter()
        .copied()
        .filter(|p| !iotmi_onboard::remote::on_path(p))
        .collect();
    (!absent.is_empty()).then(|| {
        format!(
            "skipped: {} not installed (.ci/run installs them with apt)",
            absent.join(", ")
        )
    })
}

/// Runs `program args` to completion; its stdout, or the failure with its stderr.
fn run(program: &str, args: &[&str], display: Option<&str>) -> Result<String, String> {
    let mut command = Command::new(program);
    command.args(args).stdin(Stdio::null());
    if let Some(display) = display {
        command.env("DISPLAY", display);
    }
    let out = command.output().map_err(|e| format!("{program}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{program} {args:?}: {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn wait_until<T>(what: &str, limit: Duration, mut ok: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = ok() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Kills the child and reaps it.
struct Owned(Child);

impl Drop for Owned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An X server of the test's own on a display no other test or user holds.
struct Xvfb {
    display: String,
    _server: Owned,
}

impl Xvfb {
    fn start() -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let base = 100 + (std::process::id() % 200) * 10;
        loop {
            let n = base + NEXT.fetch_add(1, Ordering::Relaxed);
            if Path::new(&format!("/tmp/.X{n}-lock")).exists()
                || Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            {
                continue;
            }
            let server = Command::new("Xvfb")
                .arg(format!(":{n}"))
                // -noreset: else the server resets as the readiness probe leaves, refusing
                // xterm if it connects at that moment.
                .args([
                    "-screen",
                    "0",
                    "1600x1200x24",
                    "-nolisten",
                    "tcp",
                    "-noreset",
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("Xvfb starts");
            let mut server = Owned(server);
            let display = format!(":{n}");
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                    && run("xdotool", &["getmouselocation"], Some(&display)).is_ok()
                {
                    return Self {
                        display,
                        _server: server,
                    };
                }
                if server.0.try_wait().ok().flatten().is_some() || Instant::now() > deadline {
                    break; // Lost a race for the display: try the next.
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

/// Light or dark, as operators set their terminals.
#[derive(Clone, Copy, Debug)]
enum Background {
    Light,
    Dark,
}

/// The wizard in an xterm: keys go in through xdotool, the screen is read back from xterm's
/// own log of what the wizard wrote (through a vt100 parser of the same size).
struct Xterm<'x> {
    x: &'x Xvfb,
    window: String,
    log: PathBuf,
    _term: Owned,
}

const COLS: u16 = 130;
const ROWS: u16 = 66;

impl<'x> Xterm<'x> {
    fn start(x: &'x Xvfb, dir: &Path, background: Background, args: &[String]) -> Self {
        let (bg, fg) = match background {
            Background::Light => ("white", "black"),
            Background::Dark => ("black", "white"),
        };
        let log = dir.join("xterm.log");
        let mut command = Command::new("xterm");
        command
            .args(["-geometry", &format!("{COLS}x{ROWS}+0+0")])
            .args(["-fa", "DejaVu Sans Mono", "-fs", "10"])
            .args(["-bg", bg, "-fg", fg])
            // xdotool's keys reach a window as synthetic events, which xterm ignores unless
            // told otherwise.
            .args(["-xrm", "XTerm*allowSendEvents: true"])
            .args(["-l", "-lf"])
            .arg(&log)
            .arg("-e")
            .arg(common::bin::BIN)
            .args(args)
            .current_dir(dir)
            .env("DISPLAY", &x.display)
            .env("TERM", "xterm-256color")
            .env("XDG_STATE_HOME", dir.join("state"))
            .env("NO_PROXY", "127.0.0.1,localhost")
            .envs(common::bin::FAKE_AWS)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("xterm.err")).expect("xterm.err"));
        for name in common::bin::HOST_AWS.iter().chain(&[
            "SSH_CONNECTION",
            "SSH_CLIENT",
            "SSH_TTY",
            "TMUX",
            "STY",
            "NO_COLOR",
        ]) {
            command.env_remove(name);
        }
        let mut term = Owned(command.spawn().expect("xterm starts"));
        let window = wait_until("the xterm window", common::pty::timeout(), || {
            if let Ok(Some(status)) = term.0.try_wait() {
                let mut parser = vt100::Parser::new(ROWS, COLS, 0);
                parser.process(&std::fs::read(&log).unwrap_or_default());
                panic!(
                    "xterm ended ({status}) before its window was found: {}\n{}",
                    std::fs::read_to_string(dir.join("xterm.err")).unwrap_or_default(),
                    parser.screen().contents()
                );
            }
            run(
                "xdotool",
                &["search", "--onlyvisible", "--class", "xterm"],
                Some(&x.display),
            )
            .ok()
            .and_then(|out| out.lines().next().map(str::to_owned))
        });
        Self {
            x,
            window,
            log,
            _term: term,
        }
    }

    fn screen(&self) -> String {
        let mut parser = vt100::Parser::new(ROWS, COLS, 0);
        parser.process(&std::fs::read(&self.log).unwrap_or_default());
        parser.screen().contents()
    }

    fn wait_for(&self, text: &str) {
        let deadline = Instant::now() + common::pty::timeout();
        while !self.screen().contains(text) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {text:?} in xterm\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn key(&self, key: &str) {
        run(
            "xdotool",
            &["key", "--window", &self.window, key],
            Some(&self.x.display),
        )
        .expect("xdotool key");
    }

    /// The whole X screen as a PNG at `path`.
    fn screenshot(&self, path: &Path) {
        run(
            "import",
            &["-window", "root", path.to_str().expect("a UTF-8 path")],
            Some(&self.x.display),
        )
        .expect("import takes a screenshot");
    }
}

/// Where screenshots are kept after the test (the tempdirs are not).
fn shots_dir() -> PathBuf {
    let dir = std::env::temp_dir().join("iotmi-real-terminal");
    std::fs::create_dir_all(&dir).expect("the screenshot directory");
    dir
}

/// What `zbarimg` reads off the image: every QR code's text.
fn decode(path: &Path) -> Option<String> {
    run(
        "zbarimg",
        &["-q", "--raw", path.to_str().expect("a UTF-8 path")],
        None,
    )
    .ok()
    .map(|out| out.trim_end_matches('\n').to_owned())
    .filter(|text| !text.is_empty())
}

/// Walks the wizard (its destination and name prefilled) to Authorize, opens the QR code,
/// and returns what the screenshot decodes to, with the screenshot's path.
fn qr_from_screenshot(term: &Xterm, shot: &Path) -> String {
    term.wait_for("Step 1 of 6");
    for step in [
        "Step 2 of 6",
        "Step 3 of 6",
        "Step 4 of 6",
        "Authorize in a browser",
    ] {
        term.key("Return");
        term.wait_for(step);
    }
    term.wait_for("State: ");
    term.key("v");
    term.wait_for("Scan it with a phone");
    let what = format!("a QR code in {}", shot.display());
    wait_until(&what, common::pty::timeout() * 2, || {
        term.screenshot(shot);
        decode(shot)
    })
}

const XTERM_TOOLS: &[&str] = &["Xvfb", "xterm", "xdotool", "import", "zbarimg"];

/// One X session at a time: each draws a 1600x1200 screen and decodes screenshots of it,
/// which on a small shared machine is slow enough without three others beside it.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static X: std::sync::Mutex<()> = std::sync::Mutex::new(());
    X.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The demo's own consent URL (about 380 characters), compared with GetAccountAssociation's
/// answer from the demo's embedded service.
fn demo_qr_decodes_to_the_issued_url(background: Background) {
    if let Some(why) = missing(XTERM_TOOLS) {
        eprintln!("{why}");
        return;
    }
    let _x = one_at_a_time();
    let port = common::port_outside_the_ephemeral_range();
    let dir = tempfile::tempdir().unwrap();
    let x = Xvfb::start();
    let name = format!("QR {background:?}");
    let args: Vec<String> = [
        "demo",
        "--no-browser",
        "--approve-after-ms",
        "600000",
        "--port",
        &port.to_string(),
        "--destination",
        "acme-home-us",
        "--name",
        &name,
    ]
    .map(str::to_owned)
    .to_vec();
    let term = Xterm::start(&x, dir.path(), background, &args);
    let shot = shots_dir().join(format!("demo-{background:?}-{}.png", std::process::id()));
    let decoded = qr_from_screenshot(&term, &shot);
    let issued = issued_url(&format!("http://127.0.0.1:{port}"), &name);
    println!(
        "screenshot: {} ({} characters decoded, {background:?} background, xterm {COLS}x{ROWS})",
        shot.display(),
        decoded.len()
    );
    assert!((350..=420).contains(&issued.len()), "{}", issued.len());
    assert_eq!(decoded, issued, "the QR code holds the issued URL");
}

/// The service's OAuthAuthorizationUrl of the association named `name`, through the SDK.
fn issued_url(endpoint: &str, name: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let sdk = iotmi_onboard::aws::demo_sdk_config(endpoint);
        let client = aws_sdk_iotmanagedintegrations::Client::new(&sdk);
        let list = client
            .list_account_associations()
            .send()
            .await
            .expect("ListAccountAssociations");
        let id = list
            .items()
            .iter()
            .find(|a| a.name() == Some(name))
            .expect("the association")
            .account_association_id()
            .to_owned();
        client
            .get_account_association()
            .account_association_id(id)
            .send()
            .await
            .expect("GetAccountAssociation")
            .o_auth_authorization_url()
            .to_owned()
    })
}

/// A simulator whose `long-url` destination issues consent URLs of exactly `length`
/// characters: a first simulator measures the URL of an unpadded authUrl (its random parts
/// have fixed lengths, and every port a simulator binds has five digits), the second pads the
/// authUrl's path by the difference.
fn sim_issuing(dir: &Path, length: usize) -> Sim {
    let probe = Sim::with(iotmi_simulator::SimConfig {
        seed: Some(long_url_seed(dir, 0)),
        ..common::config()
    });
    let client = common::client(&probe.handle);
    let created = probe
        .rt
        .block_on(
            client
                .create_account_association()
                .connector_destination_id("long-url")
                .send(),
        )
        .expect("CreateAccountAssociation");
    let unpadded = created.o_auth_authorization_url().len();
    assert!(probe.endpoint().len() == "http://127.0.0.1:NNNNN".len());
    Sim::with(iotmi_simulator::SimConfig {
        seed: Some(long_url_seed(dir, length - unpadded)),
        approve_after_ms: 600_000,
        ..common::config()
    })
}

/// One connector and the `long-url` destination, its authUrl's path padded by `pad`.
fn long_url_seed(dir: &Path, pad: usize) -> PathBuf {
    let auth_url = format!(
        "{{{{ENDPOINT}}}}/third-party/big-cloud/oauth/authorize/{}",
        "p".repeat(pad)
    );
    big_cloud_seed(
        dir,
        &format!("seed-{pad}.json"),
        vec![serde_json::json!({
            "Id": "long-url",
            "Name": "Long URL",
            "Description": "a consent URL of the model's longest",
            "CloudConnectorId": "big-cloud",
            "AuthType": "OAUTH",
            "AuthConfig": big_cloud_oauth(&auth_url)
        })],
    )
}

/// A 1,024-character consent URL (the model's longest) from the simulator.
fn longest_qr_decodes_to_the_issued_url(background: Background) {
    if let Some(why) = missing(XTERM_TOOLS) {
        eprintln!("{why}");
        return;
    }
    let _x = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let sim = sim_issuing(dir.path(), iotmi_core::url_policy::MAX_URL_LEN);
    let x = Xvfb::start();
    let name = format!("Longest {background:?}");
    let args = wizard_args(
        &sim,
        &["--destination", "long-url", "--name", &name, "--no-browser"],
    );
    let term = Xterm::start(&x, dir.path(), background, &args);
    let shot = shots_dir().join(format!("longest-{background:?}-{}.png", std::process::id()));
    let decoded = qr_from_screenshot(&term, &shot);
    let issued = sim.oauth_url(&sim.id_of(&name));
    println!(
        "screenshot: {} ({} characters decoded, {background:?} background, xterm {COLS}x{ROWS})",
        shot.display(),
        decoded.len()
    );
    assert_eq!(issued.len(), 1024);
    assert_eq!(decoded, issued, "the QR code holds the issued URL");
}

#[test]
fn xterm_light_demo_qr_decodes_to_the_issued_url() {
    demo_qr_decodes_to_the_issued_url(Background::Light);
}

#[test]
fn xterm_dark_demo_qr_decodes_to_the_issued_url() {
    demo_qr_decodes_to_the_issued_url(Background::Dark);
}

#[test]
fn xterm_light_1024_character_qr_decodes_to_the_issued_url() {
    longest_qr_decodes_to_the_issued_url(Background::Light);
}

#[test]
fn xterm_dark_1024_character_qr_decodes_to_the_issued_url() {
    longest_qr_decodes_to_the_issued_url(Background::Dark);
}

/// GNU screen of the test's own (its own socket directory), killed on drop.
struct Screen {
    session: String,
    sockets: tempfile::TempDir,
}

impl Screen {
    fn start(dir: &Path, args: &[String]) -> Self {
        let sockets = tempfile::tempdir().unwrap();
        // screen insists on a private socket directory.
        std::fs::set_permissions(
            sockets.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .unwrap();
        let session = format!("iotmi-{}-{}", std::process::id(), fastrand::u32(..));
        let screen = Self { session, sockets };
        let mut command = screen.cmd();
        command
            .args(["-U", "-dmS", &screen.session])
            .arg(common::bin::BIN)
            .args(args)
            .current_dir(dir)
            .env("TERM", "xterm-256color")
            .env("XDG_STATE_HOME", dir.join("state"))
            .env("NO_PROXY", "127.0.0.1,localhost")
            .envs(common::bin::FAKE_AWS);
        for name in common::bin::HOST_AWS.iter().chain(&[
            "SSH_CONNECTION",
            "SSH_CLIENT",
            "SSH_TTY",
            "TMUX",
            "DISPLAY",
            "WAYLAND_DISPLAY",
        ]) {
            command.env_remove(name);
        }
        let status = command.status().expect("screen starts");
        assert!(status.success(), "screen -dmS");
        screen
    }

    fn cmd(&self) -> Command {
        let mut command = Command::new("screen");
        command.env("SCREENDIR", self.sockets.path());
        command
    }

    fn x(&self, args: &[&str]) {
        assert!(self.try_x(args), "screen -X {args:?}");
    }

    /// `screen -X ARGS`; false until the session is up.
    fn try_x(&self, args: &[&str]) -> bool {
        self.cmd()
            .args(["-S", &self.session, "-X"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("screen -X")
            .success()
    }

    /// What screen shows, through `hardcopy`.
    fn screen(&self) -> String {
        let file = self.sockets.path().join("hardcopy");
        let _ = std::fs::remove_file(&file);
        if !self.try_x(&["hardcopy", file.to_str().unwrap()]) {
            return String::new();
        }
        // -X returns before the server acts: wait for the file.
        let deadline = Instant::now() + Duration::from_secs(2);
        while !file.exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(20));
        let text = std::fs::read(&file).unwrap_or_default();
        // Without a UTF-8 locale screen writes its own encoding: the words are ASCII.
        String::from_utf8_lossy(&text).into_owned()
    }

    fn wait_for(&self, text: &str) {
        let deadline = Instant::now() + common::pty::timeout();
        while !self.screen().contains(text) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {text:?} in screen\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// screen's paste buffer, through `writebuf`.
    fn paste_buffer(&self) -> String {
        let file = self.sockets.path().join("buffer");
        let _ = std::fs::remove_file(&file);
        self.x(&["writebuf", file.to_str().unwrap()]);
        wait_until("screen's writebuf", Duration::from_secs(5), || {
            std::fs::read_to_string(&file)
                .ok()
                .filter(|s| !s.is_empty())
        })
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = self
            .cmd()
            .args(["-S", &self.session, "-X", "quit"])
            .status();
    }
}

#[test]
fn c_inside_gnu_screen_puts_the_exact_url_in_its_paste_buffer() {
    if let Some(why) = missing(&["screen"]) {
        eprintln!("{why}");
        return;
    }
    let sim = Sim::start(600_000);
    let dir = tempfile::tempdir().unwrap();
    let args = wizard_args(
        &sim,
        &[
            "--destination",
            "acme-home-us",
            "--name",
            "Copied in screen",
            "--no-browser",
        ],
    );
    let screen = Screen::start(dir.path(), &args);
    screen.wait_for("Step 1 of 6");
    for step in [
        "Step 2 of 6",
        "Step 3 of 6",
        "Step 4 of 6",
        "Authorize in a browser",
    ] {
        screen.x(&["stuff", "\r"]);
        screen.wait_for(step);
    }
    screen.x(&["stuff", "c"]);
    screen.wait_for("Sent to screen's paste buffer");
    let issued = sim.oauth_url(&sim.id_of("Copied in screen"));
    assert_eq!(screen.paste_buffer(), issued, "the exact URL, whole");
}
