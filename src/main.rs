//! The composition root: parses the flags, sets up logging and the async runtime, and hands
//! the run to one front end (the full-screen wizard, plain prompts, or a command). Nothing
//! imports this module; the front ends share only the neutral modules of the library
//! (`session`, `output`, `signals`, `runtime`).

use std::sync::Arc;

use anyhow::Context;
use tokio::time::Instant;

use iotmi_core::flow::{Flow, Target};
use iotmi_core::service::AssociationService;
use iotmi_onboard::batches;
use iotmi_onboard::cli::{AwsArgs, Cli, Command, GlobalArgs, OutputFormat, WizardArgs};
use iotmi_onboard::journal::{JournalKey, JournalStore};
use iotmi_onboard::sdk::LazySdkService;
use iotmi_onboard::session::{Connection, connect_with};
use iotmi_onboard::signals::stop_signal;
use iotmi_onboard::ui::app::App;
use iotmi_onboard::ui::autopilot::Autopilot;
use iotmi_onboard::ui::terminal::{self, TtyHost};
use iotmi_onboard::ui::theme::Theme;

fn main() {
    iotmi_onboard::signals::ignore_file_size_limit_signal();
    let cli = Cli::parse_args();
    // One logging set-up for every command; nothing is logged without --log-file.
    let log = cli.log();
    // A refused --log-file is a usage error: reported before anything runs.
    if let Err(refused) = iotmi_onboard::logging::init(log.log_file.as_deref(), log.log_level) {
        iotmi_onboard::stderr_line!("iotmi-onboard: {refused}");
        std::process::exit(iotmi_core::exit::USAGE);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            iotmi_onboard::stderr_line!("iotmi-onboard: cannot start the async runtime: {error}");
            std::process::exit(1);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Some(Command::Simulator(simulator)) => {
                iotmi_simulator::run_foreground(simulator.config)
                    .await
                    .map(|()| 0)
            }
            Some(Command::Demo(demo)) => {
                let global = GlobalArgs {
                    output: demo.output.output,
                    plain: demo.plain.plain,
                };
                let config = demo.sim_config();
                let autoplay = demo.autoplay();
                run_demo(demo.wizard, global, config, autoplay).await
            }
            None => {
                let global = GlobalArgs {
                    output: cli.output.output,
                    plain: cli.plain.plain,
                };
                run_against_aws(cli.aws, global, cli.wizard).await
            }
            Some(command) => iotmi_onboard::commands::run(command).await,
        }
    });
    // Background tasks (in-flight SDK calls, a blocked stdin reader) must not hold the exit.
    runtime.shutdown_background();
    // A log that failed and was not reported on screen: said once, now that stderr is free.
    if let Some(message) = iotmi_onboard::logging::take_failure() {
        iotmi_onboard::stderr_line!("iotmi-onboard: {message}");
    }
    match result {
        Ok(code) => std::process::exit(code),
        // The reader of our output left (`| head`): what it wanted it has; end quietly with
        // success, as `cat`-like tools do when SIGPIPE is ignored.
        Err(error) if stdout_closed(&error) => std::process::exit(iotmi_core::exit::OK),
        Err(error) => {
            iotmi_onboard::stderr_line!("iotmi-onboard: {error:#}");
            let usage = error
                .downcast_ref::<iotmi_core::exit::UsageError>()
                .is_some();
            std::process::exit(if usage {
                iotmi_core::exit::USAGE
            } else {
                iotmi_core::exit::ERROR
            });
        }
    }
}

