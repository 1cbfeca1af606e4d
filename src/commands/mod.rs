//! Non-interactive commands (`create`, `status`, `list`, `refresh`, `delete`, `completions`,
//! `man`):
//! the wizard's service layer and validation rules without the UI, for scripts, CI logs and
//! anyone who does the same thing twice. Results go to stdout (text `key  value` lines or JSON
//! with the AWS API's member names), progress and errors to stderr.

mod batch;
mod create;
mod delete;
mod list;
mod manage;
mod report;
/// `pub(crate)` for plain mode's test that compares the requests of the front ends.
pub(crate) mod script;
mod status;

use std::io::Write;

use clap::CommandFactory;

use crate::cli::{Cli, Command, CommonArgs};
use crate::session::connect_with;
use crate::signals::{interruptible, stoppable};

use iotmi_core::exit;

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
    if let Command::Report(args) = command {
        // Its own --output (table, JSON, CSV): not the other commands' CommonArgs.
        // Its calls are paced by the throttles they meet: the SDK must not retry them unseen.
        let connection = connect_with(&args.aws, true).await?;
        tracing::info!(command = "report", "command start");
        let code = interruptible(report::run(connection, args)).await?;
        tracing::info!(code, "command done");
        return Ok(code);
    }
    let common: &CommonArgs = match &command {
        Command::Create(args) => &args.common,
        Command::Status(args) => &args.common,
        Command::List(args) => &args.common,
        Command::Refresh(args) => &args.common,
        Command::Delete(args) => &args.common,
        Command::Discover(args) => &args.common,
        Command::Devices(args) => &args.common,
        Command::Batch(args) => &args.common,
        Command::Completions(_)
        | Command::Man
        | Command::Demo(_)
        | Command::Simulator(_)
        | Command::Report(_) => unreachable!("handled above or by main"),
    };
    // A batch paces itself by the throttles it meets: the SDK must not retry them unseen.
    let own_retries = matches!(command, Command::Batch(_));
    let connection = connect_with(&common.aws, own_retries).await?;
    let output = common.output.output;
    tracing::info!(command = command_name(&command), "command start");
    let code = stoppable(async move {
        match command {
            Command::Create(args) => create::run(&connection, args, output).await,
            Command::Status(args) => status::run(&connection, args, output).await,
            Command::List(args) => list::run(&connection, args, output).await,
            Command::Refresh(args) => manage::refresh(&connection, args, output).await,
            Command::Delete(args) => manage::delete(&connection, args, output).await,
            Command::Discover(args) => status::discover(&connection, args, output).await,
            Command::Devices(args) => status::devices(&connection, args, output).await,
            Command::Batch(args) => batch::run(&connection, args, output).await,
            Command::Completions(_)
            | Command::Man
            | Command::Demo(_)
            | Command::Simulator(_)
            | Command::Report(_) => unreachable!("handled above or by main"),
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
        Command::Batch(_) => "batch",
        Command::Report(_) => "report",
        Command::Completions(_) => "completions",
        Command::Man => "man",
    }
}
