//! A batch at scale: `iotmi-onboard batch` over 1,000 General Authorization rows against a
//! simulator that throttles every 5th request (wall time, the calls and throttles its summary
//! line counts, peak RSS of the process), beside a shell loop of the AWS CLI's
//! `create-account-association` over the same rows (50 rows timed, scaled to 1,000); and the
//! rate settling under the simulator's `--max-rps 10` (the rate lines on stderr).
//!
//! `cargo bench --bench batch` (`BENCH_RUNS` sets the repeats, default 3; `BENCH_BIN` another
//! build of the binary, e.g. `target/dist/iotmi-onboard`). The AWS CLI part is skipped, with a
//! message, when `aws` is not installed.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use iotmi_simulator::SimConfig;
use support::{bin, report, runs};

const ROWS: usize = 1_000;
const CLI_ROWS: usize = 50;
const GA: &str = "brightlight-api-key";

fn write_rows(path: &Path, prefix: &str, rows: usize) {
    let mut text = String::from("destination,name,auth_material\n");
    for n in 1..=rows {
        text.push_str(&format!("{GA},{prefix}-{n},api-key\n"));
    }
    std::fs::write(path, text).unwrap();
}

/// What one batch run measured.
struct Measured {
    wall: f64,
    calls: f64,
    throttles: f64,
    rss_mb: f64,
    stderr: String,
}

/// `batch FILE` under `/usr/bin/time -f %M` (peak RSS of the process alone, KiB, as the last
/// line of stderr), with its own state directory.
fn batch(endpoint: &str, file: &Path, state: &Path) -> Measured {
    let started = Instant::now();
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(bin())
        .arg("batch")
        .arg(file)
        .args(["--endpoint-url", endpoint, "--region", "us-east-1"])
        .env("AWS_ACCESS_KEY_ID", "AKIDBENCH")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("NO_PROXY", "127.0.0.1")
        .env("XDG_STATE_HOME", state)
        .stdin(Stdio::null())
        .output()
        .expect("run the binary");
    let wall = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    // "1000 rows: … 0 failed; 1262 calls in 77.4 s, 15.2 calls/s (262 throttled, backed off)."
    let summary = stderr
        .lines()
        .find(|l| l.contains(" rows: ") && l.contains(" calls in "))
        .unwrap_or_else(|| panic!("no summary line:\n{stderr}"));
    assert!(summary.contains(" 0 failed"), "{summary}");
    let number_before = |text: &str, word: &str| -> f64 {
        text.split(word)
            .next()
            .and_then(|head| head.split_whitespace().last())
            .and_then(|n| n.trim_start_matches('(').parse().ok())
            .unwrap_or(0.0)
    };
    let tail = summary.split(';').nth(1).unwrap_or_default();
    let rss_kib: f64 = stderr
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0.0);
    Measured {
        wall,
        calls: number_before(tail, " calls in"),
        throttles: if tail.contains("throttled") {
            number_before(tail, " throttled")
        } else {
            0.0
        },
        rss_mb: rss_kib / 1024.0,
        stderr,
    }
}

fn main() {
    let runs = runs(3);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fleet.csv");
    write_rows(&file, "fleet", ROWS);

    let (mut wall, mut calls, mut throttles, mut rss) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for run in 0..runs {
        // A fresh simulator and state each run: every row is new.
        let simulator = runtime
            .block_on(iotmi_simulator::start(SimConfig {
                throttle_every: 5,
                ..Default::default()
            }))
            .unwrap();
        let state = dir.path().join(format!("state-{run}"));
        let measured = batch(&simulator.endpoint(), &file, &state);
        wall.push(measured.wall);
        calls.push(measured.calls);
        throttles.push(measured.throttles);
        rss.push(measured.rss_mb);
        runtime.block_on(simulator.shutdown());
    }
    report(
        "batch, 1,000 GA rows, --throttle-every 5 (wall)",
        "s",
        wall.clone(),
    );
    report("  calls made for the rows (summary line)", "calls", calls);
    report("  throttles met (summary line)", "calls", throttles);
    report("  peak RSS of the process", "MB", rss);

    aws_cli_loop(&runtime, dir.path(), runs, median(&wall));
    settling(&runtime, dir.path());
}

fn median(samples: &[f64]) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// The shell loop a user writes today: one `aws … create-account-association` per row.
fn aws_cli_loop(runtime: &tokio::runtime::Runtime, dir: &Path, runs: usize, batch_wall: f64) {
    let installed = Command::new("aws")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        println!("aws CLI loop: skipped (`aws` is not installed; `pip install awscli` to compare)");
        return;
    }
    let script = r#"for i in $(seq 1 "$ROWS"); do
  aws iot-managed-integrations create-account-association --endpoint-url "$ENDPOINT" \
    --connector-destination-id "$DESTINATION" --name "cli-$i" \
    --general-authorization AuthMaterialName=api-key >/dev/null || exit 1
done"#;
    let mut per_row = Vec::new();
    for _ in 0..runs {
        let simulator = runtime
            .block_on(iotmi_simulator::start(SimConfig {
                throttle_every: 5,
                ..Default::default()
            }))
            .unwrap();
        let started = Instant::now();
        let status = Command::new("sh")
            .args(["-c", script])
            .env("ROWS", CLI_ROWS.to_string())
            .env("ENDPOINT", simulator.endpoint())
            .env("DESTINATION", GA)
            .env("AWS_ACCESS_KEY_ID", "AKIDBENCH")
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("NO_PROXY", "127.0.0.1")
            .env("HOME", dir)
            .stdin(Stdio::null())
            .status()
            .expect("run sh");
        assert!(status.success(), "the aws CLI loop failed");
        per_row.push(started.elapsed().as_secs_f64() / CLI_ROWS as f64);
        runtime.block_on(simulator.shutdown());
    }
    let scaled: Vec<f64> = per_row.iter().map(|s| s * ROWS as f64).collect();
    report(
        "aws CLI loop, 50 rows timed, scaled to 1,000 (wall)",
        "s",
        scaled.clone(),
    );
    println!(
        "  ratio: the aws CLI loop takes {:.1}x the batch's time (medians)",
        median(&scaled) / batch_wall
    );
}

/// 300 rows against `--max-rps 10`: the rate lines show where the rate settles.
fn settling(runtime: &tokio::runtime::Runtime, dir: &Path) {
    let simulator = runtime
        .block_on(iotmi_simulator::start(SimConfig {
            max_rps: Some(10.0),
            ..Default::default()
        }))
        .unwrap();
    let file = dir.join("settle.csv");
    write_rows(&file, "settle", 300);
    let measured = batch(&simulator.endpoint(), &file, &dir.join("state-settle"));
    let rates: Vec<f64> = measured
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("rate: "))
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect();
    let last: Vec<String> = rates
        .iter()
        .rev()
        .take(8)
        .rev()
        .map(|r| format!("{r:.1}"))
        .collect();
    println!(
        "--max-rps 10, 300 rows: {:.1} s, {} calls, {} throttled ({:.1} rows/s); rate after \
         each throttle, last 8: {} calls/s",
        measured.wall,
        measured.calls,
        measured.throttles,
        300.0 / measured.wall,
        last.join(", ")
    );
    runtime.block_on(simulator.shutdown());
}
