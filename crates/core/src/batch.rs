//! A batch file's rules: its two formats, what makes a row acceptable, and each row's
//! identity and ClientToken. Pure: the application reads the file, the flow's Batch step
//! (`flow::batch`) runs the rows.
//!
//! Formats:
//! - CSV with a header row naming some of `destination,name,description,tags,auth_material`
//!   (`destination` required; tags as `k=v;k2=v2`), read with the `csv` crate (quoting,
//!   embedded newlines and CRLF as RFC 4180 has them);
//! - JSON Lines, one `CreateAccountAssociation` request per line in the API's own shape (what
//!   `aws … create-account-association --cli-input-json` takes): `ConnectorDestinationId`,
//!   `Name`, `Description`, `Tags`, `GeneralAuthorization.AuthMaterialName`. A `ClientToken`
//!   member is refused: the batch derives every row's token itself, so a rerun can find it.

use std::collections::HashMap;
use std::fmt;

use serde::Deserialize;

use crate::draft::Draft;
use crate::flow::validate;
use crate::service::{CreateRequest, DestinationDetail, DestinationSummary};
use crate::text::sanitize;

/// One row of the file: where it is, and the draft it asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchRow {
    /// 1-based line of the file the row starts on.
    pub line: usize,
    pub draft: Draft,
}

/// Something wrong with the file or a row, with the line it is on (0: the file as a whole).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowProblem {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            0 => f.write_str(&self.message),
            line => write!(f, "line {line}: {}", self.message),
        }
    }
}

fn problem(line: usize, message: impl Into<String>) -> RowProblem {
    RowProblem {
        line,
        message: message.into(),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
}

impl Format {
    /// By the file's extension; otherwise by its first non-blank character (`{` is JSON).
    pub fn of(file_name: &str, text: &str) -> Format {
        let lower = file_name.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Format::Csv
        } else if [".jsonl", ".ndjson", ".json"]
            .iter()
            .any(|ext| lower.ends_with(ext))
            || text.trim_start().starts_with('{')
        {
            Format::JsonLines
        } else {
            Format::Csv
        }
    }
}

/// What reading a file found: the rows it could read, and the problems of its lines (in line
/// order). A line that cannot be read at all is not among the rows; one read in part (a bad
/// tag) is, so the rules can still say what else is wrong with it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedFile {
    pub rows: Vec<BatchRow>,
    pub problems: Vec<RowProblem>,
}

/// The file's rows and its lines' problems; Err: no row can be checked (a bad header row, or
/// no row read), with every problem.
pub fn parse(file_name: &str, text: &str) -> Result<ParsedFile, Vec<RowProblem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let parsed = match Format::of(file_name, text) {
        Format::Csv => parse_csv(text)?,
        Format::JsonLines => parse_json_lines(text),
    };
    if parsed.rows.is_empty() {
        return Err(if parsed.problems.is_empty() {
            vec![problem(0, "the file has no rows")]
        } else {
            parsed.problems
        });
    }
    Ok(parsed)
}

const CSV_COLUMNS: [&str; 5] = [
    "destination",
    "name",
    "description",
    "tags",
    "auth_material",
];

