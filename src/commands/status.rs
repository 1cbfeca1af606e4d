//! `iotmi-onboard status ID [--wait]`, through the flow ([`super::script`]).

use std::time::Duration;

use super::script::{self, Plan};
use crate::cli::{BrowserArgs, OutputFormat, StatusArgs};
use crate::output::print_things;
use crate::runtime::ServiceCalls;
use crate::session::Connection;
use iotmi_core::flow::{Options, Prefill};
use iotmi_core::service::ErrorKind;

/// The flow's options for a command that follows an existing association. Looking is not
/// consenting: no browser.
fn looking(connection: &Connection, wait_timeout: Duration) -> Options {
    let browser = BrowserArgs {
        no_browser: true,
        browser_command: None,
    };
    script::options(connection, Prefill::default(), &browser, wait_timeout)
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

/// `iotmi-onboard devices ID`: the managed things registered to the association, through the
/// runtime's service calls.
pub async fn devices(
    connection: &Connection,
    args: crate::cli::DevicesArgs,
    output: OutputFormat,
) -> anyhow::Result<i32> {
    let calls = ServiceCalls::new(connection.service.clone());
    // The listing filters by association and answers an unknown id with no things: the
    // association is asked too (at the same time), so a mistyped id is an error as in `status`.
    let id = args.id.clone();
    let (association, things) = tokio::join!(
        calls.call("GetAccountAssociation", |service| service
            .get_association(id)),
        calls.call("ListManagedThingAccountAssociations", |service| {
            service.association_things(args.id)
        }),
    );
    // Only "not found" is decisive: a caller allowed the listing but not
    // GetAccountAssociation still gets its things.
    if let Err(error) = association
        && error.kind == ErrorKind::NotFound
    {
        return Ok(crate::output::report(&error, &connection.target));
    }
    match things {
        Ok(things) => {
            print_things(&things, output)?;
            Ok(iotmi_core::exit::OK)
        }
        Err(error) => Ok(crate::output::report(&error, &connection.target)),
    }
}
