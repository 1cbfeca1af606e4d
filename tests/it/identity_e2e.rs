//! Whose account it is, resolved like the AWS CLI: a named profile that does not exist is an
//! error before any call (even with keys in the environment, which the SDK would fall back to);
//! the header names the profile and where its credentials come from; a profile without a
//! region gets a message about the region.

use std::process::{Output, Stdio};

use crate::common;
use crate::common::e2e::Sim;
use crate::common::pty::{Spawn, Tui};

const CONFIG: &str = "\
[profile ops]
region = us-east-1
aws_access_key_id = AKIDPROFILE
aws_secret_access_key = from-the-profile

[profile noregion]
aws_access_key_id = AKIDNOREGION
aws_secret_access_key = s
";

fn config_file(dir: &std::path::Path) -> String {
    let path = dir.join("config");
    std::fs::write(&path, CONFIG).unwrap();
    path.to_string_lossy().into_owned()
}

/// The real binary with keys in the environment (as `common::bin` sets them) and `config`.
fn run(dir: &std::path::Path, args: &[&str]) -> Output {
    common::bin::command()
        .args(args)
        .env("AWS_CONFIG_FILE", config_file(dir))
        .env("XDG_STATE_HOME", dir)
        .env("NO_PROXY", "127.0.0.1")
        .stdin(Stdio::null())
        .output()
        .expect("run")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_named_profile_that_does_not_exist_is_an_error_for_the_wizard_and_list() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let endpoint = sim.endpoint();
    for args in [
        vec!["--profile", "nosuch", "--endpoint-url", &endpoint],
        vec![
            "--profile",
            "nosuch",
            "--plain",
            "--endpoint-url",
            &endpoint,
        ],
        vec![
            "list",
            "associations",
            "--profile",
            "nosuch",
            "--endpoint-url",
            &endpoint,
        ],
    ] {
        let out = run(dir.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("the config profile (nosuch) could not be found"),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(out.stdout.is_empty(), "no data from the environment's keys");
    }
    // AWS_PROFILE names it just as well.
    let out = common::bin::command()
        .args(["list", "associations", "--endpoint-url", &endpoint])
        .env("AWS_PROFILE", "nosuch")
        .env("AWS_CONFIG_FILE", config_file(dir.path()))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn a_profile_without_a_region_is_told_about_the_region() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &[
            "list",
            "destinations",
            "--profile",
            "noregion",
            "--endpoint-url",
            &sim.endpoint(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let said = stderr(&out);
    assert!(said.contains("No AWS region"), "{said}");
    assert!(
        said.contains("--region") && !said.contains("Retry"),
        "{said}"
    );
}

#[test]
fn the_header_names_the_profile_and_where_its_credentials_come_from() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let config = config_file(dir.path());
    let endpoint = sim.endpoint();
    // --profile beats the keys in the environment, as in the AWS CLI…
    let mut tui = Tui::spawn(
        dir.path(),
        Spawn::new(&["--profile", "ops", "--endpoint-url", &endpoint, "--manage"])
            .env("AWS_CONFIG_FILE", Some(&config)),
    );
    tui.wait_for("profile ops (static keys)");
    tui.wait_for("Summer house lights");
    tui.send(b"q");
    assert_eq!(tui.wait_exit(), 0);
    // …AWS_PROFILE does not.
    let mut tui = Tui::spawn(
        dir.path(),
        Spawn::new(&["--endpoint-url", &endpoint, "--manage"])
            .env("AWS_CONFIG_FILE", Some(&config))
            .env("AWS_PROFILE", Some("ops")),
    );
    tui.wait_for("profile ops (environment)");
    tui.send(b"q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn an_expired_sso_session_is_signed_in_with_the_aws_cli_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("sso-config");
    std::fs::write(
        &config,
        "[profile ssoprof]\nsso_session = corp\nsso_account_id = 123456789012\n\
         sso_role_name = Onboarding\nregion = us-east-1\n\n\
         [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
    )
    .unwrap();
    // A stand-in AWS CLI: records how it was run, says so on the terminal, succeeds.
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let marker = dir.path().join("aws-ran");
    let stub = bin.join("aws");
    std::fs::write(
        &stub,
        format!(
            "#!/bin/sh\necho \"$@\" > '{}'\necho 'stand-in aws: signed in'\nsleep 0.3\n",
            marker.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut tui = Tui::spawn(
        dir.path(),
        Spawn::new(&["--profile", "ssoprof", "--no-browser"])
            .env("AWS_CONFIG_FILE", Some(config.to_str().unwrap()))
            .env("HOME", Some(dir.path().to_str().unwrap()))
            .env("AWS_ACCESS_KEY_ID", None)
            .env("AWS_SECRET_ACCESS_KEY", None)
            .env("PATH", Some(&path)),
    );
    tui.wait_for("Whose account this is is not known");
    tui.wait_for("sign in here with `aws sso login --profile ssoprof`");
    tui.send(b"s");
    tui.wait_for("`aws sso login --profile ssoprof` ended");
    assert_eq!(
        std::fs::read_to_string(&marker).unwrap().trim(),
        "sso login --profile ssoprof"
    );
    // The wizard took the screen back and checks again; it is still going.
    tui.wait_for("What do you want to do?");
    assert!(
        String::from_utf8_lossy(&tui.raw()).contains("stand-in aws: signed in"),
        "the AWS CLI ran on the terminal"
    );
    tui.send(b"q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn the_start_screen_says_where_before_step_1() {
    let sim = Sim::start(100);
    let dir = tempfile::tempdir().unwrap();
    let mut tui = Tui::spawn(
        dir.path(),
        Spawn::new(&crate::common::e2e::wizard_args(&sim, &[])),
    );
    tui.wait_for(&format!("Onboard into endpoint {}", sim.endpoint()));
    tui.wait_for("What do you want to do?");
    tui.send(b"q");
    assert_eq!(tui.wait_exit(), 0);
}

const THREE_PROFILES: &str = "\
[default]
region = us-east-1
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = s

[profile ci]
credential_process = /bin/false

[profile ops]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Onboarding
region = eu-west-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
";

#[test]
fn with_several_profiles_and_none_named_the_start_screen_offers_them_and_remembers() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("three");
    std::fs::write(&config, THREE_PROFILES).unwrap();
    let spawn = || {
        Spawn::new(&["--no-browser"])
            .env("AWS_CONFIG_FILE", Some(config.to_str().unwrap()))
            .env("HOME", Some(dir.path().to_str().unwrap()))
    };
    let mut tui = Tui::spawn(dir.path(), spawn());
    tui.wait_for("Which AWS profile?");
    tui.wait_for("default  us-east-1 · static keys");
    tui.wait_for("ci  no region · credential process");
    tui.wait_for("ops  eu-west-1 · SSO");
    // ops, in another region than its own.
    tui.type_keys("jj");
    tui.wait_for("Profiles 3 of 3");
    tui.send(b"\t");
    tui.send(b"\x15eu-central-1");
    tui.wait_for("eu-central-1");
    tui.send(b"\r");
    tui.wait_for("into profile ops · eu-central-1");
    tui.wait_for("What do you want to do?");
    tui.send(b"q");
    assert_eq!(tui.wait_exit(), 0);
    let remembered = dir.path().join("state/iotmi-onboard/last-profile.json");
    let text = std::fs::read_to_string(&remembered).expect("the choice is remembered");
    assert!(
        text.contains("\"ops\"") && text.contains("eu-central-1"),
        "{text}"
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&remembered).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // The next run offers the same choice first: Enter alone takes it.
    let mut tui = Tui::spawn(dir.path(), spawn());
    tui.wait_for("ops  eu-west-1 · SSO · last used");
    tui.wait_for("Profiles 3 of 3");
    tui.send(b"\r");
    tui.wait_for("into profile ops · eu-central-1");
    tui.send(b"q");
    assert_eq!(tui.wait_exit(), 0);

    // Plain mode asks the same, by number.
    let out = common::bin::command()
        .args(["--plain", "--no-browser"])
        .env("AWS_CONFIG_FILE", &config)
        .env("HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(b"2\nus-west-2\n")?;
            child.wait_with_output()
        })
        .unwrap();
    let said = stderr(&out);
    assert!(
        said.contains("  2. ci (no region, credential process)"),
        "{said}"
    );
    let remembered = std::fs::read_to_string(&remembered).unwrap();
    assert!(
        remembered.contains("\"ci\"") && remembered.contains("us-west-2"),
        "{remembered}"
    );
}
