//! Plain mode: the wizard as line-by-line prompts, for screen readers, dumb terminals and logs.
//! No alternate screen, no cursor movement, no colour: prompts, lists and progress go to stderr
//! as plain lines, answers are read line by line from stdin (a pipe works), and the summary goes
//! to stdout exactly as the full-screen wizard prints it. The rules are the wizard's own
//! (`flow::validate`, `flow::pairs`, `flow::command`, `remote`), never re-implemented.

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};

use tokio::sync::mpsc;

use crate::app::{Connection, print_summary, token_seed};
use crate::cli::{BrowserArgs, OutputFormat, WizardArgs};
use crate::commands::wait::{WaitEnd, elapsed_text, wait_final};
use crate::commands::{exit, open_url};
use crate::journal::{Journal, JournalKey, JournalStore, SavedStep};
use crate::service::{
    Association, AssociationState, CreateRequest, CreatedAssociation, DestinationDetail,
    DestinationSummary, ServiceError, logged,
};
use crate::text::sanitize;
use crate::flow::command::aws_cli_command;
use crate::flow::pairs::parse_pairs;
use crate::flow::validate;
use crate::flow::{Outcome, OutcomeKind, Summary, filter_matches};

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

/// Why the prompts stopped early.
#[derive(Debug)]
enum Stop {
    /// stdin closed while a prompt waited.
    Eof,
    /// `q` at the review.
    Quit,
}
use Stop::Eof;

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

    /// Shows `prompt` (no newline) and returns the answer, trimmed.
    async fn ask(&mut self, prompt: &str) -> Result<String, Stop> {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "{prompt}");
        let _ = err.flush();
        drop(err);
        let line = self.rx.recv().await.ok_or(Eof)?;
        let answer = line.trim().to_string();
        if self.echo {
            eprintln!("{}", sanitize(&answer));
        }
        Ok(answer)
    }

    /// A `[Y/n]` question: true unless the answer is no.
    async fn yes(&mut self, prompt: &str) -> Result<bool, Stop> {
        let answer = self.ask(prompt).await?;
        Ok(!(answer.eq_ignore_ascii_case("n") || answer.eq_ignore_ascii_case("no")))
    }
}

fn say(line: &str) {
    eprintln!("{line}");
}

/// What has been answered so far; editing starts from it.
#[derive(Default)]
struct Draft {
    destination: Option<String>,
    name: Option<String>,
    description: String,
    tags: Vec<(String, String)>,
    auth_material: Option<String>,
}

struct Plain {
    lines: Lines,
    connection: Connection,
    browser: BrowserArgs,
    wait_timeout: std::time::Duration,
    /// The association once created (for the summary on any exit).
    created: Option<(CreatedAssociation, String, String, String)>,
    /// The same journal as the full-screen wizard's (`None` for demo).
    journal: Option<(JournalStore, JournalKey)>,
}

/// Runs the wizard as prompts; returns the exit status the full-screen wizard would.
pub async fn run(
    args: WizardArgs,
    output: OutputFormat,
    connection: Connection,
    journal: Option<(JournalStore, JournalKey)>,
) -> anyhow::Result<i32> {
    if args.manage {
        say(
            "--manage is not available in plain mode: use `iotmi-onboard list associations`, \
             `status ID`, `refresh ID` and `delete ID --yes`.",
        );
        return Ok(exit::USAGE);
    }
    crate::commands::interruptible(async move {
        let mut plain = Plain {
            lines: Lines::stdin(),
            connection,
            browser: BrowserArgs {
                no_browser: args.no_browser,
                browser_command: args.browser_command.clone(),
            },
            wait_timeout: args.wait_timeout,
            created: None,
            journal,
        };
        let draft = Draft {
            destination: args.destination.clone(),
            name: args.name.clone(),
            description: args.description.clone().unwrap_or_default(),
            tags: args.tags.clone(),
            auth_material: args.auth_material.clone(),
        };
        match plain.flow(draft).await {
            Ok(outcome) => {
                if matches!(outcome.kind, OutcomeKind::Succeeded | OutcomeKind::Failed) {
                    plain.forget();
                }
                tracing::info!(kind = ?outcome.kind, "plain wizard closed");
                print_summary(&outcome, output)?;
                Ok(outcome.kind.exit_code())
            }
            Err(Stop::Quit) => {
                say("Nothing was created.");
                Ok(exit::INTERRUPTED)
            }
            Err(Stop::Eof) => {
                say("");
                match plain.created.take() {
                    Some((created, name, destination_id, destination_name)) => {
                        say("Input ended (stdin closed); the association is left as it is.");
                        let outcome = Outcome {
                            kind: OutcomeKind::Interrupted,
                            summary: Some(Summary {
                                association_id: created.id,
                                arn: created.arn,
                                state: created.state,
                                name,
                                destination_id,
                                destination_name,
                                error_message: None,
                                oauth_url: created.oauth_url,
                            }),
                        };
                        print_summary(&outcome, output)?;
                    }
                    None => say("Input ended (stdin closed): nothing was created."),
                }
                Ok(exit::INTERRUPTED)
            }
        }
    })
    .await
}

