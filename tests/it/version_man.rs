//! `--version` names the git commit it was built from (`build.rs`), and `man` prints a man
//! page made from the CLI definition.

use std::path::Path;
use std::process::{Command, Stdio};

use clap::CommandFactory;
use iotmi_onboard::cli::Cli;

use crate::common;

/// The build script itself, to run its commit lookup on prepared directories.
#[allow(dead_code)]
mod build_script {
    include!("../../build.rs");

    pub fn commit_of(dir: &std::path::Path) -> Option<String> {
        commit(dir)
    }
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn run(args: &[&str]) -> String {
    let out = common::bin::command()
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run binary");
    assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn version_names_the_commit_of_this_checkout() {
    let line = run(&["--version"]);
    let commit = line
        .trim()
        .strip_prefix(concat!(
            "iotmi-onboard ",
            env!("CARGO_PKG_VERSION"),
            " (commit "
        ))
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{line:?}"));
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    match git(manifest, &["rev-parse", "--short", "HEAD"]) {
        // Built and tested from a git checkout: cargo reruns build.rs when HEAD moves.
        Some(head) => {
            assert!(
                commit.len() >= 7 && commit.chars().all(|c| c.is_ascii_hexdigit()),
                "{line:?}"
            );
            assert_eq!(commit, head, "{line:?}");
        }
        None => assert_eq!(commit, "unknown", "{line:?}"),
    }
    assert_eq!(run(&["-V"]), line);
}

#[test]
fn build_script_says_unknown_outside_a_checkout_of_its_own() {
    let plain = tempfile::tempdir().expect("tempdir");
    assert_eq!(build_script::commit_of(plain.path()), None);
    if git(plain.path(), &["--version"]).is_none() {
        return; // No git here: the case above is all there is.
    }
    // A repository with one commit: its commit.
    let repo = plain.path().join("repo");
    std::fs::create_dir(&repo).expect("mkdir");
    let identity = [
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "-c",
        "commit.gpgsign=false",
    ];
    assert!(git(&repo, &["init", "-q"]).is_some());
    std::fs::write(repo.join("f"), "x").expect("write");
    assert!(git(&repo, &["add", "f"]).is_some());
    let commit_args: Vec<&str> = identity
        .iter()
        .copied()
        .chain(["commit", "-qm", "c"])
        .collect();
    assert!(git(&repo, &commit_args).is_some());
    let head = git(&repo, &["rev-parse", "--short", "HEAD"]).expect("head");
    assert_eq!(build_script::commit_of(&repo), Some(head));
    // A source tarball unpacked inside that repository is not its commit.
    let unpacked = repo.join("iotmi-onboard-0.1.0");
    std::fs::create_dir(&unpacked).expect("mkdir");
    assert_eq!(build_script::commit_of(&unpacked), None);
}

#[test]
fn man_page_renders_every_command() {
    let page = run(&["man"]);
    let title = page
        .lines()
        .find(|l| l.starts_with(".TH "))
        .unwrap_or_else(|| panic!("{page}"));
    assert!(title.starts_with(".TH iotmi-onboard 1"), "{title}");
    assert!(title.contains(env!("CARGO_PKG_VERSION")), "{title}");
    // Every command of the CLI definition, so a new one cannot be left out of the page.
    let commands: Vec<String> = Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    assert!(commands.len() >= 9, "{commands:?}");
    for command in commands {
        let heading = format!(".SH \"IOTMI-ONBOARD {}\"", command.to_uppercase());
        assert!(page.contains(&heading), "{heading}");
    }
    // Options under their command, as --help has them.
    assert!(page.contains("\\-\\-approve\\-after\\-ms"), "{page}");
    let help = run(&["man", "--help"]);
    assert!(
        help.contains("iotmi-onboard man > ~/.local/share/man/man1/iotmi-onboard.1"),
        "{help}"
    );
}
