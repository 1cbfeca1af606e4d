//! What every front end does before a batch runs: read the file, parse it by the core's rules,
//! and hold its journal (the seed of its rows' ClientTokens and what earlier runs made) under
//! an OS lock, the seed written before any row is sent.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::journal::{JournalKey, JournalStore, LockError};
use crate::runtime::BatchSink;
use iotmi_core::batch::{self, RowProblem};
use iotmi_core::flow::{BatchPlan, fresh_journal};

/// The largest batch file read: about 200,000 rows.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// How a batch is to run.
#[derive(Clone, Debug)]
pub struct BatchChoices {
    pub file: PathBuf,
    pub concurrency: usize,
    pub dry_run: bool,
    pub follow: bool,
}

/// Why a batch cannot start.
#[derive(Debug)]
pub enum NotStarted {
    /// The file cannot be read.
    Unreadable(String),
    /// The file is not a batch: every problem, with its line.
    Invalid(Vec<RowProblem>),
    /// Another run of this batch is going.
    Busy(String),
}

impl std::fmt::Display for NotStarted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreadable(why) | Self::Busy(why) => f.write_str(why),
            Self::Invalid(problems) => {
                for (i, problem) in problems.iter().enumerate() {
                    if i > 0 {
                        f.write_str("\n")?;
                    }
                    write!(f, "{problem}")?;
                }
                Ok(())
            }
        }
    }
}

/// The plan and the journal it runs under (none: no state directory, so a rerun starts over
/// with a new seed; said in `notice`).
pub struct Prepared {
    pub plan: BatchPlan,
    pub sink: Option<BatchSink>,
    pub notice: Option<String>,
}

/// Reads and parses the file; locks its journal and makes sure its seed is written.
pub fn prepare(
    choices: &BatchChoices,
    connection_key: &JournalKey,
    store: Option<JournalStore>,
) -> Result<Prepared, NotStarted> {
    let shown = choices.file.display().to_string();
    let text = read_file(&choices.file)?;
    // Lines that cannot be read go with the plan: the file is refused once the check has found
    // every other problem too, so one run says them all.
    let parsed = batch::parse(&shown, &text).map_err(NotStarted::Invalid)?;
    let absolute = std::fs::canonicalize(&choices.file).unwrap_or_else(|_| choices.file.clone());
    let key = connection_key.for_batch(&absolute);
    let (journal, sink, notice) = match store {
        None => (
            fresh_journal(crate::session::token_seed()),
            None,
            Some(
                "No state directory: this run is not journaled, and a rerun cannot tell which \
                 rows it made."
                    .to_owned(),
            ),
        ),
        Some(store) => {
            let seed = account_seed(&store, connection_key).map_err(NotStarted::Unreadable)?;
            let lock = store.lock(&key).map_err(|error| match error {
                LockError::Held { pid } => NotStarted::Busy(format!(
                    "another run of {shown} is going ({}): let it finish, or stop it first",
                    pid.map_or_else(
                        || "its process id is unknown".to_owned(),
                        |p| format!("process {p}")
                    )
                )),
                LockError::Io(error) => {
                    NotStarted::Unreadable(format!("the batch journal cannot be locked: {error}"))
                }
            })?;
            let (journal, notice) = match store.load_batch(&key) {
                // Rows an earlier version made with the file's own seed keep it.
                Ok(Some(journal)) if journal.seed == seed || !journal.created.is_empty() => {
                    (journal, None)
                }
                Ok(_) => (fresh_journal(seed), None),
                // Only which rows were made earlier is lost: the seed is the account's, so
                // their ClientTokens still find them.
                Err(unreadable) => (
                    fresh_journal(seed),
                    Some(format!(
                        "The batch journal could not be read ({}): rows made by earlier runs are \
                         found again by their ClientTokens, and reported as made now.",
                        unreadable.reason
                    )),
                ),
            };
            // Written before any row is sent: a kill from here on finds the seed.
            if let Err(error) = store.save_batch(&key, &journal) {
                return Err(NotStarted::Unreadable(format!(
                    "the batch journal cannot be written ({error}): a rerun could not find \
                     what this run makes"
                )));
            }
            (journal, Some(BatchSink::new(store, key, lock)), notice)
        }
    };
    Ok(Prepared {
        plan: BatchPlan {
            source: shown,
            rows: parsed.rows,
            problems: parsed.problems,
            journal,
            concurrency: choices.concurrency,
            dry_run: choices.dry_run,
            follow: choices.follow,
        },
        sink,
        notice,
    })
}

