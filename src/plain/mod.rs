//! Plain mode: the wizard as line-by-line prompts, for screen readers, dumb terminals and logs.
//! No alternate screen, no cursor movement, no colour: prompts, lists and progress go to stderr
//! as plain lines, answers are read line by line from stdin (a pipe works), and the summary goes
//! to stdout exactly as the full-screen wizard prints it. The rules are the wizard's own
//! (`flow::validate`, `flow::pairs`, `flow::command_line`, `remote`), never re-implemented.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::time::Instant;

use crate::batches::{finish_wizard, start_wizard};
use crate::cli::{OutputFormat, WizardArgs};
use crate::journal::{JournalKey, JournalStore};
use crate::output::print_summary;
use crate::progress::{BatchProgress, Progress};
use crate::runtime::Runtime;
use crate::session::Connection;
use crate::signals::interruptible;
use crate::stdin_lines::{Eof, StdinLines};
use iotmi_core::flow::{
    self, DetailsField, DevicesView, Effect, FirstScreen, Flow, Identity, Intent, Notice, Outcome,
    OutcomeKind, Step,
};
use iotmi_core::text::{answer_yes, sanitize};

mod answers;
mod prompts;
mod report;
#[cfg(test)]
pub(crate) mod tests;

/// A prompt is on screen without its answer: a line said now first ends the prompt's line.
static PROMPT_OPEN: AtomicBool = AtomicBool::new(false);

/// Shows a prompt (no newline).
fn show_prompt(prompt: &str) {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "{prompt}");
    let _ = err.flush();
    PROMPT_OPEN.store(true, Ordering::Relaxed);
}

/// Ends an open prompt's line (news arrived before its answer); whether one was open.
fn close_prompt() -> bool {
    let open = PROMPT_OPEN.swap(false, Ordering::Relaxed);
    if open {
        stderr_line!("");
    }
    open
}

/// Runs the flow's effects; a notification (asked for with `--notify`) is a bell and a line.
fn execute(runtime: &mut Runtime, effects: Vec<Effect>) -> Option<Outcome> {
    for effect in &effects {
        if let Effect::Notify { body, .. } = effect {
            stderr_text!("\x07");
            say(&sanitize(body));
        }
    }
    runtime.run(effects)
}

/// The answer to a yes/no question whose default is `default`; anything but y, n or Enter is
/// told so (`None`: the question is asked again).
fn yes_no(answer: &str, default: bool) -> Option<bool> {
    let decided = answer_yes(answer, default);
    if decided.is_none() {
        say("Type y or n (Enter alone takes the default in capitals).");
    }
    decided
}

/// A yes/no question's intent: `yes` or `no` by the answer; none when it is no answer.
fn yes_or(answer: &str, default: bool, yes: Intent, no: Intent) -> Vec<Intent> {
    yes_no(answer, default)
        .map(|decided| if decided { yes } else { no })
        .into_iter()
        .collect()
}

fn say(line: &str) {
    close_prompt();
    stderr_line!("{line}");
}

fn say_all(lines: Vec<String>) {
    lines.iter().for_each(|line| say(line));
}

/// The prompts' own memory: what was printed (so it is printed once) and which question of a
/// step is being asked. Every decision is the flow's.
#[derive(Default)]
struct Shown {
    /// Ids of the destinations or associations last listed (listed again when they change).
    numbered: Option<Vec<String>>,
    /// The step whose introduction was printed.
    step: Option<Step>,
    /// Step 2 asks the name, then the description.
    field: Option<DetailsField>,
    /// `e` at the review: the next answer names the row to edit.
    editing: bool,
    /// The identity check whose result was printed.
    identity: Option<Identity>,
    /// The Devices step as last reported (what changed since is said).
    devices: Option<DevicesView>,
    /// The profile picked (with the region offered for it), while the region is asked.
    profile: Option<(String, String)>,
    /// The profiles were listed.
    profiles_listed: bool,
    /// `demo`: the account-owner question was answered with Enter (wait for a browser).
    owner_declined: bool,
    /// The destination listing's retry last said (its attempt).
    retry_said: Option<u32>,
    /// The Manage or Devices message last printed, and the association whose details were.
    message: Option<Notice>,
    detail: flow::Generation,
}

