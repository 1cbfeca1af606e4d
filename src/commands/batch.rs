//! `iotmi-onboard batch FILE`: the flow's Batch step driven to its end, progress on stderr
//! ([`crate::progress::BatchProgress`]), each row's outcome on stdout and in `--results`.

use std::io::IsTerminal;
use std::time::Instant;

use crate::batches::{self, BatchChoices, NotStarted};
use crate::cli::{BatchArgs, BrowserArgs, OutputFormat};
use crate::journal::JournalStore;
use crate::output::batch::{print_batch_table, records, write_results};
use crate::output::{print_json, report};
use crate::progress::BatchProgress;
use crate::runtime::Runtime;
use crate::session::Connection;
use iotmi_core::draft::Draft;
use iotmi_core::exit;
use std::collections::BTreeMap;

use iotmi_core::flow::{self, BatchPhase, Flow, Options, RowDevices, RowState};
use iotmi_core::service::AssociationState;
use iotmi_core::text::sanitize;

pub async fn run(
    connection: &Connection,
    args: BatchArgs,
    output: OutputFormat,
) -> anyhow::Result<i32> {
    let choices = BatchChoices {
        file: args.file.clone(),
        concurrency: args.concurrency,
        dry_run: args.dry_run,
        // Devices are discovered once a row has succeeded: its state is followed until then.
        follow: args.wait || args.discover || args.adopt.is_some(),
    };
    // Before anything is created: a results path that cannot be written is found at the end.
    if let Some(path) = &args.results
        && let Err(error) = crate::files::may_write_private(path)
    {
        stderr_line!(
            "error: --results {}: {error}. Nothing was created.",
            path.display()
        );
        return Ok(exit::USAGE);
    }
    let store = JournalStore::default_dir().map(JournalStore::new);
    let prepared = match batches::prepare(&choices, &connection.journal_key, store) {
        Ok(prepared) => prepared,
        Err(why) => return Ok(batches::report_not_started(&why)),
    };
    if let Some(notice) = &prepared.notice {
        stderr_line!("note: {notice}");
    }
    let rows = prepared.plan.rows.len();
    let no_browser = BrowserArgs {
        no_browser: true,
        browser_command: None,
    };
    let options = Options {
        batch: Some(prepared.plan),
        ..super::script::options(connection, Draft::default(), &no_browser, args.wait_timeout)
    };
    let mut runtime = Runtime::new(connection.service.clone(), None);
    if let Some(sink) = prepared.sink {
        runtime = runtime.with_batch_journal(sink);
    }
    let mut flow = Flow::new(options, Instant::now());
    runtime.run(flow::init(&mut flow));
    let mut progress = BatchProgress::new(rows, std::io::stderr().is_terminal(), true);
    let mut checking_said = false;
    loop {
        let run = flow.batch().expect("a batch run");
        if *run.phase() == BatchPhase::Checking && !checking_said {
            stderr_line!(
                "Checking {rows} rows of {} against the account…",
                iotmi_core::text::sanitize(run.source())
            );
            checking_said = true;
        }
        if *run.phase() == BatchPhase::Running || run.ended() {
            progress.update(run);
        }
        if run.ended() {
            break;
        }
        let Some(event) = runtime.next_event().await else {
            break;
        };
        let effects = flow::update(&mut flow, event, Instant::now());
        runtime.run(effects);
    }
    progress.finish();
    let run = flow.batch().expect("a batch run");
    match run.phase() {
        BatchPhase::Refused => {
            return Ok(batches::report_not_started(&NotStarted::Invalid(
                run.problems().to_vec(),
            )));
        }
        BatchPhase::Stopped(error) => return Ok(report(error, &connection.target)),
        BatchPhase::Planned => {
            let tally = run.tally();
            stderr_line!(
                "The file is valid: {} associations would be created{}. Nothing was created \
                 (--dry-run).",
                tally.rows - tally.already,
                match tally.already {
                    0 => String::new(),
                    n => format!(" ({n} more were made by an earlier run)"),
                }
            );
            return Ok(exit::OK);
        }
        BatchPhase::Checking | BatchPhase::Running | BatchPhase::Finished => {}
    }
    let devices = if args.discover || args.adopt.is_some() {
        discover_rows(connection, run, args.adopt.is_some(), &args).await
    } else {
        BTreeMap::new()
    };
    let mut results_lost = false;
    if let Some(path) = &args.results {
        match write_results(path, &records(run, &devices, args.with_consent_urls)) {
            Ok(()) => stderr_line!("Results written to {}.", path.display()),
            Err(error) => {
                stderr_line!("error: the results file was not written: {error}");
                results_lost = true;
            }
        }
    }
    match output {
        OutputFormat::Json => print_json(&records(run, &devices, true))?,
        OutputFormat::Text => print_batch_table(run, &devices, true)?,
    }
    let elapsed = run
        .started()
        .map(|started| started.elapsed().as_secs_f64())
        .unwrap_or_default();
    stderr_line!("{} ({elapsed:.1} s)", batches::tally_line(run));
    let tally = run.tally();
    let devices_failed = devices.values().filter(|d| d.error.is_some()).count();
    if !devices.is_empty() {
        stderr_line!(
            "Devices: {} found, {} adopted, across {} associations{}.",
            devices.values().map(|d| d.found).sum::<usize>(),
            devices.values().map(|d| d.adopted).sum::<usize>(),
            devices.len(),
            match devices_failed {
                0 => String::new(),
                n => format!("; {n} stopped short (see their rows)"),
            }
        );
    }
    if run.timed_out() && tally.in_progress > 0 {
        stderr_line!(
            "Stopped waiting after --wait-timeout; rerun the same command to follow the rest."
        );
    }
    Ok(match run.exit_status() {
        exit::OK if devices_failed > 0 || results_lost => exit::ERROR,
        status => status,
    })
}

