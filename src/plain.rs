//! Plain mode: the wizard as line-by-line prompts, for screen readers, dumb terminals and logs.
//! No alternate screen, no cursor movement, no colour: prompts, lists and progress go to stderr
//! as plain lines, answers are read line by line from stdin (a pipe works), and the summary goes
//! to stdout exactly as the full-screen wizard prints it. The rules are the wizard's own
//! (`flow::validate`, `flow::pairs`, `flow::command`, `remote`), never re-implemented.

use std::io::{BufRead, IsTerminal, Write};

use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::app::{Connection, start_interactive};
use crate::cli::{OutputFormat, WizardArgs};
use crate::journal::{JournalKey, JournalStore};
use crate::output::{print_demo_next_steps, print_draft_fate, print_summary};
use crate::progress::Progress;
use crate::runtime::Runtime;
use crate::signals::interruptible;
use iotmi_core::flow::{
    self, Deletion, DestinationAnswer, DetailLoad, DetailsField, DevicesView, DiscoveryState,
    Effect, FirstScreen, Flow, Identity, Intent, LIST_MAX, Load, ManageCommand, Notice, Outcome,
    OutcomeKind, OwnerAction, RefreshState, ReviewRow, Step, SubmitState, owner_actions, validate,
};
use iotmi_core::service::AssociationState;
use iotmi_core::text::{answer_yes, elapsed_text, sanitize};

/// Plain mode is used when asked for (`--plain`), when the terminal cannot draw a full-screen UI
/// (`TERM=dumb`), when the user says so (`ACCESSIBLE=1`), or when there is no terminal at all
/// (stdin is not a tty and `/dev/tty` cannot be opened).
pub fn wanted(flag: bool) -> bool {
    let env = |name: &str| std::env::var(name).unwrap_or_default();
    let accessible = env("ACCESSIBLE");
    flag || env("TERM") == "dumb"
        || (!accessible.is_empty() && accessible != "0")
        || (!std::io::stdin().is_terminal()
            && std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/tty")
                .is_err())
}

/// stdin closed while a prompt waited.
#[derive(Debug)]
struct Eof;

/// Lines from stdin, read on a thread of their own so a Ctrl-C is still noticed while a prompt
/// waits.
struct Lines {
    rx: mpsc::UnboundedReceiver<String>,
    /// Answers are repeated on stderr when stdin is not a terminal, so a log reads as a dialogue.
    echo: bool,
}

impl Lines {
    fn stdin() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let spawned = std::thread::Builder::new()
            .name("plain-stdin".into())
            .spawn(move || {
                for line in std::io::stdin().lock().lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        if spawned.is_err() {
            // No thread, no input: every prompt then sees end of input.
            tracing::warn!("cannot start the stdin reader");
        }
        Self {
            rx,
            echo: !std::io::stdin().is_terminal(),
        }
    }

    /// The next answer, trimmed (the prompt was shown before).
    async fn next(&mut self) -> Result<String, Eof> {
        let line = self.rx.recv().await.ok_or(Eof)?;
        let answer = line.trim().to_string();
        if self.echo {
            eprintln!("{}", sanitize(&answer));
        }
        Ok(answer)
    }
}

/// Shows a prompt (no newline).
fn show_prompt(prompt: &str) {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "{prompt}");
    let _ = err.flush();
}

/// Runs the flow's effects; a notification (asked for with `--notify`) is a bell and a line.
fn execute(runtime: &mut Runtime, effects: Vec<Effect>) -> Option<Outcome> {
    for effect in &effects {
        if let Effect::Notify { body, .. } = effect {
            eprint!("\x07");
            say(&sanitize(body));
        }
    }
    runtime.run(effects)
}

/// How to pick from `count` numbered items: "1" alone, never "a number 1-1".
fn numbers(count: usize) -> String {
    match count {
        1 => "1".into(),
        _ => format!("a number 1-{count}"),
    }
}

/// A `[Y/n]` answer: true unless it is no.
fn yes(answer: &str) -> bool {
    answer_yes(answer, true)
}

