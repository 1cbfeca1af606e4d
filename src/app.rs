//! Runs the wizard: picks the service (AWS or the embedded simulator), owns the terminal for
//! the UI's lifetime, then prints the summary on stdout and returns the exit status.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;
use crossterm::event::EventStream;
use tokio::signal::unix::{SignalKind, signal};
use tokio::time::Instant;

use crate::cli::{AwsArgs, DraftArgs, GlobalArgs, OutputFormat, WizardArgs};
use crate::flow::{DraftFate, FirstScreen, Flow, Options, Outcome, OutcomeKind, Prefill, Target};
use crate::journal::{JournalKey, JournalStore};
use crate::remote::{Environment, decide_launch};
use crate::runtime::{JournalSink, Runtime};
use crate::service::sdk::{AwsTarget, LazySdkService};
use crate::service::{AssociationService, AssociationState};
use crate::ui::app::App;
use crate::ui::terminal::{self, TtyHost};
use crate::ui::theme::Theme;

/// Where calls go and the service that makes them, built the same way for every front end
/// (wizard, plain prompts, commands).
pub struct Connection {
    pub service: Arc<dyn AssociationService>,
    pub target: Target,
    pub endpoint_is_loopback: bool,
    pub journal_key: JournalKey,
}

/// The service for `--profile/--region/--endpoint-url`: the SDK's default chain, loaded lazily
/// (loopback endpoints bypass proxies, see [`crate::service::sdk::load_sdk_config`]).
pub fn connect(aws: &AwsArgs) -> Connection {
    let endpoint_is_loopback = aws
        .endpoint_url
        .as_deref()
        .is_some_and(crate::aws::is_loopback_endpoint);
    let target = Target {
        profile: aws.profile.clone().unwrap_or_else(|| "default".into()),
        region: aws.region.clone(),
        endpoint: aws.endpoint_url.clone(),
        account: None,
        profile_given: aws.profile.is_some(),
        demo: false,
    };
    let journal_key = JournalKey {
        profile: target.profile.clone(),
        // The region as given; the chain's answer is not known yet and must not be waited for.
        region: aws
            .region
            .clone()
            .or_else(|| std::env::var("AWS_REGION").ok())
            .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
            .unwrap_or_default(),
        endpoint: aws.endpoint_url.clone().unwrap_or_default(),
    };
    let service = LazySdkService::new(AwsTarget {
        profile: aws.profile.clone(),
        region: aws.region.clone(),
        endpoint_url: aws.endpoint_url.clone(),
    });
    Connection {
        service: Arc::new(service),
        target,
        endpoint_is_loopback,
        journal_key,
    }
}

/// `iotmi-onboard [flags]`: the wizard against AWS (or `--endpoint-url`), full-screen or plain.
pub async fn run_against_aws(
    aws: AwsArgs,
    global: GlobalArgs,
    args: WizardArgs,
) -> anyhow::Result<i32> {
    let connection = connect(&aws);
    let journal = JournalStore::default_dir()
        .map(|dir| (JournalStore::new(dir), connection.journal_key.clone()));
    if crate::plain::wanted(global.plain) {
        return crate::plain::run(args, global.output, connection, journal).await;
    }
    run_wizard(
        args,
        global.output,
        connection.target,
        connection.service,
        connection.endpoint_is_loopback,
        journal,
    )
    .await
}

/// `iotmi-onboard demo`: the simulator in-process on a free loopback port, reached through the
/// same SDK client with demo credentials.
pub async fn run_demo(
    args: WizardArgs,
    global: GlobalArgs,
    approve_after_ms: u64,
    port: Option<u16>,
) -> anyhow::Result<i32> {
    let config = crate::simulator::SimConfig {
        approve_after_ms,
        port: port.unwrap_or(0),
        ..Default::default()
    };
    let simulator = crate::simulator::start(config)
        .await
        .context("starting the embedded simulator")?;
    let endpoint = simulator.endpoint();
    let sdk_config = crate::aws::demo_sdk_config(&endpoint);
    let target = Target {
        profile: "demo".into(),
        region: Some(crate::aws::DEMO_REGION.into()),
        endpoint: Some(endpoint),
        account: None,
        profile_given: false,
        demo: true,
    };
    let service: Arc<dyn AssociationService> =
        Arc::new(LazySdkService::from_config(sdk_config, true));
    let code = if crate::plain::wanted(global.plain) {
        let connection = Connection {
            service,
            target,
            endpoint_is_loopback: true,
            journal_key: JournalKey {
                profile: "demo".into(),
                region: crate::aws::DEMO_REGION.into(),
                endpoint: String::new(),
            },
        };
        // No journal, as for the full-screen demo.
        crate::plain::run(args, global.output, connection, None).await
    } else {
        // No journal: a fresh simulator knows nothing of a previous demo's association.
        run_wizard(args, global.output, target, service, true, None).await
    };
    simulator.shutdown().await;
    code
}