/// The error is a write to a pipe whose reader is gone (Rust ignores SIGPIPE, so a closed
/// stdout arrives as EPIPE instead of killing the process).
fn stdout_closed(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `iotmi-onboard [flags]`: the wizard against AWS (or `--endpoint-url`), full-screen or plain.
async fn run_against_aws(
    aws: AwsArgs,
    global: GlobalArgs,
    args: WizardArgs,
) -> anyhow::Result<i32> {
    // A batch paces itself by the throttles it meets: the SDK must not retry them unseen.
    let connection = connect_with(&aws, args.batch.is_some()).await?;
    let journal = JournalStore::default_dir()
        .map(|dir| (JournalStore::new(dir), connection.journal_key.clone()));
    if plain_wanted(global.plain) {
        return iotmi_onboard::plain::run(args, global.output, connection, journal).await;
    }
    run_wizard(args, global.output, connection, journal, None).await
}

/// `iotmi-onboard demo`: the simulator in-process (`config`: its port and pace, see
/// `DemoArgs::sim_config`) on loopback, reached through the same SDK client with demo
/// credentials.
async fn run_demo(
    args: WizardArgs,
    global: GlobalArgs,
    config: iotmi_simulator::SimConfig,
    autoplay: Option<iotmi_onboard::cli::Autoplay>,
) -> anyhow::Result<i32> {
    // It plays keys into the full-screen wizard; there are none to play into prompts.
    if autoplay.is_some() && plain_wanted(global.plain) {
        return Err(iotmi_core::exit::UsageError(
            "--autoplay plays the full-screen wizard: it needs a terminal and no --plain".into(),
        )
        .into());
    }
    // Without --port the simulator listens on a port picked for this run.
    let port_per_run = config.port == 0;
    let simulator = iotmi_simulator::start(config)
        .await
        .context("starting the embedded simulator")?;
    let endpoint = simulator.endpoint();
    let mut sdk_config = iotmi_onboard::aws::demo_sdk_config(&endpoint);
    if args.batch.is_some() {
        // As against AWS: the batch's adaptive rate must see every throttle.
        sdk_config = sdk_config
            .into_builder()
            .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
            .build();
    }
    let target = Target {
        profile: "demo".into(),
        region: Some(iotmi_onboard::aws::DEMO_REGION.into()),
        endpoint: Some(endpoint),
        account: None,
        arn: None,
        profile_given: false,
        demo: true,
        credentials: "demo keys".into(),
    };
    let service: Arc<dyn AssociationService> =
        Arc::new(LazySdkService::from_config(sdk_config, true));
    // No journal: a fresh simulator knows nothing of a previous demo's association.
    let connection = Connection {
        service,
        target,
        endpoint_is_loopback: true,
        journal_key: JournalKey {
            profile: "demo".into(),
            region: iotmi_onboard::aws::DEMO_REGION.into(),
            endpoint: String::new(),
        },
        picker: Vec::new(),
        port_per_run,
    };
    let code = if plain_wanted(global.plain) {
        iotmi_onboard::plain::run(args, global.output, connection, None).await
    } else {
        run_wizard(args, global.output, connection, None, autoplay).await
    };
    simulator.shutdown().await;
    code
}

async fn run_wizard(
    args: WizardArgs,
    output: OutputFormat,
    connection: Connection,
    journal: Option<(JournalStore, JournalKey)>,
    autoplay: Option<iotmi_onboard::cli::Autoplay>,
) -> anyhow::Result<i32> {
    let (options, mut runtime) = match batches::start_wizard(&args, &connection, journal) {
        Ok(started) => started,
        Err(status) => return Ok(status),
    };
    let mut app = App::new(Flow::new(options, Instant::now().into_std()));
    let autopilot = autoplay.map(|play| {
        tracing::info!(seed = play.seed, repeat = play.repeat, "autoplay");
        Autopilot::new(play.seed, play.tempo, play.repeat, Instant::now())
    });
    // Before the terminal is taken: from the first frame on, SIGTERM/SIGHUP restore it.
    let stop = stop_signal();
    let mut tty = terminal::enter(app.ui.links.clone())
        .context("iotmi-onboard needs a terminal (/dev/tty) to draw on")?;
    let result = iotmi_onboard::ui::driver::run(
        &mut tty,
        &mut TtyHost,
        &mut app,
        &mut runtime,
        &Theme::from_env(),
        iotmi_onboard::ui::input::tty_events().context("cannot read the terminal (/dev/tty)")?,
        stop,
        autopilot,
    )
    .await;
    terminal::restore();
    let outcome = result.context("terminal I/O failed")?;
    tracing::info!(kind = ?outcome.kind, "wizard closed");
    batches::finish_wizard(&app.flow, &outcome, output)
}

/// Plain mode is used when asked for (`--plain`), when the terminal cannot draw a full-screen UI
/// (`TERM=dumb`), when the user says so (`ACCESSIBLE=1`), or when there is no terminal at all
/// (stdin is not a tty and `/dev/tty` cannot be opened).
fn plain_wanted(flag: bool) -> bool {
    use std::io::IsTerminal;
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
