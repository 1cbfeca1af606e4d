//! What every front end prints on stdout (the summary, records, tables, JSON with the AWS
//! API's member names) and the service errors it reports on stderr. Values from the service are
//! sanitised: stdout may be a terminal.

pub mod batch;
mod record;

use std::io::Write;

use crate::cli::OutputFormat;
use iotmi_core::exit;
use iotmi_core::flow::{DraftFate, Outcome, OutcomeKind, Target};
use iotmi_core::service::{
    AssociationState, DestinationSummary, ErrorKind, ManagedThing, ServiceError,
};

pub use record::AssociationRecord;

/// Everything the front ends say on stderr goes through here (`stderr_line!`). Rust ignores
/// SIGPIPE, so when stderr's reader is gone (`--plain 2>&1 | head`) a write fails, where
/// `eprintln!` would panic (exit 101) in the middle of a run. Nobody sees the session any
/// more: it ends as SIGPIPE would have ended it (141). The journal, written before every
/// call, lets a rerun resume.
pub fn stderr_write(text: std::fmt::Arguments<'_>) {
    let mut stderr = std::io::stderr().lock();
    if stderr
        .write_fmt(text)
        .and_then(|()| stderr.flush())
        .is_err()
    {
        tracing::info!("stderr closed; the run ends");
        std::process::exit(exit::of_outcome(OutcomeKind::Signalled(libc::SIGPIPE)));
    }
}

/// What became of a draft left unsubmitted, and how to get back to it.
pub fn print_draft_fate(draft: DraftFate, target: &Target) {
    match (draft, iotmi_core::flow::command_line::rerun(target)) {
        (DraftFate::None, _) => {}
        (DraftFate::Saved, Some(rerun)) => {
            stderr_line!("Your draft is saved: run `{rerun}` to resume it.")
        }
        _ if target.demo => stderr_line!("The draft is not kept: a demo keeps no journal."),
        _ => stderr_line!("The draft is not kept: another run holds this profile's journal."),
    }
}

/// The summary on stdout (text `key  value` lines or JSON), and on stderr what became of the
/// draft or how to check an association left in progress, with this run's flags (never a
/// command aimed at a demo's simulator, gone with the run). Shared by the wizard and plain mode.
pub fn print_summary(
    outcome: &Outcome,
    target: &Target,
    format: OutputFormat,
) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    // A demo's consent URL points at its simulator, gone with the run: not worth printing.
    let demo_summary;
    let summary = if target.demo {
        demo_summary = outcome.summary.clone().map(|mut summary| {
            summary.oauth_url.clear();
            summary
        });
        &demo_summary
    } else {
        &outcome.summary
    };
    let Some(summary) = summary else {
        if let Some(line) = outcome.without_summary_line() {
            stderr_line!("{line}");
        }
        print_draft_fate(outcome.draft, target);
        print_demo_next_steps(target);
        return Ok(());
    };
    match format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut stdout, summary)?;
            writeln!(stdout)?;
        }
        OutputFormat::Text => {
            // Values from the service: sanitised, stdout may be a terminal.
            let clean = |s: &str| iotmi_core::text::sanitize(s).into_owned();
            writeln!(stdout, "association-id  {}", clean(&summary.association_id))?;
            writeln!(stdout, "arn             {}", clean(&summary.arn))?;
            match &summary.state {
                Some(state) => writeln!(stdout, "state           {state}")?,
                None => writeln!(stdout, "state           {}", iotmi_core::flow::GONE)?,
            }
            writeln!(stdout, "name            {}", clean(&summary.name))?;
            // A managed association's destination name is not looked up: show the id alone.
            match summary.destination_name.as_str() {
                "" => writeln!(stdout, "destination     {}", clean(&summary.destination_id))?,
                name => writeln!(
                    stdout,
                    "destination     {} ({})",
                    clean(&summary.destination_id),
                    clean(name)
                )?,
            }
            if let Some(message) = &summary.error_message {
                writeln!(stdout, "error           {}", clean(message))?;
            }
            if !summary.oauth_url.is_empty() {
                writeln!(stdout, "consent-url     {}", clean(&summary.oauth_url))?;
            }
            if let (Some(found), Some(adopted)) = (summary.devices_found, summary.devices_adopted) {
                writeln!(stdout, "devices-found   {found}")?;
                writeln!(stdout, "devices-adopted {adopted}")?;
            }
        }
    }
    // Nothing to check later of one that succeeded, failed or is gone.
    if let Some(state) = summary
        .state
        .as_ref()
        .filter(|s| !matches!(s, AssociationState::Succeeded | AssociationState::Failed))
    {
        match iotmi_core::flow::command_line::check_later(target, &summary.association_id) {
            Some([ours, aws]) => {
                stderr_line!("Left {state}. Check it later with");
                stderr_line!("  {ours}");
                stderr_line!("  {aws}");
            }
            None => stderr_line!(
                "Left {state} in the demo's simulator, which stops now: there is nothing to check later."
            ),
        }
    }
    print_demo_next_steps(target);
    Ok(())
}

