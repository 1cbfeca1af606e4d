//! The whole flow against a faulty service (30% of calls fail with 500/503, every third is
//! throttled, 200 ms added to each): the operator retries what the SDK's own retries could not
//! save, and exactly one association exists at the end, every time (checked through the service).

use std::time::{Duration, Instant};

use crate::common;
use crate::common::e2e::{Sim, wizard_args, write_browser};
use crate::common::pty::{Spawn, Tui};
use iotmi_simulator::SimConfig;

fn one_flow(seed: u64) {
    let sim = Sim::with(SimConfig {
        fail_rate: 0.3,
        throttle_every: 3,
        latency_ms: 200,
        fault_seed: Some(seed),
        approve_after_ms: 100,
        ..common::config()
    });
    let dir = tempfile::tempdir().unwrap();
    let (browser, log) = write_browser(dir.path(), "approve");
    let name = format!("Faulty run {seed}");
    let args = wizard_args(
        &sim,
        &[
            "--destination",
            "acme-home-us",
            "--name",
            &name,
            "--tag",
            "env=faults",
            "--browser-command",
            &browser,
        ],
    );
    let mut tui = Tui::spawn(dir.path(), Spawn::new(&args));
    tui.attach_log(&log);
    // Act like an operator: Enter through the steps, retry whatever failed for good.
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut last_action = Instant::now() - Duration::from_secs(1);
    loop {
        let screen = tui.screen();
        if screen.contains("ASSOCIATION_SUCCEEDED") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "seed {seed}: no success in time\n{}",
            tui.dump()
        );
        if last_action.elapsed() > Duration::from_millis(300) {
            let key: Option<&[u8]> =
                if screen.contains("Could not list") || screen.contains("Could not create") {
                    Some(b"r")
                } else if screen.contains("Could not fetch")
                    || (screen.contains("Step 1 of")
                        && screen.contains("Acme Home US")
                        && !screen.contains("Fetching"))
                    || screen.contains("Step 2 of")
                    || screen.contains("Step 3 of")
                    || (screen.contains("Step 4 of") && screen.contains("Review"))
                {
                    Some(b"\r")
                } else {
                    None
                };
            if let Some(key) = key {
                tui.send(key);
                last_action = Instant::now();
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    tui.send(b"\r");
    assert_eq!(tui.wait_exit(), 0, "seed {seed}\n{}", tui.dump());

    // A client that outlasts the faults checks the service's own record.
    let client = common::client_with_attempts(&sim.handle, 20);
    let items = sim
        .rt
        .block_on(client.list_account_associations().send())
        .expect("list")
        .items()
        .to_vec();
    let mine: Vec<_> = items
        .iter()
        .filter(|a| a.name() == Some(name.as_str()))
        .collect();
    assert_eq!(
        mine.len(),
        1,
        "seed {seed}: exactly one association, got {mine:?}"
    );
    assert_eq!(
        mine[0].association_state().as_str(),
        "ASSOCIATION_SUCCEEDED"
    );
}

#[test]
fn flow_completes_through_faults_with_exactly_one_association() {
    for seed in [1, 2, 3] {
        one_flow(seed);
    }
}
