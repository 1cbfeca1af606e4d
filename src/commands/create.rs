//! `iotmi-onboard create …`: the wizard's request, from flags.

use super::status::wait_and_print;
use super::{AssociationRecord, exit, open_url, print_record, report, report_invalid};
use crate::app::{Connection, token_seed};
use crate::cli::{CreateArgs, OutputFormat};
use crate::flow::validate;
use crate::service::{CreateRequest, logged};
use crate::text::sanitize;

pub async fn run(
    connection: &Connection,
    args: CreateArgs,
    output: OutputFormat,
) -> anyhow::Result<i32> {
    // Every bad field at once, by the wizard's own rules. Without --name, the name is suggested
    // from the destination below (as the wizard does), so it is not "missing" here.
    let mut errors: Vec<(&str, String)> = validate::request_errors(
        &args.destination,
        args.name.as_deref().unwrap_or_default(),
        args.description.as_deref().unwrap_or_default(),
        &args.tags,
        args.auth_material.as_deref(),
    )
    .into_iter()
    .filter(|e| args.name.is_some() || e.field != "name")
    .map(|e| (e.field, e.message))
    .collect();
    if let Some(message) = args
        .client_token
        .as_deref()
        .and_then(validate::client_token_error)
    {
        errors.push(("client-token", message));
    }
    if !errors.is_empty() {
        return Ok(report_invalid(&errors));
    }

    let name = match args.name {
        Some(name) => name,
        None => match logged(
            "GetConnectorDestination",
            connection
                .service
                .get_destination(args.destination.clone())
                .await,
        ) {
            Ok(destination) => {
                let name = validate::suggest_name(&destination.name);
                eprintln!("name: {name} (suggested from the destination; --name to choose)");
                name
            }
            Err(error) => return Ok(report(&error, connection)),
        },
    };
    let client_token = args.client_token.unwrap_or_else(token_seed);
    let request = CreateRequest {
        client_token: client_token.clone(),
        destination_id: args.destination,
        name: Some(name),
        description: args.description.filter(|d| !d.is_empty()),
        tags: args.tags,
        auth_material: args.auth_material,
    };
    tracing::info!(destination = %request.destination_id, tags = request.tags.len(), "create");
    let created = match logged(
        "CreateAccountAssociation",
        connection.service.create_association(request).await,
    ) {
        Ok(created) => created,
        Err(error) => {
            let code = report(&error, connection);
            if error.is_retryable() {
                eprintln!(
                    "hint: rerun with --client-token {client_token}: the service then returns the \
                     association it may already have made instead of a second one"
                );
            }
            return Ok(code);
        }
    };
    tracing::info!(id = %created.id, state = %created.state, "created");

    if !args.wait {
        print_record(&AssociationRecord::created(&created, &client_token), output)?;
        open_url(
            &created.oauth_url,
            connection.endpoint_is_loopback,
            &args.browser,
        )
        .await;
        return Ok(exit::OK);
    }

    eprintln!(
        "Created {} ({}), client token {client_token}.",
        created.id, created.state
    );
    if !created.oauth_url.is_empty() {
        eprintln!("Open this URL to authorize the account:");
        eprintln!("{}", sanitize(&created.oauth_url));
        open_url(
            &created.oauth_url,
            connection.endpoint_is_loopback,
            &args.browser,
        )
        .await;
    }
    let association = match logged(
        "GetAccountAssociation",
        connection.service.get_association(created.id.clone()).await,
    ) {
        Ok(association) => association,
        Err(error) => return Ok(report(&error, connection)),
    };
    wait_and_print(
        connection,
        association,
        args.wait_timeout,
        output,
        Some(&client_token),
    )
    .await
}