/// After a demo: only what works once its simulator is gone.
pub fn print_demo_next_steps(target: &Target) {
    if target.demo {
        for line in iotmi_core::flow::command_line::demo_next_steps() {
            stderr_line!("{line}");
        }
    }
}

/// Prints a service error and its remedy on stderr; returns the exit status for it.
pub fn report(error: &ServiceError, target: &Target) -> i32 {
    for line in iotmi_core::flow::error_lines(error, target) {
        stderr_line!("{line}");
    }
    match error.kind {
        ErrorKind::Validation => exit::USAGE,
        _ => exit::ERROR,
    }
}

/// Prints local validation errors, one per line, and returns exit 2.
pub fn report_invalid(errors: &[(&str, String)]) -> i32 {
    for (field, message) in errors {
        stderr_line!("error: {field}: {message}");
    }
    exit::USAGE
}

/// Writes a serialisable value as pretty JSON, or `key  value` rows, on stdout.
pub fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    serde_json::to_writer_pretty(&mut stdout, value)?;
    writeln!(stdout)?;
    stdout.flush()?;
    Ok(())
}

/// `key  value` lines, the keys padded like the wizard's summary.
pub fn print_rows(rows: &[(&str, String)]) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    for (key, value) in rows {
        writeln!(stdout, "{key:<16}{value}")?;
    }
    Ok(())
}

/// Discovered devices: a table, or a JSON array with the API's member names.
pub fn print_devices(
    devices: &[iotmi_core::service::DiscoveredDevice],
    output: OutputFormat,
) -> anyhow::Result<()> {
    match output {
        OutputFormat::Json => {
            let items: Vec<serde_json::Value> = devices
                .iter()
                .map(|d| {
                    serde_json::json!({
                        "ConnectorDeviceId": d.connector_device_id,
                        "ConnectorDeviceName": d.name,
                        "Brand": d.brand,
                        "Model": d.model,
                        "DeviceTypes": d.device_types,
                        "Modification": d.modification,
                        "ManagedThingId": d.managed_thing_id,
                    })
                })
                .collect();
            print_json(&items)
        }
        // Aligned by the one table printer: fixed widths let a long name run into the next
        // column ("Acme T6 Pro Thermostat Thermostat,TemperatureSensor").
        OutputFormat::Text => {
            let rows = device_rows(devices);
            let borrowed: Vec<[&str; 5]> = rows
                .iter()
                .map(|r| [r[0].as_str(), &r[1], &r[2], &r[3], &r[4]])
                .collect();
            print_table(DEVICE_HEADER, &borrowed)
        }
    }
}

const DEVICE_HEADER: [&str; 5] = ["DEVICE", "NAME", "BRAND MODEL", "TYPES", "MANAGED THING"];

