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
    let rows = batch::parse(&shown, &text).map_err(NotStarted::Invalid)?;
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
                Ok(Some(journal)) => (journal, None),
                Ok(None) => (fresh_journal(crate::session::token_seed()), None),
                Err(unreadable) => (
                    fresh_journal(crate::session::token_seed()),
                    Some(format!(
                        "The batch journal could not be read ({}); starting with a new one.",
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
            rows,
            journal,
            concurrency: choices.concurrency,
            dry_run: choices.dry_run,
            follow: choices.follow,
        },
        sink,
        notice,
    })
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
