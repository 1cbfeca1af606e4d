//! Command-line interface. AWS flags follow the AWS CLI's names and environment variables.

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The association's inputs as flags: the wizard's prefill and `create`'s request, one type
/// from flags to journal to request.
pub use iotmi_core::draft::Draft;

const EXAMPLES: &str = "\
Examples:
  iotmi-onboard demo
      The whole flow against the embedded simulator: no AWS account needed.
  iotmi-onboard --profile ops --region eu-west-1
      Onboard into the account of profile `ops`.
  iotmi-onboard --destination dest-123 --name 'Acme EU' --tag env=prod --tag team=iot
      Prefill every field; pressing Enter walks through to submission.
  iotmi-onboard --output json > association.json
      The UI draws on the terminal; the summary goes to the file.
  iotmi-onboard --plain
      The same wizard as line-by-line prompts (screen readers, dumb terminals, logs).
  iotmi-onboard create --destination dest-123 --name 'Acme EU' --wait
      No UI: create, open the consent URL, wait for the final state (see `create --help`).
  iotmi-onboard list destinations --filter acme --output json
      Scripting: list, status, refresh, delete (see each command's --help).
  iotmi-onboard simulator --port 4567
      Serve the simulator for the AWS CLI or other clients.

Exit status (the wizard, --plain and the commands alike): 0 success, 1 error (or q leaving a
draft unsubmitted), 2 usage or validation error, 3 association FAILED, 4 wait timed out,
130 interrupted.";

/// `--wait-timeout`'s default as the flag spells it: the flow's [`iotmi_core::flow::DEFAULT_WAIT_TIMEOUT`]
/// (a test keeps the two equal), written once for every command and the wizard.
pub const WAIT_TIMEOUT_DEFAULT: &str = "15m";

/// `--version`: the crate's version and the git commit it was built from (`build.rs`;
/// "unknown" outside a git checkout).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("IOTMI_ONBOARD_COMMIT"),
    ")"
);

#[derive(Parser, Debug)]
#[command(
    name = "iotmi-onboard",
    version = VERSION,
    about = "Onboard a third-party cloud account into Managed integrations for AWS IoT Device Management",
    after_help = EXAMPLES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub wizard: WizardArgs,
    #[command(flatten)]
    pub plain: PlainArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(flatten)]
    pub log: LogArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the wizard against the embedded simulator (no AWS account, no network).
    Demo(DemoArgs),
    /// Run the embedded service simulator on 127.0.0.1 until Ctrl-C or SIGTERM.
    Simulator(SimulatorArgs),
    /// Create an account association without the UI (validates first, like the wizard).
    #[command(after_help = CREATE_EXAMPLES)]
    Create(CreateArgs),
    /// Show an association's state; --wait polls until it is final.
    #[command(after_help = STATUS_EXAMPLES)]
    Status(StatusArgs),
    /// List connector destinations or account associations (all pages).
    #[command(after_help = LIST_EXAMPLES)]
    List(ListArgs),
    /// Get a fresh OAuth URL for an association (StartAccountAssociationRefresh).
    #[command(after_help = REFRESH_EXAMPLES)]
    Refresh(RefreshArgs),
    /// Delete an association (needs --yes; --deregister-things deregisters its managed things first).
    #[command(after_help = DELETE_EXAMPLES)]
    Delete(DeleteArgs),
    /// Discover a succeeded association's devices (StartDeviceDiscovery, CLOUD); --wait lists
    /// them, --adopt makes them managed things registered to it.
    #[command(after_help = DISCOVER_EXAMPLES)]
    Discover(DiscoverArgs),
    /// The managed things registered to an association.
    #[command(after_help = DEVICES_EXAMPLES)]
    Devices(DevicesArgs),
    /// Create many associations from a CSV or JSON Lines file: checked whole first, then made
    /// at an adaptive rate; a rerun of the file resumes and never makes a row twice.
    #[command(after_help = BATCH_EXAMPLES)]
    Batch(BatchArgs),
    /// Every association of the account with its destination, connector, state, tags and
    /// managed things: a table, JSON or CSV.
    #[command(after_help = REPORT_EXAMPLES)]
    Report(ReportArgs),
    /// Print a shell completion script on stdout.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
    /// Print the man page (roff) on stdout.
    #[command(after_help = MAN_EXAMPLES)]
    Man,
}

