//! Every screen rendered on `TestBackend` and snapshotted with insta, at 80x24 and at the
//! smallest supported size (60x16); plus the driver loop under paused tokio time.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;

use super::app::App;
use super::key_tests::{Harness, dest, general, list_generation, oauth, options};
use super::theme::Theme;
use super::view::view;
use crate::runtime::Runtime;
use iotmi_core::flow::testing::{generation_of, poll_generation};
use iotmi_core::flow::*;
use iotmi_core::service::*;
use iotmi_core::url_policy::{LaunchDecision, SkipReason};

const COLOR: Theme = Theme { color: true };

fn render(h: &Harness, width: u16, height: u16, theme: Theme) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| view(&h.app, frame, &theme)).unwrap();
    terminal
}

/// Snapshots at 80x24 and 60x16 under `name`.
fn snap(name: &str, h: &Harness) {
    insta::assert_snapshot!(format!("{name}_80x24"), render(h, 80, 24, COLOR).backend());
    insta::assert_snapshot!(format!("{name}_60x16"), render(h, 60, 16, COLOR).backend());
}

fn destinations() -> Vec<DestinationSummary> {
    vec![
        dest("acme-home-us", "Acme Home US"),
        dest("acme-home-eu", "Acme Home Europe"),
        dest("brightlight-key", "BrightLight API key"),
    ]
}

fn identity() -> CallerIdentity {
    CallerIdentity {
        account: "123456789012".into(),
        arn: "arn:aws:sts::123456789012:assumed-role/Onboarding/alice".into(),
    }
}

fn ssh_options() -> Options {
    let mut opts = options();
    opts.launch = LaunchDecision::Skip(SkipReason::OverSsh);
    opts.target.account = Some("123456789012".into());
    opts
}

fn loaded() -> Harness {
    let mut h = Harness::loaded(ssh_options(), destinations());
    h.send(Event::Connectors(Ok(vec![CloudConnector {
        id: "cc1".into(),
        name: "Acme Cloud".into(),
    }])));
    h.send(Event::Identity(Ok(identity())));
    h
}

fn at_review() -> Harness {
    let mut h = loaded();
    h.choose(oauth("acme-home-us", "Acme Home US"));
    h.key(KeyCode::Tab);
    h.type_text("Created by the wizard");
    h.key(KeyCode::Enter);
    h.paste("env=prod,team=iot");
    h.key(KeyCode::Enter);
    h
}

const URL: &str = "https://auth.example.com/oauth/authorize?client_id=iotmi&state=abc123&redirect_uri=https%3A%2F%2Fexample.com%2Fcb";

fn at_authorize() -> (Harness, u64) {
    let mut h = at_review();
    let effects = h.submit_and_create(URL);
    let generation = poll_generation(&effects);
    (h, generation)
}

fn polled(state: AssociationState, message: Option<&str>) -> Association {
    Association {
        id: "assoc1".into(),
        arn: "arn:aws:iotmanagedintegrations:us-east-1:123456789012:account-association/assoc1"
            .into(),
        state,
        error_message: message.map(String::from),
        name: String::new(),
        description: String::new(),
        destination_id: String::new(),
        oauth_url: String::new(),
        tags: Default::default(),
        auth_material: None,
    }
}

#[test]
fn destination_screens() {
    let mut h = Harness::new(ssh_options());
    h.init();
    snap("destination_loading", &h);
    snap("destination_list", &loaded());

    let mut filtered = loaded();
    filtered.type_text("acme eu");
    snap("destination_filtered", &filtered);

    let empty = Harness::loaded(ssh_options(), vec![]);
    snap("destination_empty", &empty);

    let mut failed = Harness::new(ssh_options());
    let generation = list_generation(&failed.init());
    failed.send(Event::DestinationsPage {
        generation,
        result: Err(ServiceError::new(
            ErrorKind::NoCredentials,
            "no credentials in the default chain",
        )),
    });
    snap("destination_no_credentials", &failed);
}

#[test]
fn details_screens() {
    let mut h = loaded();
    h.choose(oauth("acme-home-us", "Acme Home US"));
    snap("details", &h);
    h.type_text(", v2.0");
    h.key(KeyCode::Enter);
    snap("details_invalid", &h);
    // An invisible control character pasted into a field is drawn as its stand-in, and the
    // message names it in words.
    h.ctrl('u');
    h.paste("Acme\u{1b}[2J Home");
    h.key(KeyCode::Enter);
    snap("details_control_character", &h);
}

#[test]
fn tags_screens() {
    let mut h = loaded();
    h.choose(oauth("acme-home-us", "Acme Home US"));
    h.key(KeyCode::Enter);
    snap("tags_empty", &h);
    h.paste("env=prod,team=iot\nowner=ops");
    snap("tags_rows", &h);
    h.key(KeyCode::Char('a'));
    h.type_text("env");
    h.key(KeyCode::Enter);
    snap("tags_editor_duplicate", &h);
    // Flagged while typing, before Enter.
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('a'));
    h.type_text("team");
    snap("tags_editor_duplicate_while_typing", &h);
}

#[test]
fn auth_screen() {
    let mut h = loaded();
    h.choose(general(
        "brightlight-key",
        "BrightLight API key",
        &["primary-key", "backup-key", "legacy"],
    ));
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    snap("auth", &h);
}