fn say(line: &str) {
    eprintln!("{line}");
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
    let (mut options, mut runtime) = start_interactive(&args, &connection, journal);
    // No Start screen: plain mode creates unless --manage says otherwise.
    if options.first == FirstScreen::Start {
        options.first = FirstScreen::Create;
    }
    // A bell in a log or a screen reader's output only when asked for.
    options.notify = args.notify;
    let place = flow::target_place(&connection.target);
    say(&format!(
        "iotmi-onboard: create an account association ({place})."
    ));
    say("Plain mode: answer each question and press Enter. Ctrl-C or end of input quits.");
    let mut flow = Flow::new(options, Instant::now().into_std());
    if let Some(notice) = flow.take_notice() {
        say(&sanitize(&notice));
    }
    interruptible(async move {
        let mut plain = Plain {
            flow,
            lines: Lines::stdin(),
            shown: Shown::default(),
            progress: Progress::new(None),
        };
        let outcome = match runtime.run(flow::init(&mut plain.flow)) {
            Some(outcome) => Ok(outcome),
            None => plain.drive(&mut runtime).await,
        };
        match outcome {
            Ok(outcome) => {
                tracing::info!(kind = ?outcome.kind, "plain wizard closed");
                print_summary(&outcome, plain.flow.target(), output)?;
                Ok(outcome.kind.exit_code())
            }
            Err(Eof) => {
                say("");
                let outcome = plain.flow.outcome(OutcomeKind::Interrupted);
                if outcome.summary.is_some() {
                    say("Input ended (stdin closed); the association is left as it is.");
                    print_summary(&outcome, plain.flow.target(), output)?;
                } else {
                    say("Input ended (stdin closed): nothing was created.");
                    print_draft_fate(outcome.draft, plain.flow.target());
                    print_demo_next_steps(plain.flow.target());
                }
                Ok(OutcomeKind::Interrupted.exit_code())
            }
        }
    })
    .await
}