const CREATE_EXAMPLES: &str = "\
Examples:
  iotmi-onboard create --destination acme-home-us --name 'Acme EU' --tag env=prod
      Create, print id, ARN, state, ClientToken and the OAuth URL, and return. Running it
      again (after a kill, a timeout or success) returns the same association.
  iotmi-onboard create --destination acme-home-us --name 'Acme EU' --wait --wait-timeout 10m
      Create, open the URL in a browser (where one can show up), wait for a final state.
  iotmi-onboard create --destination brightlight-api-key --auth-material api-key --output json
      General Authorization: no consent step; JSON with the API's member names.
  iotmi-onboard create --destination acme-home-us --name 'Acme EU' --new
      Another association with the same destination and name: a ClientToken of its own.
  iotmi-onboard create --destination acme-home-us --name 'Acme EU' --client-token tok123
      A rerun with the same token returns the same association instead of a second one.

Exit status: 0 success, 1 error, 2 usage or validation error, 3 association FAILED,
4 wait timed out, 130 interrupted, 143 terminated.";

const STATUS_EXAMPLES: &str = "\
Examples:
  iotmi-onboard status 7d2f4c9a1b3e4f6a8c0d2e4f6a8b0c1d
  iotmi-onboard status 7d2f4c9a1b3e4f6a8c0d2e4f6a8b0c1d --wait --wait-timeout 5m
  iotmi-onboard status 7d2f4c9a1b3e4f6a8c0d2e4f6a8b0c1d --output json | jq -r .AssociationState

Exit status: 0 success (or in progress), 1 error, 2 usage error, 3 association FAILED,
4 wait timed out, 130 interrupted.";

const LIST_EXAMPLES: &str = "\
Examples:
  iotmi-onboard list destinations
  iotmi-onboard list destinations --filter 'acme eu'
      Every word must occur in the id, name or description (case-insensitive).
  iotmi-onboard list associations --output json | jq -r '.[].AccountAssociationId'";

const REFRESH_EXAMPLES: &str = "\
Examples:
  iotmi-onboard refresh 3a9e0b7c5d1f4e2a9b8c7d6e5f4a3b2c --no-browser
      Print the new consent URL; approve it, then check with `iotmi-onboard status ID --wait`.
  iotmi-onboard refresh 7d2f4c9a1b3e4f6a8c0d2e4f6a8b0c1d --yes
      A succeeded association needs --yes: it is in progress again until the URL is approved
      (without --yes nothing is changed, exit 2).";

const DELETE_EXAMPLES: &str = "\
Examples:
  iotmi-onboard delete 3a9e0b7c5d1f4e2a9b8c7d6e5f4a3b2c --yes
      Without --yes nothing is deleted (exit 2). Waits until it is gone.
  iotmi-onboard delete 7d2f4c9a1b3e4f6a8c0d2e4f6a8b0c1d --yes --deregister-things
      Deregister its managed things (4 at a time), then delete it. Without the flag an
      association with things registered is refused (exit 2) before anything changes; a rerun
      after an interruption deregisters only what is still registered.

Exit status: 0 gone, 1 error (or a thing not deregistered: nothing deleted), 2 usage error or
things registered without --deregister-things, 4 still deleting after --wait-timeout,
130 interrupted.";

const DISCOVER_EXAMPLES: &str = "\
Examples:
  iotmi-onboard discover 7d2f4c9a1b3e4f6a8c0d2e4f6a8b0c1d
      Start a discovery and print its id.
  iotmi-onboard discover 7d2f4c9a1b3e4f6a8c0d2e4f6a8b0c1d --wait --output json
      Wait for it and list the devices found (ManagedThingId once adopted).
  iotmi-onboard discover 7d2f4c9a1b3e4f6a8c0d2e4f6a8b0c1d --wait --adopt all
      Adopt every device found: one managed thing each, registered to the association; a
      rerun adopts only what is left (the ClientTokens are derived from the device).

Exit status: 0 success, 1 error (or a device not adopted), 2 usage error, 3 the association
has not succeeded or the discovery FAILED, 4 wait timed out, 130 interrupted.";

const DEVICES_EXAMPLES: &str = "\
Examples:
  iotmi-onboard devices 7d2f4c9a1b3e4f6a8c0d2e4f6a8b0c1d
  iotmi-onboard devices 7d2f4c9a1b3e4f6a8c0d2e4f6a8b0c1d --output json | jq -r '.[].ManagedThingId'";

const BATCH_EXAMPLES: &str = "\
File (CSV, a header row; tags as k=v;k2=v2):
  destination,name,description,tags,auth_material
  brightlight-api-key,Site 0001,Lobby plugs,site=0001;env=prod,api-key
  acme-home-us,Site 0002,,site=0002,
JSON Lines (.jsonl): one CreateAccountAssociation request per line, as --cli-input-json takes it.

