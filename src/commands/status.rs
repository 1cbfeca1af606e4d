//! `iotmi-onboard status ID [--wait]`, through the flow ([`super::script`]).

use std::time::Duration;

use super::script::{self, Plan};
use crate::cli::{BrowserArgs, OutputFormat, StatusArgs};
use crate::session::Connection;
use iotmi_core::flow::{Options, Prefill};

/// The flow's options for a command that follows an existing association. Looking is not
/// consenting: no browser.
fn looking(connection: &Connection, wait_timeout: Duration) -> Options {
    let browser = BrowserArgs {
        no_browser: true,
        browser_command: None,
    };
    script::options(connection, Prefill::default(), &browser, wait_timeout, None)
}

pub async fn run(
    connection: &Connection,
    args: StatusArgs,
    output: OutputFormat,
) -> anyhow::Result<i32> {
    let options = looking(connection, args.wait_timeout);
    let plan = Plan::Status {
        id: args.id,
        wait: args.wait,
    };
    script::run(connection, plan, options, output).await
}

/// `iotmi-onboard discover ID [--wait [--adopt all|ID,…]]`, through the flow's Devices step.
pub async fn discover(
    connection: &Connection,
    args: crate::cli::DiscoverArgs,
    output: OutputFormat,
) -> anyhow::Result<i32> {
    let options = looking(connection, args.wait_timeout);
    let adopt = args.adopt.map(|choice| match choice.trim() {
        "all" => script::AdoptChoice::All,
        ids => script::AdoptChoice::These(
            ids.split(',')
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
    });
    let plan = Plan::Discover {
        id: args.id,
        wait: args.wait,
        adopt,
    };
    script::run(connection, plan, options, output).await
}

/// `iotmi-onboard devices ID`: the managed things registered to the association.
pub async fn devices(
    connection: &Connection,
    args: crate::cli::DevicesArgs,
    output: OutputFormat,
) -> anyhow::Result<i32> {
    match connection.service.association_things(args.id).await {
        Ok(things) => {
            match output {
                OutputFormat::Json => crate::output::print_json(&things)?,
                OutputFormat::Text => {
                    use std::io::Write;
                    let mut stdout = std::io::stdout().lock();
                    writeln!(
                        stdout,
                        "{:<34} {:<28} {:<24} STATUS",
                        "MANAGED THING", "NAME", "BRAND MODEL"
                    )?;
                    for t in &things {
                        writeln!(
                            stdout,
                            "{:<34} {:<28} {:<24} {}",
                            t.managed_thing_id,
                            iotmi_core::text::sanitize(&t.name),
                            iotmi_core::text::sanitize(&format!("{} {}", t.brand, t.model)),
                            t.provisioning_status
                        )?;
                    }
                }
            }
            Ok(iotmi_core::exit::OK)
        }
        Err(error) => Ok(crate::output::report(&error, &connection.target)),
    }
}
