//! Command-line interface. AWS flags follow the AWS CLI's names and environment variables.

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
  iotmi-onboard simulator --port 4567
      Serve the simulator for the AWS CLI or other clients.";

#[derive(Parser, Debug)]
#[command(
    name = "iotmi-onboard",
    version,
    about = "Onboard a third-party cloud account into Managed integrations for AWS IoT Device Management",
    after_help = EXAMPLES,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(flatten)]
    pub wizard: WizardArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the wizard against the embedded simulator (no AWS account, no network).
    Demo(DemoArgs),
    /// Run the embedded service simulator on 127.0.0.1 until Ctrl-C or SIGTERM.
    Simulator(crate::simulator::SimConfig),
}

#[derive(Args, Debug, Clone, Default)]
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
}

#[derive(Args, Debug, Clone)]
pub struct DemoArgs {
    #[command(flatten)]
    pub wizard: WizardArgs,
    /// How long the simulated service takes to settle an approved association.
    #[arg(long, default_value_t = 1500, value_name = "MS")]
    pub approve_after_ms: u64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
}

#[derive(Args, Debug, Clone)]
pub struct WizardArgs {
    /// Prefill: the connector destination id.
    #[arg(long, value_name = "ID")]
    pub destination: Option<String>,
    /// Prefill: the association's name.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Prefill: the association's description.
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// Prefill: a tag (repeatable).
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = parse_tag)]
    pub tags: Vec<(String, String)>,
    /// Prefill: the General Authorization material name.
    #[arg(long, value_name = "NAME")]
    pub auth_material: Option<String>,
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
    /// Format of the summary printed on stdout when the UI closes.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// How long to watch an association in progress before asking (e.g. 90s, 15m, 1h).
    #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = parse_duration)]
    pub wait_timeout: Duration,
    /// Write logs to this file (never to the terminal). Secrets, tag values and URLs are left out.
    #[arg(long, value_name = "PATH")]
    pub log_file: Option<std::path::PathBuf>,
    /// Log level for --log-file: error, warn, info, debug or trace.
    #[arg(long, value_name = "LEVEL", default_value = "info")]
    pub log_level: tracing::Level,
}

fn parse_tag(raw: &str) -> Result<(String, String), String> {
    let (key, value) = raw
        .split_once('=')
        .ok_or_else(|| format!("'{raw}' is not KEY=VALUE"))?;
    Ok((key.to_string(), value.to_string()))
}

/// `90`, `90s`, `15m`, `1h`.
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
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
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert!(parse_duration("5d").is_err());
        assert!(parse_duration("m").is_err());
    }

    #[test]
    fn prefill_flags_parse_on_both_forms() {
        let cli = Cli::try_parse_from(["iotmi-onboard", "--tag", "a=b=c", "--tag", "k="]).unwrap();
        assert_eq!(
            cli.wizard.tags,
            [("a".into(), "b=c".into()), ("k".into(), "".into())]
        );
        let cli =
            Cli::try_parse_from(["iotmi-onboard", "demo", "--name", "X", "--no-browser"]).unwrap();
        match cli.command {
            Some(Command::Demo(demo)) => {
                assert_eq!(demo.wizard.name.as_deref(), Some("X"));
                assert!(demo.wizard.no_browser);
            }
            other => panic!("{other:?}"),
        }
        assert!(Cli::try_parse_from(["iotmi-onboard", "--tag", "novalue"]).is_err());
    }
}