#[test]
fn review_and_submit_screens() {
    let mut h = at_review();
    snap("review", &h);
    let effects = h.key(KeyCode::Enter);
    snap("submit_in_flight", &h);
    let generation = generation_of(&effects);
    let mut error = ServiceError::new(
        ErrorKind::Validation,
        "ValidationException: Name: must match [A-Za-z0-9-_ ]+",
    );
    error.request_id = Some("req-123".into());
    h.send(Event::Created {
        generation,
        result: Err(error),
    });
    snap("submit_failed", &h);
}

#[test]
fn a_window_too_small_keeps_the_state_and_the_hand_over_keys() {
    let (h, _) = at_authorize();
    let small = render(&h, 50, 14, COLOR);
    insta::assert_snapshot!("too_small_authorize_50x14", small.backend());
    let text = format!("{:?}", small.backend());
    for shown in ["ASSOCIATION_IN_PROGRESS", "o open", "c copy", "unwrapped"] {
        assert!(text.contains(shown), "{shown}: {text}");
    }
}

#[test]
fn a_create_conflict_offers_a_new_request_not_a_retry_of_the_same_token() {
    let mut h = at_review();
    let effects = h.key(KeyCode::Enter);
    h.send(Event::Created {
        generation: generation_of(&effects),
        result: Err(ServiceError::new(
            ErrorKind::Conflict,
            "ConflictException: the ClientToken was used with other parameters",
        )),
    });
    snap("submit_conflict", &h);
    let text = format!("{:?}", render(&h, 80, 24, COLOR).backend());
    assert!(!text.contains("retry"), "{text}");
    assert!(text.contains("new request"), "{text}");
}

#[test]
fn authorize_and_status_screens() {
    let (mut h, generation) = at_authorize();
    snap("authorize_over_ssh", &h);
    h.key(KeyCode::Char('v'));
    insta::assert_snapshot!("authorize_qr_100x40", render(&h, 100, 40, COLOR).backend());
    snap("authorize_qr_does_not_fit", &h);
    // Any key returns from the QR code.
    h.key(KeyCode::Char('x'));
    h.key(KeyCode::Enter);
    snap("status_in_progress", &h);
    h.send(Event::PollDue { generation });
    h.send(Event::Polled {
        generation,
        result: Ok(polled(AssociationState::Succeeded, None)),
    });
    snap("done_succeeded", &h);

    let (mut h, generation) = at_authorize();
    h.send(Event::PollDue { generation });
    h.send(Event::Polled {
        generation,
        result: Ok(polled(
            AssociationState::Failed,
            Some("The account owner denied access"),
        )),
    });
    snap("done_failed", &h);

    let (mut h, generation) = at_authorize();
    h.send(Event::PollDue { generation });
    h.send(Event::Polled {
        generation,
        result: Ok(polled(AssociationState::RefreshTokenExpired, None)),
    });
    snap("status_refresh_token_expired", &h);
}

/// `demo` on stage: the header says so, and the keyboard plays the account owner.
#[test]
fn demo_screens() {
    let mut opts = options();
    opts.launch = LaunchDecision::Skip(SkipReason::NoDisplay);
    opts.endpoint_is_loopback = true;
    opts.target.demo = true;
    opts.target.endpoint = Some("http://127.0.0.1:4000".into());
    let mut h = Harness::loaded(opts, destinations());
    h.choose(oauth("acme-home-us", "Acme Home US"));
    for _ in 0..2 {
        h.key(KeyCode::Enter);
    }
    let effects = h.submit_and_create(
        "http://127.0.0.1:4000/third-party/acme/oauth/authorize?client_id=iotmi&state=abc123",
    );
    snap("demo_authorize", &h);
    let generation = poll_generation(&effects);
    h.send(Event::PollDue { generation });
    h.send(Event::Polled {
        generation,
        result: Ok(polled(AssociationState::Succeeded, None)),
    });
    snap("demo_done", &h);
}

/// Over SSH with the demo's loopback URL the tunnel leads; in a 60x16 window the tunnel's
/// command is kept whole (user@host included) and the lines it can do without give way.
#[test]
fn authorize_over_ssh_with_a_loopback_url_keeps_the_tunnel_whole() {
    let mut opts = options();
    opts.launch = LaunchDecision::Skip(SkipReason::OverSsh);
    opts.endpoint_is_loopback = true;
    opts.target.demo = true;
    opts.target.endpoint = Some("http://127.0.0.1:39529".into());
    opts.ssh = Some(iotmi_core::flow::SshSession {
        tunnel: Some("ssh -L 39529:127.0.0.1:39529 ops@6.7.8.9".into()),
        port_per_run: true,
    });
    let mut h = Harness::loaded(opts, destinations());
    h.choose(oauth("acme-home-us", "Acme Home US"));
    for _ in 0..2 {
        h.key(KeyCode::Enter);
    }
    h.submit_and_create(
        "http://127.0.0.1:39529/third-party/acme-home-cloud/oauth/authorize?client_id=amzn1.iotmi.acme-home-us.4f7c9e2b51d34a08&redirect_uri=http%3A%2F%2F127.0.0.1%3A39529%2Foauth%2Fcallback&response_type=code&state=so1X8fNLAbsyLwr3UCi0ehPWGyH5ONIw",
    );
    snap("authorize_tunnel", &h);
    for (cols, rows) in [(80, 24), (60, 16)] {
        let text = render(&h, cols, rows, COLOR).backend().to_string();
        let joined: String = text
            .lines()
            .map(|l| l.trim_matches(['"', '│', ' ']))
            .collect();
        assert!(
            joined.contains("ops@6.7.8.9"),
            "{cols}x{rows}: the tunnel's user and host:\n{text}"
        );
        assert!(text.contains("ASSOCIATION_IN_PROGRESS"), "{text}");
    }
}

