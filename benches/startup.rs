//! Start-up, terminal bytes, memory and size of the real binary, measured through a pty.
//!
//! `cargo bench --bench startup` (set `BENCH_RUNS`, default 20; `BENCH_BIN` measures another build
//! of the binary, e.g. `target/dist/iotmi-onboard`). Prints medians and p95:
//! - process start → first frame drawn, and → destination list shown, for `demo` and for
//!   `--endpoint-url <simulator>`;
//! - bytes written to the terminal per typed character and per arrow key;
//! - peak RSS (VmHWM) through a whole demo flow; the binary's size on disk.

mod support;

use std::time::{Duration, Instant};

use support::{Run, bin, ms, report, runs};

fn main() {
    let runs = runs(20);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let simulator = runtime
        .block_on(iotmi_simulator::start(Default::default()))
        .unwrap();
    let endpoint = simulator.endpoint();

    // A prefilled destination opens on the list (no Start screen) and highlights it.
    for (label, args) in [
        (
            "demo",
            vec!["demo", "--no-browser", "--destination", "acme-home-us"],
        ),
        (
            "--endpoint-url <simulator>",
            vec![
                "--endpoint-url",
                endpoint.as_str(),
                "--region",
                "us-east-1",
                "--no-browser",
                "--destination",
                "acme-home-us",
            ],
        ),
    ] {
        let (mut first, mut listed) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let run = Run::spawn(&args);
            first.push(ms(run.wait_for("Step 1 of")));
            listed.push(ms(run.wait_for("Acme Home US")));
            run.finish();
        }
        report(&format!("start → first frame ({label})"), "ms", first);
        report(
            &format!("start → destination list shown ({label})"),
            "ms",
            listed,
        );
    }

    // Bytes per keystroke: type in the filter, then move in the list.
    let mut run = Run::spawn(&["demo", "--no-browser"]);
    run.wait_for("Create a new association");
    run.send(b"\r");
    run.wait_for("Acme Home US");
    run.settle(Instant::now(), Duration::from_millis(200));
    let mut typed = Vec::new();
    for c in "guardian cam".bytes().chain(std::iter::repeat_n(0x7f, 12)) {
        let before = run.total_bytes();
        run.send(&[c]);
        run.settle(Instant::now(), Duration::from_millis(100));
        typed.push((run.total_bytes() - before) as f64);
    }
    report("bytes to the terminal per typed character", "B", typed);
    let mut arrows = Vec::new();
    for i in 0..12 {
        let before = run.total_bytes();
        run.send(if i % 6 < 3 { b"\x1b[B" } else { b"\x1b[A" });
        run.settle(Instant::now(), Duration::from_millis(100));
        arrows.push((run.total_bytes() - before) as f64);
    }
    report(
        "bytes to the terminal per arrow key in the list",
        "B",
        arrows,
    );
    run.finish();

    // Peak memory through a whole flow: a General Authorization destination succeeds by itself.
    let mut peaks = Vec::new();
    for _ in 0..3 {
        let mut run = Run::spawn(&[
            "demo",
            "--no-browser",
            "--destination",
            "brightlight-api-key",
            "--name",
            "Bench run",
            "--tag",
            "env=bench",
        ]);
        run.wait_for("Acme Home US");
        for step in [
            "Step 2 of",
            "Step 3 of",
            "Step 4 of",
            "Step 5 of",
            "ASSOCIATION_IN_PROGRESS",
        ] {
            run.send(b"\r");
            run.wait_for(step);
        }
        run.wait_for("ASSOCIATION_SUCCEEDED");
        peaks.push(run.vm_hwm_kib() as f64 / 1024.0);
        run.finish();
    }
    report("peak RSS through a whole demo flow", "MB", peaks);
    let bin = bin();
    let size = std::fs::metadata(&bin).map(|m| m.len()).unwrap_or(0);
    println!(
        "{:<52} {:.1} MB ({size} bytes)",
        format!("size of {bin}"),
        size as f64 / 1e6
    );
    runtime.block_on(simulator.shutdown());
}
