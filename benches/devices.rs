//! Devices at scale: discovery + adoption of 1,000 devices by the real binary against the
//! simulator (`discover ID --wait --adopt all`: wall time, requests made, peak RSS), and the
//! Devices list's filter + render per keystroke at 1,000 devices (in-process, `TestBackend`).
//!
//! `cargo bench --bench devices` (`BENCH_RUNS` sets the repeats of the adoption run; `BENCH_BIN`
//! another build of the binary for it, e.g. `target/dist/iotmi-onboard`).

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent};
use iotmi_core::flow::{DevicesView, DiscoveryState, Flow};
use iotmi_core::service::DiscoveredDevice;
use iotmi_onboard::ui::app::App;
use iotmi_simulator::SimConfig;
use support::{bin, keystroke_samples, report, runs};

const DEVICES: usize = 1_000;

fn filter_and_render() {
    let options = iotmi_onboard::session::options(
        Default::default(),
        true,
        Default::default(),
        true,
        None,
        Duration::from_secs(900),
    );
    let mut flow = Flow::new(options, std::time::Instant::now());
    let items: Vec<DiscoveredDevice> = (0..DEVICES)
        .map(|i| DiscoveredDevice {
            connector_device_id: format!("device-{i:04}"),
            name: format!("Bench device {i:04}"),
            brand: ["Acme", "BrightLight", "Nordic"][i % 3].into(),
            model: format!("Model {}", i % 17),
            device_types: vec![["OnOffLight", "Thermostat", "Camera"][i % 3].into()],
            modification: "DISCOVERED".into(),
            managed_thing_id: None,
            auth_material: String::new(),
        })
        .collect();
    let haystacks = items
        .iter()
        .map(|d| {
            format!(
                "{} {} {} {}",
                d.name,
                d.brand,
                d.model,
                d.device_types.join(" ")
            )
            .to_lowercase()
        })
        .collect();
    iotmi_core::flow::testing::open_devices(
        &mut flow,
        DevicesView {
            matches: (0..items.len()).collect(),
            items,
            haystacks,
            ..DevicesView::new(
                "bench".into(),
                "Bench".into(),
                DiscoveryState::Done { id: "d".into() },
                false,
            )
        },
    );
    let mut app = App::new(flow);
    app.key(
        KeyEvent::from(KeyCode::Char('/')),
        std::time::Instant::now(),
    );
    let samples = keystroke_samples(&mut app, "device 04");
    report(
        "Devices: filter + render per keystroke, 1,000 devices",
        "ms",
        samples,
    );
}

fn main() {
    let runs = runs(3);
    filter_and_render();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (mut wall, mut requests, mut rss) = (Vec::new(), Vec::new(), Vec::new());
    let dir = tempfile::tempdir().unwrap();
    for run in 0..runs {
        // A fresh simulator each run: every device is new to adopt.
        let simulator = runtime
            .block_on(iotmi_simulator::start(SimConfig {
                devices: DEVICES,
                discovery_ms: 500,
                ..Default::default()
            }))
            .unwrap();
        let endpoint = simulator.endpoint();
        let log = dir.path().join(format!("adopt-{run}.log"));
        let started = Instant::now();
        let out = Command::new("/usr/bin/time")
            .args(["-f", "%M"])
            .arg(bin())
            .args([
                "discover",
                "7d2f4c9a1b3e4f6a8c0d2e4f6a8b0c1d",
                "--wait",
                "--adopt",
                "all",
                "--output",
                "json",
                "--endpoint-url",
                &endpoint,
                "--region",
                "us-east-1",
                "--log-file",
                log.to_str().unwrap(),
            ])
            .env("AWS_ACCESS_KEY_ID", "AKIDBENCH")
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("NO_PROXY", "127.0.0.1")
            .stdin(Stdio::null())
            .output()
            .expect("run the binary");
        wall.push(started.elapsed().as_secs_f64());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let adopted: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let count = adopted.as_array().map(Vec::len).unwrap_or_default();
        assert!(count >= DEVICES, "{count} devices");
        let calls = std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains(" ok") || l.contains(" failed"))
            .count();
        requests.push(calls as f64);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let kb: f64 = stderr
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or(0.0);
        rss.push(kb / 1024.0);
        runtime.block_on(simulator.shutdown());
    }
    report(
        "discover + adopt all, 1,000 devices (wall, whole process)",
        "s",
        wall,
    );
    report(
        "service calls logged for it (an adoption is 2 requests)",
        "calls",
        requests,
    );
    report("peak RSS of that process", "MB", rss);
}