#[test]
fn overlays_and_too_small() {
    let mut h = at_review();
    h.key(KeyCode::Char('?'));
    snap("help_overlay", &h);
    let (mut h, _) = at_authorize();
    h.ctrl('c');
    snap("confirm_quit", &h);
    insta::assert_snapshot!("too_small_59x16", render(&h, 59, 16, COLOR).backend());
    insta::assert_snapshot!("too_small_80x15", render(&h, 80, 15, COLOR).backend());
}

#[test]
fn without_colour_focus_and_selection_stay_visible() {
    let h = loaded();
    let terminal = render(&h, 80, 24, Theme { color: false });
    let buffer = terminal.backend().buffer();
    // The highlighted destination row is reversed; no cell carries a colour.
    let row = (0..24)
        .find(|&y| {
            (0..80)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
                .contains("› Acme Home US")
        })
        .unwrap();
    assert!(buffer[(3, row)].modifier.contains(Modifier::REVERSED));
    for cell in buffer.content() {
        assert_eq!(cell.fg, ratatui::style::Color::Reset);
        assert_eq!(cell.bg, ratatui::style::Color::Reset);
    }
}

/// A service that answers at once and counts GetAccountAssociation calls.
struct CountingService {
    polls: Arc<AtomicU32>,
}

fn ready<T: Send + 'static>(value: Result<T, ServiceError>) -> ServiceFuture<T> {
    Box::pin(async move { value })
}

impl AssociationService for CountingService {
    fn list_destinations(&self, _: Option<String>) -> ServiceFuture<Page<DestinationSummary>> {
        ready(Ok(Page {
            items: vec![dest("d1", "Acme")],
            next_token: None,
        }))
    }
    fn list_cloud_connectors(&self) -> ServiceFuture<Vec<CloudConnector>> {
        ready(Ok(vec![]))
    }
    fn get_destination(&self, id: String) -> ServiceFuture<DestinationDetail> {
        ready(Ok(oauth(&id, "Acme")))
    }
    fn create_association(&self, _: CreateRequest) -> ServiceFuture<CreatedAssociation> {
        ready(Ok(CreatedAssociation {
            id: "assoc1".into(),
            arn: "arn".into(),
            state: AssociationState::InProgress,
            oauth_url: "https://example.com/a".into(),
        }))
    }
    fn get_association(&self, _: String) -> ServiceFuture<Association> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        ready(Ok(polled(AssociationState::InProgress, None)))
    }
    fn start_refresh(&self, _: String) -> ServiceFuture<String> {
        ready(Ok(String::new()))
    }
    fn caller_identity(&self) -> ServiceFuture<CallerIdentity> {
        ready(Ok(identity()))
    }
    fn region(&self) -> ServiceFuture<String> {
        ready(Ok("us-east-1".into()))
    }
    fn list_associations(&self, _: Option<String>) -> ServiceFuture<Page<AssociationSummary>> {
        ready(Ok(Page {
            items: vec![],
            next_token: None,
        }))
    }
    fn delete_association(&self, _: String) -> ServiceFuture<()> {
        ready(Ok(()))
    }
}

#[derive(Default)]
struct RecordingHost {
    copied: Vec<String>,
}

impl super::terminal::Host for RecordingHost {
    fn copy(&mut self, text: &str) -> String {
        self.copied.push(text.to_string());
        "recorded".into()
    }
    fn show_unwrapped(&mut self, _: &str, _: &str, _: Option<&str>) {}
    fn resume(&mut self) {}
    fn notify(&mut self, _: &str, _: &str) {}
    fn run(&mut self, _: &[String]) -> std::io::Result<std::process::ExitStatus> {
        Err(std::io::Error::other("not in tests"))
    }
}

/// The real driver loop, a scripted keyboard, and virtual time: polling runs about every
/// second for the first minute, then every five seconds.
#[tokio::test(start_paused = true)]
async fn driver_polls_every_second_then_backs_off() {
    use crossterm::event::{Event, KeyEvent};
    use futures::StreamExt;
    let polls = Arc::new(AtomicU32::new(0));
    let service = Arc::new(CountingService {
        polls: polls.clone(),
    });
    let mut opts = options();
    opts.launch = LaunchDecision::Skip(SkipReason::Disabled);
    let mut app = App::new(Flow::new(opts, std::time::Instant::now()));
    let mut runtime = Runtime::new(service, None);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut host = RecordingHost::default();
    // Enter walks to submission (destination, details, tags, review); 'c' copies the URL.
    let keys = futures::stream::iter(
        [
            KeyCode::Enter,
            KeyCode::Enter,
            KeyCode::Enter,
            KeyCode::Enter,
            KeyCode::Char('c'),
        ]
        .map(|code| Ok(Event::Key(KeyEvent::from(code)))),
    )
    .then(|event| async move {
        tokio::time::sleep(Duration::from_millis(10)).await;
        event
    })
    .chain(futures::stream::pending());
    let stop = async {
        tokio::time::sleep(Duration::from_secs(120)).await;
        OutcomeKind::Interrupted
    };
    let outcome = super::driver::run(
        &mut terminal,
        &mut host,
        &mut app,
        &mut runtime,
        &COLOR,
        Box::pin(keys),
        stop,
        None,
    )
    .await
    .unwrap();
    assert_eq!(outcome.kind, OutcomeKind::Interrupted);
    assert_eq!(outcome.summary.unwrap().association_id, "assoc1");
    assert_eq!(host.copied, ["https://example.com/a"]);
    // ~60 polls in the first minute at 1 s, ~12 in the second at 5 s.
    let count = polls.load(Ordering::SeqCst);
    assert!(
        (68..=75).contains(&count),
        "{count} polls in 120 virtual seconds"
    );
}

