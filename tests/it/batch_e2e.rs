//! `iotmi-onboard batch FILE` end to end: the real binary against the simulator, each run with
//! its own state directory (the batch journal), every outcome counted on the service through
//! the SDK (ListAccountAssociations, every page). A refused file makes nothing; a fixed one
//! makes one association per row; a `kill -9` and a rerun still make one per row; a throttling
//! service slows the batch without failing rows; a dry run makes nothing; results files are
//! private and hold consent URLs only when asked; JSON Lines in the API's shape; a second run
//! of the same file is refused while the first holds its journal.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_iotmanagedintegrations::types::{AccountAssociationItem, AssociationState};
use iotmi_simulator::SimConfig;

use crate::common;
use crate::common::bin::{endpoint_args, wizard_command};
use crate::common::e2e::{Sim, wait_until};

const GA: &str = "brightlight-api-key";
const GA_MATERIAL: &str = "api-key";
const OAUTH: &str = "acme-home-us";

/// Every association on the service, every page.
fn every_association(sim: &Sim) -> Vec<AccountAssociationItem> {
    let client = common::client(&sim.handle);
    let mut items = Vec::new();
    let mut next = None;
    loop {
        let out = sim
            .rt
            .block_on(
                client
                    .list_account_associations()
                    .set_next_token(next)
                    .send(),
            )
            .expect("ListAccountAssociations");
        items.extend(out.items().iter().cloned());
        match out.next_token() {
            Some(token) if !token.is_empty() => next = Some(token.to_owned()),
            _ => return items,
        }
    }
}

