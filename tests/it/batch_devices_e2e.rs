//! `batch FILE --adopt all`: the Devices step per succeeded row, checked on the service side
//! (RegisterAccountAssociation through ListManagedThingAccountAssociations); a rerun adopts
//! nothing twice and ends (it used to wait for ever once every device found was managed).

use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use crate::common;
use crate::common::e2e::Sim;

fn batch(sim: &Sim, dir: &std::path::Path, file: &std::path::Path, args: &[&str]) -> Output {
    let mut child = common::bin::command()
        .arg("batch")
        .arg(file)
        .args(args)
        .args(common::bin::endpoint_args(&sim.endpoint()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("NO_PROXY", "127.0.0.1")
        .env("XDG_STATE_HOME", dir)
        .spawn()
        .expect("run the binary");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("batch did not end within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("output")
}

#[test]
fn adopt_all_adopts_each_rows_devices_once_and_a_rerun_ends_with_nothing_new() {
    let sim = Sim::start(0);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fleet.csv");
    std::fs::write(
        &file,
        "destination,name,auth_material\n\
         brightlight-api-key,Devices A,api-key\n\
         brightlight-api-key,Devices B,api-key\n",
    )
    .unwrap();
    let results = dir.path().join("results.jsonl");
    let first = batch(
        &sim,
        dir.path(),
        &file,
        &["--adopt", "all", "--results", results.to_str().unwrap()],
    );
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert_eq!(first.status.code(), Some(0), "{stderr}");
    let mut adopted = Vec::new();
    for name in ["Devices A", "Devices B"] {
        let things = sim.registered(&sim.id_of(name));
        assert!(!things.is_empty(), "{name}: nothing registered\n{stderr}");
        adopted.push(things.len());
    }
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&results)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for (record, count) in records.iter().zip(&adopted) {
        assert_eq!(record["DevicesAdopted"], *count, "{record}");
        assert_eq!(record["AssociationState"], "ASSOCIATION_SUCCEEDED");
    }

    // The rerun: the same discoveries (the same tokens), every device managed already.
    let again = batch(&sim, dir.path(), &file, &["--adopt", "all"]);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("0 adopted"), "{stderr}");
    assert!(stderr.contains("made by an earlier run"), "{stderr}");
    for (name, count) in ["Devices A", "Devices B"].iter().zip(&adopted) {
        assert_eq!(
            sim.registered(&sim.id_of(name)).len(),
            *count,
            "{name}: adopted twice"
        );
    }
    assert_eq!(sim.associations().len(), 4, "2 seeded + 2 rows, none twice");
}
