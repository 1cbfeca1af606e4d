//! `iotmi-onboard refresh ID` and `iotmi-onboard delete ID --yes`.

use super::{exit, open_url, print_json, print_rows, report};
use crate::app::Connection;
use crate::cli::{DeleteArgs, OutputFormat, RefreshArgs};
use crate::service::logged;
use crate::text::sanitize;

#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct Refreshed {
    account_association_id: String,
    #[serde(rename = "OAuthAuthorizationUrl")]
    oauth_url: String,
}

pub async fn refresh(
    connection: &Connection,
    args: RefreshArgs,
    output: OutputFormat,
) -> anyhow::Result<i32> {
    let url = match logged(
        "StartAccountAssociationRefresh",
        connection.service.start_refresh(args.id.clone()).await,
    ) {
        Ok(url) => url,
        Err(error) => return Ok(report(&error, connection)),
    };
    let shown = Refreshed {
        account_association_id: args.id,
        oauth_url: sanitize(&url).into_owned(),
    };
    match output {
        OutputFormat::Json => print_json(&shown)?,
        OutputFormat::Text => print_rows(&[
            ("association-id", shown.account_association_id.clone()),
            ("url", shown.oauth_url.clone()),
        ])?,
    }
    open_url(&url, connection.endpoint_is_loopback, &args.browser).await;
    eprintln!(
        "Approve it, then: iotmi-onboard status {} --wait",
        shown.account_association_id
    );
    Ok(exit::OK)
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
        return Ok(report(&error, connection));
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
