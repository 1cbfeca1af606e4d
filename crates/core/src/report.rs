//! What an account holds, as `report` prints it and Manage's `w` writes it: one row per
//! association with its destination and connector by name, state, error, tags and the managed
//! things linked to it; rendered as an aligned table, JSON (the API's member names where the API
//! has one) or CSV. Pure: the application gathers the rows (see its `report` module).

use std::collections::{BTreeMap, HashMap};

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::service::{
    Association, AssociationState, AssociationSummary, CloudConnector, DestinationSummary,
    ThingLink,
};
use crate::text::sanitize;

/// `--output` of `report`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum ReportFormat {
    /// Aligned columns, long values cut with `…`.
    #[default]
    #[cfg_attr(feature = "clap", value(alias = "text"))]
    Table,
    /// An array of objects, every value whole, managed thing ids included.
    Json,
    /// A header row, then one row per association.
    Csv,
}

/// Destination and connector names by id, from one listing of each.
#[derive(Clone, Debug, Default)]
pub struct Names {
    destinations: HashMap<String, (String, String)>,
    connectors: HashMap<String, String>,
}

impl Names {
    pub fn new(destinations: Vec<DestinationSummary>, connectors: Vec<CloudConnector>) -> Self {
        Self {
            destinations: destinations
                .into_iter()
                .map(|d| (d.id, (d.name, d.cloud_connector_id)))
                .collect(),
            connectors: connectors.into_iter().map(|c| (c.id, c.name)).collect(),
        }
    }
}

/// One association of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRow {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub description: String,
    pub state: AssociationState,
    pub error_message: Option<String>,
    pub destination_id: String,
    /// None when the destination is not listed (deleted, or another account's).
    pub destination_name: Option<String>,
    pub connector_id: Option<String>,
    pub connector_name: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// What ListManagedThingAccountAssociations lists for it (pre-associated or registered).
    pub things: Vec<ThingLink>,
}

impl ReportRow {
    /// The listed association, with what GetAccountAssociation said of it (fresher, and the
    /// only source of its tags) and its managed things.
    pub fn new(
        listed: &AssociationSummary,
        detail: &Association,
        things: Vec<ThingLink>,
        names: &Names,
    ) -> Self {
        let destination_id = if detail.destination_id.is_empty() {
            listed.destination_id.clone()
        } else {
            detail.destination_id.clone()
        };
        let destination = names.destinations.get(&destination_id);
        let connector_id = destination.map(|(_, connector)| connector.clone());
        let connector_name = connector_id
            .as_ref()
            .and_then(|id| names.connectors.get(id).cloned());
        Self {
            id: listed.id.clone(),
            arn: if detail.arn.is_empty() {
                listed.arn.clone()
            } else {
                detail.arn.clone()
            },
            name: detail.name.clone(),
            description: detail.description.clone(),
            state: detail.state.clone(),
            error_message: detail.error_message.clone(),
            destination_name: destination.map(|(name, _)| name.clone()),
            destination_id,
            connector_id,
            connector_name,
            tags: detail.tags.clone(),
            things,
        }
    }

    fn tags_text(&self) -> String {
        self.tags
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(";")
    }
}

/// The report in `format`, ending with a newline (nothing at all for an empty table but its
/// header).
pub fn render(rows: &[ReportRow], format: ReportFormat) -> String {
    match format {
        ReportFormat::Table => table(rows),
        ReportFormat::Json => json(rows),
        ReportFormat::Csv => csv(rows),
    }
}

/// The API's member names where it has one (AccountAssociationId…, CloudConnectorId as
/// ConnectorDestination has it, ManagedThingId and ManagedThingAssociationStatus as
/// ListManagedThingAccountAssociations has them); ours for what only the report joins.
#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct JsonRow {
    account_association_id: String,
    arn: String,
    name: String,
    description: String,
    association_state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_message: Option<String>,
    connector_destination_id: String,
    connector_destination_name: Option<String>,
    cloud_connector_id: Option<String>,
    cloud_connector_name: Option<String>,
    tags: BTreeMap<String, String>,
    managed_thing_count: usize,
    managed_things: Vec<JsonThing>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct JsonThing {
    managed_thing_id: String,
    managed_thing_association_status: &'static str,
}