pub(crate) struct Plain {
    pub(crate) flow: Flow,
    lines: Lines,
    shown: Shown,
    progress: Progress,
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
                // Nothing to ask: the flow waits for the service (or a final screen is done:
                // a prompt run ends there, also after an action from Manage).
                if self.flow.step() == Step::Done {
                    let leave = Intent::Quit { interrupted: false };
                    if let Some(outcome) = self.apply(runtime, vec![leave]) {
                        return Ok(outcome);
                    }
                    continue;
                }
                // The devices are adopted (or none was found): the run ends as Done would.
                if self.flow.step() == Step::Devices && !self.flow.waiting() {
                    self.report();
                    if let Some(outcome) = self.apply(runtime, vec![Intent::Next]) {
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
                    line = self.lines.next() => match line {
                        Ok(line) => break Some(line),
                        // The devices offer is a question with a default: no more input is no.
                        Err(Eof) if self.flow.step() == Step::Done => {
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
                            say("");
                            break None;
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
            if tagging && self.flow.step() == Step::Tags {
                match &self.flow.tags().message {
                    Some(Notice::Error(error)) => say(&format!("error: tags: {error}")),
                    Some(Notice::Info(done)) => say(&format!(
                        "{done}. Tags: {}",
                        tags_text(&self.flow.tag_pairs())
                    )),
                    None => {}
                }
            }
        }
        None
    }

    /// What happened since the last prompt, printed once: the step's introduction, errors,
    /// the URL, state changes.
    pub(crate) fn report(&mut self) {
        if let Some(notice) = self.flow.take_notice() {
            say(&sanitize(&notice));
        }
        if self.flow.picking_profile() && !self.shown.profiles_listed {
            self.shown.profiles_listed = true;
            for line in flow::profile_lines(&self.flow) {
                say(&line);
            }
        }
        if self.shown.identity.as_ref() != Some(self.flow.identity()) {
            self.shown.identity = Some(self.flow.identity().clone());
            for line in flow::identity_lines(&self.flow) {
                say(&line);
            }
        }
        let flow = &self.flow;
        let entered = self.shown.step != Some(flow.step());
        if entered {
            self.shown.step = Some(flow.step());
            self.shown.field = None;
            self.shown.devices = None;
        }
        match flow.step() {
            Step::Destination => {
                if let DetailLoad::Failed { error, .. } = &flow.destinations().detail {
                    show_error(error, &flow.target().profile);
                }
                if let Load::Failed(error) = &flow.destinations().load {
                    show_error(error, &flow.target().profile);
                }
                if entered && flow.destinations().load == Load::Loading {
                    say("Loading connector destinations…");
                }
                if flow.destinations().load == Load::Loaded && !flow.destinations().more {
                    self.list_destinations();
                }
            }
            Step::Review if entered => self.show_review(),
            Step::Auth if entered => {
                say("This destination uses General Authorization. Materials:");
                for (n, material) in flow
                    .destination()
                    .iter()
                    .flat_map(|d| &d.auth_materials)
                    .enumerate()
                {
                    say(&format!("  {}. {}", n + 1, sanitize(material)));
                }
            }
            Step::Manage => self.report_manage(),
            Step::Tags if entered => {
                say(
                    "Tags: KEY=VALUE, one per line or several separated by commas; an empty line ends.",
                );
                if !flow.tags().rows.is_empty() {
                    say(&format!(
                        "Tags so far: {} (type 'clear' to remove them).",
                        tags_text(&flow.tag_pairs())
                    ));
                }
            }
            Step::Submit if entered => say("Creating the association…"),
            Step::Submit => {
                if let SubmitState::Failed(error) = &flow.submit() {
                    show_error(error, &flow.target().profile);
                }
            }
            Step::Devices => self.report_devices(),
            Step::Authorize if entered => self.progress.hand_over(&self.flow),
            Step::Status | Step::Done | Step::Authorize => {
                if let RefreshState::Failed(error) = &flow.refresh() {
                    show_error(error, &flow.target().profile);
                }
                self.progress.report(&self.flow);
            }
            _ => {}
        }
    }

    /// The prompt of the current step, or `None` while the flow waits for the service. Prints
    /// nothing: it is also called to see whether arriving events changed the question.
    pub(crate) fn prompt(&self) -> Option<String> {
        let flow = &self.flow;
        if flow.question().is_some() {
            return Some(format!("{} Quit anyway? [y/N]: ", flow::quit_warning(flow)));
        }
        if self.flow.waiting() {
            return None;
        }
        Some(match flow.step() {
            Step::Start if flow.picking_profile() => match &self.shown.profile {
                None => {
                    let last = flow
                        .opts()
                        .last_profile
                        .as_ref()
                        .map(|l| format!(" [Enter: {}]", sanitize(&l.profile)))
                        .unwrap_or_default();
                    format!(
                        "Profile: {} or its name{last}: ",
                        numbers(flow.opts().profiles.len())
                    )
                }
                Some((_, region)) => format!("Region [Enter: {}]: ", sanitize(region)),
            },
            Step::Start => "Create a new association (c) or manage existing ones (m)? ".into(),
            Step::Resume => format!("{}\nResume it? [Y/n]: ", flow::resume_summary(flow)?),
            Step::Destination => {
                if flow.destinations().load == Load::Loading || flow.destinations().more {
                    return None;
                }
                if let Load::Failed(_) = &flow.destinations().load {
                    return Some("Retry? [Y/n]: ".into());
                }
                let default = flow
                    .opts()
                    .prefill
                    .destination
                    .as_ref()
                    .and_then(|id| flow.listed_destination(id))
                    .map(|d| format!(" [Enter: {} ({})]", sanitize(&d.name), sanitize(&d.id)))
                    .unwrap_or_default();
                let count = flow.destinations().matches.len();
                if count <= LIST_MAX {
                    format!(
                        "Destination: {}, or text to filter{default}: ",
                        numbers(count)
                    )
                } else {
                    format!("Filter: type text to narrow the list{default}: ")
                }
            }
            Step::Details => match self.details_field() {
                DetailsField::Name => format!(
                    "Name ({}) [Enter: {}]: ",
                    validate::NAME_CHARS_HINT,
                    sanitize(&flow.details().name)
                ),
                DetailsField::Description if flow.details().description.is_empty() => {
                    "Description, optional [Enter: none]: ".into()
                }
                DetailsField::Description => format!(
                    "Description, optional [Enter: {}; '-' for none]: ",
                    sanitize(&flow.details().description)
                ),
            },
            Step::Tags => "Tag: ".into(),
            Step::Auth => {
                let materials = &flow.destination().as_ref()?.auth_materials;
                let hint = flow
                    .auth_material()
                    .as_ref()
                    .map(|m| format!(" [Enter: {}]", sanitize(m)))
                    .unwrap_or_default();
                format!(
                    "Authorization material: {}{hint}: ",
                    numbers(materials.len())
                )
            }
            Step::Review if self.shown.editing => format!(
                "Edit which? 1 destination, 2 name, 3 description, 4 tags{}: ",
                if flow.uses_general_authorization() {
                    ", 5 authorization material"
                } else {
                    ""
                }
            ),
            Step::Review => "Create it? y = create, e = edit, q = quit: ".into(),
            Step::Submit => match &flow.submit() {
                SubmitState::Failed(error) if error.is_retryable() => {
                    "Retry with the same request and ClientToken? [Y/n]: ".into()
                }
                SubmitState::Failed(_) => "Edit the values and review again? [Y/n]: ".into(),
                _ => return None,
            },
            Step::Authorize | Step::Status => {
                let tracked = flow.association().as_ref()?;
                if let Some(polling) = flow.polling().as_ref().filter(|p| p.asking_timeout) {
                    format!(
                        "Still {} after {}. Keep waiting? [y/N]: ",
                        tracked.state,
                        elapsed_text(flow.now().saturating_duration_since(polling.started))
                    )
                } else if tracked.state == AssociationState::RefreshTokenExpired
                    && !matches!(flow.refresh(), RefreshState::InFlight { .. })
                {
                    "The refresh token expired. Refresh it now (a new consent URL)? [Y/n]: ".into()
                } else if self.owner_offer_open() {
                    "Demo: answer as the account owner? a = approve, d = deny, Enter = wait for a \
                     browser: "
                        .into()
                } else {
                    return None;
                }
            }
            // After success: the devices are offered once; otherwise the run ends here.
            Step::Done if flow.offers_devices() => {
                "Discover the account's devices and adopt them now? [y/N]: ".into()
            }
            Step::Done => return None,
            Step::Devices => return self.devices_prompt(),
            Step::Manage => return self.manage_prompt(),
        })
    }

    /// `demo` waits for consent: the operator may answer as the account owner.
    fn owner_offer_open(&self) -> bool {
        !self.shown.owner_declined && owner_actions(&self.flow).contains(&OwnerAction::Approve)
    }

    /// The discovery's progress, the devices once listed, each adoption's result.
    fn report_devices(&mut self) {
        let Some(view) = self.flow.devices().clone() else {
            return;
        };
        let before = self.shown.devices.take();
        let before = before.filter(|b| b.association_id == view.association_id);
        for line in flow::devices_news(before.as_ref(), &view) {
            say(&line);
        }
        self.report_message(view.message.clone());
        self.shown.devices = Some(view);
    }

    fn details_field(&self) -> DetailsField {
        self.flow
            .details()
            .error_field
            .or(self.shown.field)
            .unwrap_or(DetailsField::Name)
    }

    /// The answer as intents for the current step.
    pub(crate) fn answer(&mut self, answer: &str) -> Vec<Intent> {
        let flow = &self.flow;
        if flow.question().is_some() {
            return vec![match answer_yes(answer, false) {
                true => Intent::ConfirmQuit,
                false => Intent::CancelQuit,
            }];
        }
        match flow.step() {
            Step::Start if flow.picking_profile() => self.answer_profile(answer),
            Step::Done => match (answer_yes(answer, false), &flow.association()) {
                (true, Some(tracked)) => vec![Intent::ShowDevices(tracked.id.clone())],
                _ => vec![Intent::Quit { interrupted: false }],
            },
            Step::Devices => self.answer_devices(answer),
            Step::Start => match answer {
                "m" | "manage" => vec![Intent::StartManage],
                _ => vec![Intent::StartCreate],
            },
            Step::Resume if yes(answer) => vec![Intent::Resume],
            Step::Resume => vec![Intent::Discard],
            Step::Destination => self.answer_destination(answer),
            Step::Details => self.answer_details(answer),
            Step::Tags => match answer {
                "" => vec![Intent::Next],
                "clear" => (0..flow.tags().rows.len())
                    .rev()
                    .map(Intent::RemoveTag)
                    .collect(),
                _ => vec![Intent::PasteTags(answer.to_string())],
            },
            Step::Auth => match flow::material_by_answer(flow, answer) {
                Some(material) => vec![Intent::ChooseMaterial(material)],
                None => {
                    let count = flow.destination().as_ref().map(|d| d.auth_materials.len());
                    say(&format!("Type {}.", numbers(count.unwrap_or_default())));
                    Vec::new()
                }
            },
            Step::Review if self.shown.editing => {
                self.shown.editing = false;
                let rows = flow.review_rows();
                match answer
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| rows.get(n.wrapping_sub(1)))
                {
                    Some(row) => {
                        if *row == ReviewRow::Description {
                            self.shown.field = Some(DetailsField::Description);
                        }
                        vec![Intent::EditRow(*row)]
                    }
                    None => Vec::new(),
                }
            }
            Step::Review => match answer.to_lowercase().as_str() {
                "y" | "yes" => vec![Intent::Submit],
                "e" | "edit" => {
                    self.shown.editing = true;
                    Vec::new()
                }
                "q" | "quit" | "n" | "no" => vec![Intent::Quit { interrupted: false }],
                _ => {
                    say("Type y, e or q.");
                    Vec::new()
                }
            },
            Step::Submit => match &flow.submit() {
                SubmitState::Failed(error) if error.is_retryable() && yes(answer) => {
                    vec![Intent::Retry]
                }
                SubmitState::Failed(_) if yes(answer) => vec![Intent::EditDraft],
                _ => vec![Intent::Quit { interrupted: false }],
            },
            Step::Authorize | Step::Status if self.owner_offer_open() && !flow.asking_timeout() => {
                match answer.to_lowercase().as_str() {
                    "a" | "approve" => vec![Intent::ActAsOwner(OwnerAction::Approve)],
                    "d" | "deny" => vec![Intent::ActAsOwner(OwnerAction::Deny)],
                    _ => {
                        self.shown.owner_declined = true;
                        Vec::new()
                    }
                }
            }
            Step::Authorize | Step::Status => {
                if flow.asking_timeout() {
                    match answer_yes(answer, false) {
                        true => vec![Intent::KeepWaiting],
                        false => vec![Intent::LeaveInProgress],
                    }
                } else if yes(answer) {
                    vec![Intent::Refresh]
                } else {
                    vec![Intent::Quit { interrupted: false }]
                }
            }
            Step::Manage => self.answer_manage(answer),
        }
    }

    fn answer_destination(&mut self, answer: &str) -> Vec<Intent> {
        let flow = &self.flow;
        if let Load::Failed(_) = flow.destinations().load {
            return if yes(answer) {
                vec![Intent::ReloadDestinations]
            } else {
                vec![Intent::Quit { interrupted: false }]
            };
        }
        let choose = |id: &str| {
            let name = flow.listed_destination(id).map(|d| d.name.as_str());
            say(&format!(
                "Destination: {} ({})",
                sanitize(name.unwrap_or_default()),
                sanitize(id)
            ));
            vec![Intent::ChooseDestination(id.to_string())]
        };
        let intents = match flow::resolve_destination(flow, answer) {
            DestinationAnswer::Choose(id) => return choose(&id),
            DestinationAnswer::Undecided => {
                say("Type a number from the list, or text to narrow it.");
                return Vec::new();
            }
            DestinationAnswer::NotListed { number, count } => {
                say(&format!(
                    "{number} is not in the list: type {}.",
                    numbers(count)
                ));
                return Vec::new();
            }
            DestinationAnswer::NoMatch => {
                say(&format!(
                    "No destination matches '{}'; showing all.",
                    sanitize(answer)
                ));
                vec![Intent::FilterDestinations(String::new())]
            }
            DestinationAnswer::Filter(text) => vec![Intent::FilterDestinations(text)],
        };
        self.shown.numbered = None;
        intents
    }

    fn devices_prompt(&self) -> Option<String> {
        let view = self.flow.devices().as_ref()?;
        match (&view.discovery, &view.adoption) {
            (DiscoveryState::Failed(_), _) => Some("Discover again? [Y/n]: ".into()),
            (DiscoveryState::Done { .. }, None) if view.items.is_empty() => None,
            (DiscoveryState::Done { .. }, None) => Some(format!(
                "Adopt which? all, none, or numbers such as 1,3-5 (of {}): ",
                view.items.len()
            )),
            (DiscoveryState::Done { .. }, Some(adoption))
                if adoption.finished() && !adoption.failed.is_empty() =>
            {
                Some(format!(
                    "Retry the {} that failed? [Y/n]: ",
                    adoption.failed.len()
                ))
            }
            _ => None,
        }
    }

    /// `all`, `none` (or nothing), or numbers and ranges of the list shown.
    fn answer_devices(&mut self, answer: &str) -> Vec<Intent> {
        let Some(view) = self.flow.devices().as_ref() else {
            return Vec::new();
        };
        match (&view.discovery, &view.adoption) {
            (DiscoveryState::Failed(_), _) if yes(answer) => vec![Intent::StartDiscovery],
            (DiscoveryState::Failed(_), _) => vec![Intent::Quit { interrupted: false }],
            (DiscoveryState::Done { .. }, Some(_)) if yes(answer) => {
                vec![Intent::RetryFailedAdoptions]
            }
            (DiscoveryState::Done { .. }, Some(_)) => vec![Intent::Next],
            (DiscoveryState::Done { .. }, None) => match answer.to_lowercase().as_str() {
                "" | "none" | "n" => vec![Intent::SelectAllDevices(false), Intent::Next],
                "all" | "a" => vec![Intent::SelectAllDevices(true), Intent::AdoptSelected],
                numbers => match flow::device_picks(numbers, view.items.len()) {
                    Ok(picked) => {
                        let mut intents = vec![Intent::SelectAllDevices(false)];
                        intents.extend(picked.into_iter().map(|n| {
                            Intent::ToggleDevice(view.items[n - 1].connector_device_id.clone())
                        }));
                        intents.push(Intent::AdoptSelected);
                        intents
                    }
                    Err(why) => {
                        say(&why);
                        Vec::new()
                    }
                },
            },
            _ => Vec::new(),
        }
    }

    /// The profile (by number, name, or Enter for the last one), then its region.
    fn answer_profile(&mut self, answer: &str) -> Vec<Intent> {
        let flow = &self.flow;
        if let Some((profile, region)) = self.shown.profile.take() {
            let region = if answer.is_empty() {
                region
            } else {
                answer.to_string()
            };
            return vec![Intent::ChooseProfile { profile, region }];
        }
        let Some(picked) = flow::profile_by_answer(flow, answer) else {
            say(&format!(
                "Type {} or a profile's name.",
                numbers(flow.opts().profiles.len())
            ));
            return Vec::new();
        };
        let region = flow::region_for_profile(flow, &picked.name);
        self.shown.profile = Some((picked.name.clone(), region));
        Vec::new()
    }

    fn answer_details(&mut self, answer: &str) -> Vec<Intent> {
        let flow = &self.flow;
        match self.details_field() {
            DetailsField::Name => {
                let value = if answer.is_empty() {
                    flow.details().name.clone()
                } else {
                    answer.to_string()
                };
                if let Some(message) = validate::name_error(&value) {
                    say(&format!("error: name: {message}"));
                    return Vec::new();
                }
                self.shown.field = Some(DetailsField::Description);
                vec![Intent::SetName(value)]
            }
            DetailsField::Description => {
                let value = match answer {
                    "" => flow.details().description.clone(),
                    "-" => String::new(),
                    _ => answer.to_string(),
                };
                if let Some(message) = validate::description_error(&value) {
                    say(&format!("error: description: {message}"));
                    return Vec::new();
                }
                self.shown.field = None;
                vec![Intent::SetDescription(value), Intent::Next]
            }
        }
    }

    /// The numbered destinations (when few enough), once per change of the list.
    fn list_destinations(&mut self) {
        let list = self.flow.destinations();
        let ids = list.matches.iter().take(LIST_MAX);
        let ids = Some(ids.map(|&i| list.items[i].id.clone()).collect());
        if ids != self.shown.numbered {
            for line in flow::destination_lines(&self.flow) {
                say(&line);
            }
            self.shown.numbered = ids;
        }
    }

    /// The numbered associations (when they changed and none is picked), the details asked
    /// for, and the list's message, each printed once.
    fn report_manage(&mut self) {
        let view = self.flow.manage();
        let ids = Some(view.matches.iter().map(|&i| view.items[i].id.clone()));
        let ids = ids.map(Iterator::collect);
        let listed = view.load == Load::Loaded && !view.more;
        if listed && ids != self.shown.numbered && view.picked.is_none() {
            for line in flow::association_lines(view) {
                say(&line);
            }
            self.shown.numbered = ids;
        }
        if let Some(detail) = &view.detail
            && self.shown.detail != view.detail_generation
        {
            say(&flow::association_detail(detail));
            self.shown.detail = view.detail_generation;
        }
        self.report_message(view.message.clone());
    }

    /// A Manage or Devices message, once.
    fn report_message(&mut self, message: Option<Notice>) {
        if message != self.shown.message
            && let Some(Notice::Info(text) | Notice::Error(text)) = &message
        {
            say(&sanitize(text));
        }
        self.shown.message = message;
    }

    /// Every value and the equivalent AWS CLI command.
    fn show_review(&self) {
        let values = flow::review_values(&self.flow);
        if values.is_empty() {
            return;
        }
        say("Review:");
        for (key, value) in values {
            say(&format!("  {key:<15}{}", sanitize(&value)));
        }
        say("Equivalent AWS CLI command:");
        if let Some(command) = flow::review_command(&self.flow) {
            say(&format!("  {}", sanitize(&command)));
        }
    }

    fn manage_prompt(&self) -> Option<String> {
        let view = self.flow.manage();
        if view.load == Load::Loading || view.more || view.fetching {
            return None;
        }
        if let Some(id) = &view.confirm_delete {
            let word = view.find(id).map(flow::confirmation_word);
            let word = sanitize(word.as_deref().unwrap_or(id)).into_owned();
            return Some(format!(
                "Type {word:?} to delete it (Enter alone cancels): "
            ));
        }
        if let Some(deletion) = view.deletion.as_ref().filter(|d| d.awaits_retry()) {
            let word = sanitize(&deletion.word);
            return Some(format!(
                "r retries the failed ones, b leaves {word} as it is: "
            ));
        }
        let Some(picked) = view.picked.as_ref().and_then(|id| view.find(id)) else {
            return Some("Association: a number, or text to filter; q quits: ".into());
        };
        let keys: Vec<String> = ManageCommand::ALL
            .into_iter()
            .filter(|c| c.offered(&picked.state))
            .map(|c| format!("{} {}", c.key(), c.label()))
            .collect();
        Some(format!(
            "{} ({}): {}, b back: ",
            sanitize(&picked.id),
            picked.state,
            keys.join(", ")
        ))
    }

    /// The same letters as the TUI's Manage keys (`ManageCommand`); a delete is confirmed by
    /// typing the name at a prompt of its own.
    fn answer_manage(&mut self, answer: &str) -> Vec<Intent> {
        let view = self.flow.manage();
        if let Some(id) = view.confirm_delete.clone() {
            return vec![match answer {
                "" => Intent::CancelDelete,
                typed => Intent::Delete {
                    id,
                    typed: typed.to_string(),
                },
            }];
        }
        if view.deletion.as_ref().is_some_and(Deletion::awaits_retry) {
            return match answer {
                "r" => vec![Intent::RetryDeletion],
                "" | "b" => vec![Intent::Back],
                _ => {
                    say("Type r or b.");
                    Vec::new()
                }
            };
        }
        if let Some(id) = view.picked.clone() {
            return match ManageCommand::from_key(answer) {
                Some(command) => vec![command.intent(&id)],
                None if matches!(answer, "" | "b") => vec![Intent::Back],
                None => {
                    say("Type one of the letters shown, or b to go back to the list.");
                    Vec::new()
                }
            };
        }
        match answer {
            "q" | "quit" => vec![Intent::Quit { interrupted: false }],
            "" => Vec::new(),
            _ => match flow::numbered_association(&self.flow, answer) {
                Some(id) => vec![Intent::PickAssociation(Some(id))],
                None => {
                    self.shown.numbered = None;
                    vec![Intent::FilterAssociations(answer.to_string())]
                }
            },
        }
    }
}

fn show_error(error: &iotmi_core::service::ServiceError, profile: &str) {
    say(&format!("error: {error}"));
    say(&format!("hint: {}", error.remedy(profile)));
}

fn tags_text(tags: &[(String, String)]) -> String {
    if tags.is_empty() {
        return "none".into();
    }
    tags.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
pub(crate) mod tests {
    //! Plain answers through the flow; the parity with the other front ends is tested in
    //! `crate::parity_tests` (a front end does not import another).

    use super::*;
    use iotmi_core::flow::testing::*;
    use iotmi_core::flow::{Event, Options, Prefill};
    use iotmi_core::service::{CreateRequest, ErrorKind, Page, ServiceError};

    pub(crate) fn fresh_flow() -> Flow {
        let mut flow = Flow::new(
            Options {
                first: FirstScreen::Create,
                prefill: Prefill::default(),
                ..options()
            },
            now(),
        );
        let effects = flow::init(&mut flow);
        identified(&mut flow);
        let generation = effects
            .iter()
            .find_map(|e| match e {
                Effect::ListDestinations { generation, .. } => Some(*generation),
                _ => None,
            })
            .unwrap();
        flow::update(
            &mut flow,
            Event::DestinationsPage {
                generation,
                result: Ok(Page {
                    items: destinations(),
                    next_token: None,
                }),
            },
            now(),
        );
        flow
    }

    pub(crate) fn plain(flow: Flow) -> Plain {
        let (_, rx) = mpsc::unbounded_channel();
        Plain {
            flow,
            lines: Lines { rx, echo: false },
            shown: Shown::default(),
            progress: Progress::new(None),
        }
    }

    /// Each answer through plain mode; the create requests it led to.
    pub(crate) fn plain_answers(plain: &mut Plain, answers: &[&str]) -> Vec<CreateRequest> {
        let mut sent = Vec::new();
        for answer in answers {
            plain.report();
            for intent in plain.answer(answer) {
                let effects = flow::update(&mut plain.flow, intent, now());
                sent.extend(answer_effects(&mut plain.flow, &effects));
            }
        }
        sent
    }

    pub(crate) fn fail_submit(flow: &mut Flow) {
        let generation = current_submit(flow);
        flow::update(
            flow,
            Event::Created {
                generation,
                result: Err(ServiceError::new(ErrorKind::Validation, "no")),
            },
            now(),
        );
    }

    #[test]
    fn one_match_is_picked_by_1_and_an_exact_name_picks_without_a_number() {
        let mut prompts = plain(fresh_flow());
        prompts.report();
        for intent in prompts.answer("lights") {
            flow::update(&mut prompts.flow, intent, now());
        }
        prompts.report();
        let prompt = prompts.prompt().expect("a prompt");
        assert!(prompt.starts_with("Destination: 1, or text"), "{prompt}");
        assert!(!prompt.contains("1-1"), "{prompt}");
        // A number picks only from the list shown: 2 is not in it.
        assert!(prompts.answer("2").is_empty());
        assert_eq!(
            prompts.answer("1"),
            [Intent::ChooseDestination("dest-oauth".into())]
        );

        let mut prompts = plain(fresh_flow());
        prompts.report();
        assert_eq!(
            prompts.answer("Acme GA"),
            [Intent::ChooseDestination("dest-ga".into())]
        );
    }
}
