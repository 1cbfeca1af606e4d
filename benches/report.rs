//! `iotmi-onboard report` over 10,000 associations against the embedded simulator (seeded
//! through `--seed`'s fixture format: the built-in catalogue plus the associations, one in ten
//! with two managed things): wall time, service calls (the command's closing line counts them),
//! throttles met, and the peak RSS of the process (getrusage of the waited-for child: its
//! VmHWM).
//!
//! `cargo bench --bench report` (`BENCH_ASSOCIATIONS` another count, `BENCH_RUNS` repeats,
//! `BENCH_BIN` another build of the binary, e.g. `target/dist/iotmi-onboard`).

mod support;

use std::process::{Command, Stdio};
use std::time::Instant;

use iotmi_simulator::SimConfig;
use support::{bin, report, runs};

/// The built-in catalogue (connectors, destinations) the seeded associations point at.
const FIXTURES: &str = include_str!("../crates/simulator/assets/fixtures.json");

fn seed_file(dir: &std::path::Path, associations: usize) -> std::path::PathBuf {
    let mut fixtures: serde_json::Value = serde_json::from_str(FIXTURES).unwrap();
    let items: Vec<serde_json::Value> = (0..associations)
        .map(|i| {
            serde_json::json!({
                "AccountAssociationId": format!("{i:032x}"),
                "ConnectorDestinationId": "brightlight-api-key",
                "Name": format!("Bench association {i:05}"),
                "AssociationState": "ASSOCIATION_SUCCEEDED",
                "Tags": { "bench": "report", "n": i.to_string() },
                "GeneralAuthorization": { "AuthMaterialName": "api-key" },
                "ManagedThings": if i % 10 == 0 { 2 } else { 0 },
            })
        })
        .collect();
    fixtures["AccountAssociations"] = serde_json::Value::Array(items);
    let path = dir.join("seed.json");
    std::fs::write(&path, serde_json::to_vec(&fixtures).unwrap()).unwrap();
    path
}

/// The peak resident size of the children waited for so far, MB.
fn children_peak_rss_mb() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(
        unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) },
        0
    );
    usage.ru_maxrss as f64 / 1024.0
}

fn main() {
    let associations: usize = std::env::var("BENCH_ASSOCIATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let runs = runs(1);
    let dir = tempfile::tempdir().unwrap();
    let seed = seed_file(dir.path(), associations);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let simulator = runtime
        .block_on(iotmi_simulator::start(SimConfig {
            seed: Some(seed),
            ..Default::default()
        }))
        .unwrap();
    let endpoint = simulator.endpoint();
    let (mut wall, mut calls, mut throttles, mut rss) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let started = Instant::now();
        let out = Command::new(bin())
            .args([
                "report",
                "--output",
                "json",
                "--endpoint-url",
                &endpoint,
                "--region",
                "us-east-1",
            ])
            .env("AWS_ACCESS_KEY_ID", "AKIDBENCH")
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("NO_PROXY", "127.0.0.1")
            .stdin(Stdio::null())
            .output()
            .expect("run the binary");
        wall.push(started.elapsed().as_secs_f64());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let count = rows.as_array().map(Vec::len).unwrap_or_default();
        // The fixtures' own associations are replaced by the seeded ones.
        assert_eq!(count, associations, "{stderr}");
        // "Reported N association(s) in T: C calls, H throttled, R calls/s at the end."
        let closing = stderr
            .lines()
            .find(|l| l.starts_with("Reported "))
            .unwrap_or_default();
        let number_before = |word: &str| -> f64 {
            closing
                .split(", ")
                .chain(closing.split(": "))
                .find_map(|part| part.trim().strip_suffix(word))
                .and_then(|n| n.trim().rsplit(' ').next()?.parse().ok())
                .unwrap_or(f64::NAN)
        };
        calls.push(number_before(" calls"));
        throttles.push(number_before(" throttled"));
        rss.push(children_peak_rss_mb());
        eprintln!("{closing}");
    }
    runtime.block_on(simulator.shutdown());
    let what = format!("report --output json, {associations} associations (wall)");
    report(&what, "s", wall);
    report("service calls it made", "calls", calls);
    report("throttles met", "calls", throttles);
    report("peak RSS of that process", "MB", rss);
}