/// Err: the header row's problems (no row can be read without it).
fn parse_csv(text: &str) -> Result<ParsedFile, Vec<RowProblem>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| vec![problem(1, format!("the header row cannot be read: {e}"))])?
        .clone();
    let mut columns: HashMap<&str, usize> = HashMap::new();
    let mut problems = Vec::new();
    for (index, header) in headers.iter().enumerate() {
        let header = header.trim();
        match CSV_COLUMNS.iter().find(|c| c.eq_ignore_ascii_case(header)) {
            Some(column) if columns.insert(column, index).is_some() => {
                problems.push(problem(1, format!("column {column:?} is named twice")))
            }
            Some(_) => {}
            None => problems.push(problem(
                1,
                format!(
                    "unknown column {:?} (the columns are {})",
                    sanitize(header),
                    CSV_COLUMNS.join(",")
                ),
            )),
        }
    }
    if !columns.contains_key("destination") {
        problems.push(problem(
            1,
            format!(
                "the header row needs a destination column (the columns are {})",
                CSV_COLUMNS.join(",")
            ),
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map_or(0, |p| line_at(text, p.byte()));
                problems.push(problem(line, format!("not CSV: {error}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| line_at(text, p.byte()));
        if record.iter().all(|field| field.trim().is_empty()) {
            continue;
        }
        if record.len() > headers.len() {
            problems.push(problem(
                line,
                format!(
                    "{} fields where the header has {} (quote a value that holds a comma)",
                    record.len(),
                    headers.len()
                ),
            ));
            continue;
        }
        let field = |column: &str| {
            columns
                .get(column)
                .and_then(|&index| record.get(index))
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .map(str::to_owned)
        };
        // A bad pair is said; the row stays, with its good pairs, for the other checks.
        let tags = match field("tags") {
            Some(text) => {
                let (tags, malformed) = csv_tags(&text);
                if let Some(message) = malformed {
                    problems.push(problem(line, message));
                }
                tags
            }
            None => Vec::new(),
        };
        rows.push(BatchRow {
            line,
            draft: Draft {
                destination: field("destination"),
                name: field("name"),
                description: field("description"),
                tags,
                auth_material: field("auth_material"),
            },
        });
    }
    Ok(ParsedFile { rows, problems })
}

/// The 1-based line a record starts on, from its byte offset: the csv crate's own line count
/// skips blank lines, and its offset is where the blank lines before the record begin.
fn line_at(text: &str, byte: u64) -> usize {
    let start = (byte as usize).min(text.len());
    let end = start
        + text.as_bytes()[start..]
            .iter()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .count();
    memchr::memchr_iter(b'\n', &text.as_bytes()[..end]).count() + 1
}

/// `k=v;k2=v2`: every pair, and what is said of the pieces that are not one.
fn csv_tags(text: &str) -> (Vec<(String, String)>, Option<String>) {
    let mut tags = Vec::new();
    let mut malformed = Vec::new();
    for piece in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        match piece.split_once('=') {
            Some((key, value)) => tags.push((key.trim().to_owned(), value.trim().to_owned())),
            None => malformed.push(format!(
                "tag {:?} is not KEY=VALUE (tags are k=v;k2=v2)",
                sanitize(piece)
            )),
        }
    }
    let malformed = (!malformed.is_empty()).then(|| malformed.join("; "));
    (tags, malformed)
}

/// A line of JSON Lines: the members of CreateAccountAssociation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct JsonRow {
    connector_destination_id: Option<String>,
    name: Option<String>,
    description: Option<String>,
    #[serde(default)]
    tags: Option<serde_json::Map<String, serde_json::Value>>,
    general_authorization: Option<JsonMaterial>,
    client_token: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct JsonMaterial {
    auth_material_name: Option<String>,
}

fn parse_json_lines(text: &str) -> ParsedFile {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let parsed: JsonRow = match serde_json::from_str(raw) {
            Ok(parsed) => parsed,
            Err(error) => {
                problems.push(problem(
                    line,
                    format!(
                        "not a CreateAccountAssociation request: {}",
                        sanitize(&error.to_string())
                    ),
                ));
                continue;
            }
        };
        // Said, and the row kept: the rest of it is checked too.
        if parsed.client_token.is_some() {
            problems.push(problem(
                line,
                "ClientToken is not taken: the batch derives each row's token, so a rerun \
                 finds what it made",
            ));
        }
        let mut tags = Vec::new();
        for (key, value) in parsed.tags.unwrap_or_default() {
            match value {
                serde_json::Value::String(value) => tags.push((key, value)),
                other => problems.push(problem(
                    line,
                    format!(
                        "tag {:?}: the value must be a string, not {other}",
                        sanitize(&key)
                    ),
                )),
            }
        }
        rows.push(BatchRow {
            line,
            draft: Draft {
                destination: parsed.connector_destination_id,
                name: parsed.name,
                description: parsed.description.filter(|d| !d.is_empty()),
                tags,
                auth_material: parsed
                    .general_authorization
                    .and_then(|material| material.auth_material_name),
            },
        });
    }
    ParsedFile { rows, problems }
}

/// What tells a row's association apart on a rerun: its destination and name.
pub fn identity(row: &BatchRow) -> (&str, &str) {
    (
        row.draft.destination.as_deref().unwrap_or_default(),
        row.draft.name.as_deref().unwrap_or_default(),
    )
}

/// Every row against the service's rules, and rows that name the same association: all
/// problems, in line order.
pub fn row_problems(rows: &[BatchRow]) -> Vec<RowProblem> {
    let mut problems = Vec::new();
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    for row in rows {
        let draft = &row.draft;
        let Some(destination) = draft.destination.as_deref() else {
            problems.push(problem(row.line, "no destination"));
            continue;
        };
        let Some(name) = draft.name.as_deref() else {
            problems.push(problem(
                row.line,
                "no name: a batch row needs one, it is how a rerun tells its association apart",
            ));
            continue;
        };
        for error in validate::request_errors(
            destination,
            name,
            draft.description.as_deref().unwrap_or_default(),
            &draft.tags,
            draft.auth_material.as_deref(),
        ) {
            problems.push(problem(
                row.line,
                format!("{}: {}", error.field, error.message),
            ));
        }
        if let Some(first) = seen.insert(identity(row), row.line) {
            // Keep the first line as the one later duplicates point at.
            seen.insert(identity(row), first);
            problems.push(problem(
                row.line,
                format!(
                    "the same destination and name as line {first}: one association each, \
                     so a rerun can tell them apart"
                ),
            ));
        }
    }
    problems
}

/// Every row's destination against the account: listed, and able to take the row's auth
/// material (General Authorization destinations need one they offer; OAuth ones take none).
/// `details` holds GetConnectorDestination's answer for each destination listed.
pub fn destination_problems<'a>(
    rows: impl IntoIterator<Item = &'a BatchRow>,
    listed: &[DestinationSummary],
    details: &HashMap<String, DestinationDetail>,
) -> Vec<RowProblem> {
    let mut problems = Vec::new();
    for row in rows {
        let Some(id) = row.draft.destination.as_deref() else {
            continue;
        };
        if !listed.iter().any(|d| d.id == id) {
            problems.push(problem(
                row.line,
                format!("destination {:?} is not in this account", sanitize(id)),
            ));
            continue;
        }
        let Some(detail) = details.get(id) else {
            continue;
        };
        if let Some(reason) =
            validate::auth_material_problem(row.draft.auth_material.as_deref(), detail)
        {
            problems.push(problem(row.line, reason));
        } else if detail.uses_general_authorization() && row.draft.auth_material.is_none() {
            problems.push(problem(
                row.line,
                format!(
                    "the destination uses General Authorization: name its auth material \
                     (it offers: {})",
                    sanitize(&detail.auth_materials.join(", "))
                ),
            ));
        }
    }
    problems.sort_by_key(|p| p.line);
    problems
}

/// The distinct destinations the rows name, in first-use order.
pub fn destinations_named<'a>(rows: impl IntoIterator<Item = &'a BatchRow>) -> Vec<String> {
    let mut named: Vec<String> = Vec::new();
    for id in rows
        .into_iter()
        .filter_map(|r| r.draft.destination.as_deref())
    {
        if !named.iter().any(|n| n == id) {
            named.push(id.to_owned());
        }
    }
    named
}

