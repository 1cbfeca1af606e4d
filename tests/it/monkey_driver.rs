//! The real driver loop with the real SDK-backed service and an in-process simulator, fed
//! thousands of seeded random keys, pastes and resizes: nothing panics, the loop keeps
//! answering, and whatever it created exists in the service.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::StreamExt;
use iotmi_core::flow::{FirstScreen, Flow, Options, OutcomeKind, Prefill, Target};
use iotmi_core::url_policy::{LaunchDecision, SkipReason};
use iotmi_onboard::runtime::Runtime;
use iotmi_onboard::sdk::LazySdkService;
use iotmi_onboard::ui::app::App;
use iotmi_onboard::ui::driver::run;
use iotmi_onboard::ui::terminal::Host;
use iotmi_onboard::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

struct NullHost;

impl Host for NullHost {
    fn copy(&mut self, _: &str) -> String {
        String::new()
    }
    fn show_unwrapped(&mut self, _: &str, _: &str, _: Option<&str>) {}
    fn resume(&mut self) {}
    fn notify(&mut self, _: &str, _: &str) {}
    fn run(&mut self, _: &[String]) -> std::io::Result<std::process::ExitStatus> {
        Err(std::io::Error::other("not here"))
    }
}

fn random_event(rng: &mut fastrand::Rng) -> Event {
    const CODES: [KeyCode; 12] = [
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::PageDown,
        KeyCode::Backspace,
        KeyCode::Delete,
        KeyCode::F(1),
        KeyCode::Left,
        KeyCode::End,
    ];
    let chars: Vec<char> = "adejknrvuocgmxyw/ =,.-_é\u{1b}".chars().collect();
    match rng.u8(0..100) {
        0..=24 => Event::Key(KeyEvent::from(KeyCode::Enter)),
        25..=59 => Event::Key(KeyEvent::from(CODES[rng.usize(0..CODES.len())])),
        60..=89 => {
            let modifiers = if rng.u8(0..10) == 0 {
                KeyModifiers::ALT
            } else {
                KeyModifiers::NONE
            };
            Event::Key(KeyEvent::new(
                KeyCode::Char(chars[rng.usize(0..chars.len())]),
                modifiers,
            ))
        }
        90..=94 => Event::Paste(
            ["a=1,b=2", "Name with.dot", "x\ny", "k=v\u{7}"][rng.usize(0..4)].to_string(),
        ),
        _ => Event::Resize(rng.u16(30..160), rng.u16(8..60)),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_input_against_the_real_service_never_panics() {
    let sim = common::start(iotmi_simulator::SimConfig {
        approve_after_ms: 50,
        fail_rate: 0.1,
        fault_seed: Some(7),
        ..common::config()
    })
    .await;
    let endpoint = sim.endpoint();
    for seed in 0..4u64 {
        let mut rng = fastrand::Rng::with_seed(seed);
        let events: Vec<std::io::Result<Event>> =
            (0..800).map(|_| Ok(random_event(&mut rng))).collect();
        // A few milliseconds between events lets answers from the service interleave.
        let stream = futures::stream::iter(events)
            .then(|event| async move {
                tokio::time::sleep(Duration::from_millis(2)).await;
                event
            })
            .chain(futures::stream::pending());
        let options = Options {
            prefill: Prefill::default(),
            launch: LaunchDecision::Skip(SkipReason::Disabled),
            endpoint_is_loopback: true,
            wait_timeout: Duration::from_secs(900),
            token_seed: format!("monkey{seed}"),
            token_rule: iotmi_core::flow::TokenRule::PerSession,
            journaled: false,
            notify: false,
            ssh: None,
            aws_cli: false,
            profiles: Vec::new(),
            last_profile: None,
            batch: None,
            held: None,
            target: Target {
                profile: "demo".into(),
                region: Some("us-east-1".into()),
                endpoint: Some(endpoint.clone()),
                account: None,
                ..Target::default()
            },
            resume: None,
            notice: None,
            first: if seed % 2 == 0 {
                FirstScreen::Start
            } else {
                FirstScreen::Manage
            },
        };
        let mut app = App::new(Flow::new(options, std::time::Instant::now()));
        let service = Arc::new(LazySdkService::from_config(
            iotmi_onboard::aws::demo_sdk_config(&endpoint),
            true,
        ));
        let mut runtime = Runtime::new(service, None);
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        let stop = async {
            tokio::time::sleep(Duration::from_secs(4)).await;
            OutcomeKind::Interrupted
        };
        let outcome = run(
            &mut terminal,
            &mut NullHost,
            &mut app,
            &mut runtime,
            &Theme { color: false },
            Box::pin(stream),
            stop,
            None,
        )
        .await
        .unwrap();
        // Whatever it created is known to the service.
        if let Some(summary) = outcome.summary {
            let client = common::client_with_attempts(&sim, 10);
            let found = client
                .get_account_association()
                .account_association_id(&summary.association_id)
                .send()
                .await;
            assert!(
                found.is_ok(),
                "seed {seed}: {} unknown to the service",
                summary.association_id
            );
        }
    }
    sim.shutdown().await;
}