/// The account's seed of ClientTokens (see [`JournalKey::batch_seed`]): every batch row's and
/// every `create`'s token is derived from it ([`iotmi_core::flow::token::association`]). Made
/// and written the first time, under its lock so two first runs cannot make two. Err: why it
/// cannot be had, said whole.
pub fn account_seed(store: &JournalStore, connection_key: &JournalKey) -> Result<String, String> {
    let key = connection_key.batch_seed();
    let cannot = |why: String| format!("the account's ClientToken seed {why}");
    // Held only while another run reads or makes it: a moment.
    let mut tries = 0;
    let _lock = loop {
        match store.lock(&key) {
            Ok(lock) => break lock,
            Err(LockError::Held { .. }) if tries < 100 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(error) => return Err(cannot(format!("cannot be locked: {error}"))),
        }
    };
    match store.load_batch(&key) {
        Ok(Some(journal)) => Ok(journal.seed),
        Ok(None) => {
            let seed = crate::session::token_seed();
            store
                .save_batch(&key, &fresh_journal(seed.clone()))
                .map_err(|e| cannot(format!("cannot be written ({e})")))?;
            Ok(seed)
        }
        // Refused rather than replaced here: what was made with the lost seed would be made
        // again.
        Err(unreadable) => Err(cannot(format!(
            "{} cannot be read ({}){}. Associations that batches and `create` made with it \
             would be made a second time with a new one: restore it if you can; the next run \
             starts a new seed.",
            store.path(&key).display(),
            unreadable.reason,
            unreadable
                .moved_to
                .map(|p| format!("; it was moved to {}", p.display()))
                .unwrap_or_default()
        ))),
    }
}

