//! `iotmi-onboard report` and Manage's `w` against the simulator, checked on the service side
//! through the SDK: every association with its state, destination, tags and managed things.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::process::{Output, Stdio};

use aws_sdk_iotmanagedintegrations::types::GeneralAuthorizationName;

use crate::common;
use crate::common::e2e::{Sim, wizard_args};
use crate::common::pty::{Spawn, Tui};

fn report(sim: &Sim, dir: &std::path::Path, args: &[&str]) -> Output {
    let out = common::bin::command()
        .arg("report")
        .args(args)
        .args(common::bin::endpoint_args(&sim.endpoint()))
        .stdin(Stdio::null())
        .env("NO_PROXY", "127.0.0.1")
        .env("XDG_STATE_HOME", dir)
        .output()
        .expect("run the binary");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn json(out: &Output) -> Vec<serde_json::Value> {
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .expect("JSON on stdout")
        .as_array()
        .expect("an array")
        .clone()
}

/// A General Authorization association (it succeeds at once) with tags: its id.
fn create_tagged(sim: &Sim, name: &str, tags: &[(&str, &str)]) -> String {
    let client = common::client(&sim.handle);
    let mut request = client
        .create_account_association()
        .connector_destination_id("brightlight-api-key")
        .name(name)
        .general_authorization(
            GeneralAuthorizationName::builder()
                .auth_material_name("api-key")
                .build(),
        );
    for (k, v) in tags {
        request = request.tags(*k, *v);
    }
    let out = sim.rt.block_on(request.send()).expect("create");
    out.account_association_id().to_owned()
}

fn succeeded(sim: &Sim, id: &str) {
    common::e2e::wait_until("the association to succeed", || {
        sim.associations().iter().any(|a| {
            a.account_association_id() == id
                && a.association_state().as_str() == "ASSOCIATION_SUCCEEDED"
        })
    });
}

#[test]
fn report_json_agrees_with_the_service_for_every_association() {
    let sim = Sim::with(iotmi_simulator::SimConfig {
        discovery_ms: 100,
        ..common::config()
    });
    let dir = tempfile::tempdir().unwrap();
    let with_things = create_tagged(&sim, "Report lights", &[("env", "prod"), ("site", "north")]);
    let without = create_tagged(&sim, "Report spare", &[("env", "test")]);
    // An OAuth one, left in progress.
    let client = common::client(&sim.handle);
    let (waiting, _) = sim.rt.block_on(common::create_association(
        &client,
        "acme-home-us",
        "Report waiting",
    ));
    succeeded(&sim, &with_things);
    // Its devices adopted: managed things registered to it.
    let adopt = common::bin::command()
        .args(["discover", &with_things, "--wait", "--adopt", "all"])
        .args(common::bin::endpoint_args(&sim.endpoint()))
        .stdin(Stdio::null())
        .env("NO_PROXY", "127.0.0.1")
        .env("XDG_STATE_HOME", dir.path())
        .output()
        .unwrap();
    assert!(
        adopt.status.success(),
        "{}",
        String::from_utf8_lossy(&adopt.stderr)
    );
    assert!(!sim.registered(&with_things).is_empty());

    let out = report(&sim, dir.path(), &["--output", "json"]);
    let items = json(&out);
    let by_id: BTreeMap<String, &serde_json::Value> = items
        .iter()
        .map(|i| (i["AccountAssociationId"].as_str().unwrap().to_owned(), i))
        .collect();
    let listed = sim.associations();
    assert_eq!(
        by_id.keys().cloned().collect::<BTreeSet<_>>(),
        listed
            .iter()
            .map(|a| a.account_association_id().to_owned())
            .collect::<BTreeSet<_>>(),
        "every association of ListAccountAssociations, once"
    );
    assert_eq!(items.len(), listed.len());
    for association in &listed {
        let id = association.account_association_id();
        let item = by_id[id];
        assert_eq!(
            item["AssociationState"],
            association.association_state().as_str(),
            "{id}"
        );
        assert_eq!(item["Name"], association.name().unwrap_or_default(), "{id}");
        assert_eq!(
            item["ConnectorDestinationId"],
            association.connector_destination_id().unwrap_or_default(),
            "{id}"
        );
        let things: BTreeSet<String> = item["ManagedThings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["ManagedThingId"].as_str().unwrap().to_owned())
            .collect();
        let registered: BTreeSet<String> = sim.registered(id).into_iter().collect();
        assert_eq!(
            things, registered,
            "ListManagedThingAccountAssociations of {id}"
        );
        assert_eq!(item["ManagedThingCount"], registered.len(), "{id}");
    }
    let lights = by_id[&with_things];
    assert_eq!(
        lights["Tags"],
        serde_json::json!({"env": "prod", "site": "north"})
    );
    assert_eq!(lights["ConnectorDestinationName"], "BrightLight API key");
    assert_eq!(lights["CloudConnectorName"], "BrightLight Hub");
    assert_eq!(by_id[&without]["Tags"], serde_json::json!({"env": "test"}));
    assert_eq!(by_id[&without]["ManagedThingCount"], 0);
    assert_eq!(
        by_id[&waiting]["AssociationState"],
        "ASSOCIATION_IN_PROGRESS"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("Reported {} association(s)", listed.len())),
        "{stderr}"
    );

    // The table: one line per association under a header, ids whole.
    let table = report(&sim, dir.path(), &[]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert_eq!(text.lines().count(), listed.len() + 1, "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with(&with_things) && l.contains("env=prod")),
        "{text}"
    );
}

#[test]
fn report_filter_keeps_what_list_filter_keeps() {
    let sim = Sim::start(50);
    let dir = tempfile::tempdir().unwrap();
    create_tagged(&sim, "Filter north kitchen", &[]);
    create_tagged(&sim, "Filter south kitchen", &[]);
    create_tagged(&sim, "Filter garage", &[]);
    for filter in [
        "kitchen",
        "filter",
        "FILTER NORTH",
        "expired",
        "no-such-thing",
    ] {
        let list = common::bin::command()
            .args([
                "list",
                "associations",
                "--output",
                "json",
                "--filter",
                filter,
            ])
            .args(common::bin::endpoint_args(&sim.endpoint()))
            .stdin(Stdio::null())
            .env("NO_PROXY", "127.0.0.1")
            .output()
            .unwrap();
        assert!(list.status.success());
        let listed: BTreeSet<String> = json(&list)
            .iter()
            .map(|i| i["AccountAssociationId"].as_str().unwrap().to_owned())
            .collect();
        let csv = report(&sim, dir.path(), &["--filter", filter, "--output", "csv"]);
        let mut reader = csv::Reader::from_reader(&csv.stdout[..]);
        let reported: BTreeSet<String> =
            reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
        assert_eq!(reported, listed, "--filter {filter:?}");
    }
    let kitchens = report(
        &sim,
        dir.path(),
        &["--filter", "kitchen", "--output", "json"],
    );
    assert_eq!(json(&kitchens).len(), 2);
}

#[test]
fn manage_w_writes_the_report_of_the_rows_shown_to_a_new_0600_file() {
    let sim = Sim::start(50);
    let dir = tempfile::tempdir().unwrap();
    let first = create_tagged(&sim, "Shown kitchen", &[("env", "prod")]);
    let second = create_tagged(&sim, "Shown garage", &[]);
    let tui = Tui::spawn(
        dir.path(),
        Spawn::new(&wizard_args(&sim, &["--manage"])).size(200, 30),
    );
    tui.wait_for("Manage account associations");
    tui.wait_for("Shown garage");
    let mut tui = tui;
    tui.send(b"/");
    tui.wait_until("the filter focused", |tui| {
        !tui.screen().contains("/ filter")
    });
    tui.send(b"shown");
    tui.send(b"\r");
    // Two of the four listed (the fixtures hold two more) are shown.
    tui.wait_for("Filter (/) 2/4 ");
    tui.send(b"w");
    tui.wait_for("Report of 2 association(s) written to");
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("iotmi-report-")
        })
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let mut reader = csv::Reader::from_path(&files[0]).unwrap();
    let ids: BTreeSet<String> = reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
    assert_eq!(
        ids,
        BTreeSet::from([first, second]),
        "the rows shown, no other"
    );
    // A second `w` writes a second file, never over the first.
    tui.send(b"w");
    tui.wait_until("a second report", |_| {
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with("iotmi-report-")
            })
            .count()
            == 2
    });
    tui.send(b"q");
    assert_eq!(tui.wait_exit(), 0);
}