fn device_rows(devices: &[iotmi_core::service::DiscoveredDevice]) -> Vec<[String; 5]> {
    let clean = |s: &str| iotmi_core::text::sanitize(s).into_owned();
    devices
        .iter()
        .map(|d| {
            [
                clean(&d.connector_device_id),
                clean(&d.name),
                clean(&format!("{} {}", d.brand, d.model)),
                clean(&d.device_types.join(",")),
                d.managed_thing_id
                    .as_deref()
                    .map_or_else(|| "-".to_owned(), clean),
            ]
        })
        .collect()
}

pub fn print_record(record: &AssociationRecord, output: OutputFormat) -> anyhow::Result<()> {
    match output {
        OutputFormat::Json => print_json(record),
        OutputFormat::Text => print_rows(&record.rows()),
    }
}

/// A ConnectorDestinationSummary with the API's member names.
#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct DestinationItem<'a> {
    id: &'a str,
    name: &'a str,
    description: &'a str,
    cloud_connector_id: &'a str,
}

pub fn print_destinations(
    items: &[&DestinationSummary],
    output: OutputFormat,
) -> anyhow::Result<()> {
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
    stderr_line!("{} destination(s)", items.len());
    Ok(())
}

/// Account associations: a table, or a JSON array with the API's member names.
pub fn print_associations(
    records: &[AssociationRecord],
    output: OutputFormat,
) -> anyhow::Result<()> {
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
    stderr_line!("{} association(s)", records.len());
    Ok(())
}

/// The managed things registered to an association: a table, or JSON.
pub fn print_things(things: &[ManagedThing], output: OutputFormat) -> anyhow::Result<()> {
    match output {
        OutputFormat::Json => print_json(&things),
        OutputFormat::Text => {
            let cells = things_cells(things);
            let rows: Vec<[&str; 4]> = cells
                .iter()
                .map(|[id, name, brand_model, status]| [id.as_str(), name, brand_model, status])
                .collect();
            print_table(THING_HEADER, &rows)
        }
    }
}

const THING_HEADER: [&str; 4] = ["MANAGED THING", "NAME", "BRAND MODEL", "STATUS"];

/// The things' table cells, sanitised: values from the service.
fn things_cells(things: &[ManagedThing]) -> Vec<[String; 4]> {
    let clean = |text: &str| iotmi_core::text::sanitize(text).into_owned();
    things
        .iter()
        .map(|t| {
            [
                clean(&t.managed_thing_id),
                clean(&t.name),
                clean(&format!("{} {}", t.brand, t.model)),
                t.provisioning_status.to_string(),
            ]
        })
        .collect()
}

#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct Deleted<'a> {
    account_association_id: &'a str,
    deleted: bool,
    /// GetAccountAssociation said it no longer exists (else still ASSOCIATION_DELETING).
    gone: bool,
    /// The managed things this run deregistered from it first.
    deregistered_managed_things: &'a [String],
}

/// What `delete` deleted: the association, whether it is gone yet, what was deregistered.
pub fn print_deleted(
    id: &str,
    gone: bool,
    deregistered: &[String],
    output: OutputFormat,
) -> anyhow::Result<()> {
    match output {
        OutputFormat::Json => print_json(&Deleted {
            account_association_id: id,
            deleted: true,
            gone,
            deregistered_managed_things: deregistered,
        }),
        OutputFormat::Text => print_rows(&[
            ("association-id", id.to_string()),
            ("deleted", "yes".into()),
            (
                "gone",
                if gone {
                    "yes".into()
                } else {
                    "no (still ASSOCIATION_DELETING)".into()
                },
            ),
            ("deregistered", deregistered.len().to_string()),
        ]),
    }
}