/// The Devices step for every row that succeeded, `--concurrency` associations at a time,
/// each row's outcome said as it ends.
async fn discover_rows(
    connection: &Connection,
    run: &iotmi_core::flow::BatchRun,
    adopt: bool,
    args: &BatchArgs,
) -> BTreeMap<usize, RowDevices> {
    use futures::StreamExt;
    let no_browser = BrowserArgs {
        no_browser: true,
        browser_command: None,
    };
    let succeeded: Vec<(usize, String, String)> = run
        .rows()
        .iter()
        .enumerate()
        .filter(|(_, row)| row.state == RowState::Made(AssociationState::Succeeded))
        .filter_map(|(index, row)| {
            let name = sanitize(row.row.draft.name.as_deref().unwrap_or_default()).into_owned();
            Some((index, row.association_id.clone()?, name))
        })
        .collect();
    if succeeded.is_empty() {
        return BTreeMap::new();
    }
    stderr_line!(
        "Discovering the devices of {} associations{}…",
        succeeded.len(),
        if adopt { " and adopting them" } else { "" }
    );
    futures::stream::iter(succeeded)
        .map(|(index, id, name)| {
            let options = Options {
                token_seed: run.seed().to_owned(),
                ..super::script::options(
                    connection,
                    Draft::default(),
                    &no_browser,
                    args.wait_timeout,
                )
            };
            let line = run.rows()[index].row.line;
            async move {
                let devices = super::script::discover_quietly(connection, id, adopt, options).await;
                let said = match &devices.error {
                    Some(error) => format!("stopped: {error}"),
                    None if adopt => {
                        format!("{} found, {} adopted", devices.found, devices.adopted)
                    }
                    None => format!("{} found", devices.found),
                };
                stderr_line!("line {line}: {name}: devices: {said}");
                (index, devices)
            }
        })
        .buffer_unordered(args.concurrency)
        .collect()
        .await
}
