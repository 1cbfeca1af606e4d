//! Round-trip latency of the simulator as the wizard sees it: the real SDK client calling
//! GetAccountAssociation, from several concurrent clients. Prints median and p99 in µs.
//!
//! Run: `cargo bench --bench simulator_latency` (env BENCH_CLIENTS / BENCH_CALLS override).

use std::time::{Duration, Instant};

use iotmi_simulator::{self, SimConfig};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn main() -> anyhow::Result<()> {
    // `cargo bench` passes `--bench`; with harness = false there is nothing to parse.
    let clients = env_or("BENCH_CLIENTS", 8);
    let calls = env_or("BENCH_CALLS", 500);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let sim = iotmi_simulator::start(SimConfig::default()).await?;
        let config = iotmi_onboard::aws::demo_sdk_config(&sim.endpoint());
        let setup = iotmi_onboard::aws::iotmi_client(&config);
        let created = setup
            .create_account_association()
            .connector_destination_id("acme-home-us")
            .name("Bench home")
            .send()
            .await?;
        let id = created.account_association_id().to_owned();

        let started = Instant::now();
        let tasks: Vec<_> = (0..clients)
            .map(|_| {
                let client = iotmi_onboard::aws::iotmi_client(&config);
                let id = id.clone();
                tokio::spawn(async move {
                    let mut samples = Vec::with_capacity(calls);
                    for _ in 0..calls {
                        let t = Instant::now();
                        client.get_account_association().account_association_id(&id).send().await?;
                        samples.push(t.elapsed());
                    }
                    anyhow::Ok(samples)
                })
            })
            .collect();
        let mut samples = Vec::with_capacity(clients * calls);
        for task in tasks {
            samples.extend(task.await??);
        }
        let wall = started.elapsed();
        samples.sort();
        let median = percentile(&samples, 0.50);
        let p99 = percentile(&samples, 0.99);
        println!(
            "simulator_latency: {clients} clients x {calls} GetAccountAssociation = {} calls in {:.2} s ({:.0} req/s)",
            samples.len(),
            wall.as_secs_f64(),
            samples.len() as f64 / wall.as_secs_f64()
        );
        println!("median: {} us", median.as_micros());
        println!("p99:    {} us", p99.as_micros());
        sim.shutdown().await;
        anyhow::Ok(())
    })
}