Examples:
  iotmi-onboard batch fleet.csv --dry-run
      Check every row (the service's rules, the account's destinations, auth material,
      duplicates); say what would be created. Nothing is created.
  iotmi-onboard batch fleet.csv --results results.csv
      Create; rows needing consent print their URL. The results file (CSV or JSON Lines by
      extension, mode 0600) has each row's id, ARN, state and error.
  iotmi-onboard batch fleet.csv --wait --wait-timeout 1h
      Then follow the rows awaiting consent until their owners approve.
  iotmi-onboard batch fleet.csv --adopt all
      Then discover each succeeded row's devices and adopt them all (implies --discover and
      following rows until final).
  iotmi-onboard batch fleet.csv
      Again after a kill or a dropped session: rows already made are reported as such and
      never made twice (each row's ClientToken comes from the batch journal's seed and the
      row's destination and name).

Exit status: 0 success, 1 error, 2 the file was refused (nothing created), 3 a row failed,
4 wait timed out with rows in progress, 130 interrupted.";
const REPORT_EXAMPLES: &str = "\
Examples:
  iotmi-onboard report
      A table: id, name, state, destination, connector, managed things, tags, error.
  iotmi-onboard report --filter acme --output csv > acme.csv
      The associations `list associations --filter acme` lists, as CSV.
  iotmi-onboard report --output json | jq -r '.[] | select(.ManagedThingCount > 0) | .Name'
      JSON with the API's member names, the managed things' ids included.

Each association costs two calls (GetAccountAssociation, ListManagedThingAccountAssociations),
--concurrency at a time, at a rate that adapts to the service: throttling slows the report
down and never fails it.

Exit status: 0 success, 1 error, 2 usage error, 130 interrupted.";

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  iotmi-onboard completions bash > ~/.local/share/bash-completion/completions/iotmi-onboard
  iotmi-onboard completions zsh > \"${fpath[1]}/_iotmi-onboard\"
  iotmi-onboard completions fish > ~/.config/fish/completions/iotmi-onboard.fish
  iotmi-onboard completions powershell >> $PROFILE";

const MAN_EXAMPLES: &str = "\
Examples:
  mkdir -p ~/.local/share/man/man1
  iotmi-onboard man > ~/.local/share/man/man1/iotmi-onboard.1
      Then `man iotmi-onboard`.
  iotmi-onboard man | man -l -
      Read it without installing it.";

/// `--output`: the format of what is printed on stdout.
#[derive(Args, Debug, Clone, Default)]
pub struct OutputArgs {
    /// Format of the result printed on stdout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
}

/// `--plain`: the wizard as prompts.
#[derive(Args, Debug, Clone, Default)]
pub struct PlainArgs {
    /// The wizard as line-by-line prompts (no full-screen UI): for screen readers, dumb
    /// terminals and logs. Automatic with TERM=dumb, ACCESSIBLE=1, or no terminal at all.
    #[arg(long)]
    pub plain: bool,
}

/// `--log-file`, `--log-level`: every command logs the same way.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Logging")]
pub struct LogArgs {
    /// Write logs to this file (never to the terminal). Secrets, tag values and URLs are left out.
    #[arg(long, value_name = "PATH")]
    pub log_file: Option<std::path::PathBuf>,
    /// Log level for --log-file: error, warn, info, debug or trace.
    #[arg(long, value_name = "LEVEL", default_value = "info")]
    pub log_level: tracing::Level,
}

impl Default for LogArgs {
    fn default() -> Self {
        Self {
            log_file: None,
            log_level: tracing::Level::INFO,
        }
    }
}

/// What the commands that call the service share: the output format, where to call, logging.
#[derive(Args, Debug, Clone, Default)]
pub struct CommonArgs {
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(flatten)]
    pub log: LogArgs,
}

/// What the wizard's front ends need besides the draft: output format and plain mode.
#[derive(Debug, Clone, Default)]
pub struct GlobalArgs {
    pub output: OutputFormat,
    pub plain: bool,
}

/// How a URL gets to a browser, for the commands that produce one.
#[derive(Args, Debug, Clone, Default)]
pub struct BrowserArgs {
    /// Never launch a browser; only print the URL.
    #[arg(long, conflicts_with = "browser_command")]
    pub no_browser: bool,
    /// Run CMD with the URL as its last argument (no shell) instead of the system opener.
    #[arg(long, value_name = "CMD")]
    pub browser_command: Option<String>,
}