/// How many associations each name has on the service.
fn by_name(sim: &Sim) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for item in every_association(sim) {
        *counts
            .entry(item.name().unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    counts
}

/// What the service held before the test (the simulator's sample associations).
struct Before(BTreeMap<String, usize>);

impl Before {
    fn of(sim: &Sim) -> Self {
        Self(by_name(sim))
    }

    /// Associations made since, by name.
    fn made(&self, sim: &Sim) -> BTreeMap<String, usize> {
        let mut counts = by_name(sim);
        for (name, before) in &self.0 {
            let now = counts.get(name).copied().unwrap_or(0);
            assert!(now >= *before, "{name:?} was deleted");
            if now == *before {
                counts.remove(name);
            } else {
                counts.insert(name.clone(), now - before);
            }
        }
        counts
    }

    fn assert_none_made(&self, sim: &Sim) {
        assert_eq!(self.made(sim), BTreeMap::new(), "nothing made");
    }

    /// Exactly one association was made for each of `names`, and nothing else.
    fn assert_one_each(&self, sim: &Sim, names: &[String]) {
        let made = self.made(sim);
        let twice: Vec<_> = made.iter().filter(|(_, n)| **n > 1).collect();
        assert!(twice.is_empty(), "made more than once: {twice:?}");
        let made: Vec<&String> = made.keys().collect();
        let mut wanted: Vec<&String> = names.iter().collect();
        wanted.sort();
        assert_eq!(made, wanted, "the associations made are the file's rows");
    }
}

/// `rows` GA rows named `{prefix}-N`; every `oauth_every`th one (if any) on the OAuth
/// destination instead. The CSV's text and the names, in order.
fn csv_file(prefix: &str, rows: usize, oauth_every: Option<usize>) -> (String, Vec<String>) {
    let mut text = String::from("destination,name,description,tags,auth_material\n");
    let mut names = Vec::new();
    for n in 1..=rows {
        let name = format!("{prefix}-{n}");
        if oauth_every.is_some_and(|every| n % every == 0) {
            text.push_str(&format!("{OAUTH},{name},row {n},team=ops,\n"));
        } else {
            text.push_str(&format!(
                "{GA},{name},row {n},team=ops;row={n},{GA_MATERIAL}\n"
            ));
        }
        names.push(name);
    }
    (text, names)
}

struct Run {
    dir: tempfile::TempDir,
    state: PathBuf,
}

impl Run {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        Self { dir, state }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn args(&self, sim: &Sim, file: &Path, extra: &[&str]) -> Vec<String> {
        let mut args = vec!["batch".to_owned(), file.display().to_string()];
        args.extend(endpoint_args(&sim.endpoint()));
        args.extend(extra.iter().map(|a| a.to_string()));
        args
    }

    /// Runs the batch to its end.
    fn batch(&self, sim: &Sim, file: &Path, extra: &[&str]) -> Output {
        let args = self.args(sim, file, extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let child = wizard_command(&self.state, &args)
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn");
        child.wait_with_output().expect("wait")
    }

    /// Starts the batch, its stdout and stderr going to `{label}.out` and `{label}.err`.
    fn spawn(&self, sim: &Sim, file: &Path, label: &str) -> Child {
        let args = self.args(sim, file, &[]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = std::fs::File::create(self.path(&format!("{label}.out"))).unwrap();
        let err = std::fs::File::create(self.path(&format!("{label}.err"))).unwrap();
        wizard_command(&self.state, &args)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("spawn")
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A finished run's exit status, with its stderr when it is not `want`.
fn assert_exit(output: &Output, want: i32) {
    assert_eq!(
        output.status.code(),
        Some(want),
        "exit status; stderr:\n{}",
        stderr(output)
    );
}

#[test]
fn a_300_row_file_with_two_bad_rows_is_refused_whole_and_fixed_makes_one_per_row() {
    let started = Instant::now();
    let sim = Sim::start(50);
    let run = Run::new();
    let before = Before::of(&sim);
    let (good, names) = csv_file("fleet", 300, Some(6));
    // Line 58 (row 57) breaks the service's name rules; line 212 (row 211) names a
    // destination the account does not have: both are reported, in one run.
    let bad = good
        .replace(&format!("{GA},fleet-57,"), &format!("{GA},fleet.57 (bad),"))
        .replace(
            &format!("{GA},fleet-211,"),
            "no-such-destination,fleet-211,",
        );
    assert_ne!(bad, good);
    let file = run.write("fleet.csv", &bad);

    let refused = run.batch(&sim, &file, &[]);
    assert_exit(&refused, 2);
    let said = stderr(&refused);
    assert!(said.contains("line 58:"), "{said}");
    assert!(said.contains("line 212:"), "{said}");
    assert!(said.contains("no-such-destination"), "{said}");
    before.assert_none_made(&sim);

    std::fs::write(&file, &good).unwrap();
    let made = run.batch(&sim, &file, &[]);
    assert_exit(&made, 0);
    assert!(
        stderr(&made).contains("300 rows: "),
        "the summary: {}",
        stderr(&made)
    );
    before.assert_one_each(&sim, &names);
    let oauth = every_association(&sim)
        .into_iter()
        .filter(|a| a.name().is_some_and(|n| n.starts_with("fleet-")))
        .filter(|a| a.connector_destination_id() == Some(OAUTH))
        .count();
    assert_eq!(oauth, 50, "every 6th row is an OAuth row");
    eprintln!(
        "300-row batch test: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// The `error: line N:` lines of a refused run, in the order said.
fn problem_lines(output: &Output) -> Vec<usize> {
    stderr(output)
        .lines()
        .filter_map(|line| line.strip_prefix("error: line "))
        .filter_map(|rest| rest.split(':').next()?.parse().ok())
        .collect()
}

#[test]
fn lines_that_cannot_be_read_are_refused_in_one_run_with_every_other_problem() {
    let sim = Sim::start(50);
    let run = Run::new();
    let before = Before::of(&sim);
    let csv = format!(
        "destination,name,description,tags,auth_material\n\
         {GA},every-1,,,{GA_MATERIAL}\n\
         {GA},every.2,,,{GA_MATERIAL}\n\
         nope,every-3,,,\n\
         {GA},every-1,,,{GA_MATERIAL}\n\
         {OAUTH},every-4,,,{GA_MATERIAL}\n\
         {GA},every-5,,a=1;broken,{GA_MATERIAL}\n\
         {GA},every-6,,,no-such-material\n\
         {GA},,,,{GA_MATERIAL}\n\
         {GA},every-7,d,t=1,{GA_MATERIAL},extra\n"
    );
    let refused = run.batch(&sim, &run.write("every.csv", &csv), &[]);
    assert_exit(&refused, 2);
    assert_eq!(problem_lines(&refused), (3..=10).collect::<Vec<_>>());
    let said = stderr(&refused);
    for expected in [
        "line 3: name:",
        "line 4: destination \"nope\" is not in this account",
        "line 5: the same destination and name as line 2",
        "line 6: the destination uses OAuth consent",
        "line 7: tag \"broken\" is not KEY=VALUE",
        "line 8: the destination offers no auth material \"no-such-material\"",
        "line 9: no name",
        "line 10: 6 fields where the header has 5",
        "The file was refused: 8 problems.",
    ] {
        assert!(said.contains(expected), "{expected:?} in:\n{said}");
    }
    before.assert_none_made(&sim);

    let ga = |name: &str| {
        serde_json::json!({
            "ConnectorDestinationId": GA,
            "Name": name,
            "GeneralAuthorization": {"AuthMaterialName": GA_MATERIAL},
        })
        .to_string()
    };
    let jsonl = [
        ga("every-1"),
        ga("every.2"),
        serde_json::json!({"ConnectorDestinationId": "nope", "Name": "every-3"}).to_string(),
        ga("every-1"),
        serde_json::json!({"ConnectorDestinationId": GA, "Name": "every-4", "Tags": {"n": 1},
            "GeneralAuthorization": {"AuthMaterialName": GA_MATERIAL}})
        .to_string(),
        "{\"ConnectorDestinationId\": not json".to_owned(),
        serde_json::json!({"ConnectorDestinationId": OAUTH}).to_string(),
    ]
    .join("\n");
    let refused = run.batch(&sim, &run.write("every.jsonl", &jsonl), &[]);
    assert_exit(&refused, 2);
    assert_eq!(
        problem_lines(&refused),
        [2, 3, 4, 5, 6, 7],
        "{}",
        stderr(&refused)
    );
    let said = stderr(&refused);
    assert!(said.contains("line 5: tag \"n\""), "{said}");
    assert!(
        said.contains("line 6: not a CreateAccountAssociation request"),
        "{said}"
    );
    assert!(said.contains("line 7: no name"), "{said}");
    before.assert_none_made(&sim);
}

#[test]
fn a_kill_half_way_and_a_rerun_leave_one_association_per_row() {
    let started = Instant::now();
    // Slow replies: the run takes seconds, so the kill lands half-way.
    let sim = Sim::with(SimConfig {
        latency_ms: 150,
        ..common::config()
    });
    let run = Run::new();
    let before = Before::of(&sim);
    let (text, names) = csv_file("resume", 60, Some(5));
    let file = run.write("resume.csv", &text);

    let mut first = run.spawn(&sim, &file, "first");
    wait_until("some rows exist", || before.made(&sim).len() >= 10);
    first.kill().expect("kill -9");
    first.wait().unwrap();
    let at_kill = before.made(&sim).len();
    assert!(
        at_kill < names.len(),
        "killed half-way: {at_kill} of {} made",
        names.len()
    );

    let rerun = run.batch(&sim, &file, &["--output", "json"]);
    assert_exit(&rerun, 0);
    before.assert_one_each(&sim, &names);
    let rows: serde_json::Value = serde_json::from_str(&stdout(&rerun)).expect("JSON rows");
    let rows = rows.as_array().expect("an array of rows");
    assert_eq!(rows.len(), names.len());
    let already = rows
        .iter()
        .filter(|row| row["AlreadyCreated"] == serde_json::Value::Bool(true))
        .count();
    // The journal is written every quarter second: what the kill took from it is found again
    // by the rows' ClientTokens (made once, but not reported as earlier).
    assert!(
        (1..=at_kill).contains(&already),
        "rows the first run made are reported as such: {already} (at the kill: {at_kill})"
    );
    let said = stderr(&rerun);
    assert!(said.contains("(made by an earlier run)"), "{said}");
    assert!(
        said.contains(&format!("({already} made by an earlier run)")),
        "the summary counts them: {said}"
    );
    eprintln!(
        "kill-and-rerun test: {:.1} s ({at_kill} made at the kill, {already} reported as earlier)",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn under_throttling_every_row_succeeds_and_the_rate_line_shows_the_backoff() {
    let started = Instant::now();
    let sim = Sim::with(SimConfig {
        throttle_every: 3,
        ..common::config()
    });
    let run = Run::new();
    let before = Before::of(&sim);
    let (text, names) = csv_file("throttled", 40, None);
    let file = run.write("throttled.csv", &text);

    // Without --wait (a third of the polls would be throttled too, tripling the time): every
    // row is made, and the service approves General Authorization rows on its own.
    let output = run.batch(&sim, &file, &[]);
    assert_exit(&output, 0);
    let said = stderr(&output);
    assert!(
        said.contains("40 rows: ") && said.contains(", 0 failed;"),
        "{said}"
    );
    assert!(
        said.lines()
            .any(|l| l.starts_with("rate: ") && l.contains("throttled, backed off")),
        "the rate line shows the backoff: {said}"
    );
    before.assert_one_each(&sim, &names);
    wait_until("every row's association succeeds", || {
        every_association(&sim)
            .iter()
            .filter(|a| a.name().is_some_and(|n| n.starts_with("throttled-")))
            .all(|a| a.association_state() == &AssociationState::AssociationSucceeded)
    });
    eprintln!(
        "throttled batch test: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn a_dry_run_makes_nothing_and_results_files_are_private_without_consent_urls() {
    let sim = Sim::start(50);
    let run = Run::new();
    let before = Before::of(&sim);
    let (text, names) = csv_file("results", 6, Some(3));
    let file = run.write("results.csv", &text);

    let dry = run.batch(&sim, &file, &["--dry-run"]);
    assert_exit(&dry, 0);
    assert!(
        stderr(&dry).contains("6 associations would be created"),
        "{}",
        stderr(&dry)
    );
    before.assert_none_made(&sim);

    // A results path that is a link is refused before anything is made.
    let target = run.path("elsewhere.csv");
    let link = run.path("link.csv");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let linked = run.batch(&sim, &file, &["--results", link.to_str().unwrap()]);
    assert_exit(&linked, 2);
    assert!(
        stderr(&linked).contains("symbolic link"),
        "{}",
        stderr(&linked)
    );
    assert!(!target.exists(), "nothing written through the link");
    before.assert_none_made(&sim);

    let csv = run.path("out.csv");
    let made = run.batch(&sim, &file, &["--results", csv.to_str().unwrap()]);
    assert_exit(&made, 0);
    before.assert_one_each(&sim, &names);
    let jsonl = run.path("out.jsonl");
    let again = run.batch(&sim, &file, &["--results", jsonl.to_str().unwrap()]);
    assert_exit(&again, 0);
    before.assert_one_each(&sim, &names);

    let private = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(private(&csv), 0o600);
    assert_eq!(private(&jsonl), 0o600);
    let csv_text = std::fs::read_to_string(&csv).unwrap();
    let jsonl_text = std::fs::read_to_string(&jsonl).unwrap();
    assert_eq!(
        csv_text.lines().count(),
        1 + names.len(),
        "a header, a line a row"
    );
    assert_eq!(jsonl_text.lines().count(), names.len(), "a line a row");
    for text in [&csv_text, &jsonl_text] {
        assert!(!text.contains("oauth/authorize"), "no consent URL:\n{text}");
    }
    for line in jsonl_text.lines() {
        let row: serde_json::Value = serde_json::from_str(line).expect("JSON");
        assert_eq!(
            row["AlreadyCreated"], true,
            "the second run made none: {line}"
        );
        assert!(row.get("OAuthAuthorizationUrl").is_none(), "{line}");
    }

    let with_urls = run.path("urls.jsonl");
    let asked = run.batch(
        &sim,
        &file,
        &[
            "--results",
            with_urls.to_str().unwrap(),
            "--with-consent-urls",
        ],
    );
    assert_exit(&asked, 0);
    let urls = std::fs::read_to_string(&with_urls).unwrap();
    assert_eq!(
        urls.matches("oauth/authorize").count(),
        2,
        "the two OAuth rows' consent URLs, when asked:\n{urls}"
    );
    assert_eq!(private(&with_urls), 0o600);
    before.assert_one_each(&sim, &names);
}

#[test]
fn json_lines_in_the_apis_shape_are_made_and_a_client_token_is_refused_with_its_line() {
    let sim = Sim::start(50);
    let run = Run::new();
    let before = Before::of(&sim);
    let rows = [
        serde_json::json!({
            "ConnectorDestinationId": GA,
            "Name": "jsonl-1",
            "Description": "first of the fleet",
            "Tags": {"team": "ops"},
            "GeneralAuthorization": {"AuthMaterialName": GA_MATERIAL},
        }),
        serde_json::json!({"ConnectorDestinationId": OAUTH, "Name": "jsonl-2"}),
        serde_json::json!({
            "ConnectorDestinationId": GA,
            "Name": "jsonl-3",
            "GeneralAuthorization": {"AuthMaterialName": GA_MATERIAL},
        }),
    ];
    let text: String = rows.iter().map(|row| format!("{row}\n")).collect();

    let mut tokened = rows.clone();
    tokened[1]["ClientToken"] = "my-own-token".into();
    let tokened: String = tokened.iter().map(|row| format!("{row}\n")).collect();
    let refused_file = run.write("tokened.jsonl", &tokened);
    let refused = run.batch(&sim, &refused_file, &[]);
    assert_exit(&refused, 2);
    assert!(
        stderr(&refused).contains("line 2: ClientToken"),
        "{}",
        stderr(&refused)
    );
    before.assert_none_made(&sim);

    let file = run.write("fleet.jsonl", &text);
    let made = run.batch(&sim, &file, &[]);
    assert_exit(&made, 0);
    let names: Vec<String> = (1..=3).map(|n| format!("jsonl-{n}")).collect();
    before.assert_one_each(&sim, &names);
    let first = every_association(&sim)
        .into_iter()
        .find(|a| a.name() == Some("jsonl-1"))
        .unwrap();
    assert_eq!(first.connector_destination_id(), Some(GA));
    assert_eq!(first.description(), Some("first of the fleet"));
}

#[test]
fn a_second_run_of_the_same_file_is_refused_while_the_first_runs() {
    let sim = Sim::with(SimConfig {
        latency_ms: 200,
        ..common::config()
    });
    let run = Run::new();
    let before = Before::of(&sim);
    let (text, names) = csv_file("locked", 30, None);
    let file = run.write("locked.csv", &text);

    let mut first = run.spawn(&sim, &file, "first");
    wait_until("the first run makes rows", || !before.made(&sim).is_empty());
    let second = run.batch(&sim, &file, &[]);
    let still_running = first.try_wait().unwrap().is_none();
    assert_exit(&second, 1);
    assert!(
        stderr(&second).contains("another run of"),
        "{}",
        stderr(&second)
    );
    assert!(still_running, "refused while the first ran");

    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = first.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the first run ends");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(
        status.code(),
        Some(0),
        "{}",
        std::fs::read_to_string(run.path("first.err")).unwrap()
    );
    before.assert_one_each(&sim, &names);
}

#[test]
fn a_moved_file_and_another_file_with_the_same_rows_make_nothing_twice() {
    let sim = Sim::start(0);
    let before = Before::of(&sim);
    let run = Run::new();
    let (text, names) = csv_file("moved", 12, None);
    let file = run.write("fleet.csv", &text);
    assert_exit(&run.batch(&sim, &file, &[]), 0);
    before.assert_one_each(&sim, &names);

    // Renamed (as a tidy-up would), then run again: the same rows, not a new batch.
    let moved = run.path("fleet-2026.csv");
    std::fs::rename(&file, &moved).unwrap();
    assert_exit(&run.batch(&sim, &moved, &[]), 0);
    before.assert_one_each(&sim, &names);

    // Half its rows in another file with rows of its own: only the new rows are made.
    let (more, more_names) = csv_file("extra", 4, None);
    let mut mixed = String::from("destination,name,description,tags,auth_material\n");
    for line in text.lines().skip(1).take(6).chain(more.lines().skip(1)) {
        mixed.push_str(line);
        mixed.push('\n');
    }
    let other = run.write("other.csv", &mixed);
    assert_exit(&run.batch(&sim, &other, &[]), 0);
    let all: Vec<String> = names.iter().chain(&more_names).cloned().collect();
    before.assert_one_each(&sim, &all);
}