/// One monkey move: what the terminal or the runtime hands the app.
enum Move {
    Key(crossterm::event::KeyEvent),
    Paste(String),
    Resize(u16, u16),
    Tick,
    Event(Box<Event>),
}

/// Seeded monkey: random keys, pastes, resizes and service answers (successes and errors, in
/// any order, stale or not) against the app (keymaps + flow) and `view`. Nothing panics and
/// the state stays consistent.
#[test]
fn monkey_never_panics_and_keeps_the_model_consistent() {
    use crossterm::event::{KeyEvent, KeyModifiers};
    let codes = [
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::PageUp,
        KeyCode::PageDown,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::Backspace,
        KeyCode::Delete,
        KeyCode::Insert,
        KeyCode::F(1),
        KeyCode::F(2),
    ];
    let chars = "aedxjkqy?rcuvowx =,.é\u{1b}\u{202e}";
    let pastes = [
        "a=1,b=2",
        "x\ny=2",
        "名前\u{1b}[31m",
        "k=v\nbad",
        "",
        "tag=\u{7}",
    ];
    let mut reached = std::collections::HashSet::new();
    for seed in 0..12 {
        let mut rng = fastrand::Rng::with_seed(seed);
        let many: Vec<_> = (0..40)
            .map(|i| dest(&format!("d{i}"), &format!("Destination {i}")))
            .collect();
        let mut h = Harness::loaded(options(), many);
        let mut pending: Vec<Effect> = Vec::new();
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        for _ in 0..600 {
            let next = match rng.u8(0..100) {
                // Enter often enough that walks get past submission.
                0..=14 => Move::Key(KeyEvent::from(KeyCode::Enter)),
                15..=49 => {
                    let code = if rng.bool() {
                        codes[rng.usize(0..codes.len())]
                    } else {
                        KeyCode::Char(
                            chars
                                .chars()
                                .nth(rng.usize(0..chars.chars().count()))
                                .unwrap(),
                        )
                    };
                    let modifiers = match rng.u8(0..10) {
                        0 => KeyModifiers::CONTROL,
                        1 => KeyModifiers::ALT,
                        2 => KeyModifiers::SHIFT,
                        _ => KeyModifiers::NONE,
                    };
                    // Ctrl-C would end the run early too often.
                    if modifiers == KeyModifiers::CONTROL && code == KeyCode::Char('c') {
                        continue;
                    }
                    Move::Key(KeyEvent::new(code, modifiers))
                }
                50..=54 => Move::Paste(pastes[rng.usize(0..pastes.len())].to_string()),
                55..=59 => Move::Resize(rng.u16(20..140), rng.u16(5..50)),
                60..=64 => Move::Tick,
                _ if !pending.is_empty() => {
                    let effect = pending.remove(rng.usize(0..pending.len()));
                    match answer(&mut rng, effect) {
                        Some(event) => Move::Event(Box::new(event)),
                        None => Move::Tick,
                    }
                }
                _ => Move::Tick,
            };
            h.advance(Duration::from_millis(rng.u64(0..3000)));
            let effects = match next {
                Move::Key(key) => h.press(key).effects,
                Move::Paste(text) => h.paste(&text),
                Move::Resize(w, hgt) => {
                    terminal.backend_mut().resize(w, hgt);
                    Vec::new()
                }
                Move::Tick => {
                    h.app.tick();
                    Vec::new()
                }
                Move::Event(event) => h.send(*event),
            };
            if h.app.flow.exit().is_some() {
                break;
            }
            pending.extend(effects);
            terminal.draw(|frame| view(&h.app, frame, &COLOR)).unwrap();
            check_consistency(&h.app);
            reached.insert(h.app.flow.step());
        }
    }
    // The walk got past submission, so the later screens were exercised too.
    for step in [Step::Tags, Step::Review, Step::Submit, Step::Status] {
        assert!(
            reached.contains(&step),
            "never reached {step:?}: {reached:?}"
        );
    }
}