impl Plain {
    async fn flow(&mut self, mut draft: Draft) -> Result<Outcome, Stop> {
        let target = &self.connection.target;
        let place = match &target.endpoint {
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
        if let Some(outcome) = self.offer_resume(&mut draft).await? {
            return Ok(outcome);
        }
        let Some((destinations, connectors)) = self.load_destinations().await? else {
            return Ok(nothing_created(OutcomeKind::Failed));
        };
        if destinations.is_empty() {
            say("No connector destinations here: create one first, or check the region.");
            return Ok(nothing_created(OutcomeKind::Failed));
        }
        let seed = token_seed();
        let mut counter = 1u32;
        let mut last_sent: Option<CreateRequest> = None;
        loop {
            let Some(destination) = self
                .choose_destination(&destinations, &connectors, draft.destination.as_deref())
                .await?
            else {
                continue;
            };
            draft.destination = Some(destination.id.clone());
            self.ask_details(&destination, &mut draft).await?;

            let mut request = CreateRequest {
                client_token: String::new(),
                destination_id: destination.id.clone(),
                name: draft.name.clone(),
                description: (!draft.description.is_empty()).then(|| draft.description.clone()),
                tags: draft.tags.clone(),
                auth_material: draft.auth_material.clone(),
            };
            counter = crate::flow::token::counter_for(counter, last_sent.as_ref(), &request);
            request.client_token = crate::flow::token::client_token(&seed, counter);
            if !self.review(&destination, &request).await? {
                continue;
            }
            // Create; a retry after an error resends the same request with the same token.
            let created = loop {
                say("Creating the association…");
                last_sent = Some(request.clone());
                // Journaled before it is sent: a session lost now resends this very request.
                self.remember(&destination, &request, &seed, counter, None);
                match logged(
                    "CreateAccountAssociation",
                    self.connection
                        .service
                        .create_association(request.clone())
                        .await,
                ) {
                    Ok(created) => break Some(created),
                    Err(error) => {
                        self.show_error(&error);
                        if !error.is_retryable() {
                            say("Edit the values and review again.");
                            break None;
                        }
                        if !self
                            .lines
                            .yes("Retry with the same request and ClientToken? [Y/n]: ")
                            .await?
                        {
                            return Ok(nothing_created(OutcomeKind::Failed));
                        }
                    }
                }
            };
            let Some(created) = created else { continue };
            self.remember(&destination, &request, &seed, counter, Some(&created.id));
            return self
                .follow(
                    created,
                    request.name.clone().unwrap_or_default(),
                    &destination,
                )
                .await;
        }
    }

    /// Journals the request (and, once created, the association id) where the full-screen
    /// wizard would, so either front end can resume it.
    fn remember(
        &self,
        destination: &DestinationDetail,
        request: &CreateRequest,
        seed: &str,
        counter: u32,
        association_id: Option<&str>,
    ) {
        let Some((store, key)) = &self.journal else {
            return;
        };
        let journal = Journal {
            version: crate::journal::VERSION,
            saved_at: 0,
            step: SavedStep::Review,
            destination: Some(destination.clone()),
            name: request.name.clone().unwrap_or_default(),
            description: request.description.clone().unwrap_or_default(),
            tags: request.tags.clone(),
            auth_material: request.auth_material.clone(),
            token_seed: seed.to_owned(),
            token_counter: counter,
            unanswered: association_id.is_none().then(|| request.clone()),
            association_id: association_id.map(str::to_owned),
        };
        if let Err(error) = store.save(key, &journal) {
            say(&format!("warning: progress is not being saved: {error}"));
        }
    }

    fn forget(&self) {
        if let Some((store, key)) = &self.journal {
            let _ = store.clear(key);
        }
    }

    /// An unfinished session from either front end: resume it (the default) or start fresh.
    /// Returns the outcome when resuming went all the way to the association's end.
    async fn offer_resume(&mut self, draft: &mut Draft) -> Result<Option<Outcome>, Stop> {
        let Some((store, key)) = &self.journal else {
            return Ok(None);
        };
        let journal = match store.load(key) {
            Ok(Some(journal)) => journal,
            Ok(None) => return Ok(None),
            Err(unreadable) => {
                say(&format!(
                    "The saved session could not be read ({}); starting fresh.",
                    unreadable.reason
                ));
                return Ok(None);
            }
        };
        let what = match (&journal.association_id, &journal.unanswered) {
            (Some(id), _) => format!("association {id}, created"),
            (None, Some(_)) => "submitted, reply not received".to_owned(),
            (None, None) => "not submitted".to_owned(),
        };
        say(&format!(
            "An unfinished onboarding was saved: {:?} ({what}).",
            journal.name
        ));
        if !self.lines.yes("Resume it? [Y/n]: ").await? {
            self.forget();
            return Ok(None);
        }
        let destination = journal
            .destination
            .clone()
            .unwrap_or_else(|| DestinationDetail {
                id: String::new(),
                name: String::new(),
                description: String::new(),
                cloud_connector_id: String::new(),
                auth_materials: Vec::new(),
                has_oauth: false,
            });
        if let Some(id) = journal.association_id {
            let association = loop {
                match logged(
                    "GetAccountAssociation",
                    self.connection.service.get_association(id.clone()).await,
                ) {
                    Ok(association) => break association,
                    Err(error) => {
                        self.show_error(&error);
                        if !self.lines.yes("Retry? [Y/n]: ").await? {
                            return Ok(Some(nothing_created(OutcomeKind::Failed)));
                        }
                    }
                }
            };
            let created = CreatedAssociation {
                id: association.id,
                arn: association.arn,
                state: association.state,
                oauth_url: association.oauth_url,
            };
            return self
                .follow(created, journal.name, &destination)
                .await
                .map(Some);
        }
        if let Some(request) = journal.unanswered {
            say("Resending the same request with the same ClientToken…");
            loop {
                match logged(
                    "CreateAccountAssociation",
                    self.connection
                        .service
                        .create_association(request.clone())
                        .await,
                ) {
                    Ok(created) => {
                        self.remember(
                            &destination,
                            &request,
                            &journal.token_seed,
                            journal.token_counter,
                            Some(&created.id),
                        );
                        let name = request.name.clone().unwrap_or_default();
                        return self.follow(created, name, &destination).await.map(Some);
                    }
                    Err(error) => {
                        self.show_error(&error);
                        if !error.is_retryable() {
                            say("Starting from the saved values instead.");
                            break;
                        }
                        if !self
                            .lines
                            .yes("Retry with the same request and ClientToken? [Y/n]: ")
                            .await?
                        {
                            return Ok(Some(nothing_created(OutcomeKind::Failed)));
                        }
                    }
                }
            }
        }
        // A draft: its values become the defaults of the questions.
        draft.destination = journal.destination.map(|d| d.id);
        draft.name = Some(journal.name);
        draft.description = journal.description;
        draft.tags = journal.tags;
        draft.auth_material = journal.auth_material;
        Ok(None)
    }

    async fn load_destinations(
        &mut self,
    ) -> Result<Option<(Vec<DestinationSummary>, HashMap<String, String>)>, Stop> {
        loop {
            say("Loading connector destinations…");
            match crate::commands::list_all_destinations(self.connection.service.as_ref()).await {
                Ok(list) => {
                    let connectors = logged(
                        "ListCloudConnectors",
                        self.connection.service.list_cloud_connectors().await,
                    )
                    .map(|all| all.into_iter().map(|c| (c.id, c.name)).collect())
                    .unwrap_or_default();
                    return Ok(Some((list, connectors)));
                }
                Err(error) => {
                    self.show_error(&error);
                    if !self.lines.yes("Retry? [Y/n]: ").await? {
                        return Ok(None);
                    }
                }
            }
        }
    }

    fn show_error(&self, error: &ServiceError) {
        say(&format!("error: {error}"));
        say(&format!(
            "hint: {}",
            error.remedy(&self.connection.target.profile)
        ));
    }

    /// A numbered list (narrowed by a filter when long); `None` when the chosen destination
    /// could not be read (the list is offered again).
    async fn choose_destination(
        &mut self,
        all: &[DestinationSummary],
        connectors: &HashMap<String, String>,
        default: Option<&str>,
    ) -> Result<Option<DestinationDetail>, Stop> {
        let connector = |d: &DestinationSummary| {
            connectors
                .get(&d.cloud_connector_id)
                .cloned()
                .unwrap_or_else(|| d.cloud_connector_id.clone())
        };
        let haystacks: Vec<String> = all
            .iter()
            .map(|d| {
                format!("{} {} {} {}", d.name, d.id, connector(d), d.description).to_lowercase()
            })
            .collect();
        let default = default.and_then(|id| all.iter().find(|d| d.id == id));
        let mut filter = String::new();
        let chosen = loop {
            let matches: Vec<&DestinationSummary> = all
                .iter()
                .zip(&haystacks)
                .filter(|(_, h)| filter_matches(h, &filter))
                .map(|(d, _)| d)
                .collect();
            if matches.is_empty() {
                say(&format!(
                    "No destination matches '{}'; showing all.",
                    sanitize(&filter)
                ));
                filter.clear();
                continue;
            }
            let matching = if filter.is_empty() {
                String::new()
            } else {
                format!(" matching '{}'", sanitize(&filter))
            };
            let default_hint = default
                .map(|d| format!(" [Enter: {} ({})]", d.name, d.id))
                .unwrap_or_default();
            let prompt = if matches.len() <= LIST_MAX {
                say(&format!("Connector destinations{matching}:"));
                for (n, d) in matches.iter().enumerate() {
                    say(&format!(
                        "  {}. {} ({}), connector {}",
                        n + 1,
                        d.name,
                        d.id,
                        connector(d)
                    ));
                }
                format!(
                    "Destination: a number 1-{}, or text to filter{default_hint}: ",
                    matches.len()
                )
            } else {
                say(&format!(
                    "{} connector destinations{matching}: too many to list.",
                    matches.len()
                ));
                format!(
                    "Filter: type text to narrow the list (or a number 1-{} to pick){default_hint}: ",
                    matches.len()
                )
            };
            let answer = self.lines.ask(&prompt).await?;
            if answer.is_empty() {
                if let Some(d) = default {
                    break d;
                }
                if matches.len() == 1 {
                    break matches[0];
                }
                say("Type a number from the list, or text to narrow it.");
                continue;
            }
            if let Ok(n) = answer.parse::<usize>() {
                match matches.get(n.wrapping_sub(1)) {
                    Some(d) => break *d,
                    None => {
                        say(&format!("{n} is not in the list: 1 to {}.", matches.len()));
                        continue;
                    }
                }
            }
            if let Some(d) = all.iter().find(|d| d.id == answer) {
                break d;
            }
            filter = answer;
        };
        say(&format!("Destination: {} ({})", chosen.name, chosen.id));
        match logged(
            "GetConnectorDestination",
            self.connection
                .service
                .get_destination(chosen.id.clone())
                .await,
        ) {
            Ok(detail) => Ok(Some(detail)),
            Err(error) => {
                self.show_error(&error);
                Ok(None)
            }
        }
    }

    /// Name, description, tags and (for General Authorization) the auth material, each asked
    /// again until valid; what was valid is kept.
    async fn ask_details(
        &mut self,
        destination: &DestinationDetail,
        draft: &mut Draft,
    ) -> Result<(), Stop> {
        let suggested = draft
            .name
            .clone()
            .unwrap_or_else(|| validate::suggest_name(&destination.name));
        let name = loop {
            let answer = self
                .lines
                .ask(&format!(
                    "Name ({}) [Enter: {suggested}]: ",
                    validate::NAME_CHARS_HINT
                ))
                .await?;
            let value = if answer.is_empty() {
                suggested.clone()
            } else {
                answer
            };
            match validate::name_error(&value) {
                Some(message) => say(&format!("error: name: {message}")),
                None => break value,
            }
        };
        draft.name = Some(name);

        let keep = if draft.description.is_empty() {
            "Enter: none".to_string()
        } else {
            format!("Enter: {}; '-' for none", draft.description)
        };
        draft.description = loop {
            let answer = self
                .lines
                .ask(&format!("Description, optional [{keep}]: "))
                .await?;
            let value = match answer.as_str() {
                "" => draft.description.clone(),
                "-" => String::new(),
                _ => answer,
            };
            match validate::description_error(&value) {
                Some(message) => say(&format!("error: description: {message}")),
                None => break value,
            }
        };

        say("Tags: KEY=VALUE, one per line or several separated by commas; an empty line ends.");
        if !draft.tags.is_empty() {
            say(&format!(
                "Tags so far: {} (type 'clear' to remove them).",
                tags_text(&draft.tags)
            ));
        }
        loop {
            let answer = self.lines.ask("Tag: ").await?;
            if answer.is_empty() {
                break;
            }
            if answer == "clear" {
                draft.tags.clear();
                say("Tags cleared.");
                continue;
            }
            match parse_pairs(&answer) {
                Err(message) => say(&format!("error: tags: {message}")),
                Ok(pairs) => {
                    let mut candidate = draft.tags.clone();
                    candidate.extend(pairs);
                    let problems = validate::tags_errors(&candidate);
                    if problems.is_empty() {
                        draft.tags = candidate;
                        say(&format!("Tags: {}", tags_text(&draft.tags)));
                    } else {
                        for problem in problems {
                            say(&format!("error: tags: {problem}"));
                        }
                    }
                }
            }
        }

        draft.auth_material = if destination.uses_general_authorization() {
            let materials = &destination.auth_materials;
            let default = draft
                .auth_material
                .as_ref()
                .and_then(|m| materials.iter().position(|x| x == m))
                .or((materials.len() == 1).then_some(0));
            say("This destination uses General Authorization. Materials:");
            for (n, material) in materials.iter().enumerate() {
                say(&format!("  {}. {material}", n + 1));
            }
            let hint = default
                .map(|i| format!(" [Enter: {}]", materials[i]))
                .unwrap_or_default();
            let chosen = loop {
                let answer = self
                    .lines
                    .ask(&format!(
                        "Authorization material: a number 1-{}{hint}: ",
                        materials.len()
                    ))
                    .await?;
                let index = if answer.is_empty() {
                    default
                } else {
                    answer
                        .parse::<usize>()
                        .ok()
                        .and_then(|n| n.checked_sub(1))
                        .filter(|&i| i < materials.len())
                        .or_else(|| materials.iter().position(|m| *m == answer))
                };
                match index {
                    Some(i) => match validate::auth_material_error(&materials[i]) {
                        Some(message) => say(&format!("error: {message}")),
                        None => break materials[i].clone(),
                    },
                    None => say(&format!("Type a number from 1 to {}.", materials.len())),
                }
            };
            Some(chosen)
        } else {
            None
        };
        Ok(())
    }

    /// Every value and the equivalent aws CLI command; true to create, false to edit again.
    async fn review(
        &mut self,
        destination: &DestinationDetail,
        request: &CreateRequest,
    ) -> Result<bool, Stop> {
        say("Review:");
        let rows = [
            (
                "destination",
                format!("{} ({})", destination.name, destination.id),
            ),
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
            say(&format!("  {key:<15}{value}"));
        }
        say("Equivalent AWS CLI command:");
        say(&format!(
            "  {}",
            aws_cli_command(request, &self.connection.target)
        ));
        loop {
            let answer = self
                .lines
                .ask("Create it? y = create, e = edit, q = quit: ")
                .await?
                .to_lowercase();
            match answer.as_str() {
                "y" | "yes" => return Ok(true),
                "e" | "edit" => return Ok(false),
                "q" | "quit" | "n" | "no" => return Err(Stop::Quit),
                _ => say("Type y, e or q."),
            }
        }
    }

    /// The URL (printed on its own line, opened per the browser policy), then the state polled
    /// until final.
    async fn follow(
        &mut self,
        created: CreatedAssociation,
        name: String,
        destination: &DestinationDetail,
    ) -> Result<Outcome, Stop> {
        tracing::info!(id = %created.id, state = %created.state, "created");
        say(&format!("Created {} ({}).", created.id, created.state));
        self.created = Some((
            created.clone(),
            name.clone(),
            destination.id.clone(),
            destination.name.clone(),
        ));
        if !created.oauth_url.is_empty() {
            say("Open this URL to authorize the account:");
            say(&sanitize(&created.oauth_url));
            open_url(
                &created.oauth_url,
                self.connection.endpoint_is_loopback,
                &self.browser,
            )
            .await;
        }
        let mut last: Option<Association> = None;
        let summary = |association: Option<&Association>, kind| Outcome {
            kind,
            summary: Some(Summary {
                association_id: created.id.clone(),
                arn: created.arn.clone(),
                state: association
                    .map(|a| a.state.clone())
                    .unwrap_or_else(|| created.state.clone()),
                name: name.clone(),
                destination_id: destination.id.clone(),
                destination_name: destination.name.clone(),
                error_message: association.and_then(|a| a.error_message.clone()),
                oauth_url: String::new(),
            }),
        };
        loop {
            let current = match last.take() {
                Some(association) => association,
                None => match logged(
                    "GetAccountAssociation",
                    self.connection
                        .service
                        .get_association(created.id.clone())
                        .await,
                ) {
                    Ok(association) => association,
                    Err(error) => {
                        self.show_error(&error);
                        return Ok(summary(None, OutcomeKind::Failed));
                    }
                },
            };
            match wait_final(self.connection.service.as_ref(), current, self.wait_timeout).await {
                Ok(WaitEnd::Final(association)) => {
                    self.created = None;
                    let kind = match association.state {
                        AssociationState::Succeeded => OutcomeKind::Succeeded,
                        AssociationState::RefreshTokenExpired => {
                            say(&format!(
                                "The refresh token expired: run `iotmi-onboard refresh {}`.",
                                association.id
                            ));
                            OutcomeKind::Failed
                        }
                        _ => OutcomeKind::Failed,
                    };
                    return Ok(summary(Some(&association), kind));
                }
                Ok(WaitEnd::TimedOut(association)) => {
                    let answer = self
                        .lines
                        .ask(&format!(
                            "Still {} after {}. Keep waiting? [y/N]: ",
                            association.state,
                            elapsed_text(self.wait_timeout)
                        ))
                        .await?;
                    if answer.eq_ignore_ascii_case("y") || answer.eq_ignore_ascii_case("yes") {
                        last = Some(association);
                        continue;
                    }
                    self.created = None;
                    return Ok(summary(Some(&association), OutcomeKind::LeftInProgress));
                }
                Err(error) => {
                    self.show_error(&error);
                    self.created = None;
                    return Ok(summary(None, OutcomeKind::Failed));
                }
            }
        }
    }
}

fn nothing_created(kind: OutcomeKind) -> Outcome {
    Outcome {
        kind,
        summary: None,
    }
}

fn tags_text(tags: &[(String, String)]) -> String {
    tags.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}