/// Columns separated by two spaces, padded to the widest cell; the last column is not padded.
pub fn print_table<const N: usize>(header: [&str; N], rows: &[[&str; N]]) -> anyhow::Result<()> {
    let stdout = std::io::stdout().lock();
    let mut out = std::io::BufWriter::new(stdout);
    for line in table_lines(header, rows) {
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(())
}

/// The table's lines: every column as wide as its widest cell, two spaces apart.
fn table_lines<const N: usize>(header: [&str; N], rows: &[[&str; N]]) -> Vec<String> {
    let mut widths = header.map(unicode_width::UnicodeWidthStr::width);
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(unicode_width::UnicodeWidthStr::width(*cell));
        }
    }
    let line = |cells: &[&str; N]| -> String {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            text.push_str(cell);
            if i + 1 < N {
                let pad = widths[i] - unicode_width::UnicodeWidthStr::width(*cell) + 2;
                text.extend(std::iter::repeat_n(' ', pad));
            }
        }
        text.trim_end().to_owned()
    };
    std::iter::once(line(&header))
        .chain(rows.iter().map(line))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use iotmi_core::service::DiscoveredDevice;

    /// `devices ID`: a long brand and model no longer push STATUS out of its column.
    #[test]
    fn the_things_table_is_aligned_whatever_the_values() {
        let thing = |id: &str, name: &str, brand: &str| ManagedThing {
            managed_thing_id: id.into(),
            name: name.into(),
            brand: brand.into(),
            model: "Model".into(),
            provisioning_status: "ACTIVATED".into(),
        };
        let things = [
            thing("mt-1", "Lamp", "Acme"),
            thing(
                "mt-2",
                "Thermostat in the long hallway",
                "Acme T6 Pro Thermostat Deluxe",
            ),
        ];
        let cells = things_cells(&things);
        let rows: Vec<[&str; 4]> = cells
            .iter()
            .map(|[a, b, c, d]| [a.as_str(), b, c, d])
            .collect();
        let lines = table_lines(THING_HEADER, &rows);
        let status_at: Vec<usize> = lines
            .iter()
            .map(|l| l.find("STATUS").or_else(|| l.find("ACTIVATED")).unwrap())
            .collect();
        assert!(status_at.windows(2).all(|w| w[0] == w[1]), "{lines:#?}");
    }

    #[test]
    fn the_devices_table_is_aligned_whatever_the_cells_widths() {
        let device = |id: &str, name: &str, model: &str, types: &[&str]| DiscoveredDevice {
            connector_device_id: id.into(),
            name: name.into(),
            brand: "Acme".into(),
            model: model.into(),
            device_types: types.iter().map(|t| t.to_string()).collect(),
            modification: "DISCOVERED".into(),
            managed_thing_id: None,
            auth_material: String::new(),
        };
        let devices = [
            device("d1", "Plug", "P1", &["Plug"]),
            device(
                "acme-t6-pro-thermostat-0001",
                "Acme T6 Pro Thermostat",
                "T6 Pro",
                &["Thermostat", "TemperatureSensor"],
            ),
        ];
        let rows = device_rows(&devices);
        let borrowed: Vec<[&str; 5]> = rows
            .iter()
            .map(|r| [r[0].as_str(), &r[1], &r[2], &r[3], &r[4]])
            .collect();
        let lines = table_lines(DEVICE_HEADER, &borrowed);
        // Every column starts where its header does, and cells never touch.
        let starts: Vec<usize> = ["NAME", "BRAND MODEL", "TYPES", "MANAGED THING"]
            .iter()
            .map(|h| lines[0].find(h).unwrap())
            .collect();
        for (line, row) in lines[1..].iter().zip(&rows) {
            for (start, cell) in starts.iter().zip(&row[1..]) {
                assert_eq!(&line[*start..*start + cell.len()], cell, "{line}");
                assert_eq!(&line[start - 2..*start], "  ", "{line}");
            }
        }
        assert!(!lines[2].contains("Thermostat Thermostat,"), "{}", lines[2]);
    }
}