#[derive(Args, Debug, Clone)]
#[command(mut_arg("destination", |arg| arg.required(true)))]
pub struct CreateArgs {
    #[command(flatten)]
    pub draft: Draft,
    /// Idempotency token (default: derived from this account's journaled seed and the
    /// destination + name, so rerunning the same create returns the association it made).
    #[arg(long, value_name = "TOKEN")]
    pub client_token: Option<String>,
    /// Make another association even with the same destination and name: a token of its own,
    /// and even while another run holding the journal is onboarding the same request.
    #[arg(long, conflicts_with = "client_token")]
    pub new: bool,
    #[command(flatten)]
    pub browser: BrowserArgs,
    /// Wait for a final state, with progress on stderr.
    #[arg(long)]
    pub wait: bool,
    /// With --wait: give up after this long (exit 4), e.g. 90s, 15m, 1h.
    #[arg(long, value_name = "DURATION", default_value = WAIT_TIMEOUT_DEFAULT, value_parser = parse_duration, requires = "wait")]
    pub wait_timeout: Duration,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args, Debug, Clone)]
pub struct BatchArgs {
    /// The rows: CSV with a header row, or JSON Lines (.jsonl).
    #[arg(value_name = "FILE")]
    pub file: std::path::PathBuf,
    /// Check the file against the rules and the account, say what would be created, create
    /// nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// At most this many calls at once (the rate adapts to the service within it).
    #[arg(long, value_name = "N", default_value_t = iotmi_core::flow::BATCH_CONCURRENCY,
          value_parser = parse_concurrency)]
    pub concurrency: usize,
    /// Follow rows in progress (awaiting consent) until final, with progress on stderr.
    #[arg(long)]
    pub wait: bool,
    /// With --wait: give up after this long (exit 4), e.g. 90s, 15m, 1h.
    #[arg(long, value_name = "DURATION", default_value = WAIT_TIMEOUT_DEFAULT, value_parser = parse_duration, requires = "wait")]
    pub wait_timeout: Duration,
    /// Write each row's outcome here (CSV, or JSON Lines for .jsonl/.json), mode 0600.
    #[arg(long, value_name = "FILE")]
    pub results: Option<std::path::PathBuf>,
    /// Put the rows' consent URLs in the results file (they are sensitive: whoever opens one
    /// can link their account).
    #[arg(long, requires = "results")]
    pub with_consent_urls: bool,
    /// Discover the devices of every row that succeeds (rows are followed until final).
    #[arg(long)]
    pub discover: bool,
    /// With discovery: adopt every device found as a managed thing registered to its row's
    /// association (a rerun adopts only what is left).
    #[arg(long, value_name = "all", value_parser = ["all"])]
    pub adopt: Option<String>,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args, Debug, Clone)]
pub struct StatusArgs {
    /// The AccountAssociationId.
    pub id: String,
    /// Poll until the state is final, with progress on stderr.
    #[arg(long)]
    pub wait: bool,
    /// With --wait: give up after this long (exit 4), e.g. 90s, 15m, 1h.
    #[arg(long, value_name = "DURATION", default_value = WAIT_TIMEOUT_DEFAULT, value_parser = parse_duration, requires = "wait")]
    pub wait_timeout: Duration,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListKind {
    Destinations,
    Associations,
}

#[derive(Args, Debug, Clone)]
pub struct ListArgs {
    /// What to list.
    #[arg(value_enum)]
    pub what: ListKind,
    /// Keep the items whose id, name or description contain every word (case-insensitive).
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args, Debug, Clone)]
pub struct RefreshArgs {
    /// The AccountAssociationId.
    pub id: String,
    /// Refresh even a succeeded association (it turns back to ASSOCIATION_IN_PROGRESS until
    /// the new consent URL is approved).
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub browser: BrowserArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args, Debug, Clone)]
pub struct DeleteArgs {
    /// The AccountAssociationId.
    pub id: String,
    /// Confirm the deletion (required: nothing is deleted without it).
    #[arg(long)]
    pub yes: bool,
    /// Deregister the managed things registered to it first (without it, an association with
    /// things registered is not deleted: exit 2, nothing changed).
    #[arg(long)]
    pub deregister_things: bool,
    /// Wait this long for it to be gone (ASSOCIATION_DELETING until then), e.g. 90s, 15m, 1h;
    /// then exit 4: it finishes on its own.
    #[arg(long, value_name = "DURATION", default_value = WAIT_TIMEOUT_DEFAULT, value_parser = parse_duration)]
    pub wait_timeout: Duration,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args, Debug, Clone)]
