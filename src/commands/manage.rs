//! `iotmi-onboard refresh ID` and `iotmi-onboard delete ID --yes`.

use super::script::{self, Plan};
use crate::cli::{DeleteArgs, OutputFormat, RefreshArgs};
use crate::output::{print_deleted, report};
use crate::runtime::ServiceCalls;
use crate::session::Connection;
use iotmi_core::exit;
use iotmi_core::flow::Prefill;

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
        None,
    );
    script::run(connection, Plan::Refresh { id: args.id }, options, output).await
}

/// `delete ID --yes`: one DeleteAccountAssociation through the runtime's service calls.
pub async fn delete(
    connection: &Connection,
    args: DeleteArgs,
    output: OutputFormat,
) -> anyhow::Result<i32> {
    if !args.yes {
        eprintln!(
            "error: refusing to delete {} without --yes (nothing was deleted)",
            args.id
        );
        return Ok(exit::USAGE);
    }
    let calls = ServiceCalls::new(connection.service.clone());
    let id = args.id.clone();
    if let Err(error) = calls
        .call("DeleteAccountAssociation", |service| {
            service.delete_association(id)
        })
        .await
    {
        return Ok(report(&error, &connection.target));
    }
    tracing::info!(id = %args.id, "deleted");
    print_deleted(&args.id, output)?;
    Ok(exit::OK)
}