fn read_file(path: &Path) -> Result<String, NotStarted> {
    let shown = path.display();
    let unreadable = |why: String| NotStarted::Unreadable(format!("{shown}: {why}"));
    let file = std::fs::File::open(path).map_err(|e| unreadable(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(unreadable(format!(
            "larger than {} MiB; split it into several batches",
            MAX_FILE_BYTES / 1024 / 1024
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        unreadable(format!(
            "not UTF-8 text (byte {}); save it as UTF-8",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// `--batch FILE` in the wizard or plain mode: the flow's options (the Batch step, following
/// rows in progress until final or `--wait-timeout`) and the runtime holding the batch's
/// journal. Its own journal replaces the single association's; the notice says when there is
/// none.
pub fn start_interactive(
    args: &crate::cli::WizardArgs,
    file: &Path,
    connection: &crate::session::Connection,
    store: Option<JournalStore>,
) -> Result<(iotmi_core::flow::Options, crate::runtime::Runtime), NotStarted> {
    let choices = BatchChoices {
        file: file.to_path_buf(),
        concurrency: args
            .concurrency
            .unwrap_or(iotmi_core::flow::BATCH_CONCURRENCY),
        dry_run: false,
        follow: true,
    };
    let prepared = prepare(&choices, &connection.journal_key, store)?;
    let options = iotmi_core::flow::Options {
        journaled: prepared.sink.is_some(),
        // A demo's simulator dies with it: no journal is expected.
        notice: prepared.notice.filter(|_| !connection.target.demo),
        notify: !args.no_notify,
        ssh: connection.ssh_session(),
        batch: Some(prepared.plan),
        ..crate::session::options(
            connection.target.clone(),
            connection.endpoint_is_loopback,
            iotmi_core::flow::Prefill::default(),
            args.no_browser,
            args.browser_command.as_deref(),
            args.wait_timeout,
        )
    };
    let mut runtime = crate::runtime::Runtime::new(connection.service.clone(), None);
    if let Some(sink) = prepared.sink {
        runtime = runtime.with_batch_journal(sink);
    }
    Ok((options, runtime))
}

/// The wizard's start, the TUI's and plain mode's alike: a batch file's run (`--batch`), or
/// one association (the journal's draft resumed when there is one). Err: the batch did not
/// start; the reason is printed and this is the exit status.
pub fn start_wizard(
    args: &crate::cli::WizardArgs,
    connection: &crate::session::Connection,
    journal: Option<(JournalStore, JournalKey)>,
) -> Result<(iotmi_core::flow::Options, crate::runtime::Runtime), i32> {
    match &args.batch {
        Some(file) => {
            let store = journal.map(|(store, _)| store);
            start_interactive(args, file, connection, store).map_err(|why| report_not_started(&why))
        }
        None => Ok(crate::session::start_interactive(args, connection, journal)),
    }
}

/// The wizard's end, the TUI's and plain mode's alike: the batch's rows and counts, or the
/// association's summary; the exit status.
pub fn finish_wizard(
    flow: &iotmi_core::flow::Flow,
    outcome: &iotmi_core::flow::Outcome,
    output: crate::cli::OutputFormat,
) -> anyhow::Result<i32> {
    if let Some(run) = flow.batch() {
        return finish(run, outcome.kind, output, flow.target().demo);
    }
    crate::output::print_summary(outcome, flow.target(), output)?;
    Ok(outcome.kind.exit_code())
}

/// Why a batch did not start, on stderr; the exit status (a file refused: 2).
pub fn report_not_started(why: &NotStarted) -> i32 {
    match why {
        NotStarted::Invalid(problems) => {
            say_refused(problems);
            iotmi_core::exit::USAGE
        }
        NotStarted::Unreadable(why) => {
            stderr_line!("error: {why}");
            iotmi_core::exit::USAGE
        }
        NotStarted::Busy(why) => {
            stderr_line!("error: {why}");
            iotmi_core::exit::ERROR
        }
    }
}

fn say_refused(problems: &[RowProblem]) {
    for problem in problems {
        stderr_line!(
            "error: {}",
            iotmi_core::text::sanitize(&problem.to_string())
        );
    }
    stderr_line!("{}", refused_line(problems.len()));
}

/// The closing line of a refused file.
pub fn refused_line(problems: usize) -> String {
    format!(
        "The file was refused: {problems} problem{}. Nothing was created; fix them and run again.",
        if problems == 1 { "" } else { "s" }
    )
}

/// The counts of a run in one sentence, as the wizard, plain mode and the command end.
pub fn tally_line(run: &iotmi_core::flow::BatchRun) -> String {
    let tally = run.tally();
    format!(
        "{} rows: {} succeeded, {} in progress ({} awaiting consent), {} failed{}; {} calls, {}.",
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
    )
}

/// After the wizard or plain mode leaves a batch: the rows on stdout as `batch FILE` prints
/// them, the counts on stderr, and the exit status: the batch's own (a refused file 2, a
/// failed row 3, rows left waiting past the timeout 4), unless the run was interrupted.
pub fn finish(
    run: &iotmi_core::flow::BatchRun,
    kind: iotmi_core::flow::OutcomeKind,
    output: crate::cli::OutputFormat,
    demo: bool,
) -> anyhow::Result<i32> {
    use iotmi_core::flow::{BatchPhase, OutcomeKind};
    match run.phase() {
        BatchPhase::Refused => say_refused(run.problems()),
        BatchPhase::Stopped(error) => {
            stderr_line!("error: {}", iotmi_core::text::sanitize(&error.to_string()))
        }
        BatchPhase::Checking => {
            stderr_line!("Left while the file was checked: nothing was created.")
        }
        BatchPhase::Planned | BatchPhase::Running | BatchPhase::Finished => {
            match output {
                crate::cli::OutputFormat::Json => crate::output::print_json(
                    &crate::output::batch::records(run, &Default::default(), false),
                )?,
                crate::cli::OutputFormat::Text => {
                    crate::output::batch::print_batch_table(run, &Default::default(), !demo)?
                }
            }
            stderr_line!("{}", tally_line(run));
            let waiting = run.tally().in_progress > 0 || !run.ended();
            if waiting && !demo {
                stderr_line!(
                    "Rows still in progress: run the same command again to follow them; no row \
                     is created twice."
                );
            }
        }
    }
    Ok(match kind {
        OutcomeKind::Interrupted | OutcomeKind::Signalled(_) => kind.exit_code(),
        _ => run.exit_status(),
    })
}
