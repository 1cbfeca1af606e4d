//! One exit-status table: a failed association exits the same (3, FAILED) from plain mode as
//! from `create --wait` (the full-screen wizard's is checked in wizard_e2e and presenter_e2e).

use std::io::Write;
use std::process::Output;

use crate::common::bin::wizard_command as command;
use crate::common::e2e::{Sim, wizard_args, write_browser};

fn run(mut command: std::process::Command, answers: &str) -> Output {
    let mut child = command.spawn().expect("spawn");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(answers.as_bytes()).expect("answers");
    drop(stdin);
    child.wait_with_output().expect("wait")
}

#[test]
fn a_denied_association_exits_3_from_plain_mode_as_from_create_wait() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let (browser, _) = write_browser(dir.path(), "deny");

    let args = wizard_args(&sim, &["--plain", "--browser-command", &browser]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(
        command(dir.path(), &args),
        "acme us\n1\nPlain denied\n\n\ny\n\n",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("denied"), "{stderr}");
    assert_eq!(out.status.code(), Some(3), "plain mode: {stderr}");

    let mut create = wizard_args(
        &sim,
        &[
            "--destination",
            "acme-home-us",
            "--name",
            "Create denied",
            "--browser-command",
            &browser,
            "--wait",
        ],
    );
    create.insert(0, "create".into());
    let create: Vec<&str> = create.iter().map(String::as_str).collect();
    let out = run(command(dir.path(), &create), "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "create --wait: {stderr}");
}
