//! What the program costs while it runs, through a pty and in-process:
//! - scale: 10,000 destinations listed (time to all shown), and the per-keystroke
//!   filter + render time on `TestBackend` (p50/p95);
//! - idle: CPU time in 10 s on a static screen, and in 10 s of Status polling, with the
//!   requests made per minute while waiting;
//! - polling: delay between the service flipping the state and the screen showing it.
//!
//! `cargo bench --bench runtime` (`BENCH_RUNS` sets the repeats of the pty measurements).

mod support;

use std::time::{Duration, Instant};

use iotmi_core::flow::{
    Effect, Event, FirstScreen, Flow, Options, Prefill, Target, TokenRule, init,
};
use iotmi_core::service::{DestinationSummary, Page};
use iotmi_core::url_policy::{LaunchDecision, SkipReason};
use iotmi_onboard::ui::app::App;
use iotmi_simulator::SimConfig;
use support::{Run, keystroke_samples, ms, report, runs};

fn options() -> Options {
    Options {
        prefill: Prefill::default(),
        launch: LaunchDecision::Skip(SkipReason::Disabled),
        endpoint_is_loopback: true,
        wait_timeout: Duration::from_secs(900),
        token_seed: "bench".into(),
        token_rule: TokenRule::PerSession,
        journaled: false,
        notify: false,
        ssh: None,
        aws_cli: false,
        profiles: Vec::new(),
        last_profile: None,
        batch: None,
        held: None,
        target: Target {
            profile: "bench".into(),
            region: Some("us-east-1".into()),
            endpoint: None,
            account: None,
            ..Target::default()
        },
        resume: None,
        notice: None,
        first: FirstScreen::Create,
    }
}

/// Filter + render per keystroke with 10,000 destinations, in-process (no pty noise): the
/// key through the keymap and the flow, then the whole screen.
fn filter_and_render() {
    let mut app = App::new(Flow::new(options(), std::time::Instant::now()));
    let generation = init(&mut app.flow)
        .into_iter()
        .find_map(|e| match e {
            Effect::ListDestinations { generation, .. } => Some(generation),
            _ => None,
        })
        .unwrap();
    let items: Vec<DestinationSummary> = (0..10_000)
        .map(|i| DestinationSummary {
            id: format!("generated-{i:05}"),
            name: format!("Generated destination {i:05}"),
            description: format!("Generated for scale tests, number {i}"),
            cloud_connector_id: format!("connector-{}", i % 4),
        })
        .collect();
    app.event(
        Event::DestinationsPage {
            generation,
            result: Ok(Page {
                items,
                next_token: None,
            }),
        },
        std::time::Instant::now(),
    );
    let samples = keystroke_samples(&mut app, "generated 04");
    report(
        "filter + render per keystroke, 10,000 destinations",
        "ms",
        samples,
    );
}