/// The row's ClientToken: from the batch's journaled seed and the row's identity, so every
/// run of the file sends the same token for the same row and the service answers with the
/// association it already made.
pub fn row_token(seed: &str, row: &BatchRow) -> String {
    let (destination, name) = identity(row);
    crate::flow::token::association(seed, destination, name)
}

/// The request for a row (checked: it has a destination).
pub fn row_request(seed: &str, row: &BatchRow, general_authorization: bool) -> CreateRequest {
    row.draft.request(
        row_token(seed, row),
        row.draft.destination.clone().unwrap_or_default(),
        general_authorization,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "destination,name,description,tags,auth_material\n\
        dest-ga,Site 1,First site,env=prod;team=ops,key-1\n\
        dest-oauth,Site 2,,,\n\
        \n\
        dest-oauth,\"Site, 3\",\"Quoted, description\",a=1,\n";

    #[test]
    fn csv_rows_with_their_lines_tags_and_quoting() {
        let ParsedFile { rows, problems } = parse("fleet.csv", CSV).unwrap();
        assert_eq!(problems, []);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].line, 2);
        assert_eq!(
            rows[0].draft,
            Draft {
                destination: Some("dest-ga".into()),
                name: Some("Site 1".into()),
                description: Some("First site".into()),
                tags: vec![("env".into(), "prod".into()), ("team".into(), "ops".into())],
                auth_material: Some("key-1".into()),
            }
        );
        assert_eq!(rows[1].draft.description, None);
        assert_eq!(rows[1].draft.auth_material, None);
        assert_eq!(
            rows[2].line, 5,
            "the blank line is skipped, lines still count"
        );
        assert_eq!(rows[2].draft.name.as_deref(), Some("Site, 3"));
    }

    #[test]
    fn csv_header_problems_are_all_said() {
        let problems = parse("f.csv", "dest,name,colour\nx,y,z\n").unwrap_err();
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(
            text.iter().any(|p| p.contains("unknown column \"dest\"")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|p| p.contains("unknown column \"colour\"")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|p| p.contains("needs a destination column")),
            "{text:?}"
        );
        let bad_tags = parse("f.csv", "destination,name,tags\nd,n,a=1;oops\n").unwrap();
        assert_eq!(bad_tags.problems[0].line, 2);
        assert!(
            bad_tags.problems[0]
                .message
                .contains("\"oops\" is not KEY=VALUE")
        );
        assert_eq!(
            bad_tags.rows[0].draft.tags,
            [("a".to_owned(), "1".to_owned())],
            "the row stays, with its good pairs, for the other checks"
        );
    }

    #[test]
    fn json_lines_in_the_apis_request_shape() {
        let text = "{\"ConnectorDestinationId\":\"dest-ga\",\"Name\":\"A\",\"Tags\":{\"env\":\"prod\"},\
            \"GeneralAuthorization\":{\"AuthMaterialName\":\"key-1\"}}\n\
            \n\
            {\"ConnectorDestinationId\":\"dest-oauth\",\"Name\":\"B\",\"Description\":\"d\"}\n";
        let ParsedFile { rows, problems } = parse("rows.jsonl", text).unwrap();
        assert_eq!(problems, []);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].draft.auth_material.as_deref(), Some("key-1"));
        assert_eq!(rows[0].draft.tags, vec![("env".into(), "prod".into())]);
        assert_eq!(rows[1].line, 3);
        assert_eq!(rows[1].draft.description.as_deref(), Some("d"));
    }

    #[test]
    fn json_lines_problems_name_their_lines() {
        let text = "{\"ConnectorDestinationId\":\"d\",\"Name\":\"A\",\"ClientToken\":\"x\"}\n\
            {\"ConnectorDestinationId\":\"d\",\"Nmae\":\"typo\"}\n\
            not json\n\
            {\"ConnectorDestinationId\":\"d\",\"Name\":\"C\",\"Tags\":{\"n\":1}}\n";
        let ParsedFile { rows, problems } = parse("x.txt", text).unwrap();
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [1, 2, 3, 4]);
        let read: Vec<usize> = rows.iter().map(|r| r.line).collect();
        assert_eq!(read, [1, 4], "the lines that are not requests are left out");
        assert!(problems[0].message.contains("ClientToken"));
        assert!(
            problems[1].message.contains("Nmae"),
            "{}",
            problems[1].message
        );
    }

    #[test]
    fn a_line_that_cannot_be_read_is_left_out_and_the_others_are_kept() {
        let text = "destination,name,tags\n\
            d,A,\n\
            d,B,x=1,extra\n\
            d,C,ok=1;broken\n";
        let ParsedFile { rows, problems } = parse("f.csv", text).unwrap();
        let read: Vec<usize> = rows.iter().map(|r| r.line).collect();
        assert_eq!(read, [2, 4], "the line of too many fields is left out");
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [3, 4]);
        // With no row left, nothing more can be checked: the file is refused as it is.
        let unread = parse("f.csv", "destination,name\nd,A,extra\n").unwrap_err();
        assert_eq!(unread.len(), 1);
        assert_eq!(unread[0].line, 2);
        assert!(unread[0].message.contains("3 fields"), "{unread:?}");
    }

    fn row(line: usize, destination: &str, name: &str, material: Option<&str>) -> BatchRow {
        BatchRow {
            line,
            draft: Draft {
                destination: Some(destination.into()),
                name: Some(name.into()),
                auth_material: material.map(Into::into),
                ..Draft::default()
            },
        }
    }

    #[test]
    fn every_row_problem_at_once_with_duplicates_pointing_at_the_first() {
        let rows = vec![
            row(2, "dest-1", "A", None),
            row(3, "dest-1", "bad.name", None),
            row(4, "dest-1", "A", None),
            BatchRow {
                line: 5,
                draft: Draft {
                    destination: Some("dest-1".into()),
                    ..Draft::default()
                },
            },
            row(6, "dest-1", "A", None),
        ];
        let problems = row_problems(&rows);
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [3, 4, 5, 6], "{problems:?}");
        assert!(problems[1].message.contains("as line 2"));
        assert!(problems[3].message.contains("as line 2"));
        assert!(problems[2].message.contains("no name"));
    }

    fn detail(id: &str, materials: &[&str]) -> DestinationDetail {
        DestinationDetail {
            id: id.into(),
            auth_materials: materials.iter().map(|m| (*m).into()).collect(),
            has_oauth: materials.is_empty(),
            ..DestinationDetail::default()
        }
    }

    fn summary(id: &str) -> DestinationSummary {
        DestinationSummary {
            id: id.into(),
            ..DestinationSummary::default()
        }
    }

    #[test]
    fn destinations_against_the_account_and_their_auth() {
        let rows = vec![
            row(2, "ga", "A", Some("key-1")),
            row(3, "ga", "B", None),
            row(4, "ga", "C", Some("nope")),
            row(5, "oauth", "D", Some("key-1")),
            row(6, "gone", "E", None),
            row(7, "oauth", "F", None),
        ];
        let details = HashMap::from([
            ("ga".to_owned(), detail("ga", &["key-1"])),
            ("oauth".to_owned(), detail("oauth", &[])),
        ]);
        let problems = destination_problems(&rows, &[summary("ga"), summary("oauth")], &details);
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [3, 4, 5, 6], "{problems:?}");
        assert!(problems[0].message.contains("name its auth material"));
        assert!(problems[3].message.contains("not in this account"));
        assert_eq!(destinations_named(&rows), ["ga", "oauth", "gone"]);
    }

    #[test]
    fn a_rows_token_follows_its_identity_not_its_line() {
        let seed = "seed0123456789abcdef0123";
        let a = row(2, "dest", "A", None);
        let moved = row(40, "dest", "A", Some("key"));
        assert_eq!(row_token(seed, &a), row_token(seed, &moved));
        assert_ne!(
            row_token(seed, &a),
            row_token(seed, &row(2, "dest", "B", None))
        );
        assert_ne!(row_token(seed, &a), row_token("other-seed", &a));
        let request = row_request(seed, &moved, true);
        assert_eq!(request.client_token, row_token(seed, &a));
        assert_eq!(request.auth_material.as_deref(), Some("key"));
        assert_eq!(validate::client_token_error(&request.client_token), None);
    }
}