pub struct DiscoverArgs {
    /// The AccountAssociationId (it must have succeeded).
    pub id: String,
    /// Wait for the discovery to end and list the devices it found.
    #[arg(long)]
    pub wait: bool,
    /// Adopt `all` the devices found, or these connector device ids (comma-separated).
    #[arg(long, value_name = "all|ID,…", requires = "wait")]
    pub adopt: Option<String>,
    /// With --wait: give up after this long (exit 4), e.g. 90s, 15m, 1h.
    #[arg(long, value_name = "DURATION", default_value = WAIT_TIMEOUT_DEFAULT, value_parser = parse_duration, requires = "wait")]
    pub wait_timeout: Duration,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args, Debug, Clone)]
pub struct DevicesArgs {
    /// The AccountAssociationId.
    pub id: String,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    /// Keep the associations whose name, id, description, state or destination id contain
    /// every word (case-insensitive), as `list associations --filter`.
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// Format of the report printed on stdout (`text` is the table).
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub output: ReportFormat,
    /// Associations looked up at a time.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(flatten)]
    pub log: LogArgs,
}

pub use iotmi_core::report::ReportFormat;

#[derive(Args, Debug, Clone)]
pub struct CompletionsArgs {
    /// The shell to generate for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "AWS options")]
pub struct AwsArgs {
    /// Named profile from your AWS config (as `aws --profile`).
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// AWS region (default: from the environment or the profile).
    #[arg(long)]
    pub region: Option<String>,
    /// Send requests to this endpoint instead of AWS's (as `aws --endpoint-url`).
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    /// `--profile` was on the command line (not only `AWS_PROFILE`): as in the AWS CLI, its
    /// credentials then win over keys in the environment.
    #[arg(skip)]
    pub profile_flag: bool,
}

#[derive(Args, Debug, Clone)]
pub struct DemoArgs {
    #[command(flatten)]
    pub wizard: WizardArgs,
    /// How fast the simulated service moves: consent, device discovery and deletion. `fast`
    /// settles an approval in 250 ms, `normal` in 1.5 s, `slow` in 5 s.
    #[arg(long, value_enum, default_value_t = iotmi_simulator::Pace::Normal)]
    pub pace: iotmi_simulator::Pace,
    /// How long the simulated service takes to settle an approved association (default: from
    /// --pace; given, it wins over the pace).
    #[arg(long, value_name = "MS")]
    pub approve_after_ms: Option<u64>,
    /// The simulator's port on 127.0.0.1 (default: any free one). Over SSH, forward it from
    /// your laptop (`ssh -L N:127.0.0.1:N …`, shown on the Authorize screen) to approve there.
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
    /// Play the whole walkthrough unattended, for recordings and booths: it types into the
    /// fields, approves as the account owner, finds and adopts devices. Space pauses and
    /// resumes; any other key hands the wizard to you.
    #[arg(long)]
    pub autoplay: bool,
    /// With --autoplay: start over after each walkthrough, until a key is pressed.
    #[arg(long = "loop", requires = "autoplay")]
    pub repeat: bool,
    /// With --autoplay: the seed of its choices and pauses, to play the same walkthrough
    /// again (default: a new one each run).
    #[arg(long, value_name = "N", requires = "autoplay")]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub plain: PlainArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub log: LogArgs,
}

/// `demo --autoplay`: how the walkthrough plays itself.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Autoplay {
    pub seed: u64,
    /// Multiplies its pauses: it keeps in step with the simulator's pace.
    pub tempo: f64,
    pub repeat: bool,
}

impl DemoArgs {
    pub fn autoplay(&self) -> Option<Autoplay> {
        use iotmi_simulator::Pace;
        self.autoplay.then(|| Autoplay {
            seed: self.seed.unwrap_or_else(|| fastrand::u64(..)),
            tempo: match self.pace {
                Pace::Fast => 0.3,
                Pace::Normal => 1.0,
                Pace::Slow => 1.6,
            },
            repeat: self.repeat,
        })
    }

    /// The embedded simulator's configuration: the pace's delays, then the explicit flags.
    pub fn sim_config(&self) -> iotmi_simulator::SimConfig {
        let paced = self.pace.apply(iotmi_simulator::SimConfig::default());
        iotmi_simulator::SimConfig {
            approve_after_ms: self.approve_after_ms.unwrap_or(paced.approve_after_ms),
            port: self.port.unwrap_or(0),
            ..paced
        }
    }
}

#[derive(Args, Debug, Clone)]
pub struct SimulatorArgs {
    #[command(flatten)]
    pub config: iotmi_simulator::SimConfig,
    #[command(flatten)]
    pub log: LogArgs,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
}