fn main() {
    let runs = runs(5);
    filter_and_render();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let big = runtime
        .block_on(iotmi_simulator::start(SimConfig {
            destinations: 10_000,
            ..Default::default()
        }))
        .unwrap();
    let big_endpoint = big.endpoint();
    let mut listed = Vec::new();
    for _ in 0..runs {
        let run = Run::spawn(&[
            "--endpoint-url",
            &big_endpoint,
            "--region",
            "us-east-1",
            "--no-browser",
            "--destination",
            "acme-home-us",
        ]);
        listed.push(ms(run.wait_for("10007/10007")));
        run.finish();
    }
    report("start → all 10,000 destinations listed (pty)", "ms", listed);

    // Idle on a static screen: the destination list, fully loaded, nothing moving.
    let mut idle = Vec::new();
    for _ in 0..runs.min(3) {
        let run = Run::spawn(&["demo", "--no-browser", "--destination", "acme-home-us"]);
        run.wait_for("7/7");
        run.settle(Instant::now(), Duration::from_millis(500));
        let before = run.cpu_time();
        std::thread::sleep(Duration::from_secs(10));
        idle.push(ms(run.cpu_time() - before));
        run.finish();
    }
    report("CPU time in 10 s on a static screen", "ms", idle);

    // Polling: an OAuth association waiting for consent that never comes, then one approved.
    let simulator = runtime
        .block_on(iotmi_simulator::start(SimConfig {
            approve_after_ms: 500,
            ..Default::default()
        }))
        .unwrap();
    let endpoint = simulator.endpoint();
    let dir = tempfile::tempdir().unwrap();
    let (mut polling_cpu, mut per_minute, mut delays) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..runs.min(3) {
        let log = dir.path().join(format!("poll-{i}.log"));
        let name = format!("Bench polling {i}");
        let mut run = Run::spawn(&[
            "--endpoint-url",
            &endpoint,
            "--region",
            "us-east-1",
            "--no-browser",
            "--destination",
            "acme-home-us",
            "--name",
            &name,
            "--log-file",
            log.to_str().unwrap(),
        ]);
        run.wait_for("Acme Home US");
        for step in ["Step 2 of", "Step 3 of", "Step 4 of", "Step 5 of"] {
            run.send(b"\r");
            run.wait_for(step);
        }
        run.wait_for("ASSOCIATION_IN_PROGRESS");
        let polls_before = count_polls(&log);
        let before = run.cpu_time();
        std::thread::sleep(Duration::from_secs(10));
        polling_cpu.push(ms(run.cpu_time() - before));
        per_minute.push((count_polls(&log) - polls_before) as f64 * 6.0);
        // Approve now: the service flips 500 ms later; how long until the screen shows it?
        let url = association_url(&runtime, &endpoint, &name);
        let approved_at = Instant::now();
        approve(&url);
        let flipped_at = approved_at + Duration::from_millis(500);
        let shown = run.wait_for_after("ASSOCIATION_SUCCEEDED", approved_at);
        delays.push(ms(shown.saturating_duration_since(flipped_at)));
        run.finish();
    }
    report("CPU time in 10 s of Status polling", "ms", polling_cpu);
    report(
        "GetAccountAssociation requests per minute while waiting",
        "req",
        per_minute,
    );
    report("state flipped → shown on screen", "ms", delays);
    runtime.block_on(big.shutdown());
    runtime.block_on(simulator.shutdown());
}

fn count_polls(log: &std::path::Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("GetAccountAssociation"))
        .count()
}

fn association_url(runtime: &tokio::runtime::Runtime, endpoint: &str, name: &str) -> String {
    let client = iotmi_onboard::aws::iotmi_client(&iotmi_onboard::aws::demo_sdk_config(endpoint));
    runtime.block_on(async {
        let list = client.list_account_associations().send().await.unwrap();
        let id = list
            .items()
            .iter()
            .find(|a| a.name() == Some(name))
            .unwrap()
            .account_association_id()
            .to_owned();
        client
            .get_account_association()
            .account_association_id(id)
            .send()
            .await
            .unwrap()
            .o_auth_authorization_url()
            .to_owned()
    })
}

/// Submits the consent form's hidden fields with decision=approve, as a browser would.
fn approve(url: &str) {
    let agent = ureq::AgentBuilder::new().try_proxy_from_env(false).build();
    let page = agent.get(url).call().unwrap().into_string().unwrap();
    let mut form: Vec<(String, String)> = page
        .split("<input type=\"hidden\" ")
        .skip(1)
        .filter_map(|tag| {
            let name = tag.split("name=\"").nth(1)?.split('"').next()?.to_owned();
            let value = tag.split("value=\"").nth(1)?.split('"').next()?.to_owned();
            Some((name, value))
        })
        .collect();
    form.push(("decision".into(), "approve".into()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // The form posts back to the page's own path; ureq follows the redirects to the end.
    let base = url::Url::parse(url).unwrap();
    agent
        .post(&base[..url::Position::AfterPath])
        .send_form(&pairs)
        .unwrap();
}
