//! `iotmi-onboard list destinations|associations [--filter TEXT]`: every page.

use std::io::Write;

use super::{AssociationRecord, exit, print_json, report};
use crate::app::Connection;
use crate::cli::{ListArgs, ListKind, OutputFormat};
use crate::logging::logged;
use iotmi_core::flow::filter_matches;
use iotmi_core::service::{AssociationService, DestinationSummary, Page, ServiceError};

/// A ConnectorDestinationSummary with the API's member names.
#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct DestinationItem<'a> {
    id: &'a str,
    name: &'a str,
    description: &'a str,
    cloud_connector_id: &'a str,
}

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
                Err(error) => return Ok(report(&error, connection)),
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
                Err(error) => return Ok(report(&error, connection)),
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

fn print_destinations(items: &[&DestinationSummary], output: OutputFormat) -> anyhow::Result<()> {
    match output {
        OutputFormat::Json => {
            let shown: Vec<DestinationItem> = items
                .iter()
                .map(|d| DestinationItem {
                    id: &d.id,
                    name: &d.name,
                    description: &d.description,
                    cloud_connector_id: &d.cloud_connector_id,
                })
                .collect();
            print_json(&shown)?;
        }
        OutputFormat::Text => {
            let rows: Vec<[&str; 4]> = items
                .iter()
                .map(|d| {
                    [
                        d.id.as_str(),
                        d.name.as_str(),
                        d.cloud_connector_id.as_str(),
                        d.description.as_str(),
                    ]
                })
                .collect();
            print_table(["ID", "NAME", "CONNECTOR", "DESCRIPTION"], &rows)?;
        }
    }
    eprintln!("{} destination(s)", items.len());
    Ok(())
}

/// Columns separated by two spaces, padded to the widest cell; the last column is not padded.
fn print_table<const N: usize>(header: [&str; N], rows: &[[&str; N]]) -> anyhow::Result<()> {
    let mut widths = header.map(unicode_width::UnicodeWidthStr::width);
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(unicode_width::UnicodeWidthStr::width(*cell));
        }
    }
    let stdout = std::io::stdout().lock();
    let mut out = std::io::BufWriter::new(stdout);
    let mut line = |cells: &[&str; N]| -> std::io::Result<()> {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == N {
                text.push_str(cell);
            } else {
                text.push_str(cell);
                let pad = widths[i] - unicode_width::UnicodeWidthStr::width(*cell) + 2;
                text.extend(std::iter::repeat_n(' ', pad));
            }
        }
        writeln!(out, "{}", text.trim_end())
    };
    line(&header)?;
    for row in rows {
        line(row)?;
    }
    out.flush()?;
    Ok(())
}
