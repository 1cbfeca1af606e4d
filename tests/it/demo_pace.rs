//! `demo --pace`: the embedded simulator's delays come from the pace, as the demo builds its
//! configuration from the command line (`DemoArgs::sim_config`, what `main` starts).

use std::time::{Duration, Instant};

use crate::common::{client, consent_walk, create_association, start, state_of};
use aws_sdk_iotmanagedintegrations::types::AssociationState;
use clap::Parser;
use iotmi_onboard::cli::{Cli, Command};
use iotmi_simulator::SimConfig;

fn demo_config(args: &[&str]) -> SimConfig {
    let argv = ["iotmi-onboard", "demo"].iter().chain(args);
    match Cli::try_parse_from(argv).expect("demo flags parse").command {
        Some(Command::Demo(demo)) => demo.sim_config(),
        other => panic!("{other:?}"),
    }
}

/// Approves a new association's consent as a browser would and measures the time from the
/// approval to the first `GetAccountAssociation` that says SUCCEEDED.
async fn approve_to_success(config: SimConfig) -> Duration {
    let sim = start(config).await;
    let client = client(&sim);
    let (id, url) = create_association(&client, "acme-home-us", "Pace").await;
    let approved = Instant::now();
    let walk = tokio::task::spawn_blocking(move || consent_walk(&url, "approve"))
        .await
        .expect("join");
    assert_eq!(walk.status, 200, "{walk:?}");
    loop {
        match state_of(&client, &id).await {
            Ok(AssociationState::AssociationSucceeded) => break,
            Ok(AssociationState::AssociationInProgress) => {}
            other => panic!("{other:?}"),
        }
        assert!(
            approved.elapsed() < Duration::from_secs(10),
            "never succeeded"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let took = approved.elapsed();
    sim.shutdown().await;
    took
}

#[tokio::test]
async fn fast_pace_settles_an_approval_in_under_half_a_second() {
    let fast = demo_config(&["--pace", "fast"]);
    assert!(fast.approve_after_ms < 500, "{fast:?}");
    // Wall time includes the consent walk and polling on a busy machine; normal's 1.5 s of
    // simulated delay alone could never come in under this bound.
    let took = approve_to_success(fast).await;
    assert!(took < Duration::from_millis(1500), "took {took:?}");
}

#[tokio::test]
async fn normal_pace_keeps_todays_approval_delay() {
    let normal = demo_config(&[]);
    assert_eq!(normal.approve_after_ms, 1500);
    let took = approve_to_success(normal).await;
    assert!(took >= Duration::from_millis(1500), "took {took:?}");
}
