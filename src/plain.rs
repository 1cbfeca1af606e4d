//! Plain mode: the wizard as line-by-line prompts, for screen readers, dumb terminals and logs.
//! No alternate screen, no cursor movement, no colour: prompts, lists and progress go to stderr
//! as plain lines, answers are read line by line from stdin (a pipe works), and the summary goes
//! to stdout exactly as the full-screen wizard prints it. The rules are the wizard's own
//! (`flow::validate`, `flow::pairs`, `flow::command_line`, `remote`), never re-implemented.

use std::io::{BufRead, IsTerminal, Write};

use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::cli::{OutputFormat, WizardArgs};
use crate::journal::{JournalKey, JournalStore};
use crate::output::{print_demo_next_steps, print_draft_fate, print_summary};
use crate::progress::Progress;
use crate::runtime::Runtime;
use crate::session::{Connection, start_interactive};
use iotmi_core::flow::pairs::parse_pairs;
use iotmi_core::flow::{
    self, DetailLoad, DetailsField, DiscoveryState, Effect, FirstScreen, Flow, Identity, Intent,
    Load, Notice, Outcome, OutcomeKind, OwnerAction, RefreshState, ReviewRow, Step, SubmitState,
    owner_actions, validate,
};
use iotmi_core::service::AssociationState;
use iotmi_core::text::{elapsed_text, sanitize};
/// Longer lists are narrowed with a filter before they are numbered.
pub const LIST_MAX: usize = 30;

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

/// `1,3-5` → [1, 3, 4, 5], each within 1..=count.
fn parse_numbers(text: &str, count: usize) -> Result<Vec<usize>, String> {
    let bad = || format!("Type all, none, or numbers from 1 to {count} such as 1,3-5.");
    let mut picked = Vec::new();
    for piece in text.split([',', ' ']).filter(|p| !p.is_empty()) {
        let (from, to) = match piece.split_once('-') {
            Some((a, b)) => (a.trim().parse::<usize>(), b.trim().parse::<usize>()),
            None => (piece.trim().parse::<usize>(), piece.trim().parse::<usize>()),
        };
        let (Ok(from), Ok(to)) = (from, to) else {
            return Err(bad());
        };
        if from == 0 || to > count || from > to {
            return Err(bad());
        }
        picked.extend(from..=to);
    }
    picked.dedup();
    if picked.is_empty() {
        return Err(bad());
    }
    Ok(picked)
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
    !(answer.eq_ignore_ascii_case("n") || answer.eq_ignore_ascii_case("no"))
}

fn say(line: &str) {
    eprintln!("{line}");
}

/// The prompts' own memory: what was shown, so numbers pick only from a list that was shown
/// and context is printed once per step.
#[derive(Default)]
struct Shown {
    /// Ids of the numbered destinations or associations last listed.
    numbered: Vec<String>,
    /// The step whose introduction was printed.
    step: Option<Step>,
    /// Step 2 asks the name, then the description.
    field: Option<DetailsField>,
    /// Manage: the association picked for an action.
    picked: Option<String>,
    /// `e` at the review: the next answer names the row to edit.
    editing: bool,
    /// The identity check whose result was printed.
    identity: Option<Identity>,
    /// The devices were offered after success (asked once).
    devices_offered: bool,
    /// How much of the Devices step was reported: discovery state, devices listed, results.
    devices_reported: (Option<String>, bool, usize),
    /// The profile picked (with the region offered for it), while the region is asked.
    profile: Option<(String, String)>,
    /// The profiles were listed.
    profiles_listed: bool,
    /// `demo`: the account-owner question was answered with Enter (wait for a browser).
    owner_declined: bool,
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
    let target = &connection.target;
    let place = match &target.endpoint {
        Some(_) if target.demo => {
            "DEMO: the built-in simulator; nothing real is created".to_string()
        }
        Some(endpoint) => format!("endpoint {endpoint}"),
        None => format!(
            "profile {}, region {}",
            target.profile,
            target.region.as_deref().unwrap_or("from the environment")
        ),
    };
    say(&format!(
        "iotmi-onboard: create an account association ({place})."
    ));
    say("Plain mode: answer each question and press Enter. Ctrl-C or end of input quits.");
    let mut flow = Flow::new(options, Instant::now().into_std());
    if let Some(notice) = flow.take_notice() {
        say(&sanitize(&notice));
    }
    crate::signals::interruptible(async move {
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
                Ok(iotmi_core::exit::INTERRUPTED)
            }
        }
    })
    .await
}