#[derive(Args, Debug, Clone)]
pub struct WizardArgs {
    /// Prefill: the wizard still shows each step.
    #[command(flatten)]
    pub draft: Draft,
    /// Open the list of existing associations instead of creating one.
    #[arg(long)]
    pub manage: bool,
    /// Never launch a browser; show the URL and the ways to carry it over.
    #[arg(long)]
    pub no_browser: bool,
    /// Run CMD with the URL as its last argument (no shell) instead of the system opener,
    /// even over SSH.
    #[arg(long, value_name = "CMD")]
    pub browser_command: Option<String>,
    /// How long to watch an association in progress before asking (e.g. 90s, 15m, 1h).
    #[arg(long, value_name = "DURATION", default_value = WAIT_TIMEOUT_DEFAULT, value_parser = parse_duration)]
    pub wait_timeout: Duration,
    /// No bell or desktop notification when the association reaches a final state.
    #[arg(long, conflicts_with = "notify")]
    pub no_notify: bool,
    /// Plain mode: ring the bell when the association reaches a final state (the full-screen
    /// wizard does, unless --no-notify).
    #[arg(long)]
    pub notify: bool,
    /// Create the rows of FILE (CSV with a header row, or JSON Lines) on a batch screen that
    /// follows rows awaiting consent until final or --wait-timeout; a rerun resumes.
    #[arg(long, value_name = "FILE", conflicts_with = "manage")]
    pub batch: Option<std::path::PathBuf>,
    /// With --batch: at most this many calls at once (default 4; the rate adapts within it).
    #[arg(long, value_name = "N", requires = "batch", value_parser = parse_concurrency)]
    pub concurrency: Option<usize>,
}

impl Cli {
    /// Parses the command line, exiting with clap's message and status 2 on a usage error.
    /// Options a command shares with the wizard (AWS, output, logging) may also come before
    /// the command; any other wizard option with a command is refused, naming it.
    pub fn parse_args() -> Self {
        Self::parse_from_args(std::env::args_os().collect())
    }

    fn parse_from_args(args: Vec<std::ffi::OsString>) -> Self {
        use clap::parser::ValueSource;
        use clap::{CommandFactory, FromArgMatches};
        let args = shared_options_after_the_command(&Self::command(), args);
        let matches = Self::command().get_matches_from(args);
        let mut cli = Self::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
        let from_flag = |m: &clap::ArgMatches| {
            m.try_get_raw("profile").is_ok()
                && m.value_source("profile") == Some(ValueSource::CommandLine)
        };
        cli.aws.profile_flag = from_flag(&matches);
        if let (Some(aws), Some((_, sub))) = (cli.aws_mut(), matches.subcommand()) {
            aws.profile_flag = from_flag(sub);
        }
        if let Some((name, _)) = matches.subcommand() {
            for arg in Self::command().get_arguments() {
                if matches.value_source(arg.get_id().as_str()) == Some(ValueSource::CommandLine) {
                    let flag = arg.get_long().unwrap_or(arg.get_id().as_str());
                    let message = if WizardArgs::augment_args(clap::Command::new("w"))
                        .get_arguments()
                        .any(|a| a.get_id() == arg.get_id())
                        && name != "demo"
                    {
                        format!("--{flag} is a wizard flag: give it without a command")
                    } else {
                        format!("--{flag} is not an option of `{name}`: give it after the command")
                    };
                    Self::command()
                        .error(clap::error::ErrorKind::ArgumentConflict, message)
                        .exit();
                }
            }
        }
        cli
    }

    /// The AWS options of the command that runs, when it takes them.
    fn aws_mut(&mut self) -> Option<&mut AwsArgs> {
        match &mut self.command {
            Some(Command::Create(args)) => Some(&mut args.common.aws),
            Some(Command::Status(args)) => Some(&mut args.common.aws),
            Some(Command::List(args)) => Some(&mut args.common.aws),
            Some(Command::Refresh(args)) => Some(&mut args.common.aws),
            Some(Command::Delete(args)) => Some(&mut args.common.aws),
            Some(Command::Discover(args)) => Some(&mut args.common.aws),
            Some(Command::Devices(args)) => Some(&mut args.common.aws),
            Some(Command::Batch(args)) => Some(&mut args.common.aws),
            Some(Command::Report(args)) => Some(&mut args.aws),
            _ => None,
        }
    }

    /// Where logs go, for whichever command runs.
    pub fn log(&self) -> &LogArgs {
        match &self.command {
            None | Some(Command::Completions(_) | Command::Man) => &self.log,
            Some(Command::Demo(demo)) => &demo.log,
            Some(Command::Simulator(simulator)) => &simulator.log,
            Some(Command::Create(args)) => &args.common.log,
            Some(Command::Status(args)) => &args.common.log,
            Some(Command::List(args)) => &args.common.log,
            Some(Command::Refresh(args)) => &args.common.log,
            Some(Command::Delete(args)) => &args.common.log,
            Some(Command::Discover(args)) => &args.common.log,
            Some(Command::Devices(args)) => &args.common.log,
            Some(Command::Batch(args)) => &args.common.log,
            Some(Command::Report(args)) => &args.log,
        }
    }
}