fn clean(value: &str) -> String {
    sanitize(value).into_owned()
}

fn status(link: &ThingLink) -> &'static str {
    if link.associated {
        "ASSOCIATED"
    } else {
        "PRE_ASSOCIATED"
    }
}

fn json(rows: &[ReportRow]) -> String {
    let items: Vec<JsonRow> = rows
        .iter()
        .map(|r| JsonRow {
            account_association_id: clean(&r.id),
            arn: clean(&r.arn),
            name: clean(&r.name),
            description: clean(&r.description),
            association_state: r.state.to_string(),
            error_message: r.error_message.as_deref().map(clean),
            connector_destination_id: clean(&r.destination_id),
            connector_destination_name: r.destination_name.as_deref().map(clean),
            cloud_connector_id: r.connector_id.as_deref().map(clean),
            cloud_connector_name: r.connector_name.as_deref().map(clean),
            tags: r.tags.iter().map(|(k, v)| (clean(k), clean(v))).collect(),
            managed_thing_count: r.things.len(),
            managed_things: r
                .things
                .iter()
                .map(|t| JsonThing {
                    managed_thing_id: clean(&t.managed_thing_id),
                    managed_thing_association_status: status(t),
                })
                .collect(),
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&items).expect("plain data serialises");
    text.push('\n');
    text
}

pub const CSV_HEADER: [&str; 13] = [
    "AccountAssociationId",
    "Arn",
    "Name",
    "Description",
    "AssociationState",
    "ErrorMessage",
    "ConnectorDestinationId",
    "ConnectorDestinationName",
    "CloudConnectorId",
    "CloudConnectorName",
    "Tags",
    "ManagedThingCount",
    "ManagedThingIds",
];

fn csv(rows: &[ReportRow]) -> String {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    writer.write_record(CSV_HEADER).expect("writes to memory");
    for r in rows {
        let things: Vec<&str> = r
            .things
            .iter()
            .map(|t| t.managed_thing_id.as_str())
            .collect();
        let record = [
            r.id.clone(),
            r.arn.clone(),
            r.name.clone(),
            r.description.clone(),
            r.state.to_string(),
            r.error_message.clone().unwrap_or_default(),
            r.destination_id.clone(),
            r.destination_name.clone().unwrap_or_default(),
            r.connector_id.clone().unwrap_or_default(),
            r.connector_name.clone().unwrap_or_default(),
            r.tags_text(),
            r.things.len().to_string(),
            things.join(";"),
        ];
        writer
            .write_record(
                record
                    .iter()
                    .map(|v| crate::text::spreadsheet_safe(&clean(v)).into_owned()),
            )
            .expect("writes to memory");
    }
    let bytes = writer.into_inner().expect("writes to memory");
    String::from_utf8(bytes).expect("written from strings")
}

/// Columns and the widest each may be (display cells); longer values are cut with `…`.
const TABLE_COLUMNS: [(&str, usize); 8] = [
    ("ID", 36),
    ("NAME", 24),
    ("STATE", 23),
    ("DESTINATION", 24),
    ("CONNECTOR", 20),
    ("THINGS", 6),
    ("TAGS", 32),
    ("ERROR", 48),
];

fn table(rows: &[ReportRow]) -> String {
    let cells: Vec<[String; 8]> = rows
        .iter()
        .map(|r| {
            let or_dash = |v: &str| {
                if v.is_empty() {
                    "-".to_owned()
                } else {
                    v.to_owned()
                }
            };
            [
                r.id.clone(),
                or_dash(&r.name),
                r.state.to_string(),
                r.destination_name
                    .clone()
                    .unwrap_or_else(|| r.destination_id.clone()),
                r.connector_name
                    .clone()
                    .or_else(|| r.connector_id.clone())
                    .unwrap_or_else(|| "-".into()),
                r.things.len().to_string(),
                or_dash(&r.tags_text().replace(';', ", ")),
                r.error_message.clone().unwrap_or_else(|| "-".into()),
            ]
            .map(|v| clean(&v))
        })
        .collect();
    let cut: Vec<[String; 8]> = cells
        .into_iter()
        .map(|row| {
            let mut i = 0;
            row.map(|v| {
                let max = TABLE_COLUMNS[i].1;
                i += 1;
                cut_to(&v, max)
            })
        })
        .collect();
    let mut widths = TABLE_COLUMNS.map(|(h, _)| h.width());
    for row in &cut {
        for (w, v) in widths.iter_mut().zip(row) {
            *w = (*w).max(v.width());
        }
    }
    let mut out = String::new();
    let mut line = |values: [&str; 8]| {
        let mut text = String::new();
        for (i, v) in values.iter().enumerate() {
            text.push_str(v);
            if i + 1 < values.len() {
                text.extend(std::iter::repeat_n(' ', widths[i] - v.width() + 2));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(TABLE_COLUMNS.map(|(h, _)| h));
    for row in &cut {
        line(row.each_ref().map(String::as_str));
    }
    out
}

/// `value` in at most `max` display cells: whole if it fits, else cut with `…` at the end.
pub fn cut_to(value: &str, max: usize) -> String {
    if value.width() <= max {
        return value.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in value.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, name: &str) -> ReportRow {
        ReportRow {
            id: id.into(),
            arn: format!("arn:aws:iotmanagedintegrations:us-east-1:1:account-association/{id}"),
            name: name.into(),
            description: String::new(),
            state: AssociationState::Succeeded,
            error_message: None,
            destination_id: "dest-1".into(),
            destination_name: Some("Acme Home".into()),
            connector_id: Some("cc-1".into()),
            connector_name: Some("Acme Cloud".into()),
            tags: [("env".to_string(), "prod".to_string())].into(),
            things: vec![
                ThingLink {
                    managed_thing_id: "mt-1".into(),
                    associated: true,
                },
                ThingLink {
                    managed_thing_id: "mt-2".into(),
                    associated: false,
                },
            ],
        }
    }

    #[test]
    fn names_join_destination_and_connector() {
        let names = Names::new(
            vec![DestinationSummary {
                id: "dest-1".into(),
                name: "Acme Home".into(),
                description: String::new(),
                cloud_connector_id: "cc-1".into(),
            }],
            vec![CloudConnector {
                id: "cc-1".into(),
                name: "Acme Cloud".into(),
            }],
        );
        let listed = AssociationSummary {
            id: "aa-1".into(),
            arn: "arn:x".into(),
            state: AssociationState::InProgress,
            error_message: None,
            name: "Kitchen".into(),
            description: String::new(),
            destination_id: "dest-1".into(),
        };
        let detail = Association {
            id: "aa-1".into(),
            arn: "arn:x".into(),
            state: AssociationState::Succeeded,
            error_message: None,
            name: "Kitchen".into(),
            description: "d".into(),
            destination_id: "dest-1".into(),
            oauth_url: "https://secret.example/consent".into(),
            tags: [("env".to_string(), "prod".to_string())].into(),
            auth_material: None,
        };
        let row = ReportRow::new(&listed, &detail, Vec::new(), &names);
        assert_eq!(row.destination_name.as_deref(), Some("Acme Home"));
        assert_eq!(row.connector_name.as_deref(), Some("Acme Cloud"));
        assert_eq!(row.state, AssociationState::Succeeded, "the fresher state");
        // An unknown destination: the id alone.
        let mut gone = detail.clone();
        gone.destination_id = "dest-gone".into();
        let row = ReportRow::new(&listed, &gone, Vec::new(), &names);
        assert_eq!((row.destination_name, row.connector_id), (None, None));
        // The consent URL is never part of a report.
        let json = render(
            &[ReportRow::new(&listed, &detail, Vec::new(), &names)],
            ReportFormat::Json,
        );
        assert!(!json.contains("secret.example"), "{json}");
    }

    #[test]
    fn json_has_the_api_member_names_and_the_thing_ids() {
        let json: serde_json::Value =
            serde_json::from_str(&render(&[row("aa-1", "Kitchen")], ReportFormat::Json)).unwrap();
        let item = &json[0];
        assert_eq!(item["AccountAssociationId"], "aa-1");
        assert_eq!(item["AssociationState"], "ASSOCIATION_SUCCEEDED");
        assert_eq!(item["ConnectorDestinationId"], "dest-1");
        assert_eq!(item["ConnectorDestinationName"], "Acme Home");
        assert_eq!(item["CloudConnectorName"], "Acme Cloud");
        assert_eq!(item["Tags"]["env"], "prod");
        assert_eq!(item["ManagedThingCount"], 2);
        assert_eq!(item["ManagedThings"][0]["ManagedThingId"], "mt-1");
        assert_eq!(
            item["ManagedThings"][1]["ManagedThingAssociationStatus"],
            "PRE_ASSOCIATED"
        );
    }

    #[test]
    fn csv_quotes_what_needs_it_and_sanitises() {
        let mut r = row("aa-1", "Kitchen, \"north\"");
        r.error_message = Some("bad\u{1b}[31m".into());
        let text = render(&[r], ReportFormat::Csv);
        let mut reader = ::csv::Reader::from_reader(text.as_bytes());
        assert_eq!(reader.headers().unwrap().len(), CSV_HEADER.len());
        let record = reader.records().next().unwrap().unwrap();
        assert_eq!(&record[2], "Kitchen, \"north\"");
        assert_eq!(&record[5], "bad␛[31m");
        assert_eq!(&record[10], "env=prod");
        assert_eq!(&record[11], "2");
        assert_eq!(&record[12], "mt-1;mt-2");
    }

    #[test]
    fn a_value_a_spreadsheet_would_run_is_written_as_text() {
        let mut r = row("aa-1", "Kitchen");
        r.description = "=HYPERLINK(\"https://evil.example\",\"open\")".into();
        r.error_message = Some("@SUM(1)".into());
        let text = render(&[r], ReportFormat::Csv);
        let record = ::csv::Reader::from_reader(text.as_bytes())
            .records()
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(&record[3], "'=HYPERLINK(\"https://evil.example\",\"open\")");
        assert_eq!(&record[5], "'@SUM(1)");
        assert_eq!(&record[2], "Kitchen");
    }

    #[test]
    fn the_table_aligns_columns_and_cuts_long_values() {
        let long = "A very long association name that goes on and on";
        let text = render(
            &[row("aa-1", long), row("aa-22", "短い名前")],
            ReportFormat::Table,
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].starts_with("ID "), "{text}");
        assert!(!text.contains(long) && text.contains("A very long association…"));
        // Every row's STATE starts in the same display column as the header's.
        let column = |line: &str| {
            let at = line
                .find("ASSOCIATION_SUCCEEDED")
                .or_else(|| line.find("STATE"))
                .unwrap();
            line[..at].width()
        };
        assert_eq!(column(lines[0]), column(lines[1]));
        assert_eq!(column(lines[0]), column(lines[2]));
        assert!(lines[1].contains("Acme Home") && lines[1].contains("env=prod"));
    }

    #[test]
    fn cut_respects_wide_characters() {
        assert_eq!(cut_to("abc", 3), "abc");
        assert_eq!(cut_to("abcdef", 4), "abc…");
        assert_eq!(cut_to("日本語です", 5), "日本…");
    }
}
