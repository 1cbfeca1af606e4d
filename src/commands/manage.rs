//! `iotmi-onboard refresh ID [--yes]` and `iotmi-onboard delete ID --yes [--deregister-things]`.

use super::delete::DeletePlan;
use super::script::{self, Plan};
use crate::cli::{BrowserArgs, DeleteArgs, OutputFormat, RefreshArgs};
use crate::session::Connection;
use iotmi_core::exit;
use iotmi_core::flow::Prefill;
use iotmi_core::text::sanitize;

/// A new consent URL through the flow ([`super::script`]): the association is looked up,
/// refreshed, and its new URL offered to a browser like the wizard's.
pub async fn refresh(
    connection: &Connection,
    args: RefreshArgs,
    output: OutputFormat,
) -> anyhow::Result<i32> {
    let options = script::options(
        connection,
        Prefill::default(),
        &args.browser,
        iotmi_core::flow::DEFAULT_WAIT_TIMEOUT,
    );
    script::run(
        connection,
        Plan::Refresh {
            id: args.id,
            yes: args.yes,
        },
        options,
        output,
    )
    .await
}

/// `delete ID --yes [--deregister-things]`: Manage's guided deletion through the flow
/// ([`super::delete`]).
pub async fn delete(
    connection: &Connection,
    args: DeleteArgs,
    output: OutputFormat,
) -> anyhow::Result<i32> {
    if !args.yes {
        stderr_line!(
            "error: refusing to delete {} without --yes (nothing was deleted)",
            sanitize(&args.id)
        );
        return Ok(exit::USAGE);
    }
    let browser = BrowserArgs {
        no_browser: true,
        browser_command: None,
    };
    let options = script::options(connection, Prefill::default(), &browser, args.wait_timeout);
    let plan = Plan::Delete(DeletePlan {
        id: args.id,
        deregister_things: args.deregister_things,
        wait_timeout: args.wait_timeout,
    });
    script::run(connection, plan, options, output).await
}
