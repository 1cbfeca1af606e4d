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
use iotmi_core::flow::{self, BatchPhase, Flow, Options};

pub async fn run(
    connection: &Connection,
    args: BatchArgs,
    output: OutputFormat,
) -> anyhow::Result<i32> {
    let choices = BatchChoices {
        file: args.file.clone(),
        concurrency: args.concurrency,
        dry_run: args.dry_run,
        follow: args.wait,
    };
    // Before anything is created: a results path that cannot be written is found at the end.
    if let Some(path) = &args.results
        && let Err(error) = crate::files::may_write_private(path)
    {
        eprintln!(
            "error: --results {}: {error}. Nothing was created.",
            path.display()
        );
        return Ok(exit::USAGE);
    }
    let store = JournalStore::default_dir().map(JournalStore::new);
    let prepared = match batches::prepare(&choices, &connection.journal_key, store) {
        Ok(prepared) => prepared,
        Err(NotStarted::Invalid(problems)) => return Ok(refused(&problems)),
        Err(NotStarted::Unreadable(why)) => {
            eprintln!("error: {why}");
            return Ok(exit::USAGE);
        }
        Err(NotStarted::Busy(why)) => {
            eprintln!("error: {why}");
            return Ok(exit::ERROR);
        }
    };
    if let Some(notice) = &prepared.notice {
        eprintln!("note: {notice}");
    }
    let rows = prepared.plan.rows.len();
    let no_browser = BrowserArgs {
        no_browser: true,
        browser_command: None,
    };
    let options = Options {
        batch: Some(prepared.plan),
        ..super::script::options(
            connection,
            Draft::default(),
            &no_browser,
            args.wait_timeout,
            None,
        )
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
            eprintln!(
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
        BatchPhase::Refused => return Ok(refused(run.problems())),
        BatchPhase::Stopped(error) => return Ok(report(error, &connection.target)),
        BatchPhase::Planned => {
            let tally = run.tally();
            eprintln!(
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
    let mut results_lost = false;
    if let Some(path) = &args.results {
        match write_results(path, &records(run, args.with_consent_urls)) {
            Ok(()) => eprintln!("Results written to {}.", path.display()),
            Err(error) => {
                eprintln!("error: the results file was not written: {error}");
                results_lost = true;
            }
        }
    }
    match output {
        OutputFormat::Json => print_json(&records(run, true))?,
        OutputFormat::Text => print_batch_table(run)?,
    }
    let tally = run.tally();
    let elapsed = run
        .started()
        .map(|started| started.elapsed().as_secs_f64())
        .unwrap_or_default();
    eprintln!(
        "{} rows: {} succeeded, {} in progress ({} awaiting consent), {} failed{}; {} calls in \
         {elapsed:.1} s, {}.",
        tally.rows,
        tally.succeeded,
        tally.in_progress,
        tally.awaiting_consent,
        tally.failed,
        match tally.already {
            0 => String::new(),
            n => format!(" ({n} made by an earlier run)"),
        },
        run.calls(),
        run.rate().describe()
    );
    if run.timed_out() && tally.in_progress > 0 {
        eprintln!(
            "Stopped waiting after --wait-timeout; rerun the same command to follow the rest."
        );
    }
    Ok(match run.exit_status() {
        exit::OK if results_lost => exit::ERROR,
        status => status,
    })
}

/// Every problem of a refused file, with its line; nothing was created.
fn refused(problems: &[iotmi_core::batch::RowProblem]) -> i32 {
    for problem in problems {
        eprintln!("error: {problem}");
    }
    eprintln!(
        "The file was refused: {} problem{}. Nothing was created; fix them and run again.",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    exit::USAGE
}
