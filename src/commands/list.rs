//! `iotmi-onboard list destinations|associations [--filter TEXT]`: every page.

use crate::cli::{ListArgs, ListKind, OutputFormat};
use crate::logging::logged;
use crate::output::{AssociationRecord, print_destinations, print_json, print_table, report};
use crate::session::Connection;
use iotmi_core::exit;
use iotmi_core::flow::filter_matches;
use iotmi_core::service::{AssociationService, DestinationSummary, Page, ServiceError};

pub async fn run(
    connection: &Connection,
    args: ListArgs,
    output: OutputFormat,
) -> anyhow::Result<i32> {
    let filter = args.filter.unwrap_or_default();
    let service = connection.service.as_ref();
    match args.what {
        ListKind::Destinations => {
            let items = match all_destinations(service).await {
                Ok(items) => items,
                Err(error) => return Ok(report(&error, &connection.target)),
            };
            let items: Vec<&DestinationSummary> = items
                .iter()
                .filter(|d| filter_matches(&destination_haystack(d), &filter))
                .collect();
            print_destinations(&items, output)?;
        }
        ListKind::Associations => {
            let items = match all_pages("ListAccountAssociations", |token| {
                service.list_associations(token)
            })
            .await
            {
                Ok(items) => items,
                Err(error) => return Ok(report(&error, &connection.target)),
            };
            let records: Vec<AssociationRecord> = items
                .iter()
                .filter(|a| {
                    let haystack = format!(
                        "{} {} {} {} {}",
                        a.name, a.id, a.destination_id, a.description, a.state
                    )
                    .to_lowercase();
                    filter_matches(&haystack, &filter)
                })
                .map(AssociationRecord::summary)
                .collect();
            match output {
                OutputFormat::Json => print_json(&records)?,
                OutputFormat::Text => {
                    let rows: Vec<[&str; 4]> = records
                        .iter()
                        .map(|r| {
                            [
                                r.account_association_id.as_str(),
                                r.association_state.as_str(),
                                r.connector_destination_id.as_deref().unwrap_or("-"),
                                r.name.as_deref().unwrap_or("-"),
                            ]
                        })
                        .collect();
                    print_table(["ID", "STATE", "DESTINATION", "NAME"], &rows)?;
                }
            }
            eprintln!("{} association(s)", records.len());
        }
    }
    Ok(exit::OK)
}

/// The same words the wizard's destination filter looks at (minus the connector's name).
pub fn destination_haystack(d: &DestinationSummary) -> String {
    format!(
        "{} {} {} {}",
        d.name, d.id, d.cloud_connector_id, d.description
    )
    .to_lowercase()
}

/// Every connector destination, all pages.
pub async fn all_destinations(
    service: &dyn AssociationService,
) -> Result<Vec<DestinationSummary>, ServiceError> {
    all_pages("ListConnectorDestinations", |token| {
        service.list_destinations(token)
    })
    .await
}

async fn all_pages<T, F>(call: &'static str, mut page: F) -> Result<Vec<T>, ServiceError>
where
    F: FnMut(Option<String>) -> iotmi_core::service::ServiceFuture<Page<T>>,
{
    let mut items = Vec::new();
    let mut token = None;
    loop {
        let Page {
            items: got,
            next_token,
        } = logged(call, page(token).await)?;
        items.extend(got);
        match next_token {
            Some(next) if !next.is_empty() => token = Some(next),
            _ => return Ok(items),
        }
    }
}
