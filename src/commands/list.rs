//! `iotmi-onboard list destinations|associations [--filter TEXT]`: every page, through the
//! runtime's service calls, filtered by core's list filters (the wizard's and plain mode's own).

use std::collections::HashMap;

use crate::cli::{ListArgs, ListKind, OutputFormat};
use crate::output::{AssociationRecord, print_associations, print_destinations, report};
use crate::runtime::ServiceCalls;
use crate::session::Connection;
use iotmi_core::exit;
use iotmi_core::filter::{association_matches, destination_haystack, filter_matches};
use iotmi_core::service::DestinationSummary;

pub async fn run(
    connection: &Connection,
    args: ListArgs,
    output: OutputFormat,
) -> anyhow::Result<i32> {
    let filter = args.filter.unwrap_or_default();
    let calls = ServiceCalls::new(connection.service.clone());
    match args.what {
        ListKind::Destinations => {
            let items = match calls
                .all_pages("ListConnectorDestinations", |service, token| {
                    service.list_destinations(token)
                })
                .await
            {
                Ok(items) => items,
                Err(error) => return Ok(report(&error, &connection.target)),
            };
            let connectors = if filter.trim().is_empty() {
                HashMap::new()
            } else {
                connector_names(&calls).await
            };
            let items: Vec<&DestinationSummary> = items
                .iter()
                .filter(|d| {
                    let connector = connectors.get(&d.cloud_connector_id).map(String::as_str);
                    filter_matches(&destination_haystack(d, connector), &filter)
                })
                .collect();
            print_destinations(&items, output)?;
        }
        ListKind::Associations => {
            let items = match calls
                .all_pages("ListAccountAssociations", |service, token| {
                    service.list_associations(token)
                })
                .await
            {
                Ok(items) => items,
                Err(error) => return Ok(report(&error, &connection.target)),
            };
            let records: Vec<AssociationRecord> = items
                .iter()
                .filter(|a| association_matches(a, &filter))
                .map(AssociationRecord::summary)
                .collect();
            print_associations(&records, output)?;
        }
    }
    Ok(exit::OK)
}

/// Connector id → name, for the filter to match a connector's name as the wizard does. Names
/// are a nicety there too: without them the filter still matches the connector's id.
async fn connector_names(calls: &ServiceCalls) -> HashMap<String, String> {
    match calls
        .call("ListCloudConnectors", |service| {
            service.list_cloud_connectors()
        })
        .await
    {
        Ok(connectors) => connectors.into_iter().map(|c| (c.id, c.name)).collect(),
        Err(_) => HashMap::new(),
    }
}