/// `iotmi-onboard --output json list …` → `iotmi-onboard list --output json …`: options given
/// before a command that the command also has are moved after its name, so they mean the same
/// in either place. Which options take a value comes from the CLI's own definition.
fn shared_options_after_the_command(
    cli: &clap::Command,
    args: Vec<std::ffi::OsString>,
) -> Vec<std::ffi::OsString> {
    let takes_value = |long: &str| {
        cli.get_arguments()
            .find(|a| a.get_long() == Some(long))
            .map(|a| a.get_action().takes_values())
    };
    let mut before = Vec::new();
    let mut rest = args.into_iter();
    let program = rest.next();
    while let Some(arg) = rest.next() {
        let text = arg.to_string_lossy().into_owned();
        let Some(sub) = cli.find_subcommand(&text) else {
            let long = text
                .strip_prefix("--")
                .map(|l| l.split('=').next().unwrap_or(l));
            let needs_value = long.and_then(takes_value) == Some(true) && !text.contains('=');
            before.push(arg);
            if needs_value && let Some(value) = rest.next() {
                before.push(value);
            }
            if text == "--" {
                break;
            }
            continue;
        };
        let shared = |long: &str| sub.get_arguments().any(|a| a.get_long() == Some(long));
        let (mut moved, mut kept) = (Vec::new(), Vec::new());
        let mut pieces = before.into_iter().peekable();
        while let Some(piece) = pieces.next() {
            let text = piece.to_string_lossy().into_owned();
            let long = text
                .strip_prefix("--")
                .map(|l| l.split('=').next().unwrap_or(l).to_string());
            let target = if long.as_deref().is_some_and(shared) {
                &mut moved
            } else {
                &mut kept
            };
            let with_value =
                long.as_deref().and_then(takes_value) == Some(true) && !text.contains('=');
            target.push(piece);
            if with_value && let Some(value) = pieces.next() {
                target.push(value);
            }
        }
        let mut out: Vec<_> = program.into_iter().chain(kept).collect();
        out.push(arg);
        out.extend(moved);
        out.extend(rest);
        return out;
    }
    program.into_iter().chain(before).collect()
}

fn parse_concurrency(raw: &str) -> Result<usize, String> {
    match raw.parse::<usize>() {
        Ok(n @ 1..=64) => Ok(n),
        _ => Err(format!("{raw:?} is not a number of calls from 1 to 64")),
    }
}