struct Plain {
    flow: Flow,
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
            let saving_tag = matches!(intent, Intent::SaveTag { .. });
            let effects: Vec<Effect> =
                flow::update(&mut self.flow, intent, Instant::now().into_std());
            if let Some(outcome) = execute(runtime, effects) {
                return Some(outcome);
            }
            if let Some(notice) = self.flow.take_notice() {
                say(&sanitize(&notice));
            }
            // A refused tag is said once, right after the SaveTag that it refused.
            if saving_tag && let Some((_, error)) = &self.flow.tags().edit_error {
                say(&format!("error: tags: {error}"));
            }
        }
        None
    }

    /// What happened since the last prompt, printed once: the step's introduction, errors,
    /// the URL, state changes.
    fn report(&mut self) {
        if let Some(notice) = self.flow.take_notice() {
            say(&sanitize(&notice));
        }
        if self.flow.picking_profile() && !self.shown.profiles_listed {
            self.shown.profiles_listed = true;
            say("No profile was named, and your AWS config has several:");
            for (n, p) in self.flow.opts().profiles.iter().enumerate() {
                say(&format!(
                    "  {}. {} ({}, {})",
                    n + 1,
                    sanitize(&p.name),
                    p.region
                        .as_deref()
                        .map(sanitize)
                        .unwrap_or("no region".into()),
                    p.kind.label()
                ));
            }
        }
        if self.shown.identity.as_ref() != Some(self.flow.identity()) {
            self.shown.identity = Some(self.flow.identity().clone());
            let target = &self.flow.target();
            match &self.flow.identity() {
                Identity::Known => say(&format!(
                    "Onboarding into account {} as {} (credentials: {}).",
                    target.account.as_deref().unwrap_or_default(),
                    target.arn.as_deref().unwrap_or_default(),
                    target.credentials
                )),
                Identity::Failed(error) => {
                    say(&format!(
                        "Whose account this is is not known: {}: {}",
                        error.title(),
                        error.message
                    ));
                    match self.flow.sso_login() {
                        Some(command) => say(&format!(
                            "Sign in with `{}`, then run iotmi-onboard again.",
                            command.join(" ")
                        )),
                        None => say(&error.remedy(&target.profile)),
                    }
                }
                Identity::Checking | Identity::Endpoint => {}
            }
        }
        let flow = &self.flow;
        let entered = self.shown.step != Some(flow.step());
        if entered {
            self.shown.step = Some(flow.step());
            self.shown.field = None;
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
            Step::Manage if flow.manage().load == Load::Loaded && !flow.manage().more => {
                self.list_associations();
            }
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
    fn prompt(&self) -> Option<String> {
        let flow = &self.flow;
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
            Step::Resume => {
                let journal = flow.opts().resume.as_ref()?;
                let what = match (&journal.association_id, &journal.unanswered) {
                    (Some(id), _) => format!("association {}, created", sanitize(id)),
                    (None, Some(_)) => "submitted, reply not received".to_owned(),
                    (None, None) => "not submitted".to_owned(),
                };
                format!(
                    "An unfinished onboarding was saved: {:?} ({what}).\nResume it? [Y/n]: ",
                    sanitize(journal.draft.name.as_deref().unwrap_or_default())
                )
            }
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
            Step::Done if self.devices_offer() => {
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
        let Some(view) = self.flow.devices().as_ref() else {
            return;
        };
        let state = match &view.discovery {
            DiscoveryState::Idle => None,
            DiscoveryState::Starting { .. } => Some(format!(
                "Discovering the devices of {}…",
                sanitize(&view.association_name)
            )),
            DiscoveryState::Running { id, .. } => {
                Some(format!("Discovery {} running…", sanitize(id)))
            }
            DiscoveryState::Listing { .. } => Some("Listing the devices found…".into()),
            DiscoveryState::Done { .. } => Some(format!("Found {} devices:", view.items.len())),
            DiscoveryState::Failed(why) => Some(format!("✗ {}", sanitize(why))),
        };
        if state.is_some() && state != self.shown.devices_reported.0 {
            say(state.as_deref().unwrap_or_default());
            self.shown.devices_reported.0 = state;
        }
        if matches!(view.discovery, DiscoveryState::Done { .. }) && !self.shown.devices_reported.1 {
            self.shown.devices_reported.1 = true;
            for (n, d) in view.items.iter().enumerate() {
                let managed = d
                    .managed_thing_id
                    .as_deref()
                    .map(|id| format!(", managed thing {}", sanitize(id)))
                    .unwrap_or_default();
                say(&format!(
                    "  {}. {} ({} {}; {}){managed}",
                    n + 1,
                    sanitize(&d.name),
                    sanitize(&d.brand),
                    sanitize(&d.model),
                    sanitize(&d.device_types.join(", "))
                ));
            }
        }
        if let Some(adoption) = &view.adoption {
            let reported = adoption.done.len() + adoption.failed.len();
            if reported > self.shown.devices_reported.2 || adoption.finished() {
                say(&format!(
                    "Adopting: {} of {} done{}",
                    adoption.done.len(),
                    adoption.total,
                    if adoption.failed.is_empty() {
                        String::new()
                    } else {
                        format!(", {} failed", adoption.failed.len())
                    }
                ));
                self.shown.devices_reported.2 = reported;
            }
            if adoption.finished() {
                for (device, error) in &adoption.failed {
                    say(&format!(
                        "  failed: {}: {}",
                        sanitize(device),
                        sanitize(&error.message)
                    ));
                }
            }
        }
        if let Some(Notice::Info(message) | Notice::Error(message)) = &view.message {
            say(&sanitize(message));
        }
    }

    fn details_field(&self) -> DetailsField {
        self.flow
            .details()
            .error_field
            .or(self.shown.field)
            .unwrap_or(DetailsField::Name)
    }

    /// The answer as intents for the current step.
    fn answer(&mut self, answer: &str) -> Vec<Intent> {
        let flow = &self.flow;
        match flow.step() {
            Step::Start if flow.picking_profile() => self.answer_profile(answer),
            Step::Done => {
                self.shown.devices_offered = true;
                match (answer, &flow.association()) {
                    ("y" | "Y" | "yes", Some(tracked)) => {
                        vec![Intent::ShowDevices(tracked.id.clone())]
                    }
                    _ => vec![Intent::Quit { interrupted: false }],
                }
            }
            Step::Devices => self.answer_devices(answer),
            Step::Start => match answer {
                "m" | "manage" => vec![Intent::StartManage],
                _ => vec![Intent::StartCreate],
            },
            Step::Resume => {
                if yes(answer) {
                    vec![Intent::Resume]
                } else {
                    vec![Intent::Discard]
                }
            }
            Step::Destination => self.answer_destination(answer),
            Step::Details => self.answer_details(answer),
            Step::Tags => match answer {
                "" => vec![Intent::Next],
                "clear" => {
                    say("Tags cleared.");
                    (0..flow.tags().rows.len())
                        .rev()
                        .map(Intent::RemoveTag)
                        .collect()
                }
                _ => match parse_pairs(answer) {
                    Err(message) => {
                        say(&format!("error: tags: {message}"));
                        Vec::new()
                    }
                    Ok(pairs) => {
                        let mut candidate = flow.tag_pairs();
                        candidate.extend(pairs);
                        let problems = validate::tags_errors(&candidate);
                        if problems.is_empty() {
                            say(&format!("Tags: {}", tags_text(&candidate)));
                            vec![Intent::PasteTags(answer.to_string())]
                        } else {
                            for problem in problems {
                                say(&format!("error: tags: {problem}"));
                            }
                            Vec::new()
                        }
                    }
                },
            },
            Step::Auth => {
                let materials = flow
                    .destination()
                    .as_ref()
                    .map(|d| d.auth_materials.clone())
                    .unwrap_or_default();
                let chosen = if answer.is_empty() {
                    flow.auth_material().clone()
                } else {
                    answer
                        .parse::<usize>()
                        .ok()
                        .and_then(|n| n.checked_sub(1))
                        .and_then(|i| materials.get(i).cloned())
                        .or_else(|| materials.iter().find(|m| *m == answer).cloned())
                };
                match chosen {
                    Some(material) => vec![Intent::ChooseMaterial(material)],
                    None => {
                        say(&format!("Type {}.", numbers(materials.len())));
                        Vec::new()
                    }
                }
            }
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
                    if answer.eq_ignore_ascii_case("y") || answer.eq_ignore_ascii_case("yes") {
                        vec![Intent::KeepWaiting]
                    } else {
                        vec![Intent::LeaveInProgress]
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
        let choose = |id: &str, name: &str| {
            say(&format!(
                "Destination: {} ({})",
                sanitize(name),
                sanitize(id)
            ));
            vec![Intent::ChooseDestination(id.to_string())]
        };
        if answer.is_empty() {
            let default = flow
                .opts()
                .prefill
                .destination
                .as_ref()
                .and_then(|id| flow.listed_destination(id));
            if let Some(d) = default {
                return choose(&d.id, &d.name);
            }
            if let [only] = flow.destinations().matches[..] {
                let d = &flow.destinations().items[only];
                return choose(&d.id, &d.name);
            }
            say("Type a number from the list, or text to narrow it.");
            return Vec::new();
        }
        // A number picks only from a list that was shown.
        if let Ok(n) = answer.parse::<usize>()
            && !self.shown.numbered.is_empty()
        {
            return match self.shown.numbered.get(n.wrapping_sub(1)) {
                Some(id) => {
                    let name = flow
                        .listed_destination(id)
                        .map(|d| d.name.clone())
                        .unwrap_or_default();
                    choose(&id.clone(), &name)
                }
                None => {
                    say(&format!(
                        "{n} is not in the list: type {}.",
                        numbers(self.shown.numbered.len())
                    ));
                    Vec::new()
                }
            };
        }
        // An exact id or name picks it.
        if let Some(d) = flow
            .destinations()
            .items
            .iter()
            .find(|d| d.id == answer || d.name == answer)
        {
            return choose(&d.id, &d.name);
        }
        let matches_any = flow
            .destinations()
            .haystacks
            .iter()
            .any(|h| flow::filter_matches(h, answer));
        self.shown.numbered.clear();
        if !matches_any {
            say(&format!(
                "No destination matches '{}'; showing all.",
                sanitize(answer)
            ));
            return vec![Intent::FilterDestinations(String::new())];
        }
        vec![Intent::FilterDestinations(answer.to_string())]
    }

    /// Succeeded, and the devices not offered yet.
    fn devices_offer(&self) -> bool {
        !self.shown.devices_offered
            && self
                .flow
                .association()
                .as_ref()
                .is_some_and(|a| a.state == iotmi_core::service::AssociationState::Succeeded)
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
                numbers => match parse_numbers(numbers, view.items.len()) {
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
        let profiles = &flow.opts().profiles;
        let last = flow.opts().last_profile.as_ref();
        let picked = match answer.parse::<usize>() {
            Ok(n) => profiles.get(n.wrapping_sub(1)),
            Err(_) if answer.is_empty() => {
                last.and_then(|l| profiles.iter().find(|p| p.name == l.profile))
            }
            Err(_) => profiles.iter().find(|p| p.name == answer),
        };
        let Some(picked) = picked else {
            say(&format!(
                "Type {} or a profile's name.",
                numbers(profiles.len())
            ));
            return Vec::new();
        };
        let region = last
            .filter(|l| l.profile == picked.name)
            .map(|l| l.region.clone())
            .or_else(|| picked.region.clone())
            .unwrap_or_else(|| "us-east-1".into());
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

    /// The numbered destinations (when few enough), once per change of the filter.
    fn list_destinations(&mut self) {
        let flow = &self.flow;
        let list = &flow.destinations();
        let ids: Vec<String> = list
            .matches
            .iter()
            .take(LIST_MAX)
            .map(|&i| list.items[i].id.clone())
            .collect();
        if ids == self.shown.numbered {
            return;
        }
        if list.items.is_empty() {
            say("No connector destinations here: create one first, or check the region.");
            return;
        }
        let matching = if list.filter.is_empty() {
            String::new()
        } else {
            format!(" matching '{}'", sanitize(&list.filter))
        };
        if list.matches.len() > LIST_MAX {
            say(&format!(
                "{} connector destinations{matching}: too many to list.",
                list.matches.len()
            ));
            self.shown.numbered.clear();
            return;
        }
        say(&format!("Connector destinations{matching}:"));
        for (n, &i) in list.matches.iter().enumerate() {
            let d = &list.items[i];
            let connector = flow
                .connector_name(&d.cloud_connector_id)
                .unwrap_or(&d.cloud_connector_id);
            say(&format!(
                "  {}. {} ({}), connector {}",
                n + 1,
                sanitize(&d.name),
                sanitize(&d.id),
                sanitize(connector)
            ));
        }
        self.shown.numbered = ids;
    }

    fn list_associations(&mut self) {
        let view = &self.flow.manage();
        let ids: Vec<String> = view
            .matches
            .iter()
            .map(|&i| view.items[i].id.clone())
            .collect();
        if ids == self.shown.numbered || self.shown.picked.is_some() {
            return;
        }
        if view.items.is_empty() {
            say("No account associations here.");
        }
        for (n, &i) in view.matches.iter().enumerate() {
            let a = &view.items[i];
            say(&format!(
                "  {}. {} ({}) {}",
                n + 1,
                sanitize(&a.name),
                sanitize(&a.id),
                a.state
            ));
        }
        if let Some(detail) = &view.detail {
            say(&format!(
                "{} ({}): {}, destination {}",
                sanitize(&detail.name),
                sanitize(&detail.id),
                detail.state,
                sanitize(&detail.destination_id)
            ));
        }
        if let Some(Notice::Info(text) | Notice::Error(text)) = &view.message {
            say(&sanitize(text));
        }
        self.shown.numbered = ids;
    }

    /// Every value and the equivalent AWS CLI command.
    fn show_review(&self) {
        let flow = &self.flow;
        let Some(request) = flow::pending_request(flow) else {
            return;
        };
        let destination = flow
            .destination()
            .as_ref()
            .map(|d| format!("{} ({})", d.name, d.id))
            .unwrap_or_default();
        say("Review:");
        let rows = [
            ("destination", destination),
            ("name", request.name.clone().unwrap_or_default()),
            (
                "description",
                request
                    .description
                    .clone()
                    .unwrap_or_else(|| "(none)".into()),
            ),
            (
                "tags",
                if request.tags.is_empty() {
                    "(none)".into()
                } else {
                    tags_text(&request.tags)
                },
            ),
            (
                "authorization",
                request
                    .auth_material
                    .clone()
                    .unwrap_or_else(|| "OAuth consent in a browser".into()),
            ),
            ("client-token", request.client_token.clone()),
        ];
        for (key, value) in rows {
            say(&format!("  {key:<15}{}", sanitize(&value)));
        }
        say("Equivalent AWS CLI command:");
        if let Some(command) = flow::review_command(flow) {
            say(&format!("  {}", sanitize(&command)));
        }
    }

    fn manage_prompt(&self) -> Option<String> {
        let view = &self.flow.manage();
        if view.load == Load::Loading || view.more {
            return None;
        }
        if let Some(id) = &self.shown.picked {
            return Some(format!(
                "{}: d details, a authorize, r refresh, n retry as new, x delete, b back: ",
                sanitize(id)
            ));
        }
        Some("Association: a number, or text to filter; q quits: ".into())
    }

    fn answer_manage(&mut self, answer: &str) -> Vec<Intent> {
        if let Some(id) = self.shown.picked.clone() {
            if let Some(confirm) = &self.flow.manage().confirm_delete {
                let id = confirm.clone();
                self.shown.picked = None;
                return vec![Intent::Delete {
                    id,
                    typed: answer.to_string(),
                }];
            }
            let intent = match answer {
                "d" => Intent::ShowAssociation(id.clone()),
                "a" => Intent::AuthorizeAssociation(id.clone()),
                "r" => Intent::RefreshAssociation(id.clone()),
                "n" => Intent::RetryAsNew(id.clone()),
                "x" => {
                    return vec![Intent::AskDelete(id)];
                }
                _ => {
                    self.shown.picked = None;
                    return Vec::new();
                }
            };
            return vec![intent];
        }
        match answer {
            "q" | "quit" => vec![Intent::Quit { interrupted: false }],
            "" => Vec::new(),
            _ => {
                if let Ok(n) = answer.parse::<usize>()
                    && let Some(id) = self.shown.numbered.get(n.wrapping_sub(1))
                {
                    self.shown.picked = Some(id.clone());
                    return Vec::new();
                }
                self.shown.numbered.clear();
                vec![Intent::FilterAssociations(answer.to_string())]
            }
        }
    }
}

fn show_error(error: &iotmi_core::service::ServiceError, profile: &str) {
    say(&format!("error: {error}"));
    say(&format!("hint: {}", error.remedy(profile)));
}

fn tags_text(tags: &[(String, String)]) -> String {
    tags.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    //! The same drafts through the full-screen keymaps and through plain answers give the same
    //! effects: one flow, one ClientToken rule.

    use crossterm::event::{KeyCode, KeyEvent};

    use super::*;
    use crate::ui::app::App;
    use iotmi_core::flow::testing::*;
    use iotmi_core::flow::{Event, Options, Prefill};
    use iotmi_core::service::{AssociationState, CreateRequest, ErrorKind, Page, ServiceError};

    fn fresh_flow() -> Flow {
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

    fn plain(flow: Flow) -> Plain {
        let (_, rx) = mpsc::unbounded_channel();
        Plain {
            flow,
            lines: Lines { rx, echo: false },
            shown: Shown::default(),
            progress: Progress::new(None),
        }
    }

    /// Each answer through plain mode; the create requests it led to.
    fn plain_answers(plain: &mut Plain, answers: &[&str]) -> Vec<CreateRequest> {
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

    fn tui_keys(app: &mut App, keys: &[KeyCode]) -> Vec<CreateRequest> {
        let mut sent = Vec::new();
        for key in keys {
            let effects = app.key(KeyEvent::from(*key), now()).effects;
            if let Some(request) = answer_effects(&mut app.flow, &effects) {
                sent.push(request);
            }
        }
        sent
    }

    fn fail_submit(flow: &mut Flow) {
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

    #[test]
    fn the_same_drafts_give_the_same_requests_and_tokens_in_both_front_ends() {
        let mut app = App::new(fresh_flow());
        let mut tui = tui_keys(
            &mut app,
            &[
                KeyCode::Enter,
                KeyCode::Enter,
                KeyCode::Enter,
                KeyCode::Enter,
            ],
        );
        fail_submit(&mut app.flow);
        // Edit the name from Review (e on the Name row) and submit the changed draft.
        tui.extend(tui_keys(&mut app, &[KeyCode::Char('e')]));
        tui.extend(tui_keys(
            &mut app,
            &[
                KeyCode::Down,
                KeyCode::Char('e'),
                KeyCode::Char('X'),
                KeyCode::Enter,
                KeyCode::Enter,
            ],
        ));

        let mut prompts = plain(fresh_flow());
        let mut answers = plain_answers(&mut prompts, &["dest-oauth", "", "", "", "y"]);
        fail_submit(&mut prompts.flow);
        let name = format!("{}X", prompts.flow.details().name);
        answers.extend(plain_answers(&mut prompts, &["", "e", "2", &name, "", "y"]));

        assert_eq!(tui.len(), 2, "{tui:?}");
        assert_eq!(tui, answers);
        // The scripted front end (`create --destination dest-oauth`) sends the first draft
        // with the same token.
        let mut scripted = Flow::new(
            Options {
                first: FirstScreen::Create,
                prefill: Prefill {
                    destination: Some("dest-oauth".into()),
                    ..Prefill::default()
                },
                ..options()
            },
            now(),
        );
        identified(&mut scripted);
        assert_eq!(
            crate::commands::script::first_request(&mut scripted),
            tui[0]
        );
        assert_eq!(tui[0].client_token, format!("{SEED}-0"));
        assert_eq!(tui[1].client_token, format!("{SEED}-1"));
    }

    #[test]
    fn plain_offers_a_refresh_on_an_expired_refresh_token_as_the_tui_does() {
        let mut prompts = plain(fresh_flow());
        plain_answers(&mut prompts, &["dest-oauth", "", "", "", "y"]);
        let generation = current_submit(&prompts.flow);
        let effects = answer_created(&mut prompts.flow, generation, "https://auth.example/x");
        let poll = poll_generation(&effects);
        flow::update(
            &mut prompts.flow,
            Event::PollDue { generation: poll },
            now(),
        );
        answer_poll(
            &mut prompts.flow,
            poll,
            AssociationState::RefreshTokenExpired,
        );
        let question = prompts.prompt().expect("a question");
        assert!(question.contains("Refresh it now"), "{question}");
        assert_eq!(prompts.answer("y"), vec![Intent::Refresh]);

        // The TUI's keymap offers the same intent on the same state.
        let mut app = App::new(fresh_flow());
        tui_keys(
            &mut app,
            &[
                KeyCode::Enter,
                KeyCode::Enter,
                KeyCode::Enter,
                KeyCode::Enter,
            ],
        );
        let generation = current_submit(&app.flow);
        let effects = answer_created(&mut app.flow, generation, "https://auth.example/x");
        let poll = poll_generation(&effects);
        flow::update(&mut app.flow, Event::PollDue { generation: poll }, now());
        answer_poll(&mut app.flow, poll, AssociationState::RefreshTokenExpired);
        let effects = app.key(KeyEvent::from(KeyCode::Char('r')), now()).effects;
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::StartRefresh { .. })),
            "{effects:?}"
        );
        let effects = flow::update(&mut prompts.flow, Intent::Refresh, now());
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::StartRefresh { .. }))
        );
    }
}