/// The runtime's report of `effect`, made up (a quarter of them fail); None when nothing
/// reports back.
fn answer(rng: &mut fastrand::Rng, effect: Effect) -> Option<Event> {
    let fail = rng.u8(0..4) == 0;
    let error = || ServiceError::new(ErrorKind::ServerError, "injected \u{1b}[2J fault");
    Some(match effect {
        Effect::GetDestination { generation, id } => Event::DestinationDetail {
            generation,
            result: if fail {
                Err(error())
            } else if rng.bool() {
                Ok(general(&id, "General", &["m1", "m2"]))
            } else {
                Ok(oauth(&id, "OAuth"))
            },
        },
        Effect::CreateAssociation { generation, .. } => Event::Created {
            generation,
            result: if fail {
                Err(error())
            } else {
                Ok(CreatedAssociation {
                    id: "a1".into(),
                    arn: "arn".into(),
                    state: AssociationState::InProgress,
                    oauth_url: if rng.bool() {
                        URL.into()
                    } else {
                        String::new()
                    },
                })
            },
        },
        Effect::SchedulePoll { generation, .. } => Event::PollDue { generation },
        Effect::GetAssociation { generation, .. } => {
            let states = [
                AssociationState::InProgress,
                AssociationState::Succeeded,
                AssociationState::Failed,
                AssociationState::RefreshTokenExpired,
                AssociationState::Unknown("NEW_STATE".into()),
            ];
            let state = states[rng.usize(0..states.len())].clone();
            Event::Polled {
                generation,
                result: if fail {
                    Err(error())
                } else {
                    Ok(polled(state, Some("why")))
                },
            }
        }
        Effect::StartRefresh { generation, .. } => Event::Refreshed {
            generation,
            result: if fail { Err(error()) } else { Ok(URL.into()) },
        },
        Effect::ListDestinations { generation, .. } => Event::DestinationsPage {
            generation,
            result: if fail {
                Err(error())
            } else {
                Ok(Page {
                    items: vec![dest("late", "Late")],
                    next_token: None,
                })
            },
        },
        Effect::OpenBrowser { .. } => Event::BrowserLaunched(if fail {
            Err("no browser".into())
        } else {
            Ok(())
        }),
        _ => return None,
    })
}

fn check_consistency(app: &App) {
    let (model, ui) = (&app.flow, &app.ui);
    let list = &model.destinations();
    assert!(list.matches.iter().all(|&i| i < list.items.len()));
    assert!(
        list.matches.is_empty() || ui.destination.cursor < list.matches.len(),
        "cursor {} of {}",
        ui.destination.cursor,
        list.matches.len()
    );
    assert_eq!(list.items.len(), list.haystacks.len());
    assert!(model.tags().rows.is_empty() || ui.tags.cursor < model.tags().rows.len());
    assert!(model.tags().rows.len() <= iotmi_core::flow::validate::MAX_TAGS);
    // The text widgets show what the flow holds.
    assert_eq!(ui.details.name.value(), model.details().name);
    assert_eq!(ui.details.description.value(), model.details().description);
    assert_eq!(ui.destination.filter.value(), list.filter);
    if matches!(model.step(), Step::Authorize | Step::Status | Step::Done) {
        assert!(
            model.association().is_some(),
            "{:?} without an association",
            model.step()
        );
    }
    if matches!(
        model.step(),
        Step::Details | Step::Tags | Step::Auth | Step::Review
    ) {
        assert!(
            model.destination().is_some(),
            "{:?} without a destination",
            model.step()
        );
    }
    if model.step() == Step::Auth {
        assert!(model.uses_general_authorization());
    }
    let (k, n) = model.step_position();
    assert!(k >= 1 && k <= n);
}

#[test]
fn start_manage_and_resume_screens() {
    let mut opts = ssh_options();
    opts.first = FirstScreen::Start;
    let mut h = Harness::loaded(opts, destinations());
    h.send(Event::Identity(Ok(identity())));
    snap("start", &h);
    // Before the account is known, and when it cannot be: the SSO sign-in is offered in place.
    let mut failed = Harness::loaded(
        Options {
            first: FirstScreen::Start,
            aws_cli: true,
            target: Target {
                profile: "ops".into(),
                credentials: "SSO".into(),
                ..ssh_options().target
            },
            ..ssh_options()
        },
        destinations(),
    );
    iotmi_core::flow::testing::set_identity(
        &mut failed.app.flow,
        iotmi_core::flow::Identity::Checking,
    );
    snap("start_checking_identity", &failed);
    failed.send(Event::Identity(Err(ServiceError::new(
        ErrorKind::NoCredentials,
        "the SSO session for this profile has expired",
    ))));
    snap("start_sso_expired", &failed);
    h.key(KeyCode::Down);
    let effects = h.key(KeyCode::Enter);
    let generation = effects
        .iter()
        .find_map(|e| match e {
            Effect::ListAssociations { generation, .. } => Some(*generation),
            _ => None,
        })
        .unwrap();
    let item = |id: &str, name: &str, state| AssociationSummary {
        id: id.into(),
        arn: String::new(),
        state,
        error_message: None,
        name: name.into(),
        description: String::new(),
        destination_id: "acme-home-us".into(),
    };
    h.send(Event::AssociationsPage {
        generation,
        result: Ok(Page {
            items: vec![
                item(
                    "7d2f4c9a",
                    "Summer house lights",
                    AssociationState::Succeeded,
                ),
                item(
                    "3a9e0b7c",
                    "Old apartment",
                    AssociationState::RefreshTokenExpired,
                ),
                item("9f1e2d3c", "Garage", AssociationState::Failed),
            ],
            next_token: None,
        }),
    });
    snap("manage", &h);
    let counting = h.key(KeyCode::Char('d'));
    let [Effect::ListRegisteredThings { generation, .. }] = counting.as_slice() else {
        panic!("{counting:?}")
    };
    h.send(Event::RegisteredThings {
        generation: *generation,
        result: Ok(["mt-1", "mt-2"]
            .map(|id| iotmi_core::service::ThingLink {
                managed_thing_id: id.into(),
                associated: true,
            })
            .to_vec()),
    });
    snap("manage_confirm_delete", &h);

    let mut journal_source = loaded();
    journal_source.choose(oauth("acme-home-us", "Acme Home US"));
    journal_source.key(KeyCode::Enter);
    let mut journal = journal_source.journal.clone().unwrap();
    // Three days ago, give or take the seconds this test takes: the same words each run.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    journal.saved_at = now.unwrap().as_secs() - 3 * 86400 - 600;
    let mut opts = ssh_options();
    opts.resume = Some(journal);
    let resume = Harness::loaded(opts, destinations());
    let text = render(&resume, 80, 24, COLOR).backend().to_string();
    assert!(text.contains("An unfinished onboarding was saved"));
    assert!(text.contains("at the tags step, not submitted"), "{text}");
    snap("resume", &resume);
}

