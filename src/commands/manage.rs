//! `iotmi-onboard refresh ID` and `iotmi-onboard delete ID --yes`.

use super::script::{self, Plan};
use crate::cli::{DeleteArgs, OutputFormat, RefreshArgs};
use crate::logging::logged;
use crate::output::{print_json, print_rows, report};
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

#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct Deleted {
    account_association_id: String,
    deleted: bool,
}

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
    if let Err(error) = logged(
        "DeleteAccountAssociation",
        connection.service.delete_association(args.id.clone()).await,
    ) {
        return Ok(report(&error, &connection.target));
    }
    tracing::info!(id = %args.id, "deleted");
    let shown = Deleted {
        account_association_id: args.id,
        deleted: true,
    };
    match output {
        OutputFormat::Json => print_json(&shown)?,
        OutputFormat::Text => print_rows(&[
            ("association-id", shown.account_association_id.clone()),
            ("deleted", "yes".into()),
        ])?,
    }
    Ok(exit::OK)
}