/// What every interactive front end starts from: the flow's options, and the journal held
/// under its lock (or none, with the reason in the notice).
pub struct Prepared {
    pub options: Options,
    pub journal: Option<JournalSink>,
}

/// Reads the journal (under its exclusive lock) and builds the flow's options from the flags.
/// A journal another live process holds is neither resumed nor written: this run keeps its
/// draft apart and says who holds it.
pub fn prepare(
    args: &WizardArgs,
    target: Target,
    endpoint_is_loopback: bool,
    journal: Option<(JournalStore, JournalKey)>,
) -> Prepared {
    let mut notice = None;
    let mut resume = None;
    let mut sink = None;
    if let Some((store, key)) = journal {
        match store.lock(&key) {
            Ok(lock) => {
                match store.load(&key) {
                    Ok(found) => resume = found,
                    Err(unreadable) => {
                        let moved = match unreadable.moved_to {
                            Some(p) => format!(" It was moved to {}.", p.display()),
                            None => " It was left as it is.".to_owned(),
                        };
                        notice = Some(format!(
                            "The saved session could not be read ({}).{moved} Starting fresh.",
                            unreadable.reason
                        ));
                    }
                }
                sink = Some(JournalSink::new(store, key, lock));
            }
            Err(error) => {
                tracing::warn!(%error, "journal locked");
                notice = Some(format!(
                    "{error}: its saved session is left alone and this draft is not saved."
                ));
            }
        }
    }
    let prefill = prefill(&args.draft);
    let first = if args.manage {
        FirstScreen::Manage
    } else if !prefill.is_empty() {
        // Prefilled: the operator already chose to create.
        FirstScreen::Create
    } else {
        FirstScreen::Start
    };
    let tunnel = target
        .endpoint
        .as_deref()
        .and_then(|endpoint| crate::remote::ssh_tunnel(|name| std::env::var(name).ok(), endpoint));
    let options = Options {
        resume,
        notice,
        first,
        journaled: sink.is_some(),
        notify: !args.no_notify,
        tunnel,
        ..options(
            target,
            endpoint_is_loopback,
            prefill,
            args.no_browser,
            args.browser_command.as_deref(),
            args.wait_timeout,
        )
    };
    Prepared {
        options,
        journal: sink,
    }
}

/// The flow's options for every front end: a fresh token seed, the browser decided from the
/// environment and flags; no resume, straight to creating.
pub fn options(
    target: Target,
    endpoint_is_loopback: bool,
    prefill: Prefill,
    no_browser: bool,
    browser_command: Option<&str>,
    wait_timeout: std::time::Duration,
) -> Options {
    Options {
        prefill,
        launch: decide_launch(&Environment::detect(), no_browser, browser_command),
        endpoint_is_loopback,
        wait_timeout,
        token_seed: token_seed(),
        client_token: None,
        target,
        resume: None,
        notice: None,
        first: FirstScreen::Create,
        journaled: false,
        notify: false,
        tunnel: None,
    }
}

/// The draft the flags describe: one type from flags to journal to request.
pub fn prefill(draft: &DraftArgs) -> Prefill {
    Prefill {
        destination: draft.destination.clone(),
        name: draft.name.clone(),
        description: draft.description.clone(),
        tags: draft.tags.clone(),
        auth_material: draft.auth_material.clone(),
    }
}