#[test]
fn batch_screens() {
    use super::screens::batch::testing::*;
    let (checking, _) = harness(vec![row(2, GA, "kitchen"), row(3, OAUTH, "alice-home")]);
    snap("batch_checking", &checking);

    // Two rows the service's rules refuse, with their lines; a name with an escape sequence
    // is shown sanitised.
    let mut nameless = row(3, OAUTH, "x");
    nameless.draft.name = None;
    // The whole file is refused once the account is checked too (every problem at once).
    let (mut refused, effects) = harness(vec![
        row(2, GA, "kitchen\u{1b}[31m"),
        nameless,
        row(4, GA, "kitchen\u{1b}[31m"),
    ]);
    let mut no_service = Service {
        refuse: Vec::new(),
        approved: Vec::new(),
        rounds: 0,
    };
    drive(&mut refused, effects, &mut no_service);
    snap("batch_refused", &refused);

    let mut running = running();
    running.key(KeyCode::Char('n'));
    snap("batch_running", &running);

    let (mut failed, effects) = harness(vec![
        row(2, GA, "kitchen"),
        row(3, OAUTH, "alice-home"),
        row(4, GA, "garage"),
    ]);
    let mut service = Service {
        refuse: vec![(2, "Destination is disabled\u{1b}[2J")],
        approved: vec![1],
        rounds: 3,
    };
    let timers = drive(&mut failed, effects, &mut service);
    drive(&mut failed, timers, &mut service);
    failed.key(KeyCode::End);
    snap("batch_finished_with_a_failure", &failed);
}

/// The Devices step of "Kitchen" with `items` discovered (none chosen yet).
fn devices_harness(items: Vec<DiscoveredDevice>, association_name: &str) -> Harness {
    let mut h = loaded();
    let haystacks = items
        .iter()
        .map(|d| format!("{} {} {}", d.name, d.brand, d.model).to_lowercase())
        .collect();
    iotmi_core::flow::testing::open_devices(
        &mut h.app.flow,
        DevicesView {
            matches: (0..items.len()).collect(),
            items,
            haystacks,
            ..DevicesView::new(
                "aa-ok".into(),
                association_name.into(),
                DiscoveryState::Done { id: "d1".into() },
                false,
            )
        },
    );
    h
}

fn device(i: usize, name: &str, managed: Option<&str>) -> DiscoveredDevice {
    DiscoveredDevice {
        connector_device_id: format!("device-{i:02}"),
        name: name.into(),
        brand: ["Acme", "BrightLight"][i % 2].into(),
        model: format!("Model {}", i % 5),
        device_types: vec![["OnOffLight", "Thermostat"][i % 2].into()],
        modification: "DISCOVERED".into(),
        managed_thing_id: managed.map(String::from),
        auth_material: String::new(),
    }
}

/// More devices than the window holds: the list takes every row the screen has (no blank
/// rows are kept for a gauge or a message that are not there).
#[test]
fn devices_screen() {
    let items = (0..12)
        .map(|i| {
            device(
                i,
                &format!("Device {i:02}"),
                (i % 4 == 0).then_some("mt-0123456789abcdef"),
            )
        })
        .collect();
    let h = devices_harness(items, "Kitchen");
    snap("devices_list", &h);
    let text = render(&h, 60, 16, COLOR).backend().to_string();
    // 16 rows: header 3, status 1, filter 3, list borders 2, flash 1, footer 1 → 5 devices.
    assert!(text.contains("Device 04"), "{text}");
}

/// Values as the service or a file may hand them over, long: numbered words, so any ten
/// characters of one say where in it they stand.
fn long_value(tag: &str, words: usize, joiner: &str) -> String {
    (0..words)
        .map(|i| format!("{tag}{i:02}"))
        .collect::<Vec<_>>()
        .join(joiner)
}

