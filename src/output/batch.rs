//! A batch's rows as the front ends hand them on: the results file (CSV or JSON Lines by its
//! extension, mode 0600, never through a link or over an existing file's link) and the
//! command's stdout (a table, or JSON with the API's member names).

use std::io::Write;
use std::path::Path;

use std::collections::BTreeMap;

use iotmi_core::flow::{BatchRun, RowDevices, RowRun, RowState, row_state_label};
use iotmi_core::text::sanitize;

/// One row's outcome. Consent URLs only when asked for: they are sensitive.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchRecord {
    /// The file's line the row is on.
    pub line: usize,
    pub name: String,
    pub connector_destination_id: String,
    pub account_association_id: Option<String>,
    pub arn: Option<String>,
    /// The service's state, or "NOT_CREATED" when the row made no association.
    pub association_state: String,
    pub error_message: Option<String>,
    /// An earlier run of the file made it.
    pub already_created: bool,
    /// With `--discover`: devices found, and adopted (`--adopt all`), for a succeeded row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub devices_found: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub devices_adopted: Option<usize>,
    #[serde(
        rename = "OAuthAuthorizationUrl",
        skip_serializing_if = "Option::is_none"
    )]
    pub oauth_url: Option<String>,
}

impl BatchRecord {
    /// `consent_url`: the row's URL in its hand-over form ([`BatchRun::consent_url`]).
    pub fn of(row: &RowRun, devices: Option<&RowDevices>, consent_url: Option<String>) -> Self {
        let clean = |s: &str| sanitize(s).into_owned();
        Self {
            line: row.row.line,
            name: clean(row.row.draft.name.as_deref().unwrap_or_default()),
            connector_destination_id: clean(
                row.row.draft.destination.as_deref().unwrap_or_default(),
            ),
            account_association_id: row.association_id.as_deref().map(clean),
            arn: row.arn.as_deref().map(clean),
            association_state: match &row.state {
                RowState::Made(state) => state.as_wire().to_owned(),
                RowState::Queued | RowState::Sending => "NOT_SENT".to_owned(),
                RowState::Refused => "NOT_CREATED".to_owned(),
            },
            error_message: row
                .error
                .as_deref()
                .or(devices.and_then(|d| d.error.as_deref()))
                .map(clean),
            already_created: row.already,
            devices_found: devices.map(|d| d.found),
            devices_adopted: devices.map(|d| d.adopted),
            oauth_url: consent_url,
        }
    }
}

/// Each row's record; `devices` by row index (rows that went through the Devices step).
pub fn records(
    run: &BatchRun,
    devices: &BTreeMap<usize, RowDevices>,
    with_consent_urls: bool,
) -> Vec<BatchRecord> {
    run.rows()
        .iter()
        .enumerate()
        .map(|(index, row)| {
            BatchRecord::of(
                row,
                devices.get(&index),
                run.consent_url(index).filter(|_| with_consent_urls),
            )
        })
        .collect()
}

const CSV_HEADER: [&str; 11] = [
    "line",
    "name",
    "destination",
    "association_id",
    "arn",
    "state",
    "error_message",
    "already_created",
    "devices_found",
    "devices_adopted",
    "consent_url",
];

/// Writes the results file: JSON Lines for `.jsonl`/`.json`, CSV otherwise. Created new with
/// mode 0600 (an existing file is replaced by rename, never written through).
pub fn write_results(path: &Path, records: &[BatchRecord]) -> anyhow::Result<()> {
    let lower = path.to_string_lossy().to_ascii_lowercase();
    let mut bytes = Vec::new();
    if lower.ends_with(".jsonl") || lower.ends_with(".json") || lower.ends_with(".ndjson") {
        for record in records {
            serde_json::to_writer(&mut bytes, record)?;
            bytes.push(b'\n');
        }
    } else {
        let mut writer = csv::Writer::from_writer(&mut bytes);
        writer.write_record(CSV_HEADER)?;
        // Names and errors come from the file and the service: never a formula to a spreadsheet.
        let safe = iotmi_core::text::spreadsheet_safe;
        for r in records {
            writer.write_record([
                r.line.to_string().as_str(),
                &safe(&r.name),
                &safe(&r.connector_destination_id),
                r.account_association_id.as_deref().unwrap_or_default(),
                r.arn.as_deref().unwrap_or_default(),
                &r.association_state,
                &safe(r.error_message.as_deref().unwrap_or_default()),
                if r.already_created { "yes" } else { "no" },
                &r.devices_found.map(|n| n.to_string()).unwrap_or_default(),
                &r.devices_adopted.map(|n| n.to_string()).unwrap_or_default(),
                r.oauth_url.as_deref().unwrap_or_default(),
            ])?;
        }
        writer.flush()?;
        drop(writer);
    }
    crate::files::write_private(path, &bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// The rows as a table on stdout (aligned), and after it the URLs of rows awaiting consent when
/// `with_urls` (not after a demo: its simulator, and so its consent pages, are gone).
pub fn print_batch_table(
    run: &BatchRun,
    devices: &BTreeMap<usize, RowDevices>,
    with_urls: bool,
) -> anyhow::Result<()> {
    let rows: Vec<[String; 6]> = run
        .rows()
        .iter()
        .enumerate()
        .map(|(index, row)| {
            let record = BatchRecord::of(row, devices.get(&index), None);
            let things = match (record.devices_found, record.devices_adopted) {
                (Some(found), Some(adopted)) if adopted > 0 => {
                    format!("{found} ({adopted} adopted)")
                }
                (Some(found), _) => found.to_string(),
                _ => "-".into(),
            };
            let mut state = row_state_label(row).to_owned();
            if row.already {
                state.push_str(" (earlier run)");
            }
            [
                record.line.to_string(),
                record.name,
                record.account_association_id.unwrap_or_else(|| "-".into()),
                state,
                things,
                record.error_message.unwrap_or_default(),
            ]
        })
        .collect();
    // The devices column only when the rows went through the Devices step.
    if devices.is_empty() {
        let borrowed: Vec<[&str; 5]> = rows
            .iter()
            .map(|r| [r[0].as_str(), &r[1], &r[2], &r[3], &r[5]])
            .collect();
        super::print_table(["LINE", "NAME", "ASSOCIATION", "STATE", "ERROR"], &borrowed)?;
    } else {
        let borrowed: Vec<[&str; 6]> = rows
            .iter()
            .map(|r| [r[0].as_str(), &r[1], &r[2], &r[3], &r[4], &r[5]])
            .collect();
        super::print_table(
            ["LINE", "NAME", "ASSOCIATION", "STATE", "DEVICES", "ERROR"],
            &borrowed,
        )?;
    }
    let awaiting: Vec<(&RowRun, String)> = run
        .rows()
        .iter()
        .enumerate()
        .filter_map(|(index, row)| Some((row, run.consent_url(index)?)))
        .collect();
    if with_urls && !awaiting.is_empty() {
        let mut stdout = std::io::stdout().lock();
        writeln!(
            stdout,
            "\n{} rows await their account owner's consent: open each URL (or hand it on).",
            awaiting.len()
        )?;
        for (row, url) in awaiting {
            writeln!(stdout, "line {}  {url}", row.row.line)?;
        }
    }
    Ok(())
}