async fn run_wizard(
    args: WizardArgs,
    output: OutputFormat,
    target: Target,
    service: Arc<dyn AssociationService>,
    endpoint_is_loopback: bool,
    journal: Option<(JournalStore, JournalKey)>,
) -> anyhow::Result<i32> {
    let prepared = prepare(&args, target, endpoint_is_loopback, journal);
    let mut app = App::new(Flow::new(prepared.options, Instant::now()));
    let mut runtime = Runtime::new(service, prepared.journal);
    let mut tty = terminal::enter(app.ui.links.clone())
        .context("iotmi-onboard needs a terminal (/dev/tty) to draw on")?;
    let result = crate::ui::driver::run(
        &mut tty,
        &mut TtyHost,
        &mut app,
        &mut runtime,
        &Theme::from_env(),
        EventStream::new(),
        stop_signal(),
    )
    .await;
    terminal::restore();
    let outcome = result.context("terminal I/O failed")?;
    tracing::info!(kind = ?outcome.kind, "wizard closed");
    print_summary(&outcome, &app.flow.target, output)?;
    Ok(outcome.kind.exit_code())
}

/// 24 random alphanumerics: with a counter appended, within ClientToken's `[a-zA-Z0-9=_-]{1,64}`.
/// The one generator of ClientTokens (wizard, plain prompts, `create`).
pub fn token_seed() -> String {
    std::iter::repeat_with(fastrand::alphanumeric)
        .take(24)
        .collect()
}

/// SIGTERM, SIGHUP, or an external SIGINT (a Ctrl-C typed in raw mode arrives as a key).
async fn stop_signal() -> OutcomeKind {
    let (Ok(mut term), Ok(mut hup), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
        signal(SignalKind::interrupt()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => OutcomeKind::Signalled(15),
        _ = hup.recv() => OutcomeKind::Signalled(1),
        _ = int.recv() => OutcomeKind::Interrupted,
    }
}

/// What became of a draft left unsubmitted, and how to get back to it.
pub fn print_draft_fate(draft: DraftFate, target: &Target) {
    match (draft, crate::flow::command::rerun(target)) {
        (DraftFate::None, _) => {}
        (DraftFate::Saved, Some(rerun)) => {
            eprintln!("Your draft is saved: run `{rerun}` to resume it.")
        }
        _ if target.demo => eprintln!("The draft is not kept: a demo keeps no journal."),
        _ => eprintln!("The draft is not kept: another run holds this profile's journal."),
    }
}

/// The summary on stdout (text `key  value` lines or JSON), and on stderr what became of the
/// draft or how to check an association left in progress, with this run's flags (never a
/// command aimed at a demo's simulator, gone with the run). Shared by the wizard and plain mode.
pub fn print_summary(
    outcome: &Outcome,
    target: &Target,
    format: OutputFormat,
) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    let Some(summary) = &outcome.summary else {
        if outcome.kind != OutcomeKind::Closed {
            eprintln!("No association was created.");
        }
        print_draft_fate(outcome.draft, target);
        return Ok(());
    };
    match format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut stdout, summary)?;
            writeln!(stdout)?;
        }
        OutputFormat::Text => {
            // Values from the service: sanitised, stdout may be a terminal.
            let clean = |s: &str| crate::text::sanitize(s).into_owned();
            writeln!(stdout, "association-id  {}", clean(&summary.association_id))?;
            writeln!(stdout, "arn             {}", clean(&summary.arn))?;
            writeln!(stdout, "state           {}", summary.state)?;
            writeln!(stdout, "name            {}", clean(&summary.name))?;
            // A managed association's destination name is not looked up: show the id alone.
            match summary.destination_name.as_str() {
                "" => writeln!(stdout, "destination     {}", clean(&summary.destination_id))?,
                name => writeln!(
                    stdout,
                    "destination     {} ({})",
                    clean(&summary.destination_id),
                    clean(name)
                )?,
            }
            if let Some(message) = &summary.error_message {
                writeln!(stdout, "error           {}", clean(message))?;
            }
            if !summary.oauth_url.is_empty() {
                writeln!(stdout, "consent-url     {}", clean(&summary.oauth_url))?;
            }
        }
    }
    if !matches!(
        summary.state,
        AssociationState::Succeeded | AssociationState::Failed
    ) {
        match crate::flow::command::check_later(target, &summary.association_id) {
            Some([ours, aws]) => {
                eprintln!("Left {}. Check it later with", summary.state);
                eprintln!("  {ours}");
                eprintln!("  {aws}");
            }
            None => eprintln!(
                "Left {} in the demo's simulator, which stops now: there is nothing to check later.",
                summary.state
            ),
        }
    }
    Ok(())
}