/// `90`, `90s`, `15m`, `1h`.
fn parse_duration(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
    let (number, unit) = raw.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("'{raw}' is not a duration such as 90s, 15m or 1h"))?;
    let seconds = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("'{raw}': unknown unit '{unit}' (use s, m or h)")),
    };
    Ok(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(
            parse_duration(WAIT_TIMEOUT_DEFAULT).unwrap(),
            iotmi_core::flow::DEFAULT_WAIT_TIMEOUT
        );
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert!(parse_duration("5d").is_err());
        assert!(parse_duration("m").is_err());
    }

    fn parse(args: &[&str]) -> Cli {
        Cli::parse_from_args(args.iter().map(Into::into).collect())
    }

    fn help_of(command: &str) -> String {
        use clap::CommandFactory;
        let mut cli = Cli::command();
        cli.build();
        cli.find_subcommand_mut(command)
            .expect("a command")
            .render_long_help()
            .to_string()
    }

    #[test]
    fn each_command_lists_only_its_options_with_aws_options_last() {
        let simulator = help_of("simulator");
        for absent in ["--profile", "--plain", "--output", "--endpoint-url"] {
            assert!(
                !simulator.contains(absent),
                "simulator: {absent}\n{simulator}"
            );
        }
        assert!(simulator.contains("--latency-ms") && simulator.contains("--log-file"));
        let list = help_of("list");
        assert!(!list.contains("--plain"), "{list}");
        let (own, aws) = list
            .split_once("AWS options:")
            .expect("an AWS options group");
        assert!(
            own.contains("--filter") && own.contains("--output"),
            "{list}"
        );
        let aws = aws.split("Logging:").next().unwrap_or_default();
        assert!(
            aws.contains("--profile") && !aws.contains("--filter"),
            "{list}"
        );
        let demo = help_of("demo");
        assert!(
            !demo.contains("--profile") && demo.contains("--plain"),
            "{demo}"
        );
        let completions = help_of("completions");
        assert!(!completions.contains("--output"), "{completions}");
    }

    fn demo_config(args: &[&str]) -> iotmi_simulator::SimConfig {
        let args: Vec<&str> = ["iotmi-onboard", "demo"]
            .iter()
            .chain(args)
            .copied()
            .collect();
        match parse(&args).command {
            Some(Command::Demo(demo)) => demo.sim_config(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn demo_pace_sets_the_simulators_delays() {
        // Today's timings, as `demo` had them before --pace: normal is the default.
        for normal in [demo_config(&[]), demo_config(&["--pace", "normal"])] {
            assert_eq!(
                (
                    normal.approve_after_ms,
                    normal.discovery_ms,
                    normal.delete_after_ms
                ),
                (1500, 1000, 500)
            );
            assert_eq!(normal.port, 0);
        }
        let fast = demo_config(&["--pace", "fast"]);
        assert!(fast.approve_after_ms < 500, "{fast:?}");
        assert!(
            fast.discovery_ms < 1000 && fast.delete_after_ms < 500,
            "{fast:?}"
        );
        let slow = demo_config(&["--pace=slow", "--port", "4567"]);
        assert!(
            slow.approve_after_ms > 1500 && slow.discovery_ms > 1000 && slow.delete_after_ms > 500,
            "{slow:?}"
        );
        assert_eq!(slow.port, 4567);
    }

    #[test]
    fn an_explicit_approve_after_wins_over_the_pace() {
        let fast = demo_config(&["--pace", "fast", "--approve-after-ms", "2000"]);
        assert_eq!(fast.approve_after_ms, 2000);
        // The rest of the pace still applies.
        assert!(fast.discovery_ms < 1000, "{fast:?}");
        assert_eq!(
            demo_config(&["--approve-after-ms", "7"]).approve_after_ms,
            7
        );
        assert_eq!(
            demo_config(&["--approve-after-ms=0", "--pace", "slow"]).approve_after_ms,
            0
        );
    }

    #[test]
    fn shared_options_mean_the_same_before_or_after_the_command() {
        let before = parse(&[
            "iotmi-onboard",
            "--output",
            "json",
            "--profile=ops",
            "list",
            "associations",
        ]);
        let after = parse(&[
            "iotmi-onboard",
            "list",
            "associations",
            "--output",
            "json",
            "--profile",
            "ops",
        ]);
        for cli in [before, after] {
            match cli.command {
                Some(Command::List(list)) => {
                    assert_eq!(list.common.output.output, OutputFormat::Json);
                    assert_eq!(list.common.aws.profile.as_deref(), Some("ops"));
                    assert_eq!(list.what, ListKind::Associations);
                }
                other => panic!("{other:?}"),
            }
        }
        // A value that is a command's name stays a value.
        let cli = parse(&["iotmi-onboard", "--profile", "demo"]);
        assert!(cli.command.is_none());
        assert_eq!(cli.aws.profile.as_deref(), Some("demo"));
    }

    #[test]
    fn prefill_flags_parse_on_both_forms() {
        let cli = Cli::try_parse_from(["iotmi-onboard", "--tag", "a=b=c", "--tag", "k="]).unwrap();
        assert_eq!(
            cli.wizard.draft.tags,
            [("a".into(), "b=c".into()), ("k".into(), "".into())]
        );
        let cli =
            Cli::try_parse_from(["iotmi-onboard", "demo", "--name", "X", "--no-browser"]).unwrap();
        match cli.command {
            Some(Command::Demo(demo)) => {
                assert_eq!(demo.wizard.draft.name.as_deref(), Some("X"));
                assert!(demo.wizard.no_browser);
            }
            other => panic!("{other:?}"),
        }
        assert!(Cli::try_parse_from(["iotmi-onboard", "--tag", "novalue"]).is_err());
    }

    /// The commands suggested after a demo parse as written (they cannot rot into advice
    /// that fails).
    #[test]
    fn the_commands_suggested_after_a_demo_parse() {
        let commands: Vec<Vec<String>> = iotmi_core::flow::command_line::demo_next_steps()
            .iter()
            .filter_map(|line| line.trim_start().strip_prefix("iotmi-onboard "))
            .map(|rest| {
                let words = rest.split("  ").next().unwrap_or_default();
                std::iter::once("iotmi-onboard".to_string())
                    .chain(words.split_whitespace().map(str::to_string))
                    .collect()
            })
            .collect();
        assert_eq!(commands.len(), 3, "{commands:?}");
        for argv in commands {
            assert!(Cli::try_parse_from(&argv).is_ok(), "{argv:?}");
        }
    }
}
