//! Non-interactive commands (`create`, `status`, `list`, `refresh`, `delete`, `completions`,
//! `man`):
//! the wizard's service layer and validation rules without the UI, for scripts, CI logs and
//! anyone who does the same thing twice. Results go to stdout (text `key  value` lines or JSON
//! with the AWS API's member names), progress and errors to stderr.

mod create;
mod list;
mod manage;
mod record;
mod status;

use std::io::Write;

use clap::CommandFactory;

use crate::app::{Connection, connect};
use crate::cli::{Cli, Command, CommonArgs, OutputFormat};
use iotmi_core::service::{ErrorKind, ServiceError};

/// Shared with plain mode, from the neutral `signals` module.
pub use crate::signals::interruptible;
pub use list::all_destinations as list_all_destinations;
pub use record::AssociationRecord;

/// The one exit-status table of every front end.
pub use iotmi_core::exit;

/// Runs one command; `Demo`, `Simulator` and the wizard are not commands.
pub async fn run(command: Command) -> anyhow::Result<i32> {
    if let Command::Completions(args) = &command {
        let mut stdout = std::io::stdout().lock();
        clap_complete::generate(
            args.shell,
            &mut Cli::command(),
            "iotmi-onboard",
            &mut stdout,
        );
        stdout.flush()?;
        return Ok(exit::OK);
    }
    if let Command::Man = &command {
        let mut stdout = std::io::stdout().lock();
        crate::man::render(&mut stdout)?;
        stdout.flush()?;
        return Ok(exit::OK);
    }
    let common: &CommonArgs = match &command {
        Command::Create(args) => &args.common,
        Command::Status(args) => &args.common,
        Command::List(args) => &args.common,
        Command::Refresh(args) => &args.common,
        Command::Delete(args) => &args.common,
        Command::Discover(args) => &args.common,
        Command::Devices(args) => &args.common,
        Command::Completions(_) | Command::Man | Command::Demo(_) | Command::Simulator(_) => {
            unreachable!("handled by main")
        }
    };
    let connection = connect(&common.aws).await?;
    let output = common.output.output;
    tracing::info!(command = command_name(&command), "command start");
    let code = interruptible(async move {
        match command {
            Command::Create(args) => create::run(&connection, args, output).await,
            Command::Status(args) => status::run(&connection, args, output).await,
            Command::List(args) => list::run(&connection, args, output).await,
            Command::Refresh(args) => manage::refresh(&connection, args, output).await,
            Command::Delete(args) => manage::delete(&connection, args, output).await,
            Command::Discover(args) => status::discover(&connection, args, output).await,
            Command::Devices(args) => status::devices(&connection, args, output).await,
            Command::Completions(_) | Command::Man | Command::Demo(_) | Command::Simulator(_) => {
                unreachable!("handled by main")
            }
        }
    })
    .await?;
    tracing::info!(code, "command done");
    Ok(code)
}

fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Demo(_) => "demo",
        Command::Simulator(_) => "simulator",
        Command::Create(_) => "create",
        Command::Status(_) => "status",
        Command::List(_) => "list",
        Command::Refresh(_) => "refresh",
        Command::Delete(_) => "delete",
        Command::Discover(_) => "discover",
        Command::Devices(_) => "devices",
        Command::Completions(_) => "completions",
        Command::Man => "man",
    }
}

/// Prints a service error and its remedy on stderr; returns the exit status for it.
pub fn report(error: &ServiceError, connection: &Connection) -> i32 {
    eprintln!("error: {error}");
    eprintln!("hint: {}", error.remedy(&connection.target.profile));
    match error.kind {
        ErrorKind::Validation => exit::USAGE,
        _ => exit::ERROR,
    }
}

/// Prints local validation errors, one per line, and returns exit 2.
pub fn report_invalid(errors: &[(&str, String)]) -> i32 {
    for (field, message) in errors {
        eprintln!("error: {field}: {message}");
    }
    exit::USAGE
}

/// Writes a serialisable value as pretty JSON, or `key  value` rows, on stdout.
pub fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    serde_json::to_writer_pretty(&mut stdout, value)?;
    writeln!(stdout)?;
    stdout.flush()?;
    Ok(())
}

/// `key  value` lines, the keys padded like the wizard's summary.
pub fn print_rows(rows: &[(&str, String)]) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    for (key, value) in rows {
        writeln!(stdout, "{key:<16}{value}")?;
    }
    Ok(())
}

/// Discovered devices: a table, or a JSON array with the API's member names.
pub fn print_devices(
    devices: &[iotmi_core::service::DiscoveredDevice],
    output: OutputFormat,
) -> anyhow::Result<()> {
    match output {
        OutputFormat::Json => {
            let items: Vec<serde_json::Value> = devices
                .iter()
                .map(|d| {
                    serde_json::json!({
                        "ConnectorDeviceId": d.connector_device_id,
                        "ConnectorDeviceName": d.name,
                        "Brand": d.brand,
                        "Model": d.model,
                        "DeviceTypes": d.device_types,
                        "Modification": d.modification,
                        "ManagedThingId": d.managed_thing_id,
                    })
                })
                .collect();
            print_json(&items)
        }
        OutputFormat::Text => {
            let mut stdout = std::io::stdout().lock();
            writeln!(
                stdout,
                "{:<24} {:<28} {:<20} {:<24} MANAGED THING",
                "DEVICE", "NAME", "BRAND MODEL", "TYPES"
            )?;
            for d in devices {
                let clean = |s: &str| iotmi_core::text::sanitize(s).into_owned();
                writeln!(
                    stdout,
                    "{:<24} {:<28} {:<20} {:<24} {}",
                    clean(&d.connector_device_id),
                    clean(&d.name),
                    clean(&format!("{} {}", d.brand, d.model)),
                    clean(&d.device_types.join(",")),
                    d.managed_thing_id
                        .as_deref()
                        .map(clean)
                        .unwrap_or("-".into())
                )?;
            }
            Ok(())
        }
    }
}

pub fn print_record(record: &AssociationRecord, output: OutputFormat) -> anyhow::Result<()> {
    match output {
        OutputFormat::Json => print_json(record),
        OutputFormat::Text => print_rows(&record.rows()),
    }
}