/// The screen's rows, each as (column, character) pairs (the hidden half of a wide character
/// left out).
fn screen_rows(buffer: &ratatui::buffer::Buffer) -> Vec<Vec<(u16, char)>> {
    use unicode_width::UnicodeWidthStr;
    let area = buffer.area;
    (area.top()..area.bottom())
        .map(|y| {
            let mut row = Vec::new();
            let mut x = area.left();
            while x < area.right() {
                let symbol = buffer[(x, y)].symbol();
                row.extend(symbol.chars().map(|c| (x, c)));
                x += symbol.width().max(1) as u16;
            }
            row
        })
        .collect()
}

/// Every place a long value shows on screen, it shows whole, or goes on on the next row
/// (wrapped), or ends with `…` (here, or on the edge of the box right below: a box that
/// cannot hold its lines says so on its bottom edge). Never cut silently at an edge.
fn assert_no_silent_cut(what: &str, buffer: &ratatui::buffer::Buffer, values: &[&str]) {
    const SEPARATORS: &str = "│┌┐└┘─├┤";
    let rows = screen_rows(buffer);
    let screen: String = rows
        .iter()
        .map(|r| r.iter().map(|(_, c)| *c).collect::<String>() + "\n")
        .collect();
    for (y, row) in rows.iter().enumerate() {
        for segment in row.split(|(_, c)| SEPARATORS.contains(*c)) {
            let chars: Vec<char> = segment.iter().map(|(_, c)| *c).collect();
            for value in values {
                let value: Vec<char> = value.chars().collect();
                let mut p = 0;
                while p + 10 <= chars.len() {
                    let Some(i) = value.windows(10).position(|w| w == &chars[p..p + 10]) else {
                        p += 1;
                        continue;
                    };
                    let mut shown = 10;
                    while p + shown < chars.len()
                        && i + shown < value.len()
                        && chars[p + shown] == value[i + shown]
                    {
                        shown += 1;
                    }
                    let end = i + shown;
                    let rest: String = chars[p + shown..].iter().collect();
                    let marked = rest.starts_with('…');
                    let wrapped = rest.trim().is_empty() && {
                        let (first, last) = (
                            segment[0].0.saturating_sub(1),
                            segment.last().unwrap().0 + 1,
                        );
                        let below: String = rows
                            .get(y + 1)
                            .map(|r| {
                                r.iter()
                                    .filter(|(x, _)| (first..=last).contains(x))
                                    .map(|(_, c)| *c)
                                    .collect()
                            })
                            .unwrap_or_default();
                        let next: String = value[end..]
                            .iter()
                            .collect::<String>()
                            .trim_start()
                            .chars()
                            .take(8)
                            .collect();
                        below.contains(&next) || below.contains('…')
                    };
                    assert!(
                        end == value.len() || marked || wrapped,
                        "{what}: {:?} is cut after {:?} without `…` on row {y}:\n{screen}",
                        value.iter().collect::<String>(),
                        value[..end].iter().collect::<String>(),
                    );
                    p += shown;
                }
            }
        }
    }
}

/// Renders `h` at 80x24 and 60x16 and checks `values` on both.
fn check_cuts(what: &str, h: &Harness, values: &[&str]) {
    for (width, height) in [(80, 24), (60, 16)] {
        let terminal = render(h, width, height, COLOR);
        assert_no_silent_cut(
            &format!("{what} at {width}x{height}"),
            terminal.backend().buffer(),
            values,
        );
    }
}