/// Runs the flow as prompts; returns the exit status the full-screen wizard would.
pub async fn run(
    args: WizardArgs,
    output: OutputFormat,
    connection: Connection,
    journal: Option<(JournalStore, JournalKey)>,
) -> anyhow::Result<i32> {
    let (mut options, mut runtime) = match start_wizard(&args, &connection, journal) {
        Ok(started) => started,
        Err(status) => return Ok(status),
    };
    // No Start screen: plain mode creates unless --manage says otherwise.
    if options.first == FirstScreen::Start {
        options.first = FirstScreen::Create;
    }
    // A bell in a log or a screen reader's output only when asked for.
    options.notify = args.notify;
    let mut flow = Flow::new(options, Instant::now().into_std());
    say_all(flow::opening_lines(&flow).into());
    // A second association is made only when someone at a terminal says so.
    if let Some(held) = flow.second_run()
        && !std::io::stdin().is_terminal()
    {
        say(&flow::second_run_summary(held));
        say(
            "Not making a second association: stdin is not a terminal to ask on. Run it at a \
             terminal to be asked, or use `create --new`.",
        );
        return Ok(iotmi_core::exit::USAGE);
    }
    if let Some(notice) = flow.take_notice() {
        say(&sanitize(&notice));
    }
    interruptible(async move {
        let mut plain = Plain {
            flow,
            lines: StdinLines::spawn(),
            shown: Shown::default(),
            progress: Progress::new(None),
            batch: None,
        };
        let outcome = match runtime.run(flow::init(&mut plain.flow)) {
            Some(outcome) => Ok(outcome),
            None => plain.drive(&mut runtime).await,
        };
        match outcome {
            Ok(outcome) => {
                tracing::info!(kind = ?outcome.kind, "plain wizard closed");
                finish_wizard(&plain.flow, &outcome, output)
            }
            Err(Eof) => {
                say("");
                // What was made (or may have been) is said by the summary, as after Ctrl-C.
                let outcome = plain.flow.outcome(OutcomeKind::Interrupted);
                let left = match outcome.summary {
                    Some(_) => "; the association is left as it is.",
                    None => ".",
                };
                say(&format!("Input ended (stdin closed){left}"));
                print_summary(&outcome, plain.flow.target(), output)?;
                Ok(OutcomeKind::Interrupted.exit_code())
            }
        }
    })
    .await
}

pub(crate) struct Plain {
    pub(crate) flow: Flow,
    lines: StdinLines,
    shown: Shown,
    progress: Progress,
    /// The batch's rows as they end, line by line (never a bar: a screen reader reads lines).
    batch: Option<BatchProgress>,
}

impl Plain {
    /// Until the flow exits: wait for the service where the flow waits, otherwise print the
    /// step's prompt and turn the answer into intents. Service reports that arrive while a
    /// prompt is open are applied; the prompt is shown again when they changed it.
    async fn drive(&mut self, runtime: &mut Runtime) -> Result<Outcome, Eof> {
        loop {
            if let Some(outcome) = self.flow.exit().clone() {
                return Ok(outcome);
            }
            self.report();
            let Some(prompt) = self.prompt() else {
                // Nothing to ask: the run moves on by itself (a final screen, a batch that
                // ended, devices adopted), or the flow waits for the service.
                if let Some(next) = self.flow.unasked_next() {
                    self.report();
                    if let Some(outcome) = self.apply(runtime, vec![next]) {
                        return Ok(outcome);
                    }
                    continue;
                }
                match runtime.next_event().await {
                    Some(event) => {
                        let effects =
                            flow::update(&mut self.flow, event, Instant::now().into_std());
                        if let Some(outcome) = execute(runtime, effects) {
                            return Ok(outcome);
                        }
                    }
                    None => return Err(Eof),
                }
                continue;
            };
            show_prompt(&prompt);
            let answer = loop {
                tokio::select! {
                    // A line typed before the news answers the prompt it was typed at.
                    biased;
                    line = self.lines.next() => match line {
                        Ok(line) => {
                            // Answered: the prompt's line ended with the answer's Enter.
                            PROMPT_OPEN.store(false, Ordering::Relaxed);
                            break Some(line);
                        }
                        // The devices offer is a question with a default: no more input is no.
                        Err(Eof) if self.flow.step() == Step::Done => {
                            close_prompt();
                            let leave = Intent::Quit { interrupted: false };
                            if let Some(outcome) = self.apply(runtime, vec![leave]) {
                                return Ok(outcome);
                            }
                            break None;
                        }
                        // Without input the owner cannot answer: wait for a browser.
                        Err(Eof) if self.owner_offer_open() => {
                            self.shown.owner_declined = true;
                            break None;
                        }
                        Err(eof) => return Err(eof),
                    },
                    Some(event) = runtime.next_event() => {
                        let effects = flow::update(&mut self.flow, event, Instant::now().into_std());
                        if let Some(outcome) = execute(runtime, effects) {
                            return Ok(outcome);
                        }
                        if self.prompt().as_deref() != Some(prompt.as_str()) {
                            close_prompt();
                            break None;
                        }
                        // The same question: news (a deletion ended, the list changed) is
                        // said, and the question asked again, its answer still to come.
                        if self.flow.step() == Step::Manage {
                            self.report();
                            if !PROMPT_OPEN.load(Ordering::Relaxed) {
                                show_prompt(&prompt);
                            }
                        }
                    }
                }
            };
            let Some(answer) = answer else { continue };
            let intents = self.answer(&answer);
            if let Some(outcome) = self.apply(runtime, intents) {
                return Ok(outcome);
            }
        }
    }

    fn apply(&mut self, runtime: &mut Runtime, intents: Vec<Intent>) -> Option<Outcome> {
        for intent in intents {
            let tagging = self.flow.step() == Step::Tags;
            let effects: Vec<Effect> =
                flow::update(&mut self.flow, intent, Instant::now().into_std());
            if let Some(outcome) = execute(runtime, effects) {
                return Some(outcome);
            }
            if let Some(notice) = self.flow.take_notice() {
                say(&sanitize(&notice));
            }
            // What a tag answer did (added, deleted, refused) is said right after it.
            if tagging
                && self.flow.step() == Step::Tags
                && let Some(news) = flow::tag_news(&self.flow)
            {
                say(&news);
            }
        }
        None
    }
}