/// Names, ids, descriptions, error messages, URLs and device names far longer than any
/// window, on every screen the snapshots draw: each is shown whole or ends with `…`.
#[test]
fn no_screen_cuts_a_long_value_silently() {
    let profile = long_value("pf", 20, "-");
    let name = long_value("dn", 40, " ");
    let id = long_value("id", 13, "-");
    let description = long_value("ds", 60, " ");
    let error = long_value("er", 60, " ");
    let connector = long_value("cn", 12, " ");
    let material = long_value("am", 16, "-");
    let typed = long_value("nm", 25, " ");
    // The URL's host is named elsewhere on the screen too: its long query is what is checked.
    let state = long_value("u", 70, "_");
    let url = format!("https://auth.example.com/oauth/authorize?state={state}");
    let values = [
        profile.as_str(),
        &name,
        &id,
        &description,
        &error,
        &connector,
        &material,
        &typed,
        &state,
    ];

    let mut opts = ssh_options();
    opts.target.profile = profile.clone();
    let long_destination = DestinationSummary {
        id: id.clone(),
        name: name.clone(),
        description: description.clone(),
        cloud_connector_id: "cc1".into(),
    };
    let mut h = Harness::loaded(
        opts.clone(),
        vec![long_destination, dest("acme-home-us", "Acme Home US")],
    );
    h.send(Event::Connectors(Ok(vec![CloudConnector {
        id: "cc1".into(),
        name: connector.clone(),
    }])));
    h.send(Event::Identity(Ok(identity())));
    check_cuts("destination list", &h, &values);

    let mut failed = Harness::new(opts.clone());
    let generation = list_generation(&failed.init());
    failed.send(Event::DestinationsPage {
        generation,
        result: Err(ServiceError::new(ErrorKind::ServerError, &error)),
    });
    check_cuts("destination error", &failed, &values);

    // General Authorization: its materials, then the rest of the walk.
    let mut walk = h;
    walk.choose(general(&id, &name, &[&material, "backup-key"]));
    // The name field starts as the destination's name, cut to the 128 characters a name may
    // have (the counter says 128/128); a name typed in its place is checked instead.
    walk.ctrl('u');
    walk.type_text(&typed);
    check_cuts("details, a long name typed", &walk, &values);
    walk.key(KeyCode::Enter);
    let (tag_key, tag_value) = (long_value("tk", 20, "-"), long_value("tv", 40, "-"));
    walk.paste(&format!("{tag_key}={tag_value}"));
    let with_tags: Vec<&str> = values
        .iter()
        .copied()
        .chain([tag_key.as_str(), &tag_value])
        .collect();
    check_cuts("tags", &walk, &with_tags);
    walk.key(KeyCode::Enter);
    check_cuts("auth", &walk, &with_tags);
    walk.key(KeyCode::Enter);
    check_cuts("review", &walk, &with_tags);
    let effects = walk.key(KeyCode::Enter);
    walk.send(Event::Created {
        generation: generation_of(&effects),
        result: Err(ServiceError::new(ErrorKind::Validation, &error)),
    });
    check_cuts("submit failed", &walk, &with_tags);

    // OAuth: the hand-over, the state, and how it ended.
    let mut oauth_walk = Harness::loaded(opts.clone(), destinations());
    oauth_walk.choose(oauth(&id, &name));
    oauth_walk.ctrl('u');
    oauth_walk.type_text(&typed);
    oauth_walk.key(KeyCode::Enter);
    oauth_walk.key(KeyCode::Enter);
    let effects = oauth_walk.submit_and_create(&url);
    check_cuts("authorize", &oauth_walk, &values);
    let generation = poll_generation(&effects);
    oauth_walk.send(Event::PollDue { generation });
    let mut ended = polled(AssociationState::Failed, Some(&error));
    ended.id = id.clone();
    oauth_walk.send(Event::Polled {
        generation,
        result: Ok(ended),
    });
    check_cuts("done, failed", &oauth_walk, &values);

    // Manage: long names, ids and errors in the list and its details.
    let mut manage_opts = opts.clone();
    manage_opts.first = FirstScreen::Start;
    let mut manage = Harness::loaded(manage_opts, destinations());
    manage.send(Event::Identity(Ok(identity())));
    manage.key(KeyCode::Down);
    let effects = manage.key(KeyCode::Enter);
    let generation = effects
        .iter()
        .find_map(|e| match e {
            Effect::ListAssociations { generation, .. } => Some(*generation),
            _ => None,
        })
        .unwrap();
    manage.send(Event::AssociationsPage {
        generation,
        result: Ok(Page {
            items: vec![AssociationSummary {
                id: id.clone(),
                arn: String::new(),
                state: AssociationState::Failed,
                error_message: Some(error.clone()),
                name: name.clone(),
                description: description.clone(),
                destination_id: id.clone(),
            }],
            next_token: None,
        }),
    });
    check_cuts("manage", &manage, &values);

    // Devices: long device names, and the managed thing's id.
    let devices = devices_harness(
        (0..12).map(|i| device(i, &name, Some(&id))).collect(),
        &name,
    );
    check_cuts("devices", &devices, &values);

    // Batch: long row names (the file's) and a long refusal (the service's).
    use super::screens::batch::testing::*;
    let batch_name = long_value("bn", 25, " ");
    let (mut batch, effects) = harness(vec![row(2, GA, &batch_name), row(3, OAUTH, "alice-home")]);
    let refusal: &'static str = Box::leak(error.clone().into_boxed_str());
    let mut service = Service {
        refuse: vec![(0, refusal)],
        approved: vec![],
        rounds: 1,
    };
    let timers = drive(&mut batch, effects, &mut service);
    drive(&mut batch, timers, &mut service);
    let with_batch: Vec<&str> = values
        .iter()
        .copied()
        .chain([batch_name.as_str()])
        .collect();
    check_cuts("batch rows", &batch, &with_batch);
    batch.key(KeyCode::End);
    check_cuts("batch rows, the last selected", &batch, &with_batch);
}

#[test]
fn over_ssh_the_qr_code_of_a_loopback_url_does_not_say_scan_it() {
    let caption = |ssh: bool, url: &str| {
        let mut opts = ssh_options();
        opts.endpoint_is_loopback = true;
        opts.ssh = ssh.then(|| iotmi_core::flow::SshSession {
            tunnel: Some("ssh -L 4567:127.0.0.1:4567 alice@6.7.8.9".into()),
            port_per_run: false,
        });
        let mut h = Harness::loaded(opts, destinations());
        h.send(Event::Identity(Ok(identity())));
        h.choose(oauth("acme-home-us", "Acme Home US"));
        h.key(KeyCode::Tab);
        h.key(KeyCode::Enter);
        h.key(KeyCode::Enter);
        h.submit_and_create(url);
        h.key(KeyCode::Char('v'));
        render(&h, 120, 60, COLOR).backend().to_string()
    };
    let loopback = "http://127.0.0.1:4567/oauth/authorize?client_id=demo&state=abc";
    let screen = caption(true, loopback);
    assert!(
        screen.contains("A phone cannot reach this host's loopback"),
        "{screen}"
    );
    assert!(!screen.contains("Scan it with a phone"), "{screen}");
    // Not over SSH, or a URL on the internet: a phone can open it.
    assert!(caption(false, loopback).contains("Scan it with a phone"));
    assert!(caption(true, URL).contains("Scan it with a phone"));
}
